/* The preference losses against an independent PyTorch reference
   (tools/gen_pref_reference.py, written from TRL's code, run once; its
   output is tests/data/pref_reference.txt). For every case — each loss
   alone, other β and label smoothing, the four f-divergences, lists of
   losses with weights, LD-DPO, WPO, RPO, KTO — the reference gives random
   per-token log-probs of the policy and the reference, the loss, and by
   autograd the derivative of the loss in every per-token log-prob of the
   policy. Here the per-sequence statistics are formed from the same tokens
   (LD-DPO: tokens past the shorter response of the pair weighted by α;
   WPO: w = exp(mean(log π[y] − log Σπ²))), ld_pref_eval / ld_kto_eval give
   the loss and c = −∂L/∂s (c_plain for the plain sums), and the derivative
   in token t of row b must be −(c_b·w_t + c_plain_b), w_t the LD weight.
   Tolerance: |C − torch| ≤ 1e-12 + 1e-9 |torch|, double precision both. */
#define LD_LLM_DOUBLE
#define LD_LLM_IMPLEMENTATION
#include "../ld_llm.h"
#include "t.h"
#include <stdlib.h>
#include <string.h>

#define MAXR 64
#define MAXT 32

typedef struct {
    char name[64];
    ld_pref_opts o;
    int kto, n;                     /* pairs (2n rows), or KTO rows           */
    int len[MAXR], klen[MAXR], label[MAXR];
    double tok[MAXR][MAXT], ref[MAXR][MAXT], sq[MAXR][MAXT];
    double ktok[MAXR][MAXT], kref[MAXR][MAXT];
    double loss, z, grad[MAXR][MAXT];
} ref_case;

static double worst_abs, worst_rel;

static int close_to(double c, double t) {
    double d = fabs(c - t);
    worst_abs = fmax(worst_abs, d);
    if (fabs(t) > 1e-300) worst_rel = fmax(worst_rel, d / fabs(t));
    return d <= 1e-12 + 1e-9 * fabs(t);
}

/* Reads n numbers from *p; returns how many it read. */
static int read_nums(char **p, double *out, int n) {
    int k = 0;
    while (k < n) {
        char *end;
        double v = strtod(*p, &end);
        if (end == *p) break;
        out[k++] = v;
        *p = end;
    }
    return k;
}

static char *skip_bar(char *p) {
    char *b = strchr(p, '|');
    return b ? b + 1 : p + strlen(p);
}

static const char *opt_val(const char *line, const char *key) {
    static char buf[256];
    char pat[32];
    snprintf(pat, sizeof pat, " %s=", key);
    const char *q = strstr(line, pat);
    if (!q) return "";
    q += strlen(pat);
    size_t k = 0;
    while (q[k] && q[k] != ' ' && q[k] != '\n' && k < sizeof buf - 1) { buf[k] = q[k]; k++; }
    buf[k] = 0;
    return buf;
}

static void parse_opts(const char *line, ref_case *c) {
    memset(&c->o, 0, sizeof c->o);
    sscanf(line, "case %63s", c->name);
    char terms[256], weights[256];
    snprintf(terms, sizeof terms, "%s", opt_val(line, "terms"));
    snprintf(weights, sizeof weights, "%s", opt_val(line, "weights"));
    int nt = 0;
    for (char *t = strtok(terms, ","); t && nt < LD_PREF_MAX_TERMS; t = strtok(NULL, ",")) c->o.terms[nt++] = (ld_pref_kind)ld_pref_kind_from_name(t);
    c->o.n_terms = nt;
    int nw = 0;
    for (char *t = strtok(weights, ","); t && nw < LD_PREF_MAX_TERMS; t = strtok(NULL, ",")) c->o.weights[nw++] = strtod(t, NULL);
    c->o.beta = strtod(opt_val(line, "beta"), NULL);
    c->o.eps = strtod(opt_val(line, "eps"), NULL);
    c->o.fdiv = (ld_fdiv)atoi(opt_val(line, "fdiv"));
    c->o.fdiv_alpha = strtod(opt_val(line, "fdiv_alpha"), NULL);
    double la = strtod(opt_val(line, "ld_alpha"), NULL);
    if (la >= 0) { c->o.ld_dpo = 1; c->o.ld_alpha = la; }
    c->o.wpo = atoi(opt_val(line, "wpo"));
    c->o.discopop_tau = strtod(opt_val(line, "tau"), NULL);
    c->o.lambda = strtod(opt_val(line, "lambda"), NULL);
    c->o.gamma = strtod(opt_val(line, "gamma"), NULL);
    c->o.nll_alpha = strtod(opt_val(line, "nll"), NULL);
    c->o.desirable_weight = strtod(opt_val(line, "dw"), NULL);
    c->o.undesirable_weight = strtod(opt_val(line, "uw"), NULL);
}

