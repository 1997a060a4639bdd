/* pb.c - the protocol buffers wire-format writer (see pb.h). */
#include "nnclass/export/pb.h"

#include "nnclass/base/bytes.h"

#include <stdlib.h>
#include <string.h>

enum { WIRE_VARINT = 0, WIRE_LEN = 2, WIRE_FIXED32 = 5 };

void nn_pb_init(nn_pb *pb)
{
    memset(pb, 0, sizeof *pb);
}

void nn_pb_free(nn_pb *pb)
{
    free(pb->data);
    nn_pb_init(pb);
}

/* Makes room for extra more bytes; on failure marks pb failed. */
static int reserve(nn_pb *pb, size_t extra)
{
    if (pb->failed != NN_OK)
        return -1;
    if (extra > NN_PB_MAX_SIZE - pb->len) {
        pb->failed = NN_E_TOO_LARGE;
        return -1;
    }
    pb->failed = nn_bytes_grow(&pb->data, &pb->cap, pb->len + extra, NN_PB_MAX_SIZE);
    return pb->failed == NN_OK ? 0 : -1;
}

/* Encodes v into out (at least 10 bytes); returns the byte count. */
static size_t encode_varint(uint64_t v, uint8_t *out)
{
    size_t n = 0;
    while (v >= 0x80) {
        out[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    out[n++] = (uint8_t)v;
    return n;
}

static void append(nn_pb *pb, const void *data, size_t len)
{
    if (reserve(pb, len) != 0)
        return;
    if (len > 0)
        memcpy(pb->data + pb->len, data, len);
    pb->len += len;
}

void nn_pb_varint(nn_pb *pb, uint64_t v)
{
    uint8_t tmp[10];
    append(pb, tmp, encode_varint(v, tmp));
}

static void key(nn_pb *pb, uint32_t field, unsigned wire)
{
    nn_pb_varint(pb, (uint64_t)field << 3 | wire);
}

void nn_pb_int(nn_pb *pb, uint32_t field, int64_t v)
{
    key(pb, field, WIRE_VARINT);
    nn_pb_varint(pb, (uint64_t)v);
}

static void put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

void nn_pb_float(nn_pb *pb, uint32_t field, float v)
{
    uint32_t bits;
    uint8_t b[4];
    memcpy(&bits, &v, sizeof bits);
    put_le32(b, bits);
    key(pb, field, WIRE_FIXED32);
    append(pb, b, 4);
}

void nn_pb_bytes(nn_pb *pb, uint32_t field, const void *data, size_t len)
{
    key(pb, field, WIRE_LEN);
    nn_pb_varint(pb, len);
    append(pb, data, len);
}

void nn_pb_string(nn_pb *pb, uint32_t field, const char *s)
{
    nn_pb_bytes(pb, field, s, strlen(s));
}

void nn_pb_floats(nn_pb *pb, uint32_t field, const float *v, size_t n)
{
    if (n > NN_PB_MAX_SIZE / 4) {
        if (pb->failed == NN_OK)
            pb->failed = NN_E_TOO_LARGE;
        return;
    }
    key(pb, field, WIRE_LEN);
    nn_pb_varint(pb, (uint64_t)n * 4);
    if (reserve(pb, n * 4) != 0)
        return;
    for (size_t i = 0; i < n; i++) {
        uint32_t bits;
        memcpy(&bits, &v[i], sizeof bits);
        put_le32(pb->data + pb->len + 4 * i, bits);
    }
    pb->len += n * 4;
}

void nn_pb_join(nn_pb *pb, const nn_pb *src)
{
    if (pb->failed == NN_OK && src->failed != NN_OK)
        pb->failed = src->failed;
    else if (pb->failed == NN_OK && src->depth != 0)
        pb->failed = NN_E_ARG;
    else
        append(pb, src->data, src->len);
}

void nn_pb_begin(nn_pb *pb, uint32_t field)
{
    if (pb->failed != NN_OK)
        return;
    if (pb->depth == NN_PB_MAX_DEPTH) {
        pb->failed = NN_E_ARG;
        return;
    }
    key(pb, field, WIRE_LEN);
    pb->open[pb->depth++] = pb->len;
}

void nn_pb_end(nn_pb *pb)
{
    if (pb->failed != NN_OK)
        return;
    if (pb->depth == 0) {
        pb->failed = NN_E_ARG;
        return;
    }
    size_t start = pb->open[--pb->depth];
    size_t body = pb->len - start;
    uint8_t tmp[10];
    size_t n = encode_varint(body, tmp);
    if (reserve(pb, n) != 0)
        return;
    memmove(pb->data + start + n, pb->data + start, body);
    memcpy(pb->data + start, tmp, n);
    pb->len += n;
}

nn_status nn_pb_finish(nn_pb *pb, uint8_t **out, size_t *len, nn_error *err)
{
    nn_status st = pb->failed;
    if (st == NN_OK && pb->depth != 0)
        st = NN_E_ARG;
    if (st != NN_OK) {
        nn_pb_free(pb);
        if (st == NN_E_NOMEM)
            return nn_fail(err, st, "protobuf writer: out of memory");
        if (st == NN_E_TOO_LARGE)
            return nn_fail(err, st, "protobuf writer: the message is over 2 GiB");
        return nn_fail(err, st, "protobuf writer: unbalanced or too deep nesting");
    }
    if (pb->data == NULL && reserve(pb, 1) != 0) { /* an empty message: a valid buffer */
        nn_pb_free(pb);
        return nn_fail(err, NN_E_NOMEM, "protobuf writer: out of memory");
    }
    *out = pb->data;
    *len = pb->len;
    nn_pb_init(pb);
    return NN_OK;
}
