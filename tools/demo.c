/* demo — the main job: the findings of "Learning Dynamics of LLM Finetuning"
   (Ren & Sutherland, ICLR 2025) reproduced in miniature, on a synthetic world,
   with figures. Nothing is downloaded; everything follows from the seed.

     1. world      a village generated from the seed (tools/world.h): pretrain.txt,
                   sft.jsonl, pref.jsonl, heldout.jsonl, probes.jsonl
     2. pretrain   a byte-level GPT-2 (word-level with --words) reads the village's facts: the base model
     3. sft        SFT on the chosen answers; probes, accumulated influence and
                   one-step decompositions along the way
     4. dpo        off-policy DPO from the SFT model, long enough for the late phase
     5. onpolicy   DPO with rejected answers sampled from the SFT model
     6. extend     SFT on chosen and rejected, then the same DPO (matched compute)
     7. toy        a negative gradient on a softmax, on a rare class and on the top one
     8. report     CSVs → figures (SVG) and report.md, whose verdicts are computed
                   from the CSVs

   Usage: demo [--quick] [--words] [--seed N] [--out DIR]
   --words: the model reads the village through the world's own tokenizer
   (byte-level BPE trained on the world's text until each of its words is one
   token, world_tokenizer_write), as Pythia reads English, instead of bytes.
   Writes into DIR (default out/demo): probes.csv, winrate.csv, greedy.csv,
   decomposition.csv, influence.csv, toy.csv, the figures, report.md, data/,
   and the base and SFT checkpoints. */
#define _POSIX_C_SOURCE 200809L
#define LD_LLM_IMPLEMENTATION
#include "../ld_llm.h"
#include "world.h"
#include "svg.h"
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* ------------------------------------------------------------- settings */

typedef struct {
    int quick;
    int words;                                 /* 1: the world's word-level tokenizer, else bytes */
    int echo;                                  /* world_echo_qa lines per question per repetition */
    int noise;                                 /* garbled lines per question per repetition */
    int long_answers;                          /* 1: world_long_answers (about 20 words an answer) */
    uint64_t seed;
    const char *out;
    int n_ent, holdout_every, reps, n_probes;  /* the world                        */
    int L, C, NH, T, B;                        /* the model                        */
    int pre_steps, pre_batch;                  /* pretraining                      */
    double pre_lr;
    int sft_steps, sft_batch;                  /* SFT                              */
    double sft_lr;
    int dpo_steps, dpo_batch;                  /* DPO (each of the three runs)     */
    double dpo_lr, beta;
    int eval_sft, eval_dpo;                    /* evaluate the probes every N steps */
    int eval_answers;                          /* the held-out answers every N DPO steps */
    int n_decomp;                              /* probe questions the decomposition observes */
    int n_infl_held;                           /* held-out answers the influence observes */
    int n_train;                               /* training questions (derived)     */
    int n_influence;                           /* observed responses for influence */
} settings;

static settings settings_for(int quick, int words) {
    settings s;
    memset(&s, 0, sizeof s);
    s.quick = quick;
    s.words = words;
    if (!quick) {
        s.n_ent = 52; s.holdout_every = 2; s.reps = 3; s.n_probes = 16;
        s.L = 4; s.C = 128; s.NH = 4; s.T = 80; s.B = 16;
        s.pre_steps = 900; s.pre_batch = 16; s.pre_lr = 3e-3;
        s.sft_steps = 40; s.sft_batch = 16; s.sft_lr = 5e-4;
        s.dpo_steps = 160; s.dpo_batch = 8; s.dpo_lr = 3e-5; s.beta = 0.1;
        s.eval_sft = 10; s.eval_dpo = 20; s.eval_answers = 100;
        s.n_decomp = 4; s.n_infl_held = 8;
    } else {
        s.n_ent = 4; s.holdout_every = 4; s.reps = 2; s.n_probes = 3;
        s.L = 1; s.C = 32; s.NH = 2; s.T = 80; s.B = 8;
        s.pre_steps = 40; s.pre_batch = 8; s.pre_lr = 3e-3;
        s.sft_steps = 8; s.sft_batch = 8; s.sft_lr = 1e-3;
        s.dpo_steps = 12; s.dpo_batch = 4; s.dpo_lr = 3e-5; s.beta = 0.1;
        s.eval_sft = 4; s.eval_dpo = 4; s.eval_answers = 4;
        s.n_decomp = 3; s.n_infl_held = 16;
    }
    if (words) s.T = 32;   /* the longest question and answer are 25 tokens */
    return s;
}

/* The context for long answers (world_long_answers): the longest question
   and answer are about 35 tokens of the world's tokenizer, 121 bytes. */
static int long_answers_T(int words) { return words ? 48 : 128; }

/* --------------------------------------------------------------- helpers */

static double t_start;
static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "demo: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

#define TRY(call) do { ld_status s_ = (call); if (s_) die("%s: %s", #call, ld_failure_reason()); } while (0)

static void make_dir(const char *p) {
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", p);
    for (char *c = buf + 1; *c; c++)
        if (*c == '/') { *c = 0; if (mkdir(buf, 0777) && errno != EEXIST) die("cannot create %s", buf); *c = '/'; }
    if (mkdir(buf, 0777) && errno != EEXIST) die("cannot create %s", buf);
}

static FILE *open_out(const settings *s, const char *name, const char *header) {
    char p[1200];
    snprintf(p, sizeof p, "%s/%s", s->out, name);
    FILE *f = fopen(p, "w");
    if (!f) die("cannot write %s", p);
    if (header) fprintf(f, "%s\n", header);
    return f;
}

/* Progress: a line per phase with the time spent and an estimate of the rest,
   from the work units done so far (steps weighted by their rows). */
static double work_total, work_done;
static void progress(const char *phase, const char *fmt, ...) {
    double el = now_s() - t_start, left = work_done > 0 ? el * (work_total - work_done) / work_done : 0;
    printf("[%6.1fs, ~%.0fs left] %-9s ", el, left > 0 ? left : 0, phase);
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
}

/* ---------------------------------------------------------------- state */

/* One evaluation's rows, without their phase and step: the probe means
   ("type,value" lines) and, when the held-out answers were judged, their
   rows ("question,right,repetitive,answer" lines) and rates. Kept so that a
   θ evaluated once is not evaluated again: DPO starts from the model an SFT
   phase ended with, and extend starts from the base model SFT started from;
   the same θ gives the same rows bit for bit, so they are written again. */
typedef struct {
    char probes[2048];
    char answers[W_MAX_Q * (W_TXT + 80)];   /* a line per held-out question */
    size_t answers_len;
    int has_answers;
    double win, rep;
    char first[3][W_TXT];          /* the first three answers, for samples.csv */
} eval_rec;

typedef struct {
    settings s;
    world w;
    ld_model m;
    ld_dataset sft, pref, held, probes;
    ld_float *theta_base, *theta_sft, *theta_ext;
    FILE *f_probes, *f_win, *f_greedy, *f_decomp, *f_decomp_obs, *f_answers, *f_terms;
    ld_model ref;                  /* the DPO reference, for the per-step terms */
    int pair_buf[2][256];          /* the first training pair's χ⁺ and χ⁻ (and the first probe's) */
    ld_seq pair_seq[2];
    char last_greedy[5][3][W_TXT]; /* a few held-out greedy answers at the end of each phase */
    eval_rec last, at_base, at_sft_end, at_ext_end;   /* evaluations kept for the same θ later */
} demo;

static const char *const PHASES[5] = { "sft", "dpo", "onpolicy_dpo", "extend_sft", "extend_dpo" };

/* The prompt of question q as tokens [bos; question] (the world's tokenizer). */
static int prompt_tokens(demo *d, int q, int *buf) {
    char txt[W_TXT];
    int n;
    world_question(&d->w, q, txt);
    buf[0] = d->m.cfg.bos_token;
    TRY(ld_model_encode(&d->m, txt, -1, 0, buf + 1, d->s.T - 1, &n));
    return n + 1;
}

/* 1 if a greedy answer repeats itself: a word pair twice, or no end before the context is full. */
static int repetitive(const char *txt, int ended) {
    if (!ended) return 1;
    char buf[256], *words[64];
    int n = 0;
    snprintf(buf, sizeof buf, "%.255s", txt);
    for (char *t = strtok(buf, " .,"); t && n < 64; t = strtok(NULL, " .,")) words[n++] = t;
    for (int i = 0; i + 1 < n; i++)
        for (int j = i + 1; j + 1 < n; j++)
            if (!strcmp(words[i], words[j]) && !strcmp(words[i + 1], words[j + 1])) return 1;
    return 0;
}

