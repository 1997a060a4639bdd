/*
 * barrier.h - a reusable barrier for the few threads that share one training
 * step, which meet once per minibatch (some 50,000 times a second).
 *
 * A waiting thread spins for a few microseconds, because on an idle machine
 * the others usually arrive within that, and then sleeps on a condition
 * variable until the last one arrives: on a busy machine, where the thread it
 * waits for may not be running at all, a waiter that kept spinning or
 * yielding would take the very core that thread needs. The last thread to
 * arrive wakes the sleepers, and makes no system call when there are none.
 * Arriving at the barrier publishes everything the thread wrote before to
 * every thread that leaves it (release/acquire).
 */
#ifndef NNCLASS_BARRIER_H
#define NNCLASS_BARRIER_H

#include <pthread.h>
#include <stdatomic.h>

typedef struct {
    atomic_uint arrived;    /* threads at the barrier in this round */
    atomic_uint generation; /* rounds completed; waiters watch it change */
    atomic_uint sleepers;   /* waiters asleep, or about to sleep, on wake */
    unsigned n_threads;
    pthread_mutex_t lock;   /* guards the sleepers' check-then-sleep */
    pthread_cond_t wake;
} nn_barrier;

/* Prepares a barrier for n_threads (>= 1) threads; 0 on success, else an
 * errno value (the barrier is then unusable and needs no destroy). */
int nn_barrier_init(nn_barrier *b, unsigned n_threads);

/* Releases what nn_barrier_init set up; no thread may be waiting. */
void nn_barrier_destroy(nn_barrier *b);

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
