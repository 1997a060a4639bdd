/* main.c - the nnclass executable: everything is in the cli library. */
#include <stdlib.h>

#include "cli.h"

/* OpenBLAS starts a pool of worker threads as it initialises, one per CPU
 * unless OPENBLAS_NUM_THREADS says otherwise, and idle workers busy-wait for
 * about 0.1 s. nnclass trains with threads of its own and one-thread BLAS
 * calls, and eval and predict ask for more BLAS threads only with --threads
 * (the pool then grows), so one is the right default. This constructor runs
 * before OpenBLAS's own when OpenBLAS is linked in statically, as the build
 * does when it can; a user's own setting is kept. */
__attribute__((constructor(101))) static void default_one_blas_thread(void)
{
    setenv("OPENBLAS_NUM_THREADS", "1", 0);
}

int main(int argc, char **argv)
{
    cli_open_std_fds();
    cli_signals_init();
    nn_idx_set_threads(cli_usable_cpus());
    return cli_close_stdout(nnclass_main(argc, argv));
}
