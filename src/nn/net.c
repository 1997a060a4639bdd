/* net.c - the fully-connected network: creation, initialisation, the
 * one-image (sgemv) and minibatch (sgemm) forward passes, and the fused
 * softmax/cross-entropy loss with its backward pass.
 *
 * Shapes throughout: a minibatch X is (batch, n_in) row-major, one image per
 * row; layer l's weights W are (n_out, n_in) row-major, so the layer computes
 * Y = f(X·W^T + b), which cblas_sgemm does without any explicit transpose. */
#include "nnclass/nn/net.h"

#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "nnclass/base/vexp.h"
#include "net_internal.h"
#include "../base/vector_clones.h"

/* Buffers start on 64-byte boundaries (a cache line, an AVX-512 vector). */
#define NN_ALIGN 64u
#define NN_ALIGN_FLOATS (NN_ALIGN / sizeof(float))

static size_t round_up(size_t n, size_t to)
{
    return (n + to - 1) / to * to;
}

/* --- the layer table ------------------------------------------------------ */

const char *nn_layer_kind_name(nn_layer_kind kind)
{
    switch (kind) {
    case NN_LAYER_INPUT: return "input";
    case NN_LAYER_DENSE: return "dense";
    case NN_LAYER_CONV: return "conv";
    case NN_LAYER_POOL: return "pool";
    }
    return "unknown";
}

static size_t out_size(const nn_layer *l)
{
    return l->h * l->w * l->c;
}

nn_status nn_net_layer_shape(const nn_layer *prev, nn_layer *layer, int last, nn_error *err)
{
    if ((unsigned)layer->act > (unsigned)NN_ACT_NONE)
        return nn_fail(err, NN_E_ARG, "unknown activation %d", (int)layer->act);
    if (layer->act == NN_ACT_STEP)
        return nn_fail(err, NN_E_ARG, "the step activation is only for the perceptron");
    switch (layer->kind) {
    case NN_LAYER_DENSE:
        if (layer->c == 0)
            return nn_fail(err, NN_E_ARG, "a dense layer of 0 neurons");
        if (layer->c > NN_MAX_WIDTH)
            return nn_fail(err, NN_E_ARG, "%zu neurons, more than the cap of %u", layer->c,
                           NN_MAX_WIDTH);
        layer->h = layer->w = 1;
        break;
    case NN_LAYER_CONV:
        if (prev->kind == NN_LAYER_DENSE)
            return nn_fail(err, NN_E_ARG, "a conv layer cannot follow a dense layer");
        if (layer->k == 0 || layer->c == 0)
            return nn_fail(err, NN_E_ARG, "a conv layer needs a kernel and channels of at "
                           "least 1");
        if (layer->k > NN_MAX_KERNEL)
            return nn_fail(err, NN_E_ARG, "a %zux%zu kernel is more than the cap of %ux%u",
                           layer->k, layer->k, NN_MAX_KERNEL, NN_MAX_KERNEL);
        if (layer->c > NN_MAX_CHANNELS)
            return nn_fail(err, NN_E_ARG, "%zu channels, more than the cap of %u", layer->c,
                           NN_MAX_CHANNELS);
        if (layer->same && layer->k % 2 == 0)
            return nn_fail(err, NN_E_ARG, "'same' padding needs an odd kernel, not %zux%zu",
                           layer->k, layer->k);
        if (!layer->same && (layer->k > prev->h || layer->k > prev->w))
            return nn_fail(err, NN_E_ARG, "the %zux%zu kernel is bigger than its %zux%zu input",
                           layer->k, layer->k, prev->h, prev->w);
        layer->h = layer->same ? prev->h : prev->h - layer->k + 1;
        layer->w = layer->same ? prev->w : prev->w - layer->k + 1;
        break;
    case NN_LAYER_POOL:
        if (prev->kind == NN_LAYER_DENSE)
            return nn_fail(err, NN_E_ARG, "pooling cannot follow a dense layer");
        if (prev->h % 2 != 0 || prev->w % 2 != 0)
            return nn_fail(err, NN_E_ARG, "2x2 pooling of a %zux%zu input: its sides must be "
                           "even", prev->h, prev->w);
        layer->h = prev->h / 2;
        layer->w = prev->w / 2;
        layer->c = prev->c;
        layer->k = 2;
        break;
    default:
        return nn_fail(err, NN_E_ARG, "unknown layer kind %d", (int)layer->kind);
    }
    if (last && layer->kind != NN_LAYER_DENSE)
        return nn_fail(err, NN_E_ARG, "the output layer must be dense (one neuron per class)");
    if (layer->h * layer->w > NN_MAX_WIDTH || out_size(layer) > NN_MAX_WIDTH)
        return nn_fail(err, NN_E_ARG, "an output of %zux%zux%zu values, more than the cap of "
                       "%u", layer->h, layer->w, layer->c, NN_MAX_WIDTH);
    return NN_OK;
}

size_t nn_net_layer_weights(const nn_net *net, size_t l)
{
    const nn_layer *L = &net->layers[l];
    switch (L->kind) {
    case NN_LAYER_DENSE: return net->sizes[l] * net->sizes[l - 1];
    case NN_LAYER_CONV: return L->c * L->k * L->k * net->layers[l - 1].c;
    default: return 0;
    }
}

size_t nn_net_layer_biases(const nn_net *net, size_t l)
{
    const nn_layer *L = &net->layers[l];
    return L->kind == NN_LAYER_DENSE || L->kind == NN_LAYER_CONV ? L->c : 0;
}

int nn_net_is_dense(const nn_net *net)
{
    for (size_t l = 1; l < net->n_layers; l++) {
        if (net->layers[l].kind != NN_LAYER_DENSE)
            return 0;
        if (l < net->n_layers - 1 && net->layers[l].act != net->hidden)
            return 0;
    }
    return net->hidden != NN_ACT_NONE;
}

/* --- creation and bookkeeping -------------------------------------------- */

size_t nn_net_count_params(const size_t *sizes, size_t n_layers)
{
    if (sizes == NULL || n_layers < 2 || n_layers > NN_MAX_LAYERS)
        return 0;
    size_t total = 0;
    for (size_t l = 1; l < n_layers; l++) {
        /* Each size is capped before the product, so it cannot overflow 64 bits. */
        if (sizes[l] > NN_MAX_WIDTH || sizes[l - 1] > NN_MAX_WIDTH)
            return 0;
        total += sizes[l] * sizes[l - 1] + sizes[l];
        if (total > NN_MAX_PARAMS)
            return 0;
    }
    return total;
}

/* Allocates a net for a checked table: one block, the struct, then the
 * parameters on an aligned boundary. */
static nn_status net_alloc(const nn_layer *layers, size_t n_layers, nn_activation hidden,
                           nn_net **out, nn_error *err)
{
    nn_net probe;
    memset(&probe, 0, sizeof probe);
    probe.n_layers = n_layers;
    memcpy(probe.layers, layers, n_layers * sizeof layers[0]);
    size_t n_params = 0;
    for (size_t l = 0; l < n_layers; l++) {
        probe.sizes[l] = out_size(&layers[l]);
        if (l > 0) {
            /* Every factor is capped, so no product below overflows 64 bits. */
            n_params += nn_net_layer_weights(&probe, l) + nn_net_layer_biases(&probe, l);
            if (n_params > NN_MAX_PARAMS)
                return nn_fail(err, NN_E_ARG, "the layers hold more than the cap of %zu "
                               "parameters", NN_MAX_PARAMS);
        }
    }
    size_t head = round_up(sizeof(nn_net), NN_ALIGN);
    size_t bytes = round_up(head + n_params * sizeof(float), NN_ALIGN);
    unsigned char *block = aligned_alloc(NN_ALIGN, bytes);
    if (block == NULL)
        return nn_fail(err, NN_E_NOMEM, "out of memory for a network of %zu parameters",
                       n_params);
    memset(block, 0, bytes);
    nn_net *net = (nn_net *)block;
    *net = probe;
    net->hidden = hidden;
    net->n_params = n_params;
    net->params = (float *)(block + head);
    *out = net;
    return NN_OK;
}

