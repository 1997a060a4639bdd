/* net_text.c - a layer table as text, one grammar for --layers, info and
 * the .npz "layers" string: comma-separated tokens, the input first, each
 * later token a layer in its kind's text form (see the token, parse and
 * format operations), with an optional :ACT. */
#include "nnclass/nn/net.h"

#include <stdio.h>
#include <string.h>

/* Parses one token (without its :ACT) into *layer; first says whether it
 * is the input. NULL on success, or what the token should look like. */
static const char *parse_token(const char *tok, int first, nn_layer *layer)
{
    memset(layer, 0, sizeof *layer);
    size_t skip = 0;
    unsigned flags = 0;
    nn_layer_kind kind = first ? nn_layer_input_kind()
                               : nn_layer_kind_for_token(tok, &skip, &flags);
    const nn_layer_ops *ops = nn_layer_ops_of(kind);
    if (ops == NULL || ops->parse == NULL)
        return "not a layer";
    layer->kind = kind;
    layer->flags = flags;
    return ops->parse(tok + skip, layer);
}

/* The :ACT after a token, into layer. */
static nn_status parse_act(const char *tok, const char *name, size_t count, int last,
                           nn_layer *layer, nn_error *err)
{
    nn_activation a;
    if (count == 0)
        return nn_fail(err, NN_E_ARG, "'%s': the input takes no activation", tok);
    if (last)
        return nn_fail(err, NN_E_ARG, "'%s': the output layer is always a softmax", tok);
    if (nn_activation_parse(name, &a) != 0 || a == NN_ACT_STEP)
        return nn_fail(err, NN_E_ARG, "'%s': unknown activation '%s' (expected relu, "
                       "sigmoid, tanh or none)", tok, name);
    layer->act = a;
    return NN_OK;
}

/* The checks of row count (parsed) against the rows before it. */
static nn_status check_row(const char *tok, nn_layer *layers, size_t count, int last,
                           nn_error *err)
{
    nn_layer *L = &layers[count];
    if (count == 0) {
        if (L->h == 0 || L->w == 0 || L->c == 0)
            return nn_fail(err, NN_E_ARG, "'%s': the input has 0 pixels", tok);
        if (L->h > NN_MAX_SIDE || L->w > NN_MAX_SIDE || L->h * L->w * L->c > NN_MAX_WIDTH)
            return nn_fail(err, NN_E_ARG, "'%s': more inputs than the cap of %u", tok,
                           NN_MAX_WIDTH);
        return NN_OK;
    }
    const nn_layer *P = &layers[count - 1];
    const nn_layer_ops *ops = nn_layer_ops_of(L->kind);
    if (ops->layout != NN_SHAPE_FLAT && nn_layer_ops_of(P->kind)->is_input && P->h == 1 &&
        P->w == 1)
        return nn_fail(err, NN_E_ARG, "'%s': a %s layer needs the input as RxC "
                       "(e.g. 28x28), not a number of inputs", tok, ops->name);
    nn_error le = {{0}};
    if (nn_net_layer_shape(P, L, last, &le) != NN_OK)
        return nn_fail(err, NN_E_ARG, "'%s': %s", tok, le.msg);
    if (last && ops->output == NULL && (L->c < 2 || L->c > NN_MAX_CLASSES))
        return nn_fail(err, NN_E_ARG, "'%s': the output layer needs 2 to %u classes", tok,
                       NN_MAX_CLASSES);
    return NN_OK;
}

/* How a list is read: a whole table (the input first, the output last),
 * or hidden rows only (after an input, before an output, given elsewhere). */
typedef struct {
    const char *spec;
    nn_activation def_act;
    int table;
    size_t max; /* rows, the input's place included */
} list_form;

/* A token that stands for several rows (its kind's parse set repeat): the
 * copies after layers[*count], every row but the last with the kind's
 * stack_flags, each checked. Adds the rows to *count. */
static nn_status expand_rows(const list_form *f, const char *tok, nn_layer *layers,
                             size_t *count, int last, nn_error *err)
{
    nn_layer row = layers[*count];
    size_t reps = row.repeat > 1 ? row.repeat : 1;
    row.repeat = 0;
    if (*count + reps > f->max)
        return nn_fail(err, NN_E_ARG, "'%s': more than %zu layers (input included)", tok,
                       f->max);
    for (size_t r = 0; r < reps; r++) {
        layers[*count] = row;
        if (r + 1 < reps)
            layers[*count].flags |= nn_layer_ops_of(row.kind)->stack_flags;
        nn_status st = check_row(tok, layers, *count, last && r + 1 == reps, err);
        if (st != NN_OK)
            return st;
        ++*count;
    }
    return NN_OK;
}

/* One token of spec, len bytes at p, into layers[*count] (and the rows
 * after it when the token stands for several); adds them to *count. */
