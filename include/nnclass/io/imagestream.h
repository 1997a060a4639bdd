/*
 * imagestream.h - encoded images (PNG, JPEG, PGM/PPM) one after another in
 * one stream, each told by its first bytes and handed to its decoder.
 *
 * A file of one image is a stream of one; `cat *.png` is a stream of many,
 * formats may be mixed. Each format marks where an image ends (PNG its IEND
 * chunk, JPEG its EOI marker, PGM/PPM the size its header gives), so the
 * stream reads exactly one image's bytes, decodes it and forgets them:
 * memory holds one encoded image, whatever the number of images. Bytes after
 * the last image that start no image are an error naming their offset, never
 * dropped silently.
 */
#ifndef NNCLASS_IMAGESTREAM_H
#define NNCLASS_IMAGESTREAM_H

#include <stddef.h>
#include <stdint.h>

#include "nnclass/base/error.h"
#include "nnclass/io/image.h"
#include "nnclass/io/source.h"

/* Bytes nn_image_sniff needs to tell every format apart. */
#define NN_IMAGE_SNIFF_BYTES 8

/* The format the first n bytes of a file announce (NN_IMAGE_UNKNOWN for
 * anything else, IDX included). */
nn_image_format nn_image_sniff(const uint8_t *head, size_t n);

/* The format's name ("PNG", "JPEG", "PGM/PPM"), for messages. */
const char *nn_image_format_name(nn_image_format format);

/* Decodes the len bytes at data, one image of the format its first bytes
 * announce, into *out (8-bit grey, alpha composited on white). max_pixels
 * caps width x height (0 = the default cap); name is only used in messages.
 * On failure *out is left empty. */
nn_status nn_image_decode(const uint8_t *data, size_t len, uint64_t max_pixels,
                          const char *name, nn_grey *out, nn_error *err);

typedef struct nn_image_stream nn_image_stream;

/* Starts reading images from src, which the stream owns from now on
 * (nn_image_stream_close closes it). max_bytes caps one encoded image,
 * max_pixels one decoded image (0 = the default caps); name is what messages
 * call the input. Reads nothing yet. */
nn_status nn_image_stream_open(nn_source *src, const char *name, uint64_t max_bytes,
                               uint64_t max_pixels, nn_image_stream **out, nn_error *err);

/* Reads and decodes the next image into *out (caller frees with
 * nn_grey_free). NN_OK, NN_DONE at a clean end of the data, or an error,
 * after which the stream gives the same error again: a corrupt or truncated
 * image, bytes that start no image (NN_E_FORMAT), an image over a cap. */
nn_status nn_image_stream_next(nn_image_stream *s, nn_grey *out, nn_error *err);

/* How many images nn_image_stream_next has returned so far. */
size_t nn_image_stream_count(const nn_image_stream *s);

/* Closes the source and frees s (NULL-safe). */
void nn_image_stream_close(nn_image_stream *s);

#endif
