/* test_net_layers.c - the layer table: conv and pool layers' forward pass
 * against a naive seven-loop reference in double precision, the gradient
 * of every kind of layer (conv valid and same, several channel counts, a
 * non-square input, pooling, upsampling, conv->pool->conv->dense, a conv
 * autoencoder's reconstruction loss) against central finite differences of
 * that reference, the one-image path against the minibatch
 * path, the text grammar of the table with every class of malformed token,
 * and a conv net's training giving the same bits for 1, 2 and 3 threads. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nnclass/nn/net.h"
#include "nnclass/base/rng.h"
#include "nnclass/nn/train.h"
#include "test_support.h"
#include "../src/nn/layers/layers.h" /* the naive references beside the tuned kernels */

/* --- helpers ----------------------------------------------------------------- */

/* Random parameters (weights and biases alike) in [-0.5, 0.5). */
static void randomize(nn_net *net, uint64_t seed)
{
    nn_rng rng;
    nn_rng_seed(&rng, seed);
    for (size_t i = 0; i < net->n_params; i++)
        net->params[i] = nn_rng_uniform(&rng) - 0.5f;
}

static void fill_inputs(float *x, size_t n, uint64_t seed)
{
    nn_rng rng;
    nn_rng_seed(&rng, seed);
    for (size_t i = 0; i < n; i++)
        x[i] = nn_rng_uniform(&rng);
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

/* --- the reference: every layer from its definition, in double ---------------- */

/* Layer l of one image, in double: a (sizes[l-1]) -> z (sizes[l]), the
 * activation applied to hidden layers. p holds the parameters in the
 * documented layout. A conv is the seven loops over (image), output row,
 * output column, output channel, kernel row, kernel column, input channel. */
static void ref_layer(const nn_net *net, size_t l, const double *p, const double *a, double *z)
{
    const nn_layer *L = &net->layers[l], *P = &net->layers[l - 1];
    size_t off = (size_t)(nn_net_weights(net, l) - net->params);
    const double *w = p + off, *b = w + nn_net_layer_weights(net, l);
    switch (L->kind) {
    case NN_LAYER_DENSE:
        for (size_t j = 0; j < nn_net_size(net, l); j++) {
            double s = b[j];
            for (size_t i = 0; i < nn_net_size(net, l - 1); i++)
                s += w[j * nn_net_size(net, l - 1) + i] * a[i];
            z[j] = s;
        }
        break;
    case NN_LAYER_CONV: {
        long pad = L->same ? (long)(L->k - 1) / 2 : 0;
        for (size_t oy = 0; oy < L->h; oy++)
            for (size_t ox = 0; ox < L->w; ox++)
                for (size_t co = 0; co < L->c; co++) {
                    double s = b[co];
                    for (size_t ky = 0; ky < L->k; ky++)
                        for (size_t kx = 0; kx < L->k; kx++)
                            for (size_t ci = 0; ci < P->c; ci++) {
                                long iy = (long)(oy + ky) - pad, ix = (long)(ox + kx) - pad;
                                if (iy < 0 || ix < 0 || iy >= (long)P->h || ix >= (long)P->w)
                                    continue;
                                s += w[((co * L->k + ky) * L->k + kx) * P->c + ci] *
                                     a[((size_t)iy * P->w + (size_t)ix) * P->c + ci];
                            }
                    z[(oy * L->w + ox) * L->c + co] = s;
                }
        break;
    }
    case NN_LAYER_POOL:
        for (size_t oy = 0; oy < L->h; oy++)
            for (size_t ox = 0; ox < L->w; ox++)
                for (size_t c = 0; c < L->c; c++) {
                    double m = -INFINITY;
                    for (size_t dy = 0; dy < 2; dy++)
                        for (size_t dx = 0; dx < 2; dx++) {
                            double v = a[((2 * oy + dy) * P->w + 2 * ox + dx) * P->c + c];
                            if (v > m)
                                m = v;
                        }
                    z[(oy * L->w + ox) * L->c + c] = m;
                }
        break;
    case NN_LAYER_UPSAMPLE: /* output (y, x) is input (y/2, x/2) */
        for (size_t oy = 0; oy < L->h; oy++)
            for (size_t ox = 0; ox < L->w; ox++)
                for (size_t c = 0; c < L->c; c++)
                    z[(oy * L->w + ox) * L->c + c] = a[((oy / 2) * P->w + ox / 2) * P->c + c];
        break;
    case NN_LAYER_RECON: /* its scores are its input's values */
        memcpy(z, a, nn_net_size(net, l) * sizeof *z);
        break;
    default: /* the input; recurrent kinds have their own tests (test_recurrent.c) */
        fail_msg("no reference for a %s layer", nn_layer_kind_name(L->kind));
    }
    if (l < net->n_layers - 1)
        for (size_t j = 0; j < nn_net_size(net, l); j++)
            z[j] = act_d(L->act, z[j]);
}

/* Mean cross-entropy of a minibatch under parameters p (for an
 * autoencoder, the mean over images of each one's mean binary
 * cross-entropy against its input); probs (batch, n_classes) receives the
 * softmax when not NULL; layer_out, when not NULL, receives layer
 * `which`'s outputs (batch, sizes[which]). */
static double ref_loss(const nn_net *net, const double *p, const float *x, const uint8_t *y,
                       size_t batch, double *probs, size_t which, double *layer_out)
{
    size_t widest = 0;
    for (size_t l = 0; l < net->n_layers; l++)
        if (nn_net_size(net, l) > widest)
            widest = nn_net_size(net, l);
    double *a = malloc(widest * sizeof *a), *z = malloc(widest * sizeof *z);
    assert_non_null(a);
    assert_non_null(z);
    size_t last = net->n_layers - 1, nc = nn_net_size(net, last);
    double loss = 0.0;
    for (size_t r = 0; r < batch; r++) {
        for (size_t i = 0; i < nn_net_size(net, 0); i++)
            a[i] = x[r * nn_net_size(net, 0) + i];
        for (size_t l = 1; l <= last; l++) {
            ref_layer(net, l, p, a, z);
            if (layer_out != NULL && l == which)
                memcpy(layer_out + r * nn_net_size(net, l), z, nn_net_size(net, l) * sizeof *z);
            memcpy(a, z, nn_net_size(net, l) * sizeof *z);
        }
        if (!nn_net_has_classes(net)) {
            double sum = 0.0;
            for (size_t j = 0; j < nc; j++) {
                double t = x[r * nc + j];
                sum += fmax(a[j], 0.0) - a[j] * t + log1p(exp(-fabs(a[j])));
            }
            loss += sum / (double)nc;
            continue;
        }
        double m = a[0], s = 0.0;
        for (size_t j = 1; j < nc; j++)
            if (a[j] > m)
                m = a[j];
        for (size_t j = 0; j < nc; j++)
            s += exp(a[j] - m);
        loss += log(s) + m - a[y[r]];
        if (probs != NULL)
            for (size_t j = 0; j < nc; j++)
                probs[r * nc + j] = exp(a[j] - m) / s;
    }
    free(a);
    free(z);
    return loss / (double)batch;
}

/* --- forward passes ------------------------------------------------------------- */

/* Every layer's output of a minibatch, and the probabilities, against the
 * reference. */
static void check_forward(const char *spec, nn_activation act, size_t batch)
{
    nn_net *net = ts_parse_net(spec, act);
    randomize(net, 7);
    nn_workspace *ws = ts_workspace(net, batch);
    float *x = malloc(batch * nn_net_size(net, 0) * sizeof *x);
    uint8_t *y = calloc(batch, 1);
    double *p = malloc(net->n_params * sizeof *p);
    assert_true(x != NULL && y != NULL && p != NULL);
    fill_inputs(x, batch * nn_net_size(net, 0), 11);
    for (size_t i = 0; i < net->n_params; i++)
        p[i] = net->params[i];
    const float *probs = nn_net_forward_batch(net, ws, x, batch);
    size_t last = net->n_layers - 1, nc = nn_net_size(net, last);
    double *want = malloc(batch * nc * sizeof *want);
    assert_non_null(want);
    ref_loss(net, p, x, y, batch, want, 0, NULL);
    for (size_t i = 0; i < batch * nc; i++)
        if (fabs(probs[i] - want[i]) > 1e-5)
            fail_msg("%s: probability %zu is %g, the reference says %g", spec, i,
                     (double)probs[i], want[i]);
    for (size_t l = 1; l < last; l++) {
        double *ref = malloc(batch * nn_net_size(net, l) * sizeof *ref);
        assert_non_null(ref);
        ref_loss(net, p, x, y, batch, NULL, l, ref);
        const float *got = nn_workspace_output(ws, l);
        for (size_t i = 0; i < batch * nn_net_size(net, l); i++)
            if (fabs(got[i] - ref[i]) > 1e-5 * (1.0 + fabs(ref[i])))
                fail_msg("%s: layer %zu output %zu is %g, the seven loops say %g", spec, l, i,
                         (double)got[i], ref[i]);
        free(ref);
    }
    free(want);
    free(p);
    free(x);
    free(y);
    nn_workspace_free(ws);
    nn_net_free(net);
}

static void test_conv_forward_matches_reference(void **state)
{
    (void)state;
    check_forward("6x7,conv3x3x2:none,3", NN_ACT_RELU, 3);
    check_forward("6x7,conv3x3x4-same:none,3", NN_ACT_RELU, 2);
    check_forward("9x5,conv5x5x3,4", NN_ACT_RELU, 4);
    check_forward("8x8,conv3x3x5-same,pool2,conv3x3x2,pool2:relu,10", NN_ACT_TANH, 3);
    check_forward("7x9,conv1x1x3:sigmoid,conv7x7x2-same,2", NN_ACT_TANH, 2);
    check_forward("5x7,conv3x3x2-same,up2,conv3x3x3,up2:relu,4", NN_ACT_TANH, 3);
    /* Enough images that a conv layer's sgemm goes in several chunks. */
    check_forward("28x28,conv5x5x4,pool2,conv3x3x3-same,10", NN_ACT_RELU, 9);
    /* Channels past the matmul kernel's whole tiles of 32 and 16 and the
     * pooling's blocks of 64: every path of both. */
    check_forward("6x6,conv3x3x70,pool2,3", NN_ACT_TANH, 3);
    check_forward("8x8,conv3x3x17-same,pool2,conv3x3x33,3", NN_ACT_RELU, 2);
}

/* One image through nn_net_forward (sgemv for the dense layers) gives the
 * probabilities of the same image in a minibatch (sgemm). */
static void test_single_image_agrees_with_batch(void **state)
{
    (void)state;
    const char *specs[] = {"12x16,conv3x3x4-same,pool2,conv3x3x6,pool2,16,5",
                           "28x28,conv5x5x8,pool2,32,10", "28x28,16,10"};
    for (size_t s = 0; s < sizeof specs / sizeof specs[0]; s++) {
        nn_net *net = ts_parse_net(specs[s], NN_ACT_RELU);
        randomize(net, 3 + s);
        size_t batch = 5, n_in = nn_net_size(net, 0), nc = nn_net_size(net, net->n_layers - 1);
        nn_workspace *wb = ts_workspace(net, batch), *w1 = ts_workspace(net, 1);
        float *x = malloc(batch * n_in * sizeof *x);
        assert_non_null(x);
        fill_inputs(x, batch * n_in, 5);
        const float *pb = nn_net_forward_batch(net, wb, x, batch);
        for (size_t r = 0; r < batch; r++) {
            const float *p1 = nn_net_forward(net, w1, x + r * n_in);
            for (size_t j = 0; j < nc; j++)
                if (fabsf(p1[j] - pb[r * nc + j]) > 1e-5f)
                    fail_msg("%s: image %zu class %zu: one image %g, minibatch %g", specs[s], r,
                             j, (double)p1[j], (double)pb[r * nc + j]);
        }
        free(x);
        nn_workspace_free(wb);
        nn_workspace_free(w1);
        nn_net_free(net);
    }
}

/* --- gradients ------------------------------------------------------------------ */

/* The gradient of the mean loss from nn_net_loss_grad (float) against
 * central differences of the double-precision reference, every parameter. */
static void check_gradient(const char *spec, nn_activation act, size_t batch)
{
    nn_net *net = ts_parse_net(spec, act);
    randomize(net, 21);
    size_t n_in = nn_net_size(net, 0), nc = nn_net_size(net, net->n_layers - 1);
    nn_workspace *ws = ts_workspace(net, batch);
    float *x = malloc(batch * n_in * sizeof *x), *grad = malloc(net->n_params * sizeof *grad);
    uint8_t *y = malloc(batch);
    double *p = malloc(net->n_params * sizeof *p);
    assert_true(x != NULL && grad != NULL && y != NULL && p != NULL);
    fill_inputs(x, batch * n_in, 23);
    for (size_t r = 0; r < batch; r++)
        y[r] = (uint8_t)(r % nc);
    for (size_t i = 0; i < net->n_params; i++)
        p[i] = net->params[i];
    nn_targets t = {.images = x};
    float loss = nn_net_has_classes(net)
                     ? nn_net_loss_grad(net, ws, x, y, batch, grad, NULL)
                     : (float)(nn_net_loss_grad_targets(net, ws, x, &t, batch, batch, grad,
                                                        NULL) / (double)batch);
    double want_loss = ref_loss(net, p, x, y, batch, NULL, 0, NULL);
    assert_true(fabs(loss - want_loss) < 1e-5 * (1.0 + fabs(want_loss)));
    const double h = 1e-6;
    double worst = 0.0;
    for (size_t i = 0; i < net->n_params; i++) {
        double keep = p[i];
        p[i] = keep + h;
        double up = ref_loss(net, p, x, y, batch, NULL, 0, NULL);
        p[i] = keep - h;
        double down = ref_loss(net, p, x, y, batch, NULL, 0, NULL);
        p[i] = keep;
        double num = (up - down) / (2 * h);
        double diff = fabs(num - grad[i]);
        if (diff > worst)
            worst = diff;
        if (diff > 1e-4 + 1e-3 * fabs(num))
            fail_msg("%s: d loss / d param %zu is %g, finite differences say %g", spec, i,
                     (double)grad[i], num);
    }
    free(x);
    free(grad);
    free(y);
    free(p);
    nn_workspace_free(ws);
    nn_net_free(net);
}

static void test_gradient_conv_valid(void **state)
{
    (void)state;
    check_gradient("6x7,conv3x3x2,3", NN_ACT_TANH, 3);
    check_gradient("7x5,conv3x3x1:sigmoid,conv2x2x3,4", NN_ACT_TANH, 2);
}

static void test_gradient_conv_same(void **state)
{
    (void)state;
    check_gradient("5x6,conv3x3x3-same,4", NN_ACT_SIGMOID, 3);
    check_gradient("6x4,conv5x5x2-same:tanh,conv3x3x4-same,3", NN_ACT_SIGMOID, 2);
}

static void test_gradient_pool(void **state)
{
    (void)state;
    check_gradient("6x8,conv3x3x2-same,pool2,3", NN_ACT_TANH, 3);
    check_gradient("4x6,conv1x1x3,pool2:tanh,3", NN_ACT_NONE, 2);
    check_gradient("4x4,conv3x3x70-same,pool2,3", NN_ACT_TANH, 2);
}

static void test_gradient_upsample(void **state)
{
    (void)state;
    check_gradient("4x6,conv3x3x2-same,up2,conv3x3x3-same,3", NN_ACT_TANH, 3);
    check_gradient("3x5,up2:tanh,conv3x3x2,4", NN_ACT_SIGMOID, 2); /* odd sides, its own act */
    check_gradient("8x8,conv3x3x2-same,pool2,up2,conv3x3x1-same:none,recon", NN_ACT_TANH, 3);
    check_gradient("8x4,conv3x3x3-same,pool2,conv3x3x2-same,pool2,up2,conv3x3x3-same,up2,"
                   "conv3x3x1-same:none,recon", NN_ACT_RELU, 2);
}

static void test_gradient_conv_pool_conv_dense(void **state)
{
    (void)state;
    check_gradient("8x6,conv3x3x4-same,pool2,conv3x3x2,5,3", NN_ACT_TANH, 3);
    check_gradient("10x10,conv3x3x3,pool2,conv3x3x4-same,pool2,6,4", NN_ACT_RELU, 3);
}

/* --- the text grammar ------------------------------------------------------------- */

static void test_parse_round_trip(void **state)
{
    (void)state;
    const char *specs[] = {"784,16,10", "28x28,conv5x5x16,pool2,conv5x5x32,pool2,128,10",
                           "28x28,conv3x3x8-same:tanh,pool2:relu,64:sigmoid,10",
                           "28x28,conv3x3x4-same,pool2,up2,conv3x3x1-same:none,recon",
                           "7x7,up2:tanh,10"};
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
        nn_net *net = ts_parse_net(specs[i], NN_ACT_RELU);
        char out[256];
        nn_net_format_table(net, NN_ACT_RELU, out, sizeof out);
        assert_string_equal(out, specs[i]);
        nn_net_free(net);
    }
    nn_net *net = ts_parse_net("28x28,conv5x5x16,pool2,conv5x5x32,pool2,128,10", NN_ACT_RELU);
    assert_int_equal(nn_net_size(net, 1), 24 * 24 * 16);
    assert_int_equal(nn_net_size(net, 4), 4 * 4 * 32);
    assert_int_equal(net->n_params, (25 * 16 + 16) + (400 * 32 + 32) + (512 * 128 + 128) +
                                        (128 * 10 + 10));
    assert_false(nn_net_is_dense(net));
    nn_net_free(net);
    net = ts_parse_net("784,16,10", NN_ACT_RELU);
    assert_true(nn_net_is_dense(net));
    nn_net_free(net);
}

