/*
 * ruling.h - removing the ruling of notebook paper (and the lines of squared
 * paper, and a margin line) from the picture of a digit.
 *
 * After the background is flattened (preprocess.h, step 2) the lines of
 * ruled paper are faint ink running across the whole page: left there, they
 * become part of the digit. A ruling line is told from a stroke by its
 * length: straight, nearly horizontal or vertical (within 5 degrees: a page
 * photographed a little askew), and covering most of the page's width or
 * height, which no stroke of a digit does. Where a stroke crosses a line
 * (ink just above and below it) the crossing is kept.
 */
#ifndef NNCLASS_RULING_H
#define NNCLASS_RULING_H

#include <stddef.h>
#include <stdint.h>

#include "nnclass/base/error.h"
#include "nnclass/io/image.h"

/* With ink bright on dark and the background flattened, sets to 0 the pixels
 * of every straight line of pixels above `floor` that spans at least 80 % of
 * the page's width (or height) and is at most 1/40 of the page's side thick,
 * except where a stroke crosses it. *lines is the number of lines removed. */
nn_status nn_ruling_remove(nn_grey *img, uint8_t floor, size_t *lines, nn_error *err);

#endif
