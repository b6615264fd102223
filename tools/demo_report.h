/* demo_report.h — the demo's last stage: the CSVs it wrote are read back and
   turned into figures and report.md. Every number and every verdict in the
   report is computed here from the CSVs; none is written by hand. Included
   by tools/demo.c (needs settings, svg.h, world.h). */

/* ---- probes.csv, winrate.csv, greedy.csv: phase,step,key,value ---- */

typedef struct { char phase[24], key[40]; long step; double v; } row_t;
typedef struct { row_t *r; int n; } table_t;

/* Reads a CSV of rows "phase,step,[key,]value" (key_col: 1 if there is a key). */
static int read_table(const settings *s, const char *name, int key_col, table_t *t) {
    char p[1024], line[512];
    snprintf(p, sizeof p, "%s/%s", s->out, name);
    FILE *f = fopen(p, "r");
    t->n = 0;
    t->r = NULL;
    if (!f) return -1;
    int cap = 0;
    if (!fgets(line, sizeof line, f)) { fclose(f); return -1; } /* header */
    while (fgets(line, sizeof line, f)) {
        if (t->n == cap) { cap = cap ? 2 * cap : 1024; t->r = (row_t *)realloc(t->r, sizeof(row_t) * cap); }
        row_t *r = &t->r[t->n];
        char *a = strtok(line, ","), *b = strtok(NULL, ","), *c = strtok(NULL, ","), *d = key_col ? strtok(NULL, ",\n") : NULL;
        if (!a || !b || !c || (key_col && !d)) continue;
        snprintf(r->phase, sizeof r->phase, "%s", a);
        r->step = atol(b);
        if (key_col) { snprintf(r->key, sizeof r->key, "%s", c); r->v = atof(d); }
        else { r->key[0] = 0; r->v = atof(c); }
        t->n++;
    }
    fclose(f);
    return 0;
}

/* The series (step, value) of phase and key, in file order (steps rise). */
static int series_of(const table_t *t, const char *phase, const char *key, double *x, double *y, int cap) {
    int n = 0;
    for (int i = 0; i < t->n && n < cap; i++)
        if (!strcmp(t->r[i].phase, phase) && (!key || !strcmp(t->r[i].key, key))) { x[n] = (double)t->r[i].step; y[n] = t->r[i].v; n++; }
    return n;
}

typedef struct { double first, last, max, min; int n; } stats_t;
static stats_t stats_of(const table_t *t, const char *phase, const char *key) {
    double x[4096], y[4096];
    stats_t st = { NAN, NAN, NAN, NAN, 0 };
    int n = series_of(t, phase, key, x, y, 4096);
    if (!n) return st;
    st.n = n; st.first = y[0]; st.last = y[n - 1]; st.max = st.min = y[0];
    for (int i = 1; i < n; i++) { if (y[i] > st.max) st.max = y[i]; if (y[i] < st.min) st.min = y[i]; }
    return st;
}
static double delta_of(const table_t *t, const char *phase, const char *key) {
    stats_t s = stats_of(t, phase, key);
    return s.last - s.first;
}

static const char *const TYPES[11] = { "chosen", "chosen_gptsemantic", "chosen_gptformat", "rejected", "reject_gptsemantic",
                                       "reject_gptformat", "irr_train", "irr_test", "irr_hum", "random_permute", "random_nonhum" };
static const char *const TYPE_LABEL[13] = { "y⁺ chosen", "y⁺ rephrased (gptsemantic)", "y⁺ format (gptformat)", "y⁻ rejected",
                                            "y⁻ rephrased", "y⁻ format", "irr_train", "irr_test", "irr_hum",
                                            "y⁺ shuffled (random_permute)", "random_nonhum", "y* argmax", "greedy decode" };

/* ---- the figures ---- */

/* Panels of probe curves for one or two phases (the second dashed). */
static void fig_probes(const settings *s, const table_t *pt, const char *file, const char *title, const char *ph1,
                       const char *ph2, const char *l1, const char *l2) {
    static const int groups[5][4] = { { 0, 1, 2, -1 }, { 3, 4, 5, -1 }, { 6, 7, 8, -1 }, { 9, 10, -1, -1 }, { 11, 12, -1, -1 } };
    static const char *const gtitle[5] = { "y⁺ and its variants", "y⁻ and its variants", "other responses",
                                           "shuffled responses", "y* (argmax) and the greedy decode" };
    static double xs[5][8][512], ys[5][8][512];
    static char names[5][8][96];
    svg_series ser[5][8];
    const svg_series *sp[5];
    int ns[5];
    for (int g = 0; g < 5; g++) {
        ns[g] = 0;
        for (int k = 0; k < 4 && groups[g][k] >= 0; k++)
            for (int ph = 0; ph < (ph2 ? 2 : 1); ph++) {
                int ti = groups[g][k], j = ns[g]++;
                const char *key = ti < 11 ? TYPES[ti] : ti == 11 ? "argmax" : "greedy";
                int n = series_of(pt, ph ? ph2 : ph1, key, xs[g][j], ys[g][j], 512);
                if (ph2) snprintf(names[g][j], 96, "%s (%s)", TYPE_LABEL[ti], ph ? l2 : l1);
                else snprintf(names[g][j], 96, "%s", TYPE_LABEL[ti]);
                ser[g][j].name = names[g][j]; ser[g][j].n = n; ser[g][j].x = xs[g][j]; ser[g][j].y = ys[g][j];
                ser[g][j].dashed = ph;
            }
        sp[g] = ser[g];
    }
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", s->out, file);
    svg_panels(p, title, "step", 3, 5, gtitle, "mean log π(y|x)", sp, ns, NULL, NULL, 0);
}

/* Baseline (sft → dpo) against extend (extend_sft → extend_dpo) on one
   axis of steps: the DPO steps are placed after the SFT steps. */
static int joined(const table_t *t, const char *p1, const char *p2, const char *key, long offset, double *x, double *y, int cap) {
    int n = series_of(t, p1, key, x, y, cap);
    int m = series_of(t, p2, key, x + n, y + n, cap - n);
    for (int i = n; i < n + m; i++) x[i] += (double)offset;
    return n + m;
}

static void fig_extend(const settings *s, const table_t *pt, const table_t *wt) {
    static double xs[4][2][1024], ys[4][2][1024];
    const char *keys[3] = { "chosen", "rejected", "argmax" };
    const char *titles[4] = { "y⁺ chosen", "y⁻ rejected", "y* argmax", "win rate on held-out questions" };
    svg_series ser[4][2];
    const svg_series *sp[4];
    int ns[4];
    for (int k = 0; k < 4; k++) {
        for (int b = 0; b < 2; b++) {
            const table_t *t = k < 3 ? pt : wt;
            ser[k][b].n = joined(t, b ? "extend_sft" : "sft", b ? "extend_dpo" : "dpo", k < 3 ? keys[k] : NULL, s->sft_steps, xs[k][b], ys[k][b], 1024);
            ser[k][b].x = xs[k][b]; ser[k][b].y = ys[k][b];
            ser[k][b].name = b ? "extend: SFT on y⁺ and y⁻, then DPO" : "baseline: SFT on y⁺, then DPO";
            ser[k][b].dashed = 0;
        }
        sp[k] = ser[k]; ns[k] = 2;
    }
    double vl = s->sft_steps;
    const char *vlab = "DPO starts";
    char p[1024];
    snprintf(p, sizeof p, "%s/fig_extend.svg", s->out);
    svg_panels(p, "Extend (SFT on both y⁺ and y⁻ first) against the baseline, at matched compute", "step (SFT, then DPO)", 2, 4,
               titles, "mean log π(y|x) / win rate", sp, ns, &vl, &vlab, 1);
}

