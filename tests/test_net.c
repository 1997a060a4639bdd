/* test_net.c - the network: argument checks of nn_net_create, parameter
 * counts and layout, seeded initialisation, the sgemv and sgemm forward passes
 * against a plain loop, the gradient of every hidden activation and of the
 * softmax cross-entropy loss against central finite differences, and the
 * training step split over blocks of the first layer against the whole. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../src/nn/net_internal.h" /* the two halves of a training step */
#include "nnclass/nn/net.h"
#include "test_support.h"

/* --- helpers ----------------------------------------------------------------- */

static nn_net *make_net(const size_t *sizes, size_t n_layers, nn_activation act)
{
    nn_net *net = NULL;
    nn_error err = {{0}};
    nn_status st = nn_net_create(sizes, n_layers, act, &net, &err);
    if (st != NN_OK)
        fail_msg("nn_net_create: %s", err.msg);
    return net;
}

/* Fills v with uniform values in [lo, hi). */
static void fill_uniform(nn_rng *rng, float *v, size_t n, float lo, float hi)
{
    for (size_t i = 0; i < n; i++)
        v[i] = lo + (hi - lo) * nn_rng_uniform(rng);
}

static double act_d(nn_activation act, double z)
{
    switch (act) {
    case NN_ACT_SIGMOID: return 1.0 / (1.0 + exp(-z));
    case NN_ACT_RELU: return z > 0.0 ? z : 0.0;
    case NN_ACT_TANH: return tanh(z);
    case NN_ACT_STEP:
    case NN_ACT_NONE: return z;
    }
    return z;
}

/* A plain double-precision forward pass written from the definitions,
 * independent of the library: parameters p laid out as documented in net.h,
 * one image x. Writes the output probabilities to probs and returns the
 * cross-entropy -log p_y. If min_abs_z is not NULL it receives the smallest
 * |pre-activation| of any hidden neuron (to keep relu away from its kink). */
static double ref_forward(const size_t *sizes, size_t n_layers, nn_activation act,
                          const double *p, const float *x, size_t y, double *probs,
                          double *min_abs_z)
{
    double a[64], z[64] = {0};
    for (size_t i = 0; i < sizes[0]; i++)
        a[i] = x[i];
    size_t off = 0;
    for (size_t l = 1; l < n_layers; l++) {
        size_t n_in = sizes[l - 1], n_out = sizes[l];
        const double *w = p + off, *b = p + off + n_out * n_in;
        off += n_out * n_in + n_out;
        for (size_t j = 0; j < n_out; j++) {
            double s = b[j];
            for (size_t i = 0; i < n_in; i++)
                s += w[j * n_in + i] * a[i];
            z[j] = s;
        }
        if (l < n_layers - 1) {
            for (size_t j = 0; j < n_out; j++) {
                if (min_abs_z != NULL && fabs(z[j]) < *min_abs_z)
                    *min_abs_z = fabs(z[j]);
                a[j] = act_d(act, z[j]);
            }
        } else {
            double m = z[0], s = 0.0;
            for (size_t j = 1; j < n_out; j++)
                if (z[j] > m)
                    m = z[j];
            for (size_t j = 0; j < n_out; j++)
                s += exp(z[j] - m);
            for (size_t j = 0; j < n_out; j++)
                if (probs != NULL)
                    probs[j] = exp(z[j] - m) / s;
            return log(s) + m - z[y];
        }
    }
    return 0.0;
}

/* Mean loss over a batch, in double. */
static double ref_loss(const size_t *sizes, size_t n_layers, nn_activation act,
                       const double *p, const float *x, const uint8_t *y, size_t batch,
                       double *min_abs_z)
{
    double sum = 0.0;
    for (size_t r = 0; r < batch; r++)
        sum += ref_forward(sizes, n_layers, act, p, x + r * sizes[0], y[r], NULL,
                           min_abs_z);
    return sum / (double)batch;
}

/* --- creation -------------------------------------------------------------------- */

