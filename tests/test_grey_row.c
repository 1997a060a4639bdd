/* test_grey_row.c - colour to grey a row at a time gives nn_grey_of_rgb's
 * grey for every one of the 2^24 colours, as RGB and as opaque RGBA, in rows
 * whose widths leave a tail of every length; and the grey over white under
 * every alpha, for every grey. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "../src/io/grey_row_internal.h"
#include "nnclass/io/image.h"

/* Every colour once, rows of `width` pixels (the last one shorter). */
static void every_colour(size_t channels, size_t width)
{
    size_t n = (size_t)1 << 24;
    uint8_t *in = malloc(n * channels), *out = malloc(width);
    assert_non_null(in);
    assert_non_null(out);
    for (size_t c = 0; c < n; c++) {
        uint8_t *p = in + c * channels;
        p[0] = (uint8_t)(c >> 16);
        p[1] = (uint8_t)(c >> 8);
        p[2] = (uint8_t)c;
        if (channels == 4)
            p[3] = 255;
    }
    size_t wrong = 0;
    for (size_t c0 = 0; c0 < n; c0 += width) {
        size_t w = n - c0 < width ? n - c0 : width;
        nn_grey_row(in + c0 * channels, w, channels, out);
        for (size_t x = 0; x < w; x++) {
            const uint8_t *p = in + (c0 + x) * channels;
            wrong += out[x] != nn_grey_of_rgb(p[0], p[1], p[2]);
        }
    }
    assert_int_equal(wrong, 0);
    free(in);
    free(out);
}

static void test_every_colour_rgb(void **state)
{
    (void)state;
    every_colour(3, 4099); /* 4099 = 8 * 512 + 3; 2^24 % 4099 = 169 */
    every_colour(3, 13);
}

static void test_every_colour_rgba(void **state)
{
    (void)state;
    every_colour(4, 4101);
    every_colour(4, 9);
}

/* Each grey under each alpha, in rows of 23 pixels. */
static void test_every_alpha(void **state)
{
    (void)state;
    uint8_t in[23 * 4], out[23];
    size_t wrong = 0;
    for (unsigned i = 0; i < 65536; i += 23) {
        size_t w = 65536 - i < 23 ? 65536 - i : 23;
        for (size_t x = 0; x < w; x++) {
            unsigned grey = (i + (unsigned)x) >> 8;
            in[4 * x] = in[4 * x + 1] = in[4 * x + 2] = (uint8_t)grey;
            in[4 * x + 3] = (uint8_t)(i + x);
        }
        nn_grey_row(in, w, 4, out);
        for (size_t x = 0; x < w; x++) {
            unsigned v = in[4 * x], a = in[4 * x + 3];
            wrong += out[x] != (v * a + 255u * (255u - a) + 127u) / 255u;
        }
    }
    assert_int_equal(wrong, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_colour_rgb),
        cmocka_unit_test(test_every_colour_rgba),
        cmocka_unit_test(test_every_alpha),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
