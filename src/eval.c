/* eval.c - batch evaluation: every image through the sgemm forward pass in
 * chunks, the confusion matrix, and per-class precision, recall and F1. */
#include "nnclass/eval.h"

#include <stdlib.h>
#include <string.h>

/* Images per forward pass: large enough that cblas_sgemm runs near its peak,
 * small enough that the chunk's floats stay in the L2 cache for 784 inputs. */
#define EVAL_CHUNK 256u

nn_status nn_evaluate(const nn_net *net, const nn_images *images, const nn_labels *labels,
                      nn_confusion *out, uint8_t *predicted, float *confidence,
                      nn_error *err)
{
    memset(out, 0, sizeof *out);
    nn_status checked = nn_net_check_data(net, images, labels, err);
    if (checked != NN_OK)
        return checked;
    size_t n_in = net->sizes[0], n_classes = net->sizes[net->n_layers - 1];

    nn_status st = NN_OK;
    nn_workspace *ws = NULL;
    size_t *confusion = calloc(n_classes * n_classes, sizeof *confusion);
    float *x = malloc(EVAL_CHUNK * n_in * sizeof *x);
    if (confusion == NULL || x == NULL) {
        st = nn_fail(err, NN_E_NOMEM, "out of memory for evaluating %zu images",
                     images->count);
        goto fail;
    }
    st = nn_workspace_create_forward(net, EVAL_CHUNK, &ws, err);
    if (st != NN_OK)
        goto fail;

    size_t correct = 0;
    for (size_t start = 0; start < images->count; start += EVAL_CHUNK) {
        size_t bs = images->count - start < EVAL_CHUNK ? images->count - start : EVAL_CHUNK;
        nn_scale_pixels(images->pixels + start * n_in, bs * n_in, x);
        /* probs is (bs, n_classes), one softmax row per image. */
        const float *probs = nn_net_forward_batch(net, ws, x, bs);
        size_t bad = nn_first_nonfinite(probs, bs * n_classes);
        if (bad < bs * n_classes) {
            st = nn_fail(err, NN_E_NUMERIC, "the forward pass overflows: image %zu gets a "
                         "non-finite probability", start + bad / n_classes);
            goto fail;
        }
        for (size_t r = 0; r < bs; r++) {
            const float *pr = probs + r * n_classes;
            size_t k = nn_argmax(pr, n_classes), truth = labels->labels[start + r];
            confusion[truth * n_classes + k]++;
            correct += k == truth;
            if (predicted != NULL)
                predicted[start + r] = (uint8_t)k;
            if (confidence != NULL)
                confidence[start + r] = pr[k];
        }
    }
    nn_workspace_free(ws);
    free(x);
    out->n_classes = n_classes;
    out->total = images->count;
    out->correct = correct;
    out->confusion = confusion;
    return NN_OK;

fail:
    nn_workspace_free(ws);
    free(x);
    free(confusion);
    return st;
}

void nn_confusion_free(nn_confusion *c)
{
    if (c == NULL)
        return;
    free(c->confusion);
    memset(c, 0, sizeof *c);
}

nn_class_metrics nn_class_metrics_of(const nn_confusion *c, size_t k)
{
    nn_class_metrics m = {0.0, 0.0, 0.0, 0};
    if (c == NULL || c->confusion == NULL || k >= c->n_classes)
        return m;
    size_t n = c->n_classes, tp = c->confusion[k * n + k];
    size_t row = 0, col = 0; /* images of class k; images predicted as k */
    for (size_t j = 0; j < n; j++) {
        row += c->confusion[k * n + j];
        col += c->confusion[j * n + k];
    }
    m.support = row;
    m.precision = col > 0 ? (double)tp / (double)col : 0.0;
    m.recall = row > 0 ? (double)tp / (double)row : 0.0;
    m.f1 = m.precision + m.recall > 0.0
               ? 2.0 * m.precision * m.recall / (m.precision + m.recall)
               : 0.0;
    return m;
}
