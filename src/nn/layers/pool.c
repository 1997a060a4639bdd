/* pool.c - 2x2 max pooling, stride 2 (the input's sides must be even),
 * then the row's activation (none by default). No parameters.
 *
 * Shapes: in (batch, H, W, C) -> out (batch, H/2, W/2, C), channels last;
 * the kept bytes (batch, H/2, W/2, C) record which input won each window. */
#include <stdio.h>
#include <string.h>

#include "act.h"
#include "layers.h"
#include "../../base/vector_clones.h"

/* "2", after "pool". */
static const char *pool_parse(const char *p, nn_layer *row)
{
    if (nn_parse_num(&p) != 2 || *p != '\0')
        return "pooling is pool2 (2x2 max pooling, stride 2)";
    row->act = NN_ACT_NONE;
    return NULL;
}

static void pool_format(const nn_layer *row, char *out, size_t cap)
{
    (void)row;
    snprintf(out, cap, "pool2");
}

static void pool_describe(const nn_layer *row, char *out, size_t cap)
{
    (void)row;
    snprintf(out, cap, "  (2x2 max, stride 2)");
}

static nn_status pool_shape(const nn_layer *prev, nn_layer *row, nn_error *err)
{
    if (nn_layer_shape_of(prev).layout != NN_SHAPE_IMAGE)
        return nn_fail(err, NN_E_ARG, "pooling cannot follow a %s layer",
                       nn_layer_kind_name(prev->kind));
    if (prev->h % 2 != 0 || prev->w % 2 != 0)
        return nn_fail(err, NN_E_ARG, "2x2 pooling of a %zux%zu input: its sides must be "
                       "even", prev->h, prev->w);
    row->h = prev->h / 2;
    row->w = prev->w / 2;
    row->c = prev->c;
    row->k = 2;
    return NN_OK;
}

static nn_status pool_check_saved(const nn_layer *row, nn_error *err)
{
    if (row->k != 2 || row->same)
        return nn_fail(err, NN_E_FORMAT, "pooling is 2x2 without padding");
    return NN_OK;
}

static size_t pool_weights(const nn_layer *prev, const nn_layer *row)
{
    (void)prev, (void)row;
    return 0;
}

static size_t pool_biases(const nn_layer *row)
{
    (void)row;
    return 0;
}

static void pool_fans(const nn_layer *prev, const nn_layer *row, size_t *fan_in,
                      size_t *fan_out)
{
    (void)prev, (void)row;
    *fan_in = *fan_out = 0;
}

/* One byte per output: the winner of its window (both kinds of workspace:
 * the forward pass writes it). */
static void pool_scratch(const nn_layer *prev, const nn_layer *row, size_t batch, int backward,
                         size_t *keep, size_t *bytes, size_t *temp)
{
    (void)prev, (void)backward;
    *keep = *temp = 0;
    *bytes = batch * row->h * row->w * row->c;
}

/* One window of C channels from its four pixels q0..q3: the largest value
 * of each channel into out, which of the four it was into arg (the first
 * on ties). Branch-free, in blocks whose winners are kept as wide as the
 * floats first: so the compiler vectorises it over the channels (with the
 * bytes in the same loop, it would want 64 channels per vector). */
NN_VECTOR_CLONES
static void window_max(const float *restrict q0, const float *restrict q1,
                       const float *restrict q2, const float *restrict q3, size_t C,
                       float *restrict out, uint8_t *restrict arg)
{
    enum { BLOCK = 64 };
    int32_t best[BLOCK];
    for (size_t c0 = 0; c0 < C; c0 += BLOCK) {
        size_t n = C - c0 < BLOCK ? C - c0 : BLOCK;
        for (size_t i = 0; i < n; i++) {
            size_t c = c0 + i;
            float m = q0[c];
            int32_t b = 0;
            b = q1[c] > m ? 1 : b;
            m = q1[c] > m ? q1[c] : m;
            b = q2[c] > m ? 2 : b;
            m = q2[c] > m ? q2[c] : m;
            b = q3[c] > m ? 3 : b;
            m = q3[c] > m ? q3[c] : m;
            out[c] = m;
            best[i] = b;
        }
        for (size_t i = 0; i < n; i++)
            arg[c0 + i] = (uint8_t)best[i];
    }
}

