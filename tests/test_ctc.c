/* test_ctc.c - the CTC output and the layers that lead to it: the loss
 * against a brute-force sum over every path (double precision), its
 * gradient against finite differences, the cases no alignment fits, the
 * cols and per-step dense layers through the generic walk against a
 * double-precision reference, the text form, the model file, and a tiny
 * reader trained with plain SGD. (Decoding: test_ctc_decode.c.) */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nnclass/base/rng.h"
#include "nnclass/export/onnx.h"
#include "nnclass/nn/ctc.h"
#include "nnclass/nn/model.h"
#include "nnclass/nn/net.h"
#include "test_support.h"

/* --- brute force: every path of t steps over k classes ------------------------------ */

/* p(labels | y) summed over all k^t paths of probabilities y (t, k). */
static double brute_prob(const double *y, size_t t, size_t k, const uint16_t *labels,
                         size_t len)
{
    size_t path[16] = {0};
    uint16_t got[16];
    double sum = 0.0;
    for (;;) {
        size_t n = ts_ctc_collapse(path, t, got);
        if (n == len && memcmp(got, labels, len * sizeof *got) == 0) {
            double p = 1.0;
            for (size_t i = 0; i < t; i++)
                p *= y[i * k + path[i]];
            sum += p;
        }
        size_t i = 0;
        while (i < t && ++path[i] == k)
            path[i++] = 0;
        if (i == t)
            return sum;
    }
}

/* -log p(labels | softmax(z)) by brute force, in double. */
static double brute_loss(const double *z, size_t t, size_t k, const uint16_t *labels,
                         size_t len)
{
    double y[16 * 8];
    ts_softmax_steps(z, t, k, y);
    return -log(brute_prob(y, t, k, labels, len));
}

/* --- the loss ------------------------------------------------------------------------ */

typedef struct {
    size_t t, k, len;
    uint16_t labels[4];
} loss_case;

static const loss_case cases[] = {
    {1, 2, 0, {0}},       {1, 3, 1, {1}},       {3, 2, 1, {0}},       {4, 3, 2, {0, 1}},
    {4, 3, 2, {1, 1}},    {5, 3, 0, {0}},       {5, 4, 3, {2, 0, 2}}, {6, 3, 3, {1, 1, 1}},
    {3, 3, 2, {0, 0}},    {6, 4, 2, {2, 1}},    {2, 2, 1, {0}},       {7, 3, 2, {1, 0}},
};

static void test_loss_matches_brute_force(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const loss_case *L = &cases[c];
        float z[64];
        double zd[64];
        ts_fill_uniform(z, L->t * L->k, 3.0f, 100 + c);
        for (size_t i = 0; i < L->t * L->k; i++)
            zd[i] = z[i];
        double want = brute_loss(zd, L->t, L->k, L->labels, L->len);
        double got = nn_ctc_loss(z, L->t, L->k, L->labels, L->len, NULL);
        if (!(fabs(got - want) <= 1e-9 * (1.0 + fabs(want))))
            fail_msg("case %zu: loss %.12g, brute force %.12g", c, got, want);
    }
}

/* The gradient w.r.t. the scores against central differences of the
 * brute-force loss (double: h = 1e-5 leaves errors near 1e-10). */
static void test_loss_gradient(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const loss_case *L = &cases[c];
        size_t n = L->t * L->k;
        float z[64], grad[64];
        double zd[64];
        ts_fill_uniform(z, n, 2.0f, 200 + c);
        for (size_t i = 0; i < n; i++)
            zd[i] = z[i];
        nn_ctc_loss(z, L->t, L->k, L->labels, L->len, grad);
        double row_sum = 0.0;
        for (size_t i = 0; i < n; i++) {
            const double h = 1e-5;
            double keep = zd[i];
            zd[i] = keep + h;
            double up = brute_loss(zd, L->t, L->k, L->labels, L->len);
            zd[i] = keep - h;
            double down = brute_loss(zd, L->t, L->k, L->labels, L->len);
            zd[i] = keep;
            double num = (up - down) / (2 * h);
            if (fabs(num - grad[i]) > 1e-5)
                fail_msg("case %zu: d loss / d z[%zu] is %g, finite differences %g", c, i,
                         (double)grad[i], num);
            row_sum += grad[i];
        }
        assert_true(fabs(row_sum) < 1e-5); /* each step's softmax sums to one */
    }
}

