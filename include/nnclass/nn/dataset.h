/*
 * dataset.h - a labelled set of images as the trainer and the evaluator see
 * it: a borrowed view of pixels and labels that lie somewhere else.
 *
 * The view owns nothing: whoever filled the arrays (the IDX reader, a test,
 * a chunk of a stream) keeps them alive while the view is in use. Neither the
 * network nor the trainer knows where the bytes came from.
 *
 * A sample may carry a label sequence instead of one label (a written
 * number: its digits), for an output that reads sequences (CTC): sample i's
 * labels are seq[i * seq_width .. + seq_len[i]), each below n_classes, the
 * rest of its room unused. Such a set needs no labels array.
 */
#ifndef NNCLASS_DATASET_H
#define NNCLASS_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "nnclass/base/error.h"
#include "nnclass/nn/net.h"

typedef struct {
    size_t count;          /* images, and as many labels */
    size_t n_in;           /* inputs (bytes) per image: rows * cols */
    size_t rows, cols;     /* geometry of every image */
    const uint8_t *pixels; /* count * n_in bytes, the images one after another, row-major */
    const uint8_t *labels; /* count labels, each below n_classes */
    size_t n_classes;      /* classes the labels are drawn from */
    const uint8_t *seq;    /* count * seq_width labels, or NULL: sequences (see above) */
    const uint8_t *seq_len; /* count lengths, each 1 .. seq_width */
    size_t seq_width;      /* room per sample, 1 .. NN_SEQ_MAX */
} nn_dataset;

/* The longest label sequence of a sample. */
#define NN_SEQ_MAX 32u

/* A view of count images of rows x cols bytes at pixels and their labels
 * (n_in filled in); nothing is checked or copied. */
nn_dataset nn_dataset_view(const uint8_t *pixels, const uint8_t *labels, size_t count,
                           size_t rows, size_t cols, size_t n_classes);

/* The view v with label sequences: count * width labels at seq, their
 * lengths at len; nothing is checked or copied. */
nn_dataset nn_dataset_with_seq(nn_dataset v, const uint8_t *seq, const uint8_t *len,
                               size_t width);

/* 1 when the net's output reads a label sequence per sample (its last row
 * is an output of its own with a sequence shape: CTC), else 0. */
int nn_net_reads_seq(const nn_net *net);

/* The one check of a data set, which nn_train and nn_evaluate run too: that
 * n_in is rows * cols, the class count is 1..NN_MAX_CLASSES, the labels are
 * there when count > 0 and every one is below the class count; and, when
 * net is not NULL, that the pixels are there too, the images fit the net
 * (n_in inputs; rows x cols for a net whose first layer is a convolution)
 * and its outputs are the classes. Without a net, pixels may be NULL: the
 * labels of a stream are checked before its images arrive. Sequences:
 * every length 1..seq_width (at most NN_SEQ_MAX), every label below the
 * class count; a net that reads sequences takes only such a set, with one
 * output per class and one more (CTC's blank) per step. NN_E_MISMATCH
 * with a message naming the image and the values otherwise (no file name:
 * callers that have one prefix it). */
nn_status nn_dataset_check(const nn_dataset *data, const nn_net *net, nn_error *err);

#endif
