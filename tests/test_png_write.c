/* test_png_write.c - a grey image encoded as PNG decodes to the same
 * pixels (through nnclass's own decoder); an empty image is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nnclass/io/image.h"
#include "nnclass/io/png_write.h"

static void test_round_trip(void **state)
{
    (void)state;
    nn_grey g, back;
    nn_error err;
    assert_int_equal(nn_grey_alloc(37, 11, 0, "t", &g, &err), NN_OK);
    for (size_t i = 0; i < 37 * 11; i++)
        g.pixels[i] = (uint8_t)(i * 7 + i / 37);
    uint8_t *png;
    size_t len;
    assert_int_equal(nn_png_encode(&g, &png, &len, &err), NN_OK);
    assert_true(len > 8);
    assert_memory_equal(png, "\x89PNG\r\n\x1a\n", 8);
    assert_int_equal(nn_png_decode(png, len, 0, "t", &back, &err), NN_OK);
    assert_int_equal(back.width, 37);
    assert_int_equal(back.height, 11);
    assert_memory_equal(back.pixels, g.pixels, 37 * 11);
    free(png);
    nn_grey_free(&back);
    nn_grey empty = {0, 5, g.pixels};
    assert_int_equal(nn_png_encode(&empty, &png, &len, &err), NN_E_TOO_LARGE);
    assert_null(png);
    nn_grey_free(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
