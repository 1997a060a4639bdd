/* train_job.c - the training job of `nnclass train`: find and load the
 * data, build the network, train it with progress on stderr (and --log,
 * --plot), write the model file, and report on the test split. The options
 * are cmd_train.c's. */
#include "cli.h"
#include "numbers_data.h"
#include "record.h"
#include "train_args.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nnclass/nn/eval.h"
#include "nnclass/nn/eval_seq.h"
#include "nnclass/io/idx.h"
#include "nnclass/nn/model.h"
#include "nnclass/nn/net.h"
#include "nnclass/nn/train.h"

/* --- training progress ------------------------------------------------------ */

typedef struct {
    int quiet;
    cli_bar bar;  /* drawn when stderr is a terminal */
    size_t batch, epochs;
    FILE *log;
    const char *log_path;
    int log_failed;
    int perceptron;  /* show the error count: the perceptron rule has no loss */
    int recon;       /* an autoencoder: its losses, no accuracy */
    size_t n_train;  /* images trained on per epoch */
    cli_curve curve; /* --plot: the epochs so far, redrawn after each */
    const cli_number_epochs *numbers; /* numbers composed every epoch, or NULL */
} progress;

/* The training numbers of a minibatch, composed as the trainer draws it. */
static nn_status make_numbers(size_t epoch, const uint32_t *idx, size_t n,
                              const nn_sample_room *room, void *user, nn_error *err)
{
    const progress *p = user;
    return cli_numbers_make(p->numbers, epoch, idx, n, room, err);
}

/* The bar within an epoch: images/s over the epoch so far, the running
 * loss, and the time left for the whole run at that speed. */
static void on_progress(size_t epoch, size_t done, size_t total, double loss, void *user)
{
    progress *p = user;
    if (!p->bar.on || total == 0)
        return;
    size_t images = done * p->batch < p->n_train ? done * p->batch : p->n_train;
    double t = cli_bar_elapsed(&p->bar), rate = t > 0 ? (double)images / t : -1;
    double left = -1;
    if (rate > 0)
        left = ((double)(p->n_train - images) +
                (double)(p->epochs - epoch) * (double)p->n_train) / rate;
    char label[32], extra[32];
    snprintf(label, sizeof label, "epoch %3zu", epoch);
    snprintf(extra, sizeof extra, "  loss %.4f", loss);
    cli_bar_draw(&p->bar, label, done, total, rate, left, p->perceptron ? NULL : extra);
}

/* One JSON line of the --log file per epoch, flushed so that a reader
 * following the file sees it at once. */
static void log_epoch(progress *p, const nn_epoch_stats *s, size_t errors)
{
    cli_rec rec, *r = &rec;
    cli_rec_init(r, p->log, CLI_REC_JSON);
    cli_rec_begin(r);
    cli_rec_size(r, "epoch", s->epoch);
    cli_rec_size(r, "epochs", s->epochs);
    if (p->perceptron) {
        cli_rec_null(r, "loss");
        cli_rec_size(r, "errors", errors);
    } else {
        cli_rec_fixed(r, "loss", s->loss, 6);
    }
    if (s->train_accuracy >= 0)
        cli_rec_fixed(r, "train_accuracy", s->train_accuracy, 6);
    else
        cli_rec_null(r, "train_accuracy");
    if (s->val_accuracy >= 0)
        cli_rec_fixed(r, "val_accuracy", s->val_accuracy, 6);
    else
        cli_rec_null(r, "val_accuracy");
    if (s->val_loss >= 0)
        cli_rec_fixed(r, "val_loss", s->val_loss, 6);
    else
        cli_rec_null(r, "val_loss");
    cli_rec_bool(r, "best", s->is_best);
    cli_rec_fixed(r, "seconds", s->seconds, 4);
    cli_rec_sig(r, "lr", s->lr, 6);
    cli_rec_end(r);
    if (fflush(p->log) != 0)
        p->log_failed = 1;
}

