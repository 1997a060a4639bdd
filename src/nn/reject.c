/* reject.c - novelty scores, their threshold, and the checks of a stored
 * calibration. */
#include "nnclass/nn/reject.h"
#include "nnclass/nn/read_strips.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CALIB_BATCH 256 /* images per forward pass while calibrating */
#define CALIB_READER_BYTES ((size_t)8 << 20) /* a reader's forward workspace, about */

static int valid_share(float v, int zero_ok)
{
    return isfinite(v) && v <= 1.0f && (zero_ok ? v >= 0.0f : v > 0.0f);
}

/* The score kind against the model: a reader's kind for a reader, a
 * classifier's for a classifier, each with its reject class or none. */
static nn_status check_kind(const nn_reject_calib *c, size_t n_classes, int reader,
                            const char *name, nn_error *err)
{
    if (c->score != NN_SCORE_CONFIDENCE && c->score != NN_SCORE_REJECT_CLASS &&
        c->score != NN_SCORE_READING)
        return nn_fail(err, NN_E_FORMAT, "%s: calibration score kind %u (1 confidence, "
                       "2 reject class, 3 reading)", name, c->score);
    if (reader != (c->score == NN_SCORE_READING))
        return nn_fail(err, NN_E_FORMAT, "%s: calibration score kind %u is for %s, the model "
                       "is %s", name, c->score, reader ? "a classifier" : "a reader of numbers",
                       reader ? "a reader of numbers" : "a classifier");
    if (c->score == NN_SCORE_REJECT_CLASS && c->reject_class >= n_classes)
        return nn_fail(err, NN_E_FORMAT, "%s: reject class %u, the model has %zu classes",
                       name, c->reject_class, n_classes);
    if (c->score != NN_SCORE_REJECT_CLASS && c->reject_class != NN_REJECT_NO_CLASS)
        return nn_fail(err, NN_E_FORMAT, "%s: reject class %u with a %s score",
                       name, c->reject_class, reader ? "reading" : "confidence");
    return NN_OK;
}

nn_status nn_reject_check(const nn_reject_calib *c, size_t n_classes, int reader,
                          const char *name, nn_error *err)
{
    nn_status st = check_kind(c, n_classes, reader, name, err);
    if (st != NN_OK)
        return st;
    if (!valid_share(c->threshold, 1))
        return nn_fail(err, NN_E_FORMAT, "%s: reject threshold %g is not in [0, 1]", name,
                       (double)c->threshold);
    if (!valid_share(c->target, 0) || !valid_share(c->accepted, 1))
        return nn_fail(err, NN_E_FORMAT, "%s: calibration target %g or acceptance %g is not "
                       "a share in [0, 1]", name, (double)c->target, (double)c->accepted);
    if (c->count == 0)
        return nn_fail(err, NN_E_FORMAT, "%s: calibration of 0 images", name);
    return NN_OK;
}

int nn_reject_blank(const uint8_t *pixels, size_t n_pixels)
{
    uint8_t lo = 255, hi = 0;
    for (size_t i = 0; i < n_pixels; i++) {
        lo = pixels[i] < lo ? pixels[i] : lo;
        hi = pixels[i] > hi ? pixels[i] : hi;
    }
    return n_pixels == 0 || hi - lo < NN_REJECT_MIN_CONTRAST;
}

float nn_reject_score(const nn_reject_calib *c, const float *probs, size_t n_classes,
                      const uint8_t *pixels, size_t n_pixels)
{
    if (pixels != NULL && nn_reject_blank(pixels, n_pixels))
        return 1.0f;
    float s;
    if (c->score == NN_SCORE_REJECT_CLASS) {
        s = probs[c->reject_class];
    } else {
        float best = 0.0f;
        for (size_t k = 0; k < n_classes; k++)
            best = probs[k] > best ? probs[k] : best;
        s = 1.0f - best;
    }
    return s < 0.0f ? 0.0f : s > 1.0f ? 1.0f : s;
}

float nn_reject_reading_score(const nn_ctc_reading *r, const uint8_t *pixels, size_t n_pixels)
{
    /* no ink, or no digit read: not a number, however sure the reader is */
    if ((pixels != NULL && nn_reject_blank(pixels, n_pixels)) || r->len == 0)
        return 1.0f;
    double p = exp(r->logp);
    float s = isfinite(p) ? (float)(1.0 - fmin(1.0, fmax(0.0, p))) : 1.0f;
    return s < 0.0f ? 0.0f : s > 1.0f ? 1.0f : s;
}

