/*
 * strokes.h - making the strokes of a digit look like MNIST's, whatever the
 * pen and the photo: as wide, relative to the digit's size, as MNIST's are
 * (about 2.5 to 3 pixels once the digit is 20 pixels tall).
 *
 * A fine pen on a phone's 12-megapixel photo leaves strokes a hundredth of
 * the digit's height wide: scaled to 20 pixels they are faint hairlines,
 * which a network trained on MNIST's solid strokes misreads. The ink is
 * grown (grey dilation) before the scaling so that it lands MNIST-wide.
 * Images are ink bright on black, the background already removed (steps 1
 * to 3 of preprocess.h).
 */
#ifndef NNCLASS_STROKES_H
#define NNCLASS_STROKES_H

#include <stddef.h>

#include "nnclass/base/error.h"
#include "nnclass/io/image.h"
#include "nnclass/io/preprocess.h"

/* The mean width in pixels of the strokes inside box: twice the area of the
 * solid ink (grey >= 128) over the length of its outline, the outline's
 * staircase along slanted strokes allowed for. 0 when there is no solid ink. */
double nn_strokes_width(const nn_grey *img, const nn_box *box);

/* Grows the ink by r pixels all round (r > 0: grey dilation by an octagon of
 * radius r), inside box widened by r; box becomes the new ink's box. */
nn_status nn_strokes_grow(nn_grey *img, nn_box *box, size_t r, nn_error *err);

/* Thins the ink by r pixels all round (grey erosion by an octagon of radius
 * r) inside box; box becomes the new ink's box (NN_E_FORMAT if none is left). */
nn_status nn_strokes_thin(nn_grey *img, nn_box *box, size_t r, nn_error *err);

/* How many pixels to grow strokes `width` wide so that, once the box's
 * longer side `longer` (which grows with them) is scaled to `side` pixels,
 * they are `target` pixels wide; 0 when they are that wide already. */
size_t nn_strokes_growth(double width, size_t longer, size_t side, double target);

#endif
