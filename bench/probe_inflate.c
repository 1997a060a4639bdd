/*
 * probe_inflate — how long zlib alone needs to inflate gzip files into memory.
 *
 * This is the floor for any command that reads the MNIST .gz files: nnclass
 * eval cannot be faster than inflating its two inputs. scripts/bench.sh
 * compares the whole-process time of `nnclass eval` against the total printed
 * here.
 *
 * Usage: probe_inflate [--reps N] FILE...
 * Each rep opens every file with gzopen, sets a large gzbuffer and gzreads the
 * whole content into a buffer allocated once (sized from the gzip trailer and
 * kept across reps, so the timing is inflate + copy, not malloc).
 * Output, one line per file and a total (seconds):
 *   inflate file=PATH bytes=N best_s=X median_s=Y
 *   inflate_total files=K bytes=N best_s=X median_s=Y
 * The total of a rep is the sum over files within that rep.
 *
 * Build: cc -O2 -o probe_inflate probe_inflate.c -lz
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#define GZ_BUFFER_BYTES (1u << 20) /* 1 MiB of zlib input buffer */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Uncompressed size hint from the gzip trailer (ISIZE, size mod 2^32, little
 * endian); 0 when the file is not gzip or cannot be read. A raw file's own
 * size is returned for non-gzip input, since gzread passes it through. */
static size_t size_hint(const char *path)
{
    FILE *f = fopen(path, "rb");
    unsigned char head[2], tail[4];
    size_t hint = 0;
    long end;
    if (!f)
        return 0;
    if (fread(head, 1, 2, f) != 2 || fseek(f, 0, SEEK_END) != 0 || (end = ftell(f)) < 4)
        goto done;
    if (head[0] != 0x1f || head[1] != 0x8b) {
        hint = (size_t)end;
        goto done;
    }
    if (fseek(f, -4, SEEK_END) != 0 || fread(tail, 1, 4, f) != 4)
        goto done;
    hint = (size_t)tail[0] | (size_t)tail[1] << 8 | (size_t)tail[2] << 16 |
           (size_t)tail[3] << 24;
done:
    fclose(f);
    return hint;
}

struct target {
    const char *path;
    unsigned char *buf;
    size_t cap;
    size_t bytes;
    double *secs;
};

/* Inflates t->path fully into t->buf (growing it if the hint was short).
 * Returns 0 on success, -1 with a message on stderr otherwise. */
static int inflate_once(struct target *t)
{
    gzFile gz = gzopen(t->path, "rb");
    size_t len = 0;
    int n;
    if (!gz) {
        fprintf(stderr, "probe_inflate: %s: %s\n", t->path, strerror(errno));
        return -1;
    }
    gzbuffer(gz, GZ_BUFFER_BYTES);
    for (;;) {
        if (len == t->cap) {
            size_t cap = t->cap ? t->cap * 2 : (size_t)1 << 20;
            unsigned char *p = realloc(t->buf, cap);
            if (!p) {
                fprintf(stderr, "probe_inflate: %s: out of memory\n", t->path);
                gzclose(gz);
                return -1;
            }
            t->buf = p;
            t->cap = cap;
        }
        size_t want = t->cap - len;
        if (want > (1u << 30))
            want = 1u << 30;
        n = gzread(gz, t->buf + len, (unsigned)want);
        if (n < 0) {
            int err;
            const char *msg = gzerror(gz, &err);
            fprintf(stderr, "probe_inflate: %s: %s\n", t->path, msg);
            gzclose(gz);
            return -1;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    gzclose(gz);
    t->bytes = len;
    return 0;
}

int main(int argc, char **argv)
{
    int reps = 7, first = 1, status = 1;
    size_t nfiles, i;
    struct target *tg = NULL;
    double *totals = NULL;
    unsigned long long sink = 0;

    if (argc > 2 && strcmp(argv[1], "--reps") == 0) {
        reps = atoi(argv[2]);
        first = 3;
    }
    if (reps < 1 || first >= argc) {
        fprintf(stderr, "usage: probe_inflate [--reps N] FILE...\n");
        return 2;
    }
    nfiles = (size_t)(argc - first);
    tg = calloc(nfiles, sizeof *tg);
    totals = calloc((size_t)reps, sizeof *totals);
    if (!tg || !totals)
        goto nomem;
    for (i = 0; i < nfiles; i++) {
        tg[i].path = argv[first + (int)i];
        tg[i].cap = size_hint(tg[i].path);
        /* one spare byte so the final gzread sees room and returns 0 */
        tg[i].cap = tg[i].cap ? tg[i].cap + 1 : 0;
        tg[i].buf = tg[i].cap ? malloc(tg[i].cap) : NULL;
        if (tg[i].cap && !tg[i].buf)
            goto nomem;
        if (tg[i].buf)
            memset(tg[i].buf, 0, tg[i].cap); /* fault the pages in before timing */
        tg[i].secs = calloc((size_t)reps, sizeof(double));
        if (!tg[i].secs)
            goto nomem;
    }
    for (int r = 0; r < reps; r++) {
        for (i = 0; i < nfiles; i++) {
            double t0 = now_s();
            if (inflate_once(&tg[i]) != 0)
                goto out;
            tg[i].secs[r] = now_s() - t0;
            totals[r] += tg[i].secs[r];
            if (tg[i].bytes)
                sink += tg[i].buf[tg[i].bytes - 1];
        }
    }
    size_t total_bytes = 0;
    for (i = 0; i < nfiles; i++) {
        double best;
        total_bytes += tg[i].bytes;
        qsort(tg[i].secs, (size_t)reps, sizeof(double), cmp_double);
        best = tg[i].secs[0];
        printf("inflate file=%s bytes=%zu best_s=%.6f median_s=%.6f\n", tg[i].path,
               tg[i].bytes, best, median(tg[i].secs, (size_t)reps));
    }
    qsort(totals, (size_t)reps, sizeof(double), cmp_double);
    printf("inflate_total files=%zu bytes=%zu best_s=%.6f median_s=%.6f\n", nfiles,
           total_bytes, totals[0], median(totals, (size_t)reps));
    /* keep the reads observable so nothing is optimised away */
    if (sink == 0xffffffffffffffffULL)
        fputc('\n', stderr);
    status = 0;
    goto out;
nomem:
    fprintf(stderr, "probe_inflate: out of memory\n");
out:
    if (tg)
        for (i = 0; i < nfiles; i++) {
            free(tg[i].buf);
            free(tg[i].secs);
        }
    free(tg);
    free(totals);
    return status;
}
