/* idx_write.c - IDX files out: a raw image stream and BGZF image and label
 * sets, each written atomically. */
#include "nnclass/io/idx_write.h"

#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "nnclass/base/atomic.h"

/* Data bytes per BGZF member: bgzip's block, so that a member's total size
 * fits in the 16 bits its header has for it. */
#define BGZF_BLOCK 65280u

/* The empty member that ends a BGZF file. */
static const uint8_t bgzf_eof[28] = {0x1f, 0x8b, 0x08, 0x04, 0, 0, 0, 0, 0, 0xff, 6, 0, 'B', 'C',
                                     2, 0, 0x1b, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0};

static void put_le16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *p, uint32_t v)
{
    put_le16(p, v & 0xffff);
    put_le16(p + 2, v >> 16);
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* One member of data[0..n) (n <= BGZF_BLOCK) at out; returns its size, or 0
 * when zlib fails or the member would not fit in 64 KiB. */
static size_t bgzf_member(z_stream *z, const uint8_t *data, size_t n, uint8_t *out)
{
    const size_t head = 18, tail = 8;
    if (deflateReset(z) != Z_OK)
        return 0;
    z->next_in = (Bytef *)(uintptr_t)data;
    z->avail_in = (uInt)n;
    z->next_out = out + head;
    z->avail_out = 65536 - head - tail;
    if (deflate(z, Z_FINISH) != Z_STREAM_END)
        return 0;
    size_t size = head + (65536 - head - tail - z->avail_out) + tail;
    static const uint8_t fixed[12] = {0x1f, 0x8b, 0x08, 0x04, 0, 0, 0, 0, 0, 0xff, 6, 0};
    memcpy(out, fixed, sizeof fixed);
    out[12] = 'B';
    out[13] = 'C';
    put_le16(out + 14, 2);
    put_le16(out + 16, (uint32_t)(size - 1));
    put_le32(out + size - 8, (uint32_t)crc32(0L, data, (uInt)n));
    put_le32(out + size - 4, (uint32_t)n);
    return size;
}

nn_status nn_bgzf_compress(const uint8_t *data, size_t len, uint8_t **out, size_t *out_len,
                           nn_error *err)
{
    *out = NULL;
    *out_len = 0;
    size_t members = (len + BGZF_BLOCK - 1) / BGZF_BLOCK;
    /* A member is at most 64 KiB whatever its data (or deflate failed). */
    uint8_t *buf = malloc(members * 65536 + sizeof bgzf_eof);
    if (buf == NULL)
        return nn_fail(err, NN_E_NOMEM, "out of memory compressing %zu bytes", len);
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
        free(buf);
        return nn_fail(err, NN_E_NOMEM, "out of memory in zlib");
    }
    size_t pos = 0;
    for (size_t off = 0; off < len; off += BGZF_BLOCK) {
        size_t n = len - off < BGZF_BLOCK ? len - off : BGZF_BLOCK;
        size_t m = bgzf_member(&z, data + off, n, buf + pos);
        if (m == 0) {
            deflateEnd(&z);
            free(buf);
            return nn_fail(err, NN_E_FORMAT, "zlib failed compressing a BGZF member");
        }
        pos += m;
    }
    deflateEnd(&z);
    memcpy(buf + pos, bgzf_eof, sizeof bgzf_eof);
    *out = buf;
    *out_len = pos + sizeof bgzf_eof;
    return NN_OK;
}

/* header (magic and dims) then payload, as BGZF, into a new buffer. */
static nn_status encode_bgzf(const uint8_t *header, size_t header_len, const uint8_t *payload,
                             size_t len, uint8_t **out, size_t *out_len, nn_error *err)
{
    uint8_t *whole = malloc(header_len + len);
    if (whole == NULL)
        return nn_fail(err, NN_E_NOMEM, "out of memory encoding %zu bytes", len);
    memcpy(whole, header, header_len);
    if (len > 0)
        memcpy(whole + header_len, payload, len);
    nn_status st = nn_bgzf_compress(whole, header_len + len, out, out_len, err);
    free(whole);
    return st;
}

