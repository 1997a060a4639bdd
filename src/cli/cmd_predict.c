/* cmd_predict.c - `nnclass predict`: stream IDX image files and image files
 * (PNG, JPEG, PGM/PPM) through a model and print one line per image, in
 * input order. Memory does not grow with the number of images: images are
 * read, classified and printed in chunks. */
#include "cli.h"
#include "judge.h"
#include "record.h"

#include <errno.h>
#include <math.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nnclass/io/idx.h"
#include "nnclass/io/idx_write.h"
#include "nnclass/nn/model.h"
#include "nnclass/nn/net.h"

/* An image file whose label has a probability below this is reported (once
 * per run, as a count) on stderr: the answer is likely to be wrong. */
#define LOW_CONFIDENCE 0.5f

/* Images classified per sgemm call: large enough that packing the weights is
 * a small share of the work, small enough for a few MB of buffers. */
#define CHUNK_IMAGES 1024
#define CHUNK_BYTES ((size_t)4 << 20) /* a chunk's workspace, about */

typedef enum { FORMAT_TSV, FORMAT_CSV, FORMAT_JSON } predict_format;

typedef struct {
    const char *model;
    const char *data_dir;
    predict_format format;
    int probs;
    size_t top;         /* 0: just the label */
    int with_filename;  /* -1: automatic (when more than one file) */
    size_t threads;
    cli_image_opts image;
    const char *save_input; /* IDX file of the images classified, or NULL */
    const char *dataset; /* --dataset: classify its split instead of FILEs */
    const char *split;
    int line_buffered;  /* flush stdout at every line */
    uint64_t offset;    /* index of the first image (of each file) */
    int quiet;
    const char *files_from; /* a list of FILEs, or NULL */
    int null_names;         /* -0: its names end with NUL, not newline */
    cli_reject_opts reject; /* --reject and its two options */
} predict_args;

static void usage(FILE *out)
{
    fputs("Usage: nnclass predict [OPTION]... [FILE]...\n"
          "Classify every image of IDX image files (gzip or raw) and image files (PNG,\n"
          "JPEG, PGM or PPM, one or several one after another, as `cat *.png` makes;\n"
          "the format is told from the first bytes; '-' or no FILE reads standard\n"
          "input) and print one line per image, in input order:\n"
          "  index<TAB>label<TAB>confidence\n"
           "index is the 0-based position of the image in its file (0 for a one-image file);\n"
           "confidence is the softmax probability of the label. In TSV, with several\n"
           "files a file column comes first, as in grep. A CSV or JSON record always\n"
           "names its file, and a file that fails leaves a record of its own besides\n"
           "its line on standard error: {\"file\": F, \"error\": MESSAGE} in JSON, a\n"
           "row with only the file and the last column, error, in CSV.\n"
          "In TSV, a backslash, tab, newline or carriage return in a file name is written\n"
          "\\\\, \\t, \\n, \\r, other control characters as \\xHH; JSON writes bytes that\n"
          "are not UTF-8 as U+FFFD.\n\n"
          "  --model FILE         model to use (default: mnist-cnn when the first FILE is\n"
          "                       a PNG, JPEG or PGM/PPM file, else mnist, or the\n"
          "                       dataset's model with --dataset; a note on stderr, or a\n"
          "                       \"model\" key in JSON, names it); a bare NAME such as\n"
          "                       mnist-cnn means ./NAME or ./NAME.nnc when one is\n"
          "                       there, else <data dir>/models/NAME.nnc\n"
          "  --dataset NAME       classify a dataset's images (mnist or fashion) instead\n"
          "                       of FILEs\n"
          "  --split NAME         test or train, with --dataset (default test)\n"
          "  --data-dir DIR       where datasets and default models live (default\n"
          "                       $NNCLASS_DATA, else the project's data/ folder)\n"
          "  --format NAME        tsv, csv (with a header line) or json (JSON Lines)\n"
          "                       (default tsv)\n"
          "  --probs              append the probability of every class, in class order\n"
          "  --top K              show the K most probable labels with their\n"
          "                       probabilities (default 1)\n"
           "  -H, --with-filename  TSV: print the file column even for one file\n"
           "      --no-filename    TSV: never print the file column\n"
           "  --files-from LIST    read the FILEs' names from LIST ('-': standard input),\n"
           "                       one a line, for more than a command line holds\n"
           "  -0, --null           names in LIST end with a NUL byte, not a newline\n"
           "                       (find -print0, xargs -0)\n"
          "  --offset N           number the images from N (a shard's first index)\n"
          "                       (default 0)\n"
          "  --line-buffered      write every line with its own write(), as grep does,\n"
          "                       so processes sharing a pipe (xargs -P) never split a\n"
          "                       line\n"
          "  --threads N          BLAS threads (default 1)\n"
          CLI_IMAGE_HELP
          CLI_REJECT_HELP
          "                       (in JSON a \"novelty\" score and \"rejected\"; in CSV\n"
          "                       the columns novelty and rejected; an image without\n"
          "                       ink is a rejected line, not an error)\n"
          "  --save-input FILE    also write the 28x28 images classified (after\n"
          "                       preprocessing), in input order, as a raw IDX file\n"
          "                       (not written when a file fails)\n"
          "  -q, --quiet          no progress bar (drawn on stderr for large inputs when\n"
          "                       stderr is a terminal and standard output is not), and\n"
          "                       no note of how many image files were classified with\n"
          "                       a confidence below 0.5\n"
          "  -h, --help           show this help and exit\n",
          out);
}

