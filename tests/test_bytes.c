/* test_bytes.c - the growable byte buffer: contents kept across growth,
 * the cap, and a failure that sticks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nnclass/base/bytes.h"

static void test_put_keeps_every_byte(void **state)
{
    (void)state;
    nn_bytes b;
    nn_bytes_init(&b, 0);
    for (uint32_t i = 0; i < 100000; i++) {
        uint8_t v = (uint8_t)(i * 7);
        nn_bytes_put(&b, &v, 1);
    }
    assert_int_equal(b.failed, NN_OK);
    assert_int_equal(b.len, 100000);
    assert_true(b.cap >= b.len && b.cap <= 2 * b.len);
    for (uint32_t i = 0; i < 100000; i++)
        assert_int_equal(b.data[i], (uint8_t)(i * 7));
    nn_bytes_free(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
}

static void test_cap_is_sticky(void **state)
{
    (void)state;
    nn_bytes b;
    nn_bytes_init(&b, 10);
    nn_bytes_put(&b, "0123456789", 10);
    assert_int_equal(b.failed, NN_OK);
    assert_true(b.cap <= 10);
    nn_bytes_put(&b, "x", 1);
    assert_int_equal(b.failed, NN_E_TOO_LARGE);
    assert_int_equal(b.len, 10);
    assert_int_equal(nn_bytes_reserve(&b, 0), -1); /* stays failed */
    nn_bytes_free(&b);
}

static void test_absurd_request(void **state)
{
    (void)state;
    nn_bytes b;
    nn_bytes_init(&b, 0);
    nn_bytes_put(&b, "ab", 2);
    assert_int_equal(nn_bytes_reserve(&b, SIZE_MAX - 1), -1);
    assert_int_equal(b.failed, NN_E_TOO_LARGE);
    nn_bytes_free(&b);
}

static void test_grow_alone(void **state)
{
    (void)state;
    uint8_t *data = NULL;
    size_t cap = 0;
    assert_int_equal(nn_bytes_grow(&data, &cap, 5000, 0), NN_OK);
    assert_int_equal(cap, 8192); /* 4 KiB doubled */
    assert_int_equal(nn_bytes_grow(&data, &cap, 100, 0), NN_OK);
    assert_int_equal(cap, 8192); /* never shrinks */
    assert_int_equal(nn_bytes_grow(&data, &cap, 9000, 8500), NN_E_TOO_LARGE);
    assert_int_equal(cap, 8192);
    assert_int_equal(nn_bytes_grow(&data, &cap, 8500, 8500), NN_OK);
    assert_int_equal(cap, 8500); /* doubling stops at the cap */
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_put_keeps_every_byte),
        cmocka_unit_test(test_cap_is_sticky),
        cmocka_unit_test(test_absurd_request),
        cmocka_unit_test(test_grow_alone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
