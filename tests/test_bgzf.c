/* test_bgzf.c - the BGZF reader: whole files and ranges across members with
 * any number of threads, a table of malformed files (each refused, by the
 * index or by the read, never read past), and the IDX loader, which takes
 * BGZF files the fast way and words errors in them like any gzip file's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "nnclass/bgzf.h"
#include "nnclass/idx.h"
#include "nnclass/rng.h"
#include "test_support.h"

/* --- a BGZF writer ------------------------------------------------------------ */

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v & 0xffff);
    put16(p + 2, v >> 16);
}

/* Appends one member holding in[0..len) to out; returns its size. */
static size_t member(const uint8_t *in, size_t len, uint8_t *out)
{
    static const uint8_t head[18] = {0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 0xff, 6, 0, 'B', 'C', 2, 0,
                                     0, 0};
    memcpy(out, head, sizeof head);
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)len;
    z.next_out = out + 18;
    z.avail_out = 70000;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    size_t total = 18 + z.total_out + 8;
    deflateEnd(&z);
    assert_true(total <= 65536);
    put16(out + 16, (unsigned)(total - 1));
    put32(out + total - 8, (uint32_t)crc32(0L, in, (uInt)len));
    put32(out + total - 4, (uint32_t)len);
    return total;
}

/* in[0..len) as BGZF with members of block bytes, then the empty member
 * that ends a BGZF file. The caller frees; *out_len receives the size. */
static uint8_t *bgzf_of(const uint8_t *in, size_t len, size_t block, size_t *out_len)
{
    uint8_t *out = malloc((len / block + 2) * 70000);
    size_t n = 0;
    for (size_t i = 0; i < len; i += block)
        n += member(in + i, len - i < block ? len - i : block, out + n);
    n += member(in, 0, out + n);
    *out_len = n;
    return out;
}

/* Compressible bytes: runs of a few values, like images' dark pixels. */
static uint8_t *sample(size_t len, uint64_t seed)
{
    uint8_t *p = malloc(len);
    nn_rng rng;
    nn_rng_seed(&rng, seed);
    for (size_t i = 0; i < len; i++)
        p[i] = nn_rng_next(&rng) % 7 == 0 ? (uint8_t)nn_rng_next(&rng) : 0;
    return p;
}

/* --- reading ------------------------------------------------------------------ */

static void test_whole_and_ranges(void **state)
{
    (void)state;
    const size_t len = 300000;
    uint8_t *plain = sample(len, 1);
    const size_t blocks[] = {65280, 1000, 777};
    for (size_t b = 0; b < 3; b++) {
        size_t n;
        uint8_t *file = bgzf_of(plain, len, blocks[b], &n);
        assert_true(nn_bgzf_detect(file, n));
        nn_bgzf *bz = NULL;
        nn_error err = {{0}};
        assert_int_equal(nn_bgzf_index(file, n, "t.gz", &bz, &err), NN_OK);
        assert_int_equal(nn_bgzf_size(bz), len);
        uint8_t *got = malloc(len);
        for (size_t threads = 1; threads <= 9; threads += 4) {
            memset(got, 0xaa, len);
            assert_int_equal(nn_bgzf_read(bz, 0, got, len, threads, &err), NN_OK);
            assert_memory_equal(got, plain, len);
        }
        /* Ranges that start and end inside members, one byte, and nothing. */
        const size_t ranges[][2] = {{1, 2}, {999, 70001}, {65279, 2}, {123456, 176544},
                                    {len - 1, 1}, {5000, 0}};
        for (size_t r = 0; r < 6; r++) {
            memset(got, 0xaa, len);
            assert_int_equal(nn_bgzf_read(bz, ranges[r][0], got, ranges[r][1], 3, &err), NN_OK);
            assert_memory_equal(got, plain + ranges[r][0], ranges[r][1]);
            if (ranges[r][1] < len)
                assert_int_equal(got[ranges[r][1]], 0xaa); /* nothing written past */
        }
        assert_int_equal(nn_bgzf_read(bz, len - 10, got, 11, 2, &err), NN_E_ARG);
        assert_int_equal(nn_bgzf_read(bz, len + 1, got, 0, 2, &err), NN_E_ARG);
        free(got);
        nn_bgzf_free(bz);
        free(file);
    }
    free(plain);
}

/* Each case breaks a 3-member file (two of 1000 bytes and the end member)
 * and says whether the index or the read must refuse it. */
typedef struct {
    const char *what;
    void (*spoil)(uint8_t *file, size_t *len);
    int at_index; /* 1: nn_bgzf_index fails; 0: nn_bgzf_read does */
    const char *msg;
} spoiled;

