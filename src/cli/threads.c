/* threads.c - the thread counts the commands hand to the library, which
 * asks the system for none itself: the CPUs online, the CPUs the rest of
 * the machine leaves free, and OpenBLAS's process-wide thread count. */
#include "cli.h"

#include <cblas.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

size_t cli_online_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n >= 1 ? (size_t)n : 1;
}

/* Samples of the run queue, and the pause between two. */
#define RUNNABLE_SAMPLES 5
#define RUNNABLE_GAP_NS 500000L

/* Threads of the whole machine that are running or ready to run, this one
 * included: the fourth field of /proc/loadavg ("2/113"). -1 without it. */
static int runnable_now(void)
{
    FILE *f = fopen("/proc/loadavg", "r");
    if (f == NULL)
        return -1;
    int running = -1;
    if (fscanf(f, "%*s %*s %*s %d/", &running) != 1)
        running = -1;
    fclose(f);
    return running;
}

size_t cli_free_cpus(void)
{
    size_t cpus = cli_online_cpus();
    /* A busy process is in the run queue at every look; one that only
     * passes through it (a pipeline's other commands starting, a kernel
     * worker) is not: the fewest over a few looks some milliseconds apart
     * counts the first kind only. */
    int busy = -1;
    for (int i = 0; i < RUNNABLE_SAMPLES; i++) {
        int r = runnable_now();
        if (r < 1)
            return cpus;
        if (busy < 0 || r - 1 < busy)
            busy = r - 1; /* not this thread */
        if (i + 1 < RUNNABLE_SAMPLES)
            nanosleep(&(struct timespec){0, RUNNABLE_GAP_NS}, NULL);
    }
    return (size_t)busy < cpus ? cpus - (size_t)busy : 1;
}

void cli_set_blas_threads(size_t threads)
{
    if (threads < 1)
        threads = 1;
    if (threads > 4096)
        threads = 4096;
    openblas_set_num_threads((int)threads);
}
