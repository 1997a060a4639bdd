/* input.c - the images a command reads: IDX files (streamed) and image files
 * (PNG, JPEG, PGM/PPM: one image each), told apart by their first bytes and
 * brought to the model's geometry by the chosen preprocessing. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include "nnclass/io/image.h"

int cli_parse_image_option(int opt, const char *text, cli_image_opts *o)
{
    static const char *const modes[] = {"mnist", "none"};
    static const char *const whens[] = {"auto", "yes", "no"}; /* nn_invert's order */
    int i;
    switch (opt) {
    case CLI_OPT_PREPROCESS:
        if (cli_parse_enum("--preprocess", "mode", text, modes, 2, &i) != 0)
            return -1;
        o->preprocess = i == 0 ? CLI_PRE_MNIST : CLI_PRE_NONE;
        return 0;
    case CLI_OPT_INVERT:
        if (cli_parse_enum("--invert", "value", text, whens, 3, &i) != 0)
            return -1;
        o->invert = (nn_invert)i;
        return 0;
    case CLI_OPT_MAX_MPIXELS: {
        size_t mp;
        if (cli_parse_size("--max-image-mpixels", text, 1, 4096, &mp) != 0)
            return -1;
        o->max_pixels = (uint64_t)mp << 20;
        return 0;
    }
    }
    return -1;
}

void cli_image_opts_init(cli_image_opts *o)
{
    o->preprocess = CLI_PRE_DEFAULT;
    o->invert = NN_INVERT_AUTO;
    o->max_pixels = NN_IMAGE_DEFAULT_MAX_PIXELS;
}

static int is_image(const uint8_t *head, size_t n)
{
    return nn_image_sniff(head, n) != NN_IMAGE_UNKNOWN;
}

/* Largest image file read into memory: a 64-Mpixel photo as PNG or PPM. */
#define CLI_MAX_IMAGE_FILE NN_IDX_DEFAULT_MAX_BYTES

/* The one image of an image file, decoded and preprocessed into in. */
static nn_status load_image(cli_input *in, const uint8_t *data, size_t len,
                            const cli_image_opts *o, nn_error *err)
{
    nn_grey grey = {0};
    nn_status st = nn_image_decode(data, len, o->max_pixels, in->name, &grey, err);
    if (st != NN_OK)
        return st;
    if (o->preprocess == CLI_PRE_NONE) {
        in->rows = grey.height;
        in->cols = grey.width;
    } else {
        in->rows = in->cols = NN_MNIST_SIDE;
    }
    in->image = malloc(in->rows * in->cols);
    if (in->image == NULL)
        st = nn_fail(err, NN_E_NOMEM, "%s: out of memory", in->name);
    else if (o->preprocess == CLI_PRE_NONE)
        st = nn_preprocess_none(&grey, o->invert, in->rows, in->cols, in->image, in->name, err);
    else
        st = nn_preprocess_mnist(&grey, o->invert, in->image, in->name, err);
    nn_grey_free(&grey);
    in->count = 1;
    return st;
}

/* Opens src, called name in messages: IDX or an image file. */
static nn_status input_open(nn_idx_input src, const char *name, const cli_image_opts *o,
                            cli_input *in, nn_error *err)
{
    memset(in, 0, sizeof *in);
    in->name = name;
    uint8_t *data = NULL;
    size_t len = 0;
    nn_status st = nn_idx_stream_open_or_read_from(src, is_image, CLI_MAX_IMAGE_FILE,
                                                   &in->stream, &data, &len, err);
    if (st != NN_OK)
        return st;
    if (in->stream == NULL) {
        st = load_image(in, data, len, o, err);
        free(data);
        if (st != NN_OK)
            cli_input_close(in);
        return st;
    }
    in->count = nn_idx_stream_count(in->stream);
    in->rows = nn_idx_stream_rows(in->stream);
    in->cols = nn_idx_stream_cols(in->stream);
    if (o->preprocess == CLI_PRE_MNIST) {
        /* IDX images preprocessed one by one, as if each were a file. */
        in->raw = malloc(in->rows * in->cols);
        if (in->raw == NULL) {
            cli_input_close(in);
            return nn_fail(err, NN_E_NOMEM, "%s: out of memory", name);
        }
        in->raw_rows = in->rows;
        in->raw_cols = in->cols;
        in->rows = in->cols = NN_MNIST_SIDE;
        in->invert = o->invert;
    }
    return NN_OK;
}

nn_status cli_input_open(const char *path, const cli_image_opts *o, cli_input *in,
                         nn_error *err)
{
    return input_open(nn_idx_path(path), strcmp(path, "-") == 0 ? "(standard input)" : path, o,
                      in, err);
}

nn_status cli_input_open_fd(int fd, const char *name, const cli_image_opts *o, cli_input *in,
                            nn_error *err)
{
    return input_open(nn_idx_fd(fd, name), name, o, in, err);
}

nn_status cli_input_read(cli_input *in, uint8_t *buf, size_t max_images, size_t *n_read,
                         nn_error *err)
{
    *n_read = 0;
    if (in->stream == NULL) {
        if (in->done)
            return NN_DONE;
        memcpy(buf, in->image, in->rows * in->cols);
        in->done = 1;
        *n_read = 1;
        return NN_OK;
    }
    if (in->raw == NULL)
        return nn_idx_stream_read(in->stream, buf, max_images, n_read, err);
    while (*n_read < max_images) {
        size_t got = 0;
        nn_status st = nn_idx_stream_read(in->stream, in->raw, 1, &got, err);
        if (st != NN_OK)
            return *n_read > 0 && st == NN_DONE ? NN_OK : st;
        nn_grey g = {in->raw_cols, in->raw_rows, in->raw};
        char name[64];
        snprintf(name, sizeof name, "image %zu", in->index);
        nn_error local = {{0}};
        st = nn_preprocess_mnist(&g, in->invert, buf + *n_read * in->rows * in->cols, name,
                                 &local);
        if (st != NN_OK)
            return nn_fail(err, st, "%s: %s", in->name, local.msg);
        in->index++;
        (*n_read)++;
    }
    return NN_OK;
}

void cli_input_close(cli_input *in)
{
    nn_idx_stream_close(in->stream);
    free(in->image);
    free(in->raw);
    memset(in, 0, sizeof *in);
}
