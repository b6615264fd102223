/* The error contract under hostile arguments: each call below must return
   an error status with a reason (or, for the void ones, do nothing), never
   crash or write past a buffer (make test-asan runs this under ASan and
   UBSan), and leave the caller's data as it was.
   Usage: test_badinput [scratch-dir] */
#define LD_LLM_IMPLEMENTATION
#include "../ld_llm.h"
#include "t.h"
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *dir = "build/tmp";

static ld_model tiny(int n_head, int B, int T, int flags) {
    ld_config c = {0};
    c.n_layer = 1; c.n_embd = 16; c.n_head = n_head; c.context = 16;
    ld_model m;
    ld_model_init(&m, &c, B, T, flags, 1);
    return m;
}

#define EXPECT(call, want, what)                                                                 \
    do {                                                                                         \
        ld_status s_ = (call);                                                                   \
        CHECK_V(s_ == (want), "%s -> %s: %s", what, ld_status_string(s_), ld_failure_reason()); \
    } while (0)

static void test_io_args(void) {
    int out[4] = { 7, 7, 7, 7 }, n = -7;
    EXPECT(ld_tokenize(NULL, "longer than four", -1, out, -1, &n), LD_ERR_ARG, "ld_tokenize, capacity -1");
    CHECK(out[0] == 7 && out[3] == 7, "ld_tokenize, capacity -1: the buffer untouched");
    char txt[8];
    CHECK_V(ld_detokenize(NULL, NULL, 5, txt, sizeof txt) == 0 && txt[0] == 0, "ld_detokenize of NULL tokens: an empty text");
    ld_dataset ds;
    const char *p = "{\"prompt\":\"a\",\"completion\":\"b\"}\n";
    ld_dataset_parse(&ds, p, strlen(p), NULL, LD_DATA_SFT, 0);
    CHECK_V(ld_dataset_field(&ds, NULL) == -1, "ld_dataset_field with a NULL name: -1");
    ld_dataset_free(&ds);

    double pi[4] = { 0.4, 0.3, 0.2, 0.1 }, dl[4] = { 1, -1, 2, 0 }, gain[4] = { 9, 9, 9, 9 };
    int top[4] = { 9, 9, 9, 9 };
    ld_float pif[4];
    for (int i = 0; i < 4; i++) pif[i] = (ld_float)pi[i];
    ld_dyn_top_tokens(pif, dl, 4, INT_MIN, top, gain);
    CHECK_V(top[0] == 1 && top[3] != 9, "ld_dyn_top_tokens with k = INT_MIN: the 4 largest losses (first %d)", top[0]);
    ld_dyn_top_tokens(pif, dl, 4, 2, NULL, gain);
    CHECK(1, "ld_dyn_top_tokens with NULL output: nothing written, no crash");
}

