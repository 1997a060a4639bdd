/*
 * layer.h - what a layer is: its row in a network's table, the shape of
 * what flows between layers, and the one const row of operations each kind
 * of layer provides.
 *
 * Every kind of layer is one source file under src/nn/layers/ defining one
 * const nn_layer_ops, and one row in the table (src/nn/layers/table.c) that
 * maps its nn_layer_kind to those operations. The generic code (the forward
 * and backward walks, parameter offsets, the trainer, save and load, info,
 * export) reaches a kind only through nn_layer_ops_of(kind); it never asks
 * which kind it holds. A new kind is: a new enumerator below and
 * NN_LAYER_KINDS one up (its number is stored in model files, so numbers
 * are never reused), a new file, a new row in the table. The model file
 * stores a row's kind, act, h, w, c, k and same: a kind whose settings fit
 * those fields (a recurrent layer: c its units, k its direction, same
 * whether it keeps every step) needs no change to the file format.
 *
 * A recurrent layer (rnn, gru, lstm) fits these operations as they are:
 * shape reads an image input as t = h steps of f = w*c features (or a
 * sequence as it is) and gives (t, units) or, keeping the last step only,
 * a flat (units); scratch asks for the kept floats of its gates for every
 * step (backpropagation through time reads them); forward does one sgemm
 * for the input projections of all steps, then one per step for the
 * recurrence; backward walks the steps in reverse. Bidirectional is two
 * passes into the two halves of the features.
 *
 * Shapes. What flows between layers is, per sample, one of
 *   image     (channels, height, width), stored channels last: h rows of w
 *             pixels of c channels, h*w*c floats;
 *   sequence  (time, features), stored step by step: t steps of f floats;
 *   flat      n features (a dense layer's output: a sequence of one step).
 * and a minibatch is (batch, that). nn_shape says which; an nn_layer row
 * keeps its output shape in h, w, c as the model file stores it: an image
 * as (h, w, c), a sequence of t steps of f features as (h = t, w = 1, c = f),
 * a flat vector as (1, 1, n). So a recurrent layer that reads the 28 rows
 * of a 28x28 image as 28 steps of 28 features infers (t = h, f = w*c) from
 * an image input, and a layer that turns a conv front end's columns into
 * time steps infers (t = w, f = h*c); both fit this struct as it is.
 *
 * Outputs. The last row of a table gives the scores the output (the loss)
 * reads: nn_output_ops turns them into probabilities and gives the loss and
 * its gradient from per-sample targets (nn_targets). Softmax with
 * cross-entropy reads one byte label per sample; an output that needs more
 * per sample reads the other fields of nn_targets: CTC a label sequence per
 * sample, its scores a sequence-shaped last row, (batch, t, classes + 1),
 * one distribution per time step (n = t * (classes + 1) per sample, which
 * it splits by the row's shape); reconstruction the target images, its
 * scores the last row's values. The walks hand the output the last row's
 * (batch, n) scores and take back its (batch, n) gradient, whatever it
 * reads per sample.
 */
#ifndef NNCLASS_LAYER_H
#define NNCLASS_LAYER_H

#include <stddef.h>
#include <stdint.h>

#include "nnclass/base/error.h"
#include "nnclass/base/rng.h"

typedef enum {
    NN_ACT_SIGMOID = 0,
    NN_ACT_RELU = 1,
    NN_ACT_TANH = 2,
    NN_ACT_STEP = 3, /* perceptron: only for a net with no hidden layer */
    NN_ACT_NONE = 4, /* identity; the output row of a table, pooling by default */
} nn_activation;

/* The kinds of layer. The numbers are stored in model files. */
typedef enum {
    NN_LAYER_INPUT = 0, /* row 0 only: the image */
    NN_LAYER_DENSE = 1,
    NN_LAYER_CONV = 2,
    NN_LAYER_POOL = 3,
    NN_LAYER_RNN = 4,
    NN_LAYER_GRU = 5,
    NN_LAYER_LSTM = 6,
    NN_LAYER_RECON = 7, /* the reconstruction output (sigmoid + BCE) */
    NN_LAYER_COLS = 8,  /* an image's columns as time steps: (h, w, c) -> (t = w, f = h*c) */
    NN_LAYER_CTC = 9,   /* the CTC output: a softmax per time step (ctc.h) */
    NN_LAYER_UPSAMPLE = 10, /* an image's sides doubled, for decoders */
    NN_LAYER_STEP_DENSE = 11, /* one dense layer applied to every step of a sequence */
} nn_layer_kind;

/* Kinds known to the table: 0 .. NN_LAYER_KINDS-1 (a number whose row is
 * not in the table yet is an unknown kind). */
#define NN_LAYER_KINDS 12u

