/* cmd_info.c - `nnclass info MODEL...`: what model files hold, as text or JSON. */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>

#include "nnclass/nn/model.h"
#include "nnclass/nn/net.h"

static void usage(FILE *out)
{
    fputs("Usage: nnclass info [OPTION]... MODEL...\n"
          "Describe model files: architecture, neuron, weight and bias counts,\n"
          "activations, one row per layer (output shape, parameters, activation)\n"
          "with the totals, class names, training metadata and checksum status.\n"
          "A bare NAME such as mnist-cnn means <data dir>/models/NAME.nnc.\n\n"
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

/* One row per layer, like a model summary: kind, output shape (rows x
 * cols x channels), parameters, activation; then the totals. */
static void print_layers(const nn_net *net)
{
    char b1[32], sh[64], what[64];
    printf("layers        #   kind   output        params  activation\n");
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
                              ? (nn_net_hidden(net) == NN_ACT_STEP ? "step" : "softmax")
                              : nn_activation_name(L->act);
        ops->describe(L, what, sizeof what);
        printf("              %-3zu %-6s %-12s %7s  %s%s\n", l, nn_layer_kind_name(L->kind), sh,
               thousands(params, b1, sizeof b1), act, what);
    }
    printf("              total             %13s  (%s weights, ",
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

static void print_text(const char *path, size_t bytes, const nn_net *net,
                       const nn_model_meta *meta)
{
    char b1[32], b2[32], b3[32];
    printf("file          ");
    cli_put_text(stdout, path);
    printf(" (%s bytes)\n", thousands(bytes, b1, sizeof b1)); /* read, also from a pipe */
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
    if (!nn_net_is_dense(net))
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
}

static void print_json(const char *path, size_t bytes, const nn_net *net,
                       const nn_model_meta *meta)
{
    printf("{\"file\":");
    cli_json_string(stdout, path);
    printf(",\"bytes\":%lld,\"checksum\":\"ok\",\"layers\":[",
           (long long)bytes);
    for (size_t l = 0; l < net->n_layers; l++)
        printf("%s%zu", l > 0 ? "," : "", nn_net_size(net, l));
    printf("],\"input\":[%u,%u],\"neurons\":%zu,\"weights\":%zu,\"biases\":%zu,"
           "\"parameters\":%zu,\"activation\":",
           meta->rows, meta->cols, nn_net_neurons(net), nn_net_weights_count(net),
           nn_net_biases_count(net), net->n_params);
    cli_json_string(stdout, nn_activation_name(nn_net_hidden(net)));
    char table[256];
    nn_net_format_table(net, nn_net_hidden(net), table, sizeof table);
    printf(",\"format_version\":%d,\"table\":", nn_net_is_dense(net) ? 1 : 2);
    cli_json_string(stdout, table);
    printf(",\"classes\":%zu,\"class_names\":", meta->n_classes);
    if (meta->has_class_names) {
        putchar('[');
        for (size_t k = 0; k < meta->n_classes; k++) {
            if (k > 0)
                putchar(',');
            cli_json_string(stdout, meta->class_names[k]);
        }
        putchar(']');
    } else {
        fputs("null", stdout);
    }
    printf(",\"dataset\":");
    cli_json_string(stdout, meta->dataset);
    printf(",\"recipe\":");
    cli_json_string(stdout, meta->recipe);
    printf(",\"epochs\":%u,\"seed\":%llu,\"val_accuracy\":", meta->epochs,
           (unsigned long long)meta->seed);
    if (meta->val_accuracy >= 0)
        printf("%.6f}\n", (double)meta->val_accuracy);
    else
        fputs("null}\n", stdout);
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

int cmd_info(int argc, char **argv)
{
    info_args a = {0, NULL};
    int rc = cli_parse_options("info", argc, argv, ":h", long_options, usage, parse_option, &a);
    if (rc >= 0)
        return rc;
    if (argc - optind < 1)
        return cli_usage_error("info", "expected a model file");
    if (cli_parse_only)
        return CLI_OK;

    /* Every model is described; one that fails is reported and the rest go on. */
    rc = CLI_OK;
    for (int i = optind; i < argc; i++) {
        nn_model_meta meta;
        nn_net *net = NULL;
        nn_error err = {{0}};
        char path[4096];
        cli_model_path(cli_data_dir(a.data_dir), argv[i], path, sizeof path);
        size_t bytes = 0;
        nn_status st = nn_model_read(path, &net, &meta, &bytes, &err);
        if (st != NN_OK) {
            rc = cli_fail(st, &err);
            continue;
        }
        if (a.json) {
            print_json(path, bytes, net, &meta);
        } else {
            if (i > optind)
                putchar('\n');
            print_text(path, bytes, net, &meta);
        }
        nn_net_free(net);
    }
    return rc; /* main checks standard output as it closes it */
}
