/*
 * probe_sgemm — what one core of OpenBLAS delivers at nnclass's training shapes.
 *
 * The 784-16-10 network is small enough that its training is bound by the two
 * big products of the first layer, so their measured rate gives a limit on how
 * fast an epoch can possibly be. scripts/bench.sh turns the figure printed
 * here into seconds per epoch and sets nnclass's epoch time against it.
 *
 * Shapes (row-major, B = minibatch, X is (B,784), W is (16,784)):
 *   fwd   Z  = X · W^T        Z is (B,16)     cblas_sgemm NoTrans, Trans
 *   wgrad dW = dZ^T · X       dW is (16,784)  cblas_sgemm Trans, NoTrans
 *   gemv  z  = W · x          z is (16)       cblas_sgemv, one image
 * each doing 2·16·784 FLOP per image. train_bB is fwd + wgrad together (the
 * two calls per minibatch), the rate used for the epoch limit.
 *
 * cnn_train_part16 is every sgemm of one training step of the default CNN
 * (28x28,conv5x5x16,pool2,conv5x5x32,pool2,128,10) on one part of a
 * minibatch of 64 (16 images: nnclass cuts a minibatch in 4 parts), at the
 * shapes nnclass uses: conv layers lowered by im2col in chunks of at most
 * 2,048 output positions (conv1: 1728x16x25 per 3 images; conv2:
 * 1024x32x400), forward, weight gradient and (but for conv1) input
 * gradient; the dense layers at 16 rows. It is the ceiling of nnclass's
 * convolution rate on one core, im2col, pooling and the rest aside.
 *
 * Usage: probe_sgemm [--seconds S]   (time per measurement, default 0.05)
 * Output: one `name=value` per line, GFLOP/s, best of 5 measurements each,
 * then the OpenBLAS build (config=..., core=...).
 *
 * Build: cc -O2 probe_sgemm.c $(pkg-config --cflags --libs openblas)
 */
#define _POSIX_C_SOURCE 200809L
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define N_IN 784
#define N_HID 16
#define MAX_BATCH 64
#define MEASUREMENTS 5

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static float *X, *W, *Z, *dZ, *dW;
static volatile float sink;

enum kernel { FWD, WGRAD, TRAIN, GEMV, CNN };

/* Scratch for the CNN shapes, all of the largest product's size. */
#define CNN_FLOATS (1024 * 400)
static float *A, *Bm, *Cm;
static double cnn_flop; /* FLOP of one CNN part step, set by cnn_step */

/* fwd Z (m,n) = A (m,k) · B^T; wgrad dW (n,k) = dZ^T · A; igrad dA (m,k) = dZ · W. */
static void cnn_layer(int m, int n, int k, int igrad)
{
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1.0f, A, k, Bm, k, 0.0f, Cm, n);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n, k, m, 1.0f, Cm, n, A, k, 0.0f, Bm, k);
    if (igrad)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, k, n, 1.0f, Cm, n, Bm, k, 0.0f,
                    A, k);
    cnn_flop += 2.0 * m * n * k * (igrad ? 3 : 2);
}

static void cnn_step(void)
{
    cnn_flop = 0;
    for (int i = 0; i < 5; i++)
        cnn_layer(3 * 576, 16, 25, 0); /* conv1, 3 images a chunk */
    cnn_layer(576, 16, 25, 0);          /* the 16th image */
    cnn_layer(16 * 64, 32, 400, 1);     /* conv2 */
    cnn_layer(16, 128, 512, 1);         /* dense 512 -> 128 */
    cnn_layer(16, 10, 128, 1);          /* dense 128 -> 10 */
}

