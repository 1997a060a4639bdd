/* eval_seq.c - scoring a reader of label sequences: greedy CTC readings of
 * every sample against its labels (exact, edit distance, by length) and
 * the output's loss. */
#include "nnclass/nn/eval_seq.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nnclass/nn/ctc.h"
#include "nnclass/nn/read_strips.h"

/* Samples per forward pass. */
#define SEQ_CHUNK 32u

size_t nn_edit_distance(const uint8_t *a, size_t na, const uint8_t *b, size_t nb)
{
    size_t row[NN_SEQ_MAX + 1];
    for (size_t j = 0; j <= nb; j++)
        row[j] = j;
    for (size_t i = 1; i <= na; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= nb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[nb];
}

/* What one pass needs: a forward workspace, the scaled pixels, a copy of
 * the scores for the loss and room for its unused gradient, the targets. */
struct nn_seq_evaluator {
    const nn_net *net;
    size_t width;
    nn_workspace *ws;
    float *x, *z, *delta;
    uint16_t *seq;
    size_t *off;
    nn_strip_reader *sr; /* reading as `read` does (beam, passes), or NULL: greedy */
};
typedef nn_seq_evaluator seq_room;

void nn_seq_evaluator_free(nn_seq_evaluator *r)
{
    if (r == NULL)
        return;
    nn_workspace_free(r->ws);
    nn_strip_reader_free(r->sr);
    free(r->x);
    free(r->z);
    free(r->delta);
    free(r->seq);
    free(r->off);
    free(r);
}

nn_status nn_seq_evaluator_create(const nn_net *net, size_t seq_width, nn_seq_evaluator **out,
                                  nn_error *err)
{
    size_t n_in = nn_net_size(net, 0), n_out = nn_net_size(net, net->n_layers - 1);
    nn_seq_evaluator *r = calloc(1, sizeof *r);
    *out = NULL;
    if (r == NULL)
        return nn_fail(err, NN_E_NOMEM, "out of memory for reading sequences");
    r->net = net;
    r->width = seq_width;
    nn_status st = nn_workspace_create_forward(net, SEQ_CHUNK, &r->ws, err);
    r->x = malloc(SEQ_CHUNK * n_in * sizeof *r->x);
    r->z = malloc(SEQ_CHUNK * n_out * sizeof *r->z);
    r->delta = malloc(SEQ_CHUNK * n_out * sizeof *r->delta);
    r->seq = malloc(SEQ_CHUNK * (seq_width > 0 ? seq_width : 1) * sizeof *r->seq);
    r->off = malloc((SEQ_CHUNK + 1) * sizeof *r->off);
    if (st == NN_OK && (r->x == NULL || r->z == NULL || r->delta == NULL || r->seq == NULL ||
                        r->off == NULL))
        st = nn_fail(err, NN_E_NOMEM, "out of memory for reading %zu samples at a time",
                     (size_t)SEQ_CHUNK);
    if (st != NN_OK) {
        nn_seq_evaluator_free(r);
        return st;
    }
    *out = r;
    return NN_OK;
}

nn_status nn_seq_evaluator_read_as(nn_seq_evaluator *ev, size_t passes, size_t beam,
                                   nn_error *err)
{
    nn_strip_reader_free(ev->sr);
    ev->sr = NULL;
    return nn_strip_reader_create(ev->net, SEQ_CHUNK, passes, beam, &ev->sr, err);
}

/* Scores reading rd of sample i against its labels; the reading into
 * read/read_len when asked. */
static void score_one(const nn_dataset *data, size_t i, const nn_ctc_reading *rd,
                      nn_seq_score *s, uint8_t *read, uint8_t *read_len)
{
    uint8_t got[NN_CTC_MAX_LABELS];
    size_t n = rd->len < NN_CTC_MAX_LABELS ? rd->len : NN_CTC_MAX_LABELS;
    for (size_t j = 0; j < n; j++)
        got[j] = (uint8_t)(rd->sym[j].label > 255 ? 255 : rd->sym[j].label);
    const uint8_t *want = data->seq + i * data->seq_width;
    size_t len = data->seq_len[i];
    size_t cmp = n < NN_SEQ_MAX ? n : NN_SEQ_MAX;
    size_t edits = nn_edit_distance(got, cmp, want, len) + (n - cmp);
    s->total++;
    s->labels += len;
    s->edits += edits;
    s->by_len[len]++;
    if (edits == 0) {
        s->exact++;
        s->exact_by_len[len]++;
    }
    if (read != NULL && read_len != NULL) {
        uint8_t *o = read + i * data->seq_width;
        memset(o, 0, data->seq_width);
        memcpy(o, got, n < data->seq_width ? n : data->seq_width);
        read_len[i] = (uint8_t)(n > 255 ? 255 : n);
    }
}

/* One chunk [start, start + bs) read by r->sr: its readings, and the loss
 * of the strips as they are (exact from their log probabilities). */
static nn_status read_chunk(const nn_dataset *data, seq_room *r, size_t start, size_t bs,
                            nn_seq_score *s, uint8_t *read, uint8_t *read_len, nn_error *err)
{
    const nn_layer *out = &r->net->layers[r->net->n_layers - 1];
    size_t t = out->h, k = out->c, bad = 0;
    nn_status st = nn_strip_reader_forward(r->sr, data->pixels + start * data->n_in, bs, &bad,
                                           err);
    if (st == NN_E_NUMERIC)
        return nn_fail(err, NN_E_NUMERIC, "the forward pass overflows: sample %zu gets a "
                       "non-finite score", start + bad);
    for (size_t i = 0; st == NN_OK && i < bs; i++) {
        const float *p = nn_strip_reader_probs(r->sr, i);
        for (size_t j = 0; j < t * k; j++)
            r->z[j] = logf(p[j]);
        size_t len = data->seq_len[start + i];
        for (size_t j = 0; j < len; j++)
            r->seq[j] = data->seq[(start + i) * data->seq_width + j];
        double loss = nn_ctc_loss(r->z, t, k, r->seq, len, NULL);
        s->loss += loss == INFINITY ? 0.0 : loss;
        nn_ctc_reading rd;
        size_t found = 0;
        st = nn_strip_reader_decode(r->sr, i, &rd, 1, &found, err);
        if (st == NN_OK)
            score_one(data, start + i, &rd, s, read, read_len);
    }
    return st;
}

/* One chunk [start, start + bs): forward, loss, probabilities, readings. */
static nn_status run_chunk(const nn_net *net, const nn_dataset *data, seq_room *r,
                           size_t start, size_t bs, nn_seq_score *s, uint8_t *read,
                           uint8_t *read_len, nn_error *err)
{
    const size_t last = net->n_layers - 1, n_out = nn_net_size(net, last);
    const nn_layer *out = &net->layers[last];
    const nn_output_ops *o = nn_layer_ops_of(out->kind)->output;
    nn_scale_pixels(data->pixels + start * data->n_in, bs * data->n_in, r->x);
    const float *z = nn_net_forward_to(net, r->ws, r->x, bs, last);
    size_t bad = nn_first_nonfinite(z, bs * n_out);
    if (bad < bs * n_out)
        return nn_fail(err, NN_E_NUMERIC, "the forward pass overflows: sample %zu gets a "
                       "non-finite score", start + bad / n_out);
    r->off[0] = 0;
    for (size_t i = 0; i < bs; i++) {
        size_t len = data->seq_len[start + i];
        for (size_t j = 0; j < len; j++)
            r->seq[r->off[i] + j] = data->seq[(start + i) * data->seq_width + j];
        r->off[i + 1] = r->off[i] + len;
    }
    memcpy(r->z, z, bs * n_out * sizeof *r->z);
    nn_targets t = {.seq = r->seq, .seq_off = r->off, .images = r->x};
    size_t right = 0;
    s->loss += o->loss_grad(r->z, &t, bs, bs, n_out, r->delta, &right);
    memcpy(r->z, z, bs * n_out * sizeof *r->z);
    o->probs(r->z, bs, n_out);
    for (size_t i = 0; i < bs; i++) {
        nn_ctc_reading rd;
        nn_ctc_greedy(r->z + i * n_out, out->h, out->c, &rd);
        score_one(data, start + i, &rd, s, read, read_len);
    }
    return NN_OK;
}

nn_status nn_seq_evaluator_run(nn_seq_evaluator *r, const nn_dataset *data,
                               nn_seq_score *score, uint8_t *read, uint8_t *read_len,
                               nn_error *err)
{
    if (data->seq == NULL)
        return nn_fail(err, NN_E_MISMATCH, "the data has no label sequences to read");
    if (data->seq_width > r->width)
        return nn_fail(err, NN_E_ARG, "sequences of up to %zu labels for a reader made for %zu",
                       data->seq_width, r->width);
    nn_status st = nn_dataset_check(data, r->net, err);
    for (size_t start = 0; st == NN_OK && start < data->count; start += SEQ_CHUNK) {
        size_t bs = data->count - start < SEQ_CHUNK ? data->count - start : SEQ_CHUNK;
        st = r->sr != NULL ? read_chunk(data, r, start, bs, score, read, read_len, err)
                           : run_chunk(r->net, data, r, start, bs, score, read, read_len, err);
    }
    return st;
}

nn_status nn_evaluate_seq(const nn_net *net, const nn_dataset *data, nn_seq_score *score,
                          uint8_t *read, uint8_t *read_len, nn_error *err)
{
    nn_seq_evaluator *ev = NULL;
    nn_status st = nn_seq_evaluator_create(net, data->seq_width, &ev, err);
    if (st == NN_OK)
        st = nn_seq_evaluator_run(ev, data, score, read, read_len, err);
    nn_seq_evaluator_free(ev);
    return st;
}

double nn_seq_exact_rate(const nn_seq_score *s)
{
    return s->total > 0 ? (double)s->exact / (double)s->total : 0.0;
}

double nn_seq_label_error_rate(const nn_seq_score *s)
{
    return s->labels > 0 ? (double)s->edits / (double)s->labels : 0.0;
}

double nn_seq_exact_rate_of_len(const nn_seq_score *s, size_t len)
{
    return len <= NN_SEQ_MAX && s->by_len[len] > 0
               ? (double)s->exact_by_len[len] / (double)s->by_len[len] : 0.0;
}