enum { OPT_MODEL = 256, OPT_DATA_DIR, OPT_FORMAT, OPT_PROBS, OPT_TOP, OPT_NO_FILENAME,
       OPT_THREADS, OPT_SAVE_INPUT, OPT_DATASET, OPT_SPLIT, OPT_LINE_BUFFERED, OPT_OFFSET,
       OPT_FILES_FROM };

static const struct option long_options[] = {
    {"model", required_argument, NULL, OPT_MODEL},
    {"data-dir", required_argument, NULL, OPT_DATA_DIR},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"probs", no_argument, NULL, OPT_PROBS},
    {"top", required_argument, NULL, OPT_TOP},
    {"with-filename", no_argument, NULL, 'H'},
    {"no-filename", no_argument, NULL, OPT_NO_FILENAME},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"save-input", required_argument, NULL, OPT_SAVE_INPUT},
    CLI_IMAGE_LONG_OPTIONS,
    {"dataset", required_argument, NULL, OPT_DATASET},
    {"split", required_argument, NULL, OPT_SPLIT},
    {"line-buffered", no_argument, NULL, OPT_LINE_BUFFERED},
    {"offset", required_argument, NULL, OPT_OFFSET},
    {"files-from", required_argument, NULL, OPT_FILES_FROM},
    {"null", no_argument, NULL, '0'},
    CLI_REJECT_LONG_OPTIONS,
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* One option of the table; 0, or -1 after printing a bad value. */
static int parse_option(int c, void *args)
{
    static const char *const formats[] = {"tsv", "csv", "json"}; /* predict_format's order */
    predict_args *a = args;
    int bad = 0, format = FORMAT_TSV;
    switch (c) {
    case OPT_MODEL: a->model = optarg; break;
    case OPT_DATA_DIR: a->data_dir = optarg; break;
    case OPT_FORMAT:
        bad = cli_parse_enum("--format", "format", optarg, formats, 3, &format);
        a->format = (predict_format)format;
        break;
    case OPT_PROBS: a->probs = 1; break;
    case OPT_TOP: bad = cli_parse_size("--top", optarg, 1, NN_MAX_CLASSES, &a->top); break;
    case 'H': a->with_filename = 1; break;
    case OPT_NO_FILENAME: a->with_filename = 0; break;
    case OPT_THREADS: bad = cli_parse_size("--threads", optarg, 1, 256, &a->threads); break;
    case OPT_SAVE_INPUT: a->save_input = optarg; break;
    case CLI_OPT_PREPROCESS:
    case CLI_OPT_INVERT:
    case CLI_OPT_MAX_MPIXELS: bad = cli_parse_image_option(c, optarg, &a->image); break;
    case OPT_DATASET: a->dataset = optarg; break;
    case OPT_SPLIT: a->split = optarg; break;
    case OPT_LINE_BUFFERED: a->line_buffered = 1; break;
    case OPT_OFFSET: bad = cli_parse_u64("--offset", optarg, &a->offset); break;
    case 'q': a->quiet = 1; break;
    case OPT_FILES_FROM: a->files_from = optarg; break;
    case '0': a->null_names = 1; break;
    case CLI_OPT_REJECT:
    case CLI_OPT_REJECT_MODEL:
    case CLI_OPT_REJECT_THRESHOLD: bad = cli_parse_reject_option(c, optarg, &a->reject); break;
    }
    return bad;
}

