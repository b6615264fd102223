/* The layers of the Pythia, Llama and Qwen2 families, beyond the finite
   differences of ld_selftest (tests/test_grad.c runs those, in double):
   - the rotary tables against cos and sin in double, rounded once;
   - ld_rope_forward against Hugging Face's formula q·cos + rotate_half(q)·sin
     written out naively, within its rounding bound; in place = out of place;
     one row at position t0 = that row of the full forward, bit for bit;
   - ld_rope_backward is the transpose of ld_rope_jvp: ⟨R x, y⟩ = ⟨x, Rᵀ y⟩,
     and it adds into dinp;
   - RMSNorm, exact GELU and SwiGLU forwards, and exact GELU's derivative,
     against their formulas in double (GELU: relative error against long
     double, the tail included);
   - grouped-query attention = multi-head attention on the key-value heads
     repeated (Hugging Face's repeat_kv), bit for bit: forward, jvp, and the
     backward (the k, v gradient of a group = its heads' summed in order);
   - ld__attention_query at (b, t) = row t of the full forward, bit for bit;
   - the attention (and the new layers) at 1 and 2 OpenMP threads, bit for bit. */
#define LD_LLM_IMPLEMENTATION
#include "../ld_llm.h"
#include "t.h"
#include <float.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#ifdef LD_LLM_DOUBLE
#define EPS DBL_EPSILON
#else
#define EPS FLT_EPSILON
#endif

static ld_rng rng;

static ld_float *randn(size_t n, double scale) {
    ld_float *p = (ld_float *)malloc(sizeof(ld_float) * (n ? n : 1));
    for (size_t i = 0; i < n; i++) p[i] = (ld_float)(scale * ld_rng_normal(&rng));
    return p;
}
static ld_float *copy(const ld_float *x, size_t n) {
    ld_float *p = (ld_float *)malloc(sizeof(ld_float) * (n ? n : 1));
    memcpy(p, x, sizeof(ld_float) * n);
    return p;
}
static int same(const ld_float *a, const ld_float *b, size_t n) { return memcmp(a, b, sizeof(ld_float) * n) == 0; }

static void set_threads(int n) {
#ifdef _OPENMP
    omp_set_num_threads(n);
#else
    (void)n;
#endif
}

/* ---- rotary ---------------------------------------------------------- */

static void test_rope_table(void) {
    int T = 300, R = 10, H = R / 2;
    double inv[5];
    for (int i = 0; i < H; i++) inv[i] = ld_rng_uniform(&rng) * 2;
    ld_float *c = (ld_float *)malloc(sizeof(ld_float) * T * H), *s = (ld_float *)malloc(sizeof(ld_float) * T * H);
    ld_rope_table(c, s, inv, T, R);
    long bad = 0;
    for (int t = 0; t < T; t++)
        for (int i = 0; i < H; i++) {
            double a = t * inv[i];
            bad += c[t * H + i] != (ld_float)cos(a) || s[t * H + i] != (ld_float)sin(a);
        }
    CHECK_V(bad == 0, "rope table (%d positions, %d frequencies): each entry is cos, sin of t·inv_freq in double, rounded once "
            "(%ld differ)", T, H, bad);
    free(c); free(s);
}

/* HF: q_embed = q·cat(c, c) + rotate_half(q)·cat(s, s), rotate_half(q) = cat(−q2, q1),
   on the first R dims of the q and k heads; the rest as it is. In double. */
static void rope_naive(double *out, double *bound, const ld_float *x, const ld_float *cs, const ld_float *sn,
                       int B, int T, int t0, int NH, int NKV, int HS, int R) {
    int QKV = (NH + 2 * NKV) * HS, H = R / 2;
    for (int bt = 0; bt < B * T; bt++) {
        int pos = t0 + bt % T;
        for (int j = 0; j < QKV; j++) {
            int head = j / HS, d = j % HS;
            const ld_float *xh = x + (size_t)bt * QKV + head * HS;
            double o = xh[d], bd = 0;
            if (head < NH + NKV && d < R) {
                double cf = cs[pos * H + d % H], sf = sn[pos * H + d % H];
                double rot = d < H ? -(double)xh[d + H] : xh[d - H];
                o = xh[d] * cf + rot * sf;
                bd = fabs(xh[d] * cf) + fabs(rot * sf);
            }
            out[(size_t)bt * QKV + j] = o;
            bound[(size_t)bt * QKV + j] = bd;
        }
    }
}

