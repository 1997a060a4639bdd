/* test_onnx.c - the ONNX encoder, read back with a protobuf reader written
 * here from the wire-format rules: the model's fields, the node sequence
 * for each kind of network, the initializers' bytes against the net's
 * parameters, the input and output shapes and the class-name metadata.
 * (The CLI test runs the exported files through onnx.checker and ONNX
 * Runtime.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nnclass/nn/model.h"
#include "nnclass/nn/net.h"
#include "nnclass/export/npz.h"
#include "nnclass/export/onnx.h"

/* --- a minimal reader ---------------------------------------------------------- */

typedef struct {
    const uint8_t *p, *end;
} span;

typedef struct {
    uint32_t field, wire;
    uint64_t v;  /* varint or fixed32 value */
    span bytes;  /* length-delimited value */
} pb_field;

static uint64_t read_varint(span *s)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        assert_true(s->p < s->end);
        uint8_t b = *s->p++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return v;
    }
    fail_msg("varint over 10 bytes");
    return 0;
}

/* Next field of s; 0 at the end. */
static int next_field(span *s, pb_field *f)
{
    if (s->p == s->end)
        return 0;
    uint64_t key = read_varint(s);
    f->field = (uint32_t)(key >> 3);
    f->wire = (uint32_t)(key & 7);
    if (f->wire == 0) {
        f->v = read_varint(s);
    } else if (f->wire == 5) {
        assert_true(s->end - s->p >= 4);
        f->v = (uint32_t)s->p[0] | (uint32_t)s->p[1] << 8 | (uint32_t)s->p[2] << 16 |
               (uint32_t)s->p[3] << 24;
        s->p += 4;
    } else if (f->wire == 2) {
        uint64_t n = read_varint(s);
        assert_true(n <= (uint64_t)(s->end - s->p));
        f->bytes = (span){s->p, s->p + n};
        s->p += n;
    } else {
        fail_msg("unexpected wire type %u", f->wire);
    }
    return 1;
}

static int span_is(span s, const char *text)
{
    return (size_t)(s.end - s.p) == strlen(text) && memcmp(s.p, text, strlen(text)) == 0;
}

/* The first length-delimited field number `field` of s, or an empty span. */
static span sub(span s, uint32_t field)
{
    pb_field f;
    while (next_field(&s, &f))
        if (f.field == field && f.wire == 2)
            return f.bytes;
    return (span){NULL, NULL};
}

/* --- fixtures ---------------------------------------------------------------------- */

static nn_net *make_net(const size_t *sizes, size_t n, nn_activation act,
                        nn_model_meta *meta)
{
    nn_net *net = NULL;
    assert_int_equal(nn_net_create(sizes, n, act, &net, NULL), NN_OK);
    for (size_t i = 0; i < net->n_params; i++)
        net->params[i] = (float)((int)(i % 13) - 6) / 8.0f;
    memset(meta, 0, sizeof *meta);
    meta->rows = 2;
    meta->cols = (uint32_t)(sizes[0] / 2);
    meta->n_classes = sizes[n - 1];
    meta->has_class_names = 1;
    for (size_t k = 0; k < meta->n_classes; k++)
        snprintf(meta->class_names[k], NN_MODEL_NAME_LEN, "c%zu", k);
    /* quotes, a byte that is not UTF-8 and a control character: JSON escapes */
    snprintf(meta->class_names[0], NN_MODEL_NAME_LEN, "say \"hi\"");
    if (meta->n_classes > 2)
        snprintf(meta->class_names[2], NN_MODEL_NAME_LEN, "\xffx\n");
    snprintf(meta->dataset, sizeof meta->dataset, "files");
    meta->val_accuracy = -1;
    return net;
}

/* Gives every hidden layer of net (and the net's record of them) act. */
static void set_hidden(nn_net *net, nn_activation act)
{
    for (size_t l = 1; l < net->n_layers; l++) /* the last row records it */
        net->layers[l].act = act;
}

/* Encodes net and checks everything the reader can see. ops lists the
 * expected op_type sequence, NULL-terminated. */
