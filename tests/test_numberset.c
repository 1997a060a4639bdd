/* test_numberset.c - sets of composed numbers (the same bytes for any
 * thread count and for a set made a part at a time), the numbers text
 * format, the edit distance, and the scoring of a number reader: a hand-made
 * perfect CTC reader reads every number with no digit error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <math.h>

#include <cmocka.h>

#include "nnclass/io/numberset.h"
#include "nnclass/io/numtext.h"
#include "nnclass/nn/ctc.h"
#include "nnclass/nn/eval_seq.h"
#include "test_support.h"

#define STRIP ((size_t)NN_STRIP_H * NN_STRIP_W)

/* 300 MNIST test digits as a pool. */
static nn_images digit_images;
static nn_labels digit_labels;

static int load_digits(void **state)
{
    (void)state;
    ts_load_mnist("t10k", 300, &digit_images, &digit_labels);
    return 0;
}

static int free_digits(void **state)
{
    (void)state;
    nn_images_free(&digit_images);
    nn_labels_free(&digit_labels);
    return 0;
}

static nn_digit_pool pool(void)
{
    nn_digit_pool p = {digit_images.pixels, digit_labels.labels, digit_images.count, NULL, 0};
    return p;
}

static void make_set(nn_number_set *s, size_t count, size_t threads, uint64_t round)
{
    nn_error err = {{0}};
    nn_numbers_options opt;
    nn_numbers_options_default(&opt);
    nn_digit_pool p = pool();
    assert_int_equal(nn_number_set_alloc(s, count, &err), NN_OK);
    assert_int_equal(nn_number_set_compose(s, 0, count, &p, &opt, 5, round, threads, &err),
                     NN_OK);
}

/* 1, 2 and 3 threads make the same bytes; so does a set made in parts;
 * another round makes other numbers. */
static void test_same_bytes_for_any_threads(void **state)
{
    (void)state;
    nn_number_set one, two, three, part, other;
    make_set(&one, 40, 1, 3);
    make_set(&two, 40, 2, 3);
    make_set(&three, 40, 3, 3);
    make_set(&other, 40, 1, 4);
    assert_memory_equal(one.pixels, two.pixels, 40 * STRIP);
    assert_memory_equal(one.pixels, three.pixels, 40 * STRIP);
    assert_memory_equal(one.digits, three.digits, 40 * NN_NUMBER_MAX_DIGITS);
    assert_memory_equal(one.len, three.len, 40);
    assert_memory_not_equal(one.pixels, other.pixels, 40 * STRIP);
    /* numbers 25..39 made as a set of their own starting at 25 */
    nn_error err = {{0}};
    nn_numbers_options opt;
    nn_numbers_options_default(&opt);
    nn_digit_pool p = pool();
    assert_int_equal(nn_number_set_alloc(&part, 15, &err), NN_OK);
    part.first = 25;
    assert_int_equal(nn_number_set_compose(&part, 0, 15, &p, &opt, 5, 3, 2, &err), NN_OK);
    assert_memory_equal(part.pixels, one.pixels + 25 * STRIP, 15 * STRIP);
    for (size_t i = 0; i < 40; i++) {
        assert_true(one.len[i] >= 1 && one.len[i] <= NN_NUMBER_MAX_DIGITS);
        for (size_t k = 0; k < one.len[i]; k++)
            assert_true(one.digits[i * NN_NUMBER_MAX_DIGITS + k] <= 9);
    }
    /* a range outside the set, an empty pool */
    assert_int_equal(nn_number_set_compose(&part, 3, 16, &p, &opt, 5, 3, 1, &err), NN_E_ARG);
    nn_digit_pool empty = {NULL, NULL, 0, NULL, 0};
    assert_int_equal(nn_number_set_compose(&part, 0, 2, &empty, &opt, 5, 3, 1, &err), NN_E_ARG);
    assert_non_null(strstr(err.msg, "number 0 could not be composed"));
    nn_number_set_free(&one);
    nn_number_set_free(&two);
    nn_number_set_free(&three);
    nn_number_set_free(&part);
    nn_number_set_free(&other);
}

static void test_round_seeds(void **state)
{
    (void)state;
    assert_true(nn_number_round_seed(7, 0) == 7);
    assert_true(nn_number_round_seed(7, 1) != nn_number_round_seed(7, 2));
    assert_true(nn_number_round_seed(7, 1) != nn_number_round_seed(8, 1));
    assert_true(nn_number_round_seed(7, 3) == nn_number_round_seed(7, 3));
}

/* Round 0 of a set is what pack --numbers makes: number i from
 * nn_number_seed(seed, i). */
