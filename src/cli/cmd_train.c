/* cmd_train.c - `nnclass train`: load a data set, train a network, write the
 * model file atomically. */
#include "cli.h"
#include "record.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nnclass/nn/eval.h"
#include "nnclass/io/idx.h"
#include "nnclass/nn/model.h"
#include "nnclass/nn/net.h"
#include "nnclass/nn/train.h"

#define DEFAULT_HIDDEN 16
#define DEFAULT_ACTIVATION NN_ACT_RELU

/* The short recipes of --arch, each chosen on a validation split (see
 * docs/training.md): a network and the options it trains best with, where
 * no option given says otherwise. */
typedef struct {
    const char *name;
    const char *layers;    /* its table; the output layer is the data's classes */
    size_t epochs, batch, augment;
    float lr;
    nn_optimizer optimizer;
    float weight_decay, clip_norm;
} recipe;

#define CNN_LAYERS "28x28,conv5x5x16,pool2,conv5x5x32,pool2,128,10"
#define LSTM_LAYERS "28x28,lstm128,10"

static const recipe recipes[] = {
    {"mlp", NULL, 0, 0, 0, 0.0f, NN_OPT_NESTEROV, 0.0f, 0.0f}, /* the defaults as they are */
    {"cnn", CNN_LAYERS, 12, 64, 2, 0.02f, NN_OPT_NESTEROV, 5e-4f, 0.0f},
    {"lstm", LSTM_LAYERS, 16, 64, 1, 0.003f, NN_OPT_ADAM, 0.0f, 1.0f},
};
#define N_RECIPES (sizeof recipes / sizeof recipes[0])

typedef struct {
    const char *dataset;
    const char *images, *labels;
    const char *data_dir;
    size_t classes;      /* --classes, 0: the dataset's count */
    const char *output;
    const char *log_path;
    const char *plot;
    size_t sizes[NN_MAX_LAYERS];
    size_t n_sizes;      /* 0: not given */
    const char *table;   /* --layers with conv/pool/RxC tokens, parsed once the
                            activation is known */
    nn_layer layers[NN_MAX_LAYERS];
    size_t n_table;      /* 0: a plain list of sizes (or none) */
    int table_is_recipe; /* --arch's table: its output layer is the data's classes */
    int sizes_are_hidden; /* --hidden: only the hidden sizes were given */
    nn_activation activation;
    nn_train_options train;
    size_t threads;
    uint64_t max_input_mb;
    int quiet;
    int layers_given, hidden_given;            /* --layers, --hidden */
    const char *optimizer_flag;               /* the first of --optimizer, --momentum,
                                                 --weight-decay given, or NULL */
    int arch;                                 /* --arch: an index in recipes[] */
    int epochs_given, batch_given, lr_given, augment_given;
    int optimizer_given, weight_decay_given, clip_given;
    int arch_given, activation_given;         /* --arch, --activation */
    const char *init;                         /* --init: the model to start from */
} train_args;