nn_status nn_idx_encode_images(const nn_images *images, uint8_t **out, size_t *out_len,
                               nn_error *err)
{
    uint8_t h[16];
    if (images->count > UINT32_MAX || images->rows > NN_IDX_MAX_SIDE ||
        images->cols > NN_IDX_MAX_SIDE)
        return nn_fail(err, NN_E_TOO_LARGE, "too many or too large images for an IDX file");
    put_be32(h, NN_IDX_MAGIC_IMAGES);
    put_be32(h + 4, (uint32_t)images->count);
    put_be32(h + 8, (uint32_t)images->rows);
    put_be32(h + 12, (uint32_t)images->cols);
    return encode_bgzf(h, sizeof h, images->pixels, images->count * images->rows * images->cols,
                       out, out_len, err);
}

nn_status nn_idx_encode_labels(const nn_labels *labels, uint8_t **out, size_t *out_len,
                               nn_error *err)
{
    uint8_t h[8];
    if (labels->count > UINT32_MAX)
        return nn_fail(err, NN_E_TOO_LARGE, "too many labels for an IDX file");
    put_be32(h, NN_IDX_MAGIC_LABELS);
    put_be32(h + 4, (uint32_t)labels->count);
    return encode_bgzf(h, sizeof h, labels->labels, labels->count, out, out_len, err);
}

/* The bytes an encoder made: a buffer the saver frees. */
typedef struct {
    uint8_t *buf;
    size_t len;
} encoded;

/* Writes e to path atomically when its encoder succeeded (st), and frees it. */
static nn_status save_encoded(const char *path, nn_status st, encoded *e, nn_error *err)
{
    if (st == NN_OK)
        st = nn_atomic_save(path, e->buf, e->len, err);
    free(e->buf);
    return st;
}

nn_status nn_idx_save_images(const char *path, const nn_images *images, nn_error *err)
{
    encoded e = {NULL, 0};
    return save_encoded(path, nn_idx_encode_images(images, &e.buf, &e.len, err), &e, err);
}

nn_status nn_idx_save_labels(const char *path, const nn_labels *labels, nn_error *err)
{
    encoded e = {NULL, 0};
    return save_encoded(path, nn_idx_encode_labels(labels, &e.buf, &e.len, err), &e, err);
}

/* --- the raw image stream ------------------------------------------------------ */

struct nn_idx_writer {
    nn_atomic_file *f;
    size_t image_size;
    uint64_t count;
    char *path;
};

nn_status nn_idx_writer_open(const char *path, size_t rows, size_t cols, nn_idx_writer **out,
                             nn_error *err)
{
    *out = NULL;
    if (rows == 0 || cols == 0 || rows > NN_IDX_MAX_SIDE || cols > NN_IDX_MAX_SIDE)
        return nn_fail(err, NN_E_ARG, "%s: cannot write images of %zux%zu", path, rows, cols);
    nn_idx_writer *w = calloc(1, sizeof *w);
    if (w == NULL || (w->path = strdup(path)) == NULL) {
        free(w);
        return nn_fail(err, NN_E_NOMEM, "%s: out of memory", path);
    }
    w->image_size = rows * cols;
    uint8_t h[16];
    put_be32(h, NN_IDX_MAGIC_IMAGES);
    put_be32(h + 4, 0); /* the count, filled in on commit */
    put_be32(h + 8, (uint32_t)rows);
    put_be32(h + 12, (uint32_t)cols);
    nn_status st = nn_atomic_open(path, &w->f, err);
    if (st == NN_OK)
        st = nn_atomic_write(w->f, h, sizeof h, err);
    if (st != NN_OK) {
        nn_idx_writer_abort(w);
        return st;
    }
    *out = w;
    return NN_OK;
}

nn_status nn_idx_writer_add(nn_idx_writer *w, const uint8_t *images, size_t n, nn_error *err)
{
    if (w->count + n > UINT32_MAX)
        return nn_fail(err, NN_E_TOO_LARGE, "%s: more images than an IDX file can count",
                       w->path);
    nn_status st = nn_atomic_write(w->f, images, n * w->image_size, err);
    if (st == NN_OK)
        w->count += n;
    return st;
}

nn_status nn_idx_writer_commit(nn_idx_writer *w, nn_error *err)
{
    uint8_t count[4];
    put_be32(count, (uint32_t)w->count);
    nn_status st = nn_atomic_pwrite(w->f, count, sizeof count, 4, err);
    if (st == NN_OK)
        st = nn_atomic_commit(w->f, err);
    else
        nn_atomic_abort(w->f);
    w->f = NULL;
    free(w->path);
    free(w);
    return st;
}

void nn_idx_writer_abort(nn_idx_writer *w)
{
    if (w == NULL)
        return;
    nn_atomic_abort(w->f);
    free(w->path);
    free(w);
}
