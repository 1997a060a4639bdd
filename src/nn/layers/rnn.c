/* rnn.c - the rnn layer: the plain recurrent net of the lecture,
 * h_t = tanh(W x_t + R h_(t-1) + b).
 * Tokens: rnnH (the last step's hidden state out), rnnH-seq (every step's),
 * rnnHxN (N stacked layers), birnnH (both directions side by side). The
 * time loops and the operations are shared with the other recurrent kinds
 * (recurrent.c, recurrent_cell.c). */
#include "recurrent.h"

const nn_layer_ops nn_rnn_ops = {
    .name = "rnn",
    .token = "rnn",
    .alt_token = "birnn",
    .variant = NN_CELL_RNN,
    NN_RECURRENT_OPS,
};
