/* test_preprocess.c - each preprocessing step on a hand-made image whose
 * answer is known, then the whole pipeline: a dark stroke on unevenly lit,
 * noisy paper comes out white on black, 20 pixels on its longer side, with
 * its centre of mass on pixel (14, 14); images without ink are errors; a
 * real MNIST digit comes back nearly as it was. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#include <cmocka.h>

#include "nnclass/io/preprocess.h"
#include "nnclass/base/rng.h"
#include "test_support.h"

static void test_polarity(void **state)
{
    (void)state;
    nn_grey g = ts_grey_filled(40, 30, 230);
    ts_grey_rect(&g, 10, 5, 14, 25, 20); /* dark ink on light paper */
    assert_true(nn_pre_light_background(&g));
    nn_pre_invert(&g);
    assert_int_equal(g.pixels[0], 25);
    assert_int_equal(g.pixels[5 * 40 + 10], 235);
    assert_false(nn_pre_light_background(&g));
    nn_grey_free(&g);
    /* A dim photo: paper 100, ink 30 - still light paper, by its range. */
    g = ts_grey_filled(40, 30, 100);
    ts_grey_rect(&g, 10, 5, 14, 25, 30);
    assert_true(nn_pre_light_background(&g));
    nn_grey_free(&g);
}

static void test_flatten(void **state)
{
    (void)state;
    /* Bright ink (200 above the paper) on a background ramping 0..120. */
    nn_grey g = ts_grey_filled(160, 120, 0);
    for (size_t y = 0; y < 120; y++)
        for (size_t x = 0; x < 160; x++)
            g.pixels[y * 160 + x] = (uint8_t)(x * 3 / 4);
    for (size_t y = 40; y < 80; y++)
        for (size_t x = 70; x < 76; x++)
            g.pixels[y * 160 + x] = (uint8_t)(x * 3 / 4 + 120);
    nn_error err;
    assert_int_equal(nn_pre_flatten(&g, &err), NN_OK);
    /* The ramp is gone (within the block interpolation's error)... */
    for (size_t x = 0; x < 160; x += 7)
        assert_in_range(g.pixels[10 * 160 + x], 0, 12);
    /* ...and the ink is still ink. */
    assert_in_range(g.pixels[60 * 160 + 72], 105, 135);
    nn_grey_free(&g);
}

static void test_threshold(void **state)
{
    (void)state;
    nn_grey g = ts_grey_filled(20, 10, 50);
    ts_grey_rect(&g, 0, 0, 5, 10, 200);
    uint8_t t = nn_pre_otsu(&g);
    assert_in_range(t, 50, 199);
    assert_int_equal(nn_pre_threshold(&g), t / 2 > 54 ? t / 2 : 54); /* noise floor 50 + 4 */
    /* The noise floor of a uniform image: median + 4 (sigma at least 1). */
    nn_grey u = ts_grey_filled(10, 10, 30);
    assert_int_equal(nn_pre_noise_floor(&u), 34);
    nn_grey_free(&u);

    /* Background to 0, ink kept above t and stretched to reach 255. */
    nn_grey r = ts_grey_filled(4, 1, 0);
    r.pixels[0] = 10;
    r.pixels[1] = 20;
    r.pixels[2] = 60;
    r.pixels[3] = 100;
    nn_pre_remove_background(&r, 20);
    assert_int_equal(r.pixels[0], 0);
    assert_int_equal(r.pixels[1], 0);
    assert_in_range(r.pixels[2], 1, 254);
    assert_int_equal(r.pixels[3], 255);
    nn_grey_free(&r);
    nn_grey_free(&g);
}