/* One paired case: the statistics from the tokens, then the comparison. */
static void check_pref(ref_case *c) {
    int N = c->n, R = 2 * N;
    double s[MAXR], sp[MAXR], q[MAXR], w[MAXR], cs[MAXR], cp[MAXR], L = 0;
    int head[MAXR];
    for (int b = 0; b < R; b++) {
        int p = b < N ? b + N : b - N;
        head[b] = c->o.ld_dpo ? LD__MIN(c->len[b], c->len[p]) : c->len[b];
        double a = c->o.ld_dpo ? c->o.ld_alpha : 1, sh = 0, tl = 0, qs = 0, qt = 0, wa = 0;
        sp[b] = 0;
        for (int t = 0; t < c->len[b]; t++) {
            if (t < head[b]) { sh += c->tok[b][t]; qs += c->ref[b][t]; } else { tl += c->tok[b][t]; qt += c->ref[b][t]; }
            sp[b] += c->tok[b][t];
            wa += c->tok[b][t] - c->sq[b][t];
        }
        s[b] = sh + a * tl;
        q[b] = qs + a * qt;
        w[b] = exp(wa / c->len[b]);
    }
    ld_status st = ld_pref_eval(&c->o, N, s, sp, q, c->len, w, &L, cs, cp);
    CHECK(st == LD_OK, "%s: %s", c->name, ld_failure_reason());
    int ok = close_to(L, c->loss);
    for (int b = 0; b < R; b++)
        for (int t = 0; t < c->len[b]; t++) {
            double wt = t < head[b] ? 1 : c->o.ld_alpha;
            ok &= close_to(-(cs[b] * wt + cp[b]), c->grad[b][t]);
        }
    CHECK(ok, "%s: loss %.17g vs torch %.17g, or a derivative differs", c->name, L, c->loss);
}

static void check_kto(ref_case *c) {
    int n = c->n;
    double s[MAXR], q[MAXR], ks[MAXR], kq[MAXR], cc[MAXR], L = 0, z = 0;
    for (int b = 0; b < n; b++) {
        s[b] = q[b] = ks[b] = kq[b] = 0;
        for (int t = 0; t < c->len[b]; t++) { s[b] += c->tok[b][t]; q[b] += c->ref[b][t]; }
        for (int t = 0; t < c->klen[b]; t++) { ks[b] += c->ktok[b][t]; kq[b] += c->kref[b][t]; }
    }
    ld_status st = ld_kto_eval(&c->o, n, s, q, ks, kq, c->label, &L, cc, &z);
    CHECK(st == LD_OK, "%s: %s", c->name, ld_failure_reason());
    int ok = close_to(L, c->loss) && close_to(z, c->z);
    for (int b = 0; b < n; b++)
        for (int t = 0; t < c->len[b]; t++) ok &= close_to(-cc[b], c->grad[b][t]);
    CHECK(ok, "%s: loss %.17g vs torch %.17g (z %.6g vs %.6g), or a derivative differs", c->name, L, c->loss, z, c->z);
}

