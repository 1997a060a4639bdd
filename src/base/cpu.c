/* cpu.c - the CPU's name and the vector path in use. */
#include "nnclass/base/cpu.h"

#include <stdio.h>
#include <string.h>

#include "vector_clones.h"

const char *nn_cpu_vector_path(void)
{
#ifdef NN_VECTOR_CLONES_ACTIVE
    /* The same tests, in the same order, as the target_clones resolver. */
    __builtin_cpu_init();
    if (__builtin_cpu_supports("x86-64-v4"))
        return "x86-64-v4";
    if (__builtin_cpu_supports("x86-64-v3"))
        return "x86-64-v3";
#endif
    return "baseline";
}

char *nn_cpu_model(char *out, size_t cap)
{
    if (cap == 0)
        return out;
    snprintf(out, cap, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return out;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        char *colon = strchr(line, ':');
        if (strncmp(line, "model name", 10) != 0 || !colon)
            continue;
        colon += 1 + (colon[1] == ' ');
        colon[strcspn(colon, "\n")] = '\0';
        if (*colon)
            snprintf(out, cap, "%s", colon);
        break;
    }
    fclose(f);
    return out;
}