static void test_specks(void **state)
{
    (void)state;
    nn_grey g = ts_grey_filled(30, 30, 0);
    ts_grey_rect(&g, 5, 5, 15, 25, 255); /* the digit: 200 pixels */
    ts_grey_rect(&g, 25, 2, 27, 4, 255); /* a speck: 4 pixels */
    ts_grey_rect(&g, 17, 5, 20, 9, 255); /* a separate stroke of 12 pixels: >= 1/20 */
    g.pixels[0] = 90;            /* a speck of 1 */
    size_t dropped;
    nn_error err;
    assert_int_equal(nn_pre_drop_specks(&g, &dropped, &err), NN_OK);
    assert_int_equal(dropped, 5);
    assert_int_equal(g.pixels[0], 0);
    assert_int_equal(g.pixels[2 * 30 + 25], 0);
    assert_int_equal(g.pixels[5 * 30 + 17], 255);
    assert_int_equal(g.pixels[10 * 30 + 10], 255);
    nn_grey_free(&g);
}

static void test_ink_box(void **state)
{
    (void)state;
    nn_grey g = ts_grey_filled(30, 20, 0);
    nn_box box;
    nn_error err = {{0}};
    assert_int_equal(nn_pre_ink_box(&g, &box, "blank.png", &err), NN_E_FORMAT);
    assert_non_null(strstr(err.msg, "blank.png"));
    assert_non_null(strstr(err.msg, "no ink"));
    ts_grey_rect(&g, 3, 4, 9, 17, 1);
    g.pixels[19 * 30 + 29] = 7;
    assert_int_equal(nn_pre_ink_box(&g, &box, "x", &err), NN_OK);
    assert_int_equal(box.x0, 3);
    assert_int_equal(box.y0, 4);
    assert_int_equal(box.x1, 30);
    assert_int_equal(box.y1, 20);
    nn_grey_free(&g);
}

static void test_scale(void **state)
{
    (void)state;
    nn_error err;
    nn_grey out;
    /* A 40x20 box of 200: 20x10 of 200, aspect kept. */
    nn_grey g = ts_grey_filled(50, 30, 0);
    ts_grey_rect(&g, 5, 5, 45, 25, 200);
    nn_box box = {5, 5, 45, 25};
    assert_int_equal(nn_pre_scale_box(&g, &box, 20, &out, &err), NN_OK);
    assert_int_equal(out.width, 20);
    assert_int_equal(out.height, 10);
    for (size_t i = 0; i < 200; i++)
        assert_int_equal(out.pixels[i], 200);
    nn_grey_free(&out);
    nn_grey_free(&g);

    /* Area averaging: 3 input pixels to 2 output cells, each covering 1.5:
     * (0 + 0.5 * 90) / 1.5 = 30 and (0.5 * 90 + 180) / 1.5 = 150. */
    g = ts_grey_filled(3, 1, 0);
    g.pixels[1] = 90;
    g.pixels[2] = 180;
    box = (nn_box){0, 0, 3, 1};
    assert_int_equal(nn_pre_scale_box(&g, &box, 2, &out, &err), NN_OK);
    assert_int_equal(out.width, 2);
    assert_int_equal(out.height, 1);
    assert_int_equal(out.pixels[0], 30);
    assert_int_equal(out.pixels[1], 150);
    nn_grey_free(&out);
    nn_grey_free(&g);

    /* A 2x2 checkerboard of 0/255 averages to 128 in one cell. */
    g = ts_grey_filled(2, 2, 0);
    g.pixels[0] = g.pixels[3] = 255;
    box = (nn_box){0, 0, 2, 2};
    assert_int_equal(nn_pre_scale_box(&g, &box, 1, &out, &err), NN_OK);
    assert_int_equal(out.pixels[0], 128);
    nn_grey_free(&out);
    nn_grey_free(&g);

    /* A thin line keeps at least one pixel across: 100x2 -> 20x1 (rounded
     * 0.4 up to the minimum of 1). */
    g = ts_grey_filled(100, 2, 255);
    box = (nn_box){0, 0, 100, 2};
    assert_int_equal(nn_pre_scale_box(&g, &box, 20, &out, &err), NN_OK);
    assert_int_equal(out.width, 20);
    assert_int_equal(out.height, 1);
    nn_grey_free(&out);
    nn_grey_free(&g);
}

