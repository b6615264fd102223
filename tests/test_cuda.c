/* ld_llm_cuda.cu against the CPU path.

   Linked with the real unit (make cuda: nvcc, cuBLAS) it runs on a GPU, and
   without one prints why it skipped and exits 0. Linked with the CPU
   stand-in (LD_CUDA_FAKE, built by make test) it runs everywhere and checks
   the unit's host logic: staging, strides, the device copy of θ and when it
   is refreshed, fallbacks and failures.

   Every offloaded product is a linear layer's or the output head's; the
   model is made tiny and min_work = 1 so that all of them go to the device.
   Two models with the same θ, one attached and one not, must agree within
   1e-5 + 1e-4·|ref| (float; cuBLAS and the CPU sum in different orders) on:
   the forward activations those products write, every gradient, the JVP,
   three AdamW training steps, and the dynamics (predicted and measured
   Δ log π), greedy generation, and the hook's contract on random shapes
   and layouts. Also: θ is sent once and again only after it changes;
   results repeat bit for bit; device memory limits and bad arguments give
   errors and leave the CPU path working.                                   */
#define LD_LLM_IMPLEMENTATION
#define LD_LLM_CUDA
#include "../ld_llm.h"
#include "t.h"
#include <stdlib.h>
#include <string.h>

#ifdef LD_LLM_DOUBLE
#define TOL_ABS 1e-12
#define TOL_REL 1e-10
#else
#define TOL_ABS 1e-5
#define TOL_REL 1e-4
#endif

/* The largest |got − ref| − (abs + rel·|ref|) over n numbers: ≤ 0 passes. */
static double excess(const ld_float *got, const ld_float *ref, size_t n) {
    double worst = -1e300;
    for (size_t i = 0; i < n; i++) {
        double e = fabs((double)got[i] - (double)ref[i]) - (TOL_ABS + TOL_REL * fabs((double)ref[i]));
        if (!(e <= worst)) worst = e; /* a NaN wins */
    }
    return worst;
}
static double excess_d(const double *got, const double *ref, size_t n) {
    double worst = -1e300;
    for (size_t i = 0; i < n; i++) {
        double e = fabs(got[i] - ref[i]) - (TOL_ABS + TOL_REL * fabs(ref[i]));
        if (!(e <= worst)) worst = e;
    }
    return worst;
}

static ld_config cfg_of(int untied) {
    ld_config c = {0};
    c.vocab_size = 61; c.context = 16; c.n_layer = 2; c.n_head = 2; c.n_embd = 16;
    c.ids_set = 1; c.bos_token = c.eos_token = 60; c.untied_head = untied; c.init_std = 0.2;
    return c;
}

/* three sequences of different lengths */
static int tok[3][16];
static ld_seq seqs[3];
static void make_batch(void) {
    ld_rng r;
    ld_rng_seed(&r, 7);
    int lens[3] = { 16, 11, 5 };
    for (int b = 0; b < 3; b++) {
        for (int t = 0; t < lens[b]; t++) tok[b][t] = (int)(ld_rng_u32(&r) % 60);
        seqs[b].tokens = tok[b]; seqs[b].len = lens[b]; seqs[b].prompt_len = 1 + b;
    }
}

static ld_cuda *open_gpu(long min_work, size_t max_bytes) {
    ld_cuda_opts o = {0};
    o.min_work = min_work;
    o.max_bytes = max_bytes;
    ld_cuda *g = NULL;
    ld_cuda_init(&g, &o);
    return g;
}

