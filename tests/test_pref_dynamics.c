/* ld_dyn_step's chosen/rejected split for every preference loss, in the
   double build. One SGD step (no momentum, no weight decay) is analysed on
   a copy for each loss — each of TRL's and the header's, lists of losses,
   LD-DPO (whose rows carry two coefficients: the shared part and the
   α-weighted tail), WPO, and KTO on unpaired rows (desirable, undesirable,
   and KL rows that take no gradient). For SGD the rows' shares
   c_r ⟨∇θ log π_o, η ∇θ log π_r⟩ (+ the tail's) must add up to the
   first-order prediction ⟨∇θ log π_o, Δθ⟩ exactly (drift ≈ 0), so the
   split into pred_chosen + pred_rejected accounts for the whole step; the
   rows' roles follow the loss (KTO: by label; its KL rows share nothing).
   And the trainer with these losses: KTO's KL rows pair each prompt with
   the completion TRL would give it; a reference model queried each step
   and reference log-probs precomputed once give the same run (KTO,
   LD-DPO); save and resume reproduce a straight run bit for bit; bad
   setups and bad statistics are refused.
   Usage: test_pref_dynamics [scratch-dir] */
#define LD_LLM_DOUBLE
#define LD_LLM_IMPLEMENTATION
#include "../ld_llm.h"
#include "t.h"
#include <stdlib.h>
#include <string.h>

/* the byte-level vocabulary: bos = eos = 256, <|endoftext|> */
static const ld_config byte_cfg;

static const char *PREF =
    "{\"prompt\": \"ab\", \"chosen\": \"cdcdc\", \"rejected\": \"ce\"}\n"
    "{\"prompt\": \"b\", \"chosen\": \"dd\", \"rejected\": \"eeeeee\"}\n"
    "{\"prompt\": \"ca\", \"chosen\": \"aab\", \"rejected\": \"aaa\"}\n"
    "{\"prompt\": \"d\", \"chosen\": \"bcdab\", \"rejected\": \"bc\"}\n";
static const char *UNPAIRED =
    "{\"prompt\": \"ab\", \"completion\": \"cdcdc\", \"label\": true}\n"
    "{\"prompt\": \"b\", \"completion\": \"eeeeee\", \"label\": false}\n"
    "{\"prompt\": \"ca\", \"completion\": \"aab\", \"label\": false}\n"
    "{\"prompt\": \"d\", \"completion\": \"bcdab\", \"label\": true}\n";

static const char *dir = "build/tmp";

/* Losses of 6 trainer steps (and θ), optionally with a reference model,
   precomputed or not, optionally saving and resuming at step 3. */
static void run(const ld_dataset *ds, const ld_pref_opts *lo, ld_model *ref, int precompute, int resume_at, double *loss, double *theta) {
    ld_config c = {0};
    c.context = 16; c.n_layer = 1; c.n_head = 2; c.n_embd = 8; c.init_std = 0.3;
    ld_model m;
    ld_model_init(&m, &c, 4, 16, LD_TRAIN, 9);
    ld_optim o;
    ld_optim_config oc = {0};
    oc.lr = 3e-2;
    ld_optim_init(&o, &m, &oc);
    ld_train_config tc = {0};
    tc.pref = 1; tc.batch = 2; tc.epochs = 3; tc.loss = *lo; tc.seed = 4; tc.ref_precompute = precompute;
    ld_trainer tr;
    ld_status st = ld_trainer_init(&tr, &m, &o, ds, &tc, ref);
    CHECK(st == LD_OK, "trainer: %s", ld_failure_reason());
    for (int k = 0; k < 6 && !st; k++) {
        if (k == resume_at) {
            CHECK(ld_trainer_save(&tr, dir) == LD_OK, "save: %s", ld_failure_reason());
            ld_trainer_free(&tr); ld_optim_free(&o); ld_model_free(&m);
            ld_model_init(&m, &c, 4, 16, LD_TRAIN, 9);
            ld_optim_init(&o, &m, &oc);
            ld_trainer_init(&tr, &m, &o, ds, &tc, ref);
            st = ld_trainer_resume(&tr, dir);
            CHECK(st == LD_OK, "resume: %s", ld_failure_reason());
        }
        if (!st) st = ld_trainer_step(&tr);
        loss[k] = tr.loss;
    }
    memcpy(theta, m.theta, sizeof(double) * m.P);
    ld_trainer_free(&tr); ld_optim_free(&o); ld_model_free(&m);
}

