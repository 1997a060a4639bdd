/* cmd_plot.c - `nnclass plot`: the learning curve of a training log (the
 * JSON Lines file of `nnclass train --log`) as an SVG picture. */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nnclass/base/readfile.h"
#include "nnclass/report/trainlog.h"

#define MAX_LOG_BYTES ((size_t)256 << 20)

static void usage(FILE *out)
{
    fputs("Usage: nnclass plot LOG.jsonl -o FILE.svg\n"
          "Draw the learning curve of a training log (nnclass train --log): loss and\n"
          "accuracy per epoch, training and validation, the best epoch and the\n"
          "learning rate. LOG '-' is standard input.\n\n"
          "  -o, --output FILE    the SVG file to write (required)\n"
          "  --title TEXT         the picture's title (default: Learning curve)\n"
          "  -h, --help           show this help and exit\n",
          out);
}

enum { OPT_TITLE = 256 };

static const struct option long_options[] = {
    {"output", required_argument, NULL, 'o'},
    {"title", required_argument, NULL, OPT_TITLE},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

typedef struct {
    const char *output, *title;
    const char *log_path;
} plot_args;

/* Returns -1 to go on, else the exit code (help, or a usage error). */
static int parse_args(int argc, char **argv, plot_args *a)
{
    a->output = a->log_path = NULL;
    a->title = "Learning curve";
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
        case 'h': usage(stdout); return CLI_OK;
        case ':': return cli_usage_error("plot", "%s: missing value", argv[optind - 1]);
        default: return cli_usage_error("plot", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return cli_usage_error("plot", "which log? give LOG.jsonl (or - for stdin)");
    if (optind + 1 < argc)
        return cli_usage_error("plot", "unexpected argument '%s'", argv[optind + 1]);
    if (a->output == NULL)
        return cli_usage_error("plot", "-o FILE.svg is required");
    a->log_path = argv[optind];
    return -1;
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

int cmd_plot(int argc, char **argv)
{
    plot_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0 || cli_parse_only)
        return rc >= 0 ? rc : CLI_OK;

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
