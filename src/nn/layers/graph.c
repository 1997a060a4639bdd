/* graph.c - the helpers the layers' ONNX operations share: one node on the
 * current tensor, an activation node, a weighted node with its
 * initializers. Names follow one scheme: outputs "<prefix><l>", nodes
 * "<op>_<prefix><l>". */
#include <stdio.h>

#include "layers.h"

#define NAME_CAP 32

void nn_graph_step(nn_graph *g, const char *op, const char *prefix, size_t l,
                   const nn_graph_attr *attrs, size_t n_attrs)
{
    char out[NAME_CAP], name[NAME_CAP];
    const char *in[1] = {g->cur};
    snprintf(out, sizeof out, "%s%zu", prefix, l);
    snprintf(name, sizeof name, "%s_%s%zu", op, prefix, l);
    const char *outs[1] = {out};
    g->node(g, op, name, in, 1, outs, 1, attrs, n_attrs);
    snprintf(g->cur, sizeof g->cur, "%s", out);
}

void nn_graph_reshape(nn_graph *g, const char *prefix, size_t l, const int64_t *shape,
                      size_t n)
{
    char name[NAME_CAP + 8], out[NAME_CAP], node[NAME_CAP + 8];
    snprintf(name, sizeof name, "%s%zu_shape", prefix, l);
    snprintf(out, sizeof out, "%s%zu", prefix, l);
    snprintf(node, sizeof node, "Reshape_%s%zu", prefix, l);
    int64_t dims[1] = {(int64_t)n};
    g->tensor_i64(g, name, dims, 1, shape, n);
    const char *in[2] = {g->cur, name}, *outs[1] = {out};
    g->node(g, "Reshape", node, in, 2, outs, 1, NULL, 0);
    snprintf(g->cur, sizeof g->cur, "%s", out);
}

static const char *activation_op(nn_activation act)
{
    switch (act) {
    case NN_ACT_SIGMOID: return "Sigmoid";
    case NN_ACT_RELU: return "Relu";
    case NN_ACT_TANH: return "Tanh";
    default: return NULL; /* none; step is the perceptron's, never on a hidden layer */
    }
}

void nn_graph_activation(nn_graph *g, const nn_layer_run *run, size_t l)
{
    const char *op = run->last ? NULL : activation_op(run->layer->act);
    if (op != NULL)
        nn_graph_step(g, op, "a", l, NULL, 0);
}

void nn_graph_weighted(nn_graph *g, const char *op, const char *name, size_t l,
                       const int64_t *wdims, size_t n_wdims, const float *w,
                       const int64_t *bdims, const float *b, const nn_graph_attr *attrs,
                       size_t n_attrs)
{
    char wn[NAME_CAP], bn[NAME_CAP], z[NAME_CAP], node[NAME_CAP];
    size_t n_w = 1;
    for (size_t i = 0; i < n_wdims; i++)
        n_w *= (size_t)wdims[i];
    snprintf(wn, sizeof wn, "W%zu", l);
    snprintf(bn, sizeof bn, "b%zu", l);
    snprintf(z, sizeof z, "z%zu", l);
    snprintf(node, sizeof node, "%s%zu", name, l);
    g->tensor(g, wn, wdims, n_wdims, w, n_w);
    g->tensor(g, bn, bdims, 1, b, (size_t)bdims[0]);
    const char *in[3] = {g->cur, wn, bn};
    const char *outs[1] = {z};
    g->node(g, op, node, in, 3, outs, 1, attrs, n_attrs);
    snprintf(g->cur, sizeof g->cur, "%s", z);
}

long nn_parse_num(const char **p)
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

long nn_parse_times(const char **p, long prev)
{
    if (prev < 0 || **p != 'x')
        return -1;
    (*p)++;
    return nn_parse_num(p);
}
