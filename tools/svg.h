/* svg.h — small SVG figures for the demo: line-chart panels, grouped bars,
   a diverging heatmap. Header-only (static functions), C99 and C++, depends
   only on the C library. The output is deterministic: the same call writes
   the same bytes (numbers at fixed precision, no clock, no addresses).

     svg_panels   a grid of line charts ("small multiples"), own y range each
     svg_lines    one line chart
     svg_bars     grouped bars around a zero line
     svg_heatmap  a heatmap, blue < 0 < red, with a colour bar

   Every function returns 0, or -1 when the file cannot be written.

   Conventions. Text is XML-escaped; a label longer than its room (or than
   the limits below) is cut and ends in an ellipsis. Non-finite values and
   values beyond ±1e290 are skipped (a gap in a line, no bar, a grey cell).
   A series with x == NULL is drawn at x = 0, 1, 2, ... Colours come from a
   fixed colour-blind-safe palette (Okabe–Ito without its yellow, then three
   of Paul Tol's muted colours); series index i gets svg_color(i) in every panel, the
   palette repeats after SVG_NCOLORS. Each series of a line chart is a
   <g class="series" id="pP-sI"> (panel P, series I) holding one <polyline>
   per unbroken run of points (and a small circle on a run of one point). */
#ifndef LD_SVG_H
#define LD_SVG_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__) || defined(__clang__)
#define SVGDEF static __attribute__((unused))
#else
#define SVGDEF static
#endif

typedef struct {
    const char *name;   /* legend text; NULL or "" = no legend entry */
    int n;              /* number of points */
    const double *x;    /* n x values, or NULL for 0..n-1 */
    const double *y;    /* n y values; NaN (or inf) = a gap */
    int dashed;         /* draw the line dashed */
} svg_series;

#define SVG_NCOLORS 10
#define SVG_PANEL_W 320 /* one panel of svg_panels, without its legend */
#define SVG_PANEL_H 220
#define SVG_TITLE_LINE 60    /* a figure widens for a title this long; longer ones wrap */
#define SVG_MAX_LABEL 40     /* legend names and marker labels */
#define SVG_MAX_CAT_LABEL 20 /* bar categories and heatmap columns */
#define SVG_MAX_ROW_LABEL 24 /* heatmap rows */

/* ---------------------------------------------------------------- helpers */

/* The palette: colour-blind-safe, dark enough on white. */
SVGDEF const char *svg_color(int i) {
    static const char *const pal[SVG_NCOLORS] = { "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00",
                                                  "#56B4E9", "#000000", "#882255", "#999933", "#332288" };
    return pal[(i % SVG_NCOLORS + SVG_NCOLORS) % SVG_NCOLORS];
}

SVGDEF int svg__ok(double v) { return v == v && fabs(v) <= 1e290; }

SVGDEF int svg__empty(const char *s) { return !s || !*s; }

/* Length of the valid UTF-8 sequence at p (1..4), or 0 when the bytes there
   are not one (a stray byte, an overlong form, a surrogate, U+FFFE/FFFF). */
SVGDEF int svg__u8len(const unsigned char *p) {
    int n, i;
    if (p[0] < 0x80) return 1;
    if (p[0] >= 0xC2 && p[0] <= 0xDF) n = 2;
    else if (p[0] >= 0xE0 && p[0] <= 0xEF) n = 3;
    else if (p[0] >= 0xF0 && p[0] <= 0xF4) n = 4;
    else return 0;
    for (i = 1; i < n; i++)
        if ((p[i] & 0xC0) != 0x80) return 0;
    if ((p[0] == 0xE0 && p[1] < 0xA0) || (p[0] == 0xED && p[1] >= 0xA0) || (p[0] == 0xF0 && p[1] < 0x90) ||
        (p[0] == 0xF4 && p[1] >= 0x90) || (p[0] == 0xEF && p[1] == 0xBF && p[2] >= 0xBE))
        return 0;
    return n;
}

/* Characters in s: UTF-8 code points, a byte that is not part of one
   counting as one character. */
SVGDEF int svg__nchars(const char *s) {
    const unsigned char *p = (const unsigned char *)s;
    int n = 0, l;
    if (!s) return 0;
    for (; *p; p += l ? l : 1) {
        l = svg__u8len(p);
        n++;
    }
    return n;
}

/* An estimate of the width of s in pixels at font size fs (sans-serif,
   on the generous side), after cutting it to maxch characters. */
SVGDEF double svg__textw(const char *s, double fs, int maxch) {
    int n = svg__nchars(s);
    if (maxch > 0 && n > maxch) n = maxch;
    return n * fs * 0.6;
}

/* How many characters fit in w pixels at font size fs (at least 1). */
SVGDEF int svg__fit(double w, double fs) {
    int n = (int)(w / (fs * 0.6));
    return n < 1 ? 1 : n;
}

/* Writes the first len bytes of s XML-escaped, cut to maxch characters
   (<= 0: no limit) with an ellipsis at the end when it was longer. Control
   characters become spaces, bytes that are not valid UTF-8 become '?'. */
SVGDEF void svg__putn(FILE *f, const char *s, size_t len, int maxch) {
    int n = maxch > 0 ? svg__nchars(s) : 0, keep = (maxch > 0 && n > maxch) ? maxch - 1 : -1, ch = 0, l;
    const unsigned char *p, *end;
    if (!s) return;
    end = (const unsigned char *)s + len;
    for (p = (const unsigned char *)s; p < end && *p && ch != keep; p += l ? l : 1, ch++) {
        l = svg__u8len(p);
        if (l == 0) fputc('?', f);
        else if (l > 1) fwrite(p, 1, (size_t)l, f);
        else switch (*p) {
            case '&': fputs("&amp;", f); break;
            case '<': fputs("&lt;", f); break;
            case '>': fputs("&gt;", f); break;
            case '"': fputs("&quot;", f); break;
            case '\'': fputs("&apos;", f); break;
            default: fputc(*p < 0x20 ? ' ' : *p, f);
            }
    }
    if (keep >= 0) fputs("&#8230;", f);
}

