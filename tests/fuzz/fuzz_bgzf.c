/* fuzz_bgzf.c - the BGZF reader (bgzf.h) and the IDX loaders' fast path over
 * it. The first byte picks a mode:
 *
 *   mode % 4 == 0  valid: the next 20 bytes are parameters, the rest is
 *                  content, which the harness writes as a BGZF file the way
 *                  bgzip does (members alternating between two data sizes
 *                  taken from the parameters, optional extra subfields beside
 *                  "BC", optional empty member at the end)
 *   mode % 4 == 1  defect: the same file with one defect in one member: a
 *                  byte flipped, a wrong CRC-32 or length, bytes added to or
 *                  cut from the deflate data, a deflate stream with no final
 *                  block, a broken header, two members swapped
 *   mode % 4 == 2  raw: the rest is the file itself
 *   mode % 4 == 3  IDX: as valid or defect, with the content an IDX file
 *                  (or given an IDX header that fits it), loaded from a
 *                  temporary file by nn_idx_load_images and _labels
 *
 * The rest of the first byte gives the deflate level, (mode / 4) % 10, and
 * strategy, (mode / 40) % 5 (or, for raw bytes, whether the IDX loaders also
 * read them).
 *
 * Whatever the mode, nn_bgzf_detect must agree with nn_bgzf_index; a read
 * gives the same answer whatever the number of threads, and when it succeeds
 * its bytes are what plain zlib gives for each member read as a gzip file of
 * its own; every failure has its status and a message naming the file; a
 * range past the end is NN_E_ARG.
 *
 * A file the harness wrote has a known layout, so the checks are exact: the
 * index must succeed or fail as the format says, its size must be the sum of
 * the members' lengths, and every range must return the content or, when it
 * covers a defective member's data, fail (a range that only touches one at
 * an edge may do either). A defect that makes the layout unknowable (a
 * member's subfield lengths) is held to the general checks only.
 *
 * The IDX mode (and raw bytes, when the mode byte asks) compares the fast
 * path with the ordinary gzip reader on the same stream behind an empty plain
 * gzip member, which the fast path does not take; a valid file must also
 * load exactly as the format says. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "nnclass/bgzf.h"

#include "fuzz_idx_common.h"

/* Parameter bytes after the mode byte (missing ones read as zero):
 *
 *   0-1   data size of the even members (little-endian; 0 = an empty member,
 *         0xffff = 65536)
 *   2-3   data size of the odd members
 *   4     bit 0: end with an empty member; bit 1: a "ZZ" subfield before BC;
 *         bit 2: one after BC; bits 3-4: their data length (0, 1, 2 or 7);
 *         bits 5-7: the content is repeated 2^n times (up to MAX_CONTENT
 *         bytes, MAX_IDX_CONTENT in the IDX mode)
 *   5     the mtime, xfl and os bytes of every member
 *   6     which member has the defect (modulo their number)
 *   7     which defect (modulo N_DEFECTS)
 *   8-9   the defect's position or amount
 *   10    the defect's byte (a flipped byte is XORed with it, 0 read as 1)
 *   11-15 unused but in the seed (a hash of all 20 bytes) that picks the
 *         ranges read and the thread counts
 *   16    IDX: bit 0: give the content an IDX header; bit 1: a label header
 *         (else images); bit 2: apply the defect; bits 4-5: the loaders' cap
 *         (the default, or about the content's, the payload's or the file's
 *         size)
 *   17-18 IDX: rows and cols of that header (1 to 28)
 *   19    IDX: the streaming reader's knob */
#define PARAMS 20

#define LONGEST_INPUT ((size_t)1 << 16)
#define MAX_CONTENT ((size_t)3 << 16)
#define MAX_IDX_CONTENT ((size_t)24 << 10)
#define MAX_MEMBERS 128

/* Bytes of a member before its subfields and after its deflate data. */
#define HEAD 12u
#define TAIL 8u

/* Deflate writes at least 2 bits per 258 bytes: 1032 bytes per byte. */
#define DEFLATE_MAX_RATIO 1032u

/* The name the index is given; every message must carry it. */
#define NAME "fuzz.bgz"

