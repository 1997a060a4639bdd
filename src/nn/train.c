/* train.c - minibatch training: the epoch loop (seeded reshuffle, bytes
 * scaled per minibatch, train_batch.c), the optimiser step (train_optim.c),
 * the learning-rate schedules, the held-out validation split with
 * best-epoch restore, and the perceptron rule for NN_ACT_STEP nets (the
 * layer's own operation). Layers are reached only through their rows of
 * operations (layer.h) and the net's passes.
 *
 * With several threads, each owns a block of the first hidden layer's
 * neurons, the layer that holds nearly all the weights and work (12,544 of
 * the 12,704 weights of 784-16-10). Per minibatch the threads meet once:
 *
 *   1. each computes its neurons of layer 1 for all the minibatch's images,
 *      which it scaled into a buffer of its own, and arrives at the barrier;
 *      until the others have arrived, it scales the next minibatch;
 *   2. each runs the small upper layers, the loss and the backward pass
 *      (the same arithmetic in every thread), then the gradient of its own
 *      layer-1 neurons, and updates those and the upper layers.
 *
 * So each thread keeps its own copy of the net, of which it updates only
 * its layer-1 rows and the upper layers; the copies are merged into the
 * caller's net at the end of every epoch. Nothing but layer 1's outputs is
 * shared, and those are double-buffered, so the next minibatch's can be
 * written while a slower thread still reads this one's.
 * Layer 1 is always computed in the same blocks of NN_FIRST_BLOCK neurons,
 * whichever thread computes each, so the result is the same whatever the
 * number of threads.
 *
 * A net that starts with a conv layer spends its time in every layer, not
 * in one, so there the threads share out the images instead: a minibatch
 * is always cut into the same NN_SHARDS parts, each thread computes the
 * gradient of some parts into a buffer of the part's own, and after the
 * barrier every thread adds the parts up in the same order and updates its
 * own copy of the net with the sum. The copies stay identical, and the sum
 * is the same whatever the number of threads. With --augment, every image
 * of a minibatch is shifted by a random offset drawn from a generator seeded
 * with the seed and the step, and distorted (--elastic, --affine...) with
 * one seeded with them and its place: every thread makes the same images. */
#include "nnclass/nn/train.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cblas.h>

#include "nnclass/base/barrier.h"
#include "nnclass/nn/blas.h"
#include "net_internal.h"
#include "train_internal.h"
#include "train_team.h"


/* The shuffling and validation streams are derived from the seed but differ
 * from the stream the caller initialises the weights with (seeded with seed). */
#define SHUFFLE_STREAM 0x53485546464c4531ull /* "SHUFFLE1" */
#define VAL_STREAM 0x56414c53504c4954ull     /* "VALSPLIT" */

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The perceptron rule on a minibatch, by the only layer's operation (a
 * perceptron has no hidden layer). Returns the images predicted right, or
 * (size_t)-1 when a sum is not finite. */
static size_t perceptron_step(nn_net *net, const float *x, const uint8_t *y, size_t batch,
                              float lr, float *z)
{
    nn_layer_run run = nn_net_layer_run(net, 1);
    const nn_layer_ops *ops = nn_layer_ops_of(net->layers[1].kind);
    return ops->perceptron(&run, nn_net_weights(net, 1), nn_net_biases(net, 1), x, y, batch,
                           lr, z);
}

static int params_finite(const nn_net *net)
{
    for (size_t i = 0; i < net->n_params; i++)
        if (!isfinite(net->params[i]))
            return 0;
    return 1;
}