static nn_status parse_entry(const list_form *f, const char *p, size_t len, size_t *count_io,
                             int last, nn_layer *layers, nn_error *err)
{
    const char *spec = f->spec;
    size_t count = *count_io;
    char tok[64], body[64];
    if (len == 0)
        return nn_fail(err, NN_E_ARG, "'%s' has an empty entry", spec);
    if (len >= sizeof tok)
        return nn_fail(err, NN_E_ARG, "'%.*s...': not a layer", 20, p);
    memcpy(tok, p, len);
    tok[len] = '\0';
    if (count == f->max && f->table)
        return nn_fail(err, NN_E_ARG, "'%s': more than %zu layers (input included)", tok,
                       f->max);
    if (count == f->max)
        return nn_fail(err, NN_E_ARG, "'%s': more than %zu hidden layers", tok, f->max - 1);
    memcpy(body, tok, len + 1);
    char *colon = strchr(body, ':');
    nn_layer *L = &layers[count];
    if (colon != NULL)
        *colon = '\0';
    const char *why = parse_token(body, count == 0, L);
    if (why != NULL)
        return nn_fail(err, NN_E_ARG, "'%s': %s", tok, why);
    if (count > 0 && nn_layer_ops_of(L->kind)->takes_default_act)
        L->act = f->def_act;
    if (colon != NULL) {
        nn_status st = parse_act(tok, colon + 1, count, last, L, err);
        if (st != NN_OK)
            return st;
    }
    return expand_rows(f, tok, layers, count_io, last, err);
}

/* Reads the tokens of f->spec into layers from row first (0 for a table,
 * whose row 0 is the input; 1 for hidden rows after layers[0]); *count
 * receives the rows filled, first included. */
static nn_status parse_list(const list_form *f, size_t first, nn_layer *layers, size_t *count,
                            nn_error *err)
{
    if (f->spec == NULL || f->spec[0] == '\0')
        return nn_fail(err, NN_E_ARG, "empty list; expected e.g. %s",
                       f->table ? "784,16,10 or 28x28,conv5x5x16,pool2,10" : "16,16");
    size_t k = first;
    const char *p = f->spec;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma != NULL ? (size_t)(comma - p) : strlen(p);
        nn_status st = parse_entry(f, p, len, &k, f->table && comma == NULL, layers, err);
        if (st != NN_OK)
            return st;
        if (comma == NULL)
            break;
        p = comma + 1;
    }
    *count = k;
    return NN_OK;
}

nn_status nn_net_parse_hidden(const char *spec, nn_activation def_act, nn_layer *layers,
                              size_t *n, nn_error *err)
{
    *n = 0;
    /* The rows are read after a stand-in input; the real one is the data's. */
    nn_layer rows[NN_MAX_LAYERS];
    rows[0] = nn_layer_input_row(1, 1, 1);
    list_form f = {spec, def_act, 0, NN_MAX_LAYERS - 1};
    size_t count = 0;
    nn_status st = parse_list(&f, 1, rows, &count, err);
    if (st != NN_OK)
        return st;
    memcpy(layers, rows + 1, (count - 1) * sizeof rows[0]);
    *n = count - 1;
    return NN_OK;
}

nn_status nn_net_parse_table(const char *spec, nn_activation def_act, nn_layer *layers,
                             size_t *n, nn_error *err)
{
    *n = 0;
    list_form f = {spec, def_act, 1, NN_MAX_LAYERS};
    size_t count = 0;
    nn_status st = parse_list(&f, 0, layers, &count, err);
    if (st != NN_OK)
        return st;
    if (count < 2)
        return nn_fail(err, NN_E_ARG, "'%s': needs at least an input and an output layer",
                       spec);
    layers[count - 1].act = NN_ACT_NONE;
    *n = count;
    return NN_OK;
}

void nn_net_format_table(const nn_net *net, nn_activation def_act, char *out, size_t cap)
{
    size_t n = 0;
    if (cap == 0)
        return;
    out[0] = '\0';
    for (size_t l = 0; l < net->n_layers && n < cap; l++) {
        const nn_layer *L = &net->layers[l];
        const nn_layer_ops *ops = nn_layer_ops_of(L->kind);
        char tok[64];
        ops->format(L, tok, sizeof tok);
        nn_activation usual = ops->takes_default_act ? def_act : NN_ACT_NONE;
        int hidden = l > 0 && l < net->n_layers - 1;
        int w = snprintf(out + n, cap - n, "%s%s%s%s", l > 0 ? "," : "", tok,
                         hidden && L->act != usual ? ":" : "",
                         hidden && L->act != usual ? nn_activation_name(L->act) : "");
        if (w < 0)
            break;
        n += (size_t)w;
    }
}
