/* test_model.c - the .nnc model file: save/load round trips bit for bit, a
 * canonical encoding, one test per kind of malformed file (each with its own
 * status and message), truncation and bit-flip sweeps over a small model, and
 * the atomic save (failures leave the destination and the folder as they were). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <zlib.h>

#include "nnclass/nn/model.h"
#include "nnclass/nn/net.h"
#include "test_support.h"

/* Offsets from docs/model-format.md, restated here so that the tests check
 * the documented layout rather than the implementation's constants. */
#define O_VERSION 8
#define O_HEADER_SIZE 12
#define O_ROWS 16
#define O_COLS 20
#define O_N_LAYERS 24
#define O_HIDDEN 28
#define O_N_CLASSES 32
#define O_FLAGS 36
#define O_EPOCHS 40
#define O_VAL_ACC 44
#define O_SEED 48
#define O_N_PARAMS 56
#define O_DATASET 64
#define O_RECIPE 96
#define O_SIZES 224

/* --- helpers --------------------------------------------------------------- */

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void wr32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* Recomputes the trailing CRC so that a deliberate edit reaches the checks
 * behind the checksum. */
static void fix_crc(uint8_t *buf, size_t len)
{
    wr32(buf + len - 4, (uint32_t)crc32(0L, buf, (uInt)(len - 4)));
}

/* A net of the given sizes whose parameters are distinct, include -0.0, a
 * subnormal and large values, so a round trip that is not bit-exact shows. */
static nn_net *make_net(const size_t *sizes, size_t n_layers, nn_activation act)
{
    nn_net *net = NULL;
    nn_error err = {{0}};
    assert_int_equal(nn_net_create(sizes, n_layers, act, &net, &err), NN_OK);
    for (size_t i = 0; i < net->n_params; i++)
        net->params[i] = (float)((double)i * 0.37 - 3.0) / 7.0f;
    net->params[0] = -0.0f;
    if (net->n_params > 2) {
        net->params[1] = 1e-40f; /* subnormal */
        net->params[2] = -3.4e38f;
    }
    return net;
}

static void make_meta(nn_model_meta *m, uint32_t rows, uint32_t cols, size_t n_classes,
                      int names)
{
    memset(m, 0, sizeof *m);
    m->rows = rows;
    m->cols = cols;
    m->n_classes = n_classes;
    m->has_class_names = names;
    for (size_t k = 0; names && k < n_classes; k++)
        snprintf(m->class_names[k], NN_MODEL_NAME_LEN, "class-%zu", k);
    snprintf(m->dataset, sizeof m->dataset, "%s", names ? "mnist" : "");
    snprintf(m->recipe, sizeof m->recipe, "sigmoid sgd lr=0.5 batch=32");
    m->epochs = 7;
    m->seed = 0x0123456789abcdefULL;
    m->val_accuracy = 0.9531f;
}

/* The 4-3-2 model (2x2 input) used by the corruption tests, encoded. */
static uint8_t *small_model(int names, size_t *len)
{
    static const size_t sizes[] = {4, 3, 2};
    nn_net *net = make_net(sizes, 3, NN_ACT_RELU);
    nn_model_meta meta;
    make_meta(&meta, 2, 2, 2, names);
    uint8_t *buf = NULL;
    nn_error err = {{0}};
    assert_int_equal(nn_model_encode(net, &meta, &buf, len, &err), NN_OK);
    nn_net_free(net);
    return buf;
}

/* Decodes the model file buf, checks that encoding the result gives buf's
 * bytes again, and returns the decoded net (the caller frees it); its
 * metadata into *meta. */
static nn_net *decode_reencodes(const uint8_t *buf, size_t len, nn_model_meta *meta)
{
    nn_net *back = NULL;
    nn_error err = {{0}};
    if (nn_model_decode(buf, len, "m.nnc", &back, meta, &err) != NN_OK)
        fail_msg("decode: %s", err.msg);
    uint8_t *again = NULL;
    size_t len2 = 0;
    assert_int_equal(nn_model_encode(back, meta, &again, &len2, &err), NN_OK);
    assert_int_equal(len2, len);
    assert_memory_equal(again, buf, len);
    free(again);
    return back;
}

/* Decodes buf and expects failure with status st and a message containing
 * the model's name and want. */
static void expect_reject(const uint8_t *buf, size_t len, nn_status st, const char *want)
{
    nn_net *net = (nn_net *)&net; /* must come back NULL */
    nn_model_meta meta;
    nn_error err = {{0}};
    nn_status got = nn_model_decode(buf, len, "bad.nnc", &net, &meta, &err);
    if (got != st || strstr(err.msg, want) == NULL || strncmp(err.msg, "bad.nnc: ", 9) != 0)
        fail_msg("expected status %d with \"%s\", got %d: \"%s\"", st, want, got, err.msg);
    assert_null(net);
}

static void assert_meta_equal(const nn_model_meta *a, const nn_model_meta *b)
{
    assert_int_equal(a->rows, b->rows);
    assert_int_equal(a->cols, b->cols);
    assert_int_equal(a->n_classes, b->n_classes);
    assert_int_equal(a->has_class_names != 0, b->has_class_names != 0);
    if (a->has_class_names)
        for (size_t k = 0; k < a->n_classes; k++)
            assert_string_equal(a->class_names[k], b->class_names[k]);
    assert_string_equal(a->dataset, b->dataset);
    assert_string_equal(a->recipe, b->recipe);
    assert_int_equal(a->epochs, b->epochs);
    assert_true(a->seed == b->seed);
    assert_memory_equal(&a->val_accuracy, &b->val_accuracy, sizeof(float));
}

static void assert_net_equal(const nn_net *a, const nn_net *b)
{
    assert_int_equal(a->n_layers, b->n_layers);
    for (size_t l = 0; l < a->n_layers; l++)
        assert_int_equal(nn_net_size(a, l), nn_net_size(b, l));
    assert_int_equal(nn_net_hidden(a), nn_net_hidden(b));
    assert_int_equal(a->n_params, b->n_params);
    assert_memory_equal(a->params, b->params, a->n_params * sizeof(float));
}

/* Number of entries in dir; fails the test if any looks like a temp file. */
static size_t count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (strstr(e->d_name, ".tmp") != NULL)
            fail_msg("temporary file left behind: %s/%s", dir, e->d_name);
        n++;
    }
    closedir(d);
    return n;
}

