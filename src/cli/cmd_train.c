/* cmd_train.c - `nnclass train`: its options (the --arch recipes, the help,
 * parsing and the checks of what goes together); the training job they
 * describe is train_job.c's. */
#include "cli.h"
#include "eval_numbers.h"
#include "train_args.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "nnclass/io/idx.h"
#include "nnclass/nn/net.h"
#include "nnclass/nn/train.h"

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
    nn_augment_options distort; /* other writers' distortions */
} recipe;

#define CNN_LAYERS "28x28,conv5x5x16,pool2,conv5x5x32,pool2,128,10"
#define LSTM_LAYERS "28x28,lstm128,10"
#define AUTOENCODER_LAYERS "28x28,128,32,128,784:none,recon"
#define NO_DISTORTION {.elastic = 0.0f}
/* The conv autoencoder's encoder and decoder (the help prints them on two lines). */
#define CONV_AE_ENCODER "28x28,conv3x3x16-same,pool2,conv3x3x8-same,pool2,"
#define CONV_AE_DECODER "up2,conv3x3x16-same,up2,conv3x3x1-same:none,recon"
#define CONV_AE_LAYERS CONV_AE_ENCODER CONV_AE_DECODER
/* The number reader's CNN and its BiLSTM and CTC (the help prints them on two lines). */
#define CRNN_CNN "32x128,conv3x3x16-same,pool2,conv3x3x32-same,pool2,conv3x3x64-same,"
#define CRNN_READER "conv3x3x64-same,cols,bilstm128-seq,step11,ctc"
#define CRNN_LAYERS CRNN_CNN CRNN_READER
/* crnn composes its numbers: so many per epoch, and validation numbers
 * from the held-out digits */
#define CRNN_EPOCH_SIZE 8000u
#define CRNN_VAL 2000u

static const recipe recipes[] = {
    /* The defaults as they are; its distortions only for the default network
     * on MNIST (default_mnist_net). */
    {"mlp", NULL, 0, 0, 0, 0.0f, NN_OPT_NESTEROV, 0.0f, 0.0f,
     {.elastic = 1.0f, .rotate = 10.0f, .scale = 0.1f, .shear = 0.3f, .aspect = 0.1f,
      .keep = 0.5f}},
    /* Half the images rotated, resized, slanted, stretched and thickened or
     * thinned: other writers' digits, at no cost on MNIST's own. */
    {"cnn", CNN_LAYERS, 12, 64, 2, 0.02f, NN_OPT_NESTEROV, 5e-4f, 0.0f,
     {.rotate = 10.0f, .scale = 0.1f, .shear = 0.3f, .aspect = 0.1f, .stroke = 1, .keep = 0.5f}},
    {"lstm", LSTM_LAYERS, 16, 64, 1, 0.003f, NN_OPT_ADAM, 0.0f, 1.0f, NO_DISTORTION},
    {"autoencoder", AUTOENCODER_LAYERS, 30, 32, 0, 0.001f, NN_OPT_ADAM, 0.0f, 0.0f, NO_DISTORTION},
    {"conv-autoencoder", CONV_AE_LAYERS, 8, 32, 0, 0.001f, NN_OPT_ADAM, 0.0f, 0.0f,
     NO_DISTORTION},
    {"crnn", CRNN_LAYERS, 100, 32, 0, 0.002f, NN_OPT_ADAM, 0.0f, 5.0f, NO_DISTORTION},
};
#define ARCH_CRNN 5
#define N_RECIPES (sizeof recipes / sizeof recipes[0])
#define MLP_DISTORT (recipes[0].distort)
#define CNN_DISTORT (recipes[1].distort)

static void usage_training(FILE *out);

