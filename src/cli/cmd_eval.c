/* cmd_eval.c - `nnclass eval`: accuracy, confusion matrix and per-class
 * metrics of a model on a labelled data set, as text, JSON or CSV. */
#include "cli.h"
#include "eval_errors.h"
#include "eval_numbers.h"
#include "eval_reject.h"
#include "record.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nnclass/nn/eval.h"
#include "nnclass/io/idx.h"
#include "nnclass/nn/model.h"
#include "nnclass/nn/net.h"

typedef enum { FORMAT_TEXT, FORMAT_JSON, FORMAT_CSV } eval_format;

typedef struct {
    const char *model;
    const char *dataset;
    const char *split;
    int split_given;
    const char *images, *labels, *numbers;
    size_t count; /* --count: the first test numbers only */
    const char *data_dir;
    eval_format format;
    const char *plot;
    const char *plot_errors;
    size_t errors;
    int quiet;
    size_t threads;
    size_t max_input_mb;
    cli_image_opts image;
    cli_reject_opts reject;
} eval_args;

static void usage(FILE *out)
{
    fputs("Usage: nnclass eval [OPTION]...\n"
          "Classify a labelled data set and report accuracy, the loss (mean\n"
          "cross-entropy of the true labels; none for the perceptron), the confusion\n"
          "matrix (rows: true label, columns: predicted) and per-class precision, recall\n"
          "and F1. CSV gives the loss in the last column of its total row.\n\n"
          "  --model FILE         model to evaluate (default: the dataset's model,\n"
          "                       <data dir>/models/<dataset>.nnc; with --images, mnist-cnn\n"
          "                       for PNG, JPEG or PGM/PPM files, else mnist);\n"
          "                       a bare NAME such as mnist-cnn means ./NAME or\n"
          "                       ./NAME.nnc when one is there, else\n"
          "                       <data dir>/models/NAME.nnc\n"
          "  --dataset NAME       mnist or fashion (default mnist)\n"
          "  --split NAME         test or train (default test)\n"
          "  --images F --labels F  IDX image and label files instead of a dataset; the\n"
          "                       images may also be one PNG, JPEG, PGM or PPM image\n"
          "  --images F --numbers F.txt  for a number reader (a CTC model): strips and\n"
          "                       their numbers, one a line; without files it reads the\n"
          "                       10000 test numbers of MNIST test digits, those of\n"
          "                       'pack --numbers --split test --count 10000 --seed 1'\n"
          "  --count N            read only the first N of those test numbers\n"
          "                       (a reader's numbers are read as nnclass read reads\n"
          "                       them by default: a beam of 4, two passes)\n"
          "  --data-dir DIR       where datasets live (default $NNCLASS_DATA, else the\n"
          "                       project's data/ folder)\n"
          "  --format NAME        text, json or csv (default text)\n"
          "  --plot FILE.svg      also draw the confusion matrix as a heatmap (SVG)\n"
          "  --errors N           also show the N most confidently wrong images: drawn in\n"
          "                       text, an \"errors\" array in JSON (index, true, predicted,\n"
          "                       confidence, pixels); not with csv (default 0)\n"
          "  --plot-errors FILE.svg  draw those N images as a captioned gallery (SVG)\n"
          "  --threads N          BLAS threads (default 1)\n"
          "  -q, --quiet          no progress bar (drawn on a terminal for large inputs)\n"
          "  --max-input-mb N     refuse label files declaring more than N MiB (default 1024)\n"
          CLI_IMAGE_HELP
          CLI_REJECT_HELP
          "                       (eval: the acceptance rate, the accuracy on the\n"
          "                       accepted images, a column of rejections; text or json)\n"
          "  -h, --help           show this help and exit\n",
          out);
}

enum { OPT_MODEL = 256, OPT_DATASET, OPT_SPLIT, OPT_IMAGES, OPT_LABELS, OPT_DATA_DIR,
       OPT_FORMAT, OPT_PLOT, OPT_PLOT_ERRORS, OPT_ERRORS, OPT_THREADS, OPT_MAX_INPUT,
       OPT_NUMBERS, OPT_COUNT };

