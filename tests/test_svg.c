/* test_svg.c - the SVG pictures: text is escaped for XML whatever it holds,
 * the same input gives the same bytes, the scale and the count colours are
 * what the header says, and pictures with hostile names are accepted by
 * xmllint and rendered by rsvg-convert. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nnclass/report/svg.h"
#include "test_support.h"

static char *escaped(const char *in)
{
    nn_svg s = {0};
    nn_svg_escape(&s, in);
    assert_false(s.failed);
    char *out = strdup(s.buf != NULL ? s.buf : "");
    nn_svg_free(&s);
    return out;
}

static void test_escape(void **state)
{
    (void)state;
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"plain", "plain"},
        {"a<b & \"c\" 'd'>", "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;"},
        {"&amp;", "&amp;amp;"},
        {"]]>", "]]&gt;"},
        {"tab\there\nline\r", "tab?here?line?"},
        {"bell\x07 esc\x1b", "bell? esc?"},
        {"caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x91\x95", "caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x91\x95"},
        {"bad \xff\xfe byte", "bad ?? byte"},
        {"cut \xc3", "cut ?"},
        {"overlong \xc0\xaf", "overlong ??"},
        {"surrogate \xed\xa0\x80", "surrogate ???"},
        {"noncharacter \xef\xbf\xbf", "noncharacter ???"},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = escaped(cases[i].in);
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("escape(\"%s\") = \"%s\", want \"%s\"", cases[i].in, got, cases[i].want);
        free(got);
    }
}

static void test_viridis(void **state)
{
    (void)state;
    assert_int_equal(nn_svg_viridis(0.0), 0x440154);
    assert_int_equal(nn_svg_viridis(1.0), 0xfde725);
    assert_int_equal(nn_svg_viridis(-3.0), 0x440154);
    assert_int_equal(nn_svg_viridis(NAN), 0x440154);
    assert_int_equal(nn_svg_viridis(7.0), 0xfde725);
    assert_int_equal(nn_svg_viridis(0.5), 0x21918c);
    /* Lightness grows along the scale: the green channel never falls. */
    unsigned prev = 0;
    for (int k = 0; k <= 100; k++) {
        unsigned g = (nn_svg_viridis(k / 100.0) >> 8) & 0xff;
        assert_true(g >= prev);
        prev = g;
    }
}

/* A 3-class matrix at 99.9 % accuracy whose names need escaping. */
static const char *const hostile[3] = {"<script>", "R&D \"quoted\"", "it's \xff"};
static size_t cm99[9] = {998, 1, 1, 0, 1000, 0, 0, 0, 1000};

static void draw_heatmap(nn_svg *s)
{
    nn_confusion c = {3, 3000, 2998, cm99, 0.0};
    nn_error err = {{0}};
    if (nn_svg_confusion(s, &c, hostile, "model <m> & \"q\"", "data 'd'", &err) != NN_OK)
        fail_msg("nn_svg_confusion: %s", err.msg);
}

/* The fill of cell i,j and the fill of the number written over it. */
static void cell_colours(const char *svg, size_t i, size_t j, char fill[8], char ink[8])
{
    char id[32];
    snprintf(id, sizeof id, "id=\"cell-%zu-%zu\"", i, j);
    const char *p = strstr(svg, id);
    assert_non_null(p);
    const char *rect = p;
    while (rect > svg && strncmp(rect, "<rect", 5) != 0)
        rect--;
    const char *f = strstr(rect, "fill=\"");
    assert_non_null(f);
    memcpy(fill, f + 6, 7);
    fill[7] = '\0';
    const char *t = strstr(p, "<text");
    assert_non_null(t);
    f = strstr(t, "fill=\"");
    assert_non_null(f);
    memcpy(ink, f + 6, 7);
    ink[7] = '\0';
}

static void test_heatmap(void **state)
{
    (void)state;
    nn_svg a = {0}, b = {0};
    draw_heatmap(&a);
    draw_heatmap(&b);
    /* Same input, same bytes. */
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.buf, b.buf, a.len);
    assert_int_equal(strlen(a.buf), a.len);
    /* Every name escaped, none raw. */
    assert_non_null(strstr(a.buf, "&lt;script&gt;"));
    assert_null(strstr(a.buf, "<script"));
    assert_non_null(strstr(a.buf, "R&amp;D &quot;quoted&quot;"));
    assert_non_null(strstr(a.buf, "it&apos;s ?"));
    assert_non_null(strstr(a.buf, "model &lt;m&gt; &amp; &quot;q&quot;"));
    assert_null(strstr(a.buf, "\xff"));
    assert_null(strstr(a.buf, "\"-0\""));
    assert_null(strstr(a.buf, "nan"));
    /* At 99.9 %: the diagonal is the top of the scale with black numbers,
     * one error in a thousand the bottom with white ones, an empty cell
     * white with a grey 0. */
    char fill[8], ink[8];
    cell_colours(a.buf, 1, 1, fill, ink);
    assert_string_equal(fill, "#fde725");
    assert_string_equal(ink, "#000000");
    cell_colours(a.buf, 0, 1, fill, ink);
    assert_string_equal(fill, "#440154");
    assert_string_equal(ink, "#ffffff");
    cell_colours(a.buf, 1, 0, fill, ink);
    assert_string_equal(fill, "#ffffff");
    assert_string_equal(ink, "#9a9a9a");
    nn_svg_free(&a);
    nn_svg_free(&b);
}

