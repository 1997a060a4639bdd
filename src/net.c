/* net.c - the fully-connected network: creation, initialisation, the
 * one-image (sgemv) and minibatch (sgemm) forward passes, and the fused
 * softmax/cross-entropy loss with its backward pass.
 *
 * Shapes throughout: a minibatch X is (batch, n_in) row-major, one image per
 * row; layer l's weights W are (n_out, n_in) row-major, so the layer computes
 * Y = f(X·W^T + b), which cblas_sgemm does without any explicit transpose. */
#include "nnclass/net.h"

#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "nnclass/vexp.h"
#include "vector_clones.h"

/* Buffers start on 64-byte boundaries (a cache line, an AVX-512 vector). */
#define NN_ALIGN 64u
#define NN_ALIGN_FLOATS (NN_ALIGN / sizeof(float))

static size_t round_up(size_t n, size_t to)
{
    return (n + to - 1) / to * to;
}

/* --- creation and bookkeeping -------------------------------------------- */

size_t nn_net_count_params(const size_t *sizes, size_t n_layers)
{
    if (sizes == NULL || n_layers < 2 || n_layers > NN_MAX_LAYERS)
        return 0;
    size_t total = 0;
    for (size_t l = 1; l < n_layers; l++) {
        /* Each size is capped before the product, so it cannot overflow 64 bits. */
        if (sizes[l] > NN_MAX_WIDTH || sizes[l - 1] > NN_MAX_WIDTH)
            return 0;
        total += sizes[l] * sizes[l - 1] + sizes[l];
        if (total > NN_MAX_PARAMS)
            return 0;
    }
    return total;
}

nn_status nn_net_create(const size_t *sizes, size_t n_layers, nn_activation hidden,
                        nn_net **out, nn_error *err)
{
    if (out == NULL)
        return nn_fail(err, NN_E_ARG, "no place to store the network");
    *out = NULL;
    if (sizes == NULL || n_layers < 2)
        return nn_fail(err, NN_E_ARG, "a network needs at least 2 layers (inputs and "
                       "outputs), got %zu", sizes == NULL ? (size_t)0 : n_layers);
    if (n_layers > NN_MAX_LAYERS)
        return nn_fail(err, NN_E_ARG, "%zu layers is more than the cap of %d (input "
                       "included)", n_layers, NN_MAX_LAYERS);
    for (size_t l = 0; l < n_layers; l++) {
        if (sizes[l] == 0)
            return nn_fail(err, NN_E_ARG, "layer %zu has 0 %s", l,
                           l == 0 ? "inputs" : "neurons");
        if (sizes[l] > NN_MAX_WIDTH)
            return nn_fail(err, NN_E_ARG, "layer %zu has %zu %s, more than the cap of %u", l,
                           sizes[l], l == 0 ? "inputs" : "neurons", NN_MAX_WIDTH);
    }
    size_t n_classes = sizes[n_layers - 1];
    if (n_classes < 2)
        return nn_fail(err, NN_E_ARG, "the output layer has 1 neuron; a classifier needs "
                       "at least 2 classes");
    if (n_classes > NN_MAX_CLASSES)
        return nn_fail(err, NN_E_ARG, "the output layer has %zu neurons, more than the cap "
                       "of %u classes", n_classes, NN_MAX_CLASSES);
    if ((unsigned)hidden > (unsigned)NN_ACT_STEP)
        return nn_fail(err, NN_E_ARG, "unknown activation %d", (int)hidden);
    if (hidden == NN_ACT_STEP && n_layers != 2)
        return nn_fail(err, NN_E_ARG, "the step activation (perceptron) takes no hidden "
                       "layer: use --layers %zu,%zu", sizes[0], n_classes);
    size_t n_params = nn_net_count_params(sizes, n_layers);
    if (n_params == 0)
        return nn_fail(err, NN_E_ARG, "the layers hold more than the cap of %zu parameters",
                       NN_MAX_PARAMS);

    /* One block: the struct, then the parameters on an aligned boundary. */
    size_t head = round_up(sizeof(nn_net), NN_ALIGN);
    size_t bytes = round_up(head + n_params * sizeof(float), NN_ALIGN);
    unsigned char *block = aligned_alloc(NN_ALIGN, bytes);
    if (block == NULL)
        return nn_fail(err, NN_E_NOMEM, "out of memory for a network of %zu parameters",
                       n_params);
    memset(block, 0, bytes);
    nn_net *net = (nn_net *)block;
    net->n_layers = n_layers;
    memcpy(net->sizes, sizes, n_layers * sizeof sizes[0]);
    net->hidden = hidden;
    net->n_params = n_params;
    net->params = (float *)(block + head);
    *out = net;
    return NN_OK;
}