/* forward, backward, JVP: attached vs CPU */
static void test_passes(int untied) {
    ld_config c = cfg_of(untied);
    ld_model cpu, dev;
    ld_model_init(&cpu, &c, 3, 16, LD_TRAIN | LD_JVP, 11);
    ld_model_init(&dev, &c, 3, 16, LD_TRAIN | LD_JVP, 99);
    ld_model_copy_params(&dev, &cpu);
    ld_cuda *g = open_gpu(1, 0);
    CHECK_V(ld_cuda_attach(g, &dev) == LD_OK && dev.accel != NULL, "attach (%s head)", untied ? "untied" : "tied");
    const char *head = untied ? "untied" : "tied";

    ld_forward(&cpu, seqs, 3);
    ld_forward(&dev, seqs, 3);
    int N = 3 * 16, C = c.n_embd, V = c.vocab_size, L = c.n_layer;
    size_t sC = (size_t)cpu.B * cpu.T * C; /* layer stride of the activations */
    CHECK_V(excess(dev.a.qkv, cpu.a.qkv, 3 * sC * L) <= 0, "forward, %s: qkv = LN1·Wqkvᵀ + b, every layer", head);
    CHECK_V(excess(dev.a.residual2, cpu.a.residual2, sC * L) <= 0, "forward, %s: attention projection (residual after it)", head);
    CHECK_V(excess(dev.a.fch, cpu.a.fch, 4 * sC * L) <= 0, "forward, %s: MLP up-projection", head);
    CHECK_V(excess(dev.a.residual3, cpu.a.residual3, sC * L) <= 0, "forward, %s: MLP down-projection (block output)", head);
    CHECK_V(excess(dev.a.logits, cpu.a.logits, (size_t)N * V) <= 0, "forward, %s: logits z (the head)", head);
    CHECK_V(excess_d(dev.seq_logp, cpu.seq_logp, 3) <= 0, "forward, %s: log π(y|x) %.6f %.6f %.6f", head,
            dev.seq_logp[0], dev.seq_logp[1], dev.seq_logp[2]);

    /* backward from the SFT residual */
    ld_sft_loss(&cpu, LD_NORM_TOKEN_MEAN);
    ld_sft_loss(&dev, LD_NORM_TOKEN_MEAN);
    ld_zero_grad(&cpu); ld_zero_grad(&dev);
    ld_backward(&cpu); ld_backward(&dev);
    double e = excess(dev.grad, cpu.grad, cpu.P);
    CHECK_V(e <= 0, "backward, %s: all %zu gradients (worst excess over tolerance %.2e)", head, cpu.P, e);

    /* JVP along a direction the size of a training step (0.01 per parameter:
       tangents of order 1; a unit direction makes them ~50 and the float
       rounding of either side alone exceeds the absolute tolerance) */
    ld_float *v = (ld_float *)malloc(sizeof(ld_float) * cpu.P);
    ld_rng r;
    ld_rng_seed(&r, 3);
    for (size_t i = 0; i < cpu.P; i++) v[i] = (ld_float)(0.01 * ld_rng_normal(&r));
    ld_jvp(&cpu, v); ld_jvp(&dev, v);
    e = excess(dev.t.logits, cpu.t.logits, (size_t)N * V);
    CHECK_V(e <= 0, "JVP, %s: J·v at every logit (worst excess %.2e)", head, e);

    ld_cuda_stats st = ld_cuda_get_stats(g);
    /* per forward: 4 per layer + the head; backward: 2 each; JVP: 2 each */
    long want = (long)(4 * L + 1) * 5;
    CHECK_V(st.products == want && st.failures == 0 && st.declined == 0,
            "%s: %ld products on the device (want %ld), %ld failed, %ld declined", head, st.products, want,
            st.failures, st.declined);
    CHECK_V(st.theta_uploads == 1, "%s: θ sent once for all of it (%ld)", head, st.theta_uploads);

    /* the same inputs twice give the same bits */
    ld_float *z1 = (ld_float *)malloc(sizeof(ld_float) * N * V);
    ld_forward(&dev, seqs, 3);
    memcpy(z1, dev.a.logits, sizeof(ld_float) * N * V);
    ld_forward(&dev, seqs, 3);
    CHECK_V(memcmp(z1, dev.a.logits, sizeof(ld_float) * N * V) == 0, "%s: a forward repeated gives identical logits", head);

    /* detach: back on the CPU, and the same numbers as the CPU model */
    ld_cuda_detach(g);
    CHECK(dev.accel == NULL, "detach clears m->accel");
    ld_forward(&dev, seqs, 3);
    CHECK_V(memcmp(cpu.a.logits, dev.a.logits, sizeof(ld_float) * N * V) == 0,
            "%s: detached, the model is the CPU model again (bit for bit)", head);
    free(z1); free(v);
    ld_cuda_free(g);
    ld_model_free(&cpu); ld_model_free(&dev);
}

/* Training steps: θ stays on the device between steps, refreshed per step.
   SGD with momentum: its step is linear in g, so it shows the gradients'
   agreement. (AdamW's first step is ≈ η·sign(g): a gradient within
   rounding of 0 may take either sign on either side, a difference of 2η
   that says nothing about the device.) */