/* Writes an evaluation's rows under (phase, step). */
static void emit(demo *d, int phase, long step, const eval_rec *e) {
    for (const char *l = e->probes; *l;) {
        const char *nl = strchr(l, '\n');
        fprintf(d->f_probes, "%s,%ld,%.*s\n", PHASES[phase], step, (int)(nl - l), l);
        l = nl + 1;
    }
    fflush(d->f_probes);
    if (!e->has_answers) return;
    for (const char *l = e->answers; *l;) {
        const char *nl = strchr(l, '\n');
        fprintf(d->f_answers, "%s,%ld,%.*s\n", PHASES[phase], step, (int)(nl - l), l);
        l = nl + 1;
    }
    fprintf(d->f_win, "%s,%ld,%.6f\n", PHASES[phase], step, e->win);
    fprintf(d->f_greedy, "%s,%ld,%.6f\n", PHASES[phase], step, e->rep);
    fflush(d->f_win); fflush(d->f_greedy); fflush(d->f_answers);
    memcpy(d->last_greedy[phase], e->first, sizeof e->first);
}

/* Scores the probes (mean log π per type) and, if answers, the greedy
   answers to the held-out questions (win rate, repetition), into d->last,
   and writes the CSV rows. */
static double t_probes, t_answers, t_dyn, t_terms, t_decomp, t_pairs;   /* seconds spent, for the closing line */
static void evaluate(demo *d, int phase, long step, int answers) {
    double t0 = now_s();
    ld_model *m = &d->m;
    eval_rec *e = &d->last;
    e->answers[0] = 0; e->answers_len = 0; e->has_answers = answers;
    ld_probe_result pr;
    /* the probes' free greedy decodes (type "greedy") where the held-out answers are judged; the scores everywhere */
    TRY(answers ? ld_probe_eval(m, &d->probes, 0, &pr) : ld_probe_score(m, &d->probes, 0, &pr));
    size_t n = 0;
    for (int t = 0; t < pr.n_types; t++)
        if (!isnan(pr.mean[t])) n += (size_t)snprintf(e->probes + n, sizeof e->probes - n, "%s,%.6f\n", pr.types[t], pr.mean[t]);
    ld_probe_result_free(&pr);
    t_probes += now_s() - t0;
    if (answers) {
        /* held-out questions: greedy answers, judged */
        t0 = now_s();
        int held[W_MAX_Q], nh = 0, right = 0, rep = 0, B = m->B, T = m->T;
        for (int q = 0; q < d->w.n_q; q++) if (d->w.heldout[q]) held[nh++] = q;
        int *pbuf = (int *)malloc(sizeof(int) * (size_t)B * T), *out = (int *)malloc(sizeof(int) * (size_t)B * T), olen[64];
        ld_seq ps[64];
        memset(e->first, 0, sizeof e->first);
        for (int i0 = 0; i0 < nh; i0 += B) {
            int nb = nh - i0 < B ? nh - i0 : B;
            for (int b = 0; b < nb; b++) {
                int k = prompt_tokens(d, held[i0 + b], pbuf + (size_t)b * T);
                ps[b].tokens = pbuf + (size_t)b * T; ps[b].len = k; ps[b].prompt_len = k;
            }
            TRY(ld_generate(m, ps, nb, T, NULL, NULL, out, olen));
            for (int b = 0; b < nb; b++) {
                char txt[1024];
                const int *o = out + (size_t)b * T;
                int ended = o[olen[b] - 1] == m->cfg.eos_token;
                size_t nt;
                TRY(ld_model_decode(m, o + ps[b].len, olen[b] - ps[b].len, LD_TOK_SKIP_SPECIAL, txt, sizeof txt, &nt));
                txt[W_TXT + 63] = 0;   /* what answers.csv keeps of a long answer */
                int ok = world_judge(&d->w, held[i0 + b], txt), rp = repetitive(txt, ended);
                right += ok;
                rep += rp;
                for (char *c = txt; *c; c++) if (*c == '"' || *c == '\n' || *c == '\r') *c = '\'';
                e->answers_len += (size_t)sprintf(e->answers + e->answers_len, "%d,%d,%d,\"%s\"\n", held[i0 + b], ok, rp, txt);
                if (i0 + b < 3) { memcpy(e->first[i0 + b], txt, W_TXT - 1); e->first[i0 + b][W_TXT - 1] = 0; }
            }
        }
        free(pbuf); free(out);
        e->win = nh ? (double)right / nh : NAN;
        e->rep = nh ? (double)rep / nh : NAN;
        t_answers += now_s() - t0;
    }
    emit(d, phase, step, e);
}

/* The observed sequences of the decomposition: every probe response of the
   first n_decomp probe questions (each costs a gradient per analysed step). */
typedef struct { int n, *type, *example; ld_seq *seq; int *buf; } observed;

static void observed_probes(demo *d, observed *o) {
    const ld_dataset *p = &d->probes;
    int T = d->m.T, n = p->n < d->s.n_decomp ? p->n : d->s.n_decomp, cap = n * p->n_fields;
    o->seq = (ld_seq *)malloc(sizeof(ld_seq) * cap);
    o->type = (int *)malloc(sizeof(int) * cap);
    o->example = (int *)malloc(sizeof(int) * cap);
    o->buf = (int *)malloc(sizeof(int) * (size_t)cap * T);
    o->n = 0;
    for (int i = 0; i < n; i++)
        for (int f = 1; f < p->n_fields; f++)
            if (ld_dataset_seq(p, i, f, T, 0, &d->m.cfg, o->buf + (size_t)o->n * T, &o->seq[o->n]) == LD_OK)
                { o->type[o->n] = f; o->example[o->n++] = i; }
}

static void observed_free(observed *o) { free(o->seq); free(o->type); free(o->example); free(o->buf); }

/* One step analysed and undone: mean predicted and measured Δ log π per probe type. */
static void decompose(demo *d, ld_trainer *tr, int phase, observed *o) {
    double t0 = now_s();
    ld_dyn_report r;
    TRY(ld_dyn_step(tr, o->seq, o->n, 0, &r));
    for (int f = 1; f < d->probes.n_fields; f++) {
        double p = 0, me = 0, ch = 0, rj = 0;
        int c = 0;
        for (int i = 0; i < o->n; i++)
            if (o->type[i] == f) { p += r.pred[i]; me += r.meas[i]; ch += r.pred_chosen[i]; rj += r.pred_rejected[i]; c++; }
        if (c) fprintf(d->f_decomp, "%s,%ld,%s,%.6g,%.6g,%.6g,%.6g\n", PHASES[phase], tr->step, d->probes.fields[f],
                       p / c, me / c, ch / c, rj / c);
    }
    for (int i = 0; i < o->n; i++)
        fprintf(d->f_decomp_obs, "%s,%ld,%s,%d,%.6g,%.9g,%.9g,%.9g\n", PHASES[phase], tr->step, d->probes.fields[o->type[i]], o->example[i],
                r.logp[i], r.pred[i], r.meas[i], 0.5 * (r.pred[i] + r.pred_end[i]));
    fflush(d->f_decomp); fflush(d->f_decomp_obs);
    ld_dyn_report_free(&r);
    t_decomp += now_s() - t0;
}


/* log π(y|x) of column `field` of every example of ds, into out (ds->n),
   and, if tok is given, per-response-token figures summed over the
   examples: tok[0] tokens, tok[1] Σ log π(y⁺_m), tok[2] Σ log max_v π_m
   (the teacher-forced argmax y*), tok[3] positions where y_m is the argmax. */
static void seq_logps(demo *d, const ld_dataset *ds, const char *field, double *out, double *tok) {
    ld_model *m = &d->m;
    int B = m->B, T = m->T, fi = ld_dataset_field(ds, field), V = m->cfg.vocab_size;
    int *buf = (int *)malloc(sizeof(int) * (size_t)B * T);
    ld_seq sq[64];
    if (tok) tok[0] = tok[1] = tok[2] = tok[3] = 0;
    for (int i0 = 0; i0 < ds->n; i0 += B) {
        int nb = ds->n - i0 < B ? ds->n - i0 : B;
        for (int b = 0; b < nb; b++) TRY(ld_dataset_seq(ds, i0 + b, fi, T, 0, &m->cfg, buf + (size_t)b * T, &sq[b]));
        TRY(ld_forward(m, sq, nb));
        for (int b = 0; b < nb; b++) {
            ld_row r;
            memset(&r, 0, sizeof r);
            TRY(ld_forward_row(m, b, &r));
            out[i0 + b] = r.seq_logp;
            if (!tok) continue;
            for (int t = r.prompt_len - 1; t < r.len - 1; t++) {
                const ld_float *pi = r.probs + (size_t)t * V;
                int am = 0;
                for (int v = 1; v < V; v++) if (pi[v] > pi[am]) am = v;
                tok[0] += 1; tok[1] += r.tok_logp[t]; tok[2] += log((double)pi[am]); tok[3] += am == r.tokens[t + 1];
            }
        }
    }
    free(buf);
}

