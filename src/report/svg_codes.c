/* svg_codes.c - the code map: what a net's two-unit layer makes of each
 * image, one dot per image at its two values, coloured by its class, with
 * a legend of the classes and their counts. */
#include "nnclass/report/svg.h"

#include "svg_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define PLOT 520.0 /* the square plotting area's side */

/* Ten colours that stay apart (Tableau's palette); more classes take
 * viridis. */
static uint32_t class_colour(size_t k, size_t n_classes)
{
    static const uint32_t ten[10] = {0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd,
                                     0x8c564b, 0xe377c2, 0x7f7f7f, 0xbcbd22, 0x17becf};
    if (n_classes <= 10)
        return ten[k];
    return nn_svg_viridis((double)k / (double)(n_classes - 1));
}

/* The data ranges of the finite codes, widened to whole ticks: x in
 * r[0..1], y in r[2..3], the steps in step[0..1]. */
static void code_ranges(const float *xy, size_t n, double r[4], double step[2])
{
    r[0] = r[2] = INFINITY;
    r[1] = r[3] = -INFINITY;
    for (size_t i = 0; i < n; i++)
        for (int a = 0; a < 2; a++) {
            double v = xy[2 * i + a];
            if (!isfinite(v))
                continue;
            r[2 * a] = fmin(r[2 * a], v);
            r[2 * a + 1] = fmax(r[2 * a + 1], v);
        }
    for (int a = 0; a < 2; a++) {
        if (!(r[2 * a] <= r[2 * a + 1]))
            r[2 * a] = r[2 * a + 1] = 0.0; /* no finite code at all */
        step[a] = nn_svg_nice_range(&r[2 * a], &r[2 * a + 1], 6);
    }
}

/* The frame, grid lines and tick values of both axes, and their titles;
 * (x0, y0) is the plotting area's top left corner. */
static void axes(nn_svg *s, double x0, double y0, const double r[4], const double step[2])
{
    char buf[48];
    nn_svg_rect(s, x0, y0, PLOT, PLOT, "#fafafa", "stroke=\"#888888\" stroke-width=\"0.8\"");
    for (int a = 0; a < 2; a++) {
        double lo = r[2 * a], hi = r[2 * a + 1], st = step[a];
        int dec = nn_svg_step_decimals(st);
        for (double v = lo; v <= hi + st * 1e-6; v += st) {
            double t = (v - lo) / (hi - lo) * PLOT;
            snprintf(buf, sizeof buf, "%.*f", dec, fabs(v) < st * 1e-6 ? 0.0 : v);
            if (a == 0) {
                nn_svg_line(s, x0 + t, y0, x0 + t, y0 + PLOT,
                            "stroke=\"#e4e4e4\" stroke-width=\"0.8\"");
                nn_svg_text(s, x0 + t, y0 + PLOT + 16, 11, "middle", NULL, buf);
            } else {
                nn_svg_line(s, x0, y0 + PLOT - t, x0 + PLOT, y0 + PLOT - t,
                            "stroke=\"#e4e4e4\" stroke-width=\"0.8\"");
                nn_svg_text(s, x0 - 6, y0 + PLOT - t + 4, 11, "end", NULL, buf);
            }
        }
    }
    nn_svg_text(s, x0 + PLOT / 2, y0 + PLOT + 36, 12, "middle", "font-weight=\"bold\"",
                "code unit 1");
    char attrs[96];
    snprintf(attrs, sizeof attrs, "transform=\"rotate(-90 %s", N(x0 - 46));
    snprintf(attrs + strlen(attrs), sizeof attrs - strlen(attrs), " %s)\" font-weight=\"bold\"",
             N(y0 + PLOT / 2));
    nn_svg_text(s, x0 - 46, y0 + PLOT / 2, 12, "middle", attrs, "code unit 2");
}

/* One group per class: its dots, in the order of the images. Codes that
 * are not finite are left out (counted in *skipped). */
