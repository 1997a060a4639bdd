/* gateway.c - from a path to the reader of what the file holds (see
 * gateway.h). The first bytes are read through nn_source, so gzip is undone
 * before they are looked at, then pushed back for the chosen reader. */
#include "nnclass/io/gateway.h"

#include "nnclass/io/source.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

/* The input buffer of a descriptor's source. */
#define GATEWAY_SOURCE_BUFFER (128u * 1024u)

/* Bytes looked at: an IDX header, more than any image signature. */
#define GATEWAY_PEEK 16

/* Opens path (a duplicate of standard input for "-") into *fd; *live says
 * whether it is a pipe, terminal or socket, whose input may stall. */
static nn_status open_path(const char *path, const char *name, int *fd, int *live,
                           nn_error *err)
{
    struct stat st;
    *fd = strcmp(path, "-") == 0 ? dup(STDIN_FILENO) : open(path, O_RDONLY);
    if (*fd < 0)
        return nn_fail(err, NN_E_IO, "%s: %s", name, strerror(errno));
    if (fstat(*fd, &st) != 0) {
        int e = errno;
        close(*fd);
        return nn_fail(err, NN_E_IO, "%s: %s", name, strerror(e));
    }
    if (S_ISDIR(st.st_mode)) {
        close(*fd);
        return nn_fail(err, NN_E_IO, "%s: is a directory", name);
    }
    *live = !S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode);
    return NN_OK;
}

/* Reads up to GATEWAY_PEEK first bytes into head (*n of them) and pushes
 * them back, so that the reader chosen sees the file from its start. */
static nn_status peek_head(nn_source *src, const char *name, uint8_t *head, size_t *n,
                           nn_error *err)
{
    int code = Z_OK;
    long r = nn_source_read(src, head, GATEWAY_PEEK);
    const char *msg = nn_source_error(src, &code);
    if (r < 0 && code == Z_ERRNO)
        return nn_fail(err, NN_E_IO, "%s: read error: %s", name, msg);
    if (r < 0 && code == Z_MEM_ERROR)
        return nn_fail(err, NN_E_NOMEM, "%s: out of memory in zlib", name);
    if (r < 0)
        return nn_fail(err, NN_E_FORMAT, "%s: corrupt gzip data: %s", name, msg);
    if (r == 0 && code == Z_BUF_ERROR)
        return nn_fail(err, NN_E_TRUNCATED, "%s: truncated: the gzip stream ends early", name);
    *n = (size_t)r;
    for (size_t i = *n; i > 0; i--)
        if (nn_source_ungetc(head[i - 1], src) < 0)
            return nn_fail(err, NN_E_IO, "%s: cannot push back the first bytes", name);
    return NN_OK;
}

nn_status nn_gateway_open(const char *path, uint64_t max_image_bytes, uint64_t max_pixels,
                          nn_gateway_file *out, nn_error *err)
{
    const char *name = strcmp(path, "-") == 0 ? "(standard input)" : path;
    int fd = -1, live = 0;
    memset(out, 0, sizeof *out);
    nn_status st = open_path(path, name, &fd, &live, err);
    if (st != NN_OK)
        return st;
    return nn_gateway_open_fd(fd, name, live, max_image_bytes, max_pixels, out, err);
}

nn_status nn_gateway_open_fd(int fd, const char *name, int live, uint64_t max_image_bytes,
                             uint64_t max_pixels, nn_gateway_file *out, nn_error *err)
{
    uint8_t head[GATEWAY_PEEK];
    size_t n = 0;
    memset(out, 0, sizeof *out);
    nn_source *src = nn_source_open(fd, GATEWAY_SOURCE_BUFFER);
    if (src == NULL) {
        close(fd);
        return nn_fail(err, NN_E_NOMEM, "%s: out of memory opening the file", name);
    }
    nn_status st = peek_head(src, name, head, &n, err);
    if (st == NN_OK && n == 0)
        st = nn_fail(err, NN_E_TRUNCATED, "%s: empty file, expected a PNG, JPEG, PGM/PPM or "
                     "IDX file", name);
    if (st != NN_OK) {
        nn_source_close(src);
        return st;
    }
    /* IDX magics start 00 00: such a file gets the IDX reader's messages. */
    if (head[0] == 0 && (n < 2 || head[1] == 0))
        return nn_idx_stream_open_source(src, name, live, &out->idx, err);
    if (nn_image_sniff(head, n) != NN_IMAGE_UNKNOWN)
        return nn_image_stream_open(src, name, max_image_bytes, max_pixels, &out->images, err);
    nn_source_close(src);
    return nn_fail(err, NN_E_FORMAT, "%s: not a PNG, JPEG, PGM/PPM or IDX file", name);
}

void nn_gateway_close(nn_gateway_file *f)
{
    if (f == NULL)
        return;
    nn_idx_stream_close(f->idx);
    nn_image_stream_close(f->images);
    memset(f, 0, sizeof *f);
}
