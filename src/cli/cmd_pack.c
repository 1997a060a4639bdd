/* cmd_pack.c - `nnclass pack`: a folder of image files, one sub-folder per
 * class (as torchvision's ImageFolder has them), to an IDX image file and
 * an IDX label file, each image preprocessed as predict would. */
#include "cli.h"
#include "pack_numbers.h"
#include "record.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nnclass/base/atomic.h"
#include "nnclass/io/idx_write.h"
#include "nnclass/nn/net.h"

void pack_usage(FILE *out)
{
    fputs("Usage: nnclass pack [OPTION]... DIR -o PREFIX\n"
          "  or:  nnclass pack --numbers [OPTION]... -o PREFIX\n"
          "Turn a folder of images into an IDX data set: DIR/<class>/<image>, one\n"
          "sub-folder per class (as torchvision's ImageFolder). Each PNG, JPEG, PGM or PPM\n"
          "file is preprocessed as predict does and becomes one 28x28 image; its label\n"
          "is its folder's. Folders named 0 to 9 are those digits; other names are\n"
          "numbered 0, 1, ... in sorted order. Writes PREFIX-images-idx3-ubyte.gz and\n"
          "PREFIX-labels-idx1-ubyte.gz (BGZF, a gzip every tool reads), and\n"
          "PREFIX-manifest.tsv, one line per image, index<TAB>label<TAB>file (the file\n"
          "name escaped as in predict's TSV), and prints one line per class:\n"
          "label<TAB>folder<TAB>images.\n\n"
          "  -o, --output PREFIX  where to write the three files (required): a name prefix,\n"
          "                       such as DIR/digits, not a folder ending in '/'\n"
          "  --skip-bad           report unreadable images, and files that are not\n"
          "                       regular files (FIFOs, devices: never opened), and leave\n"
          "                       them out; without it the first one stops the run (exit\n"
          "                       1, nothing written)\n"
          CLI_IMAGE_HELP
          "  -h, --help           show this help and exit\n",
          out);
    pack_numbers_help(out);
}

static void usage(FILE *out)
{
    pack_usage(out);
}

enum { OPT_SKIP_BAD = 256, OPT_NUMBERS, OPT_NUMBERS_ONLY };

/* The options of --numbers are known here too, so that they can come
 * before it, and name it when it is missing. */