static void expect_parse_error(const char *spec, const char *token, const char *why)
{
    nn_layer t[NN_MAX_LAYERS];
    size_t n = 99;
    nn_error err = {{0}};
    nn_status st = nn_net_parse_table(spec, NN_ACT_RELU, t, &n, &err);
    if (st != NN_E_ARG || strstr(err.msg, token) == NULL || strstr(err.msg, why) == NULL)
        fail_msg("'%s': got status %d, message '%s'; wanted '%s' and '%s'", spec, (int)st,
                 err.msg, token, why);
    assert_int_equal(n, 0);
}

static void test_parse_rejects_malformed(void **state)
{
    (void)state;
    expect_parse_error("", "empty", "empty");
    expect_parse_error("28x28,,10", "empty entry", "empty");
    expect_parse_error("28x28,conv5x5x0,10", "'conv5x5x0'", "at least 1");
    expect_parse_error("28x28,conv0x0x4,10", "'conv0x0x4'", "at least 1");
    expect_parse_error("0x28,10", "'0x28'", "0 pixels");
    expect_parse_error("28x28,0,10", "'0'", "0 neurons");
    expect_parse_error("8x8,conv9x9x4,10", "'conv9x9x4'", "bigger than its 8x8 input");
    expect_parse_error("28x28,conv4x4x4,pool2,10", "'pool2'", "even");
    expect_parse_error("28x28,pool3,10", "'pool3'", "pool2");
    expect_parse_error("28x28,up3,10", "'up3'", "up2");
    expect_parse_error("28x28,up2x,10", "'up2x'", "up2");
    expect_parse_error("28x28,64,up2,10", "'up2'", "needs an image");
    expect_parse_error("784,up2,10", "'up2'", "RxC");
    expect_parse_error("3000x16,up2,10", "'up2'", "cap");
    expect_parse_error("28x28,conv3x3x4,up2", "'up2'", "dense");
    expect_parse_error("28x28,conv3x3x2-same,recon", "'recon'", "one-channel");
    expect_parse_error("28x28,64,conv3x3x4,10", "'conv3x3x4'", "follow a dense layer");
    expect_parse_error("28x28,64,pool2,10", "'pool2'", "follow a dense layer");
    expect_parse_error("784,conv3x3x4,10", "'conv3x3x4'", "RxC");
    expect_parse_error("28x28,conv3x5x4,10", "'conv3x5x4'", "square");
    expect_parse_error("28x28,conv4x4x4-same,10", "'conv4x4x4-same'", "odd kernel");
    expect_parse_error("28x28,conv3x3x4-wide,10", "'conv3x3x4-wide'", "convKxKxC");
    expect_parse_error("28x28,conv17x17x4,10", "'conv17x17x4'", "cap");
    expect_parse_error("28x28,conv3x3x2000,10", "'conv3x3x2000'", "cap");
    expect_parse_error("28x28,conv3x3x200-same,10", "'conv3x3x200-same'", "cap");
    expect_parse_error("28x28,70000,10", "'70000'", "cap");
    expect_parse_error("28x28,99999999999,10", "'99999999999'", "number of neurons");
    expect_parse_error("28x28,conv3x3x4,pool2", "'pool2'", "dense");
    expect_parse_error("28x28,16,1", "'1'", "2 to 256 classes");
    expect_parse_error("28x28,16:swish,10", "'16:swish'", "unknown activation");
    expect_parse_error("28x28,16:step,10", "'16:step'", "unknown activation");
    expect_parse_error("28x28,16,10:relu", "'10:relu'", "softmax");
    expect_parse_error("28x28:relu,10", "'28x28:relu'", "no activation");
    expect_parse_error("28y28,10", "'28y28'", "RxC");
    expect_parse_error("28x28,dense,10", "'dense'", "expected a number");
    expect_parse_error("10", "'10'", "at least an input");
    expect_parse_error("28x28,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,10", "'10'", "more than 16");
}