static uint8_t *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    uint8_t *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* --- round trips ------------------------------------------------------------ */

static void roundtrip(const size_t *sizes, size_t n_layers, nn_activation act, uint32_t rows,
                      uint32_t cols, int names, size_t want_bytes)
{
    nn_net *net = make_net(sizes, n_layers, act);
    nn_model_meta meta;
    make_meta(&meta, rows, cols, sizes[n_layers - 1], names);
    char *dir = ts_make_tmpdir();
    char *path = ts_join(dir, "model.nnc");
    nn_error err = {{0}};
    assert_int_equal(nn_model_save(path, net, &meta, &err), NN_OK);

    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal((size_t)sb.st_size, want_bytes);

    nn_net *back = NULL;
    static nn_model_meta meta_back;
    nn_status st = nn_model_load(path, &back, &meta_back, &err);
    if (st != NN_OK)
        fail_msg("load: %s", err.msg);
    assert_net_equal(net, back);
    assert_meta_equal(&meta, &meta_back);
    assert_int_equal(count_entries(dir), 1);

    nn_net_free(back);
    nn_net_free(net);
    ts_remove_tree(dir);
    free(path);
    free(dir);
}

static void test_roundtrip_small(void **state)
{
    (void)state;
    static const size_t sizes[] = {4, 3, 2};
    roundtrip(sizes, 3, NN_ACT_RELU, 2, 2, 0, 332);
    roundtrip(sizes, 3, NN_ACT_TANH, 1, 4, 1, 396);
}

static void test_roundtrip_default(void **state)
{
    (void)state;
    static const size_t sizes[] = {784, 16, 10};
    roundtrip(sizes, 3, NN_ACT_SIGMOID, 28, 28, 1, 51480);
    roundtrip(sizes, 3, NN_ACT_SIGMOID, 28, 28, 0, 51160);
}

static void test_roundtrip_perceptron_and_deep(void **state)
{
    (void)state;
    static const size_t flat[] = {784, 10};
    roundtrip(flat, 2, NN_ACT_STEP, 28, 28, 1, 31956);
    static const size_t deep[] = {6, 5, 5, 5, 5, 3};
    roundtrip(deep, 6, NN_ACT_TANH, 3, 2, 0, 224 + 24 + 4 * (30 + 5 + 25 + 5 + 25 + 5 + 25 + 5 +
                                                         15 + 3) + 4);
}

/* Validation accuracy "none" (-1) and an empty dataset survive too. */
static void test_roundtrip_no_validation(void **state)
{
    (void)state;
    static const size_t sizes[] = {4, 2};
    nn_net *net = make_net(sizes, 2, NN_ACT_SIGMOID);
    nn_model_meta meta;
    make_meta(&meta, 2, 2, 2, 0);
    meta.val_accuracy = -1.0f;
    meta.recipe[0] = '\0';
    uint8_t *buf = NULL;
    size_t len = 0;
    nn_error err = {{0}};
    assert_int_equal(nn_model_encode(net, &meta, &buf, &len, &err), NN_OK);
    nn_net *back = NULL;
    static nn_model_meta mb;
    assert_int_equal(nn_model_decode(buf, len, "m", &back, &mb, &err), NN_OK);
    assert_meta_equal(&meta, &mb);
    assert_true(mb.val_accuracy < 0);
    nn_net_free(back);
    nn_net_free(net);
    free(buf);
}

/* The documented fixed fields are where the documentation says. */
static void test_layout(void **state)
{
    (void)state;
    size_t len = 0;
    uint8_t *buf = small_model(1, &len);
    assert_int_equal(len, 396);
    assert_memory_equal(buf, "NNCLASS\0", 8);
    assert_int_equal(rd32(buf + O_VERSION), 1);
    assert_int_equal(rd32(buf + O_HEADER_SIZE), 224 + 12 + 64);
    assert_int_equal(rd32(buf + O_ROWS), 2);
    assert_int_equal(rd32(buf + O_COLS), 2);
    assert_int_equal(rd32(buf + O_N_LAYERS), 3);
    assert_int_equal(rd32(buf + O_HIDDEN), NN_ACT_RELU);
    assert_int_equal(rd32(buf + O_N_CLASSES), 2);
    assert_int_equal(rd32(buf + O_FLAGS), 1);
    assert_int_equal(rd32(buf + O_EPOCHS), 7);
    float acc = 0.9531f;
    uint32_t acc_bits;
    memcpy(&acc_bits, &acc, 4);
    assert_int_equal(rd32(buf + O_VAL_ACC), acc_bits);
    assert_int_equal(rd32(buf + O_SEED), 0x89abcdefu);
    assert_int_equal(rd32(buf + O_SEED + 4), 0x01234567u);
    assert_int_equal(rd32(buf + O_N_PARAMS), 23);
    assert_int_equal(rd32(buf + O_N_PARAMS + 4), 0);
    assert_string_equal((const char *)buf + O_DATASET, "mnist");
    assert_string_equal((const char *)buf + O_RECIPE, "sigmoid sgd lr=0.5 batch=32");
    assert_int_equal(rd32(buf + O_SIZES), 4);
    assert_int_equal(rd32(buf + O_SIZES + 4), 3);
    assert_int_equal(rd32(buf + O_SIZES + 8), 2);
    assert_string_equal((const char *)buf + O_SIZES + 12, "class-0");
    assert_string_equal((const char *)buf + O_SIZES + 12 + 32, "class-1");
    /* first parameter -0.0f, second the subnormal 1e-40f */
    assert_int_equal(rd32(buf + 300), 0x80000000u);
    float sub = 1e-40f;
    uint32_t sub_bits;
    memcpy(&sub_bits, &sub, 4);
    assert_int_equal(rd32(buf + 304), sub_bits);
    assert_int_equal(rd32(buf + len - 4), (uint32_t)crc32(0L, buf, (uInt)(len - 4)));
    free(buf);
}

/* The provenance block: 72 bytes after the class names, flag 2; a model
 * without it (every file made before it existed) decodes as unknown; its
 * text fields are checked like the others. */