SVGDEF void svg__puts(FILE *f, const char *s, int maxch) { svg__putn(f, s, s ? strlen(s) : 0, maxch); }

/* Splits s into at most two lines of at most fit characters, at the last
   space that keeps the first line short enough (mid-word when there is
   none). Returns the number of lines (0 for no text); *len is the first
   line's length in bytes, *rest the start of the second line. */
SVGDEF int svg__wrap(const char *s, int fit, size_t *len, const char **rest) {
    const char *p = s, *brk = NULL, *cut = NULL;
    int ch = 0, l;
    if (svg__empty(s)) return 0;
    *len = strlen(s);
    *rest = NULL;
    if (svg__nchars(s) <= fit) return 1;
    for (; *p && ch <= fit; p += l ? l : 1, ch++) {
        l = svg__u8len((const unsigned char *)p);
        if (*p == ' ' && ch > 0) brk = p;
        if (ch == fit) cut = p;
    }
    if (!brk) brk = cut ? cut : p;
    *len = (size_t)(brk - s);
    while (*brk == ' ') brk++;
    *rest = brk;
    return 2;
}

/* Label i: labels[i], or the index i (written into buf) when labels is NULL. */
SVGDEF const char *svg__label(const char *const *labels, int i, char *buf, size_t n) {
    if (labels) return labels[i];
    snprintf(buf, n, "%d", i);
    return buf;
}

/* <text> at (x, y) (y: the baseline), font size fs, anchor "start" /
   "middle" / "end", extra attributes attrs (may be NULL). */
SVGDEF void svg__text(FILE *f, double x, double y, int fs, const char *anchor, const char *attrs, const char *s,
                      int maxch) {
    fprintf(f, "<text x=\"%.2f\" y=\"%.2f\"", x, y);
    if (fs != 11) fprintf(f, " font-size=\"%d\"", fs);
    if (anchor && strcmp(anchor, "start") != 0) fprintf(f, " text-anchor=\"%s\"", anchor);
    if (attrs) fputs(attrs, f);
    fputc('>', f);
    svg__puts(f, s, maxch);
    fputs("</text>\n", f);
}

/* Text of up to two lines (see svg__wrap), the second lh pixels lower and
   cut with an ellipsis when still too long. */
SVGDEF void svg__text2(FILE *f, double x, double y, int fs, const char *anchor, const char *attrs, const char *s,
                       int fit, double lh) {
    size_t len;
    const char *rest;
    int n = svg__wrap(s, fit, &len, &rest);
    if (n == 0) return;
    fprintf(f, "<text x=\"%.2f\" y=\"%.2f\"", x, y);
    if (fs != 11) fprintf(f, " font-size=\"%d\"", fs);
    if (anchor && strcmp(anchor, "start") != 0) fprintf(f, " text-anchor=\"%s\"", anchor);
    if (attrs) fputs(attrs, f);
    fputc('>', f);
    svg__putn(f, s, len, 0);
    fputs("</text>\n", f);
    if (n == 2) svg__text(f, x, y + lh, fs, anchor, attrs, rest, fit);
}

/* Room for a figure title: widens *W for up to SVG_TITLE_LINE characters
   and returns the height of a second line (0 when it fits on one). */
SVGDEF double svg__title_room(const char *title, int *W) {
    size_t len;
    const char *rest;
    double w = svg__textw(title, 15.5, SVG_TITLE_LINE) + 20; /* 15.5: bold 14 px */
    if (*W < w) *W = (int)ceil(w);
    return svg__wrap(title, svg__fit(*W - 16, 15.5), &len, &rest) == 2 ? 17 : 0;
}

/* The title, then opens a group that centres the content (W0 wide) in W;
   svg__end closes it. */
SVGDEF void svg__title(FILE *f, const char *title, int W, int W0) {
    svg__text2(f, 0.5 * W, 20, 14, "middle", " font-weight=\"bold\"", title, svg__fit(W - 16, 15.5), 17);
    fprintf(f, "<g class=\"content\" transform=\"translate(%.2f 0)\">\n", 0.5 * (W - W0));
}

/* Text rotated by deg degrees about its anchor point (x, y). */
SVGDEF void svg__text_rot(FILE *f, double x, double y, int fs, const char *anchor, double deg, const char *more,
                          const char *s, int maxch) {
    char a[160];
    snprintf(a, sizeof a, " transform=\"rotate(%.0f %.2f %.2f)\"%s", deg, x, y, more ? more : "");
    svg__text(f, x, y, fs, anchor, a, s, maxch);
}

SVGDEF void svg__line(FILE *f, double x1, double y1, double x2, double y2, const char *stroke, double w,
                      const char *dash) {
    fprintf(f, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"%s\"", x1, y1, x2, y2, stroke);
    if (w != 1) fprintf(f, " stroke-width=\"%.2f\"", w);
    if (dash) fprintf(f, " stroke-dasharray=\"%s\"", dash);
    fputs("/>\n", f);
}