static void usage(FILE *out)
{
    fprintf(out,
        "Usage: nnclass train [OPTION]...\n"
        "Train a neural network on an IDX data set and write it to a model file.\n\n"
        "Data:\n"
        "  --dataset NAME       mnist or fashion (default mnist): its training split\n"
        "  --images F --labels F  IDX image and label files instead of a dataset\n"
        "  --images F --numbers F.txt  strips and their numbers, one a line (as pack\n"
        "                       --numbers writes them), to train a number reader\n"
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
        "                         up2         2x upsampling (nearest neighbour)\n"
        "                         recon       last, after a layer of the image's size:\n"
        "                                     reconstruct the input (an autoencoder)\n"
        "                       each hidden one may end in :relu, :sigmoid, :tanh or\n"
        "                       :none; the last is the classes (softmax), e.g.\n"
        "                         28x28,conv5x5x16,pool2,conv5x5x32,pool2,128,10\n"
        "  --arch NAME          mlp (the default), cnn, lstm, autoencoder,\n"
        "                       conv-autoencoder or crnn: a short recipe (each option\n"
        "                       given explicitly wins); cnn is\n"
        "                         --layers %s\n"
        "                         --epochs %zu --batch %zu --lr %g --augment %zu\n"
        "                         --affine rotate=%g,scale=%g,shear=%g,aspect=%g\n"
        "                         --stroke %zu --distort-share %g\n"
        "                       lstm reads the image row by row:\n"
        "                         --layers %s --optimizer adam\n"
        "                         --epochs %zu --batch %zu --lr %g --augment %zu\n"
        "                         --weight-decay 0 --clip-norm %g\n"
        "                       autoencoder reconstructs its input (sigmoid, binary\n"
        "                       cross-entropy per pixel; the loss replaces accuracy):\n"
        "                         --layers %s --optimizer adam\n"
        "                         --epochs %zu --batch %zu --lr %g\n"
        "                       conv-autoencoder does it with conv, pool and up2 layers:\n"
        "                         --optimizer adam --epochs %zu --batch %zu --lr %g --layers\n"
        "                         %s\n"
        "                         %s\n"
        "                       crnn reads whole numbers (CNN, BiLSTM, CTC) and,\n"
        "                       without --images, composes its own from the MNIST\n"
        "                       training digits, anew every epoch:\n"
        "                         --optimizer adam --epochs %zu --batch %zu --lr %g\n"
        "                         --clip-norm %g --epoch-size %u --val %u and --layers\n"
        "                         %s\n"
        "                         %s\n"
        "  --epoch-size N       numbers composed per epoch (crnn; default %u)\n"
        "  --hidden LIST        hidden sizes only, e.g. 16 or 256,128 (default %d)\n"
        "  --init MODEL         start from a model (a file, or a bare name such as\n"
        "                       mnist-cnn): its network, class names and weights,\n"
        "                       to fine-tune it on other data; takes no --layers,\n"
        "                       --hidden, --arch or --activation\n"
        "  --activation NAME    sigmoid, relu, tanh or step (default %s): the hidden\n"
        "                       layers'; step is the perceptron and takes no hidden\n"
        "                       layer (--layers 784,10)\n",
        NN_MAX_CLASSES, DEFAULT_HIDDEN, CNN_LAYERS, recipes[1].epochs, recipes[1].batch,
        (double)recipes[1].lr, recipes[1].augment, (double)CNN_DISTORT.rotate,
        (double)CNN_DISTORT.scale, (double)CNN_DISTORT.shear, (double)CNN_DISTORT.aspect,
        CNN_DISTORT.stroke, (double)(1 - CNN_DISTORT.keep), LSTM_LAYERS, recipes[2].epochs,
        recipes[2].batch, (double)recipes[2].lr, recipes[2].augment,
        (double)recipes[2].clip_norm, AUTOENCODER_LAYERS, recipes[3].epochs,
        recipes[3].batch, (double)recipes[3].lr, recipes[4].epochs, recipes[4].batch,
        (double)recipes[4].lr, CONV_AE_ENCODER, CONV_AE_DECODER, recipes[5].epochs,
        recipes[5].batch, (double)recipes[5].lr, (double)recipes[5].clip_norm, CRNN_EPOCH_SIZE,
        CRNN_VAL, CRNN_CNN, CRNN_READER, CRNN_EPOCH_SIZE, DEFAULT_HIDDEN,
        nn_activation_name(DEFAULT_ACTIVATION));
    usage_training(out);
}

