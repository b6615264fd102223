/* libFuzzer harness: ld_tokenizer_encode on any bytes, with the small
   tokenizer of tests/data (NFC, a prefix space, added tokens of every kind,
   bytes missing from its vocabulary), a variant of it with nothing that
   changes the text (Llama-3's pattern, no normalizer, no added tokens) and,
   when ../shared/fixtures is there, GPT-2's. Checks: invalid UTF-8 is
   refused at the first bad byte (found here independently) and nothing else
   is; ids lie in [0, V); encoding is deterministic; with the variant,
   decode(encode(x)) is x less the bytes the vocabulary lacks, and with
   GPT-2 it is x exactly; with any of them, decoding succeeds. Not part of
   make test.

   Build: make fuzz. Run from the repository root:
     ./build/fuzz_tokenizer_encode -max_len=16384 -max_total_time=300 CORPUS_DIR
   (inputs of 4 KiB and more take the word cache) */
#define LD_LLM_IMPLEMENTATION
#include "../ld_llm.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static ld_tokenizer *tk[3];
static int n_tk;

/* The first byte where s[0..n) stops being strict UTF-8, or n. */
static size_t first_bad(const unsigned char *s, size_t n) {
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        int k = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
        if (!k || i + (size_t)k > n) return i;
        unsigned cp = k == 1 ? c : c & (0x7Fu >> k);
        for (int q = 1; q < k; q++) {
            if ((s[i + q] & 0xC0) != 0x80) return i;
            cp = (cp << 6) | (s[i + q] & 0x3Fu);
        }
        if ((k == 2 && cp < 0x80) || (k == 3 && cp < 0x800) || (k == 4 && cp < 0x10000)) return i;
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
        i += (size_t)k;
    }
    return n;
}

static ld_tokenizer *must(const char *text, size_t n) {
    ld_tokenizer *t;
    if (ld_tokenizer_parse(&t, text, n)) { fprintf(stderr, "%s\n", ld_failure_reason()); exit(1); }
    return t;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc; (void)argv;
    char *text;
    size_t n;
    if (ld__read_file("tests/data/tok_small.json", 1 << 24, &text, &n)) { fprintf(stderr, "run from the repository root\n"); exit(1); }
    tk[n_tk++] = must(text, n);
    /* the variant: replace normalizer, pre_tokenizer and added_tokens */
    ld__json j;
    if (ld__json_parse(&j, text, n)) exit(1);
    const char *keys[3] = { "normalizer", "pre_tokenizer", "added_tokens" };
    const char *vals[3] = { "null",
        "{\"type\":\"Sequence\",\"pretokenizers\":[{\"type\":\"Split\",\"pattern\":{\"Regex\":\"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\\\r\\\\n\\\\p{L}\\\\p{N}]?\\\\p{L}+|\\\\p{N}{1,3}| ?[^\\\\s\\\\p{L}\\\\p{N}]+[\\\\r\\\\n]*|\\\\s*[\\\\r\\\\n]+|\\\\s+(?!\\\\S)|\\\\s+\"},\"behavior\":\"Isolated\",\"invert\":false},"
        "{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":true,\"use_regex\":false}]}", "[]" };
    size_t cap = n + 4096, len = 0;
    char *v = (char *)malloc(cap);
    int at = 0;
    /* copy, swapping the three values (they are top-level members) */
    int pos[3][2];
    for (int k = 0; k < 3; k++) {
        int x = ld__json_get(&j, 0, keys[k]);
        pos[k][0] = j.nodes[x].start; pos[k][1] = j.nodes[x].end;
    }
    for (int step = 0; step < 3; step++) {
        int k = 0;
        for (int q = 1; q < 3; q++) if (pos[q][0] >= at && (pos[k][0] < at || pos[q][0] < pos[k][0])) k = q;
        memcpy(v + len, text + at, (size_t)(pos[k][0] - at)); len += (size_t)(pos[k][0] - at);
        memcpy(v + len, vals[k], strlen(vals[k])); len += strlen(vals[k]);
        at = pos[k][1];
    }
    memcpy(v + len, text + at, n - (size_t)at); len += n - (size_t)at;
    tk[n_tk++] = must(v, len);
    free(v);
    ld__json_free(&j);
    free(text);
    if (!ld__read_file("../shared/fixtures/tiny-gpt2/tokenizer.json", 1 << 24, &text, &n)) { tk[n_tk++] = must(text, n); free(text); }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static int ids[1 << 16], ids2[1 << 16];
    static char out[1 << 17];
    size_t bad = first_bad(data, size);
    for (int k = 0; k < n_tk; k++) {
        int n = -1, n2;
        ld_status s = ld_tokenizer_encode(tk[k], (const char *)data, (long)size, 0, ids, 1 << 16, &n);
        if (bad < size) {
            char want[64];
            snprintf(want, sizeof want, "at byte %zu ", bad);
            if (s != LD_ERR_DATA || !strstr(ld_failure_reason(), want)) abort();
            continue;
        }
        if (s != LD_OK) abort();
        int V = ld_tokenizer_vocab_size(tk[k]);
        for (int i = 0; i < n; i++) if (ids[i] < 0 || ids[i] >= V) abort();
        if (ld_tokenizer_encode(tk[k], (const char *)data, (long)size, 0, ids2, 1 << 16, &n2) || n2 != n ||
            memcmp(ids, ids2, sizeof(int) * (size_t)n)) abort();
        size_t nb;
        if (ld_tokenizer_decode(tk[k], ids, n, 0, out, sizeof out, &nb)) abort();
        if (k == 0) continue;
        /* exact round trip: x, less the bytes the small vocabulary lacks */
        static unsigned char want[1 << 17];
        size_t w = 0;
        for (size_t i = 0; i < size; i++) {
            int missing = k == 1 && ((data[i] >= 1 && data[i] <= 5) || data[i] == 0x7F);
            if (!missing) want[w++] = data[i];
        }
        if (nb != w || memcmp(out, want, w)) abort();
        (void)ld_tokenizer_encode(tk[k], (const char *)data, (long)size, LD_TOK_SPECIAL_AS_TEXT, ids, 1 << 16, &n);
    }
    return 0;
}
