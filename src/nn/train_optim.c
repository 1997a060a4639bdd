/* train_optim.c - the optimisers (SGD, heavy-ball and Nesterov momentum,
 * Adam) with L2 weight decay on the weights, over the net's parameter
 * buffer. */
#include <math.h>

#include "train_internal.h"
#include "../base/vector_clones.h"

#define ADAM_BETA1 0.9f
#define ADAM_BETA2 0.999f
#define ADAM_EPS 1e-8f

/* One update of n parameters p from their gradient g, with L2 decay wd
 * (0 for biases) added to the gradient. v and s are the state of the same
 * n parameters. Every branch is one fused pass. */
NN_VECTOR_CLONES
static void update_span(const optimiser *o, float lr, float wd, float *p, const float *g,
                        float *v, float *s, size_t n)
{
    const float mu = o->opt->momentum;
    switch (o->opt->optimizer) {
    case NN_OPT_SGD:
        for (size_t i = 0; i < n; i++)
            p[i] -= lr * (g[i] + wd * p[i]);
        break;
    case NN_OPT_MOMENTUM: /* v = mu v + g; p -= lr v */
        for (size_t i = 0; i < n; i++) {
            float gi = g[i] + wd * p[i];
            v[i] = mu * v[i] + gi;
            p[i] -= lr * v[i];
        }
        break;
    case NN_OPT_NESTEROV: /* v = mu v + g; p -= lr (g + mu v) */
        for (size_t i = 0; i < n; i++) {
            float gi = g[i] + wd * p[i];
            v[i] = mu * v[i] + gi;
            p[i] -= lr * (gi + mu * v[i]);
        }
        break;
    case NN_OPT_ADAM: {
        /* m = b1 m + (1-b1) g; s = b2 s + (1-b2) g^2;
         * p -= lr (m / c1) / (sqrt(s / c2) + eps), c = 1 - beta^t. */
        float c1 = (float)(1.0 - pow((double)ADAM_BETA1, (double)o->t));
        float c2 = (float)(1.0 - pow((double)ADAM_BETA2, (double)o->t));
        float step = lr / c1, inv_c2 = 1.0f / c2;
        for (size_t i = 0; i < n; i++) {
            float gi = g[i] + wd * p[i];
            v[i] = ADAM_BETA1 * v[i] + (1.0f - ADAM_BETA1) * gi;
            s[i] = ADAM_BETA2 * s[i] + (1.0f - ADAM_BETA2) * gi * gi;
            p[i] -= step * v[i] / (sqrtf(s[i] * inv_c2) + ADAM_EPS);
        }
        break;
    }
    }
}

/* Applies one optimiser step to the outputs [j0, j1) of layer 1 (all of
 * them unless the threads share them out) and to every layer above: weights
 * with decay, biases without. */
void nn_optimiser_update(optimiser *o, nn_net *net, const float *grad, float lr, size_t j0,
                         size_t j1)
{
    o->t++;
    size_t off = 0;
    for (size_t l = 1; l < net->n_layers; l++) {
        size_t n_w = nn_net_layer_weights(net, l), n_b = nn_net_layer_biases(net, l);
        if (n_w + n_b == 0)
            continue;
        /* Only a dense first layer shared out among threads is stepped by
         * neuron (one bias and n_w / n_b weights each); the rest whole. */
        int part = l == 1 && (j0 != 0 || j1 != n_b);
        size_t per = part ? n_w / n_b : 0;
        size_t w = off + (part ? j0 * per : 0), b = off + n_w + (part ? j0 : 0);
        update_span(o, lr, o->opt->weight_decay, net->params + w, grad + w,
                    o->v != NULL ? o->v + w : NULL, o->s != NULL ? o->s + w : NULL,
                    part ? (j1 - j0) * per : n_w);
        update_span(o, lr, 0.0f, net->params + b, grad + b, o->v != NULL ? o->v + b : NULL,
                    o->s != NULL ? o->s + b : NULL, part ? j1 - j0 : n_b);
        off += n_w + n_b;
    }
}

void nn_clip_norm(float *g, size_t n, float max)
{
    double sq = 0.0;
    for (size_t i = 0; i < n; i++)
        sq += (double)g[i] * g[i];
    if (sq <= (double)max * max)
        return;
    float scale = (float)((double)max / sqrt(sq));
    for (size_t i = 0; i < n; i++)
        g[i] *= scale;
}
