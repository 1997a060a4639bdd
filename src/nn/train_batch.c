/* train_batch.c - minibatches from a dataset (or made by a hook): the
 * images' bytes scaled to floats (with the next images prefetched), shifted
 * and distorted at random for augmentation. */
#include <stdlib.h>
#include <string.h>

#include "nnclass/base/rng.h"
#include "train_internal.h"

#define AUGMENT_STREAM 0x4155474d454e5431ull /* "AUGMENT1" */
#define DISTORT_STREAM 0x444953544f525431ull /* "DISTORT1" */

/* Asks for the bytes of the images idx[0..n) (not past idx_end) to be brought
 * into the cache. The images sit at random places in a 47 MB array, so
 * scaling a minibatch would otherwise wait on memory more than it computes;
 * the next minibatch's images are requested before this one is computed. */
void nn_train_prefetch(const nn_dataset *data, const uint32_t *idx,
                       const uint32_t *idx_end, size_t n, size_t n_in)
{
    for (size_t r = 0; r < n && idx + r < idx_end; r++) {
        const uint8_t *p = data->pixels + (size_t)idx[r] * n_in;
        for (size_t i = 0; i < n_in; i += 64)
            __builtin_prefetch(p + i, 0, 2);
        __builtin_prefetch(p + n_in - 1, 0, 2);
    }
}

/* Images ahead of the one being scaled whose bytes are prefetched. */
#define PREFETCH_AHEAD 4u

/* Copies the images idx[0..n) into x, (n, n_in) floats in [0, 1], and their
 * labels into y. The bytes of the image PREFETCH_AHEAD places further on in
 * idx (up to idx_end, which may lie past this minibatch) are requested while
 * the current one is scaled. */
void nn_train_gather(const nn_dataset *data, const uint32_t *idx, size_t n,
                     const uint32_t *idx_end, size_t n_in, float *x, uint8_t *y)
{
    for (size_t r = 0; r < n; r++) {
        if (idx + r + PREFETCH_AHEAD < idx_end)
            nn_train_prefetch(data, idx + r + PREFETCH_AHEAD, idx_end, 1, n_in);
        nn_scale_pixels(data->pixels + (size_t)idx[r] * n_in, n_in, x + r * n_in);
        y[r] = data->labels != NULL ? data->labels[idx[r]] : 0; /* sequences: none */
    }
}

nn_status nn_seq_room_alloc(nn_seq_room *r, const nn_dataset *data, size_t chunk,
                            size_t delta_floats, nn_error *err)
{
    memset(r, 0, sizeof *r);
    if (data->seq == NULL)
        return NN_OK;
    r->seq = malloc(chunk * data->seq_width * sizeof *r->seq);
    r->off = malloc((chunk + 1) * sizeof *r->off);
    r->delta = delta_floats > 0 ? malloc(delta_floats * sizeof *r->delta) : NULL;
    if (r->seq == NULL || r->off == NULL || (delta_floats > 0 && r->delta == NULL))
        return nn_fail(err, NN_E_NOMEM, "out of memory for the label sequences of %zu samples",
                       chunk);
    return NN_OK;
}

void nn_seq_room_free(nn_seq_room *r)
{
    free(r->seq);
    free(r->off);
    free(r->delta);
    memset(r, 0, sizeof *r);
}

void nn_train_gather_seq(const nn_dataset *data, const uint32_t *idx, size_t n,
                         const nn_seq_room *r)
{
    size_t at = 0;
    r->off[0] = 0;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *s = data->seq + (size_t)idx[i] * data->seq_width;
        size_t len = data->seq_len[idx[i]];
        for (size_t k = 0; k < len; k++)
            r->seq[at++] = s[k];
        r->off[i + 1] = at;
    }
}

nn_status nn_made_room_alloc(nn_made_room *m, const nn_dataset *data, size_t chunk,
                             nn_error *err)
{
    memset(m, 0, sizeof *m);
    nn_sample_room *r = &m->room;
    r->pixels = calloc(chunk, data->n_in);
    if (data->seq != NULL) {
        r->seq = calloc(chunk, data->seq_width);
        r->seq_len = calloc(chunk, 1);
    } else {
        r->labels = calloc(chunk, 1);
    }
    m->order = malloc(chunk * sizeof *m->order);
    if (r->pixels == NULL || m->order == NULL ||
        (data->seq != NULL ? r->seq == NULL || r->seq_len == NULL : r->labels == NULL))
        return nn_fail(err, NN_E_NOMEM, "out of memory for making %zu samples", chunk);
    for (size_t i = 0; i < chunk; i++)
        m->order[i] = (uint32_t)i;
    return NN_OK;
}

void nn_made_room_free(nn_made_room *m)
{
    free(m->room.pixels);
    free(m->room.labels);
    free(m->room.seq);
    free(m->room.seq_len);
    free(m->order);
    memset(m, 0, sizeof *m);
}

