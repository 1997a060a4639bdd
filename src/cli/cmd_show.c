/* cmd_show.c - `nnclass show`: draw images of an IDX file, or the image of
 * an image file as the network sees it, in the terminal. */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nnclass/idx.h"

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

int cmd_show(int argc, char **argv)
{
    size_t index = 0, count = 1;
    const char *labels_arg = NULL, *dataset = NULL, *split = "test", *data_dir = NULL;
    int split_given = 0;
    cli_image_opts image;
    cli_image_opts_init(&image);
    opterr = 0;
    optind = 0; /* 0, not 1: glibc and musl then also reset their internal state */
    int c;
    while ((c = getopt_long(argc, argv, ":h", long_options, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case OPT_INDEX: bad = cli_parse_size("--index", optarg, 0, SIZE_MAX / 2, &index); break;
        case OPT_COUNT: bad = cli_parse_size("--count", optarg, 1, 1000000, &count); break;
        case OPT_LABELS: labels_arg = optarg; break;
        case OPT_DATASET: dataset = optarg; break;
        case OPT_SPLIT: split = optarg; split_given = 1; break;
        case OPT_DATA_DIR: data_dir = optarg; break;
        case CLI_OPT_PREPROCESS:
        case CLI_OPT_INVERT:
        case CLI_OPT_MAX_MPIXELS: bad = cli_parse_image_option(c, optarg, &image); break;
        case 'h': usage(stdout); return CLI_OK;
        case ':': return cli_usage_error("show", "%s: missing value", argv[optind - 1]);
        default: return cli_option_error("show", argv[optind - 1], long_options);
        }
        if (bad != 0)
            return CLI_EXIT_USAGE;
    }
    if (argc - optind > 1)
        return cli_usage_error("show", "expected at most one image file");
    if (argc - optind == 1 && dataset != NULL)
        return cli_usage_error("show", "give either FILE or --dataset");
    if (split_given && dataset == NULL)
        return cli_usage_error("show", "--split picks a dataset's split; it goes with --dataset");
    if (dataset != NULL && labels_arg != NULL)
        return cli_usage_error("show", "--dataset brings its own labels; drop --labels");

    char images_path[4096], labels_path[4096];
    if (dataset != NULL) {
        if (cli_dataset_paths(cli_data_dir(data_dir), dataset, split, images_path,
                              labels_path, sizeof images_path) != 0)
            return CLI_EXIT_USAGE;
        labels_arg = labels_path;
    } else {
        snprintf(images_path, sizeof images_path, "%s", argc - optind == 1 ? argv[optind] : "-");
        /* like gzip: binary images are not typed at a terminal */
        if (argc == optind && isatty(STDIN_FILENO))
            return cli_usage_error("show", "standard input is a terminal: give an IDX file, "
                                   "--dataset NAME, or '-' to read standard input anyway");
    }
    size_t n_names = 0;
    const char *const *names = cli_dataset_class_names(dataset, &n_names);
    if (cli_parse_only)
        return CLI_OK;

    nn_error err = {{0}};
    nn_labels labels = {0};
    cli_input in = {0};
    uint8_t *pixels = NULL;
    int rc = CLI_OK;
    nn_status st = NN_OK;
    if (labels_arg != NULL)
        st = nn_idx_load_labels(labels_arg, 0, &labels, &err);
    if (st == NN_OK)
        st = cli_input_open(images_path, &image, &in, &err);
    if (st != NN_OK) {
        rc = cli_fail(st, &err);
        goto done;
    }
    size_t n_images = in.count;
    size_t rows = in.rows, cols = in.cols;
    if (labels_arg != NULL && labels.count != n_images) {
        cli_error("%s: %zu labels but %s has %zu images", labels_arg, labels.count,
                  images_path, n_images);
        rc = CLI_EXIT_DATA;
        goto done;
    }
    if (n_images == 0) {
        cli_error("%s: no images", images_path);
        rc = CLI_EXIT_DATA;
        goto done;
    }
    if (index >= n_images) {
        rc = cli_usage_error("show", "--index: %zu is past the last image of %s (%zu images)",
                             index, images_path, n_images);
        goto done;
    }
    pixels = malloc(rows * cols > 0 ? rows * cols : 1);
    if (pixels == NULL) {
        cli_error("%s: out of memory", images_path);
        rc = CLI_EXIT_DATA;
        goto done;
    }
    /* Stream up to the first wanted image: constant memory for any file size. */
    for (size_t i = 0; i < index + count && i < n_images; i++) {
        size_t n = 0;
        st = cli_input_read(&in, pixels, 1, &n, &err);
        if (st != NN_OK) {
            rc = cli_fail(st, &err);
            goto done;
        }
        if (i < index)
            continue;
        unsigned label = labels_arg != NULL ? labels.labels[i] : 0;
        char number[16];
        snprintf(number, sizeof number, "%u", label);
        /* a class name that says more than the number (Fashion-MNIST's) goes in the caption */
        if (labels_arg != NULL && names != NULL && label < n_names &&
            strcmp(names[label], number) != 0)
            printf("image %zu  label %u %s\n", i, label, names[label]);
        else if (labels_arg != NULL)
            printf("image %zu  label %u\n", i, label);
        else
            printf("image %zu\n", i);
        cli_draw_image(pixels, rows, cols);
    }

done:
    free(pixels);
    cli_input_close(&in);
    nn_labels_free(&labels);
    return rc;
}