static void test_provenance(void **state)
{
    (void)state;
    static const size_t sizes[] = {4, 3, 2};
    nn_net *net = make_net(sizes, 3, NN_ACT_RELU);
    nn_model_meta meta, back;
    make_meta(&meta, 2, 2, 2, 1);
    meta.has_provenance = 1;
    snprintf(meta.nnclass_version, sizeof meta.nnclass_version, "9.8.7");
    snprintf(meta.blas_core, sizeof meta.blas_core, "Haswell");
    meta.images_crc = 0xdeadbeefu;
    meta.labels_crc = 0x01020304u;
    uint8_t *buf = NULL;
    size_t len = 0;
    nn_error err = {{0}};
    assert_int_equal(nn_model_encode(net, &meta, &buf, &len, &err), NN_OK);
    assert_int_equal(len, 396 + 72);
    assert_int_equal(rd32(buf + O_FLAGS), 3);
    assert_int_equal(rd32(buf + O_HEADER_SIZE), 224 + 12 + 64 + 72);
    const uint8_t *prov = buf + O_SIZES + 12 + 64;
    assert_string_equal((const char *)prov, "9.8.7");
    assert_string_equal((const char *)prov + 32, "Haswell");
    assert_int_equal(rd32(prov + 64), 0xdeadbeefu);
    assert_int_equal(rd32(prov + 68), 0x01020304u);
    nn_net *got = decode_reencodes(buf, len, &back);
    assert_meta_equal(&meta, &back);
    assert_true(back.has_provenance);
    assert_string_equal(back.nnclass_version, "9.8.7");
    assert_string_equal(back.blas_core, "Haswell");
    assert_int_equal(back.images_crc, 0xdeadbeefu);
    assert_int_equal(back.labels_crc, 0x01020304u);
    nn_net_free(got);
    /* a control character in a text field of the block */
    uint8_t *bad = malloc(len);
    memcpy(bad, buf, len);
    bad[O_SIZES + 12 + 64 + 32] = '\n';
    fix_crc(bad, len);
    expect_reject(bad, len, NN_E_FORMAT, "BLAS core");
    free(bad);
    free(buf);
    /* the encoder refuses what the decoder would */
    meta.blas_core[0] = '\t';
    assert_int_equal(nn_model_encode(net, &meta, &buf, &len, &err), NN_E_ARG);
    /* without provenance: the file as it always was, and unknown when read */
    size_t old_len = 0;
    buf = small_model(1, &old_len);
    assert_int_equal(old_len, 396);
    got = decode_reencodes(buf, old_len, &back);
    assert_false(back.has_provenance);
    assert_string_equal(back.blas_core, "");
    nn_net_free(got);
    free(buf);
    nn_net_free(net);
}

/* Encoding is a function of the model: twice the same bytes, stale bytes
 * after a name's NUL do not leak in, and decode+encode gives the input back. */
static void test_encoding_canonical(void **state)
{
    (void)state;
    static const size_t sizes[] = {4, 3, 2};
    nn_net *net = make_net(sizes, 3, NN_ACT_RELU);
    nn_model_meta meta;
    make_meta(&meta, 2, 2, 2, 1);
    uint8_t *a = NULL, *b = NULL;
    size_t la = 0, lb = 0;
    nn_error err = {{0}};
    assert_int_equal(nn_model_encode(net, &meta, &a, &la, &err), NN_OK);
    memset(meta.dataset + 6, 'x', sizeof meta.dataset - 7); /* after "mnist\0" */
    memset(meta.class_names[1] + 8, 'y', NN_MODEL_NAME_LEN - 9);
    assert_int_equal(nn_model_encode(net, &meta, &b, &lb, &err), NN_OK);
    assert_int_equal(la, lb);
    assert_memory_equal(a, b, la);

    static nn_model_meta mb;
    nn_net_free(decode_reencodes(a, la, &mb));
    nn_net_free(net);
    free(a);
    free(b);
}

/* --- malformed files ---------------------------------------------------------- */

static void test_bad_magic(void **state)
{
    (void)state;
    size_t len = 0;
    uint8_t *buf = small_model(0, &len);
    buf[0] = 'X';
    expect_reject(buf, len, NN_E_FORMAT, "not an nnclass model (bad magic)");
    buf[0] = 'N';
    buf[7] = ' ';
    expect_reject(buf, len, NN_E_FORMAT, "bad magic");
    /* Short files: a wrong first byte is "bad magic", a right one "truncated". */
    expect_reject((const uint8_t *)"PK\3\4", 4, NN_E_FORMAT, "bad magic");
    expect_reject((const uint8_t *)"NNC", 3, NN_E_TRUNCATED, "truncated: 3 bytes");
    free(buf);
}

static void test_bad_version(void **state)
{
    (void)state;
    size_t len = 0;
    uint8_t *buf = small_model(0, &len);
    wr32(buf + O_VERSION, 7);
    fix_crc(buf, len);
    expect_reject(buf, len, NN_E_VERSION, "format version 7, this nnclass reads versions 1 and 2");
    wr32(buf + O_VERSION, 0);
    expect_reject(buf, len, NN_E_VERSION, "format version 0");
    free(buf);
}

/* Every prefix of a valid model is cleanly refused as truncated. */
static void test_truncation_sweep(void **state)
{
    (void)state;
    for (int names = 0; names <= 1; names++) {
        size_t len = 0;
        uint8_t *buf = small_model(names, &len);
        for (size_t n = 0; n < len; n++) {
            /* a copy of exactly n bytes, so ASan sees any read past the end */
            uint8_t *cut = malloc(n > 0 ? n : 1);
            assert_non_null(cut);
            memcpy(cut, buf, n);
            char want[64];
            snprintf(want, sizeof want, "truncated: %zu bytes, the header ", n);
            expect_reject(cut, n, NN_E_TRUNCATED, want);
            free(cut);
        }
        free(buf);
    }
    expect_reject(NULL, 0, NN_E_TRUNCATED, "truncated: 0 bytes, the header needs 224");
}

static void test_trailing_bytes(void **state)
{
    (void)state;
    size_t len = 0;
    uint8_t *buf = small_model(0, &len);
    uint8_t *longer = calloc(1, len + 1);
    assert_non_null(longer);
    memcpy(longer, buf, len);
    expect_reject(longer, len + 1, NN_E_FORMAT, "333 bytes, the header says 332: 1 trailing");
    free(longer);
    free(buf);
}

static void test_bad_checksum(void **state)
{
    (void)state;
    size_t len = 0;
    uint8_t *buf = small_model(0, &len);
    uint32_t good = rd32(buf + len - 4);
    buf[len - 1] ^= 0x80;
    char want[128];
    snprintf(want, sizeof want, "checksum mismatch: stored 0x%08x, computed 0x%08x; the file "
             "is corrupt", good ^ 0x80000000u, good);
    expect_reject(buf, len, NN_E_CHECKSUM, want);
    free(buf);
}

