/*
 * net.h - a neural network as a table of layers: the model and its forward
 * and backward passes.
 *
 * Row 0 of the table is the input image; every other row is a layer, each
 * with its own activation (sigmoid, relu, tanh, none). What a layer is, and
 * how a kind of layer plugs in, is in layer.h; the kinds today:
 *
 *   dense  n neurons, a = f(W.x + b) over the whole previous output
 *   conv   C_out k x k kernels, stride 1, 'valid' (no padding) or 'same'
 *          (zero padding (k-1)/2, k odd), over all C_in input channels
 *   pool   2 x 2 max pooling, stride 2 (the input's sides must be even)
 *
 * A dense layer after a conv or pool layer sees its input flattened. The
 * last row is a dense layer whose outputs go through a softmax, trained with
 * cross-entropy. A plain list of sizes (784,16,10: 784 inputs, one hidden
 * layer of 16 neurons, 10 outputs) is the table of dense layers sharing one
 * hidden activation. The perceptron (NN_ACT_STEP) is the special case with
 * no hidden layer whose prediction is the class of the largest weighted sum;
 * its "probabilities" are the softmax of those sums.
 *
 * Every activation is stored channels last: an output of shape (h, w, c) is
 * h*w*c floats, row by row, the c channels of a pixel side by side, and
 * nn_net_size(net, l) = h*w*c. A minibatch is (batch, that), one image per row.
 *
 * All parameters live in one contiguous float buffer: for each layer l = 1 ..
 * n_layers-1, its weights W_l, then its biases b_l. Dense: W is (n_out, n_in)
 * row-major, b is (n_out). Conv: W is (C_out, k, k, C_in) row-major, b is
 * (C_out). Pool: none. A loaded net is read-only during inference: the
 * scratch arrays of a forward pass live in an nn_workspace, one per thread.
 */
#ifndef NNCLASS_NET_H
#define NNCLASS_NET_H

#include <stddef.h>
#include <stdint.h>

#include "nnclass/base/error.h"
#include "nnclass/base/rng.h"
#include "nnclass/nn/layer.h"

#define NN_MAX_LAYERS 16                       /* sizes, input included */
#define NN_MAX_WIDTH 65536u                    /* neurons (or inputs) per layer */
#define NN_MAX_PARAMS ((size_t)1 << 26)        /* 64 Mi floats = 256 MiB */
#define NN_MAX_CLASSES 256u                    /* labels are bytes */
#define NN_MAX_KERNEL 15u                      /* side of a conv kernel */
#define NN_MAX_CHANNELS 1024u                  /* channels of a conv layer */
#define NN_MAX_SIDE 4096u                      /* rows or cols of an input image */

typedef struct {
    size_t n_layers;              /* rows of the table, input included (>= 2) */
    nn_layer layers[NN_MAX_LAYERS]; /* the table: the only description of the net */
    size_t n_params;              /* weights + biases */
    float *params;                /* n_params floats, layout above */
} nn_net;

/* The activation the net's hidden rows were made with, as its last row
 * records it: the output row applies no activation to its scores (the
 * output's softmax does), so its act field says what version 1 files and
 * the exports call the net's activation: a plain list's hidden activation
 * (also when it has no hidden layer), NN_ACT_STEP for the perceptron, a
 * table's layer 1's (none without a hidden layer). */
static inline nn_activation nn_net_hidden(const nn_net *net)
{
    return net->layers[net->n_layers - 1].act;
}

/* Values per sample that row l outputs (its h*w*c): row 0's are the
 * inputs, the last row's the classes. */
static inline size_t nn_net_size(const nn_net *net, size_t l)
{
    return net->layers[l].h * net->layers[l].w * net->layers[l].c;
}

/* Creates a net with zeroed parameters. Checks 2 <= n_layers <= NN_MAX_LAYERS,
 * every size in 1..NN_MAX_WIDTH, 2..NN_MAX_CLASSES outputs, n_params <=
 * NN_MAX_PARAMS, and that NN_ACT_STEP has no hidden layer (NN_E_ARG).
 * Caller frees with nn_net_free. */
nn_status nn_net_create(const size_t *sizes, size_t n_layers, nn_activation hidden,
                        nn_net **out, nn_error *err);

/* Checks row l of a table against the row before it (the output shape of
 * prev) and fills in its output shape; last says whether it is the output
 * row. NN_E_ARG with a message (zero sizes, a kernel bigger than its input,
 * pooling an odd side, a conv or pool after a dense layer, a cap passed). */