/* No alignment fits: INFINITY and a zero gradient, never a NaN. */
static void test_loss_without_alignment(void **state)
{
    (void)state;
    float z[4 * 11], grad[4 * 11];
    ts_fill_uniform(z, 4 * 11, 1.0f, 7);
    const uint16_t twice[2] = {3, 3}, three[3] = {1, 2, 3}, bad[1] = {10};
    struct {
        size_t t;
        const uint16_t *labels;
        size_t len;
        int finite;
    } tries[] = {{2, twice, 2, 0}, {3, twice, 2, 1}, {2, three, 3, 0},
                 {3, three, 3, 1}, {4, bad, 1, 0},   {0, twice, 0, 0}};
    for (size_t i = 0; i < sizeof tries / sizeof tries[0]; i++) {
        for (size_t j = 0; j < 4 * 11; j++)
            grad[j] = 9.0f;
        double loss = nn_ctc_loss(z, tries[i].t, 11, tries[i].labels, tries[i].len, grad);
        assert_int_equal(isfinite(loss) != 0, tries[i].finite);
        if (!tries[i].finite) {
            assert_true(loss == INFINITY);
            for (size_t j = 0; j < tries[i].t * 11; j++)
                assert_true(grad[j] == 0.0f);
        }
        for (size_t j = 0; j < tries[i].t * 11; j++)
            assert_false(isnan(grad[j]));
    }
}

/* --- the layers through the generic walk ---------------------------------------------- */

/* -log p(labels | softmax(z)) by the forward recursion in probability
 * space, in double (few steps: nothing underflows): a second, plain
 * implementation to check the net's loss against. */
static double plain_loss(const double *z, size_t t, size_t k, const uint16_t *labels,
                         size_t len)
{
    double y[64 * 11], a[65], b[65];
    size_t S = 2 * len + 1;
    uint16_t ext[65];
    ts_softmax_steps(z, t, k, y);
    for (size_t s = 0; s < S; s++)
        ext[s] = s % 2 ? (uint16_t)(labels[s / 2] + 1) : 0;
    for (size_t s = 0; s < S; s++)
        a[s] = s < 2 ? y[ext[s]] : 0.0;
    for (size_t i = 1; i < t; i++) {
        for (size_t s = 0; s < S; s++) {
            double v = a[s] + (s >= 1 ? a[s - 1] : 0.0);
            if (s >= 2 && ext[s] != 0 && ext[s] != ext[s - 2])
                v += a[s - 2];
            b[s] = v * y[i * k + ext[s]];
        }
        memcpy(a, b, S * sizeof a[0]);
    }
    return -log(a[S - 1] + (S >= 2 ? a[S - 2] : 0.0));
}

/* One sample through a net of conv1x1 (one input channel), cols, step
 * dense rows and ctc, in double from the parameters p: the scores (t, 11). */
static void ref_scores(const nn_net *net, const double *p, const float *x, double *out)
{
    double a[512], z[512];
    size_t n = nn_net_size(net, 0);
    for (size_t i = 0; i < n; i++)
        a[i] = x[i];
    for (size_t l = 1; l + 1 < net->n_layers; l++) {
        const nn_layer *L = &net->layers[l], *P = &net->layers[l - 1];
        const double *w = p + (nn_net_weights(net, l) - net->params);
        const double *b = w + nn_net_layer_weights(net, l);
        size_t m = nn_net_size(net, l);
        if (L->kind == NN_LAYER_CONV) { /* 1x1, one input channel */
            for (size_t px = 0; px < P->h * P->w; px++)
                for (size_t c = 0; c < L->c; c++)
                    z[px * L->c + c] = tanh(w[c] * a[px] + b[c]);
        } else if (L->kind == NN_LAYER_COLS) {
            for (size_t y = 0; y < P->h; y++)
                for (size_t x0 = 0; x0 < P->w; x0++)
                    for (size_t c = 0; c < P->c; c++)
                        z[(x0 * P->h + y) * P->c + c] = a[(y * P->w + x0) * P->c + c];
        } else {
            assert_int_equal(L->kind, NN_LAYER_STEP_DENSE);
            size_t f = P->c;
            for (size_t s = 0; s < L->h; s++)
                for (size_t j = 0; j < L->c; j++) {
                    double v = b[j];
                    for (size_t i = 0; i < f; i++)
                        v += w[j * f + i] * a[s * f + i];
                    z[s * L->c + j] = L->act == NN_ACT_TANH ? tanh(v) : v;
                }
        }
        memcpy(a, z, m * sizeof a[0]);
        n = m;
    }
    memcpy(out, a, n * sizeof a[0]);
}

