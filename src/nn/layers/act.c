/* act.c - biases, activations and their derivatives over a minibatch, for
 * every kind of layer. */
#include "act.h"

#include <math.h>

#include "nnclass/base/vexp.h"
#include "nnclass/nn/net.h"
#include "../../base/vector_clones.h"

/* The sigmoid 1 / (1 + e^-(z + b)) of Z (rows, n), rows stride floats
 * apart, in place. The exponentials go in one call when the rows are
 * contiguous. */
static void bias_sigmoid(float *z, size_t stride, const float *b, size_t rows, size_t n)
{
    for (size_t r = 0; r < rows; r++) {
        float *zr = z + r * stride;
        for (size_t j = 0; j < n; j++)
            zr[j] = -(zr[j] + b[j]);
    }
    if (stride == n)
        nn_vexp(z, rows * n);
    else
        for (size_t r = 0; r < rows; r++)
            nn_vexp(z + r * stride, n);
    for (size_t r = 0; r < rows; r++) {
        float *zr = z + r * stride;
        for (size_t j = 0; j < n; j++)
            zr[j] = 1.0f / (1.0f + zr[j]);
    }
}

NN_VECTOR_CLONES
void nn_bias_activate(float *z, size_t stride, const float *b, size_t rows, size_t n,
                      nn_activation act)
{
    switch (act) {
    case NN_ACT_SIGMOID:
        bias_sigmoid(z, stride, b, rows, n);
        break;
    case NN_ACT_RELU:
        for (size_t r = 0; r < rows; r++)
            for (size_t j = 0; j < n; j++) {
                float v = z[r * stride + j] + b[j];
                z[r * stride + j] = v > 0.0f ? v : 0.0f;
            }
        break;
    case NN_ACT_TANH:
        for (size_t r = 0; r < rows; r++)
            for (size_t j = 0; j < n; j++)
                z[r * stride + j] = tanhf(z[r * stride + j] + b[j]);
        break;
    case NN_ACT_STEP: /* never a hidden layer */
    case NN_ACT_NONE:
        for (size_t r = 0; r < rows; r++)
            for (size_t j = 0; j < n; j++)
                z[r * stride + j] += b[j];
        break;
    }
}

void nn_activate(float *z, size_t n, nn_activation act)
{
    static const float zero = 0.0f;
    if (act != NN_ACT_NONE)
        nn_bias_activate(z, 1, &zero, n, 1, act);
}

NN_VECTOR_CLONES
void nn_act_grad(float *d, const float *a, size_t n, nn_activation act)
{
    switch (act) {
    case NN_ACT_SIGMOID: /* a (1 - a) */
        for (size_t i = 0; i < n; i++)
            d[i] *= a[i] * (1.0f - a[i]);
        break;
    case NN_ACT_RELU: /* 1 where a > 0 */
        for (size_t i = 0; i < n; i++)
            d[i] = a[i] > 0.0f ? d[i] : 0.0f;
        break;
    case NN_ACT_TANH: /* 1 - a^2 */
        for (size_t i = 0; i < n; i++)
            d[i] *= 1.0f - a[i] * a[i];
        break;
    case NN_ACT_STEP: /* no hidden layer has it */
    case NN_ACT_NONE:
        break;
    }
}

void nn_column_sums(const float *delta, size_t ld, size_t rows, size_t n, float *db)
{
    memcpy(db, delta, n * sizeof(float));
    for (size_t r = 1; r < rows; r++) {
        const float *dr = delta + r * ld;
        for (size_t j = 0; j < n; j++)
            db[j] += dr[j];
    }
}

nn_status nn_check_act(nn_activation act, nn_error *err)
{
    if ((unsigned)act > (unsigned)NN_ACT_NONE)
        return nn_fail(err, NN_E_ARG, "unknown activation %d", (int)act);
    if (act == NN_ACT_STEP)
        return nn_fail(err, NN_E_ARG, "the step activation is only for the perceptron");
    return NN_OK;
}

nn_status nn_check_out_size(const nn_layer *row, nn_error *err)
{
    if (row->h * row->w > NN_MAX_WIDTH || row->h * row->w * row->c > NN_MAX_WIDTH)
        return nn_fail(err, NN_E_ARG, "an output of %zux%zux%zu values, more than the cap of "
                       "%u", row->h, row->w, row->c, NN_MAX_WIDTH);
    return NN_OK;
}
