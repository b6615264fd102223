/* The peers of the decomposition: last hidden states, CHES and LN-CHES
   (Razin et al.), gradient entanglement, and the three terms of Prop. 1
   one by one. Built twice: double (-DLD_LLM_DOUBLE: tight tolerances and
   the finite differences) and float (rounding tolerances).
   - h·Wᵀ reproduces the model's logits (tied head and untied lm_head);
   - CHES, LN-CHES against a brute force over all pairs ⟨h⁺_i, h⁻_j⟩ of the
     hidden states; 0 for a pair with itself;
   - entanglement against a plain loop over two gradients, and against
     central differences of log π(y⁻) and log π(y⁺) along g⁺;
   - ‖A‖_F against the explicit V×V matrices; ‖G‖ against (π − e_y) summed
     by hand; K·G against central differences of the observed logits along
     ∇θL (SFT and DPO);
   - −η Σ A·(K·G) = ld_dyn_predict(−η∇θL) = ld_dyn_step's and
     ld_dyn_pair_step's prediction for plain SGD;
   - bad input gets an error with a reason and writes nothing;
   - 1 and 2 OpenMP threads give the same bits. */
#define LD_LLM_IMPLEMENTATION
#include "../ld_llm.h"
#include "t.h"
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#ifdef LD_LLM_DOUBLE
#define TIGHT 1e-11   /* the same numbers in another order */
#define FDTOL 1e-6    /* central differences */
#else
#define TIGHT 2e-5
#define FDTOL 0       /* (not run in float) */
#endif

static ld_config small_cfg(int untied) {
    ld_config c = {0};   /* byte-level: V = 257, bos = eos = 256 */
    c.context = 16; c.n_layer = 2; c.n_head = 2; c.n_embd = 8; c.init_std = 0.3;
    c.untied_head = untied;
    return c;
}

static void perturb(ld_model *m, uint64_t seed) {
    ld_rng r;
    ld_rng_seed(&r, seed);
    for (size_t i = 0; i < m->P; i++) m->theta[i] += (ld_float)(0.1 * ld_rng_normal(&r));
    ld_params_changed(m);
}

/* the sequences: [bos; x; y; eos], prompt [bos; x] */
static int t_o[] = { 256, 'a', 'b', 'c', 'd', 'e', 256 };     /* observed, prompt 3 */
static int t_p[] = { 256, 'a', 'b', 'c', 'c', 'd', 256 };     /* chosen */
static int t_m[] = { 256, 'a', 'b', 'e', 'f', 256 };          /* rejected */
static int t_u[] = { 256, 'q', 'r', 's', 256 };               /* another SFT example */

static double rel(double a, double b) { return fabs(a - b) / fmax(fabs(b), 1e-300); }

#ifdef LD_LLM_DOUBLE
static double logp_at(ld_model *m, const ld_seq *s) {
    ld_forward(m, s, 1);
    return m->seq_logp[0];
}
#endif

static void test_hidden(void) {
    for (int untied = 0; untied < 2; untied++) {
        ld_config c = small_cfg(untied);
        ld_model m;
        ld_model_init(&m, &c, 2, 16, LD_TRAIN | LD_JVP, 7 + untied);
        perturb(&m, 3);
        ld_seq s = { t_o, 7, 3 };
        int C = m.cfg.n_embd, V = m.cfg.vocab_size;
        ld_float *h = (ld_float *)malloc(sizeof(ld_float) * 7 * C);
        CHECK(ld_hidden_states(&m, &s, h) == LD_OK, "hidden states: %s", ld_failure_reason());
        const ld_float *W = untied ? m.w.lmhead : m.w.wte;
        double worst = 0, scale = 0;
        for (int t = 0; t < 7; t++)
            for (int v = 0; v < V; v++) {
                double z = 0;
                for (int k = 0; k < C; k++) z += (double)h[t * C + k] * W[(size_t)v * C + k];
                worst = fmax(worst, fabs(z - m.a.logits[(size_t)t * V + v]));
                scale = fmax(scale, fabs(z));
            }
        CHECK_V(worst / scale < TIGHT, "%s head: z_t = W h_t from the hidden states reproduces the logits (rel %.1e)",
                untied ? "untied lm_head" : "tied wte", worst / scale);
        /* a prompt alone has hidden states too, the same as the prefix of the longer sequence */
        ld_seq pr = { t_o, 3, 3 };
        ld_float h3[3 * 8];
        CHECK_V(ld_hidden_states(&m, &pr, h3) == LD_OK && !memcmp(h3, h, sizeof(ld_float) * 3 * C),
                "%s head: a prompt alone gives the causal prefix's hidden states bit for bit", untied ? "untied" : "tied");
        free(h);
        ld_model_free(&m);
    }
}