/* Is byte i part of the magic, the version or a field the file's length is
 * computed from (for a 4-3-2 model)? A flip there is refused before the CRC. */
static int sizes_field(size_t i)
{
    return i < O_ROWS || (i >= O_N_LAYERS && i < O_HIDDEN) ||
           (i >= O_N_CLASSES && i < O_EPOCHS) || (i >= O_N_PARAMS && i < O_DATASET) ||
           (i >= O_SIZES && i < O_SIZES + 12);
}

/* Every single-bit flip anywhere in a small model is refused. */
static void test_bit_flip_sweep(void **state)
{
    (void)state;
    for (int names = 0; names <= 1; names++) {
        size_t len = 0;
        uint8_t *buf = small_model(names, &len);
        for (size_t i = 0; i < len; i++) {
            for (int bit = 0; bit < 8; bit++) {
                buf[i] ^= (uint8_t)(1u << bit);
                nn_net *net = NULL;
                nn_error err = {{0}};
                nn_status st = nn_model_decode(buf, len, "flip.nnc", &net, NULL, &err);
                if (st == NN_OK)
                    fail_msg("flip of bit %d of byte %zu accepted", bit, i);
                assert_null(net);
                assert_true(strncmp(err.msg, "flip.nnc: ", 10) == 0);
                /* outside the fields that fix the file's length, the CRC sees it */
                if (!sizes_field(i))
                    assert_int_equal(st, NN_E_CHECKSUM);
                buf[i] ^= (uint8_t)(1u << bit);
            }
        }
        free(buf);
    }
}

/* A 2^28-neuron hidden layer is refused from the header alone, before the
 * file length or the checksum is looked at (the file is 332 bytes). */
static void test_huge_layer(void **state)
{
    (void)state;
    size_t len = 0;
    uint8_t *buf = small_model(0, &len);
    wr32(buf + O_SIZES + 4, 1u << 28);
    expect_reject(buf, len, NN_E_TOO_LARGE, "layer 1 has 268435456 neurons, the limit is 65536");
    wr32(buf + O_SIZES + 4, 0xffffffffu);
    expect_reject(buf, len, NN_E_TOO_LARGE, "layer 1 has 4294967295 neurons");
    free(buf);
}

/* Sizes under the per-layer cap whose product is over the parameter cap. */
static void test_too_many_params(void **state)
{
    (void)state;
    size_t len = 0;
    uint8_t *buf = small_model(0, &len);
    wr32(buf + O_SIZES, 65536);
    wr32(buf + O_SIZES + 4, 65536);
    expect_reject(buf, len, NN_E_TOO_LARGE, "need more than 67108864 parameters");
    free(buf);
}

static void test_layer_and_class_counts(void **state)
{
    (void)state;
    size_t len = 0;
    uint8_t *buf = small_model(0, &len);
    wr32(buf + O_N_LAYERS, 17);
    expect_reject(buf, len, NN_E_TOO_LARGE, "17 layer sizes, the limit is 16");
    wr32(buf + O_N_LAYERS, 0xffffffffu);
    expect_reject(buf, len, NN_E_TOO_LARGE, "4294967295 layer sizes");
    wr32(buf + O_N_LAYERS, 1);
    expect_reject(buf, len, NN_E_FORMAT, "1 layer sizes, a net needs at least 2");
    wr32(buf + O_N_LAYERS, 3);
    wr32(buf + O_N_CLASSES, 300);
    expect_reject(buf, len, NN_E_TOO_LARGE, "300 classes, the limit is 256");
    wr32(buf + O_N_CLASSES, 1);
    expect_reject(buf, len, NN_E_FORMAT, "1 class, a classifier needs at least 2");
    free(buf);
}

static void test_zero_sizes(void **state)
{
    (void)state;
    size_t len = 0;
    uint8_t *buf = small_model(0, &len);
    wr32(buf + O_SIZES + 4, 0);
    expect_reject(buf, len, NN_E_FORMAT, "layer 1 has 0 neurons");
    wr32(buf + O_SIZES + 4, 3);
    wr32(buf + O_ROWS, 0);
    wr32(buf + O_COLS, 4);
    fix_crc(buf, len);
    expect_reject(buf, len, NN_E_FORMAT, "input geometry 0x4 is empty");
    free(buf);
}

static void test_header_fields_agree(void **state)
{
    (void)state;
    size_t len = 0;
    uint8_t *buf = small_model(0, &len);
    wr32(buf + O_HEADER_SIZE, 300);
    expect_reject(buf, len, NN_E_FORMAT, "header size field says 300 bytes");
    wr32(buf + O_HEADER_SIZE, 236);
    wr32(buf + O_N_PARAMS, 24);
    expect_reject(buf, len, NN_E_FORMAT, "parameter count field says 24, the layer sizes need 23");
    wr32(buf + O_N_PARAMS, 23);
    wr32(buf + O_FLAGS, 8); /* bit 2 is the reject calibration (test_reject.c) */
    expect_reject(buf, len, NN_E_FORMAT, "unknown flags 0x00000008");
    /* flag 2 without a provenance block in the file: 72 more bytes */
    wr32(buf + O_FLAGS, 2);
    expect_reject(buf, len, NN_E_FORMAT, "header size field says 236 bytes");
    /* flag 1 without names in the file: the header needs 64 more bytes */
    wr32(buf + O_FLAGS, 1);
    wr32(buf + O_HEADER_SIZE, 300);
    expect_reject(buf, len, NN_E_TRUNCATED, "truncated: 332 bytes, the header says 396");
    free(buf);
}

static void test_bad_activation(void **state)
{
    (void)state;
    size_t len = 0;
    uint8_t *buf = small_model(0, &len);
    wr32(buf + O_HIDDEN, 4);
    fix_crc(buf, len);
    expect_reject(buf, len, NN_E_FORMAT, "unknown activation 4");
    wr32(buf + O_HIDDEN, 0x80000000u);
    fix_crc(buf, len);
    expect_reject(buf, len, NN_E_FORMAT, "unknown activation 2147483648");
    wr32(buf + O_HIDDEN, NN_ACT_STEP);
    fix_crc(buf, len);
    expect_reject(buf, len, NN_E_FORMAT, "the step activation (perceptron) takes no hidden layer");
    free(buf);
}

