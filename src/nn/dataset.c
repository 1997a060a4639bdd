/* dataset.c - the borrowed view of a labelled image set and its one check. */
#include "nnclass/nn/dataset.h"

nn_dataset nn_dataset_view(const uint8_t *pixels, const uint8_t *labels, size_t count,
                           size_t rows, size_t cols, size_t n_classes)
{
    nn_dataset d = {count, rows * cols, rows, cols, pixels, labels, n_classes, NULL, NULL, 0};
    return d;
}

nn_dataset nn_dataset_with_seq(nn_dataset v, const uint8_t *seq, const uint8_t *len,
                               size_t width)
{
    v.seq = seq;
    v.seq_len = len;
    v.seq_width = width;
    return v;
}

int nn_net_reads_seq(const nn_net *net)
{
    return nn_layer_kind_reads_seq(net->layers[net->n_layers - 1].kind);
}

/* The label sequences: their room, every length and every label. */
static nn_status check_seq(const nn_dataset *data, nn_error *err)
{
    if (data->seq_width == 0 || data->seq_width > NN_SEQ_MAX)
        return nn_fail(err, NN_E_MISMATCH, "room for %zu labels per sample, expected 1 to %u",
                       data->seq_width, NN_SEQ_MAX);
    if (data->count > 0 && data->seq_len == NULL)
        return nn_fail(err, NN_E_MISMATCH, "%zu label sequences without their lengths",
                       data->count);
    for (size_t i = 0; i < data->count; i++) {
        size_t len = data->seq_len[i];
        if (len == 0 || len > data->seq_width)
            return nn_fail(err, NN_E_MISMATCH, "sequence %zu has %zu labels, expected 1 to %zu",
                           i, len, data->seq_width);
        const uint8_t *s = data->seq + i * data->seq_width;
        for (size_t k = 0; k < len; k++)
            if (s[k] >= data->n_classes)
                return nn_fail(err, NN_E_MISMATCH, "label %u at index %zu (place %zu) is not "
                               "below the class count %zu", s[k], i, k + 1, data->n_classes);
    }
    return NN_OK;
}

/* The view on its own: shape, class count and every label. */
static nn_status check_view(const nn_dataset *data, nn_error *err)
{
    if (data->n_in != data->rows * data->cols)
        return nn_fail(err, NN_E_MISMATCH, "%zu inputs per image, but the images are "
                       "%zux%zu", data->n_in, data->rows, data->cols);
    if (data->n_classes == 0 || data->n_classes > NN_MAX_CLASSES)
        return nn_fail(err, NN_E_MISMATCH, "%zu classes, expected 1 to %u", data->n_classes,
                       NN_MAX_CLASSES);
    if (data->seq != NULL)
        return check_seq(data, err);
    if (data->count > 0 && data->labels == NULL)
        return nn_fail(err, NN_E_MISMATCH, "%zu images without their labels", data->count);
    for (size_t i = 0; i < data->count; i++)
        if (data->labels[i] >= data->n_classes)
            return nn_fail(err, NN_E_MISMATCH, "label %u at index %zu is not below the class "
                           "count %zu", data->labels[i], i, data->n_classes);
    return NN_OK;
}

/* The view against the net's input layer and its class count. */
static nn_status check_fit(const nn_dataset *data, const nn_net *net, nn_error *err)
{
    size_t n_in = nn_net_size(net, 0), n_classes = nn_net_size(net, net->n_layers - 1);
    if (data->count > 0 && data->pixels == NULL)
        return nn_fail(err, NN_E_MISMATCH, "%zu images without their pixels", data->count);
    if (data->n_in != n_in)
        return nn_fail(err, NN_E_MISMATCH, "the images have %zux%zu = %zu pixels, the "
                       "network has %zu inputs", data->rows, data->cols, data->n_in, n_in);
    const nn_layer *in = &net->layers[0];
    if (in->h > 1 && (data->rows != in->h || data->cols != in->w))
        return nn_fail(err, NN_E_MISMATCH, "the images are %zux%zu, the network takes "
                       "%zux%zu", data->rows, data->cols, in->h, in->w);
    /* A sequence reader's targets are label sequences, one output per
     * class and the blank at each step; a reconstruction's, its inputs; a
     * classifier's, labels. */
    if (nn_net_reads_seq(net) != (data->seq != NULL))
        return nn_fail(err, NN_E_MISMATCH, data->seq != NULL
                       ? "the data has label sequences, the network reads one label per image"
                       : "the network reads a label sequence per image, the data has one label");
    if (data->seq != NULL) {
        size_t per_step = net->layers[net->n_layers - 1].c;
        if (per_step != data->n_classes + 1)
            return nn_fail(err, NN_E_MISMATCH, "the data has %zu classes, the network reads "
                           "%zu per step (the classes and a blank)", data->n_classes, per_step);
        return NN_OK;
    }
    if (!nn_net_has_classes(net) && n_classes != n_in)
        return nn_fail(err, NN_E_MISMATCH, "the network reconstructs %zu values from %zu "
                       "inputs", n_classes, n_in);
    if (nn_net_has_classes(net) && data->n_classes != n_classes)
        return nn_fail(err, NN_E_MISMATCH, "the data has %zu classes, the network %zu",
                       data->n_classes, n_classes);
    return NN_OK;
}

nn_status nn_dataset_check(const nn_dataset *data, const nn_net *net, nn_error *err)
{
    nn_status st = check_view(data, err);
    if (st == NN_OK && net != NULL)
        st = check_fit(data, net, err);
    return st;
}
