/* train_init.c - `train --init MODEL`: training starts from an existing
 * model (its layers, activations, class names and weights), so that a few
 * hundred scans of one's own digits adapt a shipped model in seconds. */
#include "cli.h"

#include "nnclass/nn/model.h"
#include "nnclass/nn/net.h"

int cli_train_init(const char *init, const char *data_dir, const char *images_path,
                   size_t rows, size_t cols, size_t data_classes, nn_net **net,
                   nn_model_meta *meta)
{
    char path[4096];
    nn_error err = {{0}};
    *net = NULL;
    if (cli_model_path(data_dir, init, path, sizeof path) != CLI_OK)
        return CLI_EXIT_DATA;
    nn_status st = nn_model_load(path, net, meta, &err);
    if (st != NN_OK)
        return cli_fail(st, &err);
    /* The data must fit the model as it is: its input and its outputs. */
    if (meta->rows != rows || meta->cols != cols)
        cli_error("%s: the model reads %ux%u images but %s has %zux%zu", path,
                  (unsigned)meta->rows, (unsigned)meta->cols, images_path, rows, cols);
    else if (meta->n_classes != data_classes)
        cli_error("%s: the model has %zu classes but the data has %zu (--classes sets the "
                  "data's count)", path, meta->n_classes, data_classes);
    else
        return CLI_OK;
    nn_net_free(*net);
    *net = NULL;
    return CLI_EXIT_DATA;
}
