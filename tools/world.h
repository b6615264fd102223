/* world.h — the demo's synthetic world, generated from a seed.

   A village of people, each with four attributes (what they eat, the colour
   they like, the town they live in, their pet). Every fact can be said in
   36 phrasings (an opener, one of three word orders, a closer: the grammar
   of world_phrase), all valid, so that after SFT the trained answer is
   likely but not memorised, and the teacher-forced argmax y* along it
   takes another phrasing at some of its branch points, as in the paper's
   regime. The paper's probe types are all well defined:

     question x_u        "Q: What does Ann eat? A:"
     chosen      y⁺      " Well, figs are what Ann eats."   a right answer (SFT's first phrasing)
     rejected    y⁻      " Oh, Bob in lives Ashby, of course." another question's fact, wrong
                                                             value, two words swapped: off-policy, in a valley
     chosen_gptsemantic  " Ann likes to eat figs these days." y⁺'s meaning, a phrasing SFT never shows
     chosen_gptformat    " Well, pears are what Ann eats."  y⁺'s form, another meaning
     reject_gptsemantic  " Ashby where is Bob lives."       y⁻'s meaning, other words (same swap)
     reject_gptformat    " Oh, Bob in lives Marlow, of course." y⁻'s form, another meaning
     irr_train           another training question's y⁺
     irr_test            a held-out question's y⁺
     irr_hum             a fluent sentence about the village, unrelated
     random_permute      the words of y⁺ shuffled
     random_nonhum       the words of an unrelated sentence shuffled

   The base model reads every fact, in phrasings drawn from the grammar, in
   pretrain.txt (never as a question); SFT then teaches the question-answer
   format on the training questions, three phrasings of each answer; the
   held-out questions measure whether answers generalise. A rule judges an
   answer: it is right when it names the true value of the attribute and no
   other value of it (our stand-in for the paper's LLM judge).

   Plain C99, header-only (static functions), no dependency beyond libc. */
#ifndef LD_WORLD_H
#define LD_WORLD_H

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define W_MAX_ENT 64
#define W_ATTRS 4
#define W_VALS 8
#define W_MAX_Q (W_MAX_ENT * W_ATTRS)
#define W_TXT 96
#define W_LINE 160    /* a line of pretrain.txt (an echo line with a long closer) */
#define W_PHR 36      /* phrasings of a fact (world_phrase) */
#define W_SFT_PHR 3   /* phrasings of each training answer in sft.jsonl */

static const char *const w_names[W_MAX_ENT] = {
    "Ann", "Bob", "Cal", "Dee", "Eve", "Fay", "Gus", "Hal", "Ida", "Jon", "Kim", "Lou", "Max", "Ned", "Oli", "Pam",
    "Ray", "Sue", "Tom", "Uma", "Val", "Wes", "Zoe", "Ada", "Ben", "Cy", "Dot", "Eli", "Flo", "Gil", "Ivy", "Jo",
    "Abe", "Bo", "Cole", "Dan", "Eda", "Finn", "Gail", "Hugo", "Iris", "Jack", "Kay", "Leo", "Mia", "Nora", "Otto", "Pia",
    "Quin", "Rex", "Sam", "Tess", "Ugo", "Vic", "Walt", "Xena", "Yara", "Zed", "Alma", "Bart", "Cleo", "Dina", "Emil", "Lars" };

static const char *const w_values[W_ATTRS][W_VALS] = {
    { "figs", "oats", "pears", "nuts", "plums", "beans", "grapes", "apples" },                  /* food  */
    { "red", "blue", "green", "gold", "pink", "gray", "white", "black" },                      /* color */
    { "Oakton", "Elmford", "Ashby", "Pinecrest", "Birchley", "Marlow", "Fenwick", "Dunmore" }, /* town  */
    { "cat", "dog", "duck", "goat", "hen", "pony", "crow", "frog" },                          /* pet   */
};

/* A tiny grammar of fluent, unrelated sentences about the village. */
static const char *const w_subj[8] = { "The old mill", "The river", "The baker", "A cold wind", "The church bell",
                                       "The market", "A small boat", "The night train" };
static const char *const w_pred[8] = { "stands by the bridge", "runs past the fields", "wakes before dawn",
                                       "blows over the hills", "rings at noon", "opens on Sundays",
                                       "drifts down the stream", "leaves at nine" };

