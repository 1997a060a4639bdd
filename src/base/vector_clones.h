/* vector_clones.h - NN_VECTOR_CLONES, put before a hot loop's function,
 * compiles it once per x86-64 level (AVX-512, AVX2, the baseline) and lets
 * the dynamic loader pick the best one for the CPU it runs on, so the
 * binary stays portable and still uses wide vectors. It changes no result:
 * the loops it is used on do one correctly rounded operation at a time, in
 * the same order in every clone (and the build forbids contracting a
 * multiply and an add into one FMA). Only with GCC on x86-64 Linux (ifunc),
 * not under ThreadSanitizer, and not when the build asks for the baseline
 * path alone (cmake -DNNCLASS_VECTOR_CLONES=OFF, which scripts/test.sh uses
 * to check that the clones change no bit); elsewhere it is empty. */
#ifndef NNCLASS_VECTOR_CLONES_H
#define NNCLASS_VECTOR_CLONES_H

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) && \
    !defined(__SANITIZE_THREAD__) /* its instrumented resolvers would run before it starts */ && \
    !defined(NNCLASS_NO_VECTOR_CLONES)
#define NN_VECTOR_CLONES \
    __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#define NN_VECTOR_CLONES_ACTIVE 1
#else
#define NN_VECTOR_CLONES
#endif

#endif
