/* conv.c - the conv layer: C_out k x k kernels, stride 1, 'valid' (no
 * padding) or 'same' (zero padding (k-1)/2, k odd), over all C_in input
 * channels.
 *
 * Shapes: images are channels last, in (batch, H, W, C_in) and out (batch,
 * Ho, Wo, C_out); W is (C_out, k, k, C_in) row-major = (C_out, K) with K =
 * k*k*C_in; b is (C_out). The layer is lowered by im2col to nn_matmul
 * over chunks of images (at most NN_CONV_ROWS output positions each). */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "act.h"
#include "layers.h"
#include "nnclass/base/matmul.h"
#include "nnclass/nn/net.h"
#include "../../base/vector_clones.h"

/* --- text, shape, parameters ------------------------------------------------ */

/* "KxKxC", "KxKxC-valid" or "KxKxC-same", after "conv". */
static const char *conv_parse(const char *p, nn_layer *row)
{
    long k1 = nn_parse_num(&p);
    long k2 = nn_parse_times(&p, k1);
    long c = nn_parse_times(&p, k2);
    int same = strcmp(p, "-same") == 0;
    if (c < 0 || (*p != '\0' && !same && strcmp(p, "-valid") != 0))
        return "a conv layer is convKxKxC, optionally with -same or -valid (e.g. conv5x5x16)";
    if (k1 != k2)
        return "kernels are square: convKxKxC with the same K twice";
    row->same = same;
    row->k = (size_t)k1;
    row->c = (size_t)c;
    return NULL;
}

static void conv_format(const nn_layer *row, char *out, size_t cap)
{
    snprintf(out, cap, "conv%zux%zux%zu%s", row->k, row->k, row->c, row->same ? "-same" : "");
}

static void conv_describe(const nn_layer *row, char *out, size_t cap)
{
    snprintf(out, cap, "  (%zux%zu kernels, %s)", row->k, row->k, row->same ? "same" : "valid");
}

static nn_status conv_shape(const nn_layer *prev, nn_layer *row, nn_error *err)
{
    if (nn_layer_shape_of(prev).layout != NN_SHAPE_IMAGE)
        return nn_fail(err, NN_E_ARG, "a conv layer cannot follow a %s layer",
                       nn_layer_kind_name(prev->kind));
    if (row->k == 0 || row->c == 0)
        return nn_fail(err, NN_E_ARG, "a conv layer needs a kernel and channels of at "
                       "least 1");
    if (row->k > NN_MAX_KERNEL)
        return nn_fail(err, NN_E_ARG, "a %zux%zu kernel is more than the cap of %ux%u",
                       row->k, row->k, NN_MAX_KERNEL, NN_MAX_KERNEL);
    if (row->c > NN_MAX_CHANNELS)
        return nn_fail(err, NN_E_ARG, "%zu channels, more than the cap of %u", row->c,
                       NN_MAX_CHANNELS);
    if (row->same && row->k % 2 == 0)
        return nn_fail(err, NN_E_ARG, "'same' padding needs an odd kernel, not %zux%zu",
                       row->k, row->k);
    if (!row->same && (row->k > prev->h || row->k > prev->w))
        return nn_fail(err, NN_E_ARG, "the %zux%zu kernel is bigger than its %zux%zu input",
                       row->k, row->k, prev->h, prev->w);
    row->h = row->same ? prev->h : prev->h - row->k + 1;
    row->w = row->same ? prev->w : prev->w - row->k + 1;
    return NN_OK;
}

static nn_status conv_check_saved(const nn_layer *row, nn_error *err)
{
    (void)row, (void)err;
    return NN_OK;
}

static size_t conv_weights(const nn_layer *prev, const nn_layer *row)
{
    return row->c * row->k * row->k * prev->c;
}

static size_t conv_biases(const nn_layer *row)
{
    return row->c;
}

/* Fan-in and fan-out: inputs and outputs per position of its kernel. */
static void conv_fans(const nn_layer *prev, const nn_layer *row, size_t *fan_in,
                      size_t *fan_out)
{
    *fan_in = row->k * row->k * prev->c;
    *fan_out = row->k * row->k * row->c;
}

/* Floats of a chunk's lowered input at most: it is written, then read by
 * the product while it is still in a core's L2 cache. */
#define CHUNK_FLOATS (64u << 10)

/* Images per product: as many as fit NN_CONV_ROWS positions of its output
 * and CHUNK_FLOATS of its lowered input, at least one, at most batch. The
 * chunks change no bit: nn_matmul sums each element alone, in order. */