/* The help's Optimisation and Output sections, with the defaults. */
static void usage_training(FILE *out)
{
    nn_train_options d;
    nn_train_options_default(&d);
    fprintf(out,
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
        "  --distort-share P    distort only a share P of the training images, drawn\n"
        "                       at random, and leave the rest as they are (default 1;\n"
        "                       0 turns every distortion off, a recipe's too)\n"
        "                       The default network on --dataset mnist (no --arch,\n"
        "                       --layers, --hidden or --activation) trains with\n"
        "                       --elastic %g --affine default --distort-share %g\n"
        "  --clip-norm X        scale each minibatch's gradient down to this norm when\n"
        "                       it is larger (default 0: never)\n"
        "  --val N              hold out N training images, report validation accuracy\n"
        "                       and keep the best epoch (default %zu: none)\n"
        "Rejection (predict --reject, read --reject):\n"
        "  --calibrate FILE     IDX images of digits (strips of numbers for a reader)\n"
        "                       held out of the training data: store in the model the\n"
        "                       novelty threshold that accepts the share\n"
        "                       --calibrate-accept of them; --arch crnn does it on its\n"
        "                       validation numbers without --calibrate\n"
        "  --calibrate-accept P share of them to accept (default %g)\n"
        "  --reject-class K     class K means \"not a digit\": the novelty score is its\n"
        "                       probability (default: 1 - the largest probability)\n"
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
        d.epochs,
        d.batch, (double)d.lr, nn_optimizer_name(d.optimizer), (double)d.momentum,
        (double)d.weight_decay, nn_lr_schedule_name(d.schedule),
        (unsigned long long)d.seed, cli_free_cpus(), cli_usable_cpus(), NN_MAX_AUGMENT,
        (double)MLP_DISTORT.elastic, (double)(1 - MLP_DISTORT.keep), d.val_count,
        NN_REJECT_DEFAULT_ACCEPT);
}

enum {
    OPT_DATASET = 256, OPT_IMAGES, OPT_LABELS, OPT_DATA_DIR, OPT_LAYERS, OPT_HIDDEN,
    OPT_ACTIVATION, OPT_EPOCHS, OPT_BATCH, OPT_LR, OPT_OPTIMIZER, OPT_MOMENTUM,
    OPT_WEIGHT_DECAY, OPT_SCHEDULE, OPT_SEED, OPT_THREADS, OPT_VAL, OPT_LOG, OPT_PLOT, OPT_MAX_INPUT,
    OPT_ARCH, OPT_AUGMENT, OPT_CLASSES, OPT_CLIP_NORM, OPT_INIT, OPT_ELASTIC, OPT_AFFINE,
    OPT_STROKE, OPT_BLUR, OPT_SHARE, OPT_NUMBERS, OPT_EPOCH_SIZE, OPT_CALIBRATE,
    OPT_REJECT_CLASS, OPT_CALIBRATE_ACCEPT,
};

static const struct option long_options[] = {
    {"dataset", required_argument, NULL, OPT_DATASET},
    {"images", required_argument, NULL, OPT_IMAGES},
    {"labels", required_argument, NULL, OPT_LABELS},
    {"numbers", required_argument, NULL, OPT_NUMBERS},
    {"epoch-size", required_argument, NULL, OPT_EPOCH_SIZE},
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
    {"distort-share", required_argument, NULL, OPT_SHARE},
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
    {"calibrate", required_argument, NULL, OPT_CALIBRATE},
    {"reject-class", required_argument, NULL, OPT_REJECT_CLASS},
    {"calibrate-accept", required_argument, NULL, OPT_CALIBRATE_ACCEPT},
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
    case OPT_BLUR:
    case OPT_SHARE: {
        static const char *const names[] = {"--elastic", "--affine", "--stroke", "--blur",
                                            "--distort-share"};
        bad = cli_parse_distortion(names[c - OPT_ELASTIC], optarg, &a->train.distort);
        a->distort_given |= 1u << (c - OPT_ELASTIC);
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
    case OPT_VAL:
        a->val_given = 1;
        bad = cli_parse_size("--val", optarg, 0, 100000000, &a->train.val_count); break;
    }
    return bad;
}

/* One option of the table; 0, or -1 after printing a bad value. */
static int parse_option(int c, void *args)
{
    train_args *a = args;
    static const char *const archs[] = {"mlp",         "cnn",              "lstm",
                                        "autoencoder", "conv-autoencoder", "crnn"};
    int bad = 0;
    switch (c) {
    case OPT_DATASET: a->dataset = optarg; break;
    case OPT_IMAGES: a->images = optarg; break;
    case OPT_LABELS: a->labels = optarg; break;
    case OPT_NUMBERS: a->numbers = optarg; break;
    case OPT_EPOCH_SIZE:
        a->epoch_size_given = 1;
        bad = cli_parse_size("--epoch-size", optarg, 1, 10000000, &a->epoch_size); break;
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
    case OPT_CALIBRATE: a->calibrate = optarg; break;
    case OPT_REJECT_CLASS:
        bad = cli_parse_size("--reject-class", optarg, 0, NN_MAX_CLASSES - 1, &a->reject_class);
        a->reject_class++;
        break;
    case OPT_CALIBRATE_ACCEPT:
        bad = cli_parse_float("--calibrate-accept", optarg, 0.5, 1.0, &a->calibrate_accept);
        break;
    default: bad = parse_training_option(c, a); break;
    }
    return bad;
}

