/* preprocess.c - a photo of a digit to a 28x28 MNIST-style image, one step
 * per function (the steps are described in preprocess.h). */
#include "nnclass/io/preprocess.h"
#include "nnclass/io/ruling.h"
#include "nnclass/io/strokes.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Images whose longer side is over this are first reduced by a whole factor
 * (area averaging): the digit ends up 20 pixels tall anyway, and the later
 * steps then cost the same for a 1-megapixel photo as for a 64-megapixel
 * scan. */
#define PRE_WORK_SIDE 640

/* Background blocks are about this fraction of the longer side... */
#define PRE_BLOCK_DIVISOR 8
/* ...but never smaller than this many pixels. */
#define PRE_BLOCK_MIN 16
/* The background of a block is this percentile of its greys. */
#define PRE_BLOCK_PERCENTILE 10

/* The ink must stand out of the background by this many standard
 * deviations of the background's noise (and by NN_PRE_MIN_CONTRAST greys). */
#define PRE_INK_SIGMAS 5.0

/* The threshold is never below the background's median plus this many
 * standard deviations of its noise: with little ink on a page, Otsu's split
 * alone can fall inside the paper's noise. */
#define PRE_NOISE_SIGMAS 4.0

/* Strokes are grown to be about this wide, as nn_strokes_width measures
 * them, once the digit is 20 pixels tall, and thinned when wider than
 * PRE_STROKE_MAX, by at most PRE_THIN_SHARE of their width. MNIST's strokes
 * measure 2 to 3; the three values are those that scored best on renders of
 * MNIST training digits with thin and thick pens (tests/realistic). */
#define PRE_STROKE_WIDTH 2.0
#define PRE_STROKE_MAX 2.5
#define PRE_THIN_SHARE 0.25

/* Ruled lines are looked for among the pixels this many standard deviations
 * of the paper's noise above it: faint lines on a noisy photo must be seen
 * whole to be told from strokes by their length. */
#define PRE_RULE_SIGMAS 2.0

/* Groups of ink smaller than 1/PRE_SPECK_RATIO of the largest are specks. */
#define PRE_SPECK_RATIO 20

/* --- helpers -------------------------------------------------------------------- */

static void histogram(const uint8_t *p, size_t n, size_t hist[256])
{
    memset(hist, 0, 256 * sizeof hist[0]);
    for (size_t i = 0; i < n; i++)
        hist[p[i]]++;
}

/* The smallest grey g with more than frac of the n counted pixels <= g. */
static unsigned hist_percentile(const size_t hist[256], size_t n, double frac)
{
    size_t want = (size_t)(frac * (double)n), seen = 0;
    for (unsigned g = 0; g < 256; g++) {
        seen += hist[g];
        if (seen > want)
            return g;
    }
    return 255;
}

/* --- 1. polarity ---------------------------------------------------------------- */

int nn_pre_light_background(const nn_grey *img)
{
    size_t n = img->width * img->height, hist[256];
    histogram(img->pixels, n, hist);
    unsigned lo = 0, hi = 255;
    while (lo < 255 && hist[lo] == 0)
        lo++;
    while (hi > 0 && hist[hi] == 0)
        hi--;
    unsigned median = hist_percentile(hist, n, 0.5);
    return median - lo > hi - median;
}

void nn_pre_invert(nn_grey *img)
{
    size_t n = img->width * img->height;
    for (size_t i = 0; i < n; i++)
        img->pixels[i] = (uint8_t)(255 - img->pixels[i]);
}

/* --- 2. uneven light -------------------------------------------------------------- */

/* The background grid: one grey per block, the block's low percentile,
 * lowered to the median of its 3x3 neighbourhood where that is darker, so
 * that a block filled by a thick stroke takes its background from its
 * neighbours (a median, unlike a minimum, follows a gradient unbiased). */
