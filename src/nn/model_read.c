/* model_read.c - loading a model file: the whole file read (from a pipe
 * too), checked for its size against the largest model there can be, then
 * decoded (model.c). */
#include "nnclass/nn/model.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "model_internal.h"

/* Reads fd to its end into *buf (cap bytes to start with, grown up to the
 * cap of any model), its length into *len; stops early at bytes that do not
 * start like a model. On failure *buf may still need freeing. */
static nn_status read_all(int fd, const char *path, size_t cap, uint8_t **bufp, size_t *lenp,
                          nn_error *err)
{
    const size_t max = nn_model_max_bytes();
    nn_status st = NN_OK;
    uint8_t *buf = malloc(cap);
    size_t len = 0;
    if (buf == NULL) {
        st = nn_fail(err, NN_E_NOMEM, "%s: out of memory for %zu bytes", path, cap);
        goto fail;
    }
    for (;;) {
        if (len == cap) {
            if (cap > max) {
                st = nn_fail(err, NN_E_TOO_LARGE, "%s: more than %zu bytes, larger than any "
                             "model", path, max);
                goto fail;
            }
            size_t grown = cap * 2 > max + 1 ? max + 1 : cap * 2;
            uint8_t *nb = realloc(buf, grown);
            if (nb == NULL) {
                st = nn_fail(err, NN_E_NOMEM, "%s: out of memory for %zu bytes", path, grown);
                goto fail;
            }
            buf = nb;
            cap = grown;
        }
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            st = nn_fail(err, NN_E_IO, "%s: cannot read: %s", path, strerror(errno));
            goto fail;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        /* Cheap checks first: bytes that do not even start like a model
         * (random data, /dev/urandom) are refused without reading on. */
        if (!nn_model_starts_right(buf, len))
            break;
    }
fail:
    *bufp = buf;
    *lenp = len;
    return st;
}

nn_status nn_model_load(const char *path, nn_net **out, nn_model_meta *meta, nn_error *err)
{
    return nn_model_read(path, out, meta, NULL, err);
}

nn_status nn_model_read(const char *path, nn_net **out, nn_model_meta *meta, size_t *bytes,
                        nn_error *err)
{
    *out = NULL;
    if (bytes != NULL)
        *bytes = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return nn_fail(err, NN_E_IO, "%s: cannot open: %s", path, strerror(errno));
    nn_status st = NN_OK;
    uint8_t *buf = NULL;
    size_t len = 0, cap;
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        st = nn_fail(err, NN_E_IO, "%s: cannot stat: %s", path, strerror(errno));
        goto done;
    }
    if (S_ISDIR(sb.st_mode)) {
        st = nn_fail(err, NN_E_IO, "%s: is a directory, not a model file", path);
        goto done;
    }
    if (S_ISREG(sb.st_mode)) {
        if ((uintmax_t)sb.st_size > nn_model_max_bytes()) {
            st = nn_fail(err, NN_E_TOO_LARGE, "%s: %jd bytes, larger than any model (at most "
                         "%zu bytes)", path, (intmax_t)sb.st_size, nn_model_max_bytes());
            goto done;
        }
        cap = (size_t)sb.st_size + 1; /* one more byte notices a file that grew */
    } else {
        cap = 64 * 1024; /* a pipe or a device: grow while reading, up to the cap */
    }
    st = read_all(fd, path, cap, &buf, &len, err);
    if (st == NN_OK)
        st = nn_model_decode(buf, len, path, out, meta, err);
    if (st == NN_OK && bytes != NULL)
        *bytes = len;
done:
    free(buf);
    close(fd); /* read-only: nothing to lose on a failed close */
    return st;
}

