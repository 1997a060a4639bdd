/* imagestream.c - telling image formats apart, and reading encoded images
 * one after another from one stream (see imagestream.h).
 *
 * The bytes read sit in one buffer: the image being read from its start,
 * sometimes followed by the first bytes of the next (reads take what the
 * input already holds, never waiting for more than the image needs). Where
 * the image ends is found from its own structure:
 *
 *   PNG      signature, then chunks (length, type, data, CRC) up to IEND
 *   JPEG     SOI, then marker segments (length-prefixed); after each SOS
 *            the entropy-coded data runs to the next marker that is not a
 *            stuffed 0xff00 or a restart marker; EOI ends the image
 *   PGM/PPM  the header's width, height and maxval give the binary raster's
 *            size; a text raster ends with its width x height (x 3) numbers
 *
 * The decoder then reads exactly those bytes. When the structure cannot be
 * followed (the data ends, a field is absurd), the decoder is given what
 * there is, so that the message is the decoder's own, and the stream stops.
 */
#include "nnclass/io/imagestream.h"

#include "nnclass/io/pnm.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

/* --- formats -------------------------------------------------------------------- */

nn_image_format nn_image_sniff(const uint8_t *head, size_t n)
{
    static const uint8_t png_magic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (head == NULL)
        return NN_IMAGE_UNKNOWN;
    if (n >= 8 && memcmp(head, png_magic, 8) == 0)
        return NN_IMAGE_PNG;
    /* SOI then the first marker's FF. */
    if (n >= 3 && head[0] == 0xff && head[1] == 0xd8 && head[2] == 0xff)
        return NN_IMAGE_JPEG;
    /* P1..P7 then white space: the Netpbm family (pnm.c says which it reads). */
    if (n >= 3 && head[0] == 'P' && head[1] >= '1' && head[1] <= '7' &&
        (head[2] == ' ' || head[2] == '\t' || head[2] == '\n' || head[2] == '\r' ||
         head[2] == '#'))
        return NN_IMAGE_PNM;
    return NN_IMAGE_UNKNOWN;
}

const char *nn_image_format_name(nn_image_format format)
{
    static const char *const names[] = {
        [NN_IMAGE_UNKNOWN] = "unknown",
        [NN_IMAGE_PNG] = "PNG",
        [NN_IMAGE_JPEG] = "JPEG",
        [NN_IMAGE_PNM] = "PGM/PPM",
    };
    return (unsigned)format < sizeof names / sizeof names[0] ? names[format] : "unknown";
}

nn_status nn_image_decode(const uint8_t *data, size_t len, uint64_t max_pixels,
                          const char *name, nn_grey *out, nn_error *err)
{
    memset(out, 0, sizeof *out);
    switch (nn_image_sniff(data, len)) {
    case NN_IMAGE_PNG: return nn_png_decode(data, len, max_pixels, name, out, err);
    case NN_IMAGE_JPEG: return nn_jpeg_decode(data, len, max_pixels, name, out, err);
    case NN_IMAGE_PNM: return nn_pnm_decode(data, len, max_pixels, name, out, err);
    case NN_IMAGE_UNKNOWN: break;
    }
    return nn_fail(err, NN_E_FORMAT, "%s: not a PNG, JPEG, PGM or PPM image", name);
}

/* --- the bytes of one image ------------------------------------------------------ */

/* Bytes asked of the source per read: what it already holds, up to this. */
#define READ_CHUNK ((size_t)64 * 1024)

/* Default cap on one encoded image: 1 GiB (a 64-Mpixel photo as PNG or PPM
 * is far less). */
#define DEFAULT_MAX_BYTES ((uint64_t)1 << 30)

typedef struct {
    nn_source *src;
    uint8_t *data;      /* the image from its first byte, maybe more */
    size_t len, cap;
    size_t pos;         /* how far the image's structure has been followed */
    uint64_t max_bytes; /* cap on one image */
    const char *name;   /* what messages call the image */
} cursor;

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* The source's state after it gave fewer bytes than asked: NN_DONE (no
 * message) at a clean end of the data, else an error with its message. */
