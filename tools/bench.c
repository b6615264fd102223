/* bench: speed and memory of ld_llm.h, one figure per line as "name value unit".
   For each configuration: a full training step (forward, SFT loss,
   backward, AdamW), the forward and the backward alone, tokens per second,
   achieved GFLOP/s, memory (what the model and the optimizer allocate, and
   the peak RSS), the dynamics of one probe (ld_dyn_seq_grad's ∇θ log π,
   ld_jvp, ld_dyn_predict) beside a forward + backward of the same sequence,
   for the small models greedy decoding (B rows in one ld_generate beside
   one row per call), then the matmuls at the model's shapes (ours, the naive reference, and
   OpenBLAS's sgemm when libopenblas is installed: loaded at run time, never
   linked). Medians of --iters runs after 3 warm-ups (the large models: at
   most 3 after 1); CLOCK_MONOTONIC.

   The configurations: demo and gpt2 (GPT-2 at toy sizes, byte-level
   vocabulary, B = 8), and, with random weights, the shapes of three real
   checkpoints: smollm2 (SmolLM2-135M: Llama, 30 × 576, 9 heads, 3 kv heads,
   MLP 1536, V 49152, tied; B = 4, T = 256), pythia160m (Pythia-160M:
   GPT-NeoX, 12 × 768, 12 heads, V 50304, untied; B = 4, T = 256) and
   pythia410m (Pythia-410M: 24 × 1024, 16 heads; B = 1, T = 512, and whether
   its training step fits in 24 GB). "families" is smollm2 and pythia160m.

   Each model runs in a process of its own (this program again, with
   --child NAME), and so does PyTorch's: each peak RSS is that model's
   alone. With Debian's python3-torch installed, tools/bench_torch.py runs
   the same model (the same shapes and parameter count, written from plain
   torch ops after Hugging Face's modeling code) on the same CPU with the
   same thread count, the same loss and the same AdamW, side by side; the
   ratios are printed as speedup_vs_torch and peak_rss_train_vs_torch.

   The tokenizer: encode throughput (MB/s, one thread) on a few MB of
   generated English text, and the time to load a tokenizer.json of 50 000
   tokens, for GPT-2's, Pythia's and SmolLM2's files when ../shared/fixtures
   is there; beside Hugging Face tokenizers on the same file and text when
   node and its package are found (tools/bench_tokenizers.js, NODE_PATH).

   Usage: bench [--iters N] [--no-torch]
                [--config demo|gpt2|smollm2|pythia160m|pythia410m|families|tokenizer|all] */
#define _POSIX_C_SOURCE 200809L
#define LD_LLM_IMPLEMENTATION
#include "../ld_llm.h"
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "timing.h"

/* A benchmarked model: its architecture as an ld_config (zero fields take
   the family's defaults), the batch, and whether it is large. */
typedef struct {
    const char *name, *what;   /* the config's name; what it is shaped like */
    ld_config c;
    int B, T;
    int large;                 /* ≥ 100 M parameters: at most 3 timed iterations after 1 warm-up */
    int fit_gb;                /* > 0: say whether a training step fits in this many GB */
} config_t;

static int iters = 20;

/* Timed iterations and warm-ups of a config. */
static int n_iters(const config_t *k) { return k->large && iters > 3 ? 3 : iters; }
static int n_warm(const config_t *k) { return k->large ? 1 : 3; }

/* OpenBLAS's cblas_sgemm, if the library can be loaded */
typedef void (*sgemm_t)(int, int, int, int, int, int, float, const float *, int, const float *, int, float, float *, int);
static sgemm_t blas_sgemm;
static void load_openblas(int threads) {
    const char *names[] = { "libopenblas.so.0", "libopenblas.so", "libblas.so.3", NULL };
    for (int i = 0; names[i] && !blas_sgemm; i++) {
        void *h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        if (!h) continue;
        /* libblas.so.3 may be the reference BLAS: only OpenBLAS has this */
        void (*set)(int) = (void (*)(int))dlsym(h, "openblas_set_num_threads");
        if (!set) {
            printf("# %s is not OpenBLAS (the reference BLAS?): not compared\n", names[i]);
            dlclose(h);
            continue;
        }
        set(threads);
        blas_sgemm = (sgemm_t)dlsym(h, "cblas_sgemm");
        if (blas_sgemm) printf("# openblas: %s (%d threads)\n", names[i], threads);
    }
    if (!blas_sgemm) printf("# openblas: not installed (apt-get install libopenblas-dev to compare)\n");
}


/* The benchmarked models; returns how many. The large ones have the shapes
   of real checkpoints (random weights): SmolLM2-135M, Pythia-160M and
   Pythia-410M as their config.json files describe them. */
