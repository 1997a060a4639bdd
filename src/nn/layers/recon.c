/* recon.c - the reconstruction output: a row without parameters at the end
 * of an autoencoder's table, its forward the identity, whose loss is a
 * per-value sigmoid with binary cross-entropy against the target image
 * (the input pixels / 255), the mean per value being the loss reported.
 * Token: recon (after a layer of as many values as the image).
 *
 * Shapes: in (batch, n) -> out (batch, n), flat; the scores z (batch, n)
 * are logits, their sigmoid the reconstructed pixels. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "act.h"
#include "layers.h"

/* --- the loss: sigmoid + binary cross-entropy -------------------------------- */

/* The binary cross-entropy of logit x against target y, stable for any x. */
static inline float bce(float x, float y, float *e)
{
    *e = expf(-fabsf(x));
    return (x > 0.0f ? x : 0.0f) - x * y + log1pf(*e);
}

double nn_recon_loss(const float *z, const float *y, size_t batch, size_t n)
{
    double loss = 0.0;
    float e;
    for (size_t r = 0; r < batch; r++) {
        double sum = 0.0;
        for (size_t j = 0; j < n; j++)
            sum += (double)bce(z[r * n + j], y[r * n + j], &e);
        loss += sum / (double)n;
    }
    return loss;
}

/* The sigmoid of every score of Z (rows, n), in place: the reconstruction. */
static void recon_probs(float *z, size_t rows, size_t n)
{
    nn_activate(z, rows * n, NN_ACT_SIGMOID);
}

/* Per value, with target y in [0, 1] and logit z: loss = max(z, 0) - z*y +
 * log(1 + e^-|z|) (never overflows) and dLoss/dz = sigmoid(z) - y. A
 * sample's loss is the mean over its n values, so delta is divided by n
 * and by norm (the mean over a minibatch of norm samples). Returns the
 * summed per-sample losses; *right is left as it is (nothing to count). */
static double recon_bce_grad(float *z, const nn_targets *t, size_t batch, size_t norm,
                             size_t n, float *delta, size_t *right)
{
    (void)right;
    double loss = 0.0;
    float scale = 1.0f / ((float)norm * (float)n);
    for (size_t r = 0; r < batch; r++) {
        const float *zr = z + r * n, *yr = t->images + r * n;
        float *dr = delta + r * n;
        double sum = 0.0;
        for (size_t j = 0; j < n; j++) {
            float x = zr[j], y = yr[j], e;
            sum += (double)bce(x, y, &e);
            float s = x >= 0.0f ? 1.0f / (1.0f + e) : e / (1.0f + e);
            dr[j] = (s - y) * scale;
        }
        loss += sum / (double)n;
    }
    return loss;
}

const nn_output_ops nn_output_recon_bce = {
    .name = "recon",
    .probs = recon_probs,
    .loss_grad = recon_bce_grad,
    .act = "sigmoid",
    .about = "a reconstruction of the input",
};

/* --- the row ---------------------------------------------------------------------- */

/* Nothing after "recon". */
static const char *recon_parse(const char *p, nn_layer *row)
{
    if (*p != '\0')
        return "the reconstruction output is recon";
    row->act = NN_ACT_NONE;
    return NULL;
}

static void recon_format(const nn_layer *row, char *out, size_t cap)
{
    (void)row;
    snprintf(out, cap, "recon");
}

static void recon_describe(const nn_layer *row, char *out, size_t cap)
{
    (void)row;
    snprintf(out, cap, "  (sigmoid, binary cross-entropy per pixel)");
}

/* The values of the layer before it, as a flat vector. */
static nn_status recon_shape(const nn_layer *prev, nn_layer *row, nn_error *err)
{
    nn_shape s = nn_layer_shape_of(prev);
    if (s.layout != NN_SHAPE_FLAT)
        return nn_fail(err, NN_E_ARG, "a reconstruction output must follow a dense layer, "
                       "not the %s layer's image or sequence", nn_layer_kind_name(prev->kind));
    row->h = row->w = 1;
    row->c = nn_shape_size(&s);
    return NN_OK;
}

static nn_status recon_check_saved(const nn_layer *row, nn_error *err)
{
    if (row->k != 0 || row->same)
        return nn_fail(err, NN_E_FORMAT, "a reconstruction output has no kernel");
    return NN_OK;
}

static size_t recon_weights(const nn_layer *prev, const nn_layer *row)
{
    (void)prev, (void)row;
    return 0;
}

static size_t recon_biases(const nn_layer *row)
{
    (void)row;
    return 0;
}

static void recon_fans(const nn_layer *prev, const nn_layer *row, size_t *fan_in,
                       size_t *fan_out)
{
    (void)prev, (void)row;
    *fan_in = *fan_out = 0;
}

static void recon_scratch(const nn_layer *prev, const nn_layer *row, size_t batch,
                          int backward, size_t *keep, size_t *bytes, size_t *temp)
{
    (void)prev, (void)row, (void)batch, (void)backward;
    *keep = *bytes = *temp = 0;
}

/* in (batch, n) -> out (batch, n): the scores go to the loss unchanged. */
static void recon_forward(const nn_layer_run *run, const float *in, float *out, size_t batch)
{
    memcpy(out, in, batch * run->n_out * sizeof(float));
}

/* The identity's gradient: dprev = delta; no parameters. */
static void recon_backward(const nn_layer_run *run, const float *in, const float *delta,
                           size_t batch, float *dw, float *dprev)
{
    (void)in, (void)dw;
    if (dprev != NULL)
        memcpy(dprev, delta, batch * run->n_in * sizeof(float));
}

static size_t recon_npz(const nn_layer_run *run, nn_param_array out[2])
{
    (void)run, (void)out;
    return 0;
}

/* No onnx operation: the export refuses it ("cannot export layer recon"). */
const nn_layer_ops nn_recon_ops = {
    .name = "recon",
    .layout = NN_SHAPE_FLAT,
    .can_be_output = 1,
    .output = &nn_output_recon_bce,
    .token = "recon",
    .parse = recon_parse,
    .format = recon_format,
    .describe = recon_describe,
    .shape = recon_shape,
    .check_saved = recon_check_saved,
    .n_weights = recon_weights,
    .n_biases = recon_biases,
    .fans = recon_fans,
    .scratch = recon_scratch,
    .forward = recon_forward,
    .backward = recon_backward,
    .npz = recon_npz,
};