static void usage(FILE *out)
{
    nn_train_options d;
    nn_train_options_default(&d);
    fprintf(out,
        "Usage: nnclass train [OPTION]...\n"
        "Train a neural network on an IDX data set and write it to a model file.\n\n"
        "Data:\n"
        "  --dataset NAME       mnist or fashion (default mnist): its training split\n"
        "  --images F --labels F  IDX image and label files instead of a dataset\n"
        "  --data-dir DIR       where datasets live (default $NNCLASS_DATA, else the\n"
        "                       project's data/ folder)\n"
        "  --max-input-mb N     refuse input files declaring more than N MiB (default 1024)\n"
        "  --classes N          labels run from 0 to N-1, N outputs (default: the\n"
        "                       dataset's, 10 for --images/--labels; 2 to %u); a\n"
        "                       label >= N is an error\n"
        "Network:\n"
        "  --layers LIST        layers, input first (default 784,%d,10): a plain list of\n"
        "                       sizes is a fully-connected net; a table starts with the\n"
        "                       image as RxC and takes, comma-separated:\n"
        "                         N           a dense layer of N neurons\n"
        "                         convKxKxC   C KxK kernels, stride 1, no padding;\n"
        "                                     convKxKxC-same pads to keep the size\n"
        "                         pool2       2x2 max pooling, stride 2\n"
        "                       each hidden one may end in :relu, :sigmoid, :tanh or\n"
        "                       :none; the last is the classes (softmax), e.g.\n"
        "                         28x28,conv5x5x16,pool2,conv5x5x32,pool2,128,10\n"
        "  --arch NAME          mlp (the default), cnn or lstm: a short recipe (each\n"
        "                       option given explicitly wins); cnn is\n"
        "                         --layers %s\n"
        "                         --epochs %zu --batch %zu --lr %g --augment %zu\n"
        "                       lstm reads the image row by row:\n"
        "                         --layers %s --optimizer adam\n"
        "                         --epochs %zu --batch %zu --lr %g --augment %zu\n"
        "                         --weight-decay 0 --clip-norm %g\n"
        "  --hidden LIST        hidden sizes only, e.g. 16 or 256,128 (default %d)\n"
        "  --init MODEL         start from a model (a file, or a bare name such as\n"
        "                       mnist-cnn): its network, class names and weights,\n"
        "                       to fine-tune it on other data; takes no --layers,\n"
        "                       --hidden, --arch or --activation\n"
        "  --activation NAME    sigmoid, relu, tanh or step (default %s): the hidden\n"
        "                       layers'; step is the perceptron and takes no hidden\n"
        "                       layer (--layers 784,10)\n"
        "Optimisation:\n"
        "  --epochs N           passes over the data (default %zu)\n"
        "  --batch N            images per minibatch (default %zu)\n"
        "  --lr X               learning rate (default %g)\n"
        "  --optimizer NAME     sgd, momentum, nesterov or adam (default %s)\n"
        "  --momentum X         momentum factor (default %g)\n"
        "  --weight-decay X     L2 penalty on weights (default %g)\n"
        "  --lr-schedule NAME   constant, step (x0.1 every 10 epochs) or cosine (to 0\n"
        "                       over the run) (default %s)\n"
        "  --seed N             random seed for initialisation and shuffling (default %llu)\n"
        "  --threads N          threads sharing out the first hidden layer, or a conv\n"
        "                       net's images (default: one per free CPU, now %zu\n"
        "                       of %zu: threads that share a core run slower); the\n"
        "                       model is the same for any N\n"
        "  --augment N          shift each training image by up to N pixels each way,\n"
        "                       at random (seeded) (default 0: none; at most %u)\n"
        "  --elastic A          distort each training image by a smooth random field\n"
        "                       (Simard et al. 2003, sigma 4) of about A pixels (RMS)\n"
        "                       (default 0: none; at most 8)\n"
        "  --affine LIST        rotate, scale, slant and stretch each training image at\n"
        "                       random, up to rotate=DEG,scale=F,shear=F,aspect=F (the\n"
        "                       ones left out: 0); 'default' is\n"
        "                       rotate=10,scale=0.1,shear=0.3,aspect=0.1 (default: none)\n"
        "  --stroke N           thicken or thin each training image's strokes by up\n"
        "                       to N pixels at random (default 0: none; at most 4)\n"
        "  --blur               blur a third of the training images slightly and\n"
        "                       binarise another third, at random (default: none)\n"
        "  --clip-norm X        scale each minibatch's gradient down to this norm when\n"
        "                       it is larger (default 0: never)\n"
        "  --val N              hold out N training images, report validation accuracy\n"
        "                       and keep the best epoch (default %zu: none)\n"
        "Output:\n"
        "  -o, --output FILE    model file to write (default model.nnc); it must be a\n"
        "                       regular file or a new name; a symbolic link is followed\n"
        "                       and the file it points to replaced\n"
        "  -q, --quiet          no per-epoch lines or progress bar on stderr; the\n"
        "                       model's path and the test result still print\n"
        "  --log FILE           write one JSON object per epoch to FILE ('-': standard\n"
        "                       output, and the model's path goes to standard error),\n"
        "                       and last, after training on a dataset with a test\n"
        "                       split, {\"split\":\"test\",...,\"test_accuracy\":A,\n"
        "                       \"test_loss\":L}\n"
        "  --plot FILE.svg      draw the learning curve, rewritten after every epoch\n"
        "  -h, --help           show this help and exit\n",
        NN_MAX_CLASSES, DEFAULT_HIDDEN, CNN_LAYERS, recipes[1].epochs, recipes[1].batch,
        (double)recipes[1].lr, recipes[1].augment, LSTM_LAYERS, recipes[2].epochs,
        recipes[2].batch, (double)recipes[2].lr, recipes[2].augment,
        (double)recipes[2].clip_norm,
        DEFAULT_HIDDEN, nn_activation_name(DEFAULT_ACTIVATION), d.epochs,
        d.batch, (double)d.lr, nn_optimizer_name(d.optimizer), (double)d.momentum,
        (double)d.weight_decay, nn_lr_schedule_name(d.schedule),
        (unsigned long long)d.seed, cli_free_cpus(), cli_usable_cpus(), NN_MAX_AUGMENT,
        d.val_count);
}

