/*
 * strip.h - turning a photo or scan of one written number into a strip a
 * number reader takes: NN_STRIP_H x NN_STRIP_W bytes, bright ink on dark
 * (numbers.h), the ink's height normalised and its aspect kept.
 *
 * The steps are those of a single digit (preprocess.h: polarity, background
 * flattening, ruling, threshold, specks, crop to the ink); then the ink is
 * scaled to the strip's ink height, keeping its aspect, and centred. A number
 * too long for the strip at that height is scaled down further to fit its
 * width. The map says where each strip column came from, so that a reader
 * can give each digit's span in the caller's image.
 */
#ifndef NNCLASS_STRIP_H
#define NNCLASS_STRIP_H

#include <stddef.h>
#include <stdint.h>

#include "nnclass/base/error.h"
#include "nnclass/io/image.h"
#include "nnclass/io/numbers.h"
#include "nnclass/io/preprocess.h"

/* The widest ink, in pixels after scaling to the strip's ink height, that is
 * still taken for one number (wider: NN_E_TOO_LARGE). */
#define NN_STRIP_MAX_WIDTH 4096

/* The rows the ink's box is scaled to (about MNIST's 20 of 28), and the
 * columns left free at each end of the strip. */
#define NN_STRIP_INK_H 24
#define NN_STRIP_MARGIN 2

/* The ink whose box is scaled: greys of at least this (of 255). The faint
 * edge a blur or a resampling leaves around strokes is cut off with the
 * rest of the box, so that it does not change the number's size. */
#define NN_STRIP_SOLID 128

/* Where the ink goes: scaled to ow x oh pixels, its top left at (ox, oy). */
typedef struct {
    size_t ow, oh, ox, oy;
} nn_strip_fit;

/* Strip column x came from image column x0 + x / scale. */
typedef struct {
    double scale; /* strip pixels per image pixel */
    double x0;
} nn_strip_map;

/* The one geometry of every strip, real or composed: ink of bw x bh pixels
 * is scaled to NN_STRIP_INK_H rows keeping its aspect, further down when
 * wider than NN_STRIP_W - 2 * NN_STRIP_MARGIN, and centred. */
void nn_strip_fit_box(size_t bw, size_t bh, nn_strip_fit *fit);

/* Shrinks *box to the box of img's pixels of at least min inside it (left
 * as it is when there are none): the crop to the ink of a strip and of a
 * composed number's canvas. */
void nn_strip_ink_box(const nn_grey *img, uint8_t min, nn_box *box);

/* Crops img, within the box `within`, to its NN_STRIP_SOLID ink and scales
 * that box into strip (zeroed first) as nn_strip_fit_box places it, each strip pixel the exact area-weighted mean of the pixels it
 * covers (integer arithmetic: the same bytes on every machine). map (may be
 * NULL) gets where strip columns came from in img's columns. */
void nn_strip_place(const nn_grey *img, const nn_box *within, uint8_t *strip,
                    nn_strip_map *map);

/* Makes the strip (NN_STRIP_H * NN_STRIP_W bytes) of img, which it may
 * change in place. An image without ink is NN_E_FORMAT ("no ink"), as for a
 * digit; one whose ink is wider than NN_STRIP_MAX_WIDTH at the strip's
 * height is NN_E_TOO_LARGE. name is only used in messages. */
nn_status nn_preprocess_strip(nn_grey *img, nn_invert invert, const char *name,
                              uint8_t *strip, nn_strip_map *map, nn_error *err);

#endif
