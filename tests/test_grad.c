/* Exactness of the derivatives, in the double build:
   - every layer's backward and jvp against central finite differences
     (ld_selftest);
   - the whole model's gradient of the SFT loss against finite differences,
     entry by entry in every tensor, for a tied and an untied head;
   - the whole model's JVP (every logit) against finite differences of the
     logits along a random direction. Relative error ≤ 1e-6 throughout. */
#define LD_LLM_DOUBLE
#define LD_LLM_IMPLEMENTATION
#define LD_LLM_SELFTEST
#include "../ld_llm.h"
#include "t.h"
#include <stdlib.h>
#include <string.h>

static double loss_at(ld_model *m, const ld_seq *s, int B) {
    ld_forward(m, s, B);
    return ld_sft_loss(m, LD_NORM_SEQ_SUM);
}

static void check_model(int untied) {
    ld_config cfg = {0};
    cfg.vocab_size = 11; cfg.context = 8; cfg.n_layer = 2; cfg.n_head = 2; cfg.n_embd = 8;
    cfg.untied_head = untied; cfg.init_std = 0.3;
    ld_model m;
    CHECK(ld_model_init(&m, &cfg, 3, 8, LD_TRAIN | LD_JVP, 7) == LD_OK, "init: %s", ld_failure_reason());
    /* non-zero biases and LayerNorm parameters, so every path carries signal */
    ld_rng r;
    ld_rng_seed(&r, 99);
    for (size_t i = 0; i < m.P; i++) m.theta[i] += 0.1 * ld_rng_normal(&r);
    int toks[3][8] = { {10, 1, 2, 3, 4, 5, 6, 7}, {10, 3, 3, 9}, {10, 2, 8, 1, 0, 4} };
    ld_seq s[3] = { { toks[0], 8, 2 }, { toks[1], 4, 1 }, { toks[2], 6, 3 } };
    loss_at(&m, s, 3);
    ld_zero_grad(&m);
    ld_backward(&m);
    double *g = (double *)malloc(sizeof(double) * m.P);
    memcpy(g, m.grad, sizeof(double) * m.P);
    const double h = 1e-5;
    for (int ti = 0; ti < ld_tensor_count(); ti++) {
        ld_tensor_info info;
        ld_tensor_info_get(&m.cfg, ti, &info);
        if (!info.size) continue;
        double maxerr = 0, maxref = 0;
        for (size_t i = info.offset; i < info.offset + info.size; i++) {
            double keep = m.theta[i];
            m.theta[i] = keep + h;
            double lp = loss_at(&m, s, 3);
            m.theta[i] = keep - h;
            double lm = loss_at(&m, s, 3);
            m.theta[i] = keep;
            double fd = (lp - lm) / (2 * h);
            maxerr = fmax(maxerr, fabs(fd - g[i]));
            maxref = fmax(maxref, fabs(fd));
        }
        double rel = maxerr / maxref;
        CHECK_V(rel <= 1e-6 && maxref > 0, "model grad %-8s (%s head, %zu entries): max|fd−g|/max|fd| = %.2e",
                info.name, untied ? "untied" : "tied", info.size, rel);
    }
    /* JVP of all logits along a random direction v */
    double *v = (double *)malloc(sizeof(double) * m.P);
    for (size_t i = 0; i < m.P; i++) v[i] = ld_rng_normal(&r);
    ld_forward(&m, s, 3);
    CHECK(ld_jvp(&m, v) == LD_OK, "jvp: %s", ld_failure_reason());
    size_t nz = (size_t)m.cur_B * m.cur_T * m.cfg.vocab_size;
    double *jv = (double *)malloc(sizeof(double) * nz), *zp = (double *)malloc(sizeof(double) * nz);
    memcpy(jv, m.t.logits, sizeof(double) * nz);
    for (size_t i = 0; i < m.P; i++) m.theta[i] += h * v[i];
    ld_forward(&m, s, 3);
    memcpy(zp, m.a.logits, sizeof(double) * nz);
    for (size_t i = 0; i < m.P; i++) m.theta[i] -= 2 * h * v[i];
    ld_forward(&m, s, 3);
    for (size_t i = 0; i < m.P; i++) m.theta[i] += h * v[i];
    double maxerr = 0, maxref = 0;
    for (int b = 0; b < 3; b++)
        for (int t = 0; t < s[b].len; t++)
            for (int k = 0; k < m.cfg.vocab_size; k++) {
                size_t i = ((size_t)b * m.cur_T + t) * m.cfg.vocab_size + k;
                double fd = (zp[i] - m.a.logits[i]) / (2 * h);
                maxerr = fmax(maxerr, fabs(fd - jv[i]));
                maxref = fmax(maxref, fabs(fd));
            }
    CHECK_V(maxerr / maxref <= 1e-6, "model jvp (%s head), every logit: max|fd−Jv|/max|fd| = %.2e",
            untied ? "untied" : "tied", maxerr / maxref);
    /* the JVP and the gradient agree: ⟨g, v⟩ = Σ G ⊙ Jv */
    ld_forward(&m, s, 3);
    ld_sft_loss(&m, LD_NORM_SEQ_SUM);
    ld_jvp(&m, v);
    double gv = 0, GJv = 0;
    for (size_t i = 0; i < m.P; i++) gv += g[i] * v[i];
    for (size_t i = 0; i < nz; i++) GJv += m.d.logits[i] * m.t.logits[i];
    CHECK_V(fabs(gv - GJv) <= 1e-10 * fabs(gv), "⟨∇θL, v⟩ = %.12f equals Σ G·(J v) = %.12f", gv, GJv);
    free(g); free(v); free(jv); free(zp);
    ld_model_free(&m);
}

int main(void) {
    int f = ld_selftest(1);
    CHECK(f == 0, "%d layer checks failed", f);
    check_model(0);
    check_model(1);
    return t_done();
}
