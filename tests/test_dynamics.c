/* The learning-dynamics decomposition, in the double build.
   - A: ‖A‖_F² closed form = the explicit matrix; applying A = multiplying;
   - Prop. 1 literally: J_m(χ_o)Δθ from the JVP = −η Σ_l K_{m,l} G_l from
     explicit eNTK blocks, for an SGD step on one training sequence;
   - K symmetric under swapping the sequences, PSD for a sequence with itself;
   - predicted vs measured Δ log π: small gap at small η, the gap falls ~4×
     when η halves; the backward-based and JVP-based predictions agree;
   - per-example shares sum to the batch prediction (SGD, first AdamW step);
     with weight decay or momentum the rest is the reported drift;
   - ld_dyn_step with apply = 0 undoes the step bit for bit;
   - the squeezing effect: DESIGN.md's closed form on a softmax with an
     identity kernel, and on a one-position transformer a negative gradient
     on a low-probability token raises the argmax;
   - the slope at the step's end (pred_end) = a central difference, and the
     trapezoid ½ (pred + pred_end) nearer the measured change than pred;
   - influence accumulates; probes score every type, argmax and greedy. */
#define LD_LLM_DOUBLE
#define LD_LLM_IMPLEMENTATION
#include "../ld_llm.h"
#include "t.h"
#include <stdlib.h>
#include <string.h>

/* the byte-level vocabulary: bos = eos = 256, <|endoftext|> */
static const ld_config byte_cfg;

static ld_config small_cfg(int V) {
    ld_config c = {0};
    c.vocab_size = V; c.context = 16; c.n_layer = 2; c.n_head = 2; c.n_embd = 8; c.init_std = 0.3;
    c.ids_set = 1; c.bos_token = c.eos_token = V - 1;
    return c;
}

static void perturb(ld_model *m, uint64_t seed) {
    ld_rng r;
    ld_rng_seed(&r, seed);
    for (size_t i = 0; i < m->P; i++) m->theta[i] += 0.1 * ld_rng_normal(&r);
}

static void test_A(void) {
    double pi_d[7] = { 0.5, 0.2, 0.1, 0.08, 0.07, 0.03, 0.02 };
    double pi[7], A[49], dz[7] = { 0.3, -1, 2, 0.5, 0, -0.2, 1 }, out[7];
    for (int i = 0; i < 7; i++) pi[i] = pi_d[i];
    ld_dyn_A_matrix(pi, 7, A);
    double f2 = 0, maxd = 0;
    for (int i = 0; i < 49; i++) f2 += A[i] * A[i];
    ld_dyn_A_apply(pi, dz, out, 7);
    for (int i = 0; i < 7; i++) {
        double s = 0;
        for (int j = 0; j < 7; j++) s += A[i * 7 + j] * dz[j];
        maxd = fmax(maxd, fabs(s - out[i]));
    }
    CHECK_V(fabs(f2 - ld_dyn_A_frob2(pi, 7)) < 1e-12, "‖A‖_F² = V − 2 + V‖π‖² = %.6f (explicit %.6f)", ld_dyn_A_frob2(pi, 7), f2);
    CHECK_V(maxd < 1e-15, "A applied without the matrix = A·dz (max diff %.1e)", maxd);
}