static void test_rope_forward(int NH, int NKV, int HS, int R) {
    int B = 2, T = 9, QKV = (NH + 2 * NKV) * HS, H = R / 2, Tt = 40, t0 = 17;
    size_t n = (size_t)B * T * QKV;
    double inv[64];
    for (int i = 0; i < H; i++) inv[i] = pow(10000.0, -2.0 * i / R);
    ld_float *cs = randn((size_t)Tt * H, 1), *sn = randn((size_t)Tt * H, 1);
    ld_rope_table(cs, sn, inv, Tt, R);
    ld_float *x = randn(n, 1), *y = randn(n, 1);
    double *ref = (double *)malloc(sizeof(double) * n), *bd = (double *)malloc(sizeof(double) * n);
    /* at positions t0.. to use the table beyond row 0 */
    ld_rope_forward(y, x, cs, sn, B, T, t0, NH, NKV, HS, R);
    rope_naive(ref, bd, x, cs, sn, B, T, t0, NH, NKV, HS, R);
    double worst = 0;
    long bad = 0;
    for (size_t i = 0; i < n; i++) {
        if (bd[i] == 0) { bad += y[i] != x[i]; continue; }   /* copied dims: exactly */
        double e = fabs(y[i] - ref[i]) / (2 * EPS * bd[i]);
        if (e > worst) worst = e;
        bad += e > 1;
    }
    CHECK_V(bad == 0, "rope NH %d, NKV %d, HS %d, R %d: = q·cos + rotate_half(q)·sin at positions %d.., worst %.2f of the "
            "bound 2ε(|x c| + |x' s|); other dims and v copied exactly", NH, NKV, HS, R, t0, worst);
    /* in place */
    ld_float *z = copy(x, n);
    ld_rope_forward(z, z, cs, sn, B, T, t0, NH, NKV, HS, R);
    CHECK_V(same(z, y, n), "rope NH %d, NKV %d, HS %d, R %d: in place (out = inp) = out of place, bit for bit", NH, NKV, HS, R);
    /* one row at a time, at its own position (incremental decoding) */
    ld_float *full = (ld_float *)malloc(sizeof(ld_float) * n);
    ld_rope_forward(full, x, cs, sn, B, T, 0, NH, NKV, HS, R);
    int rows_ok = 1;
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++) {
            ld_float row[4096];
            size_t off = ((size_t)b * T + t) * QKV;
            ld_rope_forward(row, x + off, cs, sn, 1, 1, t, NH, NKV, HS, R);
            rows_ok &= same(row, full + off, (size_t)QKV);
        }
    CHECK_V(rows_ok, "rope NH %d, NKV %d, HS %d, R %d: one row with t0 = t = row t of the whole batch, bit for bit",
            NH, NKV, HS, R);
    free(cs); free(sn); free(x); free(y); free(z); free(full); free(ref); free(bd);
}