static void fig_main(const settings *s, const table_t *pt, const table_t *wt) {
    static double xs[4][4][1024], ys[4][4][1024];
    svg_series ser[4][4];
    const svg_series *sp[4];
    int ns[4] = { 3, 2, 4, 2 };
    const char *titles[4] = { "SFT: y⁺, another question's answer, an unrelated sentence", "DPO: y⁻ and its format-mate fall",
                              "DPO: y⁺ and y* with off- (solid) and on-policy (dashed) y⁻", "win rate on held-out questions" };
    const char *k0[3] = { "chosen", "irr_train", "irr_hum" }, *l0[3] = { "y⁺ chosen", "irr_train", "irr_hum" };
    ser[0][0].n = 0;
    for (int i = 0; i < 3; i++) { ser[0][i].n = series_of(pt, "sft", k0[i], xs[0][i], ys[0][i], 1024); ser[0][i].name = l0[i]; }
    ser[1][0].n = series_of(pt, "dpo", "rejected", xs[1][0], ys[1][0], 1024); ser[1][0].name = "y⁻ rejected";
    ser[1][1].n = series_of(pt, "dpo", "reject_gptformat", xs[1][1], ys[1][1], 1024); ser[1][1].name = "y⁻ format (reject_gptformat)";
    ser[2][0].n = series_of(pt, "dpo", "chosen", xs[2][0], ys[2][0], 1024); ser[2][0].name = "y⁺ (off-policy)";
    ser[2][1].n = series_of(pt, "dpo", "argmax", xs[2][1], ys[2][1], 1024); ser[2][1].name = "y* (off-policy)";
    ser[2][2].n = series_of(pt, "onpolicy_dpo", "chosen", xs[2][2], ys[2][2], 1024); ser[2][2].name = "y⁺ (on-policy)";
    ser[2][3].n = series_of(pt, "onpolicy_dpo", "argmax", xs[2][3], ys[2][3], 1024); ser[2][3].name = "y* (on-policy)";
    ser[3][0].n = joined(wt, "sft", "dpo", NULL, s->sft_steps, xs[3][0], ys[3][0], 1024); ser[3][0].name = "baseline: SFT on y⁺, DPO";
    ser[3][1].n = joined(wt, "extend_sft", "extend_dpo", NULL, s->sft_steps, xs[3][1], ys[3][1], 1024); ser[3][1].name = "extend: SFT on y⁺ and y⁻, DPO";
    for (int k = 0; k < 4; k++) {
        for (int i = 0; i < ns[k]; i++) { ser[k][i].x = xs[k][i]; ser[k][i].y = ys[k][i]; ser[k][i].dashed = k == 2 && i >= 2; }
        sp[k] = ser[k];
    }
    char p[1024], wtitle[96];
    snprintf(wtitle, sizeof wtitle, "win rate on held-out questions (SFT to step %d, then DPO)", s->sft_steps);
    titles[3] = wtitle;
    snprintf(p, sizeof p, "%s/fig_main.svg", s->out);
    svg_panels(p, "Learning dynamics of finetuning, in miniature (mean log π of probe responses over training)", "step", 2, 4,
               titles, "mean log π(y|x)", sp, ns, NULL, NULL, 0);
}

/* ---- statistics ---- */

/* Wilson's 95% interval of a rate k/n. */
static void wilson(double rate, int n, double *lo, double *hi) {
    if (n <= 0 || isnan(rate)) { *lo = *hi = NAN; return; }
    double z = 1.959963984540054, zz = z * z / n, c = (rate + zz / 2) / (1 + zz);
    double h = z * sqrt(rate * (1 - rate) / n + zz / (4.0 * n)) / (1 + zz);
    *lo = c - h; *hi = c + h;
}

/* The paper's win rate is a head-to-head judgement: for each test prompt a
   judge compares the two models' responses. Here, from answers.csv, for
   each held-out question the answers of phases pa and pb at `step`, ranked
   right (2) > wrong but well-formed (1) > repetitive (0), the judge a
   reader of these answers would be; a tie counts half. Fills h: pa's wins,
   ties and losses; tier[run][score], how many answers of each run are
   right, wrong and repetitive; by_right[0] and [1], the wins and the losses
   where the winner's answer is right (the others are won by a wrong answer
   over a repetitive one). h->n: the questions compared (0 when either phase
   lacks that step). */
typedef struct { int n, win, tie, loss, tier[2][3], by_right[2]; } h2h_t;
static void head_to_head(const settings *s, const char *pa, const char *pb, long step, h2h_t *h) {
    char p[1024], line[512];
    snprintf(p, sizeof p, "%s/answers.csv", s->out);
    memset(h, 0, sizeof *h);
    FILE *f = fopen(p, "r");
    if (!f) return;
    static int score[2][W_MAX_Q];
    for (int k = 0; k < 2; k++) for (int q = 0; q < W_MAX_Q; q++) score[k][q] = -1;
    if (fgets(line, sizeof line, f))
        while (fgets(line, sizeof line, f)) {
            char ph[24];
            long st;
            int q, right, rep;
            if (sscanf(line, "%23[^,],%ld,%d,%d,%d", ph, &st, &q, &right, &rep) != 5 || st != step || q < 0 || q >= W_MAX_Q) continue;
            int k = !strcmp(ph, pa) ? 0 : !strcmp(ph, pb) ? 1 : -1;
            if (k >= 0) score[k][q] = right ? 2 : rep ? 0 : 1;
        }
    fclose(f);
    for (int q = 0; q < W_MAX_Q; q++) {
        if (score[0][q] < 0 || score[1][q] < 0) continue;
        h->n++;
        h->tier[0][score[0][q]]++; h->tier[1][score[1][q]]++;
        if (score[0][q] > score[1][q]) { h->win++; h->by_right[0] += score[0][q] == 2; }
        else if (score[0][q] == score[1][q]) h->tie++;
        else { h->loss++; h->by_right[1] += score[1][q] == 2; }
    }
}

static double pearson(const double *x, const double *y, int n) {
    double mx = 0, my = 0, sxx = 0, syy = 0, sxy = 0;
    for (int i = 0; i < n; i++) { mx += x[i]; my += y[i]; }
    mx /= n; my /= n;
    for (int i = 0; i < n; i++) { sxx += (x[i] - mx) * (x[i] - mx); syy += (y[i] - my) * (y[i] - my); sxy += (x[i] - mx) * (y[i] - my); }
    return sxx > 0 && syy > 0 ? sxy / sqrt(sxx * syy) : NAN;
}

/* Ranks (1..n, ties averaged), for Spearman's ρ = Pearson's r of the ranks. */
static void ranks_of(const double *x, int n, double *r) {
    for (int i = 0; i < n; i++) {
        int lt = 0, eq = 0;
        for (int j = 0; j < n; j++) { lt += x[j] < x[i]; eq += x[j] == x[i]; }
        r[i] = lt + (eq + 1) / 2.0;
    }
}
static double spearman(const double *x, const double *y, int n) {
    double *rx = (double *)malloc(sizeof(double) * (n ? n : 1)), *ry = (double *)malloc(sizeof(double) * (n ? n : 1));
    ranks_of(x, n, rx); ranks_of(y, n, ry);
    double r = pearson(rx, ry, n);
    free(rx); free(ry);
    return r;
}

