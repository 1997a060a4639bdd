/* png_write.c - a grey image to PNG bytes in memory (libpng 1.6's
 * png_image_write_to_memory: asked once for the size, then to write). */
#include "nnclass/io/png_write.h"

#include <limits.h>
#include <png.h>
#include <stdlib.h>
#include <string.h>

nn_status nn_png_encode(const nn_grey *img, uint8_t **out, size_t *out_len, nn_error *err)
{
    *out = NULL;
    *out_len = 0;
    if (img->width == 0 || img->height == 0 || img->width > INT32_MAX / 2 ||
        img->height > INT32_MAX / 2)
        return nn_fail(err, NN_E_TOO_LARGE, "a %zux%zu image cannot be a PNG", img->width,
                       img->height);
    png_image p;
    memset(&p, 0, sizeof p);
    p.version = PNG_IMAGE_VERSION;
    p.width = (png_uint_32)img->width;
    p.height = (png_uint_32)img->height;
    p.format = PNG_FORMAT_GRAY;
    png_alloc_size_t size = 0;
    if (!png_image_write_to_memory(&p, NULL, &size, 0, img->pixels, (png_int_32)img->width,
                                   NULL)) {
        nn_status st = nn_fail(err, NN_E_FORMAT, "PNG encoding: %s", p.message);
        png_image_free(&p);
        return st;
    }
    uint8_t *buf = malloc(size > 0 ? size : 1);
    if (buf == NULL)
        return nn_fail(err, NN_E_NOMEM, "out of memory encoding a PNG");
    if (!png_image_write_to_memory(&p, buf, &size, 0, img->pixels, (png_int_32)img->width,
                                   NULL)) {
        nn_status st = nn_fail(err, NN_E_FORMAT, "PNG encoding: %s", p.message);
        png_image_free(&p);
        free(buf);
        return st;
    }
    *out = buf;
    *out_len = size;
    return NN_OK;
}