static void expect_arg_error(const size_t *sizes, size_t n_layers, nn_activation act,
                             const char *needle)
{
    nn_net *net = (nn_net *)&net; /* must be reset to NULL */
    nn_error err = {{0}};
    nn_status st = nn_net_create(sizes, n_layers, act, &net, &err);
    assert_int_equal(st, NN_E_ARG);
    assert_null(net);
    if (strstr(err.msg, needle) == NULL)
        fail_msg("message \"%s\" does not mention \"%s\"", err.msg, needle);
}

static void test_create_rejects_bad_arguments(void **state)
{
    (void)state;
    size_t one[] = {784};
    expect_arg_error(one, 0, NN_ACT_SIGMOID, "at least 2 layers");
    expect_arg_error(one, 1, NN_ACT_SIGMOID, "at least 2 layers");
    size_t zero_hidden[] = {784, 16, 0, 10};
    expect_arg_error(zero_hidden, 4, NN_ACT_RELU, "layer 2 has 0 neurons");
    size_t zero_in[] = {0, 10};
    expect_arg_error(zero_in, 2, NN_ACT_RELU, "layer 0 has 0 inputs");
    size_t wide[] = {784, NN_MAX_WIDTH + 1, 10};
    expect_arg_error(wide, 3, NN_ACT_RELU, "layer 1 has 65537 neurons");
    size_t many[NN_MAX_LAYERS + 1];
    for (size_t i = 0; i < NN_MAX_LAYERS + 1; i++)
        many[i] = 4;
    expect_arg_error(many, NN_MAX_LAYERS + 1, NN_ACT_RELU, "17 layers");
    /* 65536 * 1025 weights alone are more than 2^26 parameters. */
    size_t big[] = {65536, 1025, 10};
    expect_arg_error(big, 3, NN_ACT_RELU, "parameters");
    size_t one_class[] = {784, 1};
    expect_arg_error(one_class, 2, NN_ACT_SIGMOID, "at least 2 classes");
    size_t many_classes[] = {784, NN_MAX_CLASSES + 1};
    expect_arg_error(many_classes, 2, NN_ACT_SIGMOID, "257");
    size_t step_hidden[] = {784, 16, 10};
    expect_arg_error(step_hidden, 3, NN_ACT_STEP, "use --layers 784,10");
    size_t ok[] = {784, 10};
    expect_arg_error(ok, 2, (nn_activation)7, "activation");

    /* The limits themselves are accepted. */
    size_t edge[NN_MAX_LAYERS];
    for (size_t i = 0; i < NN_MAX_LAYERS; i++)
        edge[i] = 2;
    nn_net *net = make_net(edge, NN_MAX_LAYERS, NN_ACT_TANH);
    nn_net_free(net);
    nn_net_free(NULL);
}

static void test_counts_and_layout(void **state)
{
    (void)state;
    size_t sizes[] = {784, 16, 10};
    nn_net *net = make_net(sizes, 3, NN_ACT_SIGMOID);
    assert_int_equal(nn_net_neurons(net), 26);
    assert_int_equal(nn_net_weights_count(net), 12704);
    assert_int_equal(nn_net_biases_count(net), 26);
    assert_int_equal(net->n_params, 12730);
    assert_int_equal(nn_net_count_params(sizes, 3), 12730);
    assert_ptr_equal(nn_net_weights(net, 1), net->params);
    assert_ptr_equal(nn_net_biases(net, 1), net->params + 784 * 16);
    assert_ptr_equal(nn_net_weights(net, 2), net->params + 784 * 16 + 16);
    assert_ptr_equal(nn_net_biases(net, 2), net->params + 784 * 16 + 16 + 160);
    for (size_t i = 0; i < net->n_params; i++)
        assert_true(net->params[i] == 0.0f);
    nn_net_free(net);

    size_t big[] = {65536, 1025, 10};
    assert_int_equal(nn_net_count_params(big, 3), 0);
    size_t mlp[] = {784, 256, 128, 10};
    assert_int_equal(nn_net_count_params(mlp, 4),
                     784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10);
}

