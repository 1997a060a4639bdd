/*
 * recurrent.h - what the recurrent layers (rnn, gru, lstm) share: their time
 * loops (recurrent_cell.c) and their operations (recurrent.c). The loops:
 * a cell read over the steps of a sequence, in one or both directions, its
 * backpropagation through time, and a plain per-sample reference.
 *
 * Shapes (row-major, the batch the leading axis):
 *   X   (batch, t, f)          the input sequence
 *   Y   (batch, t, dirs*h)     every step's hidden state; direction d's h
 *                              values at columns [d*h, (d+1)*h)
 *   Z   (dirs, batch, t, g*h)  the gates of every step (g = 1, 3, 4 for rnn,
 *                              gru, lstm), after their activations
 *   C   (dirs, batch, t, h)    lstm: the cell state of every step;
 *                              gru: R_n.h_prev + b_Rn of every step
 * Parameters of direction d, in the layer's weights: W_d (g*h, f), then
 * R_d (g*h, h); in its biases: b_d (g*h), then for gru b_Rn,d (h). Gates
 * are in ONNX's order, so that export copies them as they are: lstm i, o,
 * f, c; gru z, r, n (with the reset gate applied after the recurrent
 * product, ONNX's linear_before_reset = 1); rnn one tanh.
 * Direction 0 reads steps 0 .. t-1, direction 1 (bidirectional) t-1 .. 0.
 */
#ifndef NNCLASS_RECURRENT_H
#define NNCLASS_RECURRENT_H

#include <stddef.h>

#include "layers.h"

typedef enum { NN_CELL_RNN = 0, NN_CELL_GRU = 1, NN_CELL_LSTM = 2 } nn_cell;

typedef struct {
    nn_cell cell;
    size_t batch, t, f, h, dirs;
} nn_rec_dims;

/* Gates per hidden unit: 1, 3 or 4. */
size_t nn_rec_gates(nn_cell cell);

/* Weights and biases of one layer (all directions). */
size_t nn_rec_weights(nn_cell cell, size_t f, size_t h, size_t dirs);
size_t nn_rec_biases(nn_cell cell, size_t h, size_t dirs);

/* Floats of Z and of C (0 for rnn) for a minibatch, and of the temporary
 * floats forward and backward need. */
size_t nn_rec_z_size(const nn_rec_dims *d);
size_t nn_rec_c_size(const nn_rec_dims *d);
size_t nn_rec_temp_size(const nn_rec_dims *d);

/* Forward over a minibatch: X -> Y, keeping Z and C for the backward pass;
 * input projections of all steps in one product per direction, one small
 * product per step for the recurrence (nn_matmul, so a sample's results
 * do not depend on the batch around it). w and b are the layer's weights
 * and biases. */
void nn_rec_forward(const nn_rec_dims *d, const float *w, const float *b, const float *x,
                    float *y, float *z, float *c, float *temp);

/* Backpropagation through time. dy (batch, t, dirs*h) is dLoss/dY (it is
 * overwritten); x, y, z, c are those of the forward pass (z is
 * overwritten). dw receives the gradient of the weights then the biases
 * (overwritten); dx, when not NULL, dLoss/dX (overwritten). */
void nn_rec_backward(const nn_rec_dims *d, const float *w, const float *x, const float *y,
                     float *z, const float *c, float *dy, float *dw, float *dx, float *temp);

/* The same forward pass with plain loops, one sample, one step and one
 * unit at a time, all in double precision: the reference the tests hold
 * the tuned path to, and the one their finite differences use. w, b, x and
 * y as above. Returns 0, or -1 when out of memory. */
int nn_rec_forward_naive(const nn_rec_dims *d, const double *w, const double *b,
                         const double *x, double *y);

/* --- the operations the three kinds share (recurrent.c); each kind's row
 * names its cell in its ops' variant --- */

/* Text: "128", "128x2" (two rows, stacked), "128-seq" (every step out). */
const char *nn_rec_parse(const char *body, nn_layer *row);
void nn_rec_format(const nn_layer *row, char *out, size_t cap);
void nn_rec_describe(const nn_layer *row, char *out, size_t cap);
nn_status nn_rec_shape(const nn_layer *prev, nn_layer *row, nn_error *err);
nn_status nn_rec_check_saved(const nn_layer *row, nn_error *err);
size_t nn_rec_n_weights(const nn_layer *prev, const nn_layer *row);
size_t nn_rec_n_biases(const nn_layer *row);
void nn_rec_init(const nn_layer *prev, const nn_layer *row, float *w, float *b, nn_rng *rng);
void nn_rec_fans(const nn_layer *prev, const nn_layer *row, size_t *fan_in, size_t *fan_out);
void nn_rec_scratch(const nn_layer *prev, const nn_layer *row, size_t batch, int backward,
                    size_t *keep, size_t *bytes, size_t *temp);
void nn_rec_layer_forward(const nn_layer_run *run, const float *in, float *out, size_t batch);
void nn_rec_layer_backward(const nn_layer_run *run, const float *in, const float *delta,
                           size_t batch, float *dw, float *dprev);
nn_status nn_rec_onnx(nn_graph *g, const nn_layer_run *run, size_t l, nn_error *err);
size_t nn_rec_npz(const nn_layer_run *run, nn_param_array out[2]);

/* The fields every recurrent row's operations share; a kind's file adds
 * its name, tokens and cell (variant). */
#define NN_RECURRENT_OPS                                                                  \
    .layout = NN_SHAPE_SEQUENCE, .can_be_output = 0, .parse = nn_rec_parse,                \
    .format = nn_rec_format, .takes_default_act = 0, .describe = nn_rec_describe,          \
    .alt_flags = NN_REC_BIDIRECTIONAL, .stack_flags = NN_REC_SEQUENCE,                     \
    .known_flags = NN_REC_BIDIRECTIONAL | NN_REC_SEQUENCE, .has_units = 1,                 \
    .shape = nn_rec_shape, .check_saved = nn_rec_check_saved, .n_weights = nn_rec_n_weights, \
    .n_biases = nn_rec_n_biases, .init = nn_rec_init, .fans = nn_rec_fans,                 \
    .scratch = nn_rec_scratch, .forward = nn_rec_layer_forward,                            \
    .backward = nn_rec_layer_backward, .onnx = nn_rec_onnx, .npz = nn_rec_npz

#endif
