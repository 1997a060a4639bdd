/* source.c - raw or gzip bytes of a file descriptor or of memory (see
 * source.h).
 *
 *   fd --read()--> in[] --inflate (gzip) or copy (raw)--> caller's buffer
 *   memory ------------^  (the caller's bytes stand in for in[]: no copy)
 *
 * Every read() is a single call, so a pipe gives what it holds without
 * waiting for a full buffer; reading loops until the caller's length is
 * met, the data ends, an error, or (live) the input stalls. */
#include "nnclass/io/source.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

enum { MODE_UNKNOWN, MODE_RAW, MODE_GZIP };

#define BACK_MAX 64

struct nn_source {
    int fd;              /* -1 for bytes in memory */
    int mode;
    z_stream z;          /* next_in / avail_in: the unread part of in[], raw mode too */
    int z_ready;         /* inflateInit2 done */
    int member_done;     /* gzip: a member ended; the next bytes start another or end */
    uint8_t *in;         /* NULL for bytes in memory */
    size_t in_size;
    size_t mem_left;     /* memory: bytes after next_in + avail_in not yet in view */
    uint64_t total_read; /* bytes read from fd (or put in view) so far */
    int eof;             /* read() returned 0 */
    int err;             /* Z_OK or the error */
    char msg[160];
    uint8_t back[BACK_MAX];
    size_t n_back;
    size_t granule;      /* live: may stop at multiples of this */
    int stalled;
    int out_full;        /* gzip: the last inflate filled its output */
};

nn_source *nn_source_open(int fd, size_t buffer_size)
{
    nn_source *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->in_size = buffer_size > 16 ? buffer_size : 16;
    s->in = malloc(s->in_size);
    if (s->in == NULL) {
        free(s);
        return NULL;
    }
    s->fd = fd;
    s->z.next_in = s->in;
    return s;
}

nn_source *nn_source_open_memory(const uint8_t *data, size_t len)
{
    nn_source *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->fd = -1;
    /* zlib never writes through next_in. */
    s->z.next_in = (uint8_t *)(uintptr_t)data;
    s->mem_left = len;
    return s;
}

static void set_error(nn_source *s, int code, const char *msg)
{
    if (s->err != Z_OK)
        return;
    s->err = code;
    snprintf(s->msg, sizeof s->msg, "%s", msg);
}

/* Bytes in memory: the next ones come into view (as many as avail_in can
 * count); 0 at the end. */
static int fill_memory(nn_source *s)
{
    size_t room = UINT_MAX - s->z.avail_in;
    size_t n = s->mem_left < room ? s->mem_left : room;
    if (n == 0) {
        s->eof = 1;
        return 0;
    }
    s->z.avail_in += (unsigned)n;
    s->mem_left -= n;
    s->total_read += n;
    return 1;
}

/* One read() appended after the unread input; 0 at the end, -1 on error. */
static int fill(nn_source *s)
{
    if (s->fd < 0)
        return fill_memory(s);
    if (s->z.avail_in > 0 && s->z.next_in != s->in)
        memmove(s->in, s->z.next_in, s->z.avail_in);
    s->z.next_in = s->in;
    size_t room = s->in_size - s->z.avail_in;
    if (room == 0)
        return 1;
    for (;;) {
        ssize_t r = read(s->fd, s->in + s->z.avail_in, room);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            set_error(s, Z_ERRNO, strerror(errno));
            return -1;
        }
        if (r == 0) {
            s->eof = 1;
            return 0;
        }
        s->z.avail_in += (unsigned)r;
        s->total_read += (uint64_t)r;
        return 1;
    }
}

/* Decides raw or gzip from the first two bytes, as zlib does. */
static void detect(nn_source *s)
{
    while (s->z.avail_in < 2 && !s->eof && s->err == Z_OK)
        fill(s);
    if (s->z.avail_in >= 2 && s->z.next_in[0] == 0x1f && s->z.next_in[1] == 0x8b) {
        if (inflateInit2(&s->z, 15 + 16) != Z_OK) {
            set_error(s, Z_MEM_ERROR, "out of memory");
            return;
        }
        s->z_ready = 1;
        s->mode = MODE_GZIP;
    } else {
        s->mode = MODE_RAW;
    }
}

int nn_source_direct(nn_source *s)
{
    if (s->mode == MODE_UNKNOWN)
        detect(s);
    return s->mode != MODE_GZIP;
}

/* Nothing can be read now without waiting: no input left, none in the
 * descriptor (inflate has no output pending once its input is used up). */
static int input_stalled(nn_source *s)
{
    if (s->z.avail_in > 0 || s->out_full || s->eof || s->n_back > 0 || s->fd < 0)
        return 0;
    struct pollfd p = {s->fd, POLLIN, 0};
    return poll(&p, 1, 0) == 0;
}

/* Live, in the middle of a granule: read no further than its end, so that
 * a stall is noticed there, at a whole image. */
static size_t to_edge(const nn_source *s, size_t got, size_t want)
{
    if (s->granule == 0 || got % s->granule == 0)
        return want;
    size_t edge = s->granule - got % s->granule;
    return want < edge ? want : edge;
}

