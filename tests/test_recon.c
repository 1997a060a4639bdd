/* test_recon.c - the reconstruction output: its loss (sigmoid + binary
 * cross-entropy, the mean per value) against a double-precision reference,
 * its gradient through the generic walk against central finite
 * differences of that reference, its text form, its save -> load round
 * trip, the classifier checks it is spared, and its ONNX export. */
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
#include "nnclass/nn/model.h"
#include "nnclass/nn/net.h"
#include "test_support.h"

/* Values in [0, scale) from seed. */
static void fill(float *v, size_t n, float scale, uint64_t seed)
{
    nn_rng rng;
    nn_rng_seed(&rng, seed);
    for (size_t i = 0; i < n; i++)
        v[i] = scale * nn_rng_uniform(&rng);
}

/* The summed loss of a dense stack ending in recon, in double, from the
 * parameters p: tanh on hidden rows, none on the row before recon (its
 * act is none), then per value max(z,0) - z*y + log(1 + e^-|z|) with y the
 * input itself, averaged over the values of each sample. */
static double ref_loss(const nn_net *net, const double *p, const float *x, size_t batch)
{
    size_t n_in = nn_net_size(net, 0), last = net->n_layers - 1;
    double a[64], z[64], loss = 0.0;
    for (size_t r = 0; r < batch; r++) {
        size_t n = n_in;
        for (size_t j = 0; j < n; j++)
            a[j] = x[r * n_in + j];
        for (size_t l = 1; l < last; l++) {
            size_t m = nn_net_size(net, l);
            const double *w = p + (nn_net_weights(net, l) - net->params);
            const double *b = w + m * n;
            for (size_t i = 0; i < m; i++) {
                double s = b[i];
                for (size_t j = 0; j < n; j++)
                    s += w[i * n + j] * a[j];
                z[i] = net->layers[l].act == NN_ACT_TANH ? tanh(s) : s;
            }
            memcpy(a, z, m * sizeof a[0]);
            n = m;
        }
        double sum = 0.0;
        for (size_t j = 0; j < n; j++) {
            double y = x[r * n_in + j];
            sum += fmax(a[j], 0.0) - a[j] * y + log1p(exp(-fabs(a[j])));
        }
        loss += sum / (double)n;
    }
    return loss;
}

/* nn_net_loss_grad_targets with the inputs as targets against the
 * reference and its central differences, for every parameter. */
static void check_gradient(const char *spec, size_t batch)
{
    nn_net *net = ts_parse_net(spec, NN_ACT_TANH);
    fill(net->params, net->n_params, 1.0f, 11);
    for (size_t i = 0; i < net->n_params; i++)
        net->params[i] -= 0.5f;
    size_t n_in = nn_net_size(net, 0);
    nn_workspace *ws = ts_workspace(net, batch);
    float *x = malloc(batch * n_in * sizeof *x), *grad = malloc(net->n_params * sizeof *grad);
    double *p = malloc(net->n_params * sizeof *p);
    assert_true(x != NULL && grad != NULL && p != NULL);
    fill(x, batch * n_in, 1.0f, 13);
    for (size_t i = 0; i < net->n_params; i++)
        p[i] = net->params[i];
    nn_targets t = {.images = x};
    double loss = nn_net_loss_grad_targets(net, ws, x, &t, batch, batch, grad, NULL);
    double want = ref_loss(net, p, x, batch);
    if (fabs(loss - want) > 1e-5 * (1.0 + fabs(want)))
        fail_msg("%s: loss %g, the reference %g", spec, loss, want);
    const double h = 1e-6;
    for (size_t i = 0; i < net->n_params; i++) {
        double keep = p[i];
        p[i] = keep + h;
        double up = ref_loss(net, p, x, batch);
        p[i] = keep - h;
        double down = ref_loss(net, p, x, batch);
        p[i] = keep;
        double num = (up - down) / (2 * h * (double)batch);
        if (fabs(num - grad[i]) > 1e-5 + 1e-3 * fabs(num))
            fail_msg("%s: d loss / d param %zu is %g, finite differences say %g", spec, i,
                     (double)grad[i], num);
    }
    free(x), free(grad), free(p);
    nn_workspace_free(ws);
    nn_net_free(net);
}

static void test_gradient(void **state)
{
    (void)state;
    check_gradient("6,6:none,recon", 3);
    check_gradient("9,4,3,9:none,recon", 2);
    check_gradient("3x3,5,9:none,recon", 4);
}

/* Large logits of either sign give finite losses (the stable form). */
static void test_loss_is_stable(void **state)
{
    (void)state;
    float z[4] = {80.0f, -80.0f, 80.0f, -80.0f}, y[4] = {0.0f, 1.0f, 1.0f, 0.0f}, d[4];
    nn_targets t = {.images = y};
    size_t right = 0;
    double loss = nn_output_recon_bce.loss_grad(z, &t, 1, 1, 4, d, &right);
    assert_true(isfinite(loss));
    assert_true(fabs(loss - 40.0) < 1e-3); /* (80 + 80 + 0 + 0) / 4 */
    assert_true(fabs(d[0] - 0.25f) < 1e-6 && fabs(d[1] + 0.25f) < 1e-6);
    nn_output_recon_bce.probs(z, 1, 4);
    assert_true(z[0] > 0.99f && z[1] < 0.01f);
}