static const struct option long_options[] = {
    {"model", required_argument, NULL, OPT_MODEL},
    {"dataset", required_argument, NULL, OPT_DATASET},
    {"split", required_argument, NULL, OPT_SPLIT},
    {"images", required_argument, NULL, OPT_IMAGES},
    {"labels", required_argument, NULL, OPT_LABELS},
    {"numbers", required_argument, NULL, OPT_NUMBERS},
    {"count", required_argument, NULL, OPT_COUNT},
    {"data-dir", required_argument, NULL, OPT_DATA_DIR},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"plot", required_argument, NULL, OPT_PLOT},
    {"plot-errors", required_argument, NULL, OPT_PLOT_ERRORS},
    {"errors", required_argument, NULL, OPT_ERRORS},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"max-input-mb", required_argument, NULL, OPT_MAX_INPUT},
    CLI_IMAGE_LONG_OPTIONS,
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    CLI_REJECT_LONG_OPTIONS,
    {NULL, 0, NULL, 0},
};

/* One option of the table; 0, or -1 after printing a bad value. */
static int parse_option(int c, void *args)
{
    eval_args *a = args;
    static const char *const splits[] = {"test", "train"};
    static const char *const formats[] = {"text", "json", "csv"}; /* eval_format's order */
    int bad = 0, i = 0;
    switch (c) {
    case OPT_MODEL: a->model = optarg; break;
    case OPT_DATASET: a->dataset = optarg; break;
    case OPT_SPLIT:
        bad = cli_parse_enum("--split", "split", optarg, splits, 2, &i);
        a->split = optarg;
        a->split_given = 1;
        break;
    case OPT_IMAGES: a->images = optarg; break;
    case OPT_LABELS: a->labels = optarg; break;
    case OPT_NUMBERS: a->numbers = optarg; break;
    case OPT_COUNT: bad = cli_parse_size("--count", optarg, 1, 10000, &a->count); break;
    case OPT_DATA_DIR: a->data_dir = optarg; break;
    case OPT_FORMAT:
        bad = cli_parse_enum("--format", "format", optarg, formats, 3, &i);
        a->format = (eval_format)i;
        break;
    /* an empty picture name is refused with the outputs */
    case OPT_PLOT: a->plot = optarg; break;
    case OPT_PLOT_ERRORS: a->plot_errors = optarg; break;
    case OPT_ERRORS: bad = cli_parse_size("--errors", optarg, 0, 1000000, &a->errors); break;
    case OPT_THREADS: bad = cli_parse_size("--threads", optarg, 1, 256, &a->threads); break;
    case OPT_MAX_INPUT:
        bad = cli_parse_size("--max-input-mb", optarg, 1, (size_t)1 << 20, &a->max_input_mb);
        break;
    case CLI_OPT_PREPROCESS:
    case CLI_OPT_INVERT:
    case CLI_OPT_MAX_MPIXELS: bad = cli_parse_image_option(c, optarg, &a->image); break;
    case CLI_OPT_REJECT:
    case CLI_OPT_REJECT_MODEL:
    case CLI_OPT_REJECT_THRESHOLD: bad = cli_parse_reject_option(c, optarg, &a->reject); break;
    case 'q': a->quiet = 1; break;
    }
    return bad;
}

/* The options that do not go together; -1 when they all do, else the exit
 * code of the usage error. */
