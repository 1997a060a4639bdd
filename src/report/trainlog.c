/* trainlog.c - a strict JSON Lines reader for training logs: a small
 * recursive-descent JSON parser that validates every value, and the
 * checks that turn an object into an epoch. */
#include "nnclass/report/trainlog.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 32

typedef struct {
    const char *p, *end; /* the line being parsed */
    const char *why;     /* first problem found, a constant string */
    const char *field;   /* the known field it concerns, or NULL */
} cursor;

static void skip_ws(cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\r'))
        c->p++;
}

static int fail(cursor *c, const char *why)
{
    if (c->why == NULL)
        c->why = c->p >= c->end ? "unexpected end of line" : why;
    return -1;
}

static int is_hex(char ch)
{
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

/* A string; when key is not NULL its raw bytes (escapes kept as written)
 * are copied there if they fit in cap, else key[0] is set to 0. */
static int parse_string(cursor *c, char *key, size_t cap)
{
    if (c->p >= c->end || *c->p != '"')
        return fail(c, "expected a string");
    const char *start = ++c->p;
    while (c->p < c->end && *c->p != '"') {
        unsigned char ch = (unsigned char)*c->p;
        if (ch < 0x20)
            return fail(c, "control character in a string");
        if (ch == '\\') {
            if (++c->p >= c->end)
                break;
            char e = *c->p;
            if (e == 'u') {
                if (c->end - c->p < 5 || !is_hex(c->p[1]) || !is_hex(c->p[2]) ||
                    !is_hex(c->p[3]) || !is_hex(c->p[4]))
                    return fail(c, "bad \\u escape in a string");
                c->p += 4;
            } else if (strchr("\"\\/bfnrt", e) == NULL || e == '\0') {
                return fail(c, "bad escape in a string");
            }
        }
        c->p++;
    }
    if (c->p >= c->end) {
        c->why = c->why != NULL ? c->why : "unterminated string";
        return -1;
    }
    size_t n = (size_t)(c->p - start);
    if (key != NULL) {
        if (n < cap) {
            memcpy(key, start, n);
            key[n] = '\0';
        } else {
            key[0] = '\0';
        }
    }
    c->p++;
    return 0;
}

/* A number in JSON's grammar; its value in *out. */
static int parse_number(cursor *c, double *out)
{
    const char *s = c->p;
    if (c->p < c->end && *c->p == '-')
        c->p++;
    if (c->p >= c->end || *c->p < '0' || *c->p > '9')
        return fail(c, "bad number");
    if (*c->p == '0')
        c->p++;
    else
        while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
            c->p++;
    if (c->p < c->end && *c->p == '.') {
        c->p++;
        if (c->p >= c->end || *c->p < '0' || *c->p > '9')
            return fail(c, "bad number");
        while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
            c->p++;
    }
    if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
        c->p++;
        if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
            c->p++;
        if (c->p >= c->end || *c->p < '0' || *c->p > '9')
            return fail(c, "bad number");
        while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
            c->p++;
    }
    /* strtod needs a terminated copy; JSON numbers of sense are short. */
    char buf[64];
    size_t n = (size_t)(c->p - s);
    if (n >= sizeof buf)
        return fail(c, "number too long");
    memcpy(buf, s, n);
    buf[n] = '\0';
    *out = strtod(buf, NULL);
    return 0;
}

static int literal(cursor *c, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0)
        return fail(c, "unexpected character");
    c->p += n;
    return 0;
}

/* What parse_value saw, for the caller's checks. */
typedef enum { V_OTHER, V_NUMBER, V_NULL } value_kind;

static int parse_value(cursor *c, int depth, value_kind *kind, double *num);

/* Takes byte ch when it comes next (after white space); returns whether it did. */
static int take(cursor *c, char ch)
{
    skip_ws(c);
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return 1;
    }
    return 0;
}

/* After an item of an array or an object: 1 when a ',' says another item
 * follows, 0 when the closing bracket ends it, else -1 (why: the message). */