/* Returns -1 to go on, else the exit code (help, or a usage error). */
static int parse_args(int argc, char **argv, predict_args *a)
{
    memset(a, 0, sizeof *a);
    a->with_filename = -1;
    a->threads = 1;
    a->top = 1;
    cli_image_opts_init(&a->image);
    int rc = cli_parse_options("predict", argc, argv, ":qHh0", long_options, usage, parse_option,
                               a);
    if (rc >= 0)
        return rc;
    if (a->dataset != NULL && optind < argc)
        return cli_usage_error("predict", "give either --dataset or FILEs, not both");
    if (a->files_from != NULL && (optind < argc || a->dataset != NULL))
        return cli_usage_error("predict", "--files-from: give the FILEs in the list only, "
                               "not also %s", a->dataset != NULL ? "--dataset" : "as operands");
    if (a->null_names && a->files_from == NULL)
        return cli_usage_error("predict", "-0/--null goes with --files-from");
    if (a->split != NULL && a->dataset == NULL)
        return cli_usage_error("predict", "--split goes with --dataset");
    if (a->split == NULL)
        a->split = "test";
    a->image.no_ink_blank = a->reject.on; /* a blank image is a rejection, not an error */
    return -1;
}

/* --- output ------------------------------------------------------------------- */

typedef struct {
    const predict_args *args;
    const nn_model_meta *meta;
    const char *model_path;
    size_t n_classes;
    int file_column;
    cli_rec *rec;
} printer;

/* The CSV header: one column per field, the error column last. */
static void print_header(const printer *p)
{
    if (p->args->format != FORMAT_CSV)
        return;
    cli_rec *r = p->rec;
    char name[48];
    cli_rec_begin(r);
    cli_rec_str(r, NULL, "file");
    cli_rec_str(r, NULL, "index");
    cli_rec_str(r, NULL, "label");
    cli_rec_str(r, NULL, "confidence");
    for (size_t k = 2; k <= p->args->top; k++) {
        snprintf(name, sizeof name, "label_%zu", k);
        cli_rec_str(r, NULL, name);
        snprintf(name, sizeof name, "confidence_%zu", k);
        cli_rec_str(r, NULL, name);
    }
    if (p->args->probs)
        for (size_t k = 0; k < p->n_classes; k++) {
            snprintf(name, sizeof name, "p_%zu", k);
            cli_rec_str(r, NULL, name);
        }
    if (p->args->reject.on) {
        cli_rec_str(r, NULL, "novelty");
        cli_rec_str(r, NULL, "rejected");
    }
    cli_rec_str(r, NULL, "error");
    cli_rec_end(r);
}

/* The indices of the top k probabilities, best first (ties: lower class). */
static void top_k(const float *probs, size_t n, size_t k, size_t *out)
{
    for (size_t i = 0; i < k; i++) {
        size_t best = SIZE_MAX;
        for (size_t j = 0; j < n; j++) {
            int taken = 0;
            for (size_t t = 0; t < i; t++)
                taken |= out[t] == j;
            if (!taken && (best == SIZE_MAX || probs[j] > probs[best]))
                best = j;
        }
        out[i] = best;
    }
}

/* One image's record: its label and confidence, then in TSV and CSV the
 * other top labels flat, in JSON all of them as "top". */
