/* fuzz_png.c - the PNG decoder (libpng's simplified API behind nnclass's
 * checks) and the preprocessing on arbitrary bytes. Chunk CRCs make almost
 * every mutation a checksum error, which would hide the decoder behind it,
 * so each input is decoded as it is and again with every chunk's CRC made
 * right. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "fuzz_image_common.h"

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Rewrites the CRC of every whole chunk after the 8-byte signature. */
static void fix_crcs(uint8_t *p, size_t size)
{
    size_t at = 8;
    while (at + 12 <= size) {
        uint32_t len = be32(p + at);
        if (len > size - at - 12)
            break;
        uint32_t crc = (uint32_t)crc32(0L, p + at + 4, len + 4);
        uint8_t *c = p + at + 8 + len;
        c[0] = (uint8_t)(crc >> 24);
        c[1] = (uint8_t)(crc >> 16);
        c[2] = (uint8_t)(crc >> 8);
        c[3] = (uint8_t)crc;
        at += 12 + (size_t)len;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_image(nn_png_decode, NN_IMAGE_PNG, data, size);
    uint8_t *fixed = malloc(size > 0 ? size : 1);
    if (fixed == NULL)
        return 0;
    memcpy(fixed, data, size);
    fix_crcs(fixed, size);
    if (size < 8 || memcmp(fixed, data, size) != 0)
        fuzz_image(nn_png_decode, NN_IMAGE_PNG, fixed, size);
    free(fixed);
    return 0;
}
