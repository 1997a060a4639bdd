/* test_eval.c - batch evaluation: a net whose every prediction is known by
 * construction gives the expected confusion matrix, predictions and
 * confidences across several chunks; the invariants hold on real MNIST;
 * chunks and merged matrices add up to the whole; and per-class precision,
 * recall and F1 and their macro and weighted averages match values worked
 * out by hand. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nnclass/nn/dataset.h"
#include "nnclass/nn/eval.h"
#include "nnclass/nn/net.h"
#include "test_support.h"

/* A fresh matrix for the net's classes with data evaluated into it. */
static nn_status evaluate(const nn_net *net, const nn_dataset *data, nn_confusion *c,
                          uint8_t *predicted, float *confidence, nn_error *err)
{
    if (nn_confusion_init(c, nn_net_size(net, net->n_layers - 1), err) != NN_OK)
        fail_msg("nn_confusion_init: %s", err->msg);
    return nn_evaluate(net, data, c, predicted, confidence, err);
}

static nn_net *make_net(const size_t *sizes, size_t n_layers, nn_activation act)
{
    nn_net *net = NULL;
    nn_error err = {{0}};
    if (nn_net_create(sizes, n_layers, act, &net, &err) != NN_OK)
        fail_msg("nn_net_create: %s", err.msg);
    return net;
}

/* A 784x16x10 net with random weights drawn from seed. */
static nn_net *random_mnist_net(nn_activation act, uint64_t seed)
{
    size_t sizes[] = {784, 16, 10};
    nn_net *net = make_net(sizes, 3, act);
    nn_rng rng;
    nn_rng_seed(&rng, seed);
    nn_net_init(net, &rng);
    return net;
}

/* A 4-pixel, 3-class logistic net with W = 8 I (first 3 pixels) and zero
 * biases: image i is predicted as the class of its brightest of the first
 * three pixels, with probability exp(8 x_k) / sum_j exp(8 x_j). The 601
 * images (three chunks of the evaluation, the last one partial) cycle through
 * the predictions and the labels independently, so that every cell of the
 * confusion matrix has a known count. */
static void test_known_predictions(void **state)
{
    (void)state;
    enum { N = 601, PIX = 4, C = 3 };
    size_t sizes[] = {PIX, C};
    nn_net *net = make_net(sizes, 2, NN_ACT_SIGMOID);
    float *w = nn_net_weights(net, 1);
    for (size_t k = 0; k < C; k++)
        w[k * PIX + k] = 8.0f;

    uint8_t *pixels = calloc(N * PIX, 1);
    uint8_t labels_buf[N];
    size_t want[C][C] = {{0}};
    size_t want_correct = 0;
    uint8_t want_pred[N];
    for (size_t i = 0; i < N; i++) {
        size_t pred = i % 3, truth = (i / 3 + i / 7) % 3;
        pixels[i * PIX + pred] = 200;
        pixels[i * PIX + (pred + 1) % 3] = (uint8_t)(i % 150); /* below 200 */
        pixels[i * PIX + 3] = 255;                              /* ignored */
        labels_buf[i] = (uint8_t)truth;
        want[truth][pred]++;
        want_correct += pred == truth;
        want_pred[i] = (uint8_t)pred;
    }
    nn_dataset data = nn_dataset_view(pixels, labels_buf, N, 2, 2, C);
    nn_confusion c;
    uint8_t predicted[N];
    float confidence[N];
    nn_error err = {{0}};
    assert_int_equal(evaluate(net, &data, &c, predicted, confidence, &err), NN_OK);
    assert_int_equal(c.n_classes, C);
    assert_int_equal(c.total, N);
    assert_int_equal(c.correct, want_correct);
    for (size_t t = 0; t < C; t++)
        for (size_t p = 0; p < C; p++)
            assert_int_equal(c.confusion[t * C + p], want[t][p]);
    assert_memory_equal(predicted, want_pred, N);
    double want_loss = 0;
    for (size_t i = 0; i < N; i++) {
        double z[C], s = 0;
        for (size_t k = 0; k < C; k++) {
            z[k] = 8.0 * pixels[i * PIX + k] / 255.0;
            s += exp(z[k]);
        }
        assert_float_equal(confidence[i], exp(z[want_pred[i]]) / s, 1e-6);
        want_loss -= log(exp(z[labels_buf[i]]) / s);
    }
    /* the mean cross-entropy of the true labels */
    assert_float_equal(nn_confusion_loss(&c), want_loss / N, 1e-6);

    /* Without the optional arrays. */
    nn_confusion c2;
    assert_int_equal(evaluate(net, &data, &c2, NULL, NULL, &err), NN_OK);
    assert_memory_equal(c.confusion, c2.confusion, C * C * sizeof(size_t));
    nn_confusion_free(&c);
    nn_confusion_free(&c2);
    assert_null(c.confusion);
    assert_int_equal(c.total, 0);
    nn_confusion_free(NULL);
    free(pixels);
    nn_net_free(net);
}

