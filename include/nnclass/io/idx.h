/*
 * idx.h - a strict reader of MNIST-style IDX files, gzipped or raw.
 *
 * Two ways in: nn_idx_load_* reads a whole file into memory (train, and the
 * labels of eval), and nn_idx_stream_* yields images a few at a time in
 * constant memory (eval's and predict's images). Only unsigned-byte data
 * (type 0x08) is accepted: images have 3 dimensions (count x rows x cols,
 * magic 00 00 08 03), labels have 1 (magic 00 00 08 01).
 *
 * The bytes come from a path ("-" means standard input), an open file
 * descriptor or a buffer in memory (nn_idx_input). They are read through
 * nn_source (source.h): gzip (any number of concatenated members, nothing
 * after the last) or raw; a pipe's whole images are handed out as they come.
 *
 * Declared sizes are multiplied in 64 bits with overflow checks and compared
 * with a byte cap before anything is allocated; raw bytes of a known size (a
 * regular file, memory) must agree with the header, and a gzip stream's
 * buffer grows only as data arrives, so a header can never make the reader
 * allocate more than the input backs. The payload must be exactly as long
 * as the header says (no trailing bytes).
 */
#ifndef NNCLASS_IDX_H
#define NNCLASS_IDX_H

#include <stddef.h>
#include <stdint.h>

#include "nnclass/base/error.h"
#include "nnclass/io/source.h"

#define NN_IDX_MAGIC_IMAGES 0x00000803u
#define NN_IDX_MAGIC_LABELS 0x00000801u

/* Default cap on a file's declared payload: 1 GiB (the MNIST training images
 * are 47 MB). Callers may pass a larger cap; 0 means this default. */
#define NN_IDX_DEFAULT_MAX_BYTES ((uint64_t)1 << 30)

/* Largest rows or cols accepted in an image header. */
#define NN_IDX_MAX_SIDE 4096u

/* A whole image file: count images of rows x cols bytes, row-major, one after
 * another. Owned by the caller; free with nn_images_free. */
typedef struct {
    size_t count;
    size_t rows;
    size_t cols;
    uint8_t *pixels; /* count * rows * cols bytes */
} nn_images;

/* A whole label file: count bytes. Free with nn_labels_free. */
typedef struct {
    size_t count;
    uint8_t *labels;
} nn_labels;

/* Where a reader's bytes come from; make one with nn_idx_path, nn_idx_fd or
 * nn_idx_memory. Passed by value: it only points at what it names. */
typedef struct {
    int kind;            /* which of the three (private to the reader) */
    const char *path;    /* a file, or "-" */
    int fd;              /* a descriptor */
    const uint8_t *data; /* bytes in memory */
    size_t len;
    const char *name;    /* what messages call the input */
} nn_idx_input;

/* The file at path ("-" = standard input); messages name the path. */
nn_idx_input nn_idx_path(const char *path);

/* The descriptor fd from its current offset to its end. The reader reads a
 * duplicate of fd (the caller keeps and closes fd), which shares its offset:
 * reading moves it. Messages say name. */
nn_idx_input nn_idx_fd(int fd, const char *name);

/* The len bytes at data, borrowed: they must stay valid and unchanged while
 * a reader uses them (a stream: until it is closed); messages say name. */
nn_idx_input nn_idx_memory(const uint8_t *data, size_t len, const char *name);

/* Loads the image file in; max_bytes caps the payload (0 = default). With
 * labels, a count that differs from theirs is NN_E_MISMATCH (labels_name in
 * the message) as soon as the header is read, before the payload (labels
 * NULL: any count). On failure *out is left empty and err names the input
 * and the problem. */
nn_status nn_idx_load_images_from(nn_idx_input in, uint64_t max_bytes, const nn_labels *labels,
                                  const char *labels_name, nn_images *out, nn_error *err);

/* Loads the label file in; max_bytes caps the payload (0 = default). */
nn_status nn_idx_load_labels_from(nn_idx_input in, uint64_t max_bytes, nn_labels *out,
                                  nn_error *err);