static void test_ches(void) {
    ld_config c = small_cfg(0);
    ld_model m;
    ld_model_init(&m, &c, 2, 16, LD_TRAIN | LD_JVP, 11);
    perturb(&m, 5);
    int C = m.cfg.n_embd;
    ld_seq sp = { t_p, 7, 3 }, sm = { t_m, 6, 3 };
    ld_float hp[7 * 8], hm[6 * 8];
    ld_hidden_states(&m, &sp, hp);
    ld_hidden_states(&m, &sm, hm);
    /* brute force: the response tokens are χ[3..len) (eos among them),
       predicted from positions 2..len−2; Σ_i Σ_j ⟨h_i, h_j⟩ pair by pair */
    double pm = 0, pp = 0;
    int Lp = 7 - 3, Lm = 6 - 3;
    for (int i = 2; i <= 5; i++) {
        for (int j = 2; j <= 4; j++)
            for (int k = 0; k < C; k++) pm += (double)hp[i * C + k] * hm[j * C + k];
        for (int j = 2; j <= 5; j++)
            for (int k = 0; k < C; k++) pp += (double)hp[i * C + k] * hp[j * C + k];
    }
    double want = pm - pp, want_ln = pm / (Lp * Lm) - pp / (Lp * Lp);
    double ches = NAN, ln = NAN;
    CHECK(ld_dyn_ches(&m, &sp, &sm, &ches, &ln) == LD_OK, "ches: %s", ld_failure_reason());
    CHECK_V(rel(ches, want) < TIGHT, "CHES = ⟨S⁺,S⁻⟩ − ‖S⁺‖² = %.6g (brute force over the pairs of hidden states %.6g)", ches, want);
    CHECK_V(rel(ln, want_ln) < TIGHT, "LN-CHES = ⟨S⁺/|y⁺|, S⁻/|y⁻|⟩ − ‖S⁺‖²/|y⁺|² = %.6g (brute force %.6g)", ln, want_ln);
    double c2 = NAN, l2 = NAN;
    ld_dyn_ches(&m, &sp, &sp, &c2, &l2);
    CHECK_V(fabs(c2) <= 1e-12 * pp && fabs(l2) <= 1e-12 * pp, "CHES and LN-CHES of a response with itself are 0 (%.1e, %.1e)", c2, l2);
    double only = NAN;
    CHECK_V(ld_dyn_ches(&m, &sp, &sm, NULL, &only) == LD_OK && only == ln, "either output may be NULL");
    ld_model_free(&m);
}

