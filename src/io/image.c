/* image.c - grey images, and decoding PNG (libpng's simplified API) and
 * JPEG (libjpeg-turbo) into them. The PGM/PPM parser, which is nnclass's
 * own, is in pnm.c; telling the formats apart is in imagestream.c. */
#include "nnclass/io/image.h"

#include <setjmp.h>
#include <stdio.h> /* jpeglib.h needs FILE */
#include <stdlib.h>
#include <string.h>

#include <libdeflate.h>
#include <jpeglib.h>
#include <jerror.h> /* message codes: JWRN_JPEG_EOF */
#include <png.h>

#include "grey_row_internal.h"
#include "png_unfilter_internal.h"

/* --- grey images ------------------------------------------------------------- */

/* nn_grey_of_rgb, inlined in the decoders' row loops. Luma, and for a pale
 * tint a step from luma towards its brightest channel, weighted by how far
 * the chroma is past TINT_CHROMA and the darkest channel past TINT_LIGHT
 * (each weight capped): a weight of 0 leaves luma. Without branches, so that
 * a row of mixed colours does not stall on them. */
static inline uint8_t grey_of_rgb(unsigned r, unsigned g, unsigned b)
{
    unsigned hi = r > g ? r : g, lo = r < g ? r : g;
    hi = b > hi ? b : hi;
    lo = b < lo ? b : lo;
    unsigned y = (299u * r + 587u * g + 114u * b + 500u) / 1000u;
    unsigned up = hi > y ? hi - y : 0;
    unsigned wc = hi - lo > TINT_CHROMA ? hi - lo - TINT_CHROMA : 0;
    unsigned wl = lo > TINT_LIGHT ? lo - TINT_LIGHT : 0;
    wc = wc < 2 * TINT_CHROMA ? wc : 2 * TINT_CHROMA;
    wl = wl < TINT_LIGHT ? wl : TINT_LIGHT;
    return (uint8_t)(y + up * wc * wl / (2 * TINT_CHROMA * TINT_LIGHT));
}

uint8_t nn_grey_of_rgb(unsigned r, unsigned g, unsigned b)
{
    return grey_of_rgb(r, g, b);
}

nn_status nn_grey_alloc(size_t width, size_t height, uint64_t max_pixels, const char *name,
                        nn_grey *out, nn_error *err)
{
    memset(out, 0, sizeof *out);
    if (max_pixels == 0)
        max_pixels = NN_IMAGE_DEFAULT_MAX_PIXELS;
    if (width == 0 || height == 0)
        return nn_fail(err, NN_E_FORMAT, "%s: image of %zux%zu pixels is empty", name, width,
                       height);
    /* Both sides are below 2^32 for every caller, so the product fits. */
    if ((uint64_t)width > UINT32_MAX || (uint64_t)height > UINT32_MAX ||
        (uint64_t)width * height > max_pixels)
        return nn_fail(err, NN_E_TOO_LARGE,
                       "%s: image of %zux%zu pixels is over the limit of %.1f Mpixel", name,
                       width, height, (double)max_pixels / (1 << 20));
    out->pixels = malloc(width * height);
    if (out->pixels == NULL)
        return nn_fail(err, NN_E_NOMEM, "%s: out of memory for a %zux%zu image", name, width,
                       height);
    out->width = width;
    out->height = height;
    return NN_OK;
}

void nn_grey_free(nn_grey *img)
{
    if (img != NULL) {
        free(img->pixels);
        *img = (nn_grey){0};
    }
}

/* --- PNG ----------------------------------------------------------------------- */

/* libpng's simplified API reports failures as text; a file that ends early
 * says so in one of these ways. */
static nn_status png_status(const char *msg)
{
    static const char *const cut[] = {"end of data", "Not enough image data", "truncated",
                                      "Read Error", "unexpected end"};
    for (size_t i = 0; i < sizeof cut / sizeof cut[0]; i++)
        if (strstr(msg, cut[i]) != NULL)
            return NN_E_TRUNCATED;
    return NN_E_FORMAT;
}

/* One row of libpng's 8-bit output in `format` (grey, grey + alpha, RGB or
 * RGBA) to grey, alpha composited on white paper. Done here with integer
 * luma (nn_grey_of_rgb) rather than by libpng, whose colour-to-grey
 * conversion goes through linear light per pixel and takes ten times longer
 * than decoding. */
