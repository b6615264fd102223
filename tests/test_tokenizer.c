/* The tokenizer against Hugging Face `tokenizers` (reference ids from
   tools/tok_reference.js in tests/data/tok_ref.json): every string of
   tests/data/tok_corpus.json under every tokenizer, id for id, with special
   tokens read as plain text too, and decoded back. The real files (GPT-2,
   Pythia, SmolLM2 and variants of GPT-2's) come from ../shared/fixtures and
   are skipped, saying so, when it is absent; the small tokenizer of
   tests/data/tok_small.json is always there. Then the parts one by one:
   the BPE rule, NFC, the display strings, the GPT-2 pair, bad input.      */
#define LD_LLM_IMPLEMENTATION
#include "../ld_llm.h"
#include "t.h"
#include "tok_common.h"

static int same_ids(const int *a, int na, const int *b, int nb) {
    return na == nb && !memcmp(a, b, sizeof(int) * (size_t)na);
}

static int encode(const ld_tokenizer *t, const char *s, int *ids, int cap) {
    int n = -1;
    if (ld_tokenizer_encode(t, s, -1, 0, ids, cap, &n)) return -1;
    return n;
}

/* ld_tokenizer_encode without its word cache (the cache must change nothing). */
static int encode_nocache(const ld_tokenizer *t, const char *s, size_t n, int *ids, int cap) {
    ld__enc e;
    memset(&e, 0, sizeof e);
    e.t = t;
    int k = -1;
    if (!ld__added_split(&e, &t->trie_raw, (const unsigned char *)s, n, ld__enc_norm) && e.n <= (size_t)cap) {
        memcpy(ids, e.ids, e.n * sizeof(int));
        k = (int)e.n;
    }
    ld__enc_free(&e);
    return k;
}

/* The corpus joined into one long text: encoded with the cache (it is over
   4 KiB) and without, the ids must be the same. */
static void check_cache(const ld_tokenizer *t, const ld__json *cor, const char *name) {
    static char text[1 << 17];
    size_t w = 0;
    for (int rep = 0; rep < 3; rep++)
        for (int c = 1, i = 0; i < cor->nodes[0].n; i++, c = cor->nodes[c].skip) {
            long k = ld__json_str(cor, c, text + w, sizeof text - w - 3);
            if (k < 0) break;
            w += (size_t)k;
            text[w++] = '\n';
        }
    static int a[1 << 16], b[1 << 16];
    int na = -1, nb = encode_nocache(t, text, w, b, 1 << 16);
    ld_status st = ld_tokenizer_encode(t, text, (long)w, 0, a, 1 << 16, &na);
    CHECK(w > LD__CACHE_MIN && st == LD_OK && nb > 0 && same_ids(a, na, b, nb),
          "%s: a %zu-byte text encodes the same with and without the word cache (%d ids)", name, w, na);
}