static void test_names(void **state)
{
    (void)state;
    const nn_activation all[] = {NN_ACT_SIGMOID, NN_ACT_RELU, NN_ACT_TANH, NN_ACT_STEP};
    for (size_t i = 0; i < 4; i++) {
        nn_activation a = (nn_activation)99;
        assert_int_equal(nn_activation_parse(nn_activation_name(all[i]), &a), 0);
        assert_int_equal(a, all[i]);
    }
    nn_activation a;
    assert_int_equal(nn_activation_parse("softmax", &a), -1);
    assert_int_equal(nn_activation_parse("", &a), -1);
    assert_string_equal(nn_activation_name(NN_ACT_RELU), "relu");
}

static void test_scale_and_argmax(void **state)
{
    (void)state;
    uint8_t px[] = {0, 51, 255, 128};
    float out[4];
    nn_scale_pixels(px, 4, out);
    assert_true(out[0] == 0.0f);
    assert_true(out[1] == 0.2f);
    assert_true(out[2] == 1.0f);
    assert_true(out[3] == 128.0f / 255.0f);
    /* Every byte, at every position of a vector: the correctly rounded
     * quotient, bit for bit. */
    uint8_t all[256 + 7];
    float scaled[256 + 7];
    for (size_t offset = 0; offset < 8; offset++) {
        for (size_t i = 0; i < 256; i++)
            all[offset + i] = (uint8_t)i;
        nn_scale_pixels(all + offset, 256, scaled + offset);
        volatile float divisor = 255.0f; /* divide at run time, in float */
        for (size_t i = 0; i < 256; i++) {
            float quotient = (float)i / divisor;
            if (memcmp(&quotient, &scaled[offset + i], sizeof quotient) != 0)
                fail_msg("%zu / 255 scaled to %a, not %a", i, (double)scaled[offset + i],
                         (double)quotient);
        }
    }
    float v[] = {0.1f, 0.7f, 0.2f, 0.7f};
    assert_int_equal(nn_argmax(v, 4), 1);
    assert_int_equal(nn_argmax(v, 1), 0);
}

/* --- initialisation -------------------------------------------------------------- */

static void test_init_deterministic(void **state)
{
    (void)state;
    size_t sizes[] = {784, 16, 10};
    const nn_activation acts[] = {NN_ACT_SIGMOID, NN_ACT_RELU, NN_ACT_TANH};
    for (size_t k = 0; k < 3; k++) {
        nn_net *a = make_net(sizes, 3, acts[k]);
        nn_net *b = make_net(sizes, 3, acts[k]);
        nn_rng ra, rb;
        nn_rng_seed(&ra, 42);
        nn_rng_seed(&rb, 42);
        nn_net_init(a, &ra);
        nn_net_init(b, &rb);
        assert_memory_equal(a->params, b->params, a->n_params * sizeof(float));
        nn_rng_seed(&rb, 43);
        nn_net_init(b, &rb);
        assert_memory_not_equal(a->params, b->params, a->n_params * sizeof(float));

        /* Biases zero; the first layer's weights have the scheme's spread. */
        for (size_t l = 1; l < 3; l++)
            for (size_t j = 0; j < sizes[l]; j++)
                assert_true(nn_net_biases(a, l)[j] == 0.0f);
        const float *w = nn_net_weights(a, 1);
        size_t n = 784 * 16;
        double sum = 0, sq = 0, maxabs = 0;
        for (size_t i = 0; i < n; i++) {
            sum += w[i];
            sq += (double)w[i] * w[i];
            if (fabs(w[i]) > maxabs)
                maxabs = fabs(w[i]);
        }
        double sd = sqrt(sq / (double)n - (sum / (double)n) * (sum / (double)n));
        double want_sd = acts[k] == NN_ACT_RELU ? sqrt(2.0 / 784.0)
                                                 : sqrt(6.0 / 800.0) / sqrt(3.0);
        assert_true(fabs(sd - want_sd) < 0.05 * want_sd);
        if (acts[k] != NN_ACT_RELU)
            assert_true(maxabs <= sqrt(6.0 / 800.0));
        else
            assert_true(maxabs > sqrt(6.0 / 800.0)); /* normal, not bounded */
        nn_net_free(a);
        nn_net_free(b);
    }

    size_t perceptron[] = {784, 10};
    nn_net *p = make_net(perceptron, 2, NN_ACT_STEP);
    p->params[3] = 1.0f;
    nn_rng r;
    nn_rng_seed(&r, 1);
    nn_net_init(p, &r);
    for (size_t i = 0; i < p->n_params; i++)
        assert_true(p->params[i] == 0.0f);
    nn_net_free(p);
}

