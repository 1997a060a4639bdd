/* strip.c - the strip of one written number: the geometry every strip
 * shares (real or composed), and a photo or scan made into one with the
 * page-cleaning steps of a single digit (preprocess.h). */
#include "nnclass/io/strip.h"
#include "nnclass/io/ruling.h"

#include <stdlib.h>
#include <string.h>

/* Images of more pixels than this are first reduced by a whole factor
 * (area averaging), as preprocess.c does for a digit; by the pixel count
 * rather than the longer side, so that a long, low number keeps rows enough
 * for its strokes. */
#define STRIP_WORK_PIXELS ((uint64_t)640 * 640)

/* Ruled lines are looked for, as for a digit, among the pixels this many
 * standard deviations of the paper's noise above it. */
#define STRIP_RULE_SIGMAS 2.0

/* --- the geometry ------------------------------------------------------------------ */

void nn_strip_fit_box(size_t bw, size_t bh, nn_strip_fit *fit)
{
    const size_t avail = NN_STRIP_W - 2 * NN_STRIP_MARGIN;
    bw = bw < 1 ? 1 : bw;
    bh = bh < 1 ? 1 : bh;
    /* Widths are compared in 64 bits: bw * NN_STRIP_INK_H of a huge box. */
    uint64_t ow = ((uint64_t)bw * NN_STRIP_INK_H * 2 + bh) / (2 * (uint64_t)bh), oh = NN_STRIP_INK_H;
    if (ow > avail) {
        ow = avail;
        oh = ((uint64_t)bh * avail * 2 + bw) / (2 * (uint64_t)bw);
    }
    fit->ow = ow < 1 ? 1 : (size_t)ow;
    fit->oh = oh < 1 ? 1 : (size_t)oh;
    fit->ox = (NN_STRIP_W - fit->ow) / 2;
    fit->oy = (NN_STRIP_H - fit->oh) / 2;
}

/* How much input pixel k overlaps output cell j when in pixels become out:
 * in units of 1 / out of an input pixel, pixel k is [k out, (k + 1) out)
 * and cell j is [j in, (j + 1) in), so the overlap is an exact integer and
 * a cell's overlaps sum to in. */
static uint64_t cover(size_t k, size_t j, size_t in, size_t out)
{
    uint64_t a0 = (uint64_t)k * out, a1 = a0 + out, b0 = (uint64_t)j * in, b1 = b0 + in;
    uint64_t lo = a0 > b0 ? a0 : b0, hi = a1 < b1 ? a1 : b1;
    return hi > lo ? hi - lo : 0;
}

/* The input pixels [first[j], last[j]) that output cell j covers, for the
 * out cells of an axis of in pixels. */
static void spans(size_t in, size_t out, size_t *first, size_t *last)
{
    for (size_t j = 0; j < out; j++) {
        first[j] = (size_t)((uint64_t)j * in / out);
        last[j] = (size_t)(((uint64_t)(j + 1) * in + out - 1) / out);
        last[j] = last[j] < in ? last[j] : in;
    }
}

void nn_strip_ink_box(const nn_grey *img, uint8_t min, nn_box *box)
{
    nn_box ink = {box->x1, box->y1, 0, 0};
    for (size_t y = box->y0; y < box->y1; y++) {
        const uint8_t *row = img->pixels + y * img->width;
        size_t x0 = box->x0, x1 = box->x1;
        while (x0 < x1 && row[x0] < min)
            x0++;
        while (x1 > x0 && row[x1 - 1] < min)
            x1--;
        if (x0 == x1)
            continue;
        ink.x0 = x0 < ink.x0 ? x0 : ink.x0;
        ink.x1 = x1 > ink.x1 ? x1 : ink.x1;
        ink.y0 = y < ink.y0 ? y : ink.y0;
        ink.y1 = y + 1;
    }
    if (ink.x1 > 0)
        *box = ink;
}

/* Boxes up to this many columns wide are summed down each column first (a
 * composed number's always are); wider ones row by row. */
#define PLACE_COLS 2048

/* Output row i of a box up to PLACE_COLS wide: the input rows it covers
 * summed down each column, weighted by their overlap, then across. */
static void place_row_by_columns(const nn_grey *img, const nn_box *box, const nn_strip_fit *fit,
                                 size_t r0, size_t r1, size_t i, const size_t *first,
                                 const size_t *last, uint64_t *acc)
{
    size_t bw = box->x1 - box->x0, bh = box->y1 - box->y0;
    uint64_t col[PLACE_COLS];
    memset(col, 0, bw * sizeof col[0]);
    for (size_t r = r0; r < r1; r++) {
        uint64_t cy = cover(r, i, bh, fit->oh);
        const uint8_t *src = img->pixels + (box->y0 + r) * img->width + box->x0;
        for (size_t k = 0; k < bw; k++)
            col[k] += src[k] * cy;
    }
    for (size_t j = 0; j < fit->ow; j++) {
        uint64_t s = 0;
        for (size_t k = first[j]; k < last[j]; k++)
            s += col[k] * cover(k, j, bw, fit->ow);
        acc[j] = s;
    }
}

/* The same for a wider box: each input row summed across, weighted, then
 * added down. The sums are exact integers, so the order does not matter. */
static void place_row_by_rows(const nn_grey *img, const nn_box *box, const nn_strip_fit *fit,
                              size_t r0, size_t r1, size_t i, const size_t *first,
                              const size_t *last, uint64_t *acc)
{
    size_t bw = box->x1 - box->x0, bh = box->y1 - box->y0;
    memset(acc, 0, fit->ow * sizeof acc[0]);
    for (size_t r = r0; r < r1; r++) {
        uint64_t cy = cover(r, i, bh, fit->oh);
        const uint8_t *src = img->pixels + (box->y0 + r) * img->width + box->x0;
        for (size_t j = 0; j < fit->ow; j++) {
            uint64_t s = 0;
            for (size_t k = first[j]; k < last[j]; k++)
                s += src[k] * cover(k, j, bw, fit->ow);
            acc[j] += s * cy;
        }
    }
}

