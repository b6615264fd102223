/* tools/svg.h: every kind of figure, with the edge cases (NaN gaps, a
   constant series, an all-NaN series, a single point, huge and tiny values,
   negative bars, a heatmap with a NaN cell, labels with & < > " '), written
   into the directory argv[1] (default build/tmp). Checks: the return
   values, that each file is well-formed XML, that labels come out escaped,
   that the same call writes the same bytes, and that each series draws as
   many polyline points as it has finite values. */
#include "../tools/svg.h"
#include "t.h"
#include <stdlib.h>
#include <string.h>

static const char *dir = "build/tmp";

static const char *path_of(const char *name) {
    static char buf[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

/* The whole file, NUL-terminated, or NULL. */
static char *slurp(const char *path, long *len) {
    FILE *f = fopen(path, "rb");
    char *s;
    long n;
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    s = (char *)malloc((size_t)n + 1);
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
        free(s);
        s = NULL;
    }
    fclose(f);
    if (s) s[n] = 0;
    if (len) *len = n;
    return s;
}

static int count(const char *s, const char *needle) {
    int n = 0;
    size_t l = strlen(needle);
    if (!s) return -1;
    for (s = strstr(s, needle); s; s = strstr(s + l, needle)) n++;
    return n;
}

/* ----------------------------------------------------- a small XML checker */

static int is_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == ':' || c == '.';
}