static void put16(uint8_t *p, size_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v & 0xffff);
    put16(p + 2, v >> 16);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t next_rand(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* --- writing a BGZF file -------------------------------------------------- */

/* One member as written: where its parts lie, and the content it holds. */
typedef struct {
    size_t start, total;   /* in the file */
    size_t bc;             /* offset in the member of the "BC" subfield */
    size_t data, data_len; /* offset in the member of the deflate data; its length */
    size_t src, size;      /* content[src, src + size) */
} wmember;

typedef struct {
    uint8_t *bytes;
    size_t len, cap;
    wmember m[MAX_MEMBERS + 1];
    size_t n;
} bgzf_file;

typedef struct {
    int level, strategy;
    uint8_t fill;     /* mtime, xfl and os */
    int pre, post;    /* data length of a "ZZ" subfield before / after BC, -1 none */
    long sync_member; /* this member's deflate data ends in a sync flush, -1 none */
} wopts;

static void reserve(bgzf_file *f, size_t more)
{
    if (f->len + more <= f->cap)
        return;
    size_t cap = f->cap > 0 ? f->cap : (size_t)1 << 16;
    while (cap < f->len + more)
        cap *= 2;
    uint8_t *grown = realloc(f->bytes, cap);
    if (grown == NULL)
        abort();
    f->bytes = grown;
    f->cap = cap;
}

/* A "ZZ" subfield of len bytes of data at p; returns its size. */
static size_t put_subfield(uint8_t *p, int len, uint8_t fill)
{
    p[0] = 'Z';
    p[1] = 'Z';
    put16(p + 2, (size_t)len);
    memset(p + 4, fill ^ 0x5a, (size_t)len);
    return 4 + (size_t)len;
}

/* Appends a member holding in[0..len), the content from src on. Returns 0,
 * appending nothing, when it does not fit in NN_BGZF_MAX_BLOCK bytes. */
static int put_member(bgzf_file *f, z_stream *z, const wopts *o, const uint8_t *in, size_t len,
                      size_t src)
{
    static const uint8_t nothing[1];
    if (f->n > MAX_MEMBERS)
        abort();
    size_t xlen = 6 + (o->pre >= 0 ? 4 + (size_t)o->pre : 0) +
                  (o->post >= 0 ? 4 + (size_t)o->post : 0);
    /* deflateBound covers one Z_FINISH call; a sync flush adds a few bytes. */
    size_t room = HEAD + xlen + deflateBound(z, (uLong)len) + 16 + TAIL;
    reserve(f, room);
    uint8_t *p = f->bytes + f->len;
    static const uint8_t magic[4] = {0x1f, 0x8b, 8, 4};
    memcpy(p, magic, 4);
    memset(p + 4, o->fill, 6);
    put16(p + 10, xlen);
    size_t at = HEAD;
    if (o->pre >= 0)
        at += put_subfield(p + at, o->pre, o->fill);
    const size_t bc = at;
    p[at] = 'B';
    p[at + 1] = 'C';
    put16(p + at + 2, 2);
    at += 6;
    if (o->post >= 0)
        at += put_subfield(p + at, o->post, o->fill);

    if (deflateReset(z) != Z_OK)
        abort();
    z->next_in = (Bytef *)(uintptr_t)(len > 0 ? in : nothing);
    z->avail_in = (uInt)len;
    z->next_out = p + at;
    z->avail_out = (uInt)(room - at - TAIL);
    if ((long)f->n == o->sync_member) {
        if (deflate(z, Z_SYNC_FLUSH) != Z_OK || z->avail_in != 0 || z->avail_out == 0)
            abort();
    } else if (deflate(z, Z_FINISH) != Z_STREAM_END) {
        abort();
    }
    size_t data_len = room - at - TAIL - z->avail_out;
    size_t total = at + data_len + TAIL;
    if (total > NN_BGZF_MAX_BLOCK)
        return 0;
    put16(p + bc + 4, total - 1);
    put32(p + total - 8, (uint32_t)crc32(0L, len > 0 ? in : nothing, (uInt)len));
    put32(p + total - 4, (uint32_t)len);
    f->m[f->n++] = (wmember){f->len, total, bc, at, data_len, src, len};
    f->len += total;
    return 1;
}

/* Writes content[0..*len) as BGZF into f, in members of size_a and size_b
 * bytes of data in turn (a member whose deflate data does not fit is made
 * smaller). Content past MAX_MEMBERS members is dropped: *len becomes what
 * the file holds. */
static void write_bgzf(bgzf_file *f, const wopts *o, const uint8_t *content, size_t *len,
                       size_t size_a, size_t size_b, int eof_member)
{
    f->len = 0;
    f->n = 0;
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, o->level, Z_DEFLATED, -15, 8, o->strategy) != Z_OK)
        abort();
    if (size_a == 0 && size_b == 0)
        size_a = 65280; /* bgzip's size */
    size_t pos = 0;
    for (size_t i = 0; pos < *len && f->n < MAX_MEMBERS; i++) {
        size_t take = i % 2 == 0 ? size_a : size_b;
        if (take > *len - pos)
            take = *len - pos;
        while (!put_member(f, &z, o, content + pos, take, pos))
            take -= take / 8 + 1;
        pos += take;
    }
    *len = pos;
    if (eof_member && !put_member(f, &z, o, content, 0, pos))
        abort();
    deflateEnd(&z);
}

