/* pack_numbers.c - `nnclass pack --numbers`: a set of written numbers
 * composed from MNIST digits (numbers.h), written as an IDX file of strips
 * and a text file of the numbers, and if asked each as a PNG page. */
#include "cli.h"
#include "pack_numbers.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nnclass/base/atomic.h"
#include "nnclass/io/idx_write.h"
#include "nnclass/io/numbers.h"
#include "nnclass/io/png_write.h"
#include "nnclass/io/strip.h"

/* Numbers in one set: 400 MB of strips in memory at most. */
#define MAX_COUNT 100000
/* Pages are this many times the strip's size. */
#define PAGE_SCALE 4

void pack_numbers_help(FILE *out)
{
    fputs("\nWith --numbers, composes written numbers from MNIST digits instead (see the\n"
          "data guide): PREFIX-images-idx3-ubyte.gz holds N strips of 32x128 (bright\n"
          "ink on dark, as `read` takes them) and PREFIX-numbers.txt the numbers, one a\n"
          "line in the same order. The same options give the same files. The test set:\n"
          "  nnclass pack --numbers --split test --count 10000 --seed 1 -o numbers-test\n\n"
          "  --numbers            compose numbers (no DIR)\n"
          "  --split SPLIT        the digits drawn: train (the MNIST training digits not\n"
          "                       held out), val (every 12th training digit, held out of\n"
          "                       training) or test (the MNIST test digits; default)\n"
          "  --count N            how many numbers, 1 to 100000 (default 10000)\n"
          "  --seed S             the set's seed (default 1)\n"
          "  --digits MIN-MAX     digits per number, each length as likely, 1 to 8 (default\n"
          "                       1-8; one value N: exactly N)\n"
          "  --png DIR            also write each number as a page, DIR/00000.png ...\n"
          "                       (dark ink on light paper, 4 times the strip, with\n"
          "                       margins), made if missing\n"
          "  --data-dir DIR       where mnist/ is (default $NNCLASS_DATA, else the\n"
          "                       project's data folder)\n",
          out);
}

typedef struct {
    const char *prefix, *png_dir, *data_dir;
    int split; /* 0 train, 1 val, 2 test */
    size_t count, min_digits, max_digits;
    uint64_t seed;
} numbers_args;

enum { OPT_NUMBERS = 300, OPT_SPLIT, OPT_COUNT, OPT_SEED, OPT_DIGITS, OPT_PNG, OPT_DATA_DIR };

