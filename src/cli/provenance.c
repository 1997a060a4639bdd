/* provenance.c - where a model comes from, stored in its file by train and
 * shown by info. */
#include "cli.h"

#include <stdio.h>

#include <cblas.h>
#include <zlib.h>

/* zlib's crc32 takes a uInt length: large buffers go in pieces. */
static uint32_t crc32_of(const uint8_t *p, size_t n)
{
    uLong crc = crc32(0L, Z_NULL, 0);
    while (n > 0) {
        uInt part = n > (1u << 30) ? (1u << 30) : (uInt)n;
        crc = crc32(crc, p, part);
        p += part;
        n -= part;
    }
    return (uint32_t)crc;
}

/* text into a model's text field of cap bytes, each byte that is not
 * printable ASCII as '?' (the file takes printable text only). */
static void copy_printable(char *out, size_t cap, const char *text)
{
    size_t n = 0;
    for (; text[n] != '\0' && n + 1 < cap; n++)
        out[n] = text[n] >= 0x20 && text[n] < 0x7f ? text[n] : '?';
    out[n] = '\0';
}

/* The BLAS kernels decide the last bits of every sum, so the core that
 * trained a model says which machines reproduce it bit for bit. The CRCs
 * are of the pixels and labels as read: the same for a file gzipped or not. */
void cli_model_provenance(const nn_images *images, const nn_labels *labels, nn_model_meta *meta)
{
    meta->has_provenance = 1;
    copy_printable(meta->nnclass_version, sizeof meta->nnclass_version, NNCLASS_VERSION);
    copy_printable(meta->blas_core, sizeof meta->blas_core, openblas_get_corename());
    meta->images_crc = crc32_of(images->pixels, images->count * images->rows * images->cols);
    meta->labels_crc = crc32_of(labels->labels, labels->count);
}