/* On real images with a random net: rows sum to the class counts, the
 * diagonal to the number correct, and the predictions agree with the
 * one-image forward pass. */
static void test_invariants_on_mnist(void **state)
{
    (void)state;
    nn_images im;
    nn_labels lb;
    ts_load_mnist("t10k", 1000, &im, &lb);
    nn_net *net = random_mnist_net(NN_ACT_TANH, 5);
    nn_confusion c;
    uint8_t *predicted = malloc(im.count);
    float *confidence = malloc(im.count * sizeof(float));
    nn_error err = {{0}};
    nn_dataset data = ts_view(&im, &lb, 10);
    assert_int_equal(evaluate(net, &data, &c, predicted, confidence, &err), NN_OK);

    size_t count[10] = {0}, diag = 0, right = 0;
    for (size_t i = 0; i < im.count; i++)
        count[lb.labels[i]]++;
    for (size_t t = 0; t < 10; t++) {
        size_t row = 0;
        for (size_t p = 0; p < 10; p++)
            row += c.confusion[t * 10 + p];
        assert_int_equal(row, count[t]);
        diag += c.confusion[t * 10 + t];
    }
    assert_int_equal(diag, c.correct);

    nn_workspace *ws;
    assert_int_equal(nn_workspace_create(net, 1, &ws, &err), NN_OK);
    float x[784];
    for (size_t i = 0; i < im.count; i++) {
        nn_scale_pixels(im.pixels + i * 784, 784, x);
        const float *p = nn_net_forward(net, ws, x);
        size_t k = nn_argmax(p, 10);
        assert_int_equal(predicted[i], k);
        assert_float_equal(confidence[i], p[k], 1e-5);
        right += k == lb.labels[i];
    }
    assert_int_equal(right, c.correct);
    nn_workspace_free(ws);
    nn_confusion_free(&c);
    free(predicted);
    free(confidence);
    nn_net_free(net);
    nn_images_free(&im);
    nn_labels_free(&lb);
}

static void test_metrics_by_hand(void **state)
{
    (void)state;
    /* Rows are true labels, columns predictions; class 3 never occurs and is
     * never predicted. */
    size_t m[16] = {5, 1, 0, 0,
                    2, 3, 1, 0,
                    0, 4, 0, 0,
                    0, 0, 0, 0};
    nn_confusion c = {4, 16, 8, m, 0.0};
    /* Class 0: tp 5, row 6, column 7: P = 5/7, R = 5/6, F1 = 2PR/(P+R) = 10/13. */
    nn_class_metrics k0 = nn_class_metrics_of(&c, 0);
    assert_float_equal(k0.precision, 5.0 / 7.0, 1e-12);
    assert_float_equal(k0.recall, 5.0 / 6.0, 1e-12);
    assert_float_equal(k0.f1, 10.0 / 13.0, 1e-12);
    assert_int_equal(k0.support, 6);
    /* Class 1: tp 3, row 6, column 8: P = 3/8, R = 1/2, F1 = 3/7. */
    nn_class_metrics k1 = nn_class_metrics_of(&c, 1);
    assert_float_equal(k1.precision, 3.0 / 8.0, 1e-12);
    assert_float_equal(k1.recall, 0.5, 1e-12);
    assert_float_equal(k1.f1, 3.0 / 7.0, 1e-12);
    assert_int_equal(k1.support, 6);
    /* Class 2: tp 0, row 4, column 1: P = R = 0, F1 defined as 0. */
    nn_class_metrics k2 = nn_class_metrics_of(&c, 2);
    assert_true(k2.precision == 0.0 && k2.recall == 0.0 && k2.f1 == 0.0);
    assert_int_equal(k2.support, 4);
    /* Class 3: no support, no predictions: all 0, not NaN. */
    nn_class_metrics k3 = nn_class_metrics_of(&c, 3);
    assert_true(k3.precision == 0.0 && k3.recall == 0.0 && k3.f1 == 0.0);
    assert_int_equal(k3.support, 0);
    /* Out of range. */
    nn_class_metrics k9 = nn_class_metrics_of(&c, 9);
    assert_true(k9.precision == 0.0 && k9.support == 0);

    assert_float_equal(nn_confusion_accuracy(&c), 0.5, 1e-12);
    assert_int_equal(nn_confusion_predicted(&c, 0), 7);
    assert_int_equal(nn_confusion_predicted(&c, 1), 8);
    assert_int_equal(nn_confusion_predicted(&c, 2), 1);
    assert_int_equal(nn_confusion_predicted(&c, 3), 0);
    /* Macro: the mean over classes 0, 1 and 2 (class 3 is absent from labels
     * and predictions): P = (5/7 + 3/8 + 0) / 3 = 61/168, R = (5/6 + 1/2 + 0)
     * / 3 = 4/9, F1 = (10/13 + 3/7 + 0) / 3 = 109/273. */
    nn_class_metrics macro = nn_metrics_macro(&c);
    assert_float_equal(macro.precision, 61.0 / 168.0, 1e-12);
    assert_float_equal(macro.recall, 4.0 / 9.0, 1e-12);
    assert_float_equal(macro.f1, 109.0 / 273.0, 1e-12);
    assert_int_equal(macro.support, 16);
    /* Weighted by the supports 6, 6, 4 of 16: P = (6 5/7 + 6 3/8) / 16 =
     * 183/448, R = (5 + 3) / 16 = 1/2, F1 = (6 10/13 + 6 3/7) / 16 = 327/728. */
    nn_class_metrics weighted = nn_metrics_weighted(&c);
    assert_float_equal(weighted.precision, 183.0 / 448.0, 1e-12);
    assert_float_equal(weighted.recall, 0.5, 1e-12);
    assert_float_equal(weighted.f1, 327.0 / 728.0, 1e-12);
    assert_int_equal(weighted.support, 16);
}

