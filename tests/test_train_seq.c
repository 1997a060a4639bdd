/* test_train_seq.c - training on label sequences: each sample's sequence
 * reaches the output's loss through nn_targets (whole minibatches and the
 * sharded parts), held-out sequences are measured, samples made by the
 * make hook as minibatches are drawn train exactly as the same samples
 * stored do, and the weights are the same bits for any thread count. The output here is a toy of a sequence output (CTC's shape: one
 * distribution of classes + 1 per step, 0 the blank), added at run time:
 * step j's target is label j + 1 of the sequence, or the blank past its
 * end, with softmax cross-entropy per step. */
#include <math.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nnclass/io/numberset.h"
#include "nnclass/nn/dataset.h"
#include "nnclass/nn/net.h"
#include "nnclass/nn/train.h"
#include "test_support.h"

#define ROWS 6
#define COLS 8
#define CLASSES 4  /* labels 0..3; 5 scores per step with the blank */
#define WIDTH 4    /* the longest sequence */
#define COUNT 96

/* --- the toy sequence output ------------------------------------------------- */

static size_t toy_calls, toy_mismatches;

/* The sequence an image encodes (see make_sample): its length in pixel 0,
 * its labels in pixels 1.. (each value v is stored as 40 v). */
static size_t decode(const float *x, uint8_t *labels)
{
    size_t len = (size_t)lroundf(x[0] * 255.0f / 40.0f);
    for (size_t k = 0; k < len && k < WIDTH; k++)
        labels[k] = (uint8_t)lroundf(x[1 + k] * 255.0f / 40.0f);
    return len;
}

static void toy_probs(float *z, size_t rows, size_t n)
{
    for (size_t r = 0; r < rows * n / (CLASSES + 1); r++) {
        float *p = z + r * (CLASSES + 1), m = p[0], s = 0.0f;
        for (size_t c = 1; c <= CLASSES; c++)
            m = p[c] > m ? p[c] : m;
        for (size_t c = 0; c <= CLASSES; c++)
            s += p[c] = expf(p[c] - m);
        for (size_t c = 0; c <= CLASSES; c++)
            p[c] /= s;
    }
}

/* Per step, softmax cross-entropy against the step's target; a sample is
 * right when every step's best class is its target. Also checks that each
 * sample's sequence is the one its image encodes (targets->images). */
static double toy_loss(float *z, const nn_targets *t, size_t batch, size_t norm, size_t n,
                       float *delta, size_t *right)
{
    const size_t k = CLASSES + 1, steps = n / k, n_in = ROWS * COLS;
    double loss = 0.0;
    toy_calls++;
    toy_probs(z, batch, n);
    for (size_t r = 0; r < batch; r++) {
        const uint16_t *s = t->seq + t->seq_off[r];
        size_t len = t->seq_off[r + 1] - t->seq_off[r], ok = 1;
        uint8_t want[WIDTH];
        size_t want_len = decode(t->images + r * n_in, want);
        toy_mismatches += want_len != len;
        for (size_t j = 0; j < len && j < want_len; j++)
            toy_mismatches += s[j] != want[j];
        for (size_t j = 0; j < steps; j++) {
            size_t target = j < len ? (size_t)s[j] + 1 : 0, best = 0;
            const float *p = z + r * n + j * k;
            float *d = delta + r * n + j * k;
            for (size_t c = 0; c < k; c++) {
                d[c] = (p[c] - (c == target ? 1.0f : 0.0f)) / (float)norm;
                best = p[c] > p[best] ? c : best;
            }
            loss -= log(p[target] > 1e-30f ? (double)p[target] : 1e-30);
            ok &= best == target;
        }
        *right += ok;
    }
    return loss;
}

static const nn_output_ops toy_output = {.name = "toyseq", .probs = toy_probs, .loss_grad = toy_loss};

/* The row: the identity on the sequence before it. */
static nn_status toy_shape(const nn_layer *prev, nn_layer *row, nn_error *err)
{
    nn_shape s = nn_layer_shape_of(prev);
    if (s.layout != NN_SHAPE_SEQUENCE)
        return nn_fail(err, NN_E_ARG, "toyseq reads a sequence");
    row->h = s.t;
    row->w = 1;
    row->c = s.f;
    return NN_OK;
}

