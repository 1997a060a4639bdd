/*
 * png_unfilter_internal.h - undoing PNG's five row filters (None, Sub, Up,
 * Average, Paeth) in place, for nnclass's own PNG decoder (image.c). A tuned
 * form that works on the channels of a pixel side by side, and the plain
 * byte loop it must agree with. Not part of the public API.
 */
#ifndef NNCLASS_PNG_UNFILTER_INTERNAL_H
#define NNCLASS_PNG_UNFILTER_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/* Undoes filter `filter` of one row of n bytes (bpp 1 to 4 bytes a pixel, n
 * a whole number of pixels) in place; prev is the row above, already
 * unfiltered (zeros for the first row). Returns 0 for an unknown filter. */
int nn_png_unfilter_row(unsigned filter, uint8_t *row, const uint8_t *prev, size_t n,
                        size_t bpp);

/* Undoes the filters of the first one or two of `count` rows of n bytes,
 * each after its filter byte (a row every n + 1 bytes from `rows`), the row
 * above the first being prev: two at once when both are Paeth-filtered and
 * bpp is 3 or 4 (their two chains of left pixels then overlap). Returns how
 * many rows were undone, 0 for an unknown filter. */
size_t nn_png_unfilter_rows(uint8_t *rows, const uint8_t *prev, size_t n, size_t bpp,
                            size_t count);

/* The same, one byte at a time as the PNG specification writes it: the
 * reference the tuned form is tested against. */
int nn_png_unfilter_row_plain(unsigned filter, uint8_t *row, const uint8_t *prev, size_t n,
                              size_t bpp);

#endif