static void on_epoch(const nn_epoch_stats *s, void *user)
{
    progress *p = user;
    cli_bar_clear(&p->bar);
    cli_bar_restart(&p->bar); /* the next epoch's clock */
    /* the images the epoch got wrong, from its accuracy (exact: n < 2^52) */
    size_t errors = (size_t)llround((1.0 - s->train_accuracy) * (double)p->n_train);
    if (!p->quiet) {
        if (p->perceptron)
            fprintf(stderr, "epoch %3zu/%zu  errors %zu  train %.4f", s->epoch, s->epochs,
                    errors, s->train_accuracy);
        else if (p->recon)
            fprintf(stderr, "epoch %3zu/%zu  loss %.4f", s->epoch, s->epochs, s->loss);
        else
            fprintf(stderr, "epoch %3zu/%zu  loss %.4f  train %.4f", s->epoch, s->epochs,
                    s->loss, s->train_accuracy);
        if (s->val_accuracy >= 0)
            fprintf(stderr, "  val %.4f%s", s->val_accuracy, s->is_best ? " *" : "");
        else if (p->recon && s->val_loss >= 0)
            fprintf(stderr, "  val loss %.4f%s", s->val_loss, s->is_best ? " *" : "");
        fprintf(stderr, "  %.2fs\n", s->seconds);
    }
    if (p->log != NULL && !p->log_failed)
        log_epoch(p, s, errors);
    if (p->curve.path != NULL) {
        nn_svg_epoch e = {s->epoch, p->perceptron ? -1.0 : s->loss, s->train_accuracy,
                          s->val_accuracy, s->lr, s->val_loss};
        cli_curve_add(&p->curve, &e);
    }
}

static volatile sig_atomic_t stop_signal = 0;

/* --- the command --------------------------------------------------------------- */

/* Files of their own have as many classes as the digits unless --classes
 * says otherwise: never guessed from the largest label, so that one stray
 * label is an error and not an extra output. */
#define DEFAULT_CLASSES 10

/* The number of classes of the training data: --classes, else a known
 * dataset's, else DEFAULT_CLASSES. */
static size_t data_class_count(const train_args *a)
{
    size_t n_names = 0;
    if (a->classes > 0)
        return a->classes;
    if (cli_dataset_class_names(a->dataset, &n_names) != NULL)
        return n_names;
    return DEFAULT_CLASSES;
}

/* The result on the test split: the line on stderr (also with --quiet: it
 * is the result, not progress) and, with --log, the log's last record. A
 * classifier's conf gives its accuracy; an autoencoder (conf NULL) has its
 * loss alone, the mean over total images. */
static void print_test_result(const train_args *a, progress *p, const nn_confusion *conf,
                              double loss, size_t total)
{
    if (conf != NULL)
        fprintf(stderr, "test accuracy %.4f (%zu/%zu) of ", nn_confusion_accuracy(conf),
                conf->correct, conf->total);
    else
        fprintf(stderr, "test loss %.4f (binary cross-entropy per pixel) of ", loss);
    cli_put_text(stderr, a->output);
    fprintf(stderr, " on the %s test split\n", a->dataset);
    if (p->log == NULL || p->log_failed)
        return;
    cli_rec rec, *r = &rec;
    cli_rec_init(r, p->log, CLI_REC_JSON);
    cli_rec_begin(r);
    cli_rec_str(r, "split", "test");
    cli_rec_str(r, "dataset", a->dataset);
    if (conf != NULL)
        cli_rec_size(r, "correct", conf->correct);
    cli_rec_size(r, "total", total);
    if (conf != NULL)
        cli_rec_fixed(r, "test_accuracy", nn_confusion_accuracy(conf), 6);
    cli_rec_fixed(r, "test_loss", loss, 6);
    cli_rec_end(r);
    if (fflush(p->log) != 0)
        p->log_failed = 1;
}

/* After training on a dataset: the accuracy and loss of the model just
 * written on the dataset's test split, so that `eval` is not needed to know
 * them. Returns the exit code. */
