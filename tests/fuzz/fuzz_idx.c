/* fuzz_idx.c - the IDX readers on arbitrary file bytes, read from memory.
 * Every input is loaded as images and as labels and streamed; none may
 * crash, leak, read out of bounds or allocate more than the bytes justify.
 * Unless the bytes start with the gzip magic (then zlib inflates them and
 * only consistency is checked), each status, count and pixel must be exactly
 * what the format says. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_idx_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int gzip = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
    fuzz_idx_bytes(data, size, gzip ? NULL : data, size, size > 0 ? data[size - 1] : 0);
    return 0;
}
