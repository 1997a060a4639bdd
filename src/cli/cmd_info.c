/* cmd_info.c - `nnclass info MODEL...`: what model files hold, as text or JSON. */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "nnclass/model.h"
#include "nnclass/net.h"

static void usage(FILE *out)
{
    fputs("Usage: nnclass info [OPTION]... MODEL...\n"
          "Describe model files: architecture, neuron, weight and bias counts,\n"
          "activations, class names, training metadata and checksum status.\n\n"
          "  --format NAME  text or json (one JSON object per model, one a line)\n"
          "                 (default text)\n"
          "  -h, --help     show this help and exit\n",
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

enum { OPT_FORMAT = 256 };

static const struct option long_options[] = {
    {"format", required_argument, NULL, OPT_FORMAT},
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
    for (size_t l = 0; l < net->n_layers; l++)
        printf("%s%zu", l > 0 ? "-" : "", net->sizes[l]);
    printf("\ninput         %ux%u pixels\n", meta->rows, meta->cols);
    size_t neurons = nn_net_neurons(net);
    size_t outputs = net->sizes[net->n_layers - 1];
    printf("neurons       %s (%zu hidden + %zu output; inputs are not neurons)\n",
           thousands(neurons, b1, sizeof b1), neurons - outputs, outputs);
    printf("weights       %s\nbiases        %s\nparameters    %s\n",
           thousands(nn_net_weights_count(net), b1, sizeof b1),
           thousands(nn_net_biases_count(net), b2, sizeof b2),
           thousands(net->n_params, b3, sizeof b3));
    if (net->hidden == NN_ACT_STEP)
        printf("activations   output: step (perceptron: the largest weighted sum wins; "
               "confidence is its softmax)\n");
    else if (net->n_layers > 2)
        printf("activations   hidden: %s; output: softmax\n", nn_activation_name(net->hidden));
    else
        printf("activations   output: softmax (no hidden layer)\n");
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
        printf("%s%zu", l > 0 ? "," : "", net->sizes[l]);
    printf("],\"input\":[%u,%u],\"neurons\":%zu,\"weights\":%zu,\"biases\":%zu,"
           "\"parameters\":%zu,\"activation\":",
           meta->rows, meta->cols, nn_net_neurons(net), nn_net_weights_count(net),
           nn_net_biases_count(net), net->n_params);
    cli_json_string(stdout, nn_activation_name(net->hidden));
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

int cmd_info(int argc, char **argv)
{
    int json = 0;
    opterr = 0;
    optind = 0; /* 0, not 1: glibc and musl then also reset their internal state */
    int c;
    while ((c = getopt_long(argc, argv, ":h", long_options, NULL)) != -1) {
        switch (c) {
        case OPT_FORMAT:
            if (strcmp(optarg, "json") == 0)
                json = 1;
            else if (strcmp(optarg, "text") == 0)
                json = 0;
            else
                return cli_usage_error("info", "--format: unknown format '%s' (expected text "
                                       "or json)", optarg);
            break;
        case 'h': usage(stdout); return CLI_OK;
        case ':': return cli_usage_error("info", "%s: missing value", argv[optind - 1]);
        default: return cli_option_error("info", argv[optind - 1], long_options);
        }
    }
    if (argc - optind < 1)
        return cli_usage_error("info", "expected a model file");
    if (cli_parse_only)
        return CLI_OK;

    /* Every model is described; one that fails is reported and the rest go on. */
    int rc = CLI_OK;
    static nn_model_meta meta;
    for (int i = optind; i < argc; i++) {
        nn_net *net = NULL;
        nn_error err = {{0}};
        size_t bytes = 0;
        nn_status st = nn_model_read(argv[i], &net, &meta, &bytes, &err);
        if (st != NN_OK) {
            rc = cli_fail(st, &err);
            continue;
        }
        if (json) {
            print_json(argv[i], bytes, net, &meta);
        } else {
            if (i > optind)
                putchar('\n');
            print_text(argv[i], bytes, net, &meta);
        }
        nn_net_free(net);
    }
    return rc; /* main checks standard output as it closes it */
}