static void test_round_zero_is_packs(void **state)
{
    (void)state;
    nn_number_set s;
    make_set(&s, 6, 2, 0);
    nn_numbers_options opt;
    nn_numbers_options_default(&opt);
    nn_digit_pool p = pool();
    uint8_t strip[STRIP], digits[NN_NUMBER_MAX_DIGITS] = {0};
    for (size_t i = 0; i < 6; i++) {
        size_t n = nn_number_compose(&p, &opt, nn_number_seed(5, i), strip, digits);
        assert_int_equal(n, s.len[i]);
        assert_memory_equal(strip, s.pixels + i * STRIP, STRIP);
        assert_memory_equal(digits, s.digits + i * NN_NUMBER_MAX_DIGITS, n);
    }
    nn_number_set_free(&s);
}

/* --- the numbers text ---------------------------------------------------------- */

static void parse_ok(const char *text, size_t count)
{
    nn_number_labels l;
    nn_error err = {{0}};
    assert_int_equal(nn_number_labels_parse("n.txt", (const uint8_t *)text, strlen(text), &l,
                                            &err), NN_OK);
    assert_int_equal(l.count, count);
    nn_number_labels_free(&l);
}

static void parse_bad(const char *text, const char *needle)
{
    nn_number_labels l;
    nn_error err = {{0}};
    assert_int_equal(nn_number_labels_parse("n.txt", (const uint8_t *)text, strlen(text), &l,
                                            &err), NN_E_FORMAT);
    if (strstr(err.msg, needle) == NULL)
        fail_msg("'%s' does not say '%s'", err.msg, needle);
    assert_null(l.digits);
}

static void test_numbers_text(void **state)
{
    (void)state;
    nn_number_labels l;
    nn_error err = {{0}};
    const char *text = "07\n12345678\r\n5";
    assert_int_equal(nn_number_labels_parse("n.txt", (const uint8_t *)text, strlen(text), &l,
                                            &err), NN_OK);
    assert_int_equal(l.count, 3);
    assert_int_equal(l.len[0], 2);
    assert_int_equal(l.digits[0], 0);
    assert_int_equal(l.digits[1], 7);
    assert_int_equal(l.len[1], 8);
    assert_int_equal(l.digits[NN_NUMBER_MAX_DIGITS + 7], 8);
    assert_int_equal(l.len[2], 1);
    assert_int_equal(l.digits[2 * NN_NUMBER_MAX_DIGITS], 5);
    nn_number_labels_free(&l);
    parse_ok("", 0);
    parse_ok("1\n2\n", 2);
    parse_bad("12\n3a\n", "n.txt: line 2: byte 0x61 at column 2 is not a digit");
    parse_bad("12\n\n3\n", "line 2: empty");
    parse_bad("123456789\n", "line 1: a number of 9 digits, at most 8");
    parse_bad("-1\n", "byte 0x2d");
    parse_bad("1 2\n", "byte 0x20");
}

/* --- scoring a reader ---------------------------------------------------------- */

static void test_edit_distance(void **state)
{
    (void)state;
    const uint8_t a[] = {1, 2, 3, 4}, b[] = {1, 3, 4}, c[] = {4, 3, 2, 1};
    assert_int_equal(nn_edit_distance(a, 4, a, 4), 0);
    assert_int_equal(nn_edit_distance(a, 4, b, 3), 1);
    assert_int_equal(nn_edit_distance(b, 3, a, 4), 1);
    assert_int_equal(nn_edit_distance(a, 4, c, 4), 4);
    assert_int_equal(nn_edit_distance(a, 0, c, 4), 4);
    assert_int_equal(nn_edit_distance(a, 4, c, 0), 4);
}

#define TOY_T 10 /* steps: columns of the toy images */

/* A reader that cannot be wrong: image column x has one bright row, the
 * class of step x (11 rows: the blank and 10 digits); cols makes it step
 * x's features and step11, weights 10 times the identity, its scores. */
static nn_net *perfect_reader(void)
{
    nn_net *net = ts_parse_net("11x10,cols,step11,ctc", NN_ACT_RELU);
    float *w = nn_net_weights(net, 2), *b = nn_net_biases(net, 2);
    memset(w, 0, 11 * 11 * sizeof *w);
    memset(b, 0, 11 * sizeof *b);
    for (size_t i = 0; i < 11; i++)
        w[i * 11 + i] = 10.0f;
    return net;
}

/* Sample i: a number of 1 + i % 5 digits written one step each with a
 * blank between, the rest blank. */
