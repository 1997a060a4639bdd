/* ruling.c - finding the long straight lines of ruled or squared paper by
 * projecting the ink along a few directions, and erasing them. */
#include "nnclass/io/ruling.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Directions tried: slopes from -RULE_SLOPE to RULE_SLOPE (about 10
 * degrees) in RULE_STEPS steps each side. */
#define RULE_SLOPE 0.18
#define RULE_STEPS 36
/* The direction is looked for in one column (or row) out of this many. */
#define RULE_SAMPLE 4
/* A line covers this share of the page's width (or height)... */
#define RULE_COVER 0.8
/* ...and is at most 1/RULE_THICK of the page's shorter side thick (or
 * RULE_MIN_THICK pixels on a small image). */
#define RULE_THICK 40
#define RULE_MIN_THICK 5
/* Directions looked for, at most, in each view. */
#define RULE_ROUNDS 3

/* The image seen either way: along rows (horizontal lines) or along columns
 * (vertical ones, the transpose). Pixel (u, v): u along the line, v across. */
typedef struct {
    uint8_t *pix;
    size_t len, across; /* extent along and across the lines */
    size_t su, sv;      /* strides of u and v in pix */
} view;

static uint8_t *at(const view *w, size_t u, size_t v)
{
    return w->pix + u * w->su + v * w->sv;
}

/* The ink (pixels above floor) of a view as a list of (u, v): those of
 * every RULE_SAMPLE-th u from the front of the arrays (n_sample), the others
 * from their back (n_rest), so that the search can take the first alone. */
typedef struct {
    uint32_t *u, *v;
    size_t cap, n_sample, n_rest;
} ink_list;

static void list_ink(const view *w, uint8_t floor, ink_list *ink)
{
    /* In the image's memory order: rows of width pixels. */
    int rows = w->su == 1;
    size_t width = rows ? w->len : w->across, height = rows ? w->across : w->len;
    ink->n_sample = ink->n_rest = 0;
    for (size_t y = 0; y < height; y++) {
        const uint8_t *p = w->pix + y * width;
        for (size_t x = 0; x < width; x++) {
            if (p[x] <= floor)
                continue;
            uint32_t u = (uint32_t)(rows ? x : y), v = (uint32_t)(rows ? y : x);
            size_t i = u % RULE_SAMPLE == 0 ? ink->n_sample++ : ink->cap - ++ink->n_rest;
            ink->u[i] = u;
            ink->v[i] = v;
        }
    }
}

/* Projects the sampled ink (all of it when `all`) along slope s: hist[k]
 * counts the ink at v - s u = k - pad. In fixed point (16 bits of
 * fraction): this is the inner loop of the search. */
static void project(const ink_list *ink, int all, double s, size_t pad, uint32_t *hist,
                    size_t bins)
{
    int64_t s16 = (int64_t)floor(s * 65536.0 + 0.5);
    memset(hist, 0, bins * sizeof *hist);
    for (size_t i = 0; i < ink->n_sample; i++)
        hist[(int64_t)pad + ink->v[i] - ((s16 * ink->u[i] + 32768) >> 16)]++;
    for (size_t i = ink->cap - (all ? ink->n_rest : 0); i < ink->cap; i++)
        hist[(int64_t)pad + ink->v[i] - ((s16 * ink->u[i] + 32768) >> 16)]++;
}

/* Whether pixel (u, v), v possibly off the image, is ink. */
static int ink_at(const view *w, size_t u, double v, uint8_t floor)
{
    return v >= 0.0 && v < (double)w->across && *at(w, u, (size_t)v) > floor;
}

/* Erases the band of bins [k0, k1] along slope s (with a pixel more each
 * side for its soft edges), except at the u where ink lies just outside the
 * band on both sides (a stroke crossing it). */
static void erase_band(const view *w, uint8_t floor, double s, size_t pad, size_t k0,
                       size_t k1)
{
    for (size_t u = 0; u < w->len; u++) {
        double base = s * (double)u - (double)pad;
        double lo = base + (double)k0 - 1.0, hi = base + (double)k1 + 1.0;
        if (ink_at(w, u, lo - 2.0, floor) && ink_at(w, u, hi + 2.0, floor))
            continue;
        for (double v = lo; v <= hi; v += 1.0)
            if (v >= 0.0 && v < (double)w->across)
                *at(w, u, (size_t)v) = 0;
    }
}

/* How many u have ink within bins [k0, k1] along slope s: the length of
 * line a band covers. */