static void test_training(void) {
    ld_config c = cfg_of(0);
    ld_model cpu, dev;
    ld_model_init(&cpu, &c, 3, 16, LD_TRAIN, 5);
    ld_model_init(&dev, &c, 3, 16, LD_TRAIN, 5);
    ld_optim oc, od;
    ld_optim_config k = {0};
    k.kind = LD_OPT_SGD; k.lr = 0.1; k.momentum = 0.9;
    ld_optim_init(&oc, &cpu, &k);
    ld_optim_init(&od, &dev, &k);
    ld_cuda *g = open_gpu(1, 0);
    ld_cuda_attach(g, &dev);
    double lc = 0, lg = 0;
    for (int step = 0; step < 3; step++) {
        ld_forward(&cpu, seqs, 3); ld_forward(&dev, seqs, 3);
        lc = ld_sft_loss(&cpu, LD_NORM_TOKEN_MEAN); lg = ld_sft_loss(&dev, LD_NORM_TOKEN_MEAN);
        ld_zero_grad(&cpu); ld_zero_grad(&dev);
        ld_backward(&cpu); ld_backward(&dev);
        ld_optim_step(&oc, &cpu, k.lr); ld_optim_step(&od, &dev, k.lr);
    }
    double e = excess(dev.theta, cpu.theta, cpu.P);
    CHECK_V(e <= 0 && fabs(lc - lg) <= TOL_ABS + TOL_REL * fabs(lc),
            "3 SGD steps with momentum: θ agrees (worst excess %.2e), last loss %.6f vs %.6f", e, lg, lc);
    ld_cuda_stats st = ld_cuda_get_stats(g);
    CHECK_V(st.theta_uploads == 3, "θ sent at attach and after each step that changed it: %ld times (want 3)",
            st.theta_uploads);

    /* θ replaced through the API: the device follows */
    ld_model_copy_params(&dev, &cpu);
    ld_forward(&cpu, seqs, 3); ld_forward(&dev, seqs, 3);
    CHECK_V(excess(dev.a.logits, cpu.a.logits, (size_t)3 * 16 * c.vocab_size) <= 0 &&
                ld_cuda_get_stats(g).theta_uploads == 4,
            "ld_model_copy_params into the attached model reaches the device");

    /* θ edited in place: after ld_params_changed the device follows */
    cpu.theta[0] += 0.5f; dev.theta[0] += 0.5f;
    ld_params_changed(&dev);
    ld_forward(&cpu, seqs, 3); ld_forward(&dev, seqs, 3);
    CHECK_V(excess(dev.a.logits, cpu.a.logits, (size_t)3 * 16 * c.vocab_size) <= 0,
            "an in-place edit of θ reaches the device after ld_params_changed");
    ld_cuda_free(g);
    ld_optim_free(&oc); ld_optim_free(&od);
    ld_model_free(&cpu); ld_model_free(&dev);
}

/* predicted (JVP) and measured Δ log π */
static void test_dynamics(void) {
    ld_config c = cfg_of(1);
    ld_model cpu, dev;
    ld_model_init(&cpu, &c, 3, 16, LD_TRAIN | LD_JVP, 8);
    ld_model_init(&dev, &c, 3, 16, LD_TRAIN | LD_JVP, 8);
    ld_cuda *g = open_gpu(1, 0);
    ld_cuda_attach(g, &dev);
    ld_float *dth = (ld_float *)malloc(sizeof(ld_float) * cpu.P);
    ld_rng r;
    ld_rng_seed(&r, 4);
    for (size_t i = 0; i < cpu.P; i++) dth[i] = (ld_float)(1e-3 * ld_rng_normal(&r));
    int n = seqs[0].len - 1, V = c.vocab_size;
    double *pc = (double *)malloc(sizeof(double) * n * V), *pd = (double *)malloc(sizeof(double) * n * V);
    double sc, sd, mc[3], md[3];
    ld_status s1 = ld_dyn_predict(&cpu, &seqs[0], dth, pc, &sc);
    ld_status s2 = ld_dyn_predict(&dev, &seqs[0], dth, pd, &sd);
    CHECK_V(!s1 && !s2 && excess_d(pd, pc, (size_t)n * V) <= 0 && excess_d(&sd, &sc, 1) <= 0,
            "predicted Δ log π, every position and token (response: %.6f vs %.6f)", sd, sc);
    long up = ld_cuda_get_stats(g).theta_uploads;
    s1 = ld_dyn_measure(&cpu, seqs, 3, dth, mc);
    s2 = ld_dyn_measure(&dev, seqs, 3, dth, md);
    /* a difference of two log-probs: absolute tolerance on their size */
    int ok = !s1 && !s2;
    for (int b = 0; b < 3; b++) ok &= fabs(md[b] - mc[b]) <= TOL_ABS * 10 + TOL_REL * fabs(cpu.seq_logp[b]);
    CHECK_V(ok, "measured Δ log π of 3 responses: %.6f %.6f %.6f vs %.6f %.6f %.6f", md[0], md[1], md[2], mc[0],
            mc[1], mc[2]);
    ld_forward(&dev, seqs, 3);
    ld_forward(&cpu, seqs, 3);
    CHECK_V(ld_cuda_get_stats(g).theta_uploads == up + 2 &&
                excess(dev.a.logits, cpu.a.logits, (size_t)3 * 16 * V) <= 0,
            "measuring sent θ + Δθ, and θ went back before the next forward (%ld uploads)",
            ld_cuda_get_stats(g).theta_uploads - up);
    free(dth); free(pc); free(pd);
    ld_cuda_free(g);
    ld_model_free(&cpu); ld_model_free(&dev);
}

