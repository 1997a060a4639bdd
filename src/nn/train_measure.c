/* train_measure.c - what the trainer measures besides the gradient: the
 * learning rate of a step, and a net's accuracy and loss on held-out
 * images (a reconstruction loss for an autoencoder). */
#include <math.h>
#include <stdint.h>

#include "train_internal.h"

/* Learning rate of a step: epoch is 1-based, step counts minibatches from 0
 * over the whole run, total_steps is their number. */
float nn_train_lr_at(const nn_train_options *opt, size_t epoch, size_t step, size_t total_steps)
{
    switch (opt->schedule) {
    case NN_LR_CONSTANT:
        break;
    case NN_LR_STEP:
        return (float)((double)opt->lr *
                       pow((double)opt->step_gamma, (double)((epoch - 1) / opt->step_epochs)));
    case NN_LR_COSINE:
        return (float)((double)opt->lr * 0.5 *
                       (1.0 + cos(3.14159265358979323846 * (double)step / (double)total_steps)));
    }
    return opt->lr;
}

/* An autoencoder's mean loss (BCE per pixel) on the images idx[0..n),
 * into *loss; returns -1 (no accuracy). */
static double recon_loss_on(const nn_net *net, nn_workspace *ws, const nn_dataset *data,
                            const uint32_t *idx, size_t n, float *x, uint8_t *y, double *loss)
{
    size_t n_in = nn_net_size(net, 0), last = net->n_layers - 1;
    double loss_sum = 0.0;
    for (size_t start = 0; start < n; start += NN_TRAIN_VAL_CHUNK) {
        size_t bs = n - start < NN_TRAIN_VAL_CHUNK ? n - start : NN_TRAIN_VAL_CHUNK;
        nn_train_gather(data, idx + start, bs, idx + n, n_in, x, y);
        const float *z = nn_net_forward_to(net, ws, x, bs, last);
        loss_sum += nn_recon_loss(z, x, bs, n_in);
    }
    *loss = n > 0 ? loss_sum / (double)n : 0.0;
    return -1.0;
}

double nn_train_measure(const nn_net *net, nn_workspace *ws, const nn_dataset *data,
                          const uint32_t *idx, size_t n, float *x, uint8_t *y, double *loss)
{
    if (!nn_net_has_classes(net))
        return recon_loss_on(net, ws, data, idx, n, x, y, loss);
    size_t n_in = nn_net_size(net, 0), n_classes = nn_net_size(net, net->n_layers - 1);
    size_t right = 0;
    double loss_sum = 0.0;
    for (size_t start = 0; start < n; start += NN_TRAIN_VAL_CHUNK) {
        size_t bs = n - start < NN_TRAIN_VAL_CHUNK ? n - start : NN_TRAIN_VAL_CHUNK;
        nn_train_gather(data, idx + start, bs, idx + n, n_in, x, y);
        const float *probs = nn_net_forward_batch(net, ws, x, bs);
        for (size_t r = 0; r < bs; r++) {
            right += nn_argmax(probs + r * n_classes, n_classes) == y[r];
            /* cross-entropy of the true class, floored as a float's smallest
             * normal so that a confident mistake costs much, not infinity */
            float p = probs[r * n_classes + y[r]];
            loss_sum -= log(p > 1.17549435e-38f ? (double)p : 1.17549435e-38);
        }
    }
    *loss = n > 0 ? loss_sum / (double)n : 0.0;
    return n > 0 ? (double)right / (double)n : 0.0;
}

size_t nn_train_part_max(size_t batch)
{
    return (batch + NN_SHARDS - 1) / NN_SHARDS;
}

double nn_train_measure_held_out(const nn_net *net, nn_workspace *ws, const nn_dataset *data,
                            const uint32_t *idx, size_t n, size_t batch, float *x, uint8_t *y,
                            nn_seq_room *r, double *loss)
{
    if (data->seq == NULL)
        return nn_train_measure(net, ws, data, idx, n, x, y, loss);
    const size_t chunk = nn_train_part_max(batch);
    size_t n_in = nn_net_size(net, 0), last = net->n_layers - 1;
    size_t n_out = nn_net_size(net, last), right = 0;
    const nn_output_ops *out = nn_layer_ops_of(net->layers[last].kind)->output;
    double loss_sum = 0.0;
    for (size_t start = 0; start < n; start += chunk) {
        size_t bs = n - start < chunk ? n - start : chunk, ok = 0;
        nn_train_gather(data, idx + start, bs, idx + n, n_in, x, y);
        nn_train_gather_seq(data, idx + start, bs, r);
        /* the scores are the workspace's, which the loss may overwrite */
        float *z = (float *)nn_net_forward_to(net, ws, x, bs, last);
        nn_targets t = {.seq = r->seq, .seq_off = r->off, .images = x};
        /* the loss operation's count of samples read right is the accuracy */
        loss_sum += out->loss_grad(z, &t, bs, bs, n_out, r->delta, &ok);
        right += ok;
    }
    *loss = n > 0 ? loss_sum / (double)n : 0.0;
    return n > 0 ? (double)right / (double)n : 0.0;
}
