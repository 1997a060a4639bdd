/* file.c - writing a whole file atomically: temporary file, fsync, rename. */
#include "nnclass/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

/* Writes all of buf to fd, retrying short writes and EINTR. 0 or -1 (errno). */
static int write_all(int fd, const uint8_t *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (n == 0) {
            errno = EIO;
            return -1;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Creates "<path>.tmp.XXXXXX" next to path. open() with O_EXCL rather than
 * mkstemp, so that the mode 0644 goes through the umask like any new file
 * (mkstemp makes 0600, and reading the umask would mean changing it). */
static int create_temp(const char *path, char **tmp_out)
{
    size_t n = strlen(path) + sizeof ".tmp.XXXXXX";
    char *tmp = malloc(n);
    if (tmp == NULL) {
        errno = ENOMEM;
        return -1;
    }
    static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t x = (uint64_t)getpid() * 0x9e3779b97f4a7c15ULL ^ (uint64_t)ts.tv_nsec ^
                 (uint64_t)ts.tv_sec << 20;
    for (int attempt = 0; attempt < 100; attempt++) {
        /* a name taken by someone else (EEXIST) is just retried */
        x += 0x9e3779b97f4a7c15ULL;
        uint64_t z = (x ^ (x >> 31)) * 0xbf58476d1ce4e5b9ULL;
        z ^= z >> 29;
        char suffix[7];
        for (int i = 0; i < 6; i++, z /= 36)
            suffix[i] = digits[z % 36];
        suffix[6] = '\0';
        snprintf(tmp, n, "%s.tmp.%s", path, suffix);
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd >= 0) {
            *tmp_out = tmp;
            return fd;
        }
        if (errno != EEXIST)
            break;
    }
    int saved = errno;
    free(tmp);
    errno = saved;
    return -1;
}

/* Makes a rename durable. Best effort: some file systems refuse to fsync a
 * folder, and the new file is already complete and in place. */
static void sync_parent(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir;
    if (slash == NULL)
        dir = strdup(".");
    else if (slash == path)
        dir = strdup("/");
    else
        dir = strndup(path, (size_t)(slash - path));
    if (dir == NULL)
        return;
    int fd = open(dir, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    free(dir);
}

nn_status nn_file_write_atomic(const char *path, const void *data, size_t len, nn_error *err)
{
    const uint8_t *buf = data;
    char *tmp = NULL;
    const char *what = "cannot write";
    int rc, fd = create_temp(path, &tmp);
    if (fd < 0)
        goto io_fail;
    if (write_all(fd, buf, len) != 0)
        goto io_fail;
    what = "cannot sync";
    if (fsync(fd) != 0)
        goto io_fail;
    what = "cannot write"; /* a deferred write error can surface at close */
    rc = close(fd);
    fd = -1;
    if (rc != 0)
        goto io_fail;
    what = "cannot replace";
    if (rename(tmp, path) != 0)
        goto io_fail;
    sync_parent(path);
    free(tmp);
    return NN_OK;

io_fail:;
    int saved = errno;
    if (fd >= 0)
        close(fd);
    if (tmp != NULL)
        unlink(tmp);
    free(tmp);
    return nn_fail(err, NN_E_IO, "%s: %s: %s", path, what, strerror(saved));
}
