/*
 * read_strips.h - reading strips of written numbers with a reader (a net
 * ending in a CTC output), the way `nnclass read` does it.
 *
 * A reader's time steps are a few columns wide (a step of 4 columns for a
 * 128-column strip read in 32 steps), so where a digit falls against that
 * grid of steps changes its reading a little. With two passes, a strip
 * whose best reading has a probability below NN_READ_SURE is read again,
 * moved right by half a step (into its blank margin); each pass's prefix
 * beam proposes its best readings, every proposal is scored exactly under
 * both passes, and the readings are ranked by the mean of their two log
 * probabilities (a reading's probability is then the geometric mean of its
 * two). A strip read surely the first time keeps that reading: on composed
 * validation numbers the second look changed nothing there, and it costs
 * a second forward pass. One pass is the plain beam search (ctc.h).
 */
#ifndef NNCLASS_READ_STRIPS_H
#define NNCLASS_READ_STRIPS_H

#include <stddef.h>
#include <stdint.h>

#include "nnclass/base/error.h"
#include "nnclass/nn/ctc.h"
#include "nnclass/nn/net.h"

#define NN_READ_MAX_PASSES 2
#define NN_READ_DEFAULT_PASSES 2 /* `read`'s default */
#define NN_READ_DEFAULT_BEAM 4   /* `read`'s default beam (prefix beam search) */
#define NN_READ_MAX_OUT 16       /* readings one proposal of a pass may bring */
#define NN_READ_SURE 0.9         /* a first reading at least this probable is kept */

typedef struct nn_strip_reader nn_strip_reader;

/* A reader of up to max_batch strips at a time with net (which must end in
 * a CTC output: NN_E_ARG), each read in passes (1..NN_READ_MAX_PASSES)
 * passes by a prefix beam of width beam (1..NN_READ_MAX_OUT; 1 reads
 * greedily, one pass whatever passes says). NN_E_NOMEM. Free with
 * nn_strip_reader_free. */
nn_status nn_strip_reader_create(const nn_net *net, size_t max_batch, size_t passes,
                                 size_t beam, nn_strip_reader **out, nn_error *err);

void nn_strip_reader_free(nn_strip_reader *r);

/* Runs the net over n (<= max_batch) strips, each nn_net_size(net, 0)
 * bytes, and again over those moved that the first pass did not read
 * surely. NN_E_NUMERIC when a probability is not finite, with the first
 * such strip's index in *bad; NN_E_NOMEM. */
nn_status nn_strip_reader_forward(nn_strip_reader *r, const uint8_t *strips, size_t n,
                                  size_t *bad, nn_error *err);

/* The readings of strip i of the last forward, best first: up to n_out
 * into out, their count in *n_found (at least 1: the empty reading when no
 * labelling fits). Spans and each digit's probability come from the strip
 * as it is. NN_E_NOMEM. */
nn_status nn_strip_reader_decode(nn_strip_reader *r, size_t i, nn_ctc_reading *out,
                                 size_t n_out, size_t *n_found, nn_error *err);

/* The per-step probabilities of strip i of the last forward, as it is
 * (steps x classes). */
const float *nn_strip_reader_probs(const nn_strip_reader *r, size_t i);

/* Columns strip is moved right by in the second pass: half a step of a
 * reader of cols columns in steps steps (0 when a step is 1 column). */
size_t nn_read_shift(size_t cols, size_t steps);

/* dst (rows x cols) = src moved right by shift columns, blank (0) coming
 * in at the left. */
void nn_strip_shift(const uint8_t *src, size_t rows, size_t cols, size_t shift, uint8_t *dst);

#endif
