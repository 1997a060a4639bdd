/*
 * text.h - the one rule for the characters of outside text (file names,
 * class names, model text fields) that must never reach a terminal, a TSV
 * line or a JSON string as they are: they move the cursor, end a record,
 * or reorder what the reader sees.
 */
#ifndef NNCLASS_TEXT_H
#define NNCLASS_TEXT_H

#include <stddef.h>

/* The length in bytes of the control character that s starts with, or 0
 * when it starts none (or at its NUL): C0 controls and DEL (1 byte), and in
 * UTF-8 the C1 controls U+0080-U+009F (2 bytes) and the Unicode
 * bidirectional controls U+061C (2), U+200E-U+200F, U+202A-U+202E and
 * U+2066-U+2069 (3). */
size_t nn_text_control_len(const char *s);

/* Its code point: the byte for C0 and DEL, else the decoded character;
 * call only where nn_text_control_len(s) > 0. */
unsigned nn_text_control_code(const char *s);

#endif