/* The regime: per-token log π of y⁺, of y* and of y⁻ over the training
   pairs, and the share of y⁺'s positions where y⁺ is the argmax. */
static void regime(demo *d, FILE *f, const char *model) {
    int n = d->pref.n;
    double *lp = (double *)malloc(sizeof(double) * n), tc[4], tr[4], sc = 0, sr = 0;
    seq_logps(d, &d->pref, "chosen", lp, tc);
    for (int i = 0; i < n; i++) sc += lp[i];
    seq_logps(d, &d->pref, "rejected", lp, tr);
    for (int i = 0; i < n; i++) sr += lp[i];
    fprintf(f, "%s,%d,%.3f,%.6f,%.6f,%.6f,%.3f,%.6f,%.4f,%.4f,%.4f\n", model, n, tc[0] / n, tc[1] / tc[0], tc[2] / tc[0], tc[3] / tc[0],
            tr[0] / n, tr[1] / tr[0], sc / n, tc[2] / n, sr / n);
    fflush(f);
    free(lp);
}

/* Where a probe response's log π sits: its first word (the response's first
   token and those after it up to the next one that starts with a space) and
   the rest (the later words and eos), and the rest split again into its fact
   words (names and values, world_is_fact_word) and the others (the
   grammar's words and eos); mean over the probe questions, for every probe
   type, into probe_words.csv under `model`. A change of a shuffled response
   under SFT splits so into the word that opens the answer, the facts it
   names and the ungrammatical body. */
static void probe_words(demo *d, FILE *f, const char *model) {
    static const char *const types[11] = { "chosen", "rejected", "chosen_gptsemantic", "chosen_gptformat", "reject_gptsemantic",
                                           "reject_gptformat", "irr_train", "irr_test", "irr_hum", "random_permute", "random_nonhum" };
    ld_model *m = &d->m;
    const ld_dataset *ds = &d->probes;
    int B = m->B, T = m->T;
    int *buf = (int *)malloc(sizeof(int) * (size_t)B * T);
    ld_seq sq[64];
    for (int k = 0; k < 11; k++) {
        int fi = ld_dataset_field(ds, types[k]), n = 0;
        if (fi < 0) continue;
        double first = 0, fact = 0, other = 0;
        for (int i0 = 0; i0 < ds->n; i0 += B) {
            int nb = 0;
            for (int i = i0; i < ds->n && i < i0 + B; i++)
                if (!ld_dataset_seq(ds, i, fi, T, 0, &m->cfg, buf + (size_t)nb * T, &sq[nb])) nb++;   /* else an empty field */
            if (!nb) continue;
            TRY(ld_forward(m, sq, nb));
            for (int b = 0; b < nb; b++) {
                ld_row r;
                memset(&r, 0, sizeof r);
                TRY(ld_forward_row(m, b, &r));
                char word[64];   /* the word being read: its text, its tokens' log π, how many */
                size_t wl = 0;
                double wlp = 0;
                int wt = 0, n_word = 0;
                for (int t = r.prompt_len; t <= r.len; t++) {   /* token t, scored at position t − 1; t = len ends the last word */
                    char tx[64];
                    size_t nt = 0;
                    int ok = t < r.len && ld_model_decode(m, &r.tokens[t], 1, LD_TOK_SKIP_SPECIAL, tx, sizeof tx, &nt) == LD_OK;
                    int eos = ok && nt == 0;   /* a special token: eos */
                    if (wt && (t == r.len || eos || (ok && tx[0] == ' '))) {   /* the word before ends */
                        word[wl] = 0;
                        if (n_word++ == 0) first += wlp;
                        else if (world_is_fact_word(word)) fact += wlp;
                        else other += wlp;
                        wl = 0; wlp = 0; wt = 0;
                    }
                    if (t == r.len) break;
                    for (size_t j = 0; ok && j < nt && wl < sizeof word - 1; j++) word[wl++] = tx[j];   /* eos: a word of no text */
                    wlp += r.tok_logp[t - 1];
                    wt++;
                }
                n++;
            }
        }
        if (n) fprintf(f, "%s,%s,%d,%.6f,%.6f,%.6f,%.6f\n", model, types[k], n, first / n, (fact + other) / n, fact / n, other / n);
    }
    fflush(f);
    free(buf);
}

/* log π of a span of a response: jobs[i].lp = Σ log π of the response
   tokens [k0, k1) (k1 < 0: to its end) of χ = [bos; prompt; response], the
   two texts tokenised apart as ld_dataset_seq does (no eos is scored). */
typedef struct { char prompt[W_TXT], resp[W_TXT]; int k0, k1; double lp; } span_job;
static void span_logps(demo *d, span_job *jobs, int n) {
    ld_model *m = &d->m;
    int B = m->B, T = m->T;
    int *buf = (int *)malloc(sizeof(int) * (size_t)B * T), np[64];
    ld_seq sq[64];
    for (int i0 = 0; i0 < n; i0 += B) {
        int nb = n - i0 < B ? n - i0 : B;
        for (int b = 0; b < nb; b++) {
            int *t = buf + (size_t)b * T, x[W_TXT * 2], y[W_TXT * 2], nx, ny;
            TRY(ld_model_encode(m, jobs[i0 + b].prompt, -1, 0, x, W_TXT * 2, &nx));
            TRY(ld_model_encode(m, jobs[i0 + b].resp, -1, 0, y, W_TXT * 2, &ny));
            if (ny > T - 2) die("a response of %d tokens does not fit in %d", ny, T);
            int keep = nx < T - 1 - ny ? nx : T - 1 - ny;   /* a prompt too long keeps its end, as ld_dataset_seq does */
            t[0] = d->m.cfg.bos_token;
            memcpy(t + 1, x + nx - keep, sizeof(int) * (size_t)keep);
            memcpy(t + 1 + keep, y, sizeof(int) * (size_t)ny);
            nx = keep;
            sq[b].tokens = t; sq[b].len = 1 + nx + ny; sq[b].prompt_len = 1 + nx;
            np[b] = ny;
        }
        TRY(ld_forward(m, sq, nb));
        for (int b = 0; b < nb; b++) {
            ld_row r;
            memset(&r, 0, sizeof r);
            TRY(ld_forward_row(m, b, &r));
            span_job *j = &jobs[i0 + b];
            int k1 = j->k1 < 0 || j->k1 > np[b] ? np[b] : j->k1;
            j->lp = 0;
            for (int k = j->k0; k < k1; k++) j->lp += r.tok_logp[r.prompt_len - 1 + k];   /* response token k */
        }
    }
    free(buf);
}

/* Tokens of the first n bytes of text. */
static int n_tokens(demo *d, const char *text, int n) {
    int ids[W_TXT * 2], k = 0;
    if (n > 0) TRY(ld_model_encode(&d->m, text, n, 0, ids, W_TXT * 2, &k));
    return k;
}

/* Does the model read the question? Two measurements, into reads.csv under
   `model`:
   - what it knows: for every fact, the cue that opens a line of
     pretrain.txt ("Ann eats") and each of the attribute's W_VALS values
     after it; the fact is known when its true value is the most likely;
   - whether the question moves its answer: log π(y⁺) of every training
     question under its own question and under another person's question,
     and the same for the asked person's name inside y⁺ (the name word, its
     leading space included). A model that reads the question scores both
     far higher under its own; equal figures mean it answers without it. */
