/* eval.c - batch evaluation: every image through the sgemm forward pass in
 * chunks, counted in a confusion matrix, and the figures derived from it. */
#include "nnclass/nn/eval.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Images per forward pass: large enough that cblas_sgemm runs near its peak,
 * small enough that the chunk's floats stay in the L2 cache for 784 inputs. */
#define EVAL_CHUNK 256u

/* --- the matrix ----------------------------------------------------------------- */

nn_status nn_confusion_init(nn_confusion *c, size_t n_classes, nn_error *err)
{
    memset(c, 0, sizeof *c);
    if (n_classes == 0 || n_classes > NN_MAX_CLASSES)
        return nn_fail(err, NN_E_ARG, "a confusion matrix of %zu classes, expected 1 to %u",
                       n_classes, NN_MAX_CLASSES);
    c->confusion = calloc(n_classes * n_classes, sizeof *c->confusion);
    if (c->confusion == NULL)
        return nn_fail(err, NN_E_NOMEM, "out of memory for a %zux%zu confusion matrix",
                       n_classes, n_classes);
    c->n_classes = n_classes;
    return NN_OK;
}

void nn_confusion_add(nn_confusion *c, size_t truth, size_t predicted)
{
    c->confusion[truth * c->n_classes + predicted]++;
    c->total++;
    c->correct += truth == predicted;
}

void nn_confusion_merge(nn_confusion *into, const nn_confusion *from)
{
    size_t cells = into->n_classes * into->n_classes;
    for (size_t i = 0; i < cells; i++)
        into->confusion[i] += from->confusion[i];
    into->total += from->total;
    into->correct += from->correct;
    into->loss += from->loss;
}

void nn_confusion_free(nn_confusion *c)
{
    if (c != NULL) {
        free(c->confusion);
        *c = (nn_confusion){0, 0, 0, NULL, 0.0};
    }
}

/* --- classifying ---------------------------------------------------------------- */

/* Counts the bs images of one forward pass (probs is (bs, n_classes), labels
 * theirs) and fills their entries of predicted and confidence (either may be
 * NULL). */
static void count_chunk(nn_confusion *c, const float *probs, const uint8_t *labels, size_t bs,
                        uint8_t *predicted, float *confidence)
{
    size_t n_classes = c->n_classes;
    for (size_t r = 0; r < bs; r++) {
        const float *pr = probs + r * n_classes;
        size_t k = nn_argmax(pr, n_classes);
        nn_confusion_add(c, labels[r], k);
        /* floored as training's validation loss is: a confident mistake
         * costs much, not infinity */
        float p = pr[labels[r]];
        c->loss -= log(p > 1.17549435e-38f ? (double)p : 1.17549435e-38);
        if (predicted != NULL)
            predicted[r] = (uint8_t)k;
        if (confidence != NULL)
            confidence[r] = pr[k];
    }
}

struct nn_evaluator {
    const nn_net *net;
    nn_workspace *ws;
    float *x; /* (EVAL_CHUNK, n_in): the chunk's pixels, scaled */
};

nn_status nn_evaluator_create(const nn_net *net, nn_evaluator **out, nn_error *err)
{
    *out = NULL;
    nn_evaluator *ev = calloc(1, sizeof *ev);
    if (ev == NULL)
        return nn_fail(err, NN_E_NOMEM, "out of memory for an evaluation");
    ev->net = net;
    ev->x = malloc(EVAL_CHUNK * nn_net_size(net, 0) * sizeof *ev->x);
    nn_status st = ev->x == NULL ? nn_fail(err, NN_E_NOMEM, "out of memory for %u images "
                                           "of %zu inputs", EVAL_CHUNK, nn_net_size(net, 0))
                                 : nn_workspace_create_forward(net, EVAL_CHUNK, &ev->ws, err);
    if (st != NN_OK) {
        nn_evaluator_free(ev);
        return st;
    }
    *out = ev;
    return NN_OK;
}

void nn_evaluator_free(nn_evaluator *ev)
{
    if (ev != NULL) {
        nn_workspace_free(ev->ws);
        free(ev->x);
        free(ev);
    }
}

nn_status nn_evaluator_run(nn_evaluator *ev, const nn_dataset *data, nn_confusion *c,
                           uint8_t *predicted, float *confidence, nn_error *err)
{
    const nn_net *net = ev->net;
    nn_status st = nn_dataset_check(data, net, err);
    if (st != NN_OK)
        return st;
    size_t n_in = data->n_in, n_classes = data->n_classes;
    if (c->confusion == NULL || c->n_classes != n_classes)
        return nn_fail(err, NN_E_ARG, "a confusion matrix of %zu classes for a network of "
                       "%zu", c->n_classes, n_classes);
    for (size_t start = 0; st == NN_OK && start < data->count; start += EVAL_CHUNK) {
        size_t bs = data->count - start < EVAL_CHUNK ? data->count - start : EVAL_CHUNK;
        nn_scale_pixels(data->pixels + start * n_in, bs * n_in, ev->x);
        const float *probs = nn_net_forward_batch(net, ev->ws, ev->x, bs);
        size_t bad = nn_first_nonfinite(probs, bs * n_classes);
        if (bad < bs * n_classes)
            st = nn_fail(err, NN_E_NUMERIC, "the forward pass overflows: image %zu gets a "
                         "non-finite probability", start + bad / n_classes);
        else
            count_chunk(c, probs, data->labels + start, bs,
                        predicted != NULL ? predicted + start : NULL,
                        confidence != NULL ? confidence + start : NULL);
    }
    return st;
}

