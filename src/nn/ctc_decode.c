/* ctc_decode.c - reading a label sequence from one distribution per time
 * step (ctc.h): greedy decoding, and a prefix beam search that sums every
 * path of a labelling. Not a layer: the network ends at the per-step
 * probabilities, and the reader decodes them.
 *
 * Shapes: probs is (t, k), step by step, class 0 the blank, class d + 1
 * label d. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nnclass/nn/ctc.h"
#include "nnclass/nn/net.h"
#include "ctc_internal.h"

/* The readings build on the loss (nn_ctc_loss scores a labelling exactly);
 * the loss does not call back. */

/* --- greedy -------------------------------------------------------------------- */

void nn_ctc_greedy(const float *probs, size_t t, size_t k, nn_ctc_reading *out)
{
    out->len = 0;
    out->logp = 0.0;
    int open = 0; /* the step before emitted the last symbol recorded */
    size_t prev = NN_CTC_BLANK;
    for (size_t i = 0; i < t; i++) {
        size_t c = nn_argmax(probs + i * k, k);
        float p = probs[i * k + c];
        out->logp += log((double)p);
        if (c != NN_CTC_BLANK && c == prev && open) {
            nn_ctc_symbol *s = &out->sym[out->len - 1];
            s->last = i;
            s->prob = p > s->prob ? p : s->prob;
        } else if (c != NN_CTC_BLANK && c != prev && out->len < NN_CTC_MAX_LABELS) {
            out->sym[out->len++] = (nn_ctc_symbol){(uint16_t)(c - 1), i, i, p};
            open = 1;
        } else if (c != prev) {
            open = 0; /* a blank, or a symbol past the cap */
        }
        prev = c;
    }
}

/* --- the spans of a labelling: its best alignment -------------------------------- */

/* The best path of r's labels through probs (t, k) by
 * Viterbi over the extended states (blank, l1, blank, ..., blank): each
 * symbol's steps and its largest probability over them. back holds t * S
 * bytes. Leaves the spans zero when no path fits. */
static void align(const float *probs, size_t t, size_t k, nn_ctc_reading *r, uint8_t *back)
{
    size_t S = 2 * r->len + 1;
    uint16_t ext[2 * NN_CTC_MAX_LABELS + 1];
    double best[2][2 * NN_CTC_MAX_LABELS + 1];
    for (size_t s = 0; s < S; s++)
        ext[s] = s % 2 ? (uint16_t)(r->sym[s / 2].label + 1) : NN_CTC_BLANK;
    for (size_t j = 0; j < r->len; j++)
        r->sym[j].first = r->sym[j].last = 0, r->sym[j].prob = 0.0f;
    if (t == 0 || r->len == 0)
        return;
    for (size_t s = 0; s < S; s++)
        best[0][s] = s < 2 ? log((double)probs[ext[s]]) : -INFINITY;
    for (size_t i = 1; i < t; i++) {
        const double *b0 = best[(i - 1) % 2];
        double *b = best[i % 2];
        for (size_t s = 0; s < S; s++) {
            uint8_t from = 0;
            double v = b0[s];
            if (s >= 1 && b0[s - 1] > v)
                v = b0[s - 1], from = 1;
            if (s >= 2 && ext[s] != NN_CTC_BLANK && ext[s] != ext[s - 2] && b0[s - 2] > v)
                v = b0[s - 2], from = 2;
            back[i * S + s] = from;
            b[s] = v + log((double)probs[i * k + ext[s]]);
        }
    }
    const double *b = best[(t - 1) % 2];
    size_t s = S - 1;
    if (S >= 2 && b[S - 2] > b[S - 1])
        s = S - 2;
    if (b[s] == -INFINITY || isnan(b[s]))
        return;
    uint8_t seen[NN_CTC_MAX_LABELS] = {0};
    for (size_t i = t; i-- > 0;) { /* backwards: a symbol's last step comes first */
        if (s % 2) {
            nn_ctc_symbol *sym = &r->sym[s / 2];
            float p = probs[i * k + ext[s]];
            if (!seen[s / 2])
                sym->last = i, sym->prob = p, seen[s / 2] = 1;
            sym->first = i;
            sym->prob = p > sym->prob ? p : sym->prob;
        }
        if (i > 0)
            s -= back[i * S + s];
    }
}

/* --- prefix beam search ------------------------------------------------------------ */

/* A prefix: its labels, the log probabilities of its paths ending in a
 * blank (pb) and in its last label (pnb), and a hash of its labels. */
typedef struct {
    uint16_t lab[NN_CTC_MAX_LABELS];
    size_t len;
    double pb, pnb;
    double total; /* log(e^pb + e^pnb), -inf for NaN: the sort key */
    uint64_t hash;
} prefix;

