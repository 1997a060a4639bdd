/* recurrent_cell.c - the time loops of the recurrent layers: forward over a
 * minibatch, backpropagation through time, and a plain reference. Shapes
 * and the parameter layout are in recurrent.h. */
#include "recurrent.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "nnclass/base/matmul.h"
#include "nnclass/base/vexp.h"
#include "../../base/vector_clones.h"

size_t nn_rec_gates(nn_cell cell)
{
    return cell == NN_CELL_LSTM ? 4 : cell == NN_CELL_GRU ? 3 : 1;
}

/* Weights of one direction: W (g*h, f) and R (g*h, h). */
static size_t dir_weights(nn_cell cell, size_t f, size_t h)
{
    return nn_rec_gates(cell) * h * (f + h);
}

/* Biases of one direction: b (g*h), and gru's b_Rn (h). */
static size_t dir_biases(nn_cell cell, size_t h)
{
    return nn_rec_gates(cell) * h + (cell == NN_CELL_GRU ? h : 0);
}

size_t nn_rec_weights(nn_cell cell, size_t f, size_t h, size_t dirs)
{
    return dirs * dir_weights(cell, f, h);
}

size_t nn_rec_biases(nn_cell cell, size_t h, size_t dirs)
{
    return dirs * dir_biases(cell, h);
}

size_t nn_rec_z_size(const nn_rec_dims *d)
{
    return d->dirs * d->batch * d->t * nn_rec_gates(d->cell) * d->h;
}

size_t nn_rec_c_size(const nn_rec_dims *d)
{
    size_t states = d->dirs * d->batch * d->t * d->h;
    return d->cell == NN_CELL_LSTM ? 2 * states : d->cell == NN_CELL_GRU ? states : 0;
}

/* Backward: dh and dc of the step after (2 * batch*h), the shifted hidden
 * states (batch*t*h), dW^T (f*g*h), and gru's gradient of the recurrent
 * products (batch*t*g*h). Forward, inside the same room: R^T (h*g*h), W^T
 * (f*g*h), then (gru) the recurrent products of a step (batch*g*h). */
size_t nn_rec_temp_size(const nn_rec_dims *d)
{
    size_t gh = nn_rec_gates(d->cell) * d->h;
    size_t n = 2 * d->batch * d->h + d->batch * d->t * d->h + d->f * gh;
    if (d->cell == NN_CELL_GRU)
        n += d->batch * d->t * gh;
    size_t fwd = (d->h + d->f) * gh + d->batch * gh;
    return n > fwd ? n : fwd;
}

/* One direction's view of the buffers. */
typedef struct {
    const nn_rec_dims *d;
    size_t dir, gh, ldy;   /* direction, gates * h, floats between steps of Y */
    const float *w, *r, *b, *b_rn; /* W_d, R_d, b_d, gru's b_Rn,d */
    float *z, *c, *tc;     /* this direction's Z, C and (lstm) tanh C */
} direction;

static direction direction_of(const nn_rec_dims *d, size_t dir, const float *w,
                              const float *b, float *z, float *c)
{
    direction v = {.d = d, .dir = dir, .gh = nn_rec_gates(d->cell) * d->h,
                   .ldy = d->dirs * d->h};
    v.w = w + dir * dir_weights(d->cell, d->f, d->h);
    v.r = v.w + v.gh * d->f;
    if (b != NULL) {
        v.b = b + dir * dir_biases(d->cell, d->h);
        v.b_rn = v.b + v.gh;
    }
    v.z = z != NULL ? z + dir * d->batch * d->t * v.gh : NULL;
    v.c = c != NULL ? c + dir * d->batch * d->t * d->h : NULL;
    v.tc = c != NULL && d->cell == NN_CELL_LSTM ? v.c + d->dirs * d->batch * d->t * d->h : NULL;
    return v;
}

/* The step read s-th in this direction, and the one read before it. */
static size_t step_at(const direction *v, size_t s)
{
    return v->dir ? v->d->t - 1 - s : s;
}

static size_t step_before(const direction *v, size_t s)
{
    return v->dir ? v->d->t - s : s - 1;
}

/* Sample i's hidden state at step t in this direction (Y's columns). */
static float *hidden(const direction *v, float *y, size_t i, size_t t)
{
    return y + (i * v->d->t + t) * v->ldy + v->dir * v->d->h;
}

/* --- forward --------------------------------------------------------------------- */

/* sigmoid and tanh over n floats in place, through the vectorised e^x:
 * 1 / (1 + e^-x) and 2 / (1 + e^-2x) - 1 (within a few units of 1e-7 of
 * the correctly rounded values, and exactly 0, +-1 at the extremes). */