/* --- training --------------------------------------------------------------------- */

/* --hidden's rows read with the table's grammar: dense rows with the
 * default activation, each token's errors by name, the row cap counted
 * without the input and output. */
static void test_parse_hidden(void **state)
{
    (void)state;
    nn_layer t[NN_MAX_LAYERS];
    size_t n = 0;
    nn_error err = {{0}};
    assert_int_equal(nn_net_parse_hidden("16,8", NN_ACT_TANH, t, &n, &err), NN_OK);
    assert_int_equal(n, 2);
    assert_int_equal(t[0].kind, NN_LAYER_DENSE);
    assert_int_equal(t[0].c, 16);
    assert_int_equal(t[1].c, 8);
    assert_int_equal(t[1].act, NN_ACT_TANH);
    assert_int_equal(nn_net_parse_hidden("16,0", NN_ACT_TANH, t, &n, &err), NN_E_ARG);
    assert_non_null(strstr(err.msg, "'0'"));
    assert_int_equal(nn_net_parse_hidden("", NN_ACT_TANH, t, &n, &err), NN_E_ARG);
    char many[64] = "1";
    for (size_t i = 1; i < NN_MAX_LAYERS - 2; i++)
        strcat(many, ",1");
    assert_int_equal(nn_net_parse_hidden(many, NN_ACT_RELU, t, &n, &err), NN_OK);
    assert_int_equal(n, NN_MAX_LAYERS - 2);
    strcat(many, ",1");
    assert_int_equal(nn_net_parse_hidden(many, NN_ACT_RELU, t, &n, &err), NN_E_ARG);
    assert_non_null(strstr(err.msg, "hidden layers"));
}

