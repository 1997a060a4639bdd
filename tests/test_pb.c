/* test_pb.c - the protocol buffers writer: varints at every length
 * boundary, each wire type, nested messages whose length prefix needs one
 * or two bytes, joins, and the sticky failures (unbalanced, too deep). The
 * expected bytes are worked out by hand from the wire-format rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nnclass/export/pb.h"

static void expect_bytes(nn_pb *pb, const uint8_t *want, size_t want_len)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    nn_error err = {{0}};
    assert_int_equal(nn_pb_finish(pb, &buf, &len, &err), NN_OK);
    assert_int_equal(len, want_len);
    assert_memory_equal(buf, want, want_len);
    free(buf);
}

static void test_varints(void **state)
{
    (void)state;
    static const struct {
        uint64_t v;
        uint8_t bytes[10];
        size_t n;
    } cases[] = {
        {0, {0x00}, 1},
        {1, {0x01}, 1},
        {127, {0x7f}, 1},
        {128, {0x80, 0x01}, 2},
        {300, {0xac, 0x02}, 2},
        {16383, {0xff, 0x7f}, 2},
        {16384, {0x80, 0x80, 0x01}, 3},
        {UINT32_MAX, {0xff, 0xff, 0xff, 0xff, 0x0f}, 5},
        {UINT64_MAX, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, 10},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        nn_pb pb;
        nn_pb_init(&pb);
        nn_pb_varint(&pb, cases[i].v);
        expect_bytes(&pb, cases[i].bytes, cases[i].n);
    }
}

static void test_fields(void **state)
{
    (void)state;
    nn_pb pb;
    nn_pb_init(&pb);
    nn_pb_int(&pb, 1, 150);        /* key 0x08, varint 150 */
    nn_pb_int(&pb, 2, -1);         /* key 0x10, ten bytes of two's complement */
    nn_pb_float(&pb, 3, 1.0f);     /* key 0x1d (3 << 3 | 5), 0x3f800000 LE */
    nn_pb_string(&pb, 4, "hi");    /* key 0x22, length 2 */
    nn_pb_int(&pb, 20, 2);         /* key 0xa0 0x01 (160 needs two bytes) */
    float v[2] = {1.0f, -2.0f};
    nn_pb_floats(&pb, 9, v, 2);    /* key 0x4a, length 8, LE floats */
    nn_pb_bytes(&pb, 5, NULL, 0);  /* key 0x2a, length 0 */
    static const uint8_t want[] = {
        0x08, 0x96, 0x01,
        0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
        0x1d, 0x00, 0x00, 0x80, 0x3f,
        0x22, 0x02, 'h', 'i',
        0xa0, 0x01, 0x02,
        0x4a, 0x08, 0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0,
        0x2a, 0x00,
    };
    expect_bytes(&pb, want, sizeof want);
}

/* A nested message of body bytes: its length prefix is 1 byte up to 127, 2 from 128. */
static void nested_of(size_t body, size_t prefix)
{
    nn_pb pb;
    nn_pb_init(&pb);
    nn_pb_int(&pb, 1, 7);
    nn_pb_begin(&pb, 2);
    uint8_t *fill = malloc(body);
    assert_non_null(fill);
    memset(fill, 0xab, body);
    nn_pb_bytes(&pb, 3, fill, body - 2 - (body - 2 >= 128)); /* key + length prefix */
    nn_pb_end(&pb);
    nn_pb_int(&pb, 4, 1);
    uint8_t *buf = NULL;
    size_t len = 0;
    assert_int_equal(nn_pb_finish(&pb, &buf, &len, NULL), NN_OK);
    assert_int_equal(len, 2 + 1 + prefix + body + 2);
    assert_int_equal(buf[2], 0x12);
    if (prefix == 1) {
        assert_int_equal(buf[3], body);
    } else {
        assert_int_equal(buf[3], 0x80 | (body & 0x7f));
        assert_int_equal(buf[4], body >> 7);
    }
    assert_int_equal(buf[3 + prefix], 0x1a); /* the body moved intact */
    assert_int_equal(buf[len - 2], 0x20);
    assert_int_equal(buf[len - 1], 0x01);
    free(buf);
    free(fill);
}

static void test_nested_lengths(void **state)
{
    (void)state;
    nested_of(2, 1);
    nested_of(127, 1);
    nested_of(128, 2);
    nested_of(131, 2);
    nested_of(5000, 2);
}

static void test_nested_deep_and_empty(void **state)
{
    (void)state;
    nn_pb pb;
    nn_pb_init(&pb);
    nn_pb_begin(&pb, 1);
    nn_pb_begin(&pb, 2);
    nn_pb_end(&pb);
    nn_pb_begin(&pb, 3);
    nn_pb_string(&pb, 1, "a");
    nn_pb_end(&pb);
    nn_pb_end(&pb);
    static const uint8_t want[] = {0x0a, 0x07, 0x12, 0x00, 0x1a, 0x03, 0x0a, 0x01, 'a'};
    expect_bytes(&pb, want, sizeof want);
}

static void test_join(void **state)
{
    (void)state;
    nn_pb a, b;
    nn_pb_init(&a);
    nn_pb_init(&b);
    nn_pb_int(&b, 1, 1);
    nn_pb_begin(&a, 5);
    nn_pb_join(&a, &b);
    nn_pb_join(&a, &b);
    nn_pb_end(&a);
    static const uint8_t want[] = {0x2a, 0x04, 0x08, 0x01, 0x08, 0x01};
    expect_bytes(&a, want, sizeof want);
    nn_pb_free(&b);

    /* joining a writer with an open message is an error */
    nn_pb_init(&a);
    nn_pb_init(&b);
    nn_pb_begin(&b, 1);
    nn_pb_join(&a, &b);
    uint8_t *buf = NULL;
    size_t len = 0;
    assert_int_equal(nn_pb_finish(&a, &buf, &len, NULL), NN_E_ARG);
    nn_pb_free(&b);
}

static void test_failures(void **state)
{
    (void)state;
    nn_pb pb;
    uint8_t *buf = NULL;
    size_t len = 0;
    nn_error err = {{0}};

    nn_pb_init(&pb);
    nn_pb_begin(&pb, 1);
    assert_int_equal(nn_pb_finish(&pb, &buf, &len, &err), NN_E_ARG);
    assert_non_null(strstr(err.msg, "unbalanced"));
    assert_null(pb.data);

    nn_pb_init(&pb);
    nn_pb_end(&pb);
    nn_pb_int(&pb, 1, 1); /* ignored after the failure */
    assert_int_equal(nn_pb_finish(&pb, &buf, &len, NULL), NN_E_ARG);

    nn_pb_init(&pb);
    for (int i = 0; i <= NN_PB_MAX_DEPTH; i++)
        nn_pb_begin(&pb, 1);
    assert_int_equal(nn_pb_finish(&pb, &buf, &len, NULL), NN_E_ARG);

    /* an empty message is a valid, empty buffer */
    nn_pb_init(&pb);
    assert_int_equal(nn_pb_finish(&pb, &buf, &len, NULL), NN_OK);
    assert_int_equal(len, 0);
    assert_non_null(buf);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_varints),
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_nested_lengths),
        cmocka_unit_test(test_nested_deep_and_empty),
        cmocka_unit_test(test_join),
        cmocka_unit_test(test_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
