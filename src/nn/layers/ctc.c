/* ctc.c - the CTC output: a row without parameters at the end of a
 * reader's table, its forward the identity, whose loss is connectionist
 * temporal classification over one softmax per time step (ctc.h). Token:
 * ctc (after a sequence of NN_CTC_CLASSES scores per step: step11).
 *
 * Shapes: in (batch, t, k) -> out (batch, t, k), k = NN_CTC_CLASSES; the
 * scores z of a sample are (t, k), class 0 the blank, class d + 1 digit d.
 *
 * The loss of one sample: with the labels l (len of them) extended to
 * l' = blank, l1, blank, l2, ..., blank (S = 2 len + 1 states), and y the
 * per-step softmax, the forward variables
 *   alpha_t(s) = y_t(l'_s) * (alpha_{t-1}(s) + alpha_{t-1}(s-1)
 *                             [+ alpha_{t-1}(s-2) if l'_s is a label != l'_{s-2}])
 * and the backward ones beta_t(s) (the paths from state s at step t to the
 * end, y_t not included) give p = alpha_{T-1}(S-1) + alpha_{T-1}(S-2) and
 *   dLoss/dz_t(c) = y_t(c) - sum_{s: l'_s = c} alpha_t(s) beta_t(s) / p,
 * all in log space (the products of many small probabilities underflow). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../ctc_internal.h"
#include "layers.h"
#include "nnclass/nn/ctc.h"
#include "nnclass/nn/net.h"

/* --- the loss of one sample ------------------------------------------------------ */

/* The log-softmax of each step of z (t, k) into logy (t, k), in double. */
static void log_softmax(const float *z, size_t t, size_t k, double *logy)
{
    for (size_t i = 0; i < t; i++) {
        const float *zi = z + i * k;
        double m = zi[0], s = 0.0;
        for (size_t c = 1; c < k; c++)
            m = zi[c] > m ? zi[c] : m;
        for (size_t c = 0; c < k; c++)
            s += exp((double)zi[c] - m);
        double log_s = m + log(s);
        for (size_t c = 0; c < k; c++)
            logy[i * k + c] = (double)zi[c] - log_s;
    }
}

/* Whether state s may be reached from s - 2 (skipping the blank between):
 * s is a label, and not the same label as two states before. */
static int can_skip(const uint16_t *ext, size_t s)
{
    return s >= 2 && ext[s] != NN_CTC_BLANK && ext[s] != ext[s - 2];
}

/* The forward variables alpha (t, S) in log space. */
static void forward_vars(const double *logy, size_t t, size_t k, const uint16_t *ext,
                         size_t S, double *alpha)
{
    for (size_t s = 0; s < S; s++)
        alpha[s] = s < 2 ? logy[ext[s]] : -INFINITY;
    for (size_t i = 1; i < t; i++) {
        const double *a0 = alpha + (i - 1) * S;
        double *a = alpha + i * S;
        for (size_t s = 0; s < S; s++) {
            double v = a0[s];
            if (s >= 1)
                v = nn_ctc_log_add(v, a0[s - 1]);
            if (can_skip(ext, s))
                v = nn_ctc_log_add(v, a0[s - 2]);
            a[s] = v == -INFINITY ? v : v + logy[i * k + ext[s]];
        }
    }
}

/* The backward variables beta (t, S) in log space, y_t not included. */
static void backward_vars(const double *logy, size_t t, size_t k, const uint16_t *ext,
                          size_t S, double *beta)
{
    double *b = beta + (t - 1) * S;
    for (size_t s = 0; s < S; s++)
        b[s] = s + 2 >= S ? 0.0 : -INFINITY;
    for (size_t i = t - 1; i-- > 0;) {
        const double *b1 = beta + (i + 1) * S, *ly = logy + (i + 1) * k;
        b = beta + i * S;
        for (size_t s = 0; s < S; s++) {
            double v = b1[s] + ly[ext[s]];
            if (s + 1 < S)
                v = nn_ctc_log_add(v, b1[s + 1] + ly[ext[s + 1]]);
            if (s + 2 < S && can_skip(ext, s + 2))
                v = nn_ctc_log_add(v, b1[s + 2] + ly[ext[s + 2]]);
            b[s] = v;
        }
    }
}

/* dLoss/dz (t, k) from the variables: y minus each class's share of the
 * paths through it at each step. */
static void score_grad(const double *logy, const double *alpha, const double *beta,
                       size_t t, size_t k, const uint16_t *ext, size_t S, double logp,
                       float *grad)
{
    double share[256];
    for (size_t i = 0; i < t; i++) {
        memset(share, 0, k * sizeof share[0]);
        for (size_t s = 0; s < S; s++) {
            double v = alpha[i * S + s] + beta[i * S + s];
            if (v != -INFINITY)
                share[ext[s]] += exp(v - logp);
        }
        for (size_t c = 0; c < k; c++)
            grad[i * k + c] = (float)(exp(logy[i * k + c]) - share[c]);
    }
}