static void block_backgrounds(const nn_grey *img, size_t block, size_t gw, size_t gh,
                              float *grid, float *tmp)
{
    for (size_t by = 0; by < gh; by++)
        for (size_t bx = 0; bx < gw; bx++) {
            size_t hist[256] = {0}, n = 0;
            size_t y1 = (by + 1) * block < img->height ? (by + 1) * block : img->height;
            size_t x1 = (bx + 1) * block < img->width ? (bx + 1) * block : img->width;
            for (size_t y = by * block; y < y1; y++)
                for (size_t x = bx * block; x < x1; x++, n++)
                    hist[img->pixels[y * img->width + x]]++;
            tmp[by * gw + bx] = (float)hist_percentile(hist, n, PRE_BLOCK_PERCENTILE / 100.0);
        }
    for (size_t by = 0; by < gh; by++)
        for (size_t bx = 0; bx < gw; bx++) {
            float near[9];
            size_t n = 0;
            for (size_t y = by > 0 ? by - 1 : 0; y <= by + 1 && y < gh; y++)
                for (size_t x = bx > 0 ? bx - 1 : 0; x <= bx + 1 && x < gw; x++) {
                    /* insertion sort: at most 9 values */
                    size_t k = n++;
                    for (; k > 0 && near[k - 1] > tmp[y * gw + x]; k--)
                        near[k] = near[k - 1];
                    near[k] = tmp[y * gw + x];
                }
            float median = near[n / 2], own = tmp[by * gw + bx];
            grid[by * gw + bx] = median < own ? median : own;
        }
}

/* The paper is fitted by a smooth surface over the blocks, refitted this many
 * times without the blocks that stand above it (blocks filled by ink)... */
#define PRE_FIT_ROUNDS 4
/* ...a block standing more than this many standard deviations of the fit's
 * residuals (plus PRE_FIT_GREYS) above it is ink, not paper. */
#define PRE_FIT_SIGMAS 3.0
#define PRE_FIT_GREYS 4.0

/* Least squares fit of v over the blocks with use[i] set, by the first
 * `terms` of 1, u, t, u^2, u t, t^2 (u, t the block's centre, in [-1, 1]).
 * Fills coef (zeros past terms); 0 when the system is singular. */
static int fit_surface(const float *v, const uint8_t *use, size_t gw, size_t gh, size_t terms,
                       double coef[6])
{
    double a[6][7] = {{0}};
    for (size_t by = 0; by < gh; by++)
        for (size_t bx = 0; bx < gw; bx++) {
            if (!use[by * gw + bx])
                continue;
            double u = gw > 1 ? 2.0 * (double)bx / (double)(gw - 1) - 1.0 : 0.0;
            double t = gh > 1 ? 2.0 * (double)by / (double)(gh - 1) - 1.0 : 0.0;
            double f[6] = {1.0, u, t, u * u, u * t, t * t};
            for (size_t i = 0; i < terms; i++) {
                for (size_t j = 0; j < terms; j++)
                    a[i][j] += f[i] * f[j];
                a[i][6] += f[i] * (double)v[by * gw + bx];
            }
        }
    /* Gaussian elimination with partial pivoting on the normal equations. */
    for (size_t c = 0; c < terms; c++) {
        size_t p = c;
        for (size_t r = c + 1; r < terms; r++)
            p = fabs(a[r][c]) > fabs(a[p][c]) ? r : p;
        if (fabs(a[p][c]) < 1e-9)
            return 0;
        for (size_t k = 0; k < 7; k++) {
            double tmp = a[c][k];
            a[c][k] = a[p][k];
            a[p][k] = tmp;
        }
        for (size_t r = 0; r < terms; r++)
            if (r != c) {
                double m = a[r][c] / a[c][c];
                for (size_t k = c; k < 7; k++)
                    a[r][k] -= m * a[c][k];
            }
    }
    for (size_t i = 0; i < 6; i++)
        coef[i] = i < terms ? a[i][6] / a[i][i] : 0.0;
    return 1;
}

static double surface_at(const double coef[6], size_t bx, size_t by, size_t gw, size_t gh)
{
    double u = gw > 1 ? 2.0 * (double)bx / (double)(gw - 1) - 1.0 : 0.0;
    double t = gh > 1 ? 2.0 * (double)by / (double)(gh - 1) - 1.0 : 0.0;
    return coef[0] + coef[1] * u + coef[2] * t + coef[3] * u * u + coef[4] * u * t +
           coef[5] * t * t;
}