/* ---- against the reference ---- */
static void check_reference(void) {
    size_t rn, cn;
    char *rtext = tc_read("tests/data/tok_ref.json", &rn), *ctext = tc_read("tests/data/tok_corpus.json", &cn);
    CHECK(rtext && ctext, "tests/data/tok_ref.json and tok_corpus.json are readable (run from the repository root)");
    if (!rtext || !ctext) { free(rtext); free(ctext); return; }
    ld__json ref, cor;
    CHECK(!ld__json_parse(&ref, rtext, rn) && !ld__json_parse(&cor, ctext, cn), "reference files parse");
    int toks = ld__json_get(&ref, 0, "tokenizers");
    int total = 0, total_same = 0, total_plain = 0, total_dec = 0, n_tok = 0, skipped = 0;
    for (int c = toks + 1, i = 0; i < ref.nodes[toks].n; i++, c = ref.nodes[c].skip) {
        char name[64];
        const char *file;
        int absent;
        ld__json_str(&ref, ld__json_get(&ref, c, "name"), name, 63);
        ld_tokenizer *t = tc_load(&ref, c, &absent, &file);
        if (absent) {
            printf("%s: skipped: %s is absent\n", name, file);
            skipped++;
            continue;
        }
        CHECK(t != NULL, "%s loads", name);
        if (!t) continue;
        tc_score sc = tc_compare(t, &ref, c, &cor, 0, name);
        CHECK_V(sc.same == sc.strings && sc.plain_same == sc.strings && sc.decoded_same == sc.strings,
                "%-20s %d/%d id for id, %d/%d with special tokens as text, %d/%d decoded as the library does",
                name, sc.same, sc.strings, sc.plain_same, sc.strings, sc.decoded_same, sc.strings);
        total += sc.strings; total_same += sc.same; total_plain += sc.plain_same; total_dec += sc.decoded_same;
        n_tok++;
        check_cache(t, &cor, name);

        /* GPT-2's original pair gives what its tokenizer.json gives */
        if (!strcmp(name, "gpt2")) {
            ld_tokenizer *p = NULL;
            ld_status st = ld_tokenizer_load_gpt2(&p, "../shared/fixtures/tiny-gpt2/vocab.json", "../shared/fixtures/tiny-gpt2/merges.txt");
            CHECK(st == LD_OK, "GPT-2's vocab.json + merges.txt load: %s", st ? ld_failure_reason() : "");
            if (p) {
                tc_score sp = tc_compare(p, &ref, c, &cor, 0, "gpt2 pair");
                CHECK_V(sp.same == sp.strings && sp.plain_same == sp.strings && sp.decoded_same == sp.strings,
                        "%-20s %d/%d id for id from vocab.json + merges.txt", "gpt2 (pair)", sp.same, sp.strings);
                CHECK(ld_tokenizer_vocab_size(p) == 50257 && ld_tokenizer_find(p, "<|endoftext|>") == 50256 &&
                      ld_tokenizer_is_special(p, 50256), "the pair: V = 50257, <|endoftext|> = 50256, special");
                ld_tokenizer_free(p);
            }
            ld_tokenizer *d = NULL;
            CHECK(ld_tokenizer_load_dir(&d, "../shared/fixtures/tiny-gpt2") == LD_OK && ld_tokenizer_vocab_size(d) == 50257,
                  "ld_tokenizer_load_dir finds tiny-gpt2's tokenizer.json");
            ld_tokenizer_free(d);
            /* the fixture README's known ids */
            int ids[64];
            static const int want[7] = { 31373, 50169, 233, 995, 12520, 234, 235 };
            CHECK(same_ids(ids, encode(t, "hello \xF0\x9F\x91\x8B world \xF0\x9F\x8C\x8D", ids, 64), want, 7), "GPT-2: hello 👋 world 🌍");
            char disp[64];
            int g = ld_tokenizer_find(t, "\xC4\xA0world");   /* "Ġworld" */
            CHECK(g == 995 && ld_tokenizer_token_display(t, g, disp, sizeof disp) == 6 && !strcmp(disp, " world"),
                  "GPT-2: Ġworld is id 995, shown \" world\" (got \"%s\")", disp);
            CHECK(ld_tokenizer_token_display(t, 198, disp, sizeof disp) == 2 && !strcmp(disp, "\\n"), "GPT-2: id 198 (Ċ) shown \\n");
            CHECK(ld_tokenizer_token_display(t, 12520, disp, sizeof disp) == 9 && !strcmp(disp, " \\xf0\\x9f"),
                  "GPT-2: half an emoji shown with \\x escapes (got \"%s\")", disp);
        }
        if (!strcmp(name, "pythia")) {
            int ids[64];
            static const int want[3] = { 12092, 50276, 10186 };
            CHECK(same_ids(ids, encode(t, "Hello  world", ids, 64), want, 3), "Pythia: Hello  world");
            CHECK(ld_tokenizer_vocab_size(t) == 50277 && ld_tokenizer_find(t, "<|padding|>") == 1, "Pythia: V = 50277, <|padding|> = 1");
        }
        ld_tokenizer_free(t);
    }
    printf("agreement: %d tokenizers, %d strings: %d id for id, %d with special tokens as text, %d decoded (%d tokenizer(s) skipped)\n",
           n_tok, total, total_same, total_plain, total_dec, skipped);
    ld__json_free(&ref);
    ld__json_free(&cor);
    free(rtext);
    free(ctext);
}