nn_status nn_evaluate(const nn_net *net, const nn_dataset *data, nn_confusion *c,
                      uint8_t *predicted, float *confidence, nn_error *err)
{
    nn_evaluator *ev = NULL;
    nn_status st = nn_evaluator_create(net, &ev, err);
    if (st == NN_OK)
        st = nn_evaluator_run(ev, data, c, predicted, confidence, err);
    nn_evaluator_free(ev);
    return st;
}

nn_status nn_evaluator_run_recon(nn_evaluator *ev, const nn_dataset *data, double *sum,
                                 nn_error *err)
{
    const nn_net *net = ev->net;
    if (nn_net_has_classes(net))
        return nn_fail(err, NN_E_ARG, "the network is a classifier, not an autoencoder");
    nn_status st = nn_dataset_check(data, net, err);
    size_t n_in = data->n_in, last = net->n_layers - 1;
    double chunk_sum = 0.0;
    for (size_t start = 0; st == NN_OK && start < data->count; start += EVAL_CHUNK) {
        size_t bs = data->count - start < EVAL_CHUNK ? data->count - start : EVAL_CHUNK;
        nn_scale_pixels(data->pixels + start * n_in, bs * n_in, ev->x);
        /* the scores (logits), before the output's sigmoid: an exact BCE */
        const float *z = nn_net_forward_to(net, ev->ws, ev->x, bs, last);
        chunk_sum += nn_recon_loss(z, ev->x, bs, n_in);
    }
    if (st == NN_OK && !isfinite(chunk_sum))
        return nn_fail(err, NN_E_NUMERIC, "the reconstruction loss is not finite");
    if (st == NN_OK)
        *sum += chunk_sum;
    return st;
}

nn_status nn_evaluate_recon(const nn_net *net, const nn_dataset *data, double *loss,
                            nn_error *err)
{
    *loss = 0.0;
    nn_evaluator *ev = NULL;
    double sum = 0.0;
    nn_status st = nn_evaluator_create(net, &ev, err);
    if (st == NN_OK)
        st = nn_evaluator_run_recon(ev, data, &sum, err);
    nn_evaluator_free(ev);
    if (st == NN_OK && data->count > 0)
        *loss = sum / (double)data->count;
    return st;
}

/* --- derived figures ------------------------------------------------------------ */

double nn_confusion_accuracy(const nn_confusion *c)
{
    return c->total > 0 ? (double)c->correct / (double)c->total : 0.0;
}

double nn_confusion_loss(const nn_confusion *c)
{
    return c->total > 0 ? c->loss / (double)c->total : 0.0;
}

size_t nn_confusion_predicted(const nn_confusion *c, size_t k)
{
    size_t n = 0;
    for (size_t i = 0; i < c->n_classes; i++)
        n += c->confusion[i * c->n_classes + k];
    return n;
}

nn_class_metrics nn_class_metrics_of(const nn_confusion *c, size_t k)
{
    nn_class_metrics m = {0.0, 0.0, 0.0, 0};
    if (c == NULL || c->confusion == NULL || k >= c->n_classes)
        return m;
    size_t n = c->n_classes, tp = c->confusion[k * n + k];
    size_t col = nn_confusion_predicted(c, k);
    for (size_t j = 0; j < n; j++)
        m.support += c->confusion[k * n + j];
    m.precision = col > 0 ? (double)tp / (double)col : 0.0;
    m.recall = m.support > 0 ? (double)tp / (double)m.support : 0.0;
    m.f1 = m.precision + m.recall > 0.0
               ? 2.0 * m.precision * m.recall / (m.precision + m.recall)
               : 0.0;
    return m;
}

/* m's precision, recall and F1 divided by n (left alone when n is 0). */
static void divide(nn_class_metrics *m, double n)
{
    if (n > 0.0) {
        m->precision /= n;
        m->recall /= n;
        m->f1 /= n;
    }
}

nn_class_metrics nn_metrics_macro(const nn_confusion *c)
{
    nn_class_metrics m = {0.0, 0.0, 0.0, 0};
    size_t present = 0;
    for (size_t k = 0; k < c->n_classes; k++) {
        nn_class_metrics km = nn_class_metrics_of(c, k);
        m.support += km.support;
        if (km.support == 0 && nn_confusion_predicted(c, k) == 0)
            continue;
        present++;
        m.precision += km.precision;
        m.recall += km.recall;
        m.f1 += km.f1;
    }
    divide(&m, (double)present);
    return m;
}

nn_class_metrics nn_metrics_weighted(const nn_confusion *c)
{
    nn_class_metrics m = {0.0, 0.0, 0.0, 0};
    for (size_t k = 0; k < c->n_classes; k++) {
        nn_class_metrics km = nn_class_metrics_of(c, k);
        m.precision += km.precision * (double)km.support;
        m.recall += km.recall * (double)km.support;
        m.f1 += km.f1 * (double)km.support;
        m.support += km.support;
    }
    divide(&m, (double)m.support);
    return m;
}
