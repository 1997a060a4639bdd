/* recurrent.c - the operations the recurrent kinds (rnn, gru, lstm) share:
 * text, shape, parameters, workspace, forward and backward over a
 * minibatch (through the time loops of recurrent_cell.c), export.
 *
 * A recurrent row reads its input's rows as time steps: an image (h, w, c)
 * is h steps of w*c features (an MNIST digit: 28 rows of 28 pixels), a
 * sequence (t, 1, f) t steps of f. Its output is the hidden state of the
 * last step, (1, 1, dirs*units), or with NN_REC_SEQUENCE that of every
 * step, (t, 1, dirs*units); a bidirectional row puts the backward
 * direction's beside the forward one's (its "last" state is the one it
 * ends on, at step 0). The cell is its ops' variant. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nnclass/nn/net.h"
#include "recurrent.h"

#define MAX_UNITS 4096u /* hidden units per direction */

static nn_cell cell_of(const nn_layer *row)
{
    return (nn_cell)nn_layer_ops_of(row->kind)->variant;
}

static size_t dirs_of(const nn_layer *row)
{
    return row->flags & NN_REC_BIDIRECTIONAL ? 2 : 1;
}

/* The time-loop dimensions of a row over a minibatch. */
static nn_rec_dims dims_of(const nn_layer *prev, const nn_layer *row, size_t batch)
{
    nn_rec_dims d = {.cell = cell_of(row), .batch = batch, .t = prev->h,
                     .f = prev->w * prev->c, .h = row->units, .dirs = dirs_of(row)};
    return d;
}

/* --- text ------------------------------------------------------------------------ */

const char *nn_rec_parse(const char *p, nn_layer *row)
{
    long units = nn_parse_num(&p);
    long stack = *p == 'x' ? nn_parse_times(&p, units) : 1;
    if (strcmp(p, "-seq") == 0)
        row->flags |= NN_REC_SEQUENCE;
    else if (*p != '\0')
        stack = -1;
    if (units < 0 || stack < 1)
        return "a recurrent layer is [bi]lstmH, [bi]gruH or [bi]rnnH with H hidden units, "
               "optionally xN (N stacked) and -seq (every step out), e.g. lstm128";
    row->units = (size_t)units;
    row->repeat = (size_t)stack;
    row->act = NN_ACT_NONE; /* its gates have their own */
    return NULL;
}

void nn_rec_format(const nn_layer *row, char *out, size_t cap)
{
    snprintf(out, cap, "%s%s%zu%s", row->flags & NN_REC_BIDIRECTIONAL ? "bi" : "",
             nn_layer_ops_of(row->kind)->token, row->units,
             row->flags & NN_REC_SEQUENCE ? "-seq" : "");
}

void nn_rec_describe(const nn_layer *row, char *out, size_t cap)
{
    snprintf(out, cap, "  (%zu units%s, %s)", row->units,
             row->flags & NN_REC_BIDIRECTIONAL ? " each way" : "",
             row->flags & NN_REC_SEQUENCE ? "every step out" : "last step out");
}

/* --- shape and parameters ------------------------------------------------------------ */

nn_status nn_rec_shape(const nn_layer *prev, nn_layer *row, nn_error *err)
{
    const char *name = nn_layer_ops_of(row->kind)->name;
    if (row->units == 0)
        return nn_fail(err, NN_E_ARG, "an %s layer of 0 units", name);
    if (row->act != NN_ACT_NONE)
        return nn_fail(err, NN_E_ARG, "an %s layer takes no activation: its gates have "
                       "their own", name);
    if (row->units > MAX_UNITS)
        return nn_fail(err, NN_E_ARG, "an %s layer of %zu units, more than the cap of %u",
                       name, row->units, MAX_UNITS);
    if (prev->h < 2)
        return nn_fail(err, NN_E_ARG, "an %s layer reads its input's rows as time steps, "
                       "and a flat input of %zu values has one row (give the input as RxC, "
                       "or keep every step of a recurrent layer below with -seq)",
                       name, prev->h * prev->w * prev->c);
    if (prev->h > NN_MAX_SIDE)
        return nn_fail(err, NN_E_ARG, "an %s layer over %zu steps, more than the cap of %u",
                       name, prev->h, NN_MAX_SIDE);
    row->h = row->flags & NN_REC_SEQUENCE ? prev->h : 1;
    row->w = 1;
    row->c = dirs_of(row) * row->units;
    if (row->h * row->c > NN_MAX_WIDTH)
        return nn_fail(err, NN_E_ARG, "an %s layer of %zu outputs, more than the cap of %u",
                       name, row->h * row->c, NN_MAX_WIDTH);
    return NN_OK;
}