/* Copies every other thread's layer-1 neurons into the caller's net. */
static void merge(team *tm, worker *w)
{
    nn_net *net = tm->net;
    if (!tm->split)
        return; /* the copies are whole and the same */
    /* Each output unit's weights lie together, per of them (see update). */
    size_t per = nn_net_layer_weights(net, 1) / nn_net_layer_biases(net, 1);
    for (size_t t = 1; t < tm->n_threads; t++) {
        size_t j0 = w[t].j0, n = w[t].j1 - w[t].j0;
        memcpy(nn_net_weights(net, 1) + j0 * per, nn_net_weights(w[t].net, 1) + j0 * per,
               n * per * sizeof(float));
        memcpy(nn_net_biases(net, 1) + j0, nn_net_biases(w[t].net, 1) + j0, n * sizeof(float));
    }
}

/* Thread 0's work between epochs: merge the copies, check the weights,
 * measure validation accuracy, keep the best epoch, report. Returns NN_OK to
 * go on. */
static nn_status finish_epoch(team *tm, worker *workers, size_t epoch, double loss_sum,
                              size_t right_sum, double t0)
{
    nn_net *net = tm->net;
    merge(tm, workers);
    /* The last update is not followed by a forward pass: check it here so
     * that a diverged net is never returned as a result. */
    if (!params_finite(net))
        return nn_fail(tm->err, NN_E_NUMERIC, "training diverged at epoch %zu, minibatch "
                       "%zu: a weight is not finite; lower --lr", epoch, tm->n_batches);
    nn_epoch_stats stats;
    stats.epoch = epoch;
    stats.epochs = tm->opt->epochs;
    stats.loss = tm->perceptron ? 0.0 : loss_sum / (double)tm->n_train;
    const int accuracy = nn_net_has_classes(net) || tm->data->seq != NULL;
    stats.train_accuracy = accuracy ? (double)right_sum / (double)tm->n_train : -1.0;
    stats.lr = nn_train_lr_at(tm->opt, epoch, epoch * tm->n_batches - 1, tm->total_steps);
    stats.val_accuracy = -1.0;
    stats.val_loss = -1.0;
    stats.is_best = 0;
    if (tm->n_val > 0) {
        nn_workspace *ws = workers[0].val_ws != NULL ? workers[0].val_ws : workers[0].ws;
        stats.val_accuracy = nn_train_measure_held_out(net, ws, tm->data, tm->idx + tm->n_train,
                                                  tm->n_val, tm->opt->batch, workers[0].x[0],
                                                  workers[0].y[0], &workers[0].seq[0],
                                                  &stats.val_loss);
        if (tm->perceptron)
            stats.val_loss = -1.0; /* the perceptron rule minimises no loss */
        int better = accuracy ? stats.val_accuracy > tm->res.best_val_accuracy
                              : stats.val_loss < tm->best_val_loss;
        if (better) {
            tm->res.best_val_accuracy = stats.val_accuracy;
            tm->best_val_loss = tm->res.best_val_loss = stats.val_loss;
            tm->res.best_epoch = epoch;
            memcpy(tm->best, net->params, net->n_params * sizeof *tm->best);
            stats.is_best = 1;
        }
    } else {
        tm->res.best_epoch = epoch;
    }
    stats.seconds = now_seconds() - t0;
    tm->res.epochs_run = epoch;
    tm->res.final_loss = stats.loss;
    if (tm->hooks->on_epoch != NULL)
        tm->hooks->on_epoch(&stats, tm->hooks->user);
    return NN_OK;
}

/* Waits at the team's barrier, counting in *rounds the barriers passed;
 * non-zero when thread 0 asked everyone to stop after this one. Thread 0
 * asks (stop_after_next) before it arrives, and a slower thread may still be
 * checking the round before, so the request names its round. This is the
 * second half: the caller arrived with nn_barrier_arrive, which gave the
 * ticket, and may have done some work of its own since. */
static int meet_at(team *tm, size_t *rounds, unsigned ticket)
{
    nn_barrier_wait_for(&tm->barrier, ticket);
    return ++*rounds >= atomic_load_explicit(&tm->stop_at, memory_order_relaxed);
}