/* Per phase, from decomposition_obs.csv: Σ|measured| / Σ|predicted| and the
   correlation of predicted and measured over every probe response and
   analysed step. Returns the phases found (≤ 5). */
typedef struct { char phase[24]; int n; double ratio, corr, ratio_trap, corr_trap; } decomp_fit;
static int decomp_fits(const settings *s, decomp_fit *fit) {
    static const char *const ph[5] = { "sft", "dpo", "onpolicy_dpo", "extend_sft", "extend_dpo" };
    char p[1024], line[512];
    snprintf(p, sizeof p, "%s/decomposition_obs.csv", s->out);
    int nf = 0;
    for (int k = 0; k < 5; k++) {
        FILE *f = fopen(p, "r");
        if (!f) return 0;
        int n = 0, cap = 4096;
        double *x = (double *)malloc(sizeof(double) * cap), *y = (double *)malloc(sizeof(double) * cap);
        double *z = (double *)malloc(sizeof(double) * cap), sp = 0, sm = 0, sq = 0;
        if (fgets(line, sizeof line, f))
            while (fgets(line, sizeof line, f)) {
                char a[24], ty[40];
                long st;
                int ex;
                double lp, pr, me, pq;
                if (sscanf(line, "%23[^,],%ld,%39[^,],%d,%lf,%lf,%lf,%lf", a, &st, ty, &ex, &lp, &pr, &me, &pq) != 8 || strcmp(a, ph[k])) continue;
                if (n == cap) {
                    cap *= 2;
                    x = (double *)realloc(x, sizeof(double) * cap); y = (double *)realloc(y, sizeof(double) * cap);
                    z = (double *)realloc(z, sizeof(double) * cap);
                }
                x[n] = pr; y[n] = me; z[n] = pq; n++;
                sp += fabs(pr); sm += fabs(me); sq += fabs(pq);
            }
        fclose(f);
        if (n) {
            snprintf(fit[nf].phase, sizeof fit[nf].phase, "%s", ph[k]);
            fit[nf].n = n; fit[nf].ratio = sp > 0 ? sm / sp : NAN; fit[nf].corr = pearson(x, y, n);
            fit[nf].ratio_trap = sq > 0 ? sm / sq : NAN; fit[nf].corr_trap = pearson(z, y, n);
            nf++;
        }
        free(x); free(y); free(z);
    }
    return nf;
}

/* probe_words.csv: the change over SFT (base → sft) of a probe type's mean
   log π at its first word, over the rest, and the rest's fact words and
   other words (rest_fact, rest_other; NAN where the file is older than
   them). 0, or −1 if it is not there. */
static int probe_word_delta(const settings *s, const char *type, double *first, double *rest, double *fact, double *other) {
    char p[1200], line[256], mo[24], ty[32];
    snprintf(p, sizeof p, "%s/probe_words.csv", s->out);
    FILE *f = fopen(p, "r");
    if (!f) return -1;
    double v[2][4];
    int got = 0, n;
    while (fgets(line, sizeof line, f)) {
        double a, b, c = NAN, e = NAN;
        if (sscanf(line, "%23[^,],%31[^,],%d,%lf,%lf,%lf,%lf", mo, ty, &n, &a, &b, &c, &e) < 5 || strcmp(ty, type)) continue;
        int k = !strcmp(mo, "base") ? 0 : !strcmp(mo, "sft") ? 1 : -1;
        if (k < 0) continue;
        v[k][0] = a; v[k][1] = b; v[k][2] = c; v[k][3] = e; got |= 1 << k;
    }
    fclose(f);
    if (got != 3) return -1;
    *first = v[1][0] - v[0][0]; *rest = v[1][1] - v[0][1];
    *fact = v[1][2] - v[0][2]; *other = v[1][3] - v[0][3];
    return 0;
}

/* ---- the report ---- */

/* A claim, what was measured, the verdict, and the figure that decides it
   (key) with the test it must pass (rule), for the seeds table. */
typedef struct { const char *claim, *rule; char measured[448], key[32]; int ok; } claim_t;