static nn_layer_kind toy_kind(void)
{
    static nn_layer_ops ops;
    ops = *nn_layer_ops_of(NN_LAYER_RECON); /* a parameterless identity row */
    ops.name = "toyseq";
    ops.token = NULL;
    ops.layout = NN_SHAPE_SEQUENCE;
    ops.output = &toy_output;
    ops.shape = toy_shape;
    return nn_layer_add_kind(&ops);
}

/* ROWSxCOLS, a small conv, an LSTM over the ROWS rows keeping every step,
 * its CLASSES + 1 = 5 units the scores of a step, and the toy output. */
static nn_net *toy_net(uint64_t seed)
{
    nn_layer rows[NN_MAX_LAYERS];
    size_t n = 0;
    nn_error err = {{0}};
    assert_int_equal(nn_net_parse_table("6x8,conv3x3x2-same,lstm5-seq,5", NN_ACT_RELU, rows,
                                        &n, &err), NN_OK);
    rows[n - 1] = (nn_layer){.kind = toy_kind(), .act = NN_ACT_NONE};
    nn_net *net = NULL;
    assert_int_equal(nn_net_create_table(rows, n, &net, &err), NN_OK);
    nn_rng rng;
    nn_rng_seed(&rng, seed);
    nn_net_init(net, &rng);
    return net;
}

/* --- the data ---------------------------------------------------------------- */

typedef struct {
    uint8_t pixels[COUNT * ROWS * COLS];
    uint8_t seq[COUNT * WIDTH], len[COUNT];
} toy_data;

/* Sample i of epoch e into px, s and *len_out: a sequence of 1..WIDTH
 * labels drawn from (e, i), encoded in the image (pixel 0 its length,
 * pixels 1.. its labels, the rest a ramp that varies with the labels). */
static void make_sample(size_t i, uint64_t e, uint8_t *px, uint8_t *s, uint8_t *len_out)
{
    uint64_t h = (e + 1) * 0x9e3779b97f4a7c15ull ^ (i + 1) * 0xbf58476d1ce4e5b9ull;
    h ^= h >> 31;
    h *= 0x94d049bb133111ebull;
    h ^= h >> 29;
    size_t len = 1 + (size_t)(h % WIDTH);
    *len_out = (uint8_t)len;
    memset(px, 0, ROWS * COLS);
    memset(s, 0, WIDTH);
    px[0] = (uint8_t)(40 * len);
    for (size_t k = 0; k < len; k++) {
        s[k] = (uint8_t)((h >> (8 + 4 * k)) % CLASSES);
        px[1 + k] = (uint8_t)(40 * s[k]);
        for (size_t c = 0; c < COLS; c++) /* row k + 1 shows label k */
            px[(k + 1) * COLS + c] = (uint8_t)(s[k] == c % CLASSES ? 255 : 0);
    }
}

/* Sample i of epoch e into place i of d. */
static void store_sample(toy_data *d, size_t i, uint64_t e)
{
    make_sample(i, e, d->pixels + i * ROWS * COLS, d->seq + i * WIDTH, &d->len[i]);
}

/* The view of samples [from, COUNT) of d, all made in epoch 0. */
static nn_dataset toy_view_from(toy_data *d, size_t from)
{
    for (size_t i = 0; i < COUNT; i++)
        store_sample(d, i, 0);
    nn_dataset v = nn_dataset_view(d->pixels + from * ROWS * COLS, NULL, COUNT - from, ROWS,
                                   COLS, CLASSES);
    return nn_dataset_with_seq(v, d->seq + from * WIDTH, d->len + from, WIDTH);
}

static nn_dataset toy_view(toy_data *d)
{
    return toy_view_from(d, 0);
}

/* What a make hook is asked for; the hooks may run in several threads. */
typedef struct {
    int per_epoch;       /* make sample i of epoch e, else of epoch 0 (the stored ones) */
    size_t fail_epoch;   /* fail when asked for fail_sample in this epoch (0: never) */
    size_t fail_sample;
    int bad;             /* make sample fail_sample of fail_epoch with no labels */
    atomic_size_t last_epoch;
} toy_maker;

