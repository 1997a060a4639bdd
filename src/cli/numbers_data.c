/* numbers_data.c - the data of a number reader: composed from MNIST's
 * digits, or read from a strip file and a numbers file. */
#include "numbers_data.h"
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nnclass/nn/read_strips.h"

int cli_digits_load(const char *data_dir, const char *split, uint64_t cap, cli_digits *d)
{
    char images_path[4096], labels_path[4096];
    nn_error err = {{0}};
    memset(d, 0, sizeof *d);
    if (cli_dataset_paths(data_dir, "mnist", split, images_path, labels_path,
                          sizeof images_path) != 0)
        return CLI_EXIT_USAGE;
    if (access(images_path, F_OK) != 0)
        return cli_missing_data(images_path, NULL);
    nn_status st = nn_idx_load_labels(labels_path, cap, &d->labels, &err);
    if (st == NN_OK)
        st = nn_idx_load_images_for(images_path, cap, &d->labels, labels_path, &d->images, &err);
    if (st == NN_OK && (d->images.rows != 28 || d->images.cols != 28))
        st = nn_fail(&err, NN_E_FORMAT, "%s: %zux%zu images, numbers are composed of 28x28 "
                     "digits", images_path, d->images.rows, d->images.cols);
    for (size_t i = 0; st == NN_OK && i < d->labels.count; i++)
        if (d->labels.labels[i] > 9)
            st = nn_fail(&err, NN_E_FORMAT, "%s: label %u at index %zu is not a digit",
                         labels_path, d->labels.labels[i], i);
    size_t n = d->images.count;
    d->pick = st == NN_OK ? malloc((n > 0 ? n : 1) * sizeof *d->pick) : NULL;
    if (st == NN_OK && d->pick == NULL)
        st = nn_fail(&err, NN_E_NOMEM, "out of memory for the digits of %s", images_path);
    if (st != NN_OK) {
        cli_digits_free(d);
        return cli_fail(st, &err);
    }
    nn_digit_pool all = {d->images.pixels, d->labels.labels, n, d->pick, 0};
    d->train = d->val = all;
    if (strcmp(split, "train") == 0) {
        d->train.n_pick = nn_numbers_split(n, 0, d->pick);
        d->val.pick = d->pick + d->train.n_pick;
        d->val.n_pick = nn_numbers_split(n, 1, d->pick + d->train.n_pick);
    } else {
        d->train.pick = d->val.pick = NULL; /* every digit */
        d->train.n_pick = d->val.n_pick = n;
    }
    return CLI_OK;
}

void cli_digits_free(cli_digits *d)
{
    nn_images_free(&d->images);
    nn_labels_free(&d->labels);
    free(d->pick);
    memset(d, 0, sizeof *d);
}

nn_dataset cli_numbers_view(const nn_number_set *set)
{
    nn_dataset v = nn_dataset_view(set->pixels, NULL, set->count, NN_STRIP_H, NN_STRIP_W, 10);
    return nn_dataset_with_seq(v, set->digits, set->len, NN_NUMBER_MAX_DIGITS);
}

/* Test numbers composed and read at a time: a few MB of strips. */
#define TEST_PART 1000u

int cli_read_test_numbers(const nn_net *net, const char *data_dir, uint64_t cap, size_t count,
                          size_t threads, nn_seq_score *score)
{
    cli_digits d;
    nn_number_set set;
    nn_error err = {{0}};
    memset(score, 0, sizeof *score);
    int rc = cli_digits_load(data_dir, "test", cap, &d);
    if (rc != CLI_OK)
        return rc;
    if (count == 0 || count > CLI_TEST_NUMBERS)
        count = CLI_TEST_NUMBERS;
    nn_numbers_options opt;
    nn_numbers_options_default(&opt);
    nn_seq_evaluator *ev = NULL;
    nn_status st = nn_number_set_alloc(&set, TEST_PART, &err);
    if (st == NN_OK)
        st = nn_seq_evaluator_create(net, NN_NUMBER_MAX_DIGITS, &ev, &err);
    if (st == NN_OK) /* the readings `read` makes */
        st = nn_seq_evaluator_read_as(ev, NN_READ_DEFAULT_PASSES, NN_READ_DEFAULT_BEAM, &err);
    for (size_t first = 0; st == NN_OK && first < count; first += TEST_PART) {
        set.first = first;
        set.count = count - first < TEST_PART ? count - first : TEST_PART;
        st = nn_number_set_compose(&set, 0, set.count, &d.train, &opt, CLI_TEST_NUMBERS_SEED, 0,
                                   threads, &err);
        nn_dataset data = cli_numbers_view(&set);
        if (st == NN_OK)
            st = nn_seq_evaluator_run(ev, &data, score, NULL, NULL, &err);
    }
    nn_seq_evaluator_free(ev);
    nn_number_set_free(&set);
    cli_digits_free(&d);
    return st == NN_OK ? CLI_OK : cli_fail(st, &err);
}

int cli_numbers_files_load(const char *images_path, const char *numbers_path, uint64_t cap,
                           nn_images *images, nn_number_labels *numbers)
{
    nn_error err = {{0}};
    memset(images, 0, sizeof *images);
    nn_status st = nn_number_labels_load(numbers_path, cap > SIZE_MAX ? SIZE_MAX : (size_t)cap,
                                         numbers, &err);
    if (st == NN_OK)
        st = nn_idx_load_images(images_path, cap, images, &err);
    if (st == NN_OK && images->count != numbers->count)
        st = nn_fail(&err, NN_E_MISMATCH, "%s: %zu numbers, but %s has %zu images",
                     numbers_path, numbers->count, images_path, images->count);
    if (st == NN_OK && images->count == 0)
        st = nn_fail(&err, NN_E_FORMAT, "%s: no images", images_path);
    if (st != NN_OK) {
        nn_images_free(images);
        nn_number_labels_free(numbers);
        return cli_fail(st, &err);
    }
    return CLI_OK;
}

nn_dataset cli_numbers_files_view(const nn_images *images, const nn_number_labels *numbers)
{
    nn_dataset v = nn_dataset_view(images->pixels, NULL, images->count, images->rows,
                                   images->cols, 10);
    return nn_dataset_with_seq(v, numbers->digits, numbers->len, NN_NUMBER_MAX_DIGITS);
}

nn_status cli_numbers_make(const cli_number_epochs *e, size_t epoch, const uint32_t *idx,
                           size_t n, const nn_sample_room *room, nn_error *err)
{
    for (size_t k = 0; k < n; k++) {
        size_t len = nn_number_round_compose(e->pool, &e->opt, e->seed, epoch, idx[k],
                                             room->pixels + k * NN_STRIP_H * NN_STRIP_W,
                                             room->seq + k * NN_NUMBER_MAX_DIGITS);
        if (len == 0)
            return nn_fail(err, NN_E_ARG, "number %u could not be composed: an empty pool or "
                           "digit counts outside 1..%d", idx[k], NN_NUMBER_MAX_DIGITS);
        room->seq_len[k] = (uint8_t)len;
    }
    return NN_OK;
}
