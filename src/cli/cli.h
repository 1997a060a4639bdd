/*
 * cli.h - the nnclass command-line front end: one file per command
 * (cmd_*.c) and the option helpers they share (options.c, dataset.c).
 *
 * Only this part of nnclass prints or picks exit codes: 0 success, 1 a
 * data/model/IO error, 2 a usage error. Every error is one line on stderr,
 * "nnclass: <file or option>: <what is wrong>".
 */
#ifndef NNCLASS_CLI_H
#define NNCLASS_CLI_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "record.h"
#include "nnclass/nn/dataset.h"
#include "nnclass/base/error.h"
#include "nnclass/io/idx.h"
#include "nnclass/io/imagestream.h"
#include "nnclass/io/preprocess.h"
#include "nnclass/nn/augment.h"
#include "nnclass/nn/eval.h"
#include "nnclass/nn/model.h"
#include "nnclass/report/svg.h"

enum { CLI_OK = 0, CLI_EXIT_DATA = 1, CLI_EXIT_USAGE = 2 };

/* The whole program: dispatches argv[1] to a command. */
int nnclass_main(int argc, char **argv);

/* Each command takes argv with argv[0] the command's name. */
int cmd_train(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_predict(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_reconstruct(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_pack(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_read(int argc, char **argv);

/* When set, commands stop after parsing their options and return the exit
 * code parsing gave (the option-parser fuzz harness uses it). */
extern int cli_parse_only;

/* Prints "nnclass: <message>" and a newline on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints a library error and returns its exit code (2 for NN_E_ARG, else 1). */
int cli_fail(nn_status status, const nn_error *err);

/* The same with context around the message: "nnclass: <before><message><after>". */
int cli_fail_in(nn_status status, const nn_error *err, const char *before, const char *after);

/* Prints "nnclass: <cmd>: <message>" plus a hint to run --help; returns 2. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The files a command reads once its options are parsed: argv's operands
 * from optind, else standard input alone ("-"), into *files and *n_files.
 * Returns -1 to go on; with no operand and standard input a terminal, the
 * usage error "standard input is a terminal: give <what>, or '-' ..." (as
 * gzip: binary images are not typed). */
int cli_operand_files(const char *cmd, const char *what, int argc, char **argv, char ***files,
                      size_t *n_files);

/* Readies getopt_long for a command's argv: no messages of its own, and
 * its state reset, so that the fuzz harness can parse again and again. */
void cli_options_reset(void);

/* The option loop of a command: getopt_long over argv with shortopts and
 * options; -h/--help prints usage on stdout and returns 0, a missing value
 * is the usage error "<option>: missing value", a refused option that of
 * cli_option_error, and every other
 * option goes to parse(c, ctx) (its value in optarg), whose nonzero return
 * (after printing why) is exit 2. Returns -1 when every option was taken,
 * with optind at the first operand. */
struct option;
int cli_parse_options(const char *cmd, int argc, char **argv, const char *shortopts,
                      const struct option *options, void (*usage)(FILE *out),
                      int (*parse)(int c, void *ctx), void *ctx);

/* The usage error for an option getopt_long refused (arg, the argument it
 * stopped at): an ambiguous prefix lists the options it could be, a value
 * given to an option that takes none says so, else "unknown option". Returns 2. */
int cli_option_error(const char *cmd, const char *arg, const struct option *options);

/* Values chosen by name. cli_parse_enum stores the position of text among
 * the n names in *out; otherwise it prints "opt: unknown <what> 'text'
 * (expected a, b or c)" and returns -1. cli_enum_index is the look-up alone
 * (-1: none), cli_enum_error the message alone, with the list of expected
 * names as given (returns -1). */
int cli_parse_enum(const char *opt, const char *what, const char *text,
                   const char *const *names, size_t n, int *out);
int cli_enum_index(const char *text, const char *const *names, size_t n);
int cli_enum_error(const char *opt, const char *what, const char *text, const char *expected);

/* Number parsers for option values: the whole string must be a number in
 * [min, max]; otherwise they print "nnclass: --opt: ..." and return -1. */
int cli_parse_size(const char *opt, const char *text, size_t min, size_t max, size_t *out);
int cli_parse_u64(const char *opt, const char *text, uint64_t *out);
int cli_parse_float(const char *opt, const char *text, double min, double max, float *out);

/* The data folder: --data-dir, else $NNCLASS_DATA, else the project's data/
 * folder compiled in, else the installed share folder. */
const char *cli_data_dir(const char *flag);

/* Paths of a dataset's images and labels ("train" or "test" split) in out
 * buffers of cap bytes; prints and returns -1 for an unknown dataset name. */
int cli_dataset_paths(const char *data_dir, const char *dataset, const char *split,
                      char *images, char *labels, size_t cap);

/* The checks of a data set read from two files: as many labels (n_labels)
 * as images, then nn_dataset_check of data on its own (every label below
 * the class count); the message names the file at fault and ends with
 * classes_from in brackets, what set the class count ("--classes"). */
nn_status cli_check_dataset(const nn_dataset *data, const char *images_path, size_t n_labels,
                            const char *labels_path, const char *classes_from, nn_error *err);

/* The default model of a dataset: <data dir>/models/<dataset>.nnc. */
void cli_default_model(const char *data_dir, const char *dataset, char *out, size_t cap);

/* The file a --model value names, in out (cap bytes): a path is itself; a
 * bare name (letters, digits, '-', '_') is NAME or NAME.nnc in the working
 * folder, else <data dir>/models/NAME.nnc (--model mnist-cnn). Returns 0, or
 * 1 after printing that no such model is found, with every path tried. */
int cli_model_path(const char *data_dir, const char *model, char *out, size_t cap);

/* Class names of a known dataset ("mnist": "0".."9"; "fashion": clothing
 * names), or NULL; *n receives their number. */
const char *const *cli_dataset_class_names(const char *dataset, size_t *n);

/* The text of class k: the model's class name, else the number (in buf of
 * cap bytes). */
const char *cli_class_name(const nn_model_meta *meta, size_t k, char *buf, size_t cap);

/* The caption of class k in out (cap bytes): "3", or "3 Dress" where the
 * class has a name (may be NULL) that says more than its number. */
void cli_class_caption(size_t k, const char *name, char *out, size_t cap);

/* The image and label files a command reads into images and labels (cap
 * bytes each): --images and --labels when given, else the split of the
 * dataset; prints and returns -1 for an unknown dataset or split. */
int cli_input_paths(const char *data_dir, const char *images_opt, const char *labels_opt,
                    const char *dataset, const char *split, char *images, char *labels,
                    size_t cap);

/* The usage error (exit 2) for --images without --labels or the other way
 * round, or both with --dataset; else 0. */
int cli_check_input_options(const char *cmd, const char *images, const char *labels,
                            const char *dataset);

/* Loads the model file path into *net and *meta; 0, or the exit code of
 * the printed error. */
int cli_load_model(const char *path, nn_net **net, nn_model_meta *meta);

/* The model file a command loads, in out (cap bytes): --model (a path, or a
 * bare name in the data folder), else the default model named dataset (a
 * dataset's, or a command's own such as read's reader of numbers); for
 * files of their own, the most accurate shipped model (CLI_IMAGE_MODEL) when
 * first_input (may be NULL) is a PNG, JPEG or PGM/PPM file and that model is
 * there, else mnist's. *by_default (may be NULL) says whether that model
 * for image files was chosen (the classic defaults keep their quiet output).
 * Returns 0, or the exit code of the printed error when the default model
 * is missing. */
int cli_find_model(const char *data_dir_opt, const char *model, const char *dataset,
                   const char *first_input, char *out, size_t cap, int *by_default);

/* The shipped model that answers image files when no --model is named. */
#define CLI_IMAGE_MODEL "mnist-cnn"

/* Whether path ("-" = standard input) holds encoded images (PNG, JPEG,
 * PGM/PPM) rather than IDX, looking at its first bytes without taking them
 * from the input: 0 for a pipe, which cannot be looked at twice, and for a
 * file that cannot be read (reading it later says why). */
int cli_holds_pictures(const char *path);

/* The stderr note (unless quiet) naming the model that answers image files
 * when no --model chose it. */
void cli_model_note(const char *model_path, int quiet);

/* train --init (train_init.c): loads the model init names (a path or a bare
 * name, as --model) into *net and *meta, and checks that it reads rows x
 * cols images into data_classes classes. Returns 0, or the exit code of the
 * printed error (1: no such model, a bad file, or data that does not fit). */
int cli_train_init(const char *init, const char *data_dir, const char *images_path,
                   size_t rows, size_t cols, size_t data_classes, nn_net **net,
                   nn_model_meta *meta);

/* train's distortions (train_distort.c): the value of opt (--elastic,
 * --affine, --stroke, --distort-share; --blur takes none) into o. 0, or -1
 * after printing a bad value. */
int cli_parse_distortion(const char *opt, const char *value, nn_augment_options *o);

/* The distortions of o as text for the recipe (" elastic=2 stroke=1"), or
 * "" for none, in out (cap bytes). */
void cli_describe_distortion(const nn_augment_options *o, char *out, size_t cap);

/* Fills the provenance of a model trained on images and labels into meta
 * (provenance.c): this nnclass's release, OpenBLAS's core, and the CRC-32
 * of the pixels and of the labels as read. */
void cli_model_provenance(const nn_images *images, const nn_labels *labels, nn_model_meta *meta);

/* After a failure to read a dataset: the hint that Fashion-MNIST is fetched
 * by a script, on stderr, when dataset is "fashion". */
void cli_dataset_hint(const char *dataset);

/* Prints the version, the git commit nnclass was built from and OpenBLAS's
 * configuration and core; returns the exit code. */
int cli_print_version(FILE *out);

/* Prints the one-line error for a data file or model that is not where the
 * data folder says ("nnclass: PATH: not found; ...") naming --data-dir,
 * NNCLASS_DATA and the folders tried, and returns 1. */
int cli_missing_data(const char *path, const char *flag);

/* --- standard streams and output files (files.c) --- */

/* Opens /dev/null on any of descriptors 0, 1 and 2 that is closed, so that
 * no file the program opens later takes their place. Call first thing. */
void cli_open_std_fds(void);

/* Closes standard output and checks it, the last thing before exit: on a
 * write error (a full disk, ...) prints "nnclass: standard output: <why>"
 * (nothing for a closed pipe) and returns 1 unless rc is already an error;
 * otherwise returns rc. Every command, help and version text goes through it. */
int cli_close_stdout(int rc);

/* Whether a write to standard output has failed (remembering why, for
 * cli_close_stdout's message); commands that print a lot stop early on it. */
int cli_stdout_failed(void);

/* Flushes standard output now (remembering why it failed, if it does). */
void cli_flush_stdout(void);

/* Lines go out as they come on a terminal or with line_buffered (each line
 * its own write(), as grep's --line-buffered), in 64 KiB blocks elsewhere. */
void cli_set_stdout_buffering(int line_buffered);

/* The name a message or record gives path: "(standard input)" for "-". */
const char *cli_shown_path(const char *path);

/* Whether records carry a file column: always in CSV and JSON (so records of
 * many runs can be merged); in TSV as grep: with_filename (-H 1,
 * --no-filename 0) unless it is -1, else when several files are read. */
int cli_file_column(int tsv, int with_filename, int several);

/* How a command writes an output file: replaced whole by a rename (a model:
 * temp file in the same folder, fsync, rename), or opened and written in
 * place (a log, which may also be a FIFO or a terminal). */
typedef enum { CLI_OUTPUT_REPLACE, CLI_OUTPUT_STREAM } cli_output_kind;

/* What kind of file mode says a file is, for messages: "a directory", "a
 * FIFO", "a character device", ... ("not a regular file" for the rest). */
const char *cli_file_kind(unsigned mode);

/* Checks the output path given to option opt before any work starts. Refused
 * with exit 2: an empty name, a name ending in '/', a directory, the same
 * file (device and inode) as one of the n_inputs input paths ("-" is standard
 * input; NULL entries are skipped); for CLI_OUTPUT_REPLACE also "-" and an
 * existing file that is not a regular file (device, FIFO, socket), and a
 * last component longer than the folder's NAME_MAX. A symbolic link is
 * followed: target (cap bytes) receives the file that will really be
 * written, and a replaced file is replaced in its own folder, the link kept.
 * A folder that is missing or not writable is exit 1. Prints the one-line
 * error and returns the exit code, or 0 (CLI_OK). */
int cli_check_output(const char *opt, const char *path, cli_output_kind kind,
                     const char *const *inputs, size_t n_inputs, char *target, size_t cap);

/* One output file of a command, for cli_check_outputs. */
typedef struct {
    const char *opt;       /* the option that names it ("--output") */
    const char *path;      /* as given; NULL when the option was not given */
    cli_output_kind kind;
    char *target;          /* receives the file really written (cap bytes) */
    size_t cap;
} cli_output;

/* The most outputs one command writes. */
#define CLI_MAX_OUTPUTS 8

/* Checks all the output files of one command (at most CLI_MAX_OUTPUTS) before
 * any work starts: each with cli_check_output ("-" of a CLI_OUTPUT_STREAM is
 * standard output and gets target "-"), then that no two are the same file
 * and none is standard output redirected to a file: same folder (links
 * resolved) and name, or same device and inode when they exist. A collision
 * is exit 2 naming both options and the file. The exit code, or 0. */
int cli_check_outputs(cli_output *outs, size_t n, const char *const *inputs, size_t n_inputs);

/* --- signals (signals.c) --- */

/* Makes SIGHUP, SIGINT, SIGQUIT, SIGTERM and SIGPIPE remove every temporary
 * file being written before the process dies of them (signals ignored at
 * start stay ignored), and ignores SIGXFSZ so that a file-size limit is a
 * write error (EFBIG). Call first thing. */
void cli_signals_init(void);

/* From now on SIGHUP, SIGINT and SIGTERM set *flag to the signal instead,
 * for a loop that polls it and stops cleanly; a second signal, or the
 * first one left unanswered for a few seconds, ends the process as above. */
void cli_signals_stop_on(volatile sig_atomic_t *flag);

/* Back to the behaviour of cli_signals_init. */
void cli_signals_stop_off(void);

/* --- escapers, one per sink (escape.c); every name from outside (a file
 * name, a class name) goes through the one of the sink it is written to --- */

/* Terminal, stderr and text output: writes s with control characters
 * (nn_text_control_len: C0, DEL, C1, bidirectional controls) made visible
 * and inert (\n \t \r, the others' bytes as \xHH). */
void cli_put_text(FILE *out, const char *s);

/* TSV: writes s as one field, with backslash, tab, newline and carriage
 * return as \\ \t \n \r and other control characters (as for
 * cli_put_text) as the \xHH of their bytes, so that a line stays one record
 * and reads in order. */
void cli_tsv_field(FILE *out, const char *s);

/* CSV: writes s as one field, quoted when it holds a comma, a quote or a
 * line break, a quote inside doubled (RFC 4180). */
void cli_csv_field(FILE *out, const char *s);

/* JSON: writes s as a JSON string literal, with the escapes JSON requires
 * and control characters (as for cli_put_text) as \uXXXX; a byte that is
 * not part of valid UTF-8 becomes U+FFFD, so the output always parses. */
void cli_json_string(FILE *out, const char *s);

/* --- image inputs (input.c) ---------------------------------------------------- */

/* How image files become model inputs: --preprocess (default: mnist for
 * image files, none for IDX), --invert, --max-image-mpixels. */
typedef enum { CLI_PRE_DEFAULT, CLI_PRE_MNIST, CLI_PRE_NONE } cli_preprocess;

typedef struct {
    cli_preprocess preprocess;
    nn_invert invert;
    uint64_t max_pixels;
    int no_ink_blank; /* an image without ink becomes all 0 instead of an error */
} cli_image_opts;

/* getopt codes of the three options, for the commands' option tables. */
enum { CLI_OPT_PREPROCESS = 1000, CLI_OPT_INVERT, CLI_OPT_MAX_MPIXELS };

/* --invert and --max-image-mpixels alone, for a command that takes image
 * files but makes its inputs its own way (read's strips). */
#define CLI_IMAGE_FILE_LONG_OPTIONS                                       \
    {"invert", required_argument, NULL, CLI_OPT_INVERT},                  \
    {"max-image-mpixels", required_argument, NULL, CLI_OPT_MAX_MPIXELS}

#define CLI_IMAGE_LONG_OPTIONS                                            \
    {"preprocess", required_argument, NULL, CLI_OPT_PREPROCESS},          \
    CLI_IMAGE_FILE_LONG_OPTIONS

/* The --help lines of the two options, and of all three. */
#define CLI_IMAGE_FILE_HELP                                                              \
    "  --invert WHEN        auto, yes or no: make the ink light on dark; auto inverts\n" \
    "                       an image whose background is light (default auto)\n"         \
    "  --max-image-mpixels N  refuse images of more than N megapixels (default 64)\n"

#define CLI_IMAGE_HELP                                                                   \
    "  --preprocess MODE    mnist: find the digit, scale it to 20 px and centre it in\n" \
    "                       28x28 as MNIST was made; none: use the pixels as they are\n" \
    "                       (default mnist for image files, none for IDX files)\n"       \
    CLI_IMAGE_FILE_HELP

void cli_image_opts_init(cli_image_opts *o);

/* Parses the value of one of the three options (opt is its code) into o;
 * prints and returns -1 when it is bad. */
int cli_parse_image_option(int opt, const char *text, cli_image_opts *o);

/* An opened input file: an IDX stream, or a stream of image files (PNG,
 * JPEG, PGM/PPM: one, or several one after another). */
typedef struct {
    const char *name;          /* the path, or "(standard input)" */
    nn_idx_stream *stream;     /* IDX; NULL for image files */
    nn_image_stream *images;   /* image files; NULL for IDX */
    uint8_t *image;            /* the image read ahead, rows x cols (image files) */
    int have_image;            /* image holds one not handed out yet */
    size_t rows, cols;         /* of the images read */
    size_t count;              /* IDX: images in the file, as declared */
    int counted;               /* count is known up front (IDX); image files: no */
    /* IDX images preprocessed one by one (--preprocess mnist on IDX). */
    uint8_t *raw;
    size_t raw_rows, raw_cols, index;
    nn_invert invert;
    cli_preprocess preprocess; /* of image files */
    int no_ink_blank;          /* as in cli_image_opts */
} cli_input;

/* Opens path ("-" = stdin): IDX or image files, told by the first bytes.
 * The first image of image files is read and preprocessed now (it gives
 * rows and cols), and its errors come from here. */
nn_status cli_input_open(const char *path, const cli_image_opts *o, cli_input *in,
                         nn_error *err);

/* The same from the open descriptor fd (read from its offset; the caller
 * keeps and closes it); messages say name. */
nn_status cli_input_open_fd(int fd, const char *name, const cli_image_opts *o, cli_input *in,
                            nn_error *err);

/* Reads up to max_images images of rows x cols into buf, with the statuses
 * of nn_idx_stream_read (image files: one image per call). */
nn_status cli_input_read(cli_input *in, uint8_t *buf, size_t max_images, size_t *n_read,
                         nn_error *err);

void cli_input_close(cli_input *in);

/* --- file names (names.c) ------------------------------------------------------ */

/* Longest file name read from a list. */
#define CLI_NAME_MAX 4096

typedef enum { CLI_NAME_END, CLI_NAME_OK, CLI_NAME_BAD } cli_name_kind;

typedef struct {
    cli_name_kind kind;
    size_t entry;      /* 1-based position in the list */
    const char *why;   /* what is wrong with a bad entry */
    char text[CLI_NAME_MAX + 1];
} cli_name_slot;

/* The file names a command works through: operands, or a list read one
 * entry at a time (--files-from), so that memory does not grow with it. */
typedef struct {
    char **args;               /* operands (when list is NULL) */
    size_t n_args, next;
    FILE *list;                /* --files-from, or NULL */
    const char *list_name;
    int list_is_stdin;
    int delim;                 /* '\n', or '\0' (-0) */
    size_t entries;            /* read so far */
    int read_error;            /* errno of a failed read of the list, or 0 */
    cli_name_slot slots[2];    /* entries read ahead: a queue of `queued` from head */
    int head, queued;
} cli_names;

/* Names from an array of count operands. */
void cli_names_from_args(cli_names *n, char **names, size_t count);

/* Names from the list at path ("-" = standard input), ended by delim ('\n'
 * or '\0'). Returns 0, or the exit code after printing why it cannot be read. */
int cli_names_open_list(cli_names *n, const char *path, int delim);

/* Whether there are more than one name (entries of the list, bad ones
 * included), reading at most two entries ahead. */
int cli_names_several(cli_names *n);

/* The next name in *name (valid until the next call): 1; 0 at the end; -1
 * after printing why an entry is no name (empty, too long, a NUL byte, '-'
 * when the list is standard input), so that the caller goes on; -2 after
 * printing a read error of the list (stop). */
int cli_names_next(cli_names *n, const char **name);

/* The next name without taking it, or NULL at the end or before an entry
 * that is no name. */
const char *cli_names_peek(cli_names *n);

/* Closes the list (not standard input). */
void cli_names_close(cli_names *n);

/* --- pictures (plot.c) --------------------------------------------------------- */

/* Writes an SVG drawn into svg at path atomically (nn_atomic_*). */
nn_status cli_write_svg(const char *path, const nn_svg *svg, nn_error *err);

/* The same, printing the error and returning its exit code on failure,
 * else 0. */
int cli_save_svg(const char *path, const nn_svg *svg);

/* `nnclass plot --weights`: the first layer's weights of the model at path
 * (name: as the user gave it, for the subtitle) as an SVG at output
 * (plot_weights.c). Returns the exit code. */
int cli_plot_weights(const char *path, const char *name, const char *title, const char *output);

/* eval's report for an autoencoder (eval_recon.c): the mean reconstruction
 * loss (sum over n images), as text when format is NULL, else as a JSON or
 * CSV record. */
void cli_print_recon_report(const cli_rec_format *format, const char *model,
                            const char *images, size_t n, double sum, double seconds);

/* `nnclass plot --reading`: what to draw (plot_reading.c). */
#define CLI_READING_MAX 32 /* images in one picture */
typedef struct {
    const char *model_path; /* the model file, found */
    const char *model_name; /* the model as the user named it (the subtitle) */
    const char *images_name; /* the images as the subtitle names them */
    const char *images;     /* the images' file */
    const char *labels;     /* their labels' file, or NULL */
    size_t count;           /* the first count images, 1..CLI_READING_MAX */
    const char *title;
} plot_reading;

/* Draws how the net of a->model_path reads its first a->count images (the
 * probabilities after each step) and saves the SVG at output; 0 or the exit
 * code of a printed error. */
int cli_plot_reading(const plot_reading *a, const char *output);

/* `nnclass plot --codes`: what to draw (plot_codes.c). */
typedef struct {
    const char *model_path;  /* the model file, found */
    const char *model_name;  /* the model as the user named it (the subtitle) */
    const char *images_name; /* the images as the subtitle names them */
    const char *images;      /* the images' IDX file */
    const char *labels;      /* their labels' IDX file */
    size_t count;            /* the first count images (0: all) */
    const char *title;
} plot_codes;

/* Draws the code map of the net of a->model_path (each image's values on
 * its layer of 2 units, coloured by class) and saves the SVG at output; 0
 * or the exit code of a printed error (a net without such a layer: 1). */
int cli_plot_codes(const plot_codes *a, const char *output);

/* Draws the confusion heatmap of c (titled with the model and data paths)
 * and saves it at path; 0 or the exit code of a printed error. */
int cli_plot_confusion(const char *path, const nn_confusion *c, const nn_model_meta *meta,
                       const char *model_path, const char *images_path);

/* A learning curve being drawn as training goes: cli_curve_add appends an
 * epoch and rewrites the SVG at path; the first failure is kept in err (and
 * failed set) and later epochs are not drawn. */
typedef struct {
    const char *path;
    char title[4200], subtitle[4400];
    nn_svg_epoch *epochs;
    size_t n, cap;
    int failed;
    nn_error err;
} cli_curve;

void cli_curve_add(cli_curve *c, const nn_svg_epoch *e);
void cli_curve_free(cli_curve *c);

/* A progress bar on stderr, drawn only when stderr is a terminal and not
 * quiet, redrawn at most ten times a second (and at 100 %):
 *   "epoch   3 [=========               ]  38%  52k img/s  loss 0.1830  0:04 left"
 * Clear it before printing anything else on stderr. */
typedef struct {
    int on, drawn;
    double start, last;
} cli_bar;

/* Input below this many images finishes too fast for eval and predict to
 * draw a bar. */
#define CLI_BAR_MIN_IMAGES 10000

/* Seconds on the monotonic clock, for durations. */
double cli_now_seconds(void);

void cli_bar_init(cli_bar *b, int quiet);
/* Starts the clock that cli_bar_elapsed reads again. */
void cli_bar_restart(cli_bar *b);
double cli_bar_elapsed(const cli_bar *b);
/* rate (images/s) and left (seconds) are left out when negative; extra
 * (may be NULL) goes between them, e.g. "  loss 0.1830". */
void cli_bar_draw(cli_bar *b, const char *label, size_t done, size_t total, double rate,
                  double left, const char *extra);
void cli_bar_clear(cli_bar *b);

/* Thread counts (threads.c). The CPUs this process may use: online and in
 * its affinity mask (at least 1); threads capped to that number, saying so
 * once on stderr unless quiet (more threads than CPUs only wait for each
 * other); of the usable CPUs, the ones that other work running on the machine at this moment leaves free
 * (at least 1, all of them where the run queue cannot be read); and the
 * number of threads OpenBLAS may use in this process (>= 1), set once the
 * address space it will map is known to fit (nn_blas_room): 0, or the exit
 * code of the printed "out of memory" error. */
size_t cli_usable_cpus(void);
size_t cli_cap_threads(size_t threads, int quiet);
size_t cli_free_cpus(void);
int cli_set_blas_threads(size_t threads);

/* Writes an image as shade characters (two per pixel) to stdout. */
void cli_draw_image(const uint8_t *pixels, size_t rows, size_t cols);

/* Draws two images of the same size side by side (an input and its
 * reconstruction), a gap between them. */
void cli_draw_pair(const uint8_t *left, const uint8_t *right, size_t rows, size_t cols);

#endif