static void print_line(const printer *p, const char *file, size_t index, const float *probs,
                       float novelty, int rejected)
{
    const predict_args *a = p->args;
    cli_rec *r = p->rec;
    int json = a->format == FORMAT_JSON;
    size_t best[NN_MAX_CLASSES];
    char buf[32];
    top_k(probs, p->n_classes, a->top, best);
    cli_rec_begin(r);
    if (p->file_column)
        cli_rec_str(r, "file", file);
    cli_rec_size(r, "index", index);
    if (json) /* which model answered: every record stands on its own */
        cli_rec_str(r, "model", p->model_path);
    for (size_t t = 0; t < (json ? 1 : a->top); t++) {
        /* a rejected image's label is '?'; its confidence stays the classifier's */
        cli_rec_str(r, "label", t == 0 && rejected ? "?"
                                : cli_class_name(p->meta, best[t], buf, sizeof buf));
        cli_rec_prob(p->rec, "confidence", probs[best[t]]);
    }
    if (json && a->top > 1) {
        cli_rec_array(r, "top");
        for (size_t t = 0; t < a->top; t++) {
            cli_rec_object(r, NULL);
            cli_rec_str(r, "label", cli_class_name(p->meta, best[t], buf, sizeof buf));
            cli_rec_prob(p->rec, "confidence", probs[best[t]]);
            cli_rec_close(r);
        }
        cli_rec_close(r);
    }
    if (a->probs) {
        cli_rec_array(r, "probs");
        for (size_t k = 0; k < p->n_classes; k++)
            cli_rec_prob(p->rec, NULL, probs[k]);
        cli_rec_close(r);
    }
    if (a->reject.on && a->format != FORMAT_TSV) {
        cli_rec_fixed(r, "novelty", novelty, 6);
        cli_rec_bool(r, "rejected", rejected);
    }
    if (a->format == FORMAT_CSV)
        cli_rec_null(r, "error");
    cli_rec_end(r);
}

/* The record of a file that failed (cli_rec_failure), its CSV row as wide
 * as the header: index, the top labels, the probabilities, the novelty. */
static void print_failure(const printer *p, const char *file, const char *message)
{
    const predict_args *a = p->args;
    size_t empty = 1 + 2 * a->top + (a->probs ? p->n_classes : 0) + (a->reject.on ? 2 : 0);
    cli_rec_failure(p->rec, file, empty, message);
}

/* --- the command --------------------------------------------------------------- */

typedef struct {
    const nn_net *net;
    nn_workspace *ws;
    size_t chunk;    /* images per forward pass, <= CHUNK_IMAGES */
    uint8_t *pixels; /* chunk images */
    float *inputs;   /* the same, scaled */
    const cli_image_opts *image;
    nn_idx_writer *saved; /* --save-input, or NULL */
    cli_bar *bar;
    size_t *n_files; /* image files classified (not IDX images) */
    size_t *n_low;   /* of which with a confidence below LOW_CONFIDENCE */
    cli_judge *judge; /* --reject, or NULL */
    float *scores;   /* chunk novelty scores, with a judge */
} classifier;

/* The bar of a file of total images (drawn for large inputs only). */
static void draw_progress(const classifier *cl, size_t done, size_t total)
{
    if (total < CLI_BAR_MIN_IMAGES)
        return;
    double t = cli_bar_elapsed(cl->bar), rate = t > 0 ? (double)done / t : -1;
    cli_bar_draw(cl->bar, "predict", done, total, rate,
                 rate > 0 && done < total ? (double)(total - done) / rate : -1, NULL);
}

/* Saves, classifies and prints the n images in cl->pixels, numbered from
 * *index (advanced). Returns 0; -1 when the --save-input file or standard
 * output failed, -2 when the model is unusable. */
static int classify_chunk(const classifier *cl, const printer *pr, const cli_input *in,
                          const char *file, size_t n, size_t *index)
{
    size_t n_out = pr->n_classes;
    nn_error werr = {{0}};
    if (cl->saved != NULL && nn_idx_writer_add(cl->saved, cl->pixels, n, &werr) != NN_OK) {
        cli_bar_clear(cl->bar);
        cli_fail(NN_E_IO, &werr);
        return -1;
    }
    nn_scale_pixels(cl->pixels, n * in->rows * in->cols, cl->inputs);
    /* One image on its own (an image file, a one-image IDX file, a stream's
     * last) goes through the one-image path: sgemv for the dense layers. */
    const float *probs = n == 1 ? nn_net_forward(cl->net, cl->ws, cl->inputs)
                                : nn_net_forward_batch(cl->net, cl->ws, cl->inputs, n);
    size_t bad = nn_first_nonfinite(probs, n * n_out);
    if (bad < n * n_out) {
        cli_error("%s: the forward pass overflows: image %zu of %s gets a non-finite "
                  "probability", pr->model_path, *index + bad / n_out, in->name);
        return -2;
    }
    if (cl->judge != NULL &&
        cli_judge_scores(cl->judge, cl->inputs, cl->pixels, in->rows * in->cols, n, probs, n_out,
                         cl->scores) != 0)
        return -2;
    for (size_t i = 0; i < n; i++) {
        float novelty = cl->judge != NULL ? cl->scores[i] : 0.0f;
        int rejected = cl->judge != NULL && nn_reject_rejected(novelty, cl->judge->calib.threshold);
        print_line(pr, file, (*index)++, probs + i * n_out, novelty, rejected);
        if (in->stream == NULL) { /* an image file */
            float best = 0.0f;
            for (size_t k = 0; k < n_out; k++)
                best = probs[i * n_out + k] > best ? probs[i * n_out + k] : best;
            (*cl->n_files)++;
            *cl->n_low += best < LOW_CONFIDENCE;
        }
    }
    /* Fewer images than asked for: the input has stalled (or ends), so
     * whoever waits for these answers gets them now. */
    if (n < CHUNK_IMAGES)
        cli_flush_stdout();
    return cli_stdout_failed() ? -1 : 0;
}

