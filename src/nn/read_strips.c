/* read_strips.c - reading strips with a CTC reader in one or two passes
 * (read_strips.h): the strip as it is and, when that reading is not sure,
 * moved by half a step, each pass proposing readings that both passes then
 * score exactly. */
#include "nnclass/nn/read_strips.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nnclass/nn/dataset.h"

struct nn_strip_reader {
    const nn_net *net;
    size_t max_batch, passes, beam;
    size_t n_in, cols, rows, steps, classes, shift;
    nn_workspace *ws;
    float *x;                            /* one pass's scaled strips */
    uint8_t *moved;                      /* the strips read again, moved */
    size_t *which;                       /* their places in the batch */
    uint8_t *again;                      /* per strip: read in the second pass too */
    nn_ctc_reading *first;               /* two passes: each strip's first readings */
    size_t *n_first;                     /* and their counts, kept for decoding */
    float *probs[NN_READ_MAX_PASSES];    /* each pass's (max_batch, steps, classes) */
    float *logp;                         /* one strip's log probabilities, every pass */
    nn_ctc_reading cand[NN_READ_MAX_PASSES * NN_READ_MAX_OUT]; /* the proposals */
};

size_t nn_read_shift(size_t cols, size_t steps)
{
    return steps > 0 ? cols / steps / 2 : 0;
}

void nn_strip_shift(const uint8_t *src, size_t rows, size_t cols, size_t shift, uint8_t *dst)
{
    if (shift > cols)
        shift = cols;
    for (size_t y = 0; y < rows; y++) {
        memset(dst + y * cols, 0, shift);
        memcpy(dst + y * cols + shift, src + y * cols, cols - shift);
    }
}

void nn_strip_reader_free(nn_strip_reader *r)
{
    if (r == NULL)
        return;
    nn_workspace_free(r->ws);
    free(r->x);
    free(r->moved);
    free(r->which);
    free(r->again);
    free(r->first);
    free(r->n_first);
    for (size_t p = 0; p < NN_READ_MAX_PASSES; p++)
        free(r->probs[p]);
    free(r->logp);
    free(r);
}

nn_status nn_strip_reader_create(const nn_net *net, size_t max_batch, size_t passes,
                                 size_t beam, nn_strip_reader **out, nn_error *err)
{
    *out = NULL;
    const nn_layer *last = &net->layers[net->n_layers - 1];
    if (!nn_net_reads_seq(net) || last->h < 1 || last->c < 2)
        return nn_fail(err, NN_E_ARG, "reading strips needs a reader (a CTC output)");
    if (passes < 1 || passes > NN_READ_MAX_PASSES || beam < 1 || beam > NN_READ_MAX_OUT ||
        max_batch < 1)
        return nn_fail(err, NN_E_ARG, "%zu passes of a beam of %zu: expected 1 to %u passes "
                       "and a beam of 1 to %u", passes, beam, NN_READ_MAX_PASSES,
                       NN_READ_MAX_OUT);
    nn_strip_reader *r = calloc(1, sizeof *r);
    if (r == NULL)
        return nn_fail(err, NN_E_NOMEM, "out of memory for a reader of strips");
    r->net = net;
    r->max_batch = max_batch;
    r->beam = beam;
    r->passes = beam > 1 ? passes : 1; /* greedy reads the strip as it is */
    r->rows = net->layers[0].h;
    r->cols = net->layers[0].w;
    r->n_in = nn_net_size(net, 0);
    r->steps = last->h;
    r->classes = last->c;
    r->shift = nn_read_shift(r->cols, r->steps);
    size_t per = r->steps * r->classes;
    nn_status st = nn_workspace_create_forward(net, max_batch, &r->ws, err);
    r->x = malloc(max_batch * r->n_in * sizeof *r->x);
    r->moved = malloc(max_batch * r->n_in);
    r->which = malloc(max_batch * sizeof *r->which);
    r->again = calloc(max_batch, 1);
    r->logp = malloc(NN_READ_MAX_PASSES * per * sizeof *r->logp);
    r->first = malloc(max_batch * beam * sizeof *r->first);
    r->n_first = malloc(max_batch * sizeof *r->n_first);
    int short_of_room = r->x == NULL || r->moved == NULL || r->which == NULL ||
                        r->again == NULL || r->logp == NULL || r->first == NULL ||
                        r->n_first == NULL;
    for (size_t p = 0; p < r->passes; p++)
        short_of_room |= (r->probs[p] = malloc(max_batch * per * sizeof(float))) == NULL;
    if (st == NN_OK && short_of_room)
        st = nn_fail(err, NN_E_NOMEM, "out of memory for reading %zu strips at a time",
                     max_batch);
    if (st != NN_OK) {
        nn_strip_reader_free(r);
        return st;
    }
    *out = r;
    return NN_OK;
}

