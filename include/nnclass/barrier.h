/*
 * barrier.h - a reusable barrier for the few threads that share one training
 * step, which meet once per minibatch (some 50,000 times a second).
 *
 * A waiting thread spins, because the others usually arrive within
 * microseconds, and after a while yields its core at every check, so that a
 * busy machine or a long wait (the main thread reporting an epoch) does not
 * cost a core. Arriving at the barrier publishes everything the thread wrote
 * before to every thread that leaves it (release/acquire).
 */
#ifndef NNCLASS_BARRIER_H
#define NNCLASS_BARRIER_H

#include <stdatomic.h>

typedef struct {
    atomic_uint arrived;    /* threads at the barrier in this round */
    atomic_uint generation; /* rounds completed; waiters watch it change */
    unsigned n_threads;
} nn_barrier;

/* Prepares a barrier for n_threads (>= 1) threads. */
void nn_barrier_init(nn_barrier *b, unsigned n_threads);

/* The barrier comes in two halves, so that a thread can do work of its own
 * while the others catch up: nn_barrier_arrive counts the caller's arrival
 * and returns a ticket for the round, and nn_barrier_wait_for(b, ticket)
 * blocks until every thread has arrived in that round; then the barrier is
 * ready for the next. nn_barrier_wait_for(b, nn_barrier_arrive(b)) is a
 * plain barrier. Arriving alone, without waiting, is also how a thread that
 * will not come lets the others go. */
unsigned nn_barrier_arrive(nn_barrier *b);
void nn_barrier_wait_for(nn_barrier *b, unsigned ticket);

#endif
