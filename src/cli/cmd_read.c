/* cmd_read.c - `nnclass read`: reads one handwritten number per image (PNG,
 * JPEG, PGM/PPM, or an IDX of strips) with a reader of numbers (CNN ->
 * BiLSTM -> CTC) and prints one line per image, in input order, as
 * `predict` does for digits. It streams: strips are read, read and printed a
 * chunk at a time. */
#include "cli.h"
#include "judge.h"
#include "read.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nnclass/nn/model.h"
#include "nnclass/nn/net.h"
#include "nnclass/nn/read_strips.h"
#include "nnclass/nn/reject.h"

/* The reader used when --model names none: <data dir>/models/NAME.nnc. */
#define READ_DEFAULT_MODEL "mnist-numbers"

/* The beam by default: on 2,000 composed validation numbers a beam of 4
 * reads 0.2 points more of them exactly than greedy decoding with the
 * shipped reader (0.55 with a less trained one; wider beams no more), for
 * about 0.2 ms a number (docs/commands.md). The reject threshold a reader
 * stores is calibrated on readings made the same way. */
#define READ_DEFAULT_BEAM NN_READ_DEFAULT_BEAM

/* An image whose reading has a probability below this is counted in the
 * note on stderr: the answer is likely to be wrong. */
#define READ_LOW_CONFIDENCE 0.5

/* Strips per forward pass, and the workspace a chunk may take, about. */
#define READ_CHUNK 64
#define READ_CHUNK_BYTES ((size_t)8 << 20)

typedef struct {
    const char *model;
    const char *data_dir;
    read_format format;
    size_t beam;
    size_t passes;
    int with_filename; /* -1: automatic (when more than one file) */
    int show;
    const char *svg;
    int line_buffered;
    int quiet;
    size_t threads;
    cli_image_opts image; /* --invert and --max-image-mpixels */
    cli_reject_opts reject; /* --reject and --reject-threshold */
} read_args;

static void usage(FILE *out)
{
    fputs("Usage: nnclass read [OPTION]... [FILE]...\n"
          "Read one handwritten number per image: PNG, JPEG and PGM/PPM files (one or\n"
          "several one after another, as `cat *.png` makes; ink dark on light or light\n"
          "on dark, any size) and IDX files of 32x128 strips (taken as they are; IDX\n"
          "images of any other size are made into strips like image files). The\n"
          "format is told from the first bytes; '-' or no FILE reads standard input.\n"
          "One line per image, in input order:\n"
          "  number<TAB>confidence\n"
          "with a file column first when several files are given (as in grep), and\n"
          "the image's 0-based index before the number for IDX files. confidence is\n"
          "the probability of the number, summed over the ways to write it (with\n"
          "--beam 1, of its best way). A CSV or JSON record always names its file\n"
          "and index; JSON adds each digit's span in the image's columns (from, to:\n"
          "from inclusive, to exclusive; the columns the digit was read in) and its\n"
          "probability. A file that fails (an image without ink or too wide, a\n"
          "truncated file) is one line on standard error, and a record {\"file\": F,\n"
          "\"error\": MESSAGE} in JSON and CSV; the other files are still read and\n"
          "the exit status is 1.\n\n"
          "  --model FILE         the reader to use (default " READ_DEFAULT_MODEL "); a bare\n"
          "                       NAME means ./NAME or ./NAME.nnc when one is there, else\n"
          "                       <data dir>/models/NAME.nnc\n"
          "  --data-dir DIR       where the default model lives (default $NNCLASS_DATA,\n"
          "                       else the project's data/ folder)\n"
          "  --format NAME        tsv, csv (with a header line) or json (JSON Lines)\n"
          "                       (default tsv)\n"
          "  --beam K             prefix beam search of width K (1..16); JSON lists the K\n"
          "                       best readings with their probabilities; 1 is greedy\n"
          "                       decoding of the strip as it is (default 4)\n"
          "  --passes N           1 or 2: with 2, a strip whose reading has a probability\n"
          "                       below 0.9 is read again moved right by half a step of\n"
          "                       the reader, and the reading most probable over both\n"
          "                       passes is taken (its probability: the geometric mean\n"
          "                       of its two) (default 2)\n"
          "  -H, --with-filename  TSV: print the file column even for one file\n"
          "      --no-filename    TSV: never print the file column\n"
          "  --show               draw each strip in the terminal, the digits read under\n"
          "                       their spans, before its line (TSV only)\n"
          "  --svg FILE           also draw the strips read (the first 200), each\n"
          "                       digit's span marked, and the readings as an SVG picture\n"
          CLI_IMAGE_FILE_HELP
          "  --reject             say when an image is not a number at all: a reading\n"
          "                       whose novelty (1 - its probability) is above the\n"
          "                       threshold stored in the reader is printed as '?'\n"
          "                       (its confidence stays the reading's); CSV and JSON\n"
          "                       add \"novelty\" and \"rejected\"; an image without ink\n"
          "                       is a rejected line (confidence 0, novelty 1), not an\n"
          "                       error\n"
          "  --reject-threshold X reject above novelty X in [0, 1] instead of the\n"
          "                       reader's stored threshold (implies --reject)\n"
          "  --line-buffered      write every line with its own write(), as grep does\n"
          "  --threads N          BLAS threads (default 1)\n"
          "  -q, --quiet          no note of the model used by default, nor of how many\n"
          "                       numbers were read with a probability below 0.5\n"
          "  -h, --help           show this help and exit\n",
          out);
}

