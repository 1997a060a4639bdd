/* cmd_reconstruct.c - `nnclass reconstruct`: images beside an autoencoder's
 * reconstructions of them, drawn in the terminal or, with -o, as an SVG. */
#include "cli.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nnclass/nn/model.h"
#include "nnclass/nn/net.h"

#define DEFAULT_COUNT 8
#define MAX_COUNT 256 /* pairs in one run: a picture stays readable */

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: nnclass reconstruct [OPTION]... MODEL [FILE]...\n"
            "Draw images beside their reconstructions by the autoencoder MODEL (trained\n"
            "with --arch autoencoder), each with its loss (binary cross-entropy per\n"
            "pixel), in the terminal or, with -o, as an SVG picture. FILE is an IDX image\n"
            "file (gzip or raw) or a PNG, JPEG, PGM or PPM image ('-' is standard input);\n"
            "without FILE, the first images of the MNIST test set. MODEL is a path, or a\n"
            "bare name in the data folder's models.\n\n"
            "  --count N        images to draw, over all the files (default %d, at most %d)\n"
            "  -o FILE.svg      write the pairs as an SVG picture instead of drawing them\n"
            "  --data-dir DIR   where datasets and models live (default $NNCLASS_DATA, else\n"
            "                   the project's data/ folder)\n"
            CLI_IMAGE_HELP
            "  -h, --help       show this help and exit\n",
            DEFAULT_COUNT, MAX_COUNT);
}

enum { OPT_COUNT = 256, OPT_DATA_DIR };

