/* files.c - the standard streams and the files the commands write.
 *
 * Every command goes through the same three rules: descriptors 0-2 are open
 * before anything else opens a file (so a log never becomes "standard
 * output" by accident), standard output is closed and checked once at exit
 * (so a full disk or a closed pipe is an error on every command, help and
 * version texts included), and every output path given on the command line
 * is checked before the work starts (see cli_check_output in cli.h). */
#define _XOPEN_SOURCE 700 /* realpath() is an X/Open interface */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void cli_open_std_fds(void)
{
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
            continue;
        /* open returns the lowest free descriptor: this one. */
        int got = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
        if (got >= 0 && got != fd)
            close(got); /* cannot happen; never leave a stray descriptor */
    }
}

/* Why standard output first failed, as seen by cli_stdout_failed. */
static int stdout_errno = 0;

int cli_stdout_failed(void)
{
    if (!ferror(stdout))
        return 0;
    if (stdout_errno == 0)
        stdout_errno = errno;
    return 1;
}

void cli_flush_stdout(void)
{
    if (fflush(stdout) != 0 && stdout_errno == 0)
        stdout_errno = errno;
}

void cli_set_stdout_buffering(int line_buffered)
{
    static char outbuf[1 << 16]; /* stdout uses it until it is closed */
    if (line_buffered || isatty(STDOUT_FILENO))
        setvbuf(stdout, NULL, _IOLBF, 0);
    else
        setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
}

const char *cli_shown_path(const char *path)
{
    return strcmp(path, "-") == 0 ? "(standard input)" : path;
}

int cli_file_column(int tsv, int with_filename, int several)
{
    if (!tsv)
        return 1;
    return with_filename >= 0 ? with_filename : several;
}

int cli_close_stdout(int rc)
{
    int had_error = cli_stdout_failed();
    errno = 0;
    int close_failed = fclose(stdout) != 0;
    if (!had_error && !close_failed)
        return rc;
    int e = stdout_errno != 0 ? stdout_errno : errno;
    /* A closed pipe is the reader's choice (head, grep -q): say nothing.
     * Not cli_error: it would flush the stdout just closed. */
    if (e != EPIPE)
        fprintf(stderr, "nnclass: standard output: %s\n", e != 0 ? strerror(e) : "write error");
    return rc == CLI_OK ? CLI_EXIT_DATA : rc;
}

/* The folder part of path ("." for a bare name) into dir. */
static void folder_of(const char *path, char *dir, size_t cap)
{
    snprintf(dir, cap, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash == NULL)
        snprintf(dir, cap, ".");
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
}

const char *cli_file_kind(unsigned mode)
{
    if (S_ISDIR(mode))
        return "a directory";
    if (S_ISCHR(mode))
        return "a character device";
    if (S_ISBLK(mode))
        return "a block device";
    if (S_ISFIFO(mode))
        return "a FIFO";
    if (S_ISSOCK(mode))
        return "a socket";
    return "not a regular file";
}

/* Follows path through symbolic links to the name that will really be
 * written (which need not exist yet) in out; -1 with errno on a loop or a
 * name too long. */
static int final_target(const char *path, char *out, size_t cap)
{
    char cur[PATH_MAX], link[PATH_MAX];
    if (snprintf(cur, sizeof cur, "%s", path) >= (int)sizeof cur) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (int hops = 0; hops < 40; hops++) {
        struct stat st;
        if (lstat(cur, &st) != 0 || !S_ISLNK(st.st_mode)) {
            if (snprintf(out, cap, "%s", cur) >= (int)cap) {
                errno = ENAMETOOLONG;
                return -1;
            }
            return 0;
        }
        ssize_t n = readlink(cur, link, sizeof link - 1);
        if (n < 0)
            return -1;
        link[n] = '\0';
        if (link[0] == '/' || strchr(cur, '/') == NULL) {
            memcpy(cur, link, (size_t)n + 1);
        } else {
            char dir[PATH_MAX];
            folder_of(cur, dir, sizeof dir);
            if (snprintf(cur, sizeof cur, "%s/%s", dir, link) >= (int)sizeof cur) {
                errno = ENAMETOOLONG;
                return -1;
            }
        }
    }
    errno = ELOOP;
    return -1;
}

/* Whether st is the same file as the input path ("-": standard input). */
static int same_file(const struct stat *st, const char *input)
{
    struct stat in;
    int ok = strcmp(input, "-") == 0 ? fstat(STDIN_FILENO, &in) : stat(input, &in);
    return ok == 0 && in.st_dev == st->st_dev && in.st_ino == st->st_ino;
}