void nn_strip_place(const nn_grey *img, const nn_box *within, uint8_t *strip, nn_strip_map *map)
{
    nn_box b = *within, *box = &b;
    nn_strip_ink_box(img, NN_STRIP_SOLID, box);
    size_t bw = box->x1 - box->x0, bh = box->y1 - box->y0;
    nn_strip_fit fit;
    nn_strip_fit_box(bw, bh, &fit);
    memset(strip, 0, NN_STRIP_H * NN_STRIP_W);
    uint64_t acc[NN_STRIP_W];
    size_t first[NN_STRIP_W], last[NN_STRIP_W], top[NN_STRIP_H], bottom[NN_STRIP_H];
    spans(bw, fit.ow, first, last);
    spans(bh, fit.oh, top, bottom);
    /* A cell's weights sum to bw * bh; the division is a multiplication by
     * its inverse in double, exact enough (sums stay below 2^53) and the
     * same on every IEEE machine. */
    const double inv_total = 1.0 / ((double)bw * (double)bh);
    for (size_t i = 0; i < fit.oh; i++) {
        if (bw <= PLACE_COLS)
            place_row_by_columns(img, box, &fit, top[i], bottom[i], i, first, last, acc);
        else
            place_row_by_rows(img, box, &fit, top[i], bottom[i], i, first, last, acc);
        uint8_t *out = strip + (fit.oy + i) * NN_STRIP_W + fit.ox;
        for (size_t j = 0; j < fit.ow; j++) {
            double v = (double)acc[j] * inv_total + 0.5;
            out[j] = (uint8_t)(v > 255.0 ? 255.0 : v);
        }
    }
    if (map != NULL) {
        map->scale = (double)fit.ow / (double)bw;
        map->x0 = (double)box->x0 - (double)fit.ox / map->scale;
    }
}

/* --- a photo or scan to a strip ------------------------------------------------------ */

/* The whole factor that brings img under STRIP_WORK_PIXELS. */
static size_t work_factor(const nn_grey *img)
{
    size_t f = 1;
    while ((uint64_t)((img->width + f - 1) / f) * ((img->height + f - 1) / f) > STRIP_WORK_PIXELS)
        f++;
    return f;
}

/* Steps 1 to 4 of a digit on work (bright ink on dark after them, the
 * background 0): polarity, flattening, ruling, threshold, specks. */
static nn_status clean_page(nn_grey *work, nn_invert invert, const char *name, nn_error *err)
{
    if (invert == NN_INVERT_YES || (invert == NN_INVERT_AUTO && nn_pre_light_background(work)))
        nn_pre_invert(work);
    size_t lines, dropped;
    nn_status st = nn_pre_flatten(work, err);
    if (st == NN_OK)
        st = nn_ruling_remove(work, nn_pre_noise_level(work, STRIP_RULE_SIGMAS), &lines, err);
    if (st != NN_OK)
        return st;
    uint8_t t = nn_pre_threshold(work);
    if (!nn_pre_has_ink(work, t))
        return nn_fail(err, NN_E_FORMAT,
                       "%s: no ink: the image is blank, uniform or without contrast", name);
    nn_pre_remove_background(work, t);
    return nn_pre_drop_specks(work, &dropped, err);
}

nn_status nn_preprocess_strip(nn_grey *img, nn_invert invert, const char *name,
                              uint8_t *strip, nn_strip_map *map, nn_error *err)
{
    nn_grey reduced = {0}, *work = img;
    nn_box box;
    size_t f = work_factor(img);
    nn_status st = NN_OK;
    if (f > 1) {
        if ((st = nn_pre_reduce(img, f, &reduced, err)) != NN_OK)
            return st;
        work = &reduced;
    }
    if ((st = clean_page(work, invert, name, err)) != NN_OK ||
        (st = nn_pre_ink_box(work, &box, name, err)) != NN_OK)
        goto done;
    /* Checked before the strokes are grown: a ruled line or a smear, not a
     * number, and the growing would cost as much as it is long. */
    uint64_t bw = box.x1 - box.x0, bh = box.y1 - box.y0;
    if (bw * NN_STRIP_INK_H > (uint64_t)NN_STRIP_MAX_WIDTH * bh) {
        st = nn_fail(err, NN_E_TOO_LARGE,
                     "%s: the ink is %llux%llu pixels, over %u times as wide as high: not one "
                     "written number", name, (unsigned long long)bw, (unsigned long long)bh,
                     NN_STRIP_MAX_WIDTH / NN_STRIP_INK_H);
        goto done;
    }
    /* A number's strokes are as wide for its height as a digit's. */
    if ((st = nn_pre_normalise_strokes(work, &box, box.y1 - box.y0, err)) != NN_OK)
        goto done;
    nn_strip_map m;
    nn_strip_place(work, &box, strip, &m);
    uint8_t any = 0;
    for (size_t i = 0; i < NN_STRIP_H * NN_STRIP_W; i++)
        any |= strip[i];
    if (any == 0) {
        st = nn_fail(err, NN_E_FORMAT, "%s: no ink: only scattered dots, no strokes", name);
        goto done;
    }
    if (map != NULL) { /* back from the reduced image's columns to img's */
        map->scale = m.scale / (double)f;
        map->x0 = m.x0 * (double)f;
    }
done:
    nn_grey_free(&reduced);
    return st;
}