/* The room's arrays from place lo on. */
static nn_sample_room room_at(const nn_made_room *m, const nn_dataset *data, size_t lo)
{
    const nn_sample_room *r = &m->room;
    nn_sample_room at = {r->pixels + lo * data->n_in, NULL, NULL, NULL};
    if (r->labels != NULL)
        at.labels = r->labels + lo;
    if (r->seq != NULL) {
        at.seq = r->seq + lo * data->seq_width;
        at.seq_len = r->seq_len + lo;
    }
    return at;
}

/* A view of n samples laid out in room at, shaped like data. */
static nn_dataset view_of(const nn_sample_room *at, const nn_dataset *data, size_t n)
{
    nn_dataset v = nn_dataset_view(at->pixels, at->labels, n, data->rows, data->cols,
                                   data->n_classes);
    return at->seq != NULL ? nn_dataset_with_seq(v, at->seq, at->seq_len, data->seq_width) : v;
}

nn_status nn_made_room_fill(nn_made_room *m, const nn_train_hooks *hooks,
                            const nn_dataset *data, size_t epoch, const uint32_t *idx,
                            size_t lo, size_t hi, nn_error *err)
{
    if (hi <= lo)
        return NN_OK;
    nn_sample_room at = room_at(m, data, lo);
    nn_status st = hooks->make(epoch, idx + lo, hi - lo, &at, hooks->user, err);
    if (st != NN_OK)
        return st;
    /* A sample the hook got wrong is an error, not a label read out of bounds. */
    nn_dataset made = view_of(&at, data, hi - lo);
    return nn_dataset_check(&made, NULL, err);
}

nn_dataset nn_made_room_view(const nn_made_room *m, const nn_dataset *data, size_t n)
{
    nn_sample_room at = room_at(m, data, 0);
    return view_of(&at, data, n);
}

/* Scales a rows x cols image shifted by (dy, dx) pixels into out, zeros
 * where the shift uncovers it. */
static void scale_shifted(const uint8_t *img, size_t rows, size_t cols, long dy, long dx,
                          float *out)
{
    long r = (long)rows, c = (long)cols;
    long x0 = dx > 0 ? dx : 0, x1 = dx < 0 ? c + dx : c; /* output columns from the image */
    for (long y = 0; y < r; y++) {
        float *o = out + (size_t)y * cols;
        long sy = y - dy;
        if (sy < 0 || sy >= r || x1 <= x0) {
            memset(o, 0, cols * sizeof(float));
            continue;
        }
        memset(o, 0, (size_t)x0 * sizeof(float));
        nn_scale_pixels(img + (size_t)sy * cols + (size_t)(x0 - dx), (size_t)(x1 - x0), o + x0);
        memset(o + x1, 0, (size_t)(c - x1) * sizeof(float));
    }
}

/* Shifts every image of the minibatch x (n images, already scaled) by a
 * random offset of up to max_shift pixels each way, drawn from a generator
 * seeded with seed and step. */
void nn_train_augment(const nn_dataset *data, const uint32_t *idx, size_t n,
                      size_t max_shift, uint64_t seed, size_t step, float *x)
{
    nn_rng rng;
    nn_rng_seed(&rng, seed ^ AUGMENT_STREAM ^ ((uint64_t)step * 0x9e3779b97f4a7c15ull));
    size_t n_in = data->rows * data->cols, span = 2 * max_shift + 1;
    for (size_t r = 0; r < n; r++) {
        long dy = (long)nn_rng_below(&rng, span) - (long)max_shift;
        long dx = (long)nn_rng_below(&rng, span) - (long)max_shift;
        if (dy != 0 || dx != 0)
            scale_shifted(data->pixels + (size_t)idx[r] * n_in, data->rows, data->cols,
                          dy, dx, x + r * n_in);
    }
}

void nn_train_distort(const nn_dataset *data, size_t lo, size_t hi,
                      const nn_augment_options *o, uint64_t seed, size_t step, float *x,
                      float *scratch)
{
    size_t n_in = data->rows * data->cols;
    for (size_t r = lo; r < hi; r++) {
        uint64_t s = seed ^ DISTORT_STREAM ^ ((uint64_t)step * 0x9e3779b97f4a7c15ull) ^
                     ((uint64_t)(r + 1) * 0xbf58476d1ce4e5b9ull);
        nn_augment_image(o, s, x + r * n_in, data->rows, data->cols, scratch);
    }
}

float *nn_train_distort_scratch(const nn_dataset *data, const nn_augment_options *o)
{
    if (!nn_augment_active(o))
        return NULL;
    return malloc(nn_augment_scratch_floats(data->rows, data->cols) * sizeof(float));
}