/* --- what the index must find ---------------------------------------------- */

enum { FAILS, WORKS, EITHER };     /* the index's verdict */
enum { GOOD, BAD, UNTESTED };      /* a member's data */

typedef struct {
    uint64_t out, size; /* its data in the whole */
    size_t src;         /* and in the content (GOOD members) */
    int state;
} emember;

typedef struct {
    int index;
    int known; /* when the index works, m[] is what it must find */
    size_t n;
    emember m[MAX_MEMBERS + 2];
} expect;

/* Places the members' data one after another. */
static void relayout(expect *e)
{
    uint64_t out = 0;
    for (size_t i = 0; i < e->n; i++) {
        e->m[i].out = out;
        out += e->m[i].size;
    }
}

static void expect_written(expect *e, const bgzf_file *f)
{
    e->index = f->n > 0 ? WORKS : FAILS;
    e->known = 1;
    e->n = f->n;
    for (size_t i = 0; i < f->n; i++)
        e->m[i] = (emember){0, f->m[i].size, f->m[i].src, GOOD};
    relayout(e);
}

/* Member k now declares size bytes of data from data_len compressed bytes:
 * the index refuses what no deflate data of that length could hold,
 * otherwise the member's data is wrong. */
static void expect_declared(expect *e, size_t k, uint64_t size, uint64_t data_len)
{
    if (data_len == 0 || size > NN_BGZF_MAX_BLOCK || size > data_len * DEFLATE_MAX_RATIO) {
        e->index = FAILS;
        return;
    }
    e->m[k].size = size;
    e->m[k].state = BAD;
    relayout(e);
}

/* Replaces del bytes at `at` in f with len bytes of value v. */
static void splice(bgzf_file *f, size_t at, size_t del, size_t len, uint8_t v)
{
    reserve(f, len);
    memmove(f->bytes + at + len, f->bytes + at + del, f->len - at - del);
    memset(f->bytes + at, v, len);
    f->len = f->len - del + len;
}

enum {
    D_FLIP, D_CRC, D_LONGER, D_SHORTER, D_JUNK, D_CUT, D_BSIZE_SMALL, D_HEADER, D_SYNC, D_SWAP,
    N_DEFECTS
};

/* A byte of member k, at j, XORed with v: what it breaks depends on the
 * field it lies in. */
static void flip_byte(bgzf_file *f, expect *e, size_t k, size_t j, uint8_t v)
{
    const wmember *w = &f->m[k];
    uint8_t *p = f->bytes + w->start;
    p[j] ^= v;
    if (j < 4) {
        e->index = FAILS; /* magic, method, flags */
    } else if (j < 10) {
        /* mtime, xfl, os: nobody reads them */
    } else if (j < HEAD) {
        e->index = EITHER; /* xlen: the subfields are read from elsewhere */
        e->known = 0;
    } else if (j < w->data) {
        int has_pre = w->bc > HEAD, has_post = w->data > w->bc + 6;
        if (j == w->bc || j == w->bc + 1) {
            e->index = FAILS; /* no "BC" any more (no "ZZ" is one byte from "BC") */
        } else if (j >= w->bc + 4 && j < w->bc + 6) {
            size_t total = (size_t)(p[w->bc + 4] | p[w->bc + 5] << 8) + 1;
            if (total < w->data + 1 + TAIL || w->start + total > f->len) {
                e->index = FAILS;
            } else {
                e->index = EITHER;
                e->known = 0;
            }
        } else if ((j >= w->bc + 2 && j < w->bc + 4) ||
                   (has_pre && j >= HEAD + 2 && j < HEAD + 4) ||
                   (has_post && j >= w->bc + 8 && j < w->bc + 10)) {
            e->index = EITHER; /* a subfield length: the walk goes elsewhere */
            e->known = 0;
        }
        /* else a "ZZ" id or data byte: skipped over */
    } else if (j < w->data + w->data_len) {
        e->m[k].state = UNTESTED; /* may still inflate to the same bytes */
    } else if (j < w->total - 4) {
        e->m[k].state = BAD;
    } else {
        expect_declared(e, k, get32(p + w->total - 4), w->data_len);
    }
}

