/* test_strip.c - the strip of a written number: the one geometry (ink to 24
 * rows keeping its aspect, narrowed to fit, centred), the exact area
 * averaging, and whole pages: dark on light and light on dark give the same
 * strip; tall, wide and tiny numbers; a page without ink and one too wide
 * are errors; the map leads strip columns back to the page's; a composed
 * strip drawn as a page comes back as it was, and so it does from ruled,
 * unevenly lit paper. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nnclass/base/rng.h"
#include "nnclass/io/numbers.h"
#include "nnclass/io/strip.h"
#include "test_support.h"

#define STRIP (NN_STRIP_H * NN_STRIP_W)

/* n digit-like rings (w x h, strokes t wide) from (x, y), gap apart. */
static void rings(nn_grey *g, size_t n, size_t x, size_t y, size_t w, size_t h, size_t t,
                  size_t gap, uint8_t v)
{
    for (size_t i = 0; i < n; i++, x += w + gap) {
        ts_grey_rect(g, x, y, x + w, y + t, v);
        ts_grey_rect(g, x, y + h - t, x + w, y + h, v);
        ts_grey_rect(g, x, y, x + t, y + h, v);
        ts_grey_rect(g, x + w - t, y, x + w, y + h, v);
    }
}

/* The box of the strip's ink; 0 when there is none. */
static int strip_box(const uint8_t *s, nn_box *b)
{
    b->x0 = NN_STRIP_W;
    b->y0 = NN_STRIP_H;
    b->x1 = b->y1 = 0;
    for (size_t y = 0; y < NN_STRIP_H; y++)
        for (size_t x = 0; x < NN_STRIP_W; x++)
            if (s[y * NN_STRIP_W + x] != 0) {
                b->x0 = x < b->x0 ? x : b->x0;
                b->x1 = x + 1 > b->x1 ? x + 1 : b->x1;
                b->y0 = y < b->y0 ? y : b->y0;
                b->y1 = y + 1;
            }
    return b->x1 > 0;
}

static void test_fit(void **state)
{
    (void)state;
    static const size_t cases[][6] = {
        /* bw, bh -> ow, oh, ox, oy */
        {24, 24, 24, 24, 52, 4},
        {48, 24, 48, 24, 40, 4},
        {100, 50, 48, 24, 40, 4},
        {1000, 100, 124, 12, 2, 10},
        {5, 100, 1, 24, 63, 4},
        {1, 1, 24, 24, 52, 4},
        {3, 2, 36, 24, 46, 4},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        nn_strip_fit f;
        nn_strip_fit_box(cases[i][0], cases[i][1], &f);
        assert_int_equal(f.ow, cases[i][2]);
        assert_int_equal(f.oh, cases[i][3]);
        assert_int_equal(f.ox, cases[i][4]);
        assert_int_equal(f.oy, cases[i][5]);
    }
}

/* A box of one grey comes out that grey, exactly, where the fit puts it. */
static void test_place(void **state)
{
    (void)state;
    nn_grey g = ts_grey_filled(200, 90, 0);
    ts_grey_rect(&g, 30, 20, 150, 80, 200);
    g.pixels[0] = 255; /* outside the box: not seen */
    nn_box box = {30, 20, 150, 80};
    uint8_t s[STRIP];
    nn_strip_map map;
    nn_strip_place(&g, &box, s, &map);
    nn_strip_fit f;
    nn_strip_fit_box(120, 60, &f);
    assert_int_equal(f.ow, 48);
    for (size_t y = 0; y < NN_STRIP_H; y++)
        for (size_t x = 0; x < NN_STRIP_W; x++) {
            int in = x >= f.ox && x < f.ox + f.ow && y >= f.oy && y < f.oy + f.oh;
            assert_int_equal(s[y * NN_STRIP_W + x], in ? 200 : 0);
        }
    assert_true(map.scale > 0.399 && map.scale < 0.401);
    /* Strip column ox came from the box's left edge, ox + ow from its right. */
    assert_true(map.x0 + (double)f.ox / map.scale > 29.99 && map.x0 + (double)f.ox / map.scale < 30.01);
    double right = map.x0 + (double)(f.ox + f.ow) / map.scale;
    assert_true(right > 149.99 && right < 150.01);
    nn_grey_free(&g);
}