static void png_row_to_grey(const uint8_t *in, size_t width, uint32_t format, uint8_t *out)
{
    switch (format & (PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_ALPHA)) {
    case PNG_FORMAT_FLAG_COLOR: nn_grey_row(in, width, 3, out); return;
    case PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_ALPHA: nn_grey_row(in, width, 4, out); return;
    case PNG_FORMAT_FLAG_ALPHA:
        for (size_t x = 0; x < width; x++, in += 2)
            out[x] = nn_over_white(in[0], in[1]);
        return;
    default: memcpy(out, in, width);
    }
}

/* --- PNG: the common case, without libpng ------------------------------------- */

/* An 8-bit grey, grey + alpha, RGB or RGBA file, not interlaced, with nothing
 * that changes its pixels (palette, transparency key, gamma other than
 * sRGB's, colour profile, significant bits), is what cameras, scanners and
 * drawing programs write. It is inflated here in one call to libdeflate and
 * unfiltered here: twice as fast as libpng, whose inflate and unfiltering
 * were most of the time of reading a photo. The pixels are the same as
 * libpng's. Anything else, and any damage, goes to libpng (for its checks
 * and messages). */

typedef struct {
    uint32_t width, height;
    unsigned channels;           /* 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA */
    const uint8_t *idat;         /* the zlib stream when in one IDAT chunk */
    size_t idat_len, idat_count; /* total IDAT bytes and chunks */
} png_plain;

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Whether an ancillary chunk leaves the pixels as they are stored. */
static int png_chunk_harmless(const uint8_t *type, const uint8_t *body, uint32_t n)
{
    if (memcmp(type, "gAMA", 4) == 0) /* sRGB's 1/2.2 only */
        return n == 4 && be32(body) == 45455;
    return memcmp(type, "tRNS", 4) != 0 && memcmp(type, "iCCP", 4) != 0 &&
           memcmp(type, "sBIT", 4) != 0;
}

/* Walks the chunks (CRCs checked) and fills *p; 0 when the file is not one
 * this path reads. */
static int png_plain_parse(const uint8_t *data, size_t len, png_plain *p)
{
    static const uint8_t magic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    static const unsigned channels[7] = {1, 0, 3, 0, 2, 0, 4}; /* by colour type */
    memset(p, 0, sizeof *p);
    if (len < 8 + 25 || memcmp(data, magic, 8) != 0 || memcmp(data + 12, "IHDR", 4) != 0 ||
        be32(data + 8) != 13)
        return 0;
    const uint8_t *h = data + 16;
    p->width = be32(h);
    p->height = be32(h + 4);
    if (p->width == 0 || p->height == 0 || p->width > INT32_MAX || p->height > INT32_MAX ||
        h[8] != 8 || h[9] > 6 || channels[h[9]] == 0 || h[10] != 0 || h[11] != 0 || h[12] != 0)
        return 0;
    p->channels = channels[h[9]];
    for (size_t pos = 8; len - pos >= 12;) {
        uint32_t n = be32(data + pos);
        const uint8_t *type = data + pos + 4, *body = type + 4;
        if (n > len - pos - 12 || libdeflate_crc32(0, type, (size_t)n + 4) != be32(body + n))
            return 0;
        if (memcmp(type, "IEND", 4) == 0)
            return p->idat_count > 0;
        if (memcmp(type, "IDAT", 4) == 0) {
            p->idat = p->idat_count == 0 ? body : NULL;
            p->idat_len += n;
            p->idat_count++;
        } else if ((type[0] & 0x20) == 0 ? memcmp(type, "IHDR", 4) != 0 || pos != 8
                                          : !png_chunk_harmless(type, body, n)) {
            return 0; /* PLTE or another critical chunk, or pixels changed */
        }
        pos += (size_t)n + 12;
    }
    return 0; /* no IEND: cut short */
}

