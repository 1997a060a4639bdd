/* test_image.c - the image decoders: format sniffing, tables of valid and
 * malformed PGM/PPM files with their exact pixels or statuses, PNG and JPEG
 * files made here by libpng and libjpeg (grey, 16-bit, alpha over white,
 * CMYK-free colour), and the hostile cases: truncation sweeps, bit flips,
 * headers declaring far more pixels than the cap, a JPEG cut in half. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jpeglib.h>
#include <png.h>
#include <zlib.h>

#include "nnclass/io/image.h"
#include "nnclass/io/imagestream.h"
#include "nnclass/base/rng.h"
#include "test_support.h"

/* --- sniffing ------------------------------------------------------------------ */

static void test_sniff(void **state)
{
    (void)state;
    static const struct {
        const char *bytes;
        size_t len;
        nn_image_format want;
    } cases[] = {
        {"\x89PNG\r\n\x1a\n", 8, NN_IMAGE_PNG},
        {"\x89PNG\r\n\x1a", 7, NN_IMAGE_UNKNOWN},
        {"\xff\xd8\xff\xe0", 4, NN_IMAGE_JPEG},
        {"\xff\xd8\x00", 3, NN_IMAGE_UNKNOWN},
        {"P5\n", 3, NN_IMAGE_PNM},
        {"P2 ", 3, NN_IMAGE_PNM},
        {"P6#", 3, NN_IMAGE_PNM},
        {"P5x", 3, NN_IMAGE_UNKNOWN},
        {"P8\n", 3, NN_IMAGE_UNKNOWN},
        {"\x00\x00\x08\x03", 4, NN_IMAGE_UNKNOWN},
        {"\x1f\x8b\x08\x00", 4, NN_IMAGE_UNKNOWN},
        {"", 0, NN_IMAGE_UNKNOWN},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(nn_image_sniff((const uint8_t *)cases[i].bytes, cases[i].len),
                         cases[i].want);
    assert_int_equal(nn_image_sniff(NULL, 0), NN_IMAGE_UNKNOWN);
}

/* --- PGM/PPM --------------------------------------------------------------------- */

static nn_status decode_text(const char *text, size_t len, nn_grey *out, nn_error *err)
{
    return nn_image_decode((const uint8_t *)text, len, 0, "t.pnm", out, err);
}

static void test_pnm_valid(void **state)
{
    (void)state;
    static const struct {
        const char *bytes;
        size_t len;
        size_t w, h;
        uint8_t px[4];
    } cases[] = {
        /* binary 8-bit, one white-space byte before the samples */
        {"P5 2 2 255\n\x00\x40\x80\xff", 15, 2, 2, {0, 64, 128, 255}},
        /* comments anywhere in the header; text samples */
        {"P2\n# a comment\n2 # w\n1\n# max\n4\n0 4\n", 36, 2, 1, {0, 255}},
        /* maxval 4 scales to 0..255 with rounding */
        {"P2 4 1 4 0 1 2 3", 16, 4, 1, {0, 64, 128, 191}},
        /* 16-bit big-endian */
        {"P5 2 1 65535\n\x00\x00\xff\xff", 17, 2, 1, {0, 255}},
        {"P5 1 1 1000\n\x01\xf4", 14, 1, 1, {128}},
        /* colour: luma 0.299 R + 0.587 G + 0.114 B */
        {"P6 2 1 255\n\xff\x00\x00\xff\xff\xff", 17, 2, 1, {76, 255}},
        {"P3 1 1 255 0 255 0", 18, 1, 1, {150}},
        /* trailing bytes (a second image) are ignored */
        {"P5 1 1 255\n\x07P5 1 1 255\n\x08", 23, 1, 1, {7}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        nn_grey g;
        nn_error err = {{0}};
        nn_status st = decode_text(cases[i].bytes, cases[i].len, &g, &err);
        if (st != NN_OK)
            fail_msg("case %zu: %s", i, err.msg);
        assert_int_equal(g.width, cases[i].w);
        assert_int_equal(g.height, cases[i].h);
        assert_memory_equal(g.pixels, cases[i].px, g.width * g.height);
        nn_grey_free(&g);
    }
}

static void test_pnm_malformed(void **state)
{
    (void)state;
    static const struct {
        const char *bytes;
        size_t len;
        nn_status want;
        const char *says;
    } cases[] = {
        {"P5 2 2 0\n\x00\x00\x00\x00", 13, NN_E_FORMAT, "maxval 0"},
        {"P5 2 2 70000\n", 13, NN_E_FORMAT, "maxval 70000"},
        {"P5 0 2 255\n", 11, NN_E_FORMAT, "empty"},
        {"P5 4 4 255\n\x00\x00", 13, NN_E_TRUNCATED, "need 16 bytes"},
        {"P5 2 1 65535\n\x00\x00\xff", 16, NN_E_TRUNCATED, "need 4 bytes"},
        {"P5 2 2 255", 10, NN_E_TRUNCATED, "no pixel data"},
        {"P5 2 2", 6, NN_E_TRUNCATED, "maxval"},
        {"P5 2 x 255\n", 11, NN_E_FORMAT, "height"},
        {"P5 2-2 255\n", 11, NN_E_FORMAT, "width"},
        {"P5 1234567890 1 255\n", 20, NN_E_FORMAT, "9 digits"},
        {"P5 100000 100000 255\n\x00", 22, NN_E_TOO_LARGE, "limit"},
        {"P2 2 1 10 3 11", 14, NN_E_FORMAT, "over maxval"},
        {"P2 2 2 10 1 2 3", 15, NN_E_TRUNCATED, "truncated"},
        {"P2 2 1 10 1 x", 13, NN_E_FORMAT, "sample"},
        {"P4 1 1\n\x00", 8, NN_E_FORMAT, "P4"},
        {"P7\nWIDTH 1\n", 11, NN_E_FORMAT, "P7"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        nn_grey g = {1, 1, NULL};
        nn_error err = {{0}};
        nn_status st = decode_text(cases[i].bytes, cases[i].len, &g, &err);
        if (st != cases[i].want)
            fail_msg("case %zu: status %d, expected %d (%s)", i, st, cases[i].want, err.msg);
        if (strstr(err.msg, cases[i].says) == NULL || strstr(err.msg, "t.pnm") == NULL)
            fail_msg("case %zu: message '%s' lacks '%s'", i, err.msg, cases[i].says);
        assert_null(g.pixels);
        assert_int_equal(g.width, 0);
    }
}

/* The cap is checked from the header: a small cap refuses a small file. */
static void test_pixel_cap(void **state)
{
    (void)state;
    const char *p = "P5 3 3 255\n012345678";
    nn_grey g;
    nn_error err = {{0}};
    assert_int_equal(nn_image_decode((const uint8_t *)p, strlen(p), 8, "c", &g, &err),
                     NN_E_TOO_LARGE);
    assert_int_equal(nn_image_decode((const uint8_t *)p, strlen(p), 9, "c", &g, &err), NN_OK);
    nn_grey_free(&g);
    assert_int_equal(nn_grey_alloc(70000, 70000, 0, "c", &g, &err), NN_E_TOO_LARGE);
    assert_null(g.pixels);
}

/* --- PNG --------------------------------------------------------------------------- */

/* Encodes pixels (w x h, `format` as libpng's simplified API names it) as
 * PNG into a new buffer. */
static uint8_t *png_of(const void *pixels, uint32_t w, uint32_t h, uint32_t format,
                       size_t *len)
{
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    img.width = w;
    img.height = h;
    img.format = format;
    png_alloc_size_t size = 0;
    assert_true(png_image_write_to_memory(&img, NULL, &size, 0, pixels, 0, NULL));
    uint8_t *buf = malloc(size);
    assert_non_null(buf);
    assert_true(png_image_write_to_memory(&img, buf, &size, 0, pixels, 0, NULL));
    *len = size;
    return buf;
}

static void test_png(void **state)
{
    (void)state;
    nn_grey g;
    nn_error err = {{0}};
    size_t len;

    /* 8-bit grey comes back exactly. */
    uint8_t grey[6] = {0, 50, 100, 150, 200, 255};
    uint8_t *png = png_of(grey, 3, 2, PNG_FORMAT_GRAY, &len);
    assert_int_equal(nn_image_decode(png, len, 0, "g.png", &g, &err), NN_OK);
    assert_int_equal(g.width, 3);
    assert_int_equal(g.height, 2);
    assert_memory_equal(g.pixels, grey, 6);
    nn_grey_free(&g);
    free(png);

    /* Alpha over white: transparent is paper (255), opaque keeps its grey. */
    uint8_t ga[8] = {0, 0, 0, 255, 80, 255, 200, 0};
    png = png_of(ga, 4, 1, PNG_FORMAT_GA, &len);
    assert_int_equal(nn_image_decode(png, len, 0, "ga.png", &g, &err), NN_OK);
    assert_int_equal(g.pixels[0], 255);
    assert_int_equal(g.pixels[1], 0);
    assert_int_equal(g.pixels[2], 80);
    assert_int_equal(g.pixels[3], 255);
    nn_grey_free(&g);
    free(png);

    /* Colour: black stays black, white white, grey grey. */
    uint8_t rgb[9] = {0, 0, 0, 255, 255, 255, 128, 128, 128};
    png = png_of(rgb, 3, 1, PNG_FORMAT_RGB, &len);
    assert_int_equal(nn_image_decode(png, len, 0, "rgb.png", &g, &err), NN_OK);
    assert_int_equal(g.pixels[0], 0);
    assert_int_equal(g.pixels[1], 255);
    assert_in_range(g.pixels[2], 126, 130);
    nn_grey_free(&g);
    free(png);

    /* 16-bit grey (linear in libpng's simplified API) to 8-bit sRGB grey. */
    uint16_t g16[2] = {0, 65535};
    png = png_of(g16, 2, 1, PNG_FORMAT_LINEAR_Y, &len);
    assert_int_equal(nn_image_decode(png, len, 0, "g16.png", &g, &err), NN_OK);
    assert_int_equal(g.pixels[0], 0);
    assert_int_equal(g.pixels[1], 255);
    nn_grey_free(&g);
    free(png);
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Appends a PNG chunk (length, type, data, CRC) at out + *at. */
static void png_chunk(uint8_t *out, size_t *at, const char *type, const uint8_t *data,
                      uint32_t n)
{
    put_be32(out + *at, n);
    memcpy(out + *at + 4, type, 4);
    if (n > 0)
        memcpy(out + *at + 8, data, n);
    put_be32(out + *at + 8 + n, (uint32_t)crc32(0L, out + *at + 4, n + 4));
    *at += 12 + n;
}

/* A 16-bit grey PNG of one row of w pixels with no gAMA or sRGB chunk, the
 * way scanners and most image tools write one (libpng's simplified writer
 * always adds gamma information). */
static uint8_t *png16_without_gamma(const uint16_t *v, uint32_t w, size_t *len)
{
    uint8_t ihdr[13] = {0, 0, 0, 0, 0, 0, 0, 1, 16, 0, 0, 0, 0};
    put_be32(ihdr, w);
    uint8_t raw[1 + 2 * 16] = {0}; /* filter byte 0, then big-endian samples */
    assert_true(w <= 16);
    for (uint32_t x = 0; x < w; x++) {
        raw[1 + 2 * x] = (uint8_t)(v[x] >> 8);
        raw[2 + 2 * x] = (uint8_t)v[x];
    }
    uint8_t z[128];
    uLongf zlen = sizeof z;
    assert_int_equal(compress(z, &zlen, raw, 1 + 2 * w), Z_OK);
    uint8_t *png = malloc(8 + 25 + 12 + zlen + 12);
    assert_non_null(png);
    memcpy(png, "\x89PNG\r\n\x1a\n", 8);
    size_t at = 8;
    png_chunk(png, &at, "IHDR", ihdr, 13);
    png_chunk(png, &at, "IDAT", z, (uint32_t)zlen);
    png_chunk(png, &at, "IEND", NULL, 0);
    *len = at;
    return png;
}

/* A 16-bit PNG without gamma information reads as the same greys as the
 * 8-bit PNG of the same picture, not lifted towards white as linear light. */
static void test_png16_srgb(void **state)
{
    (void)state;
    uint16_t v[6] = {0, 0x1400, 0x4000, 0x6464, 0xc8c8, 0xffff};
    size_t len;
    uint8_t *png = png16_without_gamma(v, 6, &len);
    nn_grey g;
    nn_error err = {{0}};
    assert_int_equal(nn_image_decode(png, len, 0, "g16.png", &g, &err), NN_OK);
    assert_int_equal(g.width, 6);
    assert_int_equal(g.height, 1);
    for (int x = 0; x < 6; x++)
        assert_in_range(g.pixels[x], v[x] / 257 > 0 ? v[x] / 257 - 1 : 0, v[x] / 257 + 1);
    nn_grey_free(&g);
    free(png);
}

/* An 8-bit RGBA (colour type 6) picture of 7x5 pixels, each row with one of
 * the five filters in turn and its data split over two IDAT chunks (and an
 * ancillary chunk between the header and the data), reads as the luma of
 * its pixels over white: the filters, joined chunks and alpha are undone
 * exactly. */
static void test_png_filters(void **state)
{
    (void)state;
    enum { W = 7, H = 5, BPP = 4 };
    uint8_t pix[H][W * BPP], raw[H * (1 + W * BPP)], zero[W * BPP] = {0};
    for (size_t y = 0; y < H; y++)
        for (size_t i = 0; i < W * BPP; i++)
            pix[y][i] = (uint8_t)(37 * y + 91 * i + (i % 4 == 3 ? 200 : 0));
    for (size_t y = 0; y < H; y++) {
        raw[y * (1 + W * BPP)] = (uint8_t)(y % 5);
        ts_png_filter_row(y % 5, pix[y], y > 0 ? pix[y - 1] : zero, W * BPP, BPP,
                       raw + y * (1 + W * BPP) + 1);
    }
    uint8_t z[512], png[1024], ihdr[13] = {0, 0, 0, W, 0, 0, 0, H, 8, 6, 0, 0, 0};
    uLongf zlen = sizeof z;
    assert_int_equal(compress(z, &zlen, raw, sizeof raw), Z_OK);
    size_t at = 8;
    memcpy(png, "\x89PNG\r\n\x1a\n", 8);
    png_chunk(png, &at, "IHDR", ihdr, 13);
    png_chunk(png, &at, "tEXt", (const uint8_t *)"Software\0test", 13);
    png_chunk(png, &at, "IDAT", z, 10);
    png_chunk(png, &at, "IDAT", z + 10, (uint32_t)zlen - 10);
    png_chunk(png, &at, "IEND", NULL, 0);
    nn_grey g;
    nn_error err = {{0}};
    assert_int_equal(nn_image_decode(png, at, 0, "filters.png", &g, &err), NN_OK);
    assert_int_equal(g.width, W);
    assert_int_equal(g.height, H);
    for (size_t y = 0; y < H; y++)
        for (size_t x = 0; x < W; x++) {
            const uint8_t *p = pix[y] + x * BPP;
            unsigned v = nn_grey_of_rgb(p[0], p[1], p[2]);
            v = (v * p[3] + 255u * (255u - p[3]) + 127u) / 255u;
            assert_int_equal(g.pixels[y * W + x], v);
        }
    nn_grey_free(&g);
    /* A bit flipped in the data: refused, as before. */
    png[at - 20] ^= 0x10;
    assert_int_not_equal(nn_image_decode(png, at, 0, "flip.png", &g, &err), NN_OK);
}

/* Colour to grey: luma for inks of any colour and for greys; the pale tints
 * of ruled paper (light-blue lines, a pink margin) come out as light as
 * paper, in every format that has colour (a PPM here). */
static void test_grey_of_rgb(void **state)
{
    (void)state;
    assert_int_equal(nn_grey_of_rgb(40, 50, 130), (299 * 40 + 587 * 50 + 114 * 130 + 500) / 1000);
    assert_int_equal(nn_grey_of_rgb(180, 30, 40), (299 * 180 + 587 * 30 + 114 * 40 + 500) / 1000);
    assert_int_equal(nn_grey_of_rgb(120, 120, 120), 120);
    assert_int_equal(nn_grey_of_rgb(245, 240, 230), (299 * 245 + 587 * 240 + 114 * 230 + 500) / 1000);
    assert_true(nn_grey_of_rgb(160, 200, 235) >= 225); /* luma 191 */
    assert_true(nn_grey_of_rgb(235, 140, 150) >= 200); /* luma 170 */
    const char ppm[] = "P3 2 1 255\n160 200 235 40 50 130\n";
    nn_grey g;
    nn_error err = {{0}};
    assert_int_equal(nn_image_decode((const uint8_t *)ppm, sizeof ppm - 1, 0, "t.ppm", &g, &err),
                     NN_OK);
    assert_true(g.pixels[0] >= 225);
    assert_int_equal(g.pixels[1], 56);
    nn_grey_free(&g);
}

/* nn_grey_of_rgb as first written, with branches and the tint's weights
 * spelled out: the branch-free form must give the same grey for every
 * colour. */
static unsigned grey_of_rgb_reference(unsigned r, unsigned g, unsigned b)
{
    unsigned hi = r > g ? r : g, lo = r < g ? r : g;
    hi = b > hi ? b : hi;
    lo = b < lo ? b : lo;
    unsigned y = (299u * r + 587u * g + 114u * b + 500u) / 1000u;
    if (hi - lo <= 16 || lo <= 64 || hi <= y)
        return y;
    unsigned wc = hi - lo >= 48 ? 32 : hi - lo - 16;
    unsigned wl = lo >= 128 ? 64 : lo - 64;
    return y + (hi - y) * wc * wl / 2048;
}

static void test_grey_of_rgb_every_colour(void **state)
{
    (void)state;
    unsigned wrong = 0;
    for (unsigned rgb = 0; rgb < 1u << 24; rgb++) {
        unsigned r = rgb >> 16, g = (rgb >> 8) & 255, b = rgb & 255;
        wrong += nn_grey_of_rgb(r, g, b) != grey_of_rgb_reference(r, g, b);
    }
    assert_int_equal(wrong, 0);
}

/* A 200-byte-ish PNG whose IHDR (with a correct CRC) declares w x h. */
static uint8_t *png_declaring(uint32_t w, uint32_t h, size_t *len)
{
    uint8_t small[4] = {1, 2, 3, 4};
    uint8_t *png = png_of(small, 2, 2, PNG_FORMAT_GRAY, len);
    /* signature (8), IHDR length (4), "IHDR" (4), width, height, ... */
    put_be32(png + 16, w);
    put_be32(png + 20, h);
    put_be32(png + 29, (uint32_t)crc32(0L, png + 12, 17));
    return png;
}

static void test_png_hostile(void **state)
{
    (void)state;
    nn_grey g;
    nn_error err = {{0}};
    size_t len;

    uint8_t *png = png_declaring(100000, 100000, &len);
    assert_true(len < 300);
    assert_int_equal(nn_image_decode(png, len, 0, "huge.png", &g, &err), NN_E_TOO_LARGE);
    assert_non_null(strstr(err.msg, "100000x100000"));
    assert_null(g.pixels);
    free(png);

    /* Declares 4000x4000 (under the cap) but holds 4 pixels of data. */
    png = png_declaring(4000, 4000, &len);
    nn_status st = nn_image_decode(png, len, 0, "lying.png", &g, &err);
    assert_true(st == NN_E_TRUNCATED || st == NN_E_FORMAT);
    assert_null(g.pixels);
    free(png);

    /* Every truncation of a valid file is refused, never read past. */
    uint8_t pixels[64 * 48];
    for (size_t i = 0; i < sizeof pixels; i++)
        pixels[i] = (uint8_t)(i * 7);
    png = png_of(pixels, 64, 48, PNG_FORMAT_GRAY, &len);
    for (size_t cut = 0; cut < len; cut++) {
        uint8_t *part = malloc(cut > 0 ? cut : 1);
        memcpy(part, png, cut);
        st = nn_image_decode(part, cut, 0, "cut.png", &g, &err);
        /* The last 12 bytes are the IEND chunk, which libpng may not need. */
        if (cut + 12 < len && st == NN_OK)
            fail_msg("PNG cut at %zu of %zu bytes was accepted", cut, len);
        nn_grey_free(&g);
        free(part);
    }
    st = nn_image_decode(png, len / 2, 0, "half.png", &g, &err);
    assert_int_equal(st, NN_E_TRUNCATED);
    assert_non_null(strstr(err.msg, "half.png"));

    /* Bit flips: any status, no crash (the sanitizer build watches). */
    nn_rng rng;
    nn_rng_seed(&rng, 42);
    for (int k = 0; k < 2000; k++) {
        uint8_t *bad = malloc(len);
        memcpy(bad, png, len);
        size_t at = 8 + (size_t)(nn_rng_next(&rng) % (len - 8));
        bad[at] ^= (uint8_t)(1u << (nn_rng_next(&rng) % 8));
        if (nn_image_decode(bad, len, 0, "flip.png", &g, &err) == NN_OK)
            assert_int_equal(g.width * g.height, 64 * 48);
        nn_grey_free(&g);
        free(bad);
    }
    free(png);
}

/* --- JPEG ------------------------------------------------------------------------- */

static uint8_t *jpeg_of(const uint8_t *pixels, uint32_t w, uint32_t h, int components,
                        int quality, size_t *len)
{
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr e;
    unsigned char *buf = NULL;
    unsigned long size = 0;
    c.err = jpeg_std_error(&e);
    jpeg_create_compress(&c);
    jpeg_mem_dest(&c, &buf, &size);
    c.image_width = w;
    c.image_height = h;
    c.input_components = components;
    c.in_color_space = components == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, quality, TRUE);
    jpeg_start_compress(&c, TRUE);
    while (c.next_scanline < h) {
        JSAMPROW row = (JSAMPROW)(pixels + (size_t)c.next_scanline * w * (size_t)components);
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    *len = size;
    return buf;
}

static void test_jpeg(void **state)
{
    (void)state;
    enum { W = 48, H = 40 };
    uint8_t grey[W * H], rgb[W * H * 3];
    for (size_t y = 0; y < H; y++)
        for (size_t x = 0; x < W; x++) {
            uint8_t v = (uint8_t)(x * 5);
            grey[y * W + x] = v;
            rgb[3 * (y * W + x)] = rgb[3 * (y * W + x) + 1] = rgb[3 * (y * W + x) + 2] = v;
        }
    for (int comps = 1; comps <= 3; comps += 2) {
        size_t len;
        uint8_t *jpg = jpeg_of(comps == 1 ? grey : rgb, W, H, comps, 95, &len);
        nn_grey g;
        nn_error err = {{0}};
        assert_int_equal(nn_image_decode(jpg, len, 0, "g.jpg", &g, &err), NN_OK);
        assert_int_equal(g.width, W);
        assert_int_equal(g.height, H);
        for (size_t i = 0; i < W * H; i++)
            assert_in_range(g.pixels[i], grey[i] < 6 ? 0 : grey[i] - 6, grey[i] + 6);
        nn_grey_free(&g);
        free(jpg);
    }
}

/* A colour JPEG: the light-blue line of ruled paper is read as paper, a blue
 * pen's ink as its luma. */
static void test_jpeg_tints(void **state)
{
    (void)state;
    enum { W = 32, H = 32 };
    static const uint8_t colours[3][3] = {{245, 245, 240}, {160, 200, 235}, {40, 50, 130}};
    uint8_t rgb[W * H * 3];
    for (size_t i = 0; i < W * H; i++) /* three bands: paper, line, ink */
        memcpy(rgb + 3 * i, colours[(i / W) * 3 / H], 3);
    size_t len;
    uint8_t *jpg = jpeg_of(rgb, W, H, 3, 95, &len);
    nn_grey g;
    nn_error err = {{0}};
    assert_int_equal(nn_image_decode(jpg, len, 0, "t.jpg", &g, &err), NN_OK);
    assert_in_range(g.pixels[2 * W + 16], 238, 250);  /* paper */
    assert_in_range(g.pixels[16 * W + 16], 225, 245); /* the line: luma 191 */
    assert_in_range(g.pixels[29 * W + 16], 50, 63);   /* the ink: luma 56 */
    nn_grey_free(&g);
    free(jpg);
}

static void test_jpeg_hostile(void **state)
{
    (void)state;
    enum { W = 64, H = 64 };
    uint8_t px[W * H];
    for (size_t i = 0; i < sizeof px; i++)
        px[i] = (uint8_t)((i * 37) ^ (i >> 3));
    size_t len;
    uint8_t *jpg = jpeg_of(px, W, H, 1, 90, &len);
    nn_grey g;
    nn_error err = {{0}};

    /* Cut in half: libjpeg would pad it with grey; nnclass refuses it. */
    assert_int_equal(nn_image_decode(jpg, len / 2, 0, "half.jpg", &g, &err), NN_E_TRUNCATED);
    assert_non_null(strstr(err.msg, "half.jpg"));
    assert_null(g.pixels);
    for (size_t cut = 0; cut + 2 < len; cut++) {
        if (nn_image_decode(jpg, cut, 0, "cut.jpg", &g, &err) == NN_OK)
            fail_msg("JPEG cut at %zu of %zu bytes was accepted", cut, len);
    }

    /* A header declaring 60000x60000: over the cap before any allocation. */
    uint8_t *big = malloc(len);
    memcpy(big, jpg, len);
    int patched = 0;
    for (size_t i = 2; i + 9 < len; i++)
        if (big[i] == 0xff && big[i + 1] == 0xc0) { /* SOF0: FF C0 len(2) P(1) H(2) W(2) */
            big[i + 5] = 0xea;
            big[i + 6] = 0x60;
            big[i + 7] = 0xea;
            big[i + 8] = 0x60;
            patched = 1;
            break;
        }
    assert_true(patched);
    assert_int_equal(nn_image_decode(big, len, 0, "big.jpg", &g, &err), NN_E_TOO_LARGE);
    assert_null(g.pixels);
    free(big);

    /* Garbage after the SOI marker. */
    uint8_t junk[64] = {0xff, 0xd8, 0xff, 0x01};
    for (size_t i = 4; i < sizeof junk; i++)
        junk[i] = (uint8_t)(i * 13);
    assert_int_equal(nn_image_decode(junk, sizeof junk, 0, "junk.jpg", &g, &err), NN_E_FORMAT);

    /* Bit flips: any status, no crash, no message printed. */
    nn_rng rng;
    nn_rng_seed(&rng, 7);
    for (int k = 0; k < 2000; k++) {
        uint8_t *bad = malloc(len);
        memcpy(bad, jpg, len);
        size_t at = 2 + (size_t)(nn_rng_next(&rng) % (len - 2));
        bad[at] ^= (uint8_t)(1u << (nn_rng_next(&rng) % 8));
        if (nn_image_decode(bad, len, 0, "flip.jpg", &g, &err) == NN_OK)
            assert_non_null(g.pixels);
        nn_grey_free(&g);
        free(bad);
    }
    free(jpg);
}

static void test_unknown(void **state)
{
    (void)state;
    nn_grey g;
    nn_error err = {{0}};
    const uint8_t idx[] = {0, 0, 8, 3, 0, 0, 0, 0};
    assert_int_equal(nn_image_decode(idx, sizeof idx, 0, "x.idx", &g, &err), NN_E_FORMAT);
    assert_non_null(strstr(err.msg, "not a PNG, JPEG, PGM or PPM"));
    assert_int_equal(nn_image_decode(NULL, 0, 0, "empty", &g, &err), NN_E_FORMAT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sniff),        cmocka_unit_test(test_pnm_valid),
        cmocka_unit_test(test_pnm_malformed), cmocka_unit_test(test_pixel_cap),
        cmocka_unit_test(test_png),          cmocka_unit_test(test_png_hostile),
        cmocka_unit_test(test_png16_srgb),   cmocka_unit_test(test_png_filters),
        cmocka_unit_test(test_grey_of_rgb),  cmocka_unit_test(test_grey_of_rgb_every_colour),
        cmocka_unit_test(test_jpeg),         cmocka_unit_test(test_jpeg_hostile),
        cmocka_unit_test(test_jpeg_tints),
        cmocka_unit_test(test_unknown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
