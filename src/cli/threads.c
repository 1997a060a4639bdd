/* threads.c - the thread counts the commands hand to the library, which
 * asks the system for none itself: the CPUs this process may use, the ones
 * the rest of the machine leaves free, and OpenBLAS's process-wide thread
 * count. */
#define _GNU_SOURCE /* sched_getaffinity and CPU_COUNT */
#include "cli.h"

#include <sched.h>

#include "nnclass/nn/blas.h"

#include <cblas.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

size_t cli_usable_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    size_t cpus = n >= 1 ? (size_t)n : 1;
    /* taskset, cpusets and container limits narrow the CPUs a process may
     * run on below those online. */
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        int allowed = CPU_COUNT(&set);
        if (allowed >= 1 && (size_t)allowed < cpus)
            cpus = (size_t)allowed;
    }
    return cpus;
}

size_t cli_cap_threads(size_t threads, int quiet)
{
    static int told = 0;
    size_t cpus = cli_usable_cpus();
    if (threads <= cpus)
        return threads;
    if (!quiet && !told)
        cli_error("--threads: %zu is more than the %zu CPU%s this process may use; using %zu",
                  threads, cpus, cpus == 1 ? "" : "s", cpus);
    told = 1;
    return cpus;
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
    size_t cpus = cli_usable_cpus();
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

int cli_set_blas_threads(size_t threads)
{
    if (threads < 1)
        threads = 1;
    if (threads > 4096)
        threads = 4096;
    /* OpenBLAS spins forever when it cannot map a buffer: check first, for
     * this thread's buffer and for each thread the pool grows by. */
    nn_error err = {{0}};
    nn_status st = nn_blas_warm(&err);
    int now = openblas_get_num_threads();
    size_t more = now >= 1 && threads > (size_t)now ? threads - (size_t)now : 0;
    if (st == NN_OK)
        st = nn_blas_room(more, more, &err);
    if (st != NN_OK)
        return cli_fail(st, &err);
    openblas_set_num_threads((int)threads);
    return CLI_OK;
}