/* The net over n strips (bytes) into out (n, steps, classes); the
 * index of the first strip with a non-finite probability in *bad. */
static nn_status run_pass(nn_strip_reader *r, const uint8_t *strips, size_t n, float *out,
                          size_t *bad, nn_error *err)
{
    size_t per = r->steps * r->classes;
    nn_scale_pixels(strips, n * r->n_in, r->x);
    const float *probs = nn_net_forward_batch(r->net, r->ws, r->x, n);
    size_t at = nn_first_nonfinite(probs, n * per);
    if (at < n * per) {
        *bad = at / per;
        return nn_fail(err, NN_E_NUMERIC, "the forward pass overflows: strip %zu gets a "
                       "non-finite probability", *bad);
    }
    memcpy(out, probs, n * per * sizeof *probs);
    return NN_OK;
}

/* Strip i's readings by the first pass, kept for decoding, and whether
 * they are sure: the best labelling at least NN_READ_SURE probable. */
static nn_status first_is_sure(nn_strip_reader *r, size_t i, int *sure, nn_error *err)
{
    nn_ctc_reading *first = r->first + i * r->beam;
    nn_status st = nn_ctc_beam(nn_strip_reader_probs(r, i), r->steps, r->classes, r->beam,
                               first, r->beam, &r->n_first[i], err);
    *sure = st == NN_OK && r->n_first[i] > 0 && exp(first[0].logp) >= NN_READ_SURE;
    return st;
}

nn_status nn_strip_reader_forward(nn_strip_reader *r, const uint8_t *strips, size_t n,
                                  size_t *bad, nn_error *err)
{
    size_t per = r->steps * r->classes, m = 0;
    *bad = 0;
    if (n > r->max_batch)
        return nn_fail(err, NN_E_ARG, "%zu strips for a reader of %zu at a time", n,
                       r->max_batch);
    memset(r->again, 0, n);
    nn_status st = run_pass(r, strips, n, r->probs[0], bad, err);
    for (size_t i = 0; st == NN_OK && r->passes > 1 && i < n; i++) {
        int sure = 0;
        st = first_is_sure(r, i, &sure, err);
        if (st == NN_OK && !sure) {
            nn_strip_shift(strips + i * r->n_in, r->rows, r->cols, r->shift,
                           r->moved + m * r->n_in);
            r->which[m++] = i;
            r->again[i] = 1;
        }
    }
    /* the second pass over the unsure ones, packed, then each row moved to
     * its strip's place, last first (which[j] >= j); the rows of strips
     * read once are left stale, as decode never reads them */
    if (st == NN_OK && m > 0) {
        float *packed = r->probs[1];
        st = run_pass(r, r->moved, m, packed, bad, err);
        if (st != NN_OK)
            *bad = r->which[*bad];
        for (size_t j = m; st == NN_OK && j-- > 0;)
            if (r->which[j] != j)
                memcpy(packed + r->which[j] * per, packed + j * per, per * sizeof *packed);
    }
    return st;
}

const float *nn_strip_reader_probs(const nn_strip_reader *r, size_t i)
{
    return r->probs[0] + i * r->steps * r->classes;
}

/* Best first: the more probable, then the shorter, then the smaller labels
 * (the beam search's order). */