/* ---- the BPE rule: the short and the long way agree ---- */
static void check_bpe_ways(void) {
    size_t n;
    char *text = tc_read("tests/data/tok_small.json", &n);
    ld_tokenizer *t = NULL;
    CHECK(text && !ld_tokenizer_parse(&t, text, n), "the small tokenizer loads");
    free(text);
    if (!t) return;
    ld__enc e;
    memset(&e, 0, sizeof e);
    e.t = t;
    ld_rng r;
    ld_rng_seed(&r, 11);
    int agree = 0, words = 0, merged = 0;
    static const char alpha[] = "the quick brown fox jumps over lazy dog 0123 e";
    for (int w = 0; w < 3000; w++) {
        int m = 1 + (int)(ld_rng_u32(&r) % 200);
        if (ld__sym_reserve(&e, (size_t)m + 2)) break;
        int a[256];
        for (int i = 0; i < m; i++) a[i] = t->byte_id[(unsigned char)alpha[ld_rng_u32(&r) % (sizeof alpha - 1)]];
        memcpy(e.sym, a, sizeof(int) * (size_t)m);
        int k1 = ld__bpe_short(t, e.sym, e.rank, e.nid, e.next, m);
        int s1[256];
        memcpy(s1, e.sym, sizeof(int) * (size_t)k1);
        memcpy(e.sym, a, sizeof(int) * (size_t)m);
        int k2 = ld__bpe_long(&e, m);
        words++;
        agree += k1 == k2 && !memcmp(s1, e.sym, sizeof(int) * (size_t)k1);
        merged += k1 < m;
    }
    CHECK_V(agree == words && merged > words / 2, "BPE by scan and by heap agree on %d/%d random words (%d merged)", agree, words, merged);
    ld__enc_free(&e);

    /* a merge's rank is its position: the lowest rank goes first */
    int ids[64], nids;
    CHECK(ld_tokenizer_encode(t, "the", -1, 0, ids, 64, &nids) == LD_OK && nids == 1 && ids[0] == ld_tokenizer_find(t, "\xC4\xA0the"),
          "\"the\" (a prefix space added) is the token Ġthe");
    ld_tokenizer_free(t);
}

/* ---- NFC ---- */
static void check_nfc(void) {
    static const struct { const char *in, *out; } c[] = {
        { "cafe\xCC\x81", "caf\xC3\xA9" },                          /* e + ◌́ → é */
        { "a\xCC\xA3\xCC\x82", "\xE1\xBA\xAD" },                   /* a ◌̣ ◌̂ → ậ */
        { "a\xCC\x82\xCC\xA3", "\xE1\xBA\xAD" },                   /* reordered first */
        { "\xE2\x84\xAB", "\xC3\x85" },                             /* Å (angstrom) → Å */
        { "\xE1\x84\x80\xE1\x85\xA1\xE1\x86\xA8", "\xEA\xB0\x81" }, /* ᄀ ᅡ ᆨ → 각 */
        { "\xEA\xB0\x80\xE1\x86\xA8", "\xEA\xB0\x81" },             /* 가 ᆨ → 각 */
        { "\xE0\xA5\x98", "\xE0\xA4\x95\xE0\xA4\xBC" },             /* क़: excluded from composition */
        { "\xEF\xAC\x81", "\xEF\xAC\x81" },                         /* ﬁ: compatibility, kept */
        { "\xCC\x81x", "\xCC\x81x" },                               /* a mark with nothing before it */
        /* U+1DFA (class 218 since Unicode 14) is class 0 in the 9.0 tables the
           reference uses: it blocks, and nothing is reordered across it */
        { "a\xE1\xB7\xBA\xCC\x96", "a\xE1\xB7\xBA\xCC\x96" },
    };
    ld__buf out;
    ld__cps cps;
    memset(&out, 0, sizeof out);
    memset(&cps, 0, sizeof cps);
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        int ok = !ld__nfc(&out, &cps, (const unsigned char *)c[i].in, strlen(c[i].in)) && out.n == strlen(c[i].out) &&
                 !memcmp(out.p, c[i].out, out.n);
        CHECK(ok, "NFC case %d", (int)i);
    }
    /* a long run of marks takes the per-class sort: same as sorting by hand */
    char in[400];
    int w = 0;
    in[w++] = 'x';
    for (int k = 0; k < 60; k++) {
        const char *m = k % 3 == 0 ? "\xCC\x81" : k % 3 == 1 ? "\xCC\xA3" : "\xCC\xA7";   /* 230, 220, 202 */
        memcpy(in + w, m, 2); w += 2;
    }
    CHECK(!ld__nfc(&out, &cps, (const unsigned char *)in, (size_t)w), "NFC of a long run");
    /* x, then the class-202 cedillas can compose with x? none does: expect 20×◌̧, 20×◌̣, 20×◌́ */
    int ok = out.n == (size_t)w && out.p[0] == 'x';
    for (int k = 0; k < 60 && ok; k++) {
        const char *m = k < 20 ? "\xCC\xA7" : k < 40 ? "\xCC\xA3" : "\xCC\x81";
        ok = !memcmp(out.p + 1 + 2 * k, m, 2);
    }
    CHECK(ok, "NFC sorts a run of 60 marks stably by class");
    LD_FREE(out.p); LD_FREE(cps.cp); LD_FREE(cps.cc);
    CHECK(!strcmp(LD__UNICODE_VERSION, "16.0.0") && !strcmp(LD__UNICODE_NFC_VERSION, "9.0"), "the Unicode tables' versions");
}

