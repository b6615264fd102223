/* ldllm — the command line for ld_llm.h, for people who would rather not
   write C. Every subcommand takes --help.

     ldllm init     --out DIR [--layers N --heads N --channels N --context N --seed S]
                    [--tokenizer PATH [--pad-vocab N] [--bos TOKEN --eos TOKEN]]
     ldllm sft      --model DIR --data sft.jsonl --out DIR [--lr --epochs --batch ...]
     ldllm pref     --model DIR --data pref.jsonl --out DIR --loss NAME[,NAME...] [--loss-weights W,...] [...]
     ldllm logprobs --model DIR --data FILE.jsonl
     ldllm generate --model DIR --prompt TEXT [--greedy | --temperature T --top-k K]
     ldllm dynamics --model DIR --update FILE --observe FILE --lr ETA [--loss ... --csv]
     ldllm losses   [--loss NAME,... --margins D,... --beta B ...]
     ldllm tokenize   --tokenizer PATH --data FILE.jsonl [--field text]   (one {"ids":[...]} per line)
     ldllm detokenize --tokenizer PATH --data FILE.jsonl [--field text]   (the other way)

   Text goes through the model directory's tokenizer (tokenizer.json, or
   GPT-2's vocab.json + merges.txt) in every command; a model without one
   reads text as bytes only when V is 256 or 257 (ld_text_check).

   Errors print one line on stderr: exit status 2 for a wrong command line,
   1 for anything that failed while running. */
#define _POSIX_C_SOURCE 200809L
#define LD_LLM_IMPLEMENTATION
#include "../ld_llm.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* ------------------------------------------------------------ utilities */

static int fail(int code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "ldllm: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    return code;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* mkdir -p */
static int make_dirs(const char *path) {
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        if (mkdir(buf, 0777) && errno != EEXIST) return -1;
        *p = '/';
    }
    if (mkdir(buf, 0777) && errno != EEXIST) return -1;
    return 0;
}

static void fmt_time(char *out, size_t n, double s) {
    if (s < 60) snprintf(out, n, "%.0fs", s);
    else if (s < 3600) snprintf(out, n, "%dm%02ds", (int)(s / 60), (int)s % 60);
    else snprintf(out, n, "%dh%02dm", (int)(s / 3600), (int)(s / 60) % 60);
}

/* --------------------------------------------------------- the options */

typedef struct {
    const char *name;   /* "--lr" */
    char type;          /* 'i' int, 'l' long, 'd' double, 's' string, 'f' flag */
    void *dst;
    const char *help;
} opt_t;

static void usage(const char *cmd, const char *what, const opt_t *o) {
    printf("usage: ldllm %s [options]\n%s\n\noptions:\n", cmd, what);
    for (; o->name; o++) {
        char def[64] = "";
        switch (strchr(o->help, '[') ? 'x' : o->type) { /* the help names its own default */
        case 'i': snprintf(def, sizeof def, " N   [%d]", *(int *)o->dst); break;
        case 'l': snprintf(def, sizeof def, " N   [%ld]", *(long *)o->dst); break;
        case 'd': snprintf(def, sizeof def, " X   [%g]", *(double *)o->dst); break;
        case 's': snprintf(def, sizeof def, " S   [%s]", *(const char **)o->dst ? *(const char **)o->dst : "none"); break;
        case 'x': snprintf(def, sizeof def, " %c", o->type == 's' ? 'S' : o->type == 'd' ? 'X' : 'N'); break;
        default: break;
        }
        printf("  %-16s%-14s %s\n", o->name, def, o->help);
    }
}

/* Parses argv against the table. Returns 0, or 2 after printing why. */
static int parse(int argc, char **argv, const opt_t *opts, const char *cmd, const char *what) {
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) { usage(cmd, what, opts); exit(0); }
        const opt_t *o = opts;
        while (o->name && strcmp(o->name, argv[i])) o++;
        if (!o->name) return fail(2, "%s: unknown option '%s' (see ldllm %s --help)", cmd, argv[i], cmd);
        if (o->type == 'f') { *(int *)o->dst = 1; continue; }
        if (i + 1 >= argc) return fail(2, "%s: %s needs a value", cmd, argv[i]);
        const char *v = argv[++i];
        char *end;
        errno = 0;
        switch (o->type) {
        case 'i': case 'l': {
            long x = strtol(v, &end, 10);
            if (*end || end == v || errno || (o->type == 'i' && (x > 2147483647L || x < -2147483647L)))
                return fail(2, "%s: %s wants an integer, not '%s'", cmd, o->name, v);
            if (o->type == 'i') *(int *)o->dst = (int)x; else *(long *)o->dst = x;
            break;
        }
        case 'd': {
            double x = strtod(v, &end);
            if (*end || end == v || errno || x != x) return fail(2, "%s: %s wants a number, not '%s'", cmd, o->name, v);
            *(double *)o->dst = x;
            break;
        }
        case 's': *(const char **)o->dst = v; break;
        }
    }
    return 0;
}

static int pick(const char *cmd, const char *flag, const char *v, const char *const *names, int n, int *out) {
    for (int i = 0; i < n; i++) if (!strcmp(v, names[i])) { *out = i; return 0; }
    char list[256] = "";
    for (int i = 0; i < n; i++) { strcat(list, i ? "|" : ""); strcat(list, names[i]); }
    return fail(2, "%s: %s must be one of %s, not '%s'", cmd, flag, list, v);
}

/* ------------------------------------------------------------ the data */

/* The options of every subcommand that reads data. */
typedef struct {
    int skip_bad, max_length;
    const char *tmpl, *truncation;
    ld_chat_template chat;
    ld_data_opts opts;
    char chat_note[600];     /* why the model's own chat template was not taken */
} data_args;

#define DATA_OPTS(d)                                                                                              \
    { "--skip-bad", 'f', &(d).skip_bad, "skip malformed lines (counted) instead of stopping" },                  \
    { "--template", 's', &(d).tmpl, "chat template for conversational rows: plain|hh|chatml|llama3|qwen2.5|smollm2, " \
                                    "or a tokenizer_config.json [the model's tokenizer_config.json]" },           \
    { "--truncation", 's', &(d).truncation, "dpo_keep_end|dpo_keep_start|trl_keep_start|trl_keep_end [dpo_keep_end]" }, \
    { "--max-length", 'i', &(d).max_length, "tokens per sequence, prompt and response (0: the model's context)" }

/* Resolves the template and the truncation. 0, or 2 after printing why. */
static int data_setup(const char *cmd, const char *model, data_args *d) {
    memset(&d->opts, 0, sizeof d->opts);
    d->opts.flags = d->skip_bad ? LD_DATA_SKIP_BAD : 0;
    d->chat_note[0] = 0;
    if (d->max_length < 0) return fail(2, "%s: --max-length must be ≥ 0", cmd);
    if (d->truncation) {
        static const char *const modes[] = { "dpo_keep_end", "dpo_keep_start", "trl_keep_start", "trl_keep_end" };
        int k, r = pick(cmd, "--truncation", d->truncation, modes, 4, &k);
        if (r) return r;
        d->opts.truncation = (ld_truncation)k;
    }
    if (d->tmpl) {
        int is_file = strchr(d->tmpl, '/') || strstr(d->tmpl, ".json");
        if ((is_file ? ld_chat_template_load(&d->chat, d->tmpl) : ld_chat_template_named(&d->chat, d->tmpl)))
            return fail(2, "%s: --template: %s", cmd, ld_failure_reason());
        d->opts.chat = &d->chat;
    } else if (model) {  /* the model's own template, when it is one of the built-in ones */
        char path[4200];
        snprintf(path, sizeof path, "%s/tokenizer_config.json", model);
        FILE *f = fopen(path, "rb");
        if (!f) snprintf(d->chat_note, sizeof d->chat_note, "%s has no tokenizer_config.json: choose one with --template", model);
        else {
            fclose(f);
            if (ld_chat_template_load(&d->chat, path)) snprintf(d->chat_note, sizeof d->chat_note, "%s", ld_failure_reason());
            else d->opts.chat = &d->chat;
        }
    }
    return 0;
}

/* Loads a data file; on success says on stderr, in one line, what it left out. */
static int load_data(const char *cmd, const char *what, const char *path, const ld_config *cfg, ld_data_kind kind,
                     const data_args *d, ld_dataset *ds) {
    if (ld_dataset_load_opts(ds, path, cfg, kind, &d->opts)) {
        const char *r = ld_failure_reason();
        if (strstr(r, "no chat template") && d->chat_note[0]) return fail(1, "%s: %s%s (%s)", cmd, what, r, d->chat_note);
        return fail(1, "%s: %s%s", cmd, what, r);
    }
    char sk[1200];
    if (ld_dataset_skips_string(ds, sk, sizeof sk)) fprintf(stderr, "ldllm: %s: %s: %s\n", cmd, path, sk);
    return 0;
}

/* ------------------------------------------------------------ the text */

/* A tokenizer.json file, or a model directory holding one (or GPT-2's pair). */
static int open_tokenizer(const char *cmd, const char *path, ld_tokenizer **t) {
    struct stat sb;
    ld_status st = !stat(path, &sb) && S_ISDIR(sb.st_mode) ? ld_tokenizer_load_dir(t, path) : ld_tokenizer_load(t, path);
    return st ? fail(1, "%s: %s", cmd, ld_failure_reason()) : 0;
}

/* The tokenizer of model directory dir (*tok = NULL: it has none), checked
   against its config as the library checks a model's text. 0, or 1 after
   printing why, naming the directory. */
static int model_tokenizer(const char *cmd, const char *dir, const ld_config *cfg, ld_tokenizer **tok) {
    *tok = NULL;
    ld_status st = ld_tokenizer_load_dir(tok, dir);
    if (st && st != LD_ERR_MISSING) return fail(1, "%s: %s", cmd, ld_failure_reason());
    if (ld_text_check(cfg, *tok)) {
        ld_tokenizer_free(*tok);
        *tok = NULL;
        return fail(1, "%s: %s: %s", cmd, dir, ld_failure_reason());
    }
    return 0;
}

/* A loaded model's text, checked the same way. */
static int model_text_ok(const char *cmd, const char *dir, const ld_model *m) {
    return ld_text_check(&m->cfg, m->tokenizer) ? fail(1, "%s: %s: %s", cmd, dir, ld_failure_reason()) : 0;
}

