/* cmd_info.c - `nnclass info MODEL`: what a model file holds. */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "nnclass/model.h"
#include "nnclass/net.h"

static void usage(FILE *out)
{
    fputs("Usage: nnclass info [OPTION]... MODEL\n"
          "Describe a model file: architecture, neuron, weight and bias counts,\n"
          "activations, class names, training metadata and checksum status.\n\n"
          "  -h, --help  show this help and exit\n",
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

static const struct option long_options[] = {
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

int cmd_info(int argc, char **argv)
{
    opterr = 0;
    optind = 0; /* 0, not 1: glibc and musl then also reset their internal state */
    int c;
    while ((c = getopt_long(argc, argv, "h", long_options, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            return CLI_OK;
        }
        return cli_usage_error("info", "unknown option '%s'", argv[optind - 1]);
    }
    if (argc - optind != 1)
        return cli_usage_error("info", "expected one model file");
    if (cli_parse_only)
        return CLI_OK;
    const char *path = argv[optind];

    static nn_model_meta meta;
    nn_net *net = NULL;
    nn_error err = {{0}};
    nn_status st = nn_model_load(path, &net, &meta, &err);
    if (st != NN_OK)
        return cli_fail(st, &err);

    char b1[32], b2[32], b3[32];
    struct stat sb;
    printf("file          %s (%s bytes)\n", path,
           stat(path, &sb) == 0 ? thousands((size_t)sb.st_size, b1, sizeof b1) : "?");
    printf("checksum      ok (CRC-32 verified)\n");
    printf("architecture  ");
    for (size_t l = 0; l < net->n_layers; l++)
        printf("%s%zu", l > 0 ? "-" : "", net->sizes[l]);
    printf("\ninput         %ux%u pixels\n", meta.rows, meta.cols);
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
    printf("classes       %zu", meta.n_classes);
    if (meta.has_class_names) {
        printf(":");
        for (size_t k = 0; k < meta.n_classes; k++)
            printf("%s%s", k > 0 ? ", " : " ", meta.class_names[k]);
    }
    printf("\ndataset       %s\n", meta.dataset[0] != '\0' ? meta.dataset : "(files)");
    printf("recipe        %s\n", meta.recipe[0] != '\0' ? meta.recipe : "(unknown)");
    printf("epochs        %u\nseed          %llu\n", meta.epochs, (unsigned long long)meta.seed);
    if (meta.val_accuracy >= 0)
        printf("validation    %.4f\n", (double)meta.val_accuracy);
    else
        printf("validation    none (trained without a held-out set)\n");
    nn_net_free(net);
    if (fflush(stdout) != 0) {
        cli_error("standard output: write error");
        return CLI_EXIT_DATA;
    }
    return CLI_OK;
}