/* One call (or pair of calls, for TRAIN) of the kernel at batch size b. */
static void run(enum kernel k, int b)
{
    switch (k) {
    case FWD: /* Z (b,16) = X (b,784) · W^T (784,16) */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, b, N_HID, N_IN, 1.0f, X, N_IN, W,
                    N_IN, 0.0f, Z, N_HID);
        break;
    case WGRAD: /* dW (16,784) = dZ^T (16,b) · X (b,784) */
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, N_HID, N_IN, b, 1.0f, dZ, N_HID, X,
                    N_IN, 0.0f, dW, N_IN);
        break;
    case TRAIN:
        run(FWD, b);
        run(WGRAD, b);
        break;
    case GEMV: /* z (16) = W (16,784) · x (784) */
        cblas_sgemv(CblasRowMajor, CblasNoTrans, N_HID, N_IN, 1.0f, W, N_IN, X, 1, 0.0f, Z, 1);
        break;
    case CNN:
        cnn_step();
        break;
    }
}

/* Best GFLOP/s over MEASUREMENTS timed loops of about `secs` seconds each. */
static double gflops(enum kernel k, int b, double secs)
{
    if (k == CNN)
        cnn_step();
    double flop_per_call = k == CNN ? cnn_flop
                                    : 2.0 * N_HID * N_IN * (k == GEMV ? 1 : b) * (k == TRAIN ? 2 : 1);
    long iters = 1;
    double best = 0.0;

    /* warm up and find an iteration count that fills `secs` */
    for (;;) {
        double t0 = now_s();
        for (long i = 0; i < iters; i++)
            run(k, b);
        double dt = now_s() - t0;
        if (dt >= secs / 4)
            break;
        iters *= 2;
    }
    iters *= 4;
    for (int m = 0; m < MEASUREMENTS; m++) {
        double t0 = now_s();
        for (long i = 0; i < iters; i++)
            run(k, b);
        double dt = now_s() - t0;
        double rate = flop_per_call * (double)iters / dt / 1e9;
        if (rate > best)
            best = rate;
    }
    sink = Z[0] + dW[0];
    return best;
}

static float *filled(size_t n, unsigned *seed)
{
    float *p = malloc(n * sizeof *p);
    if (!p) {
        fprintf(stderr, "probe_sgemm: out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < n; i++) {
        *seed = *seed * 1664525u + 1013904223u;
        p[i] = (float)(*seed >> 8) / 16777216.0f - 0.5f;
    }
    return p;
}

int main(int argc, char **argv)
{
    double secs = 0.05;
    unsigned seed = 1;
    static const int batches[] = {32, 64};

    if (argc == 3 && strcmp(argv[1], "--seconds") == 0)
        secs = atof(argv[2]);
    else if (argc != 1) {
        fprintf(stderr, "usage: probe_sgemm [--seconds S]\n");
        return 2;
    }
    if (!(secs > 0)) {
        fprintf(stderr, "probe_sgemm: --seconds: must be positive\n");
        return 2;
    }
    openblas_set_num_threads(1);
    X = filled((size_t)MAX_BATCH * N_IN, &seed);
    W = filled((size_t)N_HID * N_IN, &seed);
    Z = filled((size_t)MAX_BATCH * N_HID, &seed);
    dZ = filled((size_t)MAX_BATCH * N_HID, &seed);
    dW = filled((size_t)N_HID * N_IN, &seed);

    for (size_t i = 0; i < sizeof batches / sizeof batches[0]; i++) {
        int b = batches[i];
        printf("sgemm_fwd_b%d_gflops=%.2f\n", b, gflops(FWD, b, secs));
        printf("sgemm_wgrad_b%d_gflops=%.2f\n", b, gflops(WGRAD, b, secs));
        printf("sgemm_train_b%d_gflops=%.2f\n", b, gflops(TRAIN, b, secs));
    }
    printf("sgemv_16x784_gflops=%.2f\n", gflops(GEMV, 1, secs));
    A = filled(CNN_FLOATS, &seed);
    Bm = filled(CNN_FLOATS, &seed);
    Cm = filled(CNN_FLOATS, &seed);
    printf("cnn_train_part16_gflops=%.2f\n", gflops(CNN, 16, secs));
    free(A);
    free(Bm);
    free(Cm);
    printf("threads=%d\n", openblas_get_num_threads());
    printf("config=%s\n", openblas_get_config());
    printf("core=%s\n", openblas_get_corename());
    free(X);
    free(W);
    free(Z);
    free(dZ);
    free(dW);
    return 0;
}