static nn_status source_end(const cursor *c, nn_error *err)
{
    int code = Z_OK;
    const char *msg = nn_source_error(c->src, &code);
    switch (code) {
    case Z_OK:
        return NN_DONE;
    case Z_BUF_ERROR:
        return nn_fail(err, NN_E_TRUNCATED, "%s: truncated: the gzip stream ends early",
                       c->name);
    case Z_ERRNO:
        return nn_fail(err, NN_E_IO, "%s: read error: %s", c->name, msg);
    case Z_MEM_ERROR:
        return nn_fail(err, NN_E_NOMEM, "%s: out of memory in zlib", c->name);
    default:
        return nn_fail(err, NN_E_FORMAT, "%s: corrupt gzip data: %s", c->name, msg);
    }
}

/* Reallocates the buffer to cap bytes. */
static nn_status grow(cursor *c, size_t cap, nn_error *err)
{
    uint8_t *p = realloc(c->data, cap);
    if (p == NULL)
        return nn_fail(err, NN_E_NOMEM, "%s: out of memory for %zu bytes", c->name, cap);
    c->data = p;
    c->cap = cap;
    return NN_OK;
}

/* Makes the k bytes from pos on available in the buffer. NN_OK; NN_DONE
 * (no message) when the data ends first; NN_E_TOO_LARGE past the cap; or a
 * read error. The buffer grows as data arrives, at most doubling, so that a
 * header cannot make it allocate much more than the input holds. */
static nn_status need(cursor *c, uint64_t k, nn_error *err)
{
    if (c->len - c->pos >= k)
        return NN_OK;
    if (k > c->max_bytes || c->pos > c->max_bytes - k)
        return nn_fail(err, NN_E_TOO_LARGE, "%s: image of more than %" PRIu64 " bytes, over "
                       "the limit", c->name, c->max_bytes);
    const size_t target = c->pos + (size_t)k;
    while (c->len < target) {
        if (c->cap - c->len < READ_CHUNK && c->cap < target + READ_CHUNK) {
            size_t cap = c->cap * 2 > c->len + READ_CHUNK ? c->cap * 2 : c->len + READ_CHUNK;
            nn_status st = grow(c, cap < target + READ_CHUNK ? cap : target + READ_CHUNK, err);
            if (st != NN_OK)
                return st;
        }
        /* A chunk, not just what is missing: the source (set live) returns
         * what it holds without waiting for the rest. */
        size_t room = c->cap - c->len;
        long r = nn_source_read(c->src, c->data + c->len, room);
        if (r < 0)
            return source_end(c, err);
        c->len += (size_t)r;
        if ((size_t)r < room && !nn_source_stalled(c->src) && c->len < target)
            return source_end(c, err); /* the end of the data, or an error */
    }
    return NN_OK;
}

/* The byte at pos, or -1 at the end of the data (*st NN_OK) or an error. */
static int peek(cursor *c, nn_status *st, nn_error *err)
{
    *st = need(c, 1, err);
    if (*st == NN_DONE)
        *st = NN_OK;
    return *st == NN_OK && c->pos < c->len ? c->data[c->pos] : -1;
}

/* PNG: chunks after the signature, up to and with IEND. */
static nn_status png_end(cursor *c, nn_error *err)
{
    c->pos = 8;
    for (;;) {
        nn_status st = need(c, 8, err);
        if (st != NN_OK)
            return st;
        uint32_t n = be32(c->data + c->pos);
        int iend = memcmp(c->data + c->pos + 4, "IEND", 4) == 0;
        if (n > 0x7fffffffu)
            return nn_fail(err, NN_E_FORMAT, "%s: corrupt PNG: chunk of %" PRIu32 " bytes",
                           c->name, n);
        c->pos += 8;
        st = need(c, (uint64_t)n + 4, err); /* data and CRC */
        if (st != NN_OK)
            return st;
        c->pos += (size_t)n + 4;
        if (iend)
            return NN_OK;
    }
}

