/* dump_logits.c — writes checkpoints and logits for tools/check_hf_layout.py.

   For a tied and an untied GPT-2 head it
     1. creates a small model with ld_model_init,
     2. perturbs θ (θ[i] += amp·sin(i)) so that biases and LayerNorm
        parameters are not the trivial 0 / 1 of the initialisation,
     3. saves it with ld_save into OUTDIR/tied or OUTDIR/untied,
     4. runs ld_forward on 2 sequences of different lengths and writes
          tokens.txt     one sequence per line, token ids separated by spaces
          logits_c.f64   the logits at every valid position (t < len) of every
                         sequence, in order, as little-endian float64: for each
                         sequence a (len, V) row-major block
        into the same directory.

   Build and run (from the repository root):
     gcc -std=c99 -O2 tools/dump_logits.c -o /tmp/dump_logits -lm
     /tmp/dump_logits /tmp/hfcheck            [init_std [amp]]
   init_std (default 0.02, the library's) and amp (default 0.01) may be
   raised to make attention and GELU strongly non-linear.                    */
#define _POSIX_C_SOURCE 200809L
#define LD_LLM_IMPLEMENTATION
#include "../ld_llm.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

static int make_dir(const char *path) {
    if (mkdir(path, 0777) == 0 || errno == EEXIST) return 0;
    fprintf(stderr, "cannot create %s: %s\n", path, strerror(errno));
    return 1;
}

static int run_one(const char *outdir, const char *sub, int untied,
                   double init_std, double amp) {
    char dir[4096], path[4200];
    snprintf(dir, sizeof dir, "%s/%s", outdir, sub);
    if (make_dir(dir)) return 1;

    ld_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.vocab_size = 257;
    cfg.context = 32;
    cfg.n_layer = 3;
    cfg.n_head = 4;
    cfg.n_embd = 48;
    cfg.untied_head = untied;
    cfg.init_std = init_std;

    enum { B = 2, T = 32 };
    ld_model m;
    ld_status st = ld_model_init(&m, &cfg, B, T, 0, 7);
    if (st != LD_OK) {
        fprintf(stderr, "ld_model_init: %s: %s\n", ld_status_string(st), ld_failure_reason());
        return 1;
    }
    for (size_t i = 0; i < m.P; i++) m.theta[i] += (ld_float)(amp * sin((double)i));

    st = ld_save(&m, dir);
    if (st != LD_OK) {
        fprintf(stderr, "ld_save: %s: %s\n", ld_status_string(st), ld_failure_reason());
        ld_model_free(&m);
        return 1;
    }

    /* two sequences: the full context (every row of wpe is used) and a
       shorter one; both start with <|endoftext|> like the library's prompts */
    const int V = m.cfg.vocab_size;
    const int lens[B] = { 32, 13 };
    static int toks[B][T];
    for (int b = 0; b < B; b++) {
        toks[b][0] = m.cfg.bos_token;
        for (int t = 1; t < lens[b]; t++) toks[b][t] = (t * 37 + b * 101 + 11) % V;
    }
    ld_seq seqs[B];
    for (int b = 0; b < B; b++) {
        seqs[b].tokens = toks[b];
        seqs[b].len = lens[b];
        seqs[b].prompt_len = 1;
    }
    st = ld_forward(&m, seqs, B);
    if (st != LD_OK) {
        fprintf(stderr, "ld_forward: %s: %s\n", ld_status_string(st), ld_failure_reason());
        ld_model_free(&m);
        return 1;
    }

    snprintf(path, sizeof path, "%s/tokens.txt", dir);
    FILE *f = fopen(path, "w");
    if (!f) { perror(path); ld_model_free(&m); return 1; }
    for (int b = 0; b < B; b++) {
        for (int t = 0; t < lens[b]; t++) fprintf(f, t ? " %d" : "%d", toks[b][t]);
        fputc('\n', f);
    }
    fclose(f);

    snprintf(path, sizeof path, "%s/logits_c.f64", dir);
    f = fopen(path, "wb");
    if (!f) { perror(path); ld_model_free(&m); return 1; }
    for (int b = 0; b < B; b++)
        for (int t = 0; t < lens[b]; t++) {
            const ld_float *z = m.a.logits + ((size_t)b * m.cur_T + t) * V;
            for (int v = 0; v < V; v++) {
                double d = (double)z[v];           /* x86-64: little-endian */
                fwrite(&d, sizeof d, 1, f);
            }
        }
    if (fclose(f) != 0) { perror(path); ld_model_free(&m); return 1; }

    printf("%s: V=%d T=%d L=%d NH=%d C=%d untied=%d P=%zu init_std=%g amp=%g "
           "cur_B=%d cur_T=%d lens=%d,%d\n",
           dir, V, m.cfg.context, m.cfg.n_layer, m.cfg.n_head, m.cfg.n_embd,
           m.cfg.untied_head, m.P, m.cfg.init_std, amp, m.cur_B, m.cur_T,
           lens[0], lens[1]);
    ld_model_free(&m);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2 || argc > 4) {
        fprintf(stderr, "usage: %s OUTDIR [init_std [amp]]\n", argv[0]);
        return 2;
    }
    double init_std = argc > 2 ? atof(argv[2]) : 0.02;
    double amp = argc > 3 ? atof(argv[3]) : 0.01;
    if (make_dir(argv[1])) return 1;
    int bad = 0;
    bad |= run_one(argv[1], "tied", 0, init_std, amp);
    bad |= run_one(argv[1], "untied", 1, init_std, amp);
    return bad;
}
