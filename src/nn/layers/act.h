/*
 * act.h - the kernels every kind of layer shares: a bias and an activation
 * over a minibatch, the activation's derivative, short float copies. Not
 * part of the public API.
 */
#ifndef NNCLASS_LAYERS_ACT_H
#define NNCLASS_LAYERS_ACT_H

#include <stddef.h>
#include <string.h>

#include "nnclass/nn/layer.h"

/* Z is (rows, n) pre-activations without bias, row r starting at z + r * stride;
 * b is (n). A = f(Z + b), in place. */
void nn_bias_activate(float *z, size_t stride, const float *b, size_t rows, size_t n,
                      nn_activation act);

/* A = f(Z) for n values without a bias (pooling), in place. */
void nn_activate(float *z, size_t n, nn_activation act);

/* d *= f'(z), for n values, with f' written in terms of the activation
 * a = f(z). */
void nn_act_grad(float *d, const float *a, size_t n, nn_activation act);

/* db (n) = the column sums of delta (rows, n), rows ld floats apart, in row
 * order. */
void nn_column_sums(const float *delta, size_t ld, size_t rows, size_t n, float *db);

/* Copies or zeroes n floats. The runs of im2col are short (a kernel row of
 * a one-channel image is 5 floats), where a call to memcpy or memset costs
 * more than the copy itself: whole 16-byte blocks, then single floats. */
static inline void nn_copy_floats(float *dst, const float *src, size_t n)
{
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        memcpy(dst + i, src + i, 4 * sizeof(float));
    for (; i < n; i++)
        dst[i] = src[i];
}

static inline void nn_zero_floats(float *dst, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = 0.0f;
}

/* The checks every hidden row's activation gets. */
nn_status nn_check_act(nn_activation act, nn_error *err);

/* NN_E_ARG when an output of h x w x c values passes NN_MAX_WIDTH. */
nn_status nn_check_out_size(const nn_layer *row, nn_error *err);

#endif
