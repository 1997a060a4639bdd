/* numtext.c - reading the numbers of a set of strips, one per line. */
#include "nnclass/io/numtext.h"

#include <stdlib.h>
#include <string.h>

#include "nnclass/base/readfile.h"
#include "nnclass/io/numbers.h"

void nn_number_labels_free(nn_number_labels *l)
{
    if (l == NULL)
        return;
    free(l->digits);
    free(l->len);
    memset(l, 0, sizeof *l);
}

/* Lines in text: newlines, and one more for a last line without one. */
static size_t count_lines(const uint8_t *text, size_t n)
{
    size_t lines = 0;
    for (size_t i = 0; i < n; i++)
        lines += text[i] == '\n';
    return lines + (n > 0 && text[n - 1] != '\n');
}

/* Line number line (1-based), text[0..n) without its newline, into slot. */
static nn_status parse_line(const char *name, size_t line, const uint8_t *text, size_t n,
                            uint8_t *digits, uint8_t *len, nn_error *err)
{
    if (n > 0 && text[n - 1] == '\r')
        n--;
    if (n == 0)
        return nn_fail(err, NN_E_FORMAT, "%s: line %zu: empty, expected a number of 1 to %d "
                       "digits", name, line, NN_NUMBER_MAX_DIGITS);
    for (size_t i = 0; i < n; i++)
        if (text[i] < '0' || text[i] > '9')
            return nn_fail(err, NN_E_FORMAT, "%s: line %zu: byte 0x%02x at column %zu is not "
                           "a digit", name, line, text[i], i + 1);
    if (n > NN_NUMBER_MAX_DIGITS)
        return nn_fail(err, NN_E_FORMAT, "%s: line %zu: a number of %zu digits, at most %d",
                       name, line, n, NN_NUMBER_MAX_DIGITS);
    for (size_t i = 0; i < n; i++)
        digits[i] = (uint8_t)(text[i] - '0');
    *len = (uint8_t)n;
    return NN_OK;
}

nn_status nn_number_labels_parse(const char *name, const uint8_t *text, size_t n,
                                 nn_number_labels *out, nn_error *err)
{
    memset(out, 0, sizeof *out);
    size_t lines = count_lines(text, n);
    out->digits = calloc(lines > 0 ? lines : 1, NN_NUMBER_MAX_DIGITS);
    out->len = calloc(lines > 0 ? lines : 1, 1);
    if (out->digits == NULL || out->len == NULL) {
        nn_number_labels_free(out);
        return nn_fail(err, NN_E_NOMEM, "%s: out of memory for %zu numbers", name, lines);
    }
    size_t start = 0;
    for (size_t k = 0; k < lines; k++) {
        const uint8_t *nl = memchr(text + start, '\n', n - start);
        size_t end = nl != NULL ? (size_t)(nl - text) : n;
        nn_status st = parse_line(name, k + 1, text + start, end - start,
                                  out->digits + k * NN_NUMBER_MAX_DIGITS, &out->len[k], err);
        if (st != NN_OK) {
            nn_number_labels_free(out);
            return st;
        }
        start = end + 1;
    }
    out->count = lines;
    return NN_OK;
}

nn_status nn_number_labels_load(const char *path, size_t max, nn_number_labels *out,
                                nn_error *err)
{
    uint8_t *text = NULL;
    size_t n = 0;
    memset(out, 0, sizeof *out);
    nn_status st = nn_read_file(path, "numbers", max, NULL, &text, &n, err);
    if (st == NN_OK)
        st = nn_number_labels_parse(path, text, n, out, err);
    free(text);
    return st;
}
