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

#include "nnclass/base/error.h"
#include "nnclass/io/image.h"

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
    int plain; /* non-zero: every variation off and gaps of NN_NUMBER_PLAIN_GAP (tests) */
} nn_numbers_options;

/* The gap between digits of a plain number, in pixels at NN_STRIP_INK_H. */
#define NN_NUMBER_PLAIN_GAP 5

/* Fills the default options (1 .. NN_NUMBER_MAX_DIGITS digits, varied). */
void nn_numbers_options_default(nn_numbers_options *opt);

/* Composes one number with a generator seeded by seed into strip
 * (NN_STRIP_H * NN_STRIP_W bytes), its digits into digits[0..n), left to
 * right; returns n. 0 (strip zeroed) for an empty pool, options outside
 * 1..NN_NUMBER_MAX_DIGITS, or a drawn pick outside the pool or label over 9.
 * A pool with pick NULL draws from all count images; opt NULL is the
 * defaults. About 60 KB of stack, no allocation, no global state. */
size_t nn_number_compose(const nn_digit_pool *pool, const nn_numbers_options *opt,
                         uint64_t seed, uint8_t *strip, uint8_t digits[NN_NUMBER_MAX_DIGITS]);

/* The seed of number index of a set of numbers made with seed: the one
 * rule by which `pack --numbers` (and anything that wants the same numbers)
 * derives each number's generator. */
uint64_t nn_number_seed(uint64_t seed, uint64_t index);

/* The MNIST training digits held out of training numbers, for validation
 * numbers: every NN_NUMBERS_VAL_EVERY-th, index % 12 == 11 (5,000 of
 * 60,000). The trainer and `pack --numbers` both draw by this rule. */
#define NN_NUMBERS_VAL_EVERY 12

/* Non-zero when training digit index is held out for validation. */
int nn_numbers_held_out(size_t index);

/* Fills pick (count entries) with the indices below count that are held
 * out (val != 0) or not (val == 0), in order; returns how many. */
size_t nn_numbers_split(size_t count, int val, uint32_t *pick);

/* Draws strip as a page would show it: dark ink on light paper with a
 * little noise (from seed), scale times larger (1..16), with a margin of
 * scale * 8 pixels all round. *page is allocated; free it with nn_grey_free. */
nn_status nn_number_page(const uint8_t *strip, size_t scale, uint64_t seed, nn_grey *page,
                         nn_error *err);

#endif
