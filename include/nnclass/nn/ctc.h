/*
 * ctc.h - connectionist temporal classification: a label sequence read from
 * one distribution per time step, without cutting the input into pieces.
 *
 * Classes: 0 is the blank ("nothing new here"), class d + 1 is label d (a
 * digit). The row before a CTC row gives, per sample, t steps of k = labels
 * + 1 scores (a sequence, (batch, t, k)); the CTC row (NN_LAYER_CTC, token
 * "ctc") has no parameters, its forward is the identity and its output
 * (nn_output_ctc) turns each step's scores into a softmax. Its loss is
 * -log p(labels | input), the probability summed over every alignment of
 * the labels to the t steps (a label may span several steps; blanks may
 * come between labels and must come between two equal ones), computed by
 * the forward-backward recursion in log space. The loss reads a minibatch's
 * label sequences from nn_targets (seq, seq_off). A reader's forward pass
 * (nn_net_forward_batch) gives (batch, t, NN_CTC_CLASSES) probabilities,
 * t being its last row's h.
 *
 * Decoding stays outside the network: greedy (the best class of every
 * step, repeats merged, blanks dropped) or a prefix beam search that also
 * scores the best few labellings.
 */
#ifndef NNCLASS_CTC_H
#define NNCLASS_CTC_H

#include <stddef.h>
#include <stdint.h>

#include "nnclass/base/error.h"
#include "nnclass/nn/layer.h"

#define NN_CTC_BLANK 0
#define NN_CTC_MAX_LABELS 32 /* longest label sequence the loss and decoders take */
#define NN_CTC_CLASSES 11    /* scores per step of a CTC row: the blank and 10 digits */
#define NN_CTC_MAX_BEAM 1024 /* widest beam nn_ctc_beam takes */

/* The CTC output: a softmax per step of NN_CTC_CLASSES scores, and the
 * loss above, divided by norm. A sample whose labels no alignment fits (or
 * with a label > 9, or more than NN_CTC_MAX_LABELS) is skipped: zero
 * gradient, nothing added to the loss, not counted right. *right counts the
 * samples whose greedy reading equals their labels. */
extern const nn_output_ops nn_output_ctc;

/* The loss of one sample, -log p(labels[0..len) | scores), from the scores
 * z (t, k) before the softmax (label d is class d + 1); when grad is not
 * NULL, dLoss/dz (t, k) into it (the softmax folded in). Returns INFINITY
 * (and a zero gradient) when no alignment fits (t too short for len labels
 * and their repeats), a label is >= k - 1, len > NN_CTC_MAX_LABELS, or its
 * room (t * (2 len + 1) doubles) cannot be had. */
double nn_ctc_loss(const float *z, size_t t, size_t k, const uint16_t *labels, size_t len,
                   float *grad);

/* One label of a reading: which, the steps it was emitted in, and its
 * probability (the largest of its class over those steps). */
typedef struct {
    uint16_t label;
    size_t first, last; /* steps first..last, inclusive */
    float prob;
} nn_ctc_symbol;

/* A reading: its labels in order, and the log of its probability (greedy:
 * of its best path; beam: of the labelling, summed over its paths). */
typedef struct {
    size_t len;
    nn_ctc_symbol sym[NN_CTC_MAX_LABELS];
    double logp;
} nn_ctc_reading;

/* Greedy decoding of probs (t, k), each step a distribution. */
void nn_ctc_greedy(const float *probs, size_t t, size_t k, nn_ctc_reading *out);

/* Prefix beam search of width beam (1..NN_CTC_MAX_BEAM) over probs (t, k):
 * up to n_out distinct readings into out, best first (ties: the shorter,
 * then the smaller labels first), their count in *n_found. A reading's
 * spans are those of its best alignment, its logp exact (summed over all
 * its paths, also those the search pruned: the n_out best of the search
 * are rescored, then sorted). With a beam as wide as the number of
 * labellings the search is exact; at any width greedy's labelling
 * competes too, so the best reading is never less probable than greedy's. NN_E_ARG (a beam out of
 * range, k < 2), NN_E_NOMEM or NN_OK. */
nn_status nn_ctc_beam(const float *probs, size_t t, size_t k, size_t beam,
                      nn_ctc_reading *out, size_t n_out, size_t *n_found, nn_error *err);

/* The spans of reading r (its len and labels set) over probs (t, k): each
 * symbol's steps and largest probability along r's best path, zero when no
 * path fits. NN_E_NOMEM. */
nn_status nn_ctc_spans(const float *probs, size_t t, size_t k, nn_ctc_reading *r,
                       nn_error *err);

#endif
