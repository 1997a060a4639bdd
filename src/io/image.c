/* image.c - grey images, and decoding PNG (libpng's simplified API) and
 * JPEG (libjpeg-turbo) into them. The PGM/PPM parser, which is nnclass's
 * own, is in pnm.c; telling the formats apart is in imagestream.c. */
#include "nnclass/io/image.h"

#include <setjmp.h>
#include <stdio.h> /* jpeglib.h needs FILE */
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h> /* message codes: JWRN_JPEG_EOF */
#include <png.h>

/* --- grey images ------------------------------------------------------------- */

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
 * luma rather than by libpng, whose colour-to-grey conversion goes through
 * linear light per pixel and takes ten times longer than decoding. */
static void png_row_to_grey(const uint8_t *in, size_t width, uint32_t format, uint8_t *out)
{
    int colour = (format & PNG_FORMAT_FLAG_COLOR) != 0;
    int alpha = (format & PNG_FORMAT_FLAG_ALPHA) != 0;
    size_t step = (colour ? 3u : 1u) + (alpha ? 1u : 0u);
    for (size_t x = 0; x < width; x++, in += step) {
        unsigned v = colour ? (299u * in[0] + 587u * in[1] + 114u * in[2] + 500u) / 1000u
                            : in[0];
        if (alpha) {
            unsigned a = in[step - 1];
            v = (v * a + 255u * (255u - a) + 127u) / 255u;
        }
        out[x] = (uint8_t)v;
    }
}

nn_status nn_png_decode(const uint8_t *data, size_t len, uint64_t max_pixels,
                        const char *name, nn_grey *out, nn_error *err)
{
    png_image img;
    nn_status st;
    uint8_t *rgba = NULL;
    memset(out, 0, sizeof *out);
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

/* Decodes every scanline into out's pixels, through row (one CMYK line)
 * when cmyk. */
static void read_scanlines(struct jpeg_decompress_struct *cinfo, JSAMPLE *row, int cmyk,
                           nn_grey *out)
{
    while (cinfo->output_scanline < cinfo->output_height) {
        uint8_t *dst = out->pixels + (size_t)cinfo->output_scanline * out->width;
        JSAMPROW rows[1] = {cmyk ? row : dst};
        if (jpeg_read_scanlines(cinfo, rows, 1) != 1)
            break;
        if (cmyk)
            cmyk_to_grey(row, out->width, cinfo->saw_Adobe_marker, dst);
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
    cinfo.out_color_space = cmyk ? JCS_CMYK : JCS_GRAYSCALE;
    st = nn_grey_alloc(cinfo.image_width, cinfo.image_height, max_pixels, name, out, err);
    if (st != NN_OK)
        goto done;
    jpeg_start_decompress(&cinfo);
    if (cmyk) {
        row = malloc((size_t)cinfo.output_width * 4);
        if (row == NULL) {
            st = nn_fail(err, NN_E_NOMEM, "%s: out of memory", name);
            goto done;
        }
    }
    read_scanlines(&cinfo, row, cmyk, out);
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