static int check_combinations(eval_args *a)
{
    int rc = cli_check_numbers_option("eval", a->images, a->labels, a->numbers);
    if (rc < 0) /* --numbers stands for --labels beside --images */
        rc = cli_check_input_options("eval", a->images, a->numbers ? a->numbers : a->labels,
                                     a->dataset);
    if (rc != 0)
        return rc;
    if (a->images != NULL && a->split_given)
        return cli_usage_error("eval", "--split picks a dataset's split; it does not go "
                               "with --images/--labels");
    if (a->format == FORMAT_CSV && (a->errors > 0 || a->reject.on))
        return cli_usage_error("eval", "%s does not go with --format csv (one table); "
                               "use --format json or text", a->reject.on ? "--reject" : "--errors");
    a->image.no_ink_blank = a->reject.on; /* a blank image is a rejection, not an error */
    if (a->images == NULL && a->dataset == NULL)
        a->dataset = "mnist";
    if (a->count > 0 && a->images != NULL)
        return cli_usage_error("eval", "--count picks the first composed test numbers; it "
                               "does not go with --images");
    if (a->plot_errors != NULL && a->errors == 0)
        return cli_usage_error("eval", "--plot-errors needs --errors N (how many images)");
    return -1;
}

/* Returns -1 to go on, else the exit code (help, or a usage error). */
static int parse_args(int argc, char **argv, eval_args *a)
{
    memset(a, 0, sizeof *a);
    a->split = "test";
    a->threads = 1;
    a->max_input_mb = NN_IDX_DEFAULT_MAX_BYTES >> 20;
    cli_image_opts_init(&a->image);
    int rc = cli_parse_options("eval", argc, argv, ":qh", long_options, usage, parse_option, a);
    if (rc >= 0)
        return rc;
    if (optind < argc)
        return cli_usage_error("eval", "unexpected argument '%s'", argv[optind]);
    return check_combinations(a);
}

/* The mean cross-entropy of the images, or NaN where the model's outputs
 * are no probabilities whose loss means something: the perceptron's. */
static double test_loss(const nn_net *net, const nn_confusion *c)
{
    return nn_net_hidden(net) == NN_ACT_STEP ? NAN : nn_confusion_loss(c);
}

static void print_text(const nn_confusion *c, double loss, const nn_model_meta *meta,
                       const char *model, const char *images_path, double seconds)
{
    size_t n = c->n_classes;
    printf("accuracy %.4f (%zu/%zu)\n", nn_confusion_accuracy(c), c->correct, c->total);
    if (!isnan(loss))
        printf("loss     %.4f (mean cross-entropy)\n\n", loss);
    else
        printf("loss     none (the perceptron's sums are no probabilities)\n\n");
    printf("confusion matrix (rows: true label, columns: predicted label)\n");
    printf("%10s", "true\\pred");
    for (size_t j = 0; j < n; j++)
        printf(" %6zu", j);
    printf("\n");
    for (size_t i = 0; i < n; i++) {
        printf("%10zu", i);
        for (size_t j = 0; j < n; j++)
            printf(" %6zu", c->confusion[i * n + j]);
        printf("\n");
    }
    printf("\n%-14s %9s %9s %9s %9s\n", "class", "precision", "recall", "f1-score", "support");
    for (size_t k = 0; k < n; k++) {
        nn_class_metrics m = nn_class_metrics_of(c, k);
        /* "3" for digits, "3 Dress" where the classes have real names. */
        char label[64];
        cli_class_caption(k, meta->has_class_names ? meta->class_names[k] : NULL, label,
                          sizeof label);
        printf("%-14s %9.4f %9.4f %9.4f %9zu\n", label, m.precision, m.recall, m.f1, m.support);
    }
    nn_class_metrics avg = nn_metrics_macro(c), wavg = nn_metrics_weighted(c);
    printf("\n%-14s %9s %9s %9.4f %9zu\n", "accuracy", "", "", nn_confusion_accuracy(c), c->total);
    printf("%-14s %9.4f %9.4f %9.4f %9zu\n", "macro avg", avg.precision, avg.recall, avg.f1,
           avg.support);
    printf("%-14s %9.4f %9.4f %9.4f %9zu\n", "weighted avg", wavg.precision, wavg.recall,
           wavg.f1, wavg.support);
    printf("\nmodel ");
    cli_put_text(stdout, model);
    printf("\ndata  ");
    cli_put_text(stdout, images_path);
    printf("\ntime  %.3f s\n", seconds);
}

