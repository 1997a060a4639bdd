/* test_record.c - the CLI's record writer: JSON nesting and separators,
 * each sink's escaping of strings, null and non-finite values, CSV and TSV
 * flattening, and the 4-decimal probabilities against printf. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "record.h"

/* One record written by fill in format, as a string (caller frees). */
static char *written(cli_rec_format format, void (*fill)(cli_rec *))
{
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    assert_non_null(mem);
    cli_rec r;
    cli_rec_init(&r, mem, format);
    cli_rec_begin(&r);
    fill(&r);
    cli_rec_end(&r);
    assert_int_equal(fclose(mem), 0);
    return buf;
}

/* A record with every kind of field, nested two deep. */
static void fill_all(cli_rec *r)
{
    cli_rec_str(r, "file", "a,b\t\"c\"\n");
    cli_rec_size(r, "index", 42);
    cli_rec_u64(r, "seed", 18446744073709551615ull);
    cli_rec_bool(r, "best", 1);
    cli_rec_null(r, "val");
    cli_rec_fixed(r, "acc", 0.96575, 4);
    cli_rec_fixed(r, "nan", NAN, 6);
    cli_rec_sig(r, "lr", 1.5e-07, 6);
    cli_rec_array(r, "rows");
    for (int i = 0; i < 2; i++) {
        cli_rec_array(r, NULL);
        cli_rec_size(r, NULL, (size_t)i);
        cli_rec_prob4(r, NULL, 0.25f);
        cli_rec_close(r);
    }
    cli_rec_close(r);
    cli_rec_object(r, "avg");
    cli_rec_size(r, "support", 7);
    cli_rec_close(r);
}

static void test_json(void **state)
{
    (void)state;
    char *s = written(CLI_REC_JSON, fill_all);
    assert_string_equal(s, "{\"file\":\"a,b\\u0009\\\"c\\\"\\u000a\",\"index\":42,"
                           "\"seed\":18446744073709551615,\"best\":true,\"val\":null,"
                           "\"acc\":0.9657,\"nan\":null,\"lr\":1.5e-07,"
                           "\"rows\":[[0,0.2500],[1,0.2500]],\"avg\":{\"support\":7}}\n");
    free(s);
}

static void test_csv(void **state)
{
    (void)state;
    char *s = written(CLI_REC_CSV, fill_all);
    assert_string_equal(s, "\"a,b\t\"\"c\"\"\n\",42,18446744073709551615,true,,0.9657,,"
                           "1.5e-07,0,0.2500,1,0.2500,7\n");
    free(s);
}

static void test_tsv(void **state)
{
    (void)state;
    char *s = written(CLI_REC_TSV, fill_all);
    assert_string_equal(s, "a,b\\t\"c\"\\n\t42\t18446744073709551615\ttrue\t\t0.9657\t\t"
                           "1.5e-07\t0\t0.2500\t1\t0.2500\t7\n");
    free(s);
}

static float prob;
static void fill_prob(cli_rec *r)
{
    cli_rec_prob4(r, NULL, prob);
}

/* Every float on a grid of [0, 1], and the halfway points, as printf. */
static void test_prob4_is_printf(void **state)
{
    (void)state;
    for (int i = 0; i <= 200000; i++) {
        prob = (float)i / 200000.0f;
        char want[32];
        snprintf(want, sizeof want, "%.4f\n", (double)prob);
        char *s = written(CLI_REC_TSV, fill_prob);
        if (strcmp(s, want) != 0)
            fail_msg("%.9g: %s, printf %s", (double)prob, s, want);
        free(s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_csv),
        cmocka_unit_test(test_tsv),
        cmocka_unit_test(test_prob4_is_printf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