static int make_configs(config_t *k) {
    memset(k, 0, sizeof(config_t) * 5);
    k[0].name = "demo"; k[0].what = "GPT-2, toy size";
    k[0].c.n_layer = 4; k[0].c.n_embd = 128; k[0].c.n_head = 4; k[0].c.context = 64; k[0].c.vocab_size = 257;
    k[0].B = 8; k[0].T = 64;
    k[1].name = "gpt2"; k[1].what = "GPT-2, small";
    k[1].c.n_layer = 6; k[1].c.n_embd = 384; k[1].c.n_head = 6; k[1].c.context = 256; k[1].c.vocab_size = 257;
    k[1].B = 8; k[1].T = 256;
    k[2].name = "smollm2"; k[2].what = "SmolLM2-135M's shape: Llama, RMSNorm, RoPE, GQA, SwiGLU, tied head";
    k[2].c.family = LD_FAMILY_LLAMA; k[2].c.n_layer = 30; k[2].c.n_embd = 576; k[2].c.n_head = 9;
    k[2].c.n_kv_head = 3; k[2].c.head_dim = 64; k[2].c.intermediate = 1536; k[2].c.vocab_size = 49152;
    k[2].c.context = 8192; k[2].c.rope_theta = 100000; k[2].c.ln_eps = 1e-5;
    k[2].B = 4; k[2].T = 256; k[2].large = 1;
    k[3].name = "pythia160m"; k[3].what = "Pythia-160M's shape: GPT-NeoX, partial RoPE, parallel residual, untied head";
    k[3].c.family = LD_FAMILY_GPT_NEOX; k[3].c.n_layer = 12; k[3].c.n_embd = 768; k[3].c.n_head = 12;
    k[3].c.intermediate = 3072; k[3].c.vocab_size = 50304; k[3].c.untied_head = 1; k[3].c.rotary_pct = 0.25;
    k[3].c.residual = LD_PARALLEL; k[3].c.context = 2048; k[3].c.ln_eps = 1e-5;
    k[3].B = 4; k[3].T = 256; k[3].large = 1;
    k[4] = k[3];
    k[4].name = "pythia410m"; k[4].what = "Pythia-410M's shape: GPT-NeoX, partial RoPE, parallel residual, untied head";
    k[4].c.n_layer = 24; k[4].c.n_embd = 1024; k[4].c.n_head = 16; k[4].c.intermediate = 4096;
    k[4].B = 1; k[4].T = 512; k[4].fit_gb = 24;
    return 5;
}

/* Floating-point operations of one forward pass (matmuls and attention). */
static double forward_flops(const config_t *k) {
    ld_config c = ld_config_resolve(&k->c);
    double N = (double)k->B * k->T, C = c.n_embd, HS = c.head_dim, NH = c.n_head, NKV = c.n_kv_head;
    double I = c.intermediate, FC = c.act == LD_SWIGLU ? 2 * I : I;
    double layer = C * (NH + 2 * NKV) * HS + NH * HS * C + C * FC + I * C;   /* qkv, o, fc, proj */
    double mm = 2 * N * (layer * c.n_layer + C * c.vocab_size);
    double att = (double)c.n_layer * k->B * NH * (k->T * (k->T + 1) / 2.0) * HS * 2 * 2;
    return mm + att;
}

static void bench_matmul(const config_t *k) {
    ld_config c = ld_config_resolve(&k->c);
    int N = k->B * k->T, C = c.n_embd, HS = c.head_dim, I = c.intermediate;
    int FC = c.act == LD_SWIGLU ? 2 * I : I;
    int shapes[5][2] = { { C, (c.n_head + 2 * c.n_kv_head) * HS }, { c.n_head * HS, C }, { C, FC }, { I, C }, { C, c.vocab_size } };
    const char *names[5] = { "qkv", "attproj", "fc", "fcproj", "head" };
    int n = n_iters(k) < 64 ? n_iters(k) : 64, w = n_warm(k);
    for (int s = 0; s < 5; s++) {
        int K = shapes[s][0], OC = shapes[s][1];
        float *x = (float *)malloc(sizeof(float) * N * K), *wt = (float *)malloc(sizeof(float) * OC * K);
        float *y = (float *)malloc(sizeof(float) * N * OC), *dx = (float *)malloc(sizeof(float) * N * K);
        float *dw = (float *)malloc(sizeof(float) * OC * K);
        for (int i = 0; i < N * K; i++) x[i] = (float)((i * 7 % 13) - 6) * 0.1f;
        for (int i = 0; i < OC * K; i++) wt[i] = (float)((i * 5 % 11) - 5) * 0.1f;
        double fl = 2.0 * N * K * OC, t[64], tb[64], tr[64], to[64];
        for (int i = 0; i < n + w; i++) {
            double t0 = now_ms();
            ld_matmul_forward(y, x, wt, NULL, N, K, OC);
            double t1 = now_ms();
            memset(dx, 0, sizeof(float) * N * K);
            memset(dw, 0, sizeof(float) * OC * K);
            double t2 = now_ms();
            ld_matmul_backward(dx, dw, NULL, y, x, wt, N, K, OC);
            double t3 = now_ms();
            if (i >= w) { t[i - w] = t1 - t0; tb[i - w] = t3 - t2; }
        }
        printf("%s_matmul_%s_fwd_gflops %.1f GFLOP/s  (N=%d K=%d OC=%d)\n", k->name, names[s], fl / median(t, n) * 1e-6, N, K, OC);
        printf("%s_matmul_%s_bwd_gflops %.1f GFLOP/s\n", k->name, names[s], 2 * fl / median(tb, n) * 1e-6);
        if (s == 2 && !k->large) {
            int nr = 3;
            for (int i = 0; i < nr; i++) {
                double t0 = now_ms();
                ld_matmul_forward_ref(y, x, wt, NULL, N, K, OC);
                tr[i] = now_ms() - t0;
            }
            printf("%s_matmul_%s_naive_gflops %.2f GFLOP/s  (the reference triple loop)\n", k->name, names[s], fl / median(tr, nr) * 1e-6);
        }
        if (blas_sgemm) {
            for (int i = 0; i < n + w; i++) {
                double t0 = now_ms();
                /* y (N,OC) = x (N,K) · wᵀ: row-major 101, no-trans 111, trans 112 */
                blas_sgemm(101, 111, 112, N, OC, K, 1.0f, x, K, wt, K, 0.0f, y, OC);
                if (i >= w) to[i - w] = now_ms() - t0;
            }
            double ours = fl / median(t, n) * 1e-6, theirs = fl / median(to, n) * 1e-6;
            printf("%s_openblas_%s_gflops %.1f GFLOP/s\n", k->name, names[s], theirs);
            printf("%s_matmul_%s_vs_openblas %.2f x\n", k->name, names[s], ours / theirs);
        }
        free(x); free(wt); free(y); free(dx); free(dw);
    }
}