static const struct option long_options[] = {
    {"numbers", no_argument, NULL, OPT_NUMBERS},
    {"output", required_argument, NULL, 'o'},
    {"split", required_argument, NULL, OPT_SPLIT},
    {"count", required_argument, NULL, OPT_COUNT},
    {"seed", required_argument, NULL, OPT_SEED},
    {"digits", required_argument, NULL, OPT_DIGITS},
    {"png", required_argument, NULL, OPT_PNG},
    {"data-dir", required_argument, NULL, OPT_DATA_DIR},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* MIN-MAX or N, each 1..NN_NUMBER_MAX_DIGITS; -1 after printing why not. */
static int parse_digits(const char *text, numbers_args *a)
{
    char lo[16], *dash = strchr(text, '-');
    size_t n = dash != NULL ? (size_t)(dash - text) : strlen(text);
    if (n == 0 || n >= sizeof lo ||
        (dash != NULL && (dash[1] == '\0' || strchr(dash + 1, '-') != NULL))) {
        cli_error("--digits: '%s': expected MIN-MAX or N, digits per number", text);
        return -1;
    }
    memcpy(lo, text, n);
    lo[n] = '\0';
    if (cli_parse_size("--digits", lo, 1, NN_NUMBER_MAX_DIGITS, &a->min_digits) != 0 ||
        cli_parse_size("--digits", dash != NULL ? dash + 1 : lo, 1, NN_NUMBER_MAX_DIGITS,
                       &a->max_digits) != 0)
        return -1;
    if (a->min_digits > a->max_digits) {
        cli_error("--digits: '%s': the least is more than the most", text);
        return -1;
    }
    return 0;
}

static int parse_option(int c, void *ctx)
{
    numbers_args *a = ctx;
    static const char *const splits[] = {"train", "val", "test"};
    switch (c) {
    case OPT_NUMBERS: return 0;
    case 'o': a->prefix = optarg; return 0;
    case OPT_SPLIT: return cli_parse_enum("--split", "split", optarg, splits, 3, &a->split);
    case OPT_COUNT: return cli_parse_size("--count", optarg, 1, MAX_COUNT, &a->count);
    case OPT_SEED: return cli_parse_u64("--seed", optarg, &a->seed);
    case OPT_DIGITS: return parse_digits(optarg, a);
    case OPT_PNG: a->png_dir = optarg; return 0;
    case OPT_DATA_DIR: a->data_dir = optarg; return 0;
    default: return -1;
    }
}

static void usage(FILE *out)
{
    pack_usage(out);
}

/* Returns -1 to go on, else the exit code (help, or a usage error). */
static int parse_args(int argc, char **argv, numbers_args *a)
{
    memset(a, 0, sizeof *a);
    a->split = 2;
    a->count = 10000;
    a->seed = 1;
    a->min_digits = 1;
    a->max_digits = NN_NUMBER_MAX_DIGITS;
    int rc = cli_parse_options("pack", argc, argv, ":o:h", long_options, usage, parse_option, a);
    if (rc >= 0)
        return rc;
    if (optind < argc)
        return cli_usage_error("pack", "'%s': --numbers takes no folder", argv[optind]);
    if (a->prefix == NULL || a->prefix[0] == '\0')
        return cli_usage_error("pack", "-o PREFIX is required");
    if (a->prefix[strlen(a->prefix) - 1] == '/')
        return cli_usage_error("pack", "-o: '%s' ends in '/': give the files' name prefix, "
                               "such as DIR/numbers", a->prefix);
    if (a->png_dir != NULL && a->png_dir[0] == '\0')
        return cli_usage_error("pack", "--png: an empty folder name");
    return -1;
}

/* The MNIST digits of the split and the picks among them; the exit code. */
static int load_pool(const numbers_args *a, nn_images *im, nn_labels *lb, uint32_t **pick,
                     nn_digit_pool *pool)
{
    const char *dir = cli_data_dir(a->data_dir);
    char ip[4096], lp[4096];
    if (cli_dataset_paths(dir, "mnist", a->split == 2 ? "test" : "train", ip, lp, sizeof ip) != 0)
        return CLI_EXIT_USAGE;
    if (access(ip, F_OK) != 0)
        return cli_missing_data(ip, a->data_dir);
    nn_error err = {{0}};
    nn_status st = nn_idx_load_labels(lp, 0, lb, &err);
    if (st == NN_OK)
        st = nn_idx_load_images_for(ip, 0, lb, lp, im, &err);
    if (st != NN_OK)
        return cli_fail(st, &err);
    if (im->rows != 28 || im->cols != 28) {
        cli_error("%s: images are %zux%zu, expected 28x28 digits", ip, im->cols, im->rows);
        return CLI_EXIT_DATA;
    }
    *pool = (nn_digit_pool){im->pixels, lb->labels, im->count, NULL, 0};
    if (a->split != 2) {
        if ((*pick = malloc(im->count * sizeof **pick)) == NULL) {
            cli_error("%s: out of memory", ip);
            return CLI_EXIT_DATA;
        }
        pool->pick = *pick;
        pool->n_pick = nn_numbers_split(im->count, a->split == 1, *pick);
    }
    if ((pool->pick != NULL ? pool->n_pick : pool->count) == 0) {
        cli_error("%s: no digits to draw from", ip);
        return CLI_EXIT_DATA;
    }
    return CLI_OK;
}

/* The numbers as text, one a line, in a new buffer (*text, *len); -1 when
 * out of memory. */
static int numbers_text(const uint8_t *digits, const size_t *lengths, size_t count, char **text,
                        size_t *len)
{
    *text = malloc(count * (NN_NUMBER_MAX_DIGITS + 1) + 1);
    if (*text == NULL)
        return -1;
    size_t o = 0;
    for (size_t i = 0; i < count; i++) {
        for (size_t k = 0; k < lengths[i]; k++)
            (*text)[o++] = (char)('0' + digits[i * NN_NUMBER_MAX_DIGITS + k]);
        (*text)[o++] = '\n';
    }
    *len = o;
    return 0;
}

/* Writes the strips and the text to the two targets, each through a
 * temporary file, renamed only once both are complete; the exit code. */
static int write_set(char targets[2][4096], const nn_images *strips, const char *text,
                     size_t text_len)
{
    uint8_t *idx = NULL;
    size_t idx_len = 0;
    nn_atomic_file *f[2] = {NULL, NULL};
    nn_error err = {{0}};
    nn_status st = nn_idx_encode_images(strips, &idx, &idx_len, &err);
    const void *buf[2] = {idx, text};
    size_t len[2] = {idx_len, text_len};
    for (size_t k = 0; k < 2 && st == NN_OK; k++) {
        st = nn_atomic_open(targets[k], &f[k], &err);
        if (st == NN_OK)
            st = nn_atomic_write(f[k], buf[k], len[k], &err);
    }
    for (size_t k = 0; k < 2 && st == NN_OK; k++) {
        st = nn_atomic_commit(f[k], &err);
        f[k] = NULL;
        if (st != NN_OK && k == 1)
            unlink(targets[0]); /* no strips without their numbers */
    }
    for (size_t k = 0; k < 2; k++)
        nn_atomic_abort(f[k]);
    free(idx);
    return st == NN_OK ? CLI_OK : cli_fail(st, &err);
}

/* The folder for the pages: made when missing (its parent must exist). */
static int make_png_dir(const char *dir)
{
    struct stat sb;
    if (stat(dir, &sb) == 0) {
        if (S_ISDIR(sb.st_mode))
            return CLI_OK;
        cli_error("--png: %s: is %s, not a folder", dir, cli_file_kind(sb.st_mode));
        return CLI_EXIT_USAGE;
    }
    if (mkdir(dir, 0777) != 0) {
        cli_error("--png: %s: %s", dir, strerror(errno));
        return CLI_EXIT_DATA;
    }
    return CLI_OK;
}

/* Writes strip i of the set as DIR/<i>.png, the number of digits of the
 * last index wide; the exit code. */
static int write_page(const char *dir, size_t i, size_t count, const uint8_t *strip,
                      uint64_t seed)
{
    int width = 1;
    for (size_t c = count - 1; c >= 10; c /= 10)
        width++;
    width = width < 5 ? 5 : width;
    char path[4200];
    if ((size_t)snprintf(path, sizeof path, "%s/%0*zu.png", dir, width, i) >= sizeof path) {
        cli_error("--png: the folder name is too long");
        return CLI_EXIT_USAGE;
    }
    nn_grey page = {0};
    uint8_t *png = NULL;
    size_t len = 0;
    nn_error err = {{0}};
    nn_status st = nn_number_page(strip, PAGE_SCALE, seed, &page, &err);
    if (st == NN_OK)
        st = nn_png_encode(&page, &png, &len, &err);
    if (st == NN_OK)
        st = nn_atomic_save(path, png, len, &err);
    nn_grey_free(&page);
    free(png);
    return st == NN_OK ? CLI_OK : cli_fail(st, &err);
}

/* Checks the two outputs' destinations before anything is composed; the
 * files really written go in targets. The exit code. */
static int check_outputs(const char *prefix, char targets[2][4096])
{
    const char *suffixes[] = {"-images-idx3-ubyte.gz", "-numbers.txt"};
    char paths[2][4096];
    cli_output outs[2];
    for (size_t k = 0; k < 2; k++) {
        if ((size_t)snprintf(paths[k], sizeof paths[k], "%s%s", prefix, suffixes[k]) >=
            sizeof paths[k])
            return cli_usage_error("pack", "-o: the prefix is too long");
        outs[k] = (cli_output){"--output", paths[k], CLI_OUTPUT_REPLACE, targets[k],
                               sizeof targets[k]};
    }
    return cli_check_outputs(outs, 2, NULL, 0);
}

/* Composes the set: strips, digits and lengths of every number, pages when
 * asked; the exit code. */
static int compose_set(const numbers_args *a, const nn_digit_pool *pool, nn_images *strips,
                       uint8_t *digits, size_t *lengths)
{
    nn_numbers_options opt;
    nn_numbers_options_default(&opt);
    opt.min_digits = a->min_digits;
    opt.max_digits = a->max_digits;
    for (size_t i = 0; i < a->count; i++) {
        uint64_t seed = nn_number_seed(a->seed, i);
        uint8_t *strip = strips->pixels + i * NN_STRIP_H * NN_STRIP_W;
        lengths[i] = nn_number_compose(pool, &opt, seed, strip, digits + i * NN_NUMBER_MAX_DIGITS);
        if (lengths[i] == 0) {
            cli_error("pack: --numbers: a digit of the data set has a label over 9");
            return CLI_EXIT_DATA;
        }
        int rc = a->png_dir != NULL ? write_page(a->png_dir, i, a->count, strip, seed) : CLI_OK;
        if (rc != CLI_OK)
            return rc;
    }
    return CLI_OK;
}

int cmd_pack_numbers(int argc, char **argv)
{
    numbers_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0 || cli_parse_only)
        return rc >= 0 ? rc : CLI_OK;
    char targets[2][4096];
    if ((rc = check_outputs(a.prefix, targets)) != CLI_OK)
        return rc;
    if (a.png_dir != NULL && (rc = make_png_dir(a.png_dir)) != CLI_OK)
        return rc;
    nn_images im = {0};
    nn_labels lb = {0};
    uint32_t *pick = NULL;
    nn_digit_pool pool;
    nn_images strips = {a.count, NN_STRIP_H, NN_STRIP_W, NULL};
    uint8_t *digits = NULL;
    size_t *lengths = NULL, text_len = 0;
    char *text = NULL;
    rc = load_pool(&a, &im, &lb, &pick, &pool);
    if (rc == CLI_OK) {
        strips.pixels = malloc(a.count * NN_STRIP_H * NN_STRIP_W);
        digits = malloc(a.count * NN_NUMBER_MAX_DIGITS);
        lengths = malloc(a.count * sizeof *lengths);
        if (strips.pixels == NULL || digits == NULL || lengths == NULL) {
            cli_error("pack: out of memory for %zu numbers", a.count);
            rc = CLI_EXIT_DATA;
        }
    }
    if (rc == CLI_OK)
        rc = compose_set(&a, &pool, &strips, digits, lengths);
    if (rc == CLI_OK && numbers_text(digits, lengths, a.count, &text, &text_len) != 0) {
        cli_error("pack: out of memory for %zu numbers", a.count);
        rc = CLI_EXIT_DATA;
    }
    if (rc == CLI_OK)
        rc = write_set(targets, &strips, text, text_len);
    if (rc == CLI_OK) {
        static const char *const splits[] = {"train", "val", "test"};
        fprintf(stderr, "nnclass: composed %zu numbers of %s digits (seed %llu) into ", a.count,
                splits[a.split], (unsigned long long)a.seed);
        cli_put_text(stderr, a.prefix);
        fputs("-images-idx3-ubyte.gz and -numbers.txt\n", stderr);
    }
    free(text);
    free(strips.pixels);
    free(digits);
    free(lengths);
    free(pick);
    nn_images_free(&im);
    nn_labels_free(&lb);
    return rc;
}
