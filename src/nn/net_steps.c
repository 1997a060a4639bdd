/* net_steps.c - how a recurrent net's answer forms step by step: the
 * probabilities the net would give if its input ended after each step.
 *
 * For a net whose last recurrent row hands its last step's state to the
 * rows after it (28x28,lstm128,10: the LSTM reads the 28 rows, the dense
 * layer answers), the same row with every step's state out, followed by
 * the rows after it applied to each step's state, gives one answer per
 * step; the last one is the net's own. Two nets are built for it from the
 * table and the parameters: the rows up to the recurrent one (every step
 * out), and an input of its width followed by the rest. */
#include "nnclass/nn/net.h"

#include <stdlib.h>
#include <string.h>

/* The row the steps are read from: the last recurrent row (one that may
 * keep every step), when it reads one way and gives its last step; 0 when
 * there is none such. */
static size_t steps_row(const nn_net *net)
{
    for (size_t l = net->n_layers - 1; l >= 1; l--) {
        const nn_layer *L = &net->layers[l];
        if (!(nn_layer_ops_of(L->kind)->known_flags & NN_REC_SEQUENCE))
            continue;
        return (L->flags & (NN_REC_SEQUENCE | NN_REC_BIDIRECTIONAL)) == 0 ? l : 0;
    }
    return 0;
}

size_t nn_net_steps(const nn_net *net)
{
    size_t r = steps_row(net);
    return r > 0 ? net->layers[r - 1].h : 0;
}

/* A net of rows (n of them) whose layers 1..copy-1 get the parameters of
 * net's layers from.., in order. */
static nn_status net_from_rows(const nn_net *net, const nn_layer *rows, size_t n, size_t copy,
                               size_t from, nn_net **out, nn_error *err)
{
    nn_status st = nn_net_create_table(rows, n, out, err);
    for (size_t l = 1; st == NN_OK && l < copy; l++)
        memcpy(nn_net_weights(*out, l), nn_net_weights(net, from + l - 1),
               (nn_net_layer_weights(net, from + l - 1) +
                nn_net_layer_biases(net, from + l - 1)) * sizeof(float));
    return st;
}

nn_status nn_net_step_probs(const nn_net *net, const float *x, float *probs, nn_error *err)
{
    size_t r = steps_row(net), steps = nn_net_steps(net);
    if (r == 0 || steps == 0)
        return nn_fail(err, NN_E_ARG, "the net has no one-way recurrent layer giving its "
                       "last step to the layers after it");
    /* head: the same table with every step out of row r (the rows after it
     * are only there to keep the table whole; they do not run). */
    nn_layer rows[NN_MAX_LAYERS];
    memcpy(rows, net->layers, net->n_layers * sizeof rows[0]);
    rows[r].flags |= NN_REC_SEQUENCE;
    nn_net *head = NULL, *tail = NULL;
    nn_workspace *wh = NULL, *wt = NULL;
    nn_status st = net_from_rows(net, rows, net->n_layers, r + 1, 1, &head, err);
    if (st == NN_OK) {
        rows[0] = nn_layer_input_row(1, 1, net->layers[r].c);
        memcpy(rows + 1, net->layers + r + 1, (net->n_layers - r - 1) * sizeof rows[0]);
        st = net_from_rows(net, rows, net->n_layers - r, net->n_layers - r, r + 1, &tail, err);
    }
    if (st == NN_OK)
        st = nn_workspace_create_forward(head, 1, &wh, err);
    if (st == NN_OK)
        st = nn_workspace_create_forward(tail, steps, &wt, err);
    if (st == NN_OK) {
        /* Every step's state (steps, units), then the rest on each of them
         * as a minibatch of steps. */
        const float *states = nn_net_forward_to(head, wh, x, 1, r);
        const float *p = nn_net_forward_batch(tail, wt, states, steps);
        memcpy(probs, p, steps * nn_net_size(net, net->n_layers - 1) * sizeof *probs);
    }
    nn_workspace_free(wh);
    nn_workspace_free(wt);
    nn_net_free(head);
    nn_net_free(tail);
    return st;
}
