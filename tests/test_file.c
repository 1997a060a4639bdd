/* test_file.c - atomic whole-file writes: the bytes arrive, an existing file
 * is replaced whole, and a failure leaves neither a temporary file nor a
 * changed destination. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "nnclass/file.h"
#include "test_support.h"

static size_t read_back(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

static size_t entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static void test_write_and_replace(void **state)
{
    (void)state;
    char *dir = ts_make_tmpdir();
    char *path = ts_join(dir, "out.svg");
    char buf[64];
    nn_error err = {{0}};
    assert_int_equal(nn_file_write_atomic(path, "first version", 13, &err), NN_OK);
    assert_int_equal(read_back(path, buf, sizeof buf), 13);
    assert_memory_equal(buf, "first version", 13);
    assert_int_equal(nn_file_write_atomic(path, "second", 6, &err), NN_OK);
    assert_int_equal(read_back(path, buf, sizeof buf), 6);
    assert_memory_equal(buf, "second", 6);
    assert_int_equal(nn_file_write_atomic(path, "", 0, &err), NN_OK);
    assert_int_equal(read_back(path, buf, sizeof buf), 0);
    assert_int_equal(entries(dir), 1);
    free(path);
    ts_remove_tree(dir);
    free(dir);
}

static void test_failure_leaves_nothing(void **state)
{
    (void)state;
    char *dir = ts_make_tmpdir();
    char *missing = ts_join(dir, "no/such/folder/out.svg");
    nn_error err = {{0}};
    assert_int_equal(nn_file_write_atomic(missing, "x", 1, &err), NN_E_IO);
    assert_non_null(strstr(err.msg, missing));
    assert_non_null(strstr(err.msg, "cannot write"));
    /* A folder in the way of the rename: the temporary file goes away. */
    char *taken = ts_join(dir, "taken");
    assert_int_equal(mkdir(taken, 0755), 0);
    assert_int_equal(nn_file_write_atomic(taken, "x", 1, &err), NN_E_IO);
    assert_non_null(strstr(err.msg, "cannot replace"));
    assert_int_equal(entries(dir), 1);
    free(taken);
    free(missing);
    ts_remove_tree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_and_replace),
        cmocka_unit_test(test_failure_leaves_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
