/*
 * eval_errors.h - the most confidently wrong images of `nnclass eval
 * --errors N`: kept during the one pass over the images, then shown in
 * text, JSON or a gallery.
 */
#ifndef NNCLASS_CLI_EVAL_ERRORS_H
#define NNCLASS_CLI_EVAL_ERRORS_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"
#include "nnclass/base/error.h"
#include "nnclass/nn/dataset.h"
#include "nnclass/nn/model.h"

/* One wrong image. */
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
} cli_error_keeper;

/* Frees what the keeper holds. */
void cli_keeper_free(cli_error_keeper *k);

/* Puts the kept images in rank order (most confident first). */
void cli_keeper_sort(cli_error_keeper *k);

/* The kept images drawn in text, and as the "errors" array of a JSON record. */
void cli_print_errors_text(const cli_error_keeper *k, const nn_model_meta *meta);
void cli_print_errors_json(cli_rec *r, const cli_error_keeper *k, const nn_model_meta *meta);

/* The gallery of the kept wrong images (in rank order), saved at path. */
nn_status cli_plot_errors(const char *path, const cli_error_keeper *k,
                          const nn_model_meta *meta, const char *model_path,
                          const char *images_path, nn_error *err);

/* Offers the wrong images of one chunk (data, images first .. first +
 * data->count of the file) to keeper; -1 when out of memory. */
int cli_keep_errors(cli_error_keeper *keeper, const nn_dataset *data, size_t first,
                    const uint8_t *predicted, const float *confidence);

#endif
