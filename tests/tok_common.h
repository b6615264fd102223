/* Shared by tests/test_tokenizer.c, tests/test_tokenizer_live.c and
   tests/fuzz_tokenizer.c: reading the reference files, building a
   tokenizer variant, comparing with the reference library's output.
   Include after ld_llm.h (with LD_LLM_IMPLEMENTATION) and t.h.          */
#ifndef LD_TOK_COMMON_H
#define LD_TOK_COMMON_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *tc_read(const char *path, size_t *n) {
    char *buf;
    if (ld__read_file(path, (size_t)1 << 30, &buf, n)) return NULL;
    return buf;
}

/* The text of a JSON value node, with the quotes of a string. */
static void tc_span(const ld__json *j, int v, int *a, int *b) {
    *a = j->nodes[v].start;
    *b = j->nodes[v].end;
    if (j->nodes[v].type == 's') { (*a)--; (*b)++; }
}

typedef struct { int a, b; const char *text; int tn; char *own; } tc_edit;

static int tc_edit_cmp(const void *x, const void *y) {
    return ((const tc_edit *)y)->a - ((const tc_edit *)x)->a;
}

/* A tokenizer.json variant: base with every key of the object `set` (a node
   of ref) replaced, as tools/tok_reference.js does: "key" at the top level,
   "model.key" in the model; the value "AS_STRINGS" for model.merges turns
   pairs into "a b" strings. Returns a new text (free it), NULL on error. */
static char *tc_variant(const char *base, size_t n, const ld__json *ref, int set, size_t *out_n) {
    ld__json j;
    if (ld__json_parse(&j, base, n)) return NULL;
    tc_edit ed[16];
    int ne = 0;
    int model = ld__json_get(&j, 0, "model");
    for (int c = set + 1, i = 0; set >= 0 && i < ref->nodes[set].n / 2 && ne < 16; i++) {
        int v = ref->nodes[c].skip;
        char key[64];
        ld__json_str(ref, c, key, 63);
        int obj = 0;
        const char *k = key;
        if (!strncmp(key, "model.", 6)) { obj = model; k = key + 6; }
        int old = ld__json_get(&j, obj, k);
        c = ref->nodes[v].skip;
        tc_edit *e = &ed[ne++];
        e->own = NULL;
        int va, vb;
        tc_span(ref, v, &va, &vb);
        if (ref->nodes[v].type == 's' && ld__json_is(ref, v, "AS_STRINGS")) {
            /* pairs → "a b" */
            size_t cap = (size_t)(j.nodes[old].end - j.nodes[old].start) + 16, w = 0;
            char *o = (char *)malloc(cap);
            o[w++] = '[';
            for (int m = old + 1, q = 0; q < j.nodes[old].n; q++, m = j.nodes[m].skip) {
                int x = m + 1, y = j.nodes[x].skip;
                if (q) o[w++] = ',';
                o[w++] = '"';
                memcpy(o + w, base + j.nodes[x].start, (size_t)(j.nodes[x].end - j.nodes[x].start)); w += (size_t)(j.nodes[x].end - j.nodes[x].start);
                o[w++] = ' ';
                memcpy(o + w, base + j.nodes[y].start, (size_t)(j.nodes[y].end - j.nodes[y].start)); w += (size_t)(j.nodes[y].end - j.nodes[y].start);
                o[w++] = '"';
            }
            o[w++] = ']';
            e->own = o; e->text = o; e->tn = (int)w;
        } else {
            e->text = ref->src + va;
            e->tn = vb - va;
        }
        if (old >= 0) {
            tc_span(&j, old, &e->a, &e->b);
        } else {                          /* a new key, first in its object */
            size_t kn = strlen(k);
            char *o = (char *)malloc(kn + (size_t)e->tn + 8);
            int w = sprintf(o, "\"%s\":", k);
            memcpy(o + w, e->text, (size_t)e->tn);
            w += e->tn;
            o[w++] = j.nodes[obj].n ? ',' : ' ';
            free(e->own);
            e->own = o; e->text = o; e->tn = w;
            e->a = e->b = j.nodes[obj].start + 1;
        }
    }
    qsort(ed, (size_t)ne, sizeof ed[0], tc_edit_cmp);
    size_t total = n + 1;
    for (int i = 0; i < ne; i++) total += (size_t)ed[i].tn;
    char *out = (char *)malloc(total);
    memcpy(out, base, n);
    size_t len = n;
    for (int i = 0; i < ne; i++) {     /* from the end, so spans stay valid */
        memmove(out + ed[i].a + ed[i].tn, out + ed[i].b, len - (size_t)ed[i].b);
        memcpy(out + ed[i].a, ed[i].text, (size_t)ed[i].tn);
        len = len - (size_t)(ed[i].b - ed[i].a) + (size_t)ed[i].tn;
        free(ed[i].own);
    }
    out[len] = 0;
    *out_n = len;
    ld__json_free(&j);
    return out;
}

/* Rust's String::from_utf8_lossy: each maximal invalid subpart becomes one
   U+FFFD (how the library turns decoded bytes into its string). */