/* A class's precision, recall, F1 and support as members of the record. */
static void put_metrics(cli_rec *r, const nn_class_metrics *m)
{
    cli_rec_fixed(r, "precision", m->precision, 6);
    cli_rec_fixed(r, "recall", m->recall, 6);
    cli_rec_fixed(r, "f1", m->f1, 6);
    cli_rec_size(r, "support", m->support);
}

/* The report as one JSON object, left open: the caller may add members and
 * ends the record. */
static void print_json(cli_rec *r, const nn_confusion *c, double loss,
                       const nn_model_meta *meta, const char *model, const char *images_path,
                       const char *labels_path, double seconds)
{
    size_t n = c->n_classes;
    char buf[32];
    cli_rec_begin(r);
    cli_rec_str(r, "model", model);
    cli_rec_str(r, "images", images_path);
    cli_rec_str(r, "labels", labels_path);
    cli_rec_fixed(r, "accuracy", nn_confusion_accuracy(c), 6);
    cli_rec_size(r, "correct", c->correct);
    cli_rec_size(r, "total", c->total);
    cli_rec_fixed(r, "loss", loss, 6); /* null for the perceptron */
    cli_rec_array(r, "confusion");
    for (size_t i = 0; i < n; i++) {
        cli_rec_array(r, NULL);
        for (size_t j = 0; j < n; j++)
            cli_rec_size(r, NULL, c->confusion[i * n + j]);
        cli_rec_close(r);
    }
    cli_rec_close(r);
    cli_rec_array(r, "classes");
    for (size_t k = 0; k < n; k++) {
        nn_class_metrics m = nn_class_metrics_of(c, k);
        cli_rec_object(r, NULL);
        cli_rec_size(r, "class", k);
        cli_rec_str(r, "name", cli_class_name(meta, k, buf, sizeof buf));
        put_metrics(r, &m);
        cli_rec_close(r);
    }
    cli_rec_close(r);
    nn_class_metrics avg = nn_metrics_macro(c), wavg = nn_metrics_weighted(c);
    cli_rec_object(r, "macro_avg");
    put_metrics(r, &avg);
    cli_rec_close(r);
    cli_rec_object(r, "weighted_avg");
    put_metrics(r, &wavg);
    cli_rec_close(r);
    cli_rec_fixed(r, "seconds", seconds, 6);
}

/* One row per true class: its metrics, then its row of the confusion matrix;
 * a last "total" row holds the macro averages, the column sums and, in the
 * last column, the loss (empty in the class rows, and for the perceptron). */
static void print_csv(cli_rec *r, const nn_confusion *c, double loss)
{
    size_t n = c->n_classes;
    char name[32];
    cli_rec_begin(r);
    static const char *const columns[] = {"class", "support", "correct", "precision", "recall",
                                          "f1"};
    for (size_t i = 0; i < sizeof columns / sizeof columns[0]; i++)
        cli_rec_str(r, NULL, columns[i]);
    for (size_t j = 0; j < n; j++) {
        snprintf(name, sizeof name, "pred_%zu", j);
        cli_rec_str(r, NULL, name);
    }
    cli_rec_str(r, NULL, "loss");
    cli_rec_end(r);
    for (size_t i = 0; i < n; i++) {
        nn_class_metrics m = nn_class_metrics_of(c, i);
        cli_rec_begin(r);
        cli_rec_size(r, NULL, i);
        cli_rec_size(r, NULL, m.support);
        cli_rec_size(r, NULL, c->confusion[i * n + i]);
        cli_rec_fixed(r, NULL, m.precision, 6);
        cli_rec_fixed(r, NULL, m.recall, 6);
        cli_rec_fixed(r, NULL, m.f1, 6);
        for (size_t j = 0; j < n; j++)
            cli_rec_size(r, NULL, c->confusion[i * n + j]);
        cli_rec_null(r, NULL);
        cli_rec_end(r);
    }
    nn_class_metrics avg = nn_metrics_macro(c);
    cli_rec_begin(r);
    cli_rec_str(r, NULL, "total");
    cli_rec_size(r, NULL, c->total);
    cli_rec_size(r, NULL, c->correct);
    cli_rec_fixed(r, NULL, avg.precision, 6);
    cli_rec_fixed(r, NULL, avg.recall, 6);
    cli_rec_fixed(r, NULL, avg.f1, 6);
    for (size_t j = 0; j < n; j++)
        cli_rec_size(r, NULL, nn_confusion_predicted(c, j));
    cli_rec_fixed(r, NULL, loss, 6);
    cli_rec_end(r);
}