static const struct option long_options[] = {
    {"output", required_argument, NULL, 'o'},
    {"skip-bad", no_argument, NULL, OPT_SKIP_BAD},
    {"numbers", no_argument, NULL, OPT_NUMBERS},
    {"split", required_argument, NULL, OPT_NUMBERS_ONLY},
    {"count", required_argument, NULL, OPT_NUMBERS_ONLY},
    {"seed", required_argument, NULL, OPT_NUMBERS_ONLY},
    {"digits", required_argument, NULL, OPT_NUMBERS_ONLY},
    {"png", required_argument, NULL, OPT_NUMBERS_ONLY},
    {"data-dir", required_argument, NULL, OPT_NUMBERS_ONLY},
    CLI_IMAGE_LONG_OPTIONS,
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* --- listing folders ----------------------------------------------------------- */

typedef struct {
    char **names;
    size_t count;
} name_list;

static void names_free(name_list *l)
{
    for (size_t i = 0; i < l->count; i++)
        free(l->names[i]);
    free(l->names);
    l->names = NULL;
    l->count = 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The entries of dir that are folders (want_dirs) or other files, without
 * hidden ones, sorted by name. Returns 0, or -1 after printing an error. */
static int list_dir(const char *dir, int want_dirs, name_list *out)
{
    memset(out, 0, sizeof *out);
    DIR *d = opendir(dir);
    if (d == NULL) {
        cli_error("%s: %s", dir, strerror(errno));
        return -1;
    }
    size_t cap = 0;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        char *path = malloc(len);
        if (path == NULL) {
            rc = -1;
            break;
        }
        snprintf(path, len, "%s/%s", dir, e->d_name);
        struct stat st;
        int is_dir = stat(path, &st) == 0 && S_ISDIR(st.st_mode);
        free(path);
        if (is_dir != want_dirs)
            continue;
        if (out->count == cap) {
            cap = cap ? cap * 2 : 16;
            char **grown = realloc(out->names, cap * sizeof *grown);
            if (grown == NULL) {
                rc = -1;
                break;
            }
            out->names = grown;
        }
        if ((out->names[out->count] = strdup(e->d_name)) == NULL) {
            rc = -1;
            break;
        }
        out->count++;
    }
    closedir(d);
    if (rc != 0) {
        cli_error("%s: out of memory", dir);
        names_free(out);
        return -1;
    }
    if (out->count > 1)
        qsort(out->names, out->count, sizeof *out->names, by_name);
    return 0;
}

/* Labels of the class folders: the digit for folders all named 0..9, else
 * the position in sorted order (ImageFolder's rule). */
static void class_labels(const name_list *classes, uint8_t *labels)
{
    int digits = 1;
    for (size_t i = 0; i < classes->count; i++) {
        const char *n = classes->names[i];
        digits &= n[0] >= '0' && n[0] <= '9' && n[1] == '\0';
    }
    for (size_t i = 0; i < classes->count; i++)
        labels[i] = (uint8_t)(digits ? classes->names[i][0] - '0' : (int)i);
}

/* --- the data set being built ---------------------------------------------------- */

typedef struct {
    uint8_t *pixels;
    uint8_t *labels;
    char **files; /* the file each image came from, for the manifest */
    size_t count, cap;
} packed;

static int pack_add(packed *p, const uint8_t *image, uint8_t label, const char *file)
{
    if (p->count == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 256;
        uint8_t *px = realloc(p->pixels, cap * NN_MNIST_SIDE * NN_MNIST_SIDE);
        if (px == NULL)
            return -1;
        p->pixels = px;
        uint8_t *lb = realloc(p->labels, cap);
        if (lb == NULL)
            return -1;
        p->labels = lb;
        char **fl = realloc(p->files, cap * sizeof *fl);
        if (fl == NULL)
            return -1;
        p->files = fl;
        p->cap = cap;
    }
    char *name = strdup(file);
    if (name == NULL)
        return -1;
    memcpy(p->pixels + p->count * NN_MNIST_SIDE * NN_MNIST_SIDE, image,
           NN_MNIST_SIDE * NN_MNIST_SIDE);
    p->files[p->count] = name;
    p->labels[p->count++] = label;
    return 0;
}

static void packed_free(packed *p)
{
    for (size_t i = 0; i < p->count; i++)
        free(p->files[i]);
    free(p->files);
    free(p->pixels);
    free(p->labels);
}

/* The manifest's text in *buf (caller frees): index<TAB>label<TAB>file per
 * image, the name escaped as every TSV field is. */
static nn_status manifest_text(const packed *p, char **buf, size_t *len, nn_error *err)
{
    FILE *m = open_memstream(buf, len);
    if (m == NULL)
        return nn_fail(err, NN_E_NOMEM, "manifest: out of memory");
    cli_rec rec;
    cli_rec_init(&rec, m, CLI_REC_TSV);
    for (size_t i = 0; i < p->count; i++) {
        cli_rec_begin(&rec);
        cli_rec_size(&rec, "index", i);
        cli_rec_size(&rec, "label", p->labels[i]);
        cli_rec_str(&rec, "file", p->files[i]);
        cli_rec_end(&rec);
    }
    int bad = ferror(m);
    if (fclose(m) != 0 || bad) {
        free(*buf);
        *buf = NULL;
        return nn_fail(err, NN_E_NOMEM, "manifest: out of memory");
    }
    return NN_OK;
}

/* Opens the file path met in a walk for reading, only when it is a regular
 * file: a FIFO would block the walk, a device be read as an image. It is
 * checked before the open and again on the descriptor (opened without
 * waiting, so a FIFO put in its place in between cannot block). The
 * descriptor, or -1 with the reason in err. */
static int open_regular(const char *path, nn_error *err)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        nn_fail(err, NN_E_IO, "%s: %s", path, strerror(errno));
        return -1;
    }
    int fd = S_ISREG(st.st_mode) ? open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY) : -1;
    if (S_ISREG(st.st_mode) && fd < 0) {
        nn_fail(err, NN_E_IO, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) {
        close(fd);
        fd = -1;
    }
    if (fd < 0) {
        nn_fail(err, NN_E_FORMAT, "%s: is %s, not an image file", path,
                cli_file_kind(st.st_mode));
        return -1;
    }
    int flags = fcntl(fd, F_GETFL);
    if (flags != -1)
        fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    return fd;
}

