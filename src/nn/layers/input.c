/* input.c - row 0 of every table: the image (h, w, c), or a plain number
 * of inputs (1, 1, n). No parameters, no pass of its own. */
#include <stdio.h>

#include "layers.h"
#include "nnclass/nn/net.h"

/* "RxC" (an image) or "N" (N inputs). */
static const char *input_parse(const char *p, nn_layer *row)
{
    long r = nn_parse_num(&p);
    row->h = row->w = row->c = 1;
    if (r >= 0 && *p == '\0') {
        row->c = (size_t)r;
        return NULL;
    }
    long c = nn_parse_times(&p, r);
    if (c < 0 || *p != '\0')
        return "the input must be RxC (e.g. 28x28) or a number of inputs";
    row->h = (size_t)r;
    row->w = (size_t)c;
    return NULL;
}

static void input_format(const nn_layer *row, char *out, size_t cap)
{
    if (row->h == 1 && row->w == 1)
        snprintf(out, cap, "%zu", row->c);
    else
        snprintf(out, cap, "%zux%zu", row->h, row->w);
}

static void input_describe(const nn_layer *row, char *out, size_t cap)
{
    (void)row;
    if (cap > 0)
        out[0] = '\0';
}

/* Its own caps (prev is NULL). */
static nn_status input_shape(const nn_layer *prev, nn_layer *row, nn_error *err)
{
    (void)prev;
    if (row->h == 0 || row->w == 0 || row->c == 0)
        return nn_fail(err, NN_E_ARG, "row 0 must be an input of at least 1x1x1");
    if (row->h > NN_MAX_SIDE || row->w > NN_MAX_SIDE || row->c > NN_MAX_CHANNELS ||
        row->h * row->w * row->c > NN_MAX_WIDTH)
        return nn_fail(err, NN_E_ARG, "an input of %zux%zux%zu values is over the caps",
                       row->h, row->w, row->c);
    return NN_OK;
}

static nn_status input_check_saved(const nn_layer *row, nn_error *err)
{
    if (row->k != 0 || row->same || row->act != NN_ACT_NONE)
        return nn_fail(err, NN_E_FORMAT, "the input row %zux%zux%zu is malformed", row->h,
                       row->w, row->c);
    return NN_OK;
}

nn_layer nn_layer_input_row(size_t h, size_t w, size_t c)
{
    nn_layer row = {.kind = NN_LAYER_INPUT, .act = NN_ACT_NONE, .h = h, .w = w, .c = c};
    return row;
}

const nn_layer_ops nn_input_ops = {
    .name = "input",
    .is_input = 1,
    .in_v1 = 1,
    .layout = NN_SHAPE_IMAGE,
    .token = "",
    .parse = input_parse,
    .format = input_format,
    .describe = input_describe,
    .shape = input_shape,
    .check_saved = input_check_saved,
};
