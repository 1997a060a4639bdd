/* crc.c - the CRC-32 of a buffer of any size. */
#include "nnclass/base/crc.h"

#include <zlib.h>

uint32_t nn_crc32(const uint8_t *buf, size_t len)
{
    uLong crc = crc32(0L, Z_NULL, 0);
    while (len > 0) { /* zlib's crc32 takes a uInt length: large buffers in pieces */
        uInt n = len > (1u << 30) ? (1u << 30) : (uInt)len;
        crc = crc32(crc, buf, n);
        buf += n;
        len -= n;
    }
    return (uint32_t)crc;
}
