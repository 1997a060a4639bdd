/* svg_curve.c - the learning curve: loss, accuracy and learning rate per
 * epoch in stacked panels, the best validation epoch marked. */
#include "nnclass/report/svg.h"

#include "svg_internal.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

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

/* Frame, horizontal grid lines with their values, the y-axis title. */
static void panel_frame(nn_svg *s, const panel *p, double ystep, int percent_ticks,
                        const char *ytitle, int x_ticks, size_t n_epochs)
{
    char buf[48];
    nn_svg_rect(s, p->x, p->y, p->w, p->h, "#fafafa", "stroke=\"#888888\" stroke-width=\"0.8\"");
    int dec = nn_svg_step_decimals(percent_ticks ? ystep * 100 : ystep);
    for (double v = p->y0; v <= p->y1 + ystep * 1e-6; v += ystep) {
        double y = px_y(p, v);
        if (v > p->y0 + ystep * 1e-6 && v < p->y1 - ystep * 1e-6)
            nn_svg_line(s, p->x, y, p->x + p->w, y, "stroke=\"#dddddd\" stroke-width=\"0.8\"");
        if (percent_ticks)
            snprintf(buf, sizeof buf, "%.*f%%", dec, fabs(v) < ystep * 1e-6 ? 0.0 : v * 100);
        else
            snprintf(buf, sizeof buf, "%.*f", dec, fabs(v) < ystep * 1e-6 ? 0.0 : v);
        nn_svg_text(s, p->x - 6, y + 4, 11, "end", NULL, buf);
    }
    /* Epoch ticks: whole numbers only. */
    double xstep = fmax(1.0, nn_svg_nice_step(p->x1 - p->x0 > 0 ? p->x1 - p->x0 : 1, 8));
    xstep = ceil(xstep);
    for (double e = 1; e <= (double)n_epochs + 1e-9; e += xstep) {
        double x = px_x(p, e);
        nn_svg_line(s, x, p->y + p->h, x, p->y + p->h + 4,
                    "stroke=\"#888888\" stroke-width=\"0.8\"");
        if (x_ticks) {
            snprintf(buf, sizeof buf, "%.0f", e);
            nn_svg_text(s, x, p->y + p->h + 16, 11, "middle", NULL, buf);
        }
    }
    double ay = p->y + p->h / 2;
    char attrs[128];
    snprintf(attrs, sizeof attrs, "transform=\"rotate(-90 %s", N(p->x - 50));
    snprintf(attrs + strlen(attrs), sizeof attrs - strlen(attrs), " %s)\" font-weight=\"bold\"",
             N(ay));
    nn_svg_text(s, p->x - 50, ay, 12, "middle", attrs, ytitle);
}

/* A line through the epochs' values (field at offset off of nn_svg_epoch),
 * with a dot at each epoch when there are few. */
