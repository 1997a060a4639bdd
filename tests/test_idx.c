/* test_idx.c - the IDX reader: a table of malformed files (each with its
 * status and a message naming the file), declared sizes that must not turn
 * into allocations, truncation and bit-flip sweeps over small valid files
 * (raw and gzipped), gzip corruption and concatenated members, BGZF files,
 * the streaming reader (partial reads, truncation, trailing bytes, standard
 * input), the same bytes read from memory and from a descriptor (the same
 * verdicts and words as from the file), and the real MNIST files. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <zlib.h>

#include "nnclass/io/idx.h"
#include "nnclass/io/idx_write.h"
#include "test_support.h"

/* --- helpers --------------------------------------------------------------- */

static char *g_dir; /* a fresh temporary folder per test */

static int setup(void **state)
{
    (void)state;
    g_dir = ts_make_tmpdir();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ts_remove_tree(g_dir);
    free(g_dir);
    g_dir = NULL;
    return 0;
}

/* A small valid image file: header then count images of rows x cols of
 * pseudo-random pixels (which deflate cannot shrink much, so that a cut in
 * the gzip bytes lands mid-payload). Returns the malloc'd bytes and length. */
static uint8_t *make_images(uint32_t count, uint32_t rows, uint32_t cols, size_t *len)
{
    uint32_t dims[3] = {count, rows, cols};
    size_t payload = (size_t)count * rows * cols;
    uint8_t *b = malloc(16 + payload + 1);
    assert_non_null(b);
    size_t h = ts_idx_header(b, NN_IDX_MAGIC_IMAGES, dims, 3);
    uint32_t x = 12345;
    for (size_t i = 0; i < payload; i++) {
        x = x * 1103515245u + 12345u;
        b[h + i] = (uint8_t)(x >> 16);
    }
    *len = h + payload;
    return b;
}

/* A small valid label file: labels i % n_classes. */
static uint8_t *make_labels(uint32_t count, uint32_t n_classes, size_t *len)
{
    uint8_t *b = malloc(8 + (size_t)count + 1);
    assert_non_null(b);
    size_t h = ts_idx_header(b, NN_IDX_MAGIC_LABELS, &count, 1);
    for (uint32_t i = 0; i < count; i++)
        b[h + i] = (uint8_t)(i % n_classes);
    *len = h + count;
    return b;
}

/* Writes bytes to g_dir/name, raw or gzipped; returns the malloc'd path. */
static char *put(const char *name, const void *bytes, size_t len, int gz)
{
    char *path = ts_join(g_dir, name);
    assert_int_equal(gz ? ts_write_gz(path, bytes, len) : ts_write_file(path, bytes, len), 0);
    return path;
}

/* Reads a whole file (to corrupt gzip bytes by hand). */
static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t cap = 1 << 16, n = 0;
    uint8_t *b = malloc(cap);
    assert_non_null(b);
    size_t r;
    while ((r = fread(b + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            cap *= 2;
            b = realloc(b, cap);
            assert_non_null(b);
        }
    }
    fclose(f);
    *len = n;
    return b;
}

/* gzip of bytes in memory, as one member (level 6). */
static uint8_t *gzip_bytes(const uint8_t *bytes, size_t len, size_t *out_len)
{
    char *path = put("tmp.gz", bytes, len, 1);
    uint8_t *gz = slurp(path, out_len);
    unlink(path);
    free(path);
    return gz;
}

static void assert_msg_has(const nn_error *err, const char *needle)
{
    if (strstr(err->msg, needle) == NULL)
        fail_msg("message \"%s\" does not contain \"%s\"", err->msg, needle);
}

/* Streams a whole image file, with or without read-ahead; returns the first
 * status other than NN_OK and the number of images handed out before it. */
static nn_status stream_all_in(const char *path, int read_ahead, size_t per_call, size_t *total,
                               nn_error *err)
{
    nn_idx_stream *s = NULL;
    *total = 0;
    nn_status st = nn_idx_stream_open_ahead(path, read_ahead, &s, err);
    if (st != NN_OK) {
        assert_null(s);
        return st;
    }
    size_t img = nn_idx_stream_rows(s) * nn_idx_stream_cols(s);
    uint8_t *buf = malloc(per_call * img);
    assert_non_null(buf);
    for (;;) {
        size_t n = 99;
        st = nn_idx_stream_read(s, buf, per_call, &n, err);
        assert_true(n <= per_call);
        *total += n;
        if (st != NN_OK)
            break;
        assert_true(n > 0);
    }
    free(buf);
    nn_idx_stream_close(s);
    return st;
}

/* stream_all_in both ways, which must agree on the status, the images and
 * the message (standard input can only be read once: with read-ahead). */
static nn_status stream_all(const char *path, size_t per_call, size_t *total, nn_error *err)
{
    if (strcmp(path, "-") == 0)
        return stream_all_in(path, 1, per_call, total, err);
    nn_error ahead_err = {{0}};
    size_t ahead_total = 0;
    nn_status direct = stream_all_in(path, 0, per_call, total, err);
    nn_status ahead = stream_all_in(path, 1, per_call, &ahead_total, &ahead_err);
    assert_int_equal(ahead, direct);
    assert_int_equal(ahead_total, *total);
    if (direct != NN_OK && direct != NN_DONE)
        assert_string_equal(ahead_err.msg, err->msg);
    return direct;
}

/* Streams in to its end (with read-ahead or not) and returns the status;
 * *total counts the images, *sum adds up their bytes. */
static nn_status stream_input(nn_idx_input in, int ahead, size_t *total, uint64_t *sum,
                              nn_error *err)
{
    nn_idx_stream *s = NULL;
    *total = 0;
    *sum = 0;
    nn_status st = nn_idx_stream_open_from(in, ahead, &s, err);
    if (st != NN_OK)
        return st;
    size_t img = nn_idx_stream_rows(s) * nn_idx_stream_cols(s);
    uint8_t *buf = malloc(3 * img);
    assert_non_null(buf);
    size_t n = 0;
    while ((st = nn_idx_stream_read(s, buf, 3, &n, err)) == NN_OK || n > 0) {
        *total += n;
        for (size_t i = 0; i < n * img; i++)
            *sum += buf[i];
        if (st != NN_OK)
            break;
    }
    free(buf);
    nn_idx_stream_close(s);
    return st;
}

/* What the readers say about the file at path they must say, word for word,
 * about its bytes in memory under the same name: the loaders' statuses,
 * messages and contents, and the stream's (with and without read-ahead).
 * The bytes are not written to. */