/* Copies dir/name to out/name when dir has one (the chat template of
   tokenizer_config.json follows the model): read whole, then written, so
   that dir = out is harmless. 0, or 1 after printing why. */
static int copy_beside(const char *cmd, const char *dir, const char *out, const char *name) {
    char src[4200], dst[4200];
    snprintf(src, sizeof src, "%s/%s", dir, name);
    snprintf(dst, sizeof dst, "%s/%s", out, name);
    FILE *f = fopen(src, "rb");
    if (!f) return 0;
    char *buf = NULL;
    size_t n = 0, cap = 0, k;
    char chunk[65536];
    while ((k = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (n + k > cap) { cap = 2 * (n + k); char *nb = (char *)realloc(buf, cap); if (!nb) { free(buf); fclose(f); return fail(1, "%s: out of memory", cmd); } buf = nb; }
        memcpy(buf + n, chunk, k);
        n += k;
    }
    fclose(f);
    FILE *g = fopen(dst, "wb");
    int ok = g && fwrite(buf, 1, n, g) == n;
    if (g && fclose(g)) ok = 0;
    free(buf);
    return ok ? 0 : fail(1, "%s: cannot write %s", cmd, dst);
}

/* ids[0..n) as text with model m's tokenizer into *buf (grown). 0, or 1 after printing why. */
static int decode_ids(const char *cmd, const ld_model *m, const int *ids, int n, int flags, char **buf, size_t *cap, size_t *len) {
    ld_status st = ld_model_decode(m, ids, n, flags, *buf, *cap, len);
    if (st == LD_ERR_LENGTH) {
        free(*buf);
        *cap = *len + 1;
        *buf = (char *)malloc(*cap);
        st = *buf ? ld_model_decode(m, ids, n, flags, *buf, *cap, len) : LD_ERR_OOM;
    }
    return st ? fail(1, "%s: %s", cmd, ld_failure_reason()) : 0;
}

/* --------------------------------------------------------------- init */

static int cmd_init(int argc, char **argv) {
    const char *out = NULL, *arch = "gpt2", *tokp = NULL, *bos = NULL, *eos = NULL;
    int layers = 2, heads = 4, channels = 64, context = 64, vocab = 0, pad = 0, untied = 0, tie = 0;
    int kv = 0, head_dim = 0, inter = 0, par = 0, seq = 0;
    double rotary_pct = 0, rope_theta = 0;
    long seed = 1337;
    opt_t opts[] = {
        { "--out", 's', &out, "directory to write model.safetensors and config.json into (required)" },
        { "--arch", 's', &arch, "gpt2|gpt_neox|llama|qwen2: the family, its layout and its defaults [gpt2]" },
        { "--layers", 'i', &layers, "transformer blocks L" },
        { "--heads", 'i', &heads, "attention heads NH" },
        { "--kv-heads", 'i', &kv, "key-value heads (grouped-query attention; must divide --heads) [--heads]" },
        { "--head-dim", 'i', &head_dim, "channels of one head [--channels / --heads]" },
        { "--channels", 'i', &channels, "width C" },
        { "--intermediate", 'i', &inter, "the MLP's width (SwiGLU: of gate and of up) [4C]" },
        { "--context", 'i', &context, "positions T" },
        { "--vocab", 'i', &vocab, "vocabulary V [257 = 256 bytes + <|endoftext|>; with --tokenizer, its V]" },
        { "--tokenizer", 's', &tokp, "a tokenizer.json, or a model directory holding one (or GPT-2's vocab.json + merges.txt): "
                                     "V becomes its vocabulary's, and the file is copied into --out" },
        { "--pad-vocab", 'i', &pad, "round V up to a multiple of N (GPT-NeoX's 128: Pythia's 50277 ids → V 50304)" },
        { "--bos", 's', &bos, "with --tokenizer: the token that starts every sequence, or none [<|endoftext|> if it has one]" },
        { "--eos", 's', &eos, "with --tokenizer: the token that ends a response, or none [<|endoftext|> if it has one]" },
        { "--rotary-pct", 'd', &rotary_pct, "share of each head rotated [gpt_neox 0.25, llama and qwen2 1]" },
        { "--rope-theta", 'd', &rope_theta, "rotary base θ [10000]" },
        { "--parallel-residual", 'f', &par, "gpt_neox: x + attn(LN1 x) + mlp(LN2 x) [gpt_neox's default]" },
        { "--sequential-residual", 'f', &seq, "gpt_neox: the MLP after the attention, as the other families" },
        { "--tie", 'f', &tie, "the output head is the embedding [gpt2's default]" },
        { "--no-tie", 'f', &untied, "give the output head its own weights [gpt_neox, llama, qwen2]" },
        { "--untied", 'f', &untied, "the same as --no-tie" },
        { "--seed", 'l', &seed, "seed of the initial weights" },
        { NULL, 0, NULL, NULL } };
    int r = parse(argc, argv, opts, "init", "Creates a new model with GPT-2's initialisation and saves it; with --tokenizer, one whose\n"
                                            "vocabulary is that tokenizer's, which is saved beside it and used by every command.");
    if (r) return r;
    if (!out) return fail(2, "init: --out DIR is required");
    static const char *const archs[] = { "gpt2", "gpt_neox", "llama", "qwen2" };
    int k_arch;
    if ((r = pick("init", "--arch", arch, archs, 4, &k_arch))) return r;
    if (tie && untied) return fail(2, "init: --tie and --no-tie together");
    if (par && seq) return fail(2, "init: --parallel-residual and --sequential-residual together");
    if (pad < 0 || vocab < 0) return fail(2, "init: --vocab and --pad-vocab must be ≥ 0");
    if ((bos || eos) && !tokp) return fail(2, "init: --bos and --eos name tokens of a --tokenizer");
    ld_tokenizer *tk = NULL;
    if (tokp && (r = open_tokenizer("init", tokp, &tk))) return r;
    ld_config cfg = {0};
    cfg.family = LD_FAMILY_GPT2 + k_arch;
    cfg.n_layer = layers; cfg.n_head = heads; cfg.n_embd = channels; cfg.context = context;
    cfg.vocab_size = vocab ? vocab : tk ? ld_tokenizer_vocab_size(tk) : 257;
    if (pad > 0 && cfg.vocab_size % pad) cfg.vocab_size += pad - cfg.vocab_size % pad;
    cfg.untied_head = untied || (!tie && cfg.family != LD_FAMILY_GPT2);
    cfg.n_kv_head = kv; cfg.head_dim = head_dim; cfg.intermediate = inter;
    cfg.rotary_pct = rotary_pct; cfg.rope_theta = rope_theta;
    if (par || seq) cfg.residual = par ? LD_PARALLEL : LD_SEQUENTIAL;
    if (tk && ld_text_check(&cfg, tk)) { ld_tokenizer_free(tk); return fail(1, "init: %s: %s", tokp, ld_failure_reason()); }
    if (tk) {   /* bos and eos: tokens of the tokenizer, by their strings */
        const char *names[2] = { bos ? bos : "<|endoftext|>", eos ? eos : "<|endoftext|>" };
        int ids[2], given[2] = { bos != NULL, eos != NULL };
        for (int k = 0; k < 2; k++) {
            ids[k] = strcmp(names[k], "none") ? ld_tokenizer_find(tk, names[k]) : LD_NO_TOKEN;
            if (ids[k] < 0 && given[k] && strcmp(names[k], "none")) {
                ld_tokenizer_free(tk);
                return fail(2, "init: %s: the tokenizer has no token '%s'", k ? "--eos" : "--bos", names[k]);
            }
            if (ids[k] < 0) ids[k] = LD_NO_TOKEN;
        }
        cfg.ids_set = 1; cfg.bos_token = ids[0]; cfg.eos_token = ids[1];
    }
    ld_model m;
    if (ld_model_init(&m, &cfg, 1, 0, 0, (uint64_t)seed)) { ld_tokenizer_free(tk); return fail(1, "init: %s", ld_failure_reason()); }
    if (tk && ld_model_set_tokenizer(&m, tk)) { ld_tokenizer_free(tk); ld_model_free(&m); return fail(1, "init: %s: %s", tokp, ld_failure_reason()); }
    if (make_dirs(out)) { ld_model_free(&m); return fail(1, "init: cannot create %s: %s", out, strerror(errno)); }
    if (ld_save(&m, out)) { ld_model_free(&m); return fail(1, "init: %s", ld_failure_reason()); }
    struct stat sb;
    if (tokp && !stat(tokp, &sb) && S_ISDIR(sb.st_mode) && (r = copy_beside("init", tokp, out, "tokenizer_config.json"))) {
        ld_model_free(&m);
        return r;
    }
    printf("wrote %s: %s, %d layers, %d heads (%d key-value), %d channels, context %d, V %d, %s head, %zu parameters\n",
           out, archs[k_arch], m.cfg.n_layer, m.cfg.n_head, m.cfg.n_kv_head, m.cfg.n_embd, m.cfg.context, m.cfg.vocab_size,
           m.cfg.untied_head ? "untied" : "tied", m.P);
    if (tk) {
        char b[2][64];
        for (int k = 0; k < 2; k++) {
            int id = k ? m.cfg.eos_token : m.cfg.bos_token;
            if (id == LD_NO_TOKEN) snprintf(b[k], sizeof b[k], "none");
            else { char t[40]; ld_model_token_string(&m, id, t, sizeof t); snprintf(b[k], sizeof b[k], "%d '%s'", id, t); }
        }
        printf("tokenizer: %s, %d ids (V %d); bos %s, eos %s\n", tokp, ld_tokenizer_vocab_size(tk), m.cfg.vocab_size, b[0], b[1]);
    }
    ld_model_free(&m);
    return 0;
}

/* ------------------------------------------------- the preference losses */

static const char *const fdiv_names[] = { "reverse_kl", "forward_kl", "js_divergence", "alpha_divergence" };

/* The loss options every command that trains a preference loss takes. */
typedef struct {
    const char *loss, *weights, *fdiv;
    double beta, eps, lambda, gamma, nll, fdiv_alpha, ld_alpha, tau, dw, uw;
    int wpo;
} loss_args;

#define LOSS_OPTS(a)                                                                                                   \
    { "--loss-weights", 's', &(a).weights, "weights of a list of losses, comma-separated (TRL's loss_weights) [1 each]" }, \
    { "--beta", 'd', &(a).beta, "β [0.1; simpo alone 2.0]" },                                                            \
    { "--eps", 'd', &(a).eps, "label smoothing ε: cdpo, robust, exo_pair [1e-3], aot, aot_unpaired" },                  \
    { "--lambda", 'd', &(a).lambda, "DPOP λ [50] / ORPO λ [0.1]" },                                                      \
    { "--gamma", 'd', &(a).gamma, "SimPO margin γ [0.5]" },                                                              \
    { "--nll-alpha", 'd', &(a).nll, "RPO: add α × NLL of the chosen" },                                                  \
    { "--f-divergence", 's', &(a).fdiv, "reverse_kl|forward_kl|js_divergence|alpha_divergence [reverse_kl]" },           \
    { "--f-alpha", 'd', &(a).fdiv_alpha, "α of the alpha_divergence [0.5]" },                                             \
    { "--ld-alpha", 'd', &(a).ld_alpha, "LD-DPO: weight in [0, 1] of the tokens past the shorter response [off]" },     \
    { "--wpo", 'f', &(a).wpo, "WPO's weights (TRL's use_weighting)" },                                                   \
    { "--discopop-tau", 'd', &(a).tau, "DiscoPOP's τ [0.05]" },                                                          \
    { "--desirable-weight", 'd', &(a).dw, "KTO's weight of the desirable rows [1]" },                                    \
    { "--undesirable-weight", 'd', &(a).uw, "KTO's weight of the undesirable rows [1]" }

static void loss_args_init(loss_args *a, const char *loss) {
    memset(a, 0, sizeof *a);
    a->loss = loss;
    a->ld_alpha = -1;
}

/* The loss names of the header, for --help and error lines. */
static void loss_names(char *out, size_t n) {
    size_t k = 0;
    for (int i = 0; i < LD_PREF_NKINDS && k < n; i++) k += (size_t)snprintf(out + k, n - k, "%s%s", i ? "|" : "", ld_pref_kind_name((ld_pref_kind)i));
}

/* --loss NAME[,NAME…] with its options into o. Returns 0, or 2 after printing why. */
static int parse_losses(const char *cmd, const loss_args *a, ld_pref_opts *o) {
    memset(o, 0, sizeof *o);
    char buf[512], names[512];
    snprintf(buf, sizeof buf, "%s", a->loss);
    int n = 0;
    for (char *t = strtok(buf, ","); t; t = strtok(NULL, ",")) {
        int k = ld_pref_kind_from_name(t);
        loss_names(names, sizeof names);
        if (k < 0) return fail(2, "%s: --loss must be a comma-separated list of %s (dpo = sigmoid), not '%s'", cmd, names, t);
        if (n == LD_PREF_MAX_TERMS) return fail(2, "%s: --loss lists at most %d losses", cmd, LD_PREF_MAX_TERMS);
        o->terms[n++] = (ld_pref_kind)k;
    }
    if (!n) return fail(2, "%s: --loss is empty", cmd);
    o->n_terms = n;
    o->kind = o->terms[0];
    if (a->weights) {
        snprintf(buf, sizeof buf, "%s", a->weights);
        int nw = 0;
        for (char *t = strtok(buf, ","); t; t = strtok(NULL, ",")) {
            char *end;
            double w = strtod(t, &end);
            if (*end || end == t || !isfinite(w) || w == 0) return fail(2, "%s: --loss-weights wants non-zero numbers, not '%s'", cmd, t);
            if (nw < LD_PREF_MAX_TERMS) o->weights[nw] = w;
            nw++;
        }
        if (nw != n) return fail(2, "%s: --loss-weights gives %d weights for %d losses", cmd, nw, n);
    }
    int f = 0;
    if (a->fdiv && pick(cmd, "--f-divergence", a->fdiv, fdiv_names, 4, &f)) return 2;
    o->fdiv = (ld_fdiv)f;
    o->beta = a->beta; o->eps = a->eps; o->lambda = a->lambda; o->gamma = a->gamma; o->nll_alpha = a->nll;
    o->fdiv_alpha = a->fdiv_alpha; o->wpo = a->wpo; o->discopop_tau = a->tau;
    o->desirable_weight = a->dw; o->undesirable_weight = a->uw;
    if (a->ld_alpha != -1) { o->ld_dpo = 1; o->ld_alpha = a->ld_alpha; }
    return 0;
}

/* "sigmoid", or "sigmoid×1+sft×0.5" for a list. */
static void loss_label(const ld_pref_opts *opts, char *out, size_t n) {
    ld_pref_opts o = ld_pref_opts_resolve(opts);
    size_t k = 0;
    for (int i = 0; i < o.n_terms && k < n; i++) {
        k += (size_t)snprintf(out + k, n - k, "%s%s", i ? "+" : "", ld_pref_kind_name(o.terms[i]));
        if (o.n_terms > 1 && k < n) k += (size_t)snprintf(out + k, n - k, "×%g", o.weights[i]);
    }
}

/* The coefficients c⁺, c⁻ = −∂ℓ/∂s± of one pair at margin Δ = r⁺ − r⁻,
   with r± = ±Δ/2 around a reference log-prob of SQ_REF over SQ_LEN tokens
   each. KTO: its desirable row at r = Δ/2, its undesirable at −Δ/2, z = 0. */
#define SQ_LEN 10
#define SQ_REF (-40.0)
static int pair_coef(const ld_pref_opts *o, double D, double *cp, double *cm) {
    double s[2] = { SQ_REF + D / 2, SQ_REF - D / 2 }, q[2] = { SQ_REF, SQ_REF }, c[2], L, z;
    if (o->kind == LD_KTO) {
        int lab[2] = { 1, 0 };
        if (ld_kto_eval(o, 2, s, q, q, q, lab, &L, c, &z)) return -1;
        *cp = 2 * c[0]; *cm = 2 * c[1];   /* the mean over 2 rows: ×2 is each row's own */
        return 0;
    }
    int len[2] = { SQ_LEN, SQ_LEN };
    if (ld_pref_eval(o, 1, s, NULL, q, len, NULL, &L, c, NULL)) return -1;
    *cp = c[0]; *cm = c[1];
    return 0;
}

/* Where, on Δ ∈ [−60, 60], the coefficient (c⁻ if minus, else c⁺) is
   negative: "always", "never", "no gradient" (zero throughout), or the
   intervals, their ends found by bisection between grid points. */
static void negative_where(const ld_pref_opts *o, int minus, char *out, size_t n) {
    const double lo = -60, hi = 60, step = 0.01;
    int steps = (int)((hi - lo) / step + 0.5), inside = 0, any_nonzero = 0, n_iv = 0;
    double start = lo, iv[16][2];
    for (int i = 0; i <= steps; i++) {
        double D = lo + i * step, cp, cm;
        if (pair_coef(o, D, &cp, &cm)) { snprintf(out, n, "(not defined)"); return; }
        double c = minus ? cm : cp;
        any_nonzero |= c != 0;
        int neg = c < 0;
        if (i > 0 && neg != inside) {
            double a = D - step, b = D; /* the sign changes in (a, b] */
            for (int it = 0; it < 60; it++) {
                double mid = (a + b) / 2, mp = 0, mm = 0;
                pair_coef(o, mid, &mp, &mm);
                if (((minus ? mm : mp) < 0) == inside) a = mid; else b = mid;
            }
            if (neg) start = (a + b) / 2;
            else if (n_iv < 16) { iv[n_iv][0] = start; iv[n_iv][1] = (a + b) / 2; n_iv++; }
        } else if (i == 0 && neg) start = lo;
        inside = neg;
    }
    if (inside && n_iv < 16) { iv[n_iv][0] = start; iv[n_iv][1] = hi; n_iv++; }
    if (n_iv == 0) { snprintf(out, n, any_nonzero ? "never" : "no gradient"); return; }
    if (n_iv == 1 && iv[0][0] == lo && iv[0][1] == hi) { snprintf(out, n, "always"); return; }
    /* an end within bisection's rounding of 0 is 0 */
    for (int j = 0; j < n_iv; j++) for (int e = 0; e < 2; e++) if (fabs(iv[j][e]) < 1e-5) iv[j][e] = 0;
    if (n_iv == 2 && iv[0][0] == lo && iv[1][1] == hi && iv[0][1] == iv[1][0]) { snprintf(out, n, "Δ ≠ %.3g", iv[0][1]); return; }
    size_t k = 0;
    for (int j = 0; j < n_iv && k < n; j++) {
        const char *sep = j ? " or " : "";
        if (iv[j][0] == lo) k += (size_t)snprintf(out + k, n - k, "%sΔ < %.3g", sep, iv[j][1]);
        else if (iv[j][1] == hi) k += (size_t)snprintf(out + k, n - k, "%sΔ > %.3g", sep, iv[j][0]);
        else k += (size_t)snprintf(out + k, n - k, "%s%.3g < Δ < %.3g", sep, iv[j][0], iv[j][1]);
    }
}

static const double sq_margins_default[] = { -4, -1, 0, 1, 4 };

/* One row of the squeeze table: the loss, c⁻ at the margins, where c⁻ < 0,
   c⁺ at the margins, where c⁺ < 0. */
static void squeeze_row(const ld_pref_opts *o, const double *mg, int nm) {
    char name[160], wm[160], wp[160];
    loss_label(o, name, sizeof name);
    ld_pref_opts r = ld_pref_opts_resolve(o);
    char extra[64] = "";
    if (r.kind == LD_SIMPO) snprintf(extra, sizeof extra, ", γ %g", r.gamma);
    else if (r.kind == LD_DPOP || r.kind == LD_ORPO) snprintf(extra, sizeof extra, ", λ %g", r.lambda);
    else if (r.eps > 0) snprintf(extra, sizeof extra, ", ε %g", r.eps);
    else if (r.kind == LD_DISCOPOP) snprintf(extra, sizeof extra, ", τ %g", r.discopop_tau);
    printf("| `%s` (β %g%s) |", name, r.beta, extra);
    for (int i = 0; i < nm; i++) { double cp, cm; pair_coef(o, mg[i], &cp, &cm); printf(" %+.3g |", cm); }
    negative_where(o, 1, wm, sizeof wm);
    printf(" %s |", wm);
    for (int i = 0; i < nm; i++) { double cp, cm; pair_coef(o, mg[i], &cp, &cm); printf(" %+.3g |", cp); }
    negative_where(o, 0, wp, sizeof wp);
    printf(" %s |\n", wp);
}

static void squeeze_header(const double *mg, int nm) {
    printf("| loss |");
    for (int i = 0; i < nm; i++) printf(" c⁻ at Δ = %g |", mg[i]);
    printf(" c⁻ < 0 (y⁻ pushed down) for |");
    for (int i = 0; i < nm; i++) printf(" c⁺ at Δ = %g |", mg[i]);
    printf(" c⁺ < 0 (y⁺ pushed down) for |\n|---|");
    for (int i = 0; i < 2 * nm + 2; i++) printf("---|");
    printf("\n");
}

static int parse_margins(const char *cmd, const char *s, double *mg, int *nm) {
    char buf[256];
    snprintf(buf, sizeof buf, "%s", s);
    *nm = 0;
    for (char *t = strtok(buf, ","); t; t = strtok(NULL, ",")) {
        char *end;
        double v = strtod(t, &end);
        if (*end || end == t || !isfinite(v) || fabs(v) > 60) return fail(2, "%s: --margins wants numbers in [−60, 60], not '%s'", cmd, t);
        if (*nm == 8) return fail(2, "%s: --margins takes at most 8", cmd);
        mg[(*nm)++] = v;
    }
    return *nm ? 0 : fail(2, "%s: --margins is empty", cmd);
}

static int cmd_losses(int argc, char **argv) {
    loss_args a;
    loss_args_init(&a, NULL);
    const char *margins = NULL;
    opt_t opts[] = {
        { "--loss", 's', &a.loss, "the losses to show, comma-separated, each alone [every loss of the header]" },
        { "--margins", 's', &margins, "margins Δ = r⁺ − r⁻ in nats, comma-separated [-4,-1,0,1,4]" },
        LOSS_OPTS(a),
        { NULL, 0, NULL, NULL } };
    int r = parse(argc, argv, opts, "losses",
                  "Which losses squeeze: for each loss, the coefficient c⁻ = −∂ℓ/∂s⁻ of its residual on the rejected\n"
                  "response (G = c⁻(π − y⁻)) and c⁺ on the chosen, per pair, at a few margins; c < 0 is a negative\n"
                  "gradient that pushes that response down (on a low-probability y⁻: the squeezing effect).\n"
                  "Prints a Markdown table (the README's is this command's output).");
    if (r) return r;
    double mg[8];
    int nm = 5;
    memcpy(mg, sq_margins_default, sizeof sq_margins_default);
    if (margins && (r = parse_margins("losses", margins, mg, &nm))) return r;
    ld_pref_kind kinds[LD_PREF_NKINDS];
    int nk = 0;
    if (a.loss) {
        ld_pref_opts o;
        if ((r = parse_losses("losses", &a, &o))) return r;
        for (int i = 0; i < o.n_terms; i++) kinds[nk++] = o.terms[i];
    } else
        for (int k = 0; k < LD_PREF_NKINDS; k++) kinds[nk++] = (ld_pref_kind)k;
    printf("One pair, r± = s± − s±_ref = ±Δ/2, s±_ref = %g nats over L± = %d tokens (KTO: its desirable row at\n"
           "r = Δ/2, its undesirable at −Δ/2, z = 0); each loss at its defaults unless given (cdpo, robust, aot,\n"
           "aot_unpaired at ε 0.1; aot's sort is trivial for one pair); c = −∂ℓ/∂s per pair; \"for\" lists where\n"
           "c < 0 on Δ ∈ [−60, 60].\n\n", SQ_REF, SQ_LEN);
    squeeze_header(mg, nm);
    for (int i = 0; i < nk; i++) {
        a.loss = ld_pref_kind_name(kinds[i]);
        ld_pref_opts o;
        loss_args b = a;
        b.weights = NULL;
        if (b.eps == 0 && (kinds[i] == LD_CDPO || kinds[i] == LD_ROBUST || kinds[i] == LD_AOT || kinds[i] == LD_AOT_UNPAIRED)) b.eps = 0.1;
        if ((r = parse_losses("losses", &b, &o))) return r;
        double cp, cm;
        if (pair_coef(&o, 0, &cp, &cm)) return fail(1, "losses: %s: %s", a.loss, ld_failure_reason());
        squeeze_row(&o, mg, nm);
    }
    return 0;
}

/* -------------------------------------------------------- sft and pref */

/* Scores the probes; appends the long and the mean CSV rows; one line. */
static int probe(ld_model *m, const ld_dataset *pds, int max_prompt, long step, FILE *pcsv, FILE *pmean) {
    ld_probe_result pr;
    if (ld_probe_eval(m, pds, max_prompt, &pr)) return fail(1, "probes at step %ld: %s", step, ld_failure_reason());
    printf("probes @ %ld |", step);
    for (int t = 0; t < pr.n_types; t++) {
        for (int i = 0; i < pr.n; i++) {
            double v = pr.logp[(size_t)i * pr.n_types + t];
            if (v == v) fprintf(pcsv, "%ld,%s,%d,%.6f\n", step, pr.types[t], i, v);
        }
        if (pr.mean[t] == pr.mean[t]) {
            fprintf(pmean, "%ld,%s,%.6f\n", step, pr.types[t], pr.mean[t]);
            printf(" %s %.2f", pr.types[t], pr.mean[t]);
        }
    }
    printf("\n");
    fflush(pcsv);
    fflush(pmean);
    ld_probe_result_free(&pr);
    return 0;
}

static int cmd_train(int argc, char **argv, int pref) {
    const char *cmd = pref ? "pref" : "sft";
    const char *model = NULL, *data = NULL, *out = NULL, *ref_dir = NULL, *resume = NULL;
    const char *optim = "adamw", *norm = "sum", *sched = "constant", *fields = NULL;
    double lr = pref ? 1e-4 : 1e-3, wd = 0, clip = 1.0, momentum = 0, beta1 = 0.9, beta2 = 0, eps = 1e-8;
    double min_lr = 0;
    loss_args la;
    loss_args_init(&la, "sigmoid");
    int epochs = 1, batch = 8, max_prompt = 0, log_every = 10, save_every = 0, ref_pre = 0, no_shuffle = 0;
    data_args da;
    memset(&da, 0, sizeof da);
    int probe_every = 0;
    const char *probes = NULL;
    long max_steps = 0, warmup = 0, seed = 1234;
    opt_t common[] = {
        { "--model", 's', &model, "model directory to start from (required)" },
        { "--data", 's', &data, pref ? "JSONL: prompt, chosen, rejected; HH transcripts; TRL's formats; kto: prompt, completion, label (required)"
                                     : "JSONL: prompt, completion; messages; preference rows (chosen) (required)" },
        { "--out", 's', &out, "output directory: final model, trainer state, metrics.csv (required)" },
        { "--lr", 'd', &lr, "peak learning rate η" },
        { "--epochs", 'i', &epochs, "passes over the data" },
        { "--batch", 'i', &batch, pref ? "pairs per step" : "examples per step" },
        { "--max-steps", 'l', &max_steps, "stop after this many steps (0: epochs decide)" },
        { "--optim", 's', &optim, "adamw|sgd|rmsprop" },
        { "--wd", 'd', &wd, "weight decay" },
        { "--clip", 'd', &clip, "clip the gradient to this global norm (0: off)" },
        { "--momentum", 'd', &momentum, "SGD momentum" },
        { "--beta1", 'd', &beta1, "AdamW β1" },
        { "--beta2", 'd', &beta2, "AdamW β2 [0.999] / RMSprop α [0.99]" },
        { "--adam-eps", 'd', &eps, "AdamW/RMSprop ε" },
        { "--warmup", 'l', &warmup, "linear warmup steps" },
        { "--sched", 's', &sched, "constant|linear|cosine decay after the warmup" },
        { "--min-lr-ratio", 'd', &min_lr, "where linear/cosine end, as a share of --lr" },
        { "--max-prompt", 'i', &max_prompt, "prompt tokens kept when an example does not fit (0: context/2)" },
        { "--seed", 'l', &seed, "order of the examples" },
        { "--no-shuffle", 'f', &no_shuffle, "keep the file's order" },
        DATA_OPTS(da),
        { "--log-every", 'i', &log_every, "progress line every N steps" },
        { "--save-every", 'i', &save_every, "checkpoint to OUT/checkpoint-STEP every N steps (0: only at the end)" },
        { "--resume", 's', &resume, "continue from a checkpoint directory (bit for bit)" },
        { "--probes", 's', &probes, "probe JSONL (prompt + any response fields, e.g. the paper's probe types)" },
        { "--probe-every", 'i', &probe_every, "score the probes every N steps [at the start and end only]" },
        { NULL, 0, NULL, NULL } };
    opt_t sft_only[] = {
        { "--norm", 's', &norm, "sum (per sequence, mean over sequences) | mean (over the batch's tokens)" },
        { "--fields", 's', &fields, "response columns to train on, comma-separated [completion]" },
        { NULL, 0, NULL, NULL } };
    opt_t pref_only[] = {
        { "--loss", 's', &la.loss, "NAME[,NAME...]: TRL's sigmoid (dpo), hinge, ipo, exo_pair, nca_pair, robust, bco_pair, "
                                    "sppo_hard, aot, aot_unpaired, apo_zero, apo_down, discopop, sigmoid_norm, sft, kto; "
                                    "the header's cdpo, ipo_sum, dpop, simpo, orpo (ldllm losses shows them all) [sigmoid]" },
        LOSS_OPTS(la),
        { "--ref", 's', &ref_dir, "reference model directory (default: the starting model)" },
        { "--ref-precompute", 'f', &ref_pre, "compute the reference log-probs once, before training" },
        { NULL, 0, NULL, NULL } };
    /* the command's table: the common options, then its own */
    opt_t all[64];
    int na = 0;
    for (const opt_t *o = common; o->name; o++) all[na++] = *o;
    for (const opt_t *o = pref ? pref_only : sft_only; ; o++) { all[na++] = *o; if (!o->name) break; }
    int r = parse(argc, argv, all, cmd, pref ? "Preference finetuning (DPO and its family) from a model directory."
                                                : "Supervised finetuning on prompt/completion pairs from a model directory.");
    if (r) return r;
    if (!model || !data || !out) return fail(2, "%s: --model, --data and --out are required", cmd);
    static const char *const optims[] = { "adamw", "sgd", "rmsprop" };
    static const char *const norms[] = { "sum", "mean" };
    static const char *const scheds[] = { "constant", "linear", "cosine" };
    int k_optim, k_norm = 0, k_sched;
    if ((r = pick(cmd, "--optim", optim, optims, 3, &k_optim)) || (r = pick(cmd, "--sched", sched, scheds, 3, &k_sched)))
        return r;
    if (!pref && (r = pick(cmd, "--norm", norm, norms, 2, &k_norm))) return r;
    ld_pref_opts po;
    memset(&po, 0, sizeof po);
    if (pref && (r = parse_losses(cmd, &la, &po))) return r;
    int kto = pref && po.kind == LD_KTO;
    if (batch < 1 || epochs < 1 || log_every < 1 || save_every < 0) return fail(2, "%s: --batch, --epochs, --log-every must be ≥ 1", cmd);

    /* the data */
    ld_config probe_cfg;
    char cfgpath[4096];
    snprintf(cfgpath, sizeof cfgpath, "%s/config.json", model);
    if (ld_load_config(&probe_cfg, cfgpath)) return fail(1, "%s: %s", cmd, ld_failure_reason());
    if ((r = data_setup(cmd, model, &da))) return r;
    ld_tokenizer *dtok;   /* the model's text (ld_load reads the same files for the model) */
    if ((r = model_tokenizer(cmd, model, &probe_cfg, &dtok))) return r;
    da.opts.tokenizer = dtok;
    ld_dataset ds, pds;
    memset(&pds, 0, sizeof pds);
    r = load_data(cmd, "", data, &probe_cfg, kto ? LD_DATA_UNPAIRED : pref ? LD_DATA_PREF : LD_DATA_SFT, &da, &ds);
    if (!r && probes && (r = load_data(cmd, "probes: ", probes, &probe_cfg, LD_DATA_PROBES, &da, &pds))) ld_dataset_free(&ds);
    ld_tokenizer_free(dtok);
    if (r) return r;
    if (probe_every < 0) { ld_dataset_free(&ds); ld_dataset_free(&pds); return fail(2, "%s: --probe-every must be ≥ 0", cmd); }

    /* the training config */
    ld_train_config tc;
    memset(&tc, 0, sizeof tc);
    char fieldbuf[256];
    int nf = 1;
    if (fields) {
        snprintf(fieldbuf, sizeof fieldbuf, "%s", fields);
        nf = 0;
        for (char *tok = strtok(fieldbuf, ","); tok && nf < 4; tok = strtok(NULL, ",")) tc.sft_fields[nf++] = tok;
        if (nf == 0) { ld_dataset_free(&ds); return fail(2, "sft: --fields is empty"); }
    }
    tc.pref = pref; tc.norm = (ld_norm)k_norm; tc.batch = batch; tc.epochs = epochs; tc.max_steps = max_steps;
    tc.lr = lr; tc.warmup = warmup; tc.sched = (ld_sched)k_sched; tc.min_lr_ratio = min_lr; tc.max_prompt = max_prompt;
    tc.seed = (uint64_t)seed; tc.no_shuffle = no_shuffle; tc.ref_precompute = ref_pre;
    tc.loss = po;
    int rows = pref ? 2 * batch : batch * nf;

    ld_model m, ref;
    int have_ref = 0, code = 0;
    if (ld_load(&m, model, rows, da.max_length, LD_TRAIN)) { ld_dataset_free(&ds); ld_dataset_free(&pds); return fail(1, "%s: %s", cmd, ld_failure_reason()); }
    if (pref && ref_dir && ld_pref_opts_needs_ref(&po)) {
        if (ld_load(&ref, ref_dir, rows, m.T, 0)) { code = fail(1, "%s: reference: %s", cmd, ld_failure_reason()); goto done_model; }
        have_ref = 1;
    }
    ld_optim opt;
    ld_optim_config oc;
    memset(&oc, 0, sizeof oc);
    oc.kind = (ld_opt_kind)(k_optim == 0 ? LD_OPT_ADAMW : k_optim == 1 ? LD_OPT_SGD : LD_OPT_RMSPROP);
    oc.lr = lr; oc.beta1 = beta1; oc.beta2 = beta2; oc.eps = eps; oc.weight_decay = wd; oc.momentum = momentum; oc.grad_clip = clip;
    if (ld_optim_init(&opt, &m, &oc)) { code = fail(1, "%s: %s", cmd, ld_failure_reason()); goto done_ref; }
    ld_trainer tr;
    if (ld_trainer_init(&tr, &m, &opt, &ds, &tc, have_ref ? &ref : NULL)) { code = fail(1, "%s: %s", cmd, ld_failure_reason()); goto done_opt; }
    if (resume && ld_trainer_resume(&tr, resume)) { code = fail(1, "%s: resume: %s", cmd, ld_failure_reason()); goto done_tr; }
    if (make_dirs(out)) { code = fail(1, "%s: cannot create %s: %s", cmd, out, strerror(errno)); goto done_tr; }

    char path[4200];
    snprintf(path, sizeof path, "%s/metrics.csv", out);
    FILE *csv = fopen(path, resume ? "a" : "w");
    if (!csv) { code = fail(1, "%s: cannot write %s", cmd, path); goto done_tr; }
    if (!resume || ftell(csv) == 0)
        fprintf(csv, pref ? "step,epoch,lr,loss,grad_norm,rewards/chosen,rewards/rejected,rewards/margins,"
                            "rewards/accuracies,logps/chosen,logps/rejected,logits/chosen,logits/rejected,entropy,"
                            "mean_token_accuracy,num_tokens,kl,coef/chosen,coef/rejected,seconds\n"
                          : "step,epoch,lr,loss,grad_norm,tokens,seconds\n");
    printf("%s: %d examples, %d per step, %ld steps; model %d layers × %d channels (%zu parameters)%s\n", cmd, ds.n,
           tr.cfg.batch, tr.total_steps, m.cfg.n_layer, m.cfg.n_embd, m.P, resume ? ", resumed" : "");
    if (pref) {
        ld_pref_opts ro = ld_pref_opts_resolve(&tc.loss);
        char name[256];
        loss_label(&ro, name, sizeof name);
        printf("%s: loss %s, β %g, ε %g, λ %g, γ %g, α %g, f-divergence %s", cmd, name, ro.beta, ro.eps, ro.lambda, ro.gamma,
               ro.nll_alpha, fdiv_names[ro.fdiv]);
        if (ro.ld_dpo) printf(", LD-DPO α %g", ro.ld_alpha);
        if (ro.wpo) printf(", WPO");
        if (kto) printf(", KTO weights %g/%g", ro.desirable_weight, ro.undesirable_weight);
        printf("; reference: %s\n", !ld_pref_opts_needs_ref(&ro) ? "none" : have_ref ? ref_dir : "the starting model (precomputed)");
    }
    FILE *pcsv = NULL, *pmean = NULL;
    if (pds.n) {
        snprintf(path, sizeof path, "%s/probes.csv", out);
        pcsv = fopen(path, resume ? "a" : "w");
        snprintf(path, sizeof path, "%s/probes_mean.csv", out);
        pmean = fopen(path, resume ? "a" : "w");
        if (!pcsv || !pmean) { if (pcsv) fclose(pcsv); if (pmean) fclose(pmean); fclose(csv); code = fail(1, "%s: cannot write %s", cmd, path); goto done_tr; }
        if (!resume || ftell(pcsv) == 0) fprintf(pcsv, "step,type,example,logprob\n");
        if (!resume || ftell(pmean) == 0) fprintf(pmean, "step,type,mean_logprob\n");
    }
    double t0 = now_s();
    long tok0 = tr.tokens, step0 = tr.step;
    if (pds.n && (code = probe(&m, &pds, max_prompt, tr.step, pcsv, pmean))) goto done_files;
    while (!ld_trainer_done(&tr)) {
        if (ld_trainer_step(&tr)) { code = fail(1, "%s: step %ld: %s", cmd, tr.step, ld_failure_reason()); break; }
        double el = now_s() - t0;
        if (pref) {
            const ld_pref_metrics *mt = &tr.metrics;
            fprintf(csv, "%ld,%d,%.6g,%.8g,%.6g,%.6g,%.6g,%.6g,%.4g,%.6g,%.6g,%.6g,%.6g,%.6g,%.4g,%ld,%.6g,%.6g,%.6g,%.3f\n", tr.step,
                    tr.epoch, tr.lr, tr.loss, tr.grad_norm, mt->rewards_chosen, mt->rewards_rejected, mt->rewards_margins,
                    mt->rewards_accuracies, mt->logps_chosen, mt->logps_rejected, mt->logits_chosen, mt->logits_rejected,
                    mt->entropy, mt->mean_token_accuracy, tr.tokens, mt->kl, mt->coef_chosen, mt->coef_rejected, el);
        }
        else
            fprintf(csv, "%ld,%d,%.6g,%.8g,%.6g,%ld,%.3f\n", tr.step, tr.epoch, tr.lr, tr.loss, tr.grad_norm, tr.tokens, el);
        if (tr.step % log_every == 0 || ld_trainer_done(&tr)) {
            char eta[32], spent[32];
            double per = el / (double)(tr.step - step0);
            fmt_time(eta, sizeof eta, per * (double)(tr.total_steps - tr.step));
            fmt_time(spent, sizeof spent, el);
            if (kto)
                printf("step %5ld/%ld | loss %.5f | kl %.4f | rewards desirable %+.4f undesirable %+.4f | lr %.2e | %.0f tok/s | %s, left %s\n",
                       tr.step, tr.total_steps, tr.loss, tr.metrics.kl, tr.metrics.rewards_chosen, tr.metrics.rewards_rejected, tr.lr,
                       (tr.tokens - tok0) / el, spent, eta);
            else if (pref)
                printf("step %5ld/%ld | loss %.5f | margins %+.4f acc %.2f | chosen %.2f rejected %.2f | lr %.2e | %.0f tok/s | %s, left %s\n",
                       tr.step, tr.total_steps, tr.loss, tr.metrics.rewards_margins, tr.metrics.rewards_accuracies,
                       tr.metrics.logps_chosen, tr.metrics.logps_rejected, tr.lr, (tr.tokens - tok0) / el, spent, eta);
            else
                printf("step %5ld/%ld | loss %.5f | grad norm %.3f | lr %.2e | %.0f tok/s | %s, left %s\n", tr.step,
                       tr.total_steps, tr.loss, tr.grad_norm, tr.lr, (tr.tokens - tok0) / el, spent, eta);
            fflush(stdout);
        }
        if (pds.n && ((probe_every && tr.step % probe_every == 0) || ld_trainer_done(&tr)) &&
            (code = probe(&m, &pds, max_prompt, tr.step, pcsv, pmean)))
            break;
        if (save_every && tr.step % save_every == 0 && !ld_trainer_done(&tr)) {
            char ck[4200];
            snprintf(ck, sizeof ck, "%s/checkpoint-%ld", out, tr.step);
            if (make_dirs(ck) || ld_trainer_save(&tr, ck)) { code = fail(1, "%s: checkpoint %s: %s", cmd, ck, ld_failure_reason()); break; }
            if ((code = copy_beside(cmd, model, ck, "tokenizer_config.json"))) break;
        }
    }
done_files:
    fclose(csv);
    if (pcsv) fclose(pcsv);
    if (pmean) fclose(pmean);
    if (!code) {
        if (ld_trainer_save(&tr, out)) code = fail(1, "%s: %s", cmd, ld_failure_reason());
        else if ((code = copy_beside(cmd, model, out, "tokenizer_config.json"))) {}
        else printf("wrote %s (model.safetensors, config.json, trainer.safetensors, metrics.csv%s%s)\n", out,
                    pds.n ? ", probes.csv, probes_mean.csv" : "", m.tokenizer ? ", the tokenizer" : "");
    }
done_tr:
    ld_trainer_free(&tr);
done_opt:
    ld_optim_free(&opt);
done_ref:
    if (have_ref) ld_model_free(&ref);
done_model:
    ld_model_free(&m);
    ld_dataset_free(&ds);
    ld_dataset_free(&pds);
    return code;
}

/* ----------------------------------------------------------- logprobs */

static int cmd_logprobs(int argc, char **argv) {
    const char *model = NULL, *data = NULL;
    int max_prompt = 0, batch = 16, ids = 0;
    data_args da;
    memset(&da, 0, sizeof da);
    opt_t opts[] = {
        { "--model", 's', &model, "model directory (required)" },
        { "--ids", 'f', &ids, "add two columns: token_ids (all of χ, space-separated) and response_start (the index in χ "
                              "of the first response token)" },
        { "--data", 's', &data, "JSONL: a prompt and any response fields (completion, chosen, rejected, the paper's "
                                "probes...), HH transcripts, TRL's conversational rows" },
        { "--max-prompt", 'i', &max_prompt, "prompt tokens kept when an example does not fit (0: context/2)" },
        { "--batch", 'i', &batch, "sequences per forward pass" },
        DATA_OPTS(da),
        { NULL, 0, NULL, NULL } };
    int r = parse(argc, argv, opts, "logprobs",
                  "Prints, as CSV on stdout, log π(y|x) of every response field of every example, and\n"
                  "the per-token values (space-separated, nats). χ = [bos; prompt; response; eos].");
    if (r) return r;
    if (!model || !data) return fail(2, "logprobs: --model and --data are required");
    if (batch < 1) return fail(2, "logprobs: --batch must be ≥ 1");
    if ((r = data_setup("logprobs", model, &da))) return r;
    ld_model m;
    if (ld_load(&m, model, batch, da.max_length, 0)) return fail(1, "logprobs: %s", ld_failure_reason());
    if ((r = model_text_ok("logprobs", model, &m))) { ld_model_free(&m); return r; }
    da.opts.tokenizer = m.tokenizer;
    ld_dataset ds;
    if ((r = load_data("logprobs", "", data, &m.cfg, LD_DATA_PROBES, &da, &ds))) { ld_model_free(&m); return r; }
    /* every (example, field) present, in order, then forward passes of `batch` of them */
    size_t np = 0;
    int *pairs = (int *)malloc(sizeof(int) * 2 * ((size_t)ds.n * ds.n_fields + 1));
    for (int i = 0; i < ds.n; i++)
        for (int f = 1; f < ds.n_fields; f++)
            if (ds.len[(size_t)i * ds.n_fields + f] >= 0) { pairs[2 * np] = i; pairs[2 * np + 1] = f; np++; }
    int *buf = (int *)malloc(sizeof(int) * (size_t)batch * m.T);
    ld_seq *rows = (ld_seq *)malloc(sizeof(ld_seq) * batch);
    printf("example,line,field,n_tokens,logprob,token_logprobs%s\n", ids ? ",token_ids,response_start" : "");
    int code = 0;
    for (size_t p0 = 0; p0 < np && !code; p0 += batch) {
        int n = (int)(np - p0 < (size_t)batch ? np - p0 : (size_t)batch);
        for (int b = 0; b < n && !code; b++)
            if (ld_dataset_seq(&ds, pairs[2 * (p0 + b)], pairs[2 * (p0 + b) + 1], m.T, max_prompt, &m.cfg,
                               buf + (size_t)b * m.T, &rows[b]))
                code = fail(1, "logprobs: %s", ld_failure_reason());
        if (code) break;
        if (ld_forward(&m, rows, n)) { code = fail(1, "logprobs: %s", ld_failure_reason()); break; }
        for (int b = 0; b < n; b++) {
            int i = pairs[2 * (p0 + b)], f = pairs[2 * (p0 + b) + 1];
            printf("%d,%d,%s,%d,%.6f,", i, ds.line[i], ds.fields[f], rows[b].len - rows[b].prompt_len, m.seq_logp[b]);
            for (int t = rows[b].prompt_len - 1; t < rows[b].len - 1; t++)
                printf("%s%.4f", t > rows[b].prompt_len - 1 ? " " : "", m.tok_logp[b * m.cur_T + t]);
            if (ids) {
                printf(",");
                for (int t = 0; t < rows[b].len; t++) printf("%s%d", t ? " " : "", rows[b].tokens[t]);
                printf(",%d", rows[b].prompt_len);
            }
            printf("\n");
        }
    }
    free(buf); free(rows); free(pairs);
    ld_dataset_free(&ds);
    ld_model_free(&m);
    return code;
}

/* ----------------------------------------------------------- dynamics */

static int cmd_dynamics(int argc, char **argv) {
    const char *model = NULL, *update = NULL, *observe = NULL, *optim = "sgd";
    double lr = 0.01;
    loss_args la;
    loss_args_init(&la, "sft");
    int csv = 0, top = 3, max_prompt = 0, batch = 0;
    data_args da;
    memset(&da, 0, sizeof da);
    opt_t opts[] = {
        { "--model", 's', &model, "model directory (required)" },
        { "--update", 's', &update, "JSONL of the training batch: prompt and completion (or chosen) for sft, chosen and rejected "
                                    "for the preference losses, prompt, completion and label for kto (required)" },
        { "--observe", 's', &observe, "JSONL of the observed responses: a prompt and any response fields (required)" },
        { "--lr", 'd', &lr, "η of the step" },
        { "--loss", 's', &la.loss, "sft (plain SFT), or a preference loss NAME[,NAME...] as ldllm pref takes" },
        { "--optim", 's', &optim, "sgd|adamw|rmsprop (a fresh optimizer: one step)" },
        { "--batch", 'i', &batch, "use the first N examples of --update [all]" },
        LOSS_OPTS(la),
        { "--max-prompt", 'i', &max_prompt, "prompt tokens kept when an example does not fit (0: context/2)" },
        { "--top", 'i', &top, "tokens listed that gained the most probability" },
        { "--csv", 'f', &csv, "one row per observed response: example,predicted,measured (example = N:field)" },
        DATA_OPTS(da),
        { NULL, 0, NULL, NULL } };
    int r = parse(argc, argv, opts, "dynamics",
                  "One optimizer step on the --update batch, taken on a copy: for every observed response,\n"
                  "the predicted Δ log π(y|χ) = ⟨∇θ log π, Δθ⟩ (−η A K G, Prop. 1 of Ren & Sutherland),\n"
                  "its parts through the chosen and rejected rows, the measured change after the step,\n"
                  "and the tokens that gained the most probability; then each row's residual coefficient c\n"
                  "(G = c(π − y); c < 0 pushes the response down) and, for a preference loss, its c⁻ and c⁺\n"
                  "at a few margins (as ldllm losses). The model on disk is not changed.");
    if (r) return r;
    if (!model || !update || !observe) return fail(2, "dynamics: --model, --update and --observe are required");
    static const char *const optims[] = { "sgd", "adamw", "rmsprop" };
    int k_opt;
    if ((r = pick("dynamics", "--optim", optim, optims, 3, &k_opt))) return r;
    if (!(lr > 0) || top < 0 || batch < 0) return fail(2, "dynamics: --lr > 0, --top ≥ 0, --batch ≥ 0");
    int pref = strcmp(la.loss, "sft") != 0;
    ld_pref_opts po;
    memset(&po, 0, sizeof po);
    if (pref && (r = parse_losses("dynamics", &la, &po))) return r;
    int kto = pref && po.kind == LD_KTO;
    char lname[256] = "sft";
    if (pref) loss_label(&po, lname, sizeof lname);
    char cfgpath[4096];
    ld_config cfg;
    snprintf(cfgpath, sizeof cfgpath, "%s/config.json", model);
    if (ld_load_config(&cfg, cfgpath)) return fail(1, "dynamics: %s", ld_failure_reason());
    if ((r = data_setup("dynamics", model, &da))) return r;
    ld_tokenizer *dtok;   /* the model's text */
    if ((r = model_tokenizer("dynamics", model, &cfg, &dtok))) return r;
    da.opts.tokenizer = dtok;
    ld_dataset ud, od;
    /* any columns: SFT takes "completion" (or "chosen"), preferences "chosen" and "rejected" */
    r = load_data("dynamics", "update: ", update, &cfg, kto ? LD_DATA_UNPAIRED : LD_DATA_PROBES, &da, &ud);
    if (!r && (r = load_data("dynamics", "observe: ", observe, &cfg, LD_DATA_PROBES, &da, &od))) ld_dataset_free(&ud);
    ld_tokenizer_free(dtok);
    if (r) return r;
    int n_ex = batch && batch < ud.n ? batch : ud.n, rows = pref ? 2 * n_ex : n_ex, code = 0;
    ld_model m;
    if (ld_load(&m, model, rows < 2 ? 2 : rows, da.max_length, LD_TRAIN | LD_JVP)) { ld_dataset_free(&ud); ld_dataset_free(&od); return fail(1, "dynamics: %s", ld_failure_reason()); }
    /* the observed responses */
    int n_obs = 0;
    for (int i = 0; i < od.n; i++) for (int f = 1; f < od.n_fields; f++) n_obs += od.len[(size_t)i * od.n_fields + f] >= 0;
    int *obuf = (int *)malloc(sizeof(int) * (size_t)n_obs * m.T), *oi = (int *)malloc(sizeof(int) * 2 * n_obs);
    ld_seq *obs = (ld_seq *)malloc(sizeof(ld_seq) * n_obs);
    int k = 0;
    for (int i = 0; i < od.n; i++)
        for (int f = 1; f < od.n_fields; f++)
            if (od.len[(size_t)i * od.n_fields + f] >= 0) {
                if (ld_dataset_seq(&od, i, f, m.T, max_prompt, &m.cfg, obuf + (size_t)k * m.T, &obs[k]) && !code)
                    code = fail(1, "dynamics: observe: %s", ld_failure_reason());
                oi[2 * k] = i; oi[2 * k + 1] = f; k++;
            }
    ld_optim opt;
    ld_optim_config oc;
    memset(&oc, 0, sizeof oc);
    oc.kind = k_opt == 0 ? LD_OPT_SGD : k_opt == 1 ? LD_OPT_ADAMW : LD_OPT_RMSPROP;
    oc.lr = lr;
    ld_train_config tc;
    memset(&tc, 0, sizeof tc);
    tc.pref = pref; tc.batch = n_ex; tc.no_shuffle = 1; tc.max_prompt = max_prompt;
    tc.loss = po;
    ld_trainer tr;
    ld_dyn_report rep;
    memset(&rep, 0, sizeof rep);
    if (code) goto out;
    if (ld_optim_init(&opt, &m, &oc)) { code = fail(1, "dynamics: %s", ld_failure_reason()); goto out; }
    if (ld_trainer_init(&tr, &m, &opt, &ud, &tc, NULL)) { code = fail(1, "dynamics: %s", ld_failure_reason()); ld_optim_free(&opt); goto out; }
    if (ld_dyn_step(&tr, obs, n_obs, 0, &rep)) code = fail(1, "dynamics: %s", ld_failure_reason());
    if (!code && csv) {
        printf("example,predicted,measured\n");
        for (int i = 0; i < n_obs; i++) printf("%d:%s,%.8g,%.8g\n", oi[2 * i], od.fields[oi[2 * i + 1]], rep.pred[i], rep.meas[i]);
    } else if (!code) {
        printf("one %s step (%s, η %g) on %d examples; loss %.5f\n", lname, optims[k_opt], lr, n_ex, rep.loss);
        printf("Δ log π(y|χ) of each observed response, nats: predicted ⟨∇θ log π, Δθ⟩ and measured%s\n\n",
               pref ? "; the prediction's parts through the chosen and rejected rows" : "");
        printf("%-4s %-20s %10s %10s %10s %9s", "ex", "response", "log π", "predicted", "measured", "gap");
        if (pref) printf(" %10s %10s", "chosen", "rejected");
        printf("   top tokens gaining probability\n");
        int V = m.cfg.vocab_size;
        double *dl = (double *)malloc(sizeof(double) * (size_t)m.T * V), *mass = (double *)malloc(sizeof(double) * V);
        ld_float *pv = (ld_float *)malloc(sizeof(ld_float) * V);
        int *tt = (int *)malloc(sizeof(int) * (top ? top : 1));
        double *tg = (double *)malloc(sizeof(double) * (top ? top : 1));
        for (int i = 0; i < n_obs && !code; i++) {
            /* where the mass goes: Σ over the response's positions of π Δ log π */
            if (ld_dyn_predict(&m, &obs[i], rep.dtheta, dl, NULL)) { code = fail(1, "dynamics: %s", ld_failure_reason()); break; }
            for (int v = 0; v < V; v++) mass[v] = 0;
            for (int t = obs[i].prompt_len - 1; t < obs[i].len - 1; t++)
                for (int v = 0; v < V; v++) mass[v] += (double)m.a.probs[(size_t)t * V + v] * dl[(size_t)t * V + v];
            for (int v = 0; v < V; v++) pv[v] = 1;
            ld_dyn_top_tokens(pv, mass, V, top, tt, tg);
            printf("%-4d %-20.20s %10.4f %+10.5f %+10.5f %9.2e", oi[2 * i], od.fields[oi[2 * i + 1]], rep.logp[i], rep.pred[i], rep.meas[i],
                   rep.meas[i] - rep.pred[i]);
            if (pref) printf(" %+10.5f %+10.5f", rep.pred_chosen[i], rep.pred_rejected[i]);
            printf("  ");
            char b[64];
            for (int j = 0; j < top; j++) {
                ld_model_token_string(&m, tt[j], b, sizeof b);   /* the tokenizer's text of the token */
                printf(" '%s' %+.1e", b, tg[j]);
            }
            printf("\n");
        }
        free(dl); free(mass); free(pv); free(tt); free(tg);
        /* the residual of the step, row by row, and whether the loss squeezes */
        printf("\nthe step's residual: G = c (π − y) on each row's response (c_tail past LD-DPO's shared part);\n"
               "c < 0 is a negative gradient, pushing that response down\n\n");
        printf("%-4s %-4s %-12s %12s %12s %8s\n", "row", "ex", "role", "c", "c_tail", "WPO w");
        static const char *const roles[] = { "chosen", "rejected", "KL (none)" };
        for (int k = 0; k < rep.n_rows; k++) {
            const ld_row_coef *rc = &rep.row_coef[k];
            const char *role = !pref ? "sft" : kto && rc->role == LD_ROW_CHOSEN ? "desirable" : kto && rc->role == LD_ROW_REJECTED ? "undesirable" : roles[rc->role];
            printf("%-4d %-4d %-12s %+12.4e %+12.4e %8.4f\n", k, rep.row_example[k], role, rc->c, rc->c_tail, rc->weight);
        }
        if (pref) {
            int nm = 5;
            printf("\n%s per pair at margins Δ = r⁺ − r⁻ (one pair, s_ref = %g nats over %d tokens; as ldllm losses):\n\n",
                   lname, SQ_REF, SQ_LEN);
            squeeze_header(sq_margins_default, nm);
            squeeze_row(&po, sq_margins_default, nm);
        }
    }
    ld_dyn_report_free(&rep);
    ld_trainer_free(&tr);
    ld_optim_free(&opt);
out:
    free(obuf); free(oi); free(obs);
    ld_model_free(&m);
    ld_dataset_free(&ud);
    ld_dataset_free(&od);
    return code;
}

/* ----------------------------------------------------------- generate */

static int cmd_generate(int argc, char **argv) {
    const char *model = NULL, *prompt = NULL;
    int greedy = 0, top_k = 0, max_new = 0, n = 1;
    double temperature = 1.0;
    long seed = 1;
    opt_t opts[] = {
        { "--model", 's', &model, "model directory (required)" },
        { "--prompt", 's', &prompt, "text to continue (required); the model's bos token, if it has one, is put before it" },
        { "--greedy", 'f', &greedy, "take the most likely token each time" },
        { "--temperature", 'd', &temperature, "sample from softmax(z / T)" },
        { "--top-k", 'i', &top_k, "sample among the k most likely tokens (0: all)" },
        { "--max-new", 'i', &max_new, "tokens to generate at most (0: until the context is full)" },
        { "--n", 'i', &n, "how many continuations" },
        { "--seed", 'l', &seed, "sampling seed" },
        { NULL, 0, NULL, NULL } };
    int r = parse(argc, argv, opts, "generate", "Continues a prompt; stops at the model's eos token or a full context.");
    if (r) return r;
    if (!model || !prompt) return fail(2, "generate: --model and --prompt are required");
    if (!(temperature > 0) || top_k < 0 || max_new < 0 || n < 1 || n > 256) return fail(2, "generate: --temperature > 0, --top-k ≥ 0, 1 ≤ --n ≤ 256");
    ld_model m;
    if (ld_load(&m, model, n, 0, 0)) return fail(1, "generate: %s", ld_failure_reason());
    if ((r = model_text_ok("generate", model, &m))) { ld_model_free(&m); return r; }
    int T = m.T, np = 0;
    int *tok = (int *)malloc(sizeof(int) * T), *out = (int *)malloc(sizeof(int) * (size_t)n * T), *out_len = (int *)malloc(sizeof(int) * n);
    ld_seq *ps = (ld_seq *)malloc(sizeof(ld_seq) * n);
    int nb = m.cfg.bos_token != LD_NO_TOKEN; /* the prompt starts with bos when the model has one */
    tok[0] = m.cfg.bos_token;
    int code = 0;
    if (ld_model_encode(&m, prompt, -1, 0, tok + nb, T - nb, &np)) code = fail(1, "generate: prompt: %s", ld_failure_reason());
    else if (np + nb < 1) code = fail(2, "generate: an empty prompt needs a model with a bos token");
    for (int i = 0; i < n && !code; i++) { ps[i].tokens = tok; ps[i].len = np + nb; ps[i].prompt_len = np + nb; }
    ld_rng rng;
    ld_rng_seed(&rng, (uint64_t)seed);
    ld_sample_opts so;
    memset(&so, 0, sizeof so);
    if (!greedy) { so.temperature = temperature; so.top_k = top_k; }
    if (!code && ld_generate(&m, ps, n, max_new ? max_new : T, &so, &rng, out, out_len)) code = fail(1, "generate: %s", ld_failure_reason());
    size_t cap = 4 * (size_t)T + 1, len;
    char *txt = (char *)malloc(cap);
    for (int i = 0; i < n && !code; i++) {   /* the continuation, its eos left out */
        if ((code = decode_ids("generate", &m, out + (size_t)i * T + nb + np, out_len[i] - nb - np, LD_TOK_SKIP_SPECIAL, &txt, &cap, &len)))
            break;
        printf("%s", prompt);
        fwrite(txt, 1, len, stdout);
        printf("\n");
    }
    free(tok); free(out); free(out_len); free(ps); free(txt);
    ld_model_free(&m);
    return code;
}

/* ---------------------------------------------------------- tokenize */

/* Writes s[0..n) as a JSON string. Bytes that are not UTF-8 become U+FFFD,
   one for each maximal invalid stretch (as Rust's from_utf8_lossy, and so
   Hugging Face's decode, writes them). */
static void put_json_string(FILE *f, const char *s, size_t n) {
    const unsigned char *u = (const unsigned char *)s;
    fputc('"', f);
    for (size_t i = 0; i < n;) {
        unsigned c = u[i];
        int k = c < 0x80 ? 1 : ld__utf8_len(u + i, (int)(n - i < 4 ? n - i : 4));
        if (!k) {
            /* a lead byte and the continuation bytes that could still follow it */
            unsigned lo = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80, hi = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
            int need = c >= 0xC2 && c <= 0xDF ? 1 : c >= 0xE0 && c <= 0xEF ? 2 : c >= 0xF0 && c <= 0xF4 ? 3 : 0;
            i++;
            for (int q = 0; q < need && i < n && u[i] >= lo && u[i] <= hi; q++, i++) lo = 0x80, hi = 0xBF;
            fputs("\\ufffd", f);
            continue;
        }
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c == '\n') fputs("\\n", f);
        else if (c == '\t') fputs("\\t", f);
        else if (c == '\r') fputs("\\r", f);
        else if (c < 0x20 || c == 0x7F) fprintf(f, "\\u%04x", c);
        else fwrite(s + i, 1, (size_t)k, f);
        i += (size_t)k;
    }
    fputc('"', f);
}

