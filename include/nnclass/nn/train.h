/*
 * train.h - minibatch training of an nn_net by backpropagation.
 *
 * Images stay as bytes and are scaled per minibatch. Each epoch reshuffles the
 * training images with the library's seeded generator, so the same data,
 * options and seed (with one BLAS thread) give bit-identical weights. With
 * val_count > 0, that many images are held out (a seeded choice made once),
 * validation accuracy is measured after every epoch and the best epoch's
 * weights are restored at the end.
 *
 * A data set with label sequences (dataset.h) trains a net whose output
 * reads them (CTC): each minibatch's sequences reach the loss in
 * nn_targets; accuracy is the share of samples whose whole sequence the
 * output reads right.
 *
 * A net with NN_ACT_STEP is trained with the perceptron rule instead: for
 * each misclassified image, add lr*x to the true class's weights and subtract
 * it from the predicted one's.
 */
#ifndef NNCLASS_TRAIN_H
#define NNCLASS_TRAIN_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "nnclass/nn/dataset.h"
#include "nnclass/base/error.h"
#include "nnclass/nn/augment.h"
#include "nnclass/nn/net.h"

typedef enum {
    NN_OPT_SGD = 0,
    NN_OPT_MOMENTUM = 1, /* heavy-ball momentum */
    NN_OPT_NESTEROV = 2, /* Nesterov momentum */
    NN_OPT_ADAM = 3,
} nn_optimizer;

typedef enum {
    NN_LR_CONSTANT = 0,
    NN_LR_STEP = 1,   /* multiply by step_gamma every step_epochs epochs */
    NN_LR_COSINE = 2, /* cosine decay from lr to 0 over all steps */
} nn_lr_schedule;

typedef struct {
    size_t epochs;
    size_t batch;
    float lr;
    nn_optimizer optimizer;
    float momentum;       /* momentum and nesterov; Adam's beta1 is 0.9 */
    float weight_decay;   /* L2 on weights (not biases), added to the gradient */
    nn_lr_schedule schedule;
    size_t step_epochs;   /* NN_LR_STEP period */
    float step_gamma;     /* NN_LR_STEP factor */
    uint64_t seed;        /* initialisation (done by the caller) and shuffling */
    size_t val_count;     /* images held out for validation; 0 = none */
    size_t threads;       /* threads sharing the first hidden layer (dense nets) or
                             the images of a minibatch (conv nets); 0 or 1 = one */
    size_t augment;       /* shift training images by up to this many pixels each
                             way, at random (seeded); 0 = none */
    float clip_norm;      /* scale a minibatch's gradient down to this global
                             (L2) norm when it is larger; 0 = never */
    nn_augment_options distort; /* other writers' distortions, after the shift;
                                   all 0 = none */
    int val_last;         /* the held-out images are the last val_count of the
                             data, not a seeded choice (data made apart) */
} nn_train_options;

/* Parts a minibatch of a conv net is cut into, whatever the thread count. */
#define NN_SHARDS 4u

/* The largest --augment shift, in pixels. */
#define NN_MAX_AUGMENT 8u

/* Fills the documented default recipe (see README: Training). */
void nn_train_options_default(nn_train_options *opt);

/* Checks option values (positive sizes, finite non-negative rates, batch and
 * val_count against n_images); NN_E_ARG with the option's name otherwise. */
nn_status nn_train_options_check(const nn_train_options *opt, size_t n_images,
                                 nn_error *err);

/* Names: "sgd", "momentum", "nesterov", "adam"; "constant", "step", "cosine".
 * The parse functions return 0 on success, -1 for an unknown name. */
const char *nn_optimizer_name(nn_optimizer opt);
int nn_optimizer_parse(const char *name, nn_optimizer *out);
const char *nn_lr_schedule_name(nn_lr_schedule s);
int nn_lr_schedule_parse(const char *name, nn_lr_schedule *out);

/* What one epoch did; passed to the on_epoch hook. */
typedef struct {
    size_t epoch;          /* 1-based */
    size_t epochs;         /* planned */
    double loss;           /* mean training loss over the epoch (0 for step) */
    double train_accuracy; /* on the training images, during the epoch */
    double val_accuracy;   /* on the held-out images; < 0 when there are none */
    double val_loss;       /* their mean cross-entropy; < 0 without them or for step */
    double seconds;        /* wall time of the epoch */
    double lr;             /* learning rate of the epoch's last minibatch */
    int is_best;           /* this epoch has the best validation accuracy so far */
} nn_epoch_stats;

/* Room for n samples a make hook makes, laid out as a data set's arrays
 * (dataset.h): pixels n * n_in bytes; labels n, or NULL for a data set
 * with label sequences; seq n * seq_width labels and seq_len n lengths for
 * one, else NULL. */
typedef struct {
    uint8_t *pixels, *labels, *seq, *seq_len;
} nn_sample_room;

/* Optional callbacks and a stop flag, all may be NULL. */
typedef struct {
    void (*on_epoch)(const nn_epoch_stats *stats, void *user);
    /* loss: the mean training loss of the epoch's minibatches so far */
    void (*on_progress)(size_t epoch, size_t batches_done, size_t batches_total, double loss,
                        void *user);
    volatile sig_atomic_t *stop; /* polled between minibatches; non-zero stops */
    void *user;
    /* Makes the training samples as the minibatches are drawn, so that an
     * epoch's samples (numbers composed anew every epoch) never sit in
     * memory together. With it, the data set holds the held-out samples
     * only (val_count must be its count; they validate in order) and
     * n_made training samples, numbered 0 .. n_made-1, are made by it:
     * samples idx[0..n) of epoch (1-based) into room, checked as a data set
     * is (nn_dataset_check). The training threads call it at the same time,
     * each for the samples it reads: it must be safe to call so, and sample
     * i's bytes must depend on nothing but (epoch, i), so that any thread
     * count and any order train on the same data. A status other than NN_OK (with
     * err, the calling thread's own, filled) ends the run with it. */
    nn_status (*make)(size_t epoch, const uint32_t *idx, size_t n, const nn_sample_room *room,
                      void *user, nn_error *err);
    size_t n_made; /* the training samples make makes for an epoch */
} nn_train_hooks;

typedef struct {
    size_t epochs_run;
    size_t best_epoch;        /* epoch whose weights the net holds at the end */
    double best_val_accuracy; /* < 0 without validation */
    double final_loss;
    double best_val_loss;     /* the best epoch's validation loss; < 0 without */
} nn_train_result;

/* Trains net (already initialised) on data (the held-out samples alone
 * when hooks->make is set). Checks the options (nn_train_options_check:
 * NN_E_ARG, and val_count against a hook's data) and the data against the
 * net (nn_dataset_check: NN_E_MISMATCH) before anything else. Returns
 * NN_E_NUMERIC (message names the epoch and minibatch) when the loss becomes
 * NaN or Inf, NN_E_INTERRUPTED when *stop was set; on any failure the net's
 * contents are unspecified. */
nn_status nn_train(nn_net *net, const nn_dataset *data, const nn_train_options *opt,
                   const nn_train_hooks *hooks, nn_train_result *result, nn_error *err);

#endif
