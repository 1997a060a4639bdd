/*
 * onnx.h - a trained network as an ONNX model, for ONNX Runtime and the
 * rest of the ONNX ecosystem.
 *
 * The model takes "image", float[N, 1, rows, cols] with pixels in [0, 1]
 * (byte / 255, as nnclass scales them), and gives "probabilities",
 * float[N, classes]: the same numbers as nnclass's forward pass. The graph is
 * written layer by layer (Flatten, then Gemm and the activation for each
 * dense layer, Softmax last); the perceptron's probabilities are the softmax
 * of its weighted sums, as nnclass defines them, so their argmax is its
 * prediction. ir_version 7 and the default opset 13, which ONNX 1.8 and
 * later read. The class names, dataset and recipe go into metadata_props
 * ("class_names" is a JSON array).
 */
#ifndef NNCLASS_ONNX_H
#define NNCLASS_ONNX_H

#include <stddef.h>
#include <stdint.h>

#include "nnclass/base/error.h"
#include "nnclass/nn/model.h"
#include "nnclass/nn/net.h"

#define NN_ONNX_IR_VERSION 7
#define NN_ONNX_OPSET 13

/* Encodes net and meta as an ONNX ModelProto in a new buffer (*buf, *len;
 * caller frees *buf). producer_version is written as the producer's version. */
nn_status nn_onnx_encode(const nn_net *net, const nn_model_meta *meta,
                         const char *producer_version, uint8_t **buf, size_t *len,
                         nn_error *err);

#endif
