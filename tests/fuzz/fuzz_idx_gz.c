/* fuzz_idx_gz.c - the IDX readers behind zlib, reading gzip bytes from
 * memory. The first byte picks a mode:
 *
 *   mode % 3 == 0  the rest is IDX content, written as one gzip member
 *   mode % 3 == 1  the same in two members, split where the second byte says
 *   mode % 3 == 2  the rest is the file itself (raw gzip bytes to mutate)
 *
 * with the compression level and strategy taken from the rest of the first
 * byte. In the first two modes the plain content is known, so statuses,
 * counts and pixels must be exactly what the format says; in the third the
 * readers only have to agree with each other and fail cleanly. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "fuzz_idx_common.h"

/* Appends one gzip member holding len bytes to out (which has room). */
static size_t gzip_member(const uint8_t *in, size_t len, int level, int strategy, uint8_t *out,
                          size_t room)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, strategy) != Z_OK)
        abort();
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)len;
    z.next_out = out;
    z.avail_out = (uInt)room;
    if (deflate(&z, Z_FINISH) != Z_STREAM_END)
        abort();
    size_t n = room - z.avail_out;
    deflateEnd(&z);
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int strategies[] = {Z_DEFAULT_STRATEGY, Z_FILTERED, Z_HUFFMAN_ONLY, Z_RLE,
                                     Z_FIXED};
    if (size < 1 || size > ((size_t)1 << 24))
        return 0;
    uint8_t mode = data[0];
    int level = (mode / 3) % 10;
    int strategy = strategies[(mode / 30) % 5];
    const uint8_t *plain = data + 1;
    size_t plain_len = size - 1, split = plain_len;
    if (mode % 3 == 1 && plain_len > 0) {
        split = data[1] % (plain_len + 1);
        plain++;
        plain_len--;
        if (split > plain_len)
            split = plain_len;
    }
    uint8_t knob = (uint8_t)(size > 1 ? data[size - 1] : 0);
    if (mode % 3 == 2) {
        fuzz_idx_bytes(plain, plain_len, NULL, plain_len, knob);
        return 0;
    }
    size_t room = 2 * (compressBound((uLong)plain_len) + 64);
    uint8_t *gz = malloc(room);
    if (gz == NULL)
        abort();
    size_t n = gzip_member(plain, split, level, strategy, gz, room);
    if (split < plain_len)
        n += gzip_member(plain + split, plain_len - split, level, strategy, gz + n, room - n);
    fuzz_idx_bytes(gz, n, plain, plain_len, knob);
    free(gz);
    return 0;
}