/* Returns 0, or 1 after printing an error about this file (the others go on);
 * -1 when standard output or the --save-input file failed, -2 when the model
 * is unusable (stop everything). */
static int predict_file(const char *path, const classifier *cl, const printer *pr)
{
    nn_error err = {{0}};
    cli_input in;
    const char *file = cli_shown_path(path);
    nn_status st = cli_input_open(path, cl->image, &in, &err);
    if (st == NN_OK) {
        st = nn_model_check_input(pr->meta, in.rows, in.cols, in.name, &err);
        if (st != NN_OK)
            cli_input_close(&in);
    }
    if (st != NN_OK) {
        cli_fail(st, &err);
        print_failure(pr, file, err.msg);
        return 1;
    }
    size_t index = (size_t)pr->args->offset, done = 0;
    int rc = 0;
    cli_bar_restart(cl->bar);
    /* --line-buffered changes only stdout's buffering: the images are still
     * classified a chunk at a time, since a one-image product takes another
     * BLAS path whose sums can differ in the last bit. */
    do {
        size_t n = 0;
        st = cli_input_read(&in, cl->pixels, cl->chunk, &n, &err);
        if (n > 0) {
            rc = classify_chunk(cl, pr, &in, file, n, &index);
            if (rc != 0)
                break;
            done += n;
            draw_progress(cl, done, in.count);
        }
        if (st != NN_OK && st != NN_DONE) {
            cli_bar_clear(cl->bar);
            cli_fail(st, &err);
            print_failure(pr, file, err.msg);
            rc = 1;
        }
    } while (st == NN_OK);
    cli_bar_clear(cl->bar);
    cli_input_close(&in);
    return rc;
}

/* The files to classify: the dataset's images (path kept in dataset_images,
 * cap bytes), the FILE arguments, or standard input; with --files-from,
 * the list itself (its names are read later). -1 to go on, else the
 * exit code of a printed error. */
static int find_files(const predict_args *a, int argc, char **argv, char **dataset_files,
                      size_t cap, char ***files, size_t *n_files)
{
    static char *list[1];
    if (a->files_from != NULL) {
        /* The list is the file read up front (standard input: none); the
         * names in it are checked as they are read. */
        list[0] = (char *)a->files_from;
        *files = list;
        *n_files = strcmp(a->files_from, "-") != 0;
    } else if (a->dataset != NULL) {
        char labels_path[4096];
        if (cli_dataset_paths(cli_data_dir(a->data_dir), a->dataset, a->split,
                              dataset_files[0], labels_path, cap) != 0)
            return CLI_EXIT_USAGE;
        if (access(dataset_files[0], F_OK) != 0)
            return cli_missing_data(dataset_files[0], a->data_dir);
        *files = dataset_files;
        *n_files = 1;
    } else {
        return cli_operand_files("predict", "an IDX file", argc, argv, files, n_files);
    }
    return -1;
}

/* The names to work through: the --files-from list, else the files. 0, or
 * the exit code of a printed error. */
static int open_names(const predict_args *a, char **files, size_t n_files, cli_names *names)
{
    if (a->files_from != NULL)
        return cli_names_open_list(names, a->files_from, a->null_names ? '\0' : '\n');
    cli_names_from_args(names, files, n_files);
    return CLI_OK;
}

/* --save-input may be none of the files read, the model included, nor
 * where standard output (the lines) goes; the file it will really write
 * goes to target. The exit code, or 0. */
