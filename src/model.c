/* model.c - the .nnc model file: encoder, decoder, atomic save, load.
 * The byte layout is documented in docs/model-format.md; the offsets below
 * must stay in step with it. Every field is written and read byte by byte in
 * little-endian order, so the file is the same on every host. */
#include "nnclass/model.h"

#include "nnclass/atomic.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

_Static_assert(sizeof(float) == 4, "the model file stores IEEE-754 binary32 floats");

#define MODEL_VERSION 1u       /* a plain list of dense layers */
#define MODEL_VERSION_TABLE 2u /* a table of layers of any kind */
#define ROW_SIZE 32u           /* bytes per row of a version 2 layer table */
#define ROW_FLAG_SAME 1u
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
       ROW_RESERVED = 28 };

#define RECIPE_LEN 128u
_Static_assert(sizeof(((nn_model_meta *)0)->recipe) == RECIPE_LEN, "recipe field size");
_Static_assert(sizeof(((nn_model_meta *)0)->dataset) == NN_MODEL_NAME_LEN, "dataset size");

#define FLAG_CLASS_NAMES 1u
#define FLAGS_KNOWN FLAG_CLASS_NAMES

/* The largest file any valid model can be: every count at its cap. */
#define MODEL_MAX_BYTES                                                        \
    ((size_t)FIXED_SIZE + ROW_SIZE * NN_MAX_LAYERS +                            \
     (size_t)NN_MODEL_NAME_LEN * NN_MAX_CLASSES + 4u * NN_MAX_PARAMS + 4u)

/* --- little-endian fields -------------------------------------------------- */

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
    return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* A float's bits, copied as one scalar (not a struct), then written as a
 * little-endian uint32 like every other field. */
