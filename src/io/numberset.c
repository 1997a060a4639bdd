/* numberset.c - sets of composed numbers: room for them, the seed of each,
 * and composing a range of them over a few threads. */
#include "nnclass/io/numberset.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define STRIP_BYTES ((size_t)NN_STRIP_H * NN_STRIP_W)
#define MAX_THREADS 16u

nn_status nn_number_set_alloc(nn_number_set *set, size_t count, nn_error *err)
{
    memset(set, 0, sizeof *set);
    if (count > SIZE_MAX / STRIP_BYTES)
        return nn_fail(err, NN_E_TOO_LARGE, "%zu numbers do not fit in memory", count);
    set->pixels = calloc(count > 0 ? count : 1, STRIP_BYTES);
    set->digits = calloc(count > 0 ? count : 1, NN_NUMBER_MAX_DIGITS);
    set->len = calloc(count > 0 ? count : 1, 1);
    if (set->pixels == NULL || set->digits == NULL || set->len == NULL) {
        nn_number_set_free(set);
        return nn_fail(err, NN_E_NOMEM, "out of memory for %zu numbers (%zu MB)", count,
                       count / 1024 * STRIP_BYTES / 1024);
    }
    set->count = count;
    return NN_OK;
}

void nn_number_set_free(nn_number_set *set)
{
    if (set == NULL)
        return;
    free(set->pixels);
    free(set->digits);
    free(set->len);
    memset(set, 0, sizeof *set);
}

/* Distinct from the streams pack --numbers draws sets from. */
#define ROUND_STREAM 0x524f554e44533031ull /* "ROUNDS01" */

uint64_t nn_number_round_seed(uint64_t seed, uint64_t round)
{
    return round == 0 ? seed : nn_number_seed(seed ^ ROUND_STREAM, round);
}

size_t nn_number_round_compose(const nn_digit_pool *pool, const nn_numbers_options *opt,
                               uint64_t seed, uint64_t round, size_t i, uint8_t *strip,
                               uint8_t digits[NN_NUMBER_MAX_DIGITS])
{
    memset(digits, 0, NN_NUMBER_MAX_DIGITS);
    return nn_number_compose(pool, opt, nn_number_seed(nn_number_round_seed(seed, round), i),
                             strip, digits);
}

typedef struct {
    nn_number_set *set;
    size_t from, to;
    const nn_digit_pool *pool;
    const nn_numbers_options *opt;
    uint64_t seed;
    uint64_t round;
    size_t failed_at; /* the first number that could not be made, or SIZE_MAX */
    pthread_t thread;
} compose_part;

static void *compose_range(void *arg)
{
    compose_part *p = arg;
    p->failed_at = SIZE_MAX;
    for (size_t i = p->from; i < p->to; i++) {
        size_t n = nn_number_round_compose(p->pool, p->opt, p->seed, p->round, p->set->first + i,
                                           p->set->pixels + i * STRIP_BYTES,
                                           p->set->digits + i * NN_NUMBER_MAX_DIGITS);
        p->set->len[i] = (uint8_t)n;
        if (n == 0 && p->failed_at == SIZE_MAX)
            p->failed_at = i;
    }
    return NULL;
}

nn_status nn_number_set_compose(nn_number_set *set, size_t from, size_t to,
                                const nn_digit_pool *pool, const nn_numbers_options *opt,
                                uint64_t seed, uint64_t round, size_t threads, nn_error *err)
{
    if (from > to || to > set->count)
        return nn_fail(err, NN_E_ARG, "numbers %zu to %zu of a set of %zu", from, to,
                       set->count);
    size_t n = threads < 1 ? 1 : threads > MAX_THREADS ? MAX_THREADS : threads;
    compose_part parts[MAX_THREADS];
    int started[MAX_THREADS] = {0};
    for (size_t t = 0; t < n; t++)
        parts[t] = (compose_part){set, from + (to - from) * t / n, from + (to - from) * (t + 1) / n,
                                  pool, opt, seed, round, SIZE_MAX, 0};
    for (size_t t = 1; t < n; t++)
        started[t] = pthread_create(&parts[t].thread, NULL, compose_range, &parts[t]) == 0;
    compose_range(&parts[0]);
    for (size_t t = 1; t < n; t++) {
        if (started[t])
            pthread_join(parts[t].thread, NULL);
        else
            compose_range(&parts[t]); /* no thread: the caller makes its part */
    }
    for (size_t t = 0; t < n; t++)
        if (parts[t].failed_at != SIZE_MAX)
            return nn_fail(err, NN_E_ARG, "number %zu could not be composed: an empty pool "
                           "or digit counts outside 1..%d", parts[t].failed_at,
                           NN_NUMBER_MAX_DIGITS);
    return NN_OK;
}
