/*
 * model_internal.h - what the model file reader needs of the format
 * (model.c). Not part of the public API.
 */
#ifndef NNCLASS_MODEL_INTERNAL_H
#define NNCLASS_MODEL_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/* The largest file any valid model can be: every count at its cap. */
size_t nn_model_max_bytes(void);

/* Non-zero while the first len bytes can still start a model file (its
 * magic, or fewer bytes than it). */
int nn_model_starts_right(const uint8_t *buf, size_t len);

#endif
