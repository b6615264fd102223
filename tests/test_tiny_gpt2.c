/* A real Hugging Face GPT-2 checkpoint, as save_pretrained writes it:
   ../shared/fixtures/tiny-gpt2 (sshleifer/tiny-gpt2: C 2, 2 layers, 2
   heads, tiny random weights, GPT-2's real 50257-token tokenizer). It is
   other people's data and not in the repository; without it this program
   says it skipped and checks nothing.

   1. ld_tokenizer_load_dir reads its tokenizer; "hello 👋 world 🌍" encodes
      to the ids Hugging Face's tokenizers give (the fixtures' README).
   2. ld_load reads the checkpoint at its own context (T = 0): the config,
      the tied head, every parameter.
   3. ld_forward on two sequences (<|endoftext|> + the ids of 1, and 10 ids
      spread over the vocabulary, one at a time) against the float64
      PyTorch mirror (tools/gen_tiny_gpt2_reference.py, written from
      modeling_gpt2.py; its numbers in tests/data/tiny_gpt2_ref.json): per
      position log Σ exp z over all 50257 logits, the argmax, z at 32 ids,
      and log π of the next token.
   B = 1: at T = 0 the model holds its whole context, and its (B, 1024,
   50257) logits and probabilities are allocated and zeroed: about 0.4 GB
   per sequence of the batch in float, 0.8 GB in double.
   Built twice: float and LD_LLM_DOUBLE.                                  */
#define LD_LLM_IMPLEMENTATION
#include "../ld_llm.h"
#include "t.h"
#include <stdlib.h>
#include <string.h>

#define DIR "../shared/fixtures/tiny-gpt2"
#define REF "tests/data/tiny_gpt2_ref.json"
#define NCHK 32
#define MAXT 16

#ifdef LD_LLM_DOUBLE
static const char *prec = "double";
/* Both sides compute in float64 from the same float32 weights; only the
   order of the sums differs (round-off ~1e-16 of |z| <= 0.13 and of
   log Σ exp z ~ 10.8). Absolute, because the logits are tiny and cross
   zero: a relative error means nothing at z ~ 1e-4.                     */
static const double tol = 1e-12;
#else
static const char *prec = "float";
/* float32 arithmetic: unit round-off 6e-8 of |z| <= 0.13 through 2 layers
   of width 2; log Σ exp z is summed here in double from the float logits,
   so its error is theirs. Absolute, as above.                           */
static const double tol = 1e-5;
#endif

/* GPT-2's ids for "hello 👋 world 🌍" (Hugging Face tokenizers, no special
   tokens added), as the fixtures' README lists them.                    */
static const int hello_ids[] = { 31373, 50169, 233, 995, 12520, 234, 235 };
#define NHELLO 7

/* n numbers of array node a into out (as doubles); 0 if it is not that. */
static int ref_nums(const ld__json *j, int a, double *out, int n) {
    if (a < 0 || j->nodes[a].type != 'a' || j->nodes[a].n != n) return 0;
    for (int i = 0, c = a + 1; i < n; i++, c = j->nodes[c].skip)
        if (ld__json_num(j, c, &out[i])) return 0;
    return 1;
}

typedef struct {
    int T, ids[MAXT], argmax[MAXT];
    double lse[MAXT], gap[MAXT], z[MAXT][NCHK];
    char name[32];
} ref_seq;