NN_VECTOR_CLONES
static void sigmoid_v(float *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        v[i] = -v[i];
    nn_vexp(v, n);
    for (size_t i = 0; i < n; i++)
        v[i] = 1.0f / (1.0f + v[i]);
}

NN_VECTOR_CLONES
static void tanh_v(float *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        v[i] = -2.0f * v[i];
    nn_vexp(v, n);
    for (size_t i = 0; i < n; i++)
        v[i] = 2.0f / (1.0f + v[i]) - 1.0f;
}

/* The cell's update of one sample at one step, from its gates zt (in
 * place: pre-activations in, activations out), the recurrent products rh
 * (gru), the previous hidden and cell states hp and cp (NULL at the first
 * step). ct receives the cell state (lstm; gru: q = R_n.h_prev + b_Rn),
 * tct tanh of it (lstm), ht the hidden state. */
typedef struct {
    float *zt;
    const float *rh, *hp, *cp;
    float *ct, *tct, *ht;
} cell_step;

NN_VECTOR_CLONES
static void lstm_forward(const cell_step *c, size_t h)
{
    float *zt = c->zt;
    sigmoid_v(zt, 3 * h); /* i, o, f */
    tanh_v(zt + 3 * h, h); /* c~ */
    for (size_t j = 0; j < h; j++)
        c->ct[j] = c->tct[j] = zt[j] * zt[3 * h + j] + (c->cp != NULL ? zt[2 * h + j] * c->cp[j]
                                                                     : 0.0f);
    tanh_v(c->tct, h);
    for (size_t j = 0; j < h; j++)
        c->ht[j] = zt[h + j] * c->tct[j];
}

NN_VECTOR_CLONES
static void gru_forward(const cell_step *c, const float *b_rn, size_t h)
{
    float *zt = c->zt;
    if (c->rh != NULL)
        for (size_t j = 0; j < 2 * h; j++)
            zt[j] += c->rh[j];
    sigmoid_v(zt, 2 * h); /* z, r */
    for (size_t j = 0; j < h; j++) {
        float q = (c->rh != NULL ? c->rh[2 * h + j] : 0.0f) + b_rn[j];
        c->ct[j] = q;
        zt[2 * h + j] += zt[h + j] * q;
    }
    tanh_v(zt + 2 * h, h); /* n */
    for (size_t j = 0; j < h; j++)
        c->ht[j] = (1.0f - zt[j]) * zt[2 * h + j] + (c->hp != NULL ? zt[j] * c->hp[j] : 0.0f);
}

static void cell_forward(const direction *v, const cell_step *c)
{
    size_t h = v->d->h;
    switch (v->d->cell) {
    case NN_CELL_LSTM:
        lstm_forward(c, h);
        break;
    case NN_CELL_GRU:
        gru_forward(c, v->b_rn, h);
        break;
    case NN_CELL_RNN:
        tanh_v(c->zt, h);
        memcpy(c->ht, c->zt, h * sizeof *c->ht);
        break;
    }
}

/* Step s of one direction over the minibatch: the recurrent product, then
 * every sample's cell update. rt: R^T (h, g*h); rh: gru's room for the
 * products (batch, g*h). */
static void step_forward(const direction *v, float *y, size_t s, const float *rt, float *rh)
{
    const nn_rec_dims *d = v->d;
    size_t t = step_at(v, s), tp = s > 0 ? step_before(v, s) : 0;
    int gru = d->cell == NN_CELL_GRU;
    if (s > 0) {
        /* Z_t (batch, g*h) += H_prev (batch, h) . R^T; gru keeps it apart,
         * since its reset gate scales the third block. nn_matmul, not a
         * BLAS: it reads R^T as laid out once per pass, where a BLAS would
         * pack R again at every step. */
        nn_matmul(d->batch, v->gh, d->h, hidden(v, y, 0, tp), d->t * v->ldy, 1, rt, v->gh,
                  gru ? rh : v->z + t * v->gh, gru ? v->gh : d->t * v->gh, !gru);
    }
    for (size_t i = 0; i < d->batch; i++) {
        size_t at = i * d->t + t, before = i * d->t + tp;
        cell_step c = {
            .zt = v->z + at * v->gh,
            .rh = gru && s > 0 ? rh + i * v->gh : NULL,
            .hp = s > 0 ? hidden(v, y, i, tp) : NULL,
            .cp = s > 0 && v->c != NULL ? v->c + before * d->h : NULL,
            .ct = v->c != NULL ? v->c + at * d->h : NULL,
            .tct = v->tc != NULL ? v->tc + at * d->h : NULL,
            .ht = hidden(v, y, i, t),
        };
        cell_forward(v, &c);
    }
}

