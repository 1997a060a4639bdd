/* fuzz_pgm.c - nnclass's PGM/PPM parser (P2, P3, P5, P6; 8 and 16 bit) and
 * the preprocessing on arbitrary bytes. Whatever it accepts must be as large
 * as its header says and no larger than the cap; whatever it refuses must
 * leave nothing allocated. */
#include <stdint.h>

#include "fuzz_image_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_image(nn_pnm_decode, NN_IMAGE_PNM, data, size);
    return 0;
}
