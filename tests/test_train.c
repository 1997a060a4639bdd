/* test_train.c - training: one step of every optimiser on a 2-2-2 network
 * against values derived by hand, the perceptron rule, option checks,
 * bit-identical reruns, the same weights from any number of threads (also
 * when they sleep at the barrier),
 * divergence and interruption, the validation split's best-epoch restore
 * (these three with one and with two threads), images made by a hook as
 * minibatches are drawn, and end-to-end learning on a fixed MNIST subset. */
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "nnclass/nn/eval.h"
#include "nnclass/nn/net.h"
#include "nnclass/nn/train.h"
#include "test_support.h"

static nn_net *make_net(const size_t *sizes, size_t n_layers, nn_activation act)
{
    nn_net *net = NULL;
    nn_error err = {{0}};
    if (nn_net_create(sizes, n_layers, act, &net, &err) != NN_OK)
        fail_msg("nn_net_create: %s", err.msg);
    return net;
}

static void train_ok(nn_net *net, const nn_images *im, const nn_labels *lb,
                     const nn_train_options *opt, const nn_train_hooks *hooks,
                     nn_train_result *res)
{
    nn_error err = {{0}};
    nn_dataset data = ts_view(im, lb, nn_net_size(net, net->n_layers - 1));
    nn_status st = nn_train(net, &data, opt, hooks, res, &err);
    if (st != NN_OK)
        fail_msg("nn_train: %s (%s)", err.msg, nn_status_str(st));
}

/* Threads for a test registered with a prestate (see main), else 1. */
static size_t threads_of(void **state)
{
    return state != NULL && *state != NULL ? *(const size_t *)*state : 1;
}

/* --- one step by hand -------------------------------------------------------- */

/* The 2-2-2 sigmoid network of the hand-derived step, parameters named as in
 * the maths: hidden h = sigmoid(A x + a), output z = B h + c, p = softmax(z). */
typedef struct {
    double A[2][2], a[2], B[2][2], c[2];
} tiny;

static double sig(double z)
{
    return 1.0 / (1.0 + exp(-z));
}

/* Adds to g the gradient of -log p_y for one image, written out by the chain
 * rule:  dz_k = p_k - [k == y];  dB_kj = dz_k h_j;  dc_k = dz_k;
 * dh_j = sum_k B_kj dz_k;  du_j = dh_j h_j (1 - h_j);  dA_ji = du_j x_i;  da_j = du_j. */
static void tiny_grad(const tiny *t, const double x[2], int y, tiny *g)
{
    double h[2], z[2], p[2];
    for (int j = 0; j < 2; j++)
        h[j] = sig(t->A[j][0] * x[0] + t->A[j][1] * x[1] + t->a[j]);
    for (int k = 0; k < 2; k++)
        z[k] = t->B[k][0] * h[0] + t->B[k][1] * h[1] + t->c[k];
    p[0] = 1.0 / (1.0 + exp(z[1] - z[0]));
    p[1] = 1.0 - p[0];
    double dz[2] = {p[0] - (y == 0), p[1] - (y == 1)};
    for (int k = 0; k < 2; k++) {
        for (int j = 0; j < 2; j++)
            g->B[k][j] += dz[k] * h[j];
        g->c[k] += dz[k];
    }
    for (int j = 0; j < 2; j++) {
        double dh = t->B[0][j] * dz[0] + t->B[1][j] * dz[1];
        double du = dh * h[j] * (1.0 - h[j]);
        for (int i = 0; i < 2; i++)
            g->A[j][i] += du * x[i];
        g->a[j] += du;
    }
}

/* The library's parameter layout: W1 (2x2) row-major, b1, W2 (2x2), b2. */
static void tiny_to_params(const tiny *t, float *p)
{
    const double v[12] = {t->A[0][0], t->A[0][1], t->A[1][0], t->A[1][1], t->a[0], t->a[1],
                          t->B[0][0], t->B[0][1], t->B[1][0], t->B[1][1], t->c[0], t->c[1]};
    for (int i = 0; i < 12; i++)
        p[i] = (float)v[i];
}

