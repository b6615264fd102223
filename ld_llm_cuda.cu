/* ld_llm_cuda.cu — the model's large matrix products on an NVIDIA GPU.

   An optional companion of ld_llm.h (see its >>cuda section for the API).
   The header stays the reference: this unit only implements ld_accel.gemm,
   the one hook through which the model's linear layers and output head
   (forward, backward, JVP) multiply matrices, with cuBLAS. Attention,
   LayerNorm, GELU, the softmax and the optimizer stay on the CPU.

   Build:   nvcc -O2 -c ld_llm_cuda.cu            (make cuda)
   Link:    your program (which holds LD_LLM_IMPLEMENTATION, not static)
            + ld_llm_cuda.o -lcublas -lcudart
   Compile your program and this file alike with or without LD_LLM_DOUBLE.

   Where the numbers live:
     θ          on the device, one copy of the flat vector (P numbers), sent
                again only when m->theta_version moves (an optimizer step, a
                load, ld_params_changed). An operand inside m->theta is read
                from that copy at the same offset, with its own strides.
     the rest   activations, gradients, JVP tangents: copied to three staging
                buffers (A, B, C) per product and C copied back. The staging
                buffers grow to the largest product and stay.

   The product. The library asks for C (M×N, row-major, row stride ldc) =
   A·B (+ C if acc), with A(i,k) at A[i*ars + k*acs] and B(k,j) at
   B[k*brs + j*bcs], one of each pair of strides being 1. cuBLAS is
   column-major; a row-major C is a column-major Cᵀ, so we ask it for
       Cᵀ (N×M) = Bᵀ (N×K) · Aᵀ (K×M).
   A matrix X (R×S) with X(r,s) at p[r*ld + s] ("rows contiguous") is, read
   column-major, Xᵀ with leading dimension ld: no transpose needed for Xᵀ.
   With X(r,s) at p[r + s*ld] ("columns contiguous") it is X itself, so Xᵀ
   is op = T. That is all of the index work (ld__cu_op below).

   LD_CUDA_FAKE builds this file with a CPU stand-in for the five device
   calls (g++ -x c++ -DLD_CUDA_FAKE): the tests run every line of the host
   logic — staging, strides, the θ copy and its versions, fallbacks,
   failures — on machines without a GPU. The stand-in checks that every
   pointer it is given as device memory is device memory.                */
#define LD_LLM_CUDA
#include "ld_llm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef LD_CUDA_FAKE
#include <cuda_runtime.h>
#include <cublas_v2.h>
#endif

/* -------------------------------------------------- the five device calls */

/* Each returns 0 on success, else writes the reason into err (256 bytes). */
typedef struct ld__cu_dev ld__cu_dev;
static int ld__cu_open(ld__cu_dev **d, int device, int tf32, char *name, char *err);
static void ld__cu_close(ld__cu_dev *d);
static int ld__cu_alloc(ld__cu_dev *d, void **p, size_t bytes, char *err);
static void ld__cu_release(ld__cu_dev *d, void *p);
/* 2-D copies: rows × width bytes, each side with its own pitch (bytes). */
static int ld__cu_put(ld__cu_dev *d, void *dst, size_t dpitch, const void *src, size_t spitch,
                      size_t width, size_t rows, char *err);
static int ld__cu_get(ld__cu_dev *d, void *dst, size_t dpitch, const void *src, size_t spitch,
                      size_t width, size_t rows, char *err);
/* Column-major C (m×n) = op(A)·op(B) + beta·C, cuBLAS's gemm contract. */
static int ld__cu_gemm(ld__cu_dev *d, int transa, int transb, int m, int n, int k, const ld_float *A,
                       long lda, const ld_float *B, long ldb, ld_float beta, ld_float *C, long ldc, char *err);

#ifndef LD_CUDA_FAKE
struct ld__cu_dev {
    int device;
    cublasHandle_t h;
};

static int ld__cu_rt(cudaError_t e, const char *what, char *err) {
    if (e == cudaSuccess) return 0;
    snprintf(err, 256, "%s: %s", what, cudaGetErrorString(e));
    cudaGetLastError(); /* clears an ordinary error; a sticky one (a kernel fault)
                           stays, and every later product falls back to the CPU */
    return 1;
}

/* The calling thread may have another device current (threads start on 0,
   and cuBLAS assumes the handle's device): select ours before each call. */