/* Prop. 1 with explicit K blocks, symmetry and PSD */
static void test_K(void) {
    ld_config c = small_cfg(7);
    ld_model m;
    ld_model_init(&m, &c, 2, 16, LD_TRAIN | LD_JVP, 5);
    perturb(&m, 1);
    int to[6] = { 6, 1, 2, 3, 4, 5 }, tu[5] = { 6, 2, 2, 0, 1 };
    ld_seq o = { to, 6, 2 }, u = { tu, 5, 2 };
    int V = 7;
    /* an SGD step on u with the SFT loss: Δθ = −η g, g = J_uᵀ G */
    double eta = 0.01;
    ld_forward(&m, &u, 1);
    ld_sft_loss(&m, LD_NORM_SEQ_SUM);
    double G[5 * 7];
    memcpy(G, m.d.logits, sizeof G);
    double *g = (double *)calloc(m.P, sizeof(double)), *dth = (double *)malloc(sizeof(double) * m.P);
    ld_backward_into(&m, g);
    for (size_t i = 0; i < m.P; i++) dth[i] = -eta * g[i];
    ld_forward(&m, &o, 1);
    ld_jvp(&m, dth);
    double dz[6 * 7];
    memcpy(dz, m.t.logits, sizeof dz);
    double K[49], worst = 0, scale = 0;
    double kgsum[6][7];
    memset(kgsum, 0, sizeof kgsum);
    for (int l = 0; l < 4; l++) {            /* positions of u with a G */
        for (int mo = 0; mo < 5; mo++) {
            ld_dyn_K_block(&m, &o, mo, &u, l, K);
            for (int v = 0; v < V; v++)
                for (int v2 = 0; v2 < V; v2++) kgsum[mo][v] += K[v * V + v2] * G[l * V + v2];
        }
    }
    for (int mo = 0; mo < 5; mo++)
        for (int v = 0; v < V; v++) {
            worst = fmax(worst, fabs(dz[mo * V + v] - (-eta * kgsum[mo][v])));
            scale = fmax(scale, fabs(dz[mo * V + v]));
        }
    CHECK_V(worst / scale < 1e-10, "Prop. 1: JVP Δz_m(χ_o) = −η Σ_l K_{m,l}(χ_o,χ_u) G_l(χ_u) (rel %.1e)", worst / scale);
    /* symmetry: K(o,m; u,l) = K(u,l; o,m)ᵀ */
    double K2[49];
    ld_dyn_K_block(&m, &o, 3, &u, 1, K);
    ld_dyn_K_block(&m, &u, 1, &o, 3, K2);
    worst = 0; scale = 0;
    for (int v = 0; v < V; v++)
        for (int v2 = 0; v2 < V; v2++) { worst = fmax(worst, fabs(K[v * V + v2] - K2[v2 * V + v])); scale = fmax(scale, fabs(K[v * V + v2])); }
    CHECK_V(worst / scale < 1e-12, "K(χ_o, χ_u) = K(χ_u, χ_o)ᵀ (rel %.1e)", worst / scale);
    /* PSD on the diagonal: Cholesky of K(o,m; o,m) with a tiny jitter */
    ld_dyn_K_block(&m, &o, 2, &o, 2, K);
    double Lc[49], tr = 0;
    for (int i = 0; i < V; i++) tr += K[i * V + i];
    int psd = 1;
    worst = 0;
    for (int i = 0; i < V; i++)
        for (int j = 0; j < V; j++) worst = fmax(worst, fabs(K[i * V + j] - K[j * V + i]));
    for (int i = 0; i < V && psd; i++)
        for (int j = 0; j <= i; j++) {
            double s = K[i * V + j] + (i == j ? 1e-12 * tr : 0);
            for (int k = 0; k < j; k++) s -= Lc[i * V + k] * Lc[j * V + k];
            if (i == j) { if (s <= 0) { psd = 0; break; } Lc[i * V + i] = sqrt(s); }
            else Lc[i * V + j] = s / Lc[j * V + j];
        }
    CHECK_V(psd && worst / tr < 1e-13, "K(χ_o, χ_o) at one position: symmetric and positive semi-definite (Cholesky, trace %.3g)", tr);
    /* the sequence kernel is symmetric too */
    double k1, k2;
    ld_dyn_seq_kernel(&m, &o, &u, NULL, &k1);
    ld_dyn_seq_kernel(&m, &u, &o, NULL, &k2);
    CHECK_V(fabs(k1 - k2) <= 1e-12 * fabs(k1), "sequence kernel ⟨∇ log π(y_o), ∇ log π(y_u)⟩ symmetric (%.6g)", k1);
    free(g); free(dth);
    ld_model_free(&m);
}