int cli_train_composes(const train_args *a)
{
    return a->arch == ARCH_CRNN && a->images == NULL;
}

/* --numbers, --epoch-size and what they take; -1 when they fit, else the
 * exit code of the usage error. */
static int check_numbers_options(train_args *a)
{
    int rc = cli_check_numbers_option("train", a->images, a->labels, a->numbers);
    if (rc >= 0)
        return rc;
    if (a->arch == ARCH_CRNN && a->images != NULL && a->numbers == NULL)
        return cli_usage_error("train", "--arch crnn: --images takes --numbers (the strips' "
                               "numbers), not --labels");
    if (cli_train_composes(a) && a->dataset != NULL && strcmp(a->dataset, "mnist") != 0)
        return cli_usage_error("train", "--arch crnn composes numbers of MNIST digits, not "
                               "of --dataset %s", a->dataset);
    if (a->epoch_size_given && !cli_train_composes(a))
        return cli_usage_error("train", "--epoch-size: only --arch crnn composes its numbers "
                               "(without --images)");
    if (cli_train_composes(a)) {
        if (!a->epoch_size_given)
            a->epoch_size = CRNN_EPOCH_SIZE;
        if (!a->val_given)
            a->train.val_count = CRNN_VAL;
    }
    return -1;
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
    int rc = check_numbers_options(a);
    if (rc >= 0)
        return rc;
    /* a reader composing its numbers calibrates on its validation numbers */
    int held_out = cli_train_composes(a) && a->train.val_count > 0;
    if (a->calibrate == NULL && a->reject_class > 0)
        return cli_usage_error("train", "--reject-class goes with --calibrate");
    if (a->calibrate == NULL && a->calibrate_accept > 0 && !held_out)
        return cli_usage_error("train", "--calibrate-accept goes with --calibrate (or with "
                               "--arch crnn's validation numbers)");
    /* --numbers stands for --labels beside --images */
    rc = cli_check_input_options("train", a->images, a->numbers != NULL ? a->numbers : a->labels,
                                 a->dataset);
    if (rc != 0)
        return rc;
    if (a->images == NULL && a->dataset == NULL)
        a->dataset = "mnist";
    return -1;
}

/* The recipe's distortions r, each where its option was not given. */
static void apply_distortion(train_args *a, const nn_augment_options *r)
{
    nn_augment_options *d = &a->train.distort;
    unsigned given = a->distort_given; /* bits in the order of OPT_ELASTIC.. */
    if (!(given & 1u << (OPT_ELASTIC - OPT_ELASTIC)))
        d->elastic = r->elastic;
    if (!(given & 1u << (OPT_AFFINE - OPT_ELASTIC))) {
        d->rotate = r->rotate;
        d->scale = r->scale;
        d->shear = r->shear;
        d->aspect = r->aspect;
    }
    if (!(given & 1u << (OPT_STROKE - OPT_ELASTIC)))
        d->stroke = r->stroke;
    if (!(given & 1u << (OPT_BLUR - OPT_ELASTIC)))
        d->blur = r->blur;
    if (!(given & 1u << (OPT_SHARE - OPT_ELASTIC)))
        d->keep = r->keep;
}

/* Whether a trains the default network (no --arch, --layers, --hidden,
 * --activation or --init) on MNIST (--dataset mnist): the recipe of the
 * shipped mnist.nnc, which distorts digits like other writers'. A network
 * or data named otherwise keeps the plain images unless asked. */
static int default_mnist_net(const train_args *a)
{
    return a->arch == 0 && !a->layers_given && !a->hidden_given && !a->activation_given &&
           a->init == NULL && a->images == NULL && a->dataset != NULL &&
           strcmp(a->dataset, "mnist") == 0;
}

/* --arch: its recipe, where no option says otherwise. */
static void apply_arch(train_args *a)
{
    if (default_mnist_net(a))
        apply_distortion(a, &recipes[0].distort);
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
    apply_distortion(a, &r->distort);
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

int cmd_train(int argc, char **argv)
{
    train_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0 || cli_parse_only)
        return rc >= 0 ? rc : CLI_OK;
    return cli_train_run(&a);
}
