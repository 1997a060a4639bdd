/* barrier.c - a counting barrier: the last thread to arrive resets the count
 * and advances the generation, which releases the others; it wakes the ones
 * that went to sleep.
 *
 * No wake-up is lost: a sleeper counts itself in sleepers before it checks
 * the generation (under the lock), and the last arrival advances the
 * generation before it reads sleepers, all sequentially consistent. So
 * either the sleeper sees the new generation and does not sleep, or the
 * last arrival sees the sleeper and broadcasts, taking the lock, which the
 * sleeper holds until it is inside pthread_cond_wait. */
#include "nnclass/base/barrier.h"

/* Checks of the generation before a waiter goes to sleep: some microseconds,
 * longer than the two halves of a step differ on an idle machine, and short
 * next to the time slice a busy machine's scheduler would hand elsewhere. */
#define SPINS_BEFORE_SLEEP 400u

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

int nn_barrier_init(nn_barrier *b, unsigned n_threads)
{
    atomic_init(&b->arrived, 0);
    atomic_init(&b->generation, 0);
    atomic_init(&b->sleepers, 0);
    b->n_threads = n_threads > 0 ? n_threads : 1;
    int e = pthread_mutex_init(&b->lock, NULL);
    if (e != 0)
        return e;
    e = pthread_cond_init(&b->wake, NULL);
    if (e != 0)
        pthread_mutex_destroy(&b->lock);
    return e;
}

void nn_barrier_destroy(nn_barrier *b)
{
    pthread_cond_destroy(&b->wake);
    pthread_mutex_destroy(&b->lock);
}

/* Counts the caller's arrival in the round whose generation is gen; the
 * last arrival resets the count, advances the generation and wakes the
 * sleepers, if any. */
static void arrive(nn_barrier *b, unsigned gen)
{
    if (atomic_fetch_add_explicit(&b->arrived, 1, memory_order_acq_rel) + 1 != b->n_threads)
        return;
    atomic_store_explicit(&b->arrived, 0, memory_order_relaxed);
    atomic_store_explicit(&b->generation, gen + 1, memory_order_seq_cst);
    if (atomic_load_explicit(&b->sleepers, memory_order_seq_cst) > 0) {
        pthread_mutex_lock(&b->lock);
        pthread_cond_broadcast(&b->wake);
        pthread_mutex_unlock(&b->lock);
    }
}

unsigned nn_barrier_arrive(nn_barrier *b)
{
    /* Read the generation before arriving: once this thread is counted, the
     * last one may advance it at any moment. */
    unsigned gen = atomic_load_explicit(&b->generation, memory_order_acquire);
    arrive(b, gen);
    return gen;
}

static int still(nn_barrier *b, unsigned ticket, memory_order order)
{
    return atomic_load_explicit(&b->generation, order) == ticket;
}

void nn_barrier_wait_for(nn_barrier *b, unsigned ticket)
{
    for (unsigned spins = 0; still(b, ticket, memory_order_acquire); spins++) {
        if (spins < SPINS_BEFORE_SLEEP) {
            cpu_relax();
            continue;
        }
        pthread_mutex_lock(&b->lock);
        atomic_fetch_add_explicit(&b->sleepers, 1, memory_order_seq_cst);
        while (still(b, ticket, memory_order_seq_cst))
            pthread_cond_wait(&b->wake, &b->lock);
        atomic_fetch_sub_explicit(&b->sleepers, 1, memory_order_relaxed);
        pthread_mutex_unlock(&b->lock);
        return;
    }
}