static const struct option long_options[] = {
    {"count", required_argument, NULL, OPT_COUNT},
    {"output", required_argument, NULL, 'o'},
    {"data-dir", required_argument, NULL, OPT_DATA_DIR},
    CLI_IMAGE_LONG_OPTIONS,
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

typedef struct {
    size_t count;
    const char *output, *data_dir, *model;
    char **files;
    size_t n_files;
    cli_image_opts image;
} recon_args;

/* One option of the table; 0, or -1 after printing a bad value. */
static int parse_option(int c, void *args)
{
    recon_args *a = args;
    int bad = 0;
    switch (c) {
    case OPT_COUNT: bad = cli_parse_size("--count", optarg, 1, MAX_COUNT, &a->count); break;
    case 'o': a->output = optarg; break;
    case OPT_DATA_DIR: a->data_dir = optarg; break;
    case CLI_OPT_PREPROCESS:
    case CLI_OPT_INVERT:
    case CLI_OPT_MAX_MPIXELS: bad = cli_parse_image_option(c, optarg, &a->image); break;
    }
    return bad;
}

/* Returns -1 to go on, else the exit code (help, or a usage error). */
static int parse_args(int argc, char **argv, recon_args *a)
{
    memset(a, 0, sizeof *a);
    a->count = DEFAULT_COUNT;
    cli_image_opts_init(&a->image);
    int rc = cli_parse_options("reconstruct", argc, argv, ":ho:", long_options, usage,
                               parse_option, a);
    if (rc >= 0)
        return rc;
    if (argc - optind < 1)
        return cli_usage_error("reconstruct", "expected a MODEL (an autoencoder)");
    a->model = argv[optind];
    a->files = argv + optind + 1;
    a->n_files = (size_t)(argc - optind - 1);
    return -1;
}

/* What one run works on: the model, the images read, their reconstructions. */
typedef struct {
    char model_path[4096], svg_target[4096], test_images[4096];
    nn_net *net;
    nn_model_meta meta;
    nn_workspace *ws;
    size_t rows, cols, n;  /* image size; pairs read so far */
    uint8_t *in, *out;     /* (count, rows * cols) each */
    size_t *index;         /* each image's position in its file */
    double *loss;
    const char **file;     /* the file each image came from */
} recon_job;

/* The model (an autoencoder) and room for count pairs. */
static int load_model(const recon_args *a, recon_job *j)
{
    if (cli_find_model(a->data_dir, a->model, NULL, NULL, j->model_path, sizeof j->model_path,
                       NULL) != 0)
        return CLI_EXIT_DATA;
    nn_error err = {{0}};
    int load_rc = cli_load_model(j->model_path, &j->net, &j->meta);
    if (load_rc != CLI_OK)
        return load_rc;
    if (nn_net_has_classes(j->net)) {
        cli_error("%s: not an autoencoder (a classifier of %zu classes); train one with "
                  "--arch autoencoder", j->model_path, j->meta.n_classes);
        return CLI_EXIT_DATA;
    }
    j->rows = j->meta.rows;
    j->cols = j->meta.cols;
    size_t px = j->rows * j->cols;
    j->in = malloc(a->count * px);
    j->out = malloc(a->count * px);
    j->index = malloc(a->count * sizeof *j->index);
    j->loss = malloc(a->count * sizeof *j->loss);
    j->file = malloc(a->count * sizeof *j->file);
    nn_status st = nn_workspace_create_forward(j->net, 1, &j->ws, &err);
    if (st == NN_OK && (!j->in || !j->out || !j->index || !j->loss || !j->file))
        st = nn_fail(&err, NN_E_NOMEM, "%s: out of memory", j->model_path);
    return st == NN_OK ? CLI_OK : cli_fail(st, &err);
}

/* Reconstructs pair i (its input read): the output's pixels and its loss. */
static void reconstruct_one(recon_job *j, size_t i)
{
    size_t px = j->rows * j->cols, last = j->net->n_layers - 1;
    float x[NN_MAX_WIDTH];
    nn_scale_pixels(j->in + i * px, px, x);
    const float *z = nn_net_forward_to(j->net, j->ws, x, 1, last);
    j->loss[i] = nn_recon_loss(z, x, 1, px);
    for (size_t p = 0; p < px; p++) {
        double v = 1.0 / (1.0 + exp(-(double)z[p])); /* the output's sigmoid */
        j->out[i * px + p] = (uint8_t)lround(255.0 * v);
    }
}

/* Reads up to count - j->n images of path into the pairs. */
static int read_file(const recon_args *a, recon_job *j, const char *path)
{
    cli_input in = {0};
    nn_error err = {{0}};
    nn_status st = cli_input_open(path, &a->image, &in, &err);
    if (st == NN_OK)
        st = nn_model_check_input(&j->meta, in.rows, in.cols, path, &err);
    size_t px = j->rows * j->cols;
    for (size_t k = 0; st == NN_OK && j->n < a->count; k++) {
        size_t got = 0;
        st = cli_input_read(&in, j->in + j->n * px, 1, &got, &err);
        if (st != NN_OK || got == 0)
            break;
        j->index[j->n] = k;
        j->file[j->n] = path;
        reconstruct_one(j, j->n++);
    }
    cli_input_close(&in);
    return st == NN_OK || st == NN_DONE ? CLI_OK : cli_fail(st, &err);
}

/* The pairs in the terminal: a caption, then the input beside its
 * reconstruction. */
static void draw_pairs(const recon_args *a, const recon_job *j)
{
    size_t px = j->rows * j->cols;
    for (size_t i = 0; i < j->n; i++) {
        printf("image %zu", j->index[i]);
        if (a->n_files > 1) {
            fputs(" of ", stdout);
            cli_put_text(stdout, j->file[i]);
        }
        printf("  loss %.4f  (input | reconstruction)\n", j->loss[i]);
        cli_draw_pair(j->in + i * px, j->out + i * px, j->rows, j->cols);
    }
}

/* The pairs as an SVG picture at j->svg_target. */
static int write_svg(const recon_job *j)
{
    size_t px = j->rows * j->cols;
    nn_svg_recon *pairs = calloc(j->n > 0 ? j->n : 1, sizeof *pairs);
    if (pairs == NULL) {
        cli_error("%s: out of memory", j->svg_target);
        return CLI_EXIT_DATA;
    }
    for (size_t i = 0; i < j->n; i++)
        pairs[i] = (nn_svg_recon){j->in + i * px, j->out + i * px, j->index[i], j->loss[i]};
    double mean = 0.0;
    for (size_t i = 0; i < j->n; i++)
        mean += j->loss[i] / (double)j->n;
    char title[96], subtitle[64];
    const char *base = strrchr(j->model_path, '/');
    snprintf(title, sizeof title, "Reconstructions by %.64s", base != NULL ? base + 1 : j->model_path);
    snprintf(subtitle, sizeof subtitle, "%zu images, mean loss %.4f (BCE per pixel)", j->n, mean);
    nn_svg svg = {0};
    nn_svg_init(&svg);
    nn_error err = {{0}};
    nn_status st = nn_svg_reconstructions(&svg, pairs, j->n, j->rows, j->cols, title, subtitle,
                                          &err);
    int rc = st == NN_OK ? cli_save_svg(j->svg_target, &svg) : cli_fail(st, &err);
    nn_svg_free(&svg);
    free(pairs);
    return rc;
}

static void job_free(recon_job *j)
{
    nn_workspace_free(j->ws);
    nn_net_free(j->net);
    free(j->in), free(j->out), free(j->index), free(j->loss), free(j->file);
}

/* The images: the files given, else the MNIST test set's. */
static int read_inputs(const recon_args *a, recon_job *j)
{
    if (a->n_files == 0) {
        char labels[4096];
        if (cli_dataset_paths(cli_data_dir(a->data_dir), "mnist", "test", j->test_images,
                              labels, sizeof labels) != 0)
            return CLI_EXIT_USAGE;
        return read_file(a, j, j->test_images);
    }
    for (size_t f = 0; f < a->n_files && j->n < a->count; f++) {
        int rc = read_file(a, j, a->files[f]);
        if (rc != CLI_OK)
            return rc;
    }
    if (j->n == 0) {
        cli_error("%s: no images", a->files[0]);
        return CLI_EXIT_DATA;
    }
    return CLI_OK;
}

int cmd_reconstruct(int argc, char **argv)
{
    recon_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0 || cli_parse_only)
        return rc >= 0 ? rc : CLI_OK;
    recon_job job;
    memset(&job, 0, sizeof job);
    const char *inputs[] = {a.model, a.n_files > 0 ? a.files[0] : NULL};
    cli_output outs[] = {
        {"-o", a.output, CLI_OUTPUT_REPLACE, job.svg_target, sizeof job.svg_target},
    };
    rc = cli_check_outputs(outs, 1, inputs, 2);
    if (rc == CLI_OK)
        rc = load_model(&a, &job);
    if (rc == CLI_OK)
        rc = read_inputs(&a, &job);
    if (rc == CLI_OK && a.output != NULL)
        rc = write_svg(&job);
    else if (rc == CLI_OK)
        draw_pairs(&a, &job);
    job_free(&job);
    return rc;
}
