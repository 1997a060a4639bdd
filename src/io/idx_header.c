/* idx_header.c - the start of every IDX reader: opening an input (a path, a
 * descriptor or memory) and reading and checking its header.
 *
 * Every input is read through nn_source (source.h), which inflates gzip (any
 * number of concatenated members) and passes raw bytes through unchanged, on
 * the caller's thread. The header is checked field by field before anything
 * is allocated:
 *
 *   magic    00 00 08 03 (images: count, rows, cols) or 00 00 08 01 (labels)
 *   dims     big-endian uint32, one per dimension
 *   payload  count * rows * cols bytes (images) or count bytes (labels)
 *
 * The whole-file loaders (idx.c) and the streaming reader (idx_stream.c)
 * read the payload that follows.
 */
#include "nnclass/io/idx.h"

#include "idx_internal.h"
#include "nnclass/io/source.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

/* The input buffer of a descriptor's source (memory needs none). */
#define IDX_SOURCE_BUFFER (128u * 1024u)

const idx_kind IDX_IMAGES = {NN_IDX_MAGIC_IMAGES, NN_IDX_MAGIC_LABELS, 3, "IDX images",
                             "images", "pixels", "a label file"};
const idx_kind IDX_LABELS = {NN_IDX_MAGIC_LABELS, NN_IDX_MAGIC_IMAGES, 1, "IDX labels",
                             "labels", "labels", "an image file"};

const char *nn_idx_display_name(const char *path)
{
    if (path == NULL)
        return "(unnamed)";
    return strcmp(path, "-") == 0 ? "(standard input)" : path;
}

nn_idx_input nn_idx_path(const char *path)
{
    return (nn_idx_input){.kind = INPUT_PATH, .path = path, .fd = -1,
                          .name = nn_idx_display_name(path)};
}

nn_idx_input nn_idx_fd(int fd, const char *name)
{
    return (nn_idx_input){.kind = INPUT_FD, .fd = fd, .name = nn_idx_display_name(name)};
}

nn_idx_input nn_idx_memory(const uint8_t *data, size_t len, const char *name)
{
    return (nn_idx_input){.kind = INPUT_MEMORY, .fd = -1, .data = data, .len = len,
                          .name = nn_idx_display_name(name)};
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
nn_status nn_idx_read_bytes(idx_file *f, uint8_t *buf, size_t len, size_t chunk, size_t *got,
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
const char *nn_idx_cut_how(nn_status st)
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
nn_status nn_idx_open_file(nn_idx_input in, idx_file *f, nn_error *err)
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
                       f->name, header_len(k), k->what, nn_idx_cut_how(st));
    return nn_fail(err, NN_E_TRUNCATED, "%s: truncated header: %zu bytes, expected %zu (%s)%s",
                   f->name, got, header_len(k), k->what, nn_idx_cut_how(st));
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
nn_status nn_idx_read_header(idx_file *f, const idx_kind *k, uint64_t max_bytes, nn_error *err)
{
    uint8_t h[16];
    size_t got = 0;
    nn_status st = nn_idx_read_bytes(f, h, header_len(k), header_len(k), &got, err);
    if (st != NN_OK && st != NN_E_TRUNCATED)
        return st;
    return parse_header(f, k, h, got, st, max_bytes, err);
}

/* Fails unless the file ends here (no trailing bytes, a complete gzip
 * stream). */
nn_status nn_idx_check_end(idx_file *f, nn_error *err)
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