static void series(nn_svg *s, const panel *p, const nn_svg_epoch *e, size_t n, size_t off,
                   const char *colour, double width, const char *id)
{
    nn_svg_putf(s, "<polyline id=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"%s\" "
            "stroke-linejoin=\"round\" points=\"", id, colour, N(width));
    for (size_t i = 0; i < n; i++) {
        double v = *(const double *)((const char *)&e[i] + off);
        nn_svg_putf(s, "%s%s", i > 0 ? " " : "", N(px_x(p, (double)e[i].epoch)));
        nn_svg_putf(s, ",%s", N(px_y(p, v)));
    }
    nn_svg_put(s, "\"/>\n");
    if (n <= 60)
        for (size_t i = 0; i < n; i++) {
            double v = *(const double *)((const char *)&e[i] + off);
            nn_svg_putf(s, "<circle cx=\"%s\"", N(px_x(p, (double)e[i].epoch)));
            nn_svg_putf(s, " cy=\"%s\" r=\"%s\" fill=\"%s\"/>\n", N(px_y(p, v)),
                        N(width * 1.3), colour);
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
    nn_svg_line(s, lx, ly, lx + 22, ly, "stroke=\"" TRAIN_COLOUR "\" stroke-width=\"2.5\"");
    nn_svg_text(s, lx + 28, ly + 4, 12, "start", NULL, "training");
    lx += 100;
    if (d->has_val) {
        nn_svg_line(s, lx, ly, lx + 22, ly, "stroke=\"" VAL_COLOUR "\" stroke-width=\"2.5\"");
        nn_svg_text(s, lx + 28, ly + 4, 12, "start", NULL, "validation");
        lx += 110;
        nn_svg_line(s, lx + 11, ly - 7, lx + 11, ly + 7,
                    "stroke=\"#333333\" stroke-width=\"1\" stroke-dasharray=\"3 2\"");
        snprintf(buf, sizeof buf, "best epoch %zu: %.2f%%", e[d->best].epoch,
                 100.0 * e[d->best].val_accuracy);
        nn_svg_text(s, lx + 20, ly + 4, 12, "start", NULL, buf);
        lx += 28 + nn_svg_text_width(buf, 12) + 20;
    }
    if (d->has_lr) {
        nn_svg_line(s, lx, ly, lx + 22, ly, "stroke=\"" LR_COLOUR "\" stroke-width=\"1.2\"");
        nn_svg_text(s, lx + 28, ly + 4, 12, "start", NULL, "learning rate");
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
    double lstep = nn_svg_nice_range(&p->loss.y0, &p->loss.y1, 5);
    p->acc = (panel){left, top + loss_h + sep, plot_w, acc_h, x0, x1, d->amin, d->amax};
    double astep = nn_svg_nice_range(&p->acc.y0, &p->acc.y1, 5);
    if (p->acc.y1 > 1.0 && d->amax <= 1.0)
        p->acc.y1 = 1.0;
    p->lr = (panel){left, p->acc.y + acc_h + sep, plot_w, lr_h, x0, x1, 0,
                    d->lrmax > 0 ? d->lrmax : 1};
    double rstep = d->has_lr ? nn_svg_nice_range(&p->lr.y0, &p->lr.y1, 2) : 1;
    p->bottom = d->has_lr ? &p->lr : &p->acc;

    panel_frame(s, &p->loss, lstep, 0, "loss", 0, d->last);
    panel_frame(s, &p->acc, astep, 1, "accuracy", !d->has_lr, d->last);
    if (d->has_lr)
        panel_frame(s, &p->lr, rstep, 0, "learning rate", 1, d->last);
    nn_svg_text(s, left + plot_w / 2, p->bottom->y + p->bottom->h + 34, 12, "middle",
                "font-weight=\"bold\"", "epoch");
}

/* The series in their panels, the best epoch marked through all of them. */
static void curve_series(nn_svg *s, const nn_svg_epoch *e, size_t n, const curve_data *d,
                         const curve_panels *p)
{
    if (d->has_val) {
        double bx = px_x(&p->loss, (double)e[d->best].epoch);
        nn_svg_line(s, bx, p->loss.y, bx, p->bottom->y + p->bottom->h,
                    "stroke=\"#333333\" stroke-width=\"1\" stroke-dasharray=\"3 2\"");
    }
    series(s, &p->acc, e, n, offsetof(nn_svg_epoch, train_accuracy), TRAIN_COLOUR, 2,
           "acc-train");
    if (d->has_val) {
        series(s, &p->acc, e, n, offsetof(nn_svg_epoch, val_accuracy), VAL_COLOUR, 2,
               "acc-val");
        double bx = px_x(&p->acc, (double)e[d->best].epoch);
        double by = px_y(&p->acc, e[d->best].val_accuracy);
        nn_svg_putf(s, "<circle id=\"best\" cx=\"%s\"", N(bx));
        nn_svg_putf(s,
                    " cy=\"%s\" r=\"6\" fill=\"none\" stroke=\"#333333\" stroke-width=\"1.5\"/>\n",
                    N(by));
    }
    if (d->has_lr)
        series(s, &p->lr, e, n, offsetof(nn_svg_epoch, lr), LR_COLOUR, 1.2, "lr");
    if (d->has_val_loss)
        series(s, &p->loss, e, n, offsetof(nn_svg_epoch, val_loss), VAL_COLOUR, 2, "loss-val");
    if (d->has_loss)
        series(s, &p->loss, e, n, offsetof(nn_svg_epoch, loss), TRAIN_COLOUR, 2, "loss-train");
    else
        nn_svg_text(s, p->loss.x + p->loss.w / 2, p->loss.y + p->loss.h / 2, 13, "middle",
                    "fill=\"#888888\"", "no loss: the perceptron rule has none");
}

nn_status nn_svg_learning_curve(nn_svg *s, const nn_svg_epoch *e, size_t n, const char *title,
                                const char *subtitle, nn_error *err)
{
    curve_data d;
    curve_data_of(e, n, &d);
    const double pad = 14, left = 78, right = 24;
    double width = fmax(left + 600 + right, nn_svg_heading_width(title, subtitle) + 2 * pad);
    double plot_w = width - left - right;
    double top = 12 + (title != NULL ? 16 : 0) + (subtitle != NULL ? 18 : 0) + 10 + 24;
    double height = top + CURVE_PANEL_H + CURVE_SEP + CURVE_PANEL_H +
                    (d.has_lr ? CURVE_SEP + CURVE_LR_H : 0) + 44 + pad;

    nn_svg_begin(s, width, height);
    nn_svg_heading(s, pad, title, subtitle);
    curve_legend(s, e, &d, left, top - 14);
    curve_panels p;
    curve_frames(s, &d, left, top, plot_w, &p);
    if (n == 0)
        nn_svg_text(s, left + plot_w / 2, p.loss.y + p.loss.h / 2, 14, "middle", "fill=\"#888888\"",
                    "no epochs yet");
    else
        curve_series(s, e, n, &d, &p);
    return nn_svg_end(s, "learning curve", err);
}