static void check_one_step(nn_optimizer optimizer, float weight_decay)
{
    tiny t;
    const double A[2][2] = {{0.5, -0.3}, {0.8, 0.2}}, B[2][2] = {{1.0, -0.7}, {-0.4, 0.6}};
    memcpy(t.A, A, sizeof A);
    memcpy(t.B, B, sizeof B);
    t.a[0] = 0.1, t.a[1] = -0.2, t.c[0] = 0.05, t.c[1] = -0.05;
    /* Two 1x2 images as bytes: x = byte / 255. */
    uint8_t pixels[4] = {255, 51, 102, 204};
    uint8_t label_bytes[2] = {1, 0};
    const double xs[2][2] = {{1.0, 0.2}, {0.4, 0.8}};
    nn_images im = {2, 1, 2, pixels};
    nn_labels lb = {2, label_bytes};

    size_t sizes[] = {2, 2, 2};
    nn_net *net = make_net(sizes, 3, NN_ACT_SIGMOID);
    tiny_to_params(&t, net->params);
    nn_train_options opt;
    nn_train_options_default(&opt);
    opt.epochs = 1;
    opt.batch = 2; /* one step over both images: the order cannot matter */
    opt.lr = 0.5f;
    opt.optimizer = optimizer;
    opt.momentum = 0.9f;
    opt.weight_decay = weight_decay;
    opt.schedule = NN_LR_CONSTANT;
    nn_train_result res;
    train_ok(net, &im, &lb, &opt, NULL, &res);
    assert_int_equal(res.epochs_run, 1);
    assert_int_equal(res.best_epoch, 1);

    /* Mean gradient, plus the L2 term on the weights (A and B), not biases. */
    tiny g;
    memset(&g, 0, sizeof g);
    tiny_grad(&t, xs[0], 1, &g);
    tiny_grad(&t, xs[1], 0, &g);
    float gp[12], p0[12];
    tiny_to_params(&g, gp);
    tiny_to_params(&t, p0);
    const int is_weight[12] = {1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 0};
    for (int i = 0; i < 12; i++) {
        double gi = gp[i] / 2.0 + (is_weight[i] ? weight_decay * (double)p0[i] : 0.0);
        double step = 0; /* the first step of each optimiser from zero state: */
        switch (optimizer) {
        case NN_OPT_SGD:      /* p -= lr g */
        case NN_OPT_MOMENTUM: /* v = g; p -= lr v */
            step = 0.5 * gi;
            break;
        case NN_OPT_NESTEROV: /* v = g; p -= lr (g + mu v) */
            step = 0.5 * (1.0 + 0.9) * gi;
            break;
        case NN_OPT_ADAM: /* m^ = g, s^ = g^2: p -= lr g / (|g| + eps) */
            step = 0.5 * gi / (fabs(gi) + 1e-8);
            break;
        }
        double want = p0[i] - step;
        if (fabs(net->params[i] - want) > 2e-6)
            fail_msg("%s, wd %g: parameter %d is %.8f, expected %.8f",
                     nn_optimizer_name(optimizer), (double)weight_decay, i,
                     (double)net->params[i], want);
    }
    nn_net_free(net);
}

static void test_one_step_by_hand(void **state)
{
    (void)state;
    const nn_optimizer all[] = {NN_OPT_SGD, NN_OPT_MOMENTUM, NN_OPT_NESTEROV, NN_OPT_ADAM};
    for (int k = 0; k < 4; k++) {
        check_one_step(all[k], 0.0f);
        check_one_step(all[k], 0.1f);
    }
}

/* The perceptron on a 2-pixel, 3-class problem, one minibatch of both images
 * from zero weights: every sum is 0, so both predict class 0 (first on ties).
 * Image 0 (label 2) is wrong: W[2] += lr x, b[2] += lr, W[0] -= lr x, b[0] -= lr.
 * Image 1 (label 0) is right: no change. Within a minibatch every sum comes
 * from the parameters of its start, so the shuffled order (the seed) cannot
 * change the result. */
