/* onnx.c - a network as an ONNX model (see onnx.h). Field numbers are those
 * of onnx.proto; every message is written with the protobuf writer (pb.h). */
#include "nnclass/onnx.h"

#include <stdio.h>
#include <string.h>

#include "nnclass/pb.h"

/* onnx.proto field numbers, by message. */
enum { MODEL_IR_VERSION = 1, MODEL_PRODUCER_NAME = 2, MODEL_PRODUCER_VERSION = 3,
       MODEL_DOMAIN = 4, MODEL_MODEL_VERSION = 5, MODEL_DOC_STRING = 6, MODEL_GRAPH = 7,
       MODEL_OPSET_IMPORT = 8, MODEL_METADATA_PROPS = 14 };
enum { OPSET_DOMAIN = 1, OPSET_VERSION = 2 };
enum { ENTRY_KEY = 1, ENTRY_VALUE = 2 };
enum { GRAPH_NODE = 1, GRAPH_NAME = 2, GRAPH_INITIALIZER = 5, GRAPH_DOC_STRING = 10,
       GRAPH_INPUT = 11, GRAPH_OUTPUT = 12 };
enum { NODE_INPUT = 1, NODE_OUTPUT = 2, NODE_NAME = 3, NODE_OP_TYPE = 4,
       NODE_ATTRIBUTE = 5 };
enum { ATTR_NAME = 1, ATTR_I = 3, ATTR_TYPE = 20 };
enum { ATTR_TYPE_INT = 2 };
enum { TENSOR_DIMS = 1, TENSOR_DATA_TYPE = 2, TENSOR_NAME = 8, TENSOR_RAW_DATA = 9 };
enum { TENSOR_FLOAT = 1 };
enum { VALUE_INFO_NAME = 1, VALUE_INFO_TYPE = 2 };
enum { TYPE_TENSOR_TYPE = 1 };
enum { TYPE_TENSOR_ELEM_TYPE = 1, TYPE_TENSOR_SHAPE = 2 };
enum { SHAPE_DIM = 1 };
enum { DIM_VALUE = 1, DIM_PARAM = 2 };

#define NAME_CAP 32

/* --- messages ---------------------------------------------------------------- */

/* A float tensor initializer: dims, then the values as little-endian raw_data. */
static void tensor(nn_pb *pb, const char *name, const int64_t *dims, size_t n_dims,
                   const float *values, size_t n)
{
    nn_pb_begin(pb, GRAPH_INITIALIZER);
    for (size_t i = 0; i < n_dims; i++)
        nn_pb_int(pb, TENSOR_DIMS, dims[i]);
    nn_pb_int(pb, TENSOR_DATA_TYPE, TENSOR_FLOAT);
    nn_pb_string(pb, TENSOR_NAME, name);
    nn_pb_floats(pb, TENSOR_RAW_DATA, values, n);
    nn_pb_end(pb);
}

/* A graph input or output: float tensor of the given shape; a dim < 0 is the
 * symbolic batch size "N". */
static void value_info(nn_pb *pb, uint32_t field, const char *name, const int64_t *dims,
                       size_t n_dims)
{
    nn_pb_begin(pb, field);
    nn_pb_string(pb, VALUE_INFO_NAME, name);
    nn_pb_begin(pb, VALUE_INFO_TYPE);
    nn_pb_begin(pb, TYPE_TENSOR_TYPE);
    nn_pb_int(pb, TYPE_TENSOR_ELEM_TYPE, TENSOR_FLOAT);
    nn_pb_begin(pb, TYPE_TENSOR_SHAPE);
    for (size_t i = 0; i < n_dims; i++) {
        nn_pb_begin(pb, SHAPE_DIM);
        if (dims[i] < 0)
            nn_pb_string(pb, DIM_PARAM, "N");
        else
            nn_pb_int(pb, DIM_VALUE, dims[i]);
        nn_pb_end(pb);
    }
    nn_pb_end(pb);
    nn_pb_end(pb);
    nn_pb_end(pb);
    nn_pb_end(pb);
}

static void int_attribute(nn_pb *pb, const char *name, int64_t v)
{
    nn_pb_begin(pb, NODE_ATTRIBUTE);
    nn_pb_string(pb, ATTR_NAME, name);
    nn_pb_int(pb, ATTR_I, v);
    nn_pb_int(pb, ATTR_TYPE, ATTR_TYPE_INT);
    nn_pb_end(pb);
}