static void test_geometry_mismatch(void **state)
{
    (void)state;
    size_t len = 0;
    uint8_t *buf = small_model(0, &len);
    wr32(buf + O_COLS, 3);
    fix_crc(buf, len);
    expect_reject(buf, len, NN_E_MISMATCH, "input 2x3 is 6 pixels, the first layer takes 4");
    /* 65536 x 65536 overflows 32 bits: must still be caught */
    wr32(buf + O_ROWS, 65536);
    wr32(buf + O_COLS, 65536);
    fix_crc(buf, len);
    expect_reject(buf, len, NN_E_MISMATCH, "is 4294967296 pixels");
    wr32(buf + O_ROWS, 2);
    wr32(buf + O_COLS, 2);
    wr32(buf + O_N_CLASSES, 3);
    fix_crc(buf, len);
    expect_reject(buf, len, NN_E_MISMATCH, "3 classes, but the output layer has 2 neurons");
    free(buf);
}

static void test_unterminated_names(void **state)
{
    (void)state;
    size_t len = 0;
    uint8_t *buf = small_model(1, &len);
    uint8_t *saved = malloc(len);
    assert_non_null(saved);
    memcpy(saved, buf, len);

    memset(buf + O_SIZES + 12 + 32, 'A', 32); /* class 1 */
    fix_crc(buf, len);
    expect_reject(buf, len, NN_E_FORMAT, "name of class 1 is not NUL-terminated");

    memcpy(buf, saved, len);
    buf[O_DATASET + 10] = 'z'; /* after "mnist\0": not NUL-padded */
    fix_crc(buf, len);
    expect_reject(buf, len, NN_E_FORMAT, "dataset name is not NUL-terminated and NUL-padded");

    memcpy(buf, saved, len);
    memset(buf + O_RECIPE, 'r', 128);
    fix_crc(buf, len);
    expect_reject(buf, len, NN_E_FORMAT, "recipe is not NUL-terminated");
    free(saved);
    free(buf);
}

/* Text fields are printed as they are: a control character in a class
 * name - C0, DEL, C1 or a bidirectional control that reorders what a
 * terminal shows - is refused; other UTF-8 text loads. */
static void test_control_characters_in_names(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "\x1b[2J",      "\x7f",         "\xc2\x9b" "31m", "\xc2\x85",     "\xd8\x9c",
        "\xe2\x80\x8e", "\xe2\x80\x8f", "\xe2\x80\xaa",   "\xe2\x80\xae", "\xe2\x81\xa6",
        "\xe2\x81\xa9",
    };
    static const char *const good[] = {"caf\xc3\xa9", "a\xe2\x80\x94" "b", "\xe2\x80\xaf",
                                       "\xe2\x81\xaa", "\xc2\xa0"};
    size_t len = 0;
    uint8_t *buf = small_model(1, &len);
    uint8_t *name = buf + O_SIZES + 12 + 32; /* class 1 */
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(name, 0, 32);
        snprintf((char *)name, 32, "ab%sc", bad[i]);
        fix_crc(buf, len);
        expect_reject(buf, len, NN_E_FORMAT, "name of class 1 is not NUL-terminated and "
                      "NUL-padded printable text");
    }
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        memset(name, 0, 32);
        snprintf((char *)name, 32, "ab%sc", good[i]);
        fix_crc(buf, len);
        nn_net *net = NULL;
        nn_model_meta meta;
        nn_error err = {{0}};
        assert_int_equal(nn_model_decode(buf, len, "ok.nnc", &net, &meta, &err), NN_OK);
        assert_string_equal(meta.class_names[1], (const char *)name);
        nn_net_free(net);
    }
    free(buf);
}

static void test_nonfinite(void **state)
{
    (void)state;
    size_t len = 0;
    uint8_t *buf = small_model(0, &len);
    size_t first = 236; /* header of a 4-3-2 model without names */
    wr32(buf + first + 4 * 17, 0x7fc00000u); /* NaN */
    fix_crc(buf, len);
    expect_reject(buf, len, NN_E_NUMERIC, "parameter 17 is NaN; the file is corrupt");
    wr32(buf + first + 4 * 17, 0xff800000u); /* -Inf */
    fix_crc(buf, len);
    expect_reject(buf, len, NN_E_NUMERIC, "parameter 17 is Inf");
    free(buf);

    buf = small_model(0, &len);
    wr32(buf + O_VAL_ACC, 0x7fc00000u);
    fix_crc(buf, len);
    expect_reject(buf, len, NN_E_FORMAT, "validation accuracy nan");
    float two = 2.0f;
    uint32_t bits;
    memcpy(&bits, &two, 4);
    wr32(buf + O_VAL_ACC, bits);
    fix_crc(buf, len);
    expect_reject(buf, len, NN_E_FORMAT, "validation accuracy 2 is not finite or is above 1");
    free(buf);
}

/* The encoder refuses what the decoder would refuse. */
static void test_encode_rejects(void **state)
{
    (void)state;
    static const size_t sizes[] = {4, 3, 2};
    nn_net *net = make_net(sizes, 3, NN_ACT_RELU);
    nn_model_meta meta;
    uint8_t *buf = NULL;
    size_t len = 0;
    nn_error err = {{0}};

    make_meta(&meta, 2, 3, 2, 0);
    assert_int_equal(nn_model_encode(net, &meta, &buf, &len, &err), NN_E_ARG);
    assert_non_null(strstr(err.msg, "input 2x3 is 6 pixels, the net takes 4"));
    make_meta(&meta, 2, 2, 3, 0);
    assert_int_equal(nn_model_encode(net, &meta, &buf, &len, &err), NN_E_ARG);
    make_meta(&meta, 2, 2, 2, 1);
    memset(meta.class_names[0], 'a', NN_MODEL_NAME_LEN);
    assert_int_equal(nn_model_encode(net, &meta, &buf, &len, &err), NN_E_ARG);
    make_meta(&meta, 2, 2, 2, 0);
    memset(meta.dataset, 'd', sizeof meta.dataset);
    assert_int_equal(nn_model_encode(net, &meta, &buf, &len, &err), NN_E_ARG);
    make_meta(&meta, 2, 2, 2, 0);
    meta.val_accuracy = NAN;
    assert_int_equal(nn_model_encode(net, &meta, &buf, &len, &err), NN_E_ARG);

    make_meta(&meta, 2, 2, 2, 0);
    net->params[5] = INFINITY;
    assert_int_equal(nn_model_encode(net, &meta, &buf, &len, &err), NN_E_NUMERIC);
    assert_non_null(strstr(err.msg, "parameter 5 is Inf"));
    /* and save writes nothing at all */
    char *dir = ts_make_tmpdir();
    char *path = ts_join(dir, "nan.nnc");
    assert_int_equal(nn_model_save(path, net, &meta, &err), NN_E_NUMERIC);
    assert_non_null(strstr(err.msg, "nan.nnc: parameter 5 is Inf"));
    assert_int_equal(count_entries(dir), 0);
    assert_null(buf);
    ts_remove_tree(dir);
    free(path);
    free(dir);
    nn_net_free(net);
}