enum { OPT_MODEL = 256, OPT_DATA_DIR, OPT_FORMAT, OPT_BEAM, OPT_PASSES, OPT_NO_FILENAME,
       OPT_SHOW, OPT_SVG, OPT_LINE_BUFFERED, OPT_THREADS };

static const struct option long_options[] = {
    {"model", required_argument, NULL, OPT_MODEL},
    {"data-dir", required_argument, NULL, OPT_DATA_DIR},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"beam", required_argument, NULL, OPT_BEAM},
    {"passes", required_argument, NULL, OPT_PASSES},
    {"with-filename", no_argument, NULL, 'H'},
    {"no-filename", no_argument, NULL, OPT_NO_FILENAME},
    {"show", no_argument, NULL, OPT_SHOW},
    {"svg", required_argument, NULL, OPT_SVG},
    CLI_IMAGE_FILE_LONG_OPTIONS,
    {"reject", no_argument, NULL, CLI_OPT_REJECT},
    {"reject-threshold", required_argument, NULL, CLI_OPT_REJECT_THRESHOLD},
    {"line-buffered", no_argument, NULL, OPT_LINE_BUFFERED},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* One option of the table; 0, or -1 after printing a bad value. */
static int parse_option(int c, void *ctx)
{
    static const char *const formats[] = {"tsv", "csv", "json"}; /* read_format's order */
    read_args *a = ctx;
    int bad = 0, format = READ_TSV;
    switch (c) {
    case OPT_MODEL: a->model = optarg; break;
    case OPT_DATA_DIR: a->data_dir = optarg; break;
    case OPT_FORMAT:
        bad = cli_parse_enum("--format", "format", optarg, formats, 3, &format);
        a->format = (read_format)format;
        break;
    case OPT_BEAM: bad = cli_parse_size("--beam", optarg, 1, READ_MAX_BEAM, &a->beam); break;
    case OPT_PASSES:
        bad = cli_parse_size("--passes", optarg, 1, NN_READ_MAX_PASSES, &a->passes);
        break;
    case 'H': a->with_filename = 1; break;
    case OPT_NO_FILENAME: a->with_filename = 0; break;
    case OPT_SHOW: a->show = 1; break;
    case OPT_SVG: a->svg = optarg; break;
    case CLI_OPT_INVERT:
    case CLI_OPT_MAX_MPIXELS: bad = cli_parse_image_option(c, optarg, &a->image); break;
    case CLI_OPT_REJECT:
    case CLI_OPT_REJECT_THRESHOLD: bad = cli_parse_reject_option(c, optarg, &a->reject); break;
    case OPT_LINE_BUFFERED: a->line_buffered = 1; break;
    case OPT_THREADS: bad = cli_parse_size("--threads", optarg, 1, 256, &a->threads); break;
    case 'q': a->quiet = 1; break;
    }
    return bad;
}

