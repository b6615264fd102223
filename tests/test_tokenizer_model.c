/* A model's tokenizer, everywhere the library reads a model's text:
   - the rule (ld_text_check): bytes only for V = 256 or 257, a tokenizer
     with more ids than V refused, the missing file named;
   - ld_model_set_tokenizer, ld_model_encode / decode / token_string against
     the tokenizer's own calls;
   - datasets through ld_data_opts.tokenizer: every row's ids are the
     tokenizer's, computed here from ld_tokenizer_encode, and χ = [bos; x; y;
     eos] with the model's ids; bad input (no tokenizer, invalid UTF-8, a lone
     surrogate) names the line or the example;
   - ld_save → ld_load: the tokenizer's file written byte for byte and read
     back (same ids on the corpus of tests/data/tok_corpus.json); GPT-2's
     pair; LD_LOAD_NO_TOKENIZER; a directory whose tokenizer does not fit;
   - SFT on a model with a real tokenizer (the trainer's rows are the
     tokenizer's ids; the loss falls), and ld_dyn_pair_step reading its
     strings through the model's tokenizer;
   - with ../shared/fixtures: the real GPT-2 checkpoint loads with its
     tokenizer (the reference ids of the fixtures' README), scores GPT-2's
     ids, and a copy without its tokenizer files refuses text, naming them.
   Usage: test_tokenizer_model [scratch-dir] (run from the repository root) */
#define LD_LLM_IMPLEMENTATION
#include "../ld_llm.h"
#include "t.h"
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char dir[1024] = "build/tmp";
#define SMALL "tests/data/tok_small.json"   /* 601 ids, <|endoftext|> = 594 */
#define GPT2 "../shared/fixtures/tiny-gpt2"

static char *read_all(const char *path, size_t *n) {
    char *buf = NULL;
    if (ld__read_file(path, (size_t)1 << 30, &buf, n)) return NULL;
    return buf;
}

static int write_all(const char *path, const char *text, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    int ok = fwrite(text, 1, n, f) == n;
    return fclose(f) == 0 && ok ? 0 : -1;
}

static int copy_file(const char *from, const char *to) {
    size_t n;
    char *b = read_all(from, &n);
    int r = b ? write_all(to, b, n) : -1;
    free(b);
    return r;
}

static int same_file(const char *a, const char *b) {
    size_t na, nb;
    char *x = read_all(a, &na), *y = read_all(b, &nb);
    int same = x && y && na == nb && !memcmp(x, y, na);
    free(x); free(y);
    return same;
}

