/* model.c - the .nnc model file: the decoder, and the checks of the format
 * that the encoder (model_write.c) shares. The layout is model_format.h's.
 * Every field is read byte by byte in little-endian order, so the file is
 * the same on every host. */
#include "nnclass/nn/model.h"

#include "nnclass/base/crc.h"
#include "nnclass/base/text.h"
#include "model_format.h"
#include "model_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>


/* --- sizes shared by the encoder and the decoder ----------------------------- */

size_t nn_model_header_size(uint32_t version, size_t n_layers, size_t n_classes, int has_names,
                            int has_prov, int has_calib)
{
    size_t per_layer = version == MODEL_VERSION_TABLE ? ROW_SIZE : 4;
    return FIXED_SIZE + per_layer * n_layers + (has_names ? NN_MODEL_NAME_LEN * n_classes : 0) +
           (has_prov ? PROV_SIZE : 0) + (has_calib ? CAL_SIZE : 0);
}

/* Checks the input row (row 0) as the file holds it. */
static nn_status check_input_row(const nn_layer *in, const char *name, nn_error *err)
{
    const nn_layer_ops *ops = nn_layer_ops_of(in->kind);
    if (ops == NULL || !ops->is_input)
        return nn_fail(err, NN_E_FORMAT, "%s: layer 0 is kind %d, not the input", name,
                       (int)in->kind);
    nn_error le = {{0}};
    if (in->h == 0 || in->w == 0 || in->c == 0 || in->flags != 0 || in->units != 0 ||
        ops->check_saved(in, &le) != NN_OK)
        return nn_fail(err, NN_E_FORMAT, "%s: the input row %zux%zux%zu is malformed", name,
                       in->h, in->w, in->c);
    if (in->h > NN_MAX_SIDE || in->w > NN_MAX_SIDE || in->c > NN_MAX_CHANNELS ||
        in->h * in->w * in->c > NN_MAX_WIDTH)
        return nn_fail(err, NN_E_TOO_LARGE, "%s: an input of %zux%zux%zu values, the limit is "
                       "%u", name, in->h, in->w, in->c, NN_MAX_WIDTH);
    return NN_OK;
}

/* Checks row l (l >= 1) against the row before it: a known kind and
 * activation, each number within its cap, the fields its kind stores, and
 * the stored output shape the one its kind and input give. */
static nn_status check_layer_row(const nn_layer *rows, size_t l, size_t n_layers,
                                 const char *name, nn_error *err)
{
    const nn_layer *r = &rows[l];
    const nn_layer_ops *ops = nn_layer_ops_of(r->kind);
    if (ops == NULL || ops->is_input)
        return nn_fail(err, NN_E_FORMAT, "%s: layer %zu has unknown kind %d", name, l,
                       (int)r->kind);
    if ((unsigned)r->act > (unsigned)NN_ACT_NONE || r->act == NN_ACT_STEP)
        return nn_fail(err, NN_E_FORMAT, "%s: layer %zu has unknown activation %d "
                       "(0 sigmoid, 1 relu, 2 tanh, 4 none)", name, l, (int)r->act);
    if (l == n_layers - 1 && r->act != NN_ACT_NONE)
        return nn_fail(err, NN_E_FORMAT, "%s: the output layer has activation %d; its "
                       "softmax is implied (4 none)", name, (int)r->act);
    if (r->h > NN_MAX_SIDE || r->w > NN_MAX_SIDE || r->c > NN_MAX_WIDTH ||
        r->k > NN_MAX_KERNEL || r->units > NN_MAX_WIDTH)
        return nn_fail(err, NN_E_TOO_LARGE, "%s: layer %zu: shape %zux%zux%zu, kernel %zu or "
                       "%zu units over the limits", name, l, r->h, r->w, r->c, r->k, r->units);
    if ((r->flags & ~ops->known_flags) != 0 || (r->units != 0 && !ops->has_units))
        return nn_fail(err, NN_E_FORMAT, "%s: layer %zu (%s) has flags 0x%x or %zu units it "
                       "cannot have", name, l, ops->name, r->flags, r->units);
    nn_layer want = *r;
    nn_error le = {{0}};
    if (ops->check_saved(r, &le) != NN_OK)
        return nn_fail(err, NN_E_FORMAT, "%s: layer %zu: %s", name, l, le.msg);
    if (nn_net_layer_shape(&rows[l - 1], &want, l == n_layers - 1, &le) != NN_OK)
        return nn_fail(err, NN_E_FORMAT, "%s: layer %zu (%s): %s", name, l, ops->name, le.msg);
    if (want.h != r->h || want.w != r->w || want.c != r->c)
        return nn_fail(err, NN_E_FORMAT, "%s: layer %zu (%s) stores an output of "
                       "%zux%zux%zu, its input and kernel give %zux%zux%zu", name, l,
                       ops->name, r->h, r->w, r->c, want.h, want.w, want.c);
    return NN_OK;
}

