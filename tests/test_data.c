/* Data as users have it.
   - conversational rows (TRL's format) rendered with Llama-3's, Qwen2.5's,
     SmolLM2's and the ChatML example's templates equal jinja2's renderings
     of the real templates (tools/ref_chat_templates.py, tests/data/chat_*);
     those templates are recognised from a tokenizer_config.json; GPT-2's
     (no template) and an unknown one are refused naming --template;
   - hh and plain against renderings written out by hand; ld_chat_render;
   - Anthropic-HH transcripts: the prompt up to the last "\n\nAssistant:",
     loading exactly as the same rows with an explicit prompt; without the
     marker, TRL's extract_prompt (space rule, code points, no difference);
   - "messages" rows, SFT on preference rows;
   - empty responses: probes left out, SFT/preference rows skipped, counted
     by field; the paper's probe files (../shared/fixtures/paper) as they are;
   - bad input (unknown role, non-string content, a template that cannot
     render the roles, mismatched HH prompts): an error with the line, or
     skipped and counted;
   - TRL's prefix check on ids, with a fake tokenizer that merges "e!";
   - truncation: the DPO code's keep_start, TRL's keep_start and keep_end.
   Usage: test_data [scratch-dir] */
#include <stddef.h>
/* a tokenizer that joins the bytes "e!" into one id (300), so that the
   prompt "...e" + response "!..." breaks TRL's prefix rule */
static size_t fake_tok(const unsigned char *s, size_t n, int *out) {
    size_t k = 0;
    for (size_t q = 0; q < n; q++) {
        if (s[q] == 'e' && q + 1 < n && s[q + 1] == '!') { out[k++] = 300; q++; }
        else out[k++] = s[q];
    }
    return k;
}
#define LD_DATA_TEST_TOKENIZER(s, n, out) fake_tok((s), (n), (out))
#define LD_LLM_IMPLEMENTATION
#include "../ld_llm.h"
#include "t.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *dir = "build/tmp";

/* Does cell (i, field) hold exactly the bytes of s? */
static int cell_is(const ld_dataset *ds, int i, const char *field, const char *s) {
    int f = ld_dataset_field(ds, field), n = (int)strlen(s);
    if (f < 0 || i >= ds->n || ds->len[(size_t)i * ds->n_fields + f] != n) return 0;
    const int *t = ds->tokens + ds->start[(size_t)i * ds->n_fields + f];
    for (int k = 0; k < n; k++) if (t[k] != (unsigned char)s[k]) return 0;
    return 1;
}

/* Same examples, columns and tokens? */
static int same_data(const ld_dataset *a, const ld_dataset *b) {
    if (a->n != b->n || a->n_fields != b->n_fields || a->n_tokens != b->n_tokens) return 0;
    for (int f = 0; f < a->n_fields; f++) if (strcmp(a->fields[f], b->fields[f])) return 0;
    for (size_t c = 0; c < (size_t)a->n * a->n_fields; c++) {
        if (a->len[c] != b->len[c]) return 0;
        if (a->len[c] > 0 && memcmp(a->tokens + a->start[c], b->tokens + b->start[c], sizeof(int) * a->len[c])) return 0;
    }
    return 1;
}

static ld_status parse(ld_dataset *ds, const char *text, ld_data_kind kind, const char *tmpl, int flags) {
    ld_config cfg = {0};
    ld_chat_template t;
    ld_data_opts o;
    memset(&o, 0, sizeof o);
    o.flags = flags;
    if (tmpl) { ld_chat_template_named(&t, tmpl); o.chat = &t; }
    return ld_dataset_parse_opts(ds, text, strlen(text), &cfg, kind, &o);
}

/* ---------------------------------------------- templates vs jinja2 */