/* --- forward passes ------------------------------------------------------------------ */

/* One image through a plain float loop (no BLAS), for comparison. */
static void plain_forward(const nn_net *net, const float *x, float *out)
{
    float a[1024], z[1024];
    memcpy(a, x, nn_net_size(net, 0) * sizeof(float));
    for (size_t l = 1; l < net->n_layers; l++) {
        size_t n_in = nn_net_size(net, l - 1), n_out = nn_net_size(net, l);
        const float *w = nn_net_weights(net, l), *b = nn_net_biases(net, l);
        for (size_t j = 0; j < n_out; j++) {
            double s = b[j];
            for (size_t i = 0; i < n_in; i++)
                s += (double)w[j * n_in + i] * a[i];
            z[j] = (float)s;
        }
        if (l < net->n_layers - 1) {
            for (size_t j = 0; j < n_out; j++)
                a[j] = (float)act_d(nn_net_hidden(net), z[j]);
        } else {
            double m = z[0], s = 0;
            for (size_t j = 1; j < n_out; j++)
                m = z[j] > m ? z[j] : m;
            for (size_t j = 0; j < n_out; j++)
                s += exp(z[j] - m);
            for (size_t j = 0; j < n_out; j++)
                out[j] = (float)(exp(z[j] - m) / s);
        }
    }
}

static void check_forward_agree(const size_t *sizes, size_t n_layers, nn_activation act)
{
    enum { BATCH = 37 };
    nn_net *net = make_net(sizes, n_layers, act);
    nn_rng rng;
    nn_rng_seed(&rng, 7);
    nn_net_init(net, &rng);
    if (act == NN_ACT_STEP)
        fill_uniform(&rng, net->params, net->n_params, -0.05f, 0.05f);
    else
        for (size_t l = 1; l < n_layers; l++) /* non-zero biases exercise the bias add */
            fill_uniform(&rng, nn_net_biases(net, l), sizes[l], -0.3f, 0.3f);
    size_t n_in = sizes[0], n_out = sizes[n_layers - 1];
    float *x = malloc(BATCH * n_in * sizeof(float));
    float *single = malloc(n_out * sizeof(float));
    float *plain = malloc(n_out * sizeof(float));
    uint8_t *px = malloc(BATCH * n_in);
    for (size_t i = 0; i < BATCH * n_in; i++)
        px[i] = (uint8_t)nn_rng_below(&rng, 256);
    nn_scale_pixels(px, BATCH * n_in, x);

    nn_workspace *ws1 = ts_workspace(net, 1);
    nn_workspace *wsb = ts_workspace(net, BATCH);
    const float *batch = nn_net_forward_batch(net, wsb, x, BATCH);
    for (size_t r = 0; r < BATCH; r++) {
        memcpy(single, nn_net_forward(net, ws1, x + r * n_in), n_out * sizeof(float));
        plain_forward(net, x + r * n_in, plain);
        double sum = 0;
        for (size_t j = 0; j < n_out; j++) {
            assert_float_equal(single[j], plain[j], 1e-5);
            assert_float_equal(batch[r * n_out + j], plain[j], 1e-5);
            sum += batch[r * n_out + j];
        }
        assert_float_equal(sum, 1.0, 1e-5);
    }
    nn_workspace_free(ws1);
    nn_workspace_free(wsb);
    free(x);
    free(single);
    free(plain);
    free(px);
    nn_net_free(net);
}

