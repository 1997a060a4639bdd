/* lstm.c - the lstm layer: a long short-term memory, with input, output and
 * forget gates and a cell state; the forget gate's bias starts at 1.
 * Tokens: lstmH (the last step's hidden state out), lstmH-seq (every
 * step's), lstmHxN (N stacked layers), bilstmH (both directions side by
 * side). The time loops and the operations are shared with the other
 * recurrent kinds (recurrent.c, recurrent_cell.c). */
#include "recurrent.h"

const nn_layer_ops nn_lstm_ops = {
    .name = "lstm",
    .token = "lstm",
    .alt_token = "bilstm",
    .variant = NN_CELL_LSTM,
    NN_RECURRENT_OPS,
};