typedef struct {
    int n_ent;                    /* people */
    int value[W_MAX_ENT][W_ATTRS];
    int n_q;                      /* questions: (person, attribute) */
    int q_ent[W_MAX_Q], q_attr[W_MAX_Q];
    int heldout[W_MAX_Q];         /* 1: held out from SFT and DPO */
    int wrong[W_MAX_Q][3];        /* distinct wrong values (chosen_gptformat uses wrong[q][1]) */
    int phr[W_MAX_Q][W_SFT_PHR];  /* the phrasings of q's answer in sft.jsonl; phr[q][0] is y⁺'s */
    int sem_phr[W_MAX_Q];         /* y⁺'s meaning in a phrasing SFT never shows (chosen_gptsemantic) */
    int rej_q[W_MAX_Q];           /* y⁻ states this other question's fact, with a wrong value: off-question */
    int rej_v[W_MAX_Q], rej_phr[W_MAX_Q], rej_sem_phr[W_MAX_Q], rej_fmt_v[W_MAX_Q];
    int rej_swap[W_MAX_Q];        /* y⁻ is garbled: its words rej_swap and rej_swap + 1 swapped */
    int n_probe_q, probe_q[W_MAX_Q]; /* the questions of probes.jsonl, in order (set by world_write) */
    uint64_t rng;
} world;

static const char *const w_attr_names[W_ATTRS] = { "food", "color", "town", "pet" };

static uint32_t w_rand(world *w) {
    uint64_t x = w->rng;
    x ^= x >> 12; x ^= x << 25; x ^= x >> 27;
    w->rng = x;
    return (uint32_t)((x * 0x2545F4914F6CDD1Dull) >> 32);
}

/* A world of n_ent people (≤ 32); hold out 1 question in `every`. */
static void world_make(world *w, uint64_t seed, int n_ent, int every) {
    memset(w, 0, sizeof *w);
    w->rng = seed * 0x9E3779B97F4A7C15ull + 0x2545F4914F6CDD1Dull;
    if (!w->rng) w->rng = 1;
    w->n_ent = n_ent < 1 ? 1 : n_ent > W_MAX_ENT ? W_MAX_ENT : n_ent;
    for (int e = 0; e < w->n_ent; e++)
        for (int a = 0; a < W_ATTRS; a++) w->value[e][a] = (int)(w_rand(w) % W_VALS);
    for (int e = 0; e < w->n_ent; e++)
        for (int a = 0; a < W_ATTRS; a++) {
            int q = w->n_q++;
            w->q_ent[q] = e; w->q_attr[q] = a;
            int v = w->value[e][a];
            for (int k = 0; k < 3; k++) { /* three distinct values, none the true one */
                int x;
                do {
                    x = (int)(w_rand(w) % W_VALS);
                } while (x == v || (k > 0 && x == w->wrong[q][0]) || (k > 1 && x == w->wrong[q][1]));
                w->wrong[q][k] = x;
            }
        }
    /* phrasings: y⁺'s and SFT's (distinct), and a held-back one for the rephrase */
    for (int q = 0; q < w->n_q; q++) {
        for (int k = 0; k < W_SFT_PHR; k++) {
            int p, dup;
            do {
                p = (int)(w_rand(w) % W_PHR);
                dup = 0;
                for (int j = 0; j < k; j++) dup |= w->phr[q][j] == p;
            } while (dup);
            w->phr[q][k] = p;
        }
        int p, dup;
        do {   /* another core than y⁺'s, and a phrasing SFT does not show */
            p = (int)(w_rand(w) % W_PHR);
            dup = p / 3 % 3 == w->phr[q][0] / 3 % 3;
            for (int j = 0; j < W_SFT_PHR; j++) dup |= w->phr[q][j] == p;
        } while (dup);
        w->sem_phr[q] = p;
    }
    /* y⁻: the fact of another question (another person and attribute), with a
       wrong value; a response to another question, so it lies in a valley of
       low probability under this one */
    for (int q = 0; q < w->n_q; q++) {
        int o;
        do o = (int)(w_rand(w) % (uint32_t)w->n_q);
        while (w->q_ent[o] == w->q_ent[q] || w->q_attr[o] == w->q_attr[q]);
        w->rej_q[q] = o;
        w->rej_v[q] = w->wrong[o][0];
        w->rej_fmt_v[q] = w->wrong[o][2];
        w->rej_phr[q] = (int)(w_rand(w) % W_PHR);
        do w->rej_sem_phr[q] = (int)(w_rand(w) % W_PHR);
        while (w->rej_sem_phr[q] / 3 % 3 == w->rej_phr[q] / 3 % 3);
        w->rej_swap[q] = (w->rej_phr[q] + q) % 3;   /* no draw: the rest of the world stays as it was */
    }
    /* a shuffled order decides the held-out questions */
    int order[W_MAX_Q];
    for (int q = 0; q < w->n_q; q++) order[q] = q;
    for (int q = w->n_q - 1; q > 0; q--) { int j = (int)(w_rand(w) % (uint32_t)(q + 1)), t = order[q]; order[q] = order[j]; order[j] = t; }
    for (int i = 0; i < w->n_q; i++) w->heldout[order[i]] = every > 0 && i % every == 0;
}


