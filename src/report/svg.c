/* svg.c - hand-written SVG pictures: the writer (buffer, escaping, fixed
 * number format), the viridis scale, then one section per picture. */
#include "nnclass/report/svg.h"

#include "nnclass/base/bytes.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- the writer ------------------------------------------------------------ */

void nn_svg_init(nn_svg *s)
{
    s->len = 0;
    s->failed = 0;
    if (s->buf != NULL)
        s->buf[0] = '\0';
}

void nn_svg_free(nn_svg *s)
{
    if (s == NULL)
        return;
    free(s->buf);
    memset(s, 0, sizeof *s);
}

/* Makes room for extra more bytes plus the NUL; 0 or -1 (and s->failed). */
static int reserve(nn_svg *s, size_t extra)
{
    if (s->failed)
        return -1;
    if (extra >= SIZE_MAX / 2 - s->len) {
        s->failed = 1;
        return -1;
    }
    uint8_t *p = (uint8_t *)s->buf;
    if (nn_bytes_grow(&p, &s->cap, s->len + extra + 1, 0) != NN_OK) {
        s->failed = 1;
        return -1;
    }
    s->buf = (char *)p;
    return 0;
}

static void put_n(nn_svg *s, const char *text, size_t n)
{
    if (reserve(s, n) != 0)
        return;
    memcpy(s->buf + s->len, text, n);
    s->len += n;
    s->buf[s->len] = '\0';
}

static void put(nn_svg *s, const char *text)
{
    put_n(s, text, strlen(text));
}

/* printf into the buffer. Callers print numbers only through num() or
 * integer conversions, so the output does not depend on float rounding
 * modes or on how many digits %g would choose. */
static void putf(nn_svg *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(nn_svg *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || reserve(s, (size_t)n) != 0) {
        s->failed = 1;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(s->buf + s->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    s->len += (size_t)n;
}

/* A coordinate: two fixed decimals, trailing zeros dropped, never "-0".
 * Non-finite values (which no caller should pass) print as 0. */
typedef struct {
    char s[32];
} numtext;

static numtext num(double v)
{
    numtext t;
    if (!isfinite(v) || fabs(v) > 1e9)
        v = 0.0;
    snprintf(t.s, sizeof t.s, "%.2f", v);
    char *dot = strchr(t.s, '.');
    if (dot != NULL) {
        char *end = t.s + strlen(t.s) - 1;
        while (end > dot && *end == '0')
            *end-- = '\0';
        if (end == dot)
            *end = '\0';
    }
    if (strcmp(t.s, "-0") == 0)
        strcpy(t.s, "0");
    return t;
}

#define N(v) (num(v).s)

/* Length in bytes of the valid UTF-8 sequence at p (XML 1.0 characters
 * only), or 0 when it is not one. */
static size_t utf8_char(const unsigned char *p)
{
    unsigned c = p[0];
    if (c < 0x80)
        return (c >= 0x20 || c == '\t' || c == '\n' || c == '\r') ? 1 : 0;
    size_t n;
    unsigned cp;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3f);
    }
    /* overlong forms, surrogates, beyond U+10FFFF, U+FFFE/U+FFFF */
    if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || (cp >= 0xd800 && cp <= 0xdfff) ||
        cp > 0x10ffff || cp == 0xfffe || cp == 0xffff)
        return 0;
    return n;
}

void nn_svg_escape(nn_svg *s, const char *text)
{
    const unsigned char *p = (const unsigned char *)text;
    while (*p != '\0') {
        switch (*p) {
        case '&': put(s, "&amp;"); p++; continue;
        case '<': put(s, "&lt;"); p++; continue;
        case '>': put(s, "&gt;"); p++; continue;
        case '"': put(s, "&quot;"); p++; continue;
        case '\'': put(s, "&apos;"); p++; continue;
        default: break;
        }
        size_t n = utf8_char(p);
        /* Tabs and line ends would be folded into spaces by XML anyway. */
        if (n == 0 || *p == '\t' || *p == '\n' || *p == '\r') {
            put(s, "?");
            p++;
        } else {
            put_n(s, (const char *)p, n);
            p += n;
        }
    }
}

/* Rough width of text in a sans-serif face of size px: the pictures size
 * their margins by it. Counts characters, not bytes. */
static double text_width(const char *text, double px)
{
    size_t chars = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++)
        chars += (*p & 0xc0) != 0x80;
    return 0.62 * px * (double)chars;
}

static void color_text(char out[8], uint32_t rgb)
{
    snprintf(out, 8, "#%06x", (unsigned)(rgb & 0xffffff));
}

/* <text> with escaped content; anchor is "start", "middle" or "end". */
static void text(nn_svg *s, double x, double y, double px, const char *anchor,
                 const char *attrs, const char *content)
{
    putf(s, "<text x=\"%s\"", N(x));
    putf(s, " y=\"%s\" font-size=\"%s\"", N(y), N(px));
    if (strcmp(anchor, "start") != 0)
        putf(s, " text-anchor=\"%s\"", anchor);
    if (attrs != NULL && attrs[0] != '\0')
        putf(s, " %s", attrs);
    put(s, ">");
    nn_svg_escape(s, content);
    put(s, "</text>\n");
}

