/* cmd_info.c - `nnclass info MODEL...`: what model files hold, as text or JSON. */
#include "cli.h"

#include <unistd.h>
#include "record.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "nnclass/nn/model.h"
#include "nnclass/nn/net.h"

static void usage(FILE *out)
{
    fputs("Usage: nnclass info [OPTION]... [MODEL]...\n"
          "Describe model files: architecture, neuron, weight and bias counts,\n"
          "activations, one row per layer (output shape, parameters, activation)\n"
          "with the totals, class names, training metadata, checksum status and\n"
          "provenance: the nnclass release and BLAS core that trained the model and a\n"
          "CRC-32 of its training pixels and labels (unknown for older model files).\n"
          "A bare NAME such as mnist-cnn means ./NAME or ./NAME.nnc when one is there,\n"
          "else <data dir>/models/NAME.nnc. With no MODEL, the models predict and eval\n"
          "use when none is named: mnist-cnn for image files (PNG, JPEG, PGM/PPM), mnist\n"
          "for IDX files, each with the files it answers (\"default_for\" in JSON).\n\n"
          "  --format NAME   text or json (one JSON object per model, one a line)\n"
          "                  (default text)\n"
          "  --data-dir DIR  where bare model names live (default $NNCLASS_DATA, else\n"
          "                  the project's data/ folder)\n"
          "  -h, --help      show this help and exit\n",
          out);
}