enum {
    OPT_DATASET = 256, OPT_IMAGES, OPT_LABELS, OPT_DATA_DIR, OPT_LAYERS, OPT_HIDDEN,
    OPT_ACTIVATION, OPT_EPOCHS, OPT_BATCH, OPT_LR, OPT_OPTIMIZER, OPT_MOMENTUM,
    OPT_WEIGHT_DECAY, OPT_SCHEDULE, OPT_SEED, OPT_THREADS, OPT_VAL, OPT_LOG, OPT_PLOT, OPT_MAX_INPUT,
    OPT_ARCH, OPT_AUGMENT, OPT_CLASSES, OPT_CLIP_NORM, OPT_INIT, OPT_ELASTIC, OPT_AFFINE,
    OPT_STROKE, OPT_BLUR,
};

static const struct option long_options[] = {
    {"dataset", required_argument, NULL, OPT_DATASET},
    {"images", required_argument, NULL, OPT_IMAGES},
    {"labels", required_argument, NULL, OPT_LABELS},
    {"data-dir", required_argument, NULL, OPT_DATA_DIR},
    {"max-input-mb", required_argument, NULL, OPT_MAX_INPUT},
    {"classes", required_argument, NULL, OPT_CLASSES},
    {"layers", required_argument, NULL, OPT_LAYERS},
    {"hidden", required_argument, NULL, OPT_HIDDEN},
    {"arch", required_argument, NULL, OPT_ARCH},
    {"init", required_argument, NULL, OPT_INIT},
    {"augment", required_argument, NULL, OPT_AUGMENT},
    {"clip-norm", required_argument, NULL, OPT_CLIP_NORM},
    {"elastic", required_argument, NULL, OPT_ELASTIC},
    {"affine", required_argument, NULL, OPT_AFFINE},
    {"stroke", required_argument, NULL, OPT_STROKE},
    {"blur", no_argument, NULL, OPT_BLUR},
    {"activation", required_argument, NULL, OPT_ACTIVATION},
    {"epochs", required_argument, NULL, OPT_EPOCHS},
    {"batch", required_argument, NULL, OPT_BATCH},
    {"lr", required_argument, NULL, OPT_LR},
    {"optimizer", required_argument, NULL, OPT_OPTIMIZER},
    {"momentum", required_argument, NULL, OPT_MOMENTUM},
    {"weight-decay", required_argument, NULL, OPT_WEIGHT_DECAY},
    {"lr-schedule", required_argument, NULL, OPT_SCHEDULE},
    {"seed", required_argument, NULL, OPT_SEED},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"val", required_argument, NULL, OPT_VAL},
    {"output", required_argument, NULL, 'o'},
    {"quiet", no_argument, NULL, 'q'},
    {"log", required_argument, NULL, OPT_LOG},
    {"plot", required_argument, NULL, OPT_PLOT},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* A plain list of numbers (--layers 784,16,10, --hidden 16,16), read by
 * the library's grammar as dense rows, whose widths become a->sizes. 0, or
 * -1 after printing a bad value. */
static int parse_plain_list(const char *opt, const char *text, int hidden, train_args *a)
{
    nn_layer rows[NN_MAX_LAYERS];
    size_t n = 0;
    nn_error err = {{0}};
    /* The activation does not change the widths; --activation may come later. */
    nn_status st = hidden ? nn_net_parse_hidden(text, NN_ACT_RELU, rows, &n, &err)
                          : nn_net_parse_table(text, NN_ACT_RELU, rows, &n, &err);
    if (st != NN_OK) {
        cli_fail_in(st, &err, opt, "");
        return -1;
    }
    for (size_t l = 0; l < n; l++)
        a->sizes[l] = rows[l].h * rows[l].w * rows[l].c;
    a->n_sizes = n;
    return 0;
}

