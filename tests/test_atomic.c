/* test_atomic.c - atomic writes: the whole new content or the old one, no
 * temporary file left by a commit, an abort or a signal handler's sweep. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nnclass/base/atomic.h"
#include "test_support.h"

/* The number of entries of dir (other than . and ..). */
static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static void assert_content(const char *path, const char *want)
{
    char got[64] = {0};
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t n = fread(got, 1, sizeof got - 1, f);
    fclose(f);
    assert_int_equal(n, strlen(want));
    assert_string_equal(got, want);
}

static void test_save_replaces_whole(void **state)
{
    (void)state;
    char *dir = ts_make_tmpdir();
    char *path = ts_join(dir, "out.bin");
    nn_error err = {{0}};
    assert_int_equal(nn_atomic_save(path, "first", 5, &err), NN_OK);
    assert_int_equal(nn_atomic_save(path, "second", 6, &err), NN_OK);
    assert_content(path, "second");
    assert_int_equal(entries(dir), 1);
    free(path);
    ts_remove_tree(dir);
    free(dir);
}

static void test_save_into_missing_folder_fails(void **state)
{
    (void)state;
    char *dir = ts_make_tmpdir();
    char *path = ts_join(dir, "no/such/out.bin");
    nn_error err = {{0}};
    assert_int_equal(nn_atomic_save(path, "x", 1, &err), NN_E_IO);
    assert_non_null(strstr(err.msg, "out.bin: cannot write"));
    assert_int_equal(entries(dir), 0);
    free(path);
    ts_remove_tree(dir);
    free(dir);
}

static void test_abort_keeps_old(void **state)
{
    (void)state;
    char *dir = ts_make_tmpdir();
    char *path = ts_join(dir, "out.bin");
    nn_error err = {{0}};
    assert_int_equal(nn_atomic_save(path, "old", 3, &err), NN_OK);
    nn_atomic_file *f = NULL;
    assert_int_equal(nn_atomic_open(path, &f, &err), NN_OK);
    assert_int_equal(nn_atomic_write(f, "new", 3, &err), NN_OK);
    assert_int_equal(entries(dir), 2);
    nn_atomic_abort(f);
    assert_content(path, "old");
    assert_int_equal(entries(dir), 1);
    free(path);
    ts_remove_tree(dir);
    free(dir);
}

/* What a signal handler does before the process dies: every open temporary
 * file goes; the committed files stay; the slots are not reused meanwhile. */
static void test_remove_temps_sweeps_open_files(void **state)
{
    (void)state;
    char *dir = ts_make_tmpdir();
    char *kept = ts_join(dir, "kept.bin");
    nn_error err = {{0}};
    assert_int_equal(nn_atomic_save(kept, "kept", 4, &err), NN_OK);
    nn_atomic_file *f[3];
    for (int i = 0; i < 3; i++) {
        char name[32];
        snprintf(name, sizeof name, "open%d.bin", i);
        char *path = ts_join(dir, name);
        assert_int_equal(nn_atomic_open(path, &f[i], &err), NN_OK);
        assert_int_equal(nn_atomic_write(f[i], "partial", 7, &err), NN_OK);
        free(path);
    }
    assert_int_equal(entries(dir), 4);
    nn_atomic_remove_temps();
    assert_int_equal(entries(dir), 1);
    assert_content(kept, "kept");
    for (int i = 0; i < 3; i++)
        nn_atomic_abort(f[i]); /* the test goes on living: free them */
    free(kept);
    ts_remove_tree(dir);
    free(dir);
}

/* More files open at once than the registry has slots still work. */
static void test_many_open_files(void **state)
{
    (void)state;
    char *dir = ts_make_tmpdir();
    enum { N = 40 };
    nn_atomic_file *f[N];
    nn_error err = {{0}};
    for (int i = 0; i < N; i++) {
        char name[32];
        snprintf(name, sizeof name, "f%02d.bin", i);
        char *path = ts_join(dir, name);
        assert_int_equal(nn_atomic_open(path, &f[i], &err), NN_OK);
        assert_int_equal(nn_atomic_write(f[i], name, strlen(name), &err), NN_OK);
        free(path);
    }
    for (int i = 0; i < N; i++)
        assert_int_equal(nn_atomic_commit(f[i], &err), NN_OK);
    assert_int_equal(entries(dir), N);
    ts_remove_tree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_save_replaces_whole),
        cmocka_unit_test(test_save_into_missing_folder_fails),
        cmocka_unit_test(test_abort_keeps_old),
        cmocka_unit_test(test_remove_temps_sweeps_open_files),
        cmocka_unit_test(test_many_open_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