/* Length of the entity at s ("&...;"), or 0 when it is not a valid one. */
static int entity_len(const char *s) {
    static const char *const named[5] = { "&amp;", "&lt;", "&gt;", "&quot;", "&apos;" };
    int i;
    for (i = 0; i < 5; i++)
        if (strncmp(s, named[i], strlen(named[i])) == 0) return (int)strlen(named[i]);
    if (s[1] == '#') {
        int j = 2, hex = s[2] == 'x';
        if (hex) j++;
        if (s[j] == ';') return 0;
        for (; s[j] != ';'; j++) {
            char c = s[j];
            int ok = (c >= '0' && c <= '9') || (hex && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')));
            if (!ok) return 0;
        }
        return j + 1;
    }
    return 0;
}

/* Returns NULL when s is well-formed (one root element, tags balanced and
   nested, attributes quoted, no raw '<' or '&' in text or attribute values,
   no raw '>' in text), else a reason. */
static const char *xml_check(const char *s) {
    static char why[256];
    char stack[64][48];
    int depth = 0, roots = 0;
    const char *p = s;
    while (*p) {
        if (*p != '<') {
            if (*p == '&') {
                int l = entity_len(p);
                if (!l) return "bad '&' in text";
                p += l;
                continue;
            }
            if (*p == '>') return "raw '>' in text";
            if (depth == 0 && *p != ' ' && *p != '\n' && *p != '\r' && *p != '\t') return "text outside the root";
            p++;
            continue;
        }
        if (strncmp(p, "<?", 2) == 0) {
            const char *e = strstr(p, "?>");
            if (!e || roots) return "bad processing instruction";
            p = e + 2;
            continue;
        }
        if (strncmp(p, "<!--", 4) == 0) {
            const char *e = strstr(p + 4, "-->");
            if (!e) return "unterminated comment";
            p = e + 3;
            continue;
        }
        if (p[1] == '/') { /* end tag */
            int n = 0;
            p += 2;
            while (is_name_char(p[n])) n++;
            if (n == 0 || n >= 48) return "bad end tag name";
            if (depth == 0) return "end tag without a start tag";
            if ((int)strlen(stack[depth - 1]) != n || strncmp(stack[depth - 1], p, (size_t)n) != 0) {
                snprintf(why, sizeof why, "</%.*s> closes <%.47s>", n, p, stack[depth - 1]);
                return why;
            }
            p += n;
            while (*p == ' ' || *p == '\n') p++;
            if (*p != '>') return "junk in an end tag";
            p++;
            depth--;
            continue;
        }
        { /* start tag */
            int n = 0;
            p++;
            while (is_name_char(p[n])) n++;
            if (n == 0 || n >= 48) return "bad tag name";
            if (depth == 0 && roots++) return "more than one root element";
            if (depth == 64) return "nesting too deep";
            memcpy(stack[depth], p, (size_t)n);
            stack[depth][n] = 0;
            p += n;
            for (;;) {
                int had_space = 0, an = 0;
                char q;
                while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r') p++, had_space = 1;
                if (*p == '>') {
                    depth++;
                    p++;
                    break;
                }
                if (p[0] == '/' && p[1] == '>') {
                    p += 2;
                    break;
                }
                if (!had_space) return "attributes not separated by space";
                while (is_name_char(p[an])) an++;
                if (an == 0) return "bad attribute name";
                p += an;
                if (*p != '=') return "attribute without '='";
                p++;
                q = *p;
                if (q != '"' && q != '\'') return "attribute value not quoted";
                p++;
                while (*p && *p != q) {
                    if (*p == '<') return "raw '<' in an attribute value";
                    if (*p == '&') {
                        int l = entity_len(p);
                        if (!l) return "bad '&' in an attribute value";
                        p += l;
                    } else p++;
                }
                if (*p != q) return "unterminated attribute value";
                p++;
            }
        }
    }
    if (depth) {
        snprintf(why, sizeof why, "<%.47s> never closed", stack[depth - 1]);
        return why;
    }
    if (roots != 1) return "no root element";
    return NULL;
}

/* Reads a file and checks it is well-formed SVG. Returns its text (to free). */
static char *check_file(const char *name) {
    char *s = slurp(path_of(name), NULL);
    const char *why = s ? xml_check(s) : "cannot read the file";
    CHECK_V(why == NULL, "%s is well-formed XML%s%s", name, why ? ": " : "", why ? why : "");
    CHECK_V(s && strstr(s, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"") && strstr(s, " viewBox=\"0 0 "),
            "%s has an <svg> root with xmlns, width, height, viewBox", name);
    return s;
}

static int same_bytes(const char *a, const char *b) {
    long la, lb;
    char *x = slurp(path_of(a), &la), *y = slurp(path_of(b), &lb);
    int same = x && y && la == lb && memcmp(x, y, (size_t)la) == 0;
    free(x);
    free(y);
    return same;
}

/* Polyline points of series id (e.g. "p0-s1") and how many polylines;
   -1 when the series is missing. Every point must lie inside w x h. */
static int series_points(const char *s, const char *id, int *npoly, int *inside) {
    char key[64];
    const char *p, *end;
    int pts = 0;
    double w = 0, h = 0;
    const char *root = strstr(s, "<svg ");
    if (root) sscanf(strstr(root, "width=\"") + 7, "%lf", &w);
    if (root) sscanf(strstr(root, "height=\"") + 8, "%lf", &h);
    snprintf(key, sizeof key, "id=\"%s\"", id);
    p = strstr(s, key);
    *npoly = 0;
    *inside = 1;
    if (!p) return -1;
    end = strstr(p, "</g>");
    while ((p = strstr(p, "<polyline points=\"")) && p < end) {
        p += strlen("<polyline points=\"");
        (*npoly)++;
        while (*p != '"') {
            double x, y;
            int used = 0;
            if (sscanf(p, "%lf,%lf%n", &x, &y, &used) != 2) return -2;
            if (!(x >= 0 && x <= w && y >= 0 && y <= h)) *inside = 0;
            pts++;
            p += used;
            if (*p == ' ') p++;
        }
    }
    return pts;
}

static int finite_count(const svg_series *s) {
    int i, n = 0;
    for (i = 0; i < s->n; i++)
        if (isfinite(s->y[i]) && (!s->x || isfinite(s->x[i]))) n++;
    return n;
}

/* The text between the starts of two markers (or to the end). */
static char *between(const char *s, const char *from, const char *to) {
    const char *a = strstr(s, from), *b;
    char *r;
    if (!a) return NULL;
    b = to ? strstr(a + 1, to) : NULL;
    if (!b) b = a + strlen(a);
    r = (char *)malloc((size_t)(b - a) + 1);
    memcpy(r, a, (size_t)(b - a));
    r[b - a] = 0;
    return r;
}

/* ------------------------------------------------------------------ tests */

static void test_checker(void) {
    CHECK_V(xml_check("<?xml version=\"1.0\"?>\n<a b=\"1\" c='2'><d/>x &amp; y &#8230;</a>\n") == NULL,
            "checker: accepts a good document");
    CHECK_V(xml_check("<a><b></a></b>") != NULL, "checker: rejects badly nested tags");
    CHECK_V(xml_check("<a><b></b>") != NULL, "checker: rejects an unclosed tag");
    CHECK_V(xml_check("<a b=\"1></a>") != NULL, "checker: rejects an unterminated attribute");
    CHECK_V(xml_check("<a b=\"1'></a>") != NULL, "checker: rejects mismatched quotes");
    CHECK_V(xml_check("<a>x & y</a>") != NULL, "checker: rejects a raw '&'");
    CHECK_V(xml_check("<a>x < y</a>") != NULL, "checker: rejects a raw '<'");
    CHECK_V(xml_check("<a b=\"x<y\"/>") != NULL, "checker: rejects '<' in an attribute");
    CHECK_V(xml_check("<a/><b/>") != NULL, "checker: rejects two roots");
}

#define N 40
static void test_panels(void) {
    static double x[N], gap[N], smooth[N], cst[N], nan_y[N], one_x[1] = { 7 }, one_y[1] = { 0.25 }, big[N], tiny[N],
                                                                infs[N];
    const double nan = NAN, inf = INFINITY;
    int i, rc, rc2, pts, np, inside;
    char *s, *seg;
    for (i = 0; i < N; i++) {
        x[i] = 25.0 * i;
        smooth[i] = -2.0 + 3.0 * sin(i * 0.2);
        gap[i] = (i >= 10 && i < 14) || i == 25 || i == 26 ? nan : -3.5 + 0.1 * i; /* 3 runs */
        cst[i] = 3.0;
        nan_y[i] = nan;
        big[i] = 1e12 + 3e11 * i;
        tiny[i] = 1e-9 * (1 + (i % 7));
        infs[i] = i % 9 == 4 ? (i % 2 ? inf : -inf) : 2e-9 * i;
    }
    svg_series p0[3] = { { "chosen y\xe2\x81\xba", N, x, smooth, 0 },
                         { "A & B <x> \"q\" 'z'", N, x, gap, 1 },
                         { "rejected y\xe2\x81\xbb, a much longer legend name to wrap", N, x, smooth, 0 } };
    svg_series p1[3] = { { "constant", N, x, cst, 0 }, { "all NaN", N, x, nan_y, 0 }, { "empty", 0, x, cst, 0 } };
    svg_series p2[1] = { { "huge", N, x, big, 0 } };
    svg_series p3[2] = { { "tiny", N, NULL, tiny, 0 }, { "with inf", N, NULL, infs, 1 } };
    svg_series p4[1] = { { "single point", 1, one_x, one_y, 1 } };
    const svg_series *ser[5] = { p0, p1, p2, p3, p4 };
    int ns[5] = { 3, 3, 1, 2, 1 };
    const char *titles[5] = { "NaN gaps & <escapes>", "constant, all-NaN, empty", "huge (1e12)",
                              "tiny (1e-9), \xc2\xb1inf, x = NULL", "a single point" };
    double vl[3] = { 500, 2000, nan };
    const char *vlab[3] = { "SFT ends & DPO <begins>", "out of range", "nan" };

    rc = svg_panels(path_of("panels.svg"), "Probe types over training (a & b)", "step", 2, 5, titles,
                    "log \xcf\x80(y | x)", ser, ns, vl, vlab, 3);
    rc2 = svg_panels(path_of("panels_again.svg"), "Probe types over training (a & b)", "step", 2, 5, titles,
                     "log \xcf\x80(y | x)", ser, ns, vl, vlab, 3);
    CHECK_V(rc == 0 && rc2 == 0, "svg_panels returns 0 (%d, %d)", rc, rc2);
    CHECK_V(same_bytes("panels.svg", "panels_again.svg"), "svg_panels: the same call twice gives identical bytes");
    s = check_file("panels.svg");
    if (!s) return;
    CHECK_V(strstr(s, "A &amp; B &lt;x&gt; &quot;q&quot; &apos;z&apos;") && !strstr(s, "A & B"),
            "svg_panels: a legend name is escaped");
    CHECK_V(strstr(s, "NaN gaps &amp; &lt;escapes&gt;") && strstr(s, "(a &amp; b)") &&
                strstr(s, "SFT ends &amp; DPO &lt;"),
            "svg_panels: panel title, title and marker label are escaped");
    {
        const svg_series *all[9] = { &p0[0], &p0[1], &p0[2], &p1[0], &p1[1], &p1[2], &p2[0], &p3[0], &p4[0] };
        const char *ids[9] = { "p0-s0", "p0-s1", "p0-s2", "p1-s0", "p1-s1", "p1-s2", "p2-s0", "p3-s0", "p4-s0" };
        for (i = 0; i < 9; i++) {
            pts = series_points(s, ids[i], &np, &inside);
            CHECK_V(pts == finite_count(all[i]) && inside, "svg_panels: series %s (%s) has %d polyline points, %d finite values%s",
                    ids[i], all[i]->name, pts, finite_count(all[i]), inside ? "" : " (a point outside the figure)");
        }
        pts = series_points(s, "p3-s1", &np, &inside);
        CHECK_V(pts == N - 4 && np == 5, "svg_panels: the series with 4 infinities: %d points (want %d), %d polylines (want 5)",
                pts, N - 4, np);
        series_points(s, "p0-s1", &np, &inside);
        CHECK_V(np == 3, "svg_panels: NaN gaps break the line into 3 polylines (%d)", np);
        series_points(s, "p1-s1", &np, &inside);
        CHECK_V(np == 0, "svg_panels: an all-NaN series draws no polyline (%d)", np);
    }
    seg = between(s, "id=\"panel1\"", "id=\"panel2\"");
    CHECK_V(seg && strstr(seg, ">2</text>") && strstr(seg, ">4</text>") && strstr(seg, ">3</text>"),
            "svg_panels: a constant series at 3 gets the range 2..4");
    free(seg);
    seg = between(s, "id=\"panel4\"", NULL);
    CHECK_V(seg && count(seg, "<circle") == 1, "svg_panels: a single point is drawn as a dot");
    free(seg);
    seg = between(s, "id=\"panel2\"", "id=\"panel3\"");
    CHECK_V(seg && strstr(seg, "e+12</text>"), "svg_panels: huge values get %%g tick labels (e+12)");
    free(seg);
    seg = between(s, "id=\"panel3\"", "id=\"panel4\"");
    CHECK_V(seg && strstr(seg, "e-08</text>"), "svg_panels: tiny values get %%g tick labels (e-08)");
    free(seg);
    CHECK_V(count(s, "stroke-dasharray=\"4,3\"") == 3, "svg_panels: a marker line in the 3 panels whose x range has 500 (%d)",
            count(s, "stroke-dasharray=\"4,3\""));
    free(s);
}

static void test_lines_and_shared_legend(void) {
    double x[5] = { 0, 1, 2, 3, 4 }, a[5] = { 1, 2, 3, 2, 1 }, b[5] = { 0.5, NAN, 1.5, 2.5, 3.5 };
    svg_series s2[2] = { { "train", 5, x, a, 0 }, { "test", 5, x, b, 1 } };
    const svg_series *ser[3] = { s2, s2, s2 };
    int ns[3] = { 2, 2, 2 }, rc, np, inside;
    const char *titles[3] = { "one", "two", "three" };
    char *s;
    rc = svg_lines(path_of("lines.svg"), "One chart", "epoch", "loss", s2, 2);
    CHECK_V(rc == 0, "svg_lines returns 0");
    s = check_file("lines.svg");
    CHECK_V(s && series_points(s, "p0-s1", &np, &inside) == 4 && np == 2, "svg_lines: a NaN splits the series (4 points, 2 lines)");
    CHECK_V(s && count(s, ">train</text>") == 1 && count(s, ">test</text>") == 1, "svg_lines: one legend entry per series");
    free(s);
    rc = svg_panels(path_of("shared.svg"), "Shared legend", "step", 3, 3, titles, "value", ser, ns, NULL, NULL, 0);
    CHECK_V(rc == 0, "svg_panels (same series in every panel) returns 0");
    s = check_file("shared.svg");
    CHECK_V(s && count(s, ">train</text>") == 1, "svg_panels: the same series names in every panel give one legend");
    free(s);
    /* nothing at all */
    rc = svg_lines(path_of("lines_empty.svg"), NULL, NULL, NULL, NULL, 0);
    CHECK_V(rc == 0, "svg_lines with no series returns 0");
    free(check_file("lines_empty.svg"));
    rc = svg_panels(path_of("panels_empty.svg"), "none", "x", 0, 0, NULL, "y", NULL, NULL, NULL, NULL, 0);
    CHECK_V(rc == 0, "svg_panels with no panels returns 0");
    free(check_file("panels_empty.svg"));
}

static void test_bars(void) {
    const char *cats[10] = { "the", "cat", "sat<on>", "mat & rug", "a", "dog", "ran", "away",
                             "an extremely long category label indeed", "end" };
    const char *groups[2] = { "after SFT", "after DPO & more" };
    double v[20];
    int hl[10] = { 0, 0, 0, 1, 0, 0, 0, 0, 0, 0 }, i, rc, rc2, fin = 0;
    char *s;
    for (i = 0; i < 20; i++) {
        v[i] = (i % 3 == 0 ? -1 : 1) * 0.37 * (i % 7 + 1);
        if (i == 5) v[i] = NAN;
        if (isfinite(v[i])) fin++;
    }
    rc = svg_bars(path_of("bars.svg"), "\xce\x94 log \xcf\x80 per class", "\xce\x94 log \xcf\x80", 10, cats, 2, groups, v, hl);
    rc2 = svg_bars(path_of("bars_again.svg"), "\xce\x94 log \xcf\x80 per class", "\xce\x94 log \xcf\x80", 10, cats, 2, groups, v, hl);
    CHECK_V(rc == 0 && rc2 == 0, "svg_bars returns 0");
    CHECK_V(same_bytes("bars.svg", "bars_again.svg"), "svg_bars: the same call twice gives identical bytes");
    s = check_file("bars.svg");
    if (!s) return;
    CHECK_V(count(s, "class=\"bar\"") == fin, "svg_bars: %d bars for %d finite values", count(s, "class=\"bar\""), fin);
    CHECK_V(strstr(s, "font-weight=\"bold\">mat &amp; rug</text>") != NULL, "svg_bars: the highlighted label is bold and escaped");
    CHECK_V(strstr(s, ">sat&lt;on&gt;</text>") && strstr(s, "after DPO &amp; more"), "svg_bars: labels and group names escaped");
    CHECK_V(strstr(s, "&#8230;</text>") && !strstr(s, "long category label indeed"),
            "svg_bars: a very long label is cut with an ellipsis");
    CHECK_V(strstr(s, "rotate(-40") != NULL, "svg_bars: long category labels are rotated");
    free(s);
    {
        double z[3] = { 0, 0, 0 };
        const char *c3[3] = { "a", "b", "c" };
        rc = svg_bars(path_of("bars_zero.svg"), "all zero", NULL, 3, c3, 1, NULL, z, NULL);
        CHECK_V(rc == 0, "svg_bars with all-zero values returns 0");
        free(check_file("bars_zero.svg"));
        rc = svg_bars(path_of("bars_empty.svg"), NULL, NULL, 0, NULL, 0, NULL, NULL, NULL);
        CHECK_V(rc == 0, "svg_bars with nothing returns 0");
        free(check_file("bars_empty.svg"));
    }
}

static void test_heatmap(void) {
    const char *rows[8] = { "chosen", "rejected", "irr <hum>", "A & B", "rnd", "para", "fmt", "test" };
    const char *cols[12] = { "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11" };
    double v[96], big[900];
    int i, rc, rc2;
    char *s, *vals;
    for (i = 0; i < 96; i++) v[i] = sin(i * 0.37) * (i % 5 - 2) * 0.8;
    v[17] = NAN;
    rc = svg_heatmap(path_of("heatmap.svg"), "Heatmap 8 \xc3\x97 12 (a NaN cell)", 8, 12, rows, cols, v, "\xce\x94 & change");
    rc2 = svg_heatmap(path_of("heatmap_again.svg"), "Heatmap 8 \xc3\x97 12 (a NaN cell)", 8, 12, rows, cols, v, "\xce\x94 & change");
    CHECK_V(rc == 0 && rc2 == 0, "svg_heatmap returns 0");
    CHECK_V(same_bytes("heatmap.svg", "heatmap_again.svg"), "svg_heatmap: the same call twice gives identical bytes");
    s = check_file("heatmap.svg");
    if (!s) return;
    CHECK_V(count(s, "class=\"cell\"") == 96, "svg_heatmap: 96 cells (%d)", count(s, "class=\"cell\""));
    CHECK_V(count(s, "fill=\"#bdbdbd\"") == 1, "svg_heatmap: one grey (NaN) cell");
    vals = between(s, "<g class=\"values\"", "</g>");
    CHECK_V(vals && count(vals, "<text") == 95, "svg_heatmap: 95 values printed (%d)", vals ? count(vals, "<text") : -1);
    free(vals);
    CHECK_V(strstr(s, ">irr &lt;hum&gt;</text>") && strstr(s, ">A &amp; B</text>") && strstr(s, "\xce\x94 &amp; change"),
            "svg_heatmap: row labels and colour-bar label escaped");
    CHECK_V(strstr(s, "url(#svg-cbar)") != NULL, "svg_heatmap: has a colour bar");
    free(s);
    for (i = 0; i < 900; i++) big[i] = (i % 31) - 15.0;
    rc = svg_heatmap(path_of("heatmap_big.svg"), "30 x 30", 30, 30, NULL, NULL, big, NULL);
    CHECK_V(rc == 0, "svg_heatmap 30 x 30 returns 0");
    s = check_file("heatmap_big.svg");
    CHECK_V(s && count(s, "class=\"cell\"") == 900 && !strstr(s, "class=\"values\""),
            "svg_heatmap: a 30 x 30 grid has 900 cells and no printed values");
    free(s);
    {
        double z = 0, n2[2] = { NAN, NAN };
        rc = svg_heatmap(path_of("heatmap_one.svg"), NULL, 1, 1, NULL, NULL, &z, "zero");
        CHECK_V(rc == 0, "svg_heatmap 1 x 1 of zero returns 0");
        free(check_file("heatmap_one.svg"));
        rc = svg_heatmap(path_of("heatmap_nan.svg"), "all NaN", 1, 2, NULL, NULL, n2, NULL);
        CHECK_V(rc == 0, "svg_heatmap of NaNs only returns 0");
        free(check_file("heatmap_nan.svg"));
    }
}

static void test_unwritable(void) {
    double y[2] = { 1, 2 }, v[2] = { 1, -1 };
    svg_series s1 = { "a", 2, NULL, y, 0 };
    const char *bad = "/nonexistent-dir-svg-test/x.svg";
    CHECK_V(svg_lines(bad, "t", "x", "y", &s1, 1) == -1, "svg_lines returns -1 for an unwritable path");
    CHECK_V(svg_bars(bad, "t", "y", 2, NULL, 1, NULL, v, NULL) == -1, "svg_bars returns -1 for an unwritable path");
    CHECK_V(svg_heatmap(bad, "t", 1, 2, NULL, NULL, v, NULL) == -1, "svg_heatmap returns -1 for an unwritable path");
}

/* Ticks over many ranges (centres and widths from 1e-15 to 1e15, constant
   ranges too): 4 to 6 of them, inside the axis, with distinct labels. */
static void test_ticks(void) {
    unsigned long long st = 12345;
    int it, k, bad_n = 0, bad_in = 0, bad_dup = 0;
    for (it = 0; it < 20000; it++) {
        double c, w, lo, hi;
        char b[16][40];
        svg__axis a;
        st = st * 6364136223846793005ULL + 1442695040888963407ULL;
        c = ((double)((st >> 11) % 2000001) - 1e6) * pow(10, (int)((st >> 40) % 30) - 15);
        w = ((double)((st >> 21) % 100000)) * pow(10, (int)((st >> 50) % 30) - 15);
        if (it % 3 == 0) c = 0;
        lo = c;
        hi = c + w;
        svg__range(&lo, &hi, 0.05);
        svg__ticks(&a, lo, hi, 4, 6, 1);
        if (a.n < 4 || a.n > 6) bad_n++;
        for (k = 0; k < a.n; k++) {
            svg__tick_label(b[k], sizeof b[k], &a, k);
            if (a.t[k] < a.lo || a.t[k] > a.hi) bad_in++;
            if (k && strcmp(b[k], b[k - 1]) == 0) bad_dup++;
        }
    }
    CHECK_V(bad_n == 0 && bad_in == 0 && bad_dup == 0,
            "ticks over 20000 ranges: 4..6 ticks (%d bad), inside the axis (%d bad), distinct labels (%d bad)", bad_n,
            bad_in, bad_dup);
}

int main(int argc, char **argv) {
    /* test_svg --check DIR FILE...: check figures written elsewhere (the demo's) */
    if (argc > 2 && !strcmp(argv[1], "--check")) {
        dir = argv[2];
        for (int i = 3; i < argc; i++) free(check_file(argv[i]));
        return t_done();
    }
    if (argc > 1) dir = argv[1];
    test_checker();
    test_ticks();
    test_panels();
    test_lines_and_shared_legend();
    test_bars();
    test_heatmap();
    test_unwritable();
    if (t_fail) printf("(figures in %s; the directory must exist)\n", dir);
    return t_done();
}