static int report(const settings *s_in) {
    char q_dummy[1024];
    /* the settings of the run that wrote the CSVs (run.csv), over the defaults */
    settings run = *s_in, *s = &run;
    {
        char p[1200], k[32];
        double v;
        snprintf(p, sizeof p, "%s/run.csv", s_in->out);
        FILE *f = fopen(p, "r");
        if (f) {
            char line[128];
            while (fgets(line, sizeof line, f))
                if (sscanf(line, "%31[^,],%lf", k, &v) == 2) {
                    if (!strcmp(k, "seed")) run.seed = (uint64_t)v;
                    else if (!strcmp(k, "quick")) run.quick = (int)v;
                    else if (!strcmp(k, "words")) run.words = (int)v;
                    else if (!strcmp(k, "layers")) run.L = (int)v;
                    else if (!strcmp(k, "channels")) run.C = (int)v;
                    else if (!strcmp(k, "people")) run.n_ent = (int)v;
                    else if (!strcmp(k, "train_questions")) run.n_train = (int)v;
                    else if (!strcmp(k, "sft_steps")) run.sft_steps = (int)v;
                    else if (!strcmp(k, "dpo_steps")) run.dpo_steps = (int)v;
                    else if (!strcmp(k, "dpo_batch")) run.dpo_batch = (int)v;
                    else if (!strcmp(k, "echo")) run.echo = (int)v;
                    else if (!strcmp(k, "noise")) run.noise = (int)v;
                    else if (!strcmp(k, "long")) run.long_answers = (int)v;
                    else if (!strcmp(k, "reps")) run.reps = (int)v;
                }
            fclose(f);
        }
    }
    table_t pt, wt, gt;
    if (read_table(s, "probes.csv", 1, &pt) || read_table(s, "winrate.csv", 0, &wt) || read_table(s, "greedy.csv", 0, &gt)) {
        fprintf(stderr, "demo: the CSVs are missing in %s (run the demo first)\n", s->out);
        return -1;
    }
    fig_probes(s, &pt, "fig_sft.svg", "SFT on y⁺: mean log π of each probe type under the training prompts", "sft", NULL, NULL, NULL);
    fig_probes(s, &pt, "fig_dpo.svg", "DPO after SFT: off-policy y⁻ (solid) and on-policy y⁻ sampled from the SFT model (dashed)",
               "dpo", "onpolicy_dpo", "off-policy", "on-policy");
    fig_extend(s, &pt, &wt);
    fig_main(s, &pt, &wt);

    claim_t c[16];
    /* claim 12's head to head, after 4 epochs of DPO as the paper compares */
    long h2h_at = 4L * ((s->n_train + s->dpo_batch - 1) / s->dpo_batch);
    h2h_t h2h;
    head_to_head(s, "extend_dpo", "dpo", h2h_at, &h2h);
    int nc = 0, n_held = s->n_ent * W_ATTRS - s->n_train;   /* 95% intervals: Wilson's */
    double d;
    /* SFT */
    d = delta_of(&pt, "sft", "chosen");
    c[nc].claim = "SFT raises the trained response y⁺";
    snprintf(c[nc].measured, sizeof c[nc].measured, "Δ log π(y⁺) over SFT = %+.2f", d);
    c[nc].rule = "Δ y⁺ > 0";
    snprintf(c[nc].key, sizeof c[nc].key, "%+.2f", d);
    c[nc++].ok = d > 0;
    d = delta_of(&pt, "sft", "irr_train");
    c[nc].claim = "SFT raises other training questions' answers (irr_train): answers start to cross over, the paper's hallucination mechanism";
    snprintf(c[nc].measured, sizeof c[nc].measured, "Δ irr_train = %+.2f", d);
    c[nc].rule = "Δ irr_train > 0";
    snprintf(c[nc].key, sizeof c[nc].key, "%+.2f", d);
    c[nc++].ok = d > 0;
    {
        stats_t g = stats_of(&pt, "sft", "chosen_gptsemantic");
        c[nc].claim = "Rephrases of y⁺ rise (and may fall later)";
        snprintf(c[nc].measured, sizeof c[nc].measured, "gptsemantic: start %.2f, highest %.2f, end %.2f", g.first, g.max, g.last);
        c[nc].rule = "gptsemantic: highest − start > 0";
        snprintf(c[nc].key, sizeof c[nc].key, "%+.2f", g.max - g.first);
        c[nc++].ok = g.max > g.first;
    }
    {
        double a = delta_of(&pt, "sft", "irr_hum"), b = delta_of(&pt, "sft", "random_permute"), e = delta_of(&pt, "sft", "random_nonhum");
        c[nc].claim = "SFT lowers a fluent but unrelated sentence (irr_hum) and shuffled responses";
        int k = snprintf(c[nc].measured, sizeof c[nc].measured, "Δ irr_hum %+.2f, Δ random_permute %+.2f, Δ random_nonhum %+.2f", a, b, e);
        double w1, wr, wf, wo;
        if (probe_word_delta(s, "random_permute", &w1, &wr, &wf, &wo) == 0)
            snprintf(c[nc].measured + k, sizeof c[nc].measured - (size_t)k,
                     "; of random_permute's, the first word %+.2f, the rest %+.2f (its names and values %+.2f, its other words %+.2f)",
                     w1, wr, wf, wo);
        c[nc].rule = "the largest of the three Δ < 0";
        snprintf(c[nc].key, sizeof c[nc].key, "%+.2f", fmax(a, fmax(b, e)));
        c[nc++].ok = a < 0 && b < 0 && e < 0;
    }
    /* DPO */
    {
        double drej = delta_of(&pt, "dpo", "rejected"), worst = 0;
        const char *who = "";
        double next = INFINITY;   /* the largest fall of the others */
        for (int i = 0; i < 11; i++) {
            double x = delta_of(&pt, "dpo", TYPES[i]);
            if (x < worst) { worst = x; who = TYPES[i]; }
            if (i != 3 && x < next) next = x;
        }
        c[nc].claim = "Off-policy DPO lowers y⁻ fastest";
        snprintf(c[nc].measured, sizeof c[nc].measured, "Δ y⁻ = %+.2f; the largest fall is %s (%+.2f)", drej, who, worst);
        c[nc].rule = "y⁻'s fall − the next largest fall > 0";
        snprintf(c[nc].key, sizeof c[nc].key, "%+.2f", fmin(next - drej, -drej));   /* > 0 only where y⁻ falls, and most */
        c[nc++].ok = !strcmp(who, "rejected");
    }
    {
        stats_t ch = stats_of(&pt, "dpo", "chosen");
        c[nc].claim = "y⁺ eventually falls too under DPO";
        snprintf(c[nc].measured, sizeof c[nc].measured, "y⁺: start %.2f, highest %.2f, end %.2f", ch.first, ch.max, ch.last);
        c[nc].rule = "y⁺: start − end > 0";
        snprintf(c[nc].key, sizeof c[nc].key, "%+.2f", ch.first - ch.last);
        c[nc++].ok = ch.last < ch.first;
    }
    {
        int falls = 0;
        for (int i = 0; i < 11; i++) falls += delta_of(&pt, "dpo", TYPES[i]) < 0;
        c[nc].claim = "Almost every probe response falls under DPO: the mass goes elsewhere";
        snprintf(c[nc].measured, sizeof c[nc].measured, "%d of 11 probe types fall", falls);
        c[nc].rule = "probe types that fall ≥ 10";
        snprintf(c[nc].key, sizeof c[nc].key, "%d", falls);
        c[nc++].ok = falls >= 10;
    }
    d = delta_of(&pt, "dpo", "argmax");
    c[nc].claim = "The most likely response y* (teacher-forced argmax) rises under DPO: the squeezing effect";
    snprintf(c[nc].measured, sizeof c[nc].measured, "Δ log π(y*) = %+.2f", d);
    c[nc].rule = "Δ y* > 0";
    snprintf(c[nc].key, sizeof c[nc].key, "%+.2f", d);
    c[nc++].ok = d > 0;
    {
        stats_t r = stats_of(&gt, "dpo", NULL);
        double l0, h0, l1, h1;
        wilson(r.first, n_held, &l0, &h0); wilson(r.last, n_held, &l1, &h1);
        c[nc].claim = "Long DPO degenerates: greedy answers repeat themselves";
        snprintf(c[nc].measured, sizeof c[nc].measured, "repetitive greedy answers on %d held-out questions: %.0f%% [%.0f, %.0f] at the start of DPO, %.0f%% [%.0f, %.0f] at the end",
                 n_held, 100 * r.first, 100 * l0, 100 * h0, 100 * r.last, 100 * l1, 100 * h1);
        c[nc].rule = "repetitive at the end − at the start > 0 (points)";
        snprintf(c[nc].key, sizeof c[nc].key, "%+.0f", 100 * (r.last - r.first));
        c[nc++].ok = r.last > r.first;
    }
    /* the squeeze, measured the same way for on-policy negatives and for
       extend: y⁺ falls less, and the bystanders (every probe type but y⁺ and
       y⁻) fall less */
    {
        double off = delta_of(&pt, "dpo", "chosen"), on = delta_of(&pt, "onpolicy_dpo", "chosen");
        double boff = 0, bon = 0, bext = 0;
        for (int i = 0; i < 11; i++) if (i != 0 && i != 3) {
            boff += delta_of(&pt, "dpo", TYPES[i]) / 9;
            bon += delta_of(&pt, "onpolicy_dpo", TYPES[i]) / 9;
            bext += delta_of(&pt, "extend_dpo", TYPES[i]) / 9;
        }
        c[nc].claim = "On-policy negatives (sampled from the model) squeeze far less: y⁺ and the bystander responses fall less";
        snprintf(c[nc].measured, sizeof c[nc].measured, "Δ y⁺: off-policy %+.2f, on-policy %+.2f; mean Δ of the 9 bystanders: %+.2f vs %+.2f", off, on, boff, bon);
        c[nc].rule = "the smaller of the two gaps (y⁺, bystanders) > 0";
        snprintf(c[nc].key, sizeof c[nc].key, "%+.2f", fmin(on - off, bon - boff));
        c[nc++].ok = on > off && bon > boff;
        double ext = delta_of(&pt, "extend_dpo", "chosen");
        c[nc].claim = "Extend: SFT on both y⁺ and y⁻ before DPO weakens the squeeze: y⁺ and the bystanders fall less";
        snprintf(c[nc].measured, sizeof c[nc].measured, "Δ y⁺ during DPO: baseline %+.2f, extend %+.2f; mean Δ of the bystanders: %+.2f vs %+.2f", off, ext, boff, bext);
        c[nc].rule = "the smaller of the two gaps (y⁺, bystanders) > 0";
        snprintf(c[nc].key, sizeof c[nc].key, "%+.2f", fmin(ext - off, bext - boff));
        c[nc++].ok = ext > off && bext > boff;
    }
    {
        int w = h2h.win, t = h2h.tie, l = h2h.loss, n = h2h.n;
        const int (*tier)[3] = h2h.tier;
        double rate = n ? (w + 0.5 * t) / n : NAN, lo, hi;
        wilson(w + l ? (double)w / (w + l) : NAN, w + l, &lo, &hi);
        c[nc].claim = "Extend gives better answers than SFT-on-y⁺-then-DPO at matched compute, after 4 DPO epochs (the paper: win rate 0.69)";
        snprintf(c[nc].measured, sizeof c[nc].measured, "head to head on %d held-out questions at DPO step %ld (right > wrong > repetitive): extend wins %d, "
                 "ties %d, loses %d; win rate %.2f; of the decided, %.0f%% [%.0f, %.0f]; right / wrong / repetitive: extend %d / %d / %d, "
                 "baseline %d / %d / %d", n, h2h_at, w, t, l, rate, 100.0 * w / (w + l ? w + l : 1), 100 * lo, 100 * hi,
                 tier[0][2], tier[0][1], tier[0][0], tier[1][2], tier[1][1], tier[1][0]);
        c[nc].rule = "wins − losses > 0";
        snprintf(c[nc].key, sizeof c[nc].key, "%+d", w - l);
        c[nc++].ok = n > 0 && w > l;
    }
    /* toy */
    {
        char p[1024], line[256];
        snprintf(p, sizeof p, "%s/toy.csv", s->out);
        FILE *f = fopen(p, "r");
        double pred[2][16], pi[16];
        int n = 0, ok_rare = 0, risers = 0, top_spread = 0;
        if (f && fgets(line, sizeof line, f)) {
            while (fgets(line, sizeof line, f) && n < 32) {
                char cs[16];
                int cls;
                double p0, pr, me, cf;
                if (sscanf(line, "%15[^,],%d,%lf,%lf,%lf,%lf", cs, &cls, &p0, &pr, &me, &cf) != 6 || cls < 0 || cls >= 16) continue;
                pred[strcmp(cs, "rare") ? 1 : 0][cls] = pr;
                pi[cls] = p0;
                n++;
            }
            fclose(f);
            int V = n / 2;
            for (int v = 0; v < V; v++) risers += pred[0][v] > 0;
            ok_rare = pred[0][0] > 0 && risers <= 2;
            for (int v = 1; v < V; v++) top_spread += pred[1][v] > 0;
            (void)pi;
            c[nc].claim = "Toy: a negative gradient on a low-probability class raises only the top class(es); on the top class it spreads the mass";
            snprintf(c[nc].measured, sizeof c[nc].measured, "rare class pushed down: %d of %d classes rise, the top one included; top class pushed down: %d of %d others rise",
                     risers, V, top_spread, V - 1);
            c[nc].rule = "classes that rise: rare pushed down ≤ 2, top pushed down ≥ half";
            snprintf(c[nc].key, sizeof c[nc].key, "%d / %d", risers, top_spread);
            c[nc++].ok = ok_rare && pred[1][0] < 0 && top_spread >= (V - 1) / 2;
        }
    }

    /* toy figure */
    {
        char p[1024], line[256];
        snprintf(p, sizeof p, "%s/toy.csv", s->out);
        FILE *f = fopen(p, "r");
        double vals[2 * 16];
        char labels[16][32];
        const char *lp[16];
        int V = 0;
        if (f && fgets(line, sizeof line, f)) {
            while (fgets(line, sizeof line, f)) {
                char cs[16];
                int cls;
                double p0, pr, me, cf;
                if (sscanf(line, "%15[^,],%d,%lf,%lf,%lf,%lf", cs, &cls, &p0, &pr, &me, &cf) != 6 || cls < 0 || cls >= 16) continue;
                int g = strcmp(cs, "rare") ? 1 : 0;
                vals[g * 16 + cls] = pr;
                if (!g) { snprintf(labels[cls], 32, "class %d (π %.2f)", cls, p0); lp[cls] = labels[cls]; if (cls + 1 > V) V = cls + 1; }
            }
            fclose(f);
            double packed[2 * 16];
            for (int g = 0; g < 2; g++) for (int v = 0; v < V; v++) packed[g * V + v] = vals[g * 16 + v];
            const char *gn[2] = { "negative gradient on a rare class (8)", "negative gradient on the top class (0)" };
            snprintf(p, sizeof p, "%s/toy_squeeze.svg", s->out);
            svg_bars(p, "Toy: Δ log π of a softmax after one negative-gradient step (η = 0.5, K = I)", "Δ log π", V, lp, 2, gn, packed, NULL);
        }
    }

    /* influence heatmap */
    {
        char p[1024], line[1024];
        snprintf(p, sizeof p, "%s/influence.csv", s->out);
        FILE *f = fopen(p, "r");
        static char rl[W_MAX_Q][64], cl[64][64];
        const char *rp[W_MAX_Q], *cp[64];
        static double vals[W_MAX_Q * 64];
        int nr = 0, ncol = 0;
        if (f && fgets(line, sizeof line, f)) {
            while (fgets(line, sizeof line, f)) {
                char ex[64], ob[64];
                double sh, pr, me;
                if (sscanf(line, "%63[^,],%63[^,],%lf,%lf,%lf", ex, ob, &sh, &pr, &me) != 5) continue;
                int r = -1, k = -1;
                for (int i = 0; i < nr; i++) if (!strcmp(rl[i], ex)) r = i;
                if (r < 0 && nr < W_MAX_Q) { snprintf(rl[nr], 64, "%s", ex); rp[nr] = rl[nr]; r = nr++; }
                for (int i = 0; i < ncol; i++) if (!strcmp(cl[i], ob)) k = i;
                if (k < 0 && ncol < 64) { snprintf(cl[ncol], 64, "%s", ob); cp[ncol] = cl[ncol]; k = ncol++; }
                if (r >= 0 && k >= 0) vals[r * 64 + k] = sh;
            }
            fclose(f);
            double *packed = (double *)malloc(sizeof(double) * (nr ? nr : 1) * (ncol ? ncol : 1));
            for (int r = 0; r < nr; r++) for (int k = 0; k < ncol; k++) packed[r * ncol + k] = vals[r * 64 + k];
            snprintf(p, sizeof p, "%s/influence.svg", s->out);
            svg_heatmap(p, "Accumulated influence over SFT: Σ_steps ⟨∇θ log π(observed), Δθ of the training example⟩",
                        nr, ncol, rp, cp, packed, "nats");
            free(packed);
            /* by attribute: the mean share of a training question of attribute a
               in an observed answer of attribute a' (trained or held out) */
            static const char *const attrs[W_ATTRS] = { "food", "color", "town", "pet" };
            double sum[W_ATTRS][2 * W_ATTRS], cnt[W_ATTRS][2 * W_ATTRS];
            memset(sum, 0, sizeof sum); memset(cnt, 0, sizeof cnt);
            for (int r = 0; r < nr; r++)
                for (int k = 0; k < ncol; k++) {
                    int ar = -1, ak = -1, held = strstr(cl[k], "held out") != NULL;
                    for (int a = 0; a < W_ATTRS; a++) {
                        char tag[16];
                        snprintf(tag, sizeof tag, "/%s", attrs[a]);
                        if (strstr(rl[r], tag)) ar = a;
                        if (strstr(cl[k], tag)) ak = a;
                    }
                    if (ar < 0 || ak < 0) continue;
                    sum[ar][held * W_ATTRS + ak] += vals[r * 64 + k];
                    cnt[ar][held * W_ATTRS + ak] += 1;
                }
            double avg[W_ATTRS * 2 * W_ATTRS];
            static char clab[2 * W_ATTRS][32], rlab[W_ATTRS][32];
            const char *cpp[2 * W_ATTRS], *rpp[W_ATTRS];
            for (int a = 0; a < W_ATTRS; a++) { snprintf(rlab[a], 32, "trained on %s", attrs[a]); rpp[a] = rlab[a]; }
            for (int k = 0; k < 2 * W_ATTRS; k++) { snprintf(clab[k], 32, "%s (%s)", attrs[k % W_ATTRS], k < W_ATTRS ? "trained" : "held out"); cpp[k] = clab[k]; }
            for (int a = 0; a < W_ATTRS; a++)
                for (int k = 0; k < 2 * W_ATTRS; k++) avg[a * 2 * W_ATTRS + k] = cnt[a][k] ? sum[a][k] / cnt[a][k] : NAN;
            snprintf(p, sizeof p, "%s/influence_by_attribute.svg", s->out);
            svg_heatmap(p, "Influence by kind of question: mean share of one training question in one observed answer (nats)",
                        W_ATTRS, 2 * W_ATTRS, rpp, cpp, avg, "nats");
        }
    }

    /* report.md */
    char p[1024];
    snprintf(p, sizeof p, "%s/report.md", s->out);
    FILE *f = fopen(p, "w");
    if (!f) { fprintf(stderr, "demo: cannot write %s\n", p); return -1; }
    int n_ok = 0;
    for (int i = 0; i < nc; i++) n_ok += c[i].ok;
    fprintf(f, "# Learning dynamics of LLM finetuning, in miniature\n\n");
    char extra[96] = "";
    if (s->echo) snprintf(extra, sizeof extra, " --echo %d", s->echo);
    if (s->noise) snprintf(extra + strlen(extra), sizeof extra - strlen(extra), " --noise %d", s->noise);
    if (s->long_answers) snprintf(extra + strlen(extra), sizeof extra - strlen(extra), " --long");
    if (s->reps != settings_for(s->quick, s->words).reps)
        snprintf(extra + strlen(extra), sizeof extra - strlen(extra), " --reps %d", s->reps);
    fprintf(f, "A run of `tools/demo`%s%s%s (seed %llu): a %s GPT-2 of %d layers × %d channels learns a synthetic village "
               "(%d people, %d facts; the questions of %d of them held out), then goes through SFT, DPO, on-policy DPO and "
               "\"extend\". Every number below is computed from the CSVs in this folder. %d of %d claims reproduced.\n\n",
            s->quick ? " --quick (a tiny setting: the findings are not expected to hold)" : "", s->words ? " --words" : "", extra,
            (unsigned long long)s->seed,
            s->words ? "word-level (the world's own BPE tokenizer, data/vocab.json + merges.txt: every word of the village one token)" : "byte-level",
            s->L, s->C,
            s->n_ent, s->n_ent * W_ATTRS, s->n_ent * W_ATTRS - s->n_train, n_ok, nc);
    fprintf(f, "![main figure](fig_main.svg)\n\n");
    fprintf(f, "## The paper's claims, measured here\n\n| # | claim (Ren & Sutherland) | measured here | verdict |\n|---|---|---|---|\n");
    for (int i = 0; i < nc; i++)
        fprintf(f, "| %d | %s | %s | %s |\n", i + 1, c[i].claim, c[i].measured, c[i].ok ? "reproduced" : "**not reproduced**");
    {
        char q[1024];
        snprintf(q, sizeof q, "%s/claims.csv", s->out);
        FILE *g = fopen(q, "w");
        if (g) {
            fprintf(g, "claim,reproduced,key,rule,measured\n");
            for (int i = 0; i < nc; i++) fprintf(g, "%d,%d,%s,\"%s\",\"%s\"\n", i + 1, c[i].ok, c[i].key, c[i].rule, c[i].measured);
            fclose(g);
        }
    }
    /* the regime */
    {
        char q[1024], line[512];
        snprintf(q, sizeof q, "%s/regime.csv", s->out);
        FILE *g = fopen(q, "r");
        if (g && fgets(line, sizeof line, g)) {
            fprintf(f, "\n## The regime\n\nOver the %d training pairs (the paper's Pythia-410M after SFT: log π(y⁺) ≈ −92 and log π(y*) ≈ −45 nats): "
                       "log π per response token of y⁺, of the teacher-forced argmax y* along y⁺ and of y⁻, the share of y⁺'s positions "
                       "where y⁺ is the argmax, and the means per response (nats).\n\n"
                       "| model | tokens of y⁺ | log π(y⁺)/token | log π(y*)/token | y⁺ = argmax | log π(y⁻)/token | log π(y⁺) | log π(y*) | log π(y⁻) |\n"
                       "|---|---|---|---|---|---|---|---|---|\n", s->n_train);
            while (fgets(line, sizeof line, g)) {
                char mo[24];
                int np;
                double tc, lc, la, sh, tr, lr, sc, sa, sr;
                if (sscanf(line, "%23[^,],%d,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf", mo, &np, &tc, &lc, &la, &sh, &tr, &lr, &sc, &sa, &sr) == 11)
                    fprintf(f, "| %s | %.1f | %.3f | %.3f | %.0f%% | %.3f | %.2f | %.2f | %.2f |\n", !strcmp(mo, "sft") ? "after SFT" :
                            !strcmp(mo, "dpo") ? "after off-policy DPO" : "base", tc, lc, la, 100 * sh, lr, sc, sa, sr);
            }
            fclose(g);
        }
    }
    /* what decides claim 12 */
    if (h2h.n > 0) {
        stats_t sf = stats_of(&wt, "sft", NULL);
        fprintf(f, "\n## What decides extend's head to head\n\nAfter SFT, the greedy answers to %d held-out questions are right on %.0f%% "
                   "of them (winrate.csv); naming a random value of the asked attribute would be right 1 time in %d. At DPO step %ld, "
                   "right / wrong / repetitive: extend %d / %d / %d, the baseline %d / %d / %d. Extend's %d wins: %d by a right answer, "
                   "%d by a wrong one against a repetitive one; its %d losses: %d to a right answer, %d to a wrong one against its "
                   "repetitive one. Where few answers are right, the head to head says which run repeats itself less, not which knows "
                   "more.\n",
                h2h.n, 100 * sf.last, W_VALS, h2h_at, h2h.tier[0][2], h2h.tier[0][1], h2h.tier[0][0], h2h.tier[1][2], h2h.tier[1][1],
                h2h.tier[1][0], h2h.win, h2h.by_right[0], h2h.win - h2h.by_right[0], h2h.loss, h2h.by_right[1],
                h2h.loss - h2h.by_right[1]);
    }
    /* does the model read the question? (reads.csv) */
    {
        char q[1024], line[512];
        snprintf(q, sizeof q, "%s/reads.csv", s->out);
        FILE *g = fopen(q, "r");
        if (g && fgets(line, sizeof line, g)) {
            int head = 0;
            while (fgets(line, sizeof line, g)) {
                char mo[24];
                int nf, kn, nq, nn;
                double ch, own, oth, nown, noth, uni;
                if (sscanf(line, "%23[^,],%d,%d,%lf,%d,%lf,%lf,%lf,%lf,%d,%lf", mo, &nf, &kn, &ch, &nq, &own, &oth, &nown, &noth, &nn, &uni) != 11)
                    continue;
                if (!head++)
                    fprintf(f, "\n## Does the model read the question?\n\nA greedy answer is right only where the model knows the fact and "
                               "reads the question. Known: of the %d facts, those whose true value is the most likely of the attribute's %d "
                               "after the cue that opens a pretraining line (\"Ann eats\"); %.0f by chance. Read: log π(y⁺) of the %d training "
                               "questions under their own question and under another person's, and log π of the asked person's name inside "
                               "y⁺ (the name word; a name drawn uniformly from the %d: %.2f). A model that reads the question scores both far "
                               "higher under its own; equal figures mean it answers without reading it (reads.csv).\n\n"
                               "| model | facts known | log π(y⁺): own question | another's | gap | log π(name): own question | another's | gap |\n"
                               "|---|---|---|---|---|---|---|---|\n", nf, W_VALS, ch, nq, s->n_ent, uni);
                fprintf(f, "| %s | %d (%.0f%%) | %.2f | %.2f | %+.2f | %.2f | %.2f | %+.2f |\n", !strcmp(mo, "sft") ? "after SFT" : "base",
                        kn, 100.0 * kn / (nf ? nf : 1), own, oth, own - oth, nown, noth, nown - noth);
            }
        }
        if (g) fclose(g);
    }
    /* where the SFT change of the unrelated and shuffled responses sits */
    {
        static const char *const ty[4] = { "chosen", "irr_hum", "random_permute", "random_nonhum" };
        double w1, wr, wf, wo;
        if (probe_word_delta(s, ty[0], &w1, &wr, &wf, &wo) == 0) {
            fprintf(f, "\n## Where SFT moves the unrelated and the shuffled responses\n\n"
                       "Δ log π over SFT (base → SFT model) of each probe response, split into its first word (the tokens up to the next "
                       "one that starts with a space) and the rest, and the rest again into its fact words (the names of people and the "
                       "values of attributes: what SFT ties to a question) and its other words (the grammar's, and eos); mean over the "
                       "probe questions (probe_words.csv). The paper's responses are long, so their first word weighs little; here a "
                       "response is one sentence, and a shuffled answer is made of the very words SFT makes likely under its question.\n\n"
                       "| probe | Δ first word | Δ rest | of which names and values | other words | Δ total |\n|---|---|---|---|---|---|\n");
            for (int i = 0; i < 4; i++)
                if (probe_word_delta(s, ty[i], &w1, &wr, &wf, &wo) == 0)
                    fprintf(f, "| %s | %+.2f | %+.2f | %+.2f | %+.2f | %+.2f |\n", ty[i], w1, wr, wf, wo, w1 + wr);
        }
    }
    /* the decomposition, fitted */
    {
        decomp_fit fit[5];
        int nf = decomp_fits(s, fit);
        if (nf) {
            fprintf(f, "\n## The decomposition explains the run\n\nAt three steps of each phase, the predicted change ⟨∇θ log π, Δθ⟩ of "
                       "every probe response of the first %d probe questions (Δθ the step the optimizer actually takes; the paper's −η·A·K·G) "
                       "against the measured one, per response (`decomposition_obs.csv`). The aim: Σ|measured| / Σ|predicted| in [0.8, 1.25] "
                       "and correlation ≥ 0.95. Beside it, the trapezoid rule along the step, ½ ⟨∇θ log π(θ) + ∇θ log π(θ + Δθ), Δθ⟩ "
                       "(`pred_end` of `ld_dyn_step`): what is left of the gap once the curvature of log π along the step is "
                       "accounted for.\n\n"
                       "| phase | points | Σ\\|measured\\| / Σ\\|predicted\\| | correlation | holds | trapezoid: ratio | correlation |\n"
                       "|---|---|---|---|---|---|---|\n", s->n_decomp);
            char q[1024];
            snprintf(q, sizeof q, "%s/decomposition_summary.csv", s->out);
            FILE *g = fopen(q, "w");
            if (g) fprintf(g, "phase,points,ratio,correlation,holds,ratio_trapezoid,correlation_trapezoid\n");
            for (int i = 0; i < nf; i++) {
                int ok = fit[i].ratio >= 0.8 && fit[i].ratio <= 1.25 && fit[i].corr >= 0.95;
                fprintf(f, "| %s | %d | %.3f | %.4f | %s | %.3f | %.4f |\n", fit[i].phase, fit[i].n, fit[i].ratio, fit[i].corr,
                        ok ? "yes" : "**no**", fit[i].ratio_trap, fit[i].corr_trap);
                if (g) fprintf(g, "%s,%d,%.6f,%.6f,%d,%.6f,%.6f\n", fit[i].phase, fit[i].n, fit[i].ratio, fit[i].corr, ok,
                               fit[i].ratio_trap, fit[i].corr_trap);
            }
            if (g) fclose(g);
        }
        snprintf(q_dummy, sizeof q_dummy, "%s/influence_total.csv", s->out);
        FILE *g = fopen(q_dummy, "r");
        char line[256];
        if (g && fgets(line, sizeof line, g)) {
            double sp = 0, sm = 0, sq = 0, pr, me, pq;
            int o, n = 0;
            long st;
            while (fgets(line, sizeof line, g))
                if (sscanf(line, "%d,%ld,%lf,%lf,%lf", &o, &st, &pr, &me, &pq) == 5) { sp += pr; sm += me; sq += pq; n++; }
            fclose(g);
            fprintf(f, "\nAccumulated influence over SFT (every step, %d observed responses; the aim: the predicted total within 25%% of the "
                       "measured one). Measured total: %+.2f nats. First order, the slope at each step's start, "
                       "Σ_steps Σ_o ⟨∇θ log π_o(θ_t), Δθ_t⟩: %+.2f (predicted / measured = %.3f). The trapezoid rule along each step, "
                       "Σ_steps Σ_o ½ ⟨∇θ log π_o(θ_t) + ∇θ log π_o(θ_t + Δθ_t), Δθ_t⟩ (`pred_end` of `ld_dyn_step`, a JVP): %+.2f "
                       "(predicted / measured = %.3f). The gap of the first-order sum is the curvature of log π along the steps: "
                       "AdamW moves every parameter by about η each step, and the second-order term ½ Δθᵀ ∇² log π Δθ "
                       "adds up; the trapezoid rule holds it exactly where log π is quadratic along a step.\n",
                    n, sm, sp, sm != 0 ? sp / sm : NAN, sq, sm != 0 ? sq / sm : NAN);
            char q2[1024];
            snprintf(q2, sizeof q2, "%s/influence_summary.csv", s->out);
            FILE *h = fopen(q2, "w");
            if (h) {
                fprintf(h, "observed,measured,predicted,ratio,predicted_trapezoid,ratio_trapezoid\n%d,%.6f,%.6f,%.6f,%.6f,%.6f\n", n, sm, sp,
                        sm != 0 ? sp / sm : NAN, sq, sm != 0 ? sq / sm : NAN);
                fclose(h);
            }
        }
    }
    /* the pairs */
    {
        char q[1024], line[512];
        snprintf(q, sizeof q, "%s/pairs.csv", s->out);
        FILE *g = fopen(q, "r");
        if (g && fgets(line, sizeof line, g)) {
            double pr[W_MAX_Q], fall[W_MAX_Q], ch[W_MAX_Q], ln[W_MAX_Q], en[W_MAX_Q];
            int n = 0;
            while (fgets(line, sizeof line, g) && n < W_MAX_Q) {
                int i, qq;
                double lc, lr, a, b, c1, c2, c3;
                if (sscanf(line, "%d,%d,%lf,%lf,%lf,%lf,%lf,%lf,%lf", &i, &qq, &lc, &lr, &a, &b, &c1, &c2, &c3) == 9) {
                    pr[n] = -a; fall[n] = -b; ch[n] = c1; ln[n] = c2; en[n] = c3; n++;
                }
            }
            fclose(g);
            double r0 = spearman(pr, fall, n), r1 = spearman(ch, fall, n), r2 = spearman(ln, fall, n), r3 = spearman(en, fall, n);
            fprintf(f, "\n## Which pairs lose y⁺\n\nPer training pair, before DPO (the SFT model), four predictors of how far log π(y⁺) falls "
                       "over the whole off-policy DPO run (`pairs.csv`), by Spearman's rank correlation with that fall over %d pairs "
                       "(positive: the predictor ranks the pairs as they fall):\n\n| predictor | Spearman ρ with the fall of log π(y⁺) |\n|---|---|\n"
                       "| the exact one-step prediction −Δ log π(y⁺) of a DPO step on the pair alone (`ld_dyn_pair_step`) | %+.3f |\n"
                       "| CHES = ⟨Σh⁺, Σh⁻⟩ − ‖Σh⁺‖² (Razin et al.; `ld_dyn_ches`) | %+.3f |\n"
                       "| length-normalised CHES | %+.3f |\n"
                       "| gradient entanglement ⟨∇log π(y⁺), ∇log π(y⁻)⟩ / ‖∇log π(y⁺)‖² (`ld_dyn_entanglement`) | %+.3f |\n\n"
                       "The three terms of one step, ‖A‖_F, ‖G‖ and ‖K·G‖ (the eNTK between the update and the observed sequences "
                       "applied to G), are in `terms.csv` at every evaluated step of every phase, for a plain-SGD step on the first "
                       "training pair observed on its y⁺ and y⁻.\n", n, r0, r1, r2, r3);
            char q2[1024];
            snprintf(q2, sizeof q2, "%s/pairs_summary.csv", s->out);
            FILE *h = fopen(q2, "w");
            if (h) { fprintf(h, "predictor,spearman_with_fall\none_step,%.6f\nches,%.6f\nln_ches,%.6f\nentanglement,%.6f\n", r0, r1, r2, r3); fclose(h); }
        }
    }
    fprintf(f, "\n## Figures\n\n");
    fprintf(f, "- `fig_sft.svg`: every probe type during SFT (the paper's Figure 3 in miniature).\n"
               "- `fig_dpo.svg`: every probe type during DPO, off-policy (solid) and on-policy (dashed) negatives (Figures 4 and 5).\n"
               "- `fig_extend.svg`: the baseline against \"extend\", at matched compute.\n"
               "- `toy_squeeze.svg`: the squeezing effect on a softmax with an identity kernel.\n"
               "- `influence.svg`: which training examples moved which responses during SFT, and `influence_by_attribute.svg` "
               "the same by kind of question.\n\n");
    fprintf(f, "![SFT](fig_sft.svg)\n\n![DPO](fig_dpo.svg)\n\n![extend](fig_extend.svg)\n\n![toy](toy_squeeze.svg)\n\n![influence](influence_by_attribute.svg)\n\n![influence](influence.svg)\n\n");
    /* the decomposition table */
    {
        char q[1024], line[512];
        snprintf(q, sizeof q, "%s/decomposition.csv", s->out);
        FILE *g = fopen(q, "r");
        if (g && fgets(line, sizeof line, g)) {
            fprintf(f, "## One step, predicted and measured\n\nAt a few points of SFT and DPO, one step was taken on a copy and undone: "
                       "the predicted change of log π (first order, ⟨∇θ log π, Δθ⟩ = the paper's −η·A·K·G) beside the measured "
                       "one, mean over the probe questions, and the prediction's parts through the chosen and the rejected rows "
                       "(nats).\n\n| phase | step | response | predicted | measured | via chosen | via rejected |\n|---|---|---|---|---|---|---|\n");
            while (fgets(line, sizeof line, g)) {
                char ph[24], ty[40];
                long st;
                double pr, me, vc, vr;
                if (sscanf(line, "%23[^,],%ld,%39[^,],%lf,%lf,%lf,%lf", ph, &st, ty, &pr, &me, &vc, &vr) == 7)
                    fprintf(f, "| %s | %ld | %s | %+.5f | %+.5f | %+.5f | %+.5f |\n", ph, st, ty, pr, me, vc, vr);
            }
            fclose(g);
            fprintf(f, "\n");
        }
    }
    /* greedy samples */
    {
        char q[1024], line[512];
        snprintf(q, sizeof q, "%s/samples.csv", s->out);
        FILE *g = fopen(q, "r");
        if (g && fgets(line, sizeof line, g)) {
            fprintf(f, "## Greedy answers to held-out questions, at the end of each phase\n\n| phase | question | answer |\n|---|---|---|\n");
            while (fgets(line, sizeof line, g)) {
                char ph[24], qu[128], an[256];
                if (sscanf(line, "%23[^,],\"%127[^\"]\",\"%255[^\"]\"", ph, qu, an) >= 2) {
                    if (sscanf(line, "%23[^,],\"%127[^\"]\",\"%255[^\"]\"", ph, qu, an) < 3) an[0] = 0;
                    for (char *x = an; *x; x++) if (*x == '|') *x = '/';
                    fprintf(f, "| %s | %s | `%s` |\n", ph, qu, an);
                }
            }
            fclose(g);
            fprintf(f, "\n");
        }
    }
    fprintf(f, "## Files\n\n"
               "- `probes.csv` (phase,step,type,mean_logprob): every probe type's mean log π during each phase.\n"
               "- `winrate.csv` (phase,step,winrate): the share of held-out questions whose greedy answer is right (claim 12's "
               "head to head is computed from `answers.csv`, not from this).\n"
               "- `answers.csv` (phase,step,question,right,repetitive,answer): every judged held-out answer; `greedy.csv` "
               "(phase,step,repetition): the share of them that repeat themselves.\n"
               "- `claims.csv` (claim,reproduced,key,rule,measured): each verdict, the figure that decides it and the test it must "
               "pass.\n"
               "- `regime.csv`, `probe_words.csv` (model,type,examples,first_word,rest,rest_fact,rest_other): where log π sits, "
               "before and after SFT.\n"
               "- `reads.csv` (model,facts,known,known_by_chance,questions,own_logp,other_logp,name_own_logp,name_other_logp,"
               "names_in_chosen,uniform_name_logp): what the model knows and whether it reads the question, before and after SFT.\n"
               "- `decomposition.csv`, `decomposition_obs.csv`, `decomposition_summary.csv`, `influence.csv`, `influence_total.csv`, "
               "`influence_summary.csv`, `terms.csv`, `pairs.csv`, `pairs_summary.csv`, `toy.csv`, `samples.csv`: the sections "
               "above.\n"
               "- `run.csv`: the run's settings (seed, sizes, steps); `data/`: the world's files; `base/` and `sft/`: the base and "
               "SFT models (safetensors, Hugging Face GPT-2 names).\n\n"
               "Regenerate this report from the CSVs with `demo --report-only --out DIR`.\n");
    fclose(f);
    printf("report: %d of %d claims reproduced (%s/report.md)\n", n_ok, nc, s->out);
    for (int i = 0; i < nc; i++) printf("  %-16s %s — %s\n", c[i].ok ? "reproduced" : "NOT REPRODUCED", c[i].claim, c[i].measured);
    free(pt.r); free(wt.r); free(gt.r);
    return 0;
}