/* Up to three inputs (NULL ends the list), one output, up to two int
 * attributes (NULL names skip them). */
typedef struct {
    const char *name, *op;
    const char *in[3];
    const char *out;
    const char *attr[2];
    int64_t attr_value[2];
} node_spec;

static void node(nn_pb *pb, const node_spec *n)
{
    nn_pb_begin(pb, GRAPH_NODE);
    for (size_t i = 0; i < 3 && n->in[i] != NULL; i++)
        nn_pb_string(pb, NODE_INPUT, n->in[i]);
    nn_pb_string(pb, NODE_OUTPUT, n->out);
    nn_pb_string(pb, NODE_NAME, n->name);
    nn_pb_string(pb, NODE_OP_TYPE, n->op);
    for (size_t i = 0; i < 2; i++)
        if (n->attr[i] != NULL)
            int_attribute(pb, n->attr[i], n->attr_value[i]);
    nn_pb_end(pb);
}

static void metadata(nn_pb *pb, const char *key, const char *value)
{
    nn_pb_begin(pb, MODEL_METADATA_PROPS);
    nn_pb_string(pb, ENTRY_KEY, key);
    nn_pb_string(pb, ENTRY_VALUE, value);
    nn_pb_end(pb);
}

/* --- the graph, layer by layer ------------------------------------------------ */

static const char *activation_op(nn_activation act)
{
    switch (act) {
    case NN_ACT_SIGMOID: return "Sigmoid";
    case NN_ACT_RELU: return "Relu";
    case NN_ACT_TANH: return "Tanh";
    case NN_ACT_STEP: break; /* never hidden: the perceptron has no hidden layer */
    }
    return NULL;
}

/* Dense layer l (1-based): z = x W^T + b by Gemm (transB: W is stored
 * (out, in) row-major), then the hidden activation, or nothing for the last
 * layer, whose sums the Softmax takes. cur names the layer's input and
 * receives its output's name. */
static void dense_layer(nn_pb *graph, nn_pb *init, const nn_net *net, size_t l,
                        char cur[NAME_CAP])
{
    char w[NAME_CAP], b[NAME_CAP], z[NAME_CAP], a[NAME_CAP], gemm[NAME_CAP], act[NAME_CAP];
    snprintf(w, sizeof w, "W%zu", l);
    snprintf(b, sizeof b, "b%zu", l);
    snprintf(z, sizeof z, "z%zu", l);
    snprintf(gemm, sizeof gemm, "dense%zu", l);
    int64_t wdims[2] = {(int64_t)net->sizes[l], (int64_t)net->sizes[l - 1]};
    int64_t bdims[1] = {(int64_t)net->sizes[l]};
    tensor(init, w, wdims, 2, nn_net_weights(net, l), net->sizes[l] * net->sizes[l - 1]);
    tensor(init, b, bdims, 1, nn_net_biases(net, l), net->sizes[l]);
    node(graph, &(node_spec){.name = gemm, .op = "Gemm", .in = {cur, w, b}, .out = z,
                             .attr = {"transB"}, .attr_value = {1}});
    if (l + 1 == net->n_layers) {
        snprintf(cur, NAME_CAP, "%s", z);
        return;
    }
    snprintf(a, sizeof a, "a%zu", l);
    snprintf(act, sizeof act, "activation%zu", l);
    node(graph, &(node_spec){.name = act, .op = activation_op(net->hidden), .in = {z},
                             .out = a});
    snprintf(cur, NAME_CAP, "%s", a);
}

/* The GraphProto's fields: nodes, name, initializers, input and output.
 * Nodes and initializers are written by two writers as the layer loop
 * goes, then joined in this order. */