/* Centre of mass of a side x side image, in pixel indices. */
static void com(const uint8_t *p, size_t side, double *cx, double *cy)
{
    double m = 0, sx = 0, sy = 0;
    for (size_t y = 0; y < side; y++)
        for (size_t x = 0; x < side; x++) {
            m += p[y * side + x];
            sx += (double)x * p[y * side + x];
            sy += (double)y * p[y * side + x];
        }
    *cx = sx / m;
    *cy = sy / m;
}

static void test_centre(void **state)
{
    (void)state;
    uint8_t out[28 * 28];
    double cx, cy;
    /* A lopsided 10x20 digit: heavy top-left corner. */
    nn_grey d = ts_grey_filled(10, 20, 40);
    ts_grey_rect(&d, 0, 0, 4, 4, 255);
    nn_pre_centre(&d, out, 28);
    com(out, 28, &cx, &cy);
    assert_true(cx >= 13.5 && cx <= 14.5);
    assert_true(cy >= 13.5 && cy <= 14.5);
    size_t ink = 0;
    for (size_t i = 0; i < sizeof out; i++)
        ink += out[i] != 0;
    assert_int_equal(ink, 200); /* all of it pasted */
    nn_grey_free(&d);

    /* So lopsided that centring would push it out (its mass is at its
     * bottom-right corner): it stays whole inside, against the top left. */
    d = ts_grey_filled(20, 20, 0);
    ts_grey_rect(&d, 19, 19, 20, 20, 255);
    ts_grey_rect(&d, 0, 0, 1, 1, 1);
    nn_pre_centre(&d, out, 28);
    assert_int_equal(out[19 * 28 + 19], 255);
    assert_int_equal(out[0], 1);
    nn_grey_free(&d);
}

/* A "7"-like stroke of dark ink on paper lit from one side, with noise. */
static nn_grey photo(size_t w, size_t h, uint64_t seed)
{
    nn_grey g = ts_grey_filled(w, h, 0);
    nn_rng rng;
    nn_rng_seed(&rng, seed);
    for (size_t y = 0; y < h; y++)
        for (size_t x = 0; x < w; x++) {
            double paper = 150.0 + 80.0 * (double)x / (double)w + 8.0 * nn_rng_normal(&rng);
            g.pixels[y * w + x] = (uint8_t)(paper < 0 ? 0 : paper > 255 ? 255 : paper);
        }
    size_t x0 = w / 5, y0 = h / 4;
    for (size_t x = x0; x < x0 + 60; x++) /* top bar: 60 x 8 */
        for (size_t y = y0; y < y0 + 8; y++)
            g.pixels[y * w + x] = (uint8_t)(40 + nn_rng_below(&rng, 20));
    for (size_t y = y0; y < y0 + 100; y++) /* the stem, leaning */
        for (size_t k = 0; k < 8; k++) {
            size_t x = x0 + 52 - (y - y0) / 4 + k;
            g.pixels[y * w + x] = (uint8_t)(40 + nn_rng_below(&rng, 20));
        }
    return g;
}

