/*
 * error.h - status codes and error messages shared by every nnclass module.
 *
 * Library functions never print and never exit: they return an nn_status and,
 * when the caller passes an nn_error, fill it with one line that names the file
 * (or option) and says what was expected and what was found, for example
 * "t10k-images.gz: bad magic 0x00000801, expected 0x00000803 (IDX images)".
 * The command-line front end prefixes it with "nnclass: " and picks the exit code.
 */
#ifndef NNCLASS_ERROR_H
#define NNCLASS_ERROR_H

#include <stddef.h>

/* Every failure is negative; NN_OK is zero; NN_DONE (positive) ends a stream. */
typedef enum {
    NN_OK = 0,
    NN_DONE = 1,            /* a stream has no more items (not an error) */
    NN_E_IO = -1,           /* open/read/write/close failed (errno in the message) */
    NN_E_FORMAT = -2,       /* bytes that are not what the format says */
    NN_E_TRUNCATED = -3,    /* the file ends before its header says it should */
    NN_E_TOO_LARGE = -4,    /* a declared size is over a cap or overflows */
    NN_E_NOMEM = -5,        /* an allocation failed */
    NN_E_MISMATCH = -6,     /* two inputs that must agree do not (counts, sizes) */
    NN_E_NUMERIC = -7,      /* NaN or Inf appeared (diverging training) */
    NN_E_ARG = -8,          /* a bad argument from the caller (an option value) */
    NN_E_CHECKSUM = -9,     /* a CRC-32 does not match */
    NN_E_VERSION = -10,     /* a file of a format version this build cannot read */
    NN_E_INTERRUPTED = -11, /* the caller asked to stop (a signal) */
} nn_status;

/* Caller-owned message buffer; functions fill it only on failure. */
typedef struct {
    char msg[512];
} nn_error;

/* Formats a message into err (no-op when err is NULL); returns status, so that
 * code can write `return nn_fail(err, NN_E_FORMAT, "%s: ...", path)`. */
nn_status nn_fail(nn_error *err, nn_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A short constant name of a status ("truncated file", "out of memory", ...). */
const char *nn_status_str(nn_status status);

#endif
