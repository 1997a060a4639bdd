/* cmd_show.c - `nnclass show`: draw images of an IDX file, or the image of
 * an image file as the network sees it, in the terminal. */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nnclass/io/idx.h"

static void usage(FILE *out)
{
    fputs("Usage: nnclass show [OPTION]... [FILE]\n"
          "Draw images of an IDX image file (gzip or raw; '-' is standard input) with\n"
          "shade characters, each under a caption with its index (and label). A PNG,\n"
          "JPEG, PGM or PPM file is one image, drawn after preprocessing: as the\n"
          "network sees it (--preprocess none draws it as it is).\n\n"
          "  --index N        first image to draw, 0-based (default 0)\n"
          "  --count K        number of images to draw (default 1)\n"
          "  --labels F       IDX label file: print each image's label\n"
          "  --dataset NAME   mnist or fashion: draw that dataset's images and labels\n"
          "                   (when no FILE is given)\n"
          "  --split NAME     test or train, with --dataset (default test)\n"
          "  --data-dir DIR   where datasets live (default $NNCLASS_DATA, else the\n"
          "                   project's data/ folder)\n"
          CLI_IMAGE_HELP
          "  -h, --help       show this help and exit\n",
          out);
}

enum { OPT_INDEX = 256, OPT_COUNT, OPT_LABELS, OPT_DATASET, OPT_SPLIT, OPT_DATA_DIR };

