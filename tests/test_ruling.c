/* test_ruling.c - the lines of ruled and squared paper go, the strokes of a
 * digit crossing them stay, and a digit on ruled paper comes out of the
 * pipeline as it does on plain paper. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nnclass/io/preprocess.h"
#include "nnclass/io/ruling.h"

/* A page w x h of paper 230 with a "4"-like digit in pencil (grey 120: a
 * stem, a bar, a slant); with `ruled`, light lines (grey 185) every 45
 * pixels tilted by `slope`, and a vertical margin line. */
static nn_grey page(size_t w, size_t h, int ruled, double slope)
{
    nn_grey g;
    nn_error err;
    assert_int_equal(nn_grey_alloc(w, h, 0, "t", &g, &err), NN_OK);
    for (size_t y = 0; y < h; y++)
        for (size_t x = 0; x < w; x++) {
            double v = 230.0;
            double across = fmod((double)y - slope * (double)x + 450.0, 45.0);
            if (ruled && (across < 2.0 || fabs((double)x - 0.1 * (double)w) < 1.0))
                v = 185.0;
            double dx = (double)x - 0.55 * (double)w, dy = (double)y - 0.3 * (double)h;
            int stem = fabs(dx) < 4.0 && dy >= 0 && dy < 0.5 * (double)h;
            int bar = fabs(dy - 0.3 * (double)h) < 4.0 && dx > -0.25 * (double)w && dx < 6;
            int slant = dy >= 0 && dy < 0.3 * (double)h &&
                        fabs(dx + 0.25 * (double)w * (1 - dy / (0.3 * (double)h))) < 4.0;
            if (stem || bar || slant)
                v = 120.0; /* a pencil: the lines are not much fainter */
            g.pixels[y * w + x] = (uint8_t)v;
        }
    return g;
}

static void test_remove(void **state)
{
    (void)state;
    /* Bright lines on black (as after flattening): two horizontal lines
     * across the page, a vertical one, and a stroke crossing the first. */
    nn_grey g;
    nn_error err;
    assert_int_equal(nn_grey_alloc(200, 150, 0, "t", &g, &err), NN_OK);
    memset(g.pixels, 0, 200 * 150);
    for (size_t x = 0; x < 200; x++) {
        g.pixels[40 * 200 + x] = g.pixels[41 * 200 + x] = 120;
        g.pixels[(90 + x / 25) * 200 + x] = 120; /* tilted: 8 pixels over the page */
    }
    for (size_t y = 0; y < 150; y++)
        g.pixels[y * 200 + 20] = 120;
    for (size_t y = 25; y < 60; y++) /* a stroke crossing the first line */
        for (size_t x = 100; x < 104; x++)
            g.pixels[y * 200 + x] = 250;
    size_t lines;
    assert_int_equal(nn_ruling_remove(&g, 10, &lines, &err), NN_OK);
    assert_int_equal(lines, 3);
    assert_int_equal(g.pixels[40 * 200 + 50], 0);
    assert_int_equal(g.pixels[41 * 200 + 150], 0);
    assert_int_equal(g.pixels[(90 + 150 / 25) * 200 + 150], 0);
    assert_int_equal(g.pixels[70 * 200 + 20], 0);
    assert_int_equal(g.pixels[40 * 200 + 101], 250); /* the crossing stays */
    assert_int_equal(g.pixels[30 * 200 + 101], 250);
    nn_grey_free(&g);

    /* A digit's strokes alone are not lines, even a long bar. */
    assert_int_equal(nn_grey_alloc(100, 100, 0, "t", &g, &err), NN_OK);
    memset(g.pixels, 0, 100 * 100);
    for (size_t x = 15; x < 85; x++)
        g.pixels[20 * 100 + x] = g.pixels[21 * 100 + x] = 200;
    assert_int_equal(nn_ruling_remove(&g, 10, &lines, &err), NN_OK);
    assert_int_equal(lines, 0);
    assert_int_equal(g.pixels[20 * 100 + 50], 200);
    nn_grey_free(&g);
}

/* The cosine similarity of two 28x28 images. */
static double cosine(const uint8_t *a, const uint8_t *b)
{
    double ab = 0, aa = 0, bb = 0;
    for (size_t i = 0; i < 28 * 28; i++) {
        ab += (double)a[i] * b[i];
        aa += (double)a[i] * a[i];
        bb += (double)b[i] * b[i];
    }
    return ab / sqrt(aa * bb);
}

static void test_pipeline(void **state)
{
    (void)state;
    static const double slopes[] = {0.0, 0.05, -0.12};
    for (size_t s = 0; s < 3; s++) {
        nn_grey plain = page(300, 240, 0, slopes[s]), ruled = page(300, 240, 1, slopes[s]);
        uint8_t a[28 * 28], b[28 * 28];
        nn_error err = {{0}};
        assert_int_equal(nn_preprocess_mnist(&plain, NN_INVERT_AUTO, a, "plain", &err), NN_OK);
        assert_int_equal(nn_preprocess_mnist(&ruled, NN_INVERT_AUTO, b, "ruled", &err), NN_OK);
        double c = cosine(a, b);
        if (c < 0.75)
            fail_msg("slope %.2f: ruled and plain differ (cosine %.3f)", slopes[s], c);
        nn_grey_free(&plain);
        nn_grey_free(&ruled);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_remove),
        cmocka_unit_test(test_pipeline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
