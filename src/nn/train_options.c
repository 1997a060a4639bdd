/* train_options.c - the training options: their defaults, their checks,
 * and the names of the optimisers and learning-rate schedules. */
#include "nnclass/nn/train.h"
#include "train_internal.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

void nn_train_options_default(nn_train_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->epochs = 50;
    opt->batch = 64;
    opt->lr = 0.05f;
    opt->optimizer = NN_OPT_NESTEROV;
    opt->momentum = 0.9f;
    opt->weight_decay = 5e-4f;
    opt->schedule = NN_LR_COSINE;
    opt->step_epochs = 10;
    opt->step_gamma = 0.1f;
    opt->seed = 1;
    opt->val_count = 0;
    opt->threads = 1;
    opt->augment = 0;
    memset(&opt->distort, 0, sizeof opt->distort);
}

nn_status nn_train_options_check(const nn_train_options *opt, size_t n_images,
                                 nn_error *err)
{
    if (n_images == 0)
        return nn_fail(err, NN_E_ARG, "there are no training images");
    if (opt->epochs == 0)
        return nn_fail(err, NN_E_ARG, "--epochs: must be at least 1");
    if (opt->batch == 0)
        return nn_fail(err, NN_E_ARG, "--batch: must be at least 1");
    if (opt->val_count >= n_images)
        return nn_fail(err, NN_E_ARG, "--val: %zu would leave no training images (there "
                       "are %zu)", opt->val_count, n_images);
    size_t n_train = n_images - opt->val_count;
    if (opt->batch > n_train) {
        if (opt->val_count > 0)
            return nn_fail(err, NN_E_ARG, "--batch: %zu is larger than the %zu training "
                           "images left after --val %zu", opt->batch, n_train,
                           opt->val_count);
        return nn_fail(err, NN_E_ARG, "--batch: %zu is larger than the %zu training images",
                       opt->batch, n_train);
    }
    if (!isfinite(opt->lr) || opt->lr <= 0.0f)
        return nn_fail(err, NN_E_ARG, "--lr: must be a finite number > 0, got %g",
                       (double)opt->lr);
    if ((unsigned)opt->optimizer > (unsigned)NN_OPT_ADAM)
        return nn_fail(err, NN_E_ARG, "--optimizer: unknown optimizer %d",
                       (int)opt->optimizer);
    if (!isfinite(opt->momentum) || opt->momentum < 0.0f || opt->momentum >= 1.0f)
        return nn_fail(err, NN_E_ARG, "--momentum: must be a number in [0, 1), got %g",
                       (double)opt->momentum);
    if (!isfinite(opt->weight_decay) || opt->weight_decay < 0.0f)
        return nn_fail(err, NN_E_ARG, "--weight-decay: must be a finite number >= 0, got %g",
                       (double)opt->weight_decay);
    if (!isfinite(opt->clip_norm) || opt->clip_norm < 0.0f)
        return nn_fail(err, NN_E_ARG, "--clip-norm: must be a finite number >= 0, got %g",
                       (double)opt->clip_norm);
    if ((unsigned)opt->schedule > (unsigned)NN_LR_COSINE)
        return nn_fail(err, NN_E_ARG, "--lr-schedule: unknown schedule %d",
                       (int)opt->schedule);
    if (opt->schedule == NN_LR_STEP) {
        if (opt->step_epochs == 0)
            return nn_fail(err, NN_E_ARG, "--lr-schedule step: the period must be at least "
                           "1 epoch");
        if (!isfinite(opt->step_gamma) || opt->step_gamma <= 0.0f)
            return nn_fail(err, NN_E_ARG, "--lr-schedule step: the factor must be a finite "
                           "number > 0, got %g", (double)opt->step_gamma);
    }
    if (opt->augment > NN_MAX_AUGMENT)
        return nn_fail(err, NN_E_ARG, "--augment: %zu pixels is more than the cap of %u",
                       opt->augment, NN_MAX_AUGMENT);
    nn_status st = nn_augment_check(&opt->distort, err);
    if (st != NN_OK)
        return st;
    if (n_images > UINT32_MAX)
        return nn_fail(err, NN_E_ARG, "%zu training images are more than the %lu this "
                       "build can index", n_images, (unsigned long)UINT32_MAX);
    return NN_OK;
}

static const char *const optimizer_names[] = {"sgd", "momentum", "nesterov", "adam"};
static const char *const schedule_names[] = {"constant", "step", "cosine"};

const char *nn_optimizer_name(nn_optimizer opt)
{
    return (unsigned)opt <= (unsigned)NN_OPT_ADAM ? optimizer_names[opt] : "unknown";
}

/* The index of name in names[0..n), or -1 when it is not there (or NULL). */
static int name_index(const char *const *names, int n, const char *name)
{
    for (int i = 0; name != NULL && i < n; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

int nn_optimizer_parse(const char *name, nn_optimizer *out)
{
    int i = name_index(optimizer_names, (int)NN_OPT_ADAM + 1, name);
    if (i >= 0)
        *out = (nn_optimizer)i;
    return i >= 0 ? 0 : -1;
}

const char *nn_lr_schedule_name(nn_lr_schedule s)
{
    return (unsigned)s <= (unsigned)NN_LR_COSINE ? schedule_names[s] : "unknown";
}

int nn_lr_schedule_parse(const char *name, nn_lr_schedule *out)
{
    int i = name_index(schedule_names, (int)NN_LR_COSINE + 1, name);
    if (i >= 0)
        *out = (nn_lr_schedule)i;
    return i >= 0 ? 0 : -1;
}

nn_status nn_train_check_run(const nn_train_options *opt, const nn_dataset *data,
                             const nn_train_hooks *hooks, nn_error *err)
{
    if (hooks->make == NULL)
        return nn_train_options_check(opt, data->count, err);
    if (opt->val_count != data->count)
        return nn_fail(err, NN_E_ARG, "val_count: %zu, but the %zu samples of a data set "
                       "beside a make hook are all held out", opt->val_count, data->count);
    if (hooks->n_made > SIZE_MAX - data->count)
        return nn_fail(err, NN_E_ARG, "%zu samples to make: too many", hooks->n_made);
    return nn_train_options_check(opt, data->count + hooks->n_made, err);
}
