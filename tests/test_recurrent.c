/* test_recurrent.c - the recurrent layers (rnn, gru, lstm): the tuned time
 * loops against the plain double-precision reference, their
 * backpropagation through time against central finite differences of that
 * reference (one and both directions, last step and every step, stacked,
 * through the whole net's loss), one image against a minibatch, the text
 * grammar, a save/load round trip, training that gives the same bits for 1,
 * 2 and 3 threads, and nets that learn to count the ones of a bit string. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "nnclass/base/rng.h"
#include "nnclass/nn/model.h"
#include "nnclass/nn/net.h"
#include "nnclass/nn/train.h"
#include "test_support.h"

#include "../src/nn/layers/recurrent.h"

static const char *cell_name[] = {"rnn", "gru", "lstm"};

static double *to_double(const float *v, size_t n)
{
    double *d = malloc(n * sizeof *d);
    assert_non_null(d);
    for (size_t i = 0; i < n; i++)
        d[i] = v[i];
    return d;
}

/* --- the time loops against the reference ------------------------------------------ */

/* One layer's buffers for a minibatch. */
typedef struct {
    nn_rec_dims d;
    size_t n_w, n_b, n_x, n_y;
    float *p, *x, *y, *z, *c, *temp, *dy, *dw, *dx;
} loops;

/* h = 3 runs the matrix kernel's one-at-a-time columns only; h = 20 (80,
 * 60 or 20 gate columns) its tiles of 32 and 16 columns too. */
static const size_t units[] = {3, 20};

static loops loops_new(nn_cell cell, size_t dirs, size_t h, uint64_t seed)
{
    loops L = {.d = {.cell = cell, .batch = 3, .t = 5, .f = 4, .h = h, .dirs = dirs}};
    L.n_w = nn_rec_weights(cell, L.d.f, L.d.h, dirs);
    L.n_b = nn_rec_biases(cell, L.d.h, dirs);
    L.n_x = L.d.batch * L.d.t * L.d.f;
    L.n_y = L.d.batch * L.d.t * dirs * L.d.h;
    L.p = malloc((L.n_w + L.n_b) * sizeof(float));
    L.x = malloc(L.n_x * sizeof(float));
    L.y = malloc(L.n_y * sizeof(float));
    L.z = malloc(nn_rec_z_size(&L.d) * sizeof(float));
    L.c = malloc((nn_rec_c_size(&L.d) + 1) * sizeof(float));
    L.temp = malloc(nn_rec_temp_size(&L.d) * sizeof(float));
    L.dy = malloc(L.n_y * sizeof(float));
    L.dw = malloc((L.n_w + L.n_b) * sizeof(float));
    L.dx = malloc(L.n_x * sizeof(float));
    assert_true(L.p && L.x && L.y && L.z && L.c && L.temp && L.dy && L.dw && L.dx);
    ts_fill_uniform(L.p, L.n_w + L.n_b, 0.6f, seed);
    ts_fill_uniform(L.x, L.n_x, 1.0f, seed + 1);
    return L;
}

static void loops_free(loops *L)
{
    free(L->p), free(L->x), free(L->y), free(L->z), free(L->c);
    free(L->temp), free(L->dy), free(L->dw), free(L->dx);
}

static void test_loops_match_reference(void **state)
{
    (void)state;
    for (int cell = 0; cell < 3; cell++)
        for (size_t run = 0; run < 4; run++) { /* directions 1, 2 by units 3, 20 */
            size_t dirs = 1 + run / 2;
            loops L = loops_new((nn_cell)cell, dirs, units[run % 2], 10 + cell);
            nn_rec_forward(&L.d, L.p, L.p + L.n_w, L.x, L.y, L.z, L.c, L.temp);
            double *p = to_double(L.p, L.n_w + L.n_b), *x = to_double(L.x, L.n_x);
            double *want = malloc(L.n_y * sizeof *want);
            assert_non_null(want);
            assert_int_equal(nn_rec_forward_naive(&L.d, p, p + L.n_w, x, want), 0);
            for (size_t i = 0; i < L.n_y; i++)
                if (fabs(want[i] - L.y[i]) > 1e-5)
                    fail_msg("%s, %zu direction(s), %zu units: y[%zu] is %g, the reference %g",
                             cell_name[cell], dirs, L.d.h, i, (double)L.y[i], want[i]);
            free(p), free(x), free(want);
            loops_free(&L);
        }
}

