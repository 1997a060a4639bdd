/* test_readfile.c - whole files into memory: regular files and pipes, the
 * size cap for each, directories, missing files and the early stop. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "nnclass/base/readfile.h"
#include "test_support.h"

static uint8_t pattern[50000];

static int setup(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof pattern; i++)
        pattern[i] = (uint8_t)(i * 13 + 1);
    return 0;
}

static void test_regular_file(void **state)
{
    (void)state;
    char *dir = ts_make_tmpdir();
    char *path = ts_join(dir, "f.bin");
    assert_int_equal(ts_write_file(path, pattern, sizeof pattern), 0);
    uint8_t *data = NULL;
    size_t len = 0;
    nn_error err = {{0}};
    assert_int_equal(nn_read_file(path, "thing", sizeof pattern, NULL, &data, &len, &err),
                     NN_OK);
    assert_int_equal(len, sizeof pattern);
    assert_memory_equal(data, pattern, len);
    free(data);
    /* One byte over the cap: refused before reading, with the size. */
    assert_int_equal(nn_read_file(path, "thing", sizeof pattern - 1, NULL, &data, &len, &err),
                     NN_E_TOO_LARGE);
    assert_null(data);
    assert_non_null(strstr(err.msg, "f.bin: 50000 bytes, larger than any thing"));
    free(path);
    ts_remove_tree(dir);
    free(dir);
}

static void test_empty_file(void **state)
{
    (void)state;
    char *dir = ts_make_tmpdir();
    char *path = ts_join(dir, "empty");
    assert_int_equal(ts_write_file(path, "", 0), 0);
    uint8_t *data = NULL;
    size_t len = 1;
    nn_error err = {{0}};
    assert_int_equal(nn_read_file(path, "thing", 10, NULL, &data, &len, &err), NN_OK);
    assert_int_equal(len, 0);
    assert_non_null(data);
    free(data);
    free(path);
    ts_remove_tree(dir);
    free(dir);
}

/* A pipe: no size to trust, the buffer grows as bytes arrive. */
static void test_pipe(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(write(fds[1], pattern, sizeof pattern),
                     (ssize_t)sizeof pattern);
    close(fds[1]);
    uint8_t *data = NULL;
    size_t len = 0;
    nn_error err = {{0}};
    assert_int_equal(nn_read_fd(fds[0], "pipe", "thing", 1 << 20, NULL, &data, &len, &err),
                     NN_OK);
    close(fds[0]);
    assert_int_equal(len, sizeof pattern);
    assert_memory_equal(data, pattern, len);
    free(data);
}

static void test_pipe_over_the_cap(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(write(fds[1], pattern, 1000), 1000);
    close(fds[1]);
    uint8_t *data = NULL;
    size_t len = 0;
    nn_error err = {{0}};
    assert_int_equal(nn_read_fd(fds[0], "pipe", "thing", 999, NULL, &data, &len, &err),
                     NN_E_TOO_LARGE);
    close(fds[0]);
    assert_null(data);
    assert_non_null(strstr(err.msg, "pipe: more than 999 bytes, larger than any thing"));
}

static void test_directory_and_missing(void **state)
{
    (void)state;
    char *dir = ts_make_tmpdir();
    uint8_t *data = NULL;
    size_t len = 0;
    nn_error err = {{0}};
    assert_int_equal(nn_read_file(dir, "thing", 10, NULL, &data, &len, &err), NN_E_IO);
    assert_non_null(strstr(err.msg, "is a directory, not a thing file"));
    char *path = ts_join(dir, "missing");
    assert_int_equal(nn_read_file(path, "thing", 10, NULL, &data, &len, &err), NN_E_IO);
    assert_non_null(strstr(err.msg, "missing: cannot open"));
    free(path);
    ts_remove_tree(dir);
    free(dir);
}

static int stop_calls;

static int stop_at_once(const uint8_t *data, size_t len)
{
    (void)data;
    (void)len;
    stop_calls++;
    return 1;
}

/* The early stop: reading ends as soon as the bytes decide, even on a
 * stream that would go on far past the cap. */
static void test_stop_early(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(write(fds[1], pattern, 100), 100); /* and the writer stays open */
    uint8_t *data = NULL;
    size_t len = 0;
    nn_error err = {{0}};
    stop_calls = 0;
    assert_int_equal(nn_read_fd(fds[0], "pipe", "thing", 1 << 20, stop_at_once, &data, &len,
                                &err),
                     NN_OK);
    assert_int_equal(stop_calls, 1);
    assert_int_equal(len, 100);
    free(data);
    close(fds[0]);
    close(fds[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_regular_file),
        cmocka_unit_test(test_empty_file),
        cmocka_unit_test(test_pipe),
        cmocka_unit_test(test_pipe_over_the_cap),
        cmocka_unit_test(test_directory_and_missing),
        cmocka_unit_test(test_stop_early),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
