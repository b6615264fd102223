/* A tiny test harness: CHECK counts, the program ends with one line
   "N passed, N failed" and exits non-zero on any failure. */
#ifndef LD_TEST_H
#define LD_TEST_H
#include <stdio.h>
#include <math.h>

static int t_pass, t_fail;

#define CHECK(cond, ...)                                                   \
    do {                                                                   \
        if (cond) t_pass++;                                                \
        else {                                                             \
            t_fail++;                                                      \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                    \
            printf(__VA_ARGS__);                                           \
            printf("\n");                                                  \
        }                                                                  \
    } while (0)

/* Reports a check that passed too, with its detail (llm.c's "OK" lines). */
#define CHECK_V(cond, ...)                                                 \
    do {                                                                   \
        int ok_ = (cond);                                                  \
        printf("%s ", ok_ ? "OK  " : "FAIL");                              \
        printf(__VA_ARGS__);                                               \
        printf("\n");                                                      \
        if (ok_) t_pass++; else t_fail++;                                  \
    } while (0)

static int t_done(void) {
    printf("%d passed, %d failed\n", t_pass, t_fail);
    return t_fail ? 1 : 0;
}
#endif
