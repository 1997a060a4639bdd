/* cpu.h - what this CPU is and which of nnclass's own vector paths runs on
 * it, so that a figure can say where it came from (`nnclass --version`). */
#ifndef NNCLASS_CPU_H
#define NNCLASS_CPU_H

#include <stddef.h>

/* The vector path the loader picked for the loops built with
 * NN_VECTOR_CLONES: "x86-64-v4" (AVX-512), "x86-64-v3" (AVX2) or
 * "baseline" (also on other architectures and in builds without clones).
 * A static string. */
const char *nn_cpu_vector_path(void);

/* Writes the CPU's model name (Linux's /proc/cpuinfo "model name", or
 * "unknown") into out, truncated to cap bytes; returns out. */
char *nn_cpu_model(char *out, size_t cap);

#endif
