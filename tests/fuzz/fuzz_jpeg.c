/* fuzz_jpeg.c - the JPEG decoder (libjpeg-turbo behind nnclass's error
 * manager, scan limit and pixel cap) and the preprocessing on arbitrary
 * bytes. libjpeg's errors must come back as statuses: a longjmp that goes
 * wrong, a message printed or an exit would all show here. */
#include <stdint.h>

#include "fuzz_image_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_image(nn_jpeg_decode, NN_IMAGE_JPEG, data, size);
    return 0;
}