static int after_item(cursor *c, char close, const char *why)
{
    if (take(c, ','))
        return 1;
    if (take(c, close))
        return 0;
    return fail(c, why);
}

static int parse_array(cursor *c, int depth)
{
    c->p++; /* [ */
    if (take(c, ']'))
        return 0;
    int more = 1;
    while (more == 1) {
        value_kind k;
        double v;
        if (parse_value(c, depth + 1, &k, &v) != 0)
            return -1;
        more = after_item(c, ']', "expected ',' or ']' in an array");
    }
    return more;
}

/* The fields an epoch needs, as found in the top-level object. */
typedef struct {
    int has_epoch, has_loss, has_train, has_val, has_lr, has_val_loss;
    double epoch, loss, train, val, lr, val_loss;
    int val_null, loss_null, val_loss_null;
    int has_split; /* a result record ("split":"test"), not an epoch */
} fields;

static int take_field(cursor *c, fields *f, const char *key, value_kind k, double v)
{
    struct {
        const char *name;
        int *seen;
        double *value;
    } known[] = {
        {"epoch", &f->has_epoch, &f->epoch},
        {"loss", &f->has_loss, &f->loss},
        {"train_accuracy", &f->has_train, &f->train},
        {"val_accuracy", &f->has_val, &f->val},
        {"lr", &f->has_lr, &f->lr},
        {"val_loss", &f->has_val_loss, &f->val_loss},
    };
    if (strcmp(key, "split") == 0)
        f->has_split = 1;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        if (strcmp(key, known[i].name) != 0)
            continue;
        c->field = known[i].name; /* for the messages below */
        if (*known[i].seen)
            return fail(c, "appears twice");
        *known[i].seen = 1;
        if (k == V_NULL && (known[i].value == &f->val || known[i].value == &f->loss ||
                            known[i].value == &f->val_loss)) {
            *(known[i].value == &f->val    ? &f->val_null
              : known[i].value == &f->loss ? &f->loss_null
                                           : &f->val_loss_null) = 1;
            c->field = NULL;
            return 0;
        }
        if (k != V_NUMBER)
            return fail(c, "must be a number");
        *known[i].value = v;
        c->field = NULL;
        return 0;
    }
    return 0;
}

/* An object; at depth 0 its known fields go into f. */
static int parse_object(cursor *c, int depth, fields *f)
{
    c->p++; /* { */
    if (take(c, '}'))
        return 0;
    int more = 1;
    while (more == 1) {
        char key[32];
        skip_ws(c);
        if (parse_string(c, depth == 0 ? key : NULL, sizeof key) != 0)
            return -1;
        if (!take(c, ':'))
            return fail(c, "expected ':' after a field name");
        value_kind k;
        double v;
        if (parse_value(c, depth + 1, &k, &v) != 0)
            return -1;
        if (depth == 0 && take_field(c, f, key, k, v) != 0)
            return -1;
        more = after_item(c, '}', "expected ',' or '}' in an object");
    }
    return more;
}

static int parse_value(cursor *c, int depth, value_kind *kind, double *num)
{
    *kind = V_OTHER;
    if (depth > MAX_DEPTH)
        return fail(c, "nested too deeply");
    skip_ws(c);
    if (c->p >= c->end)
        return fail(c, "unexpected end of line");
    switch (*c->p) {
    case '{': {
        fields ignored;
        memset(&ignored, 0, sizeof ignored);
        return parse_object(c, depth, &ignored);
    }
    case '[': return parse_array(c, depth);
    case '"': return parse_string(c, NULL, 0);
    case 't': return literal(c, "true");
    case 'f': return literal(c, "false");
    case 'n':
        *kind = V_NULL;
        return literal(c, "null");
    default:
        *kind = V_NUMBER;
        return parse_number(c, num);
    }
}

/* One non-blank line into an epoch; NULL or the problem. *skip is set for
 * a result record, such as the test record that ends train's log. */