/* Gives member k of f one defect (of kind, with amount a and byte v) and
 * updates e, written for f, to what the index and reads must now do. A
 * deflate stream with no final block (D_SYNC) is written by the caller. */
static void add_defect(bgzf_file *f, expect *e, size_t k, int kind, size_t a, uint8_t v)
{
    const wmember w = f->m[k];
    uint8_t *p = f->bytes + w.start;
    if ((kind == D_SHORTER && w.size == 0) || (kind == D_JUNK && w.total + 4 > 65536) ||
        (kind == D_SWAP && k + 1 >= f->n))
        kind = D_CRC;
    switch (kind) {
    case D_FLIP:
        flip_byte(f, e, k, a % w.total, v);
        break;
    case D_CRC:
        p[w.total - 8 + a % 4] ^= v;
        e->m[k].state = BAD;
        break;
    case D_LONGER:
        put32(p + w.total - 4, (uint32_t)(w.size + 1 + a));
        expect_declared(e, k, w.size + 1 + a, w.data_len);
        break;
    case D_SHORTER:
        put32(p + w.total - 4, (uint32_t)(w.size - 1 - a % w.size));
        expect_declared(e, k, w.size - 1 - a % w.size, w.data_len);
        break;
    case D_JUNK: /* bytes after the end of the deflate data, inside the member */
        splice(f, w.start + w.data + w.data_len, 0, 1 + a % 4, v);
        put16(f->bytes + w.start + w.bc + 4, w.total + a % 4);
        e->m[k].state = BAD;
        break;
    case D_CUT: { /* the deflate data loses its last bytes */
        size_t cut = 1 + a % w.data_len;
        splice(f, w.start + w.data + w.data_len - cut, cut, 0, 0);
        put16(f->bytes + w.start + w.bc + 4, w.total - cut - 1);
        expect_declared(e, k, w.size, w.data_len - cut);
        break;
    }
    case D_BSIZE_SMALL: /* too small for a header, one byte of data and a trailer */
        put16(p + w.bc + 4, a % (w.data + TAIL));
        e->index = FAILS;
        break;
    case D_HEADER:
        if (a % 3 == 0)
            p[a / 3 % 4] ^= v;
        else if (a % 3 == 1)
            p[w.bc + a / 3 % 2] ^= v;
        else /* xlen ends before the end of "BC" */
            put16(p + 10, a / 3 % (w.bc - HEAD + 6));
        e->index = FAILS;
        break;
    case D_SYNC: /* rewritten by the caller */
        abort();
    case D_SWAP: {
        const wmember w2 = f->m[k + 1];
        uint8_t *tmp = malloc(w.total + w2.total);
        if (tmp == NULL)
            abort();
        memcpy(tmp, f->bytes + w2.start, w2.total);
        memcpy(tmp + w2.total, p, w.total);
        memcpy(p, tmp, w.total + w2.total);
        free(tmp);
        emember t = e->m[k];
        e->m[k] = e->m[k + 1];
        e->m[k + 1] = t;
        relayout(e);
        break;
    }
    }
}

/* --- checking a file -------------------------------------------------------- */

/* The size of the member at p (left bytes on) from its "BC" subfield, as the
 * SAM/BAM specification words it; 0 when there is none. */
static size_t member_total(const uint8_t *p, size_t left)
{
    if (left < HEAD)
        return 0;
    size_t xlen = (size_t)(p[10] | p[11] << 8);
    if (HEAD + xlen > left)
        return 0;
    const uint8_t *sub = p + HEAD;
    for (size_t i = 0; i + 4 <= xlen;) {
        size_t slen = (size_t)(sub[i + 2] | sub[i + 3] << 8);
        if (i + 4 + slen > xlen)
            return 0;
        if (sub[i] == 'B' && sub[i + 1] == 'C' && slen == 2)
            return (size_t)(sub[i + 4] | sub[i + 5] << 8) + 1;
        i += 4 + slen;
    }
    return 0;
}

/* Whether plain zlib, inflating each member of the indexed file[0..len) as
 * a gzip file of its own, agrees with whole[0..size), what a BGZF read of
 * everything gave: each member zlib reads must give its bytes in turn, and
 * one zlib refuses must be a member with no data at the start or the end,
 * which no read covers. */
