/* idx.c - the IDX whole-file loaders: a file's whole payload in one buffer.
 *
 * How much memory a header may claim depends on what backs it. Raw bytes of a
 * regular file or in memory have a size known up front, so the declared
 * payload is compared with it before the one allocation. A gzip stream (or a
 * pipe) cannot tell how much it holds until it is inflated, so its buffer
 * starts small and doubles as data arrives, never past the declared size: a
 * lying header costs at most twice the bytes the file really contains.
 * A whole gzip file (a regular file or memory) that could plausibly hold
 * what its header declares is instead inflated at once by libdeflate into a
 * buffer of that size (inflate_whole); at any fault the stream takes over.
 * Opening the input and checking its header are idx_header.c's.
 */
#define _DEFAULT_SOURCE /* madvise and MADV_HUGEPAGE */
#include "nnclass/io/idx.h"

#include "idx_internal.h"
#include "nnclass/base/readfile.h"
#include "nnclass/io/source.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libdeflate.h>

/* First buffer of a loader whose input size is unknown (gzip, pipes). */
#define IDX_GROW_START ((size_t)64 * 1024)

/* Largest single read of the source: its result is a long. */
#define IDX_READ_CHUNK ((size_t)1 << 30)

static nn_status close_file(idx_file *f, nn_status st, nn_error *err)
{
    if (f->src == NULL)
        return st;
    int z = nn_source_close(f->src);
    f->src = NULL;
    if (st == NN_OK && z != 0)
        return nn_fail(err, NN_E_IO, "%s: error closing the file", f->name);
    return st;
}

/* Payloads from this size up get huge pages where the system offers them. */
#define HUGE_PAYLOAD_MIN ((size_t)8 << 20)
#define HUGE_PAGE ((size_t)2 << 20)

/* A buffer for a payload of len bytes, to be freed with free(). Training
 * reads its images at random places; in a big buffer, 2 MiB pages let one
 * TLB entry cover 512 times more of it, and fill it with 512 times fewer
 * page faults. So a big buffer is aligned to 2 MiB and marked for
 * transparent huge pages, which Linux grants when it can. */
