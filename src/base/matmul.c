/* matmul.c - C (+)= A.B in a fixed order of arithmetic (see matmul.h).
 *
 * C is computed in tiles of 8 rows by 32 columns held in registers while
 * the k products are added in: per step of k, two vectors of B's row are
 * loaded and each of the 8 elements of A's column is multiplied by them
 * and added into its row's accumulators. Columns past the last whole tile
 * go one at a time, in the same order. The vectors are GCC's vector
 * extension, 16 floats wide: one AVX-512 register, two AVX2 ones, four SSE
 * ones, as the clone that runs picks (vector_clones.h). */
#include "nnclass/base/matmul.h"

#include <string.h>

#include "vector_clones.h"

typedef float vf __attribute__((vector_size(64)));

#define VL 16u       /* floats per vector */
#define TILE_ROWS 8u   /* 16 accumulators: half the AVX-512 registers */
#define TILE_COLS (2u * VL)

/* Unaligned loads and stores of a vector (macros: a function passing a
 * vector by value would change with the clone's calling convention). */
#define LOAD(v, p) memcpy(&(v), (p), sizeof(vf))
#define STORE(p, v) memcpy((p), &(v), sizeof(vf))

/* One tile: rows a[r] of A (elements csa apart) times the 32 columns of B
 * from b, into rows c[r] of C. The rows of a short tile repeat a real one
 * and store into room no one reads. */
static inline __attribute__((always_inline)) void tile(size_t k, const float *const a[TILE_ROWS],
                                                       size_t csa, const float *b, size_t ldb,
                                                       float *const c[TILE_ROWS], int accumulate)
{
    vf lo[TILE_ROWS], hi[TILE_ROWS];
    for (size_t r = 0; r < TILE_ROWS; r++) {
        if (accumulate) {
            LOAD(lo[r], c[r]);
            LOAD(hi[r], c[r] + VL);
        } else {
            lo[r] = (vf){0};
            hi[r] = (vf){0};
        }
    }
    for (size_t p = 0; p < k; p++, b += ldb) {
        vf b0, b1;
        LOAD(b0, b), LOAD(b1, b + VL);
        for (size_t r = 0; r < TILE_ROWS; r++) {
            float x = a[r][p * csa];
            lo[r] += x * b0;
            hi[r] += x * b1;
        }
    }
    for (size_t r = 0; r < TILE_ROWS; r++) {
        STORE(c[r], lo[r]);
        STORE(c[r] + VL, hi[r]);
    }
}

/* Element (i, j) alone. */
static inline __attribute__((always_inline)) float element(size_t k, const float *a,
                                                           size_t csa, const float *b,
                                                           size_t ldb, float c0)
{
    float s = c0;
    for (size_t p = 0; p < k; p++)
        s += a[p * csa] * b[p * ldb];
    return s;
}

NN_VECTOR_CLONES
void nn_matmul(size_t m, size_t n, size_t k, const float *a, size_t rsa, size_t csa,
               const float *b, size_t ldb, float *c, size_t ldc, int accumulate)
{
    float spare[TILE_ROWS][TILE_COLS]; /* where a short tile's missing rows go */
    const size_t whole = n / TILE_COLS * TILE_COLS;
    for (size_t j = 0; j < whole; j += TILE_COLS)
        for (size_t i = 0; i < m; i += TILE_ROWS) {
            const float *ar[TILE_ROWS];
            float *cr[TILE_ROWS];
            for (size_t r = 0; r < TILE_ROWS; r++) {
                int real = i + r < m;
                ar[r] = a + (real ? i + r : i) * rsa;
                cr[r] = real ? c + (i + r) * ldc + j : spare[r];
                if (!real)
                    memset(spare[r], 0, sizeof spare[r]);
            }
            tile(k, ar, csa, b + j, ldb, cr, accumulate);
        }
    for (size_t i = 0; i < m; i++)
        for (size_t j = whole; j < n; j++) {
            float *cij = c + i * ldc + j;
            *cij = element(k, a + i * rsa, csa, b + j, ldb, accumulate ? *cij : 0.0f);
        }
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