/* xmllint and rsvg-convert (scripts/setup.sh installs them) accept it. */
static void check_with_tools(const char *svg, size_t len, const char *name)
{
    char *dir = ts_make_tmpdir();
    char *path = ts_join(dir, name);
    assert_int_equal(ts_write_file(path, svg, len), 0);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "xmllint --noout '%s'", path);
    if (system(cmd) != 0)
        fail_msg("xmllint rejects %s", name);
    snprintf(cmd, sizeof cmd, "rsvg-convert -o '%s.png' '%s'", path, path);
    if (system(cmd) != 0)
        fail_msg("rsvg-convert cannot render %s", name);
    free(path);
    ts_remove_tree(dir);
    free(dir);
}

static void test_hostile_names_render(void **state)
{
    (void)state;
    nn_svg s = {0};
    draw_heatmap(&s);
    check_with_tools(s.buf, s.len, "heatmap.svg");
    nn_svg_free(&s);
}

static void test_learning_curve(void **state)
{
    (void)state;
    nn_svg_epoch e[4] = {
        {1, 0.52, 0.81, 0.85, 0.1, 0.45},
        {2, 0.31, 0.90, 0.92, 0.05, 0.30},
        {3, 0.22, 0.94, 0.91, 0.025, 0.28},
        {4, 0.20, 0.95, 0.92, 0.0125, 0.29}, /* ties epoch 2: the first stays best */
    };
    nn_svg a = {0}, b = {0};
    nn_error err = {{0}};
    assert_int_equal(nn_svg_learning_curve(&a, e, 4, "<curve> & \"co\"", "it's", &err), NN_OK);
    assert_int_equal(nn_svg_learning_curve(&b, e, 4, "<curve> & \"co\"", "it's", &err), NN_OK);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.buf, b.buf, a.len);
    assert_non_null(strstr(a.buf, "&lt;curve&gt; &amp; &quot;co&quot;"));
    assert_non_null(strstr(a.buf, "best epoch 2: 92.00%"));
    assert_non_null(strstr(a.buf, "id=\"lr\""));
    assert_non_null(strstr(a.buf, "id=\"acc-val\""));
    assert_non_null(strstr(a.buf, "id=\"loss-val\""));
    check_with_tools(a.buf, a.len, "curve.svg");
    /* Without validation or learning rate: neither line, no best epoch. */
    for (int i = 0; i < 4; i++)
        e[i].val_accuracy = e[i].lr = e[i].val_loss = -1;
    assert_int_equal(nn_svg_learning_curve(&a, e, 4, NULL, NULL, &err), NN_OK);
    assert_null(strstr(a.buf, "id=\"acc-val\""));
    assert_null(strstr(a.buf, "id=\"loss-val\""));
    assert_null(strstr(a.buf, "id=\"lr\""));
    assert_null(strstr(a.buf, "best epoch"));
    check_with_tools(a.buf, a.len, "curve-plain.svg");
    /* One epoch, and none at all. */
    assert_int_equal(nn_svg_learning_curve(&a, e, 1, "one", NULL, &err), NN_OK);
    check_with_tools(a.buf, a.len, "curve-one.svg");
    assert_int_equal(nn_svg_learning_curve(&a, e, 0, "none", NULL, &err), NN_OK);
    assert_non_null(strstr(a.buf, "no epochs yet"));
    check_with_tools(a.buf, a.len, "curve-none.svg");
    nn_svg_free(&a);
    nn_svg_free(&b);
}

