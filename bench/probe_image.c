/* probe_image.c - how long nnclass takes to decode an image file held in
 * memory and preprocess it into a 28x28 digit (the work `predict` does per
 * image file, without the process, the model or the file system).
 *
 *   probe_image [--reps N] FILE...
 *
 * Prints one line per file: its size in pixels, the median, minimum and
 * maximum wall-clock milliseconds of decode + preprocess over N runs
 * (default 21), and the median CPU milliseconds of the process (which a
 * busy machine inflates less than wall time). */
#define _POSIX_C_SOURCE 200809L /* clock_gettime's clocks */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nnclass/io/image.h"
#include "nnclass/io/imagestream.h"
#include "nnclass/io/preprocess.h"

static double clock_ms(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    int reps = 21, first = 1;
    if (argc > 2 && strcmp(argv[1], "--reps") == 0) {
        reps = atoi(argv[2]);
        first = 3;
    }
    if (reps < 1 || first >= argc) {
        fprintf(stderr, "usage: probe_image [--reps N] FILE...\n");
        return 2;
    }
    for (int a = first; a < argc; a++) {
        FILE *f = fopen(argv[a], "rb");
        if (f == NULL) {
            perror(argv[a]);
            return 1;
        }
        fseek(f, 0, SEEK_END);
        long len = ftell(f);
        fseek(f, 0, SEEK_SET);
        unsigned char *buf = malloc(len > 0 ? (size_t)len : 1);
        if (buf == NULL || fread(buf, 1, (size_t)len, f) != (size_t)len) {
            fprintf(stderr, "%s: cannot read\n", argv[a]);
            return 1;
        }
        fclose(f);
        double *ms = malloc(2 * (size_t)reps * sizeof *ms), *cpu = ms + reps;
        size_t w = 0, h = 0;
        for (int r = 0; r < reps; r++) {
            nn_grey g;
            nn_error err;
            uint8_t out[NN_MNIST_SIDE * NN_MNIST_SIDE];
            double t0 = clock_ms(CLOCK_MONOTONIC), c0 = clock_ms(CLOCK_PROCESS_CPUTIME_ID);
            if (nn_image_decode(buf, (size_t)len, 0, argv[a], &g, &err) != NN_OK ||
                nn_preprocess_mnist(&g, NN_INVERT_AUTO, out, argv[a], &err) != NN_OK) {
                fprintf(stderr, "%s\n", err.msg);
                return 1;
            }
            ms[r] = clock_ms(CLOCK_MONOTONIC) - t0;
            cpu[r] = clock_ms(CLOCK_PROCESS_CPUTIME_ID) - c0;
            w = g.width;
            h = g.height;
            nn_grey_free(&g);
        }
        qsort(ms, (size_t)reps, sizeof *ms, by_value);
        qsort(cpu, (size_t)reps, sizeof *cpu, by_value);
        printf("file=%s pixels=%zux%zu median_ms=%.3f min_ms=%.3f max_ms=%.3f cpu_median_ms=%.3f\n",
               argv[a], w, h, ms[reps / 2], ms[0], ms[reps - 1], cpu[reps / 2]);
        free(ms);
        free(buf);
    }
    return 0;
}