/* ---- bad input: errors with reasons, nothing changed, nothing leaked ---- */
static int refused(const char *json, ld_status want, const char *words) {
    ld_tokenizer *t = (ld_tokenizer *)1;
    ld_status st = ld_tokenizer_parse(&t, json, strlen(json));
    int ok = st == want && t == NULL && strstr(ld_failure_reason(), words) != NULL;
    if (!ok) printf("  got %d (%s) for %.60s\n", (int)st, ld_failure_reason(), json);
    return ok;
}

#define TJ(model, rest) "{\"model\":{\"type\":\"BPE\"," model "}," rest "}"
#define BL "{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":true}"
#define DEC "\"decoder\":" BL
#define OKREST "\"pre_tokenizer\":" BL "," DEC
#define ADDED(id, content, special) "{\"id\":" #id ",\"content\":\"" content "\",\"special\":" special \
    ",\"single_word\":false,\"lstrip\":false,\"rstrip\":false,\"normalized\":false}"
#define VOCAB "\"vocab\":{\"a\":0,\"b\":1,\"ab\":2}"

static void check_bad_input(void) {
    ld_tokenizer *t = NULL;
    const char *good = TJ(VOCAB ",\"merges\":[\"a b\"]", OKREST);
    CHECK(ld_tokenizer_parse(&t, good, strlen(good)) == LD_OK, "a minimal tokenizer.json loads: %s", ld_failure_reason());
    if (t) {
        int ids[8] = { 99, 99, 99, 99, 99, 99, 99, 99 }, n = -1;
        CHECK(ld_tokenizer_encode(t, "ab", -1, 0, ids, 8, &n) == LD_OK && n == 1 && ids[0] == 2, "minimal: ab → 2");
        ld_status st = ld_tokenizer_encode(t, "ab\xC3", 3, 0, ids, 8, &n);
        CHECK(st == LD_ERR_DATA && strstr(ld_failure_reason(), "at byte 2"), "invalid UTF-8 is refused, at byte 2: %s", ld_failure_reason());
        st = ld_tokenizer_encode(t, "a\xED\xA0\x80", -1, 0, ids, 8, &n);
        CHECK(st == LD_ERR_DATA && strstr(ld_failure_reason(), "at byte 1"), "a surrogate in UTF-8 is refused, at byte 1");
        ids[0] = 99;
        st = ld_tokenizer_encode(t, "ababab", -1, 0, ids, 2, &n);
        CHECK(st == LD_ERR_LENGTH && n == 3 && ids[0] == 99, "too small a capacity: LD_ERR_LENGTH, the count needed, ids untouched");
        char out[16] = "untouched";
        size_t nb;
        int bad[3] = { 0, 7, 1 };
        st = ld_tokenizer_decode(t, bad, 3, 0, out, sizeof out, &nb);
        CHECK(st == LD_ERR_TOKEN && strstr(ld_failure_reason(), "id 7 at position 1") && !strcmp(out, "untouched"),
              "decode of an id outside the vocabulary: %s", ld_failure_reason());
        int neg[1] = { -1 };
        CHECK(ld_tokenizer_decode(t, neg, 1, 0, out, sizeof out, &nb) == LD_ERR_TOKEN, "decode of id -1 is refused");
        int okids[2] = { 2, 0 };
        CHECK(ld_tokenizer_decode(t, okids, 2, 0, out, 3, &nb) == LD_ERR_LENGTH && nb == 3, "decode into too small a buffer");
        CHECK(ld_tokenizer_decode(t, okids, 2, 0, out, 4, &nb) == LD_OK && !strcmp(out, "aba"), "decode 2 0 → aba");
        CHECK(ld_tokenizer_token_display(t, 5, out, sizeof out) == -1 && ld_tokenizer_token_bytes(t, 5, NULL) == NULL,
              "display and bytes of an id outside: -1, NULL");
        ld_tokenizer_free(t);
    }
    CHECK(refused(TJ(VOCAB ",\"merges\":[\"a c\"]", OKREST), LD_ERR_FORMAT, "\"c\" is not in the vocabulary"), "a merge of an unknown token");
    CHECK(refused(TJ("\"vocab\":{\"a\":0,\"b\":1},\"merges\":[\"a b\"]", OKREST), LD_ERR_FORMAT, "the two joined"), "a merge whose result is unknown");
    CHECK(refused(TJ("\"vocab\":{\"a\":0,\"a\":1},\"merges\":[]", OKREST), LD_ERR_FORMAT, "appears twice"), "a key given twice");
    CHECK(refused(TJ("\"vocab\":{\"a\":0,\"b\":0},\"merges\":[]", OKREST), LD_ERR_FORMAT, "two vocabulary keys"), "an id given twice");
    CHECK(refused(TJ("\"vocab\":{\"a\":-1},\"merges\":[]", OKREST), LD_ERR_FORMAT, "not an integer"), "a negative id");
    CHECK(refused(TJ("\"vocab\":{\"a\":16777216},\"merges\":[]", OKREST), LD_ERR_FORMAT, "not an integer in [0, 16777216)"), "an id of 2^24");
    CHECK(refused(TJ("\"vocab\":{\"a\":0,\"b\":99999},\"merges\":[]", OKREST), LD_ERR_FORMAT, "more holes than tokens"), "an absurdly sparse vocabulary");
    CHECK(refused(TJ("\"vocab\":{\"a\":0.5},\"merges\":[]", OKREST), LD_ERR_FORMAT, "not an integer"), "a fractional id");
    CHECK(refused(TJ(VOCAB ",\"merges\":[\"a b c\"]", OKREST), LD_ERR_FORMAT, "one space between"), "a merge of three");
    CHECK(refused(TJ(VOCAB ",\"merges\":[\"a b\",[\"a\",\"b\"]]", OKREST), LD_ERR_FORMAT, "like the others"), "merges in both forms at once");
    CHECK(refused(TJ(VOCAB ",\"merges\":[[\"a\"]]", OKREST), LD_ERR_FORMAT, "pair of strings"), "a merge pair of one");
    CHECK(refused("{\"model\":{\"type\":\"WordPiece\",\"vocab\":{}}}", LD_ERR_FORMAT, "\"WordPiece\" is not supported"), "WordPiece, by name");
    CHECK(refused("{\"model\":{\"type\":\"Unigram\",\"vocab\":[]}}", LD_ERR_FORMAT, "\"Unigram\" is not supported"), "Unigram, by name");
    CHECK(refused(TJ(VOCAB ",\"merges\":[],\"dropout\":0.1", OKREST), LD_ERR_FORMAT, "dropout"), "BPE dropout");
    CHECK(refused(TJ(VOCAB ",\"merges\":[],\"continuing_subword_prefix\":\"##\"", OKREST), LD_ERR_FORMAT, "continuing_subword_prefix"), "a subword prefix");
    CHECK(refused(TJ(VOCAB ",\"merges\":[]", "\"normalizer\":{\"type\":\"NFKC\"}," OKREST), LD_ERR_FORMAT, "normalizer \"NFKC\""), "NFKC, by name");
    CHECK(refused(TJ(VOCAB ",\"merges\":[]", "\"normalizer\":{\"type\":\"Sequence\",\"normalizers\":[{\"type\":\"NFC\"},{\"type\":\"Lowercase\"}]}," OKREST),
                  LD_ERR_FORMAT, "\"Lowercase\""), "Lowercase inside a Sequence, by name");
    CHECK(refused(TJ(VOCAB ",\"merges\":[]", "\"pre_tokenizer\":{\"type\":\"Metaspace\"}," DEC), LD_ERR_FORMAT,
                  "\"Metaspace\" is not supported"), "Metaspace, by name");
    CHECK(refused(TJ(VOCAB ",\"merges\":[]", "\"pre_tokenizer\":{\"type\":\"Split\",\"pattern\":{\"Regex\":\"\\\\w+\"},\"behavior\":\"Isolated\",\"invert\":false}," DEC), LD_ERR_FORMAT, "pattern \"\\w+\" is not supported"), "an unknown Split pattern, shown");
    CHECK(refused(TJ(VOCAB ",\"merges\":[]", "\"pre_tokenizer\":{\"type\":\"Split\",\"pattern\":{\"Regex\":\"x\"},\"behavior\":\"Removed\",\"invert\":false}," DEC), LD_ERR_FORMAT, "behavior \"Removed\""), "a Split behaviour other than Isolated");
    CHECK(refused(TJ(VOCAB ",\"merges\":[]", "\"pre_tokenizer\":{\"type\":\"Digits\",\"individual_digits\":true}," DEC), LD_ERR_FORMAT,
                  "no ByteLevel step"), "no ByteLevel pre-tokenizer");
    CHECK(refused(TJ(VOCAB ",\"merges\":[]", "\"pre_tokenizer\":{\"type\":\"Sequence\",\"pretokenizers\":[" BL ",{\"type\":\"Digits\",\"individual_digits\":true}]}," DEC), LD_ERR_FORMAT, "after ByteLevel"), "a step after ByteLevel");
    CHECK(refused(TJ(VOCAB ",\"merges\":[]", "\"pre_tokenizer\":" BL ",\"decoder\":{\"type\":\"WordPiece\"}"), LD_ERR_FORMAT,
                  "decoder \"WordPiece\""), "a WordPiece decoder, by name");
    CHECK(refused(TJ(VOCAB ",\"merges\":[]", OKREST ",\"post_processor\":{\"type\":\"Mystery\"}"), LD_ERR_FORMAT, "post-processor \"Mystery\""),
          "an unknown post-processor, by name");
    CHECK(refused(TJ(VOCAB ",\"merges\":[],\"unk_token\":\"<unk>\"", OKREST), LD_ERR_FORMAT, "unk_token \"<unk>\" is not in the vocabulary"), "a missing unk");
    CHECK(refused(TJ(VOCAB ",\"merges\":[]", OKREST ",\"added_tokens\":[" ADDED(3, "x", "true") "," ADDED(4, "x", "false") "]"), LD_ERR_FORMAT, "given twice"), "an added token twice, differently");
    CHECK(refused(TJ(VOCAB ",\"merges\":[]", OKREST ",\"added_tokens\":[" ADDED(-3, "x", "false") "]"), LD_ERR_FORMAT, "\"id\" is not an integer"),
          "an added token's negative id");
    CHECK(refused(TJ("\"vocab\":{\"a\":0,\"b\":2},\"merges\":[]", OKREST ",\"added_tokens\":[" ADDED(9, "x", "false") "]"), LD_ERR_FORMAT,
                  "would get id 2"), "an added token's id taken by the vocabulary");
    CHECK(refused(TJ(VOCAB ",\"merges\":[]", "\"pre_tokenizer\":{\"type\":\"ByteLevel\",\"trim_offsets\":true}," DEC), LD_ERR_FORMAT,
                  "add_prefix_space and trim_offsets must be there"), "ByteLevel without add_prefix_space (the library refuses it too)");
    CHECK(refused(TJ(VOCAB ",\"merges\":[]", OKREST ",\"added_tokens\":[{\"id\":3,\"content\":\"x\",\"special\":true}]"), LD_ERR_FORMAT,
                  "must be there"), "an added token without its options (the library refuses it too)");
    CHECK(refused("{\"model\":", LD_ERR_FORMAT, "unexpected end of JSON"), "a truncated file");
    CHECK(refused("[1,2]", LD_ERR_FORMAT, "not a JSON object"), "not an object");
    CHECK(refused("{}", LD_ERR_FORMAT, "no \"model\""), "no model");
    CHECK(refused(TJ("\"merges\":[]", OKREST), LD_ERR_FORMAT, "vocabulary is not an object"), "no vocabulary");
    /* 100 000-deep JSON */
    char *deep = (char *)malloc(200002);
    for (int i = 0; i < 100000; i++) { deep[i] = '['; deep[199999 - i] = ']'; }
    deep[200000] = 0;
    CHECK(refused(deep, LD_ERR_FORMAT, "nested too deeply"), "100 000-deep JSON");
    free(deep);
    /* an added token over 4096 bytes */
    char *big = (char *)malloc(6000);
    int w = sprintf(big, "%s", "{\"model\":{\"type\":\"BPE\"," VOCAB ",\"merges\":[]}," OKREST ",\"added_tokens\":[{\"id\":3,\"special\":false,\"single_word\":false,\"lstrip\":false,\"rstrip\":false,"
                "\"normalized\":false,\"content\":\"");
    memset(big + w, 'x', 5000); w += 5000;
    strcpy(big + w, "\"}]}");
    CHECK(refused(big, LD_ERR_FORMAT, "more than 4096"), "an added token of 5000 bytes");
    free(big);
    /* every cut of a real-looking file is refused with a reason, or loads */
    size_t n;
    char *text = tc_read("tests/data/tok_small.json", &n);
    int cuts = 0, ok = 1;
    for (size_t k = 0; text && k < n; k += 1 + k / 40) {
        ld_tokenizer *q = NULL;
        ld_status st = ld_tokenizer_parse(&q, text, k);
        if (st == LD_OK) ld_tokenizer_free(q);
        else ok &= st == LD_ERR_FORMAT && ld_failure_reason()[0] && q == NULL;
        cuts++;
    }
    CHECK(ok && cuts > 100, "%d truncations of tok_small.json each refused with a reason", cuts);
    free(text);
    CHECK(ld_tokenizer_parse(NULL, "{}", 2) == LD_ERR_ARG && ld_tokenizer_encode(NULL, "x", 1, 0, NULL, 0, &w) == LD_ERR_ARG,
          "NULL arguments are LD_ERR_ARG");
    ld_tokenizer_free(NULL);
    ld_tokenizer *d = (ld_tokenizer *)1;
    CHECK(ld_tokenizer_load_dir(&d, "tests") == LD_ERR_MISSING && d == NULL && strstr(ld_failure_reason(), "no tokenizer.json"),
          "a directory without a tokenizer: LD_ERR_MISSING, saying what it looked for");
    CHECK(ld_tokenizer_load(&d, "tests/data/no_such_file.json") == LD_ERR_IO, "a missing file: LD_ERR_IO");
}

