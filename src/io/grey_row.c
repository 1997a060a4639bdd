/* grey_row.c - colour to grey, eight pixels a step in 16-bit lanes of SSE2
 * registers (every x86-64 has SSE2); other processors, and the last few
 * pixels of a row, go through nn_grey_of_rgb. The arithmetic is exact
 * integer arithmetic, not an approximation: the tests hold it to
 * nn_grey_of_rgb for every colour and to the rounded division for every
 * grey and alpha. */
#include "grey_row_internal.h"

#include "nnclass/io/image.h"

#if defined(__SSE2__)
#include <emmintrin.h>

/* Four pixels at in (3 or 4 bytes each) as 4 bytes each, the fourth byte
 * alpha or junk. 16 bytes are read. */
static inline __m128i four_pixels(const uint8_t *in, size_t channels)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)in);
    if (channels == 4)
        return v;
    __m128i p01 = _mm_unpacklo_epi32(v, _mm_srli_si128(v, 3));
    __m128i p23 = _mm_unpacklo_epi32(_mm_srli_si128(v, 6), _mm_srli_si128(v, 9));
    return _mm_unpacklo_epi64(p01, p23);
}

/* For four pixels: (r 299 + g 587 + b 114 + 500) >> 3, the largest and the
 * smallest channel, and the fourth byte, as 32-bit lanes. */
static inline void four_sums(const uint8_t *in, size_t channels, __m128i *t, __m128i *hi,
                             __m128i *lo, __m128i *alpha)
{
    __m128i px = four_pixels(in, channels), zero = _mm_setzero_si128();
    __m128i p01 = _mm_unpacklo_epi8(px, zero), p23 = _mm_unpackhi_epi8(px, zero);
    __m128i w = _mm_set_epi16(0, 114, 587, 299, 0, 114, 587, 299);
    __m128i m01 = _mm_shuffle_epi32(_mm_madd_epi16(p01, w), 0xd8); /* rg0 rg1 b0 b1 */
    __m128i m23 = _mm_shuffle_epi32(_mm_madd_epi16(p23, w), 0xd8);
    __m128i sum = _mm_add_epi32(_mm_unpacklo_epi64(m01, m23), _mm_unpackhi_epi64(m01, m23));
    *t = _mm_srli_epi32(_mm_add_epi32(sum, _mm_set1_epi32(500)), 3);
    /* Green and blue shifted onto red's byte of each pixel. */
    __m128i g = _mm_srli_epi32(px, 8), b = _mm_srli_epi32(px, 16), low = _mm_set1_epi32(255);
    *hi = _mm_and_si128(_mm_max_epu8(_mm_max_epu8(px, g), b), low);
    *lo = _mm_and_si128(_mm_min_epu8(_mm_min_epu8(px, g), b), low);
    *alpha = _mm_srli_epi32(px, 24);
}

/* Eight pixels to grey, as nn_grey_of_rgb: luma y = t / 125 with t =
 * (sum + 500) >> 3 <= 31937 is (t 33555) >> 22 exactly (33555 exceeds
 * 2^22 / 125 by 0.568 / 125, which t keeps under 1 / 125 at the end);
 * the tint's step (hi - y) wc wl / 2048 is ((hi - y) wc)(wl 32) >> 16. */
static inline __m128i eight_greys(const uint8_t *in, size_t channels)
{
    __m128i t0, h0, l0, a0, t1, h1, l1, a1;
    four_sums(in, channels, &t0, &h0, &l0, &a0);
    four_sums(in + 4 * channels, channels, &t1, &h1, &l1, &a1);
    __m128i t = _mm_packs_epi32(t0, t1), hi = _mm_packs_epi32(h0, h1);
    __m128i lo = _mm_packs_epi32(l0, l1);
    __m128i y = _mm_srli_epi16(_mm_mulhi_epu16(t, _mm_set1_epi16((short)33555)), 6);
    __m128i up = _mm_subs_epu16(hi, y);
    __m128i wc = _mm_min_epi16(_mm_subs_epu16(_mm_sub_epi16(hi, lo), _mm_set1_epi16(16)),
                               _mm_set1_epi16(32));
    __m128i wl = _mm_min_epi16(_mm_subs_epu16(lo, _mm_set1_epi16(64)), _mm_set1_epi16(64));
    __m128i v = _mm_add_epi16(
        y, _mm_mulhi_epu16(_mm_mullo_epi16(up, wc), _mm_slli_epi16(wl, 5)));
    if (channels == 4) { /* (v a + 255 (255 - a) + 127) / 255, all under 2^16 */
        __m128i a = _mm_packs_epi32(a0, a1), f = _mm_set1_epi16(255);
        __m128i n = _mm_add_epi16(_mm_mullo_epi16(v, a),
                                  _mm_add_epi16(_mm_mullo_epi16(f, _mm_sub_epi16(f, a)),
                                                _mm_set1_epi16(127)));
        v = _mm_srli_epi16(_mm_mulhi_epu16(n, _mm_set1_epi16((short)0x8081)), 7);
    }
    return _mm_packus_epi16(v, v);
}
#endif

void nn_grey_row(const uint8_t *in, size_t width, size_t channels, uint8_t *out)
{
    size_t x = 0;
#if defined(__SSE2__)
    /* The last step reads 16 bytes from pixel x + 4 on. */
    for (; (x + 4) * channels + 16 <= width * channels; x += 8)
        _mm_storel_epi64((__m128i *)(void *)(out + x), eight_greys(in + x * channels, channels));
#endif
    for (; x < width; x++) {
        const uint8_t *p = in + x * channels;
        uint8_t v = nn_grey_of_rgb(p[0], p[1], p[2]);
        out[x] = channels == 4 ? nn_over_white(v, p[3]) : v;
    }
}