static nn_status toy_make(size_t epoch, const uint32_t *idx, size_t n,
                          const nn_sample_room *room, void *user, nn_error *err)
{
    toy_maker *m = user;
    if (epoch > atomic_load(&m->last_epoch))
        atomic_store(&m->last_epoch, epoch);
    for (size_t k = 0; k < n; k++) {
        if (idx[k] >= COUNT - 16)
            return nn_fail(err, NN_E_ARG, "asked for sample %u of %u", idx[k], COUNT - 16);
        make_sample(idx[k], m->per_epoch ? epoch : 0, room->pixels + k * ROWS * COLS,
                    room->seq + k * WIDTH, &room->seq_len[k]);
        if (epoch == m->fail_epoch && idx[k] == m->fail_sample) {
            if (!m->bad)
                return nn_fail(err, NN_E_IO, "no more numbers");
            room->seq_len[k] = 0;
        }
    }
    return NN_OK;
}

static void toy_options(nn_train_options *opt, size_t threads)
{
    nn_train_options_default(opt);
    opt->epochs = 3;
    opt->batch = 16;
    opt->lr = 0.01f;
    opt->optimizer = NN_OPT_ADAM;
    opt->weight_decay = 0.0f;
    opt->threads = threads;
    opt->val_count = 16;
    opt->val_last = 1;
}

/* --- the tests ------------------------------------------------------------------ */

/* Every sample's own sequence reaches the loss, in whole minibatches, in
 * the sharded parts of 1 and 2 threads, and in the held-out measure. */
static void test_sequences_reach_the_loss(void **state)
{
    (void)state;
    for (size_t threads = 1; threads <= 2; threads++) {
        static toy_data d;
        nn_dataset data = toy_view(&d);
        nn_net *net = toy_net(7);
        nn_train_options opt;
        toy_options(&opt, threads);
        nn_train_result res;
        nn_error err = {{0}};
        toy_calls = toy_mismatches = 0;
        assert_int_equal(nn_train(net, &data, &opt, NULL, &res, &err), NN_OK);
        assert_true(toy_calls > 0);
        assert_int_equal(toy_mismatches, 0);
        assert_true(res.best_val_accuracy >= 0.0 && res.best_val_accuracy <= 1.0);
        nn_net_free(net);
    }
}

/* Samples made by the hook as minibatches are drawn train exactly as the
 * same samples stored: 1, 2 and 3 threads, the same bits. */
static void test_made_same_bits_as_stored(void **state)
{
    (void)state;
    float *first = NULL;
    size_t n_params = 0;
    double first_val = -1.0;
    for (size_t run = 0; run < 6; run++) {
        size_t threads = 1 + run / 2;
        static toy_data d;
        toy_maker m = {0};
        int made = run % 2;
        nn_dataset data = made ? toy_view_from(&d, COUNT - 16) : toy_view(&d);
        nn_train_hooks hooks = {NULL, NULL, NULL, &m, made ? toy_make : NULL,
                                made ? COUNT - 16 : 0};
        nn_net *net = toy_net(11);
        nn_train_options opt;
        toy_options(&opt, threads);
        opt.epochs = 4;
        nn_train_result res;
        nn_error err = {{0}};
        toy_mismatches = 0;
        assert_int_equal(nn_train(net, &data, &opt, &hooks, &res, &err), NN_OK);
        assert_int_equal(toy_mismatches, 0);
        assert_int_equal(atomic_load(&m.last_epoch), made ? 4 : 0);
        if (first == NULL) {
            n_params = net->n_params;
            first = malloc(n_params * sizeof *first);
            memcpy(first, net->params, n_params * sizeof *first);
            first_val = res.best_val_accuracy;
        } else {
            assert_int_equal(net->n_params, n_params);
            assert_memory_equal(net->params, first, n_params * sizeof *first);
            assert_true(res.best_val_accuracy == first_val);
        }
        nn_net_free(net);
    }
    free(first);
}

/* The first run's parameters into *first (allocated); every later run's
 * must be the same bits. */
static void expect_same_params(const nn_net *net, float **first)
{
    if (*first == NULL) {
        *first = malloc(net->n_params * sizeof **first);
        assert_non_null(*first);
        memcpy(*first, net->params, net->n_params * sizeof **first);
    } else {
        assert_memory_equal(net->params, *first, net->n_params * sizeof **first);
    }
}

/* Samples made anew every epoch: the run learns what it is given and 1, 2
 * and 3 threads give the same bits. */
