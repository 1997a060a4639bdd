/* table.c - the table of layer kinds: nn_layer_kind -> its operations. A
 * new kind of layer is one row here and one file beside this one. */
#include <string.h>

#include "layers.h"

/* One row per kind, each defined in the kind's own file. */
extern const nn_layer_ops nn_input_ops; /* input.c */
extern const nn_layer_ops nn_dense_ops; /* dense.c */
extern const nn_layer_ops nn_conv_ops;  /* conv.c */
extern const nn_layer_ops nn_pool_ops;  /* pool.c */
extern const nn_layer_ops nn_rnn_ops;   /* rnn.c */
extern const nn_layer_ops nn_gru_ops;   /* gru.c */
extern const nn_layer_ops nn_lstm_ops;  /* lstm.c */
extern const nn_layer_ops nn_recon_ops; /* recon.c */
extern const nn_layer_ops nn_cols_ops;  /* cols.c */
extern const nn_layer_ops nn_ctc_ops;   /* ctc.c */
extern const nn_layer_ops nn_step_dense_ops; /* step_dense.c */
extern const nn_layer_ops nn_upsample_ops; /* upsample.c */

static const nn_layer_ops *const table[NN_LAYER_KINDS] = {
    [NN_LAYER_INPUT] = &nn_input_ops,
    [NN_LAYER_DENSE] = &nn_dense_ops,
    [NN_LAYER_CONV] = &nn_conv_ops,
    [NN_LAYER_POOL] = &nn_pool_ops,
    [NN_LAYER_RNN] = &nn_rnn_ops,
    [NN_LAYER_GRU] = &nn_gru_ops,
    [NN_LAYER_LSTM] = &nn_lstm_ops,
    [NN_LAYER_RECON] = &nn_recon_ops,
    [NN_LAYER_COLS] = &nn_cols_ops,
    [NN_LAYER_CTC] = &nn_ctc_ops,
    [NN_LAYER_STEP_DENSE] = &nn_step_dense_ops,
    [NN_LAYER_UPSAMPLE] = &nn_upsample_ops,
};

/* Rows added at run time, after the built-in kinds (see nn_layer_add_kind). */
static const nn_layer_ops *added[NN_LAYER_ADDED];

const nn_layer_ops *nn_layer_ops_of(nn_layer_kind kind)
{
    if ((unsigned)kind < NN_LAYER_KINDS)
        return table[kind];
    if ((unsigned)kind < NN_LAYER_KINDS + NN_LAYER_ADDED)
        return added[kind - NN_LAYER_KINDS];
    return NULL;
}

int nn_layer_kind_reads_seq(nn_layer_kind kind)
{
    const nn_layer_ops *ops = nn_layer_ops_of(kind);
    return ops != NULL && ops->output != NULL && ops->layout == NN_SHAPE_SEQUENCE;
}

nn_layer_kind nn_layer_add_kind(const nn_layer_ops *ops)
{
    for (size_t i = 0; i < NN_LAYER_ADDED; i++)
        if (added[i] == NULL || added[i] == ops) {
            added[i] = ops;
            return (nn_layer_kind)(NN_LAYER_KINDS + i);
        }
    return (nn_layer_kind)(NN_LAYER_KINDS + NN_LAYER_ADDED);
}

nn_layer_kind nn_layer_input_kind(void)
{
    for (size_t k = 0; k < NN_LAYER_KINDS; k++)
        if (table[k] != NULL && table[k]->is_input)
            return (nn_layer_kind)k;
    return (nn_layer_kind)NN_LAYER_KINDS;
}

const char *nn_layer_kind_name(nn_layer_kind kind)
{
    const nn_layer_ops *ops = nn_layer_ops_of(kind);
    return ops != NULL ? ops->name : "unknown";
}

nn_layer_kind nn_layer_kind_for_token(const char *body, size_t *prefix_len, unsigned *flags)
{
    *flags = 0;
    size_t best = 0;
    int found = -1;
    for (size_t k = 0; k < NN_LAYER_KINDS + NN_LAYER_ADDED; k++) {
        const nn_layer_ops *ops = nn_layer_ops_of((nn_layer_kind)k);
        if (ops == NULL || ops->is_input || ops->token == NULL)
            continue;
        const char *tokens[2] = {ops->token, ops->alt_token};
        for (size_t i = 0; i < 2 && tokens[i] != NULL; i++) {
            size_t n = strlen(tokens[i]);
            if (strncmp(body, tokens[i], n) == 0 && (found < 0 || n > best)) {
                best = n;
                found = (int)k;
                *flags = i == 1 ? ops->alt_flags : 0;
            }
        }
    }
    *prefix_len = best;
    return found < 0 ? (nn_layer_kind)(NN_LAYER_KINDS + NN_LAYER_ADDED) : (nn_layer_kind)found;
}

nn_shape nn_layer_shape_of(const nn_layer *row)
{
    const nn_layer_ops *ops = nn_layer_ops_of(row->kind);
    nn_shape s = {.layout = ops != NULL ? ops->layout : NN_SHAPE_FLAT,
                  .h = row->h, .w = row->w, .c = row->c};
    if (s.layout == NN_SHAPE_SEQUENCE) {
        s.t = row->h;
        s.f = row->c;
    }
    return s;
}

size_t nn_shape_size(const nn_shape *s)
{
    return s->layout == NN_SHAPE_SEQUENCE ? s->t * s->f : s->h * s->w * s->c;
}