/* out (n, m) = in (m, n) transposed, in blocks that stay in the cache. */
static void transpose(const float *in, size_t m, size_t n, float *out)
{
    enum { B = 16 };
    for (size_t i0 = 0; i0 < m; i0 += B)
        for (size_t j0 = 0; j0 < n; j0 += B) {
            size_t i1 = i0 + B < m ? i0 + B : m, j1 = j0 + B < n ? j0 + B : n;
            for (size_t j = j0; j < j1; j++)
                for (size_t i = i0; i < i1; i++)
                    out[j * m + i] = in[i * n + j];
        }
}

void nn_rec_forward(const nn_rec_dims *d, const float *w, const float *b, const float *x,
                    float *y, float *z, float *c, float *temp)
{
    size_t rows = d->batch * d->t;
    for (size_t dir = 0; dir < d->dirs; dir++) {
        direction v = direction_of(d, dir, w, b, z, c);
        /* The input projections of every step at once: Z (batch*t, g*h) =
         * b + X (batch*t, f) . W^T. */
        float *rt = temp, *wt = rt + d->h * v.gh, *rh = wt + d->f * v.gh;
        transpose(v.r, v.gh, d->h, rt);
        transpose(v.w, v.gh, d->f, wt);
        for (size_t r = 0; r < rows; r++)
            memcpy(v.z + r * v.gh, v.b, v.gh * sizeof *v.z);
        nn_matmul(rows, v.gh, d->f, x, d->f, 1, wt, v.gh, v.z, v.gh, 1);
        for (size_t s = 0; s < d->t; s++)
            step_forward(&v, y, s, rt, rh);
    }
}

/* --- backward -------------------------------------------------------------------- */

/* Backward room: dh and dc flowing to the step before, the shifted hidden
 * states, dW^T, gru's gradient of the recurrent products. */
typedef struct {
    float *dh_next, *dc_next, *h_prev, *dwt, *drh;
} back_room;

static back_room back_room_of(const nn_rec_dims *d, float *temp)
{
    back_room r = {.dh_next = temp};
    r.dc_next = r.dh_next + d->batch * d->h;
    r.h_prev = r.dc_next + d->batch * d->h;
    r.dwt = r.h_prev + d->batch * d->t * d->h;
    r.drh = d->cell == NN_CELL_GRU ? r.dwt + d->f * nn_rec_gates(d->cell) * d->h : NULL;
    return r;
}

/* cell_backward's lstm case as a loop of its own, which the compiler
 * vectorises (the buffers never overlap). */
NN_VECTOR_CLONES
static void lstm_backward(float *restrict zt, const float *restrict dh,
                          const float *restrict cp, const float *restrict tct,
                          float *restrict dc, size_t h)
{
    for (size_t j = 0; j < h; j++) {
        float i = zt[j], o = zt[h + j], f = zt[2 * h + j], g = zt[3 * h + j];
        float tc = tct[j];
        float dcv = dh[j] * o * (1.0f - tc * tc) + dc[j];
        zt[j] = dcv * g * i * (1.0f - i);
        zt[h + j] = dh[j] * tc * o * (1.0f - o);
        zt[2 * h + j] = (cp != NULL ? dcv * cp[j] : 0.0f) * f * (1.0f - f);
        zt[3 * h + j] = dcv * i * (1.0f - g * g);
        dc[j] = dcv * f;
    }
}

/* Sample i at step t: from dh = dLoss/dh_t, the gates' activations in zt
 * become dLoss/d(pre-activations) (in place); dc (lstm) carries dLoss/dc_t
 * in and dLoss/dc_{t-1} out; dhp receives the direct part of dLoss/dh_{t-1}
 * (gru) and drh the gradient of the recurrent products (gru). */
static void cell_backward(const direction *v, float *zt, const float *dh, const float *ht,
                          const float *hp, const float *cp, const float *ct, const float *tct,
                          float *dc, float *dhp, float *drh)
{
    size_t h = v->d->h;
    if (v->d->cell == NN_CELL_LSTM) {
        lstm_backward(zt, dh, cp, tct, dc, h);
        return;
    }
    for (size_t j = 0; j < h; j++) {
        switch (v->d->cell) {
        case NN_CELL_LSTM: /* above */
            break;
        case NN_CELL_GRU: {
            float zz = zt[j], r = zt[h + j], n = zt[2 * h + j], q = ct[j];
            float hpj = hp != NULL ? hp[j] : 0.0f;
            float dan = dh[j] * (1.0f - zz) * (1.0f - n * n);
            zt[j] = dh[j] * (hpj - n) * zz * (1.0f - zz);
            zt[h + j] = dan * q * r * (1.0f - r);
            zt[2 * h + j] = dan;
            drh[j] = zt[j], drh[h + j] = zt[h + j], drh[2 * h + j] = dan * r;
            dhp[j] = dh[j] * zz;
            break;
        }
        case NN_CELL_RNN:
            zt[j] = dh[j] * (1.0f - ht[j] * ht[j]);
            break;
        }
    }
}

