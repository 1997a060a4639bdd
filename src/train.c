/* train.c - minibatch training: the epoch loop (seeded reshuffle, bytes
 * scaled per minibatch), the optimisers (SGD, heavy-ball and Nesterov
 * momentum, Adam) with L2 weight decay on the weights, the learning-rate
 * schedules, the held-out validation split with best-epoch restore, and the
 * perceptron rule for NN_ACT_STEP nets. */
#include "nnclass/train.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cblas.h>

/* Images per forward pass when measuring validation accuracy. */
#define VAL_CHUNK 256u

/* The shuffling and validation streams are derived from the seed but differ
 * from the stream the caller initialises the weights with (seeded with seed). */
#define SHUFFLE_STREAM 0x53485546464c4531ull /* "SHUFFLE1" */
#define VAL_STREAM 0x56414c53504c4954ull     /* "VALSPLIT" */

#define ADAM_BETA1 0.9f
#define ADAM_BETA2 0.999f
#define ADAM_EPS 1e-8f

void nn_train_options_default(nn_train_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->epochs = 50;
    opt->batch = 64;
    opt->lr = 0.05f;
    opt->optimizer = NN_OPT_NESTEROV;
    opt->momentum = 0.9f;
    opt->weight_decay = 5e-4f;
    opt->schedule = NN_LR_COSINE;
    opt->step_epochs = 10;
    opt->step_gamma = 0.1f;
    opt->seed = 1;
    opt->val_count = 0;
}

nn_status nn_train_options_check(const nn_train_options *opt, size_t n_images,
                                 nn_error *err)
{
    if (n_images == 0)
        return nn_fail(err, NN_E_ARG, "there are no training images");
    if (opt->epochs == 0)
        return nn_fail(err, NN_E_ARG, "--epochs: must be at least 1");
    if (opt->batch == 0)
        return nn_fail(err, NN_E_ARG, "--batch: must be at least 1");
    if (opt->val_count >= n_images)
        return nn_fail(err, NN_E_ARG, "--val: %zu would leave no training images (there "
                       "are %zu)", opt->val_count, n_images);
    size_t n_train = n_images - opt->val_count;
    if (opt->batch > n_train) {
        if (opt->val_count > 0)
            return nn_fail(err, NN_E_ARG, "--batch: %zu is larger than the %zu training "
                           "images left after --val %zu", opt->batch, n_train,
                           opt->val_count);
        return nn_fail(err, NN_E_ARG, "--batch: %zu is larger than the %zu training images",
                       opt->batch, n_train);
    }
    if (!isfinite(opt->lr) || opt->lr <= 0.0f)
        return nn_fail(err, NN_E_ARG, "--lr: must be a finite number > 0, got %g",
                       (double)opt->lr);
    if ((unsigned)opt->optimizer > (unsigned)NN_OPT_ADAM)
        return nn_fail(err, NN_E_ARG, "--optimizer: unknown optimizer %d",
                       (int)opt->optimizer);
    if (!isfinite(opt->momentum) || opt->momentum < 0.0f || opt->momentum >= 1.0f)
        return nn_fail(err, NN_E_ARG, "--momentum: must be a number in [0, 1), got %g",
                       (double)opt->momentum);
    if (!isfinite(opt->weight_decay) || opt->weight_decay < 0.0f)
        return nn_fail(err, NN_E_ARG, "--weight-decay: must be a finite number >= 0, got %g",
                       (double)opt->weight_decay);
    if ((unsigned)opt->schedule > (unsigned)NN_LR_COSINE)
        return nn_fail(err, NN_E_ARG, "--lr-schedule: unknown schedule %d",
                       (int)opt->schedule);
    if (opt->schedule == NN_LR_STEP) {
        if (opt->step_epochs == 0)
            return nn_fail(err, NN_E_ARG, "--lr-schedule step: the period must be at least "
                           "1 epoch");
        if (!isfinite(opt->step_gamma) || opt->step_gamma <= 0.0f)
            return nn_fail(err, NN_E_ARG, "--lr-schedule step: the factor must be a finite "
                           "number > 0, got %g", (double)opt->step_gamma);
    }
    if (n_images > UINT32_MAX)
        return nn_fail(err, NN_E_ARG, "%zu training images are more than the %lu this "
                       "build can index", n_images, (unsigned long)UINT32_MAX);
    return NN_OK;
}

