/* draw.c - images as terminal art: two shade characters per pixel, so that a
 * 28x28 digit looks square in a terminal whose cells are twice as tall as wide. */
#include "cli.h"

#include <stdio.h>

/* One row of cols pixels in shade characters. */
static void draw_row(const uint8_t *row, size_t cols)
{
    static const char *const shades[] = {"  ", "\u2591\u2591", "\u2592\u2592",
                                         "\u2593\u2593", "\u2588\u2588"};
    for (size_t c = 0; c < cols; c++) {
        unsigned v = row[c];
        /* 0 stays blank; 1..255 map evenly onto the four shades. */
        fputs(shades[v == 0 ? 0 : 1 + (v - 1) * 4 / 255], stdout);
    }
}

void cli_draw_image(const uint8_t *pixels, size_t rows, size_t cols)
{
    for (size_t r = 0; r < rows; r++) {
        draw_row(pixels + r * cols, cols);
        fputc('\n', stdout);
    }
}

void cli_draw_pair(const uint8_t *left, const uint8_t *right, size_t rows, size_t cols)
{
    for (size_t r = 0; r < rows; r++) {
        draw_row(left + r * cols, cols);
        fputs("  |  ", stdout);
        draw_row(right + r * cols, cols);
        fputc('\n', stdout);
    }
}