static int by_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* Caps each block's background at the paper's level: a smooth surface fitted
 * to the blocks, robustly (blocks standing above it are ink and left out of
 * the next fit), plus a margin for the paper's own unevenness. A stroke wide
 * enough to fill blocks, even their neighbours, then cannot pass for paper
 * and be subtracted from itself. use and res are n = gw * gh scratch cells. */
static void cap_at_paper(float *grid, size_t gw, size_t gh, uint8_t *use, float *res)
{
    size_t n = gw * gh, n_use = n;
    double coef[6] = {0}, cap = 0.0;
    /* The first surface is flat, at the blocks' median: a least squares fit
     * would bend towards the ink it is meant to leave out. Then a plane, then
     * a quadratic (a vignette), each over the blocks still taken for paper. */
    memcpy(res, grid, n * sizeof *res);
    qsort(res, n, sizeof *res, by_float);
    coef[0] = res[n / 2];
    memset(use, 1, n);
    for (int round = 0; round < PRE_FIT_ROUNDS; round++) {
        size_t terms = round == 1 || n_use < 12 ? 3 : 6;
        if (round > 0 && n_use >= 4 && !fit_surface(grid, use, gw, gh, terms, coef))
            return;
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (use[i])
                res[m++] = fabsf(grid[i] - (float)surface_at(coef, i % gw, i / gw, gw, gh));
        qsort(res, m, sizeof *res, by_float);
        /* 1.4826 * the median absolute residual: the paper's spread. */
        cap = PRE_FIT_SIGMAS * 1.4826 * (double)res[m / 2] + PRE_FIT_GREYS;
        n_use = 0;
        for (size_t i = 0; i < n; i++) {
            use[i] = grid[i] - surface_at(coef, i % gw, i / gw, gw, gh) <= cap;
            n_use += use[i];
        }
        if (n_use == 0)
            return;
    }

    for (size_t i = 0; i < n; i++) {
        float top = (float)(surface_at(coef, i % gw, i / gw, gw, gh) + cap);
        grid[i] = grid[i] < top ? grid[i] : top;
    }
}

/* Position of pixel i between block centres along one axis of n blocks:
 * the lower block index and the weight of the next one. */
static void grid_coord(size_t i, size_t block, size_t n, size_t *lo, float *t)
{
    float g = ((float)i + 0.5f) / (float)block - 0.5f;
    if (g <= 0.0f) {
        *lo = 0;
        *t = 0.0f;
    } else if (g >= (float)(n - 1)) {
        *lo = n - 1;
        *t = 0.0f;
    } else {
        *lo = (size_t)g;
        *t = g - (float)*lo;
    }
}

nn_status nn_pre_flatten(nn_grey *img, nn_error *err)
{
    size_t w = img->width, h = img->height;
    size_t longer = w > h ? w : h;
    size_t block = longer / PRE_BLOCK_DIVISOR;
    if (block < PRE_BLOCK_MIN)
        block = PRE_BLOCK_MIN;
    size_t gw = (w + block - 1) / block, gh = (h + block - 1) / block;
    float *grid = malloc(3 * gw * gh * sizeof *grid);
    uint8_t *use = malloc(gw * gh);
    /* Per column: the grid column to its left and the weight of the next. */
    size_t *gx = malloc(w * sizeof *gx);
    float *tx = malloc(w * sizeof *tx);
    float *top = malloc(2 * gw * sizeof *top);
    float *bot = top != NULL ? top + gw : NULL;
    if (grid == NULL || use == NULL || gx == NULL || tx == NULL || top == NULL) {
        free(grid);
        free(use);
        free(gx);
        free(tx);
        free(top);
        return nn_fail(err, NN_E_NOMEM, "out of memory flattening the background");
    }
    block_backgrounds(img, block, gw, gh, grid, grid + gw * gh);
    cap_at_paper(grid, gw, gh, use, grid + 2 * gw * gh);
    for (size_t x = 0; x < w; x++)
        grid_coord(x, block, gw, &gx[x], &tx[x]);
    for (size_t y = 0; y < h; y++) {
        size_t gy;
        float ty;
        grid_coord(y, block, gh, &gy, &ty);
        size_t gy1 = gy + 1 < gh ? gy + 1 : gy;
        /* This row's background at every grid column, then along the row. */
        for (size_t k = 0; k < gw; k++)
            top[k] = grid[gy * gw + k] + ty * (grid[gy1 * gw + k] - grid[gy * gw + k]);
        for (size_t k = 0; k < gw; k++)
            bot[k] = top[k + 1 < gw ? k + 1 : k]; /* the next column's, for the blend */
        uint8_t *row = img->pixels + y * w;
        for (size_t x = 0; x < w; x++) {
            float bg = top[gx[x]] + tx[x] * (bot[gx[x]] - top[gx[x]]);
            float v = (float)row[x] - bg;
            row[x] = v <= 0.0f ? 0 : (uint8_t)(v + 0.5f);
        }
    }
    free(grid);
    free(use);
    free(gx);
    free(tx);
    free(top);
    return NN_OK;
}