static int report_test_result(const nn_net *net, const train_args *a, const char *data_dir,
                              progress *p)
{
    char images_path[4096], labels_path[4096];
    nn_images images = {0};
    nn_labels labels = {0};
    nn_confusion conf = {0};
    nn_error err = {{0}};
    if (cli_dataset_paths(data_dir, a->dataset, "test", images_path, labels_path,
                          sizeof images_path) != 0)
        return CLI_EXIT_USAGE;
    if (access(images_path, F_OK) != 0 || access(labels_path, F_OK) != 0)
        return CLI_OK; /* no test split: nothing to report */
    uint64_t cap = a->max_input_mb << 20;
    nn_status st = nn_idx_load_images(images_path, cap, &images, &err);
    if (st == NN_OK)
        st = nn_idx_load_labels(labels_path, cap, &labels, &err);
    /* an autoencoder reads no labels: any byte is one */
    int recon = !nn_net_has_classes(net);
    nn_dataset data = nn_dataset_view(images.pixels, labels.labels, images.count, images.rows,
                                      images.cols,
                                      recon ? NN_MAX_CLASSES : nn_net_size(net, net->n_layers - 1));
    if (st == NN_OK)
        st = cli_check_dataset(&data, images_path, labels.count, labels_path, "--classes", &err);
    double recon_loss = 0.0;
    if (st == NN_OK && recon)
        st = nn_evaluate_recon(net, &data, &recon_loss, &err);
    if (st == NN_OK && !recon)
        st = nn_confusion_init(&conf, data.n_classes, &err);
    if (st == NN_OK && !recon)
        st = nn_evaluate(net, &data, &conf, NULL, NULL, &err);
    int rc = CLI_OK;
    if (st != NN_OK)
        rc = cli_fail(st, &err);
    else if (recon)
        print_test_result(a, p, NULL, recon_loss, data.count);
    else /* the perceptron's outputs are no probabilities: no loss */
        print_test_result(a, p, &conf,
                          nn_net_hidden(net) == NN_ACT_STEP ? NAN : nn_confusion_loss(&conf),
                          conf.total);
    nn_confusion_free(&conf);
    nn_images_free(&images);
    nn_labels_free(&labels);
    return rc;
}

static void describe_recipe(const train_args *a, const nn_net *net, char *out, size_t cap)
{
    const nn_train_options *t = &a->train;
    int n = 0;
    if (nn_net_is_dense(net)) {
        for (size_t l = 0; l < net->n_layers && n >= 0 && (size_t)n < cap; l++)
            n += snprintf(out + n, cap - (size_t)n, "%s%zu", l > 0 ? "-" : "", nn_net_size(net, l));
    } else {
        nn_net_format_table(net, a->activation, out, cap);
        n = (int)strlen(out);
    }
    /* (before the rest: a long table can make the recipe fill its field) */
    if (n >= 0 && (size_t)n < cap && cli_train_composes(a))
        n += snprintf(out + n, cap - (size_t)n, " numbers=%zu/epoch", a->epoch_size);
    if (n >= 0 && (size_t)n < cap && t->augment > 0)
        n += snprintf(out + n, cap - (size_t)n, " augment=%zu", t->augment);
    char distort[96];
    cli_describe_distortion(&t->distort, distort, sizeof distort);
    if (n >= 0 && (size_t)n < cap && distort[0] != '\0')
        n += snprintf(out + n, cap - (size_t)n, "%s", distort);
    if (n >= 0 && (size_t)n < cap && nn_net_hidden(net) == NN_ACT_STEP)
        n += snprintf(out + n, cap - (size_t)n,
                      " step perceptron-rule lr=%g batch=%zu %s epochs=%zu", (double)t->lr,
                      t->batch, nn_lr_schedule_name(t->schedule), t->epochs);
    else if (n >= 0 && (size_t)n < cap)
        n += snprintf(out + n, cap - (size_t)n,
                      " %s %s lr=%g momentum=%g batch=%zu %s wd=%g epochs=%zu",
                      nn_activation_name(nn_net_hidden(net)), nn_optimizer_name(t->optimizer),
                      (double)t->lr, (double)t->momentum, t->batch,
                      nn_lr_schedule_name(t->schedule), (double)t->weight_decay, t->epochs);
    /* (only when set: the field is 128 bytes, and a distorted recipe is long) */
    if (n >= 0 && (size_t)n < cap && t->val_count > 0)
        snprintf(out + n, cap - (size_t)n, " val=%zu", t->val_count);
}

/* What a training run works on, from its files to its progress. */
typedef struct {
    const char *data_dir;
    char images_path[4096], labels_path[4096];
    char output[4096];      /* the file --output really names (a link followed) */
    char plot_target[4096]; /* the same for --plot */
    nn_images images;
    nn_labels labels;
    nn_dataset data;        /* a view of images and labels */
    size_t n_classes;
    int composed;           /* numbers composed from digits (cli_train_composes) */
    cli_digits digits;      /* composed: the MNIST training digits */
    nn_number_set set;      /* composed: the validation numbers */
    cli_number_epochs epochs; /* composed: how the training numbers are made */
    size_t n_made;          /* composed: training numbers an epoch (made, not stored) */
    nn_number_labels numbers; /* --numbers */
    progress prog;
    nn_model_meta init_meta; /* --init: what the model started from says */
    nn_images calib;         /* --calibrate's digits */
} train_job;