static void graph(nn_pb *pb, const nn_net *net, const nn_model_meta *meta)
{
    nn_pb nodes, init;
    nn_pb_init(&nodes);
    nn_pb_init(&init);
    char cur[NAME_CAP] = "x";
    node(&nodes, &(node_spec){.name = "flatten", .op = "Flatten", .in = {"image"},
                              .out = "x", .attr = {"axis"}, .attr_value = {1}});
    for (size_t l = 1; l < net->n_layers; l++)
        dense_layer(&nodes, &init, net, l, cur);
    node(&nodes, &(node_spec){.name = "softmax", .op = "Softmax", .in = {cur},
                              .out = "probabilities", .attr = {"axis"}, .attr_value = {1}});

    nn_pb_begin(pb, MODEL_GRAPH);
    nn_pb_join(pb, &nodes);
    nn_pb_string(pb, GRAPH_NAME, "nnclass");
    nn_pb_join(pb, &init);
    int64_t in_dims[4] = {-1, 1, (int64_t)meta->rows, (int64_t)meta->cols};
    int64_t out_dims[2] = {-1, (int64_t)net->sizes[net->n_layers - 1]};
    value_info(pb, GRAPH_INPUT, "image", in_dims, 4);
    value_info(pb, GRAPH_OUTPUT, "probabilities", out_dims, 2);
    nn_pb_end(pb);
    nn_pb_free(&nodes);
    nn_pb_free(&init);
}

/* --- the model ------------------------------------------------------------------ */

/* The class names as a JSON array of strings, in a buffer of cap bytes. */
static void class_names_json(const nn_model_meta *meta, char *out, size_t cap)
{
    size_t o = 0;
    out[o++] = '[';
    for (size_t k = 0; k < meta->n_classes && o + 8 < cap; k++) {
        if (k > 0)
            out[o++] = ',';
        out[o++] = '"';
        char fallback[24];
        const char *name = meta->class_names[k];
        if (!meta->has_class_names) {
            snprintf(fallback, sizeof fallback, "%zu", k);
            name = fallback;
        }
        for (const unsigned char *p = (const unsigned char *)name; *p != '\0' && o + 8 < cap;
             p++) {
            if (*p == '"' || *p == '\\') {
                out[o++] = '\\';
                out[o++] = (char)*p;
            } else if (*p < 0x20) {
                o += (size_t)snprintf(out + o, cap - o, "\\u%04x", *p);
            } else {
                out[o++] = (char)*p;
            }
        }
        out[o++] = '"';
    }
    out[o++] = ']';
    out[o] = '\0';
}

nn_status nn_onnx_encode(const nn_net *net, const nn_model_meta *meta,
                         const char *producer_version, uint8_t **buf, size_t *len,
                         nn_error *err)
{
    if (net->hidden == NN_ACT_STEP && net->n_layers != 2)
        return nn_fail(err, NN_E_ARG, "onnx: the perceptron has no hidden layer");
    if ((size_t)meta->rows * meta->cols != net->sizes[0])
        return nn_fail(err, NN_E_ARG, "onnx: input %ux%u does not match %zu inputs", meta->rows,
                       meta->cols, net->sizes[0]);
    /* each name at most 31 bytes, six bytes of JSON each at worst */
    static char names[NN_MAX_CLASSES * (NN_MODEL_NAME_LEN * 6 + 3) + 3];
    char num[32];
    nn_pb pb;
    nn_pb_init(&pb);
    nn_pb_int(&pb, MODEL_IR_VERSION, NN_ONNX_IR_VERSION);
    nn_pb_string(&pb, MODEL_PRODUCER_NAME, "nnclass");
    nn_pb_string(&pb, MODEL_PRODUCER_VERSION, producer_version);
    nn_pb_string(&pb, MODEL_DOMAIN, "org.nnclass");
    nn_pb_int(&pb, MODEL_MODEL_VERSION, 1);
    nn_pb_string(&pb, MODEL_DOC_STRING,
                 "nnclass classifier: image float[N,1,rows,cols] in [0,1] (pixel/255) -> "
                 "probabilities float[N,classes]");
    graph(&pb, net, meta);
    nn_pb_begin(&pb, MODEL_OPSET_IMPORT);
    nn_pb_string(&pb, OPSET_DOMAIN, "");
    nn_pb_int(&pb, OPSET_VERSION, NN_ONNX_OPSET);
    nn_pb_end(&pb);
    class_names_json(meta, names, sizeof names);
    metadata(&pb, "class_names", names);
    metadata(&pb, "dataset", meta->dataset);
    metadata(&pb, "recipe", meta->recipe);
    metadata(&pb, "activation", nn_activation_name(net->hidden));
    snprintf(num, sizeof num, "%u", meta->epochs);
    metadata(&pb, "epochs", num);
    return nn_pb_finish(&pb, buf, len, err);
}
