/* train_team.c - setting up and tearing down a training run's threads
 * (train_team.h): how many, how the step is cut among them, and each
 * one's own buffers and copy of the net. */
#include "train_team.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "net_internal.h"

/* The largest minibatch (in input floats) whose successor is scaled while
 * the threads wait for each other. A larger one takes longer to scale than
 * any wait it would fill, and its second buffer would cost memory. */
#define AHEAD_MAX_FLOATS (1u << 20)

/* Blocks of NN_FIRST_BLOCK neurons in the first hidden layer. */
static size_t first_blocks(const nn_net *net)
{
    return (nn_net_size(net, 1) + NN_FIRST_BLOCK - 1) / NN_FIRST_BLOCK;
}

/* Whether layer 1 can be shared out by its outputs (its kind has the
 * column operations); a net whose first layer cannot is shared out by its
 * images instead. */
static int first_has_cols(const nn_net *net)
{
    return nn_layer_ops_of(net->layers[1].kind)->forward_cols != NULL;
}

/* The number of threads a run uses: the first hidden layer's blocks of
 * neurons are shared out, so there is one thread at most per block, and a
 * single one without a hidden layer or for the perceptron; when the images
 * are shared out instead (conv and recurrent nets, clipped gradients), one
 * thread at most per part. */
static size_t threads_for(const nn_net *net, const nn_train_options *opt)
{
    if (!first_has_cols(net) || nn_net_reads_seq(net) ||
        (opt->clip_norm > 0.0f && nn_net_hidden(net) != NN_ACT_STEP))
        return opt->threads < 1 ? 1 : opt->threads < NN_SHARDS ? opt->threads : NN_SHARDS;
    if (net->n_layers < 3 || nn_net_hidden(net) == NN_ACT_STEP || opt->threads <= 1)
        return 1;
    return opt->threads < first_blocks(net) ? opt->threads : first_blocks(net);
}

/* Allocates thread t's part; threads other than 0 get a copy of the net. */
static nn_status worker_init(worker *w, team *tm, size_t t, size_t chunk, nn_error *err)
{
    const nn_net *net = tm->net;
    const nn_train_options *opt = tm->opt;
    const int uses_v = !tm->perceptron && opt->optimizer != NN_OPT_SGD;
    const int uses_s = !tm->perceptron && opt->optimizer == NN_OPT_ADAM;
    size_t n_classes = nn_net_size(net, net->n_layers - 1);
    w->tm = tm;
    w->t = t;
    w->j0 = 0;
    w->j1 = nn_net_layer_biases(net, 1); /* all of layer 1's output units */
    if (tm->split) {
        size_t blocks = first_blocks(net), n1 = nn_net_size(net, 1);
        size_t j0 = blocks * t / tm->n_threads * NN_FIRST_BLOCK;
        size_t j1 = blocks * (t + 1) / tm->n_threads * NN_FIRST_BLOCK;
        w->j0 = j0;
        w->j1 = j1 < n1 ? j1 : n1;
    }
    if (t == 0) {
        w->net = tm->net;
    } else {
        nn_status st = nn_net_clone(net, &w->net, err);
        if (st != NN_OK)
            return st;
    }
    w->grad = malloc((tm->perceptron ? chunk * n_classes : net->n_params) * sizeof(float));
    w->state = calloc((uses_v + uses_s) * net->n_params + 1, sizeof(float));
    /* Without look-ahead one buffer serves as both. */
    w->x[0] = malloc(chunk * nn_net_size(net, 0) * sizeof(float));
    w->y[0] = malloc(chunk);
    w->x[1] = tm->ahead ? malloc(chunk * nn_net_size(net, 0) * sizeof(float)) : w->x[0];
    w->y[1] = tm->ahead ? malloc(chunk) : w->y[0];
    w->scratch = nn_train_distort_scratch(tm->data, &opt->distort);
    w->status = NN_OK;
    if (tm->hooks->make != NULL &&
        nn_made_room_alloc(&w->made, tm->data, opt->batch, err) != NN_OK)
        return NN_E_NOMEM;
    size_t n_out = nn_net_size(net, net->n_layers - 1);
    if (nn_seq_room_alloc(&w->seq[0], tm->data, chunk, t == 0 ? chunk * n_out : 0, err) != NN_OK ||
        nn_seq_room_alloc(&w->seq[1], tm->data, chunk, 0, err) != NN_OK)
        return NN_E_NOMEM;
    if (w->grad == NULL || w->state == NULL || w->x[0] == NULL || w->y[0] == NULL ||
        w->x[1] == NULL || w->y[1] == NULL ||
        (nn_augment_active(&opt->distort) && w->scratch == NULL))
        return nn_fail(err, NN_E_NOMEM, "out of memory for a training thread");
    w->optim.opt = opt;
    w->optim.v = uses_v ? w->state : NULL;
    w->optim.s = uses_s ? w->state + net->n_params : NULL;
    w->optim.t = 0;
    /* A training workspace keeps every conv layer's lowered input for the
     * backward pass: validation passes of more images get a forward-only
     * workspace rather than that much more memory. */
    /* A sharded net's passes see one part of a minibatch at a time. */
    size_t ws_batch = tm->sharded ? nn_train_part_max(opt->batch) : opt->batch;
    nn_status st = nn_workspace_create(net, ws_batch, &w->ws, err);
    if (st == NN_OK && chunk > ws_batch && tm->data->seq == NULL)
        st = nn_workspace_create_forward(net, chunk, &w->val_ws, err);
    return st;
}

