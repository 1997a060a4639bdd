/* input.c - the images a command reads: IDX files and image files (PNG,
 * JPEG, PGM/PPM, one or several one after another), both streamed, told
 * apart by the input gateway (gateway.h) and brought to the model's geometry
 * by the chosen preprocessing. */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nnclass/io/gateway.h"

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
    o->no_ink_blank = 0;
}

/* A preprocessing that found no ink (its only NN_E_FORMAT): a blank image
 * when the command asked for that (--reject). */
static nn_status blank_if_asked(const cli_input *in, nn_status st, uint8_t *image)
{
    if (st != NN_E_FORMAT || !in->no_ink_blank)
        return st;
    memset(image, 0, in->rows * in->cols);
    return NN_OK;
}

/* Largest image file read into memory: a 64-Mpixel photo as PNG or PPM. */
#define CLI_MAX_IMAGE_FILE NN_IDX_DEFAULT_MAX_BYTES

/* The next image of an image stream, decoded and preprocessed into
 * in->image; the first one sets rows and cols. NN_DONE after the last. */
static nn_status read_image(cli_input *in, nn_error *err)
{
    nn_grey grey = {0};
    nn_status st = nn_image_stream_next(in->images, &grey, err);
    if (st != NN_OK)
        return st;
    size_t k = nn_image_stream_count(in->images) - 1;
    if (in->image == NULL) {
        in->rows = in->preprocess == CLI_PRE_NONE ? grey.height : NN_MNIST_SIDE;
        in->cols = in->preprocess == CLI_PRE_NONE ? grey.width : NN_MNIST_SIDE;
        in->image = malloc(in->rows * in->cols);
        if (in->image == NULL) {
            nn_grey_free(&grey);
            return nn_fail(err, NN_E_NOMEM, "%s: out of memory", in->name);
        }
    }
    /* Messages name the image after the first: "file: image 3: no ink". */
    char name[32];
    snprintf(name, sizeof name, "image %zu", k);
    nn_error local = {{0}};
    nn_error *e = k == 0 ? err : &local;
    const char *what = k == 0 ? in->name : name;
    if (in->preprocess == CLI_PRE_NONE)
        st = nn_preprocess_none(&grey, in->invert, in->rows, in->cols, in->image, what, e);
    else
        st = nn_preprocess_mnist(&grey, in->invert, in->image, what, e);
    st = blank_if_asked(in, st, in->image);
    nn_grey_free(&grey);
    if (st != NN_OK && k > 0)
        return nn_fail(err, st, "%s: %s", in->name, local.msg);
    in->have_image = st == NN_OK;
    return st;
}

/* Takes the reader the gateway opened into in (named name), and reads an
 * image stream's first image. */
static nn_status input_start(cli_input *in, const nn_gateway_file *g, const cli_image_opts *o,
                             nn_error *err)
{
    in->stream = g->idx;
    in->images = g->images;
    in->invert = o->invert;
    in->no_ink_blank = o->no_ink_blank;
    if (in->images != NULL) {
        in->preprocess = o->preprocess;
        nn_status st = read_image(in, err);
        if (st == NN_DONE)
            st = nn_fail(err, NN_E_FORMAT, "%s: no image", in->name);
        if (st != NN_OK)
            cli_input_close(in);
        return st;
    }
    in->counted = 1;
    in->count = nn_idx_stream_count(in->stream);
    in->rows = nn_idx_stream_rows(in->stream);
    in->cols = nn_idx_stream_cols(in->stream);
    if (o->preprocess == CLI_PRE_MNIST) {
        /* IDX images preprocessed one by one, as if each were a file. */
        in->raw = malloc(in->rows * in->cols);
        if (in->raw == NULL) {
            cli_input_close(in);
            return nn_fail(err, NN_E_NOMEM, "%s: out of memory", in->name);
        }
        in->raw_rows = in->rows;
        in->raw_cols = in->cols;
        in->rows = in->cols = NN_MNIST_SIDE;
    }
    return NN_OK;
}

nn_status cli_input_open(const char *path, const cli_image_opts *o, cli_input *in,
                         nn_error *err)
{
    memset(in, 0, sizeof *in);
    in->name = cli_shown_path(path);
    nn_gateway_file g;
    nn_status st = nn_gateway_open(path, CLI_MAX_IMAGE_FILE, o->max_pixels, &g, err);
    return st != NN_OK ? st : input_start(in, &g, o, err);
}

nn_status cli_input_open_fd(int fd, const char *name, const cli_image_opts *o, cli_input *in,
                            nn_error *err)
{
    memset(in, 0, sizeof *in);
    in->name = name;
    /* The reader keeps its own descriptor: the caller may close fd. */
    int own = dup(fd);
    if (own < 0)
        return nn_fail(err, NN_E_IO, "%s: %s", name, strerror(errno));
    nn_gateway_file g;
    nn_status st = nn_gateway_open_fd(own, name, 0, CLI_MAX_IMAGE_FILE, o->max_pixels, &g, err);
    return st != NN_OK ? st : input_start(in, &g, o, err);
}

nn_status cli_input_read(cli_input *in, uint8_t *buf, size_t max_images, size_t *n_read,
                         nn_error *err)
{
    *n_read = 0;
    if (in->images != NULL) {
        nn_status st = in->have_image ? NN_OK : read_image(in, err);
        if (st != NN_OK)
            return st;
        memcpy(buf, in->image, in->rows * in->cols);
        in->have_image = 0;
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
        st = blank_if_asked(in, st, buf + *n_read * in->rows * in->cols);
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
    nn_image_stream_close(in->images);
    free(in->image);
    free(in->raw);
    memset(in, 0, sizeof *in);
}
