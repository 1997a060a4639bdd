/*
 * train_internal.h - the parts of the trainer in files of their own:
 * minibatches from a dataset and the optimiser step. Not part of the
 * public API.
 */
#ifndef NNCLASS_TRAIN_INTERNAL_H
#define NNCLASS_TRAIN_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "nnclass/nn/dataset.h"
#include "nnclass/nn/net.h"
#include "nnclass/nn/train.h"

/* Asks for the bytes of the images idx[0..n) (not past idx_end) to be
 * brought into the cache (the images sit at random places in a large
 * array). */
void nn_train_prefetch(const nn_dataset *data, const uint32_t *idx, const uint32_t *idx_end,
                       size_t n, size_t n_in);

/* Copies the images idx[0..n) into x, (n, n_in) floats in [0, 1], and their
 * labels into y, prefetching the bytes of images further on in idx (up to
 * idx_end, which may lie past this minibatch). */
void nn_train_gather(const nn_dataset *data, const uint32_t *idx, size_t n,
                     const uint32_t *idx_end, size_t n_in, float *x, uint8_t *y);

/* Room for the label sequences of a minibatch (data with sequences only):
 * what nn_targets reads, and for measuring held-out samples, room for the
 * output's gradient, which is not used. */
typedef struct {
    uint16_t *seq;  /* chunk * seq_width labels */
    size_t *off;    /* chunk + 1 offsets into seq */
    float *delta;   /* chunk * the output's floats per sample, or NULL */
} nn_seq_room;

/* Allocates r for chunk samples of data (all NULL when data has no
 * sequences), with delta when delta_floats > 0. NN_OK or NN_E_NOMEM. */
nn_status nn_seq_room_alloc(nn_seq_room *r, const nn_dataset *data, size_t chunk,
                            size_t delta_floats, nn_error *err);
void nn_seq_room_free(nn_seq_room *r);

/* The label sequences of the samples idx[0..n) into r (seq and off,
 * off[0] = 0), as nn_targets reads them. */
void nn_train_gather_seq(const nn_dataset *data, const uint32_t *idx, size_t n,
                         const nn_seq_room *r);

/* A thread's room for the samples of a minibatch that a make hook makes
 * (train.h), and their places in it: order[i] = i, as indexes into the
 * view of the room. */
typedef struct {
    nn_sample_room room;
    uint32_t *order;
} nn_made_room;

/* Allocates m for chunk samples shaped like data's (zeroed: places no hook
 * has filled read as empty samples). NN_OK or NN_E_NOMEM. */
nn_status nn_made_room_alloc(nn_made_room *m, const nn_dataset *data, size_t chunk,
                             nn_error *err);
void nn_made_room_free(nn_made_room *m);

/* Has hooks->make make the samples idx[lo..hi) of epoch into places
 * [lo, hi) of m, and checks them (nn_dataset_check); its status. */
nn_status nn_made_room_fill(nn_made_room *m, const nn_train_hooks *hooks,
                            const nn_dataset *data, size_t epoch, const uint32_t *idx,
                            size_t lo, size_t hi, nn_error *err);

/* The view of places [0, n) of m, shaped like data. */
nn_dataset nn_made_room_view(const nn_made_room *m, const nn_dataset *data, size_t n);

/* The options of a run on data with hooks: nn_train_options_check over
 * every sample, a make hook's too, whose data set must be the held-out
 * samples, all of them (NN_E_ARG otherwise). */
nn_status nn_train_check_run(const nn_train_options *opt, const nn_dataset *data,
                             const nn_train_hooks *hooks, nn_error *err);

/* Shifts every image of the minibatch x (n images, already scaled) by a
 * random offset of up to max_shift pixels each way, drawn from a generator
 * seeded with seed and step. */
void nn_train_augment(const nn_dataset *data, const uint32_t *idx, size_t n,
                      size_t max_shift, uint64_t seed, size_t step, float *x);

/* Distorts images lo..hi-1 of the minibatch x (images of the data's size)
 * as o says, image r with a generator seeded with seed, step and r, so that
 * every thread makes the same images. scratch holds
 * nn_augment_scratch_floats of one image. */
void nn_train_distort(const nn_dataset *data, size_t lo, size_t hi,
                      const nn_augment_options *o, uint64_t seed, size_t step, float *x,
                      float *scratch);

/* A thread's scratch space for nn_train_distort (caller frees), or NULL
 * when o distorts nothing or memory is short. */
float *nn_train_distort_scratch(const nn_dataset *data, const nn_augment_options *o);

/* Optimiser state: v is the momentum buffer (or Adam's first moment), s
 * Adam's second moment; both n_params floats, zero at the start. */
typedef struct {
    const nn_train_options *opt;
    float *v, *s;
    size_t t; /* steps taken, for Adam's bias correction */
} optimiser;

/* One optimiser step on the outputs [j0, j1) of layer 1 and every layer
 * above (see train_optim.c). */
void nn_optimiser_update(optimiser *o, nn_net *net, const float *grad, float lr, size_t j0,
                         size_t j1);

/* Scales the n values of g down to a global (L2) norm of at most max:
 * gradient clipping, which keeps a recurrent net's rare huge gradients from
 * undoing its training. The norm is summed in one fixed order, so every
 * thread scales its copy alike. */
void nn_clip_norm(float *g, size_t n, float max);

/* Images per forward pass when measuring on held-out images. */
#define NN_TRAIN_VAL_CHUNK 256u

/* Learning rate of a step (train_measure.c): epoch is 1-based, step counts
 * minibatches from 0 over the whole run, total_steps is their number. */
float nn_train_lr_at(const nn_train_options *opt, size_t epoch, size_t step,
                     size_t total_steps);

/* The fraction of the images idx[0..n) of data the net classifies right,
 * and their mean loss into *loss; for an autoencoder, -1 and its mean
 * reconstruction loss. x and y are room for a chunk of images and labels;
 * idx[n..] is room for the chunk's indexes. */
double nn_train_measure(const nn_net *net, nn_workspace *ws, const nn_dataset *data,
                        const uint32_t *idx, size_t n, float *x, uint8_t *y, double *loss);

/* The same for any data; for data with label sequences, measured
 * nn_train_part_max(batch) samples a pass: the share of samples whose whole
 * sequence the output reads right (its loss operation's count), and their
 * mean loss; r (with delta) is room for a chunk. */
double nn_train_measure_held_out(const nn_net *net, nn_workspace *ws, const nn_dataset *data,
                            const uint32_t *idx, size_t n, size_t batch, float *x, uint8_t *y,
                            nn_seq_room *r, double *loss);

/* The most samples in one of the NN_SHARDS parts of a minibatch of batch. */
size_t nn_train_part_max(size_t batch);

#endif
