/*
 * png_write.h - encoding a grey image as PNG (libpng's simplified API), for
 * the pages `pack --numbers --png` writes: real image files that the image
 * readers (image.h) and other tools open.
 */
#ifndef NNCLASS_PNG_WRITE_H
#define NNCLASS_PNG_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "nnclass/base/error.h"
#include "nnclass/io/image.h"

/* Encodes img as an 8-bit grey PNG in a new buffer (*out, *out_len; caller
 * frees *out). */
nn_status nn_png_encode(const nn_grey *img, uint8_t **out, size_t *out_len, nn_error *err);

#endif