static void same_from_memory(const char *path)
{
    size_t len;
    uint8_t *bytes = slurp(path, &len);
    uint8_t *copy = malloc(len + 1);
    assert_non_null(copy);
    memcpy(copy, bytes, len);
    nn_idx_input mem = nn_idx_memory(bytes, len, path);
    nn_error ef = {{0}}, em = {{0}};
    nn_images fi, mi;
    nn_status sf = nn_idx_load_images(path, 0, &fi, &ef);
    nn_status sm = nn_idx_load_images_from(mem, 0, NULL, NULL, &mi, &em);
    assert_int_equal(sm, sf);
    assert_string_equal(em.msg, ef.msg);
    assert_int_equal(mi.count * mi.rows * mi.cols, fi.count * fi.rows * fi.cols);
    if (sf == NN_OK && fi.count > 0)
        assert_memory_equal(mi.pixels, fi.pixels, fi.count * fi.rows * fi.cols);
    nn_images_free(&fi);
    nn_images_free(&mi);
    nn_labels fl, ml;
    sf = nn_idx_load_labels(path, 0, &fl, &ef);
    sm = nn_idx_load_labels_from(mem, 0, &ml, &em);
    assert_int_equal(sm, sf);
    assert_string_equal(em.msg, ef.msg);
    assert_int_equal(ml.count, fl.count);
    if (sf == NN_OK && fl.count > 0)
        assert_memory_equal(ml.labels, fl.labels, fl.count);
    nn_labels_free(&fl);
    nn_labels_free(&ml);
    for (int ahead = 0; ahead < 2; ahead++) {
        size_t nf, nm;
        uint64_t hf, hm;
        sf = stream_input(nn_idx_path(path), ahead, &nf, &hf, &ef);
        sm = stream_input(mem, ahead, &nm, &hm, &em);
        assert_int_equal(sm, sf);
        assert_int_equal(nm, nf);
        assert_int_equal(hm, hf);
        if (sf != NN_DONE)
            assert_string_equal(em.msg, ef.msg);
    }
    assert_memory_equal(bytes, copy, len);
    free(copy);
    free(bytes);
}

/* --- malformed files, one row each ---------------------------------------- */

typedef struct {
    const char *name;   /* file name: the message must contain it */
    int labels;         /* load with nn_idx_load_labels */
    int gz;             /* write it gzipped */
    uint64_t max_bytes; /* 0 = default cap */
    nn_status want;
    const char *needle; /* more text the message must contain */
    size_t len;
    uint8_t bytes[48];
} bad_case;

#define IMG_HDR(n0, n1, n2, n3, r, c) 0, 0, 8, 3, n0, n1, n2, n3, 0, 0, 0, r, 0, 0, 0, c

static const bad_case bad_cases[] = {
    {"empty.idx", 0, 0, 0, NN_E_TRUNCATED, "empty file", 0, {0}},
    {"empty.idx.gz", 0, 1, 0, NN_E_TRUNCATED, "empty file", 0, {0}},
    {"empty-labels.idx", 1, 0, 0, NN_E_TRUNCATED, "empty file", 0, {0}},
    {"short-magic.idx", 0, 0, 0, NN_E_TRUNCATED, "header", 3, {0, 0, 8}},
    {"short-header.idx", 0, 0, 0, NN_E_TRUNCATED, "10 bytes, expected 16", 10,
     {0, 0, 8, 3, 0, 0, 0, 1, 0, 0}},
    {"short-header.idx.gz", 0, 1, 0, NN_E_TRUNCATED, "15 bytes, expected 16", 15,
     {IMG_HDR(0, 0, 0, 1, 2, 2)}},
    {"short-label-header.idx", 1, 0, 0, NN_E_TRUNCATED, "expected 8", 6, {0, 0, 8, 1, 0, 0}},
    {"bad-magic.idx", 0, 0, 0, NN_E_FORMAT, "bad magic 0x47494638", 20,
     {'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
    {"labels-as-images.idx", 0, 0, 0, NN_E_FORMAT,
     "bad magic 0x00000801, expected 0x00000803 (IDX images); is this a label file?", 10,
     {0, 0, 8, 1, 0, 0, 0, 2, 5, 7}},
    {"images-as-labels.idx.gz", 1, 1, 0, NN_E_FORMAT, "is this an image file?", 20,
     {IMG_HDR(0, 0, 0, 1, 2, 2), 1, 2, 3, 4}},
    {"type-float.idx", 0, 0, 0, NN_E_FORMAT, "data type 0x0d", 20,
     {0, 0, 0x0d, 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0}},
    {"type-int.idx", 1, 0, 0, NN_E_FORMAT, "data type 0x0c", 9, {0, 0, 0x0c, 1, 0, 0, 0, 1, 0}},
    {"two-dims.idx", 0, 0, 0, NN_E_FORMAT, "2 dimensions, expected 3", 16,
     {0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 4, 1, 2, 3, 4}},
    {"four-dims.idx", 1, 0, 0, NN_E_FORMAT, "4 dimensions, expected 1", 20,
     {0, 0, 8, 4, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1}},
    {"zero-rows.idx", 0, 0, 0, NN_E_FORMAT, "images of 0x28", 16, {IMG_HDR(0, 0, 0, 1, 0, 28)}},
    {"zero-cols.idx.gz", 0, 1, 0, NN_E_FORMAT, "images of 28x0", 16,
     {IMG_HDR(0, 0, 0, 0, 28, 0)}},
    {"wide.idx", 0, 0, 0, NN_E_TOO_LARGE, "4097", 16,
     {0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0x10, 0x01}},
    {"huge-side.idx", 0, 0, 0, NN_E_TOO_LARGE, "limit of 4096", 16,
     {0, 0, 8, 3, 0, 0, 0, 1, 0x7f, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff}},
    /* 4294967295 x 4096 x 4096 needs 56 bits: over any sane cap. */
    {"huge-product.idx", 0, 0, 0, NN_E_TOO_LARGE, "over the limit", 16,
     {0, 0, 8, 3, 0xff, 0xff, 0xff, 0xff, 0, 0, 0x10, 0, 0, 0, 0x10, 0}},
    /* 65536 x 256 x 256 = 2^32: zero in 32-bit arithmetic, 4 GiB in fact. */
    {"wraps-32.idx", 0, 0, 0, NN_E_TOO_LARGE, "4294967296 bytes", 20,
     {0, 0, 8, 3, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 2, 3, 4}},
    {"wraps-32-uncapped.idx", 0, 0, UINT64_MAX, NN_E_TRUNCATED, "file has 4 bytes of pixels", 20,
     {0, 0, 8, 3, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 2, 3, 4}},
    {"over-cap.idx", 0, 0, 10, NN_E_TOO_LARGE, "12 bytes), over the limit of 10", 28,
     {IMG_HDR(0, 0, 0, 3, 2, 2), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}},
    {"over-cap-labels.idx.gz", 1, 1, 3, NN_E_TOO_LARGE, "4 labels (4 bytes)", 12,
     {0, 0, 8, 1, 0, 0, 0, 4, 1, 2, 3, 4}},
    {"truncated.idx", 0, 0, 0, NN_E_TRUNCATED,
     "truncated: header declares 3 images (12 bytes), file has 5 bytes of pixels", 21,
     {IMG_HDR(0, 0, 0, 3, 2, 2), 1, 2, 3, 4, 5}},
    {"truncated.idx.gz", 0, 1, 0, NN_E_TRUNCATED,
     "truncated: header declares 3 images (12 bytes), file has 5 bytes of pixels", 21,
     {IMG_HDR(0, 0, 0, 3, 2, 2), 1, 2, 3, 4, 5}},
    {"truncated-labels.idx", 1, 0, 0, NN_E_TRUNCATED, "file has 2 bytes of labels", 10,
     {0, 0, 8, 1, 0, 0, 0, 4, 1, 2}},
    {"no-pixels.idx.gz", 0, 1, 0, NN_E_TRUNCATED, "file has 0 bytes", 16,
     {IMG_HDR(0, 0, 0, 1, 1, 1)}},
    {"trailing.idx", 0, 0, 0, NN_E_FORMAT, "3 trailing bytes", 23,
     {IMG_HDR(0, 0, 0, 1, 2, 2), 1, 2, 3, 4, 5, 6, 7}},
    {"trailing.idx.gz", 0, 1, 0, NN_E_FORMAT, "trailing bytes", 23,
     {IMG_HDR(0, 0, 0, 1, 2, 2), 1, 2, 3, 4, 5, 6, 7}},
    {"trailing-labels.idx.gz", 1, 1, 0, NN_E_FORMAT, "trailing bytes", 11,
     {0, 0, 8, 1, 0, 0, 0, 2, 1, 2, 3}},
    {"trailing-after-none.idx", 0, 0, 0, NN_E_FORMAT, "trailing bytes", 17,
     {IMG_HDR(0, 0, 0, 0, 28, 28), 0}},
};

static void test_malformed_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const bad_case *c = &bad_cases[i];
        char *path = put(c->name, c->bytes, c->len, c->gz);
        nn_error err = {{0}};
        nn_status st;
        if (c->labels) {
            nn_labels lb = {7, (uint8_t *)&err};
            st = nn_idx_load_labels(path, c->max_bytes, &lb, &err);
            assert_int_equal(lb.count, 0);
            assert_null(lb.labels);
        } else {
            nn_images im = {7, 7, 7, (uint8_t *)&err};
            st = nn_idx_load_images(path, c->max_bytes, &im, &err);
            assert_int_equal(im.count, 0);
            assert_null(im.pixels);
        }
        if (st != c->want)
            fail_msg("%s: status %d, expected %d (%s)", c->name, st, c->want, err.msg);
        assert_msg_has(&err, path);
        assert_msg_has(&err, c->needle);

        /* The streaming reader rejects every one of these image files too,
         * at open or at some read, except those only over a caller's cap
         * (the stream has none: it never holds the whole payload). */
        if (!c->labels && c->max_bytes == 0) {
            size_t total;
            nn_error serr = {{0}};
            nn_status sst = stream_all(path, 2, &total, &serr);
            if (sst >= 0)
                fail_msg("%s: stream status %d", c->name, sst);
            assert_msg_has(&serr, path);
        }
        same_from_memory(path);
        free(path);
    }
}

