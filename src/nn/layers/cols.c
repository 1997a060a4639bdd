/* cols.c - an image's columns as time steps: the bridge from a conv front
 * end to a recurrent layer that reads a line of writing left to right.
 * Token: cols. No parameters, no activation.
 *
 * Shapes: in (batch, h, w, c), channels last -> out (batch, t = w, f = h*c):
 * step x holds column x, its features in (row, channel) order:
 *   out[x][y*c + ch] = in[y][x][ch].
 * Forward and backward are the same permutation, one way and back. */
#include <stdio.h>
#include <string.h>

#include "layers.h"
#include "nnclass/nn/net.h"

/* Nothing after "cols". */
static const char *cols_parse(const char *p, nn_layer *row)
{
    if (*p != '\0')
        return "an image's columns as steps is cols";
    row->act = NN_ACT_NONE;
    return NULL;
}

static void cols_format(const nn_layer *row, char *out, size_t cap)
{
    (void)row;
    snprintf(out, cap, "cols");
}

static void cols_describe(const nn_layer *row, char *out, size_t cap)
{
    snprintf(out, cap, "  (%zu columns as steps of %zu features)", row->h, row->c);
}

/* An image (h, w, c) -> a sequence of w steps of h*c features. */
static nn_status cols_shape(const nn_layer *prev, nn_layer *row, nn_error *err)
{
    if (nn_layer_shape_of(prev).layout != NN_SHAPE_IMAGE)
        return nn_fail(err, NN_E_ARG, "cols reads an image's columns, and the %s layer "
                       "gives no image", nn_layer_kind_name(prev->kind));
    if (row->act != NN_ACT_NONE)
        return nn_fail(err, NN_E_ARG, "cols takes no activation");
    row->h = prev->w;
    row->w = 1;
    row->c = prev->h * prev->c;
    return NN_OK;
}

static nn_status cols_check_saved(const nn_layer *row, nn_error *err)
{
    if (row->k != 0 || row->same)
        return nn_fail(err, NN_E_FORMAT, "cols has no kernel");
    return NN_OK;
}

static size_t cols_weights(const nn_layer *prev, const nn_layer *row)
{
    (void)prev, (void)row;
    return 0;
}

static size_t cols_biases(const nn_layer *row)
{
    (void)row;
    return 0;
}

static void cols_fans(const nn_layer *prev, const nn_layer *row, size_t *fan_in,
                      size_t *fan_out)
{
    (void)prev, (void)row;
    *fan_in = *fan_out = 0;
}

static void cols_scratch(const nn_layer *prev, const nn_layer *row, size_t batch,
                         int backward, size_t *keep, size_t *bytes, size_t *temp)
{
    (void)prev, (void)row, (void)batch, (void)backward;
    *keep = *bytes = *temp = 0;
}

/* in (batch, h, w, c) -> out (batch, w, h*c): each run of c channels of a
 * pixel moves as one block. */
static void cols_forward(const nn_layer_run *run, const float *in, float *out, size_t batch)
{
    const size_t h = run->prev->h, w = run->prev->w, c = run->prev->c;
    for (size_t b = 0; b < batch; b++) {
        const float *img = in + b * h * w * c;
        float *seq = out + b * h * w * c;
        for (size_t y = 0; y < h; y++)
            for (size_t x = 0; x < w; x++)
                memcpy(seq + (x * h + y) * c, img + (y * w + x) * c, c * sizeof(float));
    }
}

/* The transpose: dprev (batch, h, w, c) from delta (batch, w, h*c). */
static void cols_backward(const nn_layer_run *run, const float *in, const float *delta,
                          size_t batch, float *dw, float *dprev)
{
    (void)in, (void)dw;
    if (dprev == NULL)
        return;
    const size_t h = run->prev->h, w = run->prev->w, c = run->prev->c;
    for (size_t b = 0; b < batch; b++) {
        const float *seq = delta + b * h * w * c;
        float *img = dprev + b * h * w * c;
        for (size_t y = 0; y < h; y++)
            for (size_t x = 0; x < w; x++)
                memcpy(img + (y * w + x) * c, seq + (x * h + y) * c, c * sizeof(float));
    }
}

/* (N, C, H, W) -> Transpose (W, N, H, C) -> Reshape (T = W, N, F = H*C):
 * the (T, N, F) layout the recurrent operators read, features in the same
 * (row, channel) order as nnclass's. */
static nn_status cols_onnx(nn_graph *g, const nn_layer_run *run, size_t l, nn_error *err)
{
    if (!g->spatial)
        return nn_fail(err, NN_E_ARG, "onnx: layer %zu (cols) needs an image", l);
    static const int64_t wnhc[4] = {3, 0, 2, 1};
    nn_graph_attr perm = {.name = "perm", .ints = wnhc, .n_ints = 4};
    nn_graph_step(g, "Transpose", "cols", l, &perm, 1);
    int64_t shape[3] = {0, 0, (int64_t)(run->prev->h * run->prev->c)};
    nn_graph_reshape(g, "colseq", l, shape, 3);
    g->spatial = 0;
    g->sequence = 1;
    return NN_OK;
}

static size_t cols_npz(const nn_layer_run *run, nn_param_array out[2])
{
    (void)run, (void)out;
    return 0;
}

const nn_layer_ops nn_cols_ops = {
    .name = "cols",
    .layout = NN_SHAPE_SEQUENCE,
    .token = "cols",
    .parse = cols_parse,
    .format = cols_format,
    .describe = cols_describe,
    .shape = cols_shape,
    .check_saved = cols_check_saved,
    .n_weights = cols_weights,
    .n_biases = cols_biases,
    .fans = cols_fans,
    .scratch = cols_scratch,
    .forward = cols_forward,
    .backward = cols_backward,
    .onnx = cols_onnx,
    .npz = cols_npz,
};