static void worker_free(worker *w)
{
    if (w->t != 0)
        nn_net_free(w->net);
    nn_workspace_free(w->ws);
    nn_workspace_free(w->val_ws);
    free(w->grad);
    free(w->state);
    free(w->scratch);
    nn_made_room_free(&w->made);
    nn_seq_room_free(&w->seq[0]);
    nn_seq_room_free(&w->seq[1]);
    free(w->x[0]);
    free(w->y[0]);
    if (w->x[1] != w->x[0])
        free(w->x[1]);
    if (w->y[1] != w->y[0])
        free(w->y[1]);
}

const nn_train_result nn_train_no_result = {0, 0, -1.0, 0.0, -1.0};

/* Plans a run (of checked options and data): how many threads, how the step is cut, how many minibatches. */
void nn_team_plan(team *tm, nn_net *net, const nn_dataset *data, const nn_train_options *opt,
                  const nn_train_hooks *hooks, nn_error *err)
{
    memset(tm, 0, sizeof *tm);
    tm->opt = opt;
    tm->hooks = hooks;
    tm->data = data;
    tm->net = net;
    tm->n_threads = threads_for(net, opt);
    tm->perceptron = nn_net_hidden(net) == NN_ACT_STEP;
    /* Clipping needs the whole gradient in every thread: shard the images. */
    /* So does a sequence reader, whose targets only the sharded path passes. */
    tm->split = !tm->perceptron && nn_net_splits_first(net) && opt->clip_norm == 0.0f &&
                data->seq == NULL;
    tm->sharded = !tm->perceptron && (!first_has_cols(net) || opt->clip_norm > 0.0f ||
                                      data->seq != NULL);
    tm->ahead = tm->n_threads > 1 && opt->batch * nn_net_size(net, 0) <= AHEAD_MAX_FLOATS;
    tm->n_val = opt->val_count;
    /* a make hook's data set is the held-out samples alone */
    tm->n_train = hooks->make != NULL ? hooks->n_made : data->count - tm->n_val;
    tm->n_batches = (tm->n_train + opt->batch - 1) / opt->batch;
    tm->total_steps = tm->n_batches * opt->epochs;
    tm->progress_every = tm->n_batches >= 100 ? tm->n_batches / 100 : 1;
    tm->status = NN_OK;
    tm->err = err;
    tm->res = nn_train_no_result;
    tm->best_val_loss = INFINITY;
    atomic_init(&tm->stop_at, SIZE_MAX);
}

/* Allocates the buffers the threads share and every thread's own part
 * (*workers, which team_free frees however far this got). */
nn_status nn_team_alloc(team *tm, worker **workers)
{
    const nn_net *net = tm->net;
    const size_t batch = tm->opt->batch, n = tm->n_train + tm->n_val;
    /* large sequence samples (number strips) are measured a part at a time */
    const size_t chunk = batch > NN_TRAIN_VAL_CHUNK || tm->data->seq != NULL ? batch
                                                                            : NN_TRAIN_VAL_CHUNK;
    *workers = calloc(tm->n_threads, sizeof **workers);
    tm->idx = malloc(n * sizeof *tm->idx);
    if (tm->split) {
        tm->a1[0] = malloc(batch * nn_net_size(net, 1) * sizeof(float));
        tm->a1[1] = malloc(batch * nn_net_size(net, 1) * sizeof(float));
    }
    tm->best = tm->n_val > 0 ? malloc(net->n_params * sizeof *tm->best) : NULL;
    if (tm->sharded) {
        tm->part_grad[0] = malloc(NN_SHARDS * net->n_params * sizeof(float));
        tm->part_grad[1] = malloc(NN_SHARDS * net->n_params * sizeof(float));
    }
    if (*workers == NULL || tm->idx == NULL ||
        (tm->split && (tm->a1[0] == NULL || tm->a1[1] == NULL)) ||
        (tm->n_val > 0 && tm->best == NULL) ||
        (tm->sharded && (tm->part_grad[0] == NULL || tm->part_grad[1] == NULL)))
        return nn_fail(tm->err, NN_E_NOMEM, "out of memory for training on %zu images", n);
    for (size_t t = 0; t < tm->n_threads; t++) {
        /* Thread 0 also measures validation accuracy, NN_TRAIN_VAL_CHUNK images a pass. */
        nn_status st = worker_init(&(*workers)[t], tm, t, t == 0 ? chunk : batch, tm->err);
        if (st != NN_OK)
            return st;
    }
    return NN_OK;
}

void nn_team_free(team *tm, worker *workers)
{
    if (workers != NULL)
        for (size_t t = 0; t < tm->n_threads; t++)
            worker_free(&workers[t]);
    free(workers);
    free(tm->idx);
    free(tm->a1[0]);
    free(tm->a1[1]);
    free(tm->part_grad[0]);
    free(tm->part_grad[1]);
    free(tm->best);
}

