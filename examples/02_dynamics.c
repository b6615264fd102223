/* 02_dynamics: why one finetuning step moves the responses it moves.
   Trains a small model on a few questions (SFT), then takes one SFT step
   and one DPO step on one question — each on a copy — and prints, for
   responses of several kinds, the predicted change of log π(y|x)
   (first order: −η A K G, Prop. 1 of Ren & Sutherland) beside the change
   measured after the step, and the tokens that gain the most probability.
   Usage: 02_dynamics [seed] */
#define LD_LLM_IMPLEMENTATION
#include "../ld_llm.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *DATA =
    "{\"prompt\": \"Q: What does the cow say? A:\", \"chosen\": \" The cow says moo.\", \"rejected\": \" The cow says oink.\"}\n"
    "{\"prompt\": \"Q: What does the dog say? A:\", \"chosen\": \" The dog says woof.\", \"rejected\": \" The dog says hoot.\"}\n"
    "{\"prompt\": \"Q: What does the cat say? A:\", \"chosen\": \" The cat says meow.\", \"rejected\": \" The cat says neigh.\"}\n"
    "{\"prompt\": \"Q: What does the duck say? A:\", \"chosen\": \" The duck says quack.\", \"rejected\": \" The duck says roar.\"}\n"
    "{\"prompt\": \"Q: What does the owl say? A:\", \"chosen\": \" The owl says hoot.\", \"rejected\": \" The owl says moo.\"}\n"
    "{\"prompt\": \"Q: What does the pig say? A:\", \"chosen\": \" The pig says oink.\", \"rejected\": \" The pig says quack.\"}\n";

/* The responses we watch, all under the cow's question (the paper's probe types). */
static const char *OBSERVE =
    "{\"prompt\": \"Q: What does the cow say? A:\", \"chosen\": \" The cow says moo.\", \"rejected\": \" The cow says oink.\","
    " \"chosen_gptsemantic\": \" A cow goes moo.\", \"chosen_gptformat\": \" The cow says baa.\","
    " \"irr_train\": \" The dog says woof.\", \"irr_hum\": \" Rivers run to the sea.\", \"random_permute\": \" moo. says cow The\"}\n";

#define TRY(call) do { ld_status s_ = (call); if (s_) { fprintf(stderr, "%s: %s\n", #call, ld_failure_reason()); exit(1); } } while (0)

static void show(const char *title, ld_model *m, const ld_dataset *od, const ld_seq *obs, int n, const ld_dyn_report *r, int pref) {
    printf("\n%s: loss %.4f\n", title, r->loss);
    printf("  %-19s %9s %11s %11s %10s", "response", "log π", "predicted", "measured", "gap");
    if (pref) printf(" %11s %11s", "via chosen", "via reject.");
    printf("\n");
    for (int i = 0; i < n; i++) {
        printf("  %-19s %9.3f %+11.5f %+11.5f %10.1e", od->fields[i + 1], r->logp[i], r->pred[i], r->meas[i], r->meas[i] - r->pred[i]);
        if (pref) printf(" %+11.5f %+11.5f", r->pred_chosen[i], r->pred_rejected[i]);
        printf("\n");
    }
    /* where the probability goes, at the token that answers the question */
    int V = m->cfg.vocab_size;
    double *dl = (double *)malloc(sizeof(double) * m->T * V);
    const ld_seq *s = &obs[0];
    int t = s->len - 6;   /* the first letter of the answer word (" moo." has 5 bytes + eos) */
    TRY(ld_dyn_predict(m, s, r->dtheta, dl, NULL));
    int top[4], low[4];
    double gain[4], loss[4];
    ld_dyn_top_tokens(m->a.probs + (size_t)t * V, dl + (size_t)t * V, V, 4, top, gain);
    ld_dyn_top_tokens(m->a.probs + (size_t)t * V, dl + (size_t)t * V, V, -4, low, loss);
    char tok[32];
    printf("  after \"...says\": π of the next letter moves to");
    for (int k = 0; k < 4; k++) { ld_model_token_string(m, top[k], tok, sizeof tok); printf(" '%s' %+.4f", tok, gain[k]); }
    printf("\n                                   away from");
    for (int k = 0; k < 4; k++) { ld_model_token_string(m, low[k], tok, sizeof tok); printf(" '%s' %+.4f", tok, loss[k]); }
    printf("\n");
    free(dl);
}