/* The peak resident set of this process so far, MB. */
static double peak_rss_mb(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024.0;
}

/* One model's figures (bench --child NAME, a process of its own, so that
   its peak RSS is the model's alone): a training step and its parts with
   a model made with LD_TRAIN, and its memory; then, with a one-row model
   made with LD_TRAIN | LD_JVP, the dynamics of one probe beside a forward
   and backward of the same sequence. Returns 0, or 1 on a failure. */
static int bench_model(const config_t *k) {
    ld_config cfg = k->c;
    int B = k->B, T = k->T, n = n_iters(k), w = n_warm(k);
    ld_model m;
    if (ld_model_init(&m, &cfg, B, T, LD_TRAIN, 1)) { printf("# %s: %s\n", k->name, ld_failure_reason()); return 1; }
    ld_optim opt;
    ld_optim_config oc = {0};
    if (ld_optim_init(&opt, &m, &oc)) { printf("# %s: %s\n", k->name, ld_failure_reason()); ld_model_free(&m); return 1; }
    int V = m.cfg.vocab_size;
    size_t P = m.P, model_bytes = m.bytes, opt_bytes = 3 * sizeof(ld_float) * P;
    int *tok = (int *)malloc(sizeof(int) * B * T);
    ld_seq *s = (ld_seq *)malloc(sizeof(ld_seq) * B);
    ld_rng r;
    ld_rng_seed(&r, 3);
    for (int i = 0; i < B * T; i++) tok[i] = (int)(ld_rng_u32(&r) % (uint32_t)(V - 1));
    for (int b = 0; b < B; b++) { s[b].tokens = tok + b * T; s[b].len = T; s[b].prompt_len = 1; }
    double *ts = (double *)malloc(sizeof(double) * n), *tf = (double *)malloc(sizeof(double) * n);
    double *tb = (double *)malloc(sizeof(double) * n), *to = (double *)malloc(sizeof(double) * n);
    int bad = 0;
    double loss0 = 0;
    for (int i = 0; i < n + w && !bad; i++) {
        double t0 = now_ms();
        bad |= ld_forward(&m, s, B) != LD_OK;
        double t1 = now_ms();
        double loss = ld_sft_loss(&m, LD_NORM_TOKEN_MEAN);   /* mean over the B·(T−1) next tokens */
        bad |= !isfinite(loss);
        if (i == 0) loss0 = loss;
        ld_zero_grad(&m);
        double t2 = now_ms();
        bad |= ld_backward(&m) != LD_OK;
        double t3 = now_ms();
        bad |= ld_optim_step(&opt, &m, 1e-4) != LD_OK;
        double t4 = now_ms();
        if (i >= w) { ts[i - w] = t4 - t0; tf[i - w] = t1 - t0; tb[i - w] = t3 - t2; to[i - w] = t4 - t3; }
    }
    double rss_train = peak_rss_mb();
    ld_optim_free(&opt);
    ld_model_free(&m);
    if (bad) { printf("# %s: %s\n", k->name, ld_failure_reason()); free(tok); free(s); free(ts); free(tf); free(tb); free(to); return 1; }
    double step = median(ts, n), fwd = median(tf, n), bwd = median(tb, n), opt_ms = median(to, n);
    double fl = forward_flops(k);
    printf("%s_params %zu\n", k->name, P);
    printf("%s_first_loss %.4f  (ln V = %.4f)\n", k->name, loss0, log((double)V));
    printf("%s_step_ms %.2f ms  (forward + loss + backward + AdamW, B=%d T=%d)\n", k->name, step, B, T);
    printf("%s_forward_ms %.2f ms\n", k->name, fwd);
    printf("%s_backward_ms %.2f ms\n", k->name, bwd);
    printf("%s_adamw_ms %.2f ms\n", k->name, opt_ms);
    printf("%s_train_tokens_per_s %.0f tok/s\n", k->name, B * T / step * 1e3);
    printf("%s_train_gflops %.1f GFLOP/s  (3 × forward FLOPs per step)\n", k->name, 3 * fl / step * 1e-6);
    printf("%s_model_bytes %.1f MB  (ld_model_memory_size, LD_TRAIN: θ, g, activations)\n", k->name, model_bytes / 1e6);
    printf("%s_optimizer_bytes %.1f MB  (AdamW: m, v, Δθ)\n", k->name, opt_bytes / 1e6);
    printf("%s_train_bytes %.1f MB  (the two together)\n", k->name, (model_bytes + opt_bytes) / 1e6);
    printf("%s_peak_rss_train %.1f MB  (max RSS of this process after the training steps)\n", k->name, rss_train);
    if (k->fit_gb > 0)
        printf("%s_fits_%dgb %s  (training at B=%d T=%d: peak RSS %.2f GB, allocated %.2f GB)\n", k->name, k->fit_gb,
               rss_train * 1024 * 1024 <= k->fit_gb * 1e9 && model_bytes + opt_bytes <= k->fit_gb * 1e9 ? "yes" : "no",
               B, T, rss_train * 1024 * 1024 / 1e9, (model_bytes + opt_bytes) / 1e9);

    /* greedy decoding (the small models): B prompts of T/8 to T/8 + 3 tokens,
       T/2 new tokens each, the B rows together in one ld_generate and, side
       by side, one row per call */
    if (!k->large) {
        if (ld_model_init(&m, &cfg, B, T, 0, 1)) { printf("# %s: %s\n", k->name, ld_failure_reason()); bad = 1; }
        int *out = (int *)malloc(sizeof(int) * B * T), *olen = (int *)malloc(sizeof(int) * B), nt = 0;
        ld_seq *ps = (ld_seq *)malloc(sizeof(ld_seq) * B);
        ld_sample_opts so = {0};
        so.no_stop = 1;
        for (int b = 0; b < B; b++) { ps[b].tokens = tok + b * T; ps[b].len = ps[b].prompt_len = T / 8 + b % 4; }
        int ng = n < 5 ? n : 5;   /* a decode of every row one at a time is slow: at most 5 runs after 1 */
        double *tg = (double *)malloc(sizeof(double) * ng), *t1 = (double *)malloc(sizeof(double) * ng);
        for (int i = 0; i < ng + 1 && !bad; i++) {
            double t0 = now_ms();
            bad |= ld_generate(&m, ps, B, T / 2, &so, NULL, out, olen) != LD_OK;
            double ta = now_ms();
            nt = 0;
            for (int b = 0; b < B; b++) nt += olen[b] - ps[b].len;
            for (int b = 0; b < B && !bad; b++) bad |= ld_generate(&m, &ps[b], 1, T / 2, &so, NULL, out, olen) != LD_OK;
            double tb2 = now_ms();
            if (i >= 1) { tg[i - 1] = ta - t0; t1[i - 1] = tb2 - ta; }
        }
        if (bad) printf("# %s: %s\n", k->name, ld_failure_reason());
        else {
            double together = median(tg, ng), alone = median(t1, ng);
            printf("%s_generate_us_per_token %.1f us  (greedy, %d rows together, %d new tokens each; median of %d)\n", k->name,
                   1e3 * together / nt, B, T / 2, ng);
            printf("%s_generate_one_row_us_per_token %.1f us  (the same rows, one per ld_generate call)\n", k->name, 1e3 * alone / nt);
            printf("%s_generate_rows_together_speedup %.2f x\n", k->name, alone / together);
        }
        free(out); free(olen); free(ps); free(tg); free(t1);
        ld_model_free(&m);
    }

    /* the dynamics per probe: one sequence of length T */
    if (ld_model_init(&m, &cfg, 1, T, LD_TRAIN | LD_JVP, 1)) { printf("# %s: %s\n", k->name, ld_failure_reason()); bad = 1; }
    ld_float *g = bad ? NULL : (ld_float *)malloc(sizeof(ld_float) * P);
    double *dl = (double *)malloc(sizeof(double) * (size_t)T * cfg.vocab_size);   /* (T, V) Δ log π of every token */
    bad |= !dl;
    double *tp = (double *)malloc(sizeof(double) * n), *tj = (double *)malloc(sizeof(double) * n);
    double *t1s = (double *)malloc(sizeof(double) * n), *tq = (double *)malloc(sizeof(double) * n);
    for (int i = 0; i < n + w && !bad; i++) {
        double t0 = now_ms();
        bad |= ld_forward(&m, s, 1) != LD_OK;
        bad |= !isfinite(ld_sft_loss(&m, LD_NORM_SEQ_SUM));
        ld_zero_grad(&m);
        bad |= ld_backward(&m) != LD_OK;
        double t1 = now_ms();
        bad |= ld_dyn_seq_grad(&m, s, g, NULL) != LD_OK;            /* ∇θ log π of a probe */
        double t2 = now_ms();
        bad |= ld_forward(&m, s, 1) != LD_OK;
        double t3 = now_ms();
        bad |= ld_jvp(&m, g) != LD_OK;                              /* J·v, v = that gradient */
        double t4 = now_ms();
        bad |= ld_dyn_predict(&m, s, g, dl, NULL) != LD_OK;         /* forward + JVP: Δ log π of every token */
        double t5 = now_ms();
        if (i >= w) { t1s[i - w] = t1 - t0; tp[i - w] = t2 - t1; tj[i - w] = t4 - t3; tq[i - w] = t5 - t4; }
    }
    if (bad) printf("# %s: %s\n", k->name, ld_failure_reason());
    else {
        double one = median(t1s, n), pg = median(tp, n), pj = median(tj, n), pq = median(tq, n);
        printf("%s_dyn_model_bytes %.1f MB  (ld_model_memory_size, one row, LD_TRAIN | LD_JVP)\n", k->name, m.bytes / 1e6);
        printf("%s_fwd_bwd_one_seq_ms %.2f ms  (forward + loss + backward of one sequence of %d tokens)\n", k->name, one, T);
        printf("%s_dyn_probe_grad_ms %.2f ms  (ld_dyn_seq_grad: ∇θ log π of one probe)\n", k->name, pg);
        printf("%s_dyn_probe_grad_over_fwd_bwd %.2f x\n", k->name, pg / one);
        printf("%s_dyn_jvp_ms %.2f ms  (ld_jvp after a forward: J·v of every logit)\n", k->name, pj);
        printf("%s_dyn_jvp_over_fwd_bwd %.2f x\n", k->name, pj / one);
        printf("%s_dyn_predict_ms %.2f ms  (ld_dyn_predict: forward + JVP, Δ log π of every token)\n", k->name, pq);
        printf("%s_dyn_predict_over_fwd_bwd %.2f x\n", k->name, pq / one);
        printf("%s_peak_rss %.1f MB  (max RSS of this process: training, then the dynamics)\n", k->name, peak_rss_mb());
    }
    free(g); free(dl); free(tp); free(tj); free(t1s); free(tq);
    free(tok); free(s); free(ts); free(tf); free(tb); free(to);
    ld_model_free(&m);
    return bad;
}

