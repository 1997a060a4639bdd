/* options.c - error reporting and option-value parsing shared by the commands. */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nnclass/nn/net.h"

/* The one way a message reaches stderr: "nnclass: ", the message with its
 * control characters escaped (a file name may hold a newline or an escape
 * sequence), then a newline, so every message is one inert line. */
static void vmessage(const char *fmt, va_list ap, const char *tail)
{
    char buf[2048];
    vsnprintf(buf, sizeof buf, fmt, ap);
    fputs("nnclass: ", stderr);
    cli_put_text(stderr, buf);
    fputs(tail, stderr);
    fputc('\n', stderr);
}

void cli_error(const char *fmt, ...)
{
    va_list ap;
    fflush(stdout); /* keep stdout's results ahead of the error in a shared terminal */
    va_start(ap, fmt);
    vmessage(fmt, ap, "");
    va_end(ap);
}

int cli_fail_in(nn_status status, const nn_error *err, const char *before, const char *after)
{
    cli_error("%s%s%s", before,
              err != NULL && err->msg[0] != '\0' ? err->msg : nn_status_str(status), after);
    return status == NN_E_ARG ? CLI_EXIT_USAGE : CLI_EXIT_DATA;
}

int cli_fail(nn_status status, const nn_error *err)
{
    return cli_fail_in(status, err, "", "");
}

int cli_load_model(const char *path, nn_net **net, nn_model_meta *meta)
{
    nn_error err = {{0}};
    nn_status st = nn_model_load(path, net, meta, &err);
    return st == NN_OK ? CLI_OK : cli_fail(st, &err);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    char tail[64];
    snprintf(tail, sizeof tail, " (see 'nnclass %s --help')", cmd);
    va_start(ap, fmt);
    vmessage(fmt, ap, tail);
    va_end(ap);
    return CLI_EXIT_USAGE;
}

int cli_operand_files(const char *cmd, const char *what, int argc, char **argv, char ***files,
                      size_t *n_files)
{
    static char *stdin_only[] = {"-"};
    *files = optind < argc ? argv + optind : stdin_only;
    *n_files = optind < argc ? (size_t)(argc - optind) : 1;
    if (optind == argc && isatty(STDIN_FILENO))
        return cli_usage_error(cmd, "standard input is a terminal: give %s, or '-' to read "
                               "standard input anyway", what);
    return -1;
}

void cli_options_reset(void)
{
    opterr = 0;
    optind = 0; /* 0, not 1: glibc and musl then also reset their internal state */
}

/* The usage error for a getopt_long result c of ':' (argv[optind - 1] lacks
 * its value) or '?' (an option refused). */
static int getopt_error(const char *cmd, int c, char **argv, const struct option *options)
{
    if (c == ':')
        return cli_usage_error(cmd, "%s: missing value", argv[optind - 1]);
    return cli_option_error(cmd, argv[optind - 1], options);
}