int cli_check_output(const char *opt, const char *path, cli_output_kind kind,
                     const char *const *inputs, size_t n_inputs, char *target, size_t cap)
{
    size_t len = strlen(path);
    if (len == 0) {
        cli_error("%s: empty file name", opt);
        return CLI_EXIT_USAGE;
    }
    if (strcmp(path, "-") == 0 && kind == CLI_OUTPUT_REPLACE) {
        cli_error("%s: '-': the file is written by a rename, so it cannot be standard "
                  "output; give a file name", opt);
        return CLI_EXIT_USAGE;
    }
    if (path[len - 1] == '/') {
        cli_error("%s: %s: is a directory, not a file name", opt, path);
        return CLI_EXIT_USAGE;
    }
    if (final_target(path, target, cap) != 0) {
        cli_error("%s: %s: %s", opt, path, strerror(errno));
        return CLI_EXIT_USAGE;
    }
    struct stat st;
    int exists = stat(target, &st) == 0;
    if (exists && S_ISDIR(st.st_mode)) {
        cli_error("%s: %s: is a directory", opt, path);
        return CLI_EXIT_USAGE;
    }
    /* A rename would replace a device or a FIFO by a regular file. */
    if (exists && kind == CLI_OUTPUT_REPLACE && !S_ISREG(st.st_mode)) {
        cli_error("%s: %s: is %s; the output must be a regular file", opt, path,
                  cli_file_kind(st.st_mode));
        return CLI_EXIT_USAGE;
    }
    for (size_t i = 0; exists && i < n_inputs; i++) {
        if (inputs[i] != NULL && same_file(&st, inputs[i])) {
            cli_error("%s: %s: is the input %s; writing it would destroy it", opt, path,
                      inputs[i]);
            return CLI_EXIT_USAGE;
        }
    }
    if (kind == CLI_OUTPUT_STREAM)
        return CLI_OK; /* opened in place: nothing more to create */

    char dir[PATH_MAX];
    folder_of(target, dir, sizeof dir);
    if (access(dir, W_OK | X_OK) != 0) {
        cli_error("%s: cannot write there: %s: %s", path, dir, strerror(errno));
        return CLI_EXIT_DATA;
    }
    const char *base = strrchr(target, '/');
    base = base != NULL ? base + 1 : target;
    long name_max = pathconf(dir, _PC_NAME_MAX);
    if (name_max > 0 && strlen(base) > (size_t)name_max) {
        cli_error("%s: %s: %s (at most %ld bytes here)", opt, path, strerror(ENAMETOOLONG),
                  name_max);
        return CLI_EXIT_USAGE;
    }
    return CLI_OK;
}

/* Where output o will really be written, to compare with the others: its
 * folder with links resolved plus its name (the folder may not exist yet:
 * then the name as it is), and its device and inode when it exists. */
typedef struct {
    char path[2 * PATH_MAX];
    struct stat st;
    int exists;
} output_key;

static void make_key(const char *target, output_key *k)
{
    char dir[PATH_MAX], real[PATH_MAX];
    folder_of(target, dir, sizeof dir);
    const char *base = strrchr(target, '/');
    base = base != NULL ? base + 1 : target;
    if (realpath(dir, real) != NULL)
        snprintf(k->path, sizeof k->path, "%s/%s", real, base);
    else
        snprintf(k->path, sizeof k->path, "%s", target);
    k->exists = stat(target, &k->st) == 0;
}

static int same_key(const output_key *a, const output_key *b)
{
    if (strcmp(a->path, b->path) == 0)
        return 1;
    return a->exists && b->exists && a->st.st_dev == b->st.st_dev &&
           a->st.st_ino == b->st.st_ino;
}

/* Whether the file of k is where standard output goes (a regular file:
 * a terminal or a pipe is never an output's file). */
static int is_stdout(const output_key *k)
{
    struct stat out;
    return k->exists && fstat(STDOUT_FILENO, &out) == 0 && S_ISREG(out.st_mode) &&
           out.st_dev == k->st.st_dev && out.st_ino == k->st.st_ino;
}

int cli_check_outputs(cli_output *outs, size_t n, const char *const *inputs, size_t n_inputs)
{
    output_key keys[CLI_MAX_OUTPUTS];
    if (n > CLI_MAX_OUTPUTS)
        n = CLI_MAX_OUTPUTS; /* a command's own table: never more */
    for (size_t i = 0; i < n; i++) {
        cli_output *o = &outs[i];
        if (o->path == NULL)
            continue;
        if (o->kind == CLI_OUTPUT_STREAM && strcmp(o->path, "-") == 0) {
            snprintf(o->target, o->cap, "-"); /* standard output itself */
            continue;
        }
        int rc = cli_check_output(o->opt, o->path, o->kind, inputs, n_inputs, o->target,
                                  o->cap);
        if (rc != CLI_OK)
            return rc;
        make_key(o->target, &keys[i]);
        if (is_stdout(&keys[i])) {
            cli_error("%s: %s: is also standard output; one would overwrite the other", o->opt,
                      o->path);
            return CLI_EXIT_USAGE;
        }
        for (size_t j = 0; j < i; j++) {
            if (outs[j].path == NULL || strcmp(outs[j].target, "-") == 0 ||
                !same_key(&keys[i], &keys[j]))
                continue;
            cli_error("%s: %s: is also the file of %s (%s); one would overwrite the other",
                      o->opt, o->path, outs[j].opt, outs[j].path);
            return CLI_EXIT_USAGE;
        }
    }
    return CLI_OK;
}