static int gunzip_agrees(const uint8_t *file, size_t len, const uint8_t *whole, uint64_t size)
{
    static uint8_t buf[NN_BGZF_MAX_BLOCK + 1];
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 15 + 16) != Z_OK)
        abort();
    size_t pos = 0;
    uint64_t out = 0;
    int agrees = 1;
    while (agrees && pos < len) {
        size_t total = member_total(file + pos, len - pos);
        if (total < HEAD + TAIL || total > len - pos) {
            agrees = 0; /* the index took what is no BGZF member */
            break;
        }
        uint32_t isize = get32(file + pos + total - 4);
        if (inflateReset(&z) != Z_OK)
            abort();
        z.next_in = (Bytef *)(uintptr_t)(file + pos);
        z.avail_in = (uInt)total;
        z.next_out = buf;
        z.avail_out = sizeof buf;
        int read = inflate(&z, Z_FINISH) == Z_STREAM_END && z.avail_in == 0 &&
                   z.total_out == isize;
        if (read)
            agrees = out + isize <= size && memcmp(buf, whole + out, isize) == 0;
        else
            agrees = isize == 0 && (out == 0 || out == size);
        out += isize;
        pos += total;
    }
    inflateEnd(&z);
    return agrees && out == size;
}

/* Reads [off, off + len) into a new buffer of exactly len bytes, returned in
 * *out on success (NULL on failure). A failure must be NN_E_FORMAT with a
 * message naming the file. */
static nn_status read_range(const nn_bgzf *bz, uint64_t off, size_t len, size_t threads,
                            uint8_t **out, nn_error *err)
{
    uint8_t *dst = malloc(len > 0 ? len : 1);
    if (dst == NULL)
        abort();
    err->msg[0] = '\0';
    nn_status st = nn_bgzf_read(bz, off, dst, len, threads, err);
    if (st != NN_OK) {
        if (st != NN_E_FORMAT || strstr(err->msg, NAME) == NULL)
            abort();
        free(dst);
        dst = NULL;
    }
    *out = dst;
    return st;
}

/* What a read of [a, a + len) must do when the layout is known: 1 succeed,
 * 0 fail (it covers some of a defective member's data), -1 either (a
 * defective member only touches it at an edge, or holds no data). */
static int range_verdict(const expect *e, uint64_t a, uint64_t len)
{
    if (len == 0)
        return 1;
    int verdict = 1;
    for (size_t i = 0; i < e->n; i++) {
        const emember *m = &e->m[i];
        if (m->state == GOOD)
            continue;
        if (m->size > 0 && m->out < a + len && a < m->out + m->size)
            return 0;
        if (!(m->out + m->size < a || m->out > a + len))
            verdict = -1;
    }
    return verdict;
}

static const size_t thread_counts[] = {1, 2, 3, 65};

/* A range of [0, size] to read: ends near member edges when the layout is
 * known, anywhere otherwise. */
static void pick_range(uint64_t *rng, const expect *e, uint64_t size, uint64_t *a, uint64_t *len)
{
    uint64_t r = next_rand(rng), x, y;
    if (e != NULL && e->known && e->n > 0 && (r & 1)) {
        const emember *m1 = &e->m[(r >> 1) % e->n], *m2 = &e->m[(r >> 17) % e->n];
        x = m1->out + (r >> 33) % 5;
        y = m2->out + m2->size + (r >> 41) % 5;
        x = x < 2 ? 0 : x - 2;
        y = y < 2 ? 0 : y - 2;
        x = x > size ? size : x;
        y = y > size ? size : y;
    } else {
        x = next_rand(rng) % (size + 1);
        y = next_rand(rng) % (size + 1);
    }
    if (x > y) {
        uint64_t t = x;
        x = y;
        y = t;
    }
    *a = x;
    *len = y - x;
}

/* Indexes and reads file[0..len). e, when not NULL, says what must happen
 * (the UNTESTED members get tested), with the content it refers to. */