/* The gzip path of a read: inflate into buf until len bytes or an end. */
static size_t read_gzip(nn_source *s, uint8_t *buf, size_t len, size_t got)
{
    while (got < len && s->err == Z_OK) {
        if (s->granule > 0 && got > 0 && got % s->granule == 0 && input_stalled(s)) {
            s->stalled = 1;
            break;
        }
        if (s->member_done) {
            /* Another member, the end of the file, or bytes that are neither. */
            if (s->z.avail_in < 2 && !s->eof) {
                fill(s);
                continue;
            }
            if (s->z.avail_in == 0)
                break; /* a clean end after the last member */
            if (s->z.avail_in >= 2 && s->z.next_in[0] == 0x1f && s->z.next_in[1] == 0x8b) {
                inflateReset(&s->z);
                s->member_done = 0;
                continue;
            }
            char m[128];
            snprintf(m, sizeof m, "trailing bytes at offset %" PRIu64 ", after the last gzip "
                     "member", s->total_read - s->z.avail_in);
            set_error(s, Z_DATA_ERROR, m);
            break;
        }
        /* inflate may hold output (the rest of a match) when it last
         * stopped on a full buffer: ask it before reading more input. */
        if (s->z.avail_in == 0 && !s->out_full) {
            if (s->eof) {
                set_error(s, Z_BUF_ERROR, "unexpected end of file");
                break;
            }
            fill(s);
            continue;
        }
        size_t want = len - got < (size_t)1 << 30 ? len - got : (size_t)1 << 30;
        want = to_edge(s, got, want);
        s->z.next_out = buf + got;
        s->z.avail_out = (unsigned)want;
        int ret = inflate(&s->z, Z_NO_FLUSH);
        got += want - s->z.avail_out;
        s->out_full = s->z.avail_out == 0;
        if (ret == Z_STREAM_END) {
            s->member_done = 1;
        } else if (ret == Z_NEED_DICT || ret == Z_DATA_ERROR || ret == Z_STREAM_ERROR) {
            set_error(s, Z_DATA_ERROR, s->z.msg != NULL ? s->z.msg : "corrupt data");
        } else if (ret == Z_MEM_ERROR) {
            set_error(s, Z_MEM_ERROR, "out of memory");
        }
        /* Z_OK, or Z_BUF_ERROR (no progress without more input): go on. */
    }
    return got;
}

/* The raw path: what is buffered, then reads straight into buf. */
static size_t read_raw(nn_source *s, uint8_t *buf, size_t len, size_t got)
{
    while (got < len && s->err == Z_OK) {
        if (s->granule > 0 && got % s->granule == 0 && got > 0 && input_stalled(s)) {
            s->stalled = 1;
            break;
        }
        if (s->z.avail_in > 0) {
            size_t n = len - got < s->z.avail_in ? len - got : s->z.avail_in;
            memcpy(buf + got, s->z.next_in, n);
            s->z.next_in += n;
            s->z.avail_in -= (unsigned)n;
            got += n;
            continue;
        }
        if (s->eof)
            break;
        if (s->fd < 0) {
            fill_memory(s);
            continue;
        }
        size_t want = len - got < (size_t)SSIZE_MAX ? len - got : (size_t)SSIZE_MAX;
        ssize_t r = read(s->fd, buf + got, to_edge(s, got, want));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            set_error(s, Z_ERRNO, strerror(errno));
            break;
        }
        if (r == 0)
            s->eof = 1;
        got += (size_t)r;
        s->total_read += (uint64_t)r;
    }
    return got;
}

long nn_source_read(nn_source *s, uint8_t *buf, size_t len)
{
    size_t got = 0;
    s->stalled = 0;
    if (s->err != Z_OK && s->err != Z_BUF_ERROR)
        return -1;
    while (got < len && s->n_back > 0)
        buf[got++] = s->back[--s->n_back];
    if (s->mode == MODE_UNKNOWN)
        detect(s);
    if (s->err == Z_OK && got < len)
        got = s->mode == MODE_GZIP ? read_gzip(s, buf, len, got) : read_raw(s, buf, len, got);
    if (got == 0 && s->err != Z_OK && s->err != Z_BUF_ERROR)
        return -1;
    return (long)got;
}

const char *nn_source_error(const nn_source *s, int *code)
{
    *code = s->err;
    return s->err == Z_OK ? "" : s->msg;
}

void nn_source_set_live(nn_source *s, size_t granule)
{
    s->granule = granule;
}

int nn_source_stalled(const nn_source *s)
{
    return s->stalled;
}

int nn_source_ungetc(int c, nn_source *s)
{
    if (c < 0 || s->n_back == BACK_MAX)
        return -1;
    s->back[s->n_back++] = (uint8_t)c;
    return c;
}

int nn_source_close(nn_source *s)
{
    if (s == NULL)
        return 0;
    if (s->z_ready)
        inflateEnd(&s->z);
    int rc = s->fd >= 0 ? close(s->fd) : 0;
    free(s->in);
    free(s);
    return rc == 0 ? 0 : -1;
}