/* --- files --------------------------------------------------------------------- */

struct fixture {
    char *dir, *path;
    nn_net *net;
    nn_model_meta meta;
};

static int setup_files(void **state)
{
    static const size_t sizes[] = {4, 3, 2};
    struct fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->dir = ts_make_tmpdir();
    f->path = ts_join(f->dir, "model.nnc");
    f->net = make_net(sizes, 3, NN_ACT_RELU);
    make_meta(&f->meta, 2, 2, 2, 1);
    *state = f;
    return 0;
}

static int teardown_files(void **state)
{
    struct fixture *f = *state;
    chmod(f->dir, 0700);
    ts_remove_tree(f->dir);
    nn_net_free(f->net);
    free(f->path);
    free(f->dir);
    free(f);
    return 0;
}

static void test_save_missing_folder(void **state)
{
    struct fixture *f = *state;
    char *sub = ts_join(f->dir, "no-such-folder");
    char *path = ts_join(sub, "model.nnc");
    nn_error err = {{0}};
    assert_int_equal(nn_model_save(path, f->net, &f->meta, &err), NN_E_IO);
    char want[600];
    snprintf(want, sizeof want, "%s: cannot write: %s", path, strerror(ENOENT));
    assert_string_equal(err.msg, want);
    assert_int_equal(count_entries(f->dir), 0);
    free(path);
    free(sub);
}

static void test_save_replaces(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(ts_write_file(f->path, "old contents", 12), 0);
    nn_error err = {{0}};
    mode_t old_mask = umask(022);
    assert_int_equal(nn_model_save(f->path, f->net, &f->meta, &err), NN_OK);
    umask(old_mask);
    assert_int_equal(count_entries(f->dir), 1);

    size_t len = 0, want_len = 0;
    uint8_t *got = read_all(f->path, &len);
    uint8_t *want = NULL;
    assert_int_equal(nn_model_encode(f->net, &f->meta, &want, &want_len, &err), NN_OK);
    assert_int_equal(len, want_len);
    assert_memory_equal(got, want, len);
    struct stat sb;
    assert_int_equal(stat(f->path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0644);

    /* and once more over the model itself */
    f->meta.epochs = 99;
    assert_int_equal(nn_model_save(f->path, f->net, &f->meta, &err), NN_OK);
    nn_net *back = NULL;
    static nn_model_meta mb;
    assert_int_equal(nn_model_load(f->path, &back, &mb, &err), NN_OK);
    assert_int_equal(mb.epochs, 99);
    assert_int_equal(count_entries(f->dir), 1);
    nn_net_free(back);
    free(got);
    free(want);
}

/* Saves into a folder without write permission; returns 0 when the save
 * failed cleanly with NN_E_IO and EACCES in the message. */
static int save_denied(struct fixture *f)
{
    nn_error err = {{0}};
    nn_status st = nn_model_save(f->path, f->net, &f->meta, &err);
    return st == NN_E_IO && strstr(err.msg, "model.nnc: cannot write: ") != NULL &&
                   strstr(err.msg, strerror(EACCES)) != NULL
               ? 0
               : 1;
}

static void test_save_read_only_folder(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(ts_write_file(f->path, "keep me", 7), 0);
    assert_int_equal(chmod(f->path, 0644), 0);
    assert_int_equal(chmod(f->dir, 0555), 0);
    if (geteuid() != 0) {
        assert_int_equal(save_denied(f), 0);
    } else {
        /* Root ignores permissions: try as an unprivileged user in a child,
         * and skip when that is not possible. */
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            if (setgid(65534) != 0 || setuid(65534) != 0)
                _exit(77);
            _exit(save_denied(f));
        }
        int status = 0;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        if (WEXITSTATUS(status) == 77) {
            assert_int_equal(chmod(f->dir, 0700), 0);
            skip();
        }
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    assert_int_equal(chmod(f->dir, 0700), 0);
    assert_int_equal(count_entries(f->dir), 1);
    size_t len = 0;
    uint8_t *kept = read_all(f->path, &len);
    assert_int_equal(len, 7);
    assert_memory_equal(kept, "keep me", 7);
    free(kept);
}

/* A write that fails part-way (the disk-full case): RLIMIT_FSIZE makes
 * write() fail with EFBIG after 100 bytes, without root or a small file
 * system. /dev/full cannot be used: the temp file must sit next to the
 * destination, and /dev is not a folder to write into. */
static void test_save_write_fails(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(ts_write_file(f->path, "previous model", 14), 0);
    struct rlimit old_lim, lim;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old_lim), 0);
    lim = old_lim;
    lim.rlim_cur = 100;
    void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    nn_error err = {{0}};
    nn_status st = nn_model_save(f->path, f->net, &f->meta, &err);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old_lim), 0);
    signal(SIGXFSZ, old_handler);

    assert_int_equal(st, NN_E_IO);
    char want[600];
    snprintf(want, sizeof want, "%s: cannot write: %s", f->path, strerror(EFBIG));
    assert_string_equal(err.msg, want);
    assert_int_equal(count_entries(f->dir), 1);
    size_t len = 0;
    uint8_t *kept = read_all(f->path, &len);
    assert_int_equal(len, 14);
    assert_memory_equal(kept, "previous model", 14);
    free(kept);
}

/* The rename fails (the destination is a folder): the temp file goes. */
static void test_save_over_folder(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(mkdir(f->path, 0700), 0);
    nn_error err = {{0}};
    assert_int_equal(nn_model_save(f->path, f->net, &f->meta, &err), NN_E_IO);
    assert_non_null(strstr(err.msg, "model.nnc: cannot replace: "));
    assert_int_equal(count_entries(f->dir), 1);
    assert_int_equal(rmdir(f->path), 0);
}