/* meet_at() right after arriving. */
static int meet(team *tm, size_t *rounds)
{
    return meet_at(tm, rounds, nn_barrier_arrive(&tm->barrier));
}

/* The size of the minibatch that starts at training image start. */
static size_t batch_size(const team *tm, size_t start)
{
    return tm->n_train - start < tm->opt->batch ? tm->n_train - start : tm->opt->batch;
}

/* The part s of a minibatch of bs images: images [lo, hi). */
static void part_range(size_t bs, size_t s, size_t *lo, size_t *hi)
{
    *lo = bs * s / NN_SHARDS;
    *hi = bs * (s + 1) / NN_SHARDS;
}

/* Distorts the images of the minibatch x (bs images) this thread reads: a
 * sharded net's thread only its own parts (the distortions are the costly
 * part of loading, and each image's depends on its seed alone), else all. */
static void distort_batch(const worker *w, size_t bs, size_t step, float *x)
{
    const team *tm = w->tm;
    if (!tm->sharded) {
        nn_train_distort(tm->data, 0, bs, &tm->opt->distort, tm->opt->seed, step, x,
                         w->scratch);
        return;
    }
    for (size_t s = w->t; s < NN_SHARDS; s += tm->n_threads) {
        size_t lo, hi;
        part_range(bs, s, &lo, &hi);
        nn_train_distort(tm->data, lo, hi, &tm->opt->distort, tm->opt->seed, step, x,
                         w->scratch);
    }
}

/* Has the make hook make the samples idx[0..bs) this thread reads: a
 * sharded net's thread only its own parts (making is the costly part of
 * loading, and a sample depends on its epoch and number alone), else all.
 * The other places keep older samples, which the thread scales but never
 * reads. A failure is kept in w->status until the minibatch is used. */
static void make_batch(worker *w, const uint32_t *idx, size_t bs, size_t epoch)
{
    const team *tm = w->tm;
    const size_t s0 = tm->sharded ? w->t : 0, ds = tm->sharded ? tm->n_threads : NN_SHARDS;
    for (size_t s = s0; s < NN_SHARDS && w->status == NN_OK; s += ds) {
        size_t lo = 0, hi = bs;
        if (tm->sharded)
            part_range(bs, s, &lo, &hi);
        w->status = nn_made_room_fill(&w->made, tm->hooks, tm->data, epoch, idx, lo, hi,
                                      &w->err);
    }
}

/* Scales the minibatch that starts at training image start into x and its
 * labels into y, and asks for the next one's images to be brought into the
 * cache; with a make hook, makes it first. */
static void load_batch(worker *w, size_t start, size_t step, size_t epoch, float *x,
                       uint8_t *y)
{
    const team *tm = w->tm;
    const size_t n_in = nn_net_size(tm->net, 0), bs = batch_size(tm, start);
    const uint32_t *idx = tm->idx + start, *idx_end = tm->idx + tm->n_train;
    const nn_dataset *data = tm->data;
    nn_dataset made;
    if (tm->hooks->make != NULL) {
        make_batch(w, idx, bs, epoch);
        made = nn_made_room_view(&w->made, tm->data, bs);
        data = &made;
        idx = w->made.order;
        idx_end = idx + bs;
    }
    nn_train_gather(data, idx, bs, idx_end, n_in, x, y);
    if (data->seq != NULL)
        nn_train_gather_seq(data, idx, bs, &w->seq[step & 1]);
    if (tm->opt->augment > 0)
        nn_train_augment(data, idx, bs, tm->opt->augment, tm->opt->seed, step, x);
    if (w->scratch != NULL)
        distort_batch(w, bs, step, x);
    if (tm->hooks->make == NULL)
        nn_train_prefetch(tm->data, tm->idx + start + bs, idx_end, tm->opt->batch, n_in);
}

/* Sharded nets: this thread's parts of the minibatch x (bs images, labels
 * y), each part's gradient, summed loss and count of right answers into
 * the team's buffers of parity par. */