static void rect(nn_svg *s, double x, double y, double w, double h, const char *fill,
                 const char *attrs)
{
    putf(s, "<rect x=\"%s\"", N(x));
    putf(s, " y=\"%s\"", N(y));
    putf(s, " width=\"%s\"", N(w));
    putf(s, " height=\"%s\" fill=\"%s\"", N(h), fill);
    if (attrs != NULL && attrs[0] != '\0')
        putf(s, " %s", attrs);
    put(s, "/>\n");
}

static void line(nn_svg *s, double x1, double y1, double x2, double y2, const char *attrs)
{
    putf(s, "<line x1=\"%s\"", N(x1));
    putf(s, " y1=\"%s\"", N(y1));
    putf(s, " x2=\"%s\"", N(x2));
    putf(s, " y2=\"%s\" %s/>\n", N(y2), attrs);
}

static void begin(nn_svg *s, double w, double h)
{
    nn_svg_init(s);
    put(s, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    putf(s, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %s", N(w));
    putf(s, " %s\"", N(h));
    putf(s, " width=\"%s\"", N(w));
    putf(s, " height=\"%s\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n",
         N(h));
    rect(s, 0, 0, w, h, "#ffffff", NULL);
}

static nn_status end(nn_svg *s, const char *what, nn_error *err)
{
    put(s, "</svg>\n");
    if (s->failed)
        return nn_fail(err, NN_E_NOMEM, "%s: out of memory", what);
    return NN_OK;
}

/* Title and subtitle at the top; returns the y below them. */
static double heading(nn_svg *s, double x, const char *title, const char *subtitle)
{
    double y = 12;
    if (title != NULL && title[0] != '\0') {
        y += 16;
        text(s, x, y, 16, "start", "font-weight=\"bold\"", title);
    }
    if (subtitle != NULL && subtitle[0] != '\0') {
        y += 18;
        text(s, x, y, 12, "start", "fill=\"#444444\"", subtitle);
    }
    return y + 10;
}

static double heading_width(const char *title, const char *subtitle)
{
    double w = 0;
    if (title != NULL)
        w = text_width(title, 16) * 1.08; /* bold */
    if (subtitle != NULL && text_width(subtitle, 12) > w)
        w = text_width(subtitle, 12);
    return w;
}

/* --- viridis ---------------------------------------------------------------- */

/* Matplotlib's viridis sampled at t = 0, 0.1, ..., 1; between samples the
 * colour is interpolated linearly in sRGB, which stays within a few levels
 * of the full 256-entry table. */
static const uint32_t viridis_table[11] = {
    0x440154, 0x482475, 0x414487, 0x355f8d, 0x2a788e, 0x21918c,
    0x22a884, 0x44bf70, 0x7ad151, 0xbddf26, 0xfde725,
};

uint32_t nn_svg_viridis(double t)
{
    if (!(t > 0.0))
        t = 0.0;
    if (t > 1.0)
        t = 1.0;
    double x = t * 10.0;
    int i = (int)x;
    if (i >= 10)
        i = 9;
    double f = x - (double)i;
    uint32_t a = viridis_table[i], b = viridis_table[i + 1], out = 0;
    for (int shift = 16; shift >= 0; shift -= 8) {
        double ca = (double)((a >> shift) & 0xff), cb = (double)((b >> shift) & 0xff);
        long c = lround(ca + (cb - ca) * f);
        out |= (uint32_t)c << shift;
    }
    return out;
}

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

/* --- confusion heatmap -------------------------------------------------------- */

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

/* The name of class k: its own, else its number in buf. */
static const char *class_label(const char *const *names, size_t k, char *buf, size_t cap)
{
    snprintf(buf, cap, "%zu", k);
    return names != NULL && names[k] != NULL ? names[k] : buf;
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
        name_w = fmax(name_w, text_width(class_label(names, k, numbuf, sizeof numbuf),
                                         L->tick_px));
    L->pad = 14;
    L->gap = 6;
    L->rotate = name_w > L->cell * 0.9;
    L->x_labels_h = L->rotate ? name_w * 0.72 + 14 : 18;
    double left_w = fmax(name_w, text_width("precision", 12));
    L->gx = L->pad + 22 + left_w + L->gap;
    double top_guess = 12 + (title != NULL ? 16 : 0) + (subtitle != NULL ? 18 : 0) + 10;
    L->gy = top_guess + 22; /* room for "recall" */
    L->gw = L->cell * (double)n;
    L->rx = L->gx + L->gw + L->gap;
    L->rw = fmax(L->cell * 1.15, 44);
    L->py = L->gy + L->gw + L->gap;
    L->bx = L->rx + L->rw + 26;
    L->bw = 14;
    L->width = fmax(L->bx + L->bw + 6 + text_width("100%", 11) + L->pad,
                    heading_width(title, subtitle) + 2 * L->pad);
    L->height = L->py + L->cell + 8 + L->x_labels_h + 22 + L->pad;
}

/* The cells, coloured by their share of the row, with their counts; a frame
 * around the grid. */
static void heatmap_cells(nn_svg *s, const nn_confusion *c, const heatmap *L)
{
    char numbuf[32], fill[8], id[64], attrs[64];
    put(s, "<g id=\"cells\">\n");
    for (size_t i = 0; i < L->n; i++) {
        size_t row = row_sum(c, i);
        for (size_t j = 0; j < L->n; j++) {
            size_t count = c->confusion[i * L->n + j];
            uint32_t rgb = 0xffffff;
            if (count > 0)
                rgb = nn_svg_viridis(share_to_t((double)count / (double)row, L->decades));
            color_text(fill, rgb);
            snprintf(id, sizeof id, "id=\"cell-%zu-%zu\"", i, j);
            double x = L->gx + L->cell * (double)j, y = L->gy + L->cell * (double)i;
            rect(s, x, y, L->cell, L->cell, fill, id);
            snprintf(numbuf, sizeof numbuf, "%zu", count);
            snprintf(attrs, sizeof attrs, "fill=\"%s\"", count > 0 ? ink_on(rgb) : "#9a9a9a");
            text(s, x + L->cell / 2, y + L->cell / 2 + L->count_px * 0.36, L->count_px,
                 "middle", attrs, numbuf);
        }
    }
    put(s, "</g>\n");
    putf(s, "<rect x=\"%s\"", N(L->gx));
    putf(s, " y=\"%s\" width=\"%s\"", N(L->gy), N(L->gw));
    putf(s, " height=\"%s\" fill=\"none\" stroke=\"#555555\" stroke-width=\"1\"/>\n", N(L->gw));
}

/* The recall column (per true class), the precision row (per prediction)
 * and the accuracy in the corner where they meet. */
static void heatmap_margins(nn_svg *s, const nn_confusion *c, const heatmap *L)
{
    char numbuf[32];
    double cell = L->cell;
    text(s, L->rx + L->rw / 2, L->gy - 7, 11, "middle", "font-weight=\"bold\"", "recall");
    for (size_t k = 0; k < L->n; k++) {
        nn_class_metrics m = nn_class_metrics_of(c, k);
        percent(numbuf, sizeof numbuf, m.recall);
        rect(s, L->rx, L->gy + cell * (double)k, L->rw, cell, "#f2f2f2", "stroke=\"#ffffff\"");
        text(s, L->rx + L->rw / 2, L->gy + cell * (double)k + cell / 2 + 4,
             fmin(11, L->count_px), "middle", NULL, numbuf);
        percent(numbuf, sizeof numbuf, m.precision);
        rect(s, L->gx + cell * (double)k, L->py, cell, cell, "#f2f2f2", "stroke=\"#ffffff\"");
        text(s, L->gx + cell * (double)k + cell / 2, L->py + cell / 2 + 4,
             fmin(11, L->count_px * 0.95), "middle", NULL, numbuf);
    }
    text(s, L->gx - L->gap, L->py + cell / 2 + 4, 12, "end", "font-weight=\"bold\"",
         "precision");
    rect(s, L->rx, L->py, L->rw, cell, "#e0e0e0", "stroke=\"#ffffff\"");
    percent(numbuf, sizeof numbuf, nn_confusion_accuracy(c));
    text(s, L->rx + L->rw / 2, L->py + cell / 2 - 2, 9, "middle", "fill=\"#444444\"",
         "accuracy");
    text(s, L->rx + L->rw / 2, L->py + cell / 2 + 10, fmin(11, L->count_px), "middle",
         "font-weight=\"bold\"", numbuf);
}

/* Class names, true labels down the left and predictions along the
 * bottom, and the two axis titles. */
static void heatmap_axes(nn_svg *s, const char *const *names, const heatmap *L)
{
    char numbuf[32], label[64];
    double tick_px = L->tick_px;
    for (size_t k = 0; k < L->n; k++) {
        const char *name = class_label(names, k, numbuf, sizeof numbuf);
        double mid = L->cell * (double)k + L->cell / 2;
        text(s, L->gx - L->gap, L->gy + mid + tick_px * 0.36, tick_px, "end", NULL, name);
        double lx = L->gx + mid, ly = L->py + L->cell + 8;
        if (L->rotate) {
            char attrs[96];
            snprintf(attrs, sizeof attrs, "transform=\"rotate(-45 %s", N(lx));
            snprintf(attrs + strlen(attrs), sizeof attrs - strlen(attrs), " %s)\"",
                     N(ly + tick_px * 0.7));
            text(s, lx, ly + tick_px * 0.7, tick_px, "end", attrs, name);
        } else {
            text(s, lx, ly + tick_px, tick_px, "middle", NULL, name);
        }
    }
    text(s, L->gx + L->gw / 2, L->py + L->cell + 8 + L->x_labels_h + 12, 13, "middle",
         "font-weight=\"bold\"", "Predicted label");
    double ay = L->gy + L->gw / 2;
    snprintf(label, sizeof label, "transform=\"rotate(-90 %s", N(L->pad + 10));
    snprintf(label + strlen(label), sizeof label - strlen(label), " %s)\"", N(ay));
    strncat(label, " font-weight=\"bold\"", sizeof label - strlen(label) - 1);
    text(s, L->pad + 10, ay, 13, "middle", label, "True label");
}

/* The colour bar: the log scale of the share of a row, and white for 0. */
static void heatmap_colorbar(nn_svg *s, const heatmap *L)
{
    char numbuf[32], fill[8];
    double bx = L->bx, bw = L->bw, gy = L->gy, bh = L->gw, steps = 64;
    put(s, "<g id=\"colorbar\">\n");
    for (int k = 0; k < (int)steps; k++) {
        double t = ((double)k + 0.5) / steps;
        color_text(fill, nn_svg_viridis(t));
        double y = gy + bh - bh * (double)(k + 1) / steps;
        rect(s, bx, y, bw, bh / steps + 0.4, fill, NULL);
    }
    putf(s, "<rect x=\"%s\"", N(bx));
    putf(s, " y=\"%s\" width=\"%s\"", N(gy), N(bw));
    putf(s, " height=\"%s\" fill=\"none\" stroke=\"#555555\" stroke-width=\"0.8\"/>\n", N(bh));
    for (int d = 0; d <= (int)floor(L->decades + 1e-9); d++) {
        double y = gy + bh * (double)d / L->decades;
        line(s, bx + bw, y, bx + bw + 4, y, "stroke=\"#555555\" stroke-width=\"0.8\"");
        double v = 100.0 * pow(10.0, -(double)d);
        if (v >= 1)
            snprintf(numbuf, sizeof numbuf, "%.0f%%", v);
        else
            snprintf(numbuf, sizeof numbuf, "%.*f%%", d - 2 < 6 ? d - 2 : 6, v);
        text(s, bx + bw + 6, y + 4, 10, "start", NULL, numbuf);
    }
    rect(s, bx, gy + bh + 8, bw, bw, "#ffffff", "stroke=\"#555555\" stroke-width=\"0.8\"");
    text(s, bx + bw + 6, gy + bh + 8 + bw - 3, 10, "start", NULL, "0");
    text(s, bx + bw / 2, gy - 7, 10, "middle", NULL, "row share");
    text(s, bx + bw / 2, gy + bh + bw + 22, 9, "middle", "fill=\"#444444\"", "log scale");
    put(s, "</g>\n");
}

nn_status nn_svg_confusion(nn_svg *s, const nn_confusion *c, const char *const *names,
                           const char *title, const char *subtitle, nn_error *err)
{
    if (c->n_classes == 0 || c->confusion == NULL)
        return nn_fail(err, NN_E_ARG, "confusion heatmap: no classes");
    heatmap L;
    heatmap_layout(c, names, title, subtitle, &L);
    begin(s, L.width, L.height);
    heading(s, L.pad, title, subtitle);
    heatmap_cells(s, c, &L);
    heatmap_margins(s, c, &L);
    heatmap_axes(s, names, &L);
    heatmap_colorbar(s, &L);
    return end(s, "confusion heatmap", err);
}

/* --- learning curve ----------------------------------------------------------- */

/* A "nice" tick step (1, 2 or 5 times a power of ten) giving about n ticks
 * over span. */
static double nice_step(double span, double n)
{
    double raw = span / n;
    double p = pow(10.0, floor(log10(raw)));
    double f = raw / p;
    return (f < 1.5 ? 1.0 : f < 3.5 ? 2.0 : f < 7.5 ? 5.0 : 10.0) * p;
}

/* Decimals that print every multiple of step exactly. */
static int step_decimals(double step)
{
    /* A step that is not a positive finite number (an empty range) gets no
     * decimals: NaN or infinity cast to int is undefined behaviour. */
    double d = ceil(-log10(step) - 1e-9);
    if (!(d > 0))
        return 0;
    return d > 8 ? 8 : (int)d;
}

typedef struct {
    double x, y, w, h;     /* plotting area */
    double x0, x1, y0, y1; /* data ranges */
} panel;

static double px_x(const panel *p, double v)
{
    return p->x + (v - p->x0) / (p->x1 - p->x0) * p->w;
}

static double px_y(const panel *p, double v)
{
    return p->y + p->h - (v - p->y0) / (p->y1 - p->y0) * p->h;
}

/* Widens [lo, hi] to whole tick steps and returns the step. */
static double nice_range(double *lo, double *hi, double ticks)
{
    if (!(*hi > *lo)) {
        double m = fmax(fabs(*lo) * 0.05, 1e-3);
        *lo -= m;
        *hi += m;
    }
    double step = nice_step(*hi - *lo, ticks);
    *lo = floor(*lo / step + 1e-9) * step;
    *hi = ceil(*hi / step - 1e-9) * step;
    return step;
}

/* Frame, horizontal grid lines with their values, the y-axis title. */
static void panel_frame(nn_svg *s, const panel *p, double ystep, int percent_ticks,
                        const char *ytitle, int x_ticks, size_t n_epochs)
{
    char buf[48];
    rect(s, p->x, p->y, p->w, p->h, "#fafafa", "stroke=\"#888888\" stroke-width=\"0.8\"");
    int dec = step_decimals(percent_ticks ? ystep * 100 : ystep);
    for (double v = p->y0; v <= p->y1 + ystep * 1e-6; v += ystep) {
        double y = px_y(p, v);
        if (v > p->y0 + ystep * 1e-6 && v < p->y1 - ystep * 1e-6)
            line(s, p->x, y, p->x + p->w, y, "stroke=\"#dddddd\" stroke-width=\"0.8\"");
        if (percent_ticks)
            snprintf(buf, sizeof buf, "%.*f%%", dec, fabs(v) < ystep * 1e-6 ? 0.0 : v * 100);
        else
            snprintf(buf, sizeof buf, "%.*f", dec, fabs(v) < ystep * 1e-6 ? 0.0 : v);
        text(s, p->x - 6, y + 4, 11, "end", NULL, buf);
    }
    /* Epoch ticks: whole numbers only. */
    double xstep = fmax(1.0, nice_step(p->x1 - p->x0 > 0 ? p->x1 - p->x0 : 1, 8));
    xstep = ceil(xstep);
    for (double e = 1; e <= (double)n_epochs + 1e-9; e += xstep) {
        double x = px_x(p, e);
        line(s, x, p->y + p->h, x, p->y + p->h + 4, "stroke=\"#888888\" stroke-width=\"0.8\"");
        if (x_ticks) {
            snprintf(buf, sizeof buf, "%.0f", e);
            text(s, x, p->y + p->h + 16, 11, "middle", NULL, buf);
        }
    }
    double ay = p->y + p->h / 2;
    char attrs[128];
    snprintf(attrs, sizeof attrs, "transform=\"rotate(-90 %s", N(p->x - 50));
    snprintf(attrs + strlen(attrs), sizeof attrs - strlen(attrs), " %s)\" font-weight=\"bold\"",
             N(ay));
    text(s, p->x - 50, ay, 12, "middle", attrs, ytitle);
}

/* A line through the epochs' values (field at offset off of nn_svg_epoch),
 * with a dot at each epoch when there are few. */
static void series(nn_svg *s, const panel *p, const nn_svg_epoch *e, size_t n, size_t off,
                   const char *colour, double width, const char *id)
{
    putf(s, "<polyline id=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"%s\" "
            "stroke-linejoin=\"round\" points=\"", id, colour, N(width));
    for (size_t i = 0; i < n; i++) {
        double v = *(const double *)((const char *)&e[i] + off);
        putf(s, "%s%s", i > 0 ? " " : "", N(px_x(p, (double)e[i].epoch)));
        putf(s, ",%s", N(px_y(p, v)));
    }
    put(s, "\"/>\n");
    if (n <= 60)
        for (size_t i = 0; i < n; i++) {
            double v = *(const double *)((const char *)&e[i] + off);
            putf(s, "<circle cx=\"%s\"", N(px_x(p, (double)e[i].epoch)));
            putf(s, " cy=\"%s\" r=\"%s\" fill=\"%s\"/>\n", N(px_y(p, v)), N(width * 1.3), colour);
        }
}

#define TRAIN_COLOUR "#1f77b4"
#define VAL_COLOUR "#e8590c"
#define LR_COLOUR "#6a6a6a"

/* What the epochs hold: which series every epoch has, their ranges, the
 * best validation epoch and the last epoch number. */
typedef struct {
    int has_val, has_lr, has_loss, has_val_loss;
    size_t best; /* index of the best validation epoch */
    double lmax, amin, amax, lrmax;
    size_t last;
} curve_data;

static void curve_data_of(const nn_svg_epoch *e, size_t n, curve_data *d)
{
    *d = (curve_data){n > 0, n > 0, n > 0, n > 0, 0, 0, 1, 0, 0, n > 0 ? e[n - 1].epoch : 1};
    for (size_t i = 0; i < n; i++) {
        d->has_val &= e[i].val_accuracy >= 0;
        d->has_lr &= e[i].lr >= 0;
        d->has_loss &= e[i].loss >= 0;
        d->has_val_loss &= e[i].val_loss >= 0;
    }
    for (size_t i = 0; i < n; i++) {
        d->lmax = fmax(d->lmax, e[i].loss);
        if (d->has_val_loss)
            d->lmax = fmax(d->lmax, e[i].val_loss);
        d->amin = fmin(d->amin, e[i].train_accuracy);
        d->amax = fmax(d->amax, e[i].train_accuracy);
        if (d->has_val) {
            d->amin = fmin(d->amin, e[i].val_accuracy);
            d->amax = fmax(d->amax, e[i].val_accuracy);
            if (e[i].val_accuracy > e[d->best].val_accuracy)
                d->best = i;
        }
        if (d->has_lr)
            d->lrmax = fmax(d->lrmax, e[i].lr);
        if (e[i].epoch > d->last)
            d->last = e[i].epoch;
    }
}

/* The legend, in a row at y from x on. */
static void curve_legend(nn_svg *s, const nn_svg_epoch *e, const curve_data *d, double lx,
                         double ly)
{
    char buf[96];
    line(s, lx, ly, lx + 22, ly, "stroke=\"" TRAIN_COLOUR "\" stroke-width=\"2.5\"");
    text(s, lx + 28, ly + 4, 12, "start", NULL, "training");
    lx += 100;
    if (d->has_val) {
        line(s, lx, ly, lx + 22, ly, "stroke=\"" VAL_COLOUR "\" stroke-width=\"2.5\"");
        text(s, lx + 28, ly + 4, 12, "start", NULL, "validation");
        lx += 110;
        line(s, lx + 11, ly - 7, lx + 11, ly + 7,
             "stroke=\"#333333\" stroke-width=\"1\" stroke-dasharray=\"3 2\"");
        snprintf(buf, sizeof buf, "best epoch %zu: %.2f%%", e[d->best].epoch,
                 100.0 * e[d->best].val_accuracy);
        text(s, lx + 20, ly + 4, 12, "start", NULL, buf);
        lx += 28 + text_width(buf, 12) + 20;
    }
    if (d->has_lr) {
        line(s, lx, ly, lx + 22, ly, "stroke=\"" LR_COLOUR "\" stroke-width=\"1.2\"");
        text(s, lx + 28, ly + 4, 12, "start", NULL, "learning rate");
    }
}

/* Heights of the panels and the gap between two. */
#define CURVE_PANEL_H 190.0
#define CURVE_LR_H 80.0
#define CURVE_SEP 30.0

/* The three panels, stacked: loss, accuracy, learning rate (when known). */
typedef struct {
    panel loss, acc, lr;
    const panel *bottom; /* the lowest drawn, which carries the epoch numbers */
} curve_panels;

/* Lays out and frames the panels under top. */
static void curve_frames(nn_svg *s, const curve_data *d, double left, double top,
                         double plot_w, curve_panels *p)
{
    const double loss_h = CURVE_PANEL_H, acc_h = CURVE_PANEL_H, sep = CURVE_SEP;
    const double lr_h = d->has_lr ? CURVE_LR_H : 0;
    double x0 = 1, x1 = d->last > 1 ? (double)d->last : 2;
    p->loss = (panel){left, top, plot_w, loss_h, x0, x1, 0, d->lmax > 0 ? d->lmax : 1};
    double lstep = nice_range(&p->loss.y0, &p->loss.y1, 5);
    p->acc = (panel){left, top + loss_h + sep, plot_w, acc_h, x0, x1, d->amin, d->amax};
    double astep = nice_range(&p->acc.y0, &p->acc.y1, 5);
    if (p->acc.y1 > 1.0 && d->amax <= 1.0)
        p->acc.y1 = 1.0;
    p->lr = (panel){left, p->acc.y + acc_h + sep, plot_w, lr_h, x0, x1, 0,
                    d->lrmax > 0 ? d->lrmax : 1};
    double rstep = d->has_lr ? nice_range(&p->lr.y0, &p->lr.y1, 2) : 1;
    p->bottom = d->has_lr ? &p->lr : &p->acc;

    panel_frame(s, &p->loss, lstep, 0, "loss", 0, d->last);
    panel_frame(s, &p->acc, astep, 1, "accuracy", !d->has_lr, d->last);
    if (d->has_lr)
        panel_frame(s, &p->lr, rstep, 0, "learning rate", 1, d->last);
    text(s, left + plot_w / 2, p->bottom->y + p->bottom->h + 34, 12, "middle",
         "font-weight=\"bold\"", "epoch");
}

/* The series in their panels, the best epoch marked through all of them. */
static void curve_series(nn_svg *s, const nn_svg_epoch *e, size_t n, const curve_data *d,
                         const curve_panels *p)
{
    if (d->has_val) {
        double bx = px_x(&p->loss, (double)e[d->best].epoch);
        line(s, bx, p->loss.y, bx, p->bottom->y + p->bottom->h,
             "stroke=\"#333333\" stroke-width=\"1\" stroke-dasharray=\"3 2\"");
    }
    series(s, &p->acc, e, n, offsetof(nn_svg_epoch, train_accuracy), TRAIN_COLOUR, 2,
           "acc-train");
    if (d->has_val) {
        series(s, &p->acc, e, n, offsetof(nn_svg_epoch, val_accuracy), VAL_COLOUR, 2,
               "acc-val");
        double bx = px_x(&p->acc, (double)e[d->best].epoch);
        double by = px_y(&p->acc, e[d->best].val_accuracy);
        putf(s, "<circle id=\"best\" cx=\"%s\"", N(bx));
        putf(s, " cy=\"%s\" r=\"6\" fill=\"none\" stroke=\"#333333\" stroke-width=\"1.5\"/>\n",
             N(by));
    }
    if (d->has_lr)
        series(s, &p->lr, e, n, offsetof(nn_svg_epoch, lr), LR_COLOUR, 1.2, "lr");
    if (d->has_val_loss)
        series(s, &p->loss, e, n, offsetof(nn_svg_epoch, val_loss), VAL_COLOUR, 2, "loss-val");
    if (d->has_loss)
        series(s, &p->loss, e, n, offsetof(nn_svg_epoch, loss), TRAIN_COLOUR, 2, "loss-train");
    else
        text(s, p->loss.x + p->loss.w / 2, p->loss.y + p->loss.h / 2, 13, "middle",
             "fill=\"#888888\"", "no loss: the perceptron rule has none");
}

nn_status nn_svg_learning_curve(nn_svg *s, const nn_svg_epoch *e, size_t n, const char *title,
                                const char *subtitle, nn_error *err)
{
    curve_data d;
    curve_data_of(e, n, &d);
    const double pad = 14, left = 78, right = 24;
    double width = fmax(left + 600 + right, heading_width(title, subtitle) + 2 * pad);
    double plot_w = width - left - right;
    double top = 12 + (title != NULL ? 16 : 0) + (subtitle != NULL ? 18 : 0) + 10 + 24;
    double height = top + CURVE_PANEL_H + CURVE_SEP + CURVE_PANEL_H +
                    (d.has_lr ? CURVE_SEP + CURVE_LR_H : 0) + 44 + pad;

    begin(s, width, height);
    heading(s, pad, title, subtitle);
    curve_legend(s, e, &d, left, top - 14);
    curve_panels p;
    curve_frames(s, &d, left, top, plot_w, &p);
    if (n == 0)
        text(s, left + plot_w / 2, p.loss.y + p.loss.h / 2, 14, "middle", "fill=\"#888888\"",
             "no epochs yet");
    else
        curve_series(s, e, n, &d, &p);
    return end(s, "learning curve", err);
}

/* --- gallery ------------------------------------------------------------------ */

/* Ink in 16 grey levels: runs of equal pixels merge into one <rect>, and
 * 16 levels are as many as the eye tells apart at this size. */
static unsigned grey_level(uint8_t v)
{
    return v >> 4;
}

static void draw_pixels(nn_svg *s, const uint8_t *px, size_t rows, size_t cols, double x0,
                        double y0, double scale)
{
    for (size_t r = 0; r < rows; r++) {
        const uint8_t *row = px + r * cols;
        for (size_t c = 0; c < cols;) {
            unsigned level = grey_level(row[c]);
            size_t run = 1;
            while (c + run < cols && grey_level(row[c + run]) == level)
                run++;
            if (level > 0) {
                unsigned g = 255 - (level * 255 + 7) / 15; /* level 15 is black ink */
                char fill[8];
                color_text(fill, (uint32_t)(g << 16 | g << 8 | g));
                putf(s, "<rect x=\"%s\"", N(x0 + scale * (double)c));
                putf(s, " y=\"%s\"", N(y0 + scale * (double)r));
                putf(s, " width=\"%s\"", N(scale * (double)run));
                putf(s, " height=\"%s\" fill=\"%s\"/>\n", N(scale), fill);
            }
            c += run;
        }
    }
}

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
        tile_w = fmax(tile_w, fmax(text_width(line1, 11), text_width(line2, 11) * 1.08));
        tile_w = fmax(tile_w, text_width("confidence 100.00%", 10));
    }
    const double pad = 14, gap = 18, cap_h = 60;
    size_t per_row = n < 8 ? (n > 0 ? n : 1) : 8;
    size_t n_rows = n > 0 ? (n + per_row - 1) / per_row : 1;
    double top = 12 + (title != NULL ? 16 : 0) + (subtitle != NULL ? 18 : 0) + 16;
    double width = fmax(2 * pad + (double)per_row * (tile_w + gap) - gap,
                        heading_width(title, subtitle) + 2 * pad);
    double height = top + (double)n_rows * (img_h + cap_h + gap) + pad;

    begin(s, width, height);
    heading(s, pad, title, subtitle);
    if (n == 0)
        text(s, pad, top + 20, 13, "start", "fill=\"#888888\"", "no wrong images");
    for (size_t i = 0; i < n; i++) {
        double x = pad + (double)(i % per_row) * (tile_w + gap);
        double y = top + (double)(i / per_row) * (img_h + cap_h + gap);
        double ix = x + (tile_w - img_w) / 2;
        putf(s, "<g id=\"tile-%zu\">\n", i);
        rect(s, ix - 1, y - 1, img_w + 2, img_h + 2, "#ffffff",
             "stroke=\"#bbbbbb\" stroke-width=\"1\"");
        draw_pixels(s, tiles[i].pixels, rows, cols, ix, y, scale);
        snprintf(line1, sizeof line1, "true %s", tiles[i].truth);
        snprintf(line2, sizeof line2, "predicted %s", tiles[i].predicted);
        snprintf(line3, sizeof line3, "confidence %.2f%%", 100.0 * tiles[i].confidence);
        snprintf(line4, sizeof line4, "image %zu", tiles[i].index);
        double cx = x + tile_w / 2;
        text(s, cx, y + img_h + 15, 11, "middle", NULL, line1);
        text(s, cx, y + img_h + 29, 11, "middle", "fill=\"#c92a2a\" font-weight=\"bold\"",
             line2);
        text(s, cx, y + img_h + 43, 10, "middle", NULL, line3);
        text(s, cx, y + img_h + 56, 10, "middle", "fill=\"#777777\"", line4);
        put(s, "</g>\n");
    }
    return end(s, "error gallery", err);
}