static void test_missing_and_directory(void **state)
{
    (void)state;
    nn_error err = {{0}};
    nn_images im;
    char *path = ts_join(g_dir, "no-such-file.gz");
    assert_int_equal(nn_idx_load_images(path, 0, &im, &err), NN_E_IO);
    assert_msg_has(&err, path);
    assert_msg_has(&err, strerror(ENOENT));
    nn_labels lb;
    assert_int_equal(nn_idx_load_labels(g_dir, 0, &lb, &err), NN_E_IO);
    assert_msg_has(&err, g_dir);
    nn_idx_stream *s = (nn_idx_stream *)&err;
    assert_int_equal(nn_idx_stream_open(path, &s, &err), NN_E_IO);
    assert_null(s);
    free(path);
}

/* A header that declares far more than the file holds must fail on the
 * bytes, not on an allocation of the declared size. The check runs in a
 * child whose address space is limited (except under AddressSanitizer, which
 * reserves terabytes of shadow memory and aborts by itself on a huge malloc). */
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

static void test_huge_declared_short_payload(void **state)
{
    (void)state;
    /* 2^31 images of 28x28 (1.7 TB) and 2^31 labels, then 100 bytes. */
    uint8_t img[16 + 100], lab[8 + 100];
    uint32_t idims[3] = {UINT32_C(1) << 31, 28, 28}, ldims[1] = {UINT32_C(1) << 31};
    ts_idx_header(img, NN_IDX_MAGIC_IMAGES, idims, 3);
    ts_idx_header(lab, NN_IDX_MAGIC_LABELS, ldims, 1);
    memset(img + 16, 0x55, 100);
    memset(lab + 8, 1, 100);
    char *paths[4] = {put("huge.idx", img, sizeof img, 0), put("huge.idx.gz", img, sizeof img, 1),
                      put("huge-labels.idx", lab, sizeof lab, 0),
                      put("huge-labels.idx.gz", lab, sizeof lab, 1)};
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
#ifndef UNDER_ASAN
        /* Current size plus 256 MiB: the gzip path may grow its buffer only
         * as far as the bytes that really arrive. */
        long pages = 0;
        FILE *f = fopen("/proc/self/statm", "r");
        if (f != NULL && fscanf(f, "%ld", &pages) == 1) {
            struct rlimit rl;
            rl.rlim_cur = rl.rlim_max = (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + (256u << 20);
            setrlimit(RLIMIT_AS, &rl);
        }
        if (f != NULL)
            fclose(f);
#endif
        int bad = 0;
        for (int i = 0; i < 4; i++) {
            nn_error err = {{0}};
            nn_status st;
            if (i < 2) {
                nn_images im;
                st = nn_idx_load_images(paths[i], UINT64_MAX, &im, &err);
                if (st == NN_OK)
                    nn_images_free(&im);
            } else {
                nn_labels lb;
                st = nn_idx_load_labels(paths[i], UINT64_MAX, &lb, &err);
                if (st == NN_OK)
                    nn_labels_free(&lb);
            }
            if (st != NN_E_TRUNCATED || strstr(err.msg, paths[i]) == NULL ||
                strstr(err.msg, "file has 100 bytes") == NULL) {
                fprintf(stderr, "%s: status %d: %s\n", paths[i], st, err.msg);
                bad = 1;
            }
        }
        _exit(bad);
    }
    int ws = 0;
    assert_int_equal(waitpid(pid, &ws, 0), pid);
    assert_true(WIFEXITED(ws));
    assert_int_equal(WEXITSTATUS(ws), 0);
    for (int i = 0; i < 4; i++)
        free(paths[i]);
}

/* --- gzip specifics ----------------------------------------------------------- */