static void check_file(const uint8_t *file, size_t len, expect *e, const uint8_t *content,
                       uint64_t seed)
{
    static char not_null;
    nn_error err = {{0}};
    nn_bgzf *bz = (nn_bgzf *)&not_null; /* a failed index must set it to NULL */
    int detected = nn_bgzf_detect(file, len);
    nn_status st = nn_bgzf_index(file, len, NAME, &bz, &err);
    if (st != NN_OK) {
        if (st != NN_E_FORMAT || bz != NULL || strstr(err.msg, NAME) == NULL)
            abort();
        if (e != NULL && e->index == WORKS)
            abort();
        return;
    }
    if (bz == NULL || !detected || (e != NULL && e->index == FAILS))
        abort();
    const uint64_t size = nn_bgzf_size(bz);
    if (size > (uint64_t)len * DEFLATE_MAX_RATIO)
        abort();
    if (e != NULL && !e->known)
        e = NULL; /* from here on, the general checks only */

    /* The content each GOOD member must give, at its place in the whole. */
    uint8_t *want = NULL;
    if (e != NULL) {
        if (size != e->m[e->n - 1].out + e->m[e->n - 1].size)
            abort();
        want = malloc(size + 1);
        if (want == NULL)
            abort();
        for (size_t i = 0; i < e->n; i++)
            if (e->m[i].state == GOOD)
                memcpy(want + e->m[i].out, content + e->m[i].src, e->m[i].size);
        /* A member whose deflate data changed either still gives its bytes
         * (CRC-32 would see any change) or fails, alone or with others. */
        for (size_t i = 0; i < e->n; i++) {
            emember *m = &e->m[i];
            if (m->state != UNTESTED)
                continue;
            m->state = BAD;
            uint8_t *got;
            if (m->size > 0 && read_range(bz, m->out, m->size, 1, &got, &err) == NN_OK) {
                if (memcmp(got, content + m->src, m->size) != 0)
                    abort();
                memcpy(want + m->out, got, m->size);
                m->state = GOOD;
                free(got);
            }
        }
    }

    /* The whole, on one thread and on several: the same answer. */
    uint64_t rng = seed;
    uint8_t *whole, *again;
    nn_error err2 = {{0}};
    st = read_range(bz, 0, size, 1, &whole, &err);
    nn_status st2 = read_range(bz, 0, size, thread_counts[1 + seed % 3], &again, &err2);
    if (st != st2 || (st == NN_OK && memcmp(whole, again, size) != 0) ||
        (st != NN_OK && strcmp(err.msg, err2.msg) != 0))
        abort();
    free(again);
    if (e != NULL) {
        int verdict = range_verdict(e, 0, size);
        if ((verdict == 1 && st != NN_OK) || (verdict == 0 && st == NN_OK))
            abort();
        if (st == NN_OK && memcmp(whole, want, size) != 0)
            abort();
    }
    if (st == NN_OK && !gunzip_agrees(file, len, whole, size))
        abort();

    /* Ranges that begin and end anywhere, mostly inside members. */
    for (int r = 0; r < 4; r++) {
        uint64_t a, n;
        pick_range(&rng, e, size, &a, &n);
        uint8_t *got;
        nn_status rs = read_range(bz, a, n, thread_counts[next_rand(&rng) % 4], &got, &err);
        if (st == NN_OK && (rs != NN_OK || memcmp(got, whole + a, n) != 0))
            abort();
        if (e != NULL) {
            int verdict = range_verdict(e, a, n);
            if ((verdict == 1 && rs != NN_OK) || (verdict == 0 && rs == NN_OK))
                abort();
            if (rs == NN_OK && memcmp(got, want + a, n) != 0)
                abort();
        }
        free(got);
    }
    free(whole);
    free(want);

    /* Past the end: refused before anything is read. A 1-byte buffer stands
     * in for the ones too big to allocate. */
    uint8_t byte[1];
    uint8_t *buf = malloc(size + 1);
    if (buf == NULL)
        abort();
    uint64_t off = size > 3 ? size - 3 : 0;
    const struct {
        uint64_t off;
        size_t len;
        uint8_t *dst;
    } past[] = {
        {size + 1, 0, byte}, {off, (size_t)(size - off + 1), buf}, {0, (size_t)size + 1, buf},
        {size, 1, byte},     {UINT64_MAX, 1, byte},                {1, SIZE_MAX, byte},
    };
    for (size_t i = 0; i < sizeof past / sizeof past[0]; i++) {
        err.msg[0] = '\0';
        if (nn_bgzf_read(bz, past[i].off, past[i].dst, past[i].len, 1 + i % 3, &err) != NN_E_ARG ||
            strstr(err.msg, NAME) == NULL)
            abort();
    }
    if (nn_bgzf_read(bz, size, byte, 0, 2, &err) != NN_OK)
        abort();
    free(buf);
    nn_bgzf_free(bz);
}

/* A valid file cut short or with bytes after it: the index must find
 * exactly the whole members before the cut, and refuse anything else. */
