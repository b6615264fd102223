/* Data and the training loop.
   - JSONL: TRL field names, JSON escapes (\n, \", \uXXXX, surrogate pairs),
     UTF-8; each malformed line is reported with its line number, or skipped
     and counted; probe files keep every string field.
   - truncation as the official DPO code: prompt first (its end kept),
     shared by chosen and rejected; then the responses.
   - the schedule (warmup, linear, cosine) against its formula;
   - SFT and DPO through the loop lower the loss / raise the margin;
   - save, resume: the next steps reproduce the uninterrupted run bit for bit;
   - a frozen reference model per step equals precomputed reference log-probs.
   Usage: test_train [scratch-dir] */
#define LD_LLM_IMPLEMENTATION
#include "../ld_llm.h"
#include "t.h"
#include <stdlib.h>
#include <string.h>

static const char *dir = "build/tmp";

static int tok_eq(const ld_dataset *ds, int i, const char *field, const char *bytes, int n) {
    int f = ld_dataset_field(ds, field);
    if (f < 0 || ds->len[(size_t)i * ds->n_fields + f] != n) return 0;
    const int *t = ds->tokens + ds->start[(size_t)i * ds->n_fields + f];
    for (int k = 0; k < n; k++) if (t[k] != (unsigned char)bytes[k]) return 0;
    return 1;
}

