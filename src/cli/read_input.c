/* read_input.c - the inputs of `nnclass read` as strips: an IDX file of
 * strips as it is, any other IDX image and every PNG, JPEG or PGM/PPM image
 * through nn_preprocess_strip, which also gives the way back to the image's
 * columns. */
#include "read.h"

#include <stdlib.h>
#include <string.h>

/* Largest encoded image read into memory: a 64-Mpixel photo as PNG or PPM. */
#define READ_MAX_IMAGE_FILE NN_IDX_DEFAULT_MAX_BYTES

nn_status read_input_open(const char *path, nn_invert invert, uint64_t max_pixels,
                          int no_ink_blank, read_input *in, nn_error *err)
{
    memset(in, 0, sizeof *in);
    in->name = cli_shown_path(path);
    in->invert = invert;
    in->no_ink_blank = no_ink_blank;
    nn_status st = nn_gateway_open(path, READ_MAX_IMAGE_FILE, max_pixels, &in->g, err);
    if (st != NN_OK || in->g.idx == NULL)
        return st;
    in->rows = nn_idx_stream_rows(in->g.idx);
    in->cols = nn_idx_stream_cols(in->g.idx);
    in->strips = in->rows == NN_STRIP_H && in->cols == NN_STRIP_W;
    if (!in->strips) {
        in->raw = malloc(in->rows * in->cols);
        if (in->raw == NULL) {
            read_input_close(in);
            return nn_fail(err, NN_E_NOMEM, "%s: out of memory", path);
        }
    }
    return NN_OK;
}

int read_input_is_idx(const read_input *in)
{
    return in->g.idx != NULL;
}

/* The strip of img (changed in place) into strip and place; an error names
 * the file, and the image when it is not the first. */
static nn_status make_strip(read_input *in, nn_grey *img, uint8_t *strip, read_place *place,
                            nn_error *err)
{
    char what[64];
    nn_error local = {{0}};
    snprintf(what, sizeof what, "image %zu", in->index);
    int first = in->index == 0 && in->g.images != NULL;
    place->index = in->index;
    place->width = img->width;
    nn_status st = nn_preprocess_strip(img, in->invert, first ? in->name : what, strip,
                                       &place->map, first ? err : &local);
    if (st == NN_E_FORMAT && in->no_ink_blank) { /* no ink (its only NN_E_FORMAT) */
        memset(strip, 0, READ_STRIP_BYTES);
        place->map.scale = 1.0;
        place->map.x0 = 0.0;
        return NN_OK;
    }
    if (st != NN_OK && !first)
        return nn_fail(err, st, "%s: %s", in->name, local.msg);
    return st;
}

/* The IDX images, up to max: strips as they are, others made into strips
 * one by one. */
static nn_status next_idx(read_input *in, uint8_t *strips, read_place *places, size_t max,
                          size_t *n, nn_error *err)
{
    if (in->strips) {
        nn_status st = nn_idx_stream_read(in->g.idx, strips, max, n, err);
        for (size_t i = 0; i < *n; i++) {
            places[i].index = in->index++;
            places[i].width = NN_STRIP_W;
            places[i].map.scale = 1.0;
            places[i].map.x0 = 0.0;
        }
        return st;
    }
    if (in->pending != NN_OK) {
        *err = in->pending_err;
        return in->pending;
    }
    while (*n < max) {
        size_t got = 0;
        nn_status st = nn_idx_stream_read(in->g.idx, in->raw, 1, &got, &in->pending_err);
        if (st == NN_OK) {
            nn_grey img = {in->cols, in->rows, in->raw};
            st = make_strip(in, &img, strips + *n * READ_STRIP_BYTES, &places[*n],
                            &in->pending_err);
        }
        if (st != NN_OK) {
            /* The strips made so far go out first; the error comes next call. */
            in->pending = st;
            return *n > 0 ? NN_OK : next_idx(in, strips, places, max, n, err);
        }
        in->index++;
        (*n)++;
    }
    return NN_OK;
}

nn_status read_input_next(read_input *in, uint8_t *strips, read_place *places, size_t max,
                          size_t *n, nn_error *err)
{
    *n = 0;
    if (in->g.idx != NULL)
        return next_idx(in, strips, places, max, n, err);
    nn_grey img = {0};
    nn_status st = nn_image_stream_next(in->g.images, &img, err);
    if (st == NN_DONE && in->index == 0)
        return nn_fail(err, NN_E_FORMAT, "%s: no image", in->name);
    if (st != NN_OK)
        return st;
    st = make_strip(in, &img, strips, places, err);
    nn_grey_free(&img);
    if (st != NN_OK)
        return st;
    in->index++;
    *n = 1;
    return NN_OK;
}

void read_input_close(read_input *in)
{
    nn_gateway_close(&in->g);
    free(in->raw);
    memset(in, 0, sizeof *in);
}
