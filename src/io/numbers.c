/* numbers.c - written numbers composed from single digits: each digit
 * cropped to its ink and drawn at a common height (with jitter, one slant for
 * the whole number) on a canvas, ink combined with max; then stroke width,
 * blur and contrast; then the strip geometry of a real image (strip.h).
 *
 * The pixels are computed in integers (16.16 fixed point for the sampling)
 * from parameters drawn in one fixed order and worked out with + - * / and
 * floor alone, which every IEEE machine rounds alike (the build forbids
 * contracting them into fused multiply-adds), so that a seed gives the same
 * bytes on every machine. */
#include "nnclass/io/numbers.h"
#include "nnclass/io/strip.h"

#include <math.h>
#include <string.h>

#include "nnclass/base/rng.h"

#define DIGIT_SIDE 28

/* The canvas the digits are drawn on: room for NN_NUMBER_MAX_DIGITS of the
 * widest digits a scale can make, their gaps and the slant. */
#define CANVAS_H 40
#define CANVAS_W 448
#define CANVAS_MID 20 /* the row the digits are centred on */

/* Digits are drawn NN_STRIP_INK_H tall, varied by up to HEIGHT_JITTER of
 * that, moved up or down by up to SHIFT_JITTER pixels. */
#define HEIGHT_JITTER 0.04
#define SHIFT_JITTER 2.0
/* A digit flatter than it is wide is not scaled up by more than this. */
#define MAX_SCALE 2.5
/* Slant: x moves by up to SHEAR * (rows above the middle), either way. */
#define SHEAR 0.25
/* Gaps: a spacing per number in [GAP_MIN, GAP_MAX] pixels, each gap moved
 * by up to GAP_JITTER; an overlap never takes more than MAX_OVERLAP pixels
 * nor a quarter of the narrower digit. */
#define GAP_MIN (-2.0)
#define MAX_OVERLAP 3.0
#define GAP_MAX 6.0
#define GAP_JITTER 1.5
/* A drawn digit without ink is drawn again, up to this many times. */
#define DRAW_TRIES 8

typedef struct {
    const uint8_t *pixels; /* 28x28 */
    size_t x0, y0, w, h;   /* its ink */
    double scale;          /* canvas pixels per digit pixel */
    double left, top;      /* where its ink box goes on the canvas (before the slant) */
} placed_digit;

void nn_numbers_options_default(nn_numbers_options *opt)
{
    opt->min_digits = 1;
    opt->max_digits = NN_NUMBER_MAX_DIGITS;
    opt->plain = 0;
}

int nn_numbers_held_out(size_t index)
{
    return index % NN_NUMBERS_VAL_EVERY == NN_NUMBERS_VAL_EVERY - 1;
}

size_t nn_numbers_split(size_t count, int val, uint32_t *pick)
{
    size_t n = 0;
    for (size_t i = 0; i < count; i++)
        if (!nn_numbers_held_out(i) == !val)
            pick[n++] = (uint32_t)i;
    return n;
}

uint64_t nn_number_seed(uint64_t seed, uint64_t index)
{
    /* The set's seed is hashed first, so that the indices of two sets run
     * far apart rather than overlapping (seed 1's number 1 is not seed
     * 2's number 0). */
    nn_rng rng;
    nn_rng_seed(&rng, seed);
    nn_rng_seed(&rng, nn_rng_next(&rng) + index);
    return nn_rng_next(&rng);
}

/* A uniform draw in [lo, hi]. */
static double draw(nn_rng *rng, double lo, double hi)
{
    return lo + (hi - lo) * (double)nn_rng_uniform(rng);
}

/* The ink box of a 28x28 digit; 0 when it has none. */
static int ink_box(const uint8_t *px, placed_digit *d)
{
    size_t x0 = DIGIT_SIDE, y0 = DIGIT_SIDE, x1 = 0, y1 = 0;
    for (size_t y = 0; y < DIGIT_SIDE; y++) {
        const uint8_t *row = px + y * DIGIT_SIDE;
        size_t a = 0, b = DIGIT_SIDE;
        while (a < b && row[a] == 0)
            a++;
        while (b > a && row[b - 1] == 0)
            b--;
        if (a == b)
            continue;
        x0 = a < x0 ? a : x0;
        x1 = b > x1 ? b : x1;
        y0 = y < y0 ? y : y0;
        y1 = y + 1;
    }
    if (x1 == 0)
        return 0;
    d->x0 = x0;
    d->y0 = y0;
    d->w = x1 - x0;
    d->h = y1 - y0;
    return 1;
}

