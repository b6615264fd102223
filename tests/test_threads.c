/* Threads: one model per thread gives the single-threaded numbers bit for
   bit, and a thread that exits after using the library leaves nothing
   allocated (its packing scratch is freed at exit). Every allocation goes
   through a counting LD_MALLOC, so the check does not depend on a leak
   detector; under make test-asan, LeakSanitizer looks as well. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
static long t_live;   /* blocks allocated and not yet freed */
static void *t_malloc(size_t n) { void *p = malloc(n); if (p) __atomic_add_fetch(&t_live, 1, __ATOMIC_SEQ_CST); return p; }
static void t_free(void *p) { if (p) { __atomic_sub_fetch(&t_live, 1, __ATOMIC_SEQ_CST); free(p); } }
#define LD_MALLOC(n) t_malloc(n)
#define LD_FREE(p) t_free(p)
#define LD_LLM_IMPLEMENTATION
#include "../ld_llm.h"
#include "t.h"

#define NTHREADS 4
static const char *text = "the quick brown fox jumps over the lazy dog; the dog sleeps";

typedef struct { uint64_t hash; double loss; int cleanup; ld_status st; } job;

static uint64_t fnv(const void *p, size_t n) {
    const unsigned char *c = (const unsigned char *)p;
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) { h ^= c[i]; h *= 1099511628211ULL; }
    return h;
}

/* Trains a fresh model for a few SFT steps; θ's hash and the last loss. */
static void train(job *j) {
    ld_config cfg = {0};
    cfg.n_embd = 64; cfg.n_layer = 2; cfg.context = 64;
    ld_model m;
    ld_optim o;
    ld_optim_config oc = {0};
    int tok[64], n = 0;
    j->st = ld_model_init(&m, &cfg, 2, 64, LD_TRAIN, 42);
    if (j->st) return;
    j->st = ld_optim_init(&o, &m, &oc);
    if (!j->st) j->st = ld_tokenize(&m.cfg, text, -1, tok, 64, &n);
    ld_seq s[2] = { { tok, n, 1 }, { tok + 4, n - 4, 3 } };
    for (int step = 0; step < 5 && !j->st; step++) {
        j->st = ld_forward(&m, s, 2);
        if (!j->st) j->loss = ld_sft_loss(&m, LD_NORM_TOKEN_MEAN);
        ld_zero_grad(&m);
        if (!j->st) j->st = ld_backward(&m);
        if (!j->st) j->st = ld_optim_step(&o, &m, 1e-3);
    }
    j->hash = fnv(m.theta, sizeof(ld_float) * m.P);
    ld_optim_free(&o);
    ld_model_free(&m);
    if (j->cleanup) ld_thread_cleanup();
}
static void *thread_main(void *p) { train((job *)p); return NULL; }

int main(void) {
    job ref;
    memset(&ref, 0, sizeof ref);
    train(&ref);
    CHECK_V(ref.st == LD_OK && isfinite(ref.loss), "single-threaded reference: loss %.6f (%s)", ref.loss,
            ref.st ? ld_failure_reason() : "ok");
    long live_main = t_live;
    CHECK_V(live_main >= 1, "the main thread keeps its packing scratch between calls (%ld block)", live_main);

    /* a model per thread, all at once; half of them call ld_thread_cleanup themselves */
    pthread_t th[NTHREADS];
    job jobs[NTHREADS];
    memset(jobs, 0, sizeof jobs);
    int started = 0;
    for (int i = 0; i < NTHREADS; i++) {
        jobs[i].cleanup = i % 2;
        if (pthread_create(&th[i], NULL, thread_main, &jobs[i]) == 0) started++;
    }
    for (int i = 0; i < started; i++) pthread_join(th[i], NULL);
    CHECK_V(started == NTHREADS, "%d threads started", started);
    int same = 0;
    for (int i = 0; i < started; i++) same += jobs[i].st == LD_OK && jobs[i].hash == ref.hash && jobs[i].loss == ref.loss;
    CHECK_V(same == started, "%d of %d threads, each with its own model, end with the reference θ bit for bit", same, started);
    CHECK_V(t_live == live_main, "exited threads left nothing allocated: %ld blocks live, as before they ran (%ld)",
            t_live, live_main);

    ld_thread_cleanup();
    CHECK_V(t_live == 0, "ld_thread_cleanup frees the scratch of the calling thread and its OpenMP team: %ld blocks live", t_live);
    ld_thread_cleanup();   /* twice is harmless */
    job again;
    memset(&again, 0, sizeof again);
    train(&again);
    CHECK_V(again.st == LD_OK && again.hash == ref.hash, "the library works after ld_thread_cleanup, same θ");
    return t_done();
}