static void cut_in_header(uint8_t *f, size_t *len) { (void)f; *len = 10; }
static void cut_in_member(uint8_t *f, size_t *len) { (void)f; *len -= 40; }
static void trailing_byte(uint8_t *f, size_t *len) { f[(*len)++] = 0; }
static void trailing_member_head(uint8_t *f, size_t *len) { memcpy(f + *len, f, 17); *len += 17; }
static void not_gzip(uint8_t *f, size_t *len) { (void)len; f[0] = 'x'; }
static void other_flags(uint8_t *f, size_t *len) { (void)len; f[3] = 0x0c; }
static void no_bc(uint8_t *f, size_t *len) { (void)len; f[12] = 'X'; }
static void bsize_past_end(uint8_t *f, size_t *len) { (void)len; put16(f + 16, 60000); }
static void bsize_tiny(uint8_t *f, size_t *len) { (void)len; put16(f + 16, 20); }
static void xlen_past_end(uint8_t *f, size_t *len) { *len = 20; put16(f + 10, 400); }
static void isize_huge(uint8_t *f, size_t *len)
{
    (void)len;
    size_t total = (size_t)(f[16] | f[17] << 8) + 1;
    put32(f + total - 4, 70000);
}
static void isize_beyond_ratio(uint8_t *f, size_t *len)
{
    /* The end member: 2 bytes of deflate data cannot hold 65536 bytes. */
    put32(f + *len - 4, 65536);
}
static void isize_larger(uint8_t *f, size_t *len)
{
    (void)len;
    size_t total = (size_t)(f[16] | f[17] << 8) + 1;
    put32(f + total - 4, 1001);
}
static void isize_smaller(uint8_t *f, size_t *len)
{
    (void)len;
    size_t total = (size_t)(f[16] | f[17] << 8) + 1;
    put32(f + total - 4, 999);
}
static void crc_wrong(uint8_t *f, size_t *len)
{
    (void)len;
    size_t total = (size_t)(f[16] | f[17] << 8) + 1;
    f[total - 8] ^= 1;
}
static void data_corrupt(uint8_t *f, size_t *len)
{
    (void)len;
    f[18] = 0xff; /* block type 3: invalid */
}
static void empty_file(uint8_t *f, size_t *len) { (void)f; *len = 0; }
/* The empty end-of-file member: header, empty deflate data, CRC-32, ISIZE. */
static void end_member_crc_wrong(uint8_t *f, size_t *len) { f[*len - 8] ^= 1; }

static void test_malformed(void **state)
{
    (void)state;
    static const spoiled cases[] = {
        {"cut in a header", cut_in_header, 1, "no BGZF member header at byte 0"},
        {"cut in a member", cut_in_member, 1, "past the end of the file"},
        {"a trailing byte", trailing_byte, 1, "no BGZF member header"},
        {"a trailing partial header", trailing_member_head, 1, "no BGZF member header"},
        {"not gzip", not_gzip, 1, "no BGZF member header at byte 0"},
        {"flags other than FEXTRA", other_flags, 1, "no BGZF member header"},
        {"no BC subfield", no_bc, 1, "no BGZF member header"},
        {"BSIZE past the end", bsize_past_end, 1, "past the end of the file"},
        {"BSIZE too small", bsize_tiny, 1, "too few for a member"},
        {"XLEN past the end", xlen_past_end, 1, "no BGZF member header"},
        {"ISIZE over 64 KiB", isize_huge, 1, "more than"},
        {"ISIZE beyond deflate's ratio", isize_beyond_ratio, 1, "more than 2 compressed"},
        {"ISIZE one too large", isize_larger, 0, "less data than its length field says"},
        {"ISIZE one too small", isize_smaller, 0, "more data than its length field says"},
        {"CRC-32 wrong", crc_wrong, 0, "CRC-32 mismatch"},
        {"deflate data corrupt", data_corrupt, 0, "BGZF member 1 of 3"},
        {"empty file", empty_file, 1, "empty file"},
        {"the empty end member's CRC-32 wrong", end_member_crc_wrong, 0, "member 3 of 3"},
    };
    const size_t len = 2000;
    uint8_t *plain = sample(len, 2);
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        size_t n;
        uint8_t *file = bgzf_of(plain, len, 1000, &n);
        cases[k].spoil(file, &n);
        nn_bgzf *bz = NULL;
        nn_error err = {{0}};
        nn_status st = nn_bgzf_index(file, n, "t.gz", &bz, &err);
        if (cases[k].at_index) {
            if (st != NN_E_FORMAT)
                fail_msg("%s: index gave %s, expected a format error", cases[k].what,
                         nn_status_str(st));
            assert_null(bz);
        } else {
            if (st != NN_OK)
                fail_msg("%s: index failed: %s", cases[k].what, err.msg);
            uint8_t got[2000];
            for (size_t threads = 1; threads <= 2; threads++) {
                st = nn_bgzf_read(bz, 0, got, (size_t)nn_bgzf_size(bz), threads, &err);
                if (st != NN_E_FORMAT)
                    fail_msg("%s: read gave %s with %zu threads", cases[k].what,
                             nn_status_str(st), threads);
            }
            nn_bgzf_free(bz);
        }
        if (strstr(err.msg, cases[k].msg) == NULL || strstr(err.msg, "t.gz: ") != err.msg)
            fail_msg("%s: message \"%s\" lacks \"%s\"", cases[k].what, err.msg, cases[k].msg);
        free(file);
    }
    free(plain);
}

