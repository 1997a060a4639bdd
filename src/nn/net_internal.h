/*
 * net_internal.h - the parts of the net that only the library uses: the
 * buffers' alignment, parameter offsets, and the training step in two
 * halves, so that the trainer's threads can share out the outputs of the
 * first layer (when its kind offers the column operations of layer.h). Not
 * part of the public API (include/nnclass/nn/net.h): how the step is cut
 * depends on how the trainer schedules its threads, not on what a net is.
 */
#ifndef NNCLASS_NET_INTERNAL_H
#define NNCLASS_NET_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "nnclass/nn/net.h"

/* Buffers start on 64-byte boundaries (a cache line, an AVX-512 vector). */
#define NN_ALIGN 64u
#define NN_ALIGN_FLOATS (NN_ALIGN / sizeof(float))

static inline size_t nn_round_up(size_t n, size_t to)
{
    return (n + to - 1) / to * to;
}

/* Offset of layer l's weights in params (its biases follow them). */
size_t nn_net_layer_offset(const nn_net *net, size_t l);

/* Non-zero when the trainer's threads can share out the outputs of the
 * first layer (nn_net_forward_first): the first layer offers the column
 * operations, the second takes its input by columns, and there is a hidden
 * layer. */
int nn_net_splits_first(const nn_net *net);

/* The neurons of the first hidden layer are computed in blocks of this many,
 * always the same blocks: a BLAS picks its kernel, and so the order of its
 * sums, from the shapes it is given, so fixed shapes make the result the
 * same however many threads share the blocks out.
 * The blocks have a price on AVX2 kernels: OpenBLAS's Haswell sgemm packs X
 * again for every block, and two calls of 8 neurons (forward 64x8x784,
 * weight gradient 8x784x64) take about 1.2 times one call of 16, where its
 * AVX-512 kernels (small-matrix path, no packing) take the same time. One
 * call for a thread's adjacent blocks would win that back on one thread,
 * but its sums differ from the blocks' in the last bit on Haswell at most
 * batch sizes (and on AVX-512 at some), so models would then depend on the
 * thread count. */
#define NN_FIRST_BLOCK 8u

/* The same training step in two halves, so that the neurons of the first
 * hidden layer can be shared out among threads (dense nets with >= 3 layers
 * only).
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

#endif