static void test_entangle(void) {
    ld_config c = small_cfg(0);
    ld_model m;
    ld_model_init(&m, &c, 2, 16, LD_TRAIN | LD_JVP, 13);
    perturb(&m, 6);
    ld_seq sp = { t_p, 7, 3 }, sm = { t_m, 6, 3 };
    ld_dyn_entangle e;
    memset(&e, 0, sizeof e);
    CHECK(ld_dyn_entanglement(&m, &sp, &sm, &e) == LD_OK, "entanglement: %s", ld_failure_reason());
    size_t P = m.P;
    ld_float *gp = (ld_float *)malloc(sizeof(ld_float) * P), *gm = (ld_float *)malloc(sizeof(ld_float) * P);
    double lp, lm;
    ld_dyn_seq_grad(&m, &sp, gp, &lp);
    ld_dyn_seq_grad(&m, &sm, gm, &lm);
    double d = 0, np = 0, nm = 0;
    for (size_t i = 0; i < P; i++) { d += (double)gp[i] * gm[i]; np += (double)gp[i] * gp[i]; nm += (double)gm[i] * gm[i]; }
    CHECK_V(rel(e.dot, d) < TIGHT && rel(e.norm_chosen, sqrt(np)) < TIGHT && rel(e.norm_rejected, sqrt(nm)) < TIGHT,
            "⟨g⁺,g⁻⟩ = %.6g, ‖g⁺‖ = %.6g, ‖g⁻‖ = %.6g as a plain loop over the two gradients", e.dot, e.norm_chosen, e.norm_rejected);
    CHECK_V(rel(e.ratio, d / np) < TIGHT && rel(e.cosine, d / sqrt(np * nm)) < TIGHT && e.logp_chosen == lp && e.logp_rejected == lm,
            "ratio ⟨g⁺,g⁻⟩/‖g⁺‖² = %.6g, cosine %.4f, log-probs as ld_dyn_seq_grad", e.ratio, e.cosine);
#ifdef LD_LLM_DOUBLE
    /* central differences along the unit direction u = g⁺/‖g⁺‖ */
    double eps = 1e-5, n = sqrt(np);
    ld_float *keep = (ld_float *)malloc(sizeof(ld_float) * P);
    memcpy(keep, m.theta, sizeof(ld_float) * P);
    double f[2][2];
    for (int s = 0; s < 2; s++) {
        for (size_t i = 0; i < P; i++) m.theta[i] = keep[i] + (s ? -eps : eps) * gp[i] / n;
        ld_params_changed(&m);
        f[s][0] = logp_at(&m, &sp);
        f[s][1] = logp_at(&m, &sm);
    }
    memcpy(m.theta, keep, sizeof(ld_float) * P);
    ld_params_changed(&m);
    double dp = (f[0][0] - f[1][0]) / (2 * eps), dm = (f[0][1] - f[1][1]) / (2 * eps);
    CHECK_V(rel(dm, e.dot / n) < FDTOL, "d log π(y⁻)/dε along g⁺/‖g⁺‖: central difference %.8g, ⟨g⁺,g⁻⟩/‖g⁺‖ %.8g", dm, e.dot / n);
    CHECK_V(rel(dm / dp, e.ratio) < FDTOL, "Δ log π(y⁻) / Δ log π(y⁺) along g⁺ by differences %.8g = ratio %.8g", dm / dp, e.ratio);
    free(keep);
#endif
    free(gp); free(gm);
    ld_model_free(&m);
}

/* ∇θL of the SFT loss on u (one row, sum), and of DPO (β) on the pair with
   the policy as its own reference, by the loss and backward calls */
static void grad_sft(ld_model *m, const ld_seq *u, ld_float *g) {
    ld_forward(m, u, 1);
    ld_sft_loss(m, LD_NORM_SEQ_SUM);
    memset(g, 0, sizeof(ld_float) * m->P);
    ld_backward_into(m, g);
}
static void grad_dpo(ld_model *m, const ld_seq *p, const ld_seq *r, double beta, ld_float *g) {
    ld_seq two[2] = { *p, *r };
    ld_forward(m, two, 2);
    double ref[2] = { m->seq_logp[0], m->seq_logp[1] };
    ld_pref_opts po = {0};
    po.kind = LD_DPO; po.beta = beta;
    ld_pref_loss(m, &po, ref, NULL, NULL);
    memset(g, 0, sizeof(ld_float) * m->P);
    ld_backward_into(m, g);
}

