/*
 * judge.h - `--reject` for predict and eval: which model judges whether an
 * image is a digit at all, and its novelty scores.
 *
 * The judge is, in order: the model given with --reject-model; else the
 * classifier itself when its file stores a calibration; else the shipped
 * reject model, <data dir>/models/mnist-reject.nnc. Its stored threshold
 * decides, unless --reject-threshold gives another. A judge whose input is
 * not the classifier's, or without a stored calibration when no threshold is
 * given, is an error.
 */
#ifndef NNCLASS_CLI_JUDGE_H
#define NNCLASS_CLI_JUDGE_H

#include <stddef.h>
#include <stdint.h>

#include "nnclass/nn/model.h"
#include "nnclass/nn/net.h"
#include "nnclass/nn/reject.h"

#define CLI_REJECT_MODEL "mnist-reject" /* the shipped judge */

/* The options, as parsed. */
typedef struct {
    int on;              /* --reject (implied by the two below) */
    const char *model;   /* --reject-model, or NULL */
    int threshold_given; /* --reject-threshold */
    float threshold;
} cli_reject_opts;

/* getopt codes of the three options, and their --help lines. */
enum { CLI_OPT_REJECT = 1100, CLI_OPT_REJECT_MODEL, CLI_OPT_REJECT_THRESHOLD };

#define CLI_REJECT_LONG_OPTIONS                                                  \
    {"reject", no_argument, NULL, CLI_OPT_REJECT},                               \
    {"reject-model", required_argument, NULL, CLI_OPT_REJECT_MODEL},             \
    {"reject-threshold", required_argument, NULL, CLI_OPT_REJECT_THRESHOLD}

#define CLI_REJECT_HELP                                                                    \
    "  --reject             say when an image is not a digit at all: a novelty score\n"    \
    "                       above the judge's threshold rejects it (label '?'); the\n"     \
    "                       judge is --reject-model, else the model itself when its\n"     \
    "                       file stores a calibration, else mnist-reject\n"                \
    "  --reject-model FILE  the model that judges (implies --reject)\n"                    \
    "  --reject-threshold X reject above novelty X in [0, 1] instead of the judge's\n"     \
    "                       stored threshold (implies --reject)\n"

/* Parses one of the three options into o; prints and returns -1 when bad. */
int cli_parse_reject_option(int opt, const char *text, cli_reject_opts *o);

/* A judge, ready to score. */
typedef struct {
    const nn_net *net;    /* the judge: a model of its own, or the classifier */
    nn_net *own;          /* the judge's own model (freed on close), or NULL */
    nn_workspace *ws;     /* for net */
    nn_reject_calib calib; /* score kind and threshold in use */
    size_t n_out;         /* the judge's classes */
    size_t batch;         /* images per forward pass of net */
    char path[4096];      /* the judge's file */
} cli_judge;

/* Picks and loads the judge for a classifier (cnet, cmeta, cpath, borrowed)
 * that runs up to max_batch images at a time. 0, or the exit code of a
 * printed error. */
int cli_judge_open(const cli_reject_opts *o, const char *data_dir, const nn_net *cnet,
                   const nn_model_meta *cmeta, const char *cpath, size_t max_batch,
                   cli_judge *j);

/* Novelty scores of n images of n_pixels each into scores: inputs are their
 * scaled pixels, pixels the bytes, probs the classifier's n x n_classes
 * probabilities (NULL: not at hand), used when the classifier judges itself.
 * 0, or -1 after printing that the judge's forward pass overflowed. */
int cli_judge_scores(cli_judge *j, const float *inputs, const uint8_t *pixels, size_t n_pixels,
                     size_t n, const float *probs, size_t n_classes, float *scores);

void cli_judge_close(cli_judge *j);

#endif
