/*
 * eval.h - classify a whole data set and summarise the result: accuracy, the
 * confusion matrix (rows are true labels, columns predictions) and per-class
 * precision, recall and F1.
 */
#ifndef NNCLASS_EVAL_H
#define NNCLASS_EVAL_H

#include <stddef.h>
#include <stdint.h>

#include "nnclass/error.h"
#include "nnclass/idx.h"
#include "nnclass/net.h"

typedef struct {
    size_t n_classes;
    size_t total;
    size_t correct;
    size_t *confusion; /* n_classes * n_classes, [true * n_classes + predicted] */
} nn_confusion;

typedef struct {
    double precision, recall, f1; /* 0 when undefined (no predictions / no support) */
    size_t support;               /* images whose true label is this class */
} nn_class_metrics;

/* Classifies every image (minibatches through cblas_sgemm) and fills out,
 * which the caller frees with nn_confusion_free. If predicted / confidence are
 * not NULL they receive, per image, the predicted label and its probability
 * (arrays of images->count). Labels must have been checked for n_classes. */
nn_status nn_evaluate(const nn_net *net, const nn_images *images, const nn_labels *labels,
                      nn_confusion *out, uint8_t *predicted, float *confidence,
                      nn_error *err);

/* Frees the matrix and zeroes the struct (NULL-safe). */
void nn_confusion_free(nn_confusion *c);

/* Precision, recall, F1 and support of class k, from the matrix. */
nn_class_metrics nn_class_metrics_of(const nn_confusion *c, size_t k);

#endif
