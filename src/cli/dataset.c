/* dataset.c - where the data lives: the data folder, a dataset's files, its
 * default model and its class names. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *cli_data_dir(const char *flag)
{
    if (flag != NULL && flag[0] != '\0')
        return flag;
    const char *env = getenv("NNCLASS_DATA");
    if (env != NULL && env[0] != '\0')
        return env;
    if (is_dir(NNCLASS_PROJECT_DATA_DIR))
        return NNCLASS_PROJECT_DATA_DIR;
    return NNCLASS_SHARE_DATA_DIR;
}

static int known_dataset(const char *name)
{
    return strcmp(name, "mnist") == 0 || strcmp(name, "fashion") == 0;
}

int cli_dataset_paths(const char *data_dir, const char *dataset, const char *split,
                      char *images, char *labels, size_t cap)
{
    if (!known_dataset(dataset)) {
        cli_error("--dataset: unknown dataset '%s' (expected mnist or fashion)", dataset);
        return -1;
    }
    const char *prefix;
    if (strcmp(split, "train") == 0)
        prefix = "train";
    else if (strcmp(split, "test") == 0)
        prefix = "t10k";
    else {
        cli_error("--split: unknown split '%s' (expected test or train)", split);
        return -1;
    }
    snprintf(images, cap, "%s/%s/%s-images-idx3-ubyte.gz", data_dir, dataset, prefix);
    snprintf(labels, cap, "%s/%s/%s-labels-idx1-ubyte.gz", data_dir, dataset, prefix);
    return 0;
}

void cli_default_model(const char *data_dir, const char *dataset, char *out, size_t cap)
{
    snprintf(out, cap, "%s/models/%s.nnc", data_dir, dataset);
}

static const char *const mnist_names[] = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
static const char *const fashion_names[] = {"T-shirt/top", "Trouser", "Pullover", "Dress",
                                            "Coat",        "Sandal",  "Shirt",    "Sneaker",
                                            "Bag",         "Ankle boot"};

const char *const *cli_dataset_class_names(const char *dataset, size_t *n)
{
    *n = 10;
    if (dataset != NULL && strcmp(dataset, "mnist") == 0)
        return mnist_names;
    if (dataset != NULL && strcmp(dataset, "fashion") == 0)
        return fashion_names;
    *n = 0;
    return NULL;
}