/* The training files: --images and --labels, else the dataset's. */
static int find_data(const train_args *a, train_job *j)
{
    j->data_dir = cli_data_dir(a->data_dir);
    if (cli_input_paths(j->data_dir, a->images, a->numbers != NULL ? a->numbers : a->labels,
                        a->dataset, "train", j->images_path,
                        j->labels_path, sizeof j->images_path) != 0)
        return CLI_EXIT_USAGE;
    if (a->images == NULL && access(j->images_path, F_OK) != 0)
        return cli_missing_data(j->images_path, a->data_dir);
    return CLI_OK;
}

/* Refuse a destination that cannot take the model now, not after minutes
 * of training: a device, a directory, an input, an unwritable folder, or
 * two outputs that are one file. */
static int check_outputs(const train_args *a, train_job *j)
{
    const char *inputs[] = {j->images_path, j->labels_path};
    char log_target[4096];
    cli_output outs[] = {
        {"--output", a->output, CLI_OUTPUT_REPLACE, j->output, sizeof j->output},
        {"--log", a->log_path, CLI_OUTPUT_STREAM, log_target, sizeof log_target},
        {"--plot", a->plot, CLI_OUTPUT_REPLACE, j->plot_target, sizeof j->plot_target},
    };
    return cli_check_outputs(outs, 3, inputs, 2);
}

/* --arch crnn on its own numbers: the MNIST training digits, and the
 * validation numbers, composed once from the held-out digits. The training
 * numbers are composed as the trainer draws them (make_numbers), so an
 * epoch's never sit in memory together. j->images is a view of the set
 * (which owns the bytes). */
static int load_composed(const train_args *a, train_job *j)
{
    nn_error err = {{0}};
    int rc = cli_digits_load(j->data_dir, "train", a->max_input_mb << 20, &j->digits);
    if (rc != CLI_OK)
        return rc;
    size_t n_val = a->train.val_count;
    nn_status st = nn_number_set_alloc(&j->set, n_val, &err);
    j->epochs = (cli_number_epochs){&j->digits.train, {0}, a->train.seed};
    nn_numbers_options_default(&j->epochs.opt);
    /* the validation numbers follow the epoch's in their round's numbering */
    j->set.first = a->epoch_size;
    if (st == NN_OK)
        st = nn_number_set_compose(&j->set, 0, n_val, &j->digits.val, &j->epochs.opt,
                                   a->train.seed, CLI_VAL_ROUND,
                                   a->threads > 0 ? a->threads : cli_free_cpus(), &err);
    if (st != NN_OK)
        return cli_fail(st, &err);
    j->images = (nn_images){j->set.count, NN_STRIP_H, NN_STRIP_W, j->set.pixels};
    j->n_made = a->epoch_size;
    j->prog.numbers = &j->epochs;
    return CLI_OK;
}

static int load_data(const train_args *a, train_job *j)
{
    nn_error err = {{0}};
    uint64_t cap = a->max_input_mb << 20;
    if (j->composed)
        return load_composed(a, j);
    if (a->numbers != NULL)
        return cli_numbers_files_load(j->images_path, a->numbers, cap, &j->images, &j->numbers);
    /* The small label file first: a count that does not match is known from
     * the images' header, before their payload is read. */
    nn_status st = nn_idx_load_labels(j->labels_path, cap, &j->labels, &err);
    if (st == NN_OK)
        st = nn_idx_load_images_for(j->images_path, cap, &j->labels, j->labels_path, &j->images,
                                    &err);
    if (st != NN_OK) {
        int rc = cli_fail(st, &err);
        cli_dataset_hint(a->dataset);
        return rc;
    }
    if (j->images.count == 0) {
        cli_error("%s: no images to train on", j->images_path);
        return CLI_EXIT_DATA;
    }
    return CLI_OK;
}

/* The width of every layer into sizes: the input layer is the image; the
 * output layer is the class count. 0, or the exit code of a usage error. */