nn_status nn_rec_check_saved(const nn_layer *row, nn_error *err)
{
    if (row->k != 0 || row->same)
        return nn_fail(err, NN_E_FORMAT, "a recurrent layer with a kernel");
    return NN_OK;
}

size_t nn_rec_n_weights(const nn_layer *prev, const nn_layer *row)
{
    return nn_rec_weights(cell_of(row), prev->w * prev->c, row->units, dirs_of(row));
}

size_t nn_rec_n_biases(const nn_layer *row)
{
    return nn_rec_biases(cell_of(row), row->units, dirs_of(row));
}

void nn_rec_fans(const nn_layer *prev, const nn_layer *row, size_t *fan_in, size_t *fan_out)
{
    *fan_in = prev->w * prev->c + row->units;
    *fan_out = row->units;
}

/* U(-1/sqrt(h), 1/sqrt(h)) for every weight (as PyTorch and Keras's
 * recurrent layers start); biases zero but the lstm's forget gate, at 1, so
 * that the cell remembers until it learns to forget. */
void nn_rec_init(const nn_layer *prev, const nn_layer *row, float *w, float *b, nn_rng *rng)
{
    nn_cell cell = cell_of(row);
    size_t h = row->units, nw = nn_rec_n_weights(prev, row), nb = nn_rec_n_biases(row);
    float r = 1.0f / sqrtf((float)h);
    for (size_t i = 0; i < nw; i++)
        w[i] = r * (2.0f * nn_rng_uniform(rng) - 1.0f);
    memset(b, 0, nb * sizeof *b);
    if (cell == NN_CELL_LSTM)
        for (size_t d = 0; d < dirs_of(row); d++)
            for (size_t j = 0; j < h; j++)
                b[d * 4 * h + 2 * h + j] = 1.0f; /* gates i, o, f, c: f */
}

/* --- workspace ------------------------------------------------------------------------- */

/* Floats of Y, Z and C for a minibatch: the kept states. */
static size_t states_size(const nn_rec_dims *d)
{
    return d->batch * d->t * d->dirs * d->h + nn_rec_z_size(d) + nn_rec_c_size(d);
}

/* A training workspace keeps Y, Z and C from the forward pass; its
 * temporary room holds dL/dY and the time loops' room. A forward-only one
 * has the states in its temporary room. */
void nn_rec_scratch(const nn_layer *prev, const nn_layer *row, size_t batch, int backward,
                    size_t *keep, size_t *bytes, size_t *temp)
{
    nn_rec_dims d = dims_of(prev, row, batch);
    *bytes = 0;
    *keep = backward ? states_size(&d) : 0;
    *temp = (backward ? d.batch * d.t * d.dirs * d.h : states_size(&d)) + nn_rec_temp_size(&d);
}

/* --- forward and backward ------------------------------------------------------------- */

/* The kept states of a pass: Y, Z, C in that order, from base. */
typedef struct {
    float *y, *z, *c;
} states;

static states states_at(const nn_rec_dims *d, float *base)
{
    states s = {.y = base};
    s.z = s.y + d->batch * d->t * d->dirs * d->h;
    s.c = s.z + nn_rec_z_size(d);
    return s;
}

/* in (batch, t, f) -> out: every step's Y (batch, t, dirs*h), or the last
 * states (batch, dirs*h): the forward direction's at step t-1, the
 * backward's at step 0. */
