/*
 * pnm.h - a small, bounded reader of Netpbm grey and colour maps (PGM P2/P5,
 * PPM P3/P6) into 8-bit grey (image.h's nn_grey). Colour becomes luminance;
 * samples are scaled from 0..maxval to 0..255.
 */
#ifndef NNCLASS_PNM_H
#define NNCLASS_PNM_H

#include <stddef.h>
#include <stdint.h>

#include "nnclass/base/error.h"
#include "nnclass/io/image.h"

/* Decodes the first image of the len bytes at data into *out; bytes after it
 * are not looked at. max_pixels caps width x height (0 = the default cap);
 * name is only used in messages. On failure *out is left empty. */
nn_status nn_pnm_decode(const uint8_t *data, size_t len, uint64_t max_pixels,
                        const char *name, nn_grey *out, nn_error *err);

#endif