/* the three terms of one step, checked piece by piece */
static void check_terms(ld_model *m, const ld_dyn_terms *t, const double *KG, const ld_seq *o, const ld_float *g,
                        double eta, const char *what) {
    int V = m->cfg.vocab_size;
    size_t P = m->P;
    /* ‖A‖_F over the observed response positions, from the explicit V×V A_t = I − 1π_tᵀ */
    ld_forward(m, o, 1);
    double a2 = 0;
    for (int tt = o->prompt_len - 1; tt < o->len - 1; tt++) {
        const ld_float *pi = m->a.probs + (size_t)tt * V;
        for (int i = 0; i < V; i++)
            for (int j = 0; j < V; j++) { double a = (i == j) - (double)pi[j]; a2 += a * a; }
    }
    CHECK_V(rel(t->A_frob, sqrt(a2)) < TIGHT && t->M == o->len - o->prompt_len,
            "%s: ‖A‖_F = %.6g over %d positions (explicit V×V matrices %.6g)", what, t->A_frob, t->M, sqrt(a2));
    /* −η Σ_m e_yᵀ A_m (KG)_m with the explicit A, and against ld_dyn_predict(−η g) */
    double pred = 0;
    for (int tt = o->prompt_len - 1; tt < o->len - 1; tt++) {
        const ld_float *pi = m->a.probs + (size_t)tt * V;
        int y = o->tokens[tt + 1];
        for (int j = 0; j < V; j++) pred += ((y == j) - (double)pi[j]) * KG[(size_t)tt * V + j];
    }
    pred *= -eta;
    ld_float *dth = (ld_float *)malloc(sizeof(ld_float) * P);
    for (size_t i = 0; i < P; i++) dth[i] = (ld_float)(-eta * g[i]);
    double dseq = NAN;
    ld_dyn_predict(m, o, dth, NULL, &dseq);
    CHECK_V(rel(t->pred, pred) < TIGHT, "%s: pred = −η Σ_m e_yᵀ A_m (KG)_m with explicit A: %.8g (%.8g)", what, t->pred, pred);
    CHECK_V(rel(t->pred, dseq) < 10 * TIGHT, "%s: −η Σ A·(K·G) = ld_dyn_predict(−η∇θL) = %.8g (%.8g)", what, t->pred, dseq);
    /* ‖K·G‖ of the observed response positions, gain */
    double kg2 = 0;
    for (int tt = o->prompt_len - 1; tt < o->len - 1; tt++)
        for (int v = 0; v < V; v++) kg2 += KG[(size_t)tt * V + v] * KG[(size_t)tt * V + v];
    CHECK_V(rel(t->KG_norm, sqrt(kg2)) < TIGHT && rel(t->gain, t->KG_norm / t->G_norm) < TIGHT,
            "%s: ‖K·G‖ = %.6g, gain ‖K·G‖/‖G‖ = %.4g", what, t->KG_norm, t->gain);
#ifdef LD_LLM_DOUBLE
    /* K·G = J(χ_o)∇θL against central differences of the observed logits */
    double eps = 1e-5, worst = 0, scale = 0;
    size_t n = (size_t)(o->len - 1) * V;
    double *zp = (double *)malloc(sizeof(double) * n);
    ld_float *keep = (ld_float *)malloc(sizeof(ld_float) * P);
    memcpy(keep, m->theta, sizeof(ld_float) * P);
    for (int s = 0; s < 2; s++) {
        for (size_t i = 0; i < P; i++) m->theta[i] = keep[i] + (s ? -eps : eps) * g[i];
        ld_params_changed(m);
        ld_forward(m, o, 1);
        for (size_t i = 0; i < n; i++) zp[i] = s ? (zp[i] - m->a.logits[i]) / (2 * eps) : m->a.logits[i];
    }
    memcpy(m->theta, keep, sizeof(ld_float) * P);
    ld_params_changed(m);
    for (size_t i = 0; i < n; i++) { worst = fmax(worst, fabs(zp[i] - KG[i])); scale = fmax(scale, fabs(KG[i])); }
    CHECK_V(worst / scale < FDTOL, "%s: K·G = J(χ_o)∇θL against central differences of the logits along ∇θL (rel %.1e)", what, worst / scale);
    free(zp); free(keep);
#endif
    free(dth);
}

static const char *SFT_DATA = "{\"prompt\": \"ab\", \"completion\": \"ccd\"}\n";
static const char *PREF_DATA = "{\"prompt\": \"ab\", \"chosen\": \"ccd\", \"rejected\": \"ef\"}\n";

