/*
 * eval_numbers.h - `nnclass eval` of a number reader (a model ending in a
 * CTC output): exact-number accuracy, digit error rate and both by number
 * length, on strips with their numbers (--images F --numbers F.txt) or, with
 * no files, on the test numbers composed from the MNIST test digits.
 */
#ifndef NNCLASS_CLI_EVAL_NUMBERS_H
#define NNCLASS_CLI_EVAL_NUMBERS_H

#include <stddef.h>
#include <stdint.h>

#include "nnclass/nn/model.h"
#include "nnclass/nn/net.h"

typedef struct {
    const char *model_path;
    const char *images_path, *numbers_path; /* both NULL: the composed test numbers */
    const char *data_dir;                   /* --data-dir or NULL */
    int format;                             /* 0 text, 1 json, 2 csv */
    uint64_t cap;                           /* the largest input file, in bytes */
    size_t threads;                         /* composing the test numbers */
    double t0;                              /* when the command started */
    size_t count;                           /* the first test numbers only (0: all) */
} cli_reader_eval;

/* Reads the numbers with net and prints the report on standard output; the
 * exit code. */
int cli_eval_reader(const cli_reader_eval *r, const nn_net *net);

/* The checks of --numbers that train and eval share: it goes with
 * --images, not with --labels; -1 when they hold, else the exit code of the
 * usage error for cmd. */
int cli_check_numbers_option(const char *cmd, const char *images, const char *labels,
                             const char *numbers);

#endif
