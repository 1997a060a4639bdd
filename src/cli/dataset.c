/* dataset.c - where the data lives: the data folder, a dataset's files, its
 * default model and its class names. */
#define _XOPEN_SOURCE 700 /* realpath() is an X/Open interface */
#include "cli.h"

#include "nnclass/io/gateway.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef NNCLASS_SYSTEM_FASHION_DIR
#define NNCLASS_SYSTEM_FASHION_DIR "/usr/share/datasets/fashion-mnist"
#endif

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The folder of the running executable (from /proc/self/exe, symlinks
 * resolved) in buf; returns 0, or -1 when the system does not say. */
static int exe_dir(char *buf, size_t cap)
{
    char exe[PATH_MAX];
    if (realpath("/proc/self/exe", exe) == NULL)
        return -1;
    char *slash = strrchr(exe, '/');
    if (slash == NULL)
        return -1;
    *slash = '\0';
    if ((size_t)snprintf(buf, cap, "%s", exe[0] != '\0' ? exe : "/") >= cap)
        return -1;
    return 0;
}

/* The folders that may hold nnclass's data, in the order they are tried
 * when neither --data-dir nor NNCLASS_DATA names one:
 *  - the build tree's binary uses the source tree's data/ (compiled in);
 *  - an installed binary uses <its folder>/../share/nnclass (the relative
 *    path from the install's bindir to its datadir), so a moved prefix
 *    still works;
 *  - then the share folder of the prefix it was installed to.
 * Returns the number of candidates written to dirs (each cap bytes). */
static size_t data_dir_candidates(char dirs[][PATH_MAX], size_t max)
{
    size_t n = 0;
    char self[PATH_MAX], build[PATH_MAX];
    int have_self = exe_dir(self, sizeof self) == 0;
    if (have_self && realpath(NNCLASS_BUILD_DIR, build) != NULL && strcmp(self, build) == 0)
        snprintf(dirs[n++], PATH_MAX, "%s", NNCLASS_PROJECT_DATA_DIR);
    if (have_self && n < max) {
        /* Each leading "../" of the relative path takes a folder off self,
         * so the names tried read cleanly in messages. */
        char rel[PATH_MAX + 64];
        const char *up = NNCLASS_BINDIR_TO_DATADIR;
        while (strncmp(up, "../", 3) == 0 && strrchr(self, '/') != NULL) {
            char *slash = strrchr(self, '/');
            slash[slash == self ? 1 : 0] = '\0';
            up += 3;
        }
        snprintf(rel, sizeof rel, "%s%s%s/nnclass", self,
                 self[strlen(self) - 1] == '/' ? "" : "/", up);
        if (realpath(rel, dirs[n]) != NULL)
            n++;
        else
            snprintf(dirs[n++], PATH_MAX, "%.*s", PATH_MAX - 1, rel);
    }
    if (n < max && (n == 0 || strcmp(dirs[n - 1], NNCLASS_SHARE_DATA_DIR) != 0))
        snprintf(dirs[n++], PATH_MAX, "%s", NNCLASS_SHARE_DATA_DIR);
    return n;
}

const char *cli_data_dir(const char *flag)
{
    if (flag != NULL && flag[0] != '\0')
        return flag;
    const char *env = getenv("NNCLASS_DATA");
    if (env != NULL && env[0] != '\0')
        return env;
    static char dirs[3][PATH_MAX];
    size_t n = data_dir_candidates(dirs, 3);
    for (size_t i = 0; i < n; i++)
        if (is_dir(dirs[i]))
            return dirs[i];
    return dirs[0];
}

int cli_missing_data(const char *path, const char *flag)
{
    const char *env = getenv("NNCLASS_DATA");
    if (flag != NULL && flag[0] != '\0') {
        cli_error("%s: not found in the data folder given by --data-dir", path);
    } else if (env != NULL && env[0] != '\0') {
        cli_error("%s: not found in the data folder NNCLASS_DATA names (%s); "
                  "unset it or give --data-dir DIR",
                  path, env);
    } else {
        char dirs[3][PATH_MAX], list[3 * PATH_MAX + 16];
        size_t n = data_dir_candidates(dirs, 3), o = 0;
        list[0] = '\0';
        for (size_t i = 0; i < n && o < sizeof list; i++)
            o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", i > 0 ? ", " : "", dirs[i]);
        cli_error("%s: not found; tried the data folders %s; give --data-dir DIR or set "
                  "NNCLASS_DATA",
                  path, list);
    }
    return CLI_EXIT_DATA;
}

