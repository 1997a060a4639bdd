/*
 * matmul.h - C (+)= A.B for the small products of a training step, in a
 * fixed order of arithmetic.
 *
 * A BLAS picks its kernel, and with it the order of its sums, from the
 * shapes it is given, and packs its operands again on every call: at the
 * recurrent layers' 16-row products per time step the packing costs as
 * much as the product. This kernel packs nothing (the caller lays B out
 * once, row-major), and every element of C is summed the same way whatever
 * the shapes, the tiling, the vector width or the CPU:
 *
 *   C(i,j) = (((C0 + A(i,0) B(0,j)) + A(i,1) B(1,j)) + ...) + A(i,k-1) B(k-1,j)
 *
 * each product and each sum rounded on its own (no fused multiply-add),
 * with C0 the element of C (accumulate) or +0. So a row of C gives the
 * same bits in a product of 16 rows or of 1000, on one thread or several.
 */
#ifndef NNCLASS_MATMUL_H
#define NNCLASS_MATMUL_H

#include <stddef.h>

/* C (m, n), rows ldc apart, = (accumulate ? C : 0) + A.B, where A(i, p) is
 * a[i * rsa + p * csa] (so a transposed A is rsa = 1, csa = its row length)
 * and B (k, n) is row-major, rows ldb apart. C must not overlap A or B. */
void nn_matmul(size_t m, size_t n, size_t k, const float *a, size_t rsa, size_t csa,
               const float *b, size_t ldb, float *c, size_t ldc, int accumulate);

/* nn_matmul with vectors of width floats (4, 8 or 16) rather than the
 * widest the CPU has: for the tests, which hold every width to the
 * reference. Returns 0, computing nothing, when this build or CPU has no
 * such width; 1 otherwise. */
int nn_matmul_width(size_t width, size_t m, size_t n, size_t k, const float *a, size_t rsa,
                    size_t csa, const float *b, size_t ldb, float *c, size_t ldc,
                    int accumulate);

/* The same as plain loops, one element at a time: the reference the tests
 * hold nn_matmul to, bit for bit. */
void nn_matmul_naive(size_t m, size_t n, size_t k, const float *a, size_t rsa, size_t csa,
                     const float *b, size_t ldb, float *c, size_t ldc, int accumulate);

#endif