static void test_gallery(void **state)
{
    (void)state;
    /* A 3x4 image: a run of three equal pixels is one <rect>, background none. */
    static const uint8_t px[12] = {0, 0, 0, 0, 255, 255, 250, 0, 16, 31, 0, 128};
    nn_svg_tile t[2] = {
        {px, 7, "<T&shirt>", "\"Ankle\" boot", 0.98765},
        {px, 9, "a'b", "\xc3", 0.5},
    };
    nn_svg a = {0}, b = {0};
    nn_error err = {{0}};
    assert_int_equal(nn_svg_gallery(&a, t, 2, 3, 4, "wrong <&>", NULL, &err), NN_OK);
    assert_int_equal(nn_svg_gallery(&b, t, 2, 3, 4, "wrong <&>", NULL, &err), NN_OK);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.buf, b.buf, a.len);
    assert_non_null(strstr(a.buf, "true &lt;T&amp;shirt&gt;"));
    assert_non_null(strstr(a.buf, "predicted &quot;Ankle&quot; boot"));
    assert_non_null(strstr(a.buf, "predicted ?"));
    assert_non_null(strstr(a.buf, "confidence 98.77%"));
    assert_non_null(strstr(a.buf, "image 9"));
    /* Per tile: the frame, one rect for the run 255 255 250, one each for 16
     * and 31 (same level: one rect) and 128: 1 + 1 + 1 + 1 = 4. */
    const char *tile = strstr(a.buf, "<g id=\"tile-0\">"), *end = strstr(tile, "</g>");
    size_t rects = 0;
    for (const char *p = tile; (p = strstr(p, "<rect")) != NULL && p < end; p++)
        rects++;
    assert_int_equal(rects, 4);
    check_with_tools(a.buf, a.len, "gallery.svg");
    assert_int_equal(nn_svg_gallery(&a, t, 0, 28, 28, "none", "x", &err), NN_OK);
    assert_non_null(strstr(a.buf, "no wrong images"));
    check_with_tools(a.buf, a.len, "gallery-empty.svg");
    assert_int_equal(nn_svg_gallery(&a, t, 1, 0, 28, "bad", NULL, &err), NN_E_ARG);
    nn_svg_free(&a);
    nn_svg_free(&b);
}

/* Circles inside the group that starts at tag in svg. */
static size_t circles_in(const char *svg, const char *tag)
{
    const char *g = strstr(svg, tag);
    assert_non_null(g);
    const char *end = strstr(g, "</g>");
    size_t n = 0;
    for (const char *p = g; (p = strstr(p, "<circle")) != NULL && p < end; p++)
        n++;
    return n;
}

static void test_code_map(void **state)
{
    (void)state;
    /* Five codes of three classes, one of them not finite. */
    float xy[10] = {-1.5f, 2.0f, 0.25f, -3.0f, 4.0f, 0.5f, NAN, 1.0f, 2.0f, 2.0f};
    uint8_t labels[5] = {0, 2, 2, 1, 0};
    const char *names[3] = {"zero", "<one>", "two"};
    nn_svg a = {0}, b = {0};
    nn_error err = {{0}};
    assert_int_equal(nn_svg_code_map(&a, xy, labels, 5, 3, names, "codes", "sub", &err), NN_OK);
    assert_int_equal(nn_svg_code_map(&b, xy, labels, 5, 3, names, "codes", "sub", &err), NN_OK);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.buf, b.buf, a.len);
    assert_int_equal(circles_in(a.buf, "<g id=\"class-0\""), 2);
    assert_int_equal(circles_in(a.buf, "<g id=\"class-1\""), 0); /* its code is NaN */
    assert_int_equal(circles_in(a.buf, "<g id=\"class-2\""), 2);
    /* Each class its own colour; the legend names and counts them. */
    assert_non_null(strstr(a.buf, "<g id=\"class-0\" fill=\"#1f77b4\""));
    assert_non_null(strstr(a.buf, "<g id=\"class-2\" fill=\"#2ca02c\""));
    assert_non_null(strstr(a.buf, "&lt;one&gt; (1)"));
    assert_non_null(strstr(a.buf, "zero (2)"));
    assert_non_null(strstr(a.buf, "1 codes not finite"));
    check_with_tools(a.buf, a.len, "codes.svg");
    /* All codes equal, and none at all: still a picture. */
    float same[4] = {1.0f, 1.0f, 1.0f, 1.0f};
    assert_int_equal(nn_svg_code_map(&a, same, labels, 2, 3, NULL, "same", NULL, &err), NN_OK);
    check_with_tools(a.buf, a.len, "codes-same.svg");
    assert_int_equal(nn_svg_code_map(&a, xy, labels, 0, 3, NULL, NULL, NULL, &err), NN_OK);
    check_with_tools(a.buf, a.len, "codes-none.svg");
    /* A label beyond the classes is refused. */
    assert_int_equal(nn_svg_code_map(&a, xy, labels, 5, 2, NULL, NULL, NULL, &err), NN_E_ARG);
    assert_non_null(strstr(err.msg, "label 2"));
    nn_svg_free(&a);
    nn_svg_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape),
        cmocka_unit_test(test_viridis),
        cmocka_unit_test(test_heatmap),
        cmocka_unit_test(test_hostile_names_render),
        cmocka_unit_test(test_learning_curve),
        cmocka_unit_test(test_gallery),
        cmocka_unit_test(test_code_map),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