static void test_rope_transpose(int NH, int NKV, int HS, int R) {
    int B = 3, T = 11, QKV = (NH + 2 * NKV) * HS, H = R / 2;
    size_t n = (size_t)B * T * QKV;
    double inv[64];
    for (int i = 0; i < H; i++) inv[i] = ld_rng_uniform(&rng);
    ld_float *cs = (ld_float *)malloc(sizeof(ld_float) * T * H), *sn = (ld_float *)malloc(sizeof(ld_float) * T * H);
    ld_rope_table(cs, sn, inv, T, R);
    ld_float *x = randn(n, 1), *y = randn(n, 1), *Rx = randn(n, 1), *RTy = (ld_float *)calloc(n, sizeof(ld_float));
    ld_rope_jvp(Rx, x, cs, sn, B, T, NH, NKV, HS, R);
    ld_rope_backward(RTy, y, cs, sn, B, T, NH, NKV, HS, R);
    /* each entry of R x is within 2ε(|x_i| + |x_i'|) of exact (|c|, |s| ≤ 1), likewise Rᵀ y */
    double a = 0, b = 0, bound = 0;
    for (size_t i = 0; i < n; i++) { a += (double)Rx[i] * y[i]; b += (double)x[i] * RTy[i]; }
    for (int bt = 0; bt < B * T; bt++)
        for (int j = 0; j < QKV; j++) {
            size_t i = (size_t)bt * QKV + j;
            int d = j % HS, rot = j / HS < NH + NKV && d < R;
            size_t ip = rot ? (d < H ? i + H : i - H) : i;   /* the partner of a rotated pair */
            if (rot) bound += 2 * EPS * (fabs(x[i]) + fabs(x[ip])) * fabs(y[i]) + 2 * EPS * (fabs(y[i]) + fabs(y[ip])) * fabs(x[i]);
        }
    bound += 4 * n * DBL_EPSILON * (fabs(a) + fabs(b) + 1);
    CHECK_V(fabs(a - b) <= bound, "rope NH %d, NKV %d, HS %d, R %d: ⟨R x, y⟩ = %.9f, ⟨x, Rᵀ y⟩ = %.9f (|diff| %.1e, bound %.1e)",
            NH, NKV, HS, R, a, b, fabs(a - b), bound);
    /* the backward adds: from z it gives z + Rᵀ y */
    ld_float *z = randn(n, 1), *zz = copy(z, n);
    ld_rope_backward(z, y, cs, sn, B, T, NH, NKV, HS, R);
    int ok = 1;
    for (size_t i = 0; i < n; i++) ok &= z[i] == (ld_float)(zz[i] + RTy[i]);
    CHECK_V(ok, "rope backward adds into dinp: z + Rᵀ y, bit for bit");
    free(cs); free(sn); free(x); free(y); free(Rx); free(RTy); free(z); free(zz);
}

/* ---- norms and activations: the forward against its formula in double -- */