/* Reads one image file into image (28x28). Returns 0, or 1 after printing
 * why it cannot be used. */
static int read_one(const char *path, const cli_image_opts *o, uint8_t *image, int skipping)
{
    nn_error err = {{0}};
    cli_input in;
    memset(&in, 0, sizeof in);
    int fd = open_regular(path, &err);
    nn_status st = fd < 0 ? NN_E_IO : cli_input_open_fd(fd, path, o, &in, &err);
    if (fd >= 0)
        close(fd);
    if (st == NN_OK && in.stream != NULL)
        st = nn_fail(&err, NN_E_FORMAT, "%s: an IDX file, not an image", path);
    else if (st == NN_OK && (in.rows != NN_MNIST_SIDE || in.cols != NN_MNIST_SIDE))
        st = nn_fail(&err, NN_E_MISMATCH, "%s: image is %zux%zu, expected 28x28", path,
                     in.cols, in.rows);
    /* One image per file: a second one is refused, not dropped. */
    uint8_t spare[NN_MNIST_SIDE * NN_MNIST_SIDE];
    size_t got = 0;
    if (st == NN_OK)
        st = cli_input_read(&in, image, 1, &got, &err);
    if (st == NN_OK) {
        st = cli_input_read(&in, spare, 1, &got, &err);
        if (st == NN_OK)
            st = nn_fail(&err, NN_E_FORMAT, "%s: more than one image", path);
        else if (st == NN_DONE)
            st = NN_OK;
    }
    cli_input_close(&in);
    if (st == NN_OK)
        return 0;
    cli_fail_in(st, &err, "", skipping ? " (skipped)" : "");
    return 1;
}

/* Writes the three files (the paths the output check resolved), each
 * through a temporary file, renamed only once all are complete. */
static int write_pack(char targets[3][4096], const packed *p)
{
    nn_images images = {p->count, NN_MNIST_SIDE, NN_MNIST_SIDE, p->pixels};
    nn_labels labels = {p->count, p->labels};
    uint8_t *buf[3] = {NULL, NULL, NULL};
    size_t len[3] = {0, 0, 0};
    nn_atomic_file *f[3] = {NULL, NULL, NULL};
    nn_error err = {{0}};
    nn_status st = nn_idx_encode_images(&images, &buf[0], &len[0], &err);
    if (st == NN_OK)
        st = nn_idx_encode_labels(&labels, &buf[1], &len[1], &err);
    char *text = NULL;
    if (st == NN_OK)
        st = manifest_text(p, &text, &len[2], &err);
    buf[2] = (uint8_t *)text;
    for (size_t k = 0; k < 3 && st == NN_OK; k++) {
        st = nn_atomic_open(targets[k], &f[k], &err);
        if (st == NN_OK)
            st = nn_atomic_write(f[k], buf[k], len[k], &err);
    }
    for (size_t k = 0; k < 3 && st == NN_OK; k++) {
        st = nn_atomic_commit(f[k], &err);
        f[k] = NULL;
        for (size_t done = 0; st != NN_OK && done < k; done++)
            unlink(targets[done]); /* no images without their labels and manifest */
    }
    for (size_t k = 0; k < 3; k++) {
        nn_atomic_abort(f[k]);
        free(buf[k]);
    }
    return st == NN_OK ? 0 : cli_fail(st, &err);
}