/* --- 3. threshold ------------------------------------------------------------------ */

uint8_t nn_pre_otsu(const nn_grey *img)
{
    size_t n = img->width * img->height, hist[256];
    histogram(img->pixels, n, hist);
    double total = 0.0;
    for (unsigned g = 0; g < 256; g++)
        total += (double)g * (double)hist[g];
    double best = -1.0, w0 = 0.0, sum0 = 0.0;
    unsigned t_best = 0, t_last = 0;
    for (unsigned t = 0; t < 255; t++) {
        w0 += (double)hist[t];
        sum0 += (double)t * (double)hist[t];
        double w1 = (double)n - w0;
        if (w0 == 0.0 || w1 == 0.0)
            continue;
        double m0 = sum0 / w0, m1 = (total - sum0) / w1;
        double between = w0 * w1 * (m0 - m1) * (m0 - m1);
        if (between > best) {
            best = between;
            t_best = t_last = t;
        } else if (between == best) {
            t_last = t; /* the same split: t is in an empty stretch of greys */
        }
    }
    /* A gap between paper and ink (a clean scan) splits in its middle, not
     * at its dark end against the paper. */
    return (uint8_t)((t_best + t_last) / 2);
}

uint8_t nn_pre_noise_level(const nn_grey *img, double sigmas)
{
    size_t n = img->width * img->height, hist[256], dev[256] = {0};
    histogram(img->pixels, n, hist);
    unsigned median = hist_percentile(hist, n, 0.5);
    for (unsigned g = 0; g < 256; g++)
        dev[g > median ? g - median : median - g] += hist[g];
    /* 1.4826 * MAD estimates a normal noise's standard deviation. */
    double sigma = 1.4826 * (double)hist_percentile(dev, n, 0.5);
    double floor_ = (double)median + sigmas * (sigma < 1.0 ? 1.0 : sigma);
    return floor_ >= 255.0 ? 255 : (uint8_t)floor_;
}

uint8_t nn_pre_noise_floor(const nn_grey *img)
{
    return nn_pre_noise_level(img, PRE_NOISE_SIGMAS);
}

uint8_t nn_pre_threshold(const nn_grey *img)
{
    /* Half of Otsu's split: a stroke's soft edge, between paper and solid
     * ink, is ink too (it is what anti-aliasing keeps when the digit is
     * scaled down), so the cut is made half-way to Otsu's. */
    uint8_t half = (uint8_t)(nn_pre_otsu(img) / 2), noise = nn_pre_noise_floor(img);
    return half > noise ? half : noise;
}

/* Without standing out by PRE_INK_SIGMAS times the background's noise,
 * "ink" is only noise on blank paper. */
int nn_pre_has_ink(const nn_grey *img, uint8_t t)
{
    size_t n = img->width * img->height, hist[256];
    histogram(img->pixels, n, hist);
    double n0 = 0, s0 = 0, q0 = 0, n1 = 0, s1 = 0;
    for (unsigned g = 0; g < 256; g++) {
        double c = (double)hist[g];
        if (g <= t) {
            n0 += c;
            s0 += c * g;
            q0 += c * g * g;
        } else {
            n1 += c;
            s1 += c * g;
        }
    }
    if (n0 == 0 || n1 == 0)
        return 0;
    double m0 = s0 / n0, m1 = s1 / n1, var0 = q0 / n0 - m0 * m0;
    double sd0 = var0 > 0 ? sqrt(var0) : 0.0;
    return m1 - m0 >= NN_PRE_MIN_CONTRAST && m1 - m0 >= PRE_INK_SIGMAS * sd0;
}

