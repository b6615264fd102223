/* The benchmarks' clock and median (tools/bench.c, tools/bench_cuda.c).
   Needs _POSIX_C_SOURCE ≥ 199309L for clock_gettime. */
#ifndef LD_TIMING_H
#define LD_TIMING_H
#include <stdlib.h>
#include <time.h>

/* Milliseconds on CLOCK_MONOTONIC. */
static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

static int cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The median of v[0..n), n ≥ 1 (v is sorted in place). */
static double median(double *v, int n) {
    qsort(v, n, sizeof *v, cmp_d);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}
#endif
