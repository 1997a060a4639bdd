/* test_reject.c - novelty scores and their threshold (reject.c), and the
 * calibration block of the .nnc file: stored and read back bit for bit, old
 * files without it, forged values refused with their own message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <math.h>

#include <cmocka.h>
#include <zlib.h>

#include "nnclass/nn/model.h"
#include "nnclass/nn/net.h"
#include "nnclass/nn/reject.h"

/* From docs/model-format.md: the 4-3-2 model with 2 class names and the
 * provenance has a 224 + 12 + 64 + 72 byte header; the calibration block
 * follows and holds 32 bytes. */
#define O_FLAGS 36
#define O_HEADER_SIZE 12
#define O_CALIB (224 + 12 + 64 + 72)

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void wr32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void wrf(uint8_t *p, float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    wr32(p, u);
}

static void fix_crc(uint8_t *buf, size_t len)
{
    wr32(buf + len - 4, (uint32_t)crc32(0L, buf, (uInt)(len - 4)));
}

static nn_reject_calib class_calib(void)
{
    nn_reject_calib c = {NN_SCORE_REJECT_CLASS, 1, 0.4375f, 0.995f, 0.996f, 5000};
    return c;
}

/* The 4-3-2 model with class names, provenance and (calib != NULL) a
 * calibration, encoded. */
static uint8_t *encode_small(const nn_reject_calib *calib, size_t *len)
{
    static const size_t sizes[] = {4, 3, 2};
    nn_net *net = NULL;
    nn_error err = {{0}};
    assert_int_equal(nn_net_create(sizes, 3, NN_ACT_RELU, &net, &err), NN_OK);
    for (size_t i = 0; i < net->n_params; i++)
        net->params[i] = (float)i * 0.25f - 1.0f;
    nn_model_meta meta;
    memset(&meta, 0, sizeof meta);
    meta.rows = meta.cols = 2;
    meta.n_classes = 2;
    meta.has_class_names = 1;
    strcpy(meta.class_names[0], "digit");
    strcpy(meta.class_names[1], "other");
    meta.has_provenance = 1;
    strcpy(meta.nnclass_version, "1.2.3");
    meta.val_accuracy = -1.0f;
    if (calib != NULL) {
        meta.has_calibration = 1;
        meta.calibration = *calib;
    }
    uint8_t *buf = NULL;
    assert_int_equal(nn_model_encode(net, &meta, &buf, len, &err), NN_OK);
    nn_net_free(net);
    return buf;
}

static void expect_refused(const uint8_t *buf, size_t len, nn_status want, const char *text)
{
    nn_net *net = NULL;
    nn_model_meta meta;
    nn_error err = {{0}};
    nn_status st = nn_model_decode(buf, len, "m.nnc", &net, &meta, &err);
    if (st != want || strstr(err.msg, text) == NULL)
        fail_msg("status %d, message '%s'; expected %d with '%s'", st, err.msg, want, text);
    assert_null(net);
}

/* Stored, read back, and encoded again to the same bytes. */
static void test_calibration_round_trip(void **state)
{
    (void)state;
    nn_reject_calib c = class_calib();
    size_t len = 0, len2 = 0;
    uint8_t *buf = encode_small(&c, &len), *old = encode_small(NULL, &len2);
    assert_int_equal(len, len2 + 32);
    assert_int_equal(rd32(buf + O_FLAGS), 7);
    assert_int_equal(rd32(buf + O_HEADER_SIZE), O_CALIB + 32);
    assert_int_equal(rd32(buf + O_CALIB), 1);     /* the block's version */
    assert_int_equal(rd32(buf + O_CALIB + 4), 2); /* score: the reject class */
    nn_net *net = NULL;
    nn_model_meta meta;
    nn_error err = {{0}};
    assert_int_equal(nn_model_decode(buf, len, "m.nnc", &net, &meta, &err), NN_OK);
    assert_true(meta.has_calibration);
    assert_memory_equal(&meta.calibration, &c, sizeof c);
    uint8_t *again = NULL;
    size_t len3 = 0;
    assert_int_equal(nn_model_encode(net, &meta, &again, &len3, &err), NN_OK);
    assert_int_equal(len3, len);
    assert_memory_equal(again, buf, len);
    nn_net_free(net);
    /* a file without the block loads as before, with no calibration */
    assert_int_equal(nn_model_decode(old, len2, "m.nnc", &net, &meta, &err), NN_OK);
    assert_false(meta.has_calibration);
    nn_net_free(net);
    free(again);
    free(old);
    free(buf);
}

