/* test_read_strips.c - reading strips in one or two passes (read_strips.c):
 * the shift, one pass as the plain beam search, and two passes ranking the
 * proposals of both by the mean of their exact log probabilities. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <math.h>

#include <cmocka.h>

#include "nnclass/nn/ctc.h"
#include "nnclass/nn/net.h"
#include "nnclass/nn/read_strips.h"

#define ROWS 4
#define COLS 16
#define N 12

/* A tiny reader: 4x16 strips pooled to 2x8, read as 8 steps of 4 columns
 * (so the second pass moves a strip by 1 column), a CTC output. */
static nn_net *tiny_reader(void)
{
    nn_layer rows[NN_MAX_LAYERS];
    size_t n = 0;
    nn_net *net = NULL;
    nn_error err = {{0}};
    assert_int_equal(nn_net_parse_table("4x16,pool2,cols,step11,ctc", NN_ACT_RELU, rows, &n,
                                        &err), NN_OK);
    assert_int_equal(nn_net_create_table(rows, n, &net, &err), NN_OK);
    for (size_t i = 0; i < net->n_params; i++)
        net->params[i] = (float)((i * 7) % 13) * 0.08f - 0.45f;
    /* no ink: surely blank steps; ink: no blank, unsure digits */
    nn_net_biases(net, 3)[0] = 8.0f;
    float *w = nn_net_weights(net, 3);
    w[0] = w[1] = -12.0f;
    return net;
}

/* N strips of varied ink, the last two columns blank; the first two
 * strips blank. */
static void make_strips(uint8_t *px)
{
    for (size_t i = 0; i < N * ROWS * COLS; i++) {
        size_t col = i % COLS;
        px[i] = col >= COLS - 2 || i < 2 * ROWS * COLS ? 0
                                                       : (uint8_t)((i * 97 + i / 64 * 31) % 251);
    }
}

/* The per-step probabilities of n strips as the net gives them. */
static void plain_probs(const nn_net *net, const uint8_t *px, size_t n, float *out)
{
    nn_workspace *ws = NULL;
    nn_error err = {{0}};
    float x[N * ROWS * COLS];
    assert_int_equal(nn_workspace_create_forward(net, N, &ws, &err), NN_OK);
    nn_scale_pixels(px, n * ROWS * COLS, x);
    const float *p = nn_net_forward_batch(net, ws, x, n);
    memcpy(out, p, n * 8 * NN_CTC_CLASSES * sizeof *out);
    nn_workspace_free(ws);
}

static void test_shift(void **state)
{
    (void)state;
    assert_int_equal(nn_read_shift(128, 32), 2);
    assert_int_equal(nn_read_shift(16, 8), 1);
    assert_int_equal(nn_read_shift(28, 28), 0);
    assert_int_equal(nn_read_shift(28, 0), 0);
    const uint8_t src[2 * 5] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    uint8_t dst[2 * 5];
    nn_strip_shift(src, 2, 5, 2, dst);
    const uint8_t want[2 * 5] = {0, 0, 1, 2, 3, 0, 0, 6, 7, 8};
    assert_memory_equal(dst, want, sizeof want);
    nn_strip_shift(src, 2, 5, 9, dst); /* more than the width: all blank */
    for (size_t i = 0; i < sizeof dst; i++)
        assert_int_equal(dst[i], 0);
}

/* One pass reads as nn_ctc_beam does (greedy with a beam of 1). */
static void test_one_pass(void **state)
{
    (void)state;
    nn_net *net = tiny_reader();
    uint8_t px[N * ROWS * COLS];
    float probs[N * 8 * NN_CTC_CLASSES];
    make_strips(px);
    plain_probs(net, px, N, probs);
    nn_strip_reader *sr = NULL;
    nn_error err = {{0}};
    size_t bad = 99;
    assert_int_equal(nn_strip_reader_create(net, N, 1, 4, &sr, &err), NN_OK);
    assert_int_equal(nn_strip_reader_forward(sr, px, N, &bad, &err), NN_OK);
    for (size_t i = 0; i < N; i++) {
        nn_ctc_reading got[4], want[4];
        size_t n_got = 0, n_want = 0;
        assert_int_equal(nn_strip_reader_decode(sr, i, got, 4, &n_got, &err), NN_OK);
        assert_int_equal(nn_ctc_beam(probs + i * 8 * NN_CTC_CLASSES, 8, NN_CTC_CLASSES, 4,
                                     want, 4, &n_want, &err), NN_OK);
        assert_int_equal(n_got, n_want);
        for (size_t j = 0; j < n_got; j++) {
            assert_int_equal(got[j].len, want[j].len);
            assert_true(fabs(got[j].logp - want[j].logp) < 1e-9);
            for (size_t s = 0; s < got[j].len; s++)
                assert_int_equal(got[j].sym[s].label, want[j].sym[s].label);
        }
    }
    nn_strip_reader_free(sr);
    assert_int_equal(nn_strip_reader_create(net, N, 2, 1, &sr, &err), NN_OK);
    assert_int_equal(nn_strip_reader_forward(sr, px, N, &bad, &err), NN_OK);
    nn_ctc_reading g, r;
    size_t n_got = 0;
    assert_int_equal(nn_strip_reader_decode(sr, 3, &r, 1, &n_got, &err), NN_OK);
    nn_ctc_greedy(probs + 3 * 8 * NN_CTC_CLASSES, 8, NN_CTC_CLASSES, &g);
    assert_int_equal(n_got, 1);
    assert_int_equal(r.len, g.len);
    assert_true(fabs(r.logp - g.logp) < 1e-9);
    nn_strip_reader_free(sr);
    nn_net_free(net);
}

