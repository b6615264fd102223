/* 01_train_tiny: train a byte-level GPT-2 on a built-in text and watch the
   loss fall, then sample from it.  Usage: 01_train_tiny [steps] [seed] */
#define LD_LLM_IMPLEMENTATION
#include "../ld_llm.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *TEXT =
    "The miller keeps a grey cat. The grey cat sleeps by the mill. "
    "The baker keeps a red hen. The red hen sleeps in the barn. "
    "The smith keeps a black dog. The black dog sleeps by the forge. "
    "In the morning the miller grinds the wheat and the baker bakes the bread. "
    "In the evening the smith shoes the horse and the dog watches the road. "
    "The cat likes fish. The hen likes corn. The dog likes bones. "
    "When it rains the cat stays in the mill and the hen stays in the barn. "
    "When the sun shines the dog runs in the field and the hen walks in the yard. "
    "The miller sells flour to the baker. The baker sells bread to the smith. "
    "The smith sells nails to the miller. Everyone in the village is busy. ";

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

#define TRY(call) do { ld_status s_ = (call); if (s_) { fprintf(stderr, "%s: %s\n", #call, ld_failure_reason()); return 1; } } while (0)

int main(int argc, char **argv) {
    int steps = argc > 1 ? atoi(argv[1]) : 300;
    uint64_t seed = argc > 2 ? (uint64_t)atoll(argv[2]) : 1337;
    enum { B = 8, T = 64 };
    ld_config cfg = {0};   /* defaults: V = 257 bytes + <|endoftext|>, 2 layers, 4 heads, 64 channels */
    cfg.context = T;
    ld_model m;
    TRY(ld_model_init(&m, &cfg, B, T, LD_TRAIN, seed));
    ld_optim opt;
    ld_optim_config oc = {0};
    oc.lr = 3e-3; oc.weight_decay = 0.01; oc.grad_clip = 1.0;
    TRY(ld_optim_init(&opt, &m, &oc));
    printf("model: %d layers, %d heads, %d channels, V=%d; P = %zu parameters, %.1f MB\n",
           m.cfg.n_layer, m.cfg.n_head, m.cfg.n_embd, m.cfg.vocab_size, m.P, m.bytes / 1e6);

    int n_text;
    int *text = (int *)malloc(sizeof(int) * strlen(TEXT));
    TRY(ld_tokenize(&m.cfg, TEXT, -1, text, (int)strlen(TEXT), &n_text));
    ld_rng rng;
    ld_rng_seed(&rng, seed);
    ld_seq batch[B];
    double t_total = 0;
    for (int step = 0; step <= steps; step++) {
        /* random windows of the text; the first token of each is context only */
        for (int b = 0; b < B; b++) {
            batch[b].tokens = text + ld_rng_u32(&rng) % (n_text - T);
            batch[b].len = T;
            batch[b].prompt_len = 1;
        }
        double t0 = now_ms();
        TRY(ld_forward(&m, batch, B));
        double loss = ld_sft_loss(&m, LD_NORM_TOKEN_MEAN);   /* writes G = ∂L/∂z */
        ld_zero_grad(&m);
        TRY(ld_backward(&m));
        double lr = oc.lr * (step < 20 ? (step + 1) / 20.0 : 1.0);   /* short warmup */
        TRY(ld_optim_step(&opt, &m, lr));
        double dt = now_ms() - t0;
        t_total += dt;
        if (step % 25 == 0 || step == steps) printf("step %d: loss %f (took %.2f ms)\n", step, loss, dt);
    }
    printf("mean %.2f ms per step (B=%d, T=%d)\n", t_total / (steps + 1), B, T);

    /* sample a continuation */
    int prompt[16], n_prompt;
    TRY(ld_tokenize(&m.cfg, "The baker ", -1, prompt, 16, &n_prompt));
    ld_seq p = { prompt, n_prompt, n_prompt };
    int out[T], out_len;
    ld_sample_opts so = {0};
    so.temperature = 0.7; so.top_k = 20;
    TRY(ld_generate(&m, &p, 1, T - n_prompt, &so, &rng, out, &out_len));
    char txt[T + 1];
    ld_detokenize(&m.cfg, out, out_len, txt, sizeof txt);
    printf("sample: %s\n", txt);
    free(text);
    ld_optim_free(&opt);
    ld_model_free(&m);
    return 0;
}