/* Bytes of memory available now (MemAvailable of /proc/meminfo), or 0 if
   unknown. */
static double mem_available(void) {
    FILE *f = fopen("/proc/meminfo", "r");
    char line[256];
    double kb = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "MemAvailable: %lf kB", &kb) == 1) break;
    if (f) fclose(f);
    return kb * 1024;
}

/* The value of the line "<prefix><key> <value>" into *v, if line is it. */
static void take(const char *line, const char *prefix, const char *key, double *v) {
    size_t np = strlen(prefix), nk = strlen(key);
    if (strncmp(line, prefix, np) || strncmp(line + np, key, nk) || line[np + nk] != ' ') return;
    sscanf(line + np + nk, "%lf", v);
}

/* What the parent reads back from a model's two processes. */
typedef struct { double params, step, rss, fwd_bwd; } figures_t;

/* Runs cmd and passes on its lines, each with `prefix` put before it;
   fills f from the lines "<key> value" with key = name_… (ours, prefix
   "") or torch_… (prefix "name_"). Returns the exit status. */
static int run_side(const char *cmd, const char *prefix, const char *key_prefix, figures_t *f) {
    FILE *p = popen(cmd, "r");
    if (!p) return -1;
    char line[512];
    while (fgets(line, sizeof line, p)) {
        printf("%s%s", line[0] == '#' ? "" : prefix, line);
        fflush(stdout);
        take(line, key_prefix, "params", &f->params);
        take(line, key_prefix, "step_ms", &f->step);
        take(line, key_prefix, "peak_rss_train", &f->rss);
        take(line, key_prefix, "fwd_bwd_one_seq_ms", &f->fwd_bwd);
        if (strstr(line, "# torch_blas") && strstr(line, "the reference BLAS"))
            printf("# WARNING: PyTorch's matmuls run on the reference BLAS (install libopenblas0): its times say little\n");
    }
    return pclose(p);
}

