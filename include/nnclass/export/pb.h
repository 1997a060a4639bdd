/*
 * pb.h - a writer of the protocol buffers wire format, enough to encode an
 * ONNX model without a code generator.
 *
 * A message is a sequence of fields, each a key (field number << 3 | wire
 * type) as a varint, then the value: a varint (wire type 0: integers, enums,
 * bools), 4 little-endian bytes (type 5: float), or a varint length and that
 * many bytes (type 2: strings, bytes, packed arrays, nested messages).
 *
 * The writer appends to a growable buffer. An allocation failure or a size
 * over the cap is sticky: later calls do nothing and nn_pb_finish reports it,
 * so encoders need not check every call. A nested message is opened with
 * nn_pb_begin and closed with nn_pb_end, which inserts its length in front
 * of it (the shortest varint, so the encoding is canonical).
 */
#ifndef NNCLASS_PB_H
#define NNCLASS_PB_H

#include <stddef.h>
#include <stdint.h>

#include "nnclass/base/error.h"

#define NN_PB_MAX_DEPTH 16
#define NN_PB_MAX_SIZE ((size_t)1 << 31) /* protobuf's own 2 GiB limit */

typedef struct {
    uint8_t *data;
    size_t len, cap;
    size_t open[NN_PB_MAX_DEPTH]; /* start of each open nested message */
    size_t depth;
    nn_status failed;             /* first failure, NN_OK while none */
} nn_pb;

/* An empty writer (no allocation yet). */
void nn_pb_init(nn_pb *pb);

/* Frees the buffer (NULL-safe, idempotent). */
void nn_pb_free(nn_pb *pb);

/* Writes v as a varint (7 bits a byte, low first; 1 to 10 bytes). */
void nn_pb_varint(nn_pb *pb, uint64_t v);

/* Field writers: field number, then the value. int64 values are written as
 * their two's complement varint (10 bytes when negative), as protobuf does. */
void nn_pb_int(nn_pb *pb, uint32_t field, int64_t v);
void nn_pb_float(nn_pb *pb, uint32_t field, float v);
void nn_pb_bytes(nn_pb *pb, uint32_t field, const void *data, size_t len);
void nn_pb_string(nn_pb *pb, uint32_t field, const char *s);

/* Little-endian float32 values as one length-delimited field (a packed
 * repeated float, or a tensor's raw_data). */
void nn_pb_floats(nn_pb *pb, uint32_t field, const float *v, size_t n);

/* Appends the fields another writer encoded (its failure, if any, becomes
 * pb's); src must have no open message. src is left as it was. */
void nn_pb_join(nn_pb *pb, const nn_pb *src);

/* Opens a nested message in field; close it with nn_pb_end. */
void nn_pb_begin(nn_pb *pb, uint32_t field);
void nn_pb_end(nn_pb *pb);

/* Checks that every nested message was closed and nothing failed; hands the
 * bytes to the caller (*out, *len; caller frees *out) and resets pb. On
 * failure frees everything and fills err. */
nn_status nn_pb_finish(nn_pb *pb, uint8_t **out, size_t *len, nn_error *err);

#endif
