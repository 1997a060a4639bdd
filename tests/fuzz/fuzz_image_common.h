/* fuzz_image_common.h - what the image harnesses check of a decoder's
 * result, and the preprocessing they run it through. Included by each
 * fuzz_<format>.c, whose LLVMFuzzerTestOneInput picks the decoder. */
#ifndef FUZZ_IMAGE_COMMON_H
#define FUZZ_IMAGE_COMMON_H

#include <stdint.h>
#include <stdlib.h>

#include "nnclass/io/image.h"
#include "nnclass/io/imagestream.h"
#include "nnclass/io/pnm.h"
#include "nnclass/io/preprocess.h"

/* The pixel cap the harnesses decode with: large enough for any image the
 * fuzzer can make from a few kilobytes, small enough to keep runs fast. */
#define FUZZ_MAX_PIXELS ((uint64_t)1 << 22)

typedef nn_status (*fuzz_decoder)(const uint8_t *data, size_t len, uint64_t max_pixels,
                                  const char *name, nn_grey *out, nn_error *err);

/* Decodes data with decode (and through nn_image_decode, which must agree
 * when it picks the same format), then runs what it got through both
 * preprocessing modes. Any broken promise aborts. */
static void fuzz_image(fuzz_decoder decode, nn_image_format format, const uint8_t *data,
                       size_t size)
{
    nn_grey g = {7, 7, NULL};
    nn_error err = {{0}};
    nn_status st = decode(data, size, FUZZ_MAX_PIXELS, "fuzz", &g, &err);
    if (st != NN_OK) {
        /* A failure: a negative status, a message, nothing allocated. */
        if (st >= 0 || err.msg[0] == '\0' || g.pixels != NULL || g.width != 0)
            abort();
        return;
    }
    if (g.pixels == NULL || g.width == 0 || g.height == 0 ||
        (uint64_t)g.width * g.height > FUZZ_MAX_PIXELS)
        abort();
    /* Reading every pixel lets the sanitizers see a short buffer. */
    unsigned sum = 0;
    for (size_t i = 0; i < g.width * g.height; i++)
        sum += g.pixels[i];
    if (nn_image_sniff(data, size) == format) {
        nn_grey again;
        if (nn_image_decode(data, size, FUZZ_MAX_PIXELS, "fuzz", &again, &err) != NN_OK ||
            again.width != g.width || again.height != g.height)
            abort();
        nn_grey_free(&again);
    }

    uint8_t out[NN_MNIST_SIDE * NN_MNIST_SIDE];
    st = nn_preprocess_mnist(&g, (nn_invert)(sum % 3), out, "fuzz", &err);
    if (st != NN_OK && (st >= 0 || err.msg[0] == '\0'))
        abort();
    if (st == NN_OK) {
        /* Ink was found, so something is left of it in the field. */
        unsigned ink = 0;
        for (size_t i = 0; i < sizeof out; i++)
            ink |= out[i];
        if (ink == 0)
            abort();
    }
    if (g.width * g.height <= sizeof out &&
        nn_preprocess_none(&g, NN_INVERT_AUTO, g.height, g.width, out, "fuzz", &err) != NN_OK)
        abort(); /* at its own size an image always passes through */
    nn_grey_free(&g);
}

#endif
