/* plot_weights.c - `nnclass plot --weights`: what a net's first layer looks
 * for, drawn as pictures: each neuron of a first dense layer as a template
 * of the input's size (its 784 weights as 28x28), or each kernel of a first
 * conv layer over a one-channel image. */
#include "cli.h"

#include <stdio.h>

#include "nnclass/nn/model.h"
#include "nnclass/nn/net.h"

#define MAX_TEMPLATES 256 /* pictures in one drawing: more are not readable */

/* The first layer's templates: n of rows x cols weights, one after another
 * (a dense layer's rows of W (n_out, n_in), a conv layer's kernels of W
 * (C_out, k, k, 1)). Returns 0, or -1 with why in why. */
static int first_templates(const nn_net *net, const nn_model_meta *meta, size_t *n,
                           size_t *rows, size_t *cols, const char **why)
{
    const nn_layer *in = &net->layers[0], *L = &net->layers[1];
    if (L->kind == NN_LAYER_DENSE) {
        *rows = meta->rows;
        *cols = meta->cols;
        *n = nn_net_size(net, 1);
        return 0;
    }
    if (L->kind == NN_LAYER_CONV && in->c == 1) {
        *rows = *cols = L->k;
        *n = L->c;
        return 0;
    }
    *why = L->kind == NN_LAYER_CONV ? "a conv layer over several channels"
                                    : nn_layer_kind_name(L->kind);
    return -1;
}

int cli_plot_weights(const char *path, const char *name, const char *title, const char *output)
{
    nn_net *net = NULL;
    nn_model_meta meta;
    nn_error err = {{0}};
    int load_rc = cli_load_model(path, &net, &meta);
    if (load_rc != CLI_OK)
        return load_rc;
    size_t n = 0, rows = 0, cols = 0;
    const char *why = NULL;
    int rc = CLI_OK;
    if (first_templates(net, &meta, &n, &rows, &cols, &why) != 0) {
        cli_error("%s: the first layer is %s: only a dense layer or a one-channel conv "
                  "layer is drawn as pictures", path, why);
        rc = CLI_EXIT_DATA;
    }
    if (rc == CLI_OK) {
        char subtitle[160];
        size_t shown = n < MAX_TEMPLATES ? n : MAX_TEMPLATES;
        snprintf(subtitle, sizeof subtitle, "%.64s: %zu of %zu %s, %zux%zu each", name, shown,
                 n, net->layers[1].kind == NN_LAYER_CONV ? "kernels" : "neurons", rows, cols);
        nn_svg svg = {0};
        nn_svg_init(&svg);
        nn_status st = nn_svg_weights(&svg, nn_net_weights(net, 1), shown, rows, cols, title,
                                      subtitle, &err);
        rc = st == NN_OK ? cli_save_svg(output, &svg) : cli_fail(st, &err);
        nn_svg_free(&svg);
    }
    nn_net_free(net);
    return rc;
}
