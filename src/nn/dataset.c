/* dataset.c - the borrowed view of a labelled image set and its one check. */
#include "nnclass/nn/dataset.h"

nn_dataset nn_dataset_view(const uint8_t *pixels, const uint8_t *labels, size_t count,
                           size_t rows, size_t cols, size_t n_classes)
{
    nn_dataset d = {count, rows * cols, rows, cols, pixels, labels, n_classes};
    return d;
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
    /* A reconstruction's targets are its inputs; a classifier's, labels. */
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
