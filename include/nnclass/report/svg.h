/*
 * svg.h - pictures as standalone SVG: a confusion heatmap, a learning curve,
 * a gallery of images, a code map and more, drawn into a memory buffer the
 * caller then writes where it likes (atomically: nn_atomic_*).
 *
 * The output is valid XML whatever the names it shows (every piece of text
 * goes through one escaper that also replaces bytes XML cannot hold), scales
 * with its viewBox, uses no external font, script or image, and is
 * byte-identical for the same input: every number is printed with fixed
 * decimals and nothing depends on the time, the locale's digits or the host.
 */
#ifndef NNCLASS_SVG_H
#define NNCLASS_SVG_H

#include <stddef.h>
#include <stdint.h>

#include "nnclass/base/error.h"
#include "nnclass/nn/eval.h"

/* A growing text buffer. Zero-initialise it (or call nn_svg_init); free with
 * nn_svg_free. A failed allocation is remembered and reported by the drawing
 * function, which then returns NN_E_NOMEM. */
typedef struct {
    char *buf;   /* NUL-terminated once anything was written */
    size_t len;
    size_t cap;
    int failed;  /* an allocation failed: the contents are incomplete */
} nn_svg;

/* Empties s (keeping nothing) so that it can be drawn into. */
void nn_svg_init(nn_svg *s);

/* Frees the buffer and zeroes s (NULL-safe). */
void nn_svg_free(nn_svg *s);

/* Appends text escaped for XML character data and attribute values:
 * & < > " ' become entities, control characters XML 1.0 forbids and bytes
 * that are not valid UTF-8 become '?'. */
void nn_svg_escape(nn_svg *s, const char *text);

/* The heatmap's colour scale: the viridis colour of t in [0, 1] (clamped),
 * as 0xRRGGBB. */
uint32_t nn_svg_viridis(double t);

/* Draws a confusion matrix as a heatmap: rows are true labels, columns
 * predictions, each cell coloured by its share of the row on a log scale of
 * viridis (empty cells white), its count written in black or white,
 * whichever contrasts more; a recall column on the right, a precision row
 * below, a colour bar, and title (and subtitle, may be NULL) on top.
 * names holds c->n_classes class names (NULL: the class numbers). */
nn_status nn_svg_confusion(nn_svg *s, const nn_confusion *c, const char *const *names,
                           const char *title, const char *subtitle, nn_error *err);

/* One epoch of training, as the learning curve shows it. */
typedef struct {
    size_t epoch;          /* 1-based */
    double loss;           /* mean training loss; < 0: none (the perceptron) */
    double train_accuracy;
    double val_accuracy;   /* < 0: no validation */
    double lr;             /* learning rate at the end of the epoch; < 0: unknown */
    double val_loss;       /* mean loss on the validation images; < 0: none */
} nn_svg_epoch;

/* Draws loss and accuracy per epoch in two panels (training and validation
 * lines, validation loss when every epoch has one, a legend, the best validation epoch marked) and, when every epoch
 * has one, the learning rate in a thin third panel. Without a loss for every
 * epoch the loss panel says so instead. n may be 0 (an empty frame saying
 * so). */
nn_status nn_svg_learning_curve(nn_svg *s, const nn_svg_epoch *epochs, size_t n,
                                const char *title, const char *subtitle, nn_error *err);

/* One captioned image of a gallery. */
typedef struct {
    const uint8_t *pixels;  /* rows * cols bytes, 0 background, 255 ink */
    size_t index;           /* position of the image in its file */
    const char *truth;      /* true class name */
    const char *predicted;  /* predicted class name */
    double confidence;      /* probability of the prediction */
} nn_svg_tile;

/* Draws n images of rows x cols pixels (ink dark on white, one <rect> per
 * run of equal pixels) in a grid, each captioned with its index, true and
 * predicted class and the confidence. */
nn_status nn_svg_gallery(nn_svg *s, const nn_svg_tile *tiles, size_t n, size_t rows,
                         size_t cols, const char *title, const char *subtitle, nn_error *err);

/* One image of an autoencoder and its reconstruction. */
typedef struct {
    const uint8_t *input;   /* rows * cols bytes, 0 background, 255 ink */
    const uint8_t *output;  /* its reconstruction, the same size */
    size_t index;           /* position of the image in its file */
    double loss;            /* its binary cross-entropy per pixel */
} nn_svg_recon;

/* Draws n images beside their reconstructions (pairs in a grid, 4 to a
 * row), each pair captioned with its index and its loss. */
nn_status nn_svg_reconstructions(nn_svg *s, const nn_svg_recon *pairs, size_t n, size_t rows,
                                 size_t cols, const char *title, const char *subtitle,
                                 nn_error *err);

/* Draws n weight templates of rows x cols floats each (w holds them one
 * after another: a first dense layer's rows, a first conv layer's
 * kernels) in a grid, each scaled by its own largest magnitude: positive
 * red, negative blue, zero white. */
nn_status nn_svg_weights(nn_svg *s, const float *w, size_t n, size_t rows, size_t cols,
                         const char *title, const char *subtitle, nn_error *err);

/* One image as a recurrent net reads it: its pixels and the net's
 * probabilities after each step (steps x n_classes, the last row its
 * answer). */
typedef struct {
    const uint8_t *pixels; /* rows * cols bytes, 0 background, 255 ink */
    size_t index;          /* position of the image in its file */
    const char *truth;     /* true class name, or NULL when unknown */
    const float *probs;    /* steps * n_classes */
} nn_svg_reading;

/* Draws how a net's answer forms as it reads: for each of n images, the
 * image beside a grid of one column per step and one row per class, each
 * cell coloured by that class's probability after that step (viridis),
 * and the final answer with its probability. names: n_classes names. */
nn_status nn_svg_reading_steps(nn_svg *s, const nn_svg_reading *items, size_t n, size_t rows,
                               size_t cols, size_t steps, size_t n_classes,
                               const char *const *names, const char *title,
                               const char *subtitle, nn_error *err);

/* Draws a code map: one dot per image at its two code values xy (n x 2:
 * the outputs of a net's two-unit layer), coloured by its label (each
 * below n_classes), on axes with ticks, and a legend of the classes (names:
 * n_classes names, or NULL for the numbers) with their counts. Codes that
 * are not finite are left out and counted in a note. */
nn_status nn_svg_code_map(nn_svg *s, const float *xy, const uint8_t *labels, size_t n,
                          size_t n_classes, const char *const *names, const char *title,
                          const char *subtitle, nn_error *err);

/* A digit of a number as a reader read it: its span in the image's
 * columns (from .. to-1) and its probability. */
typedef struct {
    size_t from, to;
    char digit;  /* '0'..'9' */
    double prob;
} nn_svg_digit;

#define NN_SVG_MAX_DIGITS 32 /* digits drawn per number */

/* One image of a number and its reading. */
typedef struct {
    const uint8_t *pixels;  /* rows * cols bytes, 0 background, 255 ink */
    const char *caption;    /* where it came from (file, image), or NULL */
    char number[NN_SVG_MAX_DIGITS + 1]; /* the reading, "" for none */
    double confidence;      /* its probability */
    size_t n_digits;
    nn_svg_digit digits[NN_SVG_MAX_DIGITS]; /* left to right */
} nn_svg_number;

/* Draws n images of numbers (one a row), each with its digits' spans
 * marked over it, each digit under its span with its probability, and the
 * reading with its probability beside it. */
nn_status nn_svg_numbers(nn_svg *s, const nn_svg_number *items, size_t n, size_t rows,
                         size_t cols, const char *title, const char *subtitle, nn_error *err);

#endif
