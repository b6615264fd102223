/* Determinism: the same seed gives bit-identical weights, logits, gradients,
   optimizer steps and samples, run to run and at 1 or 2 OpenMP threads. */
#define LD_LLM_IMPLEMENTATION
#include "../ld_llm.h"
#include "t.h"
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

typedef struct { float *theta, *logits; int sample[64]; int sample_len; double loss; } run_t;

static run_t run(int threads, ld_opt_kind kind) {
#ifdef _OPENMP
    omp_set_num_threads(threads);
#else
    (void)threads;
#endif
    ld_config cfg = {0};
    cfg.context = 32; cfg.n_embd = 48; cfg.n_head = 4; cfg.n_layer = 2;
    ld_model m;
    ld_model_init(&m, &cfg, 4, 32, LD_TRAIN, 2024);
    ld_optim o;
    ld_optim_config oc = {0};
    oc.kind = kind; oc.lr = 3e-3; oc.weight_decay = 0.1; oc.grad_clip = 1.0; oc.momentum = kind == LD_OPT_SGD ? 0.9 : 0;
    ld_optim_init(&o, &m, &oc);
    const char *text[4] = { "the cat sat on the mat", "a dog ran in the park", "birds sing at dawn in spring", "x" };
    int tok[4][32];
    ld_seq s[4];
    for (int b = 0; b < 4; b++) {
        int n;
        tok[b][0] = m.cfg.bos_token;
        if (ld_tokenize(&m.cfg, text[b], -1, tok[b] + 1, 31, &n)) { printf("tokenize: %s\n", ld_failure_reason()); exit(1); }
        s[b].tokens = tok[b]; s[b].len = n + 1; s[b].prompt_len = 1 + (b % 2) * 3;
        if (s[b].prompt_len >= s[b].len) s[b].prompt_len = 1;
    }
    run_t r;
    for (int step = 0; step < 5; step++) {
        if (ld_forward(&m, s, 4)) { printf("forward: %s\n", ld_failure_reason()); exit(1); }
        r.loss = ld_sft_loss(&m, LD_NORM_TOKEN_MEAN);
        ld_zero_grad(&m);
        ld_backward(&m);
        ld_optim_step(&o, &m, oc.lr);
    }
    ld_forward(&m, s, 4);
    size_t nz = (size_t)4 * m.cur_T * m.cfg.vocab_size;
    r.theta = (float *)malloc(sizeof(float) * m.P);
    r.logits = (float *)malloc(sizeof(float) * nz);
    memcpy(r.theta, m.theta, sizeof(float) * m.P);
    memcpy(r.logits, m.a.logits, sizeof(float) * nz);
    ld_rng rng;
    ld_rng_seed(&rng, 5);
    ld_sample_opts so = {0};
    so.temperature = 1.0; so.top_k = 20; so.no_stop = 1;
    int out[4 * 32], out_len[4] = { 0 };
    ld_seq p = { tok[0], 4, 4 };
    ld_generate(&m, &p, 1, 20, &so, &rng, out, out_len);
    r.sample_len = out_len[0];
    memcpy(r.sample, out, sizeof(int) * out_len[0]);
    ld_optim_free(&o);
    ld_model_free(&m);
    return r;
}

/* ld_generate decodes incrementally; here the same tokens come from a full
   ld_forward over the growing sequence at every step. */
static void check_incremental(void) {
    ld_config cfg = {0};
    cfg.context = 48; cfg.n_embd = 32; cfg.n_head = 4; cfg.n_layer = 2; cfg.init_std = 0.2;
    ld_model m;
    ld_model_init(&m, &cfg, 3, 48, 0, 9);
    int p0[3] = { 256, 65, 66 }, p1[6] = { 256, 1, 2, 3, 4, 5 }, p2[1] = { 256 };
    ld_seq ps[3] = { { p0, 3, 3 }, { p1, 6, 6 }, { p2, 1, 1 } };
    for (int sampled = 0; sampled < 2; sampled++) {
        ld_sample_opts so = {0};
        so.no_stop = 1;
        if (sampled) { so.temperature = 0.9; so.top_k = 30; }
        ld_rng r1, r2;
        ld_rng_seed(&r1, 4); ld_rng_seed(&r2, 4);
        int out[3 * 48], len[3] = { 0 };
        ld_generate(&m, ps, 3, 25, &so, &r1, out, len);
        int ok = 1;
        double pw[257];
        int idx[257], seq[3][48], n[3];
        for (int b = 0; b < 3; b++) { n[b] = ps[b].len; memcpy(seq[b], ps[b].tokens, sizeof(int) * n[b]); }
        for (int step = 0; step < 25; step++)       /* rows interleaved per step, as ld_generate draws */
            for (int b = 0; b < 3; b++) {
                if (n[b] >= 48) continue;
                int tmp[48];                       /* a 1-token sequence gets a dummy response token */
                memcpy(tmp, seq[b], sizeof(int) * n[b]);
                tmp[n[b]] = 0;
                ld_seq s = { tmp, n[b] + 1, 1 };
                ld_forward(&m, &s, 1);
                seq[b][n[b]] = ld__sample(m.a.logits + (size_t)(n[b] - 1) * m.cfg.vocab_size, m.cfg.vocab_size, &so, &r2, pw, idx);
                n[b]++;
            }
        for (int b = 0; b < 3; b++) ok &= n[b] == len[b] && !memcmp(seq[b], out + b * 48, sizeof(int) * n[b]);
        CHECK_V(ok, "incremental decoding = a full forward at every step (%s, 3 prompts of lengths 3, 6, 1)", sampled ? "sampled" : "greedy");
    }
    CHECK_V(ld_sft_loss(&m, LD_NORM_SEQ_SUM) != ld_sft_loss(&m, LD_NORM_SEQ_SUM), "after ld_generate a loss refuses to run (NaN)");
    ld_model_free(&m);
}

int main(void) {
    check_incremental();
#ifdef _OPENMP
    printf("OpenMP on: comparing 1 and 2 threads\n");
#else
    printf("OpenMP off (built without -fopenmp): comparing two runs only\n");
#endif
    ld_opt_kind kinds[3] = { LD_OPT_ADAMW, LD_OPT_SGD, LD_OPT_RMSPROP };
    const char *names[3] = { "AdamW", "SGD", "RMSprop" };
    for (int k = 0; k < 3; k++) {
        run_t a = run(1, kinds[k]), b = run(1, kinds[k]), c = run(2, kinds[k]);
        ld_config cfg = {0};
        cfg.context = 32; cfg.n_embd = 48; cfg.n_head = 4; cfg.n_layer = 2;
        size_t P = ld_param_count(&cfg);
        CHECK_V(!memcmp(a.theta, b.theta, sizeof(float) * P) && a.loss == b.loss, "%s: two runs, same seed: θ bit-identical (loss %.6f)", names[k], a.loss);
        CHECK_V(!memcmp(a.theta, c.theta, sizeof(float) * P), "%s: 1 vs 2 threads: θ bit-identical after 5 steps", names[k]);
        CHECK_V(a.sample_len == c.sample_len && !memcmp(a.sample, c.sample, sizeof(int) * a.sample_len),
                "%s: 1 vs 2 threads: sampled continuation identical (%d tokens)", names[k], a.sample_len);
        CHECK(a.loss == c.loss, "%s: losses %.9g vs %.9g", names[k], a.loss, c.loss);
        free(a.theta); free(a.logits); free(b.theta); free(b.logits); free(c.theta); free(c.logits);
    }
    return t_done();
}