static void test_terms(void) {
    ld_config c = small_cfg(0);
    ld_model m;
    ld_model_init(&m, &c, 2, 16, LD_TRAIN | LD_JVP, 17);
    perturb(&m, 8);
    int V = m.cfg.vocab_size;
    size_t P = m.P;
    double eta = 1e-2;
    ld_seq o = { t_o, 7, 3 }, u = { t_u, 5, 3 }, sp = { t_p, 7, 3 }, sm = { t_m, 6, 3 };
    ld_float *g = (ld_float *)malloc(sizeof(ld_float) * P);
    double *KG = (double *)malloc(sizeof(double) * 6 * V);
    /* SFT */
    ld_dyn_terms t;
    memset(&t, 0, sizeof t);
    CHECK(ld_dyn_terms_sft(&m, &o, &u, 1, LD_NORM_SEQ_SUM, eta, &t, KG) == LD_OK, "terms sft: %s", ld_failure_reason());
    ld_forward(&m, &u, 1);
    double gg = 0;   /* ‖π_l − e_{y_l}‖² summed over the update's response positions */
    for (int l = 2; l < 4; l++) {
        const ld_float *pi = m.a.probs + (size_t)l * V;
        for (int v = 0; v < V; v++) { double r = pi[v] - (v == t_u[l + 1]); gg += r * r; }
    }
    CHECK_V(rel(t.G_norm, sqrt(gg)) < TIGHT && t.n_update == 2 && t.G_norm_rejected == 0 && t.G_norm_chosen == t.G_norm,
            "SFT: ‖G‖ = ‖π − e_y‖ over %d update positions = %.6g (by hand %.6g)", t.n_update, t.G_norm, sqrt(gg));
    CHECK_V(rel(t.loss, -m.seq_logp[0]) < TIGHT, "SFT: loss −log π(y_u) = %.6g", t.loss);
    grad_sft(&m, &u, g);
    check_terms(&m, &t, KG, &o, g, eta, "SFT");
    /* DPO on the pair, the policy as reference */
    ld_pref_opts po = {0};
    po.kind = LD_DPO; po.beta = 0.5;
    CHECK(ld_dyn_terms_pair(&m, NULL, &o, &sp, &sm, &po, eta, &t, KG) == LD_OK, "terms pair: %s", ld_failure_reason());
    /* at h = 0: G± = ±β/2 (π − e_y), so ‖G±‖ = β/2 ‖π − e_y‖ */
    double gs[2] = { 0, 0 };
    const ld_seq *pr[2] = { &sp, &sm };
    for (int k = 0; k < 2; k++) {
        ld_forward(&m, pr[k], 1);
        for (int l = 2; l < pr[k]->len - 1; l++) {
            const ld_float *pi = m.a.probs + (size_t)l * V;
            for (int v = 0; v < V; v++) { double r = pi[v] - (v == pr[k]->tokens[l + 1]); gs[k] += r * r; }
        }
    }
    CHECK_V(rel(t.G_norm_chosen, 0.25 * sqrt(gs[0])) < TIGHT && rel(t.G_norm_rejected, 0.25 * sqrt(gs[1])) < TIGHT &&
            rel(t.loss, log(2.0)) < TIGHT && t.n_update == 7,
            "DPO at the reference: ‖G⁺‖ = %.6g, ‖G⁻‖ = %.6g = β/2 ‖π − e_y‖, loss log 2", t.G_norm_chosen, t.G_norm_rejected);
    grad_dpo(&m, &sp, &sm, 0.5, g);
    check_terms(&m, &t, KG, &o, g, eta, "DPO");
    /* with a separate reference (a copy of θ moved a little): another G, the same checks */
    ld_model ref;
    ld_model_init(&ref, &c, 2, 16, 0, 17);
    ld_model_copy_params(&ref, &m);
    perturb(&ref, 9);
    CHECK(ld_dyn_terms_pair(&m, &ref, &o, &sp, &sm, &po, eta, &t, KG) == LD_OK, "terms pair ref: %s", ld_failure_reason());
    {
        ld_seq two[2] = { sp, sm };
        ld_forward(&ref, two, 2);
        double rl[2] = { ref.seq_logp[0], ref.seq_logp[1] };
        ld_forward(&m, two, 2);
        ld_pref_loss(&m, &po, rl, NULL, NULL);
        memset(g, 0, sizeof(ld_float) * P);
        ld_backward_into(&m, g);
        check_terms(&m, &t, KG, &o, g, eta, "DPO, own reference");
    }
    ld_model_free(&ref);
    free(g); free(KG);
    ld_model_free(&m);
}