static void check_cuts(const bgzf_file *f, const expect *e, uint64_t seed)
{
    if (f->n == 0)
        return;
    nn_error err = {{0}};
    nn_bgzf *bz;
    size_t cut = (size_t)(seed % f->len);
    size_t whole = 0; /* members before the cut */
    while (whole < f->n && f->m[whole].start + f->m[whole].total <= cut)
        whole++;
    int at_edge = whole > 0 && f->m[whole - 1].start + f->m[whole - 1].total == cut;
    nn_status st = nn_bgzf_index(f->bytes, cut, NAME, &bz, &err);
    if (at_edge) {
        if (st != NN_OK || nn_bgzf_size(bz) != e->m[whole].out)
            abort();
        nn_bgzf_free(bz);
    } else if (st != NN_E_FORMAT || bz != NULL) {
        abort();
    }

    /* Followed by the start of its first member, or by all of it. */
    const wmember *m0 = &f->m[0];
    uint8_t *longer = malloc(f->len + m0->total);
    if (longer == NULL)
        abort();
    memcpy(longer, f->bytes, f->len);
    memcpy(longer + f->len, f->bytes, m0->total);
    size_t extra = 1 + (size_t)(seed >> 32) % (m0->data + 1);
    if (nn_bgzf_index(longer, f->len + extra, NAME, &bz, &err) != NN_E_FORMAT || bz != NULL)
        abort();
    if (nn_bgzf_index(longer, f->len + m0->total, NAME, &bz, &err) != NN_OK ||
        nn_bgzf_size(bz) != e->m[e->n - 1].out + e->m[e->n - 1].size + m0->size)
        abort();
    nn_bgzf_free(bz);
    free(longer);
}

/* --- the IDX loaders ------------------------------------------------------- */

/* An empty gzip member: put in front of a BGZF file, it leaves the stream's
 * content as it is but keeps the loaders off their BGZF path. */
static const uint8_t empty_gzip[20] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff, 3, 0};

/* The loaders on fast (a BGZF file) and on plain (the same stream behind
 * empty_gzip) must give the same status, and on success the same data. */
static void compare_loaders(const char *fast, const char *plain, uint64_t cap)
{
    nn_error ea = {{0}}, eb = {{0}};
    nn_images ia, ib;
    nn_status sa = nn_idx_load_images(fast, cap, &ia, &ea);
    nn_status sb = nn_idx_load_images(plain, cap, &ib, &eb);
    if (sa != sb)
        abort();
    if (sa == NN_OK) {
        if (ia.count != ib.count || ia.rows != ib.rows || ia.cols != ib.cols ||
            (ia.pixels == NULL) != (ib.pixels == NULL) ||
            (ia.count > 0 && memcmp(ia.pixels, ib.pixels, ia.count * ia.rows * ia.cols) != 0))
            abort();
    } else {
        fuzz_check_failure(sa, &ea, fast);
        fuzz_check_failure(sb, &eb, plain);
    }
    nn_images_free(&ia);
    nn_images_free(&ib);

    nn_labels la, lb;
    sa = nn_idx_load_labels(fast, cap, &la, &ea);
    sb = nn_idx_load_labels(plain, cap, &lb, &eb);
    if (sa != sb)
        abort();
    if (sa == NN_OK) {
        if (la.count != lb.count || (la.labels == NULL) != (lb.labels == NULL) ||
            (la.count > 0 && memcmp(la.labels, lb.labels, la.count) != 0))
            abort();
    } else {
        fuzz_check_failure(sa, &ea, fast);
        fuzz_check_failure(sb, &eb, plain);
    }
    nn_labels_free(&la);
    nn_labels_free(&lb);
}

/* Writes file to a temporary path and compares the loaders on it with the
 * ordinary gzip reader; plain, when not NULL, is the file's valid content,
 * which must load exactly as the format says. */
static void check_idx(const uint8_t *file, size_t len, const uint8_t *plain, size_t plain_len,
                      uint64_t cap, uint8_t knob)
{
    char *path = fuzz_write_temp(file, len);
    if (plain != NULL)
        fuzz_idx_file(path, plain, plain_len, knob);
    /* zlib takes a file that does not start with the gzip magic as raw
     * bytes, and ignores what follows a gzip member when it is not one:
     * only a file that starts as gzip reads the same behind empty_gzip. */
    if (len >= 2 && file[0] == 0x1f && file[1] == 0x8b) {
        uint8_t *behind = malloc(sizeof empty_gzip + len);
        if (behind == NULL)
            abort();
        memcpy(behind, empty_gzip, sizeof empty_gzip);
        memcpy(behind + sizeof empty_gzip, file, len);
        char *other = fuzz_write_temp(behind, sizeof empty_gzip + len);
        free(behind);
        compare_loaders(path, other, cap);
        unlink(other);
        free(other);
    }
    unlink(path);
    free(path);
}

/* content with an IDX header that fits it: labels, or as many whole images
 * of rows x cols as it holds. Returns a new buffer of *len bytes. */