/* The lines of a JSONL file, one JSON object each (the library's JSON reader;
   blank lines are skipped). Calls fn(line number, the JSON, the value of
   `field`), stops at the first nonzero return. */
typedef int (*line_fn)(void *ctx, long line, const ld__json *j, int value);
static int each_line(const char *cmd, const char *path, const char *field, line_fn fn, void *ctx) {
    FILE *f = fopen(path, "rb");
    if (!f) return fail(1, "%s: cannot open %s", cmd, path);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long no = 0;
    int code = 0;
    while (!code && (n = getline(&line, &cap, f)) >= 0) {
        no++;
        size_t len = (size_t)n;
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r')) len--;
        size_t k = 0;
        while (k < len && (line[k] == ' ' || line[k] == '\t')) k++;
        if (k == len) continue;
        ld__json j;
        if (ld__json_parse(&j, line, len)) code = fail(1, "%s: %s line %ld: %s", cmd, path, no, j.err);
        else if (j.nodes[0].type != 'o') code = fail(1, "%s: %s line %ld: not a JSON object", cmd, path, no);
        else {
            int v = ld__json_get(&j, 0, field);
            if (v < 0) code = fail(1, "%s: %s line %ld: no field \"%s\"", cmd, path, no, field);
            else code = fn(ctx, no, &j, v);
        }
        ld__json_free(&j);
    }
    free(line);
    fclose(f);
    return code;
}

