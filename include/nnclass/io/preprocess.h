/*
 * preprocess.h - turning a photo or scan of one digit into a 28x28 image
 * made the way MNIST's were.
 *
 * MNIST's digits are white ink on black, their bounding box scaled (keeping
 * the aspect ratio, with anti-aliasing) so that the longer side is 20
 * pixels, then placed in a 28x28 field with their centre of mass at its
 * centre. A network trained on them expects exactly that; a photo of dark
 * ink on unevenly lit paper, off-centre and ten times too big, is nothing
 * like it. nn_preprocess_mnist runs these steps, each a function below:
 *
 *   1. polarity     light background => invert, so ink is bright on dark
 *   2. flatten      subtract the slowly varying background (uneven light)
 *   2b. ruling      erase the long straight lines of ruled or squared paper
 *                   (ruling.h)
 *   3. threshold    a global threshold (half Otsu's, kept above the paper's
 *                   noise) on what is left; below it is
 *                   background (0), above it the ink keeps its grey levels,
 *                   stretched so that solid ink is white
 *   4. specks       drop bits of ink far smaller than the digit (dust, noise)
 *   5. crop         to the ink's bounding box
 *   5b. strokes     grow strokes too thin for the digit's size, thin those
 *                   too thick (strokes.h), so that they land MNIST-wide
 *   6. scale        longer side to 20 pixels by area averaging
 *   7. centre       paste into 28x28 with the centre of mass at the centre
 *
 * Images are nn_grey (image.h). An image with no ink - blank, uniform, or
 * with too little contrast to tell ink from paper - is NN_E_FORMAT, not a
 * guess. The settings are general (any writer, scanner or camera); none is
 * fitted to a particular data set.
 */
#ifndef NNCLASS_PREPROCESS_H
#define NNCLASS_PREPROCESS_H

#include <stddef.h>
#include <stdint.h>

#include "nnclass/base/error.h"
#include "nnclass/io/image.h"

/* The MNIST geometry: the digit's box and the field it is centred in. */
#define NN_MNIST_BOX 20
#define NN_MNIST_SIDE 28

/* Least difference between the mean grey of the ink and of the paper (after
 * flattening) for an image to count as having ink at all; the ink must also
 * stand out of the paper's noise (see nn_preprocess_mnist). Low enough for a
 * faint pencil stroke. */
#define NN_PRE_MIN_CONTRAST 16

typedef enum {
    NN_INVERT_AUTO = 0, /* decide from the image (step 1) */
    NN_INVERT_YES,      /* dark ink on light paper: invert */
    NN_INVERT_NO,       /* already bright ink on dark */
} nn_invert;

/* A rectangle of pixels: columns x0..x1-1, rows y0..y1-1. */
typedef struct {
    size_t x0, y0, x1, y1;
} nn_box;

/* Step 1: non-zero when the background is light, which is when the median
 * grey is nearer the light end of the image's range than the dark end (the
 * ink covers less of a digit's picture than the paper does). */
int nn_pre_light_background(const nn_grey *img);

/* Step 1: v -> 255 - v in place. */
void nn_pre_invert(nn_grey *img);

/* Step 2: with ink bright on dark, estimates the background as a low
 * percentile of blocks of about 1/8 of the longer side, capped at a smooth
 * surface fitted to the paper's blocks (so a block filled by a stroke of any
 * width is not taken for paper), interpolated between block centres, and
 * subtracts it in place (clamped at 0). */
nn_status nn_pre_flatten(nn_grey *img, nn_error *err);

/* Step 3: Otsu's threshold of the grey histogram: the grey t that best
 * separates pixels <= t from pixels > t (largest between-class variance;
 * the middle of the run of greys that all separate equally well). */
uint8_t nn_pre_otsu(const nn_grey *img);

/* Step 3: the grey the background's noise stays under: its median plus 4
 * standard deviations, estimated from the median absolute deviation (the
 * paper is most of the picture, so both are the paper's). */
uint8_t nn_pre_noise_floor(const nn_grey *img);

/* The same with `sigmas` standard deviations instead of 4. */
uint8_t nn_pre_noise_level(const nn_grey *img, double sigmas);

/* Step 3: the threshold used: half of Otsu's (with the paper flattened to
 * about 0, that keeps the soft edges of strokes as ink), raised to the noise
 * floor when it falls inside the paper's noise. */
uint8_t nn_pre_threshold(const nn_grey *img);

/* Step 3: whether the pixels above t stand out of those at or below it, by
 * NN_PRE_MIN_CONTRAST greys and by 5 standard deviations of the background's
 * noise: if not, the image has no ink. */
int nn_pre_has_ink(const nn_grey *img, uint8_t t);

/* Step 3: pixels <= t become 0; those above keep their grey level above t,
 * scaled so that the 95th percentile of the ink maps to 255. */
void nn_pre_remove_background(nn_grey *img, uint8_t t);

/* Step 4: zeroes the 8-connected groups of ink pixels whose area is below
 * 1/20 of the largest group's; returns how many were zeroed. */
nn_status nn_pre_drop_specks(nn_grey *img, size_t *dropped, nn_error *err);

/* Step 5: the bounding box of the non-zero pixels; NN_E_FORMAT when there
 * are none (name is used in the message). */
nn_status nn_pre_ink_box(const nn_grey *img, nn_box *box, const char *name, nn_error *err);

/* Step 5b: makes the strokes inside box MNIST-wide for ink whose size (a
 * digit's longer side, a number's height) is ref pixels: grown when too
 * thin, thinned when too thick (strokes.h); box follows the ink. */
nn_status nn_pre_normalise_strokes(nn_grey *img, nn_box *box, size_t ref, nn_error *err);

/* Step 6: the box of img scaled so that its longer side is `side` pixels
 * (the shorter one keeps the aspect ratio, at least 1), each output pixel
 * the exact area-weighted mean of the input pixels it covers. *out is
 * allocated; free it with nn_grey_free. */
nn_status nn_pre_scale_box(const nn_grey *img, const nn_box *box, size_t side, nn_grey *out,
                           nn_error *err);

/* Step 7: pastes digit into the side x side field out (zeroed first) so that
 * its centre of mass falls on the field's centre, to the nearest pixel,
 * shifted back inside the field when the digit would stick out. */
void nn_pre_centre(const nn_grey *digit, uint8_t *out, size_t side);

/* A copy of img reduced by the whole factor f (each output pixel the mean of
 * an f x f block, those of the last row and column smaller); f <= 1 copies.
 * *out is allocated; free it with nn_grey_free. */
nn_status nn_pre_reduce(const nn_grey *img, size_t f, nn_grey *out, nn_error *err);

/* The whole pipeline: img (any size, 0 black .. 255 white as decoded) to
 * the 28x28 bytes out. img is not changed. */
nn_status nn_preprocess_mnist(const nn_grey *img, nn_invert invert, uint8_t *out,
                              const char *name, nn_error *err);

/* No preprocessing beyond polarity: img must already be rows x cols; its
 * bytes are copied to out, inverted as `invert` says (auto: when the
 * background is light). NN_E_MISMATCH for another size. */
nn_status nn_preprocess_none(const nn_grey *img, nn_invert invert, size_t rows, size_t cols,
                             uint8_t *out, const char *name, nn_error *err);

#endif
