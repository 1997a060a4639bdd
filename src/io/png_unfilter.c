/* png_unfilter.c - undoing PNG's row filters. Average and Paeth predict a
 * byte from the pixel before it in the same row, so a row is a chain from
 * left to right; the channels of one pixel are independent, though, and are
 * worked on side by side here, one pixel a step in 16-bit lanes of an SSE2
 * register (every x86-64 has SSE2). Other processors get the plain byte
 * loop, which the tests hold the tuned form to. */
#include "png_unfilter_internal.h"

#include <stdlib.h>
#include <string.h>

/* --- the reference: a byte at a time -------------------------------------------- */

/* Paeth's predictor of a (left), b (above) and c (above left). */
static inline int paeth(int a, int b, int c)
{
    int p = b - c, q = a - c; /* pa, pb, pc of the spec are |p|, |q|, |p + q| */
    int pa = abs(p), pb = abs(q), pc = abs(p + q);
    int pred = pb <= pc ? b : c;
    return pa <= pb && pa <= pc ? a : pred;
}

int nn_png_unfilter_row_plain(unsigned filter, uint8_t *row, const uint8_t *prev, size_t n,
                              size_t bpp)
{
    for (size_t i = 0; i < n && filter > 0 && filter <= 4; i++) {
        int a = i >= bpp ? row[i - bpp] : 0, b = prev[i], c = i >= bpp ? prev[i - bpp] : 0;
        int pred = filter == 1 ? a : filter == 2 ? b : filter == 3 ? (a + b) / 2 : paeth(a, b, c);
        row[i] = (uint8_t)(row[i] + pred);
    }
    return filter <= 4;
}

/* --- the tuned form --------------------------------------------------------------- */

#if defined(__SSE2__) /* every x86-64 */
#include <emmintrin.h>
#define PNG_VECTOR 1

/* The bpp bytes of a pixel at p, one to a 16-bit lane (the other lanes 0). */
static inline __m128i px_load(const uint8_t *p, size_t bpp)
{
    uint32_t v = 0;
    memcpy(&v, p, bpp);
    return _mm_unpacklo_epi8(_mm_cvtsi32_si128((int)v), _mm_setzero_si128());
}

/* Stores the bpp low lanes of v (each 0 to 255) as bytes at p. */
static inline void px_store(uint8_t *p, __m128i v, size_t bpp)
{
    uint32_t u = (uint32_t)_mm_cvtsi128_si32(_mm_packus_epi16(v, v));
    if (bpp == 3) { /* as two stores, not through the stack */
        uint16_t lo = (uint16_t)u;
        memcpy(p, &lo, 2);
        p[2] = (uint8_t)(u >> 16);
    } else {
        memcpy(p, &u, bpp);
    }
}

static inline __m128i px_abs(__m128i x)
{
    return _mm_max_epi16(x, _mm_sub_epi16(_mm_setzero_si128(), x));
}

/* Lanes of m all ones or all zeros: x where m is set, y elsewhere. */
static inline __m128i px_select(__m128i m, __m128i x, __m128i y)
{
    return _mm_or_si128(_mm_and_si128(m, x), _mm_andnot_si128(m, y));
}

/* One pixel of Paeth undone: x filtered, a left, b above, c above left
 * (all unfiltered, each under 256 in its 16-bit lane). */
static inline __m128i paeth_px(__m128i x, __m128i a, __m128i b, __m128i c)
{
    __m128i p = _mm_sub_epi16(b, c), pa = px_abs(p);
    __m128i k = _mm_sub_epi16(p, c), nk = _mm_sub_epi16(_mm_setzero_si128(), k);
    /* pb = |a - c|, pc = |a + b - 2c| = |a + k| */
    __m128i pb = _mm_max_epi16(_mm_sub_epi16(a, c), _mm_sub_epi16(c, a));
    __m128i pc = _mm_max_epi16(_mm_add_epi16(a, k), _mm_sub_epi16(nk, a));
    __m128i pred = px_select(_mm_cmpgt_epi16(pb, pc), c, b);
    __m128i not_a = _mm_cmpgt_epi16(pa, _mm_min_epi16(pb, pc));
    return _mm_add_epi8(x, px_select(not_a, pred, a));
}

/* Paeth undone over a row, a pixel a step (bpp a constant in each caller).
 * A row is a chain through a, the pixel just undone, so what needs a is kept
 * short: p, pa and -(b - 2c) are known before a is, |q| and |p + q| are the
 * larger of a value and its negative, all four formed from a at once, and
 * x + pred, both under 256 in each 16-bit lane, is a byte-wise add, whose
 * carry out of the low byte is dropped as the modulo 256 wants. For the
 * first pixel a = c = 0, where Paeth's predictor is b, as the specification
 * wants it. A 3-byte pixel is loaded as 4 bytes (but the last): lanes never
 * mix, the fourth is computed for nothing and not stored (a store of it
 * would stall the next load, which would overlap it). */