typedef struct { const char *cmd, *path; const ld_tokenizer *t; int flags; char *buf; size_t cap; int *ids; int nids; } tok_ctx;

static int tokenize_line(void *p, long no, const ld__json *j, int v) {
    tok_ctx *c = (tok_ctx *)p;
    if (j->nodes[v].type != 's') return fail(1, "%s: %s line %ld: the field is not a string", c->cmd, c->path, no);
    size_t need = (size_t)(j->nodes[v].end - j->nodes[v].start) + 1;
    if (need > c->cap) { free(c->buf); c->cap = 2 * need; c->buf = (char *)malloc(c->cap); }
    long n = ld__json_str(j, v, c->buf, c->cap - 1);
    if (n < 0) return fail(1, "%s: %s line %ld: the string has a lone surrogate", c->cmd, c->path, no);
    int k;
    ld_status st = ld_tokenizer_encode(c->t, c->buf, n, c->flags, c->ids, c->nids, &k);
    if (st == LD_ERR_LENGTH) {
        free(c->ids);
        c->nids = k;
        c->ids = (int *)malloc(sizeof(int) * (size_t)(k ? k : 1));
        st = ld_tokenizer_encode(c->t, c->buf, n, c->flags, c->ids, c->nids, &k);
    }
    if (st) return fail(1, "%s: %s line %ld: %s", c->cmd, c->path, no, ld_failure_reason());
    fputs("{\"ids\":[", stdout);
    for (int i = 0; i < k; i++) printf(i ? ",%d" : "%d", c->ids[i]);
    fputs("]}\n", stdout);
    return 0;
}