/* --layers and --hidden: a plain list of sizes, or a table parsed once
 * --activation is known. 0, or -1 after printing a bad value. */
static int parse_network_shape(int c, train_args *a)
{
    if (c == OPT_LAYERS)
        a->layers_given = 1;
    else
        a->hidden_given = 1;
    a->table = NULL;
    a->n_sizes = 0;
    a->sizes_are_hidden = c == OPT_HIDDEN;
    int plain = optarg[strspn(optarg, "0123456789,")] == '\0';
    if (c == OPT_LAYERS && !plain) {
        a->table = optarg; /* a table: parsed after the options, once --activation is known */
        return 0;
    }
    if (!plain) {
        cli_error("--hidden: '%s': expected neuron counts such as 16,16 (a table of other "
                  "layers goes in --layers)", optarg);
        return -1;
    }
    return parse_plain_list(c == OPT_LAYERS ? "--layers: " : "--hidden: ", optarg,
                            c == OPT_HIDDEN, a);
}

/* The options of the optimisation; 0, or -1 after printing a bad value. */
static int parse_training_option(int c, train_args *a)
{
    int bad = 0;
    switch (c) {
    case OPT_AUGMENT:
        bad = cli_parse_size("--augment", optarg, 0, NN_MAX_AUGMENT, &a->train.augment);
        a->augment_given = 1;
        break;
    case OPT_ELASTIC:
    case OPT_AFFINE:
    case OPT_STROKE:
    case OPT_BLUR: {
        static const char *const names[] = {"--elastic", "--affine", "--stroke", "--blur"};
        bad = cli_parse_distortion(names[c - OPT_ELASTIC], optarg, &a->train.distort);
        break;
    }
    case OPT_CLIP_NORM:
        bad = cli_parse_float("--clip-norm", optarg, 0, 1e9, &a->train.clip_norm);
        a->clip_given = 1;
        break;
    case OPT_EPOCHS:
        bad = cli_parse_size("--epochs", optarg, 1, 100000, &a->train.epochs);
        a->epochs_given = 1;
        break;
    case OPT_BATCH:
        bad = cli_parse_size("--batch", optarg, 1, 1000000, &a->train.batch);
        a->batch_given = 1;
        break;
    case OPT_LR:
        bad = cli_parse_float("--lr", optarg, 1e-12, 1e9, &a->train.lr);
        a->lr_given = 1;
        break;
    case OPT_OPTIMIZER:
        if (a->optimizer_flag == NULL)
            a->optimizer_flag = "--optimizer";
        a->optimizer_given = 1;
        if (nn_optimizer_parse(optarg, &a->train.optimizer) != 0)
            bad = cli_enum_error("--optimizer", "optimizer", optarg,
                                 "sgd, momentum, nesterov or adam");
        break;
    case OPT_MOMENTUM:
        if (a->optimizer_flag == NULL)
            a->optimizer_flag = "--momentum";
        bad = cli_parse_float("--momentum", optarg, 0, 0.9999, &a->train.momentum); break;
    case OPT_WEIGHT_DECAY:
        if (a->optimizer_flag == NULL)
            a->optimizer_flag = "--weight-decay";
        a->weight_decay_given = 1;
        bad = cli_parse_float("--weight-decay", optarg, 0, 1, &a->train.weight_decay);
        break;
    case OPT_SCHEDULE:
        if (nn_lr_schedule_parse(optarg, &a->train.schedule) != 0)
            bad = cli_enum_error("--lr-schedule", "schedule", optarg, "constant, step or cosine");
        break;
    case OPT_SEED: bad = cli_parse_u64("--seed", optarg, &a->train.seed); break;
    case OPT_THREADS: bad = cli_parse_size("--threads", optarg, 1, 256, &a->threads); break;
    case OPT_VAL: bad = cli_parse_size("--val", optarg, 0, 100000000, &a->train.val_count); break;
    }
    return bad;
}

