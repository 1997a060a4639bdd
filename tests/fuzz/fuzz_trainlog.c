/* fuzz_trainlog.c - the training-log reader on arbitrary bytes. It must never
 * crash or read out of bounds; a failure carries a message naming a line,
 * and whatever it accepts holds epochs that increase, with values in their
 * ranges, which the learning curve then draws without trouble. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nnclass/report/svg.h"
#include "nnclass/report/trainlog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    nn_svg_epoch *e = NULL;
    size_t n = 0;
    nn_error err = {{0}};
    nn_status st = nn_trainlog_parse((const char *)data, size, "fuzz.jsonl", &e, &n, &err);
    if (st != NN_OK) {
        if (e != NULL || n != 0 || strncmp(err.msg, "fuzz.jsonl:", 11) != 0)
            abort();
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (e[i].epoch < 1 || (i > 0 && e[i].epoch <= e[i - 1].epoch) || !(e[i].loss >= 0) ||
            !isfinite(e[i].loss) || !(e[i].train_accuracy >= 0 && e[i].train_accuracy <= 1) ||
            e[i].val_accuracy > 1 || !(e[i].lr >= 0 || e[i].lr == -1.0) ||
            !(e[i].val_loss >= 0 || e[i].val_loss == -1.0) || !isfinite(e[i].val_loss))
            abort();
    }
    nn_svg svg = {0};
    if (nn_svg_learning_curve(&svg, e, n, "t", "s", &err) != NN_OK)
        abort();
    nn_svg_free(&svg);
    free(e);
    return 0;
}