static size_t tc_lossy(const unsigned char *s, size_t n, char *out) {
    size_t w = 0;
    for (size_t i = 0; i < n;) {
        int k = ld__utf8_len(s + i, (int)(n - i < 4 ? n - i : 4));
        if (k) { memcpy(out + w, s + i, (size_t)k); w += (size_t)k; i += (size_t)k; continue; }
        unsigned c = s[i], lo = 0x80, hi = 0xBF;
        int need = 0;
        if (c >= 0xC2 && c <= 0xDF) need = 1;
        else if (c == 0xE0) { need = 2; lo = 0xA0; }
        else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) need = 2;
        else if (c == 0xED) { need = 2; hi = 0x9F; }
        else if (c == 0xF0) { need = 3; lo = 0x90; }
        else if (c >= 0xF1 && c <= 0xF3) need = 3;
        else if (c == 0xF4) { need = 3; hi = 0x8F; }
        size_t j = i + 1;
        for (int q = 0; q < need && j < n; q++) {
            if (s[j] < lo || s[j] > hi) break;
            j++; lo = 0x80; hi = 0xBF;
        }
        memcpy(out + w, "\xEF\xBF\xBD", 3);
        w += 3;
        i = j;
    }
    out[w] = 0;
    return w;
}

/* ids node (an array of numbers) into a[] (cap); returns the count or −1. */
static int tc_ids(const ld__json *j, int arr, int *a, int cap) {
    if (arr < 0 || j->nodes[arr].type != 'a') return -1;
    int n = j->nodes[arr].n;
    if (n > cap) return -1;
    for (int c = arr + 1, i = 0; i < n; i++, c = j->nodes[c].skip) {
        uint64_t v;
        if (ld__json_u64(j, c, &v)) return -1;
        a[i] = (int)v;
    }
    return n;
}

/* The member of object o whose key is the decimal number i, or −1. */
static int tc_get_index(const ld__json *j, int o, int i) {
    char k[16];
    snprintf(k, sizeof k, "%d", i);
    return ld__json_get(j, o, k);
}

typedef struct { int strings, same, plain_same, decoded_same; } tc_score;

/* Compares one tokenizer with its reference entry (node r of ref) on the
   strings (nodes of the array `strs` in sref); returns the score. Prints
   the first few differences. */
static tc_score tc_compare(const ld_tokenizer *tok, const ld__json *ref, int r, const ld__json *sref, int strs, const char *name) {
    tc_score sc = { 0, 0, 0, 0 };
    int ids_arr = ld__json_get(ref, r, "ids"), plain = ld__json_get(ref, r, "plain"), dec = ld__json_get(ref, r, "decoded");
    int *want = (int *)malloc(sizeof(int) * 65536), *got = (int *)malloc(sizeof(int) * 65536);
    char *text = (char *)malloc(1 << 20), *bytes = (char *)malloc(1 << 20), *lossy = (char *)malloc(3 << 20), *wdec = (char *)malloc(1 << 20);
    int shown = 0;
    for (int c = strs + 1, ic = ids_arr + 1, i = 0; i < sref->nodes[strs].n; i++, c = sref->nodes[c].skip, ic = ref->nodes[ic].skip) {
        long tn = ld__json_str(sref, c, text, (1 << 20) - 1);
        int wn = tc_ids(ref, ic, want, 65536), gn = 0;
        sc.strings++;
        ld_status st = ld_tokenizer_encode(tok, text, tn, 0, got, 65536, &gn);
        int same = st == LD_OK && gn == wn && !memcmp(got, want, sizeof(int) * (size_t)wn);
        sc.same += same;
        if (!same && shown++ < 3) {
            printf("  %s: string %d differs (%s): want", name, i, st ? ld_failure_reason() : "ids");
            for (int q = 0; q < wn && q < 16; q++) printf(" %d", want[q]);
            printf(" | got");
            for (int q = 0; q < gn && q < 16; q++) printf(" %d", got[q]);
            printf("\n");
        }
        /* decode: the library's string, or the input itself */
        size_t nb = 0;
        int dn = 0;
        if (same && !ld_tokenizer_decode(tok, got, gn, 0, bytes, 1 << 20, &nb)) {
            size_t ln = tc_lossy((const unsigned char *)bytes, nb, lossy);
            int dv = tc_get_index(ref, dec, i);
            long wl = dv >= 0 ? ld__json_str(ref, dv, wdec, (1 << 20) - 1) : tn;
            const char *w = dv >= 0 ? wdec : text;
            dn = (long)ln == wl && !memcmp(lossy, w, (size_t)wl);
            if (!dn && shown++ < 3) printf("  %s: string %d decodes differently\n", name, i);
        }
        sc.decoded_same += dn;
        /* special tokens as plain text */
        int pv = tc_get_index(ref, plain, i);
        if (pv >= 0) wn = tc_ids(ref, pv, want, 65536);
        st = ld_tokenizer_encode(tok, text, tn, LD_TOK_SPECIAL_AS_TEXT, got, 65536, &gn);
        int ps = st == LD_OK && gn == wn && !memcmp(got, want, sizeof(int) * (size_t)wn);
        sc.plain_same += ps;
        if (!ps && shown++ < 3) printf("  %s: string %d as plain text differs\n", name, i);
    }
    free(want); free(got); free(text); free(bytes); free(lossy); free(wdec);
    return sc;
}

/* Loads the tokenizer of reference entry r (its file, its "set"); NULL with
   *absent = 1 when the file is not there. */
static ld_tokenizer *tc_load(const ld__json *ref, int r, int *absent, const char **file_out) {
    static char file[512];
    ld__json_str(ref, ld__json_get(ref, r, "file"), file, sizeof file - 1);
    *file_out = file;
    size_t n;
    char *base = tc_read(file, &n);
    *absent = base == NULL;
    if (!base) return NULL;
    size_t vn;
    char *v = tc_variant(base, n, ref, ld__json_get(ref, r, "set"), &vn);
    free(base);
    ld_tokenizer *t = NULL;
    if (!v || ld_tokenizer_parse(&t, v, vn)) printf("  %s: %s\n", file, v ? ld_failure_reason() : "variant failed");
    free(v);
    return t;
}
#endif