static void test_reference_renderings(void) {
    static const char *const names[] = { "llama3", "qwen2.5", "smollm2", "chatml" };
    ld_config cfg = {0};
    for (int k = 0; k < 4; k++) {
        char path[256], want[256], tc[256];
        ld_chat_template t;
        snprintf(tc, sizeof tc, "tests/data/tokenizer_config_%s.json", names[k]);
        ld_status s = ld_chat_template_load(&t, tc);
        CHECK_V(s == LD_OK && !strcmp(t.name, names[k]), "%s recognised from its tokenizer_config.json (%s)", names[k],
                s ? ld_failure_reason() : t.name);
        for (int pref = 0; pref < 2; pref++) {
            ld_data_opts o;
            memset(&o, 0, sizeof o);
            o.chat = &t;
            ld_dataset a, b;
            snprintf(path, sizeof path, "tests/data/chat_%s%s.jsonl", names[k], pref ? "_pref" : "");
            snprintf(want, sizeof want, "tests/data/chat_%s%s_want.jsonl", names[k], pref ? "_pref" : "");
            ld_status s1 = ld_dataset_load_opts(&a, path, &cfg, pref ? LD_DATA_PREF : LD_DATA_SFT, &o);
            ld_status s2 = ld_dataset_load(&b, want, &cfg, pref ? LD_DATA_PREF : LD_DATA_SFT, 0);
            CHECK_V(s1 == LD_OK && s2 == LD_OK && a.n == (pref ? 2 : 6) && same_data(&a, &b),
                    "%s: %s renders as jinja2 renders the real template (%d rows; %s)", names[k],
                    pref ? "UltraFeedback-style pairs, implicit prompt" : "prompt/completion conversations", a.n,
                    s1 || s2 ? ld_failure_reason() : "same tokens");
            ld_dataset_free(&a); ld_dataset_free(&b);
        }
    }
    /* a template that is not one of them, and a tokenizer without one */
    char p[512];
    snprintf(p, sizeof p, "%s/tc_other.json", dir);
    FILE *f = fopen(p, "w");
    fputs("{\"chat_template\": \"{% for message in messages %}{{ message['content'] }}{% endfor %}\"}", f);
    fclose(f);
    ld_chat_template t;
    CHECK_V(ld_chat_template_load(&t, p) == LD_ERR_FORMAT && strstr(ld_failure_reason(), "--template"),
            "another template is refused, naming --template: %s", ld_failure_reason());
    f = fopen(p, "w");  /* SmolLM2's with one character changed */
    fputs("{\"chat_template\": \"{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
          "{{ '<|im_start|>system\\nHi<|im_end|>\\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\\n' + "
          "message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n'"
          " }}{% endif %} \"}", f);
    fclose(f);
    CHECK_V(ld_chat_template_load(&t, p) == LD_ERR_FORMAT, "the same template with a trailing space is refused");
    f = fopen(p, "w");  /* the family of SmolLM2 with another system message, Jinja's \n escapes */
    fputs("{\"chat_template\": [{\"name\": \"tool_use\", \"template\": \"x\"}, {\"name\": \"default\", \"template\": "
          "\"{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
          "{{ '<|im_start|>system\\\\nYou are a helpful assistant<|im_end|>\\\\n' }}{% endif %}{{'<|im_start|>' + "
          "message['role'] + '\\\\n' + message['content'] + '<|im_end|>' + '\\\\n'}}{% endfor %}{% if add_generation_prompt %}"
          "{{ '<|im_start|>assistant\\\\n' }}{% endif %}\"}]}", f);
    fclose(f);
    ld_status s = ld_chat_template_load(&t, p);
    CHECK_V(s == LD_OK && t.kind == LD_CHAT_CHATML && !strcmp(t.system, "You are a helpful assistant"),
            "Qwen1.5-Chat's template (a list with \"default\", Jinja \\n escapes): chatml, system \"%s\"", t.system);
    const char *gpt2 = "../shared/fixtures/tiny-gpt2/tokenizer_config.json";
    FILE *g = fopen(gpt2, "r");
    if (!g) printf("gpt-2 tokenizer_config: skipped: ../shared/fixtures is absent\n");
    else {
        fclose(g);
        CHECK_V(ld_chat_template_load(&t, gpt2) == LD_ERR_MISSING && strstr(ld_failure_reason(), "--template"),
                "GPT-2's real tokenizer_config.json has no template: %s", ld_failure_reason());
    }
}

/* ---------------------------------------------- hh, plain, ld_chat_render */

