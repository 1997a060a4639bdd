/* svg_recon.c - an autoencoder's inputs beside their reconstructions. */
#include "nnclass/report/svg.h"

#include "svg_internal.h"

#include <math.h>
#include <stdio.h>

nn_status nn_svg_reconstructions(nn_svg *s, const nn_svg_recon *pairs, size_t n, size_t rows,
                                 size_t cols, const char *title, const char *subtitle,
                                 nn_error *err)
{
    if (rows == 0 || cols == 0 || rows > 4096 || cols > 4096)
        return nn_fail(err, NN_E_ARG, "reconstructions: bad image size %zux%zu", rows, cols);
    char line1[48], line2[48];
    double scale = fmax(1.0, floor(84.0 / (double)(rows > cols ? rows : cols)));
    double img_w = scale * (double)cols, img_h = scale * (double)rows;
    const double pad = 14, gap = 24, inner = 6, cap_h = 34;
    double tile_w = 2 * img_w + inner;
    size_t per_row = n < 4 ? (n > 0 ? n : 1) : 4;
    size_t n_rows = n > 0 ? (n + per_row - 1) / per_row : 1;
    double top = 12 + (title != NULL ? 16 : 0) + (subtitle != NULL ? 18 : 0) + 30;
    double width = fmax(2 * pad + (double)per_row * (tile_w + gap) - gap,
                        nn_svg_heading_width(title, subtitle) + 2 * pad);
    double height = top + (double)n_rows * (img_h + cap_h + gap) + pad;

    nn_svg_begin(s, width, height);
    nn_svg_heading(s, pad, title, subtitle);
    nn_svg_text(s, pad, top - 12, 11, "start", "fill=\"#555555\"",
         "each pair: the input (left), its reconstruction (right)");
    if (n == 0)
        nn_svg_text(s, pad, top + 20, 13, "start", "fill=\"#888888\"", "no images");
    for (size_t i = 0; i < n; i++) {
        double x = pad + (double)(i % per_row) * (tile_w + gap);
        double y = top + (double)(i / per_row) * (img_h + cap_h + gap);
        nn_svg_putf(s, "<g id=\"pair-%zu\">\n", i);
        for (int k = 0; k < 2; k++) {
            double ix = x + (double)k * (img_w + inner);
            nn_svg_rect(s, ix - 1, y - 1, img_w + 2, img_h + 2, "#ffffff",
                 "stroke=\"#bbbbbb\" stroke-width=\"1\"");
            nn_svg_draw_pixels(s, k == 0 ? pairs[i].input : pairs[i].output, rows, cols, ix, y, scale);
        }
        snprintf(line1, sizeof line1, "image %zu", pairs[i].index);
        snprintf(line2, sizeof line2, "loss %.4f", pairs[i].loss);
        double cx = x + tile_w / 2;
        nn_svg_text(s, cx, y + img_h + 15, 11, "middle", NULL, line1);
        nn_svg_text(s, cx, y + img_h + 29, 10, "middle", "fill=\"#777777\"", line2);
        nn_svg_put(s, "</g>\n");
    }
    return nn_svg_end(s, "reconstructions", err);
}