/* the invariant against the trainer's analysed steps (plain SGD, batch 1) */
static void test_against_step(void) {
    ld_config c = small_cfg(0);
    double eta = 1e-2;
    for (int pref = 0; pref < 2; pref++) {
        ld_model m;
        ld_model_init(&m, &c, 2, 16, LD_TRAIN | LD_JVP, 19);
        perturb(&m, 10);
        ld_dataset ds;
        const char *txt = pref ? PREF_DATA : SFT_DATA;
        CHECK(ld_dataset_parse(&ds, txt, strlen(txt), &m.cfg, pref ? LD_DATA_PREF : LD_DATA_SFT, 0) == LD_OK, "parse: %s", ld_failure_reason());
        ld_optim o;
        ld_optim_config oc = {0};
        oc.kind = LD_OPT_SGD; oc.lr = eta;
        ld_optim_init(&o, &m, &oc);
        ld_train_config tc = {0};
        tc.pref = pref; tc.batch = 1; tc.lr = eta; tc.loss.kind = LD_DPO; tc.loss.beta = 0.5;
        ld_trainer tr;
        CHECK(ld_trainer_init(&tr, &m, &o, &ds, &tc, NULL) == LD_OK, "trainer: %s", ld_failure_reason());
        ld_seq obs = { t_o, 7, 3 };
        ld_dyn_report r;
        CHECK(ld_dyn_step(&tr, &obs, 1, 0, &r) == LD_OK, "dyn step: %s", ld_failure_reason());
        /* the batch stays prepared: its rows are the update */
        ld_dyn_terms t;
        memset(&t, 0, sizeof t);
        ld_status st = pref ? ld_dyn_terms_pair(&m, NULL, &obs, &tr.rows[0], &tr.rows[1], &tc.loss, eta, &t, NULL)
                            : ld_dyn_terms_sft(&m, &obs, &tr.rows[0], 1, LD_NORM_SEQ_SUM, eta, &t, NULL);
        CHECK(st == LD_OK, "terms: %s", ld_failure_reason());
        CHECK_V(rel(t.pred, r.pred[0]) < 100 * TIGHT && rel(t.loss, r.loss) < TIGHT,
                "%s: −η Σ A·(K·G) = %.8g, ld_dyn_step's SGD prediction ⟨∇log π, Δθ⟩ = %.8g; loss %.6g (%.6g)",
                pref ? "DPO" : "SFT", t.pred, r.pred[0], t.loss, r.loss);
        ld_dyn_report_free(&r);
        if (pref) {
            ld_dyn_report rp;
            CHECK(ld_dyn_pair_step(&m, NULL, "ab", "ccd", "ef", &tc, NULL, &obs, 1, &rp) == LD_OK, "pair step: %s", ld_failure_reason());
            CHECK_V(rel(t.pred, rp.pred[0]) < 100 * TIGHT, "DPO: the same as ld_dyn_pair_step's prediction %.8g", rp.pred[0]);
            ld_dyn_report_free(&rp);
        }
        ld_trainer_free(&tr); ld_optim_free(&o); ld_dataset_free(&ds);
        ld_model_free(&m);
    }
}