static void test_forwards(void) {
    int N = 7, C = 33;
    ld_float *x = randn((size_t)N * C, 3), *w = randn(C, 1), *y = randn((size_t)N * C, 1), *rstd = randn(N, 1);
    ld_rmsnorm_forward(y, rstd, x, w, N, C, 1e-6);
    double worst = 0;
    for (int n = 0; n < N; n++) {
        double ss = 0;
        for (int i = 0; i < C; i++) ss += (double)x[n * C + i] * x[n * C + i];
        double r = 1 / sqrt(ss / C + 1e-6);
        worst = fmax(worst, fabs(rstd[n] - r) / (r * EPS));
        for (int i = 0; i < C; i++) {
            double ref = x[n * C + i] * r * w[i];
            worst = fmax(worst, fabs(y[n * C + i] - ref) / (EPS * (1 + fabs(ref))));
        }
    }
    CHECK_V(worst < 4, "rmsnorm forward = x·w/√(mean x² + eps) in double: max error %.2f ε × (1 + |y|)", worst);
    free(x); free(w); free(y); free(rstd);

    /* the activations over [−12, 12] and beyond, where exp and erf saturate */
    int n = 2401;
    ld_float *a = (ld_float *)malloc(sizeof(ld_float) * (n + 4)), *o = (ld_float *)malloc(sizeof(ld_float) * (n + 4));
    for (int i = 0; i < n; i++) a[i] = (ld_float)(-12 + 24.0 * i / (n - 1));
    a[n] = -100; a[n + 1] = 100; a[n + 2] = -1e30f; a[n + 3] = 1e30f;
    /* exact GELU, relative error against long double. In the tail Φ(−|x|) =
       ½erfc(z), z = |x|/√2, and the relative error of erfc grows as its slope,
       2z·δz = x²·(δz/z): the double build rounds z (≤ ε), so x²ε; the float
       build's t·exp(E), E ≈ −x²/2, rounds E at ≤ 1.5|E|ε (a product and two
       sums), 0.75x²ε. Bound (x² + 8)ε: a few ε for the fit of erfc (1.2e-7,
       float build), the exp and the products. */
    ld_gelu_erf_forward(o, a, (size_t)n + 4);
    worst = 0;
    for (int i = 0; i < n; i++) {
        long double ref = 0.5L * a[i] * erfcl(-(long double)a[i] / sqrtl(2.0L));
        if (ref == 0) { worst = fmax(worst, o[i] != 0 ? 1e9 : 0); continue; }
        worst = fmax(worst, (double)(fabsl(o[i] - ref) / (fabsl(ref) * EPS * (a[i] * a[i] + 8))));
    }
    int lim = o[n + 1] == 100 && o[n + 3] == 1e30f && fabs(o[n]) < 1e-30 && fabs(o[n + 2]) < 1e-30;
    CHECK_V(worst <= 1 && lim, "exact GELU on [−12, 12] against x·½erfc(−x/√2) in long double: relative error at most %.2f of "
            "(x² + 8)ε; at ±100 and ±1e30: x and 0 (%s)", worst, lim ? "yes" : "no");
    /* its derivative Φ + xφ (backward from zero, dout = 1), the jvp with tangent 1 */
    ld_float *one = (ld_float *)malloc(sizeof(ld_float) * (n + 4)), *gd = (ld_float *)calloc(n + 4, sizeof(ld_float));
    for (int i = 0; i < n + 4; i++) one[i] = 1;
    ld_gelu_erf_backward(gd, a, one, (size_t)n + 4);
    ld_gelu_erf_jvp(o, a, one, (size_t)n + 4);
    worst = 0;
    int finite = 1;
    for (int i = 0; i < n + 4; i++) {
        double x = a[i], ref = 0.5 * erfc(-x / sqrt(2.0)) + x * exp(-0.5 * x * x) / sqrt(2 * 3.14159265358979323846);
        worst = fmax(worst, fabs(gd[i] - ref) / (EPS * 8 * (1 + fabs(ref))));
        finite &= isfinite(gd[i]) && o[i] == gd[i];
    }
    CHECK_V(worst <= 1 && finite, "exact GELU's derivative (backward, = jvp) against Φ(x) + xφ(x) in double: error at most "
            "%.2f of 8ε(1 + |g|), finite at ±100, ±1e30", worst);
    free(one); free(gd);
    /* SwiGLU: rows of [gate | up], gate over the same range, up random */
    int I = n + 4;
    ld_float *gu = (ld_float *)malloc(sizeof(ld_float) * 2 * I), *s = (ld_float *)malloc(sizeof(ld_float) * I);
    for (int i = 0; i < I; i++) { gu[i] = a[i]; gu[I + i] = (ld_float)ld_rng_normal(&rng); }
    gu[I + n + 2] = gu[I + n + 3] = 1e-10f;   /* keep g·u finite at g = ±1e30 */
    ld_swiglu_forward(s, gu, 1, I);
    worst = 0;
    finite = 1;
    for (int i = 0; i < I; i++) {
        double g = gu[i], ref = g / (1 + exp(-g)) * gu[I + i];
        worst = fmax(worst, fabs(s[i] - ref) / (EPS * (1 + fabs(ref))));
        finite &= isfinite(s[i]);
    }
    CHECK_V(worst < 8 && finite, "SwiGLU on gates [−12, 12] and ±100, ±1e30 against g·σ(g)·u in double: max error %.2f ε × (1 + |y|)",
            worst);
    free(a); free(o); free(gu); free(s);
}

/* ---- grouped-query attention ----------------------------------------- */

/* qkv (B,T,(NH+2NKV)HS) → (B,T,3·NH·HS): the key-value heads repeated, one per query head */
static ld_float *repeat_kv(const ld_float *qkv, int B, int T, int NH, int NKV, int HS) {
    int G = NH / NKV, Q1 = (NH + 2 * NKV) * HS, Q2 = 3 * NH * HS;
    ld_float *e = (ld_float *)malloc(sizeof(ld_float) * B * T * Q2);
    for (int bt = 0; bt < B * T; bt++)
        for (int h = 0; h < NH; h++) {
            const ld_float *r = qkv + (size_t)bt * Q1;
            ld_float *o = e + (size_t)bt * Q2;
            memcpy(o + h * HS, r + h * HS, sizeof(ld_float) * HS);
            memcpy(o + (NH + h) * HS, r + (NH + h / G) * HS, sizeof(ld_float) * HS);
            memcpy(o + (2 * NH + h) * HS, r + (NH + NKV + h / G) * HS, sizeof(ld_float) * HS);
        }
    return e;
}

