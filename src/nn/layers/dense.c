/* dense.c - the dense layer: n neurons, a = f(W.x + b) over the whole
 * (flattened) output of the layer before.
 *
 * Shapes: a minibatch X is (batch, n_in) row-major, one sample per row; W is
 * (n_out, n_in) row-major, so the layer computes Y = f(X.W^T + b), which
 * cblas_sgemm does without any explicit transpose. b is (n_out). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cblas.h>

#include "act.h"
#include "layers.h"
#include "nnclass/nn/net.h"
#include "../net_internal.h"

/* --- text, shape, parameters ------------------------------------------------ */

/* "N": a dense layer of N neurons. */
static const char *dense_parse(const char *p, nn_layer *row)
{
    long n = nn_parse_num(&p);
    if (n < 0 || *p != '\0')
        return "expected a number of neurons, convKxKxC or pool2";
    row->c = (size_t)n;
    return NULL;
}

static void dense_format(const nn_layer *row, char *out, size_t cap)
{
    snprintf(out, cap, "%zu", row->c);
}

static void dense_describe(const nn_layer *row, char *out, size_t cap)
{
    (void)row;
    if (cap > 0)
        out[0] = '\0';
}

static nn_status dense_shape(const nn_layer *prev, nn_layer *row, nn_error *err)
{
    (void)prev;
    if (row->c == 0)
        return nn_fail(err, NN_E_ARG, "a dense layer of 0 neurons");
    if (row->c > NN_MAX_WIDTH)
        return nn_fail(err, NN_E_ARG, "%zu neurons, more than the cap of %u", row->c,
                       NN_MAX_WIDTH);
    row->h = row->w = 1;
    return NN_OK;
}

static nn_status dense_check_saved(const nn_layer *row, nn_error *err)
{
    if (row->k != 0 || row->same)
        return nn_fail(err, NN_E_FORMAT, "a dense layer with a kernel");
    return NN_OK;
}

static size_t dense_weights(const nn_layer *prev, const nn_layer *row)
{
    return row->c * prev->h * prev->w * prev->c;
}

static size_t dense_biases(const nn_layer *row)
{
    return row->c;
}

/* Fan-in and fan-out: its inputs and its neurons. */
static void dense_fans(const nn_layer *prev, const nn_layer *row, size_t *fan_in,
                       size_t *fan_out)
{
    *fan_in = prev->h * prev->w * prev->c;
    *fan_out = row->c;
}

static void dense_scratch(const nn_layer *prev, const nn_layer *row, size_t batch,
                          int backward, size_t *keep, size_t *bytes, size_t *temp)
{
    (void)prev, (void)row, (void)batch, (void)backward;
    *keep = *bytes = *temp = 0;
}

/* --- forward and backward ------------------------------------------------------ */

/* The bias and activation of Z (rows, n), rows stride floats apart; the
 * output row gets its bias only (its scores go to the loss). */
static void finish(const nn_layer_run *run, float *z, size_t stride, const float *b,
                   size_t rows, size_t n)
{
    nn_bias_activate(z, stride, b, rows, n, run->last ? NN_ACT_NONE : run->layer->act);
}

void nn_dense_rows_forward(const nn_layer_run *run, const float *in, float *out, size_t rows,
                           size_t f, size_t n)
{
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)n, (int)f, 1.0f, in,
                (int)f, run->w, (int)f, 0.0f, out, (int)n);
    finish(run, out, n, run->b, rows, n);
}

/* X (batch, n_in), W (n_out, n_in): Z = X.W^T (batch, n_out) via
 * cblas_sgemm, then f(Z + b). */
static void dense_forward(const nn_layer_run *run, const float *in, float *out, size_t batch)
{
    nn_dense_rows_forward(run, in, out, batch, run->n_in, run->n_out);
}

/* One sample: x (n_in), W (n_out, n_in) row-major; z = W.x via cblas_sgemv,
 * then f(z + b). */
static void dense_forward_one(const nn_layer_run *run, const float *in, float *out)
{
    cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)run->n_out, (int)run->n_in, 1.0f, run->w,
                (int)run->n_in, in, 1, 0.0f, out, 1);
    finish(run, out, run->n_out, run->b, 1, run->n_out);
}

/* The plain loops dense_forward computes with sgemm, as a reference for the
 * tests: out (batch, n_out) = f(in (batch, n_in) . W^T + b). */
void nn_dense_forward_naive(const nn_layer_run *run, const float *in, float *out, size_t batch)
{
    for (size_t r = 0; r < batch; r++)
        for (size_t j = 0; j < run->n_out; j++) {
            double s = 0.0;
            for (size_t i = 0; i < run->n_in; i++)
                s += (double)in[r * run->n_in + i] * run->w[j * run->n_in + i];
            out[r * run->n_out + j] = (float)s;
        }
    finish(run, out, run->n_out, run->b, batch, run->n_out);
}

