/* test_ctc_decode.c - reading labels from per-step probabilities: greedy
 * decoding on hand-made frames (repeats merged, blanks split equal
 * labels, spans), the prefix beam search against a brute-force sum over
 * every path (each reading's probability and rank, distinct readings, a
 * narrow beam never below greedy's labelling), deterministic ties, and
 * odd input. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "nnclass/nn/ctc.h"
#include "test_support.h"

/* --- brute force ---------------------------------------------------------------------- */

/* --- decoding ----------------------------------------------------------------------- */

/* Frames (t, 3) putting mass 0.8 on the class of each step. */
static void frames(const size_t *cls, size_t t, float *p)
{
    for (size_t i = 0; i < t; i++)
        for (size_t c = 0; c < 3; c++)
            p[i * 3 + c] = c == cls[i] ? 0.8f : 0.1f;
}

static void test_greedy(void **state)
{
    (void)state;
    /* 1 1 - 1 0 0 2 - : repeats merged, a blank splits the equal 1s */
    const size_t cls[8] = {2, 2, 0, 2, 1, 1, 0, 0};
    float p[8 * 3];
    frames(cls, 8, p);
    nn_ctc_reading r;
    nn_ctc_greedy(p, 8, 3, &r);
    assert_int_equal(r.len, 3);
    const uint16_t want[3] = {1, 1, 0};
    const size_t first[3] = {0, 3, 4}, last[3] = {1, 3, 5};
    for (size_t j = 0; j < 3; j++) {
        assert_int_equal(r.sym[j].label, want[j]);
        assert_int_equal(r.sym[j].first, first[j]);
        assert_int_equal(r.sym[j].last, last[j]);
        assert_true(fabsf(r.sym[j].prob - 0.8f) < 1e-6f);
    }
    assert_true(fabs(r.logp - 8 * log(0.8)) < 1e-5);
    const size_t blanks[3] = {0, 0, 0};
    frames(blanks, 3, p);
    nn_ctc_greedy(p, 3, 3, &r);
    assert_int_equal(r.len, 0);
}

/* Every labelling of probabilities p (t, k) and its probability, by brute
 * force: up to cap of them into labs/lens/probs; their count. */
typedef struct {
    uint16_t lab[8];
    size_t len;
    double p;
} labelling;

static size_t all_labellings(const double *y, size_t t, size_t k, labelling *out, size_t cap)
{
    size_t path[16] = {0}, n = 0;
    for (;;) {
        labelling l = {.len = 0};
        l.len = ts_ctc_collapse(path, t, l.lab);
        double p = 1.0;
        for (size_t i = 0; i < t; i++)
            p *= y[i * k + path[i]];
        size_t j = 0;
        while (j < n && !(out[j].len == l.len && memcmp(out[j].lab, l.lab, l.len * 2) == 0))
            j++;
        if (j == n) {
            assert_true(n < cap);
            out[n++] = l;
        }
        out[j].p += p;
        size_t i = 0;
        while (i < t && ++path[i] == k)
            path[i++] = 0;
        if (i == t)
            return n;
    }
}

/* A wide beam finds the labellings in the order of their brute-force
 * probabilities, with those probabilities; a narrow one never does worse
 * than greedy's labelling. */
static void test_beam_against_brute_force(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 12; seed++) {
        size_t t = 3 + seed % 4, k = 2 + seed % 3;
        float z[64], p[64];
        double y[64];
        ts_fill_uniform(z, t * k, 2.5f, seed);
        double zd[64];
        for (size_t i = 0; i < t * k; i++)
            zd[i] = z[i];
        ts_softmax_steps(zd, t, k, y);
        for (size_t i = 0; i < t * k; i++)
            p[i] = (float)y[i];
        labelling all[512];
        size_t n_all = all_labellings(y, t, k, all, 512);
        nn_ctc_reading r[5];
        size_t found = 0;
        nn_error err = {{0}};
        assert_int_equal(nn_ctc_beam(p, t, k, 512, r, 5, &found, &err), NN_OK);
        assert_int_equal(found, n_all < 5 ? n_all : 5);
        for (size_t j = 0; j < found; j++) {
            size_t better = 0, same = 0; /* the reading's rank by brute force */
            double want = -1.0;
            for (size_t m = 0; m < n_all; m++) {
                if (all[m].len == r[j].len) {
                    size_t q = 0;
                    while (q < r[j].len && all[m].lab[q] == r[j].sym[q].label)
                        q++;
                    if (q == r[j].len)
                        want = all[m].p, same++;
                }
            }
            assert_int_equal(same, 1);
            for (size_t m = 0; m < n_all; m++)
                better += all[m].p > want * (1 + 1e-6);
            assert_true(better <= j); /* ordered best first */
            assert_true(fabs(exp(r[j].logp) - want) < 1e-6);
            if (j > 0)
                assert_true(r[j].logp <= r[j - 1].logp);
            for (size_t q = 0; q < r[j].len; q++) { /* spans in order, within the steps */
                assert_true(r[j].sym[q].first <= r[j].sym[q].last && r[j].sym[q].last < t);
                if (q > 0)
                    assert_true(r[j].sym[q].first > r[j].sym[q - 1].last);
            }
        }
        /* a narrow beam against greedy's labelling's probability */
        nn_ctc_reading g, b;
        nn_ctc_greedy(p, t, k, &g);
        assert_int_equal(nn_ctc_beam(p, t, k, 1, &b, 1, &found, &err), NN_OK);
        assert_int_equal(found, 1);
        uint16_t gl[16];
        for (size_t q = 0; q < g.len; q++)
            gl[q] = g.sym[q].label;
        double greedy_label_logp = -nn_ctc_loss(z, t, k, gl, g.len, NULL);
        if (!(b.logp >= greedy_label_logp - 1e-6))
            fail_msg("seed %u: a beam of 1 reads %g, greedy's labelling %g", (unsigned)seed,
                     b.logp, greedy_label_logp);
        assert_true(b.logp >= g.logp - 1e-6); /* at least its best path (float logs) */
    }
}

