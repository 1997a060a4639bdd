/* matmul.c - C (+)= A.B in a fixed order of arithmetic (see matmul.h).
 *
 * C is computed in tiles of 8 rows by 32 columns held in registers while
 * the k products are added in: per step of k, two vectors of B's row are
 * loaded and each of the 8 elements of A's column is multiplied by them
 * and added into its row's accumulators; a last block of 16 columns has
 * tiles one vector wide, and the columns past it go through a copy padded
 * with zeros to one vector (the padding's sums are thrown away). The vectors are GCC's vector
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

/* One tile: rows a[r] of A (elements csa apart) times nv vectors of
 * columns of B from b, into rows c[r] of C. The rows of a short tile
 * repeat a real one and store into room no one reads. nv is a constant
 * where it is called, so each width compiles to its own loop. */
static inline __attribute__((always_inline)) void tile(size_t k, const float *const a[TILE_ROWS],
                                                       size_t csa, const float *b, size_t ldb,
                                                       float *const c[TILE_ROWS], int accumulate,
                                                       const size_t nv)
{
    vf acc[TILE_ROWS][2];
    for (size_t r = 0; r < TILE_ROWS; r++)
        for (size_t v = 0; v < nv; v++) {
            if (accumulate)
                LOAD(acc[r][v], c[r] + v * VL);
            else
                acc[r][v] = (vf){0};
        }
    for (size_t p = 0; p < k; p++, b += ldb) {
        vf bv[2];
        for (size_t v = 0; v < nv; v++)
            LOAD(bv[v], b + v * VL);
        for (size_t r = 0; r < TILE_ROWS; r++) {
            float x = a[r][p * csa];
            for (size_t v = 0; v < nv; v++)
                acc[r][v] += x * bv[v];
        }
    }
    for (size_t r = 0; r < TILE_ROWS; r++)
        for (size_t v = 0; v < nv; v++)
            STORE(c[r] + v * VL, acc[r][v]);
}

/* Columns [j, j + nv*VL) of every row, TILE_ROWS rows at a time. */
static inline __attribute__((always_inline)) void column_block(
    size_t m, size_t k, const float *a, size_t rsa, size_t csa, const float *b, size_t ldb,
    float *c, size_t ldc, int accumulate, size_t j, const size_t nv)
{
    float spare[TILE_ROWS][TILE_COLS]; /* where a short tile's missing rows go */
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
        tile(k, ar, csa, b + j, ldb, cr, accumulate, nv);
    }
}

/* Columns [j, n), fewer than a vector: B's columns copied into a panel
 * padded with zeros to a vector, KC steps of k at a time, and C's rows
 * through a padded copy; the same sums in the same order, in vectors. */
static inline __attribute__((always_inline)) void narrow_block(
    size_t m, size_t n, size_t k, const float *a, size_t rsa, size_t csa, const float *b,
    size_t ldb, float *c, size_t ldc, int accumulate, size_t j)
{
    enum { KC = 256 };
    float panel[KC * VL], out[TILE_ROWS][VL];
    const size_t w = n - j;
    for (size_t i = 0; i < m; i += TILE_ROWS) {
        const size_t rows = m - i < TILE_ROWS ? m - i : TILE_ROWS;
        const float *ar[TILE_ROWS];
        float *cr[TILE_ROWS];
        for (size_t r = 0; r < TILE_ROWS; r++) {
            cr[r] = out[r];
            for (size_t q = 0; q < VL; q++)
                out[r][q] = accumulate && r < rows && q < w ? c[(i + r) * ldc + j + q] : 0.0f;
        }
        for (size_t p0 = 0; p0 < k; p0 += KC) {
            const size_t kc = k - p0 < KC ? k - p0 : KC;
            for (size_t p = 0; p < kc; p++)
                for (size_t q = 0; q < VL; q++)
                    panel[p * VL + q] = q < w ? b[(p0 + p) * ldb + j + q] : 0.0f;
            for (size_t r = 0; r < TILE_ROWS; r++)
                ar[r] = a + (i + (r < rows ? r : 0)) * rsa + p0 * csa;
            tile(kc, ar, csa, panel, VL, cr, 1, 1);
        }
        for (size_t r = 0; r < rows; r++)
            memcpy(c + (i + r) * ldc + j, out[r], w * sizeof(float));
    }
}

NN_VECTOR_CLONES
void nn_matmul(size_t m, size_t n, size_t k, const float *a, size_t rsa, size_t csa,
               const float *b, size_t ldb, float *c, size_t ldc, int accumulate)
{
    size_t j = 0;
    for (; j + TILE_COLS <= n; j += TILE_COLS)
        column_block(m, k, a, rsa, csa, b, ldb, c, ldc, accumulate, j, 2);
    if (j + VL <= n) {
        column_block(m, k, a, rsa, csa, b, ldb, c, ldc, accumulate, j, 1);
        j += VL;
    }
    if (j < n)
        narrow_block(m, n, k, a, rsa, csa, b, ldb, c, ldc, accumulate, j);
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