static void dots(nn_svg *s, double x0, double y0, const double r[4], const float *xy,
                 const uint8_t *labels, size_t n, size_t n_classes, size_t *skipped)
{
    char colour[8];
    *skipped = 0;
    for (size_t k = 0; k < n_classes; k++) {
        nn_svg_color_text(colour, class_colour(k, n_classes));
        nn_svg_putf(s, "<g id=\"class-%zu\" fill=\"%s\" fill-opacity=\"0.6\">\n", k, colour);
        for (size_t i = 0; i < n; i++) {
            if (labels[i] != k)
                continue;
            double u = xy[2 * i], v = xy[2 * i + 1];
            if (!isfinite(u) || !isfinite(v)) {
                ++*skipped;
                continue;
            }
            nn_svg_putf(s, "<circle cx=\"%s\"", N(x0 + (u - r[0]) / (r[1] - r[0]) * PLOT));
            nn_svg_putf(s, " cy=\"%s\" r=\"1.7\"/>\n",
                        N(y0 + PLOT - (v - r[2]) / (r[3] - r[2]) * PLOT));
        }
        nn_svg_put(s, "</g>\n");
    }
}

/* The legend at (x, y): a swatch, the class name and its count per class. */
static void legend(nn_svg *s, double x, double y, const uint8_t *labels, size_t n,
                   size_t n_classes, const char *const *names)
{
    char colour[8], name[40], line[64];
    nn_svg_text(s, x, y, 12, "start", "font-weight=\"bold\"", "class (images)");
    for (size_t k = 0; k < n_classes; k++) {
        size_t count = 0;
        for (size_t i = 0; i < n; i++)
            count += labels[i] == k;
        double ly = y + 20 + 18 * (double)k;
        nn_svg_color_text(colour, class_colour(k, n_classes));
        nn_svg_putf(s, "<circle cx=\"%s\" cy=\"%s\" r=\"5\" fill=\"%s\"/>\n", N(x + 5),
                    N(ly - 4), colour);
        snprintf(line, sizeof line, "%s (%zu)",
                 nn_svg_class_label(names, k, name, sizeof name), count);
        nn_svg_text(s, x + 16, ly, 11, "start", NULL, line);
    }
}

nn_status nn_svg_code_map(nn_svg *s, const float *xy, const uint8_t *labels, size_t n,
                          size_t n_classes, const char *const *names, const char *title,
                          const char *subtitle, nn_error *err)
{
    if (n_classes == 0 || n_classes > 256)
        return nn_fail(err, NN_E_ARG, "code map: %zu classes (1 to 256)", n_classes);
    for (size_t i = 0; i < n; i++)
        if (labels[i] >= n_classes)
            return nn_fail(err, NN_E_ARG, "code map: image %zu has label %u, not below %zu",
                           i, (unsigned)labels[i], n_classes);
    double r[4], step[2];
    code_ranges(xy, n, r, step);
    const double pad = 14, left = 70;
    double top = 12 + (title != NULL ? 16 : 0) + (subtitle != NULL ? 18 : 0) + 16;
    double legend_w = 150, legend_h = 30 + 18 * (double)n_classes;
    double width = fmax(left + PLOT + 24 + legend_w, nn_svg_heading_width(title, subtitle) +
                                                         2 * pad);
    double height = top + fmax(PLOT + 48, legend_h) + pad;

    nn_svg_begin(s, width, height);
    nn_svg_heading(s, pad, title, subtitle);
    axes(s, left, top, r, step);
    size_t skipped = 0;
    dots(s, left, top, r, xy, labels, n, n_classes, &skipped);
    legend(s, left + PLOT + 24, top + 12, labels, n, n_classes, names);
    if (skipped > 0) {
        char note[64];
        snprintf(note, sizeof note, "%zu codes not finite, not drawn", skipped);
        nn_svg_text(s, left + PLOT + 24, top + legend_h + 20, 11, "start",
                    "fill=\"#aa0000\"", note);
    }
    return nn_svg_end(s, "code map", err);
}