static void test_made_per_epoch_same_bits(void **state)
{
    (void)state;
    float *first = NULL;
    for (size_t threads = 1; threads <= 3; threads++) {
        static toy_data d;
        toy_maker m = {.per_epoch = 1};
        nn_dataset data = toy_view_from(&d, COUNT - 16);
        nn_train_hooks hooks = {NULL, NULL, NULL, &m, toy_make, COUNT - 16};
        nn_net *net = toy_net(5);
        nn_train_options opt;
        toy_options(&opt, threads);
        nn_train_result res;
        nn_error err = {{0}};
        toy_mismatches = 0;
        assert_int_equal(nn_train(net, &data, &opt, &hooks, &res, &err), NN_OK);
        assert_int_equal(toy_mismatches, 0);
        assert_int_equal(res.epochs_run, 3);
        expect_same_params(net, &first);
        nn_net_free(net);
    }
    free(first);
}

/* A hook that fails, in whichever thread makes the sample, ends the run
 * with its status and message; a sample it makes wrong is a mismatch; its
 * data set must be the held-out samples. */
static void test_made_failure_stops(void **state)
{
    (void)state;
    static toy_data d;
    nn_dataset data = toy_view_from(&d, COUNT - 16);
    for (size_t run = 0; run < 6; run++) {
        size_t threads = 1 + run / 2;
        toy_maker m = {.per_epoch = 1, .fail_epoch = 2, .fail_sample = 37, .bad = run % 2};
        nn_train_hooks hooks = {NULL, NULL, NULL, &m, toy_make, COUNT - 16};
        nn_net *net = toy_net(3);
        nn_train_options opt;
        toy_options(&opt, threads);
        nn_train_result res;
        nn_error err = {{0}};
        nn_status st = nn_train(net, &data, &opt, &hooks, &res, &err);
        assert_int_equal(st, m.bad ? NN_E_MISMATCH : NN_E_IO);
        const char *needle = m.bad ? "has 0 labels" : "no more numbers";
        if (strstr(err.msg, needle) == NULL)
            fail_msg("'%s' does not say '%s'", err.msg, needle);
        assert_int_equal(res.epochs_run, 1);
        nn_net_free(net);
    }
    toy_maker m = {0};
    nn_train_hooks hooks = {NULL, NULL, NULL, &m, toy_make, COUNT - 16};
    nn_net *net = toy_net(3);
    nn_train_options opt;
    toy_options(&opt, 1);
    opt.val_count = 8;
    nn_error err = {{0}};
    assert_int_equal(nn_train(net, &data, &opt, &hooks, NULL, &err), NN_E_ARG);
    assert_non_null(strstr(err.msg, "held out"));
    nn_net_free(net);
}

/* Sequences are checked like labels: lengths, labels, room, and the net. */
static void expect_mismatch(const nn_dataset *data, const nn_net *net, const char *needle)
{
    nn_error err = {{0}};
    assert_int_equal(nn_dataset_check(data, net, &err), NN_E_MISMATCH);
    if (strstr(err.msg, needle) == NULL)
        fail_msg("'%s' does not say '%s'", err.msg, needle);
}

static void test_sequences_checked(void **state)
{
    (void)state;
    static toy_data d;
    nn_dataset data = toy_view(&d);
    nn_net *net = toy_net(1);
    nn_error err = {{0}};
    assert_int_equal(nn_dataset_check(&data, net, &err), NN_OK);
    d.len[5] = 0;
    expect_mismatch(&data, net, "sequence 5 has 0 labels");
    d.len[5] = WIDTH + 1;
    expect_mismatch(&data, net, "sequence 5 has 5 labels, expected 1 to 4");
    d.len[5] = 2;
    d.seq[5 * WIDTH + 1] = CLASSES;
    expect_mismatch(&data, net, "label 4 at index 5 (place 2)");
    d.seq[5 * WIDTH + 1] = 0;
    nn_dataset bad = data;
    bad.seq_width = NN_SEQ_MAX + 1;
    expect_mismatch(&bad, NULL, "room for 33 labels");
    bad = data;
    bad.n_classes = CLASSES + 1;
    expect_mismatch(&bad, net, "reads 5 per step");
    /* a classifier takes no sequences, a sequence reader no plain labels */
    nn_net *classifier = ts_parse_net("6x8,4", NN_ACT_RELU);
    expect_mismatch(&data, classifier, "the data has label sequences");
    uint8_t labels[COUNT] = {0};
    nn_dataset plain = nn_dataset_view(d.pixels, labels, COUNT, ROWS, COLS, CLASSES);
    expect_mismatch(&plain, net, "reads a label sequence per image");
    nn_net_free(classifier);
    nn_net_free(net);
}