/* Preprocesses a copy of g; returns the status. */
static nn_status strip_of(const nn_grey *g, nn_invert inv, uint8_t *s, nn_strip_map *map,
                          nn_error *err)
{
    nn_grey c = ts_grey_filled(g->width, g->height, 0);
    memcpy(c.pixels, g->pixels, g->width * g->height);
    nn_status st = nn_preprocess_strip(&c, inv, "page", s, map, err);
    nn_grey_free(&c);
    return st;
}

static void test_polarity(void **state)
{
    (void)state;
    nn_grey g = ts_grey_filled(400, 120, 225);
    rings(&g, 4, 60, 30, 40, 60, 6, 20, 30);
    uint8_t a[STRIP], b[STRIP], c[STRIP];
    nn_error err;
    assert_int_equal(strip_of(&g, NN_INVERT_AUTO, a, NULL, &err), NN_OK);
    assert_int_equal(strip_of(&g, NN_INVERT_YES, c, NULL, &err), NN_OK);
    assert_memory_equal(a, c, STRIP);
    for (size_t i = 0; i < g.width * g.height; i++)
        g.pixels[i] = (uint8_t)(255 - g.pixels[i]);
    assert_int_equal(strip_of(&g, NN_INVERT_AUTO, b, NULL, &err), NN_OK);
    assert_memory_equal(a, b, STRIP);
    /* 4 rings of 40 x 60 with gaps of 20: 220 x 60, so 88 x 24 in the strip. */
    nn_box box;
    assert_true(strip_box(a, &box));
    assert_int_equal(box.y1 - box.y0, NN_STRIP_INK_H);
    assert_in_range(box.x1 - box.x0, 86, 90);
    assert_in_range(box.x0, 18, 22);
    nn_grey_free(&g);
}

/* Tall (one stroke), wide (eight digits) and tiny numbers all fit the strip. */
static void test_shapes(void **state)
{
    (void)state;
    uint8_t s[STRIP];
    nn_error err;
    nn_box box;
    nn_grey g = ts_grey_filled(300, 400, 220); /* a "1", most of the page tall */
    ts_grey_rect(&g, 140, 40, 152, 360, 20);
    assert_int_equal(strip_of(&g, NN_INVERT_AUTO, s, NULL, &err), NN_OK);
    assert_true(strip_box(s, &box));
    assert_int_equal(box.y1 - box.y0, NN_STRIP_INK_H);
    assert_in_range(box.x1 - box.x0, 1, 3);
    assert_in_range(box.x0, 62, 64);
    nn_grey_free(&g);

    g = ts_grey_filled(1700, 200, 220); /* eight digits: narrowed to the strip's width */
    rings(&g, 8, 50, 50, 120, 100, 14, 80, 20);
    assert_int_equal(strip_of(&g, NN_INVERT_AUTO, s, NULL, &err), NN_OK);
    assert_true(strip_box(s, &box));
    assert_int_equal(box.x1 - box.x0, NN_STRIP_W - 2 * NN_STRIP_MARGIN);
    assert_in_range(box.y1 - box.y0, 7, 9); /* 100 high of 1560 wide */
    nn_grey_free(&g);

    g = ts_grey_filled(40, 20, 220); /* tiny: 2 digits of 5 x 6 pixels */
    rings(&g, 2, 14, 7, 5, 6, 1, 2, 20);
    assert_int_equal(strip_of(&g, NN_INVERT_AUTO, s, NULL, &err), NN_OK);
    assert_true(strip_box(s, &box));
    assert_int_equal(box.y1 - box.y0, NN_STRIP_INK_H);
    assert_in_range(box.x1 - box.x0, 46, 50);
    nn_grey_free(&g);
}

static void test_errors(void **state)
{
    (void)state;
    uint8_t s[STRIP];
    nn_error err;
    nn_grey g = ts_grey_filled(300, 100, 230);
    assert_int_equal(strip_of(&g, NN_INVERT_AUTO, s, NULL, &err), NN_E_FORMAT);
    assert_non_null(strstr(err.msg, "no ink"));
    assert_non_null(strstr(err.msg, "page"));
    nn_grey_free(&g);
    /* A stroke far longer than high: over 170 to 1 (and short of a ruled
     * line across the page, which would be erased). */
    g = ts_grey_filled(4000, 300, 230);
    ts_grey_rect(&g, 1000, 140, 2600, 146, 20);
    assert_int_equal(strip_of(&g, NN_INVERT_AUTO, s, NULL, &err), NN_E_TOO_LARGE);
    assert_non_null(strstr(err.msg, "page"));
    nn_grey_free(&g);
}