static void test_hand_templates(void) {
    ld_dataset ds;
    const char *row =
        "{\"prompt\": [{\"role\": \"user\", \"content\": \"Hi\"}, {\"role\": \"assistant\", \"content\": \"Hello.\"}, "
        "{\"role\": \"user\", \"content\": \"Sky?\"}], \"completion\": [{\"role\": \"assistant\", \"content\": \" Blue.\"}]}\n";
    ld_status s = parse(&ds, row, LD_DATA_SFT, "hh", 0);
    CHECK_V(s == LD_OK && cell_is(&ds, 0, "prompt", "\n\nHuman: Hi\n\nAssistant: Hello.\n\nHuman: Sky?\n\nAssistant:") &&
            cell_is(&ds, 0, "completion", "  Blue."), "hh: Human/Assistant turns, generation prompt \"\\n\\nAssistant:\"");
    ld_dataset_free(&ds);
    s = parse(&ds, row, LD_DATA_SFT, "plain", 0);
    CHECK_V(s == LD_OK && cell_is(&ds, 0, "prompt", "Hi\nHello.\nSky?\n") && cell_is(&ds, 0, "completion", " Blue."),
            "plain: contents joined by \\n");
    ld_dataset_free(&ds);
    s = parse(&ds, row, LD_DATA_SFT, "chatml", 0);
    CHECK_V(s == LD_OK && cell_is(&ds, 0, "prompt", "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello.<|im_end|>\n"
                                                     "<|im_start|>user\nSky?<|im_end|>\n<|im_start|>assistant\n") &&
            cell_is(&ds, 0, "completion", " Blue.<|im_end|>\n"), "chatml: no default system message");
    ld_dataset_free(&ds);

    ld_chat_template t;
    ld_chat_template_named(&t, "qwen2.5");
    ld_chat_message m[2] = { { "user", "Hi" }, { "assistant", "Yo" } };
    char out[512];
    size_t n;
    s = ld_chat_render(&t, m, 2, 0, out, sizeof out, &n);
    const char *want = "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
                       "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nYo<|im_end|>\n";
    CHECK_V(s == LD_OK && n == strlen(want) && !strcmp(out, want), "ld_chat_render: qwen2.5 puts its system message first");
    CHECK_V(ld_chat_render(&t, m, 2, 0, out, 20, &n) == LD_ERR_LENGTH, "ld_chat_render: too little room is LD_ERR_LENGTH");
    ld_chat_message bad[1] = { { "tool", "x" } };
    CHECK_V(ld_chat_render(&t, bad, 1, 0, out, sizeof out, &n) == LD_ERR_DATA && strstr(ld_failure_reason(), "unknown role \"tool\""),
            "ld_chat_render: %s", ld_failure_reason());
    CHECK_V(ld_chat_template_named(&t, "vicuna") == LD_ERR_ARG && strstr(ld_failure_reason(), "llama3"),
            "an unknown template name lists the built-in ones");
}

/* ---------------------------------------------- HH, implicit prompts */