/* The question of q. */
static void world_question(const world *w, int q, char *out) {
    const char *E = w_names[w->q_ent[q]];
    static const char *const f[W_ATTRS] = { "Q: What does %s eat? A:", "Q: What color does %s like? A:",
                                            "Q: Where does %s live? A:", "Q: What pet does %s have? A:" };
    snprintf(out, W_TXT, f[w->q_attr[q]], E);
}

/* The phrasing grammar. An answer is an opener, a core (one of three word
   orders) and a closer: 4 × 3 × 3 = 36 phrasings of every fact, all valid,
   so a model that has learnt the grammar spreads its mass over them and no
   phrasing is memorised. Phrasing p = (opener, core, closer) =
   (p / 9, p / 3 % 3, p % 3). */
static const char *const w_open[4] = { "", "Well, ", "I know that ", "Oh, " };
static const char *const w_closers[2][3] = {
    { ".", " these days.", ", of course." },
    /* long answers (world_long_answers): 5 to 9 more words of grammar, none a fact */
    { ", as far as I can tell from what I have seen.", " these days, as the whole village knows by now.",
      ", of course, and it has been so for many years." } };
static const char *const *w_close = w_closers[0];

/* 1: every answer (and echo line) ends in one of the long closers, so that
   an answer is about 20 words, not 10, with no more facts in it; 0: the
   short ones (the default). Set before world_write. */
static void world_long_answers(int on) { w_close = w_closers[on ? 1 : 0]; }

static void world_phrase(int e, int a, int v, int p, char *out) {
    const char *E = w_names[e], *x = w_values[a][v];
    char core[W_TXT];
    int c = p / 3 % 3;
    switch (a * 3 + c) {
    case 0: snprintf(core, W_TXT, "%s eats %s", E, x); break;
    case 1: snprintf(core, W_TXT, "%s are what %s eats", x, E); break;
    case 2: snprintf(core, W_TXT, "%s likes to eat %s", E, x); break;
    case 3: snprintf(core, W_TXT, "%s likes %s", E, x); break;
    case 4: snprintf(core, W_TXT, "%s is the color %s likes", x, E); break;
    case 5: snprintf(core, W_TXT, "%s's favorite color is %s", E, x); break;
    case 6: snprintf(core, W_TXT, "%s lives in %s", E, x); break;
    case 7: snprintf(core, W_TXT, "%s is where %s lives", x, E); break;
    case 8: snprintf(core, W_TXT, "%s's home is in %s", E, x); break;
    case 9: snprintf(core, W_TXT, "%s has a %s", E, x); break;
    case 10: snprintf(core, W_TXT, "a %s is the pet %s has", x, E); break;
    default: snprintf(core, W_TXT, "%s keeps a %s", E, x); break;
    }
    const char *o = w_open[p / 9 % 4];
    if (!o[0]) core[0] = (char)toupper((unsigned char)core[0]);
    snprintf(out, W_TXT, " %s%.64s%s", o, core, w_close[p % 3]);
}

/* Phrasing 0 of person e's attribute a (no opener, the first core, as a
   line of pretrain.txt begins) up to its value, leading space kept:
   " Ann eats", " Ann likes", " Ann lives in", " Ann has a": the base
   model's cue to recall person e's value. */
static void world_fact_cue(int e, int a, char *out) {
    const char *x = w_values[a][0];
    world_phrase(e, a, 0, 0, out);
    char *at = strstr(out + 1 + strlen(w_names[e]), x);   /* the value, after the name */
    if (at && at > out) at[-1] = 0;                        /* cut at the space before it */
}

/* Where person e's name first stands in s as a word (not inside another
   word; "Ann's" counts): its byte offset, or −1. */
static int world_name_at(const char *s, int e) {
    const char *E = w_names[e];
    size_t n = strlen(E);
    for (const char *p = strstr(s, E); p; p = strstr(p + 1, E))
        if ((p == s || !isalpha((unsigned char)p[-1])) && !isalpha((unsigned char)p[n])) return (int)(p - s);
    return -1;
}

/* y⁺ of question q (its first SFT phrasing) and the off-policy y⁻ (another
   question's fact with a wrong value). */
