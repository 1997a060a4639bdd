/* svg_weights.c - a first layer's weights as pictures (the templates of a
 * dense layer's neurons, a conv layer's kernels). */
#include "nnclass/report/svg.h"

#include "svg_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* A weight over its template's largest magnitude m, in 8 levels a side
 * (-8 .. 8), and its colour: white to red for positive, to blue for negative. */
static int weight_level(float v, float m)
{
    double t = m > 0.0f ? (double)v / (double)m : 0.0;
    return (int)lround(8.0 * fmax(-1.0, fmin(1.0, t)));
}

static uint32_t weight_color(int level)
{
    unsigned k = (unsigned)(255 - (abs(level) * 255 + 4) / 8); /* the other channels fade */
    return level >= 0 ? (0xffu << 16 | k << 8 | k) : (k << 16 | k << 8 | 0xffu);
}

/* One template at (x0, y0), runs of one level merged into one <rect>. */
static void draw_weights(nn_svg *s, const float *w, size_t rows, size_t cols, double x0,
                         double y0, double scale)
{
    float m = 0.0f;
    for (size_t i = 0; i < rows * cols; i++)
        m = fabsf(w[i]) > m ? fabsf(w[i]) : m;
    for (size_t r = 0; r < rows; r++) {
        for (size_t c = 0; c < cols;) {
            int level = weight_level(w[r * cols + c], m);
            size_t run = 1;
            while (c + run < cols && weight_level(w[r * cols + c + run], m) == level)
                run++;
            if (level != 0) {
                char fill[8];
                nn_svg_color_text(fill, weight_color(level));
                nn_svg_putf(s, "<rect x=\"%s\"", N(x0 + scale * (double)c));
                nn_svg_putf(s, " y=\"%s\"", N(y0 + scale * (double)r));
                nn_svg_putf(s, " width=\"%s\"", N(scale * (double)run));
                nn_svg_putf(s, " height=\"%s\" fill=\"%s\"/>\n", N(scale), fill);
            }
            c += run;
        }
    }
}

nn_status nn_svg_weights(nn_svg *s, const float *w, size_t n, size_t rows, size_t cols,
                         const char *title, const char *subtitle, nn_error *err)
{
    if (rows == 0 || cols == 0 || rows > 4096 || cols > 4096)
        return nn_fail(err, NN_E_ARG, "weights: bad template size %zux%zu", rows, cols);
    double scale = fmax(1.0, floor(64.0 / (double)(rows > cols ? rows : cols)));
    double img_w = scale * (double)cols, img_h = scale * (double)rows;
    const double pad = 14, gap = 10, cap_h = 16;
    size_t per_row = n < 8 ? (n > 0 ? n : 1) : 8;
    size_t n_rows = n > 0 ? (n + per_row - 1) / per_row : 1;
    double top = 12 + (title != NULL ? 16 : 0) + (subtitle != NULL ? 18 : 0) + 30;
    double width = fmax(2 * pad + (double)per_row * (img_w + gap) - gap,
                        fmax(nn_svg_heading_width(title, subtitle), 330) + 2 * pad);
    double height = top + (double)n_rows * (img_h + cap_h + gap) + pad;
    char label[32];
    nn_svg_begin(s, width, height);
    nn_svg_heading(s, pad, title, subtitle);
    nn_svg_text(s, pad, top - 12, 11, "start", "fill=\"#555555\"",
         "red: positive, blue: negative, each scaled to its largest weight");
    for (size_t i = 0; i < n; i++) {
        double x = pad + (double)(i % per_row) * (img_w + gap);
        double y = top + (double)(i / per_row) * (img_h + cap_h + gap);
        nn_svg_putf(s, "<g id=\"unit-%zu\">\n", i);
        nn_svg_rect(s, x - 1, y - 1, img_w + 2, img_h + 2, "#ffffff",
             "stroke=\"#bbbbbb\" stroke-width=\"1\"");
        draw_weights(s, w + i * rows * cols, rows, cols, x, y, scale);
        snprintf(label, sizeof label, "%zu", i);
        nn_svg_text(s, x + img_w / 2, y + img_h + 12, 10, "middle", "fill=\"#777777\"", label);
        nn_svg_put(s, "</g>\n");
    }
    return nn_svg_end(s, "weights", err);
}