static int layer_sizes(const train_args *a, const train_job *j, size_t data_classes,
                       size_t *sizes, size_t *n_sizes)
{
    const nn_images *im = &j->images;
    size_t pixels = im->rows * im->cols, n = 0;
    if (a->n_table > 0) {
        const nn_layer *in = &a->layers[0];
        if (in->h * in->w * in->c != pixels ||
            (in->h > 1 && (in->h != im->rows || in->w != im->cols)))
            return cli_usage_error("train", "--layers: the input '%zux%zu' does not match the "
                                   "%zux%zu images of %s", in->h, in->w, im->rows, im->cols,
                                   j->images_path);
        for (size_t l = 0; l < a->n_table; l++)
            sizes[l] = a->layers[l].h * a->layers[l].w * a->layers[l].c;
        *n_sizes = a->n_table;
        return CLI_OK;
    }
    if (a->n_sizes == 0 || a->sizes_are_hidden) {
        sizes[n++] = pixels;
        if (a->n_sizes == 0 && a->activation != NN_ACT_STEP)
            sizes[n++] = DEFAULT_HIDDEN;
        for (size_t i = 0; i < a->n_sizes; i++)
            sizes[n++] = a->sizes[i];
        sizes[n++] = data_classes;
        *n_sizes = n;
        return CLI_OK;
    }
    memcpy(sizes, a->sizes, a->n_sizes * sizeof sizes[0]);
    *n_sizes = a->n_sizes;
    if (sizes[0] != pixels)
        return cli_usage_error("train", "--layers: the input layer has %zu neurons but the "
                               "images of %s have %zux%zu = %zu pixels", sizes[0],
                               j->images_path, im->rows, im->cols, pixels);
    return CLI_OK;
}

/* A number reader (a table ending in a sequence output) and its data: the
 * strips and their numbers, checked. */
static int build_reader(train_args *a, train_job *j, size_t data_classes, nn_net **net)
{
    size_t sizes[NN_MAX_LAYERS], n_sizes = 0;
    nn_error err = {{0}};
    int rc = layer_sizes(a, j, data_classes, sizes, &n_sizes);
    if (rc != CLI_OK)
        return rc;
    j->n_classes = data_classes;
    j->data = j->composed ? cli_numbers_view(&j->set)
                          : cli_numbers_files_view(&j->images, &j->numbers);
    /* the composed numbers are checked as they are made */
    nn_status st = j->composed ? NN_OK : nn_dataset_check(&j->data, NULL, &err);
    if (st != NN_OK) {
        char where[4200];
        snprintf(where, sizeof where, "%s: ", a->numbers != NULL ? a->numbers : "numbers");
        return cli_fail_in(st, &err, where, "");
    }
    size_t count = j->images.count + j->n_made; /* the made numbers train too */
    if (!a->batch_given && a->train.val_count < count &&
        a->train.batch > count - a->train.val_count)
        a->train.batch = count - a->train.val_count;
    st = nn_train_options_check(&a->train, count, &err);
    if (st == NN_OK)
        st = nn_net_create_table(a->layers, a->n_table, net, &err);
    if (st == NN_OK)
        st = nn_dataset_check(&j->data, *net, &err);
    return st == NN_OK ? CLI_OK : cli_fail(st, &err);
}

/* The network the options describe, fitted to the data, with the options
 * checked against the data's size. */