void nn_net_free(nn_net *net)
{
    free(net);
}

size_t nn_net_neurons(const nn_net *net)
{
    size_t n = 0;
    for (size_t l = 1; l < net->n_layers; l++)
        n += net->sizes[l];
    return n;
}

size_t nn_net_weights_count(const nn_net *net)
{
    size_t n = 0;
    for (size_t l = 1; l < net->n_layers; l++)
        n += net->sizes[l] * net->sizes[l - 1];
    return n;
}

size_t nn_net_biases_count(const nn_net *net)
{
    return nn_net_neurons(net);
}

/* Offset of layer l's weights in params. */
static size_t layer_offset(const nn_net *net, size_t l)
{
    size_t off = 0;
    for (size_t k = 1; k < l; k++)
        off += net->sizes[k] * net->sizes[k - 1] + net->sizes[k];
    return off;
}

float *nn_net_weights(const nn_net *net, size_t l)
{
    assert(l >= 1 && l < net->n_layers);
    return net->params + layer_offset(net, l);
}

float *nn_net_biases(const nn_net *net, size_t l)
{
    assert(l >= 1 && l < net->n_layers);
    return net->params + layer_offset(net, l) + net->sizes[l] * net->sizes[l - 1];
}

void nn_net_init(nn_net *net, nn_rng *rng)
{
    memset(net->params, 0, net->n_params * sizeof(float));
    if (net->hidden == NN_ACT_STEP)
        return; /* the perceptron starts from zero */
    for (size_t l = 1; l < net->n_layers; l++) {
        size_t n_out = net->sizes[l], n_in = net->sizes[l - 1];
        float *w = nn_net_weights(net, l);
        int output = l == net->n_layers - 1;
        if (net->hidden == NN_ACT_RELU && !output) {
            /* He-normal: N(0, 2 / n_in) keeps relu activations' variance. */
            float sd = (float)sqrt(2.0 / (double)n_in);
            for (size_t i = 0; i < n_out * n_in; i++)
                w[i] = sd * nn_rng_normal(rng);
        } else {
            /* Glorot-uniform: U(-r, r), r = sqrt(6 / (n_in + n_out)); also for the
             * output layer, which feeds a softmax rather than a relu. */
            float r = (float)sqrt(6.0 / (double)(n_in + n_out));
            for (size_t i = 0; i < n_out * n_in; i++)
                w[i] = r * (2.0f * nn_rng_uniform(rng) - 1.0f);
        }
    }
}

const char *nn_activation_name(nn_activation act)
{
    switch (act) {
    case NN_ACT_SIGMOID: return "sigmoid";
    case NN_ACT_RELU: return "relu";
    case NN_ACT_TANH: return "tanh";
    case NN_ACT_STEP: return "step";
    }
    return "unknown";
}

int nn_activation_parse(const char *name, nn_activation *out)
{
    static const nn_activation all[] = {NN_ACT_SIGMOID, NN_ACT_RELU, NN_ACT_TANH,
                                        NN_ACT_STEP};
    if (name == NULL)
        return -1;
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (strcmp(name, nn_activation_name(all[i])) == 0) {
            *out = all[i];
            return 0;
        }
    return -1;
}

