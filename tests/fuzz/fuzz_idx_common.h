/* fuzz_idx_common.h - what the IDX harnesses do with the bytes of one input
 * file: load them as images and as labels, stream them, and compare all of
 * that with a plain restatement of the format. Included by fuzz_idx.c and
 * fuzz_idx_gz.c (each is its own program, so the functions are static).
 *
 * The readers read the bytes in memory (nn_idx_memory), as they would read a
 * regular file of those bytes, without a file in between. */
#ifndef NNCLASS_FUZZ_IDX_COMMON_H
#define NNCLASS_FUZZ_IDX_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nnclass/nn/dataset.h"
#include "nnclass/io/idx.h"

/* The streaming reader's buffer never exceeds this (one image at most is
 * 4096 x 4096 = 16 MiB). */
#define FUZZ_STREAM_BUF ((size_t)16 << 20)

/* What the messages must call the input. */
#define FUZZ_NAME "fuzz-input"

static uint32_t fuzz_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* The verdict the format gives on plain (uncompressed) IDX bytes, restated
 * from the header comment of idx.h rather than taken from idx.c. ndims is 3
 * for images, 1 for labels; cap 0 means no cap (the streaming reader). Sets
 * *count and *item (bytes per image or label) once the header is whole. */
static nn_status fuzz_expect(const uint8_t *d, size_t len, int ndims, uint64_t cap,
                             uint64_t *count, uint64_t *item)
{
    const size_t header = 4 + 4 * (size_t)ndims;
    *count = 0;
    *item = 0;
    if (len < 4)
        return NN_E_TRUNCATED;
    if (fuzz_be32(d) != (ndims == 3 ? NN_IDX_MAGIC_IMAGES : NN_IDX_MAGIC_LABELS))
        return NN_E_FORMAT;
    if (len < header)
        return NN_E_TRUNCATED;
    uint64_t n = fuzz_be32(d + 4), size = 1;
    if (ndims == 3) {
        uint64_t rows = fuzz_be32(d + 8), cols = fuzz_be32(d + 12);
        if (rows == 0 || cols == 0)
            return NN_E_FORMAT;
        if (rows > NN_IDX_MAX_SIDE || cols > NN_IDX_MAX_SIDE)
            return NN_E_TOO_LARGE;
        size = rows * cols;
    }
    *count = n;
    *item = size;
    if (cap != 0 && n * size > cap) /* < 2^56: no overflow */
        return NN_E_TOO_LARGE;
    if (len - header < n * size)
        return NN_E_TRUNCATED;
    if (len - header > n * size)
        return NN_E_FORMAT;
    return NN_OK;
}

/* A failure must come with a negative status and a message naming the input. */
static void fuzz_check_failure(nn_status st, const nn_error *err)
{
    if (st >= 0 || strstr(err->msg, FUZZ_NAME) == NULL)
        abort();
}

/* Streams in to its end, with or without read-ahead; returns the final
 * status and the images read, and checks them against plain when given
 * (uncompressed bytes of the input, of plain_len bytes). */
static nn_status fuzz_stream(nn_idx_input in, int ahead, size_t per_call, const uint8_t *plain,
                             size_t plain_len, uint8_t **scratch, size_t *n_images)
{
    nn_error err = {{0}};
    nn_idx_stream *s = NULL;
    *n_images = 0;
    nn_status st = nn_idx_stream_open_from(in, ahead, &s, &err);
    if (st != NN_OK) {
        if (s != NULL)
            abort();
        fuzz_check_failure(st, &err);
        return st;
    }
    size_t rows = nn_idx_stream_rows(s), cols = nn_idx_stream_cols(s);
    size_t img = rows * cols;
    if (rows == 0 || cols == 0 || rows > NN_IDX_MAX_SIDE || cols > NN_IDX_MAX_SIDE)
        abort();
    if (per_call > FUZZ_STREAM_BUF / img)
        per_call = FUZZ_STREAM_BUF / img;
    if (*scratch == NULL) {
        *scratch = malloc(FUZZ_STREAM_BUF);
        if (*scratch == NULL)
            abort();
    }
    for (int calls = 0;; calls++) {
        size_t n = 12345;
        st = nn_idx_stream_read(s, *scratch, per_call, &n, &err);
        if (n > per_call || (st == NN_OK && n == 0) || (st == NN_DONE && n != 0))
            abort();
        if (plain != NULL && n > 0 &&
            (16 + (*n_images + n) * img > plain_len ||
             memcmp(*scratch, plain + 16 + *n_images * img, n * img) != 0))
            abort(); /* the stream handed out bytes that are not the file's */
        *n_images += n;
        if (*n_images > nn_idx_stream_count(s))
            abort();
        if (st != NN_OK)
            break;
    }
    if (st != NN_DONE)
        fuzz_check_failure(st, &err);
    else if (*n_images != nn_idx_stream_count(s))
        abort();
    /* An error sticks; the end stays the end. */
    size_t n = 1;
    nn_error again = {{0}};
    if (nn_idx_stream_read(s, *scratch, per_call, &n, &again) != st || n != 0)
        abort();
    nn_idx_stream_close(s);
    return st;
}