/* T ≤ LD__QB: one block of queries, so each head adds its k, v gradient to
   dqkv in one step, and the group's sum is that of the heads in order. */
static void test_gqa_vs_mha(int NH, int NKV, int HS) {
    int B = 2, T = 60, G = NH / NKV, Q1 = (NH + 2 * NKV) * HS, Q2 = 3 * NH * HS, OC = NH * HS;
    size_t n1 = (size_t)B * T * Q1, n2 = (size_t)B * T * Q2, no = (size_t)B * T * OC, na = (size_t)B * NH * T * T;
    ld_float *qkv = randn(n1, 1), *tqkv = randn(n1, 1), *dout = randn(no, 1);
    ld_float *e = repeat_kv(qkv, B, T, NH, NKV, HS), *te = repeat_kv(tqkv, B, T, NH, NKV, HS);
    ld_float *o1 = randn(no, 1), *o2 = randn(no, 1), *a1 = randn(na, 1), *a2 = randn(na, 1), *s1 = randn(na, 1), *s2 = randn(na, 1);
    ld_attention_forward(o1, a1, qkv, B, T, NH, NKV, HS);
    ld_attention_forward(o2, a2, e, B, T, NH, NH, HS);
    CHECK_V(same(o1, o2, no) && same(a1, a2, na), "attention NH %d, NKV %d, HS %d: forward (out, att) = multi-head attention "
            "on the key-value heads repeated, bit for bit", NH, NKV, HS);
    ld_float *t1 = randn(no, 1), *t2 = randn(no, 1);
    ld_attention_jvp(t1, s1, qkv, tqkv, a1, B, T, NH, NKV, HS);
    ld_attention_jvp(t2, s2, e, te, a2, B, T, NH, NH, HS);
    CHECK_V(same(t1, t2, no), "attention NH %d, NKV %d, HS %d: jvp = multi-head attention's on the repeated heads, bit for bit",
            NH, NKV, HS);
    ld_float *d1 = (ld_float *)calloc(n1, sizeof(ld_float)), *d2 = (ld_float *)calloc(n2, sizeof(ld_float));
    ld_attention_backward(d1, s1, dout, qkv, a1, B, T, NH, NKV, HS);
    ld_attention_backward(d2, s2, dout, e, a2, B, T, NH, NH, HS);
    int ok = 1;
    for (int bt = 0; bt < B * T; bt++) {
        const ld_float *r1 = d1 + (size_t)bt * Q1, *r2 = d2 + (size_t)bt * Q2;
        ok &= same(r1, r2, (size_t)OC);                                        /* dq */
        for (int g = 0; g < NKV; g++)
            for (int j = 0; j < HS; j++) {
                ld_float dk = 0, dv = 0;
                for (int h = g * G; h < (g + 1) * G; h++) { dk += r2[(NH + h) * HS + j]; dv += r2[(2 * NH + h) * HS + j]; }
                ok &= r1[(NH + g) * HS + j] == dk && r1[(NH + NKV + g) * HS + j] == dv;
            }
    }
    CHECK_V(ok, "attention NH %d, NKV %d, HS %d: backward dq = multi-head's, dk, dv = its heads' summed in order, bit for bit",
            NH, NKV, HS);
    free(qkv); free(tqkv); free(dout); free(e); free(te); free(o1); free(o2); free(a1); free(a2); free(s1); free(s2);
    free(t1); free(t2); free(d1); free(d2);
}

