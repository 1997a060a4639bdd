/* idx.c - the IDX reader: whole-file loaders and a streaming image reader.
 *
 * Every input (a path, a descriptor or memory) is read through nn_source
 * (source.h), which inflates gzip (any number of concatenated members) and
 * passes raw bytes through unchanged, on the caller's thread (the stream's
 * read-ahead thread aside). The header is checked field by field before
 * anything is allocated:
 *
 *   magic    00 00 08 03 (images: count, rows, cols) or 00 00 08 01 (labels)
 *   dims     big-endian uint32, one per dimension
 *   payload  count * rows * cols bytes (images) or count bytes (labels)
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
 */
#define _DEFAULT_SOURCE /* madvise and MADV_HUGEPAGE */
#include "nnclass/io/idx.h"

#include "nnclass/base/readfile.h"
#include "nnclass/io/source.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libdeflate.h>
#include <zlib.h>

/* The input buffer of a descriptor's source (memory needs none). */
#define IDX_SOURCE_BUFFER (128u * 1024u)

/* First buffer of a loader whose input size is unknown (gzip, pipes). */
#define IDX_GROW_START ((size_t)64 * 1024)

/* Largest single read of the source: its result is a long. */
#define IDX_READ_CHUNK ((size_t)1 << 30)

/* Bytes per read of the source in the streaming reader, so that an error in
 * the middle of a call loses at most this much of what was already decoded. */
#define IDX_STREAM_CHUNK ((size_t)256 * 1024)

/* What an IDX file holds: its magic, its dimensions and the words that
 * messages use for it. */
typedef struct {
    uint32_t magic;
    uint32_t other_magic; /* the other kind's: a file of the wrong kind */
    int ndims;            /* count, rows, cols; or count */
    const char *what;     /* "IDX images" */
    const char *items;    /* what the count counts */
    const char *bytes;    /* what the payload's bytes are */
    const char *other;    /* what a file with other_magic is */
} idx_kind;

static const idx_kind IDX_IMAGES = {NN_IDX_MAGIC_IMAGES, NN_IDX_MAGIC_LABELS, 3, "IDX images",
                                    "images", "pixels", "a label file"};
static const idx_kind IDX_LABELS = {NN_IDX_MAGIC_LABELS, NN_IDX_MAGIC_IMAGES, 1, "IDX labels",
                                    "labels", "labels", "an image file"};

/* Bytes of a kind's header: the magic and one uint32 per dimension. */
static size_t header_len(const idx_kind *k)
{
    return 4 + 4 * (size_t)k->ndims;
}

/* The kinds of nn_idx_input. */
enum { INPUT_PATH, INPUT_FD, INPUT_MEMORY };

/* An opened IDX file whose header has been read and checked. */
typedef struct {
    nn_source *src;      /* raw or gzip bytes (see source.h) */
    const char *name;    /* what messages call the input */
    const idx_kind *kind; /* once the header is read */
    int size_known;      /* raw bytes of known size: payload_avail is exact */
    int live;            /* a pipe, terminal or socket: its input may stall */
    uint64_t payload_avail; /* bytes after the header (when size_known) */
    uint32_t dims[3];
    uint64_t elem_size;  /* bytes per item: rows * cols, or 1 for labels */
    uint64_t payload;    /* declared count * elem_size */
} idx_file;

static const char *display_name(const char *path)
{
    if (path == NULL)
        return "(unnamed)";
    return strcmp(path, "-") == 0 ? "(standard input)" : path;
}

nn_idx_input nn_idx_path(const char *path)
{
    return (nn_idx_input){.kind = INPUT_PATH, .path = path, .fd = -1,
                          .name = display_name(path)};
}

nn_idx_input nn_idx_fd(int fd, const char *name)
{
    return (nn_idx_input){.kind = INPUT_FD, .fd = fd, .name = display_name(name)};
}

