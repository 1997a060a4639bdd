/* net_pass.c - the passes over a table: the workspace, the forward walk
 * (one image, a minibatch), and the loss with the backward walk. Each row
 * runs through its kind's operations; the walks never ask which kind.
 *
 * Shapes: the input of layer l is (batch, sizes[l-1]) and its output
 * (batch, sizes[l]), one sample per row, as each kind lays it out (see
 * nnclass/nn/layer.h); the last row's outputs are the output's scores. */
#include "nnclass/nn/net.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "layers/act.h"
#include "net_internal.h"

/* --- workspace ----------------------------------------------------------- */

struct nn_workspace {
    size_t max_batch;
    size_t n_layers;
    size_t sizes[NN_MAX_LAYERS];
    float *act[NN_MAX_LAYERS];   /* act[l], l >= 1: (max_batch, sizes[l]) outputs of layer l */
    float *delta[2];             /* (max_batch, widest non-input layer), backprop ping-pong */
    float *temp;                 /* temporary room shared by every layer */
    float *keep[NN_MAX_LAYERS];  /* per layer: floats kept from forward to backward */
    uint8_t *bytes[NN_MAX_LAYERS]; /* per layer: bytes kept from forward to backward */
    size_t kept_batch;           /* samples in keep[] since the last forward pass */
};

/* Layer l's room for max_batch samples, rounded up to whole aligned blocks. */
static void layer_room(const nn_net *net, size_t l, size_t max_batch, int backward,
                       size_t *keep, size_t *bytes, size_t *temp)
{
    const nn_layer *L = &net->layers[l];
    nn_layer_ops_of(L->kind)->scratch(&net->layers[l - 1], L, max_batch, backward, keep, bytes,
                                      temp);
    *keep = nn_round_up(*keep, NN_ALIGN_FLOATS);
    *temp = nn_round_up(*temp, NN_ALIGN_FLOATS);
    *bytes = nn_round_up(*bytes, NN_ALIGN);
}

/* Points the workspace's arrays into its block, past the header. */
static void workspace_carve(nn_workspace *ws, const nn_net *net, float *p, size_t delta_floats,
                            size_t temp, int backward)
{
    size_t max_batch = ws->max_batch;
    for (size_t l = 1; l < net->n_layers; l++) {
        ws->act[l] = p;
        p += nn_round_up(max_batch * nn_net_size(net, l), NN_ALIGN_FLOATS);
    }
    ws->delta[0] = p;
    ws->delta[1] = p + delta_floats;
    p += 2 * delta_floats;
    for (size_t l = 1; l < net->n_layers; l++) {
        size_t keep, bytes, t;
        layer_room(net, l, max_batch, backward, &keep, &bytes, &t);
        ws->keep[l] = keep > 0 ? p : NULL;
        p += keep;
    }
    ws->temp = p;
    p += temp;
    uint8_t *q = (uint8_t *)p;
    for (size_t l = 1; l < net->n_layers; l++) {
        size_t keep, bytes, t;
        layer_room(net, l, max_batch, backward, &keep, &bytes, &t);
        ws->bytes[l] = bytes > 0 ? q : NULL;
        q += bytes;
    }
}

static nn_status workspace_create(const nn_net *net, size_t max_batch, int backward,
                                  nn_workspace **out, nn_error *err)
{
    *out = NULL;
    if (max_batch == 0)
        return nn_fail(err, NN_E_ARG, "a workspace needs room for at least 1 image");
    /* Each size is <= NN_MAX_WIDTH (2^16) and there are < 16 layers: cap the batch
     * so that no product below can overflow, whatever the caller asks. */
    if (max_batch > ((size_t)1 << 32) / NN_MAX_LAYERS)
        return nn_fail(err, NN_E_TOO_LARGE, "a workspace for %zu images is too large",
                       max_batch);
    size_t widest = 0, floats = 0, temp = 0, n_bytes = 0;
    for (size_t l = 1; l < net->n_layers; l++) {
        size_t keep, bytes, t;
        layer_room(net, l, max_batch, backward, &keep, &bytes, &t);
        floats += nn_round_up(max_batch * nn_net_size(net, l), NN_ALIGN_FLOATS) + keep;
        temp = t > temp ? t : temp;
        n_bytes += bytes;
        if (nn_net_size(net, l) > widest)
            widest = nn_net_size(net, l);
    }
    size_t delta_floats = backward ? nn_round_up(max_batch * widest, NN_ALIGN_FLOATS) : 0;
    floats += 2 * delta_floats + temp;
    size_t head = nn_round_up(sizeof(nn_workspace), NN_ALIGN);
    size_t total = head + floats * sizeof(float) + n_bytes;
    unsigned char *block = aligned_alloc(NN_ALIGN, nn_round_up(total, NN_ALIGN));
    if (block == NULL)
        return nn_fail(err, NN_E_NOMEM, "out of memory for a workspace of %zu images",
                       max_batch);
    nn_workspace *ws = (nn_workspace *)block;
    memset(ws, 0, sizeof *ws);
    ws->max_batch = max_batch;
    ws->n_layers = net->n_layers;
    for (size_t l = 0; l < net->n_layers; l++)
        ws->sizes[l] = nn_net_size(net, l);
    workspace_carve(ws, net, (float *)(block + head), delta_floats, temp, backward);
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
    size_t per = 0, temp = 0;
    for (size_t l = 0; l < net->n_layers; l++)
        per += nn_net_size(net, l) * sizeof(float);
    for (size_t l = 1; l < net->n_layers; l++) {
        const nn_layer *L = &net->layers[l];
        size_t keep, bytes, t;
        nn_layer_ops_of(L->kind)->scratch(&net->layers[l - 1], L, 1, 0, &keep, &bytes, &t);
        if (t * sizeof(float) > temp)
            temp = t * sizeof(float);
    }
    size_t n = budget / (per + temp);
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
    if (ws->n_layers != net->n_layers || batch > ws->max_batch)
        return 0;
    for (size_t l = 0; l < net->n_layers; l++)
        if (ws->sizes[l] != nn_net_size(net, l))
            return 0;
    return 1;
}