/* An output other than the softmax: its targets are one float per score
 * (not a byte label), its loss the summed squared error, its gradient
 * (z - target) / norm; its probabilities the scores themselves. */
static void identity_probs(float *z, size_t rows, size_t n)
{
    (void)z, (void)rows, (void)n;
}

static double squared_error(float *z, const nn_targets *t, size_t batch, size_t norm,
                            size_t n, float *delta, size_t *right)
{
    double loss = 0.0;
    for (size_t i = 0; i < batch * n; i++) {
        double d = (double)z[i] - t->images[i];
        loss += 0.5 * d * d;
        delta[i] = (float)(d / (double)norm);
    }
    *right += 0;
    return loss;
}

static const nn_output_ops squared_output = {.name = "squared", .probs = identity_probs,
                                             .loss_grad = squared_error};

/* A last row whose kind names its own output: the walks hand that output
 * the scores and take back its gradient, whatever its targets are. Here a
 * dense row with a squared-error output, checked against the formula for
 * one linear layer: dL/dW = (z - t) x^T / batch. */
static void test_output_of_the_last_row(void **state)
{
    (void)state;
    static nn_layer_ops with_output;
    with_output = *nn_layer_ops_of(NN_LAYER_DENSE);
    with_output.name = "regress";
    with_output.output = &squared_output;
    nn_layer t[2] = {nn_layer_input_row(1, 1, 3), nn_layer_dense_row(2, NN_ACT_NONE)};
    t[1].kind = nn_layer_add_kind(&with_output);
    nn_net *net = NULL;
    nn_error err = {{0}};
    assert_int_equal(nn_net_create_table(t, 2, &net, &err), NN_OK);
    randomize(net, 3);
    nn_workspace *ws = NULL;
    assert_int_equal(nn_workspace_create(net, 4, &ws, &err), NN_OK);
    float x[12], target[8], z[8];
    fill_inputs(x, 12, 4);
    fill_inputs(target, 8, 5);
    const float *w = nn_net_weights(net, 1), *b = nn_net_biases(net, 1);
    double want = 0.0;
    for (size_t r = 0; r < 4; r++)
        for (size_t j = 0; j < 2; j++) {
            double s = b[j];
            for (size_t i = 0; i < 3; i++)
                s += (double)w[j * 3 + i] * x[r * 3 + i];
            z[r * 2 + j] = (float)s;
            want += 0.5 * (s - target[r * 2 + j]) * (s - target[r * 2 + j]);
        }
    nn_targets targets = {.images = target};
    float *grad = calloc(net->n_params, sizeof *grad);
    assert_non_null(grad);
    size_t right = 0;
    double loss = nn_net_loss_grad_targets(net, ws, x, &targets, 4, 4, grad, &right);
    assert_true(fabs(loss - want) < 1e-4 * (1.0 + want));
    for (size_t j = 0; j < 2; j++)
        for (size_t i = 0; i < 3; i++) {
            double g = 0.0;
            for (size_t r = 0; r < 4; r++)
                g += ((double)z[r * 2 + j] - target[r * 2 + j]) * x[r * 3 + i] / 4.0;
            assert_true(fabs(grad[j * 3 + i] - g) < 1e-4);
        }
    const float *probs = nn_net_forward_batch(net, ws, x, 4);
    for (size_t i = 0; i < 8; i++) /* the identity, not a softmax */
        assert_true(fabsf(probs[i] - z[i]) < 1e-5f);
    free(grad);
    nn_workspace_free(ws);
    nn_net_free(net);
}