static void test_forward_blas_matches_plain_loop(void **state)
{
    (void)state;
    size_t mnist[] = {784, 16, 10};
    size_t deep[] = {20, 13, 9, 5};
    size_t logistic[] = {784, 10};
    const nn_activation acts[] = {NN_ACT_SIGMOID, NN_ACT_RELU, NN_ACT_TANH};
    for (size_t k = 0; k < 3; k++) {
        check_forward_agree(mnist, 3, acts[k]);
        check_forward_agree(deep, 4, acts[k]);
    }
    check_forward_agree(logistic, 2, NN_ACT_STEP);
    check_forward_agree(logistic, 2, NN_ACT_SIGMOID);
}

static void test_softmax_is_stable(void **state)
{
    (void)state;
    /* Huge logits: a naive exp would overflow to inf and give NaN. */
    size_t sizes[] = {2, 3};
    nn_net *net = make_net(sizes, 2, NN_ACT_SIGMOID);
    float *w = nn_net_weights(net, 1);
    w[0] = 1000.0f; /* z0 = 1000 x0 */
    w[3] = 999.0f;  /* z1 = 999 x1 */
    nn_workspace *ws = ts_workspace(net, 1);
    float x[] = {1.0f, 1.0f};
    const float *p = nn_net_forward(net, ws, x);
    assert_float_equal(p[0], 1.0 / (1.0 + exp(-1.0)), 1e-6);
    assert_float_equal(p[1], exp(-1.0) / (1.0 + exp(-1.0)), 1e-6);
    assert_true(p[2] == 0.0f);
    float grad[9];
    uint8_t y = 2;
    float loss = nn_net_loss_grad(net, ws, x, &y, 1, grad, NULL);
    assert_true(isfinite(loss));
    assert_float_equal(loss, 1000.0 + log(1.0 + exp(-1.0)), 1e-3);
    nn_workspace_free(ws);
    nn_net_free(net);
}

/* --- gradient ------------------------------------------------------------------------ */

/*
 * The analytic gradient (float, BLAS) against central differences of the mean
 * loss computed in double by ref_loss, with eps = 1e-6: in double the
 * truncation error is O(eps^2 * f''') ~ 1e-12 and the rounding error
 * ~ 1e-16 / eps ~ 1e-10, so the reference is exact to far below float
 * precision. The float path carries relative rounding of about 1e-6 per
 * operation over a few dozen operations, so the two agree to
 * |analytic - numeric| <= 2e-5 + 1e-3 |numeric|; a wrong derivative factor,
 * a missing 1/batch or a transposed product would miss by orders of magnitude.
 */
