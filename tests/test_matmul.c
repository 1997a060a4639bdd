/* test_matmul.c - nn_matmul against its plain reference bit for bit, over
 * shapes with short tiles and loose columns, transposed and strided
 * operands, both starts (accumulate or not), every vector width the
 * machine has; and a row's bits the same whatever the number of rows
 * around it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nnclass/base/matmul.h"

/* Values of varied magnitude and sign, so that the order of the sums shows
 * in the last bits. */
static void fill(float *v, size_t n, uint32_t seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        float u = (float)(seed >> 8) / 16777216.0f - 0.5f;
        v[i] = u * (float)(1u << (seed & 7));
    }
}

/* C (m, n) from A (m, k) or its transpose and B (k, n), both ways; ld adds
 * spare columns to every matrix. */
static void check_shape(size_t m, size_t n, size_t k, int trans, int acc, size_t pad)
{
    size_t lda = (trans ? m : k) + pad, ldb = n + pad, ldc = n + pad;
    size_t na = (trans ? k : m) * lda + 1, nb = k * ldb + 1, nc = m * ldc + 1;
    float *a = malloc(na * sizeof *a), *b = malloc(nb * sizeof *b);
    float *c = malloc(nc * sizeof *c), *want = malloc(nc * sizeof *want);
    assert_non_null(a), assert_non_null(b), assert_non_null(c), assert_non_null(want);
    fill(a, na, (uint32_t)(m * 131 + k)), fill(b, nb, (uint32_t)(n * 7 + 3));
    fill(c, nc, 99u);
    memcpy(want, c, nc * sizeof *c);
    size_t rsa = trans ? 1 : lda, csa = trans ? lda : 1;
    nn_matmul_naive(m, n, k, a, rsa, csa, b, ldb, want, ldc, acc);
    float *start = malloc(nc * sizeof *start);
    assert_non_null(start);
    memcpy(start, c, nc * sizeof *c);
    nn_matmul(m, n, k, a, rsa, csa, b, ldb, c, ldc, acc);
    /* Every element, the padding included (it must not be touched). */
    assert_memory_equal(c, want, nc * sizeof *c);
    /* Every vector width this machine has. */
    for (size_t width = 4; width <= 16; width *= 2) {
        memcpy(c, start, nc * sizeof *c);
        if (nn_matmul_width(width, m, n, k, a, rsa, csa, b, ldb, c, ldc, acc))
            assert_memory_equal(c, want, nc * sizeof *c);
    }
    free(start);
    free(a), free(b), free(c), free(want);
}

static void test_agrees_with_reference(void **state)
{
    (void)state;
    static const size_t ms[] = {1, 3, 7, 8, 9, 16, 17};
    static const size_t ns[] = {1, 15, 31, 32, 33, 64, 70};
    static const size_t ks[] = {0, 1, 5, 28, 128, 300};
    for (size_t i = 0; i < sizeof ms / sizeof *ms; i++)
        for (size_t j = 0; j < sizeof ns / sizeof *ns; j++)
            for (size_t p = 0; p < sizeof ks / sizeof *ks; p++)
                for (int v = 0; v < 8; v++)
                    check_shape(ms[i], ns[j], ks[p], v & 1, (v >> 1) & 1, v >> 2 ? 3 : 0);
}

/* The recurrent layers' shapes: 16 rows against a 128 x 512 operand. */
static void test_agrees_at_recurrent_shapes(void **state)
{
    (void)state;
    check_shape(16, 512, 128, 0, 1, 0);
    check_shape(16, 128, 512, 0, 0, 0);
    check_shape(512, 128, 448, 1, 0, 0);
}

/* Row 5 of a 64-row product is the same bits as the same row alone. */
static void test_row_same_in_any_product(void **state)
{
    (void)state;
    const size_t m = 64, n = 96, k = 77;
    float *a = malloc(m * k * sizeof *a), *b = malloc(k * n * sizeof *b);
    float *c = calloc(m * n, sizeof *c), *one = calloc(n, sizeof *one);
    assert_non_null(a), assert_non_null(b), assert_non_null(c), assert_non_null(one);
    fill(a, m * k, 5u), fill(b, k * n, 6u);
    nn_matmul(m, n, k, a, k, 1, b, n, c, n, 0);
    nn_matmul(1, n, k, a + 5 * k, k, 1, b, n, one, n, 0);
    assert_memory_equal(c + 5 * n, one, n * sizeof *one);
    free(a), free(b), free(c), free(one);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_agrees_with_reference),
        cmocka_unit_test(test_agrees_at_recurrent_shapes),
        cmocka_unit_test(test_row_same_in_any_product),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