/* predicted vs measured, the η² law; two ways of predicting agree */
static void test_predict_measure(void) {
    ld_config c = small_cfg(11);
    ld_model m;
    ld_model_init(&m, &c, 3, 16, LD_TRAIN | LD_JVP, 9);
    perturb(&m, 2);
    int t1[8] = { 10, 1, 2, 3, 4, 5, 6, 7 }, t2[6] = { 10, 4, 4, 8, 9, 0 }, t3[7] = { 10, 3, 1, 2, 2, 5, 9 };
    ld_seq upd[2] = { { t1, 8, 3 }, { t2, 6, 2 } }, obs[3] = { { t3, 7, 2 }, { t1, 8, 3 }, { t2, 6, 4 } };
    ld_forward(&m, upd, 2);
    ld_sft_loss(&m, LD_NORM_TOKEN_MEAN);
    double *g = (double *)calloc(m.P, sizeof(double)), *dth = (double *)malloc(sizeof(double) * m.P);
    ld_backward_into(&m, g);
    int ok_ratio = 1, ok_small = 1, ok_two = 1;
    for (int i = 0; i < 3; i++) {
        double gap[2], pred1 = 0;
        for (int k = 0; k < 2; k++) {
            double eta = k == 0 ? 2e-3 : 1e-3, pred = 0, meas = 0, dseq = 0;
            for (size_t p = 0; p < m.P; p++) dth[p] = -eta * g[p];
            ld_dyn_predict(&m, &obs[i], dth, NULL, &pred);
            ld_dyn_measure(&m, &obs[i], 1, dth, &meas);
            gap[k] = fabs(meas - pred);
            if (k == 0) pred1 = pred;
            /* ⟨∇θ log π, Δθ⟩ from a backward equals the JVP's */
            double *go = (double *)malloc(sizeof(double) * m.P), dot = 0;
            ld_dyn_seq_grad(&m, &obs[i], go, NULL);
            for (size_t p = 0; p < m.P; p++) dot += go[p] * dth[p];
            free(go);
            dseq = pred;
            ok_two &= fabs(dot - dseq) <= 1e-10 * fabs(dseq);
            if (k == 1) ok_small &= gap[k] / fabs(pred) < 0.05;
        }
        double ratio = gap[0] / gap[1];
        printf("     obs %d: pred(η=2e-3) %+.6f, |meas − pred| %.3e → %.3e when η halves: ratio %.3f\n", i, pred1, gap[0], gap[1], ratio);
        ok_ratio &= ratio > 3 && ratio < 5;
    }
    CHECK_V(ok_ratio, "predicted vs measured: the gap shrinks 3–5× when η halves (second order)");
    CHECK_V(ok_small, "relative gap < 5%% at η = 1e-3");
    CHECK_V(ok_two, "prediction by JVP (A·J·Δθ) = prediction by one backward (⟨∇θ log π, Δθ⟩), rel 1e-10");
    /* dlogp per token: the response's tokens sum to dseq */
    double dlogp[6 * 11], dseq;
    for (size_t p = 0; p < m.P; p++) dth[p] = -0.01 * g[p];
    ld_dyn_predict(&m, &obs[0], dth, dlogp, &dseq);
    double s = 0;
    for (int t = obs[0].prompt_len - 1; t < obs[0].len - 1; t++) s += dlogp[t * 11 + obs[0].tokens[t + 1]];
    double mass = 0;
    for (int v = 0; v < 11; v++) mass += m.a.probs[2 * 11 + v] * dlogp[2 * 11 + v];
    CHECK_V(fabs(s - dseq) < 1e-14 && fabs(mass) < 1e-15, "per-token Δ log π sums to the response's; Σ_v π_v Δ log π_v = 0 (mass conserved)");
    free(g); free(dth);
    ld_model_free(&m);
}

static const char *PREF =
    "{\"prompt\": \"ab\", \"chosen\": \"cd\", \"rejected\": \"ce\"}\n"
    "{\"prompt\": \"ba\", \"chosen\": \"dc\", \"rejected\": \"ec\"}\n"
    "{\"prompt\": \"aa\", \"chosen\": \"cc\", \"rejected\": \"ee\"}\n";