static void test_model_args(void) {
    ld_model m = tiny(2, 2, 8, LD_TRAIN | LD_JVP);
    int a[5] = { 256, 1, 2, 3, 4 }, b[5] = { 256, 1, 5, 6, 7 };
    ld_seq s[2] = { { a, 5, 2 }, { b, 5, 2 } };

    /* a preference loss that overflows writes neither G nor coef */
    ld_forward(&m, s, 2);
    ld_float g0 = m.d.logits[3 * m.cfg.vocab_size];
    double ref[2] = { 1e308, -1e308 };
    ld_row_coef coef[2];
    memset(coef, 0, sizeof coef);
    coef[0].c = 111; coef[1].c = 222;
    ld_pref_opts o = { 0 };
    EXPECT(ld_pref_loss(&m, &o, ref, NULL, coef), LD_ERR_NAN, "DPO with reference log-probs ±1e308");
    CHECK_V(coef[0].c == 111 && coef[1].c == 222 && m.d.logits[3 * m.cfg.vocab_size] == g0,
            "  ... coef and G as they were");
    o.beta = -1;
    EXPECT(ld_pref_loss(&m, &o, ref, NULL, coef), LD_ERR_ARG, "DPO with β = −1");
    CHECK_V(isnan(ld_sft_loss(&m, (ld_norm)7)) && strstr(ld_failure_reason(), "normalisation"),
            "ld_sft_loss with normalisation 7: NaN and %s", ld_failure_reason());

    /* measuring: a bad second sequence, a NaN in Δθ, a zeroed model */
    ld_float *dth = (ld_float *)calloc(m.P, sizeof(ld_float));
    double dseq[3] = { 111, 222, 333 };
    int bad[5] = { 256, 1, 999, 3, 4 };
    ld_seq s3[3] = { { a, 5, 2 }, { b, 5, 2 }, { bad, 5, 2 } };
    EXPECT(ld_dyn_measure(&m, s3, 3, dth, dseq), LD_ERR_TOKEN, "ld_dyn_measure, the third sequence has token 999");
    CHECK_V(dseq[0] == 111 && dseq[1] == 222 && dseq[2] == 333, "  ... dseq as it was");
    dth[5] = NAN;
    EXPECT(ld_dyn_measure(&m, s, 2, dth, dseq), LD_ERR_NAN, "ld_dyn_measure with a NaN in Δθ");
    EXPECT(ld_dyn_predict(&m, s, dth, NULL, dseq), LD_ERR_NAN, "ld_dyn_predict with a NaN in Δθ");
    CHECK_V(dseq[0] == 111, "  ... dseq as it was");
    ld_model z;
    memset(&z, 0, sizeof z);
    EXPECT(ld_dyn_measure(&z, s, 2, dth, dseq), LD_ERR_ARG, "ld_dyn_measure on a zeroed model");
    free(dth);

    /* a learning rate that overflows θ: refused, θ and the optimizer unchanged */
    ld_optim opt;
    ld_optim_config oc = { 0 };
    oc.kind = LD_OPT_SGD;
    oc.momentum = 0.9;
    ld_optim_init(&opt, &m, &oc);
    ld_forward(&m, s, 2);
    ld_sft_loss(&m, LD_NORM_TOKEN_MEAN);
    ld_zero_grad(&m);
    ld_backward(&m);
    ld_float *keep = (ld_float *)malloc(sizeof(ld_float) * m.P * 2);
    memcpy(keep, m.theta, sizeof(ld_float) * m.P);
    memcpy(keep + m.P, m.grad, sizeof(ld_float) * m.P);
    EXPECT(ld_optim_step(&opt, &m, 1e300), LD_ERR_NAN, "SGD step with learning rate 1e300");
    CHECK_V(!memcmp(keep, m.theta, sizeof(ld_float) * m.P) && !memcmp(keep + m.P, m.grad, sizeof(ld_float) * m.P) &&
                opt.step == 0,
            "  ... θ, g and the optimizer's step count as they were");
    CHECK_V(ld_optim_step(&opt, &m, 1e-3) == LD_OK && opt.step == 1, "  ... and a sane step still goes");
    ld_optim_free(&opt);

    /* each optimizer, after sane steps (its carried bounds valid): the bounds
       hold, and an absurd step is still refused with nothing changed */
    for (int kind = 0; kind < 3; kind++) {
        ld_optim_config k = { 0 };
        k.kind = (ld_opt_kind)kind; k.momentum = kind == LD_OPT_SGD ? 0.9 : 0; k.weight_decay = 0.1;
        ld_optim_init(&opt, &m, &k);
        int held = 1;
        for (int step = 0; step < 5; step++) {
            ld_forward(&m, s, 2);
            ld_sft_loss(&m, LD_NORM_TOKEN_MEAN);
            ld_zero_grad(&m);
            ld_backward(&m);
            ld_optim_step(&opt, &m, 1e-2);
            double mt = 0, ma = 0, mv = 0;
            for (size_t i = 0; i < m.P; i++) {
                mt = fmax(mt, fabs(m.theta[i])); ma = fmax(ma, fabs(opt.m1[i])); mv = fmax(mv, opt.m2[i]);
            }
            held &= opt.bounds_ok && mt <= opt.th_max && ma <= opt.m1_max && mv <= opt.m2_max;
        }
        ld_forward(&m, s, 2);
        ld_sft_loss(&m, LD_NORM_TOKEN_MEAN);
        ld_zero_grad(&m);
        ld_backward(&m);
        memcpy(keep, m.theta, sizeof(ld_float) * m.P);
        ld_status st = ld_optim_step(&opt, &m, 1e300);
        CHECK_V(held && st == LD_ERR_NAN && !memcmp(keep, m.theta, sizeof(ld_float) * m.P) && opt.step == 5,
                "%s: 5 steps within the carried bounds on |θ|, |m1|, m2; then η = 1e300 refused, θ unchanged",
                kind == 0 ? "AdamW" : kind == 1 ? "SGD" : "RMSprop");
        ld_optim_free(&opt);
    }
    /* learning rates beyond float, on the carried-bound path: SGD with a zero
       gradient (inf·0), AdamW with ε > 1 (a product overflows before the division) */
    for (int c2 = 0; c2 < 2; c2++) {
        ld_optim_config k = { 0 };
        k.kind = c2 ? LD_OPT_ADAMW : LD_OPT_SGD;
        k.eps = c2 ? 1000 : 0;
        if (c2) { memcpy(m.theta, keep, sizeof(ld_float) * m.P); ld_params_changed(&m); } /* cases independent */
        ld_optim_init(&opt, &m, &k);
        ld_zero_grad(&m);
        m.grad[0] = c2 ? 100 : 1;
        ld_optim_step(&opt, &m, 1e-3);
        ld_zero_grad(&m);
        if (c2) m.grad[0] = 100;
        memcpy(keep, m.theta, sizeof(ld_float) * m.P);
        double lr = c2 ? 5e37 : 1e39;
        ld_status st = ld_optim_step(&opt, &m, lr);
        CHECK_V(st == LD_ERR_NAN && !memcmp(keep, m.theta, sizeof(ld_float) * m.P),
                "%s, η = %g after a sane step: refused, θ unchanged", c2 ? "AdamW with ε = 1000" : "SGD, zero gradient", lr);
        ld_optim_free(&opt);
    }
    free(keep);

    /* logits finite but more than FLT_MAX apart: finite log-probs */
    ld_forward(&m, s, 2);
    int V = m.cfg.vocab_size;
    for (int v = 0; v < V; v++) m.a.logits[v] = (ld_float)(v % 2 ? 3e38 : -3e38);
    ld_logits_to_logprobs(&m);
    CHECK_V(isfinite(m.tok_logp[0]) && isfinite(m.a.probs[0]) && m.a.probs[0] < 1e-30,
            "logits ±3e38 at one position: log π %g, π of a low token %g", m.tok_logp[0], (double)m.a.probs[0]);

    /* a non-finite θ is reported by the forward and by generation */
    m.w.wte[1 * m.cfg.n_embd] = INFINITY;
    EXPECT(ld_forward(&m, s, 2), LD_ERR_NAN, "ld_forward with an infinity in θ (token 1's embedding)");
    int out[2 * 8], out_len[2];
    EXPECT(ld_generate(&m, s, 2, 3, NULL, NULL, out, out_len), LD_ERR_NAN, "ld_generate with it");
    m.w.wte[1 * m.cfg.n_embd] = 0;
    ld_sample_opts so = { INFINITY, 0, 0 };
    ld_rng r;
    ld_rng_seed(&r, 1);
    EXPECT(ld_generate(&m, s, 2, 3, &so, &r, out, out_len), LD_ERR_ARG, "ld_generate at temperature ∞");
    so.temperature = 1; so.top_k = -2;
    EXPECT(ld_generate(&m, s, 2, 3, &so, &r, out, out_len), LD_ERR_ARG, "ld_generate with top_k −2");
    ld_model_free(&m);
}