/* The candidates of one step, found by their labels through a hash table
 * of slots (indices + 1; 0 is free). */
typedef struct {
    prefix *cand;
    size_t n, cap;
    uint32_t *slot;
    size_t n_slots; /* a power of two >= 2 cap */
} candidates;

static void set_total(prefix *p)
{
    double v = nn_ctc_log_add(p->pb, p->pnb);
    p->total = isnan(v) ? -INFINITY : v;
}

/* Best first; on ties the shorter, then the smaller labels: a total order,
 * so the same probabilities always give the same readings. */
static int by_total(const void *a, const void *b)
{
    const prefix *p = a, *q = b;
    if (p->total != q->total)
        return p->total > q->total ? -1 : 1;
    if (p->len != q->len)
        return p->len < q->len ? -1 : 1;
    for (size_t j = 0; j < p->len; j++)
        if (p->lab[j] != q->lab[j])
            return p->lab[j] < q->lab[j] ? -1 : 1;
    return 0;
}

static uint64_t hash_step(uint64_t h, uint16_t label)
{
    return (h ^ (uint64_t)(label + 1u)) * 0x100000001b3ull;
}

/* The candidate of base's labels, plus label when add (or base's as they
 * are), found or added with both probabilities -inf. */
static prefix *find_or_add(candidates *c, const prefix *base, int add, uint16_t label)
{
    uint64_t h = add ? hash_step(base->hash, label) : base->hash;
    size_t len = base->len + (add ? 1 : 0);
    size_t i = (size_t)(h ^ (h >> 29)) & (c->n_slots - 1);
    for (; c->slot[i] != 0; i = (i + 1) & (c->n_slots - 1)) {
        prefix *p = &c->cand[c->slot[i] - 1];
        if (p->hash == h && p->len == len &&
            memcmp(p->lab, base->lab, base->len * sizeof base->lab[0]) == 0 &&
            (!add || p->lab[base->len] == label))
            return p;
    }
    prefix *p = &c->cand[c->n];
    c->slot[i] = (uint32_t)++c->n;
    memcpy(p->lab, base->lab, base->len * sizeof base->lab[0]);
    if (add)
        p->lab[base->len] = label;
    p->len = len;
    p->hash = h;
    p->pb = p->pnb = -INFINITY;
    return p;
}

/* One step of log probabilities ly (k): every beam either stays (a blank,
 * or its last label again) or grows by a label, into the candidates, each
 * with its total. */
static void extend(const prefix *beams, size_t n_beams, const float *ly, size_t k,
                   candidates *c)
{
    c->n = 0;
    memset(c->slot, 0, c->n_slots * sizeof c->slot[0]);
    for (size_t b = 0; b < n_beams; b++) {
        const prefix *q = &beams[b];
        double total = nn_ctc_log_add(q->pb, q->pnb);
        size_t last = q->len > 0 ? (size_t)q->lab[q->len - 1] + 1 : NN_CTC_BLANK;
        prefix *same = find_or_add(c, q, 0, 0);
        same->pb = nn_ctc_log_add(same->pb, total + ly[NN_CTC_BLANK]);
        if (q->len > 0)
            same->pnb = nn_ctc_log_add(same->pnb, q->pnb + ly[last]);
        if (q->len == NN_CTC_MAX_LABELS)
            continue;
        for (size_t j = 1; j < k; j++) {
            prefix *grown = find_or_add(c, q, 1, (uint16_t)(j - 1));
            /* the same label again needs a blank between: only pb paths */
            grown->pnb = nn_ctc_log_add(grown->pnb, (j == last ? q->pb : total) + ly[j]);
        }
    }
    for (size_t i = 0; i < c->n; i++)
        set_total(&c->cand[i]);
}

/* The room of a search: the beams, the candidates and their slots, the
 * log probabilities, and the alignment's back pointers. NULL when out of
 * memory. */
static void *room_new(size_t t, size_t k, size_t beam, prefix **beams, candidates *c,
                      uint8_t **back, float **logp)
{
    c->cap = beam * k;
    for (c->n_slots = 16; c->n_slots < 2 * c->cap; c->n_slots *= 2)
        ;
    size_t n_back = (t > 0 ? t : 1) * (2 * NN_CTC_MAX_LABELS + 1);
    char *room = malloc((beam + c->cap) * sizeof(prefix) + c->n_slots * sizeof(uint32_t) +
                        (t * k + 1) * sizeof(float) + n_back);
    if (room == NULL)
        return NULL;
    *beams = (prefix *)room;
    c->cand = *beams + beam;
    c->slot = (uint32_t *)(c->cand + c->cap);
    *logp = (float *)(c->slot + c->n_slots);
    *back = (uint8_t *)(*logp + t * k + 1);
    return room;
}

