/*
 * reject.h - telling "this is not a digit": a novelty score per image and
 * the threshold above which an image is rejected.
 *
 * A model may carry a calibration (stored in its .nnc file, see
 * docs/model-format.md): how its outputs give a novelty score, and the
 * threshold that accepted a chosen share (99.5 %) of held-out digits when
 * it was trained. Three scores exist: 1 minus the largest class probability
 * (any classifier), the probability of a "not a digit" class (a model
 * trained with examples of what is not a digit), and, for a reader of
 * numbers (a CTC output), 1 minus the probability of its reading as `read`
 * reads it by default (read_strips.h: NN_READ_DEFAULT_BEAM and
 * NN_READ_DEFAULT_PASSES; a reading of no digit scores 1).
 * An image without ink (its pixels all within NN_REJECT_MIN_CONTRAST of
 * each other) scores 1 whatever the model says.
 */
#ifndef NNCLASS_REJECT_H
#define NNCLASS_REJECT_H

#include <stddef.h>
#include <stdint.h>

#include "nnclass/base/error.h"
#include "nnclass/nn/ctc.h"
#include "nnclass/nn/net.h"

#define NN_REJECT_CALIB_VERSION 1u /* the calibration block this build writes and reads */
#define NN_REJECT_NO_CLASS 0xffffffffu
#define NN_REJECT_MIN_CONTRAST 16 /* greys apart for an image to have any ink */
#define NN_REJECT_DEFAULT_ACCEPT 0.995

typedef enum {
    NN_SCORE_CONFIDENCE = 1,   /* 1 - the largest class probability */
    NN_SCORE_REJECT_CLASS = 2, /* the probability of the reject class */
    NN_SCORE_READING = 3,      /* a reader's: 1 - the probability of its reading */
} nn_score_kind;

typedef struct {
    uint32_t score;        /* an nn_score_kind */
    uint32_t reject_class; /* NN_SCORE_REJECT_CLASS: that class; else NN_REJECT_NO_CLASS */
    float threshold;       /* a score above it is rejected; in [0, 1] */
    float target;          /* the share of calibration digits meant to be accepted, (0, 1] */
    float accepted;        /* the share they were, [0, 1] */
    uint32_t count;        /* calibration images, >= 1 */
} nn_reject_calib;

/* Checks a calibration against a model of n_classes classes, a reader of
 * numbers (a CTC output) when reader is not 0 (as the loader and the saver
 * do): NN_E_FORMAT naming name when a field is out of range or the score
 * kind is not the model's (NN_SCORE_READING for a reader, the others for a
 * classifier). */
nn_status nn_reject_check(const nn_reject_calib *c, size_t n_classes, int reader,
                          const char *name, nn_error *err);

/* The novelty score of one image from its class probabilities (score kind
 * and reject class as in c), in [0, 1]; 1 for an image without ink. */
float nn_reject_score(const nn_reject_calib *c, const float *probs, size_t n_classes,
                      const uint8_t *pixels, size_t n_pixels);

/* The novelty score of a reader's best reading r (NN_SCORE_READING): 1 -
 * its probability exp(r->logp), in [0, 1]; 1 for a reading of no digit at
 * all, and for a strip without ink (pixels NULL: not looked at). */
float nn_reject_reading_score(const nn_ctc_reading *r, const uint8_t *pixels, size_t n_pixels);

/* Whether an image has no ink at all: every pixel within
 * NN_REJECT_MIN_CONTRAST greys of every other. */
int nn_reject_blank(const uint8_t *pixels, size_t n_pixels);

/* Whether an image of this score is rejected at threshold: a score above it,
 * and a score of 1 (an image without ink) even at threshold 1. */
int nn_reject_rejected(float score, float threshold);

/* Sets c->threshold to the smallest score that accepts at least the share
 * c->target of the n calibration scores (n >= 1), and c->accepted and
 * c->count to what it gives. Sorts scores in place. */
nn_status nn_reject_calibrate(nn_reject_calib *c, float *scores, size_t n, nn_error *err);

/* Scores the n images (pixels, n * the net's inputs bytes) with net, which
 * must have classes, and calibrates c on them (nn_reject_calibrate; c->score,
 * c->reject_class and c->target set by the caller). */
nn_status nn_reject_calibrate_net(const nn_net *net, const uint8_t *pixels, size_t n,
                                  nn_reject_calib *c, nn_error *err);

/* Reads the n strips (pixels, n * the net's inputs bytes) with net, which
 * must end in a CTC output, reading each as `read` does by default
 * (read_strips.h), and calibrates c on the scores of their best
 * readings (c->score is set to NN_SCORE_READING, c->reject_class to
 * NN_REJECT_NO_CLASS; c->target set by the caller). */
nn_status nn_reject_calibrate_reader(const nn_net *net, const uint8_t *pixels, size_t n,
                                     nn_reject_calib *c, nn_error *err);

#endif
