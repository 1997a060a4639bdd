/* barrier.c - a counting barrier: the last thread to arrive resets the count
 * and advances the generation, which releases the others. */
#include "nnclass/barrier.h"

#include <sched.h>

/* Checks of the generation before a waiter starts yielding its core: a few
 * tens of microseconds, longer than the two halves of a step ever differ. */
#define SPINS_BEFORE_YIELD 20000u

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

void nn_barrier_init(nn_barrier *b, unsigned n_threads)
{
    atomic_init(&b->arrived, 0);
    atomic_init(&b->generation, 0);
    b->n_threads = n_threads > 0 ? n_threads : 1;
}

/* Counts the caller's arrival in the round whose generation is gen; the
 * last arrival resets the count and advances the generation. */
static void arrive(nn_barrier *b, unsigned gen)
{
    if (atomic_fetch_add_explicit(&b->arrived, 1, memory_order_acq_rel) + 1 != b->n_threads)
        return;
    atomic_store_explicit(&b->arrived, 0, memory_order_relaxed);
    atomic_store_explicit(&b->generation, gen + 1, memory_order_release);
}

unsigned nn_barrier_arrive(nn_barrier *b)
{
    /* Read the generation before arriving: once this thread is counted, the
     * last one may advance it at any moment. */
    unsigned gen = atomic_load_explicit(&b->generation, memory_order_acquire);
    arrive(b, gen);
    return gen;
}

void nn_barrier_wait_for(nn_barrier *b, unsigned ticket)
{
    for (unsigned spins = 0;
         atomic_load_explicit(&b->generation, memory_order_acquire) == ticket; spins++) {
        if (spins < SPINS_BEFORE_YIELD)
            cpu_relax();
        else
            sched_yield();
    }
}