/* p / 255, correctly rounded, without a division (vector divisions made
 * scaling a minibatch cost half as much as a layer's sgemm):
 *
 *   p / 255 = p / 256 + p / (256 * 255)
 *
 * The first term is exact and the second 256 times smaller, so its rounding
 * error lies far below the sum's last place: for every byte the sum rounds to
 * the same bits as the float division (the tests try all 256). */
NN_VECTOR_CLONES
void nn_scale_pixels(const uint8_t *pixels, size_t n, float *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (float)pixels[i] * 0x1p-8f + (float)pixels[i] * (float)(1.0 / 65280.0);
}

nn_status nn_net_check_data(const nn_net *net, const nn_images *images,
                            const nn_labels *labels, nn_error *err)
{
    size_t n_in = net->sizes[0], n_classes = net->sizes[net->n_layers - 1];
    if (images->rows * images->cols != n_in)
        return nn_fail(err, NN_E_MISMATCH, "the images have %zux%zu = %zu pixels, the "
                       "network has %zu inputs", images->rows, images->cols,
                       images->rows * images->cols, n_in);
    if (labels->count != images->count)
        return nn_fail(err, NN_E_MISMATCH, "%zu images but %zu labels", images->count,
                       labels->count);
    for (size_t i = 0; i < labels->count; i++)
        if (labels->labels[i] >= n_classes)
            return nn_fail(err, NN_E_MISMATCH, "label %u of image %zu is not below the "
                           "network's %zu classes", labels->labels[i], i, n_classes);
    return NN_OK;
}

size_t nn_argmax(const float *v, size_t n)
{
    size_t best = 0;
    for (size_t i = 1; i < n; i++)
        if (v[i] > v[best])
            best = i;
    return best;
}

size_t nn_first_nonfinite(const float *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return i;
    return n;
}

void nn_set_threads(size_t threads)
{
    if (threads < 1)
        threads = 1;
    if (threads > 4096)
        threads = 4096;
    openblas_set_num_threads((int)threads);
}

/* --- workspace ----------------------------------------------------------- */

struct nn_workspace {
    size_t max_batch;
    size_t n_layers;
    size_t sizes[NN_MAX_LAYERS];
    float *act[NN_MAX_LAYERS]; /* act[l], l >= 1: (max_batch, sizes[l]) outputs of layer l */
    float *delta[2];           /* (max_batch, widest non-input layer), backprop ping-pong */
};

nn_status nn_workspace_create(const nn_net *net, size_t max_batch, nn_workspace **out,
                              nn_error *err)
{
    *out = NULL;
    if (max_batch == 0)
        return nn_fail(err, NN_E_ARG, "a workspace needs room for at least 1 image");
    size_t widest = 0, floats = 0;
    size_t head = round_up(sizeof(nn_workspace), NN_ALIGN);
    /* Each size is <= NN_MAX_WIDTH (2^16) and there are < 16 layers: cap the batch
     * so that no product below can overflow, whatever the caller asks. */
    if (max_batch > ((size_t)1 << 32) / NN_MAX_LAYERS)
        return nn_fail(err, NN_E_TOO_LARGE, "a workspace for %zu images is too large",
                       max_batch);
    for (size_t l = 1; l < net->n_layers; l++) {
        floats += round_up(max_batch * net->sizes[l], NN_ALIGN_FLOATS);
        if (net->sizes[l] > widest)
            widest = net->sizes[l];
    }
    size_t delta_floats = round_up(max_batch * widest, NN_ALIGN_FLOATS);
    floats += 2 * delta_floats;
    size_t bytes = head + floats * sizeof(float);
    unsigned char *block = aligned_alloc(NN_ALIGN, round_up(bytes, NN_ALIGN));
    if (block == NULL)
        return nn_fail(err, NN_E_NOMEM, "out of memory for a workspace of %zu images",
                       max_batch);
    nn_workspace *ws = (nn_workspace *)block;
    memset(ws, 0, sizeof *ws);
    ws->max_batch = max_batch;
    ws->n_layers = net->n_layers;
    memcpy(ws->sizes, net->sizes, sizeof ws->sizes);
    float *p = (float *)(block + head);
    for (size_t l = 1; l < net->n_layers; l++) {
        ws->act[l] = p;
        p += round_up(max_batch * net->sizes[l], NN_ALIGN_FLOATS);
    }
    ws->delta[0] = p;
    ws->delta[1] = p + delta_floats;
    *out = ws;
    return NN_OK;
}

