/* svg_confusion.c - the confusion heatmap: a matrix of counts coloured by
 * their share of the row, recall and precision in its margins, a colour
 * bar. */
#include "nnclass/report/svg.h"

#include "svg_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* WCAG relative luminance of an sRGB colour, 0 (black) to 1 (white). */
static double luminance(uint32_t rgb)
{
    double sum = 0;
    static const double weight[3] = {0.2126, 0.7152, 0.0722};
    for (int k = 0; k < 3; k++) {
        double c = (double)((rgb >> (16 - 8 * k)) & 0xff) / 255.0;
        c = c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
        sum += weight[k] * c;
    }
    return sum;
}

/* Black or white, whichever contrasts more with the background. */
static const char *ink_on(uint32_t rgb)
{
    double l = luminance(rgb);
    /* contrast ratios (l+0.05)/0.05 against black, 1.05/(l+0.05) against white */
    return (l + 0.05) * (l + 0.05) > 1.05 * 0.05 ? "#000000" : "#ffffff";
}

/* The heatmap's log scale: shares from 10^-decades to 1 map onto [0, 1]. */
static double share_to_t(double share, double decades)
{
    return 1.0 + log10(share) / decades;
}

static void percent(char *out, size_t cap, double v)
{
    snprintf(out, cap, "%.1f%%", 100.0 * v);
}

/* Where everything of the heatmap goes: the grid of cells (n x n), the
 * recall column right of it, the precision row below it, the colour bar. */
typedef struct {
    size_t n;
    double decades;           /* of the colour scale's log range */
    double cell, count_px, tick_px;
    int rotate;               /* the predictions' names slanted under the grid */
    double x_labels_h;        /* height of those names */
    double pad, gap;
    double gx, gy, gw;        /* the grid's left edge, top edge and side */
    double rx, rw;            /* the recall column */
    double py;                /* the precision row */
    double bx, bw;            /* the colour bar */
    double width, height;
} heatmap;

/* Images of true class i: row i of the matrix. */
static size_t row_sum(const nn_confusion *c, size_t i)
{
    size_t row = 0;
    for (size_t j = 0; j < c->n_classes; j++)
        row += c->confusion[i * c->n_classes + j];
    return row;
}

static void heatmap_layout(const nn_confusion *c, const char *const *names, const char *title,
                           const char *subtitle, heatmap *L)
{
    size_t n = c->n_classes, max_support = 1;
    char numbuf[32];
    for (size_t i = 0; i < n; i++)
        if (row_sum(c, i) > max_support)
            max_support = row_sum(c, i);
    L->n = n;
    /* The scale's floor is one image of the largest row: a single error has
     * the darkest colour and is still far from an empty (white) cell. */
    L->decades = fmax(1.0, log10((double)max_support));
    L->cell = n > 12 ? fmax(16.0, 528.0 / (double)n) : 44;
    L->count_px = fmin(13.0, L->cell * 0.3);
    L->tick_px = fmin(12.0, L->cell * 0.45 + 4);
    double name_w = 0;
    for (size_t k = 0; k < n; k++)
        name_w = fmax(name_w,
                      nn_svg_text_width(nn_svg_class_label(names, k, numbuf, sizeof numbuf),
                                        L->tick_px));
    L->pad = 14;
    L->gap = 6;
    L->rotate = name_w > L->cell * 0.9;
    L->x_labels_h = L->rotate ? name_w * 0.72 + 14 : 18;
    double left_w = fmax(name_w, nn_svg_text_width("precision", 12));
    L->gx = L->pad + 22 + left_w + L->gap;
    double top_guess = 12 + (title != NULL ? 16 : 0) + (subtitle != NULL ? 18 : 0) + 10;
    L->gy = top_guess + 22; /* room for "recall" */
    L->gw = L->cell * (double)n;
    L->rx = L->gx + L->gw + L->gap;
    L->rw = fmax(L->cell * 1.15, 44);
    L->py = L->gy + L->gw + L->gap;
    L->bx = L->rx + L->rw + 26;
    L->bw = 14;
    L->width = fmax(L->bx + L->bw + 6 + nn_svg_text_width("100%", 11) + L->pad,
                    nn_svg_heading_width(title, subtitle) + 2 * L->pad);
    L->height = L->py + L->cell + 8 + L->x_labels_h + 22 + L->pad;
}

/* The cells, coloured by their share of the row, with their counts; a frame
 * around the grid. */