int cli_dataset_paths(const char *data_dir, const char *dataset, const char *split,
                      char *images, char *labels, size_t cap)
{
    static const char *const datasets[] = {"mnist", "fashion"};
    static const char *const splits[] = {"test", "train"};
    static const char *const prefixes[] = {"t10k", "train"};
    int d, s;
    if (cli_parse_enum("--dataset", "dataset", dataset, datasets, 2, &d) != 0 ||
        cli_parse_enum("--split", "split", split, splits, 2, &s) != 0)
        return -1;
    const char *prefix = prefixes[s];
    /* Debian's dataset-fashion-mnist installs the four files under the
     * standard names in its own folder: used when the data folder has none. */
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/%s", data_dir, dataset);
    if (strcmp(dataset, "fashion") == 0 && !is_dir(dir) && is_dir(NNCLASS_SYSTEM_FASHION_DIR))
        snprintf(dir, sizeof dir, "%s", NNCLASS_SYSTEM_FASHION_DIR);
    snprintf(images, cap, "%s/%s-images-idx3-ubyte.gz", dir, prefix);
    snprintf(labels, cap, "%s/%s-labels-idx1-ubyte.gz", dir, prefix);
    return 0;
}

int cli_input_paths(const char *data_dir, const char *images_opt, const char *labels_opt,
                    const char *dataset, const char *split, char *images, char *labels,
                    size_t cap)
{
    if (images_opt == NULL)
        return cli_dataset_paths(data_dir, dataset, split, images, labels, cap);
    snprintf(images, cap, "%s", images_opt);
    snprintf(labels, cap, "%s", labels_opt);
    return 0;
}

int cli_check_input_options(const char *cmd, const char *images, const char *labels,
                            const char *dataset)
{
    if ((images == NULL) != (labels == NULL))
        return cli_usage_error(cmd, "--images and --labels go together");
    if (images != NULL && dataset != NULL)
        return cli_usage_error(cmd, "give either --dataset or --images/--labels");
    return 0;
}

void cli_dataset_hint(const char *dataset)
{
    if (dataset != NULL && strcmp(dataset, "fashion") == 0)
        fprintf(stderr, "nnclass: hint: scripts/fetch-fashion.sh downloads Fashion-MNIST\n");
}

nn_status cli_check_dataset(const nn_dataset *data, const char *images_path, size_t n_labels,
                            const char *labels_path, const char *classes_from, nn_error *err)
{
    if (n_labels != data->count)
        return nn_fail(err, NN_E_MISMATCH, "%s: %zu labels, but %s has %zu images",
                       cli_shown_path(labels_path), n_labels, cli_shown_path(images_path),
                       data->count);
    nn_error why = {{0}};
    nn_status st = nn_dataset_check(data, NULL, &why);
    if (st != NN_OK)
        return nn_fail(err, st, "%s: %s (%s)", cli_shown_path(labels_path), why.msg, classes_from);
    return NN_OK;
}

void cli_default_model(const char *data_dir, const char *dataset, char *out, size_t cap)
{
    snprintf(out, cap, "%s/models/%s.nnc", data_dir, dataset);
}

/* A file that can be a model: there, and not a folder. */
static int model_candidate(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && !S_ISDIR(sb.st_mode);
}