/* --- a small real reader on composed numbers ------------------------------ */

typedef struct {
    nn_digit_pool pool;
    nn_numbers_options opt;
} composer;

/* Training number i, made as the trainer draws it: number i of round 1
 * of seed 9 whatever the epoch, the numbers the stored run trains on. */
static nn_status compose_numbers(size_t epoch, const uint32_t *idx, size_t n,
                                 const nn_sample_room *room, void *user, nn_error *err)
{
    (void)epoch;
    const composer *c = user;
    for (size_t k = 0; k < n; k++)
        if ((room->seq_len[k] = (uint8_t)nn_number_round_compose(
                 &c->pool, &c->opt, 9, 1, idx[k], room->pixels + k * NN_STRIP_H * NN_STRIP_W,
                 room->seq + k * NN_NUMBER_MAX_DIGITS)) == 0)
            return nn_fail(err, NN_E_ARG, "number %u could not be composed", idx[k]);
    return NN_OK;
}

/* conv, cols, a BiLSTM, a dense layer at every step and CTC, trained on
 * 48 composed numbers stored, and made as minibatches are drawn: the same
 * bits, for 1 and 2 threads. */
static void test_reader_made_same_bits(void **state)
{
    (void)state;
    nn_images im;
    nn_labels lb;
    ts_load_mnist("t10k", 300, &im, &lb);
    composer c = {.pool = {im.pixels, lb.labels, im.count, NULL, 0}};
    nn_numbers_options_default(&c.opt);
    nn_error err = {{0}};
    nn_number_set set;
    assert_int_equal(nn_number_set_alloc(&set, 64, &err), NN_OK);
    assert_int_equal(nn_number_set_compose(&set, 0, 48, &c.pool, &c.opt, 9, 1, 2, &err), NN_OK);
    assert_int_equal(nn_number_set_compose(&set, 48, 64, &c.pool, &c.opt, 9, 0, 2, &err), NN_OK);
    const size_t strip = NN_STRIP_H * NN_STRIP_W;
    float *first = NULL;
    for (size_t run = 0; run < 4; run++) {
        size_t threads = 1 + run / 2, made = run % 2;
        nn_dataset v = nn_dataset_view(set.pixels + (made ? 48 * strip : 0), NULL,
                                       made ? 16 : 64, NN_STRIP_H, NN_STRIP_W, 10);
        v = nn_dataset_with_seq(v, set.digits + (made ? 48 * NN_NUMBER_MAX_DIGITS : 0),
                                set.len + (made ? 48 : 0), NN_NUMBER_MAX_DIGITS);
        nn_net *net = ts_parse_net("32x128,conv3x3x2-same,pool2,pool2,cols,bilstm6-seq,step11,"
                                   "ctc", NN_ACT_RELU);
        nn_rng rng;
        nn_rng_seed(&rng, 4);
        nn_net_init(net, &rng);
        nn_train_options opt;
        toy_options(&opt, threads);
        opt.clip_norm = 5.0f;
        nn_train_hooks hooks = {NULL, NULL, NULL, &c, made ? compose_numbers : NULL,
                                made ? 48 : 0};
        nn_train_result res;
        assert_int_equal(nn_train(net, &v, &opt, &hooks, &res, &err), NN_OK);
        assert_int_equal(res.epochs_run, 3);
        expect_same_params(net, &first);
        nn_net_free(net);
    }
    free(first);
    nn_number_set_free(&set);
    nn_images_free(&im);
    nn_labels_free(&lb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sequences_reach_the_loss),
        cmocka_unit_test(test_made_same_bits_as_stored),
        cmocka_unit_test(test_made_per_epoch_same_bits),
        cmocka_unit_test(test_made_failure_stops),
        cmocka_unit_test(test_sequences_checked),
        cmocka_unit_test(test_reader_made_same_bits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