/* probes with a prompt only, on a model whose context is a single position */
static void test_probes(void) {
    const char *p = "{\"prompt\":\"abc\"}\n";
    ld_dataset ds;
    ld_dataset_parse(&ds, p, strlen(p), NULL, LD_DATA_PROBES, 0);
    for (int T = 1; T <= 16; T += 15) {
        ld_model m = tiny(2, 1, T, 0);
        ld_probe_result r;
        ld_status s = ld_probe_eval(&m, &ds, 0, &r);
        CHECK_V(s == LD_OK && r.n == 1 && r.n_types == 2 && r.greedy_len[0] >= r.prompt_len[0],
                "probes of a prompt alone, T = %d: only the greedy decode (%s)", T, s ? ld_failure_reason() : "ok");
        if (!s) ld_probe_result_free(&r);
        ld_model_free(&m);
    }
    ld_dataset_free(&ds);
}

/* Rewrites a __metadata__ value of a safetensors file in place. */
static int set_meta(const char *path, const char *key, const char *value) {
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = (unsigned char *)malloc(size);
    if (fread(buf, 1, size, f) != (size_t)size) { fclose(f); free(buf); return -1; }
    fclose(f);
    uint64_t hl = 0;
    for (int i = 7; i >= 0; i--) hl = hl << 8 | buf[i];
    char *hdr = (char *)malloc(hl + 1);
    memcpy(hdr, buf + 8, hl);
    hdr[hl] = 0;
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":\"", key);
    char *at = strstr(hdr, pat);
    if (!at) { free(buf); free(hdr); return -1; }
    char *v0 = at + strlen(pat), *v1 = strchr(v0, '"');
    size_t nl = (v0 - hdr) + strlen(value) + strlen(v1);
    size_t padded = (nl + 7) / 8 * 8;
    char *nh = (char *)malloc(padded + 1);
    snprintf(nh, padded + 1, "%.*s%s%s", (int)(v0 - hdr), hdr, value, v1);
    /* pad with spaces inside the JSON, before its closing brace */
    size_t len = strlen(nh);
    if (len < padded) {
        char *close = strrchr(nh, '}');
        memmove(close + (padded - len), close, strlen(close) + 1);
        memset(close, ' ', padded - len);
    }
    f = fopen(path, "wb");
    if (!f) return -1;
    unsigned char lb[8];
    for (int i = 0; i < 8; i++) lb[i] = (unsigned char)(padded >> (8 * i));
    fwrite(lb, 1, 8, f);
    fwrite(nh, 1, padded, f);
    fwrite(buf + 8 + hl, 1, size - 8 - hl, f);
    fclose(f);
    free(buf); free(hdr); free(nh);
    return 0;
}

