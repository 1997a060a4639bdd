/* record.c - records as JSON Lines, CSV or TSV (see record.h). */
#include "record.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

void cli_rec_init(cli_rec *r, FILE *out, cli_rec_format format)
{
    memset(r, 0, sizeof *r);
    r->out = out;
    r->format = format;
}

static void put_str(cli_rec *r, const char *s)
{
    while (*s != '\0')
        putc_unlocked(*s++, r->out);
}

/* The separator before a field, and its key in JSON. */
static void put_key(cli_rec *r, const char *key)
{
    if (r->format != CLI_REC_JSON) {
        if (!r->flat_first)
            putc_unlocked(r->format == CLI_REC_CSV ? ',' : '\t', r->out);
        r->flat_first = 0;
        return;
    }
    int *first = &r->first[(r->depth < CLI_REC_MAX_DEPTH ? r->depth : CLI_REC_MAX_DEPTH) - 1];
    if (!*first)
        putc_unlocked(',', r->out);
    *first = 0;
    if (key != NULL) {
        putc_unlocked('"', r->out);
        put_str(r, key); /* keys are nnclass's own names: nothing to escape */
        put_str(r, "\":");
    }
}

static void open_level(cli_rec *r, char c)
{
    putc_unlocked(c, r->out);
    if (r->depth < CLI_REC_MAX_DEPTH) {
        r->first[r->depth] = 1;
        r->kinds = (r->kinds & ~(1u << r->depth)) | (unsigned)(c == '[') << r->depth;
    }
    r->depth++;
}

void cli_rec_begin(cli_rec *r)
{
    flockfile(r->out);
    r->depth = 0;
    r->flat_first = 1;
    if (r->format == CLI_REC_JSON)
        open_level(r, '{');
}

void cli_rec_end(cli_rec *r)
{
    if (r->format == CLI_REC_JSON)
        putc_unlocked('}', r->out);
    putc_unlocked('\n', r->out);
    r->depth = 0;
    funlockfile(r->out);
}

/* A nested level: in JSON only, and no deeper than first[] can follow. */
static void open_nested(cli_rec *r, const char *key, char c)
{
    if (r->format != CLI_REC_JSON)
        return;
    put_key(r, key);
    open_level(r, c);
}

void cli_rec_object(cli_rec *r, const char *key)
{
    open_nested(r, key, '{');
}

void cli_rec_array(cli_rec *r, const char *key)
{
    open_nested(r, key, '[');
}

/* The bracket that closes the innermost level is the one its bit in kinds
 * says. */
void cli_rec_close(cli_rec *r)
{
    if (r->format != CLI_REC_JSON || r->depth <= 1)
        return;
    r->depth--;
    int array = r->depth < CLI_REC_MAX_DEPTH && (r->kinds >> r->depth & 1u);
    putc_unlocked(array ? ']' : '}', r->out);
}

void cli_rec_str(cli_rec *r, const char *key, const char *s)
{
    put_key(r, key);
    switch (r->format) {
    case CLI_REC_JSON: cli_json_string(r->out, s); break;
    case CLI_REC_CSV: cli_csv_field(r->out, s); break;
    case CLI_REC_TSV: cli_tsv_field(r->out, s); break;
    }
}

/* The decimal digits of v, without printf. */
static void put_u64(cli_rec *r, uint64_t v)
{
    char digits[24];
    size_t n = 0;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0);
    while (n > 0)
        putc_unlocked(digits[--n], r->out);
}

void cli_rec_size(cli_rec *r, const char *key, size_t v)
{
    put_key(r, key);
    put_u64(r, (uint64_t)v);
}

void cli_rec_u64(cli_rec *r, const char *key, uint64_t v)
{
    put_key(r, key);
    put_u64(r, v);
}

void cli_rec_bool(cli_rec *r, const char *key, int v)
{
    put_key(r, key);
    put_str(r, v ? "true" : "false");
}

void cli_rec_null(cli_rec *r, const char *key)
{
    put_key(r, key);
    if (r->format == CLI_REC_JSON)
        put_str(r, "null");
}

/* v through printf's format for one double and a precision. */
static void put_double(cli_rec *r, const char *key, const char *fmt, int precision, double v)
{
    if (!isfinite(v)) { /* JSON has no NaN or Infinity */
        cli_rec_null(r, key);
        return;
    }
    char buf[352]; /* "%.6f" of DBL_MAX is 316 characters */
    put_key(r, key);
    snprintf(buf, sizeof buf, fmt, precision, v);
    put_str(r, buf);
}

void cli_rec_fixed(cli_rec *r, const char *key, double v, int decimals)
{
    put_double(r, key, "%.*f", decimals, v);
}

void cli_rec_sig(cli_rec *r, const char *key, double v, int digits)
{
    put_double(r, key, "%.*g", digits, v);
}

/* The product of a float and 10000 is exact in double, and nearbyint rounds
 * it half-to-even like printf does in the default rounding mode. */
void cli_rec_prob4(cli_rec *r, const char *key, float p)
{
    double scaled = nearbyint((double)p * 10000.0);
    /* NaN fails every comparison: test it before the cast, which it would
     * make undefined. */
    unsigned v = isnan(scaled) || scaled <= 0 ? 0u : scaled >= 10000 ? 10000u : (unsigned)scaled;
    char text[6] = {(char)('0' + v / 10000), '.', (char)('0' + v / 1000 % 10),
                    (char)('0' + v / 100 % 10), (char)('0' + v / 10 % 10),
                    (char)('0' + v % 10)};
    put_key(r, key);
    for (size_t i = 0; i < sizeof text; i++)
        putc_unlocked(text[i], r->out);
}

void cli_rec_prob(cli_rec *r, const char *key, double p)
{
    if (r->format == CLI_REC_JSON)
        cli_rec_fixed(r, key, p, 6);
    else
        cli_rec_prob4(r, key, (float)p);
}

void cli_rec_failure(cli_rec *r, const char *file, size_t n_empty, const char *message)
{
    if (r->format == CLI_REC_TSV)
        return;
    cli_rec_begin(r);
    cli_rec_str(r, "file", file);
    if (r->format == CLI_REC_CSV)
        for (size_t i = 0; i < n_empty; i++)
            cli_rec_null(r, NULL);
    cli_rec_str(r, "error", message);
    cli_rec_end(r);
}