static int exists(const char *path) {
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* A fresh scratch directory dir/name (emptied of the files these tests write). */
static const char *scratch(const char *name) {
    static char p[4][1200];
    static int k;
    char *out = p[k++ & 3];
    snprintf(out, sizeof p[0], "%s/tokm_%s", dir, name);
    mkdir(dir, 0777);
    mkdir(out, 0777);
    const char *files[] = { "tokenizer.json", "vocab.json", "merges.txt", "config.json", "model.safetensors" };
    for (int i = 0; i < 5; i++) {
        char f[1300];
        snprintf(f, sizeof f, "%s/%s", out, files[i]);
        remove(f);
    }
    return out;
}

static ld_tokenizer *small_tok(void) {
    ld_tokenizer *t = NULL;
    if (ld_tokenizer_load(&t, SMALL)) { CHECK(0, "load %s: %s", SMALL, ld_failure_reason()); return NULL; }
    return t;
}

/* A small model of vocabulary V (the tokenizer's ids, padded). */
static ld_status small_model(ld_model *m, int V, int B, int flags, int bos_eos) {
    ld_config c = {0};
    c.vocab_size = V; c.context = 64; c.n_layer = 1; c.n_head = 2; c.n_embd = 16;
    if (bos_eos >= 0) { c.ids_set = 1; c.bos_token = c.eos_token = bos_eos; }
    return ld_model_init(m, &c, B, 64, flags, 11);
}

static int enc(const ld_tokenizer *t, const char *s, int *ids, int cap) {
    int n = -1;
    if (ld_tokenizer_encode(t, s, -1, 0, ids, cap, &n)) return -1;
    return n;
}

/* ---- the rule ---- */
static void test_rule(void) {
    ld_config c = {0};
    CHECK_V(ld_text_check(&c, NULL) == LD_OK && ld_vocab_is_bytes(&c), "V 257 (a zeroed config) without a tokenizer: bytes");
    c.vocab_size = 256;
    CHECK_V(ld_text_check(&c, NULL) == LD_OK, "V 256 without a tokenizer: bytes");
    c.vocab_size = 260;
    ld_status st = ld_text_check(&c, NULL);
    CHECK_V(st == LD_ERR_CONFIG && strstr(ld_failure_reason(), "tokenizer.json") && strstr(ld_failure_reason(), "vocab.json + merges.txt") &&
            strstr(ld_failure_reason(), "260"), "V 260 without a tokenizer is refused, naming the files: %s", ld_failure_reason());
    ld_tokenizer *t = small_tok();
    if (!t) return;
    c.vocab_size = 600;
    st = ld_text_check(&c, t);
    CHECK_V(st == LD_ERR_CONFIG && strstr(ld_failure_reason(), "601 ids, more than the model's vocab_size 600"),
            "a tokenizer of 601 ids under V 600 is refused: %s", ld_failure_reason());
    c.vocab_size = 601;
    CHECK(ld_text_check(&c, t) == LD_OK, "601 ids under V 601");
    c.vocab_size = 640;
    CHECK(ld_text_check(&c, t) == LD_OK, "601 ids under V 640 (padded)");
    ld_tokenizer_free(t);
}

/* ---- a model with a tokenizer: encode, decode, token strings ---- */
static void test_model_text(void) {
    ld_model m, b;
    if (small_model(&m, 640, 2, 0, 594) || small_model(&b, 257, 2, 0, -1)) { CHECK(0, "init: %s", ld_failure_reason()); return; }
    int ids[128], want[128], n = -1;
    const char *text = "The cafe\xcc\x81 is here.<|endoftext|>";
    CHECK_V(ld_model_encode(&m, text, -1, 0, ids, 128, &n) == LD_ERR_CONFIG && strstr(ld_failure_reason(), "tokenizer.json"),
            "V 640, no tokenizer yet: encode refused (%s)", ld_failure_reason());
    ld_tokenizer *t = small_tok();
    if (!t) { ld_model_free(&m); ld_model_free(&b); return; }
    ld_status st = ld_model_set_tokenizer(&b, t);
    CHECK_V(st == LD_ERR_CONFIG && b.tokenizer == NULL && strstr(ld_failure_reason(), "601 ids"),
            "set_tokenizer on V 257 refused, the model unchanged: %s", ld_failure_reason());
    CHECK(ld_model_set_tokenizer(&m, t) == LD_OK && m.tokenizer == t, "set_tokenizer on V 640");
    int nw = enc(t, text, want, 128);
    st = ld_model_encode(&m, text, -1, 0, ids, 128, &n);
    CHECK_V(st == LD_OK && n == nw && nw > 0 && !memcmp(ids, want, sizeof(int) * (size_t)n),
            "ld_model_encode = ld_tokenizer_encode (%d ids, last %d = <|endoftext|>)", n, n > 0 ? ids[n - 1] : -1);
    int k = -1;
    CHECK(ld_model_encode(&m, text, -1, 0, ids, 3, &k) == LD_ERR_LENGTH && k == nw, "too small a capacity: LD_ERR_LENGTH, the count");
    char out[256];
    size_t nb;
    CHECK_V(ld_model_decode(&m, want, nw, LD_TOK_SKIP_SPECIAL, out, sizeof out, &nb) == LD_OK && !strcmp(out, " The cafe\xcc\x81 is here."),
            "ld_model_decode with the tokenizer: '%s' (the added token 598 decodes to its content, e + U+0301)", out);
    int pad[1] = { 620 };
    CHECK(ld_model_decode(&m, pad, 1, 0, out, sizeof out, &nb) == LD_ERR_TOKEN, "decode of a padding id (620 ≥ the tokenizer's 601) refused");
    char s1[64], s2[64];
    int the = ld_tokenizer_find(t, "\xC4\xA0the");
    CHECK_V(ld_model_token_string(&m, the, s1, sizeof s1) == ld_tokenizer_token_display(t, the, s2, sizeof s2) && !strcmp(s1, s2) &&
            !strcmp(s1, " the"), "token string of 'Ġthe' is the tokenizer's display: '%s'", s1);
    CHECK(ld_model_token_string(&m, 620, s1, sizeof s1) == 7 && !strcmp(s1, "<|620|>"), "a padding id shows <|620|>: '%s'", s1);
    CHECK(ld_model_token_string(&m, 640, s1, sizeof s1) == -1, "an id outside [0, V): −1");
    /* the byte-level model */
    int bytes[3] = { 'H', 'i', 256 };
    CHECK(ld_model_encode(&b, "Hi\xff", -1, 0, ids, 8, &n) == LD_OK && n == 3 && ids[2] == 255, "bytes: any byte is its id");
    CHECK_V(ld_model_decode(&b, bytes, 3, 0, out, sizeof out, &nb) == LD_OK && !strcmp(out, "Hi<|endoftext|>") && nb == 15,
            "bytes: decode writes id 256 as <|endoftext|>: '%s'", out);
    CHECK(ld_model_decode(&b, bytes, 3, LD_TOK_SKIP_SPECIAL, out, sizeof out, &nb) == LD_OK && !strcmp(out, "Hi"), "… and leaves it out when asked");
    CHECK(ld_model_decode(&b, bytes, 3, 0, out, 15, &nb) == LD_ERR_LENGTH && nb == 15, "bytes: too small a buffer says what it needs");
    int bad[1] = { 257 };
    CHECK(ld_model_decode(&b, bad, 1, 0, out, sizeof out, &nb) == LD_ERR_TOKEN, "bytes: id 257 of V 257 refused");
    CHECK(ld_model_token_string(&b, 'a', s1, sizeof s1) == 1 && !strcmp(s1, "a"), "bytes: token string as ld_token_string");
    CHECK(ld_model_set_tokenizer(&m, NULL) == LD_OK && m.tokenizer == NULL, "set_tokenizer(NULL) frees the tokenizer (ASan: no leak)");
    ld_model_free(&m);
    ld_model_free(&b);
}

/* ---- datasets through the tokenizer ---- */
static void test_dataset(void) {
    ld_tokenizer *t = small_tok();
    if (!t) return;
    ld_config c = {0};
    c.vocab_size = 640; c.context = 64; c.n_layer = 1; c.n_head = 2; c.n_embd = 16; c.ids_set = 1; c.bos_token = c.eos_token = 594;
    c = ld_config_resolve(&c);
    const char *jsonl = "{\"prompt\": \"Q: What does the cow say? A:\", \"completion\": \" It says moo.\"}\n"
                        "{\"prompt\": \"Q: And the dog?\", \"completion\": \" Woof, the dog says woof.\"}\n";
    const char *P[2] = { "Q: What does the cow say? A:", "Q: And the dog?" }, *R[2] = { " It says moo.", " Woof, the dog says woof." };
    ld_dataset ds;
    ld_data_opts o;
    memset(&o, 0, sizeof o);
    ld_status st = ld_dataset_parse_opts(&ds, jsonl, strlen(jsonl), &c, LD_DATA_SFT, &o);
    CHECK_V(st == LD_ERR_CONFIG && strstr(ld_failure_reason(), "tokenizer.json") && ds.n == 0,
            "V 640 without a tokenizer: the loader refuses (%s)", ld_failure_reason());
    o.tokenizer = t;
    st = ld_dataset_parse_opts(&ds, jsonl, strlen(jsonl), &c, LD_DATA_SFT, &o);
    CHECK(st == LD_OK && ds.n == 2, "parse with the tokenizer: %s", ld_failure_reason());
    for (int i = 0; i < ds.n && !st; i++) {
        int x[128], xy[256], nx = enc(t, P[i], x, 128);
        char both[256];
        snprintf(both, sizeof both, "%s%s", P[i], R[i]);
        int nxy = enc(t, both, xy, 256);
        int buf[64];
        ld_seq s;
        st = ld_dataset_seq(&ds, i, 1, 64, 0, &c, buf, &s);
        int same = st == LD_OK && nx > 0 && nxy > nx && !memcmp(xy, x, sizeof(int) * (size_t)nx) && s.prompt_len == nx + 1 &&
                   s.len == nxy + 2 && buf[0] == 594 && buf[s.len - 1] == 594 && !memcmp(buf + 1, xy, sizeof(int) * (size_t)nxy);
        CHECK_V(same, "row %d: χ = [594; %d prompt ids; %d response ids; 594], the tokenizer's ids (%d tokens, not %zu bytes)", i, nx,
                nxy - nx, s.len, strlen(both) + 2);
    }
    ld_dataset_free(&ds);
    /* the same from C strings */
    const char *cells[4] = { P[0], R[0], P[1], R[1] };
    ld_dataset a;
    st = ld_dataset_from_strings_opts(&a, LD_DATA_SFT, NULL, 0, cells, 2, &c, &o);
    ld_dataset_parse_opts(&ds, jsonl, strlen(jsonl), &c, LD_DATA_SFT, &o);
    CHECK_V(st == LD_OK && a.n_tokens == ds.n_tokens && !memcmp(a.tokens, ds.tokens, sizeof(int) * a.n_tokens),
            "ld_dataset_from_strings_opts gives the parser's %zu ids", a.n_tokens);
    ld_dataset_free(&a);
    ld_dataset_free(&ds);
    st = ld_dataset_from_strings(&a, LD_DATA_SFT, NULL, 0, cells, 2, &c);
    CHECK_V(st == LD_ERR_CONFIG && strstr(ld_failure_reason(), "tokenizer.json"), "ld_dataset_from_strings (bytes) on V 640 refused: %s",
            ld_failure_reason());
    /* bad text: the line or the example is named */
    const char *bad8 = "{\"prompt\": \"a\", \"completion\": \" b\"}\n{\"prompt\": \"a\", \"completion\": \" b\xff\"}\n";
    st = ld_dataset_parse_opts(&ds, bad8, strlen(bad8), &c, LD_DATA_SFT, &o);
    CHECK_V(st == LD_ERR_DATA && strstr(ld_failure_reason(), "line 2") && strstr(ld_failure_reason(), "UTF-8"),
            "invalid UTF-8 through the loader: %s", ld_failure_reason());
    const char *sur = "{\"prompt\": \"a\", \"completion\": \" b\"}\n\n{\"prompt\": \"a\\ud800\", \"completion\": \" b\"}\n";
    st = ld_dataset_parse_opts(&ds, sur, strlen(sur), &c, LD_DATA_SFT, &o);
    CHECK_V(st == LD_ERR_DATA && strstr(ld_failure_reason(), "line 3"), "a lone surrogate: %s", ld_failure_reason());
    o.flags = LD_DATA_SKIP_BAD;
    st = ld_dataset_parse_opts(&ds, bad8, strlen(bad8), &c, LD_DATA_SFT, &o);
    CHECK_V(st == LD_OK && ds.n == 1 && ds.n_skipped == 1 && strstr(ds.first_skip, "line 2"), "… skipped with LD_DATA_SKIP_BAD: %s",
            ds.first_skip);
    ld_dataset_free(&ds);
    o.flags = 0;
    const char *c8[2] = { "a", " b\xc3" };
    st = ld_dataset_from_strings_opts(&a, LD_DATA_SFT, NULL, 0, c8, 1, &c, &o);
    CHECK_V(st == LD_ERR_DATA && strstr(ld_failure_reason(), "example 0") && strstr(ld_failure_reason(), "UTF-8"),
            "invalid UTF-8 from C strings: %s", ld_failure_reason());
    ld_tokenizer_free(t);
}

/* ---- ld_save → ld_load ---- */
static int corpus_same(const ld_model *a, const ld_tokenizer *ref, int *n_strings) {
    size_t n;
    char *text = read_all("tests/data/tok_corpus.json", &n);
    ld__json j;
    int same = text && !ld__json_parse(&j, text, n), k = 0;
    static char s[1 << 16];
    static int x[1 << 16], y[1 << 16];
    for (int c = 1, i = 0; same && i < j.nodes[0].n; i++, c = j.nodes[c].skip) {
        long len = ld__json_str(&j, c, s, sizeof s - 1);
        if (len < 0) continue;
        int nx = -1, ny = -2;
        ld_status sa = ld_model_encode(a, s, len, 0, x, 1 << 16, &nx), sb = ld_tokenizer_encode(ref, s, len, 0, y, 1 << 16, &ny);
        same = sa == sb && (sa || (nx == ny && !memcmp(x, y, sizeof(int) * (size_t)nx)));
        k++;
    }
    if (text) ld__json_free(&j);
    free(text);
    *n_strings = k;
    return same && k > 100;
}

static void test_save_load(void) {
    ld_model m, l;
    if (small_model(&m, 640, 2, 0, 594)) { CHECK(0, "init: %s", ld_failure_reason()); return; }
    ld_tokenizer *t = small_tok(), *ref = small_tok();
    if (!t || !ref || ld_model_set_tokenizer(&m, t)) { CHECK(0, "tokenizer"); ld_tokenizer_free(t); ld_tokenizer_free(ref); ld_model_free(&m); return; }
    const char *d = scratch("save");
    char path[1300];
    snprintf(path, sizeof path, "%s/tokenizer.json", d);
    CHECK(ld_save(&m, d) == LD_OK, "save: %s", ld_failure_reason());
    CHECK_V(same_file(path, SMALL), "ld_save wrote tokenizer.json beside the model, byte for byte the file it was read from");
    ld_status st = ld_load(&l, d, 1, 0, 0);
    int ns = 0;
    CHECK_V(st == LD_OK && l.tokenizer && ld_tokenizer_vocab_size(l.tokenizer) == 601 && corpus_same(&l, ref, &ns),
            "ld_load reads it back: the same ids on all %d strings of the corpus", ns);
    ld_model_free(&l);
    st = ld_load(&l, d, 1, 0, LD_LOAD_NO_TOKENIZER);
    int ids[8], n;
    CHECK_V(st == LD_OK && l.tokenizer == NULL && ld_model_encode(&l, "a", -1, 0, ids, 8, &n) == LD_ERR_CONFIG,
            "LD_LOAD_NO_TOKENIZER: no tokenizer, and text is refused (V 640)");
    ld_model_free(&l);
    /* a directory whose tokenizer has more ids than V */
    ld_model b;
    small_model(&b, 257, 1, 0, -1);
    const char *d2 = scratch("toobig");
    CHECK(ld_save(&b, d2) == LD_OK, "save a byte-level model");
    snprintf(path, sizeof path, "%s/tokenizer.json", d2);
    CHECK_V(!exists(path), "a model without a tokenizer writes none");
    copy_file(SMALL, path);
    st = ld_load(&l, d2, 1, 0, 0);
    CHECK_V(st == LD_ERR_CONFIG && l.theta == NULL && strstr(ld_failure_reason(), "601 ids, more than the model's vocab_size 257"),
            "a directory's tokenizer larger than V fails the load: %s", ld_failure_reason());
    const char *wp = "{\"model\": {\"type\": \"WordPiece\", \"vocab\": {}}}";
    write_all(path, wp, strlen(wp));
    st = ld_load(&l, d2, 1, 0, 0);
    CHECK_V(st == LD_ERR_FORMAT && l.theta == NULL && strstr(ld_failure_reason(), "WordPiece") && strstr(ld_failure_reason(), "LD_LOAD_NO_TOKENIZER"),
            "an unsupported tokenizer fails the load, saying how to do without: %s", ld_failure_reason());
    CHECK(ld_load(&l, d2, 1, 0, LD_LOAD_NO_TOKENIZER) == LD_OK && l.tokenizer == NULL, "… and loads with LD_LOAD_NO_TOKENIZER");
    ld_model_free(&l);
    /* GPT-2's pair, made here: a, b, ab, <|endoftext|> */
    const char *vj = "{\"a\": 0, \"b\": 1, \"ab\": 2, \"<|endoftext|>\": 3}", *mt = "#version: 0.2\na b\n";
    ld_tokenizer *p = NULL;
    CHECK(ld_tokenizer_parse_gpt2(&p, vj, strlen(vj), mt, strlen(mt)) == LD_OK, "a small pair parses: %s", ld_failure_reason());
    if (p && ld_model_set_tokenizer(&b, p) == LD_OK) {
        const char *d3 = scratch("pair");
        char vp[1300], mp[1300], tp[1300];
        snprintf(vp, sizeof vp, "%s/vocab.json", d3);
        snprintf(mp, sizeof mp, "%s/merges.txt", d3);
        snprintf(tp, sizeof tp, "%s/tokenizer.json", d3);
        st = ld_save(&b, d3);
        size_t nv, nm;
        char *v = read_all(vp, &nv), *mm = read_all(mp, &nm);
        CHECK_V(st == LD_OK && v && mm && nv == strlen(vj) && !memcmp(v, vj, nv) && nm == strlen(mt) && !memcmp(mm, mt, nm) && !exists(tp),
                "a pair's model saves vocab.json + merges.txt as they were read");
        free(v); free(mm);
        st = ld_load(&l, d3, 1, 0, 0);
        CHECK(st == LD_OK && l.tokenizer && ld_model_encode(&l, "abab", -1, 0, ids, 8, &n) == LD_OK && n == 2 && ids[0] == 2 && ids[1] == 2,
              "… and loads back: abab → 2 2");
        ld_model_free(&l);
        write_all(tp, "{}", 2);
        remove(vp);
        st = ld_save(&b, d3);
        CHECK_V(st == LD_ERR_IO && !exists(vp) && strstr(ld_failure_reason(), "would be read instead"),
                "a pair is not saved where a tokenizer.json would shadow it, and nothing is written: %s", ld_failure_reason());
    } else {
        CHECK(0, "set the pair: %s", ld_failure_reason());
        ld_tokenizer_free(p);
    }
    ld_model_free(&b);
    ld_tokenizer_free(ref);
    ld_model_free(&m);
}

/* ---- training and one analysed step with a real tokenizer ---- */
static void test_train(void) {
    ld_model m;
    if (small_model(&m, 640, 8, LD_TRAIN | LD_JVP, 594)) { CHECK(0, "init: %s", ld_failure_reason()); return; }
    ld_tokenizer *t = small_tok();
    if (!t || ld_model_set_tokenizer(&m, t)) { ld_tokenizer_free(t); ld_model_free(&m); return; }
    ld_data_opts o;
    memset(&o, 0, sizeof o);
    o.tokenizer = m.tokenizer;
    ld_dataset ds;
    ld_status st = ld_dataset_load_opts(&ds, "examples/data/sft.jsonl", &m.cfg, LD_DATA_SFT, &o);
    CHECK(st == LD_OK && ds.n == 24, "examples/data/sft.jsonl through the tokenizer: %s", ld_failure_reason());
    if (st) { ld_model_free(&m); return; }
    ld_optim opt;
    ld_optim_config oc;
    memset(&oc, 0, sizeof oc);
    oc.lr = 3e-3;
    ld_train_config tc;
    memset(&tc, 0, sizeof tc);
    tc.batch = 8; tc.max_steps = 40; tc.no_shuffle = 1;
    ld_trainer tr;
    ld_optim_init(&opt, &m, &oc);
    st = ld_trainer_init(&tr, &m, &opt, &ds, &tc, NULL);
    CHECK(st == LD_OK, "trainer: %s", ld_failure_reason());
    if (!st) {
        ld_trainer_next_batch(&tr);
        /* the first row is example 0: its ids from the tokenizer, computed here */
        size_t n;
        char *text = read_all("examples/data/sft.jsonl", &n);
        ld__json j;
        char P[512], R[512], both[1024];
        int x[512], xy[1024];
        size_t eol = 0;   /* line 1 */
        while (text && eol < n && text[eol] != '\n') eol++;
        int ok = text && !ld__json_parse(&j, text, eol);
        if (ok) {
            long np = ld__json_str(&j, ld__json_get(&j, 0, "prompt"), P, 511), nr = ld__json_str(&j, ld__json_get(&j, 0, "completion"), R, 511);
            P[np] = 0; R[nr] = 0;
            snprintf(both, sizeof both, "%s%s", P, R);
            int nx = enc(t, P, x, 512), nxy = enc(t, both, xy, 1024);
            const ld_seq *s = &tr.rows[0];
            ok = tr.batch_idx[0] == 0 && s->prompt_len == nx + 1 && s->len == nxy + 2 && s->tokens[0] == 594 && s->tokens[s->len - 1] == 594 &&
                 !memcmp(s->tokens + 1, xy, sizeof(int) * (size_t)nxy);
            ld__json_free(&j);
            CHECK_V(ok, "the trainer's first row is [594; the tokenizer's %d + %d ids; 594] ('%s' + '%s')", nx, nxy - nx, P, R);
        } else CHECK(0, "examples/data/sft.jsonl line 1");
        free(text);
        double first = 0, last = 0;
        for (int k = 0; k < 40 && !st; k++) {
            st = ld_trainer_step(&tr);
            if (k == 0) first = tr.loss;
            last = tr.loss;
        }
        CHECK_V(st == LD_OK && last < 0.6 * first, "40 SFT steps with the real tokenizer: loss %.3f → %.3f", first, last);
        ld_trainer_free(&tr);
    }
    ld_optim_free(&opt);
    ld_dataset_free(&ds);
    /* ld_dyn_pair_step reads its strings through the model's tokenizer: its
       log π(y⁺|x) is that of χ built here from ld_tokenizer_encode */
    const char *Pq = "Q: What does the cow say? A:", *C = " It says moo.", *Rj = " It says woof.";
    char both[256];
    snprintf(both, sizeof both, "%s%s", Pq, C);
    int chi[64], x[64];
    int nx = enc(t, Pq, x, 64), nxy = enc(t, both, chi + 1, 62);
    chi[0] = 594;
    chi[nxy + 1] = 594;
    ld_seq s = { chi, nxy + 2, nx + 1 };
    st = ld_forward(&m, &s, 1);
    double want = m.seq_logp[0];
    ld_dyn_report r;
    ld_status sp = ld_dyn_pair_step(&m, NULL, Pq, C, Rj, NULL, NULL, NULL, 0, &r);
    CHECK_V(st == LD_OK && sp == LD_OK && r.n_obs == 2 && r.logp[0] == want,
            "ld_dyn_pair_step's log π(y⁺|x) = %.6f, that of the tokenizer's χ (%.6f)", sp ? 0 : r.logp[0], want);
    ld_dyn_report_free(&r);
    ld_model_free(&m);
}

/* ---- the real GPT-2 checkpoint (../shared/fixtures) ---- */
static void test_gpt2(void) {
    if (!exists(GPT2 "/model.safetensors")) { printf("tiny-gpt2: skipped: " GPT2 " is absent\n"); return; }
    ld_model m;
    ld_status st = ld_load(&m, GPT2, 2, 64, 0);
    CHECK_V(st == LD_OK && m.tokenizer && ld_tokenizer_vocab_size(m.tokenizer) == 50257 && m.cfg.vocab_size == 50257,
            "tiny-gpt2 loads with its tokenizer (50257 ids): %s", st ? ld_failure_reason() : "ok");
    if (st) return;
    /* the reference ids of the fixtures' README (Hugging Face tokenizers) */
    int ids[64], n = -1;
    static const int want[7] = { 31373, 50169, 233, 995, 12520, 234, 235 };
    st = ld_model_encode(&m, "hello \xf0\x9f\x91\x8b world \xf0\x9f\x8c\x8d", -1, 0, ids, 64, &n);
    CHECK_V(st == LD_OK && n == 7 && !memcmp(ids, want, sizeof want), "\"hello 👋 world 🌍\" → 31373 50169 233 995 12520 234 235");
    /* a dataset row: GPT-2's ids, and as many scored tokens as the tokenizer gives + eos */
    const char *row = "{\"prompt\": \"Hello, my dog\", \"completion\": \" is cute.\"}\n";
    ld_data_opts o;
    memset(&o, 0, sizeof o);
    o.tokenizer = m.tokenizer;
    ld_dataset ds;
    st = ld_dataset_parse_opts(&ds, row, strlen(row), &m.cfg, LD_DATA_PROBES, &o);
    int buf[64], x[16], xy[32];
    ld_seq s;
    int nx = enc(m.tokenizer, "Hello, my dog", x, 16), nxy = enc(m.tokenizer, "Hello, my dog is cute.", xy, 32);
    if (!st) st = ld_dataset_seq(&ds, 0, 1, 64, 0, &m.cfg, buf, &s);
    CHECK_V(st == LD_OK && nx == 4 && nxy == 7 && s.len == 9 && s.prompt_len == 5 && buf[0] == 50256 && buf[8] == 50256 &&
            !memcmp(buf + 1, xy, sizeof xy[0] * 7), "χ = [50256; %d ids of the prompt; %d of the response; 50256]: 4 scored tokens, not 10 bytes",
            nx, nxy - nx);
    if (!st) st = ld_forward(&m, &s, 1);
    CHECK(st == LD_OK && m.seq_logp[0] < 0 && m.seq_logp[0] > -4 * 11.0, "its log π(y|x) = %.4f over 4 tokens", m.seq_logp[0]);
    ld_dataset_free(&ds);
    /* the pair alone reads the same ids */
    const char *d = scratch("gpt2pair");
    char a[1300], b[1300];
    const char *files[] = { "config.json", "model.safetensors", "vocab.json", "merges.txt" };
    int ok = 1;
    for (int i = 0; i < 4; i++) {
        snprintf(a, sizeof a, GPT2 "/%s", files[i]);
        snprintf(b, sizeof b, "%s/%s", d, files[i]);
        ok &= copy_file(a, b) == 0;
    }
    ld_model p;
    st = ok ? ld_load(&p, d, 1, 64, 0) : LD_ERR_IO;
    int pi[64], pn = -1;
    CHECK_V(st == LD_OK && p.tokenizer && ld_model_encode(&p, "hello \xf0\x9f\x91\x8b world \xf0\x9f\x8c\x8d", -1, 0, pi, 64, &pn) == LD_OK &&
            pn == 7 && !memcmp(pi, want, sizeof want), "a copy with only vocab.json + merges.txt: the same ids");
    if (!st) {
        const char *d2 = scratch("gpt2pair_saved");
        CHECK(ld_save(&p, d2) == LD_OK, "save it: %s", ld_failure_reason());
        snprintf(a, sizeof a, "%s/merges.txt", d2);
        CHECK_V(same_file(a, GPT2 "/merges.txt"), "ld_save wrote GPT-2's merges.txt beside it, byte for byte");
        ld_model_free(&p);
    }
    /* the checkpoint without its tokenizer files: text is refused, naming them */
    snprintf(a, sizeof a, "%s/vocab.json", d);
    remove(a);
    snprintf(a, sizeof a, "%s/merges.txt", d);
    remove(a);
    st = ld_load(&p, d, 1, 64, 0);
    CHECK(st == LD_OK && p.tokenizer == NULL, "without its tokenizer files the checkpoint loads, with no tokenizer");
    if (!st) {
        ld_status se = ld_model_encode(&p, "Hello", -1, 0, ids, 64, &n);
        CHECK_V(se == LD_ERR_CONFIG && strstr(ld_failure_reason(), "tokenizer.json (or GPT-2's vocab.json + merges.txt)"),
                "… and refuses text instead of reading bytes as GPT-2 ids: %s", ld_failure_reason());
        o.tokenizer = p.tokenizer;
        se = ld_dataset_parse_opts(&ds, row, strlen(row), &p.cfg, LD_DATA_PROBES, &o);
        CHECK(se == LD_ERR_CONFIG && strstr(ld_failure_reason(), "vocab_size 50257"), "… in the loader too: %s", ld_failure_reason());
        ld_model_free(&p);
    }
    ld_model_free(&m);
}

/* ---- a reference model must read text as the policy does ---- */
static void test_ref_tokenizer(void) {
    ld_model m, r;
    if (small_model(&m, 640, 4, LD_TRAIN, 594)) { CHECK(0, "init: %s", ld_failure_reason()); return; }
    if (small_model(&r, 640, 4, 0, 594)) { CHECK(0, "init: %s", ld_failure_reason()); ld_model_free(&m); return; }
    ld_tokenizer *t = small_tok(), *t2 = small_tok(), *t3 = small_tok();
    if (!t || !t2 || !t3 || ld_model_set_tokenizer(&m, t)) {
        ld_tokenizer_free(t); ld_tokenizer_free(t2); ld_tokenizer_free(t3); ld_model_free(&m); ld_model_free(&r); return;
    }
    ld_data_opts o;
    memset(&o, 0, sizeof o);
    o.tokenizer = m.tokenizer;
    ld_dataset ds;
    ld_status st = ld_dataset_load_opts(&ds, "examples/data/pref.jsonl", &m.cfg, LD_DATA_PREF, &o);
    CHECK(st == LD_OK && ds.n > 0, "examples/data/pref.jsonl through the tokenizer: %s", ld_failure_reason());
    if (st) { ld_tokenizer_free(t2); ld_tokenizer_free(t3); ld_model_free(&m); ld_model_free(&r); return; }
    ld_optim opt;
    ld_optim_init(&opt, &m, NULL);
    ld_train_config tc;
    memset(&tc, 0, sizeof tc);
    tc.pref = 1; tc.batch = 2; tc.max_steps = 1;
    ld_trainer tr;
    st = ld_trainer_init(&tr, &m, &opt, &ds, &tc, &r);
    CHECK_V(st == LD_OK, "a reference without a tokenizer (made by ld_model_copy_params, say) is taken: its ids are the data's (%s)",
            st ? ld_failure_reason() : "ok");
    if (!st) ld_trainer_free(&tr);
    /* one token of another copy changed by one bit: not the same text */
    int id = 300, len = 0;
    if (ld_tokenizer_token_bytes(t3, id, &len) && len > 0) t3->tok_bytes[t3->tok_off[id]] ^= 1;
    CHECK(len > 0 && ld_model_set_tokenizer(&r, t3) == LD_OK, "reference tokenizer set");
    st = ld_trainer_init(&tr, &m, &opt, &ds, &tc, &r);
    CHECK_V(st == LD_ERR_ARG && strstr(ld_failure_reason(), "tokenizer"), "a reference whose token %d differs is refused: %s", id,
            ld_failure_reason());
    CHECK(ld_model_set_tokenizer(&r, t2) == LD_OK, "reference tokenizer set");
    st = ld_trainer_init(&tr, &m, &opt, &ds, &tc, &r);
    CHECK_V(st == LD_OK, "a reference with the same tokenizer, loaded again: accepted (%s)", st ? ld_failure_reason() : "ok");
    if (!st) {
        CHECK(ld_trainer_step(&tr) == LD_OK, "… and a DPO step runs: %s", ld_failure_reason());
        ld_trainer_free(&tr);
    }
    ld_optim_free(&opt);
    ld_dataset_free(&ds);
    ld_model_free(&m);
    ld_model_free(&r);
}

int main(int argc, char **argv) {
    if (argc > 1) snprintf(dir, sizeof dir, "%s", argv[1]);
    test_rule();
    test_model_text();
    test_dataset();
    test_save_load();
    test_train();
    test_ref_tokenizer();
    test_gpt2();
    return t_done();
}