static void check_perceptron_rule(uint64_t seed)
{
    uint8_t pixels[4] = {255, 102, 51, 204};
    uint8_t label_bytes[2] = {2, 0};
    nn_images im = {2, 1, 2, pixels};
    nn_labels lb = {2, label_bytes};
    size_t sizes[] = {2, 3};
    nn_net *net = make_net(sizes, 2, NN_ACT_STEP);
    nn_train_options opt;
    nn_train_options_default(&opt);
    opt.epochs = 1;
    opt.batch = 2;
    opt.lr = 0.25f;
    opt.schedule = NN_LR_CONSTANT;
    opt.seed = seed;
    nn_train_result res;
    train_ok(net, &im, &lb, &opt, NULL, &res);
    const float *w = nn_net_weights(net, 1), *b = nn_net_biases(net, 1);
    const float want_w[6] = {-0.25f, -0.25f * 0.4f, 0, 0, 0.25f, 0.25f * 0.4f};
    const float want_b[3] = {-0.25f, 0, 0.25f};
    for (int i = 0; i < 6; i++)
        assert_float_equal(w[i], want_w[i], 1e-7);
    for (int i = 0; i < 3; i++)
        assert_float_equal(b[i], want_b[i], 1e-7);
    assert_float_equal(res.final_loss, 0.0, 0.0);
    nn_net_free(net);
}

static void test_perceptron_rule_by_hand(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 8; seed++)
        check_perceptron_rule(seed);
}

/* --- options ------------------------------------------------------------------ */

static void expect_bad_option(const nn_train_options *opt, size_t n, const char *needle)
{
    nn_error err = {{0}};
    assert_int_equal(nn_train_options_check(opt, n, &err), NN_E_ARG);
    if (strstr(err.msg, needle) == NULL)
        fail_msg("message \"%s\" does not mention \"%s\"", err.msg, needle);
}

static void test_options_check(void **state)
{
    (void)state;
    nn_train_options d, o;
    nn_train_options_default(&d);
    nn_error err = {{0}};
    assert_int_equal(nn_train_options_check(&d, 60000, &err), NN_OK);
    assert_int_equal(d.optimizer, NN_OPT_NESTEROV);
    assert_int_equal(d.schedule, NN_LR_COSINE);

    o = d, o.batch = 0;
    expect_bad_option(&o, 60000, "--batch");
    o = d, o.batch = 100000;
    expect_bad_option(&o, 60000, "--batch: 100000 is larger than the 60000 training images");
    o = d, o.batch = 60000, o.val_count = 1;
    expect_bad_option(&o, 60000, "--batch");
    o = d, o.epochs = 0;
    expect_bad_option(&o, 60000, "--epochs");
    const float bad_lr[] = {NAN, INFINITY, -INFINITY, -0.1f, 0.0f};
    for (size_t i = 0; i < sizeof bad_lr / sizeof bad_lr[0]; i++) {
        o = d, o.lr = bad_lr[i];
        expect_bad_option(&o, 60000, "--lr: must be a finite number > 0");
    }
    o = d, o.momentum = 1.0f;
    expect_bad_option(&o, 60000, "--momentum");
    o = d, o.momentum = NAN;
    expect_bad_option(&o, 60000, "--momentum");
    o = d, o.weight_decay = -1e-4f;
    expect_bad_option(&o, 60000, "--weight-decay");
    o = d, o.val_count = 60000;
    expect_bad_option(&o, 60000, "--val");
    o = d, o.schedule = NN_LR_STEP, o.step_epochs = 0;
    expect_bad_option(&o, 60000, "step");
    o = d, o.schedule = NN_LR_STEP, o.step_gamma = NAN;
    expect_bad_option(&o, 60000, "step");
    o = d, o.optimizer = (nn_optimizer)9;
    expect_bad_option(&o, 60000, "--optimizer");
    o = d;
    expect_bad_option(&o, 0, "no training images");
    o = d, o.batch = 60000;
    assert_int_equal(nn_train_options_check(&o, 60000, &err), NN_OK);
}

