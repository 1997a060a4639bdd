/*
 * bytes.h - the growable byte buffer every encoder appends to (model files,
 * IDX, npz, protobuf, SVG) and every whole-file reader fills.
 *
 * Growth doubles from 4 KiB, never past a cap; a failure (out of memory, or
 * the cap) is sticky, so that an encoder appends freely and checks once at
 * the end.
 */
#ifndef NNCLASS_BYTES_H
#define NNCLASS_BYTES_H

#include <stddef.h>
#include <stdint.h>

#include "nnclass/base/error.h"

typedef struct {
    uint8_t *data;
    size_t len, cap;
    size_t max;       /* the most bytes it may hold; 0: SIZE_MAX / 2 */
    nn_status failed; /* NN_OK, or the first NN_E_NOMEM / NN_E_TOO_LARGE */
} nn_bytes;

/* The growth rule on its own, for buffers kept in structs of their own:
 * makes *data (of capacity *cap) hold at least need bytes, never more than
 * max (0: SIZE_MAX / 2). Returns NN_OK, or NN_E_NOMEM / NN_E_TOO_LARGE with
 * *data and *cap untouched. */
nn_status nn_bytes_grow(uint8_t **data, size_t *cap, size_t need, size_t max);

/* An empty buffer (no allocation yet) of at most max bytes (0: no cap). */
void nn_bytes_init(nn_bytes *b, size_t max);

/* Makes room for extra more bytes: 0, or -1 once b has failed. */
int nn_bytes_reserve(nn_bytes *b, size_t extra);

/* Appends n bytes of p (nothing once b has failed). */
void nn_bytes_put(nn_bytes *b, const void *p, size_t n);

/* Frees the bytes and empties b, keeping its cap (NULL-safe). */
void nn_bytes_free(nn_bytes *b);

#endif