/* shares, drift, undo, influence, probes */
static void test_step(void) {
    ld_config c = {0};
    c.context = 16; c.n_layer = 1; c.n_head = 2; c.n_embd = 8; c.init_std = 0.3;
    ld_dataset ds;
    CHECK(ld_dataset_parse(&ds, PREF, strlen(PREF), &c, LD_DATA_PREF, 0) == LD_OK, "parse");
    ld_dataset pr;
    const char *probes = "{\"prompt\": \"ab\", \"chosen\": \"cd\", \"rejected\": \"ce\", \"irr_hum\": \"xyz\"}\n"
                         "{\"prompt\": \"zz\", \"chosen\": \"dd\"}\n";
    CHECK(ld_dataset_parse(&pr, probes, strlen(probes), &c, LD_DATA_PROBES, 0) == LD_OK, "parse probes");
    int obuf[5][16];
    ld_seq obs[5];
    int no = 0;
    for (int i = 0; i < pr.n; i++)
        for (int f = 1; f < pr.n_fields; f++)
            if (ld_dataset_seq(&pr, i, f, 16, 0, &byte_cfg, obuf[no], &obs[no]) == LD_OK) no++;
    struct { ld_opt_kind kind; double wd, mom; const char *name; } opts[] = {
        { LD_OPT_SGD, 0, 0, "SGD" }, { LD_OPT_ADAMW, 0, 0, "AdamW" }, { LD_OPT_SGD, 0.1, 0.9, "SGD+momentum+wd" }, { LD_OPT_RMSPROP, 0, 0, "RMSprop" } };
    for (int k = 0; k < 4; k++) {
        ld_model m;
        ld_model_init(&m, &c, 4, 16, LD_TRAIN | LD_JVP, 3);
        ld_optim o;
        ld_optim_config oc = {0};
        oc.kind = opts[k].kind; oc.lr = 1e-2; oc.weight_decay = opts[k].wd; oc.momentum = opts[k].mom;
        ld_optim_init(&o, &m, &oc);
        ld_train_config tc = {0};
        tc.pref = 1; tc.batch = 2; tc.epochs = 4; tc.loss.beta = 0.5; tc.loss.kind = LD_DPO;
        ld_trainer tr;
        CHECK(ld_trainer_init(&tr, &m, &o, &ds, &tc, NULL) == LD_OK, "trainer: %s", ld_failure_reason());
        ld_influence inf;
        ld_influence_init(&inf, ds.n, no);
        for (int step = 0; step < 3; step++) {
            /* first analyse without training: everything comes back bit for bit,
               and θ is θ_t again for the JVP check */
            ld_dyn_report r0, r;
            ld_trainer_next_batch(&tr);   /* the batch (and an epoch's reshuffle) first */
            double *th = (double *)malloc(sizeof(double) * m.P), *m2 = (double *)malloc(sizeof(double) * m.P);
            memcpy(th, m.theta, sizeof(double) * m.P);
            memcpy(m2, o.m2, sizeof(double) * m.P);
            long st0 = tr.step, os = o.step;
            int cur = tr.cursor;
            CHECK(ld_dyn_step(&tr, obs, no, 0, &r0) == LD_OK, "dyn step: %s", ld_failure_reason());
            int same = !memcmp(th, m.theta, sizeof(double) * m.P) && !memcmp(m2, o.m2, sizeof(double) * m.P) &&
                       tr.step == st0 && o.step == os && tr.cursor == cur;
            free(th); free(m2);
            double jvp_worst = 0, scale = 0;
            for (int i = 0; i < no; i++) {
                double dseq = 0; /* the JVP on Δθ at θ_t gives the report's (backward-based) prediction */
                ld_dyn_predict(&m, &obs[i], r0.dtheta, NULL, &dseq);
                jvp_worst = fmax(jvp_worst, fabs(dseq - r0.pred[i]));
                scale = fmax(scale, fabs(r0.pred[i]));
            }
            CHECK(ld_dyn_step(&tr, obs, no, 1, &r) == LD_OK, "dyn step: %s", ld_failure_reason());
            same = same && !memcmp(r.pred, r0.pred, sizeof(double) * no) && !memcmp(r.meas, r0.meas, sizeof(double) * no);
            {   /* the slope at the step's end (a JVP) against a central difference of
                   log π along Δθ at θ + Δθ; the trapezoid ½ (pred + pred_end) nearer
                   the measured change than the first-order pred */
                double *up = (double *)malloc(sizeof(double) * m.P), *dn = (double *)malloc(sizeof(double) * m.P);
                double fu[8], fd[8], eps = 1e-4, fd_worst = 0, sc = 0, e1 = 0, e2 = 0;
                for (size_t j = 0; j < m.P; j++) { up[j] = eps * r.dtheta[j]; dn[j] = -eps * r.dtheta[j]; }
                CHECK(ld_dyn_measure(&m, obs, no, up, fu) == LD_OK && ld_dyn_measure(&m, obs, no, dn, fd) == LD_OK, "measure: %s", ld_failure_reason());
                for (int i = 0; i < no; i++) {
                    fd_worst = fmax(fd_worst, fabs((fu[i] - fd[i]) / (2 * eps) - r.pred_end[i]));
                    sc = fmax(sc, fabs(r.pred_end[i]));
                    e1 += fabs(r.meas[i] - r.pred[i]);
                    e2 += fabs(r.meas[i] - 0.5 * (r.pred[i] + r.pred_end[i]));
                }
                free(up); free(dn);
                CHECK(fd_worst < 1e-6 * sc, "%s step %d: slope at the end vs central difference: %.1e", opts[k].name, step, fd_worst / sc);
                if (step == 0)
                    CHECK_V(e2 < 0.5 * e1, "%s: ⟨∇log π at θ+Δθ, Δθ⟩ = central difference (%.1e of max); Σ|meas − trapezoid| = %.2e < ½ Σ|meas − pred| = %.2e",
                            opts[k].name, fd_worst / sc, e2, 0.5 * e1);
            }
            ld_dyn_report_free(&r0);
            if (step == 1) CHECK_V(same, "%s: a step analysed with apply = 0 leaves θ, optimizer and position as they were; applied, it reports the same", opts[k].name);
            else CHECK(same, "%s step %d: undo", opts[k].name, step);
            CHECK(jvp_worst < 1e-10 * scale, "%s step %d: JVP prediction vs report: %.1e", opts[k].name, step, jvp_worst / scale);
            double drift = 0;
            for (int i = 0; i < no; i++) drift = fmax(drift, fabs(r.drift[i]));
            int exact = (opts[k].wd == 0 && opts[k].mom == 0 && (opts[k].kind != LD_OPT_ADAMW || step == 0));
            if (step == 0 || step == 2)
                CHECK_V(exact ? drift < 1e-10 * scale : drift > 1e-6 * scale, "%s step %d: %s (max |drift| / max |pred| = %.1e)",
                        opts[k].name, step, exact ? "the rows' shares sum to the prediction, drift ≈ 0" : "drift ≠ 0 (momentum, weight decay)",
                        drift / scale);
            ld_influence_add(&inf, &r);
            ld_dyn_report_free(&r);
        }
        double w = 0, sc = 0;
        for (int i = 0; i < no; i++) {
            double s = inf.drift[i];
            for (int e = 0; e < ds.n; e++) s += inf.share[e * no + i];
            w = fmax(w, fabs(s - inf.pred[i]));
            sc = fmax(sc, fabs(inf.pred[i]));
        }
        CHECK_V(inf.steps == 3 && w < 1e-12 * sc, "%s influence over 3 steps: Σ_examples share + drift = Σ pred", opts[k].name);
        {   /* the trapezoid total is nearer the measured total than the first-order one */
            double e1 = 0, e2 = 0;
            for (int i = 0; i < no; i++) { e1 += fabs(inf.meas[i] - inf.pred[i]); e2 += fabs(inf.meas[i] - inf.pred_trap[i]); }
            CHECK_V(e2 < e1, "%s influence over 3 steps: Σ|meas − Σ trapezoid| = %.2e < Σ|meas − Σ pred| = %.2e", opts[k].name, e2, e1);
        }
        if (k == 0) {
            printf("     3 SGD steps of DPO: probe   pred      meas\n");
            for (int i = 0; i < no; i++) printf("                         %d     %+.5f  %+.5f\n", i, inf.pred[i], inf.meas[i]);
        }
        ld_influence_free(&inf);
        ld_trainer_free(&tr);
        ld_optim_free(&o);
        ld_model_free(&m);
    }

    /* probes */
    ld_model m;
    ld_model_init(&m, &c, 3, 16, 0, 3);
    ld_probe_result pres;
    CHECK(ld_probe_eval(&m, &pr, 0, &pres) == LD_OK, "probe eval: %s", ld_failure_reason());
    int ok = pres.n == 2 && pres.n_types == pr.n_fields - 1 + 2 && !strcmp(pres.types[pres.n_types - 1], "greedy");
    for (int i = 0; i < pr.n && ok; i++)
        for (int f = 1; f < pr.n_fields; f++) {
            double v = pres.logp[i * pres.n_types + f - 1];
            ld_seq s;
            int buf[16];
            if (ld_dataset_seq(&pr, i, f, 16, 0, &byte_cfg, buf, &s) != LD_OK) { ok &= isnan(v); continue; }
            ld_forward(&m, &s, 1);
            ok &= v == m.seq_logp[0];
        }
    int fc = ld_dataset_field(&pr, "chosen");
    CHECK_V(ok, "probe log-probs = forward of each (example, type); absent types are NaN");
    CHECK_V(pres.logp[pres.n_types - 2] >= pres.logp[fc - 1] && pres.logp[pres.n_types + pres.n_types - 2] >= pres.logp[pres.n_types + fc - 1],
            "teacher-forced argmax y* ≥ the chosen response, for every example");
    CHECK_V(pres.greedy_len[0] > pres.prompt_len[0] && !isnan(pres.logp[pres.n_types - 1]) && pres.logp[pres.n_types - 1] <= 0,
            "greedy decode and its log-prob (%d tokens, %.3f)", pres.greedy_len[0] - pres.prompt_len[0], pres.logp[pres.n_types - 1]);
    {   /* the scores alone: the same numbers, the greedy type NaN */
        ld_probe_result ps;
        CHECK(ld_probe_score(&m, &pr, 0, &ps) == LD_OK, "probe score: %s", ld_failure_reason());
        int same = ps.n == pres.n && ps.n_types == pres.n_types && isnan(ps.logp[ps.n_types - 1]) && ps.greedy_len[0] == 0;
        for (int i = 0; i < ps.n * ps.n_types && same; i++)
            if (i % ps.n_types != ps.n_types - 1) same = ps.logp[i] == pres.logp[i] || (isnan(ps.logp[i]) && isnan(pres.logp[i]));
        CHECK_V(same, "ld_probe_score: the probe scores of ld_probe_eval bit for bit, without the greedy decode");
        ld_probe_result_free(&ps);
    }
    ld_probe_result_free(&pres);
    ld_model_free(&m);
    ld_dataset_free(&ds);
    ld_dataset_free(&pr);
}

