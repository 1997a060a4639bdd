/*
 * numberset.h - a set of written numbers composed from single digits
 * (numbers.h), held as bytes: the strips, and each number's digits and
 * length, laid out as a data set with label sequences views them
 * (dataset.h). A number reader trains on such a set composed anew every
 * epoch and is validated and tested on sets composed once.
 *
 * Number i of a set made with seed s in round r (an epoch; 0 for a set
 * made once) is composed from the pool's digits with the default options
 * (numbers.h) by the generator seeded with nn_number_seed(s_r, i), where
 * s_r is s itself in round 0 (so a set made once is the one `pack
 * --numbers --seed s` writes from the same digits) and
 * nn_number_round_seed(s, r) in the others. Any part of a set can thus be
 * made in any order, by any number of threads, with the same bytes.
 */
#ifndef NNCLASS_NUMBERSET_H
#define NNCLASS_NUMBERSET_H

#include <stddef.h>
#include <stdint.h>

#include "nnclass/base/error.h"
#include "nnclass/io/numbers.h"

typedef struct {
    size_t count;
    uint8_t *pixels; /* count strips of NN_STRIP_H * NN_STRIP_W bytes */
    uint8_t *digits; /* count * NN_NUMBER_MAX_DIGITS digits, each number's first */
    uint8_t *len;    /* count lengths, 1 .. NN_NUMBER_MAX_DIGITS */
    size_t first;    /* the set's number i is number first + i of its round (0
                        unless a large set is made a part at a time) */
} nn_number_set;

/* Room for count numbers (zeroed). NN_E_NOMEM, NN_E_TOO_LARGE (count over
 * what a size_t of bytes holds), or NN_OK; free with nn_number_set_free. */
nn_status nn_number_set_alloc(nn_number_set *set, size_t count, nn_error *err);

/* Frees what alloc made and zeroes set (NULL-safe). */
void nn_number_set_free(nn_number_set *set);

/* The set seed of round round (> 0) of a set made with seed; seed for 0. */
uint64_t nn_number_round_seed(uint64_t seed, uint64_t round);

/* Composes number i of round round of seed from pool with opt into strip
 * (NN_STRIP_H * NN_STRIP_W bytes) and digits (zeroed past its length);
 * returns its length, 0 when the pool or the options cannot make one. */
size_t nn_number_round_compose(const nn_digit_pool *pool, const nn_numbers_options *opt,
                               uint64_t seed, uint64_t round, size_t i, uint8_t *strip,
                               uint8_t digits[NN_NUMBER_MAX_DIGITS]);

/* Composes numbers [from, to) of set from pool with opt, in round round,
 * shared out over up to threads threads (0 or 1: the caller's alone); the
 * bytes are the same for any thread count (a thread that cannot be
 * started leaves its part to the caller). NN_E_ARG when the pool or the
 * options cannot make a number (numbers.h), or for a range outside the set. */
nn_status nn_number_set_compose(nn_number_set *set, size_t from, size_t to,
                                const nn_digit_pool *pool, const nn_numbers_options *opt,
                                uint64_t seed, uint64_t round, size_t threads, nn_error *err);

#endif