/* The file as grey in *out when this path reads it: 1; else 0, *out empty. */
static int png_decode_plain(const uint8_t *data, size_t len, uint64_t max_pixels, nn_grey *out)
{
    png_plain p;
    if (!png_plain_parse(data, len, &p) ||
        (uint64_t)p.width * p.height > (max_pixels ? max_pixels : NN_IMAGE_DEFAULT_MAX_PIXELS))
        return 0;
    size_t stride = (size_t)p.width * p.channels, raw_len = (stride + 1) * p.height;
    uint8_t *raw = malloc(raw_len), *zero = calloc(stride, 1), *joined = NULL;
    const uint8_t *z = p.idat;
    if (z == NULL && raw != NULL) { /* several IDAT chunks: their data end to end */
        joined = malloc(p.idat_len);
        size_t at = 0;
        for (size_t pos = 8; joined != NULL && at < p.idat_len; pos += be32(data + pos) + 12)
            if (memcmp(data + pos + 4, "IDAT", 4) == 0) {
                memcpy(joined + at, data + pos + 8, be32(data + pos));
                at += be32(data + pos);
            }
        z = joined;
    }
    struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
    nn_error ignored;
    int ok = raw != NULL && zero != NULL && z != NULL && d != NULL &&
             libdeflate_zlib_decompress(d, z, p.idat_len, raw, raw_len, NULL) ==
                 LIBDEFLATE_SUCCESS &&
             nn_grey_alloc(p.width, p.height, max_pixels, "png", out, &ignored) == NN_OK;
    uint32_t format = (p.channels >= 3 ? PNG_FORMAT_FLAG_COLOR : 0) |
                      (p.channels % 2 == 0 ? PNG_FORMAT_FLAG_ALPHA : 0);
    for (size_t y = 0, done; ok && y < p.height; y += done) {
        uint8_t *row = raw + y * (stride + 1);
        done = nn_png_unfilter_rows(row, y > 0 ? row - stride : zero, stride, p.channels,
                                    p.height - y);
        ok = done > 0;
        for (size_t k = 0; k < done; k++)
            png_row_to_grey(row + k * (stride + 1) + 1, p.width, format,
                            out->pixels + (y + k) * p.width);
    }
    if (!ok)
        nn_grey_free(out);
    libdeflate_free_decompressor(d);
    free(raw);
    free(zero);
    free(joined);
    return ok;
}

nn_status nn_png_decode(const uint8_t *data, size_t len, uint64_t max_pixels,
                        const char *name, nn_grey *out, nn_error *err)
{
    png_image img;
    nn_status st;
    uint8_t *rgba = NULL;
    memset(out, 0, sizeof *out);
    if (png_decode_plain(data, len, max_pixels, out))
        return NN_OK;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    /* The header (IHDR) only: nothing of the pixels is read or allocated yet. */
    if (!png_image_begin_read_from_memory(&img, data, len)) {
        st = png_status(img.message);
        nn_fail(err, st, "%s: %s PNG: %s", name,
                st == NN_E_TRUNCATED ? "truncated" : "corrupt", img.message);
        goto fail;
    }
    st = nn_grey_alloc(img.width, img.height, max_pixels, name, out, err);
    if (st != NN_OK)
        goto fail;
    /* A 16-bit file without gAMA or sRGB is sRGB-encoded like an 8-bit one, as
     * scanners and image tools write it and viewers show it; libpng would
     * otherwise take it as linear light and lift its greys towards white. */
    img.flags |= PNG_IMAGE_FLAG_16BIT_sRGB;
    /* Any colour type and depth to 8 bits per channel, keeping colour and
     * alpha when the file has them (a palette becomes RGB or RGBA). */
    uint32_t format = img.format & (PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_ALPHA);
    img.format = format;
    size_t channels = PNG_IMAGE_SAMPLE_CHANNELS(format);
    if (format == PNG_FORMAT_GRAY) {
        if (!png_image_finish_read(&img, NULL, out->pixels, (png_int_32)img.width, NULL))
            goto png_fail;
        return NN_OK;
    }
    rgba = malloc((size_t)img.width * img.height * channels);
    if (rgba == NULL) {
        st = nn_fail(err, NN_E_NOMEM, "%s: out of memory for a %ux%u image", name, img.width,
                     img.height);
        goto fail;
    }
    if (!png_image_finish_read(&img, NULL, rgba, (png_int_32)(img.width * channels), NULL))
        goto png_fail;
    for (size_t y = 0; y < out->height; y++)
        png_row_to_grey(rgba + y * out->width * channels, out->width, format,
                        out->pixels + y * out->width);
    free(rgba);
    return NN_OK;
png_fail:
    st = png_status(img.message);
    nn_fail(err, st, "%s: %s PNG: %s", name, st == NN_E_TRUNCATED ? "truncated" : "corrupt",
            img.message);
fail:
    png_image_free(&img);
    free(rgba);
    nn_grey_free(out);
    return st;
}

/* --- JPEG ---------------------------------------------------------------------- */