static int ld__cu_here(ld__cu_dev *d, char *err) {
    return ld__cu_rt(cudaSetDevice(d->device), "cudaSetDevice", err);
}

static int ld__cu_open(ld__cu_dev **out, int device, int tf32, char *name, char *err) {
    int n = 0;
    if (ld__cu_rt(cudaGetDeviceCount(&n), "no CUDA device can be used", err)) return 1;
    if (device < 0 || device >= n) {
        snprintf(err, 256, "device %d asked for, %d present", device, n);
        return 1;
    }
    if (ld__cu_rt(cudaSetDevice(device), "cudaSetDevice", err)) return 1;
    cudaDeviceProp prop;
    if (ld__cu_rt(cudaGetDeviceProperties(&prop, device), "cudaGetDeviceProperties", err)) return 1;
    snprintf(name, 256, "%s", prop.name);
    ld__cu_dev *d = (ld__cu_dev *)calloc(1, sizeof *d);
    if (!d) { snprintf(err, 256, "out of host memory"); return 1; }
    d->device = device;
    cublasStatus_t s = cublasCreate(&d->h);
    if (s != CUBLAS_STATUS_SUCCESS) {
        snprintf(err, 256, "cublasCreate failed (status %d)", (int)s);
        free(d);
        return 1;
    }
    /* TF32 only on request: by default the products round as the CPU's do */
    s = cublasSetMathMode(d->h, tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH);
    if (s != CUBLAS_STATUS_SUCCESS) {
        snprintf(err, 256, "cublasSetMathMode failed (status %d)", (int)s);
        cublasDestroy(d->h);
        free(d);
        return 1;
    }
    *out = d;
    return 0;
}

static void ld__cu_close(ld__cu_dev *d) {
    if (!d) return;
    char err[256];
    ld__cu_here(d, err);
    cublasDestroy(d->h);
    free(d);
}

static int ld__cu_alloc(ld__cu_dev *d, void **p, size_t bytes, char *err) {
    *p = NULL;
    if (ld__cu_here(d, err)) return 1;
    return ld__cu_rt(cudaMalloc(p, bytes), "cudaMalloc", err);
}

static void ld__cu_release(ld__cu_dev *d, void *p) {
    char err[256];
    if (p && !ld__cu_here(d, err)) cudaFree(p);
}

/* One contiguous block goes by cudaMemcpy: cudaMemcpy2D refuses pitches
   above the device's memPitch (2^31 − 1 bytes), and θ is one long row. */
static int ld__cu_copy(ld__cu_dev *d, void *dst, size_t dpitch, const void *src, size_t spitch, size_t width,
                       size_t rows, cudaMemcpyKind kind, const char *what, char *err) {
    if (ld__cu_here(d, err)) return 1;
    if (rows == 1 || (dpitch == width && spitch == width))
        return ld__cu_rt(cudaMemcpy(dst, src, width * rows, kind), what, err);
    return ld__cu_rt(cudaMemcpy2D(dst, dpitch, src, spitch, width, rows, kind), what, err);
}

static int ld__cu_put(ld__cu_dev *d, void *dst, size_t dpitch, const void *src, size_t spitch,
                      size_t width, size_t rows, char *err) {
    return ld__cu_copy(d, dst, dpitch, src, spitch, width, rows, cudaMemcpyHostToDevice, "copy to the device", err);
}

static int ld__cu_get(ld__cu_dev *d, void *dst, size_t dpitch, const void *src, size_t spitch,
                      size_t width, size_t rows, char *err) {
    return ld__cu_copy(d, dst, dpitch, src, spitch, width, rows, cudaMemcpyDeviceToHost, "copy from the device",
                       err);
}

static int ld__cu_gemm(ld__cu_dev *d, int transa, int transb, int m, int n, int k, const ld_float *A,
                       long lda, const ld_float *B, long ldb, ld_float beta, ld_float *C, long ldc, char *err) {
    const ld_float one = 1;
    if (ld__cu_here(d, err)) return 1;
    cublasOperation_t ta = transa ? CUBLAS_OP_T : CUBLAS_OP_N, tb = transb ? CUBLAS_OP_T : CUBLAS_OP_N;
#ifdef LD_LLM_DOUBLE
    cublasStatus_t s = cublasDgemm(d->h, ta, tb, m, n, k, &one, A, (int)lda, B, (int)ldb, &beta, C, (int)ldc);
#else
    cublasStatus_t s = cublasSgemm(d->h, ta, tb, m, n, k, &one, A, (int)lda, B, (int)ldb, &beta, C, (int)ldc);
#endif
    if (s != CUBLAS_STATUS_SUCCESS) {
        snprintf(err, 256, "cuBLAS gemm failed (status %d)", (int)s);
        return 1;
    }
    /* a fault in the kernel shows here, before any of C is copied back */
    return ld__cu_rt(cudaStreamSynchronize(0), "cuBLAS gemm", err);
}

