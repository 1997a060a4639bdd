/* upsample.c - 2x nearest-neighbour upsampling, the decoder's way back up
 * from a pooled image: every pixel becomes a 2x2 block of itself, then the
 * row's activation (none by default). No parameters. Any size doubles, odd
 * ones included (a 7x7 map gives 14x14).
 *
 * Shapes: in (batch, H, W, C) -> out (batch, 2H, 2W, C), channels last. */
#include <stdio.h>
#include <string.h>

#include "act.h"
#include "layers.h"
#include "nnclass/nn/net.h"

/* "2", after "up". */
static const char *up_parse(const char *p, nn_layer *row)
{
    if (nn_parse_num(&p) != 2 || *p != '\0')
        return "upsampling is up2 (each pixel a 2x2 block, nearest neighbour)";
    row->act = NN_ACT_NONE;
    return NULL;
}

static void up_format(const nn_layer *row, char *out, size_t cap)
{
    (void)row;
    snprintf(out, cap, "up2");
}

static void up_describe(const nn_layer *row, char *out, size_t cap)
{
    (void)row;
    snprintf(out, cap, "  (2x nearest neighbour)");
}

static nn_status up_shape(const nn_layer *prev, nn_layer *row, nn_error *err)
{
    if (nn_layer_shape_of(prev).layout != NN_SHAPE_IMAGE)
        return nn_fail(err, NN_E_ARG, "upsampling cannot follow a %s layer (it needs an image)",
                       nn_layer_kind_name(prev->kind));
    if (prev->h > NN_MAX_SIDE / 2 || prev->w > NN_MAX_SIDE / 2)
        return nn_fail(err, NN_E_ARG, "upsampling a %zux%zu input makes sides longer than "
                       "the cap of %u", prev->h, prev->w, NN_MAX_SIDE);
    row->h = 2 * prev->h;
    row->w = 2 * prev->w;
    row->c = prev->c;
    row->k = 2;
    return NN_OK;
}

static nn_status up_check_saved(const nn_layer *row, nn_error *err)
{
    if (row->k != 2 || row->same)
        return nn_fail(err, NN_E_FORMAT, "upsampling is 2x without padding");
    return NN_OK;
}

static size_t up_weights(const nn_layer *prev, const nn_layer *row)
{
    (void)prev, (void)row;
    return 0;
}

static size_t up_biases(const nn_layer *row)
{
    (void)row;
    return 0;
}

static void up_fans(const nn_layer *prev, const nn_layer *row, size_t *fan_in, size_t *fan_out)
{
    (void)prev, (void)row;
    *fan_in = *fan_out = 0;
}

/* Nothing kept: the backward pass needs only the shapes. */
static void up_scratch(const nn_layer *prev, const nn_layer *row, size_t batch, int backward,
                       size_t *keep, size_t *bytes, size_t *temp)
{
    (void)prev, (void)row, (void)batch, (void)backward;
    *keep = *bytes = *temp = 0;
}

/* in (batch, H, W, C) -> out (batch, 2H, 2W, C): out[2y+dy][2x+dx][c] =
 * in[y][x][c]; then the row's activation. Each input row is copied to its
 * two output rows. */
static void up_forward(const nn_layer_run *run, const float *in, float *out, size_t batch)
{
    const nn_layer *P = run->prev;
    const size_t W = P->w, C = P->c, out_row = 2 * W * C;
    for (size_t b = 0; b < batch; b++)
        for (size_t y = 0; y < P->h; y++) {
            const float *src = in + (b * P->h + y) * W * C;
            float *dst = out + (b * P->h + y) * 2 * out_row;
            for (size_t x = 0; x < W; x++) {
                memcpy(dst + 2 * x * C, src + x * C, C * sizeof(float));
                memcpy(dst + (2 * x + 1) * C, src + x * C, C * sizeof(float));
            }
            memcpy(dst + out_row, dst, out_row * sizeof(float));
        }
    nn_activate(out, batch * run->n_out, run->last ? NN_ACT_NONE : run->layer->act);
}

/* dprev (batch, H, W, C): each input's delta is the sum of the deltas of
 * its 2x2 block of outputs. No parameters. */
static void up_backward(const nn_layer_run *run, const float *in, const float *delta,
                        size_t batch, float *dw, float *dprev)
{
    const nn_layer *P = run->prev;
    const size_t W = P->w, C = P->c, out_row = 2 * W * C;
    (void)in, (void)dw;
    if (dprev == NULL)
        return;
    for (size_t b = 0; b < batch; b++)
        for (size_t y = 0; y < P->h; y++) {
            const float *d0 = delta + (b * P->h + y) * 2 * out_row, *d1 = d0 + out_row;
            float *dst = dprev + (b * P->h + y) * W * C;
            for (size_t x = 0; x < W; x++)
                for (size_t c = 0; c < C; c++) {
                    size_t i = 2 * x * C + c;
                    dst[x * C + c] = (d0[i] + d0[i + C]) + (d1[i] + d1[i + C]);
                }
        }
}

/* Resize (opset 11 and later) with nearest mode and scales (1, 1, 2, 2) of
 * the (N, C, H, W) image: asymmetric coordinates with floor pick input
 * pixel (y/2, x/2) for output (y, x), as the forward pass does. Then the
 * row's activation if it has one. */
static nn_status up_onnx(nn_graph *g, const nn_layer_run *run, size_t l, nn_error *err)
{
    if (!g->spatial || g->sequence)
        return nn_fail(err, NN_E_ARG, "onnx: cannot export layer %zu (upsample) after the "
                       "image was flattened", l);
    static const float scales[4] = {1.0f, 1.0f, 2.0f, 2.0f};
    static const int64_t dims[1] = {4};
    char sname[32], out[32], name[32];
    snprintf(sname, sizeof sname, "scales%zu", l);
    snprintf(out, sizeof out, "up%zu", l);
    snprintf(name, sizeof name, "Resize_up%zu", l);
    g->tensor(g, sname, dims, 1, scales, 4);
    nn_graph_attr attrs[3] = {
        {.name = "mode", .s = "nearest"},
        {.name = "coordinate_transformation_mode", .s = "asymmetric"},
        {.name = "nearest_mode", .s = "floor"},
    };
    const char *in[3] = {g->cur, "", sname};
    const char *outs[1] = {out};
    g->node(g, "Resize", name, in, 3, outs, 1, attrs, 3);
    snprintf(g->cur, sizeof g->cur, "%s", out);
    nn_graph_activation(g, run, l);
    return NN_OK;
}

/* No parameters. */
static size_t up_npz(const nn_layer_run *run, nn_param_array out[2])
{
    (void)run, (void)out;
    return 0;
}

const nn_layer_ops nn_upsample_ops = {
    .name = "upsample",
    .layout = NN_SHAPE_IMAGE,
    .token = "up",
    .parse = up_parse,
    .format = up_format,
    .takes_default_act = 0,
    .describe = up_describe,
    .shape = up_shape,
    .check_saved = up_check_saved,
    .n_weights = up_weights,
    .n_biases = up_biases,
    .fans = up_fans,
    .scratch = up_scratch,
    .forward = up_forward,
    .backward = up_backward,
    .onnx = up_onnx,
    .npz = up_npz,
};
