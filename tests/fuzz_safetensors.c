/* libFuzzer harness: the safetensors reader (ld__st_open, ld__st_load via
   ld_load and ld_load_params) on arbitrary model.safetensors bytes, with a
   fixed tiny config.json (V 260, context 8, 1 layer, 2 heads, C 8).
   Every input must load with finite parameters, or fail with a status and
   a non-empty reason and leave the model given to ld_load_params
   unchanged. Not part of make test.

   Build (clang 14+, from the repository root):
     clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
           tests/fuzz_safetensors.c -o build/fuzz_safetensors -lm
   Seeds (a file from ld_save, and F16 / BF16 / F64 files without the
   "transformer." prefix), then fuzz:
     mkdir -p /tmp/st_corpus && LD_FUZZ_SEEDS=/tmp/st_corpus ./build/fuzz_safetensors
     ./build/fuzz_safetensors -max_len=40000 -max_total_time=300 /tmp/st_corpus */
#define LD_LLM_IMPLEMENTATION
#include "../ld_llm.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[64], st_path[128];
static ld_config cfg;
static ld_model base;  /* for ld_load_params */
static ld_float *keep; /* its θ, to check a failed load leaves it alone */

static void check_finite(const ld_float *th, size_t n) { /* the loaders promise finite θ */
    for (size_t i = 0; i < n; i++) if (!isfinite(th[i])) abort();
}

static void spit(const char *p, const void *b, size_t n) {
    FILE *f = fopen(p, "wb");
    if (!f || fwrite(b, 1, n, f) != n) abort();
    fclose(f);
}

/* A checkpoint of zeros in dtype dt (esize bytes), HF names without prefix;
   `extra` (header entries) goes first, and with lm_head the embedding is
   stored as "lm_head.weight". */
static void write_zeros(const char *p, const char *dt, int esize, const char *extra, int lm_head) {
    static char hdr[8192], data[1 << 17];
    size_t hn = (size_t)snprintf(hdr, sizeof hdr, "{%s", extra), off = 0;
    for (int k = 0; k < ld_tensor_count(); k++) {
        ld_tensor_info ti;
        ld_tensor_info_get(&cfg, k, &ti);
        for (int l = 0; ti.size && l < (ti.layered ? cfg.n_layer : 1); l++) {
            char name[96], shape[32];
            snprintf(name, sizeof name, ti.hf_name, l);
            if (lm_head && !strcmp(ti.name, "wte")) strcpy(name, "lm_head.weight");
            if (ti.dims == 1) snprintf(shape, sizeof shape, "%d", ti.cols);
            else snprintf(shape, sizeof shape, "%d,%d", ti.hf_transposed ? ti.cols : ti.rows, ti.hf_transposed ? ti.rows : ti.cols);
            size_t bytes = (size_t)ti.rows * ti.cols * esize;
            hn += (size_t)snprintf(hdr + hn, sizeof hdr - hn, "%s\"%s\":{\"dtype\":\"%s\",\"shape\":[%s],\"data_offsets\":[%zu,%zu]}",
                                   hdr[hn - 1] != '{' ? "," : "", name, dt, shape, off, off + bytes);
            off += bytes;
        }
    }
    hn += (size_t)snprintf(hdr + hn, sizeof hdr - hn, "}");
    unsigned char len8[8];
    for (int i = 0; i < 8; i++) len8[i] = (unsigned char)((uint64_t)hn >> (8 * i));
    FILE *f = fopen(p, "wb");
    if (!f) abort();
    fwrite(len8, 1, 8, f); fwrite(hdr, 1, hn, f); fwrite(data, 1, off, f);
    fclose(f);
}

static void write_seeds(const char *out) {
    char p[512], cmd[1100];
    ld_model m;
    if (ld_model_init(&m, &cfg, 1, 8, 0, 7) || ld_save(&m, dir)) abort();
    ld_model_free(&m);
    snprintf(cmd, sizeof cmd, "cp '%s' '%s/saved.st'", st_path, out);
    if (system(cmd)) abort();
    static const char *dts[3] = { "F16", "BF16", "F64" };
    static const int es[3] = { 2, 2, 8 };
    for (int i = 0; i < 3; i++) { snprintf(p, sizeof p, "%s/zeros_%s.st", out, dts[i]); write_zeros(p, dts[i], es[i], "", 0); }
    /* extra entries the reader skips (metadata, causal-mask buffers), then one it must refuse */
    const char *known = "\"__metadata__\":{\"format\":\"pt\"},\"h.0.attn.bias\":{\"dtype\":\"BOOL\",\"shape\":[1,1,8,8],"
                        "\"data_offsets\":[0,64]},\"h.0.attn.masked_bias\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}";
    snprintf(p, sizeof p, "%s/extra_known.st", out); write_zeros(p, "F32", 4, known, 1);
    snprintf(p, sizeof p, "%s/extra_unknown.st", out);
    write_zeros(p, "F32", 4, "\"h.0.x\\u00e9\\ud83d\\ude00\\n\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}", 0);
    printf("seeds written to %s\n", out);
    exit(0);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc; (void)argv;
    cfg.vocab_size = 260; cfg.context = 8; cfg.n_layer = 1; cfg.n_head = 2; cfg.n_embd = 8;
    cfg = ld_config_resolve(&cfg);
    snprintf(dir, sizeof dir, "/tmp/ld_fuzz_st_%d", (int)getpid());
    snprintf(st_path, sizeof st_path, "%s/model.safetensors", dir);
    char cmd[128], p[128];
    snprintf(cmd, sizeof cmd, "mkdir -p %s", dir);
    if (system(cmd)) abort();
    snprintf(p, sizeof p, "%s/config.json", dir);
    const char *cj = "{\"model_type\":\"gpt2\",\"vocab_size\":260,\"n_positions\":8,\"n_layer\":1,\"n_head\":2,\"n_embd\":8}";
    spit(p, cj, strlen(cj));
    if (getenv("LD_FUZZ_SEEDS")) write_seeds(getenv("LD_FUZZ_SEEDS"));
    if (ld_model_init(&base, &cfg, 1, 8, 0, 1)) abort();
    keep = (ld_float *)malloc(sizeof(ld_float) * base.P);
    memcpy(keep, base.theta, sizeof(ld_float) * base.P);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    spit(st_path, data, size);
    ld_model m;
    ld_status s = ld_load(&m, dir, 1, 8, 0);
    if (s == LD_OK) { check_finite(m.theta, m.P); ld_model_free(&m); }
    else if (!ld_failure_reason()[0]) abort(); /* an error needs a reason */

    s = ld_load_params(&base, st_path);
    if (s != LD_OK) {
        if (!ld_failure_reason()[0]) abort();
        if (memcmp(keep, base.theta, sizeof(ld_float) * base.P)) abort(); /* failed load changed θ */
    } else {
        check_finite(base.theta, base.P);
        memcpy(base.theta, keep, sizeof(ld_float) * base.P);
    }
    return 0;
}