/* Runs tools/bench_torch.py for one config in its own process. */
static int torch_side(const config_t *k, int threads, figures_t *f) {
    ld_config c = ld_config_resolve(&k->c);
    const char *fam = c.family == LD_FAMILY_LLAMA ? "llama" : c.family == LD_FAMILY_GPT_NEOX ? "gpt_neox" : "gpt2";
    char cmd[1024], prefix[64], key[64];
    snprintf(cmd, sizeof cmd,
             "env -u OPENBLAS_CORETYPE OPENBLAS_NUM_THREADS=%d OMP_NUM_THREADS=%d /usr/bin/python3 tools/bench_torch.py "
             "--family %s --layers %d --channels %d --heads %d --kv-heads %d --head-dim %d --intermediate %d "
             "--context %d --vocab %d --batch %d --untied %d --rotary-pct %g --rope-theta %g --eps %g --parallel %d "
             "--iters %d --warmup %d --threads %d 2>/dev/null",
             threads, threads, fam, c.n_layer, c.n_embd, c.n_head, c.n_kv_head, c.head_dim, c.intermediate, k->T, c.vocab_size,
             k->B, c.untied_head, ld__rotary_dims(&c) ? c.rotary_pct : 0.0, c.rope_theta, c.ln_eps,
             c.residual == LD_PARALLEL, n_iters(k), n_warm(k), threads);
    snprintf(prefix, sizeof prefix, "%s_", k->name);
    snprintf(key, sizeof key, "torch_");
    return run_side(cmd, prefix, key, f);
}

