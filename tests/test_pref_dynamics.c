/* ld_dyn_step's chosen/rejected split for every preference loss, in the
   double build. One SGD step (no momentum, no weight decay) is analysed on
   a copy for each loss — each of TRL's and the header's, lists of losses,
   LD-DPO (whose rows carry two coefficients: the shared part and the
   α-weighted tail), WPO, and KTO on unpaired rows (desirable, undesirable,
   and KL rows that take no gradient). For SGD the rows' shares
   c_r ⟨∇θ log π_o, η ∇θ log π_r⟩ (+ the tail's) must add up to the
   first-order prediction ⟨∇θ log π_o, Δθ⟩ exactly (drift ≈ 0), so the
   split into pred_chosen + pred_rejected accounts for the whole step; the
   rows' roles follow the loss (KTO: by label; its KL rows share nothing). */
#define LD_LLM_DOUBLE
#define LD_LLM_IMPLEMENTATION
#include "../ld_llm.h"
#include "t.h"
#include <stdlib.h>
#include <string.h>

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

int main(void) {
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
        for (int f = 1; f < 3; f++) ld_dataset_seq(&pd, i, f, 16, 0, 256, obuf[no], &obs[no]), no++;

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
    ld_dataset_free(&pd);
    ld_dataset_free(&ud);
    return t_done();
}
