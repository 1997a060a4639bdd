/* pnm.c - a small, bounded reader of Netpbm grey and colour maps:
 *
 *   P2 (PGM, text)   P5 (PGM, binary)   P3 (PPM, text)   P6 (PPM, binary)
 *
 * The header is magic, width, height and maxval as decimal numbers between
 * white space and '#' comments; binary samples follow one white-space byte,
 * one byte each when maxval < 256, two (big-endian) otherwise. The sizes are
 * checked against the pixel cap and against the bytes the file really holds
 * before the one allocation, so a header can never claim more memory than
 * its payload backs. Bytes after the first image are not looked at: where
 * an image ends in a stream of several is imagestream.c's business.
 */
#include "nnclass/io/pnm.h"

#include <string.h>

typedef struct {
    const uint8_t *p;
    const uint8_t *end;
    const char *name;
} pnm_reader;

static int is_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Skips white space and comments (from '#' to the end of the line). */
static void skip_space(pnm_reader *r)
{
    while (r->p < r->end) {
        if (is_space(*r->p)) {
            r->p++;
        } else if (*r->p == '#') {
            while (r->p < r->end && *r->p != '\n' && *r->p != '\r')
                r->p++;
        } else {
            break;
        }
    }
}

/* Reads a decimal number of at most 9 digits (so it fits in 32 bits).
 * NN_E_TRUNCATED at the end of the data, NN_E_FORMAT for anything else. */
static nn_status read_number(pnm_reader *r, const char *what, uint32_t *out, nn_error *err)
{
    skip_space(r);
    if (r->p == r->end)
        return nn_fail(err, NN_E_TRUNCATED, "%s: truncated PGM/PPM: the file ends before the %s",
                       r->name, what);
    uint32_t v = 0;
    int digits = 0;
    while (r->p < r->end && *r->p >= '0' && *r->p <= '9') {
        if (++digits > 9)
            return nn_fail(err, NN_E_FORMAT, "%s: PGM/PPM %s has more than 9 digits", r->name,
                           what);
        v = v * 10 + (uint32_t)(*r->p++ - '0');
    }
    if (digits == 0)
        return nn_fail(err, NN_E_FORMAT, "%s: PGM/PPM %s: expected a number, found byte 0x%02x",
                       r->name, what, *r->p);
    if (r->p < r->end && !is_space(*r->p) && *r->p != '#')
        return nn_fail(err, NN_E_FORMAT, "%s: PGM/PPM %s: unexpected byte 0x%02x after %u",
                       r->name, what, *r->p, v);
    *out = v;
    return NN_OK;
}

/* Scales a sample of 0..maxval to 0..255, rounding to nearest. */
static uint8_t scale_sample(uint32_t v, uint32_t maxval)
{
    return (uint8_t)((v * 255u + maxval / 2) / maxval);
}

/* The next sample of a binary payload whose length was checked. */
static uint32_t binary_sample(pnm_reader *r, int wide)
{
    uint32_t v = *r->p++;
    if (wide)
        v = v << 8 | *r->p++;
    return v;
}

/* What the header says. */
typedef struct {
    uint32_t width, height, maxval;
    int binary;   /* P5, P6 */
    int channels; /* 1 grey (P2, P5), 3 colour (P3, P6) */
    int wide;     /* binary samples of two bytes */
} pnm_header;

/* The magic, then width, height and maxval, each within its range. */
static nn_status read_header(pnm_reader *r, uint64_t max_pixels, pnm_header *h, nn_error *err)
{
    const char *name = r->name;
    if (r->end - r->p < 2 || r->p[0] != 'P')
        return nn_fail(err, NN_E_FORMAT, "%s: not a PGM or PPM file", name);
    char kind = (char)r->p[1];
    if (kind != '2' && kind != '3' && kind != '5' && kind != '6')
        return nn_fail(err, NN_E_FORMAT,
                       "%s: Netpbm type P%c is not supported (expected P2, P3, P5 or P6)", name,
                       kind >= '!' && kind <= '~' ? kind : '?');
    r->p += 2;
    if (r->p < r->end && !is_space(*r->p) && *r->p != '#')
        return nn_fail(err, NN_E_FORMAT, "%s: not a PGM or PPM file", name);
    nn_status st;
    if ((st = read_number(r, "width", &h->width, err)) != NN_OK ||
        (st = read_number(r, "height", &h->height, err)) != NN_OK ||
        (st = read_number(r, "maxval", &h->maxval, err)) != NN_OK)
        return st;
    if (h->maxval == 0 || h->maxval > 65535)
        return nn_fail(err, NN_E_FORMAT, "%s: PGM/PPM maxval %u is out of range (1 to 65535)",
                       name, h->maxval);
    h->binary = kind == '5' || kind == '6';
    h->channels = kind == '3' || kind == '6' ? 3 : 1;
    h->wide = h->maxval > 255;
    if (h->width == 0 || h->height == 0)
        return nn_fail(err, NN_E_FORMAT, "%s: PGM/PPM image of %ux%u pixels is empty", name,
                       h->width, h->height);
    if ((uint64_t)h->width * h->height > max_pixels)
        return nn_fail(err, NN_E_TOO_LARGE,
                       "%s: image of %ux%u pixels is over the limit of %.1f Mpixel", name,
                       h->width, h->height, (double)max_pixels / (1 << 20));
    return NN_OK;
}