static void test_trainer(const ld_dataset *pd, const ld_dataset *ud) {
    ld_config c = {0};
    c.context = 16; c.n_layer = 1; c.n_head = 2; c.n_embd = 8; c.init_std = 0.3;
    ld_model m, ref;
    ld_model_init(&m, &c, 4, 16, LD_TRAIN, 9);
    ld_model_init(&ref, &c, 4, 16, 0, 9);   /* the starting weights: the default reference */
    ld_optim o;
    ld_optim_config oc = {0};
    ld_optim_init(&o, &m, &oc);
    /* KTO's rows: completions, then each prompt with its partner's completion */
    ld_train_config tc = {0};
    tc.pref = 1; tc.batch = 2; tc.loss.kind = LD_KTO; tc.no_shuffle = 1;
    ld_trainer tr;
    CHECK(ld_trainer_init(&tr, &m, &o, ud, &tc, NULL) == LD_OK, "kto trainer: %s", ld_failure_reason());
    ld_trainer_next_batch(&tr);
    int ok = tr.n_rows == 4 && tr.row_label[0] == 1 && tr.row_label[1] == 0;
    for (int i = 0; i < 2 && ok; i++) {
        const ld_seq *a = &tr.rows[i], *k = &tr.rows[2 + i], *p = &tr.rows[1 - i];
        /* same prompt as row i; the completion of the other example of the group */
        ok &= k->prompt_len == a->prompt_len && !memcmp(k->tokens, a->tokens, sizeof(int) * a->prompt_len) &&
              k->len - k->prompt_len == p->len - p->prompt_len &&
              !memcmp(k->tokens + k->prompt_len, p->tokens + p->prompt_len, sizeof(int) * (p->len - p->prompt_len));
    }
    CHECK_V(ok, "kto: rows 0..n−1 the completions, rows n..2n−1 each prompt with its group partner's completion (TRL's KL pairs)");
    ld_trainer_free(&tr);
    tc.batch = 1;
    CHECK_V(ld_trainer_init(&tr, &m, &o, ud, &tc, NULL) == LD_ERR_ARG, "kto with a batch of 1 refused: %s", ld_failure_reason());
    tc.batch = 2;
    CHECK_V(ld_trainer_init(&tr, &m, &o, pd, &tc, NULL) == LD_ERR_DATA, "kto on paired data refused: %s", ld_failure_reason());
    tc.loss.kind = LD_DPO;
    CHECK_V(ld_trainer_init(&tr, &m, &o, ud, &tc, NULL) == LD_ERR_DATA, "sigmoid on unpaired data refused: %s", ld_failure_reason());
    ld_optim_free(&o);
    ld_model_free(&m);

    ld_pref_opts ko = {0}, lo = {0};
    ko.kind = LD_KTO; ko.beta = 0.5;
    lo.n_terms = 2; lo.terms[0] = LD_DPO; lo.terms[1] = LD_PREF_SFT; lo.weights[0] = 1; lo.weights[1] = 0.5;
    lo.beta = 0.5; lo.ld_dpo = 1; lo.ld_alpha = 0.3; lo.wpo = 1;
    struct { const char *name; const ld_dataset *ds; const ld_pref_opts *o; } runs[] = {
        { "kto", ud, &ko }, { "sigmoid+sft, LD-DPO, WPO", pd, &lo } };
    size_t P = ld_param_count(&c);
    double *th = (double *)malloc(sizeof(double) * P * 4);
    for (int k = 0; k < 2; k++) {
        double l[4][6];
        run(runs[k].ds, runs[k].o, NULL, 0, -1, l[0], th);
        run(runs[k].ds, runs[k].o, &ref, 0, -1, l[1], th + P);
        run(runs[k].ds, runs[k].o, &ref, 1, -1, l[2], th + 2 * P);
        run(runs[k].ds, runs[k].o, NULL, 0, 3, l[3], th + 3 * P);
        /* (with WPO the weights grow as the policy sharpens, so its loss need not fall) */
        if (k == 0) CHECK_V(l[0][5] < l[0][0], "%s through the loop: loss %.5f → %.5f", runs[k].name, l[0][0], l[0][5]);
        CHECK_V(!memcmp(l[0], l[1], sizeof l[0]) && !memcmp(l[1], l[2], sizeof l[0]) && !memcmp(th, th + P, sizeof(double) * P),
                "%s: reference log-probs precomputed once = a reference model queried per step = precomputed from it", runs[k].name);
        CHECK_V(!memcmp(l[0], l[3], sizeof l[0]) && !memcmp(th, th + 3 * P, sizeof(double) * P),
                "%s: save at step 3, resume: losses and θ bit-identical", runs[k].name);
    }
    free(th);
    ld_model_free(&ref);

    /* bad statistics: refused, outputs untouched */
    ld_pref_opts d = {0};
    double s[2] = { -3, -4 }, q[2] = { -3, -4 }, cc[2] = { 7, 7 }, L = 7;
    int len[2] = { 2, 2 }, len0[2] = { 2, 0 };
    CHECK_V(ld_pref_eval(&d, 0, s, NULL, q, len, NULL, &L, cc, NULL) == LD_ERR_ARG, "ld_pref_eval with 0 pairs: %s", ld_failure_reason());
    CHECK_V(ld_pref_eval(&d, 1, s, NULL, q, len0, NULL, &L, cc, NULL) == LD_ERR_LENGTH, "ld_pref_eval with an empty response: %s", ld_failure_reason());
    s[1] = NAN;
    CHECK_V(ld_pref_eval(&d, 1, s, NULL, q, len, NULL, &L, cc, NULL) == LD_ERR_NAN && L == 7 && cc[0] == 7,
            "ld_pref_eval with a NaN log-prob: %s; outputs untouched", ld_failure_reason());
    s[1] = -1e308; q[1] = 1e308;
    d.kind = LD_SPPO_HARD;
    CHECK_V(ld_pref_eval(&d, 1, s, NULL, q, len, NULL, &L, cc, NULL) == LD_ERR_NAN && L == 7 && cc[1] == 7,
            "ld_pref_eval whose loss overflows: %s; outputs untouched", ld_failure_reason());
    int lab[1] = { 1 };
    d.kind = LD_KTO;
    CHECK_V(ld_kto_eval(&d, 1, s, q, s, NULL, lab, &L, cc, NULL) == LD_ERR_ARG, "ld_kto_eval without KL reference log-probs: %s", ld_failure_reason());
}

