/* test_trainlog.c - reading training logs back: the fields train --log
 * writes come back as epochs, optional fields default to -1, unknown fields
 * of any JSON shape are skipped, and every kind of malformed line is refused
 * with the file name and the line number. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nnclass/report/trainlog.h"

static void test_good_log(void **state)
{
    (void)state;
    const char *log =
        "{\"epoch\":1,\"epochs\":3,\"loss\":0.5,\"train_accuracy\":0.9,\"val_accuracy\":0.91,"
        "\"best\":true,\"seconds\":1.5,\"lr\":0.05,\"val_loss\":0.3}\n"
        "\n   \r\n"
        "{ \"epoch\" : 2 , \"loss\":2.5e-1,\"train_accuracy\":0.95,\"val_accuracy\":null,"
        "\"note\":{\"a\":[1,\"x\\\"y\\u00e9\",[],{}]},\"ok\":false}\r\n"
        "{\"train_accuracy\":1,\"loss\":0,\"epoch\":7}\n"
        "{\"epoch\":8,\"loss\":null,\"errors\":12,\"train_accuracy\":0.99}\n"
        "{\"split\":\"test\",\"dataset\":\"mnist\",\"correct\":9,\"total\":10,"
        "\"test_accuracy\":0.9,\"test_loss\":0.3}\n"; /* the test record: skipped */
    nn_svg_epoch *e = NULL;
    size_t n = 0;
    nn_error err = {{0}};
    assert_int_equal(nn_trainlog_parse(log, strlen(log), "a.jsonl", &e, &n, &err), NN_OK);
    assert_int_equal(n, 4);
    assert_int_equal(e[0].epoch, 1);
    assert_true(e[0].loss == 0.5 && e[0].train_accuracy == 0.9);
    assert_true(e[0].val_accuracy == 0.91 && e[0].lr == 0.05 && e[0].val_loss == 0.3);
    assert_int_equal(e[1].epoch, 2);
    assert_true(e[1].loss == 0.25 && e[1].val_accuracy == -1.0 && e[1].lr == -1.0);
    assert_true(e[1].val_loss == -1.0);
    assert_int_equal(e[2].epoch, 7);
    assert_true(e[2].train_accuracy == 1.0 && e[2].loss == 0.0);
    assert_int_equal(e[3].epoch, 8);
    assert_true(e[3].loss == -1.0 && e[3].train_accuracy == 0.99);
    free(e);

    assert_int_equal(nn_trainlog_parse("", 0, "empty", &e, &n, &err), NN_OK);
    assert_int_equal(n, 0);
    assert_null(e);
}

