/* onnx.c - a network as an ONNX model (see onnx.h). Field numbers are those
 * of onnx.proto; every message is written with the protobuf writer (pb.h). */
#include "nnclass/export/onnx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nnclass/export/pb.h"

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
enum { ATTR_NAME = 1, ATTR_I = 3, ATTR_S = 4, ATTR_INTS = 8, ATTR_TYPE = 20 };
enum { ATTR_TYPE_INT = 2, ATTR_TYPE_STRING = 3, ATTR_TYPE_INTS = 7 };
enum { TENSOR_DIMS = 1, TENSOR_DATA_TYPE = 2, TENSOR_NAME = 8, TENSOR_RAW_DATA = 9 };
enum { TENSOR_FLOAT = 1, TENSOR_INT64 = 7 };
enum { VALUE_INFO_NAME = 1, VALUE_INFO_TYPE = 2 };
enum { TYPE_TENSOR_TYPE = 1 };
enum { TYPE_TENSOR_ELEM_TYPE = 1, TYPE_TENSOR_SHAPE = 2 };
enum { SHAPE_DIM = 1 };
enum { DIM_VALUE = 1, DIM_PARAM = 2 };

#define NAME_CAP 32

/* --- messages ---------------------------------------------------------------- */

/* Opens an initializer of n_dims dims, data type type, named name; its
 * raw_data follows, then nn_pb_end. */
static void tensor_begin(nn_pb *pb, const char *name, const int64_t *dims, size_t n_dims,
                         int type)
{
    nn_pb_begin(pb, GRAPH_INITIALIZER);
    for (size_t i = 0; i < n_dims; i++)
        nn_pb_int(pb, TENSOR_DIMS, dims[i]);
    nn_pb_int(pb, TENSOR_DATA_TYPE, type);
    nn_pb_string(pb, TENSOR_NAME, name);
}

/* A float tensor initializer: dims, then the values as little-endian raw_data. */
static void tensor(nn_pb *pb, const char *name, const int64_t *dims, size_t n_dims,
                   const float *values, size_t n)
{
    tensor_begin(pb, name, dims, n_dims, TENSOR_FLOAT);
    nn_pb_floats(pb, TENSOR_RAW_DATA, values, n);
    nn_pb_end(pb);
}

/* An int64 tensor initializer (a shape, at most 8 values), its values as
 * little-endian raw_data. */
