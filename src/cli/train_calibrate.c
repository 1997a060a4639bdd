/* train_calibrate.c - `nnclass train --calibrate`: the threshold of
 * `predict --reject` (or of `read --reject` for a reader of numbers), set
 * on digits or numbers held out of the training data once the net is
 * trained, and stored in the model (reject.h). */
#include "cli.h"
#include "train_args.h"

#include <string.h>

#include "nnclass/nn/dataset.h"
#include "nnclass/nn/reject.h"

int cli_calibrate_load(const train_args *a, int reader, size_t rows, size_t cols,
                       size_t n_classes, nn_images *out)
{
    nn_error err = {{0}};
    memset(out, 0, sizeof *out);
    if (a->calibrate == NULL)
        return CLI_OK;
    if (reader && a->reject_class > 0)
        return cli_usage_error("train", "--reject-class: a reader of numbers has no class "
                               "for what is not a number");
    if (a->reject_class > n_classes)
        return cli_usage_error("train", "--reject-class: %zu is not one of the %zu classes",
                               a->reject_class - 1, n_classes);
    nn_status st = nn_idx_load_images(a->calibrate, a->max_input_mb << 20, out, &err);
    if (st == NN_OK && (out->rows != rows || out->cols != cols)) {
        st = nn_fail(&err, NN_E_MISMATCH, "%s: images are %zux%zu, the training images "
                     "%zux%zu", a->calibrate, out->rows, out->cols, rows, cols);
    } else if (st == NN_OK && out->count == 0) {
        st = nn_fail(&err, NN_E_FORMAT, "%s: no images to calibrate on", a->calibrate);
    }
    if (st != NN_OK) {
        nn_images_free(out);
        return cli_fail(st, &err);
    }
    return CLI_OK;
}

int cli_calibrate_model(const train_args *a, const nn_images *images, const nn_net *net,
                        nn_model_meta *meta)
{
    if (images->count == 0)
        return CLI_OK;
    nn_error err = {{0}};
    nn_reject_calib *c = &meta->calibration;
    memset(c, 0, sizeof *c);
    c->target = a->calibrate_accept > 0 ? a->calibrate_accept : (float)NN_REJECT_DEFAULT_ACCEPT;
    nn_status st;
    if (nn_net_reads_seq(net)) { /* a reader: the probability of its readings */
        st = nn_reject_calibrate_reader(net, images->pixels, images->count, c, &err);
    } else {
        c->score = a->reject_class > 0 ? NN_SCORE_REJECT_CLASS : NN_SCORE_CONFIDENCE;
        c->reject_class = a->reject_class > 0 ? (uint32_t)(a->reject_class - 1)
                                              : NN_REJECT_NO_CLASS;
        st = nn_reject_calibrate_net(net, images->pixels, images->count, c, &err);
    }
    if (st != NN_OK)
        return cli_fail_in(st, &err, a->calibrate != NULL ? "--calibrate: "
                                     : "calibration on the validation numbers: ", "");
    meta->has_calibration = 1;
    return CLI_OK;
}