nn_idx_input nn_idx_memory(const uint8_t *data, size_t len, const char *name)
{
    return (nn_idx_input){.kind = INPUT_MEMORY, .fd = -1, .data = data, .len = len,
                          .name = display_name(name)};
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* a * b into *out; returns 0 when the product does not fit in 64 bits. */
static int mul_u64(uint64_t a, uint64_t b, uint64_t *out)
{
    if (a != 0 && b > UINT64_MAX / a)
        return 0;
    *out = a * b;
    return 1;
}

/* Turns the source's state after a short or failed read into a status:
 * corrupt data is a format error, a read error an I/O error, a gzip stream
 * that ends in the middle NN_E_TRUNCATED (the caller words that message,
 * since it knows what was expected); NN_OK after a clean end of the data. */
static nn_status source_status(const idx_file *f, nn_error *err)
{
    int zerr = Z_OK;
    const char *zmsg = nn_source_error(f->src, &zerr);
    switch (zerr) {
    case Z_OK:
        return NN_OK;
    case Z_BUF_ERROR:
        return NN_E_TRUNCATED;
    case Z_ERRNO:
        return nn_fail(err, NN_E_IO, "%s: read error: %s", f->name, zmsg);
    case Z_MEM_ERROR:
        return nn_fail(err, NN_E_NOMEM, "%s: out of memory in zlib", f->name);
    default:
        return nn_fail(err, NN_E_FORMAT, "%s: corrupt gzip data: %s", f->name, zmsg);
    }
}

/* Reads up to len bytes into buf, at most chunk per read; *got is set to
 * the bytes stored. Returns NN_OK (a short *got then means a clean end of
 * file), NN_E_TRUNCATED without a message (a gzip stream cut short), or
 * another error with its message. */
static nn_status read_bytes(idx_file *f, uint8_t *buf, size_t len, size_t chunk, size_t *got,
                            nn_error *err)
{
    *got = 0;
    while (*got < len) {
        size_t want = len - *got < chunk ? len - *got : chunk;
        long r = nn_source_read(f->src, buf + *got, want);
        if (r < 0)
            return source_status(f, err);
        *got += (size_t)r;
        if ((size_t)r < want) {
            /* A short read is an end of the data or an error: the source says which. */
            return source_status(f, err);
        }
    }
    return NN_OK;
}

/* Suffix for a truncation message: how the data ended. */
static const char *cut_how(nn_status st)
{
    return st == NN_E_TRUNCATED ? " (the gzip stream ends early)" : "";
}

/* Opens what in names (a duplicate of a descriptor, or of standard input
 * for "-") into *fd, with its fstat in *st; on failure nothing is left open. */
static nn_status open_fd(nn_idx_input in, int *fd, struct stat *st, nn_error *err)
{
    if (in.kind == INPUT_FD)
        *fd = dup(in.fd);
    else
        *fd = strcmp(in.path, "-") == 0 ? dup(STDIN_FILENO) : open(in.path, O_RDONLY);
    if (*fd < 0)
        return nn_fail(err, NN_E_IO, "%s: %s", in.name, strerror(errno));
    if (fstat(*fd, st) != 0) {
        int e = errno;
        close(*fd);
        return nn_fail(err, NN_E_IO, "%s: %s", in.name, strerror(e));
    }
    if (S_ISDIR(st->st_mode)) {
        close(*fd);
        return nn_fail(err, NN_E_IO, "%s: is a directory", in.name);
    }
    return NN_OK;
}

/* Opens in for reading through nn_source and finds out whether the bytes
 * after the header can be counted up front (raw bytes of a regular file or
 * in memory). */
static nn_status open_file(nn_idx_input in, idx_file *f, nn_error *err)
{
    memset(f, 0, sizeof *f);
    f->name = in.name;
    int fd = -1;
    uint64_t size = in.len; /* memory: all of it; a file: unknown until fstat */
    if (in.kind != INPUT_MEMORY) {
        struct stat st;
        nn_status s = open_fd(in, &fd, &st, err);
        if (s != NN_OK)
            return s;
        off_t start = S_ISREG(st.st_mode) ? lseek(fd, 0, SEEK_CUR) : -1;
        size = start >= 0 && st.st_size >= start ? (uint64_t)(st.st_size - start) : UINT64_MAX;
        f->live = !S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode);
    }
    f->src = fd < 0 ? nn_source_open_memory(in.data, in.len)
                    : nn_source_open(fd, IDX_SOURCE_BUFFER);
    if (f->src == NULL) {
        if (fd >= 0)
            close(fd);
        return nn_fail(err, NN_E_NOMEM, "%s: out of memory opening the file", f->name);
    }
    /* nn_source_direct looks at the first bytes: 1 for raw data, 0 for gzip. */
    if (nn_source_direct(f->src) == 1 && size != UINT64_MAX) {
        f->size_known = 1;
        f->payload_avail = size;
    }
    return NN_OK;
}