static int detokenize_line(void *p, long no, const ld__json *j, int v) {
    tok_ctx *c = (tok_ctx *)p;
    if (j->nodes[v].type != 'a') return fail(1, "%s: %s line %ld: \"ids\" is not an array", c->cmd, c->path, no);
    int n = j->nodes[v].n;
    if (n > c->nids) { free(c->ids); c->nids = n; c->ids = (int *)malloc(sizeof(int) * (size_t)n); }
    for (int q = v + 1, i = 0; i < n; i++, q = j->nodes[q].skip) {
        double x;
        if (ld__json_num(j, q, &x) || x != (double)(int)x)
            return fail(1, "%s: %s line %ld: id %d is not an integer", c->cmd, c->path, no, i);
        c->ids[i] = (int)x;
    }
    size_t len;
    ld_status st = ld_tokenizer_decode(c->t, c->ids, n, c->flags, c->buf, c->cap, &len);
    if (st == LD_ERR_LENGTH) {
        free(c->buf);
        c->cap = len + 1;
        c->buf = (char *)malloc(c->cap);
        st = ld_tokenizer_decode(c->t, c->ids, n, c->flags, c->buf, c->cap, &len);
    }
    if (st) return fail(1, "%s: %s line %ld: %s", c->cmd, c->path, no, ld_failure_reason());
    fputs("{\"text\":", stdout);
    put_json_string(stdout, c->buf, len);
    fputs("}\n", stdout);
    return 0;
}

