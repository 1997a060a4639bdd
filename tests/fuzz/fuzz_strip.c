/* fuzz_strip.c - the preprocessing of a written number (strip.h) on any
 * image the decoders accept (PNG, JPEG, PGM/PPM, told by their first
 * bytes): it must fail with a message or give a strip whose ink keeps to the
 * strip geometry, and a map that leads back into the image. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "nnclass/io/imagestream.h"
#include "nnclass/io/strip.h"

/* The pixel cap of the image harnesses (fuzz_image_common.h). */
#define FUZZ_MAX_PIXELS ((uint64_t)1 << 22)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    nn_grey g = {0, 0, NULL};
    nn_error err = {{0}};
    if (nn_image_decode(data, size, FUZZ_MAX_PIXELS, "fuzz", &g, &err) != NN_OK)
        return 0;
    size_t width = g.width;
    uint8_t strip[NN_STRIP_H * NN_STRIP_W];
    nn_strip_map map = {0.0, 0.0};
    nn_status st = nn_preprocess_strip(&g, (nn_invert)(size % 3), "fuzz", strip, &map, &err);
    nn_grey_free(&g);
    if (st != NN_OK) {
        if (st >= 0 || err.msg[0] == '\0')
            abort();
        return 0;
    }
    unsigned ink = 0;
    for (size_t y = 0; y < NN_STRIP_H; y++)
        for (size_t x = 0; x < NN_STRIP_W; x++) {
            uint8_t v = strip[y * NN_STRIP_W + x];
            ink |= v;
            if (v != 0 && (x < NN_STRIP_MARGIN || x >= NN_STRIP_W - NN_STRIP_MARGIN ||
                           y < (NN_STRIP_H - NN_STRIP_INK_H) / 2 ||
                           y >= (NN_STRIP_H + NN_STRIP_INK_H) / 2))
                abort(); /* ink outside the geometry's box */
        }
    if (ink == 0 || !isfinite(map.scale) || map.scale <= 0 || !isfinite(map.x0))
        abort();
    /* The strip's middle column comes from inside the image. */
    double mid = map.x0 + (NN_STRIP_W / 2.0) / map.scale;
    if (mid < -1.0 || mid > (double)width + 1.0)
        abort();
    return 0;
}