static void test_pipeline(void **state)
{
    (void)state;
    nn_grey g = photo(240, 180, 1);
    uint8_t before[240 * 180];
    memcpy(before, g.pixels, sizeof before);
    uint8_t out[28 * 28];
    nn_error err = {{0}};
    assert_int_equal(nn_preprocess_mnist(&g, NN_INVERT_AUTO, out, "seven.png", &err), NN_OK);
    assert_memory_equal(g.pixels, before, sizeof before); /* input untouched */
    /* White on black: the corners are background, the maximum is white. */
    assert_int_equal(out[0], 0);
    assert_int_equal(out[27 * 28 + 27], 0);
    uint8_t max = 0;
    size_t x0 = 28, y0 = 28, x1 = 0, y1 = 0;
    for (size_t y = 0; y < 28; y++)
        for (size_t x = 0; x < 28; x++) {
            uint8_t v = out[y * 28 + x];
            max = v > max ? v : max;
            if (v != 0) {
                x0 = x < x0 ? x : x0;
                y0 = y < y0 ? y : y0;
                x1 = x + 1 > x1 ? x + 1 : x1;
                y1 = y + 1 > y1 ? y + 1 : y1;
            }
        }
    assert_true(max >= 200); /* solid ink is white, less what scaling averages */
    /* The stroke is 100 tall and 60 wide: 20 x 12 after scaling. */
    assert_int_equal(y1 - y0, 20);
    assert_in_range(x1 - x0, 11, 13);
    double cx, cy;
    com(out, 28, &cx, &cy);
    assert_true(cx >= 13.5 && cx <= 14.5);
    assert_true(cy >= 13.5 && cy <= 14.5);

    /* --invert no on dark ink: the paper is taken for ink, the digit lost -
     * whatever comes out, it is not the same image. */
    uint8_t wrong[28 * 28];
    if (nn_preprocess_mnist(&g, NN_INVERT_NO, wrong, "seven.png", &err) == NN_OK)
        assert_memory_not_equal(wrong, out, sizeof out);
    /* --invert yes is what auto chose. */
    assert_int_equal(nn_preprocess_mnist(&g, NN_INVERT_YES, wrong, "seven.png", &err), NN_OK);
    assert_memory_equal(wrong, out, sizeof out);
    nn_grey_free(&g);
}

/* A bar or a disc a quarter of the image wide, ink on paper (either polarity,
 * with or without a gradient across the page), on a w x h image. */
static nn_grey thick_shape(size_t w, size_t h, int disc, int dark_ink, int gradient)
{
    nn_grey g = ts_grey_filled(w, h, 0);
    double r = (double)(w < h ? w : h) / 8.0; /* half of a quarter of the side */
    for (size_t y = 0; y < h; y++)
        for (size_t x = 0; x < w; x++) {
            double dx = (double)x - (double)w / 2, dy = (double)y - (double)h / 2;
            int ink = disc ? dx * dx + dy * dy <= r * r
                           : fabs(dx) <= r && fabs(dy) <= 3.0 * (double)h / 8.0;
            double paper = gradient ? 60.0 * (double)x / (double)w : 0.0;
            double v = dark_ink ? (ink ? 30.0 : 235.0 - paper) : (ink ? 225.0 : 20.0 + paper);
            g.pixels[y * w + x] = (uint8_t)v;
        }
    return g;
}

/* However wide a stroke, flattening the background keeps its inside: the
 * middle of a thick bar or disc comes out solid, not as an outline. */
static void test_thick_strokes(void **state)
{
    (void)state;
    static const size_t sizes[][2] = {{200, 200}, {640, 480}, {480, 640}};
    for (size_t s = 0; s < 3; s++)
        for (int shape = 0; shape < 4 * 2; shape++) {
            int disc = shape & 1, dark = (shape >> 1) & 1, grad = (shape >> 2) & 1;
            nn_grey g = thick_shape(sizes[s][0], sizes[s][1], disc, dark, grad);
            uint8_t out[28 * 28];
            nn_error err = {{0}};
            assert_int_equal(nn_preprocess_mnist(&g, NN_INVERT_AUTO, out, "thick", &err), NN_OK);
            for (size_t y = 12; y <= 16; y++)
                for (size_t x = 12; x <= 16; x++)
                    if (out[y * 28 + x] < 200) {
                        fail_msg("%zux%zu %s, %s ink%s: pixel (%zu, %zu) of the inside is %u",
                                 sizes[s][0], sizes[s][1], disc ? "disc" : "bar",
                                 dark ? "dark" : "light", grad ? ", gradient" : "", x, y,
                                 out[y * 28 + x]);
                    }
            nn_grey_free(&g);
        }
}