static void test_gzip_corrupt_and_cut(void **state)
{
    (void)state;
    size_t len, gz_len;
    uint8_t *raw = make_images(50, 28, 28, &len);
    uint8_t *gz = gzip_bytes(raw, len, &gz_len);
    nn_error err = {{0}};
    nn_images im;

    /* A bad CRC in the trailer. zlib inflates ahead into its own buffer, so
     * a small file fails on its first read; what counts is the status. */
    gz[gz_len - 6] ^= 0x40;
    char *p = put("bad-crc.idx.gz", gz, gz_len, 0);
    assert_int_equal(nn_idx_load_images(p, 0, &im, &err), NN_E_FORMAT);
    assert_msg_has(&err, p);
    assert_msg_has(&err, "incorrect data check");
    size_t total = 0;
    assert_int_equal(stream_all(p, 7, &total, &err), NN_E_FORMAT);
    assert_true(total <= 50);
    assert_msg_has(&err, "incorrect data check");
    gz[gz_len - 6] ^= 0x40;
    free(p);

    /* A wrong length in the trailer. */
    gz[gz_len - 4] ^= 0x01;
    p = put("bad-length.idx.gz", gz, gz_len, 0);
    assert_int_equal(nn_idx_load_images(p, 0, &im, &err), NN_E_FORMAT);
    assert_msg_has(&err, p);
    assert_msg_has(&err, "incorrect length check");
    gz[gz_len - 4] ^= 0x01;
    free(p);

    /* A reserved block type (BTYPE 11) in the first deflate block. */
    uint8_t saved = gz[10];
    gz[10] = 0x07;
    p = put("bad-block.idx.gz", gz, gz_len, 0);
    assert_int_equal(nn_idx_load_images(p, 0, &im, &err), NN_E_FORMAT);
    assert_msg_has(&err, p);
    assert_msg_has(&err, "corrupt gzip data");
    assert_int_equal(stream_all(p, 7, &total, &err), NN_E_FORMAT);
    assert_int_equal(total, 0);
    gz[10] = saved;
    free(p);

    /* Garbage in the middle of the deflate data. */
    for (size_t i = gz_len / 2; i < gz_len / 2 + 16; i++)
        gz[i] ^= 0xa5;
    p = put("garbled.idx.gz", gz, gz_len, 0);
    nn_status st = nn_idx_load_images(p, 0, &im, &err);
    assert_true(st == NN_E_FORMAT || st == NN_E_TRUNCATED);
    assert_msg_has(&err, p);
    st = stream_all(p, 3, &total, &err);
    assert_true(st == NN_E_FORMAT || st == NN_E_TRUNCATED);
    assert_true(total <= 50); /* what counts is the status, as for the bad CRC */
    free(p);

    /* The stream cut before its trailer: all pixels inflate, the file is
     * still incomplete. */
    free(gz);
    gz = gzip_bytes(raw, len, &gz_len);
    p = put("no-trailer.idx.gz", gz, gz_len - 8, 0);
    assert_int_equal(nn_idx_load_images(p, 0, &im, &err), NN_E_TRUNCATED);
    assert_msg_has(&err, p);
    assert_int_equal(stream_all(p, 50, &total, &err), NN_E_TRUNCATED);
    assert_int_equal(total, 50);
    free(p);

    /* Cut in the middle of the deflate data. */
    p = put("half.idx.gz", gz, gz_len / 2, 0);
    assert_int_equal(nn_idx_load_images(p, 0, &im, &err), NN_E_TRUNCATED);
    assert_msg_has(&err, p);
    assert_msg_has(&err, "header declares 50 images (39200 bytes)");
    assert_int_equal(stream_all(p, 4, &total, &err), NN_E_TRUNCATED);
    assert_true(total > 0 && total < 50);
    free(p);

    free(gz);
    free(raw);
}

static void test_gzip_concatenated_members(void **state)
{
    (void)state;
    size_t len, a_len, b_len, c_len;
    uint8_t *raw = make_images(9, 5, 3, &len);
    /* Header and two images | three images | the rest: three members. */
    size_t cut1 = 16 + 2 * 15, cut2 = cut1 + 3 * 15;
    uint8_t *a = gzip_bytes(raw, cut1, &a_len);
    uint8_t *b = gzip_bytes(raw + cut1, cut2 - cut1, &b_len);
    uint8_t *c = gzip_bytes(raw + cut2, len - cut2, &c_len);
    uint8_t *all = malloc(a_len + b_len + c_len);
    assert_non_null(all);
    memcpy(all, a, a_len);
    memcpy(all + a_len, b, b_len);
    memcpy(all + a_len + b_len, c, c_len);
    char *p = put("members.idx.gz", all, a_len + b_len + c_len, 0);

    nn_error err = {{0}};
    nn_images im;
    assert_int_equal(nn_idx_load_images(p, 0, &im, &err), NN_OK);
    assert_int_equal(im.count, 9);
    assert_int_equal(im.rows, 5);
    assert_int_equal(im.cols, 3);
    assert_memory_equal(im.pixels, raw + 16, 9 * 15);
    nn_images_free(&im);
    size_t total = 0;
    assert_int_equal(stream_all(p, 4, &total, &err), NN_DONE);
    assert_int_equal(total, 9);

    /* A member split inside the header works as well. */
    free(a);
    free(b);
    a = gzip_bytes(raw, 6, &a_len);
    b = gzip_bytes(raw + 6, len - 6, &b_len);
    memcpy(all, a, a_len);
    memcpy(all + a_len, b, b_len);
    free(p);
    p = put("split-header.idx.gz", all, a_len + b_len, 0);
    assert_int_equal(nn_idx_load_images(p, 0, &im, &err), NN_OK);
    assert_int_equal(im.count, 9);
    nn_images_free(&im);

    free(p);
    free(all);
    free(a);
    free(b);
    free(c);
    free(raw);
}

/* --- sweeps over a small valid file ------------------------------------------ */

static void test_truncation_sweep(void **state)
{
    (void)state;
    size_t ilen, llen;
    uint8_t *img = make_images(5, 4, 3, &ilen);
    uint8_t *lab = make_labels(5, 10, &llen);
    for (int gz = 0; gz < 2; gz++) {
        for (size_t cut = 0; cut < ilen; cut++) {
            char *p = put(gz ? "cut.idx.gz" : "cut.idx", img, cut, gz);
            nn_error err = {{0}};
            nn_images im;
            nn_status st = nn_idx_load_images(p, 0, &im, &err);
            if (st != NN_E_TRUNCATED)
                fail_msg("images cut at %zu (gz %d): status %d: %s", cut, gz, st, err.msg);
            assert_msg_has(&err, p);
            assert_null(im.pixels);
            size_t total = 0;
            st = stream_all(p, 2, &total, &err);
            assert_int_equal(st, NN_E_TRUNCATED);
            assert_int_equal(total, cut < 16 ? 0 : (cut - 16) / 12);
            same_from_memory(p);
            free(p);
        }
        for (size_t cut = 0; cut < llen; cut++) {
            char *p = put(gz ? "cut-labels.idx.gz" : "cut-labels.idx", lab, cut, gz);
            nn_error err = {{0}};
            nn_labels lb;
            nn_status st = nn_idx_load_labels(p, 0, &lb, &err);
            if (st != NN_E_TRUNCATED)
                fail_msg("labels cut at %zu (gz %d): status %d: %s", cut, gz, st, err.msg);
            assert_msg_has(&err, p);
            free(p);
        }
    }

    /* Every prefix of the gzip bytes themselves. */
    size_t gz_len;
    uint8_t *gzb = gzip_bytes(img, ilen, &gz_len);
    for (size_t cut = 0; cut < gz_len; cut++) {
        char *p = put("cut-gz.idx.gz", gzb, cut, 0);
        nn_error err = {{0}};
        nn_images im;
        nn_status st = nn_idx_load_images(p, 0, &im, &err);
        if (st != NN_E_TRUNCATED)
            fail_msg("gzip cut at %zu of %zu: status %d: %s", cut, gz_len, st, err.msg);
        assert_msg_has(&err, p);
        size_t total = 0;
        st = stream_all(p, 3, &total, &err);
        assert_int_equal(st, NN_E_TRUNCATED);
        assert_true(total <= 5);
        same_from_memory(p);
        free(p);
    }
    free(gzb);
    free(img);
    free(lab);
}

/* Flipping any one bit of a small file: a header bit gives an error, a pixel
 * bit gives the same file with that pixel changed; in a gzip file anything
 * but a harmless header bit must be caught. Nothing crashes. */