void nn_workspace_free(nn_workspace *ws)
{
    free(ws);
}

static inline int ws_fits(const nn_net *net, const nn_workspace *ws, size_t batch)
{
    return ws->n_layers == net->n_layers &&
           memcmp(ws->sizes, net->sizes, net->n_layers * sizeof net->sizes[0]) == 0 &&
           batch <= ws->max_batch;
}

/* --- kernels ------------------------------------------------------------- */

/* The sigmoid 1 / (1 + e^-(z + b)) of Z (rows, n), rows stride floats
 * apart, in place. The exponentials go in one call when the rows are
 * contiguous. */
static void bias_sigmoid(float *z, size_t stride, const float *b, size_t rows, size_t n)
{
    for (size_t r = 0; r < rows; r++) {
        float *zr = z + r * stride;
        for (size_t j = 0; j < n; j++)
            zr[j] = -(zr[j] + b[j]);
    }
    if (stride == n)
        nn_vexp(z, rows * n);
    else
        for (size_t r = 0; r < rows; r++)
            nn_vexp(z + r * stride, n);
    for (size_t r = 0; r < rows; r++) {
        float *zr = z + r * stride;
        for (size_t j = 0; j < n; j++)
            zr[j] = 1.0f / (1.0f + zr[j]);
    }
}

/* Z is (rows, n) pre-activations without bias, row r starting at z + r * stride;
 * b is (n). A = f(Z + b), in place. */
static void bias_activate(float *z, size_t stride, const float *b, size_t rows, size_t n,
                          nn_activation act)
{
    switch (act) {
    case NN_ACT_SIGMOID:
        bias_sigmoid(z, stride, b, rows, n);
        break;
    case NN_ACT_RELU:
        for (size_t r = 0; r < rows; r++)
            for (size_t j = 0; j < n; j++) {
                float v = z[r * stride + j] + b[j];
                z[r * stride + j] = v > 0.0f ? v : 0.0f;
            }
        break;
    case NN_ACT_TANH:
        for (size_t r = 0; r < rows; r++)
            for (size_t j = 0; j < n; j++)
                z[r * stride + j] = tanhf(z[r * stride + j] + b[j]);
        break;
    case NN_ACT_STEP: /* never a hidden layer */
        for (size_t r = 0; r < rows; r++)
            for (size_t j = 0; j < n; j++)
                z[r * stride + j] += b[j];
        break;
    }
}

/* Rows a softmax handles per round, their argmax kept between passes. */
#define SOFTMAX_ROWS 64u

/* The first pass of a stable softmax over rows (<= SOFTMAX_ROWS) of Z,
 * (rows, n) logits without bias: adds the bias b to Z, records each row's
 * argmax in arg, and writes e^(z - the row's max) into e, which may be Z
 * itself; the exponentials go in one call. */
static void biased_exp(float *z, const float *b, size_t rows, size_t n, float *e, size_t *arg)
{
    for (size_t r = 0; r < rows; r++) {
        float *zr = z + r * n, *er = e + r * n;
        for (size_t j = 0; j < n; j++)
            zr[j] += b[j];
        arg[r] = nn_argmax(zr, n);
        float m = zr[arg[r]];
        for (size_t j = 0; j < n; j++)
            er[j] = zr[j] - m;
    }
    nn_vexp(e, rows * n);
}

/* Z is (rows, n) logits without bias; b is (n). Adds the bias, then takes
 * the stable softmax of every row, in place. */