/* One option of the table; 0, or -1 after printing a bad value. */
static int parse_option(int c, void *args)
{
    train_args *a = args;
    static const char *const archs[] = {"mlp", "cnn", "lstm"};
    int bad = 0;
    switch (c) {
    case OPT_DATASET: a->dataset = optarg; break;
    case OPT_IMAGES: a->images = optarg; break;
    case OPT_LABELS: a->labels = optarg; break;
    case OPT_DATA_DIR: a->data_dir = optarg; break;
    case OPT_MAX_INPUT: {
        size_t mb;
        bad = cli_parse_size("--max-input-mb", optarg, 1, (size_t)1 << 20, &mb);
        a->max_input_mb = mb;
        break;
    }
    case OPT_CLASSES:
        bad = cli_parse_size("--classes", optarg, 2, NN_MAX_CLASSES, &a->classes);
        break;
    case OPT_LAYERS:
    case OPT_HIDDEN: bad = parse_network_shape(c, a); break;
    case OPT_ARCH:
        bad = cli_parse_enum("--arch", "architecture", optarg, archs, N_RECIPES, &a->arch);
        a->arch_given = 1;
        break;
    case OPT_INIT: a->init = optarg; break;
    case OPT_ACTIVATION:
        a->activation_given = 1;
        if (nn_activation_parse(optarg, &a->activation) != 0)
            bad = cli_enum_error("--activation", "activation", optarg,
                                 "sigmoid, relu, tanh or step");
        break;
    case 'o': a->output = optarg; break;
    case 'q': a->quiet = 1; break;
    case OPT_LOG: a->log_path = optarg; break;
    case OPT_PLOT: a->plot = optarg; break; /* an empty name is refused with the outputs */
    default: bad = parse_training_option(c, a); break;
    }
    return bad;
}

/* The options that do not go together; -1 when they all do, else the exit
 * code of the usage error. */
static int check_combinations(train_args *a)
{
    if (a->layers_given && a->hidden_given)
        return cli_usage_error("train", "--layers and --hidden both give the network: use one");
    if (a->init != NULL && (a->layers_given || a->hidden_given || a->arch_given ||
                            a->activation_given))
        return cli_usage_error("train", "--init: the network is the model's; it takes no %s",
                               a->layers_given ? "--layers" : a->hidden_given ? "--hidden"
                               : a->arch_given ? "--arch" : "--activation");
    if (a->activation == NN_ACT_STEP && a->optimizer_flag != NULL)
        return cli_usage_error("train", "%s: the perceptron (--activation step) learns by the "
                               "perceptron rule, which has no optimizer, momentum or weight "
                               "decay", a->optimizer_flag);
    int rc = cli_check_input_options("train", a->images, a->labels, a->dataset);
    if (rc != 0)
        return rc;
    if (a->images == NULL && a->dataset == NULL)
        a->dataset = "mnist";
    return -1;
}

/* --arch: its recipe, where no option says otherwise. */
static void apply_arch(train_args *a)
{
    if (a->arch == 0)
        return;
    const recipe *r = &recipes[a->arch];
    if (!a->layers_given && !a->hidden_given) {
        a->table = r->layers;
        a->table_is_recipe = 1;
    }
    if (!a->epochs_given)
        a->train.epochs = r->epochs;
    if (!a->batch_given)
        a->train.batch = r->batch;
    if (!a->lr_given)
        a->train.lr = r->lr;
    if (!a->augment_given)
        a->train.augment = r->augment;
    if (!a->optimizer_given)
        a->train.optimizer = r->optimizer;
    if (!a->weight_decay_given)
        a->train.weight_decay = r->weight_decay;
    if (!a->clip_given)
        a->train.clip_norm = r->clip_norm;
}

/* Parses a --layers table and checks the shape against the activation;
 * -1 when it fits, else the exit code of the usage error. */
static int check_network(train_args *a)
{
    if (a->table != NULL) {
        if (a->activation == NN_ACT_STEP)
            return cli_usage_error("train", "--activation step is the perceptron: it takes "
                                   "a plain --layers list such as 784,10");
        nn_error err = {{0}};
        nn_status st = nn_net_parse_table(a->table, a->activation, a->layers, &a->n_table, &err);
        if (st != NN_OK)
            return cli_fail_in(NN_E_ARG, &err, "--layers: ", ""); /* a bad value: usage */
    }
    /* The perceptron has no hidden layer: step alone means --layers 784,10. */
    if (a->activation == NN_ACT_STEP) {
        size_t hidden = a->sizes_are_hidden ? a->n_sizes : (a->n_sizes > 2 ? a->n_sizes - 2 : 0);
        if (hidden > 0)
            return cli_usage_error("train", "--activation step is the perceptron and takes "
                                   "no hidden layer: use --layers 784,10");
    }
    return -1;
}