static void reads_question(demo *d, FILE *f, const char *model) {
    world *w = &d->w;
    int nq = w->n_q, train[W_MAX_Q], n = world_train_questions(w, train), known = 0;
    span_job *jobs = (span_job *)calloc((size_t)(nq * W_VALS > 4 * n ? nq * W_VALS : 4 * n), sizeof *jobs);
    if (!jobs) die("out of memory");
    for (int q = 0; q < nq; q++) {
        char cue[W_TXT];
        world_fact_cue(w->q_ent[q], w->q_attr[q], cue);
        for (int v = 0; v < W_VALS; v++) {
            span_job *j = &jobs[q * W_VALS + v];
            snprintf(j->prompt, W_TXT, "%s", cue + (d->s.words ? 0 : 1));   /* as pretrain.txt's lines begin */
            snprintf(j->resp, W_TXT, " %s", w_values[w->q_attr[q]][v]);
            j->k1 = -1;
        }
    }
    span_logps(d, jobs, nq * W_VALS);
    for (int q = 0; q < nq; q++) {
        int best = 0;
        for (int v = 1; v < W_VALS; v++) if (jobs[q * W_VALS + v].lp > jobs[q * W_VALS + best].lp) best = v;
        known += best == w->value[w->q_ent[q]][w->q_attr[q]];
    }
    /* per training question i: own / another question × all of y⁺ / its name */
    int n_name = 0;
    for (int i = 0; i < n; i++) {
        int q = train[i], o = train[(i + n / 2) % n];
        for (int k = 1; k < n && w->q_ent[o] == w->q_ent[q]; k++) o = train[(i + n / 2 + k) % n];
        char y[W_TXT];
        world_chosen(w, q, y);
        int at = world_name_at(y, w->q_ent[q]);
        for (int k = 0; k < 4; k++) {
            span_job *j = &jobs[4 * i + k];
            world_question(w, k % 2 ? o : q, j->prompt);
            snprintf(j->resp, W_TXT, "%s", y);
            j->k0 = 0; j->k1 = -1;
            if (k >= 2 && at > 0) {   /* the name word: from before its space to its end */
                j->k0 = n_tokens(d, y, at - 1);
                j->k1 = n_tokens(d, y, at + (int)strlen(w_names[w->q_ent[q]]));
            } else if (k >= 2) j->k1 = 0;
        }
        n_name += at > 0;
    }
    span_logps(d, jobs, 4 * n);
    double s[4] = { 0, 0, 0, 0 };
    for (int i = 0; i < n; i++)
        for (int k = 0; k < 4; k++) s[k] += jobs[4 * i + k].lp;
    fprintf(f, "%s,%d,%d,%.4f,%d,%.4f,%.4f,%.4f,%.4f,%d,%.4f\n", model, nq, known, (double)nq / W_VALS, n, s[0] / n, s[1] / n,
            n_name ? s[2] / n_name : 0.0, n_name ? s[3] / n_name : 0.0, n_name, -log((double)w->n_ent));
    fflush(f);
    free(jobs);
}

/* ------------------------------------------------------------- the runs */

static void set_theta(demo *d, const ld_float *th) { memcpy(d->m.theta, th, sizeof(ld_float) * d->m.P); }
static ld_float *copy_theta(demo *d) {
    ld_float *t = (ld_float *)malloc(sizeof(ld_float) * d->m.P);
    memcpy(t, d->m.theta, sizeof(ld_float) * d->m.P);
    return t;
}

static void pretrain(demo *d) {
    settings *s = &d->s;
    char p[1200];
    snprintf(p, sizeof p, "%s/data/pretrain.txt", s->out);
    FILE *f = fopen(p, "rb");
    if (!f) die("cannot read %s", p);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *txt = (char *)malloc(n + 1);
    if (fread(txt, 1, n, f) != (size_t)n) die("short read of %s", p);
    txt[n] = 0;
    fclose(f);
    int *tok = (int *)malloc(sizeof(int) * n), nt;
    TRY(ld_model_encode(&d->m, txt, n, 0, tok, (int)n, &nt));
    if (s->words) {   /* the tokenizer's promise: every word (a piece of GPT-2's split) one token */
        long pieces = 0;
        for (char *l = txt, *e; *l; l = e + (*e != 0)) {
            e = strchr(l, '\n');
            if (!e) e = l + strlen(l);
            char c = *e;
            *e = 0;
            pieces += wt_split(NULL, l) + (c == '\n');   /* the line and its newline */
            *e = c;
        }
        progress("pretrain", "the world's tokenizer: %d ids; pretrain.txt is %ld words and newlines, %d tokens", d->m.cfg.vocab_size, pieces, nt);
    }
    for (int i = 0; i < nt; i++) if (tok[i] == '\n') tok[i] = d->m.cfg.eos_token;   /* one statement per document */
    ld_optim o;
    ld_optim_config oc = {0};
    oc.lr = s->pre_lr; oc.grad_clip = 1.0; oc.weight_decay = 0.01;
    TRY(ld_optim_init(&o, &d->m, &oc));
    ld_rng r;
    ld_rng_seed(&r, s->seed * 7 + 1);
    ld_seq rows[64];
    double loss = 0;
    int warm = s->pre_steps / 16 + 1;
    for (int st = 0; st < s->pre_steps; st++) {
        for (int b = 0; b < s->pre_batch; b++) {
            rows[b].tokens = tok + ld_rng_u32(&r) % (uint32_t)(nt - s->T);
            rows[b].len = s->T; rows[b].prompt_len = 1;
        }
        TRY(ld_forward(&d->m, rows, s->pre_batch));
        loss = ld_sft_loss(&d->m, LD_NORM_TOKEN_MEAN);
        ld_zero_grad(&d->m);
        TRY(ld_backward(&d->m));
        double lr = st < warm ? s->pre_lr * (st + 1) / warm
                              : s->pre_lr * 0.5 * (1 + cos(3.141592653589793 * (st - warm) / (s->pre_steps - warm)));
        TRY(ld_optim_step(&o, &d->m, lr));
        work_done += s->pre_batch;
        /* a line after the first step (a newcomer sees it run within seconds), then every eighth */
        if (st == 0 || (st + 1) % (s->pre_steps / 8 > 0 ? s->pre_steps / 8 : 1) == 0)
            progress("pretrain", "step %4d/%d  loss %.3f nats/token  (%d tokens of village text)", st + 1, s->pre_steps, loss, nt);
    }
    ld_optim_free(&o);
    free(tok); free(txt);
}

/* The three terms of Prop. 1, one by one (ld_dyn_terms_sft / _pair), for a
   plain-SGD step at this step's η on the first training pair (SFT: its y⁺,
   and under extend its y⁻ too), observed on that pair's y⁺ and y⁻:
   ‖A‖_F, ‖G‖ (and its parts through y⁺ and y⁻), ‖K·G‖ and their result. */
static void terms(demo *d, int phase, long step, double eta, int pref, int both) {
    double t0 = now_s();
    for (int o = 0; o < 2; o++) {
        ld_dyn_terms t;
        if (pref) {
            ld_pref_opts po = {0};
            po.kind = LD_DPO; po.beta = d->s.beta;
            TRY(ld_dyn_terms_pair(&d->m, &d->ref, &d->pair_seq[o], &d->pair_seq[0], &d->pair_seq[1], &po, eta, &t, NULL));
        } else
            TRY(ld_dyn_terms_sft(&d->m, &d->pair_seq[o], d->pair_seq, both ? 2 : 1, LD_NORM_TOKEN_MEAN, eta, &t, NULL));
        fprintf(d->f_terms, "%s,%ld,%s,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g\n", PHASES[phase], step, o ? "rejected" : "chosen", eta,
                t.A_frob, t.G_norm, t.G_norm_chosen, t.G_norm_rejected, t.KG_norm, t.pred);
    }
    fflush(d->f_terms);
    t_terms += now_s() - t0;
}

/* An SFT run from the current θ on the given columns, with evaluations.
   influence: accumulate (example × observed) shares on these observed (or NULL). */