/* The summed CTC loss of a minibatch through the reference. */
static double ref_loss(const nn_net *net, const double *p, const float *x, size_t batch,
                       const nn_targets *tg)
{
    size_t n_in = nn_net_size(net, 0), t = net->layers[net->n_layers - 1].h;
    double z[64 * 11], loss = 0.0;
    for (size_t r = 0; r < batch; r++) {
        ref_scores(net, p, x + r * n_in, z);
        loss += plain_loss(z, t, 11, tg->seq + tg->seq_off[r],
                           tg->seq_off[r + 1] - tg->seq_off[r]);
    }
    return loss;
}

/* nn_net_loss_grad_targets (the generic walk: ctc, step dense, cols and
 * conv backward) against central differences of the reference. */
static void check_net_gradient(const char *spec)
{
    enum { BATCH = 3 };
    static const uint16_t seq[] = {4, 2, 2, 9, 0, 7};
    static const size_t off[BATCH + 1] = {0, 3, 4, 6};
    nn_targets tg = {.seq = seq, .seq_off = off};
    nn_net *net = ts_parse_net(spec, NN_ACT_TANH);
    ts_fill_uniform(net->params, net->n_params, 0.8f, 31);
    size_t n_in = nn_net_size(net, 0);
    nn_workspace *ws = ts_workspace(net, BATCH);
    float *x = malloc(BATCH * n_in * sizeof *x), *grad = calloc(net->n_params, sizeof *grad);
    double *p = malloc(net->n_params * sizeof *p);
    assert_true(x != NULL && grad != NULL && p != NULL);
    ts_fill_uniform(x, BATCH * n_in, 1.0f, 37);
    for (size_t i = 0; i < net->n_params; i++)
        p[i] = net->params[i];
    size_t right = 0;
    double loss = nn_net_loss_grad_targets(net, ws, x, &tg, BATCH, BATCH, grad, &right);
    double want = ref_loss(net, p, x, BATCH, &tg);
    if (!(fabs(loss - want) < 1e-4 * (1.0 + want)))
        fail_msg("%s: loss %g, reference %g", spec, loss, want);
    for (size_t i = 0; i < net->n_params; i++) {
        const double h = 1e-6;
        double keep = p[i];
        p[i] = keep + h;
        double up = ref_loss(net, p, x, BATCH, &tg);
        p[i] = keep - h;
        double down = ref_loss(net, p, x, BATCH, &tg);
        p[i] = keep;
        double num = (up - down) / (2 * h) / BATCH;
        if (fabs(num - grad[i]) > 1e-4 + 1e-3 * fabs(num))
            fail_msg("%s: d loss / d param %zu is %g, finite differences %g", spec, i,
                     (double)grad[i], num);
    }
    free(x);
    free(grad);
    free(p);
    nn_workspace_free(ws);
    nn_net_free(net);
}

static void test_net_gradient(void **state)
{
    (void)state;
    check_net_gradient("3x6,cols,step11,ctc");
    check_net_gradient("3x7,conv1x1x2,cols,step5:tanh,step11,ctc");
    check_net_gradient("2x8,conv1x1x3,cols,step11,ctc");
}

/* cols moves pixel (y, x, c) of an image to step x, feature y*C + c, and
 * its backward moves every delta back: the two are transposes. */
static void test_cols_moves(void **state)
{
    (void)state;
    nn_net *net = ts_parse_net("3x4,conv1x1x2,cols,step11,ctc", NN_ACT_TANH);
    const nn_layer *L = &net->layers[2];
    assert_int_equal(L->kind, NN_LAYER_COLS);
    assert_int_equal(L->h, 4); /* steps: the columns */
    assert_int_equal(L->c, 6); /* features: 3 rows of 2 channels */
    nn_layer_run run = nn_net_layer_run(net, 2);
    float in[2 * 24], out[2 * 24], back[2 * 24];
    for (size_t i = 0; i < 48; i++)
        in[i] = (float)i;
    const nn_layer_ops *ops = nn_layer_ops_of(NN_LAYER_COLS);
    ops->forward(&run, in, out, 2);
    for (size_t b = 0; b < 2; b++)
        for (size_t y = 0; y < 3; y++)
            for (size_t x = 0; x < 4; x++)
                for (size_t c = 0; c < 2; c++)
                    assert_true(out[b * 24 + x * 6 + y * 2 + c] ==
                                in[b * 24 + (y * 4 + x) * 2 + c]);
    ops->backward(&run, in, out, 2, NULL, back);
    assert_memory_equal(back, in, sizeof in);
    nn_net_free(net);
}

