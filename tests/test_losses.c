/* The losses, in the double build:
   - for every loss and option — each of TRL's losses, the header's own,
     the f-divergences, lists of losses with weights, LD-DPO, WPO, RPO and
     KTO — G (written by the library) equals a central finite difference of
     the loss with respect to every logit z (rel ≤ 1e-6). What TRL detaches
     stays detached: WPO's weights are held at their value, KTO's KL rows
     get no gradient and its reference point z does not move;
   - the model-level loss equals ld_pref_eval at statistics formed here
     from the definitions (LD-DPO's weights on the tail, WPO's weights from
     the logits as TRL computes them: logsumexp(2z) − 2 logsumexp(z));
   - the per-row coefficients of the header's original losses equal their
     closed forms, computed here independently;
   - the metrics (TRL's names) equal their definitions;
   - edge cases and refusals;
   - 30 AdamW steps with each loss lower it. */
#define LD_LLM_DOUBLE
#define LD_LLM_IMPLEMENTATION
#include "../ld_llm.h"
#include "t.h"
#include <stdlib.h>
#include <string.h>

#define V 11
static int toks[4][9] = {
    { 10, 3, 1, 4, 1, 5, 9, 2, 6 },   /* pair 0 chosen   (KTO: row 0)        */
    { 10, 7, 2, 7, 1, 8 },            /* pair 1 chosen   (KTO: row 1)        */
    { 10, 3, 1, 2, 2, 2, 0 },         /* pair 0 rejected (KTO: KL row of 0)  */
    { 10, 7, 2, 6, 6, 6, 6, 6 },      /* pair 1 rejected (KTO: KL row of 1)  */
};
static ld_seq seqs[4] = { { toks[0], 9, 3 }, { toks[1], 6, 3 }, { toks[2], 7, 3 }, { toks[3], 8, 3 } };

static double sig(double u) { return 1 / (1 + exp(-u)); }

/* The closed forms of DESIGN.md's table for the header's original losses,
   written out again, for pair (sc, sr) with reference (qc, qr) and lengths
   (Lc, Lr): c± before /N. */
static void closed_form(ld_pref_opts o, double sc, double sr, double qc, double qr, double Lc, double Lr,
                        double *cc, double *cr, double *loss) {
    double h = (sc - qc) - (sr - qr), b = o.beta, s;
    switch (o.kind) {
    case LD_DPO: s = sig(b * h); *cc = b * (1 - s); *cr = -*cc; *loss = -log(s); break;
    case LD_CDPO: s = sig(b * h); *cc = b * ((1 - o.eps) * (1 - s) - o.eps * s); *cr = -*cc;
        *loss = -(1 - o.eps) * log(s) - o.eps * log(1 - s); break;
    case LD_IPO_SUM: *cc = 1 / b - 2 * h; *cr = -*cc; *loss = (h - 1 / (2 * b)) * (h - 1 / (2 * b)); break;
    case LD_HINGE: *cc = b * h < 1 ? b : 0; *cr = -*cc; *loss = fmax(0, 1 - b * h); break;
    case LD_DPOP: {
        double ind = sc < qc, u = b * (h - o.lambda * fmax(0, qc - sc));
        s = sig(u); *cc = b * (1 - s) * (1 + o.lambda * ind); *cr = -b * (1 - s); *loss = -log(s); break;
    }
    case LD_SIMPO: s = sig(b * sc / Lc - b * sr / Lr - o.gamma);
        *cc = b / Lc * (1 - s); *cr = -b / Lr * (1 - s); *loss = -log(s); break;
    case LD_ORPO: {
        double pc = exp(sc / Lc), pr = exp(sr / Lr);
        s = sig(log(pc / (1 - pc)) - log(pr / (1 - pr)));
        *cc = 1 / Lc + o.lambda * (1 - s) / (Lc * (1 - pc));
        *cr = -o.lambda * (1 - s) / (Lr * (1 - pr));
        *loss = -sc / Lc - o.lambda * log(s);
        break;
    }
    default: *cc = *cr = *loss = NAN; break;
    }
    if (o.nll_alpha > 0) { *cc += o.nll_alpha / Lc; *loss += -o.nll_alpha * sc / Lc; }
}

/* Response tokens of row b and of its pair partner. */
static int rlen(const ld_model *m, int b) { return m->len[b] - m->prompt_len[b]; }

/* s of row b by the definition: LD-DPO weighs the tokens past the shorter
   response of the pair by α; plain = 1 gives the plain sum. */
static double def_logp(const ld_model *m, int b, const ld_pref_opts *o, int plain) {
    int N = m->cur_B / 2, p = b < N ? b + N : b - N, head = rlen(m, b);
    if (o->ld_dpo && !plain) head = head < rlen(m, p) ? head : rlen(m, p);
    double s = 0;
    for (int k = 0; k < rlen(m, b); k++) {
        double lp = m->tok_logp[b * m->cur_T + m->prompt_len[b] - 1 + k];
        s += (k < head ? 1 : o->ld_alpha) * lp;
    }
    return s;
}

