/* readfile.c - whole files into memory (see readfile.h). */
#include "nnclass/base/readfile.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nnclass/base/bytes.h"

/* The first buffer for a file of unknown size. */
#define STREAM_START (64 * 1024)

/* The first capacity: a regular file's size and one byte more (the read
 * that finds the end, or notices a file that grew); else STREAM_START. */
static nn_status first_cap(int fd, const char *name, const char *what, size_t max,
                           size_t *cap, nn_error *err)
{
    struct stat sb;
    if (fstat(fd, &sb) != 0)
        return nn_fail(err, NN_E_IO, "%s: cannot stat: %s", name, strerror(errno));
    if (S_ISDIR(sb.st_mode))
        return nn_fail(err, NN_E_IO, "%s: is a directory, not a %s file", name, what);
    if (!S_ISREG(sb.st_mode)) {
        *cap = STREAM_START < max ? STREAM_START : max + 1;
        return NN_OK;
    }
    if ((uintmax_t)sb.st_size > max)
        return nn_fail(err, NN_E_TOO_LARGE, "%s: %jd bytes, larger than any %s (at most %zu "
                       "bytes)", name, (intmax_t)sb.st_size, what, max);
    *cap = (size_t)sb.st_size + 1;
    return NN_OK;
}

nn_status nn_read_fd(int fd, const char *name, const char *what, size_t max, nn_read_stop stop,
                     uint8_t **data, size_t *len, nn_error *err)
{
    *data = NULL;
    *len = 0;
    if (max >= SIZE_MAX / 2)
        max = SIZE_MAX / 2 - 1;
    size_t want = 0;
    nn_status st = first_cap(fd, name, what, max, &want, err);
    if (st != NN_OK)
        return st;
    nn_bytes b;
    nn_bytes_init(&b, max + 1); /* one byte past max tells "too large" */
    for (;;) {
        if (b.len == b.cap) {
            if (b.len > max) {
                st = nn_fail(err, NN_E_TOO_LARGE, "%s: more than %zu bytes, larger than any %s",
                             name, max, what);
                goto fail;
            }
            /* double, but stop at max + 1 */
            size_t extra = b.cap == 0 ? want : b.len < max + 1 - b.len ? b.len : max + 1 - b.len;
            if (nn_bytes_reserve(&b, extra) != 0) {
                st = nn_fail(err, NN_E_NOMEM, "%s: out of memory for %zu bytes", name,
                             b.len + extra);
                goto fail;
            }
        }
        ssize_t n = read(fd, b.data + b.len, b.cap - b.len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            st = nn_fail(err, NN_E_IO, "%s: cannot read: %s", name, strerror(errno));
            goto fail;
        }
        b.len += (size_t)n;
        if (n == 0 || (stop != NULL && stop(b.data, b.len)))
            break;
    }
    if (b.len > max) {
        st = nn_fail(err, NN_E_TOO_LARGE, "%s: more than %zu bytes, larger than any %s", name,
                     max, what);
        goto fail;
    }
    *data = b.data;
    *len = b.len;
    return NN_OK;
fail:
    nn_bytes_free(&b);
    return st;
}

nn_status nn_read_file(const char *path, const char *what, size_t max, nn_read_stop stop,
                       uint8_t **data, size_t *len, nn_error *err)
{
    *data = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return nn_fail(err, NN_E_IO, "%s: cannot open: %s", path, strerror(errno));
    nn_status st = nn_read_fd(fd, path, what, max, stop, data, len, err);
    close(fd); /* read-only: nothing to lose on a failed close */
    return st;
}
