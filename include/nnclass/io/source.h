/*
 * source.h - the bytes of a file descriptor or of a buffer in memory,
 * inflated when they are gzip: what the IDX reader reads through.
 *
 * It does what zlib's gz* reading does (any number of gzip members one after
 * another, raw files passed through, errors as zlib codes and messages) with
 * two differences a careful reader needs:
 *   - bytes after the last gzip member that are not another member (zero
 *     padding, garbage) are an error naming their offset, as trailing bytes
 *     are in a raw file, where zlib ignores them silently;
 *   - it never waits to fill a buffer: opening reads what is there, and a
 *     "live" source (a pipe, a terminal, a socket) can return early when its
 *     input stalls at a whole number of granules (images), so a slow
 *     producer's images are answered as they arrive.
 */
#ifndef NNCLASS_SOURCE_H
#define NNCLASS_SOURCE_H

#include <stddef.h>
#include <stdint.h>

typedef struct nn_source nn_source;

/* Wraps fd (owned from now on: nn_source_close closes it) with an input
 * buffer of buffer_size bytes. NULL when out of memory (fd is then left
 * open). Reads nothing yet. */
nn_source *nn_source_open(int fd, size_t buffer_size);

/* Reads the len bytes at data, which stay the caller's and must stay valid
 * and unchanged until nn_source_close: nothing is copied. Never live, no
 * read error. NULL when out of memory. */
nn_source *nn_source_open_memory(const uint8_t *data, size_t len);

/* 1 for raw data, 0 for gzip: looks at the first two bytes (reading them
 * if needed, blocking until they come or the input ends). */
int nn_source_direct(nn_source *s);

/* Reads up to len bytes into buf and returns how many, like gzread: fewer
 * than len at the end of the data, at an error (see nn_source_error), or at a
 * stall (see nn_source_set_live); -1 for an error before any byte. */
long nn_source_read(nn_source *s, uint8_t *buf, size_t len);

/* The error state, like gzerror: *code is Z_OK, Z_BUF_ERROR (a gzip stream
 * cut short), Z_ERRNO (a read error), Z_MEM_ERROR or Z_DATA_ERROR (corrupt
 * data, or trailing bytes after the last member); returns a message. */
const char *nn_source_error(const nn_source *s, int *code);

/* Makes reads return early, with no error, when the input has stalled (no
 * byte can be read without waiting) after a whole number of granules. */
void nn_source_set_live(nn_source *s, size_t granule);

/* Whether the last read returned early because the input stalled. */
int nn_source_stalled(const nn_source *s);

/* Pushes byte c back, to be read first (up to 64 bytes); c, or -1. */
int nn_source_ungetc(int c, nn_source *s);

/* Closes the descriptor (none for memory) and frees s (NULL-safe); 0, or -1
 * when close failed. */
int nn_source_close(nn_source *s);

#endif