/* One config: ours in a process of its own (this program, --child), the
   matmuls at its shapes, PyTorch in its own process, and the comparison. */
static void bench_config(const config_t *k, const char *self, int have_torch, int threads) {
    ld_config c = ld_config_resolve(&k->c);
    printf("# %s: %s; L=%d C=%d NH=%d NKV=%d HS=%d I=%d V=%d, B=%d T=%d; %d timed iterations after %d warm-up%s%s\n",
           k->name, k->what, c.n_layer, c.n_embd, c.n_head, c.n_kv_head, c.head_dim, c.intermediate, c.vocab_size,
           k->B, k->T, n_iters(k), n_warm(k), n_warm(k) > 1 ? "s" : "", k->large && iters > 3 ? " (a large model: --iters capped at 3)" : "");
    fflush(stdout);
    size_t need = ld_model_memory_size(&k->c, k->B, k->T, LD_TRAIN) + 3 * sizeof(ld_float) * ld_param_count(&k->c);
    double avail = mem_available();
    if (avail > 0 && need > avail) {
        printf("# %s: skipped: training needs %.2f GB, %.2f GB of memory is available\n", k->name, need / 1e9, avail / 1e9);
        return;
    }
    char cmd[1024], key[64];
    snprintf(cmd, sizeof cmd, "'%s' --child %s --iters %d", self, k->name, iters);
    snprintf(key, sizeof key, "%s_", k->name);
    figures_t ours = { 0, 0, 0, 0 }, theirs = { 0, 0, 0, 0 };
    if (run_side(cmd, "", key, &ours)) printf("# %s: the benchmark's own process failed\n", k->name);
    bench_matmul(k);
    if (!have_torch) return;
    if (torch_side(k, threads, &theirs)) printf("# %s: tools/bench_torch.py failed\n", k->name);
    if (ours.params > 0 && theirs.params > 0 && ours.params != theirs.params)
        printf("# %s: WARNING: parameter counts differ (ours %.0f, torch %.0f): not the same model\n", k->name, ours.params, theirs.params);
    if (theirs.step > 0 && ours.step > 0)
        printf("%s_speedup_vs_torch %.2f x  (torch step %.2f ms / ours %.2f ms)\n", k->name, theirs.step / ours.step, theirs.step, ours.step);
    if (theirs.fwd_bwd > 0 && ours.fwd_bwd > 0)
        printf("%s_fwd_bwd_one_seq_speedup_vs_torch %.2f x  (torch %.2f ms / ours %.2f ms)\n", k->name,
               theirs.fwd_bwd / ours.fwd_bwd, theirs.fwd_bwd, ours.fwd_bwd);
    if (theirs.rss > 0 && ours.rss > 0)
        printf("%s_peak_rss_train_vs_torch %.2f x  (ours %.1f MB / torch %.1f MB, each its own process)\n", k->name,
               ours.rss / theirs.rss, ours.rss, theirs.rss);
}

/* ---- the tokenizer ---- */

/* Deterministic English-like text: sentences of common words with
   contractions, numbers, punctuation, quotes and paragraphs, and now and
   then a word from another language. About n bytes. */
