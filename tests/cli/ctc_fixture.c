/* ctc_fixture.c - writes what the CTC export test compares: a small reader
 * (conv, pool, cols, a bidirectional LSTM keeping every step, a dense layer
 * at every step, CTC) with seeded random weights, a few random strips as an
 * IDX image file, and nnclass's per-step probabilities of those strips.
 * Usage: ctc_fixture DIR  ->  DIR/reader.nnc, DIR/strips.idx, DIR/probs.f32
 * (raw little-endian float32, strips x steps x 11). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nnclass/base/rng.h"
#include "nnclass/nn/model.h"
#include "nnclass/nn/net.h"

#define ROWS 8
#define COLS 24
#define STRIPS 40

static int write_all(const char *dir, const char *name, const void *buf, size_t len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return -1;
    size_t n = fwrite(buf, 1, len, f);
    return fclose(f) == 0 && n == len ? 0 : -1;
}

/* Big-endian 32 bits. */
static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: ctc_fixture DIR\n");
        return 2;
    }
    nn_layer t[NN_MAX_LAYERS];
    size_t n = 0;
    nn_error err = {{0}};
    nn_net *net = NULL;
    if (nn_net_parse_table("8x24,conv3x3x3-same:tanh,pool2,cols,bilstm6-seq,step11,ctc",
                           NN_ACT_RELU, t, &n, &err) != NN_OK ||
        nn_net_create_table(t, n, &net, &err) != NN_OK) {
        fprintf(stderr, "ctc_fixture: %s\n", err.msg);
        return 1;
    }
    nn_rng rng;
    nn_rng_seed(&rng, 17);
    nn_net_init(net, &rng);
    for (size_t i = 0; i < net->n_params; i++) /* peaked distributions, not near uniform */
        net->params[i] *= 3.0f;
    static nn_model_meta meta;
    meta.rows = ROWS;
    meta.cols = COLS;
    meta.n_classes = 10;
    meta.val_accuracy = -1.0f;
    char path[4096];
    snprintf(path, sizeof path, "%s/reader.nnc", argv[1]);
    if (nn_model_save(path, net, &meta, &err) != NN_OK) {
        fprintf(stderr, "ctc_fixture: %s\n", err.msg);
        return 1;
    }
    static uint8_t idx[16 + STRIPS * ROWS * COLS];
    static float x[STRIPS * ROWS * COLS];
    put_be32(idx, 0x803), put_be32(idx + 4, STRIPS), put_be32(idx + 8, ROWS);
    put_be32(idx + 12, COLS);
    for (size_t i = 0; i < STRIPS * ROWS * COLS; i++) {
        idx[16 + i] = (uint8_t)(nn_rng_uniform(&rng) * 256.0f);
        x[i] = (float)idx[16 + i] / 255.0f;
    }
    nn_workspace *ws = NULL;
    if (nn_workspace_create_forward(net, STRIPS, &ws, &err) != NN_OK) {
        fprintf(stderr, "ctc_fixture: %s\n", err.msg);
        return 1;
    }
    const float *p = nn_net_forward_batch(net, ws, x, STRIPS);
    size_t n_out = STRIPS * nn_net_size(net, net->n_layers - 1);
    int bad = write_all(argv[1], "strips.idx", idx, sizeof idx) != 0 ||
              write_all(argv[1], "probs.f32", p, n_out * sizeof *p) != 0;
    nn_workspace_free(ws);
    nn_net_free(net);
    if (bad)
        fprintf(stderr, "ctc_fixture: cannot write into %s\n", argv[1]);
    return bad;
}