static void check_gradient(const size_t *sizes, size_t n_layers, nn_activation act,
                           uint64_t seed)
{
    enum { BATCH = 5 };
    nn_net *net = make_net(sizes, n_layers, act);
    nn_rng rng;
    nn_rng_seed(&rng, seed);
    size_t n_in = sizes[0], n_classes = sizes[n_layers - 1];
    float x[BATCH * 16];
    uint8_t y[BATCH];
    double *p = malloc(net->n_params * sizeof(double));

    /* Random weights, biases and inputs; for relu, retry until every hidden
     * pre-activation is at least 1e-2 from the kink at 0 (eps moves it by far
     * less), so that the loss is smooth where it is differentiated. */
    double min_abs_z;
    int tries = 0;
    do {
        assert_true(++tries < 1000);
        nn_net_init(net, &rng);
        for (size_t l = 1; l < n_layers; l++)
            fill_uniform(&rng, nn_net_biases(net, l), sizes[l], -0.5f, 0.5f);
        fill_uniform(&rng, x, BATCH * n_in, -1.0f, 1.0f);
        for (size_t r = 0; r < BATCH; r++)
            y[r] = (uint8_t)nn_rng_below(&rng, n_classes);
        for (size_t i = 0; i < net->n_params; i++)
            p[i] = net->params[i];
        min_abs_z = INFINITY;
        ref_loss(sizes, n_layers, act, p, x, y, BATCH, &min_abs_z);
    } while (act == NN_ACT_RELU && min_abs_z < 1e-2);

    nn_workspace *ws = ts_workspace(net, BATCH);
    float *grad = malloc(net->n_params * sizeof(float));
    for (size_t i = 0; i < net->n_params; i++)
        grad[i] = NAN; /* every entry must be written */
    size_t correct = 999;
    float loss = nn_net_loss_grad(net, ws, x, y, BATCH, grad, &correct);
    double want = ref_loss(sizes, n_layers, act, p, x, y, BATCH, NULL);
    assert_float_equal(loss, want, 1e-5 * (1.0 + fabs(want)));

    /* The count of right predictions, from the reference probabilities. */
    size_t right = 0;
    for (size_t r = 0; r < BATCH; r++) {
        double probs[16];
        ref_forward(sizes, n_layers, act, p, x + r * n_in, y[r], probs, NULL);
        size_t arg = 0;
        for (size_t j = 1; j < n_classes; j++)
            if (probs[j] > probs[arg])
                arg = j;
        right += arg == y[r];
    }
    assert_int_equal(correct, right);

    const double eps = 1e-6;
    double worst = 0;
    for (size_t i = 0; i < net->n_params; i++) {
        double keep = p[i];
        p[i] = keep + eps;
        double up = ref_loss(sizes, n_layers, act, p, x, y, BATCH, NULL);
        p[i] = keep - eps;
        double down = ref_loss(sizes, n_layers, act, p, x, y, BATCH, NULL);
        p[i] = keep;
        double numeric = (up - down) / (2 * eps);
        double diff = fabs((double)grad[i] - numeric);
        if (diff > 2e-5 + 1e-3 * fabs(numeric))
            fail_msg("%s net, %zu layers: d loss / d param %zu is %.8g, finite "
                     "differences say %.8g", nn_activation_name(act), n_layers, i,
                     (double)grad[i], numeric);
        if (diff > worst)
            worst = diff;
    }
    nn_workspace_free(ws);
    free(grad);
    free(p);
    nn_net_free(net);
}

static void test_gradient_matches_finite_differences(void **state)
{
    (void)state;
    size_t a[] = {7, 5, 4, 3};
    size_t b[] = {6, 3};
    size_t c[] = {5, 6, 4, 5, 3}; /* three hidden layers */
    const nn_activation acts[] = {NN_ACT_SIGMOID, NN_ACT_RELU, NN_ACT_TANH};
    for (size_t k = 0; k < 3; k++) {
        for (uint64_t seed = 1; seed <= 3; seed++) {
            check_gradient(a, 4, acts[k], seed);
            check_gradient(b, 2, acts[k], seed);
            check_gradient(c, 5, acts[k], seed);
        }
    }
}

/* A training step computed in two halves over ranges of layer 1's blocks
 * (as threads share it out) gives the very bits of the whole step, and each
 * half writes only its own rows of layer 1's gradient. 20 neurons make the
 * blocks 8 + 8 + 4; the ranges are [0, 8) and [8, 20). */