/* The checks both constructors start with: somewhere to store the net, and
 * a layer count (input included) from 2 to NN_MAX_LAYERS. */
static nn_status check_layer_count(int have_layers, size_t n_layers, nn_net **out,
                                   nn_error *err)
{
    if (out == NULL)
        return nn_fail(err, NN_E_ARG, "no place to store the network");
    *out = NULL;
    if (!have_layers || n_layers < 2)
        return nn_fail(err, NN_E_ARG, "a network needs at least 2 layers (inputs and "
                       "outputs), got %zu", have_layers ? n_layers : (size_t)0);
    if (n_layers > NN_MAX_LAYERS)
        return nn_fail(err, NN_E_ARG, "%zu layers is more than the cap of %d (input "
                       "included)", n_layers, NN_MAX_LAYERS);
    return NN_OK;
}

/* The output layer's width: one neuron per class, 2 to NN_MAX_CLASSES. */
static nn_status check_classes(size_t n_classes, nn_error *err)
{
    if (n_classes < 2)
        return nn_fail(err, NN_E_ARG, "the output layer has 1 neuron; a classifier needs "
                       "at least 2 classes");
    if (n_classes > NN_MAX_CLASSES)
        return nn_fail(err, NN_E_ARG, "the output layer has %zu neurons, more than the cap "
                       "of %u classes", n_classes, NN_MAX_CLASSES);
    return NN_OK;
}

nn_status nn_net_create(const size_t *sizes, size_t n_layers, nn_activation hidden,
                        nn_net **out, nn_error *err)
{
    nn_status st = check_layer_count(sizes != NULL, n_layers, out, err);
    if (st != NN_OK)
        return st;
    for (size_t l = 0; l < n_layers; l++) {
        if (sizes[l] == 0)
            return nn_fail(err, NN_E_ARG, "layer %zu has 0 %s", l,
                           l == 0 ? "inputs" : "neurons");
        if (sizes[l] > NN_MAX_WIDTH)
            return nn_fail(err, NN_E_ARG, "layer %zu has %zu %s, more than the cap of %u", l,
                           sizes[l], l == 0 ? "inputs" : "neurons", NN_MAX_WIDTH);
    }
    size_t n_classes = sizes[n_layers - 1];
    st = check_classes(n_classes, err);
    if (st != NN_OK)
        return st;
    if ((unsigned)hidden > (unsigned)NN_ACT_NONE)
        return nn_fail(err, NN_E_ARG, "unknown activation %d", (int)hidden);
    if (hidden == NN_ACT_STEP && n_layers != 2)
        return nn_fail(err, NN_E_ARG, "the step activation (perceptron) takes no hidden "
                       "layer: use --layers %zu,%zu", sizes[0], n_classes);
    if (nn_net_count_params(sizes, n_layers) == 0)
        return nn_fail(err, NN_E_ARG, "the layers hold more than the cap of %zu parameters",
                       NN_MAX_PARAMS);
    nn_layer layers[NN_MAX_LAYERS];
    memset(layers, 0, sizeof layers);
    for (size_t l = 0; l < n_layers; l++) {
        layers[l].kind = l == 0 ? NN_LAYER_INPUT : NN_LAYER_DENSE;
        layers[l].act = l == 0 || l == n_layers - 1 ? NN_ACT_NONE : hidden;
        layers[l].h = layers[l].w = 1;
        layers[l].c = sizes[l];
    }
    if (n_layers == 2) /* the input-less hidden activation of a net without one */
        layers[1].act = NN_ACT_NONE;
    return net_alloc(layers, n_layers, hidden, out, err);
}

nn_status nn_net_create_table(const nn_layer *layers, size_t n_layers, nn_net **out,
                              nn_error *err)
{
    nn_status st = check_layer_count(layers != NULL, n_layers, out, err);
    if (st != NN_OK)
        return st;
    nn_layer t[NN_MAX_LAYERS];
    memcpy(t, layers, n_layers * sizeof t[0]);
    if (t[0].kind != NN_LAYER_INPUT || t[0].h == 0 || t[0].w == 0 || t[0].c == 0)
        return nn_fail(err, NN_E_ARG, "row 0 must be an input of at least 1x1x1");
    if (t[0].h > NN_MAX_SIDE || t[0].w > NN_MAX_SIDE || t[0].c > NN_MAX_CHANNELS ||
        out_size(&t[0]) > NN_MAX_WIDTH)
        return nn_fail(err, NN_E_ARG, "an input of %zux%zux%zu values is over the caps",
                       t[0].h, t[0].w, t[0].c);
    t[0].act = NN_ACT_NONE;
    for (size_t l = 1; l < n_layers; l++) {
        nn_error le = {{0}};
        if (nn_net_layer_shape(&t[l - 1], &t[l], l == n_layers - 1, &le) != NN_OK)
            return nn_fail(err, NN_E_ARG, "layer %zu (%s): %s", l, nn_layer_kind_name(t[l].kind),
                           le.msg);
    }
    t[n_layers - 1].act = NN_ACT_NONE;
    st = check_classes(t[n_layers - 1].c, err);
    if (st != NN_OK)
        return st;
    return net_alloc(t, n_layers, n_layers > 2 ? t[1].act : NN_ACT_NONE, out, err);
}

void nn_net_free(nn_net *net)
{
    free(net);
}

size_t nn_net_neurons(const nn_net *net)
{
    size_t n = 0;
    for (size_t l = 1; l < net->n_layers; l++)
        n += net->sizes[l];
    return n;
}

size_t nn_net_weights_count(const nn_net *net)
{
    size_t n = 0;
    for (size_t l = 1; l < net->n_layers; l++)
        n += nn_net_layer_weights(net, l);
    return n;
}

size_t nn_net_biases_count(const nn_net *net)
{
    size_t n = 0;
    for (size_t l = 1; l < net->n_layers; l++)
        n += nn_net_layer_biases(net, l);
    return n;
}

/* Offset of layer l's weights in params. */
static size_t layer_offset(const nn_net *net, size_t l)
{
    size_t off = 0;
    for (size_t k = 1; k < l; k++)
        off += nn_net_layer_weights(net, k) + nn_net_layer_biases(net, k);
    return off;
}

float *nn_net_weights(const nn_net *net, size_t l)
{
    assert(l >= 1 && l < net->n_layers);
    return net->params + layer_offset(net, l);
}

float *nn_net_biases(const nn_net *net, size_t l)
{
    assert(l >= 1 && l < net->n_layers);
    return net->params + layer_offset(net, l) + nn_net_layer_weights(net, l);
}

void nn_net_init(nn_net *net, nn_rng *rng)
{
    memset(net->params, 0, net->n_params * sizeof(float));
    if (net->hidden == NN_ACT_STEP)
        return; /* the perceptron starts from zero */
    for (size_t l = 1; l < net->n_layers; l++) {
        const nn_layer *L = &net->layers[l];
        if (L->kind == NN_LAYER_POOL)
            continue;
        size_t n_w = nn_net_layer_weights(net, l);
        /* Fan-in and fan-out: a dense layer's inputs and neurons; a conv
         * layer's inputs and outputs per position of its kernel. */
        size_t n_in = L->kind == NN_LAYER_CONV ? L->k * L->k * net->layers[l - 1].c
                                               : net->sizes[l - 1];
        size_t n_out = L->kind == NN_LAYER_CONV ? L->k * L->k * L->c : net->sizes[l];
        float *w = nn_net_weights(net, l);
        int output = l == net->n_layers - 1;
        if (L->act == NN_ACT_RELU && !output) {
            /* He-normal: N(0, 2 / n_in) keeps relu activations' variance. */
            float sd = (float)sqrt(2.0 / (double)n_in);
            for (size_t i = 0; i < n_w; i++)
                w[i] = sd * nn_rng_normal(rng);
        } else {
            /* Glorot-uniform: U(-r, r), r = sqrt(6 / (n_in + n_out)); also for the
             * output layer, which feeds a softmax rather than a relu. */
            float r = (float)sqrt(6.0 / (double)(n_in + n_out));
            for (size_t i = 0; i < n_w; i++)
                w[i] = r * (2.0f * nn_rng_uniform(rng) - 1.0f);
        }
    }
}