/* The reference file: check_ids and the two sequences. */
static int read_ref(int *chk, ref_seq *rs) {
    char *text;
    size_t n;
    if (ld__read_file(REF, (size_t)1 << 20, &text, &n)) return 0;
    ld__json j;
    int ok = !ld__json_parse(&j, text, n);
    double d[NCHK > MAXT ? NCHK : MAXT];
    ok = ok && ref_nums(&j, ld__json_get(&j, 0, "check_ids"), d, NCHK);
    for (int k = 0; ok && k < NCHK; k++) chk[k] = (int)d[k];
    int seqs = ok ? ld__json_get(&j, 0, "sequences") : -1;
    ok = ok && seqs >= 0 && j.nodes[seqs].type == 'a' && j.nodes[seqs].n == 2;
    for (int s = 0, o = seqs + 1; ok && s < 2; s++, o = j.nodes[o].skip) {
        ref_seq *r = &rs[s];
        int ids = ld__json_get(&j, o, "ids");
        r->T = ids >= 0 && j.nodes[ids].type == 'a' ? j.nodes[ids].n : 0;
        ok = r->T >= 2 && r->T <= MAXT && ref_nums(&j, ids, d, r->T) &&
             ld__json_str(&j, ld__json_get(&j, o, "name"), r->name, sizeof r->name - 1) > 0;
        for (int t = 0; ok && t < r->T; t++) r->ids[t] = (int)d[t];
        ok = ok && ref_nums(&j, ld__json_get(&j, o, "logsumexp"), r->lse, r->T) &&
             ref_nums(&j, ld__json_get(&j, o, "top2_gap"), r->gap, r->T) &&
             ref_nums(&j, ld__json_get(&j, o, "argmax"), d, r->T);
        for (int t = 0; ok && t < r->T; t++) r->argmax[t] = (int)d[t];
        int zs = ok ? ld__json_get(&j, o, "logits") : -1;
        ok = ok && zs >= 0 && j.nodes[zs].type == 'a' && j.nodes[zs].n == r->T;
        for (int t = 0, c = zs + 1; ok && t < r->T; t++, c = j.nodes[c].skip)
            ok = ref_nums(&j, c, r->z[t], NCHK);
    }
    ld__json_free(&j);
    LD_FREE(text);
    return ok;
}

static int index_of(const int *chk, int id) {
    for (int k = 0; k < NCHK; k++)
        if (chk[k] == id) return k;
    return -1;
}

/* 1: the tokenizer, whose ids become sequence 0's input after 50256. */
static void check_tokenizer(int *ids, int *n) {
    ld_tokenizer *tk = NULL;
    ld_status st = ld_tokenizer_load_dir(&tk, DIR);
    CHECK_V(st == LD_OK && ld_tokenizer_vocab_size(tk) == 50257, "tokenizer: ld_tokenizer_load_dir reads %s (V %d)%s%s",
            DIR, st ? 0 : ld_tokenizer_vocab_size(tk), st ? ": " : "", st ? ld_failure_reason() : "");
    *n = 0;
    if (st) return;
    int eot = ld_tokenizer_find(tk, "<|endoftext|>");
    CHECK_V(eot == 50256 && ld_tokenizer_is_special(tk, eot), "tokenizer: <|endoftext|> is special token %d", eot);
    ids[0] = 50256;
    int k = -1;
    st = ld_tokenizer_encode(tk, "hello \xF0\x9F\x91\x8B world \xF0\x9F\x8C\x8D", -1, 0, ids + 1, MAXT - 1, &k);
    int same = st == LD_OK && k == NHELLO && !memcmp(ids + 1, hello_ids, sizeof hello_ids);
    CHECK_V(same, "tokenizer: \"hello \xF0\x9F\x91\x8B world \xF0\x9F\x8C\x8D\" -> %d ids, %s Hugging Face's 31373 50169 233 995 12520 234 235",
            k, same ? "=" : "!=");
    *n = st == LD_OK && k > 0 && k < MAXT ? k + 1 : 0;
    ld_tokenizer_free(tk);
}

