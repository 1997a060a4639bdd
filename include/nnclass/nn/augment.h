/*
 * augment.h - distortions of training images that model other writers:
 * elastic deformation (Simard et al. 2003: a random displacement field
 * smoothed by a Gaussian), affine changes (rotation, scale, slant, aspect),
 * stroke width (thickening or thinning) and pen or scanner blur or
 * binarisation. Each works on one image of floats in [0, 1] (rows x cols,
 * row-major, ink high), in place, drawing its randomness from a seed, so
 * that the trainer gives every image of a step the same distortion on any
 * thread.
 */
#ifndef NNCLASS_AUGMENT_H
#define NNCLASS_AUGMENT_H

#include <stddef.h>
#include <stdint.h>

#include "nnclass/base/error.h"

/* What each image may undergo; every field 0 is no distortion at all. */
typedef struct {
    float elastic; /* RMS length in pixels of the smoothed field's displacements (0: none) */
    float rotate;  /* largest rotation either way, degrees */
    float scale;   /* largest relative change of size either way (0.1: 90..110 %) */
    float shear;   /* largest slant either way (x moves by shear * y) */
    float aspect;  /* largest relative change of width to height either way */
    size_t stroke; /* largest thickening or thinning, in pixels */
    int blur;      /* 1: a third slightly blurred, a third binarised, a third as they are */
    float keep;    /* share of the images left undistorted, drawn at random (0: none;
                      1: all, which turns the distortions above off) */
} nn_augment_options;

/* The Gaussian's sigma (pixels) that smooths the elastic field. */
#define NN_ELASTIC_SIGMA 4.0f

/* Caps checked by nn_augment_check. */
#define NN_MAX_ELASTIC 8.0f
#define NN_MAX_ROTATE 90.0f
#define NN_MAX_STROKE 4u

/* The strengths of --affine default: 10 degrees, 10 % size, 0.3 slant, 10 % aspect. */
void nn_augment_affine_default(nn_augment_options *o);

/* Non-zero when o distorts anything (some strength above 0, keep below 1). */
int nn_augment_active(const nn_augment_options *o);

/* Checks every strength is finite and within its cap, and keep in [0, 1];
 * NN_E_ARG naming the option (--elastic, --affine, --stroke,
 * --distort-share) otherwise. */
nn_status nn_augment_check(const nn_augment_options *o, nn_error *err);

/* Parses --affine's value into o's affine fields: "default", or any of
 * rotate=DEG,scale=F,shear=F,aspect=F (those left out are 0). NN_E_ARG with
 * the reason otherwise. */
nn_status nn_augment_parse_affine(const char *text, nn_augment_options *o, nn_error *err);

/* Floats of scratch space nn_augment_image needs for a rows x cols image. */
size_t nn_augment_scratch_floats(size_t rows, size_t cols);

/* Floats of tmp space nn_augment_field needs for a rows x cols image. */
size_t nn_augment_field_floats(size_t rows, size_t cols);

/* The elastic field of seed into dx and dy (rows x cols each): uniform
 * noise smoothed by a Gaussian of NN_ELASTIC_SIGMA pixels (made on a grid of
 * nodes that far apart and interpolated), scaled so that the RMS length of
 * its displacements is amount pixels. tmp holds nn_augment_field_floats. */
void nn_augment_field(uint64_t seed, size_t rows, size_t cols, float amount, float *dx,
                      float *dy, float *tmp);

/* Thickens the ink by k pixels (k > 0, grey dilation) or thins it by -k
 * (k < 0, grey erosion that keeps each stroke's ridge, so no stroke
 * vanishes). tmp holds rows x cols floats. */
void nn_augment_stroke(float *img, size_t rows, size_t cols, long k, float *tmp);

/* Distorts img as o says, with the randomness of seed (or, a share keep of
 * the seeds, leaves it as it is). scratch holds
 * nn_augment_scratch_floats(rows, cols) floats. */
void nn_augment_image(const nn_augment_options *o, uint64_t seed, float *img, size_t rows,
                      size_t cols, float *scratch);

#endif