void nn_pre_remove_background(nn_grey *img, uint8_t t)
{
    size_t n = img->width * img->height, hist[256], ink = 0;
    histogram(img->pixels, n, hist);
    for (unsigned g = (unsigned)t + 1; g < 256; g++)
        ink += hist[g];
    unsigned hi = 255;
    if (ink > 0) {
        size_t want = ink - ink / 20, seen = 0; /* the 95th percentile of the ink */
        for (hi = (unsigned)t + 1; hi < 255; hi++) {
            seen += hist[hi];
            if (seen >= want)
                break;
        }
    }
    /* v in (t, hi] -> (v - t) * 255 / (hi - t), rounded; above hi -> 255. */
    uint8_t map[256];
    for (unsigned g = 0; g < 256; g++) {
        if (g <= t)
            map[g] = 0;
        else if (g >= hi)
            map[g] = 255;
        else
            map[g] = (uint8_t)(((g - t) * 255u + (hi - t) / 2) / (hi - t));
    }
    for (size_t i = 0; i < n; i++)
        img->pixels[i] = map[img->pixels[i]];
}

/* --- 4. specks --------------------------------------------------------------------- */

static uint32_t uf_find(uint32_t *parent, uint32_t a)
{
    while (parent[a] != a) {
        parent[a] = parent[parent[a]];
        a = parent[a];
    }
    return a;
}

static void uf_union(uint32_t *parent, uint32_t a, uint32_t b)
{
    a = uf_find(parent, a);
    b = uf_find(parent, b);
    if (a != b)
        parent[a > b ? a : b] = a < b ? a : b;
}

nn_status nn_pre_drop_specks(nn_grey *img, size_t *dropped, nn_error *err)
{
    size_t w = img->width, h = img->height, n = w * h;
    *dropped = 0;
    if (n > UINT32_MAX - 1)
        return nn_fail(err, NN_E_TOO_LARGE, "image too large to group its ink");
    /* parent[i] for pixel i (ink only); area[] counts the roots' pixels. */
    uint32_t *parent = malloc(n * sizeof *parent);
    uint32_t *area = calloc(n, sizeof *area);
    if (parent == NULL || area == NULL) {
        free(parent);
        free(area);
        return nn_fail(err, NN_E_NOMEM, "out of memory grouping the ink");
    }
    for (size_t y = 0; y < h; y++)
        for (size_t x = 0; x < w; x++) {
            size_t i = y * w + x;
            parent[i] = (uint32_t)i;
            if (img->pixels[i] == 0)
                continue;
            /* The neighbours already visited: W, NW, N, NE. */
            if (x > 0 && img->pixels[i - 1] != 0)
                uf_union(parent, (uint32_t)i, (uint32_t)(i - 1));
            if (y > 0) {
                if (x > 0 && img->pixels[i - w - 1] != 0)
                    uf_union(parent, (uint32_t)i, (uint32_t)(i - w - 1));
                if (img->pixels[i - w] != 0)
                    uf_union(parent, (uint32_t)i, (uint32_t)(i - w));
                if (x + 1 < w && img->pixels[i - w + 1] != 0)
                    uf_union(parent, (uint32_t)i, (uint32_t)(i - w + 1));
            }
        }
    uint32_t largest = 0;
    for (size_t i = 0; i < n; i++)
        if (img->pixels[i] != 0) {
            uint32_t r = uf_find(parent, (uint32_t)i);
            if (++area[r] > largest)
                largest = area[r];
        }
    for (size_t i = 0; i < n; i++)
        if (img->pixels[i] != 0 &&
            (uint64_t)area[uf_find(parent, (uint32_t)i)] * PRE_SPECK_RATIO < largest) {
            img->pixels[i] = 0;
            (*dropped)++;
        }
    free(parent);
    free(area);
    return NN_OK;
}

/* --- 5. crop ----------------------------------------------------------------------- */

