/* test_numbers.c - numbers composed from digits: the same seed gives the
 * same bytes and other seeds other numbers; lengths stay in the range
 * asked for; the digits returned are those drawn, left to right (a pool of
 * narrow and wide blocks tells them apart in the strip); strips keep to the
 * strip geometry and have ink; bad pools and options give 0; the held-out
 * rule picks every 12th training digit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nnclass/io/numbers.h"
#include "nnclass/io/strip.h"
#include "test_support.h"

#define STRIP (NN_STRIP_H * NN_STRIP_W)

static nn_images mnist_images;
static nn_labels mnist_labels;

static int load(void **state)
{
    (void)state;
    ts_load_mnist("train", 2000, &mnist_images, &mnist_labels);
    return 0;
}

static int unload(void **state)
{
    (void)state;
    nn_images_free(&mnist_images);
    nn_labels_free(&mnist_labels);
    return 0;
}

static nn_digit_pool mnist_pool(void)
{
    nn_digit_pool p = {mnist_images.pixels, mnist_labels.labels, mnist_images.count, NULL, 0};
    return p;
}

static void test_held_out(void **state)
{
    (void)state;
    uint32_t *pick = malloc(60000 * sizeof *pick);
    assert_non_null(pick);
    assert_int_equal(nn_numbers_split(60000, 1, pick), 5000);
    assert_int_equal(pick[0], 11);
    assert_int_equal(pick[1], 23);
    assert_int_equal(pick[4999], 59999);
    for (size_t i = 0; i < 5000; i++)
        assert_true(nn_numbers_held_out(pick[i]));
    assert_int_equal(nn_numbers_split(60000, 0, pick), 55000);
    assert_int_equal(pick[10], 10);
    assert_int_equal(pick[11], 12);
    for (size_t i = 0; i < 55000; i++)
        assert_false(nn_numbers_held_out(pick[i]));
    free(pick);
}

/* Number seeds: a function of (seed, index) alone, different for
 * neighbouring indices and for the same index of neighbouring seeds. */
static void test_number_seed(void **state)
{
    (void)state;
    assert_true(nn_number_seed(1, 0) == nn_number_seed(1, 0));
    for (uint64_t i = 0; i < 100; i++) {
        assert_true(nn_number_seed(1, i) != nn_number_seed(1, i + 1));
        assert_true(nn_number_seed(1, i + 1) != nn_number_seed(2, i));
        assert_true(nn_number_seed(1, i) != nn_number_seed(2, i));
    }
}

/* The page of a strip: its size, light paper, dark ink where the strip has
 * ink, the same bytes for the same seed; a scale out of range is refused. */
static void test_page(void **state)
{
    (void)state;
    uint8_t s[STRIP] = {0};
    for (size_t y = 8; y < 24; y++)
        memset(s + y * NN_STRIP_W + 40, 255, 20);
    nn_grey a, b;
    nn_error err;
    assert_int_equal(nn_number_page(s, 3, 5, &a, &err), NN_OK);
    assert_int_equal(a.width, 3 * NN_STRIP_W + 48);
    assert_int_equal(a.height, 3 * NN_STRIP_H + 48);
    assert_in_range(a.pixels[0], 229, 241);
    assert_in_range(a.pixels[(24 + 3 * 16) * a.width + 24 + 3 * 50], 0, 40);
    assert_int_equal(nn_number_page(s, 3, 5, &b, &err), NN_OK);
    assert_memory_equal(a.pixels, b.pixels, a.width * a.height);
    nn_grey_free(&a);
    nn_grey_free(&b);
    assert_int_equal(nn_number_page(s, 0, 5, &a, &err), NN_E_ARG);
    assert_int_equal(nn_number_page(s, 17, 5, &a, &err), NN_E_ARG);
}

static void test_deterministic(void **state)
{
    (void)state;
    nn_digit_pool pool = mnist_pool();
    nn_numbers_options opt;
    nn_numbers_options_default(&opt);
    uint8_t a[STRIP], b[STRIP], da[NN_NUMBER_MAX_DIGITS], db[NN_NUMBER_MAX_DIGITS];
    for (uint64_t seed = 0; seed < 50; seed++) {
        size_t n = nn_number_compose(&pool, &opt, seed, a, da);
        assert_int_equal(nn_number_compose(&pool, &opt, seed, b, db), n);
        assert_memory_equal(a, b, STRIP);
        assert_memory_equal(da, db, n);
        nn_number_compose(&pool, &opt, seed + 1000, b, db);
        assert_memory_not_equal(a, b, STRIP);
    }
}

/* Every strip has ink, and only inside the strip geometry's box. */
static void check_strip(const uint8_t *s)
{
    size_t ink = 0;
    for (size_t y = 0; y < NN_STRIP_H; y++)
        for (size_t x = 0; x < NN_STRIP_W; x++) {
            if (s[y * NN_STRIP_W + x] == 0)
                continue;
            ink++;
            assert_in_range(x, NN_STRIP_MARGIN, NN_STRIP_W - NN_STRIP_MARGIN - 1);
            assert_in_range(y, (NN_STRIP_H - NN_STRIP_INK_H) / 2,
                            (NN_STRIP_H + NN_STRIP_INK_H) / 2 - 1);
        }
    assert_true(ink > 20);
}