/* Whether some alignment fits: every label valid, and t steps enough for
 * the labels and a blank between each two equal neighbours. */
static int alignable(size_t t, size_t k, const uint16_t *labels, size_t len)
{
    if (len > NN_CTC_MAX_LABELS || k < 2 || k > 256 || t == 0)
        return 0;
    size_t need = len;
    for (size_t j = 0; j < len; j++) {
        if ((size_t)labels[j] + 1 >= k)
            return 0;
        need += j > 0 && labels[j] == labels[j - 1];
    }
    return t >= need;
}

double nn_ctc_loss(const float *z, size_t t, size_t k, const uint16_t *labels, size_t len,
                   float *grad)
{
    if (grad != NULL && t > 0 && k > 0)
        memset(grad, 0, t * k * sizeof *grad);
    if (!alignable(t, k, labels, len))
        return INFINITY;
    uint16_t ext[2 * NN_CTC_MAX_LABELS + 1];
    size_t S = 2 * len + 1;
    for (size_t s = 0; s < S; s++)
        ext[s] = s % 2 ? (uint16_t)(labels[s / 2] + 1) : NN_CTC_BLANK;
    /* t <= NN_MAX_SIDE steps, S <= 65, k <= 256: well within size_t. */
    double *logy = malloc((t * k + 2 * t * S) * sizeof *logy);
    if (logy == NULL)
        return INFINITY;
    double *alpha = logy + t * k, *beta = alpha + t * S;
    log_softmax(z, t, k, logy);
    forward_vars(logy, t, k, ext, S, alpha);
    const double *last = alpha + (t - 1) * S;
    double logp = S >= 2 ? nn_ctc_log_add(last[S - 1], last[S - 2]) : last[S - 1];
    if (grad != NULL && isfinite(logp)) {
        backward_vars(logy, t, k, ext, S, beta);
        score_grad(logy, alpha, beta, t, k, ext, S, logp, grad);
    }
    free(logy);
    return -logp;
}

/* --- the output: probabilities and the minibatch's loss ------------------------------ */

/* A softmax over each step's NN_CTC_CLASSES scores of Z (rows, n), in
 * place: the softmax of the classifier's output, one step a row. */
static void ctc_probs(float *z, size_t rows, size_t n)
{
    nn_output_softmax_xent.probs(z, rows * (n / NN_CTC_CLASSES), NN_CTC_CLASSES);
}

/* Whether the greedy reading of scores z (t, NN_CTC_CLASSES) - the best
 * class of each step, repeats merged, blanks dropped - is labels. (The
 * decoders build on this file, so it reads for itself.) */
static int reads_right(const float *z, size_t t, const uint16_t *labels, size_t len)
{
    size_t n = 0, prev = NN_CTC_BLANK;
    for (size_t i = 0; i < t; i++) {
        size_t c = nn_argmax(z + i * NN_CTC_CLASSES, NN_CTC_CLASSES);
        if (c != NN_CTC_BLANK && c != prev && (n >= len || labels[n++] + 1u != c))
            return 0;
        prev = c;
    }
    return n == len;
}

/* Per sample: the CTC loss and its gradient (divided by norm) into delta;
 * a sample no alignment fits is skipped (zero gradient, no loss). */
static double ctc_loss_grad(float *z, const nn_targets *tg, size_t batch, size_t norm,
                            size_t n, float *delta, size_t *right)
{
    size_t t = n / NN_CTC_CLASSES;
    float scale = 1.0f / (float)norm;
    double loss = 0.0;
    for (size_t i = 0; i < batch; i++) {
        float *zi = z + i * n, *di = delta + i * n;
        size_t len = 0;
        const uint16_t *labels = NULL;
        if (tg->seq != NULL && tg->seq_off != NULL && tg->seq_off[i + 1] >= tg->seq_off[i]) {
            labels = tg->seq + tg->seq_off[i];
            len = tg->seq_off[i + 1] - tg->seq_off[i];
        }
        double li = labels != NULL ? nn_ctc_loss(zi, t, NN_CTC_CLASSES, labels, len, di)
                                   : INFINITY;
        if (li == INFINITY) {
            memset(di, 0, n * sizeof *di);
            continue;
        }
        loss += li;
        for (size_t j = 0; j < n; j++)
            di[j] *= scale;
        *right += reads_right(zi, t, labels, len);
    }
    return loss;
}

const nn_output_ops nn_output_ctc = {
    .name = "ctc",
    .probs = ctc_probs,
    .loss_grad = ctc_loss_grad,
    .act = "softmax",
    .about = "one per step, read by CTC decoding",
};

/* --- the row ---------------------------------------------------------------------- */