/* The message for a header of got bytes (fewer than kind k's), read with
 * status st (NN_E_TRUNCATED: the gzip stream ended early). */
static nn_status short_header(const idx_file *f, const idx_kind *k, size_t got, nn_status st,
                              nn_error *err)
{
    if (got == 0)
        return nn_fail(err, NN_E_TRUNCATED, "%s: empty file, expected a %zu-byte %s header%s",
                       f->name, header_len(k), k->what, cut_how(st));
    return nn_fail(err, NN_E_TRUNCATED, "%s: truncated header: %zu bytes, expected %zu (%s)%s",
                   f->name, got, header_len(k), k->what, cut_how(st));
}

/* The message for a magic that is not kind k's. */
static nn_status bad_magic(const idx_file *f, const idx_kind *k, const uint8_t *h,
                           nn_error *err)
{
    uint32_t magic = be32(h);
    if (magic == k->other_magic)
        return nn_fail(err, NN_E_FORMAT, "%s: bad magic 0x%08x, expected 0x%08x (%s); is this "
                       "%s?", f->name, magic, k->magic, k->what, k->other);
    if (h[0] == 0 && h[1] == 0 && h[2] != 0x08)
        return nn_fail(err, NN_E_FORMAT,
                       "%s: bad magic 0x%08x, expected 0x%08x (%s): data type 0x%02x, "
                       "only 0x08 (unsigned bytes) is supported",
                       f->name, magic, k->magic, k->what, h[2]);
    if (h[0] == 0 && h[1] == 0)
        return nn_fail(err, NN_E_FORMAT,
                       "%s: bad magic 0x%08x, expected 0x%08x (%s): %u dimensions, expected %d",
                       f->name, magic, k->magic, k->what, h[3], k->ndims);
    return nn_fail(err, NN_E_FORMAT, "%s: bad magic 0x%08x, expected 0x%08x (%s)", f->name,
                   magic, k->magic, k->what);
}

/* Checks the got bytes h of a header of kind k, read with status st
 * (NN_E_TRUNCATED: the gzip stream ended early), and fills f's kind, dims
 * and sizes; max_bytes caps the payload (0 = no cap). */
static nn_status parse_header(idx_file *f, const idx_kind *k, const uint8_t *h, size_t got,
                              nn_status st, uint64_t max_bytes, nn_error *err)
{
    if (got < 4)
        return short_header(f, k, got, st, err);
    if (be32(h) != k->magic)
        return bad_magic(f, k, h, err);
    if (got < header_len(k))
        return short_header(f, k, got, st, err);

    f->kind = k;
    for (int i = 0; i < k->ndims; i++)
        f->dims[i] = be32(h + 4 + 4 * i);
    f->elem_size = 1;
    if (k->ndims == 3) {
        uint32_t rows = f->dims[1], cols = f->dims[2];
        if (rows == 0 || cols == 0)
            return nn_fail(err, NN_E_FORMAT, "%s: images of %" PRIu32 "x%" PRIu32
                           ": rows and cols must be at least 1", f->name, rows, cols);
        if (rows > NN_IDX_MAX_SIDE || cols > NN_IDX_MAX_SIDE)
            return nn_fail(err, NN_E_TOO_LARGE,
                           "%s: images of %" PRIu32 "x%" PRIu32 ", over the limit of %u per side",
                           f->name, rows, cols, NN_IDX_MAX_SIDE);
        f->elem_size = (uint64_t)rows * cols;
    }
    if (!mul_u64(f->dims[0], f->elem_size, &f->payload) || f->payload > SIZE_MAX)
        return nn_fail(err, NN_E_TOO_LARGE, "%s: header declares %" PRIu32 " %s of %" PRIu64
                       " bytes: the size overflows", f->name, f->dims[0], k->items, f->elem_size);
    if (max_bytes != 0 && f->payload > max_bytes)
        return nn_fail(err, NN_E_TOO_LARGE,
                       "%s: header declares %" PRIu32 " %s (%" PRIu64 " bytes), over the limit "
                       "of %" PRIu64 " bytes",
                       f->name, f->dims[0], k->items, f->payload, max_bytes);
    if (f->size_known)
        f->payload_avail -= header_len(k);
    return NN_OK;
}

