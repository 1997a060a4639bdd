/* test_dataset.c - the data set view and its one check: every way a view can
 * be wrong, on its own and against a net, gives NN_E_MISMATCH and a message
 * that names the value at fault. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "nnclass/nn/dataset.h"
#include "nnclass/nn/net.h"

#define assert_msg_has(err, text)                                                        \
    do {                                                                                 \
        if (strstr((err)->msg, (text)) == NULL)                                          \
            fail_msg("message '%s' lacks '%s'", (err)->msg, (text));                     \
    } while (0)

static void test_view(void **state)
{
    (void)state;
    uint8_t pixels[12] = {0}, labels[2] = {1, 0};
    nn_dataset d = nn_dataset_view(pixels, labels, 2, 2, 3, 4);
    assert_int_equal(d.count, 2);
    assert_int_equal(d.n_in, 6);
    assert_int_equal(d.rows, 2);
    assert_int_equal(d.cols, 3);
    assert_ptr_equal(d.pixels, pixels);
    assert_ptr_equal(d.labels, labels);
    assert_int_equal(d.n_classes, 4);
}

static void test_check_on_its_own(void **state)
{
    (void)state;
    uint8_t pixels[16] = {0}, labels[4] = {0, 9, 3, 1};
    nn_error err = {{0}};
    nn_dataset d = nn_dataset_view(pixels, labels, 4, 2, 2, 10);
    assert_int_equal(nn_dataset_check(&d, NULL, &err), NN_OK);

    d.n_classes = 5;
    assert_int_equal(nn_dataset_check(&d, NULL, &err), NN_E_MISMATCH);
    assert_msg_has(&err, "label 9 at index 1");
    assert_msg_has(&err, "is not below the class count 5");

    d.n_classes = 0;
    assert_int_equal(nn_dataset_check(&d, NULL, &err), NN_E_MISMATCH);
    d.n_classes = NN_MAX_CLASSES + 1;
    assert_int_equal(nn_dataset_check(&d, NULL, &err), NN_E_MISMATCH);
    d.n_classes = 10;

    d.n_in = 5;
    assert_int_equal(nn_dataset_check(&d, NULL, &err), NN_E_MISMATCH);
    assert_msg_has(&err, "2x2");
    d.n_in = 4;

    /* The labels of a stream are checked before its pixels come. */
    d.pixels = NULL;
    assert_int_equal(nn_dataset_check(&d, NULL, &err), NN_OK);
    d.labels = NULL;
    assert_int_equal(nn_dataset_check(&d, NULL, &err), NN_E_MISMATCH);
    d.count = 0;
    assert_int_equal(nn_dataset_check(&d, NULL, &err), NN_OK);
}

static void test_check_against_a_net(void **state)
{
    (void)state;
    nn_net *net = NULL;
    nn_error err = {{0}};
    size_t sizes[] = {4, 3};
    assert_int_equal(nn_net_create(sizes, 2, NN_ACT_SIGMOID, &net, &err), NN_OK);
    uint8_t pixels[8] = {0}, labels[2] = {2, 0};
    nn_dataset d = nn_dataset_view(pixels, labels, 2, 2, 2, 3);
    assert_int_equal(nn_dataset_check(&d, net, &err), NN_OK);

    d = nn_dataset_view(pixels, labels, 1, 1, 3, 3);
    assert_int_equal(nn_dataset_check(&d, net, &err), NN_E_MISMATCH);
    assert_msg_has(&err, "4 inputs");

    d = nn_dataset_view(pixels, labels, 2, 2, 2, 4);
    assert_int_equal(nn_dataset_check(&d, net, &err), NN_E_MISMATCH);
    assert_msg_has(&err, "4 classes");

    d = nn_dataset_view(NULL, labels, 2, 2, 2, 3);
    assert_int_equal(nn_dataset_check(&d, net, &err), NN_E_MISMATCH);
    assert_msg_has(&err, "pixels");
    nn_net_free(net);

    /* A conv net takes its images' rows and cols, not only their size. */
    nn_layer table[3] = {{.kind = NN_LAYER_INPUT, .act = NN_ACT_NONE, .h = 2, .w = 2, .c = 1},
                         {.kind = NN_LAYER_CONV, .act = NN_ACT_RELU, .c = 2, .k = 1},
                         {.kind = NN_LAYER_DENSE, .act = NN_ACT_NONE, .c = 3}};
    assert_int_equal(nn_net_create_table(table, 3, &net, &err), NN_OK);
    d = nn_dataset_view(pixels, labels, 2, 2, 2, 3);
    assert_int_equal(nn_dataset_check(&d, net, &err), NN_OK);
    d = nn_dataset_view(pixels, labels, 2, 1, 4, 3);
    assert_int_equal(nn_dataset_check(&d, net, &err), NN_E_MISMATCH);
    assert_msg_has(&err, "1x4");
    nn_net_free(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_view),
        cmocka_unit_test(test_check_on_its_own),
        cmocka_unit_test(test_check_against_a_net),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
