/*
 * bgzf.h - inflating a blocked gzip (BGZF) file with several threads.
 *
 * A gzip stream must be inflated from its start, on one core. BGZF, the
 * blocked gzip of the SAM/BAM specification (written by `bgzip`), is an
 * ordinary gzip file made of many members of at most 64 KiB of data each,
 * whose header records the member's compressed size in an extra field
 * (subfield "BC"). Walking those sizes finds every member without inflating
 * anything, so the members can be shared out among threads. Every gzip
 * reader still reads such a file as one stream; nnclass ships its MNIST
 * files in this form.
 *
 * nn_bgzf_index checks the whole layout before anything is inflated: every
 * member's header, its sizes (which must tile the input exactly), and that
 * its declared length is one its compressed bytes could produce. Inflating
 * then checks each member's data, CRC-32 and length.
 */
#ifndef NNCLASS_BGZF_H
#define NNCLASS_BGZF_H

#include <stddef.h>
#include <stdint.h>

#include "nnclass/error.h"

/* Largest amount of data one BGZF member may hold. */
#define NN_BGZF_MAX_BLOCK 65536u

/* The member table of a BGZF file held in memory. */
typedef struct nn_bgzf nn_bgzf;

/* Non-zero when the n bytes at p start with a BGZF member header. */
int nn_bgzf_detect(const uint8_t *p, size_t n);

/* Indexes the BGZF file data[0..len), which must stay valid and unchanged
 * while the index is used. NN_E_FORMAT (the message gives the offset) when
 * the bytes are not one whole BGZF file. name is only used in messages. */
nn_status nn_bgzf_index(const uint8_t *data, size_t len, const char *name, nn_bgzf **out,
                        nn_error *err);

/* Total bytes of data the members declare. */
uint64_t nn_bgzf_size(const nn_bgzf *bz);

/* Inflates the bytes [offset, offset + len) of the data into dst, sharing
 * the members out among up to threads threads (1 inflates on the caller's
 * thread only). NN_E_FORMAT when a member's data, CRC-32 or length is wrong,
 * NN_E_ARG when the range lies past the end. */
nn_status nn_bgzf_read(const nn_bgzf *bz, uint64_t offset, uint8_t *dst, size_t len,
                       size_t threads, nn_error *err);

void nn_bgzf_free(nn_bgzf *bz);

#endif