#define EVAL_CHUNK_IMAGES 1024


/* The images of in, as many as labels and of the model's geometry, and the
 * labels, each one a class of the model: the whole set's view, whose pixels
 * arrive chunk by chunk. */
static nn_status check_stream(const cli_input *in, const nn_model_meta *meta,
                              const char *model_path, const char *images_path,
                              const nn_labels *labels, const char *labels_path,
                              nn_dataset *whole, nn_error *err)
{
    if (in->counted && in->count == 0)
        return nn_fail(err, NN_E_FORMAT, "%s: no images to evaluate", images_path);
    nn_status st = nn_model_check_input(meta, in->rows, in->cols, images_path, err);
    if (st != NN_OK)
        return st;
    /* Image files are counted as they are read: one per label is expected. */
    *whole = nn_dataset_view(NULL, labels->labels, in->counted ? in->count : labels->count,
                             in->rows, in->cols, meta->n_classes);
    char classes_from[4200];
    snprintf(classes_from, sizeof classes_from, "the model %s", model_path);
    return cli_check_dataset(whole, images_path, labels->count, labels_path, classes_from, err);
}

/* The labels do not go with the image files, found once they are read
 * (at least n images). */
static nn_status image_count_mismatch(const char *labels_path, size_t n_labels,
                                      const char *images_path, size_t n, nn_error *err)
{
    return nn_fail(err, NN_E_MISMATCH, "%s: %zu labels, but %s has %s%zu images", labels_path,
                   n_labels, images_path, n > n_labels ? "at least " : "", n);
}

/* An autoencoder's evaluation: its summed per-image losses and the image
 * count. */
typedef struct {
    double sum;
    size_t count;
} recon_tally;

/* One chunk (the images from done on) into conf, the wrong ones to keeper;
 * an autoencoder's into recon instead. names: the model's and the images'
 * paths, for messages. */
static nn_status eval_chunk(nn_evaluator *ev, const nn_dataset *chunk, size_t done,
                            nn_confusion *conf, cli_error_keeper *keeper, recon_tally *recon,
                            cli_reject_tally *rt, const char *const names[2], nn_error *err)
{
    uint8_t predicted[EVAL_CHUNK_IMAGES];
    float confidence[EVAL_CHUNK_IMAGES];
    nn_error net_err = {{0}};
    nn_status st = recon != NULL
                       ? nn_evaluator_run_recon(ev, chunk, &recon->sum, &net_err)
                       : nn_evaluator_run(ev, chunk, conf, predicted, confidence, &net_err);
    if (st != NN_OK)
        return nn_fail(err, st, "%s: %s", st == NN_E_NUMERIC ? names[0] : names[1],
                       net_err.msg);
    if (recon != NULL)
        recon->count += chunk->count;
    else if (cli_keep_errors(keeper, chunk, done, predicted, confidence) != 0)
        return nn_fail(err, NN_E_NOMEM, "%s: out of memory", names[1]);
    else if (rt != NULL && cli_reject_tally_add(rt, chunk, predicted) != 0)
        return NN_E_NUMERIC; /* printed */
    return NN_OK;
}

/* Classifies the image file chunk by chunk against the loaded labels, in one
 * pass (standard input and pipes work): inflating and classifying a small
 * cache-warm buffer is faster than holding all the pixels, and memory stays
 * flat. Every chunk adds into conf, made here, in the same scratch. Wrong
 * images go to keeper when it wants any. An autoencoder's chunks add their
 * reconstruction losses into recon instead. */