/* The bytes after the header can hold the samples it announces (binary:
 * exactly one white-space byte, then the samples, skipped past here). */
static nn_status check_payload(pnm_reader *r, const pnm_header *h, nn_error *err)
{
    /* Both below 2^32 and their product below the cap: no overflow below. */
    uint64_t samples = (uint64_t)h->width * h->height * (uint64_t)h->channels;
    if (!h->binary) {
        /* A text sample takes at least a separator and a digit. */
        uint64_t have = (uint64_t)(r->end - r->p);
        if (have < 2 * samples)
            return nn_fail(err, NN_E_TRUNCATED,
                           "%s: truncated PGM/PPM: %ux%u pixels cannot fit in the %llu bytes "
                           "left",
                           r->name, h->width, h->height, (unsigned long long)have);
        return NN_OK;
    }
    if (r->p == r->end)
        return nn_fail(err, NN_E_TRUNCATED, "%s: truncated PGM/PPM: no pixel data", r->name);
    r->p++;
    uint64_t need = samples * (h->wide ? 2u : 1u);
    uint64_t have = (uint64_t)(r->end - r->p);
    if (have < need)
        return nn_fail(err, NN_E_TRUNCATED,
                       "%s: truncated PGM/PPM: %ux%u pixels need %llu bytes, the file has "
                       "%llu",
                       r->name, h->width, h->height, (unsigned long long)need,
                       (unsigned long long)have);
    return NN_OK;
}

/* Pixel i's grey value from its one or three samples. */
static nn_status read_pixel(pnm_reader *r, const pnm_header *h, size_t i, uint8_t *out,
                            nn_error *err)
{
    uint32_t v[3];
    for (int c = 0; c < h->channels; c++) {
        if (h->binary) {
            v[c] = binary_sample(r, h->wide);
        } else {
            nn_status st = read_number(r, "sample", &v[c], err);
            if (st != NN_OK)
                return st;
        }
        if (v[c] > h->maxval)
            return nn_fail(err, NN_E_FORMAT,
                           "%s: PGM/PPM sample %u at pixel %zu is over maxval %u", r->name,
                           v[c], i, h->maxval);
    }
    *out = h->channels == 1 ? scale_sample(v[0], h->maxval)
                            : nn_grey_of_rgb(scale_sample(v[0], h->maxval),
                                   scale_sample(v[1], h->maxval),
                                   scale_sample(v[2], h->maxval));
    return NN_OK;
}

nn_status nn_pnm_decode(const uint8_t *data, size_t len, uint64_t max_pixels,
                        const char *name, nn_grey *out, nn_error *err)
{
    pnm_reader r = {data, data + len, name};
    pnm_header h = {0, 0, 0, 0, 0, 0};
    memset(out, 0, sizeof *out);
    if (max_pixels == 0)
        max_pixels = NN_IMAGE_DEFAULT_MAX_PIXELS;
    nn_status st = read_header(&r, max_pixels, &h, err);
    if (st == NN_OK)
        st = check_payload(&r, &h, err);
    if (st == NN_OK)
        st = nn_grey_alloc(h.width, h.height, max_pixels, name, out, err);
    size_t n = (size_t)h.width * h.height;
    for (size_t i = 0; st == NN_OK && i < n; i++)
        st = read_pixel(&r, &h, i, &out->pixels[i], err);
    if (st != NN_OK)
        nn_grey_free(out);
    return st;
}
