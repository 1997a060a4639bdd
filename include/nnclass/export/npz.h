/*
 * npz.h - a network's parameters as a NumPy .npz file: a zip archive of .npy
 * arrays, stored (not compressed), each member with zlib's CRC-32.
 *
 * One array per layer parameter, named as in docs/model-format.md: "W1"
 * (sizes[1], sizes[0]) and "b1" (sizes[1],), "W2", "b2", ..., float32
 * little-endian ('<f4', C order); "activation", a 0-d unicode string (the
 * hidden activation: sigmoid, relu, tanh, or step for the perceptron); and
 * "class_names", unicode strings, one per class, when the model has them.
 * numpy.load(path) gives them by these names. The archive is deterministic:
 * every member is dated 1980-01-01 00:00.
 */
#ifndef NNCLASS_NPZ_H
#define NNCLASS_NPZ_H

#include <stddef.h>
#include <stdint.h>

#include "nnclass/base/error.h"
#include "nnclass/nn/model.h"
#include "nnclass/nn/net.h"

/* Encodes the arrays above into a new buffer (*buf, *len; caller frees *buf). */
nn_status nn_npz_encode(const nn_net *net, const nn_model_meta *meta, uint8_t **buf,
                        size_t *len, nn_error *err);

/* The .npy encoding of one float32 array of n_dims dims (0 to 4), in a new
 * buffer (*buf, *len; caller frees *buf): a version 1.0 header padded to a
 * multiple of 64 bytes, then the values little-endian. */
nn_status nn_npy_encode_f32(const size_t *dims, size_t n_dims, const float *values,
                            uint8_t **buf, size_t *len, nn_error *err);

#endif