static void test_parse(void) {
    ld_config cfg = {0};
    ld_dataset ds;
    const char *ok =
        "{\"prompt\": \"Q: 2+2?\\n\", \"completion\": \"A: \\\"4\\\"\"}\n"
        "\n"
        "   \r\n"
        "{\"completion\": \"caf\\u00e9 \\ud83d\\ude00\", \"prompt\": \"\", \"id\": 7}\r\n"
        "{\"prompt\": \"snow ☃\", \"completion\": \"x\"}";
    ld_status st = ld_dataset_parse(&ds, ok, strlen(ok), &cfg, LD_DATA_SFT, 0);
    CHECK_V(st == LD_OK && ds.n == 3, "SFT JSONL: 3 examples, blank lines skipped (%s)", st ? ld_failure_reason() : "ok");
    if (st) return;
    CHECK_V(tok_eq(&ds, 0, "prompt", "Q: 2+2?\n", 8) && tok_eq(&ds, 0, "completion", "A: \"4\"", 6), "escapes \\n and \\\" decoded");
    CHECK_V(tok_eq(&ds, 1, "completion", "caf\xc3\xa9 \xf0\x9f\x98\x80", 10), "\\u00e9 and the surrogate pair \\ud83d\\ude00 become UTF-8");
    CHECK_V(tok_eq(&ds, 1, "prompt", "", 0) && ds.line[1] == 4, "empty prompt allowed; line numbers count blank lines (%d)", ds.line[1]);
    CHECK_V(tok_eq(&ds, 2, "prompt", "snow \xe2\x98\x83", 8), "raw UTF-8 kept byte for byte");
    ld_dataset_free(&ds);

    struct { const char *text; ld_data_kind kind; const char *why; } bad[] = {
        { "{\"prompt\": \"a\", \"completion\": \"b\"}\n{\"prompt\": \"a\", \"completion\": \"b\"\n", LD_DATA_SFT, "line 2: bad JSON" },
        { "{\"prompt\": \"a\"}\n", LD_DATA_SFT, "line 1: missing field \"completion\"" },
        { "{\"prompt\": \"a\", \"completion\": [\"b\"]}\n", LD_DATA_SFT, "line 1: field \"completion\" is not a string" },
        { "{\"prompt\": \"a\", \"completion\": \"b\xff\"}\n", LD_DATA_SFT, "line 1: bad JSON: invalid UTF-8" },
        { "{\"prompt\": \"a\", \"completion\": \"\"}\n", LD_DATA_SFT, "no usable examples (skipped 1 example with an empty \"completion\" (line 1))" },
        { "{\"prompt\": \"a\", \"chosen\": \"b\", \"rejected\": \"\\ud800x\"}\n", LD_DATA_PREF, "line 1: field \"rejected\" has a lone UTF-16 surrogate" },
        { "{\"prompt\": \"a\", \"chosen\": \"b\"}\n", LD_DATA_PREF, "line 1: missing field \"rejected\"" },
        { "[1, 2]\n", LD_DATA_PREF, "line 1: not a JSON object" },
        { "\n\n", LD_DATA_SFT, "no examples" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ld_status s = ld_dataset_parse(&ds, bad[i].text, strlen(bad[i].text), &cfg, bad[i].kind, 0);
        CHECK_V(s == LD_ERR_DATA && strstr(ld_failure_reason(), bad[i].why) && ds.n == 0 && ds.tokens == NULL,
                "malformed -> %s", ld_failure_reason());
    }
    const char *mixed =
        "{\"prompt\": \"p1\", \"chosen\": \"good\", \"rejected\": \"bad\"}\n"
        "{\"prompt\": \"p2\", \"chosen\": 3, \"rejected\": \"bad\"}\n"
        "not json\n"
        "{\"prompt\": \"p4\", \"chosen\": \"fine\", \"rejected\": \"worse\"}\n";
    st = ld_dataset_parse(&ds, mixed, strlen(mixed), &cfg, LD_DATA_PREF, LD_DATA_SKIP_BAD);
    CHECK_V(st == LD_OK && ds.n == 2 && ds.n_skipped == 2 && ds.line[1] == 4 && strstr(ds.first_skip, "line 2"),
            "skip mode: 2 kept, %d skipped (first: %s)", ds.n_skipped, ds.first_skip);
    ld_dataset_free(&ds);
    const char *probes =
        "{\"prompt\": \"q\", \"chosen\": \"a\", \"irr_hum\": \"fluent\", \"my_probe\": \"z\", \"id\": 3}\n"
        "{\"prompt\": \"r\", \"random_permute\": \"b a\"}\n";
    st = ld_dataset_parse(&ds, probes, strlen(probes), &cfg, LD_DATA_PROBES, 0);
    CHECK_V(st == LD_OK && ds.n_fields == 5 && ld_dataset_field(&ds, "my_probe") > 0 && ld_dataset_field(&ds, "id") < 0 &&
            ds.len[1 * ds.n_fields + ld_dataset_field(&ds, "chosen")] == -1 && tok_eq(&ds, 1, "random_permute", "b a", 3),
            "probe file: every string field is a probe type (%d columns), absent ones marked", ds.n_fields);
    ld_dataset_free(&ds);
    const char *esc = "{\"pr\\u006fmpt\": \"q\", \"ir\\u0072\": \"xyz\", \"completion\": \"ok\"}\n";
    st = ld_dataset_parse(&ds, esc, strlen(esc), &cfg, LD_DATA_PROBES, 0);
    CHECK_V(st == LD_OK && tok_eq(&ds, 0, "prompt", "q", 1) && tok_eq(&ds, 0, "irr", "xyz", 3),
            "keys with escapes (\"pr\\u006fmpt\", \"ir\\u0072\") are the keys they spell, values kept");
    ld_dataset_free(&ds);
}

static void test_truncation(void) {
    ld_config cfg = {0};
    ld_dataset ds;
    const char *t = "{\"prompt\": \"0123456789ABCDEF\", \"chosen\": \"abcdefghij\", \"rejected\": \"xy\"}\n"
                    "{\"prompt\": \"hi\", \"chosen\": \"ok\", \"rejected\": \"no\"}\n";
    CHECK(ld_dataset_parse(&ds, t, strlen(t), &cfg, LD_DATA_PREF, 0) == LD_OK, "parse");
    int buf[32], buf2[32], eot = 256;
    ld_seq s, s2;
    /* T = 20, max_prompt 8: prompt keeps its last 7 bytes; chosen is cut */
    ld_dataset_seq(&ds, 0, ld_dataset_field(&ds, "chosen"), 20, 8, &cfg, buf, &s);
    ld_dataset_seq(&ds, 0, ld_dataset_field(&ds, "rejected"), 20, 8, &cfg, buf2, &s2);
    CHECK_V(s.prompt_len == 8 && buf[0] == eot && buf[1] == '9' && buf[7] == 'F', "long prompt keeps its end: [eot]9ABCDEF");
    CHECK_V(s.len == 19 && buf[8] == 'a' && buf[17] == 'j' && buf[18] == eot, "chosen fits after the cut prompt, ends with eot (len %d)", s.len);
    CHECK_V(s2.prompt_len == 8 && !memcmp(buf, buf2, sizeof(int) * 8) && s2.len == 11 && buf2[10] == eot,
            "rejected shares the same prompt cut");
    ld_dataset_seq(&ds, 0, ld_dataset_field(&ds, "chosen"), 12, 8, &cfg, buf, &s);
    CHECK_V(s.len == 12 && s.prompt_len == 8 && buf[11] == 'd', "response cut at the end when it still does not fit (no eot)");
    ld_dataset_seq(&ds, 1, ld_dataset_field(&ds, "chosen"), 20, 8, &cfg, buf, &s);
    CHECK_V(s.len == 6 && s.prompt_len == 3 && buf[3] == 'o' && buf[5] == eot, "short example untouched: [eot]hi ok[eot]");
    /* a model without a bos, whose eos is id 0 (Pythia's eos): χ = [x; y; 0] */
    ld_config nb = cfg;
    nb.ids_set = 1; nb.bos_token = LD_NO_TOKEN; nb.eos_token = 0;
    ld_dataset_seq(&ds, 1, ld_dataset_field(&ds, "chosen"), 20, 8, &nb, buf, &s);
    CHECK_V(s.len == 5 && s.prompt_len == 2 && buf[0] == 'h' && buf[2] == 'o' && buf[4] == 0, "no bos, eos 0: hi ok[0] (len %d, prompt %d)", s.len, s.prompt_len);
    ld_dataset_seq(&ds, 0, ld_dataset_field(&ds, "chosen"), 20, 8, &nb, buf, &s);
    CHECK_V(s.prompt_len == 8 && buf[0] == '8' && buf[7] == 'F' && s.len == 19 && buf[18] == 0,
            "no bos: a long prompt keeps its last 8 tokens (prompt %d, len %d)", s.prompt_len, s.len);
    nb.eos_token = LD_NO_TOKEN;
    ld_dataset_seq(&ds, 1, ld_dataset_field(&ds, "chosen"), 20, 8, &nb, buf, &s);
    CHECK_V(s.len == 4 && s.prompt_len == 2 && buf[3] == 'k', "neither bos nor eos: hiok (len %d)", s.len);
    ld_dataset_free(&ds);
}

static const char *SFT =
    "{\"prompt\": \"the cat\", \"completion\": \" sat on the mat\"}\n"
    "{\"prompt\": \"the dog\", \"completion\": \" ran in the park\"}\n"
    "{\"prompt\": \"a bird\", \"completion\": \" sang at dawn\"}\n"
    "{\"prompt\": \"the fish\", \"completion\": \" swam in the pond\"}\n"
    "{\"prompt\": \"a frog\", \"completion\": \" sat on a log\"}\n";
static const char *PREF =
    "{\"prompt\": \"the cat\", \"chosen\": \" sat on the mat\", \"rejected\": \" ate the mat\"}\n"
    "{\"prompt\": \"the dog\", \"chosen\": \" ran in the park\", \"rejected\": \" ran in the mat\"}\n"
    "{\"prompt\": \"a bird\", \"chosen\": \" sang at dawn\", \"rejected\": \" barked at dawn\"}\n"
    "{\"prompt\": \"the fish\", \"chosen\": \" swam in the pond\", \"rejected\": \" flew over the pond\"}\n"
    "{\"prompt\": \"a frog\", \"chosen\": \" sat on a log\", \"rejected\": \" sat on a cat\"}\n";

typedef struct { double loss[12]; float *theta; size_t P; double margin; } trace_t;

static trace_t train(int pref, int resume_at, ld_model *refm, int precompute) {
    trace_t r;
    memset(&r, 0, sizeof r);
    ld_config cfg = {0};
    cfg.context = 32; cfg.n_embd = 32; cfg.n_head = 2; cfg.n_layer = 1;
    ld_dataset ds;
    const char *txt = pref ? PREF : SFT;
    ld_dataset_parse(&ds, txt, strlen(txt), &cfg, pref ? LD_DATA_PREF : LD_DATA_SFT, 0);
    ld_model m;
    ld_model_init(&m, &cfg, 4, 32, LD_TRAIN, 77);
    ld_optim opt;
    ld_optim_config oc = {0};
    oc.lr = 5e-3; oc.grad_clip = 1.0;
    ld_optim_init(&opt, &m, &oc);
    ld_train_config tc = {0};
    tc.pref = pref; tc.batch = 2; tc.epochs = 4; tc.warmup = 2; tc.sched = LD_SCHED_COSINE; tc.min_lr_ratio = 0.1;
    tc.seed = 9; tc.ref_precompute = precompute;
    ld_trainer tr;
    ld_status st = ld_trainer_init(&tr, &m, &opt, &ds, &tc, refm);
    CHECK(st == LD_OK, "trainer init: %s", ld_failure_reason());
    for (int k = 0; k < 12 && !st; k++) {
        if (k == resume_at) {
            /* save, throw everything away, rebuild from scratch, resume */
            CHECK(ld_trainer_save(&tr, dir) == LD_OK, "save: %s", ld_failure_reason());
            ld_trainer_free(&tr); ld_optim_free(&opt); ld_model_free(&m);
            ld_model_init(&m, &cfg, 4, 32, LD_TRAIN, 77);
            ld_optim_init(&opt, &m, &oc);
            ld_trainer_init(&tr, &m, &opt, &ds, &tc, refm);
            st = ld_trainer_resume(&tr, dir);
            CHECK(st == LD_OK && tr.step == k, "resume at step %d: %s", k, ld_failure_reason());
        }
        st = ld_trainer_step(&tr);
        CHECK(st == LD_OK, "step %d: %s", k, ld_failure_reason());
        r.loss[k] = tr.loss;
        if (pref) r.margin = tr.metrics.rewards_margins;
    }
    r.P = m.P;
    r.theta = (float *)malloc(sizeof(float) * m.P);
    memcpy(r.theta, m.theta, sizeof(float) * m.P);
    ld_trainer_free(&tr); ld_optim_free(&opt); ld_model_free(&m); ld_dataset_free(&ds);
    return r;
}

typedef struct { long seen[16]; int n; long stop_at; } calls_t;
static int record_cb(ld_trainer *tr, void *user) {
    calls_t *c = (calls_t *)user;
    if (c->n < 16) c->seen[c->n++] = tr->step;
    return tr->step >= c->stop_at;
}

static void test_run_callback(void) {
    ld_config c2 = {0};
    c2.context = 32; c2.n_embd = 32; c2.n_head = 2; c2.n_layer = 1;
    ld_dataset d2;
    ld_dataset_parse(&d2, SFT, strlen(SFT), &c2, LD_DATA_SFT, 0);
    ld_model m2;
    ld_model_init(&m2, &c2, 2, 32, LD_TRAIN, 1);
    ld_optim o2;
    ld_optim_config oc2 = {0};
    ld_optim_init(&o2, &m2, &oc2);
    ld_train_config t2 = {0};
    t2.batch = 2; t2.epochs = 3; /* 3 steps per epoch: 9 steps */
    ld_trainer tr;
    ld_trainer_init(&tr, &m2, &o2, &d2, &t2, NULL);
    calls_t c;
    memset(&c, 0, sizeof c);
    c.stop_at = 100;
    ld_status st = ld_trainer_run(&tr, 4, record_cb, &c);
    CHECK_V(st == LD_OK && tr.step == 9 && c.n == 4 && c.seen[0] == 0 && c.seen[1] == 4 && c.seen[2] == 8 && c.seen[3] == 9,
            "ld_trainer_run: callback at steps 0, 4, 8 and the last (9)");
    ld_trainer_free(&tr);
    ld_trainer_init(&tr, &m2, &o2, &d2, &t2, NULL);
    memset(&c, 0, sizeof c);
    c.stop_at = 2;
    ld_trainer_run(&tr, 1, record_cb, &c);
    CHECK_V(tr.step == 2 && c.n == 3, "ld_trainer_run: a callback returning non-zero stops the run (at step %ld)", tr.step);
    ld_trainer_free(&tr); ld_optim_free(&o2); ld_model_free(&m2); ld_dataset_free(&d2);
}

static void test_loop(void) {
    /* the schedule */
    ld_trainer tr;
    memset(&tr, 0, sizeof tr);
    tr.cfg.lr = 1.0; tr.cfg.warmup = 4; tr.total_steps = 14; tr.cfg.min_lr_ratio = 0.1;
    tr.cfg.sched = LD_SCHED_LINEAR;
    int ok = fabs(ld_trainer_lr(&tr, 0) - 0.25) < 1e-15 && fabs(ld_trainer_lr(&tr, 3) - 1) < 1e-15 &&
             fabs(ld_trainer_lr(&tr, 4) - 1) < 1e-15 && fabs(ld_trainer_lr(&tr, 13) - 0.1) < 1e-15 &&
             fabs(ld_trainer_lr(&tr, 9) - (1 - 0.9 * 5.0 / 9.0)) < 1e-15;
    tr.cfg.sched = LD_SCHED_COSINE;
    ok = ok && fabs(ld_trainer_lr(&tr, 13) - 0.1) < 1e-15 && fabs(ld_trainer_lr(&tr, 4) - 1) < 1e-15 &&
         fabs(ld_trainer_lr(&tr, 9) - (0.1 + 0.9 * 0.5 * (1 + cos(3.141592653589793 * 5.0 / 9.0)))) < 1e-15;
    CHECK_V(ok, "schedule: linear warmup to the peak, then linear / cosine decay to min_lr_ratio at the last step");

    trace_t a = train(0, -1, NULL, 0), b = train(0, 5, NULL, 0);
    CHECK_V(a.loss[11] < a.loss[0] - 0.5, "SFT through the loop: loss %.3f → %.3f", a.loss[0], a.loss[11]);
    CHECK_V(!memcmp(a.loss, b.loss, sizeof a.loss) && !memcmp(a.theta, b.theta, sizeof(float) * a.P),
            "SFT: save at step 5, resume in a fresh process state: 12 losses and θ bit-identical");
    trace_t c = train(1, -1, NULL, 0), d = train(1, 7, NULL, 0);
    CHECK_V(c.margin > 0.2 && c.loss[11] < c.loss[0] - 0.1, "DPO through the loop: loss %.4f → %.4f, rewards/margins %.3f", c.loss[0], c.loss[11], c.margin);
    CHECK_V(!memcmp(c.loss, d.loss, sizeof c.loss) && !memcmp(c.theta, d.theta, sizeof(float) * c.P),
            "DPO (precomputed reference): save at step 7, resume: bit-identical");
    /* a frozen reference model, queried every step, gives the same run */
    ld_config cfg = {0};
    cfg.context = 32; cfg.n_embd = 32; cfg.n_head = 2; cfg.n_layer = 1;
    ld_model ref;
    ld_model_init(&ref, &cfg, 4, 32, 0, 77);
    trace_t e = train(1, -1, &ref, 0), f = train(1, -1, &ref, 1);
    CHECK_V(!memcmp(c.loss, e.loss, sizeof c.loss) && !memcmp(c.theta, e.theta, sizeof(float) * c.P),
            "reference model queried per step = reference log-probs precomputed once");
    CHECK_V(!memcmp(e.loss, f.loss, sizeof e.loss), "reference model, precomputed from it = queried per step");
    ld_model_free(&ref);
    free(a.theta); free(b.theta); free(c.theta); free(d.theta); free(e.theta); free(f.theta);

    /* wrong setups */
    ld_dataset ds;
    ld_dataset_parse(&ds, SFT, strlen(SFT), &cfg, LD_DATA_SFT, 0);
    ld_model m;
    ld_model_init(&m, &cfg, 2, 32, LD_TRAIN, 1);
    ld_optim opt;
    ld_optim_config oc = {0};
    ld_optim_init(&opt, &m, &oc);
    ld_train_config tc = {0};
    tc.batch = 3;
    CHECK_V(ld_trainer_init(&tr, &m, &opt, &ds, &tc, NULL) == LD_ERR_ARG, "batch larger than the model: %s", ld_failure_reason());
    tc.batch = 0; tc.pref = 1;
    CHECK_V(ld_trainer_init(&tr, &m, &opt, &ds, &tc, NULL) == LD_ERR_DATA, "preference loss on SFT data: %s", ld_failure_reason());
    tc.pref = 0;
    CHECK(ld_trainer_init(&tr, &m, &opt, &ds, &tc, NULL) == LD_OK, "init");
    ld_dataset other;
    ld_dataset_parse(&other, PREF, strlen(PREF), &cfg, LD_DATA_PREF, 0);
    ld_trainer tr2;
    tc.sft_fields[0] = "chosen"; tc.sft_fields[1] = "rejected"; tc.batch = 1;
    CHECK_V(ld_trainer_init(&tr2, &m, &opt, &other, &tc, NULL) == LD_OK && tr2.n_fields == 2,
            "SFT on both chosen and rejected: two rows per example");
    ld_trainer_step(&tr2);
    CHECK(ld_trainer_save(&tr2, dir) == LD_OK, "save");
    float keep0 = m.theta[0];
    CHECK_V(ld_trainer_resume(&tr, dir) == LD_ERR_DATA && m.theta[0] == keep0, "resume with another dataset refused, θ untouched: %s", ld_failure_reason());
    ld_trainer_free(&tr2);
    ld_trainer_free(&tr);
    ld_dataset_free(&other);
    ld_dataset_free(&ds);
    ld_optim_free(&opt);
    ld_model_free(&m);
}

int main(int argc, char **argv) {
    if (argc > 1) dir = argv[1];
    test_parse();
    test_truncation();
    test_loop();
    test_run_callback();
    return t_done();
}