static void shard_parts(worker *w, const float *x, const uint8_t *y, size_t bs, int par)
{
    team *tm = w->tm;
    const nn_net *net = w->net;
    const size_t n_in = nn_net_size(net, 0);
    for (size_t s = w->t; s < NN_SHARDS; s += tm->n_threads) {
        size_t lo, hi;
        part_range(bs, s, &lo, &hi);
        tm->part_loss[par][s] = 0.0;
        tm->part_right[par][s] = 0;
        /* a part's sequences are its samples' offsets into the minibatch's */
        nn_targets t = {.labels = y + lo, .images = x + lo * n_in, .seq = w->seq[par].seq,
                        .seq_off = w->seq[par].off != NULL ? w->seq[par].off + lo : NULL};
        if (hi > lo)
            tm->part_loss[par][s] = nn_net_loss_grad_targets(
                net, w->ws, x + lo * n_in, &t, hi - lo, bs,
                tm->part_grad[par] + s * net->n_params, &tm->part_right[par][s]);
    }
}

/* Sharded nets, after the barrier: the gradient of the whole minibatch into
 * the thread's own buffer, the parts added in their fixed order. Returns
 * the mean loss; *right receives the count of right answers. */
static float sum_parts(worker *w, size_t bs, int par, size_t *right)
{
    team *tm = w->tm;
    const size_t n = w->net->n_params;
    double loss = 0.0;
    size_t r = 0, first = 1;
    for (size_t s = 0; s < NN_SHARDS; s++) {
        size_t lo, hi;
        part_range(bs, s, &lo, &hi);
        if (hi == lo)
            continue;
        const float *g = tm->part_grad[par] + s * n;
        if (first)
            memcpy(w->grad, g, n * sizeof(float));
        else
            for (size_t i = 0; i < n; i++)
                w->grad[i] += g[i];
        first = 0;
        loss += tm->part_loss[par][s];
        r += tm->part_right[par][s];
    }
    *right = r;
    return (float)(loss / (double)bs);
}

static void stop_after_next(team *tm, size_t rounds)
{
    atomic_store_explicit(&tm->stop_at, rounds + 1, memory_order_relaxed);
}

/* A minibatch loss this many times the first minibatch's (or 1, whichever is
 * larger) means the run has diverged: an untrained net starts near
 * ln(classes) and a converging one goes down. Four orders of magnitude leave
 * room for a learning rate that only wrecks a net for a while (a sigmoid net
 * saturates near a few hundred), while a run that has really blown up (Adam
 * with --lr 1e6: 1e13 at the second minibatch) stops at once. */
#define DIVERGED_FACTOR 1e4

/* Where a thread is in the run: which minibatch of which epoch. */
typedef struct {
    size_t epoch;  /* 1-based */
    size_t bi;     /* minibatch of the epoch, 0-based */
    size_t step;   /* minibatches since the start of the run */
} position;

/* Thread 0 polls the caller's stop flag before each minibatch; when it is
 * set, every thread stops at the next barrier. */
static void poll_stop(team *tm, const worker *w, const position *at)
{
    if (w->t != 0 || tm->hooks->stop == NULL || !*tm->hooks->stop)
        return;
    tm->status = nn_fail(tm->err, NN_E_INTERRUPTED, "training interrupted at epoch %zu, "
                         "minibatch %zu", at->epoch, at->bi + 1);
    stop_after_next(tm, w->rounds);
}

/* The part of a step done before the threads meet: this thread's neurons
 * of layer 1 (split nets) or its parts of the minibatch (sharded nets). */
static void first_half(worker *w, const float *x, const uint8_t *y, size_t bs, size_t step)
{
    team *tm = w->tm;
    if (tm->split)
        nn_net_forward_first(w->net, x, bs, w->j0, w->j1, tm->a1[step & 1]);
    else if (tm->sharded)
        shard_parts(w, x, y, bs, step & 1);
}