/* sum(g . y) of the reference, for finite differences. */
static double weighted_output(const loops *L, const double *p, const double *x,
                              const double *g)
{
    double *y = malloc(L->n_y * sizeof *y), s = 0.0;
    assert_non_null(y);
    assert_int_equal(nn_rec_forward_naive(&L->d, p, p + L->n_w, x, y), 0);
    for (size_t i = 0; i < L->n_y; i++)
        s += g[i] * y[i];
    free(y);
    return s;
}

/* Central differences of the reference against an analytic gradient. */
static void expect_close(const char *what, const loops *L, double *v, size_t n,
                         const float *grad, double *p, double *x, const double *g)
{
    const double h = 1e-6;
    for (size_t i = 0; i < n; i++) {
        double keep = v[i];
        v[i] = keep + h;
        double up = weighted_output(L, p, x, g);
        v[i] = keep - h;
        double down = weighted_output(L, p, x, g);
        v[i] = keep;
        double num = (up - down) / (2 * h);
        if (fabs(num - grad[i]) > 1e-4 + 1e-3 * fabs(num))
            fail_msg("%s, %zu direction(s): %s %zu: %g, finite differences %g",
                     cell_name[L->d.cell], L->d.dirs, what, i, (double)grad[i], num);
    }
}

/* Backpropagation through time against finite differences, for every
 * weight, bias and input, with a random dL/dY on every step. */
static void test_loops_gradient(void **state)
{
    (void)state;
    for (int cell = 0; cell < 3; cell++)
        for (size_t run = 0; run < 4; run++) { /* directions 1, 2 by units 3, 20 */
            loops L = loops_new((nn_cell)cell, 1 + run / 2, units[run % 2], 20 + cell);
            ts_fill_uniform(L.dy, L.n_y, 1.0f, 30 + cell);
            double *g = to_double(L.dy, L.n_y);
            nn_rec_forward(&L.d, L.p, L.p + L.n_w, L.x, L.y, L.z, L.c, L.temp);
            nn_rec_backward(&L.d, L.p, L.x, L.y, L.z, L.c, L.dy, L.dw, L.dx, L.temp);
            double *p = to_double(L.p, L.n_w + L.n_b), *x = to_double(L.x, L.n_x);
            expect_close("parameter", &L, p, L.n_w + L.n_b, L.dw, p, x, g);
            expect_close("input", &L, x, L.n_x, L.dx, p, x, g);
            free(p), free(x), free(g);
            loops_free(&L);
        }
}

/* --- whole nets ---------------------------------------------------------------------- */

/* Layer l of one sample in double: a recurrent row through the reference
 * (then its last step, or every step), a dense row with its activation. */
static void ref_layer(const nn_net *net, size_t l, const double *p, const double *a, double *z)
{
    const nn_layer *L = &net->layers[l], *P = &net->layers[l - 1];
    const double *w = p + (nn_net_weights(net, l) - net->params);
    const double *b = w + nn_net_layer_weights(net, l);
    if (L->kind == NN_LAYER_DENSE) {
        size_t n_in = nn_net_size(net, l - 1);
        for (size_t j = 0; j < L->c; j++) {
            double s = b[j];
            for (size_t i = 0; i < n_in; i++)
                s += w[j * n_in + i] * a[i];
            z[j] = l + 1 < net->n_layers && L->act == NN_ACT_TANH ? tanh(s) : s;
        }
        return;
    }
    nn_cell cell = L->kind == NN_LAYER_LSTM ? NN_CELL_LSTM
                 : L->kind == NN_LAYER_GRU ? NN_CELL_GRU : NN_CELL_RNN;
    size_t dirs = L->flags & NN_REC_BIDIRECTIONAL ? 2 : 1, h = L->units;
    nn_rec_dims d = {.cell = cell, .batch = 1, .t = P->h, .f = P->w * P->c, .h = h,
                     .dirs = dirs};
    double *y = malloc(d.t * dirs * h * sizeof *y);
    assert_non_null(y);
    assert_int_equal(nn_rec_forward_naive(&d, w, b, a, y), 0);
    if (L->flags & NN_REC_SEQUENCE) {
        memcpy(z, y, d.t * dirs * h * sizeof *z);
    } else {
        memcpy(z, y + (d.t - 1) * dirs * h, h * sizeof *z);
        if (dirs == 2)
            memcpy(z + h, y + h, h * sizeof *z);
    }
    free(y);
}

