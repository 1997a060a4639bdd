/* bgzf.c - the member table of a BGZF file and its inflation by several
 * threads, each with its own zlib stream over a run of whole members.
 *
 * A member, all integers little-endian:
 *
 *   1f 8b 08 04  gzip magic, deflate, flags = FEXTRA only
 *   mtime(4) xfl(1) os(1) xlen(2)
 *   xlen bytes of subfields (id1 id2 len(2) data), one of them "BC" with
 *     len 2 and data bsize = the member's total size - 1
 *   raw deflate data
 *   crc32(4) isize(4)  of the member's data
 */
#include "nnclass/bgzf.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

/* Bytes of a member before its subfields, and after its deflate data. */
#define HEAD_LEN 12u
#define TAIL_LEN 8u

/* Deflate cannot expand its input more than about 1032 times: a member
 * declaring more is corrupt, and is refused before anything is allocated. */
#define MAX_RATIO 1032u

typedef struct {
    size_t data;     /* offset of the raw deflate data in the input */
    uint32_t data_len;
    uint32_t crc;
    uint32_t size;   /* bytes of data it holds */
    uint64_t out;    /* offset of those bytes in the whole */
} member;

struct nn_bgzf {
    const uint8_t *in;
    size_t in_len;
    const char *name;
    member *members;
    size_t n_members;
    uint64_t size;
};

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The member's total size from its "BC" subfield, or 0 when it has none or
 * the subfields do not fit their declared length xlen. */
static size_t bc_size(const uint8_t *sub, size_t xlen)
{
    size_t i = 0;
    while (i + 4 <= xlen) {
        size_t slen = le16(sub + i + 2);
        if (i + 4 + slen > xlen)
            return 0;
        if (sub[i] == 'B' && sub[i + 1] == 'C' && slen == 2)
            return (size_t)le16(sub + i + 4) + 1;
        i += 4 + slen;
    }
    return 0;
}

int nn_bgzf_detect(const uint8_t *p, size_t n)
{
    if (n < HEAD_LEN || p[0] != 0x1f || p[1] != 0x8b || p[2] != 8 || p[3] != 4)
        return 0;
    size_t xlen = le16(p + 10);
    return n >= HEAD_LEN + xlen && bc_size(p + HEAD_LEN, xlen) != 0;
}

nn_status nn_bgzf_index(const uint8_t *data, size_t len, const char *name, nn_bgzf **out,
                        nn_error *err)
{
    *out = NULL;
    nn_bgzf *bz = calloc(1, sizeof *bz);
    if (bz == NULL)
        return nn_fail(err, NN_E_NOMEM, "%s: out of memory for a BGZF index", name);
    bz->in = data;
    bz->in_len = len;
    bz->name = name;
    size_t cap = 0;
    size_t pos = 0;
    while (pos < len) {
        const uint8_t *p = data + pos;
        size_t left = len - pos;
        if (!nn_bgzf_detect(p, left)) {
            nn_bgzf_free(bz);
            return nn_fail(err, NN_E_FORMAT, "%s: no BGZF member header at byte %zu", name,
                           pos);
        }
        size_t xlen = le16(p + 10);
        size_t total = bc_size(p + HEAD_LEN, xlen);
        if (total < HEAD_LEN + xlen + 1 + TAIL_LEN || total > left) {
            nn_bgzf_free(bz);
            return nn_fail(err, NN_E_FORMAT, "%s: BGZF member at byte %zu declares %zu bytes, "
                           "%s", name, pos, total,
                           total > left ? "past the end of the file" : "too few for a member");
        }
        member m;
        m.data = pos + HEAD_LEN + xlen;
        m.data_len = (uint32_t)(total - HEAD_LEN - xlen - TAIL_LEN);
        m.crc = le32(p + total - TAIL_LEN);
        m.size = le32(p + total - 4);
        m.out = bz->size;
        if (m.size > NN_BGZF_MAX_BLOCK || (uint64_t)m.size > (uint64_t)m.data_len * MAX_RATIO) {
            nn_bgzf_free(bz);
            return nn_fail(err, NN_E_FORMAT, "%s: BGZF member at byte %zu declares %u bytes "
                           "of data, more than %zu compressed bytes can hold", name, pos,
                           m.size, (size_t)m.data_len);
        }
        if (bz->n_members == cap) {
            size_t next = cap == 0 ? 256 : cap * 2;
            member *grown = realloc(bz->members, next * sizeof *grown);
            if (grown == NULL) {
                nn_bgzf_free(bz);
                return nn_fail(err, NN_E_NOMEM, "%s: out of memory for a BGZF index", name);
            }
            bz->members = grown;
            cap = next;
        }
        bz->members[bz->n_members++] = m;
        bz->size += m.size;
        pos += total;
    }
    if (bz->n_members == 0) {
        nn_bgzf_free(bz);
        return nn_fail(err, NN_E_FORMAT, "%s: empty file, no BGZF member", name);
    }
    *out = bz;
    return NN_OK;
}

uint64_t nn_bgzf_size(const nn_bgzf *bz)
{
    return bz->size;
}

void nn_bgzf_free(nn_bgzf *bz)
{
    if (bz == NULL)
        return;
    free(bz->members);
    free(bz);
}

/* One thread's share of a read: the members [first, last). */
typedef struct {
    const nn_bgzf *bz;
    uint64_t offset; /* of the read, in the whole */
    size_t len;
    uint8_t *dst;
    size_t first, last;
    nn_status status;
    size_t bad;      /* the member that failed */
    const char *why;
    pthread_t thread;
} share;

