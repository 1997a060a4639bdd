/* fuzz_cli_options.c - the option parser of every command, on argv built
 * from the input: arguments are separated by NUL bytes, the first one picks
 * the command. Commands stop after parsing (cli_parse_only), so nothing is
 * read or written; the parser must never crash or misbehave whatever argv is. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *copy = malloc(size + 1);
    if (copy == NULL)
        return 0;
    memcpy(copy, data, size);
    copy[size] = '\0';

    char *argv[MAX_ARGS + 2];
    int argc = 0;
    argv[argc++] = "nnclass";
    for (size_t start = 0; start <= size && argc < MAX_ARGS; ) {
        argv[argc++] = copy + start;
        start += strlen(copy + start) + 1;
    }
    argv[argc] = NULL;

    /* Keep the fuzzer's output readable: errors are expected here. */
    FILE *saved = stderr;
    FILE *null_err = fopen("/dev/null", "w");
    if (null_err != NULL)
        stderr = null_err;
    cli_parse_only = 1;
    int rc = nnclass_main(argc, argv);
    if (null_err != NULL) {
        stderr = saved;
        fclose(null_err);
    }
    if (rc < 0 || rc > 2)
        abort(); /* parsing alone may only succeed or be a usage error */
    free(copy);
    return 0;
}