static void test_names(void **state)
{
    (void)state;
    const char *opts[] = {"sgd", "momentum", "nesterov", "adam"};
    for (int i = 0; i < 4; i++) {
        nn_optimizer o;
        assert_int_equal(nn_optimizer_parse(opts[i], &o), 0);
        assert_string_equal(nn_optimizer_name(o), opts[i]);
    }
    const char *scheds[] = {"constant", "step", "cosine"};
    for (int i = 0; i < 3; i++) {
        nn_lr_schedule s;
        assert_int_equal(nn_lr_schedule_parse(scheds[i], &s), 0);
        assert_string_equal(nn_lr_schedule_name(s), scheds[i]);
    }
    nn_optimizer o;
    nn_lr_schedule s;
    assert_int_equal(nn_optimizer_parse("rmsprop", &o), -1);
    assert_int_equal(nn_lr_schedule_parse("linear", &s), -1);
}

/* --- on real MNIST ------------------------------------------------------------- */

static double test_accuracy(const nn_net *net, size_t n)
{
    nn_images im;
    nn_labels lb;
    ts_load_mnist("t10k", n, &im, &lb);
    nn_confusion c;
    nn_error err = {{0}};
    nn_dataset data = ts_view(&im, &lb, 10);
    if (nn_confusion_init(&c, 10, &err) != NN_OK ||
        nn_evaluate(net, &data, &c, NULL, NULL, &err) != NN_OK)
        fail_msg("nn_evaluate: %s", err.msg);
    double acc = nn_confusion_accuracy(&c);
    nn_confusion_free(&c);
    nn_images_free(&im);
    nn_labels_free(&lb);
    return acc;
}

static nn_net *train_mnist_hooked(const size_t *sizes, size_t n_layers, nn_activation act,
                                  const nn_train_options *opt, size_t n_images,
                                  const nn_train_hooks *hooks)
{
    nn_images im;
    nn_labels lb;
    ts_load_mnist("train", n_images, &im, &lb);
    nn_net *net = make_net(sizes, n_layers, act);
    nn_rng rng;
    nn_rng_seed(&rng, opt->seed);
    nn_net_init(net, &rng);
    nn_train_result res;
    train_ok(net, &im, &lb, opt, hooks, &res);
    assert_int_equal(res.epochs_run, opt->epochs);
    nn_images_free(&im);
    nn_labels_free(&lb);
    return net;
}

static nn_net *train_mnist(const size_t *sizes, size_t n_layers, nn_activation act,
                           const nn_train_options *opt, size_t n_images)
{
    return train_mnist_hooked(sizes, n_layers, act, opt, n_images, NULL);
}

static void test_same_seed_same_weights(void **state)
{
    (void)state;
    size_t sizes[] = {784, 16, 10};
    nn_train_options opt;
    nn_train_options_default(&opt);
    opt.epochs = 2;
    const nn_optimizer all[] = {NN_OPT_NESTEROV, NN_OPT_ADAM};
    for (int k = 0; k < 2; k++) {
        opt.optimizer = all[k];
        opt.lr = all[k] == NN_OPT_ADAM ? 0.002f : 0.05f;
        nn_net *a = train_mnist(sizes, 3, NN_ACT_RELU, &opt, 3000);
        nn_net *b = train_mnist(sizes, 3, NN_ACT_RELU, &opt, 3000);
        assert_memory_equal(a->params, b->params, a->n_params * sizeof(float));
        opt.seed = 2;
        nn_net *c = train_mnist(sizes, 3, NN_ACT_RELU, &opt, 3000);
        assert_memory_not_equal(a->params, c->params, a->n_params * sizeof(float));
        opt.seed = 1;
        nn_net_free(a);
        nn_net_free(b);
        nn_net_free(c);
    }
}

/* The first hidden layer's blocks of neurons are shared out among the
 * threads, which changes no sum: any number of threads gives the same bits
 * as one, for every optimiser, with and without a held-out split, with
 * several hidden layers, with a last block that is not full (20 = 8 + 8 + 4)
 * and with more threads than blocks (capped). */
/* Holds up thread 0 after each minibatch, long enough for the others to stop
 * spinning at the barrier and sleep. */
static void slow_progress(size_t epoch, size_t done, size_t total, double loss, void *user)
{
    (void)epoch, (void)done, (void)total, (void)loss, (void)user;
    struct timespec pause = {0, 300000}; /* 0.3 ms */
    nanosleep(&pause, NULL);
}