const char *nn_activation_name(nn_activation act)
{
    switch (act) {
    case NN_ACT_SIGMOID: return "sigmoid";
    case NN_ACT_RELU: return "relu";
    case NN_ACT_TANH: return "tanh";
    case NN_ACT_STEP: return "step";
    case NN_ACT_NONE: return "none";
    }
    return "unknown";
}

int nn_activation_parse(const char *name, nn_activation *out)
{
    static const nn_activation all[] = {NN_ACT_SIGMOID, NN_ACT_RELU, NN_ACT_TANH,
                                        NN_ACT_STEP, NN_ACT_NONE};
    if (name == NULL)
        return -1;
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (strcmp(name, nn_activation_name(all[i])) == 0) {
            *out = all[i];
            return 0;
        }
    return -1;
}

/* p / 255, correctly rounded, without a division (vector divisions made
 * scaling a minibatch cost half as much as a layer's sgemm):
 *
 *   p / 255 = p / 256 + p / (256 * 255)
 *
 * The first term is exact and the second 256 times smaller, so its rounding
 * error lies far below the sum's last place: for every byte the sum rounds to
 * the same bits as the float division (the tests try all 256). */
NN_VECTOR_CLONES
void nn_scale_pixels(const uint8_t *pixels, size_t n, float *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (float)pixels[i] * 0x1p-8f + (float)pixels[i] * (float)(1.0 / 65280.0);
}

size_t nn_argmax(const float *v, size_t n)
{
    size_t best = 0;
    for (size_t i = 1; i < n; i++)
        if (v[i] > v[best])
            best = i;
    return best;
}

size_t nn_first_nonfinite(const float *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return i;
    return n;
}

/* --- workspace ----------------------------------------------------------- */

struct nn_workspace {
    size_t max_batch;
    size_t n_layers;
    size_t sizes[NN_MAX_LAYERS];
    float *act[NN_MAX_LAYERS];   /* act[l], l >= 1: (max_batch, sizes[l]) outputs of layer l */
    float *delta[2];             /* (max_batch, widest non-input layer), backprop ping-pong */
    float *cols;                 /* forward only: a chunk of a conv layer's lowered input */
    /* With a backward pass: conv layer l's lowered input for the whole
     * minibatch, kept from the forward pass for the weight gradient, then
     * overwritten by the gradient of the lowered input. */
    float *lowered[NN_MAX_LAYERS];
    size_t lowered_batch;        /* images in lowered[] since the last forward pass */
    uint8_t *arg[NN_MAX_LAYERS]; /* pool layers: which of the 2x2 window won */
};

/* Images per sgemm of conv layer l: as many as fit NN_CONV_ROWS positions
 * of its output, at least one, at most batch. */
static size_t conv_chunk(const nn_layer *L, size_t batch)
{
    size_t per = NN_CONV_ROWS / (L->h * L->w);
    if (per == 0)
        per = 1;
    return per < batch ? per : batch;
}

/* Floats of conv layer l's lowered matrix for n images (0 for other kinds). */
static size_t lowered_floats(const nn_net *net, size_t l, size_t n)
{
    const nn_layer *L = &net->layers[l];
    if (L->kind != NN_LAYER_CONV)
        return 0;
    return n * L->h * L->w * L->k * L->k * net->layers[l - 1].c;
}

/* Floats of conv layer l's lowered matrix for one chunk (see conv_chunk). */
static size_t cols_floats(const nn_net *net, size_t l, size_t max_batch)
{
    return lowered_floats(net, l, conv_chunk(&net->layers[l], max_batch));
}

static nn_status workspace_create(const nn_net *net, size_t max_batch, int backward,
                                  nn_workspace **out, nn_error *err)
{
    *out = NULL;
    if (max_batch == 0)
        return nn_fail(err, NN_E_ARG, "a workspace needs room for at least 1 image");
    size_t widest = 0, floats = 0, cols = 0, bytes_arg = 0;
    size_t head = round_up(sizeof(nn_workspace), NN_ALIGN);
    /* Each size is <= NN_MAX_WIDTH (2^16) and there are < 16 layers: cap the batch
     * so that no product below can overflow, whatever the caller asks. */
    if (max_batch > ((size_t)1 << 32) / NN_MAX_LAYERS)
        return nn_fail(err, NN_E_TOO_LARGE, "a workspace for %zu images is too large",
                       max_batch);
    for (size_t l = 1; l < net->n_layers; l++) {
        floats += round_up(max_batch * net->sizes[l], NN_ALIGN_FLOATS);
        if (net->sizes[l] > widest)
            widest = net->sizes[l];
        if (backward) {
            cols += round_up(lowered_floats(net, l, max_batch), NN_ALIGN_FLOATS);
        } else {
            size_t c = round_up(cols_floats(net, l, max_batch), NN_ALIGN_FLOATS);
            if (c > cols)
                cols = c;
        }
        if (net->layers[l].kind == NN_LAYER_POOL)
            bytes_arg += round_up(max_batch * net->sizes[l], NN_ALIGN);
    }
    /* Conv and pool layers pass gradients down to their inputs too. */
    if (net->layers[1].kind != NN_LAYER_DENSE && net->sizes[0] > widest)
        widest = net->sizes[0];
    size_t delta_floats = backward ? round_up(max_batch * widest, NN_ALIGN_FLOATS) : 0;
    floats += 2 * delta_floats + cols;
    size_t bytes = head + floats * sizeof(float) + bytes_arg;
    unsigned char *block = aligned_alloc(NN_ALIGN, round_up(bytes, NN_ALIGN));
    if (block == NULL)
        return nn_fail(err, NN_E_NOMEM, "out of memory for a workspace of %zu images",
                       max_batch);
    nn_workspace *ws = (nn_workspace *)block;
    memset(ws, 0, sizeof *ws);
    ws->max_batch = max_batch;
    ws->n_layers = net->n_layers;
    memcpy(ws->sizes, net->sizes, sizeof ws->sizes);
    float *p = (float *)(block + head);
    for (size_t l = 1; l < net->n_layers; l++) {
        ws->act[l] = p;
        p += round_up(max_batch * net->sizes[l], NN_ALIGN_FLOATS);
    }
    ws->delta[0] = p;
    ws->delta[1] = p + delta_floats;
    p += 2 * delta_floats;
    if (backward) {
        for (size_t l = 1; l < net->n_layers; l++) {
            size_t c = round_up(lowered_floats(net, l, max_batch), NN_ALIGN_FLOATS);
            ws->lowered[l] = c > 0 ? p : NULL;
            p += c;
        }
    } else {
        ws->cols = p;
        p += cols;
    }
    uint8_t *q = (uint8_t *)p;
    for (size_t l = 1; l < net->n_layers; l++)
        if (net->layers[l].kind == NN_LAYER_POOL) {
            ws->arg[l] = q;
            q += round_up(max_batch * net->sizes[l], NN_ALIGN);
        }
    *out = ws;
    return NN_OK;
}

nn_status nn_workspace_create(const nn_net *net, size_t max_batch, nn_workspace **out,
                              nn_error *err)
{
    return workspace_create(net, max_batch, 1, out, err);
}