/* The summed cross-entropy of a minibatch through the reference. */
static double ref_loss(const nn_net *net, const double *p, const float *x,
                       const uint8_t *labels, size_t batch)
{
    double loss = 0.0;
    size_t widest = 0;
    for (size_t l = 0; l < net->n_layers; l++)
        widest = nn_net_size(net, l) > widest ? nn_net_size(net, l) : widest;
    double *a = malloc(widest * sizeof *a), *z = malloc(widest * sizeof *z);
    assert_true(a != NULL && z != NULL);
    for (size_t r = 0; r < batch; r++) {
        for (size_t i = 0; i < nn_net_size(net, 0); i++)
            a[i] = x[r * nn_net_size(net, 0) + i];
        for (size_t l = 1; l < net->n_layers; l++) {
            ref_layer(net, l, p, a, z);
            memcpy(a, z, nn_net_size(net, l) * sizeof *a);
        }
        size_t nc = nn_net_size(net, net->n_layers - 1);
        double m = a[0], s = 0.0;
        for (size_t k = 1; k < nc; k++)
            m = a[k] > m ? a[k] : m;
        for (size_t k = 0; k < nc; k++)
            s += exp(a[k] - m);
        loss += log(s) + m - a[labels[r]];
    }
    free(a), free(z);
    return loss;
}

/* The gradient of nn_net_loss_grad (through the generic walk) against
 * central differences of the reference, for every parameter. */
static void check_net_gradient(const char *spec, size_t batch)
{
    nn_net *net = ts_parse_net(spec, NN_ACT_TANH);
    ts_fill_uniform(net->params, net->n_params, 0.5f, 41);
    size_t n_in = nn_net_size(net, 0), nc = nn_net_size(net, net->n_layers - 1);
    nn_workspace *ws = ts_workspace(net, batch);
    float *x = malloc(batch * n_in * sizeof *x), *grad = malloc(net->n_params * sizeof *grad);
    uint8_t *y = malloc(batch);
    assert_true(x != NULL && grad != NULL && y != NULL);
    ts_fill_uniform(x, batch * n_in, 1.0f, 43);
    for (size_t r = 0; r < batch; r++)
        y[r] = (uint8_t)(r % nc);
    double *p = to_double(net->params, net->n_params);
    float loss = nn_net_loss_grad(net, ws, x, y, batch, grad, NULL);
    double want = ref_loss(net, p, x, y, batch) / (double)batch;
    if (fabs(loss - want) > 1e-5 * (1.0 + fabs(want)))
        fail_msg("%s: loss %g, the reference %g", spec, (double)loss, want);
    const double h = 1e-6;
    for (size_t i = 0; i < net->n_params; i++) {
        double keep = p[i];
        p[i] = keep + h;
        double up = ref_loss(net, p, x, y, batch);
        p[i] = keep - h;
        double down = ref_loss(net, p, x, y, batch);
        p[i] = keep;
        double num = (up - down) / (2 * h * (double)batch);
        if (fabs(num - grad[i]) > 1e-4 + 1e-3 * fabs(num))
            fail_msg("%s: d loss / d param %zu is %g, finite differences say %g", spec, i,
                     (double)grad[i], num);
    }
    free(x), free(grad), free(y), free(p);
    nn_workspace_free(ws);
    nn_net_free(net);
}

