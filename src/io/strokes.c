/* strokes.c - stroke width: measuring it and growing thin strokes. */
#include "nnclass/io/strokes.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

double nn_strokes_width(const nn_grey *img, const nn_box *box)
{
    size_t area = 0, edges = 0, w = img->width;
    for (size_t y = box->y0; y < box->y1; y++)
        for (size_t x = box->x0; x < box->x1; x++) {
            int ink = img->pixels[y * w + x] >= 128;
            area += (size_t)ink;
            /* Each side between solid ink and anything else, once. */
            int right = x + 1 < w && img->pixels[y * w + x + 1] >= 128;
            int below = y + 1 < img->height && img->pixels[(y + 1) * w + x] >= 128;
            edges += (size_t)(ink != right) + (size_t)(ink != below);
            if (x == box->x0 && x > 0)
                edges += (size_t)(ink != (img->pixels[y * w + x - 1] >= 128));
            if (y == box->y0 && y > 0)
                edges += (size_t)(ink != (img->pixels[(y - 1) * w + x] >= 128));
            if (x == 0)
                edges += (size_t)ink;
            if (y == 0)
                edges += (size_t)ink;
        }
    if (area == 0 || edges == 0)
        return 0.0;
    /* A stroke of width s and length L has area s L and an outline of about
     * 2 L; the outline counted in pixel sides is 4/pi times longer on average
     * over the strokes' directions. */
    return 2.0 * (double)area / ((double)edges * 0.7853981633974483) /* pi / 4 */;
}

size_t nn_strokes_growth(double width, size_t longer, size_t side, double target)
{
    /* Growing by r adds 2r to the width and to the box: solve
     * width + 2r = target * (longer + 2r) / side for r. */
    double k = target / (double)side;
    if (k >= 1.0 || width <= 0.0)
        return 0;
    double r = (k * (double)longer - width) / (2.0 * (1.0 - k));
    return r < 0.5 ? 0 : (size_t)(r + 0.5);
}

/* One step of grey dilation (erosion when thin != 0) of the w x h region at
 * pix (row stride stride) by the 3x3 square (square != 0) or the 3x3 cross,
 * using tmp (w * h). */
static void morph_step(uint8_t *pix, size_t stride, size_t w, size_t h, int square, int thin,
                       uint8_t *tmp)
{
    for (size_t y = 0; y < h; y++)
        memcpy(tmp + y * w, pix + y * stride, w);
    for (size_t y = 0; y < h; y++)
        for (size_t x = 0; x < w; x++) {
            size_t y0 = y > 0 ? y - 1 : y, y1 = y + 1 < h ? y + 1 : y;
            size_t x0 = x > 0 ? x - 1 : x, x1 = x + 1 < w ? x + 1 : x;
            uint8_t m = tmp[y * w + x];
            for (size_t yy = y0; yy <= y1; yy++)
                for (size_t xx = x0; xx <= x1; xx++) {
                    uint8_t v = tmp[yy * w + xx];
                    if (square || yy == y || xx == x)
                        m = thin ? (v < m ? v : m) : (v > m ? v : m);
                }
            pix[y * stride + x] = m;
        }
}

nn_status nn_strokes_grow(nn_grey *img, nn_box *box, size_t r, nn_error *err)
{
    if (r == 0)
        return NN_OK;
    size_t x0 = box->x0 > r ? box->x0 - r : 0, y0 = box->y0 > r ? box->y0 - r : 0;
    size_t x1 = box->x1 + r < img->width ? box->x1 + r : img->width;
    size_t y1 = box->y1 + r < img->height ? box->y1 + r : img->height;
    size_t w = x1 - x0, h = y1 - y0;
    uint8_t *tmp = malloc(w * h);
    if (tmp == NULL)
        return nn_fail(err, NN_E_NOMEM, "out of memory thickening the strokes");
    /* Crosses and squares in turn grow the ink as an octagon: nearly round,
     * so a slanted stroke grows as much as an upright one. */
    for (size_t i = 0; i < r; i++)
        morph_step(img->pixels + y0 * img->width + x0, img->width, w, h, i % 2 == 1, 0, tmp);
    free(tmp);
    box->x0 = x0;
    box->y0 = y0;
    box->x1 = x1;
    box->y1 = y1;
    return nn_pre_ink_box(img, box, "digit", err);
}

nn_status nn_strokes_thin(nn_grey *img, nn_box *box, size_t r, nn_error *err)
{
    if (r == 0)
        return NN_OK;
    size_t w = box->x1 - box->x0, h = box->y1 - box->y0;
    uint8_t *tmp = malloc(w * h);
    if (tmp == NULL)
        return nn_fail(err, NN_E_NOMEM, "out of memory thinning the strokes");
    for (size_t i = 0; i < r; i++)
        morph_step(img->pixels + box->y0 * img->width + box->x0, img->width, w, h, i % 2 == 1,
                   1, tmp);
    free(tmp);
    return nn_pre_ink_box(img, box, "digit", err);
}