/* The log probability of labels under probs, exactly. */
static double exact_logp(const float *probs, const nn_ctc_reading *r)
{
    float logp[8 * NN_CTC_CLASSES];
    uint16_t lab[NN_CTC_MAX_LABELS];
    for (size_t j = 0; j < 8 * NN_CTC_CLASSES; j++)
        logp[j] = logf(probs[j]);
    for (size_t j = 0; j < r->len; j++)
        lab[j] = r->sym[j].label;
    return -nn_ctc_loss(logp, 8, NN_CTC_CLASSES, lab, r->len, NULL);
}

/* Two passes: a strip whose first reading is sure keeps the one pass's
 * readings; for the others each reading's log probability is the mean of
 * its exact ones on the strip and on the strip moved by a column, best
 * first, and the best is at least as probable so as every reading either
 * pass proposes alone. */
static void test_two_passes(void **state)
{
    (void)state;
    nn_net *net = tiny_reader();
    uint8_t px[N * ROWS * COLS], moved[N * ROWS * COLS];
    float p0[N * 8 * NN_CTC_CLASSES], p1[N * 8 * NN_CTC_CLASSES];
    make_strips(px);
    for (size_t i = 0; i < N; i++)
        nn_strip_shift(px + i * ROWS * COLS, ROWS, COLS, 1, moved + i * ROWS * COLS);
    plain_probs(net, px, N, p0);
    plain_probs(net, moved, N, p1);
    nn_strip_reader *sr = NULL;
    nn_error err = {{0}};
    size_t bad = 0, again = 0, sure = 0;
    assert_int_equal(nn_strip_reader_create(net, N, 2, 3, &sr, &err), NN_OK);
    assert_int_equal(nn_strip_reader_forward(sr, px, N, &bad, &err), NN_OK);
    for (size_t i = 0; i < N; i++) {
        const float *a = p0 + i * 8 * NN_CTC_CLASSES, *b = p1 + i * 8 * NN_CTC_CLASSES;
        nn_ctc_reading got[6], alone[3];
        size_t n_got = 0, n_alone = 0;
        assert_int_equal(nn_strip_reader_decode(sr, i, got, 6, &n_got, &err), NN_OK);
        assert_true(n_got >= 1 && n_got <= 6);
        assert_int_equal(nn_ctc_beam(a, 8, NN_CTC_CLASSES, 3, alone, 3, &n_alone, &err), NN_OK);
        if (exp(alone[0].logp) >= NN_READ_SURE) { /* kept as the first pass read it */
            assert_int_equal(n_got, n_alone);
            for (size_t j = 0; j < n_got; j++)
                assert_true(fabs(got[j].logp - alone[j].logp) < 1e-9);
            sure++;
            continue;
        }
        again++;
        for (size_t j = 0; j < n_got; j++) {
            double want = 0.5 * (exact_logp(a, &got[j]) + exact_logp(b, &got[j]));
            assert_true(fabs(got[j].logp - want) < 1e-6);
            if (j > 0)
                assert_true(got[j].logp <= got[j - 1].logp);
        }
        for (int pass = 0; pass < 2; pass++) {
            const float *p = pass ? b : a;
            assert_int_equal(nn_ctc_beam(p, 8, NN_CTC_CLASSES, 3, alone, 3, &n_alone, &err),
                             NN_OK);
            for (size_t j = 0; j < n_alone; j++)
                assert_true(got[0].logp >= 0.5 * (exact_logp(a, &alone[j]) +
                                                  exact_logp(b, &alone[j])) - 1e-6);
        }
    }
    assert_true(again > 0 && sure > 0); /* both ways were taken */
    nn_strip_reader_free(sr);
    nn_net_free(net);
}

static void test_refused(void **state)
{
    (void)state;
    nn_net *net = tiny_reader(), *mlp = NULL;
    nn_strip_reader *sr = NULL;
    nn_error err = {{0}};
    assert_int_equal(nn_strip_reader_create(net, N, 3, 4, &sr, &err), NN_E_ARG);
    assert_int_equal(nn_strip_reader_create(net, N, 0, 4, &sr, &err), NN_E_ARG);
    assert_int_equal(nn_strip_reader_create(net, N, 2, NN_READ_MAX_OUT + 1, &sr, &err),
                     NN_E_ARG);
    assert_null(sr);
    static const size_t sizes[] = {64, 3, 2};
    assert_int_equal(nn_net_create(sizes, 3, NN_ACT_RELU, &mlp, &err), NN_OK);
    assert_int_equal(nn_strip_reader_create(mlp, N, 2, 4, &sr, &err), NN_E_ARG);
    assert_int_equal(nn_strip_reader_create(net, 2, 2, 4, &sr, &err), NN_OK);
    uint8_t px[N * ROWS * COLS] = {0};
    size_t bad = 0;
    assert_int_equal(nn_strip_reader_forward(sr, px, 3, &bad, &err), NN_E_ARG);
    nn_strip_reader_free(sr);
    nn_net_free(mlp);
    nn_net_free(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shift),
        cmocka_unit_test(test_one_pass),
        cmocka_unit_test(test_two_passes),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