static void test_net_gradient(void **state)
{
    (void)state;
    check_net_gradient("5x4,lstm3,3", 3);
    check_net_gradient("4x3,bigru2-seq,rnn3,3", 2);
    check_net_gradient("6x2,lstm2x2,3", 2);
    check_net_gradient("3x5,birnn3,4,2", 3);
    check_net_gradient("4x4,gru3-seq,5,3", 2);
}

/* One image through nn_net_forward gives its probabilities in a minibatch. */
static void test_single_image_agrees_with_batch(void **state)
{
    (void)state;
    const char *specs[] = {"28x28,lstm16,10", "12x9,bigru5-seq,rnn6,4"};
    for (size_t s = 0; s < 2; s++) {
        nn_net *net = ts_parse_net(specs[s], NN_ACT_TANH);
        ts_fill_uniform(net->params, net->n_params, 0.3f, 50 + s);
        size_t batch = 5, n_in = nn_net_size(net, 0), nc = nn_net_size(net, net->n_layers - 1);
        nn_workspace *wb = ts_workspace(net, batch), *w1 = ts_workspace(net, 1);
        float *x = malloc(batch * n_in * sizeof *x);
        assert_non_null(x);
        ts_fill_uniform(x, batch * n_in, 1.0f, 52);
        const float *pb = nn_net_forward_batch(net, wb, x, batch);
        float *keep = malloc(batch * nc * sizeof *keep);
        assert_non_null(keep);
        memcpy(keep, pb, batch * nc * sizeof *keep);
        for (size_t r = 0; r < batch; r++) {
            const float *p1 = nn_net_forward(net, w1, x + r * n_in);
            for (size_t j = 0; j < nc; j++)
                if (fabsf(p1[j] - keep[r * nc + j]) > 1e-5f)
                    fail_msg("%s: image %zu class %zu: alone %g, in a minibatch %g", specs[s],
                             r, j, (double)p1[j], (double)keep[r * nc + j]);
        }
        free(x), free(keep);
        nn_workspace_free(wb), nn_workspace_free(w1);
        nn_net_free(net);
    }
}

/* The answer step by step: one distribution per step, and the last one is
 * the net's own; a net without a one-way last-step recurrent row has none. */
static void test_step_probs(void **state)
{
    (void)state;
    nn_net *net = ts_parse_net("12x9,gru7,5,4", NN_ACT_TANH);
    ts_fill_uniform(net->params, net->n_params, 0.5f, 70);
    assert_int_equal(nn_net_steps(net), 12);
    float x[108], probs[12 * 4];
    ts_fill_uniform(x, 108, 1.0f, 71);
    nn_error err = {{0}};
    assert_int_equal(nn_net_step_probs(net, x, probs, &err), NN_OK);
    nn_workspace *ws = ts_workspace(net, 1);
    const float *want = nn_net_forward_batch(net, ws, x, 1);
    for (size_t k = 0; k < 4; k++)
        assert_true(fabsf(probs[11 * 4 + k] - want[k]) < 1e-6f);
    for (size_t t = 0; t < 12; t++) {
        double sum = 0.0;
        for (size_t k = 0; k < 4; k++)
            sum += probs[t * 4 + k];
        assert_true(fabs(sum - 1.0) < 1e-5);
    }
    nn_workspace_free(ws);
    nn_net_free(net);
    const char *none[] = {"28x28,bilstm4,10", "28x28,lstm4-seq,10", "28x28,16,10"};
    for (size_t i = 0; i < 3; i++) {
        net = ts_parse_net(none[i], NN_ACT_TANH);
        assert_int_equal(nn_net_steps(net), 0);
        assert_int_equal(nn_net_step_probs(net, x, probs, &err), NN_E_ARG);
        nn_net_free(net);
    }
}

