/* idx.c - the IDX reader: whole-file loaders and a streaming image reader.
 *
 * Every file goes through zlib's gz* interface, which inflates gzip (any
 * number of concatenated members) and passes raw files through unchanged.
 * The header is checked field by field before anything is allocated:
 *
 *   magic    00 00 08 03 (images: count, rows, cols) or 00 00 08 01 (labels)
 *   dims     big-endian uint32, one per dimension
 *   payload  count * rows * cols bytes (images) or count bytes (labels)
 *
 * How much memory a header may claim depends on what backs it. A raw regular
 * file's size is known up front, so the declared payload is compared with it
 * before the one allocation. A gzip stream (or a pipe) cannot tell how much
 * it holds until it is inflated, so its buffer starts small and doubles as
 * data arrives, never past the declared size: a lying header costs at most
 * twice the bytes the file really contains.
 */
#define _DEFAULT_SOURCE /* madvise and MADV_HUGEPAGE */
#include "nnclass/idx.h"

#include "nnclass/bgzf.h"
#include "nnclass/source.h"

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

#include <zlib.h>

/* zlib's own buffer (set before the first read): large enough that inflate
 * writes straight into the caller's memory for big reads. */
#define IDX_GZ_BUFFER (128u * 1024u)

/* First buffer of a loader whose input size is unknown (gzip, pipes). */
#define IDX_GROW_START ((size_t)64 * 1024)

/* Largest single gzread: its length is an unsigned and its result an int. */
#define IDX_READ_CHUNK ((size_t)1 << 30)

/* Bytes per gzread in the streaming reader, so that an error in the middle of
 * a call loses at most this much of what was already decoded. */
#define IDX_STREAM_CHUNK ((size_t)256 * 1024)

/* An opened IDX file whose header has been read and checked. */
typedef struct {
    nn_source *gz;       /* raw or gzip bytes (see source.h) */
    const char *name;    /* the path, or "(standard input)" for "-" */
    int size_known;      /* a raw regular file: payload_avail is exact */
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

/* zlib's message without the "<fd:N>: " it puts in front for gzdopen. */
static const char *zlib_msg(const char *msg)
{
    if (msg != NULL && strncmp(msg, "<fd:", 4) == 0) {
        const char *p = strstr(msg, ">: ");
        if (p != NULL)
            return p + 3;
    }
    return msg != NULL ? msg : "unknown zlib error";
}

/* Turns zlib's state after a short or failed read into a status: corrupt
 * data is a format error, a read error an I/O error, a gzip stream that ends
 * in the middle NN_E_TRUNCATED (the caller words that message, since it
 * knows what was expected); NN_OK when zlib saw a clean end of file. */
static nn_status gz_status(const idx_file *f, nn_error *err)
{
    int zerr = Z_OK;
    const char *zmsg = nn_source_error(f->gz, &zerr);
    switch (zerr) {
    case Z_OK:
        return NN_OK;
    case Z_BUF_ERROR:
        return NN_E_TRUNCATED;
    case Z_ERRNO:
        return nn_fail(err, NN_E_IO, "%s: read error: %s", f->name, zlib_msg(zmsg));
    case Z_MEM_ERROR:
        return nn_fail(err, NN_E_NOMEM, "%s: out of memory in zlib", f->name);
    default:
        return nn_fail(err, NN_E_FORMAT, "%s: corrupt gzip data: %s", f->name, zlib_msg(zmsg));
    }
}

/* Reads up to len bytes into buf, at most chunk per gzread; *got is set to
 * the bytes stored. Returns NN_OK (a short *got then means a clean end of
 * file), NN_E_TRUNCATED without a message (a gzip stream cut short), or
 * another error with its message. */
static nn_status read_bytes(idx_file *f, uint8_t *buf, size_t len, size_t chunk, size_t *got,
                            nn_error *err)
{
    *got = 0;
    while (*got < len) {
        size_t want = len - *got < chunk ? len - *got : chunk;
        long r = nn_source_read(f->gz, buf + *got, want);
        if (r < 0)
            return gz_status(f, err);
        *got += (size_t)r;
        if ((size_t)r < want) {
            /* A short read is an end of file or an error: zlib tells which. */
            return gz_status(f, err);
        }
    }
    return NN_OK;
}

/* Suffix for a truncation message: how the data ended. */
static const char *cut_how(nn_status st)
{
    return st == NN_E_TRUNCATED ? " (the gzip stream ends early)" : "";
}

/* Opens path for reading through zlib and finds out whether the bytes after
 * the header can be counted up front (a raw regular file). */
static nn_status open_file(const char *path, idx_file *f, nn_error *err)
{
    memset(f, 0, sizeof *f);
    f->name = display_name(path);
    int is_stdin = strcmp(path, "-") == 0;
    int fd = is_stdin ? dup(STDIN_FILENO) : open(path, O_RDONLY);
    if (fd < 0)
        return nn_fail(err, NN_E_IO, "%s: %s", f->name, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return nn_fail(err, NN_E_IO, "%s: %s", f->name, strerror(e));
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return nn_fail(err, NN_E_IO, "%s: is a directory", f->name);
    }
    off_t start = S_ISREG(st.st_mode) ? lseek(fd, 0, SEEK_CUR) : -1;
    f->gz = nn_source_open(fd, IDX_GZ_BUFFER);
    if (f->gz == NULL) {
        close(fd);
        return nn_fail(err, NN_E_NOMEM, "%s: out of memory opening the file", f->name);
    }
    f->live = !S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode);
    /* nn_source_direct looks at the first bytes: 1 for raw data, 0 for gzip. */
    if (nn_source_direct(f->gz) == 1 && start >= 0 && st.st_size >= start) {
        f->size_known = 1;
        f->payload_avail = (uint64_t)(st.st_size - start);
    }
    return NN_OK;
}

