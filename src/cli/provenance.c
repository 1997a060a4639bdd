/* provenance.c - where a model comes from, stored in its file by train and
 * shown by info. */
#include "cli.h"

#include "nnclass/base/crc.h"

#include <stdio.h>

#include <cblas.h>

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
    meta->images_crc = nn_crc32(images->pixels, images->count * images->rows * images->cols);
    meta->labels_crc = nn_crc32(labels->labels, labels->count);
}
