/* bench: speed of ld_llm.h, one figure per line as "name value unit".
   For each configuration: a full training step (forward, SFT loss,
   backward, AdamW), the forward and the backward alone, tokens per second,
   achieved GFLOP/s, the matmuls at the model's shapes (ours, the naive
   reference, and OpenBLAS's sgemm when libopenblas is installed: loaded at
   run time, never linked), memory, and the cost of the dynamics per probe.
   Medians of --iters runs after 3 warm-ups; CLOCK_MONOTONIC.
   With Debian's python3-torch installed, tools/bench_torch.py runs the same
   model in PyTorch on the same CPU with the same thread count, side by side,
   and the ratio is printed as speedup_vs_torch.

   The tokenizer: encode throughput (MB/s, one thread) on a few MB of
   generated English text, and the time to load a tokenizer.json of 50 000
   tokens, for GPT-2's, Pythia's and SmolLM2's files when ../shared/fixtures
   is there; beside Hugging Face tokenizers on the same file and text when
   node and its package are found (tools/bench_tokenizers.js, NODE_PATH).

   Usage: bench [--iters N] [--config demo|gpt2|tokenizer|all] [--no-torch] */
#define _POSIX_C_SOURCE 200809L
#define LD_LLM_IMPLEMENTATION
#include "../ld_llm.h"
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "timing.h"

typedef struct {
    const char *name;
    int L, C, NH, T, V, B;
} config_t;

static int iters = 20;

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

/* Floating-point operations of one forward pass (matmuls and attention). */
static double forward_flops(const config_t *c) {
    double N = (double)c->B * c->T, C = c->C;
    double mm = 2 * N * (3 * C * C + C * C + 4 * C * C + 4 * C * C) * c->L + 2 * N * C * c->V;
    double att = (double)c->L * c->B * c->NH * (c->T * (c->T + 1) / 2.0) * (C / c->NH) * 2 * 2;
    return mm + att;
}

static void bench_matmul(const config_t *c) {
    int N = c->B * c->T, C = c->C;
    int shapes[5][2] = { { C, 3 * C }, { C, C }, { C, 4 * C }, { 4 * C, C }, { C, c->V } };
    const char *names[5] = { "qkv", "attproj", "fc", "fcproj", "head" };
    for (int s = 0; s < 5; s++) {
        int K = shapes[s][0], OC = shapes[s][1];
        float *x = (float *)malloc(sizeof(float) * N * K), *w = (float *)malloc(sizeof(float) * OC * K);
        float *y = (float *)malloc(sizeof(float) * N * OC), *dx = (float *)malloc(sizeof(float) * N * K);
        float *dw = (float *)malloc(sizeof(float) * OC * K);
        for (int i = 0; i < N * K; i++) x[i] = (float)((i * 7 % 13) - 6) * 0.1f;
        for (int i = 0; i < OC * K; i++) w[i] = (float)((i * 5 % 11) - 5) * 0.1f;
        double fl = 2.0 * N * K * OC, t[64], tb[64], tr[64], to[64];
        int n = iters < 64 ? iters : 64;
        for (int i = 0; i < n + 3; i++) {
            double t0 = now_ms();
            ld_matmul_forward(y, x, w, NULL, N, K, OC);
            double t1 = now_ms();
            memset(dx, 0, sizeof(float) * N * K);
            memset(dw, 0, sizeof(float) * OC * K);
            double t2 = now_ms();
            ld_matmul_backward(dx, dw, NULL, y, x, w, N, K, OC);
            double t3 = now_ms();
            if (i >= 3) { t[i - 3] = t1 - t0; tb[i - 3] = t3 - t2; }
        }
        printf("%s_matmul_%s_fwd_gflops %.1f GFLOP/s  (N=%d K=%d OC=%d)\n", c->name, names[s], fl / median(t, n) * 1e-6, N, K, OC);
        printf("%s_matmul_%s_bwd_gflops %.1f GFLOP/s\n", c->name, names[s], 2 * fl / median(tb, n) * 1e-6);
        if (s == 2) {
            int nr = 3;
            for (int i = 0; i < nr; i++) {
                double t0 = now_ms();
                ld_matmul_forward_ref(y, x, w, NULL, N, K, OC);
                tr[i] = now_ms() - t0;
            }
            printf("%s_matmul_%s_naive_gflops %.2f GFLOP/s  (the reference triple loop)\n", c->name, names[s], fl / median(tr, nr) * 1e-6);
        }
        if (blas_sgemm) {
            for (int i = 0; i < n + 3; i++) {
                double t0 = now_ms();
                /* y (N,OC) = x (N,K) · wᵀ: row-major 101, no-trans 111, trans 112 */
                blas_sgemm(101, 111, 112, N, OC, K, 1.0f, x, K, w, K, 0.0f, y, OC);
                if (i >= 3) to[i - 3] = now_ms() - t0;
            }
            double ours = fl / median(t, n) * 1e-6, theirs = fl / median(to, n) * 1e-6;
            printf("%s_openblas_%s_gflops %.1f GFLOP/s\n", c->name, names[s], theirs);
            printf("%s_matmul_%s_vs_openblas %.2f x\n", c->name, names[s], ours / theirs);
        }
        free(x); free(w); free(y); free(dx); free(dw);
    }
}