static const char *const optimizer_names[] = {"sgd", "momentum", "nesterov", "adam"};
static const char *const schedule_names[] = {"constant", "step", "cosine"};

const char *nn_optimizer_name(nn_optimizer opt)
{
    return (unsigned)opt <= (unsigned)NN_OPT_ADAM ? optimizer_names[opt] : "unknown";
}

int nn_optimizer_parse(const char *name, nn_optimizer *out)
{
    for (int i = 0; name != NULL && i <= (int)NN_OPT_ADAM; i++)
        if (strcmp(name, optimizer_names[i]) == 0) {
            *out = (nn_optimizer)i;
            return 0;
        }
    return -1;
}

const char *nn_lr_schedule_name(nn_lr_schedule s)
{
    return (unsigned)s <= (unsigned)NN_LR_COSINE ? schedule_names[s] : "unknown";
}

int nn_lr_schedule_parse(const char *name, nn_lr_schedule *out)
{
    for (int i = 0; name != NULL && i <= (int)NN_LR_COSINE; i++)
        if (strcmp(name, schedule_names[i]) == 0) {
            *out = (nn_lr_schedule)i;
            return 0;
        }
    return -1;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Learning rate of a step: epoch is 1-based, step counts minibatches from 0
 * over the whole run, total_steps is their number. */
static float lr_at(const nn_train_options *opt, size_t epoch, size_t step, size_t total_steps)
{
    switch (opt->schedule) {
    case NN_LR_CONSTANT:
        break;
    case NN_LR_STEP:
        return (float)((double)opt->lr *
                       pow((double)opt->step_gamma, (double)((epoch - 1) / opt->step_epochs)));
    case NN_LR_COSINE:
        return (float)((double)opt->lr * 0.5 *
                       (1.0 + cos(3.14159265358979323846 * (double)step / (double)total_steps)));
    }
    return opt->lr;
}

/* Images ahead of the one being scaled whose bytes are prefetched. */
#define PREFETCH_AHEAD 4u

/* Copies the images idx[0..n) into x, (n, n_in) floats in [0, 1], and their
 * labels into y. The images sit at random places in a 47 MB array, so the
 * copy waits on memory more than it computes: the bytes of the images
 * PREFETCH_AHEAD places further on in idx (up to idx_end, which may lie past
 * this minibatch) are requested while the current one is scaled. */
static void gather(const nn_images *images, const nn_labels *labels, const uint32_t *idx,
                   size_t n, const uint32_t *idx_end, size_t n_in, float *x, uint8_t *y)
{
    for (size_t r = 0; r < n; r++) {
        if (idx + r + PREFETCH_AHEAD < idx_end) {
            const uint8_t *ahead = images->pixels + (size_t)idx[r + PREFETCH_AHEAD] * n_in;
            for (size_t i = 0; i < n_in; i += 64)
                __builtin_prefetch(ahead + i);
            __builtin_prefetch(ahead + n_in - 1);
        }
        nn_scale_pixels(images->pixels + (size_t)idx[r] * n_in, n_in, x + r * n_in);
        y[r] = labels->labels[idx[r]];
    }
}

/* Fraction of the images idx[0..n) that the net classifies right. */
static double accuracy_on(const nn_net *net, nn_workspace *ws, const nn_images *images,
                          const nn_labels *labels, const uint32_t *idx, size_t n,
                          float *x, uint8_t *y)
{
    size_t n_in = net->sizes[0], n_classes = net->sizes[net->n_layers - 1];
    size_t right = 0;
    for (size_t start = 0; start < n; start += VAL_CHUNK) {
        size_t bs = n - start < VAL_CHUNK ? n - start : VAL_CHUNK;
        gather(images, labels, idx + start, bs, idx + n, n_in, x, y);
        const float *probs = nn_net_forward_batch(net, ws, x, bs);
        for (size_t r = 0; r < bs; r++)
            right += nn_argmax(probs + r * n_classes, n_classes) == y[r];
    }
    return n > 0 ? (double)right / (double)n : 0.0;
}

/* Optimiser state: v is the momentum buffer (or Adam's first moment), s
 * Adam's second moment; both n_params floats, zero at the start. */
typedef struct {
    const nn_train_options *opt;
    float *v, *s;
    size_t t; /* steps taken, for Adam's bias correction */
} optimiser;

/* One update of n parameters p from their gradient g, with L2 decay wd
 * (0 for biases) added to the gradient. v and s are the state of the same
 * n parameters. Every branch is one fused pass. */
static void update_span(const optimiser *o, float lr, float wd, float *p, const float *g,
                        float *v, float *s, size_t n)
{
    const float mu = o->opt->momentum;
    switch (o->opt->optimizer) {
    case NN_OPT_SGD:
        for (size_t i = 0; i < n; i++)
            p[i] -= lr * (g[i] + wd * p[i]);
        break;
    case NN_OPT_MOMENTUM: /* v = mu v + g; p -= lr v */
        for (size_t i = 0; i < n; i++) {
            float gi = g[i] + wd * p[i];
            v[i] = mu * v[i] + gi;
            p[i] -= lr * v[i];
        }
        break;
    case NN_OPT_NESTEROV: /* v = mu v + g; p -= lr (g + mu v) */
        for (size_t i = 0; i < n; i++) {
            float gi = g[i] + wd * p[i];
            v[i] = mu * v[i] + gi;
            p[i] -= lr * (gi + mu * v[i]);
        }
        break;
    case NN_OPT_ADAM: {
        /* m = b1 m + (1-b1) g; s = b2 s + (1-b2) g^2;
         * p -= lr (m / c1) / (sqrt(s / c2) + eps), c = 1 - beta^t. */
        float c1 = (float)(1.0 - pow((double)ADAM_BETA1, (double)o->t));
        float c2 = (float)(1.0 - pow((double)ADAM_BETA2, (double)o->t));
        float step = lr / c1, inv_c2 = 1.0f / c2;
        for (size_t i = 0; i < n; i++) {
            float gi = g[i] + wd * p[i];
            v[i] = ADAM_BETA1 * v[i] + (1.0f - ADAM_BETA1) * gi;
            s[i] = ADAM_BETA2 * s[i] + (1.0f - ADAM_BETA2) * gi * gi;
            p[i] -= step * v[i] / (sqrtf(s[i] * inv_c2) + ADAM_EPS);
        }
        break;
    }
    }
}

/* Applies one optimiser step to every layer: weights with decay, biases without. */
static void update(optimiser *o, nn_net *net, const float *grad, float lr)
{
    o->t++;
    size_t off = 0;
    for (size_t l = 1; l < net->n_layers; l++) {
        size_t nw = net->sizes[l] * net->sizes[l - 1], nb = net->sizes[l];
        float *v = o->v != NULL ? o->v + off : NULL, *s = o->s != NULL ? o->s + off : NULL;
        update_span(o, lr, o->opt->weight_decay, net->params + off, grad + off, v, s, nw);
        off += nw;
        update_span(o, lr, 0.0f, net->params + off, grad + off, v ? v + nw : NULL,
                    s ? s + nw : NULL, nb);
        off += nb;
    }
}

/* The perceptron rule on a minibatch x (batch, n_in): the weighted sums
 * Z = X·W^T + b (batch, n_classes) come from one cblas_sgemm with the weights
 * of the start of the minibatch; then, image by image, a misclassified image
 * adds lr x to its true class's row and bias and subtracts it from the
 * predicted class's. Returns the number of images predicted right, or
 * (size_t)-1 when a sum is not finite. */
static size_t perceptron_step(nn_net *net, const float *x, const uint8_t *y, size_t batch,
                              float lr, float *z)
{
    size_t n_in = net->sizes[0], n_classes = net->sizes[1];
    float *w = nn_net_weights(net, 1), *b = nn_net_biases(net, 1);
    /* X is (batch, n_in), W is (n_classes, n_in) row-major: Z = X·W^T. */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)batch, (int)n_classes,
                (int)n_in, 1.0f, x, (int)n_in, w, (int)n_in, 0.0f, z, (int)n_classes);
    /* Every sum gets its bias before any update, so that all of them use the
     * parameters of the start of the minibatch, whatever the image order. */
    for (size_t r = 0; r < batch; r++) {
        float *zr = z + r * n_classes;
        for (size_t j = 0; j < n_classes; j++) {
            zr[j] += b[j];
            if (!isfinite(zr[j]))
                return (size_t)-1;
        }
    }
    size_t right = 0;
    for (size_t r = 0; r < batch; r++) {
        size_t pred = nn_argmax(z + r * n_classes, n_classes), truth = y[r];
        if (pred == truth) {
            right++;
            continue;
        }
        const float *xr = x + r * n_in;
        float *wt = w + truth * n_in, *wp = w + pred * n_in;
        for (size_t i = 0; i < n_in; i++) {
            wt[i] += lr * xr[i];
            wp[i] -= lr * xr[i];
        }
        b[truth] += lr;
        b[pred] -= lr;
    }
    return right;
}