static void world_chosen(const world *w, int q, char *out) {
    int e = w->q_ent[q], a = w->q_attr[q];
    world_phrase(e, a, w->value[e][a], w->phr[q][0], out);
}
/* Swaps words k and k+1 of s (leading space kept): a garbled sentence. */
static void w_swap_words(char *s, int k) {
    char buf[W_TXT], *words[24];
    int n = 0;
    snprintf(buf, sizeof buf, "%s", s);
    for (char *t = strtok(buf, " "); t && n < 24; t = strtok(NULL, " ")) words[n++] = t;
    if (n < 2) return;
    k %= n - 1;
    char *t = words[k]; words[k] = words[k + 1]; words[k + 1] = t;
    s[0] = 0;
    for (int i = 0; i < n; i++) { strcat(s, " "); strcat(s, words[i]); }
}
static void world_rejected_form(const world *w, int q, int v, int phr, char *out) {
    int o = w->rej_q[q];
    world_phrase(w->q_ent[o], w->q_attr[o], v, phr, out);
    w_swap_words(out, w->rej_swap[q]);
}
static void world_rejected(const world *w, int q, char *out) { world_rejected_form(w, q, w->rej_v[q], w->rej_phr[q], out); }

/* A fluent sentence unrelated to any question. */
static void world_filler(world *w, char *out) {
    snprintf(out, W_TXT, " %s %s.", w_subj[w_rand(w) % 8], w_pred[w_rand(w) % 8]);
}

/* A filler as a question and its answer:
   " Q: What stands by the bridge? A: The old mill stands by the bridge." */
static void world_filler_qa(world *w, char *out) {
    int i = (int)(w_rand(w) % 8), j = (int)(w_rand(w) % 8);
    snprintf(out, W_TXT, " Q: What %s? A: %s %s.", w_pred[j], w_subj[i], w_pred[j]);
}

/* A question about person e whose answer names them and says where they are
   now, in the answers' grammar (an opener, the core, a closer), and states
   no fact of the world: " Q: Where is Ann now? A: Well, Ann is at the
   market these days." Such lines in pretraining (demo --echo) reward
   copying the name asked about into the answer, which nothing else in
   pretrain.txt does. */
static const char *const w_where[8] = { "at the market", "by the river", "in the mill", "on the boat", "at the church",
                                        "in the fields", "on the hill", "at the bridge" };
static void world_echo_qa(world *w, int e, char *out) {
    int o = (int)(w_rand(w) % 4), c = (int)(w_rand(w) % 3), i = (int)(w_rand(w) % 8);
    char core[W_TXT];
    snprintf(core, W_TXT, "%s is %.40s", w_names[e], w_where[i]);
    if (!w_open[o][0]) core[0] = (char)toupper((unsigned char)core[0]);
    snprintf(out, W_LINE, " Q: Where is %s now? A: %s%.50s%s", w_names[e], w_open[o], core, w_close[c]);
}

/* The words of s (leading space kept) in a shuffled order. */
static void world_shuffle(world *w, const char *s, char *out) {
    char buf[W_TXT], *words[24];
    int n = 0;
    snprintf(buf, sizeof buf, "%s", s);
    for (char *t = strtok(buf, " "); t && n < 24; t = strtok(NULL, " ")) words[n++] = t;
    for (int tries = 0; tries < 8; tries++) {   /* a permutation that differs from the original */
        for (int i = n - 1; i > 0; i--) { int j = (int)(w_rand(w) % (uint32_t)(i + 1)); char *t = words[i]; words[i] = words[j]; words[j] = t; }
        out[0] = 0;
        for (int i = 0; i < n; i++) { strcat(out, " "); strcat(out, words[i]); }
        if (strcmp(out, s)) break;
    }
}

/* 1 if word (a response's word: its letters up to the first other
   character count, so "Lou's" is Lou and "days." is days) is a fact word:
   a person's name or a value of an attribute, the words that SFT ties to
   a question. The others are the grammar's. */
static int world_is_fact_word(const char *word) {
    char w[32];
    size_t n = 0;
    while (*word == ' ') word++;
    for (; isalpha((unsigned char)*word) && n < sizeof w - 1; word++) w[n++] = *word;
    w[n] = 0;
    if (!n) return 0;
    for (int e = 0; e < W_MAX_ENT; e++) if (!strcmp(w, w_names[e])) return 1;
    for (int a = 0; a < W_ATTRS; a++)
        for (int v = 0; v < W_VALS; v++) {
            const char *x = w_values[a][v];
            if (strlen(x) == n && tolower((unsigned char)w[0]) == tolower((unsigned char)x[0]) && !strcmp(w + 1, x + 1)) return 1;
        }
    return 0;
}