/* Gradient from delta = dLoss/dZ, (batch, n_out) with rows ld floats apart,
 * and the inputs A_prev (batch, n_in): dW (n_out, n_in) = delta^T . A_prev
 * via sgemm, db (n_out) = column sums of delta. */
static void layer_grad(const float *delta, size_t ld, const float *a_prev, size_t batch,
                       size_t n_in, size_t n_out, float *dw, float *db)
{
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)n_out, (int)n_in, (int)batch,
                1.0f, delta, (int)ld, a_prev, (int)n_in, 0.0f, dw, (int)n_in);
    nn_column_sums(delta, ld, batch, n_out, db);
}

/* dA_prev = delta (batch, n_out) . W (n_out, n_in), for the columns [j0, j1)
 * of the layer below only; dA_prev is (batch, n_in). */
static void input_delta(const float *delta, const float *w, size_t batch, size_t n_in,
                        size_t n_out, size_t j0, size_t j1, float *dp)
{
    size_t n = j1 - j0;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)batch, (int)n, (int)n_out,
                1.0f, delta, (int)n_out, w + j0, (int)n_in, 0.0f, dp + j0, (int)n_in);
}

void nn_dense_rows_backward(const nn_layer_run *run, const float *in, const float *delta,
                            size_t rows, size_t f, size_t n, float *dw, float *dprev)
{
    layer_grad(delta, n, in, rows, f, n, dw, dw + n * f);
    if (dprev != NULL)
        input_delta(delta, run->w, rows, f, n, 0, f, dprev);
}

static void dense_backward(const nn_layer_run *run, const float *in, const float *delta,
                           size_t batch, float *dw, float *dprev)
{
    nn_dense_rows_backward(run, in, delta, batch, run->n_in, run->n_out, dw, dprev);
}

/* --- the first layer in blocks, for the trainer's threads ---------------------- */

/* The next block boundary after j, capped at j1. */
static size_t block_end(size_t j, size_t j1)
{
    size_t end = (j / NN_FIRST_BLOCK + 1) * NN_FIRST_BLOCK;
    return end < j1 ? end : j1;
}

/* Columns [j0, j1) of A1 (batch, n_out) = X . W1[j0:j1]^T, then f(. + b),
 * block by block. */
static void dense_forward_cols(const nn_layer_run *run, const float *x, size_t batch,
                               size_t j0, size_t j1, float *a1)
{
    size_t n_in = run->n_in, n1 = run->n_out;
    for (size_t j = j0; j < j1; j = block_end(j, j1)) {
        size_t n = block_end(j, j1) - j;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)batch, (int)n, (int)n_in,
                    1.0f, x, (int)n_in, run->w + j * n_in, (int)n_in, 0.0f, a1 + j, (int)n1);
        finish(run, a1 + j, n1, run->b + j, batch, n);
    }
}

/* Rows [j0, j1) of dW (n_out, n_in) and entries of db, block by block. */
static void dense_grad_cols(const nn_layer_run *run, const float *x, const float *delta,
                            size_t batch, size_t j0, size_t j1, float *dw)
{
    size_t n_in = run->n_in, n1 = run->n_out;
    float *db = dw + n1 * n_in;
    for (size_t j = j0; j < j1; j = block_end(j, j1))
        layer_grad(delta + j, n1, x, batch, n_in, block_end(j, j1) - j, dw + j * n_in, db + j);
}

/* The whole gradient, and the input's delta for columns [j0, j1) only,
 * block by block, times the input's activation derivative. */
static void dense_backward_cols(const nn_layer_run *run, const float *in, const float *delta,
                                size_t batch, size_t j0, size_t j1, nn_activation act,
                                float *dw, float *dprev)
{
    size_t n_in = run->n_in, n_out = run->n_out;
    layer_grad(delta, n_out, in, batch, n_in, n_out, dw, dw + n_out * n_in);
    for (size_t j = j0; j < j1; j = block_end(j, j1)) {
        size_t e = block_end(j, j1);
        input_delta(delta, run->w, batch, n_in, n_out, j, e, dprev);
        for (size_t r = 0; r < batch; r++)
            nn_act_grad(dprev + r * n_in + j, in + r * n_in + j, e - j, act);
    }
}

/* --- the perceptron rule -------------------------------------------------------- */

/* The weighted sums Z = X.W^T + b (batch, n_out) come from one cblas_sgemm
 * with the weights of the start of the minibatch; then, sample by sample, a
 * misclassified one adds lr x to its true class's row and bias and
 * subtracts it from the predicted class's. */