static void test_load_errors(void **state)
{
    struct fixture *f = *state;
    nn_net *net = NULL;
    nn_error err = {{0}};
    char want[600];

    assert_int_equal(nn_model_load(f->path, &net, NULL, &err), NN_E_IO);
    snprintf(want, sizeof want, "%s: cannot open: %s", f->path, strerror(ENOENT));
    assert_string_equal(err.msg, want);
    assert_null(net);

    assert_int_equal(nn_model_load(f->dir, &net, NULL, &err), NN_E_IO);
    assert_non_null(strstr(err.msg, "is a directory"));

    /* Not a regular file: read until the end. */
    assert_int_equal(nn_model_load("/dev/null", &net, NULL, &err), NN_E_TRUNCATED);
    assert_string_equal(err.msg, "/dev/null: truncated: 0 bytes, the header needs 224");

    /* Bigger than any model: refused from fstat, before reading (sparse). */
    int fd = open(f->path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, (off_t)1 << 30), 0);
    close(fd);
    assert_int_equal(nn_model_load(f->path, &net, NULL, &err), NN_E_TOO_LARGE);
    assert_non_null(strstr(err.msg, "model.nnc: 1073741824 bytes, larger than any model"));
    assert_null(net);

    /* A bad file on disk carries its path in the message. */
    size_t len = 0;
    uint8_t *buf = small_model(0, &len);
    buf[len / 2] ^= 1;
    assert_int_equal(ts_write_file(f->path, buf, len), 0);
    assert_int_equal(nn_model_load(f->path, &net, NULL, &err), NN_E_CHECKSUM);
    snprintf(want, sizeof want, "%s: checksum mismatch: stored 0x", f->path);
    assert_true(strncmp(err.msg, want, strlen(want)) == 0);
    free(buf);
}

/* --- version 2: the layer table --------------------------------------------- */

#define O_ROW(l) (O_SIZES + 32 * (l))

/* A small conv net (6x6 input), with distinct parameters, encoded. */
static uint8_t *table_model(int names, size_t *len, nn_net **keep)
{
    nn_layer t[NN_MAX_LAYERS];
    size_t n = 0;
    nn_error err = {{0}};
    assert_int_equal(nn_net_parse_table("6x6,conv3x3x2-same:tanh,pool2,conv3x3x3,4",
                                        NN_ACT_RELU, t, &n, &err), NN_OK);
    nn_net *net = NULL;
    assert_int_equal(nn_net_create_table(t, n, &net, &err), NN_OK);
    for (size_t i = 0; i < net->n_params; i++)
        net->params[i] = (float)((double)i * 0.37 - 3.0) / 7.0f;
    net->params[0] = -0.0f;
    net->params[1] = 1e-40f;
    nn_model_meta meta;
    make_meta(&meta, 6, 6, 4, names);
    uint8_t *buf = NULL;
    assert_int_equal(nn_model_encode(net, &meta, &buf, len, &err), NN_OK);
    if (keep != NULL)
        *keep = net;
    else
        nn_net_free(net);
    return buf;
}

static void test_v2_roundtrip(void **state)
{
    (void)state;
    nn_net *net = NULL;
    size_t len = 0;
    uint8_t *buf = table_model(1, &len, &net);
    /* 224 + 5 rows of 32 + 4 names of 32, then (2*9+2 + 0 + 3*18+3 + 3*4+4) floats, CRC */
    assert_int_equal(len, 224 + 5 * 32 + 4 * 32 + 4 * (20 + 57 + 16) + 4);
    assert_int_equal(rd32(buf + O_VERSION), 2);
    assert_int_equal(rd32(buf + O_ROW(1)), 2);     /* conv */
    assert_int_equal(rd32(buf + O_ROW(1) + 4), 2); /* tanh */
    assert_int_equal(rd32(buf + O_ROW(1) + 24), 1); /* same */
    assert_int_equal(rd32(buf + O_ROW(2)), 3);     /* pool */
    assert_int_equal(rd32(buf + O_ROW(2) + 8), 3); /* 3 rows out */
    static nn_model_meta meta;
    nn_net *back = decode_reencodes(buf, len, &meta);
    assert_net_equal(net, back);
    for (size_t l = 0; l < net->n_layers; l++)
        assert_memory_equal(&net->layers[l], &back->layers[l], sizeof net->layers[l]);
    free(buf);
    nn_net_free(back);
    nn_net_free(net);
}

static void test_v2_truncation_sweep(void **state)
{
    (void)state;
    size_t len = 0;
    uint8_t *buf = table_model(1, &len, NULL);
    for (size_t n = 0; n < len; n++) {
        uint8_t *cut = malloc(n > 0 ? n : 1);
        assert_non_null(cut);
        memcpy(cut, buf, n);
        char want[64];
        snprintf(want, sizeof want, "truncated: %zu bytes, the header ", n);
        expect_reject(cut, n, NN_E_TRUNCATED, want);
        free(cut);
    }
    free(buf);
}

/* Every single-bit flip of a version 2 file is refused; outside the fields
 * the file's length follows from (and the layer table, checked before the
 * CRC), by the checksum. */
static void test_v2_bit_flip_sweep(void **state)
{
    (void)state;
    size_t len = 0;
    uint8_t *buf = table_model(0, &len, NULL);
    for (size_t i = 0; i < len; i++)
        for (int bit = 0; bit < 8; bit++) {
            buf[i] ^= (uint8_t)(1u << bit);
            nn_net *net = NULL;
            nn_error err = {{0}};
            nn_status st = nn_model_decode(buf, len, "flip.nnc", &net, NULL, &err);
            if (st == NN_OK)
                fail_msg("flip of bit %d of byte %zu accepted", bit, i);
            assert_null(net);
            assert_true(strncmp(err.msg, "flip.nnc: ", 10) == 0);
            int before_crc = i < O_ROWS || (i >= O_N_LAYERS && i < O_HIDDEN) ||
                             (i >= O_N_CLASSES && i < O_EPOCHS) ||
                             (i >= O_N_PARAMS && i < O_DATASET) ||
                             (i >= O_SIZES && i < O_ROW(5));
            if (!before_crc)
                assert_int_equal(st, NN_E_CHECKSUM);
            buf[i] ^= (uint8_t)(1u << bit);
        }
    free(buf);
}

