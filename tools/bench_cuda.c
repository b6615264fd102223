/* bench_cuda: speed of ld_llm_cuda.cu, one figure per line as "name value unit".

   A GPT-2-small-sized model (12 layers, 768 channels, 12 heads, V = 50257,
   T = 256, B = 4), float:
     - a training step (forward, SFT loss, backward, AdamW) with the model
       attached to the GPU, and the same step on the CPU path, side by side;
     - the five matmul shapes of the model (forward products), through the
       unit (host operands: the copies to and from the device count) and by
       cuBLAS SGEMM on operands already on the device, in TFLOP/s.
   Medians of --iters runs after 2 warm-ups (the CPU step: --cpu-iters).
   Without a GPU it says why and exits 0.

   Build: make bench-cuda (needs nvcc and cuBLAS).
   Usage: bench_cuda [--iters N] [--cpu-iters N] [--tf32]                  */
#define _POSIX_C_SOURCE 200809L
#define LD_LLM_IMPLEMENTATION
#define LD_LLM_CUDA
#include "../ld_llm.h"
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "timing.h"

enum { L = 12, C = 768, NH = 12, V = 50257, T = 256, B = 4 };

/* Median ms of one training step over n runs after 2 warm-ups. */
static double step_ms(ld_model *m, ld_optim *o, const ld_seq *s, int n) {
    double t[64];
    if (n > 64) n = 64;
    for (int i = -2; i < n; i++) {
        double t0 = now_ms();
        ld_forward(m, s, B);
        ld_sft_loss(m, LD_NORM_TOKEN_MEAN);
        ld_zero_grad(m);
        ld_backward(m);
        ld_optim_step(o, m, 1e-5);
        if (i >= 0) t[i] = now_ms() - t0;
    }
    return median(t, n);
}

int main(int argc, char **argv) {
    int iters = 10, cpu_iters = 3, tf32 = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--iters") && i + 1 < argc) iters = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--cpu-iters") && i + 1 < argc) cpu_iters = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--tf32")) tf32 = 1;
        else { fprintf(stderr, "usage: bench_cuda [--iters N] [--cpu-iters N] [--tf32]\n"); return 2; }
    }
    if (iters < 1) iters = 1;
    if (cpu_iters < 1) cpu_iters = 1;
    ld_cuda *g;
    ld_cuda_opts go = {0};
    go.tf32 = tf32;
    if (ld_cuda_init(&g, &go) != LD_OK) {
        printf("# bench_cuda: skipped: %s\n", ld_failure_reason());
        return 0;
    }
    int threads = 1;
#ifdef _OPENMP
    threads = omp_get_max_threads();
