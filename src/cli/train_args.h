/*
 * train_args.h - the options of `nnclass train` as parsed (cmd_train.c) and
 * the training job that runs on them (train_job.c).
 */
#ifndef NNCLASS_CLI_TRAIN_ARGS_H
#define NNCLASS_CLI_TRAIN_ARGS_H

#include <stddef.h>
#include <stdint.h>

#include "nnclass/io/idx.h"
#include "nnclass/nn/model.h"
#include "nnclass/nn/net.h"
#include "nnclass/nn/train.h"

#define DEFAULT_HIDDEN 16
#define DEFAULT_ACTIVATION NN_ACT_RELU

typedef struct {
    const char *dataset;
    const char *images, *labels;
    const char *data_dir;
    size_t classes;      /* --classes, 0: the dataset's count */
    const char *output;
    const char *log_path;
    const char *plot;
    size_t sizes[NN_MAX_LAYERS];
    size_t n_sizes;      /* 0: not given */
    const char *table;   /* --layers with conv/pool/RxC tokens, parsed once the
                            activation is known */
    nn_layer layers[NN_MAX_LAYERS];
    size_t n_table;      /* 0: a plain list of sizes (or none) */
    int table_is_recipe; /* --arch's table: its output layer is the data's classes */
    int sizes_are_hidden; /* --hidden: only the hidden sizes were given */
    nn_activation activation;
    nn_train_options train;
    size_t threads;
    uint64_t max_input_mb;
    int quiet;
    int layers_given, hidden_given;            /* --layers, --hidden */
    const char *optimizer_flag;               /* the first of --optimizer, --momentum,
                                                 --weight-decay given, or NULL */
    int arch;                                 /* --arch: an index in recipes[] */
    int epochs_given, batch_given, lr_given, augment_given;
    int optimizer_given, weight_decay_given, clip_given;
    int arch_given, activation_given;         /* --arch, --activation */
    unsigned distort_given;                   /* bits: --elastic, --affine, --stroke,
                                                 --blur, --distort-share */
    const char *init;                         /* --init: the model to start from */
    const char *numbers;                      /* --numbers: the numbers of --images' strips */
    size_t epoch_size;                        /* numbers composed per epoch (--arch crnn) */
    int epoch_size_given, val_given;
    const char *calibrate;                    /* --calibrate: held-out digits, or NULL */
    size_t reject_class;                      /* --reject-class K: K + 1; 0 when none */
    float calibrate_accept;                   /* --calibrate-accept */
} train_args;

/* Whether a trains a number reader on numbers it composes itself from the
 * MNIST training digits (--arch crnn without --images). */
int cli_train_composes(const train_args *a);

/* Trains the network a describes on its data and writes the model file;
 * returns the exit code. May adjust a (the batch to a small data set). */
int cli_train_run(train_args *a);

/* --calibrate: loads its images into *out, checking them against the
 * data's geometry (rows x cols) and --reject-class against n_classes (a
 * reader of numbers, reader not 0, has none); the exit code of a printed
 * error, or 0. */
int cli_calibrate_load(const train_args *a, int reader, size_t rows, size_t cols,
                       size_t n_classes, nn_images *out);

/* Scores the held-out images (--calibrate's, or a composing reader's
 * validation numbers; none: nothing to do) with the trained net and stores
 * the threshold in meta; the exit code of a printed error, or 0. */
int cli_calibrate_model(const train_args *a, const nn_images *images, const nn_net *net,
                        nn_model_meta *meta);

#endif
