/*
 * train_team.h - the threads of a training run (train.c): what they share
 * (team), what each owns (worker), and their setup (train_team.c). Private
 * to the trainer.
 */
#ifndef NNCLASS_TRAIN_TEAM_H
#define NNCLASS_TRAIN_TEAM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "nnclass/base/barrier.h"
#include "nnclass/nn/train.h"
#include "train_internal.h"

/* What all the threads of a run share. Written by thread 0 only between
 * barriers (idx, stop_at, the result), or in blocks that no other thread touches
 * until the next barrier (a1). */
typedef struct {
    const nn_train_options *opt;
    const nn_train_hooks *hooks;
    const nn_dataset *data;
    nn_net *net; /* the caller's; thread 0 trains it in place */
    size_t n_threads;
    size_t n_train, n_val, n_batches, total_steps, progress_every;
    int perceptron;
    int split;       /* the step is done in halves (a hidden layer, not step) */
    int sharded;     /* the images of a minibatch are shared out (conv nets) */
    float *part_grad[2];  /* sharded: NN_SHARDS gradients, alternate minibatches */
    double part_loss[2][NN_SHARDS];
    size_t part_right[2][NN_SHARDS];
    int ahead;       /* the next minibatch is scaled while waiting for the others */
    uint32_t *idx;   /* n entries: the training order, then the held-out images */
    float *a1[2];    /* layer 1's outputs (batch, sizes[1]), alternate minibatches */
    float *best;     /* the best epoch's parameters, with --val */
    double best_val_loss; /* an autoencoder's best epoch is its lowest */
    nn_barrier barrier;
    atomic_size_t stop_at; /* the barrier (counted from 1) after which all stop */
    nn_status status;
    nn_error *err;
    nn_train_result res;
} team;

/* One thread's own part. */
typedef struct {
    team *tm;
    size_t t;        /* 0 .. n_threads-1; thread 0 is the caller */
    nn_net *net;     /* thread 0: the caller's net; others: a copy */
    nn_workspace *ws;
    nn_workspace *val_ws; /* thread 0 with a validation set: its forward passes */
    float *grad;     /* n_params floats, or the perceptron's sums */
    float *state;    /* the optimiser's buffers */
    float *x[2];     /* minibatches' inputs, (chunk, n_in): this one and the next */
    uint8_t *y[2];   /* their labels */
    nn_seq_room seq[2]; /* their label sequences (data with sequences) */
    float *scratch;  /* the distortions' working space, or NULL without them */
    nn_made_room made; /* with a make hook: its samples of a minibatch */
    nn_status status;  /* NN_OK, or why the hook could not make them */
    nn_error err;      /* its message: the thread's own, as threads make at once */
    optimiser optim;
    size_t j0, j1;   /* the neurons of layer 1 this thread owns */
    size_t step;     /* minibatches done since the start of the run */
    size_t rounds;   /* barriers passed */
    float first_loss; /* of the first minibatch: sets the divergence bound */
    pthread_t thread;
    int started;
} worker;

/* What a run reports before its first epoch. */
extern const nn_train_result nn_train_no_result;

/* Plans a run (of checked options and data): how many threads, how the
 * step is cut, how many minibatches. */
void nn_team_plan(team *tm, nn_net *net, const nn_dataset *data, const nn_train_options *opt,
                  const nn_train_hooks *hooks, nn_error *err);

/* Allocates the buffers the threads share and every thread's own part
 * (*workers, which nn_team_free frees however far this got). */
nn_status nn_team_alloc(team *tm, worker **workers);

/* Frees what nn_team_alloc made. */
void nn_team_free(team *tm, worker *workers);

#endif