/* Checks the got bytes h of an image (ndims 3) or label (ndims 1) header,
 * read with status st (NN_E_TRUNCATED: the gzip stream ended early), and
 * fills f's dims and sizes; max_bytes caps the payload (0 = no cap). */
static nn_status parse_header(idx_file *f, const uint8_t *h, size_t got, nn_status st,
                              int ndims, uint64_t max_bytes, nn_error *err)
{
    const uint32_t want_magic = ndims == 3 ? NN_IDX_MAGIC_IMAGES : NN_IDX_MAGIC_LABELS;
    const uint32_t other_magic = ndims == 3 ? NN_IDX_MAGIC_LABELS : NN_IDX_MAGIC_IMAGES;
    const char *kind = ndims == 3 ? "IDX images" : "IDX labels";
    const size_t header_len = 4 + 4 * (size_t)ndims;
    if (got == 0)
        return nn_fail(err, NN_E_TRUNCATED, "%s: empty file, expected a %zu-byte %s header%s",
                       f->name, header_len, kind, cut_how(st));
    if (got < 4)
        return nn_fail(err, NN_E_TRUNCATED,
                       "%s: truncated header: %zu bytes, expected %zu (%s)%s", f->name, got,
                       header_len, kind, cut_how(st));

    uint32_t magic = be32(h);
    if (magic != want_magic) {
        if (magic == other_magic)
            return nn_fail(err, NN_E_FORMAT,
                           "%s: bad magic 0x%08x, expected 0x%08x (%s); is this %s?", f->name,
                           magic, want_magic, kind, ndims == 3 ? "a label file" : "an image file");
        if (h[0] == 0 && h[1] == 0 && h[2] != 0x08)
            return nn_fail(err, NN_E_FORMAT,
                           "%s: bad magic 0x%08x, expected 0x%08x (%s): data type 0x%02x, "
                           "only 0x08 (unsigned bytes) is supported",
                           f->name, magic, want_magic, kind, h[2]);
        if (h[0] == 0 && h[1] == 0)
            return nn_fail(err, NN_E_FORMAT,
                           "%s: bad magic 0x%08x, expected 0x%08x (%s): %u dimensions, expected %d",
                           f->name, magic, want_magic, kind, h[3], ndims);
        return nn_fail(err, NN_E_FORMAT, "%s: bad magic 0x%08x, expected 0x%08x (%s)", f->name,
                       magic, want_magic, kind);
    }
    if (got < header_len)
        return nn_fail(err, NN_E_TRUNCATED,
                       "%s: truncated header: %zu bytes, expected %zu (%s)%s", f->name, got,
                       header_len, kind, cut_how(st));

    for (int i = 0; i < ndims; i++)
        f->dims[i] = be32(h + 4 + 4 * i);
    f->elem_size = 1;
    if (ndims == 3) {
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
    const char *items = ndims == 3 ? "images" : "labels";
    if (!mul_u64(f->dims[0], f->elem_size, &f->payload) || f->payload > SIZE_MAX)
        return nn_fail(err, NN_E_TOO_LARGE, "%s: header declares %" PRIu32 " %s of %" PRIu64
                       " bytes: the size overflows", f->name, f->dims[0], items, f->elem_size);
    if (max_bytes != 0 && f->payload > max_bytes)
        return nn_fail(err, NN_E_TOO_LARGE,
                       "%s: header declares %" PRIu32 " %s (%" PRIu64 " bytes), over the limit "
                       "of %" PRIu64 " bytes", f->name, f->dims[0], items, f->payload, max_bytes);
    if (f->size_known)
        f->payload_avail -= header_len;
    return NN_OK;
}

/* Reads and checks the header of an image (ndims 3) or label (ndims 1) file;
 * max_bytes caps the payload (0 = no cap, for the streaming reader). */
static nn_status read_header(idx_file *f, int ndims, uint64_t max_bytes, nn_error *err)
{
    const size_t header_len = 4 + 4 * (size_t)ndims;
    uint8_t h[16];
    size_t got = 0;
    nn_status st = read_bytes(f, h, header_len, header_len, &got, err);
    if (st != NN_OK && st != NN_E_TRUNCATED)
        return st;
    return parse_header(f, h, got, st, ndims, max_bytes, err);
}

/* Fails unless the file ends here (no trailing bytes, a complete gzip
 * stream). */
static nn_status check_end(idx_file *f, const char *items, nn_error *err)
{
    uint8_t probe[1];
    long r = nn_source_read(f->gz, probe, sizeof probe);
    if (r > 0)
        return nn_fail(err, NN_E_FORMAT,
                       "%s: trailing bytes: header declares %" PRIu32 " %s (%" PRIu64
                       " bytes), file has more", f->name, f->dims[0], items, f->payload);
    nn_status st = gz_status(f, err);
    if (st == NN_E_TRUNCATED)
        return nn_fail(err, NN_E_TRUNCATED,
                       "%s: truncated: all %" PRIu32 " %s read, but the gzip stream ends before "
                       "its trailer", f->name, f->dims[0], items);
    return st;
}

static nn_status close_file(idx_file *f, nn_status st, nn_error *err)
{
    if (f->gz == NULL)
        return st;
    int z = nn_source_close(f->gz);
    f->gz = NULL;
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
static nn_status load_payload(idx_file *f, const char *items, uint8_t **out, nn_error *err)
{
    uint8_t *buf = NULL;
    size_t cap = 0, got = 0;
    nn_status st = NN_OK;
    const size_t payload = (size_t)f->payload;

    if (f->size_known) {
        if (f->payload_avail < f->payload)
            return nn_fail(err, NN_E_TRUNCATED,
                           "%s: truncated: header declares %" PRIu32 " %s (%" PRIu64 " bytes), "
                           "file has %" PRIu64 " bytes of %s",
                           f->name, f->dims[0], items, f->payload, f->payload_avail,
                           items[0] == 'l' ? "labels" : "pixels");
        if (f->payload_avail > f->payload)
            return nn_fail(err, NN_E_FORMAT,
                           "%s: %" PRIu64 " trailing bytes: header declares %" PRIu32 " %s (%" PRIu64
                           " bytes), file has %" PRIu64 " bytes of %s",
                           f->name, f->payload_avail - f->payload, f->dims[0], items, f->payload,
                           f->payload_avail, items[0] == 'l' ? "labels" : "pixels");
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
                     f->name, f->dims[0], items, f->payload, got,
                     items[0] == 'l' ? "labels" : "pixels", cut_how(st));
        goto fail;
    }
    st = check_end(f, items, err);
    if (st != NN_OK)
        goto fail;
    *out = buf;
    return NN_OK;
fail:
    free(buf);
    return st;
}

/* The threads the program lets the readers use (nn_idx_set_threads). */
static size_t idx_threads = 1;

void nn_idx_set_threads(size_t threads)
{
    idx_threads = threads > 0 ? threads : 1;
}

/* Threads that inflate a BGZF file: as many as allowed, at most
 * BGZF_THREADS_MAX. */
#define BGZF_THREADS_MAX 8
static size_t bgzf_threads(void)
{
    return idx_threads > BGZF_THREADS_MAX ? BGZF_THREADS_MAX : idx_threads;
}

/* Reads the whole regular file fd of size len into a new buffer; NULL on
 * any failure. */
static uint8_t *read_whole(int fd, size_t len)
{
    uint8_t *buf = malloc(len > 0 ? len : 1);
    size_t got = 0;
    while (buf != NULL && got < len) {
        ssize_t r = read(fd, buf + got, len - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            free(buf);
            return NULL;
        }
        got += (size_t)r;
    }
    return buf;
}

/* The fast way to load a whole BGZF file (see bgzf.h): read the compressed
 * file into memory, check the IDX header from its first member, then inflate
 * the payload with one thread per CPU. Returns 1 with the payload in *out
 * and f describing the file. Returns 0 for any other kind of file or when
 * anything about this one is wrong, so that the caller reads it the ordinary
 * way, one stream on one thread, which words every error the same way
 * whatever the file's layout. */
static int load_bgzf(const char *path, int ndims, uint64_t max_bytes, const nn_labels *expect,
                     idx_file *f, uint8_t **out)
{
    const size_t header_len = 4 + 4 * (size_t)ndims;
    nn_error quiet; /* the ordinary way words the errors */
    int fd = strcmp(path, "-") == 0 ? -1 : open(path, O_RDONLY);
    if (fd < 0)
        return 0;
    struct stat st;
    uint8_t *comp = NULL, *payload = NULL;
    nn_bgzf *bz = NULL;
    int done = 0;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 18 ||
        (uint64_t)st.st_size > max_bytes)
        goto out;
    uint8_t h[18];
    if (pread(fd, h, sizeof h, 0) != (ssize_t)sizeof h || !nn_bgzf_detect(h, sizeof h))
        goto out;
    comp = read_whole(fd, (size_t)st.st_size);
    memset(f, 0, sizeof *f);
    f->name = display_name(path);
    if (comp == NULL ||
        nn_bgzf_index(comp, (size_t)st.st_size, f->name, &bz, &quiet) != NN_OK ||
        nn_bgzf_size(bz) < header_len ||
        nn_bgzf_read(bz, 0, h, header_len, 1, &quiet) != NN_OK ||
        parse_header(f, h, header_len, NN_OK, ndims, max_bytes, &quiet) != NN_OK ||
        (expect != NULL && f->dims[0] != expect->count) ||
        nn_bgzf_size(bz) != header_len + f->payload)
        goto out;
    /* No payload, no buffer, as on the ordinary path; the header's read has
     * checked the members after it. */
    if (f->payload > 0) {
        payload = alloc_payload((size_t)f->payload);
        if (payload == NULL || nn_bgzf_read(bz, header_len, payload, (size_t)f->payload,
                                            bgzf_threads(), &quiet) != NN_OK)
            goto out;
    }
    *out = payload;
    payload = NULL;
    done = 1;
out:
    free(payload);
    nn_bgzf_free(bz);
    free(comp);
    close(fd);
    return done;
}