static int cmd_tokenize(int argc, char **argv, int back) {
    const char *cmd = back ? "detokenize" : "tokenize";
    const char *tok = NULL, *data = NULL, *field = back ? "ids" : "text";
    int special = 0;
    opt_t opts[] = {
        { "--tokenizer", 's', &tok, "a tokenizer.json, or a model directory holding one (or GPT-2's vocab.json + merges.txt)" },
        { "--data", 's', &data, back ? "JSONL, one {\"ids\": [...]} per line" : "JSONL, one object with a string field per line" },
        { "--field", 's', &field, back ? "the field holding the ids" : "the field to tokenize" },
        { back ? "--skip-special" : "--special-as-text", 'f', &special,
          back ? "leave special tokens out" : "read special tokens' strings (<|endoftext|>) as plain text" },
        { NULL, 0, NULL, NULL } };
    int r = parse(argc, argv, opts, cmd, back ?
                  "Prints {\"text\": \"...\"} for each line of ids, in order (bytes that are not UTF-8,\n"
                  "as when ids cut a character in two, are written U+FFFD). Blank lines are skipped." :
                  "Prints {\"ids\": [...]} for each line, in order: the ids Hugging Face tokenizers gives\n"
                  "with add_special_tokens=False (no bos or eos added). Blank lines are skipped.");
    if (r) return r;
    if (!tok || !data) return fail(2, "%s: --tokenizer and --data are required", cmd);
    ld_tokenizer *t;
    if ((r = open_tokenizer(cmd, tok, &t))) return r;
    tok_ctx c = { cmd, data, t, back ? (special ? LD_TOK_SKIP_SPECIAL : 0) : (special ? LD_TOK_SPECIAL_AS_TEXT : 0), NULL, 0, NULL, 0 };
    c.cap = 4096; c.buf = (char *)malloc(c.cap);
    c.nids = 1024; c.ids = (int *)malloc(sizeof(int) * (size_t)c.nids);
    r = each_line(cmd, data, field, back ? detokenize_line : tokenize_line, &c);
    free(c.buf); free(c.ids);
    ld_tokenizer_free(t);
    return r;
}

