/* The whole model against an independent PyTorch mirror (tools/gen_reference.py,
   output committed as tests/data/ref_tiny.bin): logits, loss, every gradient
   and a 10-step AdamW trajectory with gradient clipping, on a batch of four
   sequences of different lengths. Built twice: float (compared with torch's
   float32 and float64 runs) and LD_LLM_DOUBLE (compared with float64). */
#define LD_LLM_IMPLEMENTATION
#include "../ld_llm.h"
#include "t.h"
#include <stdlib.h>
#include <string.h>

#ifndef REF_PATH
#define REF_PATH "tests/data/ref_tiny.bin"
#endif

typedef struct {
    int V, T, L, NH, C, B, Tb, nsteps;
    double lr, beta1, beta2, eps, wd, clip;
    int *tokens, *len, *plen;
    double *params;
    struct { double *logits, loss, *grads, *losses, *gradnorms; } run[2]; /* 0: float64, 1: float32 */
} ref_t;

static int rd(FILE *f, void *p, size_t sz, size_t n) { return fread(p, sz, n, f) == n; }

static int load_ref(ref_t *r, const char *path, size_t P) {
    FILE *f = fopen(path, "rb");
    if (!f) { printf("cannot open %s (run from the repository root)\n", path); return 0; }
    int32_t hdr[10];
    int ok = rd(f, hdr, 4, 10) && hdr[0] == 0x4C444C52 && hdr[1] == 1;
    if (!ok) { fclose(f); printf("bad magic/version in %s\n", path); return 0; }
    r->V = hdr[2]; r->T = hdr[3]; r->L = hdr[4]; r->NH = hdr[5]; r->C = hdr[6]; r->B = hdr[7]; r->Tb = hdr[8]; r->nsteps = hdr[9];
    double h[6];
    ok = rd(f, h, 8, 6);
    r->lr = h[0]; r->beta1 = h[1]; r->beta2 = h[2]; r->eps = h[3]; r->wd = h[4]; r->clip = h[5];
    r->tokens = (int *)malloc(sizeof(int) * r->B * r->Tb);
    r->len = (int *)malloc(sizeof(int) * r->B);
    r->plen = (int *)malloc(sizeof(int) * r->B);
    r->params = (double *)malloc(sizeof(double) * P);
    ok = ok && rd(f, r->tokens, 4, (size_t)r->B * r->Tb) && rd(f, r->len, 4, r->B) && rd(f, r->plen, 4, r->B) && rd(f, r->params, 8, P);
    for (int k = 0; k < 2 && ok; k++) {
        size_t nl = (size_t)r->B * r->Tb * r->V;
        r->run[k].logits = (double *)malloc(8 * nl);
        r->run[k].grads = (double *)malloc(8 * P);
        r->run[k].losses = (double *)malloc(8 * r->nsteps);
        r->run[k].gradnorms = (double *)malloc(8 * r->nsteps);
        ok = rd(f, r->run[k].logits, 8, nl) && rd(f, &r->run[k].loss, 8, 1) && rd(f, r->run[k].grads, 8, P) &&
             rd(f, r->run[k].losses, 8, r->nsteps) && rd(f, r->run[k].gradnorms, 8, r->nsteps);
    }
    int32_t end = 0;
    ok = ok && rd(f, &end, 4, 1) && end == 0x444E4521;
    fclose(f);
    if (!ok) printf("truncated or malformed %s\n", path);
    return ok;
}