/* Threads that sleep at the barrier, woken by the last to arrive, still
 * train the same weights as one thread: four threads, three of which wait
 * for a slow thread 0 at every minibatch. */
static void test_sleeping_threads_give_same_weights(void **state)
{
    (void)state;
    const size_t sizes[] = {784, 32, 10};
    nn_train_options opt;
    nn_train_options_default(&opt);
    opt.epochs = 2;
    opt.threads = 1;
    nn_net *one = train_mnist(sizes, 3, NN_ACT_RELU, &opt, 1500);
    nn_train_hooks slow = {NULL, slow_progress, NULL, NULL, NULL, 0};
    opt.threads = 4;
    nn_net *many = train_mnist_hooked(sizes, 3, NN_ACT_RELU, &opt, 1500, &slow);
    assert_memory_equal(one->params, many->params, one->n_params * sizeof(float));
    nn_net_free(one);
    nn_net_free(many);
}

static void test_threads_give_same_weights(void **state)
{
    (void)state;
    const struct {
        size_t sizes[4], n_layers;
        nn_activation act;
        nn_optimizer optimizer;
        float lr;
        size_t val;
    } cases[] = {
        {{784, 16, 10}, 3, NN_ACT_SIGMOID, NN_OPT_SGD, 0.5f, 0},
        {{784, 16, 10}, 3, NN_ACT_RELU, NN_OPT_NESTEROV, 0.05f, 300},
        {{784, 20, 16, 10}, 4, NN_ACT_TANH, NN_OPT_ADAM, 0.002f, 0},
        {{784, 20, 10}, 3, NN_ACT_RELU, NN_OPT_MOMENTUM, 0.05f, 0},
    };
    const size_t threads[] = {2, 3, 7};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        nn_train_options opt;
        nn_train_options_default(&opt);
        opt.epochs = 2;
        opt.optimizer = cases[k].optimizer;
        opt.lr = cases[k].lr;
        opt.val_count = cases[k].val;
        opt.threads = 1;
        nn_net *one = train_mnist(cases[k].sizes, cases[k].n_layers, cases[k].act, &opt, 2000);
        for (size_t i = 0; i < sizeof threads / sizeof threads[0]; i++) {
            opt.threads = threads[i];
            nn_net *many = train_mnist(cases[k].sizes, cases[k].n_layers, cases[k].act, &opt,
                                       2000);
            if (memcmp(one->params, many->params, one->n_params * sizeof(float)) != 0)
                fail_msg("case %zu: %zu threads give other weights than one", k, threads[i]);
            nn_net_free(many);
        }
        nn_net_free(one);
    }
}

/* A make hook that copies image idx[k] of the images it holds (a classifier's
 * samples: pixels and a label each). */
typedef struct {
    const nn_images *im;
    const nn_labels *lb;
} image_maker;

static nn_status copy_images(size_t epoch, const uint32_t *idx, size_t n,
                             const nn_sample_room *room, void *user, nn_error *err)
{
    (void)epoch, (void)err;
    const image_maker *m = user;
    const size_t n_in = m->im->rows * m->im->cols;
    assert_null(room->seq);
    for (size_t k = 0; k < n; k++) {
        memcpy(room->pixels + k * n_in, m->im->pixels + (size_t)idx[k] * n_in, n_in);
        room->labels[k] = m->lb->labels[idx[k]];
    }
    return NN_OK;
}

/* Images made by the make hook as minibatches are drawn (shifted at random
 * too) train the same weights as the same images stored, with the last
 * 300 held out: 1 and 2 threads (each thread makes the whole minibatch). */