/* The log probability of q's labelling over all its paths, exactly (the
 * CTC loss of the log probabilities logp), as its pb. */
static void score_exactly(const float *logp, size_t t, size_t k, prefix *q)
{
    q->pb = -nn_ctc_loss(logp, t, k, q->lab, q->len, NULL);
    q->pnb = -INFINITY;
    set_total(q);
}

/* The first n (<= n_out) of the sorted beams scored exactly (the search's
 * sums miss the paths it pruned), and greedy's labelling among them
 * unless it is there or worse than them all: the search never reads
 * worse than greedy. Returns the new count (<= n_out), sorted. */
static size_t rescore(const float *probs, const float *logp, size_t t, size_t k,
                      prefix *beams, size_t n, size_t n_out)
{
    n = n < n_out ? n : n_out;
    for (size_t b = 0; b < n; b++)
        score_exactly(logp, t, k, &beams[b]);
    nn_ctc_reading g;
    nn_ctc_greedy(probs, t, k, &g);
    prefix q = {.len = g.len};
    for (size_t j = 0; j < g.len; j++)
        q.lab[j] = g.sym[j].label;
    int seen = 0;
    for (size_t b = 0; b < n && !seen; b++)
        seen = beams[b].len == q.len && memcmp(beams[b].lab, q.lab, q.len * 2) == 0;
    qsort(beams, n, sizeof *beams, by_total);
    if (!seen && n_out > 0) {
        score_exactly(logp, t, k, &q);
        if (n < n_out)
            beams[n++] = q;
        else if (by_total(&q, &beams[n - 1]) < 0)
            beams[n - 1] = q;
        qsort(beams, n, sizeof *beams, by_total);
    }
    return n;
}

nn_status nn_ctc_beam(const float *probs, size_t t, size_t k, size_t beam,
                      nn_ctc_reading *out, size_t n_out, size_t *n_found, nn_error *err)
{
    *n_found = 0;
    if (beam < 1 || beam > NN_CTC_MAX_BEAM)
        return nn_fail(err, NN_E_ARG, "a beam of %zu, expected 1 to %u", beam,
                       NN_CTC_MAX_BEAM);
    if (k < 2 || k > 256 || t > ((size_t)1 << 24))
        return nn_fail(err, NN_E_ARG, "%zu steps of %zu classes: expected 2 to 256 classes "
                       "and at most 16777216 steps", t, k);
    prefix *beams;
    candidates c;
    uint8_t *back;
    float *logp;
    void *room = room_new(t, k, beam, &beams, &c, &back, &logp);
    if (room == NULL)
        return nn_fail(err, NN_E_NOMEM, "ctc beam search: out of memory");
    for (size_t i = 0; i < t * k; i++)
        logp[i] = logf(probs[i]);
    size_t n_beams = 1;
    beams[0] = (prefix){.len = 0, .pb = 0.0, .pnb = -INFINITY, .total = 0.0,
                        .hash = 0xcbf29ce484222325ull};
    for (size_t i = 0; i < t; i++) {
        extend(beams, n_beams, logp + i * k, k, &c);
        qsort(c.cand, c.n, sizeof *c.cand, by_total);
        n_beams = c.n < beam ? c.n : beam;
        memcpy(beams, c.cand, n_beams * sizeof *beams);
    }
    if (t > 0)
        n_beams = rescore(probs, logp, t, k, beams, n_beams, n_out);
    for (size_t b = 0; b < n_beams && *n_found < n_out; b++) {
        double lp = beams[b].total;
        if (lp == -INFINITY)
            break; /* the rest are impossible too */
        nn_ctc_reading *r = &out[(*n_found)++];
        r->len = beams[b].len;
        r->logp = lp;
        for (size_t j = 0; j < r->len; j++)
            r->sym[j].label = beams[b].lab[j];
        align(probs, t, k, r, back);
    }
    free(room);
    return NN_OK;
}

nn_status nn_ctc_spans(const float *probs, size_t t, size_t k, nn_ctc_reading *r,
                       nn_error *err)
{
    if (r->len > NN_CTC_MAX_LABELS)
        return nn_fail(err, NN_E_ARG, "a reading of %zu labels, at most %u", r->len,
                       NN_CTC_MAX_LABELS);
    uint8_t *back = malloc((t > 0 ? t : 1) * (2 * NN_CTC_MAX_LABELS + 1));
    if (back == NULL)
        return nn_fail(err, NN_E_NOMEM, "ctc spans: out of memory");
    align(probs, t, k, r, back);
    free(back);
    return NN_OK;
}