/* Returns -1 to go on, else the exit code (help, or a usage error). */
static int parse_args(int argc, char **argv, read_args *a)
{
    memset(a, 0, sizeof *a);
    a->with_filename = -1;
    a->beam = READ_DEFAULT_BEAM;
    a->passes = NN_READ_DEFAULT_PASSES;
    a->threads = 1;
    cli_image_opts_init(&a->image);
    int rc = cli_parse_options("read", argc, argv, ":qHh", long_options, usage, parse_option,
                               a);
    if (rc >= 0)
        return rc;
    if (a->show && a->format != READ_TSV)
        return cli_usage_error("read", "--show draws between TSV lines; it does not go "
                               "with --format %s", a->format == READ_CSV ? "csv" : "json");
    return -1;
}

/* --- the reader ------------------------------------------------------------------ */

typedef struct {
    const read_args *args;
    const nn_net *net;
    const char *model_path;
    nn_strip_reader *sr;
    size_t chunk, steps; /* strips per forward pass; steps of the output */
    uint8_t *strips;
    read_place *places;
    read_printer *pr;
    read_picture *pic; /* --svg, or NULL */
    int reject;        /* --reject */
    float threshold;   /* --reject: a novelty above it rejects */
    size_t n_images, n_low;
} reader;

/* The model at path, which must read NN_STRIP_H x NN_STRIP_W strips into a
 * CTC output, and its metadata. 0, or the exit code of the printed error. */
static int load_reader(const char *path, nn_net **net, nn_model_meta *meta)
{
    int load_rc = cli_load_model(path, net, meta);
    if (load_rc != CLI_OK)
        return load_rc;
    const nn_layer *last = &(*net)->layers[(*net)->n_layers - 1];
    if (!nn_net_reads_seq(*net) || last->h < 1 || last->c < 2) {
        cli_error("%s: not a reader of numbers (its output is not CTC); nnclass predict "
                  "reads single digits", path);
    } else if (meta->rows != NN_STRIP_H || meta->cols != NN_STRIP_W) {
        cli_error("%s: the reader takes %ux%u images, not %dx%d strips", path, meta->rows,
                  meta->cols, NN_STRIP_H, NN_STRIP_W);
    } else {
        return CLI_OK;
    }
    nn_net_free(*net);
    *net = NULL;
    return CLI_EXIT_DATA;
}

/* The buffers and workspace of a reader of net; 0 or the exit code. */
static int reader_open(reader *rd, const nn_net *net)
{
    nn_error err = {{0}};
    const nn_layer *last = &net->layers[net->n_layers - 1];
    rd->net = net;
    rd->steps = last->h;
    rd->chunk = nn_net_batch_for(net, READ_CHUNK_BYTES, READ_CHUNK);
    rd->strips = malloc(rd->chunk * READ_STRIP_BYTES);
    rd->places = malloc(rd->chunk * sizeof *rd->places);
    nn_status st = nn_strip_reader_create(net, rd->chunk, rd->args->passes, rd->args->beam,
                                          &rd->sr, &err);
    if (st == NN_OK && (rd->strips == NULL || rd->places == NULL))
        st = nn_fail(&err, NN_E_NOMEM, "%s: out of memory", rd->model_path);
    return st == NN_OK ? CLI_OK : cli_fail(st, &err);
}

static void reader_close(reader *rd)
{
    nn_strip_reader_free(rd->sr);
    free(rd->strips);
    free(rd->places);
}

/* The readings of one strip and, with --reject, its novelty (that of the
 * best reading, reject.h): a strip without ink is rejected unread (no
 * reading, probability 0, novelty 1). NN_OK or NN_E_NOMEM. */
static nn_status read_strip(const reader *rd, size_t i, const uint8_t *strip, read_result *res,
                            nn_error *err)
{
    res->novelty = 0.0f;
    res->rejected = 0;
    if (rd->reject && nn_reject_blank(strip, READ_STRIP_BYTES)) {
        memset(&res->r[0], 0, sizeof res->r[0]);
        res->r[0].logp = -INFINITY;
        res->n = 0;
        res->steps = rd->steps;
        res->novelty = 1.0f;
        res->rejected = 1;
        return NN_OK;
    }
    res->steps = rd->steps;
    nn_status st = nn_strip_reader_decode(rd->sr, i, res->r, rd->args->beam, &res->n, err);
    if (st == NN_OK && rd->reject) {
        res->novelty = nn_reject_reading_score(&res->r[0], NULL, 0);
        res->rejected = nn_reject_rejected(res->novelty, rd->threshold);
    }
    return st;
}