/* The CTC output over a minibatch: a sample no alignment fits adds no loss
 * and no gradient, the others their loss / norm; *right counts greedy
 * readings equal to the labels. */
static void test_output_skips_impossible_samples(void **state)
{
    (void)state;
    enum { T = 3, N = T * 11 };
    float z[3 * N], keep[3 * N], delta[3 * N], g[N];
    ts_fill_uniform(z, 3 * N, 2.0f, 41);
    /* sample 2 reads 5 surely: 5, blank, blank */
    for (size_t i = 0; i < N; i++)
        z[2 * N + i] = 0.0f;
    z[2 * N + 6] = z[2 * N + 11] = z[2 * N + 22] = 30.0f;
    memcpy(keep, z, sizeof z);
    static const uint16_t seq[] = {1, 2, 3, 3, 5};
    static const size_t off[4] = {0, 2, 4, 5}; /* sample 1: 3 3 needs 3 steps... */
    nn_targets tg = {.seq = seq, .seq_off = off};
    size_t right = 0;
    double loss = nn_output_ctc.loss_grad(z, &tg, 3, 4, N, delta, &right);
    double l0 = nn_ctc_loss(keep, T, 11, seq, 2, g);
    double l2 = nn_ctc_loss(keep + 2 * N, T, 11, seq + 4, 1, NULL);
    double l1 = nn_ctc_loss(keep + N, T, 11, seq + 2, 2, NULL);
    assert_true(isfinite(l1)); /* 3 blank 3 fits in 3 steps */
    assert_true(fabs(loss - (l0 + l1 + l2)) < 1e-6 * loss);
    for (size_t i = 0; i < N; i++)
        assert_true(fabsf(delta[i] - g[i] / 4.0f) < 1e-7f);
    assert_int_equal(right, 1);
    /* now sample 1 cannot fit: 3 3 3 needs 5 steps */
    static const uint16_t seq3[] = {1, 2, 3, 3, 3, 5};
    static const size_t off3[4] = {0, 2, 5, 6};
    tg = (nn_targets){.seq = seq3, .seq_off = off3};
    memcpy(z, keep, sizeof z);
    right = 0;
    loss = nn_output_ctc.loss_grad(z, &tg, 3, 4, N, delta, &right);
    assert_true(fabs(loss - (l0 + l2)) < 1e-6 * loss);
    for (size_t i = 0; i < N; i++)
        assert_true(delta[N + i] == 0.0f);
    assert_int_equal(right, 1);
    /* probabilities: a softmax per step */
    memcpy(z, keep, sizeof z);
    nn_output_ctc.probs(z, 3, N);
    for (size_t s = 0; s < 3 * T; s++) {
        double sum = 0.0;
        for (size_t c = 0; c < 11; c++)
            sum += z[s * 11 + c];
        assert_true(fabs(sum - 1.0) < 1e-5);
    }
}

/* One image through nn_net_forward gives the probabilities it gets in a
 * minibatch: a distribution per step (the kernels may sum in another
 * order for one image, hence the tolerance). */
static void test_single_image_agrees_with_batch(void **state)
{
    (void)state;
    nn_net *net = ts_parse_net("6x10,conv3x3x2-same,cols,bilstm4-seq,step11,ctc", NN_ACT_RELU);
    nn_rng rng;
    nn_rng_seed(&rng, 61);
    nn_net_init(net, &rng);
    float x[3 * 60], batch[3 * 10 * 11];
    ts_fill_uniform(x, 3 * 60, 1.0f, 63);
    nn_workspace *ws = ts_workspace(net, 3);
    memcpy(batch, nn_net_forward_batch(net, ws, x, 3), sizeof batch);
    for (size_t i = 0; i < 3; i++) {
        const float *one = nn_net_forward(net, ws, x + i * 60);
        for (size_t s = 0; s < 10; s++) {
            double sum = 0.0;
            for (size_t c = 0; c < 11; c++) {
                assert_true(fabsf(one[s * 11 + c] - batch[i * 110 + s * 11 + c]) < 1e-6f);
                sum += one[s * 11 + c];
            }
            assert_true(fabs(sum - 1.0) < 1e-5);
        }
    }
    nn_workspace_free(ws);
    nn_net_free(net);
}

/* --- text and model file --------------------------------------------------------------- */