nn_status nn_workspace_create_forward(const nn_net *net, size_t max_batch, nn_workspace **out,
                                      nn_error *err)
{
    return workspace_create(net, max_batch, 0, out, err);
}

size_t nn_net_batch_for(const nn_net *net, size_t budget, size_t cap)
{
    size_t per = 0, cols = 0;
    for (size_t l = 0; l < net->n_layers; l++)
        per += net->sizes[l] * sizeof(float);
    for (size_t l = 1; l < net->n_layers; l++) {
        size_t c = cols_floats(net, l, 1) * sizeof(float);
        if (c > cols)
            cols = c;
    }
    size_t n = budget / (per + cols);
    return n < 1 ? 1 : n > cap ? cap : n;
}

void nn_workspace_free(nn_workspace *ws)
{
    free(ws);
}

const float *nn_workspace_output(const nn_workspace *ws, size_t l)
{
    assert(l >= 1 && l < ws->n_layers);
    return ws->act[l];
}

static inline int ws_fits(const nn_net *net, const nn_workspace *ws, size_t batch)
{
    return ws->n_layers == net->n_layers &&
           memcmp(ws->sizes, net->sizes, net->n_layers * sizeof net->sizes[0]) == 0 &&
           batch <= ws->max_batch;
}

/* --- activations ----------------------------------------------------------- */

/* The sigmoid 1 / (1 + e^-(z + b)) of Z (rows, n), rows stride floats
 * apart, in place. The exponentials go in one call when the rows are
 * contiguous. */
static void bias_sigmoid(float *z, size_t stride, const float *b, size_t rows, size_t n)
{
    for (size_t r = 0; r < rows; r++) {
        float *zr = z + r * stride;
        for (size_t j = 0; j < n; j++)
            zr[j] = -(zr[j] + b[j]);
    }
    if (stride == n)
        nn_vexp(z, rows * n);
    else
        for (size_t r = 0; r < rows; r++)
            nn_vexp(z + r * stride, n);
    for (size_t r = 0; r < rows; r++) {
        float *zr = z + r * stride;
        for (size_t j = 0; j < n; j++)
            zr[j] = 1.0f / (1.0f + zr[j]);
    }
}

/* Z is (rows, n) pre-activations without bias, row r starting at z + r * stride;
 * b is (n). A = f(Z + b), in place. */
static void bias_activate(float *z, size_t stride, const float *b, size_t rows, size_t n,
                          nn_activation act)
{
    switch (act) {
    case NN_ACT_SIGMOID:
        bias_sigmoid(z, stride, b, rows, n);
        break;
    case NN_ACT_RELU:
        for (size_t r = 0; r < rows; r++)
            for (size_t j = 0; j < n; j++) {
                float v = z[r * stride + j] + b[j];
                z[r * stride + j] = v > 0.0f ? v : 0.0f;
            }
        break;
    case NN_ACT_TANH:
        for (size_t r = 0; r < rows; r++)
            for (size_t j = 0; j < n; j++)
                z[r * stride + j] = tanhf(z[r * stride + j] + b[j]);
        break;
    case NN_ACT_STEP: /* never a hidden layer */
    case NN_ACT_NONE:
        for (size_t r = 0; r < rows; r++)
            for (size_t j = 0; j < n; j++)
                z[r * stride + j] += b[j];
        break;
    }
}

/* A = f(Z) for n values without a bias (pooling), in place. */
static void activate(float *z, size_t n, nn_activation act)
{
    static const float zero = 0.0f;
    if (act != NN_ACT_NONE)
        bias_activate(z, 1, &zero, n, 1, act);
}

/* d *= f'(z), for n values, with f' written in terms of the activation
 * a = f(z). */
static void act_grad(float *d, const float *a, size_t n, nn_activation act)
{
    switch (act) {
    case NN_ACT_SIGMOID: /* a (1 - a) */
        for (size_t i = 0; i < n; i++)
            d[i] *= a[i] * (1.0f - a[i]);
        break;
    case NN_ACT_RELU: /* 1 where a > 0 */
        for (size_t i = 0; i < n; i++)
            d[i] = a[i] > 0.0f ? d[i] : 0.0f;
        break;
    case NN_ACT_TANH: /* 1 - a^2 */
        for (size_t i = 0; i < n; i++)
            d[i] *= 1.0f - a[i] * a[i];
        break;
    case NN_ACT_STEP: /* no hidden layer has it */
    case NN_ACT_NONE:
        break;
    }
}

/* Rows a softmax handles per round, their argmax kept between passes. */
#define SOFTMAX_ROWS 64u

/* The first pass of a stable softmax over rows (<= SOFTMAX_ROWS) of Z,
 * (rows, n) logits without bias: adds the bias b to Z, records each row's
 * argmax in arg, and writes e^(z - the row's max) into e, which may be Z
 * itself; the exponentials go in one call. */
static void biased_exp(float *z, const float *b, size_t rows, size_t n, float *e, size_t *arg)
{
    for (size_t r = 0; r < rows; r++) {
        float *zr = z + r * n, *er = e + r * n;
        for (size_t j = 0; j < n; j++)
            zr[j] += b[j];
        arg[r] = nn_argmax(zr, n);
        float m = zr[arg[r]];
        for (size_t j = 0; j < n; j++)
            er[j] = zr[j] - m;
    }
    nn_vexp(e, rows * n);
}

/* Z is (rows, n) logits without bias; b is (n). Adds the bias, then takes
 * the stable softmax of every row, in place. */
static void bias_softmax(float *z, const float *b, size_t rows, size_t n)
{
    size_t arg[SOFTMAX_ROWS];
    for (size_t r0 = 0; r0 < rows; r0 += SOFTMAX_ROWS) {
        size_t k = rows - r0 < SOFTMAX_ROWS ? rows - r0 : SOFTMAX_ROWS;
        biased_exp(z + r0 * n, b, k, n, z + r0 * n, arg);
        for (size_t r = r0; r < r0 + k; r++) {
            float *zr = z + r * n;
            float s = 0.0f;
            for (size_t j = 0; j < n; j++)
                s += zr[j];
            float inv = 1.0f / s;
            for (size_t j = 0; j < n; j++)
                zr[j] *= inv;
        }
    }
}

/* The fused output layer: z (batch, n_classes) logits without bias. Per row,
 * with m the max logit and s = sum exp(z - m): loss = log s + m - z_y
 * (log-sum-exp, never overflows) and dLoss/dz = softmax(z) - onehot(y).
 * delta receives that, divided by norm because the loss is the mean over a
 * minibatch of norm images. Returns the summed loss; *right counts the rows
 * whose largest logit is y. */
static double softmax_xent_delta(float *z, const float *b, const uint8_t *labels,
                                 size_t batch, size_t norm, size_t n_classes, float *delta,
                                 size_t *right)
{
    size_t arg[SOFTMAX_ROWS];
    double loss = 0.0;
    float inv_batch = 1.0f / (float)norm;
    for (size_t r0 = 0; r0 < batch; r0 += SOFTMAX_ROWS) {
        size_t rows = batch - r0 < SOFTMAX_ROWS ? batch - r0 : SOFTMAX_ROWS;
        biased_exp(z + r0 * n_classes, b, rows, n_classes, delta + r0 * n_classes, arg);
        for (size_t i = 0; i < rows; i++) {
            const float *zr = z + (r0 + i) * n_classes;
            float *dr = delta + (r0 + i) * n_classes;
            size_t y = labels[r0 + i];
            float s = 0.0f;
            for (size_t j = 0; j < n_classes; j++)
                s += dr[j];
            loss += (double)(logf(s) + zr[arg[i]] - zr[y]);
            *right += arg[i] == y;
            float scale = inv_batch / s;
            for (size_t j = 0; j < n_classes; j++)
                dr[j] *= scale;
            dr[y] -= inv_batch;
        }
    }
    return loss;
}