/* The text form: recon after a flat layer of any width; refused elsewhere. */
static void test_grammar(void **state)
{
    (void)state;
    nn_net *net = ts_parse_net("28x28,128,32,128,784:none,recon", NN_ACT_TANH);
    assert_int_equal(net->layers[5].kind, NN_LAYER_RECON);
    assert_int_equal(nn_net_size(net, 5), 784);
    assert_int_equal(nn_net_has_classes(net), 0);
    char text[256];
    nn_net_format_table(net, NN_ACT_TANH, text, sizeof text);
    assert_string_equal(text, "28x28,128,32,128,784:none,recon");
    nn_net_free(net);
    const char *bad[] = {"28x28,conv5x5x4,recon", "784,recon2", "784,16,recon,10",
                         "784,recon:relu"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        nn_layer t[NN_MAX_LAYERS];
        size_t n = 0;
        nn_error err = {{0}};
        nn_status st = nn_net_parse_table(bad[i], NN_ACT_RELU, t, &n, &err);
        if (st == NN_OK) {
            nn_net *m = NULL;
            st = nn_net_create_table(t, n, &m, &err);
            nn_net_free(m);
        }
        if (st == NN_OK)
            fail_msg("'%s' was accepted", bad[i]);
    }
}

/* Save -> load keeps the kind and the parameters bit for bit, and the
 * data's class count, which an autoencoder's width does not have to match. */
static void round_trip(const char *spec)
{
    nn_net *net = ts_parse_net(spec, NN_ACT_TANH);
    fill(net->params, net->n_params, 0.4f, 60);
    nn_model_meta meta;
    memset(&meta, 0, sizeof meta);
    meta.rows = meta.cols = 28;
    meta.n_classes = 10;
    uint8_t *buf = NULL;
    size_t len = 0;
    nn_error err = {{0}};
    if (nn_model_encode(net, &meta, &buf, &len, &err) != NN_OK)
        fail_msg("encode: %s", err.msg);
    nn_net *back = NULL;
    nn_model_meta meta2;
    if (nn_model_decode(buf, len, "m.nnc", &back, &meta2, &err) != NN_OK)
        fail_msg("decode: %s", err.msg);
    assert_int_equal(back->n_layers, net->n_layers);
    for (size_t l = 0; l < net->n_layers; l++) {
        assert_int_equal(back->layers[l].kind, net->layers[l].kind);
        assert_int_equal(nn_net_size(back, l), nn_net_size(net, l));
        assert_int_equal(back->layers[l].act, net->layers[l].act);
    }
    assert_int_equal(back->layers[net->n_layers - 1].kind, NN_LAYER_RECON);
    assert_int_equal(meta2.n_classes, 10);
    assert_memory_equal(back->params, net->params, net->n_params * sizeof(float));
    nn_net_free(back);
    free(buf);
    nn_net_free(net);
}

static void test_model_round_trip(void **state)
{
    (void)state;
    round_trip("28x28,16,784:none,recon");
    round_trip("28x28,conv3x3x2-same,pool2,up2:tanh,conv3x3x1-same:none,recon");
}

/* Whether the n bytes of s occur in buf (len bytes). */
static int contains(const uint8_t *buf, size_t len, const char *s, size_t n)
{
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(buf + i, s, n) == 0)
            return 1;
    return 0;
}

/* The ONNX export of an autoencoder, dense or conv, ends in a Sigmoid and
 * names its output "reconstruction", with no Softmax. */
static void test_onnx_export(void **state)
{
    (void)state;
    const char *specs[] = {"28x28,16,784:none,recon",
                           "28x28,conv3x3x2-same,pool2,up2,conv3x3x1-same:none,recon"};
    for (size_t i = 0; i < 2; i++) {
        nn_net *net = ts_parse_net(specs[i], NN_ACT_TANH);
        nn_model_meta meta;
        memset(&meta, 0, sizeof meta);
        meta.rows = meta.cols = 28;
        meta.n_classes = 10;
        uint8_t *buf = NULL;
        size_t len = 0;
        nn_error err = {{0}};
        if (nn_onnx_encode(net, &meta, "test", &buf, &len, &err) != NN_OK)
            fail_msg("%s: %s", specs[i], err.msg);
        assert_true(contains(buf, len, "reconstruction", 14));
        assert_true(contains(buf, len, "Sigmoid", 7));
        assert_false(contains(buf, len, "Softmax", 7));
        assert_true(i == 0 || contains(buf, len, "Resize", 6));
        free(buf);
        nn_net_free(net);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gradient),
        cmocka_unit_test(test_loss_is_stable),
        cmocka_unit_test(test_grammar),
        cmocka_unit_test(test_model_round_trip),
        cmocka_unit_test(test_onnx_export),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