/* 12704 -> "12,704" */
static const char *thousands(size_t v, char *buf, size_t cap)
{
    char digits[32];
    int n = snprintf(digits, sizeof digits, "%zu", v);
    size_t o = 0;
    for (int i = 0; i < n && o + 2 < cap; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
    return buf;
}

enum { OPT_FORMAT = 256, OPT_DATA_DIR };

/* The output of a net whose last row names its own (reconstruction, CTC):
 * its activation and what it gives, as its row of operations says. */
static const char *output_act(const nn_net *net)
{
    const nn_output_ops *out = nn_layer_ops_of(net->layers[net->n_layers - 1].kind)->output;
    return out != NULL && out->act != NULL ? out->act : "softmax";
}

static const char *output_about(const nn_net *net)
{
    const nn_output_ops *out = nn_layer_ops_of(net->layers[net->n_layers - 1].kind)->output;
    return out != NULL && out->about != NULL ? out->about : "its own loss";
}

/* One row per layer, like a model summary: kind, output shape (rows x
 * cols x channels), parameters, activation; then the totals. */
static void print_layers(const nn_net *net)
{
    char b1[32], sh[64], what[64];
    /* The kind column is as wide as its longest name (6 at least). */
    int kw = 6;
    for (size_t l = 0; l < net->n_layers; l++) {
        size_t n = strlen(nn_layer_kind_name(net->layers[l].kind));
        if (n > (size_t)kw && n < 32)
            kw = (int)n;
    }
    printf("layers        #   %-*s output        params  activation\n", kw, "kind");
    for (size_t l = 0; l < net->n_layers; l++) {
        const nn_layer *L = &net->layers[l];
        size_t params = l > 0 ? nn_net_layer_weights(net, l) + nn_net_layer_biases(net, l) : 0;
        const nn_layer_ops *ops = nn_layer_ops_of(L->kind);
        int flat = nn_layer_shape_of(L).layout == NN_SHAPE_FLAT;
        if (flat || (ops->is_input && L->h == 1 && L->w == 1))
            snprintf(sh, sizeof sh, "%zu", nn_net_size(net, l));
        else
            snprintf(sh, sizeof sh, "%zux%zux%zu", L->h, L->w, L->c);
        const char *act = l == 0 ? "-"
                          : l == net->n_layers - 1
                              ? (nn_net_hidden(net) == NN_ACT_STEP ? "step"
                                 : nn_net_has_classes(net) ? "softmax" : output_act(net))
                              : nn_activation_name(L->act);
        ops->describe(L, what, sizeof what);
        printf("              %-3zu %-*s %-12s %7s  %s%s\n", l, kw, nn_layer_kind_name(L->kind), sh,
               thousands(params, b1, sizeof b1), act, what);
    }
    printf("              total       %*s%13s  (%s weights, ", kw, "",
           thousands(net->n_params, b1, sizeof b1),
           thousands(nn_net_weights_count(net), sh, sizeof sh));
    printf("%s biases)\n", thousands(nn_net_biases_count(net), b1, sizeof b1));
}

static const struct option long_options[] = {
    {"format", required_argument, NULL, OPT_FORMAT},
    {"data-dir", required_argument, NULL, OPT_DATA_DIR},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Where the model came from; "unknown" for a file made before nnclass kept
 * it. The text fields are printable ASCII (the loader checks). */
static void print_provenance_text(const nn_model_meta *meta)
{
    if (!meta->has_provenance) {
        printf("trained by    unknown (a model file from before nnclass kept it)\n"
               "blas core     unknown\n"
               "data crc-32   unknown\n");
        return;
    }
    printf("trained by    nnclass %s\n", meta->nnclass_version);
    printf("blas core     %s\n", meta->blas_core[0] != '\0' ? meta->blas_core : "unknown");
    printf("data crc-32   images %08x, labels %08x (of the training pixels and labels\n"
           "              as read, IDX headers left out)\n", meta->images_crc, meta->labels_crc);
}

/* The same as JSON members: null where unknown. */
static void put_provenance_json(cli_rec *r, const nn_model_meta *meta)
{
    char crc[16];
    if (!meta->has_provenance) {
        static const char *const keys[] = {"nnclass_version", "blas_core", "images_crc32",
                                           "labels_crc32"};
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
            cli_rec_null(r, keys[i]);
        return;
    }
    cli_rec_str(r, "nnclass_version", meta->nnclass_version);
    if (meta->blas_core[0] != '\0')
        cli_rec_str(r, "blas_core", meta->blas_core);
    else
        cli_rec_null(r, "blas_core");
    snprintf(crc, sizeof crc, "%08x", meta->images_crc);
    cli_rec_str(r, "images_crc32", crc);
    snprintf(crc, sizeof crc, "%08x", meta->labels_crc);
    cli_rec_str(r, "labels_crc32", crc);
}

/* The threshold of predict --reject (read --reject for a reader), when the
 * file stores one. */
static void print_calibration_text(const nn_model_meta *meta)
{
    const nn_reject_calib *c = &meta->calibration;
    if (!meta->has_calibration) {
        printf("reject        no calibration stored\n");
        return;
    }
    if (c->score == NN_SCORE_REJECT_CLASS)
        printf("reject        novelty = probability of class %u", c->reject_class);
    else if (c->score == NN_SCORE_READING)
        printf("reject        novelty = 1 - the probability of the reading");
    else
        printf("reject        novelty = 1 - the largest probability");
    printf(", threshold %.6f\n              (accepted %.2f %% of %u held-out %s, "
           "target %.2f %%)\n", (double)c->threshold, 100.0 * c->accepted, c->count,
           c->score == NN_SCORE_READING ? "numbers" : "digits", 100.0 * c->target);
}

/* The JSON name of a calibration's score kind. */
static const char *score_name(uint32_t score)
{
    return score == NN_SCORE_REJECT_CLASS ? "reject_class"
           : score == NN_SCORE_READING    ? "reading"
                                          : "confidence";
}

/* The same as a JSON member: null when not stored. */
static void put_calibration_json(cli_rec *r, const nn_model_meta *meta)
{
    const nn_reject_calib *c = &meta->calibration;
    if (!meta->has_calibration) {
        cli_rec_null(r, "reject_calibration");
        return;
    }
    cli_rec_object(r, "reject_calibration");
    cli_rec_str(r, "score", score_name(c->score));
    if (c->score == NN_SCORE_REJECT_CLASS)
        cli_rec_size(r, "reject_class", c->reject_class);
    cli_rec_fixed(r, "threshold", c->threshold, 6);
    cli_rec_fixed(r, "target", c->target, 6);
    cli_rec_fixed(r, "accepted", c->accepted, 6);
    cli_rec_size(r, "images", c->count);
    cli_rec_close(r);
}

/* role: the files the model answers when no --model is named, or NULL. */
static void print_text(const char *path, size_t bytes, const nn_net *net,
                       const nn_model_meta *meta, const char *role)
{
    char b1[32], b2[32], b3[32];
    printf("file          ");
    cli_put_text(stdout, path);
    printf(" (%s bytes)\n", thousands(bytes, b1, sizeof b1)); /* read, also from a pipe */
    if (role != NULL)
        printf("default for   %s files with no --model\n", role);
    printf("checksum      ok (CRC-32 verified)\n");
    printf("architecture  ");
    if (nn_net_is_dense(net)) {
        for (size_t l = 0; l < net->n_layers; l++)
            printf("%s%zu", l > 0 ? "-" : "", nn_net_size(net, l));
    } else {
        char table[256];
        nn_net_format_table(net, nn_net_hidden(net), table, sizeof table);
        printf("%s (format version 2)", table);
    }
    printf("\ninput         %ux%u pixels\n", meta->rows, meta->cols);
    size_t neurons = nn_net_neurons(net);
    size_t outputs = nn_net_size(net, net->n_layers - 1);
    if (nn_net_is_dense(net))
        printf("neurons       %s (%zu hidden + %zu output; inputs are not neurons)\n",
               thousands(neurons, b1, sizeof b1), neurons - outputs, outputs);
    printf("weights       %s\nbiases        %s\nparameters    %s\n",
           thousands(nn_net_weights_count(net), b1, sizeof b1),
           thousands(nn_net_biases_count(net), b2, sizeof b2),
           thousands(net->n_params, b3, sizeof b3));
    if (!nn_net_has_classes(net))
        printf("activations   per layer, below; output: %s (%s)\n", output_act(net),
               output_about(net));
    else if (!nn_net_is_dense(net))
        printf("activations   per layer, below; output: softmax\n");
    else if (nn_net_hidden(net) == NN_ACT_STEP)
        printf("activations   output: step (perceptron: the largest weighted sum wins; "
               "confidence is its softmax)\n");
    else if (net->n_layers > 2)
        printf("activations   hidden: %s; output: softmax\n", nn_activation_name(nn_net_hidden(net)));
    else
        printf("activations   output: softmax (no hidden layer)\n");
    print_layers(net);
    printf("classes       %zu", meta->n_classes);
    if (meta->has_class_names) {
        printf(":");
        for (size_t k = 0; k < meta->n_classes; k++)
            printf("%s%s", k > 0 ? ", " : " ", meta->class_names[k]);
    }
    printf("\ndataset       %s\n", meta->dataset[0] != '\0' ? meta->dataset : "(files)");
    printf("recipe        %s\n", meta->recipe[0] != '\0' ? meta->recipe : "(unknown)");
    printf("epochs        %u\nseed          %llu\n", meta->epochs,
           (unsigned long long)meta->seed);
    if (meta->val_accuracy >= 0)
        printf("validation    %.4f\n", (double)meta->val_accuracy);
    else
        printf("validation    none (trained without a held-out set)\n");
    print_provenance_text(meta);
    print_calibration_text(meta);
}

static void print_json(const char *path, size_t bytes, const nn_net *net,
                       const nn_model_meta *meta, const char *role)
{
    cli_rec rec, *r = &rec;
    cli_rec_init(r, stdout, CLI_REC_JSON);
    cli_rec_begin(r);
    cli_rec_str(r, "file", path);
    if (role != NULL)
        cli_rec_str(r, "default_for", role);
    cli_rec_size(r, "bytes", bytes);
    cli_rec_str(r, "checksum", "ok");
    cli_rec_array(r, "layers");
    for (size_t l = 0; l < net->n_layers; l++)
        cli_rec_size(r, NULL, nn_net_size(net, l));
    cli_rec_close(r);
    cli_rec_array(r, "input");
    cli_rec_size(r, NULL, meta->rows);
    cli_rec_size(r, NULL, meta->cols);
    cli_rec_close(r);
    cli_rec_size(r, "neurons", nn_net_neurons(net));
    cli_rec_size(r, "weights", nn_net_weights_count(net));
    cli_rec_size(r, "biases", nn_net_biases_count(net));
    cli_rec_size(r, "parameters", net->n_params);
    cli_rec_str(r, "activation", nn_activation_name(nn_net_hidden(net)));
    char table[256];
    nn_net_format_table(net, nn_net_hidden(net), table, sizeof table);
    cli_rec_size(r, "format_version", nn_net_is_dense(net) ? 1 : 2);
    cli_rec_str(r, "table", table);
    cli_rec_size(r, "classes", meta->n_classes);
    if (meta->has_class_names) {
        cli_rec_array(r, "class_names");
        for (size_t k = 0; k < meta->n_classes; k++)
            cli_rec_str(r, NULL, meta->class_names[k]);
        cli_rec_close(r);
    } else {
        cli_rec_null(r, "class_names");
    }
    cli_rec_str(r, "dataset", meta->dataset);
    cli_rec_str(r, "recipe", meta->recipe);
    cli_rec_size(r, "epochs", meta->epochs);
    cli_rec_u64(r, "seed", meta->seed);
    if (meta->val_accuracy >= 0)
        cli_rec_fixed(r, "val_accuracy", meta->val_accuracy, 6);
    else
        cli_rec_null(r, "val_accuracy");
    put_provenance_json(r, meta);
    put_calibration_json(r, meta);
    cli_rec_end(r);
}

typedef struct {
    int json;
    const char *data_dir;
} info_args;

/* One option of the table; 0, or 2 after printing a bad value. */
static int parse_option(int c, void *args)
{
    static const char *const formats[] = {"text", "json"};
    info_args *a = args;
    switch (c) {
    case OPT_FORMAT:
        a->json = cli_enum_index(optarg, formats, 2);
        if (a->json < 0)
            return cli_usage_error("info", "--format: unknown format '%s' (expected text "
                                   "or json)", optarg);
        break;
    case OPT_DATA_DIR: a->data_dir = optarg; break;
    }
    return 0;
}

/* Describes the model at path (role: see print_text); the exit code. */
static int describe(const info_args *a, const char *path, const char *role, int first)
{
    nn_model_meta meta;
    nn_net *net = NULL;
    nn_error err = {{0}};
    size_t bytes = 0;
    nn_status st = nn_model_read(path, &net, &meta, &bytes, &err);
    if (st != NN_OK)
        return cli_fail(st, &err);
    if (a->json) {
        print_json(path, bytes, net, &meta, role);
    } else {
        if (!first)
            putchar('\n');
        print_text(path, bytes, net, &meta, role);
    }
    nn_net_free(net);
    return CLI_OK;
}

/* No MODEL: the default models, the one for image files first (when it is
 * there; else mnist's answers them too). */
static int describe_defaults(const info_args *a)
{
    const char *data_dir = cli_data_dir(a->data_dir);
    char image_model[4096], idx_model[4096];
    cli_default_model(data_dir, CLI_IMAGE_MODEL, image_model, sizeof image_model);
    cli_default_model(data_dir, "mnist", idx_model, sizeof idx_model);
    int has_image = access(image_model, F_OK) == 0;
    if (access(idx_model, F_OK) != 0)
        return cli_missing_data(idx_model, a->data_dir);
    int rc = has_image ? describe(a, image_model, "image", 1) : CLI_OK;
    int rc2 = describe(a, idx_model, has_image ? "IDX" : "image and IDX", !has_image);
    return rc != CLI_OK ? rc : rc2;
}

int cmd_info(int argc, char **argv)
{
    info_args a = {0, NULL};
    int rc = cli_parse_options("info", argc, argv, ":h", long_options, usage, parse_option, &a);
    if (rc >= 0)
        return rc;
    if (cli_parse_only)
        return CLI_OK;
    if (argc == optind)
        return describe_defaults(&a);

    /* Every model is described; one that fails is reported and the rest go on. */
    rc = CLI_OK;
    for (int i = optind; i < argc; i++) {
        char path[4096];
        if (cli_model_path(cli_data_dir(a.data_dir), argv[i], path, sizeof path) != CLI_OK) {
            rc = CLI_EXIT_DATA;
            continue;
        }
        int r = describe(&a, path, NULL, i == optind);
        if (r != CLI_OK)
            rc = r;
    }
    return rc; /* main checks standard output as it closes it */
}