/* --- dense layers: forward and backward ------------------------------------- */

/* One dense layer on a minibatch without bias and activation:
 * A_prev is (batch, n_in), W is (n_out, n_in) row-major;
 * Z = A_prev·W^T, (batch, n_out), via cblas_sgemm. */
static void dense_batch(const float *a_prev, const float *w, float *z, size_t batch,
                        size_t n_in, size_t n_out)
{
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)batch, (int)n_out, (int)n_in,
                1.0f, a_prev, (int)n_in, w, (int)n_in, 0.0f, z, (int)n_out);
}

/* Gradient of one layer from delta = dLoss/dZ, (batch, n_out) with rows ld
 * floats apart, and the layer's inputs A_prev (batch, n_in):
 * dW (n_out, n_in) = delta^T · A_prev via sgemm, db (n_out) = column sums of delta. */
static void layer_grad(const float *delta, size_t ld, const float *a_prev, size_t batch,
                       size_t n_in, size_t n_out, float *dw, float *db)
{
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)n_out, (int)n_in, (int)batch,
                1.0f, delta, (int)ld, a_prev, (int)n_in, 0.0f, dw, (int)n_in);
    memcpy(db, delta, n_out * sizeof(float));
    for (size_t r = 1; r < batch; r++) {
        const float *dr = delta + r * ld;
        for (size_t j = 0; j < n_out; j++)
            db[j] += dr[j];
    }
}

/* delta_prev = (delta (batch, n_out) · W (n_out, n_in)) ⊙ f'(A_prev), for the
 * columns [j0, j1) of the layer below only; delta_prev and A_prev are
 * (batch, n_in). f' is written in terms of the activation a = f(z). */
static void hidden_delta(const float *delta, const float *w, const float *a_prev,
                         size_t batch, size_t n_in, size_t n_out, size_t j0, size_t j1,
                         nn_activation act, float *dp)
{
    size_t n = j1 - j0;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)batch, (int)n, (int)n_out,
                1.0f, delta, (int)n_out, w + j0, (int)n_in, 0.0f, dp + j0, (int)n_in);
    for (size_t r = 0; r < batch; r++)
        act_grad(dp + r * n_in + j0, a_prev + r * n_in + j0, n, act);
}

/* --- conv layers: forward and backward --------------------------------------- */

/* Padding of a conv layer on each side. */
static size_t conv_pad(const nn_layer *L)
{
    return L->same ? (L->k - 1) / 2 : 0;
}

/* Copies or zeroes n floats. The runs of im2col are short (a kernel row of
 * a one-channel image is 5 floats), where a call to memcpy or memset costs
 * more than the copy itself: whole 16-byte blocks, then single floats. */
static inline void copy_floats(float *dst, const float *src, size_t n)
{
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        memcpy(dst + i, src + i, 4 * sizeof(float));
    for (; i < n; i++)
        dst[i] = src[i];
}

static inline void zero_floats(float *dst, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = 0.0f;
}

/* im2col for valid padding, where no patch overhangs: the common case,
 * without the bounds of the general loop below. */
static void im2col_valid(const nn_layer *P, const nn_layer *L, const float *in, size_t nb,
                         float *cols)
{
    const size_t W = P->w, C = P->c, k = L->k, K = k * k * C;
    for (size_t b = 0; b < nb; b++) {
        const float *img = in + b * P->h * W * C;
        for (size_t oy = 0; oy < L->h; oy++)
            for (size_t ox = 0; ox < L->w; ox++, cols += K) {
                const float *src = img + (oy * W + ox) * C;
                for (size_t ky = 0; ky < k; ky++)
                    copy_floats(cols + ky * k * C, src + ky * W * C, k * C);
            }
    }
}

/* im2col: lowers nb images in (nb, H, W, C_in) to cols (nb*Ho*Wo, k*k*C_in):
 * row (b, oy, ox) holds the k x k x C_in patch under the kernel at output
 * position (oy, ox), in (ky, kx, c) order, zeros where it overhangs. Each
 * kernel row of a patch is a run of C_in-float pixels that lie side by side
 * in the input, so it is copied in one piece. */
static void im2col(const nn_layer *P, const nn_layer *L, const float *in, size_t nb,
                   float *cols)
{
    const size_t H = P->h, W = P->w, C = P->c, k = L->k, pad = conv_pad(L);
    const size_t K = k * k * C;
    if (pad == 0) {
        im2col_valid(P, L, in, nb, cols);
        return;
    }
    for (size_t b = 0; b < nb; b++) {
        const float *img = in + b * H * W * C;
        for (size_t oy = 0; oy < L->h; oy++)
            for (size_t ox = 0; ox < L->w; ox++) {
                float *row = cols + ((b * L->h + oy) * L->w + ox) * K;
                /* Kernel columns kx in [kx0, kx1) fall inside the image. */
                size_t kx0 = ox < pad ? pad - ox : 0;
                size_t kx1 = W + pad - ox < k ? W + pad - ox : k;
                for (size_t ky = 0; ky < k; ky++) {
                    float *dst = row + ky * k * C;
                    size_t iy = oy + ky; /* row in the padded image */
                    if (iy < pad || iy - pad >= H) {
                        zero_floats(dst, k * C);
                        continue;
                    }
                    zero_floats(dst, kx0 * C);
                    copy_floats(dst + kx0 * C, img + ((iy - pad) * W + (ox + kx0 - pad)) * C,
                                (kx1 - kx0) * C);
                    zero_floats(dst + kx1 * C, (k - kx1) * C);
                }
            }
    }
}

/* col2im, the adjoint of im2col: dIn (nb, H, W, C_in) = the sum, over every
 * patch a pixel belongs to, of that patch's row of dcols. */
static void col2im(const nn_layer *P, const nn_layer *L, const float *dcols, size_t nb,
                   float *din)
{
    const size_t H = P->h, W = P->w, C = P->c, k = L->k, pad = conv_pad(L);
    const size_t K = k * k * C;
    memset(din, 0, nb * H * W * C * sizeof(float));
    for (size_t b = 0; b < nb; b++) {
        float *img = din + b * H * W * C;
        for (size_t oy = 0; oy < L->h; oy++)
            for (size_t ox = 0; ox < L->w; ox++) {
                const float *row = dcols + ((b * L->h + oy) * L->w + ox) * K;
                size_t kx0 = ox < pad ? pad - ox : 0;
                size_t kx1 = W + pad - ox < k ? W + pad - ox : k;
                for (size_t ky = 0; ky < k; ky++) {
                    size_t iy = oy + ky;
                    if (iy < pad || iy - pad >= H)
                        continue;
                    const float *src = row + (ky * k + kx0) * C;
                    float *dst = img + ((iy - pad) * W + (ox + kx0 - pad)) * C;
                    size_t n = (kx1 - kx0) * C;
                    for (size_t i = 0; i < n; i++)
                        dst[i] += src[i];
                }
            }
    }
}

/* Conv forward without bias and activation. in is (batch, H, W, C_in), W is
 * (C_out, K) with K = k*k*C_in, out is (batch, Ho, Wo, C_out). Per chunk of
 * images (see conv_chunk): cols (rows, K) = im2col(in); out (rows, C_out) =
 * cols · W^T via cblas_sgemm, which lands channels last as it is. With keep,
 * cols has room for the whole minibatch and keeps every chunk's lowered
 * input for conv_backward; otherwise each chunk reuses the same room. */