static int check_save_input(const char *save_input, char **files, size_t n_files,
                            const char *model_path, char *target, size_t cap)
{
    const char *model_input[] = {model_path};
    cli_output out = {"--save-input", save_input, CLI_OUTPUT_REPLACE, target, cap};
    int rc = cli_check_outputs(&out, 1, (const char *const *)files, n_files);
    if (rc == CLI_OK)
        rc = cli_check_output("--save-input", save_input, CLI_OUTPUT_REPLACE, model_input, 1,
                              target, cap);
    return rc;
}

/* The buffers and workspace of cl for net, and the --save-input writer (to
 * save_target, or none when NULL); the exit code of a printed error, or 0. */
static int classifier_open(classifier *cl, const nn_net *net, const nn_model_meta *meta,
                           const char *model_path, const char *save_target)
{
    nn_error err = {{0}};
    nn_status st = NN_OK;
    cl->net = net;
    if (save_target != NULL)
        st = nn_idx_writer_open(save_target, meta->rows, meta->cols, &cl->saved, &err);
    if (st != NN_OK)
        return cli_fail(st, &err);
    /* A conv net's layers hold far more values per image than a dense net's:
     * fewer images per chunk keep the memory small. */
    cl->chunk = nn_net_batch_for(net, CHUNK_BYTES, CHUNK_IMAGES);
    cl->pixels = malloc(cl->chunk * nn_net_size(net, 0));
    cl->inputs = malloc(cl->chunk * nn_net_size(net, 0) * sizeof(float));
    cl->scores = malloc(cl->chunk * sizeof(float));
    st = nn_workspace_create_forward(net, cl->chunk, &cl->ws, &err);
    if (st == NN_OK && (cl->pixels == NULL || cl->inputs == NULL || cl->scores == NULL))
        st = nn_fail(&err, NN_E_NOMEM, "%s: out of memory", model_path);
    return st == NN_OK ? CLI_OK : cli_fail(st, &err);
}

static void classifier_close(classifier *cl)
{
    nn_idx_writer_abort(cl->saved);
    nn_workspace_free(cl->ws);
    free(cl->pixels);
    free(cl->inputs);
    free(cl->scores);
    if (cl->judge != NULL)
        cli_judge_close(cl->judge);
}

/* A name read from --files-from may not be the --save-input file either (the
 * operands were checked before any work). 0, or the exit code. */
static int check_listed(const predict_args *a, const cli_names *names, const char *name)
{
    char target[4096];
    if (a->save_input == NULL || names->list == NULL)
        return CLI_OK;
    return cli_check_output("--save-input", a->save_input, CLI_OUTPUT_REPLACE, &name, 1,
                            target, sizeof target);
}

/* Every file in turn: one that fails is reported and the rest go on, unless
 * the output or the model fails. The exit code; *stopped says whether the
 * files were left unfinished. */
static int predict_files(cli_names *names, const classifier *cl, const printer *pr,
                         int *stopped)
{
    int rc = CLI_OK;
    const char *name;
    *stopped = 0;
    for (;;) {
        int got = cli_names_next(names, &name);
        if (got == 0)
            break;
        if (got == -1) { /* an entry of the list that names no file: the rest go on */
            rc = CLI_EXIT_DATA;
            continue;
        }
        int r = got < 0 ? CLI_EXIT_DATA : check_listed(pr->args, names, name);
        if (r != CLI_OK) {
            *stopped = 1;
            return r;
        }
        r = predict_file(name, cl, pr);
        if (r < 0) {
            *stopped = 1;
            return CLI_EXIT_DATA;
        }
        if (r > 0)
            rc = CLI_EXIT_DATA;
    }
    /* A write error stopped the loop early; main reports it as it closes
     * standard output. */
    return rc;
}

/* The saved inputs are kept only when every file was read whole: they are
 * then exactly the images of the lines printed. The exit code. */
static int finish_saved(classifier *cl, int rc, int stopped)
{
    if (cl->saved == NULL)
        return rc;
    nn_idx_writer *saved = cl->saved;
    nn_error err = {{0}};
    cl->saved = NULL;
    if (rc != CLI_OK || stopped) {
        nn_idx_writer_abort(saved);
        return rc;
    }
    nn_status st = nn_idx_writer_commit(saved, &err);
    return st == NN_OK ? rc : cli_fail(st, &err);
}