static size_t conv_chunk(const nn_layer *prev, const nn_layer *row, size_t batch)
{
    size_t hw = row->h * row->w, K = row->k * row->k * prev->c;
    size_t per = NN_CONV_ROWS / hw, fit = CHUNK_FLOATS / (hw * K);
    per = fit < per ? fit : per;
    if (per == 0)
        per = 1;
    return per < batch ? per : batch;
}

/* Floats of the lowered matrix for n images. */
static size_t lowered_floats(const nn_layer *prev, const nn_layer *row, size_t n)
{
    return n * row->h * row->w * row->k * row->k * prev->c;
}

/* Training keeps the whole minibatch's lowered input for the weight
 * gradient; a forward pass lowers one chunk at a time into shared room.
 * Both have room for the kernels transposed, (K, C_out), after it. */
static void conv_scratch(const nn_layer *prev, const nn_layer *row, size_t batch, int backward,
                         size_t *keep, size_t *bytes, size_t *temp)
{
    size_t kernels = row->k * row->k * prev->c * row->c;
    *bytes = 0;
    *keep = backward ? lowered_floats(prev, row, batch) : 0;
    *temp = (backward ? 0 : lowered_floats(prev, row, conv_chunk(prev, row, batch))) + kernels;
}

/* out (n, m) = in (m, n) transposed. */
static void transpose(const float *in, size_t m, size_t n, float *out)
{
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++)
            out[j * m + i] = in[i * n + j];
}

/* --- lowering ------------------------------------------------------------------ */

/* Padding on each side. */
static size_t conv_pad(const nn_layer *row)
{
    return row->same ? (row->k - 1) / 2 : 0;
}

/* im2col for valid padding, where no patch overhangs: the common case,
 * without the bounds of the general loop below. */
NN_VECTOR_CLONES
static void im2col_valid(const nn_layer *P, const nn_layer *L, const float *in, size_t nb,
                         float *cols)
{
    const size_t W = P->w, C = P->c, k = L->k, K = k * k * C;
    for (size_t b = 0; b < nb; b++) {
        const float *img = in + b * P->h * W * C;
        for (size_t oy = 0; oy < L->h; oy++)
            for (size_t ox = 0; ox < L->w; ox++, cols += K) {
                const float *src = img + (oy * W + ox) * C;
                for (size_t ky = 0; ky < k; ky++)
                    nn_copy_floats(cols + ky * k * C, src + ky * W * C, k * C);
            }
    }
}

/* im2col: lowers nb images in (nb, H, W, C_in) to cols (nb*Ho*Wo, k*k*C_in):
 * row (b, oy, ox) holds the k x k x C_in patch under the kernel at output
 * position (oy, ox), in (ky, kx, c) order, zeros where it overhangs. Each
 * kernel row of a patch is a run of C_in-float pixels that lie side by side
 * in the input, so it is copied in one piece. */
static void im2col(const nn_layer *P, const nn_layer *L, const float *in, size_t nb,
                   float *cols)
{
    const size_t H = P->h, W = P->w, C = P->c, k = L->k, pad = conv_pad(L);
    const size_t K = k * k * C;
    if (pad == 0) {
        im2col_valid(P, L, in, nb, cols);
        return;
    }
    for (size_t b = 0; b < nb; b++) {
        const float *img = in + b * H * W * C;
        for (size_t oy = 0; oy < L->h; oy++)
            for (size_t ox = 0; ox < L->w; ox++) {
                float *row = cols + ((b * L->h + oy) * L->w + ox) * K;
                /* Kernel columns kx in [kx0, kx1) fall inside the image. */
                size_t kx0 = ox < pad ? pad - ox : 0;
                size_t kx1 = W + pad - ox < k ? W + pad - ox : k;
                for (size_t ky = 0; ky < k; ky++) {
                    float *dst = row + ky * k * C;
                    size_t iy = oy + ky; /* row in the padded image */
                    if (iy < pad || iy - pad >= H) {
                        nn_zero_floats(dst, k * C);
                        continue;
                    }
                    nn_zero_floats(dst, kx0 * C);
                    nn_copy_floats(dst + kx0 * C,
                                   img + ((iy - pad) * W + (ox + kx0 - pad)) * C,
                                   (kx1 - kx0) * C);
                    nn_zero_floats(dst + kx1 * C, (k - kx1) * C);
                }
            }
    }
}

/* col2im, the adjoint of im2col: dIn (nb, H, W, C_in) = the sum, over every
 * patch a pixel belongs to, of that patch's row of dcols. */
