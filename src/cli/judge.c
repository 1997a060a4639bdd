/* judge.c - which model says "not a digit" for predict and eval --reject,
 * and its scores (judge.h). */
#include "cli.h"
#include "judge.h"

#include <stdio.h>
#include <string.h>

#define JUDGE_BYTES ((size_t)4 << 20) /* a judge's workspace, about */

int cli_parse_reject_option(int opt, const char *text, cli_reject_opts *o)
{
    o->on = 1;
    switch (opt) {
    case CLI_OPT_REJECT: return 0;
    case CLI_OPT_REJECT_MODEL: o->model = text; return 0;
    case CLI_OPT_REJECT_THRESHOLD:
        o->threshold_given = 1;
        return cli_parse_float("--reject-threshold", text, 0.0, 1.0, &o->threshold);
    }
    return -1;
}

/* The judge's own model: loaded, with classes and the classifier's input.
 * 0, or the exit code of a printed error. */
static int load_judge(cli_judge *j, const nn_model_meta *cmeta, nn_model_meta *jmeta)
{
    nn_error err = {{0}};
    nn_status st = nn_model_load(j->path, &j->own, jmeta, &err);
    j->net = j->own;
    if (st == NN_OK && !nn_net_has_classes(j->net))
        st = nn_fail(&err, NN_E_MISMATCH, "%s: an autoencoder cannot judge --reject: it "
                     "gives no class probabilities", j->path);
    if (st == NN_OK && (jmeta->rows != cmeta->rows || jmeta->cols != cmeta->cols))
        st = nn_fail(&err, NN_E_MISMATCH, "%s: the reject model takes %ux%u images, the "
                     "classifier %ux%u", j->path, jmeta->rows, jmeta->cols, cmeta->rows,
                     cmeta->cols);
    /* A conv judge holds far more values per image than a dense one: it
     * takes the classifier's chunks in smaller batches. */
    if (st != NN_OK)
        return cli_fail(st, &err);
    j->n_out = jmeta->n_classes;
    return CLI_OK;
}

/* The workspace of j->net. 0, or the exit code of a printed error. */
static int open_workspace(cli_judge *j, size_t max_batch)
{
    nn_error err = {{0}};
    j->batch = nn_net_batch_for(j->net, JUDGE_BYTES, max_batch);
    nn_status st = nn_workspace_create_forward(j->net, j->batch, &j->ws, &err);
    return st == NN_OK ? CLI_OK : cli_fail(st, &err);
}

int cli_judge_open(const cli_reject_opts *o, const char *data_dir, const nn_net *cnet,
                   const nn_model_meta *cmeta, const char *cpath, size_t max_batch,
                   cli_judge *j)
{
    memset(j, 0, sizeof *j);
    nn_model_meta jmeta;
    const nn_model_meta *m = cmeta;
    int rc = CLI_OK;
    if (o->model == NULL && cmeta->has_calibration) {
        snprintf(j->path, sizeof j->path, "%s", cpath);
        j->net = cnet;
        j->n_out = cmeta->n_classes;
    } else {
        rc = cli_find_model(data_dir, o->model != NULL ? o->model : CLI_REJECT_MODEL, NULL, NULL,
                            j->path, sizeof j->path, NULL);
        if (rc == CLI_OK)
            rc = load_judge(j, cmeta, &jmeta);
        m = &jmeta;
    }
    if (rc == CLI_OK)
        rc = open_workspace(j, max_batch);
    if (rc != CLI_OK) {
        cli_judge_close(j);
        return rc;
    }
    if (m->has_calibration) {
        j->calib = m->calibration;
    } else if (o->threshold_given) { /* any classifier: 1 - its confidence */
        j->calib.score = NN_SCORE_CONFIDENCE;
        j->calib.reject_class = NN_REJECT_NO_CLASS;
    } else {
        cli_error("%s: no reject calibration stored in the model (train it with "
                  "--calibrate, or give --reject-threshold)", j->path);
        cli_judge_close(j);
        return CLI_EXIT_DATA;
    }
    if (o->threshold_given)
        j->calib.threshold = o->threshold;
    return CLI_OK;
}

int cli_judge_scores(cli_judge *j, const float *inputs, const uint8_t *pixels, size_t n_pixels,
                     size_t n, const float *probs, size_t n_classes, float *scores)
{
    if (j->own == NULL && probs != NULL) { /* the classifier judges itself */
        for (size_t i = 0; i < n; i++)
            scores[i] = nn_reject_score(&j->calib, probs + i * n_classes, n_classes,
                                        pixels + i * n_pixels, n_pixels);
        return 0;
    }
    for (size_t i = 0; i < n; i += j->batch) {
        size_t b = n - i < j->batch ? n - i : j->batch;
        const float *x = inputs + i * n_pixels;
        /* one image alone takes the one-image path, as the classifier's does */
        const float *p = b == 1 ? nn_net_forward(j->net, j->ws, x)
                                : nn_net_forward_batch(j->net, j->ws, x, b);
        if (nn_first_nonfinite(p, b * j->n_out) < b * j->n_out) {
            cli_error("%s: the forward pass overflows: an image gets a non-finite "
                      "probability", j->path);
            return -1;
        }
        for (size_t k = 0; k < b; k++)
            scores[i + k] = nn_reject_score(&j->calib, p + k * j->n_out, j->n_out,
                                            pixels + (i + k) * n_pixels, n_pixels);
    }
    return 0;
}

void cli_judge_close(cli_judge *j)
{
    nn_workspace_free(j->ws);
    nn_net_free(j->own);
    j->ws = NULL;
    j->own = NULL;
    j->net = NULL;
}