int cli_model_path(const char *data_dir, const char *model, char *out, size_t cap)
{
    int bare = model[0] != '\0' && strspn(model, "abcdefghijklmnopqrstuvwxyz"
                                                  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") ==
                                            strlen(model);
    snprintf(out, cap, "%s", model);
    if (!bare || model_candidate(out))
        return CLI_OK; /* a path: loading it says what is wrong with it */
    /* A bare name: the working folder first, so that a model trained here is
     * the one used, then the shipped models. */
    char tried[3][PATH_MAX];
    snprintf(tried[0], sizeof tried[0], "./%s", model);
    snprintf(tried[1], sizeof tried[1], "./%s.nnc", model);
    cli_default_model(data_dir, model, tried[2], sizeof tried[2]);
    for (size_t i = 1; i < 3; i++)
        if (model_candidate(tried[i])) {
            snprintf(out, cap, "%s", i == 1 ? tried[i] + 2 : tried[i]);
            return CLI_OK;
        }
    cli_error("%s: no such model; tried %s, %s and %s", model, tried[0], tried[1], tried[2]);
    return CLI_EXIT_DATA;
}

/* Standard input that is a regular file: its first bytes, read where it
 * stands without moving it, start like PNG, JPEG or PGM/PPM. */
static int stdin_holds_pictures(void)
{
    struct stat sb;
    uint8_t b[3];
    off_t at = lseek(STDIN_FILENO, 0, SEEK_CUR);
    if (fstat(STDIN_FILENO, &sb) != 0 || !S_ISREG(sb.st_mode) || at < 0 ||
        pread(STDIN_FILENO, b, sizeof b, at) != (ssize_t)sizeof b)
        return 0;
    return (b[0] == 0x89 && b[1] == 'P' && b[2] == 'N') || (b[0] == 0xff && b[1] == 0xd8) ||
           (b[0] == 'P' && b[1] >= '1' && b[1] <= '6');
}

int cli_holds_pictures(const char *path)
{
    if (strcmp(path, "-") == 0)
        return stdin_holds_pictures();
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
        return 0; /* a FIFO would lose the bytes looked at */
    nn_gateway_file f = {0};
    nn_error err = {{0}};
    if (nn_gateway_open(path, 0, 0, &f, &err) != NN_OK)
        return 0;
    int pictures = f.images != NULL;
    nn_gateway_close(&f);
    return pictures;
}

int cli_find_model(const char *data_dir_opt, const char *model, const char *dataset,
                   const char *first_input, char *out, size_t cap, int *by_default)
{
    const char *data_dir = cli_data_dir(data_dir_opt);
    if (by_default != NULL)
        *by_default = 0;
    if (model != NULL)
        return cli_model_path(data_dir, model, out, cap);
    /* Photos and scans are answered by the most accurate shipped model; IDX
     * files and datasets keep the classic one, so pipelines keep their
     * outputs. */
    if (dataset == NULL && first_input != NULL && cli_holds_pictures(first_input)) {
        cli_default_model(data_dir, CLI_IMAGE_MODEL, out, cap);
        if (access(out, F_OK) == 0) {
            if (by_default != NULL)
                *by_default = 1;
            return CLI_OK;
        }
    }
    cli_default_model(data_dir, dataset != NULL ? dataset : "mnist", out, cap);
    return access(out, F_OK) == 0 ? CLI_OK : cli_missing_data(out, data_dir_opt);
}

void cli_model_note(const char *model_path, int quiet)
{
    if (!quiet)
        cli_error("%s: the model that answers (name another with --model)", model_path);
}

static const char *const mnist_names[] = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
static const char *const fashion_names[] = {"T-shirt/top", "Trouser", "Pullover", "Dress",
                                            "Coat",        "Sandal",  "Shirt",    "Sneaker",
                                            "Bag",         "Ankle boot"};

const char *const *cli_dataset_class_names(const char *dataset, size_t *n)
{
    *n = 0;
    if (dataset != NULL && strcmp(dataset, "mnist") == 0) {
        *n = sizeof mnist_names / sizeof mnist_names[0];
        return mnist_names;
    }
    if (dataset != NULL && strcmp(dataset, "fashion") == 0) {
        *n = sizeof fashion_names / sizeof fashion_names[0];
        return fashion_names;
    }
    return NULL;
}

const char *cli_class_name(const nn_model_meta *meta, size_t k, char *buf, size_t cap)
{
    if (meta->has_class_names)
        return meta->class_names[k];
    snprintf(buf, cap, "%zu", k);
    return buf;
}

void cli_class_caption(size_t k, const char *name, char *out, size_t cap)
{
    char number[32];
    snprintf(number, sizeof number, "%zu", k);
    if (name != NULL && strcmp(name, number) != 0)
        snprintf(out, cap, "%s %s", number, name);
    else
        snprintf(out, cap, "%s", number);
}