#endif
    printf("# device: %s\n", ld_cuda_device_name(g));
    printf("# model: L=%d C=%d NH=%d V=%d T=%d B=%d, float, tf32 %s; CPU path: %d threads\n", L, C, NH, V, T, B,
           tf32 ? "on" : "off", threads);

    /* ---- the training step, GPU and CPU side by side ---- */
    ld_config cfg = {0};
    cfg.vocab_size = V; cfg.context = 1024; cfg.n_layer = L; cfg.n_head = NH; cfg.n_embd = C;
    cfg.ids_set = 1; cfg.bos_token = cfg.eos_token = V - 1;
    ld_model m;
    if (ld_model_init(&m, &cfg, B, T, LD_TRAIN, 1) != LD_OK) {
        printf("# bench_cuda: model: %s\n", ld_failure_reason());
        return 1;
    }
    ld_optim o;
    ld_optim_config oc = {0};
    ld_optim_init(&o, &m, &oc);
    int *tok = (int *)malloc(sizeof(int) * B * T);
    ld_rng r;
    ld_rng_seed(&r, 2);
    for (int i = 0; i < B * T; i++) tok[i] = (int)(ld_rng_u32(&r) % (V - 1));
    ld_seq s[B];
    for (int b = 0; b < B; b++) { s[b].tokens = tok + b * T; s[b].len = T; s[b].prompt_len = 1; }

    if (ld_cuda_attach(g, &m) != LD_OK) {
        printf("# bench_cuda: attach: %s\n", ld_failure_reason());
        return 1;
    }
    double gpu = step_ms(&m, &o, s, iters);
    ld_cuda_stats st = ld_cuda_get_stats(g);
    ld_cuda_detach(g);
    double cpu = step_ms(&m, &o, s, cpu_iters);
    printf("step_gpu %.1f ms\n", gpu);
    printf("step_cpu %.1f ms\n", cpu);
    printf("speedup_gpu_vs_cpu %.2f x\n", cpu / gpu);
    printf("gpu_products_per_step %.0f count\n", (double)st.products / (iters + 2));
    printf("gpu_cpu_fallbacks %ld count\n", st.failures);
    printf("gpu_traffic_per_step %.0f MB\n", (st.bytes_to_device + st.bytes_from_device) / (iters + 2) / 1e6);

    /* ---- matmuls at the model's shapes ---- */
    int N = B * T;
    int shapes[5][2] = { { C, 3 * C }, { C, C }, { C, 4 * C }, { 4 * C, C }, { C, V } };
    const char *names[5] = { "qkv", "attproj", "fc", "fcproj", "head" };
    cublasHandle_t h;
    cublasCreate(&h);
    cublasSetMathMode(h, tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH);
    if (ld_cuda_attach(g, &m) != LD_OK) return 1;
    for (int k = 0; k < 5; k++) {
        int K = shapes[k][0], OC = shapes[k][1];
        float *x = (float *)malloc(sizeof(float) * N * K), *y = (float *)malloc(sizeof(float) * N * OC);
        const float *w = k == 0 ? m.w.qkvw : k == 1 ? m.w.attprojw : k == 2 ? m.w.fcw : k == 3 ? m.w.fcprojw : m.w.wte;
        for (int i = 0; i < N * K; i++) x[i] = (float)ld_rng_normal(&r);
        double flops = 2.0 * N * K * OC, t[64], ours, blas;
        int n = iters > 64 ? 64 : iters, declined = 0;
        /* through the unit: y = x·wᵀ, x and y on the host, w (in θ) on the device */
        for (int i = -2; i < n; i++) {
            double t0 = now_ms();
            declined |= m.accel->gemm(m.accel->ctx, N, OC, K, x, K, 1, w, 1, K, y, OC, 0);
            if (i >= 0) t[i] = now_ms() - t0;
        }
        ours = median(t, n);
        /* cuBLAS on device-resident operands, the same product */
        if (declined) {
            printf("# matmul_%s: the unit did not take the product: %s\n", names[k], ld_cuda_last_error(g));
            free(x); free(y);
            continue;
        }
        float *dx = NULL, *dw = NULL, *dy = NULL, one = 1, zero = 0;
        if (cudaMalloc((void **)&dx, sizeof(float) * N * K) || cudaMalloc((void **)&dw, sizeof(float) * OC * K) ||
            cudaMalloc((void **)&dy, sizeof(float) * N * OC) ||
            cudaMemcpy(dx, x, sizeof(float) * N * K, cudaMemcpyHostToDevice) ||
            cudaMemcpy(dw, w, sizeof(float) * OC * K, cudaMemcpyHostToDevice)) {
            printf("# matmul_%s: device memory for the cuBLAS comparison: failed\n", names[k]);
            cudaFree(dx); cudaFree(dw); cudaFree(dy); free(x); free(y);
            continue;
        }
        for (int i = -2; i < n; i++) {
            double t0 = now_ms();
            cublasSgemm(h, CUBLAS_OP_T, CUBLAS_OP_N, OC, N, K, &one, dw, K, dx, K, &zero, dy, OC);
            cudaDeviceSynchronize();
            if (i >= 0) t[i] = now_ms() - t0;
        }
        blas = median(t, n);
        printf("matmul_%s_ours %.2f TFLOP/s\n", names[k], flops / ours / 1e9);
        printf("matmul_%s_cublas %.2f TFLOP/s\n", names[k], flops / blas / 1e9);
        printf("matmul_%s_ratio %.2f x\n", names[k], blas / ours);
        cudaFree(dx); cudaFree(dw); cudaFree(dy);
        free(x); free(y);
    }
    cublasDestroy(h);
    ld_cuda_free(g);
    ld_optim_free(&o);
    ld_model_free(&m);
    free(tok);
    return 0;
}
