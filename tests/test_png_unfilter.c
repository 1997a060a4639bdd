/* test_png_unfilter.c - nnclass's own PNG decoding path: the tuned undoing of
 * the row filters agrees byte for byte with the plain loop of the
 * specification (every filter, 1 to 4 bytes a pixel, every width up to past
 * a few vector widths, the first row), a row alone and two at a time, and
 * never writes past a row; the plain loop undoes the filters as the
 * specification defines them; files that libpng writes with each filter
 * forced, in every 8-bit colour type and at awkward widths (one pixel, not a
 * multiple of anything), decode to the grey of their pixels. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <png.h>

#include "../src/io/png_unfilter_internal.h"
#include "nnclass/base/rng.h"
#include "test_support.h"
#include "nnclass/io/image.h"
#include "nnclass/io/imagestream.h"

enum { MAX_W = 41, GUARD = 8 };

static void fill(nn_rng *rng, uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)nn_rng_next(rng);
}

/* Random filtered rows over random rows above (and over the zero row above
 * the first): the tuned form gives the plain loop's bytes and leaves the
 * bytes after the row alone. */
static void test_tuned_agrees(void **state)
{
    (void)state;
    nn_rng rng;
    nn_rng_seed(&rng, 7);
    uint8_t prev[4 * MAX_W], zero[4 * MAX_W] = {0};
    uint8_t tuned[4 * MAX_W + GUARD], plain[4 * MAX_W + GUARD];
    for (unsigned f = 0; f <= 4; f++)
        for (size_t bpp = 1; bpp <= 4; bpp++)
            for (size_t w = 1; w <= MAX_W; w++)
                for (int rep = 0; rep < 8; rep++) {
                    size_t n = w * bpp;
                    fill(&rng, prev, n);
                    fill(&rng, plain, n + GUARD);
                    memcpy(tuned, plain, n + GUARD);
                    const uint8_t *above = rep == 0 ? zero : prev;
                    assert_int_equal(nn_png_unfilter_row(f, tuned, above, n, bpp), 1);
                    assert_int_equal(nn_png_unfilter_row_plain(f, plain, above, n, bpp), 1);
                    assert_memory_equal(tuned, plain, n + GUARD);
                }
    /* An extreme row: every Paeth tie and wrap-around of 0 and 255. */
    for (size_t bpp = 1; bpp <= 4; bpp++)
        for (unsigned f = 3; f <= 4; f++) {
            size_t n = MAX_W / bpp * bpp;
            for (size_t i = 0; i < n; i++) {
                prev[i] = (uint8_t)(i % 3 == 0 ? 255 : 0);
                plain[i] = (uint8_t)(i % 5 < 2 ? 255 : i % 7);
            }
            memcpy(tuned, plain, n);
            nn_png_unfilter_row(f, tuned, prev, n, bpp);
            nn_png_unfilter_row_plain(f, plain, prev, n, bpp);
            assert_memory_equal(tuned, plain, n);
        }
    assert_int_equal(nn_png_unfilter_row(5, tuned, prev, 4, 4), 0);
    assert_int_equal(nn_png_unfilter_row_plain(5, plain, prev, 4, 4), 0);
}

/* Two rows at a time, as the decoder calls it: every pair of filters, the
 * same bytes as the plain loop row after row, nothing written past them. */
static void test_rows_agree(void **state)
{
    (void)state;
    nn_rng rng;
    nn_rng_seed(&rng, 10);
    enum { ROW = 4 * MAX_W + 1 };
    uint8_t prev[4 * MAX_W], tuned[2 * ROW + GUARD], plain[2 * ROW + GUARD];
    for (size_t bpp = 1; bpp <= 4; bpp++)
        for (size_t w = 1; w <= MAX_W; w++)
            for (unsigned f = 0; f < 25; f++) {
                size_t n = w * bpp;
                fill(&rng, prev, n);
                fill(&rng, plain, 2 * (n + 1) + GUARD);
                plain[0] = (uint8_t)(f / 5);
                plain[n + 1] = (uint8_t)(f % 5);
                memcpy(tuned, plain, 2 * (n + 1) + GUARD);
                size_t done = nn_png_unfilter_rows(tuned, prev, n, bpp, 2);
                assert_in_range(done, 1, 2);
                if (done == 1)
                    assert_int_equal(nn_png_unfilter_rows(tuned + n + 1, tuned + 1, n, bpp, 1), 1);
                nn_png_unfilter_row_plain(plain[0], plain + 1, prev, n, bpp);
                nn_png_unfilter_row_plain(plain[n + 1], plain + n + 2, plain + 1, n, bpp);
                assert_memory_equal(tuned, plain, 2 * (n + 1) + GUARD);
            }
    uint8_t bad[2 * 5] = {4, 1, 2, 3, 4, 7, 1, 2, 3, 4};
    assert_int_equal(nn_png_unfilter_rows(bad, prev, 4, 4, 1), 1);
    assert_int_equal(nn_png_unfilter_rows(bad + 5, prev, 4, 4, 1), 0);
    assert_int_equal(nn_png_unfilter_rows(bad, prev, 4, 4, 0), 0);
}