/* --------------------------------------------------------------- main */

int main(int argc, char **argv) {
    const char *help =
        "ldllm — finetune and inspect small GPT-2 models with ld_llm.h\n\n"
        "  ldllm init      create a model\n"
        "  ldllm sft       supervised finetuning (prompt/completion JSONL)\n"
        "  ldllm pref      preference finetuning: TRL's DPO losses (and lists of them), KTO, cDPO, DPOP, SimPO, ORPO\n"
        "  ldllm logprobs  log π(y|x) of responses in a JSONL file, as CSV\n"
        "  ldllm generate  continue a prompt\n"
        "  ldllm dynamics  one step on a copy: predicted vs measured Δ log π of observed responses\n"
        "  ldllm losses    which losses squeeze: each loss's residual coefficients on y⁻ and y⁺ at a few margins\n"
        "  ldllm tokenize  text → ids with a model's tokenizer (tokenizer.json), as JSONL\n"
        "  ldllm detokenize  ids → text, the other way\n\n"
        "ldllm COMMAND --help shows a command's options.\n";
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        fputs(help, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *c = argv[1];
    if (!strcmp(c, "init")) return cmd_init(argc - 2, argv + 2);
    if (!strcmp(c, "sft")) return cmd_train(argc - 2, argv + 2, 0);
    if (!strcmp(c, "pref")) return cmd_train(argc - 2, argv + 2, 1);
    if (!strcmp(c, "logprobs")) return cmd_logprobs(argc - 2, argv + 2);
    if (!strcmp(c, "generate")) return cmd_generate(argc - 2, argv + 2);
    if (!strcmp(c, "dynamics")) return cmd_dynamics(argc - 2, argv + 2);
    if (!strcmp(c, "losses")) return cmd_losses(argc - 2, argv + 2);
    if (!strcmp(c, "tokenize")) return cmd_tokenize(argc - 2, argv + 2, 0);
    if (!strcmp(c, "detokenize")) return cmd_tokenize(argc - 2, argv + 2, 1);
    return fail(2, "unknown command '%s' (ldllm --help lists them)", c);
}