/* A conv net trained on random images gives the very same bits with 1, 2
 * and 3 threads, with augmentation on. */
static void test_conv_training_same_for_any_threads(void **state)
{
    (void)state;
    const size_t n = 200, rows = 12, cols = 12;
    uint8_t *pixels = malloc(n * rows * cols), *lab = malloc(n);
    assert_true(pixels != NULL && lab != NULL);
    nn_rng rng;
    nn_rng_seed(&rng, 99);
    for (size_t i = 0; i < n * rows * cols; i++)
        pixels[i] = (uint8_t)nn_rng_below(&rng, 256);
    for (size_t i = 0; i < n; i++)
        lab[i] = (uint8_t)nn_rng_below(&rng, 4);
    nn_dataset data = nn_dataset_view(pixels, lab, n, rows, cols, 4);

    nn_net *first = NULL;
    for (size_t threads = 1; threads <= 3; threads++) {
        nn_net *net = ts_parse_net("12x12,conv3x3x4-same,pool2,conv3x3x6,pool2,8,4", NN_ACT_RELU);
        nn_rng init;
        nn_rng_seed(&init, 5);
        nn_net_init(net, &init);
        nn_train_options opt;
        nn_train_options_default(&opt);
        opt.epochs = 2;
        opt.batch = 22; /* parts of 5 and 6 images */
        opt.val_count = 20;
        opt.augment = 2;
        opt.threads = threads;
        nn_error err = {{0}};
        nn_status st = nn_train(net, &data, &opt, NULL, NULL, &err);
        if (st != NN_OK)
            fail_msg("nn_train with %zu threads: %s", threads, err.msg);
        if (first == NULL) {
            first = net;
            continue;
        }
        if (memcmp(first->params, net->params, net->n_params * sizeof(float)) != 0)
            fail_msg("%zu threads trained other weights than 1 thread", threads);
        nn_net_free(net);
    }
    nn_net_free(first);
    free(pixels);
    free(lab);
}