static nn_status evaluate_stream(const nn_net *net, const nn_model_meta *meta,
                                 const char *model_path, const char *images_path,
                                 const cli_image_opts *o, const char *labels_path,
                                 const nn_labels *labels, nn_confusion *conf,
                                 cli_error_keeper *keeper, cli_bar *bar, recon_tally *recon,
                                 cli_reject_tally *rt, nn_error *err)
{
    cli_input in;
    nn_dataset whole = {0};
    nn_evaluator *ev = NULL;
    uint8_t *buf = NULL;
    nn_status st = cli_input_open(images_path, o, &in, err);
    if (st != NN_OK)
        return st;
    st = check_stream(&in, meta, model_path, images_path, labels, labels_path, &whole, err);
    if (st == NN_OK)
        st = nn_confusion_init(conf, meta->n_classes, err);
    if (st == NN_OK)
        st = nn_evaluator_create(net, &ev, err);
    if (st == NN_OK && (buf = malloc((size_t)EVAL_CHUNK_IMAGES * whole.n_in)) == NULL)
        st = nn_fail(err, NN_E_NOMEM, "%s: out of memory", images_path);
    keeper->px = whole.n_in;
    for (size_t done = 0; st == NN_OK;) {
        size_t got = 0, want = EVAL_CHUNK_IMAGES;
        if (!in.counted && whole.count - done < want)
            want = whole.count > done ? whole.count - done : 1; /* 1: is there more? */
        st = cli_input_read(&in, buf, want, &got, err);
        if (st == NN_DONE && done != whole.count)
            st = image_count_mismatch(labels_path, labels->count, images_path, done, err);
        if (st == NN_OK && done + got > whole.count)
            st = image_count_mismatch(labels_path, labels->count, images_path, done + got,
                                      err);
        if (st != NN_OK)
            break;
        nn_dataset chunk = nn_dataset_view(buf, whole.labels + done, got, whole.rows,
                                           whole.cols, whole.n_classes);
        const char *names[2] = {model_path, images_path};
        st = eval_chunk(ev, &chunk, done, conf, keeper, recon, rt, names, err);
        done += got;
        if (st == NN_OK && whole.count >= CLI_BAR_MIN_IMAGES) {
            double t = cli_bar_elapsed(bar), rate = t > 0 ? (double)done / t : -1;
            cli_bar_draw(bar, "eval", done, whole.count, rate,
                         rate > 0 ? (double)(whole.count - done) / rate : -1, NULL);
        }
    }
    if (st == NN_DONE)
        st = NN_OK;
    cli_bar_clear(bar);
    free(buf);
    nn_evaluator_free(ev);
    cli_input_close(&in);
    return st;
}

/* What an evaluation works on, from its files to its results. */
typedef struct {
    char images_path[4096], labels_path[4096], model_path[4096];
    char plot_target[4096], errors_target[4096]; /* the files --plot, --plot-errors name */
    nn_model_meta meta;
    nn_net *net;
    nn_labels labels;
    nn_confusion conf;
    cli_error_keeper keeper;
    int recon; /* the model is an autoencoder: recon_tally, no confusion */
    int reader; /* the model reads numbers: eval_numbers.c reported */
    recon_tally tally;
    double t0;
    cli_reject_tally *rt; /* --reject: &rt_store */
    cli_reject_tally rt_store;
} eval_job;

/* The model and the labelled images: --images and --labels, else the
 * dataset's split. */
