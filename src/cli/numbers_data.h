/*
 * numbers_data.h - the data of a number reader (train --arch crnn, eval of
 * a CTC model): numbers composed from an MNIST split's digits, and strips
 * with their numbers read from files (--images F --numbers F.txt).
 */
#ifndef NNCLASS_CLI_NUMBERS_DATA_H
#define NNCLASS_CLI_NUMBERS_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "nnclass/io/idx.h"
#include "nnclass/io/numbers.h"
#include "nnclass/io/numberset.h"
#include "nnclass/io/numtext.h"
#include "nnclass/nn/dataset.h"
#include "nnclass/nn/eval_seq.h"
#include "nnclass/nn/train.h"

/* The test numbers, the same as `nnclass pack --numbers --split test
 * --count 10000 --seed 1` writes. */
#define CLI_TEST_NUMBERS 10000u
#define CLI_TEST_NUMBERS_SEED 1u

/* The digits of an MNIST split, as pools to compose from: for the
 * training split the digits training numbers take and those held out for
 * validation numbers (numbers.h); for the test split all of them. */
typedef struct {
    nn_images images;
    nn_labels labels;
    uint32_t *pick;       /* the training pool's digits, then the held-out ones */
    nn_digit_pool train, val;
} cli_digits;

/* Loads split ("train" or "test") of mnist under data_dir into d; the exit
 * code (an error printed). Free with cli_digits_free. */
int cli_digits_load(const char *data_dir, const char *split, uint64_t cap, cli_digits *d);
void cli_digits_free(cli_digits *d);

/* The view of a set of composed numbers as a data set with sequences. */
nn_dataset cli_numbers_view(const nn_number_set *set);

/* Reads the test numbers (the first count of the CLI_TEST_NUMBERS, all
 * for 0) with net into score (zeroed first): composed from the MNIST test
 * digits a part at a time, by up to threads threads; the exit code. */
int cli_read_test_numbers(const nn_net *net, const char *data_dir, uint64_t cap, size_t count,
                          size_t threads, nn_seq_score *score);

/* Strips and their numbers from files: the images of images_path and the
 * lines of numbers_path, as many of each; the exit code. The view of them
 * (cli_numbers_files_view) borrows both. */
int cli_numbers_files_load(const char *images_path, const char *numbers_path, uint64_t cap,
                           nn_images *images, nn_number_labels *numbers);
nn_dataset cli_numbers_files_view(const nn_images *images, const nn_number_labels *numbers);

/* Numbers composed anew every epoch, as the trainer draws them: training
 * number i of epoch e is number i of round e of seed (numberset.h), from
 * the pool. */
typedef struct {
    const nn_digit_pool *pool;
    nn_numbers_options opt;
    uint64_t seed;
} cli_number_epochs;

/* Composes the training numbers idx[0..n) of epoch into room (strips,
 * digits, lengths): the trainer's make hook. NN_E_ARG when the pool cannot
 * make a number; safe to call from several threads at once. */
nn_status cli_numbers_make(const cli_number_epochs *e, size_t epoch, const uint32_t *idx,
                           size_t n, const nn_sample_room *room, nn_error *err);

/* The round the validation numbers are composed in (epochs count from 1,
 * so no epoch's numbers are theirs): round 0 of the training seed, the
 * numbers `pack --numbers --split val --seed SEED` writes. */
#define CLI_VAL_ROUND 0u

#endif