/* Each tuned forward kernel (sgemm, im2col + sgemm in chunks) against the
 * plain loops written beside it, layer by layer, on several batch sizes
 * (a chunk boundary included). The naive loops sum in double: agreement to
 * 1e-4 relative is what float sums of <= 400 terms of size <= 1 allow. */
static void check_kernel_against_naive(const char *spec, size_t l,
                                       void (*naive)(const nn_layer_run *, const float *,
                                                     float *, size_t))
{
    nn_net *net = ts_parse_net(spec, NN_ACT_TANH);
    randomize(net, 7);
    const size_t batches[] = {1, 3, 200};
    for (size_t bi = 0; bi < 3; bi++) {
        size_t batch = batches[bi];
        nn_layer_run run = nn_net_layer_run(net, l);
        size_t keep = 0, bytes = 0, temp = 0;
        const nn_layer_ops *ops = nn_layer_ops_of(net->layers[l].kind);
        ops->scratch(run.prev, run.layer, batch, 0, &keep, &bytes, &temp);
        float *in = malloc(batch * run.n_in * sizeof *in);
        float *tuned = malloc(batch * run.n_out * sizeof *tuned);
        float *plain = malloc(batch * run.n_out * sizeof *plain);
        float *room = malloc((temp + 1) * sizeof *room);
        assert_non_null(in && tuned && plain && room);
        run.temp = room;
        fill_inputs(in, batch * run.n_in, 11 + batch);
        ops->forward(&run, in, tuned, batch);
        naive(&run, in, plain, batch);
        for (size_t i = 0; i < batch * run.n_out; i++)
            if (fabsf(tuned[i] - plain[i]) > 1e-4f * (1.0f + fabsf(plain[i])))
                fail_msg("%s layer %zu batch %zu: output %zu is %g, the plain loops say %g",
                         spec, l, batch, i, tuned[i], plain[i]);
        free(in);
        free(tuned);
        free(plain);
        free(room);
    }
    nn_net_free(net);
}