nn_status nn_pre_ink_box(const nn_grey *img, nn_box *box, const char *name, nn_error *err)
{
    size_t x0 = img->width, y0 = img->height, x1 = 0, y1 = 0;
    for (size_t y = 0; y < img->height; y++)
        for (size_t x = 0; x < img->width; x++)
            if (img->pixels[y * img->width + x] != 0) {
                x0 = x < x0 ? x : x0;
                x1 = x + 1 > x1 ? x + 1 : x1;
                y0 = y < y0 ? y : y0;
                y1 = y + 1;
            }
    if (x1 == 0)
        return nn_fail(err, NN_E_FORMAT, "%s: no ink: the image is blank or uniform", name);
    box->x0 = x0;
    box->y0 = y0;
    box->x1 = x1;
    box->y1 = y1;
    return NN_OK;
}

/* --- 6. scale ---------------------------------------------------------------------- */

/* Area-averaging weights along one axis: output cell j covers the input
 * interval [j * in / out, (j + 1) * in / out). For each output cell, *first
 * is its first input pixel and wt[j * span + k] the weight of input pixel
 * first + k (the weights of a cell sum to 1). */
static void area_weights(size_t in, size_t out, size_t span, size_t *first, float *wt)
{
    double step = (double)in / (double)out;
    for (size_t j = 0; j < out; j++) {
        double a = (double)j * step, b = (double)(j + 1) * step;
        size_t f = (size_t)a;
        first[j] = f;
        for (size_t k = 0; k < span; k++) {
            double lo = (double)(f + k), hi = lo + 1.0;
            double cover = (b < hi ? b : hi) - (a > lo ? a : lo);
            wt[j * span + k] = cover > 0.0 ? (float)(cover / step) : 0.0f;
        }
    }
}

nn_status nn_pre_scale_box(const nn_grey *img, const nn_box *box, size_t side, nn_grey *out,
                           nn_error *err)
{
    size_t bw = box->x1 - box->x0, bh = box->y1 - box->y0;
    size_t longer = bw > bh ? bw : bh;
    size_t ow = (bw * side * 2 + longer) / (2 * longer), oh = (bh * side * 2 + longer) / (2 * longer);
    ow = ow < 1 ? 1 : ow;
    oh = oh < 1 ? 1 : oh;
    /* An output cell spans at most ceil(in / out) + 1 input pixels. */
    size_t span_x = (bw + ow - 1) / ow + 1, span_y = (bh + oh - 1) / oh + 1;
    size_t *fx = malloc(ow * sizeof *fx), *fy = malloc(oh * sizeof *fy);
    float *wx = malloc(ow * span_x * sizeof *wx), *wy = malloc(oh * span_y * sizeof *wy);
    float *rows = malloc(bh * ow * sizeof *rows); /* (bh, ow): columns done, rows not */
    nn_status st = NN_OK;
    if (fx == NULL || fy == NULL || wx == NULL || wy == NULL || rows == NULL) {
        st = nn_fail(err, NN_E_NOMEM, "out of memory scaling the digit");
        goto done;
    }
    st = nn_grey_alloc(ow, oh, 0, "digit", out, err);
    if (st != NN_OK)
        goto done;
    area_weights(bw, ow, span_x, fx, wx);
    area_weights(bh, oh, span_y, fy, wy);
    for (size_t y = 0; y < bh; y++) {
        const uint8_t *src = img->pixels + (box->y0 + y) * img->width + box->x0;
        for (size_t j = 0; j < ow; j++) {
            float s = 0.0f;
            for (size_t k = 0; k < span_x && fx[j] + k < bw; k++)
                s += wx[j * span_x + k] * (float)src[fx[j] + k];
            rows[y * ow + j] = s;
        }
    }
    for (size_t i = 0; i < oh; i++)
        for (size_t j = 0; j < ow; j++) {
            float s = 0.0f;
            for (size_t k = 0; k < span_y && fy[i] + k < bh; k++)
                s += wy[i * span_y + k] * rows[(fy[i] + k) * ow + j];
            s = s < 0.0f ? 0.0f : s > 255.0f ? 255.0f : s;
            out->pixels[i * ow + j] = (uint8_t)(s + 0.5f);
        }
done:
    free(fx);
    free(fy);
    free(wx);
    free(wy);
    free(rows);
    return st;
}