/* Reads and checks the header of a file of kind k; max_bytes caps the
 * payload (0 = no cap, for the streaming reader). */
static nn_status read_header(idx_file *f, const idx_kind *k, uint64_t max_bytes, nn_error *err)
{
    uint8_t h[16];
    size_t got = 0;
    nn_status st = read_bytes(f, h, header_len(k), header_len(k), &got, err);
    if (st != NN_OK && st != NN_E_TRUNCATED)
        return st;
    return parse_header(f, k, h, got, st, max_bytes, err);
}

/* Fails unless the file ends here (no trailing bytes, a complete gzip
 * stream). */
static nn_status check_end(idx_file *f, nn_error *err)
{
    const char *items = f->kind->items;
    uint8_t probe[1];
    long r = nn_source_read(f->src, probe, sizeof probe);
    if (r > 0)
        return nn_fail(err, NN_E_FORMAT,
                       "%s: trailing bytes: header declares %" PRIu32 " %s (%" PRIu64
                       " bytes), file has more", f->name, f->dims[0], items, f->payload);
    nn_status st = source_status(f, err);
    if (st == NN_E_TRUNCATED)
        return nn_fail(err, NN_E_TRUNCATED,
                       "%s: truncated: all %" PRIu32 " %s read, but the gzip stream ends before "
                       "its trailer", f->name, f->dims[0], items);
    return st;
}

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