/* Runs every reader over the len bytes of a file at file. plain is the
 * file's content after inflating (NULL when unknown); when given, the
 * results must be exactly what the format says. knob picks the streaming
 * chunk and whether the stream reads ahead. */
static void fuzz_idx_bytes(const uint8_t *file, size_t len, const uint8_t *plain,
                           size_t plain_len, uint8_t knob)
{
    static uint8_t *scratch; /* kept between inputs */
    nn_idx_input in = nn_idx_memory(file, len, FUZZ_NAME);
    nn_error err = {{0}};
    uint64_t count, item;

    /* Whole-file images. */
    nn_images im;
    nn_status st = nn_idx_load_images_from(in, 0, NULL, NULL, &im, &err);
    if (plain != NULL &&
        st != fuzz_expect(plain, plain_len, 3, NN_IDX_DEFAULT_MAX_BYTES, &count, &item))
        abort();
    if (st == NN_OK) {
        size_t bytes = im.count * im.rows * im.cols;
        if ((bytes > 0) != (im.pixels != NULL))
            abort();
        if (plain != NULL && (im.count != count || im.rows * im.cols != item ||
                              (bytes > 0 && memcmp(im.pixels, plain + 16, bytes) != 0)))
            abort();
    } else {
        fuzz_check_failure(st, &err);
        if (im.pixels != NULL || im.count != 0)
            abort();
    }

    /* Streaming: the same bytes, however they are cut up. */
    size_t streamed = 0;
    size_t per_call = 1 + (size_t)(knob % 7);
    nn_status sst = fuzz_stream(in, knob & 8, per_call, plain, plain_len, &scratch, &streamed);
    if (plain != NULL) {
        nn_status want = fuzz_expect(plain, plain_len, 3, 0, &count, &item);
        if (sst != (want == NN_OK ? NN_DONE : want))
            abort();
        if (want == NN_E_TRUNCATED && item > 0 && plain_len >= 16 &&
            streamed != (plain_len - 16) / item)
            abort(); /* every whole image before the cut is handed out */
    }
    if (st == NN_OK && (sst != NN_DONE || streamed != im.count))
        abort();
    nn_images_free(&im);

    /* Labels, and the data set check on them. */
    nn_labels lb;
    st = nn_idx_load_labels_from(in, 0, &lb, &err);
    if (plain != NULL &&
        st != fuzz_expect(plain, plain_len, 1, NN_IDX_DEFAULT_MAX_BYTES, &count, &item))
        abort();
    if (st == NN_OK) {
        if ((lb.count > 0) != (lb.labels != NULL))
            abort();
        if (plain != NULL && (lb.count != count ||
                              (lb.count > 0 && memcmp(lb.labels, plain + 8, lb.count) != 0)))
            abort();
        size_t n_classes = 1 + knob % 10, bad = SIZE_MAX;
        for (size_t i = 0; i < lb.count && bad == SIZE_MAX; i++)
            if (lb.labels[i] >= n_classes)
                bad = i;
        nn_dataset data = nn_dataset_view(NULL, lb.labels, lb.count, 1, 1, n_classes);
        st = nn_dataset_check(&data, NULL, &err);
        if ((st == NN_OK) != (bad == SIZE_MAX))
            abort();
        nn_labels_free(&lb);
    } else {
        fuzz_check_failure(st, &err);
        if (lb.labels != NULL || lb.count != 0)
            abort();
    }
}

#endif