#else /* LD_CUDA_FAKE: the device is host memory, the products plain loops */

#define LD__FAKE_MAX 64
struct ld__cu_dev {
    struct { char *p; size_t n; } blk[LD__FAKE_MAX];  /* live "device" allocations */
};

/* Is [p, p + bytes) inside one live allocation? */
static int ld__fake_owns(const ld__cu_dev *d, const void *p, size_t bytes) {
    const char *c = (const char *)p;
    for (int i = 0; i < LD__FAKE_MAX; i++)
        if (d->blk[i].p && c >= d->blk[i].p && c + bytes <= d->blk[i].p + d->blk[i].n) return 1;
    return 0;
}

static int ld__cu_open(ld__cu_dev **out, int device, int tf32, char *name, char *err) {
    (void)tf32;
    if (device != 0) { snprintf(err, 256, "device %d asked for, 1 present (the CPU stand-in)", device); return 1; }
    ld__cu_dev *d = (ld__cu_dev *)calloc(1, sizeof *d);
    if (!d) { snprintf(err, 256, "out of host memory"); return 1; }
    snprintf(name, 256, "CPU stand-in (LD_CUDA_FAKE)");
    *out = d;
    return 0;
}

static void ld__cu_close(ld__cu_dev *d) {
    if (!d) return;
    for (int i = 0; i < LD__FAKE_MAX; i++) free(d->blk[i].p);
    free(d);
}

static int ld__cu_alloc(ld__cu_dev *d, void **p, size_t bytes, char *err) {
    *p = NULL;
    for (int i = 0; i < LD__FAKE_MAX; i++)
        if (!d->blk[i].p) {
            /* poisoned, as fresh device memory holds anything */
            d->blk[i].p = (char *)malloc(bytes ? bytes : 1);
            if (!d->blk[i].p) break;
            memset(d->blk[i].p, 0xff, bytes);
            d->blk[i].n = bytes;
            *p = d->blk[i].p;
            return 0;
        }
    snprintf(err, 256, "cudaMalloc: out of memory");
    return 1;
}

static void ld__cu_release(ld__cu_dev *d, void *p) {
    for (int i = 0; i < LD__FAKE_MAX; i++)
        if (p && d->blk[i].p == p) { free(p); d->blk[i].p = NULL; d->blk[i].n = 0; }
}

static int ld__fake_copy(ld__cu_dev *d, char *dst, size_t dpitch, const char *src, size_t spitch,
                         size_t width, size_t rows, int to_device, char *err) {
    if (rows == 0 || width == 0) return 0;
    if (dpitch < width || spitch < width) { snprintf(err, 256, "cudaMemcpy2D: pitch below width"); return 1; }
    if (rows > 1 && !(dpitch == width && spitch == width) && (dpitch > 2147483647u || spitch > 2147483647u)) {
        snprintf(err, 256, "cudaMemcpy2D: pitch above memPitch"); /* as the runtime refuses it */
        return 1;
    }
    const char *dev = to_device ? dst : src;
    size_t pitch = to_device ? dpitch : spitch;
    if (!ld__fake_owns(d, dev, pitch * (rows - 1) + width)) {
        snprintf(err, 256, "cudaMemcpy2D: not device memory");
        return 1;
    }
    for (size_t r = 0; r < rows; r++) memcpy(dst + r * dpitch, src + r * spitch, width);
    return 0;
}

static int ld__cu_put(ld__cu_dev *d, void *dst, size_t dpitch, const void *src, size_t spitch,
                      size_t width, size_t rows, char *err) {
    return ld__fake_copy(d, (char *)dst, dpitch, (const char *)src, spitch, width, rows, 1, err);
}

static int ld__cu_get(ld__cu_dev *d, void *dst, size_t dpitch, const void *src, size_t spitch,
                      size_t width, size_t rows, char *err) {
    return ld__fake_copy(d, (char *)dst, dpitch, (const char *)src, spitch, width, rows, 0, err);
}