/* Reads and prints the n strips in rd->strips. 0; -1 when standard output
 * failed, -2 when the model or memory failed (stop everything). */
static int read_chunk(reader *rd, const char *file, int idx, size_t n)
{
    nn_error ferr = {{0}};
    size_t bad = 0;
    if (nn_strip_reader_forward(rd->sr, rd->strips, n, &bad, &ferr) != NN_OK) {
        cli_error("%s: the forward pass overflows: image %zu of %s gets a non-finite "
                  "probability", rd->model_path, rd->places[bad].index, file);
        return -2;
    }
    static read_result res; /* 16 readings of 32 labels: kept off the stack */
    for (size_t i = 0; i < n; i++) {
        nn_error err = {{0}};
        nn_status st = read_strip(rd, i, rd->strips + i * READ_STRIP_BYTES, &res, &err);
        if (st != NN_OK) {
            cli_fail(st, &err);
            return -2;
        }
        if (rd->args->show)
            read_show(stdout, rd->strips + i * READ_STRIP_BYTES, &res);
        read_print(rd->pr, file, idx, &rd->places[i], &res);
        if (rd->pic != NULL)
            read_picture_add(rd->pic, rd->strips + i * READ_STRIP_BYTES, file,
                             rd->places[i].index, &res);
        rd->n_images++;
        rd->n_low += !res.rejected && read_confidence(&res.r[0]) < READ_LOW_CONFIDENCE;
    }
    /* Fewer strips than asked for: the input has stalled (or ends), so
     * whoever waits for these answers gets them now. */
    if (n < rd->chunk)
        cli_flush_stdout();
    return cli_stdout_failed() ? -1 : 0;
}

/* Reads every image of path. 0, or 1 after printing an error about this
 * file (the others go on); -1 or -2 as read_chunk (stop). */
static int read_file(reader *rd, const char *path)
{
    const read_args *a = rd->args;
    const char *file = cli_shown_path(path);
    nn_error err = {{0}};
    read_input in;
    nn_status st = read_input_open(path, a->image.invert, a->image.max_pixels, a->reject.on,
                                   &in, &err);
    if (st != NN_OK) {
        cli_fail(st, &err);
        read_print_failure(rd->pr, file, err.msg);
        return 1;
    }
    int rc = 0, idx = read_input_is_idx(&in);
    do {
        size_t n = 0;
        st = read_input_next(&in, rd->strips, rd->places, rd->chunk, &n, &err);
        if (n > 0 && (rc = read_chunk(rd, file, idx, n)) != 0)
            break;
        if (st != NN_OK && st != NN_DONE) {
            cli_fail(st, &err);
            read_print_failure(rd->pr, file, err.msg);
            rc = 1;
        }
    } while (st == NN_OK);
    read_input_close(&in);
    return rc;
}

/* Every file in turn: one that fails is reported and the rest go on, unless
 * the output or the model fails. The exit code. */
static int read_files(reader *rd, char **files, size_t n_files)
{
    int rc = CLI_OK;
    for (size_t i = 0; i < n_files; i++) {
        int r = read_file(rd, files[i]);
        if (r < 0)
            return CLI_EXIT_DATA;
        if (r > 0)
            rc = CLI_EXIT_DATA;
    }
    return rc;
}

/* --- the command ------------------------------------------------------------------ */

/* Reads the files with the loaded net and prints the results (and the SVG
 * at svg_target unless it is NULL); threshold: --reject's. The exit code. */