/* ---- added tokens: the library's rules, case by case (derived by hand
   from its find_matches; the small tokenizer's ids) ---- */
static void check_added(void) {
    size_t n;
    char *text = tc_read("tests/data/tok_small.json", &n);
    ld_tokenizer *t = NULL;
    CHECK(text && !ld_tokenizer_parse(&t, text, n), "the small tokenizer loads");
    free(text);
    if (!t) return;
    int eot = ld_tokenizer_find(t, "<|endoftext|>"), mask = ld_tokenizer_find(t, "<mask>"), the = ld_tokenizer_find(t, "\xC4\xA0the");
    int wor = ld_tokenizer_find(t, "wor");
    CHECK(eot == 594 && mask == 595 && the == 252 && wor == 600 && ld_tokenizer_find(t, "[R]") == 597,
          "added ids as the library gives them: new ones from V, one in the vocabulary keeps its id, the file's wrong id ignored");
    CHECK(ld_tokenizer_is_special(t, eot) && !ld_tokenizer_is_special(t, wor) && !ld_tokenizer_is_special(t, 5), "special flags");
    CHECK(ld_tokenizer_vocab_size(t) == 601, "V = 601");
    int ids[64], k;
    /* as plain text, <|endoftext|> goes through BPE; "|>" is no longer cut */
    CHECK(ld_tokenizer_encode(t, "<|endoftext|>", -1, LD_TOK_SPECIAL_AS_TEXT, ids, 64, &k) == LD_OK && k > 1, "special as text: BPE pieces");
    char out[64];
    size_t nb;
    int two[2] = { eot, 0 };
    CHECK(ld_tokenizer_decode(t, two, 2, LD_TOK_SKIP_SPECIAL, out, sizeof out, &nb) == LD_OK && nb == 1, "decode can leave special tokens out");
    ld_tokenizer_free(t);
}

int main(void) {
    check_reference();
    check_bpe_ways();
    check_nfc();
    check_added();
    check_bad_input();
    return t_done();
}