NN_VECTOR_CLONES
static void col2im(const nn_layer *P, const nn_layer *L, const float *dcols, size_t nb,
                   float *din)
{
    const size_t H = P->h, W = P->w, C = P->c, k = L->k, pad = conv_pad(L);
    const size_t K = k * k * C;
    memset(din, 0, nb * H * W * C * sizeof(float));
    for (size_t b = 0; b < nb; b++) {
        float *img = din + b * H * W * C;
        for (size_t oy = 0; oy < L->h; oy++)
            for (size_t ox = 0; ox < L->w; ox++) {
                const float *row = dcols + ((b * L->h + oy) * L->w + ox) * K;
                size_t kx0 = ox < pad ? pad - ox : 0;
                size_t kx1 = W + pad - ox < k ? W + pad - ox : k;
                for (size_t ky = 0; ky < k; ky++) {
                    size_t iy = oy + ky;
                    if (iy < pad || iy - pad >= H)
                        continue;
                    const float *src = row + (ky * k + kx0) * C;
                    float *dst = img + ((iy - pad) * W + (ox + kx0 - pad)) * C;
                    size_t n = (kx1 - kx0) * C;
                    for (size_t i = 0; i < n; i++)
                        dst[i] += src[i];
                }
            }
    }
}

/* --- forward and backward ------------------------------------------------------ */

/* Per chunk of images (see conv_chunk): cols (rows, K) = im2col(in); out
 * (rows, C_out) = cols . W^T via nn_matmul (W^T laid out once), which lands
 * channels last as it is; then f(out + b). In a training workspace, keep
 * has room for the whole minibatch and keeps every chunk's lowered input
 * for the backward pass; otherwise each chunk reuses the same temporary
 * room. */
static void conv_forward(const nn_layer_run *run, const float *in, float *out, size_t batch)
{
    const nn_layer *P = run->prev, *L = run->layer;
    const size_t K = L->k * L->k * P->c, hw = L->h * L->w;
    const size_t per = conv_chunk(P, L, batch);
    float *wt = run->temp + (run->keep != NULL ? 0 : lowered_floats(P, L, per));
    transpose(run->w, L->c, K, wt);
    for (size_t b0 = 0; b0 < batch; b0 += per) {
        size_t nb = batch - b0 < per ? batch - b0 : per;
        float *c = run->keep != NULL ? run->keep + b0 * hw * K : run->temp;
        im2col(P, L, in + b0 * run->n_in, nb, c);
        nn_matmul(nb * hw, L->c, K, c, K, 1, wt, L->c, out + b0 * hw * L->c, L->c, 0);
    }
    if (run->keep != NULL)
        *run->kept_batch = batch;
    nn_bias_activate(out, L->c, run->b, batch * hw, L->c, run->last ? NN_ACT_NONE : L->act);
}

/* The same as plain loops, as a reference for the tests: out (batch, Ho,
 * Wo, C_out) = f(sum over (ky, kx, c) of in (padded) . W + b). */
void nn_conv_forward_naive(const nn_layer_run *run, const float *in, float *out, size_t batch)
{
    const nn_layer *P = run->prev, *L = run->layer;
    const size_t k = L->k, C = P->c, pad = conv_pad(L);
    for (size_t b = 0; b < batch; b++)
        for (size_t oy = 0; oy < L->h; oy++)
            for (size_t ox = 0; ox < L->w; ox++)
                for (size_t o = 0; o < L->c; o++) {
                    double s = 0.0;
                    for (size_t ky = 0; ky < k; ky++)
                        for (size_t kx = 0; kx < k; kx++) {
                            long iy = (long)(oy + ky) - (long)pad;
                            long ix = (long)(ox + kx) - (long)pad;
                            if (iy < 0 || ix < 0 || iy >= (long)P->h || ix >= (long)P->w)
                                continue;
                            const float *px = in + b * run->n_in + ((size_t)iy * P->w +
                                                                    (size_t)ix) * C;
                            for (size_t c = 0; c < C; c++)
                                s += (double)px[c] * run->w[((o * k + ky) * k + kx) * C + c];
                        }
                    out[b * run->n_out + (oy * L->w + ox) * L->c + o] = (float)s;
                }
    nn_bias_activate(out, L->c, run->b, batch * L->h * L->w, L->c,
                     run->last ? NN_ACT_NONE : L->act);
}

/* From delta (batch, Ho, Wo, C_out) and the lowered input kept by the
 * forward pass, chunk by chunk in the forward pass's chunks and a fixed
 * order: dW^T (K, C_out) += cols^T . delta via nn_matmul (so computed, its
 * rows run along C_out, the side the kernel's tiles want), transposed into
 * dW at the end; db = the column sums of delta; when dprev is not NULL,
 * dcols = delta . W (over the chunk's cols, no longer needed) and dprev
 * (batch, H, W, C_in) = col2im(dcols). */