SVGDEF FILE *svg__begin(const char *path, int w, int h) {
    FILE *f = path ? fopen(path, "wb") : NULL;
    if (!f) return NULL;
    fprintf(f,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
            "font-family=\"Helvetica, Arial, sans-serif\" font-size=\"11\" fill=\"#222222\">\n"
            "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n",
            w, h, w, h, w, h);
    return f;
}

SVGDEF int svg__end(FILE *f) {
    int bad;
    fputs("</g>\n</svg>\n", f);
    bad = ferror(f);
    if (fclose(f) != 0) bad = 1;
    return bad ? -1 : 0;
}

/* ------------------------------------------------------------------ axes */

/* An axis: its range [lo, hi] and up to 16 round tick values t[0..n). */
typedef struct {
    double lo, hi, step;
    int n, prec;
    double t[16];
} svg__axis;

/* Makes [lo, hi] a usable data range: no data (lo > hi) gives [0, 1], a
   single value c gives [c - 1, c + 1] (c -+ |c| / 1e6 when |c| > 1e6), else
   it is padded by pad * width at both ends. */
SVGDEF void svg__range(double *lo, double *hi, double pad) {
    double a = *lo, b = *hi, d;
    if (!(a <= b)) {
        a = 0;
        b = 1;
    } else if (b - a <= 1e-12 * fmax(fabs(a), fabs(b))) {
        double c = 0.5 * a + 0.5 * b;
        d = fabs(c) > 1e6 ? 1e-6 * fabs(c) : 1; /* beyond 1e6, +-1 would need long labels */
        a = c - d;
        b = c + d;
    } else {
        d = (b - a) * pad;
        a -= d;
        b += d;
    }
    *lo = a;
    *hi = b;
}

/* Round ticks for [lo, hi]: a step of 1, 2, 2.5 or 5 times a power of ten
   giving nmin..nmax ticks, as close to the middle of that as can be. When no
   step gives enough and extend is set, the range grows to the next ticks
   outside it. */
SVGDEF void svg__ticks(svg__axis *a, double lo, double hi, int nmin, int nmax, int extend) {
    static const double mant[4] = { 1, 2, 2.5, 5 };
    double r, best = 1e300, bs = 1, target = 0.5 * (nmin + nmax), i0, i1, cnt, mx;
    int e, m, E, k;
    if (!(hi > lo) || !(hi - lo <= 1e300)) { /* the callers never pass this; stay safe */
        lo = 0;
        hi = 1;
    }
    r = hi - lo;
    E = (int)floor(log10(r));
    for (e = E - 2; e <= E + 1; e++)
        for (m = 0; m < 4; m++) {
            double s = mant[m] * pow(10.0, e), sc;
            cnt = floor(hi / s + 1e-6) - ceil(lo / s - 1e-6) + 1;
            if (cnt >= nmin && cnt <= nmax) sc = fabs(cnt - target) + (m == 2 ? 0.25 : 0);
            else if (cnt < nmin) sc = 100 + (nmin - cnt);
            else sc = 200 + (cnt - nmax);
            if (sc < best) {
                best = sc;
                bs = s;
            }
        }
    i0 = ceil(lo / bs - 1e-6);
    i1 = floor(hi / bs + 1e-6);
    if (extend)
        while (i1 - i0 + 1 < nmin) {
            if (lo - (i0 - 1) * bs <= (i1 + 1) * bs - hi) lo = --i0 * bs;
            else hi = ++i1 * bs;
        }
    a->lo = lo;
    a->hi = hi;
    a->step = bs;
    cnt = i1 - i0 + 1;
    a->n = cnt < 0 ? 0 : cnt > 16 ? 16 : (int)cnt;
    mx = 0;
    for (k = 0; k < a->n; k++) {
        double v = (i0 + k) * bs;
        if (fabs(v) < bs * 1e-6) v = 0.0;
        a->t[k] = v;
        if (fabs(v) > mx) mx = fabs(v);
    }
    if (a->n && a->t[0] < a->lo) a->lo = a->t[0]; /* a tick within 1e-6 steps outside the range */
    if (a->n && a->t[a->n - 1] > a->hi) a->hi = a->t[a->n - 1];
    a->prec = mx > 0 ? (int)floor(log10(mx)) - (int)floor(log10(bs)) + 2 : 2;
    if (mx >= 1e-4 && mx < 1e6 && a->prec <= (int)floor(log10(mx))) a->prec = (int)floor(log10(mx)) + 1; /* 200, not 2e+02 */
    if (a->prec < 2) a->prec = 2;
    if (a->prec > 17) a->prec = 17;
}

SVGDEF void svg__tick_label(char *buf, size_t n, const svg__axis *a, int k) {
    snprintf(buf, n, "%.*g", a->prec, a->t[k]);
}

/* The widest tick label of an axis, in pixels at font size fs. */
SVGDEF double svg__ticks_w(const svg__axis *a, double fs) {
    char b[40];
    double w = 0;
    int k;
    for (k = 0; k < a->n; k++) {
        svg__tick_label(b, sizeof b, a, k);
        if (svg__textw(b, fs, 0) > w) w = svg__textw(b, fs, 0);
    }
    return w;
}

/* Pixel position of v on an axis drawn from p0 (at lo) to p1 (at hi). */
SVGDEF double svg__map(const svg__axis *a, double v, double p0, double p1) {
    return p0 + (v - a->lo) / (a->hi - a->lo) * (p1 - p0);
}

/* ---------------------------------------------------------------- legend */

/* Lays out (f == NULL) or draws a legend: entry i is s[i].name with a line
   sample (when s is given) or names[i] with a square swatch. Entries flow
   in rows of 16 px within width w from x; y is the first row's centre; a
   row is centred in w when center is set. Returns the number of rows. */
