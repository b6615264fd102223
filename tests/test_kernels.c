/* The fast kernels against their references, in whichever vector width this
   file is compiled for (the Makefile builds it for AVX-512, AVX2, SSE2 and
   the scalar path, LD_NO_SIMD):
   - the packed GEMM against the triple loop, over shapes around the tile
     and block sizes, all four transpositions, overwrite and accumulate,
     within the rounding bound 2·K·ε·Σ|a||b|;
   - a row's result does not depend on which rows share the product;
   - the vectorised exp and the GELU built on it against libm. */
#define LD_LLM_IMPLEMENTATION
#include "../ld_llm.h"
#include "t.h"
#include <float.h>
#include <stdlib.h>
#include <string.h>

#ifdef LD_LLM_DOUBLE
#define EPS DBL_EPSILON
#else
#define EPS FLT_EPSILON
#endif

static void test_gemm(void) {
    int sizes[] = { 1, 5, LD__MR, LD__MR + 1, 17, LD__NR, LD__NR + 3, 70, 257, 300 };
    int ks[] = { 1, 3, 64, LD__KC - 1, LD__KC, LD__KC + 7, 2 * LD__KC + 13 };
    int ns = sizeof sizes / sizeof sizes[0], nk = sizeof ks / sizeof ks[0];
    ld_rng r;
    ld_rng_seed(&r, 11);
    long cases = 0, bad = 0;
    double worst = 0;
    for (int im = 0; im < ns; im++)
        for (int in = 0; in < ns; in += (im % 3) + 1)        /* a thinned grid: enough shapes, quick */
            for (int ik = 0; ik < nk; ik += (in % 2) + 1)
                for (int tr = 0; tr < 4; tr++)
                    for (int acc = 0; acc < 2; acc++) {
                        int M = sizes[im], N = sizes[in], K = ks[ik];
                        if (N > LD__NC && (long)M * N * K > 4000000) continue;
                        ld_float *A = (ld_float *)malloc(sizeof(ld_float) * M * K), *Bm = (ld_float *)malloc(sizeof(ld_float) * K * N);
                        ld_float *C1 = (ld_float *)malloc(sizeof(ld_float) * M * N), *C2 = (ld_float *)malloc(sizeof(ld_float) * M * N);
                        for (int i = 0; i < M * K; i++) A[i] = (ld_float)ld_rng_normal(&r);
                        for (int i = 0; i < K * N; i++) Bm[i] = (ld_float)ld_rng_normal(&r);
                        for (int i = 0; i < M * N; i++) C1[i] = C2[i] = (ld_float)ld_rng_normal(&r);
                        /* tr bit 0: A stored transposed (K, M); bit 1: B stored transposed (N, K) */
                        long ars = tr & 1 ? 1 : K, acs = tr & 1 ? M : 1, brs = tr & 2 ? 1 : N, bcs = tr & 2 ? K : 1;
                        ld__gemm(M, N, K, A, ars, acs, Bm, brs, bcs, C1, N, acc);
                        ld__gemm_ref(M, N, K, A, ars, acs, Bm, brs, bcs, C2, N, acc);
                        for (int i = 0; i < M; i++)
                            for (int j = 0; j < N; j++) {
                                double bound = acc ? fabs((double)C2[i * N + j]) : 0;
                                for (int k = 0; k < K; k++) bound += fabs((double)A[i * ars + k * acs] * Bm[k * brs + j * bcs]);
                                double e = fabs((double)C1[i * N + j] - C2[i * N + j]);
                                double rel = e / (2 * (K + 1) * EPS * bound + 1e-300);
                                if (rel > worst) worst = rel;
                                bad += rel > 1;
                            }
                        cases++;
                        free(A); free(Bm); free(C1); free(C2);
                    }
    CHECK_V(bad == 0, "packed GEMM (%d×%d tile, %d-byte vectors) = triple loop in %ld shapes × transpositions × modes; "
                      "worst error %.2f of the bound 2(K+1)ε·Σ|a||b|", LD__MR, LD__NR, LD__VL * (int)sizeof(ld_float), cases, worst);

    /* a row of C is the same number whether computed alone or among others */
    int M = 37, N = 45, K = 300;
    ld_float *A = (ld_float *)malloc(sizeof(ld_float) * M * K), *Bm = (ld_float *)malloc(sizeof(ld_float) * K * N);
    ld_float *C = (ld_float *)malloc(sizeof(ld_float) * M * N), *row = (ld_float *)malloc(sizeof(ld_float) * N);
    for (int i = 0; i < M * K; i++) A[i] = (ld_float)ld_rng_normal(&r);
    for (int i = 0; i < K * N; i++) Bm[i] = (ld_float)ld_rng_normal(&r);
    ld__gemm(M, N, K, A, K, 1, Bm, N, 1, C, N, 0);
    int same = 1;
    for (int i = 0; i < M; i++) {
        ld__gemm(1, N, K, A + (size_t)i * K, K, 1, Bm, N, 1, row, N, 0);
        same &= !memcmp(row, C + (size_t)i * N, sizeof(ld_float) * N);
    }
    CHECK_V(same, "every row of a %d-row product is bit for bit the row computed alone", M);
    free(A); free(Bm); free(C); free(row);
}

static void test_exp_gelu(void) {
    enum { N = 200001 };
    ld_float *x = (ld_float *)malloc(sizeof(ld_float) * N), *y = (ld_float *)malloc(sizeof(ld_float) * N);
    for (int i = 0; i < N; i++) x[i] = (ld_float)(-87.0 * i / (N - 1));
    ld__exp_neg(y, x, N);
    double worst = 0;
    for (int i = 0; i < N; i++) {
        double t = exp((double)x[i]), e = fabs(y[i] - t) / t;
        if (e > worst) worst = e;
    }
    CHECK_V(worst < 3 * EPS, "exp(x) on [−87, 0]: max relative error %.2e (%.1f ulp)", worst, worst / EPS);
    ld_float lo[3] = { -88, -200, -1e30f };
    ld__exp_neg(lo, lo, 3);
    CHECK_V(lo[0] >= 0 && lo[0] < 2e-38 && lo[1] >= 0 && lo[1] < 2e-38 && lo[2] >= 0 && lo[2] < 2e-38,
            "exp below −87: tiny and non-negative (%.2g, %.2g, %.2g)", (double)lo[0], (double)lo[1], (double)lo[2]);
    /* GELU against the formula with libm's tanh */
    for (int i = 0; i < N; i++) x[i] = (ld_float)(-12.0 + 24.0 * i / (N - 1));
    ld_gelu_forward(y, x, N);
    worst = 0;
    for (int i = 0; i < N; i++) {
        double u = 0.7978845608028654 * (x[i] + 0.044715 * (double)x[i] * x[i] * x[i]);
        double t = 0.5 * x[i] * (1 + tanh(u)), e = fabs(y[i] - t) / (1 + fabs(t));
        if (e > worst) worst = e;
    }
    CHECK_V(worst < 8 * EPS, "GELU on [−12, 12] against libm's tanh: max error %.2e × (1 + |gelu|)", worst);
    free(x); free(y);
}

int main(void) {
    test_gemm();
    test_exp_gelu();
    return t_done();
}