static void toy_sample(size_t i, uint8_t *px, uint8_t *digits, uint8_t *len)
{
    size_t n = 1 + i % 5;
    memset(px, 0, 11 * TOY_T);
    for (size_t x = 0; x < TOY_T; x++)
        px[0 * TOY_T + x] = 255; /* blank, unless a digit below */
    for (size_t k = 0; k < n; k++) {
        digits[k] = (uint8_t)((i * 7 + k * 3) % 10);
        px[0 * TOY_T + 2 * k] = 0;
        px[(digits[k] + 1) * TOY_T + 2 * k] = 255;
    }
    *len = (uint8_t)n;
}

static void test_perfect_reader_scores(void **state)
{
    (void)state;
    enum { N = 70 };
    static uint8_t px[N * 11 * TOY_T], digits[N * NN_NUMBER_MAX_DIGITS], len[N];
    static uint8_t read[N * NN_NUMBER_MAX_DIGITS], read_len[N];
    memset(digits, 0, sizeof digits);
    for (size_t i = 0; i < N; i++)
        toy_sample(i, px + i * 11 * TOY_T, digits + i * NN_NUMBER_MAX_DIGITS, &len[i]);
    nn_dataset v = nn_dataset_view(px, NULL, N, 11, TOY_T, 10);
    v = nn_dataset_with_seq(v, digits, len, NN_NUMBER_MAX_DIGITS);
    nn_net *net = perfect_reader();
    nn_seq_score s;
    memset(&s, 0, sizeof s);
    nn_error err = {{0}};
    assert_int_equal(nn_evaluate_seq(net, &v, &s, read, read_len, &err), NN_OK);
    assert_int_equal(s.total, N);
    assert_int_equal(s.exact, N);
    assert_int_equal(s.edits, 0);
    assert_true(nn_seq_exact_rate(&s) == 1.0);
    assert_true(nn_seq_label_error_rate(&s) == 0.0);
    assert_int_equal(s.by_len[3], N / 5);
    assert_true(nn_seq_exact_rate_of_len(&s, 3) == 1.0);
    assert_true(s.loss >= 0.0 && s.loss / N < 0.01);
    assert_memory_equal(read, digits, sizeof digits);
    assert_memory_equal(read_len, len, sizeof len);
    /* one wrong digit in the truth: one edit, one number not exact */
    digits[4 * NN_NUMBER_MAX_DIGITS + 2] = (uint8_t)((digits[4 * NN_NUMBER_MAX_DIGITS + 2] + 1) % 10);
    memset(&s, 0, sizeof s);
    assert_int_equal(nn_evaluate_seq(net, &v, &s, NULL, NULL, &err), NN_OK);
    assert_int_equal(s.exact, N - 1);
    assert_int_equal(s.edits, 1);
    assert_int_equal(s.exact_by_len[5], N / 5 - 1);
    /* read as `read` does (a beam over two passes): the same counts, and
     * the loss of the strips as they are, the same within rounding */
    double greedy_loss = s.loss;
    nn_seq_evaluator *ev = NULL;
    assert_int_equal(nn_seq_evaluator_create(net, NN_NUMBER_MAX_DIGITS, &ev, &err), NN_OK);
    assert_int_equal(nn_seq_evaluator_read_as(ev, 2, 4, &err), NN_OK);
    memset(&s, 0, sizeof s);
    memset(read_len, 9, sizeof read_len);
    assert_int_equal(nn_seq_evaluator_run(ev, &v, &s, read, read_len, &err), NN_OK);
    assert_int_equal(s.total, N);
    assert_int_equal(s.exact, N - 1);
    assert_int_equal(s.edits, 1);
    assert_memory_equal(read_len, len, sizeof len);
    assert_true(fabs(s.loss - greedy_loss) <= 1e-4 * (1.0 + greedy_loss));
    assert_int_equal(nn_seq_evaluator_read_as(ev, 3, 4, &err), NN_E_ARG);
    nn_seq_evaluator_free(ev);
    /* a classifier's data set is refused */
    uint8_t labels[N] = {0};
    nn_dataset plain = nn_dataset_view(px, labels, N, 11, TOY_T, 10);
    assert_int_equal(nn_evaluate_seq(net, &plain, &s, NULL, NULL, &err), NN_E_MISMATCH);
    nn_net_free(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_bytes_for_any_threads),
        cmocka_unit_test(test_round_seeds),
        cmocka_unit_test(test_round_zero_is_packs),
        cmocka_unit_test(test_numbers_text),
        cmocka_unit_test(test_edit_distance),
        cmocka_unit_test(test_perfect_reader_scores),
    };
    return cmocka_run_group_tests(tests, load_digits, free_digits);
}