/* The one wording of "these labels do not go with those images". */
static nn_status count_mismatch(const char *labels_path, size_t n_labels,
                                const char *images_path, size_t n_images, nn_error *err)
{
    return nn_fail(err, NN_E_MISMATCH, "%s: %zu labels, but %s has %zu images",
                   display_name(labels_path), n_labels, display_name(images_path), n_images);
}

/* Loads a whole image (ndims 3) or label (ndims 1) file into a new buffer
 * (NULL when it holds no data): a BGZF file on every CPU, any other one as a
 * single stream. With expect (images only), the header's count must be
 * expect's, checked before the payload is read. On success f describes the
 * file. */
static nn_status load_whole(const char *path, int ndims, uint64_t max_bytes,
                            const nn_labels *expect, const char *expect_path, idx_file *f,
                            uint8_t **out, nn_error *err)
{
    *out = NULL;
    if (max_bytes == 0)
        max_bytes = NN_IDX_DEFAULT_MAX_BYTES;
    if (load_bgzf(path, ndims, max_bytes, expect, f, out))
        return NN_OK;
    nn_status st = open_file(path, f, err);
    if (st != NN_OK)
        return st;
    st = read_header(f, ndims, max_bytes, err);
    if (st == NN_OK && expect != NULL && f->dims[0] != expect->count)
        st = count_mismatch(expect_path, expect->count, path, f->dims[0], err);
    if (st == NN_OK)
        st = load_payload(f, ndims == 3 ? "images" : "labels", out, err);
    st = close_file(f, st, err);
    if (st != NN_OK) {
        free(*out);
        *out = NULL;
    }
    return st;
}