/* cuBLAS's contract, from its documentation: column-major; op(A) is m×k,
   stored as A (lda ≥ m) when N, as its transpose (lda ≥ k) when T; beta = 0
   ignores what C held. Invalid sizes are refused as cuBLAS refuses them. */
static int ld__cu_gemm(ld__cu_dev *d, int transa, int transb, int m, int n, int k, const ld_float *A,
                       long lda, const ld_float *B, long ldb, ld_float beta, ld_float *C, long ldc, char *err) {
    if (m < 0 || n < 0 || k < 0 || lda < (transa ? k : m) || lda < 1 || ldb < (transb ? n : k) || ldb < 1 ||
        ldc < m || ldc < 1) {
        snprintf(err, 256, "cuBLAS gemm failed (status 7: invalid value)");
        return 1;
    }
    size_t ea = (size_t)lda * ((transa ? m : k) - 1) + (transa ? k : m);
    size_t eb = (size_t)ldb * ((transb ? k : n) - 1) + (transb ? n : k);
    size_t ec = (size_t)ldc * (n - 1) + m;
    if (m && n && ((k && (!ld__fake_owns(d, A, sizeof(ld_float) * ea) || !ld__fake_owns(d, B, sizeof(ld_float) * eb))) ||
                   !ld__fake_owns(d, C, sizeof(ld_float) * ec))) {
        snprintf(err, 256, "cuBLAS gemm: an operand is not device memory");
        return 1;
    }
    for (int j = 0; j < n; j++)
        for (int i = 0; i < m; i++) {
            double s = 0;
            for (int l = 0; l < k; l++) {
                double a = transa ? A[l + (size_t)i * lda] : A[i + (size_t)l * lda];
                double b = transb ? B[j + (size_t)l * ldb] : B[l + (size_t)j * ldb];
                s += a * b;
            }
            ld_float *c = C + i + (size_t)j * ldc;
            *c = (ld_float)(beta != 0 ? s + (double)beta * *c : s);
        }
    return 0;
}
#endif

/* ------------------------------------------------------------- the context */

struct ld_cuda {
    ld__cu_dev *dev;
    ld_cuda_opts opts;
    char name[256];
    char err[256];          /* the last failure, in words                      */
    ld_accel accel;         /* what the attached model calls                  */
    ld_model *m;            /* the attached model, or NULL                    */
    ld_float *theta;        /* (P) θ on the device                            */
    size_t P;               /* its length                                     */
    unsigned long version;  /* m->theta_version when `theta` was sent         */
    int theta_ok;           /* `theta` holds θ of that version                */
    ld_float *buf[3];       /* staging for A, B, C                            */
    size_t cap[3];          /* their sizes in numbers                         */
    size_t used;            /* device bytes this context holds               */
    ld_cuda_stats stats;
};

static int ld__cu_take(ld_cuda *g, void **p, size_t bytes) {
    if (g->opts.max_bytes && g->used + bytes > g->opts.max_bytes) {
        snprintf(g->err, sizeof g->err, "cudaMalloc: %zu bytes would pass the context's limit of %zu", bytes,
                 g->opts.max_bytes);
        return 1;
    }
    if (ld__cu_alloc(g->dev, p, bytes, g->err)) return 1;
    g->used += bytes;
    return 0;
}

static void ld__cu_give(ld_cuda *g, void *p, size_t bytes) {
    if (!p) return;
    ld__cu_release(g->dev, p);
    g->used -= bytes;
}

/* Staging buffer i with room for n numbers. */
static ld_float *ld__cu_stage(ld_cuda *g, int i, size_t n) {
    if (n > g->cap[i]) {
        ld__cu_give(g, g->buf[i], sizeof(ld_float) * g->cap[i]);
        g->buf[i] = NULL;
        g->cap[i] = 0;
        void *p;
        if (ld__cu_take(g, &p, sizeof(ld_float) * n)) return NULL;
        g->buf[i] = (ld_float *)p;
        g->cap[i] = n;
    }
    return g->buf[i];
}

