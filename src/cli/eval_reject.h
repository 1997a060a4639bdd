/*
 * eval_reject.h - `nnclass eval --reject`: how many images the judge
 * (judge.h) turns away, per true class, and how well the classifier does on
 * the ones it accepts.
 */
#ifndef NNCLASS_CLI_EVAL_REJECT_H
#define NNCLASS_CLI_EVAL_REJECT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "judge.h"
#include "nnclass/nn/dataset.h"
#include "record.h"

typedef struct {
    cli_judge judge;
    size_t n_classes;
    size_t *matrix;   /* accepted images: n_classes x n_classes, rows the true class */
    size_t *rejected; /* rejected images per true class */
    size_t total, accepted, right; /* right: accepted and correctly labelled */
    float *inputs, *scores; /* a chunk's, max_batch images */
    size_t max_batch;
} cli_reject_tally;

/* Opens the judge of the classifier (net, meta, model_path) and the counts,
 * for chunks of up to max_batch images. 0, or the exit code of a printed
 * error. */
int cli_reject_tally_open(cli_reject_tally *t, const cli_reject_opts *o, const char *data_dir,
                          const nn_net *net, const nn_model_meta *meta, const char *model_path,
                          size_t max_batch);

/* Judges the images of chunk, whose labels the classifier predicted, and
 * counts them. 0, or -1 after printing that the judge failed. */
int cli_reject_tally_add(cli_reject_tally *t, const nn_dataset *chunk, const uint8_t *predicted);

/* The text report: the judge, the acceptance rate, the accuracy on the
 * accepted images and the confusion matrix with a column of rejections. */
void cli_reject_tally_text(const cli_reject_tally *t);

/* The same as a "reject" object of the JSON record r. */
void cli_reject_tally_json(const cli_reject_tally *t, cli_rec *r);

void cli_reject_tally_free(cli_reject_tally *t);

#endif