int nn_reject_rejected(float score, float threshold)
{
    return score > threshold || score >= 1.0f;
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

nn_status nn_reject_calibrate(nn_reject_calib *c, float *scores, size_t n, nn_error *err)
{
    if (n == 0 || n > UINT32_MAX)
        return nn_fail(err, NN_E_ARG, "calibration needs 1 to %u images, not %zu",
                       UINT32_MAX, n);
    if (!valid_share(c->target, 0))
        return nn_fail(err, NN_E_ARG, "calibration target %g is not in (0, 1]",
                       (double)c->target);
    qsort(scores, n, sizeof scores[0], cmp_float);
    /* The k-th smallest score, k = ceil(target * n): at least that share
     * lies at or below it (ties may accept a few more). The margin absorbs
     * the float target's rounding (0.995f is a hair above 0.995). */
    size_t k = (size_t)ceil((double)c->target * (double)n - 1e-6 * (double)n);
    k = k < 1 ? 1 : k > n ? n : k;
    float t = scores[k - 1];
    size_t kept = 0;
    for (size_t i = 0; i < n; i++)
        kept += scores[i] <= t;
    c->threshold = t;
    c->accepted = (float)((double)kept / (double)n);
    c->count = (uint32_t)n;
    return NN_OK;
}

/* Scores one forward pass's b inputs (px: their pixels, probs: the net's
 * outputs) into scores; what kind of net decides how. */
typedef nn_status (*batch_scorer)(const nn_net *net, const nn_reject_calib *c,
                                  const uint8_t *px, const float *probs, size_t b,
                                  float *scores, nn_error *err);

/* Runs net over the n inputs of pixels, batch at a time, scores them with
 * score_batch and calibrates c on the scores. The batch depends on the net
 * alone, so the scores are the same for any thread count. */
static nn_status calibrate_over(const nn_net *net, const uint8_t *pixels, size_t n, size_t batch,
                                batch_scorer score_batch, nn_reject_calib *c, nn_error *err)
{
    size_t n_in = nn_net_size(net, 0);
    nn_workspace *ws = NULL;
    float *scores = malloc((n > 0 ? n : 1) * sizeof *scores);
    float *x = malloc(batch * n_in * sizeof *x);
    nn_status st = scores == NULL || x == NULL
                       ? nn_fail(err, NN_E_NOMEM, "out of memory for %zu calibration inputs", n)
                       : nn_workspace_create_forward(net, batch, &ws, err);
    for (size_t i = 0; st == NN_OK && i < n; i += batch) {
        size_t b = n - i < batch ? n - i : batch;
        const uint8_t *px = pixels + i * n_in;
        nn_scale_pixels(px, b * n_in, x);
        const float *probs = nn_net_forward_batch(net, ws, x, b);
        st = score_batch(net, c, px, probs, b, scores + i, err);
    }
    if (st == NN_OK)
        st = nn_reject_calibrate(c, scores, n, err);
    nn_workspace_free(ws);
    free(x);
    free(scores);
    return st;
}

/* A classifier's scores: from its class probabilities. */
static nn_status score_classes(const nn_net *net, const nn_reject_calib *c, const uint8_t *px,
                               const float *probs, size_t b, float *scores, nn_error *err)
{
    (void)err;
    size_t n_in = nn_net_size(net, 0), n_out = nn_net_size(net, net->n_layers - 1);
    for (size_t j = 0; j < b; j++)
        scores[j] = nn_reject_score(c, probs + j * n_out, n_out, px + j * n_in, n_in);
    return NN_OK;
}

nn_status nn_reject_calibrate_net(const nn_net *net, const uint8_t *pixels, size_t n,
                                  nn_reject_calib *c, nn_error *err)
{
    if (!nn_net_has_classes(net))
        return nn_fail(err, NN_E_ARG, "calibration needs a classifier, not an autoencoder");
    return calibrate_over(net, pixels, n, CALIB_BATCH, score_classes, c, err);
}

nn_status nn_reject_calibrate_reader(const nn_net *net, const uint8_t *pixels, size_t n,
                                     nn_reject_calib *c, nn_error *err)
{
    const nn_layer *last = &net->layers[net->n_layers - 1];
    if (!nn_layer_kind_reads_seq(last->kind) || last->h < 1 || last->c < 2)
        return nn_fail(err, NN_E_ARG, "calibration of a reader needs a CTC output");
    c->score = NN_SCORE_READING;
    c->reject_class = NN_REJECT_NO_CLASS;
    /* Read as `read` reads by default: its beam and its passes. */
    size_t batch = nn_net_batch_for(net, CALIB_READER_BYTES, CALIB_BATCH), n_in = nn_net_size(net, 0);
    float *scores = malloc((n > 0 ? n : 1) * sizeof *scores);
    nn_strip_reader *sr = NULL;
    nn_status st = scores == NULL
                       ? nn_fail(err, NN_E_NOMEM, "out of memory for %zu calibration strips", n)
                       : nn_strip_reader_create(net, batch, NN_READ_DEFAULT_PASSES,
                                                NN_READ_DEFAULT_BEAM, &sr, err);
    for (size_t i = 0; st == NN_OK && i < n; i += batch) {
        size_t b = n - i < batch ? n - i : batch, bad = 0;
        st = nn_strip_reader_forward(sr, pixels + i * n_in, b, &bad, err);
        for (size_t j = 0; st == NN_OK && j < b; j++) {
            nn_ctc_reading r;
            size_t found = 0;
            st = nn_strip_reader_decode(sr, j, &r, 1, &found, err);
            scores[i + j] = nn_reject_reading_score(&r, pixels + (i + j) * n_in, n_in);
        }
    }
    if (st == NN_OK)
        st = nn_reject_calibrate(c, scores, n, err);
    nn_strip_reader_free(sr);
    free(scores);
    return st;
}
