/* plot_reading.c - `nnclass plot --reading MODEL`: how a recurrent net's
 * answer forms as it reads the rows of a few images, as an SVG picture. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nnclass/io/idx.h"
#include "nnclass/report/svg.h"

/* The first n images of path (IDX or image files, as predict reads them)
 * into pixels (n * rows * cols bytes, allocated); *got images were read. */
static int read_images(const char *path, const nn_model_meta *meta, size_t n, uint8_t **pixels,
                       size_t *got)
{
    cli_image_opts o;
    cli_image_opts_init(&o);
    cli_input in;
    nn_error err = {{0}};
    nn_status st = cli_input_open(path, &o, &in, &err);
    if (st != NN_OK)
        return cli_fail(st, &err);
    st = nn_model_check_input(meta, in.rows, in.cols, in.name, &err);
    size_t size = in.rows * in.cols;
    *pixels = st == NN_OK ? malloc(n * size) : NULL;
    if (st == NN_OK && *pixels == NULL)
        st = nn_fail(&err, NN_E_NOMEM, "%s: out of memory", in.name);
    *got = 0;
    while (st == NN_OK && *got < n) {
        size_t k = 0;
        st = cli_input_read(&in, *pixels + *got * size, n - *got, &k, &err);
        *got += k;
    }
    cli_input_close(&in);
    if (st == NN_DONE && *got > 0)
        st = NN_OK;
    if (st == NN_DONE)
        st = nn_fail(&err, NN_E_FORMAT, "%s: no images", path);
    return st == NN_OK ? CLI_OK : cli_fail(st, &err);
}

/* Each image's probabilities after each step into probs (n * steps *
 * classes floats, allocated). */
static int read_steps(const nn_net *net, const uint8_t *pixels, size_t n, float **probs)
{
    size_t size = nn_net_size(net, 0), steps = nn_net_steps(net);
    size_t classes = nn_net_size(net, net->n_layers - 1);
    float *x = malloc(size * sizeof *x);
    *probs = malloc(n * steps * classes * sizeof **probs);
    nn_error err = {{0}};
    nn_status st = x != NULL && *probs != NULL ? NN_OK
                                                : nn_fail(&err, NN_E_NOMEM, "out of memory");
    for (size_t i = 0; st == NN_OK && i < n; i++) {
        nn_scale_pixels(pixels + i * size, size, x);
        st = nn_net_step_probs(net, x, *probs + i * steps * classes, &err);
    }
    free(x);
    return st == NN_OK ? CLI_OK : cli_fail(st, &err);
}

/* The picture of n images (their labels, or NULL) saved at output. */
static int draw(const plot_reading *a, const nn_net *net, const nn_model_meta *meta,
                const uint8_t *pixels, const nn_labels *labels, size_t n, const float *probs,
                const char *output)
{
    size_t steps = nn_net_steps(net), classes = meta->n_classes;
    nn_svg_reading items[CLI_READING_MAX];
    const char *names[NN_MAX_CLASSES];
    char name_buf[NN_MAX_CLASSES][24], truth[CLI_READING_MAX][24];
    for (size_t k = 0; k < classes; k++)
        names[k] = cli_class_name(meta, k, name_buf[k], sizeof name_buf[k]);
    for (size_t i = 0; i < n; i++) {
        int known = labels != NULL && i < labels->count && labels->labels[i] < classes;
        items[i] = (nn_svg_reading){pixels + i * meta->rows * meta->cols, i,
                                    known ? cli_class_name(meta, labels->labels[i], truth[i],
                                                           sizeof truth[i])
                                          : NULL,
                                    probs + i * steps * classes};
    }
    nn_svg svg = {0};
    nn_error err = {{0}};
    char subtitle[4200];
    snprintf(subtitle, sizeof subtitle, "%s on %s", a->model_name, a->images_name);
    nn_status st = nn_svg_reading_steps(&svg, items, n, meta->rows, meta->cols, steps,
                                        classes, names, a->title, subtitle, &err);
    int rc = st == NN_OK ? cli_save_svg(output, &svg) : cli_fail(st, &err);
    nn_svg_free(&svg);
    return rc;
}

int cli_plot_reading(const plot_reading *a, const char *output)
{
    nn_net *net = NULL;
    nn_model_meta meta;
    nn_error err = {{0}};
    int load_rc = cli_load_model(a->model_path, &net, &meta);
    if (load_rc != CLI_OK)
        return load_rc;
    uint8_t *pixels = NULL;
    float *probs = NULL;
    nn_labels labels = {0};
    size_t n = 0;
    int rc = CLI_OK;
    if (nn_net_steps(net) == 0) {
        cli_error("%s: not a net that reads row by row (one recurrent layer, one way, its "
                  "last step into the layers after it, as --arch lstm makes)", a->model_path);
        rc = CLI_EXIT_DATA;
    }
    if (rc == CLI_OK)
        rc = read_images(a->images, &meta, a->count, &pixels, &n);
    if (rc == CLI_OK && a->labels != NULL) {
        nn_status st = nn_idx_load_labels(a->labels, 0, &labels, &err);
        rc = st == NN_OK ? CLI_OK : cli_fail(st, &err);
    }
    if (rc == CLI_OK)
        rc = read_steps(net, pixels, n, &probs);
    if (rc == CLI_OK)
        rc = draw(a, net, &meta, pixels, a->labels != NULL ? &labels : NULL, n, probs, output);
    nn_labels_free(&labels);
    free(probs);
    free(pixels);
    nn_net_free(net);
    return rc;
}
