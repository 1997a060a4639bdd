/* test_augment.c - the distortions that model other writers: zero strength
 * is the identity, a seed always gives the same field and image, the field
 * has the asked size, thickening grows the ink, thinning never removes a
 * stroke, a share kept leaves about that share of the images as they are
 * (and the others as keep 0 makes them), and the options' checks and
 * --affine's parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nnclass/nn/augment.h"

#define S 28
#define N (S * S)

/* A "7": a bar 3 pixels thick and a stem 3 wide, ink 1 on 0. */
static void seven(float *img)
{
    memset(img, 0, N * sizeof *img);
    for (int y = 5; y < 8; y++)
        for (int x = 7; x < 21; x++)
            img[y * S + x] = 1.0f;
    for (int y = 8; y < 23; y++)
        for (int x = 17 - (y - 8) / 3; x < 20 - (y - 8) / 3; x++)
            img[y * S + x] = 1.0f;
}

static double ink(const float *img)
{
    double s = 0;
    for (int i = 0; i < N; i++)
        s += img[i];
    return s;
}

static void test_zero_is_identity(void **state)
{
    (void)state;
    float img[N], copy[N], scratch[4 * N];
    nn_augment_options o = {0};
    seven(img);
    memcpy(copy, img, sizeof img);
    assert_false(nn_augment_active(&o));
    nn_augment_image(&o, 42, img, S, S, scratch);
    assert_memory_equal(img, copy, sizeof img);
    nn_augment_stroke(img, S, S, 0, scratch);
    assert_memory_equal(img, copy, sizeof img);
}

static void test_field_deterministic(void **state)
{
    (void)state;
    static float dx1[N], dy1[N], dx2[N], dy2[N], tmp[N];
    assert_true(nn_augment_field_floats(S, S) <= N);
    nn_augment_field(7, S, S, 2.0f, dx1, dy1, tmp);
    nn_augment_field(7, S, S, 2.0f, dx2, dy2, tmp);
    assert_memory_equal(dx1, dx2, sizeof dx1);
    assert_memory_equal(dy1, dy2, sizeof dy1);
    nn_augment_field(8, S, S, 2.0f, dx2, dy2, tmp);
    assert_memory_not_equal(dx1, dx2, sizeof dx1);
}

/* The field's displacements have an RMS length of the amount asked for,
 * and it is smooth: neighbours differ far less than the field itself. */
static void test_field_size_and_smoothness(void **state)
{
    (void)state;
    static float dx[N], dy[N], tmp[N];
    for (uint64_t seed = 1; seed <= 20; seed++) {
        double sq = 0, diff = 0;
        nn_augment_field(seed, S, S, 2.0f, dx, dy, tmp);
        for (int i = 0; i < N; i++)
            sq += dx[i] * dx[i] + dy[i] * dy[i];
        for (int y = 0; y < S; y++)
            for (int x = 0; x + 1 < S; x++)
                diff += fabs(dx[y * S + x + 1] - dx[y * S + x]);
        assert_true(fabs(sqrt(sq / N) - 2.0) < 1e-3);
        assert_true(diff / (S * (S - 1)) < 0.5); /* white noise: about 1.6 */
    }
}

static void test_image_deterministic(void **state)
{
    (void)state;
    float a[N], b[N], scratch[4 * N];
    nn_augment_options o = {0};
    o.elastic = 2.0f;
    nn_augment_affine_default(&o);
    o.stroke = 1;
    o.blur = 1;
    seven(a);
    seven(b);
    nn_augment_image(&o, 99, a, S, S, scratch);
    nn_augment_image(&o, 99, b, S, S, scratch);
    assert_memory_equal(a, b, sizeof a);
    seven(b);
    nn_augment_image(&o, 100, b, S, S, scratch);
    assert_memory_not_equal(a, b, sizeof a);
    for (int i = 0; i < N; i++)
        assert_true(a[i] >= 0.0f && a[i] <= 1.0001f);
}

/* keep 0.5: about half of 400 seeds leave the image as it is; keep 0
 * leaves none. */
static void test_keep_share(void **state)
{
    (void)state;
    float plain[N], a[N], scratch[4 * N];
    nn_augment_options o = {0};
    nn_augment_affine_default(&o);
    o.stroke = 1;
    o.keep = 0.5f;
    seven(plain);
    size_t kept = 0;
    for (uint64_t seed = 1; seed <= 400; seed++) {
        seven(a);
        nn_augment_image(&o, seed, a, S, S, scratch);
        if (memcmp(a, plain, sizeof a) == 0)
            kept++;
    }
    assert_true(kept > 150 && kept < 250);
    o.keep = 0.0f; /* none kept: no seed leaves it alone */
    for (uint64_t seed = 1; seed <= 50; seed++) {
        seven(a);
        nn_augment_image(&o, seed, a, S, S, scratch);
        assert_memory_not_equal(a, plain, sizeof a);
    }
}