nn_status nn_net_layer_shape(const nn_layer *prev, nn_layer *layer, int last, nn_error *err);

/* Creates a net from a table of n_layers rows (row 0 the input; see
 * nn_layer), with zeroed parameters; checks every row as nn_net_layer_shape
 * does, 2..NN_MAX_CLASSES outputs and the parameter cap (NN_E_ARG).
 * Caller frees with nn_net_free. */
nn_status nn_net_create_table(const nn_layer *layers, size_t n_layers, nn_net **out,
                              nn_error *err);

/* Parses a layer table written as on the command line: comma-separated
 * tokens, the first the input (RxC, or a plain number of inputs), then
 * dense layers (a number of neurons), conv layers (convKxKxC, with -same or
 * -valid, the default), pooling (pool2); each may end in :ACT (relu,
 * sigmoid, tanh, none). Hidden layers without :ACT get def_act, pooling
 * none. A list of plain numbers gives only dense rows. Fills layers (up to
 * NN_MAX_LAYERS rows) and *n; NN_E_ARG with a message naming the token. */
nn_status nn_net_parse_table(const char *spec, nn_activation def_act, nn_layer *layers,
                             size_t *n, nn_error *err);

/* Parses hidden rows only, in the same grammar (--hidden 16,16): each token
 * a layer after an input and before an output that are given elsewhere.
 * Fills layers (up to NN_MAX_LAYERS - 2 rows) and *n; NN_E_ARG with a
 * message naming the token. */
nn_status nn_net_parse_hidden(const char *spec, nn_activation def_act, nn_layer *layers,
                              size_t *n, nn_error *err);

/* Writes the table as nn_net_parse_table reads it, e.g.
 * "28x28,conv5x5x16,pool2,10" (activations only where they differ from
 * def_act, pooling from none). Truncated to cap bytes. */
void nn_net_format_table(const nn_net *net, nn_activation def_act, char *out, size_t cap);

/* Non-zero when the net is a plain list of dense layers sharing one hidden
 * activation (what model format version 1 can hold). */
int nn_net_is_dense(const nn_net *net);

/* 1 when the net is a classifier (its output reads one label per sample:
 * one output per class), 0 when its last row's kind names an output of
 * its own (reconstruction), whose width is not a class count. */
int nn_net_has_classes(const nn_net *net);

/* Weights and biases of layer l (1 <= l < n_layers). */
size_t nn_net_layer_weights(const nn_net *net, size_t l);
size_t nn_net_layer_biases(const nn_net *net, size_t l);

/* A copy of net, its parameters included. Caller frees with nn_net_free. */
nn_status nn_net_clone(const nn_net *net, nn_net **out, nn_error *err);

/* Layer l's view of the net (1 <= l < n_layers): its rows, sizes and
 * parameters, without room in a workspace (for export and tests). */
nn_layer_run nn_net_layer_run(const nn_net *net, size_t l);

/* Frees a net (NULL-safe). */
void nn_net_free(nn_net *net);

/* Number of parameters of a layer list, or 0 when it overflows the cap. */
size_t nn_net_count_params(const size_t *sizes, size_t n_layers);

/* Number of neurons (hidden + output; inputs are not neurons), weights, biases. */
size_t nn_net_neurons(const nn_net *net);
size_t nn_net_weights_count(const nn_net *net);
size_t nn_net_biases_count(const nn_net *net);

/* Weights of layer l (1 <= l < n_layers), layout above. */
float *nn_net_weights(const nn_net *net, size_t l);

/* Biases of layer l (1 <= l < n_layers). */
float *nn_net_biases(const nn_net *net, size_t l);

/* Random initialisation: Glorot-uniform for sigmoid/tanh/none and the output
 * layer, He-normal for relu, zeros for the perceptron; biases zero. A conv
 * layer's fan-in is k*k*C_in, its fan-out k*k*C_out. Deterministic for a
 * given rng state. */
void nn_net_init(nn_net *net, nn_rng *rng);

/* "sigmoid", "relu", "tanh", "step", "none". */
const char *nn_activation_name(nn_activation act);

/* Parses an activation name; returns 0 on success, -1 for an unknown name. */
int nn_activation_parse(const char *name, nn_activation *out);

/* Scales n pixel bytes to floats in [0, 1] (x / 255). */
void nn_scale_pixels(const uint8_t *pixels, size_t n, float *out);

/* Scratch space for forward and backward passes of up to max_batch images. */
typedef struct nn_workspace nn_workspace;