/* JPEG entropy-coded data after an SOS segment: up to the next marker
 * (pos is left at its 0xff). */
static nn_status jpeg_scan(cursor *c, nn_error *err)
{
    for (;;) {
        nn_status st = need(c, 1, err);
        if (st != NN_OK)
            return st;
        const uint8_t *end = c->data + c->len;
        const uint8_t *ff = memchr(c->data + c->pos, 0xff, (size_t)(end - c->data - c->pos));
        if (ff == NULL) {
            c->pos = c->len;
            continue;
        }
        c->pos = (size_t)(ff - c->data);
        if ((st = need(c, 2, err)) != NN_OK)
            return st;
        uint8_t b = c->data[c->pos + 1];
        if (b == 0x00 || (b >= 0xd0 && b <= 0xd7))
            c->pos += 2; /* a stuffed 0xff, or a restart marker */
        else if (b == 0xff)
            c->pos += 1; /* fill bytes before a marker */
        else
            return NN_OK;
    }
}

/* JPEG: marker segments after SOI, up to and with EOI. */
static nn_status jpeg_end(cursor *c, nn_error *err)
{
    c->pos = 2;
    for (;;) {
        nn_status st = need(c, 2, err);
        if (st != NN_OK)
            return st;
        if (c->data[c->pos] != 0xff)
            return nn_fail(err, NN_E_FORMAT, "%s: corrupt JPEG: byte 0x%02x where a marker "
                           "should be", c->name, c->data[c->pos]);
        uint8_t m = c->data[c->pos + 1];
        c->pos += 1; /* a fill byte, or the marker's 0xff */
        if (m == 0xff)
            continue;
        c->pos += 1;
        if (m == 0xd9)
            return NN_OK;
        if (m == 0x01 || (m >= 0xd0 && m <= 0xd7))
            continue; /* markers without a segment */
        if (m == 0x00 || m == 0xd8)
            return nn_fail(err, NN_E_FORMAT, "%s: corrupt JPEG: marker 0x%02x out of place",
                           c->name, m);
        if ((st = need(c, 2, err)) != NN_OK)
            return st;
        size_t n = (size_t)c->data[c->pos] << 8 | c->data[c->pos + 1];
        if (n < 2)
            return nn_fail(err, NN_E_FORMAT, "%s: corrupt JPEG: segment of %zu bytes",
                           c->name, n);
        if ((st = need(c, n, err)) != NN_OK)
            return st;
        c->pos += n;
        if (m == 0xda && (st = jpeg_scan(c, err)) != NN_OK)
            return st;
    }
}

static int is_space(int b)
{
    return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\v' || b == '\f';
}

/* A PGM/PPM header field or text sample: white space and comments, then at
 * most 9 digits, ended by a byte that is not a digit or by the end of data. */
static nn_status pnm_number(cursor *c, uint32_t *out, nn_error *err)
{
    nn_status st;
    int b;
    while ((b = peek(c, &st, err)) >= 0 && (is_space(b) || b == '#')) {
        if (b == '#')
            while ((b = peek(c, &st, err)) >= 0 && b != '\n' && b != '\r')
                c->pos++;
        else
            c->pos++;
    }
    if (st != NN_OK)
        return st;
    if (b < 0)
        return NN_DONE;
    uint32_t v = 0;
    int digits = 0;
    while ((b = peek(c, &st, err)) >= '0' && b <= '9' && digits < 10) {
        v = v * 10 + (uint32_t)(b - '0');
        digits++;
        c->pos++;
    }
    if (st != NN_OK)
        return st;
    if (digits == 0 || digits > 9)
        return nn_fail(err, NN_E_FORMAT, "%s: corrupt PGM/PPM: bad number", c->name);
    *out = v;
    return NN_OK;
}

