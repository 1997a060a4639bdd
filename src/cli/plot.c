/* plot.c - the front end's side of the pictures: building their titles from
 * what the commands know and saving the SVG files atomically. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nnclass/base/atomic.h"

nn_status cli_write_svg(const char *path, const nn_svg *svg, nn_error *err)
{
    return nn_atomic_save(path, svg->buf, svg->len, err);
}

int cli_save_svg(const char *path, const nn_svg *svg)
{
    nn_error err = {{0}};
    nn_status st = cli_write_svg(path, svg, &err);
    return st == NN_OK ? CLI_OK : cli_fail(st, &err);
}

int cli_plot_confusion(const char *path, const nn_confusion *c, const nn_model_meta *meta,
                       const char *model_path, const char *images_path)
{
    const char *names[NN_MAX_CLASSES];
    for (size_t k = 0; k < c->n_classes && k < NN_MAX_CLASSES; k++)
        names[k] = meta->class_names[k];
    char title[4200], subtitle[4300];
    snprintf(title, sizeof title, "Confusion matrix of %s", model_path);
    snprintf(subtitle, sizeof subtitle, "%s: accuracy %.2f%% (%zu of %zu images)", images_path,
             c->total > 0 ? 100.0 * (double)c->correct / (double)c->total : 0.0, c->correct,
             c->total);
    nn_svg svg = {0};
    nn_error err = {{0}};
    nn_status st = nn_svg_confusion(&svg, c, meta->has_class_names ? names : NULL, title,
                                    subtitle, &err);
    int rc = st == NN_OK ? cli_save_svg(path, &svg) : cli_fail(st, &err);
    nn_svg_free(&svg);
    return rc;
}

void cli_curve_add(cli_curve *c, const nn_svg_epoch *e)
{
    if (c->failed)
        return;
    if (c->n == c->cap) {
        size_t cap = c->cap > 0 ? 2 * c->cap : 64;
        nn_svg_epoch *p = realloc(c->epochs, cap * sizeof *p);
        if (p == NULL) {
            c->failed = 1;
            nn_fail(&c->err, NN_E_NOMEM, "%s: out of memory", c->path);
            return;
        }
        c->epochs = p;
        c->cap = cap;
    }
    c->epochs[c->n++] = *e;
    nn_svg svg = {0};
    nn_status st = nn_svg_learning_curve(&svg, c->epochs, c->n, c->title, c->subtitle, &c->err);
    if (st == NN_OK)
        st = cli_write_svg(c->path, &svg, &c->err);
    if (st != NN_OK)
        c->failed = 1;
    nn_svg_free(&svg);
}

void cli_curve_free(cli_curve *c)
{
    free(c->epochs);
    c->epochs = NULL;
    c->n = c->cap = 0;
}