nn_status nn_idx_load_images(const char *path, uint64_t max_bytes, nn_images *out, nn_error *err)
{
    return nn_idx_load_images_for(path, max_bytes, NULL, NULL, out, err);
}

nn_status nn_idx_load_images_for(const char *path, uint64_t max_bytes, const nn_labels *labels,
                                 const char *labels_path, nn_images *out, nn_error *err)
{
    idx_file f;
    uint8_t *pixels = NULL;
    memset(out, 0, sizeof *out);
    nn_status st = load_whole(path, 3, max_bytes, labels, labels_path, &f, &pixels, err);
    if (st != NN_OK)
        return st;
    out->count = f.dims[0];
    out->rows = f.dims[1];
    out->cols = f.dims[2];
    out->pixels = pixels;
    return NN_OK;
}

nn_status nn_idx_load_labels(const char *path, uint64_t max_bytes, nn_labels *out, nn_error *err)
{
    idx_file f;
    uint8_t *labels = NULL;
    memset(out, 0, sizeof *out);
    nn_status st = load_whole(path, 1, max_bytes, NULL, NULL, &f, &labels, err);
    if (st != NN_OK)
        return st;
    out->count = f.dims[0];
    out->labels = labels;
    return NN_OK;
}

void nn_images_free(nn_images *images)
{
    if (images == NULL)
        return;
    free(images->pixels);
    memset(images, 0, sizeof *images);
}

