/*
 * idx_internal.h - what the parts of the IDX reader share: the kinds of IDX
 * file, an opened input whose header has been read, and the steps every
 * reader starts with (idx_header.c). The whole-file loaders (idx.c) and the
 * streaming reader (idx_stream.c) build on them. Not part of the public API.
 */
#ifndef NNCLASS_IDX_INTERNAL_H
#define NNCLASS_IDX_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "nnclass/base/error.h"
#include "nnclass/io/idx.h"
#include "nnclass/io/source.h"

/* What an IDX file holds: its magic, its dimensions and the words that
 * messages use for it. */
typedef struct {
    uint32_t magic;
    uint32_t other_magic; /* the other kind's: a file of the wrong kind */
    int ndims;            /* count, rows, cols; or count */
    const char *what;     /* "IDX images" */
    const char *items;    /* what the count counts */
    const char *bytes;    /* what the payload's bytes are */
    const char *other;    /* what a file with other_magic is */
} idx_kind;

/* The two kinds (idx_header.c). */
extern const idx_kind IDX_IMAGES;
extern const idx_kind IDX_LABELS;

/* Bytes of a kind's header: the magic and one uint32 per dimension. */
static inline size_t header_len(const idx_kind *k)
{
    return 4 + 4 * (size_t)k->ndims;
}

/* The kinds of nn_idx_input. */
enum { INPUT_PATH, INPUT_FD, INPUT_MEMORY };

/* An opened IDX file whose header has been read and checked. */
typedef struct {
    nn_source *src;      /* raw or gzip bytes (see source.h) */
    const char *name;    /* what messages call the input */
    const idx_kind *kind; /* once the header is read */
    int size_known;      /* raw bytes of known size: payload_avail is exact */
    int live;            /* a pipe, terminal or socket: its input may stall */
    uint64_t payload_avail; /* bytes after the header (when size_known) */
    uint32_t dims[3];
    uint64_t elem_size;  /* bytes per item: rows * cols, or 1 for labels */
    uint64_t payload;    /* declared count * elem_size */
} idx_file;

/* The big-endian uint32 at p. */
static inline uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* What messages call the input path: "(standard input)" for "-",
 * "(unnamed)" for NULL. */
const char *nn_idx_display_name(const char *path);

/* Reads up to len bytes into buf, at most chunk per read; *got is set to
 * the bytes stored. Returns NN_OK (a short *got then means a clean end of
 * file), NN_E_TRUNCATED without a message (a gzip stream cut short), or
 * another error with its message. */
nn_status nn_idx_read_bytes(idx_file *f, uint8_t *buf, size_t len, size_t chunk, size_t *got,
                            nn_error *err);

/* Suffix for a truncation message: how the data ended. */
const char *nn_idx_cut_how(nn_status st);

/* Opens in for reading through nn_source and finds out whether the bytes
 * after the header can be counted up front (raw bytes of a regular file or
 * in memory). */
nn_status nn_idx_open_file(nn_idx_input in, idx_file *f, nn_error *err);

/* Reads and checks the header of a file of kind k; max_bytes caps the
 * payload (0 = no cap, for the streaming reader). */
nn_status nn_idx_read_header(idx_file *f, const idx_kind *k, uint64_t max_bytes, nn_error *err);

/* Fails unless the file ends here (no trailing bytes, a complete gzip
 * stream). */
nn_status nn_idx_check_end(idx_file *f, nn_error *err);

#endif