/* --- reconstructions ------------------------------------------------------------ */

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
                        heading_width(title, subtitle) + 2 * pad);
    double height = top + (double)n_rows * (img_h + cap_h + gap) + pad;

    begin(s, width, height);
    heading(s, pad, title, subtitle);
    text(s, pad, top - 12, 11, "start", "fill=\"#555555\"",
         "each pair: the input (left), its reconstruction (right)");
    if (n == 0)
        text(s, pad, top + 20, 13, "start", "fill=\"#888888\"", "no images");
    for (size_t i = 0; i < n; i++) {
        double x = pad + (double)(i % per_row) * (tile_w + gap);
        double y = top + (double)(i / per_row) * (img_h + cap_h + gap);
        putf(s, "<g id=\"pair-%zu\">\n", i);
        for (int k = 0; k < 2; k++) {
            double ix = x + (double)k * (img_w + inner);
            rect(s, ix - 1, y - 1, img_w + 2, img_h + 2, "#ffffff",
                 "stroke=\"#bbbbbb\" stroke-width=\"1\"");
            draw_pixels(s, k == 0 ? pairs[i].input : pairs[i].output, rows, cols, ix, y, scale);
        }
        snprintf(line1, sizeof line1, "image %zu", pairs[i].index);
        snprintf(line2, sizeof line2, "loss %.4f", pairs[i].loss);
        double cx = x + tile_w / 2;
        text(s, cx, y + img_h + 15, 11, "middle", NULL, line1);
        text(s, cx, y + img_h + 29, 10, "middle", "fill=\"#777777\"", line2);
        put(s, "</g>\n");
    }
    return end(s, "reconstructions", err);
}

