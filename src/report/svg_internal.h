/*
 * svg_internal.h - the SVG writer the pictures are drawn with (svg.c): text
 * into the buffer, numbers in one fixed format, and the few elements every
 * picture is made of. Each picture (svg_confusion.c, svg_curve.c,
 * svg_gallery.c, svg_reading.c) builds on these alone. Not part of the
 * public API.
 */
#ifndef NNCLASS_SVG_INTERNAL_H
#define NNCLASS_SVG_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "nnclass/base/error.h"
#include "nnclass/report/svg.h"

/* Appends text as it is (callers escape what comes from outside). */
void nn_svg_put(nn_svg *s, const char *text);

/* printf into the buffer; numbers only through nn_svg_num (N) or integer
 * conversions, so that the output is the same on every host. */
void nn_svg_putf(nn_svg *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A coordinate: two fixed decimals, trailing zeros dropped, never "-0".
 * Non-finite values (which no caller should pass) print as 0. */
typedef struct {
    char s[32];
} numtext;

/* v in that format. */
numtext nn_svg_num(double v);

#define N(v) (nn_svg_num(v).s)

/* Rough width of text in a sans-serif face of size px: the pictures size
 * their margins by it. Counts characters, not bytes. */
double nn_svg_text_width(const char *text, double px);

/* rgb (0xRRGGBB) as "#rrggbb" in out. */
void nn_svg_color_text(char out[8], uint32_t rgb);

/* <text> with escaped content; anchor is "start", "middle" or "end"; attrs
 * (may be NULL) are added as they are. */
void nn_svg_text(nn_svg *s, double x, double y, double px, const char *anchor,
                 const char *attrs, const char *content);

/* <rect> filled with fill, with attrs (may be NULL). */
void nn_svg_rect(nn_svg *s, double x, double y, double w, double h, const char *fill,
                 const char *attrs);

/* <line> from (x1, y1) to (x2, y2) with attrs. */
void nn_svg_line(nn_svg *s, double x1, double y1, double x2, double y2, const char *attrs);

/* Empties s and starts a w x h picture on a white background. */
void nn_svg_begin(nn_svg *s, double w, double h);

/* Ends the picture; NN_E_NOMEM (naming what) when the buffer could not grow. */
nn_status nn_svg_end(nn_svg *s, const char *what, nn_error *err);

/* Title and subtitle at the top; returns the y below them. */
double nn_svg_heading(nn_svg *s, double x, const char *title, const char *subtitle);

/* The width that title and subtitle (either may be NULL) take. */
double nn_svg_heading_width(const char *title, const char *subtitle);

/* The name of class k: names[k], else its number, written into buf. */
const char *nn_svg_class_label(const char *const *names, size_t k, char *buf, size_t cap);

/* A "nice" tick step (1, 2 or 5 times a power of ten) giving about n ticks
 * over span. */
double nn_svg_nice_step(double span, double n);

/* Decimals that print every multiple of step exactly (0 to 8). */
int nn_svg_step_decimals(double step);

/* Widens [lo, hi] to whole tick steps of about ticks ticks (an empty range
 * first to a small one around it) and returns the step. */
double nn_svg_nice_range(double *lo, double *hi, double ticks);

/* An image of rows x cols bytes (0 background, 255 ink) drawn at (x0, y0),
 * each pixel scale units wide. */
void nn_svg_draw_pixels(nn_svg *s, const uint8_t *px, size_t rows, size_t cols, double x0,
                        double y0, double scale);

#endif