/* --- 7. centre --------------------------------------------------------------------- */

/* The offset that puts a centre of mass c (pixel index units) on the
 * field's centre pixel, clamped so that n pixels stay inside side. MNIST's
 * digits have their centre of mass on pixel (14, 14) of 28x28: side / 2. */
static size_t centre_offset(double c, size_t n, size_t side)
{
    double off = floor((double)(side / 2) - c + 0.5);
    double max = (double)(side - n);
    off = off < 0.0 ? 0.0 : off > max ? max : off;
    return (size_t)off;
}

void nn_pre_centre(const nn_grey *digit, uint8_t *out, size_t side)
{
    memset(out, 0, side * side);
    double mass = 0, mx = 0, my = 0;
    for (size_t y = 0; y < digit->height; y++)
        for (size_t x = 0; x < digit->width; x++) {
            double v = digit->pixels[y * digit->width + x];
            mass += v;
            mx += v * (double)x;
            my += v * (double)y;
        }
    double cx = mass > 0 ? mx / mass : (double)(digit->width - 1) / 2;
    double cy = mass > 0 ? my / mass : (double)(digit->height - 1) / 2;
    size_t w = digit->width < side ? digit->width : side;
    size_t h = digit->height < side ? digit->height : side;
    size_t ox = centre_offset(cx, w, side), oy = centre_offset(cy, h, side);
    for (size_t y = 0; y < h; y++)
        memcpy(out + (oy + y) * side + ox, digit->pixels + y * digit->width, w);
}

/* --- the pipeline ------------------------------------------------------------------ */

nn_status nn_pre_reduce(const nn_grey *img, size_t f, nn_grey *out, nn_error *err)
{
    f = f < 1 ? 1 : f;
    size_t w = (img->width + f - 1) / f, h = (img->height + f - 1) / f;
    nn_status st = nn_grey_alloc(w, h, 0, "image", out, err);
    if (st != NN_OK)
        return st;
    if (f == 1) {
        memcpy(out->pixels, img->pixels, w * h);
        return NN_OK;
    }
    /* Per output row: the sums of its f input rows' pixels, column by
     * column, then of f columns at a time (the last block may be smaller). */
    uint32_t *sum = malloc(img->width * sizeof *sum);
    if (sum == NULL) {
        nn_grey_free(out);
        return nn_fail(err, NN_E_NOMEM, "out of memory reducing the image");
    }
    for (size_t y = 0; y < h; y++) {
        size_t y1 = (y + 1) * f < img->height ? (y + 1) * f : img->height;
        memset(sum, 0, img->width * sizeof *sum);
        for (size_t yy = y * f; yy < y1; yy++) {
            const uint8_t *row = img->pixels + yy * img->width;
            for (size_t x = 0; x < img->width; x++)
                sum[x] += row[x];
        }
        for (size_t x = 0; x < w; x++) {
            size_t x1 = (x + 1) * f < img->width ? (x + 1) * f : img->width, s = 0;
            for (size_t xx = x * f; xx < x1; xx++)
                s += sum[xx];
            size_t cnt = (x1 - x * f) * (y1 - y * f);
            out->pixels[y * w + x] = (uint8_t)((s + cnt / 2) / cnt);
        }
    }
    free(sum);
    return NN_OK;
}

/* A copy of img reduced by a whole factor (area averaging) until its longer
 * side is at most PRE_WORK_SIDE; a plain copy when it already is. */
static nn_status working_copy(const nn_grey *img, nn_grey *out, nn_error *err)
{
    size_t longer = img->width > img->height ? img->width : img->height;
    return nn_pre_reduce(img, (longer + PRE_WORK_SIDE - 1) / PRE_WORK_SIDE, out, err);
}

/* Step 5b: strokes too thin for the ink's size (a fine pen on a big photo)
 * are grown so that they land about PRE_STROKE_WIDTH pixels wide once ref
 * is NN_MNIST_BOX pixels, as MNIST's do; strokes wider than PRE_STROKE_MAX
 * (a marker) are thinned towards it, by at most PRE_THIN_SHARE of their
 * width so that a digit's thinner parts survive. */
