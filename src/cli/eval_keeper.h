/*
 * eval_keeper.h - the most confidently wrong images of an evaluation, kept
 * in one pass over the images (`nnclass eval --errors`).
 */
#ifndef NNCLASS_CLI_EVAL_KEEPER_H
#define NNCLASS_CLI_EVAL_KEEPER_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    size_t index;      /* position of the image in its file */
    size_t slot;       /* where its pixels are kept */
    float confidence;  /* of the (wrong) predicted label */
    uint8_t truth, predicted;
} wrong_image;

/* The n best-ranked wrong images seen so far and their pixels, kept during
 * the one pass over the images (so --errors works on pipes and FIFOs): a
 * heap whose root is the lowest-ranked, replaced when a better one comes.
 * Memory is n images whatever the size of the set. */
typedef struct {
    size_t n, len, cap, px;
    size_t seen;     /* wrong images offered, kept or not */
    wrong_image *heap;
    uint8_t *pixels; /* cap * px bytes; heap[i]'s at heap[i].slot * px */
} error_keeper;

/* Frees what k holds. */
void cli_keeper_free(error_keeper *k);

/* Offers a wrong image; returns -1 when out of memory. */
int cli_keeper_offer(error_keeper *k, const wrong_image *w, const uint8_t *pixels);

/* Puts the kept images in rank order (the heap is no longer one). */
void cli_keeper_sort(error_keeper *k);

#endif
