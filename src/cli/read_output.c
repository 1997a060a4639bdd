/* read_output.c - what `nnclass read` prints: a record per number through
 * the record writer, the strip drawn in the terminal (--show) and the SVG
 * of the numbers read (--svg). */
#include "read.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* --- readings ------------------------------------------------------------------ */

void read_number_text(const nn_ctc_reading *r, char *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < r->len && n + 1 < cap; i++)
        out[n++] = r->sym[i].label < 10 ? (char)('0' + r->sym[i].label) : '?';
    if (cap > 0)
        out[n] = '\0';
}

double read_confidence(const nn_ctc_reading *r)
{
    double p = exp(r->logp);
    return isfinite(p) ? fmin(1.0, fmax(0.0, p)) : 0.0;
}

void read_strip_span(const nn_ctc_symbol *s, size_t steps, size_t *from, size_t *to)
{
    /* Step i covers strip columns [i*W/t, (i+1)*W/t). */
    size_t t = steps > 0 ? steps : 1;
    size_t last = s->last < t ? s->last : t - 1, first = s->first <= last ? s->first : last;
    *from = first * NN_STRIP_W / t;
    *to = ((last + 1) * NN_STRIP_W + t - 1) / t;
    if (*to > NN_STRIP_W)
        *to = NN_STRIP_W;
    if (*to <= *from)
        *to = *from + 1;
}

/* An image column of strip column x, clamped to [0, width]. */
static size_t image_column(const read_place *p, double x, int up)
{
    double scale = p->map.scale > 0 ? p->map.scale : 1.0;
    double c = p->map.x0 + x / scale;
    c = up ? ceil(c) : floor(c);
    if (!(c > 0))
        return 0;
    return c >= (double)p->width ? p->width : (size_t)c;
}

void read_image_span(const nn_ctc_symbol *s, size_t steps, const read_place *place,
                     size_t *from, size_t *to)
{
    size_t a, b;
    read_strip_span(s, steps, &a, &b);
    *from = image_column(place, (double)a, 0);
    *to = image_column(place, (double)b, 1);
    if (place->width > 0 && *from >= place->width)
        *from = place->width - 1;
    if (*to <= *from)
        *to = *from + 1;
}

/* --- records ------------------------------------------------------------------- */

void read_print_header(read_printer *p)
{
    if (p->format != READ_CSV)
        return;
    static const char *const names[] = {"file", "index", "number", "confidence"};
    cli_rec_begin(&p->rec);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        cli_rec_str(&p->rec, NULL, names[i]);
    if (p->reject) {
        cli_rec_str(&p->rec, NULL, "novelty");
        cli_rec_str(&p->rec, NULL, "rejected");
    }
    cli_rec_str(&p->rec, NULL, "error");
    cli_rec_end(&p->rec);
}

/* JSON: each digit of the best reading, its span in the image's columns
 * (from inclusive, to exclusive) and its probability; then, from a beam,
 * every reading found (one, when the beam found no other). */
static void print_details(read_printer *p, const read_place *place, const read_result *res)
{
    cli_rec *r = &p->rec;
    const nn_ctc_reading *best = &res->r[0];
    cli_rec_array(r, "digits");
    for (size_t i = 0; i < best->len; i++) {
        size_t from, to;
        read_image_span(&best->sym[i], res->steps, place, &from, &to);
        cli_rec_object(r, NULL);
        cli_rec_size(r, "digit", best->sym[i].label);
        cli_rec_size(r, "from", from);
        cli_rec_size(r, "to", to);
        cli_rec_prob(&p->rec, "prob", best->sym[i].prob);
        cli_rec_close(r);
    }
    cli_rec_close(r);
    if (p->beam < 2)
        return;
    char text[NN_CTC_MAX_LABELS + 1];
    cli_rec_array(r, "readings");
    for (size_t k = 0; k < res->n; k++) {
        read_number_text(&res->r[k], text, sizeof text);
        cli_rec_object(r, NULL);
        cli_rec_str(r, "number", text);
        cli_rec_prob(&p->rec, "confidence", read_confidence(&res->r[k]));
        cli_rec_close(r);
    }
    cli_rec_close(r);
}

void read_print(read_printer *p, const char *file, int idx, const read_place *place,
                const read_result *res)
{
    cli_rec *r = &p->rec;
    char text[NN_CTC_MAX_LABELS + 1];
    read_number_text(&res->r[0], text, sizeof text);
    cli_rec_begin(r);
    if (p->file_column)
        cli_rec_str(r, "file", file);
    if (idx || p->format != READ_TSV)
        cli_rec_size(r, "index", place->index);
    if (p->format == READ_JSON)
        cli_rec_str(r, "model", p->model);
    /* a rejected number is '?'; its confidence stays the reading's */
    cli_rec_str(r, "number", p->reject && res->rejected ? "?" : text);
    cli_rec_prob(&p->rec, "confidence", read_confidence(&res->r[0]));
    if (p->format == READ_JSON)
        print_details(p, place, res);
    if (p->reject && p->format != READ_TSV) {
        cli_rec_fixed(r, "novelty", res->novelty, 6);
        cli_rec_bool(r, "rejected", res->rejected);
    }
    if (p->format == READ_CSV)
        cli_rec_null(r, "error");
    cli_rec_end(r);
}