SVGDEF int svg__legend(FILE *f, int n, const svg_series *s, const char *const *names, double x, double y, double w,
                       int center) {
    double samp = s ? 22 : 11, gap = 5, pad = 14;
    int maxch = svg__fit(w - samp - gap, 11), rows = 0, i = 0, j, cnt;
    if (maxch > SVG_MAX_LABEL) maxch = SVG_MAX_LABEL;
    while (i < n) {
        double rw = 0, cx;
        for (j = i, cnt = 0; j < n; j++) {
            const char *nm = s ? s[j].name : names ? names[j] : NULL;
            double ew;
            if (svg__empty(nm)) continue;
            ew = samp + gap + svg__textw(nm, 11, maxch) + pad;
            if (cnt > 0 && rw + ew - pad > w) break;
            rw += ew;
            cnt++;
        }
        if (cnt == 0) break;
        if (f) {
            double ry = y + rows * 16;
            cx = x + (center ? 0.5 * (w - (rw - pad)) : 0);
            for (; i < j; i++) {
                const char *nm = s ? s[i].name : names ? names[i] : NULL;
                if (svg__empty(nm)) continue;
                if (s) svg__line(f, cx, ry, cx + samp, ry, svg_color(i), 2, s[i].dashed ? "5,3" : NULL);
                else
                    fprintf(f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\"/>\n", cx,
                            ry - 5.5, samp, samp, svg_color(i));
                svg__text(f, cx + samp + gap, ry + 4, 11, NULL, NULL, nm, maxch);
                cx += samp + gap + svg__textw(nm, 11, maxch) + pad;
            }
        }
        i = j;
        rows++;
    }
    return rows;
}

/* ----------------------------------------------------------- line charts */

/* The data range of a panel's series (finite points only). */
SVGDEF void svg__data_range(const svg_series *s, int ns, double *xlo, double *xhi, double *ylo, double *yhi) {
    int i, k;
    *xlo = *ylo = 1e300;
    *xhi = *yhi = -1e300;
    for (k = 0; k < ns; k++) {
        if (!s[k].y) continue;
        for (i = 0; i < s[k].n; i++) {
            double x = s[k].x ? s[k].x[i] : i, y = s[k].y[i];
            if (!svg__ok(x) || !svg__ok(y)) continue;
            if (x < *xlo) *xlo = x;
            if (x > *xhi) *xhi = x;
            if (y < *ylo) *ylo = y;
            if (y > *yhi) *yhi = y;
        }
    }
}

/* The axes of a panel. The x ticks get fewer until their labels fit in pw. */
SVGDEF void svg__panel_axes(const svg_series *s, int ns, double pw, svg__axis *ax, svg__axis *ay) {
    double xlo, xhi, ylo, yhi;
    int nmax;
    svg__data_range(s, ns, &xlo, &xhi, &ylo, &yhi);
    svg__range(&xlo, &xhi, 0);
    svg__range(&ylo, &yhi, 0.05);
    svg__ticks(ay, ylo, yhi, 4, 6, 1);
    for (nmax = 6; nmax >= 2; nmax--) {
        svg__ticks(ax, xlo, xhi, nmax < 4 ? nmax : 4, nmax, 1);
        if (ax->n * (svg__ticks_w(ax, 11) + 10) <= pw) break;
    }
}

/* One series: a group holding a polyline per run of finite points. */
SVGDEF void svg__series(FILE *f, const svg_series *s, int panel, int idx, const svg__axis *ax, const svg__axis *ay,
                        double x0, double y0, double x1, double y1) {
    int i, run = 0;
    double px = 0, py = 0;
    fprintf(f,
            "<g class=\"series\" id=\"p%d-s%d\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.80\" "
            "stroke-linejoin=\"round\" stroke-linecap=\"round\"%s>\n",
            panel, idx, svg_color(idx), s->dashed ? " stroke-dasharray=\"6,3\"" : "");
    if (!svg__empty(s->name)) {
        fputs("<title>", f);
        svg__puts(f, s->name, 0);
        fputs("</title>\n", f);
    }
    for (i = 0; s->y && i <= s->n; i++) {
        int ok = 0;
        if (i < s->n) {
            double x = s->x ? s->x[i] : i, y = s->y[i];
            ok = svg__ok(x) && svg__ok(y);
            if (ok) {
                px = svg__map(ax, x, x0, x1);
                py = svg__map(ay, y, y1, y0);
            }
        }
        if (ok) {
            fputs(run ? " " : "<polyline points=\"", f);
            fprintf(f, "%.2f,%.2f", px, py);
            run++;
        } else if (run) {
            fputs("\"/>\n", f);
            if (run == 1) /* a lone point: a dot, so that it shows */
                fprintf(f, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"2.50\" fill=\"%s\" stroke=\"none\"/>\n", px, py,
                        svg_color(idx));
            run = 0;
        }
    }
    fputs("</g>\n", f);
}

/* Whether all panels have the same legend (then it is drawn once, below). */
SVGDEF int svg__same_legend(int np, const svg_series *const *series, const int *nseries) {
    int p, i, any = 0;
    if (np < 2 || !series || !nseries) return 0;
    for (p = 1; p < np; p++) {
        if (nseries[p] != nseries[0]) return 0;
        for (i = 0; i < nseries[0]; i++) {
            const char *a = series[0] ? series[0][i].name : NULL, *b = series[p] ? series[p][i].name : NULL;
            if (!series[0] || !series[p]) return 0;
            if (strcmp(a ? a : "", b ? b : "") != 0 || series[0][i].dashed != series[p][i].dashed) return 0;
        }
    }
    for (i = 0; i < nseries[0]; i++)
        if (!svg__empty(series[0][i].name)) any = 1;
    return any;
}