/* strncasecmp is POSIX, not C99 */
static int w_ncaseeq(const char *a, const char *b, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!a[i] || tolower((unsigned char)a[i]) != tolower((unsigned char)b[i])) return 0;
    return 1;
}

/* 1 if answer names the true value of q's attribute and no other value of it. */
static int world_judge(const world *w, int q, const char *answer) {
    int a = w->q_attr[q], right = 0, wrong = 0;
    for (int v = 0; v < W_VALS; v++) {
        const char *x = w_values[a][v];
        size_t n = strlen(x);
        for (const char *p = answer; *p; p++) {
            if (!w_ncaseeq(p, x, n)) continue;
            int before = p == answer || !isalpha((unsigned char)p[-1]), after = !isalpha((unsigned char)p[n]);
            if (before && after) { if (v == w->value[w->q_ent[q]][a]) right = 1; else wrong = 1; }
        }
    }
    return right && !wrong;
}

/* Writes a JSON string literal (the texts hold no characters that need escapes
   beyond these). */
static void w_json(FILE *f, const char *key, const char *s, int last) {
    fprintf(f, "\"%s\": \"", key);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') fputc('\\', f);
        fputc(*s, f);
    }
    fprintf(f, "\"%s", last ? "}\n" : ", ");
}

/* The training questions in order, and the probe questions: every
   probe_every-th training question. */
static int world_train_questions(const world *w, int *out) {
    int n = 0;
    for (int q = 0; q < w->n_q; q++) if (!w->heldout[q]) out[n++] = q;
    return n;
}

/* Writes pretrain.txt, sft.jsonl, pref.jsonl, heldout.jsonl and probes.jsonl
   into dir (which must exist). reps: repetitions of pretrain.txt's draw,
   each of which states every fact twice, in phrasings drawn from the
   grammar. n_probes:
   probe questions (spread over the training questions). sft.jsonl holds
   W_SFT_PHR phrasings of every training answer; pref.jsonl pairs y⁺ (the
   first) with the off-policy y⁻. space: 1 keeps the leading space of
   pretrain.txt's statements (for a word-level tokenizer, so that a word
   is the same token there as in an answer). echo: world_echo_qa lines per
   question per repetition in pretrain.txt (0: none). noise: garbled lines
   per question per repetition (world_shuffle of a fact's phrasing, then of
   a filler, in turn; 0: none), as a web corpus holds garbled text, so that
   the base model has seen shuffled words before. Returns 0, or −1 if a
   file cannot be written. */
