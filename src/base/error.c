/* error.c - status names and the message helper used by every module. */
#include "nnclass/base/error.h"

#include <stdarg.h>
#include <stdio.h>

nn_status nn_fail(nn_error *err, nn_status status, const char *fmt, ...)
{
    if (err != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return status;
}

const char *nn_status_str(nn_status status)
{
    switch (status) {
    case NN_OK: return "success";
    case NN_DONE: return "end of data";
    case NN_E_IO: return "input/output error";
    case NN_E_FORMAT: return "bad format";
    case NN_E_TRUNCATED: return "truncated file";
    case NN_E_TOO_LARGE: return "size over the limit";
    case NN_E_NOMEM: return "out of memory";
    case NN_E_MISMATCH: return "inputs do not match";
    case NN_E_NUMERIC: return "numeric overflow (NaN or Inf)";
    case NN_E_ARG: return "bad argument";
    case NN_E_CHECKSUM: return "checksum mismatch";
    case NN_E_VERSION: return "unsupported version";
    case NN_E_INTERRUPTED: return "interrupted";
    }
    return "unknown error";
}
