/*
 * grey_row_internal.h - colour to grey a row at a time, for the PNG decoder
 * (image.c): the same greys as nn_grey_of_rgb, several pixels a step. Not
 * part of the public API.
 */
#ifndef NNCLASS_GREY_ROW_INTERNAL_H
#define NNCLASS_GREY_ROW_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/* A tint counts as paper from this chroma (max - min channel) and this
 * darkest channel up, fully from twice as far (see nn_grey_of_rgb). */
#define TINT_CHROMA 16u
#define TINT_LIGHT 64u

/* Grey v under alpha a, over white paper, rounded. */
static inline uint8_t nn_over_white(unsigned v, unsigned a)
{
    return (uint8_t)((v * a + 255u * (255u - a) + 127u) / 255u);
}

/* out[x] = nn_grey_of_rgb of pixel x of an RGB row (channels 3), or that
 * over white under the pixel's alpha for an RGBA row (channels 4). */
void nn_grey_row(const uint8_t *in, size_t width, size_t channels, uint8_t *out);

#endif