static inline void unpaeth(uint8_t *row, const uint8_t *prev, size_t n, size_t bpp)
{
    size_t wide = bpp == 3 ? 4 : bpp, i = 0;
    __m128i a = _mm_setzero_si128(), c = a;
    for (; i + wide <= n; i += bpp) {
        __m128i b = px_load(prev + i, wide);
        a = paeth_px(px_load(row + i, wide), a, b, c);
        px_store(row + i, a, bpp);
        c = b;
    }
    if (i < n) /* the last 3-byte pixel */
        px_store(row + i, paeth_px(px_load(row + i, bpp), a, px_load(prev + i, bpp), c), bpp);
}

/* Paeth undone over two rows at once: row (filtered) below prev, and next
 * (filtered) below row. next lags a pixel behind row, in the upper half of
 * the register, so that the pixel above it is one the lower half has just
 * undone; the two chains of left pixels then run side by side. Step i
 * undoes pixel i of row (none when i = n) and pixel i - 1 of next (none
 * when i = 0, where the upper half holds a = b = c = x = 0 and gives 0). */
static inline void pair_step(__m128i *a, __m128i *c, __m128i xlo, __m128i blo, __m128i xhi)
{
    __m128i b = _mm_unpacklo_epi64(blo, *a); /* above next's pixel: row's, just undone */
    *a = paeth_px(_mm_unpacklo_epi64(xlo, xhi), *a, b, *c);
    *c = b;
}

static inline void unpaeth_pair(uint8_t *row, uint8_t *next, const uint8_t *prev, size_t n,
                                size_t bpp)
{
    size_t wide = bpp == 3 ? 4 : bpp, i = bpp;
    __m128i a = _mm_setzero_si128(), c = a, none = a;
    pair_step(&a, &c, px_load(row, bpp), px_load(prev, bpp), none);
    px_store(row, a, bpp);
    for (; i + wide <= n; i += bpp) {
        pair_step(&a, &c, px_load(row + i, wide), px_load(prev + i, wide),
                  px_load(next + i - bpp, wide));
        px_store(row + i, a, bpp);
        px_store(next + i - bpp, _mm_srli_si128(a, 8), bpp);
    }
    if (i < n) { /* the last 3-byte pixel of row */
        pair_step(&a, &c, px_load(row + i, bpp), px_load(prev + i, bpp),
                  px_load(next + i - bpp, bpp));
        px_store(row + i, a, bpp);
        px_store(next + i - bpp, _mm_srli_si128(a, 8), bpp);
    }
    pair_step(&a, &c, none, none, px_load(next + n - bpp, bpp)); /* the last pixel of next */
    px_store(next + n - bpp, _mm_srli_si128(a, 8), bpp);
}

/* Average undone over a row: the mean of left and above, rounded down. */
static inline void unaverage(uint8_t *row, const uint8_t *prev, size_t n, size_t bpp)
{
    __m128i a = _mm_setzero_si128(), byte = _mm_set1_epi16(255);
    for (size_t i = 0; i < n; i += bpp) {
        __m128i b = px_load(prev + i, bpp), x = px_load(row + i, bpp);
        __m128i mean = _mm_srli_epi16(_mm_add_epi16(a, b), 1);
        a = _mm_and_si128(_mm_add_epi16(x, mean), byte);
        px_store(row + i, a, bpp);
    }
}
#endif

int nn_png_unfilter_row(unsigned filter, uint8_t *row, const uint8_t *prev, size_t n,
                        size_t bpp)
{
    switch (filter) {
    case 0: return 1;
    case 1:
        for (size_t i = bpp; i < n; i++)
            row[i] = (uint8_t)(row[i] + row[i - bpp]);
        return 1;
    case 2:
        for (size_t i = 0; i < n; i++)
            row[i] = (uint8_t)(row[i] + prev[i]);
        return 1;
#ifdef PNG_VECTOR
    case 3:
    case 4: /* bpp a constant in each call, so that the loads are unrolled */
        switch (bpp * 8 + filter) {
        case 8 + 3: unaverage(row, prev, n, 1); break;
        case 16 + 3: unaverage(row, prev, n, 2); break;
        case 24 + 3: unaverage(row, prev, n, 3); break;
        case 32 + 3: unaverage(row, prev, n, 4); break;
        case 8 + 4: unpaeth(row, prev, n, 1); break;
        case 16 + 4: unpaeth(row, prev, n, 2); break;
        case 24 + 4: unpaeth(row, prev, n, 3); break;
        default: unpaeth(row, prev, n, 4); break;
        }
        return 1;
#endif
    }
    return nn_png_unfilter_row_plain(filter, row, prev, n, bpp);
}

size_t nn_png_unfilter_rows(uint8_t *rows, const uint8_t *prev, size_t n, size_t bpp,
                            size_t count)
{
#ifdef PNG_VECTOR
    uint8_t *next = rows + n + 1;
    if (count >= 2 && rows[0] == 4 && next[0] == 4 && bpp >= 3) {
        if (bpp == 3)
            unpaeth_pair(rows + 1, next + 1, prev, n, 3);
        else
            unpaeth_pair(rows + 1, next + 1, prev, n, 4);
        return 2;
    }
#endif
    return count > 0 && nn_png_unfilter_row(rows[0], rows + 1, prev, n, bpp);
}