int main(void) {
    FILE *probe = fopen(DIR "/config.json", "rb");
    if (!probe) {
        printf("test_tiny_gpt2: skipped: %s is absent\n", DIR);
        return 0;   /* no check, no closing line: tests/run.sh lists it as skipped */
    }
    fclose(probe);

    int chk[NCHK];
    ref_seq rs[2];
    int have_ref = read_ref(chk, rs);
    CHECK_V(have_ref, "%s read (run from the repository root)", REF);

    int tok_ids[MAXT], n_tok = 0;
    check_tokenizer(tok_ids, &n_tok);
    if (have_ref) {
        int same = n_tok == rs[0].T && !memcmp(tok_ids, rs[0].ids, sizeof(int) * (size_t)n_tok);
        CHECK_V(same, "the reference's sequence %s is <|endoftext|> + the tokenizer's ids", rs[0].name);
    }

    /* 2: the checkpoint */
    ld_model m;
    /* capacity 16 positions: the sequences are shorter, and the full 1024
       would allocate 0.4 GB (float) of logits and π for nothing */
    ld_status st = ld_load(&m, DIR, 1, 16, 0);
    CHECK_V(st == LD_OK, "ld_load reads %s (capacity T = 16)%s%s", DIR, st ? ": " : "", st ? ld_failure_reason() : "");
    if (st) return t_done();
    const ld_config *c = &m.cfg;
    /* parameters: wte 50257·2 + wpe 1024·2 + 2 layers · 74 + ln_f 4 = the
       file's 28 tensors, 410856 bytes of F32 */
    CHECK_V(c->family == LD_FAMILY_GPT2 && c->vocab_size == 50257 && c->context == 1024 && m.T == 16 &&
            c->n_layer == 2 && c->n_head == 2 && c->n_embd == 2 && c->intermediate == 8 && c->untied_head == 0 &&
            c->act == LD_GELU_TANH && c->norm == LD_LAYERNORM && c->pos == LD_POS_LEARNED && c->ln_eps == 1e-5 &&
            c->bos_token == 50256 && c->eos_token == 50256 && m.P == 102714,
            "config: gpt2, V %d, context %d (T %d), L %d, NH %d, C %d, I %d, tied %d, gelu_new %d, eps %g, bos/eos %d/%d, P %zu",
            c->vocab_size, c->context, m.T, c->n_layer, c->n_head, c->n_embd, c->intermediate, !c->untied_head,
            c->act == LD_GELU_TANH, c->ln_eps, c->bos_token, c->eos_token, (size_t)m.P);

    /* 3: the logits against the mirror */
    if (have_ref && n_tok == rs[0].T) {
        const int V = c->vocab_size;
        int nxt_ok = 1;
        for (int s = 0; s < 2; s++)
            for (int t = 1; t < rs[s].T; t++) nxt_ok &= index_of(chk, rs[s].ids[t]) >= 0;
        CHECK(nxt_ok && index_of(chk, 0) >= 0 && index_of(chk, 50256) >= 0, "check_ids hold 0, 50256 and every next token");
        ld_seq sq[2] = { { tok_ids, n_tok, 1 }, { rs[1].ids, rs[1].T, 1 } };
        for (int s = 0; s < 2; s++) {
            const ref_seq *r = &rs[s];
            st = ld_forward(&m, &sq[s], 1);
            CHECK_V(st == LD_OK, "ld_forward on %s (%d tokens)%s%s", r->name, sq[s].len, st ? ": " : "", st ? ld_failure_reason() : "");
            if (st) continue;
            ld_row row;
            ld_forward_row(&m, 0, &row);
            double dl = 0, dz = 0, dp = 0, gap = 1e300;
            int am_ok = 1;
            for (int t = 0; t < r->T; t++) {
                const ld_float *z = row.logits + (size_t)t * V;
                double mx = -1e300, sum = 0;
                int am = 0;
                for (int u = 0; u < V; u++)
                    if ((double)z[u] > mx) { mx = z[u]; am = u; }
                for (int u = 0; u < V; u++) sum += exp((double)z[u] - mx);
                double lse = mx + log(sum);
                dl = fmax(dl, fabs(lse - r->lse[t]));
                for (int k = 0; k < NCHK; k++) dz = fmax(dz, fabs((double)z[chk[k]] - r->z[t][k]));
                /* the argmax exactly where the reference's top two are far
                   apart (here always: >= 1.2e-3); else z at it is the max */
                gap = fmin(gap, r->gap[t]);
                if (r->gap[t] > 2 * tol) am_ok &= am == r->argmax[t];
                else am_ok &= (double)z[r->argmax[t]] >= mx - 2 * tol;
                /* log π = z − log Σ exp z: the two errors add, hence 2 tol */
                if (t + 1 < r->T)
                    dp = fmax(dp, fabs(row.tok_logp[t] - (r->z[t][index_of(chk, r->ids[t + 1])] - r->lse[t])));
            }
            CHECK_V(dl <= tol, "%s %s: log sum exp z over all %d logits, %d positions, max|diff| %.3g (tol %.0e)",
                    prec, r->name, V, r->T, dl, tol);
            CHECK_V(dz <= tol, "%s %s: z at %d ids, max|diff| %.3g (tol %.0e)", prec, r->name, NCHK, dz, tol);
            CHECK_V(am_ok, "%s %s: argmax at every position as the mirror's (its smallest top-2 gap %.3g)", prec, r->name, gap);
            CHECK_V(dp <= 2 * tol, "%s %s: log pi of each next token, max|diff| %.3g (tol %.0e)", prec, r->name, dp, 2 * tol);
        }
    }
    ld_model_free(&m);
    return t_done();
}
