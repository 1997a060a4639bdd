/* matmul_body.h - the body of nn_matmul for one vector width, included by
 * matmul.c once per width with these defined:
 *   MM_VEC     the vector type (GCC's vector extension), MM_VL floats wide
 *   MM_ROWS    rows of a tile: 2 * MM_ROWS accumulators fit the registers
 *   MM_SUFFIX  the suffix of this width's names
 *   MM_TARGET  the function attribute that lets the compiler use the width
 * It defines matmul_<MM_SUFFIX>(), with nn_matmul's arguments.
 *
 * C is computed in tiles of MM_ROWS rows by two vectors of columns, held in
 * registers while the k products are added in: per step of k, two vectors
 * of B's row are loaded, and each of the tile's elements of A's column is
 * multiplied by them and added into its row's accumulators. A last block
 * one vector wide has tiles of one vector, and the columns past it go
 * through a copy padded with zeros to one vector (the padding's sums are
 * thrown away). Every element gets the same operations in the same order
 * whatever the width. */
#define MM_CAT2(a, b) a##_##b
#define MM_CAT(a, b) MM_CAT2(a, b)
#define MM_NAME(name) MM_CAT(name, MM_SUFFIX)

/* One tile: rows a[r] of A (elements csa apart) times nv vectors of
 * columns of B from b, into rows c[r] of C. The rows of a short tile
 * repeat a real one and store into room no one reads. nv is a constant
 * where it is called, so each width compiles to its own loop. */
static inline __attribute__((always_inline)) void MM_NAME(tile)(
    size_t k, const float *const a[MM_ROWS], size_t csa, const float *b, size_t ldb,
    float *const c[MM_ROWS], int accumulate, const size_t nv)
{
    MM_VEC acc[MM_ROWS][2];
    for (size_t r = 0; r < MM_ROWS; r++)
        for (size_t v = 0; v < nv; v++) {
            if (accumulate)
                memcpy(&acc[r][v], c[r] + v * MM_VL, sizeof(MM_VEC));
            else
                acc[r][v] = (MM_VEC){0};
        }
    for (size_t p = 0; p < k; p++, b += ldb) {
        MM_VEC bv[2];
        for (size_t v = 0; v < nv; v++)
            memcpy(&bv[v], b + v * MM_VL, sizeof(MM_VEC));
        for (size_t r = 0; r < MM_ROWS; r++) {
            float x = a[r][p * csa];
            for (size_t v = 0; v < nv; v++)
                acc[r][v] += x * bv[v];
        }
    }
    for (size_t r = 0; r < MM_ROWS; r++)
        for (size_t v = 0; v < nv; v++)
            memcpy(c[r] + v * MM_VL, &acc[r][v], sizeof(MM_VEC));
}

/* Columns [j, j + nv * MM_VL) of every row, MM_ROWS rows at a time. */
static inline __attribute__((always_inline)) void MM_NAME(column_block)(
    size_t m, size_t k, const float *a, size_t rsa, size_t csa, const float *b, size_t ldb,
    float *c, size_t ldc, int accumulate, size_t j, const size_t nv)
{
    float spare[MM_ROWS][2 * MM_VL]; /* where a short tile's missing rows go */
    for (size_t i = 0; i < m; i += MM_ROWS) {
        const float *ar[MM_ROWS];
        float *cr[MM_ROWS];
        for (size_t r = 0; r < MM_ROWS; r++) {
            int real = i + r < m;
            ar[r] = a + (real ? i + r : i) * rsa;
            cr[r] = real ? c + (i + r) * ldc + j : spare[r];
            if (!real)
                memset(spare[r], 0, sizeof spare[r]);
        }
        MM_NAME(tile)(k, ar, csa, b + j, ldb, cr, accumulate, nv);
    }
}

/* Columns [j, n), fewer than a vector: B's columns copied into a panel
 * padded with zeros to a vector, KC steps of k at a time, and C's rows
 * through a padded copy; the same sums in the same order, in vectors. */
static inline __attribute__((always_inline)) void MM_NAME(narrow_block)(
    size_t m, size_t n, size_t k, const float *a, size_t rsa, size_t csa, const float *b,
    size_t ldb, float *c, size_t ldc, int accumulate, size_t j)
{
    enum { KC = 256 };
    float panel[KC * MM_VL], out[MM_ROWS][MM_VL];
    const size_t w = n - j;
    for (size_t i = 0; i < m; i += MM_ROWS) {
        const size_t rows = m - i < MM_ROWS ? m - i : MM_ROWS;
        const float *ar[MM_ROWS];
        float *cr[MM_ROWS];
        for (size_t r = 0; r < MM_ROWS; r++) {
            cr[r] = out[r];
            for (size_t q = 0; q < MM_VL; q++)
                out[r][q] = accumulate && r < rows && q < w ? c[(i + r) * ldc + j + q] : 0.0f;
        }
        for (size_t p0 = 0; p0 < k; p0 += KC) {
            const size_t kc = k - p0 < KC ? k - p0 : KC;
            for (size_t p = 0; p < kc; p++)
                for (size_t q = 0; q < MM_VL; q++)
                    panel[p * MM_VL + q] = q < w ? b[(p0 + p) * ldb + j + q] : 0.0f;
            for (size_t r = 0; r < MM_ROWS; r++)
                ar[r] = a + (i + (r < rows ? r : 0)) * rsa + p0 * csa;
            MM_NAME(tile)(kc, ar, csa, panel, MM_VL, cr, 1, 1);
        }
        for (size_t r = 0; r < rows; r++)
            memcpy(c + (i + r) * ldc + j, out[r], w * sizeof(float));
    }
}

MM_TARGET
static void MM_NAME(matmul)(size_t m, size_t n, size_t k, const float *a, size_t rsa,
                            size_t csa, const float *b, size_t ldb, float *c, size_t ldc,
                            int accumulate)
{
    size_t j = 0;
    for (; j + 2 * MM_VL <= n; j += 2 * MM_VL)
        MM_NAME(column_block)(m, k, a, rsa, csa, b, ldb, c, ldc, accumulate, j, 2);
    if (j + MM_VL <= n) {
        MM_NAME(column_block)(m, k, a, rsa, csa, b, ldb, c, ldc, accumulate, j, 1);
        j += MM_VL;
    }
    if (j < n)
        MM_NAME(narrow_block)(m, n, k, a, rsa, csa, b, ldb, c, ldc, accumulate, j);
}

#undef MM_NAME
#undef MM_CAT
#undef MM_CAT2
