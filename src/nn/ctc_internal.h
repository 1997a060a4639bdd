/*
 * ctc_internal.h - what the CTC loss (layers/ctc.c) and the CTC decoders
 * (ctc_decode.c) both compute in log space. Not part of the public API.
 */
#ifndef NNCLASS_CTC_INTERNAL_H
#define NNCLASS_CTC_INTERNAL_H

#include <math.h>

/* log(e^a + e^b), exact when either is -inf: the sum of two path
 * probabilities held as logs, the same in training and in reading. */
static inline double nn_ctc_log_add(double a, double b)
{
    if (a == -INFINITY)
        return b;
    if (b == -INFINITY)
        return a;
    return a > b ? a + log1p(exp(b - a)) : b + log1p(exp(a - b));
}

#endif