/* The loss of the minibatch and its gradient into w->grad, once every
 * thread has done its first half. */
static float loss_and_grad(worker *w, const float *x, const uint8_t *y, size_t bs, size_t step,
                           size_t *right)
{
    team *tm = w->tm;
    if (tm->split)
        return nn_net_loss_grad_from_first(w->net, w->ws, x, tm->a1[step & 1], y, bs, w->j0,
                                           w->j1, w->grad, right);
    if (tm->sharded)
        return sum_parts(w, bs, step & 1, right);
    return nn_net_loss_grad(w->net, w->ws, x, y, bs, w->grad, right);
}

/* Non-zero when loss says the run has diverged: not finite, or far above
 * the first minibatch's. A run can diverge and stay finite (Adam with a huge
 * --lr). Every thread sees the same losses, so all stop together; thread 0
 * records why. */
static int diverged(worker *w, float loss, const position *at)
{
    team *tm = w->tm;
    if (!isfinite(loss)) {
        if (w->t == 0)
            tm->status = nn_fail(tm->err, NN_E_NUMERIC, "training diverged at epoch %zu, "
                                 "minibatch %zu: loss is %s; lower --lr", at->epoch,
                                 at->bi + 1, isnan(loss) ? "nan" : "inf");
        return 1;
    }
    if (w->first_loss < 0.0f)
        w->first_loss = loss;
    if (loss <= DIVERGED_FACTOR * fmaxf(w->first_loss, 1.0f))
        return 0;
    if (w->t == 0)
        tm->status = nn_fail(tm->err, NN_E_NUMERIC, "training diverged at epoch %zu, "
                             "minibatch %zu: loss %.4g is over %g times the first "
                             "minibatch's %.4g; lower --lr", at->epoch, at->bi + 1,
                             (double)loss, DIVERGED_FACTOR, (double)w->first_loss);
    return 1;
}

/* The part of a step done after the threads meet: the rest of the forward
 * and backward passes and the update (or the perceptron rule). Returns
 * non-zero when the run has diverged. */
static int second_half(worker *w, const float *x, const uint8_t *y, size_t bs,
                       const position *at, float *loss, size_t *right)
{
    team *tm = w->tm;
    float lr = nn_train_lr_at(tm->opt, at->epoch, at->step, tm->total_steps);
    *loss = 0.0f;
    if (tm->perceptron) {
        *right = perceptron_step(w->net, x, y, bs, lr, w->grad);
        if (*right != (size_t)-1)
            return 0;
        tm->status = nn_fail(tm->err, NN_E_NUMERIC, "training diverged at epoch %zu, "
                             "minibatch %zu: a weighted sum is not finite; lower --lr",
                             at->epoch, at->bi + 1);
        return 1;
    }
    *loss = loss_and_grad(w, x, y, bs, at->step, right);
    if (diverged(w, *loss, at))
        return 1;
    if (tm->opt->clip_norm > 0.0f)
        nn_clip_norm(w->grad, w->net->n_params, tm->opt->clip_norm);
    nn_optimiser_update(&w->optim, w->net, w->grad, lr, w->j0, w->j1);
    return 0;
}

/* One minibatch, the one that starts at training image start: scale it
 * (unless it was scaled ahead), do this thread's first half, meet the
 * others while scaling the next one, then the second half. Returns
 * non-zero when the run stops. */
