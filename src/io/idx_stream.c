/* idx_stream.c - the streaming IDX image reader: a few images at a time in
 * constant memory, optionally inflated ahead by a thread of the stream's own
 * while the caller works on the images already read. Opening the input and
 * checking its header are idx_header.c's.
 */
#include "nnclass/io/idx.h"

#include "idx_internal.h"
#include "nnclass/io/source.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Bytes per read of the source in the streaming reader, so that an error in
 * the middle of a call loses at most this much of what was already decoded. */
#define IDX_STREAM_CHUNK ((size_t)256 * 1024)

/* The threads the program lets the readers use (nn_idx_set_threads). */
static size_t idx_threads = 1;

void nn_idx_set_threads(size_t threads)
{
    idx_threads = threads > 0 ? threads : 1;
}

/* With read-ahead, a thread of the stream's own inflates the file into two
 * blocks of about this many bytes, in turn, while the caller works on what
 * the previous block held: classifying overlaps inflating. */
#define AHEAD_BLOCK_BYTES ((size_t)1 << 20)

/* One block of images the read-ahead thread inflated, and how the read that
 * filled it ended. */
typedef struct {
    uint8_t *data;
    size_t n_images; /* whole images in data */
    size_t taken;    /* of those, handed out to the caller */
    nn_status st;    /* NN_OK, or NN_DONE or an error once the file is over */
    nn_error err;
    int full;        /* filled and not yet handed out entirely */
} ahead_block;

struct nn_idx_stream {
    idx_file f;
    size_t image_size; /* rows * cols */
    size_t done;       /* images read from the file so far */
    nn_status failed;  /* a sticky error (negative), or NN_OK */
    nn_error err;      /* its message */
    /* Read-ahead (when ahead): blocks[next] is the one the caller reads from.
     * The thread sets reading while it is inside a read; the caller sets
     * closing when it closes, and orphaned when the thread was inside a read
     * then, which leaves freeing the stream to the thread. */
    int ahead;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    ahead_block blocks[2];
    size_t block_images;
    int next, reading, closing, orphaned;
    char name[];       /* the display name the messages use */
};

/* Records a stream error so that later calls repeat it. */
static nn_status stream_fail(nn_idx_stream *s, nn_status st, nn_error *err)
{
    s->failed = st;
    if (err != NULL)
        s->err = *err;
    return st;
}

static nn_status bad_read(const nn_idx_stream *s, const uint8_t *buf, size_t max_images,
                          nn_error *err)
{
    return nn_fail(err, NN_E_ARG, "%s: read of %zu images into %s", s->name, max_images,
                   buf == NULL ? "no buffer" : "an empty buffer");
}

/* nn_idx_stream_read straight from the file. */
static nn_status read_images(nn_idx_stream *s, uint8_t *buf, size_t max_images, size_t *n_read,
                             nn_error *err)
{
    *n_read = 0;
    if (s->failed != NN_OK) {
        if (err != NULL)
            *err = s->err;
        return s->failed;
    }
    const size_t count = s->f.dims[0];
    if (s->done == count) {
        nn_error local = {{0}};
        nn_status st = nn_idx_check_end(&s->f, err != NULL ? err : &local);
        return st == NN_OK ? NN_DONE : stream_fail(s, st, err != NULL ? err : &local);
    }
    if (max_images == 0 || buf == NULL)
        return bad_read(s, buf, max_images, err);
    size_t n = count - s->done < max_images ? count - s->done : max_images;
    size_t want = n * s->image_size; /* <= max_images * image_size, the caller's buffer */
    size_t got = 0;
    nn_error local = {{0}};
    nn_error *e = err != NULL ? err : &local;
    /* A live input is read in one call, so that a stall (at a whole image
     * of this call) returns the images that came. */
    nn_status st = nn_idx_read_bytes(&s->f, buf, want, s->f.live ? want : IDX_STREAM_CHUNK, &got,
                                     e);
    *n_read = got / s->image_size;
    s->done += *n_read;
    if (st != NN_OK && st != NN_E_TRUNCATED)
        return stream_fail(s, st, e);
    if (st == NN_OK && got < want && nn_source_stalled(s->f.src))
        return NN_OK;
    if (got < want) {
        nn_fail(e, NN_E_TRUNCATED,
                "%s: truncated: header declares %zu images of %zux%zu, file ends after %zu "
                "whole images%s%s",
                s->name, count, nn_idx_stream_rows(s), nn_idx_stream_cols(s), s->done,
                got % s->image_size != 0 ? " and part of the next" : "", nn_idx_cut_how(st));
        return stream_fail(s, NN_E_TRUNCATED, e);
    }
    return NN_OK;
}