/* PGM/PPM: the header, then the binary raster it sizes or its text samples. */
static nn_status pnm_end(cursor *c, uint64_t max_pixels, nn_error *err)
{
    uint8_t kind = c->data[1];
    uint32_t w = 0, h = 0, maxval = 0;
    nn_status st;
    c->pos = 2;
    if (kind != '2' && kind != '3' && kind != '5' && kind != '6')
        return nn_fail(err, NN_E_FORMAT, "%s: unsupported Netpbm type", c->name);
    if ((st = pnm_number(c, &w, err)) != NN_OK || (st = pnm_number(c, &h, err)) != NN_OK ||
        (st = pnm_number(c, &maxval, err)) != NN_OK)
        return st;
    if (w == 0 || h == 0 || maxval == 0 || maxval > 65535 || (uint64_t)w * h > max_pixels)
        return nn_fail(err, NN_E_FORMAT, "%s: bad PGM/PPM header", c->name);
    uint64_t samples = (uint64_t)w * h * (kind == '3' || kind == '6' ? 3u : 1u);
    if (kind == '5' || kind == '6') {
        /* One white-space byte, then the raster. */
        if ((st = need(c, 1, err)) != NN_OK)
            return st;
        c->pos++;
        if ((st = need(c, samples * (maxval > 255 ? 2u : 1u), err)) != NN_OK)
            return st;
        c->pos += (size_t)(samples * (maxval > 255 ? 2u : 1u));
        return NN_OK;
    }
    for (uint64_t i = 0; i < samples; i++) {
        uint32_t v;
        if ((st = pnm_number(c, &v, err)) != NN_OK)
            return st;
    }
    return NN_OK;
}

/* --- the stream -------------------------------------------------------------------- */

struct nn_image_stream {
    cursor c;
    uint64_t max_pixels;
    size_t count;       /* images returned */
    uint64_t offset;    /* bytes of the input before c.data[0] */
    int after_text;     /* the last image was a text PGM/PPM */
    nn_status failed;   /* a sticky error, or NN_OK */
    nn_error err;
    char *label;        /* the name, or "name: image K" after the first image */
    size_t label_cap;
    char name[];
};

nn_status nn_image_stream_open(nn_source *src, const char *name, uint64_t max_bytes,
                               uint64_t max_pixels, nn_image_stream **out, nn_error *err)
{
    size_t n = strlen(name);
    nn_image_stream *s = calloc(1, sizeof *s + n + 1);
    char *label = malloc(n + 32);
    *out = NULL;
    if (s == NULL || label == NULL) {
        free(s);
        free(label);
        nn_source_close(src);
        return nn_fail(err, NN_E_NOMEM, "%s: out of memory", name);
    }
    memcpy(s->name, name, n + 1);
    s->label = label;
    s->label_cap = n + 32;
    s->c.src = src;
    s->c.max_bytes = max_bytes != 0 ? max_bytes : DEFAULT_MAX_BYTES;
    s->c.name = s->label;
    s->max_pixels = max_pixels != 0 ? max_pixels : NN_IMAGE_DEFAULT_MAX_PIXELS;
    /* Reads return what the input holds (at least a byte) instead of waiting
     * to fill the chunk: the next image's bytes may not exist yet. */
    nn_source_set_live(src, 1);
    *out = s;
    return NN_OK;
}

/* Drops the bytes of the image before (the first pos of the buffer). */
static void drop_image(nn_image_stream *s)
{
    cursor *c = &s->c;
    if (c->pos == 0)
        return; /* nothing read yet (data may still be NULL) */
    memmove(c->data, c->data + c->pos, c->len - c->pos);
    c->len -= c->pos;
    s->offset += c->pos;
    c->pos = 0;
}

