/* atomic.c - temporary file, fsync, rename (see atomic.h). */
#include "nnclass/base/atomic.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct nn_atomic_file {
    int fd;
    char *path;
    char *tmp;
    int slot; /* in the registry of temporary files; -1: not listed */
};

/* --- the registry of open temporary files ---------------------------------------
 *
 * A signal handler may read it at any instant, on any thread, so it holds
 * no pointer to memory that free() could take away: each slot owns a copy
 * of the name, and its state says who may touch that copy. A slot goes
 * FREE -> FILLING (the opener writes the name) -> LIVE; the owner takes it
 * back LIVE -> FREE once the file is renamed or removed; the handler takes
 * LIVE -> REMOVING before it reads the name, so a slot being removed is
 * never refilled under it. More files than slots (nnclass writes at most a
 * few at once) still work; the extra ones are only not removed on a signal. */

#define TEMP_SLOTS 16

enum { SLOT_FREE, SLOT_FILLING, SLOT_LIVE, SLOT_REMOVING };

static struct {
    atomic_int state;
    char name[PATH_MAX];
} temps[TEMP_SLOTS];

/* Lists name; returns its slot, or -1 when the registry is full. */
static int temp_listed(const char *name)
{
    size_t n = strlen(name);
    if (n >= PATH_MAX)
        return -1; /* open() refuses such a name anyway */
    for (int i = 0; i < TEMP_SLOTS; i++) {
        int expected = SLOT_FREE;
        if (atomic_compare_exchange_strong(&temps[i].state, &expected, SLOT_FILLING)) {
            memcpy(temps[i].name, name, n + 1);
            atomic_store(&temps[i].state, SLOT_LIVE);
            return i;
        }
    }
    return -1;
}

/* Takes the file off the list (after its rename or removal). */
static void temp_unlisted(nn_atomic_file *f)
{
    if (f->slot < 0)
        return;
    int expected = SLOT_LIVE;
    /* Fails only while a handler removes the file: the process is ending. */
    atomic_compare_exchange_strong(&temps[f->slot].state, &expected, SLOT_FREE);
    f->slot = -1;
}

void nn_atomic_remove_temps(void)
{
    for (int i = 0; i < TEMP_SLOTS; i++) {
        int expected = SLOT_LIVE;
        if (atomic_compare_exchange_strong(&temps[i].state, &expected, SLOT_REMOVING))
            unlink(temps[i].name);
    }
}

/* --- the files ------------------------------------------------------------------ */

/* How many bytes of path's last component "<name>.tmp.XXXXXX" may keep so
 * that the temporary name fits the folder's NAME_MAX: a valid name of 250
 * bytes must not fail after the whole training because of the suffix. */
static size_t temp_name_keep(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash != NULL ? slash + 1 : path;
    size_t base_len = strlen(base), suffix = sizeof ".tmp.XXXXXX" - 1;
    long name_max = 255;
    char *dir = slash == NULL ? strdup(".") : slash == path ? strdup("/")
                                                            : strndup(path, (size_t)(slash - path));
    if (dir != NULL) {
        long n = pathconf(dir, _PC_NAME_MAX);
        if (n > 0)
            name_max = n;
        free(dir);
    }
    size_t room = (size_t)name_max > suffix ? (size_t)name_max - suffix : 1;
    return (size_t)(base - path) + (base_len < room ? base_len : room);
}

/* Creates "<path>.tmp.XXXXXX" (the name shortened to fit, see
 * temp_name_keep) with O_EXCL (mode 0644 through the umask, as any new
 * file); a name someone else holds is retried with another suffix. */
