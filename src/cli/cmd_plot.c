/* cmd_plot.c - `nnclass plot`: the learning curve of a training log (the
 * JSON Lines file of `nnclass train --log`), or with --reading how a
 * recurrent net reads (plot_reading.c), or with --weights a first layer's
 * weights (plot_weights.c), or with --codes the code map of a net's
 * two-unit layer (plot_codes.c), as an SVG picture. */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nnclass/base/readfile.h"
#include "nnclass/report/trainlog.h"

#define MAX_LOG_BYTES ((size_t)256 << 20)
#define READING_DEFAULT_COUNT 6
#define CODES_MAX_COUNT 1000000 /* images in one code map */

static void usage(FILE *out)
{
    fprintf(out,
          "Usage: nnclass plot LOG.jsonl -o FILE.svg\n"
          "       nnclass plot --reading MODEL -o FILE.svg [--images F [--labels F]]\n"
          "       nnclass plot --weights MODEL -o FILE.svg\n"
          "       nnclass plot --codes MODEL -o FILE.svg [--images F --labels F]\n"
          "Draw the learning curve of a training log (nnclass train --log): loss and\n"
          "accuracy per epoch, training and validation, the best epoch and the\n"
          "learning rate. LOG '-' is standard input. With --reading, draw how a net\n"
          "that reads an image row by row (--arch lstm) forms its answer: for each of\n"
          "the first images, the probability of every class after every row. With\n"
          "--weights, draw the first layer's weights as pictures: each neuron of a\n"
          "first dense layer as a template of the input's size, or each kernel of a\n"
          "first conv layer. With --codes, draw each image's values on a net's layer\n"
          "of 2 units (an autoencoder's code) as a dot, coloured by its class.\n\n"
          "  -o, --output FILE    the SVG file to write (required)\n"
          "  --title TEXT         the picture's title (default: Learning curve, or\n"
          "                       How the network reads)\n"
          "  --reading MODEL      the model to draw (a file, or a bare name such as\n"
          "                       mnist-lstm)\n"
          "  --weights MODEL      the model whose first layer to draw (file or bare name)\n"
          "  --codes MODEL        the model whose 2-unit layer to map (file or bare name)\n"
          "  --images FILE        its images (IDX, PNG, JPEG, PGM; --codes: IDX, with\n"
          "                       --labels) (default: the MNIST test images, with\n"
          "                       their labels)\n"
          "  --labels FILE        the labels of --images, shown beside the answers\n"
          "  --count N            the first N images (default %d, at most %d;\n"
          "                       --codes: default all, at most %d)\n"
          "  --data-dir DIR       where the datasets and named models are\n"
          "  -h, --help           show this help and exit\n",
          READING_DEFAULT_COUNT, CLI_READING_MAX, CODES_MAX_COUNT);
}

enum {
    OPT_TITLE = 256, OPT_READING, OPT_IMAGES, OPT_LABELS, OPT_COUNT, OPT_DATA_DIR, OPT_WEIGHTS,
    OPT_CODES
};