static void test_step_in_blocks_matches_whole(void **state)
{
    (void)state;
    const nn_activation acts[] = {NN_ACT_SIGMOID, NN_ACT_RELU, NN_ACT_TANH};
    size_t sizes[] = {784, 20, 12, 10};
    const size_t batch = 64, n1 = 20, n_in = 784;
    const size_t cut = NN_FIRST_BLOCK;
    for (size_t k = 0; k < 3; k++) {
        nn_net *net = make_net(sizes, 4, acts[k]);
        nn_rng rng;
        nn_rng_seed(&rng, 7 + k);
        nn_net_init(net, &rng);
        nn_workspace *ws = ts_workspace(net, batch);
        float *x = malloc(batch * n_in * sizeof(float));
        uint8_t y[64];
        for (size_t i = 0; i < batch * n_in; i++)
            x[i] = (float)(nn_rng_next(&rng) % 256) / 255.0f;
        for (size_t r = 0; r < batch; r++)
            y[r] = (uint8_t)(nn_rng_next(&rng) % 10);
        float *whole = malloc(net->n_params * sizeof(float));
        float *halves = malloc(net->n_params * sizeof(float));
        float *a1 = malloc(batch * n1 * sizeof(float));
        float loss = nn_net_loss_grad(net, ws, x, y, batch, whole, NULL);

        nn_net_forward_first(net, x, batch, 0, cut, a1);
        nn_net_forward_first(net, x, batch, cut, n1, a1);
        for (size_t i = 0; i < net->n_params; i++)
            halves[i] = NAN;
        float loss_lo = nn_net_loss_grad_from_first(net, ws, x, a1, y, batch, 0, cut, halves,
                                                    NULL);
        /* Rows [cut, n1) of dW1 and entries of db1 are still untouched. */
        for (size_t i = cut * n_in; i < n1 * n_in; i++)
            assert_true(isnan(halves[i]));
        for (size_t j = cut; j < n1; j++)
            assert_true(isnan(halves[n1 * n_in + j]));
        float loss_hi = nn_net_loss_grad_from_first(net, ws, x, a1, y, batch, cut, n1, halves,
                                                    NULL);
        assert_true(loss_lo == loss && loss_hi == loss);
        assert_memory_equal(whole, halves, net->n_params * sizeof(float));
        free(a1);
        free(halves);
        free(whole);
        free(x);
        nn_workspace_free(ws);
        nn_net_free(net);
    }
}

/* With all parameters zero every class has probability 1/C: the loss is
 * log C and the output bias gradient is mean(1/C - onehot(y)). */
static void test_zero_net_loss(void **state)
{
    (void)state;
    size_t sizes[] = {4, 3, 5};
    nn_net *net = make_net(sizes, 3, NN_ACT_TANH);
    nn_workspace *ws = ts_workspace(net, 4);
    float x[16] = {0.5f, 0.25f, 1.0f, 0.0f};
    uint8_t y[4] = {0, 4, 4, 2};
    float *grad = malloc(net->n_params * sizeof(float));
    float loss = nn_net_loss_grad(net, ws, x, y, 4, grad, NULL);
    assert_float_equal(loss, log(5.0), 1e-6);
    const float *db = grad + (nn_net_biases(net, 2) - net->params);
    const double want[5] = {0.2 - 0.25, 0.2, 0.2 - 0.25, 0.2, 0.2 - 0.5};
    for (size_t j = 0; j < 5; j++)
        assert_float_equal(db[j], want[j], 1e-6);
    free(grad);
    nn_workspace_free(ws);
    nn_net_free(net);
}

static void test_workspace_arguments(void **state)
{
    (void)state;
    size_t sizes[] = {4, 3};
    nn_net *net = make_net(sizes, 2, NN_ACT_SIGMOID);
    nn_workspace *ws = (nn_workspace *)&ws;
    nn_error err = {{0}};
    assert_int_equal(nn_workspace_create(net, 0, &ws, &err), NN_E_ARG);
    assert_null(ws);
    nn_workspace_free(NULL);
    nn_net_free(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_rejects_bad_arguments),
        cmocka_unit_test(test_counts_and_layout),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_scale_and_argmax),
        cmocka_unit_test(test_init_deterministic),
        cmocka_unit_test(test_forward_blas_matches_plain_loop),
        cmocka_unit_test(test_softmax_is_stable),
        cmocka_unit_test(test_gradient_matches_finite_differences),
        cmocka_unit_test(test_step_in_blocks_matches_whole),
        cmocka_unit_test(test_zero_net_loss),
        cmocka_unit_test(test_workspace_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