/* Times a full training step and its parts; returns the step's median ms. */
static double bench_model(const config_t *c) {
    ld_config cfg = {0};
    cfg.n_layer = c->L; cfg.n_embd = c->C; cfg.n_head = c->NH; cfg.context = c->T; cfg.vocab_size = c->V;
    ld_model m;
    if (ld_model_init(&m, &cfg, c->B, c->T, LD_TRAIN | LD_JVP, 1)) { printf("# %s: %s\n", c->name, ld_failure_reason()); return 0; }
    ld_optim opt;
    ld_optim_config oc = {0};
    ld_optim_init(&opt, &m, &oc);
    int *tok = (int *)malloc(sizeof(int) * c->B * c->T);
    ld_seq *s = (ld_seq *)malloc(sizeof(ld_seq) * c->B);
    ld_rng r;
    ld_rng_seed(&r, 3);
    for (int i = 0; i < c->B * c->T; i++) tok[i] = (int)(ld_rng_u32(&r) % (uint32_t)(c->V - 1));
    for (int b = 0; b < c->B; b++) { s[b].tokens = tok + b * c->T; s[b].len = c->T; s[b].prompt_len = 1; }
    int n = iters;
    double *ts = (double *)malloc(sizeof(double) * n), *tf = (double *)malloc(sizeof(double) * n);
    double *tb = (double *)malloc(sizeof(double) * n), *to = (double *)malloc(sizeof(double) * n);
    for (int i = 0; i < n + 3; i++) {
        double t0 = now_ms();
        ld_forward(&m, s, c->B);
        double t1 = now_ms();
        ld_sft_loss(&m, LD_NORM_TOKEN_MEAN);
        ld_zero_grad(&m);
        double t2 = now_ms();
        ld_backward(&m);
        double t3 = now_ms();
        ld_optim_step(&opt, &m, 1e-4);
        double t4 = now_ms();
        if (i >= 3) { ts[i - 3] = t4 - t0; tf[i - 3] = t1 - t0; tb[i - 3] = t3 - t2; to[i - 3] = t4 - t3; }
    }
    double step = median(ts, n), fwd = median(tf, n), bwd = median(tb, n), opt_ms = median(to, n);
    double fl = forward_flops(c);
    printf("%s_params %zu\n", c->name, m.P);
    printf("%s_step_ms %.2f ms  (forward + loss + backward + AdamW, B=%d T=%d)\n", c->name, step, c->B, c->T);
    printf("%s_forward_ms %.2f ms\n", c->name, fwd);
    printf("%s_backward_ms %.2f ms\n", c->name, bwd);
    printf("%s_adamw_ms %.2f ms\n", c->name, opt_ms);
    printf("%s_train_tokens_per_s %.0f tok/s\n", c->name, c->B * c->T / step * 1e3);
    printf("%s_train_gflops %.1f GFLOP/s  (3 × forward FLOPs per step)\n", c->name, 3 * fl / step * 1e-6);
    printf("%s_model_bytes %.1f MB  (θ, g, activations, JVP buffers)\n", c->name, m.bytes / 1e6);
    printf("%s_optimizer_bytes %.1f MB\n", c->name, 3.0 * sizeof(ld_float) * m.P / 1e6);

    /* the dynamics per probe: one sequence of length T */
    ld_float *g = (ld_float *)malloc(sizeof(ld_float) * m.P);
    double *tp = (double *)malloc(sizeof(double) * n), *tj = (double *)malloc(sizeof(double) * n);
    double *t1s = (double *)malloc(sizeof(double) * n);
    for (int i = 0; i < n + 3; i++) {
        double t0 = now_ms();
        ld_forward(&m, s, 1);
        ld_sft_loss(&m, LD_NORM_SEQ_SUM);
        ld_zero_grad(&m);
        ld_backward(&m);
        double t1 = now_ms();
        ld_dyn_seq_grad(&m, s, g, NULL);                 /* ∇θ log π of a probe */
        double t2 = now_ms();
        ld_dyn_predict(&m, s, opt.delta, NULL, NULL);    /* forward + JVP: Δ log π of every token */
        double t3 = now_ms();
        if (i >= 3) { t1s[i - 3] = t1 - t0; tp[i - 3] = t2 - t1; tj[i - 3] = t3 - t2; }
    }
    double one = median(t1s, n), pg = median(tp, n), pj = median(tj, n);
    printf("%s_fwd_bwd_one_seq_ms %.3f ms  (one sequence of %d tokens)\n", c->name, one, c->T);
    printf("%s_dyn_probe_grad_ms %.3f ms  (∇θ log π of one probe: forward + backward)\n", c->name, pg);
    printf("%s_dyn_probe_grad_over_fwd_bwd %.2f x\n", c->name, pg / one);
    printf("%s_dyn_probe_jvp_ms %.3f ms  (Δ log π of every token: forward + JVP)\n", c->name, pj);
    printf("%s_dyn_probe_jvp_over_fwd_bwd %.2f x\n", c->name, pj / one);
    free(g); free(tp); free(tj); free(t1s);
    free(tok); free(s); free(ts); free(tf); free(tb); free(to);
    ld_optim_free(&opt);
    ld_model_free(&m);
    return step;
}