static void test_lengths_and_bounds(void **state)
{
    (void)state;
    nn_digit_pool pool = mnist_pool();
    nn_numbers_options opt;
    nn_numbers_options_default(&opt);
    uint8_t s[STRIP], d[NN_NUMBER_MAX_DIGITS];
    size_t seen[NN_NUMBER_MAX_DIGITS + 1] = {0};
    for (uint64_t seed = 0; seed < 400; seed++) {
        size_t n = nn_number_compose(&pool, &opt, seed, s, d);
        assert_in_range(n, 1, NN_NUMBER_MAX_DIGITS);
        seen[n]++;
        for (size_t i = 0; i < n; i++)
            assert_in_range(d[i], 0, 9);
        check_strip(s);
    }
    for (size_t n = 1; n <= NN_NUMBER_MAX_DIGITS; n++)
        assert_true(seen[n] > 20); /* uniform: 50 expected */
    opt.min_digits = opt.max_digits = 3;
    for (uint64_t seed = 0; seed < 20; seed++)
        assert_int_equal(nn_number_compose(&pool, &opt, seed, s, d), 3);
    opt.min_digits = 2;
    opt.max_digits = 5;
    for (uint64_t seed = 0; seed < 40; seed++)
        assert_in_range(nn_number_compose(&pool, &opt, seed, s, d), 2, 5);
}

/* The digits drawn are those of pick: a pool whose picks are all one label. */
static void test_pick(void **state)
{
    (void)state;
    uint32_t sevens[300];
    size_t n7 = 0;
    for (size_t i = 0; i < mnist_labels.count && n7 < 300; i++)
        if (mnist_labels.labels[i] == 7)
            sevens[n7++] = (uint32_t)i;
    nn_digit_pool pool = mnist_pool();
    pool.pick = sevens;
    pool.n_pick = n7;
    nn_numbers_options opt;
    nn_numbers_options_default(&opt);
    uint8_t s[STRIP], d[NN_NUMBER_MAX_DIGITS];
    for (uint64_t seed = 0; seed < 30; seed++) {
        size_t n = nn_number_compose(&pool, &opt, seed, s, d);
        assert_true(n >= 1);
        for (size_t i = 0; i < n; i++)
            assert_int_equal(d[i], 7);
    }
}

static void test_bad_pools(void **state)
{
    (void)state;
    nn_digit_pool pool = mnist_pool();
    nn_numbers_options opt;
    nn_numbers_options_default(&opt);
    uint8_t s[STRIP], d[NN_NUMBER_MAX_DIGITS];
    nn_digit_pool empty = pool;
    empty.count = 0;
    assert_int_equal(nn_number_compose(&empty, &opt, 1, s, d), 0);
    assert_int_equal(nn_number_compose(NULL, &opt, 1, s, d), 0);
    uint32_t outside = (uint32_t)pool.count;
    nn_digit_pool bad_pick = pool;
    bad_pick.pick = &outside;
    bad_pick.n_pick = 1;
    assert_int_equal(nn_number_compose(&bad_pick, &opt, 1, s, d), 0);
    uint8_t px[28 * 28] = {0}, label = 12;
    px[14 * 28 + 14] = 255;
    nn_digit_pool bad_label = {px, &label, 1, NULL, 0};
    assert_int_equal(nn_number_compose(&bad_label, &opt, 1, s, d), 0);
    for (size_t i = 0; i < STRIP; i++)
        assert_int_equal(s[i], 0);
    nn_numbers_options bad = opt;
    bad.min_digits = 0;
    assert_int_equal(nn_number_compose(&pool, &bad, 1, s, d), 0);
    bad = opt;
    bad.max_digits = NN_NUMBER_MAX_DIGITS + 1;
    assert_int_equal(nn_number_compose(&pool, &bad, 1, s, d), 0);
    bad = opt;
    bad.min_digits = 5;
    bad.max_digits = 4;
    assert_int_equal(nn_number_compose(&pool, &bad, 1, s, d), 0);
}

/* A pool of two blocks: label 1 is narrow (4 x 20), label 0 wide (16 x 20).
 * In a plain number they stand apart, so the strip's runs of inked columns
 * are the digits, left to right, told apart by their width. */
static void test_order(void **state)
{
    (void)state;
    uint8_t px[2 * 28 * 28] = {0}, labels[2] = {1, 0};
    for (size_t y = 4; y < 24; y++) {
        memset(px + y * 28 + 12, 255, 4);
        memset(px + 28 * 28 + y * 28 + 6, 255, 16);
    }
    nn_digit_pool pool = {px, labels, 2, NULL, 0};
    nn_numbers_options opt;
    nn_numbers_options_default(&opt);
    opt.plain = 1;
    uint8_t s[STRIP], d[NN_NUMBER_MAX_DIGITS];
    for (uint64_t seed = 0; seed < 100; seed++) {
        size_t n = nn_number_compose(&pool, &opt, seed, s, d), runs = 0, start = 0;
        size_t width[NN_NUMBER_MAX_DIGITS + 1];
        for (size_t x = 0; x <= NN_STRIP_W; x++) {
            int ink = 0;
            for (size_t y = 0; x < NN_STRIP_W && y < NN_STRIP_H; y++)
                ink |= s[y * NN_STRIP_W + x] != 0;
            int before = 0;
            for (size_t y = 0; x > 0 && y < NN_STRIP_H; y++)
                before |= s[y * NN_STRIP_W + x - 1] != 0;
            if (ink && !before)
                start = x;
            if (!ink && before && runs <= NN_NUMBER_MAX_DIGITS)
                width[runs++] = x - start;
        }
        assert_int_equal(runs, n);
        /* At the strip's height the narrow block is about 5 columns wide,
         * the wide one 19, or 12 when eight of them are narrowed to fit. */
        for (size_t i = 0; i < n; i++)
            assert_int_equal(d[i], width[i] > 9 ? 0 : 1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_held_out),
        cmocka_unit_test(test_number_seed),
        cmocka_unit_test(test_page),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_lengths_and_bounds),
        cmocka_unit_test(test_pick),
        cmocka_unit_test(test_bad_pools),
        cmocka_unit_test(test_order),
    };
    return cmocka_run_group_tests(tests, load, unload);
}