/* Caller frees with nn_workspace_free. */
nn_status nn_workspace_create(const nn_net *net, size_t max_batch, nn_workspace **out,
                              nn_error *err);
void nn_workspace_free(nn_workspace *ws);

/* The same for forward passes only (eval, predict): no room for the
 * backward pass's gradients, which a conv net's would dwarf. */
nn_status nn_workspace_create_forward(const nn_net *net, size_t max_batch, nn_workspace **out,
                                      nn_error *err);

/* Images per minibatch that keep a forward-only workspace near budget
 * bytes (at least 1, at most cap). */
size_t nn_net_batch_for(const nn_net *net, size_t budget, size_t cap);

/* The outputs of layer l (1 <= l < n_layers) of the last forward pass on
 * ws, (batch, sizes[l]); the output layer's hold probabilities after a
 * forward pass, unspecified values after a training step. */
const float *nn_workspace_output(const nn_workspace *ws, size_t l);

/* One image: x has sizes[0] floats. Dense layers via cblas_sgemv, conv and
 * pool layers as a minibatch of one. Returns the
 * output probabilities (sizes[n_layers-1] floats), valid until the next call
 * on ws. */
const float *nn_net_forward(const nn_net *net, nn_workspace *ws, const float *x);

/* A minibatch: x is (batch, sizes[0]) row-major, batch <= max_batch. Dense
 * layers via cblas_sgemm, conv layers lowered by im2col to nn_matmul over
 * chunks of images (the lowered matrix is bounded by NN_CONV_ROWS rows and
 * 256 KB, not by the batch). Returns (batch, n_classes) probabilities. */
const float *nn_net_forward_batch(const nn_net *net, nn_workspace *ws, const float *x,
                                  size_t batch);

/* The outputs of layers 1..upto only of a minibatch (as nn_net_forward_batch
 * runs them): layer upto's (batch, size) outputs, valid until the next call
 * on ws. */
const float *nn_net_forward_to(const nn_net *net, nn_workspace *ws, const float *x,
                               size_t batch, size_t upto);

/* Steps of the input a net's last recurrent row reads, when it reads one
 * way and hands its last step's state to the rows after it (the
 * row-by-row LSTM: 28); 0 for any other net. */
size_t nn_net_steps(const nn_net *net);

/* How the answer of such a net forms: for one image x, probs (steps,
 * n_classes) receives the probabilities the net would give if its input
 * ended after each step (the rows after the recurrent one applied to each
 * step's state); the last step's are the net's own. NN_E_ARG for a net
 * without such a row (nn_net_steps is 0), NN_E_NOMEM. */
nn_status nn_net_step_probs(const nn_net *net, const float *x, float *probs, nn_error *err);

/* Mean cross-entropy loss of a minibatch and its gradient: grad (n_params
 * floats, same layout as params) receives d(mean loss)/d(params). x is
 * (batch, sizes[0]), labels[i] < n_classes. Not for NN_ACT_STEP. Returns the
 * loss (NaN or Inf when the net has diverged). If correct is not NULL it
 * receives the number of images predicted right by this forward pass. A
 * net ending in a reconstruction output reads x itself as its targets. */
float nn_net_loss_grad(const nn_net *net, nn_workspace *ws, const float *x,
                       const uint8_t *labels, size_t batch, float *grad,
                       size_t *correct);

/* The same for a part of a minibatch: grad receives the gradient of the
 * summed loss of these batch images divided by norm (the size of the whole
 * minibatch), so that the parts' gradients add up to the minibatch's.
 * Returns the summed (not mean) loss. */
double nn_net_loss_grad_part(const nn_net *net, nn_workspace *ws, const float *x,
                             const uint8_t *labels, size_t batch, size_t norm, float *grad,
                             size_t *correct);

/* The same with any output's targets (see nn_targets in layer.h): the
 * loss the last row's kind names, or softmax with cross-entropy, which
 * reads targets->labels. */
double nn_net_loss_grad_targets(const nn_net *net, nn_workspace *ws, const float *x,
                                const nn_targets *targets, size_t batch, size_t norm,
                                float *grad, size_t *correct);

/* Rows (image positions) of the lowered matrix of a conv layer per sgemm. */
#define NN_CONV_ROWS 2048u

/* Index of the largest of n values (the first on ties). */
size_t nn_argmax(const float *v, size_t n);

/* Index of the first of n values that is NaN or infinite, or n when all are
 * finite. Finite weights can still overflow in a forward pass (weights near
 * FLT_MAX): callers check the probabilities before trusting them. */
size_t nn_first_nonfinite(const float *v, size_t n);

#endif
