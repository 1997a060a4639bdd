/* matmul.c - C (+)= A.B in a fixed order of arithmetic (see matmul.h).
 *
 * The kernel (matmul_body.h) is compiled once per vector width, each with
 * tiles that fit its registers: 16 floats (AVX-512, 8 rows of tiles: 16 of
 * the 32 registers), 8 (AVX2, 6 rows: 12 of 16) and 4 (the baseline's SSE,
 * or any other CPU's 16-byte vectors, 4 rows). A vector wider than the
 * CPU's would be split by the compiler into pieces that no longer fit the
 * registers (two AVX2 registers per AVX-512-wide vector run some hundred
 * times slower). nn_matmul picks the widest the CPU has, where the vector
 * clones are built (vector_clones.h); every width gives the same bits. */
#include "nnclass/base/matmul.h"

#include <string.h>

#include "vector_clones.h"

typedef float vf4 __attribute__((vector_size(16)));

#define MM_VEC vf4
#define MM_VL 4u
#define MM_ROWS 4u
#define MM_SUFFIX base
#define MM_TARGET
#include "matmul_body.h"
#undef MM_VEC
#undef MM_VL
#undef MM_ROWS
#undef MM_SUFFIX
#undef MM_TARGET

#ifdef NN_VECTOR_CLONES_ACTIVE
typedef float vf8 __attribute__((vector_size(32)));
typedef float vf16 __attribute__((vector_size(64)));

#define MM_VEC vf8
#define MM_VL 8u
#define MM_ROWS 6u
#define MM_SUFFIX avx2
#define MM_TARGET __attribute__((target("avx2")))
#include "matmul_body.h"
#undef MM_VEC
#undef MM_VL
#undef MM_ROWS
#undef MM_SUFFIX
#undef MM_TARGET

#define MM_VEC vf16
#define MM_VL 16u
#define MM_ROWS 8u
#define MM_SUFFIX avx512
#define MM_TARGET __attribute__((target("avx512f")))
#include "matmul_body.h"
#undef MM_VEC
#undef MM_VL
#undef MM_ROWS
#undef MM_SUFFIX
#undef MM_TARGET
#endif

/* The widest vector this build and CPU have, in floats. */
static size_t widest(void)
{
#ifdef NN_VECTOR_CLONES_ACTIVE
    if (__builtin_cpu_supports("avx512f"))
        return 16;
    if (__builtin_cpu_supports("avx2"))
        return 8;
#endif
    return 4;
}

int nn_matmul_width(size_t width, size_t m, size_t n, size_t k, const float *a, size_t rsa,
                    size_t csa, const float *b, size_t ldb, float *c, size_t ldc,
                    int accumulate)
{
    if (width > widest())
        return 0;
    switch (width) {
#ifdef NN_VECTOR_CLONES_ACTIVE
    case 16:
        matmul_avx512(m, n, k, a, rsa, csa, b, ldb, c, ldc, accumulate);
        return 1;
    case 8:
        matmul_avx2(m, n, k, a, rsa, csa, b, ldb, c, ldc, accumulate);
        return 1;
#endif
    case 4:
        matmul_base(m, n, k, a, rsa, csa, b, ldb, c, ldc, accumulate);
        return 1;
    default:
        return 0;
    }
}

void nn_matmul(size_t m, size_t n, size_t k, const float *a, size_t rsa, size_t csa,
               const float *b, size_t ldb, float *c, size_t ldc, int accumulate)
{
    nn_matmul_width(widest(), m, n, k, a, rsa, csa, b, ldb, c, ldc, accumulate);
}

void nn_matmul_naive(size_t m, size_t n, size_t k, const float *a, size_t rsa, size_t csa,
                     const float *b, size_t ldb, float *c, size_t ldc, int accumulate)
{
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) {
            float s = accumulate ? c[i * ldc + j] : 0.0f;
            for (size_t p = 0; p < k; p++)
                s += a[i * rsa + p * csa] * b[p * ldb + j];
            c[i * ldc + j] = s;
        }
}