static void test_no_ink(void **state)
{
    (void)state;
    uint8_t out[28 * 28];
    nn_error err = {{0}};
    nn_grey g = ts_grey_filled(100, 80, 255);
    assert_int_equal(nn_preprocess_mnist(&g, NN_INVERT_AUTO, out, "white.png", &err),
                     NN_E_FORMAT);
    assert_non_null(strstr(err.msg, "white.png: no ink"));
    memset(g.pixels, 0, 100 * 80);
    assert_int_equal(nn_preprocess_mnist(&g, NN_INVERT_AUTO, out, "black.png", &err),
                     NN_E_FORMAT);
    memset(g.pixels, 128, 100 * 80);
    assert_int_equal(nn_preprocess_mnist(&g, NN_INVERT_AUTO, out, "grey.png", &err),
                     NN_E_FORMAT);
    /* Blank paper with sensor noise is still blank. */
    nn_rng rng;
    nn_rng_seed(&rng, 3);
    for (size_t i = 0; i < 100 * 80; i++)
        g.pixels[i] = (uint8_t)(200 + nn_rng_below(&rng, 21) - 10);
    assert_int_equal(nn_preprocess_mnist(&g, NN_INVERT_AUTO, out, "noise.png", &err),
                     NN_E_FORMAT);
    /* A faint smudge of 10 greys is not ink either. */
    memset(g.pixels, 200, 100 * 80);
    ts_grey_rect(&g, 40, 20, 50, 60, 190);
    assert_int_equal(nn_preprocess_mnist(&g, NN_INVERT_AUTO, out, "faint.png", &err),
                     NN_E_FORMAT);
    nn_grey_free(&g);
}

/* MNIST digits are already what the pipeline makes: they come back nearly
 * unchanged (same box, centre within a pixel). */
static void test_mnist_fixed_point(void **state)
{
    (void)state;
    nn_images images;
    nn_labels labels;
    ts_load_mnist("t10k", 50, &images, &labels);
    size_t close = 0;
    for (size_t i = 0; i < images.count; i++) {
        nn_grey g = {28, 28, images.pixels + i * 784};
        uint8_t out[784];
        nn_error err = {{0}};
        assert_int_equal(nn_preprocess_mnist(&g, NN_INVERT_AUTO, out, "mnist", &err), NN_OK);
        double dot = 0, na = 0, nb = 0;
        for (size_t k = 0; k < 784; k++) {
            dot += (double)out[k] * g.pixels[k];
            na += (double)out[k] * out[k];
            nb += (double)g.pixels[k] * g.pixels[k];
        }
        close += dot / sqrt(na * nb) > 0.8;
    }
    assert_true(close >= 43);
    nn_images_free(&images);
    nn_labels_free(&labels);
}

static void test_none(void **state)
{
    (void)state;
    nn_grey g = ts_grey_filled(28, 28, 255);
    ts_grey_rect(&g, 10, 10, 12, 20, 0);
    uint8_t out[784];
    nn_error err = {{0}};
    assert_int_equal(nn_preprocess_none(&g, NN_INVERT_AUTO, 28, 28, out, "n", &err), NN_OK);
    assert_int_equal(out[0], 0);
    assert_int_equal(out[10 * 28 + 10], 255);
    assert_int_equal(nn_preprocess_none(&g, NN_INVERT_NO, 28, 28, out, "n", &err), NN_OK);
    assert_int_equal(out[0], 255);
    assert_int_equal(nn_preprocess_none(&g, NN_INVERT_AUTO, 20, 20, out, "n.png", &err),
                     NN_E_MISMATCH);
    assert_non_null(strstr(err.msg, "n.png"));
    nn_grey_free(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_polarity), cmocka_unit_test(test_flatten),
        cmocka_unit_test(test_threshold), cmocka_unit_test(test_specks),
        cmocka_unit_test(test_ink_box),  cmocka_unit_test(test_scale),
        cmocka_unit_test(test_centre),   cmocka_unit_test(test_pipeline),
        cmocka_unit_test(test_no_ink),   cmocka_unit_test(test_mnist_fixed_point),
        cmocka_unit_test(test_none),      cmocka_unit_test(test_thick_strokes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