static const struct option long_options[] = {
    {"output", required_argument, NULL, 'o'},
    {"title", required_argument, NULL, OPT_TITLE},
    {"reading", required_argument, NULL, OPT_READING},
    {"weights", required_argument, NULL, OPT_WEIGHTS},
    {"codes", required_argument, NULL, OPT_CODES},
    {"images", required_argument, NULL, OPT_IMAGES},
    {"labels", required_argument, NULL, OPT_LABELS},
    {"count", required_argument, NULL, OPT_COUNT},
    {"data-dir", required_argument, NULL, OPT_DATA_DIR},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

typedef struct {
    const char *output, *title;
    const char *log_path;
    const char *reading, *images, *labels, *data_dir; /* --reading and its options */
    const char *weights; /* --weights MODEL */
    const char *codes;   /* --codes MODEL */
    const char *count_text; /* --count, read once the mode is known */
    size_t count;
} plot_args;

/* --codes: the options it takes, its count; -1 to go on, else the exit
 * code of the usage error. */
static int check_codes(int argc, char **argv, plot_args *a)
{
    if (a->reading != NULL || a->weights != NULL)
        return cli_usage_error("plot", "give one of --reading, --weights and --codes");
    if ((a->images == NULL) != (a->labels == NULL))
        return cli_usage_error("plot", "--codes colours each image by its class: give "
                               "--images and --labels together");
    if (optind < argc)
        return cli_usage_error("plot", "unexpected argument '%s': --codes draws a model, "
                               "not a log", argv[optind]);
    a->count = 0; /* all */
    if (a->count_text != NULL &&
        cli_parse_size("--count", a->count_text, 1, CODES_MAX_COUNT, &a->count) != 0)
        return CLI_EXIT_USAGE;
    if (a->title == NULL)
        a->title = "Code map";
    return -1;
}

/* What the picture is (the weights or the reading of a model, or a log's
 * learning curve) and the options each allows, after the options were
 * read; -1 to go on, else the exit code of the usage error. */
static int check_mode(int argc, char **argv, plot_args *a)
{
    if (a->codes != NULL)
        return check_codes(argc, argv, a);
    if (a->count_text != NULL &&
        cli_parse_size("--count", a->count_text, 1, CLI_READING_MAX, &a->count) != 0)
        return CLI_EXIT_USAGE;
    if (a->weights != NULL) {
        if (a->reading != NULL)
            return cli_usage_error("plot", "give either --reading or --weights");
        if (a->images != NULL || a->labels != NULL)
            return cli_usage_error("plot", "--weights draws a model: it takes no --images "
                                   "or --labels");
        if (optind < argc)
            return cli_usage_error("plot", "unexpected argument '%s': --weights draws a model, "
                                   "not a log", argv[optind]);
        if (a->title == NULL)
            a->title = "First-layer weights";
        return -1;
    }
    if (a->reading == NULL && (a->images != NULL || a->labels != NULL))
        return cli_usage_error("plot", "%s goes with --reading MODEL",
                               a->images != NULL ? "--images" : "--labels");
    if (a->labels != NULL && a->images == NULL)
        return cli_usage_error("plot", "--labels goes with --images");
    if (a->reading != NULL) {
        if (optind < argc)
            return cli_usage_error("plot", "unexpected argument '%s': --reading draws a model, "
                                   "not a log", argv[optind]);
        if (a->title == NULL)
            a->title = "How the network reads";
        return -1;
    }
    if (a->title == NULL)
        a->title = "Learning curve";
    if (optind >= argc)
        return cli_usage_error("plot", "which log? give LOG.jsonl (or - for stdin)");
    if (optind + 1 < argc)
        return cli_usage_error("plot", "unexpected argument '%s'", argv[optind + 1]);
    a->log_path = argv[optind];
    return -1;
}

/* Returns -1 to go on, else the exit code (help, or a usage error). */
static int parse_args(int argc, char **argv, plot_args *a)
{
    memset(a, 0, sizeof *a);
    a->count = READING_DEFAULT_COUNT;
    cli_options_reset();
    int c;
    while ((c = getopt_long(argc, argv, ":o:h", long_options, NULL)) != -1) {
        switch (c) {
        case 'o':
            if (optarg[0] == '\0') {
                cli_error("--output: empty file name");
                return CLI_EXIT_USAGE;
            }
            a->output = optarg;
            break;
        case OPT_TITLE: a->title = optarg; break;
        case OPT_READING: a->reading = optarg; break;
        case OPT_WEIGHTS: a->weights = optarg; break;
        case OPT_IMAGES: a->images = optarg; break;
        case OPT_LABELS: a->labels = optarg; break;
        case OPT_DATA_DIR: a->data_dir = optarg; break;
        case OPT_COUNT: a->count_text = optarg; break;
        case OPT_CODES: a->codes = optarg; break;
        case 'h': usage(stdout); return CLI_OK;
        case ':': return cli_usage_error("plot", "%s: missing value", argv[optind - 1]);
        default: return cli_usage_error("plot", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (a->output == NULL)
        return cli_usage_error("plot", "-o FILE.svg is required");
    return check_mode(argc, argv, a);
}

/* The whole log at path ("-": standard input, called name) in a new
 * buffer; the exit code of a printed error, or 0. */
static int read_log(const char *path, const char *name, char **buf, size_t *len)
{
    uint8_t *data = NULL;
    nn_error err = {{0}};
    nn_status st = strcmp(path, "-") == 0
                       ? nn_read_fd(STDIN_FILENO, name, "training log", MAX_LOG_BYTES, NULL,
                                    &data, len, &err)
                       : nn_read_file(path, "training log", MAX_LOG_BYTES, NULL, &data, len,
                                      &err);
    *buf = (char *)data;
    return st == NN_OK ? CLI_OK : cli_fail(st, &err);
}

/* The learning curve of the log's epochs, saved at output. */
static int draw_log(const plot_args *a, const char *name, const char *buf, size_t len,
                    const char *output)
{
    nn_svg_epoch *epochs = NULL;
    size_t n = 0;
    nn_svg svg = {0};
    nn_error err = {{0}};
    int rc;
    nn_status st = nn_trainlog_parse(buf, len, name, &epochs, &n, &err);
    if (st == NN_OK && n == 0) {
        cli_error("%s: no epochs in the log", name);
        rc = CLI_EXIT_DATA;
    } else {
        if (st == NN_OK)
            st = nn_svg_learning_curve(&svg, epochs, n, a->title, name, &err);
        rc = st == NN_OK ? cli_save_svg(output, &svg) : cli_fail(st, &err);
    }
    nn_svg_free(&svg);
    free(epochs);
    return rc;
}

/* --reading: the model and images found, the outputs checked, the picture. */
static int plot_reading_of(const plot_args *a)
{
    const char *data_dir = cli_data_dir(a->data_dir);
    char model[4096], images[4096], labels[4096], target[4096];
    if (cli_model_path(data_dir, a->reading, model, sizeof model) != 0)
        return CLI_EXIT_DATA;
    plot_reading r = {model, a->reading, a->images, a->images, a->labels, a->count, a->title};
    if (a->images == NULL) {
        r.images_name = "the MNIST test images";
        if (cli_dataset_paths(data_dir, "mnist", "test", images, labels, sizeof images) != 0)
            return CLI_EXIT_USAGE;
        r.images = images;
        r.labels = labels;
    }
    const char *inputs[] = {model, r.images, r.labels};
    cli_output out = {"--output", a->output, CLI_OUTPUT_REPLACE, target, sizeof target};
    int rc = cli_check_outputs(&out, 1, inputs, r.labels != NULL ? 3 : 2);
    return rc != CLI_OK ? rc : cli_plot_reading(&r, target);
}

/* --weights: the model found, the output checked, the picture. */
static int plot_weights_of(const plot_args *a)
{
    char model[4096], target[4096];
    if (cli_model_path(cli_data_dir(a->data_dir), a->weights, model, sizeof model) != 0)
        return CLI_EXIT_DATA;
    const char *inputs[] = {model};
    cli_output out = {"--output", a->output, CLI_OUTPUT_REPLACE, target, sizeof target};
    int rc = cli_check_outputs(&out, 1, inputs, 1);
    return rc != CLI_OK ? rc : cli_plot_weights(model, a->weights, a->title, target);
}

/* --codes: the model and data found, the output checked, the picture. */
static int plot_codes_of(const plot_args *a)
{
    const char *data_dir = cli_data_dir(a->data_dir);
    char model[4096], images[4096], labels[4096], target[4096];
    if (cli_model_path(data_dir, a->codes, model, sizeof model) != 0)
        return CLI_EXIT_DATA;
    plot_codes c = {model, a->codes, a->images, a->images, a->labels, a->count, a->title};
    if (a->images == NULL) {
        c.images_name = "the MNIST test images";
        if (cli_dataset_paths(data_dir, "mnist", "test", images, labels, sizeof images) != 0)
            return CLI_EXIT_USAGE;
        c.images = images;
        c.labels = labels;
    }
    const char *inputs[] = {model, c.images, c.labels};
    cli_output out = {"--output", a->output, CLI_OUTPUT_REPLACE, target, sizeof target};
    int rc = cli_check_outputs(&out, 1, inputs, 3);
    return rc != CLI_OK ? rc : cli_plot_codes(&c, target);
}

int cmd_plot(int argc, char **argv)
{
    plot_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0 || cli_parse_only)
        return rc >= 0 ? rc : CLI_OK;
    if (a.reading != NULL)
        return plot_reading_of(&a);
    if (a.weights != NULL)
        return plot_weights_of(&a);
    if (a.codes != NULL)
        return plot_codes_of(&a);

    const char *inputs[] = {a.log_path};
    char target[4096];
    cli_output out = {"--output", a.output, CLI_OUTPUT_REPLACE, target, sizeof target};
    rc = cli_check_outputs(&out, 1, inputs, 1);
    if (rc != CLI_OK)
        return rc;
    const char *name = strcmp(a.log_path, "-") == 0 ? "standard input" : a.log_path;
    char *buf = NULL;
    size_t len = 0;
    rc = read_log(a.log_path, name, &buf, &len);
    if (rc == CLI_OK)
        rc = draw_log(&a, name, buf, len, target);
    free(buf);
    return rc;
}