static void test_query(int NH, int NKV, int HS) {
    int B = 2, T = 70, QKV = (NH + 2 * NKV) * HS, OC = NH * HS;   /* T > LD__QB: two blocks of queries */
    size_t no = (size_t)B * T * OC, na = (size_t)B * NH * T * T;
    ld_float *qkv = randn((size_t)B * T * QKV, 1.5), *o1 = randn(no, 1), *a1 = randn(na, 1), *o2 = randn(no, 1), *a2 = randn(na, 1);
    ld_attention_forward(o1, a1, qkv, B, T, NH, NKV, HS);
    int ok = 1;
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++) {
            /* the query writes its output row and its (NH, T) probabilities where it is told */
            ld__attention_query(o2 + ((size_t)b * T + t) * OC, a2, qkv, b, t, T, NH, NKV, HS);
            ok &= same(o1 + ((size_t)b * T + t) * OC, o2 + ((size_t)b * T + t) * OC, (size_t)OC);
            for (int h = 0; h < NH; h++) {
                size_t r = (((size_t)b * NH + h) * T + t) * T;
                ok &= same(a1 + r, a2 + (size_t)h * T, (size_t)T);
            }
        }
    CHECK_V(ok, "attention NH %d, NKV %d, HS %d: ld__attention_query at every (b, t) = that row of the forward (out, att), "
            "bit for bit", NH, NKV, HS);
    free(qkv); free(o1); free(a1); free(o2); free(a2);
}

/* The attention at 1 and 2 threads: sizes over the threshold at which its
   loops split (B·NH·T²·HS ≥ LD__PAR_MIN); B = 1 and 3, so that the two
   threads' shares of the (b, head) pairs meet inside a batch row. */
static void test_threads(int B, int NH, int NKV, int HS) {
    int T = 70, QKV = (NH + 2 * NKV) * HS, OC = NH * HS;
    size_t n = (size_t)B * T * QKV, no = (size_t)B * T * OC, na = (size_t)B * NH * T * T;
    ld_float *qkv = randn(n, 1.5), *tqkv = randn(n, 1), *dout = randn(no, 1), *d0 = randn(n, 1);
    /* once at 1 thread, then 4 times at 2: a race shows only in some runs */
    ld_float *o[5], *a[5], *t[5], *s[5], *d[5];
    for (int k = 0; k < 5; k++) {
        set_threads(k ? 2 : 1);
        o[k] = randn(no, 1); a[k] = randn(na, 1); t[k] = randn(no, 1); s[k] = randn(na, 1); d[k] = copy(d0, n);
        ld_attention_forward(o[k], a[k], qkv, B, T, NH, NKV, HS);
        ld_attention_jvp(t[k], s[k], qkv, tqkv, a[k], B, T, NH, NKV, HS);
        ld_attention_backward(d[k], s[k], dout, qkv, a[k], B, T, NH, NKV, HS);
    }
    set_threads(2);
#ifdef _OPENMP
    const char *how = "at 1 and (4 times) 2 OpenMP threads";
#else
    const char *how = "(no OpenMP: one thread, twice)";
#endif
    int okb = 1, okf = 1;
    for (int k = 1; k < 5; k++) {
        okb &= same(d[0], d[k], n);
        okf &= same(o[0], o[k], no) && same(a[0], a[k], na) && same(t[0], t[k], no);
    }
    CHECK_V(okb, "attention B %d, NH %d, NKV %d, HS %d: backward %s, bit for bit", B, NH, NKV, HS, how);
    CHECK_V(okf, "attention B %d, NH %d, NKV %d, HS %d: forward and jvp %s, bit for bit", B, NH, NKV, HS, how);
    for (int k = 0; k < 5; k++) { free(o[k]); free(a[k]); free(t[k]); free(s[k]); free(d[k]); }
    free(qkv); free(tqkv); free(dout); free(d0);
}

