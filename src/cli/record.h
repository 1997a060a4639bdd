/*
 * record.h - the one writer of nnclass's machine-readable output: records
 * (one per line) as JSON Lines, CSV (RFC 4180) or TSV.
 *
 * A command says what a record holds, field by field, and the writer puts
 * the separators, the JSON keys and the escaping: every string goes through
 * the escaper of its sink (escape.c), so a file or class name from outside
 * can never break a line or a document. In CSV and TSV the keys are not
 * written and nested arrays and objects are flattened into more fields; a
 * CSV header is a record of column names like any other.
 *
 * The writer holds the stream's lock from cli_rec_begin to cli_rec_end and
 * writes with the unlocked calls: predict prints a record per image.
 */
#ifndef NNCLASS_CLI_RECORD_H
#define NNCLASS_CLI_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum { CLI_REC_TSV, CLI_REC_CSV, CLI_REC_JSON } cli_rec_format;

#define CLI_REC_MAX_DEPTH 8 /* JSON objects and arrays open at once */

typedef struct {
    FILE *out;
    cli_rec_format format;
    int depth;                       /* open JSON objects and arrays, the record's own included */
    int first[CLI_REC_MAX_DEPTH];    /* no member written yet at this depth */
    unsigned kinds;                  /* bit d set: the level at depth d is an array */
    int flat_first;                  /* CSV/TSV: no field written yet in this record */
} cli_rec;

/* A writer of records to out in format. */
void cli_rec_init(cli_rec *r, FILE *out, cli_rec_format format);

/* Starts a record ('{' in JSON) and ends it ('}' in JSON, then a newline). */
void cli_rec_begin(cli_rec *r);
void cli_rec_end(cli_rec *r);

/* Opens a nested JSON object or array as the member key (NULL inside an
 * array) and closes the innermost one; in CSV and TSV they write nothing,
 * their members becoming fields of the record. */
void cli_rec_object(cli_rec *r, const char *key);
void cli_rec_array(cli_rec *r, const char *key);
void cli_rec_close(cli_rec *r);

/* Fields, each written as the member key (NULL inside an array; ignored in
 * CSV and TSV). A string goes through the escaper of the sink. */
void cli_rec_str(cli_rec *r, const char *key, const char *s);
void cli_rec_size(cli_rec *r, const char *key, size_t v);
void cli_rec_u64(cli_rec *r, const char *key, uint64_t v);
void cli_rec_bool(cli_rec *r, const char *key, int v);

/* null in JSON, an empty field in CSV and TSV. */
void cli_rec_null(cli_rec *r, const char *key);

/* v with decimals digits after the point, as printf's "%.*f"; a value that
 * is not finite is written as cli_rec_null. */
void cli_rec_fixed(cli_rec *r, const char *key, double v, int decimals);

/* v with digits significant digits, as printf's "%.*g" (not finite: null). */
void cli_rec_sig(cli_rec *r, const char *key, double v, int digits);

/* A probability in [0, 1] with 4 decimals, the same text as "%.4f" without
 * printf (predict writes one or more per image). */
void cli_rec_prob4(cli_rec *r, const char *key, float p);

/* A probability of predict or read: 6 decimals in JSON, 4 (cli_rec_prob4)
 * in TSV and CSV. */
void cli_rec_prob(cli_rec *r, const char *key, double p);

/* The record of an input file that failed, beside its line on stderr, so
 * that a batch reading the records alone knows of it: {"file": F, "error":
 * MESSAGE} in JSON; in CSV the file, n_empty empty fields (the columns of
 * a result) and the error last; nothing in TSV, whose lines hold results
 * only. */
void cli_rec_failure(cli_rec *r, const char *file, size_t n_empty, const char *message);

#endif