static int find_files(const eval_args *a, eval_job *j)
{
    const char *data_dir = cli_data_dir(a->data_dir);
    if (cli_input_paths(data_dir, a->images, a->numbers ? a->numbers : a->labels, a->dataset,
                        a->split, j->images_path, j->labels_path, sizeof j->images_path) != 0)
        return CLI_EXIT_USAGE;
    int by_default;
    int rc = cli_find_model(a->data_dir, a->model, a->dataset, a->images, j->model_path,
                            sizeof j->model_path, &by_default);
    if (rc != CLI_OK)
        return rc;
    if (by_default && a->format == FORMAT_CSV) /* text and JSON name it */
        cli_model_note(j->model_path, a->quiet);
    if (a->images == NULL && access(j->images_path, F_OK) != 0)
        return cli_missing_data(j->images_path, a->data_dir);
    return CLI_OK;
}

/* The pictures' destinations are checked before the work, like every output:
 * and the two pictures are two files. */
static int check_outputs(const eval_args *a, eval_job *j)
{
    const char *inputs[] = {j->model_path, j->images_path, j->labels_path};
    cli_output outs[] = {
        {"--plot", a->plot, CLI_OUTPUT_REPLACE, j->plot_target, sizeof j->plot_target},
        {"--plot-errors", a->plot_errors, CLI_OUTPUT_REPLACE, j->errors_target,
         sizeof j->errors_target},
    };
    return cli_check_outputs(outs, 2, inputs, 3);
}

/* A number reader's report (eval_numbers.c); the exit code. */
static int evaluate_reader(const eval_args *a, eval_job *j)
{
    if (!j->reader || a->plot != NULL || a->plot_errors != NULL || a->errors > 0 ||
        a->reject.on || (a->images != NULL && a->numbers == NULL) || a->split_given ||
        (a->count > 0 && a->images != NULL))
        return cli_usage_error("eval", "%s: %s", j->model_path, !j->reader
                               ? "--numbers and --count are for a number reader (a CTC model)"
                               : "a number reader takes --images F --numbers F.txt, or no "
                                 "data option (and maybe --count), and no --plot, "
                                 "--plot-errors, --errors, --split, --reject");
    cli_reader_eval r = {j->model_path, a->images, a->numbers, a->data_dir, (int)a->format,
                         (uint64_t)a->max_input_mb << 20, a->threads, j->t0, a->count};
    return cli_eval_reader(&r, j->net);
}

/* Loads the model and the labels and classifies the images into j->conf
 * (and j->keeper). */
static int evaluate(const eval_args *a, eval_job *j)
{
    nn_error err = {{0}};
    int rc_blas = cli_set_blas_threads(cli_cap_threads(a->threads, a->quiet));
    if (rc_blas != CLI_OK)
        return rc_blas;
    int load_rc = cli_load_model(j->model_path, &j->net, &j->meta);
    if (load_rc != CLI_OK)
        return load_rc;
    j->reader = nn_net_reads_seq(j->net);
    if (j->reader || a->numbers != NULL || a->count > 0)
        return evaluate_reader(a, j);
    j->recon = !nn_net_has_classes(j->net);
    if (j->recon && (a->plot != NULL || a->plot_errors != NULL || a->errors > 0))
        return cli_usage_error("eval", "%s: an autoencoder has no confusion matrix or wrong "
                               "images (--plot, --plot-errors, --errors); see reconstruct",
                               j->model_path);
    if (a->reject.on) {
        j->rt = &j->rt_store;
        int rc = j->recon ? cli_usage_error("eval", "--reject: %s is an autoencoder",
                                            j->model_path)
                          : cli_reject_tally_open(j->rt, &a->reject, a->data_dir, j->net,
                                                  &j->meta, j->model_path, EVAL_CHUNK_IMAGES);
        if (rc != CLI_OK)
            return rc;
    }
    uint64_t cap = (uint64_t)a->max_input_mb << 20;
    nn_status st = nn_idx_load_labels(j->labels_path, cap, &j->labels, &err);
    j->keeper.n = a->errors;
    cli_bar bar;
    cli_bar_init(&bar, a->quiet);
    if (st == NN_OK)
        st = evaluate_stream(j->net, &j->meta, j->model_path, j->images_path, &a->image,
                             j->labels_path, &j->labels, &j->conf, &j->keeper, &bar,
                             j->recon ? &j->tally : NULL, j->rt, &err);
    if (st == NN_E_NUMERIC && err.msg[0] == '\0')
        return CLI_EXIT_DATA; /* the judge's failure, printed */
    if (st != NN_OK) {
        int rc = cli_fail(st, &err);
        if (st == NN_E_IO)
            cli_dataset_hint(a->dataset);
        return rc;
    }
    cli_keeper_sort(&j->keeper);
    return CLI_OK;
}