/* the squeezing effect */
static void test_squeeze(void) {
    /* a softmax over V classes whose logits are the parameters: K = I */
    enum { V = 6 };
    double z[V] = { 3.0, 1.5, 1.0, 0.2, -0.5, -2.0 }, pi[V], pi_f[V], sum = 0, sq = 0;
    for (int v = 0; v < V; v++) sum += exp(z[v]);
    for (int v = 0; v < V; v++) { pi[v] = exp(z[v]) / sum; sq += pi[v] * pi[v]; pi_f[v] = pi[v]; }
    int k = 4;                               /* a low-probability label */
    double eta = 1e-4, G[V], dz[V], dlogp[V];
    for (int v = 0; v < V; v++) G[v] = (v == k) - pi[v];   /* L = +log π_k: a negative gradient on k */
    for (int v = 0; v < V; v++) dz[v] = -eta * G[v];       /* −η K G with K = I */
    ld_dyn_A_apply(pi_f, dz, dlogp, V);
    double worst = 0;
    for (int i = 0; i < V; i++)
        if (i != k) worst = fmax(worst, fabs(dlogp[i] - eta * (pi[i] + pi[k] - sq)));
    CHECK_V(worst < 1e-18, "squeeze closed form: Δ log π_i = η(π_i + π_k − Σπ²) for i ≠ k (max diff %.1e)", worst);
    double z2[V], s2 = 0, meas_worst = 0;
    for (int v = 0; v < V; v++) { z2[v] = z[v] + dz[v]; s2 += exp(z2[v]); }
    for (int v = 0; v < V; v++) meas_worst = fmax(meas_worst, fabs((z2[v] - log(s2)) - (z[v] - log(sum)) - dlogp[v]) / eta);
    CHECK_V(meas_worst < 1e-3, "…and the real softmax change agrees to O(η) (rel %.1e)", meas_worst);
    int rising = 0;
    for (int i = 0; i < V; i++) rising += dlogp[i] > 0;
    CHECK_V(dlogp[0] > 0 && rising <= 2, "only the top class(es) rise (%d of %d), the argmax most: %+.3g", rising, V, dlogp[0] / eta);

    /* a one-position transformer, χ = [bos, y], made confident by a few SFT
       steps on y = a; then a negative gradient on its rarest token */
    ld_config c = small_cfg(9);
    ld_model m;
    ld_model_init(&m, &c, 2, 16, LD_TRAIN | LD_JVP, 21);
    perturb(&m, 5);
    int tk[2] = { 8, 3 };
    ld_seq s = { tk, 2, 1 };
    ld_optim o;
    ld_optim_config oc = {0};
    oc.lr = 1e-2;
    ld_optim_init(&o, &m, &oc);
    for (int step = 0; step < 40; step++) {
        ld_forward(&m, &s, 1);
        ld_sft_loss(&m, LD_NORM_SEQ_SUM);
        ld_zero_grad(&m);
        ld_backward(&m);
        ld_optim_step(&o, &m, oc.lr);
    }
    ld_optim_free(&o);
    ld_forward(&m, &s, 1);
    int amax = 0, amin = 0;
    double p[9];
    for (int v = 0; v < 9; v++) p[v] = m.a.probs[v];
    for (int v = 1; v < 9; v++) { if (p[v] > p[amax]) amax = v; if (p[v] < p[amin]) amin = v; }
    tk[1] = amin;
    ld_forward(&m, &s, 1);
    ld_sft_loss(&m, LD_NORM_SEQ_SUM);
    double G1[9];
    for (int v = 0; v < 9; v++) G1[v] = m.d.logits[v] = -m.d.logits[v];   /* L = +log π(y): push y down */
    double *g = (double *)calloc(m.P, sizeof(double));
    ld_backward_into(&m, g);
    eta = 1e-3;
    for (size_t q = 0; q < m.P; q++) g[q] *= -eta;                     /* Δθ = −η g */
    double dl[9], dseq, meas, K[81], dz1[9], akg[9];
    ld_dyn_predict(&m, &s, g, dl, &dseq);
    ld_dyn_measure(&m, &s, 1, g, &meas);
    /* the library's A·K·G at the one position, with the explicit eNTK block */
    ld_dyn_K_block(&m, &s, 0, &s, 0, K);
    for (int v = 0; v < 9; v++) { dz1[v] = 0; for (int w = 0; w < 9; w++) dz1[v] += -eta * K[v * 9 + w] * G1[w]; }
    ld_forward(&m, &s, 1);
    ld_dyn_A_apply(m.a.probs, dz1, akg, 9);
    worst = 0;
    for (int v = 0; v < 9; v++) worst = fmax(worst, fabs(akg[v] - dl[v]));
    CHECK_V(worst < 1e-12, "one-position model: −η A K G with the explicit eNTK = the JVP prediction (max diff %.1e)", worst);
    CHECK_V(dl[amin] < 0 && dl[amax] > 0 && fabs(meas - dseq) < 0.05 * fabs(dseq),
            "negative gradient on the rarest token (π %.3f): it falls (%+.2e, measured %+.2e); the argmax (π %.3f) rises (%+.2e)",
            p[amin], dseq, meas, p[amax], dl[amax]);
    int top[3];
    double gain[3];
    ld_dyn_top_tokens(m.a.probs, dl, 9, 1, top, gain);
    CHECK_V(top[0] == amax, "the token gaining the most probability is the argmax (token %d, Δπ %+.2e)", top[0], gain[0]);
    free(g);
    ld_model_free(&m);
}

int main(void) {
    test_A();
    test_K();
    test_predict_measure();
    test_step();
    test_squeeze();
    return t_done();
}
