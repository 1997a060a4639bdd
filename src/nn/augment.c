/* augment.c - distortions of training images that model other writers:
 * one resampling for the affine change and the elastic field together,
 * then the stroke width, then blur or binarisation. */
#include "nnclass/nn/augment.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nnclass/base/rng.h"

#define PI_F 3.14159265358979f

void nn_augment_affine_default(nn_augment_options *o)
{
    o->rotate = 10.0f;
    o->scale = 0.1f;
    o->shear = 0.3f;
    o->aspect = 0.1f;
}

int nn_augment_active(const nn_augment_options *o)
{
    return o->keep < 1 && (o->elastic > 0 || o->rotate > 0 || o->scale > 0 || o->shear > 0 ||
                           o->aspect > 0 || o->stroke > 0 || o->blur);
}

/* v is a finite number in [0, cap]. */
static int in_range(float v, float cap)
{
    return isfinite(v) && v >= 0 && v <= cap;
}

nn_status nn_augment_check(const nn_augment_options *o, nn_error *err)
{
    if (!in_range(o->elastic, NN_MAX_ELASTIC))
        return nn_fail(err, NN_E_ARG, "--elastic: %g pixels is not in 0..%g", (double)o->elastic,
                       (double)NN_MAX_ELASTIC);
    if (!in_range(o->rotate, NN_MAX_ROTATE) || !in_range(o->scale, 0.5f) ||
        !in_range(o->shear, 1.0f) || !in_range(o->aspect, 0.5f))
        return nn_fail(err, NN_E_ARG, "--affine: rotate is 0..%g degrees, scale and aspect "
                       "0..0.5, shear 0..1", (double)NN_MAX_ROTATE);
    if (o->stroke > NN_MAX_STROKE)
        return nn_fail(err, NN_E_ARG, "--stroke: %zu pixels is more than the cap of %u",
                       o->stroke, NN_MAX_STROKE);
    if (!isfinite(o->keep) || o->keep < 0 || o->keep > 1)
        return nn_fail(err, NN_E_ARG, "--distort-share: %g is not in 0..1",
                       (double)(1 - o->keep));
    return NN_OK;
}

/* One key=value of --affine into o; NN_E_ARG for an unknown key or a bad number. */
static nn_status parse_affine_item(const char *item, size_t len, nn_augment_options *o,
                                   nn_error *err)
{
    static const char *const keys[] = {"rotate", "scale", "shear", "aspect"};
    float *fields[] = {&o->rotate, &o->scale, &o->shear, &o->aspect};
    for (size_t k = 0; k < 4; k++) {
        size_t kl = strlen(keys[k]);
        if (len <= kl + 1 || strncmp(item, keys[k], kl) != 0 || item[kl] != '=')
            continue;
        char num[32], *end;
        if (len - kl - 1 >= sizeof num)
            break;
        memcpy(num, item + kl + 1, len - kl - 1);
        num[len - kl - 1] = '\0';
        float v = strtof(num, &end);
        if (*end != '\0' || end == num || !isfinite(v) || v < 0)
            return nn_fail(err, NN_E_ARG, "--affine: '%.*s': expected a number >= 0",
                           (int)len, item);
        *fields[k] = v;
        return NN_OK;
    }
    return nn_fail(err, NN_E_ARG, "--affine: '%.*s': expected default, or rotate=DEG, "
                   "scale=F, shear=F, aspect=F separated by commas", (int)len, item);
}

nn_status nn_augment_parse_affine(const char *text, nn_augment_options *o, nn_error *err)
{
    o->rotate = o->scale = o->shear = o->aspect = 0;
    if (strcmp(text, "default") == 0) {
        nn_augment_affine_default(o);
        return NN_OK;
    }
    const char *p = text;
    do {
        size_t len = strcspn(p, ",");
        nn_status st = parse_affine_item(p, len, o, err);
        if (st != NN_OK)
            return st;
        p += len;
    } while (*p++ == ',');
    return nn_augment_check(o, err);
}

/* Smooths f (rows x cols) in place with the separable kernel k of taps
 * [-radius, radius], the edge pixels repeated past the borders. */
static void smooth(float *f, size_t rows, size_t cols, const float *k, int radius, float *tmp)
{
    long R = (long)rows, C = (long)cols;
    for (long y = 0; y < R; y++) /* along rows into tmp */
        for (long x = 0; x < C; x++) {
            float s = 0;
            for (int t = -radius; t <= radius; t++) {
                long xx = x + t < 0 ? 0 : x + t >= C ? C - 1 : x + t;
                s += k[t + radius] * f[y * C + xx];
            }
            tmp[y * C + x] = s;
        }
    for (long y = 0; y < R; y++) /* along columns back into f */
        for (long x = 0; x < C; x++) {
            float s = 0;
            for (int t = -radius; t <= radius; t++) {
                long yy = y + t < 0 ? 0 : y + t >= R ? R - 1 : y + t;
                s += k[t + radius] * tmp[yy * C + x];
            }
            f[y * C + x] = s;
        }
}

/* Nodes of the elastic field's coarse grid along a side of len pixels:
 * one every NN_ELASTIC_SIGMA pixels, both ends included. */
