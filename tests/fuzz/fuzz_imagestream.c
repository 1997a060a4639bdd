/* fuzz_imagestream.c - images one after another in one stream, on arbitrary
 * bytes: every image handed out is as large as the cap allows at most, a
 * failure hands out nothing and stays, and the stream ends. */
#include <stdint.h>
#include <stdlib.h>

#include "nnclass/io/imagestream.h"

/* The pixel cap of the harness: large enough for what a fuzzer makes. */
#define FUZZ_MAX_PIXELS ((uint64_t)1 << 22)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    nn_source *src = nn_source_open_memory(data, size);
    nn_image_stream *s = NULL;
    nn_error err = {{0}};
    if (src == NULL || nn_image_stream_open(src, "fuzz", 1 << 20, FUZZ_MAX_PIXELS, &s, &err) !=
                           NN_OK)
        abort();
    nn_status st;
    size_t images = 0;
    nn_grey g;
    while ((st = nn_image_stream_next(s, &g, &err)) == NN_OK) {
        if (g.pixels == NULL || (uint64_t)g.width * g.height > FUZZ_MAX_PIXELS)
            abort();
        unsigned sum = 0; /* reading every pixel lets the sanitizers see a short buffer */
        for (size_t i = 0; i < g.width * g.height; i++)
            sum += g.pixels[i];
        (void)sum;
        nn_grey_free(&g);
        /* Each image takes at least a few bytes of the input. */
        if (++images > size)
            abort();
    }
    if (g.pixels != NULL || nn_image_stream_count(s) != images)
        abort();
    if (st < 0 && (err.msg[0] == '\0' || nn_image_stream_next(s, &g, &err) != st))
        abort();
    nn_image_stream_close(s);
    return 0;
}
