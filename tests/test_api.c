/* The API as a C programmer meets it:
   - ld_forward_row: one row's tokens, log-probs, logits, π, G without
     strides (rows are cur_T apart, not m->T), checked against invariants
     (Σ tok_logp = seq_logp, π = softmax(z), G = c(π − e_y));
   - datasets from C strings and from token arrays, equal to the same rows
     parsed from JSONL; their refusals;
   - ld_dyn_pair_step: one pair's DPO step analysed in one call, equal bit
     for bit to the trainer path, θ left as it was, c⁺ = β/2 at π = π_ref;
   - ld_token_string; ld_save making its directory;
   - the messages that used to mislead.
   Usage: test_api [scratch-dir] */
#define LD_LLM_IMPLEMENTATION
#include "../ld_llm.h"
#include "t.h"
#include <stdlib.h>
#include <string.h>

static const char *dir = "build/tmp";

static uint64_t fnv(const void *p, size_t n) {
    const unsigned char *c = (const unsigned char *)p;
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) { h ^= c[i]; h *= 1099511628211ULL; }
    return h;
}

static ld_config tiny(void) {
    ld_config c = {0};
    c.n_embd = 32; c.n_layer = 2; c.context = 64;
    return c;
}

static void test_forward_row(void) {
    ld_config cfg = tiny();
    ld_model m;
    if (ld_model_init(&m, &cfg, 4, 64, LD_TRAIN, 3)) { CHECK(0, "init: %s", ld_failure_reason()); return; }
    int a[20], b[9], c[14];
    for (int i = 0; i < 20; i++) a[i] = 'a' + i % 26;
    for (int i = 0; i < 9; i++) b[i] = 'A' + i;
    for (int i = 0; i < 14; i++) c[i] = '0' + i % 10;
    ld_seq s[3] = { { a, 20, 5 }, { b, 9, 2 }, { c, 14, 13 } };
    CHECK(ld_forward(&m, s, 3) == LD_OK, "forward: %s", ld_failure_reason());
    CHECK_V(m.cur_T == 20 && m.T == 64, "the forward's rows are cur_T = %d apart, not m->T = %d", m.cur_T, m.T);
    ld_sft_loss(&m, LD_NORM_TOKEN_MEAN);
    long ntok = 15 + 7 + 1;
    int V = m.cfg.vocab_size;
    for (int r = 0; r < 3; r++) {
        ld_row row;
        ld_status st = ld_forward_row(&m, r, &row);
        int same = st == LD_OK && row.len == s[r].len && row.prompt_len == s[r].prompt_len;
        for (int t = 0; same && t < row.len; t++) same = row.tokens[t] == s[r].tokens[t];
        CHECK_V(same, "row %d: its tokens, length %d and prompt length %d", r, row.len, row.prompt_len);
        if (st) continue;
        double sum = 0;
        for (int t = row.prompt_len - 1; t < row.len - 1; t++) sum += row.tok_logp[t];
        CHECK_V(fabs(sum - row.seq_logp) <= 1e-9 * fabs(row.seq_logp) && sum < 0,
                "row %d: Σ of its response's tok_logp = %.6f = seq_logp %.6f", r, sum, row.seq_logp);
        /* π = softmax(z) and log π_t[χ_{t+1}] from the row's own logits, in double */
        double worst_p = 0, worst_l = 0, worst_g = 0;
        for (int t = 0; t < row.len; t++) {
            const ld_float *z = row.logits + (size_t)t * V, *pi = row.probs + (size_t)t * V, *g = row.G + (size_t)t * V;
            double mx = z[0], se = 0;
            for (int v = 1; v < V; v++) mx = fmax(mx, z[v]);
            for (int v = 0; v < V; v++) se += exp(z[v] - mx);
            for (int v = 0; v < V; v++) worst_p = fmax(worst_p, fabs(exp(z[v] - mx) / se - pi[v]));
            if (t < row.len - 1) worst_l = fmax(worst_l, fabs(z[row.tokens[t + 1]] - mx - log(se) - row.tok_logp[t]));
            /* G = (π − e_y)/N_tok on the response positions, 0 elsewhere */
            int resp = t >= row.prompt_len - 1 && t < row.len - 1;
            for (int v = 0; v < V; v++) {
                double want = resp ? (pi[v] - (v == row.tokens[t + 1])) / ntok : 0;
                worst_g = fmax(worst_g, fabs(g[v] - want));
            }
        }
        CHECK_V(worst_p < 1e-6 && worst_l < 1e-4 && worst_g < 1e-7,
                "row %d: π = softmax(z) (%.1e), tok_logp from z (%.1e), G = (π − e_y)/N_tok (%.1e)", r, worst_p, worst_l, worst_g);
    }
    ld_row row;
    CHECK_V(ld_forward_row(&m, 3, &row) == LD_ERR_ARG && strstr(ld_failure_reason(), "row 3"),
            "row 3 of a 3-row forward is refused: %s", ld_failure_reason());
    int out[64], out_len;
    ld_seq p = { a, 4, 4 };
    CHECK(ld_generate(&m, &p, 1, 3, NULL, NULL, out, &out_len) == LD_OK, "generate: %s", ld_failure_reason());
    CHECK_V(ld_forward_row(&m, 0, &row) == LD_ERR_ARG && strstr(ld_failure_reason(), "ld_forward first"),
            "after ld_generate there is no row to read: %s", ld_failure_reason());
    double l = ld_sft_loss(&m, LD_NORM_SEQ_SUM);
    CHECK_V(isnan(l) && strstr(ld_failure_reason(), "no teacher-forced forward") && !strstr(ld_failure_reason(), "without LD_TRAIN"),
            "the SFT loss after ld_generate says the forward is gone, not LD_TRAIN: %s", ld_failure_reason());
    ld_model_free(&m);

    ld_model inf;
    ld_model_init(&inf, &cfg, 1, 16, 0, 3);
    ld_seq q = { a, 6, 2 };
    ld_forward(&inf, &q, 1);
    l = ld_sft_loss(&inf, LD_NORM_SEQ_SUM);
    CHECK_V(isnan(l) && strstr(ld_failure_reason(), "without LD_TRAIN"), "the SFT loss on a model without LD_TRAIN says so: %s",
            ld_failure_reason());
    CHECK_V(ld_forward_row(&inf, 0, &row) == LD_OK && row.G == NULL && row.jvp == NULL && row.len == 6,
            "without LD_TRAIN and LD_JVP a row has no G and no JVP buffer");
    ld_optim o;
    CHECK_V(ld_optim_init(&o, &inf, NULL) == LD_ERR_ARG && strstr(ld_failure_reason(), "without LD_TRAIN"),
            "ld_optim_init refuses a model without LD_TRAIN: %s", ld_failure_reason());
    ld_model_free(&inf);
}