int main(void) {
    FILE *f = fopen("tests/data/pref_reference.txt", "rb");
    if (!f) { printf("test_pref_ref: skipped: tests/data/pref_reference.txt not found (run from the repo root)\n"); return 0; }
    static char line[1 << 16];
    static ref_case c;
    int n_cases = 0, n_kto = 0, rows = 0, grads = 0, kls = 0;
    char kinds_seen[LD_PREF_NKINDS] = { 0 };
    int fdiv_seen[4] = { 0 }, ld_seen = 0, wpo_seen = 0, list_seen = 0;
    while (fgets(line, sizeof line, f)) {
        char *p = line;
        if (!strncmp(line, "case ", 5)) {
            memset(&c, 0, sizeof c);
            parse_opts(line, &c);
            rows = grads = kls = 0;
        } else if (!strncmp(line, "pairs ", 6)) c.n = atoi(line + 6);
        else if (!strncmp(line, "kto ", 4)) { c.n = atoi(line + 4); c.kto = 1; }
        else if (!strncmp(line, "row ", 4) && rows < MAXR) {
            p += 4;
            c.len[rows] = (int)strtol(p, &p, 10);
            if (c.kto) c.label[rows] = (int)strtol(p, &p, 10);
            int L = LD__MIN(c.len[rows], MAXT);
            read_nums(&p, c.tok[rows], L);
            p = skip_bar(p);
            read_nums(&p, c.ref[rows], L);
            if (!c.kto) { p = skip_bar(p); read_nums(&p, c.sq[rows], L); }
            rows++;
        } else if (!strncmp(line, "kl ", 3) && kls < MAXR) {
            p += 3;
            c.klen[kls] = (int)strtol(p, &p, 10);
            read_nums(&p, c.ktok[kls], c.klen[kls]);
            p = skip_bar(p);
            read_nums(&p, c.kref[kls], c.klen[kls]);
            kls++;
        } else if (!strncmp(line, "loss ", 5)) c.loss = strtod(line + 5, NULL);
        else if (!strncmp(line, "z ", 2)) c.z = strtod(line + 2, NULL);
        else if (!strncmp(line, "grad ", 5) && grads < MAXR) {
            p += 5;
            read_nums(&p, c.grad[grads], c.len[grads]);
            grads++;
        } else if (!strncmp(line, "end", 3)) {
            int want = c.kto ? c.n : 2 * c.n;
            CHECK(rows == want && grads == want && (!c.kto || kls == c.n), "%s: %d rows and %d gradients read, %d expected", c.name, rows, grads, want);
            if (c.kto) { check_kto(&c); n_kto++; } else check_pref(&c);
            for (int t = 0; t < c.o.n_terms; t++) if ((int)c.o.terms[t] >= 0) kinds_seen[c.o.terms[t]] = 1;
            fdiv_seen[c.o.fdiv & 3] = 1;
            ld_seen |= c.o.ld_dpo; wpo_seen |= c.o.wpo; list_seen |= c.o.n_terms > 1;
            n_cases++;
        }
    }
    fclose(f);
    int all = 1;
    for (int k = 0; k < LD_PREF_NKINDS; k++) all &= kinds_seen[k];
    CHECK_V(n_cases >= 80 && all && fdiv_seen[1] && fdiv_seen[2] && fdiv_seen[3] && ld_seen && wpo_seen && list_seen && n_kto >= 3,
            "%d cases (%d KTO): every loss of the header, the 3 other f-divergences, LD-DPO, WPO, lists of losses", n_cases, n_kto);
    CHECK_V(worst_abs <= 1e-11 && t_fail == 0, "C vs PyTorch over all cases: loss and every per-token derivative, max |diff| %.2e, max rel %.2e",
            worst_abs, worst_rel);
    return t_done();
}
