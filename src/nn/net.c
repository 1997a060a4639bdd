/* net.c - a network as a table of layers: checking and creating the
 * table, the parameter buffer and its initialisation. Every per-kind
 * question goes to the kind's row of operations (nn_layer_ops_of); the
 * passes over a minibatch are in net_pass.c, the text form in net_text.c.
 */
#include "nnclass/nn/net.h"

#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layers/act.h"
#include "net_internal.h"
#include "../base/vector_clones.h"

/* --- the layer table ------------------------------------------------------ */

nn_status nn_net_layer_shape(const nn_layer *prev, nn_layer *layer, int last, nn_error *err)
{
    /* The output row applies none: its act only records the net's (see
     * nn_net_hidden), which the constructors set. */
    nn_status st = last ? NN_OK : nn_check_act(layer->act, err);
    if (st != NN_OK)
        return st;
    const nn_layer_ops *ops = nn_layer_ops_of(layer->kind);
    if (ops == NULL || ops->is_input)
        return nn_fail(err, NN_E_ARG, "unknown layer kind %d", (int)layer->kind);
    st = ops->shape(prev, layer, err);
    if (st != NN_OK)
        return st;
    if (!last && ops->output != NULL)
        return nn_fail(err, NN_E_ARG, "a %s output must be the last layer", ops->name);
    if (last && !ops->can_be_output)
        return nn_fail(err, NN_E_ARG, "the output layer must be dense (one neuron per class)");
    return nn_check_out_size(layer, err);
}

size_t nn_net_layer_weights(const nn_net *net, size_t l)
{
    const nn_layer *L = &net->layers[l];
    return nn_layer_ops_of(L->kind)->n_weights(&net->layers[l - 1], L);
}

size_t nn_net_layer_biases(const nn_net *net, size_t l)
{
    return nn_layer_ops_of(net->layers[l].kind)->n_biases(&net->layers[l]);
}

int nn_net_is_dense(const nn_net *net)
{
    for (size_t l = 1; l < net->n_layers; l++) {
        if (!nn_layer_ops_of(net->layers[l].kind)->in_v1)
            return 0;
        if (l < net->n_layers - 1 && net->layers[l].act != nn_net_hidden(net))
            return 0;
    }
    return nn_net_hidden(net) != NN_ACT_NONE;
}