/* Two datasets hold the same rows, column for column. */
static int same_data(const ld_dataset *x, const ld_dataset *y) {
    if (x->n != y->n || x->n_fields != y->n_fields || x->kind != y->kind) return 0;
    for (int f = 0; f < x->n_fields; f++) {
        int g = ld_dataset_field(y, x->fields[f]);
        if (g < 0) return 0;
        for (int i = 0; i < x->n; i++) {
            int lx = x->len[(size_t)i * x->n_fields + f], ly = y->len[(size_t)i * y->n_fields + g];
            if (lx != ly) return 0;
            if (lx > 0 && memcmp(x->tokens + x->start[(size_t)i * x->n_fields + f], y->tokens + y->start[(size_t)i * y->n_fields + g],
                                 sizeof(int) * lx)) return 0;
        }
    }
    return 1;
}

static void test_datasets_from_c(void) {
    ld_config cfg = {0};
    ld_dataset a, b;
    /* SFT */
    const char *sft[2][2] = { { "Q: 2+2?\n", "A: 4" }, { "", "caf\xc3\xa9 \xf0\x9f\x98\x80" } };
    const char *sft_json = "{\"prompt\": \"Q: 2+2?\\n\", \"completion\": \"A: 4\"}\n"
                           "{\"prompt\": \"\", \"completion\": \"caf\\u00e9 \\ud83d\\ude00\"}\n";
    ld_status s1 = ld_dataset_from_strings(&a, LD_DATA_SFT, NULL, 0, &sft[0][0], 2, &cfg);
    ld_status s2 = ld_dataset_parse(&b, sft_json, strlen(sft_json), &cfg, LD_DATA_SFT, 0);
    CHECK_V(s1 == LD_OK && s2 == LD_OK && same_data(&a, &b) && a.line[1] == 2,
            "SFT from C strings = the same rows parsed from JSONL (%s)", s1 ? ld_failure_reason() : "ok");
    ld_dataset_free(&a); ld_dataset_free(&b);
    /* preference */
    const char *pref[3] = { "The sky is", " blue.", " green." };
    const char *pref_json = "{\"prompt\": \"The sky is\", \"chosen\": \" blue.\", \"rejected\": \" green.\"}\n";
    s1 = ld_dataset_from_strings(&a, LD_DATA_PREF, NULL, 0, pref, 1, &cfg);
    s2 = ld_dataset_parse(&b, pref_json, strlen(pref_json), &cfg, LD_DATA_PREF, 0);
    CHECK_V(s1 == LD_OK && s2 == LD_OK && same_data(&a, &b), "a preference pair from C strings = the same pair from JSONL");
    ld_dataset_free(&b);
    /* from tokens: the same ids */
    int px[10], pc[6], pr[7];
    for (int k = 0; k < 10; k++) px[k] = (unsigned char)pref[0][k];
    for (int k = 0; k < 6; k++) pc[k] = (unsigned char)pref[1][k];
    for (int k = 0; k < 7; k++) pr[k] = (unsigned char)pref[2][k];
    const int *cells[3] = { px, pc, pr };
    int lens[3] = { 10, 6, 7 };
    s1 = ld_dataset_from_tokens(&b, LD_DATA_PREF, NULL, 0, cells, lens, 1, &cfg);
    CHECK_V(s1 == LD_OK && same_data(&a, &b), "the pair from token arrays = the pair from strings");
    ld_dataset_free(&a); ld_dataset_free(&b);
    /* probes: named columns, absent cells */
    const char *cols[3] = { "prompt", "chosen", "irr_hum" };
    const char *probes[2][3] = { { "Q1", " a1", " unrelated" }, { "Q2", " a2", NULL } };
    const char *probe_json = "{\"prompt\": \"Q1\", \"chosen\": \" a1\", \"irr_hum\": \" unrelated\"}\n"
                             "{\"prompt\": \"Q2\", \"chosen\": \" a2\"}\n";
    s1 = ld_dataset_from_strings(&a, LD_DATA_PROBES, cols, 3, &probes[0][0], 2, &cfg);
    s2 = ld_dataset_parse(&b, probe_json, strlen(probe_json), &cfg, LD_DATA_PROBES, 0);
    CHECK_V(s1 == LD_OK && s2 == LD_OK && same_data(&a, &b) && a.len[1 * 3 + 2] == -1,
            "probes from C strings with an absent cell = the same probes from JSONL");
    ld_dataset_free(&a); ld_dataset_free(&b);

    /* refusals, each leaving an empty dataset */
    const char *empty[3] = { "Q", " yes", "" };
    const char *badutf[3] = { "Q", " y\xc3", " n" };
    const char *nochosen[2] = { "prompt", "rejected" };
    const char *first_not_prompt[3] = { "chosen", "prompt", "rejected" };
    int big[2] = { 65, 300 }, one[1] = { 66 };
    const int *bad_cells[3] = { one, big, one };
    int bad_lens[3] = { 1, 2, 1 };
#define REFUSED(call, why)                                                                      \
    do {                                                                                        \
        ld_status st_ = (call);                                                                 \
        CHECK_V(st_ != LD_OK && a.n == 0 && a.tokens == NULL && strstr(ld_failure_reason(), why), \
                "refused, dataset left empty: %s", ld_failure_reason());                        \
    } while (0)
    REFUSED(ld_dataset_from_strings(&a, LD_DATA_PREF, NULL, 0, empty, 1, &cfg), "example 0: \"rejected\" is empty");
    REFUSED(ld_dataset_from_strings(&a, LD_DATA_PREF, NULL, 0, badutf, 1, &cfg), "\"chosen\" is not valid UTF-8 at byte 2");
    REFUSED(ld_dataset_from_strings(&a, LD_DATA_PREF, nochosen, 2, badutf, 1, &cfg), "needs a \"chosen\" column");
    REFUSED(ld_dataset_from_strings(&a, LD_DATA_PREF, first_not_prompt, 3, pref, 1, &cfg), "column 0 must be \"prompt\"");
    REFUSED(ld_dataset_from_tokens(&a, LD_DATA_PREF, NULL, 0, bad_cells, bad_lens, 1, &cfg), "token 1 is 300, outside [0, 257)");
    REFUSED(ld_dataset_from_strings(&a, LD_DATA_PREF, NULL, 0, pref, 0, &cfg), "0 examples");
#undef REFUSED
}

