/* gru.c - the gru layer: a gated recurrent unit, with update and reset
 * gates, the reset applied after the recurrent product (as ONNX's
 * linear_before_reset = 1 and PyTorch do).
 * Tokens: gruH (the last step's hidden state out), gruH-seq (every step's),
 * gruHxN (N stacked layers), bigruH (both directions side by side). The
 * time loops and the operations are shared with the other recurrent kinds
 * (recurrent.c, recurrent_cell.c). */
#include "recurrent.h"

const nn_layer_ops nn_gru_ops = {
    .name = "gru",
    .token = "gru",
    .alt_token = "bigru",
    .variant = NN_CELL_GRU,
    NN_RECURRENT_OPS,
};