/* The hook's contract on its own: C (M×N, row stride ldc) = A·B (+ C),
   for both layouts of A and of B, operands inside θ and outside, ldc > N
   (the columns between N and ldc must stay as they were), acc 0 and 1. */
static void test_gemm_contract(void) {
    ld_config c = cfg_of(0);
    ld_model m;
    ld_model_init(&m, &c, 3, 16, 0, 6);
    ld_cuda *g = open_gpu(1, 0);
    ld_cuda_attach(g, &m);
    ld_rng r;
    ld_rng_seed(&r, 9);
    int bad = 0, cases = 0, gaps_ok = 1;
    for (int it = 0; it < 200; it++) {
        int M = 1 + (int)(ld_rng_u32(&r) % 13), N = 1 + (int)(ld_rng_u32(&r) % 17), K = 1 + (int)(ld_rng_u32(&r) % 19);
        int a_rows = ld_rng_u32(&r) & 1, b_rows = ld_rng_u32(&r) & 1, acc = ld_rng_u32(&r) & 1;
        int b_in_theta = ld_rng_u32(&r) & 1;
        long ldc = N + (long)(ld_rng_u32(&r) % 3);
        long ars = a_rows ? K + 1 : 1, acs = a_rows ? 1 : M + 2;  /* padded layouts */
        long brs = b_rows ? N + 3 : 1, bcs = b_rows ? 1 : K;
        size_t na = (size_t)(a_rows ? M * ars : K * acs), nb = (size_t)(b_rows ? K * brs : N * bcs);
        ld_float *A = (ld_float *)malloc(sizeof(ld_float) * na), *Bh = (ld_float *)malloc(sizeof(ld_float) * nb);
        ld_float *C = (ld_float *)malloc(sizeof(ld_float) * M * ldc), *R = (ld_float *)malloc(sizeof(ld_float) * M * ldc);
        for (size_t i = 0; i < na; i++) A[i] = (ld_float)ld_rng_normal(&r);
        for (size_t i = 0; i < nb; i++) Bh[i] = (ld_float)ld_rng_normal(&r);
        for (long i = 0; i < M * ldc; i++) C[i] = R[i] = (ld_float)ld_rng_normal(&r);
        const ld_float *B = Bh;
        if (b_in_theta && nb <= m.P) { memcpy(m.theta, Bh, sizeof(ld_float) * nb); ld_params_changed(&m); B = m.theta; }
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++) {
                double sum = 0;
                for (int k = 0; k < K; k++) sum += (double)A[i * ars + k * acs] * (double)Bh[k * brs + j * bcs];
                R[i * ldc + j] = (ld_float)(acc ? R[i * ldc + j] + sum : sum);
            }
        int rc = m.accel->gemm(m.accel->ctx, M, N, K, A, ars, acs, B, brs, bcs, C, ldc, acc);
        if (rc != 0 || excess(C, R, (size_t)M * ldc) > 0) bad++;
        for (int i = 0; i < M; i++)
            for (long j = N; j < ldc; j++) gaps_ok &= C[i * ldc + j] == R[i * ldc + j];
        cases++;
        free(A); free(Bh); free(C); free(R);
    }
    CHECK_V(bad == 0 && gaps_ok, "the gemm hook: %d random products (layouts, θ operands, ldc > N, acc), %d wrong%s",
            cases, bad, gaps_ok ? "" : ", and a column past N was written");
    ld_cuda_free(g);
    ld_model_free(&m);
}