/* Nothing after "ctc". */
static const char *ctc_parse(const char *p, nn_layer *row)
{
    if (*p != '\0')
        return "the CTC output is ctc";
    row->act = NN_ACT_NONE;
    return NULL;
}

static void ctc_format(const nn_layer *row, char *out, size_t cap)
{
    (void)row;
    snprintf(out, cap, "ctc");
}

static void ctc_describe(const nn_layer *row, char *out, size_t cap)
{
    snprintf(out, cap, "  (blank + 10 digits at each of %zu steps)", row->h);
}

/* A sequence of NN_CTC_CLASSES scores per step, as it is. */
static nn_status ctc_shape(const nn_layer *prev, nn_layer *row, nn_error *err)
{
    nn_shape s = nn_layer_shape_of(prev);
    if (s.layout != NN_SHAPE_SEQUENCE || s.f != NN_CTC_CLASSES)
        return nn_fail(err, NN_E_ARG, "a CTC output reads a sequence of %u scores per step "
                       "(the blank and 10 digits, e.g. step%u), and the %s layer gives %s",
                       NN_CTC_CLASSES, NN_CTC_CLASSES, nn_layer_kind_name(prev->kind),
                       s.layout != NN_SHAPE_SEQUENCE ? "no sequence" : "another number");
    row->h = s.t;
    row->w = 1;
    row->c = s.f;
    return NN_OK;
}

static nn_status ctc_check_saved(const nn_layer *row, nn_error *err)
{
    if (row->k != 0 || row->same)
        return nn_fail(err, NN_E_FORMAT, "a CTC output has no kernel");
    return NN_OK;
}

static size_t ctc_weights(const nn_layer *prev, const nn_layer *row)
{
    (void)prev, (void)row;
    return 0;
}

static size_t ctc_biases(const nn_layer *row)
{
    (void)row;
    return 0;
}

static void ctc_fans(const nn_layer *prev, const nn_layer *row, size_t *fan_in,
                     size_t *fan_out)
{
    (void)prev, (void)row;
    *fan_in = *fan_out = 0;
}

static void ctc_scratch(const nn_layer *prev, const nn_layer *row, size_t batch, int backward,
                        size_t *keep, size_t *bytes, size_t *temp)
{
    (void)prev, (void)row, (void)batch, (void)backward;
    *keep = *bytes = *temp = 0;
}

/* in (batch, t, k) -> out (batch, t, k): the scores go to the loss unchanged. */
static void ctc_forward(const nn_layer_run *run, const float *in, float *out, size_t batch)
{
    memcpy(out, in, batch * run->n_out * sizeof(float));
}

/* The identity's gradient: dprev = delta; no parameters. */
static void ctc_backward(const nn_layer_run *run, const float *in, const float *delta,
                         size_t batch, float *dw, float *dprev)
{
    (void)in, (void)dw;
    if (dprev != NULL)
        memcpy(dprev, delta, batch * run->n_in * sizeof(float));
}

/* On (T, N, K): Softmax over the last axis, then Transpose to (N, T, K),
 * the graph's output "probabilities" (decoding stays outside ONNX). */
static nn_status ctc_onnx(nn_graph *g, const nn_layer_run *run, size_t l, nn_error *err)
{
    (void)run;
    if (!g->sequence)
        return nn_fail(err, NN_E_ARG, "onnx: layer %zu (ctc) needs a sequence", l);
    nn_graph_attr axis = {.name = "axis", .i = 2};
    nn_graph_step(g, "Softmax", "stepprobs", l, &axis, 1);
    static const int64_t ntk[3] = {1, 0, 2};
    nn_graph_attr perm = {.name = "perm", .ints = ntk, .n_ints = 3};
    const char *in[1] = {g->cur}, *out[1] = {"probabilities"};
    g->node(g, "Transpose", "Transpose_probabilities", in, 1, out, 1, &perm, 1);
    snprintf(g->cur, sizeof g->cur, "probabilities");
    g->output_done = 1;
    return NN_OK;
}

static size_t ctc_npz(const nn_layer_run *run, nn_param_array out[2])
{
    (void)run, (void)out;
    return 0;
}

const nn_layer_ops nn_ctc_ops = {
    .name = "ctc",
    .layout = NN_SHAPE_SEQUENCE,
    .can_be_output = 1,
    .output = &nn_output_ctc,
    .token = "ctc",
    .parse = ctc_parse,
    .format = ctc_format,
    .describe = ctc_describe,
    .shape = ctc_shape,
    .check_saved = ctc_check_saved,
    .n_weights = ctc_weights,
    .n_biases = ctc_biases,
    .fans = ctc_fans,
    .scratch = ctc_scratch,
    .forward = ctc_forward,
    .backward = ctc_backward,
    .onnx = ctc_onnx,
    .npz = ctc_npz,
};
