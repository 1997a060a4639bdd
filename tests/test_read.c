/* test_read.c - the output side of `nnclass read`: a digit's span from its
 * CTC steps to strip columns and, through a strip's map, to the image's
 * columns (inside the image, ordered, never empty); the number's text and
 * probability; the JSON record; and the SVG of numbers (escaped, the same
 * bytes for the same input). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "read.h"

/* A reading of the digits of text, digit i emitted in steps [first[i], last[i]]. */
static nn_ctc_reading reading_of(const char *text, const size_t *first, const size_t *last,
                                 double logp)
{
    nn_ctc_reading r;
    memset(&r, 0, sizeof r);
    r.len = strlen(text);
    for (size_t i = 0; i < r.len; i++) {
        r.sym[i].label = (uint16_t)(text[i] - '0');
        r.sym[i].first = first[i];
        r.sym[i].last = last[i];
        r.sym[i].prob = 0.9f;
    }
    r.logp = logp;
    return r;
}

static void test_strip_span(void **state)
{
    (void)state;
    nn_ctc_symbol s = {3, 4, 5, 1.0f};
    size_t from, to;
    read_strip_span(&s, 32, &from, &to); /* 4 columns a step */
    assert_int_equal(from, 16);
    assert_int_equal(to, 24);
    s.first = 31, s.last = 31;
    read_strip_span(&s, 32, &from, &to);
    assert_int_equal(from, 124);
    assert_int_equal(to, 128);
    /* Steps past the end (a corrupt reading) stay inside the strip. */
    s.first = 40, s.last = 90;
    read_strip_span(&s, 32, &from, &to);
    assert_true(from < to && to <= NN_STRIP_W);
    /* 31 steps: spans cover the strip without gaps. */
    size_t prev_to = 0;
    for (size_t i = 0; i < 31; i++) {
        s.first = s.last = i;
        read_strip_span(&s, 31, &from, &to);
        assert_true(from <= prev_to && from < to);
        prev_to = to;
    }
    assert_int_equal(prev_to, NN_STRIP_W);
}

static void test_image_span(void **state)
{
    (void)state;
    /* A 300-column image scaled by 0.5 into the strip from its column 10. */
    read_place p = {0, 300, {0.5, 10.0}};
    nn_ctc_symbol s = {1, 4, 5, 1.0f}; /* strip columns 16..24 */
    size_t from, to;
    read_image_span(&s, 32, &p, &from, &to);
    assert_int_equal(from, 42);
    assert_int_equal(to, 58);
    /* Spans past the image's right or left edge are clamped into it. */
    s.first = 31, s.last = 31;
    read_image_span(&s, 32, &p, &from, &to);
    assert_true(from < to && to <= 300);
    read_place q = {0, 40, {1.0, -20.0}};
    s.first = s.last = 0;
    read_image_span(&s, 32, &q, &from, &to);
    assert_int_equal(from, 0);
    assert_true(to >= 1 && to <= 40);
    s.first = s.last = 31;
    read_image_span(&s, 32, &q, &from, &to);
    assert_int_equal(from, 39);
    assert_int_equal(to, 40);
}

static void test_number(void **state)
{
    (void)state;
    size_t first[] = {2, 9, 20}, last[] = {3, 9, 22};
    nn_ctc_reading r = reading_of("307", first, last, log(0.25));
    char text[8];
    read_number_text(&r, text, sizeof text);
    assert_string_equal(text, "307");
    read_number_text(&r, text, 3); /* cut to its buffer */
    assert_string_equal(text, "30");
    assert_true(fabs(read_confidence(&r) - 0.25) < 1e-12);
    r.logp = 1.0; /* rounding above log 1 */
    assert_true(read_confidence(&r) == 1.0);
    r.logp = -INFINITY;
    assert_true(read_confidence(&r) == 0.0);
    r.len = 0;
    read_number_text(&r, text, sizeof text);
    assert_string_equal(text, "");
}

static void test_json_record(void **state)
{
    (void)state;
    size_t first[] = {2, 20}, last[] = {3, 22};
    static read_result res;
    res.r[0] = reading_of("42", first, last, log(0.5));
    res.r[1] = reading_of("4", first, last, log(0.125));
    res.n = 2;
    res.steps = 32;
    read_place p = {7, 128, {1.0, 0.0}};
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    assert_non_null(mem);
    read_printer pr = {READ_JSON, 1, "m.nnc", 2, {0}, 0};
    cli_rec_init(&pr.rec, mem, CLI_REC_JSON);
    read_print(&pr, "a\"b.png", 0, &p, &res);
    assert_int_equal(fclose(mem), 0);
    assert_string_equal(buf, "{\"file\":\"a\\\"b.png\",\"index\":7,\"model\":\"m.nnc\","
                             "\"number\":\"42\",\"confidence\":0.500000,\"digits\":["
                             "{\"digit\":4,\"from\":8,\"to\":16,\"prob\":0.900000},"
                             "{\"digit\":2,\"from\":80,\"to\":92,\"prob\":0.900000}],"
                             "\"readings\":[{\"number\":\"42\",\"confidence\":0.500000},"
                             "{\"number\":\"4\",\"confidence\":0.125000}]}\n");
    free(buf);
}

/* The SVG of two numbers, one with a hostile caption. */
static char *numbers_svg(void)
{
    static uint8_t px[NN_STRIP_H * NN_STRIP_W];
    for (size_t i = 0; i < sizeof px; i++)
        px[i] = (uint8_t)(i % 7 == 0 ? 255 : 0);
    nn_svg_number items[2];
    memset(items, 0, sizeof items);
    items[0].pixels = px;
    items[0].caption = "<scan> & \"1\"";
    strcpy(items[0].number, "42");
    items[0].confidence = 0.75;
    items[0].n_digits = 2;
    items[0].digits[0] = (nn_svg_digit){8, 16, '4', 0.9};
    items[0].digits[1] = (nn_svg_digit){80, 92, '2', 0.8};
    items[1].pixels = px;
    nn_svg s = {0};
    nn_error err = {{0}};
    assert_int_equal(nn_svg_numbers(&s, items, 2, NN_STRIP_H, NN_STRIP_W, "t", NULL, &err),
                     NN_OK);
    char *out = strdup(s.buf);
    nn_svg_free(&s);
    return out;
}

static void test_svg(void **state)
{
    (void)state;
    char *a = numbers_svg(), *b = numbers_svg();
    assert_string_equal(a, b);
    assert_non_null(strstr(a, "&lt;scan&gt; &amp; &quot;1&quot;"));
    assert_null(strstr(a, "<scan>"));
    assert_non_null(strstr(a, "(no digits)"));
    assert_non_null(strstr(a, "<g id=\"number-1\">"));
    assert_non_null(strstr(a, "</svg>"));
    free(a);
    free(b);
    nn_svg s = {0};
    nn_error err = {{0}};
    assert_int_equal(nn_svg_numbers(&s, NULL, 0, 0, 128, NULL, NULL, &err), NN_E_ARG);
    nn_svg_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strip_span),  cmocka_unit_test(test_image_span),
        cmocka_unit_test(test_number),      cmocka_unit_test(test_json_record),
        cmocka_unit_test(test_svg),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