static uint8_t *with_idx_header(const uint8_t *content, size_t *len, int labels, size_t rows,
                                size_t cols)
{
    size_t header = labels ? 8 : 16, item = labels ? 1 : rows * cols;
    size_t count = *len / item;
    uint8_t *out = malloc(header + count * item);
    if (out == NULL)
        abort();
    uint8_t dims[3][4] = {{0}};
    const size_t values[3] = {count, rows, cols};
    for (int d = 0; d < 3; d++)
        for (int b = 0; b < 4; b++)
            dims[d][b] = (uint8_t)(values[d] >> (24 - 8 * b));
    static const uint8_t magic_images[4] = {0, 0, 8, 3}, magic_labels[4] = {0, 0, 8, 1};
    memcpy(out, labels ? magic_labels : magic_images, 4);
    memcpy(out + 4, dims, header - 4);
    if (count > 0)
        memcpy(out + header, content, count * item);
    *len = header + count * item;
    return out;
}

/* --- the entry point ------------------------------------------------------- */

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3u;
    return h;
}

/* Raw bytes: the general checks only. */
static void fuzz_raw(const uint8_t *file, size_t len, uint8_t mode)
{
    check_file(file, len, NULL, NULL, fnv1a(file, len));
    if ((mode >> 2) & 1)
        check_idx(file, len, NULL, 0, 0, mode);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int strategies[] = {Z_DEFAULT_STRATEGY, Z_FILTERED, Z_HUFFMAN_ONLY, Z_RLE,
                                     Z_FIXED};
    static const int extra_len[] = {0, 1, 2, 7};
    static bgzf_file f;
    static expect e;
    if (size < 1 || size > LONGEST_INPUT)
        return 0;
    const uint8_t mode = data[0];
    if (mode % 4 == 2) {
        fuzz_raw(data + 1, size - 1, mode);
        return 0;
    }
    uint8_t p[PARAMS] = {0};
    size_t n_params = size - 1 < PARAMS ? size - 1 : PARAMS;
    memcpy(p, data + 1, n_params);
    const uint8_t *input = data + 1 + n_params;
    const size_t input_len = size - 1 - n_params;
    const int idx = mode % 4 == 3;
    const int defect = mode % 4 == 1 || (idx && (p[16] & 4));

    /* The content: the input, repeated. */
    size_t reps = (size_t)1 << (p[4] >> 5);
    size_t cap = idx ? MAX_IDX_CONTENT : MAX_CONTENT;
    size_t content_len = input_len * reps < cap ? input_len * reps : cap;
    uint8_t *content = malloc(content_len > 0 ? content_len : 1);
    if (content == NULL)
        abort();
    for (size_t i = 0; i < content_len; i += input_len)
        memcpy(content + i, input, content_len - i < input_len ? content_len - i : input_len);
    if (idx && (p[16] & 1)) {
        uint8_t *given = with_idx_header(content, &content_len, p[16] & 2, 1 + p[17] % 28,
                                         1 + p[18] % 28);
        free(content);
        content = given;
    }

    size_t size_a = (size_t)(p[0] | p[1] << 8), size_b = (size_t)(p[2] | p[3] << 8);
    size_a += size_a == 0xffff;
    size_b += size_b == 0xffff;
    wopts o = {(mode / 4) % 10, strategies[(mode / 40) % 5], p[5],
               (p[4] & 2) ? extra_len[(p[4] >> 3) & 3] : -1,
               (p[4] & 4) ? extra_len[(p[4] >> 3) & 3] : -1, -1};
    write_bgzf(&f, &o, content, &content_len, size_a, size_b, p[4] & 1);
    expect_written(&e, &f);
    const uint64_t seed = fnv1a(p, PARAMS);
    if (defect && f.n > 0) {
        size_t k = p[6] % f.n;
        int kind = p[7] % N_DEFECTS;
        if (kind == D_SYNC) {
            o.sync_member = (long)k;
            write_bgzf(&f, &o, content, &content_len, size_a, size_b, p[4] & 1);
            expect_written(&e, &f);
            e.m[k].state = BAD;
        } else {
            add_defect(&f, &e, k, kind, (size_t)(p[8] | p[9] << 8), p[10] != 0 ? p[10] : 1);
        }
    }

    if (!idx) {
        if (!defect)
            check_cuts(&f, &e, seed);
        check_file(f.bytes, f.len, &e, content, seed);
    } else {
        const size_t payload = content_len > 16 ? content_len - 16 : 1;
        const uint64_t caps[4] = {0, content_len + 1, payload, f.len > 1 ? f.len - 1 : 1};
        check_idx(f.bytes, f.len, defect ? NULL : content, content_len, caps[(p[16] >> 4) & 3],
                  p[19]);
    }
    free(content);
    return 0;
}