static char *english(size_t n, size_t *len) {
    static const char *const w[] = {
        "the", "of", "and", "to", "a", "in", "is", "it", "you", "that", "he", "was", "for", "on", "are", "with",
        "as", "I", "his", "they", "be", "at", "one", "have", "this", "from", "or", "had", "by", "not", "word",
        "but", "what", "some", "we", "can", "out", "other", "were", "all", "there", "when", "up", "use", "your",
        "how", "said", "an", "each", "she", "which", "do", "their", "time", "if", "will", "way", "about", "many",
        "then", "them", "write", "would", "like", "so", "these", "her", "long", "make", "thing", "see", "him",
        "two", "has", "look", "more", "day", "could", "go", "come", "did", "number", "sound", "no", "most",
        "people", "my", "over", "know", "water", "than", "call", "first", "who", "may", "down", "side", "been",
        "now", "find", "model", "learning", "dynamics", "probability", "response", "gradient", "preference",
        "training", "squeezing", "hallucination", "finetuning", "tokenizer", "language", "understanding",
        "don't", "it's", "we're", "they've", "I'm", "she'll", "he'd", "isn't", "couldn't", "can't",
        "café", "naïve", "résumé", "Zürich", "São", "Paulo", "Москва", "東京", "北京", "😀", "—", "…",
    };
    const int nw = (int)(sizeof w / sizeof w[0]);
    char *t = (char *)malloc(n + 256);
    size_t k = 0;
    ld_rng r;
    ld_rng_seed(&r, 2026);
    int start = 1;
    while (k < n) {
        uint32_t x = ld_rng_u32(&r);
        const char *word = w[x % (uint32_t)nw];
        if (x % 97 == 0) { k += (size_t)sprintf(t + k, "%u", ld_rng_u32(&r) % 100000); }
        else {
            size_t l = strlen(word);
            memcpy(t + k, word, l);
            if (start && word[0] >= 'a' && word[0] <= 'z') t[k] = (char)(word[0] - 32);
            k += l;
        }
        start = 0;
        uint32_t y = ld_rng_u32(&r) % 100;
        if (y < 8) { t[k++] = '.'; start = 1; }
        else if (y < 12) t[k++] = ',';
        else if (y == 12) { t[k++] = '?'; start = 1; }
        else if (y == 13) { memcpy(t + k, ": \"", 3); k += 3; continue; }
        else if (y == 14) t[k++] = '"';
        if (start && ld_rng_u32(&r) % 12 == 0) { memcpy(t + k, "\n\n", 2); k += 2; continue; }
        t[k++] = ' ';
    }
    t[k] = 0;
    *len = k;
    return t;
}

static void bench_tokenizer(void) {
    static const struct { const char *name, *file; } tf[] = {
        { "gpt2", "../shared/fixtures/tiny-gpt2/tokenizer.json" },
        { "pythia", "../shared/fixtures/tokenizers/gpt-neox-20b.json" },
        { "smollm2", "../shared/fixtures/tokenizers/smollm2-135m.json" },
    };
    size_t tn;
    char *text = english((size_t)4 << 20, &tn);
    char tpath[] = "/tmp/ld_bench_text_XXXXXX";
    int fd = mkstemp(tpath);
    FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (f) { fwrite(text, 1, tn, f); fclose(f); }
    int have_node = f && system("node -e \"require(process.env.LD_TOKENIZERS_JS || '@anush008/tokenizers')\" >/dev/null 2>&1") == 0;
    printf("# tokenizer: %.2f MB of generated English text, one thread; Hugging Face tokenizers: %s\n", tn / 1e6,
           have_node ? "found (node, NODE_PATH): side by side" : "not found (install @anush008/tokenizers, set NODE_PATH)");
    int runs = iters < 5 ? iters : 5;
    for (int k = 0; k < 3; k++) {
        size_t jn;
        char *json;
        if (ld__read_file(tf[k].file, (size_t)1 << 30, &json, &jn)) { printf("# tokenizer %s: skipped: %s is absent\n", tf[k].name, tf[k].file); continue; }
        double lt[20], et[20];
        ld_tokenizer *t = NULL;
        for (int i = 0; i < runs; i++) {
            double t0 = now_ms();
            if (ld_tokenizer_parse(&t, json, jn)) { printf("# %s: %s\n", tf[k].name, ld_failure_reason()); break; }
            lt[i] = now_ms() - t0;
            if (i + 1 < runs) ld_tokenizer_free(t);
        }
        if (!t) { free(json); continue; }
        /* two ways: the whole text as one string, and paragraph by paragraph
           (each up to and with its "\n\n": a dataset's rows) */
        int cap = (int)tn + 16, n = 0, np = 0;
        int *ids = (int *)malloc(sizeof(int) * (size_t)cap);
        uint32_t h = 0, hp = 0;
        double pt[20];
        for (int i = 0; i < runs; i++) {
            double t0 = now_ms();
            ld_tokenizer_encode(t, text, (long)tn, 0, ids, cap, &n);
            et[i] = now_ms() - t0;
        }
        for (int i = 0; i < n; i++) h = h * 31u + (uint32_t)ids[i];
        for (int r = 0; r < runs; r++) {
            double t0 = now_ms();
            np = 0;
            for (size_t a = 0; a < tn;) {
                const char *e = strstr(text + a, "\n\n");
                size_t b = e ? (size_t)(e - text) + 2 : tn;
                int k = 0;
                ld_tokenizer_encode(t, text + a, (long)(b - a), 0, ids + np, cap - np, &k);
                np += k;
                a = b;
            }
            pt[r] = now_ms() - t0;
        }
        for (int i = 0; i < np; i++) hp = hp * 31u + (uint32_t)ids[i];
        double load = median(lt, runs), enc = median(et, runs), par = median(pt, runs);
        printf("tok_%s_load %.1f ms  (%d tokens, %.1f MB of JSON, from memory)\n", tf[k].name, load, ld_tokenizer_vocab_size(t), jn / 1e6);
        printf("tok_%s_encode %.1f MB/s  (paragraphs, one call each: %d ids, %.0f ms)\n", tf[k].name, tn / 1e6 / (par / 1e3), np, par);
        printf("tok_%s_encode_whole %.1f MB/s  (the text as one string: %d ids, %.0f ms)\n", tf[k].name, tn / 1e6 / (enc / 1e3), n, enc);
        if (have_node) {
            char cmd[1024];
            snprintf(cmd, sizeof cmd, "RAYON_NUM_THREADS=1 TOKENIZERS_PARALLELISM=false node tools/bench_tokenizers.js %s %s %d", tf[k].file, tpath, runs);
            FILE *p = popen(cmd, "r");
            double hl = 0, he = 0, hpar = 0;
            unsigned long hn = 0, hh = 0, hpn = 0, hph = 0;
            char line[256];
            while (p && fgets(line, sizeof line, p)) {
                sscanf(line, "hf_load_ms %lf", &hl);
                sscanf(line, "hf_encode_ms %lf", &he);
                sscanf(line, "hf_ids %lu %lu", &hn, &hh);
                sscanf(line, "hf_paragraphs_ms %lf", &hpar);
                sscanf(line, "hf_paragraph_ids %lu %lu", &hpn, &hph);
            }
            if (p) pclose(p);
            if (he > 0 && hpar > 0) {
                printf("tok_%s_hf_load %.1f ms\n", tf[k].name, hl);
                printf("tok_%s_hf_encode %.1f MB/s  (paragraphs, one encodeBatch: %lu ids, %.0f ms; the same ids: %s)\n", tf[k].name,
                       tn / 1e6 / (hpar / 1e3), hpn, hpar, hpn == (unsigned long)np && hph == hp ? "yes" : "NO");
                printf("tok_%s_hf_encode_whole %.1f MB/s  (one string: %lu ids, %.0f ms; the same ids: %s)\n", tf[k].name,
                       tn / 1e6 / (he / 1e3), hn, he, hn == (unsigned long)n && hh == h ? "yes" : "NO");
                printf("tok_%s_speedup_vs_hf %.2f x encode (paragraphs), %.2f x (whole), %.2f x load\n", tf[k].name, hpar / par, he / enc, hl / load);
            }
        }
        free(ids);
        ld_tokenizer_free(t);
        free(json);
    }
    if (f) remove(tpath);
    free(text);
}