static int world_write(world *w, const char *dir, int reps, int n_probes, int space, int echo, int noise) {
    char path[1400], buf[W_TXT], buf2[W_TXT];
    FILE *f;
    /* pretraining text: every fact in phrasings of the grammar, fillers, and
       fillers as questions and answers (so the base model knows the Q/A
       form, but has never answered a question about a person), shuffled */
    int n_lines = w->n_q * (4 + echo + noise) * reps, k = 0;
    char (*lines)[W_LINE] = (char (*)[W_LINE])malloc(sizeof(*lines) * (size_t)n_lines);
    if (!lines) return -1;
    for (int r = 0; r < reps; r++)
        for (int q = 0; q < w->n_q; q++) {
            int e = w->q_ent[q], a = w->q_attr[q], v = w->value[e][a];
            for (int j = 0; j < 2; j++) world_phrase(e, a, v, (int)(w_rand(w) % W_PHR), lines[k++]);
            world_filler(w, lines[k++]);
            world_filler_qa(w, lines[k++]);
            for (int j = 0; j < echo; j++) world_echo_qa(w, e, lines[k++]);
            for (int j = 0; j < noise; j++) {
                if (j % 2 == 0) world_phrase(e, a, v, (int)(w_rand(w) % W_PHR), buf2);
                else world_filler(w, buf2);
                world_shuffle(w, buf2, lines[k++]);
            }
        }
    for (int i = n_lines - 1; i > 0; i--) {
        int j = (int)(w_rand(w) % (uint32_t)(i + 1));
        char t[W_LINE];
        memcpy(t, lines[i], W_LINE); memcpy(lines[i], lines[j], W_LINE); memcpy(lines[j], t, W_LINE);
    }
    snprintf(path, sizeof path, "%s/pretrain.txt", dir);
    if (!(f = fopen(path, "w"))) { free(lines); return -1; }
    for (int i = 0; i < n_lines; i++) fprintf(f, "%s\n", lines[i] + (space ? 0 : 1));
    fclose(f);
    free(lines);

    int train[W_MAX_Q], n_train = world_train_questions(w, train), held[W_MAX_Q], n_held = 0;
    for (int q = 0; q < w->n_q; q++) if (w->heldout[q]) held[n_held++] = q;
    const char *files[3] = { "sft.jsonl", "pref.jsonl", "heldout.jsonl" };
    for (int which = 0; which < 3; which++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[which]);
        if (!(f = fopen(path, "w"))) return -1;
        int n = which < 2 ? n_train : n_held, *list = which < 2 ? train : held;
        for (int kk = 0; kk < (which == 0 ? W_SFT_PHR : 1); kk++)
            for (int i = 0; i < n; i++) {
                int q = list[i], e = w->q_ent[q], a = w->q_attr[q];
                world_question(w, q, buf);
                fprintf(f, "{");
                w_json(f, "prompt", buf, 0);
                world_phrase(e, a, w->value[e][a], w->phr[q][kk], buf);
                if (which == 0 || which == 2) w_json(f, "completion", buf, 1);
                else {
                    w_json(f, "chosen", buf, 0);
                    world_rejected(w, q, buf2);
                    w_json(f, "rejected", buf2, 1);
                }
            }
        fclose(f);
    }

    /* probes: the paper's eleven types, under training prompts */
    snprintf(path, sizeof path, "%s/probes.jsonl", dir);
    if (!(f = fopen(path, "w"))) return -1;
    if (n_probes > n_train) n_probes = n_train;
    w->n_probe_q = n_probes;
    for (int i = 0; i < n_probes; i++) {
        int q = train[i * n_train / n_probes], e = w->q_ent[q], a = w->q_attr[q], v = w->value[e][a];
        w->probe_q[i] = q;
        int other = train[(i * n_train / n_probes + n_train / 2) % n_train], test = held[i % (n_held ? n_held : 1)];
        world_question(w, q, buf);
        fprintf(f, "{");
        w_json(f, "prompt", buf, 0);
        world_chosen(w, q, buf); w_json(f, "chosen", buf, 0);
        char y_pos[W_TXT];
        memcpy(y_pos, buf, W_TXT);
        world_rejected(w, q, buf); w_json(f, "rejected", buf, 0);
        world_phrase(e, a, v, w->sem_phr[q], buf); w_json(f, "chosen_gptsemantic", buf, 0);
        world_phrase(e, a, w->wrong[q][1], w->phr[q][0], buf); w_json(f, "chosen_gptformat", buf, 0);
        world_rejected_form(w, q, w->rej_v[q], w->rej_sem_phr[q], buf); w_json(f, "reject_gptsemantic", buf, 0);
        world_rejected_form(w, q, w->rej_fmt_v[q], w->rej_phr[q], buf); w_json(f, "reject_gptformat", buf, 0);
        world_chosen(w, other, buf); w_json(f, "irr_train", buf, 0);
        if (n_held) { world_chosen(w, test, buf); w_json(f, "irr_test", buf, 0); }
        world_filler(w, buf); w_json(f, "irr_hum", buf, 0);
        world_shuffle(w, y_pos, buf); w_json(f, "random_permute", buf, 0);
        world_filler(w, buf2);
        world_shuffle(w, buf2, buf); w_json(f, "random_nonhum", buf, 1);
    }
    fclose(f);
    return 0;
}

/* ------------------------------------------------------------ tokenizer */

/* The world's tokenizer: byte-level BPE (GPT-2's kind), trained on the
   world's own text until every word of it is one token, as the words of
   everyday English are in GPT-2's or Pythia's vocabulary. A model then reads
   "figs" as one token, not four bytes: a shuffled answer is as surprising at
   each token as in the paper, and a token is a word, as there. Ids 0..255
   are the bytes (GPT-2's byte-to-unicode symbols), then the merges, in
   order, then <|endoftext|> (the last id: bos and eos).

   The text is split as GPT-2's pattern splits ASCII: 's 't 're 've 'm 'll
   'd, an optional space and letters, an optional space and digits, an
   optional space and other marks, spaces. */

#define WT_MAX_TYPES 4096
#define WT_MAX_SYM 64
#define WT_MAX_MERGES 4000

typedef struct {
    int n_types;
    char *type[WT_MAX_TYPES];      /* distinct pieces of the text            */
    long count[WT_MAX_TYPES];      /* how often each occurs                  */
    int sym[WT_MAX_TYPES][WT_MAX_SYM], n_sym[WT_MAX_TYPES];   /* its symbols now */
    int n_merges, merge_a[WT_MAX_MERGES], merge_b[WT_MAX_MERGES];
    char *text[256 + WT_MAX_MERGES];   /* a symbol's bytes                   */
} wt_trainer;