/* Each forged field of the block, with the checksum made right again. */
static void test_calibration_forged(void **state)
{
    (void)state;
    nn_reject_calib c = class_calib();
    size_t len = 0;
    uint8_t *good = encode_small(&c, &len);
    uint8_t *buf = malloc(len);
    static const struct {
        size_t off;
        int is_float;
        uint32_t u;
        float f;
        nn_status want;
        const char *text;
    } cases[] = {
        {0, 0, 2, 0, NN_E_VERSION, "calibration block version 2"},
        {4, 0, 9, 0, NN_E_FORMAT, "score kind 9"},
        {4, 0, 3, 0, NN_E_FORMAT, "score kind 3 is for a reader of numbers, the model is a "
                                  "classifier"},
        {8, 0, 2, 0, NN_E_FORMAT, "reject class 2, the model has 2 classes"},
        {12, 1, 0, 1.5f, NN_E_FORMAT, "threshold 1.5"},
        {12, 1, 0, -0.25f, NN_E_FORMAT, "threshold -0.25"},
        {12, 1, 0, NAN, NN_E_FORMAT, "threshold nan"},
        {16, 1, 0, 0.0f, NN_E_FORMAT, "calibration target 0"},
        {20, 1, 0, INFINITY, NN_E_FORMAT, "acceptance inf"},
        {24, 0, 0, 0, NN_E_FORMAT, "calibration of 0 images"},
        {28, 0, 1, 0, NN_E_FORMAT, "reserved field"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memcpy(buf, good, len);
        if (cases[i].is_float)
            wrf(buf + O_CALIB + cases[i].off, cases[i].f);
        else
            wr32(buf + O_CALIB + cases[i].off, cases[i].u);
        fix_crc(buf, len);
        expect_refused(buf, len, cases[i].want, cases[i].text);
    }
    /* a confidence score naming a class */
    memcpy(buf, good, len);
    wr32(buf + O_CALIB + 4, 1);
    fix_crc(buf, len);
    expect_refused(buf, len, NN_E_FORMAT, "reject class 1 with a confidence score");
    /* the flag without the block's bytes: the header size no longer agrees */
    size_t old_len = 0;
    uint8_t *old = encode_small(NULL, &old_len);
    wr32(old + O_FLAGS, 7);
    fix_crc(old, old_len);
    expect_refused(old, old_len, NN_E_FORMAT, "header size field");
    /* every truncation of the calibrated file is refused, never read past */
    for (size_t n = 0; n < len; n++)
        expect_refused(good, n, NN_E_TRUNCATED, "truncated");
    free(old);
    free(buf);
    free(good);
}

/* The encoder refuses a calibration the decoder would. */
static void test_calibration_encoder_checks(void **state)
{
    (void)state;
    nn_reject_calib c = class_calib();
    c.reject_class = 5;
    static const size_t sizes[] = {4, 3, 2};
    nn_net *net = NULL;
    nn_error err = {{0}};
    assert_int_equal(nn_net_create(sizes, 3, NN_ACT_RELU, &net, &err), NN_OK);
    nn_model_meta meta;
    memset(&meta, 0, sizeof meta);
    meta.rows = meta.cols = 2;
    meta.n_classes = 2;
    meta.has_calibration = 1;
    meta.calibration = c;
    uint8_t *buf = NULL;
    size_t len = 0;
    assert_int_equal(nn_model_encode(net, &meta, &buf, &len, &err), NN_E_ARG);
    assert_non_null(strstr(err.msg, "reject class 5"));
    nn_net_free(net);
}

/* Scores: 1 - confidence, the reject class's probability, 1 when blank. */
static void test_scores(void **state)
{
    (void)state;
    const float probs[3] = {0.7f, 0.2f, 0.1f};
    uint8_t ink[4] = {0, 200, 0, 30}, blank[4] = {7, 7, 20, 7};
    nn_reject_calib conf = {NN_SCORE_CONFIDENCE, NN_REJECT_NO_CLASS, 0.5f, 0.995f, 1, 1};
    nn_reject_calib cls = {NN_SCORE_REJECT_CLASS, 2, 0.5f, 0.995f, 1, 1};
    assert_float_equal(nn_reject_score(&conf, probs, 3, ink, 4), 0.3f, 1e-6f);
    assert_float_equal(nn_reject_score(&cls, probs, 3, ink, 4), 0.1f, 1e-6f);
    assert_float_equal(nn_reject_score(&cls, probs, 3, blank, 4), 1.0f, 0.0f);
    assert_true(nn_reject_blank(blank, 4));
    assert_false(nn_reject_blank(ink, 4));
    assert_false(nn_reject_rejected(0.5f, 0.5f));
    assert_true(nn_reject_rejected(0.51f, 0.5f));
    assert_true(nn_reject_rejected(1.0f, 1.0f)); /* no ink: rejected at any threshold */
}

/* The threshold accepts at least the target share, and no more than ties
 * force. */
static void test_calibrate(void **state)
{
    (void)state;
    float s[200];
    for (size_t i = 0; i < 200; i++)
        s[i] = (float)((i * 37) % 200) / 200.0f; /* 0, 0.005, ... 0.995, shuffled */
    nn_reject_calib c = {NN_SCORE_CONFIDENCE, NN_REJECT_NO_CLASS, 0, 0.995f, 0, 0};
    nn_error err = {{0}};
    assert_int_equal(nn_reject_calibrate(&c, s, 200, &err), NN_OK);
    assert_float_equal(c.threshold, 0.99f, 1e-6f); /* 199 of 200 at or below */
    assert_float_equal(c.accepted, 0.995f, 1e-6f);
    assert_int_equal(c.count, 200);
    float one[1] = {0.25f};
    c.target = 0.5f;
    assert_int_equal(nn_reject_calibrate(&c, one, 1, &err), NN_OK);
    assert_float_equal(c.threshold, 0.25f, 0.0f);
    assert_int_equal(nn_reject_calibrate(&c, one, 0, &err), NN_E_ARG);
    c.target = 0.0f;
    assert_int_equal(nn_reject_calibrate(&c, one, 1, &err), NN_E_ARG);
    assert_int_equal(nn_reject_check(&c, 2, 0, "m", &err), NN_E_FORMAT);
}

/* A tiny reader of numbers: 4x8 strips read as 8 steps, a CTC output. */
static nn_net *tiny_reader(void)
{
    nn_layer rows[NN_MAX_LAYERS];
    size_t n = 0;
    nn_net *net = NULL;
    nn_error err = {{0}};
    assert_int_equal(nn_net_parse_table("4x8,cols,step11,ctc", NN_ACT_RELU, rows, &n, &err),
                     NN_OK);
    assert_int_equal(nn_net_create_table(rows, n, &net, &err), NN_OK);
    for (size_t i = 0; i < net->n_params; i++)
        net->params[i] = (float)((i * 7) % 13) * 0.05f - 0.3f;
    return net;
}

static nn_status encode_reader(const nn_net *net, const nn_reject_calib *c, uint8_t **buf,
                               size_t *len, nn_error *err)
{
    nn_model_meta meta;
    memset(&meta, 0, sizeof meta);
    meta.rows = 4;
    meta.cols = 8;
    meta.n_classes = 10;
    meta.val_accuracy = -1.0f;
    meta.has_calibration = 1;
    meta.calibration = *c;
    return nn_model_encode(net, &meta, buf, len, err);
}

/* A reader's calibration (the reading kind) is stored and read back; a
 * classifier's kind on a reader, and the reading kind on a classifier, are
 * refused by the encoder. */
static void test_reader_kind(void **state)
{
    (void)state;
    nn_net *net = tiny_reader(), *back = NULL;
    nn_reject_calib c = {NN_SCORE_READING, NN_REJECT_NO_CLASS, 0.75f, 0.995f, 1.0f, 2000};
    nn_error err = {{0}};
    uint8_t *buf = NULL;
    size_t len = 0;
    assert_int_equal(encode_reader(net, &c, &buf, &len, &err), NN_OK);
    nn_model_meta meta;
    assert_int_equal(nn_model_decode(buf, len, "r.nnc", &back, &meta, &err), NN_OK);
    assert_true(meta.has_calibration);
    assert_memory_equal(&meta.calibration, &c, sizeof c);
    nn_net_free(back);
    free(buf);
    nn_reject_calib conf = {NN_SCORE_CONFIDENCE, NN_REJECT_NO_CLASS, 0.5f, 0.995f, 1.0f, 10};
    assert_int_equal(encode_reader(net, &conf, &buf, &len, &err), NN_E_ARG);
    assert_non_null(strstr(err.msg, "score kind 1 is for a classifier"));
    c.reject_class = 3;
    assert_int_equal(encode_reader(net, &c, &buf, &len, &err), NN_E_ARG);
    assert_non_null(strstr(err.msg, "reject class 3 with a reading score"));
    assert_int_equal(nn_reject_check(&c, 10, 0, "m", &err), NN_E_FORMAT);
    c.reject_class = NN_REJECT_NO_CLASS;
    assert_int_equal(nn_reject_check(&c, 10, 1, "m", &err), NN_OK);
    assert_int_equal(nn_reject_check(&c, 10, 0, "m", &err), NN_E_FORMAT);
    nn_net_free(net);
}

/* The reading score: 1 - the reading's probability, 1 without ink or
 * without a digit. */
static void test_reading_score(void **state)
{
    (void)state;
    nn_ctc_reading r;
    memset(&r, 0, sizeof r);
    r.logp = log(0.8);
    assert_float_equal(nn_reject_reading_score(&r, NULL, 0), 1.0f, 0.0f); /* no digit */
    r.len = 2;
    uint8_t ink[4] = {0, 200, 0, 30}, blank[4] = {7, 7, 20, 7};
    assert_float_equal(nn_reject_reading_score(&r, ink, 4), 0.2f, 1e-6f);
    assert_float_equal(nn_reject_reading_score(&r, NULL, 0), 0.2f, 1e-6f);
    assert_float_equal(nn_reject_reading_score(&r, blank, 4), 1.0f, 0.0f);
    r.logp = 0.0; /* certain */
    assert_float_equal(nn_reject_reading_score(&r, ink, 4), 0.0f, 0.0f);
    r.logp = -INFINITY;
    assert_float_equal(nn_reject_reading_score(&r, ink, 4), 1.0f, 0.0f);
    r.logp = NAN;
    assert_float_equal(nn_reject_reading_score(&r, ink, 4), 1.0f, 0.0f);
}

/* Calibrating a reader on strips: the reading kind, a threshold that
 * accepts at least the target, and a blank strip scored 1; a classifier is
 * refused. */
static void test_calibrate_reader(void **state)
{
    (void)state;
    nn_net *net = tiny_reader();
    enum { N = 40 };
    uint8_t px[N * 32];
    for (size_t i = 0; i < sizeof px; i++)
        px[i] = (uint8_t)((i * 97 + i / 32 * 31) % 251);
    memset(px, 9, 32); /* strip 0 has no ink */
    nn_reject_calib c = {0, 0, 0, 0.9f, 0, 0};
    nn_error err = {{0}};
    assert_int_equal(nn_reject_calibrate_reader(net, px, N, &c, &err), NN_OK);
    assert_int_equal(c.score, NN_SCORE_READING);
    assert_int_equal(c.reject_class, NN_REJECT_NO_CLASS);
    assert_int_equal(c.count, N);
    assert_true(c.accepted >= c.target);
    assert_true(c.threshold >= 0.0f && c.threshold < 1.0f); /* the blank one is the 10 % */
    assert_int_equal(nn_reject_check(&c, 10, 1, "r", &err), NN_OK);
    nn_net_free(net);
    static const size_t sizes[] = {32, 3, 2};
    assert_int_equal(nn_net_create(sizes, 3, NN_ACT_RELU, &net, &err), NN_OK);
    assert_int_equal(nn_reject_calibrate_reader(net, px, N, &c, &err), NN_E_ARG);
    nn_net_free(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_calibration_round_trip),
        cmocka_unit_test(test_calibration_forged),
        cmocka_unit_test(test_calibration_encoder_checks),
        cmocka_unit_test(test_scores),
        cmocka_unit_test(test_calibrate),
        cmocka_unit_test(test_reader_kind),
        cmocka_unit_test(test_reading_score),
        cmocka_unit_test(test_calibrate_reader),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