static void bias_softmax(float *z, const float *b, size_t rows, size_t n)
{
    size_t arg[SOFTMAX_ROWS];
    for (size_t r0 = 0; r0 < rows; r0 += SOFTMAX_ROWS) {
        size_t k = rows - r0 < SOFTMAX_ROWS ? rows - r0 : SOFTMAX_ROWS;
        biased_exp(z + r0 * n, b, k, n, z + r0 * n, arg);
        for (size_t r = r0; r < r0 + k; r++) {
            float *zr = z + r * n;
            float s = 0.0f;
            for (size_t j = 0; j < n; j++)
                s += zr[j];
            float inv = 1.0f / s;
            for (size_t j = 0; j < n; j++)
                zr[j] *= inv;
        }
    }
}

/* One dense layer on a minibatch without bias and activation:
 * A_prev is (batch, n_in), W is (n_out, n_in) row-major;
 * Z = A_prev·W^T, (batch, n_out), via cblas_sgemm. */
static void dense_batch(const float *a_prev, const float *w, float *z, size_t batch,
                        size_t n_in, size_t n_out)
{
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)batch, (int)n_out, (int)n_in,
                1.0f, a_prev, (int)n_in, w, (int)n_in, 0.0f, z, (int)n_out);
}

const float *nn_net_forward(const nn_net *net, nn_workspace *ws, const float *x)
{
    assert(ws_fits(net, ws, 1));
    const float *a = x;
    size_t last = net->n_layers - 1;
    for (size_t l = 1; l <= last; l++) {
        size_t n_in = net->sizes[l - 1], n_out = net->sizes[l];
        float *z = ws->act[l];
        /* W is (n_out, n_in) row-major; z = W·a via cblas_sgemv, then f(z + b). */
        cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)n_out, (int)n_in, 1.0f,
                    nn_net_weights(net, l), (int)n_in, a, 1, 0.0f, z, 1);
        if (l == last)
            bias_softmax(z, nn_net_biases(net, l), 1, n_out);
        else
            bias_activate(z, n_out, nn_net_biases(net, l), 1, n_out, net->hidden);
        a = z;
    }
    return a;
}

/* Runs layers first..last of a minibatch from a, the (batch, sizes[first-1])
 * input of layer first: the hidden layers' outputs land in act[first..last-1]
 * and the output layer's logits, without bias, in act[last]. */
static void forward_from(const nn_net *net, nn_workspace *ws, size_t first, const float *a,
                         size_t batch)
{
    size_t last = net->n_layers - 1;
    const float *p = nn_net_weights(net, first);
    for (size_t l = first; l <= last; l++) {
        size_t n_in = net->sizes[l - 1], n_out = net->sizes[l];
        const float *w = p, *b = p + n_out * n_in;
        p = b + n_out;
        dense_batch(a, w, ws->act[l], batch, n_in, n_out);
        if (l < last)
            bias_activate(ws->act[l], n_out, b, batch, n_out, net->hidden);
        a = ws->act[l];
    }
}

const float *nn_net_forward_batch(const nn_net *net, nn_workspace *ws, const float *x,
                                  size_t batch)
{
    assert(ws_fits(net, ws, batch));
    size_t last = net->n_layers - 1;
    forward_from(net, ws, 1, x, batch);
    bias_softmax(ws->act[last], nn_net_biases(net, last), batch, net->sizes[last]);
    return ws->act[last];
}

/* The fused output layer: z (batch, n_classes) logits without bias. Per row,
 * with m the max logit and s = sum exp(z - m): loss = log s + m - z_y
 * (log-sum-exp, never overflows) and dLoss/dz = softmax(z) - onehot(y).
 * delta receives that, divided by batch because the loss is the batch mean.
 * Returns the summed loss; *right counts the rows whose largest logit is y. */