/* One row of the table. To describe a layer, fill kind, act and the fields
 * its kind reads (dense c, its neurons; conv k, c (C_out) and same; pool
 * nothing; the input h, w, c); its shape operation fills in the output
 * shape (h, w, c) of the others. */
typedef struct {
    nn_layer_kind kind;
    nn_activation act; /* NN_ACT_NONE for the input and the output row */
    size_t h, w, c;    /* output shape: rows, cols, channels (see above) */
    size_t k;          /* conv: kernel side */
    int same;          /* conv: 'same' zero padding instead of 'valid' */
    size_t units;      /* recurrent: hidden units per direction */
    unsigned flags;    /* kind-specific bits (recurrent: NN_REC_*) */
    size_t repeat;     /* text only: the rows one token stands for (0: one) */
} nn_layer;

/* Flags of a recurrent row: both directions (the outputs of the two side
 * by side), and the output of every step instead of the last one. */
#define NN_REC_BIDIRECTIONAL 1u
#define NN_REC_SEQUENCE 2u

typedef enum {
    NN_SHAPE_FLAT = 0,     /* n features: (1, 1, n) */
    NN_SHAPE_IMAGE = 1,    /* (h, w, c), channels last */
    NN_SHAPE_SEQUENCE = 2, /* (t, f), step by step: (h = t, w = 1, c = f) */
} nn_shape_layout;

/* What flows between two layers, per sample (the batch is the leading axis
 * of every minibatch). */
typedef struct {
    nn_shape_layout layout;
    size_t h, w, c; /* image: rows, cols, channels; flat: 1, 1, n */
    size_t t, f;    /* sequence: steps and features per step */
} nn_shape;

/* The shape of a row's output: its kind's layout over its h, w, c. */
nn_shape nn_layer_shape_of(const nn_layer *row);

/* Floats per sample of a shape. */
size_t nn_shape_size(const nn_shape *s);

/* A layer's view of one pass: its row and the row before (whose output is
 * its input), its parameters inside the net's buffer, and its room in the
 * workspace (see the scratch operation). */
typedef struct {
    const nn_layer *prev, *layer;
    size_t n_in, n_out;    /* floats per sample in and out */
    const float *w, *b;    /* weights and biases (NULL when it has none) */
    float *keep;           /* kept floats, or NULL in a forward-only workspace */
    float *temp;           /* temporary floats, shared by every layer */
    uint8_t *bytes;        /* kept bytes */
    size_t *kept_batch;    /* the batch the kept floats were filled for */
    int last;              /* the output row: no activation, its scores go to the loss */
} nn_layer_run;

/* The graph a writer builds when it exports a net (ONNX): the layers add
 * their initializers and nodes through these calls, on the current tensor
 * (cur). The writer keeps ONNX's (N, C, H, W) order for images, and the
 * layers say when they flatten. */
typedef struct nn_graph nn_graph;
typedef struct {
    const char *name;     /* attribute name */
    int64_t i;            /* an integer, when ints and s are NULL */
    const int64_t *ints;  /* or a list of n_ints integers */
    size_t n_ints;
    const char *s;        /* or a string */
} nn_graph_attr;
struct nn_graph {
    void *ctx;
    char cur[32];         /* the tensor the next node reads */
    int spatial;          /* cur is (N, C, H, W), not yet flattened */
    int sequence;         /* cur is (T, N, F), a sequence as ONNX's recurrent
                             operators read it */
    size_t channels;      /* C of cur while spatial */
    int output_done;      /* the last layer wrote the graph's output
                             "probabilities" itself (CTC: one distribution
                             per step), so the writer adds no Softmax */
    /* A float initializer named name of n_dims dims. */
    void (*tensor)(nn_graph *g, const char *name, const int64_t *dims, size_t n_dims,
                   const float *data, size_t n);
    /* An int64 initializer (a shape for Reshape). */
    void (*tensor_i64)(nn_graph *g, const char *name, const int64_t *dims, size_t n_dims,
                       const int64_t *data, size_t n);
    /* A node op(inputs) -> outputs named name, with up to 4 inputs, 2
     * outputs ("" for an output not used) and 4 attributes. */
    void (*node)(nn_graph *g, const char *op, const char *name, const char *const *in,
                 size_t n_in, const char *const *out, size_t n_out, const nn_graph_attr *attrs,
                 size_t n_attrs);
    int failed;           /* set by a layer that ran out of memory */
};

/* One parameter array as nnclass keeps it (for .npz): name "W" or "b" and
 * the layer's number, its dims and values. */
typedef struct {
    char prefix[4];
    size_t dims[4];
    size_t n_dims;
    const float *data;
} nn_param_array;

typedef struct nn_output_ops nn_output_ops;

/* The operations of one kind of layer. Optional entries may be NULL where
 * said. */