/* A grid of line-chart panels (see the top of the file). When every panel
   has the same series names, their legend is drawn once below the grid;
   else each panel has its own legend below it. The y label is drawn left of
   the first column, the x label below the lowest panel of each column. */
SVGDEF int svg_panels(const char *path, const char *title, const char *xlabel, int cols, int npanels,
                      const char *const *panel_titles, const char *ylabel, const svg_series *const *series,
                      const int *nseries, const double *vlines, const char *const *vlabels, int nv) {
    const double PW = SVG_PANEL_W, PH = SVG_PANEL_H;
    int rows, p, k, shared, has_pt = 0, leg_rows = 0, W, W0, H, tfit = svg__fit(PW - 12, 14.4);
    double lm = 30, yl, header, top, cellh, sh = 0, ph = PH;
    FILE *f;
    svg__axis ax, ay;
    char b[40];
    if (npanels < 0 || !series || !nseries) npanels = 0;
    if (nv < 0 || !vlines) nv = 0;
    if (cols <= 0) cols = (int)ceil(sqrt((double)npanels));
    if (cols > npanels) cols = npanels;
    if (cols < 1) cols = 1;
    rows = (npanels + cols - 1) / cols;
    for (p = 0; p < npanels && panel_titles; p++) {
        if (!svg__empty(panel_titles[p]) && !has_pt) has_pt = 1;
        if (svg__nchars(panel_titles[p]) > tfit) has_pt = 2; /* some title takes two lines */
    }
    shared = svg__same_legend(npanels, series, nseries);
    /* the y tick labels' room, the same in every panel */
    for (p = 0; p < npanels; p++) {
        svg__panel_axes(series[p], series[p] ? nseries[p] : 0, 200, &ax, &ay);
        if (svg__ticks_w(&ay, 11) + 12 > lm) lm = svg__ticks_w(&ay, 11) + 12;
    }
    if (lm > 110) lm = 110;
    /* legend rows, below each panel or once below the grid */
    if (shared) sh = svg__legend(NULL, nseries[0], series[0], NULL, 0, 0, cols * PW - 20, 1) * 16 + 10;
    else
        for (p = 0; p < npanels; p++) {
            int r = series[p] ? svg__legend(NULL, nseries[p], series[p], NULL, 0, 0, PW - lm - 16, 0) : 0;
            if (r > leg_rows) leg_rows = r;
        }
    yl = svg__empty(ylabel) ? 0 : 20;
    W = (int)ceil(yl + cols * PW + 6);
    W0 = W;
    header = svg__empty(title) ? 6 : 30 + svg__title_room(title, &W);
    top = has_pt == 2 ? 40 : has_pt ? 24 : 10;
    if (has_pt == 2) ph += 16;
    cellh = ph + (leg_rows ? leg_rows * 16 + 2 : 0) + 8;
    H = (int)ceil(header + rows * cellh + sh + 4);
    f = svg__begin(path, W, H);
    if (!f) return -1;
    svg__title(f, title, W, W0);
    for (p = 0; p < npanels; p++) {
        const svg_series *s = series[p];
        int ns = s ? nseries[p] : 0, col = p % cols, row = p / cols;
        double cx = yl + col * PW, cy = header + row * cellh;
        double x0 = cx + lm, x1 = cx + PW - 16, y0 = cy + top, y1 = cy + ph - 40;
        svg__panel_axes(s, ns, x1 - x0, &ax, &ay);
        fprintf(f, "<g class=\"panel\" id=\"panel%d\">\n", p);
        if (has_pt && !svg__empty(panel_titles[p]))
            svg__text2(f, svg__textw(panel_titles[p], 14.4, tfit) > x1 - x0 ? cx + 0.5 * PW : 0.5 * (x0 + x1), cy + 15, 13,
                       "middle", " font-weight=\"bold\"", panel_titles[p], tfit, 16); /* over the plot, or the cell */
        /* grid lines and y ticks */
        for (k = 0; k < ay.n; k++) {
            double y = svg__map(&ay, ay.t[k], y1, y0);
            svg__line(f, x0, y, x1, y, ay.t[k] == 0 ? "#b0b0b0" : "#e6e6e6", 1, NULL);
            svg__line(f, x0 - 4, y, x0, y, "#333333", 1, NULL);
            svg__tick_label(b, sizeof b, &ay, k);
            svg__text(f, x0 - 6, y + 4, 11, "end", NULL, b, 0);
        }
        for (k = 0; k < ax.n; k++) {
            double x = svg__map(&ax, ax.t[k], x0, x1);
            svg__line(f, x, y1, x, y1 + 4, "#333333", 1, NULL);
            svg__tick_label(b, sizeof b, &ax, k);
            svg__text(f, x, y1 + 16, 11, "middle", NULL, b, 0);
        }
        svg__line(f, x0, y0, x0, y1, "#333333", 1, NULL);
        svg__line(f, x0, y1, x1, y1, "#333333", 1, NULL);
        /* marker lines under the data, their labels over it */
        for (k = 0; k < nv; k++)
            if (svg__ok(vlines[k]) && vlines[k] >= ax.lo && vlines[k] <= ax.hi) {
                double x = svg__map(&ax, vlines[k], x0, x1);
                svg__line(f, x, y0, x, y1, "#888888", 1.2, "4,3");
            }
        for (k = 0; k < ns; k++) svg__series(f, &s[k], p, k, &ax, &ay, x0, y0, x1, y1);
        for (k = 0; k < nv && vlabels; k++)
            if (svg__ok(vlines[k]) && vlines[k] >= ax.lo && vlines[k] <= ax.hi && !svg__empty(vlabels[k])) {
                double x = svg__map(&ax, vlines[k], x0, x1), y = y0 + 11 + 12 * (k % 3);
                int right = x < 0.5 * (x0 + x1), mc = svg__fit(right ? x1 - x - 4 : x - x0 - 4, 10);
                svg__text(f, right ? x + 3 : x - 3, y, 10, right ? "start" : "end",
                          " fill=\"#555555\" stroke=\"#ffffff\" stroke-width=\"3\" paint-order=\"stroke\"",
                          vlabels[k], mc < SVG_MAX_LABEL ? mc : SVG_MAX_LABEL);
            }
        if (col == 0 && yl > 0)
            svg__text_rot(f, 14, 0.5 * (y0 + y1), 12, "middle", -90, NULL, ylabel, svg__fit(ph - 10, 12));
        if (p + cols >= npanels && !svg__empty(xlabel))
            svg__text(f, 0.5 * (x0 + x1), y1 + 32, 12, "middle", NULL, xlabel, svg__fit(PW - 20, 12));
        if (!shared && ns > 0) svg__legend(f, ns, s, NULL, x0, cy + ph + 4, x1 - x0, 0);
        fputs("</g>\n", f);
    }
    if (shared) svg__legend(f, nseries[0], series[0], NULL, yl + 10, header + rows * cellh + 6, cols * PW - 20, 1);
    return svg__end(f);
}