nn_status nn_pre_normalise_strokes(nn_grey *img, nn_box *box, size_t ref, nn_error *err)
{
    size_t longer = ref > 0 ? ref : 1;
    double width = nn_strokes_width(img, box);
    size_t grow = nn_strokes_growth(width, longer, NN_MNIST_BOX, PRE_STROKE_WIDTH);
    /* No more than a digit's worth: a wrong estimate must not make a blob. */
    if (grow > longer / 8)
        grow = longer / 8;
    if (grow > 0)
        return nn_strokes_grow(img, box, grow, err);
    if (width * NN_MNIST_BOX <= PRE_STROKE_MAX * (double)longer)
        return NN_OK;
    /* Thinning by r takes 2r off the width and off the box:
     * width - 2r = PRE_STROKE_MAX * (longer - 2r) / NN_MNIST_BOX. */
    double k = PRE_STROKE_MAX / NN_MNIST_BOX;
    double r = (width - k * (double)longer) / (2.0 * (1.0 - k));
    r = r > PRE_THIN_SHARE * width ? PRE_THIN_SHARE * width : r;
    return nn_strokes_thin(img, box, (size_t)(r + 0.5), err);
}

/* A digit's size is its box's longer side. */
static nn_status normalise_strokes(nn_grey *img, nn_box *box, nn_error *err)
{
    size_t bw = box->x1 - box->x0, bh = box->y1 - box->y0;
    return nn_pre_normalise_strokes(img, box, bw > bh ? bw : bh, err);
}

static int wants_invert(const nn_grey *img, nn_invert invert)
{
    return invert == NN_INVERT_YES || (invert == NN_INVERT_AUTO && nn_pre_light_background(img));
}

nn_status nn_preprocess_mnist(const nn_grey *img, nn_invert invert, uint8_t *out,
                              const char *name, nn_error *err)
{
    nn_grey work = {0}, digit = {0};
    nn_box box;
    size_t dropped;
    nn_status st = working_copy(img, &work, err);
    if (st != NN_OK)
        goto done;
    if (wants_invert(&work, invert))
        nn_pre_invert(&work);
    size_t lines;
    if ((st = nn_pre_flatten(&work, err)) != NN_OK ||
        (st = nn_ruling_remove(&work, nn_pre_noise_level(&work, PRE_RULE_SIGMAS), &lines,
                               err)) != NN_OK)
        goto done;
    uint8_t t = nn_pre_threshold(&work);
    if (!nn_pre_has_ink(&work, t)) {
        st = nn_fail(err, NN_E_FORMAT,
                     "%s: no ink: the image is blank, uniform or without contrast", name);
        goto done;
    }
    nn_pre_remove_background(&work, t);
    if ((st = nn_pre_drop_specks(&work, &dropped, err)) != NN_OK ||
        (st = nn_pre_ink_box(&work, &box, name, err)) != NN_OK ||
        (st = normalise_strokes(&work, &box, err)) != NN_OK ||
        (st = nn_pre_scale_box(&work, &box, NN_MNIST_BOX, &digit, err)) != NN_OK)
        goto done;
    nn_pre_centre(&digit, out, NN_MNIST_SIDE);
    /* Ink so sparse (a few far-apart dots) that scaling averages it away. */
    uint8_t any = 0;
    for (size_t i = 0; i < NN_MNIST_SIDE * NN_MNIST_SIDE; i++)
        any |= out[i];
    if (any == 0)
        st = nn_fail(err, NN_E_FORMAT, "%s: no ink: only scattered dots, no strokes", name);
done:
    nn_grey_free(&work);
    nn_grey_free(&digit);
    return st;
}

nn_status nn_preprocess_none(const nn_grey *img, nn_invert invert, size_t rows, size_t cols,
                             uint8_t *out, const char *name, nn_error *err)
{
    if (img->height != rows || img->width != cols)
        return nn_fail(err, NN_E_MISMATCH,
                       "%s: image is %zux%zu but the model expects %zux%zu (use --preprocess "
                       "mnist to scale it)",
                       name, img->width, img->height, cols, rows);
    int inv = wants_invert(img, invert);
    for (size_t i = 0; i < rows * cols; i++)
        out[i] = inv ? (uint8_t)(255 - img->pixels[i]) : img->pixels[i];
    return NN_OK;
}
