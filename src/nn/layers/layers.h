/*
 * layers.h - the helpers the kinds of layer share (text tokens, ONNX
 * nodes) and the naive references beside their tuned kernels. Not part of
 * the public API: the generic code reaches a kind through nn_layer_ops_of.
 */
#ifndef NNCLASS_LAYERS_LAYERS_H
#define NNCLASS_LAYERS_LAYERS_H

#include "nnclass/nn/layer.h"

/* The plain loops the tuned forward kernels compute, as references for the
 * tests (run as for the forward operation; no room needed). */
void nn_dense_forward_naive(const nn_layer_run *run, const float *in, float *out, size_t batch);
void nn_conv_forward_naive(const nn_layer_run *run, const float *in, float *out, size_t batch);

/* The dense layer's maths over any rows (a batch's samples, or every step
 * of every sample for the per-step layer): X (rows, f), W (n, f) row-major
 * in run->w, b (n) in run->b. Forward: out (rows, n) = f(X.W^T + b) via
 * one cblas_sgemm (the output row: X.W^T + b, its scores). Backward, from
 * delta (rows, n): dW (n, f) = delta^T . X, then db (n) the column sums of
 * delta, and dprev (rows, f) = delta . W unless dprev is NULL. */
void nn_dense_rows_forward(const nn_layer_run *run, const float *in, float *out, size_t rows,
                           size_t f, size_t n);
void nn_dense_rows_backward(const nn_layer_run *run, const float *in, const float *delta,
                            size_t rows, size_t f, size_t n, float *dw, float *dprev);

/* Appends op(cur) -> "<prefix><l>" to g and makes it the current tensor. */
void nn_graph_step(nn_graph *g, const char *op, const char *prefix, size_t l,
                   const nn_graph_attr *attrs, size_t n_attrs);

/* cur reshaped to shape (n dims; 0 keeps that dim) -> "<prefix><l>", the
 * shape an initializer "<prefix><l>_shape". */
void nn_graph_reshape(nn_graph *g, const char *prefix, size_t l, const int64_t *shape,
                      size_t n);

/* The row's activation as a node after it, when it has one (none for the
 * output row: its scores go to the output's Softmax). */
void nn_graph_activation(nn_graph *g, const nn_layer_run *run, size_t l);

/* Initializers "W<l>" and "b<l>", then node op(cur, W, b) -> "z<l>" named
 * "<name><l>" with attrs. */
void nn_graph_weighted(nn_graph *g, const char *op, const char *name, size_t l,
                       const int64_t *wdims, size_t n_wdims, const float *w,
                       const int64_t *bdims, const float *b, const nn_graph_attr *attrs,
                       size_t n_attrs);

/* Parses a whole decimal number of up to 9 digits at *p, advancing *p;
 * -1 when there is none. */
long nn_parse_num(const char **p);

/* After a number read (prev >= 0), the next of "AxB": the number after an
 * 'x'; -1 if there is none. */
long nn_parse_times(const char **p, long prev);

#endif
