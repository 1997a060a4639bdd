/*
 * atomic.h - writing a file so that readers see the old one or the whole
 * new one, never a part: the bytes go to "<path>.tmp.XXXXXX" in the same
 * folder, which is fsynced and renamed over path on commit, and removed on
 * abort. nn_atomic_save writes a whole buffer that way; the others write a
 * file piece by piece (IDX data sets, saved inputs). Every file nnclass
 * writes goes through here.
 *
 * The temporary files open at any moment are listed in a small registry so
 * that a signal handler can remove them (nn_atomic_remove_temps) before the
 * process dies: no "<path>.tmp.XXXXXX" survives SIGINT, SIGTERM, SIGPIPE...
 */
#ifndef NNCLASS_ATOMIC_H
#define NNCLASS_ATOMIC_H

#include <stddef.h>
#include <stdint.h>

#include "nnclass/base/error.h"

typedef struct nn_atomic_file nn_atomic_file;

/* Creates the temporary file for path; caller ends with commit or abort. */
nn_status nn_atomic_open(const char *path, nn_atomic_file **out, nn_error *err);

/* Appends len bytes. */
nn_status nn_atomic_write(nn_atomic_file *f, const void *buf, size_t len, nn_error *err);

/* Overwrites len bytes at offset (already written) without moving the end. */
nn_status nn_atomic_pwrite(nn_atomic_file *f, const void *buf, size_t len, uint64_t offset,
                           nn_error *err);

/* fsyncs, closes and renames the file over path; frees f whatever happens
 * (on failure the temporary file is removed and path is untouched). */
nn_status nn_atomic_commit(nn_atomic_file *f, nn_error *err);

/* Removes the temporary file and frees f (NULL-safe). */
void nn_atomic_abort(nn_atomic_file *f);

/* Writes the len bytes of buf as the whole new content of path, atomically
 * (open, write, commit; abort on any failure). */
nn_status nn_atomic_save(const char *path, const void *buf, size_t len, nn_error *err);

/* Removes every temporary file still open. Async-signal-safe: for a signal
 * handler that is about to end the process; the files' owners must not be
 * used afterwards. */
void nn_atomic_remove_temps(void);

#endif
