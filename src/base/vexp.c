/* vexp.c - e^x by range reduction and a polynomial, with no branch or call
 * per element:
 *
 *   e^x = 2^k * e^r,  k = round(x / ln 2),  r = x - k ln 2,  |r| <= ln 2 / 2
 *
 * k is rounded by adding 1.5 * 2^23, which leaves it in the low bits of the
 * sum; r is computed with ln 2 in two parts, the first exact in a product
 * with k; e^r is its Taylor polynomial to degree 7 (truncation error below
 * 1e-8 on that range); 2^k is built from its exponent bits. */
#include "nnclass/base/vexp.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "vector_clones.h"

#define LOG2E 1.44269504f
#define LN2_HI 0.693359375f     /* 10 significant bits: k * LN2_HI is exact */
#define LN2_LO -2.12194440e-4f  /* ln 2 - LN2_HI */
#define ROUNDER 12582912.0f     /* 1.5 * 2^23: its unit in the last place is 1 */
#define ROUNDER_BITS 0x4B400000u
#define EXP_MIN -87.33654f      /* ln FLT_MIN */
#define EXP_MAX 88.37f          /* k stays <= 127 below this */

NN_VECTOR_CLONES
void nn_vexp(float *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        float x = v[i];
        float shifted = x * LOG2E + ROUNDER;
        uint32_t shifted_bits;
        memcpy(&shifted_bits, &shifted, sizeof shifted_bits);
        float k = shifted - ROUNDER;
        float r = (x - k * LN2_HI) - k * LN2_LO;
        float p = 1.0f + r * (1.0f + r * (1.0f / 2 + r * (1.0f / 6 + r * (1.0f / 24 +
                  r * (1.0f / 120 + r * (1.0f / 720 + r * (1.0f / 5040)))))));
        /* k + 127 in the exponent field; only meaningful for EXP_MIN <= x <=
         * EXP_MAX, and the selects below cover the rest (a NaN fails both
         * comparisons and stays NaN through p). */
        uint32_t scale_bits = (shifted_bits - ROUNDER_BITS + 127u) << 23;
        float scale;
        memcpy(&scale, &scale_bits, sizeof scale);
        float y = p * scale;
        y = x < EXP_MIN ? 0.0f : y;
        y = x > EXP_MAX ? INFINITY : y;
        v[i] = y;
    }
}