static void run_sft(demo *d, int phase, const ld_dataset *ds, const char *f1, const char *f2, int batch,
                    observed *decomp, observed *infl_obs, ld_influence *inf) {
    settings *s = &d->s;
    ld_optim o;
    ld_optim_config oc = {0};
    oc.lr = s->sft_lr; oc.grad_clip = 1.0;
    TRY(ld_optim_init(&o, &d->m, &oc));
    ld_train_config tc = {0};
    tc.sft_fields[0] = f1; tc.sft_fields[1] = f2;
    tc.batch = batch; tc.max_steps = s->sft_steps; tc.warmup = s->sft_steps / 10; tc.sched = LD_SCHED_COSINE;
    tc.seed = s->seed * 11 + (uint64_t)phase;
    ld_trainer tr;
    TRY(ld_trainer_init(&tr, &d->m, &o, ds, &tc, NULL));
    if (phase == 0) { evaluate(d, phase, 0, 1); d->at_base = d->last; }
    else emit(d, phase, 0, &d->at_base);   /* extend starts from the base model too */
    terms(d, phase, 0, ld_trainer_lr(&tr, 0), 0, f2 != NULL);
    while (!ld_trainer_done(&tr)) {
        if (decomp && (tr.step == 0 || tr.step == s->sft_steps / 3 || tr.step == 2 * s->sft_steps / 3)) decompose(d, &tr, phase, decomp);
        if (inf) {
            double t0 = now_s();
            ld_dyn_report r;
            TRY(ld_dyn_step(&tr, infl_obs->seq, infl_obs->n, 1, &r));
            TRY(ld_influence_add(inf, &r));
            ld_dyn_report_free(&r);
            t_dyn += now_s() - t0;
        } else
            TRY(ld_trainer_step(&tr));
        work_done += tr.n_rows;
        /* early steps move the most: evaluate steps 1-4, then every eval_sft */
        if (tr.step <= 4 || tr.step % s->eval_sft == 0 || ld_trainer_done(&tr)) {
            evaluate(d, phase, tr.step, ld_trainer_done(&tr));
            terms(d, phase, tr.step, ld_trainer_lr(&tr, tr.step < s->sft_steps ? tr.step : s->sft_steps - 1), 0, f2 != NULL);
        }
    }
    progress(PHASES[phase], "%ld steps, loss %.4f", tr.step, tr.loss);
    *(phase == 0 ? &d->at_sft_end : &d->at_ext_end) = d->last;
    ld_trainer_free(&tr);
    ld_optim_free(&o);
}

static void run_dpo(demo *d, int phase, const ld_dataset *ds, observed *decomp) {
    settings *s = &d->s;
    ld_optim o;
    ld_optim_config oc = {0};
    oc.lr = s->dpo_lr; oc.grad_clip = 1.0;
    TRY(ld_optim_init(&o, &d->m, &oc));
    ld_train_config tc = {0};
    tc.pref = 1; tc.loss.kind = LD_DPO; tc.loss.beta = s->beta;
    tc.batch = s->dpo_batch; tc.max_steps = s->dpo_steps; tc.seed = s->seed * 13 + (uint64_t)phase;
    ld_trainer tr;
    TRY(ld_trainer_init(&tr, &d->m, &o, ds, &tc, NULL));   /* reference: the starting model */
    memcpy(d->ref.theta, d->m.theta, sizeof(ld_float) * d->m.P);   /* the same, for the terms */
    ld_params_changed(&d->ref);
    emit(d, phase, 0, phase == 4 ? &d->at_ext_end : &d->at_sft_end);   /* the θ the SFT phase ended with */
    terms(d, phase, 0, s->dpo_lr, 1, 1);
    long at = 4L * ((s->n_train + s->dpo_batch - 1) / s->dpo_batch);   /* 4 epochs, where the paper compares */
    while (!ld_trainer_done(&tr)) {
        if (decomp && (tr.step == 0 || tr.step == s->dpo_steps / 2 || tr.step == s->dpo_steps - 1)) decompose(d, &tr, phase, decomp);
        TRY(ld_trainer_step(&tr));
        work_done += tr.n_rows;
        int ans = tr.step == at || tr.step % s->eval_answers == 0 || ld_trainer_done(&tr);
        if (tr.step <= 4 || tr.step % s->eval_dpo == 0 || ans) {
            evaluate(d, phase, tr.step, ans);
            terms(d, phase, tr.step, s->dpo_lr, 1, 1);
        }
        if (tr.step % (s->dpo_steps / 3 > 0 ? s->dpo_steps / 3 : 1) == 0 && !ld_trainer_done(&tr))
            progress(PHASES[phase], "step %4ld/%d  loss %.4f  rewards/margins %+.3f  logps/chosen %.2f  logps/rejected %.2f", tr.step,
                     s->dpo_steps, tr.loss, tr.metrics.rewards_margins, tr.metrics.logps_chosen, tr.metrics.logps_rejected);
    }
    progress(PHASES[phase], "%ld steps, loss %.4f, rewards/margins %+.3f, accuracies %.2f", tr.step, tr.loss,
             tr.metrics.rewards_margins, tr.metrics.rewards_accuracies);
    ld_trainer_free(&tr);
    ld_optim_free(&o);
}

/* On-policy negatives: for every training question, answers sampled from the
   current (SFT) model until one is judged wrong (at most 8 tries; else the
   off-policy rejected answer stays). Returns the preference data as JSONL. */
static char *onpolicy_pairs(demo *d, int *n_sampled) {
    ld_model *m = &d->m;
    int train[W_MAX_Q], n = world_train_questions(&d->w, train), T = m->T;
    size_t cap = (size_t)n * 512, len = 0;
    char *out = (char *)malloc(cap);
    ld_rng r;
    ld_rng_seed(&r, d->s.seed * 17 + 5);
    ld_sample_opts so = {0};
    so.temperature = 1.0;
    int pbuf[256], gen[256], glen;
    *n_sampled = 0;
    for (int i = 0; i < n; i++) {
        int q = train[i];
        char qtxt[W_TXT], chosen[W_TXT], rejected[W_TXT + 64];
        world_question(&d->w, q, qtxt);
        world_chosen(&d->w, q, chosen);
        world_rejected(&d->w, q, rejected);
        int np = prompt_tokens(d, q, pbuf);
        ld_seq ps = { pbuf, np, np };
        for (int tries = 0; tries < 8; tries++) {
            TRY(ld_generate(m, &ps, 1, T - np, &so, &r, gen, &glen));
            char txt[1024], clean[W_TXT + 64];
            size_t nt;
            TRY(ld_model_decode(m, gen + np, glen - np, LD_TOK_SKIP_SPECIAL, txt, sizeof txt, &nt));
            int k = 0;  /* keep printable ASCII; the JSONL needs no escapes then */
            for (const char *c = txt; *c && k < W_TXT; c++) if (*c >= 32 && *c < 127 && *c != '"' && *c != '\\') clean[k++] = *c;
            clean[k] = 0;
            if (k > 0 && !world_judge(&d->w, q, clean)) { strcpy(rejected, clean); (*n_sampled)++; break; }
        }
        len += (size_t)snprintf(out + len, cap - len, "{\"prompt\": \"%s\", \"chosen\": \"%s\", \"rejected\": \"%s\"}\n", qtxt, chosen, rejected);
    }
    return out;
}

/* The toy: a softmax over V classes whose logits are the parameters (the eNTK
   is the identity), a step of −η·K·G for the loss +log π_k (a negative
   gradient on class k), predicted with the library's A and measured. */
static void toy(demo *d) {
    enum { V = 10 };
    double z[V] = { 3.2, 1.9, 1.1, 0.6, 0.2, -0.3, -0.8, -1.4, -2.0, -2.9 };
    double pi[V], sum = 0, sq = 0, eta = 0.5;
    ld_float pif[V];
    for (int v = 0; v < V; v++) sum += exp(z[v]);
    for (int v = 0; v < V; v++) { pi[v] = exp(z[v]) / sum; pif[v] = (ld_float)pi[v]; sq += pi[v] * pi[v]; }
    FILE *f = open_out(&d->s, "toy.csv", "case,class,pi,predicted,measured,closed_form");
    int ks[2] = { V - 2, 0 };
    const char *names[2] = { "rare", "top" };
    for (int c = 0; c < 2; c++) {
        int k = ks[c];
        double dz[V], pred[V], z2[V], s2 = 0;
        for (int v = 0; v < V; v++) dz[v] = -eta * ((v == k) - pi[v]);   /* −η K G, K = I, G = e_k − π */
        ld_dyn_A_apply(pif, dz, pred, V);
        for (int v = 0; v < V; v++) { z2[v] = z[v] + dz[v]; s2 += exp(z2[v]); }
        for (int v = 0; v < V; v++) {
            double meas = (z2[v] - log(s2)) - (z[v] - log(sum));
            double cf = v == k ? eta * (2 * pi[k] - 1 - sq) : eta * (pi[v] + pi[k] - sq);
            fprintf(f, "%s,%d,%.6f,%.6f,%.6f,%.6f\n", names[c], v, pi[v], pred[v], meas, cf);
        }
    }
    fclose(f);
    (void)d;
}

/* -------------------------------------------------------------- the report */
#include "demo_report.h"

/* The seeds of a list ("1-5" or "1,3,4"), at most 64, into seeds. */
static int parse_seeds(const char *list, int *seeds) {
    int ns = 0, a, b;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", list);
    for (char *t = strtok(buf, ","); t && ns < 64; t = strtok(NULL, ","))
        if (sscanf(t, "%d-%d", &a, &b) == 2) for (int x = a; x <= b && ns < 64; x++) seeds[ns++] = x;
        else if (sscanf(t, "%d", &a) == 1) seeds[ns++] = a;
    return ns;
}