/* A class that is predicted but never the true label counts in the macro
 * average (precision 0, recall 0), not in the weighted one (support 0). */
static void test_macro_counts_predicted_only_classes(void **state)
{
    (void)state;
    size_t m[4] = {3, 1,
                   0, 0};
    nn_confusion c = {2, 4, 3, m, 0.0};
    /* Class 0: P = 1, R = 3/4, F1 = 6/7; class 1: all 0. */
    nn_class_metrics macro = nn_metrics_macro(&c);
    assert_float_equal(macro.precision, 0.5, 1e-12);
    assert_float_equal(macro.recall, 3.0 / 8.0, 1e-12);
    assert_float_equal(macro.f1, 3.0 / 7.0, 1e-12);
    nn_class_metrics weighted = nn_metrics_weighted(&c);
    assert_float_equal(weighted.precision, 1.0, 1e-12);
    assert_float_equal(weighted.recall, 0.75, 1e-12);
    assert_float_equal(weighted.f1, 6.0 / 7.0, 1e-12);
    assert_int_equal(weighted.support, 4);
}

/* nn_confusion_add builds the matrix cell by cell; an empty one has every
 * figure 0, none NaN. */
static void test_add_and_empty(void **state)
{
    (void)state;
    nn_confusion c;
    nn_error err = {{0}};
    assert_int_equal(nn_confusion_init(&c, 3, &err), NN_OK);
    assert_float_equal(nn_confusion_accuracy(&c), 0.0, 0.0);
    nn_class_metrics macro = nn_metrics_macro(&c), weighted = nn_metrics_weighted(&c);
    assert_true(macro.precision == 0.0 && macro.recall == 0.0 && macro.f1 == 0.0);
    assert_true(weighted.precision == 0.0 && weighted.support == 0);
    nn_confusion_add(&c, 0, 0);
    nn_confusion_add(&c, 2, 1);
    nn_confusion_add(&c, 2, 1);
    nn_confusion_add(&c, 1, 1);
    const size_t want[9] = {1, 0, 0, 0, 1, 0, 0, 2, 0};
    assert_memory_equal(c.confusion, want, sizeof want);
    assert_int_equal(c.total, 4);
    assert_int_equal(c.correct, 2);
    nn_confusion_free(&c);
    assert_null(c.confusion);
    assert_int_equal(c.n_classes, 0);
}

