/*
 * pack_numbers.h - `nnclass pack --numbers` (pack_numbers.c), the part of
 * pack that composes written numbers rather than reading a folder.
 */
#ifndef NNCLASS_PACK_NUMBERS_H
#define NNCLASS_PACK_NUMBERS_H

#include <stdio.h>

/* pack with --numbers: argv as cmd_pack got it; the exit code. */
int cmd_pack_numbers(int argc, char **argv);

/* The --help text of --numbers and its options (after pack's own). */
void pack_numbers_help(FILE *out);

/* pack's whole --help text (cmd_pack.c). */
void pack_usage(FILE *out);

#endif
