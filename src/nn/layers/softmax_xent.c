/* softmax_xent.c - the output of a classifier: a stable softmax over each
 * row of scores, and cross-entropy against one byte label per sample, fused
 * with its gradient.
 *
 * Shapes: z is (rows, n) scores (logits, bias included), one sample per
 * row; delta is (rows, n). */
#include <math.h>

#include "nnclass/base/vexp.h"
#include "nnclass/nn/net.h"

/* Rows a softmax handles per round, their argmax kept between passes. */
#define SOFTMAX_ROWS 64u

/* The first pass of a stable softmax over rows (<= SOFTMAX_ROWS) of Z
 * (rows, n): records each row's argmax in arg, and writes e^(z - the row's
 * max) into e, which may be Z itself; the exponentials go in one call. */
static void shifted_exp(const float *z, size_t rows, size_t n, float *e, size_t *arg)
{
    for (size_t r = 0; r < rows; r++) {
        const float *zr = z + r * n;
        float *er = e + r * n;
        arg[r] = nn_argmax(zr, n);
        float m = zr[arg[r]];
        for (size_t j = 0; j < n; j++)
            er[j] = zr[j] - m;
    }
    nn_vexp(e, rows * n);
}

/* The stable softmax of every row of Z (rows, n), in place. */
static void softmax_probs(float *z, size_t rows, size_t n)
{
    size_t arg[SOFTMAX_ROWS];
    for (size_t r0 = 0; r0 < rows; r0 += SOFTMAX_ROWS) {
        size_t k = rows - r0 < SOFTMAX_ROWS ? rows - r0 : SOFTMAX_ROWS;
        shifted_exp(z + r0 * n, k, n, z + r0 * n, arg);
        for (size_t r = r0; r < r0 + k; r++) {
            float *zr = z + r * n;
            float s = 0.0f;
            for (size_t j = 0; j < n; j++)
                s += zr[j];
            float inv = 1.0f / s;
            for (size_t j = 0; j < n; j++)
                zr[j] *= inv;
        }
    }
}

/* Per row, with m the max score and s = sum exp(z - m): loss = log s + m -
 * z_y (log-sum-exp, never overflows) and dLoss/dz = softmax(z) - onehot(y).
 * delta receives that, divided by norm because the loss is the mean over a
 * minibatch of norm samples. Returns the summed loss; *right counts the
 * rows whose largest score is y. */
static double softmax_xent_grad(float *z, const nn_targets *t, size_t batch, size_t norm,
                                size_t n, float *delta, size_t *right)
{
    size_t arg[SOFTMAX_ROWS];
    double loss = 0.0;
    float inv_batch = 1.0f / (float)norm;
    for (size_t r0 = 0; r0 < batch; r0 += SOFTMAX_ROWS) {
        size_t rows = batch - r0 < SOFTMAX_ROWS ? batch - r0 : SOFTMAX_ROWS;
        shifted_exp(z + r0 * n, rows, n, delta + r0 * n, arg);
        for (size_t i = 0; i < rows; i++) {
            const float *zr = z + (r0 + i) * n;
            float *dr = delta + (r0 + i) * n;
            size_t y = t->labels[r0 + i];
            float s = 0.0f;
            for (size_t j = 0; j < n; j++)
                s += dr[j];
            loss += (double)(logf(s) + zr[arg[i]] - zr[y]);
            *right += arg[i] == y;
            float scale = inv_batch / s;
            for (size_t j = 0; j < n; j++)
                dr[j] *= scale;
            dr[y] -= inv_batch;
        }
    }
    return loss;
}

const nn_output_ops nn_output_softmax_xent = {
    .name = "softmax",
    .probs = softmax_probs,
    .loss_grad = softmax_xent_grad,
};