static void test_bad(void) {
    ld_config c = small_cfg(0);
    ld_model m, nojvp;
    ld_model_init(&m, &c, 2, 16, LD_TRAIN | LD_JVP, 23);
    ld_model_init(&nojvp, &c, 1, 16, 0, 23);
    int bad_tok[] = { 256, 'a', 300, 'c' }, neg[] = { 256, -1, 'b', 'c' }, longt[20];
    for (int i = 0; i < 20; i++) longt[i] = 'a';
    ld_seq ok = { t_p, 7, 3 }, okm = { t_m, 6, 3 }, empty = { t_p, 3, 3 }, tok = { bad_tok, 4, 2 }, ng = { neg, 4, 2 },
           lng = { longt, 20, 2 }, nul = { NULL, 4, 2 };
    struct { const ld_seq *s; ld_status want; const char *name; } cases[] = {
        { &empty, LD_ERR_LENGTH, "no response tokens" }, { &tok, LD_ERR_TOKEN, "token 300 ≥ V" },
        { &ng, LD_ERR_TOKEN, "token −1" }, { &lng, LD_ERR_LENGTH, "20 tokens > T = 16" }, { &nul, LD_ERR_ARG, "NULL tokens" } };
    ld_float h[16 * 8];
    double v = 42, w = 43, KG[8];
    ld_dyn_entangle e, e0;
    ld_dyn_terms t, t0;
    memset(&e, 0x5a, sizeof e); e0 = e;
    memset(&t, 0x5a, sizeof t); t0 = t;
    int all = 1;
    for (int k = 0; k < 5; k++) {
        ld_status s1 = ld_dyn_ches(&m, cases[k].s, &okm, &v, &w), s2 = ld_dyn_ches(&m, &ok, cases[k].s, &v, &w);
        ld_status s3 = ld_dyn_entanglement(&m, cases[k].s, &okm, &e), s4 = ld_dyn_entanglement(&m, &ok, cases[k].s, &e);
        ld_status s5 = ld_dyn_terms_sft(&m, cases[k].s, &ok, 1, LD_NORM_SEQ_SUM, 0.1, &t, KG);
        ld_status s6 = ld_dyn_terms_sft(&m, &ok, cases[k].s, 1, LD_NORM_SEQ_SUM, 0.1, &t, KG);
        ld_status s7 = ld_dyn_terms_pair(&m, NULL, &ok, cases[k].s, &okm, NULL, 0.1, &t, KG);
        ld_status s8 = ld_dyn_terms_pair(&m, NULL, cases[k].s, &ok, &okm, NULL, 0.1, &t, KG);
        ld_status s9 = cases[k].s == &empty ? LD_ERR_LENGTH : ld_hidden_states(&m, cases[k].s, h);
        int good = s1 == cases[k].want && s2 == cases[k].want && s3 == cases[k].want && s4 == cases[k].want &&
                   s5 == cases[k].want && s6 == cases[k].want && s7 == cases[k].want && s8 == cases[k].want &&
                   s9 == cases[k].want && *ld_failure_reason();
        CHECK(good, "%s: statuses %d %d %d %d %d %d %d %d %d, want %d", cases[k].name, s1, s2, s3, s4, s5, s6, s7, s8, s9, cases[k].want);
        all &= good;
    }
    CHECK_V(all && v == 42 && w == 43 && !memcmp(&e, &e0, sizeof e) && !memcmp(&t, &t0, sizeof t),
            "no response, a token ≥ V or < 0, a sequence longer than T, NULL tokens: each refused by every new call, "
            "outputs untouched (last reason: %s)", ld_failure_reason());
    ld_status n1 = ld_hidden_states(NULL, &ok, h), n2 = ld_hidden_states(&m, NULL, h), n3 = ld_hidden_states(&m, &ok, NULL);
    ld_status n4 = ld_dyn_ches(NULL, &ok, &okm, &v, &w), n5 = ld_dyn_ches(&m, NULL, &okm, &v, &w);
    ld_status n6 = ld_dyn_entanglement(&m, &ok, &okm, NULL), n7 = ld_dyn_entanglement(NULL, &ok, &okm, &e);
    ld_status n8 = ld_dyn_terms_sft(&m, &ok, &ok, 1, LD_NORM_SEQ_SUM, 0.1, NULL, NULL);
    ld_status n9 = ld_dyn_terms_sft(&m, NULL, &ok, 1, LD_NORM_SEQ_SUM, 0.1, &t, NULL);
    ld_status n10 = ld_dyn_terms_pair(&m, NULL, &ok, &ok, NULL, NULL, 0.1, &t, NULL);
    CHECK_V(n1 == LD_ERR_ARG && n2 == LD_ERR_ARG && n3 == LD_ERR_ARG && n4 == LD_ERR_ARG && n5 == LD_ERR_ARG &&
            n6 == LD_ERR_ARG && n7 == LD_ERR_ARG && n8 == LD_ERR_ARG && n9 == LD_ERR_ARG && n10 == LD_ERR_ARG,
            "NULL model, sequence or output: LD_ERR_ARG (%s)", ld_failure_reason());
    ld_status b1 = ld_dyn_terms_sft(&m, &ok, &ok, 3, LD_NORM_SEQ_SUM, 0.1, &t, NULL);
    ld_status b2 = ld_dyn_terms_sft(&m, &ok, &ok, 1, (ld_norm)7, 0.1, &t, NULL);
    ld_status b3 = ld_dyn_terms_sft(&m, &ok, &ok, 1, LD_NORM_SEQ_SUM, NAN, &t, NULL);
    ld_status b4 = ld_dyn_terms_sft(&nojvp, &ok, &ok, 1, LD_NORM_SEQ_SUM, 0.1, &t, NULL);
    ld_status b5 = ld_dyn_entanglement(&nojvp, &ok, &okm, &e);
    ld_status b6 = ld_dyn_terms_pair(&m, &nojvp, &ok, &ok, &okm, NULL, 0.1, &t, NULL); /* ref with room for 1 row */
    CHECK_V(b1 == LD_ERR_ARG && b2 == LD_ERR_ARG && b3 == LD_ERR_NAN && b4 == LD_ERR_ARG && b5 == LD_ERR_ARG && b6 == LD_ERR_ARG &&
            !memcmp(&t, &t0, sizeof t) && !memcmp(&e, &e0, sizeof e),
            "a batch larger than B, an unknown normalisation, η = NaN, a model without LD_TRAIN | LD_JVP, a reference "
            "without room for the pair: refused (%s)", ld_failure_reason());
    ld_model_free(&m);
    ld_model_free(&nojvp);
}