int nn_net_has_classes(const nn_net *net)
{
    return nn_layer_ops_of(net->layers[net->n_layers - 1].kind)->output == NULL;
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
static nn_status net_alloc(const nn_layer *layers, size_t n_layers, nn_net **out,
                           nn_error *err)
{
    nn_net probe;
    memset(&probe, 0, sizeof probe);
    probe.n_layers = n_layers;
    memcpy(probe.layers, layers, n_layers * sizeof layers[0]);
    size_t n_params = 0;
    for (size_t l = 1; l < n_layers; l++) {
        /* Every factor is capped, so no product below overflows 64 bits. */
        n_params += nn_net_layer_weights(&probe, l) + nn_net_layer_biases(&probe, l);
        if (n_params > NN_MAX_PARAMS)
            return nn_fail(err, NN_E_ARG, "the layers hold more than the cap of %zu "
                           "parameters", NN_MAX_PARAMS);
    }
    size_t head = nn_round_up(sizeof(nn_net), NN_ALIGN);
    size_t bytes = nn_round_up(head + n_params * sizeof(float), NN_ALIGN);
    unsigned char *block = aligned_alloc(NN_ALIGN, bytes);
    if (block == NULL)
        return nn_fail(err, NN_E_NOMEM, "out of memory for a network of %zu parameters",
                       n_params);
    memset(block, 0, bytes);
    nn_net *net = (nn_net *)block;
    *net = probe;
    net->n_params = n_params;
    net->params = (float *)(block + head);
    *out = net;
    return NN_OK;
}

nn_status nn_net_clone(const nn_net *net, nn_net **out, nn_error *err)
{
    nn_status st = net_alloc(net->layers, net->n_layers, out, err);
    if (st == NN_OK)
        memcpy((*out)->params, net->params, net->n_params * sizeof(float));
    return st;
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

/* The checks of a plain list of sizes. */
static nn_status check_sizes(const size_t *sizes, size_t n_layers, nn_activation hidden,
                             nn_error *err)
{
    for (size_t l = 0; l < n_layers; l++) {
        if (sizes[l] == 0)
            return nn_fail(err, NN_E_ARG, "layer %zu has 0 %s", l,
                           l == 0 ? "inputs" : "neurons");
        if (sizes[l] > NN_MAX_WIDTH)
            return nn_fail(err, NN_E_ARG, "layer %zu has %zu %s, more than the cap of %u", l,
                           sizes[l], l == 0 ? "inputs" : "neurons", NN_MAX_WIDTH);
    }
    size_t n_classes = sizes[n_layers - 1];
    nn_status st = check_classes(n_classes, err);
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
    return NN_OK;
}

nn_status nn_net_create(const size_t *sizes, size_t n_layers, nn_activation hidden,
                        nn_net **out, nn_error *err)
{
    nn_status st = check_layer_count(sizes != NULL, n_layers, out, err);
    if (st == NN_OK)
        st = check_sizes(sizes, n_layers, hidden, err);
    if (st != NN_OK)
        return st;
    /* A plain list is a table of dense rows sharing one hidden activation,
     * which the output row records (see nn_net_hidden). */
    nn_layer layers[NN_MAX_LAYERS];
    layers[0] = nn_layer_input_row(1, 1, sizes[0]);
    for (size_t l = 1; l < n_layers; l++)
        layers[l] = nn_layer_dense_row(sizes[l], hidden);
    return net_alloc(layers, n_layers, out, err);
}

nn_status nn_net_create_table(const nn_layer *layers, size_t n_layers, nn_net **out,
                              nn_error *err)
{
    nn_status st = check_layer_count(layers != NULL, n_layers, out, err);
    if (st != NN_OK)
        return st;
    nn_layer t[NN_MAX_LAYERS];
    memcpy(t, layers, n_layers * sizeof t[0]);
    const nn_layer_ops *in = nn_layer_ops_of(t[0].kind);
    if (in == NULL || !in->is_input)
        return nn_fail(err, NN_E_ARG, "row 0 must be an input of at least 1x1x1");
    st = in->shape(NULL, &t[0], err);
    if (st != NN_OK)
        return st;
    t[0].act = NN_ACT_NONE;
    for (size_t l = 1; l < n_layers; l++) {
        nn_error le = {{0}};
        if (nn_net_layer_shape(&t[l - 1], &t[l], l == n_layers - 1, &le) != NN_OK)
            return nn_fail(err, NN_E_ARG, "layer %zu (%s): %s", l, nn_layer_kind_name(t[l].kind),
                           le.msg);
    }
    t[n_layers - 1].act = n_layers > 2 ? t[1].act : NN_ACT_NONE; /* see nn_net_hidden */
    /* An output of its own (reconstruction) has no classes to count. */
    if (nn_layer_ops_of(t[n_layers - 1].kind)->output == NULL)
        st = check_classes(t[n_layers - 1].c, err);
    if (st != NN_OK)
        return st;
    return net_alloc(t, n_layers, out, err);
}

void nn_net_free(nn_net *net)
{
    free(net);
}

size_t nn_net_neurons(const nn_net *net)
{
    size_t n = 0;
    for (size_t l = 1; l < net->n_layers; l++)
        n += nn_net_size(net, l);
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

size_t nn_net_layer_offset(const nn_net *net, size_t l)
{
    size_t off = 0;
    for (size_t k = 1; k < l; k++)
        off += nn_net_layer_weights(net, k) + nn_net_layer_biases(net, k);
    return off;
}

float *nn_net_weights(const nn_net *net, size_t l)
{
    assert(l >= 1 && l < net->n_layers);
    return net->params + nn_net_layer_offset(net, l);
}

float *nn_net_biases(const nn_net *net, size_t l)
{
    assert(l >= 1 && l < net->n_layers);
    return net->params + nn_net_layer_offset(net, l) + nn_net_layer_weights(net, l);
}

/* The weights of one layer from its fans: He-normal for a hidden relu
 * layer, Glorot-uniform otherwise. */
static void init_weights(float *w, size_t n_w, size_t n_in, size_t n_out, int he,
                         nn_rng *rng)
{
    if (he) {
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

void nn_net_init(nn_net *net, nn_rng *rng)
{
    memset(net->params, 0, net->n_params * sizeof(float));
    if (nn_net_hidden(net) == NN_ACT_STEP)
        return; /* the perceptron starts from zero */
    for (size_t l = 1; l < net->n_layers; l++) {
        const nn_layer *L = &net->layers[l];
        const nn_layer_ops *ops = nn_layer_ops_of(L->kind);
        if (ops->init != NULL) { /* a kind with its own rule */
            float *w = nn_net_weights(net, l);
            ops->init(&net->layers[l - 1], L, w, w + nn_net_layer_weights(net, l), rng);
            continue;
        }
        size_t n_in = 0, n_out = 0;
        ops->fans(&net->layers[l - 1], L, &n_in, &n_out);
        if (n_in == 0)
            continue; /* nothing to initialise */
        int he = L->act == NN_ACT_RELU && l != net->n_layers - 1;
        init_weights(nn_net_weights(net, l), nn_net_layer_weights(net, l), n_in, n_out, he,
                     rng);
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