/* --- the IDX loader ------------------------------------------------------------ */

static void write_file(const char *path, const uint8_t *p, size_t n)
{
    assert_int_equal(ts_write_file(path, p, n), 0);
}

/* IDX bytes of count images of 28x28 with pixels from sample(). */
static uint8_t *idx_images(uint32_t count, size_t *len)
{
    size_t payload = (size_t)count * 784;
    uint8_t *pixels = sample(payload, 3);
    uint8_t *p = malloc(16 + payload);
    const uint32_t h[4] = {0x803, count, 28, 28};
    for (int i = 0; i < 4; i++) {
        p[4 * i] = (uint8_t)(h[i] >> 24);
        p[4 * i + 1] = (uint8_t)(h[i] >> 16);
        p[4 * i + 2] = (uint8_t)(h[i] >> 8);
        p[4 * i + 3] = (uint8_t)h[i];
    }
    memcpy(p + 16, pixels, payload);
    free(pixels);
    *len = 16 + payload;
    return p;
}

static void test_idx_loader(void **state)
{
    (void)state;
    char *dir = ts_make_tmpdir();
    char *path = ts_join(dir, "images.gz");
    size_t len, n;
    uint8_t *raw = idx_images(500, &len);

    /* A whole BGZF file loads like any other. */
    uint8_t *file = bgzf_of(raw, len, 65280, &n);
    write_file(path, file, n);
    nn_images im;
    nn_error err = {{0}};
    assert_int_equal(nn_idx_load_images(path, 0, &im, &err), NN_OK);
    assert_int_equal(im.count, 500);
    assert_int_equal(im.rows * im.cols, 784);
    assert_memory_equal(im.pixels, raw + 16, len - 16);
    nn_images_free(&im);
    /* A cap below the declared size is refused as for gzip. */
    assert_int_equal(nn_idx_load_images(path, 1000, &im, &err), NN_E_TOO_LARGE);
    assert_non_null(strstr(err.msg, "over the limit of 1000 bytes"));
    free(file);

    /* A wrong CRC: refused with zlib's words, as the same bytes read in one stream. */
    file = bgzf_of(raw, len, 65280, &n);
    size_t total = (size_t)(file[16] | file[17] << 8) + 1;
    file[total - 8] ^= 0x40;
    write_file(path, file, n);
    assert_int_equal(nn_idx_load_images(path, 0, &im, &err), NN_E_FORMAT);
    assert_non_null(strstr(err.msg, "corrupt gzip data: incorrect data check"));
    free(file);

    /* A header that declares fewer images than the file holds: trailing bytes. */
    raw[7] = (uint8_t)(raw[7] - 1); /* 500 -> 499 */
    file = bgzf_of(raw, len, 65280, &n);
    write_file(path, file, n);
    assert_int_equal(nn_idx_load_images(path, 0, &im, &err), NN_E_FORMAT);
    assert_non_null(strstr(err.msg, "trailing bytes"));
    free(file);

    /* More images declared than held: truncated. */
    raw[7] = (uint8_t)(raw[7] + 2); /* 501 */
    file = bgzf_of(raw, len, 65280, &n);
    write_file(path, file, n);
    assert_int_equal(nn_idx_load_images(path, 0, &im, &err), NN_E_TRUNCATED);
    assert_non_null(strstr(err.msg, "truncated"));
    free(file);
    free(raw);
    ts_remove_tree(dir);
    free(path);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whole_and_ranges),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_idx_loader),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