static void free_stream(nn_idx_stream *s)
{
    if (s->ahead) {
        pthread_mutex_destroy(&s->lock);
        pthread_cond_destroy(&s->changed);
        free(s->blocks[0].data);
        free(s->blocks[1].data);
    }
    if (s->f.src != NULL)
        nn_source_close(s->f.src);
    free(s);
}

/* The read-ahead thread: fills the blocks in turn until the file is over
 * (a status other than NN_OK) or the caller closes the stream. */
static void *read_ahead(void *arg)
{
    nn_idx_stream *s = arg;
    for (int i = 0;; i ^= 1) {
        ahead_block *b = &s->blocks[i];
        pthread_mutex_lock(&s->lock);
        while (b->full && !s->closing)
            pthread_cond_wait(&s->changed, &s->lock);
        if (s->closing) {
            pthread_mutex_unlock(&s->lock);
            return NULL;
        }
        s->reading = 1;
        pthread_mutex_unlock(&s->lock);

        /* The block is the thread's until it is marked full. */
        nn_error err = {{0}};
        size_t n = 0;
        nn_status st = read_images(s, b->data, s->block_images, &n, &err);

        pthread_mutex_lock(&s->lock);
        s->reading = 0;
        if (s->orphaned) {
            pthread_mutex_unlock(&s->lock);
            free_stream(s);
            return NULL;
        }
        b->n_images = n;
        b->taken = 0;
        b->st = st;
        b->err = err;
        b->full = 1;
        pthread_cond_broadcast(&s->changed);
        pthread_mutex_unlock(&s->lock);
        if (st != NN_OK)
            return NULL;
    }
}

/* Sets up read-ahead; on any failure the stream simply reads directly. */
static void start_read_ahead(nn_idx_stream *s)
{
    s->block_images = AHEAD_BLOCK_BYTES / s->image_size;
    if (s->block_images == 0)
        s->block_images = 1;
    for (int i = 0; i < 2; i++) {
        s->blocks[i].data = malloc(s->block_images * s->image_size);
        if (s->blocks[i].data == NULL)
            goto fail;
    }
    if (pthread_mutex_init(&s->lock, NULL) != 0)
        goto fail;
    if (pthread_cond_init(&s->changed, NULL) != 0) {
        pthread_mutex_destroy(&s->lock);
        goto fail;
    }
    if (pthread_create(&s->thread, NULL, read_ahead, s) != 0) {
        pthread_cond_destroy(&s->changed);
        pthread_mutex_destroy(&s->lock);
        goto fail;
    }
    s->ahead = 1;
    return;
fail:
    free(s->blocks[0].data);
    free(s->blocks[1].data);
    s->blocks[0].data = s->blocks[1].data = NULL;
}

/* nn_idx_stream_open_from on the file f that nn_idx_open_file opened (the stream
 * takes it over, whatever the outcome). */
static nn_status stream_start(idx_file *f, int read_ahead, nn_idx_stream **out, nn_error *err)
{
    *out = NULL;
    const char *name = f->name;
    size_t name_len = strlen(name);
    nn_idx_stream *s = calloc(1, sizeof *s + name_len + 1);
    if (s == NULL) {
        nn_source_close(f->src);
        return nn_fail(err, NN_E_NOMEM, "%s: out of memory", name);
    }
    memcpy(s->name, name, name_len + 1);
    s->f = *f;
    s->f.name = s->name;
    nn_status st;
    /* No payload cap: the stream never holds more than one caller's buffer. */
    st = nn_idx_read_header(&s->f, &IDX_IMAGES, 0, err);
    if (st != NN_OK) {
        nn_source_close(s->f.src);
        free(s);
        return st;
    }
    s->image_size = (size_t)s->f.elem_size;
    if (s->f.live && s->image_size > 0)
        nn_source_set_live(s->f.src, s->image_size);
    if (read_ahead && s->image_size > 0 && s->f.dims[0] > 0)
        start_read_ahead(s);
    *out = s;
    return NN_OK;
}

