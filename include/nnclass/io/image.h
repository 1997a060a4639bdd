/*
 * image.h - grey images, and decoding PNG (libpng) and JPEG (libjpeg-turbo)
 * into them. PGM/PPM has its own reader (pnm.h); telling the formats apart
 * and picking the decoder is imagestream.h's job.
 *
 * Decoders read from a memory buffer, so a file, standard input and a fuzzer
 * all look the same to them. Whatever the colour type and bit depth, the result is one
 * byte per pixel, 0 black to 255 white, as the file shows it: colour becomes
 * luminance (but pale tints count as paper, see nn_grey_of_rgb) and
 * transparent pixels are composited on white paper.
 *
 * The width and height a header declares are checked against a pixel cap
 * before anything is allocated, so a 200-byte file declaring 100000x100000
 * costs nothing. Truncated or corrupt data is NN_E_TRUNCATED or NN_E_FORMAT
 * with a message naming the file; the libraries' own error paths are caught
 * (libjpeg's through setjmp), so nothing here prints or exits.
 */
#ifndef NNCLASS_IMAGE_H
#define NNCLASS_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "nnclass/base/error.h"

/* Default cap on width x height: 64 Mpixel. */
#define NN_IMAGE_DEFAULT_MAX_PIXELS ((uint64_t)64 << 20)

typedef enum {
    NN_IMAGE_UNKNOWN = 0,
    NN_IMAGE_PNG,
    NN_IMAGE_JPEG,
    NN_IMAGE_PNM, /* PGM or PPM: P2, P3, P5, P6 */
} nn_image_format;

/* A grey image: width x height bytes, row-major, 0 black .. 255 white. Owned
 * by the caller; free with nn_grey_free. */
typedef struct {
    size_t width;
    size_t height;
    uint8_t *pixels;
} nn_grey;

/* Decode the len bytes at data (one PNG, or one JPEG) into *out (8-bit
 * grey, alpha composited on white). max_pixels caps width x height (0 = the
 * default cap); name is only used in messages. On failure *out is left
 * empty. */
nn_status nn_png_decode(const uint8_t *data, size_t len, uint64_t max_pixels,
                        const char *name, nn_grey *out, nn_error *err);
nn_status nn_jpeg_decode(const uint8_t *data, size_t len, uint64_t max_pixels,
                         const char *name, nn_grey *out, nn_error *err);

/* The grey of a colour: its luma (ITU-R BT.601), except that a pale tint,
 * light in all three channels yet clearly coloured (the light-blue lines and
 * the pink margin of notebook paper), is lifted towards its lightest
 * channel, that is counted as paper. Dark inks of any colour keep their luma. */
uint8_t nn_grey_of_rgb(unsigned r, unsigned g, unsigned b);

/* Allocates a width x height image (pixels uninitialised); NN_E_NOMEM or
 * NN_E_TOO_LARGE (over max_pixels, 0 = default) with a message naming name. */
nn_status nn_grey_alloc(size_t width, size_t height, uint64_t max_pixels, const char *name,
                        nn_grey *out, nn_error *err);

/* Frees the pixels and zeroes the struct (NULL-safe, idempotent). */
void nn_grey_free(nn_grey *img);

#endif
