/* npz.c - NumPy .npy arrays in a stored zip archive (see npz.h). The zip
 * layout is PKWARE's APPNOTE: a local header and the data for each member,
 * then the central directory, then its end record; no compression, no
 * data descriptors, no zip64 (members and archive stay far below 4 GiB:
 * the parameters are capped at 256 MiB). */
#include "nnclass/export/npz.h"

#include "nnclass/base/bytes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#define NPY_ALIGN 64
#define MAX_MEMBERS (2 * NN_MAX_LAYERS + 3)
#define DOS_DATE_1980 0x21 /* 1980-01-01: (0 << 9) | (1 << 5) | 1 */

/* --- the byte buffer (nnclass/base/bytes.h), appended to without checks ------------ */

typedef nn_bytes bytes; /* zero-initialised: empty, no cap of its own */

static void put(bytes *b, const void *p, size_t n)
{
    nn_bytes_put(b, p, n);
}

static void put16(bytes *b, uint32_t v)
{
    uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    put(b, x, 2);
}

static void put32(bytes *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    put(b, x, 4);
}

/* --- .npy ------------------------------------------------------------------------ */

/* Header of a C-order array: magic, version 1.0, header length, then the
 * dict padded with spaces and a newline to a multiple of NPY_ALIGN. */
static void npy_header(bytes *b, const char *descr, const size_t *dims, size_t n_dims)
{
    char dict[256];
    int o = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (",
                     descr);
    for (size_t i = 0; i < n_dims && o < (int)sizeof dict; i++)
        o += snprintf(dict + o, sizeof dict - (size_t)o, "%zu,%s", dims[i],
                      i + 1 < n_dims ? " " : "");
    if (o < (int)sizeof dict)
        o += snprintf(dict + o, sizeof dict - (size_t)o, "), }");
    size_t dict_len = (size_t)o;
    size_t total = 10 + dict_len + 1; /* magic 6, version 2, length 2, dict, '\n' */
    size_t padded = (total + NPY_ALIGN - 1) / NPY_ALIGN * NPY_ALIGN;
    put(b, "\x93NUMPY\x01\x00", 8);
    put16(b, (uint32_t)(padded - 10));
    put(b, dict, dict_len);
    for (size_t i = total; i < padded; i++)
        put(b, " ", 1);
    put(b, "\n", 1);
}

static void npy_f32(bytes *b, const size_t *dims, size_t n_dims, const float *v)
{
    size_t n = 1;
    for (size_t i = 0; i < n_dims; i++)
        n *= dims[i];
    npy_header(b, "<f4", dims, n_dims);
    for (size_t i = 0; i < n && b->failed == NN_OK; i++) {
        uint32_t bits;
        memcpy(&bits, &v[i], sizeof bits);
        put32(b, bits);
    }
}

/* Unicode strings ('<Uw': w UTF-32 code units each, NUL-padded). Names are
 * ASCII in practice; other bytes are stored as their Latin-1 code points. */
static void npy_strings(bytes *b, const char *const *s, size_t n, const size_t *dims,
                        size_t n_dims)
{
    size_t w = 1;
    for (size_t i = 0; i < n; i++)
        if (strlen(s[i]) > w)
            w = strlen(s[i]);
    char descr[32];
    snprintf(descr, sizeof descr, "<U%zu", w);
    npy_header(b, descr, dims, n_dims);
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(s[i]);
        for (size_t j = 0; j < w; j++)
            put32(b, j < len ? (unsigned char)s[i][j] : 0);
    }
}

nn_status nn_npy_encode_f32(const size_t *dims, size_t n_dims, const float *values,
                            uint8_t **buf, size_t *len, nn_error *err)
{
    bytes b = {0};
    if (n_dims > 4)
        return nn_fail(err, NN_E_ARG, "npy: %zu dimensions, at most 4", n_dims);
    npy_f32(&b, dims, n_dims, values);
    if (b.failed != NN_OK) {
        free(b.data);
        return nn_fail(err, NN_E_NOMEM, "npy: out of memory");
    }
    *buf = b.data;
    *len = b.len;
    return NN_OK;
}

/* --- zip ---------------------------------------------------------------------------- */

typedef struct {
    char name[32];
    uint32_t crc, size, offset;
} member;

