/*
 * vexp.h - e^x over an array of floats, in a form the compiler vectorises.
 *
 * glibc's expf is exact to half an ulp but takes one call per element, and
 * the sigmoid and softmax of a training step make some 800 of them. This one
 * runs 8 or 16 elements per instruction and stays within 1.3 ulp of e^x.
 * Every element is computed with the same operations wherever it sits in the
 * array, so a value gives the same bits in a batch and on its own.
 */
#ifndef NNCLASS_VEXP_H
#define NNCLASS_VEXP_H

#include <stddef.h>

/* Replaces each v[i] by e^v[i]. Below -87.336, where e^x drops under the
 * smallest normal float, the result is 0; above 88.37, where e^x passes
 * 2.4e38 (FLT_MAX is 3.4e38), it is +inf; NaN stays NaN. */
void nn_vexp(float *v, size_t n);

#endif