static int create_temp(const char *path, char **tmp_out)
{
    size_t keep = temp_name_keep(path);
    size_t n = keep + sizeof ".tmp.XXXXXX";
    char *tmp = malloc(n);
    if (tmp == NULL) {
        errno = ENOMEM;
        return -1;
    }
    static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t x = (uint64_t)getpid() * 0x9e3779b97f4a7c15ULL ^ (uint64_t)ts.tv_nsec;
    for (int attempt = 0; attempt < 100; attempt++) {
        x += 0x9e3779b97f4a7c15ULL;
        uint64_t z = (x ^ (x >> 31)) * 0xbf58476d1ce4e5b9ULL;
        z ^= z >> 29;
        char suffix[7];
        for (int i = 0; i < 6; i++, z /= 36)
            suffix[i] = digits[z % 36];
        suffix[6] = '\0';
        snprintf(tmp, n, "%.*s.tmp.%s", (int)keep, path, suffix);
        int fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
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

/* Makes the rename durable; best effort (some file systems refuse to fsync a
 * folder, and the file is complete and in place by then). */
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

nn_status nn_atomic_open(const char *path, nn_atomic_file **out, nn_error *err)
{
    *out = NULL;
    nn_atomic_file *f = calloc(1, sizeof *f);
    if (f == NULL || (f->path = strdup(path)) == NULL) {
        free(f);
        return nn_fail(err, NN_E_NOMEM, "%s: out of memory", path);
    }
    /* No signal between the file's creation and its listing: a handler
     * would not know of a file it must remove. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    f->fd = create_temp(path, &f->tmp);
    int e = errno;
    f->slot = f->fd >= 0 ? temp_listed(f->tmp) : -1;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (f->fd < 0) {
        free(f->path);
        free(f);
        return nn_fail(err, NN_E_IO, "%s: cannot write: %s", path, strerror(e));
    }
    *out = f;
    return NN_OK;
}

/* Writes all of buf, retrying short writes and EINTR: at offset when at is
 * not NULL (pwrite), otherwise at the file's position (write). */
static nn_status write_all(nn_atomic_file *f, const void *buf, size_t len, const uint64_t *at,
                           nn_error *err)
{
    const uint8_t *p = buf;
    uint64_t offset = at != NULL ? *at : 0;
    while (len > 0) {
        ssize_t n = at != NULL ? pwrite(f->fd, p, len, (off_t)offset) : write(f->fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return nn_fail(err, NN_E_IO, "%s: cannot write: %s", f->path,
                           n < 0 ? strerror(errno) : "no space written");
        p += n;
        len -= (size_t)n;
        offset += (uint64_t)n;
    }
    return NN_OK;
}

nn_status nn_atomic_pwrite(nn_atomic_file *f, const void *buf, size_t len, uint64_t offset,
                           nn_error *err)
{
    return write_all(f, buf, len, &offset, err);
}

nn_status nn_atomic_write(nn_atomic_file *f, const void *buf, size_t len, nn_error *err)
{
    return write_all(f, buf, len, NULL, err);
}

void nn_atomic_abort(nn_atomic_file *f)
{
    if (f == NULL)
        return;
    if (f->fd >= 0)
        close(f->fd);
    unlink(f->tmp);
    temp_unlisted(f);
    free(f->tmp);
    free(f->path);
    free(f);
}

nn_status nn_atomic_commit(nn_atomic_file *f, nn_error *err)
{
    const char *what = "cannot sync";
    if (fsync(f->fd) != 0)
        goto fail;
    what = "cannot write"; /* a deferred write error can surface at close */
    int rc = close(f->fd);
    f->fd = -1;
    if (rc != 0)
        goto fail;
    what = "cannot replace";
    if (rename(f->tmp, f->path) != 0)
        goto fail;
    temp_unlisted(f);
    sync_parent(f->path);
    free(f->tmp);
    free(f->path);
    free(f);
    return NN_OK;
fail:;
    int e = errno;
    nn_fail(err, NN_E_IO, "%s: %s: %s", f->path, what, strerror(e));
    nn_atomic_abort(f);
    return NN_E_IO;
}

nn_status nn_atomic_save(const char *path, const void *buf, size_t len, nn_error *err)
{
    nn_atomic_file *f = NULL;
    nn_status st = nn_atomic_open(path, &f, err);
    if (st == NN_OK)
        st = nn_atomic_write(f, buf, len, err);
    if (st == NN_OK)
        return nn_atomic_commit(f, err); /* frees f */
    nn_atomic_abort(f);
    return st;
}