/* greedy generation: the same tokens with and without the device */
static void test_generate(void) {
    ld_config c = cfg_of(0);
    ld_model cpu, dev;
    ld_model_init(&cpu, &c, 3, 16, 0, 12);
    ld_model_init(&dev, &c, 3, 16, 0, 12);
    ld_cuda *g = open_gpu(1, 0);
    ld_cuda_attach(g, &dev);
    ld_seq p[3] = { { tok[0], 3, 1 }, { tok[1], 5, 1 }, { tok[2], 2, 1 } };
    int oc[3 * 16], od[3 * 16], lc[3], lg[3];
    ld_sample_opts so = { 0, 0, 1 };
    ld_status s1 = ld_generate(&cpu, p, 3, 10, &so, NULL, oc, lc);
    ld_status s2 = ld_generate(&dev, p, 3, 10, &so, NULL, od, lg);
    int same = !s1 && !s2;
    for (int b = 0; b < 3 && same; b++) same = lc[b] == lg[b] && !memcmp(oc + b * 16, od + b * 16, sizeof(int) * lc[b]);
    ld_cuda_stats st = ld_cuda_get_stats(g);
    CHECK_V(same && st.products > 0 && st.failures == 0,
            "greedy generation, 3 prompts × 10 tokens: the same tokens (%ld products on the device, one row each after the prompts)",
            st.products);
    /* attaching the attached model again is harmless: θ is sent again */
    CHECK(ld_cuda_attach(g, &dev) == LD_OK && dev.accel != NULL, "re-attach the same model");
    ld_forward(&dev, seqs, 3);
    CHECK(ld_cuda_get_stats(g).theta_uploads == 2, "re-attach sends θ again");
    ld_cuda_free(g);
    ld_model_free(&cpu); ld_model_free(&dev);
}

/* limits and bad arguments */
static void test_errors(void) {
    ld_config c = cfg_of(0);
    ld_model cpu, dev;
    ld_model_init(&cpu, &c, 3, 16, LD_TRAIN, 2);
    ld_model_init(&dev, &c, 3, 16, LD_TRAIN, 2);
    ld_forward(&cpu, seqs, 3);
    size_t Vn = (size_t)3 * 16 * c.vocab_size;

    /* θ does not fit: attach refuses, the model is untouched and works */
    ld_cuda *g = open_gpu(1, sizeof(ld_float) * cpu.P / 2);
    ld_status s = ld_cuda_attach(g, &dev);
    CHECK_V(s == LD_ERR_OOM && dev.accel == NULL, "θ larger than the device memory allowed: %s", ld_failure_reason());
    ld_forward(&dev, seqs, 3);
    CHECK(memcmp(dev.a.logits, cpu.a.logits, sizeof(ld_float) * Vn) == 0, "after a failed attach the CPU path works");
    ld_cuda_free(g);

    /* θ fits, the staging buffers do not: every product fails over to the CPU */
    g = open_gpu(1, sizeof(ld_float) * cpu.P + 64);
    s = ld_cuda_attach(g, &dev);
    ld_forward(&dev, seqs, 3);
    ld_cuda_stats st = ld_cuda_get_stats(g);
    CHECK_V(s == LD_OK && st.products == 0 && st.failures == 4 * c.n_layer + 1 &&
                memcmp(dev.a.logits, cpu.a.logits, sizeof(ld_float) * Vn) == 0,
            "out of device memory mid-pass: %ld products done by the CPU instead, same logits (%s)", st.failures,
            ld_cuda_last_error(g));
    ld_cuda_free(g);
    CHECK(dev.accel == NULL, "ld_cuda_free detaches");

    /* small products stay on the CPU */
    g = open_gpu(1L << 40, 0);
    ld_cuda_attach(g, &dev);
    ld_forward(&dev, seqs, 3);
    st = ld_cuda_get_stats(g);
    CHECK_V(st.products == 0 && st.declined == 4 * c.n_layer + 1 &&
                memcmp(dev.a.logits, cpu.a.logits, sizeof(ld_float) * Vn) == 0,
            "products below min_work stay on the CPU (%ld declined)", st.declined);
    /* one accelerator per model */
    ld_cuda *g2 = open_gpu(1, 0);
    CHECK_V(ld_cuda_attach(g2, &dev) == LD_ERR_ARG, "a second context on the same model: %s", ld_failure_reason());
    ld_cuda_free(g2);
    ld_cuda_free(g);

    ld_cuda *bad = (ld_cuda *)1;
    ld_cuda_opts o = {0};
    o.device = 99;
    s = ld_cuda_init(&bad, &o);
    CHECK_V(s == LD_ERR_DEVICE && bad == NULL, "device 99: %s", ld_failure_reason());
    s = ld_cuda_init_(&bad, NULL, sizeof(ld_float) == 4 ? 8 : 4);
    CHECK_V(s == LD_ERR_ARG && bad == NULL, "float and double units mixed: %s", ld_failure_reason());
    CHECK(ld_cuda_init(NULL, NULL) == LD_ERR_ARG, "NULL out");
    CHECK(ld_cuda_attach(NULL, &dev) == LD_ERR_ARG, "NULL context");
    ld_cuda_detach(NULL);
    ld_cuda_free(NULL);
    ld_model_free(&cpu); ld_model_free(&dev);
}

