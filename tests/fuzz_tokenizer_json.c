/* libFuzzer harness: the tokenizer.json loader (ld_tokenizer_parse) on any
   bytes, and what a loaded tokenizer then does with a few texts. Checks: no
   crash, leak or hang; a refusal has a reason and leaves the output NULL; a
   loaded tokenizer has V > 0, encodes (ids in [0, V)), decodes what it
   encoded, and answers the same twice. Not part of make test.

   Build (clang 14+, from the repository root): make fuzz
   Seeds (the small tokenizer of tests/data and a few variants), then fuzz:
     mkdir -p /tmp/tokjson && LD_FUZZ_SEEDS=/tmp/tokjson ./build/fuzz_tokenizer_json
     ./build/fuzz_tokenizer_json -max_len=20000 -max_total_time=300 /tmp/tokjson */
#define LD_LLM_IMPLEMENTATION
#include "../ld_llm.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const texts[] = {
    "Hello world, it's 12345 <|endoftext|> caf\xC3\xA9 cafe\xCC\x81 \xE4\xB8\xAD\xE6\x96\x87 \xF0\x9F\x91\x8B\n\n  x",
    "   <mask>[R]  word sword wor\t\r\n\xC2\xA0\xE3\x80\x80", "", "a",
};

static void exercise(const ld_tokenizer *t) {
    int V = ld_tokenizer_vocab_size(t);
    if (V <= 0) abort();
    static int ids[1 << 14], ids2[1 << 14];
    static char out[1 << 17];
    for (size_t k = 0; k < sizeof texts / sizeof texts[0]; k++)
        for (int flags = 0; flags < 2; flags++) {
            int n = -1, n2 = -1;
            ld_status s = ld_tokenizer_encode(t, texts[k], -1, flags, ids, 1 << 14, &n);
            if (s != LD_OK) { if (s != LD_ERR_OOM && s != LD_ERR_LENGTH) abort(); continue; }
            for (int i = 0; i < n; i++) if (ids[i] < 0 || ids[i] >= V) abort();
            if (ld_tokenizer_encode(t, texts[k], -1, flags, ids2, 1 << 14, &n2) || n2 != n ||
                memcmp(ids, ids2, sizeof(int) * (size_t)n)) abort();       /* deterministic */
            size_t nb;
            s = ld_tokenizer_decode(t, ids, n, 0, out, sizeof out, &nb);
            if (s != LD_OK && s != LD_ERR_LENGTH) abort();
            for (int i = 0; i < n; i++) {
                char d[64];
                if (ld_tokenizer_token_display(t, ids[i], d, sizeof d) < 0) abort();
            }
        }
    ld_tokenizer_find(t, "<|endoftext|>");
    ld_tokenizer_is_special(t, 0);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc; (void)argv;
    const char *dir = getenv("LD_FUZZ_SEEDS");
    if (!dir) return 0;
    char *text;
    size_t n;
    if (ld__read_file("tests/data/tok_small.json", 1 << 24, &text, &n)) { fprintf(stderr, "run from the repository root\n"); exit(1); }
    char p[512];
    snprintf(p, sizeof p, "%s/small.json", dir);
    FILE *f = fopen(p, "wb");
    fwrite(text, 1, n, f);
    fclose(f);
    static const char *const small[] = {
        "{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0,\"b\":1,\"ab\":2,\"<0x61>\":3},\"merges\":[\"a b\"],\"byte_fallback\":true},"
        "\"normalizer\":{\"type\":\"Sequence\",\"normalizers\":[{\"type\":\"NFC\"}]},"
        "\"pre_tokenizer\":{\"type\":\"Sequence\",\"pretokenizers\":[{\"type\":\"Digits\",\"individual_digits\":true},"
        "{\"type\":\"Split\",\"invert\":false,\"pattern\":{\"Regex\":\"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\\\r\\\\n\\\\p{L}\\\\p{N}]?\\\\p{L}+|\\\\p{N}{1,3}| ?[^\\\\s\\\\p{L}\\\\p{N}]+[\\\\r\\\\n]*|\\\\s*[\\\\r\\\\n]+|\\\\s+(?!\\\\S)|\\\\s+\"},\"behavior\":\"Isolated\"},"
        "{\"type\":\"ByteLevel\",\"add_prefix_space\":true,\"trim_offsets\":true,\"use_regex\":false}]},"
        "\"decoder\":{\"type\":\"ByteLevel\",\"add_prefix_space\":true,\"trim_offsets\":true},"
        "\"added_tokens\":[{\"id\":4,\"content\":\"<s>\",\"special\":true,\"lstrip\":true,\"rstrip\":true,\"single_word\":false,\"normalized\":false},"
        "{\"id\":5,\"content\":\"ab\",\"single_word\":true,\"normalized\":true,\"special\":false,\"lstrip\":false,\"rstrip\":false}]}",
        "{\"model\":{\"vocab\":{\"a\":0,\"b\":1,\"ab\":2,\"<unk>\":3},\"merges\":[[\"a\",\"b\"]],\"unk_token\":\"<unk>\",\"fuse_unk\":true,\"ignore_merges\":true},"
        "\"pre_tokenizer\":{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":true},"
        "\"decoder\":{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":true},"
        "\"post_processor\":{\"type\":\"TemplateProcessing\"}}",
    };
    for (int i = 0; i < 2; i++) {
        snprintf(p, sizeof p, "%s/mini%d.json", dir, i);
        f = fopen(p, "wb");
        fwrite(small[i], 1, strlen(small[i]), f);
        fclose(f);
    }
    free(text);
    printf("seeds written to %s\n", dir);
    exit(0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    ld_tokenizer *t = (ld_tokenizer *)1;
    ld_status s = ld_tokenizer_parse(&t, (const char *)data, size);
    if (s != LD_OK) {
        if (t != NULL || !ld_failure_reason()[0]) abort();
        return 0;
    }
    exercise(t);
    ld_tokenizer_free(t);
    return 0;
}
