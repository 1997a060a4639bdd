/* test_imagestream.c - images one after another in one stream, and the
 * input gateway that hands a file to the IDX reader or to the image stream:
 * every image of a concatenation is read in order, white space between text
 * images is no image, bytes that start no image and an image cut short are
 * errors that stay, the cap on one image holds; files that are no image at
 * all, empty files and IDX-like files get their own messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nnclass/io/gateway.h"
#include "nnclass/io/imagestream.h"
#include "test_support.h"

/* A stream over the len bytes at data (borrowed). */
static nn_image_stream *open_memory(const void *data, size_t len, uint64_t max_bytes)
{
    nn_source *src = nn_source_open_memory(data, len);
    assert_non_null(src);
    nn_image_stream *s = NULL;
    nn_error err = {{0}};
    assert_int_equal(nn_image_stream_open(src, "mem", max_bytes, 0, &s, &err), NN_OK);
    return s;
}

/* The next image must be w x h with first pixel p0. */
static void expect_image(nn_image_stream *s, size_t w, size_t h, uint8_t p0)
{
    nn_grey g;
    nn_error err = {{0}};
    nn_status st = nn_image_stream_next(s, &g, &err);
    if (st != NN_OK)
        fail_msg("expected an image, got %d: %s", st, err.msg);
    assert_int_equal(g.width, w);
    assert_int_equal(g.height, h);
    assert_int_equal(g.pixels[0], p0);
    nn_grey_free(&g);
}

/* The next read must fail with st and a message holding text, twice. */
static void expect_failure(nn_image_stream *s, nn_status st, const char *text)
{
    for (int i = 0; i < 2; i++) {
        nn_grey g;
        nn_error err = {{0}};
        assert_int_equal(nn_image_stream_next(s, &g, &err), st);
        assert_null(g.pixels);
        if (strstr(err.msg, text) == NULL)
            fail_msg("message '%s' lacks '%s'", err.msg, text);
    }
}

static const char BINARY[] = "P5 2 1 255\n\x10\x20";
static const char TEXT[] = "P2\n# c\n3 1\n255\n30 40 50\n";
static const char COLOUR[] = "P6 1 1 255\n\xff\xff\xff";

static void test_mixed_formats(void **state)
{
    (void)state;
    char buf[256];
    int n = snprintf(buf, sizeof buf, "%s%s  \n%s%s", BINARY, TEXT, TEXT, COLOUR);
    nn_image_stream *s = open_memory(buf, (size_t)n, 0);
    expect_image(s, 2, 1, 0x10);
    expect_image(s, 3, 1, 30);
    expect_image(s, 3, 1, 30); /* white space between text images is no image */
    expect_image(s, 1, 1, 255);
    nn_grey g;
    assert_int_equal(nn_image_stream_next(s, &g, NULL), NN_DONE);
    assert_int_equal(nn_image_stream_next(s, &g, NULL), NN_DONE);
    assert_int_equal(nn_image_stream_count(s), 4);
    nn_image_stream_close(s);
}

static void test_trailing_bytes(void **state)
{
    (void)state;
    char buf[256];
    int n = snprintf(buf, sizeof buf, "%s%sjunk", BINARY, BINARY);
    nn_image_stream *s = open_memory(buf, (size_t)n, 0);
    expect_image(s, 2, 1, 0x10);
    expect_image(s, 2, 1, 0x10);
    char want[64];
    snprintf(want, sizeof want, "trailing bytes at offset %zu, after 2 images",
             2 * (sizeof BINARY - 1));
    expect_failure(s, NN_E_FORMAT, want);
    nn_image_stream_close(s);
    /* A newline after a binary raster is not white space between images. */
    n = snprintf(buf, sizeof buf, "%s\n", BINARY);
    s = open_memory(buf, (size_t)n, 0);
    expect_image(s, 2, 1, 0x10);
    expect_failure(s, NN_E_FORMAT, "trailing bytes");
    nn_image_stream_close(s);
}

