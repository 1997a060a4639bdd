/*
 * file.h - writing a whole file so that a reader never sees half of it.
 *
 * The bytes go to a temporary file in the destination's folder, which is
 * flushed, fsynced and renamed over the destination (then the folder is
 * fsynced, best effort). Model files and pictures are saved this way.
 */
#ifndef NNCLASS_FILE_H
#define NNCLASS_FILE_H

#include <stddef.h>

#include "nnclass/error.h"

/* Writes len bytes of data to path atomically. On failure (NN_E_IO, the
 * message names path, the step and errno's text) no temporary file is left
 * and an existing file at path is untouched. */
nn_status nn_file_write_atomic(const char *path, const void *data, size_t len, nn_error *err);

#endif
