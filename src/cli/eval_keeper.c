/* eval_keeper.c - the most confidently wrong images of an evaluation: a
 * heap of the n best-ranked, kept during the one pass (eval_keeper.h). */
#include "eval_keeper.h"

#include <stdlib.h>
#include <string.h>

/* a ranks before b: more confident first, equal confidences in image order. */
static int ranks_before(const wrong_image *a, const wrong_image *b)
{
    if (a->confidence != b->confidence)
        return a->confidence > b->confidence;
    return a->index < b->index;
}

static int by_rank(const void *pa, const void *pb)
{
    const wrong_image *a = pa, *b = pb;
    return ranks_before(a, b) ? -1 : ranks_before(b, a) ? 1 : 0;
}

void cli_keeper_free(error_keeper *k)
{
    free(k->heap);
    free(k->pixels);
}

static void sift_down(error_keeper *k, size_t i)
{
    for (;;) {
        size_t worst = i, l = 2 * i + 1, r = l + 1;
        if (l < k->len && ranks_before(&k->heap[worst], &k->heap[l]))
            worst = l;
        if (r < k->len && ranks_before(&k->heap[worst], &k->heap[r]))
            worst = r;
        if (worst == i)
            return;
        wrong_image t = k->heap[i];
        k->heap[i] = k->heap[worst];
        k->heap[worst] = t;
        i = worst;
    }
}

int cli_keeper_offer(error_keeper *k, const wrong_image *w, const uint8_t *pixels)
{
    k->seen++;
    if (k->len < k->n) {
        if (k->len == k->cap) {
            size_t cap = k->cap == 0 ? 16 : k->cap * 2;
            if (cap > k->n)
                cap = k->n;
            wrong_image *h = realloc(k->heap, cap * sizeof *h);
            if (h == NULL)
                return -1;
            k->heap = h;
            uint8_t *p = realloc(k->pixels, cap * k->px);
            if (p == NULL)
                return -1;
            k->pixels = p;
            k->cap = cap;
        }
        size_t i = k->len++;
        k->heap[i] = *w;
        k->heap[i].slot = i;
        memcpy(k->pixels + i * k->px, pixels, k->px);
        while (i > 0 && ranks_before(&k->heap[(i - 1) / 2], &k->heap[i])) {
            wrong_image t = k->heap[i];
            k->heap[i] = k->heap[(i - 1) / 2];
            k->heap[(i - 1) / 2] = t;
            i = (i - 1) / 2;
        }
        return 0;
    }
    if (k->len == 0 || !ranks_before(w, &k->heap[0]))
        return 0;
    size_t slot = k->heap[0].slot;
    k->heap[0] = *w;
    k->heap[0].slot = slot;
    memcpy(k->pixels + slot * k->px, pixels, k->px);
    sift_down(k, 0);
    return 0;
}

void cli_keeper_sort(error_keeper *k)
{
    if (k->len > 1)
        qsort(k->heap, k->len, sizeof *k->heap, by_rank);
}
