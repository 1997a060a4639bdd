/* escape.c - one escaper per sink for names that come from outside (file
 * names, class names): the terminal and text output, TSV, CSV, JSON. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nnclass/base/text.h"

/* Length of the valid UTF-8 sequence at p (1 to 4), or 0 when the bytes at p
 * are not one (a stray continuation byte, an overlong form, a surrogate, a
 * code point above U+10FFFF, a sequence cut short). p[0] >= 0x80. */
static size_t utf8_len(const unsigned char *p)
{
    unsigned c = p[0];
    size_t n;
    unsigned min, cp;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2; min = 0x80; cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3; min = 0x800; cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4; min = 0x10000; cp = c & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80) /* also stops at the NUL */
            return 0;
        cp = cp << 6 | (p[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

/* Writes s with control characters (nn_text_control_len: C0, DEL, C1, the
 * bidirectional controls) as escapes of their bytes; with escape_backslash,
 * a backslash doubles so that the escapes can be undone. */
static void put_escaped(FILE *out, const char *s, int escape_backslash)
{
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        size_t n;
        if (*p == '\\' && escape_backslash)
            fputs("\\\\", out);
        else if (*p == '\n')
            fputs("\\n", out);
        else if (*p == '\t')
            fputs("\\t", out);
        else if (*p == '\r')
            fputs("\\r", out);
        else if ((n = nn_text_control_len((const char *)p)) > 0) {
            for (size_t i = 0; i < n; i++)
                fprintf(out, "\\x%02x", p[i]);
            p += n - 1;
        } else
            fputc(*p, out);
    }
}

void cli_put_text(FILE *out, const char *s)
{
    put_escaped(out, s, 0);
}

void cli_tsv_field(FILE *out, const char *s)
{
    put_escaped(out, s, 1);
}

void cli_csv_field(FILE *out, const char *s)
{
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (const char *q = s; *q != '\0'; q++) {
        if (*q == '"')
            fputc('"', out);
        fputc(*q, out);
    }
    fputc('"', out);
}

void cli_json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        size_t n;
        if (*p == '"' || *p == '\\') {
            fputc('\\', out);
            fputc(*p, out);
        } else if ((n = nn_text_control_len((const char *)p)) > 0) {
            /* valid JSON either way; escaped, it cannot act on a terminal */
            fprintf(out, "\\u%04x", nn_text_control_code((const char *)p));
            p += n - 1;
        } else if (*p < 0x80) {
            fputc(*p, out);
        } else {
            n = utf8_len(p);
            if (n == 0) {
                fputs("\\ufffd", out); /* one per byte that is not UTF-8 */
            } else {
                fwrite(p, 1, n, out);
                p += n - 1;
            }
        }
    }
    fputc('"', out);
}