static void test_made_images_same_weights(void **state)
{
    (void)state;
    const size_t sizes[] = {784, 16, 10}, n = 2000, n_val = 300;
    nn_images im;
    nn_labels lb;
    ts_load_mnist("train", n, &im, &lb);
    image_maker maker = {&im, &lb};
    nn_dataset all = ts_view(&im, &lb, 10);
    nn_dataset held = nn_dataset_view(im.pixels + (n - n_val) * 784, lb.labels + n - n_val,
                                      n_val, 28, 28, 10);
    for (size_t threads = 1; threads <= 2; threads++) {
        nn_net *nets[2];
        for (int made = 0; made < 2; made++) {
            nn_train_options opt;
            nn_train_options_default(&opt);
            opt.epochs = 2;
            opt.threads = threads;
            opt.val_count = n_val;
            opt.val_last = 1;
            opt.augment = 2;
            nn_train_hooks hooks = {NULL, NULL, NULL, &maker, made ? copy_images : NULL,
                                    made ? n - n_val : 0};
            nets[made] = make_net(sizes, 3, NN_ACT_RELU);
            nn_rng rng;
            nn_rng_seed(&rng, opt.seed);
            nn_net_init(nets[made], &rng);
            nn_error err = {{0}};
            nn_status st = nn_train(nets[made], made ? &held : &all, &opt, &hooks, NULL, &err);
            if (st != NN_OK)
                fail_msg("nn_train: %s", err.msg);
        }
        assert_memory_equal(nets[0]->params, nets[1]->params, nets[0]->n_params * sizeof(float));
        nn_net_free(nets[0]);
        nn_net_free(nets[1]);
    }
    nn_images_free(&im);
    nn_labels_free(&lb);
}

static void test_learns_mnist(void **state)
{
    (void)state;
    size_t sizes[] = {784, 16, 10};
    nn_train_options opt;
    nn_train_options_default(&opt);
    opt.epochs = 3;
    nn_net *net = train_mnist(sizes, 3, NN_ACT_RELU, &opt, 10000);
    double acc = test_accuracy(net, 0);
    print_message("784,16,10 relu, default recipe, 3 epochs on 10k images: "
                  "test accuracy %.4f\n", acc);
    assert_true(acc >= 0.88);
    nn_net_free(net);

    /* The textbook recipe: sigmoid, plain SGD, lr 0.5, batch 32. */
    opt.optimizer = NN_OPT_SGD;
    opt.lr = 0.5f;
    opt.batch = 32;
    opt.schedule = NN_LR_CONSTANT;
    opt.weight_decay = 0.0f;
    net = train_mnist(sizes, 3, NN_ACT_SIGMOID, &opt, 10000);
    acc = test_accuracy(net, 0);
    print_message("784,16,10 sigmoid, sgd lr 0.5 batch 32, 3 epochs on 10k images: "
                  "test accuracy %.4f\n", acc);
    assert_true(acc >= 0.85);
    nn_net_free(net);
}

static void test_perceptron_learns_mnist(void **state)
{
    (void)state;
    size_t sizes[] = {784, 10};
    nn_train_options opt;
    nn_train_options_default(&opt);
    opt.epochs = 2;
    nn_net *net = train_mnist(sizes, 2, NN_ACT_STEP, &opt, 10000);
    double acc = test_accuracy(net, 0);
    print_message("784,10 perceptron, 2 epochs on 10k images: test accuracy %.4f\n", acc);
    assert_true(acc > 0.80);
    nn_net_free(net);
}

static void test_divergence_is_reported(void **state)
{
    nn_images im;
    nn_labels lb;
    ts_load_mnist("train", 2000, &im, &lb);
    size_t sizes[] = {784, 32, 10};
    nn_net *net = make_net(sizes, 3, NN_ACT_RELU);
    nn_rng rng;
    nn_rng_seed(&rng, 1);
    nn_net_init(net, &rng);
    nn_train_options opt;
    nn_train_options_default(&opt);
    opt.optimizer = NN_OPT_SGD;
    opt.schedule = NN_LR_CONSTANT;
    opt.lr = 1e6f;
    opt.epochs = 3;
    opt.threads = threads_of(state);
    nn_error err = {{0}};
    nn_dataset data = ts_view(&im, &lb, 10);
    nn_status st = nn_train(net, &data, &opt, NULL, NULL, &err);
    assert_int_equal(st, NN_E_NUMERIC);
    if (strstr(err.msg, "training diverged at epoch 1, minibatch ") == NULL ||
        strstr(err.msg, "lower --lr") == NULL)
        fail_msg("unexpected message: %s", err.msg);
    nn_net_free(net);
    nn_images_free(&im);
    nn_labels_free(&lb);
}

