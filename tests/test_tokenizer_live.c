/* The tokenizer against Hugging Face `tokenizers` live: tools/tok_reference.js
   makes a few thousand seeded random strings (pieces of every script,
   whitespace kind, combining marks, digits, emoji, special tokens and random
   code points) and their ids under every tokenizer present; this compares
   them id for id, with special tokens read as text too, and decoded.
   Needs node and the npm package @anush008/tokenizers (found through
   NODE_PATH); without them it says it skipped.

     build/test_tokenizer_live SCRATCH_DIR [SEED [COUNT]]   (3000 strings, seed 1) */
#define _POSIX_C_SOURCE 200809L
#define LD_LLM_IMPLEMENTATION
#include "../ld_llm.h"
#include "t.h"
#include "tok_common.h"

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : ".";
    int seed = argc > 2 ? atoi(argv[2]) : 1, count = argc > 3 ? atoi(argv[3]) : 3000;
    if (system("node -e \"require(process.env.LD_TOKENIZERS_JS || '@anush008/tokenizers')\" >/dev/null 2>&1") != 0) {
        printf("test_tokenizer_live: skipped: node or its package @anush008/tokenizers not found (set NODE_PATH)\n");
        return 0;
    }
    char out[1024], cmd[1400];
    snprintf(out, sizeof out, "%s/tok_live.json", dir);
    snprintf(cmd, sizeof cmd, "node tools/tok_reference.js live %d %d '%s'", seed, count, out);
    if (system(cmd) != 0) { CHECK(0, "%s failed", cmd); return t_done(); }
    size_t n;
    char *text = tc_read(out, &n);
    ld__json ref;
    CHECK(text && !ld__json_parse(&ref, text, n), "%s parses", out);
    if (!text) return t_done();
    int strs = ld__json_get(&ref, 0, "strings"), toks = ld__json_get(&ref, 0, "tokenizers");
    int total = 0, same = 0, plain = 0, dec = 0, nt = 0;
    for (int c = toks + 1, i = 0; i < ref.nodes[toks].n; i++, c = ref.nodes[c].skip) {
        char name[64];
        const char *file;
        int absent;
        ld__json_str(&ref, ld__json_get(&ref, c, "name"), name, 63);
        ld_tokenizer *t = tc_load(&ref, c, &absent, &file);
        CHECK(t != NULL, "%s loads", name);
        if (!t) continue;
        tc_score sc = tc_compare(t, &ref, c, &ref, strs, name);
        CHECK_V(sc.same == sc.strings && sc.plain_same == sc.strings && sc.decoded_same == sc.strings,
                "%-20s %d/%d id for id, %d/%d with special tokens as text, %d/%d decoded",
                name, sc.same, sc.strings, sc.plain_same, sc.strings, sc.decoded_same, sc.strings);
        total += sc.strings; same += sc.same; plain += sc.plain_same; dec += sc.decoded_same; nt++;
        ld_tokenizer_free(t);
    }
    printf("live agreement (seed %d): %d tokenizers, %d strings: %d id for id, %d with special tokens as text, %d decoded\n",
           seed, nt, total, same, plain, dec);
    ld__json_free(&ref);
    free(text);
    remove(out);
    return t_done();
}