/* The pictures asked for; the exit code. */
static int draw_pictures(const eval_args *a, const eval_job *j)
{
    if (a->plot != NULL) {
        int rc = cli_plot_confusion(j->plot_target, &j->conf, &j->meta, j->model_path,
                                    j->images_path);
        if (rc != CLI_OK)
            return rc;
    }
    if (a->plot_errors != NULL) {
        nn_error err = {{0}};
        nn_status st = cli_plot_errors(j->errors_target, &j->keeper, &j->meta, j->model_path,
                                   j->images_path, &err);
        if (st != NN_OK)
            return cli_fail(st, &err);
    }
    return CLI_OK;
}

/* An autoencoder's report (eval_recon.c), in the format asked for. */
static void print_recon_report(const eval_args *a, const eval_job *j, double seconds)
{
    static const cli_rec_format formats[] = {[FORMAT_JSON] = CLI_REC_JSON,
                                             [FORMAT_CSV] = CLI_REC_CSV};
    cli_print_recon_report(a->format == FORMAT_TEXT ? NULL : &formats[a->format], j->model_path,
                           j->images_path, j->tally.count, j->tally.sum, seconds);
}

static void print_report(const eval_args *a, const eval_job *j, double seconds)
{
    cli_rec rec;
    if (j->recon) {
        print_recon_report(a, j, seconds);
        return;
    }
    double loss = test_loss(j->net, &j->conf);
    switch (a->format) {
    case FORMAT_TEXT:
        print_text(&j->conf, loss, &j->meta, j->model_path, j->images_path, seconds);
        if (a->errors > 0)
            cli_print_errors_text(&j->keeper, &j->meta);
        if (j->rt != NULL)
            cli_reject_tally_text(j->rt);
        break;
    case FORMAT_JSON:
        cli_rec_init(&rec, stdout, CLI_REC_JSON);
        print_json(&rec, &j->conf, loss, &j->meta, j->model_path, j->images_path, j->labels_path,
                   seconds);
        if (a->errors > 0)
            cli_print_errors_json(&rec, &j->keeper, &j->meta);
        if (j->rt != NULL)
            cli_reject_tally_json(j->rt, &rec);
        cli_rec_end(&rec);
        break;
    case FORMAT_CSV:
        cli_rec_init(&rec, stdout, CLI_REC_CSV);
        print_csv(&rec, &j->conf, loss);
        break;
    }
}

int cmd_eval(int argc, char **argv)
{
    eval_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0 || cli_parse_only)
        return rc >= 0 ? rc : CLI_OK;

    double t0 = cli_now_seconds();
    eval_job job;
    memset(&job, 0, sizeof job);
    job.t0 = t0;
    rc = find_files(&a, &job);
    if (rc == CLI_OK)
        rc = check_outputs(&a, &job);
    if (rc != CLI_OK)
        return rc;
    rc = evaluate(&a, &job);
    double seconds = cli_now_seconds() - t0;
    /* The pictures first: if one cannot be written, nothing is printed. */
    if (rc == CLI_OK && !job.reader)
        rc = draw_pictures(&a, &job);
    if (rc == CLI_OK && !job.reader)
        print_report(&a, &job, seconds); /* main checks standard output as it closes it */
    cli_keeper_free(&job.keeper);
    nn_confusion_free(&job.conf);
    if (job.rt != NULL)
        cli_reject_tally_free(job.rt);
    nn_net_free(job.net);
    nn_labels_free(&job.labels);
    return rc;
}
