/*
 * eval_seq.h - how well a reader of label sequences (a net ending in a CTC
 * output) reads a data set with sequences: the share of samples read
 * exactly, the label error rate (edits over true labels: a written
 * number's digit error rate), the same by sequence length, and the mean
 * loss. Readings are greedy (ctc.h) unless the evaluator is told to read
 * as `read` does.
 */
#ifndef NNCLASS_EVAL_SEQ_H
#define NNCLASS_EVAL_SEQ_H

#include <stddef.h>
#include <stdint.h>

#include "nnclass/base/error.h"
#include "nnclass/nn/dataset.h"
#include "nnclass/nn/net.h"

typedef struct {
    size_t total, exact;   /* samples, and those read exactly */
    size_t labels, edits;  /* true labels, and the edits (insertions, deletions,
                              substitutions) that turn the readings into them */
    size_t by_len[NN_SEQ_MAX + 1], exact_by_len[NN_SEQ_MAX + 1]; /* by true length */
    double loss;           /* summed per-sample loss */
} nn_seq_score;

/* Reads every sample of data (which must have sequences, checked with
 * nn_dataset_check against net: NN_E_MISMATCH) and adds into score (zero
 * it first). If read and read_len are not NULL they receive each sample's
 * reading (count * seq_width labels, the rest of its room zero) and length
 * (a reading longer than seq_width is cut there but counted whole).
 * NN_E_NOMEM, NN_E_NUMERIC when the scores are not finite. */
nn_status nn_evaluate_seq(const nn_net *net, const nn_dataset *data, nn_seq_score *score,
                          uint8_t *read, uint8_t *read_len, nn_error *err);

/* nn_evaluate_seq's scratch for one net, made once for a set read a part
 * at a time. Caller frees with nn_seq_evaluator_free (NULL-safe). */
typedef struct nn_seq_evaluator nn_seq_evaluator;
nn_status nn_seq_evaluator_create(const nn_net *net, size_t seq_width, nn_seq_evaluator **out,
                                  nn_error *err);
void nn_seq_evaluator_free(nn_seq_evaluator *ev);

/* Makes ev score the readings `read` makes (read_strips.h: a prefix beam of
 * width beam, in passes passes) instead of greedy ones, and the loss from
 * the strips' bytes as they are. NN_E_ARG (see nn_strip_reader_create),
 * NN_E_NOMEM. */
nn_status nn_seq_evaluator_read_as(nn_seq_evaluator *ev, size_t passes, size_t beam,
                                   nn_error *err);

/* nn_evaluate_seq in ev's scratch (data's seq_width at most the one ev was
 * made for, else NN_E_ARG). */
nn_status nn_seq_evaluator_run(nn_seq_evaluator *ev, const nn_dataset *data,
                               nn_seq_score *score, uint8_t *read, uint8_t *read_len,
                               nn_error *err);

/* The edit (Levenshtein) distance between a[0..na) and b[0..nb), each at
 * most NN_SEQ_MAX long. */
size_t nn_edit_distance(const uint8_t *a, size_t na, const uint8_t *b, size_t nb);

/* exact / total, edits / labels, exact_by_len[len] / by_len[len]: 0 when
 * there is nothing to count. */
double nn_seq_exact_rate(const nn_seq_score *s);
double nn_seq_label_error_rate(const nn_seq_score *s);
double nn_seq_exact_rate_of_len(const nn_seq_score *s, size_t len);

#endif
