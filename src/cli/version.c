/* version.c - `nnclass --version`: the release, the commit it was built
 * from, the BLAS and kernels it runs on, and the CPU: what a figure needs to
 * say where it came from. */
#include "cli.h"

#include <cblas.h>
#include <stdio.h>

#include "nnclass/base/cpu.h"
#include "nnclass_git.h" /* NNCLASS_GIT_COMMIT, written at build time */

int cli_print_version(FILE *out)
{
    /* openblas_get_config() reads like "OpenBLAS 0.3.21 DYNAMIC_ARCH
     * NO_AFFINITY Haswell MAX_THREADS=64"; the core name is the kernel set
     * picked for this CPU at start-up, which decides the bits of every sum. */
    fprintf(out, "nnclass %s\n", NNCLASS_VERSION);
    fprintf(out, "commit  %s\n", NNCLASS_GIT_COMMIT);
    fprintf(out, "blas    %s\n", openblas_get_config());
    fprintf(out, "core    %s\n", openblas_get_corename());
    /* nnclass's own vector loops: the clone the loader picked. */
    fprintf(out, "vector  %s\n", nn_cpu_vector_path());
    char model[256];
    fprintf(out, "cpu     %s\n", nn_cpu_model(model, sizeof model));
    fprintf(out, "licence MIT\n");
    return fflush(out) == 0 ? CLI_OK : CLI_EXIT_DATA;
}
