/*
 * readfile.h - reading a whole file into memory, with a cap on its size
 * checked before anything is allocated where the size is known (a regular
 * file) and as the bytes arrive where it is not (a pipe, a device).
 */
#ifndef NNCLASS_READFILE_H
#define NNCLASS_READFILE_H

#include <stddef.h>
#include <stdint.h>

#include "nnclass/base/error.h"

/* Asked after every read whether the bytes so far already decide the
 * matter (they do not start like what is expected): reading then stops. */
typedef int (*nn_read_stop)(const uint8_t *data, size_t len);

/* Reads the rest of descriptor fd into a new buffer (caller frees *data; a
 * file of 0 bytes gives a valid buffer), at most max bytes. name names the
 * file in messages, what the content expected ("model", "training log");
 * stop may be NULL. NN_E_IO for a directory ("is a directory, not a <what>
 * file") or a read error, NN_E_TOO_LARGE past max ("larger than any
 * <what>"), NN_E_NOMEM. */
nn_status nn_read_fd(int fd, const char *name, const char *what, size_t max, nn_read_stop stop,
                     uint8_t **data, size_t *len, nn_error *err);

/* Opens path and reads it whole, as nn_read_fd. */
nn_status nn_read_file(const char *path, const char *what, size_t max, nn_read_stop stop,
                       uint8_t **data, size_t *len, nn_error *err);

#endif