/* Draws one digit of the pool into d and its label into *label; 0 for a
 * pick outside the pool or a label over 9. A digit without ink is drawn
 * again; the last one drawn is kept. */
static int pick_digit(const nn_digit_pool *pool, nn_rng *rng, placed_digit *d, uint8_t *label)
{
    size_t n = pool->pick != NULL ? pool->n_pick : pool->count;
    for (int t = 0; t < DRAW_TRIES; t++) {
        size_t k = nn_rng_below(rng, n), idx = pool->pick != NULL ? pool->pick[k] : k;
        if (idx >= pool->count || pool->labels[idx] > 9)
            return 0;
        d->pixels = pool->pixels + idx * DIGIT_SIDE * DIGIT_SIDE;
        *label = pool->labels[idx];
        if (ink_box(d->pixels, d))
            return 1;
    }
    d->x0 = d->y0 = DIGIT_SIDE / 2; /* no ink: an empty pixel */
    d->w = d->h = 1;
    return 1;
}

/* A digit with PAD zero pixels all round, so that sampling needs no checks
 * (indices are clamped into it all the same). */
#define PAD 4
#define PADDED (DIGIT_SIDE + 2 * PAD)

static void pad_digit(const uint8_t *px, uint8_t *padded)
{
    memset(padded, 0, PADDED * PADDED);
    for (size_t y = 0; y < DIGIT_SIDE; y++)
        memcpy(padded + (y + PAD) * PADDED + PAD, px + y * DIGIT_SIDE, DIGIT_SIDE);
}

