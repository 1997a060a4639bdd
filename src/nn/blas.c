/* blas.c - room for OpenBLAS's buffers (see blas.h). */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS and MAP_NORESERVE */
#include "nnclass/nn/blas.h"

#include <pthread.h>
#include <stdatomic.h>
#include <sys/mman.h>

#include <cblas.h>

/* Room each new thread needs besides its stack: the guard page, its
 * thread-local storage, rounding. */
#define THREAD_SLACK ((size_t)256 << 10)

/* The side of the product that makes OpenBLAS take its buffer. */
#define WARM_SIDE 128

static atomic_int warmed = 0;

/* The stack size pthread_create gives a thread with default attributes. */
static size_t default_stack_bytes(void)
{
    pthread_attr_t attr;
    size_t size = (size_t)8 << 20;
    if (pthread_attr_init(&attr) == 0) {
        if (pthread_attr_getstacksize(&attr, &size) != 0)
            size = (size_t)8 << 20;
        pthread_attr_destroy(&attr);
    }
    return size;
}

nn_status nn_blas_room(size_t buffers, size_t threads, nn_error *err)
{
    size_t per_thread = default_stack_bytes() + THREAD_SLACK;
    if (buffers > 4096 || threads > 4096)
        return nn_fail(err, NN_E_NOMEM, "out of memory: %zu BLAS buffers", buffers);
    size_t need = buffers * NN_BLAS_BUFFER_BYTES + threads * per_thread;
    if (need == 0)
        return NN_OK;
    /* Private and writable, as OpenBLAS maps its buffers: counted against
     * both RLIMIT_AS and RLIMIT_DATA. MAP_NORESERVE: no page is committed. */
    void *p = mmap(NULL, need, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p != MAP_FAILED) {
        munmap(p, need);
        return NN_OK;
    }
    return nn_fail(err, NN_E_NOMEM, "out of memory: %zu MiB more address space needed (OpenBLAS "
                   "maps %zu MiB for each thread that computes, here %zu), more than the "
                   "limit leaves (ulimit -v, ulimit -d)", (need + ((1 << 20) - 1)) >> 20,
                   NN_BLAS_BUFFER_BYTES >> 20, buffers);
}

nn_status nn_blas_warm(nn_error *err)
{
    if (atomic_load(&warmed))
        return NN_OK;
    nn_status st = nn_blas_room(1, 0, err);
    if (st != NN_OK)
        return st;
    /* C = A·B of WARM_SIDE square matrices: past the sizes that OpenBLAS's
     * small-matrix kernels (which need no buffer) take on some CPUs, and
     * through the path that takes the buffer (a small matrix-vector
     * product would use the stack). */
    static float a[WARM_SIDE * WARM_SIDE], b[WARM_SIDE * WARM_SIDE], c[WARM_SIDE * WARM_SIDE];
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, WARM_SIDE, WARM_SIDE, WARM_SIDE, 1.0f,
                a, WARM_SIDE, b, WARM_SIDE, 0.0f, c, WARM_SIDE);
    atomic_store(&warmed, 1);
    return NN_OK;
}
