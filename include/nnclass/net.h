/*
 * net.h - a fully-connected neural network: the model and its forward and
 * backward passes.
 *
 * A network is a list of layer sizes, input first: 784,16,10 has 784 inputs,
 * one hidden layer of 16 neurons and 10 output neurons. Each neuron computes
 * a = f(W.x + b). Hidden layers share one activation (sigmoid, relu or tanh);
 * the output layer is a softmax, trained with cross-entropy. The perceptron
 * (NN_ACT_STEP) is the special case with no hidden layer whose prediction is
 * the class of the largest weighted sum; its "probabilities" are the softmax
 * of those sums.
 *
 * All parameters live in one contiguous float buffer: for each layer l = 1 ..
 * n_layers-1, its weights W_l, shaped (sizes[l], sizes[l-1]) row-major, then
 * its biases b_l (sizes[l]). A loaded net is read-only during inference: the
 * scratch arrays of a forward pass live in an nn_workspace, one per thread.
 */
#ifndef NNCLASS_NET_H
#define NNCLASS_NET_H

#include <stddef.h>
#include <stdint.h>

#include "nnclass/error.h"
#include "nnclass/idx.h"
#include "nnclass/rng.h"

#define NN_MAX_LAYERS 16                       /* sizes, input included */
#define NN_MAX_WIDTH 65536u                    /* neurons (or inputs) per layer */
#define NN_MAX_PARAMS ((size_t)1 << 26)        /* 64 Mi floats = 256 MiB */
#define NN_MAX_CLASSES 256u                    /* labels are bytes */

typedef enum {
    NN_ACT_SIGMOID = 0,
    NN_ACT_RELU = 1,
    NN_ACT_TANH = 2,
    NN_ACT_STEP = 3, /* perceptron: only for a net with no hidden layer */
} nn_activation;

typedef struct {
    size_t n_layers;              /* number of sizes, input included (>= 2) */
    size_t sizes[NN_MAX_LAYERS];  /* sizes[0] inputs, sizes[n_layers-1] classes */
    nn_activation hidden;         /* activation of the hidden layers */
    size_t n_params;              /* weights + biases */
    float *params;                /* n_params floats, layout above */
} nn_net;

/* Creates a net with zeroed parameters. Checks 2 <= n_layers <= NN_MAX_LAYERS,
 * every size in 1..NN_MAX_WIDTH, 2..NN_MAX_CLASSES outputs, n_params <=
 * NN_MAX_PARAMS, and that NN_ACT_STEP has no hidden layer (NN_E_ARG).
 * Caller frees with nn_net_free. */
nn_status nn_net_create(const size_t *sizes, size_t n_layers, nn_activation hidden,
                        nn_net **out, nn_error *err);

/* Frees a net (NULL-safe). */
void nn_net_free(nn_net *net);

/* Number of parameters of a layer list, or 0 when it overflows the cap. */
size_t nn_net_count_params(const size_t *sizes, size_t n_layers);

/* Number of neurons (hidden + output; inputs are not neurons), weights, biases. */
size_t nn_net_neurons(const nn_net *net);
size_t nn_net_weights_count(const nn_net *net);
size_t nn_net_biases_count(const nn_net *net);

/* Weights of layer l (1 <= l < n_layers): (sizes[l], sizes[l-1]) row-major. */
float *nn_net_weights(const nn_net *net, size_t l);

/* Biases of layer l (1 <= l < n_layers): sizes[l] floats. */
float *nn_net_biases(const nn_net *net, size_t l);

/* Random initialisation: Glorot-uniform for sigmoid/tanh, He-normal for relu,
 * zeros for the perceptron; biases zero. Deterministic for a given rng state. */
void nn_net_init(nn_net *net, nn_rng *rng);

/* "sigmoid", "relu", "tanh", "step". */
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

/* One image: x has sizes[0] floats. Every layer via cblas_sgemv. Returns the
 * output probabilities (sizes[n_layers-1] floats), valid until the next call
 * on ws. */
const float *nn_net_forward(const nn_net *net, nn_workspace *ws, const float *x);

/* A minibatch: x is (batch, sizes[0]) row-major, batch <= max_batch. Every
 * layer via cblas_sgemm. Returns (batch, n_classes) probabilities. */
const float *nn_net_forward_batch(const nn_net *net, nn_workspace *ws, const float *x,
                                  size_t batch);

/* Mean cross-entropy loss of a minibatch and its gradient: grad (n_params
 * floats, same layout as params) receives d(mean loss)/d(params). x is
 * (batch, sizes[0]), labels[i] < n_classes. Not for NN_ACT_STEP. Returns the
 * loss (NaN or Inf when the net has diverged). If correct is not NULL it
 * receives the number of images predicted right by this forward pass. */
float nn_net_loss_grad(const nn_net *net, nn_workspace *ws, const float *x,
                       const uint8_t *labels, size_t batch, float *grad,
                       size_t *correct);

/* The neurons of the first hidden layer are computed in blocks of this many,
 * always the same blocks: a BLAS picks its kernel, and so the order of its
 * sums, from the shapes it is given, so fixed shapes make the result the
 * same however many threads share the blocks out. */
#define NN_FIRST_BLOCK 8u

/* The same training step in two halves, so that the neurons of the first
 * hidden layer can be shared out among threads (net with >= 3 layers only).
 * j0 must be a multiple of NN_FIRST_BLOCK, and j1 too unless it is sizes[1].
 *
 * nn_net_forward_first computes the neurons [j0, j1) of layer 1 for a
 * minibatch x (batch, sizes[0]): columns j0..j1-1 of a1, which is
 * (batch, sizes[1]) row-major; the other columns are not touched.
 *
 * nn_net_loss_grad_from_first takes all of a1 and does the rest: the forward
 * pass from layer 2, the loss, and the backward pass. grad receives the
 * gradient of every layer from 2 up, and of layer 1 only the rows [j0, j1)
 * of the weights and entries [j0, j1) of the biases; the rest of layer 1's
 * gradient is not touched. Returns the mean loss, like nn_net_loss_grad,
 * which is the two with j0 = 0 and j1 = sizes[1]. */
void nn_net_forward_first(const nn_net *net, const float *x, size_t batch, size_t j0,
                          size_t j1, float *a1);
float nn_net_loss_grad_from_first(const nn_net *net, nn_workspace *ws, const float *x,
                                  const float *a1, const uint8_t *labels, size_t batch,
                                  size_t j0, size_t j1, float *grad, size_t *correct);

/* Checks that a labelled data set fits the net: rows * cols == sizes[0],
 * as many labels as images, every label below the class count
 * (NN_E_MISMATCH otherwise). */
nn_status nn_net_check_data(const nn_net *net, const nn_images *images,
                            const nn_labels *labels, nn_error *err);

/* Index of the largest of n values (the first on ties). */
size_t nn_argmax(const float *v, size_t n);

/* Index of the first of n values that is NaN or infinite, or n when all are
 * finite. Finite weights can still overflow in a forward pass (weights near
 * FLT_MAX): callers check the probabilities before trusting them. */
size_t nn_first_nonfinite(const float *v, size_t n);

/* Sets the number of threads OpenBLAS may use (>= 1). */
void nn_set_threads(size_t threads);

#endif
