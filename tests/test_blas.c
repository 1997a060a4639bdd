/* test_blas.c - the room check for OpenBLAS's buffers: refused under an
 * address-space limit that cannot hold one, granted without a limit, and
 * the warm-up then idempotent. Run in a child process, whose limit the
 * test may lower. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "nnclass/nn/blas.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

#ifndef UNDER_ASAN
/* The address space this process maps now, in bytes (0 if unknown). */
static size_t mapped_now(void)
{
    unsigned long pages = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f == NULL)
        return 0;
    if (fscanf(f, "%lu", &pages) != 1)
        pages = 0;
    fclose(f);
    return (size_t)pages * (size_t)sysconf(_SC_PAGESIZE);
}
#endif

static void test_room_without_limit(void **state)
{
    (void)state;
    nn_error err = {{0}};
    assert_int_equal(nn_blas_room(2, 1, &err), NN_OK);
    assert_int_equal(nn_blas_warm(&err), NN_OK);
    assert_int_equal(nn_blas_warm(&err), NN_OK);
}

/* Under a limit 32 MiB above what is mapped: no 128 MiB buffer fits. The
 * child exits 0 when the check says so, with the message it expects. */
static void test_refused_under_limit(void **state)
{
    (void)state;
#ifdef UNDER_ASAN
    skip(); /* the sanitizer's shadow memory needs the address space */
#else
    size_t now = mapped_now();
    if (now == 0)
        skip();
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct rlimit rl = {now + ((size_t)32 << 20), now + ((size_t)32 << 20)};
        if (setrlimit(RLIMIT_AS, &rl) != 0)
            _exit(3);
        nn_error err = {{0}};
        if (nn_blas_room(1, 0, &err) != NN_E_NOMEM)
            _exit(1);
        if (strstr(err.msg, "out of memory") == NULL || nn_blas_warm(&err) != NN_E_NOMEM)
            _exit(2);
        if (nn_blas_room(0, 0, &err) != NN_OK)
            _exit(4);
        _exit(0);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refused_under_limit),
        cmocka_unit_test(test_room_without_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