static void test_cut_short(void **state)
{
    (void)state;
    char buf[256];
    /* The second image's raster lacks a byte; the third's header ends early. */
    int n = snprintf(buf, sizeof buf, "%s%s", BINARY, BINARY);
    nn_image_stream *s = open_memory(buf, (size_t)n - 1, 0);
    expect_image(s, 2, 1, 0x10);
    expect_failure(s, NN_E_TRUNCATED, "mem: image 1: truncated");
    nn_image_stream_close(s);
    n = snprintf(buf, sizeof buf, "%sP5 2", TEXT);
    s = open_memory(buf, (size_t)n, 0);
    expect_image(s, 3, 1, 30);
    expect_failure(s, NN_E_TRUNCATED, "truncated");
    nn_image_stream_close(s);
    /* A text image with fewer samples than its size: truncated too. */
    s = open_memory("P2 3 1 255 1 2", 14, 0);
    expect_failure(s, NN_E_TRUNCATED, "truncated");
    nn_image_stream_close(s);
}

static void test_cap_on_one_image(void **state)
{
    (void)state;
    static const char big[] = "P5 100 100 255\n";
    nn_image_stream *s = open_memory(big, sizeof big - 1, 1000);
    expect_failure(s, NN_E_TOO_LARGE, "over the limit");
    nn_image_stream_close(s);
}

/* Opens the bytes written to a file through the gateway. */
static nn_status open_file(const char *dir, const void *data, size_t len, int gz,
                           nn_gateway_file *f, nn_error *err)
{
    char *path = ts_join(dir, gz ? "f.gz" : "f");
    assert_int_equal(gz ? ts_write_gz(path, data, len) : ts_write_file(path, data, len), 0);
    nn_status st = nn_gateway_open(path, 0, 0, f, err);
    free(path);
    return st;
}

static void test_gateway(void **state)
{
    (void)state;
    char *dir = ts_make_tmpdir();
    nn_gateway_file f;
    nn_error err = {{0}};
    char buf[256];
    int n = snprintf(buf, sizeof buf, "%s%s", BINARY, TEXT);
    for (int gz = 0; gz < 2; gz++) {
        assert_int_equal(open_file(dir, buf, (size_t)n, gz, &f, &err), NN_OK);
        assert_null(f.idx);
        assert_non_null(f.images);
        expect_image(f.images, 2, 1, 0x10);
        expect_image(f.images, 3, 1, 30);
        nn_gateway_close(&f);
        assert_null(f.images);
    }
    uint8_t idx[16 + 4];
    const uint32_t dims[3] = {1, 2, 2};
    ts_idx_header(idx, NN_IDX_MAGIC_IMAGES, dims, 3);
    memset(idx + 16, 7, 4);
    assert_int_equal(open_file(dir, idx, sizeof idx, 0, &f, &err), NN_OK);
    assert_non_null(f.idx);
    assert_null(f.images);
    assert_int_equal(nn_idx_stream_count(f.idx), 1);
    nn_gateway_close(&f);

    const uint8_t labels[] = {0, 0, 8, 1, 0, 0, 0, 1, 3};
    assert_int_equal(open_file(dir, labels, sizeof labels, 0, &f, &err), NN_E_FORMAT);
    assert_non_null(strstr(err.msg, "is this a label file?"));
    assert_int_equal(open_file(dir, "hello, world\n", 13, 0, &f, &err), NN_E_FORMAT);
    assert_non_null(strstr(err.msg, "not a PNG, JPEG, PGM/PPM or IDX file"));
    assert_int_equal(open_file(dir, "GIF89a", 6, 1, &f, &err), NN_E_FORMAT);
    assert_non_null(strstr(err.msg, "not a PNG, JPEG, PGM/PPM or IDX file"));
    assert_int_equal(open_file(dir, "", 0, 0, &f, &err), NN_E_TRUNCATED);
    assert_non_null(strstr(err.msg, "empty file"));
    assert_null(f.idx);
    assert_null(f.images);
    assert_int_equal(nn_gateway_open(dir, 0, 0, &f, &err), NN_E_IO);
    assert_non_null(strstr(err.msg, "is a directory"));
    ts_remove_tree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mixed_formats),
        cmocka_unit_test(test_trailing_bytes),
        cmocka_unit_test(test_cut_short),
        cmocka_unit_test(test_cap_on_one_image),
        cmocka_unit_test(test_gateway),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
