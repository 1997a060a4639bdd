/* vector_clones.h - NN_VECTOR_CLONES, put before a hot loop's function,
 * compiles it once per x86-64 level (AVX-512, AVX2, the baseline) and lets
 * the dynamic loader pick the best one for the CPU it runs on, so the
 * binary stays portable and still uses wide vectors. It changes no result:
 * the loops it is used on do one correctly rounded operation at a time, in
 * the same order in every clone. Only with GCC on x86-64 Linux (ifunc), and
 * not under ThreadSanitizer; elsewhere it is empty. */
#ifndef NNCLASS_VECTOR_CLONES_H
#define NNCLASS_VECTOR_CLONES_H

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) && \
    !defined(__SANITIZE_THREAD__) /* its instrumented resolvers would run before it starts */
#define NN_VECTOR_CLONES \
    __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define NN_VECTOR_CLONES
#endif

#endif