static void conv_forward(const nn_layer *P, const nn_layer *L, const float *in,
                         const float *w, float *out, size_t batch, float *cols, int keep)
{
    const size_t K = L->k * L->k * P->c, hw = L->h * L->w, in_size = P->h * P->w * P->c;
    const size_t per = conv_chunk(L, batch);
    for (size_t b0 = 0; b0 < batch; b0 += per) {
        size_t nb = batch - b0 < per ? batch - b0 : per;
        float *c = keep ? cols + b0 * hw * K : cols;
        im2col(P, L, in + b0 * in_size, nb, c);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)(nb * hw), (int)L->c, (int)K,
                    1.0f, c, (int)K, w, (int)K, 0.0f, out + b0 * hw * L->c, (int)L->c);
    }
}

/* Conv backward from delta = dLoss/dZ (batch, Ho, Wo, C_out) and cols, the
 * lowered input (batch*Ho*Wo, K) kept by the forward pass, chunk by chunk in
 * the forward pass's chunks and a fixed order: dW (C_out, K) += delta^T ·
 * cols via sgemm; db = the column sums of delta; when din is not NULL,
 * dcols = delta · W (over the chunk's cols, no longer needed) via sgemm and
 * din (batch, H, W, C_in) = col2im(dcols), before the activation's
 * derivative. */
static void conv_backward(const nn_layer *P, const nn_layer *L, const float *w,
                          const float *delta, size_t batch, float *dw, float *db, float *din,
                          float *cols)
{
    const size_t K = L->k * L->k * P->c, hw = L->h * L->w, in_size = P->h * P->w * P->c;
    const size_t C = L->c, per = conv_chunk(L, batch);
    for (size_t b0 = 0; b0 < batch; b0 += per) {
        size_t nb = batch - b0 < per ? batch - b0 : per;
        const float *d = delta + b0 * hw * C;
        float *c = cols + b0 * hw * K;
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)C, (int)K, (int)(nb * hw),
                    1.0f, d, (int)C, c, (int)K, b0 == 0 ? 0.0f : 1.0f, dw, (int)K);
        if (din != NULL) {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)(nb * hw), (int)K,
                        (int)C, 1.0f, d, (int)C, w, (int)K, 0.0f, c, (int)K);
            col2im(P, L, c, nb, din + b0 * in_size);
        }
    }
    memset(db, 0, C * sizeof(float));
    for (size_t r = 0; r < batch * hw; r++)
        for (size_t c = 0; c < C; c++)
            db[c] += delta[r * C + c];
}

/* --- pooling: forward and backward ---------------------------------------------- */

/* 2x2 max pooling, stride 2: in (batch, H, W, C) -> out (batch, H/2, W/2, C);
 * arg records which of the window's four inputs won (0 top left, 1 top
 * right, 2 bottom left, 3 bottom right; the first on ties). */
static void pool_forward(const nn_layer *P, const nn_layer *L, const float *in, float *out,
                         uint8_t *arg, size_t batch)
{
    const size_t W = P->w, C = P->c;
    size_t o = 0;
    for (size_t b = 0; b < batch; b++) {
        const float *img = in + b * P->h * W * C;
        for (size_t oy = 0; oy < L->h; oy++)
            for (size_t ox = 0; ox < L->w; ox++) {
                const float *p0 = img + (2 * oy * W + 2 * ox) * C;
                const float *q[4] = {p0, p0 + C, p0 + W * C, p0 + W * C + C};
                for (size_t c = 0; c < C; c++, o++) {
                    uint8_t best = 0;
                    float m = q[0][c];
                    for (uint8_t i = 1; i < 4; i++)
                        if (q[i][c] > m) {
                            m = q[i][c];
                            best = i;
                        }
                    out[o] = m;
                    arg[o] = best;
                }
            }
    }
}

/* The gradient of 2x2 max pooling: each output's delta goes to the input
 * that won its window, the other three get 0. din is (batch, H, W, C). */
static void pool_backward(const nn_layer *P, const nn_layer *L, const float *delta,
                          const uint8_t *arg, size_t batch, float *din)
{
    const size_t W = P->w, C = P->c;
    memset(din, 0, batch * P->h * W * C * sizeof(float));
    size_t o = 0;
    for (size_t b = 0; b < batch; b++) {
        float *img = din + b * P->h * W * C;
        for (size_t oy = 0; oy < L->h; oy++)
            for (size_t ox = 0; ox < L->w; ox++) {
                float *p0 = img + (2 * oy * W + 2 * ox) * C;
                for (size_t c = 0; c < C; c++, o++) {
                    size_t a = arg[o];
                    p0[((a >> 1) * W + (a & 1)) * C + c] = delta[o];
                }
            }
    }
}

/* --- the walks over the table ------------------------------------------------- */

/* Layer l of a minibatch from its input in (batch, sizes[l-1]): its output
 * lands in act[l]; the output layer's are logits without bias. */
static void layer_forward(const nn_net *net, nn_workspace *ws, size_t l, const float *in,
                          size_t batch)
{
    const nn_layer *L = &net->layers[l], *P = &net->layers[l - 1];
    float *out = ws->act[l];
    const float *w = nn_net_weights(net, l), *b = w + nn_net_layer_weights(net, l);
    switch (L->kind) {
    case NN_LAYER_DENSE:
        dense_batch(in, w, out, batch, net->sizes[l - 1], net->sizes[l]);
        if (l < net->n_layers - 1)
            bias_activate(out, net->sizes[l], b, batch, net->sizes[l], L->act);
        break;
    case NN_LAYER_CONV:
        if (ws->lowered[l] != NULL) {
            conv_forward(P, L, in, w, out, batch, ws->lowered[l], 1);
            ws->lowered_batch = batch;
        } else {
            conv_forward(P, L, in, w, out, batch, ws->cols, 0);
        }
        bias_activate(out, L->c, b, batch * L->h * L->w, L->c, L->act);
        break;
    case NN_LAYER_POOL:
        pool_forward(P, L, in, out, ws->arg[l], batch);
        activate(out, batch * net->sizes[l], L->act);
        break;
    case NN_LAYER_INPUT:
        break;
    }
}

/* Layer l's backward step from delta = dLoss/dZ_l (batch, sizes[l]): its
 * weight and bias gradients into grad (the net's layout), and, when dprev is
 * not NULL, dLoss/dZ_(l-1) (batch, sizes[l-1]) into dprev. in is the
 * layer's input (batch, sizes[l-1]). */
static void layer_backward(const nn_net *net, nn_workspace *ws, size_t l, const float *in,
                           const float *delta, size_t batch, float *grad, float *dprev)
{
    const nn_layer *L = &net->layers[l], *P = &net->layers[l - 1];
    size_t off = layer_offset(net, l), n_w = nn_net_layer_weights(net, l);
    const float *w = net->params + off;
    size_t n_in = net->sizes[l - 1], n_out = net->sizes[l];
    switch (L->kind) {
    case NN_LAYER_DENSE:
        layer_grad(delta, n_out, in, batch, n_in, n_out, grad + off, grad + off + n_w);
        if (dprev != NULL)
            hidden_delta(delta, w, in, batch, n_in, n_out, 0, n_in, P->act, dprev);
        return;
    case NN_LAYER_CONV:
        assert(ws->lowered[l] != NULL && ws->lowered_batch == batch);
        conv_backward(P, L, w, delta, batch, grad + off, grad + off + n_w, dprev,
                      ws->lowered[l]);
        break;
    case NN_LAYER_POOL:
        if (dprev != NULL)
            pool_backward(P, L, delta, ws->arg[l], batch, dprev);
        break;
    case NN_LAYER_INPUT:
        return;
    }
    if (dprev != NULL)
        act_grad(dprev, in, batch * n_in, P->act);
}

