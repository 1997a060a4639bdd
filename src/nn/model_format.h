/*
 * model_format.h - the .nnc layout that the decoder (model.c) and the
 * encoder (model_write.c) share: versions, offsets, flags, caps, the
 * little-endian fields, and the checks both apply. The byte layout is
 * documented in docs/model-format.md; the offsets below must stay in step
 * with it. Not part of the public API.
 */
#ifndef NNCLASS_MODEL_FORMAT_H
#define NNCLASS_MODEL_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "nnclass/base/error.h"
#include "nnclass/nn/model.h"
#include "nnclass/nn/net.h"

_Static_assert(sizeof(float) == 4, "the model file stores IEEE-754 binary32 floats");

#define MODEL_VERSION 1u       /* a plain list of dense layers */
#define MODEL_VERSION_TABLE 2u /* a table of layers of any kind */
#define ROW_SIZE 32u           /* bytes per row of a version 2 layer table */
#define ROW_FLAG_SAME 1u
#define ROW_KIND_FLAGS_SHIFT 8u   /* the row's kind-specific flags, bits 8..15 */
#define ROW_KIND_FLAGS_MASK 0xff00u
#define MODEL_MAGIC "NNCLASS" /* plus its terminating NUL: 8 bytes */
#define MAGIC_LEN 8u

/* Offsets of the fixed part of the header. */
enum {
    OFF_MAGIC = 0,
    OFF_VERSION = 8,
    OFF_HEADER_SIZE = 12,
    OFF_ROWS = 16,
    OFF_COLS = 20,
    OFF_N_LAYERS = 24,
    OFF_HIDDEN = 28,
    OFF_N_CLASSES = 32,
    OFF_FLAGS = 36,
    OFF_EPOCHS = 40,
    OFF_VAL_ACC = 44,
    OFF_SEED = 48,
    OFF_N_PARAMS = 56,
    OFF_DATASET = 64,
    OFF_RECIPE = OFF_DATASET + NN_MODEL_NAME_LEN, /* 96 */
    FIXED_SIZE = OFF_RECIPE + 128,                /* 224; then the layer sizes */
};

/* Fields of a row of the version 2 layer table, relative to the row. */
enum { ROW_KIND = 0, ROW_ACT = 4, ROW_H = 8, ROW_W = 12, ROW_C = 16, ROW_K = 20, ROW_FLAGS = 24,
       ROW_UNITS = 28 };

#define RECIPE_LEN 128u
_Static_assert(sizeof(((nn_model_meta *)0)->recipe) == RECIPE_LEN, "recipe field size");
_Static_assert(sizeof(((nn_model_meta *)0)->dataset) == NN_MODEL_NAME_LEN, "dataset size");

#define FLAG_CLASS_NAMES 1u
#define FLAG_PROVENANCE 2u /* the provenance block follows the class names */
#define FLAG_CALIBRATION 4u /* the calibration block follows the provenance */
#define FLAGS_KNOWN (FLAG_CLASS_NAMES | FLAG_PROVENANCE | FLAG_CALIBRATION)

/* The provenance block: where the model came from. Files without it (made
 * before it existed) load as they always did, their provenance unknown. */
enum {
    PROV_VERSION = 0,                                     /* text: the nnclass release */
    PROV_BLAS_CORE = PROV_VERSION + NN_MODEL_NAME_LEN,    /* text: OpenBLAS's core */
    PROV_IMAGES_CRC = PROV_BLAS_CORE + NN_MODEL_NAME_LEN, /* u32 */
    PROV_LABELS_CRC = PROV_IMAGES_CRC + 4,                /* u32 */
    PROV_SIZE = PROV_LABELS_CRC + 4,                      /* 72 */
};
_Static_assert(sizeof(((nn_model_meta *)0)->nnclass_version) == NN_MODEL_NAME_LEN,
               "version field size");
_Static_assert(sizeof(((nn_model_meta *)0)->blas_core) == NN_MODEL_NAME_LEN, "core field size");

/* The calibration block (reject.h): a version of its own, so that it can
 * grow without a new file version; files without it load as before. */
enum {
    CAL_VERSION = 0,    /* u32: NN_REJECT_CALIB_VERSION */
    CAL_SCORE = 4,      /* u32: nn_score_kind */
    CAL_CLASS = 8,      /* u32: the reject class, or NN_REJECT_NO_CLASS */
    CAL_THRESHOLD = 12, /* f32 */
    CAL_TARGET = 16,    /* f32 */
    CAL_ACCEPTED = 20,  /* f32 */
    CAL_COUNT = 24,     /* u32 */
    CAL_RESERVED = 28,  /* u32: 0 */
    CAL_SIZE = 32,
};

/* The largest file any valid model can be: every count at its cap. */
#define MODEL_MAX_BYTES                                                        \
    ((size_t)FIXED_SIZE + ROW_SIZE * NN_MAX_LAYERS +                            \
     (size_t)NN_MODEL_NAME_LEN * NN_MAX_CLASSES + PROV_SIZE + CAL_SIZE +        \
     4u * NN_MAX_PARAMS + 4u)

/* --- little-endian fields -------------------------------------------------- */

static inline void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static inline void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

static inline uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t get64(const uint8_t *p)
{
    return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* A float's bits, copied as one scalar (not a struct), then written as a
 * little-endian uint32 like every other field. */
static inline uint32_t float_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static inline float bits_float(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}


/* Bytes of the header of a file of version with these counts and blocks. */
size_t nn_model_header_size(uint32_t version, size_t n_layers, size_t n_classes, int has_names,
                            int has_prov, int has_calib);

/* Checks a layer table as the file holds it, row by row. Fills *n_params
 * (computed in 64 bits from capped factors). The message names the row. */
nn_status nn_model_check_table(const nn_layer *rows, size_t n_layers, const char *name,
                               uint64_t *n_params, nn_error *err);

/* Whether act is a hidden activation a file may hold. */
int nn_model_valid_activation(uint32_t act);

#endif
