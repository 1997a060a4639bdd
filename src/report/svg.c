/* svg.c - hand-written SVG pictures: the writer (buffer, escaping, fixed
 * number format, the elements every picture is made of) and the viridis
 * scale. Each picture has a file of its own: svg_confusion.c, svg_curve.c,
 * svg_gallery.c, svg_reading.c, svg_codes.c and others. */
#include "nnclass/report/svg.h"

#include "svg_internal.h"
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

void nn_svg_put(nn_svg *s, const char *text)
{
    put_n(s, text, strlen(text));
}

/* printf into the buffer. Callers print numbers only through nn_svg_num() or
 * integer conversions, so the output does not depend on float rounding
 * modes or on how many digits %g would choose. */
void nn_svg_putf(nn_svg *s, const char *fmt, ...)
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

numtext nn_svg_num(double v)
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
        case '&': nn_svg_put(s, "&amp;"); p++; continue;
        case '<': nn_svg_put(s, "&lt;"); p++; continue;
        case '>': nn_svg_put(s, "&gt;"); p++; continue;
        case '"': nn_svg_put(s, "&quot;"); p++; continue;
        case '\'': nn_svg_put(s, "&apos;"); p++; continue;
        default: break;
        }
        size_t n = utf8_char(p);
        /* Tabs and line ends would be folded into spaces by XML anyway. */
        if (n == 0 || *p == '\t' || *p == '\n' || *p == '\r') {
            nn_svg_put(s, "?");
            p++;
        } else {
            put_n(s, (const char *)p, n);
            p += n;
        }
    }
}

/* Rough width of text in a sans-serif face of size px: the pictures size
 * their margins by it. Counts characters, not bytes. */
double nn_svg_text_width(const char *text, double px)
{
    size_t chars = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++)
        chars += (*p & 0xc0) != 0x80;
    return 0.62 * px * (double)chars;
}

void nn_svg_color_text(char out[8], uint32_t rgb)
{
    snprintf(out, 8, "#%06x", (unsigned)(rgb & 0xffffff));
}

/* <text> with escaped content; anchor is "start", "middle" or "end". */
void nn_svg_text(nn_svg *s, double x, double y, double px, const char *anchor,
                 const char *attrs, const char *content)
{
    nn_svg_putf(s, "<text x=\"%s\"", N(x));
    nn_svg_putf(s, " y=\"%s\" font-size=\"%s\"", N(y), N(px));
    if (strcmp(anchor, "start") != 0)
        nn_svg_putf(s, " text-anchor=\"%s\"", anchor);
    if (attrs != NULL && attrs[0] != '\0')
        nn_svg_putf(s, " %s", attrs);
    nn_svg_put(s, ">");
    nn_svg_escape(s, content);
    nn_svg_put(s, "</text>\n");
}

void nn_svg_rect(nn_svg *s, double x, double y, double w, double h, const char *fill,
                 const char *attrs)
{
    nn_svg_putf(s, "<rect x=\"%s\"", N(x));
    nn_svg_putf(s, " y=\"%s\"", N(y));
    nn_svg_putf(s, " width=\"%s\"", N(w));
    nn_svg_putf(s, " height=\"%s\" fill=\"%s\"", N(h), fill);
    if (attrs != NULL && attrs[0] != '\0')
        nn_svg_putf(s, " %s", attrs);
    nn_svg_put(s, "/>\n");
}

void nn_svg_line(nn_svg *s, double x1, double y1, double x2, double y2, const char *attrs)
{
    nn_svg_putf(s, "<line x1=\"%s\"", N(x1));
    nn_svg_putf(s, " y1=\"%s\"", N(y1));
    nn_svg_putf(s, " x2=\"%s\"", N(x2));
    nn_svg_putf(s, " y2=\"%s\" %s/>\n", N(y2), attrs);
}