/* config.json naming a key twice, once through an escape */
static void test_config(void) {
    char path[600];
    snprintf(path, sizeof path, "%s/dup_config.json", dir);
    FILE *f = fopen(path, "w");
    if (!f) { CHECK(0, "cannot write %s (does the scratch directory exist?)", path); return; }
    fputs("{\"vocab_size\": 257, \"n_positions\": 16, \"n_layer\": 2, \"n_l\\u0061yer\": 12, \"n_head\": 2, \"n_embd\": 16}", f);
    fclose(f);
    ld_config c;
    EXPECT(ld_load_config(&c, path), LD_ERR_FORMAT, "config.json with \"n_layer\" and \"n_l\\u0061yer\"");
}

static void test_trainer(void) {
    const char *txt = "{\"prompt\":\"ab\",\"completion\":\"cd\"}\n{\"prompt\":\"ef\",\"completion\":\"gh\"}\n";
    ld_dataset ds;
    ld_dataset_parse(&ds, txt, strlen(txt), NULL, LD_DATA_SFT, 0);
    ld_model m = tiny(4, 2, 16, LD_TRAIN);
    ld_optim opt;
    ld_optim_init(&opt, &m, NULL);
    ld_train_config tc = { 0 };
    ld_trainer tr;
    const char *pt = "{\"prompt\":\"a\",\"chosen\":\"b\",\"rejected\":\"c\"}\n";
    ld_dataset pds;
    ld_dataset_parse(&pds, pt, strlen(pt), NULL, LD_DATA_PREF, 0);
    tc.batch = 1 << 30; tc.pref = 1;
    EXPECT(ld_trainer_init(&tr, &m, &opt, &pds, &tc, NULL), LD_ERR_ARG, "DPO, a batch of 2^30 pairs (2^31 rows)");
    tc.batch = 1; tc.loss.kind = (ld_pref_kind)42;
    EXPECT(ld_trainer_init(&tr, &m, &opt, &pds, &tc, NULL), LD_ERR_ARG, "preference loss kind 42");
    ld_dataset_free(&pds);
    memset(&tc, 0, sizeof tc);
    tc.batch = 1; tc.lr = INFINITY;
    EXPECT(ld_trainer_init(&tr, &m, &opt, &ds, &tc, NULL), LD_ERR_ARG, "learning rate ∞");
    tc.lr = 0; tc.norm = (ld_norm)7;
    EXPECT(ld_trainer_init(&tr, &m, &opt, &ds, &tc, NULL), LD_ERR_ARG, "normalisation 7");
    tc.norm = LD_NORM_SEQ_SUM;
    CHECK(ld_trainer_init(&tr, &m, &opt, &ds, &tc, NULL) == LD_OK, "init");
    ld_trainer_step(&tr);
    ld_trainer_step(&tr);
    const char *ck = dir;
    char path[600];
    CHECK(ld_trainer_save(&tr, ck) == LD_OK, "save");

    /* another model with as many parameters (4 heads → 2): refused */
    ld_model m2 = tiny(2, 2, 16, LD_TRAIN);
    ld_optim o2;
    ld_optim_init(&o2, &m2, NULL);
    ld_trainer t2;
    ld_trainer_init(&t2, &m2, &o2, &ds, &tc, NULL);
    ld_float th0 = m2.theta[0];
    EXPECT(ld_trainer_resume(&t2, ck), LD_ERR_SHAPE, "resume into a model with other heads, same parameter count");
    CHECK_V(m2.theta[0] == th0 && t2.step == 0 && o2.step == 0, "  ... model, optimizer and trainer as they were");

    /* an optimizer step count that would wrap to a negative long: refused */
    snprintf(path, sizeof path, "%s/trainer.safetensors", ck);
    CHECK(set_meta(path, "optim_step", "18446744073709551600") == 0, "rewrite optim_step");
    ld_trainer t3;
    ld_model m3 = tiny(4, 2, 16, LD_TRAIN);
    ld_optim o3;
    ld_optim_init(&o3, &m3, NULL);
    ld_trainer_init(&t3, &m3, &o3, &ds, &tc, NULL);
    EXPECT(ld_trainer_resume(&t3, ck), LD_ERR_FORMAT, "resume with optim_step 18446744073709551600");
    CHECK_V(o3.step == 0 && t3.step == 0, "  ... nothing resumed");
    CHECK(set_meta(path, "optim_step", "2") == 0, "restore optim_step");
    CHECK_V(ld_trainer_resume(&t3, ck) == LD_OK && o3.step == 2, "the same checkpoint with optim_step 2 resumes (%s)",
            ld_failure_reason());

    ld_trainer_free(&tr); ld_trainer_free(&t2); ld_trainer_free(&t3);
    ld_optim_free(&opt); ld_optim_free(&o2); ld_optim_free(&o3);
    ld_model_free(&m); ld_model_free(&m2); ld_model_free(&m3);
    ld_dataset_free(&ds);
}

int main(int argc, char **argv) {
    if (argc > 1) dir = argv[1];
    test_io_args();
    test_model_args();
    test_probes();
    test_config();
    test_trainer();
    return t_done();
}
