/* svg_numbers.c - numbers as a reader read them: each image with its
 * digits' spans marked, the digits under them and the reading beside. */
#include "nnclass/report/svg.h"

#include "svg_internal.h"

#include <math.h>
#include <stdio.h>

/* The two tints that tell neighbouring spans apart. */
static const char *const span_fill[2] = {"#1c7ed6", "#f08c00"};

/* The spans of one number over its image at (x, y), and each digit with its
 * probability under its span. */
static void draw_spans(nn_svg *s, const nn_svg_number *it, size_t cols, double x, double y,
                       double scale, double img_h)
{
    char prob[16], attrs[96];
    size_t n = it->n_digits < NN_SVG_MAX_DIGITS ? it->n_digits : NN_SVG_MAX_DIGITS;
    for (size_t d = 0; d < n; d++) {
        const nn_svg_digit *g = &it->digits[d];
        size_t from = g->from < cols ? g->from : cols - 1;
        size_t to = g->to > from && g->to <= cols ? g->to : from + 1;
        double x0 = x + scale * (double)from, w = scale * (double)(to - from);
        double cx = x0 + w / 2;
        const char *fill = span_fill[d % 2];
        snprintf(attrs, sizeof attrs, "fill-opacity=\"0.18\" stroke=\"%s\" stroke-width=\"1\"",
                 fill);
        nn_svg_rect(s, x0, y, w, img_h, fill, attrs);
        char digit[2] = {g->digit >= '0' && g->digit <= '9' ? g->digit : '?', '\0'};
        snprintf(attrs, sizeof attrs, "fill=\"%s\" font-weight=\"bold\"", fill);
        nn_svg_text(s, cx, y + img_h + 16, 14, "middle", attrs, digit);
        snprintf(prob, sizeof prob, "%.2f", g->prob);
        nn_svg_text(s, cx, y + img_h + 28, 9, "middle", "fill=\"#777777\"", prob);
    }
}

nn_status nn_svg_numbers(nn_svg *s, const nn_svg_number *items, size_t n, size_t rows,
                         size_t cols, const char *title, const char *subtitle, nn_error *err)
{
    if (rows == 0 || cols == 0 || rows > 4096 || cols > 4096)
        return nn_fail(err, NN_E_ARG, "numbers: bad image size %zux%zu", rows, cols);
    /* Strips drawn about 384 units wide whatever their size. */
    double scale = fmax(1.0, floor(384.0 / (double)cols));
    double img_w = scale * (double)cols, img_h = scale * (double)rows;
    const double pad = 14, gap = 22, cap_h = 16, under = 32;
    double text_w = 0;
    char line[96];
    for (size_t i = 0; i < n; i++) {
        snprintf(line, sizeof line, "%s  %.4f", items[i].number, items[i].confidence);
        text_w = fmax(text_w, nn_svg_text_width(line, 18));
        if (items[i].caption != NULL)
            text_w = fmax(text_w, nn_svg_text_width(items[i].caption, 11) - img_w - 16);
    }
    double top = 12 + (title != NULL ? 16 : 0) + (subtitle != NULL ? 18 : 0) + 16;
    double row_h = cap_h + img_h + under + gap;
    double width = fmax(2 * pad + img_w + 16 + text_w,
                        nn_svg_heading_width(title, subtitle) + 2 * pad);
    double height = top + (double)(n > 0 ? n : 1) * row_h + pad;

    nn_svg_begin(s, width, height);
    nn_svg_heading(s, pad, title, subtitle);
    if (n == 0)
        nn_svg_text(s, pad, top + 20, 13, "start", "fill=\"#888888\"", "no numbers");
    for (size_t i = 0; i < n; i++) {
        const nn_svg_number *it = &items[i];
        double x = pad, y = top + (double)i * row_h + cap_h;
        nn_svg_putf(s, "<g id=\"number-%zu\">\n", i);
        if (it->caption != NULL)
            nn_svg_text(s, x, y - 5, 11, "start", "fill=\"#555555\"", it->caption);
        nn_svg_rect(s, x - 1, y - 1, img_w + 2, img_h + 2, "#ffffff",
                    "stroke=\"#bbbbbb\" stroke-width=\"1\"");
        nn_svg_draw_pixels(s, it->pixels, rows, cols, x, y, scale);
        draw_spans(s, it, cols, x, y, scale, img_h);
        double tx = x + img_w + 16;
        nn_svg_text(s, tx, y + img_h / 2 + 2, 18, "start", "font-weight=\"bold\"",
                    it->number[0] != '\0' ? it->number : "(no digits)");
        snprintf(line, sizeof line, "probability %.4f", it->confidence);
        nn_svg_text(s, tx, y + img_h / 2 + 18, 10, "start", "fill=\"#777777\"", line);
        nn_svg_put(s, "</g>\n");
    }
    return nn_svg_end(s, "numbers", err);
}
