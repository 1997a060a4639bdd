/* model_read.c - loading a model file: the whole file read (from a pipe
 * too) by the one whole-file reader, capped at the largest model there can
 * be, then decoded (model.c). */
#include "nnclass/nn/model.h"

#include <stdint.h>
#include <stdlib.h>

#include "nnclass/base/readfile.h"
#include "model_internal.h"

/* Cheap check first: bytes that do not even start like a model (random
 * data, /dev/urandom) are refused without reading on. */
static int not_a_model(const uint8_t *data, size_t len)
{
    return !nn_model_starts_right(data, len);
}

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
    uint8_t *buf = NULL;
    size_t len = 0;
    nn_status st = nn_read_file(path, "model", nn_model_max_bytes(), not_a_model, &buf, &len,
                                err);
    if (st == NN_OK)
        st = nn_model_decode(buf, len, path, out, meta, err);
    if (st == NN_OK && bytes != NULL)
        *bytes = len;
    free(buf);
    return st;
}