static int one_minibatch(worker *w, size_t start, const position *at, float *loss,
                         size_t *right)
{
    team *tm = w->tm;
    const size_t bs = batch_size(tm, start), step = at->step;
    float *x = w->x[step & 1];
    uint8_t *y = w->y[step & 1];
    /* Every thread scales the whole minibatch into its own buffer: cheaper
     * than sharing one, whose lines would travel between the cores' caches
     * at every minibatch. With look-ahead, this one was scaled during the
     * previous minibatch, except the first of the epoch. */
    if (!tm->ahead || at->bi == 0)
        load_batch(w, start, step, at->epoch, x, y);
    /* Samples the hook could not make: every thread stops at the barrier
     * below, which none passes before this one has asked. */
    if (w->status != NN_OK)
        stop_after_next(tm, w->rounds);
    else
        first_half(w, x, y, bs, step);
    unsigned ticket = nn_barrier_arrive(&tm->barrier);
    /* While the other threads finish their first half, scale the next
     * minibatch, which does not depend on this one. */
    if (tm->ahead && at->bi + 1 < tm->n_batches)
        load_batch(w, start + bs, step + 1, at->epoch, w->x[(step + 1) & 1],
                   w->y[(step + 1) & 1]);
    if (meet_at(tm, &w->rounds, ticket))
        return 1;
    return second_half(w, x, y, bs, at, loss, right);
}

/* Thread 0 sums the minibatch's loss and right answers into the epoch's
 * and reports progress now and then. */
static void count_minibatch(team *tm, const position *at, size_t start, size_t bs, float loss,
                            size_t right, double *loss_sum, size_t *right_sum)
{
    const nn_train_hooks *hooks = tm->hooks;
    *loss_sum += (double)loss * (double)bs;
    *right_sum += right;
    if (hooks->on_progress != NULL &&
        ((at->bi + 1) % tm->progress_every == 0 || at->bi + 1 == tm->n_batches))
        hooks->on_progress(at->epoch, at->bi + 1, tm->n_batches,
                           *loss_sum / (double)(start + bs), hooks->user);
}

/* One epoch: thread 0 reshuffles, every thread trains on every minibatch,
 * then thread 0 merges the copies and reports. Returns non-zero when the
 * run stops. */
static int one_epoch(worker *w, nn_rng *rng, size_t epoch)
{
    team *tm = w->tm;
    double t0 = now_seconds();
    if (w->t == 0)
        nn_rng_shuffle(rng, tm->idx, tm->n_train);
    if (meet(tm, &w->rounds))
        return 1;
    double loss_sum = 0.0;
    size_t right_sum = 0;
    for (size_t bi = 0; bi < tm->n_batches; bi++, w->step++) {
        position at = {epoch, bi, w->step};
        const size_t start = bi * tm->opt->batch;
        float loss;
        size_t right;
        poll_stop(tm, w, &at);
        if (one_minibatch(w, start, &at, &loss, &right))
            return 1;
        if (w->t == 0)
            count_minibatch(tm, &at, start, batch_size(tm, start), loss, right, &loss_sum,
                            &right_sum);
    }
    /* Every update of the epoch is done before thread 0 merges them. */
    if (meet(tm, &w->rounds))
        return 1;
    if (w->t == 0) {
        nn_status st = finish_epoch(tm, w, epoch, loss_sum, right_sum, t0);
        if (st != NN_OK) {
            tm->status = st;
            stop_after_next(tm, w->rounds);
        }
    }
    return 0;
}

/* The epoch loop, run by every thread in step. Thread 0 shuffles, watches
 * the stop flag, sums the loss and reports; a failure it finds is recorded
 * in tm->status and ends every thread at the next barrier. A diverging loss
 * is seen by every thread at the same minibatch, as all compute it alike. */
static void run_worker(worker *w)
{
    nn_rng rng;
    nn_rng_seed(&rng, w->tm->opt->seed ^ SHUFFLE_STREAM);
    w->step = 0;
    w->rounds = 0;
    w->first_loss = -1.0f; /* set by the first minibatch: the divergence bound */
    for (size_t epoch = 1; epoch <= w->tm->opt->epochs; epoch++)
        if (one_epoch(w, &rng, epoch))
            return;
}

static void *worker_main(void *arg)
{
    run_worker(arg);
    return NULL;
}