/* The plain loop undoes each filter of the specification exactly. */
static void test_plain_inverts(void **state)
{
    (void)state;
    nn_rng rng;
    nn_rng_seed(&rng, 8);
    uint8_t prev[4 * MAX_W], pix[4 * MAX_W], row[4 * MAX_W];
    for (unsigned f = 0; f <= 4; f++)
        for (size_t bpp = 1; bpp <= 4; bpp++)
            for (size_t w = 1; w <= MAX_W; w += 4) {
                size_t n = w * bpp;
                fill(&rng, prev, n);
                fill(&rng, pix, n);
                ts_png_filter_row(f, pix, prev, n, bpp, row);
                assert_int_equal(nn_png_unfilter_row_plain(f, row, prev, n, bpp), 1);
                assert_memory_equal(row, pix, n);
            }
}

/* --- whole files written by libpng with a forced filter -------------------------- */

typedef struct {
    uint8_t *data;
    size_t len, cap;
} membuf;

static void on_write(png_structp png, png_bytep data, size_t n)
{
    membuf *m = png_get_io_ptr(png);
    if (m->len + n > m->cap) {
        m->cap = 2 * (m->len + n);
        m->data = realloc(m->data, m->cap);
        assert_non_null(m->data);
    }
    memcpy(m->data + m->len, data, n);
    m->len += n;
}

static void on_flush(png_structp png)
{
    (void)png;
}

/* An 8-bit PNG of w x h pixels of `channels` (1 grey, 2 grey + alpha, 3 RGB,
 * 4 RGBA), every row filtered with `filters` (a PNG_FILTER_* set). */
static membuf png_with_filter(const uint8_t *pix, uint32_t w, uint32_t h, int channels,
                              int filters)
{
    static const int type[5] = {0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA,
                                PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGB_ALPHA};
    membuf m = {0};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    assert_non_null(info);
    if (setjmp(png_jmpbuf(png)))
        fail_msg("libpng could not write the test file");
    png_set_write_fn(png, &m, on_write, on_flush);
    png_set_IHDR(png, info, w, h, 8, type[channels], PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_filter(png, PNG_FILTER_TYPE_BASE, filters);
    png_write_info(png, info);
    for (uint32_t y = 0; y < h; y++)
        png_write_row(png, pix + (size_t)y * w * channels);
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    return m;
}

/* Every colour type, filter and width: the grey of each pixel over white. */
static void test_files_every_filter(void **state)
{
    (void)state;
    static const int filters[6] = {PNG_FILTER_NONE, PNG_FILTER_SUB, PNG_FILTER_UP,
                                   PNG_FILTER_AVG, PNG_FILTER_PAETH, PNG_ALL_FILTERS};
    static const uint32_t widths[7] = {1, 2, 3, 7, 8, 9, 33};
    enum { H = 6 };
    nn_rng rng;
    nn_rng_seed(&rng, 9);
    uint8_t pix[H * 33 * 4];
    for (int ch = 1; ch <= 4; ch++)
        for (int f = 0; f < 6; f++)
            for (int k = 0; k < 7; k++) {
                uint32_t w = widths[k];
                size_t n = (size_t)w * H * ch;
                fill(&rng, pix, n);
                for (size_t i = 0; i < n / 2; i++) /* smooth half: real predictions */
                    pix[i] = (uint8_t)(200 + i % 7 + (i / (w * ch)) % 3);
                membuf m = png_with_filter(pix, w, H, ch, filters[f]);
                nn_grey g;
                nn_error err = {{0}};
                assert_int_equal(nn_image_decode(m.data, m.len, 0, "f.png", &g, &err), NN_OK);
                assert_int_equal(g.width, w);
                assert_int_equal(g.height, H);
                for (size_t p = 0; p < (size_t)w * H; p++) {
                    const uint8_t *s = pix + p * ch;
                    unsigned v = ch >= 3 ? nn_grey_of_rgb(s[0], s[1], s[2]) : s[0];
                    if (ch % 2 == 0)
                        v = (v * s[ch - 1] + 255u * (255u - s[ch - 1]) + 127u) / 255u;
                    assert_int_equal(g.pixels[p], v);
                }
                nn_grey_free(&g);
                free(m.data);
            }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tuned_agrees),
        cmocka_unit_test(test_rows_agree),
        cmocka_unit_test(test_plain_inverts),
        cmocka_unit_test(test_files_every_filter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