static int same_labels(const nn_ctc_reading *a, const nn_ctc_reading *b)
{
    if (a->len != b->len)
        return 0;
    for (size_t j = 0; j < a->len; j++)
        if (a->sym[j].label != b->sym[j].label)
            return 0;
    return 1;
}

/* Readings are distinct; equal probabilities come out in one fixed order. */
static void test_beam_ties_and_arguments(void **state)
{
    (void)state;
    float p[2 * 3];
    for (size_t i = 0; i < 6; i++)
        p[i] = 1.0f / 3.0f;
    nn_ctc_reading r[9];
    size_t found = 0;
    nn_error err = {{0}};
    assert_int_equal(nn_ctc_beam(p, 2, 3, 16, r, 9, &found, &err), NN_OK);
    /* the labellings of 2 steps over {0, 1}: "", 0, 1, 01, 10 ("00" needs 3) */
    assert_int_equal(found, 5);
    for (size_t j = 0; j < found; j++)
        for (size_t m = j + 1; m < found; m++)
            assert_false(same_labels(&r[j], &r[m]));
    /* 0 and 1 (3 paths each) beat "" (1 path) and 01, 10 (1 path each) */
    assert_int_equal(r[0].len, 1);
    assert_int_equal(r[0].sym[0].label, 0);
    assert_int_equal(r[1].len, 1);
    assert_int_equal(r[1].sym[0].label, 1);
    assert_int_equal(r[2].len, 0);
    assert_int_equal(r[3].len, 2); /* then 01 before 10 */
    assert_int_equal(r[3].sym[0].label, 0);
    assert_int_equal(nn_ctc_beam(p, 2, 3, 0, r, 1, &found, &err), NN_E_ARG);
    assert_int_equal(nn_ctc_beam(p, 2, 3, NN_CTC_MAX_BEAM + 1, r, 1, &found, &err), NN_E_ARG);
    assert_int_equal(nn_ctc_beam(p, 2, 1, 4, r, 1, &found, &err), NN_E_ARG);
}

/* Zero steps, zero probabilities and NaNs: readings, never a crash or a
 * NaN probability. */
static void test_decoders_on_odd_input(void **state)
{
    (void)state;
    nn_ctc_reading r[3];
    size_t found = 9;
    nn_error err = {{0}};
    float p[4 * 3] = {0};
    nn_ctc_greedy(p, 0, 3, &r[0]);
    assert_int_equal(r[0].len, 0);
    assert_int_equal(nn_ctc_beam(p, 0, 3, 4, r, 3, &found, &err), NN_OK);
    assert_int_equal(found, 1); /* the empty reading, surely */
    assert_int_equal(r[0].len, 0);
    assert_true(r[0].logp == 0.0);
    p[0 * 3 + 1] = p[1 * 3 + 1] = p[2 * 3 + 0] = p[3 * 3 + 2] = 1.0f; /* 0 0 - 1, sure */
    assert_int_equal(nn_ctc_beam(p, 4, 3, 4, r, 3, &found, &err), NN_OK);
    assert_int_equal(found, 1); /* every other labelling has probability 0 */
    assert_int_equal(r[0].len, 2);
    assert_true(r[0].logp == 0.0);
    assert_int_equal(r[0].sym[0].first, 0);
    assert_int_equal(r[0].sym[0].last, 1);
    assert_int_equal(r[0].sym[1].first, 3);
    p[5] = NAN;
    assert_int_equal(nn_ctc_beam(p, 4, 3, 4, r, 3, &found, &err), NN_OK);
    for (size_t j = 0; j < found; j++)
        assert_false(isnan(r[j].logp));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_greedy),
        cmocka_unit_test(test_beam_against_brute_force),
        cmocka_unit_test(test_beam_ties_and_arguments),
        cmocka_unit_test(test_decoders_on_odd_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