static const struct option long_options[] = {
    {"index", required_argument, NULL, OPT_INDEX},
    {"count", required_argument, NULL, OPT_COUNT},
    {"labels", required_argument, NULL, OPT_LABELS},
    {"dataset", required_argument, NULL, OPT_DATASET},
    {"split", required_argument, NULL, OPT_SPLIT},
    {"data-dir", required_argument, NULL, OPT_DATA_DIR},
    CLI_IMAGE_LONG_OPTIONS,
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

typedef struct {
    size_t index, count;
    const char *labels; /* --labels, or the dataset's */
    const char *dataset, *split, *data_dir;
    int split_given;
    const char *file;   /* the FILE argument, or NULL */
    cli_image_opts image;
} show_args;

/* One option of the table; 0, or -1 after printing a bad value. */
static int parse_option(int c, void *args)
{
    show_args *a = args;
    int bad = 0;
    switch (c) {
    case OPT_INDEX: bad = cli_parse_size("--index", optarg, 0, SIZE_MAX / 2, &a->index); break;
    case OPT_COUNT: bad = cli_parse_size("--count", optarg, 1, 1000000, &a->count); break;
    case OPT_LABELS: a->labels = optarg; break;
    case OPT_DATASET: a->dataset = optarg; break;
    case OPT_SPLIT: a->split = optarg; a->split_given = 1; break;
    case OPT_DATA_DIR: a->data_dir = optarg; break;
    case CLI_OPT_PREPROCESS:
    case CLI_OPT_INVERT:
    case CLI_OPT_MAX_MPIXELS: bad = cli_parse_image_option(c, optarg, &a->image); break;
    }
    return bad;
}

/* Returns -1 to go on, else the exit code (help, or a usage error). */
static int parse_args(int argc, char **argv, show_args *a)
{
    memset(a, 0, sizeof *a);
    a->count = 1;
    a->split = "test";
    cli_image_opts_init(&a->image);
    int rc = cli_parse_options("show", argc, argv, ":h", long_options, usage, parse_option, a);
    if (rc >= 0)
        return rc;
    if (argc - optind > 1)
        return cli_usage_error("show", "expected at most one image file");
    if (argc - optind == 1 && a->dataset != NULL)
        return cli_usage_error("show", "give either FILE or --dataset");
    if (a->split_given && a->dataset == NULL)
        return cli_usage_error("show", "--split picks a dataset's split; it goes with --dataset");
    if (a->dataset != NULL && a->labels != NULL)
        return cli_usage_error("show", "--dataset brings its own labels; drop --labels");
    a->file = argc - optind == 1 ? argv[optind] : NULL;
    return -1;
}

/* The images to draw (and the labels, for a dataset) into images_path and
 * labels_path; -1 to go on, else the exit code of a usage error. */
static int find_inputs(show_args *a, char *images_path, char *labels_path, size_t cap)
{
    if (a->dataset != NULL) {
        if (cli_dataset_paths(cli_data_dir(a->data_dir), a->dataset, a->split, images_path,
                              labels_path, cap) != 0)
            return CLI_EXIT_USAGE;
        a->labels = labels_path;
        return -1;
    }
    snprintf(images_path, cap, "%s", a->file != NULL ? a->file : "-");
    /* like gzip: binary images are not typed at a terminal */
    if (a->file == NULL && isatty(STDIN_FILENO))
        return cli_usage_error("show", "standard input is a terminal: give an IDX file, "
                               "--dataset NAME, or '-' to read standard input anyway");
    return -1;
}

/* The exit code of the first thing wrong with what was opened, else -1. */
static int check_opened(const show_args *a, const cli_input *in, const nn_labels *labels,
                        const char *images_path)
{
    if (!in->counted)
        return -1; /* image files: counted as they are read */
    if (a->labels != NULL && labels->count != in->count) {
        cli_error("%s: %zu labels but %s has %zu images", a->labels, labels->count,
                  images_path, in->count);
        return CLI_EXIT_DATA;
    }
    if (in->count == 0) {
        cli_error("%s: no images", images_path);
        return CLI_EXIT_DATA;
    }
    if (a->index >= in->count)
        return cli_usage_error("show", "--index: %zu is past the last image of %s (%zu images)",
                               a->index, images_path, in->count);
    return -1;
}

/* "image 7  label 3 Dress" over the drawing of image i. */
static void draw_one(const show_args *a, size_t i, const nn_labels *labels,
                     const uint8_t *pixels, size_t rows, size_t cols)
{
    if (a->labels != NULL) {
        unsigned label = labels->labels[i];
        size_t n_names = 0;
        const char *const *names = cli_dataset_class_names(a->dataset, &n_names);
        /* a class name that says more than the number (Fashion-MNIST's) goes in the caption */
        char caption[64];
        cli_class_caption(label, names != NULL && label < n_names ? names[label] : NULL,
                          caption, sizeof caption);
        printf("image %zu  label %s\n", i, caption);
    } else {
        printf("image %zu\n", i);
    }
    cli_draw_image(pixels, rows, cols);
}

/* Streams up to the first wanted image and draws count from there:
 * constant memory for any file size. */
static int draw_images(const show_args *a, cli_input *in, const nn_labels *labels,
                       const char *images_path)
{
    nn_error err = {{0}};
    size_t rows = in->rows, cols = in->cols;
    uint8_t *pixels = malloc(rows * cols > 0 ? rows * cols : 1);
    if (pixels == NULL) {
        cli_error("%s: out of memory", images_path);
        return CLI_EXIT_DATA;
    }
    int rc = CLI_OK;
    for (size_t i = 0; i < a->index + a->count && (!in->counted || i < in->count); i++) {
        size_t n = 0;
        nn_status st = cli_input_read(in, pixels, 1, &n, &err);
        if (st == NN_DONE && i <= a->index)
            rc = cli_usage_error("show", "--index: %zu is past the last image of %s (%zu "
                                 "images)", a->index, images_path, i);
        else if (st != NN_OK && st != NN_DONE)
            rc = cli_fail(st, &err);
        else if (st == NN_OK && a->labels != NULL && i >= labels->count) {
            cli_error("%s: %zu labels but %s has more images", a->labels, labels->count,
                      images_path);
            rc = CLI_EXIT_DATA;
        }
        if (st != NN_OK || rc != CLI_OK)
            break;
        if (i >= a->index)
            draw_one(a, i, labels, pixels, rows, cols);
    }
    free(pixels);
    return rc;
}

int cmd_show(int argc, char **argv)
{
    show_args a;
    char images_path[4096], labels_path[4096];
    int rc = parse_args(argc, argv, &a);
    if (rc < 0)
        rc = find_inputs(&a, images_path, labels_path, sizeof images_path);
    if (rc >= 0 || cli_parse_only)
        return rc >= 0 ? rc : CLI_OK;

    nn_error err = {{0}};
    nn_labels labels = {0};
    cli_input in = {0};
    nn_status st = NN_OK;
    if (a.labels != NULL)
        st = nn_idx_load_labels(a.labels, 0, &labels, &err);
    if (st == NN_OK)
        st = cli_input_open(images_path, &a.image, &in, &err);
    if (st != NN_OK)
        rc = cli_fail(st, &err);
    else
        rc = check_opened(&a, &in, &labels, images_path);
    if (rc < 0)
        rc = draw_images(&a, &in, &labels, images_path);
    cli_input_close(&in);
    nn_labels_free(&labels);
    return rc;
}