int main(void) {
    ld_config cfg = {0};
    cfg.vocab_size = 257; cfg.context = 16; cfg.n_layer = 2; cfg.n_head = 4; cfg.n_embd = 32;
    size_t P = ld_param_count(&cfg);
    ref_t r;
    memset(&r, 0, sizeof r);
    if (!load_ref(&r, REF_PATH, P)) { CHECK(0, "reference file"); return t_done(); }
    CHECK(r.V == 257 && r.T == 16 && r.L == 2 && r.NH == 4 && r.C == 32, "reference config");

    ld_model m;
    ld_status st = ld_model_init(&m, &cfg, r.B, r.Tb, LD_TRAIN, 0);
    CHECK(st == LD_OK, "init: %s", ld_failure_reason());
    CHECK(m.P == P, "P = %zu (table: V*C + T*C + L*(12C²+13C) + 2C = %d)", m.P,
          257 * 32 + 16 * 32 + 2 * (12 * 32 * 32 + 13 * 32) + 2 * 32);
    for (size_t i = 0; i < P; i++) m.theta[i] = (ld_float)r.params[i];
    ld_seq seqs[8];
    for (int b = 0; b < r.B; b++) { seqs[b].tokens = r.tokens + b * r.Tb; seqs[b].len = r.len[b]; seqs[b].prompt_len = r.plen[b]; }

#ifdef LD_LLM_DOUBLE
    const char *prec = "double";
    int nruns = 1;                 /* float64 reference only */
    double tol_abs = 1e-10, tol_rel = 1e-8, tol_loss = 1e-10;
#else
    const char *prec = "float";
    int nruns = 2;                 /* torch float64 and float32 */
    double tol_abs = 1e-5, tol_rel = 1e-4, tol_loss = 1e-5;
#endif
    st = ld_forward(&m, seqs, r.B);
    CHECK(st == LD_OK, "forward: %s", ld_failure_reason());
    double loss = ld_sft_loss(&m, LD_NORM_TOKEN_MEAN);
    ld_zero_grad(&m);
    ld_backward(&m);
    for (int k = 0; k < nruns; k++) {
        const char *which = k == 0 ? "torch float64" : "torch float32";
        double maxd = 0;
        for (int b = 0; b < r.B; b++)
            for (int t = 0; t < r.len[b]; t++)
                for (int v = 0; v < r.V; v++) {
                    size_t i = ((size_t)b * r.Tb + t) * r.V + v;
                    maxd = fmax(maxd, fabs((double)m.a.logits[i] - r.run[k].logits[i]));
                }
        CHECK_V(maxd <= tol_abs, "%s logits vs %s: max|diff| = %.3g (tol %.0e)", prec, which, maxd, tol_abs);
        double dl = fabs(loss - r.run[k].loss);
        CHECK_V(dl <= tol_loss, "%s loss %.10f vs %s %.10f: |diff| = %.3g", prec, loss, which, r.run[k].loss, dl);
        for (int ti = 0; ti < ld_tensor_count(); ti++) {
            ld_tensor_info info;
            ld_tensor_info_get(&cfg, ti, &info);
            if (!info.size) continue;
            double worst = 0, maxdiff = 0;
            for (size_t i = info.offset; i < info.offset + info.size; i++) {
                double ref = r.run[k].grads[i], d = fabs((double)m.grad[i] - ref);
                worst = fmax(worst, d / (tol_abs + tol_rel * fabs(ref)));
                maxdiff = fmax(maxdiff, d);
            }
            CHECK_V(worst <= 1, "%s grad %-9s vs %s: max|diff| = %.3g, worst diff/(%.0e + %.0e|ref|) = %.3f",
                    prec, info.name, which, maxdiff, tol_abs, tol_rel, worst);
        }
    }

    /* 10 AdamW steps with clipping on the same batch, as the reference did */
    ld_optim opt;
    ld_optim_config oc = {0, LD_OPT_ADAMW, 0, 0, 0, 0, 0, 0, 0};
    oc.lr = r.lr; oc.beta1 = r.beta1; oc.beta2 = r.beta2; oc.eps = r.eps; oc.weight_decay = r.wd; oc.grad_clip = r.clip;
    CHECK(ld_optim_init(&opt, &m, &oc) == LD_OK, "optim init: %s", ld_failure_reason());
    double worst_loss[2] = {0, 0}, worst_norm[2] = {0, 0};
    int clipped = 0;
    for (int s = 0; s < r.nsteps; s++) {
        ld_forward(&m, seqs, r.B);
        double l = ld_sft_loss(&m, LD_NORM_TOKEN_MEAN);
        ld_zero_grad(&m);
        ld_backward(&m);
        ld_optim_step(&opt, &m, r.lr);
        clipped += opt.clip_scale < 1;
        for (int k = 0; k < nruns; k++) {
            worst_loss[k] = fmax(worst_loss[k], fabs(l - r.run[k].losses[s]));
            worst_norm[k] = fmax(worst_norm[k], fabs(opt.grad_norm - r.run[k].gradnorms[s]) / r.run[k].gradnorms[s]);
        }
        if (s == 0 || s == r.nsteps - 1) printf("     step %d: loss %.8f (torch %.8f), grad norm %.6f\n", s, l, r.run[0].losses[s], opt.grad_norm);
    }
    CHECK_V(clipped == r.nsteps, "gradient clipping active in %d of %d steps", clipped, r.nsteps);
    for (int k = 0; k < nruns; k++) {
        const char *which = k == 0 ? "torch float64" : "torch float32";
        CHECK_V(worst_loss[k] <= tol_loss, "%s 10-step AdamW losses vs %s: max|diff| = %.3g (tol %.0e)", prec, which, worst_loss[k], tol_loss);
        CHECK_V(worst_norm[k] <= tol_rel, "%s 10-step grad norms vs %s: max rel diff = %.3g", prec, which, worst_norm[k]);
    }
    ld_optim_free(&opt);
    ld_model_free(&m);
    free(r.tokens); free(r.len); free(r.plen); free(r.params);
    for (int k = 0; k < 2; k++) { free(r.run[k].logits); free(r.run[k].grads); free(r.run[k].losses); free(r.run[k].gradnorms); }
    return t_done();
}