static size_t grid_nodes(size_t len)
{
    return (size_t)ceilf((float)(len > 0 ? len - 1 : 0) / NN_ELASTIC_SIGMA) + 1;
}

size_t nn_augment_field_floats(size_t rows, size_t cols)
{
    return 3 * grid_nodes(rows) * grid_nodes(cols);
}

size_t nn_augment_scratch_floats(size_t rows, size_t cols)
{
    return 4 * rows * cols + nn_augment_field_floats(rows, cols);
}

/* The coarse field g (gr x gc nodes, NN_ELASTIC_SIGMA pixels apart) at
 * every pixel of out (rows x cols), bilinear. */
static void upsample(const float *g, size_t gr, size_t gc, size_t rows, size_t cols, float *out)
{
    for (size_t y = 0; y < rows; y++) {
        float fy = (float)y / NN_ELASTIC_SIGMA, wy = fy - floorf(fy);
        size_t y0 = (size_t)fy, y1 = y0 + 1 < gr ? y0 + 1 : y0;
        for (size_t x = 0; x < cols; x++) {
            float fx = (float)x / NN_ELASTIC_SIGMA, wx = fx - floorf(fx);
            size_t x0 = (size_t)fx, x1 = x0 + 1 < gc ? x0 + 1 : x0;
            out[y * cols + x] = (1 - wy) * ((1 - wx) * g[y0 * gc + x0] + wx * g[y0 * gc + x1]) +
                                wy * ((1 - wx) * g[y1 * gc + x0] + wx * g[y1 * gc + x1]);
        }
    }
}

void nn_augment_field(uint64_t seed, size_t rows, size_t cols, float amount, float *dx,
                      float *dy, float *tmp)
{
    /* Noise smoothed by a Gaussian of NN_ELASTIC_SIGMA pixels varies little
     * within that distance: it is made on a grid of nodes that far apart
     * (smoothed by a Gaussian of one node) and interpolated, a few hundred
     * times cheaper than smoothing every pixel's noise. */
    static const float k[7] = {0.00443f, 0.05400f, 0.24203f, 0.39905f,
                               0.24203f, 0.05400f, 0.00443f};
    size_t gr = grid_nodes(rows), gc = grid_nodes(cols), m = gr * gc, n = rows * cols;
    float *gx = tmp, *gy = tmp + m;
    nn_rng rng;
    nn_rng_seed(&rng, seed);
    for (size_t i = 0; i < m; i++) {
        gx[i] = 2 * nn_rng_uniform(&rng) - 1;
        gy[i] = 2 * nn_rng_uniform(&rng) - 1;
    }
    smooth(gx, gr, gc, k, 3, tmp + 2 * m);
    smooth(gy, gr, gc, k, 3, tmp + 2 * m);
    upsample(gx, gr, gc, rows, cols, dx);
    upsample(gy, gr, gc, rows, cols, dy);
    /* Scaled so that this field's RMS displacement is amount pixels: how
     * much the smoothing shrank the noise depends on the image's size (its
     * borders), so it is measured rather than assumed. */
    double sq = 0;
    for (size_t i = 0; i < n; i++)
        sq += (double)dx[i] * dx[i] + (double)dy[i] * dy[i];
    float gain = sq > 0 ? amount / (float)sqrt(sq / (double)n) : 0;
    for (size_t i = 0; i < n; i++) {
        dx[i] *= gain;
        dy[i] *= gain;
    }
}

/* img at (y, x), bilinear, 0 outside. */
static float sample(const float *img, long rows, long cols, float y, float x)
{
    float fy = floorf(y), fx = floorf(x), wy = y - fy, wx = x - fx, s = 0;
    long y0 = (long)fy, x0 = (long)fx;
    if (y0 >= 0 && y0 + 1 < rows && x0 >= 0 && x0 + 1 < cols) { /* inside: no checks */
        const float *p = img + y0 * cols + x0;
        return (1 - wy) * ((1 - wx) * p[0] + wx * p[1]) +
               wy * ((1 - wx) * p[cols] + wx * p[cols + 1]);
    }
    if (y0 < -1 || y0 >= rows || x0 < -1 || x0 >= cols)
        return 0;
    for (int j = 0; j < 2; j++)
        for (int i = 0; i < 2; i++) {
            long yy = y0 + j, xx = x0 + i;
            if (yy >= 0 && yy < rows && xx >= 0 && xx < cols)
                s += (j ? wy : 1 - wy) * (i ? wx : 1 - wx) * img[yy * cols + xx];
        }
    return s;
}

/* A uniform draw in [-m, m]. */
static float spread(nn_rng *rng, float m)
{
    return m * (2 * nn_rng_uniform(rng) - 1);
}

/* Resamples img through a random affine map about the centre plus, when
 * dx is not NULL, the displacement field (dx, dy). out holds the result. */