typedef struct { double ches, ln; ld_dyn_entangle e; ld_dyn_terms ts, tp; double KG[2][15 * 257]; ld_float h[16 * 48]; } run_t;

static void run_threads(int n, run_t *r) {
#ifdef _OPENMP
    omp_set_num_threads(n);
#else
    (void)n;
#endif
    ld_config c = {0};
    c.context = 16; c.n_layer = 2; c.n_head = 4; c.n_embd = 48;
    ld_model m;
    ld_model_init(&m, &c, 2, 16, LD_TRAIN | LD_JVP, 29);
    int to[16], tp[14], tm[12];
    for (int i = 0; i < 16; i++) to[i] = i ? 'a' + (i * 7) % 26 : 256;
    for (int i = 0; i < 14; i++) tp[i] = i ? 'a' + (i * 5) % 26 : 256;
    for (int i = 0; i < 12; i++) tm[i] = i ? 'a' + (i * 3) % 26 : 256;
    ld_seq o = { to, 16, 4 }, sp = { tp, 14, 4 }, sm = { tm, 12, 4 };
    memcpy(tm, tp, sizeof(int) * 4);
    ld_hidden_states(&m, &o, r->h);
    ld_dyn_ches(&m, &sp, &sm, &r->ches, &r->ln);
    ld_dyn_entanglement(&m, &sp, &sm, &r->e);
    ld_dyn_terms_sft(&m, &o, &sp, 1, LD_NORM_SEQ_SUM, 0.1, &r->ts, r->KG[0]);
    ld_dyn_terms_pair(&m, NULL, &o, &sp, &sm, NULL, 0.1, &r->tp, r->KG[1]);
    ld_model_free(&m);
}

static void test_threads(void) {
    run_t *a = (run_t *)calloc(1, sizeof(run_t)), *b = (run_t *)calloc(1, sizeof(run_t));
    run_threads(1, a);
    run_threads(2, b);
    CHECK_V(!memcmp(a, b, sizeof(run_t)) && a->e.norm_chosen > 0 && a->tp.KG_norm > 0,
            "hidden states, CHES, entanglement and both steps' terms: 1 and 2 threads bit for bit%s",
#ifdef _OPENMP
            ""
#else
            " (built without OpenMP)"
#endif
    );
    free(a); free(b);
}

int main(void) {
    test_hidden();
    test_ches();
    test_entangle();
    test_terms();
    test_against_step();
    test_bad();
    test_threads();
    return t_done();
}