static double softmax_xent_delta(float *z, const float *b, const uint8_t *labels,
                                 size_t batch, size_t n_classes, float *delta, size_t *right)
{
    size_t arg[SOFTMAX_ROWS];
    double loss = 0.0;
    float inv_batch = 1.0f / (float)batch;
    for (size_t r0 = 0; r0 < batch; r0 += SOFTMAX_ROWS) {
        size_t rows = batch - r0 < SOFTMAX_ROWS ? batch - r0 : SOFTMAX_ROWS;
        biased_exp(z + r0 * n_classes, b, rows, n_classes, delta + r0 * n_classes, arg);
        for (size_t i = 0; i < rows; i++) {
            const float *zr = z + (r0 + i) * n_classes;
            float *dr = delta + (r0 + i) * n_classes;
            size_t y = labels[r0 + i];
            float s = 0.0f;
            for (size_t j = 0; j < n_classes; j++)
                s += dr[j];
            loss += (double)(logf(s) + zr[arg[i]] - zr[y]);
            *right += arg[i] == y;
            float scale = inv_batch / s;
            for (size_t j = 0; j < n_classes; j++)
                dr[j] *= scale;
            dr[y] -= inv_batch;
        }
    }
    return loss;
}

/* Gradient of one layer from delta = dLoss/dZ, (batch, n_out) with rows ld
 * floats apart, and the layer's inputs A_prev (batch, n_in):
 * dW (n_out, n_in) = delta^T · A_prev via sgemm, db (n_out) = column sums of delta. */
static void layer_grad(const float *delta, size_t ld, const float *a_prev, size_t batch,
                       size_t n_in, size_t n_out, float *dw, float *db)
{
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)n_out, (int)n_in, (int)batch,
                1.0f, delta, (int)ld, a_prev, (int)n_in, 0.0f, dw, (int)n_in);
    memcpy(db, delta, n_out * sizeof(float));
    for (size_t r = 1; r < batch; r++) {
        const float *dr = delta + r * ld;
        for (size_t j = 0; j < n_out; j++)
            db[j] += dr[j];
    }
}

/* delta_prev = (delta (batch, n_out) · W (n_out, n_in)) ⊙ f'(A_prev), for the
 * columns [j0, j1) of the hidden layer below only; delta_prev and A_prev are
 * (batch, n_in). f' is written in terms of the activation a = f(z). */
static void hidden_delta(const float *delta, const float *w, const float *a_prev,
                         size_t batch, size_t n_in, size_t n_out, size_t j0, size_t j1,
                         nn_activation act, float *dp)
{
    size_t n = j1 - j0;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)batch, (int)n, (int)n_out,
                1.0f, delta, (int)n_out, w + j0, (int)n_in, 0.0f, dp + j0, (int)n_in);
    for (size_t r = 0; r < batch; r++) {
        float *d = dp + r * n_in + j0;
        const float *a = a_prev + r * n_in + j0;
        switch (act) {
        case NN_ACT_SIGMOID: /* a (1 - a) */
            for (size_t i = 0; i < n; i++)
                d[i] *= a[i] * (1.0f - a[i]);
            break;
        case NN_ACT_RELU: /* 1 where a > 0 */
            for (size_t i = 0; i < n; i++)
                d[i] = a[i] > 0.0f ? d[i] : 0.0f;
            break;
        case NN_ACT_TANH: /* 1 - a^2 */
            for (size_t i = 0; i < n; i++)
                d[i] *= 1.0f - a[i] * a[i];
            break;
        case NN_ACT_STEP: /* no hidden layer exists */
            break;
        }
    }
}

/* The next block boundary after j, capped at j1. */
static size_t block_end(size_t j, size_t j1)
{
    size_t end = (j / NN_FIRST_BLOCK + 1) * NN_FIRST_BLOCK;
    return end < j1 ? end : j1;
}

