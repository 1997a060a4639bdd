/* cli.c - nnclass's entry point: the command table, --help and --version. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

int cli_parse_only = 0;

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"train", cmd_train, "train a network and write a model file"},
    {"eval", cmd_eval, "accuracy, confusion matrix and per-class metrics of a model"},
    {"predict", cmd_predict, "classify IDX files and PNG/JPEG/PGM images, one line each"},
    {"read", cmd_read, "read whole handwritten numbers in images, one line each"},
    {"info", cmd_info, "describe a model file"},
    {"show", cmd_show, "draw images of an IDX or image file in the terminal"},
    {"pack", cmd_pack, "turn a folder of images, one sub-folder per class, into IDX files"},
    {"export", cmd_export, "write a model as ONNX or NumPy .npz for other tools"},
    {"plot", cmd_plot, "draw the learning curve of a training log as SVG"},
    {"reconstruct", cmd_reconstruct, "draw images beside an autoencoder's reconstructions"},
};

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: nnclass COMMAND [OPTION]... [FILE]...\n"
            "A handwritten-digit classifier: a small neural network trained on MNIST.\n\n"
            "Commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-11s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nRun 'nnclass COMMAND --help' for a command's options.\n"
                 "  -h, --help     show this help and exit\n"
                 "  -V, --version  show the version and exit\n"
                 "Exit status: 0 success, 1 data, model or I/O error, 2 usage error.\n"
                 "\n"
                 "Examples:\n"
                 "  nnclass train --epochs 30 -o digits.nnc --log digits.jsonl\n"
                 "      train the default 784x16x10 network on MNIST; the log's last line\n"
                 "      holds its test accuracy and loss\n"
                 "  nnclass eval --model digits.nnc --format json\n"
                 "      its accuracy, loss, confusion matrix and per-class metrics\n"
                 "  nnclass predict --model mnist-cnn scan.png\n"
                 "      read one photographed digit with the shipped CNN\n"
                 "  nnclass read --format json number.png\n"
                 "      read a whole written number, each digit with its span and\n"
                 "      probability\n"
                 "  nnclass predict --format json scans/*.png >answers.jsonl\n"
                 "      one JSON record per image, each naming its file; a file that\n"
                 "      cannot be read leaves a record with its error\n"
                 "  nnclass info --format json digits.nnc\n"
                 "      the architecture and where the model came from\n");
}

int nnclass_main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0) {
        usage(stdout);
        return CLI_OK;
    }
    if (strcmp(name, "-V") == 0 || strcmp(name, "--version") == 0) {
        return cli_print_version(stdout);
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(name, commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    cli_error("'%s' is not a command; run 'nnclass --help' for the list", name);
    return CLI_EXIT_USAGE;
}