/* Step s (read in reverse) of one direction over the minibatch. dy is
 * dLoss/dY; dh_next (in: from the step after, out: for the step before). */
static void step_backward(const direction *v, const float *y, float *dy, size_t s,
                          back_room *room)
{
    const nn_rec_dims *d = v->d;
    size_t h = d->h, t = step_at(v, s), tp = s > 0 ? step_before(v, s) : 0;
    int gru = d->cell == NN_CELL_GRU;
    for (size_t i = 0; i < d->batch; i++) {
        size_t at = i * d->t + t;
        float *dh = hidden(v, dy, i, t);
        for (size_t j = 0; j < h; j++)
            dh[j] += room->dh_next[i * h + j];
        cell_backward(v, v->z + at * v->gh, dh, hidden(v, (float *)y, i, t),
                      s > 0 ? hidden(v, (float *)y, i, tp) : NULL,
                      s > 0 && v->c != NULL && !gru ? v->c + (i * d->t + tp) * h : NULL,
                      v->c != NULL ? v->c + at * h : NULL,
                      v->tc != NULL ? v->tc + at * h : NULL, room->dc_next + i * h,
                      room->dh_next + i * h, gru ? room->drh + at * v->gh : NULL);
    }
    if (s == 0)
        return;
    /* dH_prev (batch, h) (+)= dRH_t (batch, g*h) . R (R as it lies) */
    const float *drh = gru ? room->drh + t * v->gh : v->z + t * v->gh;
    nn_matmul(d->batch, h, v->gh, drh, d->t * v->gh, 1, v->r, h, room->dh_next, h, gru);
}

/* Column sums of m (rows, n), rows ld floats apart, into out (n). */
static void column_sums(const float *m, size_t ld, size_t rows, size_t n, float *out)
{
    memset(out, 0, n * sizeof *out);
    for (size_t r = 0; r < rows; r++)
        for (size_t j = 0; j < n; j++)
            out[j] += m[r * ld + j];
}

/* The parameter gradients of one direction, and its part of dX, from the
 * gates' gradients in Z (batch*t, g*h). */
static void direction_gradients(const direction *v, const float *x, const float *y,
                                back_room *room, float *dw_d, float *db_d, float *dx)
{
    const nn_rec_dims *d = v->d;
    size_t rows = d->batch * d->t, h = d->h;
    /* dW (g*h, f) = (X^T . dZ)^T: so computed, its long side is the row
     * that nn_matmul's tiles run along. */
    nn_matmul(d->f, v->gh, rows, x, 1, d->f, v->z, v->gh, room->dwt, v->gh, 0);
    transpose(room->dwt, d->f, v->gh, dw_d);
    /* dR (g*h, h) = dRH^T . H_prev, with H_prev zero at each first step. */
    for (size_t i = 0; i < d->batch; i++)
        for (size_t s = 0; s < d->t; s++) {
            float *dst = room->h_prev + (i * d->t + step_at(v, s)) * h;
            if (s == 0)
                memset(dst, 0, h * sizeof *dst);
            else
                memcpy(dst, hidden(v, (float *)y, i, step_before(v, s)), h * sizeof *dst);
        }
    const float *drh = d->cell == NN_CELL_GRU ? room->drh : v->z;
    nn_matmul(v->gh, h, rows, drh, 1, v->gh, room->h_prev, h, dw_d + v->gh * d->f, h, 0);
    column_sums(v->z, v->gh, rows, v->gh, db_d);
    if (d->cell == NN_CELL_GRU)
        column_sums(room->drh + 2 * h, v->gh, rows, h, db_d + v->gh);
    /* dX (batch*t, f) (+)= dZ . W */
    if (dx != NULL)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)d->f,
                    (int)v->gh, 1.0f, v->z, (int)v->gh, v->w, (int)d->f,
                    v->dir ? 1.0f : 0.0f, dx, (int)d->f);
}

