/* test_source.c - bytes in memory through nn_source: raw bytes copied as
 * they are, gzip members inflated one after another, and every way such
 * bytes can be wrong (cut short, corrupt, trailing bytes) reported as a file
 * descriptor's bytes are; the caller's buffer is never written. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <zlib.h>

#include "nnclass/io/source.h"

/* n bytes that deflate cannot shrink much. */
static uint8_t *sample(size_t n)
{
    uint8_t *b = malloc(n > 0 ? n : 1);
    assert_non_null(b);
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        b[i] = (uint8_t)x;
    }
    return b;
}

/* Appends one gzip member holding in[0..len) at out; returns its size. */
static size_t gzip_member(const uint8_t *in, size_t len, uint8_t *out, size_t room)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)len;
    z.next_out = out;
    z.avail_out = (uInt)room;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    size_t n = room - z.avail_out;
    deflateEnd(&z);
    return n;
}

/* n sample bytes (returned) as one gzip member at gz, of *len bytes. */
static uint8_t *gzip_sample(size_t n, uint8_t *gz, size_t room, size_t *len)
{
    uint8_t *plain = sample(n);
    *len = gzip_member(plain, n, gz, room);
    return plain;
}

/* Everything the source gives for the len bytes at data, read chunk bytes
 * at a time into out (room for want bytes); returns the bytes read and sets
 * *code to the source's error state. The input must not change. */
static size_t read_all(const uint8_t *data, size_t len, size_t chunk, uint8_t *out, size_t want,
                       int *code)
{
    uint8_t *copy = malloc(len > 0 ? len : 1);
    assert_non_null(copy);
    if (len > 0)
        memcpy(copy, data, len);
    nn_source *s = nn_source_open_memory(data, len);
    assert_non_null(s);
    size_t got = 0;
    for (;;) {
        size_t n = want - got < chunk ? want - got : chunk;
        long r = nn_source_read(s, out + got, n);
        if (r <= 0)
            break;
        got += (size_t)r;
        if (got == want)
            break;
    }
    nn_source_error(s, code);
    assert_false(nn_source_stalled(s));
    assert_int_equal(nn_source_close(s), 0);
    if (len > 0)
        assert_memory_equal(copy, data, len);
    free(copy);
    return got;
}

static void test_raw(void **state)
{
    (void)state;
    uint8_t *plain = sample(5000);
    uint8_t out[6000];
    for (size_t chunk = 1; chunk <= 4096; chunk *= 8) {
        int code = -1;
        memset(out, 0, sizeof out);
        assert_int_equal(read_all(plain, 5000, chunk, out, sizeof out, &code), 5000);
        assert_int_equal(code, Z_OK);
        assert_memory_equal(out, plain, 5000);
    }
    nn_source *s = nn_source_open_memory(plain, 5000);
    assert_int_equal(nn_source_direct(s), 1);
    /* Bytes pushed back come first. */
    assert_int_equal(nn_source_read(s, out, 3), 3);
    assert_int_equal(nn_source_ungetc(out[2], s), out[2]);
    assert_int_equal(nn_source_read(s, out + 10, 2), 2);
    assert_memory_equal(out + 10, plain + 2, 2);
    nn_source_close(s);

    /* Nothing at all, with or without a pointer. */
    int code = -1;
    assert_int_equal(read_all(NULL, 0, 16, out, sizeof out, &code), 0);
    assert_int_equal(code, Z_OK);
    s = nn_source_open_memory(NULL, 0);
    assert_int_equal(nn_source_direct(s), 1);
    assert_int_equal(nn_source_read(s, out, 1), 0);
    nn_source_close(s);
    free(plain);
}

static void test_gzip_members(void **state)
{
    (void)state;
    const size_t n = 40000;
    uint8_t *plain = sample(n);
    size_t room = 3 * n;
    uint8_t *gz = malloc(room), *out = malloc(n + 100);
    assert_non_null(gz);
    assert_non_null(out);
    /* One member, then three (one of them empty). */
    size_t one = gzip_member(plain, n, gz, room);
    int code = -1;
    assert_int_equal(read_all(gz, one, 777, out, n + 100, &code), n);
    assert_int_equal(code, Z_OK);
    assert_memory_equal(out, plain, n);
    size_t three = gzip_member(plain, 1000, gz, room);
    three += gzip_member(plain, 0, gz + three, room - three);
    three += gzip_member(plain + 1000, n - 1000, gz + three, room - three);
    memset(out, 0, n);
    assert_int_equal(read_all(gz, three, n + 100, out, n + 100, &code), n);
    assert_int_equal(code, Z_OK);
    assert_memory_equal(out, plain, n);
    nn_source *s = nn_source_open_memory(gz, three);
    assert_int_equal(nn_source_direct(s), 0);
    nn_source_close(s);
    free(out);
    free(gz);
    free(plain);
}

/* Every prefix of a gzip member that holds its magic is cut short
 * (Z_BUF_ERROR), after the bytes inflated so far. */
static void test_gzip_cut(void **state)
{
    (void)state;
    const size_t n = 3000;
    uint8_t gz[4000], out[3100];
    size_t len;
    uint8_t *plain = gzip_sample(n, gz, sizeof gz, &len);
    for (size_t cut = 2; cut < len; cut++) {
        int code = -1;
        size_t got = read_all(gz, cut, 512, out, sizeof out, &code);
        if (code != Z_BUF_ERROR)
            fail_msg("cut at %zu of %zu: code %d", cut, len, code);
        assert_true(got <= n);
        assert_memory_equal(out, plain, got);
    }
    free(plain);
}

/* Corrupt data and trailing bytes are Z_DATA_ERROR with a message; the
 * trailing bytes' offset is where they start in the buffer. */
static void test_gzip_corrupt_and_trailing(void **state)
{
    (void)state;
    const size_t n = 3000;
    uint8_t gz[4100], out[3100];
    size_t len;
    uint8_t *plain = gzip_sample(n, gz, sizeof gz - 100, &len);
    int code = -1;
    gz[len - 6] ^= 0x40; /* the CRC-32 */
    read_all(gz, len, 4096, out, sizeof out, &code);
    assert_int_equal(code, Z_DATA_ERROR);
    gz[len - 6] ^= 0x40;

    memset(gz + len, 0, 5);
    nn_source *s = nn_source_open_memory(gz, len + 5);
    assert_int_equal(nn_source_read(s, out, sizeof out), (long)n);
    const char *msg = nn_source_error(s, &code);
    assert_int_equal(code, Z_DATA_ERROR);
    char want[64];
    snprintf(want, sizeof want, "offset %zu", len);
    if (strstr(msg, want) == NULL)
        fail_msg("message \"%s\" does not contain \"%s\"", msg, want);
    /* The error sticks. */
    assert_int_equal(nn_source_read(s, out, 1), -1);
    nn_source_close(s);
    free(plain);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_raw),
        cmocka_unit_test(test_gzip_members),
        cmocka_unit_test(test_gzip_cut),
        cmocka_unit_test(test_gzip_corrupt_and_trailing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
