/*
 * eval.h - classify a data set and summarise the result: the confusion
 * matrix (rows are true labels, columns predictions), accuracy, per-class
 * precision, recall and F1, and their macro and weighted averages.
 *
 * A matrix is made once (nn_confusion_init) and every evaluation adds into
 * it, so a set read chunk by chunk (a stream) or shared out over threads is
 * counted in one matrix with no allocation per chunk. Every figure derived
 * from the counts is computed here; front ends only format them.
 */
#ifndef NNCLASS_EVAL_H
#define NNCLASS_EVAL_H

#include <stddef.h>
#include <stdint.h>

#include "nnclass/nn/dataset.h"
#include "nnclass/base/error.h"
#include "nnclass/nn/net.h"

typedef struct {
    size_t n_classes;
    size_t total;
    size_t correct;
    size_t *confusion; /* n_classes * n_classes, [true * n_classes + predicted] */
    double loss;       /* summed cross-entropy -log p(true label) of the images counted
                          by nn_evaluate (nn_confusion_add counts none) */
} nn_confusion;

typedef struct {
    double precision, recall, f1; /* 0 when undefined (no predictions / no support) */
    size_t support;               /* images whose true label is this class */
} nn_class_metrics;

/* An all-zero matrix for n_classes (1..NN_MAX_CLASSES, else NN_E_ARG); NN_E_NOMEM
 * when it cannot be allocated. The caller frees it with nn_confusion_free. */
nn_status nn_confusion_init(nn_confusion *c, size_t n_classes, nn_error *err);

/* Counts one image of class truth predicted as predicted (both below n_classes). */
void nn_confusion_add(nn_confusion *c, size_t truth, size_t predicted);

/* Adds the counts of from into into; both have the same class count. */
void nn_confusion_merge(nn_confusion *into, const nn_confusion *from);

/* Frees the matrix and zeroes the struct (NULL-safe). */
void nn_confusion_free(nn_confusion *c);

/* Classifies every image of data (minibatches through cblas_sgemm) and adds
 * them into c, made by nn_confusion_init for the net's class count. data is
 * checked first (nn_dataset_check against net: NN_E_MISMATCH). If predicted /
 * confidence are not NULL they receive, per image, the predicted label and
 * its probability (arrays of data->count). NN_E_NUMERIC when the forward pass
 * overflows; c then holds the images counted before. */
nn_status nn_evaluate(const nn_net *net, const nn_dataset *data, nn_confusion *c,
                      uint8_t *predicted, float *confidence, nn_error *err);

/* The scratch of nn_evaluate (a forward-pass workspace and room for scaled
 * pixels) for one net, made once for a stream of chunks so that no chunk
 * allocates; one per thread. The net must outlive it. */
typedef struct nn_evaluator nn_evaluator;

/* Caller frees with nn_evaluator_free (NULL-safe). */
nn_status nn_evaluator_create(const nn_net *net, nn_evaluator **out, nn_error *err);
void nn_evaluator_free(nn_evaluator *ev);

/* nn_evaluate of ev's net, in ev's scratch. */
nn_status nn_evaluator_run(nn_evaluator *ev, const nn_dataset *data, nn_confusion *c,
                           uint8_t *predicted, float *confidence, nn_error *err);

/* An autoencoder's (a net ending in a reconstruction output) mean loss on
 * data: binary cross-entropy per pixel against the images / 255, averaged
 * over pixels and images, into *loss. data is checked first (NN_E_MISMATCH);
 * NN_E_NUMERIC when the loss is not finite. */
nn_status nn_evaluate_recon(const nn_net *net, const nn_dataset *data, double *loss,
                            nn_error *err);

/* nn_evaluate_recon of ev's net on one chunk, in ev's scratch: adds the
 * chunk's summed per-image losses to *sum. */
nn_status nn_evaluator_run_recon(nn_evaluator *ev, const nn_dataset *data, double *sum,
                                 nn_error *err);

/* correct / total; 0 for an empty matrix. */
double nn_confusion_accuracy(const nn_confusion *c);

/* The mean cross-entropy (loss / total) of the images nn_evaluate counted, a
 * probability below the smallest normal float counting as that float; 0 for
 * an empty matrix. */
double nn_confusion_loss(const nn_confusion *c);

/* Images predicted as class k: column k of the matrix. */
size_t nn_confusion_predicted(const nn_confusion *c, size_t k);

/* Precision, recall, F1 and support of class k, from the matrix (all 0 for
 * a k out of range). */
nn_class_metrics nn_class_metrics_of(const nn_confusion *c, size_t k);

/* The averages of scikit-learn's classification_report. Macro: the plain
 * mean over the classes present in the labels or the predictions (a class
 * absent from both would only add zeros). Weighted: each class weighed by
 * its support. The support of both is the total of the supports. */
nn_class_metrics nn_metrics_macro(const nn_confusion *c);
nn_class_metrics nn_metrics_weighted(const nn_confusion *c);

#endif