/* The map leads the strip's ink back to the page's, on a page large enough
 * to be reduced first. */
static void test_map(void **state)
{
    (void)state;
    nn_grey g = ts_grey_filled(2400, 500, 220);
    rings(&g, 5, 700, 150, 120, 200, 20, 50, 25); /* ink from 700 to 1500 */
    uint8_t s[STRIP];
    nn_strip_map map;
    nn_error err;
    assert_int_equal(strip_of(&g, NN_INVERT_AUTO, s, &map, &err), NN_OK);
    nn_box box;
    assert_true(strip_box(s, &box));
    double px = 1.0 / map.scale; /* page columns per strip column */
    assert_true(px > 8.0 && px < 8.7); /* 200 rows of ink in 24 */
    double left = map.x0 + (double)box.x0 / map.scale, right = map.x0 + (double)box.x1 / map.scale;
    assert_true(left > 700 - px && left < 700 + px);
    assert_true(right > 1500 - px && right < 1500 + px);
    nn_grey_free(&g);

    /* "10": the centre of the 1's stroke (columns 1000..1020) comes back. */
    g = ts_grey_filled(2400, 500, 220);
    ts_grey_rect(&g, 1000, 150, 1020, 350, 25);
    rings(&g, 1, 1300, 150, 120, 200, 20, 0, 25);
    assert_int_equal(strip_of(&g, NN_INVERT_AUTO, s, &map, &err), NN_OK);
    double mass = 0, moment = 0;
    for (size_t x = 0; x < NN_STRIP_W; x++) {
        size_t sum = 0;
        for (size_t y = 0; y < NN_STRIP_H; y++)
            sum += s[y * NN_STRIP_W + x];
        if (sum == 0 && mass > 0)
            break; /* the end of the first run of inked columns: the 1 */
        mass += (double)sum;
        moment += (double)sum * ((double)x + 0.5);
    }
    double at = map.x0 + moment / mass / map.scale;
    assert_true(at > 1005 && at < 1015);
    nn_grey_free(&g);
}

/* s blurred by a 3x3 box, so that comparisons forgive a fraction of a pixel
 * of shift at a stroke's edge. */
static void blur3(const uint8_t *s, int *out)
{
    for (int y = 0; y < NN_STRIP_H; y++)
        for (int x = 0; x < NN_STRIP_W; x++) {
            int sum = 0;
            for (int j = -1; j <= 1; j++)
                for (int i = -1; i <= 1; i++)
                    if (y + j >= 0 && y + j < NN_STRIP_H && x + i >= 0 && x + i < NN_STRIP_W)
                        sum += s[(y + j) * NN_STRIP_W + x + i];
            out[y * NN_STRIP_W + x] = sum / 9;
        }
}

/* The mean absolute difference of a and b, blurred, over the pixels inked
 * in either. */
static double difference(const uint8_t *a, const uint8_t *b)
{
    static int ba[STRIP], bb[STRIP];
    blur3(a, ba);
    blur3(b, bb);
    size_t n = 0, diff = 0;
    for (size_t i = 0; i < STRIP; i++)
        if (ba[i] != 0 || bb[i] != 0) {
            n++;
            diff += (size_t)abs(ba[i] - bb[i]);
        }
    return n > 0 ? (double)diff / (double)n : 0.0;
}

/* A composed number drawn as a page (4x, dark on light, margins, noise)
 * comes back as the strip it was drawn from: the same ink box within a
 * pixel or two, the same strokes within the resampling's and the stroke
 * normalisation's changes. Two different numbers differ by far more. */