static int params_finite(const nn_net *net)
{
    for (size_t i = 0; i < net->n_params; i++)
        if (!isfinite(net->params[i]))
            return 0;
    return 1;
}

nn_status nn_train(nn_net *net, const nn_images *images, const nn_labels *labels,
                   const nn_train_options *opt, const nn_train_hooks *hooks,
                   nn_train_result *result, nn_error *err)
{
    static const nn_train_hooks no_hooks = {NULL, NULL, NULL, NULL};
    if (hooks == NULL)
        hooks = &no_hooks;
    nn_train_result res = {0, 0, -1.0, 0.0};
    if (result != NULL)
        *result = res;

    nn_status st = nn_train_options_check(opt, images->count, err);
    if (st != NN_OK)
        return st;
    nn_status checked = nn_net_check_data(net, images, labels, err);
    if (checked != NN_OK)
        return checked;
    size_t n_in = net->sizes[0], n_classes = net->sizes[net->n_layers - 1];

    const int perceptron = net->hidden == NN_ACT_STEP;
    const size_t n = images->count, n_val = opt->val_count, n_train = n - n_val;
    const size_t batch = opt->batch;
    const size_t chunk = batch > VAL_CHUNK ? batch : VAL_CHUNK;
    const size_t n_batches = (n_train + batch - 1) / batch;
    const size_t total_steps = n_batches * opt->epochs;
    const size_t progress_every = n_batches >= 100 ? n_batches / 100 : 1;
    const int uses_v = !perceptron && opt->optimizer != NN_OPT_SGD;
    const int uses_s = !perceptron && opt->optimizer == NN_OPT_ADAM;

    nn_workspace *ws = NULL;
    uint32_t *idx = malloc(n * sizeof *idx);
    float *x = malloc(chunk * n_in * sizeof *x);
    uint8_t *y = malloc(chunk);
    float *grad = malloc((perceptron ? chunk * n_classes : net->n_params) * sizeof *grad);
    float *state = calloc((uses_v + uses_s) * net->n_params + 1, sizeof *state);
    float *best = n_val > 0 ? malloc(net->n_params * sizeof *best) : NULL;
    if (idx == NULL || x == NULL || y == NULL || grad == NULL || state == NULL ||
        (n_val > 0 && best == NULL)) {
        st = nn_fail(err, NN_E_NOMEM, "out of memory for training on %zu images", n);
        goto done;
    }
    st = nn_workspace_create(net, chunk, &ws, err);
    if (st != NN_OK)
        goto done;

    optimiser optim = {opt, uses_v ? state : NULL,
                       uses_s ? state + net->n_params : NULL, 0};

    /* The held-out images are a seeded random choice made once: after one
     * shuffle, idx[0..n_train) trains and idx[n_train..n) validates. */
    for (size_t i = 0; i < n; i++)
        idx[i] = (uint32_t)i;
    if (n_val > 0) {
        nn_rng vrng;
        nn_rng_seed(&vrng, opt->seed ^ VAL_STREAM);
        nn_rng_shuffle(&vrng, idx, n);
    }
    const uint32_t *val_idx = idx + n_train;
    nn_rng rng;
    nn_rng_seed(&rng, opt->seed ^ SHUFFLE_STREAM);

    size_t step = 0;
    for (size_t epoch = 1; epoch <= opt->epochs; epoch++) {
        double t0 = now_seconds();
        nn_rng_shuffle(&rng, idx, n_train);
        double loss_sum = 0.0;
        size_t right_sum = 0;
        for (size_t bi = 0; bi < n_batches; bi++, step++) {
            if (hooks->stop != NULL && *hooks->stop) {
                st = nn_fail(err, NN_E_INTERRUPTED, "training interrupted at epoch %zu, "
                             "minibatch %zu", epoch, bi + 1);
                goto done;
            }
            size_t start = bi * batch;
            size_t bs = n_train - start < batch ? n_train - start : batch;
            gather(images, labels, idx + start, bs, idx + n_train, n_in, x, y);
            float lr = lr_at(opt, epoch, step, total_steps);
            if (perceptron) {
                size_t right = perceptron_step(net, x, y, bs, lr, grad);
                if (right == (size_t)-1) {
                    st = nn_fail(err, NN_E_NUMERIC, "training diverged at epoch %zu, "
                                 "minibatch %zu: a weighted sum is not finite; lower --lr",
                                 epoch, bi + 1);
                    goto done;
                }
                right_sum += right;
            } else {
                size_t right = 0;
                float loss = nn_net_loss_grad(net, ws, x, y, bs, grad, &right);
                if (!isfinite(loss)) {
                    st = nn_fail(err, NN_E_NUMERIC, "training diverged at epoch %zu, "
                                 "minibatch %zu: loss is %s; lower --lr", epoch, bi + 1,
                                 isnan(loss) ? "nan" : "inf");
                    goto done;
                }
                loss_sum += (double)loss * (double)bs;
                right_sum += right;
                update(&optim, net, grad, lr);
            }
            if (hooks->on_progress != NULL &&
                ((bi + 1) % progress_every == 0 || bi + 1 == n_batches))
                hooks->on_progress(epoch, bi + 1, n_batches, hooks->user);
        }
        /* The last update is not followed by a forward pass: check it here so
         * that a diverged net is never returned as a result. */
        if (!params_finite(net)) {
            st = nn_fail(err, NN_E_NUMERIC, "training diverged at epoch %zu, minibatch %zu: "
                         "a weight is not finite; lower --lr", epoch, n_batches);
            goto done;
        }

        nn_epoch_stats stats;
        stats.epoch = epoch;
        stats.epochs = opt->epochs;
        stats.loss = perceptron ? 0.0 : loss_sum / (double)n_train;
        stats.train_accuracy = (double)right_sum / (double)n_train;
        stats.val_accuracy = -1.0;
        stats.is_best = 0;
        if (n_val > 0) {
            stats.val_accuracy = accuracy_on(net, ws, images, labels, val_idx, n_val, x, y);
            if (stats.val_accuracy > res.best_val_accuracy) {
                res.best_val_accuracy = stats.val_accuracy;
                res.best_epoch = epoch;
                memcpy(best, net->params, net->n_params * sizeof *best);
                stats.is_best = 1;
            }
        } else {
            res.best_epoch = epoch;
        }
        stats.seconds = now_seconds() - t0;
        res.epochs_run = epoch;
        res.final_loss = stats.loss;
        if (result != NULL)
            *result = res;
        if (hooks->on_epoch != NULL)
            hooks->on_epoch(&stats, hooks->user);
    }
    if (n_val > 0)
        memcpy(net->params, best, net->n_params * sizeof *best);
    st = NN_OK;

done:
    if (result != NULL)
        *result = res;
    nn_workspace_free(ws);
    free(idx);
    free(x);
    free(y);
    free(grad);
    free(state);
    free(best);
    return st;
}
