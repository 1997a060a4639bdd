/* svg_gallery.c - a gallery of captioned images (eval's most confidently
 * wrong ones). */
#include "nnclass/report/svg.h"

#include "svg_internal.h"

#include <math.h>
#include <stdio.h>

nn_status nn_svg_gallery(nn_svg *s, const nn_svg_tile *tiles, size_t n, size_t rows,
                         size_t cols, const char *title, const char *subtitle, nn_error *err)
{
    if (rows == 0 || cols == 0 || rows > 4096 || cols > 4096)
        return nn_fail(err, NN_E_ARG, "gallery: bad image size %zux%zu", rows, cols);
    char line1[96], line2[96], line3[64], line4[48];
    /* Images drawn about 84 units wide whatever their size. */
    double scale = fmax(1.0, floor(84.0 / (double)(rows > cols ? rows : cols)));
    double img_w = scale * (double)cols, img_h = scale * (double)rows;
    double tile_w = img_w;
    for (size_t i = 0; i < n; i++) {
        snprintf(line1, sizeof line1, "true %s", tiles[i].truth);
        snprintf(line2, sizeof line2, "predicted %s", tiles[i].predicted);
        tile_w = fmax(tile_w, fmax(nn_svg_text_width(line1, 11),
                                   nn_svg_text_width(line2, 11) * 1.08));
        tile_w = fmax(tile_w, nn_svg_text_width("confidence 100.00%", 10));
    }
    const double pad = 14, gap = 18, cap_h = 60;
    size_t per_row = n < 8 ? (n > 0 ? n : 1) : 8;
    size_t n_rows = n > 0 ? (n + per_row - 1) / per_row : 1;
    double top = 12 + (title != NULL ? 16 : 0) + (subtitle != NULL ? 18 : 0) + 16;
    double width = fmax(2 * pad + (double)per_row * (tile_w + gap) - gap,
                        nn_svg_heading_width(title, subtitle) + 2 * pad);
    double height = top + (double)n_rows * (img_h + cap_h + gap) + pad;

    nn_svg_begin(s, width, height);
    nn_svg_heading(s, pad, title, subtitle);
    if (n == 0)
        nn_svg_text(s, pad, top + 20, 13, "start", "fill=\"#888888\"", "no wrong images");
    for (size_t i = 0; i < n; i++) {
        double x = pad + (double)(i % per_row) * (tile_w + gap);
        double y = top + (double)(i / per_row) * (img_h + cap_h + gap);
        double ix = x + (tile_w - img_w) / 2;
        nn_svg_putf(s, "<g id=\"tile-%zu\">\n", i);
        nn_svg_rect(s, ix - 1, y - 1, img_w + 2, img_h + 2, "#ffffff",
                    "stroke=\"#bbbbbb\" stroke-width=\"1\"");
        nn_svg_draw_pixels(s, tiles[i].pixels, rows, cols, ix, y, scale);
        snprintf(line1, sizeof line1, "true %s", tiles[i].truth);
        snprintf(line2, sizeof line2, "predicted %s", tiles[i].predicted);
        snprintf(line3, sizeof line3, "confidence %.2f%%", 100.0 * tiles[i].confidence);
        snprintf(line4, sizeof line4, "image %zu", tiles[i].index);
        double cx = x + tile_w / 2;
        nn_svg_text(s, cx, y + img_h + 15, 11, "middle", NULL, line1);
        nn_svg_text(s, cx, y + img_h + 29, 11, "middle", "fill=\"#c92a2a\" font-weight=\"bold\"",
                    line2);
        nn_svg_text(s, cx, y + img_h + 43, 10, "middle", NULL, line3);
        nn_svg_text(s, cx, y + img_h + 56, 10, "middle", "fill=\"#777777\"", line4);
        nn_svg_put(s, "</g>\n");
    }
    return nn_svg_end(s, "error gallery", err);
}