void nn_svg_begin(nn_svg *s, double w, double h)
{
    nn_svg_init(s);
    nn_svg_put(s, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    nn_svg_putf(s, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %s", N(w));
    nn_svg_putf(s, " %s\"", N(h));
    nn_svg_putf(s, " width=\"%s\"", N(w));
    nn_svg_putf(s, " height=\"%s\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n",
                N(h));
    nn_svg_rect(s, 0, 0, w, h, "#ffffff", NULL);
}

nn_status nn_svg_end(nn_svg *s, const char *what, nn_error *err)
{
    nn_svg_put(s, "</svg>\n");
    if (s->failed)
        return nn_fail(err, NN_E_NOMEM, "%s: out of memory", what);
    return NN_OK;
}

/* Title and subtitle at the top; returns the y below them. */
double nn_svg_heading(nn_svg *s, double x, const char *title, const char *subtitle)
{
    double y = 12;
    if (title != NULL && title[0] != '\0') {
        y += 16;
        nn_svg_text(s, x, y, 16, "start", "font-weight=\"bold\"", title);
    }
    if (subtitle != NULL && subtitle[0] != '\0') {
        y += 18;
        nn_svg_text(s, x, y, 12, "start", "fill=\"#444444\"", subtitle);
    }
    return y + 10;
}

double nn_svg_heading_width(const char *title, const char *subtitle)
{
    double w = 0;
    if (title != NULL)
        w = nn_svg_text_width(title, 16) * 1.08; /* bold */
    if (subtitle != NULL && nn_svg_text_width(subtitle, 12) > w)
        w = nn_svg_text_width(subtitle, 12);
    return w;
}

/* The name of class k: its own, else its number in buf. */
const char *nn_svg_class_label(const char *const *names, size_t k, char *buf, size_t cap)
{
    snprintf(buf, cap, "%zu", k);
    return names != NULL && names[k] != NULL ? names[k] : buf;
}

/* Ink in 16 grey levels: runs of equal pixels merge into one <rect>, and
 * 16 levels are as many as the eye tells apart at this size. */
static unsigned grey_level(uint8_t v)
{
    return v >> 4;
}

void nn_svg_draw_pixels(nn_svg *s, const uint8_t *px, size_t rows, size_t cols, double x0,
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
                nn_svg_color_text(fill, (uint32_t)(g << 16 | g << 8 | g));
                nn_svg_putf(s, "<rect x=\"%s\"", N(x0 + scale * (double)c));
                nn_svg_putf(s, " y=\"%s\"", N(y0 + scale * (double)r));
                nn_svg_putf(s, " width=\"%s\"", N(scale * (double)run));
                nn_svg_putf(s, " height=\"%s\" fill=\"%s\"/>\n", N(scale), fill);
            }
            c += run;
        }
    }
}

/* --- axis ticks (the learning curve, the code map) ------------------------------ */

/* A "nice" tick step (1, 2 or 5 times a power of ten) giving about n ticks
 * over span. */
double nn_svg_nice_step(double span, double n)
{
    double raw = span / n;
    double p = pow(10.0, floor(log10(raw)));
    double f = raw / p;
    return (f < 1.5 ? 1.0 : f < 3.5 ? 2.0 : f < 7.5 ? 5.0 : 10.0) * p;
}

/* Decimals that print every multiple of step exactly. */
int nn_svg_step_decimals(double step)
{
    /* A step that is not a positive finite number (an empty range) gets no
     * decimals: NaN or infinity cast to int is undefined behaviour. */
    double d = ceil(-log10(step) - 1e-9);
    if (!(d > 0))
        return 0;
    return d > 8 ? 8 : (int)d;
}

/* Widens [lo, hi] to whole tick steps and returns the step. */
double nn_svg_nice_range(double *lo, double *hi, double ticks)
{
    if (!(*hi > *lo)) {
        double m = fmax(fabs(*lo) * 0.05, 1e-3);
        *lo -= m;
        *hi += m;
    }
    double step = nn_svg_nice_step(*hi - *lo, ticks);
    *lo = floor(*lo / step + 1e-9) * step;
    *hi = ceil(*hi / step - 1e-9) * step;
    return step;
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