static void test_dense_kernel_matches_naive(void **state)
{
    (void)state;
    check_kernel_against_naive("28x28,40,10", 1, nn_dense_forward_naive);
    check_kernel_against_naive("28x28,40,10", 2, nn_dense_forward_naive);
    check_kernel_against_naive("6x6,conv3x3x4,5", 2, nn_dense_forward_naive);
}

static void test_conv_kernel_matches_naive(void **state)
{
    (void)state;
    check_kernel_against_naive("28x28,conv5x5x3,10", 1, nn_conv_forward_naive);
    check_kernel_against_naive("28x28,conv5x5x3-same,10", 1, nn_conv_forward_naive);
    check_kernel_against_naive("9x7,conv3x3x2-same,conv3x3x4,10", 2, nn_conv_forward_naive);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dense_kernel_matches_naive),
        cmocka_unit_test(test_conv_kernel_matches_naive),
        cmocka_unit_test(test_conv_forward_matches_reference),
        cmocka_unit_test(test_single_image_agrees_with_batch),
        cmocka_unit_test(test_gradient_conv_valid),
        cmocka_unit_test(test_gradient_conv_same),
        cmocka_unit_test(test_gradient_pool),
        cmocka_unit_test(test_gradient_upsample),
        cmocka_unit_test(test_gradient_conv_pool_conv_dense),
        cmocka_unit_test(test_parse_round_trip),
        cmocka_unit_test(test_parse_rejects_malformed),
        cmocka_unit_test(test_parse_hidden),
        cmocka_unit_test(test_output_of_the_last_row),
        cmocka_unit_test(test_conv_training_same_for_any_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