/* The new layers at 1 and 2 threads, sizes over their loops' thresholds. */
static void test_threads_layers(void) {
    int N = 140, C = 512, I = 256, NH = 4, NKV = 2, HS = 64, R = 16, QKV = (NH + 2 * NKV) * HS;
    size_t nq = (size_t)N * QKV;
    ld_float *x = randn((size_t)N * C, 1), *w = randn(C, 1), *tx = randn((size_t)N * C, 1), *tw = randn(C, 1), *dy = randn((size_t)N * C, 1);
    ld_float *gu = randn((size_t)N * 2 * I, 2), *tgu = randn((size_t)N * 2 * I, 1), *dh = randn((size_t)N * I, 1);
    ld_float *q = randn(nq, 1), *dq = randn(nq, 1), *cs = (ld_float *)malloc(sizeof(ld_float) * N * R / 2), *sn = (ld_float *)malloc(sizeof(ld_float) * N * R / 2);
    double inv[8];
    for (int i = 0; i < R / 2; i++) inv[i] = pow(10000.0, -2.0 * i / R);
    ld_rope_table(cs, sn, inv, N, R);
    /* the backwards add: into the same starting values in both runs */
    ld_float *gx0 = randn((size_t)N * C, 1), *gw0 = randn(C, 1), *ggu0 = randn((size_t)N * 2 * I, 1), *gq0 = randn(nq, 1);
    ld_float *out[2][10];
    for (int k = 0; k < 2; k++) {
        set_threads(k + 1);
        ld_float **p = out[k];
        p[0] = randn((size_t)N * C, 1); p[1] = randn(N, 1); p[2] = copy(gx0, (size_t)N * C); p[3] = copy(gw0, C); p[4] = randn((size_t)N * C, 1);
        ld_rmsnorm_forward(p[0], p[1], x, w, N, C, 1e-5);
        ld_rmsnorm_backward(p[2], p[3], dy, x, w, p[1], N, C);
        ld_rmsnorm_jvp(p[4], x, tx, w, tw, p[1], N, C);
        p[5] = randn((size_t)N * I, 1); p[6] = copy(ggu0, (size_t)N * 2 * I); p[7] = randn((size_t)N * I, 1);
        ld_swiglu_forward(p[5], gu, N, I);
        ld_swiglu_backward(p[6], gu, dh, N, I);
        ld_swiglu_jvp(p[7], gu, tgu, N, I);
        ld_gelu_erf_backward(p[6], gu, gu, (size_t)N * 2 * I);
        p[8] = randn(nq, 1); p[9] = copy(gq0, nq);
        ld_rope_forward(p[8], q, cs, sn, 1, N, 0, NH, NKV, HS, R);
        ld_rope_backward(p[9], dq, cs, sn, 1, N, NH, NKV, HS, R);
    }
    set_threads(2);
    size_t sz[10] = { (size_t)N * C, (size_t)N, (size_t)N * C, (size_t)C, (size_t)N * C, (size_t)N * I, (size_t)N * 2 * I,
                      (size_t)N * I, nq, nq };
    int ok = 1;
    for (int j = 0; j < 10; j++) ok &= same(out[0][j], out[1][j], sz[j]);
    CHECK_V(ok, "rmsnorm, SwiGLU, exact GELU, rope (forward, backward, jvp) at 1 and 2 threads, bit for bit");
    for (int k = 0; k < 2; k++) for (int j = 0; j < 10; j++) free(out[k][j]);
    free(x); free(w); free(tx); free(tw); free(dy); free(gu); free(tgu); free(dh); free(q); free(dq); free(cs); free(sn);
    free(gx0); free(gw0); free(ggu0); free(gq0);
}

int main(void) {
    ld_rng_seed(&rng, 2025);
    test_rope_table();
    test_rope_forward(4, 2, 8, 8);     /* Llama, Qwen2: every dim rotated */
    test_rope_forward(4, 4, 16, 4);    /* Pythia: a quarter of each head */
    test_rope_forward(6, 1, 6, 2);
    test_rope_transpose(4, 2, 8, 8);
    test_rope_transpose(3, 3, 12, 6);
    test_forwards();
    int nkv[3] = { 4, 2, 1 };
    for (int i = 0; i < 3; i++) {
        test_gqa_vs_mha(4, nkv[i], 8);
        test_query(4, nkv[i], 8);
    }
    test_query(4, 2, 5);               /* a head size off the vector width */
    for (int B = 1; B <= 3; B += 2) {
        test_threads(B, 4, 2, 8);
        test_threads(B, 4, 1, 8);
    }
    test_threads_layers();
    return t_done();
}