static void heatmap_cells(nn_svg *s, const nn_confusion *c, const heatmap *L)
{
    char numbuf[32], fill[8], id[64], attrs[64];
    nn_svg_put(s, "<g id=\"cells\">\n");
    for (size_t i = 0; i < L->n; i++) {
        size_t row = row_sum(c, i);
        for (size_t j = 0; j < L->n; j++) {
            size_t count = c->confusion[i * L->n + j];
            uint32_t rgb = 0xffffff;
            if (count > 0)
                rgb = nn_svg_viridis(share_to_t((double)count / (double)row, L->decades));
            nn_svg_color_text(fill, rgb);
            snprintf(id, sizeof id, "id=\"cell-%zu-%zu\"", i, j);
            double x = L->gx + L->cell * (double)j, y = L->gy + L->cell * (double)i;
            nn_svg_rect(s, x, y, L->cell, L->cell, fill, id);
            snprintf(numbuf, sizeof numbuf, "%zu", count);
            snprintf(attrs, sizeof attrs, "fill=\"%s\"", count > 0 ? ink_on(rgb) : "#9a9a9a");
            nn_svg_text(s, x + L->cell / 2, y + L->cell / 2 + L->count_px * 0.36, L->count_px,
                        "middle", attrs, numbuf);
        }
    }
    nn_svg_put(s, "</g>\n");
    nn_svg_putf(s, "<rect x=\"%s\"", N(L->gx));
    nn_svg_putf(s, " y=\"%s\" width=\"%s\"", N(L->gy), N(L->gw));
    nn_svg_putf(s, " height=\"%s\" fill=\"none\" stroke=\"#555555\" stroke-width=\"1\"/>\n",
                N(L->gw));
}

/* The recall column (per true class), the precision row (per prediction)
 * and the accuracy in the corner where they meet. */
static void heatmap_margins(nn_svg *s, const nn_confusion *c, const heatmap *L)
{
    char numbuf[32];
    double cell = L->cell;
    nn_svg_text(s, L->rx + L->rw / 2, L->gy - 7, 11, "middle", "font-weight=\"bold\"", "recall");
    for (size_t k = 0; k < L->n; k++) {
        nn_class_metrics m = nn_class_metrics_of(c, k);
        percent(numbuf, sizeof numbuf, m.recall);
        nn_svg_rect(s, L->rx, L->gy + cell * (double)k, L->rw, cell, "#f2f2f2",
                    "stroke=\"#ffffff\"");
        nn_svg_text(s, L->rx + L->rw / 2, L->gy + cell * (double)k + cell / 2 + 4,
                    fmin(11, L->count_px), "middle", NULL, numbuf);
        percent(numbuf, sizeof numbuf, m.precision);
        nn_svg_rect(s, L->gx + cell * (double)k, L->py, cell, cell, "#f2f2f2",
                    "stroke=\"#ffffff\"");
        nn_svg_text(s, L->gx + cell * (double)k + cell / 2, L->py + cell / 2 + 4,
                    fmin(11, L->count_px * 0.95), "middle", NULL, numbuf);
    }
    nn_svg_text(s, L->gx - L->gap, L->py + cell / 2 + 4, 12, "end", "font-weight=\"bold\"",
                "precision");
    nn_svg_rect(s, L->rx, L->py, L->rw, cell, "#e0e0e0", "stroke=\"#ffffff\"");
    percent(numbuf, sizeof numbuf, nn_confusion_accuracy(c));
    nn_svg_text(s, L->rx + L->rw / 2, L->py + cell / 2 - 2, 9, "middle", "fill=\"#444444\"",
                "accuracy");
    nn_svg_text(s, L->rx + L->rw / 2, L->py + cell / 2 + 10, fmin(11, L->count_px), "middle",
                "font-weight=\"bold\"", numbuf);
}

/* Class names, true labels down the left and predictions along the
 * bottom, and the two axis titles. */