/* WPO's weight of row b as TRL computes it, from the logits. */
static double def_wpo(const ld_model *m, int b) {
    double s = 0;
    for (int t = m->prompt_len[b] - 1; t < m->len[b] - 1; t++) {
        const double *z = m->a.logits + ((size_t)b * m->cur_T + t) * V;
        double mx = z[0], s1 = 0, s2 = 0;
        for (int v = 1; v < V; v++) mx = fmax(mx, z[v]);
        for (int v = 0; v < V; v++) { s1 += exp(z[v] - mx); s2 += exp(2 * (z[v] - mx)); }
        double lse1 = mx + log(s1), lse2 = 2 * mx + log(s2);
        double lp = z[m->tokens[b * m->cur_T + t + 1]] - lse1;
        s += lp - (lse2 - 2 * lse1);
    }
    return exp(s / rlen(m, b));
}

/* The loss by ld_pref_eval at statistics formed here; w NULL: WPO's weights
   at the current logits, else held at w. */
static double eval_def(const ld_model *m, const ld_pref_opts *o, const double *ref, const double *w) {
    double s[4], sp[4], wd[4], cs[4], L = NAN;
    int len[4];
    for (int b = 0; b < 4; b++) {
        s[b] = def_logp(m, b, o, 0); sp[b] = def_logp(m, b, o, 1); len[b] = rlen(m, b);
        wd[b] = w ? w[b] : def_wpo(m, b);
    }
    ld_pref_eval(o, 2, s, sp, ref, len, wd, &L, cs, NULL);
    return L;
}

enum { FD_PREF, FD_PREF_FROZEN_W, FD_KTO, FD_SFT_SUM, FD_SFT_MEAN };
static const int kto_label[2] = { 1, 0 };

static double loss_at(ld_model *m, int mode, const ld_pref_opts *o, const double *ref, const double *w) {
    ld_pref_metrics mt;
    ld_logits_to_logprobs(m);
    switch (mode) {
    case FD_PREF: ld_pref_loss(m, o, ref, &mt, NULL); return mt.loss;
    case FD_PREF_FROZEN_W: return eval_def(m, o, ref, w);
    case FD_KTO: ld_kto_loss(m, o, ref, kto_label, &mt, NULL); return mt.loss;
    default: return ld_sft_loss(m, mode == FD_SFT_MEAN ? LD_NORM_TOKEN_MEAN : LD_NORM_SEQ_SUM);
    }
}

/* G against central differences of the loss in every logit (KTO: in the
   completion rows; its KL rows must have G = 0). */
static double fd_check(ld_model *m, int mode, const ld_pref_opts *o, const double *ref, const double *w, int *kl_zero) {
    size_t nz = (size_t)m->cur_B * m->cur_T * V, half = nz / 2;
    double *G = (double *)malloc(sizeof(double) * nz);
    memcpy(G, m->d.logits, sizeof(double) * nz);
    const double h = 1e-6;
    double maxerr = 0, maxref = 0;
    if (kl_zero) { *kl_zero = 1; for (size_t i = half; i < nz; i++) *kl_zero &= G[i] == 0; }
    for (size_t i = 0; i < (mode == FD_KTO ? half : nz); i++) {
        double keep = m->a.logits[i];
        m->a.logits[i] = keep + h;
        double lp = loss_at(m, mode, o, ref, w);
        m->a.logits[i] = keep - h;
        double lm = loss_at(m, mode, o, ref, w);
        m->a.logits[i] = keep;
        double fd = (lp - lm) / (2 * h);
        maxerr = fmax(maxerr, fabs(fd - G[i]));
        maxref = fmax(maxref, fabs(fd));
    }
    ld_logits_to_logprobs(m);
    free(G);
    return maxref > 0 ? maxerr / maxref : INFINITY;
}

static ld_pref_opts one(ld_pref_kind k, double beta) {
    ld_pref_opts o = {0};
    o.kind = k; o.beta = beta;
    if (k == LD_CDPO || k == LD_ROBUST || k == LD_AOT) o.eps = 0.1;
    if (k == LD_AOT_UNPAIRED) o.eps = 0.2;
    if (k == LD_DPOP) o.lambda = 5;
    return o;
}

static ld_pref_opts list(int n, const ld_pref_kind *k, const double *w, double beta) {
    ld_pref_opts o = {0};
    o.n_terms = n; o.beta = beta;
    for (int i = 0; i < n; i++) { o.terms[i] = k[i]; o.weights[i] = w[i]; }
    return o;
}