/* One line chart. */
SVGDEF int svg_lines(const char *path, const char *title, const char *xlabel, const char *ylabel,
                     const svg_series *series, int nseries) {
    const svg_series *one[1];
    int n[1];
    one[0] = series;
    n[0] = series && nseries > 0 ? nseries : 0;
    return svg_panels(path, title, xlabel, 1, 1, NULL, ylabel, one, n, NULL, NULL, 0);
}

/* ------------------------------------------------------------------ bars */

/* Grouped bars: ncat categories along x, ngroups bars in each, the value of
   group g in category c at values[g * ncat + c] (NaN: no bar). highlight
   (may be NULL): categories whose label is bold on a shaded band. */
SVGDEF int svg_bars(const char *path, const char *title, const char *ylabel, int ncat, const char *const *cat_labels,
                    int ngroups, const char *const *group_names, const double *values, const int *highlight) {
    double lo = 0, hi = 0, bw, sw, pw, ph = 220, maxlw = 0, lab_h, x0, y0, y1, yl, header, lh, z;
    int c, g, k, rot, W, W0, H, step = 1, lrows;
    svg__axis ay;
    FILE *f;
    char b[40];
    if (ncat < 0) ncat = 0;
    if (ngroups < 0 || !values) ngroups = 0;
    for (k = 0; k < ncat * ngroups; k++)
        if (svg__ok(values[k])) {
            if (values[k] < lo) lo = values[k];
            if (values[k] > hi) hi = values[k];
        }
    if (lo == hi) { /* all zero or no values */
        lo = -1;
        hi = 1;
    } else {
        double d = 0.05 * (hi - lo);
        if (lo < 0) lo -= d;
        if (hi > 0) hi += d;
    }
    svg__ticks(&ay, lo, hi, 4, 7, 1);
    bw = ngroups <= 3 ? 16 : ngroups <= 6 ? 11 : 7;
    sw = ngroups * bw + 12;
    if (sw < 34) sw = 34;
    pw = ncat * sw;
    if (pw < 280) {
        pw = 280;
        sw = ncat ? pw / ncat : pw;
        if (ngroups) bw = (sw - 12) / ngroups;
        if (bw > 28) bw = 28;
    }
    for (c = 0; c < ncat; c++) {
        double w = svg__textw(svg__label(cat_labels, c, b, sizeof b), 11, SVG_MAX_CAT_LABEL);
        if (w > maxlw) maxlw = w;
    }
    rot = maxlw > sw - 6;
    if (rot && sw * 0.64 < 12) step = (int)ceil(12 / (sw * 0.64)); /* rotated labels 12 px apart at least */
    lab_h = rot ? maxlw * 0.643 + 24 : 24;
    yl = svg__empty(ylabel) ? 0 : 20;
    x0 = yl + svg__ticks_w(&ay, 11) + 14;
    if (rot && maxlw * 0.766 - 0.5 * sw + 8 > x0) x0 = maxlw * 0.766 - 0.5 * sw + 8;
    W = (int)ceil(x0 + pw + 16);
    W0 = W;
    header = svg__empty(title) ? 8 : 32 + svg__title_room(title, &W);
    lrows = svg__legend(NULL, ngroups, NULL, group_names, 0, 0, W0 - 20, 1);
    lh = lrows ? lrows * 16 + 4 : 0;
    y0 = header + lh + 4;
    y1 = y0 + ph;
    H = (int)ceil(y1 + lab_h + 6);
    f = svg__begin(path, W, H);
    if (!f) return -1;
    svg__title(f, title, W, W0);
    if (lrows) svg__legend(f, ngroups, NULL, group_names, 10, header + 6, W0 - 20, 1);
    for (c = 0; c < ncat && highlight; c++)
        if (highlight[c])
            fprintf(f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"#fff2c2\"/>\n",
                    x0 + c * sw, y0, sw, ph);
    for (k = 0; k < ay.n; k++) {
        double y = svg__map(&ay, ay.t[k], y1, y0);
        if (ay.t[k] != 0) svg__line(f, x0, y, x0 + pw, y, "#e6e6e6", 1, NULL);
        svg__line(f, x0 - 4, y, x0, y, "#333333", 1, NULL);
        svg__tick_label(b, sizeof b, &ay, k);
        svg__text(f, x0 - 6, y + 4, 11, "end", NULL, b, 0);
    }
    z = svg__map(&ay, 0, y1, y0);
    for (g = 0; g < ngroups; g++) {
        fprintf(f, "<g class=\"group\" id=\"g%d\" fill=\"%s\">\n", g, svg_color(g));
        for (c = 0; c < ncat; c++) {
            double v = values[g * ncat + c], x, y;
            if (!svg__ok(v)) continue;
            x = x0 + c * sw + 0.5 * (sw - ngroups * bw) + g * bw;
            y = svg__map(&ay, v, y1, y0);
            fprintf(f, "<rect class=\"bar\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\"/>\n", x,
                    y < z ? y : z, bw > 3 ? bw - 1 : bw, fabs(y - z));
        }
        fputs("</g>\n", f);
    }
    svg__line(f, x0, y0, x0, y1, "#333333", 1, NULL);
    svg__line(f, x0, z, x0 + pw, z, "#333333", 1, NULL);
    for (c = 0; c < ncat; c++) {
        const char *l = svg__label(cat_labels, c, b, sizeof b);
        double x = x0 + (c + 0.5) * sw;
        const char *bold = highlight && highlight[c] ? " font-weight=\"bold\"" : NULL;
        svg__line(f, x, y1, x, y1 + 4, "#333333", 1, NULL);
        if (c % step) continue;
        if (rot) svg__text_rot(f, x + 3, y1 + 14, 11, "end", -40, bold, l, SVG_MAX_CAT_LABEL);
        else svg__text(f, x, y1 + 17, 11, "middle", bold, l, SVG_MAX_CAT_LABEL);
    }
    if (yl > 0)
        svg__text_rot(f, x0 - svg__ticks_w(&ay, 11) - 20, 0.5 * (y0 + y1), 12, "middle", -90, NULL, ylabel,
                      svg__fit(ph + 30, 12));
    return svg__end(f);
}

