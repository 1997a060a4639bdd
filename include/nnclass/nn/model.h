/*
 * model.h - the .nnc model file: a network, its input geometry, class names
 * and training metadata, protected by a CRC-32. The byte layout is documented
 * in docs/model-format.md.
 *
 * Saving is atomic: the bytes go to a temporary file in the destination's
 * folder, which is flushed, fsynced and renamed over the destination, so a
 * reader sees either the old file or the complete new one. The loader checks
 * magic, version, every size against a cap, every enum, the file length
 * against the header and the checksum before trusting anything.
 */
#ifndef NNCLASS_MODEL_H
#define NNCLASS_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "nnclass/base/error.h"
#include "nnclass/nn/net.h"
#include "nnclass/nn/reject.h"

#define NN_MODEL_NAME_LEN 32 /* bytes per class or dataset name, NUL included */

typedef struct {
    uint32_t rows, cols;   /* input geometry; rows * cols == sizes[0] */
    size_t n_classes;      /* == sizes[n_layers-1] */
    int has_class_names;
    char class_names[NN_MAX_CLASSES][NN_MODEL_NAME_LEN];
    char dataset[NN_MODEL_NAME_LEN]; /* "mnist", "fashion", or "" for files */
    char recipe[128];      /* e.g. "relu nesterov lr=0.05 batch=64 cosine wd=0.0005" */
    uint32_t epochs;
    uint64_t seed;
    float val_accuracy;    /* < 0 when trained without validation */
    /* Provenance: 0 for a file made before it was stored (then unknown). */
    int has_provenance;
    char nnclass_version[NN_MODEL_NAME_LEN]; /* the release that trained it, e.g. "1.0.0" */
    char blas_core[NN_MODEL_NAME_LEN];       /* OpenBLAS's core then, e.g. "Haswell" */
    uint32_t images_crc, labels_crc; /* CRC-32 of the training images' pixels and labels */
    /* The threshold of `predict --reject` (reject.h); 0 when not stored. */
    int has_calibration;
    nn_reject_calib calibration;
} nn_model_meta;

/* Writes net (made by nn_net_create or nn_net_create_table) and meta to
 * path atomically. Refuses (NN_E_ARG) what the loader would refuse, and a
 * non-finite parameter (NN_E_NUMERIC). On failure no file is left at the
 * temporary name and an existing file at path is untouched. */
nn_status nn_model_save(const char *path, const nn_net *net, const nn_model_meta *meta,
                        nn_error *err);

/* Checks that images of rows x cols are what the model takes: its rows and
 * its cols, not just as many pixels (a 28x28 model refuses 1x784).
 * NN_E_MISMATCH naming name otherwise. */
nn_status nn_model_check_input(const nn_model_meta *meta, size_t rows, size_t cols,
                               const char *name, nn_error *err);

/* Reads a model file. Caller frees *net with nn_net_free. */
nn_status nn_model_load(const char *path, nn_net **net, nn_model_meta *meta,
                        nn_error *err);

/* nn_model_load that also sets *bytes (when not NULL) to the length of the
 * model read: the file's size, also for a pipe or a stream. */
nn_status nn_model_read(const char *path, nn_net **net, nn_model_meta *meta, size_t *bytes,
                        nn_error *err);

/* Decodes a model from memory (name is used in messages); the loader's core,
 * exposed for fuzzing and tests. */
nn_status nn_model_decode(const uint8_t *buf, size_t len, const char *name, nn_net **net,
                          nn_model_meta *meta, nn_error *err);

/* Encodes a model into a new buffer (*buf, *len; caller frees *buf), with
 * nn_model_save's checks. */
nn_status nn_model_encode(const nn_net *net, const nn_model_meta *meta, uint8_t **buf,
                          size_t *len, nn_error *err);

#endif
