/* plot_codes.c - `nnclass plot --codes MODEL`: the code map of a net with a
 * two-unit layer (an autoencoder's code, --layers 28x28,128,2,128,784:none,
 * recon): each image's two values on that layer, coloured by its class, as
 * an SVG picture. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>

#include "nnclass/io/idx.h"
#include "nnclass/nn/net.h"
#include "nnclass/report/svg.h"

#define CODE_BATCH 256 /* images per forward pass */

/* The net's code layer: its narrowest hidden layer (the first of the
 * narrowest), which must have two values. Returns its index, or 0 after
 * printing why there is none. */
static size_t code_layer(const nn_net *net, const char *path)
{
    size_t best = 0;
    for (size_t l = 1; l + 1 < net->n_layers; l++)
        if (best == 0 || nn_net_size(net, l) < nn_net_size(net, best))
            best = l;
    if (best == 0) {
        cli_error("%s: no hidden layer to map: the code map needs a layer of 2 units "
                  "(e.g. --layers 28x28,128,2,128,784:none,recon)", path);
        return 0;
    }
    if (nn_net_size(net, best) != 2) {
        cli_error("%s: no layer of 2 units to map (the narrowest, layer %zu, has %zu): "
                  "train one with e.g. --layers 28x28,128,2,128,784:none,recon", path, best,
                  nn_net_size(net, best));
        return 0;
    }
    return best;
}

/* The images and labels of a, the first a->count of them (0: all); the
 * exit code of a printed error, or 0. */
static int load_data(const plot_codes *a, const nn_model_meta *meta, nn_images *im,
                     nn_labels *lb)
{
    nn_error err = {{0}};
    nn_status st = nn_idx_load_labels(a->labels, 0, lb, &err);
    if (st == NN_OK)
        st = nn_idx_load_images_for(a->images, 0, lb, a->labels, im, &err);
    if (st == NN_OK)
        st = nn_model_check_input(meta, im->rows, im->cols, a->images, &err);
    if (st == NN_OK && im->count == 0)
        st = nn_fail(&err, NN_E_FORMAT, "%s: no images", a->images);
    for (size_t i = 0; st == NN_OK && i < lb->count; i++)
        if (lb->labels[i] >= meta->n_classes)
            st = nn_fail(&err, NN_E_FORMAT, "%s: label %zu is %u, the model has %zu classes",
                         a->labels, i, (unsigned)lb->labels[i], meta->n_classes);
    if (st != NN_OK)
        return cli_fail(st, &err);
    if (a->count > 0 && a->count < im->count)
        im->count = lb->count = a->count;
    return CLI_OK;
}

/* The two values of layer l for every image into xy (count x 2, allocated). */
static int codes_of(const nn_net *net, size_t l, const nn_images *im, float **xy)
{
    size_t n_in = nn_net_size(net, 0);
    nn_workspace *ws = NULL;
    nn_error err = {{0}};
    float *x = malloc(CODE_BATCH * n_in * sizeof *x);
    *xy = malloc(im->count * 2 * sizeof **xy);
    nn_status st = x != NULL && *xy != NULL ? NN_OK : nn_fail(&err, NN_E_NOMEM, "out of memory");
    if (st == NN_OK)
        st = nn_workspace_create_forward(net, CODE_BATCH, &ws, &err);
    for (size_t i = 0; st == NN_OK && i < im->count; i += CODE_BATCH) {
        size_t bs = im->count - i < CODE_BATCH ? im->count - i : CODE_BATCH;
        nn_scale_pixels(im->pixels + i * n_in, bs * n_in, x);
        const float *out = nn_net_forward_to(net, ws, x, bs, l);
        for (size_t k = 0; k < 2 * bs; k++)
            (*xy)[2 * i + k] = out[k];
    }
    nn_workspace_free(ws);
    free(x);
    return st == NN_OK ? CLI_OK : cli_fail(st, &err);
}

int cli_plot_codes(const plot_codes *a, const char *output)
{
    nn_net *net = NULL;
    nn_model_meta meta;
    nn_error err = {{0}};
    int load_rc = cli_load_model(a->model_path, &net, &meta);
    if (load_rc != CLI_OK)
        return load_rc;
    nn_images im = {0};
    nn_labels lb = {0};
    float *xy = NULL;
    size_t l = code_layer(net, a->model_path);
    int rc = l > 0 ? load_data(a, &meta, &im, &lb) : CLI_EXIT_DATA;
    if (rc == CLI_OK)
        rc = codes_of(net, l, &im, &xy);
    if (rc == CLI_OK) {
        const char *names[NN_MAX_CLASSES];
        char name_buf[NN_MAX_CLASSES][24], subtitle[4200];
        for (size_t k = 0; k < meta.n_classes; k++)
            names[k] = cli_class_name(&meta, k, name_buf[k], sizeof name_buf[k]);
        snprintf(subtitle, sizeof subtitle, "%s, layer %zu, on %zu of %s", a->model_name, l,
                 im.count, a->images_name);
        nn_svg svg = {0};
        nn_status st = nn_svg_code_map(&svg, xy, lb.labels, im.count, meta.n_classes, names,
                                       a->title, subtitle, &err);
        rc = st == NN_OK ? cli_save_svg(output, &svg) : cli_fail(st, &err);
        nn_svg_free(&svg);
    }
    free(xy);
    nn_images_free(&im);
    nn_labels_free(&lb);
    nn_net_free(net);
    return rc;
}