static void test_implicit(void) {
    ld_dataset hh, ex;
    const char *H =
        "{\"chosen\": \"\\n\\nHuman: Hi\\n\\nAssistant: Hello.\\n\\nHuman: Sky?\\n\\nAssistant: It is blue.\", "
        "\"rejected\": \"\\n\\nHuman: Hi\\n\\nAssistant: Hello.\\n\\nHuman: Sky?\\n\\nAssistant: Go away.\"}\n"
        "{\"chosen\": \"\\n\\nHuman: 1+1?\\n\\nAssistant: 2\", \"rejected\": \"\\n\\nHuman: 1+1?\\n\\nAssistant: 2\"}\n";
    const char *E =
        "{\"prompt\": \"\\n\\nHuman: Hi\\n\\nAssistant: Hello.\\n\\nHuman: Sky?\\n\\nAssistant:\", \"chosen\": \" It is blue.\", "
        "\"rejected\": \" Go away.\"}\n"
        "{\"prompt\": \"\\n\\nHuman: 1+1?\\n\\nAssistant:\", \"chosen\": \" 2\", \"rejected\": \" 2\"}\n";
    ld_status s1 = parse(&hh, H, LD_DATA_PREF, NULL, 0), s2 = parse(&ex, E, LD_DATA_PREF, NULL, 0);
    CHECK_V(s1 == LD_OK && s2 == LD_OK && same_data(&hh, &ex) && cell_is(&hh, 0, "rejected", " Go away."),
            "HH transcripts: prompt up to the last \"\\n\\nAssistant:\"; the same tokens as with an explicit prompt");
    ld_dataset_free(&hh); ld_dataset_free(&ex);
    s1 = parse(&hh, H, LD_DATA_PROBES, NULL, 0);
    s2 = parse(&ex, E, LD_DATA_PROBES, NULL, 0);
    CHECK_V(s1 == LD_OK && s2 == LD_OK && same_data(&hh, &ex), "HH transcripts as probes: the same too");
    ld_dataset_free(&hh); ld_dataset_free(&ex);
    s1 = parse(&hh, H, LD_DATA_SFT, NULL, 0);
    CHECK_V(s1 == LD_OK && cell_is(&hh, 0, "completion", " It is blue.") && ld_dataset_field(&hh, "rejected") < 0,
            "SFT on HH transcripts trains on chosen (the DPO code's SFT target)");
    ld_dataset_free(&hh);

    /* TRL's extract_prompt without the marker */
    struct { const char *c, *r, *p, *cr, *rr, *what; } lcp[] = {
        { "Q: sky? A: blue", "Q: sky? A: green", "Q: sky? A:", " blue", " green", "the space before the split goes to the responses" },
        { "caf\\u00e9 ok", "caf\\u00e8 no", "caf", "\xc3\xa9 ok", "\xc3\xa8 no", "split on code points, not bytes" },
        { "abc", "abcd", "ab", "c", "cd", "no difference in the shorter: its last character is the response (TRL's loop)" },
        { "xyz", "abc", "", "xyz", "abc", "a difference at the first character: no prompt" },
    };
    for (size_t i = 0; i < sizeof lcp / sizeof lcp[0]; i++) {
        char row[300];
        snprintf(row, sizeof row, "{\"chosen\": \"%s\", \"rejected\": \"%s\"}\n", lcp[i].c, lcp[i].r);
        ld_status s = parse(&hh, row, LD_DATA_PREF, NULL, 0);
        CHECK_V(s == LD_OK && cell_is(&hh, 0, "prompt", lcp[i].p) && cell_is(&hh, 0, "chosen", lcp[i].cr) &&
                cell_is(&hh, 0, "rejected", lcp[i].rr), "longest common prefix: %s", lcp[i].what);
        ld_dataset_free(&hh);
    }
    /* conversations without a prompt, and "messages" */
    const char *C = "{\"chosen\": [{\"role\": \"user\", \"content\": \"Hi\"}, {\"role\": \"assistant\", \"content\": \"Yo\"}], "
                    "\"rejected\": [{\"role\": \"user\", \"content\": \"Hi\"}, {\"role\": \"assistant\", \"content\": \"No\"}]}\n";
    s1 = parse(&hh, C, LD_DATA_PREF, "hh", 0);
    CHECK_V(s1 == LD_OK && cell_is(&hh, 0, "prompt", "\n\nHuman: Hi\n\nAssistant:") && cell_is(&hh, 0, "chosen", " Yo") &&
            cell_is(&hh, 0, "rejected", " No"), "conversational pair without a prompt: the shared first messages");
    ld_dataset_free(&hh);
    const char *M = "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}, {\"role\": \"assistant\", \"content\": \"Yo\"}]}\n";
    s1 = parse(&hh, M, LD_DATA_SFT, "plain", 0);
    CHECK_V(s1 == LD_OK && cell_is(&hh, 0, "prompt", "Hi\n") && cell_is(&hh, 0, "completion", "Yo"),
            "\"messages\": all but the last are the prompt, the last the completion");
    ld_dataset_free(&hh);
}

/* ---------------------------------------------- empty, malformed */

