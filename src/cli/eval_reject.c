/* eval_reject.c - eval --reject: rejections per true class, acceptance,
 * accuracy on the accepted images (eval_reject.h). */
#include "eval_reject.h"

#include "cli.h"

#include <stdlib.h>
#include <string.h>

int cli_reject_tally_open(cli_reject_tally *t, const cli_reject_opts *o, const char *data_dir,
                          const nn_net *net, const nn_model_meta *meta, const char *model_path,
                          size_t max_batch)
{
    memset(t, 0, sizeof *t);
    size_t n = meta->n_classes, n_in = nn_net_size(net, 0);
    t->n_classes = n;
    t->max_batch = max_batch;
    t->matrix = calloc(n * n, sizeof *t->matrix);
    t->rejected = calloc(n, sizeof *t->rejected);
    t->inputs = malloc(max_batch * n_in * sizeof *t->inputs);
    t->scores = malloc(max_batch * sizeof *t->scores);
    if (t->matrix == NULL || t->rejected == NULL || t->inputs == NULL || t->scores == NULL) {
        cli_error("%s: out of memory", model_path);
        return CLI_EXIT_DATA;
    }
    return cli_judge_open(o, data_dir, net, meta, model_path, max_batch, &t->judge);
}

int cli_reject_tally_add(cli_reject_tally *t, const nn_dataset *chunk, const uint8_t *predicted)
{
    for (size_t i = 0; i < chunk->count; i += t->max_batch) {
        size_t b = chunk->count - i < t->max_batch ? chunk->count - i : t->max_batch;
        const uint8_t *px = chunk->pixels + i * chunk->n_in;
        nn_scale_pixels(px, b * chunk->n_in, t->inputs);
        if (cli_judge_scores(&t->judge, t->inputs, px, chunk->n_in, b, NULL, 0, t->scores) != 0)
            return -1;
        for (size_t k = 0; k < b; k++) {
            size_t truth = chunk->labels[i + k], pred = predicted[i + k];
            t->total++;
            if (nn_reject_rejected(t->scores[k], t->judge.calib.threshold)) {
                t->rejected[truth]++;
                continue;
            }
            t->accepted++;
            t->right += truth == pred;
            t->matrix[truth * t->n_classes + pred]++;
        }
    }
    return 0;
}

static double share(size_t a, size_t b)
{
    return b > 0 ? (double)a / (double)b : 0.0;
}

void cli_reject_tally_text(const cli_reject_tally *t)
{
    size_t n = t->n_classes;
    printf("\nreject   judge ");
    cli_put_text(stdout, t->judge.path);
    printf(", novelty threshold %.6f\n", (double)t->judge.calib.threshold);
    printf("accepted %.4f (%zu/%zu)\n", share(t->accepted, t->total), t->accepted, t->total);
    printf("accuracy on accepted %.4f (%zu/%zu)\n\n", share(t->right, t->accepted), t->right,
           t->accepted);
    printf("confusion matrix with rejections (rows: true label, columns: predicted label, "
           "? rejected)\n%10s", "true\\pred");
    for (size_t j = 0; j < n; j++)
        printf(" %6zu", j);
    printf(" %6s\n", "?");
    for (size_t i = 0; i < n; i++) {
        printf("%10zu", i);
        for (size_t j = 0; j < n; j++)
            printf(" %6zu", t->matrix[i * n + j]);
        printf(" %6zu\n", t->rejected[i]);
    }
}

void cli_reject_tally_json(const cli_reject_tally *t, cli_rec *r)
{
    size_t n = t->n_classes;
    cli_rec_object(r, "reject");
    cli_rec_str(r, "model", t->judge.path);
    cli_rec_fixed(r, "threshold", t->judge.calib.threshold, 6);
    cli_rec_fixed(r, "acceptance", share(t->accepted, t->total), 6);
    cli_rec_size(r, "accepted", t->accepted);
    cli_rec_size(r, "rejected", t->total - t->accepted);
    cli_rec_fixed(r, "accuracy_accepted", share(t->right, t->accepted), 6);
    cli_rec_size(r, "correct_accepted", t->right);
    /* each row: the accepted images by predicted label, then the rejected */
    cli_rec_array(r, "confusion");
    for (size_t i = 0; i < n; i++) {
        cli_rec_array(r, NULL);
        for (size_t j = 0; j < n; j++)
            cli_rec_size(r, NULL, t->matrix[i * n + j]);
        cli_rec_size(r, NULL, t->rejected[i]);
        cli_rec_close(r);
    }
    cli_rec_close(r);
    cli_rec_close(r);
}

void cli_reject_tally_free(cli_reject_tally *t)
{
    cli_judge_close(&t->judge);
    free(t->matrix);
    free(t->rejected);
    free(t->inputs);
    free(t->scores);
    memset(t, 0, sizeof *t);
}