/* θ on the device, sent again if the model's version moved. */
static int ld__cu_theta_fresh(ld_cuda *g) {
    ld_model *m = g->m;
    if (g->theta_ok && g->version == m->theta_version) return 0;
    size_t bytes = sizeof(ld_float) * m->P;
    g->theta_ok = 0;
    if (ld__cu_put(g->dev, g->theta, bytes, m->theta, bytes, bytes, 1, g->err)) return 1;
    g->version = m->theta_version;
    g->theta_ok = 1;
    g->stats.theta_uploads++;
    g->stats.bytes_to_device += (double)bytes;
    return 0;
}

/* An operand X (R×S), X(r,s) at x[r*rs + s*cs], made ready on the device:
   *dp its device address, *ld its leading dimension, *cols_contig 1 when
   X(r,s) is at dp[r + s*ld], 0 when at dp[r*ld + s]. Inside θ it is read
   in place from the device copy; otherwise copied into staging buffer i. */
static int ld__cu_operand(ld_cuda *g, int i, const ld_float *x, long rs, long cs, int R, int S,
                          const ld_float **dp, long *ld, int *cols_contig) {
    ld_model *m = g->m;
    int rows_contig = cs == 1;
    if (!rows_contig && rs != 1) { snprintf(g->err, sizeof g->err, "an operand with neither stride 1"); return 1; }
    *cols_contig = !rows_contig;
    if (x >= m->theta && x < m->theta + m->P) {
        if (ld__cu_theta_fresh(g)) return 1;
        *dp = g->theta + (x - m->theta);
        *ld = rows_contig ? rs : cs;
        /* a single row (column) has no use for its stride; cuBLAS still checks it */
        if (rows_contig && R == 1 && *ld < S) *ld = S;
        if (!rows_contig && S == 1 && *ld < R) *ld = R;
        return 0;
    }
    /* compact copy: R rows of S numbers (rows contiguous) or S rows of R */
    size_t lines = rows_contig ? (size_t)R : (size_t)S, width = rows_contig ? (size_t)S : (size_t)R;
    long pitch = rows_contig ? rs : cs;
    if (lines == 1) pitch = (long)width; /* one line: its stride is never used */
    ld_float *d = ld__cu_stage(g, i, lines * width);
    if (!d) return 1;
    if (ld__cu_put(g->dev, d, sizeof(ld_float) * width, x, sizeof(ld_float) * (size_t)pitch,
                   sizeof(ld_float) * width, lines, g->err))
        return 1;
    g->stats.bytes_to_device += (double)(sizeof(ld_float) * lines * width);
    *dp = d;
    *ld = (long)width;
    return 0;
}

/* ld_accel.gemm: see the top of the file for the index mapping. */
static int ld__cu_product(void *ctx, int M, int N, int K, const ld_float *A, long ars, long acs,
                          const ld_float *B, long brs, long bcs, ld_float *C, long ldc, int acc) {
    ld_cuda *g = (ld_cuda *)ctx;
    if (!g || !g->m || M <= 0 || N <= 0 || K <= 0) return 1;
    if ((double)M * N * K < (double)g->opts.min_work) { g->stats.declined++; return 1; }
    const ld_float *dA, *dB;
    long lda, ldb;
    int a_cols, b_cols;
    /* Aᵀ (K×M): A rows contiguous → as stored (N); columns contiguous → T.
       Bᵀ (N×K): likewise from B (K×N).                                    */
    if (ld__cu_operand(g, 0, A, ars, acs, M, K, &dA, &lda, &a_cols) ||
        ld__cu_operand(g, 1, B, brs, bcs, K, N, &dB, &ldb, &b_cols))
        goto fail;
    {
        size_t nc = (size_t)M * N, bytes_row = sizeof(ld_float) * (size_t)N;
        ld_float *dC = ld__cu_stage(g, 2, nc);
        if (!dC) goto fail;
        if (acc) {
            if (ld__cu_put(g->dev, dC, bytes_row, C, sizeof(ld_float) * (size_t)ldc, bytes_row, (size_t)M, g->err))
                goto fail;
            g->stats.bytes_to_device += (double)(sizeof(ld_float) * nc);
        }
        /* Cᵀ (N×M, ld N) = Bᵀ · Aᵀ */
        if (ld__cu_gemm(g->dev, b_cols, a_cols, N, M, K, dB, ldb, dA, lda, (ld_float)(acc ? 1 : 0), dC, N, g->err))
            goto fail;
        if (ld__cu_get(g->dev, C, sizeof(ld_float) * (size_t)ldc, dC, bytes_row, bytes_row, (size_t)M, g->err))
            goto fail;
        g->stats.bytes_from_device += (double)(sizeof(ld_float) * nc);
    }
    g->stats.products++;
    return 0;
fail:
    g->stats.failures++;
    return 1;
}

