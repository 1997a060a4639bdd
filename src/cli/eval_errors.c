/* eval_errors.c - the most confidently wrong images of an evaluation: a
 * heap of the best-ranked ones seen so far, and their text, JSON and
 * gallery. */
#include "eval_errors.h"
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* a ranks before b: more confident first, equal confidences in image order. */
static int ranks_before(const wrong_image *a, const wrong_image *b)
{
    if (a->confidence != b->confidence)
        return a->confidence > b->confidence;
    return a->index < b->index;
}

static int by_rank(const void *pa, const void *pb)
{
    const wrong_image *a = pa, *b = pb;
    return ranks_before(a, b) ? -1 : ranks_before(b, a) ? 1 : 0;
}


void cli_keeper_free(cli_error_keeper *k)
{
    free(k->heap);
    free(k->pixels);
}

static void sift_down(cli_error_keeper *k, size_t i)
{
    for (;;) {
        size_t worst = i, l = 2 * i + 1, r = l + 1;
        if (l < k->len && ranks_before(&k->heap[worst], &k->heap[l]))
            worst = l;
        if (r < k->len && ranks_before(&k->heap[worst], &k->heap[r]))
            worst = r;
        if (worst == i)
            return;
        wrong_image t = k->heap[i];
        k->heap[i] = k->heap[worst];
        k->heap[worst] = t;
        i = worst;
    }
}

/* Offers a wrong image; returns -1 when out of memory. */
static int keeper_offer(cli_error_keeper *k, const wrong_image *w, const uint8_t *pixels)
{
    k->seen++;
    if (k->len < k->n) {
        if (k->len == k->cap) {
            size_t cap = k->cap == 0 ? 16 : k->cap * 2;
            if (cap > k->n)
                cap = k->n;
            wrong_image *h = realloc(k->heap, cap * sizeof *h);
            if (h == NULL)
                return -1;
            k->heap = h;
            uint8_t *p = realloc(k->pixels, cap * k->px);
            if (p == NULL)
                return -1;
            k->pixels = p;
            k->cap = cap;
        }
        size_t i = k->len++;
        k->heap[i] = *w;
        k->heap[i].slot = i;
        memcpy(k->pixels + i * k->px, pixels, k->px);
        while (i > 0 && ranks_before(&k->heap[(i - 1) / 2], &k->heap[i])) {
            wrong_image t = k->heap[i];
            k->heap[i] = k->heap[(i - 1) / 2];
            k->heap[(i - 1) / 2] = t;
            i = (i - 1) / 2;
        }
        return 0;
    }
    if (k->len == 0 || !ranks_before(w, &k->heap[0]))
        return 0;
    size_t slot = k->heap[0].slot;
    k->heap[0] = *w;
    k->heap[0].slot = slot;
    memcpy(k->pixels + slot * k->px, pixels, k->px);
    sift_down(k, 0);
    return 0;
}

/* Puts the kept images in rank order (the heap is no longer one). */
void cli_keeper_sort(cli_error_keeper *k)
{
    if (k->len > 1)
        qsort(k->heap, k->len, sizeof *k->heap, by_rank);
}

void cli_print_errors_text(const cli_error_keeper *k, const nn_model_meta *meta)
{
    char b1[32], b2[32];
    printf("\n%zu most confidently wrong images:\n", k->len);
    for (size_t i = 0; i < k->len; i++) {
        const wrong_image *w = &k->heap[i];
        printf("\nimage %zu: true ", w->index);
        cli_put_text(stdout, cli_class_name(meta, w->truth, b1, sizeof b1));
        printf(", predicted ");
        cli_put_text(stdout, cli_class_name(meta, w->predicted, b2, sizeof b2));
        printf(" (confidence %.4f)\n", (double)w->confidence);
        cli_draw_image(k->pixels + w->slot * k->px, meta->rows, meta->cols);
    }
}

/* ,"errors":[{"index":..,"true":..,"predicted":..,"confidence":..,"pixels":[[row],..]},..] */
void cli_print_errors_json(cli_rec *r, const cli_error_keeper *k, const nn_model_meta *meta)
{
    cli_rec_array(r, "errors");
    for (size_t i = 0; i < k->len; i++) {
        const wrong_image *w = &k->heap[i];
        const uint8_t *px = k->pixels + w->slot * k->px;
        cli_rec_object(r, NULL);
        cli_rec_size(r, "index", w->index);
        cli_rec_size(r, "true", w->truth);
        cli_rec_size(r, "predicted", w->predicted);
        cli_rec_fixed(r, "confidence", w->confidence, 6);
        cli_rec_array(r, "pixels");
        for (size_t row = 0; row < meta->rows; row++) {
            cli_rec_array(r, NULL);
            for (size_t c = 0; c < meta->cols; c++)
                cli_rec_size(r, NULL, px[row * meta->cols + c]);
            cli_rec_close(r);
        }
        cli_rec_close(r);
        cli_rec_close(r);
    }
    cli_rec_close(r);
}

/* The gallery of the kept wrong images (in rank order), saved at path. */
nn_status cli_plot_errors(const char *path, const cli_error_keeper *k,
                          const nn_model_meta *meta, const char *model_path,
                          const char *images_path, nn_error *err)
{
    char (*names)[2][32] = malloc((k->len + 1) * sizeof *names);
    nn_svg_tile *tiles = malloc((k->len + 1) * sizeof *tiles);
    nn_svg svg = {0};
    nn_status st = NN_OK;
    if (names == NULL || tiles == NULL) {
        st = nn_fail(err, NN_E_NOMEM, "%s: out of memory", path);
        goto done;
    }
    for (size_t i = 0; i < k->len; i++) {
        const wrong_image *w = &k->heap[i];
        tiles[i] = (nn_svg_tile){k->pixels + w->slot * k->px, w->index,
                                 cli_class_name(meta, w->truth, names[i][0], 32),
                                 cli_class_name(meta, w->predicted, names[i][1], 32),
                                 w->confidence};
    }
    char title[128], subtitle[8300];
    if (k->seen == 0)
        snprintf(title, sizeof title, "No wrong images");
    else
        snprintf(title, sizeof title, "The %zu most confidently wrong of %zu errors", k->len,
                 k->seen);
    snprintf(subtitle, sizeof subtitle, "%s on %s", model_path, images_path);
    st = nn_svg_gallery(&svg, tiles, k->len, meta->rows, meta->cols, title, subtitle, err);
    if (st == NN_OK)
        st = cli_write_svg(path, &svg, err);
done:
    nn_svg_free(&svg);
    free(tiles);
    free(names);
    return st;
}

/* Offers the wrong images of one chunk (data, images first .. first +
 * data->count of the file) to keeper; -1 when out of memory. */
int cli_keep_errors(cli_error_keeper *keeper, const nn_dataset *data, size_t first,
                    const uint8_t *predicted, const float *confidence)
{
    for (size_t i = 0; i < data->count && keeper->n > 0; i++) {
        if (predicted[i] == data->labels[i])
            continue;
        wrong_image w = {first + i, 0, confidence[i], data->labels[i], predicted[i]};
        if (keeper_offer(keeper, &w, data->pixels + i * data->n_in) != 0)
            return -1;
    }
    return 0;
}