/* Returns -1 to go on, else the exit code (help, or a usage error). */
static int parse_args(int argc, char **argv, train_args *a)
{
    memset(a, 0, sizeof *a);
    a->output = "model.nnc";
    a->activation = DEFAULT_ACTIVATION;
    a->threads = 0; /* one per free CPU */
    a->max_input_mb = NN_IDX_DEFAULT_MAX_BYTES >> 20;
    nn_train_options_default(&a->train);

    int rc = cli_parse_options("train", argc, argv, ":o:qh", long_options, usage, parse_option,
                               a);
    if (rc >= 0)
        return rc;
    if (optind < argc)
        return cli_usage_error("train", "unexpected argument '%s'", argv[optind]);
    rc = check_combinations(a);
    if (rc >= 0)
        return rc;
    apply_arch(a);
    return check_network(a);
}

/* --- training progress ------------------------------------------------------ */

typedef struct {
    int quiet;
    cli_bar bar;  /* drawn when stderr is a terminal */
    size_t batch, epochs;
    FILE *log;
    const char *log_path;
    int log_failed;
    int perceptron;  /* show the error count: the perceptron rule has no loss */
    size_t n_train;  /* images trained on per epoch */
    cli_curve curve; /* --plot: the epochs so far, redrawn after each */
} progress;

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
    cli_rec_fixed(r, "train_accuracy", s->train_accuracy, 6);
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
        else
            fprintf(stderr, "epoch %3zu/%zu  loss %.4f  train %.4f", s->epoch, s->epochs,
                    s->loss, s->train_accuracy);
        if (s->val_accuracy >= 0)
            fprintf(stderr, "  val %.4f%s", s->val_accuracy, s->is_best ? " *" : "");
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
 * is the result, not progress) and, with --log, the log's last record. */
static void print_test_result(const train_args *a, progress *p, const nn_net *net,
                              const nn_confusion *conf)
{
    /* the perceptron's outputs are no probabilities: no loss */
    double loss = nn_net_hidden(net) == NN_ACT_STEP ? NAN : nn_confusion_loss(conf);
    fprintf(stderr, "test accuracy %.4f (%zu/%zu) of ", nn_confusion_accuracy(conf),
            conf->correct, conf->total);
    cli_put_text(stderr, a->output);
    fprintf(stderr, " on the %s test split\n", a->dataset);
    if (p->log == NULL || p->log_failed)
        return;
    cli_rec rec, *r = &rec;
    cli_rec_init(r, p->log, CLI_REC_JSON);
    cli_rec_begin(r);
    cli_rec_str(r, "split", "test");
    cli_rec_str(r, "dataset", a->dataset);
    cli_rec_size(r, "correct", conf->correct);
    cli_rec_size(r, "total", conf->total);
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
    nn_dataset data = nn_dataset_view(images.pixels, labels.labels, images.count, images.rows,
                                      images.cols, nn_net_size(net, net->n_layers - 1));
    if (st == NN_OK)
        st = cli_check_dataset(&data, images_path, labels.count, labels_path, "--classes", &err);
    if (st == NN_OK)
        st = nn_confusion_init(&conf, data.n_classes, &err);
    if (st == NN_OK)
        st = nn_evaluate(net, &data, &conf, NULL, NULL, &err);
    int rc = CLI_OK;
    if (st != NN_OK)
        rc = cli_fail(st, &err);
    else
        print_test_result(a, p, net, &conf);
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
    if (n >= 0 && (size_t)n < cap && t->augment > 0)
        n += snprintf(out + n, cap - (size_t)n, " augment=%zu", t->augment);
    char distort[96];
    cli_describe_distortion(&t->distort, distort, sizeof distort);
    if (n >= 0 && (size_t)n < cap && distort[0] != '\0')
        n += snprintf(out + n, cap - (size_t)n, "%s", distort);
    if (n >= 0 && (size_t)n < cap && nn_net_hidden(net) == NN_ACT_STEP)
        snprintf(out + n, cap - (size_t)n, " step perceptron-rule lr=%g batch=%zu %s epochs=%zu val=%zu",
                 (double)t->lr, t->batch, nn_lr_schedule_name(t->schedule), t->epochs,
                 t->val_count);
    else if (n >= 0 && (size_t)n < cap)
        snprintf(out + n, cap - (size_t)n,
                 " %s %s lr=%g momentum=%g batch=%zu %s wd=%g epochs=%zu val=%zu",
                 nn_activation_name(nn_net_hidden(net)), nn_optimizer_name(t->optimizer),
                 (double)t->lr, (double)t->momentum, t->batch, nn_lr_schedule_name(t->schedule),
                 (double)t->weight_decay, t->epochs, t->val_count);
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
    progress prog;
    nn_model_meta init_meta; /* --init: what the model started from says */
} train_job;

