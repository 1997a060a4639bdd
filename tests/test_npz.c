/* test_npz.c - the .npz writer, read back by the zip and .npy rules: every
 * local header and central-directory entry, each member's CRC-32 (zlib's),
 * the .npy headers' alignment and dict, and the arrays' bytes against the
 * net's parameters. (The CLI test loads the file with numpy.load.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "nnclass/nn/model.h"
#include "nnclass/nn/net.h"
#include "nnclass/export/npz.h"

static uint32_t le16(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t le32(const uint8_t *p) { return le16(p) | le16(p + 2) << 16; }

typedef struct {
    char name[32];
    const uint8_t *data;
    uint32_t size, offset;
} entry;

/* Walks the archive through its central directory; checks each entry
 * against its local header. Returns the number of entries. */
static size_t read_zip(const uint8_t *z, size_t len, entry *out, size_t max)
{
    assert_true(len >= 22);
    const uint8_t *eocd = z + len - 22;
    assert_int_equal(le32(eocd), 0x06054b50);
    size_t n = le16(eocd + 10);
    assert_int_equal(le16(eocd + 8), n);
    assert_true(n <= max);
    uint32_t cd_size = le32(eocd + 12), cd_off = le32(eocd + 16);
    assert_int_equal(cd_off + cd_size, len - 22);
    const uint8_t *c = z + cd_off;
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(le32(c), 0x02014b50);
        assert_int_equal(le16(c + 10), 0); /* stored */
        uint32_t crc = le32(c + 16), csize = le32(c + 20), usize = le32(c + 24);
        uint32_t name_len = le16(c + 28), off = le32(c + 42);
        assert_int_equal(csize, usize);
        const uint8_t *l = z + off;
        assert_int_equal(le32(l), 0x04034b50);
        assert_int_equal(le16(l + 8), 0);
        assert_int_equal(le32(l + 14), crc);
        assert_int_equal(le32(l + 18), csize);
        assert_int_equal(le16(l + 26), name_len);
        assert_memory_equal(l + 30, c + 46, name_len);
        const uint8_t *data = l + 30 + name_len + le16(l + 28);
        assert_int_equal(crc, (uint32_t)crc32(crc32(0L, Z_NULL, 0), data, csize));
        assert_true(name_len < sizeof out[i].name);
        memcpy(out[i].name, c + 46, name_len);
        out[i].name[name_len] = '\0';
        out[i].data = data;
        out[i].size = csize;
        out[i].offset = off;
        c += 46 + name_len + le16(c + 30) + le16(c + 32);
    }
    return n;
}

/* Checks a .npy member: magic, version 1.0, the data at a multiple of 64,
 * the dict's descr and shape; returns its data. */
static const uint8_t *check_npy(const entry *e, const char *descr, const char *shape)
{
    assert_memory_equal(e->data, "\x93NUMPY\x01\x00", 8);
    uint32_t hl = le16(e->data + 8);
    assert_int_equal((10 + hl) % 64, 0);
    assert_int_equal(e->data[10 + hl - 1], '\n');
    char dict[512];
    assert_true(hl < sizeof dict);
    memcpy(dict, e->data + 10, hl);
    dict[hl] = '\0';
    char want[128];
    snprintf(want, sizeof want, "{'descr': '%s', 'fortran_order': False, 'shape': %s, }",
             descr, shape);
    assert_memory_equal(dict, want, strlen(want));
    return e->data + 10 + hl;
}

static void test_arrays(void **state)
{
    (void)state;
    static const size_t sizes[] = {4, 3, 2};
    nn_net *net = NULL;
    assert_int_equal(nn_net_create(sizes, 3, NN_ACT_TANH, &net, NULL), NN_OK);
    for (size_t i = 0; i < net->n_params; i++)
        net->params[i] = (float)i * 0.25f - 1.0f;
    static nn_model_meta meta;
    meta.rows = 2;
    meta.cols = 2;
    meta.n_classes = 2;
    meta.has_class_names = 1;
    strcpy(meta.class_names[0], "cat");
    strcpy(meta.class_names[1], "T-shirt");

    uint8_t *buf = NULL;
    size_t len = 0;
    assert_int_equal(nn_npz_encode(net, &meta, &buf, &len, NULL), NN_OK);
    entry e[8];
    size_t n = read_zip(buf, len, e, 8);
    assert_int_equal(n, 7);
    static const char *const names[] = {"W1.npy", "b1.npy", "W2.npy", "b2.npy",
                                        "activation.npy", "layers.npy", "class_names.npy"};
    for (size_t i = 0; i < n; i++)
        assert_string_equal(e[i].name, names[i]);

    static const char *const shapes[] = {"(3, 4,)", "(3,)", "(2, 3,)", "(2,)"};
    for (size_t i = 0; i < 4; i++) {
        size_t l = 1 + i / 2;
        const float *want = i % 2 == 0 ? nn_net_weights(net, l) : nn_net_biases(net, l);
        size_t count = i % 2 == 0 ? sizes[l] * sizes[l - 1] : sizes[l];
        const uint8_t *d = check_npy(&e[i], "<f4", shapes[i]);
        assert_int_equal(e[i].data + e[i].size - d, 4 * count);
        for (size_t j = 0; j < count; j++) {
            uint32_t bits;
            memcpy(&bits, &want[j], 4);
            assert_int_equal(le32(d + 4 * j), bits);
        }
    }
    const uint8_t *d = check_npy(&e[4], "<U4", "()");
    static const char tanh_[] = "tanh";
    for (size_t j = 0; j < 4; j++)
        assert_int_equal(le32(d + 4 * j), (unsigned char)tanh_[j]);
    d = check_npy(&e[5], "<U5", "()"); /* "4,3,2": the table, activations as the default */
    static const char table[] = "4,3,2";
    for (size_t j = 0; j < 5; j++)
        assert_int_equal(le32(d + 4 * j), (unsigned char)table[j]);
    d = check_npy(&e[6], "<U7", "(2,)");
    assert_int_equal(e[6].data + e[6].size - d, 2 * 7 * 4);
    assert_int_equal(le32(d), 'c');
    assert_int_equal(le32(d + 4 * 3), 0); /* "cat" padded with NULs */
    assert_int_equal(le32(d + 4 * 7), 'T');

    /* deterministic: the same bytes again */
    uint8_t *again = NULL;
    size_t len2 = 0;
    assert_int_equal(nn_npz_encode(net, &meta, &again, &len2, NULL), NN_OK);
    assert_int_equal(len2, len);
    assert_memory_equal(again, buf, len);
    free(again);

    /* without class names there is no class_names member */
    meta.has_class_names = 0;
    free(buf);
    assert_int_equal(nn_npz_encode(net, &meta, &buf, &len, NULL), NN_OK);
    assert_int_equal(read_zip(buf, len, e, 8), 6);
    free(buf);
    nn_net_free(net);
}

static void test_npy_alone(void **state)
{
    (void)state;
    size_t dims[1] = {61};
    float v[61] = {0};
    uint8_t *buf = NULL;
    size_t len = 0;
    assert_int_equal(nn_npy_encode_f32(dims, 1, v, &buf, &len, NULL), NN_OK);
    entry e = {.data = buf, .size = (uint32_t)len};
    const uint8_t *d = check_npy(&e, "<f4", "(61,)");
    assert_int_equal(buf + len - d, 61 * 4);
    free(buf);
    size_t five[5] = {1, 1, 1, 1, 1};
    nn_error err = {{0}};
    assert_int_equal(nn_npy_encode_f32(five, 5, v, &buf, &len, &err), NN_E_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arrays),
        cmocka_unit_test(test_npy_alone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