void read_print_failure(read_printer *p, const char *file, const char *message)
{
    /* index, number, confidence (and novelty, rejected) */
    cli_rec_failure(&p->rec, file, p->reject ? 5 : 3, message);
}

/* --- --show -------------------------------------------------------------------- */

void read_show(FILE *out, const uint8_t *strip, const read_result *res)
{
    /* A terminal cell is about twice as tall as wide: one column per
     * character and two rows per line keep the strip's aspect. */
    static const char *const shades[] = {" ", "\u2591", "\u2592", "\u2593", "\u2588"};
    for (size_t y = 0; y + 1 < NN_STRIP_H + 1; y += 2) {
        for (size_t x = 0; x < NN_STRIP_W; x++) {
            unsigned a = strip[y * NN_STRIP_W + x];
            unsigned b = y + 1 < NN_STRIP_H ? strip[(y + 1) * NN_STRIP_W + x] : 0;
            unsigned v = a > b ? a : b;
            fputs(shades[v == 0 ? 0 : 1 + (v - 1) * 4 / 255], out);
        }
        fputc('\n', out);
    }
    /* Each digit under the middle of its span (the next free column when
     * two spans share one). */
    char line[NN_STRIP_W + 1];
    memset(line, ' ', NN_STRIP_W);
    const nn_ctc_reading *best = &res->r[0];
    size_t used = 0;
    for (size_t i = 0; i < best->len; i++) {
        size_t from, to;
        read_strip_span(&best->sym[i], res->steps, &from, &to);
        size_t at = (from + to - 1) / 2;
        at = at < used ? used : at;
        if (at >= NN_STRIP_W)
            break;
        line[at] = best->sym[i].label < 10 ? (char)('0' + best->sym[i].label) : '?';
        used = at + 1;
    }
    size_t end = NN_STRIP_W;
    while (end > 0 && line[end - 1] == ' ')
        end--;
    line[end] = '\0';
    fprintf(out, "%s\n", line);
}

/* --- --svg --------------------------------------------------------------------- */

int read_picture_init(read_picture *pic)
{
    memset(pic, 0, sizeof *pic);
    pic->items = calloc(READ_SVG_MAX, sizeof *pic->items);
    pic->pixels = malloc(READ_SVG_MAX * READ_STRIP_BYTES);
    pic->captions = calloc(READ_SVG_MAX, sizeof *pic->captions);
    return pic->items != NULL && pic->pixels != NULL && pic->captions != NULL ? 0 : -1;
}

void read_picture_add(read_picture *pic, const uint8_t *strip, const char *file,
                      size_t index, const read_result *res)
{
    if (pic->n >= READ_SVG_MAX) {
        pic->total++;
        return;
    }
    nn_svg_number *it = &pic->items[pic->n];
    const nn_ctc_reading *best = &res->r[0];
    uint8_t *px = pic->pixels + pic->n * READ_STRIP_BYTES;
    memcpy(px, strip, READ_STRIP_BYTES);
    snprintf(pic->captions[pic->n], sizeof pic->captions[0], "%s, image %zu", file, index);
    it->pixels = px;
    it->caption = pic->captions[pic->n];
    read_number_text(best, it->number, sizeof it->number);
    it->confidence = read_confidence(best);
    it->n_digits = best->len < NN_SVG_MAX_DIGITS ? best->len : NN_SVG_MAX_DIGITS;
    for (size_t i = 0; i < it->n_digits; i++) {
        read_strip_span(&best->sym[i], res->steps, &it->digits[i].from, &it->digits[i].to);
        it->digits[i].digit = it->number[i];
        it->digits[i].prob = best->sym[i].prob;
    }
    if (res->rejected) /* the spans stay, the number is not one */
        snprintf(it->number, sizeof it->number, "?");
    pic->n++;
    pic->total++;
}

int read_picture_save(read_picture *pic, const char *path, const char *model)
{
    nn_svg svg = {0};
    nn_error err = {{0}};
    char subtitle[4200];
    if (pic->total > pic->n)
        snprintf(subtitle, sizeof subtitle, "model %s; the first %zu of %zu numbers", model,
                 pic->n, pic->total);
    else
        snprintf(subtitle, sizeof subtitle, "model %s", model);
    nn_status st = nn_svg_numbers(&svg, pic->items, pic->n, NN_STRIP_H, NN_STRIP_W,
                                  "Numbers read", subtitle, &err);
    int rc = st == NN_OK ? cli_save_svg(path, &svg) : cli_fail(st, &err);
    nn_svg_free(&svg);
    return rc;
}

void read_picture_free(read_picture *pic)
{
    free(pic->items);
    free(pic->pixels);
    free(pic->captions);
    memset(pic, 0, sizeof *pic);
}
