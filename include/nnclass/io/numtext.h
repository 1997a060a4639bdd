/*
 * numtext.h - the numbers of a set of strips as text (PREFIX-numbers.txt
 * beside PREFIX-images.idx, as `nnclass pack --numbers` writes them): one
 * number per line, 1 .. NN_NUMBER_MAX_DIGITS digits, in the images' order;
 * nothing else on a line (a CR before the newline is taken), and the last
 * newline may be missing.
 */
#ifndef NNCLASS_NUMTEXT_H
#define NNCLASS_NUMTEXT_H

#include <stddef.h>
#include <stdint.h>

#include "nnclass/base/error.h"

typedef struct {
    size_t count;
    uint8_t *digits; /* count * NN_NUMBER_MAX_DIGITS, each number's first */
    uint8_t *len;    /* count lengths */
} nn_number_labels;

/* Reads path (at most max bytes) into out; caller frees with
 * nn_number_labels_free. NN_E_FORMAT names the line and what is wrong (a
 * character that is no digit, an empty line, a number of more than
 * NN_NUMBER_MAX_DIGITS digits); NN_E_IO, NN_E_TOO_LARGE, NN_E_NOMEM. */
nn_status nn_number_labels_load(const char *path, size_t max, nn_number_labels *out,
                                nn_error *err);

/* Parses text[0..n) as above; name names it in messages. */
nn_status nn_number_labels_parse(const char *name, const uint8_t *text, size_t n,
                                 nn_number_labels *out, nn_error *err);

void nn_number_labels_free(nn_number_labels *l);

#endif