static void expect_parse_error(const char *spec, const char *needle)
{
    nn_layer t[NN_MAX_LAYERS];
    size_t n = 0;
    nn_error err = {{0}};
    nn_status st = nn_net_parse_table(spec, NN_ACT_RELU, t, &n, &err);
    if (st == NN_OK)
        fail_msg("%s: parsed", spec);
    if (strstr(err.msg, needle) == NULL)
        fail_msg("%s: '%s' does not say '%s'", spec, err.msg, needle);
}

static void test_text_form(void **state)
{
    (void)state;
    const char *spec = "8x16,conv3x3x4-same,pool2,cols,bilstm8-seq,step11,ctc";
    nn_net *net = ts_parse_net(spec, NN_ACT_RELU);
    char out[256];
    nn_net_format_table(net, NN_ACT_RELU, out, sizeof out);
    assert_string_equal(out, spec);
    assert_int_equal(net->layers[3].h, 8); /* 8 columns as steps */
    assert_int_equal(net->layers[3].c, 16); /* of 4 rows x 4 channels */
    assert_int_equal(net->layers[5].act, NN_ACT_NONE); /* step rows take no default */
    assert_int_equal(net->layers[6].h, 8);
    assert_int_equal(net->layers[6].c, 11);
    assert_int_equal(nn_net_has_classes(net), 0);
    nn_net_free(net);
    net = ts_parse_net("4x6,cols,step7:relu,step11,ctc", NN_ACT_TANH);
    nn_net_format_table(net, NN_ACT_TANH, out, sizeof out);
    assert_string_equal(out, "4x6,cols,step7:relu,step11,ctc");
    nn_net_free(net);
    expect_parse_error("8x16,cols,bilstm8-seq,step10,ctc", "CTC output reads a sequence of 11");
    expect_parse_error("8x16,cols,bilstm8,ctc", "CTC output");
    expect_parse_error("8x16,cols,16,ctc", "dense");
    expect_parse_error("8x16,step11,ctc", "reads a sequence");
    expect_parse_error("128,cols,step11,ctc", "RxC");
    expect_parse_error("8x16,cols,lstm4-seq,16,cols,step11,ctc", "gives no image");
    expect_parse_error("8x16,cols2,step11,ctc", "cols");
    expect_parse_error("8x16,cols,stepx,ctc", "step11");
    expect_parse_error("8x16,cols,step11,ctc4", "ctc");
    expect_parse_error("8x16,cols,step11,ctc,10", "last");
    expect_parse_error("8x16,cols,step11", "output");
}

/* A reader saved and loaded has the same table and the same bits; info
 * sees no class count in its last row. */
static void test_model_round_trip(void **state)
{
    (void)state;
    nn_net *net = ts_parse_net("6x12,conv3x3x2-same,cols,bigru4-seq,step11,ctc", NN_ACT_RELU);
    ts_fill_uniform(net->params, net->n_params, 0.5f, 51);
    static nn_model_meta meta;
    meta.rows = 6;
    meta.cols = 12;
    meta.n_classes = 10;
    meta.val_accuracy = -1.0f;
    char *dir = ts_make_tmpdir(), *path = ts_join(dir, "reader.nnc");
    nn_error err = {{0}};
    assert_int_equal(nn_model_save(path, net, &meta, &err), NN_OK);
    nn_net *back = NULL;
    static nn_model_meta meta2;
    assert_int_equal(nn_model_load(path, &back, &meta2, &err), NN_OK);
    assert_int_equal(back->n_layers, net->n_layers);
    for (size_t l = 0; l < net->n_layers; l++) {
        assert_int_equal(back->layers[l].kind, net->layers[l].kind);
        assert_int_equal(back->layers[l].h, net->layers[l].h);
        assert_int_equal(back->layers[l].c, net->layers[l].c);
        assert_int_equal(back->layers[l].flags, net->layers[l].flags);
    }
    assert_int_equal(back->n_params, net->n_params);
    assert_memory_equal(back->params, net->params, net->n_params * sizeof(float));
    nn_net_free(back);
    ts_remove_tree(dir);
    free(path);
    free(dir);
    nn_net_free(net);
}

/* --- a tiny reader learns ------------------------------------------------------------- */

enum { TOY_H = 4, TOY_W = 10, TOY_BATCH = 16 };

/* A strip of 1 to 3 digits, each drawn as two columns of its code d + 1 in
 * 4 bits (a pixel per row), then an empty column: labels into lab, their
 * count returned. */
