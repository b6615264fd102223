/* The losses, in the double build:
   - for every loss and option, G (written by the library) equals a central
     finite difference of the loss with respect to every logit z (rel ≤ 1e-6);
   - the per-row coefficients c (G = c(π − y)) equal the closed forms,
     computed here independently from s±, the reference and the lengths;
   - the metrics (TRL's names) equal their definitions;
   - edge cases: β → 0, ε = 0 and 0.5, the hinge and IPO optima;
   - a few training steps with each preference loss raise the margin. */
#define LD_LLM_DOUBLE
#define LD_LLM_IMPLEMENTATION
#include "../ld_llm.h"
#include "t.h"
#include <stdlib.h>
#include <string.h>

#define V 11
static int toks[4][9] = {
    { 10, 3, 1, 4, 1, 5, 9, 2, 6 },   /* pair 0 chosen   */
    { 10, 7, 2, 7, 1, 8 },            /* pair 1 chosen   */
    { 10, 3, 1, 2, 2, 2, 0 },         /* pair 0 rejected */
    { 10, 7, 2, 6, 6, 6, 6, 6 },      /* pair 1 rejected */
};
static ld_seq seqs[4] = { { toks[0], 9, 3 }, { toks[1], 6, 3 }, { toks[2], 7, 3 }, { toks[3], 8, 3 } };

static double sig(double u) { return 1 / (1 + exp(-u)); }

/* The closed forms of DESIGN.md's table, written out again, for pair
   (sc, sr) with reference (qc, qr) and lengths (Lc, Lr): c± before /N. */
static void closed_form(ld_pref_opts o, double sc, double sr, double qc, double qr, double Lc, double Lr,
                        double *cc, double *cr, double *loss) {
    double h = (sc - qc) - (sr - qr), b = o.beta, s;
    switch (o.kind) {
    case LD_DPO: s = sig(b * h); *cc = b * (1 - s); *cr = -*cc; *loss = -log(s); break;
    case LD_CDPO: s = sig(b * h); *cc = b * ((1 - o.eps) * (1 - s) - o.eps * s); *cr = -*cc;
        *loss = -(1 - o.eps) * log(s) - o.eps * log(1 - s); break;
    case LD_IPO: *cc = 1 / b - 2 * h; *cr = -*cc; *loss = (h - 1 / (2 * b)) * (h - 1 / (2 * b)); break;
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
    }
    if (o.nll_alpha > 0) { *cc += o.nll_alpha / Lc; *loss += -o.nll_alpha * sc / Lc; }
}

static const char *kind_name(ld_pref_kind k) {
    const char *n[] = { "DPO", "cDPO", "IPO", "hinge", "DPOP", "SimPO", "ORPO" };
    return n[k];
}

static double pref_loss_at(ld_model *m, const ld_pref_opts *o, const double *ref) {
    ld_pref_metrics mt;
    ld_logits_to_logprobs(m);
    ld_pref_loss(m, o, ref, &mt, NULL);
    return mt.loss;
}