static void check_model(const nn_net *net, const nn_model_meta *meta, const char *const *ops)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    nn_error err = {{0}};
    assert_int_equal(nn_onnx_encode(net, meta, "9.9.9", &buf, &len, &err), NN_OK);
    span model = {buf, buf + len}, s = model;
    pb_field f;
    int ir = 0, opset = 0, names = 0;
    while (next_field(&s, &f)) {
        if (f.field == 1) {
            assert_int_equal(f.v, NN_ONNX_IR_VERSION);
            ir = 1;
        } else if (f.field == 3) {
            assert_true(span_is(f.bytes, "9.9.9"));
        } else if (f.field == 8) {
            span o = f.bytes;
            pb_field g;
            while (next_field(&o, &g))
                if (g.field == 2)
                    opset = (int)g.v;
        } else if (f.field == 14 && span_is(sub(f.bytes, 1), "class_names")) {
            span v = sub(f.bytes, 2);
            assert_true(span_is(v, "[\"say \\\"hi\\\"\",\"c1\",\"\\u00ffx\\u000a\"]") ||
                        meta->n_classes != 3);
            names = 1;
        }
    }
    assert_true(ir);
    assert_int_equal(opset, NN_ONNX_OPSET);
    assert_true(names);

    span graph = sub(model, 7);
    assert_non_null(graph.p);
    /* nodes, in order */
    size_t k = 0;
    s = graph;
    while (next_field(&s, &f)) {
        if (f.field != 1)
            continue;
        assert_non_null(ops[k]);
        assert_true(span_is(sub(f.bytes, 4), ops[k]));
        k++;
    }
    assert_null(ops[k]);
    /* initializers: W1, b1, ... with the net's bytes */
    s = graph;
    size_t l = 1, which = 0;
    while (next_field(&s, &f)) {
        if (f.field != 5)
            continue;
        char name[8];
        snprintf(name, sizeof name, "%c%zu", which == 0 ? 'W' : 'b', l);
        assert_true(span_is(sub(f.bytes, 8), name));
        span raw = sub(f.bytes, 9);
        const float *want = which == 0 ? nn_net_weights(net, l) : nn_net_biases(net, l);
        size_t n = which == 0 ? nn_net_size(net, l) * nn_net_size(net, l - 1) : nn_net_size(net, l);
        assert_int_equal(raw.end - raw.p, 4 * n);
        for (size_t i = 0; i < n; i++) {
            uint32_t bits;
            memcpy(&bits, &want[i], 4);
            const uint8_t *q = raw.p + 4 * i;
            assert_int_equal(bits, (uint32_t)q[0] | (uint32_t)q[1] << 8 |
                                       (uint32_t)q[2] << 16 | (uint32_t)q[3] << 24);
        }
        if (which == 1)
            l++;
        which ^= 1;
    }
    assert_int_equal(l, net->n_layers);
    /* input "image" [N, 1, rows, cols] */
    span in = sub(graph, 11);
    assert_true(span_is(sub(in, 1), "image"));
    span shape = sub(sub(sub(in, 2), 1), 2);
    uint64_t dims[4] = {0};
    int n_dims = 0, symbolic = 0;
    s = shape;
    while (next_field(&s, &f)) {
        span d = f.bytes;
        pb_field g;
        assert_true(next_field(&d, &g));
        if (g.field == 2)
            symbolic = span_is(g.bytes, "N");
        else
            dims[n_dims] = g.v;
        n_dims++;
    }
    assert_int_equal(n_dims, 4);
    assert_true(symbolic);
    assert_int_equal(dims[1], 1);
    assert_int_equal(dims[2], meta->rows);
    assert_int_equal(dims[3], meta->cols);
    assert_true(span_is(sub(sub(graph, 12), 1), "probabilities"));
    free(buf);
}

static void test_mlp(void **state)
{
    (void)state;
    nn_model_meta meta;
    static const size_t sizes[] = {8, 5, 4, 3};
    static const char *const relu_ops[] = {"Flatten", "Gemm", "Relu", "Gemm", "Relu", "Gemm",
                                           "Softmax", NULL};
    static const char *const sig_ops[] = {"Flatten", "Gemm", "Sigmoid", "Gemm", "Sigmoid",
                                          "Gemm", "Softmax", NULL};
    static const char *const tanh_ops[] = {"Flatten", "Gemm", "Tanh", "Gemm", "Tanh", "Gemm",
                                           "Softmax", NULL};
    nn_net *net = make_net(sizes, 4, NN_ACT_RELU, &meta);
    check_model(net, &meta, relu_ops);
    set_hidden(net, NN_ACT_SIGMOID);
    check_model(net, &meta, sig_ops);
    set_hidden(net, NN_ACT_TANH);
    check_model(net, &meta, tanh_ops);
    nn_net_free(net);
}

static void test_perceptron(void **state)
{
    (void)state;
    nn_model_meta meta;
    static const size_t sizes[] = {6, 3};
    static const char *const ops[] = {"Flatten", "Gemm", "Softmax", NULL};
    nn_net *net = make_net(sizes, 2, NN_ACT_STEP, &meta);
    check_model(net, &meta, ops);
    nn_net_free(net);
}

/* The initializer called name in the graph, as a span of its raw data;
 * dims receives its dims (up to 4). */
static span initializer(span graph, const char *name, int64_t *dims, size_t *n_dims)
{
    pb_field f;
    *n_dims = 0;
    while (next_field(&graph, &f)) {
        if (f.field != 5 || !span_is(sub(f.bytes, 8), name))
            continue;
        span t = f.bytes;
        pb_field g;
        while (next_field(&t, &g))
            if (g.field == 1 && *n_dims < 4)
                dims[(*n_dims)++] = (int64_t)g.v;
        return sub(f.bytes, 9);
    }
    fail_msg("no initializer %s", name);
    return graph;
}