/* --------------------------------------------------------------- heatmap */

/* The diverging map at t in [-1, 1]: blue, white at 0, red (ColorBrewer
   RdBu with a white centre), as "#rrggbb" in out[8]. */
SVGDEF void svg__diverge(double t, char *out) {
    static const unsigned char st[7][3] = { { 0x21, 0x66, 0xac }, { 0x67, 0xa9, 0xcf }, { 0xd1, 0xe5, 0xf0 },
                                            { 0xff, 0xff, 0xff }, { 0xfd, 0xdb, 0xc7 }, { 0xef, 0x8a, 0x62 },
                                            { 0xb2, 0x18, 0x2b } };
    double u;
    int i, j, ch[3];
    if (!(t >= -1)) t = -1;
    if (t > 1) t = 1;
    u = (t + 1) * 3; /* 0..6 */
    i = (int)floor(u);
    if (i > 5) i = 5;
    u -= i;
    for (j = 0; j < 3; j++) ch[j] = (int)floor(st[i][j] + (st[i + 1][j] - st[i][j]) * u + 0.5);
    snprintf(out, 8, "#%02x%02x%02x", ch[0], ch[1], ch[2]);
}

/* A cell's value as printed: decimals chosen from the largest |value| m. */
SVGDEF void svg__cell_value(char *buf, size_t n, double v, double m) {
    const char *p;
    if (m >= 1e-2 && m < 1e4) snprintf(buf, n, "%.*f", m < 0.1 ? 3 : m < 10 ? 2 : m < 100 ? 1 : 0, v);
    else snprintf(buf, n, "%.1e", v);
    for (p = buf + 1; *p == '0' || *p == '.'; p++) {}
    if (buf[0] == '-' && *p == 0) memmove(buf, buf + 1, strlen(buf)); /* "-0.00" -> "0.00" */
}

/* A heatmap of values[r * ncols + c] (see the top of the file). Cells show
   their value when the grid is at most 20 x 20; rows and columns are
   labelled with their index when the labels are NULL, and only every k-th
   one when the cells are too small for all. */