int cli_parse_options(const char *cmd, int argc, char **argv, const char *shortopts,
                      const struct option *options, void (*usage)(FILE *out),
                      int (*parse)(int c, void *ctx), void *ctx)
{
    cli_options_reset();
    int c;
    while ((c = getopt_long(argc, argv, shortopts, options, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            return CLI_OK;
        }
        if (c == ':' || c == '?')
            return getopt_error(cmd, c, argv, options);
        if (parse(c, ctx) != 0)
            return CLI_EXIT_USAGE;
    }
    return -1;
}

int cli_option_error(const char *cmd, const char *arg, const struct option *options)
{
    if (arg == NULL || strncmp(arg, "--", 2) != 0 || arg[2] == '\0')
        return cli_usage_error(cmd, "unknown option '%s'", arg != NULL ? arg : "");
    const char *name = arg + 2, *eq = strchr(name, '=');
    size_t len = eq != NULL ? (size_t)(eq - name) : strlen(name);
    const struct option *exact = NULL, *first = NULL;
    char list[512] = "";
    size_t n_matches = 0, used = 0;
    for (const struct option *o = options; o->name != NULL; o++) {
        if (strncmp(o->name, name, len) != 0)
            continue;
        if (strlen(o->name) == len)
            exact = o;
        if (first == NULL)
            first = o;
        n_matches++;
        int w = snprintf(list + used, sizeof list - used, "%s--%s", used > 0 ? ", " : "",
                         o->name);
        if (w > 0 && (size_t)w < sizeof list - used)
            used += (size_t)w;
    }
    const struct option *o = exact != NULL ? exact : n_matches == 1 ? first : NULL;
    if (o != NULL && eq != NULL && o->has_arg == no_argument)
        return cli_usage_error(cmd, "option '--%s' takes no value (got '%s')", o->name, arg);
    if (o == NULL && n_matches > 1)
        return cli_usage_error(cmd, "option '--%.*s' is ambiguous: it could be %s", (int)len,
                               name, list);
    return cli_usage_error(cmd, "unknown option '%s'", arg);
}

int cli_enum_error(const char *opt, const char *what, const char *text, const char *expected)
{
    cli_error("%s: unknown %s '%s' (expected %s)", opt, what, text, expected);
    return -1;
}

int cli_enum_index(const char *text, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(text, names[i]) == 0)
            return (int)i;
    return -1;
}

int cli_parse_enum(const char *opt, const char *what, const char *text,
                   const char *const *names, size_t n, int *out)
{
    int i = cli_enum_index(text, names, n);
    if (i >= 0) {
        *out = i;
        return 0;
    }
    /* "a, b or c" */
    char expected[256] = "";
    size_t used = 0;
    for (size_t k = 0; k < n && used < sizeof expected; k++) {
        const char *sep = k == 0 ? "" : k + 1 == n ? " or " : ", ";
        used += (size_t)snprintf(expected + used, sizeof expected - used, "%s%s", sep, names[k]);
    }
    return cli_enum_error(opt, what, text, expected);
}

/* strtoull accepts leading blanks and a minus sign; option values may not. */
static int is_plain_unsigned(const char *text)
{
    if (text == NULL || text[0] == '\0')
        return 0;
    for (const char *p = text; *p != '\0'; p++)
        if (!isdigit((unsigned char)*p))
            return 0;
    return 1;
}

int cli_parse_u64(const char *opt, const char *text, uint64_t *out)
{
    if (!is_plain_unsigned(text)) {
        cli_error("%s: '%s' is not a whole number", opt, text != NULL ? text : "");
        return -1;
    }
    errno = 0;
    unsigned long long v = strtoull(text, NULL, 10);
    if (errno == ERANGE) {
        cli_error("%s: '%s' is too large", opt, text);
        return -1;
    }
    *out = (uint64_t)v;
    return 0;
}

int cli_parse_size(const char *opt, const char *text, size_t min, size_t max, size_t *out)
{
    uint64_t v;
    if (!is_plain_unsigned(text)) {
        cli_error("%s: '%s' is not a whole number (expected %zu to %zu)", opt,
                  text != NULL ? text : "", min, max);
        return -1;
    }
    errno = 0;
    v = strtoull(text, NULL, 10);
    if (errno == ERANGE || v < min || v > max) {
        cli_error("%s: %s is out of range (expected %zu to %zu)", opt, text, min, max);
        return -1;
    }
    *out = (size_t)v;
    return 0;
}

int cli_parse_float(const char *opt, const char *text, double min, double max, float *out)
{
    char *end = NULL;
    if (text == NULL || text[0] == '\0' || isspace((unsigned char)text[0])) {
        cli_error("%s: '%s' is not a number", opt, text != NULL ? text : "");
        return -1;
    }
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0') {
        cli_error("%s: '%s' is not a number", opt, text);
        return -1;
    }
    if (!isfinite(v) || errno == ERANGE || v < min || v > max) {
        cli_error("%s: %s is out of range (expected %g to %g)", opt, text, min, max);
        return -1;
    }
    *out = (float)v;
    return 0;
}