static float raw_float(span raw, size_t i)
{
    const uint8_t *q = raw.p + 4 * i;
    uint32_t bits = (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 |
                    (uint32_t)q[3] << 24;
    float v;
    memcpy(&v, &bits, 4);
    return v;
}

static void test_cnn(void **state)
{
    (void)state;
    nn_layer t[NN_MAX_LAYERS];
    size_t n = 0;
    nn_error err = {{0}};
    assert_int_equal(nn_net_parse_table("6x6,conv3x3x2-same,pool2,conv3x3x3:tanh,4", NN_ACT_RELU,
                                        t, &n, &err), NN_OK);
    nn_net *net = NULL;
    assert_int_equal(nn_net_create_table(t, n, &net, &err), NN_OK);
    for (size_t i = 0; i < net->n_params; i++)
        net->params[i] = (float)i;
    static nn_model_meta meta;
    meta.rows = 6;
    meta.cols = 6;
    meta.n_classes = 4;
    static const char *const ops[] = {"Conv", "Relu", "MaxPool", "Conv", "Tanh", "Transpose",
                                      "Flatten", "Gemm", "Softmax", NULL};
    uint8_t *buf = NULL;
    size_t len = 0;
    assert_int_equal(nn_onnx_encode(net, &meta, "1", &buf, &len, &err), NN_OK);
    span graph = sub((span){buf, buf + len}, 7), s = graph;
    pb_field f;
    size_t k = 0;
    while (next_field(&s, &f))
        if (f.field == 1) {
            assert_non_null(ops[k]);
            assert_true(span_is(sub(f.bytes, 4), ops[k]));
            k++;
        }
    assert_null(ops[k]);
    /* layer 3's kernels: nnclass's (C_out, k, k, C_in) become ONNX's (C_out, C_in, k, k) */
    int64_t dims[4];
    size_t n_dims;
    span raw = initializer(graph, "W3", dims, &n_dims);
    assert_int_equal(n_dims, 4);
    assert_int_equal(dims[0], 3);
    assert_int_equal(dims[1], 2);
    assert_int_equal(dims[2], 3);
    assert_int_equal(dims[3], 3);
    const float *w = nn_net_weights(net, 3);
    for (size_t o = 0; o < 3; o++)
        for (size_t c = 0; c < 2; c++)
            for (size_t y = 0; y < 3; y++)
                for (size_t x = 0; x < 3; x++)
                    assert_true(raw_float(raw, ((o * 2 + c) * 3 + y) * 3 + x) ==
                                w[((o * 3 + y) * 3 + x) * 2 + c]);
    free(buf);
    nn_net_free(net);
}

/* A reader (cols, a bidirectional LSTM keeping every step, a dense layer
 * at every step, CTC): the columns become (T, N, F) steps, the per-step
 * dense layer a MatMul with W^T and an Add, the output a Softmax over each
 * step's classes transposed to (N, T, K), with no Softmax after it. */
static void test_ctc_reader(void **state)
{
    (void)state;
    nn_layer t[NN_MAX_LAYERS];
    size_t n = 0;
    nn_error err = {{0}};
    assert_int_equal(nn_net_parse_table("4x6,conv3x3x2-same,cols,bilstm3-seq,step11,ctc",
                                        NN_ACT_RELU, t, &n, &err), NN_OK);
    nn_net *net = NULL;
    assert_int_equal(nn_net_create_table(t, n, &net, &err), NN_OK);
    for (size_t i = 0; i < net->n_params; i++)
        net->params[i] = (float)i;
    static nn_model_meta meta;
    meta.rows = 4;
    meta.cols = 6;
    meta.n_classes = 10;
    static const char *const ops[] = {"Conv", "Relu", "Transpose", "Reshape", "LSTM",
                                      "Transpose", "Reshape", "MatMul", "Add", "Softmax",
                                      "Transpose", NULL};
    uint8_t *buf = NULL;
    size_t len = 0;
    assert_int_equal(nn_onnx_encode(net, &meta, "1", &buf, &len, &err), NN_OK);
    span graph = sub((span){buf, buf + len}, 7), s = graph;
    pb_field f;
    size_t k = 0;
    span last = {NULL, NULL};
    while (next_field(&s, &f))
        if (f.field == 1) {
            assert_non_null(ops[k]);
            assert_true(span_is(sub(f.bytes, 4), ops[k]));
            last = f.bytes;
            k++;
        }
    assert_null(ops[k]);
    assert_true(span_is(sub(last, 2), "probabilities")); /* the last node's output */
    /* the step layer's W (11, 6) stored as W^T (6, 11) for MatMul */
    int64_t dims[4];
    size_t n_dims;
    span raw = initializer(graph, "W4", dims, &n_dims);
    assert_int_equal(n_dims, 2);
    assert_int_equal(dims[0], 6);
    assert_int_equal(dims[1], 11);
    const float *w = nn_net_weights(net, 4);
    for (size_t i = 0; i < 6; i++)
        for (size_t j = 0; j < 11; j++)
            assert_true(raw_float(raw, i * 11 + j) == w[j * 6 + i]);
    /* the output: (N, T = 6, K = 11) */
    span out = sub(graph, 12);
    assert_true(span_is(sub(out, 1), "probabilities"));
    span shape = sub(sub(sub(out, 2), 1), 2);
    uint64_t got[3] = {0};
    size_t n_got = 0;
    s = shape;
    while (next_field(&s, &f)) {
        span d = f.bytes;
        pb_field g;
        assert_true(next_field(&d, &g));
        if (g.field == 1 && n_got < 3)
            got[n_got] = g.v;
        n_got++;
    }
    assert_int_equal(n_got, 3);
    assert_int_equal(got[1], 6);
    assert_int_equal(got[2], 11);
    free(buf);
    nn_net_free(net);
}

static void test_mismatched_geometry(void **state)
{
    (void)state;
    nn_model_meta meta;
    static const size_t sizes[] = {6, 3};
    nn_net *net = make_net(sizes, 2, NN_ACT_RELU, &meta);
    meta.rows = 4;
    uint8_t *buf = NULL;
    size_t len = 0;
    nn_error err = {{0}};
    assert_int_equal(nn_onnx_encode(net, &meta, "1", &buf, &len, &err), NN_E_ARG);
    assert_non_null(strstr(err.msg, "4x3"));
    nn_net_free(net);
}

/* A net whose hidden row is of a kind without export operations: a dense
 * row under a kind added for this test, its onnx and npz entries NULL. */
static nn_net *net_with_unexportable_row(nn_model_meta *meta)
{
    static nn_layer_ops no_export;
    no_export = *nn_layer_ops_of(NN_LAYER_DENSE);
    no_export.name = "noexport";
    no_export.onnx = NULL;
    no_export.npz = NULL;
    nn_layer_kind kind = nn_layer_add_kind(&no_export);
    assert_non_null(nn_layer_ops_of(kind));
    nn_layer t[3] = {nn_layer_input_row(2, 3, 1), nn_layer_dense_row(4, NN_ACT_RELU),
                     nn_layer_dense_row(3, NN_ACT_NONE)};
    t[1].kind = kind;
    nn_net *net = NULL;
    nn_error err = {{0}};
    assert_int_equal(nn_net_create_table(t, 3, &net, &err), NN_OK);
    memset(meta, 0, sizeof *meta);
    meta->rows = 2;
    meta->cols = 3;
    meta->n_classes = 3;
    return net;
}

/* A kind without export is refused by name, never written as something
 * else (a Gemm), by both writers. */
static void test_kind_without_export_is_refused(void **state)
{
    (void)state;
    static nn_model_meta meta;
    nn_net *net = net_with_unexportable_row(&meta);
    uint8_t *buf = NULL;
    size_t len = 0;
    nn_error err = {{0}};
    assert_int_equal(nn_onnx_encode(net, &meta, "1", &buf, &len, &err), NN_E_ARG);
    assert_null(buf);
    assert_non_null(strstr(err.msg, "cannot export layer 1 (noexport) to ONNX"));
    memset(&err, 0, sizeof err);
    assert_int_equal(nn_npz_encode(net, &meta, &buf, &len, &err), NN_E_ARG);
    assert_null(buf);
    assert_non_null(strstr(err.msg, "cannot export layer 1 (noexport) to npz"));
    nn_net_free(net);
}

/* A kind the table does not know (a corrupted row) is refused too. */
static void test_unknown_kind_is_refused(void **state)
{
    (void)state;
    static nn_model_meta meta;
    nn_net *net = net_with_unexportable_row(&meta);
    net->layers[1].kind = (nn_layer_kind)200;
    uint8_t *buf = NULL;
    size_t len = 0;
    nn_error err = {{0}};
    assert_int_equal(nn_onnx_encode(net, &meta, "1", &buf, &len, &err), NN_E_ARG);
    assert_non_null(strstr(err.msg, "cannot export layer 1 (unknown) to ONNX"));
    nn_net_free(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kind_without_export_is_refused),
        cmocka_unit_test(test_unknown_kind_is_refused),
        cmocka_unit_test(test_mlp),
        cmocka_unit_test(test_perceptron),
        cmocka_unit_test(test_cnn),
        cmocka_unit_test(test_ctc_reader),
        cmocka_unit_test(test_mismatched_geometry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