/* --- weights ----------------------------------------------------------------------- */

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
                color_text(fill, weight_color(level));
                putf(s, "<rect x=\"%s\"", N(x0 + scale * (double)c));
                putf(s, " y=\"%s\"", N(y0 + scale * (double)r));
                putf(s, " width=\"%s\"", N(scale * (double)run));
                putf(s, " height=\"%s\" fill=\"%s\"/>\n", N(scale), fill);
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
                        fmax(heading_width(title, subtitle), 330) + 2 * pad);
    double height = top + (double)n_rows * (img_h + cap_h + gap) + pad;
    char label[32];
    begin(s, width, height);
    heading(s, pad, title, subtitle);
    text(s, pad, top - 12, 11, "start", "fill=\"#555555\"",
         "red: positive, blue: negative, each scaled to its largest weight");
    for (size_t i = 0; i < n; i++) {
        double x = pad + (double)(i % per_row) * (img_w + gap);
        double y = top + (double)(i / per_row) * (img_h + cap_h + gap);
        putf(s, "<g id=\"unit-%zu\">\n", i);
        rect(s, x - 1, y - 1, img_w + 2, img_h + 2, "#ffffff",
             "stroke=\"#bbbbbb\" stroke-width=\"1\"");
        draw_weights(s, w + i * rows * cols, rows, cols, x, y, scale);
        snprintf(label, sizeof label, "%zu", i);
        text(s, x + img_w / 2, y + img_h + 12, 10, "middle", "fill=\"#777777\"", label);
        put(s, "</g>\n");
    }
    return end(s, "weights", err);
}