/* Appends a stored member holding data; records it for the directory. */
static void zip_member(bytes *zip, member *m, const char *name, const bytes *data)
{
    snprintf(m->name, sizeof m->name, "%s.npy", name);
    m->crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), data->data, (uInt)data->len);
    m->size = (uint32_t)data->len;
    m->offset = (uint32_t)zip->len;
    put32(zip, 0x04034b50);   /* local file header */
    put16(zip, 20);           /* version needed: 2.0 */
    put16(zip, 0);            /* flags */
    put16(zip, 0);            /* method: stored */
    put16(zip, 0);            /* time 00:00:00 */
    put16(zip, DOS_DATE_1980);
    put32(zip, m->crc);
    put32(zip, m->size);      /* compressed size */
    put32(zip, m->size);      /* uncompressed size */
    put16(zip, (uint32_t)strlen(m->name));
    put16(zip, 0);            /* extra field length */
    put(zip, m->name, strlen(m->name));
    put(zip, data->data, data->len);
}

static void zip_directory(bytes *zip, const member *m, size_t n)
{
    uint32_t start = (uint32_t)zip->len;
    for (size_t i = 0; i < n; i++) {
        put32(zip, 0x02014b50); /* central directory header */
        put16(zip, 20);         /* made by: 2.0, MS-DOS attributes */
        put16(zip, 20);         /* version needed */
        put16(zip, 0);
        put16(zip, 0);
        put16(zip, 0);
        put16(zip, DOS_DATE_1980);
        put32(zip, m[i].crc);
        put32(zip, m[i].size);
        put32(zip, m[i].size);
        put16(zip, (uint32_t)strlen(m[i].name));
        put16(zip, 0); /* extra */
        put16(zip, 0); /* comment */
        put16(zip, 0); /* disk number */
        put16(zip, 0); /* internal attributes */
        put32(zip, 0); /* external attributes */
        put32(zip, m[i].offset);
        put(zip, m[i].name, strlen(m[i].name));
    }
    uint32_t size = (uint32_t)zip->len - start;
    put32(zip, 0x06054b50); /* end of central directory */
    put16(zip, 0);
    put16(zip, 0);
    put16(zip, (uint32_t)n);
    put16(zip, (uint32_t)n);
    put32(zip, size);
    put32(zip, start);
    put16(zip, 0); /* comment length */
}

nn_status nn_npz_encode(const nn_net *net, const nn_model_meta *meta, uint8_t **buf,
                        size_t *len, nn_error *err)
{
    bytes zip = {0}, arr = {0};
    member members[MAX_MEMBERS];
    size_t n = 0;
    char name[32];
    for (size_t l = 1; l < net->n_layers; l++) {
        const nn_layer_ops *ops = nn_layer_ops_of(net->layers[l].kind);
        if (ops == NULL || ops->npz == NULL) {
            free(zip.data);
            free(arr.data);
            return nn_fail(err, NN_E_ARG, "npz: cannot export layer %zu (%s) to npz", l,
                           nn_layer_kind_name(net->layers[l].kind));
        }
        /* Each array as nnclass keeps it: dense (out, in); conv (C_out, k, k, C_in). */
        nn_layer_run run = nn_net_layer_run(net, l);
        nn_param_array arrays[2];
        size_t n_arrays = ops->npz(&run, arrays);
        for (size_t i = 0; i < n_arrays && i < 2; i++) {
            arr.len = 0;
            npy_f32(&arr, arrays[i].dims, arrays[i].n_dims, arrays[i].data);
            snprintf(name, sizeof name, "%s%zu", arrays[i].prefix, l);
            zip_member(&zip, &members[n++], name, &arr);
        }
    }
    const char *act = nn_activation_name(nn_net_hidden(net));
    arr.len = 0;
    npy_strings(&arr, &act, 1, NULL, 0);
    zip_member(&zip, &members[n++], "activation", &arr);
    char table[512];
    const char *table_p = table;
    nn_net_format_table(net, nn_net_hidden(net), table, sizeof table);
    arr.len = 0;
    npy_strings(&arr, &table_p, 1, NULL, 0);
    zip_member(&zip, &members[n++], "layers", &arr);
    if (meta->has_class_names) {
        const char *names[NN_MAX_CLASSES];
        for (size_t k = 0; k < meta->n_classes; k++)
            names[k] = meta->class_names[k];
        arr.len = 0;
        npy_strings(&arr, names, meta->n_classes, &meta->n_classes, 1);
        zip_member(&zip, &members[n++], "class_names", &arr);
    }
    zip_directory(&zip, members, n);
    int failed = zip.failed != NN_OK || arr.failed != NN_OK;
    free(arr.data);
    if (failed || zip.len > UINT32_MAX) {
        free(zip.data);
        return nn_fail(err, NN_E_NOMEM, "npz: out of memory");
    }
    *buf = zip.data;
    *len = zip.len;
    return NN_OK;
}