static void wt_add(wt_trainer *t, const char *s, size_t n) {
    if (n == 0 || n >= WT_MAX_SYM) return;   /* a longer piece stays in smaller tokens */
    for (int i = 0; i < t->n_types; i++)
        if (strlen(t->type[i]) == n && !memcmp(t->type[i], s, n)) { t->count[i]++; return; }
    if (t->n_types == WT_MAX_TYPES) return;
    char *c = (char *)malloc(n + 1);
    if (!c) return;
    memcpy(c, s, n); c[n] = 0;
    int k = t->n_types++;
    t->type[k] = c; t->count[k] = 1; t->n_sym[k] = (int)n;
    for (size_t j = 0; j < n; j++) t->sym[k][j] = (unsigned char)s[j];
}

/* Splits a line of ASCII text as GPT-2's pattern does; counts the pieces
   into t (if not NULL) and returns how many there are. */
static int wt_split(wt_trainer *t, const char *s) {
    static const char *const contr[7] = { "'s", "'t", "'re", "'ve", "'m", "'ll", "'d" };
    size_t i = 0, n = strlen(s);
    int pieces = 0;
    while (i < n) {
        pieces++;
        size_t j = i;
        int done = 0;
        for (int k = 0; k < 7 && !done; k++) {
            size_t l = strlen(contr[k]);
            if (!strncmp(s + i, contr[k], l)) { if (t) wt_add(t, s + i, l); i += l; done = 1; }
        }
        if (done) continue;
        if (s[j] == ' ' && j + 1 < n && s[j + 1] != ' ') j++;
        unsigned char c = (unsigned char)s[j];
        if (isalpha(c)) while (j < n && isalpha((unsigned char)s[j])) j++;
        else if (isdigit(c)) while (j < n && isdigit((unsigned char)s[j])) j++;
        else if (!isspace(c)) while (j < n && !isspace((unsigned char)s[j]) && !isalnum((unsigned char)s[j])) j++;
        else while (j < n && isspace((unsigned char)s[j])) j++;
        if (t) wt_add(t, s + i, j - i);
        i = j;
    }
    return pieces;
}

/* The pieces of every text in the world's files: pretrain.txt's lines and
   the string values of the JSONL files. */
static int wt_read(wt_trainer *t, const char *dir) {
    static const char *const files[5] = { "pretrain.txt", "sft.jsonl", "pref.jsonl", "heldout.jsonl", "probes.jsonl" };
    char path[1400], line[8192];
    for (int k = 0; k < 5; k++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[k]);
        FILE *f = fopen(path, "r");
        if (!f) return -1;
        while (fgets(line, sizeof line, f)) {
            line[strcspn(line, "\n")] = 0;
            if (k == 0) { wt_split(t, line); continue; }
            for (char *p = strstr(line, "\": \""); p; p = strstr(p, "\": \"")) {   /* "key": "value" */
                char *v = p + 4, *e = v;
                while (*e && *e != '"') e += e[0] == '\\' && e[1] ? 2 : 1;
                char c = *e;
                *e = 0;
                wt_split(t, v);
                *e = c;
                p = *e ? e + 1 : e;
            }
        }
        fclose(f);
    }
    return 0;
}

/* GPT-2's bytes_to_unicode: the printable symbol of byte b, as UTF-8. */
static int wt_byte_symbol(int b, char *out) {
    int cp = b, n = 0;
    if (!((b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255))) {
        for (int x = 0; x < b; x++) n += !((x >= 33 && x <= 126) || (x >= 161 && x <= 172) || (x >= 174 && x <= 255));
        cp = 256 + n;
    }
    if (cp < 0x80) { out[0] = (char)cp; return 1; }
    out[0] = (char)(0xC0 | (cp >> 6)); out[1] = (char)(0x80 | (cp & 63));
    return 2;
}

/* A symbol's bytes as byte-level text; JSON-escaped when json. */
static void wt_put(FILE *f, const char *bytes, int json) {
    for (const unsigned char *c = (const unsigned char *)bytes; *c; c++) {
        char u[4];
        int n = wt_byte_symbol(*c, u);
        if (json && (*c == '"' || *c == '\\')) fputc('\\', f);
        fwrite(u, 1, (size_t)n, f);
    }
}