nn_status nn_idx_stream_open_from(nn_idx_input in, int read_ahead, nn_idx_stream **out,
                                  nn_error *err)
{
    idx_file f;
    *out = NULL;
    nn_status st = nn_idx_open_file(in, &f, err);
    if (st != NN_OK)
        return st;
    return stream_start(&f, read_ahead, out, err);
}

nn_status nn_idx_stream_open_ahead(const char *path, int read_ahead, nn_idx_stream **out,
                                   nn_error *err)
{
    return nn_idx_stream_open_from(nn_idx_path(path), read_ahead, out, err);
}

static int many_cpus(void)
{
    return idx_threads > 1;
}

nn_status nn_idx_stream_open(const char *path, nn_idx_stream **out, nn_error *err)
{
    return nn_idx_stream_open_ahead(path, many_cpus(), out, err);
}

nn_status nn_idx_stream_open_source(nn_source *src, const char *name, int live,
                                    nn_idx_stream **out, nn_error *err)
{
    idx_file f;
    memset(&f, 0, sizeof f);
    f.src = src;
    f.name = nn_idx_display_name(name);
    f.live = live;
    return stream_start(&f, many_cpus(), out, err);
}

size_t nn_idx_stream_rows(const nn_idx_stream *s)
{
    return s->f.dims[1];
}

size_t nn_idx_stream_cols(const nn_idx_stream *s)
{
    return s->f.dims[2];
}

size_t nn_idx_stream_count(const nn_idx_stream *s)
{
    return s->f.dims[0];
}

nn_status nn_idx_stream_read(nn_idx_stream *s, uint8_t *buf, size_t max_images, size_t *n_read,
                             nn_error *err)
{
    if (!s->ahead)
        return read_images(s, buf, max_images, n_read, err);
    *n_read = 0;
    if (max_images == 0 || buf == NULL)
        return bad_read(s, buf, max_images, err);

    /* Hand out the blocks' images in order. A block's status comes with its
     * last images, as a direct read would give it; when those came in an
     * earlier call, on its own. */
    for (;;) {
        ahead_block *b = &s->blocks[s->next];
        pthread_mutex_lock(&s->lock);
        /* A live input's images go out as they come: do not wait for more
         * once there are some. */
        if (!b->full && s->f.live && *n_read > 0) {
            pthread_mutex_unlock(&s->lock);
            return NN_OK;
        }
        while (!b->full)
            pthread_cond_wait(&s->changed, &s->lock);
        pthread_mutex_unlock(&s->lock);
        /* A full block is the caller's until it is released. */
        size_t k = b->n_images - b->taken;
        if (k > max_images - *n_read)
            k = max_images - *n_read;
        memcpy(buf + *n_read * s->image_size, b->data + b->taken * s->image_size,
               k * s->image_size);
        b->taken += k;
        *n_read += k;
        if (b->taken < b->n_images)
            return NN_OK; /* the caller's buffer is full */
        if (b->st != NN_OK) {
            if (k == 0 && *n_read > 0)
                return NN_OK; /* the status comes next time */
            if (err != NULL)
                *err = b->err;
            return b->st; /* and again at every later call */
        }
        pthread_mutex_lock(&s->lock);
        b->full = 0;
        pthread_cond_broadcast(&s->changed);
        pthread_mutex_unlock(&s->lock);
        s->next ^= 1;
        if (*n_read == max_images)
            return NN_OK;
    }
}

void nn_idx_stream_close(nn_idx_stream *s)
{
    if (s == NULL)
        return;
    if (s->ahead) {
        /* A thread waiting for a free block stops at once. One inside a read
         * of a live input may wait on a pipe indefinitely: it is left to
         * finish and free the stream itself. Any other read ends soon and is
         * waited for: it may be reading the caller's memory. */
        pthread_mutex_lock(&s->lock);
        s->closing = 1;
        pthread_cond_broadcast(&s->changed);
        int orphan = s->reading && s->f.live;
        s->orphaned = orphan;
        pthread_t thread = s->thread; /* s may be gone once unlocked */
        pthread_mutex_unlock(&s->lock);
        if (orphan) {
            pthread_detach(thread);
            return;
        }
        pthread_join(thread, NULL);
    }
    free_stream(s);
}