static void test_bad_lines(void **state)
{
    (void)state;
    static const struct {
        const char *line, *msg;
    } cases[] = {
        {"", NULL}, /* blank: fine */
        {"{", "unexpected end of line"},
        {"{\"epoch\":2,\"loss\":0.4", "unexpected end of line"},
        {"{\"epoch\":2,\"loss\":0.4,}", "expected a string"},
        {"[]", "not a JSON object"},
        {"epoch 2", "not a JSON object"},
        {"{\"epoch\":2,\"loss\":0.4,\"train_accuracy\":0.9}{}", "text after the JSON object"},
        {"{\"epoch\":2,\"loss\":01,\"train_accuracy\":0.9}", "expected ',' or '}'"},
        {"{\"epoch\":2,\"loss\":.5,\"train_accuracy\":0.9}", "bad number"},
        {"{\"epoch\":2,\"loss\":1.,\"train_accuracy\":0.9}", "bad number"},
        {"{\"epoch\":2,\"loss\":1e,\"train_accuracy\":0.9}", "bad number"},
        {"{\"epoch\":2,\"loss\":Infinity,\"train_accuracy\":0.9}", "bad number"},
        {"{\"epoch\":2,\"loss\":1e999,\"train_accuracy\":0.9}", "\"loss\" is not a finite"},
        {"{\"epoch\":2,\"loss\":-0.1,\"train_accuracy\":0.9}", "\"loss\" is not a finite"},
        {"{\"epoch\":2,\"loss\":true,\"train_accuracy\":0.9}", "\"loss\" must be a number"},
        {"{\"epoch\":null,\"loss\":0.1,\"train_accuracy\":0.9}", "\"epoch\" must be a number"},
        {"{\"epoch\":0,\"loss\":0.1,\"train_accuracy\":0.9}", "\"epoch\" is not a whole"},
        {"{\"epoch\":2,\"loss\":0.1,\"train_accuracy\":-0.1}", "\"train_accuracy\" is not"},
        {"{\"epoch\":2,\"loss\":0.1,\"train_accuracy\":0.9,\"val_accuracy\":2}", "\"val_accuracy\""},
        {"{\"epoch\":2,\"loss\":0.1,\"train_accuracy\":0.9,\"lr\":-1}", "\"lr\" is not"},
        {"{\"epoch\":2,\"loss\":0.1,\"train_accuracy\":0.9,\"val_loss\":-2}", "\"val_loss\" is not"},
        {"{\"epoch\":2,\"loss\":0.1,\"train_accuracy\":0.9,\"val_loss\":null}", NULL},
        {"{\"epoch\":2,\"loss\":0.1,\"train_accuracy\":0.9,\"lr\":1,\"lr\":2}", "\"lr\" appears twice"},
        {"{\"loss\":0.1,\"train_accuracy\":0.9}", "no \"epoch\" field"},
        {"{\"epoch\":2,\"train_accuracy\":0.9}", "no \"loss\" field"},
        {"{\"epoch\":2,\"loss\":0.1}", "no \"train_accuracy\" field"},
        {"{\"epoch\":1,\"loss\":0.1,\"train_accuracy\":0.9}", "epochs do not increase"},
        {"{\"epoch\":2,\"loss\":0.1,\"train_accuracy\":0.9,\"s\":\"a\tb\"}", "control character"},
        {"{\"epoch\":2,\"loss\":0.1,\"train_accuracy\":0.9,\"s\":\"\\x\"}", "bad escape"},
        {"{\"epoch\":2,\"loss\":0.1,\"train_accuracy\":0.9,\"s\":\"\\u12g4\"}", "bad \\u escape"},
        {"{\"epoch\":2,\"loss\":0.1,\"train_accuracy\":0.9,\"s\":\"abc}", "unterminated string"},
        {"{\"epoch\":2,\"loss\":0.1,\"train_accuracy\":0.9,\"s\":tru}", "unexpected character"},
        {"{\"epoch\":2,\"loss\":0.1,\"train_accuracy\":0.9,\"a\":[1 2]}", "expected ',' or ']'"},
        {"{\"epoch\":2 \"loss\":0.1}", "expected ',' or '}'"},
        {"{\"epoch\" 2}", "expected ':'"},
        {"{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
         "nested too deeply"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[512];
        snprintf(buf, sizeof buf, "{\"epoch\":1,\"loss\":0.5,\"train_accuracy\":0.9}\n%s\n",
                 cases[i].line);
        nn_svg_epoch *e = NULL;
        size_t n = 0;
        nn_error err = {{0}};
        nn_status st = nn_trainlog_parse(buf, strlen(buf), "b.jsonl", &e, &n, &err);
        if (cases[i].msg == NULL) {
            assert_int_equal(st, NN_OK);
            free(e);
            continue;
        }
        if (st != NN_E_FORMAT || strncmp(err.msg, "b.jsonl:2: ", 11) != 0 ||
            strstr(err.msg, cases[i].msg) == NULL)
            fail_msg("line '%s': status %d, message '%s', want '%s'", cases[i].line, (int)st,
                     err.msg, cases[i].msg);
        assert_null(e);
        assert_int_equal(n, 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_log),
        cmocka_unit_test(test_bad_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