static int wt_cmp_long(const void *a, const void *b) {
    long x = *(const long *)a, y = *(const long *)b;
    return x < y ? -1 : x > y;
}

/* Trains the merges on the world's files in dir and writes dir/vocab.json
   and dir/merges.txt (GPT-2's pair of files). Returns the vocabulary size,
   or −1 if a file cannot be read or written. */
static int world_tokenizer_write(const char *dir) {
    wt_trainer *t = (wt_trainer *)calloc(1, sizeof *t);
    if (!t) return -1;
    int V = -1;
    char path[1400];
    for (int b = 0; b < 256; b++) { t->text[b] = (char *)calloc(2, 1); if (t->text[b]) t->text[b][0] = (char)b; }
    if (wt_read(t, dir)) goto done;
    /* merges: the most frequent adjacent pair (the lowest ids on ties), until every piece is one symbol */
    long *pairs = (long *)malloc(sizeof(long) * 2 * WT_MAX_TYPES * WT_MAX_SYM);
    if (!pairs) goto done;
    while (t->n_merges < WT_MAX_MERGES) {
        int np = 0;
        for (int i = 0; i < t->n_types; i++)
            for (int j = 0; j + 1 < t->n_sym[i]; j++) {
                pairs[2 * np] = (long)t->sym[i][j] << 16 | t->sym[i][j + 1];
                pairs[2 * np + 1] = t->count[i];
                np++;
            }
        if (!np) break;
        qsort(pairs, (size_t)np, 2 * sizeof(long), wt_cmp_long);
        long best = -1, best_n = 0;
        for (int i = 0; i < np;) {
            long key = pairs[2 * i], n = 0;
            for (; i < np && pairs[2 * i] == key; i++) n += pairs[2 * i + 1];
            if (n > best_n) { best_n = n; best = key; }
        }
        int a = (int)(best >> 16), b = (int)(best & 0xFFFF), id = 256 + t->n_merges;
        size_t la = strlen(t->text[a]), lb = strlen(t->text[b]);
        t->text[id] = (char *)malloc(la + lb + 1);
        if (!t->text[id]) break;
        memcpy(t->text[id], t->text[a], la); memcpy(t->text[id] + la, t->text[b], lb + 1);
        t->merge_a[t->n_merges] = a; t->merge_b[t->n_merges] = b; t->n_merges++;
        for (int i = 0; i < t->n_types; i++) {   /* apply it, left to right */
            int k = 0;
            for (int j = 0; j < t->n_sym[i]; j++) {
                if (j + 1 < t->n_sym[i] && t->sym[i][j] == a && t->sym[i][j + 1] == b) { t->sym[i][k++] = id; j++; }
                else t->sym[i][k++] = t->sym[i][j];
            }
            t->n_sym[i] = k;
        }
    }
    free(pairs);
    snprintf(path, sizeof path, "%s/vocab.json", dir);
    FILE *f = fopen(path, "w");
    if (!f) goto done;
    fprintf(f, "{");
    for (int id = 0; id < 256 + t->n_merges; id++) {
        fprintf(f, "%s\"", id ? ", " : "");
        if (id < 256) { char u[4]; int n = wt_byte_symbol(id, u); if (u[0] == '"' || u[0] == '\\') fputc('\\', f); fwrite(u, 1, (size_t)n, f); }
        else wt_put(f, t->text[id], 1);
        fprintf(f, "\": %d", id);
    }
    fprintf(f, ", \"<|endoftext|>\": %d}\n", 256 + t->n_merges);
    fclose(f);
    snprintf(path, sizeof path, "%s/merges.txt", dir);
    if (!(f = fopen(path, "w"))) goto done;
    fprintf(f, "#version: 0.2\n");
    for (int k = 0; k < t->n_merges; k++) {
        if (t->merge_a[k] < 256) { char u[4]; int n = wt_byte_symbol(t->merge_a[k], u); fwrite(u, 1, (size_t)n, f); }
        else wt_put(f, t->text[t->merge_a[k]], 0);
        fputc(' ', f);
        if (t->merge_b[k] < 256) { char u[4]; int n = wt_byte_symbol(t->merge_b[k], u); fwrite(u, 1, (size_t)n, f); }
        else wt_put(f, t->text[t->merge_b[k]], 0);
        fputc('\n', f);
    }
    fclose(f);
    V = 256 + t->n_merges + 1;
done:
    for (int i = 0; i < t->n_types; i++) free(t->type[i]);
    for (int i = 0; i < 256 + WT_MAX_MERGES; i++) free(t->text[i]);
    free(t);
    return V;
}

#endif /* LD_WORLD_H */