int main(int argc, char **argv) {
    uint64_t seed = argc > 1 ? (uint64_t)atoll(argv[1]) : 7;
    ld_config cfg = {0};
    cfg.context = 48;
    ld_model m;
    TRY(ld_model_init(&m, &cfg, 8, 48, LD_TRAIN | LD_JVP, seed));
    ld_dataset ds, od;
    TRY(ld_dataset_parse(&ds, DATA, strlen(DATA), &m.cfg, LD_DATA_PREF, 0));
    TRY(ld_dataset_parse(&od, OBSERVE, strlen(OBSERVE), &m.cfg, LD_DATA_PROBES, 0));

    /* 1. SFT on the chosen answers until the model knows them */
    ld_optim opt;
    ld_optim_config oc = {0};
    oc.lr = 3e-3;
    TRY(ld_optim_init(&opt, &m, &oc));
    ld_train_config tc = {0};
    tc.batch = 6; tc.max_steps = 150; tc.seed = seed;
    ld_trainer tr;
    TRY(ld_trainer_init(&tr, &m, &opt, &ds, &tc, NULL));
    while (!ld_trainer_done(&tr)) TRY(ld_trainer_step(&tr));
    printf("SFT: %ld steps on %d questions, final loss %.3f nats per answer\n", tr.step, ds.n, tr.loss);
    ld_trainer_free(&tr);
    ld_optim_free(&opt);

    int n = od.n_fields - 1, buf[16][48];
    ld_seq obs[16];
    for (int f = 1; f <= n; f++) TRY(ld_dataset_seq(&od, 0, f, 48, 0, &m.cfg, buf[f - 1], &obs[f - 1]));

    /* 2. one SGD step of SFT on the cow's question, analysed and undone */
    ld_optim sgd;
    ld_optim_config sc = {0};
    sc.kind = LD_OPT_SGD; sc.lr = 0.02;
    TRY(ld_optim_init(&sgd, &m, &sc));
    tc.batch = 1; tc.max_steps = 1; tc.no_shuffle = 1;
    TRY(ld_trainer_init(&tr, &m, &sgd, &ds, &tc, NULL));
    ld_dyn_report r;
    TRY(ld_dyn_step(&tr, obs, n, 0, &r));
    show("one SFT step on \"The cow says moo.\" (SGD, η = 0.02)", &m, &od, obs, n, &r, 0);
    ld_dyn_report_free(&r);
    ld_trainer_free(&tr);

    /* 3. one DPO step on the cow's pair (moo ≻ oink); reference = this model */
    tc.pref = 1; tc.loss.kind = LD_DPO; tc.loss.beta = 0.1;
    sc.lr = 2e-4;
    ld_optim_free(&sgd);
    TRY(ld_optim_init(&sgd, &m, &sc));
    TRY(ld_trainer_init(&tr, &m, &sgd, &ds, &tc, NULL));
    TRY(ld_dyn_step(&tr, obs, n, 0, &r));
    show("one DPO step on moo ≻ oink (SGD, η = 2e-4, β = 0.1)", &m, &od, obs, n, &r, 1);
    /* the prediction is the first-order term: halving η quarters the gap */
    double gap = r.meas[1] - r.pred[1];
    ld_dyn_report_free(&r);
    ld_trainer_free(&tr);
    ld_optim_free(&sgd);
    sc.lr = 1e-4;
    TRY(ld_optim_init(&sgd, &m, &sc));
    TRY(ld_trainer_init(&tr, &m, &sgd, &ds, &tc, NULL));
    TRY(ld_dyn_step(&tr, obs, n, 0, &r));
    printf("\nhalving η to 1e-4, the gap on the rejected response goes %.2e → %.2e: ratio %.2f (first order: 4)\n",
           gap, r.meas[1] - r.pred[1], gap / (r.meas[1] - r.pred[1]));
    ld_dyn_report_free(&r);
    ld_trainer_free(&tr);
    ld_optim_free(&sgd);
    ld_dataset_free(&ds);
    ld_dataset_free(&od);
    ld_model_free(&m);
    return 0;
}
