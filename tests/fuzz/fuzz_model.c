/* fuzz_model.c - the .nnc decoder on arbitrary bytes. It must never crash,
 * read out of bounds or allocate more than the bytes justify, and whatever it
 * accepts must be a consistent model: encoding it again gives back exactly
 * the input (the format is canonical), and its sizes agree with its metadata.
 *
 * The CRC-32 at the end of a model makes almost every mutation fail the
 * checksum, which would hide the checks behind it. So each input is decoded
 * twice: as it is, and with its last four bytes replaced by the CRC of the
 * bytes before them, which lets the fuzzer reach the field checks and the
 * parameter reader. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "nnclass/nn/model.h"

static void check_model(const uint8_t *data, size_t size)
{
    nn_net *net = NULL;
    static nn_model_meta meta;
    nn_error err = {{0}};
    nn_status st = nn_model_decode(data, size, "fuzz.nnc", &net, &meta, &err);
    if (st != NN_OK) {
        if (net != NULL || st >= 0 || err.msg[0] == '\0')
            abort(); /* a failure returns no net, a negative status and a message */
        return;
    }
    if (net == NULL || net->n_layers < 2 ||
        (nn_net_has_classes(net) && meta.n_classes != nn_net_size(net, net->n_layers - 1)) ||
        (size_t)meta.rows * meta.cols != nn_net_size(net, 0))
        abort();
    uint8_t *again = NULL;
    size_t len = 0;
    if (nn_model_encode(net, &meta, &again, &len, &err) != NN_OK || len != size ||
        memcmp(again, data, size) != 0)
        abort(); /* accepted bytes must re-encode to themselves */
    free(again);
    nn_net_free(net);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_model(data, size);
    if (size < 4 || size > ((size_t)1 << 30)) /* crc32 takes a uInt length */
        return 0;
    uint8_t *patched = malloc(size);
    if (patched == NULL)
        return 0;
    memcpy(patched, data, size);
    uLong crc = crc32(0L, patched, (uInt)(size - 4));
    patched[size - 4] = (uint8_t)crc;
    patched[size - 3] = (uint8_t)(crc >> 8);
    patched[size - 2] = (uint8_t)(crc >> 16);
    patched[size - 1] = (uint8_t)(crc >> 24);
    if (memcmp(patched, data, size) != 0)
        check_model(patched, size);
    free(patched);
    return 0;
}