void nn_labels_free(nn_labels *labels)
{
    if (labels == NULL)
        return;
    free(labels->labels);
    memset(labels, 0, sizeof *labels);
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
        nn_status st = check_end(&s->f, "images", err != NULL ? err : &local);
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
    if (st == NN_OK && got < want && nn_source_stalled(s->f.gz))
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
    if (s->f.gz != NULL)
        nn_source_close(s->f.gz);
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

/* nn_idx_stream_open_ahead on the file f that open_file opened (the stream
 * takes it over, whatever the outcome). */
static nn_status stream_start(const char *path, idx_file *f, int read_ahead,
                              nn_idx_stream **out, nn_error *err)
{
    *out = NULL;
    const char *name = display_name(path);
    size_t name_len = strlen(name);
    nn_idx_stream *s = calloc(1, sizeof *s + name_len + 1);
    if (s == NULL) {
        nn_source_close(f->gz);
        return nn_fail(err, NN_E_NOMEM, "%s: out of memory", name);
    }
    memcpy(s->name, name, name_len + 1);
    s->f = *f;
    s->f.name = s->name;
    nn_status st;
    /* No payload cap: the stream never holds more than one caller's buffer. */
    st = read_header(&s->f, 3, 0, err);
    if (st != NN_OK) {
        nn_source_close(s->f.gz);
        free(s);
        return st;
    }
    s->image_size = (size_t)s->f.elem_size;
    if (s->f.live && s->image_size > 0)
        nn_source_set_live(s->f.gz, s->image_size);
    if (read_ahead && s->image_size > 0 && s->f.dims[0] > 0)
        start_read_ahead(s);
    *out = s;
    return NN_OK;
}

nn_status nn_idx_stream_open_ahead(const char *path, int read_ahead, nn_idx_stream **out,
                                   nn_error *err)
{
    idx_file f;
    *out = NULL;
    nn_status st = open_file(path, &f, err);
    if (st != NN_OK)
        return st;
    return stream_start(path, &f, read_ahead, out, err);
}

static int many_cpus(void)
{
    return idx_threads > 1;
}

nn_status nn_idx_stream_open(const char *path, nn_idx_stream **out, nn_error *err)
{
    return nn_idx_stream_open_ahead(path, many_cpus(), out, err);
}

/* Reads the rest of f after the n bytes of head into one buffer of at most
 * max bytes: sized once for a raw regular file, grown as data arrives for
 * gzip and pipes (so a file costs at most twice what it holds). */
static nn_status read_rest(idx_file *f, const uint8_t *head, size_t n, uint64_t max,
                           uint8_t **data, size_t *len, nn_error *err)
{
    size_t cap = IDX_GROW_START, got = n;
    if (f->size_known) {
        if (f->payload_avail > max)
            return nn_fail(err, NN_E_TOO_LARGE, "%s: file of %" PRIu64 " bytes is over the "
                           "limit of %" PRIu64 " bytes", f->name, f->payload_avail, max);
        cap = (size_t)f->payload_avail + 1; /* + 1: the read that finds the end */
    }
    cap = cap < n + 1 ? n + 1 : cap;
    uint8_t *buf = malloc(cap);
    if (buf == NULL)
        return nn_fail(err, NN_E_NOMEM, "%s: out of memory", f->name);
    memcpy(buf, head, n);
    for (;;) {
        if (got == cap) {
            if ((uint64_t)cap >= max) {
                free(buf);
                return nn_fail(err, NN_E_TOO_LARGE, "%s: file is over the limit of %" PRIu64
                               " bytes", f->name, max);
            }
            size_t grown = (uint64_t)cap * 2 > max ? (size_t)max + 1 : cap * 2;
            uint8_t *b = realloc(buf, grown);
            if (b == NULL) {
                free(buf);
                return nn_fail(err, NN_E_NOMEM, "%s: out of memory", f->name);
            }
            buf = b;
            cap = grown;
        }
        size_t want = cap - got < IDX_READ_CHUNK ? cap - got : IDX_READ_CHUNK;
        long r = nn_source_read(f->gz, buf + got, want);
        if (r > 0)
            got += (size_t)r;
        if (r < 0 || (size_t)r < want) {
            nn_status st = gz_status(f, err);
            if (st == NN_E_TRUNCATED)
                st = nn_fail(err, NN_E_TRUNCATED, "%s: the gzip stream ends early", f->name);
            if (st != NN_OK) {
                free(buf);
                return st;
            }
            if (r >= 0)
                break;
        }
    }
    *data = buf;
    *len = got;
    return NN_OK;
}

nn_status nn_idx_stream_open_or_read(const char *path,
                                     int (*other)(const uint8_t *head, size_t n),
                                     uint64_t max_other, nn_idx_stream **stream,
                                     uint8_t **data, size_t *len, nn_error *err)
{
    idx_file f;
    uint8_t head[NN_IDX_PEEK_BYTES];
    size_t n = 0;
    *stream = NULL;
    *data = NULL;
    *len = 0;
    nn_status st = open_file(path, &f, err);
    if (st != NN_OK)
        return st;
    st = read_bytes(&f, head, sizeof head, sizeof head, &n, err);
    if (st != NN_OK && st != NN_E_TRUNCATED) {
        nn_source_close(f.gz);
        return st;
    }
    if (st == NN_OK && other(head, n)) {
        st = read_rest(&f, head, n, max_other == 0 ? NN_IDX_DEFAULT_MAX_BYTES : max_other, data,
                       len, err);
        nn_source_close(f.gz);
        return st;
    }
    /* Not claimed: give the bytes back and read the file as IDX. zlib keeps
     * pushed-back bytes in its output buffer, which holds far more than 16. */
    for (size_t i = n; i > 0; i--)
        if (nn_source_ungetc(head[i - 1], f.gz) < 0) {
            nn_source_close(f.gz);
            return nn_fail(err, NN_E_IO, "%s: cannot rewind the first bytes", f.name);
        }
    return stream_start(path, &f, many_cpus(), stream, err);
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
         * may wait on a pipe indefinitely: it is left to finish and free the
         * stream itself. */
        pthread_mutex_lock(&s->lock);
        s->closing = 1;
        pthread_cond_broadcast(&s->changed);
        int orphan = s->reading;
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
