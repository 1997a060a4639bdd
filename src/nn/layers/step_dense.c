/* step_dense.c - one dense layer applied to every step of a sequence, the
 * same weights at each step: what turns a recurrent layer's per-step
 * outputs into per-step scores (a CTC output's 11 per step). Token: stepN
 * (N neurons), e.g. step11, with an optional :ACT (none by default: it
 * usually gives scores; a hidden one says step64:relu).
 *
 * Shapes: in (batch, t, f) -> out (batch, t, n), seen as one matrix
 * (batch*t, f) -> (batch*t, n); W is (n, f) row-major, b is (n):
 * Y = f(X.W^T + b) by one cblas_sgemm over every step of every sample. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layers.h"
#include "nnclass/nn/net.h"

/* --- text, shape, parameters ------------------------------------------------ */

/* "N", after "step". */
static const char *step_parse(const char *p, nn_layer *row)
{
    long n = nn_parse_num(&p);
    if (n < 0 || *p != '\0')
        return "a dense layer at every step is stepN with N neurons, e.g. step11";
    row->c = (size_t)n;
    row->act = NN_ACT_NONE; /* scores, unless :ACT says otherwise */
    return NULL;
}

static void step_format(const nn_layer *row, char *out, size_t cap)
{
    snprintf(out, cap, "step%zu", row->c);
}

static void step_describe(const nn_layer *row, char *out, size_t cap)
{
    snprintf(out, cap, "  (the same %zu neurons at each of %zu steps)", row->c, row->h);
}

/* A sequence (t, f) -> (t, n). */
static nn_status step_shape(const nn_layer *prev, nn_layer *row, nn_error *err)
{
    if (nn_layer_shape_of(prev).layout != NN_SHAPE_SEQUENCE)
        return nn_fail(err, NN_E_ARG, "a dense layer at every step reads a sequence, and "
                       "the %s layer gives none (put cols or a recurrent layer with -seq "
                       "before it)", nn_layer_kind_name(prev->kind));
    if (row->c == 0)
        return nn_fail(err, NN_E_ARG, "a dense layer of 0 neurons at every step");
    if (row->c > NN_MAX_WIDTH)
        return nn_fail(err, NN_E_ARG, "%zu neurons, more than the cap of %u", row->c,
                       NN_MAX_WIDTH);
    row->h = prev->h;
    row->w = 1;
    return NN_OK;
}

static nn_status step_check_saved(const nn_layer *row, nn_error *err)
{
    if (row->k != 0 || row->same)
        return nn_fail(err, NN_E_FORMAT, "a dense layer at every step with a kernel");
    return NN_OK;
}

/* Features per step of the input: a sequence's f (w is 1). */
static size_t step_in(const nn_layer *prev)
{
    return prev->w * prev->c;
}

static size_t step_weights(const nn_layer *prev, const nn_layer *row)
{
    return row->c * step_in(prev);
}

static size_t step_biases(const nn_layer *row)
{
    return row->c;
}

static void step_fans(const nn_layer *prev, const nn_layer *row, size_t *fan_in,
                      size_t *fan_out)
{
    *fan_in = step_in(prev);
    *fan_out = row->c;
}

static void step_scratch(const nn_layer *prev, const nn_layer *row, size_t batch,
                         int backward, size_t *keep, size_t *bytes, size_t *temp)
{
    (void)prev, (void)row, (void)batch, (void)backward;
    *keep = *bytes = *temp = 0;
}

/* --- forward and backward ------------------------------------------------------ */

/* X (batch*t, f), W (n, f): Z = X.W^T (batch*t, n) via cblas_sgemm, then
 * f(Z + b) (the output row: Z + b, its scores). */
static void step_forward(const nn_layer_run *run, const float *in, float *out, size_t batch)
{
    nn_dense_rows_forward(run, in, out, batch * run->layer->h, step_in(run->prev),
                          run->layer->c);
}

/* From delta (batch*t, n): dW (n, f) = delta^T . X, db (n) = the column
 * sums of delta, dprev (batch*t, f) = delta . W. */
static void step_backward(const nn_layer_run *run, const float *in, const float *delta,
                          size_t batch, float *dw, float *dprev)
{
    nn_dense_rows_backward(run, in, delta, batch * run->layer->h, step_in(run->prev),
                           run->layer->c, dw, dprev);
}

/* --- export ---------------------------------------------------------------------- */

/* On (T, N, F): MatMul with W^T (F, n), then Add b (n), broadcast over the
 * steps and the batch; the sequence stays (T, N, n). */
static nn_status step_onnx(nn_graph *g, const nn_layer_run *run, size_t l, nn_error *err)
{
    if (!g->sequence)
        return nn_fail(err, NN_E_ARG, "onnx: layer %zu (step) needs a sequence", l);
    size_t f = step_in(run->prev), n = run->layer->c;
    float *wt = malloc(f * n * sizeof *wt);
    if (wt == NULL)
        return nn_fail(err, NN_E_NOMEM, "onnx: out of memory");
    for (size_t j = 0; j < n; j++)
        for (size_t i = 0; i < f; i++)
            wt[i * n + j] = run->w[j * f + i];
    char wn[32], bn[32], mm[32], mm_node[40], z[32], add_node[40];
    snprintf(wn, sizeof wn, "W%zu", l), snprintf(bn, sizeof bn, "b%zu", l);
    snprintf(mm, sizeof mm, "mm%zu", l), snprintf(mm_node, sizeof mm_node, "MatMul_mm%zu", l);
    snprintf(z, sizeof z, "z%zu", l), snprintf(add_node, sizeof add_node, "Add_z%zu", l);
    int64_t wdims[2] = {(int64_t)f, (int64_t)n}, bdims[1] = {(int64_t)n};
    g->tensor(g, wn, wdims, 2, wt, f * n);
    g->tensor(g, bn, bdims, 1, run->b, n);
    free(wt);
    const char *mm_in[2] = {g->cur, wn}, *mm_out[1] = {mm};
    g->node(g, "MatMul", mm_node, mm_in, 2, mm_out, 1, NULL, 0);
    const char *add_in[2] = {mm, bn}, *add_out[1] = {z};
    g->node(g, "Add", add_node, add_in, 2, add_out, 1, NULL, 0);
    snprintf(g->cur, sizeof g->cur, "%s", z);
    nn_graph_activation(g, run, l);
    return NN_OK;
}

/* W (n, f) and b (n). */
static size_t step_npz(const nn_layer_run *run, nn_param_array out[2])
{
    size_t f = step_in(run->prev), n = run->layer->c;
    out[0] = (nn_param_array){"W", {n, f}, 2, run->w};
    out[1] = (nn_param_array){"b", {n}, 1, run->b};
    return 2;
}

const nn_layer_ops nn_step_dense_ops = {
    .name = "step",
    .layout = NN_SHAPE_SEQUENCE,
    .token = "step",
    .parse = step_parse,
    .format = step_format,
    .takes_default_act = 0, /* scores by default: step11 before ctc needs no :none */
    .describe = step_describe,
    .shape = step_shape,
    .check_saved = step_check_saved,
    .n_weights = step_weights,
    .n_biases = step_biases,
    .fans = step_fans,
    .scratch = step_scratch,
    .forward = step_forward,
    .backward = step_backward,
    .onnx = step_onnx,
    .npz = step_npz,
};
