/*
 * rng.h - the small seeded random generator behind weight initialisation and
 * shuffling. It is the library's own (not rand()), so the same seed gives the
 * same model on every platform and C library.
 */
#ifndef NNCLASS_RNG_H
#define NNCLASS_RNG_H

#include <stddef.h>
#include <stdint.h>

/* splitmix64-seeded xoshiro256** state; plain struct, copy freely. */
typedef struct {
    uint64_t s[4];
} nn_rng;

/* Seeds the generator; every seed (0 included) gives a usable state. */
void nn_rng_seed(nn_rng *rng, uint64_t seed);

/* The next 64 random bits. */
uint64_t nn_rng_next(nn_rng *rng);

/* Uniform float in [0, 1), with 24 random bits. */
float nn_rng_uniform(nn_rng *rng);

/* Standard normal sample (Box-Muller). */
float nn_rng_normal(nn_rng *rng);

/* Uniform integer in [0, n), unbiased; n must be > 0. */
size_t nn_rng_below(nn_rng *rng, size_t n);

/* Fisher-Yates shuffle of idx[0..n). */
void nn_rng_shuffle(nn_rng *rng, uint32_t *idx, size_t n);

#endif