/* Reads the whole declared payload of an opened file into a new buffer. */
static nn_status load_payload(idx_file *f, uint8_t **out, nn_error *err)
{
    const char *items = f->kind->items, *bytes = f->kind->bytes;
    uint8_t *buf = NULL;
    size_t cap = 0, got = 0;
    nn_status st = NN_OK;
    const size_t payload = (size_t)f->payload;

    if (f->size_known) {
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
        cap = payload;
    } else {
        cap = payload < IDX_GROW_START ? payload : IDX_GROW_START;
    }
    if (payload > 0) {
        buf = cap == payload ? alloc_payload(cap) : malloc(cap);
        if (buf == NULL)
            return nn_fail(err, NN_E_NOMEM, "%s: out of memory for %zu bytes", f->name, cap);
    }
    while (got < payload) {
        if (got == cap) {
            size_t next = cap > payload / 2 ? payload : cap * 2;
            uint8_t *grown = realloc(buf, next);
            if (grown == NULL) {
                st = nn_fail(err, NN_E_NOMEM, "%s: out of memory for %zu bytes", f->name, next);
                goto fail;
            }
            buf = grown;
            cap = next;
        }
        size_t n = 0;
        st = read_bytes(f, buf + got, cap - got, IDX_READ_CHUNK, &n, err);
        got += n;
        if (st != NN_OK || got < cap)
            break; /* an error, or the end of the data before the declared size */
    }
    if (st != NN_OK && st != NN_E_TRUNCATED)
        goto fail;
    if (got < payload) {
        st = nn_fail(err, NN_E_TRUNCATED,
                     "%s: truncated: header declares %" PRIu32 " %s (%" PRIu64 " bytes), "
                     "file has %zu bytes of %s%s",
                     f->name, f->dims[0], items, f->payload, got, bytes, cut_how(st));
        goto fail;
    }
    st = check_end(f, err);
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

/* The threads the program lets the readers use (nn_idx_set_threads). */
static size_t idx_threads = 1;

void nn_idx_set_threads(size_t threads)
{
    idx_threads = threads > 0 ? threads : 1;
}

/* The one wording of "these labels do not go with those images". */
static nn_status count_mismatch(const char *labels_path, size_t n_labels,
                                const char *images_path, size_t n_images, nn_error *err)
{
    return nn_fail(err, NN_E_MISMATCH, "%s: %zu labels, but %s has %zu images",
                   display_name(labels_path), n_labels, display_name(images_path), n_images);
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
    nn_status st = open_file(in, f, err);
    if (st != NN_OK)
        return st;
    st = read_header(f, k, max_bytes == 0 ? NN_IDX_DEFAULT_MAX_BYTES : max_bytes, err);
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

/* --- streaming reader ------------------------------------------------------ */

/* With read-ahead, a thread of the stream's own inflates the file into two
 * blocks of about this many bytes, in turn, while the caller works on what
 * the previous block held: classifying overlaps inflating. */
#define AHEAD_BLOCK_BYTES ((size_t)1 << 20)

/* One block of images the read-ahead thread inflated, and how the read that
 * filled it ended. */
typedef struct {
    uint8_t *data;
    size_t n_images; /* whole images in data */
    size_t taken;    /* of those, handed out to the caller */
    nn_status st;    /* NN_OK, or NN_DONE or an error once the file is over */
    nn_error err;
    int full;        /* filled and not yet handed out entirely */
} ahead_block;

struct nn_idx_stream {
    idx_file f;
    size_t image_size; /* rows * cols */
    size_t done;       /* images read from the file so far */
    nn_status failed;  /* a sticky error (negative), or NN_OK */
    nn_error err;      /* its message */
    /* Read-ahead (when ahead): blocks[next] is the one the caller reads from.
     * The thread sets reading while it is inside a read; the caller sets
     * closing when it closes, and orphaned when the thread was inside a read
     * then, which leaves freeing the stream to the thread. */
    int ahead;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    ahead_block blocks[2];
    size_t block_images;
    int next, reading, closing, orphaned;
    char name[];       /* the display name the messages use */
};

/* Records a stream error so that later calls repeat it. */
static nn_status stream_fail(nn_idx_stream *s, nn_status st, nn_error *err)
{
    s->failed = st;
    if (err != NULL)
        s->err = *err;
    return st;
}

static nn_status bad_read(const nn_idx_stream *s, const uint8_t *buf, size_t max_images,
                          nn_error *err)
{
    return nn_fail(err, NN_E_ARG, "%s: read of %zu images into %s", s->name, max_images,
                   buf == NULL ? "no buffer" : "an empty buffer");
}

/* nn_idx_stream_read straight from the file. */
static nn_status read_images(nn_idx_stream *s, uint8_t *buf, size_t max_images, size_t *n_read,
                             nn_error *err)
{
    *n_read = 0;
    if (s->failed != NN_OK) {
        if (err != NULL)
            *err = s->err;
        return s->failed;
    }
    const size_t count = s->f.dims[0];
    if (s->done == count) {
        nn_error local = {{0}};
        nn_status st = check_end(&s->f, err != NULL ? err : &local);
        return st == NN_OK ? NN_DONE : stream_fail(s, st, err != NULL ? err : &local);
    }
    if (max_images == 0 || buf == NULL)
        return bad_read(s, buf, max_images, err);
    size_t n = count - s->done < max_images ? count - s->done : max_images;
    size_t want = n * s->image_size; /* <= max_images * image_size, the caller's buffer */
    size_t got = 0;
    nn_error local = {{0}};
    nn_error *e = err != NULL ? err : &local;
    /* A live input is read in one call, so that a stall (at a whole image
     * of this call) returns the images that came. */
    nn_status st = read_bytes(&s->f, buf, want, s->f.live ? want : IDX_STREAM_CHUNK, &got, e);
    *n_read = got / s->image_size;
    s->done += *n_read;
    if (st != NN_OK && st != NN_E_TRUNCATED)
        return stream_fail(s, st, e);
    if (st == NN_OK && got < want && nn_source_stalled(s->f.src))
        return NN_OK;
    if (got < want) {
        nn_fail(e, NN_E_TRUNCATED,
                "%s: truncated: header declares %zu images of %zux%zu, file ends after %zu "
                "whole images%s%s",
                s->name, count, nn_idx_stream_rows(s), nn_idx_stream_cols(s), s->done,
                got % s->image_size != 0 ? " and part of the next" : "", cut_how(st));
        return stream_fail(s, NN_E_TRUNCATED, e);
    }
    return NN_OK;
}

static void free_stream(nn_idx_stream *s)
{
    if (s->ahead) {
        pthread_mutex_destroy(&s->lock);
        pthread_cond_destroy(&s->changed);
        free(s->blocks[0].data);
        free(s->blocks[1].data);
    }
    if (s->f.src != NULL)
        nn_source_close(s->f.src);
    free(s);
}

/* The read-ahead thread: fills the blocks in turn until the file is over
 * (a status other than NN_OK) or the caller closes the stream. */
static void *read_ahead(void *arg)
{
    nn_idx_stream *s = arg;
    for (int i = 0;; i ^= 1) {
        ahead_block *b = &s->blocks[i];
        pthread_mutex_lock(&s->lock);
        while (b->full && !s->closing)
            pthread_cond_wait(&s->changed, &s->lock);
        if (s->closing) {
            pthread_mutex_unlock(&s->lock);
            return NULL;
        }
        s->reading = 1;
        pthread_mutex_unlock(&s->lock);

        /* The block is the thread's until it is marked full. */
        nn_error err = {{0}};
        size_t n = 0;
        nn_status st = read_images(s, b->data, s->block_images, &n, &err);

        pthread_mutex_lock(&s->lock);
        s->reading = 0;
        if (s->orphaned) {
            pthread_mutex_unlock(&s->lock);
            free_stream(s);
            return NULL;
        }
        b->n_images = n;
        b->taken = 0;
        b->st = st;
        b->err = err;
        b->full = 1;
        pthread_cond_broadcast(&s->changed);
        pthread_mutex_unlock(&s->lock);
        if (st != NN_OK)
            return NULL;
    }
}

/* Sets up read-ahead; on any failure the stream simply reads directly. */
static void start_read_ahead(nn_idx_stream *s)
{
    s->block_images = AHEAD_BLOCK_BYTES / s->image_size;
    if (s->block_images == 0)
        s->block_images = 1;
    for (int i = 0; i < 2; i++) {
        s->blocks[i].data = malloc(s->block_images * s->image_size);
        if (s->blocks[i].data == NULL)
            goto fail;
    }
    if (pthread_mutex_init(&s->lock, NULL) != 0)
        goto fail;
    if (pthread_cond_init(&s->changed, NULL) != 0) {
        pthread_mutex_destroy(&s->lock);
        goto fail;
    }
    if (pthread_create(&s->thread, NULL, read_ahead, s) != 0) {
        pthread_cond_destroy(&s->changed);
        pthread_mutex_destroy(&s->lock);
        goto fail;
    }
    s->ahead = 1;
    return;
fail:
    free(s->blocks[0].data);
    free(s->blocks[1].data);
    s->blocks[0].data = s->blocks[1].data = NULL;
}

/* nn_idx_stream_open_from on the file f that open_file opened (the stream
 * takes it over, whatever the outcome). */
static nn_status stream_start(idx_file *f, int read_ahead, nn_idx_stream **out, nn_error *err)
{
    *out = NULL;
    const char *name = f->name;
    size_t name_len = strlen(name);
    nn_idx_stream *s = calloc(1, sizeof *s + name_len + 1);
    if (s == NULL) {
        nn_source_close(f->src);
        return nn_fail(err, NN_E_NOMEM, "%s: out of memory", name);
    }
    memcpy(s->name, name, name_len + 1);
    s->f = *f;
    s->f.name = s->name;
    nn_status st;
    /* No payload cap: the stream never holds more than one caller's buffer. */
    st = read_header(&s->f, &IDX_IMAGES, 0, err);
    if (st != NN_OK) {
        nn_source_close(s->f.src);
        free(s);
        return st;
    }
    s->image_size = (size_t)s->f.elem_size;
    if (s->f.live && s->image_size > 0)
        nn_source_set_live(s->f.src, s->image_size);
    if (read_ahead && s->image_size > 0 && s->f.dims[0] > 0)
        start_read_ahead(s);
    *out = s;
    return NN_OK;
}

nn_status nn_idx_stream_open_from(nn_idx_input in, int read_ahead, nn_idx_stream **out,
                                  nn_error *err)
{
    idx_file f;
    *out = NULL;
    nn_status st = open_file(in, &f, err);
    if (st != NN_OK)
        return st;
    return stream_start(&f, read_ahead, out, err);
}

nn_status nn_idx_stream_open_ahead(const char *path, int read_ahead, nn_idx_stream **out,
                                   nn_error *err)
{
    return nn_idx_stream_open_from(nn_idx_path(path), read_ahead, out, err);
}

static int many_cpus(void)
{
    return idx_threads > 1;
}

nn_status nn_idx_stream_open(const char *path, nn_idx_stream **out, nn_error *err)
{
    return nn_idx_stream_open_ahead(path, many_cpus(), out, err);
}

nn_status nn_idx_stream_open_source(nn_source *src, const char *name, int live,
                                    nn_idx_stream **out, nn_error *err)
{
    idx_file f;
    memset(&f, 0, sizeof f);
    f.src = src;
    f.name = display_name(name);
    f.live = live;
    return stream_start(&f, many_cpus(), out, err);
}

size_t nn_idx_stream_rows(const nn_idx_stream *s)
{
    return s->f.dims[1];
}

size_t nn_idx_stream_cols(const nn_idx_stream *s)
{
    return s->f.dims[2];
}

size_t nn_idx_stream_count(const nn_idx_stream *s)
{
    return s->f.dims[0];
}

nn_status nn_idx_stream_read(nn_idx_stream *s, uint8_t *buf, size_t max_images, size_t *n_read,
                             nn_error *err)
{
    if (!s->ahead)
        return read_images(s, buf, max_images, n_read, err);
    *n_read = 0;
    if (max_images == 0 || buf == NULL)
        return bad_read(s, buf, max_images, err);

    /* Hand out the blocks' images in order. A block's status comes with its
     * last images, as a direct read would give it; when those came in an
     * earlier call, on its own. */
    for (;;) {
        ahead_block *b = &s->blocks[s->next];
        pthread_mutex_lock(&s->lock);
        /* A live input's images go out as they come: do not wait for more
         * once there are some. */
        if (!b->full && s->f.live && *n_read > 0) {
            pthread_mutex_unlock(&s->lock);
            return NN_OK;
        }
        while (!b->full)
            pthread_cond_wait(&s->changed, &s->lock);
        pthread_mutex_unlock(&s->lock);
        /* A full block is the caller's until it is released. */
        size_t k = b->n_images - b->taken;
        if (k > max_images - *n_read)
            k = max_images - *n_read;
        memcpy(buf + *n_read * s->image_size, b->data + b->taken * s->image_size,
               k * s->image_size);
        b->taken += k;
        *n_read += k;
        if (b->taken < b->n_images)
            return NN_OK; /* the caller's buffer is full */
        if (b->st != NN_OK) {
            if (k == 0 && *n_read > 0)
                return NN_OK; /* the status comes next time */
            if (err != NULL)
                *err = b->err;
            return b->st; /* and again at every later call */
        }
        pthread_mutex_lock(&s->lock);
        b->full = 0;
        pthread_cond_broadcast(&s->changed);
        pthread_mutex_unlock(&s->lock);
        s->next ^= 1;
        if (*n_read == max_images)
            return NN_OK;
    }
}

void nn_idx_stream_close(nn_idx_stream *s)
{
    if (s == NULL)
        return;
    if (s->ahead) {
        /* A thread waiting for a free block stops at once. One inside a read
         * of a live input may wait on a pipe indefinitely: it is left to
         * finish and free the stream itself. Any other read ends soon and is
         * waited for: it may be reading the caller's memory. */
        pthread_mutex_lock(&s->lock);
        s->closing = 1;
        pthread_cond_broadcast(&s->changed);
        int orphan = s->reading && s->f.live;
        s->orphaned = orphan;
        pthread_t thread = s->thread; /* s may be gone once unlocked */
        pthread_mutex_unlock(&s->lock);
        if (orphan) {
            pthread_detach(thread);
            return;
        }
        pthread_join(thread, NULL);
    }
    free_stream(s);
}