/* every family: forward, backward and JVP through the device's products
   agree with the CPU (the block's layers around the products run on the CPU) */
static void test_families(void) {
    const int fams[3] = { LD_FAMILY_GPT_NEOX, LD_FAMILY_LLAMA, LD_FAMILY_QWEN2 };
    const char *names[3] = { "gpt_neox (parallel, partial rotary)", "llama (GQA, SwiGLU, RMSNorm)", "qwen2 (GQA, q/k/v biases)" };
    for (int f = 0; f < 3; f++) {
        ld_config c = cfg_of(f != 1);
        c.family = fams[f];
        if (f) c.n_head = 4, c.n_kv_head = 2;
        ld_model cpu, dev;
        if (ld_model_init(&cpu, &c, 3, 16, LD_TRAIN | LD_JVP, 11) || ld_model_init(&dev, &c, 3, 16, LD_TRAIN | LD_JVP, 99)) {
            CHECK(0, "%s: init: %s", names[f], ld_failure_reason());
            continue;
        }
        ld_model_copy_params(&dev, &cpu);
        ld_cuda *g = open_gpu(1, 0);
        ld_cuda_attach(g, &dev);
        ld_forward(&cpu, seqs, 3); ld_forward(&dev, seqs, 3);
        size_t NV = (size_t)3 * 16 * c.vocab_size;
        double ez = excess(dev.a.logits, cpu.a.logits, NV);
        ld_sft_loss(&cpu, LD_NORM_TOKEN_MEAN); ld_sft_loss(&dev, LD_NORM_TOKEN_MEAN);
        ld_zero_grad(&cpu); ld_zero_grad(&dev);
        ld_backward(&cpu); ld_backward(&dev);
        double eg = excess(dev.grad, cpu.grad, cpu.P);
        ld_float *v = (ld_float *)malloc(sizeof(ld_float) * cpu.P);
        ld_rng r;
        ld_rng_seed(&r, 5);
        for (size_t i = 0; i < cpu.P; i++) v[i] = (ld_float)(0.01 * ld_rng_normal(&r));
        ld_jvp(&cpu, v); ld_jvp(&dev, v);
        double ej = excess(dev.t.logits, cpu.t.logits, NV);
        ld_cuda_stats st = ld_cuda_get_stats(g);
        long want = (long)(4 * c.n_layer + 1) * 5;
        CHECK_V(ez <= 0 && eg <= 0 && ej <= 0 && st.products == want && st.failures == 0,
                "%s: logits, all %zu gradients and J·v on the device match the CPU (worst excess %.1e, %.1e, %.1e); "
                "%ld products (want %ld)", names[f], cpu.P, ez, eg, ej, st.products, want);
        free(v);
        ld_cuda_free(g);
        ld_model_free(&cpu); ld_model_free(&dev);
    }
}

int main(void) {
    ld_cuda *g = NULL;
    if (ld_cuda_init(&g, NULL) != LD_OK) {
        printf("test_cuda: skipped: %s\n", ld_failure_reason());
        return 0;   /* no closing line: tests/run.sh lists it as skipped */
    }
    printf("device: %s\n", ld_cuda_device_name(g));
    ld_cuda_free(g);
    make_batch();
    test_passes(0);
    test_passes(1);
    test_families();
    test_training();
    test_dynamics();
    test_gemm_contract();
    test_generate();
    test_errors();
    return t_done();
}