static uint8_t *alloc_payload(size_t len)
{
#ifdef MADV_HUGEPAGE
    if (len >= HUGE_PAYLOAD_MIN) {
        size_t rounded = (len + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
        uint8_t *buf = aligned_alloc(HUGE_PAGE, rounded);
        if (buf != NULL)
            (void)madvise(buf, rounded, MADV_HUGEPAGE); /* advice: may be refused */
        return buf;
    }
#endif
    return malloc(len > 0 ? len : 1);
}

/* The message for raw bytes of known size that are not exactly the declared
 * payload, else NN_OK. */
static nn_status check_payload_size(const idx_file *f, nn_error *err)
{
    const char *items = f->kind->items, *bytes = f->kind->bytes;
    if (f->payload_avail < f->payload)
        return nn_fail(err, NN_E_TRUNCATED,
                       "%s: truncated: header declares %" PRIu32 " %s (%" PRIu64 " bytes), "
                       "file has %" PRIu64 " bytes of %s",
                       f->name, f->dims[0], items, f->payload, f->payload_avail, bytes);
    if (f->payload_avail > f->payload)
        return nn_fail(err, NN_E_FORMAT,
                       "%s: %" PRIu64 " trailing bytes: header declares %" PRIu32 " %s (%" PRIu64
                       " bytes), file has %" PRIu64 " bytes of %s",
                       f->name, f->payload_avail - f->payload, f->dims[0], items, f->payload,
                       f->payload_avail, bytes);
    return NN_OK;
}

/* Reads up to payload bytes into *buf, which holds *cap bytes of which *got
 * are filled, doubling it (never past payload) whenever it is full. Stops
 * at the end of the data or at an error, with read_bytes's status. */
static nn_status read_growing(idx_file *f, size_t payload, uint8_t **buf, size_t *cap,
                              size_t *got, nn_error *err)
{
    nn_status st = NN_OK;
    while (*got < payload) {
        if (*got == *cap) {
            size_t next = *cap > payload / 2 ? payload : *cap * 2;
            uint8_t *grown = realloc(*buf, next);
            if (grown == NULL)
                return nn_fail(err, NN_E_NOMEM, "%s: out of memory for %zu bytes", f->name, next);
            *buf = grown;
            *cap = next;
        }
        size_t n = 0;
        st = nn_idx_read_bytes(f, *buf + *got, *cap - *got, IDX_READ_CHUNK, &n, err);
        *got += n;
        if (st != NN_OK || *got < *cap)
            break; /* an error, or the end of the data before the declared size */
    }
    return st;
}

/* Reads the whole declared payload of an opened file into a new buffer. */
static nn_status load_payload(idx_file *f, uint8_t **out, nn_error *err)
{
    const char *items = f->kind->items, *bytes = f->kind->bytes;
    uint8_t *buf = NULL;
    size_t cap = 0, got = 0;
    nn_status st = NN_OK;
    const size_t payload = (size_t)f->payload;

    if (f->size_known) {
        st = check_payload_size(f, err);
        if (st != NN_OK)
            return st;
        cap = payload;
    } else {
        cap = payload < IDX_GROW_START ? payload : IDX_GROW_START;
    }
    if (payload > 0) {
        buf = cap == payload ? alloc_payload(cap) : malloc(cap);
        if (buf == NULL)
            return nn_fail(err, NN_E_NOMEM, "%s: out of memory for %zu bytes", f->name, cap);
    }
    st = read_growing(f, payload, &buf, &cap, &got, err);
    if (st != NN_OK && st != NN_E_TRUNCATED)
        goto fail;
    if (got < payload) {
        st = nn_fail(err, NN_E_TRUNCATED,
                     "%s: truncated: header declares %" PRIu32 " %s (%" PRIu64 " bytes), "
                     "file has %zu bytes of %s%s",
                     f->name, f->dims[0], items, f->payload, got, bytes, nn_idx_cut_how(st));
        goto fail;
    }
    st = nn_idx_check_end(f, err);
    if (st != NN_OK)
        goto fail;
    *out = buf;
    return NN_OK;
fail:
    free(buf);
    return st;
}

/* The whole-file fast path takes a gzip file only when it holds at most this
 * many times its own size (MNIST's images: 5), so that a lying header in a
 * small file cannot make it allocate much more than the file's worth. */
#define INFLATE_WHOLE_MAX_RATIO 64

/* The compressed bytes of an input that is a regular file or memory, all of
 * them: *data points into memory, or at a new buffer in *owned. 0 if there
 * are none to have (a pipe, a descriptor, standard input) or more than
 * limit of them. */
static int compressed_bytes(nn_idx_input in, uint64_t limit, const uint8_t **data,
                            size_t *len, uint8_t **owned)
{
    *owned = NULL;
    if (in.kind == INPUT_MEMORY) {
        *data = in.data;
        *len = in.len;
        return in.len <= limit;
    }
    if (in.kind != INPUT_PATH || strcmp(in.path, "-") == 0)
        return 0;
    int fd = open(in.path, O_RDONLY);
    struct stat st;
    int ok = fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
             (uint64_t)st.st_size <= limit;
    size_t n = 0;
    uint8_t *buf = NULL;
    if (ok)
        ok = nn_read_fd(fd, in.path, "file", (size_t)st.st_size, NULL, &buf, &n, NULL) == NN_OK;
    if (fd >= 0)
        close(fd);
    if (!ok || n != (size_t)st.st_size) { /* a file that changed: the streaming path */
        free(buf);
        return 0;
    }
    *data = *owned = buf;
    *len = n;
    return 1;
}

/* Inflates every gzip member of in[0..n) into out, which must come out
 * exactly full. 0 on any fault: bad data, a short or long result. */
static int inflate_members(const uint8_t *in, size_t n, uint8_t *out, size_t out_len)
{
    struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
    size_t pos = 0, got = 0;
    int ok = d != NULL;
    while (ok && pos < n) {
        size_t used = 0, made = 0;
        ok = libdeflate_gzip_decompress_ex(d, in + pos, n - pos, out + got, out_len - got,
                                           &used, &made) == LIBDEFLATE_SUCCESS && used > 0;
        pos += used;
        got += made;
    }
    libdeflate_free_decompressor(d);
    return ok && got == out_len;
}

/* The fast way to load a gzip file whose compressed bytes can all be had (a
 * regular file or memory, no bigger than deflate makes incompressible data),
 * once its header has passed the stream's checks:
 * libdeflate inflates whole members two to three times as fast as zlib's
 * stream. Returns 1 with the payload in *out (NULL for none) when the file
 * inflates to exactly the header f read and its declared payload. Returns 0
 * when anything is wrong, and the stream reads on: libdeflate says only that
 * inflating failed, where the stream says at which byte and why. */
static int inflate_whole(nn_idx_input in, const idx_file *f, uint8_t **out)
{
    const size_t hl = header_len(f->kind), total = hl + (size_t)f->payload;
    const uint8_t *data;
    uint8_t *owned = NULL, *buf = NULL;
    size_t len;
    int ok = nn_source_direct(f->src) == 0 &&
             compressed_bytes(in, total + total / 256 + 65536, &data, &len, &owned) &&
             total / INFLATE_WHOLE_MAX_RATIO <= len && (buf = alloc_payload(total)) != NULL &&
             inflate_members(data, len, buf, total);
    /* The header inflated again must be the one checked (the file may have
     * changed in between). */
    for (int i = 0; ok && i < f->kind->ndims; i++)
        ok = be32(buf + 4 + 4 * (size_t)i) == f->dims[i];
    ok = ok && be32(buf) == f->kind->magic;
    free(owned);
    if (!ok) {
        free(buf);
        return 0;
    }
    memmove(buf, buf + hl, (size_t)f->payload);
    if (f->payload == 0) {
        free(buf);
        buf = NULL;
    }
    *out = buf;
    return 1;
}

/* The one wording of "these labels do not go with those images". */
static nn_status count_mismatch(const char *labels_path, size_t n_labels,
                                const char *images_path, size_t n_images, nn_error *err)
{
    return nn_fail(err, NN_E_MISMATCH, "%s: %zu labels, but %s has %zu images",
                   nn_idx_display_name(labels_path), n_labels, nn_idx_display_name(images_path),
                   n_images);
}

/* Loads the whole file in, of kind k, into a new buffer (NULL when it holds
 * no data), in one stream. With expect (images only), the header's count
 * must be expect's, checked before the payload is read. On success f
 * describes the file. */
static nn_status load_whole(nn_idx_input in, const idx_kind *k, uint64_t max_bytes,
                            const nn_labels *expect, const char *expect_name, idx_file *f,
                            uint8_t **out, nn_error *err)
{
    *out = NULL;
    nn_status st = nn_idx_open_file(in, f, err);
    if (st != NN_OK)
        return st;
    st = nn_idx_read_header(f, k, max_bytes == 0 ? NN_IDX_DEFAULT_MAX_BYTES : max_bytes, err);
    if (st == NN_OK && expect != NULL && f->dims[0] != expect->count)
        st = count_mismatch(expect_name, expect->count, in.name, f->dims[0], err);
    if (st == NN_OK && !inflate_whole(in, f, out))
        st = load_payload(f, out, err);
    st = close_file(f, st, err);
    if (st != NN_OK) {
        free(*out);
        *out = NULL;
    }
    return st;
}

nn_status nn_idx_load_images_from(nn_idx_input in, uint64_t max_bytes, const nn_labels *labels,
                                  const char *labels_name, nn_images *out, nn_error *err)
{
    idx_file f;
    memset(out, 0, sizeof *out);
    nn_status st = load_whole(in, &IDX_IMAGES, max_bytes, labels, labels_name, &f, &out->pixels,
                              err);
    if (st == NN_OK) {
        out->count = f.dims[0];
        out->rows = f.dims[1];
        out->cols = f.dims[2];
    }
    return st;
}

nn_status nn_idx_load_labels_from(nn_idx_input in, uint64_t max_bytes, nn_labels *out,
                                  nn_error *err)
{
    idx_file f;
    memset(out, 0, sizeof *out);
    nn_status st = load_whole(in, &IDX_LABELS, max_bytes, NULL, NULL, &f, &out->labels, err);
    if (st == NN_OK)
        out->count = f.dims[0];
    return st;
}

nn_status nn_idx_load_images(const char *path, uint64_t max_bytes, nn_images *out, nn_error *err)
{
    return nn_idx_load_images_from(nn_idx_path(path), max_bytes, NULL, NULL, out, err);
}

nn_status nn_idx_load_images_for(const char *path, uint64_t max_bytes, const nn_labels *labels,
                                 const char *labels_path, nn_images *out, nn_error *err)
{
    return nn_idx_load_images_from(nn_idx_path(path), max_bytes, labels, labels_path, out, err);
}

nn_status nn_idx_load_labels(const char *path, uint64_t max_bytes, nn_labels *out, nn_error *err)
{
    return nn_idx_load_labels_from(nn_idx_path(path), max_bytes, out, err);
}

/* Frees data, then zeroes the size bytes of the struct at obj that held it. */
static void free_and_clear(void *data, void *obj, size_t size)
{
    free(data);
    memset(obj, 0, size);
}

void nn_images_free(nn_images *images)
{
    if (images != NULL)
        free_and_clear(images->pixels, images, sizeof *images);
}

void nn_labels_free(nn_labels *labels)
{
    if (labels != NULL)
        free_and_clear(labels->labels, labels, sizeof *labels);
}