static uint32_t float_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static float bits_float(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* zlib's crc32 takes a uInt length: feed large buffers in pieces. */
static uint32_t crc_of(const uint8_t *buf, size_t len)
{
    uLong crc = crc32(0L, Z_NULL, 0);
    while (len > 0) {
        uInt n = len > (1u << 30) ? (1u << 30) : (uInt)len;
        crc = crc32(crc, buf, n);
        buf += n;
        len -= n;
    }
    return (uint32_t)crc;
}

/* --- sizes shared by the encoder and the decoder ----------------------------- */

/* Weights and biases of a layer list whose sizes are each <= NN_MAX_WIDTH
 * (so no product overflows 64 bits), or 0 when the total is over the cap. */
static uint64_t count_params(const size_t *sizes, size_t n_layers)
{
    uint64_t total = 0;
    for (size_t l = 1; l < n_layers; l++) {
        total += (uint64_t)sizes[l] * sizes[l - 1] + sizes[l];
        if (total > NN_MAX_PARAMS)
            return 0;
    }
    return total;
}

static size_t header_size(uint32_t version, size_t n_layers, size_t n_classes, int has_names)
{
    size_t per_layer = version == MODEL_VERSION_TABLE ? ROW_SIZE : 4;
    return FIXED_SIZE + per_layer * n_layers + (has_names ? NN_MODEL_NAME_LEN * n_classes : 0);
}

/* Checks a layer table as the file holds it: row 0 an input, every other
 * row a known kind and activation, each number within its cap, and every
 * stored output shape the one its kind and input give. Fills *n_params
 * (computed in 64 bits from capped factors). The message names the row. */
static nn_status check_table(const nn_layer *rows, size_t n_layers, const char *name,
                             uint64_t *n_params, nn_error *err)
{
    const nn_layer *in = &rows[0];
    if (in->kind != NN_LAYER_INPUT)
        return nn_fail(err, NN_E_FORMAT, "%s: layer 0 is kind %d, not the input", name,
                       (int)in->kind);
    if (in->h == 0 || in->w == 0 || in->c == 0 || in->k != 0 || in->same ||
        in->act != NN_ACT_NONE)
        return nn_fail(err, NN_E_FORMAT, "%s: the input row %zux%zux%zu is malformed", name,
                       in->h, in->w, in->c);
    if (in->h > NN_MAX_SIDE || in->w > NN_MAX_SIDE || in->c > NN_MAX_CHANNELS ||
        in->h * in->w * in->c > NN_MAX_WIDTH)
        return nn_fail(err, NN_E_TOO_LARGE, "%s: an input of %zux%zux%zu values, the limit is "
                       "%u", name, in->h, in->w, in->c, NN_MAX_WIDTH);
    uint64_t total = 0;
    for (size_t l = 1; l < n_layers; l++) {
        const nn_layer *r = &rows[l];
        if (r->kind != NN_LAYER_DENSE && r->kind != NN_LAYER_CONV && r->kind != NN_LAYER_POOL)
            return nn_fail(err, NN_E_FORMAT, "%s: layer %zu has unknown kind %d (1 dense, "
                           "2 conv, 3 pool)", name, l, (int)r->kind);
        if ((unsigned)r->act > (unsigned)NN_ACT_NONE || r->act == NN_ACT_STEP)
            return nn_fail(err, NN_E_FORMAT, "%s: layer %zu has unknown activation %d "
                           "(0 sigmoid, 1 relu, 2 tanh, 4 none)", name, l, (int)r->act);
        if (l == n_layers - 1 && r->act != NN_ACT_NONE)
            return nn_fail(err, NN_E_FORMAT, "%s: the output layer has activation %d; its "
                           "softmax is implied (4 none)", name, (int)r->act);
        if (r->h > NN_MAX_SIDE || r->w > NN_MAX_SIDE || r->c > NN_MAX_WIDTH ||
            r->k > NN_MAX_KERNEL)
            return nn_fail(err, NN_E_TOO_LARGE, "%s: layer %zu: shape %zux%zux%zu or kernel %zu "
                           "over the limits", name, l, r->h, r->w, r->c, r->k);
        nn_layer want = *r;
        nn_error le = {{0}};
        if (r->kind == NN_LAYER_DENSE && (r->k != 0 || r->same))
            return nn_fail(err, NN_E_FORMAT, "%s: layer %zu: a dense layer with a kernel", name,
                           l);
        if (r->kind == NN_LAYER_POOL && (r->k != 2 || r->same))
            return nn_fail(err, NN_E_FORMAT, "%s: layer %zu: pooling is 2x2 without padding",
                           name, l);
        if (nn_net_layer_shape(&rows[l - 1], &want, l == n_layers - 1, &le) != NN_OK)
            return nn_fail(err, NN_E_FORMAT, "%s: layer %zu (%s): %s", name, l,
                           nn_layer_kind_name(r->kind), le.msg);
        if (want.h != r->h || want.w != r->w || want.c != r->c)
            return nn_fail(err, NN_E_FORMAT, "%s: layer %zu (%s) stores an output of "
                           "%zux%zux%zu, its input and kernel give %zux%zux%zu", name, l,
                           nn_layer_kind_name(r->kind), r->h, r->w, r->c, want.h, want.w,
                           want.c);
        const nn_layer *p = &rows[l - 1];
        if (r->kind == NN_LAYER_DENSE)
            total += (uint64_t)r->c * (p->h * p->w * p->c) + r->c;
        else if (r->kind == NN_LAYER_CONV)
            total += (uint64_t)r->c * r->k * r->k * p->c + r->c;
        if (total > NN_MAX_PARAMS)
            return nn_fail(err, NN_E_TOO_LARGE, "%s: the layers need more than %zu parameters",
                           name, NN_MAX_PARAMS);
    }
    *n_params = total;
    return NN_OK;
}

/* A NUL-padded text field: a NUL within the field and only NULs after it.
 * Returns 0 when valid. */
static int check_text(const uint8_t *p, size_t cap)
{
    const uint8_t *nul = memchr(p, 0, cap);
    if (nul == NULL)
        return -1;
    for (const uint8_t *q = p; q < nul; q++)
        if (*q < 0x20 || *q == 0x7f)
            return -1; /* a control character: text fields are printed as they are */
    for (const uint8_t *q = nul; q < p + cap; q++)
        if (*q != 0)
            return -1;
    return 0;
}

/* Writes a C string into a NUL-padded field of cap bytes (the caller has
 * checked that it fits). Bytes after the NUL in the source are not copied,
 * so the encoding does not depend on stale memory. */
static void put_text(uint8_t *p, const char *s, size_t cap)
{
    size_t n = strnlen(s, cap);
    memcpy(p, s, n);
    memset(p + n, 0, cap - n);
}

static int valid_activation(uint32_t act)
{
    return act == NN_ACT_SIGMOID || act == NN_ACT_RELU || act == NN_ACT_TANH ||
           act == NN_ACT_STEP;
}

static const char *or_model(const char *name)
{
    return name != NULL ? name : "model";
}

/* --- encoder ------------------------------------------------------------------ */

/* Checks that net and meta describe a model the decoder would accept, so a
 * save never writes a file that cannot be loaded back. */
static nn_status check_for_encode(const nn_net *net, const nn_model_meta *meta,
                                  const char *name, nn_error *err)
{
    if (net == NULL || meta == NULL)
        return nn_fail(err, NN_E_ARG, "%s: no network or metadata to save", name);
    if (net->n_layers < 2 || net->n_layers > NN_MAX_LAYERS)
        return nn_fail(err, NN_E_ARG, "%s: %zu layer sizes, expected 2 to %d", name,
                       net->n_layers, NN_MAX_LAYERS);
    for (size_t l = 0; l < net->n_layers; l++)
        if (net->sizes[l] == 0 || net->sizes[l] > NN_MAX_WIDTH)
            return nn_fail(err, NN_E_ARG, "%s: layer %zu has %zu neurons, expected 1 to %u",
                           name, l, net->sizes[l], NN_MAX_WIDTH);
    size_t n_out = net->sizes[net->n_layers - 1];
    if (n_out < 2 || n_out > NN_MAX_CLASSES)
        return nn_fail(err, NN_E_ARG, "%s: %zu output neurons, expected 2 to %u", name, n_out,
                       NN_MAX_CLASSES);
    uint64_t n_params = 0;
    if (!nn_net_is_dense(net)) {
        nn_error te = {{0}};
        if (check_table(net->layers, net->n_layers, name, &n_params, &te) != NN_OK)
            return nn_fail(err, NN_E_ARG, "%s", te.msg);
        const nn_layer *in = &net->layers[0];
        if (in->c != 1 || in->h != meta->rows || in->w != meta->cols)
            return nn_fail(err, NN_E_ARG, "%s: the net takes %zux%zux%zu inputs, the metadata "
                           "says %ux%u pixels", name, in->h, in->w, in->c, meta->rows,
                           meta->cols);
    }
    if (!valid_activation((uint32_t)net->hidden) && nn_net_is_dense(net))
        return nn_fail(err, NN_E_ARG, "%s: unknown activation %d", name, (int)net->hidden);
    if (net->hidden == NN_ACT_STEP && net->n_layers > 2)
        return nn_fail(err, NN_E_ARG, "%s: the step activation is only for a net with no "
                       "hidden layer", name);
    if (nn_net_is_dense(net))
        n_params = count_params(net->sizes, net->n_layers);
    if (n_params == 0 || n_params != net->n_params || net->params == NULL)
        return nn_fail(err, NN_E_ARG, "%s: the net holds %zu parameters, its sizes need %llu",
                       name, net->n_params, (unsigned long long)n_params);
    if (meta->n_classes != n_out)
        return nn_fail(err, NN_E_ARG, "%s: %zu classes, but the output layer has %zu neurons",
                       name, meta->n_classes, n_out);
    if ((uint64_t)meta->rows * meta->cols != net->sizes[0])
        return nn_fail(err, NN_E_ARG, "%s: input %ux%u is %llu pixels, the net takes %zu", name,
                       meta->rows, meta->cols,
                       (unsigned long long)((uint64_t)meta->rows * meta->cols), net->sizes[0]);
    if (memchr(meta->dataset, 0, NN_MODEL_NAME_LEN) == NULL)
        return nn_fail(err, NN_E_ARG, "%s: dataset name longer than %d bytes", name,
                       NN_MODEL_NAME_LEN - 1);
    if (memchr(meta->recipe, 0, RECIPE_LEN) == NULL)
        return nn_fail(err, NN_E_ARG, "%s: recipe longer than %u bytes", name, RECIPE_LEN - 1);
    if (meta->has_class_names)
        for (size_t k = 0; k < n_out; k++)
            if (memchr(meta->class_names[k], 0, NN_MODEL_NAME_LEN) == NULL)
                return nn_fail(err, NN_E_ARG, "%s: name of class %zu longer than %d bytes",
                               name, k, NN_MODEL_NAME_LEN - 1);
    if (!isfinite(meta->val_accuracy) || meta->val_accuracy > 1.0f)
        return nn_fail(err, NN_E_ARG, "%s: validation accuracy %g is not finite or is above 1",
                       name, (double)meta->val_accuracy);
    for (size_t i = 0; i < net->n_params; i++)
        if (!isfinite(net->params[i]))
            return nn_fail(err, NN_E_NUMERIC, "%s: parameter %zu is %s; refusing to save a "
                           "broken model", name, i, isnan(net->params[i]) ? "NaN" : "Inf");
    return NN_OK;
}

static nn_status encode_named(const nn_net *net, const nn_model_meta *meta, const char *name,
                              uint8_t **out, size_t *out_len, nn_error *err)
{
    nn_status st = check_for_encode(net, meta, name, err);
    if (st != NN_OK)
        return st;
    size_t n_classes = meta->n_classes;
    int has_names = meta->has_class_names != 0;
    uint32_t version = nn_net_is_dense(net) ? MODEL_VERSION : MODEL_VERSION_TABLE;
    size_t hsize = header_size(version, net->n_layers, n_classes, has_names);
    size_t len = hsize + 4 * net->n_params + 4; /* <= MODEL_MAX_BYTES: checked above */
    uint8_t *buf = calloc(1, len);
    if (buf == NULL)
        return nn_fail(err, NN_E_NOMEM, "%s: out of memory for %zu bytes", name, len);

    memcpy(buf + OFF_MAGIC, MODEL_MAGIC, MAGIC_LEN); /* the string's NUL is the 8th byte */
    put32(buf + OFF_VERSION, version);
    put32(buf + OFF_HEADER_SIZE, (uint32_t)hsize);
    put32(buf + OFF_ROWS, meta->rows);
    put32(buf + OFF_COLS, meta->cols);
    put32(buf + OFF_N_LAYERS, (uint32_t)net->n_layers);
    put32(buf + OFF_HIDDEN, (uint32_t)net->hidden);
    put32(buf + OFF_N_CLASSES, (uint32_t)n_classes);
    put32(buf + OFF_FLAGS, has_names ? FLAG_CLASS_NAMES : 0);
    put32(buf + OFF_EPOCHS, meta->epochs);
    put32(buf + OFF_VAL_ACC, float_bits(meta->val_accuracy));
    put64(buf + OFF_SEED, meta->seed);
    put64(buf + OFF_N_PARAMS, net->n_params);
    put_text(buf + OFF_DATASET, meta->dataset, NN_MODEL_NAME_LEN);
    put_text(buf + OFF_RECIPE, meta->recipe, RECIPE_LEN);
    uint8_t *p = buf + FIXED_SIZE;
    if (version == MODEL_VERSION_TABLE)
        for (size_t l = 0; l < net->n_layers; l++, p += ROW_SIZE) {
            const nn_layer *L = &net->layers[l];
            put32(p + ROW_KIND, (uint32_t)L->kind);
            put32(p + ROW_ACT, (uint32_t)L->act);
            put32(p + ROW_H, (uint32_t)L->h);
            put32(p + ROW_W, (uint32_t)L->w);
            put32(p + ROW_C, (uint32_t)L->c);
            put32(p + ROW_K, (uint32_t)L->k);
            put32(p + ROW_FLAGS, L->same ? ROW_FLAG_SAME : 0);
            put32(p + ROW_RESERVED, 0);
        }
    else
        for (size_t l = 0; l < net->n_layers; l++, p += 4)
            put32(p, (uint32_t)net->sizes[l]);
    if (has_names)
        for (size_t k = 0; k < n_classes; k++, p += NN_MODEL_NAME_LEN)
            put_text(p, meta->class_names[k], NN_MODEL_NAME_LEN);
    for (size_t i = 0; i < net->n_params; i++, p += 4)
        put32(p, float_bits(net->params[i]));
    put32(p, crc_of(buf, len - 4));

    *out = buf;
    *out_len = len;
    return NN_OK;
}

nn_status nn_model_encode(const nn_net *net, const nn_model_meta *meta, uint8_t **buf,
                          size_t *len, nn_error *err)
{
    return encode_named(net, meta, "model", buf, len, err);
}

/* --- decoder ------------------------------------------------------------------ */

nn_status nn_model_decode(const uint8_t *buf, size_t len, const char *name, nn_net **out,
                          nn_model_meta *meta_out, nn_error *err)
{
    name = or_model(name);
    *out = NULL;
    if (buf == NULL && len > 0)
        return nn_fail(err, NN_E_ARG, "%s: no buffer", name);

    /* 1. Identity: magic, then version. A short file whose bytes match the
     * start of the magic is truncated, anything else is not a model. */
    size_t have = len < MAGIC_LEN ? len : MAGIC_LEN;
    if (have > 0 && memcmp(buf, MODEL_MAGIC, have) != 0)
        return nn_fail(err, NN_E_FORMAT, "%s: not an nnclass model (bad magic)", name);
    if (len < OFF_VERSION + 4)
        return nn_fail(err, NN_E_TRUNCATED, "%s: truncated: %zu bytes, the header needs %d",
                       name, len, FIXED_SIZE);
    uint32_t version = get32(buf + OFF_VERSION);
    if (version != MODEL_VERSION && version != MODEL_VERSION_TABLE)
        return nn_fail(err, NN_E_VERSION, "%s: format version %u, this nnclass reads versions "
                       "1 and 2", name, version);
    if (len < FIXED_SIZE)
        return nn_fail(err, NN_E_TRUNCATED, "%s: truncated: %zu bytes, the header needs %d",
                       name, len, FIXED_SIZE);

    /* 2. Sizes, each against its cap, before anything is computed from them. */
    uint32_t n_layers = get32(buf + OFF_N_LAYERS);
    if (n_layers > NN_MAX_LAYERS)
        return nn_fail(err, NN_E_TOO_LARGE, "%s: %u layer sizes, the limit is %d", name,
                       n_layers, NN_MAX_LAYERS);
    if (n_layers < 2)
        return nn_fail(err, NN_E_FORMAT, "%s: %u layer sizes, a net needs at least 2", name,
                       n_layers);
    uint32_t flags = get32(buf + OFF_FLAGS);
    if ((flags & ~FLAGS_KNOWN) != 0)
        return nn_fail(err, NN_E_FORMAT, "%s: unknown flags 0x%08x", name, flags);
    int has_names = (flags & FLAG_CLASS_NAMES) != 0;
    uint32_t n_classes = get32(buf + OFF_N_CLASSES);
    if (n_classes > NN_MAX_CLASSES)
        return nn_fail(err, NN_E_TOO_LARGE, "%s: %u classes, the limit is %u", name, n_classes,
                       NN_MAX_CLASSES);
    if (n_classes < 2)
        return nn_fail(err, NN_E_FORMAT, "%s: %u class%s, a classifier needs at least 2",
                       name, n_classes, n_classes == 1 ? "" : "es");
    size_t hsize = header_size(version, n_layers, n_classes, has_names);
    uint32_t hsize_field = get32(buf + OFF_HEADER_SIZE);
    if (hsize_field != hsize)
        return nn_fail(err, NN_E_FORMAT, "%s: header size field says %u bytes, %u layers and "
                       "%s class names make %zu", name, hsize_field, n_layers,
                       has_names ? "their" : "no", hsize);
    if (len < hsize)
        return nn_fail(err, NN_E_TRUNCATED, "%s: truncated: %zu bytes, the header needs %zu",
                       name, len, hsize);
    size_t sizes[NN_MAX_LAYERS];
    nn_layer rows_table[NN_MAX_LAYERS];
    uint64_t n_params = 0;
    if (version == MODEL_VERSION_TABLE) {
        memset(rows_table, 0, sizeof rows_table);
        for (uint32_t l = 0; l < n_layers; l++) {
            const uint8_t *r = buf + FIXED_SIZE + (size_t)ROW_SIZE * l;
            uint32_t f = get32(r + ROW_FLAGS);
            if ((f & ~ROW_FLAG_SAME) != 0 || get32(r + ROW_RESERVED) != 0)
                return nn_fail(err, NN_E_FORMAT, "%s: layer %u has unknown flags 0x%08x or a "
                               "non-zero reserved field", name, l, f);
            nn_layer *L = &rows_table[l];
            L->kind = (nn_layer_kind)get32(r + ROW_KIND);
            L->act = (nn_activation)get32(r + ROW_ACT);
            L->h = get32(r + ROW_H);
            L->w = get32(r + ROW_W);
            L->c = get32(r + ROW_C);
            L->k = get32(r + ROW_K);
            L->same = (f & ROW_FLAG_SAME) != 0;
            sizes[l] = L->h * L->w * L->c; /* each factor < 2^32: no overflow in 64 bits */
        }
        nn_status ts = check_table(rows_table, n_layers, name, &n_params, err);
        if (ts != NN_OK)
            return ts;
    } else {
        for (uint32_t l = 0; l < n_layers; l++) {
            uint32_t s = get32(buf + FIXED_SIZE + 4 * l);
            if (s == 0)
                return nn_fail(err, NN_E_FORMAT, "%s: layer %u has 0 neurons", name, l);
            if (s > NN_MAX_WIDTH)
                return nn_fail(err, NN_E_TOO_LARGE, "%s: layer %u has %u neurons, the limit "
                               "is %u", name, l, s, NN_MAX_WIDTH);
            sizes[l] = s;
        }
        n_params = count_params(sizes, n_layers);
        if (n_params == 0)
            return nn_fail(err, NN_E_TOO_LARGE, "%s: the layer sizes need more than %zu "
                           "parameters", name, NN_MAX_PARAMS);
    }
    uint64_t n_params_field = get64(buf + OFF_N_PARAMS);
    if (n_params_field != n_params)
        return nn_fail(err, NN_E_FORMAT, "%s: parameter count field says %llu, the layer sizes "
                       "need %llu", name, (unsigned long long)n_params_field,
                       (unsigned long long)n_params);

    /* 3. The file is exactly as long as the header says. */
    size_t total = hsize + 4 * (size_t)n_params + 4;
    if (len < total)
        return nn_fail(err, NN_E_TRUNCATED, "%s: truncated: %zu bytes, the header says %zu",
                       name, len, total);
    if (len > total)
        return nn_fail(err, NN_E_FORMAT, "%s: %zu bytes, the header says %zu: %zu trailing "
                       "bytes after the checksum", name, len, total, len - total);

    /* 4. The checksum, before any field is trusted for its meaning. */
    uint32_t stored = get32(buf + total - 4);
    uint32_t computed = crc_of(buf, total - 4);
    if (stored != computed)
        return nn_fail(err, NN_E_CHECKSUM, "%s: checksum mismatch: stored 0x%08x, computed "
                       "0x%08x; the file is corrupt", name, stored, computed);

    /* 5. Meaning: enums, agreement between fields, text fields. */
    uint32_t hidden = get32(buf + OFF_HIDDEN);
    if (version == MODEL_VERSION_TABLE) {
        /* The field repeats layer 1's activation (none without a hidden layer). */
        uint32_t want = n_layers > 2 ? (uint32_t)rows_table[1].act : (uint32_t)NN_ACT_NONE;
        if (hidden != want)
            return nn_fail(err, NN_E_FORMAT, "%s: activation field %u, layer 1's is %u", name,
                           hidden, want);
    } else if (!valid_activation(hidden))
        return nn_fail(err, NN_E_FORMAT, "%s: unknown activation %u (0 sigmoid, 1 relu, "
                       "2 tanh, 3 step)", name, hidden);
    if (hidden == NN_ACT_STEP && n_layers > 2)
        return nn_fail(err, NN_E_FORMAT, "%s: step activation with %u hidden layer(s); the "
                       "perceptron has none", name, n_layers - 2);
    if (sizes[n_layers - 1] != n_classes)
        return nn_fail(err, NN_E_MISMATCH, "%s: %u class%s, but the output layer has %zu "
                       "neuron%s", name, n_classes, n_classes == 1 ? "" : "es",
                       sizes[n_layers - 1], sizes[n_layers - 1] == 1 ? "" : "s");
    uint32_t rows = get32(buf + OFF_ROWS), cols = get32(buf + OFF_COLS);
    if (rows == 0 || cols == 0)
        return nn_fail(err, NN_E_FORMAT, "%s: input geometry %ux%u is empty", name, rows, cols);
    if ((uint64_t)rows * cols != sizes[0])
        return nn_fail(err, NN_E_MISMATCH, "%s: input %ux%u is %llu pixels, the first layer "
                       "takes %zu", name, rows, cols,
                       (unsigned long long)((uint64_t)rows * cols), sizes[0]);
    if (version == MODEL_VERSION_TABLE &&
        (rows_table[0].h != rows || rows_table[0].w != cols || rows_table[0].c != 1))
        return nn_fail(err, NN_E_MISMATCH, "%s: input %ux%u, the layer table's input is "
                       "%zux%zux%zu", name, rows, cols, rows_table[0].h, rows_table[0].w,
                       rows_table[0].c);
    if (check_text(buf + OFF_DATASET, NN_MODEL_NAME_LEN) != 0)
        return nn_fail(err, NN_E_FORMAT, "%s: dataset name is not NUL-terminated and "
                       "NUL-padded printable text", name);
    if (check_text(buf + OFF_RECIPE, RECIPE_LEN) != 0)
        return nn_fail(err, NN_E_FORMAT, "%s: recipe is not NUL-terminated and NUL-padded "
                       "printable text", name);
    const uint8_t *names =
        buf + FIXED_SIZE + (version == MODEL_VERSION_TABLE ? ROW_SIZE : 4) * (size_t)n_layers;
    if (has_names)
        for (uint32_t k = 0; k < n_classes; k++)
            if (check_text(names + (size_t)k * NN_MODEL_NAME_LEN, NN_MODEL_NAME_LEN) != 0)
                return nn_fail(err, NN_E_FORMAT, "%s: name of class %u is not NUL-terminated "
                               "and NUL-padded printable text", name, k);
    float val_acc = bits_float(get32(buf + OFF_VAL_ACC));
    if (!isfinite(val_acc) || val_acc > 1.0f)
        return nn_fail(err, NN_E_FORMAT, "%s: validation accuracy %g is not finite or is "
                       "above 1", name, (double)val_acc);

    /* 6. Everything in the header is valid: allocate, read the parameters. */
    nn_net *net = NULL;
    nn_error net_err = {{0}};
    nn_status st = version == MODEL_VERSION_TABLE
                       ? nn_net_create_table(rows_table, n_layers, &net, &net_err)
                       : nn_net_create(sizes, n_layers, (nn_activation)hidden, &net, &net_err);
    if (st != NN_OK)
        return nn_fail(err, st, "%s: %s", name, net_err.msg);
    if (version == MODEL_VERSION && rows > 1) {
        /* Version 1 keeps the geometry in the header only. */
        net->layers[0].h = rows;
        net->layers[0].w = cols;
        net->layers[0].c = 1;
    }
    if (version == MODEL_VERSION_TABLE && nn_net_is_dense(net)) {
        nn_net_free(net);
        return nn_fail(err, NN_E_FORMAT, "%s: a plain list of dense layers is stored as "
                       "version 1", name);
    }
    if (net->n_params != n_params) {
        size_t held = net->n_params;
        nn_net_free(net);
        return nn_fail(err, NN_E_FORMAT, "%s: the net holds %zu parameters, the file %llu",
                       name, held, (unsigned long long)n_params);
    }
    const uint8_t *p = buf + hsize;
    for (size_t i = 0; i < n_params; i++, p += 4) {
        float v = bits_float(get32(p));
        if (!isfinite(v)) {
            nn_net_free(net);
            return nn_fail(err, NN_E_NUMERIC, "%s: parameter %zu is %s; the file is corrupt",
                           name, i, isnan(v) ? "NaN" : "Inf");
        }
        net->params[i] = v;
    }

    if (meta_out != NULL) {
        memset(meta_out, 0, sizeof *meta_out);
        meta_out->rows = rows;
        meta_out->cols = cols;
        meta_out->n_classes = n_classes;
        meta_out->has_class_names = has_names;
        if (has_names)
            for (uint32_t k = 0; k < n_classes; k++)
                memcpy(meta_out->class_names[k], names + (size_t)k * NN_MODEL_NAME_LEN,
                       NN_MODEL_NAME_LEN);
        memcpy(meta_out->dataset, buf + OFF_DATASET, NN_MODEL_NAME_LEN);
        memcpy(meta_out->recipe, buf + OFF_RECIPE, RECIPE_LEN);
        meta_out->epochs = get32(buf + OFF_EPOCHS);
        meta_out->seed = get64(buf + OFF_SEED);
        meta_out->val_accuracy = val_acc;
    }
    *out = net;
    return NN_OK;
}

nn_status nn_model_check_input(const nn_model_meta *meta, size_t rows, size_t cols,
                               const char *name, nn_error *err)
{
    if (rows == meta->rows && cols == meta->cols)
        return NN_OK;
    if ((uint64_t)rows * cols == (uint64_t)meta->rows * meta->cols)
        return nn_fail(err, NN_E_MISMATCH, "%s: images are %zux%zu but the model expects "
                       "%ux%u (as many pixels, another shape)", or_model(name), rows, cols,
                       meta->rows, meta->cols);
    return nn_fail(err, NN_E_MISMATCH, "%s: images are %zux%zu (%llu pixels) but the model "
                   "expects %ux%u (%llu)", or_model(name), rows, cols,
                   (unsigned long long)((uint64_t)rows * cols), meta->rows, meta->cols,
                   (unsigned long long)((uint64_t)meta->rows * meta->cols));
}

/* --- files -------------------------------------------------------------------- */

nn_status nn_model_load(const char *path, nn_net **out, nn_model_meta *meta, nn_error *err)
{
    return nn_model_read(path, out, meta, NULL, err);
}

nn_status nn_model_read(const char *path, nn_net **out, nn_model_meta *meta, size_t *bytes,
                        nn_error *err)
{
    *out = NULL;
    if (bytes != NULL)
        *bytes = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return nn_fail(err, NN_E_IO, "%s: cannot open: %s", path, strerror(errno));
    nn_status st = NN_OK;
    uint8_t *buf = NULL;
    size_t len = 0, cap;
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        st = nn_fail(err, NN_E_IO, "%s: cannot stat: %s", path, strerror(errno));
        goto done;
    }
    if (S_ISDIR(sb.st_mode)) {
        st = nn_fail(err, NN_E_IO, "%s: is a directory, not a model file", path);
        goto done;
    }
    if (S_ISREG(sb.st_mode)) {
        if ((uintmax_t)sb.st_size > MODEL_MAX_BYTES) {
            st = nn_fail(err, NN_E_TOO_LARGE, "%s: %jd bytes, larger than any model (at most "
                         "%zu bytes)", path, (intmax_t)sb.st_size, MODEL_MAX_BYTES);
            goto done;
        }
        cap = (size_t)sb.st_size + 1; /* one more byte notices a file that grew */
    } else {
        cap = 64 * 1024; /* a pipe or a device: grow while reading, up to the cap */
    }
    buf = malloc(cap);
    if (buf == NULL) {
        st = nn_fail(err, NN_E_NOMEM, "%s: out of memory for %zu bytes", path, cap);
        goto done;
    }
    for (;;) {
        if (len == cap) {
            if (cap > MODEL_MAX_BYTES) {
                st = nn_fail(err, NN_E_TOO_LARGE, "%s: more than %zu bytes, larger than any "
                             "model", path, MODEL_MAX_BYTES);
                goto done;
            }
            size_t grown = cap * 2 > MODEL_MAX_BYTES + 1 ? MODEL_MAX_BYTES + 1 : cap * 2;
            uint8_t *nb = realloc(buf, grown);
            if (nb == NULL) {
                st = nn_fail(err, NN_E_NOMEM, "%s: out of memory for %zu bytes", path, grown);
                goto done;
            }
            buf = nb;
            cap = grown;
        }
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            st = nn_fail(err, NN_E_IO, "%s: cannot read: %s", path, strerror(errno));
            goto done;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        /* Cheap checks first: bytes that do not even start like a model
         * (random data, /dev/urandom) are refused without reading on. */
        if (len >= MAGIC_LEN && memcmp(buf, MODEL_MAGIC, MAGIC_LEN) != 0)
            break;
    }
    st = nn_model_decode(buf, len, path, out, meta, err);
    if (st == NN_OK && bytes != NULL)
        *bytes = len;
done:
    free(buf);
    close(fd); /* read-only: nothing to lose on a failed close */
    return st;
}

nn_status nn_model_save(const char *path, const nn_net *net, const nn_model_meta *meta,
                        nn_error *err)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    nn_status st = encode_named(net, meta, path, &buf, &len, err);
    if (st != NN_OK)
        return st;

    nn_atomic_file *f = NULL;
    st = nn_atomic_open(path, &f, err);
    if (st == NN_OK)
        st = nn_atomic_write(f, buf, len, err);
    if (st == NN_OK)
        st = nn_atomic_commit(f, err); /* frees f */
    else
        nn_atomic_abort(f);
    free(buf);
    return st;
}