static void test_pair_step(void) {
    ld_config cfg = tiny();
    ld_model m;
    if (ld_model_init(&m, &cfg, 4, 64, LD_TRAIN, 11)) { CHECK(0, "init: %s", ld_failure_reason()); return; }
    uint64_t before = fnv(m.theta, sizeof(ld_float) * m.P);
    ld_train_config tc = {0};
    tc.lr = 1e-3;
    ld_dyn_report r;
    ld_status st = ld_dyn_pair_step(&m, NULL, "The sky is", " blue.", " green.", &tc, NULL, NULL, 0, &r);
    CHECK_V(st == LD_OK && r.n_obs == 2 && r.n_rows == 2, "one call analyses one DPO step on a pair given as C strings (%s)",
            st ? ld_failure_reason() : "ok");
    if (st) { ld_model_free(&m); return; }
    CHECK_V(fnv(m.theta, sizeof(ld_float) * m.P) == before, "θ is left as it was");
    /* at π = π_ref, h = 0: c⁺ = β(1 − σ(0)) = β/2 = 0.05, c⁻ = −c⁺ */
    CHECK_V(fabs(r.row_coef[0].c - 0.05) < 1e-12 && fabs(r.row_coef[1].c + 0.05) < 1e-12,
            "DPO's residual coefficients at the start: c⁺ = %.6f, c⁻ = %.6f (β/2 = 0.05)", r.row_coef[0].c, r.row_coef[1].c);
    CHECK_V(r.pred[1] < 0 && r.meas[1] < 0, "y⁻ falls: predicted %+.3e, measured %+.3e", r.pred[1], r.meas[1]);
    double worst = 0;
    for (int i = 0; i < 2; i++) worst = fmax(worst, fabs(r.meas[i] - r.pred[i]) / fabs(r.pred[i]));
    CHECK_V(worst < 0.1, "first order at η = 1e-3: |measured − predicted| ≤ %.3f |predicted|", worst);
    CHECK_V(fabs(r.pred_chosen[0] + r.pred_rejected[0] - r.pred[0]) <= 1e-3 * fabs(r.pred[0]) && fabs(r.drift[0]) <= 1e-3 * fabs(r.pred[0]),
            "SGD: the parts through G⁺ and G⁻ add up to the prediction (drift %.1e)", r.drift[0]);

    /* the same step through the trainer by hand: the same numbers, bit for bit */
    ld_dataset ds;
    const char *json = "{\"prompt\": \"The sky is\", \"chosen\": \" blue.\", \"rejected\": \" green.\"}\n";
    ld_dataset_parse(&ds, json, strlen(json), &m.cfg, LD_DATA_PREF, 0);
    ld_optim o;
    ld_optim_config oc = {0};
    oc.kind = LD_OPT_SGD;
    ld_optim_init(&o, &m, &oc);
    ld_train_config tc2 = tc;
    tc2.pref = 1; tc2.batch = 1;
    ld_trainer tr;
    st = ld_trainer_init(&tr, &m, &o, &ds, &tc2, NULL);
    int buf[2 * 64];
    ld_seq obs[2];
    for (int k = 0; k < 2 && !st; k++) st = ld_dataset_seq(&ds, 0, 1 + k, m.T, 0, &m.cfg, buf + 64 * k, &obs[k]);
    ld_dyn_report r2;
    if (!st) st = ld_dyn_step(&tr, obs, 2, 0, &r2);
    CHECK_V(st == LD_OK && !memcmp(r.pred, r2.pred, 2 * sizeof(double)) && !memcmp(r.meas, r2.meas, 2 * sizeof(double)) &&
            !memcmp(r.share, r2.share, 4 * sizeof(double)),
            "equal bit for bit to ld_trainer_init + ld_dyn_step on the same pair (%s)", st ? ld_failure_reason() : "ok");

    /* a bad observed sequence is named as such, not as a row */
    int t300[3] = { 1, 300, 2 };
    ld_seq bad[2] = { obs[0], { t300, 3, 1 } };
    ld_dyn_report r3;
    CHECK_V(ld_dyn_step(&tr, bad, 2, 0, &r3) == LD_ERR_TOKEN && strstr(ld_failure_reason(), "observed sequence 1"),
            "ld_dyn_step names the bad observation: %s", ld_failure_reason());
    ld_seq empty_obs = { t300, 1, 1 };
    CHECK_V(ld_dyn_pair_step(&m, NULL, "The sky is", " blue.", " green.", &tc, NULL, &empty_obs, 1, &r3) == LD_ERR_LENGTH &&
            strstr(ld_failure_reason(), "observed sequence 0"), "so does ld_dyn_pair_step: %s", ld_failure_reason());
    /* a trainer whose dataset was freed says so */
    ld_dataset_free(&ds);
    tr.batch_ready = 0;
    CHECK_V(ld_trainer_step(&tr) == LD_ERR_ARG && strstr(ld_failure_reason(), "freed"),
            "a step after the dataset was freed: %s", ld_failure_reason());
    if (r2.pred) ld_dyn_report_free(&r2);
    ld_dyn_report_free(&r);
    ld_trainer_free(&tr);
    ld_optim_free(&o);
    ld_model_free(&m);
}