void nn_rec_layer_forward(const nn_layer_run *run, const float *in, float *out, size_t batch)
{
    nn_rec_dims d = dims_of(run->prev, run->layer, batch);
    float *base = run->keep != NULL ? run->keep : run->temp;
    states s = states_at(&d, base);
    float *loop_room = run->keep != NULL ? run->temp : base + states_size(&d);
    nn_rec_forward(&d, run->w, run->b, in, s.y, s.z, s.c, loop_room);
    if (run->keep != NULL)
        *run->kept_batch = batch;
    size_t width = d.dirs * d.h;
    if (run->layer->flags & NN_REC_SEQUENCE) {
        memcpy(out, s.y, batch * d.t * width * sizeof *out);
        return;
    }
    for (size_t i = 0; i < batch; i++)
        for (size_t dir = 0; dir < d.dirs; dir++)
            memcpy(out + i * width + dir * d.h,
                   s.y + (i * d.t + (dir ? 0 : d.t - 1)) * width + dir * d.h,
                   d.h * sizeof *out);
}

/* delta (the shape of out) -> dL/dY (batch, t, dirs*h) in dy, then
 * backpropagation through time. */
void nn_rec_layer_backward(const nn_layer_run *run, const float *in, const float *delta,
                           size_t batch, float *dw, float *dprev)
{
    nn_rec_dims d = dims_of(run->prev, run->layer, batch);
    states s = states_at(&d, run->keep);
    size_t width = d.dirs * d.h, n_y = batch * d.t * width;
    float *dy = run->temp;
    if (run->layer->flags & NN_REC_SEQUENCE) {
        memcpy(dy, delta, n_y * sizeof *dy);
    } else {
        memset(dy, 0, n_y * sizeof *dy);
        for (size_t i = 0; i < batch; i++)
            for (size_t dir = 0; dir < d.dirs; dir++)
                memcpy(dy + (i * d.t + (dir ? 0 : d.t - 1)) * width + dir * d.h,
                       delta + i * width + dir * d.h, d.h * sizeof *dy);
    }
    nn_rec_backward(&d, run->w, in, s.y, s.z, s.c, dy, dw, dprev, dy + n_y);
}

/* --- export ------------------------------------------------------------------------------ */

size_t nn_rec_npz(const nn_layer_run *run, nn_param_array out[2])
{
    out[0] = (nn_param_array){"W", {nn_rec_n_weights(run->prev, run->layer)}, 1, run->w};
    out[1] = (nn_param_array){"b", {nn_rec_n_biases(run->layer)}, 1, run->b};
    return 2;
}

/* cur as (T, N, F), the layout of ONNX's recurrent operators: an image
 * (N, C, H, W) becomes H steps of W*C features, channels last as nnclass
 * reads them (transposed to (H, N, W, C), then merged). */
static void graph_to_steps(nn_graph *g, const nn_layer *prev, size_t l)
{
    if (!g->spatial)
        return; /* already a sequence: a recurrent layer below kept every step */
    static const int64_t hnwc[4] = {2, 0, 3, 1};
    nn_graph_attr perm = {.name = "perm", .ints = hnwc, .n_ints = 4};
    nn_graph_step(g, "Transpose", "steps", l, &perm, 1);
    int64_t shape[3] = {0, 0, (int64_t)(prev->w * prev->c)};
    nn_graph_reshape(g, "seq", l, shape, 3);
    g->spatial = 0;
    g->sequence = 1;
}

/* The initializers W (dirs, g*h, f), R (dirs, g*h, h) and B (dirs, 2*g*h:
 * the input biases, then the recurrent ones: zero but gru's b_Rn) of layer
 * l, gathered from nnclass's layout. NN_E_NOMEM, or NN_OK. */