/* Classifies every image of names with the loaded model and prints the
 * results (saving the inputs into save_target unless it is NULL). The exit
 * code. */
static int classify_all(const predict_args *a, cli_names *names, const nn_net *net,
                        const nn_model_meta *meta, const char *model_path,
                        const char *save_target)
{
    int rc;
    classifier cl = {0};
    size_t n_image_files = 0, n_low = 0;
    cl.n_files = &n_image_files;
    cl.n_low = &n_low;
    cli_bar bar;
    /* A bar between lines of results on the same terminal would garble them. */
    cli_bar_init(&bar, a->quiet || isatty(STDOUT_FILENO));
    cl.bar = &bar;
    cl.image = &a->image;
    if (a->top > meta->n_classes)
        rc = cli_usage_error("predict", "--top: %zu is more than the model's %zu classes",
                             a->top, meta->n_classes);
    else
        rc = classifier_open(&cl, net, meta, model_path, save_target);
    cli_judge judge;
    if (rc == CLI_OK && a->reject.on) {
        rc = cli_judge_open(&a->reject, a->data_dir, net, meta, model_path, cl.chunk, &judge);
        cl.judge = rc == CLI_OK ? &judge : NULL;
    }
    if (rc == CLI_OK) {
        cli_set_stdout_buffering(a->line_buffered);
        static const cli_rec_format formats[] = {CLI_REC_TSV, CLI_REC_CSV, CLI_REC_JSON};
        cli_rec rec;
        cli_rec_init(&rec, stdout, formats[a->format]);
        int file_column = cli_file_column(a->format == FORMAT_TSV, a->with_filename,
                                          cli_names_several(names));
        printer pr = {a, meta, model_path, meta->n_classes, file_column, &rec};
        print_header(&pr);
        int stopped;
        rc = predict_files(names, &cl, &pr, &stopped);
        rc = finish_saved(&cl, rc, stopped);
        if (n_low > 0 && !a->quiet)
            cli_error("%zu of %zu images were classified with confidence below %.1f", n_low,
                      n_image_files, (double)LOW_CONFIDENCE);
    }
    classifier_close(&cl);
    return rc;
}

int cmd_predict(int argc, char **argv)
{
    predict_args a;
    char dataset_images[4096], *dataset_files[1] = {dataset_images};
    char **files = NULL;
    size_t n_files = 0;
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0 || cli_parse_only)
        return rc >= 0 ? rc : CLI_OK;
    rc = find_files(&a, argc, argv, dataset_files, sizeof dataset_images, &files, &n_files);
    if (rc >= 0)
        return rc;

    char model_path[4096], save_target[4096];
    cli_names names;
    rc = open_names(&a, files, n_files, &names);
    if (rc != CLI_OK)
        return rc;
    /* The first file decides the default model for the whole run. */
    const char *first = cli_names_peek(&names);
    int by_default;
    rc = cli_find_model(a.data_dir, a.model, a.dataset, first != NULL ? first : "-", model_path,
                        sizeof model_path, &by_default);
    if (rc == CLI_OK && a.save_input != NULL)
        rc = check_save_input(a.save_input, files, n_files, model_path, save_target,
                              sizeof save_target);
    if (rc != CLI_OK) {
        cli_names_close(&names);
        return rc;
    }
    if (by_default && a.format != FORMAT_JSON)
        cli_model_note(model_path, a.quiet);

    rc = cli_set_blas_threads(cli_cap_threads(a.threads, a.quiet));
    if (rc != CLI_OK)
        return rc;
    nn_model_meta meta;
    nn_net *net = NULL;
    nn_error err = {{0}};
    nn_status st = nn_model_load(model_path, &net, &meta, &err);
    if (st == NN_OK && !nn_net_has_classes(net)) {
        nn_net_free(net);
        st = nn_fail(&err, NN_E_MISMATCH, "%s: an autoencoder gives no labels; "
                     "nnclass reconstruct shows what it does", model_path);
    }
    if (st != NN_OK) {
        cli_names_close(&names);
        return cli_fail(st, &err);
    }
    rc = classify_all(&a, &names, net, &meta, model_path,
                      a.save_input != NULL ? save_target : NULL);
    cli_names_close(&names);
    nn_net_free(net);
    return rc;
}