/* The training files: --images and --labels, else the dataset's. */
static int find_data(const train_args *a, train_job *j)
{
    j->data_dir = cli_data_dir(a->data_dir);
    if (cli_input_paths(j->data_dir, a->images, a->labels, a->dataset, "train", j->images_path,
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

static int load_data(const train_args *a, train_job *j)
{
    nn_error err = {{0}};
    uint64_t cap = a->max_input_mb << 20;
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
    if (a->table_is_recipe) /* --arch: the output layer is the data's classes */
        a->layers[a->n_table - 1].c = data_classes;
    int rc = a->init != NULL ? CLI_OK : layer_sizes(a, j, data_classes, sizes, &n_sizes);
    if (rc != CLI_OK)
        return rc;
    j->n_classes = sizes[n_sizes - 1];
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
    p->n_train = j->images.count -
                 (a->train.val_count < j->images.count ? a->train.val_count : 0);
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
    nn_train_hooks hooks = {on_epoch, on_progress, &stop_signal, &j->prog};
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
    cli_model_provenance(&j->images, &j->labels, meta);
}

static int save_model(const train_args *a, const train_job *j, const nn_net *net,
                      const nn_train_result *result)
{
    nn_model_meta meta;
    nn_error err = {{0}};
    model_meta(a, j, net, result, &meta);
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
    }
    cli_rec_end(r);
    return CLI_OK; /* main checks standard output as it closes it */
}

int cmd_train(int argc, char **argv)
{
    train_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0 || cli_parse_only)
        return rc >= 0 ? rc : CLI_OK;

    train_job job;
    memset(&job, 0, sizeof job);
    nn_net *net = NULL;
    rc = find_data(&a, &job);
    if (rc == CLI_OK)
        rc = check_outputs(&a, &job);
    if (rc != CLI_OK)
        return rc;
    rc = load_data(&a, &job);
    if (rc == CLI_OK)
        rc = build_net(&a, &job, &net);
    if (rc == CLI_OK)
        rc = open_progress(&a, &job, net);
    if (rc != CLI_OK)
        goto done;

    /* nnclass's own threads share the network out, each calling a one-thread BLAS. */
    rc = cli_set_blas_threads(1);
    if (rc != CLI_OK)
        goto done;
    /* By default one thread per CPU that nothing else is using: the threads
     * meet at every minibatch, so one that has to share its core holds up
     * the others, and two threads on one free CPU are slower than one. */
    a.train.threads = a.threads > 0 ? cli_cap_threads(a.threads, a.quiet) : cli_free_cpus();
    nn_rng rng;
    nn_rng_seed(&rng, a.train.seed);
    if (a.init == NULL) /* --init keeps the model's weights */
        nn_net_init(net, &rng);

    nn_train_result result;
    rc = run_training(&a, &job, net, &result);
    if (rc == CLI_OK)
        rc = save_model(&a, &job, net, &result);
    if (rc == CLI_OK)
        rc = print_result(&a, &job, &result);
    if (rc == CLI_OK && a.dataset != NULL)
        rc = report_test_result(net, &a, job.data_dir, &job.prog);
    if (rc == CLI_OK && job.prog.log_failed) {
        cli_error("%s: cannot write the log: %s", job.prog.log_path, strerror(errno));
        rc = CLI_EXIT_DATA;
    }

done:
    if (job.prog.log != NULL && job.prog.log != stdout && fclose(job.prog.log) != 0 &&
        rc == CLI_OK) {
        cli_error("%s: cannot write the log", a.log_path);
        rc = CLI_EXIT_DATA;
    }
    cli_curve_free(&job.prog.curve);
    nn_net_free(net);
    nn_images_free(&job.images);
    nn_labels_free(&job.labels);
    return rc;
}