static int build_net(train_args *a, train_job *j, nn_net **net)
{
    size_t sizes[NN_MAX_LAYERS], n_sizes = 0;
    size_t data_classes = data_class_count(a);
    nn_images *im = &j->images;
    if (a->init != NULL) {
        int rc = cli_train_init(a->init, j->data_dir, j->images_path, im->rows, im->cols,
                                data_classes, net, &j->init_meta);
        if (rc != CLI_OK)
            return rc;
        a->activation = nn_net_hidden(*net); /* the recipe's text, the perceptron rule */
        sizes[0] = im->rows * im->cols;
        sizes[1] = data_classes;
        n_sizes = 2;
    }
    /* --arch: the output layer is the data's classes (an autoencoder's, its
     * pixels; a sequence reader's, a blank and the classes at every step) */
    const nn_layer_ops *last = a->n_table > 0 ? nn_layer_ops_of(a->layers[a->n_table - 1].kind)
                                              : NULL;
    int seq = last != NULL && last->output != NULL && last->layout == NN_SHAPE_SEQUENCE;
    if (seq)
        return build_reader(a, j, data_classes, net);
    int recon = last != NULL && last->output != NULL;
    if (a->table_is_recipe && !recon)
        a->layers[a->n_table - 1].c = data_classes;
    int rc = a->init != NULL ? CLI_OK : layer_sizes(a, j, data_classes, sizes, &n_sizes);
    if (rc != CLI_OK)
        return rc;
    j->n_classes = recon ? data_classes : sizes[n_sizes - 1];
    if (recon && sizes[n_sizes - 1] != sizes[0])
        return cli_usage_error("train", "--layers: the reconstruction has %zu values but the "
                               "input %zu", sizes[n_sizes - 1], sizes[0]);
    if (j->n_classes != data_classes)
        return cli_usage_error("train", "--layers: the output layer has %zu neurons but %s has "
                               "%zu classes%s", j->n_classes,
                               a->dataset != NULL ? a->dataset : j->labels_path, data_classes,
                               a->classes > 0 ? " (--classes)" : "; --classes N sets the count");
    j->data = nn_dataset_view(im->pixels, j->labels.labels, im->count, im->rows, im->cols,
                              j->n_classes);
    nn_error err = {{0}};
    nn_status st = cli_check_dataset(&j->data, j->images_path, j->labels.count, j->labels_path,
                                     "--classes", &err);
    if (st != NN_OK)
        return cli_fail(st, &err);
    /* A set smaller than the default minibatch is one minibatch; a --batch
     * given larger than the set stays an error. */
    if (!a->batch_given && a->train.val_count < im->count &&
        a->train.batch > im->count - a->train.val_count)
        a->train.batch = im->count - a->train.val_count;
    st = nn_train_options_check(&a->train, im->count, &err);
    if (st == NN_OK && a->init != NULL)
        return CLI_OK; /* the network is the model's */
    if (st == NN_OK && a->n_table > 0)
        st = nn_net_create_table(a->layers, a->n_table, net, &err);
    else if (st == NN_OK)
        st = nn_net_create(sizes, n_sizes, a->activation, net, &err);
    return st == NN_OK ? CLI_OK : cli_fail(st, &err);
}

/* The per-epoch outputs: the --log file, the --plot curve, the bar. */
static int open_progress(const train_args *a, train_job *j, const nn_net *net)
{
    progress *p = &j->prog;
    if (a->log_path != NULL && strcmp(a->log_path, "-") == 0) {
        p->log = stdout;
        p->log_path = "standard output";
    } else if (a->log_path != NULL) {
        p->log = fopen(a->log_path, "w");
        if (p->log == NULL) {
            cli_error("%s: cannot write the log: %s", a->log_path, strerror(errno));
            return CLI_EXIT_DATA;
        }
        p->log_path = a->log_path;
    }
    if (a->plot != NULL) {
        p->curve.path = j->plot_target;
        snprintf(p->curve.title, sizeof p->curve.title, "Learning curve of %s", a->output);
        describe_recipe(a, net, p->curve.subtitle, sizeof p->curve.subtitle);
        size_t used = strlen(p->curve.subtitle);
        snprintf(p->curve.subtitle + used, sizeof p->curve.subtitle - used, " on %s",
                 j->images_path);
    }
    p->quiet = a->quiet;
    p->perceptron = a->activation == NN_ACT_STEP;
    p->recon = !nn_net_has_classes(net) && !nn_net_reads_seq(net);
    size_t count = j->images.count + j->n_made;
    p->n_train = count - (a->train.val_count < count ? a->train.val_count : 0);
    cli_bar_init(&p->bar, a->quiet);
    p->batch = a->train.batch;
    p->epochs = a->train.epochs;
    return CLI_OK;
}

