/*
 * numbers.h - written numbers composed from single handwritten digits, to
 * train and test a reader of whole numbers (CNN -> BiLSTM -> CTC).
 *
 * A strip is NN_STRIP_H x NN_STRIP_W bytes, row-major, bright ink on a dark
 * field as MNIST's digits are, holding one number of 1 .. NN_NUMBER_MAX_DIGITS
 * digits (leading zeros allowed). The digits are drawn from a pool of 28x28
 * MNIST-style images, each scaled to a common height with jitter, with gaps
 * from clearly apart to touching and overlapping by a few pixels, vertical
 * jitter, slant, stroke-width variation and contrast as real pages give
 * them. The whole number is centred in the strip the way nn_preprocess_strip
 * (strip.h) places a real one, so training and reading see the same geometry.
 *
 * Everything is a function of the seed: the same pool, options and seed make
 * the same strip, on any machine and in any thread.
 */
#ifndef NNCLASS_NUMBERS_H
#define NNCLASS_NUMBERS_H

#include <stddef.h>
#include <stdint.h>

#define NN_STRIP_H 32
#define NN_STRIP_W 128
#define NN_NUMBER_MAX_DIGITS 8

/* The digits to compose from: n_pick of the count images (28x28 bytes each)
 * at pixels, by index (pick), and their labels (0..9). Borrowed. */
typedef struct {
    const uint8_t *pixels;
    const uint8_t *labels;
    size_t count;
    const uint32_t *pick;
    size_t n_pick;
} nn_digit_pool;

typedef struct {
    size_t min_digits, max_digits; /* the length is uniform in [min, max] */
} nn_numbers_options;

/* Fills the default options (1 .. NN_NUMBER_MAX_DIGITS digits). */
void nn_numbers_options_default(nn_numbers_options *opt);

/* Composes one number with a generator seeded by seed into strip
 * (NN_STRIP_H * NN_STRIP_W bytes), its digits into digits[0..n); returns n
 * (0 only for an empty pool or options outside 1..NN_NUMBER_MAX_DIGITS). */
size_t nn_number_compose(const nn_digit_pool *pool, const nn_numbers_options *opt,
                         uint64_t seed, uint8_t *strip, uint8_t digits[NN_NUMBER_MAX_DIGITS]);

#endif