static void test_round_trip(void **state)
{
    (void)state;
    nn_images images;
    nn_labels labels;
    ts_load_mnist("t10k", 500, &images, &labels);
    nn_digit_pool pool = {images.pixels, labels.labels, images.count, NULL, 0};
    nn_numbers_options opt;
    nn_numbers_options_default(&opt);
    double sum = 0, worst = 0, other = 0;
    const int rounds = 20;
    uint8_t prev[STRIP] = {0};
    for (int k = 0; k < rounds; k++) {
        uint8_t a[STRIP], b[STRIP], d[NN_NUMBER_MAX_DIGITS];
        assert_true(nn_number_compose(&pool, &opt, (uint64_t)k, a, d) > 0);
        nn_grey g;
        nn_error err;
        assert_int_equal(nn_number_page(a, 4, (uint64_t)k, &g, &err), NN_OK);
        assert_int_equal(g.width, 4 * NN_STRIP_W + 64);
        assert_int_equal(g.height, 4 * NN_STRIP_H + 64);
        assert_true(g.pixels[0] > 200); /* light paper */
        assert_int_equal(nn_preprocess_strip(&g, NN_INVERT_AUTO, "page", b, NULL, &err), NN_OK);
        nn_grey_free(&g);
        nn_box ba, bb;
        assert_true(strip_box(a, &ba) && strip_box(b, &bb));
        assert_in_range(bb.x0, ba.x0 - 2, ba.x0 + 2);
        assert_in_range(bb.x1, ba.x1 - 2, ba.x1 + 2);
        assert_in_range(bb.y0, ba.y0 - 2, ba.y0 + 2);
        assert_in_range(bb.y1, ba.y1 - 2, ba.y1 + 2);
        double diff = difference(a, b);
        sum += diff;
        worst = diff > worst ? diff : worst;
        if (k > 0)
            other += difference(prev, b);
        memcpy(prev, a, STRIP);
    }
    print_message("round trip: mean difference %.1f greys over the ink (worst %.1f); "
                  "between different numbers %.1f\n", sum / rounds, worst, other / (rounds - 1));
    assert_true(sum / rounds < 30);
    assert_true(worst < 70);
    assert_true(other / (rounds - 1) > 2 * sum / rounds);
    nn_images_free(&images);
    nn_labels_free(&labels);
}

/* The page cleaning: a number on ruled paper lit unevenly comes out as it
 * does from a plain page. */
static void test_ruled_page(void **state)
{
    (void)state;
    nn_images images;
    nn_labels labels;
    ts_load_mnist("t10k", 300, &images, &labels);
    nn_digit_pool pool = {images.pixels, labels.labels, images.count, NULL, 0};
    double sum = 0;
    for (uint64_t seed = 0; seed < 5; seed++) {
        uint8_t a[STRIP], plain[STRIP], ruled[STRIP], d[NN_NUMBER_MAX_DIGITS];
        assert_true(nn_number_compose(&pool, NULL, seed, a, d) > 0);
        nn_grey g;
        nn_error err;
        assert_int_equal(nn_number_page(a, 6, seed, &g, &err), NN_OK);
        assert_int_equal(strip_of(&g, NN_INVERT_AUTO, plain, NULL, &err), NN_OK);
        for (size_t y = 0; y < g.height; y++)
            for (size_t x = 0; x < g.width; x++) {
                int v = g.pixels[y * g.width + x] - (int)(x * 60 / g.width) -
                        (int)(y * 30 / g.height);
                if (y % 40 == 7 || y % 40 == 8)
                    v -= 45; /* a ruled line every 40 rows, across the page */
                g.pixels[y * g.width + x] = (uint8_t)(v < 0 ? 0 : v);
            }
        assert_int_equal(strip_of(&g, NN_INVERT_AUTO, ruled, NULL, &err), NN_OK);
        nn_grey_free(&g);
        nn_box bp, br;
        assert_true(strip_box(plain, &bp) && strip_box(ruled, &br));
        assert_in_range(br.x0, bp.x0 - 1, bp.x0 + 1);
        assert_in_range(br.x1, bp.x1 - 1, bp.x1 + 1);
        assert_in_range(br.y0, bp.y0 - 1, bp.y0 + 1);
        assert_in_range(br.y1, bp.y1 - 1, bp.y1 + 1);
        double diff = difference(plain, ruled);
        assert_true(diff < 40); /* different numbers differ by about 90 */
        sum += diff;
    }
    print_message("ruled pages: mean difference %.1f greys over the ink\n", sum / 5);
    assert_true(sum / 5 < 25);
    nn_images_free(&images);
    nn_labels_free(&labels);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fit),
        cmocka_unit_test(test_place),
        cmocka_unit_test(test_polarity),
        cmocka_unit_test(test_shapes),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_map),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_ruled_page),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