/* Most scans a progressive JPEG may have: real files have about ten; a file
 * with thousands is a way to make decoding slow, not an image. */
#define JPEG_MAX_SCANS 500

/* Memory libjpeg may use for a whole-image coefficient buffer (progressive
 * files), beyond which it fails instead of allocating more. */
#define JPEG_MAX_MEMORY ((long)1 << 30)

typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
    int warning_code; /* the first warning's code, or 0 */
    char warning[JMSG_LENGTH_MAX];
} jpeg_errors;

/* libjpeg calls this on a fatal error; it must not return. */
static void jpeg_on_error(j_common_ptr cinfo)
{
    jpeg_errors *e = (jpeg_errors *)cinfo->err;
    e->pub.format_message(cinfo, e->message);
    longjmp(e->jump, 1);
}

/* Warnings (level -1) are kept, not printed: corrupt data makes libjpeg warn
 * and carry on with made-up pixels, which nnclass treats as an error. */
static void jpeg_on_message(j_common_ptr cinfo, int level)
{
    jpeg_errors *e = (jpeg_errors *)cinfo->err;
    if (level == -1 && e->warning_code == 0) {
        e->warning_code = e->pub.msg_code;
        e->pub.format_message(cinfo, e->warning);
    }
    if (level == -1)
        e->pub.num_warnings++;
}

static void jpeg_on_progress(j_common_ptr cinfo)
{
    j_decompress_ptr d = (j_decompress_ptr)cinfo;
    if (cinfo->is_decompressor && d->input_scan_number > JPEG_MAX_SCANS) {
        jpeg_errors *e = (jpeg_errors *)cinfo->err;
        snprintf(e->message, sizeof e->message, "more than %d scans", JPEG_MAX_SCANS);
        longjmp(e->jump, 1);
    }
}

/* One scanline of libjpeg's output (grey, or 4-channel CMYK) to grey. Adobe
 * writes CMYK inverted (0 = full ink), the form nearly every CMYK JPEG has. */
static void cmyk_to_grey(const JSAMPLE *in, size_t width, int inverted, uint8_t *out)
{
    for (size_t x = 0; x < width; x++) {
        unsigned c = in[4 * x], m = in[4 * x + 1], y = in[4 * x + 2], k = in[4 * x + 3];
        if (!inverted) {
            c = 255 - c;
            m = 255 - m;
            y = 255 - y;
            k = 255 - k;
        }
        unsigned r = c * k / 255, g = m * k / 255, b = y * k / 255;
        out[x] = (uint8_t)((299 * r + 587 * g + 114 * b + 500) / 1000);
    }
}

/* One scanline of YCbCr to grey: Y, the luma, where the colour is too faint
 * to be a tint (|Cb| + |Cr| <= 7 keeps every difference between R, G and B
 * under TINT_CHROMA), else nn_grey_of_rgb of its RGB (JFIF's conversion). */
static void ycc_to_grey(const JSAMPLE *in, size_t width, uint8_t *out)
{
    for (size_t x = 0; x < width; x++, in += 3) {
        int y = in[0], cb = in[1] - 128, cr = in[2] - 128;
        if (abs(cb) + abs(cr) <= 7) {
            out[x] = (uint8_t)y;
            continue;
        }
        /* R = Y + 1.402 Cr, G = Y - 0.344136 Cb - 0.714136 Cr, B = Y + 1.772 Cb */
        int r = y + (91881 * cr + 32768) / 65536;
        int g = y - (22554 * cb + 46802 * cr - 32768) / 65536;
        int b = y + (116130 * cb + 32768) / 65536;
        r = r < 0 ? 0 : r > 255 ? 255 : r;
        g = g < 0 ? 0 : g > 255 ? 255 : g;
        b = b < 0 ? 0 : b > 255 ? 255 : b;
        out[x] = grey_of_rgb((unsigned)r, (unsigned)g, (unsigned)b);
    }
}

/* Reads the header into cinfo: a file without an image, or whose header is
 * cut short, is an error. */
static nn_status read_jpeg_header(struct jpeg_decompress_struct *cinfo, const jpeg_errors *jerr,
                                  const char *name, nn_error *err)
{
    if (jpeg_read_header(cinfo, TRUE) != JPEG_HEADER_OK)
        return nn_fail(err, NN_E_FORMAT, "%s: JPEG without an image", name);
    if (jerr->warning_code == JWRN_JPEG_EOF)
        return nn_fail(err, NN_E_TRUNCATED, "%s: truncated JPEG: the header ends early", name);
    return NN_OK;
}