void nn_rec_backward(const nn_rec_dims *d, const float *w, const float *x, const float *y,
                     float *z, const float *c, float *dy, float *dw, float *dx, float *temp)
{
    float *db = dw + nn_rec_weights(d->cell, d->f, d->h, d->dirs);
    back_room room = back_room_of(d, temp);
    for (size_t dir = 0; dir < d->dirs; dir++) {
        direction v = direction_of(d, dir, w, NULL, z, (float *)c);
        memset(room.dh_next, 0, d->batch * d->h * sizeof *room.dh_next);
        memset(room.dc_next, 0, d->batch * d->h * sizeof *room.dc_next);
        for (size_t s = d->t; s-- > 0;)
            step_backward(&v, y, dy, s, &room);
        direction_gradients(&v, x, y, &room, dw + dir * dir_weights(d->cell, d->f, d->h),
                            db + dir * dir_biases(d->cell, d->h), dx);
    }
}

/* --- the plain reference ------------------------------------------------------------ */

static double dsigmoid(double x)
{
    return 1.0 / (1.0 + exp(-x));
}

/* Row j of m (rows of n) . v (n). */
static double dot(const double *m, size_t j, size_t n, const double *v)
{
    double s = 0.0;
    for (size_t k = 0; k < n; k++)
        s += m[j * n + k] * v[k];
    return s;
}

/* Direction dir's parameters in the layout of recurrent.h. */
typedef struct {
    const double *w, *r, *b, *b_rn;
} naive_params;

static naive_params naive_params_of(const nn_rec_dims *d, size_t dir, const double *w,
                                    const double *b)
{
    size_t gh = nn_rec_gates(d->cell) * d->h;
    naive_params p;
    p.w = w + dir * dir_weights(d->cell, d->f, d->h);
    p.r = p.w + gh * d->f;
    p.b = b + dir * dir_biases(d->cell, d->h);
    p.b_rn = p.b + gh;
    return p;
}

/* Unit j's new hidden state from x_t (xs), h_(t-1) (hs); cs[j] the cell. */
static double naive_unit(const nn_rec_dims *d, const naive_params *p, size_t j,
                         const double *xs, const double *hs, double *cs)
{
    size_t h = d->h;
    double a[4];
    for (size_t g = 0; g < nn_rec_gates(d->cell); g++)
        a[g] = dot(p->w, g * h + j, d->f, xs) + p->b[g * h + j];
    if (d->cell == NN_CELL_LSTM) {
        double i = dsigmoid(a[0] + dot(p->r, j, h, hs));
        double o = dsigmoid(a[1] + dot(p->r, h + j, h, hs));
        double f = dsigmoid(a[2] + dot(p->r, 2 * h + j, h, hs));
        double g = tanh(a[3] + dot(p->r, 3 * h + j, h, hs));
        cs[j] = f * cs[j] + i * g;
        return o * tanh(cs[j]);
    }
    if (d->cell == NN_CELL_GRU) {
        double zz = dsigmoid(a[0] + dot(p->r, j, h, hs));
        double r = dsigmoid(a[1] + dot(p->r, h + j, h, hs));
        double n = tanh(a[2] + r * (dot(p->r, 2 * h + j, h, hs) + p->b_rn[j]));
        return (1.0 - zz) * n + zz * hs[j];
    }
    return tanh(a[0] + dot(p->r, j, h, hs));
}

/* One sample x (t, f), one direction, every step: its columns of y (t,
 * dirs*h). room: 3*h doubles. */
static void naive_direction(const nn_rec_dims *d, size_t dir, const naive_params *p,
                            const double *x, double *y, double *room)
{
    size_t h = d->h, ldy = d->dirs * h;
    double *hs = room, *cs = room + h, *nh = room + 2 * h;
    memset(hs, 0, 2 * h * sizeof *hs);
    for (size_t s = 0; s < d->t; s++) {
        size_t t = dir ? d->t - 1 - s : s;
        for (size_t j = 0; j < h; j++)
            nh[j] = naive_unit(d, p, j, x + t * d->f, hs, cs);
        memcpy(hs, nh, h * sizeof *hs);
        memcpy(y + t * ldy + dir * h, nh, h * sizeof *nh);
    }
}

int nn_rec_forward_naive(const nn_rec_dims *d, const double *w, const double *b,
                         const double *x, double *y)
{
    double *room = malloc(3 * d->h * sizeof *room);
    if (room == NULL)
        return -1;
    for (size_t dir = 0; dir < d->dirs; dir++) {
        naive_params p = naive_params_of(d, dir, w, b);
        for (size_t i = 0; i < d->batch; i++)
            naive_direction(d, dir, &p, x + i * d->t * d->f, y + i * d->t * d->dirs * d->h,
                            room);
    }
    free(room);
    return 0;
}