int main(int argc, char **argv) {
    if (argc > 1) dir = argv[1];
    ld_config c = {0};
    c.context = 16; c.n_layer = 1; c.n_head = 2; c.n_embd = 8; c.init_std = 0.3;
    ld_dataset pd, ud;
    CHECK(ld_dataset_parse(&pd, PREF, strlen(PREF), &c, LD_DATA_PREF, 0) == LD_OK, "parse: %s", ld_failure_reason());
    CHECK(ld_dataset_parse(&ud, UNPAIRED, strlen(UNPAIRED), &c, LD_DATA_UNPAIRED, 0) == LD_OK, "parse: %s", ld_failure_reason());
    CHECK_V(ud.label && ud.label[0] == 1 && ud.label[1] == 0 && ud.label[2] == 0 && ud.label[3] == 1 && ld_dataset_field(&ud, "completion") == 1,
            "unpaired rows: prompt, completion and TRL's boolean label");
    const char *bad = "{\"prompt\": \"a\", \"completion\": \"b\", \"label\": 1}\n";
    ld_dataset bd;
    CHECK_V(ld_dataset_parse(&bd, bad, strlen(bad), &c, LD_DATA_UNPAIRED, 0) == LD_ERR_DATA && strstr(ld_failure_reason(), "label"),
            "a label that is not true or false: %s", ld_failure_reason());
    /* observed: every response of the preference data */
    int obuf[8][16];
    ld_seq obs[8];
    int no = 0;
    for (int i = 0; i < pd.n; i++)
        for (int f = 1; f < 3; f++) ld_dataset_seq(&pd, i, f, 16, 0, &byte_cfg, obuf[no], &obs[no]), no++;

    struct { const char *name; ld_pref_opts o; } cases[40];
    int nc = 0;
    for (int k = 0; k < LD_PREF_NKINDS; k++) {
        ld_pref_opts o = {0};
        o.kind = (ld_pref_kind)k; o.beta = k == LD_SIMPO ? 1.0 : 0.5;
        if (k == LD_CDPO || k == LD_ROBUST || k == LD_AOT || k == LD_AOT_UNPAIRED) o.eps = 0.1;
        cases[nc].name = ld_pref_kind_name((ld_pref_kind)k); cases[nc++].o = o;
    }
    {
        ld_pref_opts o = {0};
        o.beta = 0.5; o.ld_dpo = 1; o.ld_alpha = 0.3;
        cases[nc].name = "sigmoid, LD-DPO α 0.3"; cases[nc++].o = o;
        o.n_terms = 3; o.terms[0] = LD_DPO; o.terms[1] = LD_BCO_PAIR; o.terms[2] = LD_PREF_SFT;
        o.weights[0] = 0.8; o.weights[1] = 0.2; o.weights[2] = 1.0; o.wpo = 1; o.ld_alpha = 0.5;
        cases[nc].name = "sigmoid+bco_pair+sft, LD-DPO, WPO"; cases[nc++].o = o;
        memset(&o, 0, sizeof o);
        o.kind = LD_IPO; o.beta = 0.5; o.fdiv = LD_FDIV_JS; o.nll_alpha = 0.5;
        cases[nc].name = "ipo, JS divergence, RPO"; cases[nc++].o = o;
    }
    double worst = 0;
    int ok_all = 1;
    for (int k = 0; k < nc; k++) {
        int kto = cases[k].o.kind == LD_KTO;
        ld_model m;
        ld_model_init(&m, &c, 4, 16, LD_TRAIN | LD_JVP, 5);
        ld_optim o;
        ld_optim_config oc = {0};
        oc.kind = LD_OPT_SGD; oc.lr = 1e-2;
        ld_optim_init(&o, &m, &oc);
        ld_train_config tc = {0};
        tc.pref = 1; tc.batch = 2; tc.epochs = 2; tc.loss = cases[k].o; tc.no_shuffle = 1;
        ld_trainer tr;
        ld_status st = ld_trainer_init(&tr, &m, &o, kto ? &ud : &pd, &tc, NULL);
        CHECK(st == LD_OK, "%s: trainer: %s", cases[k].name, ld_failure_reason());
        /* the second step, so that the policy has moved away from the reference */
        if (!st) st = ld_trainer_step(&tr);
        ld_dyn_report r;
        memset(&r, 0, sizeof r);
        if (!st) st = ld_dyn_step(&tr, obs, no, 0, &r);
        CHECK(st == LD_OK, "%s: dyn step: %s", cases[k].name, ld_failure_reason());
        if (st) { ok_all = 0; ld_trainer_free(&tr); ld_optim_free(&o); ld_model_free(&m); continue; }
        double scale = 0, drift = 0, split = 0;
        for (int i = 0; i < no; i++) {
            scale = fmax(scale, fabs(r.pred[i]));
            drift = fmax(drift, fabs(r.drift[i]));
            split = fmax(split, fabs(r.pred_chosen[i] + r.pred_rejected[i] + r.drift[i] - r.pred[i]));
        }
        int roles = 1, tails = 0;
        for (int j = 0; j < r.n_rows; j++) {
            const ld_row_coef *rc = &r.row_coef[j];
            tails += rc->head < tr.rows[j].len - tr.rows[j].prompt_len;
            if (kto) {
                int want = j >= 2 ? LD_ROW_NONE : ud.label[r.row_example[j]] ? LD_ROW_CHOSEN : LD_ROW_REJECTED;
                roles &= rc->role == want && r.row_rejected[j] == (want == LD_ROW_REJECTED);
                for (int i = 0; i < no && j >= 2; i++) roles &= r.share[(size_t)j * no + i] == 0;
            } else roles &= rc->role == (j < 2 ? LD_ROW_CHOSEN : LD_ROW_REJECTED) && r.row_rejected[j] == (j >= 2);
        }
        double rel = scale > 0 ? drift / scale : INFINITY;
        worst = fmax(worst, rel);
        int ok = rel < 1e-10 && split <= 1e-12 * scale && roles && scale > 0 && (!tc.loss.ld_dpo || tails > 0);
        ok_all &= ok;
        CHECK_V(ok, "%-36s Σ rows' shares = prediction (|drift|/|pred| %.1e), roles %s%s", cases[k].name, rel,
                kto ? "desirable/undesirable/KL" : "chosen/rejected", tc.loss.ld_dpo ? tails ? ", LD tails" : ", NO TAIL" : "");
        ld_dyn_report_free(&r);
        ld_trainer_free(&tr);
        ld_optim_free(&o);
        ld_model_free(&m);
    }
    CHECK_V(ok_all, "%d losses: the chosen/rejected split of ld_dyn_step accounts for the whole SGD step (worst %.1e)", nc, worst);
    test_trainer(&pd, &ud);
    ld_dataset_free(&pd);
    ld_dataset_free(&ud);
    return t_done();
}