/* Trains net, stopping at SIGHUP, SIGINT or SIGTERM; the exit code. */
static int run_training(const train_args *a, train_job *j, nn_net *net,
                        nn_train_result *result)
{
    nn_error err = {{0}};
    cli_signals_stop_on(&stop_signal);
    nn_train_hooks hooks = {on_epoch, on_progress, &stop_signal, &j->prog,
                            j->composed ? make_numbers : NULL, j->n_made};
    nn_status st = nn_train(net, &j->data, &a->train, &hooks, result, &err);
    cli_signals_stop_off();
    cli_bar_clear(&j->prog.bar);
    if (st == NN_E_INTERRUPTED) {
        cli_error("%s: interrupted by signal %d; no model written", a->output, (int)stop_signal);
        return 128 + (int)stop_signal;
    }
    if (st != NN_OK)
        return cli_fail_in(st, &err, "", "; no model written");
    if (j->prog.curve.failed)
        return cli_fail(NN_E_IO, &j->prog.curve.err);
    if (j->prog.log_failed) {
        cli_error("%s: cannot write the log: %s", j->prog.log_path, strerror(errno));
        return CLI_EXIT_DATA;
    }
    return CLI_OK;
}

/* What the model file says of itself: input, classes, dataset, recipe. */
static void model_meta(const train_args *a, const train_job *j, const nn_net *net,
                       const nn_train_result *result, nn_model_meta *meta)
{
    memset(meta, 0, sizeof *meta);
    meta->rows = (uint32_t)j->images.rows;
    meta->cols = (uint32_t)j->images.cols;
    meta->n_classes = j->n_classes;
    size_t n_names = 0;
    const char *const *names = cli_dataset_class_names(a->dataset, &n_names);
    if (a->init != NULL && j->init_meta.has_class_names) { /* the model's own names */
        meta->has_class_names = 1;
        memcpy(meta->class_names, j->init_meta.class_names, sizeof meta->class_names);
    } else if (names != NULL && n_names == j->n_classes) {
        meta->has_class_names = 1;
        for (size_t i = 0; i < n_names; i++)
            snprintf(meta->class_names[i], NN_MODEL_NAME_LEN, "%s", names[i]);
    }
    snprintf(meta->dataset, sizeof meta->dataset, "%s", a->dataset != NULL ? a->dataset : "");
    describe_recipe(a, net, meta->recipe, sizeof meta->recipe);
    meta->epochs = (uint32_t)result->epochs_run;
    meta->seed = a->train.seed;
    meta->val_accuracy = (float)result->best_val_accuracy;
    /* composed numbers come from the MNIST digits: their bytes are the data's */
    cli_model_provenance(j->composed ? &j->digits.images : &j->images,
                         j->composed ? &j->digits.labels : &j->labels, meta);
}

static int save_model(const train_args *a, const train_job *j, const nn_net *net,
                      const nn_train_result *result)
{
    nn_model_meta meta;
    nn_error err = {{0}};
    model_meta(a, j, net, result, &meta);
    /* A reader composing its numbers calibrates on its validation numbers
     * (held out of training, composed of held-out digits). */
    nn_images held = j->calib;
    if (a->calibrate == NULL && j->composed && j->images.count > 0)
        held = j->images;
    int rc = cli_calibrate_model(a, &held, net, &meta);
    if (rc != CLI_OK)
        return rc;
    /* A signal during the save removes the temporary file (signals.c). */
    nn_status st = nn_model_save(j->output, net, &meta, &err);
    return st == NN_OK ? CLI_OK : cli_fail(st, &err);
}

/* The model's path (and its validation accuracy) as one TSV line. */
static int print_result(const train_args *a, const train_job *j,
                        const nn_train_result *result)
{
    /* stdout carries the JSON lines with --log -: the path then goes to stderr */
    cli_rec rec, *r = &rec;
    cli_rec_init(r, j->prog.log == stdout ? stderr : stdout, CLI_REC_TSV);
    cli_rec_begin(r);
    cli_rec_str(r, "model", a->output);
    if (result->best_val_accuracy >= 0) {
        cli_rec_str(r, NULL, "val_accuracy");
        cli_rec_fixed(r, "val_accuracy", result->best_val_accuracy, 4);
    } else if (result->best_val_loss >= 0) {
        cli_rec_str(r, NULL, "val_loss");
        cli_rec_fixed(r, "val_loss", result->best_val_loss, 4);
    }
    cli_rec_end(r);
    return CLI_OK; /* main checks standard output as it closes it */
}

/* Frees the training data (of any kind). */
static void free_data(train_job *j)
{
    if (j->composed)
        memset(&j->images, 0, sizeof j->images); /* a view of the set */
    nn_images_free(&j->images);
    nn_labels_free(&j->labels);
    nn_number_set_free(&j->set);
    cli_digits_free(&j->digits);
    nn_number_labels_free(&j->numbers);
    nn_images_free(&j->calib);
}