const float *nn_net_forward(const nn_net *net, nn_workspace *ws, const float *x)
{
    assert(ws_fits(net, ws, 1));
    const float *a = x;
    size_t last = net->n_layers - 1;
    for (size_t l = 1; l <= last; l++) {
        if (net->layers[l].kind != NN_LAYER_DENSE) {
            layer_forward(net, ws, l, a, 1);
            a = ws->act[l];
            continue;
        }
        size_t n_in = net->sizes[l - 1], n_out = net->sizes[l];
        float *z = ws->act[l];
        /* W is (n_out, n_in) row-major; z = W·a via cblas_sgemv, then f(z + b). */
        cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)n_out, (int)n_in, 1.0f,
                    nn_net_weights(net, l), (int)n_in, a, 1, 0.0f, z, 1);
        if (l == last)
            bias_softmax(z, nn_net_biases(net, l), 1, n_out);
        else
            bias_activate(z, n_out, nn_net_biases(net, l), 1, n_out, net->layers[l].act);
        a = z;
    }
    return a;
}

/* Runs layers first..last of a minibatch from a, the (batch, sizes[first-1])
 * input of layer first: the hidden layers' outputs land in act[first..last-1]
 * and the output layer's logits, without bias, in act[last]. */
static void forward_from(const nn_net *net, nn_workspace *ws, size_t first, const float *a,
                         size_t batch)
{
    for (size_t l = first; l < net->n_layers; l++) {
        layer_forward(net, ws, l, a, batch);
        a = ws->act[l];
    }
}

const float *nn_net_forward_batch(const nn_net *net, nn_workspace *ws, const float *x,
                                  size_t batch)
{
    assert(ws_fits(net, ws, batch));
    size_t last = net->n_layers - 1;
    forward_from(net, ws, 1, x, batch);
    bias_softmax(ws->act[last], nn_net_biases(net, last), batch, net->sizes[last]);
    return ws->act[last];
}

/* The next block boundary after j, capped at j1. */
static size_t block_end(size_t j, size_t j1)
{
    size_t end = (j / NN_FIRST_BLOCK + 1) * NN_FIRST_BLOCK;
    return end < j1 ? end : j1;
}

/* A dense net with a hidden layer: its first layer goes in blocks. */
static int split_first(const nn_net *net)
{
    return net->layers[1].kind == NN_LAYER_DENSE && net->n_layers >= 3;
}

void nn_net_forward_first(const nn_net *net, const float *x, size_t batch, size_t j0,
                          size_t j1, float *a1)
{
    assert(split_first(net) && j0 < j1 && j1 <= net->sizes[1] && j0 % NN_FIRST_BLOCK == 0);
    size_t n_in = net->sizes[0], n1 = net->sizes[1];
    const float *w = nn_net_weights(net, 1), *b = nn_net_biases(net, 1);
    for (size_t j = j0; j < j1; j = block_end(j, j1)) {
        size_t n = block_end(j, j1) - j;
        /* Columns j..j+n of A1 (batch, n1) = X · W1[j:j+n]^T, then f(· + b). */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)batch, (int)n, (int)n_in,
                    1.0f, x, (int)n_in, w + j * n_in, (int)n_in, 0.0f, a1 + j, (int)n1);
        bias_activate(a1 + j, n1, b + j, batch, n, net->layers[1].act);
    }
}

/* The loss and the backward walk, once the forward pass has filled act[]
 * (layer 1's outputs in a1). Layer 1 of a dense net with a hidden layer
 * goes in blocks, only [j0, j1) (see nn_net_loss_grad_from_first); every
 * other layer is one row of the table. Returns the summed loss. */
static double loss_backward(const nn_net *net, nn_workspace *ws, const float *x,
                            const float *a1, const uint8_t *labels, size_t batch, size_t norm,
                            size_t j0, size_t j1, float *grad, size_t *correct)
{
    size_t last = net->n_layers - 1;
    size_t right = 0;
    double loss = softmax_xent_delta(ws->act[last], nn_net_biases(net, last), labels, batch,
                                     norm, net->sizes[last], ws->delta[0], &right);
    const int split = split_first(net);
    int cur = 0;
    for (size_t l = last; l >= 1; l--) {
        const float *in = l == 1 ? x : l == 2 ? a1 : ws->act[l - 1];
        const float *delta = ws->delta[cur];
        float *dprev = l > 1 ? ws->delta[1 - cur] : NULL;
        if (split && l == 2) {
            /* Only the owned columns of layer 1's delta, block by block. */
            size_t n_in = net->sizes[1], n_out = net->sizes[2], off = layer_offset(net, 2);
            layer_grad(delta, n_out, in, batch, n_in, n_out, grad + off,
                       grad + off + n_out * n_in);
            for (size_t j = j0; j < j1; j = block_end(j, j1))
                hidden_delta(delta, net->params + off, in, batch, n_in, n_out, j,
                             block_end(j, j1), net->layers[1].act, dprev);
        } else if (split && l == 1) {
            /* Rows [j0, j1) of dW1 and entries of db1, block by block. */
            size_t n_in = net->sizes[0], n1 = net->sizes[1];
            float *dw1 = grad, *db1 = grad + n1 * n_in;
            for (size_t j = j0; j < j1; j = block_end(j, j1))
                layer_grad(delta + j, n1, x, batch, n_in, block_end(j, j1) - j,
                           dw1 + j * n_in, db1 + j);
        } else {
            layer_backward(net, ws, l, in, delta, batch, grad, dprev);
        }
        cur = 1 - cur;
    }
    if (correct != NULL)
        *correct = right;
    return loss;
}

float nn_net_loss_grad_from_first(const nn_net *net, nn_workspace *ws, const float *x,
                                  const float *a1, const uint8_t *labels, size_t batch,
                                  size_t j0, size_t j1, float *grad, size_t *correct)
{
    assert(split_first(net) && ws_fits(net, ws, batch) && batch > 0);
    assert(j0 < j1 && j1 <= net->sizes[1] && j0 % NN_FIRST_BLOCK == 0);
    forward_from(net, ws, 2, a1, batch);
    double loss = loss_backward(net, ws, x, a1, labels, batch, batch, j0, j1, grad, correct);
    return (float)(loss / (double)batch);
}

double nn_net_loss_grad_part(const nn_net *net, nn_workspace *ws, const float *x,
                             const uint8_t *labels, size_t batch, size_t norm, float *grad,
                             size_t *correct)
{
    assert(ws_fits(net, ws, batch) && batch > 0 && norm >= batch);
    if (split_first(net)) {
        nn_net_forward_first(net, x, batch, 0, net->sizes[1], ws->act[1]);
        forward_from(net, ws, 2, ws->act[1], batch);
    } else {
        forward_from(net, ws, 1, x, batch);
    }
    return loss_backward(net, ws, x, ws->act[1], labels, batch, norm, 0, net->sizes[1], grad,
                         correct);
}

float nn_net_loss_grad(const nn_net *net, nn_workspace *ws, const float *x,
                       const uint8_t *labels, size_t batch, float *grad, size_t *correct)
{
    double loss = nn_net_loss_grad_part(net, ws, x, labels, batch, batch, grad, correct);
    return (float)(loss / (double)batch);
}

/* --- the table as text --------------------------------------------------------- */

/* Parses a whole decimal number of up to 9 digits at *p, advancing *p;
 * -1 when there is none. */
static long parse_num(const char **p)
{
    long v = 0;
    int digits = 0;
    while (**p >= '0' && **p <= '9') {
        if (++digits > 9)
            return -1;
        v = v * 10 + (**p - '0');
        (*p)++;
    }
    return digits > 0 ? v : -1;
}

/* After a number read (prev >= 0), the next of "AxB": the number after an
 * 'x'; -1 if there is none. */
static long parse_times(const char **p, long prev)
{
    if (prev < 0 || **p != 'x')
        return -1;
    (*p)++;
    return parse_num(p);
}

/* The parsers of one kind of token (NUL-terminated, without its :ACT) into
 * *layer, which starts zeroed. Each returns NULL on success, or what the
 * token should look like. */