static size_t coverage(const view *w, uint8_t floor, double s, size_t pad, size_t k0, size_t k1)
{
    size_t n = 0;
    for (size_t u = 0; u < w->len; u++) {
        double base = s * (double)u - (double)pad;
        for (double v = base + (double)k0; v <= base + (double)k1; v += 1.0)
            if (ink_at(w, u, v, floor)) {
                n++;
                break;
            }
    }
    return n;
}

/* Finds and erases the lines of one view; returns how many. */
static size_t remove_lines(const view *w, uint8_t floor, size_t max_thick, uint32_t *hist,
                           uint32_t *best_hist, ink_list *ink)
{
    list_ink(w, floor, ink);
    size_t need = (size_t)(RULE_COVER * (double)w->len);
    if (ink->n_sample + ink->n_rest < need)
        return 0; /* too little ink for even one line */
    size_t pad = (size_t)ceil(RULE_SLOPE * (double)w->len) + 2;
    size_t bins = w->across + 2 * pad;
    double best_s = 0.0;
    uint32_t best = 0, sharpest = 0;
    /* The direction of the ruling: the one whose projection has the
     * sharpest peak (a line's ink is counted over 3 bins around it), looked
     * for in every RULE_SAMPLE-th column only. */
    for (int i = -RULE_STEPS; i <= RULE_STEPS; i++) {
        double s = RULE_SLOPE * i / RULE_STEPS;
        project(ink, 0, s, pad, hist, bins);
        for (size_t k = 1; k + 1 < bins; k++)
            if (hist[k] > sharpest) {
                sharpest = hist[k];
                best = hist[k - 1] + hist[k] + hist[k + 1];
                best_s = s;
            }
    }
    if (best * RULE_SAMPLE < need / 2)
        return 0;
    project(ink, 1, best_s, pad, best_hist, bins);
    /* Around each peak of the projection, the band of bins holding a good
     * share of its ink, checked for how much of the page it covers and how
     * thick it is (a stroke is neither long nor thin enough). */
    size_t n = 0;
    for (size_t k = 1; k + 1 < bins; k++) {
        uint32_t h = best_hist[k];
        if (h < best_hist[k - 1] || h < best_hist[k + 1] ||
            best_hist[k - 1] + h + best_hist[k + 1] < need / 2)
            continue;
        /* The bins either side too: a line between two directions tried
         * drifts across them. */
        size_t k0 = k - 1, k1 = k + 1;
        while (k0 > 0 && best_hist[k0 - 1] * 3 >= h && k1 - k0 < max_thick)
            k0--;
        while (k1 + 1 < bins && best_hist[k1 + 1] * 3 >= h && k1 - k0 < max_thick)
            k1++;
        if (k1 - k0 < max_thick && coverage(w, floor, best_s, pad, k0, k1) >= need) {
            erase_band(w, floor, best_s, pad, k0, k1);
            n++;
        }
        k = k1;
    }
    return n;
}

nn_status nn_ruling_remove(nn_grey *img, uint8_t floor, size_t *lines, nn_error *err)
{
    size_t wd = img->width, ht = img->height, shorter = wd < ht ? wd : ht;
    size_t longer = wd > ht ? wd : ht;
    size_t bins = longer + 2 * ((size_t)ceil(RULE_SLOPE * (double)longer) + 2);
    uint32_t *hist = malloc(2 * bins * sizeof *hist);
    ink_list ink = {malloc(wd * ht * sizeof *ink.u), malloc(wd * ht * sizeof *ink.v), wd * ht, 0, 0};
    *lines = 0;
    if (hist == NULL || ink.u == NULL || ink.v == NULL) {
        free(hist);
        free(ink.u);
        free(ink.v);
        return nn_fail(err, NN_E_NOMEM, "out of memory looking for ruled lines");
    }
    /* Thin, but never thinner than a sharp line with its soft edges. */
    size_t max_thick = shorter / RULE_THICK > RULE_MIN_THICK ? shorter / RULE_THICK
                                                                : RULE_MIN_THICK;
    view rows = {img->pixels, wd, ht, 1, wd};
    view cols = {img->pixels, ht, wd, wd, 1};
    /* Lines in one direction first, then those in another (a grid, a margin,
     * a second page), RULE_ROUNDS times at most. */
    for (int round = 0; round < RULE_ROUNDS; round++) {
        size_t found = remove_lines(&rows, floor, max_thick, hist, hist + bins, &ink);
        found += remove_lines(&cols, floor, max_thick, hist, hist + bins, &ink);
        *lines += found;
        if (found == 0)
            break;
    }
    free(hist);
    free(ink.u);
    free(ink.v);
    return NN_OK;
}