static size_t toy_strip(nn_rng *rng, float *x, uint16_t *lab)
{
    size_t len = 1 + (size_t)(nn_rng_uniform(rng) * 3.0f) % 3;
    memset(x, 0, TOY_H * TOY_W * sizeof *x);
    for (size_t j = 0; j < len; j++) {
        lab[j] = (uint16_t)((size_t)(nn_rng_uniform(rng) * 10.0f) % 10);
        for (size_t y = 0; y < TOY_H; y++)
            if ((lab[j] + 1u) >> y & 1u)
                x[y * TOY_W + 3 * j] = x[y * TOY_W + 3 * j + 1] = 1.0f;
    }
    return len;
}

/* A minibatch of n strips: inputs x, targets (seq, off). */
static void toy_batch(nn_rng *rng, size_t n, float *x, uint16_t *seq, size_t *off)
{
    off[0] = 0;
    for (size_t i = 0; i < n; i++)
        off[i + 1] = off[i] + toy_strip(rng, x + i * TOY_H * TOY_W, seq + off[i]);
}

/* Samples of a minibatch whose greedy reading of the net's probabilities
 * is their labels. */
static size_t toy_read_right(const nn_net *net, nn_workspace *ws, const float *x,
                             const uint16_t *seq, const size_t *off, size_t n)
{
    const float *p = nn_net_forward_batch(net, ws, x, n);
    size_t t = net->layers[net->n_layers - 1].h, right = 0;
    for (size_t i = 0; i < n; i++) {
        nn_ctc_reading r;
        nn_ctc_greedy(p + i * t * 11, t, 11, &r);
        size_t ok = r.len == off[i + 1] - off[i];
        for (size_t j = 0; ok && j < r.len; j++)
            ok = r.sym[j].label == seq[off[i] + j];
        right += ok;
    }
    return right;
}

/* cols -> bilstm -> step11 -> ctc, trained with plain SGD on random strips
 * through nn_net_loss_grad_targets: the loss on held-out strips falls, and
 * the greedy reading is right on nearly all of them. */
static void test_tiny_reader_learns(void **state)
{
    (void)state;
    nn_net *net = ts_parse_net("4x10,cols,bilstm8-seq,step11,ctc", NN_ACT_TANH);
    nn_rng rng;
    nn_rng_seed(&rng, 5);
    nn_net_init(net, &rng);
    enum { HELD = 64 };
    float x[HELD * TOY_H * TOY_W], hx[HELD * TOY_H * TOY_W];
    uint16_t seq[HELD * 3], hseq[HELD * 3];
    size_t off[HELD + 1], hoff[HELD + 1], right = 0;
    toy_batch(&rng, HELD, hx, hseq, hoff);
    nn_targets held = {.seq = hseq, .seq_off = hoff}, tg = {.seq = seq, .seq_off = off};
    nn_workspace *ws = ts_workspace(net, HELD);
    float *grad = malloc(net->n_params * sizeof *grad);
    assert_non_null(grad);
    double before = nn_net_loss_grad_targets(net, ws, hx, &held, HELD, HELD, grad, &right);
    for (size_t step = 0; step < 1500; step++) {
        toy_batch(&rng, TOY_BATCH, x, seq, off);
        nn_net_loss_grad_targets(net, ws, x, &tg, TOY_BATCH, TOY_BATCH, grad, &right);
        for (size_t i = 0; i < net->n_params; i++)
            net->params[i] -= 0.5f * grad[i];
    }
    double after = nn_net_loss_grad_targets(net, ws, hx, &held, HELD, HELD, grad, &right);
    size_t read = toy_read_right(net, ws, hx, hseq, hoff, HELD);
    printf("tiny reader: held-out loss %.3f -> %.3f, %zu/%d read right\n", before / HELD,
           after / HELD, read, HELD);
    assert_true(after < 0.1 * before);
    assert_true(read >= HELD - 2);
    free(grad);
    nn_workspace_free(ws);
    nn_net_free(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loss_matches_brute_force),
        cmocka_unit_test(test_loss_gradient),
        cmocka_unit_test(test_loss_without_alignment),
        cmocka_unit_test(test_output_skips_impossible_samples),
        cmocka_unit_test(test_cols_moves),
        cmocka_unit_test(test_net_gradient),
        cmocka_unit_test(test_single_image_agrees_with_batch),
        cmocka_unit_test(test_text_form),
        cmocka_unit_test(test_model_round_trip),
        cmocka_unit_test(test_tiny_reader_learns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