/* Decodes every scanline into out's pixels, through row (one line of
 * colour) when cmyk, rgb or ycc. */
static void read_scanlines(struct jpeg_decompress_struct *cinfo, JSAMPLE *row, int cmyk,
                           int rgb, int ycc, nn_grey *out)
{
    while (cinfo->output_scanline < cinfo->output_height) {
        uint8_t *dst = out->pixels + (size_t)cinfo->output_scanline * out->width;
        JSAMPROW rows[1] = {cmyk || rgb || ycc ? row : dst};
        if (jpeg_read_scanlines(cinfo, rows, 1) != 1)
            break;
        if (cmyk)
            cmyk_to_grey(row, out->width, cinfo->saw_Adobe_marker, dst);
        for (size_t x = 0; rgb && x < out->width; x++)
            dst[x] = grey_of_rgb(row[3 * x], row[3 * x + 1], row[3 * x + 2]);
        if (ycc)
            ycc_to_grey(row, out->width, dst);
    }
}

/* libjpeg pads a cut file with grey and warns: the pixels are made up. */
static nn_status check_warnings(const jpeg_errors *jerr, const char *name, nn_error *err)
{
    if (jerr->warning_code == 0)
        return NN_OK;
    nn_status st = jerr->warning_code == JWRN_JPEG_EOF ? NN_E_TRUNCATED : NN_E_FORMAT;
    return nn_fail(err, st, "%s: %s JPEG: %s", name,
                   st == NN_E_TRUNCATED ? "truncated" : "corrupt", jerr->warning);
}

nn_status nn_jpeg_decode(const uint8_t *data, size_t len, uint64_t max_pixels,
                         const char *name, nn_grey *out, nn_error *err)
{
    /* volatile: these change between setjmp and a longjmp back to it. */
    struct jpeg_decompress_struct cinfo;
    jpeg_errors jerr;
    struct jpeg_progress_mgr progress;
    JSAMPLE *volatile row = NULL;
    volatile nn_status st = NN_OK;
    memset(out, 0, sizeof *out);
    memset(&jerr, 0, sizeof jerr);
    cinfo.err = jpeg_std_error(&jerr.pub);
    jerr.pub.error_exit = jpeg_on_error;
    jerr.pub.emit_message = jpeg_on_message;
    if (setjmp(jerr.jump) != 0) {
        st = NN_E_FORMAT;
        nn_fail(err, st, "%s: corrupt JPEG: %s", name, jerr.message);
        goto done;
    }
    jpeg_create_decompress(&cinfo);
    cinfo.mem->max_memory_to_use = JPEG_MAX_MEMORY;
    progress.progress_monitor = jpeg_on_progress;
    cinfo.progress = &progress;
    jpeg_mem_src(&cinfo, data, (unsigned long)len);
    st = read_jpeg_header(&cinfo, &jerr, name, err);
    if (st != NN_OK)
        goto done;
    int cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
    /* Colour is decoded as YCbCr (as stored: no conversion), for the pale
     * tints to be told (see ycc_to_grey); RGB files as RGB. */
    int ycc = !cmyk && cinfo.jpeg_color_space == JCS_YCbCr;
    int rgb = !cmyk && !ycc && cinfo.num_components == 3;
    cinfo.out_color_space = cmyk ? JCS_CMYK : ycc ? JCS_YCbCr : rgb ? JCS_RGB : JCS_GRAYSCALE;
    st = nn_grey_alloc(cinfo.image_width, cinfo.image_height, max_pixels, name, out, err);
    if (st != NN_OK)
        goto done;
    jpeg_start_decompress(&cinfo);
    if (cmyk || rgb || ycc) {
        row = malloc((size_t)cinfo.output_width * 4);
        if (row == NULL) {
            st = nn_fail(err, NN_E_NOMEM, "%s: out of memory", name);
            goto done;
        }
    }
    read_scanlines(&cinfo, row, cmyk, rgb, ycc, out);
    st = check_warnings(&jerr, name, err);
    if (st != NN_OK)
        goto done;
    jpeg_finish_decompress(&cinfo);
done:
    jpeg_destroy_decompress(&cinfo);
    free(row);
    if (st != NN_OK)
        nn_grey_free(out);
    return st;
}