int main(int argc, char **argv) {
    const char *which = "all", *child = NULL;
    int use_torch = 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--iters") && i + 1 < argc) iters = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--config") && i + 1 < argc) which = argv[++i];
        else if (!strcmp(argv[i], "--no-torch")) use_torch = 0;
        else if (!strcmp(argv[i], "--child") && i + 1 < argc) child = argv[++i];
        else {
            fprintf(stderr, "usage: bench [--iters N] [--config demo|gpt2|smollm2|pythia160m|pythia410m|families|tokenizer|all] [--no-torch]\n");
            return 2;
        }
    }
    if (iters < 1) iters = 1;
    config_t cfgs[5];
    int nc = make_configs(cfgs);
    if (child) {   /* one model's figures, in this process alone */
        for (int k = 0; k < nc; k++)
            if (!strcmp(child, cfgs[k].name)) return bench_model(&cfgs[k]);
        fprintf(stderr, "bench: no config %s\n", child);
        return 2;
    }
    /* this program, to run each model in a process of its own */
    char self[900];
    ssize_t ns = readlink("/proc/self/exe", self, sizeof self - 1);
    if (ns > 0) self[ns] = 0;
    else snprintf(self, sizeof self, "%s", argv[0]);
    int threads = 1;
#ifdef _OPENMP
    threads = omp_get_max_threads();
#endif
    printf("# ld_llm bench: %d threads, %s, %d iterations (medians after 3 warm-ups; large models: at most 3 after 1)\n",
           threads, sizeof(ld_float) == 8 ? "double" : "float", iters);
    printf("# micro-kernel: %d x %d tile, %d-byte vectors\n", LD__MR, LD__NR, LD__VL * (int)sizeof(ld_float));
    printf("# each model runs in a process of its own, ours and PyTorch's: each peak RSS is that model's alone\n");
    int have_torch = use_torch && system("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1") == 0;
    printf("# torch: %s\n", have_torch ? "found (Debian python3-torch): side by side" : "not found (apt-get install python3-torch to compare)");
    load_openblas(threads);
    fflush(stdout);
    for (int k = 0; k < nc; k++) {
        int fam = cfgs[k].c.family != 0 && cfgs[k].c.family != LD_FAMILY_GPT2 && cfgs[k].fit_gb == 0;
        if (strcmp(which, "all") && strcmp(which, cfgs[k].name) && !(fam && !strcmp(which, "families"))) continue;
        bench_config(&cfgs[k], self, have_torch, threads);
    }
    if (!strcmp(which, "all") || !strcmp(which, "tokenizer")) bench_tokenizer();
    printf("peak_rss %.1f MB  (this process: the matmuls and the tokenizer)\n", peak_rss_mb());
    return 0;
}