typedef struct {
    const char *name;    /* "dense": in messages, info, export refusals */
    int is_input;        /* the input row (row 0 only) */
    int in_v1;           /* model format version 1 can hold it (a plain dense list) */
    nn_shape_layout layout; /* what its output is (see nn_shape) */
    int can_be_output;   /* may be the last row: its outputs are the output's scores */
    /* The output a last row of this kind feeds (NULL: softmax with
     * cross-entropy). An output kind of its own (CTC, reconstruction) is a
     * row without parameters at the end of the table, its forward the
     * identity, naming its loss here. */
    const nn_output_ops *output;

    /* --- the text form (--layers, info, the .npz "layers" string) --- */
    /* prefix of its token ("conv"; "" for a bare number); NULL: no text form */
    const char *token;
    const char *alt_token; /* a second prefix (e.g. "bilstm"), or NULL */
    unsigned alt_flags;    /* the row flags its alt_token stands for */
    unsigned stack_flags;  /* flags of every row but the last of a token that
                              stands for several (its parse sets repeat) */
    unsigned known_flags;  /* the row flags it may have; others are refused */
    int has_units;         /* its rows keep a number of units (others must keep 0) */
    int variant;           /* a constant of the kind, for code several kinds share */
    /* Parses the token after its prefix (without :ACT) into row (zeroed, kind
     * set); returns NULL, or what the token should look like. */
    const char *(*parse)(const char *body, nn_layer *row);
    /* Writes the token of row into out (cap bytes). */
    void (*format)(const nn_layer *row, char *out, size_t cap);
    /* Its activation when the text gives none: 1 the hidden default, 0 none. */
    int takes_default_act;
    /* Details for info's table ("  (5x5 kernels, same)"), or "" . */
    void (*describe)(const nn_layer *row, char *out, size_t cap);

    /* --- shape and parameters --- */
    /* Checks row against its input shape (prev; NULL for the input) and fills
     * in its output shape; NN_E_ARG with a message naming what is wrong. */
    nn_status (*shape)(const nn_layer *prev, nn_layer *row, nn_error *err);
    /* Checks the fields a model file stores that shape does not set (a
     * kernel on a dense layer): NN_E_FORMAT with a message, or NN_OK. */
    nn_status (*check_saved)(const nn_layer *row, nn_error *err);
    /* Layer layout in the net's buffer: weights, then biases. */
    size_t (*n_weights)(const nn_layer *prev, const nn_layer *row);
    size_t (*n_biases)(const nn_layer *row);
    /* Its own initialisation of weights w and biases b (optional; NULL: the
     * generic rule from its fans, biases zero). */
    void (*init)(const nn_layer *prev, const nn_layer *row, float *w, float *b,
                 nn_rng *rng);
    /* Fan-in and fan-out for initialisation (0, 0: nothing to initialise). */
    void (*fans)(const nn_layer *prev, const nn_layer *row, size_t *fan_in, size_t *fan_out);

    /* --- workspace --- */
    /* Room for a minibatch of batch samples: kept floats and bytes (from the
     * forward pass to the backward pass, per layer) and temporary floats
     * (shared between layers). backward: a training workspace. */
    void (*scratch)(const nn_layer *prev, const nn_layer *row, size_t batch, int backward,
                    size_t *keep, size_t *bytes, size_t *temp);

    /* --- forward and backward over a minibatch, side by side --- */
    /* in (batch, n_in) -> out (batch, n_out): the layer, its bias and its
     * activation (run->last: no activation; the scores of the output). */
    void (*forward)(const nn_layer_run *run, const float *in, float *out, size_t batch);
    /* One sample (optional; NULL: forward with batch 1). */
    void (*forward_one)(const nn_layer_run *run, const float *in, float *out);
    /* From delta = dLoss/dZ (batch, n_out) (after its activation's
     * derivative) and its input in (batch, n_in): dw receives the gradient
     * of its weights then biases; when dprev is not NULL, dLoss/d(in)
     * (batch, n_in), before the input's activation derivative, which the
     * walk applies. */
    void (*backward)(const nn_layer_run *run, const float *in, const float *delta,
                     size_t batch, float *dw, float *dprev);

    /* --- a tuned path for the trainer's threads (optional, all or none) ---
     * The first layer's outputs in fixed blocks [j0, j1) of NN_FIRST_BLOCK,
     * so that threads can share them out with the same bits for any count. */
    /* Outputs [j0, j1) of the first layer: columns of out (batch, n_out). */
    void (*forward_cols)(const nn_layer_run *run, const float *in, size_t batch, size_t j0,
                         size_t j1, float *out);
    /* The gradient of its parameters for outputs [j0, j1) only. */
    void (*grad_cols)(const nn_layer_run *run, const float *in, const float *delta,
                      size_t batch, size_t j0, size_t j1, float *dw);
    /* As backward, with dprev only for input columns [j0, j1), in blocks,
     * with the input's activation derivative (act) applied. */
    void (*backward_cols)(const nn_layer_run *run, const float *in, const float *delta,
                          size_t batch, size_t j0, size_t j1, nn_activation act, float *dw,
                          float *dprev);

    /* --- the perceptron rule (optional: a kind that can be a perceptron's
     * only layer) --- On a minibatch x (batch, n_in) with labels y: the
     * sums z (batch, n_out) with the weights of the start of the
     * minibatch, then each misclassified sample moves the weights w and
     * biases b (the run's, writable). Returns the samples predicted right,
     * or (size_t)-1 when a sum is not finite. */
    size_t (*perceptron)(const nn_layer_run *run, float *w, float *b, const float *x,
                         const uint8_t *y, size_t batch, float lr, float *z);

    /* --- export: NULL refuses ("cannot export layer X to ONNX") --- */
    /* Adds layer l's nodes and initializers to g. NN_OK or a status. */
    nn_status (*onnx)(nn_graph *g, const nn_layer_run *run, size_t l, nn_error *err);
    /* Its parameter arrays as nnclass keeps them (up to 2). */
    size_t (*npz)(const nn_layer_run *run, nn_param_array out[2]);
} nn_layer_ops;