static size_t dense_perceptron(const nn_layer_run *run, float *w, float *b, const float *x,
                               const uint8_t *y, size_t batch, float lr, float *z)
{
    size_t n_in = run->n_in, n_classes = run->n_out;
    /* X is (batch, n_in), W is (n_classes, n_in) row-major: Z = X.W^T. */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)batch, (int)n_classes,
                (int)n_in, 1.0f, x, (int)n_in, w, (int)n_in, 0.0f, z, (int)n_classes);
    /* Every sum gets its bias before any update, so that all of them use the
     * parameters of the start of the minibatch, whatever the sample order. */
    for (size_t r = 0; r < batch; r++) {
        float *zr = z + r * n_classes;
        for (size_t j = 0; j < n_classes; j++) {
            zr[j] += b[j];
            if (!isfinite(zr[j]))
                return (size_t)-1;
        }
    }
    size_t right = 0;
    for (size_t r = 0; r < batch; r++) {
        size_t pred = nn_argmax(z + r * n_classes, n_classes), truth = y[r];
        if (pred == truth) {
            right++;
            continue;
        }
        const float *xr = x + r * n_in;
        float *wt = w + truth * n_in, *wp = w + pred * n_in;
        for (size_t i = 0; i < n_in; i++) {
            wt[i] += lr * xr[i];
            wp[i] -= lr * xr[i];
        }
        b[truth] += lr;
        b[pred] -= lr;
    }
    return right;
}

/* --- export ---------------------------------------------------------------------- */

/* z = x W^T + b by Gemm (transB: W is stored (out, in) row-major). An image
 * batch is flattened first, in nnclass's order: its features are channels
 * last (h, w, c), so (N, C, H, W) is transposed to (N, H, W, C) before
 * Flatten when there is more than one channel. */
static nn_status dense_onnx(nn_graph *g, const nn_layer_run *run, size_t l, nn_error *err)
{
    (void)err;
    if (g->sequence) { /* (T, N, F) -> (N, T*F), steps in order as nnclass keeps them */
        static const int64_t ntf[3] = {1, 0, 2};
        nn_graph_attr perm = {.name = "perm", .ints = ntf, .n_ints = 3};
        nn_graph_step(g, "Transpose", "ntf", l, &perm, 1);
        nn_graph_attr axis = {.name = "axis", .i = 1};
        nn_graph_step(g, "Flatten", "flat", l, &axis, 1);
        g->sequence = 0;
    }
    if (g->spatial) {
        if (g->channels > 1) {
            static const int64_t nhwc[4] = {0, 2, 3, 1};
            nn_graph_attr perm = {.name = "perm", .ints = nhwc, .n_ints = 4};
            nn_graph_step(g, "Transpose", "nhwc", l, &perm, 1);
        }
        nn_graph_attr axis = {.name = "axis", .i = 1};
        nn_graph_step(g, "Flatten", "flat", l, &axis, 1);
        g->spatial = 0;
    }
    int64_t wdims[2] = {(int64_t)run->n_out, (int64_t)run->n_in};
    int64_t bdims[1] = {(int64_t)run->n_out};
    nn_graph_attr trans_b = {.name = "transB", .i = 1};
    nn_graph_weighted(g, "Gemm", "dense", l, wdims, 2, run->w, bdims, run->b, &trans_b, 1);
    nn_graph_activation(g, run, l);
    return NN_OK;
}

/* W (n_out, n_in) and b (n_out). */
static size_t dense_npz(const nn_layer_run *run, nn_param_array out[2])
{
    out[0] = (nn_param_array){"W", {run->n_out, run->n_in}, 2, run->w};
    out[1] = (nn_param_array){"b", {run->n_out}, 1, run->b};
    return 2;
}

nn_layer nn_layer_dense_row(size_t n, nn_activation act)
{
    nn_layer row = {.kind = NN_LAYER_DENSE, .act = act, .h = 1, .w = 1, .c = n};
    return row;
}

const nn_layer_ops nn_dense_ops = {
    .name = "dense",
    .in_v1 = 1,
    .layout = NN_SHAPE_FLAT,
    .can_be_output = 1,
    .token = "",
    .parse = dense_parse,
    .format = dense_format,
    .takes_default_act = 1,
    .describe = dense_describe,
    .shape = dense_shape,
    .check_saved = dense_check_saved,
    .n_weights = dense_weights,
    .n_biases = dense_biases,
    .fans = dense_fans,
    .scratch = dense_scratch,
    .forward = dense_forward,
    .forward_one = dense_forward_one,
    .backward = dense_backward,
    .forward_cols = dense_forward_cols,
    .grad_cols = dense_grad_cols,
    .backward_cols = dense_backward_cols,
    .perceptron = dense_perceptron,
    .onnx = dense_onnx,
    .npz = dense_npz,
};