/* Runs tools/bench_torch.py for one config; returns its median step ms, or 0. */
static double torch_step(const config_t *c, int threads) {
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "env -u OPENBLAS_CORETYPE OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=%d /usr/bin/python3 tools/bench_torch.py "
             "--layers %d --channels %d --heads %d --context %d --vocab %d --batch %d --iters %d --threads %d 2>/dev/null",
             threads, c->L, c->C, c->NH, c->T, c->V, c->B, iters, threads);
    FILE *p = popen(cmd, "r");
    if (!p) return 0;
    char line[256];
    double step = 0;
    while (fgets(line, sizeof line, p)) {
        double v;
        if (sscanf(line, "torch_step_ms %lf", &v) == 1) step = v;
        printf("%s_%s", c->name, line);
    }
    pclose(p);
    return step;
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
    const char *which = "all";
    int use_torch = 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--iters") && i + 1 < argc) iters = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--config") && i + 1 < argc) which = argv[++i];
        else if (!strcmp(argv[i], "--no-torch")) use_torch = 0;
        else { fprintf(stderr, "usage: bench [--iters N] [--config demo|gpt2|tokenizer|all] [--no-torch]\n"); return 2; }
    }
    if (iters < 1) iters = 1;
    int threads = 1;
#ifdef _OPENMP
    threads = omp_get_max_threads();
#endif
    printf("# ld_llm bench: %d threads, %s, %d iterations (medians after 3 warm-ups)\n", threads,
           sizeof(ld_float) == 8 ? "double" : "float", iters);
    printf("# micro-kernel: %d x %d tile, %d-byte vectors\n", LD__MR, LD__NR, LD__VL * (int)sizeof(ld_float));
    int have_torch = use_torch && system("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1") == 0;
    printf("# torch: %s\n", have_torch ? "found (Debian python3-torch): side by side" : "not found (apt-get install python3-torch to compare)");
    load_openblas(threads);
    config_t cfgs[2] = { { "demo", 4, 128, 4, 64, 257, 8 }, { "gpt2", 6, 384, 6, 256, 257, 8 } };
    for (int k = 0; k < 2; k++) {
        if (strcmp(which, "all") && strcmp(which, cfgs[k].name)) continue;
        printf("# %s: L=%d C=%d NH=%d T=%d V=%d B=%d\n", cfgs[k].name, cfgs[k].L, cfgs[k].C, cfgs[k].NH, cfgs[k].T, cfgs[k].V, cfgs[k].B);
        double ours = bench_model(&cfgs[k]);
        bench_matmul(&cfgs[k]);
        if (have_torch) {
            double theirs = torch_step(&cfgs[k], threads);
            if (theirs > 0 && ours > 0) printf("%s_speedup_vs_torch %.2f x  (torch step %.2f ms / ours %.2f ms)\n", cfgs[k].name, theirs / ours, theirs, ours);
        }
    }
    if (!strcmp(which, "all") || !strcmp(which, "tokenizer")) bench_tokenizer();
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("peak_rss %.1f MB\n", ru.ru_maxrss / 1024.0);
    return 0;
}