void nn_net_forward_first(const nn_net *net, const float *x, size_t batch, size_t j0,
                          size_t j1, float *a1)
{
    assert(net->n_layers >= 3 && j0 < j1 && j1 <= net->sizes[1] && j0 % NN_FIRST_BLOCK == 0);
    size_t n_in = net->sizes[0], n1 = net->sizes[1];
    const float *w = nn_net_weights(net, 1), *b = nn_net_biases(net, 1);
    for (size_t j = j0; j < j1; j = block_end(j, j1)) {
        size_t n = block_end(j, j1) - j;
        /* Columns j..j+n of A1 (batch, n1) = X · W1[j:j+n]^T, then f(· + b). */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)batch, (int)n, (int)n_in,
                    1.0f, x, (int)n_in, w + j * n_in, (int)n_in, 0.0f, a1 + j, (int)n1);
        bias_activate(a1 + j, n1, b + j, batch, n, net->hidden);
    }
}

float nn_net_loss_grad_from_first(const nn_net *net, nn_workspace *ws, const float *x,
                                  const float *a1, const uint8_t *labels, size_t batch,
                                  size_t j0, size_t j1, float *grad, size_t *correct)
{
    assert(net->n_layers >= 3 && ws_fits(net, ws, batch) && batch > 0);
    assert(j0 < j1 && j1 <= net->sizes[1] && j0 % NN_FIRST_BLOCK == 0);
    size_t last = net->n_layers - 1;
    size_t n_classes = net->sizes[last];

    forward_from(net, ws, 2, a1, batch);

    size_t right = 0;
    double loss = softmax_xent_delta(ws->act[last], nn_net_biases(net, last), labels, batch,
                                     n_classes, ws->delta[0], &right);

    /* Backward, layer by layer down to 2: delta is (batch, n_out) = dLoss/dZ_l. */
    int cur = 0;
    for (size_t l = last; l >= 2; l--) {
        size_t n_in = net->sizes[l - 1], n_out = net->sizes[l];
        size_t off = layer_offset(net, l);
        const float *a_prev = l == 2 ? a1 : ws->act[l - 1];
        const float *delta = ws->delta[cur];
        layer_grad(delta, n_out, a_prev, batch, n_in, n_out, grad + off,
                   grad + off + n_out * n_in);
        if (l > 2)
            hidden_delta(delta, net->params + off, a_prev, batch, n_in, n_out, 0, n_in,
                         net->hidden, ws->delta[1 - cur]);
        else
            for (size_t j = j0; j < j1; j = block_end(j, j1))
                hidden_delta(delta, net->params + off, a_prev, batch, n_in, n_out, j,
                             block_end(j, j1), net->hidden, ws->delta[1 - cur]);
        cur = 1 - cur;
    }

    /* Layer 1, rows [j0, j1) of dW1 and entries of db1, block by block. */
    size_t n_in = net->sizes[0], n1 = net->sizes[1];
    float *dw1 = grad, *db1 = grad + n1 * n_in;
    for (size_t j = j0; j < j1; j = block_end(j, j1))
        layer_grad(ws->delta[cur] + j, n1, x, batch, n_in, block_end(j, j1) - j,
                   dw1 + j * n_in, db1 + j);

    if (correct != NULL)
        *correct = right;
    return (float)(loss / (double)batch);
}

float nn_net_loss_grad(const nn_net *net, nn_workspace *ws, const float *x,
                       const uint8_t *labels, size_t batch, float *grad, size_t *correct)
{
    assert(ws_fits(net, ws, batch) && batch > 0);
    if (net->n_layers >= 3) {
        nn_net_forward_first(net, x, batch, 0, net->sizes[1], ws->act[1]);
        return nn_net_loss_grad_from_first(net, ws, x, ws->act[1], labels, batch, 0,
                                           net->sizes[1], grad, correct);
    }
    /* No hidden layer: layer 1 is the output layer. */
    size_t n_in = net->sizes[0], n_classes = net->sizes[1];
    forward_from(net, ws, 1, x, batch);
    size_t right = 0;
    double loss = softmax_xent_delta(ws->act[1], nn_net_biases(net, 1), labels, batch,
                                     n_classes, ws->delta[0], &right);
    layer_grad(ws->delta[0], n_classes, x, batch, n_in, n_classes, grad,
               grad + n_classes * n_in);
    if (correct != NULL)
        *correct = right;
    return (float)(loss / (double)batch);
}
