/* svg_reading.c - how a recurrent net reads: each image beside a grid of
 * its class probabilities after every step, and the answer they end in. */
#include "nnclass/report/svg.h"

#include "svg_internal.h"

#include <math.h>
#include <stdio.h>

/* One image's row of the picture at y: the image, the grid of steps by
 * classes, the answer. */
static void reading_row(nn_svg *s, const nn_svg_reading *it, size_t rows, size_t cols,
                        size_t steps, size_t n_classes, const char *const *names, double y,
                        double scale)
{
    const double pad = 14, label_w = 40, cell_w = 9;
    double img_w = scale * (double)cols, img_h = scale * (double)rows;
    double cell_h = img_h / (double)n_classes, gx = pad + img_w + label_w;
    nn_svg_rect(s, pad - 1, y - 1, img_w + 2, img_h + 2, "#ffffff",
                "stroke=\"#bbbbbb\" stroke-width=\"1\"");
    nn_svg_draw_pixels(s, it->pixels, rows, cols, pad, y, scale);
    char buf[96], fill[8];
    for (size_t k = 0; k < n_classes; k++) {
        nn_svg_text(s, gx - 4, y + cell_h * ((double)k + 0.75), fmin(9, cell_h), "end", NULL,
                    nn_svg_class_label(names, k, buf, sizeof buf));
        for (size_t t = 0; t < steps; t++) {
            nn_svg_color_text(fill, nn_svg_viridis(it->probs[t * n_classes + k]));
            nn_svg_rect(s, gx + cell_w * (double)t, y + cell_h * (double)k, cell_w, cell_h, fill,
                        NULL);
        }
    }
    const float *last = it->probs + (steps - 1) * n_classes;
    size_t best = 0;
    for (size_t k = 1; k < n_classes; k++)
        if (last[k] > last[best])
            best = k;
    double tx = gx + cell_w * (double)steps + 12;
    char name[64];
    snprintf(buf, sizeof buf, "reads %s", nn_svg_class_label(names, best, name, sizeof name));
    nn_svg_text(s, tx, y + 16, 12, "start", "font-weight=\"bold\"", buf);
    snprintf(buf, sizeof buf, "%.2f%%", 100.0 * last[best]);
    nn_svg_text(s, tx, y + 32, 11, "start", NULL, buf);
    if (it->truth != NULL) {
        snprintf(buf, sizeof buf, "true %s", it->truth);
        nn_svg_text(s, tx, y + 48, 11, "start", NULL, buf);
    }
    snprintf(buf, sizeof buf, "image %zu", it->index);
    nn_svg_text(s, tx, y + 64, 10, "start", "fill=\"#777777\"", buf);
}

nn_status nn_svg_reading_steps(nn_svg *s, const nn_svg_reading *items, size_t n, size_t rows,
                               size_t cols, size_t steps, size_t n_classes,
                               const char *const *names, const char *title,
                               const char *subtitle, nn_error *err)
{
    if (rows == 0 || cols == 0 || rows > 4096 || cols > 4096 || steps == 0 || steps > 4096 ||
        n_classes == 0 || n_classes > 1024)
        return nn_fail(err, NN_E_ARG, "reading: bad sizes %zux%zu, %zu steps, %zu classes",
                       rows, cols, steps, n_classes);
    const double pad = 14, label_w = 40, cell_w = 9, gap = 22, answer_w = 130;
    double scale = fmax(1.0, floor(84.0 / (double)(rows > cols ? rows : cols)));
    double img_w = scale * (double)cols, img_h = scale * (double)rows;
    double top = 12 + (title != NULL ? 16 : 0) + (subtitle != NULL ? 18 : 0) + 16;
    double grid_w = cell_w * (double)steps;
    double width = fmax(2 * pad + img_w + label_w + grid_w + answer_w,
                        nn_svg_heading_width(title, subtitle) + 2 * pad);
    double height = top + (double)(n > 0 ? n : 1) * (img_h + gap) + 24;
    nn_svg_begin(s, width, height);
    nn_svg_heading(s, pad, title, subtitle);
    for (size_t i = 0; i < n; i++) {
        nn_svg_putf(s, "<g id=\"reading-%zu\">\n", i);
        reading_row(s, &items[i], rows, cols, steps, n_classes, names,
                    top + (double)i * (img_h + gap), scale);
        nn_svg_put(s, "</g>\n");
    }
    /* The steps, under the last grid: 1, then every 7th. */
    double gx = pad + img_w + label_w, ay = top + (double)(n > 0 ? n : 1) * (img_h + gap) - 8;
    char buf[32];
    for (size_t t = 0; t < steps; t++)
        if (t == 0 || (t + 1) % 7 == 0 || t + 1 == steps) {
            snprintf(buf, sizeof buf, "%zu", t + 1);
            nn_svg_text(s, gx + cell_w * ((double)t + 0.5), ay, 9, "middle", NULL, buf);
        }
    nn_svg_text(s, gx + grid_w / 2, ay + 14, 10, "middle", "fill=\"#444444\"",
                "steps read (rows of the image); colour: probability of each class, 0 to 1");
    return nn_svg_end(s, "reading picture", err);
}