/* After training a number reader on composed numbers: how it reads the
 * test numbers (cli_read_test_numbers), on stderr and as the --log's last
 * record. Returns the exit code. */
static int report_numbers_result(const nn_net *net, const train_args *a, train_job *j)
{
    progress *p = &j->prog;
    nn_seq_score score;
    free_data(j); /* the training numbers and digits are done with: room for the test's */
    int rc = cli_read_test_numbers(net, j->data_dir, a->max_input_mb << 20, 0, a->train.threads,
                                   &score);
    if (rc != CLI_OK)
        return rc;
    fprintf(stderr, "test exact-number accuracy %.4f (%zu/%zu), digit error rate %.4f of ",
            nn_seq_exact_rate(&score), score.exact, score.total, nn_seq_label_error_rate(&score));
    cli_put_text(stderr, a->output);
    fprintf(stderr, " on the %u test numbers of MNIST test digits\n", CLI_TEST_NUMBERS);
    if (p->log == NULL || p->log_failed)
        return CLI_OK;
    cli_rec rec, *r = &rec;
    cli_rec_init(r, p->log, CLI_REC_JSON);
    cli_rec_begin(r);
    cli_rec_str(r, "split", "test-numbers");
    cli_rec_str(r, "dataset", a->dataset);
    cli_rec_size(r, "correct", score.exact);
    cli_rec_size(r, "total", score.total);
    cli_rec_fixed(r, "test_accuracy", nn_seq_exact_rate(&score), 6);
    cli_rec_fixed(r, "digit_error_rate", nn_seq_label_error_rate(&score), 6);
    cli_rec_fixed(r, "test_loss", score.total > 0 ? score.loss / (double)score.total : 0.0, 6);
    cli_rec_end(r);
    if (fflush(p->log) != 0)
        p->log_failed = 1;
    return CLI_OK;
}

int cli_train_run(train_args *a)
{
    train_job job;
    memset(&job, 0, sizeof job);
    job.composed = cli_train_composes(a);
    nn_net *net = NULL;
    int rc = find_data(a, &job);
    if (rc == CLI_OK)
        rc = check_outputs(a, &job);
    if (rc != CLI_OK)
        return rc;
    rc = load_data(a, &job);
    if (rc == CLI_OK)
        rc = build_net(a, &job, &net);
    if (rc == CLI_OK)
        rc = cli_calibrate_load(a, nn_net_reads_seq(net), job.images.rows, job.images.cols,
                                job.n_classes, &job.calib);
    if (rc == CLI_OK)
        rc = open_progress(a, &job, net);
    if (rc != CLI_OK)
        goto done;

    /* nnclass's own threads share the network out, each calling a one-thread BLAS. */
    rc = cli_set_blas_threads(1);
    if (rc != CLI_OK)
        goto done;
    /* By default one thread per CPU that nothing else is using: the threads
     * meet at every minibatch, so one that has to share its core holds up
     * the others, and two threads on one free CPU are slower than one. */
    a->train.threads = a->threads > 0 ? cli_cap_threads(a->threads, a->quiet) : cli_free_cpus();
    nn_rng rng;
    nn_rng_seed(&rng, a->train.seed);
    if (a->init == NULL) /* --init keeps the model's weights */
        nn_net_init(net, &rng);

    nn_train_result result;
    rc = run_training(a, &job, net, &result);
    if (rc == CLI_OK)
        rc = save_model(a, &job, net, &result);
    if (rc == CLI_OK)
        rc = print_result(a, &job, &result);
    if (rc == CLI_OK && job.composed)
        rc = report_numbers_result(net, a, &job);
    else if (rc == CLI_OK && a->dataset != NULL)
        rc = report_test_result(net, a, job.data_dir, &job.prog);
    if (rc == CLI_OK && job.prog.log_failed) {
        cli_error("%s: cannot write the log: %s", job.prog.log_path, strerror(errno));
        rc = CLI_EXIT_DATA;
    }

done:
    if (job.prog.log != NULL && job.prog.log != stdout && fclose(job.prog.log) != 0 &&
        rc == CLI_OK) {
        cli_error("%s: cannot write the log", a->log_path);
        rc = CLI_EXIT_DATA;
    }
    cli_curve_free(&job.prog.curve);
    nn_net_free(net);
    free_data(&job);
    return rc;
}
