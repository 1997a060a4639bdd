/* test_support.c - see test_support.h. */
#include "test_support.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <zlib.h>

#include "nnclass/base/rng.h"

const char *ts_data_dir(void)
{
    const char *d = getenv("NNCLASS_TEST_DATA");
    return d != NULL && d[0] != '\0' ? d : "data";
}

char *ts_make_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char *tmpl = ts_join(base != NULL && base[0] != '\0' ? base : "/tmp", "nnclass-test-XXXXXX");
    assert_non_null(mkdtemp(tmpl));
    return tmpl;
}

void ts_remove_tree(const char *dir)
{
    /* Test-only convenience: the folder was made by ts_make_tmpdir. */
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "warning: could not remove %s\n", dir);
}

char *ts_join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    assert_non_null(p);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

int ts_write_file(const char *path, const void *buf, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return -1;
    size_t w = len > 0 ? fwrite(buf, 1, len, f) : 0;
    return (fclose(f) == 0 && w == len) ? 0 : -1;
}

int ts_write_gz(const char *path, const void *buf, size_t len)
{
    gzFile f = gzopen(path, "wb9");
    if (f == NULL)
        return -1;
    int w = len > 0 ? gzwrite(f, buf, (unsigned)len) : 0;
    return (gzclose(f) == Z_OK && (size_t)w == len) ? 0 : -1;
}

size_t ts_idx_header(uint8_t *out, uint32_t magic, const uint32_t *dims, int ndims)
{
    size_t n = 0;
    uint32_t words[1 + 8];
    words[0] = magic;
    for (int i = 0; i < ndims && i < 8; i++)
        words[1 + i] = dims[i];
    for (int i = 0; i <= ndims && i < 9; i++) {
        out[n++] = (uint8_t)(words[i] >> 24);
        out[n++] = (uint8_t)(words[i] >> 16);
        out[n++] = (uint8_t)(words[i] >> 8);
        out[n++] = (uint8_t)words[i];
    }
    return n;
}

void ts_load_mnist(const char *split, size_t n, nn_images *images, nn_labels *labels)
{
    char name[256];
    nn_error err = {{0}};
    snprintf(name, sizeof name, "mnist/%s-images-idx3-ubyte.gz", split);
    char *ip = ts_join(ts_data_dir(), name);
    snprintf(name, sizeof name, "mnist/%s-labels-idx1-ubyte.gz", split);
    char *lp = ts_join(ts_data_dir(), name);
    if (nn_idx_load_images(ip, 0, images, &err) != NN_OK ||
        nn_idx_load_labels(lp, 0, labels, &err) != NN_OK)
        fail_msg("%s", err.msg);
    if (n > 0 && n < images->count) {
        images->count = n;
        labels->count = n;
    }
    free(ip);
    free(lp);
}

nn_dataset ts_view(const nn_images *images, const nn_labels *labels, size_t n_classes)
{
    return nn_dataset_view(images->pixels, labels->labels, images->count, images->rows,
                           images->cols, n_classes);
}

nn_workspace *ts_workspace(const nn_net *net, size_t batch)
{
    nn_workspace *ws = NULL;
    nn_error err = {{0}};
    if (nn_workspace_create(net, batch, &ws, &err) != NN_OK)
        fail_msg("nn_workspace_create: %s", err.msg);
    return ws;
}

nn_net *ts_parse_net(const char *spec, nn_activation act)
{
    nn_layer t[NN_MAX_LAYERS];
    size_t n = 0;
    nn_error err = {{0}};
    if (nn_net_parse_table(spec, act, t, &n, &err) != NN_OK)
        fail_msg("nn_net_parse_table(%s): %s", spec, err.msg);
    nn_net *net = NULL;
    if (nn_net_create_table(t, n, &net, &err) != NN_OK)
        fail_msg("nn_net_create_table(%s): %s", spec, err.msg);
    return net;
}

void ts_fill_uniform(float *v, size_t n, float scale, uint64_t seed)
{
    nn_rng rng;
    nn_rng_seed(&rng, seed);
    for (size_t i = 0; i < n; i++)
        v[i] = scale * (2.0f * nn_rng_uniform(&rng) - 1.0f);
}

size_t ts_ctc_collapse(const size_t *path, size_t t, uint16_t *out)
{
    size_t len = 0;
    for (size_t i = 0; i < t; i++)
        if (path[i] != 0 && (i == 0 || path[i] != path[i - 1]))
            out[len++] = (uint16_t)(path[i] - 1);
    return len;
}

void ts_softmax_steps(const double *z, size_t t, size_t k, double *y)
{
    for (size_t i = 0; i < t; i++) {
        double m = z[i * k], s = 0.0;
        for (size_t c = 1; c < k; c++)
            m = fmax(m, z[i * k + c]);
        for (size_t c = 0; c < k; c++)
            s += exp(z[i * k + c] - m);
        for (size_t c = 0; c < k; c++)
            y[i * k + c] = exp(z[i * k + c] - m) / s;
    }
}

nn_grey ts_grey_filled(size_t w, size_t h, uint8_t v)
{
    nn_grey g;
    nn_error err;
    assert_int_equal(nn_grey_alloc(w, h, 0, "t", &g, &err), NN_OK);
    memset(g.pixels, v, w * h);
    return g;
}

void ts_grey_rect(nn_grey *g, size_t x0, size_t y0, size_t x1, size_t y1, uint8_t v)
{
    for (size_t y = y0; y < y1; y++)
        for (size_t x = x0; x < x1; x++)
            g->pixels[y * g->width + x] = v;
}

void ts_png_filter_row(unsigned f, const uint8_t *row, const uint8_t *above, size_t n,
                       size_t bpp, uint8_t *out)
{
    for (size_t i = 0; i < n; i++) {
        int a = i >= bpp ? row[i - bpp] : 0, b = above[i], c = i >= bpp ? above[i - bpp] : 0;
        int pa = abs(b - c), pb = abs(a - c), pc = abs(a + b - 2 * c);
        int pred[5] = {0, a, b, (a + b) / 2, pa <= pb && pa <= pc ? a : pb <= pc ? b : c};
        out[i] = (uint8_t)(row[i] - pred[f]);
    }
}
