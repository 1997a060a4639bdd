/* cmd_export.c - `nnclass export MODEL -o FILE`: a model as ONNX or NumPy. */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nnclass/base/atomic.h"
#include "nnclass/nn/model.h"
#include "nnclass/nn/net.h"
#include "nnclass/export/npz.h"
#include "nnclass/export/onnx.h"

static void usage(FILE *out)
{
    fputs("Usage: nnclass export [OPTION]... MODEL -o FILE\n"
          "Write a model for other tools: ONNX (input \"image\", float[N,1,28,28] in\n"
          "[0,1], i.e. pixel/255; output \"probabilities\", float[N,classes]; class\n"
          "names in the metadata) or NumPy .npz (arrays W1, b1, W2, b2, ...,\n"
          "activation and class_names).\n\n"
          "  -o, --output FILE    file to write (required)\n"
          "  --format NAME        onnx or npz (default: from the file name's\n"
          "                       extension, else onnx)\n"
          "  -h, --help           show this help and exit\n",
          out);
}

enum { OPT_FORMAT = 256 };

static const struct option long_options[] = {
    {"output", required_argument, NULL, 'o'},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

int cmd_export(int argc, char **argv)
{
    const char *output = NULL, *format = NULL;
    cli_options_reset();
    int c;
    while ((c = getopt_long(argc, argv, ":o:h", long_options, NULL)) != -1) {
        switch (c) {
        case 'o': output = optarg; break;
        case OPT_FORMAT: format = optarg; break;
        case 'h': usage(stdout); return CLI_OK;
        case ':':
            return cli_usage_error("export", "option '%s' needs a value", argv[optind - 1]);
        default:
            return cli_option_error("export", argv[optind - 1], long_options);
        }
    }
    if (argc - optind != 1)
        return cli_usage_error("export", "expected one model file");
    if (output == NULL || output[0] == '\0')
        return cli_usage_error("export", "-o FILE: where to write is required");
    if (format == NULL)
        format = ends_with(output, ".npz") ? "npz" : "onnx";
    if (strcmp(format, "onnx") != 0 && strcmp(format, "npz") != 0)
        return cli_usage_error("export", "--format: unknown format '%s' (expected onnx or npz)",
                               format);
    if (cli_parse_only)
        return CLI_OK;

    /* A device, a directory or the model itself is refused before any work. */
    const char *inputs[] = {argv[optind]};
    char target[4096];
    cli_output out = {"--output", output, CLI_OUTPUT_REPLACE, target, sizeof target};
    int rc = cli_check_outputs(&out, 1, inputs, 1);
    if (rc != CLI_OK)
        return rc;

    nn_model_meta meta;
    nn_net *net = NULL;
    uint8_t *buf = NULL;
    size_t len = 0;
    nn_error err = {{0}};
    char path[4096];
    if (cli_model_path(cli_data_dir(NULL), argv[optind], path, sizeof path) != CLI_OK)
        return CLI_EXIT_DATA;
    nn_status st = nn_model_load(path, &net, &meta, &err);
    if (st == NN_OK && strcmp(format, "onnx") == 0)
        st = nn_onnx_encode(net, &meta, NNCLASS_VERSION, &buf, &len, &err);
    else if (st == NN_OK)
        st = nn_npz_encode(net, &meta, &buf, &len, &err);
    if (st == NN_OK)
        st = nn_atomic_save(target, buf, len, &err);
    free(buf);
    nn_net_free(net);
    if (st != NN_OK)
        return cli_fail(st, &err);
    return CLI_OK;
}