/* The held-out images are a seeded random choice made once: after one
 * shuffle, idx[0..n_train) trains and idx[n_train..n) validates (with
 * val_last, no shuffle: the last ones validate). With a make hook, the
 * training samples are its numbers and the data set's validate. */
static void split_validation(team *tm)
{
    const size_t n = tm->n_train + tm->n_val;
    const size_t held_from = tm->hooks->make != NULL ? tm->n_train : 0;
    for (size_t i = 0; i < n; i++)
        tm->idx[i] = (uint32_t)(i < tm->n_train ? i : i - held_from);
    if (tm->n_val > 0 && !tm->opt->val_last && tm->hooks->make == NULL) {
        nn_rng vrng;
        nn_rng_seed(&vrng, tm->opt->seed ^ VAL_STREAM);
        nn_rng_shuffle(&vrng, tm->idx, n);
    }
}

/* Starts threads 1.., runs thread 0 on the caller's own thread and waits
 * for the others. Returns how the run ended. */
static nn_status run_team(team *tm, worker *workers)
{
    nn_status st = NN_OK;
    for (size_t t = 1; t < tm->n_threads; t++) {
        if (pthread_create(&workers[t].thread, NULL, worker_main, &workers[t]) != 0) {
            /* The threads started so far wait at the first barrier: tell them
             * to stop, and count the arrivals of this thread and the missing
             * ones so that they are let go. */
            stop_after_next(tm, 0);
            for (size_t u = t; u <= tm->n_threads; u++)
                nn_barrier_arrive(&tm->barrier);
            st = nn_fail(tm->err, NN_E_NOMEM, "could not start training thread %zu of %zu",
                         t + 1, tm->n_threads);
            break;
        }
        workers[t].started = 1;
    }
    if (st == NN_OK)
        run_worker(&workers[0]);
    for (size_t t = 1; t < tm->n_threads; t++)
        if (workers[t].started)
            pthread_join(workers[t].thread, NULL);
    if (st != NN_OK || tm->status != NN_OK)
        return st != NN_OK ? st : tm->status;
    /* samples a hook could not make stopped the run: the first thread's why */
    for (size_t t = 0; t < tm->n_threads; t++)
        if (workers[t].status != NN_OK) {
            if (tm->err != NULL)
                *tm->err = workers[t].err;
            return workers[t].status;
        }
    return NN_OK;
}

nn_status nn_train(nn_net *net, const nn_dataset *data, const nn_train_options *opt,
                   const nn_train_hooks *hooks, nn_train_result *result, nn_error *err)
{
    static const nn_train_hooks no_hooks = {NULL, NULL, NULL, NULL, NULL, 0};
    if (hooks == NULL)
        hooks = &no_hooks;
    if (result != NULL)
        *result = nn_train_no_result;

    nn_status st = nn_train_check_run(opt, data, hooks, err);
    if (st != NN_OK)
        return st;
    st = nn_dataset_check(data, net, err);
    if (st != NN_OK)
        return st;

    team tm;
    nn_team_plan(&tm, net, data, opt, hooks, err);
    if (nn_barrier_init(&tm.barrier, (unsigned)tm.n_threads) != 0)
        return nn_fail(err, NN_E_NOMEM, "could not set up the training threads' barrier");
    worker *workers = NULL;
    st = nn_team_alloc(&tm, &workers);
    /* Each thread's BLAS calls need an OpenBLAS buffer that must fit. */
    if (st == NN_OK)
        st = nn_blas_warm(err);
    if (st == NN_OK)
        st = nn_blas_room(tm.n_threads - 1, tm.n_threads - 1, err);
    if (st == NN_OK) {
        split_validation(&tm);
        st = run_team(&tm, workers);
    }
    if (st == NN_OK && tm.n_val > 0)
        memcpy(net->params, tm.best, net->n_params * sizeof *tm.best);
    if (result != NULL)
        *result = tm.res;
    nn_team_free(&tm, workers);
    nn_barrier_destroy(&tm.barrier);
    return st;
}