static void test_bitflip_sweep(void **state)
{
    (void)state;
    size_t ilen, gz_len;
    uint8_t *img = make_images(3, 2, 5, &ilen);
    for (size_t bit = 0; bit < ilen * 8; bit++) {
        img[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        char *p = put("flip.idx", img, ilen, 0);
        nn_error err = {{0}};
        nn_images im;
        nn_status st = nn_idx_load_images(p, 0, &im, &err);
        if (bit / 8 >= 16) {
            assert_int_equal(st, NN_OK);
            assert_memory_equal(im.pixels, img + 16, ilen - 16);
            nn_images_free(&im);
        } else if (st == NN_OK) {
            /* Only a count/rows/cols change that keeps the product: none here. */
            fail_msg("header bit %zu flipped was accepted", bit);
        } else {
            assert_msg_has(&err, p);
        }
        img[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        free(p);
    }
    uint8_t *gz = gzip_bytes(img, ilen, &gz_len);
    for (size_t bit = 0; bit < gz_len * 8; bit++) {
        gz[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        char *p = put("flip.idx.gz", gz, gz_len, 0);
        nn_error err = {{0}};
        nn_images im;
        nn_status st = nn_idx_load_images(p, 0, &im, &err);
        if (st == NN_OK) {
            assert_int_equal(im.count, 3);
            assert_memory_equal(im.pixels, img + 16, ilen - 16);
            nn_images_free(&im);
        } else {
            assert_true(st < 0);
            assert_msg_has(&err, p);
        }
        size_t total = 0;
        st = stream_all(p, 2, &total, &err);
        assert_true(st == NN_DONE || st < 0);
        gz[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        free(p);
    }
    free(gz);
    free(img);
}

/* --- valid files --------------------------------------------------------------- */

static void test_load_valid_raw_and_gz(void **state)
{
    (void)state;
    size_t ilen, llen;
    /* Larger than the first buffer of the gzip path, so it has to grow. */
    uint8_t *img = make_images(1000, 28, 28, &ilen);
    uint8_t *lab = make_labels(1000, 10, &llen);
    for (int gz = 0; gz < 2; gz++) {
        char *ip = put(gz ? "i.gz" : "i.idx", img, ilen, gz);
        char *lp = put(gz ? "l.gz" : "l.idx", lab, llen, gz);
        nn_error err = {{0}};
        nn_images im;
        nn_labels lb;
        assert_int_equal(nn_idx_load_images(ip, 0, &im, &err), NN_OK);
        assert_int_equal(nn_idx_load_labels(lp, 0, &lb, &err), NN_OK);
        assert_int_equal(im.count, 1000);
        assert_int_equal(im.rows, 28);
        assert_int_equal(im.cols, 28);
        assert_memory_equal(im.pixels, img + 16, 784000);
        assert_int_equal(lb.count, 1000);
        assert_memory_equal(lb.labels, lab + 8, 1000);
        /* The cap is on the payload: exactly the size passes, one less fails. */
        nn_images_free(&im);
        assert_int_equal(nn_idx_load_images(ip, 784000, &im, &err), NN_OK);
        nn_images_free(&im);
        assert_int_equal(nn_idx_load_images(ip, 783999, &im, &err), NN_E_TOO_LARGE);
        assert_msg_has(&err, "783999");
        nn_images_free(&im);
        nn_images_free(&im); /* idempotent */
        nn_labels_free(&lb);
        nn_labels_free(NULL);
        nn_images_free(NULL);
        free(ip);
        free(lp);
    }
    free(img);
    free(lab);
}

/* Valid bytes in memory, raw and gzipped, load and stream as from a file. */
static void test_memory_valid(void **state)
{
    (void)state;
    size_t ilen, llen;
    uint8_t *img = make_images(1000, 28, 28, &ilen);
    uint8_t *lab = make_labels(1000, 10, &llen);
    for (int gz = 0; gz < 2; gz++) {
        char *ip = put("m.idx", img, ilen, gz);
        char *lp = put("m-labels.idx", lab, llen, gz);
        same_from_memory(ip);
        same_from_memory(lp);
        size_t len;
        uint8_t *bytes = slurp(ip, &len);
        nn_error err = {{0}};
        nn_labels lb = {999, NULL};
        nn_images im;
        /* The labels' count must be the images'. */
        assert_int_equal(nn_idx_load_images_from(nn_idx_memory(bytes, len, "mem"), 0, &lb,
                                                 "the-labels", &im, &err), NN_E_MISMATCH);
        assert_msg_has(&err, "the-labels: 999 labels, but mem has 1000 images");
        lb.count = 1000;
        assert_int_equal(nn_idx_load_images_from(nn_idx_memory(bytes, len, "mem"), 0, &lb,
                                                 "the-labels", &im, &err), NN_OK);
        assert_memory_equal(im.pixels, img + 16, 784000);
        nn_images_free(&im);
        free(bytes);
        free(ip);
        free(lp);
    }
    /* No bytes at all, even without a pointer. */
    nn_images im;
    nn_error err = {{0}};
    assert_int_equal(nn_idx_load_images_from(nn_idx_memory(NULL, 0, "nothing"), 0, NULL, NULL,
                                             &im, &err), NN_E_TRUNCATED);
    assert_msg_has(&err, "nothing: empty file");
    free(img);
    free(lab);
}

/* A stream of memory closed while its read-ahead thread is inflating: the
 * thread is done with the bytes when close returns, so the caller may free
 * them (the sanitizer builds see a read after the free). */
static void test_memory_stream_closed_early(void **state)
{
    (void)state;
    size_t ilen;
    uint8_t *img = make_images(3000, 28, 28, &ilen);
    char *p = put("early.idx.gz", img, ilen, 1);
    for (int i = 0; i < 20; i++) {
        size_t len;
        uint8_t *bytes = slurp(p, &len);
        nn_idx_stream *s = NULL;
        nn_error err = {{0}};
        assert_int_equal(nn_idx_stream_open_from(nn_idx_memory(bytes, len, "early"), 1, &s, &err),
                         NN_OK);
        uint8_t buf[784];
        size_t n = 0;
        assert_int_equal(nn_idx_stream_read(s, buf, 1, &n, &err), NN_OK);
        assert_memory_equal(buf, img + 16, 784);
        nn_idx_stream_close(s);
        memset(bytes, 0xee, len);
        free(bytes);
    }
    free(p);
    free(img);
}

/* A descriptor is read from its offset, through a duplicate: the caller's
 * stays open. A bad one is an I/O error in the input's name. */
static void test_fd_input(void **state)
{
    (void)state;
    size_t ilen;
    uint8_t *img = make_images(20, 3, 4, &ilen);
    uint8_t *file = malloc(ilen + 5);
    assert_non_null(file);
    memcpy(file, "junk!", 5);
    memcpy(file + 5, img, ilen);
    char *p = put("at-offset.idx", file, ilen + 5, 0);
    for (int stream = 0; stream < 2; stream++) {
        int fd = open(p, O_RDONLY);
        assert_true(fd >= 0);
        char junk[5];
        assert_int_equal(read(fd, junk, 5), 5);
        nn_error err = {{0}};
        if (stream) {
            size_t total;
            uint64_t sum;
            assert_int_equal(stream_input(nn_idx_fd(fd, "fd-input"), 1, &total, &sum, &err),
                             NN_DONE);
            assert_int_equal(total, 20);
        } else {
            nn_images im;
            assert_int_equal(nn_idx_load_images_from(nn_idx_fd(fd, "fd-input"), 0, NULL, NULL,
                                                     &im, &err), NN_OK);
            assert_memory_equal(im.pixels, img + 16, ilen - 16);
            nn_images_free(&im);
        }
        assert_int_not_equal(fcntl(fd, F_GETFD), -1);
        close(fd);
    }
    nn_labels lb;
    nn_error err = {{0}};
    assert_int_equal(nn_idx_load_labels_from(nn_idx_fd(-1, "no-fd"), 0, &lb, &err), NN_E_IO);
    assert_msg_has(&err, "no-fd: ");
    free(p);
    free(file);
    free(img);
}

/* A gzip file loads the same from its path (inflated whole) as from a
 * descriptor (inflated as a stream), whether its pixels compress hardly at
 * all (bigger than the raw file), ordinarily, or far too well for the whole
 * file to be trusted with the buffer up front (all zeros). */
static void test_gzip_whole_and_stream_agree(void **state)
{
    (void)state;
    for (int fill = 0; fill < 3; fill++) {
        size_t ilen;
        uint8_t *img = make_images(500, 28, 28, &ilen);
        for (size_t i = 16; i < ilen && fill > 0; i++)
            img[i] = fill == 1 ? (uint8_t)(img[i] & 0x81) : 0;
        char *p = put("agree.gz", img, ilen, 1);
        nn_error err = {{0}};
        nn_images whole, streamed;
        assert_int_equal(nn_idx_load_images(p, 0, &whole, &err), NN_OK);
        int fd = open(p, O_RDONLY);
        assert_true(fd >= 0);
        assert_int_equal(nn_idx_load_images_from(nn_idx_fd(fd, "agree"), 0, NULL, NULL,
                                                 &streamed, &err), NN_OK);
        close(fd);
        assert_int_equal(whole.count, 500);
        assert_int_equal(streamed.count, 500);
        assert_memory_equal(whole.pixels, img + 16, ilen - 16);
        assert_memory_equal(streamed.pixels, img + 16, ilen - 16);
        nn_images_free(&whole);
        nn_images_free(&streamed);
        free(p);
        free(img);
    }
}

/* A BGZF file (what nnclass writes and ships) is a gzip file of many
 * members: it loads like any other, and a defect in one member is worded as
 * in a gzip file of one member. */
static void test_bgzf_file(void **state)
{
    (void)state;
    size_t len, n;
    uint8_t *raw = make_images(500, 28, 28, &len);
    uint8_t *file;
    nn_error err = {{0}};
    nn_images im;
    assert_int_equal(nn_bgzf_compress(raw, len, &file, &n, &err), NN_OK);
    char *p = put("bgzf.idx.gz", file, n, 0);
    assert_int_equal(nn_idx_load_images(p, 0, &im, &err), NN_OK);
    assert_int_equal(im.count, 500);
    assert_memory_equal(im.pixels, raw + 16, len - 16);
    nn_images_free(&im);
    same_from_memory(p);
    free(p);

    /* A wrong CRC-32 in the first member (its size is in its header). */
    size_t first = (size_t)(file[16] | file[17] << 8) + 1;
    file[first - 8] ^= 0x40;
    p = put("bgzf-crc.idx.gz", file, n, 0);
    assert_int_equal(nn_idx_load_images(p, 0, &im, &err), NN_E_FORMAT);
    assert_msg_has(&err, "corrupt gzip data: incorrect data check");
    same_from_memory(p);
    free(p);
    free(file);

    /* Fewer images declared than held: trailing bytes; more: truncated. */
    raw[7] = (uint8_t)(raw[7] - 1); /* 500 -> 499 */
    assert_int_equal(nn_bgzf_compress(raw, len, &file, &n, &err), NN_OK);
    p = put("bgzf-trailing.idx.gz", file, n, 0);
    assert_int_equal(nn_idx_load_images(p, 0, &im, &err), NN_E_FORMAT);
    assert_msg_has(&err, "trailing bytes");
    free(p);
    free(file);
    raw[7] = (uint8_t)(raw[7] + 2); /* 501 */
    assert_int_equal(nn_bgzf_compress(raw, len, &file, &n, &err), NN_OK);
    p = put("bgzf-short.idx.gz", file, n, 0);
    assert_int_equal(nn_idx_load_images(p, 0, &im, &err), NN_E_TRUNCATED);
    assert_msg_has(&err, "file has 392000 bytes of pixels");
    free(p);
    free(file);
    free(raw);
}

static void test_zero_images(void **state)
{
    (void)state;
    size_t ilen, llen;
    uint8_t *img = make_images(0, 28, 28, &ilen);
    uint8_t *lab = make_labels(0, 10, &llen);
    for (int gz = 0; gz < 2; gz++) {
        char *ip = put("none.idx", img, ilen, gz);
        char *lp = put("none-labels.idx", lab, llen, gz);
        nn_error err = {{0}};
        nn_images im;
        nn_labels lb;
        assert_int_equal(nn_idx_load_images(ip, 0, &im, &err), NN_OK);
        assert_int_equal(im.count, 0);
        assert_int_equal(im.rows, 28);
        assert_int_equal(im.cols, 28);
        assert_int_equal(nn_idx_load_labels(lp, 0, &lb, &err), NN_OK);
        assert_int_equal(lb.count, 0);
        nn_images_free(&im);
        nn_labels_free(&lb);

        nn_idx_stream *s = NULL;
        assert_int_equal(nn_idx_stream_open(ip, &s, &err), NN_OK);
        assert_int_equal(nn_idx_stream_count(s), 0);
        uint8_t buf[784];
        size_t n = 5;
        assert_int_equal(nn_idx_stream_read(s, buf, 1, &n, &err), NN_DONE);
        assert_int_equal(n, 0);
        nn_idx_stream_close(s);
        free(ip);
        free(lp);
    }
    free(img);
    free(lab);
}

/* Image and label files swapped. */
static void test_swapped_files(void **state)
{
    (void)state;
    size_t ilen, llen;
    uint8_t *img = make_images(4, 28, 28, &ilen);
    uint8_t *lab = make_labels(4, 10, &llen);
    char *ip = put("images.gz", img, ilen, 1);
    char *lp = put("labels.gz", lab, llen, 1);
    nn_error err = {{0}};
    nn_images im;
    nn_labels lb;
    assert_int_equal(nn_idx_load_images(lp, 0, &im, &err), NN_E_FORMAT);
    assert_msg_has(&err, lp);
    assert_msg_has(&err, "is this a label file?");
    assert_int_equal(nn_idx_load_labels(ip, 0, &lb, &err), NN_E_FORMAT);
    assert_msg_has(&err, ip);
    assert_msg_has(&err, "bad magic 0x00000803, expected 0x00000801 (IDX labels)");
    nn_idx_stream *s = NULL;
    assert_int_equal(nn_idx_stream_open(lp, &s, &err), NN_E_FORMAT);
    assert_null(s);
    assert_msg_has(&err, "is this a label file?");
    free(ip);
    free(lp);
    free(img);
    free(lab);
}

/* --- the streaming reader -------------------------------------------------------- */

static void test_stream_partial_reads(void **state)
{
    (void)state;
    size_t ilen;
    uint8_t *img = make_images(7, 3, 2, &ilen);
    for (int gz = 0; gz < 2; gz++) {
        char *p = put("seven.idx", img, ilen, gz);
        nn_error err = {{0}};
        nn_idx_stream *s = NULL;
        assert_int_equal(nn_idx_stream_open(p, &s, &err), NN_OK);
        assert_int_equal(nn_idx_stream_rows(s), 3);
        assert_int_equal(nn_idx_stream_cols(s), 2);
        assert_int_equal(nn_idx_stream_count(s), 7);
        uint8_t buf[3 * 6 + 1];
        size_t n = 0, at = 0;
        const size_t expect[] = {3, 3, 1};
        for (int i = 0; i < 3; i++) {
            buf[sizeof buf - 1] = 0xee; /* never written past max_images */
            assert_int_equal(nn_idx_stream_read(s, buf, 3, &n, &err), NN_OK);
            assert_int_equal(n, expect[i]);
            assert_memory_equal(buf, img + 16 + at * 6, n * 6);
            assert_int_equal(buf[sizeof buf - 1], 0xee);
            at += n;
        }
        assert_int_equal(nn_idx_stream_read(s, buf, 3, &n, &err), NN_DONE);
        assert_int_equal(n, 0);
        assert_int_equal(nn_idx_stream_read(s, buf, 3, &n, &err), NN_DONE);
        nn_idx_stream_close(s);

        /* One at a time. */
        assert_int_equal(nn_idx_stream_open(p, &s, &err), NN_OK);
        for (size_t i = 0; i < 7; i++) {
            assert_int_equal(nn_idx_stream_read(s, buf, 1, &n, &err), NN_OK);
            assert_int_equal(n, 1);
            assert_memory_equal(buf, img + 16 + i * 6, 6);
        }
        assert_int_equal(nn_idx_stream_read(s, buf, 1, &n, &err), NN_DONE);
        /* A zero-sized read is the caller's mistake. */
        nn_idx_stream_close(s);
        assert_int_equal(nn_idx_stream_open(p, &s, &err), NN_OK);
        assert_int_equal(nn_idx_stream_read(s, buf, 0, &n, &err), NN_E_ARG);
        assert_int_equal(n, 0);
        nn_idx_stream_close(s);
        nn_idx_stream_close(NULL);
        free(p);
    }
    free(img);
}

static void test_stream_truncated_and_trailing(void **state)
{
    (void)state;
    size_t ilen;
    uint8_t *img = make_images(7, 3, 2, &ilen);
    for (int gz = 0; gz < 2; gz++) {
        /* Five whole images and half of the sixth. */
        char *p = put("cut.idx", img, 16 + 5 * 6 + 3, gz);
        nn_error err = {{0}};
        nn_idx_stream *s = NULL;
        assert_int_equal(nn_idx_stream_open(p, &s, &err), NN_OK);
        uint8_t buf[4 * 6];
        size_t n = 0;
        assert_int_equal(nn_idx_stream_read(s, buf, 4, &n, &err), NN_OK);
        assert_int_equal(n, 4);
        assert_int_equal(nn_idx_stream_read(s, buf, 4, &n, &err), NN_E_TRUNCATED);
        assert_int_equal(n, 1);
        assert_memory_equal(buf, img + 16 + 4 * 6, 6);
        assert_msg_has(&err, p);
        assert_msg_has(&err, "declares 7 images of 3x2");
        assert_msg_has(&err, "after 5 whole images");
        /* The error sticks. */
        err.msg[0] = '\0';
        assert_int_equal(nn_idx_stream_read(s, buf, 4, &n, &err), NN_E_TRUNCATED);
        assert_int_equal(n, 0);
        assert_msg_has(&err, p);
        nn_idx_stream_close(s);
        free(p);

        /* Two images declared, followed by more bytes. */
        uint8_t two[16 + 3 * 6];
        memcpy(two, img, sizeof two);
        two[7] = 2;
        p = put("extra.idx", two, sizeof two, gz);
        assert_int_equal(nn_idx_stream_open(p, &s, &err), NN_OK);
        assert_int_equal(nn_idx_stream_read(s, buf, 4, &n, &err), NN_OK);
        assert_int_equal(n, 2);
        assert_int_equal(nn_idx_stream_read(s, buf, 4, &n, &err), NN_E_FORMAT);
        assert_int_equal(n, 0);
        assert_msg_has(&err, p);
        assert_msg_has(&err, "trailing bytes");
        nn_idx_stream_close(s);
        free(p);
    }
    free(img);
}

/* Runs fn with standard input read from path, then restores it. */
/* Writes n bytes to fd (a pipe, from a child process); 0, or -1 on failure. */
static int write_all(int fd, const uint8_t *p, size_t n)
{
    for (size_t off = 0; off < n;) {
        ssize_t w = write(fd, p + off, n - off);
        if (w <= 0)
            return -1;
        off += (size_t)w;
    }
    return 0;
}

static void with_stdin(const char *path, void (*fn)(const uint8_t *), const uint8_t *arg)
{
    int saved = dup(STDIN_FILENO);
    assert_true(saved >= 0);
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(dup2(fd, STDIN_FILENO), STDIN_FILENO);
    close(fd);
    fn(arg);
    assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
    close(saved);
}

static void read_stdin_checks(const uint8_t *img)
{
    nn_error err = {{0}};
    nn_images im;
    assert_int_equal(nn_idx_load_images("-", 0, &im, &err), NN_OK);
    assert_int_equal(im.count, 300);
    assert_memory_equal(im.pixels, img + 16, 300 * 784);
    nn_images_free(&im);
}

static void stream_stdin_checks(const uint8_t *img)
{
    nn_error err = {{0}};
    size_t total = 0;
    (void)img;
    assert_int_equal(stream_all("-", 64, &total, &err), NN_DONE);
    assert_int_equal(total, 300);
}

static void bad_stdin_checks(const uint8_t *img)
{
    nn_error err = {{0}};
    nn_images im;
    (void)img;
    assert_int_equal(nn_idx_load_images("-", 0, &im, &err), NN_E_TRUNCATED);
    assert_msg_has(&err, "(standard input)");
}

static void test_stdin(void **state)
{
    (void)state;
    size_t ilen;
    uint8_t *img = make_images(300, 28, 28, &ilen);
    char *raw = put("in.idx", img, ilen, 0);
    char *gz = put("in.idx.gz", img, ilen, 1);
    with_stdin(raw, read_stdin_checks, img);
    with_stdin(gz, read_stdin_checks, img);
    with_stdin(gz, stream_stdin_checks, img);
    char *cut = put("cut.idx.gz", img, ilen - 1, 1);
    with_stdin(cut, bad_stdin_checks, img);

    /* A pipe: no size to compare with, so the raw data takes the growing
     * path too. */
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        _exit(write_all(fds[1], img, ilen) == 0 ? 0 : 1);
    }
    close(fds[1]);
    int saved = dup(STDIN_FILENO);
    assert_int_equal(dup2(fds[0], STDIN_FILENO), STDIN_FILENO);
    close(fds[0]);
    read_stdin_checks(img);
    assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
    close(saved);
    int ws;
    assert_int_equal(waitpid(pid, &ws, 0), pid);
    free(raw);
    free(gz);
    free(cut);
    free(img);
}

/* --- the real MNIST files ------------------------------------------------------------ */

static void test_real_mnist(void **state)
{
    (void)state;
    nn_images train, test;
    nn_labels train_l, test_l;
    ts_load_mnist("train", 0, &train, &train_l);
    ts_load_mnist("t10k", 0, &test, &test_l);
    assert_int_equal(train.count, 60000);
    assert_int_equal(train.rows, 28);
    assert_int_equal(train.cols, 28);
    assert_int_equal(train_l.count, 60000);
    assert_int_equal(test.count, 10000);
    assert_int_equal(test.rows, 28);
    assert_int_equal(test.cols, 28);
    assert_int_equal(test_l.count, 10000);

    size_t counts[10] = {0};
    for (size_t i = 0; i < test_l.count; i++) {
        assert_true(test_l.labels[i] < 10);
        counts[test_l.labels[i]]++;
    }
    const size_t expect[10] = {980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009};
    for (int c = 0; c < 10; c++)
        assert_int_equal(counts[c], expect[c]);

    nn_error err = {{0}};
    /* The test images with the training labels: the counts disagree, which
     * the header tells before the payload is read. */
    char *path = ts_join(ts_data_dir(), "mnist/t10k-images-idx3-ubyte.gz");
    nn_images wrong;
    assert_int_equal(nn_idx_load_images_for(path, 0, &train_l, "train-labels", &wrong, &err),
                     NN_E_MISMATCH);
    assert_msg_has(&err, "t10k-images");
    assert_msg_has(&err, "train-labels");
    assert_null(wrong.pixels);

    /* The streaming reader gives the same bytes. */
    nn_idx_stream *s = NULL;
    assert_int_equal(nn_idx_stream_open(path, &s, &err), NN_OK);
    assert_int_equal(nn_idx_stream_count(s), 10000);
    uint8_t *buf = malloc(128 * 784);
    assert_non_null(buf);
    size_t at = 0, n;
    nn_status st;
    while ((st = nn_idx_stream_read(s, buf, 128, &n, &err)) == NN_OK) {
        assert_memory_equal(buf, test.pixels + at * 784, n * 784);
        at += n;
    }
    assert_int_equal(st, NN_DONE);
    assert_int_equal(at, 10000);
    nn_idx_stream_close(s);
    free(buf);
    free(path);

    nn_images_free(&train);
    nn_images_free(&test);
    nn_labels_free(&train_l);
    nn_labels_free(&test_l);
}

/* Read-ahead over a file of several blocks (3,000 images: 2.3 MB), gzipped
 * or raw, whole or cut short, read in odd amounts: the images come out
 * exactly as stored, and the end is told the same way as without it. */
static void test_read_ahead_blocks(void **state)
{
    (void)state;
    size_t ilen;
    uint8_t *img = make_images(3000, 28, 28, &ilen);
    const size_t header = 16, px = 28 * 28;
    char *paths[4] = {put("big.idx", img, ilen, 0), put("big.idx.gz", img, ilen, 1),
                      put("bigcut.idx", img, ilen - 1000 * px - 5, 0),
                      put("bigcut.idx.gz", img, ilen - 1000 * px - 5, 1)};
    const size_t expect_images[4] = {3000, 3000, 1999, 1999};
    const size_t per_call[] = {1, 7, 1337, 5000};
    uint8_t *buf = malloc(5000 * px);
    assert_non_null(buf);
    for (size_t f = 0; f < 4; f++) {
        for (size_t c = 0; c < sizeof per_call / sizeof per_call[0]; c++) {
            nn_idx_stream *s = NULL;
            nn_error err = {{0}};
            assert_int_equal(nn_idx_stream_open_ahead(paths[f], 1, &s, &err), NN_OK);
            size_t total = 0;
            nn_status st;
            for (;;) {
                size_t n = 0;
                st = nn_idx_stream_read(s, buf, per_call[c], &n, &err);
                assert_true(n <= per_call[c]);
                assert_memory_equal(buf, img + header + total * px, n * px);
                total += n;
                if (st != NN_OK)
                    break;
            }
            assert_int_equal(total, expect_images[f]);
            assert_int_equal(st, f < 2 ? NN_DONE : NN_E_TRUNCATED);
            /* The status stays. */
            size_t n = 1;
            assert_int_equal(nn_idx_stream_read(s, buf, 1, &n, &err), st);
            assert_int_equal(n, 0);
            nn_idx_stream_close(s);
            size_t both = 0;
            assert_int_equal(stream_all(paths[f], per_call[c], &both, &err), st);
        }
        /* Closed after one read, while the thread is ahead. */
        nn_idx_stream *s = NULL;
        nn_error err = {{0}};
        assert_int_equal(nn_idx_stream_open_ahead(paths[f], 1, &s, &err), NN_OK);
        size_t n = 0;
        assert_int_equal(nn_idx_stream_read(s, buf, 3, &n, &err), NN_OK);
        nn_idx_stream_close(s);
        free(paths[f]);
    }
    free(buf);
    free(img);
}

/* Closing a read-ahead stream whose thread waits on a pipe that delivers no
 * more returns at once; the thread frees the stream when the pipe ends. */
static void test_read_ahead_close_on_stalled_pipe(void **state)
{
    (void)state;
    size_t ilen;
    uint8_t *img = make_images(3000, 28, 28, &ilen);
    int data[2], hold[2];
    assert_int_equal(pipe(data), 0);
    assert_int_equal(pipe(hold), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* The header and 2,000 images (1.5 read-ahead blocks), then
         * nothing until the parent lets go. */
        close(data[0]);
        close(hold[1]);
        if (write_all(data[1], img, 16 + 2000 * 28 * 28) != 0)
            _exit(1);
        char c;
        (void)!read(hold[0], &c, 1);
        _exit(0);
    }
    close(data[1]);
    close(hold[0]);
    int saved = dup(STDIN_FILENO);
    assert_int_equal(dup2(data[0], STDIN_FILENO), STDIN_FILENO);
    close(data[0]);
    nn_idx_stream *s = NULL;
    nn_error err = {{0}};
    assert_int_equal(nn_idx_stream_open_ahead("-", 1, &s, &err), NN_OK);
    uint8_t buf[28 * 28];
    size_t n = 0;
    assert_int_equal(nn_idx_stream_read(s, buf, 1, &n, &err), NN_OK);
    assert_int_equal(n, 1);
    assert_memory_equal(buf, img + 16, sizeof buf);
    /* Give the thread time to start on the second block, which the pipe
     * cannot complete. */
    struct timespec pause = {0, 100 * 1000 * 1000};
    nanosleep(&pause, NULL);
    nn_idx_stream_close(s); /* would hang if it waited for the thread */
    close(hold[1]);         /* the writer ends, and with it the thread's read */
    /* The stream reads only what it hands out (a pipe's images go out as
     * they come): drain the rest, so that the writer can finish. */
    char sink[1 << 16];
    while (read(STDIN_FILENO, sink, sizeof sink) > 0)
        ;
    int ws;
    assert_int_equal(waitpid(pid, &ws, 0), pid);
    assert_true(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
    assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
    close(saved);
    free(img);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_malformed_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_and_directory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_huge_declared_short_payload, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gzip_corrupt_and_cut, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gzip_concatenated_members, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncation_sweep, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bitflip_sweep, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_valid_raw_and_gz, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zero_images, setup, teardown),
        cmocka_unit_test_setup_teardown(test_memory_valid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_memory_stream_closed_early, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fd_input, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bgzf_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gzip_whole_and_stream_agree, setup, teardown),
        cmocka_unit_test_setup_teardown(test_swapped_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stream_partial_reads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stream_truncated_and_trailing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stdin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_ahead_blocks, setup, teardown),
        cmocka_unit_test(test_read_ahead_close_on_stalled_pipe),
        cmocka_unit_test(test_real_mnist),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