static void test_thicken_grows_ink(void **state)
{
    (void)state;
    float img[N], tmp[N];
    seven(img);
    double before = ink(img);
    nn_augment_stroke(img, S, S, 1, tmp);
    double one = ink(img);
    nn_augment_stroke(img, S, S, 1, tmp);
    assert_true(one > before);
    assert_true(ink(img) > one);
}

static void test_thin_keeps_strokes(void **state)
{
    (void)state;
    float img[N], tmp[N];
    seven(img);
    double before = ink(img);
    nn_augment_stroke(img, S, S, -1, tmp);
    assert_true(ink(img) < before);
    /* Thinned as far as it goes, the bar and the stem both keep ink. */
    nn_augment_stroke(img, S, S, -4, tmp);
    double bar = 0, stem = 0;
    for (int x = 7; x < 21; x++)
        for (int y = 5; y < 8; y++)
            bar += img[y * S + x];
    for (int y = 12; y < 23; y++)
        for (int x = 0; x < S; x++)
            stem += img[y * S + x];
    assert_true(bar >= 10);
    assert_true(stem >= 10);
    /* A line one pixel wide is left as it is. */
    memset(img, 0, sizeof img);
    for (int x = 4; x < 24; x++)
        img[14 * S + x] = 0.8f;
    before = ink(img);
    nn_augment_stroke(img, S, S, -3, tmp);
    assert_true(fabs(ink(img) - before) < 1e-4);
}

static void test_affine_moves_ink(void **state)
{
    (void)state;
    float img[N], copy[N], scratch[4 * N];
    nn_augment_options o = {0};
    o.rotate = 30.0f;
    seven(img);
    memcpy(copy, img, sizeof img);
    nn_augment_image(&o, 5, img, S, S, scratch);
    assert_memory_not_equal(img, copy, sizeof img);
    assert_true(ink(img) > 0.8 * ink(copy) && ink(img) < 1.2 * ink(copy));
}

static void test_parse_and_check(void **state)
{
    (void)state;
    nn_augment_options o = {0};
    nn_error err = {{0}};
    assert_int_equal(nn_augment_parse_affine("default", &o, &err), NN_OK);
    assert_true(o.rotate == 10.0f && o.shear > 0);
    assert_int_equal(nn_augment_parse_affine("rotate=5,shear=0.2", &o, &err), NN_OK);
    assert_true(o.rotate == 5.0f && o.shear == 0.2f && o.scale == 0 && o.aspect == 0);
    const char *bad[] = {"", "rotate", "rotate=", "rotate=x", "spin=3", "rotate=-1",
                         "rotate=5,", "rotate=100", "scale=0.9", "shear=nan", "rotate=1e40"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(nn_augment_parse_affine(bad[i], &o, &err), NN_E_ARG);
    nn_augment_options c = {0};
    c.elastic = 9.0f;
    assert_int_equal(nn_augment_check(&c, &err), NN_E_ARG);
    c.elastic = NAN;
    assert_int_equal(nn_augment_check(&c, &err), NN_E_ARG);
    c.elastic = 0;
    c.stroke = NN_MAX_STROKE + 1;
    assert_int_equal(nn_augment_check(&c, &err), NN_E_ARG);
    c.stroke = 0;
    c.keep = 0.5f;
    assert_int_equal(nn_augment_check(&c, &err), NN_OK);
    c.stroke = 1;
    c.keep = 1.0f; /* all kept: nothing distorted */
    assert_int_equal(nn_augment_check(&c, &err), NN_OK);
    assert_false(nn_augment_active(&c));
    const float bad_keep[] = {-0.1f, 1.5f, 2.0f, NAN};
    for (size_t i = 0; i < 4; i++) {
        c.keep = bad_keep[i];
        assert_int_equal(nn_augment_check(&c, &err), NN_E_ARG);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zero_is_identity),
        cmocka_unit_test(test_field_deterministic),
        cmocka_unit_test(test_field_size_and_smoothness),
        cmocka_unit_test(test_image_deterministic),
        cmocka_unit_test(test_keep_share),
        cmocka_unit_test(test_thicken_grows_ink),
        cmocka_unit_test(test_thin_keeps_strokes),
        cmocka_unit_test(test_affine_moves_ink),
        cmocka_unit_test(test_parse_and_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
