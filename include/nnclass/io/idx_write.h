/*
 * idx_write.h - writing IDX files: a stream of images of one size (the
 * images predict classified), and whole image and label sets compressed as
 * BGZF (the blocked gzip of the SAM/BAM specification), the form nnclass
 * ships MNIST in, which every gzip reader reads as well. Every file is written atomically (atomic.h): a
 * failure leaves nothing at the destination.
 */
#ifndef NNCLASS_IDX_WRITE_H
#define NNCLASS_IDX_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "nnclass/base/error.h"
#include "nnclass/io/idx.h"

/* Compresses len bytes into a new BGZF buffer (*out, *out_len; caller frees
 * *out): members of 65280 bytes of data deflated at level 9 without a time
 * stamp, then the empty end-of-file member (as scripts/bgzf.py writes). */
nn_status nn_bgzf_compress(const uint8_t *data, size_t len, uint8_t **out, size_t *out_len,
                           nn_error *err);

/* Encodes images (magic 00 00 08 03) or labels (00 00 08 01) as a BGZF
 * IDX file in a new buffer (*out, *out_len; caller frees *out). */
nn_status nn_idx_encode_images(const nn_images *images, uint8_t **out, size_t *out_len,
                               nn_error *err);
nn_status nn_idx_encode_labels(const nn_labels *labels, uint8_t **out, size_t *out_len,
                               nn_error *err);

/* Writes images or labels to path as BGZF, atomically. */
nn_status nn_idx_save_images(const char *path, const nn_images *images, nn_error *err);
nn_status nn_idx_save_labels(const char *path, const nn_labels *labels, nn_error *err);

/* A raw (uncompressed) IDX image file written image by image, whose count
 * is filled in on commit. */
typedef struct nn_idx_writer nn_idx_writer;

/* Starts path for images of rows x cols; end with commit or abort. */
nn_status nn_idx_writer_open(const char *path, size_t rows, size_t cols, nn_idx_writer **out,
                             nn_error *err);

/* Appends n images of rows x cols bytes each. */
nn_status nn_idx_writer_add(nn_idx_writer *w, const uint8_t *images, size_t n, nn_error *err);

/* Writes the count into the header and puts the file in place; frees w. */
nn_status nn_idx_writer_commit(nn_idx_writer *w, nn_error *err);

/* Drops the file (nothing is left at path) and frees w (NULL-safe). */
void nn_idx_writer_abort(nn_idx_writer *w);

#endif