/* in (batch, H, W, C) -> out (batch, H/2, W/2, C); bytes records which of
 * the window's four inputs won (0 top left, 1 top right, 2 bottom left,
 * 3 bottom right; the first on ties); then the row's activation. */
static void pool_forward(const nn_layer_run *run, const float *in, float *out, size_t batch)
{
    const nn_layer *P = run->prev, *L = run->layer;
    const size_t W = P->w, C = P->c;
    uint8_t *arg = run->bytes;
    size_t o = 0;
    for (size_t b = 0; b < batch; b++) {
        const float *img = in + b * P->h * W * C;
        for (size_t oy = 0; oy < L->h; oy++)
            for (size_t ox = 0; ox < L->w; ox++, o += C) {
                const float *p0 = img + (2 * oy * W + 2 * ox) * C;
                window_max(p0, p0 + C, p0 + W * C, p0 + W * C + C, C, out + o, arg + o);
            }
    }
    nn_activate(out, batch * run->n_out, run->last ? NN_ACT_NONE : L->act);
}

/* Each output's delta goes to the input that won its window, the other
 * three get 0. dprev is (batch, H, W, C). */
NN_VECTOR_CLONES
static void pool_backward(const nn_layer_run *run, const float *in, const float *delta,
                          size_t batch, float *dw, float *dprev)
{
    const nn_layer *P = run->prev, *L = run->layer;
    const size_t W = P->w, C = P->c;
    (void)in, (void)dw;
    if (dprev == NULL)
        return;
    memset(dprev, 0, batch * P->h * W * C * sizeof(float));
    size_t o = 0;
    for (size_t b = 0; b < batch; b++) {
        float *img = dprev + b * P->h * W * C;
        for (size_t oy = 0; oy < L->h; oy++)
            for (size_t ox = 0; ox < L->w; ox++) {
                float *p0 = img + (2 * oy * W + 2 * ox) * C;
                for (size_t c = 0; c < C; c++, o++) {
                    size_t a = run->bytes[o];
                    p0[((a >> 1) * W + (a & 1)) * C + c] = delta[o];
                }
            }
    }
}

/* MaxPool 2x2, stride 2, then the row's activation if it has one. */
static nn_status pool_onnx(nn_graph *g, const nn_layer_run *run, size_t l, nn_error *err)
{
    if (g->sequence) /* ONNX reads it as (T, N, F), not an image */
        return nn_fail(err, NN_E_ARG, "onnx: cannot export layer %zu (pool) over a sequence", l);
    (void)err;
    static const int64_t two[2] = {2, 2};
    nn_graph_attr attrs[2] = {{.name = "kernel_shape", .ints = two, .n_ints = 2},
                              {.name = "strides", .ints = two, .n_ints = 2}};
    nn_graph_step(g, "MaxPool", "pool", l, attrs, 2);
    nn_graph_activation(g, run, l);
    return NN_OK;
}

/* No parameters. */
static size_t pool_npz(const nn_layer_run *run, nn_param_array out[2])
{
    (void)run, (void)out;
    return 0;
}

const nn_layer_ops nn_pool_ops = {
    .name = "pool",
    .layout = NN_SHAPE_IMAGE,
    .token = "pool",
    .parse = pool_parse,
    .format = pool_format,
    .takes_default_act = 0,
    .describe = pool_describe,
    .shape = pool_shape,
    .check_saved = pool_check_saved,
    .n_weights = pool_weights,
    .n_biases = pool_biases,
    .fans = pool_fans,
    .scratch = pool_scratch,
    .forward = pool_forward,
    .backward = pool_backward,
    .onnx = pool_onnx,
    .npz = pool_npz,
};