/* "RxC" (an image) or "N" (N inputs). */
static const char *parse_input(const char *p, nn_layer *layer)
{
    long r = parse_num(&p);
    layer->kind = NN_LAYER_INPUT;
    layer->h = layer->w = layer->c = 1;
    if (r >= 0 && *p == '\0') {
        layer->c = (size_t)r;
        return NULL;
    }
    long c = parse_times(&p, r);
    if (c < 0 || *p != '\0')
        return "the input must be RxC (e.g. 28x28) or a number of inputs";
    layer->h = (size_t)r;
    layer->w = (size_t)c;
    return NULL;
}

/* "convKxKxC", "convKxKxC-valid" or "convKxKxC-same", after "conv". */
static const char *parse_conv(const char *p, nn_layer *layer)
{
    long k1 = parse_num(&p);
    long k2 = parse_times(&p, k1);
    long c = parse_times(&p, k2);
    int same = strcmp(p, "-same") == 0;
    if (c < 0 || (*p != '\0' && !same && strcmp(p, "-valid") != 0))
        return "a conv layer is convKxKxC, optionally with -same or -valid (e.g. conv5x5x16)";
    if (k1 != k2)
        return "kernels are square: convKxKxC with the same K twice";
    layer->kind = NN_LAYER_CONV;
    layer->same = same;
    layer->k = (size_t)k1;
    layer->c = (size_t)c;
    return NULL;
}

/* "pool2", after "pool". */
static const char *parse_pool(const char *p, nn_layer *layer)
{
    if (parse_num(&p) != 2 || *p != '\0')
        return "pooling is pool2 (2x2 max pooling, stride 2)";
    layer->kind = NN_LAYER_POOL;
    layer->act = NN_ACT_NONE;
    return NULL;
}

/* "N": a dense layer of N neurons. */
static const char *parse_dense(const char *p, nn_layer *layer)
{
    long n = parse_num(&p);
    if (n < 0 || *p != '\0')
        return "expected a number of neurons, convKxKxC or pool2";
    layer->kind = NN_LAYER_DENSE;
    layer->c = (size_t)n;
    return NULL;
}

/* Parses one token into *layer; first says whether it is the input. 0 on
 * success, -1 with *why set. */
static int parse_token(const char *tok, int first, nn_layer *layer, const char **why)
{
    memset(layer, 0, sizeof *layer);
    if (first)
        *why = parse_input(tok, layer);
    else if (strncmp(tok, "conv", 4) == 0)
        *why = parse_conv(tok + 4, layer);
    else if (strncmp(tok, "pool", 4) == 0)
        *why = parse_pool(tok + 4, layer);
    else
        *why = parse_dense(tok, layer);
    return *why != NULL ? -1 : 0;
}

nn_status nn_net_parse_table(const char *spec, nn_activation def_act, nn_layer *layers,
                             size_t *n, nn_error *err)
{
    *n = 0;
    if (spec == NULL || spec[0] == '\0')
        return nn_fail(err, NN_E_ARG, "empty list; expected e.g. 784,16,10 or "
                       "28x28,conv5x5x16,pool2,10");
    size_t count = 0;
    const char *p = spec;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma != NULL ? (size_t)(comma - p) : strlen(p);
        char tok[64];
        int last = comma == NULL;
        if (len == 0)
            return nn_fail(err, NN_E_ARG, "'%s' has an empty entry", spec);
        if (len >= sizeof tok)
            return nn_fail(err, NN_E_ARG, "'%.*s...': not a layer", 20, p);
        memcpy(tok, p, len);
        tok[len] = '\0';
        if (count == NN_MAX_LAYERS)
            return nn_fail(err, NN_E_ARG, "'%s': more than %d layers (input included)", tok,
                           NN_MAX_LAYERS);
        char body[64];
        memcpy(body, tok, len + 1);
        char *colon = strchr(body, ':');
        nn_layer *L = &layers[count];
        const char *why = NULL;
        if (colon != NULL)
            *colon = '\0';
        if (parse_token(body, count == 0, L, &why) != 0)
            return nn_fail(err, NN_E_ARG, "'%s': %s", tok, why);
        if (count > 0 && L->kind != NN_LAYER_POOL)
            L->act = def_act;
        if (colon != NULL) {
            nn_activation a;
            if (count == 0)
                return nn_fail(err, NN_E_ARG, "'%s': the input takes no activation", tok);
            if (last)
                return nn_fail(err, NN_E_ARG, "'%s': the output layer is always a softmax",
                               tok);
            if (nn_activation_parse(colon + 1, &a) != 0 || a == NN_ACT_STEP)
                return nn_fail(err, NN_E_ARG, "'%s': unknown activation '%s' (expected relu, "
                               "sigmoid, tanh or none)", tok, colon + 1);
            L->act = a;
        }
        if (count == 0) {
            if (L->h == 0 || L->w == 0 || L->c == 0)
                return nn_fail(err, NN_E_ARG, "'%s': the input has 0 pixels", tok);
            if (L->h > NN_MAX_SIDE || L->w > NN_MAX_SIDE || L->h * L->w * L->c > NN_MAX_WIDTH)
                return nn_fail(err, NN_E_ARG, "'%s': more inputs than the cap of %u", tok,
                               NN_MAX_WIDTH);
        } else {
            const nn_layer *P = &layers[count - 1];
            if (L->kind != NN_LAYER_DENSE && P->kind == NN_LAYER_INPUT && P->h == 1 &&
                P->w == 1)
                return nn_fail(err, NN_E_ARG, "'%s': a %s layer needs the input as RxC "
                               "(e.g. 28x28), not a number of inputs", tok,
                               nn_layer_kind_name(L->kind));
            nn_error le = {{0}};
            if (nn_net_layer_shape(P, L, last, &le) != NN_OK)
                return nn_fail(err, NN_E_ARG, "'%s': %s", tok, le.msg);
            if (last && (L->c < 2 || L->c > NN_MAX_CLASSES))
                return nn_fail(err, NN_E_ARG, "'%s': the output layer needs 2 to %u classes",
                               tok, NN_MAX_CLASSES);
        }
        count++;
        if (last)
            break;
        p = comma + 1;
    }
    if (count < 2)
        return nn_fail(err, NN_E_ARG, "'%s': needs at least an input and an output layer",
                       spec);
    layers[count - 1].act = NN_ACT_NONE;
    *n = count;
    return NN_OK;
}

void nn_net_format_table(const nn_net *net, nn_activation def_act, char *out, size_t cap)
{
    size_t n = 0;
    if (cap == 0)
        return;
    out[0] = '\0';
    for (size_t l = 0; l < net->n_layers && n < cap; l++) {
        const nn_layer *L = &net->layers[l];
        char tok[64];
        switch (L->kind) {
        case NN_LAYER_INPUT:
            if (L->h == 1 && L->w == 1)
                snprintf(tok, sizeof tok, "%zu", L->c);
            else
                snprintf(tok, sizeof tok, "%zux%zu", L->h, L->w);
            break;
        case NN_LAYER_DENSE: snprintf(tok, sizeof tok, "%zu", L->c); break;
        case NN_LAYER_CONV:
            snprintf(tok, sizeof tok, "conv%zux%zux%zu%s", L->k, L->k, L->c,
                     L->same ? "-same" : "");
            break;
        case NN_LAYER_POOL: snprintf(tok, sizeof tok, "pool2"); break;
        }
        nn_activation usual = L->kind == NN_LAYER_POOL ? NN_ACT_NONE : def_act;
        int hidden = l > 0 && l < net->n_layers - 1;
        int w = snprintf(out + n, cap - n, "%s%s%s%s", l > 0 ? "," : "", tok,
                         hidden && L->act != usual ? ":" : "",
                         hidden && L->act != usual ? nn_activation_name(L->act) : "");
        if (w < 0)
            break;
        n += (size_t)w;
    }
}
