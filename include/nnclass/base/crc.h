/* crc.h - the CRC-32 of a buffer of any size (zlib's, which takes at most a
 * uInt at a time): model files' checksums and the provenance of their data. */
#ifndef NNCLASS_CRC_H
#define NNCLASS_CRC_H

#include <stddef.h>
#include <stdint.h>

/* The CRC-32 (as zlib's crc32 and gzip compute it) of the len bytes at buf. */
uint32_t nn_crc32(const uint8_t *buf, size_t len);

#endif
