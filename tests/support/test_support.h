/* test_support.h - small helpers shared by the unit tests: temporary folders,
 * writing raw and gzipped files, IDX headers, and subsets of the real MNIST. */
#ifndef NNCLASS_TEST_SUPPORT_H
#define NNCLASS_TEST_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

#include "nnclass/nn/dataset.h"
#include "nnclass/io/idx.h"
#include "nnclass/io/image.h"
#include "nnclass/nn/net.h"

/* The project's data folder (NNCLASS_TEST_DATA, set by ctest). */
const char *ts_data_dir(void);

/* A new empty temporary folder; caller frees the string and removes the
 * folder with ts_remove_tree. */
char *ts_make_tmpdir(void);

/* Removes a folder and everything in it. */
void ts_remove_tree(const char *dir);

/* dir + "/" + name in a malloc'd string. */
char *ts_join(const char *dir, const char *name);

/* Writes len bytes to path, raw or as one gzip member; 0 on success. */
int ts_write_file(const char *path, const void *buf, size_t len);
int ts_write_gz(const char *path, const void *buf, size_t len);

/* Writes an IDX header (magic then ndims big-endian 32-bit dims) into out,
 * which must hold 4 + 4 * ndims bytes; returns the header length. */
size_t ts_idx_header(uint8_t *out, uint32_t magic, const uint32_t *dims, int ndims);

/* Loads the first n images and labels of the real MNIST "train" or "t10k"
 * set (n = 0: all); aborts the test on failure. */
void ts_load_mnist(const char *split, size_t n, nn_images *images, nn_labels *labels);

/* The view of loaded images and their labels, of n_classes classes (the
 * image count; the labels must be at least as many). */
nn_dataset ts_view(const nn_images *images, const nn_labels *labels, size_t n_classes);

/* A training workspace of net for batch images; aborts the test on failure.
 * The caller frees it with nn_workspace_free. */
nn_workspace *ts_workspace(const nn_net *net, size_t batch);

/* A net made from the layer table spec (as --layers reads it, hidden
 * layers defaulting to act), zeroed; aborts the test on failure. The
 * caller frees it with nn_net_free. */
nn_net *ts_parse_net(const char *spec, nn_activation act);

/* Fills v with n values drawn uniformly from [-scale, scale), from seed. */
void ts_fill_uniform(float *v, size_t n, float scale, uint64_t seed);

/* The labelling a CTC path of t steps (class 0 the blank) collapses to:
 * repeats merged, blanks dropped, class c written as label c - 1, into
 * out; its length. The reference the CTC loss and decoders are checked
 * against. */
size_t ts_ctc_collapse(const size_t *path, size_t t, uint16_t *out);

/* Per-step softmax of scores z (t, k) into y, in double precision. */
void ts_softmax_steps(const double *z, size_t t, size_t k, double *y);

/* A w x h grey image filled with v; aborts the test on failure. The caller
 * frees it with nn_grey_free. */
nn_grey ts_grey_filled(size_t w, size_t h, uint8_t v);

/* Paints the rectangle [x0, x1) x [y0, y1) of g with v. */
void ts_grey_rect(nn_grey *g, size_t x0, size_t y0, size_t x1, size_t y1, uint8_t v);

/* Filters a row of n bytes (bpp a pixel) with PNG filter f (0-4) as the
 * specification defines it, above = the row before (zeros for the first). */
void ts_png_filter_row(unsigned f, const uint8_t *row, const uint8_t *above, size_t n,
                       size_t bpp, uint8_t *out);

#endif