typedef struct {
    const char *prefix; /* -o */
    const char *dir;
    int skip_bad;
    cli_image_opts image;
    int numbers;              /* --numbers: pack_numbers.c does the work */
    const char *numbers_only; /* an option of --numbers met without it */
} pack_args;

/* Returns -1 to go on, else the exit code (help, or a usage error). */
static int parse_args(int argc, char **argv, pack_args *a)
{
    memset(a, 0, sizeof *a);
    cli_image_opts_init(&a->image);
    cli_options_reset();
    int c, li = -1;
    while ((c = getopt_long(argc, argv, ":o:h", long_options, &li)) != -1) {
        int bad = 0;
        switch (c) {
        case 'o': a->prefix = optarg; break;
        case OPT_SKIP_BAD: a->skip_bad = 1; break;
        case OPT_NUMBERS: a->numbers = 1; break;
        case OPT_NUMBERS_ONLY: a->numbers_only = long_options[li].name; break;
        case CLI_OPT_PREPROCESS:
        case CLI_OPT_INVERT:
        case CLI_OPT_MAX_MPIXELS: bad = cli_parse_image_option(c, optarg, &a->image); break;
        case 'h': usage(stdout); return CLI_OK;
        case ':': return cli_usage_error("pack", "%s: missing value", argv[optind - 1]);
        default: return cli_usage_error("pack", "unknown option '%s'", argv[optind - 1]);
        }
        if (bad != 0)
            return CLI_EXIT_USAGE;
    }
    if (a->numbers)
        return -1;
    if (a->numbers_only != NULL)
        return cli_usage_error("pack", "--%s: only with --numbers", a->numbers_only);
    if (argc - optind != 1)
        return cli_usage_error("pack", "expected one folder DIR");
    if (a->prefix == NULL || a->prefix[0] == '\0')
        return cli_usage_error("pack", "-o PREFIX is required");
    /* DIR/ would write DIR/-images-idx3-ubyte.gz, a name no one meant */
    if (a->prefix[strlen(a->prefix) - 1] == '/')
        return cli_usage_error("pack", "-o: '%s' ends in '/': give the files' name prefix, "
                               "such as DIR/digits", a->prefix);
    a->dir = argv[optind];
    /* Packed images are 28x28 whatever the mode: --preprocess none takes
     * images of that size as they are. */
    if (a->image.preprocess == CLI_PRE_DEFAULT)
        a->image.preprocess = CLI_PRE_MNIST;
    return -1;
}

/* Checks both files' destinations before any image is read, and gives the
 * files that will really be written (a symbolic link is written through)
 * in targets; the exit code, or 0. */
static int check_outputs(const char *prefix, char targets[3][4096])
{
    const char *suffixes[] = {"-images-idx3-ubyte.gz", "-labels-idx1-ubyte.gz", "-manifest.tsv"};
    char paths[3][4096];
    cli_output outs[3];
    for (size_t k = 0; k < 3; k++) {
        if ((size_t)snprintf(paths[k], sizeof paths[k], "%s%s", prefix, suffixes[k]) >=
            sizeof paths[k])
            return cli_usage_error("pack", "-o: the prefix is too long");
        outs[k] = (cli_output){"--output", paths[k], CLI_OUTPUT_REPLACE, targets[k],
                               sizeof targets[k]};
    }
    /* one a link to the other would leave only the labels */
    return cli_check_outputs(outs, 3, NULL, 0);
}

/* The class folders of dir, sorted, at least one and at most
 * NN_MAX_CLASSES; 1 after printing what is wrong. */