static const char *parse_line(const char *line, size_t len, nn_svg_epoch *e, int *skip,
                              char *msg, size_t cap)
{
    *skip = 0;
    cursor c = {line, line + len, NULL, NULL};
    fields f;
    memset(&f, 0, sizeof f);
    skip_ws(&c);
    if (c.p >= c.end || *c.p != '{')
        return "not a JSON object";
    if (parse_object(&c, 0, &f) != 0) {
        if (c.field == NULL)
            return c.why;
        snprintf(msg, cap, "\"%s\" %s", c.field, c.why);
        return msg;
    }
    skip_ws(&c);
    if (c.p != c.end)
        return "text after the JSON object";
    if (!f.has_epoch && f.has_split) {
        *skip = 1;
        return NULL;
    }
    if (!f.has_epoch)
        return "no \"epoch\" field";
    if (!f.has_loss)
        return "no \"loss\" field";
    if (!f.has_train)
        return "no \"train_accuracy\" field";
    if (!(f.epoch >= 1 && f.epoch <= 1e9) || f.epoch != floor(f.epoch))
        return "\"epoch\" is not a whole number from 1";
    if (!f.loss_null && !(f.loss >= 0 && isfinite(f.loss)))
        return "\"loss\" is not a finite number >= 0";
    if (!(f.train >= 0 && f.train <= 1))
        return "\"train_accuracy\" is not between 0 and 1";
    if (f.has_val && !f.val_null && !(f.val >= 0 && f.val <= 1))
        return "\"val_accuracy\" is not between 0 and 1";
    if (f.has_val_loss && !f.val_loss_null && !(f.val_loss >= 0 && isfinite(f.val_loss)))
        return "\"val_loss\" is not a finite number >= 0";
    if (f.has_lr && !(f.lr >= 0 && isfinite(f.lr)))
        return "\"lr\" is not a finite number >= 0";
    e->epoch = (size_t)f.epoch;
    e->loss = f.loss_null ? -1.0 : f.loss;
    e->train_accuracy = f.train;
    e->val_accuracy = f.has_val && !f.val_null ? f.val : -1.0;
    e->lr = f.has_lr ? f.lr : -1.0;
    e->val_loss = f.has_val_loss && !f.val_loss_null ? f.val_loss : -1.0;
    return NULL;
}

nn_status nn_trainlog_parse(const char *buf, size_t len, const char *name,
                            nn_svg_epoch **epochs, size_t *n, nn_error *err)
{
    nn_svg_epoch *out = NULL;
    size_t count = 0, cap = 0, line_no = 0;
    nn_status st = NN_OK;
    *epochs = NULL;
    *n = 0;
    for (size_t pos = 0; pos < len;) {
        const char *nl = memchr(buf + pos, '\n', len - pos);
        size_t line_len = nl != NULL ? (size_t)(nl - (buf + pos)) : len - pos;
        const char *line = buf + pos;
        pos += line_len + (nl != NULL);
        line_no++;
        size_t k = 0;
        while (k < line_len && (line[k] == ' ' || line[k] == '\t' || line[k] == '\r'))
            k++;
        if (k == line_len)
            continue;
        nn_svg_epoch e;
        char msg[96];
        int skip;
        const char *why = parse_line(line, line_len, &e, &skip, msg, sizeof msg);
        if (why == NULL && skip)
            continue;
        if (why == NULL && count > 0 && e.epoch <= out[count - 1].epoch)
            why = "epochs do not increase";
        if (why != NULL) {
            st = nn_fail(err, NN_E_FORMAT, "%s:%zu: %s", name, line_no, why);
            goto fail;
        }
        if (count == cap) {
            size_t ncap = cap > 0 ? 2 * cap : 64;
            nn_svg_epoch *p = realloc(out, ncap * sizeof *p);
            if (p == NULL) {
                st = nn_fail(err, NN_E_NOMEM, "%s: out of memory", name);
                goto fail;
            }
            out = p;
            cap = ncap;
        }
        out[count++] = e;
    }
    *epochs = out;
    *n = count;
    return NN_OK;

fail:
    free(out);
    return st;
}