/* Inflates member m into out (m->size bytes) with z; returns a reason on
 * failure, NULL on success. */
static const char *inflate_member(const nn_bgzf *bz, const member *m, z_stream *z,
                                  uint8_t *out)
{
    if (inflateReset(z) != Z_OK)
        return "zlib could not reset its stream";
    z->next_in = (Bytef *)(bz->in + m->data);
    z->avail_in = m->data_len;
    z->next_out = out;
    z->avail_out = m->size;
    int r = inflate(z, Z_FINISH);
    if (r != Z_STREAM_END) {
        if (r == Z_BUF_ERROR && z->avail_out == 0)
            return "more data than its length field says";
        return z->msg != NULL ? z->msg : "the deflate data ends early";
    }
    if (z->avail_out != 0)
        return "less data than its length field says";
    if (z->avail_in != 0)
        return "bytes after the end of its deflate data";
    if (crc32(0L, out, m->size) != m->crc)
        return "CRC-32 mismatch";
    return NULL;
}

static void run_share(share *s)
{
    const nn_bgzf *bz = s->bz;
    uint8_t *scratch = NULL;
    z_stream z;
    memset(&z, 0, sizeof z);
    s->status = NN_OK;
    if (inflateInit2(&z, -15) != Z_OK) {
        s->status = NN_E_NOMEM;
        s->bad = s->first;
        s->why = "out of memory for zlib";
        return;
    }
    const uint64_t end = s->offset + s->len;
    for (size_t i = s->first; i < s->last; i++) {
        const member *m = &bz->members[i];
        uint64_t lo = m->out > s->offset ? m->out : s->offset;
        uint64_t hi = m->out + m->size < end ? m->out + m->size : end;
        const char *why;
        if (lo == m->out && hi == m->out + m->size) {
            why = inflate_member(bz, m, &z, s->dst + (m->out - s->offset));
        } else {
            /* A member only partly inside the range goes through scratch. */
            if (scratch == NULL && (scratch = malloc(NN_BGZF_MAX_BLOCK)) == NULL) {
                s->status = NN_E_NOMEM;
                s->bad = i;
                s->why = "out of memory";
                break;
            }
            why = inflate_member(bz, m, &z, scratch);
            if (why == NULL)
                memcpy(s->dst + (lo - s->offset), scratch + (lo - m->out), (size_t)(hi - lo));
        }
        if (why != NULL) {
            s->status = NN_E_FORMAT;
            s->bad = i;
            s->why = why;
            break;
        }
    }
    inflateEnd(&z);
    free(scratch);
}

static void *share_main(void *arg)
{
    run_share(arg);
    return NULL;
}

/* The first member whose data ends after offset (members with data only). */
static size_t member_at(const nn_bgzf *bz, uint64_t offset)
{
    size_t lo = 0, hi = bz->n_members;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (bz->members[mid].out + bz->members[mid].size <= offset)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Most threads a read uses, whatever the caller asks. */
#define MAX_THREADS 64u

nn_status nn_bgzf_read(const nn_bgzf *bz, uint64_t offset, uint8_t *dst, size_t len,
                       size_t threads, nn_error *err)
{
    if (offset > bz->size || len > bz->size - offset)
        return nn_fail(err, NN_E_ARG, "%s: bytes %llu to %llu asked of %llu", bz->name,
                       (unsigned long long)offset, (unsigned long long)(offset + len),
                       (unsigned long long)bz->size);
    if (len == 0)
        return NN_OK;
    size_t first = member_at(bz, offset), last = member_at(bz, offset + len - 1) + 1;
    /* Members with no data where the range starts or ends are read with it,
     * so that their CRC-32 and length are checked too: a read of the whole
     * data checks every member, bgzip's empty end-of-file member included. */
    while (first > 0 && bz->members[first - 1].size == 0 && bz->members[first - 1].out == offset)
        first--;
    while (last < bz->n_members && bz->members[last].size == 0 &&
           bz->members[last].out == offset + len)
        last++;
    size_t n = last - first;
    if (threads < 1)
        threads = 1;
    if (threads > MAX_THREADS)
        threads = MAX_THREADS;
    if (threads > n)
        threads = n;

    share shares[MAX_THREADS];
    int started[MAX_THREADS] = {0};
    for (size_t t = 0; t < threads; t++) {
        shares[t] = (share){bz, offset, len, dst, first + n * t / threads,
                            first + n * (t + 1) / threads, NN_OK, 0, NULL, 0};
        if (t > 0)
            started[t] = pthread_create(&shares[t].thread, NULL, share_main, &shares[t]) == 0;
    }
    run_share(&shares[0]);
    /* A share whose thread did not start is done here instead. */
    for (size_t t = 1; t < threads; t++) {
        if (started[t])
            pthread_join(shares[t].thread, NULL);
        else
            run_share(&shares[t]);
    }
    for (size_t t = 0; t < threads; t++) {
        const share *s = &shares[t];
        if (s->status == NN_OK)
            continue;
        const member *m = &bz->members[s->bad];
        return nn_fail(err, s->status, "%s: BGZF member %zu of %zu (data at byte %zu): %s",
                       bz->name, s->bad + 1, bz->n_members, m->data, s->why);
    }
    return NN_OK;
}