/* Checks a layer table as the file holds it, row by row. Fills *n_params
 * (computed in 64 bits from capped factors). The message names the row. */
nn_status nn_model_check_table(const nn_layer *rows, size_t n_layers, const char *name,
                               uint64_t *n_params, nn_error *err)
{
    nn_status st = check_input_row(&rows[0], name, err);
    if (st != NN_OK)
        return st;
    uint64_t total = 0;
    for (size_t l = 1; l < n_layers; l++) {
        st = check_layer_row(rows, l, n_layers, name, err);
        if (st != NN_OK)
            return st;
        const nn_layer_ops *ops = nn_layer_ops_of(rows[l].kind);
        /* Every factor is capped above, so neither count overflows 64 bits. */
        total += (uint64_t)ops->n_weights(&rows[l - 1], &rows[l]) + ops->n_biases(&rows[l]);
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
        if (nn_text_control_len((const char *)q) > 0)
            return -1; /* a control character: text fields are printed as they are */
    for (const uint8_t *q = nul; q < p + cap; q++)
        if (*q != 0)
            return -1;
    return 0;
}

int nn_model_valid_activation(uint32_t act)
{
    return act == NN_ACT_SIGMOID || act == NN_ACT_RELU || act == NN_ACT_TANH ||
           act == NN_ACT_STEP;
}

static const char *or_model(const char *name)
{
    return name != NULL ? name : "model";
}

/* --- decoder ------------------------------------------------------------------ */

/* What the header says, filled in step by step: each step trusts only what
 * the steps before it have checked. */
typedef struct {
    const uint8_t *buf;
    size_t len;
    const char *name;
    uint32_t version, n_layers, n_classes;
    int has_names, has_prov, has_calib;
    size_t hsize;                   /* bytes before the parameters */
    size_t total;                   /* bytes of the whole file, checksum included */
    size_t sizes[NN_MAX_LAYERS];    /* values per layer */
    nn_layer table[NN_MAX_LAYERS];  /* version 2 only */
    uint64_t n_params;
    uint32_t hidden, rows, cols;
    float val_accuracy;
    const uint8_t *names;           /* the class names, when has_names */
    const uint8_t *prov;            /* the provenance block, when has_prov */
    nn_reject_calib calib;          /* when has_calib */
} header;

/* 1. Identity: magic, then version. A short file whose bytes match the start
 * of the magic is truncated, anything else is not a model. */
static nn_status read_identity(header *h, nn_error *err)
{
    size_t have = h->len < MAGIC_LEN ? h->len : MAGIC_LEN;
    if (have > 0 && memcmp(h->buf, MODEL_MAGIC, have) != 0)
        return nn_fail(err, NN_E_FORMAT, "%s: not an nnclass model (bad magic)", h->name);
    if (h->len < OFF_VERSION + 4)
        return nn_fail(err, NN_E_TRUNCATED, "%s: truncated: %zu bytes, the header needs %d",
                       h->name, h->len, FIXED_SIZE);
    h->version = get32(h->buf + OFF_VERSION);
    if (h->version != MODEL_VERSION && h->version != MODEL_VERSION_TABLE)
        return nn_fail(err, NN_E_VERSION, "%s: format version %u, this nnclass reads versions "
                       "1 and 2", h->name, h->version);
    if (h->len < FIXED_SIZE)
        return nn_fail(err, NN_E_TRUNCATED, "%s: truncated: %zu bytes, the header needs %d",
                       h->name, h->len, FIXED_SIZE);
    return NN_OK;
}

/* 2. The counts that size the header, each against its cap, then the header
 * size they make against its field and the bytes there are. */
static nn_status read_counts(header *h, nn_error *err)
{
    const char *name = h->name;
    h->n_layers = get32(h->buf + OFF_N_LAYERS);
    if (h->n_layers > NN_MAX_LAYERS)
        return nn_fail(err, NN_E_TOO_LARGE, "%s: %u layer sizes, the limit is %d", name,
                       h->n_layers, NN_MAX_LAYERS);
    if (h->n_layers < 2)
        return nn_fail(err, NN_E_FORMAT, "%s: %u layer sizes, a net needs at least 2", name,
                       h->n_layers);
    uint32_t flags = get32(h->buf + OFF_FLAGS);
    if ((flags & ~FLAGS_KNOWN) != 0)
        return nn_fail(err, NN_E_FORMAT, "%s: unknown flags 0x%08x", name, flags);
    h->has_names = (flags & FLAG_CLASS_NAMES) != 0;
    h->has_prov = (flags & FLAG_PROVENANCE) != 0;
    h->has_calib = (flags & FLAG_CALIBRATION) != 0;
    h->n_classes = get32(h->buf + OFF_N_CLASSES);
    if (h->n_classes > NN_MAX_CLASSES)
        return nn_fail(err, NN_E_TOO_LARGE, "%s: %u classes, the limit is %u", name,
                       h->n_classes, NN_MAX_CLASSES);
    if (h->n_classes < 2)
        return nn_fail(err, NN_E_FORMAT, "%s: %u class%s, a classifier needs at least 2",
                       name, h->n_classes, h->n_classes == 1 ? "" : "es");
    h->hsize = nn_model_header_size(h->version, h->n_layers, h->n_classes, h->has_names,
                                    h->has_prov, h->has_calib);
    uint32_t hsize_field = get32(h->buf + OFF_HEADER_SIZE);
    if (hsize_field != h->hsize)
        return nn_fail(err, NN_E_FORMAT, "%s: header size field says %u bytes, %u layers and "
                       "%s class names make %zu", name, hsize_field, h->n_layers,
                       h->has_names ? "their" : "no", h->hsize);
    if (h->len < h->hsize)
        return nn_fail(err, NN_E_TRUNCATED, "%s: truncated: %zu bytes, the header needs %zu",
                       name, h->len, h->hsize);
    return NN_OK;
}

/* 3a. Version 2: the layer table, checked row by row. */
static nn_status read_table(header *h, nn_error *err)
{
    memset(h->table, 0, sizeof h->table);
    for (uint32_t l = 0; l < h->n_layers; l++) {
        const uint8_t *r = h->buf + FIXED_SIZE + (size_t)ROW_SIZE * l;
        uint32_t f = get32(r + ROW_FLAGS);
        if ((f & ~(ROW_FLAG_SAME | ROW_KIND_FLAGS_MASK)) != 0)
            return nn_fail(err, NN_E_FORMAT, "%s: layer %u has unknown flags 0x%08x", h->name,
                           l, f);
        nn_layer *L = &h->table[l];
        L->kind = (nn_layer_kind)get32(r + ROW_KIND);
        L->act = (nn_activation)get32(r + ROW_ACT);
        L->h = get32(r + ROW_H);
        L->w = get32(r + ROW_W);
        L->c = get32(r + ROW_C);
        L->k = get32(r + ROW_K);
        L->same = (f & ROW_FLAG_SAME) != 0;
        L->flags = (f & ROW_KIND_FLAGS_MASK) >> ROW_KIND_FLAGS_SHIFT;
        L->units = get32(r + ROW_UNITS);
        h->sizes[l] = L->h * L->w * L->c; /* each factor < 2^32: no overflow in 64 bits */
    }
    return nn_model_check_table(h->table, h->n_layers, h->name, &h->n_params, err);
}

/* 3b. Version 1: the list of layer sizes. */
static nn_status read_sizes(header *h, nn_error *err)
{
    for (uint32_t l = 0; l < h->n_layers; l++) {
        uint32_t s = get32(h->buf + FIXED_SIZE + 4 * l);
        if (s == 0)
            return nn_fail(err, NN_E_FORMAT, "%s: layer %u has 0 neurons", h->name, l);
        if (s > NN_MAX_WIDTH)
            return nn_fail(err, NN_E_TOO_LARGE, "%s: layer %u has %u neurons, the limit "
                           "is %u", h->name, l, s, NN_MAX_WIDTH);
        h->sizes[l] = s;
    }
    h->n_params = nn_net_count_params(h->sizes, h->n_layers);
    if (h->n_params == 0)
        return nn_fail(err, NN_E_TOO_LARGE, "%s: the layer sizes need more than %zu "
                       "parameters", h->name, NN_MAX_PARAMS);
    return NN_OK;
}

/* 3. The layers, and the parameter count they need against its field. */
static nn_status read_layers(header *h, nn_error *err)
{
    nn_status st = h->version == MODEL_VERSION_TABLE ? read_table(h, err) : read_sizes(h, err);
    if (st != NN_OK)
        return st;
    uint64_t n_params_field = get64(h->buf + OFF_N_PARAMS);
    if (n_params_field != h->n_params)
        return nn_fail(err, NN_E_FORMAT, "%s: parameter count field says %llu, the layer sizes "
                       "need %llu", h->name, (unsigned long long)n_params_field,
                       (unsigned long long)h->n_params);
    return NN_OK;
}

/* 4. The file is exactly as long as the header says, and its checksum
 * matches: before any field is trusted for its meaning. */
static nn_status check_length_and_crc(header *h, nn_error *err)
{
    h->total = h->hsize + 4 * (size_t)h->n_params + 4;
    if (h->len < h->total)
        return nn_fail(err, NN_E_TRUNCATED, "%s: truncated: %zu bytes, the header says %zu",
                       h->name, h->len, h->total);
    if (h->len > h->total)
        return nn_fail(err, NN_E_FORMAT, "%s: %zu bytes, the header says %zu: %zu trailing "
                       "bytes after the checksum", h->name, h->len, h->total,
                       h->len - h->total);
    uint32_t stored = get32(h->buf + h->total - 4);
    uint32_t computed = nn_crc32(h->buf, h->total - 4);
    if (stored != computed)
        return nn_fail(err, NN_E_CHECKSUM, "%s: checksum mismatch: stored 0x%08x, computed "
                       "0x%08x; the file is corrupt", h->name, stored, computed);
    return NN_OK;
}

/* 5a. The hidden activation field: version 1's own, version 2's a copy of
 * layer 1's (none without a hidden layer). */
static nn_status check_activation(header *h, nn_error *err)
{
    h->hidden = get32(h->buf + OFF_HIDDEN);
    if (h->version == MODEL_VERSION_TABLE) {
        uint32_t want = h->n_layers > 2 ? (uint32_t)h->table[1].act : (uint32_t)NN_ACT_NONE;
        if (h->hidden != want)
            return nn_fail(err, NN_E_FORMAT, "%s: activation field %u, layer 1's is %u",
                           h->name, h->hidden, want);
    } else if (!nn_model_valid_activation(h->hidden)) {
        return nn_fail(err, NN_E_FORMAT, "%s: unknown activation %u (0 sigmoid, 1 relu, "
                       "2 tanh, 3 step)", h->name, h->hidden);
    }
    return NN_OK;
}

/* 5b. The class count and the input geometry agree with the layers. */
static nn_status check_shape(header *h, nn_error *err)
{
    const char *name = h->name;
    size_t n_out = h->sizes[h->n_layers - 1];
    const nn_layer *out = &h->table[h->n_layers - 1];
    int has_classes = h->version != MODEL_VERSION_TABLE || nn_layer_ops_of(out->kind)->output == NULL;
    if (has_classes && n_out != h->n_classes)
        return nn_fail(err, NN_E_MISMATCH, "%s: %u class%s, but the output layer has %zu "
                       "neuron%s", name, h->n_classes, h->n_classes == 1 ? "" : "es", n_out,
                       n_out == 1 ? "" : "s");
    h->rows = get32(h->buf + OFF_ROWS);
    h->cols = get32(h->buf + OFF_COLS);
    uint64_t pixels = (uint64_t)h->rows * h->cols;
    if (h->rows == 0 || h->cols == 0)
        return nn_fail(err, NN_E_FORMAT, "%s: input geometry %ux%u is empty", name, h->rows,
                       h->cols);
    if (pixels != h->sizes[0])
        return nn_fail(err, NN_E_MISMATCH, "%s: input %ux%u is %llu pixels, the first layer "
                       "takes %zu", name, h->rows, h->cols, (unsigned long long)pixels,
                       h->sizes[0]);
    const nn_layer *in = &h->table[0];
    if (h->version == MODEL_VERSION_TABLE && (in->h != h->rows || in->w != h->cols || in->c != 1))
        return nn_fail(err, NN_E_MISMATCH, "%s: input %ux%u, the layer table's input is "
                       "%zux%zux%zu", name, h->rows, h->cols, in->h, in->w, in->c);
    return NN_OK;
}

/* 5c'. The calibration block, after the provenance: its own version first,
 * then every field within its range for this model. */
static nn_status read_calibration(header *h, nn_error *err)
{
    const uint8_t *c = h->prov + (h->has_prov ? PROV_SIZE : 0);
    uint32_t version = get32(c + CAL_VERSION);
    if (version != NN_REJECT_CALIB_VERSION)
        return nn_fail(err, NN_E_VERSION, "%s: calibration block version %u, this nnclass "
                       "reads version %u", h->name, version, NN_REJECT_CALIB_VERSION);
    if (get32(c + CAL_RESERVED) != 0)
        return nn_fail(err, NN_E_FORMAT, "%s: the calibration block's reserved field is not 0",
                       h->name);
    h->calib.score = get32(c + CAL_SCORE);
    h->calib.reject_class = get32(c + CAL_CLASS);
    h->calib.threshold = bits_float(get32(c + CAL_THRESHOLD));
    h->calib.target = bits_float(get32(c + CAL_TARGET));
    h->calib.accepted = bits_float(get32(c + CAL_ACCEPTED));
    h->calib.count = get32(c + CAL_COUNT);
    int reader = h->version == MODEL_VERSION_TABLE &&
                 nn_layer_kind_reads_seq(h->table[h->n_layers - 1].kind);
    return nn_reject_check(&h->calib, h->n_classes, reader, h->name, err);
}

/* 5c. The text fields and the validation accuracy. */
static nn_status check_metadata(header *h, nn_error *err)
{
    const char *name = h->name;
    if (check_text(h->buf + OFF_DATASET, NN_MODEL_NAME_LEN) != 0)
        return nn_fail(err, NN_E_FORMAT, "%s: dataset name is not NUL-terminated and "
                       "NUL-padded printable text", name);
    if (check_text(h->buf + OFF_RECIPE, RECIPE_LEN) != 0)
        return nn_fail(err, NN_E_FORMAT, "%s: recipe is not NUL-terminated and NUL-padded "
                       "printable text", name);
    size_t per_layer = h->version == MODEL_VERSION_TABLE ? ROW_SIZE : 4;
    h->names = h->buf + FIXED_SIZE + per_layer * h->n_layers;
    for (uint32_t k = 0; h->has_names && k < h->n_classes; k++)
        if (check_text(h->names + (size_t)k * NN_MODEL_NAME_LEN, NN_MODEL_NAME_LEN) != 0)
            return nn_fail(err, NN_E_FORMAT, "%s: name of class %u is not NUL-terminated "
                           "and NUL-padded printable text", name, k);
    h->prov = h->names + (h->has_names ? (size_t)NN_MODEL_NAME_LEN * h->n_classes : 0);
    if (h->has_prov && (check_text(h->prov + PROV_VERSION, NN_MODEL_NAME_LEN) != 0 ||
                        check_text(h->prov + PROV_BLAS_CORE, NN_MODEL_NAME_LEN) != 0))
        return nn_fail(err, NN_E_FORMAT, "%s: the nnclass version or BLAS core of the "
                       "provenance is not NUL-terminated and NUL-padded printable text", name);
    if (h->has_calib) {
        nn_status st = read_calibration(h, err);
        if (st != NN_OK)
            return st;
    }
    h->val_accuracy = bits_float(get32(h->buf + OFF_VAL_ACC));
    if (!isfinite(h->val_accuracy) || h->val_accuracy > 1.0f)
        return nn_fail(err, NN_E_FORMAT, "%s: validation accuracy %g is not finite or is "
                       "above 1", name, (double)h->val_accuracy);
    return NN_OK;
}

/* 6a. The net the header describes, made by the constructors, whose checks
 * (a step activation with hidden layers, ...) are the file's too: what they
 * refuse is a malformed file. */
static nn_status build_net(const header *h, nn_net **out, nn_error *err)
{
    nn_error net_err = {{0}};
    nn_status st = h->version == MODEL_VERSION_TABLE
                       ? nn_net_create_table(h->table, h->n_layers, out, &net_err)
                       : nn_net_create(h->sizes, h->n_layers, (nn_activation)h->hidden, out,
                                       &net_err);
    if (st != NN_OK)
        return nn_fail(err, st == NN_E_ARG ? NN_E_FORMAT : st, "%s: %s", h->name, net_err.msg);
    nn_net *net = *out;
    if (h->version == MODEL_VERSION && h->rows > 1) {
        /* Version 1 keeps the geometry in the header only. */
        net->layers[0].h = h->rows;
        net->layers[0].w = h->cols;
        net->layers[0].c = 1;
    }
    if (h->version == MODEL_VERSION_TABLE && nn_net_is_dense(net))
        return nn_fail(err, NN_E_FORMAT, "%s: a plain list of dense layers is stored as "
                       "version 1", h->name);
    return NN_OK;
}

/* 6b. The parameters, every one finite. */
static nn_status read_params(const header *h, nn_net *net, nn_error *err)
{
    const uint8_t *p = h->buf + h->hsize;
    for (size_t i = 0; i < h->n_params; i++, p += 4) {
        float v = bits_float(get32(p));
        if (!isfinite(v))
            return nn_fail(err, NN_E_NUMERIC, "%s: parameter %zu is %s; the file is corrupt",
                           h->name, i, isnan(v) ? "NaN" : "Inf");
        net->params[i] = v;
    }
    return NN_OK;
}

/* 7. The metadata, from the checked header. */
static void fill_meta(const header *h, nn_model_meta *meta)
{
    memset(meta, 0, sizeof *meta);
    meta->rows = h->rows;
    meta->cols = h->cols;
    meta->n_classes = h->n_classes;
    meta->has_class_names = h->has_names;
    for (uint32_t k = 0; h->has_names && k < h->n_classes; k++)
        memcpy(meta->class_names[k], h->names + (size_t)k * NN_MODEL_NAME_LEN,
               NN_MODEL_NAME_LEN);
    memcpy(meta->dataset, h->buf + OFF_DATASET, NN_MODEL_NAME_LEN);
    memcpy(meta->recipe, h->buf + OFF_RECIPE, RECIPE_LEN);
    meta->epochs = get32(h->buf + OFF_EPOCHS);
    meta->seed = get64(h->buf + OFF_SEED);
    meta->val_accuracy = h->val_accuracy;
    meta->has_provenance = h->has_prov;
    if (h->has_prov) {
        memcpy(meta->nnclass_version, h->prov + PROV_VERSION, NN_MODEL_NAME_LEN);
        memcpy(meta->blas_core, h->prov + PROV_BLAS_CORE, NN_MODEL_NAME_LEN);
        meta->images_crc = get32(h->prov + PROV_IMAGES_CRC);
        meta->labels_crc = get32(h->prov + PROV_LABELS_CRC);
    }
    meta->has_calibration = h->has_calib;
    if (h->has_calib)
        meta->calibration = h->calib;
}

nn_status nn_model_decode(const uint8_t *buf, size_t len, const char *name, nn_net **out,
                          nn_model_meta *meta_out, nn_error *err)
{
    /* The header's checks in the order of the steps above: each one reads
     * only fields the ones before it have vouched for. */
    static nn_status (*const header_steps[])(header *, nn_error *) = {
        read_identity, read_counts, read_layers, check_length_and_crc,
        check_activation, check_shape, check_metadata,
    };
    *out = NULL;
    header h = {.buf = buf, .len = len, .name = or_model(name)};
    if (buf == NULL && len > 0)
        return nn_fail(err, NN_E_ARG, "%s: no buffer", h.name);
    nn_status st = NN_OK;
    for (size_t i = 0; st == NN_OK && i < sizeof header_steps / sizeof header_steps[0]; i++)
        st = header_steps[i](&h, err);
    nn_net *net = NULL;
    if (st == NN_OK)
        st = build_net(&h, &net, err);
    if (st == NN_OK)
        st = read_params(&h, net, err);
    if (st != NN_OK) {
        nn_net_free(net);
        return st;
    }
    if (meta_out != NULL)
        fill_meta(&h, meta_out);
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

size_t nn_model_max_bytes(void)
{
    return MODEL_MAX_BYTES;
}

int nn_model_starts_right(const uint8_t *buf, size_t len)
{
    return len < MAGIC_LEN || memcmp(buf, MODEL_MAGIC, MAGIC_LEN) == 0;
}