static void heatmap_axes(nn_svg *s, const char *const *names, const heatmap *L)
{
    char numbuf[32], label[64];
    double tick_px = L->tick_px;
    for (size_t k = 0; k < L->n; k++) {
        const char *name = nn_svg_class_label(names, k, numbuf, sizeof numbuf);
        double mid = L->cell * (double)k + L->cell / 2;
        nn_svg_text(s, L->gx - L->gap, L->gy + mid + tick_px * 0.36, tick_px, "end", NULL, name);
        double lx = L->gx + mid, ly = L->py + L->cell + 8;
        if (L->rotate) {
            char attrs[96];
            snprintf(attrs, sizeof attrs, "transform=\"rotate(-45 %s", N(lx));
            snprintf(attrs + strlen(attrs), sizeof attrs - strlen(attrs), " %s)\"",
                     N(ly + tick_px * 0.7));
            nn_svg_text(s, lx, ly + tick_px * 0.7, tick_px, "end", attrs, name);
        } else {
            nn_svg_text(s, lx, ly + tick_px, tick_px, "middle", NULL, name);
        }
    }
    nn_svg_text(s, L->gx + L->gw / 2, L->py + L->cell + 8 + L->x_labels_h + 12, 13, "middle",
                "font-weight=\"bold\"", "Predicted label");
    double ay = L->gy + L->gw / 2;
    snprintf(label, sizeof label, "transform=\"rotate(-90 %s", N(L->pad + 10));
    snprintf(label + strlen(label), sizeof label - strlen(label), " %s)\"", N(ay));
    strncat(label, " font-weight=\"bold\"", sizeof label - strlen(label) - 1);
    nn_svg_text(s, L->pad + 10, ay, 13, "middle", label, "True label");
}

/* The colour bar: the log scale of the share of a row, and white for 0. */
static void heatmap_colorbar(nn_svg *s, const heatmap *L)
{
    char numbuf[32], fill[8];
    double bx = L->bx, bw = L->bw, gy = L->gy, bh = L->gw, steps = 64;
    nn_svg_put(s, "<g id=\"colorbar\">\n");
    for (int k = 0; k < (int)steps; k++) {
        double t = ((double)k + 0.5) / steps;
        nn_svg_color_text(fill, nn_svg_viridis(t));
        double y = gy + bh - bh * (double)(k + 1) / steps;
        nn_svg_rect(s, bx, y, bw, bh / steps + 0.4, fill, NULL);
    }
    nn_svg_putf(s, "<rect x=\"%s\"", N(bx));
    nn_svg_putf(s, " y=\"%s\" width=\"%s\"", N(gy), N(bw));
    nn_svg_putf(s, " height=\"%s\" fill=\"none\" stroke=\"#555555\" stroke-width=\"0.8\"/>\n",
                N(bh));
    for (int d = 0; d <= (int)floor(L->decades + 1e-9); d++) {
        double y = gy + bh * (double)d / L->decades;
        nn_svg_line(s, bx + bw, y, bx + bw + 4, y, "stroke=\"#555555\" stroke-width=\"0.8\"");
        double v = 100.0 * pow(10.0, -(double)d);
        if (v >= 1)
            snprintf(numbuf, sizeof numbuf, "%.0f%%", v);
        else
            snprintf(numbuf, sizeof numbuf, "%.*f%%", d - 2 < 6 ? d - 2 : 6, v);
        nn_svg_text(s, bx + bw + 6, y + 4, 10, "start", NULL, numbuf);
    }
    nn_svg_rect(s, bx, gy + bh + 8, bw, bw, "#ffffff", "stroke=\"#555555\" stroke-width=\"0.8\"");
    nn_svg_text(s, bx + bw + 6, gy + bh + 8 + bw - 3, 10, "start", NULL, "0");
    nn_svg_text(s, bx + bw / 2, gy - 7, 10, "middle", NULL, "row share");
    nn_svg_text(s, bx + bw / 2, gy + bh + bw + 22, 9, "middle", "fill=\"#444444\"", "log scale");
    nn_svg_put(s, "</g>\n");
}

nn_status nn_svg_confusion(nn_svg *s, const nn_confusion *c, const char *const *names,
                           const char *title, const char *subtitle, nn_error *err)
{
    if (c->n_classes == 0 || c->confusion == NULL)
        return nn_fail(err, NN_E_ARG, "confusion heatmap: no classes");
    heatmap L;
    heatmap_layout(c, names, title, subtitle, &L);
    nn_svg_begin(s, L.width, L.height);
    nn_svg_heading(s, L.pad, title, subtitle);
    heatmap_cells(s, c, &L);
    heatmap_margins(s, c, &L);
    heatmap_axes(s, names, &L);
    heatmap_colorbar(s, &L);
    return nn_svg_end(s, "confusion heatmap", err);
}