/* ------------------------------------------------------------------ the API */

LDDEF ld_status ld_cuda_init_(ld_cuda **out, const ld_cuda_opts *opts, int float_bytes) {
    if (!out) return ld_set_failure(LD_ERR_ARG, "ld_cuda_init: out is NULL");
    *out = NULL;
    if (float_bytes != (int)sizeof(ld_float)) {
        return ld_set_failure(LD_ERR_ARG, sizeof(ld_float) == 8
                                              ? "ld_llm_cuda.cu was built with LD_LLM_DOUBLE, the program without"
                                              : "the program was built with LD_LLM_DOUBLE, ld_llm_cuda.cu without");
    }
    ld_cuda *g = (ld_cuda *)calloc(1, sizeof *g);
    if (!g) return ld_set_failure(LD_ERR_OOM, "ld_cuda_init: host memory");
    if (opts) g->opts = *opts;
    if (g->opts.device < 0 || g->opts.min_work < 0) {
        free(g);
        return ld_set_failure(LD_ERR_ARG, "ld_cuda_init: negative device index or min_work");
    }
    if (g->opts.min_work == 0) g->opts.min_work = 1L << 20;
    if (ld__cu_open(&g->dev, g->opts.device, g->opts.tf32, g->name, g->err)) {
        char why[300];
        snprintf(why, sizeof why, "no GPU: %s", g->err);
        free(g);
        return ld_set_failure(LD_ERR_DEVICE, why);
    }
    g->accel.gemm = ld__cu_product;
    g->accel.ctx = g;
    *out = g;
    return LD_OK;
}

LDDEF ld_status ld_cuda_attach(ld_cuda *g, ld_model *m) {
    if (!g || !m || !m->theta) return ld_set_failure(LD_ERR_ARG, "ld_cuda_attach: context or model missing");
    if (m->accel && m->accel != &g->accel)
        return ld_set_failure(LD_ERR_ARG, "ld_cuda_attach: the model already has another accelerator");
    if (g->m == m && m->accel == &g->accel && g->P == m->P) { /* already attached: send θ again */
        g->theta_ok = 0;
        return LD_OK;
    }
    ld_cuda_detach(g);
    void *p;
    if (ld__cu_take(g, &p, sizeof(ld_float) * m->P)) {
        char why[300];
        snprintf(why, sizeof why, "θ (%zu numbers) does not fit on the device: %s", m->P, g->err);
        return ld_set_failure(LD_ERR_OOM, why);
    }
    g->theta = (ld_float *)p;
    g->P = m->P;
    g->m = m;
    g->theta_ok = 0;
    if (ld__cu_theta_fresh(g)) {
        char why[300];
        snprintf(why, sizeof why, "θ could not be sent to the device: %s", g->err);
        g->m = NULL;
        ld__cu_give(g, g->theta, sizeof(ld_float) * g->P);
        g->theta = NULL;
        return ld_set_failure(LD_ERR_DEVICE, why);
    }
    m->accel = &g->accel;
    return LD_OK;
}

LDDEF void ld_cuda_detach(ld_cuda *g) {
    if (!g || !g->m) return;
    if (g->m->accel == &g->accel) g->m->accel = NULL;
    ld__cu_give(g, g->theta, sizeof(ld_float) * g->P);
    g->theta = NULL;
    g->theta_ok = 0;
    g->m = NULL;
}

LDDEF void ld_cuda_free(ld_cuda *g) {
    if (!g) return;
    ld_cuda_detach(g);
    for (int i = 0; i < 3; i++) ld__cu_give(g, g->buf[i], sizeof(ld_float) * g->cap[i]);
    ld__cu_close(g->dev);
    free(g);
}

LDDEF const char *ld_cuda_device_name(const ld_cuda *g) { return g ? g->name : ""; }

LDDEF ld_cuda_stats ld_cuda_get_stats(const ld_cuda *g) {
    ld_cuda_stats s;
    memset(&s, 0, sizeof s);
    if (g) s = g->stats;
    return s;
}

LDDEF const char *ld_cuda_last_error(const ld_cuda *g) { return g ? g->err : ""; }
