/* test_strokes.c - measuring stroke width, growing and thinning strokes, and
 * the pipeline's result on pens far thinner or thicker than MNIST's: strokes
 * come out solid and MNIST-wide. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nnclass/io/preprocess.h"
#include "nnclass/io/strokes.h"
#include "test_support.h"

/* A "7" (a bar and a slanted stem) of strokes pen pixels wide, ink on paper
 * with a light gradient, on a w x h page; the digit is `tall` pixels tall. */
static nn_grey seven(size_t w, size_t h, size_t tall, double pen)
{
    nn_grey g = ts_grey_filled(w, h, 0);
    double x0 = (double)w / 2 - 0.3 * (double)tall, y0 = (double)(h - tall) / 2;
    for (size_t y = 0; y < h; y++)
        for (size_t x = 0; x < w; x++) {
            double px = (double)x, py = (double)y - y0;
            /* bar: y0 .. y0 + pen, x0 .. x0 + 0.6 tall */
            int bar = py >= 0 && py < pen && px >= x0 && px < x0 + 0.6 * (double)tall;
            /* stem: from the bar's right end down to the left, pen wide */
            double sx = x0 + 0.6 * (double)tall - pen - py * 0.25;
            int stem = py >= 0 && py < (double)tall && px >= sx && px < sx + pen;
            double paper = 235.0 - 50.0 * (double)x / (double)w;
            g.pixels[y * w + x] = (uint8_t)(bar || stem ? 35.0 : paper);
        }
    return g;
}

static void test_width(void **state)
{
    (void)state;
    nn_grey g = ts_grey_filled(100, 100, 0);
    for (size_t y = 20; y < 26; y++) /* a horizontal bar 6 wide */
        memset(g.pixels + y * 100 + 10, 255, 80);
    nn_box box = {0, 0, 100, 100};
    double w = nn_strokes_width(&g, &box);
    assert_true(w > 5.0 && w < 8.0);
    memset(g.pixels, 0, 100 * 100);
    for (size_t y = 10; y < 90; y++) /* a diagonal band, 6 across */
        for (size_t x = y; x < y + 8 && x < 100; x++)
            g.pixels[y * 100 + x] = 255;
    w = nn_strokes_width(&g, &box);
    assert_true(w > 4.0 && w < 8.0);
    memset(g.pixels, 0, 100 * 100);
    assert_true(nn_strokes_width(&g, &box) == 0.0);
    nn_grey_free(&g);
}

static void test_grow_and_thin(void **state)
{
    (void)state;
    nn_grey g = ts_grey_filled(60, 60, 0);
    g.pixels[30 * 60 + 30] = 200;
    nn_box box = {30, 30, 31, 31};
    nn_error err;
    assert_int_equal(nn_strokes_grow(&g, &box, 3, &err), NN_OK);
    /* An octagon of radius 3: 7 across, its corners cut. */
    assert_int_equal(box.x0, 27);
    assert_int_equal(box.x1, 34);
    assert_int_equal(box.y0, 27);
    assert_int_equal(box.y1, 34);
    assert_int_equal(g.pixels[30 * 60 + 27], 200);
    assert_int_equal(g.pixels[27 * 60 + 27], 0);
    assert_int_equal(g.pixels[28 * 60 + 28], 200);
    assert_int_equal(nn_strokes_thin(&g, &box, 2, &err), NN_OK);
    assert_int_equal(box.x0, 29);
    assert_int_equal(box.x1, 32);
    assert_int_equal(g.pixels[30 * 60 + 30], 200);
    assert_int_equal(nn_strokes_thin(&g, &box, 2, &err), NN_E_FORMAT); /* nothing left */
    /* How much to grow: 4-pixel strokes on a 400-pixel digit are 0.2 wide at
     * 20 pixels; 2.0 wide needs r with 4 + 2r = 2.0 (400 + 2r) / 20. */
    size_t r = nn_strokes_growth(4.0, 400, 20, 2.0);
    assert_true(r >= 19 && r <= 20);
    assert_int_equal(nn_strokes_growth(40.0, 400, 20, 2.0), 0);
    nn_grey_free(&g);
}

/* The width of the stroke crossing the middle row of a 28x28 digit: its
 * pixels of 128 and more, and the brightest. */
static size_t middle_row(const uint8_t *out, uint8_t *max)
{
    size_t n = 0;
    *max = 0;
    for (size_t x = 0; x < 28; x++) {
        n += out[14 * 28 + x] >= 128;
        *max = out[14 * 28 + x] > *max ? out[14 * 28 + x] : *max;
    }
    return n;
}

static void test_pens(void **state)
{
    (void)state;
    /* A phone's photo of a fine pen: 1200x1600, a digit 1000 tall, strokes of
     * 12 pixels (0.24 once the digit is 20 tall); a ballpoint on a small
     * scan; a marker, its strokes near a quarter of the digit's height. */
    static const struct {
        size_t w, h, tall;
        double pen;
    } cases[] = {{1200, 1600, 1000, 12.0}, {400, 300, 200, 3.0}, {300, 300, 200, 45.0}};
    for (size_t c = 0; c < 3; c++) {
        nn_grey g = seven(cases[c].w, cases[c].h, cases[c].tall, cases[c].pen);
        uint8_t out[28 * 28], max;
        nn_error err = {{0}};
        assert_int_equal(nn_preprocess_mnist(&g, NN_INVERT_AUTO, out, "seven", &err), NN_OK);
        size_t across = middle_row(out, &max);
        if (max < 220 || across < 2 || across > 4)
            fail_msg("pen %.0f on %zux%zu: the stem is %zu pixels wide, brightest %u",
                     cases[c].pen, cases[c].w, cases[c].h, across, max);
        nn_grey_free(&g);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_width),
        cmocka_unit_test(test_grow_and_thin),
        cmocka_unit_test(test_pens),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
