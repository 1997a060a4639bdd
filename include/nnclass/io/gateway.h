/*
 * gateway.h - the one way in for files of images. Opens a path (or standard
 * input), looks at its first bytes after gzip is undone, and hands the file
 * to the reader of what it holds: IDX images to the IDX stream (idx.h); PNG,
 * JPEG and PGM/PPM images, one or many one after another, to the image
 * stream (imagestream.h). A file's name never decides; nothing is read twice,
 * so pipes work.
 */
#ifndef NNCLASS_GATEWAY_H
#define NNCLASS_GATEWAY_H

#include <stdint.h>

#include "nnclass/base/error.h"
#include "nnclass/io/idx.h"
#include "nnclass/io/imagestream.h"

/* An opened file: exactly one of the two readers. */
typedef struct {
    nn_idx_stream *idx;      /* IDX images, or NULL */
    nn_image_stream *images; /* encoded images, or NULL */
} nn_gateway_file;

/* Opens path ("-" = standard input) into *out. max_image_bytes caps one
 * encoded image, max_pixels one decoded image (0 = the default caps). A
 * file that starts like no image format is NN_E_FORMAT "not a PNG, JPEG,
 * PGM/PPM or IDX file"; one that starts like IDX (00 00) gets the IDX
 * reader's precise messages. On failure *out is left empty. */
nn_status nn_gateway_open(const char *path, uint64_t max_image_bytes, uint64_t max_pixels,
                          nn_gateway_file *out, nn_error *err);

/* The same for a descriptor already open for reading, called name in
 * messages; live says whether it is a pipe, terminal or socket. The
 * gateway owns fd from then on, and closes it on failure. */
nn_status nn_gateway_open_fd(int fd, const char *name, int live, uint64_t max_image_bytes,
                             uint64_t max_pixels, nn_gateway_file *out, nn_error *err);

/* Closes whichever reader f holds and empties it (NULL-safe). */
void nn_gateway_close(nn_gateway_file *f);

#endif
