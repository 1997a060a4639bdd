/* bytes.c - the growable byte buffer (see bytes.h). */
#include "nnclass/base/bytes.h"

#include <stdlib.h>
#include <string.h>

#define FIRST_CAP 4096

nn_status nn_bytes_grow(uint8_t **data, size_t *cap, size_t need, size_t max)
{
    if (max == 0 || max > SIZE_MAX / 2)
        max = SIZE_MAX / 2;
    if (need <= *cap)
        return NN_OK;
    if (need > max)
        return NN_E_TOO_LARGE;
    size_t grown = *cap > 0 ? *cap : FIRST_CAP;
    while (grown < need)
        grown *= 2; /* cannot overflow: need <= SIZE_MAX / 2 */
    if (grown > max)
        grown = max;
    uint8_t *p = realloc(*data, grown);
    if (p == NULL)
        return NN_E_NOMEM;
    *data = p;
    *cap = grown;
    return NN_OK;
}

void nn_bytes_init(nn_bytes *b, size_t max)
{
    memset(b, 0, sizeof *b);
    b->max = max;
}

int nn_bytes_reserve(nn_bytes *b, size_t extra)
{
    if (b->failed != NN_OK)
        return -1;
    if (extra > SIZE_MAX / 2 - b->len) {
        b->failed = NN_E_TOO_LARGE;
        return -1;
    }
    b->failed = nn_bytes_grow(&b->data, &b->cap, b->len + extra, b->max);
    return b->failed == NN_OK ? 0 : -1;
}

void nn_bytes_put(nn_bytes *b, const void *p, size_t n)
{
    if (nn_bytes_reserve(b, n) != 0)
        return;
    if (n > 0)
        memcpy(b->data + b->len, p, n);
    b->len += n;
}

void nn_bytes_free(nn_bytes *b)
{
    if (b == NULL)
        return;
    free(b->data);
    nn_bytes_init(b, b->max);
}