static void test_token_string(void) {
    ld_config cfg = {0};
    char b[32];
    struct { int id; const char *want; int ret; } c[] = {
        { 'a', "a", 1 }, { ' ', " ", 1 }, { '\n', "\\n", 2 }, { '\\', "\\\\", 2 }, { 0xc3, "\\xc3", 4 },
        { 256, "<|endoftext|>", 13 }, { 257, "<|bad id 257|>", -1 }, { -1, "<|bad id -1|>", -1 },
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        int n = ld_token_string(&cfg, c[i].id, b, sizeof b);
        CHECK_V(n == c[i].ret && !strcmp(b, c[i].want), "token %d shows as %s (returns %d)", c[i].id, b, n);
    }
    int n = ld_token_string(&cfg, 256, b, 5);
    CHECK_V(n == 13 && !strcmp(b, "<|en"), "a short buffer gets the text cut, NUL-terminated, and the full length back");
}

static void test_save_makes_dir(void) {
    ld_config cfg = tiny();
    ld_model m, back;
    ld_model_init(&m, &cfg, 1, 16, 0, 5);
    char d[512], f[600];
    snprintf(d, sizeof d, "%s/api_save/a/b", dir);
    snprintf(f, sizeof f, "%s/api_save/a/b/model.safetensors", dir);
    remove(f);
    ld_status st = ld_save(&m, d);
    int ok = st == LD_OK && ld_load(&back, d, 1, 16, 0) == LD_OK;
    CHECK_V(ok && back.P == m.P && !memcmp(back.theta, m.theta, sizeof(ld_float) * m.P),
            "ld_save makes the missing directories and the model loads back bit for bit (%s)", st ? ld_failure_reason() : "ok");
    if (ok) ld_model_free(&back);
    /* a path through a file */
    snprintf(d, sizeof d, "%s/api_save/a/b/model.safetensors/sub", dir);
    CHECK_V(ld_save(&m, d) == LD_ERR_IO && strstr(ld_failure_reason(), "is not a directory"),
            "a path through a file is refused: %s", ld_failure_reason());
    ld_model_free(&m);
}

int main(int argc, char **argv) {
    if (argc > 1) dir = argv[1];
    test_forward_row();
    test_datasets_from_c();
    test_pair_step();
    test_token_string();
    test_save_makes_dir();
    return t_done();
}