static int by_logp(const void *a, const void *b)
{
    const nn_ctc_reading *x = a, *y = b;
    if (x->logp != y->logp)
        return x->logp > y->logp ? -1 : 1;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    for (size_t j = 0; j < x->len; j++)
        if (x->sym[j].label != y->sym[j].label)
            return x->sym[j].label < y->sym[j].label ? -1 : 1;
    return 0;
}

static int same_labels(const nn_ctc_reading *x, const nn_ctc_reading *y)
{
    if (x->len != y->len)
        return 0;
    for (size_t j = 0; j < x->len; j++)
        if (x->sym[j].label != y->sym[j].label)
            return 0;
    return 1;
}

/* The readings of strip i by its passes' beams, each once, into r->cand;
 * their count. */
static nn_status propose(nn_strip_reader *r, size_t i, size_t passes, size_t *n_cand,
                         nn_error *err)
{
    size_t per = r->steps * r->classes, n = 0;
    nn_ctc_reading found[NN_READ_MAX_OUT];
    for (size_t p = 0; p < passes; p++) {
        size_t f = 0;
        const nn_ctc_reading *got = found;
        if (p == 0 && r->passes > 1) { /* the first pass's, read while deciding */
            got = r->first + i * r->beam;
            f = r->n_first[i];
        } else {
            nn_status st = nn_ctc_beam(r->probs[p] + i * per, r->steps, r->classes, r->beam,
                                       found, r->beam, &f, err);
            if (st != NN_OK)
                return st;
        }
        for (size_t j = 0; j < f; j++) {
            int seen = 0;
            for (size_t c = 0; c < n && !seen; c++)
                seen = same_labels(&r->cand[c], &got[j]);
            if (!seen)
                r->cand[n++] = got[j];
        }
    }
    *n_cand = n;
    return NN_OK;
}

/* Each proposal's log probability: the mean of its exact ones over the
 * passes (the CTC loss of the log probabilities is exact). */
static void score_proposals(nn_strip_reader *r, size_t i, size_t n_cand)
{
    size_t per = r->steps * r->classes;
    for (size_t p = 0; p < NN_READ_MAX_PASSES; p++)
        for (size_t j = 0; j < per; j++)
            r->logp[p * per + j] = logf(r->probs[p][i * per + j]);
    for (size_t c = 0; c < n_cand; c++) {
        nn_ctc_reading *rd = &r->cand[c];
        uint16_t labels[NN_CTC_MAX_LABELS];
        for (size_t j = 0; j < rd->len; j++)
            labels[j] = rd->sym[j].label;
        double sum = 0.0;
        for (size_t p = 0; p < NN_READ_MAX_PASSES; p++)
            sum -= nn_ctc_loss(r->logp + p * per, r->steps, r->classes, labels, rd->len, NULL);
        rd->logp = sum / (double)NN_READ_MAX_PASSES;
    }
}

nn_status nn_strip_reader_decode(nn_strip_reader *r, size_t i, nn_ctc_reading *out,
                                 size_t n_out, size_t *n_found, nn_error *err)
{
    const float *probs = nn_strip_reader_probs(r, i);
    *n_found = 0;
    if (n_out == 0)
        return NN_OK;
    if (r->beam <= 1) {
        nn_ctc_greedy(probs, r->steps, r->classes, &out[0]);
        *n_found = 1;
        return NN_OK;
    }
    size_t n_cand = 0, passes = r->again[i] ? NN_READ_MAX_PASSES : 1;
    nn_status st = propose(r, i, passes, &n_cand, err);
    if (st == NN_OK && passes > 1) {
        score_proposals(r, i, n_cand);
        qsort(r->cand, n_cand, sizeof r->cand[0], by_logp);
    }
    for (size_t c = 0; st == NN_OK && c < n_cand && *n_found < n_out; c++) {
        if (r->cand[c].logp == -INFINITY)
            break;
        out[*n_found] = r->cand[c];
        if (passes > 1) /* spans of the strip as it is */
            st = nn_ctc_spans(probs, r->steps, r->classes, &out[*n_found], err);
        ++*n_found;
    }
    if (st == NN_OK && *n_found == 0) { /* no labelling at all: the empty one */
        memset(&out[0], 0, sizeof out[0]);
        *n_found = 1;
    }
    return st;
}
