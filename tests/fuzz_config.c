/* libFuzzer harness: the JSON parser (ld__json_parse / _get / _str / _u64 /
   _num, called directly on the raw bytes) and ld_load_config (the same
   bytes written as a config.json). Checks: no crash, leak or hang; the
   node tree is consistent (spans inside the text, skip links forward);
   every decoded string is valid UTF-8; a failed load has a reason; a
   loaded config passes ld_config_check. Not part of make test.

   Build (clang 14+, from the repository root):
     clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
           tests/fuzz_config.c -o build/fuzz_config -lm
   Seeds (the config.json of ld_save, a Hugging Face gpt2 config, JSON
   with escapes), then fuzz:
     mkdir -p /tmp/cfg_corpus && LD_FUZZ_SEEDS=/tmp/cfg_corpus ./build/fuzz_config
     ./build/fuzz_config -max_len=4096 -max_total_time=300 /tmp/cfg_corpus */
#define LD_LLM_IMPLEMENTATION
#include "../ld_llm.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char path[64];

static void spit(const char *p, const void *b, size_t n) {
    FILE *f = fopen(p, "wb");
    if (!f || fwrite(b, 1, n, f) != n) abort();
    fclose(f);
}

/* Strict UTF-8 (no overlongs, surrogates or values past U+10FFFF). */
static int valid_utf8(const unsigned char *s, long n) {
    for (long i = 0; i < n;) {
        unsigned c = s[i];
        int k = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
        if (!k || i + k > n) return 0;
        unsigned cp = k == 1 ? c : c & (0x7F >> k);
        for (int q = 1; q < k; q++) {
            if ((s[i + q] & 0xC0) != 0x80) return 0;
            cp = (cp << 6) | (s[i + q] & 0x3F);
        }
        if ((k == 2 && cp < 0x80) || (k == 3 && cp < 0x800) || (k == 4 && cp < 0x10000)) return 0;
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
        i += k;
    }
    return 1;
}

static void check_json(const char *src, size_t len) {
    ld__json j;
    if (ld__json_parse(&j, src, len)) {
        if (!j.err[0]) abort(); /* a failure says where */
        ld__json_free(&j);
        return;
    }
    for (int i = 0; i < j.count; i++) {
        const ld__jnode *n = &j.nodes[i];
        if (n->start < 0 || n->start > n->end || n->end > (int)len || n->skip <= i || n->skip > j.count) abort();
        if (n->type == 's') {
            /* a decoded string is never longer than its source */
            long cap = n->end - n->start;
            char *out = (char *)malloc((size_t)cap + 1);
            long k = ld__json_str(&j, i, out, (size_t)cap);
            if (k > cap || (k >= 0 && !valid_utf8((const unsigned char *)out, k))) abort();
            free(out);
        }
        uint64_t u;
        double d;
        ld__json_u64(&j, i, &u);
        ld__json_num(&j, i, &d);
        ld__json_is(&j, i, "gpt2");
        ld__json_get(&j, i, "n_embd");
        ld__json_get(&j, i, "");
    }
    ld__json_free(&j);
}

static void write_seeds(const char *out) {
    static const char *seeds[] = {
        "{\"activation_function\":\"gelu_new\",\"architectures\":[\"GPT2LMHeadModel\"],\"attn_pdrop\":0.1,"
        "\"bos_token_id\":50256,\"embd_pdrop\":0.1,\"eos_token_id\":50256,\"initializer_range\":0.02,"
        "\"layer_norm_epsilon\":1e-05,\"model_type\":\"gpt2\",\"n_ctx\":1024,\"n_embd\":768,\"n_head\":12,"
        "\"n_inner\":null,\"n_layer\":12,\"n_positions\":1024,\"resid_pdrop\":0.1,\"scale_attn_weights\":true,"
        "\"tie_word_embeddings\":true,\"task_specific_params\":{\"text-generation\":{\"do_sample\":true,\"max_length\":50}},"
        "\"vocab_size\":50257}",
        ("{\"model_type\":\"gpt2\",\"vocab_size\":260,\"n_positions\":8,\"n_layer\":1,\"n_head\":2,\"n_embd\":8,"
         "\"n_inner\":32,\"tie_word_embeddings\":false,\"scale_attn_by_inverse_layer_idx\":false}"),
        "{\"s\":\"a\\u00e9\\ud83d\\ude00\\n\\\"\\\\\\/\\b\\f\\r\\t \xc3\xa9 \xf0\x9f\x98\x80\",\"a\":[-0.5e+3,1E-2,0,true,false,null,[],{}]}",
    };
    char p[512];
    for (int i = 0; i < 3; i++) { snprintf(p, sizeof p, "%s/seed%d.json", out, i); spit(p, seeds[i], strlen(seeds[i])); }
    ld_config c = {0};
    c.vocab_size = 260; c.context = 8; c.n_layer = 1; c.n_head = 2; c.n_embd = 8;
    ld_model m;
    if (ld_model_init(&m, &c, 1, 8, 0, 1) || ld_save(&m, out)) abort();
    ld_model_free(&m);
    snprintf(p, sizeof p, "%s/model.safetensors", out);
    remove(p); /* keep only config.json */
    printf("seeds written to %s\n", out);
    exit(0);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc; (void)argv;
    if (getenv("LD_FUZZ_SEEDS")) write_seeds(getenv("LD_FUZZ_SEEDS"));
    snprintf(path, sizeof path, "/tmp/ld_fuzz_config_%d.json", (int)getpid());
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    check_json((const char *)data, size);
    spit(path, data, size);
    ld_config c;
    ld_status s = ld_load_config(&c, path);
    if (s != LD_OK && !ld_failure_reason()[0]) abort();
    if (s == LD_OK && ld_config_check(&c) != LD_OK) abort();
    return 0;
}