static void describe(const ld_pref_opts *o, char *out, size_t n) {
    ld_pref_opts r = ld_pref_opts_resolve(o);
    static const char *fd[] = { "", " f=forward_kl", " f=js", " f=alpha" };
    size_t k = 0;
    for (int i = 0; i < r.n_terms; i++)
        k += (size_t)snprintf(out + k, n - k, "%s%s", i ? "+" : "", ld_pref_kind_name(r.terms[i]));
    if (r.n_terms > 1) {
        k += (size_t)snprintf(out + k, n - k, " (");
        for (int i = 0; i < r.n_terms; i++) k += (size_t)snprintf(out + k, n - k, "%s%g", i ? "," : "", r.weights[i]);
        k += (size_t)snprintf(out + k, n - k, ")");
    }
    snprintf(out + k, n - k, " β=%g%s%s%s%s", r.beta, fd[r.fdiv & 3], r.ld_dpo ? " LD" : "", r.wpo ? " WPO" : "",
             r.nll_alpha > 0 ? " RPO" : "");
}

int main(void) {
    ld_config cfg = {0};
    cfg.vocab_size = V; cfg.context = 12; cfg.n_layer = 1; cfg.n_head = 2; cfg.n_embd = 8; cfg.init_std = 0.5;
    ld_model m;
    CHECK(ld_model_init(&m, &cfg, 4, 12, LD_TRAIN, 3) == LD_OK, "init");
    CHECK(ld_forward(&m, seqs, 4) == LD_OK, "forward: %s", ld_failure_reason());

    /* SFT, both normalisations */
    for (int norm = 0; norm < 2; norm++) {
        ld_forward(&m, seqs, 4);
        ld_sft_loss(&m, (ld_norm)norm);
        double rel = fd_check(&m, norm ? FD_SFT_MEAN : FD_SFT_SUM, NULL, NULL, NULL, NULL);
        CHECK_V(rel <= 1e-6, "SFT (%s): G vs finite differences in every logit: %.2e",
                norm ? "token mean" : "sequence sum", rel);
    }

    /* the reference puts pair 0 below and pair 1 above the policy's chosen,
       so DPOP's penalty is on for one pair and off for the other */
    ld_forward(&m, seqs, 4);
    double s[4];
    for (int b = 0; b < 4; b++) s[b] = m.seq_logp[b];
    double ref[4] = { s[0] + 0.7, s[1] - 0.4, s[2] + 0.3, s[3] - 0.9 };
    double L[4];
    for (int b = 0; b < 4; b++) L[b] = seqs[b].len - seqs[b].prompt_len;

    /* the header's original losses: closed forms, metrics, finite differences */
    struct { ld_pref_kind kind; double beta, eps, lambda, gamma, alpha; } cases[] = {
        { LD_DPO, 0.5, 0, 0, 0, 0 },    { LD_DPO, 0.1, 0, 0, 0, 0.7 },  { LD_CDPO, 0.5, 0.2, 0, 0, 0 },
        { LD_CDPO, 0.5, 0.5, 0, 0, 0 }, { LD_IPO_SUM, 0.5, 0, 0, 0, 0 },{ LD_IPO_SUM, 2.0, 0, 0, 0, 0.3 },
        { LD_HINGE, 0.3, 0, 0, 0, 0 },  { LD_DPOP, 0.5, 0, 5, 0, 0 },   { LD_DPOP, 0.5, 0, 50, 0, 0.2 },
        { LD_SIMPO, 2.0, 0, 0, 0.5, 0 },{ LD_SIMPO, 1.0, 0, 0, 0.1, 1 },{ LD_ORPO, 0, 0, 0.1, 0, 0 },
        { LD_ORPO, 0, 0, 2.0, 0, 0 },
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        ld_pref_opts o = {0};
        o.kind = cases[k].kind; o.beta = cases[k].beta; o.eps = cases[k].eps; o.lambda = cases[k].lambda;
        o.gamma = cases[k].gamma; o.nll_alpha = cases[k].alpha;
        ld_pref_opts r = ld_pref_opts_resolve(&o);
        const double *rp = ld_pref_needs_ref(o.kind) ? ref : NULL;
        ld_forward(&m, seqs, 4);
        ld_pref_metrics mt;
        ld_row_coef rows[4];
        ld_status st = ld_pref_loss(&m, &o, rp, &mt, rows);
        CHECK(st == LD_OK, "%s: %s", ld_pref_kind_name(o.kind), ld_failure_reason());
        char label[96];
        snprintf(label, sizeof label, "%s β=%g ε=%g λ=%g γ=%g α=%g", ld_pref_kind_name(o.kind), r.beta, r.eps, r.lambda, r.gamma, r.nll_alpha);
        double worst = 0, loss = 0, rc = 0, rr = 0, acc = 0;
        for (int i = 0; i < 2; i++) {
            double cc = 0, cr = 0, l = 0, qc = rp ? ref[i] : 0, qr = rp ? ref[i + 2] : 0;
            closed_form(r, s[i], s[i + 2], qc, qr, L[i], L[i + 2], &cc, &cr, &l);
            worst = fmax(worst, fabs(rows[i].c - cc / 2) / fabs(cc / 2 + 1e-300));
            worst = fmax(worst, fabs(rows[i + 2].c - cr / 2) / fabs(cr / 2 + 1e-300));
            loss += l / 2;
            double k2 = o.kind == LD_ORPO ? r.lambda : r.beta;
            double a = rp ? r.beta * (s[i] - qc) : k2 * s[i] / L[i], b = rp ? r.beta * (s[i + 2] - qr) : k2 * s[i + 2] / L[i + 2];
            rc += a / 2; rr += b / 2; acc += (a > b) / 2.0;
        }
        CHECK_V(worst <= 1e-12, "%-40s coefficients = closed form (rel %.1e)", label, worst);
        CHECK(fabs(mt.loss - loss) <= 1e-12 * fabs(loss) + 1e-15, "%s loss %.15g vs %.15g", label, mt.loss, loss);
        CHECK(fabs(mt.rewards_chosen - rc) < 1e-12 && fabs(mt.rewards_rejected - rr) < 1e-12 &&
              fabs(mt.rewards_margins - (rc - rr)) < 1e-12 && mt.rewards_accuracies == acc &&
              fabs(mt.logps_chosen - (s[0] + s[1]) / 2) < 1e-12 && fabs(mt.logps_rejected - (s[2] + s[3]) / 2) < 1e-12,
              "%s metrics", label);
        CHECK(rows[0].role == LD_ROW_CHOSEN && rows[3].role == LD_ROW_REJECTED && rows[1].head == L[1] && rows[2].c_tail == rows[2].c &&
              rows[0].weight == 1, "%s rows", label);
        double rel = fd_check(&m, FD_PREF, &o, rp, NULL, NULL);
        CHECK_V(rel <= 1e-6, "%-40s G vs finite differences in every logit: %.2e", label, rel);
    }

    /* every loss, by TRL's names and the header's, and the options */
    ld_pref_opts all[80];
    int na = 0;
    for (int k = 0; k < LD_PREF_NKINDS; k++) {
        if (k == LD_KTO) continue;
        all[na++] = one((ld_pref_kind)k, 0);
        all[na++] = one((ld_pref_kind)k, k == LD_SIMPO ? 1.0 : 0.5);
    }
    ld_pref_kind fk[] = { LD_DPO, LD_HINGE, LD_IPO, LD_IPO_SUM, LD_EXO_PAIR, LD_ROBUST, LD_CDPO, LD_DISCOPOP, LD_SIGMOID_NORM };
    for (int f = 1; f <= 3; f++)
        for (size_t k = 0; k < sizeof fk / sizeof fk[0]; k++) {
            if (f != LD_FDIV_JS && fk[k] != LD_DPO && fk[k] != LD_IPO) continue;
            ld_pref_opts o = one(fk[k], 0.5);
            o.fdiv = (ld_fdiv)f;
            if (f == LD_FDIV_ALPHA && fk[k] == LD_DPO) o.fdiv_alpha = 0.3;
            all[na++] = o;
        }
    {
        ld_pref_kind k1[] = { LD_DPO, LD_PREF_SFT }, k2[] = { LD_DPO, LD_BCO_PAIR, LD_PREF_SFT }, k3[] = { LD_AOT, LD_IPO, LD_APO_DOWN };
        double w1[] = { 1, 0.5 }, w2[] = { 0.8, 0.2, 1.0 }, w3[] = { 0.5, 1, 2 };
        all[na++] = list(2, k1, w1, 0.1);
        all[na++] = list(3, k2, w2, 0.1);
        all[na++] = list(3, k3, w3, 0.5);
        ld_pref_opts o;
        o = one(LD_DPO, 0.5); o.ld_dpo = 1; o.ld_alpha = 0.5; all[na++] = o;
        o = one(LD_IPO, 0.5); o.ld_dpo = 1; o.ld_alpha = 0; all[na++] = o;
        o = one(LD_AOT_UNPAIRED, 0.5); o.ld_dpo = 1; o.ld_alpha = 0.5; all[na++] = o;
        o = list(2, k1, w1, 0.1); o.ld_dpo = 1; o.ld_alpha = 0.3; all[na++] = o;
        o = one(LD_DPO, 0.1); o.nll_alpha = 0.7; all[na++] = o;
        o = one(LD_DPO, 0.1); o.nll_alpha = 0.5; o.ld_dpo = 1; o.ld_alpha = 0.4; all[na++] = o;
        o = one(LD_DPO, 0.5); o.wpo = 1; all[na++] = o;
        o = one(LD_PREF_SFT, 0.5); o.wpo = 1; all[na++] = o;
        o = one(LD_AOT, 0.5); o.wpo = 1; all[na++] = o;
        o = list(3, k2, w2, 0.1); o.wpo = 1; o.ld_dpo = 1; o.ld_alpha = 0.5; all[na++] = o;
        o = one(LD_DPO, 0.1); o.wpo = 1; o.nll_alpha = 0.5; all[na++] = o;
    }
    double worst_fd = 0, worst_def = 0;
    int n_fd = 0;
    for (int k = 0; k < na; k++) {
        ld_pref_opts *o = &all[k];
        char label[128];
        describe(o, label, sizeof label);
        int need = ld_pref_opts_needs_ref(o);
        ld_forward(&m, seqs, 4);
        ld_pref_metrics mt;
        ld_row_coef rows[4];
        double rl[4];
        /* LD-DPO reads the reference's log-probs with the same weights */
        for (int b = 0; b < 4; b++) rl[b] = ref[b] * (o->ld_dpo ? 0.9 : 1.0);
        ld_status st = ld_pref_loss(&m, o, need ? rl : NULL, &mt, rows);
        CHECK(st == LD_OK, "%s: %s", label, ld_failure_reason());
        double w[4];
        for (int b = 0; b < 4; b++) w[b] = def_wpo(&m, b);
        double def = eval_def(&m, o, need ? rl : NULL, NULL);
        double dl = fabs(def - mt.loss) / fmax(fabs(def), 1e-300);
        int wok = 1;
        for (int b = 0; b < 4; b++) wok &= fabs(rows[b].weight - (o->wpo ? w[b] : 1)) <= 1e-12 * w[b];
        CHECK(dl <= 1e-12 && wok, "%s: the loss at the model %.15g, by the definitions %.15g (or WPO weights differ)", label, mt.loss, def);
        worst_def = fmax(worst_def, dl);
        double rel = fd_check(&m, o->wpo ? FD_PREF_FROZEN_W : FD_PREF, o, need ? rl : NULL, w, NULL);
        CHECK_V(rel <= 1e-6, "%-44s G vs finite differences in every logit: %.2e", label, rel);
        worst_fd = fmax(worst_fd, rel);
        n_fd++;
    }
    CHECK_V(worst_def <= 1e-12, "%d cases: the model's loss = ld_pref_eval at the statistics by their definitions (worst rel %.1e)", n_fd, worst_def);
    CHECK_V(worst_fd <= 1e-6, "%d cases: G = ∂L/∂z by central differences (worst rel %.2e)", n_fd, worst_fd);

    /* LD-DPO: α = 1 is the plain loss; α = 0 leaves the tail without gradient */
    {
        ld_pref_opts o = one(LD_DPO, 0.5), o1 = o;
        o1.ld_dpo = 1; o1.ld_alpha = 1;
        ld_row_coef r0[4], r1[4];
        ld_pref_metrics m0, m1;
        ld_forward(&m, seqs, 4);
        ld_pref_loss(&m, &o, ref, &m0, r0);
        ld_pref_loss(&m, &o1, ref, &m1, r1);
        CHECK_V(fabs(m0.loss - m1.loss) < 1e-14 && fabs(r0[0].c - r1[0].c) < 1e-15 && r1[0].c_tail == r1[0].c,
                "LD-DPO with α = 1 is the plain loss (|ΔL| %.1e)", fabs(m0.loss - m1.loss));
        o1.ld_alpha = 0;
        ld_pref_loss(&m, &o1, ref, &m1, r1);
        /* pair 0: chosen 6 tokens, rejected 4: the chosen's last 2 are its tail */
        int zero = 1, nonzero = 1;
        for (int t = m.prompt_len[0] - 1; t < m.len[0] - 1; t++) {
            int k = t - (m.prompt_len[0] - 1);
            double g = 0;
            for (int v = 0; v < V; v++) g += fabs(m.d.logits[(size_t)t * V + v]);
            if (k >= r1[0].head) zero &= g == 0; else nonzero &= g > 0;
        }
        CHECK_V(r1[0].head == 4 && zero && nonzero, "LD-DPO with α = 0: G = 0 on the chosen's 2 tokens past the rejected's length, ≠ 0 before");
    }

    /* KTO: rows 0, 1 are completions (desirable, undesirable), rows 2, 3 their KL rows */
    {
        ld_pref_opts o = {0};
        o.kind = LD_KTO; o.beta = 0.5; o.undesirable_weight = 1.33;
        double rk[4] = { s[0] + 0.3, s[1] - 0.5, s[2] - 0.8, s[3] - 0.2 };
        ld_forward(&m, seqs, 4);
        ld_pref_metrics mt;
        ld_row_coef rows[4];
        CHECK(ld_kto_loss(&m, &o, rk, kto_label, &mt, rows) == LD_OK, "kto: %s", ld_failure_reason());
        double z = fmax(0, ((s[2] - rk[2]) + (s[3] - rk[3])) / 2);
        double r0 = s[0] - rk[0], r1 = s[1] - rk[1];
        double loss = (1 - sig(0.5 * (r0 - z)) + 1.33 * (1 - sig(0.5 * (z - r1)))) / 2;
        double c0 = 0.5 * sig(0.5 * (r0 - z)) * (1 - sig(0.5 * (r0 - z))) / 2;
        double c1 = -1.33 * 0.5 * sig(0.5 * (z - r1)) * (1 - sig(0.5 * (z - r1))) / 2;
        CHECK_V(fabs(mt.kl - z) < 1e-14 && fabs(mt.loss - loss) < 1e-14 && fabs(rows[0].c - c0) < 1e-15 && fabs(rows[1].c - c1) < 1e-15,
                "kto: z = max(0, mean KL log-ratio) = %.4f, loss and c = closed form (c desirable %+.4f, undesirable %+.4f)", z, c0, c1);
        CHECK_V(rows[2].role == LD_ROW_NONE && rows[3].c == 0 && rows[0].role == LD_ROW_CHOSEN && rows[1].role == LD_ROW_REJECTED,
                "kto rows: desirable, undesirable, then KL rows without gradient");
        CHECK(fabs(mt.rewards_chosen - 0.5 * r0) < 1e-14 && fabs(mt.rewards_rejected - 0.5 * r1) < 1e-14 && isnan(mt.rewards_accuracies),
              "kto metrics");
        int klz = 0;
        double rel = fd_check(&m, FD_KTO, &o, rk, NULL, &klz);
        CHECK_V(rel <= 1e-6 && klz, "kto: G vs finite differences in every logit of the completions: %.2e; G = 0 on the KL rows", rel);
        /* z clamps at 0 when the KL rows sit below the reference */
        double rk2[4] = { rk[0], rk[1], s[2] + 0.8, s[3] + 0.2 };
        ld_kto_loss(&m, &o, rk2, kto_label, &mt, NULL);
        CHECK_V(mt.kl == 0, "kto: a negative KL estimate is clamped to z = 0");
    }

    /* TRL's token metrics by their definitions */
    {
        ld_pref_opts o = one(LD_DPO, 0.5);
        ld_forward(&m, seqs, 4);
        ld_pref_metrics mt;
        ld_row_coef rows[4];
        ld_pref_loss(&m, &o, ref, &mt, rows);
        double zc = 0, zr = 0, ent = 0, acc = 0;
        int nc = 0, nr = 0;
        for (int b = 0; b < 4; b++)
            for (int t = m.prompt_len[b] - 1; t < m.len[b] - 1; t++) {
                const double *z = m.a.logits + ((size_t)b * m.cur_T + t) * V;
                double mean = 0, mx = z[0], se = 0, h = 0;
                int am = 0;
                for (int v = 0; v < V; v++) { mean += z[v] / V; if (z[v] > mx) { mx = z[v]; am = v; } }
                for (int v = 0; v < V; v++) se += exp(z[v] - mx);
                for (int v = 0; v < V; v++) { double p = exp(z[v] - mx) / se; h -= p * log(p); }
                ent += h;
                if (b < 2) { zc += mean; nc++; acc += am == m.tokens[b * m.cur_T + t + 1]; } else { zr += mean; nr++; }
            }
        CHECK_V(fabs(mt.logits_chosen - zc / nc) < 1e-13 && fabs(mt.logits_rejected - zr / nr) < 1e-13 &&
                fabs(mt.entropy - ent / (nc + nr)) < 1e-12 && fabs(mt.mean_token_accuracy - acc / nc) < 1e-15 &&
                fabs(mt.coef_chosen - (rows[0].c + rows[1].c)) < 1e-15 && fabs(mt.coef_rejected - (rows[2].c + rows[3].c)) < 1e-15,
                "metrics: logits/chosen %.4f, logits/rejected %.4f, entropy %.4f, mean_token_accuracy %.3f; coef/chosen %+.4f",
                mt.logits_chosen, mt.logits_rejected, mt.entropy, mt.mean_token_accuracy, mt.coef_chosen);
    }

    /* edge cases */
    ld_pref_opts o = {0};
    ld_pref_metrics mt, mt2;
    ld_row_coef c1[4], c2[4];
    o.kind = LD_DPO; o.beta = 1e-10;
    ld_forward(&m, seqs, 4);
    ld_pref_loss(&m, &o, ref, &mt, c1);
    CHECK_V(fabs(mt.loss - log(2.0)) < 1e-9 && fabs(c1[0].c - 1e-10 / 4) < 1e-18,
            "DPO β → 0: loss → log 2 (%.12f), c⁺ → β/(2N) (%.3g)", mt.loss, c1[0].c);
    o.kind = LD_CDPO; o.beta = 0.5; o.eps = 0;
    ld_pref_loss(&m, &o, ref, &mt, c1);
    o.kind = LD_DPO;
    ld_pref_loss(&m, &o, ref, &mt2, c2);
    CHECK_V(mt.loss == mt2.loss && c1[0].c == c2[0].c && c1[1].c == c2[1].c && c1[2].c == c2[2].c && c1[3].c == c2[3].c,
            "cDPO with ε = 0 is DPO exactly");
    o.kind = LD_CDPO; o.eps = 0.5;
    ld_pref_loss(&m, &o, ref, &mt, c1);
    double h0 = (s[0] - ref[0]) - (s[2] - ref[2]);
    CHECK_V(fabs(c1[0].c - 0.5 * (0.5 - sig(0.5 * h0)) / 2) < 1e-15, "cDPO ε = 0.5: c⁺ = β(½ − σ(βh))/N");
    o.kind = LD_CDPO; o.eps = 0.6;
    CHECK_V(ld_pref_loss(&m, &o, ref, &mt, c1) == LD_ERR_ARG, "cDPO ε = 0.6 rejected: %s", ld_failure_reason());
    {
        double r2[4] = { ref[0], ref[1], ref[2], ref[3] };
        o.kind = LD_IPO_SUM; o.beta = 0.5; o.eps = 0;
        r2[2] = s[2] - ((s[0] - ref[0]) - 1 / (2 * o.beta)); /* makes h = 1/(2β) for pair 0 */
        ld_pref_loss(&m, &o, r2, &mt, c1);
        CHECK_V(fabs(c1[0].c) < 1e-12 && fabs(c1[2].c) < 1e-12, "ipo_sum at h = 1/(2β): no gradient (c = %.1e)", c1[0].c);
        o.kind = LD_HINGE; o.beta = 1.0;
        r2[2] = s[2] - ((s[0] - ref[0]) - 1.5);  /* βh = 1.5 > 1: outside the margin's reach */
        ld_pref_loss(&m, &o, r2, &mt, c1);
        CHECK_V(c1[0].c == 0 && c1[2].c == 0 && c1[1].c != 0, "hinge: pair with βh > 1 gets G = 0, the other does not");
        /* ipo (TRL) divides by the lengths: at h = L 1/(2β) with L⁺ = L⁻ it has no gradient */
    }
    o.kind = LD_DPO; o.beta = 0.1;
    CHECK_V(ld_pref_loss(&m, &o, NULL, &mt, NULL) == LD_ERR_ARG, "DPO without a reference: %s", ld_failure_reason());
    double rnan[4] = { ref[0], NAN, ref[2], ref[3] };
    CHECK_V(ld_pref_loss(&m, &o, rnan, &mt, NULL) == LD_ERR_NAN, "NaN reference: %s", ld_failure_reason());
    /* refusals, and G untouched by them */
    {
        double g0 = m.d.logits[3 * V + 2];
        ld_pref_opts b = one(LD_NCA_PAIR, 0.1);
        b.fdiv = LD_FDIV_FORWARD_KL;
        CHECK_V(ld_pref_loss(&m, &b, ref, &mt, NULL) == LD_ERR_ARG, "nca_pair with forward KL refused (as TRL): %s", ld_failure_reason());
        b = one(LD_ROBUST, 0.1); b.eps = 0.5;
        CHECK_V(ld_pref_loss(&m, &b, ref, &mt, NULL) == LD_ERR_ARG, "robust with ε = 0.5 refused: %s", ld_failure_reason());
        b = one(LD_DPO, 0.1); b.ld_dpo = 1; b.ld_alpha = 1.5;
        CHECK_V(ld_pref_loss(&m, &b, ref, &mt, NULL) == LD_ERR_ARG, "ld_alpha 1.5 refused: %s", ld_failure_reason());
        b = one(LD_DPO, 0.1); b.n_terms = 9;
        CHECK_V(ld_pref_loss(&m, &b, ref, &mt, NULL) == LD_ERR_ARG, "a list of 9 losses refused: %s", ld_failure_reason());
        ld_pref_kind kk[] = { LD_DPO, LD_KTO };
        double ww[] = { 1, 1 };
        b = list(2, kk, ww, 0.1);
        CHECK_V(ld_pref_loss(&m, &b, ref, &mt, NULL) == LD_ERR_ARG, "kto in a list refused: %s", ld_failure_reason());
        b = one(LD_KTO, 0.1);
        CHECK_V(ld_pref_loss(&m, &b, ref, &mt, NULL) == LD_ERR_ARG, "kto through ld_pref_loss refused: %s", ld_failure_reason());
        b.wpo = 1;
        CHECK_V(ld_kto_loss(&m, &b, ref, kto_label, &mt, NULL) == LD_ERR_ARG, "kto with WPO refused: %s", ld_failure_reason());
        int badl[2] = { 1, 7 };
        b.wpo = 0;
        CHECK_V(ld_kto_loss(&m, &b, ref, badl, &mt, NULL) == LD_ERR_ARG, "kto with label 7 refused: %s", ld_failure_reason());
        CHECK(m.d.logits[3 * V + 2] == g0, "refusals leave G as it was");
        ld_pref_opts e = one(LD_EXO_PAIR, 0);
        ld_pref_opts er = ld_pref_opts_resolve(&e);
        CHECK_V(er.eps == 1e-3 && er.beta == 0.1 && er.n_terms == 1 && er.terms[0] == LD_EXO_PAIR, "exo_pair's ε defaults to 1e-3 (TRL's recommended value)");
        int names = 1;
        for (int k = 0; k < LD_PREF_NKINDS; k++) names &= ld_pref_kind_from_name(ld_pref_kind_name((ld_pref_kind)k)) == k;
        CHECK_V(names && ld_pref_kind_from_name("dpo") == LD_SIGMOID && ld_pref_kind_from_name("nope") == -1 &&
                !strcmp(ld_pref_kind_name(LD_IPO), "ipo") && !strcmp(ld_pref_kind_name(LD_IPO_SUM), "ipo_sum"),
                "names: every loss by its name, \"dpo\" for sigmoid");
    }
    ld_forward(&m, seqs, 3);
    CHECK_V(ld_pref_loss(&m, &o, ref, &mt, NULL) == LD_ERR_ARG, "odd batch: %s", ld_failure_reason());

    /* 30 AdamW steps lower every loss; those meant to separate the pair raise
       the margin — all but DiscoPOP, which is not convex: at Δ = 0 (τ = 0.05)
       its gradient lowers the margin (its coefficient on y⁻ is positive there) */
    int lowered = 0, tried = 0;
    for (int k = 0; k < LD_PREF_NKINDS; k++) {
        ld_model p;
        ld_model_init(&p, &cfg, 4, 12, LD_TRAIN, 3);
        ld_optim opt;
        ld_optim_config oc = {0};
        oc.kind = LD_OPT_ADAMW; oc.lr = 1e-2;
        ld_optim_init(&opt, &p, &oc);
        ld_pref_opts po = one((ld_pref_kind)k, 0);
        ld_forward(&p, seqs, 4);
        double r0[4];
        memcpy(r0, p.seq_logp, sizeof r0);
        /* KTO's reference: its KL rows sit a little below, so z > 0 moves */
        if (k == LD_KTO) { r0[2] -= 0.2; r0[3] -= 0.2; }
        double first = 0, last = 0, l0 = 0, l1 = 0;
        ld_status st = LD_OK;
        for (int step = 0; step <= 30 && !st; step++) {
            ld_forward(&p, seqs, 4);
            st = k == LD_KTO ? ld_kto_loss(&p, &po, r0, kto_label, &mt, NULL) : ld_pref_loss(&p, &po, r0, &mt, NULL);
            double margin = 0;
            for (int i = 0; i < 2; i++)
                margin += ld_pref_needs_ref(po.kind) ? ((p.seq_logp[i] - r0[i]) - (p.seq_logp[i + 2] - r0[i + 2])) / 2
                                                     : (p.seq_logp[i] / L[i] - p.seq_logp[i + 2] / L[i + 2]) / 2;
            if (step == 0) { first = margin; l0 = mt.loss; }
            last = margin; l1 = mt.loss;
            ld_zero_grad(&p);
            ld_backward(&p);
            ld_optim_step(&opt, &p, oc.lr);
        }
        tried++;
        int falls = st == LD_OK && l1 < l0 - 1e-3 * fabs(l0);
        lowered += falls;
        int sep = k != LD_PREF_SFT && k != LD_KTO && k != LD_DISCOPOP;
        CHECK_V(falls && (!sep || last > first + 0.5), "%-12s 30 AdamW steps: loss %.4f → %.4f%s", ld_pref_kind_name((ld_pref_kind)k), l0, l1,
                k == LD_DISCOPOP ? " (not convex: the margin may fall)" : sep ? "" : " (no margin to separate)");
        if (sep) printf("                 margin %.3f → %.3f\n", first, last);
        ld_optim_free(&opt);
        ld_model_free(&p);
    }
    CHECK_V(lowered == tried, "every loss trains: %d of %d", lowered, tried);
    ld_model_free(&m);
    return t_done();
}
