/* eval_numbers.c - the report of a number reader: how many numbers it
 * reads exactly, its digit error rate, both by length, and its loss, as
 * text, JSON or CSV. */
#include "eval_numbers.h"
#include "cli.h"
#include "numbers_data.h"
#include "record.h"

#include <stdio.h>
#include <string.h>

#include "nnclass/nn/eval_seq.h"
#include "nnclass/nn/read_strips.h"

int cli_check_numbers_option(const char *cmd, const char *images, const char *labels,
                             const char *numbers)
{
    if (numbers != NULL && images == NULL)
        return cli_usage_error(cmd, "--numbers: the numbers of the strips of --images, which "
                               "is missing");
    if (numbers != NULL && labels != NULL)
        return cli_usage_error(cmd, "--labels and --numbers both give the targets: use one");
    return -1;
}

static double mean_loss(const nn_seq_score *s)
{
    return s->total > 0 ? s->loss / (double)s->total : 0.0;
}

static void print_text(const cli_reader_eval *r, const nn_seq_score *s, const char *data,
                       double seconds)
{
    printf("exact-number accuracy %.4f (%zu/%zu)\n", nn_seq_exact_rate(s), s->exact, s->total);
    printf("digit error rate      %.4f (%zu edits for %zu digits)\n",
           nn_seq_label_error_rate(s), s->edits, s->labels);
    printf("loss                  %.4f (mean CTC loss)\n\n", mean_loss(s));
    printf("%6s %8s %8s %9s\n", "digits", "numbers", "exact", "accuracy");
    for (size_t len = 1; len <= NN_SEQ_MAX; len++)
        if (s->by_len[len] > 0)
            printf("%6zu %8zu %8zu %9.4f\n", len, s->by_len[len], s->exact_by_len[len],
                   nn_seq_exact_rate_of_len(s, len));
    printf("\nmodel ");
    cli_put_text(stdout, r->model_path);
    printf("\ndata  ");
    cli_put_text(stdout, data);
    printf("\ntime  %.3f s\n", seconds);
}

static void print_json(const cli_reader_eval *r, const nn_seq_score *s, const char *data,
                       double seconds)
{
    cli_rec rec, *o = &rec;
    cli_rec_init(o, stdout, CLI_REC_JSON);
    cli_rec_begin(o);
    cli_rec_str(o, "model", r->model_path);
    cli_rec_str(o, "images", data);
    if (r->numbers_path != NULL)
        cli_rec_str(o, "numbers", r->numbers_path);
    cli_rec_fixed(o, "accuracy", nn_seq_exact_rate(s), 6);
    cli_rec_size(o, "correct", s->exact);
    cli_rec_size(o, "total", s->total);
    cli_rec_fixed(o, "digit_error_rate", nn_seq_label_error_rate(s), 6);
    cli_rec_size(o, "edits", s->edits);
    cli_rec_size(o, "digits", s->labels);
    cli_rec_fixed(o, "loss", mean_loss(s), 6);
    cli_rec_array(o, "by_length");
    for (size_t len = 1; len <= NN_SEQ_MAX; len++) {
        if (s->by_len[len] == 0)
            continue;
        cli_rec_object(o, NULL);
        cli_rec_size(o, "digits", len);
        cli_rec_size(o, "total", s->by_len[len]);
        cli_rec_size(o, "correct", s->exact_by_len[len]);
        cli_rec_fixed(o, "accuracy", nn_seq_exact_rate_of_len(s, len), 6);
        cli_rec_close(o);
    }
    cli_rec_close(o);
    cli_rec_fixed(o, "seconds", seconds, 6);
    cli_rec_end(o);
}

/* One row per number length, then a "total" row with the loss and the
 * digit error rate. */
static void print_csv(const nn_seq_score *s)
{
    cli_rec rec, *o = &rec;
    cli_rec_init(o, stdout, CLI_REC_CSV);
    static const char *const columns[] = {"digits", "total", "correct", "accuracy",
                                          "digit_error_rate", "loss"};
    cli_rec_begin(o);
    for (size_t i = 0; i < sizeof columns / sizeof columns[0]; i++)
        cli_rec_str(o, NULL, columns[i]);
    cli_rec_end(o);
    for (size_t len = 1; len <= NN_SEQ_MAX; len++) {
        if (s->by_len[len] == 0)
            continue;
        cli_rec_begin(o);
        cli_rec_size(o, NULL, len);
        cli_rec_size(o, NULL, s->by_len[len]);
        cli_rec_size(o, NULL, s->exact_by_len[len]);
        cli_rec_fixed(o, NULL, nn_seq_exact_rate_of_len(s, len), 6);
        cli_rec_null(o, NULL);
        cli_rec_null(o, NULL);
        cli_rec_end(o);
    }
    cli_rec_begin(o);
    cli_rec_str(o, NULL, "total");
    cli_rec_size(o, NULL, s->total);
    cli_rec_size(o, NULL, s->exact);
    cli_rec_fixed(o, NULL, nn_seq_exact_rate(s), 6);
    cli_rec_fixed(o, NULL, nn_seq_label_error_rate(s), 6);
    cli_rec_fixed(o, NULL, mean_loss(s), 6);
    cli_rec_end(o);
}

int cli_eval_reader(const cli_reader_eval *r, const nn_net *net)
{
    nn_images images = {0};
    nn_number_labels numbers = {0};
    char composed[96];
    const char *shown = r->images_path;
    nn_seq_score score;
    memset(&score, 0, sizeof score);
    int rc;
    if (r->images_path != NULL) {
        rc = cli_numbers_files_load(r->images_path, r->numbers_path, r->cap, &images, &numbers);
    } else {
        size_t n = r->count > 0 && r->count < CLI_TEST_NUMBERS ? r->count : CLI_TEST_NUMBERS;
        rc = cli_read_test_numbers(net, cli_data_dir(r->data_dir), r->cap, n, r->threads, &score);
        snprintf(composed, sizeof composed, "the %s%zu test numbers of MNIST test digits "
                 "(seed %u)", n < CLI_TEST_NUMBERS ? "first " : "", n, CLI_TEST_NUMBERS_SEED);
        shown = composed;
    }
    nn_error err = {{0}};
    if (rc == CLI_OK && r->images_path != NULL) {
        nn_dataset data = cli_numbers_files_view(&images, &numbers);
        nn_seq_evaluator *ev = NULL;
        nn_status st = nn_seq_evaluator_create(net, data.seq_width, &ev, &err);
        if (st == NN_OK) /* the readings `read` makes */
            st = nn_seq_evaluator_read_as(ev, NN_READ_DEFAULT_PASSES, NN_READ_DEFAULT_BEAM,
                                          &err);
        if (st == NN_OK)
            st = nn_seq_evaluator_run(ev, &data, &score, NULL, NULL, &err);
        nn_seq_evaluator_free(ev);
        char where[4200];
        snprintf(where, sizeof where, "%s: ", r->images_path);
        if (st != NN_OK)
            rc = cli_fail_in(st, &err, where, "");
    }
    double seconds = cli_now_seconds() - r->t0;
    if (rc == CLI_OK && r->format == 0)
        print_text(r, &score, shown, seconds);
    else if (rc == CLI_OK && r->format == 1)
        print_json(r, &score, shown, seconds);
    else if (rc == CLI_OK)
        print_csv(&score);
    nn_images_free(&images);
    nn_number_labels_free(&numbers);
    return rc;
}