static void warp(const nn_augment_options *o, nn_rng *rng, float *img, size_t rows, size_t cols,
                 const float *dx, const float *dy, float *out)
{
    float th = spread(rng, o->rotate) * PI_F / 180.0f, s = 1 + spread(rng, o->scale);
    float h = spread(rng, o->shear), a = 1 + spread(rng, o->aspect);
    float c = cosf(th), sn = sinf(th), sx = s * a, sy = s / a;
    float cy = (float)(rows - 1) / 2, cx = (float)(cols - 1) / 2;
    for (size_t y = 0; y < rows; y++)
        for (size_t x = 0; x < cols; x++) {
            float uy = (float)y - cy, ux = (float)x - cx + h * ((float)y - cy);
            ux *= sx;
            uy *= sy;
            float py = sn * ux + c * uy + cy, px = c * ux - sn * uy + cx;
            size_t i = y * cols + x;
            if (dx != NULL) {
                py += dy[i];
                px += dx[i];
            }
            out[i] = sample(img, (long)rows, (long)cols, py, px);
        }
    memcpy(img, out, rows * cols * sizeof *img);
}

/* f at (y, x), 0 outside. */
static float at(const float *f, long rows, long cols, long y, long x)
{
    return y >= 0 && y < rows && x >= 0 && x < cols ? f[y * cols + x] : 0;
}

/* Whether pixel (y, x) is on a stroke's ridge: above the pixel before it
 * and not below the one after, across, along or on either diagonal. The
 * maximum of every stroke is, so thinning that keeps ridges never removes
 * a stroke. */
static int ridge(const float *f, long rows, long cols, long y, long x)
{
    static const int dirs[4][2] = {{0, 1}, {1, 0}, {1, 1}, {1, -1}};
    float v = f[y * cols + x];
    for (int d = 0; d < 4 && v > 0; d++) {
        float before = at(f, rows, cols, y - dirs[d][0], x - dirs[d][1]);
        float after = at(f, rows, cols, y + dirs[d][0], x + dirs[d][1]);
        if (v > before && v >= after)
            return 1;
    }
    return 0;
}

void nn_augment_stroke(float *img, size_t rows, size_t cols, long k, float *tmp)
{
    long R = (long)rows, C = (long)cols;
    for (long step = 0; step < labs(k); step++) {
        for (long y = 0; y < R; y++)
            for (long x = 0; x < C; x++) {
                float v = img[y * C + x];
                float n[4] = {x > 0 ? img[y * C + x - 1] : 0, x + 1 < C ? img[y * C + x + 1] : 0,
                              y > 0 ? img[(y - 1) * C + x] : 0,
                              y + 1 < R ? img[(y + 1) * C + x] : 0};
                float m = v;
                for (int i = 0; i < 4; i++)
                    m = k > 0 ? (n[i] > m ? n[i] : m) : (n[i] < m ? n[i] : m);
                tmp[y * C + x] = k < 0 && ridge(img, R, C, y, x) ? v : m;
            }
        memcpy(img, tmp, rows * cols * sizeof *img);
    }
}

/* A slight blur (a [1 2 1] kernel, blended in at a random strength) or a
 * binarisation at a random threshold, or neither, a third of the time each. */
static void blur_or_binarise(nn_rng *rng, float *img, size_t rows, size_t cols, float *tmp)
{
    float u = nn_rng_uniform(rng), w = 0.5f + 0.5f * nn_rng_uniform(rng);
    size_t n = rows * cols;
    if (u < 1.0f / 3) {
        static const float k[3] = {0.25f, 0.5f, 0.25f};
        memcpy(tmp + n, img, n * sizeof *img);
        smooth(tmp + n, rows, cols, k, 1, tmp);
        for (size_t i = 0; i < n; i++)
            img[i] = (1 - w) * img[i] + w * tmp[n + i];
    } else if (u < 2.0f / 3) {
        float t = 0.25f + 0.5f * (w - 0.5f) * 2; /* threshold in [0.25, 0.75) */
        for (size_t i = 0; i < n; i++)
            img[i] = img[i] > t ? 1.0f : 0.0f;
    }
}

void nn_augment_image(const nn_augment_options *o, uint64_t seed, float *img, size_t rows,
                      size_t cols, float *scratch)
{
    if (!nn_augment_active(o))
        return;
    size_t n = rows * cols;
    float *dx = scratch, *dy = scratch + n, *tmp = scratch + 2 * n;
    nn_rng rng;
    nn_rng_seed(&rng, seed);
    /* Drawn only when some are kept, so that keep 0 leaves every other draw
     * (and the models trained before keep existed) as they were. */
    if (o->keep > 0 && nn_rng_uniform(&rng) < o->keep)
        return;
    int affine = o->rotate > 0 || o->scale > 0 || o->shear > 0 || o->aspect > 0;
    if (o->elastic > 0)
        nn_augment_field(nn_rng_next(&rng), rows, cols, o->elastic, dx, dy, tmp);
    if (affine || o->elastic > 0)
        warp(o, &rng, img, rows, cols, o->elastic > 0 ? dx : NULL, dy, tmp);
    if (o->stroke > 0) {
        long k = (long)nn_rng_below(&rng, 2 * o->stroke + 1) - (long)o->stroke;
        nn_augment_stroke(img, rows, cols, k, tmp);
    }
    if (o->blur)
        blur_or_binarise(&rng, img, rows, cols, tmp);
}