typedef struct {
    volatile sig_atomic_t stop;
    size_t progress_calls, epoch_calls, last_done, last_total;
} hook_state;

static void stop_on_progress(size_t epoch, size_t done, size_t total, double loss, void *user)
{
    hook_state *h = user;
    (void)epoch;
    assert_true(loss >= 0 && isfinite(loss));
    h->progress_calls++;
    h->last_done = done;
    h->last_total = total;
    if (done >= total / 2)
        h->stop = 1;
}

static void count_epochs(const nn_epoch_stats *s, void *user)
{
    hook_state *h = user;
    (void)s;
    h->epoch_calls++;
}

static void test_hooks_and_interrupt(void **state)
{
    nn_images im;
    nn_labels lb;
    ts_load_mnist("train", 3200, &im, &lb);
    size_t sizes[] = {784, 16, 10};
    nn_net *net = make_net(sizes, 3, NN_ACT_SIGMOID);
    nn_train_options opt;
    nn_train_options_default(&opt);
    opt.epochs = 3;
    opt.batch = 10; /* 320 minibatches per epoch */
    opt.threads = threads_of(state);
    hook_state h = {0};
    nn_train_hooks hooks = {count_epochs, stop_on_progress, &h.stop, &h, NULL, 0};
    nn_error err = {{0}};
    nn_train_result res;
    nn_dataset data = ts_view(&im, &lb, 10);
    assert_int_equal(nn_train(net, &data, &opt, &hooks, &res, &err), NN_E_INTERRUPTED);
    assert_non_null(strstr(err.msg, "epoch 1"));
    assert_int_equal(h.epoch_calls, 0);
    assert_int_equal(h.last_total, 320);
    /* About every 1% of minibatches: stopped halfway, so about 50 calls. */
    assert_in_range(h.progress_calls, 40, 60);
    assert_int_equal(res.epochs_run, 0);

    /* Without a stop: every epoch reported once, the progress reaches the end. */
    h = (hook_state){0};
    hooks.on_progress = NULL;
    train_ok(net, &im, &lb, &opt, &hooks, &res);
    assert_int_equal(h.epoch_calls, 3);
    nn_net_free(net);
    nn_images_free(&im);
    nn_labels_free(&lb);
}

/* Records every epoch's stats and a copy of the net at its best epoch. */
typedef struct {
    const nn_net *net;
    float *best_params;
    double val[8];
    double loss[8];
    int is_best[8];
    size_t n;
} val_record;

static void record_epoch(const nn_epoch_stats *s, void *user)
{
    val_record *r = user;
    assert_true(s->epoch == r->n + 1 && r->n < 8);
    r->val[r->n] = s->val_accuracy;
    r->loss[r->n] = s->loss;
    r->is_best[r->n] = s->is_best;
    r->n++;
    if (s->is_best)
        memcpy(r->best_params, r->net->params, r->net->n_params * sizeof(float));
}

