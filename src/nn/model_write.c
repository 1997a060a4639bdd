/* model_write.c - writing a .nnc model file: the checks that a net and its
 * metadata make a file the decoder (model.c) accepts, the encoder, and the
 * atomic save. Every field is written byte by byte in little-endian order
 * (model_format.h), so the file is the same on every host. */
#include "nnclass/nn/model.h"

#include "nnclass/base/atomic.h"
#include "nnclass/base/crc.h"
#include "model_format.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Whether s ends within cap bytes and has no control character, as the
 * decoder's check_text wants of what put_text writes. */
static int printable_text(const char *s, size_t cap)
{
    const char *nul = memchr(s, 0, cap);
    if (nul == NULL)
        return 0;
    for (const unsigned char *q = (const unsigned char *)s; q < (const unsigned char *)nul; q++)
        if (*q < 0x20 || *q == 0x7f)
            return 0;
    return 1;
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

/* Checks that net and meta describe a model the decoder would accept, so a
 * save never writes a file that cannot be loaded back. The net is one that
 * nn_net_create or nn_net_create_table made, so their checks hold (layer
 * count, sizes, class count, the perceptron without hidden layers); what
 * the file asks for beyond them is checked here. */
static nn_status check_net_for_encode(const nn_net *net, const nn_model_meta *meta,
                                      const char *name, nn_error *err)
{
    uint64_t n_params = 0;
    if (nn_net_is_dense(net)) {
        if (!nn_model_valid_activation((uint32_t)nn_net_hidden(net)))
            return nn_fail(err, NN_E_ARG, "%s: unknown activation %d", name,
                           (int)nn_net_hidden(net));
        size_t sizes[NN_MAX_LAYERS];
        for (size_t l = 0; l < net->n_layers && l < NN_MAX_LAYERS; l++)
            sizes[l] = nn_net_size(net, l);
        n_params = nn_net_count_params(sizes, net->n_layers);
    } else {
        nn_error te = {{0}};
        nn_layer rows[NN_MAX_LAYERS]; /* as the file will hold them */
        memcpy(rows, net->layers, net->n_layers * sizeof rows[0]);
        rows[net->n_layers - 1].act = NN_ACT_NONE;
        if (nn_model_check_table(rows, net->n_layers, name, &n_params, &te) != NN_OK)
            return nn_fail(err, NN_E_ARG, "%s", te.msg);
        const nn_layer *in = &net->layers[0];
        if (in->c != 1 || in->h != meta->rows || in->w != meta->cols)
            return nn_fail(err, NN_E_ARG, "%s: the net takes %zux%zux%zu inputs, the metadata "
                           "says %ux%u pixels", name, in->h, in->w, in->c, meta->rows,
                           meta->cols);
    }
    if (n_params == 0 || n_params != net->n_params || net->params == NULL)
        return nn_fail(err, NN_E_ARG, "%s: the net holds %zu parameters, its sizes need %llu",
                       name, net->n_params, (unsigned long long)n_params);
    return NN_OK;
}

/* The metadata against the net and the file's fields. */
static nn_status check_meta_for_encode(const nn_net *net, const nn_model_meta *meta,
                                       const char *name, nn_error *err)
{
    size_t n_out = nn_net_size(net, net->n_layers - 1);
    /* An output of its own (reconstruction) keeps the data's class count. */
    if (!nn_net_has_classes(net) && (meta->n_classes < 2 || meta->n_classes > NN_MAX_CLASSES))
        return nn_fail(err, NN_E_ARG, "%s: %zu classes, expected 2 to %u", name,
                       meta->n_classes, NN_MAX_CLASSES);
    if (nn_net_has_classes(net) && meta->n_classes != n_out)
        return nn_fail(err, NN_E_ARG, "%s: %zu classes, but the output layer has %zu neurons",
                       name, meta->n_classes, n_out);
    if ((uint64_t)meta->rows * meta->cols != nn_net_size(net, 0))
        return nn_fail(err, NN_E_ARG, "%s: input %ux%u is %llu pixels, the net takes %zu", name,
                       meta->rows, meta->cols,
                       (unsigned long long)((uint64_t)meta->rows * meta->cols), nn_net_size(net, 0));
    if (memchr(meta->dataset, 0, NN_MODEL_NAME_LEN) == NULL)
        return nn_fail(err, NN_E_ARG, "%s: dataset name longer than %d bytes", name,
                       NN_MODEL_NAME_LEN - 1);
    if (memchr(meta->recipe, 0, RECIPE_LEN) == NULL)
        return nn_fail(err, NN_E_ARG, "%s: recipe longer than %u bytes", name, RECIPE_LEN - 1);
    for (size_t k = 0; meta->has_class_names && k < meta->n_classes; k++)
        if (memchr(meta->class_names[k], 0, NN_MODEL_NAME_LEN) == NULL)
            return nn_fail(err, NN_E_ARG, "%s: name of class %zu longer than %d bytes", name,
                           k, NN_MODEL_NAME_LEN - 1);
    if (!isfinite(meta->val_accuracy) || meta->val_accuracy > 1.0f)
        return nn_fail(err, NN_E_ARG, "%s: validation accuracy %g is not finite or is above 1",
                       name, (double)meta->val_accuracy);
    if (meta->has_provenance && (!printable_text(meta->nnclass_version, NN_MODEL_NAME_LEN) ||
                                 !printable_text(meta->blas_core, NN_MODEL_NAME_LEN)))
        return nn_fail(err, NN_E_ARG, "%s: the nnclass version or BLAS core is not "
                       "NUL-padded printable text of at most %d bytes", name,
                       NN_MODEL_NAME_LEN - 1);
    if (meta->has_calibration) {
        nn_error ce = {{0}};
        int reader = nn_layer_kind_reads_seq(net->layers[net->n_layers - 1].kind);
        if (nn_reject_check(&meta->calibration, meta->n_classes, reader, name, &ce) != NN_OK)
            return nn_fail(err, NN_E_ARG, "%s", ce.msg);
    }
    return NN_OK;
}

static nn_status check_for_encode(const nn_net *net, const nn_model_meta *meta,
                                  const char *name, nn_error *err)
{
    if (net == NULL || meta == NULL)
        return nn_fail(err, NN_E_ARG, "%s: no network or metadata to save", name);
    nn_status st = check_net_for_encode(net, meta, name, err);
    if (st == NN_OK)
        st = check_meta_for_encode(net, meta, name, err);
    for (size_t i = 0; st == NN_OK && i < net->n_params; i++)
        if (!isfinite(net->params[i]))
            st = nn_fail(err, NN_E_NUMERIC, "%s: parameter %zu is %s; refusing to save a "
                         "broken model", name, i, isnan(net->params[i]) ? "NaN" : "Inf");
    return st;
}

/* The fixed part of the header, at the start of buf: magic, version,
 * sizes, flags and the training metadata. */
static void put_fixed_header(uint8_t *buf, const nn_net *net, const nn_model_meta *meta,
                             uint32_t version, size_t hsize)
{
    size_t n_classes = meta->n_classes;
    int has_names = meta->has_class_names != 0;
    int has_prov = meta->has_provenance != 0;
    memcpy(buf + OFF_MAGIC, MODEL_MAGIC, MAGIC_LEN); /* the string's NUL is the 8th byte */
    put32(buf + OFF_VERSION, version);
    put32(buf + OFF_HEADER_SIZE, (uint32_t)hsize);
    put32(buf + OFF_ROWS, meta->rows);
    put32(buf + OFF_COLS, meta->cols);
    put32(buf + OFF_N_LAYERS, (uint32_t)net->n_layers);
    put32(buf + OFF_HIDDEN, (uint32_t)nn_net_hidden(net));
    put32(buf + OFF_N_CLASSES, (uint32_t)n_classes);
    put32(buf + OFF_FLAGS, (has_names ? FLAG_CLASS_NAMES : 0) | (has_prov ? FLAG_PROVENANCE : 0) |
                               (meta->has_calibration ? FLAG_CALIBRATION : 0));
    put32(buf + OFF_EPOCHS, meta->epochs);
    put32(buf + OFF_VAL_ACC, float_bits(meta->val_accuracy));
    put64(buf + OFF_SEED, meta->seed);
    put64(buf + OFF_N_PARAMS, net->n_params);
    put_text(buf + OFF_DATASET, meta->dataset, NN_MODEL_NAME_LEN);
    put_text(buf + OFF_RECIPE, meta->recipe, RECIPE_LEN);
}

/* The layers after the fixed header, at p: the table of rows (version 2) or
 * the sizes (version 1). Returns the byte after them. */
static uint8_t *put_layers(uint8_t *p, const nn_net *net, uint32_t version)
{
    if (version == MODEL_VERSION_TABLE)
        for (size_t l = 0; l < net->n_layers; l++, p += ROW_SIZE) {
            const nn_layer *L = &net->layers[l];
            put32(p + ROW_KIND, (uint32_t)L->kind);
            /* the output row's act is implied (none) in the file */
            put32(p + ROW_ACT, l + 1 < net->n_layers ? (uint32_t)L->act : NN_ACT_NONE);
            put32(p + ROW_H, (uint32_t)L->h);
            put32(p + ROW_W, (uint32_t)L->w);
            put32(p + ROW_C, (uint32_t)L->c);
            put32(p + ROW_K, (uint32_t)L->k);
            put32(p + ROW_FLAGS, (L->same ? ROW_FLAG_SAME : 0) |
                                     ((uint32_t)L->flags << ROW_KIND_FLAGS_SHIFT));
            put32(p + ROW_UNITS, (uint32_t)L->units);
        }
    else
        for (size_t l = 0; l < net->n_layers; l++, p += 4)
            put32(p, (uint32_t)nn_net_size(net, l));
    return p;
}

/* The calibration block at p; returns the byte after it. */
static uint8_t *put_calibration(uint8_t *p, const nn_reject_calib *c)
{
    put32(p + CAL_VERSION, NN_REJECT_CALIB_VERSION);
    put32(p + CAL_SCORE, c->score);
    put32(p + CAL_CLASS, c->reject_class);
    put32(p + CAL_THRESHOLD, float_bits(c->threshold));
    put32(p + CAL_TARGET, float_bits(c->target));
    put32(p + CAL_ACCEPTED, float_bits(c->accepted));
    put32(p + CAL_COUNT, c->count);
    put32(p + CAL_RESERVED, 0);
    return p + CAL_SIZE;
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
    int has_prov = meta->has_provenance != 0;
    size_t hsize = nn_model_header_size(version, net->n_layers, n_classes, has_names, has_prov,
                                        meta->has_calibration != 0);
    size_t len = hsize + 4 * net->n_params + 4; /* <= MODEL_MAX_BYTES: checked above */
    uint8_t *buf = calloc(1, len);
    if (buf == NULL)
        return nn_fail(err, NN_E_NOMEM, "%s: out of memory for %zu bytes", name, len);

    put_fixed_header(buf, net, meta, version, hsize);
    uint8_t *p = put_layers(buf + FIXED_SIZE, net, version);
    if (has_names)
        for (size_t k = 0; k < n_classes; k++, p += NN_MODEL_NAME_LEN)
            put_text(p, meta->class_names[k], NN_MODEL_NAME_LEN);
    if (has_prov) {
        put_text(p + PROV_VERSION, meta->nnclass_version, NN_MODEL_NAME_LEN);
        put_text(p + PROV_BLAS_CORE, meta->blas_core, NN_MODEL_NAME_LEN);
        put32(p + PROV_IMAGES_CRC, meta->images_crc);
        put32(p + PROV_LABELS_CRC, meta->labels_crc);
        p += PROV_SIZE;
    }
    if (meta->has_calibration)
        p = put_calibration(p, &meta->calibration);
    for (size_t i = 0; i < net->n_params; i++, p += 4)
        put32(p, float_bits(net->params[i]));
    put32(p, nn_crc32(buf, len - 4));

    *out = buf;
    *out_len = len;
    return NN_OK;
}

nn_status nn_model_encode(const nn_net *net, const nn_model_meta *meta, uint8_t **buf,
                          size_t *len, nn_error *err)
{
    return encode_named(net, meta, "model", buf, len, err);
}

nn_status nn_model_save(const char *path, const nn_net *net, const nn_model_meta *meta,
                        nn_error *err)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    nn_status st = encode_named(net, meta, path, &buf, &len, err);
    if (st != NN_OK)
        return st;
    st = nn_atomic_save(path, buf, len, err);
    free(buf);
    return st;
}