static void test_rejects_mismatches(void **state)
{
    (void)state;
    size_t sizes[] = {4, 3};
    nn_net *net = make_net(sizes, 2, NN_ACT_SIGMOID);
    uint8_t pixels[8] = {0};
    uint8_t labels_buf[2] = {0, 2};
    nn_dataset data = nn_dataset_view(pixels, labels_buf, 2, 2, 3, 3);
    nn_confusion c;
    nn_error err = {{0}};

    assert_int_equal(evaluate(net, &data, &c, NULL, NULL, &err), NN_E_MISMATCH);
    assert_non_null(strstr(err.msg, "pixels"));
    assert_int_equal(c.total, 0);
    nn_confusion_free(&c);
    data = nn_dataset_view(pixels, labels_buf, 2, 2, 2, 3);
    labels_buf[1] = 3;
    assert_int_equal(evaluate(net, &data, &c, NULL, NULL, &err), NN_E_MISMATCH);
    assert_non_null(strstr(err.msg, "label 3"));
    nn_confusion_free(&c);
    labels_buf[1] = 2;
    data.n_classes = 4;
    assert_int_equal(evaluate(net, &data, &c, NULL, NULL, &err), NN_E_MISMATCH);
    assert_non_null(strstr(err.msg, "4 classes"));
    nn_confusion_free(&c);
    data.n_classes = 3;
    data.n_in = 5;
    assert_int_equal(evaluate(net, &data, &c, NULL, NULL, &err), NN_E_MISMATCH);
    nn_confusion_free(&c);
    data.n_in = 4;
    data.pixels = NULL;
    assert_int_equal(evaluate(net, &data, &c, NULL, NULL, &err), NN_E_MISMATCH);
    nn_confusion_free(&c);
    data.pixels = pixels;

    /* A matrix made for another class count is the caller's mistake. */
    assert_int_equal(nn_confusion_init(&c, 2, &err), NN_OK);
    assert_int_equal(nn_evaluate(net, &data, &c, NULL, NULL, &err), NN_E_ARG);
    nn_confusion_free(&c);
    assert_int_equal(nn_confusion_init(&c, 0, &err), NN_E_ARG);
    assert_int_equal(nn_confusion_init(&c, NN_MAX_CLASSES + 1, &err), NN_E_ARG);

    /* No images: an empty matrix, not an error here (the front end decides). */
    data.count = 0;
    assert_int_equal(evaluate(net, &data, &c, NULL, NULL, &err), NN_OK);
    assert_int_equal(c.total, 0);
    assert_int_equal(c.correct, 0);
    assert_int_equal(c.n_classes, 3);
    nn_confusion_free(&c);
    nn_net_free(net);
}

/* Chunks evaluated one after the other into one matrix, in one scratch,
 * count what the whole set counts at once; two matrices merged count what
 * both hold. */
static void test_chunks_add_up(void **state)
{
    (void)state;
    nn_images im;
    nn_labels lb;
    ts_load_mnist("t10k", 700, &im, &lb);
    nn_net *net = random_mnist_net(NN_ACT_RELU, 3);
    nn_dataset data = ts_view(&im, &lb, 10);
    nn_error err = {{0}};
    nn_confusion whole, chunked, first, rest;
    assert_int_equal(evaluate(net, &data, &whole, NULL, NULL, &err), NN_OK);
    assert_int_equal(nn_confusion_init(&chunked, 10, &err), NN_OK);
    nn_evaluator *ev = NULL;
    assert_int_equal(nn_evaluator_create(net, &ev, &err), NN_OK);
    for (size_t start = 0; start < data.count; start += 300) {
        size_t n = data.count - start < 300 ? data.count - start : 300;
        nn_dataset part = nn_dataset_view(im.pixels + start * 784, lb.labels + start, n, 28, 28,
                                          10);
        assert_int_equal(nn_evaluator_run(ev, &part, &chunked, NULL, NULL, &err), NN_OK);
    }
    nn_evaluator_free(ev);
    nn_evaluator_free(NULL);
    assert_int_equal(chunked.total, 700);
    assert_int_equal(chunked.correct, whole.correct);
    assert_memory_equal(chunked.confusion, whole.confusion, 100 * sizeof(size_t));

    nn_dataset a = nn_dataset_view(im.pixels, lb.labels, 250, 28, 28, 10);
    nn_dataset b = nn_dataset_view(im.pixels + 250 * 784, lb.labels + 250, 450, 28, 28, 10);
    assert_int_equal(evaluate(net, &a, &first, NULL, NULL, &err), NN_OK);
    assert_int_equal(evaluate(net, &b, &rest, NULL, NULL, &err), NN_OK);
    nn_confusion_merge(&first, &rest);
    assert_int_equal(first.total, 700);
    assert_int_equal(first.correct, whole.correct);
    assert_memory_equal(first.confusion, whole.confusion, 100 * sizeof(size_t));

    nn_confusion_free(&whole);
    nn_confusion_free(&chunked);
    nn_confusion_free(&first);
    nn_confusion_free(&rest);
    nn_net_free(net);
    nn_images_free(&im);
    nn_labels_free(&lb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_predictions),
        cmocka_unit_test(test_invariants_on_mnist),
        cmocka_unit_test(test_metrics_by_hand),
        cmocka_unit_test(test_macro_counts_predicted_only_classes),
        cmocka_unit_test(test_add_and_empty),
        cmocka_unit_test(test_rejects_mismatches),
        cmocka_unit_test(test_chunks_add_up),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