/* G against finite differences of the loss in every logit. */
static double fd_check(ld_model *m, const ld_pref_opts *o, const double *ref, int sft_norm) {
    size_t nz = (size_t)m->cur_B * m->cur_T * V;
    double *G = (double *)malloc(sizeof(double) * nz);
    memcpy(G, m->d.logits, sizeof(double) * nz);
    const double h = 1e-6;
    double maxerr = 0, maxref = 0;
    for (size_t i = 0; i < nz; i++) {
        double keep = m->a.logits[i], lp, lm;
        m->a.logits[i] = keep + h;
        if (sft_norm >= 0) { ld_logits_to_logprobs(m); lp = ld_sft_loss(m, (ld_norm)sft_norm); } else lp = pref_loss_at(m, o, ref);
        m->a.logits[i] = keep - h;
        if (sft_norm >= 0) { ld_logits_to_logprobs(m); lm = ld_sft_loss(m, (ld_norm)sft_norm); } else lm = pref_loss_at(m, o, ref);
        m->a.logits[i] = keep;
        double fd = (lp - lm) / (2 * h);
        maxerr = fmax(maxerr, fabs(fd - G[i]));
        maxref = fmax(maxref, fabs(fd));
    }
    ld_logits_to_logprobs(m);
    free(G);
    return maxref > 0 ? maxerr / maxref : INFINITY;
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
        double rel = fd_check(&m, NULL, NULL, norm);
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

    struct { ld_pref_kind kind; double beta, eps, lambda, gamma, alpha; } cases[] = {
        { LD_DPO, 0.5, 0, 0, 0, 0 },    { LD_DPO, 0.1, 0, 0, 0, 0.7 },  { LD_CDPO, 0.5, 0.2, 0, 0, 0 },
        { LD_CDPO, 0.5, 0.5, 0, 0, 0 }, { LD_IPO, 0.5, 0, 0, 0, 0 },    { LD_IPO, 2.0, 0, 0, 0, 0.3 },
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
        double coef[4];
        ld_status st = ld_pref_loss(&m, &o, rp, &mt, coef);
        CHECK(st == LD_OK, "%s: %s", kind_name(o.kind), ld_failure_reason());
        char label[96];
        snprintf(label, sizeof label, "%s β=%g ε=%g λ=%g γ=%g α=%g", kind_name(o.kind), r.beta, r.eps, r.lambda, r.gamma, r.nll_alpha);
        /* closed forms and metrics */
        double worst = 0, loss = 0, rc = 0, rr = 0, acc = 0;
        for (int i = 0; i < 2; i++) {
            double cc = 0, cr = 0, l = 0, qc = rp ? ref[i] : 0, qr = rp ? ref[i + 2] : 0;
            closed_form(r, s[i], s[i + 2], qc, qr, L[i], L[i + 2], &cc, &cr, &l);
            worst = fmax(worst, fabs(coef[i] - cc / 2) / fabs(cc / 2 + 1e-300));
            worst = fmax(worst, fabs(coef[i + 2] - cr / 2) / fabs(cr / 2 + 1e-300));
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
        double rel = fd_check(&m, &o, rp, -1);
        CHECK_V(rel <= 1e-6, "%-40s G vs finite differences in every logit: %.2e", label, rel);
    }

    /* edge cases */
    ld_pref_opts o = {0};
    ld_pref_metrics mt, mt2;
    double c1[4], c2[4];
    o.kind = LD_DPO; o.beta = 1e-10;
    ld_forward(&m, seqs, 4);
    ld_pref_loss(&m, &o, ref, &mt, c1);
    CHECK_V(fabs(mt.loss - log(2.0)) < 1e-9 && fabs(c1[0] - 1e-10 / 4) < 1e-18,
            "DPO β → 0: loss → log 2 (%.12f), c⁺ → β/(2N) (%.3g)", mt.loss, c1[0]);
    o.kind = LD_CDPO; o.beta = 0.5; o.eps = 0;
    ld_pref_loss(&m, &o, ref, &mt, c1);
    o.kind = LD_DPO;
    ld_pref_loss(&m, &o, ref, &mt2, c2);
    CHECK_V(mt.loss == mt2.loss && !memcmp(c1, c2, sizeof c1), "cDPO with ε = 0 is DPO exactly");
    o.kind = LD_CDPO; o.eps = 0.5;
    ld_pref_loss(&m, &o, ref, &mt, c1);
    double h0 = (s[0] - ref[0]) - (s[2] - ref[2]);
    CHECK_V(fabs(c1[0] - 0.5 * (0.5 - sig(0.5 * h0)) / 2) < 1e-15, "cDPO ε = 0.5: c⁺ = β(½ − σ(βh))/N");
    o.kind = LD_CDPO; o.eps = 0.6;
    CHECK_V(ld_pref_loss(&m, &o, ref, &mt, c1) == LD_ERR_ARG, "cDPO ε = 0.6 rejected: %s", ld_failure_reason());
    /* IPO at its optimum h = 1/(2β): c = 0 */
    {
        double r2[4] = { ref[0], ref[1], ref[2], ref[3] };
        o.kind = LD_IPO; o.beta = 0.5; o.eps = 0;
        r2[2] = s[2] - ((s[0] - ref[0]) - 1 / (2 * o.beta)); /* makes h = 1/(2β) for pair 0 */
        ld_pref_loss(&m, &o, r2, &mt, c1);
        CHECK_V(fabs(c1[0]) < 1e-12 && fabs(c1[2]) < 1e-12, "IPO at h = 1/(2β): no gradient (c = %.1e)", c1[0]);
        o.kind = LD_HINGE; o.beta = 1.0;
        r2[2] = s[2] - ((s[0] - ref[0]) - 1.5);  /* βh = 1.5 > 1: outside the margin's reach */
        ld_pref_loss(&m, &o, r2, &mt, c1);
        CHECK_V(c1[0] == 0 && c1[2] == 0 && c1[1] != 0, "hinge: pair with βh > 1 gets G = 0, the other does not");
    }
    o.kind = LD_DPO; o.beta = 0.1;
    CHECK_V(ld_pref_loss(&m, &o, NULL, &mt, NULL) == LD_ERR_ARG, "DPO without a reference: %s", ld_failure_reason());
    double rnan[4] = { ref[0], NAN, ref[2], ref[3] };
    CHECK_V(ld_pref_loss(&m, &o, rnan, &mt, NULL) == LD_ERR_NAN, "NaN reference: %s", ld_failure_reason());
    ld_forward(&m, seqs, 3);
    CHECK_V(ld_pref_loss(&m, &o, ref, &mt, NULL) == LD_ERR_ARG, "odd batch: %s", ld_failure_reason());

    /* training raises the margin, for every preference loss */
    for (int k = 0; k <= LD_ORPO; k++) {
        ld_model p;
        ld_model_init(&p, &cfg, 4, 12, LD_TRAIN, 3);
        ld_optim opt;
        ld_optim_config oc = {0};
        oc.kind = LD_OPT_ADAMW; oc.lr = 1e-2;
        ld_optim_init(&opt, &p, &oc);
        ld_pref_opts po = {0};
        po.kind = (ld_pref_kind)k;
        if (k == LD_CDPO) po.eps = 0.1;
        if (k == LD_DPOP) po.lambda = 5;
        ld_forward(&p, seqs, 4);
        double r0[4];
        memcpy(r0, p.seq_logp, sizeof r0);
        double first = 0, last = 0;
        for (int step = 0; step <= 30; step++) {
            ld_forward(&p, seqs, 4);
            ld_pref_loss(&p, &po, r0, &mt, NULL);
            double margin = 0;
            for (int i = 0; i < 2; i++) {
                margin += ld_pref_needs_ref(po.kind)
                              ? ((p.seq_logp[i] - r0[i]) - (p.seq_logp[i + 2] - r0[i + 2])) / 2
                              : (p.seq_logp[i] / L[i] - p.seq_logp[i + 2] / L[i + 2]) / 2;
            }
            if (step == 0) first = margin;
            last = margin;
            ld_zero_grad(&p);
            ld_backward(&p);
            ld_optim_step(&opt, &p, oc.lr);
        }
        CHECK_V(last > first + 0.5, "%-6s 30 AdamW steps raise the margin: %.3f → %.3f", kind_name((ld_pref_kind)k), first, last);
        ld_optim_free(&opt);
        ld_model_free(&p);
    }
    ld_model_free(&m);
    return t_done();
}
