/* Checkpoints, the tokenizer and bad input.
   - save → load gives bit-identical logits; config.json round-trips;
     F16 and BF16 files are read; HF's "transformer." prefix and an untied
     lm_head are accepted;
   - every bad input named by the contract returns a status and a reason,
     crashes nothing, and leaves the caller's data as it was.
   Usage: test_io [scratch-dir]   (default build/tmp, must exist) */
#define LD_LLM_IMPLEMENTATION
#include "../ld_llm.h"
#include "t.h"
#include <stdlib.h>
#include <string.h>

static const char *dir = "build/tmp";
static char pbuf[1024];
static const char *path(const char *name) { snprintf(pbuf, sizeof pbuf, "%s/%s", dir, name); return pbuf; }

static ld_config tiny(void) {
    ld_config c = {0};
    c.vocab_size = 260; c.context = 12; c.n_layer = 2; c.n_head = 2; c.n_embd = 8;
    return c;
}

/* Expects status `want` and a non-empty reason mentioning `word`. */
#define EXPECT_ERR(call, want, word)                                                        \
    do {                                                                                    \
        ld_status s_ = (call);                                                              \
        const char *r_ = ld_failure_reason();                                               \
        CHECK_V(s_ == (want) && strstr(r_, word), "%-44s -> %s: %s", #call, ld_status_string(s_), r_); \
    } while (0)

static unsigned char *slurp(const char *p, long *n) {
    FILE *f = fopen(p, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    *n = ftell(f);
    rewind(f);
    unsigned char *b = (unsigned char *)malloc(*n + 1);
    if (fread(b, 1, *n, f) != (size_t)*n) { free(b); fclose(f); return NULL; }
    fclose(f);
    return b;
}

static void spit(const char *p, const void *b, long n) {
    FILE *f = fopen(p, "wb");
    fwrite(b, 1, n, f);
    fclose(f);
}

/* Writes a safetensors file by hand: header text, then raw data. */
static void write_st(const char *p, const char *hdr, const void *data, long n) {
    unsigned char len8[8];
    unsigned long long hn = strlen(hdr);
    for (int i = 0; i < 8; i++) len8[i] = (unsigned char)(hn >> (8 * i));
    FILE *f = fopen(p, "wb");
    fwrite(len8, 1, 8, f);
    fwrite(hdr, 1, hn, f);
    if (n) fwrite(data, 1, n, f);
    fclose(f);
}

/* A model directory whose model.safetensors is `st` (copied) with our config. */
static const char *model_dir_with(const char *name, const unsigned char *st, long n, const char *cfgjson) {
    static char d[1024];
    snprintf(d, sizeof d, "%s/%s", dir, name);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", d);
    if (system(cmd) != 0) printf("mkdir failed\n");
    char p[1100];
    snprintf(p, sizeof p, "%s/model.safetensors", d);
    spit(p, st, n);
    snprintf(p, sizeof p, "%s/config.json", d);
    spit(p, cfgjson, (long)strlen(cfgjson));
    return d;
}

/* A float → IEEE half conversion for values exactly representable in half. */
static unsigned short to_half(float f) {
    unsigned int x;
    memcpy(&x, &f, 4);
    unsigned short s = (unsigned short)((x >> 16) & 0x8000);
    int e = (int)((x >> 23) & 0xFF) - 127 + 15;
    unsigned int mant = x & 0x7FFFFF;
    if (f == 0) return s;
    if (e <= 0) return (unsigned short)(s | ((mant | 0x800000) >> (14 - e)));
    return (unsigned short)(s | (e << 10) | (mant >> 13));
}

static void test_tokenizer(void) {
    ld_config c = tiny();
    int tok[64], n = -1;
    const char *text = "héllo\n\"wörld\"";
    CHECK(ld_tokenize(&c, text, -1, tok, 64, &n) == LD_OK && n == (int)strlen(text), "tokenize");
    char back[64];
    ld_detokenize(&c, tok, n, back, sizeof back);
    CHECK_V(!strcmp(back, text), "byte tokenizer round trip of UTF-8 text (%d tokens)", n);
    EXPECT_ERR(ld_tokenize(&c, text, -1, tok, 4, &n), LD_ERR_LENGTH, "room for 4");
    ld_config small = tiny();
    small.vocab_size = 100;
    EXPECT_ERR(ld_tokenize(&small, "a", -1, tok, 4, &n), LD_ERR_CONFIG, "256");
}

static void test_bad_config(void) {
    ld_model m;
    ld_config c = tiny();
    c.n_head = 3;
    EXPECT_ERR(ld_model_init(&m, &c, 1, 0, 0, 1), LD_ERR_CONFIG, "does not divide");
    CHECK(m.theta == NULL && m.mem == NULL, "failed init leaves a zeroed model");
    c = tiny(); c.n_layer = -1;
    EXPECT_ERR(ld_model_init(&m, &c, 1, 0, 0, 1), LD_ERR_CONFIG, "positive");
    c = tiny(); c.ids_set = 1; c.bos_token = 0; c.eos_token = 500;
    EXPECT_ERR(ld_model_init(&m, &c, 1, 0, 0, 1), LD_ERR_CONFIG, "eos_token");
    c = tiny(); c.ids_set = 1; c.bos_token = -2; c.eos_token = 0;
    EXPECT_ERR(ld_model_init(&m, &c, 1, 0, 0, 1), LD_ERR_CONFIG, "bos_token");
    c = tiny();
    EXPECT_ERR(ld_model_init(&m, &c, 1, 13, 0, 1), LD_ERR_ARG, "context");
    EXPECT_ERR(ld_model_init(&m, &c, 0, 4, 0, 1), LD_ERR_ARG, "B=0");
    c.vocab_size = 1 << 30;
    EXPECT_ERR(ld_model_init(&m, &c, 1, 4, 0, 1), LD_ERR_CONFIG, "too large");
    /* a buffer too small for the model */
    c = tiny();
    char small[128];
    EXPECT_ERR(ld_model_init_mem(&m, &c, 1, 4, 0, 1, small, sizeof small), LD_ERR_OOM, "smaller");
    /* the caller's buffer works when large enough */
    size_t need = ld_model_memory_size(&c, 2, 6, LD_TRAIN);
    void *buf = malloc(need);
    CHECK_V(ld_model_init_mem(&m, &c, 2, 6, LD_TRAIN, 1, buf, need) == LD_OK && !m.owns_mem && m.bytes <= need,
            "model in a caller buffer of ld_model_memory_size() = %zu bytes", need);
    ld_model_free(&m);
    free(buf);
}

static void test_bad_batch(void) {
    ld_config c = tiny();
    ld_model m;
    CHECK(ld_model_init(&m, &c, 2, 10, LD_TRAIN, 3) == LD_OK, "init");
    int ok[4] = { 259, 1, 2, 3 };
    ld_seq s = { ok, 4, 1 };
    CHECK(ld_forward(&m, &s, 1) == LD_OK, "good forward");
    double keep = m.seq_logp[0];
    int bad[4] = { 259, 1, 260, 3 };
    ld_seq sb = { bad, 4, 1 };
    EXPECT_ERR(ld_forward(&m, &sb, 1), LD_ERR_TOKEN, "token 260 at row 0, position 2");
    int neg[4] = { 259, -1, 2, 3 };
    ld_seq sn = { neg, 4, 1 };
    EXPECT_ERR(ld_forward(&m, &sn, 1), LD_ERR_TOKEN, "token -1");
    CHECK(m.seq_logp[0] == keep && m.cur_T == 4, "a rejected batch leaves the last results in place");
    int longer[12] = { 0 };
    ld_seq sl = { longer, 11, 1 };
    EXPECT_ERR(ld_forward(&m, &sl, 1), LD_ERR_LENGTH, "length 11");
    ld_seq se = { ok, 4, 4 };
    EXPECT_ERR(ld_forward(&m, &se, 1), LD_ERR_LENGTH, "empty response");
    ld_seq sp = { ok, 4, 0 };
    EXPECT_ERR(ld_forward(&m, &sp, 1), LD_ERR_LENGTH, "no prompt token");
    ld_seq three[3] = { s, s, s };
    EXPECT_ERR(ld_forward(&m, three, 3), LD_ERR_ARG, "batch of 3");
    EXPECT_ERR(ld_forward(&m, NULL, 1), LD_ERR_ARG, "NULL");
    ld_model inf;
    CHECK(ld_model_init(&inf, &c, 1, 4, 0, 3) == LD_OK, "init inference-only");
    ld_forward(&inf, &s, 1);
    EXPECT_ERR(ld_backward(&inf), LD_ERR_ARG, "LD_TRAIN");
    EXPECT_ERR(ld_jvp(&inf, inf.theta), LD_ERR_ARG, "LD_JVP");
    CHECK(isnan(ld_sft_loss(&inf, LD_NORM_SEQ_SUM)), "SFT loss without LD_TRAIN is NaN");
    ld_model_free(&inf);
    /* a NaN gradient: the optimizer refuses and θ stays */
    ld_optim o;
    ld_optim_config oc = {0};
    CHECK(ld_optim_init(&o, &m, &oc) == LD_OK, "optim");
    ld_forward(&m, &s, 1);
    ld_sft_loss(&m, LD_NORM_SEQ_SUM);
    ld_zero_grad(&m);
    ld_backward(&m);
    m.grad[5] = NAN;
    float *before = (float *)malloc(sizeof(float) * m.P);
    memcpy(before, m.theta, sizeof(float) * m.P);
    EXPECT_ERR(ld_optim_step(&o, &m, 1e-3), LD_ERR_NAN, "unchanged");
    CHECK(!memcmp(before, m.theta, sizeof(float) * m.P) && o.step == 0, "θ and the optimizer state untouched");
    oc.lr = -1;
    ld_optim o2;
    EXPECT_ERR(ld_optim_init(&o2, &m, &oc), LD_ERR_ARG, "lr -1");
    free(before);
    ld_optim_free(&o);
    ld_model_free(&m);
}

static void test_roundtrip(void) {
    ld_config c = tiny();
    ld_model m, m2;
    CHECK(ld_model_init(&m, &c, 2, 12, 0, 11) == LD_OK, "init");
    for (size_t i = 0; i < m.P; i++) m.theta[i] += (float)(1e-3 * (double)(i % 17));  /* non-trivial biases */
    CHECK(ld_save(&m, dir) == LD_OK, "save: %s", ld_failure_reason());
    CHECK(ld_load(&m2, dir, 2, 12, 0) == LD_OK, "load: %s", ld_failure_reason());
    CHECK_V(ld_config_equal(&m.cfg, &m2.cfg), "config.json round trip (V %d, T %d, L %d, NH %d, C %d)",
            m2.cfg.vocab_size, m2.cfg.context, m2.cfg.n_layer, m2.cfg.n_head, m2.cfg.n_embd);
    CHECK_V(!memcmp(m.theta, m2.theta, sizeof(float) * m.P), "save → load: θ bit-identical (%zu parameters)", m.P);
    {
        long hn2;
        unsigned char *raw = slurp(path("model.safetensors"), &hn2);
        CHECK_V(raw && strstr((char *)raw + 8, "\"transformer.h.1.mlp.c_proj.weight\"") && !strstr((char *)raw + 8, "lm_head"),
                "saved names follow save_pretrained: \"transformer.\" prefix, no lm_head when tied");
        free(raw);
    }
    int toks[2][12] = { { 259, 72, 105, 33, 1, 2, 3, 4, 5, 6, 7, 8 }, { 259, 9, 9 } };
    ld_seq s[2] = { { toks[0], 12, 3 }, { toks[1], 3, 1 } };
    ld_forward(&m, s, 2);
    ld_forward(&m2, s, 2);
    size_t nz = (size_t)2 * 12 * c.vocab_size;
    CHECK_V(!memcmp(m.a.logits, m2.a.logits, sizeof(float) * nz), "save → load: logits bit-identical");
    /* load into an existing model */
    for (size_t i = 0; i < m2.P; i++) m2.theta[i] = 0;
    unsigned long v0 = m2.theta_version;
    CHECK(ld_load_params(&m2, path("model.safetensors")) == LD_OK && !memcmp(m.theta, m2.theta, sizeof(float) * m.P),
          "ld_load_params restores θ");
    CHECK(m2.theta_version != v0, "ld_load_params marks θ changed (an accelerator's copy follows)");
    ld_model_free(&m2);

    /* the same weights as F16 and BF16, and with HF's "transformer." prefix */
    long n;
    unsigned char *st = slurp(path("model.safetensors"), &n);
    long cfgn;
    unsigned char *cfgjson = slurp(path("config.json"), &cfgn);
    CHECK(st && cfgjson, "read back the files");
    if (!st || !cfgjson) return;
    cfgjson[cfgn] = 0;
    unsigned long long hn = 0;
    for (int i = 7; i >= 0; i--) hn = (hn << 8) | st[i];
    char *hdr = (char *)malloc(hn + 1);
    memcpy(hdr, st + 8, hn);
    hdr[hn] = 0;
    const float *data = (const float *)(st + 8 + hn);
    long nf = (n - 8 - (long)hn) / 4;
    for (int kind = 0; kind < 2; kind++) {
        /* quantise to values exact in both half formats: multiples of 2^-10 in (-2, 2) */
        unsigned short *h16 = (unsigned short *)malloc(2 * nf);
        float *q = (float *)malloc(4 * nf);
        for (long i = 0; i < nf; i++) {
            float v = (float)(floor(data[i] * 1024.0 + 0.5) / 1024.0);
            if (v > 1.99f) v = 1.99f;
            if (v < -1.99f) v = -1.99f;
            v = (float)(floor(v * 128.0 + 0.5) / 128.0); /* bf16 keeps 8 bits of mantissa */
            q[i] = v;
            unsigned int bits;
            memcpy(&bits, &v, 4);
            h16[i] = kind == 0 ? to_half(v) : (unsigned short)(bits >> 16);
        }
        /* rewrite the header: dtype F16/BF16, offsets halved, and a prefix */
        char *h2 = (char *)malloc(hn * 2 + 4096), *o = h2;
        for (const char *p = hdr; *p;) {
            if (!strncmp(p, "\"F32\"", 5)) { o += sprintf(o, kind == 0 ? "\"F16\"" : "\"BF16\""); p += 5; }
            else if (!strncmp(p, "\"data_offsets\":[", 16)) {
                unsigned long long a, b;
                sscanf(p + 16, "%llu,%llu", &a, &b);
                o += sprintf(o, "\"data_offsets\":[%llu,%llu]", a / 2, b / 2);
                p = strchr(p, ']') + 1;
            } else if (!strncmp(p, "\"transformer.", 13)) {
                o += sprintf(o, "\"");   /* the hub's gpt2 layout: no prefix */
                p += 13;
            } else *o++ = *p++;
        }
        *o = 0;
        char stp[1100];
        const char *d = model_dir_with(kind == 0 ? "f16" : "bf16", (const unsigned char *)"", 0, (const char *)cfgjson);
        snprintf(stp, sizeof stp, "%s/model.safetensors", d);
        write_st(stp, h2, h16, 2 * nf);
        ld_model mh;
        ld_status s2 = ld_load(&mh, d, 1, 0, 0);
        CHECK(s2 == LD_OK, "load %s: %s", kind == 0 ? "F16" : "BF16", ld_failure_reason());
        if (s2 == LD_OK) {
            /* compare with the quantised values, in our layout, via an F32 file of q */
            ld_model mq;
            char stq[1100];
            const char *dq = model_dir_with("q32", (const unsigned char *)"", 0, (const char *)cfgjson);
            snprintf(stq, sizeof stq, "%s/model.safetensors", dq);
            write_st(stq, hdr, q, 4 * nf);
            CHECK(ld_load(&mq, dq, 1, 0, 0) == LD_OK, "load q32");
            CHECK_V(!memcmp(mq.theta, mh.theta, sizeof(float) * mh.P), "%s with names without \"transformer.\" reads exactly",
                    kind == 0 ? "F16" : "BF16");
            ld_model_free(&mq);
            ld_model_free(&mh);
        }
        free(h16); free(q); free(h2);
    }

    /* an untied lm_head: saved, loaded, and used for the logits */
    ld_config cu = tiny();
    cu.untied_head = 1;
    ld_model mu, mu2;
    CHECK(ld_model_init(&mu, &cu, 2, 12, 0, 5) == LD_OK, "init untied");
    const char *du = model_dir_with("untied", (const unsigned char *)"", 0, "{}");
    CHECK(ld_save(&mu, du) == LD_OK, "save untied: %s", ld_failure_reason());
    {
        char pu[1100];
        long nu;
        snprintf(pu, sizeof pu, "%s/model.safetensors", du);
        unsigned char *raw = slurp(pu, &nu);
        CHECK_V(raw && strstr((char *)raw + 8, "\"lm_head.weight\"") && !strstr((char *)raw + 8, "transformer.lm_head"),
                "untied head saved as \"lm_head.weight\" beside the \"transformer.\" base");
        free(raw);
    }
    CHECK(ld_load(&mu2, du, 2, 12, 0) == LD_OK && mu2.cfg.untied_head == 1 &&
          !memcmp(mu.theta, mu2.theta, sizeof(float) * mu.P), "untied lm_head round trip: %s", ld_failure_reason());
    ld_forward(&mu, s, 2);
    ld_forward(&mu2, s, 2);
    CHECK_V(!memcmp(mu.a.logits, mu2.a.logits, sizeof(float) * nz), "untied head: logits bit-identical after load");
    ld_model_free(&mu); ld_model_free(&mu2);

    free(hdr); free(st); free(cfgjson);
    ld_model_free(&m);
}

/* Hostile and broken files: each gives a clear error and no model. */
static void test_hostile(void) {
    ld_config c = tiny();
    ld_model m, mb;
    CHECK(ld_model_init(&m, &c, 1, 0, 0, 11) == LD_OK, "init");
    const char *good = model_dir_with("good", (const unsigned char *)"", 0, "{}");
    CHECK(ld_save(&m, good) == LD_OK, "save");
    char p[1100];
    snprintf(p, sizeof p, "%s/model.safetensors", good);
    long n, cfgn;
    unsigned char *st = slurp(p, &n);
    snprintf(p, sizeof p, "%s/config.json", good);
    char *cj = (char *)slurp(p, &cfgn);
    if (!st || !cj) { CHECK(0, "read back"); return; }
    cj[cfgn] = 0;
    unsigned long long hn = 0;
    for (int i = 7; i >= 0; i--) hn = (hn << 8) | st[i];
    char *hdr = (char *)malloc(hn + 1);
    memcpy(hdr, st + 8, hn);
    hdr[hn] = 0;
    long ndata = n - 8 - (long)hn;
    const unsigned char *data = st + 8 + hn;
    const char *d;
    char h[8192];

    mb.theta = (float *)1;
    d = model_dir_with("trunc", st, n / 2, cj);
    EXPECT_ERR(ld_load(&mb, d, 1, 0, 0), LD_ERR_FORMAT, "outside the file");
    CHECK(mb.theta == NULL && mb.mem == NULL, "failed load leaves a zeroed model, nothing allocated");
    d = model_dir_with("trunc5", st, 5, cj);
    EXPECT_ERR(ld_load(&mb, d, 1, 0, 0), LD_ERR_FORMAT, "too short");
    d = model_dir_with("trunchdr", st, 8 + (long)hn / 2, cj);
    EXPECT_ERR(ld_load(&mb, d, 1, 0, 0), LD_ERR_FORMAT, "header size");
    unsigned char *bad = (unsigned char *)malloc(n);
    memcpy(bad, st, n);
    bad[7] = 0x7F; /* a header of ~9e18 bytes */
    d = model_dir_with("absurd", bad, n, cj);
    EXPECT_ERR(ld_load(&mb, d, 1, 0, 0), LD_ERR_FORMAT, "header size");
    memcpy(bad, st, n);
    bad[8] = '#'; /* the header's opening brace */
    d = model_dir_with("badjson", bad, n, cj);
    EXPECT_ERR(ld_load(&mb, d, 1, 0, 0), LD_ERR_FORMAT, "bad header JSON");
    memcpy(bad, st, n);
    float nan = NAN;
    memcpy(bad + 8 + hn + 4 * 37, &nan, 4); /* a NaN inside wte */
    d = model_dir_with("nan", bad, n, cj);
    EXPECT_ERR(ld_load(&mb, d, 1, 0, 0), LD_ERR_NAN, "wte.weight");
    free(bad);
    {
        /* an F64 file whose first weight is finite as a double but not as a float */
        char h64[8192], *o = h64;
        for (const char *q = hdr; *q;) {
            if (!strncmp(q, "\"F32\"", 5)) { o += sprintf(o, "\"F64\""); q += 5; }
            else if (!strncmp(q, "\"data_offsets\":[", 16)) {
                unsigned long long x, y;
                sscanf(q + 16, "%llu,%llu", &x, &y);
                o += sprintf(o, "\"data_offsets\":[%llu,%llu]", 2 * x, 2 * y);
                q = strchr(q, ']') + 1;
            } else *o++ = *q++;
        }
        *o = 0;
        double *d64 = (double *)malloc(sizeof(double) * (ndata / 4));
        for (long i = 0; i < ndata / 4; i++) d64[i] = ((const float *)data)[i];
        d64[0] = 1e300;
        d = model_dir_with("f64big", (const unsigned char *)"", 0, cj);
        snprintf(p, sizeof p, "%s/model.safetensors", d);
        write_st(p, h64, d64, 2 * ndata);
        EXPECT_ERR(ld_load(&mb, d, 1, 0, 0), LD_ERR_NAN, "in this precision");
        d64[0] = 0.5;
        write_st(p, h64, d64, 2 * ndata);
        CHECK_V(ld_load(&mb, d, 1, 0, 0) == LD_OK, "the same F64 file with a float-sized value loads");
        ld_model_free(&mb);
        free(d64);
        /* n_positions null: n_ctx stands in (as HF's GPT2Config) */
        d = model_dir_with("nctx", st, n, "{\"vocab_size\":260,\"n_positions\":null,\"n_ctx\":12,\"n_layer\":2,\"n_head\":2,\"n_embd\":8}");
        CHECK_V(ld_load(&mb, d, 1, 0, 0) == LD_OK && mb.cfg.context == 12, "\"n_positions\": null falls back to \"n_ctx\"");
        ld_model_free(&mb);
    }

    /* hand-made headers over the good data */
    struct { const char *name, *hdr; ld_status want; const char *word; } cases[] = {
        { "missing", "{\"__metadata__\":{\"format\":\"pt\"}}", LD_ERR_MISSING, "wte.weight is missing" },
        { "dtype", "{\"wte.weight\":{\"dtype\":\"I32\",\"shape\":[260,8],\"data_offsets\":[0,8320]}}", LD_ERR_DTYPE, "I32" },
        { "offsets", "{\"wte.weight\":{\"dtype\":\"F32\",\"shape\":[260,8],\"data_offsets\":[0,99999999]}}", LD_ERR_FORMAT, "outside the file" },
        { "reversed", "{\"wte.weight\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[16,0]}}", LD_ERR_FORMAT, "outside" },
        { "sizes", "{\"wte.weight\":{\"dtype\":\"F32\",\"shape\":[260,8],\"data_offsets\":[0,100]}}", LD_ERR_FORMAT, "bytes" },
        { "absurdshape", "{\"wte.weight\":{\"dtype\":\"F32\",\"shape\":[1099511627776,1099511627776],\"data_offsets\":[0,4]}}", LD_ERR_FORMAT, "absurd" },
        { "negshape", "{\"wte.weight\":{\"dtype\":\"F32\",\"shape\":[-4],\"data_offsets\":[0,16]}}", LD_ERR_FORMAT, "bad shape" },
        { "noshape", "{\"wte.weight\":{\"dtype\":\"F32\",\"data_offsets\":[0,16]}}", LD_ERR_FORMAT, "lacks" },
        { "wrongshape", "{\"wte.weight\":{\"dtype\":\"F32\",\"shape\":[8,260],\"data_offsets\":[0,8320]}}", LD_ERR_SHAPE, "(260,8)" },
        { "notobj", "[1,2,3]", LD_ERR_FORMAT, "not an object" },
        { "deep", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]", LD_ERR_FORMAT, "deeply" },
        { "badutf8", "{\"w\xff\":{}}", LD_ERR_FORMAT, "UTF-8" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, cases[i].name);
        d = model_dir_with(cases[i].name, (const unsigned char *)"", 0, cj);
        snprintf(p, sizeof p, "%s/model.safetensors", d);
        write_st(p, cases[i].hdr, data, ndata);
        ld_status s = ld_load(&mb, d, 1, 0, 0);
        CHECK_V(s == cases[i].want && strstr(ld_failure_reason(), cases[i].word) && mb.theta == NULL,
                "%-12s -> %s: %s", cases[i].name, ld_status_string(s), ld_failure_reason());
    }
    /* an extra tensor that is not part of GPT-2 */
    snprintf(h, sizeof h, "%.*s,\"h.0.attn.q_attn.weight\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[%ld,%ld]}}",
             (int)(strrchr(hdr, '}') - hdr), hdr, ndata, ndata + 4);
    d = model_dir_with("extra", (const unsigned char *)"", 0, cj);
    snprintf(p, sizeof p, "%s/model.safetensors", d);
    {
        unsigned char *d2 = (unsigned char *)malloc(ndata + 4);
        memcpy(d2, data, ndata);
        memset(d2 + ndata, 0, 4);
        write_st(p, h, d2, ndata + 4);
        free(d2);
    }
    EXPECT_ERR(ld_load(&mb, d, 1, 0, 0), LD_ERR_FORMAT, "unexpected tensor 'h.0.attn.q_attn.weight'");
    /* a config that does not match the tensors */
    {
        char cj2[2048];
        const char *vp = strstr(cj, "\"vocab_size\": 260");
        snprintf(cj2, sizeof cj2, "%.*s\"vocab_size\": 261%s", (int)(vp - cj), cj, vp + strlen("\"vocab_size\": 260"));
        d = model_dir_with("cfgmismatch", st, n, cj2);
        EXPECT_ERR(ld_load(&mb, d, 1, 0, 0), LD_ERR_SHAPE, "config needs (261,8)");
    }
    /* broken config.json files */
    struct { const char *name, *json; ld_status want; const char *word; } cfgs[] = {
        { "cfg0layers", "{\"vocab_size\":260,\"n_positions\":12,\"n_layer\":0,\"n_head\":2,\"n_embd\":8}", LD_ERR_FORMAT, "n_layer" },
        { "cfgnohead", "{\"vocab_size\":260,\"n_positions\":12,\"n_layer\":2,\"n_embd\":8}", LD_ERR_MISSING, "n_head" },
        { "cfgheads", "{\"vocab_size\":260,\"n_positions\":12,\"n_layer\":2,\"n_head\":3,\"n_embd\":8}", LD_ERR_CONFIG, "divide" },
        { "cfgact", "{\"vocab_size\":260,\"n_positions\":12,\"n_layer\":2,\"n_head\":2,\"n_embd\":8,\"activation_function\":\"relu\"}", LD_ERR_CONFIG, "gelu_new" },
        { "cfgbad", "{\"vocab_size\":260,", LD_ERR_FORMAT, "expected a string key" },
        { "cfgtype", "{\"vocab_size\":\"260\",\"n_positions\":12,\"n_layer\":2,\"n_head\":2,\"n_embd\":8}", LD_ERR_FORMAT, "vocab_size" },
        { "cfgdup", "{\"vocab_size\":260,\"n_positions\":12,\"n_layer\":2,\"n_head\":2,\"n_embd\":8,\"n_embd\":16}", LD_ERR_FORMAT, "appears twice" },
        { "cfgeps", "{\"vocab_size\":260,\"n_positions\":12,\"n_layer\":2,\"n_head\":2,\"n_embd\":8,\"layer_norm_epsilon\":\"1e-5\"}", LD_ERR_FORMAT, "layer_norm_epsilon" },
    };
    for (size_t i = 0; i < sizeof cfgs / sizeof cfgs[0]; i++) {
        d = model_dir_with(cfgs[i].name, st, n, cfgs[i].json);
        ld_status s = ld_load(&mb, d, 1, 0, 0);
        CHECK_V(s == cfgs[i].want && strstr(ld_failure_reason(), cfgs[i].word) && mb.theta == NULL,
                "%-12s -> %s: %s", cfgs[i].name, ld_status_string(s), ld_failure_reason());
    }
    EXPECT_ERR(ld_load(&mb, "no/such/dir", 1, 0, 0), LD_ERR_IO, "cannot open");
    /* loading into a live model from a bad file leaves its θ as it was */
    float *keep = (float *)malloc(sizeof(float) * m.P);
    memcpy(keep, m.theta, sizeof(float) * m.P);
    snprintf(p, sizeof p, "%s/nan/model.safetensors", dir);
    unsigned long v1 = m.theta_version;
    EXPECT_ERR(ld_load_params(&m, p), LD_ERR_NAN, "NaN");
    CHECK_V(!memcmp(keep, m.theta, sizeof(float) * m.P) && m.theta_version == v1,
            "ld_load_params from a bad file leaves θ (and its version) unchanged");
    free(keep); free(hdr); free(st); free(cj);
    ld_model_free(&m);
}

int main(int argc, char **argv) {
    if (argc > 1) dir = argv[1];
    test_tokenizer();
    test_bad_config();
    test_bad_batch();
    test_roundtrip();
    test_hostile();
    return t_done();
}
