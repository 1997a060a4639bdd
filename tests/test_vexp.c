/* test_vexp.c - nn_vexp against the exponential in double precision over the
 * whole range it computes, its limits and special values, and the same bits
 * for a value wherever it sits in an array. */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nnclass/base/vexp.h"

/* The distance from y to the exact e^x, in units in the last place of the
 * float nearest to e^x. */
static double ulps_off(float y, float x)
{
    double exact = exp((double)x);
    float nearest = (float)exact;
    double ulp = (double)nextafterf(nearest, INFINITY) - (double)nearest;
    return fabs((double)y - exact) / ulp;
}

static void test_accuracy_over_the_range(void **state)
{
    (void)state;
    /* Two million evenly spaced points from the bottom of the normal floats
     * to the top of the range, in chunks of odd sizes. */
    const size_t n = 2000003, chunk = 4099;
    const float lo = -87.3f, hi = 88.3f;
    float *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    assert_non_null(x);
    assert_non_null(y);
    for (size_t i = 0; i < n; i++)
        x[i] = y[i] = lo + (hi - lo) * (float)((double)i / (double)(n - 1));
    for (size_t i = 0; i < n; i += chunk)
        nn_vexp(y + i, n - i < chunk ? n - i : chunk);
    double worst = 0.0;
    float worst_x = 0.0f;
    for (size_t i = 0; i < n; i++) {
        double off = ulps_off(y[i], x[i]);
        if (off > worst) {
            worst = off;
            worst_x = x[i];
        }
    }
    if (worst > 1.5)
        fail_msg("e^%.9g is %.3f ulp off (at most 1.5 expected)", (double)worst_x, worst);
    free(x);
    free(y);
}

static void test_special_values(void **state)
{
    (void)state;
    float v[] = {0.0f, -0.0f, 1.0f, -1.0f, NAN, -INFINITY, INFINITY, -100.0f, 100.0f,
                 -87.4f, 88.5f, -87.3f, 88.3f, 1e-30f};
    nn_vexp(v, sizeof v / sizeof v[0]);
    assert_true(v[0] == 1.0f);
    assert_true(v[1] == 1.0f);
    assert_true(ulps_off(v[2], 1.0f) <= 1.0);
    assert_true(ulps_off(v[3], -1.0f) <= 1.0);
    assert_true(isnan(v[4]));
    assert_true(v[5] == 0.0f);
    assert_true(isinf(v[6]) && v[6] > 0);
    assert_true(v[7] == 0.0f);
    assert_true(isinf(v[8]) && v[8] > 0);
    assert_true(v[9] == 0.0f);                      /* below the normal floats */
    assert_true(isinf(v[10]) && v[10] > 0);         /* above the range */
    assert_true(v[11] >= FLT_MIN && ulps_off(v[11], -87.3f) <= 1.5);
    assert_true(isfinite(v[12]) && ulps_off(v[12], 88.3f) <= 1.5);
    assert_true(v[13] == 1.0f);
}

/* A value gives the same bits alone, in a long array, at any offset: the
 * vector loop and the scalar remainder compute alike. */
static void test_same_bits_anywhere(void **state)
{
    (void)state;
    enum { N = 101 };
    float x[N], all[N + 3];
    srand(12345);
    for (size_t i = 0; i < N; i++)
        x[i] = (float)rand() / (float)RAND_MAX * 120.0f - 80.0f;
    for (size_t offset = 0; offset < 3; offset++) {
        memcpy(all + offset, x, sizeof x);
        nn_vexp(all + offset, N);
        for (size_t i = 0; i < N; i++) {
            float alone = x[i];
            nn_vexp(&alone, 1);
            assert_memory_equal(&alone, &all[offset + i], sizeof alone);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accuracy_over_the_range),
        cmocka_unit_test(test_special_values),
        cmocka_unit_test(test_same_bits_anywhere),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