/* --- one row's view -------------------------------------------------------------- */

/* Layer l's view of a pass on ws (NULL: no room of its own). */
static nn_layer_run layer_run(const nn_net *net, nn_workspace *ws, size_t l)
{
    const float *w = nn_net_weights(net, l);
    nn_layer_run run = {
        .prev = &net->layers[l - 1],
        .layer = &net->layers[l],
        .n_in = nn_net_size(net, l - 1),
        .n_out = nn_net_size(net, l),
        .w = w,
        .b = w + nn_net_layer_weights(net, l),
        .keep = ws != NULL ? ws->keep[l] : NULL,
        .temp = ws != NULL ? ws->temp : NULL,
        .bytes = ws != NULL ? ws->bytes[l] : NULL,
        .kept_batch = ws != NULL ? &ws->kept_batch : NULL,
        .last = l == net->n_layers - 1,
    };
    return run;
}

nn_layer_run nn_net_layer_run(const nn_net *net, size_t l)
{
    assert(l >= 1 && l < net->n_layers);
    return layer_run(net, NULL, l);
}

/* The loss at the end of the table: the one the last row's kind names, or
 * softmax with cross-entropy. */
static const nn_output_ops *net_output(const nn_net *net)
{
    const nn_output_ops *out = nn_layer_ops_of(net->layers[net->n_layers - 1].kind)->output;
    return out != NULL ? out : &nn_output_softmax_xent;
}

/* --- the forward walk ------------------------------------------------------------ */

const float *nn_net_forward(const nn_net *net, nn_workspace *ws, const float *x)
{
    assert(ws_fits(net, ws, 1));
    const float *a = x;
    size_t last = net->n_layers - 1;
    for (size_t l = 1; l <= last; l++) {
        nn_layer_run run = layer_run(net, ws, l);
        const nn_layer_ops *ops = nn_layer_ops_of(net->layers[l].kind);
        if (ops->forward_one != NULL)
            ops->forward_one(&run, a, ws->act[l]);
        else
            ops->forward(&run, a, ws->act[l], 1);
        a = ws->act[l];
    }
    net_output(net)->probs(ws->act[last], 1, nn_net_size(net, last));
    return ws->act[last];
}

/* Runs layers first..last of a minibatch from a, the (batch, sizes[first-1])
 * input of layer first: their outputs land in act[first..last], the last
 * row's scores in act[last]. */
static void forward_from(const nn_net *net, nn_workspace *ws, size_t first, const float *a,
                         size_t batch)
{
    for (size_t l = first; l < net->n_layers; l++) {
        nn_layer_run run = layer_run(net, ws, l);
        nn_layer_ops_of(net->layers[l].kind)->forward(&run, a, ws->act[l], batch);
        a = ws->act[l];
    }
}

const float *nn_net_forward_to(const nn_net *net, nn_workspace *ws, const float *x,
                               size_t batch, size_t upto)
{
    assert(ws_fits(net, ws, batch) && upto >= 1 && upto < net->n_layers);
    const float *a = x;
    for (size_t l = 1; l <= upto; l++) {
        nn_layer_run run = layer_run(net, ws, l);
        nn_layer_ops_of(net->layers[l].kind)->forward(&run, a, ws->act[l], batch);
        a = ws->act[l];
    }
    return a;
}

const float *nn_net_forward_batch(const nn_net *net, nn_workspace *ws, const float *x,
                                  size_t batch)
{
    assert(ws_fits(net, ws, batch));
    size_t last = net->n_layers - 1;
    forward_from(net, ws, 1, x, batch);
    net_output(net)->probs(ws->act[last], batch, nn_net_size(net, last));
    return ws->act[last];
}

/* --- the first layer shared out among threads ------------------------------------- */