static void conv_backward(const nn_layer_run *run, const float *in, const float *delta,
                          size_t batch, float *dw, float *dprev)
{
    const nn_layer *P = run->prev, *L = run->layer;
    const size_t K = L->k * L->k * P->c, hw = L->h * L->w;
    const size_t C = L->c, per = conv_chunk(P, L, batch);
    float *db = dw + C * K, *dwt = run->temp;
    (void)in;
    assert(run->keep != NULL && *run->kept_batch == batch);
    for (size_t b0 = 0; b0 < batch; b0 += per) {
        size_t nb = batch - b0 < per ? batch - b0 : per;
        const float *d = delta + b0 * hw * C;
        float *c = run->keep + b0 * hw * K;
        nn_matmul(K, C, nb * hw, c, 1, K, d, C, dwt, C, b0 > 0);
        if (dprev != NULL) {
            nn_matmul(nb * hw, K, C, d, C, 1, run->w, K, c, K, 0);
            col2im(P, L, c, nb, dprev + b0 * run->n_in);
        }
    }
    transpose(dwt, K, C, dw);
    memset(db, 0, C * sizeof(float));
    for (size_t r = 0; r < batch * hw; r++)
        for (size_t c = 0; c < C; c++)
            db[c] += delta[r * C + c];
}

/* --- export ---------------------------------------------------------------------- */

/* nnclass keeps its kernels as (C_out, k, k, C_in) and its images channels
 * last; ONNX's Conv takes (C_out, C_in, k, k) kernels over (N, C, H, W)
 * images, so the kernels are transposed on the way out and the image batch
 * stays (N, C, H, W) until a dense layer flattens it. Stride 1; 'same' pads
 * (k-1)/2 on every side, 'valid' none. Both compute the cross-correlation. */
static nn_status conv_onnx(nn_graph *g, const nn_layer_run *run, size_t l, nn_error *err)
{
    if (g->sequence) /* ONNX reads it as (T, N, F), not an image */
        return nn_fail(err, NN_E_ARG, "onnx: cannot export layer %zu (conv) over a sequence", l);
    const nn_layer *L = run->layer;
    size_t k = L->k, cin = run->prev->c, cout = L->c;
    float *kernels = malloc(cout * cin * k * k * sizeof *kernels);
    if (kernels == NULL)
        return nn_fail(err, NN_E_NOMEM, "onnx: out of memory");
    for (size_t o = 0; o < cout; o++)
        for (size_t y = 0; y < k; y++)
            for (size_t x = 0; x < k; x++)
                for (size_t c = 0; c < cin; c++)
                    kernels[((o * cin + c) * k + y) * k + x] =
                        run->w[((o * k + y) * k + x) * cin + c];
    int64_t wdims[4] = {(int64_t)cout, (int64_t)cin, (int64_t)k, (int64_t)k};
    int64_t bdims[1] = {(int64_t)cout};
    int64_t pad = L->same ? (int64_t)(k - 1) / 2 : 0;
    int64_t kernel_shape[2] = {(int64_t)k, (int64_t)k}, pads[4] = {pad, pad, pad, pad};
    static const int64_t ones[2] = {1, 1};
    nn_graph_attr attrs[3] = {{.name = "kernel_shape", .ints = kernel_shape, .n_ints = 2},
                              {.name = "pads", .ints = pads, .n_ints = 4},
                              {.name = "strides", .ints = ones, .n_ints = 2}};
    nn_graph_weighted(g, "Conv", "conv", l, wdims, 4, kernels, bdims, run->b, attrs, 3);
    free(kernels);
    g->channels = cout;
    nn_graph_activation(g, run, l);
    return NN_OK;
}

/* W (C_out, k, k, C_in) and b (C_out), as nnclass keeps them. */
static size_t conv_npz(const nn_layer_run *run, nn_param_array out[2])
{
    const nn_layer *L = run->layer;
    out[0] = (nn_param_array){"W", {L->c, L->k, L->k, run->prev->c}, 4, run->w};
    out[1] = (nn_param_array){"b", {L->c}, 1, run->b};
    return 2;
}

const nn_layer_ops nn_conv_ops = {
    .name = "conv",
    .layout = NN_SHAPE_IMAGE,
    .token = "conv",
    .parse = conv_parse,
    .format = conv_format,
    .takes_default_act = 1,
    .describe = conv_describe,
    .shape = conv_shape,
    .check_saved = conv_check_saved,
    .n_weights = conv_weights,
    .n_biases = conv_biases,
    .fans = conv_fans,
    .scratch = conv_scratch,
    .forward = conv_forward,
    .backward = conv_backward,
    .onnx = conv_onnx,
    .npz = conv_npz,
};