static void test_validation_keeps_best_epoch(void **state)
{
    nn_images im;
    nn_labels lb;
    ts_load_mnist("train", 4000, &im, &lb);
    size_t sizes[] = {784, 16, 10};
    nn_net *net = make_net(sizes, 3, NN_ACT_SIGMOID);
    nn_rng rng;
    nn_rng_seed(&rng, 3);
    nn_net_init(net, &rng);
    nn_train_options opt;
    nn_train_options_default(&opt);
    opt.optimizer = NN_OPT_SGD;
    opt.lr = 0.5f;
    opt.batch = 32;
    opt.val_count = 1000;
    opt.epochs = 4;
    opt.threads = threads_of(state);
    /* Two good epochs, then a learning rate 1000 times too large that wrecks
     * the net: the best epoch must be 1 or 2, not the last. */
    opt.schedule = NN_LR_STEP;
    opt.step_epochs = 2;
    opt.step_gamma = 1000.0f;
    val_record rec = {net, malloc(net->n_params * sizeof(float)), {0}, {0}, {0}, 0};
    nn_train_hooks hooks = {record_epoch, NULL, NULL, &rec, NULL, 0};
    nn_train_result res;
    train_ok(net, &im, &lb, &opt, &hooks, &res);

    assert_int_equal(rec.n, 4);
    size_t best = 0;
    for (size_t e = 0; e < 4; e++) {
        assert_true(rec.val[e] >= 0.0 && rec.val[e] <= 1.0);
        if (rec.val[e] > rec.val[best])
            best = e;
    }
    print_message("validation accuracy per epoch: %.4f %.4f %.4f %.4f\n", rec.val[0],
                  rec.val[1], rec.val[2], rec.val[3]);
    assert_int_equal(res.best_epoch, best + 1);
    assert_true(res.best_epoch <= 2);
    assert_true(rec.is_best[0]);
    assert_true(rec.is_best[best]);
    assert_true(res.best_val_accuracy == rec.val[best]);
    assert_true(res.best_val_accuracy > rec.val[3] + 0.05);
    assert_true(res.final_loss == rec.loss[3]);
    assert_memory_equal(net->params, rec.best_params, net->n_params * sizeof(float));

    /* Without validation the net keeps the last epoch. */
    opt.val_count = 0;
    opt.schedule = NN_LR_CONSTANT;
    opt.epochs = 1;
    train_ok(net, &im, &lb, &opt, NULL, &res);
    assert_int_equal(res.best_epoch, 1);
    assert_true(res.best_val_accuracy < 0.0);
    free(rec.best_params);
    nn_net_free(net);
    nn_images_free(&im);
    nn_labels_free(&lb);
}

static void test_rejects_mismatched_data(void **state)
{
    (void)state;
    uint8_t pixels[6] = {0};
    uint8_t label_bytes[2] = {0, 1};
    nn_dataset data = nn_dataset_view(pixels, label_bytes, 2, 1, 3, 2);
    size_t sizes[] = {2, 2};
    nn_net *net = make_net(sizes, 2, NN_ACT_SIGMOID);
    nn_train_options opt;
    nn_train_options_default(&opt);
    opt.batch = 1;
    nn_error err = {{0}};
    assert_int_equal(nn_train(net, &data, &opt, NULL, NULL, &err), NN_E_MISMATCH);
    data = nn_dataset_view(pixels, label_bytes, 2, 1, 2, 3);
    assert_int_equal(nn_train(net, &data, &opt, NULL, NULL, &err), NN_E_MISMATCH);
    assert_non_null(strstr(err.msg, "3 classes"));
    data.n_classes = 2;
    label_bytes[1] = 2;
    assert_int_equal(nn_train(net, &data, &opt, NULL, NULL, &err), NN_E_MISMATCH);
    assert_non_null(strstr(err.msg, "label 2 at index 1"));
    opt.batch = 3;
    assert_int_equal(nn_train(net, &data, &opt, NULL, NULL, &err), NN_E_ARG);
    nn_net_free(net);
}

int main(void)
{
    static size_t one_thread = 1, two_threads = 2;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_step_by_hand),
        cmocka_unit_test(test_perceptron_rule_by_hand),
        cmocka_unit_test(test_options_check),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_rejects_mismatched_data),
        cmocka_unit_test(test_same_seed_same_weights),
        cmocka_unit_test(test_learns_mnist),
        cmocka_unit_test(test_perceptron_learns_mnist),
        cmocka_unit_test(test_threads_give_same_weights),
        cmocka_unit_test(test_sleeping_threads_give_same_weights),
        cmocka_unit_test(test_made_images_same_weights),
        cmocka_unit_test_prestate(test_divergence_is_reported, &one_thread),
        cmocka_unit_test_prestate(test_divergence_is_reported, &two_threads),
        cmocka_unit_test_prestate(test_hooks_and_interrupt, &one_thread),
        cmocka_unit_test_prestate(test_hooks_and_interrupt, &two_threads),
        cmocka_unit_test_prestate(test_validation_keeps_best_epoch, &one_thread),
        cmocka_unit_test_prestate(test_validation_keeps_best_epoch, &two_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