/* --- text, model file ------------------------------------------------------------------ */

static void test_grammar(void **state)
{
    (void)state;
    const char *same[] = {"28x28,lstm128,10", "28x28,bigru16-seq,lstm8,10",
                          "28x28,rnn4-seq,birnn4-seq,12,10"};
    for (size_t i = 0; i < 3; i++) {
        nn_net *net = ts_parse_net(same[i], NN_ACT_TANH);
        char out[256];
        nn_net_format_table(net, NN_ACT_TANH, out, sizeof out);
        assert_string_equal(out, same[i]);
        nn_net_free(net);
    }
    nn_net *net = ts_parse_net("28x28,gru128x2,10", NN_ACT_TANH);
    char out[256];
    nn_net_format_table(net, NN_ACT_TANH, out, sizeof out);
    assert_string_equal(out, "28x28,gru128-seq,gru128,10");
    /* gru: W (384, 28) and R (384, 128), b (384) and b_Rn (128); then R
     * (384, 128) over 128 features; then the dense 128 -> 10. */
    assert_int_equal(net->n_params, (384 * 156 + 512) + (384 * 256 + 512) + 1290);
    assert_int_equal(nn_net_size(net, 1), 28 * 128);
    assert_int_equal(nn_net_size(net, 2), 128);
    nn_net_free(net);
    net = ts_parse_net("28x28,bilstm64,10", NN_ACT_TANH);
    assert_int_equal(nn_net_size(net, 1), 128);
    assert_int_equal(net->n_params, 2 * (256 * 92 + 256) + 1290);
    nn_net_free(net);

    struct { const char *spec, *why; } bad[] = {
        {"784,lstm16,10", "RxC"},
        {"28x28,lstm0,10", "0 units"},
        {"28x28,lstm,10", "[bi]lstmH"},
        {"28x28,lstm16-all,10", "[bi]lstmH"},
        {"28x28,lstm16x0,10", "[bi]lstmH"},
        {"28x28,lstm5000,10", "cap"},
        {"28x28,lstm8:relu,10", "takes no activation"},
        {"28x28,lstm8,gru8,10", "one row"},
        {"28x28,lstm8", "output"},
        {"28x28,lstm8x20,10", "more than 16"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        nn_layer t[NN_MAX_LAYERS];
        size_t n = 0;
        nn_error err = {{0}};
        nn_status st = nn_net_parse_table(bad[i].spec, NN_ACT_TANH, t, &n, &err);
        if (st != NN_E_ARG || strstr(err.msg, bad[i].why) == NULL)
            fail_msg("'%s': status %d, message '%s', wanted '%s'", bad[i].spec, (int)st,
                     err.msg, bad[i].why);
    }
}

/* A recurrent net saved and loaded has the same table and the same bits. */
static void test_model_round_trip(void **state)
{
    (void)state;
    nn_net *net = ts_parse_net("28x28,bigru5-seq,lstm7,10", NN_ACT_TANH);
    ts_fill_uniform(net->params, net->n_params, 0.4f, 60);
    nn_model_meta meta;
    memset(&meta, 0, sizeof meta);
    meta.rows = meta.cols = 28;
    meta.n_classes = 10;
    uint8_t *buf = NULL;
    size_t len = 0;
    nn_error err = {{0}};
    assert_int_equal(nn_model_encode(net, &meta, &buf, &len, &err), NN_OK);
    nn_net *back = NULL;
    nn_model_meta meta2;
    if (nn_model_decode(buf, len, "m.nnc", &back, &meta2, &err) != NN_OK)
        fail_msg("decode: %s", err.msg);
    assert_int_equal(back->n_layers, net->n_layers);
    for (size_t l = 0; l < net->n_layers; l++) {
        assert_int_equal(back->layers[l].kind, net->layers[l].kind);
        assert_int_equal(back->layers[l].units, net->layers[l].units);
        assert_int_equal(back->layers[l].flags, net->layers[l].flags);
    }
    assert_memory_equal(back->params, net->params, net->n_params * sizeof(float));
    nn_net_free(back);
    free(buf);
    nn_net_free(net);
}

/* A forged recurrent model with a valid checksum is refused, with a message
 * naming what is wrong: absurd units, units that do not match the stored
 * output, unknown flags, flags on a kind that has none, an absurd sequence
 * length. */
static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void test_forged_models_refused(void **state)
{
    (void)state;
    nn_net *net = ts_parse_net("28x28,lstm6,10", NN_ACT_TANH);
    nn_model_meta meta;
    memset(&meta, 0, sizeof meta);
    meta.rows = meta.cols = 28;
    meta.n_classes = 10;
    uint8_t *buf = NULL;
    size_t len = 0;
    nn_error err = {{0}};
    assert_int_equal(nn_model_encode(net, &meta, &buf, &len, &err), NN_OK);
    const size_t row0 = 224, row = 32; /* the fixed header, then 32-byte rows */
    struct { size_t off; uint32_t value; nn_status st; const char *why; } cases[] = {
        {row0 + row + 28, 70000, NN_E_TOO_LARGE, "70000 units"},
        {row0 + row + 28, 5, NN_E_FORMAT, "stores an output of 1x1x6"},
        {row0 + row + 28, 0, NN_E_FORMAT, "0 units"},
        {row0 + row + 24, 0x400, NN_E_FORMAT, "flags 0x4"},
        {row0 + 2 * row + 24, 0x100, NN_E_FORMAT, "layer 2 (dense) has flags 0x1"},
        {row0 + 8, 5000, NN_E_TOO_LARGE, "an input of 5000x28x1"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        uint8_t *bad = malloc(len);
        assert_non_null(bad);
        memcpy(bad, buf, len);
        put_le32(bad + cases[c].off, cases[c].value);
        put_le32(bad + len - 4, (uint32_t)crc32(0L, bad, (uInt)(len - 4)));
        nn_net *back = NULL;
        nn_model_meta m2;
        nn_status st = nn_model_decode(bad, len, "forged.nnc", &back, &m2, &err);
        if (st != cases[c].st || strstr(err.msg, cases[c].why) == NULL)
            fail_msg("case %zu: status %d, message '%s'; wanted %d and '%s'", c, (int)st,
                     err.msg, (int)cases[c].st, cases[c].why);
        nn_net_free(back);
        free(bad);
    }
    free(buf);
    nn_net_free(net);
}

/* --- training -------------------------------------------------------------------------- */

/* Bit strings of 8 steps (a pixel 0 or 255 each) labelled with their count
 * of ones: all 256 strings. */
static void bit_strings(uint8_t *pixels, uint8_t *labels)
{
    for (size_t s = 0; s < 256; s++) {
        labels[s] = 0;
        for (size_t b = 0; b < 8; b++) {
            int one = (s >> b) & 1;
            pixels[s * 8 + b] = one ? 255 : 0;
            labels[s] += (uint8_t)one;
        }
    }
}

/* Trains spec on a shuffled 192 of the 256 strings; returns the net. */
static nn_net *train_counter(const char *spec, size_t threads, uint8_t *pixels,
                             uint8_t *labels, size_t epochs)
{
    nn_net *net = ts_parse_net(spec, NN_ACT_TANH);
    nn_rng init;
    nn_rng_seed(&init, 7);
    nn_net_init(net, &init);
    nn_dataset data = nn_dataset_view(pixels, labels, 192, 8, 1, 9);
    nn_train_options opt;
    nn_train_options_default(&opt);
    opt.epochs = epochs;
    opt.batch = 16;
    opt.lr = 0.01f;
    opt.optimizer = NN_OPT_ADAM;
    opt.weight_decay = 0.0f;
    opt.threads = threads;
    nn_error err = {{0}};
    if (nn_train(net, &data, &opt, NULL, NULL, &err) != NN_OK)
        fail_msg("nn_train %s: %s", spec, err.msg);
    return net;
}

/* Each recurrent kind learns to count the ones of an 8-step bit string,
 * and counts the 64 strings it never saw. */
static void test_learns_to_count(void **state)
{
    (void)state;
    uint8_t pixels[256 * 8], labels[256];
    bit_strings(pixels, labels);
    /* A fixed shuffle, so that the held-out strings are of every count. */
    nn_rng rng;
    nn_rng_seed(&rng, 3);
    for (size_t i = 255; i > 0; i--) {
        size_t j = nn_rng_below(&rng, i + 1);
        uint8_t t[8], l = labels[i];
        memcpy(t, pixels + i * 8, 8);
        memcpy(pixels + i * 8, pixels + j * 8, 8);
        memcpy(pixels + j * 8, t, 8);
        labels[i] = labels[j];
        labels[j] = l;
    }
    const char *specs[] = {"8x1,rnn12,9", "8x1,gru12,9", "8x1,lstm12,9"};
    for (size_t s = 0; s < 3; s++) {
        nn_net *net = train_counter(specs[s], 1, pixels, labels, 150);
        nn_workspace *ws = ts_workspace(net, 64);
        float x[64 * 8];
        nn_scale_pixels(pixels + 192 * 8, 64 * 8, x);
        const float *probs = nn_net_forward_batch(net, ws, x, 64);
        size_t right = 0;
        for (size_t i = 0; i < 64; i++)
            right += nn_argmax(probs + i * 9, 9) == labels[192 + i];
        if (right < 56) /* 87 %; the most common count alone is 27 % */
            fail_msg("%s counts %zu of 64 unseen strings right", specs[s], right);
        nn_workspace_free(ws);
        nn_net_free(net);
    }
}

/* A step of training moves every weight and bias of each kind (the
 * optimiser steps a recurrent layer's parameters whole, whatever their
 * count per bias). */
static void test_training_moves_every_parameter(void **state)
{
    (void)state;
    uint8_t pixels[256 * 8], labels[256];
    bit_strings(pixels, labels);
    const char *specs[] = {"8x1,gru5,9", "8x1,bilstm3,9", "8x1,rnn4-seq,gru3,9"};
    for (size_t s = 0; s < 3; s++) {
        nn_net *start = ts_parse_net(specs[s], NN_ACT_TANH);
        nn_rng init;
        nn_rng_seed(&init, 7);
        nn_net_init(start, &init);
        nn_net *net = train_counter(specs[s], 1, pixels, labels, 1);
        for (size_t i = 0; i < net->n_params; i++)
            if (net->params[i] == start->params[i])
                fail_msg("%s: parameter %zu of %zu did not move", specs[s], i, net->n_params);
        nn_net_free(net);
        nn_net_free(start);
    }
}

/* The same bits from 1, 2 and 3 threads. */
static void test_training_same_for_any_threads(void **state)
{
    (void)state;
    uint8_t pixels[256 * 8], labels[256];
    bit_strings(pixels, labels);
    nn_net *first = train_counter("8x1,bilstm6-seq,gru5,9", 1, pixels, labels, 2);
    for (size_t threads = 2; threads <= 3; threads++) {
        nn_net *net = train_counter("8x1,bilstm6-seq,gru5,9", threads, pixels, labels, 2);
        if (memcmp(first->params, net->params, net->n_params * sizeof(float)) != 0)
            fail_msg("%zu threads trained other weights than 1 thread", threads);
        nn_net_free(net);
    }
    nn_net_free(first);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loops_match_reference),
        cmocka_unit_test(test_loops_gradient),
        cmocka_unit_test(test_net_gradient),
        cmocka_unit_test(test_single_image_agrees_with_batch),
        cmocka_unit_test(test_step_probs),
        cmocka_unit_test(test_grammar),
        cmocka_unit_test(test_model_round_trip),
        cmocka_unit_test(test_forged_models_refused),
        cmocka_unit_test(test_learns_to_count),
        cmocka_unit_test(test_training_moves_every_parameter),
        cmocka_unit_test(test_training_same_for_any_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