/* The operations of a kind, or NULL for an unknown kind. */
const nn_layer_ops *nn_layer_ops_of(nn_layer_kind kind);

/* Whether a kind is an output over a sequence (one distribution per time
 * step, as CTC's): what a reader of numbers ends in. 0 for an unknown kind. */
int nn_layer_kind_reads_seq(nn_layer_kind kind);

/* Room for kinds added at run time, numbered from NN_LAYER_KINDS. */
#define NN_LAYER_ADDED 4u

/* Adds a row of operations under a new kind number (the same number again
 * for the same ops) and returns it, or NN_LAYER_KINDS + NN_LAYER_ADDED when
 * the room is full. For tests and experiments in one process: the number
 * is not a stable model-file kind, and it is not thread-safe (call it
 * before any thread uses the table). */
nn_layer_kind nn_layer_add_kind(const nn_layer_ops *ops);

/* The kind of row 0 (the input). */
nn_layer_kind nn_layer_input_kind(void);

/* The kind whose text token starts body (not the input's): the longest
 * prefix that matches ("" matches a bare number), its length in
 * *prefix_len, and in *flags the kind's alt_flags when its alt_token
 * matched (0 otherwise); NN_LAYER_KINDS + NN_LAYER_ADDED when none does. */
nn_layer_kind nn_layer_kind_for_token(const char *body, size_t *prefix_len, unsigned *flags);

/* The row a plain list of sizes makes: an input of n values, or a dense
 * layer of n neurons with activation act. */
nn_layer nn_layer_input_row(size_t h, size_t w, size_t c);
nn_layer nn_layer_dense_row(size_t n, nn_activation act);

/* "input", "dense", "conv", "pool"; "unknown" for others. */
const char *nn_layer_kind_name(nn_layer_kind kind);

/* Targets of a minibatch for an output's loss. Softmax with cross-entropy
 * reads labels (one byte per sample). An output that needs more per sample
 * reads the rest: seq (CTC: label sequences, sample i's from seq[seq_off[i]]
 * to seq[seq_off[i+1]]) or images (reconstruction: the target values,
 * (batch, n_out)). */
typedef struct {
    const uint8_t *labels;
    const uint16_t *seq;
    const size_t *seq_off;
    const float *images;
} nn_targets;

/* The loss at the end of a table. */
struct nn_output_ops {
    const char *name;
    /* Scores (rows, n) -> probabilities, in place. */
    void (*probs)(float *z, size_t rows, size_t n);
    /* From scores z (batch, n): delta = d(summed loss / norm)/dz, and the
     * summed loss; *right counts the samples predicted right. z may be
     * overwritten. */
    double (*loss_grad)(float *z, const nn_targets *t, size_t batch, size_t norm, size_t n,
                        float *delta, size_t *right);
    /* For info: the output's activation ("sigmoid") and what it gives ("a
     * reconstruction of the input"); NULL for the classifier's softmax. */
    const char *act;
    const char *about;
};

/* Softmax with cross-entropy (one byte label per sample). */
extern const nn_output_ops nn_output_softmax_xent;

/* Reconstruction: a sigmoid per value and binary cross-entropy against the
 * target images (targets->images, values in [0, 1]); a sample's loss is
 * the mean over its values. */
extern const nn_output_ops nn_output_recon_bce;

/* The summed per-sample losses of nn_output_recon_bce (each the mean BCE
 * over n values) of scores z (batch, n) against targets y (batch, n). */
double nn_recon_loss(const float *z, const float *y, size_t batch, size_t n);

#endif