static void tensor_i64(nn_pb *pb, const char *name, const int64_t *dims, size_t n_dims,
                       const int64_t *values, size_t n)
{
    tensor_begin(pb, name, dims, n_dims, TENSOR_INT64);
    uint8_t raw[8 * 8];
    size_t k = 0;
    for (size_t i = 0; i < n && k + 8 <= sizeof raw; i++)
        for (int b = 0; b < 8; b++)
            raw[k++] = (uint8_t)((uint64_t)values[i] >> (8 * b));
    nn_pb_bytes(pb, TENSOR_RAW_DATA, raw, k);
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

/* An attribute: an int (n_ints == 0, s NULL), a list of ints or a string. */
typedef struct {
    const char *name;
    int64_t i;
    const int64_t *ints;
    size_t n_ints;
    const char *s;
} attr_spec;

/* Up to four inputs (NULL ends the list), up to two outputs (NULL ends the
 * list; "" stands for an output not used), up to four attributes (a NULL
 * name ends the list). */
typedef struct {
    const char *name, *op;
    const char *in[4];
    const char *out[2];
    attr_spec attr[4];
} node_spec;

static void attribute(nn_pb *pb, const attr_spec *a)
{
    nn_pb_begin(pb, NODE_ATTRIBUTE);
    nn_pb_string(pb, ATTR_NAME, a->name);
    if (a->s != NULL) {
        nn_pb_string(pb, ATTR_S, a->s);
        nn_pb_int(pb, ATTR_TYPE, ATTR_TYPE_STRING);
    } else if (a->n_ints == 0) {
        nn_pb_int(pb, ATTR_I, a->i);
        nn_pb_int(pb, ATTR_TYPE, ATTR_TYPE_INT);
    } else {
        for (size_t k = 0; k < a->n_ints; k++)
            nn_pb_int(pb, ATTR_INTS, a->ints[k]);
        nn_pb_int(pb, ATTR_TYPE, ATTR_TYPE_INTS);
    }
    nn_pb_end(pb);
}

static void node(nn_pb *pb, const node_spec *n)
{
    nn_pb_begin(pb, GRAPH_NODE);
    for (size_t i = 0; i < 4 && n->in[i] != NULL; i++)
        nn_pb_string(pb, NODE_INPUT, n->in[i]);
    for (size_t i = 0; i < 2 && n->out[i] != NULL; i++)
        nn_pb_string(pb, NODE_OUTPUT, n->out[i]);
    nn_pb_string(pb, NODE_NAME, n->name);
    nn_pb_string(pb, NODE_OP_TYPE, n->op);
    for (size_t i = 0; i < 4 && n->attr[i].name != NULL; i++)
        attribute(pb, &n->attr[i]);
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

/* The graph the layers write to: nodes and initializers go to two writers
 * as the layer loop goes, then are joined in this order. */
typedef struct {
    nn_graph g;
    nn_pb *nodes, *init;
} onnx_graph;

static void graph_tensor(nn_graph *g, const char *name, const int64_t *dims, size_t n_dims,
                         const float *data, size_t n)
{
    tensor(((onnx_graph *)g->ctx)->init, name, dims, n_dims, data, n);
}

static void graph_tensor_i64(nn_graph *g, const char *name, const int64_t *dims,
                             size_t n_dims, const int64_t *data, size_t n)
{
    tensor_i64(((onnx_graph *)g->ctx)->init, name, dims, n_dims, data, n);
}

static void graph_node(nn_graph *g, const char *op, const char *name, const char *const *in,
                       size_t n_in, const char *const *out, size_t n_out,
                       const nn_graph_attr *attrs, size_t n_attrs)
{
    node_spec n = {.name = name, .op = op};
    for (size_t i = 0; i < n_in && i < 4; i++)
        n.in[i] = in[i];
    for (size_t i = 0; i < n_out && i < 2; i++)
        n.out[i] = out[i];
    for (size_t i = 0; i < n_attrs && i < 4; i++)
        n.attr[i] = (attr_spec){attrs[i].name, attrs[i].i, attrs[i].ints, attrs[i].n_ints,
                                attrs[i].s};
    node(((onnx_graph *)g->ctx)->nodes, &n);
}

/* Every layer's nodes and initializers, in order, through its kind's
 * export operation; a kind without one is refused. Then the Softmax,
 * unless the last row wrote the output itself. */
static nn_status layers(onnx_graph *og, const nn_net *net, nn_error *err)
{
    for (size_t l = 1; l < net->n_layers; l++) {
        const nn_layer_ops *ops = nn_layer_ops_of(net->layers[l].kind);
        if (ops == NULL || ops->onnx == NULL)
            return nn_fail(err, NN_E_ARG, "onnx: cannot export layer %zu (%s) to ONNX", l,
                           nn_layer_kind_name(net->layers[l].kind));
        nn_layer_run run = nn_net_layer_run(net, l);
        nn_status st = ops->onnx(&og->g, &run, l, err);
        if (st != NN_OK)
            return st;
    }
    if (!og->g.output_done) /* an output row may have written its own (CTC) */
        node(og->nodes, &(node_spec){.name = "softmax", .op = "Softmax", .in = {og->g.cur},
                                     .out = {"probabilities"},
                                     .attr = {{.name = "axis", .i = 1}}});
    return NN_OK;
}

/* The GraphProto's fields: nodes, name, initializers, input and output. */
static nn_status graph(nn_pb *pb, const nn_net *net, const nn_model_meta *meta, nn_error *err)
{
    nn_pb nodes, init;
    nn_pb_init(&nodes);
    nn_pb_init(&init);
    onnx_graph og = {.g = {.cur = "image", .spatial = 1, .channels = 1, .tensor = graph_tensor,
                           .tensor_i64 = graph_tensor_i64, .node = graph_node},
                     .nodes = &nodes, .init = &init};
    og.g.ctx = &og;
    nn_status st = layers(&og, net, err);
    if (st == NN_OK) {
        nn_pb_begin(pb, MODEL_GRAPH);
        nn_pb_join(pb, &nodes);
        nn_pb_string(pb, GRAPH_NAME, "nnclass");
        nn_pb_join(pb, &init);
        int64_t in_dims[4] = {-1, 1, (int64_t)meta->rows, (int64_t)meta->cols};
        /* (N, classes), or (N, T, K) for an output of one distribution per step */
        const nn_layer *last = &net->layers[net->n_layers - 1];
        int64_t out_dims[3] = {-1, (int64_t)nn_net_size(net, net->n_layers - 1), 0};
        if (og.g.output_done)
            out_dims[1] = (int64_t)last->h, out_dims[2] = (int64_t)(last->w * last->c);
        value_info(pb, GRAPH_INPUT, "image", in_dims, 4);
        value_info(pb, GRAPH_OUTPUT, "probabilities", out_dims, og.g.output_done ? 3 : 2);
        nn_pb_end(pb);
    }
    nn_pb_free(&nodes);
    nn_pb_free(&init);
    return st;
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
            } else if (*p < 0x20 || *p >= 0x7f) {
                /* protobuf strings must be UTF-8: other bytes are escaped as
                 * their Latin-1 code points, as the .npz stores them */
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

/* s with every byte outside printable ASCII replaced by '?', in out (cap
 * bytes): a protobuf string must be UTF-8, and a model file's text fields
 * are only checked for their NUL padding. */
static const char *ascii(const char *s, char *out, size_t cap)
{
    size_t i = 0;
    for (; s[i] != '\0' && i + 1 < cap; i++)
        out[i] = (unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x7f ? s[i] : '?';
    out[i] = '\0';
    return out;
}

nn_status nn_onnx_encode(const nn_net *net, const nn_model_meta *meta,
                         const char *producer_version, uint8_t **buf, size_t *len,
                         nn_error *err)
{
    if (nn_net_hidden(net) == NN_ACT_STEP && net->n_layers != 2)
        return nn_fail(err, NN_E_ARG, "onnx: the perceptron has no hidden layer");
    if ((size_t)meta->rows * meta->cols != nn_net_size(net, 0))
        return nn_fail(err, NN_E_ARG, "onnx: input %ux%u does not match %zu inputs", meta->rows,
                       meta->cols, nn_net_size(net, 0));
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
    nn_status st = graph(&pb, net, meta, err);
    if (st != NN_OK) {
        nn_pb_free(&pb);
        return st;
    }
    nn_pb_begin(&pb, MODEL_OPSET_IMPORT);
    nn_pb_string(&pb, OPSET_DOMAIN, "");
    nn_pb_int(&pb, OPSET_VERSION, NN_ONNX_OPSET);
    nn_pb_end(&pb);
    class_names_json(meta, names, sizeof names);
    metadata(&pb, "class_names", names);
    char text[sizeof meta->recipe];
    metadata(&pb, "dataset", ascii(meta->dataset, text, sizeof text));
    metadata(&pb, "recipe", ascii(meta->recipe, text, sizeof text));
    metadata(&pb, "activation", nn_activation_name(nn_net_hidden(net)));
    snprintf(num, sizeof num, "%u", meta->epochs);
    metadata(&pb, "epochs", num);
    return nn_pb_finish(&pb, buf, len, err);
}