static int read_all(const read_args *a, char **files, size_t n_files, const nn_net *net,
                    const char *model_path, const char *svg_target, float threshold)
{
    reader rd = {0};
    read_printer pr = {0};
    read_picture pic;
    rd.args = a;
    rd.model_path = model_path;
    rd.pr = &pr;
    rd.reject = a->reject.on;
    rd.threshold = threshold;
    int rc = reader_open(&rd, net);
    if (rc == CLI_OK && svg_target != NULL) {
        if (read_picture_init(&pic) != 0)
            rc = CLI_EXIT_DATA, cli_error("%s: out of memory", a->svg);
        rd.pic = &pic;
    }
    if (rc == CLI_OK) {
        static const cli_rec_format formats[] = {CLI_REC_TSV, CLI_REC_CSV, CLI_REC_JSON};
        cli_set_stdout_buffering(a->line_buffered);
        cli_rec_init(&pr.rec, stdout, formats[a->format]);
        pr.format = a->format;
        pr.model = model_path;
        pr.beam = a->beam;
        pr.reject = a->reject.on;
        pr.file_column = cli_file_column(a->format == READ_TSV, a->with_filename, n_files > 1);
        read_print_header(&pr);
        rc = read_files(&rd, files, n_files);
        if (svg_target != NULL) {
            int r = read_picture_save(&pic, svg_target, model_path);
            rc = rc != CLI_OK ? rc : r;
        }
        if (rd.n_low > 0 && !a->quiet)
            cli_error("%zu of %zu numbers were read with a probability below %.1f%s", rd.n_low,
                      rd.n_images, READ_LOW_CONFIDENCE, a->reject.on ? " and accepted" : "");
    }
    if (rd.pic != NULL)
        read_picture_free(&pic);
    reader_close(&rd);
    return rc;
}

/* --reject's threshold: --reject-threshold, else the reader's stored one
 * (a reader's calibration is always of its readings: the loader checks
 * it). 0, or the exit code of the printed error. */
static int reject_threshold(const read_args *a, const nn_model_meta *meta, const char *path,
                            float *threshold)
{
    *threshold = 1.0f;
    if (!a->reject.on)
        return CLI_OK;
    if (a->reject.threshold_given) {
        *threshold = a->reject.threshold;
        return CLI_OK;
    }
    if (meta->has_calibration) {
        *threshold = meta->calibration.threshold;
        return CLI_OK;
    }
    cli_error("%s: no reject calibration stored in the reader (train it with --arch crnn "
              "and validation numbers, or give --reject-threshold)", path);
    return CLI_EXIT_DATA;
}

int cmd_read(int argc, char **argv)
{
    read_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0 || cli_parse_only)
        return rc >= 0 ? rc : CLI_OK;
    char **files;
    size_t n_files;
    rc = cli_operand_files("read", "an image file", argc, argv, &files, &n_files);
    if (rc >= 0)
        return rc;

    char model_path[4096], svg_target[4096];
    /* The default reader is always named on stderr: it is the only one. */
    int by_default = a.model == NULL;
    rc = cli_find_model(a.data_dir, a.model, READ_DEFAULT_MODEL, NULL, model_path,
                        sizeof model_path, NULL);
    if (rc == CLI_OK && a.svg != NULL) {
        const char *model_input[] = {model_path};
        rc = cli_check_output("--svg", a.svg, CLI_OUTPUT_REPLACE, (const char *const *)files,
                              n_files, svg_target, sizeof svg_target);
        if (rc == CLI_OK)
            rc = cli_check_output("--svg", a.svg, CLI_OUTPUT_REPLACE, model_input, 1,
                                  svg_target, sizeof svg_target);
    }
    if (rc != CLI_OK)
        return rc;
    if (by_default && a.format != READ_JSON)
        cli_model_note(model_path, a.quiet);
    rc = cli_set_blas_threads(cli_cap_threads(a.threads, a.quiet));
    if (rc != CLI_OK)
        return rc;
    nn_net *net = NULL;
    nn_model_meta meta;
    float threshold;
    rc = load_reader(model_path, &net, &meta);
    if (rc != CLI_OK)
        return rc;
    rc = reject_threshold(&a, &meta, model_path, &threshold);
    if (rc == CLI_OK)
        rc = read_all(&a, files, n_files, net, model_path, a.svg != NULL ? svg_target : NULL,
                      threshold);
    nn_net_free(net);
    return rc;
}