/* The claims × seeds table, DIR/seeds_table.md and .csv, from
   DIR/seed-N/claims.csv for each seed of the list: the verdict and the
   figure that decides it (claims.csv's key), and the test it must pass
   (its rule). */
static int seeds_table(const char *dir, const char *list) {
    int seeds[64], ns = parse_seeds(list, seeds);
    if (!ns) { fprintf(stderr, "demo: no seeds in \"%s\"\n", list); return 2; }
    int ok[64][16], nc = 0;
    static char key[64][16][32], rule[16][128];
    memset(rule, 0, sizeof rule);
    for (int i = 0; i < ns; i++) {
        char p[1200], line[1024];
        snprintf(p, sizeof p, "%s/seed-%d/claims.csv", dir, seeds[i]);
        FILE *f = fopen(p, "r");
        for (int k = 0; k < 16; k++) { ok[i][k] = -1; key[i][k][0] = 0; }
        if (!f) continue;
        int has_header = fgets(line, sizeof line, f) != NULL;
        int has_key = has_header && strstr(line, ",key,rule,");   /* an older claims.csv has neither */
        if (has_header)
            while (fgets(line, sizeof line, f)) {
                int k, v, at = 0;
                char ky[32] = "", ru[128] = "";
                if (sscanf(line, "%d,%d,%n", &k, &v, &at) < 2 || k < 1 || k > 16) continue;
                ok[i][k - 1] = v;
                if (k > nc) nc = k;
                if (has_key && at && sscanf(line + at, "%31[^,],\"%127[^\"]\"", ky, ru) == 2) {
                    snprintf(key[i][k - 1], 32, "%s", ky);
                    if (!rule[k - 1][0]) snprintf(rule[k - 1], 128, "%s", ru);
                }
            }
        fclose(f);
    }
    char p[1200];
    snprintf(p, sizeof p, "%s/seeds_table.csv", dir);
    FILE *c = fopen(p, "w");
    snprintf(p, sizeof p, "%s/seeds_table.md", dir);
    FILE *m = fopen(p, "w");
    if (!c || !m) { fprintf(stderr, "demo: cannot write the seeds table in %s\n", dir); if (c) fclose(c); if (m) fclose(m); return 1; }
    fprintf(c, "claim");
    fprintf(m, "| claim | holds when |");
    for (int i = 0; i < ns; i++) { fprintf(c, ",seed_%d", seeds[i]); fprintf(m, " seed %d |", seeds[i]); }
    for (int i = 0; i < ns; i++) fprintf(c, ",key_%d", seeds[i]);
    fprintf(c, ",reproduced,seeds\n");
    fprintf(m, " reproduced |\n|---|---|");
    for (int i = 0; i <= ns; i++) fprintf(m, "---|");
    fprintf(m, "\n");
    for (int k = 0; k < nc; k++) {
        int y = 0, n = 0;
        fprintf(c, "%d", k + 1);
        fprintf(m, "| %d | %s |", k + 1, rule[k]);
        for (int i = 0; i < ns; i++) {
            fprintf(c, ",%d", ok[i][k]);
            if (ok[i][k] < 0) fprintf(m, " (no run) |");
            else fprintf(m, key[i][k][0] ? " %s (%s) |" : " %s |", ok[i][k] ? "yes" : "**no**", key[i][k]);
            y += ok[i][k] == 1; n += ok[i][k] >= 0;
        }
        for (int i = 0; i < ns; i++) fprintf(c, ",%s", key[i][k]);
        fprintf(c, ",%d,%d\n", y, n);
        fprintf(m, " %d of %d |\n", y, n);
    }
    fclose(c); fclose(m);
    printf("wrote %s/seeds_table.md and .csv (%d seeds, %d claims)\n", dir, ns, nc);
    return 0;
}

/* ----------------------------------------------------------------- main */