/* Loads an image file; max_bytes caps the payload (0 = default). On failure
 * *out is left empty and err names path and the problem. */
nn_status nn_idx_load_images(const char *path, uint64_t max_bytes, nn_images *out,
                             nn_error *err);

/* nn_idx_load_images for the images of labels (labels_path names them in
 * the message): a count that differs from the labels' is NN_E_MISMATCH as
 * soon as the header is read, before the payload (labels NULL: any count). */
nn_status nn_idx_load_images_for(const char *path, uint64_t max_bytes, const nn_labels *labels,
                                 const char *labels_path, nn_images *out, nn_error *err);

/* Loads a label file; max_bytes caps the payload (0 = default). */
nn_status nn_idx_load_labels(const char *path, uint64_t max_bytes, nn_labels *out,
                             nn_error *err);

/* Frees the pixels and zeroes the struct (NULL-safe, idempotent). */
void nn_images_free(nn_images *images);

/* Frees the labels and zeroes the struct (NULL-safe, idempotent). */
void nn_labels_free(nn_labels *labels);

/* Streaming reader of an image file. Memory is constant whatever the count. */
typedef struct nn_idx_stream nn_idx_stream;

/* The threads the readers may use: a whole BGZF file is inflated by up to
 * that many (8 at most), and nn_idx_stream_open reads ahead when it is more
 * than one. The library asks the system for no CPU count; the program sets
 * this once, before loading, typically to its CPUs online. Default 1. The
 * data read is the same whatever the count. */
void nn_idx_set_threads(size_t threads);

/* Opens path ("-" = stdin) and checks its header; caller closes the stream
 * with nn_idx_stream_close. With more than one thread allowed (see
 * nn_idx_set_threads) the stream reads ahead: a thread of its own inflates
 * the next megabyte of images while the caller works on the last, in memory
 * that stays constant (two blocks). */
nn_status nn_idx_stream_open(const char *path, nn_idx_stream **out, nn_error *err);

/* The same with read-ahead on (non-zero) or off, whatever the CPU count.
 * Either way the reads return the same images and statuses. */
nn_status nn_idx_stream_open_ahead(const char *path, int read_ahead, nn_idx_stream **out,
                                   nn_error *err);

/* nn_idx_stream_open_ahead on any input (memory stays borrowed until the
 * stream is closed). */
nn_status nn_idx_stream_open_from(nn_idx_input in, int read_ahead, nn_idx_stream **out,
                                  nn_error *err);

/* nn_idx_stream_open_from on bytes already opened as src (which the stream
 * owns from now on, whatever the outcome), for a caller that has looked at
 * the first bytes and pushed them back (the input gateway, gateway.h). live:
 * src is a pipe, terminal or socket whose images are handed out as they
 * come. Read-ahead as nn_idx_stream_open decides. Messages say name. */
nn_status nn_idx_stream_open_source(nn_source *src, const char *name, int live,
                                    nn_idx_stream **out, nn_error *err);

/* Image geometry and the declared count of the opened file. */
size_t nn_idx_stream_rows(const nn_idx_stream *s);
size_t nn_idx_stream_cols(const nn_idx_stream *s);
size_t nn_idx_stream_count(const nn_idx_stream *s);

/* Reads up to max_images whole images into buf (max_images * rows * cols
 * bytes) and sets *n_read. Returns NN_OK with *n_read > 0, NN_DONE with
 * *n_read == 0 once every declared image was read and the file ends there,
 * or an error (NN_E_TRUNCATED: the file stopped early; NN_E_FORMAT: trailing
 * bytes or corrupt gzip data) - after an error *n_read still counts the whole
 * images that were stored in buf before the problem. */
nn_status nn_idx_stream_read(nn_idx_stream *s, uint8_t *buf, size_t max_images,
                             size_t *n_read, nn_error *err);

/* Closes the stream (NULL-safe). */
void nn_idx_stream_close(nn_idx_stream *s);

#endif