static nn_status graph_rec_params(nn_graph *g, const nn_layer_run *run, const nn_rec_dims *d,
                                  size_t l, nn_error *err)
{
    size_t gh = nn_rec_gates(d->cell) * d->h, nw = gh * d->f, nr = gh * d->h;
    size_t per_w = nw + nr, per_b = nn_rec_biases(d->cell, d->h, 1);
    float *w = malloc(d->dirs * (nw + nr + 2 * gh) * sizeof *w);
    if (w == NULL)
        return nn_fail(err, NN_E_NOMEM, "onnx: out of memory");
    float *r = w + d->dirs * nw, *b = r + d->dirs * nr;
    memset(b, 0, d->dirs * 2 * gh * sizeof *b);
    for (size_t dir = 0; dir < d->dirs; dir++) {
        memcpy(w + dir * nw, run->w + dir * per_w, nw * sizeof *w);
        memcpy(r + dir * nr, run->w + dir * per_w + nw, nr * sizeof *r);
        memcpy(b + dir * 2 * gh, run->b + dir * per_b, gh * sizeof *b);
        if (d->cell == NN_CELL_GRU) /* R_bn, after R_bz and R_br */
            memcpy(b + dir * 2 * gh + gh + 2 * d->h, run->b + dir * per_b + gh,
                   d->h * sizeof *b);
    }
    char name[3][16];
    const char *prefix[3] = {"W", "R", "B"};
    int64_t dims[3][3] = {{(int64_t)d->dirs, (int64_t)gh, (int64_t)d->f},
                          {(int64_t)d->dirs, (int64_t)gh, (int64_t)d->h},
                          {(int64_t)d->dirs, (int64_t)(2 * gh), 0}};
    const float *data[3] = {w, r, b};
    size_t count[3] = {d->dirs * nw, d->dirs * nr, d->dirs * 2 * gh};
    for (size_t i = 0; i < 3; i++) {
        snprintf(name[i], sizeof name[i], "%s%zu", prefix[i], l);
        g->tensor(g, name[i], dims[i], i == 2 ? 2 : 3, data[i], count[i]);
    }
    free(w);
    return NN_OK;
}

/* A recurrent layer as ONNX's LSTM, GRU or RNN operator (gates in the
 * order nnclass keeps them), then its output in nnclass's layout: every
 * step's Y (T, dirs, N, h) as (T, N, dirs*h), or the last states Y_h (dirs,
 * N, h) as (N, dirs*h). */
nn_status nn_rec_onnx(nn_graph *g, const nn_layer_run *run, size_t l, nn_error *err)
{
    static const char *const ops[] = {"RNN", "GRU", "LSTM"};
    nn_rec_dims d = dims_of(run->prev, run->layer, 1);
    graph_to_steps(g, run->prev, l);
    nn_status st = graph_rec_params(g, run, &d, l, err);
    if (st != NN_OK)
        return st;
    int seq = (run->layer->flags & NN_REC_SEQUENCE) != 0;
    char w[16], r[16], b[16], y[16], node[16];
    snprintf(w, sizeof w, "W%zu", l), snprintf(r, sizeof r, "R%zu", l);
    snprintf(b, sizeof b, "B%zu", l), snprintf(y, sizeof y, "y%zu", l);
    snprintf(node, sizeof node, "%s%zu", ops[d.cell], l);
    nn_graph_attr attrs[3] = {{.name = "hidden_size", .i = (int64_t)d.h},
                              {.name = "direction",
                               .s = d.dirs == 2 ? "bidirectional" : "forward"},
                              {.name = "linear_before_reset", .i = 1}};
    const char *in[4] = {g->cur, w, r, b}, *outs[2] = {seq ? y : "", y};
    g->node(g, ops[d.cell], node, in, 4, outs, seq ? 1 : 2, attrs,
            d.cell == NN_CELL_GRU ? 3 : 2);
    snprintf(g->cur, sizeof g->cur, "%s", y);
    if (seq) {
        static const int64_t tndh[4] = {0, 2, 1, 3};
        nn_graph_attr perm = {.name = "perm", .ints = tndh, .n_ints = 4};
        nn_graph_step(g, "Transpose", "yt", l, &perm, 1);
        int64_t shape[3] = {0, 0, (int64_t)(d.dirs * d.h)};
        nn_graph_reshape(g, "ys", l, shape, 3);
        g->sequence = 1;
    } else {
        static const int64_t ndh[3] = {1, 0, 2};
        nn_graph_attr perm = {.name = "perm", .ints = ndh, .n_ints = 3};
        nn_graph_step(g, "Transpose", "yt", l, &perm, 1);
        nn_graph_attr axis = {.name = "axis", .i = 1};
        nn_graph_step(g, "Flatten", "ys", l, &axis, 1);
        g->sequence = 0;
    }
    return NN_OK;
}