static void test_skips(void) {
    ld_dataset ds;
    const char *P = "{\"prompt\": \"q1\", \"chosen\": \"a\", \"chosen_initial\": \"\", \"irr_hum\": \"\"}\n"
                    "{\"prompt\": \"q2\", \"chosen\": \"b\", \"chosen_initial\": \"\", \"irr_hum\": \"h\"}\n"
                    "{\"prompt\": \"q3\", \"chosen\": \"c\", \"chosen_initial\": \" \"}\n";
    ld_status s = parse(&ds, P, LD_DATA_PROBES, NULL, 0);
    char sk[600];
    ld_dataset_skips_string(&ds, sk, sizeof sk);
    CHECK_V(s == LD_OK && ds.n == 3 && ds.n_skips == 2 && ds.skips[0].n == 2 && !strcmp(ds.skips[0].field, "chosen_initial") &&
            ds.skips[0].first_line == 1 && ds.skips[1].n == 1 && cell_is(&ds, 1, "irr_hum", "h") &&
            ds.len[ld_dataset_field(&ds, "irr_hum")] == -1 && cell_is(&ds, 2, "chosen_initial", " "),
            "empty probes left out and counted by field, a space kept: %s", sk);
    CHECK_V(!strcmp(sk, "left out 2 empty \"chosen_initial\" (first: line 1); left out 1 empty \"irr_hum\" (line 1)"),
            "the one-line report");
    ld_dataset_free(&ds);
    const char *R = "{\"prompt\": \"q\", \"chosen\": \"a\", \"rejected\": \"\"}\n"
                    "{\"prompt\": \"q\", \"chosen\": \"a\", \"rejected\": \"b\"}\n"
                    "{\"chosen\": \"\\n\\nHuman: x\\n\\nAssistant:\", \"rejected\": \"\\n\\nHuman: x\\n\\nAssistant: no\"}\n";
    s = parse(&ds, R, LD_DATA_PREF, NULL, 0);
    ld_dataset_skips_string(&ds, sk, sizeof sk);
    CHECK_V(s == LD_OK && ds.n == 1 && ds.line[0] == 2 && ds.n_skipped == 0 &&
            !strcmp(sk, "skipped 1 example with an empty \"rejected\" (line 1); skipped 1 example with an empty \"chosen\" (line 3)"),
            "preference rows with an empty response skipped, by field: %s", sk);
    ld_dataset_free(&ds);

    struct { const char *row, *tmpl, *why; } bad[] = {
        { "{\"prompt\": [{\"role\": \"robot\", \"content\": \"x\"}], \"completion\": [{\"role\": \"assistant\", \"content\": \"y\"}]}",
          "chatml", "line 2: message 1 of \"prompt\": unknown role \"robot\"" },
        { "{\"prompt\": [{\"role\": \"user\", \"content\": [{\"type\": \"text\", \"text\": \"x\"}]}], \"completion\": "
          "[{\"role\": \"assistant\", \"content\": \"y\"}]}", "chatml", "line 2: message 1 of \"prompt\": \"content\" is not a string" },
        { "{\"prompt\": [{\"role\": \"system\", \"content\": \"Be kind.\"}, {\"role\": \"user\", \"content\": \"x\"}], "
          "\"completion\": [{\"role\": \"assistant\", \"content\": \"y\"}]}", "hh", "line 2: the hh template has no place for a \"system\" message" },
        { "{\"prompt\": [{\"role\": \"user\", \"content\": \"x\"}], \"completion\": [{\"role\": \"assistant\", \"content\": \"y\"}]}",
          NULL, "line 2: a conversation, and no chat template" },
        { "{\"prompt\": \"x\", \"completion\": [{\"role\": \"assistant\", \"content\": \"y\"}]}", "chatml",
          "line 2: field \"completion\" is a conversation but \"prompt\" is text" },
        { "{\"chosen\": \"\\n\\nHuman: a\\n\\nAssistant: b\", \"rejected\": \"\\n\\nHuman: other\\n\\nAssistant: c\"}", NULL,
          "line 2: \"rejected\" does not begin with the prompt of \"chosen\"" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char txt[600];
        snprintf(txt, sizeof txt, "{\"prompt\": \"ok\", \"completion\": \"fine\", \"chosen\": \"a\", \"rejected\": \"b\"}\n%s\n", bad[i].row);
        ld_data_kind kind = strstr(bad[i].row, "rejected") ? LD_DATA_PREF : LD_DATA_SFT;
        s = parse(&ds, txt, kind, bad[i].tmpl, 0);
        CHECK_V(s == LD_ERR_DATA && strstr(ld_failure_reason(), bad[i].why) && ds.n == 0, "bad input -> %s", ld_failure_reason());
        s = parse(&ds, txt, kind, bad[i].tmpl, LD_DATA_SKIP_BAD);
        CHECK_V(s == LD_OK && ds.n == 1 && ds.n_skipped == 1 && ds.n_skips == 1 && ds.skips[0].reason == LD_SKIP_MALFORMED,
                "  ... skipped and counted with LD_DATA_SKIP_BAD");
        ld_dataset_free(&ds);
    }
}

/* ---------------------------------------------- the prefix check on ids */

static void test_prefix(void) {
    int p[3] = { 1, 2, 3 }, q[5] = { 1, 2, 3, 4, 5 }, r[4] = { 1, 2, 9, 4 };
    CHECK_V(ld__ids_common(p, 3, q, 5) == 3 && ld__ids_common(p, 3, r, 4) == 2 && ld__ids_common(q, 5, p, 3) == 3,
            "ids: a prefix is found whole; a mismatch at its index");
    ld_dataset ds;
    const char *t = "{\"prompt\": \"Say it: we\", \"completion\": \"!\"}\n";
    ld_status s = parse(&ds, t, LD_DATA_SFT, NULL, 0);
    CHECK_V(s == LD_ERR_DATA && strstr(ld_failure_reason(), "line 1: the prompt's 10 tokens are not a prefix") &&
            strstr(ld_failure_reason(), "part at token 9"), "a tokenizer that joins across the prompt's end: %s", ld_failure_reason());
    const char *ok = "{\"prompt\": \"Say it: we!\", \"completion\": \" e!\"}\n";
    s = parse(&ds, ok, LD_DATA_SFT, NULL, 0);
    const int *c = ds.tokens + ds.start[1];
    CHECK_V(s == LD_OK && ds.len[0] == 10 && ds.len[1] == 2 && c[0] == ' ' && c[1] == 300,
            "the response's ids are those of prompt + response past the prompt's");
    ld_dataset_free(&ds);
    const char *cells[2] = { "we", "!" };
    s = ld_dataset_from_strings(&ds, LD_DATA_SFT, NULL, 0, cells, 1, NULL);
    CHECK_V(s == LD_ERR_DATA && strstr(ld_failure_reason(), "example 0: the prompt's 2 tokens"), "ld_dataset_from_strings checks it too");
}

/* ---------------------------------------------- truncation */

static void test_truncation(void) {
    ld_dataset ds;
    const char *t = "{\"prompt\": \"0123456789\", \"chosen\": \"abcdef\", \"rejected\": \"xy\"}\n";
    CHECK(parse(&ds, t, LD_DATA_PREF, NULL, 0) == LD_OK, "parse");
    ld_config bc = {0}; /* byte-level: bos = eos = E */
    int buf[32], E = 256, fc = ld_dataset_field(&ds, "chosen"), fr = ld_dataset_field(&ds, "rejected");
    ld_seq s;
    /* χ = [E 0..9 a..f E], 18 tokens, in T = 12 */
    ds.truncation = LD_TRUNC_KEEP_START;
    ld_dataset_seq(&ds, 0, fc, 12, 5, &bc, buf, &s);
    CHECK_V(s.prompt_len == 5 && buf[1] == '0' && buf[4] == '3' && s.len == 12 && buf[10] == 'f' && buf[11] == E,
            "DPO keep_start: the prompt keeps its first tokens, [E]0123 abcdef[E]");
    ds.truncation = LD_TRUNC_TRL;
    ld_dataset_seq(&ds, 0, fc, 12, 0, &bc, buf, &s);
    CHECK_V(s.prompt_len == 11 && s.len == 12 && buf[10] == '9' && buf[11] == 'a', "TRL keep_start: the first 12 tokens, [E]0123456789 a");
    ld_dataset_seq(&ds, 0, fc, 12, 5, &bc, buf, &s);
    CHECK_V(s.prompt_len == 5 && buf[1] == '6' && s.len == 12 && buf[11] == E,
            "TRL with max_prompt 5: the prompt keeps its last 4 (max_prompt_length), then all fits");
    CHECK_V(ld_dataset_seq(&ds, 0, fc, 11, 0, &bc, buf, &s) == LD_ERR_LENGTH && strstr(ld_failure_reason(), "line 1"),
            "TRL keep_start: a prompt that fills T is an error: %s", ld_failure_reason());
    ds.truncation = LD_TRUNC_TRL_KEEP_END;
    ld_dataset_seq(&ds, 0, fc, 12, 0, &bc, buf, &s);
    CHECK_V(s.len == 12 && s.prompt_len == 5 && buf[0] == '5' && buf[4] == '9' && buf[5] == 'a' && buf[11] == E,
            "TRL keep_end: the last 12 tokens, 56789 abcdef[E]");
    ld_dataset_seq(&ds, 0, fr, 12, 0, &bc, buf, &s);
    CHECK_V(s.len == 12 && s.prompt_len == 9 && buf[0] == '1', "TRL keep_end: each sequence on its own (rejected keeps more prompt)");
    ld_dataset_seq(&ds, 0, fc, 4, 0, &bc, buf, &s);
    CHECK_V(s.len == 4 && s.prompt_len == 1 && buf[0] == 'd' && buf[3] == E,
            "TRL keep_end into the response: its first kept token is the context");
    ds.truncation = (ld_truncation)9;
    CHECK_V(ld_dataset_seq(&ds, 0, fc, 12, 0, &bc, buf, &s) == LD_ERR_ARG, "an unknown truncation is refused");
    ld_dataset_free(&ds);
}

/* ---------------------------------------------- the paper's files */

static void test_paper(void) {
    static const char *const fields[13] = { "chosen", "chosen_initial", "chosen_selfr", "chosen_gptsemantic",
                                            "chosen_gptformat", "rejected", "reject_gptsemantic", "reject_gptformat",
                                            "irr_train", "irr_test", "irr_hum", "random_permute", "random_nonhum" };
    static const struct { const char *file; int n_skips; const char *f[2]; int n[2], line[2]; } want[2] = {
        { "formal_prob_train.jsonl", 1, { "chosen_initial", "" }, { 21, 0 }, { 7, 0 } },
        { "formal_prob_test.jsonl", 2, { "chosen_initial", "chosen_selfr" }, { 28, 4 }, { 15, 112 } },
    };
    ld_config cfg = {0};
    for (int k = 0; k < 2; k++) {
        char p[256];
        snprintf(p, sizeof p, "../shared/fixtures/paper/%s", want[k].file);
        FILE *f = fopen(p, "r");
        if (!f) { printf("paper probe files: skipped: ../shared/fixtures is absent\n"); return; }
        fclose(f);
        ld_dataset ds;
        ld_status s = ld_dataset_load(&ds, p, &cfg, LD_DATA_PROBES, 0);
        int ok = s == LD_OK && ds.n == 500 && ds.n_fields == 14 && ds.n_skips == want[k].n_skips, missing = 0;
        for (int i = 0; ok && i < 13; i++) ok = ld_dataset_field(&ds, fields[i]) == i + 1;
        for (int i = 0; ok && i < want[k].n_skips; i++)
            ok = ds.skips[i].reason == LD_SKIP_EMPTY_PROBE && !strcmp(ds.skips[i].field, want[k].f[i]) &&
                 ds.skips[i].n == want[k].n[i] && ds.skips[i].first_line == want[k].line[i];
        for (size_t c = 0; ok && c < (size_t)ds.n * ds.n_fields; c++) missing += ds.len[c] < 0;
        char sk[600] = "";
        ld_dataset_skips_string(&ds, sk, sizeof sk);
        CHECK_V(ok && missing == want[k].n[0] + want[k].n[1], "%s: 500 rows, the prompt and 13 fields; %s", want[k].file,
                s ? ld_failure_reason() : sk);
        ld_dataset_free(&ds);
        s = ld_dataset_load(&ds, p, &cfg, LD_DATA_PREF, 0);
        CHECK_V(s == LD_OK && ds.n == 500, "%s as preference pairs: 500 (a rejected of one space is a response)", want[k].file);
        ld_dataset_free(&ds);
    }
}

int main(int argc, char **argv) {
    if (argc > 1) dir = argv[1];
    test_reference_renderings();
    test_hand_templates();
    test_implicit();
    test_skips();
    test_prefix();
    test_truncation();
    test_paper();
    return t_done();
}
