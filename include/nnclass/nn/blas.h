/*
 * blas.h - the memory OpenBLAS takes outside the library's own allocations,
 * checked before it is taken.
 *
 * OpenBLAS (0.3.21 as Debian builds it: DYNAMIC_ARCH, pthreads) maps one
 * work buffer of BUFFER_SIZE = 32 << 22 bytes (128 MiB, plus a page) for
 * each thread that is inside a BLAS call at the same time: the caller's, and
 * one for every thread of its own pool, mapped as the pool starts. When that
 * mmap is refused (ulimit -v, ulimit -d) it retries forever, spinning at
 * 100 % CPU. These checks make such a refusal an NN_E_NOMEM beforehand. The
 * buffers are address space only: pages nobody touches cost no memory.
 */
#ifndef NNCLASS_BLAS_H
#define NNCLASS_BLAS_H

#include <stddef.h>

#include "nnclass/base/error.h"

/* OpenBLAS's work buffer, as mapped: BUFFER_SIZE and one page. */
#define NN_BLAS_BUFFER_BYTES (((size_t)128 << 20) + 4096)

/* NN_OK when buffers more OpenBLAS buffers and the stacks of threads new
 * threads fit under the process's address-space and data limits right now
 * (tried with a mapping that is undone at once); else NN_E_NOMEM with a
 * message saying how much was needed. */
nn_status nn_blas_room(size_t buffers, size_t threads, nn_error *err);

/* Makes OpenBLAS map the calling thread's buffer now, once nn_blas_room
 * says it fits, with a 1x1 product; later calls return NN_OK at once. Call
 * before the first real BLAS call, and before allocating much else. */
nn_status nn_blas_warm(nn_error *err);

#endif