static int list_classes(const char *dir, name_list *classes)
{
    if (list_dir(dir, 1, classes) != 0)
        return 1;
    if (classes->count == 0)
        cli_error("%s: no class folders (expected DIR/<class>/<image>)", dir);
    else if (classes->count > NN_MAX_CLASSES)
        cli_error("%s: %zu class folders, at most %u", dir, classes->count, NN_MAX_CLASSES);
    else
        return 0;
    return 1;
}

/* Adds the images of the class folder sub with label to p, counting them
 * in *added and the unreadable ones skipped in *bad_files. Returns 0, 1
 * after printing an error, or -1 when out of memory. */
static int pack_class(const pack_args *a, const char *sub, uint8_t label, packed *p,
                      size_t *added, size_t *bad_files)
{
    name_list files = {0};
    if (list_dir(sub, 0, &files) != 0)
        return 1;
    int rc = 0;
    for (size_t i = 0; i < files.count && rc == 0; i++) {
        char path[8192];
        uint8_t img[NN_MNIST_SIDE * NN_MNIST_SIDE];
        snprintf(path, sizeof path, "%s/%s", sub, files.names[i]);
        if (read_one(path, &a->image, img, a->skip_bad) != 0) {
            if (!a->skip_bad)
                rc = 1;
            else
                (*bad_files)++;
        } else if (pack_add(p, img, label, path) != 0) {
            rc = -1;
        } else {
            (*added)++;
        }
    }
    names_free(&files);
    return rc;
}

/* One line per class on stdout (label, folder, images) and the summary on
 * stderr; the exit code. */
static int report(const pack_args *a, const name_list *classes, const uint8_t *labels,
                  const size_t *per_class, size_t count, size_t bad_files)
{
    cli_rec rec;
    cli_rec_init(&rec, stdout, CLI_REC_TSV);
    for (size_t k = 0; k < classes->count; k++) {
        cli_rec_begin(&rec);
        cli_rec_size(&rec, "label", labels[k]);
        cli_rec_str(&rec, "folder", classes->names[k]);
        cli_rec_size(&rec, "images", per_class[k]);
        cli_rec_end(&rec);
    }
    fprintf(stderr, "nnclass: packed %zu images in %zu classes into ", count, classes->count);
    cli_put_text(stderr, a->prefix);
    fputs("-*-ubyte.gz and -manifest.tsv", stderr);
    if (bad_files > 0)
        fprintf(stderr, " (%zu unreadable files skipped)", bad_files);
    fputc('\n', stderr);
    return fflush(stdout) == 0 ? CLI_OK : CLI_EXIT_DATA;
}

int cmd_pack(int argc, char **argv)
{
    pack_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc < 0 && a.numbers)
        return cmd_pack_numbers(argc, argv);
    if (rc >= 0 || cli_parse_only)
        return rc >= 0 ? rc : CLI_OK;
    char targets[3][4096];
    rc = check_outputs(a.prefix, targets);
    if (rc != CLI_OK)
        return rc;

    name_list classes = {0};
    packed p = {0};
    size_t *per_class = NULL, bad_files = 0;
    uint8_t labels[NN_MAX_CLASSES];
    rc = CLI_EXIT_DATA;
    int r = list_classes(a.dir, &classes);
    if (r == 0) {
        class_labels(&classes, labels);
        per_class = calloc(classes.count, sizeof *per_class);
        r = per_class == NULL ? -1 : 0;
    }
    for (size_t k = 0; k < classes.count && r == 0; k++) {
        char sub[4096];
        snprintf(sub, sizeof sub, "%s/%s", a.dir, classes.names[k]);
        r = pack_class(&a, sub, labels[k], &p, &per_class[k], &bad_files);
    }
    if (r < 0)
        cli_error("%s: out of memory", a.dir);
    else if (r == 0 && p.count == 0)
        cli_error("%s: no usable images", a.dir);
    else if (r == 0 && write_pack(targets, &p) == 0)
        rc = report(&a, &classes, labels, per_class, p.count, bad_files);
    names_free(&classes);
    free(per_class);
    packed_free(&p);
    return rc;
}