int main(int argc, char **argv) {
    int quick = 0, report_only = 0, words = 0;
    uint64_t seed = 1;
    const char *out = NULL;
    settings ov;   /* overrides: negative = keep the default */
    memset(&ov, 0xff, sizeof ov);
    double ov_sft_lr = -1, ov_dpo_lr = -1, ov_beta = -1, ov_pre_lr = -1;
    const char *base_dir = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick")) quick = 1;
        else if (!strcmp(argv[i], "--words")) words = 1;
        else if (!strcmp(argv[i], "--pre-steps") && i + 1 < argc) ov.pre_steps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--pre-lr") && i + 1 < argc) ov_pre_lr = atof(argv[++i]);
        else if (!strcmp(argv[i], "--sft-steps") && i + 1 < argc) ov.sft_steps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--sft-lr") && i + 1 < argc) ov_sft_lr = atof(argv[++i]);
        else if (!strcmp(argv[i], "--dpo-steps") && i + 1 < argc) ov.dpo_steps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--dpo-lr") && i + 1 < argc) ov_dpo_lr = atof(argv[++i]);
        else if (!strcmp(argv[i], "--beta") && i + 1 < argc) ov_beta = atof(argv[++i]);
        else if (!strcmp(argv[i], "--base") && i + 1 < argc) base_dir = argv[++i];
        else if (!strcmp(argv[i], "--echo") && i + 1 < argc) ov.echo = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--noise") && i + 1 < argc) ov.noise = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--long")) ov.long_answers = 1;
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc) ov.reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--report-only")) report_only = 1;
        else if (!strcmp(argv[i], "--seeds-table") && i + 2 < argc) return seeds_table(argv[i + 1], argv[i + 2]);
        else if (!strcmp(argv[i], "--list-seeds") && i + 1 < argc) {
            int sd[64], ns = parse_seeds(argv[i + 1], sd);
            for (int k = 0; k < ns; k++) printf("%d\n", sd[k]);
            return ns ? 0 : 2;
        }
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc) seed = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--out") && i + 1 < argc) out = argv[++i];
        else {
            fprintf(stderr, "usage: demo [--quick] [--words] [--seed N] [--out DIR] [--report-only] | --seeds-table DIR 1-5\n"
                            "            [--pre-steps N --pre-lr X --sft-steps N --sft-lr X --dpo-steps N --dpo-lr X --beta X --base DIR]\n"
                            "            [--echo N: N lines per question per repetition in pretraining that answer\n"
                            "             \"Where is Ann now?\" by naming Ann, a trial of teaching the model to read the question]\n"
                            "            [--noise N: N garbled lines (shuffled words) per question per repetition in pretraining]\n"
                            "            [--long: answers of about 20 words (long closers); --reps N: N repetitions of pretrain.txt's\n"
                            "             draw instead of 3 (each states every fact twice, in phrasings drawn afresh)]\n"
                            "  reproduces the findings of Ren & Sutherland in miniature; writes CSVs, SVG figures\n"
                            "  and report.md into DIR (default out/demo; out/demo-quick with --quick)\n");
            return 2;
        }
    }
    static demo D;
    demo *d = &D;
    d->s = settings_for(quick, words);
    settings *s = &d->s;
    if (ov.pre_steps >= 0) s->pre_steps = ov.pre_steps;
    if (ov.echo > 8 || ov.noise > 8) fprintf(stderr, "demo: --echo and --noise take at most 8 lines per question and repetition; using 8\n");
    if (ov.echo >= 0) s->echo = ov.echo < 8 ? ov.echo : 8;
    if (ov.noise >= 0) s->noise = ov.noise < 8 ? ov.noise : 8;
    if (ov.long_answers == 1) { s->long_answers = 1; s->T = long_answers_T(s->words); }
    if (ov.reps > 0) s->reps = ov.reps < 64 ? ov.reps : 64;
    world_long_answers(s->long_answers);
    if (ov.sft_steps > 0) s->sft_steps = ov.sft_steps;
    if (ov.dpo_steps > 0) s->dpo_steps = ov.dpo_steps;
    if (ov_pre_lr > 0) s->pre_lr = ov_pre_lr;
    if (ov_sft_lr > 0) s->sft_lr = ov_sft_lr;
    if (ov_dpo_lr > 0) s->dpo_lr = ov_dpo_lr;
    if (ov_beta > 0) s->beta = ov_beta;
    {   /* the training questions: all but one in holdout_every (as world_make picks them) */
        int nq = s->n_ent * W_ATTRS;
        s->n_train = nq - (nq + s->holdout_every - 1) / s->holdout_every;
    }
    s->seed = seed;
    s->out = out ? out : quick ? "out/demo-quick" : "out/demo";
    t_start = now_s();
    if (report_only) return report(s) ? 1 : 0;
    char p[1200];
    snprintf(p, sizeof p, "%s/data", s->out);
    make_dir(p);

    /* the run's settings, for the report (and for --report-only later) */
    {
        FILE *f = open_out(s, "run.csv", "key,value");
        fprintf(f, "seed,%llu\nquick,%d\nwords,%d\nlayers,%d\nchannels,%d\npeople,%d\ntrain_questions,%d\nsft_steps,%d\ndpo_steps,%d\n"
                   "dpo_batch,%d\ndpo_lr,%g\nbeta,%g\nheld_questions,%d\nprobe_questions,%d\npre_steps,%d\necho,%d\nnoise,%d\nlong,%d\nreps,%d\n",
                (unsigned long long)s->seed, s->quick, s->words, s->L, s->C, s->n_ent, s->n_train, s->sft_steps, s->dpo_steps,
                s->dpo_batch, s->dpo_lr, s->beta, s->n_ent * W_ATTRS - s->n_train, s->n_probes, s->pre_steps, s->echo, s->noise, s->long_answers, s->reps);
        fclose(f);
    }

    /* 1. the world */
    world_make(&d->w, seed, s->n_ent, s->holdout_every);
    if (world_write(&d->w, p, s->reps, s->n_probes, s->words, s->echo, s->noise)) die("cannot write the world's files into %s", p);
    ld_config cfg = {0};
    cfg.n_layer = s->L; cfg.n_embd = s->C; cfg.n_head = s->NH; cfg.context = s->T;
    ld_tokenizer *tok = NULL;
    if (s->words) {
        /* the world's tokenizer: byte-level BPE whose merges make every word of the world one token */
        int V = world_tokenizer_write(p);
        if (V < 0) die("cannot write the world's tokenizer into %s", p);
        char vp[1300], mp[1300];
        snprintf(vp, sizeof vp, "%s/vocab.json", p); snprintf(mp, sizeof mp, "%s/merges.txt", p);
        TRY(ld_tokenizer_load_gpt2(&tok, vp, mp));
        cfg.vocab_size = V;   /* <|endoftext|>, the last id, is bos and eos */
    }
    TRY(ld_model_init(&d->m, &cfg, s->B, s->T, LD_TRAIN | LD_JVP, seed));
    if (tok) TRY(ld_model_set_tokenizer(&d->m, tok));
    TRY(ld_model_init(&d->ref, &cfg, 2, s->T, 0, seed));
    ld_data_opts dopt = {0};
    dopt.tokenizer = d->m.tokenizer;
    const char *names[4] = { "sft.jsonl", "pref.jsonl", "heldout.jsonl", "probes.jsonl" };
    ld_dataset *sets[4] = { &d->sft, &d->pref, &d->held, &d->probes };
    ld_data_kind kinds[4] = { LD_DATA_SFT, LD_DATA_PREF, LD_DATA_SFT, LD_DATA_PROBES };
    for (int i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s/data/%s", s->out, names[i]);
        TRY(ld_dataset_load_opts(sets[i], p, &d->m.cfg, kinds[i], &dopt));
    }
    int n_train = d->pref.n, n_held = d->held.n;   /* questions (sft.jsonl holds W_SFT_PHR rows of each) */
    printf("demo%s, seed %llu: a village of %d people, %d facts (%d trained, %d held out); model %d layers × %d channels, %zu parameters; %d thread%s\n",
           quick ? " --quick" : "", (unsigned long long)seed, s->n_ent, d->w.n_q, n_train, n_held, s->L, s->C, d->m.P,
#ifdef _OPENMP
           omp_get_max_threads(), omp_get_max_threads() == 1 ? "" : "s"
#else
           1, ""
#endif
    );
    /* work units (rows forwarded in training) for the time estimate; evaluations are folded in */
    work_total = (double)s->pre_steps * s->pre_batch + 2.0 * s->sft_steps * s->sft_batch * 1.6 + 3.0 * s->dpo_steps * 2 * s->dpo_batch * 1.3;

    /* 2. pretraining (or a base model given with --base, from an earlier run) */
    if (base_dir) {
        char bp[1200];
        snprintf(bp, sizeof bp, "%s/model.safetensors", base_dir);
        TRY(ld_load_params(&d->m, bp));
        work_done += (double)s->pre_steps * s->pre_batch;
        progress("pretrain", "base model loaded from %s", base_dir);
    } else
        pretrain(d);
    d->theta_base = copy_theta(d);
    snprintf(p, sizeof p, "%s/base", s->out);
    make_dir(p);
    TRY(ld_save(&d->m, p));

    d->f_probes = open_out(s, "probes.csv", "phase,step,type,mean_logprob");
    d->f_win = open_out(s, "winrate.csv", "phase,step,winrate");
    d->f_greedy = open_out(s, "greedy.csv", "phase,step,repetition");
    d->f_decomp = open_out(s, "decomposition.csv", "phase,step,type,predicted,measured,via_chosen,via_rejected");
    d->f_decomp_obs = open_out(s, "decomposition_obs.csv", "phase,step,type,example,logp,predicted,measured,predicted_trapezoid");
    d->f_answers = open_out(s, "answers.csv", "phase,step,question,right,repetitive,answer");
    d->f_terms = open_out(s, "terms.csv", "phase,step,observed,eta,A_frob,G_norm,G_norm_chosen,G_norm_rejected,KG_norm,predicted");
    for (int k = 0; k < 2; k++)   /* the first training pair (the first probe question's) */
        TRY(ld_dataset_seq(&d->pref, 0, 1 + k, s->T, 0, &d->m.cfg, d->pair_buf[k], &d->pair_seq[k]));
    observed dec, infl;
    observed_probes(d, &dec);
    /* influence: the chosen answers of the probe questions and the held-out answers */
    {
        int T = d->m.T, n = 0, cap = d->probes.n + (n_held < s->n_infl_held ? n_held : s->n_infl_held);
        infl.seq = (ld_seq *)malloc(sizeof(ld_seq) * cap);
        infl.type = (int *)malloc(sizeof(int) * cap);
        infl.example = (int *)malloc(sizeof(int) * cap);
        infl.buf = (int *)malloc(sizeof(int) * (size_t)cap * T);
        int fc = ld_dataset_field(&d->probes, "chosen"), fh = ld_dataset_field(&d->held, "completion");
        for (int i = 0; i < d->probes.n; i++, n++) TRY(ld_dataset_seq(&d->probes, i, fc, T, 0, &d->m.cfg, infl.buf + (size_t)n * T, &infl.seq[n]));
        for (int i = 0; i < n_held && n < cap; i++, n++) TRY(ld_dataset_seq(&d->held, i, fh, T, 0, &d->m.cfg, infl.buf + (size_t)n * T, &infl.seq[n]));
        infl.n = n;
    }
    ld_influence inf;
    TRY(ld_influence_init(&inf, d->sft.n, infl.n));

    /* 3. SFT on the chosen answers */
    run_sft(d, 0, &d->sft, "completion", NULL, s->sft_batch, &dec, &infl, &inf);
    d->theta_sft = copy_theta(d);
    snprintf(p, sizeof p, "%s/sft", s->out);
    make_dir(p);
    TRY(ld_save(&d->m, p));
    {
        /* rows: training questions by attribute, then person; columns: the probe
           questions' answers (trained), then held-out answers */
        FILE *f = open_out(s, "influence.csv", "example,observed,share,predicted,measured");
        int train[W_MAX_Q], held[W_MAX_Q], nh = 0;
        world_train_questions(&d->w, train);
        for (int q = 0; q < d->w.n_q; q++) if (d->w.heldout[q]) held[nh++] = q;
        int ocol[64], no = 0;   /* observed responses: trained then held out, each by attribute */
        for (int part = 0; part < 2; part++)
            for (int a = 0; a < W_ATTRS; a++)
                for (int o = part ? d->w.n_probe_q : 0; o < (part ? infl.n : d->w.n_probe_q) && no < 64; o++) {
                    int qo = o < d->w.n_probe_q ? d->w.probe_q[o] : held[o - d->w.n_probe_q];
                    if (d->w.q_attr[qo] == a) ocol[no++] = o;
                }
        for (int a = 0; a < W_ATTRS; a++)
            for (int e = 0; e < n_train; e++) {
                int q = train[e];
                if (d->w.q_attr[q] != a) continue;
                for (int oi = 0; oi < no; oi++) {
                    int o = ocol[oi], qo = o < d->w.n_probe_q ? d->w.probe_q[o] : held[o - d->w.n_probe_q];
                    double sh = 0;   /* the question's SFT rows: one per phrasing */
                    for (int k = 0; k < d->sft.n / n_train; k++) sh += inf.share[(size_t)(k * n_train + e) * infl.n + o];
                    fprintf(f, "%s/%s,%s/%s %s,%.6g,%.6g,%.6g\n", w_names[d->w.q_ent[q]], w_attr_names[a],
                            w_names[d->w.q_ent[qo]], w_attr_names[d->w.q_attr[qo]], o < d->w.n_probe_q ? "(trained)" : "(held out)",
                            sh, inf.pred[o], inf.meas[o]);
                }
            }
        fclose(f);
    }
    {
        FILE *f = open_out(s, "influence_total.csv", "observed,steps,predicted,measured,predicted_trapezoid");
        for (int o = 0; o < infl.n; o++) fprintf(f, "%d,%ld,%.9g,%.9g,%.9g\n", o, inf.steps, inf.pred[o], inf.meas[o], inf.pred_trap[o]);
        fclose(f);
    }
    ld_influence_free(&inf);

    /* the regime after SFT (and of the base model), and each pair's one-step
       prediction of Δ log π(y⁺) from a DPO step on that pair alone */
    FILE *freg = open_out(s, "regime.csv", "model,pairs,chosen_tokens,chosen_logp_per_token,argmax_logp_per_token,argmax_share,"
                                          "rejected_tokens,rejected_logp_per_token,chosen_logp,argmax_logp,rejected_logp");
    FILE *fwords = open_out(s, "probe_words.csv", "model,type,examples,first_word,rest,rest_fact,rest_other");
    FILE *freads = open_out(s, "reads.csv", "model,facts,known,known_by_chance,questions,own_logp,other_logp,"
                                            "name_own_logp,name_other_logp,names_in_chosen,uniform_name_logp");
    set_theta(d, d->theta_base);
    ld_params_changed(&d->m);
    regime(d, freg, "base");
    probe_words(d, fwords, "base");
    reads_question(d, freads, "base");
    set_theta(d, d->theta_sft);
    ld_params_changed(&d->m);
    regime(d, freg, "sft");
    probe_words(d, fwords, "sft");
    reads_question(d, freads, "sft");
    fclose(fwords); fclose(freads);
    int n_pairs = d->pref.n;
    double *pair_before = (double *)malloc(sizeof(double) * n_pairs), *pair_rej = (double *)malloc(sizeof(double) * n_pairs);
    double *pair_pred = (double *)malloc(sizeof(double) * n_pairs), *pair_after = (double *)malloc(sizeof(double) * n_pairs);
    double *pair_ches = (double *)malloc(sizeof(double) * n_pairs), *pair_lnches = (double *)malloc(sizeof(double) * n_pairs);
    double *pair_ent = (double *)malloc(sizeof(double) * n_pairs);
    double t_pairs0 = now_s();
    seq_logps(d, &d->pref, "chosen", pair_before, NULL);
    seq_logps(d, &d->pref, "rejected", pair_rej, NULL);
    {
        int train[W_MAX_Q];
        world_train_questions(&d->w, train);
        ld_train_config ptc = {0};
        ptc.loss.kind = LD_DPO; ptc.loss.beta = s->beta; ptc.lr = 1e-3;
        int fc = ld_dataset_field(&d->pref, "chosen"), fr = ld_dataset_field(&d->pref, "rejected"), bc[256], br[256];
        for (int i = 0; i < n_pairs; i++) {   /* Razin et al.'s CHES, LN-CHES, and the gradient entanglement */
            ld_seq sc, sr;
            ld_dyn_entangle en;
            TRY(ld_dataset_seq(&d->pref, i, fc, s->T, 0, &d->m.cfg, bc, &sc));
            TRY(ld_dataset_seq(&d->pref, i, fr, s->T, 0, &d->m.cfg, br, &sr));
            TRY(ld_dyn_ches(&d->m, &sc, &sr, &pair_ches[i], &pair_lnches[i]));
            TRY(ld_dyn_entanglement(&d->m, &sc, &sr, &en));
            pair_ent[i] = en.ratio;
        }
        for (int i = 0; i < n_pairs; i++) {
            char qt[W_TXT], yc[W_TXT], yr[W_TXT];
            world_question(&d->w, train[i], qt); world_chosen(&d->w, train[i], yc); world_rejected(&d->w, train[i], yr);
            ld_dyn_report r;
            TRY(ld_dyn_pair_step(&d->m, NULL, qt, yc, yr, &ptc, NULL, NULL, 0, &r));
            pair_pred[i] = r.pred[0];
            ld_dyn_report_free(&r);
        }
        work_done += 4.0 * n_pairs;
    }
    t_pairs = now_s() - t_pairs0;

    /* 4. off-policy DPO from the SFT model */
    run_dpo(d, 1, &d->pref, &dec);
    regime(d, freg, "dpo");
    seq_logps(d, &d->pref, "chosen", pair_after, NULL);
    {
        FILE *f = open_out(s, "pairs.csv", "pair,question,chosen_logp,rejected_logp,predicted_one_step,measured_dpo,ches,ln_ches,entanglement");
        int train[W_MAX_Q];
        world_train_questions(&d->w, train);
        for (int i = 0; i < n_pairs; i++)
            fprintf(f, "%d,%d,%.6f,%.6f,%.9g,%.6f,%.9g,%.9g,%.9g\n", i, train[i], pair_before[i], pair_rej[i], pair_pred[i],
                    pair_after[i] - pair_before[i], pair_ches[i], pair_lnches[i], pair_ent[i]);
        fclose(f);
    }
    free(pair_before); free(pair_rej); free(pair_pred); free(pair_after); free(pair_ches); free(pair_lnches); free(pair_ent);

    /* 5. on-policy DPO: rejected answers sampled from the SFT model */
    set_theta(d, d->theta_sft);
    int n_sampled;
    char *jl = onpolicy_pairs(d, &n_sampled);
    ld_dataset onp;
    TRY(ld_dataset_parse_opts(&onp, jl, strlen(jl), &d->m.cfg, LD_DATA_PREF, &dopt));
    snprintf(p, sizeof p, "%s/data/pref_onpolicy.jsonl", s->out);
    FILE *fo = fopen(p, "w");
    if (fo) { fputs(jl, fo); fclose(fo); }
    free(jl);
    progress("onpolicy", "%d of %d rejected answers sampled from the SFT model (judged wrong); the rest off-policy", n_sampled, n_train);
    run_dpo(d, 2, &onp, &dec);
    ld_dataset_free(&onp);

    /* 6. extend: SFT on chosen and rejected (half the examples per step: the same rows), then DPO */
    set_theta(d, d->theta_base);
    run_sft(d, 3, &d->pref, "chosen", "rejected", s->sft_batch / 2, &dec, NULL, NULL);
    d->theta_ext = copy_theta(d);
    run_dpo(d, 4, &d->pref, &dec);
    fclose(freg);

    /* 7. the toy */
    toy(d);
    fclose(d->f_probes); fclose(d->f_win); fclose(d->f_greedy); fclose(d->f_decomp); fclose(d->f_decomp_obs); fclose(d->f_answers); fclose(d->f_terms);
    {
        FILE *f = open_out(s, "samples.csv", "phase,question,answer");
        int held[W_MAX_Q], nh = 0;
        for (int q = 0; q < d->w.n_q; q++) if (d->w.heldout[q]) held[nh++] = q;
        for (int ph = 0; ph < 5; ph++)
            for (int i = 0; i < 3 && i < nh; i++) {
                char qt[W_TXT];
                world_question(&d->w, held[i], qt);
                fprintf(f, "%s,\"%s\",\"%s\"\n", PHASES[ph], qt, d->last_greedy[ph][i]);
            }
        fclose(f);
    }
    observed_free(&dec);
    observed_free(&infl);
    progress("train", "done; writing the report");

    /* 8. the report, from the CSVs */
    int rc = report(s);
    printf("wrote %s: report.md, figures (fig_*.svg), CSVs; %.0f s in all (probe evaluations %.0f s, held-out answers %.0f s, "
           "influence %.0f s, terms %.0f s, decompositions %.0f s, pair predictors %.0f s)\n", s->out,
           now_s() - t_start, t_probes, t_answers, t_dyn, t_terms, t_decomp, t_pairs);
    free(d->theta_base); free(d->theta_sft); free(d->theta_ext);
    for (int i = 0; i < 4; i++) ld_dataset_free(sets[i]);
    ld_model_free(&d->m);
    ld_model_free(&d->ref);
    return rc;
}