/* Each malformed row of the table has its own message. */
static void test_v2_bad_rows(void **state)
{
    (void)state;
    static const struct {
        size_t off;
        uint32_t value;
        nn_status st;
        const char *want;
    } cases[] = {
        {O_ROW(0), 1, NN_E_FORMAT, "layer 0 is kind 1, not the input"},
        {O_ROW(0) + 16, 0, NN_E_FORMAT, "the input row 6x6x0 is malformed"},
        {O_ROW(0) + 8, 5000, NN_E_TOO_LARGE, "an input of 5000x6x1 values"},
        {O_ROW(1), 99, NN_E_FORMAT, "layer 1 has unknown kind 99"},
        {O_ROW(1) + 4, 3, NN_E_FORMAT, "layer 1 has unknown activation 3"},
        {O_ROW(4) + 4, 1, NN_E_FORMAT, "the output layer has activation 1"},
        {O_ROW(1) + 20, 99, NN_E_TOO_LARGE, "layer 1: shape 6x6x2, kernel 99 or 0 units"},
        {O_ROW(1) + 28, 70000, NN_E_TOO_LARGE, "kernel 3 or 70000 units over the limits"},
        {O_ROW(1) + 20, 4, NN_E_FORMAT, "'same' padding needs an odd kernel"},
        {O_ROW(3) + 20, 5, NN_E_FORMAT, "the 5x5 kernel is bigger than its 3x3 input"},
        {O_ROW(1) + 8, 5, NN_E_FORMAT, "layer 1 (conv) stores an output of 5x6x2, its input "
                                       "and kernel give 6x6x2"},
        {O_ROW(2) + 16, 3, NN_E_FORMAT, "layer 2 (pool) stores an output of 3x3x3"},
        {O_ROW(2) + 20, 3, NN_E_FORMAT, "pooling is 2x2 without padding"},
        {O_ROW(4) + 20, 1, NN_E_FORMAT, "a dense layer with a kernel"},
        {O_ROW(3) + 24, 2, NN_E_FORMAT, "layer 3 has unknown flags 0x00000002"},
        {O_ROW(3) + 28, 1, NN_E_FORMAT, "layer 3 (conv) has flags 0x0 or 1 units it cannot"},
        {O_ROW(3) + 24, 0x100, NN_E_FORMAT, "layer 3 (conv) has flags 0x1 or 0 units it"},
        {O_ROW(0) + 28, 1, NN_E_FORMAT, "the input row 6x6x1 is malformed"},
        {O_ROW(4) + 8, 2, NN_E_FORMAT, "layer 4 (dense) stores an output of 2x1x4"},
        {O_HIDDEN, 1, NN_E_FORMAT, "activation field 1, layer 1's is 2"},
        {O_ROWS, 3, NN_E_MISMATCH, "input 3x6 is 18 pixels"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        size_t len = 0;
        uint8_t *buf = table_model(0, &len, NULL);
        wr32(buf + cases[c].off, cases[c].value);
        fix_crc(buf, len);
        expect_reject(buf, len, cases[c].st, cases[c].want);
        free(buf);
    }
}

/* A model written by nnclass before the layer table existed (a version 1
 * file, committed) still loads, as the dense net it was. */
static void test_v1_fixture_loads(void **state)
{
    (void)state;
    char path[4096];
    snprintf(path, sizeof path, "%s/../tests/fixtures/v1-784-32-10-tanh.nnc", ts_data_dir());
    nn_net *net = NULL;
    static nn_model_meta meta;
    nn_error err = {{0}};
    if (nn_model_load(path, &net, &meta, &err) != NN_OK)
        fail_msg("load: %s", err.msg);
    assert_int_equal(net->n_layers, 3);
    assert_int_equal(nn_net_size(net, 1), 32);
    assert_int_equal(nn_net_hidden(net), NN_ACT_TANH);
    assert_true(nn_net_is_dense(net));
    assert_int_equal(net->layers[0].h, 28);
    /* Encoded again, it is the same version 1 file. */
    size_t len = 0, len2 = 0;
    uint8_t *file = read_all(path, &len), *again = NULL;
    assert_int_equal(nn_model_encode(net, &meta, &again, &len2, &err), NN_OK);
    assert_int_equal(len2, len);
    assert_memory_equal(again, file, len);
    free(again);
    free(file);
    nn_net_free(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_small),
        cmocka_unit_test(test_provenance),
        cmocka_unit_test(test_roundtrip_default),
        cmocka_unit_test(test_roundtrip_perceptron_and_deep),
        cmocka_unit_test(test_roundtrip_no_validation),
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_encoding_canonical),
        cmocka_unit_test(test_bad_magic),
        cmocka_unit_test(test_bad_version),
        cmocka_unit_test(test_truncation_sweep),
        cmocka_unit_test(test_trailing_bytes),
        cmocka_unit_test(test_bad_checksum),
        cmocka_unit_test(test_bit_flip_sweep),
        cmocka_unit_test(test_huge_layer),
        cmocka_unit_test(test_too_many_params),
        cmocka_unit_test(test_layer_and_class_counts),
        cmocka_unit_test(test_zero_sizes),
        cmocka_unit_test(test_header_fields_agree),
        cmocka_unit_test(test_bad_activation),
        cmocka_unit_test(test_geometry_mismatch),
        cmocka_unit_test(test_unterminated_names),
        cmocka_unit_test(test_control_characters_in_names),
        cmocka_unit_test(test_nonfinite),
        cmocka_unit_test(test_encode_rejects),
        cmocka_unit_test(test_v2_roundtrip),
        cmocka_unit_test(test_v2_truncation_sweep),
        cmocka_unit_test(test_v2_bit_flip_sweep),
        cmocka_unit_test(test_v2_bad_rows),
        cmocka_unit_test(test_v1_fixture_loads),
        cmocka_unit_test_setup_teardown(test_save_missing_folder, setup_files, teardown_files),
        cmocka_unit_test_setup_teardown(test_save_replaces, setup_files, teardown_files),
        cmocka_unit_test_setup_teardown(test_save_read_only_folder, setup_files, teardown_files),
        cmocka_unit_test_setup_teardown(test_save_write_fails, setup_files, teardown_files),
        cmocka_unit_test_setup_teardown(test_save_over_folder, setup_files, teardown_files),
        cmocka_unit_test_setup_teardown(test_load_errors, setup_files, teardown_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