int nn_net_splits_first(const nn_net *net)
{
    if (net->n_layers < 3)
        return 0;
    const nn_layer_ops *first = nn_layer_ops_of(net->layers[1].kind);
    const nn_layer_ops *second = nn_layer_ops_of(net->layers[2].kind);
    return first->forward_cols != NULL && first->grad_cols != NULL &&
           second->backward_cols != NULL;
}

void nn_net_forward_first(const nn_net *net, const float *x, size_t batch, size_t j0,
                          size_t j1, float *a1)
{
    assert(nn_net_splits_first(net) && j0 < j1 && j1 <= nn_net_size(net, 1) &&
           j0 % NN_FIRST_BLOCK == 0);
    nn_layer_run run = layer_run(net, NULL, 1);
    nn_layer_ops_of(net->layers[1].kind)->forward_cols(&run, x, batch, j0, j1, a1);
}

/* --- the loss and the backward walk ----------------------------------------------- */

/* Layer l's backward step from delta = dLoss/dZ_l: its gradient into grad
 * (the net's layout) and, when dprev is not NULL, dLoss/dZ_(l-1). With
 * split, layers 1 and 2 work on the columns [j0, j1) of layer 1 only. */
static void backward_step(const nn_net *net, nn_workspace *ws, size_t l, const float *in,
                          const float *delta, size_t batch, int split, size_t j0, size_t j1,
                          float *grad, float *dprev)
{
    const nn_layer_ops *ops = nn_layer_ops_of(net->layers[l].kind);
    const nn_layer *P = &net->layers[l - 1];
    nn_layer_run run = layer_run(net, ws, l);
    float *dw = grad + nn_net_layer_offset(net, l);
    if (split && l == 2) {
        ops->backward_cols(&run, in, delta, batch, j0, j1, P->act, dw, dprev);
    } else if (split && l == 1) {
        ops->grad_cols(&run, in, delta, batch, j0, j1, dw);
    } else {
        ops->backward(&run, in, delta, batch, dw, dprev);
        if (dprev != NULL)
            nn_act_grad(dprev, in, batch * run.n_in, P->act);
    }
}

/* The loss and the backward walk, once the forward pass has filled act[]
 * (layer 1's outputs in a1). Returns the summed loss. */
static double loss_backward(const nn_net *net, nn_workspace *ws, const float *x,
                            const float *a1, const nn_targets *targets, size_t batch,
                            size_t norm, size_t j0, size_t j1, float *grad, size_t *correct)
{
    size_t last = net->n_layers - 1;
    size_t right = 0;
    double loss = net_output(net)->loss_grad(ws->act[last], targets, batch, norm,
                                             nn_net_size(net, last), ws->delta[0], &right);
    const int split = nn_net_splits_first(net);
    int cur = 0;
    for (size_t l = last; l >= 1; l--) {
        const float *in = l == 1 ? x : l == 2 ? a1 : ws->act[l - 1];
        float *dprev = l > 1 ? ws->delta[1 - cur] : NULL;
        backward_step(net, ws, l, in, ws->delta[cur], batch, split, j0, j1, grad, dprev);
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
    assert(nn_net_splits_first(net) && ws_fits(net, ws, batch) && batch > 0);
    assert(j0 < j1 && j1 <= nn_net_size(net, 1) && j0 % NN_FIRST_BLOCK == 0);
    forward_from(net, ws, 2, a1, batch);
    nn_targets targets = {.labels = labels, .images = x}; /* see nn_net_loss_grad */
    double loss = loss_backward(net, ws, x, a1, &targets, batch, batch, j0, j1, grad, correct);
    return (float)(loss / (double)batch);
}

double nn_net_loss_grad_part(const nn_net *net, nn_workspace *ws, const float *x,
                             const uint8_t *labels, size_t batch, size_t norm, float *grad,
                             size_t *correct)
{
    nn_targets targets = {.labels = labels, .images = x}; /* see nn_net_loss_grad */
    return nn_net_loss_grad_targets(net, ws, x, &targets, batch, norm, grad, correct);
}

double nn_net_loss_grad_targets(const nn_net *net, nn_workspace *ws, const float *x,
                                const nn_targets *targets, size_t batch, size_t norm,
                                float *grad, size_t *correct)
{
    assert(ws_fits(net, ws, batch) && batch > 0 && norm >= batch);
    if (nn_net_splits_first(net)) {
        nn_net_forward_first(net, x, batch, 0, nn_net_size(net, 1), ws->act[1]);
        forward_from(net, ws, 2, ws->act[1], batch);
    } else {
        forward_from(net, ws, 1, x, batch);
    }
    return loss_backward(net, ws, x, ws->act[1], targets, batch, norm, 0, nn_net_size(net, 1),
                         grad, correct);
}

float nn_net_loss_grad(const nn_net *net, nn_workspace *ws, const float *x,
                       const uint8_t *labels, size_t batch, float *grad, size_t *correct)
{
    double loss = nn_net_loss_grad_part(net, ws, x, labels, batch, batch, grad, correct);
    return (float)(loss / (double)batch);
}