/* --- how a recurrent net reads ----------------------------------------------- */

/* One image's row of the picture at y: the image, the grid of steps by
 * classes, the answer. */
static void reading_row(nn_svg *s, const nn_svg_reading *it, size_t rows, size_t cols,
                        size_t steps, size_t n_classes, const char *const *names, double y,
                        double scale)
{
    const double pad = 14, label_w = 40, cell_w = 9;
    double img_w = scale * (double)cols, img_h = scale * (double)rows;
    double cell_h = img_h / (double)n_classes, gx = pad + img_w + label_w;
    rect(s, pad - 1, y - 1, img_w + 2, img_h + 2, "#ffffff",
         "stroke=\"#bbbbbb\" stroke-width=\"1\"");
    draw_pixels(s, it->pixels, rows, cols, pad, y, scale);
    char buf[96], fill[8];
    for (size_t k = 0; k < n_classes; k++) {
        text(s, gx - 4, y + cell_h * ((double)k + 0.75), fmin(9, cell_h), "end", NULL,
             class_label(names, k, buf, sizeof buf));
        for (size_t t = 0; t < steps; t++) {
            color_text(fill, nn_svg_viridis(it->probs[t * n_classes + k]));
            rect(s, gx + cell_w * (double)t, y + cell_h * (double)k, cell_w, cell_h, fill, NULL);
        }
    }
    const float *last = it->probs + (steps - 1) * n_classes;
    size_t best = 0;
    for (size_t k = 1; k < n_classes; k++)
        if (last[k] > last[best])
            best = k;
    double tx = gx + cell_w * (double)steps + 12;
    char name[64];
    snprintf(buf, sizeof buf, "reads %s", class_label(names, best, name, sizeof name));
    text(s, tx, y + 16, 12, "start", "font-weight=\"bold\"", buf);
    snprintf(buf, sizeof buf, "%.2f%%", 100.0 * last[best]);
    text(s, tx, y + 32, 11, "start", NULL, buf);
    if (it->truth != NULL) {
        snprintf(buf, sizeof buf, "true %s", it->truth);
        text(s, tx, y + 48, 11, "start", NULL, buf);
    }
    snprintf(buf, sizeof buf, "image %zu", it->index);
    text(s, tx, y + 64, 10, "start", "fill=\"#777777\"", buf);
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
                        heading_width(title, subtitle) + 2 * pad);
    double height = top + (double)(n > 0 ? n : 1) * (img_h + gap) + 24;
    begin(s, width, height);
    heading(s, pad, title, subtitle);
    for (size_t i = 0; i < n; i++) {
        putf(s, "<g id=\"reading-%zu\">\n", i);
        reading_row(s, &items[i], rows, cols, steps, n_classes, names,
                    top + (double)i * (img_h + gap), scale);
        put(s, "</g>\n");
    }
    /* The steps, under the last grid: 1, then every 7th. */
    double gx = pad + img_w + label_w, ay = top + (double)(n > 0 ? n : 1) * (img_h + gap) - 8;
    char buf[32];
    for (size_t t = 0; t < steps; t++)
        if (t == 0 || (t + 1) % 7 == 0 || t + 1 == steps) {
            snprintf(buf, sizeof buf, "%zu", t + 1);
            text(s, gx + cell_w * ((double)t + 0.5), ay, 9, "middle", NULL, buf);
        }
    text(s, gx + grid_w / 2, ay + 14, 10, "middle", "fill=\"#444444\"",
         "steps read (rows of the image); colour: probability of each class, 0 to 1");
    return end(s, "reading picture", err);
}
