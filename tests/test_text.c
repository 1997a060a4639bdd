/* test_text.c - which characters of outside text are controls. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "nnclass/base/text.h"

/* Every control, its length and its code point. */
static void test_controls(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        size_t len;
        unsigned code;
    } cases[] = {
        {"\x01", 1, 0x01},           {"\x1b[", 1, 0x1b},          {"\x7f", 1, 0x7f},
        {"\n", 1, 0x0a},             {"\xc2\x80", 2, 0x80},       {"\xc2\x9f", 2, 0x9f},
        {"\xd8\x9c", 2, 0x61c},      {"\xe2\x80\x8e", 3, 0x200e}, {"\xe2\x80\x8f", 3, 0x200f},
        {"\xe2\x80\xaa", 3, 0x202a}, {"\xe2\x80\xae", 3, 0x202e}, {"\xe2\x81\xa6", 3, 0x2066},
        {"\xe2\x81\xa9", 3, 0x2069},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(nn_text_control_len(cases[i].s), cases[i].len);
        assert_int_equal(nn_text_control_code(cases[i].s), cases[i].code);
    }
}

/* Printable text, their neighbours and sequences cut short are not. */
static void test_not_controls(void **state)
{
    (void)state;
    static const char *const cases[] = {
        "",         " ",        "a",        "~",        "\xc2\xa0", "\xc3\xa9", "\xd8\x9b",
        "\xe2\x80\x8d", "\xe2\x80\x90", "\xe2\x80\xa9", "\xe2\x80\xaf", "\xe2\x81\xa5",
        "\xe2\x81\xaa", "\xe2\x80", "\xe2",     "\xc2",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(nn_text_control_len(cases[i]), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_controls),
        cmocka_unit_test(test_not_controls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