/* Brings the first bytes of the next image into the buffer: NN_OK, NN_DONE
 * at the end of the data, or an error. */
static nn_status next_head(nn_image_stream *s, nn_error *err)
{
    cursor *c = &s->c;
    nn_status st = NN_OK;
    int b;
    /* White space may end a text raster, or stand between text images. */
    while (s->after_text && (b = peek(c, &st, err)) >= 0 && is_space(b))
        c->pos++;
    if (s->after_text && st != NN_OK)
        return st;
    drop_image(s);
    st = need(c, NN_IMAGE_SNIFF_BYTES, err);
    if (st == NN_DONE && c->len > 0)
        st = NN_OK;
    return st;
}

/* Where the image of format f that starts the buffer ends (c->pos). */
static nn_status find_end(nn_image_stream *s, nn_image_format f, nn_error *err)
{
    switch (f) {
    case NN_IMAGE_PNG: return png_end(&s->c, err);
    case NN_IMAGE_JPEG: return jpeg_end(&s->c, err);
    case NN_IMAGE_PNM: return pnm_end(&s->c, s->max_pixels, err);
    case NN_IMAGE_UNKNOWN: break;
    }
    return NN_E_FORMAT;
}

static nn_status read_next(nn_image_stream *s, nn_grey *out, nn_error *err)
{
    cursor *c = &s->c;
    nn_status st = next_head(s, err);
    if (st != NN_OK)
        return st;
    if (s->count == 0)
        snprintf(s->label, s->label_cap, "%s", s->name);
    else
        snprintf(s->label, s->label_cap, "%s: image %zu", s->name, s->count);
    nn_image_format f = nn_image_sniff(c->data, c->len);
    if (f == NN_IMAGE_UNKNOWN && s->count == 0)
        return nn_fail(err, NN_E_FORMAT, "%s: not a PNG, JPEG, PGM/PPM or IDX file", s->name);
    if (f == NN_IMAGE_UNKNOWN)
        return nn_fail(err, NN_E_FORMAT, "%s: trailing bytes at offset %" PRIu64 ", after %zu "
                       "images: not a PNG, JPEG or PGM/PPM image", s->name, s->offset,
                       s->count);
    st = find_end(s, f, err);
    if (st == NN_DONE)
        st = nn_fail(err, NN_E_TRUNCATED, "%s: truncated %s: the data ends inside the image",
                     s->label, nn_image_format_name(f));
    if (st == NN_E_FORMAT || st == NN_E_TRUNCATED) {
        /* The decoder's own message says best what is wrong, when it finds it. */
        nn_error dec = {{0}};
        nn_status d = nn_image_decode(c->data, c->len, s->max_pixels, s->label, out, &dec);
        if (d == NN_OK) {
            nn_grey_free(out);
            return st;
        }
        if (err != NULL)
            *err = dec;
        return d;
    }
    if (st != NN_OK)
        return st;
    st = nn_image_decode(c->data, c->pos, s->max_pixels, s->label, out, err);
    s->after_text = f == NN_IMAGE_PNM && (c->data[1] == '2' || c->data[1] == '3');
    if (st == NN_OK)
        s->count++;
    return st;
}

nn_status nn_image_stream_next(nn_image_stream *s, nn_grey *out, nn_error *err)
{
    memset(out, 0, sizeof *out);
    if (s->failed != NN_OK) {
        if (err != NULL)
            *err = s->err;
        return s->failed;
    }
    nn_error local = {{0}};
    nn_error *e = err != NULL ? err : &local;
    nn_status st = read_next(s, out, e);
    if (st < 0) {
        s->failed = st;
        s->err = *e;
    }
    return st;
}

size_t nn_image_stream_count(const nn_image_stream *s)
{
    return s->count;
}

void nn_image_stream_close(nn_image_stream *s)
{
    if (s == NULL)
        return;
    nn_source_close(s->c.src);
    free(s->c.data);
    free(s->label);
    free(s);
}
