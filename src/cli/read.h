/*
 * read.h - the parts of `nnclass read` (cmd_read.c): its inputs as strips
 * (read_input.c) and its output, as records, terminal drawings and an SVG
 * (read_output.c).
 *
 * A reader of numbers (CNN -> BiLSTM -> CTC) takes NN_STRIP_H x NN_STRIP_W
 * strips. Each image of a file becomes one strip, and its place says where
 * the strip came from: which image of the file, and the map from strip
 * columns back to the image's columns, so that each digit's span can be
 * given in the columns of the image the user has.
 */
#ifndef NNCLASS_CLI_READ_H
#define NNCLASS_CLI_READ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cli.h"
#include "nnclass/io/gateway.h"
#include "nnclass/io/strip.h"
#include "nnclass/nn/ctc.h"
#include "nnclass/report/svg.h"

#define READ_STRIP_BYTES ((size_t)NN_STRIP_H * NN_STRIP_W)
#define READ_MAX_BEAM 16 /* readings --beam may ask for */

/* Where a strip came from. */
typedef struct {
    size_t index;     /* position of the image in its file */
    size_t width;     /* the image's columns */
    nn_strip_map map; /* strip column -> image column */
} read_place;

/* An opened input: IDX images (strips taken as they are, any other size
 * made into a strip) or encoded images (PNG, JPEG, PGM/PPM). */
typedef struct {
    const char *name;   /* the path, or "(standard input)" */
    nn_gateway_file g;
    int strips;         /* IDX of NN_STRIP_H x NN_STRIP_W images: as they are */
    size_t rows, cols;  /* IDX images */
    uint8_t *raw;       /* one IDX image being made into a strip */
    size_t index;       /* images handed out so far */
    nn_invert invert;
    int no_ink_blank;   /* an image without ink becomes a blank strip, not an error */
    nn_status pending;  /* an error met after strips still to hand out */
    nn_error pending_err;
} read_input;

/* Opens path ("-" = standard input), telling IDX from image files by their
 * first bytes; max_pixels caps one decoded image. With no_ink_blank, an
 * image without ink (which read --reject rejects) gives a blank strip
 * instead of ending the file with an error. */
nn_status read_input_open(const char *path, nn_invert invert, uint64_t max_pixels,
                          int no_ink_blank, read_input *in, nn_error *err);

/* Reads up to max strips (READ_STRIP_BYTES each) into strips and their
 * places, *n of them: image files give one per call, IDX files up to max.
 * NN_OK, NN_DONE after the last, or the error that ends the file (an image
 * without ink, one too wide, a truncated or corrupt file), named. */
nn_status read_input_next(read_input *in, uint8_t *strips, read_place *places, size_t max,
                          size_t *n, nn_error *err);

/* Whether the file is IDX (its lines carry the image's index in TSV). */
int read_input_is_idx(const read_input *in);

void read_input_close(read_input *in);

/* --- output ------------------------------------------------------------------ */

typedef enum { READ_TSV, READ_CSV, READ_JSON } read_format;

/* The readings of one strip, best first (one for greedy decoding; none
 * for a strip without ink under --reject, whose r[0] is empty with
 * probability 0). */
typedef struct {
    nn_ctc_reading r[READ_MAX_BEAM];
    size_t n;
    size_t steps;  /* time steps of the reader's output */
    float novelty; /* --reject: the novelty score of r[0] (reject.h) */
    int rejected;  /* --reject: the novelty is above the threshold */
} read_result;

/* What every record of a run shares. */
typedef struct {
    read_format format;
    int file_column;     /* TSV: grep's rule; CSV and JSON: always */
    const char *model;   /* the model file, for JSON */
    size_t beam;         /* > 1: JSON lists the readings of the beam */
    cli_rec rec;
    int reject;          /* --reject: CSV and JSON give novelty and rejected */
} read_printer;

/* The CSV header line (nothing in the other formats). */
void read_print_header(read_printer *p);

/* The record of one strip: its file and, for IDX files (always in CSV and
 * JSON), its index, the number ('?' when rejected) and its probability;
 * JSON adds each digit's span in the image's columns and its probability,
 * and after a beam search the readings it found; with --reject, CSV and
 * JSON add the novelty and whether it was rejected. */
void read_print(read_printer *p, const char *file, int idx, const read_place *place,
                const read_result *res);

/* The record of a file that failed (CSV and JSON; nothing in TSV). */
void read_print_failure(read_printer *p, const char *file, const char *message);

/* The digits of a reading as text ("" for none) into out (cap bytes). */
void read_number_text(const nn_ctc_reading *r, char *out, size_t cap);

/* The probability of a reading, in [0, 1]. */
double read_confidence(const nn_ctc_reading *r);

/* The strip columns [*from, *to) of a symbol of a reading of steps steps. */
void read_strip_span(const nn_ctc_symbol *s, size_t steps, size_t *from, size_t *to);

/* The image columns [*from, *to) of the same, through place's map: inside
 * the image, from < to. */
void read_image_span(const nn_ctc_symbol *s, size_t steps, const read_place *place,
                     size_t *from, size_t *to);

/* --show: draws strip on out (a character per column, two rows per line)
 * and the reading under it, each digit under the middle of its span. */
void read_show(FILE *out, const uint8_t *strip, const read_result *res);

/* --svg: the strips of a run, their spans and readings (the first
 * READ_SVG_MAX of them). */
#define READ_SVG_MAX 200
typedef struct {
    nn_svg_number *items;
    uint8_t *pixels;    /* READ_SVG_MAX strips */
    char (*captions)[96];
    size_t n, total;    /* kept, and seen */
} read_picture;

/* Empties pic; 0, or -1 when out of memory. */
int read_picture_init(read_picture *pic);

/* Keeps one strip and its reading (past READ_SVG_MAX: only counted). */
void read_picture_add(read_picture *pic, const uint8_t *strip, const char *file,
                      size_t index, const read_result *res);

/* Draws the picture and writes it at path; 0, or the exit code of the
 * printed error. */
int read_picture_save(read_picture *pic, const char *path, const char *model);

void read_picture_free(read_picture *pic);

#endif