SVGDEF int svg_heatmap(const char *path, const char *title, int nrows, int ncols, const char *const *row_labels,
                       const char *const *col_labels, const double *values, const char *colorbar_label) {
    double M = 0, cell, cw, ch, rlw = 0, clw = 0, gx, gy, gw, gh, cbx, cbh, lab_h, cbw = 14, tw;
    int r, c, k, show, rotc, rstep = 1, cstep = 1, W, W0, H, big;
    char b[40], col[8];
    svg__axis at;
    FILE *f;
    if (nrows < 0 || !values) nrows = 0;
    if (ncols < 0 || !values) ncols = 0;
    for (k = 0; k < nrows * ncols; k++)
        if (svg__ok(values[k]) && fabs(values[k]) > M) M = fabs(values[k]);
    if (M == 0) M = 1;
    show = nrows <= 20 && ncols <= 20;
    big = nrows > ncols ? nrows : ncols;
    cell = big ? 440.0 / big : 40;
    if (cell > 40) cell = 40;
    if (cell < 4) cell = 4;
    cw = ch = cell;
    if (show) {
        double vw = 0;
        for (k = 0; k < nrows * ncols; k++)
            if (svg__ok(values[k])) {
                svg__cell_value(b, sizeof b, values[k], M);
                if (svg__textw(b, 10, 0) > vw) vw = svg__textw(b, 10, 0);
            }
        if (cw < vw + 6) cw = vw + 6;
        if (ch < 18) ch = 18;
    }
    /* labels: given or the index */
    for (r = 0; r < nrows; r++) {
        const char *l = svg__label(row_labels, r, b, sizeof b);
        if (svg__textw(l, 11, SVG_MAX_ROW_LABEL) > rlw) rlw = svg__textw(l, 11, SVG_MAX_ROW_LABEL);
    }
    for (c = 0; c < ncols; c++) {
        const char *l = svg__label(col_labels, c, b, sizeof b);
        if (svg__textw(l, 11, SVG_MAX_CAT_LABEL) > clw) clw = svg__textw(l, 11, SVG_MAX_CAT_LABEL);
    }
    if (ch < 12) rstep = (int)ceil(12 / ch);
    cstep = (int)ceil((clw + 6) / cw); /* upright labels, every cstep-th column */
    rotc = cstep > 2;                  /* else rotated, 12 px apart */
    if (rotc) cstep = cw * 0.707 < 12 ? (int)ceil(12 / (cw * 0.707)) : 1;
    lab_h = rotc ? clw * 0.707 + 20 : 22;
    gx = 10 + rlw + 6;
    if (rotc && clw * 0.707 - 0.5 * cw + 8 > gx) gx = clw * 0.707 - 0.5 * cw + 8;
    gw = ncols * cw;
    gh = nrows * ch;
    cbx = gx + gw + 18;
    cbh = gh > 120 ? gh : 120;
    svg__ticks(&at, -M, M, 3, 7, 0);
    tw = svg__ticks_w(&at, 11);
    W = (int)ceil(cbx + cbw + 8 + tw + (svg__empty(colorbar_label) ? 8 : 28));
    W0 = W;
    gy = svg__empty(title) ? 10 : 34 + svg__title_room(title, &W);
    H = (int)ceil(gy + (gh + lab_h > cbh + 10 ? gh + lab_h : cbh + 10) + 6);
    f = svg__begin(path, W, H);
    if (!f) return -1;
    svg__title(f, title, W, W0);
    fprintf(f, "<g class=\"cells\" stroke=\"#ffffff\" stroke-width=\"%s\">\n", show ? "1" : "0");
    for (r = 0; r < nrows; r++)
        for (c = 0; c < ncols; c++) {
            double v = values[r * ncols + c];
            if (svg__ok(v)) svg__diverge(v / M, col);
            else strcpy(col, "#bdbdbd");
            fprintf(f, "<rect class=\"cell\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\"/>\n",
                    gx + c * cw, gy + r * ch, cw, ch, col);
        }
    fputs("</g>\n", f);
    if (nrows && ncols)
        fprintf(f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"none\" stroke=\"#999999\" "
                   "stroke-width=\"0.5\"/>\n", gx, gy, gw, gh);
    if (show) {
        fputs("<g class=\"values\" font-size=\"10\" text-anchor=\"middle\">\n", f);
        for (r = 0; r < nrows; r++)
            for (c = 0; c < ncols; c++) {
                double v = values[r * ncols + c];
                if (!svg__ok(v)) continue;
                svg__cell_value(b, sizeof b, v, M);
                fprintf(f, "<text x=\"%.2f\" y=\"%.2f\"%s>%s</text>\n", gx + (c + 0.5) * cw, gy + (r + 0.5) * ch + 3.5,
                        fabs(v / M) > 0.6 ? " fill=\"#ffffff\"" : "", b);
            }
        fputs("</g>\n", f);
    }
    for (r = 0; r < nrows; r += rstep) {
        const char *l = svg__label(row_labels, r, b, sizeof b);
        svg__text(f, gx - 5, gy + (r + 0.5) * ch + 4, 11, "end", NULL, l, SVG_MAX_ROW_LABEL);
    }
    for (c = 0; c < ncols; c += cstep) {
        const char *l = svg__label(col_labels, c, b, sizeof b);
        double x = gx + (c + 0.5) * cw;
        if (rotc) svg__text_rot(f, x + 3, gy + gh + 12, 11, "end", -45, NULL, l, SVG_MAX_CAT_LABEL);
        else svg__text(f, x, gy + gh + 15, 11, "middle", NULL, l, SVG_MAX_CAT_LABEL);
    }
    /* the colour bar: -M at the bottom, +M at the top */
    fputs("<defs><linearGradient id=\"svg-cbar\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">", f);
    for (k = 0; k <= 6; k++) {
        svg__diverge(k / 3.0 - 1, col);
        fprintf(f, "<stop offset=\"%.4f\" stop-color=\"%s\"/>", k / 6.0, col);
    }
    fputs("</linearGradient></defs>\n", f);
    fprintf(f,
            "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"url(#svg-cbar)\" stroke=\"#333333\" "
            "stroke-width=\"0.5\"/>\n",
            cbx, gy, cbw, cbh);
    for (k = 0; k < at.n; k++) {
        double y = gy + (M - at.t[k]) / (2 * M) * cbh;
        svg__line(f, cbx + cbw, y, cbx + cbw + 4, y, "#333333", 1, NULL);
        svg__tick_label(b, sizeof b, &at, k);
        svg__text(f, cbx + cbw + 6, y + 4, 11, NULL, NULL, b, 0);
    }
    if (!svg__empty(colorbar_label))
        svg__text_rot(f, cbx + cbw + 8 + tw + 20, gy + 0.5 * cbh, 12, "middle", -90, NULL, colorbar_label,
                      svg__fit(cbh + 40, 12));
    return svg__end(f);
}

#endif /* LD_SVG_H */