/* v clamped to [lo, hi]. */
static long clamp(long v, long lo, long hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* Draws d on the canvas (max with what is there) through its scale and the
 * number's shear, sampling bilinearly in 16.16 fixed point; widens *drawn
 * to hold every pixel it visits. */
static void render(const placed_digit *d, double shear, uint8_t *canvas, nn_box *drawn)
{
    const double inv = 1.0 / d->scale, ow = (double)d->w * d->scale;
    const double oh = (double)d->h * d->scale;
    const int64_t step = (int64_t)floor(inv * 65536.0 + 0.5);
    uint8_t padded[PADDED * PADDED];
    pad_digit(d->pixels, padded);
    long ya = (long)floor(d->top) - 1, yb = (long)ceil(d->top + oh) + 1;
    for (long y = ya < 0 ? 0 : ya; y <= yb && y < CANVAS_H; y++) {
        double yc = (double)y + 0.5, off = d->left + shear * ((double)CANVAS_MID - yc);
        double v = (yc - d->top) * inv - 0.5 + (double)d->y0;
        /* 4 is added before the shift so that it floors small negatives. */
        int64_t V = (int64_t)floor((v + 4.0) * 65536.0 + 0.5);
        long vy = clamp((long)(V >> 16) - 4 + PAD, 0, PADDED - 2);
        unsigned fy = (unsigned)((V >> 8) & 0xff);
        long xa = (long)floor(off) - 1, xb = (long)ceil(off + ow) + 1;
        xa = xa < 0 ? 0 : xa;
        xb = xb < CANVAS_W - 1 ? xb : CANVAS_W - 1;
        drawn->x0 = (size_t)xa < drawn->x0 ? (size_t)xa : drawn->x0;
        drawn->x1 = (size_t)xb + 1 > drawn->x1 ? (size_t)xb + 1 : drawn->x1;
        drawn->y0 = (size_t)y < drawn->y0 ? (size_t)y : drawn->y0;
        drawn->y1 = (size_t)y + 1 > drawn->y1 ? (size_t)y + 1 : drawn->y1;
        double u = ((double)xa + 0.5 - off) * inv - 0.5 + (double)d->x0;
        int64_t U = (int64_t)floor((u + 4.0) * 65536.0 + 0.5);
        for (long x = xa; x <= xb; x++, U += step) {
            long ux = clamp((long)(U >> 16) - 4 + PAD, 0, PADDED - 2);
            unsigned fx = (unsigned)((U >> 8) & 0xff);
            const uint8_t *p = padded + vy * PADDED + ux;
            unsigned top = p[0] * (256 - fx) + p[1] * fx;
            unsigned bot = p[PADDED] * (256 - fx) + p[PADDED + 1] * fx;
            unsigned val = (top * (256 - fy) + bot * fy + 32768) >> 16;
            uint8_t *c = canvas + y * CANVAS_W + x;
            *c = val > *c ? (uint8_t)val : *c;
        }
    }
}

/* Scales the digits to a common height (each varied) and lays them out
 * left to right with the number's gaps, shifted up or down; returns the
 * canvas column where the last digit ends. */
static double lay_out(placed_digit *d, size_t n, int plain, double margin, nn_rng *rng)
{
    double spacing = plain ? NN_NUMBER_PLAIN_GAP : draw(rng, GAP_MIN, GAP_MAX), x = margin;
    for (size_t i = 0; i < n; i++) {
        double height = NN_STRIP_INK_H * (plain ? 1.0 : draw(rng, 1 - HEIGHT_JITTER, 1 + HEIGHT_JITTER));
        double shift = plain ? 0.0 : draw(rng, -SHIFT_JITTER, SHIFT_JITTER);
        d[i].scale = height / (double)d[i].h;
        d[i].scale = d[i].scale > MAX_SCALE ? MAX_SCALE : d[i].scale;
        /* The widest digit the canvas holds for every digit of a number. */
        double wmax = (CANVAS_W - 2 * margin - 8 * (NN_NUMBER_MAX_DIGITS - 1)) /
                      (double)NN_NUMBER_MAX_DIGITS;
        if ((double)d[i].w * d[i].scale > wmax)
            d[i].scale = wmax / (double)d[i].w;
        if (i > 0) {
            double gap = plain ? spacing : spacing + draw(rng, -GAP_JITTER, GAP_JITTER);
            double narrower = (double)(d[i].w < d[i - 1].w ? d[i].w : d[i - 1].w);
            double least = -0.25 * narrower * d[i].scale;
            least = least < -MAX_OVERLAP ? -MAX_OVERLAP : least;
            x += gap < least ? least : gap;
        }
        d[i].left = x;
        d[i].top = CANVAS_MID - (double)d[i].h * d[i].scale / 2 + shift;
        x += (double)d[i].w * d[i].scale;
    }
    return x;
}

/* Pen and page steps read a pixel's neighbours without checks: they work
 * on the box of the ink widened by a pixel, which the canvas's margins
 * keep this far inside it. */
#define EDGE 2

/* Copies the rows of b and one above and below into tmp (same layout). */
static void copy_rows(const uint8_t *canvas, const nn_box *b, uint8_t *tmp)
{
    size_t at = (b->y0 - 1) * CANVAS_W;
    memcpy(tmp + at, canvas + at, (b->y1 - b->y0 + 2) * CANVAS_W);
}

/* One step of grey dilation (grow != 0) or erosion by the 3x3 cross over
 * the box of the canvas, blended in at amount / 256. */
static void stroke_step(uint8_t *canvas, const nn_box *b, int grow, unsigned amount, uint8_t *tmp)
{
    copy_rows(canvas, b, tmp);
    for (size_t y = b->y0; y < b->y1; y++) {
        const uint8_t *p = tmp + y * CANVAS_W;
        uint8_t *out = canvas + y * CANVAS_W;
        for (size_t x = b->x0; x < b->x1; x++) {
            unsigned c = p[x], l = p[x - 1], r = p[x + 1], u = p[x - CANVAS_W], d = p[x + CANVAS_W];
            unsigned m1 = grow ? (l > r ? l : r) : (l < r ? l : r);
            unsigned m2 = grow ? (u > d ? u : d) : (u < d ? u : d);
            unsigned m = grow ? (m1 > m2 ? m1 : m2) : (m1 < m2 ? m1 : m2);
            m = grow ? (m > c ? m : c) : (m < c ? m : c);
            out[x] = (uint8_t)((c * (256 - amount) + m * amount + 128) >> 8);
        }
    }
}

/* A slight [1 2 1] blur, blended in at amount / 256, over the box. */
static void blur(uint8_t *canvas, const nn_box *b, unsigned amount, uint8_t *tmp)
{
    copy_rows(canvas, b, tmp);
    for (size_t y = b->y0; y < b->y1; y++) {
        const uint8_t *p = tmp + y * CANVAS_W;
        uint8_t *out = canvas + y * CANVAS_W;
        for (size_t x = b->x0; x < b->x1; x++) {
            const uint8_t *u = p + x - CANVAS_W, *c = p + x, *d = p + x + CANVAS_W;
            unsigned s = 4u * c[0] + 2u * (c[-1] + c[1] + u[0] + d[0]) + u[-1] + u[1] + d[-1] + d[1];
            out[x] = (uint8_t)((c[0] * (256 - amount) * 16 + s * amount + 2048) >> 12);
        }
    }
}

/* The box grown by one pixel all round, kept EDGE pixels inside the
 * canvas (ink never reaches its margins). */
static void widen(nn_box *b)
{
    b->x0 = b->x0 > EDGE ? b->x0 - 1 : EDGE;
    b->y0 = b->y0 > EDGE ? b->y0 - 1 : EDGE;
    b->x1 = b->x1 + 1 < CANVAS_W - EDGE ? b->x1 + 1 : CANVAS_W - EDGE;
    b->y1 = b->y1 + 1 < CANVAS_H - EDGE ? b->y1 + 1 : CANVAS_H - EDGE;
    b->x1 = b->x1 > b->x0 ? b->x1 : b->x0;
    b->y1 = b->y1 > b->y0 ? b->y1 : b->y0;
}

/* Pen and page: the strokes thickened or thinned (a fraction of a pixel
 * either way), a third of the numbers slightly blurred, then the greys
 * stretched as the image pipeline stretches a page's (the faintest cut,
 * solid ink to 255). */
static void pen_and_page(uint8_t *canvas, nn_box *b, nn_rng *rng, uint8_t *tmp)
{
    int stroke = (int)nn_rng_below(rng, 385) - 128; /* -128 .. 256: thinner .. thicker */
    unsigned soft = (unsigned)nn_rng_below(rng, 3) == 0 ? 64 + (unsigned)nn_rng_below(rng, 129) : 0;
    unsigned lo = (unsigned)nn_rng_below(rng, 41), hi = 200 + (unsigned)nn_rng_below(rng, 56);
    widen(b);
    if (stroke != 0)
        stroke_step(canvas, b, stroke > 0, (unsigned)(stroke > 0 ? stroke : -stroke), tmp);
    if (soft > 0) {
        widen(b);
        blur(canvas, b, soft, tmp);
    }
    uint8_t map[256];
    for (unsigned g = 0; g < 256; g++)
        map[g] = g <= lo ? 0 : g >= hi ? 255 : (uint8_t)(((g - lo) * 255 + (hi - lo) / 2) / (hi - lo));
    for (size_t y = b->y0; y < b->y1; y++)
        for (size_t x = b->x0; x < b->x1; x++)
            canvas[y * CANVAS_W + x] = map[canvas[y * CANVAS_W + x]];
}

size_t nn_number_compose(const nn_digit_pool *pool, const nn_numbers_options *opt,
                         uint64_t seed, uint8_t *strip, uint8_t digits[NN_NUMBER_MAX_DIGITS])
{
    memset(strip, 0, NN_STRIP_H * NN_STRIP_W);
    nn_numbers_options defaults;
    if (opt == NULL) {
        nn_numbers_options_default(&defaults);
        opt = &defaults;
    }
    size_t avail = pool == NULL ? 0 : pool->pick != NULL ? pool->n_pick : pool->count;
    if (avail == 0 || pool->pixels == NULL || pool->labels == NULL || opt->min_digits < 1 ||
        opt->min_digits > opt->max_digits || opt->max_digits > NN_NUMBER_MAX_DIGITS)
        return 0;
    nn_rng rng;
    nn_rng_seed(&rng, seed);
    size_t n = opt->min_digits + nn_rng_below(&rng, opt->max_digits - opt->min_digits + 1);
    placed_digit d[NN_NUMBER_MAX_DIGITS];
    for (size_t i = 0; i < n; i++)
        if (!pick_digit(pool, &rng, &d[i], &digits[i]))
            return 0;
    double shear = opt->plain ? 0.0 : draw(&rng, -SHEAR, SHEAR);
    /* The slant moves the top and bottom rows by up to SHEAR * CANVAS_MID. */
    lay_out(d, n, opt->plain, 2.0 + SHEAR * CANVAS_MID, &rng);
    uint8_t canvas[CANVAS_H * CANVAS_W], tmp[CANVAS_H * CANVAS_W];
    memset(canvas, 0, sizeof canvas);
    nn_box box = {CANVAS_W, CANVAS_H, 0, 0};
    for (size_t i = 0; i < n; i++)
        render(&d[i], shear, canvas, &box);
    if (box.x1 == 0) /* nothing drawn: a number of empty pixels */
        box = (nn_box){0, 0, 1, 1};
    nn_grey view = {CANVAS_W, CANVAS_H, canvas};
    nn_strip_ink_box(&view, 1, &box); /* any ink */
    if (!opt->plain) {
        pen_and_page(canvas, &box, &rng, tmp);
        nn_strip_ink_box(&view, 1, &box);
    }
    nn_strip_place(&view, &box, strip, NULL);
    return n;
}

/* --- a page of a strip ------------------------------------------------------------- */

nn_status nn_number_page(const uint8_t *strip, size_t scale, uint64_t seed, nn_grey *page,
                         nn_error *err)
{
    if (scale < 1 || scale > 16)
        return nn_fail(err, NN_E_ARG, "page scale %zu is not in 1..16", scale);
    size_t margin = 8 * scale, w = NN_STRIP_W * scale + 2 * margin;
    size_t h = NN_STRIP_H * scale + 2 * margin;
    nn_status st = nn_grey_alloc(w, h, 0, "page", page, err);
    if (st != NN_OK)
        return st;
    nn_rng rng;
    nn_rng_seed(&rng, seed);
    /* Paper at 235 give or take 6, ink down to 25 at full strength. */
    for (size_t y = 0; y < h; y++)
        for (size_t x = 0; x < w; x++) {
            /* The strip at this pixel's centre, bilinear, in 1/256 pixels. */
            long sy = ((long)(2 * y + 1) * 128 - (long)(2 * margin + scale) * 128) / (long)scale;
            long sx = ((long)(2 * x + 1) * 128 - (long)(2 * margin + scale) * 128) / (long)scale;
            long y0 = sy >= 0 ? sy / 256 : -1 - (-sy - 1) / 256;
            long x0 = sx >= 0 ? sx / 256 : -1 - (-sx - 1) / 256;
            unsigned fy = (unsigned)(sy - y0 * 256), fx = (unsigned)(sx - x0 * 256), ink = 0;
            for (int j = 0; j < 2; j++)
                for (int i = 0; i < 2; i++) {
                    long yy = y0 + j, xx = x0 + i;
                    if (yy >= 0 && yy < NN_STRIP_H && xx >= 0 && xx < NN_STRIP_W)
                        ink += strip[yy * NN_STRIP_W + xx] * (j ? fy : 256 - fy) *
                               (i ? fx : 256 - fx);
                }
            int paper = 229 + (int)nn_rng_below(&rng, 13);
            int v = paper - (int)(((uint64_t)ink * (uint64_t)(paper - 25) + (255u << 15)) / (255u << 16));
            page->pixels[y * w + x] = (uint8_t)(v < 0 ? 0 : v);
        }
    return NN_OK;
}
