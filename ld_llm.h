/* ld_llm.h — learning dynamics of LLM finetuning, in one C header.

   A small GPT-2 with exact forward, backward and forward-mode (JVP) passes,
   the finetuning losses, and the one-step decomposition of Ren & Sutherland,
   "Learning Dynamics of LLM Finetuning" (ICLR 2025):

       Δ log π(y|χ_o) ≈ −η · A(χ_o) · K(χ_o, χ_u) · G(χ_u)

   Do this in *one* C or C++ file to create the implementation:

       #define LD_LLM_IMPLEMENTATION
       #include "ld_llm.h"

   QUICK START (trains a byte-level model on a string; error checks elided)

       ld_config cfg = {0};                    // zero fields take defaults
       ld_model m;
       ld_model_init(&m, &cfg, 8, 64, LD_TRAIN, 1234);  // B=8 rows, T=64, seed
       ld_optim opt;  ld_optim_config oc = {0};          // AdamW, lr 1e-3
       ld_optim_init(&opt, &m, &oc);
       int tok[64]; int n;
       ld_tokenize(&m.cfg, "hello hello hello", -1, tok, 64, &n);
       ld_seq s = { tok, n, 1 };               // χ = [x; y], |x| = 1
       for (int step = 0; step < 100; step++) {
           ld_forward(&m, &s, 1);              // logits, π, log π(y|x)
           double loss = ld_sft_loss(&m, LD_NORM_TOKEN_MEAN);  // writes G
           ld_zero_grad(&m);
           ld_backward(&m);                    // ∂L/∂θ from G
           ld_optim_step(&opt, &m, opt.cfg.lr); // θ += Δθ (η = the default 1e-3)
           printf("step %d: loss %f\n", step, loss);
       }
       ld_optim_free(&opt); ld_model_free(&m);

   TABLE OF CONTENTS (grep for the anchors)

       >>config     sizes, defaults, status codes, precision, overrides
       >>arena      the model: one allocation carved into θ | g | activations
       >>layers     forward / backward / jvp triples, llm.c argument order
       >>model      the transformer, per-sequence log-probs, generation
       >>losses     SFT and the preference family (DPO, cDPO, IPO, hinge, DPOP,
                    SimPO, ORPO, + RPO's NLL); each writes its residual G
       >>optim      SGD, AdamW, RMSprop; each step exposes Δθ and its preconditioner
       >>dynamics   A, K, G; Δ log π predicted (JVP, one backward) and measured
       >>io         tokenizer, safetensors (Hugging Face GPT-2 layout), JSONL data
       >>train      the training loop: batches, schedule, checkpoints, resume
       >>selftest   finite-difference checks of every layer (LD_LLM_SELFTEST)
       >>cuda       the optional GPU unit ld_llm_cuda.cu (LD_LLM_CUDA)

   GLOSSARY (the paper's symbols, used in names and comments)

       χ = [x; y]  a sequence: prompt x followed by response y = (y_1..y_L)
       z_l         logits (V) at the position *before* response token y_l
       π_l         softmax(z_l); log π(y|x) = Σ_l log π_l[y_l]
       θ, P        the parameters (one flat vector of P numbers)
       G_l         ∂L/∂z_l, the loss "residual" (V-vector per token)
       A_m         I − 1 π_mᵀ, Jacobian of log-softmax at position m (V×V)
       K_{m,l}     ∇θ z_m(χ_o) ∇θ z_l(χ_u)ᵀ, a V×V block of the empirical NTK
       η           learning rate;  Δθ = the optimizer's parameter change

   DIMENSION LETTERS (row-major, outermost first, as in llm.c)

       B batch rows   T positions   C channels   V vocabulary
       L layers       NH heads      hs = C/NH    N = B*T rows of a matmul

   CONFIGURATION MACROS (define before including)

       LD_LLM_DOUBLE     compute in double instead of float (exact analysis)
       LD_LLM_STATIC     make every function static (private to one file)
       LD_MALLOC(n), LD_FREE(p)   allocator (define both or neither)
       LD_NO_STDIO       drop the functions that open files
       LD_NO_SIMD        use the portable scalar kernels (no vector extensions)
       LD_LLM_CUDA       declare the GPU unit's functions (ld_llm_cuda.cu)

   ERROR CONTRACT. Every fallible call returns an ld_status (LD_OK = 0, errors
   negative); ld_failure_reason() then says what went wrong, in words. Bad
   input (a token id outside [0,V), a sequence longer than the context, an
   empty response, a NaN, a malformed file) is an error, never a crash, and a
   call that fails leaves the caller's data as it was. The library never
   calls exit() and never prints.

   DETERMINISM CONTRACT. Randomness comes only from explicit ld_rng states.
   Every reduction runs in a fixed order and OpenMP threads only split
   independent outputs, so the same inputs give bit-identical results at any
   thread count. Losses, norms and dot products accumulate in double.

   REVISION HISTORY
       0.1  2026-11-25  the transformer (forward, backward, JVP, incremental
                        decoding), SFT and the preference losses with their
                        residuals, SGD/AdamW/RMSprop, the dynamics (A, K, G,
                        predicted vs measured, influence, probes), safetensors
                        checkpoints, JSONL data, the training loop
       0.2  2026-11-29  ld_accel, the hook for the model's matrix products;
                        ld_llm_cuda.cu puts them on a GPU (cuBLAS);
                        ld_params_changed; LD_ERR_DEVICE; ld_set_failure;
                        refusals: an optimizer step that would overflow, a
                        non-finite forward, a checkpoint of another model,
                        and other hostile arguments (tests/test_badinput.c)

   LICENSE: MIT or public domain, your choice; see the end of the file.
*/
#ifndef LD_LLM_H
#define LD_LLM_H

#define LD_LLM_VERSION_MAJOR 0
#define LD_LLM_VERSION_MINOR 2
#define LD_LLM_VERSION_PATCH 0

#include <stddef.h>
#include <stdint.h>

#ifdef LD_LLM_STATIC
#if defined(__GNUC__) || defined(__clang__)
#define LDDEF static __attribute__((unused))
#else
#define LDDEF static
#endif
#else
#define LDDEF extern
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ===========================================================================
   >>config — precision, status codes, the model's sizes
   ======================================================================== */

/* The number type of parameters and activations. */
#ifdef LD_LLM_DOUBLE
typedef double ld_float;
#else
typedef float ld_float;
#endif

/* Status codes: one X-macro gives the enum and the strings. */
#define LD__STATUS_LIST(X)                                          \
    X(LD_OK,              0, "ok")                                   \
    X(LD_ERR_ARG,        -1, "invalid argument")                     \
    X(LD_ERR_CONFIG,     -2, "invalid model configuration")          \
    X(LD_ERR_OOM,        -3, "out of memory")                        \
    X(LD_ERR_IO,         -4, "file could not be read or written")    \
    X(LD_ERR_FORMAT,     -5, "malformed file")                       \
    X(LD_ERR_TOKEN,      -6, "token id out of range")                \
    X(LD_ERR_LENGTH,     -7, "bad sequence length")                  \
    X(LD_ERR_NAN,        -8, "NaN or infinity")                      \
    X(LD_ERR_MISSING,    -9, "missing tensor or field")              \
    X(LD_ERR_DTYPE,     -10, "unsupported data type")                \
    X(LD_ERR_SHAPE,     -11, "shape does not match the model")       \
    X(LD_ERR_DATA,      -12, "bad training data")                   \
    X(LD_ERR_DEVICE,    -13, "accelerator unavailable or failed")

typedef enum {
#define LD__X(name, code, text) name = code,
    LD__STATUS_LIST(LD__X)
#undef LD__X
    LD__STATUS_END = -14
} ld_status;

/* A short fixed description of a status code ("token id out of range"). */
LDDEF const char *ld_status_string(ld_status s);

/* Details of the most recent failure in this thread, in words
   ("token 300 at row 2, position 5 is outside [0, 257)"). Never NULL. */
LDDEF const char *ld_failure_reason(void);

/* Records a failure for ld_failure_reason and returns s: for code built on
   the library (ld_llm_cuda.cu) that reports through the same channel.      */
LDDEF ld_status ld_set_failure(ld_status s, const char *reason);

/* The model's sizes. Zero-initialise and set what you need; zero fields take
   the defaults in brackets (ld_config_resolve fills them in).               */
typedef struct {
    int vocab_size;   /* V   [257: 256 bytes + <|endoftext|>]                */
    int context;      /* T   [64] positions (GPT-2's n_positions)            */
    int n_layer;      /* L   [2]                                             */
    int n_head;       /* NH  [4]  must divide n_embd                         */
    int n_embd;       /* C   [64]                                            */
    int untied_head;  /* [0] 0: logits use wte (GPT-2); 1: own lm_head (V,C) */
    int eot_token;    /* [V-1] <|endoftext|>: starts prompts, ends answers   */
    double init_std;  /* [0.02] std of the initial weights (GPT-2's range)   */
    double ln_eps;    /* [1e-5] LayerNorm epsilon                            */
} ld_config;

/* Returns cfg with every zero field replaced by its default. */
LDDEF ld_config ld_config_resolve(const ld_config *cfg);

/* 1 if two (resolved) configs describe the same model, field by field. */
LDDEF int ld_config_equal(const ld_config *a, const ld_config *b);

/* Checks a (resolved) config: positive sizes, NH divides C, V > eot_token,
   sizes small enough to index with int. LD_ERR_CONFIG with a reason if not. */
LDDEF ld_status ld_config_check(const ld_config *cfg);

/* An explicit random state (xorshift64*). Seed it; nothing else is random. */
typedef struct { uint64_t s; } ld_rng;
LDDEF void     ld_rng_seed(ld_rng *r, uint64_t seed);
LDDEF uint32_t ld_rng_u32(ld_rng *r);
LDDEF double   ld_rng_uniform(ld_rng *r);   /* in [0, 1) */
LDDEF double   ld_rng_normal(ld_rng *r);    /* standard normal (Box-Muller) */

/* ===========================================================================
   >>arena — the model: θ, g and activations carved from one allocation
   ======================================================================== */

/* Every parameter tensor, once: name, 1 for a vector or 2 for a matrix,
   per-layer rows and columns, whether it
   is stacked over the L layers, its Hugging Face GPT-2 name (%d = layer),
   whether HF stores it transposed (Conv1D keeps weights as (in, out)), and
   whether weight decay applies (matrices and embeddings, not biases or
   LayerNorm). Our matrices are (out, in) like nn.Linear and llm.c.
   V, T, C, U (= 1 if the head is untied, else 0) are in scope where used.  */
#define LD__PARAM_LIST(X)                                                       \
    /* name     dims rows  cols  layered HF name                   T  decay */ \
    X(wte,      2,   V,    C,    0, "wte.weight",                  0, 1)        \
    X(wpe,      2,   T,    C,    0, "wpe.weight",                  0, 1)        \
    X(ln1w,     1,   1,    C,    1, "h.%d.ln_1.weight",            0, 0)        \
    X(ln1b,     1,   1,    C,    1, "h.%d.ln_1.bias",              0, 0)        \
    X(qkvw,     2,   3*C,  C,    1, "h.%d.attn.c_attn.weight",     1, 1)        \
    X(qkvb,     1,   1,    3*C,  1, "h.%d.attn.c_attn.bias",       0, 0)        \
    X(attprojw, 2,   C,    C,    1, "h.%d.attn.c_proj.weight",     1, 1)        \
    X(attprojb, 1,   1,    C,    1, "h.%d.attn.c_proj.bias",       0, 0)        \
    X(ln2w,     1,   1,    C,    1, "h.%d.ln_2.weight",            0, 0)        \
    X(ln2b,     1,   1,    C,    1, "h.%d.ln_2.bias",              0, 0)        \
    X(fcw,      2,   4*C,  C,    1, "h.%d.mlp.c_fc.weight",        1, 1)        \
    X(fcb,      1,   1,    4*C,  1, "h.%d.mlp.c_fc.bias",          0, 0)        \
    X(fcprojw,  2,   C,    4*C,  1, "h.%d.mlp.c_proj.weight",      1, 1)        \
    X(fcprojb,  1,   1,    C,    1, "h.%d.mlp.c_proj.bias",        0, 0)        \
    X(lnfw,     1,   1,    C,    0, "ln_f.weight",                 0, 0)        \
    X(lnfb,     1,   1,    C,    0, "ln_f.bias",                   0, 0)        \
    X(lmhead,   2,   U*V,  C,    0, "lm_head.weight",              0, 1)

/* Pointers into one flat vector of P numbers (θ, its gradient, Δθ, ...).
   Layered tensors are stacked: ln1w is (L,C), qkvw is (L,3C,C), and so on. */
typedef struct {
#define LD__X(name, dims, rows, cols, layered, hf, tr, decay) ld_float *name;
    LD__PARAM_LIST(LD__X)
#undef LD__X
} ld_params;

/* One parameter tensor, for code that walks them all (checkpoints, the
   per-layer split of the dynamics, tests). */
typedef struct {
    const char *name;     /* "qkvw"                                  */
    const char *hf_name;  /* "h.%d.attn.c_attn.weight"               */
    size_t offset;        /* first element in the flat vector        */
    size_t size;          /* elements, all layers together           */
    int dims;             /* 1: a vector (rows == 1), 2: a matrix    */
    int rows, cols;       /* per layer                               */
    int layered;          /* stacked over L layers                   */
    int hf_transposed;    /* HF stores (cols, rows)                  */
    int decay;            /* weight decay applies                    */
} ld_tensor_info;

/* What to allocate beside θ and the forward activations. */
enum {
    LD_TRAIN = 1,   /* gradients g (P) and the backward pass's buffers     */
    LD_JVP   = 2    /* the forward-mode tangent buffers (dynamics)          */
};

/* Forward activations for up to B rows of up to T positions. Each pointer
   carries its shape; layered ones hold every layer (the backward needs them). */
typedef struct {
    ld_float *encoded;    /* (B,T,C)     token + position embeddings      */
    ld_float *ln1;        /* (L,B,T,C)                                    */
    ld_float *ln1_mean;   /* (L,B,T)                                      */
    ld_float *ln1_rstd;   /* (L,B,T)                                      */
    ld_float *qkv;        /* (L,B,T,3C)                                   */
    ld_float *att;        /* (L,B,NH,T,T) attention probabilities         */
    ld_float *atty;       /* (L,B,T,C)   attention output, heads concat   */
    ld_float *residual2;  /* (L,B,T,C)   after the attention block        */
    ld_float *ln2;        /* (L,B,T,C)                                    */
    ld_float *ln2_mean;   /* (L,B,T)                                      */
    ld_float *ln2_rstd;   /* (L,B,T)                                      */
    ld_float *fch;        /* (L,B,T,4C)  MLP pre-activation               */
    ld_float *fch_gelu;   /* (L,B,T,4C)                                   */
    ld_float *residual3;  /* (L,B,T,C)   block output                     */
    ld_float *lnf;        /* (B,T,C)                                      */
    ld_float *lnf_mean;   /* (B,T)                                        */
    ld_float *lnf_rstd;   /* (B,T)                                        */
    ld_float *logits;     /* (B,T,V)     z                                */
    ld_float *probs;      /* (B,T,V)     π = softmax(z)                   */
    ld_float *scratch;    /* (B,T,C)     a projection before its residual */
} ld_acts;

/* Buffers of the backward pass (LD_TRAIN) and of the JVP (LD_JVP); one layer
   at a time, so no L axis. In the backward, each holds ∂L/∂(activation);
   in the JVP, the tangent J·v of the activation.                           */
typedef struct {
    ld_float *logits;     /* (B,T,V)  backward: G = ∂L/∂z, written by a loss */
    ld_float *residual;   /* (B,T,C)  the residual stream                   */
    ld_float *ln;         /* (B,T,C)  a LayerNorm output                    */
    ld_float *qkv;        /* (B,T,3C)                                       */
    ld_float *att;        /* (B,NH,T,T)                                     */
    ld_float *atty;       /* (B,T,C)                                        */
    ld_float *fch;        /* (B,T,4C)                                       */
    ld_float *fch_gelu;   /* (B,T,4C)                                       */
    ld_float *scratch;    /* (B,T,C)                                        */
} ld_dacts;

/* A sequence χ = [x; y]: tokens[0..len) with the prompt x = tokens[0..prompt_len)
   and the response y = tokens[prompt_len..len). Needs 1 ≤ prompt_len < len.
   A plain text for language modelling is prompt_len = 1: every token after
   the first is a target. The library pads a batch; the caller never does.  */
typedef struct {
    const int *tokens;
    int len;
    int prompt_len;
} ld_seq;

/* An accelerator: something that can do the model's large matrix products
   (the forward, backward and JVP of every linear layer and of the output
   head). ld_llm_cuda.cu is one; a test can plug in its own. gemm computes
     C (M×N, row stride ldc)  =  A·B  (acc = 0)   or   C + A·B  (acc = 1),
   with element (i,k) of A at A[i*ars + k*acs] and (k,j) of B at
   B[k*brs + j*bcs]. It returns 0 when it has written C; anything else means
   "not done", C is untouched, and the CPU does the product instead. The
   pointers are host pointers: an accelerator that keeps θ on its device
   recognises operands inside m->theta and reads its own copy, which it
   refreshes when m->theta_version changes.                                 */
typedef struct ld_accel {
    int (*gemm)(void *ctx, int M, int N, int K, const ld_float *A, long ars, long acs,
                const ld_float *B, long brs, long bcs, ld_float *C, long ldc, int acc);
    void *ctx;
} ld_accel;

/* The model. Read its fields freely; change them only through the API
   (θ itself may be edited in place: it is plain data; call
   ld_params_changed afterwards, for an attached accelerator's copy of θ
   and the optimizer's overflow check). */
typedef struct {
    ld_config cfg;        /* resolved                                      */
    int B, T;             /* capacity: rows and positions per forward      */
    int flags;            /* LD_TRAIN | LD_JVP                             */
    size_t P;             /* number of parameters                          */
    ld_float *theta;      /* (P) θ, in the order of LD__PARAM_LIST         */
    ld_float *grad;       /* (P) g = ∂L/∂θ, same layout (LD_TRAIN)         */
    ld_float *tangent;    /* (P) scratch direction for the JVP (LD_JVP)    */
    ld_params w, g;       /* per-tensor views of theta and grad            */
    ld_acts a;            /* forward activations                          */
    ld_dacts d;           /* backward buffers (LD_TRAIN)                   */
    ld_dacts t;           /* JVP tangents (LD_JVP)                         */
    /* the batch of the last ld_forward */
    int cur_B, cur_T;     /* rows and padded length                        */
    int *tokens;          /* (B,T) padded with eot_token                   */
    int *len;             /* (B) sequence lengths                          */
    int *prompt_len;      /* (B)                                           */
    double *tok_logp;     /* (B,T) log π_t[χ_{t+1}] for t < len−1, else 0  */
    double *seq_logp;     /* (B) log π(y|x) = Σ over the response tokens   */
    /* memory */
    void *mem;            /* the one allocation                           */
    size_t bytes;         /* its size                                     */
    int owns_mem;
    /* offload */
    const ld_accel *accel;         /* NULL: every product on the CPU        */
    unsigned long theta_version;   /* bumped whenever the library changes θ */
} ld_model;

/* Tells the library that θ was edited in place: an attached accelerator
   sends it again, and the optimizer re-derives the bounds of its overflow
   check. Every API call that changes θ does this itself.                  */
LDDEF void ld_params_changed(ld_model *m);

/* Bytes ld_model_init needs for this config, capacity and flags. */
LDDEF size_t ld_model_memory_size(const ld_config *cfg, int B, int T, int flags);

/* Number of parameters P of a config. */
LDDEF size_t ld_param_count(const ld_config *cfg);

/* Creates a model for up to B rows of up to T positions (T ≤ context) with
   GPT-2's initialisation from `seed`: weights ~ N(0, init_std²), the
   residual projections scaled by 1/√(2L), biases 0, LayerNorm weights 1.
   mem: a buffer of ld_model_memory_size() bytes, or NULL to allocate one.
   On failure *m is zeroed and nothing is left allocated.                 */
LDDEF ld_status ld_model_init(ld_model *m, const ld_config *cfg, int B, int T,
                              int flags, uint64_t seed);
LDDEF ld_status ld_model_init_mem(ld_model *m, const ld_config *cfg, int B,
                                  int T, int flags, uint64_t seed,
                                  void *mem, size_t bytes);

/* Frees what ld_model_init allocated and zeroes *m. Safe on a zeroed model.
   Detach an accelerator first (ld_cuda_detach). */
LDDEF void ld_model_free(ld_model *m);

/* Copies θ from src to dst (same config). LD_ERR_SHAPE otherwise.         */
LDDEF ld_status ld_model_copy_params(ld_model *dst, const ld_model *src);

/* The i-th parameter tensor (0 ≤ i < ld_tensor_count()); its offset and
   size follow cfg. Returns 0 for i out of range.                           */
LDDEF int ld_tensor_count(void);
LDDEF int ld_tensor_info_get(const ld_config *cfg, int i, ld_tensor_info *out);

/* ===========================================================================
   >>layers — forward / backward / jvp, in llm.c's argument order
   ======================================================================== */
/* Conventions: forward(out, cache..., inp, weights..., dims);
   backward(dinp, dweights..., dout, inp, weights, cache..., dims) ADDS into
   every d* buffer (callers zero them); jvp(tout, inp, tinp, weights,
   tweights..., dims) writes the tangent of the output for a tangent of the
   input and of the weights. A NULL d* or t* pointer is skipped (no bias,
   or a gradient nobody needs). N = B*T rows.                               */

/* out[b,t,:] = wte[tok[b,t],:] + wpe[t,:]. */
LDDEF void ld_encoder_forward(ld_float *out, const int *tok, const ld_float *wte,
                              const ld_float *wpe, int B, int T, int C);
LDDEF void ld_encoder_backward(ld_float *dwte, ld_float *dwpe, const ld_float *dout,
                               const int *tok, int B, int T, int C);
LDDEF void ld_encoder_jvp(ld_float *tout, const int *tok, const ld_float *twte,
                          const ld_float *twpe, int B, int T, int C);

/* out = (inp − mean) · rstd · w + b per row, rstd = 1/√(var + eps). */
LDDEF void ld_layernorm_forward(ld_float *out, ld_float *mean, ld_float *rstd,
                                const ld_float *inp, const ld_float *w,
                                const ld_float *b, int N, int C, double eps);
LDDEF void ld_layernorm_backward(ld_float *dinp, ld_float *dw, ld_float *db,
                                 const ld_float *dout, const ld_float *inp,
                                 const ld_float *w, const ld_float *mean,
                                 const ld_float *rstd, int N, int C);
LDDEF void ld_layernorm_jvp(ld_float *tout, const ld_float *inp, const ld_float *tinp,
                            const ld_float *w, const ld_float *tw, const ld_float *tb,
                            const ld_float *mean, const ld_float *rstd, int N, int C);

/* out (N,OC) = inp (N,C) · wᵀ + bias, w (OC,C), bias (OC) or NULL. */
LDDEF void ld_matmul_forward(ld_float *out, const ld_float *inp, const ld_float *w,
                             const ld_float *bias, int N, int C, int OC);
/* The naive triple loop, kept as the reference the fast one is tested against. */
LDDEF void ld_matmul_forward_ref(ld_float *out, const ld_float *inp, const ld_float *w,
                                 const ld_float *bias, int N, int C, int OC);
/* dinp (N,C) += dout·w;  dw (OC,C) += doutᵀ·inp;  dbias (OC) += Σ_n dout. */
LDDEF void ld_matmul_backward(ld_float *dinp, ld_float *dw, ld_float *dbias,
                              const ld_float *dout, const ld_float *inp,
                              const ld_float *w, int N, int C, int OC);
/* tout = tinp·wᵀ + inp·twᵀ + tbias (any of tinp, tw, tbias may be NULL). */
LDDEF void ld_matmul_jvp(ld_float *tout, const ld_float *inp, const ld_float *tinp,
                         const ld_float *w, const ld_float *tw, const ld_float *tbias,
                         int N, int C, int OC);

/* Causal multi-head attention. qkv (B,T,3C) holds q | k | v; head h uses
   channels h*hs..(h+1)*hs of each. att (B,NH,T,T) keeps the softmax
   probabilities (zero above the diagonal); out (B,T,C). Scale 1/√hs.      */
LDDEF void ld_attention_forward(ld_float *out, ld_float *att, const ld_float *qkv,
                                int B, int T, int C, int NH);
/* datt (B,NH,T,T) is scratch, overwritten. */
LDDEF void ld_attention_backward(ld_float *dqkv, ld_float *datt, const ld_float *dout,
                                 const ld_float *qkv, const ld_float *att,
                                 int B, int T, int C, int NH);
/* tatt (B,NH,T,T) is scratch, overwritten. */
LDDEF void ld_attention_jvp(ld_float *tout, ld_float *tatt, const ld_float *qkv,
                            const ld_float *tqkv, const ld_float *att,
                            int B, int T, int C, int NH);

/* GELU, tanh approximation (GPT-2's "gelu_new"), elementwise over n. */
LDDEF void ld_gelu_forward(ld_float *out, const ld_float *inp, size_t n);
LDDEF void ld_gelu_backward(ld_float *dinp, const ld_float *inp, const ld_float *dout, size_t n);
LDDEF void ld_gelu_jvp(ld_float *tout, const ld_float *inp, const ld_float *tinp, size_t n);

/* out = a + b, elementwise over n (its backward and jvp are additions). */
LDDEF void ld_residual_forward(ld_float *out, const ld_float *a, const ld_float *b, size_t n);

/* probs (N,V) = softmax(logits); the sums run in double. */
LDDEF void ld_softmax_forward(ld_float *probs, const ld_float *logits, int N, int V);

/* ===========================================================================
   >>model — the transformer
   ======================================================================== */

/* Teacher-forced forward pass over B sequences of different lengths (the
   library pads them with eot_token). Afterwards, for row b, position t:
     m->a.logits[b,t,:] = z_t,  m->a.probs[b,t,:] = π_t,
     m->tok_logp[b,t]   = log π_t[χ_{t+1}]  (t < len−1),
     m->seq_logp[b]     = log π(y|x) = Σ_{t=prompt_len−1}^{len−2} tok_logp[b,t],
   and m->d.logits (if LD_TRAIN) is zeroed, ready for a loss to write G.
   Errors: B outside [1, m->B], a length > m->T or > context, prompt_len
   outside [1, len), a token outside [0, V): nothing is computed. A log-prob
   that is not finite (θ holds a NaN or infinity): LD_ERR_NAN, after the
   pass (its outputs are there to inspect).                                 */
LDDEF ld_status ld_forward(ld_model *m, const ld_seq *seqs, int B);

/* Sets g = 0. */
LDDEF void ld_zero_grad(ld_model *m);

/* Backward pass from G = m->d.logits (B,T,V), written by a loss after
   ld_forward: ADDS ∂L/∂θ into m->grad. Needs LD_TRAIN.                      */
LDDEF ld_status ld_backward(ld_model *m);

/* Same, but adds the gradient into grad_out (P) instead of m->grad, which is
   left untouched (per-example and per-response gradients).                 */
LDDEF ld_status ld_backward_into(ld_model *m, ld_float *grad_out);

/* Forward-mode derivative of the last forward: for a direction v (P) in
   parameter space, writes the change of every logit, J(χ)·v, into
   m->t.logits (cur_B, cur_T, V). Exact (no finite differences); costs about
   two forward passes. Needs LD_JVP.                                        */
LDDEF ld_status ld_jvp(ld_model *m, const ld_float *v);

/* How to pick the next token. Zero-initialised = greedy (argmax). */
typedef struct {
    double temperature;   /* > 0 samples from softmax(z / temperature)       */
    int top_k;            /* > 0 keeps only the k most likely tokens         */
    int no_stop;          /* 1: do not stop at eot_token                     */
} ld_sample_opts;

/* Continues each prompt by up to max_new tokens (fewer when the context is
   full, or at eot_token, which is kept). B ≤ m->B rows generated together.
   out (B, m->T): prompt followed by the continuation; out_len (B).
   rng may be NULL for greedy decoding. One forward over the prompts, then
   one position per new token (the earlier keys and values are reused); the
   tokens are those of a full forward at every step, bit for bit (with an
   accelerator attached, up to its rounding: a device may round a product
   of one row differently from one of many). Afterwards the model holds no
   teacher-forced forward: run ld_forward before a loss.                    */
LDDEF ld_status ld_generate(ld_model *m, const ld_seq *prompts, int B, int max_new,
                            const ld_sample_opts *opts, ld_rng *rng,
                            int *out, int *out_len);

/* ===========================================================================
   >>losses — each loss writes its residual G = ∂L/∂z into m->d.logits
   ======================================================================== */
/* Every loss reads the teacher-forced outputs of the last ld_forward and
   writes G (cur_B, cur_T, V) at the response positions (zero elsewhere);
   ld_backward then turns G into ∂L/∂θ.                                      */

/* How a sum of token losses is normalised. */
typedef enum {
    LD_NORM_SEQ_SUM    = 0,  /* sum over a sequence's tokens, mean over the
                                sequences (the official DPO code's SFT)      */
    LD_NORM_TOKEN_MEAN = 1   /* mean over all response tokens of the batch
                                (TRL's SFTTrainer)                           */
} ld_norm;

/* SFT: L = −Σ_b log π(y_b|x_b) / B  (LD_NORM_SEQ_SUM)
        or −Σ_b log π(y_b|x_b) / N_tok  (LD_NORM_TOKEN_MEAN),
   G_l = c (π_l − e_{y_l}) on every response token, c = 1/B or 1/N_tok.
   Needs LD_TRAIN. Returns L (NaN without a forward or LD_TRAIN).           */
LDDEF double ld_sft_loss(ld_model *m, ld_norm norm);

/* The preference losses. With s± = log π(y±|x) (sums over response tokens),
   r± = s± − s±_ref, h = r⁺ − r⁻, u the argument of σ, L± the response
   lengths in tokens, each pair's loss and the coefficients c± of its
   residual G = c (π − y) on the chosen (+) and rejected (−) tokens:

     DPO    −log σ(βh)                        c⁺ = β(1−σ(βh)),   c⁻ = −c⁺
     cDPO   −(1−ε)log σ(βh) − ε log σ(−βh)     c⁺ = β[(1−ε)(1−σ) − εσ], c⁻ = −c⁺
     IPO    (h − 1/(2β))²                      c⁺ = 1/β − 2h,     c⁻ = −c⁺
     hinge  max(0, 1 − βh)   (SLiC)           c⁺ = β·1[βh < 1],  c⁻ = −c⁺
     DPOP   −log σ(β[h − λ max(0, s⁺_ref − s⁺)])   (Smaug)
                                              c⁺ = β(1−σ)(1 + λ·1[s⁺ < s⁺_ref]), c⁻ = −β(1−σ)
     SimPO  −log σ(β s⁺/L⁺ − β s⁻/L⁻ − γ)   (no reference)
                                              c⁺ = (β/L⁺)(1−σ),  c⁻ = −(β/L⁻)(1−σ)
     ORPO   −s⁺/L⁺ − λ log σ(o⁺ − o⁻),  o = log(p̄/(1−p̄)), p̄ = exp(s/L)   (no reference)
                                              c⁺ = 1/L⁺ + λ(1−σ)/(L⁺(1−p̄⁺)), c⁻ = −λ(1−σ)/(L⁻(1−p̄⁻))
     + RPO  any of them + α·(−s⁺/L⁺)          c⁺ += α/L⁺

   c = −∂L/∂s: a negative c is a negative gradient that pushes a response
   down. The batch loss is the mean over the N pairs, so every c above is
   divided by N. Logps are sums over tokens (as in the official DPO code;
   TRL's IPO averages them per token instead).                              */
typedef enum {
    LD_DPO = 0, LD_CDPO = 1, LD_IPO = 2, LD_HINGE = 3, LD_DPOP = 4, LD_SIMPO = 5, LD_ORPO = 6
} ld_pref_kind;

/* Options; zero fields take the defaults in brackets. */
typedef struct {
    ld_pref_kind kind;    /* [LD_DPO]                                        */
    double beta;          /* β [0.1; SimPO 2.0]                              */
    double eps;           /* cDPO label smoothing ε in [0, 0.5] [0]          */
    double lambda;        /* λ [DPOP 50; ORPO 0.1]                           */
    double gamma;         /* SimPO margin γ [0.5]                            */
    double nll_alpha;     /* RPO weight α of the NLL on the chosen [0]       */
} ld_pref_opts;

/* Resolves the defaults of o for its kind. */
LDDEF ld_pref_opts ld_pref_opts_resolve(const ld_pref_opts *o);

/* True if the kind compares against a reference model (all but SimPO, ORPO). */
LDDEF int ld_pref_needs_ref(ld_pref_kind kind);

/* TRL's metric names; means over the pairs of the batch. For the losses
   without a reference the rewards are β·s/L (SimPO) or λ·s/L (ORPO).     */
typedef struct {
    double loss;
    double rewards_chosen;      /* rewards/chosen     β(s⁺ − s⁺_ref)       */
    double rewards_rejected;    /* rewards/rejected   β(s⁻ − s⁻_ref)       */
    double rewards_margins;     /* rewards/margins                         */
    double rewards_accuracies;  /* rewards/accuracies  share with chosen > rejected */
    double logps_chosen;        /* logps/chosen       mean s⁺              */
    double logps_rejected;      /* logps/rejected     mean s⁻              */
} ld_pref_metrics;

/* A preference loss over the last ld_forward, which must hold 2N rows: the
   chosen responses in rows 0..N−1 and the rejected in rows N..2N−1 (row i
   pairs with row i+N, same prompt). ref_logp (2N): log π_ref of the same
   rows (NULL for SimPO and ORPO). Writes G into m->d.logits, the metrics
   into *out, and, if coef is not NULL, each row's c (2N), so that G on
   row b's response tokens is coef[b]·(π − y). Needs LD_TRAIN.             */
LDDEF ld_status ld_pref_loss(ld_model *m, const ld_pref_opts *o, const double *ref_logp,
                             ld_pref_metrics *out, double *coef);

/* Recomputes π (m->a.probs), m->tok_logp and m->seq_logp from m->a.logits,
   as ld_forward does at its end; for callers who edit the logits (finite
   differences with respect to z, temperature).                            */
LDDEF void ld_logits_to_logprobs(ld_model *m);

/* ===========================================================================
   >>optim — SGD, AdamW, RMSprop; each step exposes Δθ
   ======================================================================== */

typedef enum { LD_OPT_ADAMW = 0, LD_OPT_SGD = 1, LD_OPT_RMSPROP = 2 } ld_opt_kind;

/* Zero fields take the defaults in brackets. Semantics follow torch.optim. */
typedef struct {
    ld_opt_kind kind;     /* [LD_OPT_ADAMW]                                  */
    double lr;            /* [1e-3] the default η (each step may pass its own) */
    double beta1;         /* [0.9]  AdamW first moment                        */
    double beta2;         /* [0.999] AdamW second moment; RMSprop's α [0.99]  */
    double eps;           /* [1e-8]                                           */
    double weight_decay;  /* [0] AdamW: decoupled; SGD, RMSprop: added to g   */
    double momentum;      /* [0] SGD momentum                                 */
    double grad_clip;     /* [0 = off] clip g to this global L2 norm          */
    int decay_all;        /* [0] 0: decay matrices and embeddings only        */
} ld_optim_config;

typedef struct {
    ld_optim_config cfg;  /* resolved                                       */
    size_t P;
    ld_float *m1;         /* (P) AdamW m, SGD momentum buffer               */
    ld_float *m2;         /* (P) AdamW v, RMSprop square average            */
    ld_float *delta;      /* (P) Δθ of the last step: θ_new − θ_old         */
    long step;            /* steps taken                                    */
    double grad_norm;     /* ‖g‖ of the last step, before clipping          */
    double clip_scale;    /* the factor g was multiplied by (1 = no clip)   */
    double last_lr;       /* η of the last step                             */
    /* bounds on max|θ|, max|m1|, max m2 for the overflow check of a step;
       valid while m->theta_version == bound_version (change m1, m2 only
       through the API)                                                    */
    int bounds_ok;
    unsigned long bound_version;
    double th_max, m1_max, m2_max;
} ld_optim;

LDDEF ld_optim_config ld_optim_config_resolve(const ld_optim_config *c);
/* Allocates the optimizer state for model m. */
LDDEF ld_status ld_optim_init(ld_optim *o, const ld_model *m, const ld_optim_config *c);
LDDEF void ld_optim_free(ld_optim *o);
/* One step with learning rate lr: clips g (in place), writes Δθ into
   o->delta and adds it to θ. g with a NaN or infinity, or a step that would
   overflow θ or the moments: LD_ERR_NAN, and neither θ, g nor the
   optimizer state changes.                                                  */
LDDEF ld_status ld_optim_step(ld_optim *o, ld_model *m, double lr);

/* The preconditioner of the last step, P (P values): the part of Δθ made by
   that step's gradient is −P ⊙ g, g the gradient before clipping (the clip
   factor is folded into P). SGD: P = η; RMSprop: η/(√v + ε); AdamW:
   η(1−β1)/(1−β1^t) / (√v̂ + ε). The rest of Δθ — momentum carried from
   earlier steps and weight decay — belongs to no example of the batch:
   Δθ = −P ⊙ g + drift. With it, the dynamics attribute an adaptive step
   to examples exactly as SGD's (the eNTK K then carries P).               */
LDDEF ld_status ld_optim_precond(const ld_optim *o, ld_float *P);

/* ===========================================================================
   >>dynamics — Δ log π(·|χ_o) ≈ −η A(χ_o) K(χ_o, χ_u) G(χ_u)   (Prop. 1)
   ======================================================================== */
/* After a step θ' = θ + Δθ, to first order, at every position m of an
   observed sequence χ_o and every token v:

       Δ log π_m = A_m Δz_m,   Δz_m = J_m(χ_o) Δθ,   A_m = I − 1 π_mᵀ

   and for SGD on a training batch χ_u, Δθ = −η Σ_l J_l(χ_u)ᵀ G_l, so
   J_m(χ_o) Δθ = −η Σ_l K_{m,l} G_l with the eNTK K_{m,l} = J_m(χ_o) J_l(χ_u)ᵀ.
   Nothing here builds K to predict: Δz is one forward-mode JVP (ld_jvp) of
   χ_o in the direction Δθ, and one response's change is
   ⟨∇θ log π(y_o|χ_o), Δθ⟩, one backward pass. Explicit K blocks (V×V) are
   for small V and cost V backward passes and V JVPs.                       */

/* A at one position: out = dz − (πᵀdz) 1 (V values; no V×V matrix). */
LDDEF void ld_dyn_A_apply(const ld_float *pi, const double *dz, double *out, int V);
/* ‖A‖_F² = V − 2 + V ‖π‖², in closed form. */
LDDEF double ld_dyn_A_frob2(const ld_float *pi, int V);
/* A itself, (V, V) row-major: A[i][j] = δ_ij − π_j. For small V. */
LDDEF void ld_dyn_A_matrix(const ld_float *pi, int V, double *A);

/* ‖G‖ at row b, position t of the residual the last loss wrote. */
LDDEF double ld_dyn_G_norm(const ld_model *m, int b, int t);

/* ∇θ log π(y|χ) of one sequence into grad (P); its log π(y|χ) into *logp
   (may be NULL). One forward and one backward pass; m's activations and
   G buffer are overwritten, m->grad is not. Needs LD_TRAIN.              */
LDDEF ld_status ld_dyn_seq_grad(ld_model *m, const ld_seq *s, ld_float *grad, double *logp);

/* The sequence-level kernel ⟨∇θ log π(y_o|χ_o), D ∇θ log π(y_u|χ_u)⟩ with
   D = diag(precond) (NULL: the identity, the plain eNTK). Needs LD_TRAIN. */
LDDEF ld_status ld_dyn_seq_kernel(ld_model *m, const ld_seq *o, const ld_seq *u,
                                  const ld_float *precond, double *k);

/* One V×V block of the eNTK: K[v][v'] = ⟨∇θ z_{t_o}[v](χ_o), ∇θ z_{t_u}[v'](χ_u)⟩,
   where z_t are the logits at position t (0 ≤ t < len). Symmetric under
   swapping (o, t_o) with (u, t_u) (transposed) and positive semi-definite
   when they are equal. Costs V backward passes and V JVPs; for small V.
   Needs LD_TRAIN | LD_JVP and room for 2 rows.                           */
LDDEF ld_status ld_dyn_K_block(ld_model *m, const ld_seq *o, int t_o, const ld_seq *u, int t_u, double *K);

/* First-order Δ log π for a parameter change dtheta (P): for every position
   t < len − 1 and token v, dlogp[t][v] = (A_t J_t dtheta)[v] ((len−1, V),
   may be NULL), and the response's Δ log π(y|χ) in *dseq (may be NULL).
   One forward and one JVP. Needs LD_JVP.                                   */
LDDEF ld_status ld_dyn_predict(ld_model *m, const ld_seq *s, const ld_float *dtheta,
                               double *dlogp, double *dseq);

/* The measured change: log π(y|χ) at θ + dtheta minus at θ, for n
   sequences (dseq, n values). θ is changed for the evaluation and then
   restored bit for bit.                                                    */
LDDEF ld_status ld_dyn_measure(ld_model *m, const ld_seq *s, int n, const ld_float *dtheta, double *dseq);

/* The tokens whose probability rose (or fell) most at one position, from
   dlogp (V) and π (V): Δπ_v ≈ π_v Δ log π_v. Writes the k largest gains
   (k ≤ V) as token ids into top, and their Δπ into gain; with k < 0 the
   |k| largest losses instead. NULL arrays or V < 1: nothing is written.  */
LDDEF void ld_dyn_top_tokens(const ld_float *pi, const double *dlogp, int V, int k, int *top, double *gain);

/* ===========================================================================
   >>io — tokenizer, checkpoints (safetensors + config.json), JSON
   ======================================================================== */

/* Byte-level tokenizer: each byte is its own token, eot_token ends a text.
   Writes at most cap tokens; LD_ERR_LENGTH if the text needs more.
   len < 0 means text is NUL-terminated. Needs V ≥ 256.                      */
LDDEF ld_status ld_tokenize(const ld_config *cfg, const char *text, long len,
                            int *out, int cap, int *n_out);
/* Writes the bytes of tokens (eot_token and ids ≥ 256 are skipped) and a
   NUL; at most cap bytes including the NUL. Returns the length written.    */
LDDEF int ld_detokenize(const ld_config *cfg, const int *tokens, int n,
                        char *out, int cap);

/* Datasets: JSONL with TRL's field names, one JSON object per line.
     LD_DATA_SFT     "prompt", "completion"
     LD_DATA_PREF    "prompt", "chosen", "rejected"
     LD_DATA_PROBES  "prompt" and any other string fields: the paper's probe
                     types ("chosen", "rejected", "chosen_gptsemantic",
                     "chosen_gptformat", "reject_gptsemantic",
                     "reject_gptformat", "irr_train", "irr_test", "irr_hum",
                     "random_permute", "random_nonhum", ...), each optional
   Strings are decoded as JSON (\n, \", \uXXXX with surrogate pairs) and must
   be valid UTF-8; each byte is then one token. Blank lines are skipped.
   Other fields are ignored. A malformed line — bad JSON, a missing field, a
   field that is not a string, invalid UTF-8, an empty response — stops the
   load with its line number, or with LD_DATA_SKIP_BAD is skipped and
   counted (n_skipped, first_skip).                                        */
typedef enum { LD_DATA_SFT = 0, LD_DATA_PREF = 1, LD_DATA_PROBES = 2 } ld_data_kind;
enum { LD_DATA_SKIP_BAD = 1 };

typedef struct {
    ld_data_kind kind;
    int n;                /* examples                                       */
    int n_fields;         /* columns; column 0 is "prompt"                  */
    char **fields;        /* (n_fields) column names                         */
    int *tokens;          /* every field's tokens, one after another         */
    size_t n_tokens;
    size_t *start;        /* (n, n_fields) first token of each field         */
    int *len;             /* (n, n_fields) its length in tokens; −1: absent  */
    int *line;            /* (n) 1-based line in the source                  */
    int n_skipped;        /* malformed lines skipped (LD_DATA_SKIP_BAD)      */
    char first_skip[256]; /* why the first of them was skipped               */
} ld_dataset;

/* Parses JSONL text[0..len). On failure *ds is empty and the reason names
   the line. cfg gives the tokenizer (byte-level: V ≥ 256).                */
LDDEF ld_status ld_dataset_parse(ld_dataset *ds, const char *text, size_t len, const ld_config *cfg,
                                 ld_data_kind kind, int flags);
/* Frees a dataset and zeroes it. */
LDDEF void ld_dataset_free(ld_dataset *ds);
/* The column of a field name, or −1. */
LDDEF int ld_dataset_field(const ld_dataset *ds, const char *name);

/* Builds χ = [eot; prompt; response; eot] for example i with its response
   from column `field`, into buf (T ints), and describes it in *out.
   Truncation follows the official DPO code: when the prompt and the
   example's longest response do not fit in T, the prompt keeps its last
   max_prompt − 1 tokens (max_prompt ≤ 0 means T/2); a response that still
   does not fit is cut at the end (and loses its final eot). The same
   prompt cut applies to every response of the example, so chosen and
   rejected (and all probes) share one prompt. LD_ERR_MISSING if the
   example lacks the field.                                                 */
LDDEF ld_status ld_dataset_seq(const ld_dataset *ds, int i, int field, int T, int max_prompt,
                               int eot, int *buf, ld_seq *out);

#ifndef LD_NO_STDIO
/* Writes dir/model.safetensors (tensors named as GPT2LMHeadModel's
   save_pretrained names them: "transformer.h.0.attn.c_attn.weight", ...,
   and "lm_head.weight" when untied; HF's (in, out) layout for Conv1D
   weights; F32, or F64 in the double build) and dir/config.json
   (GPT2Config keys). dir must exist.                                       */
LDDEF ld_status ld_save(const ld_model *m, const char *dir);

/* Creates *m from dir/config.json and dir/model.safetensors (ours or a
   Hugging Face GPT-2: "transformer." prefixes, F32/F16/BF16/F64, a tied or
   untied lm_head). B, T, flags as in ld_model_init; T = 0 means the
   model's context. On failure *m is zeroed, nothing stays allocated.       */
LDDEF ld_status ld_load(ld_model *m, const char *dir, int B, int T, int flags);

/* Reads a JSONL file; see ld_dataset_parse. */
LDDEF ld_status ld_dataset_load(ld_dataset *ds, const char *path, const ld_config *cfg,
                                ld_data_kind kind, int flags);

/* Reads a config.json into *cfg (resolved). */
LDDEF ld_status ld_load_config(ld_config *cfg, const char *path);

/* Replaces θ of an existing model with the tensors of a safetensors file of
   the same config. On failure θ is unchanged.                             */
LDDEF ld_status ld_load_params(ld_model *m, const char *safetensors_path);
#endif

/* ===========================================================================
   >>train — the training loop: batches, schedule, reference, checkpoints
   ======================================================================== */

typedef enum { LD_SCHED_CONSTANT = 0, LD_SCHED_LINEAR = 1, LD_SCHED_COSINE = 2 } ld_sched;

/* Zero fields take the defaults in brackets. */
typedef struct {
    int pref;                   /* 0: SFT; 1: the preference loss `loss`      */
    const char *sft_fields[4];  /* SFT: response columns, one row per example
                                   and column [{"completion"}, or {"chosen"}
                                   for a preference dataset]; {"chosen",
                                   "rejected"} trains on both               */
    ld_norm norm;               /* SFT normalisation [LD_NORM_SEQ_SUM]        */
    ld_pref_opts loss;          /* preference loss [DPO, β 0.1]               */
    int ref_precompute;         /* 1: reference log-probs once per example
                                   before training (always so without a
                                   reference model: then the policy's
                                   starting weights are the reference)      */
    int batch;                  /* examples per step [as many as fit in B]    */
    int epochs;                 /* [1]                                        */
    long max_steps;             /* [0: epochs × ⌈n / batch⌉]                  */
    double lr;                  /* peak η [the optimizer's lr]                */
    long warmup;                /* linear warmup steps [0]                    */
    ld_sched sched;             /* decay after the warmup [constant]          */
    double min_lr_ratio;        /* linear/cosine end at this share of lr [0]  */
    int max_prompt;             /* prompt truncation (ld_dataset_seq) [T/2]   */
    uint64_t seed;              /* order of the examples                      */
    int no_shuffle;             /* 1: keep the file's order                   */
} ld_train_config;

/* The loop's state. Fields after `cfg` are for reading. */
typedef struct {
    ld_train_config cfg;        /* resolved                                   */
    ld_model *m;                /* the policy                                 */
    ld_optim *opt;
    const ld_dataset *ds;
    ld_model *ref;              /* frozen reference, or NULL                  */
    int fields[4], n_fields;    /* response columns: SFT's, or chosen|rejected */
    double *ref_logp;           /* (n, 2) precomputed reference log-probs     */
    long step;                  /* optimizer steps taken                      */
    long total_steps, steps_per_epoch;
    int epoch, cursor;          /* position in this epoch's order             */
    int *order;                 /* (n) this epoch's order of the examples     */
    ld_rng rng;                 /* shuffles                                   */
    uint64_t epoch_rng;         /* rng state before this epoch's shuffle      */
    uint64_t data_hash;         /* fingerprint of the dataset (for resume)    */
    /* the batch of the next (or last) step */
    int *batch_idx, batch_n;    /* (batch) example ids                        */
    int batch_ready;
    ld_seq *rows;               /* (m->B) the forward's rows                  */
    int n_rows;
    int *buf;                   /* (m->B, m->T) their tokens                  */
    double *row_ref;            /* (m->B) reference log-probs of the rows     */
    double *row_coef;           /* (m->B) each row's c of the last step: its
                                   G = c (π − y), its gradient −c ∇θ log π(y) */
    /* the last step */
    double loss, lr, grad_norm;
    ld_pref_metrics metrics;    /* preference steps                           */
    long tokens;                /* tokens forwarded so far                    */
} ld_trainer;

/* Sets up training of model m with optimizer opt on dataset ds (SFT or
   preference data). ref: a frozen reference model (preference losses), or
   NULL. Errors: a batch that does not fit in m->B rows, missing columns, a
   reference of the wrong size. Precomputes reference log-probs if asked. */
LDDEF ld_status ld_trainer_init(ld_trainer *tr, ld_model *m, ld_optim *opt, const ld_dataset *ds,
                                const ld_train_config *cfg, ld_model *ref);
LDDEF void ld_trainer_free(ld_trainer *tr);

/* Prepares the next batch (tr->batch_idx, tr->rows) without stepping, so a
   caller can look at it first; the next ld_trainer_step uses it.          */
LDDEF ld_status ld_trainer_next_batch(ld_trainer *tr);

/* One optimizer step: the prepared (or next) batch, forward, loss (writes
   G), backward, optimizer with the scheduled learning rate. Afterwards
   tr->loss, tr->lr, tr->grad_norm, tr->metrics and opt->delta (Δθ) hold
   the step's results.                                                      */
LDDEF ld_status ld_trainer_step(ld_trainer *tr);

/* 1 when total_steps steps have been taken. */
LDDEF int ld_trainer_done(const ld_trainer *tr);

/* Called by ld_trainer_run; return non-zero to stop the run early. */
typedef int (*ld_train_callback)(ld_trainer *tr, void *user);

/* Steps until done. cb (may be NULL) is called before the first step, after
   every `every` steps and after the last, so probes see the whole run.
   Returns the first error, or LD_OK (also when cb stopped the run).      */
LDDEF ld_status ld_trainer_run(ld_trainer *tr, int every, ld_train_callback cb, void *user);

/* The learning rate of a step: linear warmup, then the decay. */
LDDEF double ld_trainer_lr(const ld_trainer *tr, long step);

/* ---- the dynamics along a run ------------------------------------------

   One step, predicted and measured. For each observed response o and each
   row r of the step's batch (its c_r from the loss):
     pred[o]   = ⟨∇θ log π_o, Δθ⟩                 the first-order change
     share[r][o] = c_r ⟨∇θ log π_o, P ⊙ ∇θ log π_r⟩  row r's part, P the
                   optimizer's preconditioner (ld_optim_precond): the
                   sequence-level −η A K G of Prop. 1
     drift[o]  = pred − Σ_r share                 momentum and weight decay
     meas[o]   = log π_o after the step − before
   For a preference batch, pred_chosen and pred_rejected sum the shares of
   the chosen and the rejected rows (the paper's K·G⁺ and K·G⁻ terms).
   pred_layer splits pred by parameter group: 0 the embeddings (wte, wpe;
   wte is also the tied head), 1..L the blocks, L+1 the final LayerNorm
   and an untied head.
   Cost: one forward and one backward per observed response and per row,
   one forward per observed response after the step, and dot products.    */
typedef struct {
    int n_obs, n_rows, n_groups;
    double *logp;          /* (n_obs) log π(y|χ) before the step              */
    double *pred;          /* (n_obs)                                          */
    double *meas;          /* (n_obs)                                          */
    double *pred_chosen;   /* (n_obs) through the chosen (SFT: all) rows       */
    double *pred_rejected; /* (n_obs) through the rejected rows                */
    double *drift;         /* (n_obs)                                          */
    double *pred_layer;    /* (n_obs, n_groups) n_groups = L + 2               */
    double *share;         /* (n_rows, n_obs)                                  */
    double *row_coef;      /* (n_rows) c_r                                     */
    int *row_example;      /* (n_rows) the dataset example of each row         */
    int *row_rejected;     /* (n_rows) 1 for a rejected row                    */
    ld_float *dtheta;      /* (P) the step Δθ                                  */
    double loss;           /* the step's loss                                  */
} ld_dyn_report;

/* Takes the trainer's next step and reports its dynamics on n_obs observed
   sequences (their responses). With apply = 0 the step is undone
   afterwards: θ, the optimizer and the trainer's position are restored bit
   for bit, so the same step can be analysed without training. Needs
   memory for (n_obs + rows) gradients of P values.                        */
LDDEF ld_status ld_dyn_step(ld_trainer *tr, const ld_seq *obs, int n_obs, int apply, ld_dyn_report *r);
LDDEF void ld_dyn_report_free(ld_dyn_report *r);

/* Accumulated influence: over the analysed steps of a run, the share of
   every training example in the change of every probe response, with the
   running sums of predicted and measured change per probe (their gap is
   the second-order part plus what was not analysed).                      */
typedef struct {
    int n_examples, n_probes;
    double *share;         /* (n_examples, n_probes) Σ of the rows' shares    */
    double *pred;          /* (n_probes) Σ pred                               */
    double *meas;          /* (n_probes) Σ meas                               */
    double *drift;         /* (n_probes) Σ drift                              */
    long steps;            /* steps accounted                                 */
} ld_influence;

LDDEF ld_status ld_influence_init(ld_influence *inf, int n_examples, int n_probes);
/* Adds the report of a step taken with apply = 1. */
LDDEF ld_status ld_influence_add(ld_influence *inf, const ld_dyn_report *r);
LDDEF void ld_influence_free(ld_influence *inf);

/* Probe evaluation: log π of every probe type of every example, the
   teacher-forced argmax y* along the chosen response (Σ_m log max_v π_m),
   and the free greedy decode from the prompt with its log-prob.
   Types: the dataset's columns (1..n_fields−1), then "argmax", "greedy".  */
typedef struct {
    int n;                 /* examples                                        */
    int n_types;
    const char **types;    /* (n_types) names (the dataset's, then two more)  */
    double *logp;          /* (n, n_types) NaN where the example lacks a type */
    double *mean;          /* (n_types) over the examples that have it        */
    int T;                 /* row stride of greedy                            */
    int *greedy;           /* (n, T) the greedy decodes, prompt included      */
    int *greedy_len;       /* (n) their lengths                               */
    int *prompt_len;       /* (n) where the decoded response starts           */
} ld_probe_result;

LDDEF ld_status ld_probe_eval(ld_model *m, const ld_dataset *probes, int max_prompt, ld_probe_result *out);
LDDEF void ld_probe_result_free(ld_probe_result *r);

#ifndef LD_NO_STDIO
/* Writes a checkpoint into dir: model.safetensors and config.json (a plain
   model, loadable on its own) and trainer.safetensors (optimizer moments,
   precomputed reference log-probs, the loop's position and RNG).          */
LDDEF ld_status ld_trainer_save(const ld_trainer *tr, const char *dir);

/* Continues from a checkpoint of a run with the same dataset and config
   (call after ld_trainer_init): θ, optimizer, position and RNG are
   restored, so the following steps reproduce the original run bit for
   bit. On failure the trainer and model are unchanged.                    */
LDDEF ld_status ld_trainer_resume(ld_trainer *tr, const char *dir);
#endif

/* ===========================================================================
   >>selftest
   ======================================================================== */
#ifdef LD_LLM_SELFTEST
/* Checks every layer's backward and jvp against central finite differences
   on tiny sizes. Returns the number of failed checks (0 = all good);
   verbose = 1 prints one line per check.                                   */
LDDEF int ld_selftest(int verbose);
#endif

/* ===========================================================================
   >>cuda — the optional GPU unit, ld_llm_cuda.cu (declared only when
   LD_LLM_CUDA is defined; build with `make cuda`, link -lcublas -lcudart)

   It takes the model's large matrix products — forward, backward and JVP
   of every linear layer and of the output head — to an NVIDIA GPU through
   cuBLAS; everything else stays in this header, which remains the
   reference. θ lives on the device and is uploaded again only when it
   changes (m->theta_version: optimizer steps, loads, ld_params_changed);
   activations travel to the device and back with each product. A product
   the GPU cannot do (too small, out of device memory, a CUDA error) is done
   by the CPU instead, so results never depend on the device being there.

       ld_cuda *gpu;
       ld_cuda_opts go = {0};                 // device 0, TF32 off
       if (ld_cuda_init(&gpu, &go) == LD_OK && ld_cuda_attach(gpu, &m) == LD_OK)
           ...                                // ld_forward etc. use the GPU
       ld_cuda_detach(gpu);  ld_cuda_free(gpu);
   ======================================================================== */
#ifdef LD_LLM_CUDA
typedef struct ld_cuda ld_cuda;

/* Options; zero fields take the defaults in brackets. */
typedef struct {
    int device;           /* CUDA device index [0]                                */
    int tf32;             /* 1: TensorFloat-32 products (faster, ~1e-3 relative)   */
    long min_work;        /* products of fewer multiply-adds stay on the CPU [2^20] */
    size_t max_bytes;     /* device memory this context may take [0: no limit]     */
} ld_cuda_opts;

/* What the context has done since ld_cuda_init. */
typedef struct {
    long products;        /* products done on the GPU                  */
    long declined;        /* products left to the CPU for being small  */
    long failures;        /* products the GPU failed (the CPU did them) */
    long theta_uploads;   /* times θ was sent to the device            */
    double bytes_to_device, bytes_from_device;
} ld_cuda_stats;

/* Opens a device. Without a GPU, a CUDA driver or a working runtime:
   LD_ERR_DEVICE with the reason in ld_failure_reason(); *out = NULL.
   The macro passes sizeof(ld_float), so a float library and a double
   program (or the reverse) are told apart instead of mixing.              */
#define ld_cuda_init(out, opts) ld_cuda_init_((out), (opts), (int)sizeof(ld_float))
LDDEF ld_status ld_cuda_init_(ld_cuda **out, const ld_cuda_opts *opts, int float_bytes);

/* Puts the model's products on the device: copies θ (P numbers) there and
   sets m->accel. One model per context (attaching another detaches the
   first). On failure (device memory: LD_ERR_OOM) the model is unchanged. */
LDDEF ld_status ld_cuda_attach(ld_cuda *g, ld_model *m);

/* Returns the attached model to the CPU (m->accel = NULL). Call before
   ld_model_free. */
LDDEF void ld_cuda_detach(ld_cuda *g);

/* Detaches and releases the device memory and the context; NULL is fine. */
LDDEF void ld_cuda_free(ld_cuda *g);

/* The device's name ("NVIDIA H100 80GB HBM3"). */
LDDEF const char *ld_cuda_device_name(const ld_cuda *g);

/* Counters since ld_cuda_init, and the last failure in words ("" if none). */
LDDEF ld_cuda_stats ld_cuda_get_stats(const ld_cuda *g);
LDDEF const char *ld_cuda_last_error(const ld_cuda *g);
#endif

#ifdef __cplusplus
}
#endif
#endif /* LD_LLM_H */

/* ###########################################################################
   IMPLEMENTATION
   ######################################################################## */
#ifdef LD_LLM_IMPLEMENTATION
#ifndef LD_LLM_IMPLEMENTATION_DONE
#define LD_LLM_IMPLEMENTATION_DONE

#include <float.h>
#include <math.h>
#include <string.h>
#include <stdarg.h>
#include <stdio.h>   /* vsnprintf; files unless LD_NO_STDIO */
#include <stdlib.h>

#if defined(LD_MALLOC) && !defined(LD_FREE)
#error "define both LD_MALLOC and LD_FREE, or neither"
#elif !defined(LD_MALLOC) && defined(LD_FREE)
#error "define both LD_MALLOC and LD_FREE, or neither"
#elif !defined(LD_MALLOC)
#define LD_MALLOC(n) malloc(n)
#define LD_FREE(p) free(p)
#endif

/* OpenMP only through these macros, so builds without -fopenmp stay quiet.
   Threads split a loop only when it holds enough work (about `work`
   operations) to pay for waking them: measured, a step of the demo model
   made of thousands of tiny parallel loops ran slower on 2 threads than on
   1. Whether a loop is split never changes its results. */
#ifdef _OPENMP
#include <omp.h>
#define LD__PRAGMA(x) _Pragma(#x)
#define LD__PAR_MIN 65536
#define LD__OMP_FOR(work) LD__PRAGMA(omp parallel for schedule(static) if((work) >= LD__PAR_MIN))
/* the same, OR-ing an int flag and taking three maxima across threads */
#define LD__OMP_FOR_CHECK(work, flag, m1, m2, m3) \
    LD__PRAGMA(omp parallel for schedule(static) reduction(| : flag) reduction(max : m1, m2, m3) if((work) >= LD__PAR_MIN))
#define LD__OMP_PARALLEL(work) LD__PRAGMA(omp parallel if((work) >= LD__PAR_MIN))
#define LD__OMP_FOR_IN LD__PRAGMA(omp for schedule(static))
#else
#define LD__OMP_FOR(work)
#define LD__OMP_FOR_CHECK(work, flag, m1, m2, m3)
#define LD__OMP_PARALLEL(work)
#define LD__OMP_FOR_IN
#endif

/* Math in the precision of ld_float. */
#ifdef LD_LLM_DOUBLE
#define LD__EXP(x)  exp(x)
#define LD__LOG(x)  log(x)
#define LD__SQRT(x) sqrt(x)
#define LD__FABS(x) fabs(x)
#define LD__FLOAT_MAX DBL_MAX
#else
#define LD__EXP(x)  expf(x)
#define LD__LOG(x)  logf(x)
#define LD__SQRT(x) sqrtf(x)
#define LD__FABS(x) fabsf(x)
#define LD__FLOAT_MAX FLT_MAX
#endif

#if defined(__cplusplus) && __cplusplus >= 201103L
#define LD__TLS thread_local
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L && !defined(__STDC_NO_THREADS__)
#define LD__TLS _Thread_local
#elif defined(__GNUC__) || defined(__clang__)
#define LD__TLS __thread
#elif defined(_MSC_VER)
#define LD__TLS __declspec(thread)
#else
#define LD__TLS
#endif

/* For private helpers that some configurations (LD_NO_STDIO) do not call. */
#if defined(__GNUC__) || defined(__clang__)
#define LD__MAYBE_UNUSED __attribute__((unused))
#else
#define LD__MAYBE_UNUSED
#endif

#define LD__MIN(a, b) ((a) < (b) ? (a) : (b))
#define LD__MAX(a, b) ((a) > (b) ? (a) : (b))

/* ---------------------------------------------------------------- >>config */

static LD__TLS char ld__reason[512];

/* Records a failure and its reason; returns the status for `return ld__fail(...)`. */
static ld_status ld__fail(ld_status s, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ld__reason, sizeof ld__reason, fmt, ap);
    va_end(ap);
    return s;
}

LDDEF const char *ld_status_string(ld_status s) {
    switch (s) {
#define LD__X(name, code, text) case name: return text;
        LD__STATUS_LIST(LD__X)
#undef LD__X
    default: return "unknown status";
    }
}

LDDEF const char *ld_failure_reason(void) {
    return ld__reason[0] ? ld__reason : "no failure recorded";
}

LDDEF ld_status ld_set_failure(ld_status s, const char *reason) {
    return ld__fail(s, "%s", reason ? reason : "");
}

LDDEF ld_config ld_config_resolve(const ld_config *cfg) {
    ld_config c;
    if (cfg) c = *cfg; else memset(&c, 0, sizeof c);
    if (c.vocab_size == 0) c.vocab_size = 257;
    if (c.context == 0) c.context = 64;
    if (c.n_layer == 0) c.n_layer = 2;
    if (c.n_head == 0) c.n_head = 4;
    if (c.n_embd == 0) c.n_embd = 64;
    if (c.eot_token == 0) c.eot_token = c.vocab_size - 1;
    if (c.init_std == 0) c.init_std = 0.02;
    if (c.ln_eps == 0) c.ln_eps = 1e-5;
    c.untied_head = c.untied_head ? 1 : 0;
    return c;
}

LDDEF ld_status ld_config_check(const ld_config *c) {
    if (!c) return ld__fail(LD_ERR_ARG, "config is NULL");
    if (c->vocab_size < 2 || c->context < 1 || c->n_layer < 1 || c->n_head < 1 || c->n_embd < 1)
        return ld__fail(LD_ERR_CONFIG, "sizes must be positive (vocab %d ≥ 2, context %d, layers %d, heads %d, channels %d)",
                        c->vocab_size, c->context, c->n_layer, c->n_head, c->n_embd);
    if (c->n_embd % c->n_head)
        return ld__fail(LD_ERR_CONFIG, "n_head %d does not divide n_embd %d", c->n_head, c->n_embd);
    if (c->eot_token < 0 || c->eot_token >= c->vocab_size)
        return ld__fail(LD_ERR_CONFIG, "eot_token %d is outside [0, %d)", c->eot_token, c->vocab_size);
    if (c->vocab_size > (1 << 24) || c->context > (1 << 16) || c->n_embd > (1 << 16) || c->n_layer > 1024)
        return ld__fail(LD_ERR_CONFIG, "sizes too large (vocab %d, context %d, channels %d, layers %d)",
                        c->vocab_size, c->context, c->n_embd, c->n_layer);
    if (!(c->init_std > 0) || !(c->ln_eps > 0) || !isfinite(c->init_std) || !isfinite(c->ln_eps))
        return ld__fail(LD_ERR_CONFIG, "init_std and ln_eps must be positive and finite");
    return LD_OK;
}

LDDEF void ld_rng_seed(ld_rng *r, uint64_t seed) {
    /* splitmix64 of the seed, so that nearby seeds give unrelated streams */
    uint64_t z = seed + 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    r->s = z ? z : 0x2545F4914F6CDD1Dull;
}

LDDEF uint32_t ld_rng_u32(ld_rng *r) {
    uint64_t x = r->s;
    x ^= x >> 12; x ^= x << 25; x ^= x >> 27;
    r->s = x;
    return (uint32_t)((x * 0x2545F4914F6CDD1Dull) >> 32);
}

LDDEF double ld_rng_uniform(ld_rng *r) {
    uint64_t hi = ld_rng_u32(r), lo = ld_rng_u32(r);
    return (double)(((hi << 32) | lo) >> 11) * (1.0 / 9007199254740992.0);
}

LDDEF double ld_rng_normal(ld_rng *r) {
    double u1 = ld_rng_uniform(r), u2 = ld_rng_uniform(r);
    if (u1 < 1e-300) u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

/* ----------------------------------------------------------------- >>arena */

static const struct {
    const char *name, *hf;
    int dims, layered, tr, decay;
} ld__ptab[] = {
#define LD__X(name, dims, rows, cols, layered, hf, tr, decay) { #name, hf, dims, layered, tr, decay },
    LD__PARAM_LIST(LD__X)
#undef LD__X
};
#define LD__NTENSORS ((int)(sizeof ld__ptab / sizeof ld__ptab[0]))

LDDEF int ld_tensor_count(void) { return LD__NTENSORS; }

/* Per-layer rows and columns of tensor i, from the table. */
static void ld__tensor_dims(const ld_config *c, int i, int *rows, int *cols) {
    int V = c->vocab_size, T = c->context, C = c->n_embd, U = c->untied_head ? 1 : 0;
    int k = 0;
    *rows = *cols = 0;
#define LD__X(name, dims, r, cc, layered, hf, tr, decay) \
    if (k++ == i) { *rows = (r); *cols = (cc); return; }
    LD__PARAM_LIST(LD__X)
#undef LD__X
    (void)V; (void)T; (void)U;
}

LDDEF int ld_tensor_info_get(const ld_config *cfg, int i, ld_tensor_info *out) {
    ld_config c = ld_config_resolve(cfg);
    size_t off = 0;
    for (int k = 0; k < LD__NTENSORS; k++) {
        int r, cc;
        ld__tensor_dims(&c, k, &r, &cc);
        size_t n = (size_t)r * cc * (ld__ptab[k].layered ? c.n_layer : 1);
        if (k == i) {
            out->name = ld__ptab[k].name; out->hf_name = ld__ptab[k].hf;
            out->offset = off; out->size = n; out->dims = ld__ptab[k].dims;
            out->rows = r; out->cols = cc; out->layered = ld__ptab[k].layered;
            out->hf_transposed = ld__ptab[k].tr; out->decay = ld__ptab[k].decay;
            return 1;
        }
        off += n;
    }
    return 0;
}

LDDEF size_t ld_param_count(const ld_config *cfg) {
    ld_tensor_info ti;
    ld_tensor_info_get(cfg, LD__NTENSORS - 1, &ti);
    return ti.offset + ti.size;
}

/* Points the per-tensor views at a flat vector of P numbers. */
static void ld__param_views(ld_params *p, ld_float *flat, const ld_config *c) {
    int i = 0;
    ld_tensor_info ti;
#define LD__X(name, dims, rows, cols, layered, hf, tr, decay) \
    ld_tensor_info_get(c, i++, &ti); p->name = flat ? flat + ti.offset : NULL;
    LD__PARAM_LIST(LD__X)
#undef LD__X
}

/* Carves aligned pieces from one block; with base == NULL it only measures. */
typedef struct { char *base; size_t off; } ld__carver;
static void *ld__take(ld__carver *cv, size_t bytes) {
    size_t o = (cv->off + 63) & ~(size_t)63;
    cv->off = o + bytes;
    return cv->base ? (void *)(cv->base + o) : NULL;
}
#define LD__TAKE(cv, type, n) ((type *)ld__take((cv), sizeof(type) * (size_t)(n)))

static void ld__carve(ld_model *m, ld__carver *cv) {
    const ld_config *c = &m->cfg;
    size_t B = m->B, T = m->T, C = c->n_embd, L = c->n_layer, NH = c->n_head, V = c->vocab_size;
    size_t BT = B * T, P = m->P;
    m->theta = LD__TAKE(cv, ld_float, P);
    m->grad = (m->flags & LD_TRAIN) ? LD__TAKE(cv, ld_float, P) : NULL;
    m->tangent = (m->flags & LD_JVP) ? LD__TAKE(cv, ld_float, P) : NULL;
    ld_acts *a = &m->a;
    a->encoded = LD__TAKE(cv, ld_float, BT * C);
    a->ln1 = LD__TAKE(cv, ld_float, L * BT * C);
    a->ln1_mean = LD__TAKE(cv, ld_float, L * BT);
    a->ln1_rstd = LD__TAKE(cv, ld_float, L * BT);
    a->qkv = LD__TAKE(cv, ld_float, L * BT * 3 * C);
    a->att = LD__TAKE(cv, ld_float, L * B * NH * T * T);
    a->atty = LD__TAKE(cv, ld_float, L * BT * C);
    a->residual2 = LD__TAKE(cv, ld_float, L * BT * C);
    a->ln2 = LD__TAKE(cv, ld_float, L * BT * C);
    a->ln2_mean = LD__TAKE(cv, ld_float, L * BT);
    a->ln2_rstd = LD__TAKE(cv, ld_float, L * BT);
    a->fch = LD__TAKE(cv, ld_float, L * BT * 4 * C);
    a->fch_gelu = LD__TAKE(cv, ld_float, L * BT * 4 * C);
    a->residual3 = LD__TAKE(cv, ld_float, L * BT * C);
    a->lnf = LD__TAKE(cv, ld_float, BT * C);
    a->lnf_mean = LD__TAKE(cv, ld_float, BT);
    a->lnf_rstd = LD__TAKE(cv, ld_float, BT);
    a->logits = LD__TAKE(cv, ld_float, BT * V);
    a->probs = LD__TAKE(cv, ld_float, BT * V);
    a->scratch = LD__TAKE(cv, ld_float, BT * C);
    for (int k = 0; k < 2; k++) {
        ld_dacts *d = k == 0 ? &m->d : &m->t;
        if (!(m->flags & (k == 0 ? LD_TRAIN : LD_JVP))) { memset(d, 0, sizeof *d); continue; }
        d->logits = LD__TAKE(cv, ld_float, BT * V);
        d->residual = LD__TAKE(cv, ld_float, BT * C);
        d->ln = LD__TAKE(cv, ld_float, BT * C);
        d->qkv = LD__TAKE(cv, ld_float, BT * 3 * C);
        d->att = LD__TAKE(cv, ld_float, B * NH * T * T);
        d->atty = LD__TAKE(cv, ld_float, BT * C);
        d->fch = LD__TAKE(cv, ld_float, BT * 4 * C);
        d->fch_gelu = LD__TAKE(cv, ld_float, BT * 4 * C);
        d->scratch = LD__TAKE(cv, ld_float, BT * C);
    }
    m->tokens = LD__TAKE(cv, int, BT);
    m->len = LD__TAKE(cv, int, B);
    m->prompt_len = LD__TAKE(cv, int, B);
    m->tok_logp = LD__TAKE(cv, double, BT);
    m->seq_logp = LD__TAKE(cv, double, B);
}

static ld_status ld__model_setup(ld_model *m, const ld_config *cfg, int B, int T, int flags) {
    memset(m, 0, sizeof *m);
    m->cfg = ld_config_resolve(cfg);
    ld_status s = ld_config_check(&m->cfg);
    if (s) return s;
    if (T == 0) T = m->cfg.context;
    if (B < 1 || T < 1 || T > m->cfg.context || B > (1 << 20))
        return ld__fail(LD_ERR_ARG, "capacity B=%d, T=%d: need B ≥ 1 and 1 ≤ T ≤ context %d", B, T, m->cfg.context);
    if (flags & ~(LD_TRAIN | LD_JVP)) return ld__fail(LD_ERR_ARG, "unknown flags 0x%x", flags);
    m->B = B; m->T = T; m->flags = flags;
    m->P = ld_param_count(&m->cfg);
    return LD_OK;
}

LDDEF size_t ld_model_memory_size(const ld_config *cfg, int B, int T, int flags) {
    ld_model m;
    if (ld__model_setup(&m, cfg, B, T, flags)) return 0;
    ld__carver cv = { NULL, 0 };
    ld__carve(&m, &cv);
    return cv.off + 64; /* room to align the base */
}

/* GPT-2's initialisation: N(0, std²) weights and embeddings, residual
   projections (attn.c_proj, mlp.c_proj) N(0, std²/2L), biases 0, LN weights 1. */
static void ld__init_weights(ld_model *m, uint64_t seed) {
    ld_rng r;
    ld_rng_seed(&r, seed);
    const ld_config *c = &m->cfg;
    for (int i = 0; i < LD__NTENSORS; i++) {
        ld_tensor_info ti;
        ld_tensor_info_get(c, i, &ti);
        ld_float *p = m->theta + ti.offset;
        const char *n = ti.name;
        if (ti.dims == 1) {
            ld_float v = (n[0] == 'l' && n[1] == 'n' && n[strlen(n) - 1] == 'w') ? 1 : 0;
            for (size_t k = 0; k < ti.size; k++) p[k] = v;
        } else {
            double std = c->init_std;
            if (!strcmp(n, "attprojw") || !strcmp(n, "fcprojw")) std /= sqrt(2.0 * c->n_layer);
            for (size_t k = 0; k < ti.size; k++) p[k] = (ld_float)(std * ld_rng_normal(&r));
        }
    }
}

LDDEF ld_status ld_model_init_mem(ld_model *m, const ld_config *cfg, int B, int T,
                                  int flags, uint64_t seed, void *mem, size_t bytes) {
    if (!m) return ld__fail(LD_ERR_ARG, "model is NULL");
    ld_status s = ld__model_setup(m, cfg, B, T, flags);
    if (s) { memset(m, 0, sizeof *m); return s; }
    ld__carver cv = { NULL, 0 };
    ld__carve(m, &cv);
    size_t need = cv.off + 64;
    if (mem) {
        if (bytes < need) {
            memset(m, 0, sizeof *m);
            return ld__fail(LD_ERR_OOM, "buffer of %zu bytes is smaller than the %zu needed", bytes, need);
        }
    } else {
        mem = LD_MALLOC(need);
        if (!mem) {
            memset(m, 0, sizeof *m);
            return ld__fail(LD_ERR_OOM, "could not allocate %zu bytes for the model", need);
        }
        m->owns_mem = 1;
    }
    m->mem = mem;
    m->bytes = need;
    cv.base = (char *)(((uintptr_t)mem + 63) & ~(uintptr_t)63);
    cv.off = 0;
    ld__carve(m, &cv);
    ld__param_views(&m->w, m->theta, &m->cfg);
    ld__param_views(&m->g, m->grad, &m->cfg);
    /* everything starts at zero: unused rows of the buffers stay defined */
    memset(cv.base, 0, cv.off);
    ld__init_weights(m, seed);
    return LD_OK;
}

LDDEF ld_status ld_model_init(ld_model *m, const ld_config *cfg, int B, int T, int flags, uint64_t seed) {
    return ld_model_init_mem(m, cfg, B, T, flags, seed, NULL, 0);
}

LDDEF void ld_model_free(ld_model *m) {
    if (!m) return;
    if (m->owns_mem && m->mem) LD_FREE(m->mem);
    memset(m, 0, sizeof *m);
}

LDDEF int ld_config_equal(const ld_config *a, const ld_config *b) {
    return a->vocab_size == b->vocab_size && a->context == b->context && a->n_layer == b->n_layer &&
           a->n_head == b->n_head && a->n_embd == b->n_embd && (a->untied_head != 0) == (b->untied_head != 0) &&
           a->eot_token == b->eot_token && a->init_std == b->init_std && a->ln_eps == b->ln_eps;
}

LDDEF ld_status ld_model_copy_params(ld_model *dst, const ld_model *src) {
    if (!dst || !src || !dst->theta || !src->theta) return ld__fail(LD_ERR_ARG, "model is NULL or not initialised");
    if (!ld_config_equal(&dst->cfg, &src->cfg))
        return ld__fail(LD_ERR_SHAPE, "the two models have different configs");
    memcpy(dst->theta, src->theta, sizeof(ld_float) * src->P);
    ld_params_changed(dst);
    return LD_OK;
}

LDDEF void ld_params_changed(ld_model *m) {
    if (m) m->theta_version++;
}

/* ---------------------------------------------------------------- >>layers */

LDDEF void ld_encoder_forward(ld_float *out, const int *tok, const ld_float *wte,
                              const ld_float *wpe, int B, int T, int C) {
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++) {
            ld_float *o = out + ((size_t)b * T + t) * C;
            const ld_float *e = wte + (size_t)tok[b * T + t] * C, *p = wpe + (size_t)t * C;
            for (int i = 0; i < C; i++) o[i] = e[i] + p[i];
        }
}

LDDEF void ld_encoder_backward(ld_float *dwte, ld_float *dwpe, const ld_float *dout,
                               const int *tok, int B, int T, int C) {
    /* serial: the same token may appear twice, and the order must be fixed */
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++) {
            const ld_float *d = dout + ((size_t)b * T + t) * C;
            ld_float *e = dwte ? dwte + (size_t)tok[b * T + t] * C : NULL;
            ld_float *p = dwpe ? dwpe + (size_t)t * C : NULL;
            for (int i = 0; i < C; i++) {
                if (e) e[i] += d[i];
                if (p) p[i] += d[i];
            }
        }
}

LDDEF void ld_encoder_jvp(ld_float *tout, const int *tok, const ld_float *twte,
                          const ld_float *twpe, int B, int T, int C) {
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++) {
            ld_float *o = tout + ((size_t)b * T + t) * C;
            for (int i = 0; i < C; i++)
                o[i] = (twte ? twte[(size_t)tok[b * T + t] * C + i] : 0) + (twpe ? twpe[(size_t)t * C + i] : 0);
        }
}

/* out[i] += Σ_n d[n,i] (· x̂[n,i] = (x[n,i] − mean[n]) rstd[n] when x is
   given), summed row after row into doubles: contiguous reads, fixed order. */
static void ld__colsum(ld_float *out, const ld_float *d, const ld_float *x, const ld_float *mean,
                       const ld_float *rstd, int N, int C) {
    double stack[512], *acc = C <= 512 ? stack : (double *)LD_MALLOC(sizeof(double) * C);
    if (!acc) { /* no memory: the same sums, column by column */
        for (int i = 0; i < C; i++) {
            double s = 0;
            for (int n = 0; n < N; n++) s += d[(size_t)n * C + i] * (x ? (x[(size_t)n * C + i] - mean[n]) * rstd[n] : 1);
            out[i] += (ld_float)s;
        }
        return;
    }
    for (int i = 0; i < C; i++) acc[i] = 0;
    for (int n = 0; n < N; n++) {
        const ld_float *dr = d + (size_t)n * C;
        if (x) {
            const ld_float *xr = x + (size_t)n * C;
            ld_float mu = mean[n], r = rstd[n];
            for (int i = 0; i < C; i++) acc[i] += dr[i] * ((xr[i] - mu) * r);
        } else
            for (int i = 0; i < C; i++) acc[i] += dr[i];
    }
    for (int i = 0; i < C; i++) out[i] += (ld_float)acc[i];
    if (acc != stack) LD_FREE(acc);
}

LDDEF void ld_layernorm_forward(ld_float *out, ld_float *mean, ld_float *rstd,
                                const ld_float *inp, const ld_float *w,
                                const ld_float *b, int N, int C, double eps) {
    LD__OMP_FOR((long)N * C)
    for (int n = 0; n < N; n++) {
        const ld_float *x = inp + (size_t)n * C;
        double s = 0, v = 0;
        for (int i = 0; i < C; i++) s += x[i];
        s /= C;
        for (int i = 0; i < C; i++) v += (x[i] - s) * (x[i] - s);
        v /= C;
        ld_float mu = (ld_float)s, r = (ld_float)(1.0 / sqrt(v + eps));
        ld_float *o = out + (size_t)n * C;
        for (int i = 0; i < C; i++) o[i] = (x[i] - mu) * r * w[i] + b[i];
        mean[n] = mu;
        rstd[n] = r;
    }
}

LDDEF void ld_layernorm_backward(ld_float *dinp, ld_float *dw, ld_float *db,
                                 const ld_float *dout, const ld_float *inp,
                                 const ld_float *w, const ld_float *mean,
                                 const ld_float *rstd, int N, int C) {
    if (dinp) {
        LD__OMP_FOR((long)N * C)
        for (int n = 0; n < N; n++) {
            const ld_float *x = inp + (size_t)n * C, *d = dout + (size_t)n * C;
            ld_float mu = mean[n], r = rstd[n];
            double dm = 0, dnm = 0; /* mean of w·dout and of w·dout·x̂ */
            for (int i = 0; i < C; i++) {
                ld_float xh = (x[i] - mu) * r, dn = w[i] * d[i];
                dm += dn;
                dnm += dn * xh;
            }
            ld_float dmf = (ld_float)(dm / C), dnmf = (ld_float)(dnm / C);
            ld_float *di = dinp + (size_t)n * C;
            for (int i = 0; i < C; i++) {
                ld_float xh = (x[i] - mu) * r;
                di[i] += (w[i] * d[i] - dmf - xh * dnmf) * r;
            }
        }
    }
    if (db) ld__colsum(db, dout, NULL, NULL, NULL, N, C);
    if (dw) ld__colsum(dw, dout, inp, mean, rstd, N, C);
}

LDDEF void ld_layernorm_jvp(ld_float *tout, const ld_float *inp, const ld_float *tinp,
                            const ld_float *w, const ld_float *tw, const ld_float *tb,
                            const ld_float *mean, const ld_float *rstd, int N, int C) {
    /* x̂ = (x−μ)r; with d = ẋ − mean(ẋ):  dx̂ = r (d − x̂ · mean(x̂ d)) */
    LD__OMP_FOR((long)N * C)
    for (int n = 0; n < N; n++) {
        const ld_float *x = inp + (size_t)n * C;
        const ld_float *tx = tinp ? tinp + (size_t)n * C : NULL;
        ld_float mu = mean[n], r = rstd[n];
        ld_float *o = tout + (size_t)n * C;
        double tm = 0, c = 0;
        if (tx) {
            for (int i = 0; i < C; i++) tm += tx[i];
            tm /= C;
            for (int i = 0; i < C; i++) c += ((x[i] - mu) * r) * (tx[i] - tm);
            c /= C;
        }
        ld_float tmf = (ld_float)tm, cf = (ld_float)c;
        for (int i = 0; i < C; i++) {
            ld_float xh = (x[i] - mu) * r;
            ld_float txh = tx ? r * ((tx[i] - tmf) - xh * cf) : 0;
            o[i] = txh * w[i] + (tw ? xh * tw[i] : 0) + (tb ? tb[i] : 0);
        }
    }
}

/* The one matrix product of the library: C (M,N) (+)= A (M,K) · B (K,N),
   element (i,k) of A at A[i*ars + k*acs], (k,j) of B at B[k*brs + j*bcs],
   C row-major with row stride ldc; acc = 0 overwrites, 1 adds.

   It is the packed, register-blocked scheme of BLIS in plain C: the K axis
   in blocks of LD__KC, B packed into slivers of LD__NR columns, A into
   slivers of LD__MR rows (zero-padded at the edges), and a micro-kernel
   that keeps an LD__MR × LD__NR tile of C in vector registers (GNU vector
   extensions; the width follows the ISA: 512-bit with AVX-512, 256 with
   AVX, 128 with SSE2/NEON, scalar otherwise). Threads split the tiles of
   C; every element sums its K blocks in order and its K-block with the same
   kernel, so results do not depend on the thread count, nor on which other
   rows share the product. ld__gemm_ref is the plain triple loop it is
   tested against; it also serves when memory for packing is short.        */
#if defined(LD_NO_SIMD)
/* the portable scalar kernel, by request */
#elif (defined(__GNUC__) || defined(__clang__)) && defined(__AVX512F__)
#define LD__VBYTES 64
#elif (defined(__GNUC__) || defined(__clang__)) && defined(__AVX__)
#define LD__VBYTES 32
#elif (defined(__GNUC__) || defined(__clang__)) && (defined(__SSE2__) || defined(__ARM_NEON))
#define LD__VBYTES 16
#endif
#ifdef LD__VBYTES
#define LD__FMA_ACC(acc, a, b) ((acc) += (a) * (b)) /* one FMA: see the pragma at the kernel */
typedef ld_float ld__vec __attribute__((vector_size(LD__VBYTES)));
#define LD__ALIGNED __attribute__((aligned(64)))
#define LD__VL (LD__VBYTES / (int)sizeof(ld_float)) /* lanes per vector */
#define LD__MR (LD__VBYTES == 64 ? 8 : 6)            /* rows: 32 vector registers with AVX-512, 16 below */
#define LD__NV 2                                      /* vectors per row of the tile */
#else
/* The scalar kernel fuses its multiply-adds explicitly (C99 fma): left to
   the compiler, versioned and vectorised loops fused some and not others,
   and a row's value came to depend on its place in the product. */
#ifdef LD_LLM_DOUBLE
#define LD__FMA_ACC(acc, a, b) ((acc) = fma((a), (b), (acc)))
#else
#define LD__FMA_ACC(acc, a, b) ((acc) = fmaf((a), (b), (acc)))
#endif
typedef ld_float ld__vec;
#define LD__ALIGNED
#define LD__VL 1
#define LD__MR 4
#define LD__NV 4
#endif
#define LD__NR (LD__NV * LD__VL)
#define LD__KC 256
#define LD__NC 512

static void ld__gemm_ref(int M, int N, int K, const ld_float *A, long ars, long acs,
                         const ld_float *Bm, long brs, long bcs, ld_float *Cm, long ldc, int acc) {
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            ld_float s = 0;
            for (int k = 0; k < K; k++) s += A[i * ars + k * acs] * Bm[k * brs + j * bcs];
            Cm[(size_t)i * ldc + j] = acc ? Cm[(size_t)i * ldc + j] + s : s;
        }
}

/* The micro-kernel: an MR × NR tile of Σ_k a(r, k) b[k][0..NR): a(r, k) at
   a[r*sr + k*sk] (packed: sr = 1, sk = MR; or A read in place), b a packed
   sliver (kc × NR, 64-byte aligned). With to_c = 0 the tile goes to `tile`
   (MR × NR); else it is added to (first: stored into) C rows of stride ldc. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC optimize("fp-contract=fast") /* a*b + c as one FMA, as clang does by default */
#endif
/* One compiled body for every call: specialised clones were vectorised, and
   their multiply-adds fused, differently, so a row's value depended on where
   in the product it sat (measured with LD_NO_SIMD). */
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((noinline, noclone))
#elif defined(__clang__)
__attribute__((noinline))
#endif
static void ld__micro(int kc, const ld_float *a, long sr, long sk, const ld_float *b, ld_float *tile,
                      int to_c, ld_float *c, long ldc, int first) {
    ld__vec acc[LD__MR][LD__NV], zero;
    memset(&zero, 0, sizeof zero);
#pragma GCC unroll 16
    for (int r = 0; r < LD__MR; r++)
#pragma GCC unroll 4
        for (int j = 0; j < LD__NV; j++) acc[r][j] = zero;
    for (int k = 0; k < kc; k++) {
        ld__vec bv[LD__NV];
#pragma GCC unroll 4
        for (int j = 0; j < LD__NV; j++) bv[j] = *(const ld__vec *)(b + (size_t)LD__NR * k + LD__VL * j);
        const ld_float *ak = a + k * sk;
#pragma GCC unroll 16
        for (int r = 0; r < LD__MR; r++) {
            ld_float av = ak[r * sr];
#pragma GCC unroll 4
            for (int j = 0; j < LD__NV; j++) LD__FMA_ACC(acc[r][j], av, bv[j]);
        }
    }
    if (!to_c) {
#pragma GCC unroll 16
        for (int r = 0; r < LD__MR; r++)
#pragma GCC unroll 4
            for (int j = 0; j < LD__NV; j++) *(ld__vec *)(tile + (size_t)LD__NR * r + LD__VL * j) = acc[r][j];
        return;
    }
#pragma GCC unroll 16
    for (int r = 0; r < LD__MR; r++)
#pragma GCC unroll 4
        for (int j = 0; j < LD__NV; j++) {
            ld_float *p = c + r * ldc + LD__VL * j;
            ld__vec cv;
            if (first) cv = acc[r][j];
            else { memcpy(&cv, p, sizeof cv); cv += acc[r][j]; }
            memcpy(p, &cv, sizeof cv);   /* unaligned store */
        }
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif

/* Packing space, kept per thread and grown as needed: allocating it on every
   product made the kernel map and fault in fresh pages each time (measured:
   8% of a step). It lives until the thread ends. */
static LD__TLS char *ld__scratch_mem;
static LD__TLS size_t ld__scratch_cap;
static char *ld__scratch(size_t bytes) {
    if (bytes > ld__scratch_cap) {
        char *p = (char *)LD_MALLOC(bytes);
        if (!p) return NULL;
        LD_FREE(ld__scratch_mem);
        ld__scratch_mem = p;
        ld__scratch_cap = bytes;
    }
    return ld__scratch_mem;
}

static void ld__gemm(int M, int N, int K, const ld_float *A, long ars, long acs,
                     const ld_float *Bm, long brs, long bcs, ld_float *Cm, long ldc, int acc) {
    if (M <= 0 || N <= 0) return;
    if (K <= 0) {
        if (!acc) for (int i = 0; i < M; i++) memset(Cm + (size_t)i * ldc, 0, sizeof(ld_float) * N);
        return;
    }
    int nsa = (M + LD__MR - 1) / LD__MR;                  /* slivers of A   */
    size_t abytes = sizeof(ld_float) * (size_t)nsa * LD__MR * LD__KC;
    size_t bbytes = sizeof(ld_float) * (size_t)LD__NC * LD__KC;
    char *mem = ld__scratch(abytes + bbytes + 128);
    if (!mem) { ld__gemm_ref(M, N, K, A, ars, acs, Bm, brs, bcs, Cm, ldc, acc); return; }
    ld_float *Ap = (ld_float *)(((uintptr_t)mem + 63) & ~(uintptr_t)63);
    ld_float *Bp = (ld_float *)(((uintptr_t)Ap + abytes + 63) & ~(uintptr_t)63);
    /* one team of threads for the whole product; the blocks loop inside it */
    LD__OMP_PARALLEL((long)M * N * K / 32)
    for (int jc = 0; jc < N; jc += LD__NC) {
        int nc = LD__MIN(LD__NC, N - jc), nsb = (nc + LD__NR - 1) / LD__NR;
        for (int pc = 0; pc < K; pc += LD__KC) {
            int kc = LD__MIN(LD__KC, K - pc), first = pc == 0 && !acc;
            /* pack B[pc.., jc..] into slivers of NR columns: Bp[s][k][j] */
            LD__OMP_FOR_IN
            for (int sb = 0; sb < nsb; sb++) {
                ld_float *d = Bp + (size_t)sb * kc * LD__NR;
                int j0 = jc + sb * LD__NR, nj = LD__MIN(LD__NR, jc + nc - j0);
                if (brs == 1 && bcs != 1) { /* columns of B are contiguous: read along k */
                    for (int j = 0; j < LD__NR; j++) {
                        const ld_float *src = Bm + pc + (j0 + j) * bcs;
                        if (j < nj) for (int k = 0; k < kc; k++) d[(size_t)k * LD__NR + j] = src[k];
                        else for (int k = 0; k < kc; k++) d[(size_t)k * LD__NR + j] = 0;
                    }
                } else
                    for (int k = 0; k < kc; k++, d += LD__NR) {
                        const ld_float *src = Bm + (pc + k) * brs + j0 * bcs;
                        int j = 0;
                        for (; j < nj; j++) d[j] = src[j * bcs];
                        for (; j < LD__NR; j++) d[j] = 0;
                    }
            }
            /* pack A[.., pc..] into slivers of MR rows, Ap[s][k][r] — only where
               it cannot be read in place: a last, partial sliver (zero-padded), or
               an A with neither stride 1 */
            LD__OMP_FOR_IN
            for (int sa = 0; sa < nsa; sa++) {
                ld_float *d = Ap + (size_t)sa * kc * LD__MR;
                int i0 = sa * LD__MR, ni = LD__MIN(LD__MR, M - i0);
                if (ni == LD__MR && (acs == 1 || ars == 1)) continue;
                if (acs == 1 && ars != 1) { /* rows of A are contiguous: read along k */
                    for (int r = 0; r < LD__MR; r++) {
                        const ld_float *src = A + (i0 + r) * ars + pc;
                        if (r < ni) for (int k = 0; k < kc; k++) d[(size_t)k * LD__MR + r] = src[k];
                        else for (int k = 0; k < kc; k++) d[(size_t)k * LD__MR + r] = 0;
                    }
                } else
                    for (int k = 0; k < kc; k++, d += LD__MR) {
                        const ld_float *src = A + i0 * ars + (pc + k) * acs;
                        int r = 0;
                        for (; r < ni; r++) d[r] = src[r * ars];
                        for (; r < LD__MR; r++) d[r] = 0;
                    }
            }
            /* every tile of C, each by one thread */
            LD__OMP_FOR_IN
            for (long t = 0; t < (long)nsa * nsb; t++) {
                int sa = (int)(t / nsb), sb = (int)(t % nsb);
                int i0 = sa * LD__MR, j0 = jc + sb * LD__NR;
                int ni = LD__MIN(LD__MR, M - i0), nj = LD__MIN(LD__NR, jc + nc - j0);
                const ld_float *ap = Ap + (size_t)sa * kc * LD__MR;
                long sr = 1, sk = LD__MR;
                if (ni == LD__MR && acs == 1) { ap = A + i0 * ars + pc; sr = ars; sk = 1; }
                else if (ni == LD__MR && ars == 1) { ap = A + i0 + pc * acs; sr = 1; sk = acs; }
                const ld_float *bp = Bp + (size_t)sb * kc * LD__NR;
                ld_float tile[LD__MR * LD__NR] LD__ALIGNED;
                if (ni == LD__MR && nj == LD__NR) { /* a full tile goes straight into C */
                    ld__micro(kc, ap, sr, sk, bp, tile, 1, Cm + (size_t)i0 * ldc + j0, ldc, first);
                    continue;
                }
                ld__micro(kc, ap, sr, sk, bp, tile, 0, Cm, ldc, 0);
                for (int r = 0; r < ni; r++) {
                    ld_float *c = Cm + (size_t)(i0 + r) * ldc + j0;
                    const ld_float *tr = tile + (size_t)r * LD__NR;
                    if (first) for (int j = 0; j < nj; j++) c[j] = tr[j];
                    else for (int j = 0; j < nj; j++) c[j] += tr[j];
                }
            }
        }
    }
}

LDDEF void ld_matmul_forward_ref(ld_float *out, const ld_float *inp, const ld_float *w,
                                 const ld_float *bias, int N, int C, int OC) {
    for (int n = 0; n < N; n++)
        for (int o = 0; o < OC; o++) {
            ld_float s = bias ? bias[o] : 0;
            for (int i = 0; i < C; i++) s += inp[(size_t)n * C + i] * w[(size_t)o * C + i];
            out[(size_t)n * OC + o] = s;
        }
}

/* A product on the model's accelerator if it takes it, else on the CPU. */
static void ld__mm(const ld_accel *x, int M, int N, int K, const ld_float *A, long ars, long acs,
                   const ld_float *Bm, long brs, long bcs, ld_float *Cm, long ldc, int acc) {
    if (x && x->gemm && x->gemm(x->ctx, M, N, K, A, ars, acs, Bm, brs, bcs, Cm, ldc, acc) == 0) return;
    ld__gemm(M, N, K, A, ars, acs, Bm, brs, bcs, Cm, ldc, acc);
}

/* The linear layers below take the accelerator x (NULL: the CPU); the model
   passes its own, the public ld_matmul_* pass NULL. */
static void ld__matmul_forward(const ld_accel *x, ld_float *out, const ld_float *inp, const ld_float *w,
                               const ld_float *bias, int N, int C, int OC) {
    /* out = inp · wᵀ: A = inp (N,C), B(k=c, j=o) = w[o*C + c] */
    ld__mm(x, N, OC, C, inp, C, 1, w, 1, C, out, OC, 0);
    if (bias) {
        LD__OMP_FOR((long)N * OC)
        for (int n = 0; n < N; n++)
            for (int o = 0; o < OC; o++) out[(size_t)n * OC + o] += bias[o];
    }
}

LDDEF void ld_matmul_forward(ld_float *out, const ld_float *inp, const ld_float *w,
                             const ld_float *bias, int N, int C, int OC) {
    ld__matmul_forward(NULL, out, inp, w, bias, N, C, OC);
}

static void ld__matmul_backward(const ld_accel *x, ld_float *dinp, ld_float *dw, ld_float *dbias,
                                const ld_float *dout, const ld_float *inp,
                                const ld_float *w, int N, int C, int OC) {
    if (dinp) ld__mm(x, N, C, OC, dout, OC, 1, w, C, 1, dinp, C, 1);      /* dout · w      */
    if (dw) ld__mm(x, OC, C, N, dout, 1, OC, inp, C, 1, dw, C, 1);        /* doutᵀ · inp   */
    if (dbias) ld__colsum(dbias, dout, NULL, NULL, NULL, N, OC);
}

LDDEF void ld_matmul_backward(ld_float *dinp, ld_float *dw, ld_float *dbias,
                              const ld_float *dout, const ld_float *inp,
                              const ld_float *w, int N, int C, int OC) {
    ld__matmul_backward(NULL, dinp, dw, dbias, dout, inp, w, N, C, OC);
}

static void ld__matmul_jvp(const ld_accel *x, ld_float *tout, const ld_float *inp, const ld_float *tinp,
                           const ld_float *w, const ld_float *tw, const ld_float *tbias,
                           int N, int C, int OC) {
    int acc = 0;
    if (tinp) { ld__mm(x, N, OC, C, tinp, C, 1, w, 1, C, tout, OC, 0); acc = 1; }
    if (tw) { ld__mm(x, N, OC, C, inp, C, 1, tw, 1, C, tout, OC, acc); acc = 1; }
    if (!acc) memset(tout, 0, sizeof(ld_float) * (size_t)N * OC);
    if (tbias) {
        LD__OMP_FOR((long)N * OC)
        for (int n = 0; n < N; n++)
            for (int o = 0; o < OC; o++) tout[(size_t)n * OC + o] += tbias[o];
    }
}

LDDEF void ld_matmul_jvp(ld_float *tout, const ld_float *inp, const ld_float *tinp,
                         const ld_float *w, const ld_float *tw, const ld_float *tbias,
                         int N, int C, int OC) {
    ld__matmul_jvp(NULL, tout, inp, tinp, w, tw, tbias, N, C, OC);
}

/* exp(x) for x ≤ 0, n values. In
   the float build with vector extensions: Cody–Waite range reduction
   x = k ln2 + r, |r| ≤ ln2/2, a degree-6 polynomial for e^r (Cephes'
   expf coefficients, about 1 ulp) and 2^k from the exponent bits, a vector
   at a time (x below −87 gives exp(−87) ≈ 1.6e−38, the smallest normal
   float's neighbourhood); the last partial vector is padded, so every
   element takes the same arithmetic wherever it sits. Elsewhere (the double
   build, no vector extensions) the C library's exp.
   Measured: GELU's scalar exp was a quarter of a training step.           */
#if defined(LD__VBYTES) && !defined(LD_LLM_DOUBLE)
typedef int32_t ld__veci __attribute__((vector_size(LD__VBYTES)));
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC optimize("fp-contract=fast")
#endif
static ld__vec ld__exp_neg_vec(ld__vec x) {
    ld__vec lo;                     /* −87 in every lane (not x − x − 87: NaN for x = −∞) */
    for (int i = 0; i < LD__VL; i++) lo[i] = -87.0f;
    ld__veci below = x < lo;
    x = (ld__vec)(((ld__veci)x & ~below) | ((ld__veci)lo & below));
    ld__vec t = x * 1.44269504088896341f + 12582912.0f;      /* 1.5·2^23 rounds k to an integer */
    ld__vec k = t - 12582912.0f;
    ld__vec r = x - k * 0.693359375f - k * -2.12194440e-4f;
    ld__vec p = x - x + 1.9875691500e-4f;   /* x is finite now (or NaN) */
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    ld__veci e = (((ld__veci)t - 0x4B400000) + 127) << 23;    /* 2^k */
    return p * (ld__vec)e;
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif
static void ld__exp_neg(ld_float *y, const ld_float *x, long n) {
    long i = 0;
    ld__vec v;
    for (; i + LD__VL <= n; i += LD__VL) {
        memcpy(&v, x + i, sizeof v);
        v = ld__exp_neg_vec(v);
        memcpy(y + i, &v, sizeof v);
    }
    if (i < n) {
        ld_float pad[LD__VL];
        for (int j = 0; j < LD__VL; j++) pad[j] = i + j < n ? x[i + j] : 0;
        memcpy(&v, pad, sizeof v);
        v = ld__exp_neg_vec(v);
        memcpy(pad, &v, sizeof v);
        for (int j = 0; i + j < n; j++) y[i + j] = pad[j];
    }
}
#else
static void ld__exp_neg(ld_float *y, const ld_float *x, long n) {
    for (long i = 0; i < n; i++) y[i] = LD__EXP(x[i]);
}
#endif

/* Row t of the attention: scores a[0..t] scaled and soft-maxed (causal), the
   rest of the row zero. */
static void ld__att_softmax_row(ld_float *a, int t, int T, ld_float scale) {
    ld_float mx = -INFINITY;
    for (int t2 = 0; t2 <= t; t2++) { a[t2] *= scale; if (a[t2] > mx) mx = a[t2]; }
    for (int t2 = 0; t2 <= t; t2++) a[t2] -= mx;
    ld__exp_neg(a, a, t + 1);
    double sum = 0;
    for (int t2 = 0; t2 <= t; t2++) sum += a[t2];
    ld_float inv = (ld_float)(1.0 / sum);
    for (int t2 = 0; t2 <= t; t2++) a[t2] *= inv;
    for (int t2 = t + 1; t2 < T; t2++) a[t2] = 0;
}

/* Attention through the GEMM, one (batch row, head) at a time: with Q, K, V
   the head's (T, hs) slices of qkv (row stride 3C),
     S = Q Kᵀ · scale,  P = causal softmax(S) (zero above the diagonal),  O = P V,
   by blocks of LD__QB queries: block [r0, r1) needs only the keys and values
   0..r1, so the products skip most of the upper triangle (measured: a third
   of the attention's multiplications at T = 256). Threads split the (b, h)
   pairs; each product inside runs on its thread.                          */
#define LD__QB 64
LDDEF void ld_attention_forward(ld_float *out, ld_float *att, const ld_float *qkv,
                                int B, int T, int C, int NH) {
    int hs = C / NH;
    long C3 = 3L * C;
    ld_float scale = (ld_float)(1.0 / sqrt((double)hs));
    LD__OMP_FOR((long)B * NH * T * T * hs)
    for (int bh = 0; bh < B * NH; bh++) {
        int b = bh / NH, h = bh % NH;
        const ld_float *q = qkv + (size_t)b * T * C3 + h * hs, *k = q + C, *v = q + 2 * C;
        ld_float *P = att + (size_t)bh * T * T, *o = out + (size_t)b * T * C + h * hs;
        for (int r0 = 0; r0 < T; r0 += LD__QB) {
            int r1 = LD__MIN(T, r0 + LD__QB), R = r1 - r0;
            ld__gemm(R, r1, hs, q + r0 * C3, C3, 1, k, 1, C3, P + (size_t)r0 * T, T, 0);        /* S = Q Kᵀ */
            for (int t = r0; t < r1; t++) ld__att_softmax_row(P + (size_t)t * T, t, T, scale);
            ld__gemm(R, hs, r1, P + (size_t)r0 * T, T, 1, v, C3, 1, o + (size_t)r0 * C, C, 0);  /* O = P V */
        }
    }
}

/* One query of ld_attention_forward: position t of batch row b, every head,
   with the same arithmetic (so incremental decoding matches a full forward
   bit for bit). Positions 0..t of qkv must be filled. */
static void ld__attention_query(ld_float *out, ld_float *att, const ld_float *qkv, int b, int t, int T, int C, int NH) {
    int hs = C / NH;
    long C3 = 3L * C;
    ld_float scale = (ld_float)(1.0 / sqrt((double)hs));
    for (int h = 0; h < NH; h++) {
        const ld_float *k = qkv + (size_t)b * T * C3 + C + h * hs, *v = k + C, *q = qkv + ((size_t)b * T + t) * C3 + h * hs;
        ld_float *P = att + (((size_t)b * NH + h) * T + t) * T;
        ld__gemm(1, T, hs, q, C3, 1, k, 1, C3, P, T, 0);
        ld__att_softmax_row(P, t, T, scale);
        ld__gemm(1, hs, T, P, T, 1, v, C3, 1, out + ((size_t)b * T + t) * C + h * hs, C, 0);
    }
}

/*   dP = dO Vᵀ,  dS = P ⊙ (dP − rowsum(P ⊙ dP)) · scale,
     dQ += dS K,  dK += dSᵀ Q,  dV += Pᵀ dO,  by the same blocks of queries. */
LDDEF void ld_attention_backward(ld_float *dqkv, ld_float *datt, const ld_float *dout,
                                 const ld_float *qkv, const ld_float *att,
                                 int B, int T, int C, int NH) {
    int hs = C / NH;
    long C3 = 3L * C;
    ld_float scale = (ld_float)(1.0 / sqrt((double)hs));
    LD__OMP_FOR((long)B * NH * T * T * hs)
    for (int bh = 0; bh < B * NH; bh++) {
        int b = bh / NH, h = bh % NH;
        const ld_float *q = qkv + (size_t)b * T * C3 + h * hs, *k = q + C, *v = q + 2 * C;
        const ld_float *P = att + (size_t)bh * T * T, *dO = dout + (size_t)b * T * C + h * hs;
        ld_float *dS = datt + (size_t)bh * T * T;
        ld_float *dq = dqkv + (size_t)b * T * C3 + h * hs, *dk = dq + C, *dv = dq + 2 * C;
        for (int r0 = 0; r0 < T; r0 += LD__QB) {
            int r1 = LD__MIN(T, r0 + LD__QB), R = r1 - r0;
            const ld_float *Pb = P + (size_t)r0 * T, *dOb = dO + (size_t)r0 * C;
            ld_float *dSb = dS + (size_t)r0 * T;
            ld__gemm(R, r1, hs, dOb, C, 1, v, 1, C3, dSb, T, 0);                 /* dP = dO Vᵀ */
            for (int t = r0; t < r1; t++) {
                const ld_float *a = P + (size_t)t * T;
                ld_float *d = dS + (size_t)t * T;
                double s = 0;
                for (int t2 = 0; t2 <= t; t2++) s += a[t2] * d[t2];
                ld_float sf = (ld_float)s;
                for (int t2 = 0; t2 <= t; t2++) d[t2] = a[t2] * (d[t2] - sf) * scale;
                for (int t2 = t + 1; t2 < r1; t2++) d[t2] = 0;
            }
            ld__gemm(R, hs, r1, dSb, T, 1, k, C3, 1, dq + r0 * C3, C3, 1);       /* dQ += dS K   */
            ld__gemm(r1, hs, R, dSb, 1, T, q + r0 * C3, C3, 1, dk, C3, 1);       /* dK += dSᵀ Q  */
            ld__gemm(r1, hs, R, Pb, 1, T, dOb, C, 1, dv, C3, 1);                 /* dV += Pᵀ dO  */
        }
    }
}

/*   tS = (tQ Kᵀ + Q tKᵀ) · scale,  tP = P ⊙ (tS − rowsum(P ⊙ tS)),
     tO = tP V + P tV,  by the same blocks of queries.                       */
LDDEF void ld_attention_jvp(ld_float *tout, ld_float *tatt, const ld_float *qkv,
                            const ld_float *tqkv, const ld_float *att,
                            int B, int T, int C, int NH) {
    int hs = C / NH;
    long C3 = 3L * C;
    ld_float scale = (ld_float)(1.0 / sqrt((double)hs));
    LD__OMP_FOR((long)B * NH * T * T * hs)
    for (int bh = 0; bh < B * NH; bh++) {
        int b = bh / NH, h = bh % NH;
        const ld_float *q = qkv + (size_t)b * T * C3 + h * hs, *k = q + C, *v = q + 2 * C;
        const ld_float *tq = tqkv + (size_t)b * T * C3 + h * hs, *tk = tq + C, *tv = tq + 2 * C;
        const ld_float *P = att + (size_t)bh * T * T;
        ld_float *tP = tatt + (size_t)bh * T * T, *o = tout + (size_t)b * T * C + h * hs;
        for (int r0 = 0; r0 < T; r0 += LD__QB) {
            int r1 = LD__MIN(T, r0 + LD__QB), R = r1 - r0;
            ld_float *tPb = tP + (size_t)r0 * T;
            ld__gemm(R, r1, hs, tq + r0 * C3, C3, 1, k, 1, C3, tPb, T, 0);      /* tQ Kᵀ    */
            ld__gemm(R, r1, hs, q + r0 * C3, C3, 1, tk, 1, C3, tPb, T, 1);      /* + Q tKᵀ  */
            for (int t = r0; t < r1; t++) {
                const ld_float *a = P + (size_t)t * T;
                ld_float *d = tP + (size_t)t * T;
                double s = 0;
                for (int t2 = 0; t2 <= t; t2++) { d[t2] *= scale; s += a[t2] * d[t2]; }
                ld_float sf = (ld_float)s;
                for (int t2 = 0; t2 <= t; t2++) d[t2] = a[t2] * (d[t2] - sf);
                for (int t2 = t + 1; t2 < r1; t2++) d[t2] = 0;
            }
            ld__gemm(R, hs, r1, tPb, T, 1, v, C3, 1, o + (size_t)r0 * C, C, 0);            /* tP V     */
            ld__gemm(R, hs, r1, P + (size_t)r0 * T, T, 1, tv, C3, 1, o + (size_t)r0 * C, C, 1); /* + P tV */
        }
    }
}

#define LD__GELU_S 0.7978845608028654 /* √(2/π) */

/* th[i] = tanh(u(x[i])), u = √(2/π)(x + 0.044715x³), for n ≤ LD__CHUNK values:
   tanh u = sign(u) (1 − e)/(1 + e) with e = exp(−2|u|), one exp.          */
#define LD__CHUNK 256
static void ld__gelu_tanh(ld_float *th, const ld_float *x, long n) {
    ld_float e[LD__CHUNK] = {0};
    for (long i = 0; i < n; i++) {
        ld_float u = (ld_float)LD__GELU_S * (x[i] + (ld_float)0.044715 * x[i] * x[i] * x[i]);
        e[i] = -2 * (u < 0 ? -u : u);
        th[i] = u;
    }
    ld__exp_neg(e, e, n);
    for (long i = 0; i < n; i++) {
        ld_float t = (1 - e[i]) / (1 + e[i]);
        th[i] = th[i] < 0 ? -t : t;
    }
}

/* d gelu / dx = ½(1 + tanh u) + ½ x (1 − tanh² u) √(2/π)(1 + 3·0.044715 x²) */
static ld_float ld__gelu_grad(ld_float x, ld_float th) {
    return (ld_float)0.5 * (1 + th) +
           (ld_float)0.5 * x * (1 - th * th) * (ld_float)LD__GELU_S * (1 + (ld_float)(3 * 0.044715) * x * x);
}

/* The GELU loops run in chunks: the tanh of a chunk, then the rest. */
#define LD__GELU_LOOP(body)                                                    \
    long nch = ((long)n + LD__CHUNK - 1) / LD__CHUNK;                          \
    LD__OMP_FOR((long)n * 8)                                                   \
    for (long c = 0; c < nch; c++) {                                           \
        ld_float th[LD__CHUNK];                                                \
        long i0 = c * LD__CHUNK, m = LD__MIN(LD__CHUNK, (long)n - i0);         \
        ld__gelu_tanh(th, inp + i0, m);                                        \
        for (long i = 0; i < m; i++) { long k = i0 + i; body; }                \
    }

LDDEF void ld_gelu_forward(ld_float *out, const ld_float *inp, size_t n) {
    LD__GELU_LOOP(out[k] = (ld_float)0.5 * inp[k] * (1 + th[i]))
}

LDDEF void ld_gelu_backward(ld_float *dinp, const ld_float *inp, const ld_float *dout, size_t n) {
    LD__GELU_LOOP(dinp[k] += ld__gelu_grad(inp[k], th[i]) * dout[k])
}

LDDEF void ld_gelu_jvp(ld_float *tout, const ld_float *inp, const ld_float *tinp, size_t n) {
    LD__GELU_LOOP(tout[k] = ld__gelu_grad(inp[k], th[i]) * tinp[k])
}

LDDEF void ld_residual_forward(ld_float *out, const ld_float *a, const ld_float *b, size_t n) {
    LD__OMP_FOR((long)n * 8)
    for (long i = 0; i < (long)n; i++) out[i] = a[i] + b[i];
}

/* Softmax of one row; returns log Σ exp z (double). One exp per entry
   (ld__exp_neg, vectorised in the float build); the sum in double. */
static double ld__softmax_row(ld_float *p, const ld_float *z, int V) {
    ld_float mx = z[0];
    for (int v = 1; v < V; v++) if (z[v] > mx) mx = z[v];
    for (int v = 0; v < V; v++) p[v] = z[v] - mx;
    ld__exp_neg(p, p, V);
    double sum = 0;
    for (int v = 0; v < V; v++) sum += p[v];
    ld_float inv = (ld_float)(1.0 / sum);
    for (int v = 0; v < V; v++) p[v] *= inv;
    return (double)mx + log(sum);
}

LDDEF void ld_softmax_forward(ld_float *probs, const ld_float *logits, int N, int V) {
    LD__OMP_FOR((long)N * V)
    for (int n = 0; n < N; n++) ld__softmax_row(probs + (size_t)n * V, logits + (size_t)n * V, V);
}

/* ----------------------------------------------------------------- >>model */

/* Pointer to layer l's slice of a layered activation of `per` elements per row. */
#define LD__LAYER(ptr, l, size) ((ptr) + (size_t)(l) * (size))

/* Checks a batch; with need_response = 0 an empty response is allowed
   (generation only needs the prompt). Returns the padded length in *Tb. */
static ld_status ld__check_batch(const ld_model *m, const ld_seq *seqs, int B, int need_response, int *Tb) {
    if (!m || !m->theta) return ld__fail(LD_ERR_ARG, "model is NULL or not initialised");
    if (!seqs) return ld__fail(LD_ERR_ARG, "sequences are NULL");
    if (B < 1 || B > m->B) return ld__fail(LD_ERR_ARG, "batch of %d rows; this model holds 1..%d", B, m->B);
    int T = 0, V = m->cfg.vocab_size;
    for (int b = 0; b < B; b++) {
        const ld_seq *s = &seqs[b];
        if (s->len < 1 || s->len > m->T)
            return ld__fail(LD_ERR_LENGTH, "row %d has length %d; this model takes 1..%d tokens (context %d)",
                            b, s->len, m->T, m->cfg.context);
        if (!s->tokens) return ld__fail(LD_ERR_ARG, "row %d has no tokens", b);
        if (s->prompt_len < 1 || s->prompt_len > s->len || (need_response && s->prompt_len == s->len))
            return ld__fail(LD_ERR_LENGTH, "row %d: prompt length %d with length %d leaves %s", b,
                            s->prompt_len, s->len, s->prompt_len < 1 ? "no prompt token (need ≥ 1)" : "an empty response");
        for (int t = 0; t < s->len; t++)
            if (s->tokens[t] < 0 || s->tokens[t] >= V)
                return ld__fail(LD_ERR_TOKEN, "token %d at row %d, position %d is outside [0, %d)", s->tokens[t], b, t, V);
        if (s->len > T) T = s->len;
    }
    *Tb = T;
    return LD_OK;
}

static void ld__forward_checked(ld_model *m, const ld_seq *seqs, int B, int T) {
    const ld_config *c = &m->cfg;
    int C = c->n_embd, L = c->n_layer, NH = c->n_head, V = c->vocab_size;
    int N = B * T;
    size_t BTC = (size_t)N * C, BT = (size_t)N, BTT = (size_t)B * NH * T * T;
    /* the per-layer stride of layered activations is set by the capacity */
    size_t sC = (size_t)m->B * m->T * C, sR = (size_t)m->B * m->T, sA = (size_t)m->B * NH * m->T * m->T;
    ld_acts *a = &m->a;
    ld_params *w = &m->w;
    (void)BTC; (void)BT; (void)BTT;

    m->cur_B = B; m->cur_T = T;
    for (int b = 0; b < B; b++) {
        m->len[b] = seqs[b].len;
        m->prompt_len[b] = seqs[b].prompt_len;
        for (int t = 0; t < T; t++) m->tokens[b * T + t] = t < seqs[b].len ? seqs[b].tokens[t] : c->eot_token;
    }

    ld_encoder_forward(a->encoded, m->tokens, w->wte, w->wpe, B, T, C);
    for (int l = 0; l < L; l++) {
        const ld_float *res = l == 0 ? a->encoded : LD__LAYER(a->residual3, l - 1, sC);
        ld_float *ln1 = LD__LAYER(a->ln1, l, sC), *qkv = LD__LAYER(a->qkv, l, 3 * sC);
        ld_float *att = LD__LAYER(a->att, l, sA), *atty = LD__LAYER(a->atty, l, sC);
        ld_float *res2 = LD__LAYER(a->residual2, l, sC), *ln2 = LD__LAYER(a->ln2, l, sC);
        ld_float *fch = LD__LAYER(a->fch, l, 4 * sC), *fchg = LD__LAYER(a->fch_gelu, l, 4 * sC);
        ld_float *res3 = LD__LAYER(a->residual3, l, sC);
        /* a = x + attn(LN1(x)) */
        ld_layernorm_forward(ln1, LD__LAYER(a->ln1_mean, l, sR), LD__LAYER(a->ln1_rstd, l, sR), res,
                             w->ln1w + l * C, w->ln1b + l * C, N, C, c->ln_eps);
        ld__matmul_forward(m->accel, qkv, ln1, w->qkvw + (size_t)l * 3 * C * C, w->qkvb + l * 3 * C, N, C, 3 * C);
        ld_attention_forward(atty, att, qkv, B, T, C, NH);
        ld__matmul_forward(m->accel, a->scratch, atty, w->attprojw + (size_t)l * C * C, w->attprojb + l * C, N, C, C);
        ld_residual_forward(res2, res, a->scratch, (size_t)N * C);
        /* x' = a + mlp(LN2(a)) */
        ld_layernorm_forward(ln2, LD__LAYER(a->ln2_mean, l, sR), LD__LAYER(a->ln2_rstd, l, sR), res2,
                             w->ln2w + l * C, w->ln2b + l * C, N, C, c->ln_eps);
        ld__matmul_forward(m->accel, fch, ln2, w->fcw + (size_t)l * 4 * C * C, w->fcb + l * 4 * C, N, C, 4 * C);
        ld_gelu_forward(fchg, fch, (size_t)N * 4 * C);
        ld__matmul_forward(m->accel, a->scratch, fchg, w->fcprojw + (size_t)l * 4 * C * C, w->fcprojb + l * C, N, 4 * C, C);
        ld_residual_forward(res3, res2, a->scratch, (size_t)N * C);
    }
    ld_layernorm_forward(a->lnf, a->lnf_mean, a->lnf_rstd, LD__LAYER(a->residual3, L - 1, sC),
                         w->lnfw, w->lnfb, N, C, c->ln_eps);
    ld__matmul_forward(m->accel, a->logits, a->lnf, c->untied_head ? w->lmhead : w->wte, NULL, N, C, V);

    ld_logits_to_logprobs(m);
    if (m->d.logits) memset(m->d.logits, 0, sizeof(ld_float) * (size_t)N * V);
}

LDDEF void ld_logits_to_logprobs(ld_model *m) {
    int B = m->cur_B, T = m->cur_T, V = m->cfg.vocab_size, N = B * T;
    ld_acts *a = &m->a;
    /* π and the log-probs of the next tokens: log π_t[χ_{t+1}] = z − log Σ exp z */
    LD__OMP_FOR((long)N * V)
    for (int n = 0; n < N; n++) {
        int b = n / T, t = n % T;
        double lse = ld__softmax_row(a->probs + (size_t)n * V, a->logits + (size_t)n * V, V);
        m->tok_logp[n] = t < m->len[b] - 1 ? (double)a->logits[(size_t)n * V + m->tokens[n + 1]] - lse : 0.0;
    }
    for (int b = 0; b < B; b++) {
        double s = 0;
        for (int t = m->prompt_len[b] - 1; t < m->len[b] - 1; t++) s += m->tok_logp[b * T + t];
        m->seq_logp[b] = s;
    }
}

/* After a forward: LD_ERR_NAN if a log-prob is not finite, which finite
   parameters cannot produce (the log-softmax runs in double). */
static ld_status ld__check_logp(const ld_model *m) {
    for (int b = 0; b < m->cur_B; b++)
        for (int t = 0; t < m->len[b] - 1; t++)
            if (!isfinite(m->tok_logp[b * m->cur_T + t]))
                return ld__fail(LD_ERR_NAN, "log π at row %d, position %d is %g: θ holds a NaN or infinity, "
                                            "or overflows", b, t, m->tok_logp[b * m->cur_T + t]);
    return LD_OK;
}

LDDEF ld_status ld_forward(ld_model *m, const ld_seq *seqs, int B) {
    int T = 0;
    ld_status s = ld__check_batch(m, seqs, B, 1, &T);
    if (s) return s;
    ld__forward_checked(m, seqs, B, T);
    return ld__check_logp(m);
}

LDDEF void ld_zero_grad(ld_model *m) {
    if (m && m->grad) memset(m->grad, 0, sizeof(ld_float) * m->P);
}

LDDEF ld_status ld_backward_into(ld_model *m, ld_float *grad_out) {
    if (!m || !m->theta) return ld__fail(LD_ERR_ARG, "model is NULL or not initialised");
    if (!(m->flags & LD_TRAIN)) return ld__fail(LD_ERR_ARG, "the backward pass needs a model made with LD_TRAIN");
    if (!grad_out) return ld__fail(LD_ERR_ARG, "gradient buffer is NULL");
    if (m->cur_B == 0) return ld__fail(LD_ERR_ARG, "backward before any forward");
    const ld_config *c = &m->cfg;
    int B = m->cur_B, T = m->cur_T, C = c->n_embd, L = c->n_layer, NH = c->n_head, V = c->vocab_size;
    int N = B * T;
    size_t sC = (size_t)m->B * m->T * C, sR = (size_t)m->B * m->T, sA = (size_t)m->B * NH * m->T * m->T;
    size_t nC = (size_t)N * C;
    ld_acts *a = &m->a;
    ld_dacts *d = &m->d;
    ld_params *w = &m->w, g;
    ld__param_views(&g, grad_out, c);

    /* the head: z = LNf(x) · Wᵀ, W = wte (tied) or lm_head */
    memset(d->ln, 0, sizeof(ld_float) * nC);
    ld__matmul_backward(m->accel, d->ln, c->untied_head ? g.lmhead : g.wte, NULL, d->logits, a->lnf,
                       c->untied_head ? w->lmhead : w->wte, N, C, V);
    memset(d->residual, 0, sizeof(ld_float) * nC);
    ld_layernorm_backward(d->residual, g.lnfw, g.lnfb, d->ln, LD__LAYER(a->residual3, L - 1, sC),
                          w->lnfw, a->lnf_mean, a->lnf_rstd, N, C);
    for (int l = L - 1; l >= 0; l--) {
        const ld_float *res = l == 0 ? a->encoded : LD__LAYER(a->residual3, l - 1, sC);
        /* d->residual holds ∂L/∂x' (block output); the skip passes it to a */
        memset(d->fch_gelu, 0, sizeof(ld_float) * 4 * nC);
        ld__matmul_backward(m->accel, d->fch_gelu, g.fcprojw + (size_t)l * 4 * C * C, g.fcprojb + l * C, d->residual,
                           LD__LAYER(a->fch_gelu, l, 4 * sC), w->fcprojw + (size_t)l * 4 * C * C, N, 4 * C, C);
        memset(d->fch, 0, sizeof(ld_float) * 4 * nC);
        ld_gelu_backward(d->fch, LD__LAYER(a->fch, l, 4 * sC), d->fch_gelu, 4 * nC);
        memset(d->ln, 0, sizeof(ld_float) * nC);
        ld__matmul_backward(m->accel, d->ln, g.fcw + (size_t)l * 4 * C * C, g.fcb + l * 4 * C, d->fch,
                           LD__LAYER(a->ln2, l, sC), w->fcw + (size_t)l * 4 * C * C, N, C, 4 * C);
        ld_layernorm_backward(d->residual, g.ln2w + l * C, g.ln2b + l * C, d->ln, LD__LAYER(a->residual2, l, sC),
                              w->ln2w + l * C, LD__LAYER(a->ln2_mean, l, sR), LD__LAYER(a->ln2_rstd, l, sR), N, C);
        /* now ∂L/∂a; the skip passes it to x */
        memset(d->atty, 0, sizeof(ld_float) * nC);
        ld__matmul_backward(m->accel, d->atty, g.attprojw + (size_t)l * C * C, g.attprojb + l * C, d->residual,
                           LD__LAYER(a->atty, l, sC), w->attprojw + (size_t)l * C * C, N, C, C);
        memset(d->qkv, 0, sizeof(ld_float) * 3 * nC);
        ld_attention_backward(d->qkv, d->att, d->atty, LD__LAYER(a->qkv, l, 3 * sC), LD__LAYER(a->att, l, sA),
                              B, T, C, NH);
        memset(d->ln, 0, sizeof(ld_float) * nC);
        ld__matmul_backward(m->accel, d->ln, g.qkvw + (size_t)l * 3 * C * C, g.qkvb + l * 3 * C, d->qkv,
                           LD__LAYER(a->ln1, l, sC), w->qkvw + (size_t)l * 3 * C * C, N, C, 3 * C);
        ld_layernorm_backward(d->residual, g.ln1w + l * C, g.ln1b + l * C, d->ln, res, w->ln1w + l * C,
                              LD__LAYER(a->ln1_mean, l, sR), LD__LAYER(a->ln1_rstd, l, sR), N, C);
    }
    ld_encoder_backward(g.wte, g.wpe, d->residual, m->tokens, B, T, C);
    return LD_OK;
}

LDDEF ld_status ld_backward(ld_model *m) {
    if (m && m->theta && !m->grad) return ld__fail(LD_ERR_ARG, "the backward pass needs a model made with LD_TRAIN");
    return ld_backward_into(m, m ? m->grad : NULL);
}

LDDEF ld_status ld_jvp(ld_model *m, const ld_float *v) {
    if (!m || !m->theta) return ld__fail(LD_ERR_ARG, "model is NULL or not initialised");
    if (!(m->flags & LD_JVP)) return ld__fail(LD_ERR_ARG, "the JVP needs a model made with LD_JVP");
    if (!v) return ld__fail(LD_ERR_ARG, "direction is NULL");
    if (m->cur_B == 0) return ld__fail(LD_ERR_ARG, "JVP before any forward");
    const ld_config *c = &m->cfg;
    int B = m->cur_B, T = m->cur_T, C = c->n_embd, L = c->n_layer, NH = c->n_head, V = c->vocab_size;
    int N = B * T;
    size_t sC = (size_t)m->B * m->T * C, sR = (size_t)m->B * m->T, sA = (size_t)m->B * NH * m->T * m->T;
    ld_acts *a = &m->a;
    ld_dacts *t = &m->t;
    ld_params *w = &m->w, tv;
    ld__param_views(&tv, (ld_float *)v, c);

    /* t->residual carries the tangent of the residual stream, layer by layer */
    ld_encoder_jvp(t->residual, m->tokens, tv.wte, tv.wpe, B, T, C);
    for (int l = 0; l < L; l++) {
        const ld_float *res = l == 0 ? a->encoded : LD__LAYER(a->residual3, l - 1, sC);
        ld_layernorm_jvp(t->ln, res, t->residual, w->ln1w + l * C, tv.ln1w + l * C, tv.ln1b + l * C,
                         LD__LAYER(a->ln1_mean, l, sR), LD__LAYER(a->ln1_rstd, l, sR), N, C);
        ld__matmul_jvp(m->accel, t->qkv, LD__LAYER(a->ln1, l, sC), t->ln, w->qkvw + (size_t)l * 3 * C * C,
                      tv.qkvw + (size_t)l * 3 * C * C, tv.qkvb + l * 3 * C, N, C, 3 * C);
        ld_attention_jvp(t->atty, t->att, LD__LAYER(a->qkv, l, 3 * sC), t->qkv, LD__LAYER(a->att, l, sA),
                         B, T, C, NH);
        ld__matmul_jvp(m->accel, t->scratch, LD__LAYER(a->atty, l, sC), t->atty, w->attprojw + (size_t)l * C * C,
                      tv.attprojw + (size_t)l * C * C, tv.attprojb + l * C, N, C, C);
        ld_residual_forward(t->residual, t->residual, t->scratch, (size_t)N * C);
        ld_layernorm_jvp(t->ln, LD__LAYER(a->residual2, l, sC), t->residual, w->ln2w + l * C,
                         tv.ln2w + l * C, tv.ln2b + l * C, LD__LAYER(a->ln2_mean, l, sR),
                         LD__LAYER(a->ln2_rstd, l, sR), N, C);
        ld__matmul_jvp(m->accel, t->fch, LD__LAYER(a->ln2, l, sC), t->ln, w->fcw + (size_t)l * 4 * C * C,
                      tv.fcw + (size_t)l * 4 * C * C, tv.fcb + l * 4 * C, N, C, 4 * C);
        ld_gelu_jvp(t->fch_gelu, LD__LAYER(a->fch, l, 4 * sC), t->fch, (size_t)N * 4 * C);
        ld__matmul_jvp(m->accel, t->scratch, LD__LAYER(a->fch_gelu, l, 4 * sC), t->fch_gelu,
                      w->fcprojw + (size_t)l * 4 * C * C, tv.fcprojw + (size_t)l * 4 * C * C,
                      tv.fcprojb + l * C, N, 4 * C, C);
        ld_residual_forward(t->residual, t->residual, t->scratch, (size_t)N * C);
    }
    ld_layernorm_jvp(t->ln, LD__LAYER(a->residual3, L - 1, sC), t->residual, w->lnfw, tv.lnfw, tv.lnfb,
                     a->lnf_mean, a->lnf_rstd, N, C);
    ld__matmul_jvp(m->accel, t->logits, a->lnf, t->ln, c->untied_head ? w->lmhead : w->wte,
                  c->untied_head ? tv.lmhead : tv.wte, NULL, N, C, V);
    return LD_OK;
}

/* Picks the next token from logits z (V): greedy, or sampled with
   temperature and top-k. work: (V) doubles and (V) ints of scratch. */
static int ld__sample(const ld_float *z, int V, const ld_sample_opts *o, ld_rng *rng,
                      double *pw, int *idx) {
    int best = 0;
    for (int v = 1; v < V; v++) if (z[v] > z[best]) best = v;
    if (!o || !(o->temperature > 0) || !rng) return best;
    int k = (o->top_k > 0 && o->top_k < V) ? o->top_k : V;
    /* the k largest by value (ties: lower id first), by partial selection */
    for (int v = 0; v < V; v++) idx[v] = v;
    for (int i = 0; i < k; i++) {
        int bi = i;
        for (int j = i + 1; j < V; j++)
            if (z[idx[j]] > z[idx[bi]] || (z[idx[j]] == z[idx[bi]] && idx[j] < idx[bi])) bi = j;
        int tmp = idx[i]; idx[i] = idx[bi]; idx[bi] = tmp;
        if (k == V && i == 0) break; /* the full softmax needs no ordering */
    }
    int n = k;
    double mx = z[best], sum = 0;
    for (int i = 0; i < n; i++) { pw[i] = exp(((double)z[idx[i]] - mx) / o->temperature); sum += pw[i]; }
    double u = ld_rng_uniform(rng) * sum, acc = 0;
    for (int i = 0; i < n; i++) { acc += pw[i]; if (u < acc) return idx[i]; }
    return idx[n - 1];
}

/* The forward pass at one position t of batch row b only, after a forward
   laid out with row stride cur_T: positions before t are read from the
   activation buffers (the keys and values act as the cache). Same arithmetic
   as the full forward, so the logits at (b, t) are bit for bit those of a
   full forward on the sequence. Writes the logits at (b, t), not π. */
static void ld__forward_pos(ld_model *m, int b, int t) {
    const ld_config *c = &m->cfg;
    int T = m->cur_T, C = c->n_embd, L = c->n_layer, NH = c->n_head, V = c->vocab_size;
    size_t n = (size_t)b * T + t;
    size_t sC = (size_t)m->B * m->T * C, sR = (size_t)m->B * m->T, sA = (size_t)m->B * NH * m->T * m->T;
    ld_acts *a = &m->a;
    ld_params *w = &m->w;
    ld_encoder_forward(a->encoded + n * C, m->tokens + n, w->wte, w->wpe + (size_t)t * C, 1, 1, C);
    for (int l = 0; l < L; l++) {
        const ld_float *res = (l == 0 ? a->encoded : LD__LAYER(a->residual3, l - 1, sC)) + n * C;
        ld_float *ln1 = LD__LAYER(a->ln1, l, sC) + n * C, *qkv = LD__LAYER(a->qkv, l, 3 * sC);
        ld_float *atty = LD__LAYER(a->atty, l, sC), *res2 = LD__LAYER(a->residual2, l, sC) + n * C;
        ld_float *ln2 = LD__LAYER(a->ln2, l, sC) + n * C, *fch = LD__LAYER(a->fch, l, 4 * sC) + n * 4 * C;
        ld_float *fchg = LD__LAYER(a->fch_gelu, l, 4 * sC) + n * 4 * C, *res3 = LD__LAYER(a->residual3, l, sC) + n * C;
        ld_layernorm_forward(ln1, LD__LAYER(a->ln1_mean, l, sR) + n, LD__LAYER(a->ln1_rstd, l, sR) + n, res,
                             w->ln1w + l * C, w->ln1b + l * C, 1, C, c->ln_eps);
        ld__matmul_forward(m->accel, qkv + n * 3 * C, ln1, w->qkvw + (size_t)l * 3 * C * C, w->qkvb + l * 3 * C, 1, C, 3 * C);
        ld__attention_query(atty, LD__LAYER(a->att, l, sA), qkv, b, t, T, C, NH);
        ld__matmul_forward(m->accel, a->scratch, atty + n * C, w->attprojw + (size_t)l * C * C, w->attprojb + l * C, 1, C, C);
        ld_residual_forward(res2, res, a->scratch, (size_t)C);
        ld_layernorm_forward(ln2, LD__LAYER(a->ln2_mean, l, sR) + n, LD__LAYER(a->ln2_rstd, l, sR) + n, res2,
                             w->ln2w + l * C, w->ln2b + l * C, 1, C, c->ln_eps);
        ld__matmul_forward(m->accel, fch, ln2, w->fcw + (size_t)l * 4 * C * C, w->fcb + l * 4 * C, 1, C, 4 * C);
        ld_gelu_forward(fchg, fch, (size_t)4 * C);
        ld__matmul_forward(m->accel, a->scratch, fchg, w->fcprojw + (size_t)l * 4 * C * C, w->fcprojb + l * C, 1, 4 * C, C);
        ld_residual_forward(res3, res2, a->scratch, (size_t)C);
    }
    ld_layernorm_forward(a->lnf + n * C, a->lnf_mean + n, a->lnf_rstd + n, LD__LAYER(a->residual3, L - 1, sC) + n * C,
                         w->lnfw, w->lnfb, 1, C, c->ln_eps);
    ld__matmul_forward(m->accel, a->logits + n * V, a->lnf + n * C, c->untied_head ? w->lmhead : w->wte, NULL, 1, C, V);
}

LDDEF ld_status ld_generate(ld_model *m, const ld_seq *prompts, int B, int max_new,
                            const ld_sample_opts *opts, ld_rng *rng, int *out, int *out_len) {
    int T0 = 0;
    ld_status s = ld__check_batch(m, prompts, B, 0, &T0);
    if (s) return s;
    if (!out || !out_len) return ld__fail(LD_ERR_ARG, "output buffers are NULL");
    if (max_new < 0) return ld__fail(LD_ERR_ARG, "max_new %d < 0", max_new);
    if (opts && (!isfinite(opts->temperature) || opts->temperature < 0 || opts->top_k < 0))
        return ld__fail(LD_ERR_ARG, "sampling options: temperature %g (need 0 ≤ t < ∞), top_k %d (need ≥ 0)",
                        opts->temperature, opts->top_k);
    if (opts && opts->temperature > 0 && !rng) return ld__fail(LD_ERR_ARG, "sampling needs an rng");
    int V = m->cfg.vocab_size, Tcap = m->T, eot = m->cfg.eot_token;
    double *pw = (double *)LD_MALLOC(sizeof(double) * V);
    int *idx = (int *)LD_MALLOC(sizeof(int) * V), *done = (int *)LD_MALLOC(sizeof(int) * B);
    if (!pw || !idx || !done) {
        LD_FREE(pw); LD_FREE(idx); LD_FREE(done);
        return ld__fail(LD_ERR_OOM, "generation scratch");
    }
    /* one forward over the prompts, laid out for the full capacity, then one
       position at a time: each new token costs one position, not a whole pass */
    ld__forward_checked(m, prompts, B, Tcap);
    for (int b = 0; b < B && max_new > 0; b++) {
        if (prompts[b].len >= Tcap) continue; /* full: it samples nothing */
        const ld_float *z = m->a.logits + ((size_t)b * Tcap + prompts[b].len - 1) * V;
        for (int v = 0; v < V; v++)
            if (!isfinite(z[v])) {
                LD_FREE(pw); LD_FREE(idx); LD_FREE(done);
                m->cur_B = 0;
                return ld__fail(LD_ERR_NAN, "the logits after prompt %d are not finite: θ holds a NaN or infinity", b);
            }
    }
    for (int b = 0; b < B; b++) {
        memcpy(out + (size_t)b * Tcap, prompts[b].tokens, sizeof(int) * prompts[b].len);
        out_len[b] = prompts[b].len;
        done[b] = out_len[b] >= Tcap || max_new == 0;
    }
    for (int step = 0; step < max_new; step++) {
        int active = 0;
        for (int b = 0; b < B; b++) {
            if (done[b]) continue;
            int pos = out_len[b] - 1;
            int tok = ld__sample(m->a.logits + ((size_t)b * Tcap + pos) * V, V, opts, rng, pw, idx);
            out[(size_t)b * Tcap + out_len[b]++] = tok;
            if (out_len[b] >= Tcap || (tok == eot && !(opts && opts->no_stop))) { done[b] = 1; continue; }
            m->tokens[(size_t)b * Tcap + pos + 1] = tok;
            ld__forward_pos(m, b, pos + 1);
            active++;
        }
        if (!active) break;
    }
    m->cur_B = 0; /* the buffers hold no teacher-forced forward now: losses and backward refuse */
    LD_FREE(pw); LD_FREE(idx); LD_FREE(done);
    return LD_OK;
}

/* ---------------------------------------------------------------- >>losses */

/* G_l = c (π_l − e_{y_l}) on every response token of row b. */
static void ld__write_residual(ld_model *m, int b, double c) {
    int T = m->cur_T, V = m->cfg.vocab_size;
    for (int t = m->prompt_len[b] - 1; t < m->len[b] - 1; t++) {
        size_t row = ((size_t)b * T + t) * V;
        ld_float *g = m->d.logits + row;
        const ld_float *p = m->a.probs + row;
        for (int v = 0; v < V; v++) g[v] = (ld_float)(c * p[v]);
        g[m->tokens[b * T + t + 1]] -= (ld_float)c;
    }
}

LDDEF double ld_sft_loss(ld_model *m, ld_norm norm) {
    if (!m || !m->d.logits || m->cur_B == 0) {
        ld__fail(LD_ERR_ARG, "the SFT loss needs a forward pass on a model made with LD_TRAIN");
        return NAN;
    }
    if (norm != LD_NORM_SEQ_SUM && norm != LD_NORM_TOKEN_MEAN) {
        ld__fail(LD_ERR_ARG, "unknown normalisation %d", (int)norm);
        return NAN;
    }
    int B = m->cur_B;
    long ntok = 0;
    double loss = 0;
    for (int b = 0; b < B; b++) {
        ntok += m->len[b] - m->prompt_len[b];
        loss -= m->seq_logp[b];
    }
    double c = norm == LD_NORM_TOKEN_MEAN ? 1.0 / (double)ntok : 1.0 / B;
    for (int b = 0; b < B; b++) ld__write_residual(m, b, c);
    return loss * c;
}

LDDEF int ld_pref_needs_ref(ld_pref_kind kind) { return kind != LD_SIMPO && kind != LD_ORPO; }

LDDEF ld_pref_opts ld_pref_opts_resolve(const ld_pref_opts *o) {
    ld_pref_opts r;
    if (o) r = *o; else memset(&r, 0, sizeof r);
    if (r.beta == 0) r.beta = r.kind == LD_SIMPO ? 2.0 : 0.1;
    if (r.lambda == 0) r.lambda = r.kind == LD_DPOP ? 50.0 : r.kind == LD_ORPO ? 0.1 : 0.0;
    if (r.gamma == 0 && r.kind == LD_SIMPO) r.gamma = 0.5;
    return r;
}

/* Resolved preference options in range, or LD_ERR_ARG and why. */
static ld_status ld__pref_opts_check(const ld_pref_opts *o) {
    if ((int)o->kind < 0 || o->kind > LD_ORPO) return ld__fail(LD_ERR_ARG, "unknown preference loss %d", (int)o->kind);
    if (!(o->beta > 0) || !isfinite(o->beta) || !(o->eps >= 0 && o->eps <= 0.5) || !(o->lambda >= 0) ||
        !isfinite(o->lambda) || !isfinite(o->gamma) || !(o->nll_alpha >= 0) || !isfinite(o->nll_alpha))
        return ld__fail(LD_ERR_ARG, "preference options out of range (β %g > 0, ε %g in [0, 0.5], λ %g ≥ 0, γ %g, α %g ≥ 0)",
                        o->beta, o->eps, o->lambda, o->gamma, o->nll_alpha);
    return LD_OK;
}

static double ld__sigmoid(double u) { return u >= 0 ? 1 / (1 + exp(-u)) : exp(u) / (1 + exp(u)); }
static double ld__log_sigmoid(double u) { return u >= 0 ? -log1p(exp(-u)) : u - log1p(exp(u)); }

LDDEF ld_status ld_pref_loss(ld_model *m, const ld_pref_opts *opts, const double *ref_logp,
                             ld_pref_metrics *out, double *coef) {
    if (!m || !m->d.logits || m->cur_B == 0)
        return ld__fail(LD_ERR_ARG, "the preference loss needs a forward pass on a model made with LD_TRAIN");
    if (m->cur_B % 2) return ld__fail(LD_ERR_ARG, "a preference batch has 2N rows (chosen, then rejected); got %d", m->cur_B);
    ld_pref_opts o = ld_pref_opts_resolve(opts);
    ld_status os = ld__pref_opts_check(&o);
    if (os) return os;
    int N = m->cur_B / 2;
    int need_ref = ld_pref_needs_ref(o.kind);
    if (need_ref && !ref_logp) return ld__fail(LD_ERR_ARG, "this loss compares against a reference: ref_logp is NULL");
    if (need_ref)
        for (int b = 0; b < 2 * N; b++)
            if (!isfinite(ref_logp[b])) return ld__fail(LD_ERR_NAN, "reference log-prob of row %d is %g", b, ref_logp[b]);
    ld_pref_metrics mt;
    memset(&mt, 0, sizeof mt);
    const double beta = o.beta;
    /* the per-row coefficients, checked before anything of the caller's is written */
    double *cf = (double *)LD_MALLOC(sizeof(double) * 2 * N);
    if (!cf) return ld__fail(LD_ERR_OOM, "%d coefficients", 2 * N);
    for (int i = 0; i < N; i++) {
        int bc = i, br = i + N;
        double sc = m->seq_logp[bc], sr = m->seq_logp[br];
        double Lc = m->len[bc] - m->prompt_len[bc], Lr = m->len[br] - m->prompt_len[br];
        double h = need_ref ? (sc - ref_logp[bc]) - (sr - ref_logp[br]) : 0;
        double loss = 0, cc = 0, cr = 0, rc, rr;
        switch (o.kind) {
        case LD_DPO: {
            double u = beta * h;
            loss = -ld__log_sigmoid(u);
            cc = beta * ld__sigmoid(-u); cr = -cc;
            break;
        }
        case LD_CDPO: {
            double u = beta * h;
            loss = -(1 - o.eps) * ld__log_sigmoid(u) - o.eps * ld__log_sigmoid(-u);
            cc = beta * ((1 - o.eps) * ld__sigmoid(-u) - o.eps * ld__sigmoid(u)); cr = -cc;
            break;
        }
        case LD_IPO: {
            double d = h - 1 / (2 * beta);
            loss = d * d;
            cc = 1 / beta - 2 * h; cr = -cc;
            break;
        }
        case LD_HINGE:
            loss = beta * h < 1 ? 1 - beta * h : 0;
            cc = beta * h < 1 ? beta : 0; cr = -cc;
            break;
        case LD_DPOP: {
            double below = sc < ref_logp[bc] ? 1 : 0, pen = below * (ref_logp[bc] - sc);
            double u = beta * (h - o.lambda * pen);
            loss = -ld__log_sigmoid(u);
            cc = beta * ld__sigmoid(-u) * (1 + o.lambda * below);
            cr = -beta * ld__sigmoid(-u);
            break;
        }
        case LD_SIMPO: {
            double u = beta * sc / Lc - beta * sr / Lr - o.gamma;
            loss = -ld__log_sigmoid(u);
            cc = beta / Lc * ld__sigmoid(-u); cr = -beta / Lr * ld__sigmoid(-u);
            break;
        }
        case LD_ORPO: {
            /* o = log p̄ − log(1 − p̄) with log p̄ = s/L; log(1 − e^a) = log(−expm1(a)) */
            /* p̄ = 1 (a = 0) would make o infinite: keep a a hair below 0 */
            double ac = LD__MIN(sc / Lc, -1e-12), ar = LD__MIN(sr / Lr, -1e-12);
            double oc = ac - log(-expm1(ac)), orr = ar - log(-expm1(ar));
            double u = oc - orr, sgm = ld__sigmoid(-u);
            loss = -ac - o.lambda * ld__log_sigmoid(u);
            cc = 1 / Lc + o.lambda * sgm / (Lc * -expm1(ac));
            cr = -o.lambda * sgm / (Lr * -expm1(ar));
            break;
        }
        }
        if (o.nll_alpha > 0) { loss += o.nll_alpha * (-sc / Lc); cc += o.nll_alpha / Lc; }
        if (need_ref) { rc = beta * (sc - ref_logp[bc]); rr = beta * (sr - ref_logp[br]); }
        else {
            double k = o.kind == LD_ORPO ? o.lambda : beta;
            rc = k * sc / Lc; rr = k * sr / Lr;
        }
        mt.loss += loss;
        mt.rewards_chosen += rc; mt.rewards_rejected += rr;
        mt.rewards_accuracies += rc > rr;
        mt.logps_chosen += sc; mt.logps_rejected += sr;
        cf[bc] = cc / N; cf[br] = cr / N;
    }
    mt.loss /= N; mt.rewards_chosen /= N; mt.rewards_rejected /= N; mt.rewards_accuracies /= N;
    mt.logps_chosen /= N; mt.logps_rejected /= N;
    mt.rewards_margins = mt.rewards_chosen - mt.rewards_rejected;
    int bad = !isfinite(mt.loss);
    for (int b = 0; b < 2 * N; b++) bad |= !isfinite(cf[b]);
    if (bad) {
        LD_FREE(cf);
        return ld__fail(LD_ERR_NAN, "the preference loss is %g (or a residual is not finite); G left as it was", mt.loss);
    }
    for (int b = 0; b < 2 * N; b++) {
        ld__write_residual(m, b, cf[b]);
        if (coef) coef[b] = cf[b];
    }
    LD_FREE(cf);
    if (out) *out = mt;
    return LD_OK;
}

/* ----------------------------------------------------------------- >>optim */

LDDEF ld_optim_config ld_optim_config_resolve(const ld_optim_config *cfg) {
    ld_optim_config c;
    if (cfg) c = *cfg; else memset(&c, 0, sizeof c);
    if (c.lr == 0) c.lr = 1e-3;
    if (c.beta1 == 0) c.beta1 = 0.9;
    if (c.beta2 == 0) c.beta2 = c.kind == LD_OPT_RMSPROP ? 0.99 : 0.999;
    if (c.eps == 0) c.eps = 1e-8;
    return c;
}

LDDEF ld_status ld_optim_init(ld_optim *o, const ld_model *m, const ld_optim_config *cfg) {
    if (!o) return ld__fail(LD_ERR_ARG, "optimizer is NULL");
    memset(o, 0, sizeof *o);
    if (!m || !m->theta) return ld__fail(LD_ERR_ARG, "model is NULL or not initialised");
    ld_optim_config c = ld_optim_config_resolve(cfg);
    if ((int)c.kind < 0 || c.kind > LD_OPT_RMSPROP) return ld__fail(LD_ERR_ARG, "unknown optimizer kind %d", (int)c.kind);
    if (!(c.lr > 0) || !(c.beta1 >= 0 && c.beta1 < 1) || !(c.beta2 >= 0 && c.beta2 < 1) || !(c.eps > 0) ||
        !(c.weight_decay >= 0) || !(c.momentum >= 0 && c.momentum < 1) || !(c.grad_clip >= 0))
        return ld__fail(LD_ERR_ARG, "optimizer settings out of range (lr %g, betas %g %g, eps %g, wd %g, momentum %g, clip %g)",
                        c.lr, c.beta1, c.beta2, c.eps, c.weight_decay, c.momentum, c.grad_clip);
    size_t P = m->P;
    ld_float *buf = (ld_float *)LD_MALLOC(sizeof(ld_float) * 3 * P);
    if (!buf) return ld__fail(LD_ERR_OOM, "optimizer state of %zu bytes", sizeof(ld_float) * 3 * P);
    memset(buf, 0, sizeof(ld_float) * 3 * P);
    o->cfg = c; o->P = P;
    o->delta = buf; o->m1 = buf + P; o->m2 = buf + 2 * P;
    o->clip_scale = 1;
    return LD_OK;
}

LDDEF void ld_optim_free(ld_optim *o) {
    if (!o) return;
    LD_FREE(o->delta);
    memset(o, 0, sizeof *o);
}

/* Σ x² in double, in fixed 4096-element chunks (same answer at any thread count). */
static double ld__sumsq(const ld_float *x, size_t n) {
    size_t nch = (n + 4095) / 4096;
    double *part = (double *)LD_MALLOC(sizeof(double) * (nch ? nch : 1));
    double s = 0;
    if (!part) { for (size_t i = 0; i < n; i++) s += (double)x[i] * x[i]; return s; }
    LD__OMP_FOR((long)n)
    for (long ch = 0; ch < (long)nch; ch++) {
        size_t e = LD__MIN(n, (size_t)(ch + 1) * 4096);
        double p = 0;
        for (size_t i = (size_t)ch * 4096; i < e; i++) p += (double)x[i] * x[i];
        part[ch] = p;
    }
    for (size_t ch = 0; ch < nch; ch++) s += part[ch];
    LD_FREE(part);
    return s;
}

LDDEF ld_status ld_optim_step(ld_optim *o, ld_model *m, double lr) {
    if (!o || !o->delta || !m || !m->grad) return ld__fail(LD_ERR_ARG, "optimizer or model not initialised (or model without LD_TRAIN)");
    if (o->P != m->P) return ld__fail(LD_ERR_SHAPE, "optimizer made for %zu parameters, model has %zu", o->P, m->P);
    if (!(lr >= 0) || !isfinite(lr)) return ld__fail(LD_ERR_ARG, "learning rate %g", lr);
    const ld_optim_config *c = &o->cfg;
    double norm2 = ld__sumsq(m->grad, m->P);
    if (!isfinite(norm2)) return ld__fail(LD_ERR_NAN, "the gradient holds a NaN or infinity; parameters left unchanged");
    double norm = sqrt(norm2), clip_scale = 1;
    if (c->grad_clip > 0) {
        /* torch.nn.utils.clip_grad_norm_: scale by min(1, clip / (‖g‖ + 1e-6)) */
        double sc = c->grad_clip / (norm + 1e-6);
        if (sc < 1) clip_scale = sc;
    }
    long step = o->step + 1;
    double bc1 = 1 - pow(c->beta1, (double)step), bc2 = 1 - pow(c->beta2, (double)step);
    ld_float step_size = (ld_float)(lr / bc1), bc2s = (ld_float)sqrt(bc2), scf = (ld_float)clip_scale;
    ld_float b1 = (ld_float)c->beta1, b2 = (ld_float)c->beta2, eps = (ld_float)c->eps;
    ld_float mom = (ld_float)c->momentum, lrf = (ld_float)lr;
    int clip = clip_scale < 1, first = step == 1;
    /* A step that would overflow θ or the moments is refused with
       everything as it was. Usually bounds settle it: max|g_i| ≤ ‖g‖, and
       bounds on max|θ|, max|m1|, max m2 carried from step to step give a
       bound on each new value, far below overflow for any sane η. When
       they do not (the first step, θ changed outside the optimizer, an
       absurd η), pass 0 works the whole step out, writing nothing, checks
       every new value and takes their exact maxima as the new bounds;
       pass 1 then takes the step. (|x| ≤ max rather than isfinite: it
       vectorises, and is false for NaN too.)                                */
    const ld_float big = LD__FLOAT_MAX;
    double gm = norm * clip_scale, wdm = c->weight_decay, T0 = o->th_max, A0 = o->m1_max, V0 = o->m2_max;
    /* the bounds also cover every intermediate product: a/ε ≥ a for ε ≤ 1 */
    double nT, nA = A0, nV = V0, u = gm + wdm * T0, ie = 1 / fmin(c->eps, 1.0);
    switch (c->kind) {
    case LD_OPT_ADAMW:
        nA = c->beta1 * A0 + (1 - c->beta1) * gm;
        nV = c->beta2 * V0 + (1 - c->beta2) * gm * gm;
        nT = T0 + lr * wdm * T0 + (lr / bc1) * nA * ie;
        break;
    case LD_OPT_SGD:
        if (c->momentum > 0) nA = first ? u : c->momentum * A0 + u;
        nT = T0 + lr * (c->momentum > 0 ? nA : u);
        break;
    default: /* RMSprop */
        nV = c->beta2 * V0 + (1 - c->beta2) * u * u;
        nT = T0 + lr * u * ie;
        break;
    }
    /* and the step's constants themselves must be finite in ld_float */
    int exact = !(o->bounds_ok && o->bound_version == m->theta_version && nT <= big / 4 && nA <= big / 4 &&
                  nV <= big / 4 && u * u <= big / 4 && lr / bc1 <= big / 4 && lr * (1 + wdm) <= big / 4);
    double nT0 = 0, nA0 = 0, nV0 = 0;
    for (int pass = exact ? 0 : 1; pass < 2; pass++) {
        int bad = 0;
        ld_float mT = 0, mA = 0, mV = 0;
        for (int k = 0; k < LD__NTENSORS; k++) {
            ld_tensor_info ti;
            ld_tensor_info_get(&m->cfg, k, &ti);
            ld_float wd = (ld_float)((ti.decay || c->decay_all) ? c->weight_decay : 0.0);
            ld_float *th = m->theta + ti.offset, *g = m->grad + ti.offset, *d = o->delta + ti.offset;
            ld_float *m1 = o->m1 + ti.offset, *m2 = o->m2 + ti.offset;
            long n = (long)ti.size;
/* one parameter: the clipped gradient G, then the update of the kind
   (M1, M2: its moments, D: Δθ), from g[i], θ[i] and the moments in m1, m2 */
#define LD__ADAMW(G, M1, M2, D) /* torch.optim.AdamW */                              \
            ld_float G = clip ? g[i] * scf : g[i];                                     \
            ld_float M1 = b1 * m1[i] + (1 - b1) * G;                                   \
            ld_float M2 = b2 * m2[i] + (1 - b2) * G * G;                               \
            ld_float D = -lrf * wd * th[i] - step_size * M1 / (LD__SQRT(M2) / bc2s + eps)
#define LD__SGD(G, M1, D) /* torch.optim.SGD, dampening 0, not Nesterov */           \
            ld_float G = clip ? g[i] * scf : g[i];                                     \
            ld_float M1 = G + wd * th[i];                                              \
            if (mom > 0) M1 = first ? M1 : mom * m1[i] + M1;                           \
            ld_float D = -lrf * M1
#define LD__RMSPROP(G, M2, D) /* torch.optim.RMSprop, not centred, no momentum */     \
            ld_float G = clip ? g[i] * scf : g[i];                                     \
            ld_float u_ = G + wd * th[i];                                              \
            ld_float M2 = b2 * m2[i] + (1 - b2) * u_ * u_;                             \
            ld_float D = -lrf * u_ / (LD__SQRT(M2) + eps)
#define LD__OK(x) (LD__FABS(x) <= big)
#define LD__MAXABS(mx, x) mx = LD__FABS(x) > mx ? LD__FABS(x) : mx
            if (pass == 0) {
                switch (c->kind) {
                case LD_OPT_ADAMW:
                    LD__OMP_FOR_CHECK(n * 8, bad, mT, mA, mV)
                    for (long i = 0; i < n; i++) {
                        LD__ADAMW(gi, a, v, di);
                        ld_float t = th[i] + di;
                        bad |= !(LD__OK(a) & LD__OK(v) & LD__OK(t));
                        LD__MAXABS(mT, t); LD__MAXABS(mA, a); LD__MAXABS(mV, v);
                    }
                    break;
                case LD_OPT_SGD:
                    LD__OMP_FOR_CHECK(n * 8, bad, mT, mA, mV)
                    for (long i = 0; i < n; i++) {
                        LD__SGD(gi, a, di);
                        ld_float t = th[i] + di;
                        bad |= !(LD__OK(a) & LD__OK(t));
                        LD__MAXABS(mT, t); LD__MAXABS(mA, a);
                    }
                    break;
                case LD_OPT_RMSPROP:
                    LD__OMP_FOR_CHECK(n * 8, bad, mT, mA, mV)
                    for (long i = 0; i < n; i++) {
                        LD__RMSPROP(gi, v, di);
                        ld_float t = th[i] + di;
                        bad |= !(LD__OK(v) & LD__OK(t));
                        LD__MAXABS(mT, t); LD__MAXABS(mV, v);
                    }
                    break;
                }
                /* the exact maxima of the new values, over every tensor */
                if ((double)mT > nT0) nT0 = mT;
                if ((double)mA > nA0) nA0 = mA;
                if ((double)mV > nV0) nV0 = mV;
            } else {
                switch (c->kind) {
                case LD_OPT_ADAMW:
                    LD__OMP_FOR(n * 8)
                    for (long i = 0; i < n; i++) { LD__ADAMW(gi, a, v, di); g[i] = gi; m1[i] = a; m2[i] = v; d[i] = di; th[i] += di; }
                    break;
                case LD_OPT_SGD:
                    LD__OMP_FOR(n * 8)
                    for (long i = 0; i < n; i++) { LD__SGD(gi, a, di); g[i] = gi; if (mom > 0) m1[i] = a; d[i] = di; th[i] += di; }
                    break;
                case LD_OPT_RMSPROP:
                    LD__OMP_FOR(n * 8)
                    for (long i = 0; i < n; i++) { LD__RMSPROP(gi, v, di); g[i] = gi; m2[i] = v; d[i] = di; th[i] += di; }
                    break;
                }
            }
#undef LD__ADAMW
#undef LD__SGD
#undef LD__RMSPROP
#undef LD__OK
#undef LD__MAXABS
        }
        if (pass == 0 && bad)
            return ld__fail(LD_ERR_NAN, "a step of learning rate %g would make θ or the optimizer's moments overflow; "
                                        "nothing was changed", lr);
        if (pass == 0) { nT = nT0; nA = c->kind == LD_OPT_RMSPROP ? 0 : nA0; nV = c->kind == LD_OPT_ADAMW || c->kind == LD_OPT_RMSPROP ? nV0 : 0; }
    }
    o->th_max = nT; o->m1_max = nA; o->m2_max = nV;
    o->grad_norm = norm;
    o->clip_scale = clip_scale;
    o->step = step;
    o->last_lr = lr;
    ld_params_changed(m);
    o->bounds_ok = 1;
    o->bound_version = m->theta_version;
    return LD_OK;
}

LDDEF ld_status ld_optim_precond(const ld_optim *o, ld_float *P) {
    if (!o || !o->delta || !P) return ld__fail(LD_ERR_ARG, "optimizer not initialised or P is NULL");
    if (o->step == 0) return ld__fail(LD_ERR_ARG, "no step taken yet");
    const ld_optim_config *c = &o->cfg;
    double lr = o->last_lr * o->clip_scale;
    double bc1 = 1 - pow(c->beta1, (double)o->step), bc2s = sqrt(1 - pow(c->beta2, (double)o->step));
    ld_float sz = (ld_float)(o->last_lr / bc1), b1 = (ld_float)c->beta1, bc2f = (ld_float)bc2s, eps = (ld_float)c->eps;
    ld_float clip = (ld_float)o->clip_scale;
    LD__OMP_FOR((long)o->P * 8)
    for (long i = 0; i < (long)o->P; i++) {
        switch (c->kind) {
        case LD_OPT_ADAMW: P[i] = clip * sz * (1 - b1) / (LD__SQRT(o->m2[i]) / bc2f + eps); break;
        case LD_OPT_SGD: P[i] = (ld_float)lr; break;
        case LD_OPT_RMSPROP: P[i] = clip * (ld_float)o->last_lr / (LD__SQRT(o->m2[i]) + eps); break;
        }
    }
    return LD_OK;
}

/* -------------------------------------------------------------- >>dynamics */

/* ⟨a, b⟩ (or ⟨a, d ⊙ b⟩) in double, in fixed 4096-element chunks, each
   summed in 8 interleaved lanes (a fixed order the compiler can vectorise;
   measured: the scalar sum was a tenth of an influence-tracking run). */
static double ld__dot_chunk(const ld_float *a, const ld_float *b, const ld_float *d, size_t n) {
    double lane[8] = { 0, 0, 0, 0, 0, 0, 0, 0 }, s = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        if (d) for (int j = 0; j < 8; j++) lane[j] += (double)a[i + j] * ((double)d[i + j] * b[i + j]);
        else for (int j = 0; j < 8; j++) lane[j] += (double)a[i + j] * b[i + j];
    for (int j = 0; j < 8; j++) s += lane[j];
    for (; i < n; i++) s += (double)a[i] * b[i] * (d ? d[i] : 1);
    return s;
}

static double ld__dot(const ld_float *a, const ld_float *b, const ld_float *d, size_t n) {
    size_t nch = (n + 4095) / 4096;
    double part_stack[64], *part = nch <= 64 ? part_stack : (double *)LD_MALLOC(sizeof(double) * nch);
    if (!part) return ld__dot_chunk(a, b, d, n);
    LD__OMP_FOR((long)n)
    for (long ch = 0; ch < (long)nch; ch++) {
        size_t o = (size_t)ch * 4096;
        part[ch] = ld__dot_chunk(a + o, b + o, d ? d + o : NULL, LD__MIN(n - o, (size_t)4096));
    }
    double s = 0;
    for (size_t ch = 0; ch < nch; ch++) s += part[ch];
    if (part != part_stack) LD_FREE(part);
    return s;
}

LDDEF void ld_dyn_A_apply(const ld_float *pi, const double *dz, double *out, int V) {
    double s = 0;
    for (int v = 0; v < V; v++) s += (double)pi[v] * dz[v];
    for (int v = 0; v < V; v++) out[v] = dz[v] - s;
}

LDDEF double ld_dyn_A_frob2(const ld_float *pi, int V) {
    double s = 0;
    for (int v = 0; v < V; v++) s += (double)pi[v] * pi[v];
    return V - 2 + V * s;
}

LDDEF void ld_dyn_A_matrix(const ld_float *pi, int V, double *A) {
    for (int i = 0; i < V; i++)
        for (int j = 0; j < V; j++) A[(size_t)i * V + j] = (i == j) - (double)pi[j];
}

LDDEF double ld_dyn_G_norm(const ld_model *m, int b, int t) {
    if (!m || !m->d.logits || b < 0 || b >= m->cur_B || t < 0 || t >= m->cur_T) return NAN;
    const ld_float *g = m->d.logits + ((size_t)b * m->cur_T + t) * m->cfg.vocab_size;
    double s = 0;
    for (int v = 0; v < m->cfg.vocab_size; v++) s += (double)g[v] * g[v];
    return sqrt(s);
}

LDDEF ld_status ld_dyn_seq_grad(ld_model *m, const ld_seq *s, ld_float *grad, double *logp) {
    if (!m || !(m->flags & LD_TRAIN) || !grad) return ld__fail(LD_ERR_ARG, "needs a model made with LD_TRAIN and a gradient buffer");
    ld_status st = ld_forward(m, s, 1);
    if (st) return st;
    /* ∂ log π(y|χ)/∂z_l = e_{y_l} − π_l: the residual with c = −1 */
    ld__write_residual(m, 0, -1.0);
    memset(grad, 0, sizeof(ld_float) * m->P);
    if (logp) *logp = m->seq_logp[0];
    return ld_backward_into(m, grad);
}

LDDEF ld_status ld_dyn_seq_kernel(ld_model *m, const ld_seq *o, const ld_seq *u,
                                  const ld_float *precond, double *k) {
    if (!m || !k) return ld__fail(LD_ERR_ARG, "NULL argument");
    ld_float *g = (ld_float *)LD_MALLOC(sizeof(ld_float) * 2 * m->P);
    if (!g) return ld__fail(LD_ERR_OOM, "two gradients of %zu parameters", m->P);
    ld_status st = ld_dyn_seq_grad(m, o, g, NULL);
    if (!st) st = ld_dyn_seq_grad(m, u, g + m->P, NULL);
    if (!st) *k = ld__dot(g, g + m->P, precond, m->P);
    LD_FREE(g);
    return st;
}

LDDEF ld_status ld_dyn_K_block(ld_model *m, const ld_seq *o, int t_o, const ld_seq *u, int t_u, double *K) {
    if (!m || !o || !u || !K) return ld__fail(LD_ERR_ARG, "NULL argument");
    if ((m->flags & (LD_TRAIN | LD_JVP)) != (LD_TRAIN | LD_JVP) || m->B < 2)
        return ld__fail(LD_ERR_ARG, "K blocks need a model made with LD_TRAIN | LD_JVP and room for 2 rows");
    if (t_o < 0 || t_o >= o->len || t_u < 0 || t_u >= u->len)
        return ld__fail(LD_ERR_LENGTH, "positions %d, %d outside the sequences (lengths %d, %d)", t_o, t_u, o->len, u->len);
    ld_seq two[2] = { *o, *u };
    two[0].prompt_len = two[1].prompt_len = 1; /* positions, not responses, matter here */
    if (two[0].len < 2 || two[1].len < 2) return ld__fail(LD_ERR_LENGTH, "K blocks need sequences of 2 or more tokens");
    ld_status st = ld_forward(m, two, 2);
    if (st) return st;
    int V = m->cfg.vocab_size, T = m->cur_T;
    ld_float *g = (ld_float *)LD_MALLOC(sizeof(ld_float) * m->P);
    if (!g) return ld__fail(LD_ERR_OOM, "a gradient of %zu parameters", m->P);
    size_t at_u = ((size_t)1 * T + t_u) * V, at_o = ((size_t)0 * T + t_o) * V;
    for (int v2 = 0; v2 < V && !st; v2++) {
        /* ∇θ z_{t_u}[v'](χ_u), then J(χ_o) of it: column v' of the block */
        memset(m->d.logits, 0, sizeof(ld_float) * (size_t)2 * T * V);
        m->d.logits[at_u + v2] = 1;
        memset(g, 0, sizeof(ld_float) * m->P);
        st = ld_backward_into(m, g);
        if (!st) st = ld_jvp(m, g);
        for (int v = 0; v < V && !st; v++) K[(size_t)v * V + v2] = m->t.logits[at_o + v];
    }
    memset(m->d.logits, 0, sizeof(ld_float) * (size_t)2 * T * V);
    LD_FREE(g);
    return st;
}

/* The index of the first non-finite of x[0..n), or n. */
static size_t ld__first_nonfinite(const ld_float *x, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i])) return i;
    return n;
}

LDDEF ld_status ld_dyn_predict(ld_model *m, const ld_seq *s, const ld_float *dtheta, double *dlogp, double *dseq) {
    if (!m || !m->theta || !s || !dtheta) return ld__fail(LD_ERR_ARG, "NULL argument or model not initialised");
    size_t bad = ld__first_nonfinite(dtheta, m->P);
    if (bad < m->P) return ld__fail(LD_ERR_NAN, "Δθ[%zu] is %g", bad, (double)dtheta[bad]);
    ld_status st = ld_forward(m, s, 1);
    if (!st) st = ld_jvp(m, dtheta);
    if (st) return st;
    int V = m->cfg.vocab_size;
    double *dz = (double *)LD_MALLOC(sizeof(double) * 2 * V);
    if (!dz) return ld__fail(LD_ERR_OOM, "prediction scratch");
    double total = 0;
    for (int t = 0; t < s->len - 1; t++) {
        const ld_float *tz = m->t.logits + (size_t)t * V;
        for (int v = 0; v < V; v++) dz[v] = tz[v];
        ld_dyn_A_apply(m->a.probs + (size_t)t * V, dz, dz + V, V);   /* Δ log π_t = A_t Δz_t */
        if (dlogp) memcpy(dlogp + (size_t)t * V, dz + V, sizeof(double) * V);
        if (t >= s->prompt_len - 1) total += dz[V + s->tokens[t + 1]];
    }
    if (dseq) *dseq = total;
    LD_FREE(dz);
    return LD_OK;
}

LDDEF ld_status ld_dyn_measure(ld_model *m, const ld_seq *s, int n, const ld_float *dtheta, double *dseq) {
    if (!m || !m->theta || !s || !dtheta || !dseq || n < 1)
        return ld__fail(LD_ERR_ARG, "NULL argument, model not initialised, or n < 1");
    /* every sequence and Δθ checked before anything runs: dseq is written whole or not at all */
    int T;
    ld_status st = LD_OK;
    for (int i = 0; i < n; i += m->B)
        if ((st = ld__check_batch(m, s + i, LD__MIN(m->B, n - i), 1, &T))) {
            char why[512];
            snprintf(why, sizeof why, "%s", ld__reason);
            return ld__fail(st, "in the batch from sequence %d: %s", i, why);
        }
    size_t bad = ld__first_nonfinite(dtheta, m->P);
    if (bad < m->P) return ld__fail(LD_ERR_NAN, "Δθ[%zu] is %g", bad, (double)dtheta[bad]);
    ld_float *keep = (ld_float *)LD_MALLOC(sizeof(ld_float) * m->P);
    double *d = (double *)LD_MALLOC(sizeof(double) * n);
    if (!keep || !d) { LD_FREE(keep); LD_FREE(d); return ld__fail(LD_ERR_OOM, "a copy of θ"); }
    for (int i = 0; i < n && !st; i += m->B) {
        int k = LD__MIN(m->B, n - i);
        if (!(st = ld_forward(m, s + i, k))) for (int b = 0; b < k; b++) d[i + b] = -m->seq_logp[b];
    }
    memcpy(keep, m->theta, sizeof(ld_float) * m->P);
    for (size_t p = 0; p < m->P; p++) m->theta[p] += dtheta[p];
    ld_params_changed(m);
    for (int i = 0; i < n && !st; i += m->B) {
        int k = LD__MIN(m->B, n - i);
        if (!(st = ld_forward(m, s + i, k))) for (int b = 0; b < k; b++) d[i + b] += m->seq_logp[b];
    }
    memcpy(m->theta, keep, sizeof(ld_float) * m->P);
    ld_params_changed(m);
    if (!st) memcpy(dseq, d, sizeof(double) * n);
    LD_FREE(keep);
    LD_FREE(d);
    return st;
}

LDDEF void ld_dyn_top_tokens(const ld_float *pi, const double *dlogp, int V, int k, int *top, double *gain) {
    if (!pi || !dlogp || !top || !gain || V < 1) return;
    int sign = k < 0 ? -1 : 1, want = k < 0 ? (k < -V ? V : -k) : (k > V ? V : k);
    for (int i = 0; i < want; i++) {
        int best = -1;
        double bv = 0;
        for (int v = 0; v < V; v++) {
            int taken = 0;
            for (int j = 0; j < i; j++) taken |= top[j] == v;
            double g = sign * (double)pi[v] * dlogp[v];
            if (!taken && (best < 0 || g > bv)) { best = v; bv = g; }
        }
        top[i] = best;
        gain[i] = sign * bv;
    }
}

/* ------------------------------------------------------------------ >>json */

/* A small JSON parser: the document becomes an array of nodes in preorder.
   A container's children follow it; node.skip is the index just past its
   subtree, so the next sibling of node i is node nodes[i].skip.            */
typedef struct {
    char type;      /* 'o' object, 'a' array, 's' string, 'n' number, 't', 'f', 'z' (null) */
    int start, end; /* source span; for strings, the bytes between the quotes */
    int n;          /* children (an object has key, value, key, value, ...)   */
    int skip;
} ld__jnode;

typedef struct {
    ld__jnode *nodes;
    int count, cap;
    const char *src;
    int len, pos, depth;
    char err[160];
} ld__json;

static int ld__jerr(ld__json *j, const char *what) {
    if (!j->err[0]) snprintf(j->err, sizeof j->err, "%s at byte %d", what, j->pos);
    return -1;
}

static void ld__jws(ld__json *j) {
    while (j->pos < j->len && (j->src[j->pos] == ' ' || j->src[j->pos] == '\t' ||
                               j->src[j->pos] == '\n' || j->src[j->pos] == '\r'))
        j->pos++;
}

static int ld__jnew(ld__json *j, char type) {
    if (j->count == j->cap) {
        int nc = j->cap ? j->cap * 2 : 64;
        if (nc > (1 << 24)) return ld__jerr(j, "too many JSON values");
        ld__jnode *nn = (ld__jnode *)LD_MALLOC(sizeof(ld__jnode) * nc);
        if (!nn) return ld__jerr(j, "out of memory");
        if (j->nodes) memcpy(nn, j->nodes, sizeof(ld__jnode) * j->count);
        LD_FREE(j->nodes);
        j->nodes = nn;
        j->cap = nc;
    }
    ld__jnode *n = &j->nodes[j->count];
    n->type = type; n->start = j->pos; n->end = j->pos; n->n = 0; n->skip = 0;
    return j->count++;
}

/* Length of the UTF-8 sequence at s (≤ n bytes), 0 if invalid (overlong,
   surrogate, beyond U+10FFFF, truncated). */
static int ld__utf8_len(const unsigned char *s, int n) {
    unsigned c = s[0];
    if (c < 0x80) return 1;
    int k; unsigned cp;
    if ((c & 0xE0) == 0xC0) { k = 2; cp = c & 0x1F; }
    else if ((c & 0xF0) == 0xE0) { k = 3; cp = c & 0x0F; }
    else if ((c & 0xF8) == 0xF0) { k = 4; cp = c & 0x07; }
    else return 0;
    if (n < k) return 0;
    for (int i = 1; i < k; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((k == 2 && cp < 0x80) || (k == 3 && cp < 0x800) || (k == 4 && cp < 0x10000)) return 0;
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return k;
}

static int ld__jhex4(const char *s) {
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= c - '0';
        else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
        else return -1;
    }
    return v;
}

static int ld__jvalue(ld__json *j);

static int ld__jstring(ld__json *j) {
    int i = ld__jnew(j, 's');
    if (i < 0) return -1;
    j->pos++; /* opening quote */
    j->nodes[i].start = j->pos;
    while (1) {
        if (j->pos >= j->len) return ld__jerr(j, "unterminated string");
        unsigned char c = (unsigned char)j->src[j->pos];
        if (c == '"') break;
        if (c < 0x20) return ld__jerr(j, "control character in string");
        if (c == '\\') {
            if (j->pos + 1 >= j->len) return ld__jerr(j, "unterminated escape");
            char e = j->src[j->pos + 1];
            if (e == 'u') {
                if (j->pos + 6 > j->len || ld__jhex4(j->src + j->pos + 2) < 0) return ld__jerr(j, "bad \\u escape");
                j->pos += 6;
            } else if (strchr("\"\\/bfnrt", e) && e) {
                j->pos += 2;
            } else return ld__jerr(j, "bad escape");
            continue;
        }
        int k = ld__utf8_len((const unsigned char *)j->src + j->pos, j->len - j->pos);
        if (!k) return ld__jerr(j, "invalid UTF-8 in string");
        j->pos += k;
    }
    j->nodes[i].end = j->pos;
    j->pos++;
    j->nodes[i].skip = j->count;
    return i;
}

static int ld__jnumber(ld__json *j) {
    int i = ld__jnew(j, 'n');
    if (i < 0) return -1;
    const char *s = j->src;
    int p = j->pos;
    if (p < j->len && s[p] == '-') p++;
    if (p >= j->len || !(s[p] >= '0' && s[p] <= '9')) return ld__jerr(j, "bad number");
    if (s[p] == '0') p++;
    else while (p < j->len && s[p] >= '0' && s[p] <= '9') p++;
    if (p < j->len && s[p] == '.') {
        p++;
        if (p >= j->len || !(s[p] >= '0' && s[p] <= '9')) return ld__jerr(j, "bad number");
        while (p < j->len && s[p] >= '0' && s[p] <= '9') p++;
    }
    if (p < j->len && (s[p] == 'e' || s[p] == 'E')) {
        p++;
        if (p < j->len && (s[p] == '+' || s[p] == '-')) p++;
        if (p >= j->len || !(s[p] >= '0' && s[p] <= '9')) return ld__jerr(j, "bad number");
        while (p < j->len && s[p] >= '0' && s[p] <= '9') p++;
    }
    j->nodes[i].end = p;
    j->pos = p;
    j->nodes[i].skip = j->count;
    return i;
}

static int ld__jcontainer(ld__json *j, char type) {
    int i = ld__jnew(j, type);
    if (i < 0) return -1;
    if (++j->depth > 64) return ld__jerr(j, "JSON nested too deeply");
    char close = type == 'o' ? '}' : ']';
    j->pos++;
    ld__jws(j);
    if (j->pos < j->len && j->src[j->pos] == close) {
        j->pos++;
    } else {
        while (1) {
            ld__jws(j);
            if (type == 'o') {
                if (j->pos >= j->len || j->src[j->pos] != '"') return ld__jerr(j, "expected a string key");
                if (ld__jstring(j) < 0) return -1;
                j->nodes[i].n++;
                ld__jws(j);
                if (j->pos >= j->len || j->src[j->pos] != ':') return ld__jerr(j, "expected ':'");
                j->pos++;
            }
            if (ld__jvalue(j) < 0) return -1;
            j->nodes[i].n++;
            ld__jws(j);
            if (j->pos < j->len && j->src[j->pos] == ',') { j->pos++; continue; }
            if (j->pos < j->len && j->src[j->pos] == close) { j->pos++; break; }
            return ld__jerr(j, type == 'o' ? "expected ',' or '}'" : "expected ',' or ']'");
        }
    }
    j->depth--;
    j->nodes[i].end = j->pos;
    j->nodes[i].skip = j->count;
    return i;
}

static int ld__jvalue(ld__json *j) {
    ld__jws(j);
    if (j->pos >= j->len) return ld__jerr(j, "unexpected end of JSON");
    char c = j->src[j->pos];
    if (c == '{') return ld__jcontainer(j, 'o');
    if (c == '[') return ld__jcontainer(j, 'a');
    if (c == '"') return ld__jstring(j);
    if (c == '-' || (c >= '0' && c <= '9')) return ld__jnumber(j);
    static const char *const words[3] = { "true", "false", "null" };
    static const char types[3] = { 't', 'f', 'z' };
    for (int k = 0; k < 3; k++) {
        int n = (int)strlen(words[k]);
        if (j->len - j->pos >= n && !memcmp(j->src + j->pos, words[k], n)) {
            int i = ld__jnew(j, types[k]);
            if (i < 0) return -1;
            j->pos += n;
            j->nodes[i].end = j->pos;
            j->nodes[i].skip = j->count;
            return i;
        }
    }
    return ld__jerr(j, "unexpected character");
}

static void ld__json_free(ld__json *j) { LD_FREE(j->nodes); memset(j, 0, sizeof *j); }

/* Parses src[0..len) as one JSON value. On failure j->err says where. */
static int ld__json_parse(ld__json *j, const char *src, size_t len) {
    memset(j, 0, sizeof *j);
    if (len > 0x7FFFFFF0u) { snprintf(j->err, sizeof j->err, "JSON text too long"); return -1; }
    j->src = src;
    j->len = (int)len;
    if (ld__jvalue(j) < 0) return -1;
    ld__jws(j);
    if (j->pos != j->len) { ld__jerr(j, "trailing characters after the JSON value"); return -1; }
    return 0;
}

static long ld__json_str(const ld__json *j, int i, char *out, size_t cap);

/* The bytes a key (string node i) spells: its source when it holds no
   escape, else decoded into buf (256 bytes). NULL if it cannot be decoded
   there (a lone surrogate, or longer than any key we look for). */
static const char *ld__json_key(const ld__json *j, int i, char *buf, size_t *len) {
    const ld__jnode *k = &j->nodes[i];
    *len = (size_t)(k->end - k->start);
    if (!memchr(j->src + k->start, '\\', *len)) return j->src + k->start;
    long n = ld__json_str(j, i, buf, 255);
    if (n < 0) return NULL;
    *len = (size_t)n;
    return buf;
}

/* The value of key in object o (keys compared after their escapes are
   resolved: "pr\u006fmpt" is "prompt"), or −1. */
static int ld__json_get(const ld__json *j, int o, const char *key) {
    if (o < 0 || j->nodes[o].type != 'o') return -1;
    size_t kl = strlen(key), n;
    char buf[256];
    int c = o + 1;
    for (int i = 0; i < j->nodes[o].n; i += 2) {
        int v = j->nodes[c].skip;
        const char *name = ld__json_key(j, c, buf, &n);
        if (name && n == kl && !memcmp(name, key, kl)) return v;
        c = j->nodes[v].skip;
    }
    return -1;
}

/* Do string nodes a and b spell the same key? */
LD__MAYBE_UNUSED static int ld__json_same_key(const ld__json *j, int a, int b) {
    char ba[256], bb[256];
    size_t na, nb;
    const char *ka = ld__json_key(j, a, ba, &na), *kb = ld__json_key(j, b, bb, &nb);
    if (!ka || !kb) { /* undecodable: compare the source */
        ka = j->src + j->nodes[a].start; na = (size_t)(j->nodes[a].end - j->nodes[a].start);
        kb = j->src + j->nodes[b].start; nb = (size_t)(j->nodes[b].end - j->nodes[b].start);
    }
    return na == nb && !memcmp(ka, kb, na);
}

/* Decodes string node i into UTF-8 (escapes resolved, \u surrogate pairs
   joined). Writes at most cap bytes plus a NUL; returns the byte count, or
   −1 if the string has a lone surrogate or needs more than cap bytes.     */
static long ld__json_str(const ld__json *j, int i, char *out, size_t cap) {
    if (i < 0 || j->nodes[i].type != 's') return -1;
    const char *s = j->src;
    size_t k = 0;
    for (int p = j->nodes[i].start; p < j->nodes[i].end;) {
        unsigned char buf[4];
        int nb = 0;
        if (s[p] != '\\') { buf[0] = (unsigned char)s[p++]; nb = 1; }
        else {
            char e = s[p + 1];
            p += 2;
            switch (e) {
            case 'b': buf[0] = '\b'; nb = 1; break;
            case 'f': buf[0] = '\f'; nb = 1; break;
            case 'n': buf[0] = '\n'; nb = 1; break;
            case 'r': buf[0] = '\r'; nb = 1; break;
            case 't': buf[0] = '\t'; nb = 1; break;
            case 'u': {
                unsigned cp = (unsigned)ld__jhex4(s + p);
                p += 4;
                if (cp >= 0xDC00 && cp <= 0xDFFF) return -1;          /* lone low half */
                if (cp >= 0xD800 && cp <= 0xDBFF) {                    /* high half: needs a low one */
                    if (p + 6 > j->nodes[i].end || s[p] != '\\' || s[p + 1] != 'u') return -1;
                    int lo = ld__jhex4(s + p + 2);
                    if (lo < 0xDC00 || lo > 0xDFFF) return -1;
                    cp = 0x10000 + ((cp - 0xD800) << 10) + ((unsigned)lo - 0xDC00);
                    p += 6;
                }
                if (cp < 0x80) { buf[0] = (unsigned char)cp; nb = 1; }
                else if (cp < 0x800) { buf[0] = (unsigned char)(0xC0 | (cp >> 6)); buf[1] = (unsigned char)(0x80 | (cp & 0x3F)); nb = 2; }
                else if (cp < 0x10000) {
                    buf[0] = (unsigned char)(0xE0 | (cp >> 12)); buf[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
                    buf[2] = (unsigned char)(0x80 | (cp & 0x3F)); nb = 3;
                } else {
                    buf[0] = (unsigned char)(0xF0 | (cp >> 18)); buf[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
                    buf[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F)); buf[3] = (unsigned char)(0x80 | (cp & 0x3F)); nb = 4;
                }
                break;
            }
            default: buf[0] = (unsigned char)e; nb = 1; break; /* \" \\ \/ */
            }
        }
        if (k + nb > cap) return -1;
        memcpy(out + k, buf, nb);
        k += nb;
    }
    if (out) out[k] = 0;
    return (long)k;
}

/* Does string node i equal `lit` (no escapes in lit)? */
LD__MAYBE_UNUSED static int ld__json_is(const ld__json *j, int i, const char *lit) {
    char buf[64];
    long n = ld__json_str(j, i, buf, sizeof buf - 1);
    return n >= 0 && (size_t)n == strlen(lit) && !memcmp(buf, lit, (size_t)n);
}

/* A non-negative integer without fraction or exponent; 0 on success. */
LD__MAYBE_UNUSED static int ld__json_u64(const ld__json *j, int i, uint64_t *out) {
    if (i < 0 || j->nodes[i].type != 'n') return -1;
    uint64_t v = 0;
    for (int p = j->nodes[i].start; p < j->nodes[i].end; p++) {
        char c = j->src[p];
        if (c < '0' || c > '9') return -1;
        if (v > (UINT64_MAX - (uint64_t)(c - '0')) / 10) return -1;
        v = v * 10 + (uint64_t)(c - '0');
    }
    *out = v;
    return 0;
}

/* A number node as a double; 0 on success. */
LD__MAYBE_UNUSED static int ld__json_num(const ld__json *j, int i, double *out) {
    if (i < 0 || j->nodes[i].type != 'n') return -1;
    char buf[64];
    int n = j->nodes[i].end - j->nodes[i].start;
    if (n >= (int)sizeof buf) return -1;
    memcpy(buf, j->src + j->nodes[i].start, n);
    buf[n] = 0;
    *out = strtod(buf, NULL);
    return 0;
}

/* -------------------------------------------------------------------- >>io */

LDDEF ld_status ld_tokenize(const ld_config *cfg, const char *text, long len,
                            int *out, int cap, int *n_out) {
    ld_config c = ld_config_resolve(cfg);
    if (!text || !n_out || (!out && cap > 0)) return ld__fail(LD_ERR_ARG, "NULL text or output");
    if (cap < 0) return ld__fail(LD_ERR_ARG, "capacity %d is negative", cap);
    if (c.vocab_size < 256) return ld__fail(LD_ERR_CONFIG, "the byte tokenizer needs vocab_size ≥ 256 (have %d)", c.vocab_size);
    size_t n = len < 0 ? strlen(text) : (size_t)len;
    if (n > (size_t)cap) {
        *n_out = 0;
        return ld__fail(LD_ERR_LENGTH, "text of %zu bytes needs %zu tokens; room for %d", n, n, cap);
    }
    for (size_t i = 0; i < n; i++) out[i] = (unsigned char)text[i];
    *n_out = (int)n;
    return LD_OK;
}

LDDEF int ld_detokenize(const ld_config *cfg, const int *tokens, int n, char *out, int cap) {
    (void)cfg;
    if (!out || cap < 1) return 0;
    if (!tokens) n = 0;
    int k = 0;
    for (int i = 0; i < n && k < cap - 1; i++)
        if (tokens[i] >= 0 && tokens[i] < 256) out[k++] = (char)tokens[i];
    out[k] = 0;
    return k;
}

/* ---- datasets ---- */

LDDEF void ld_dataset_free(ld_dataset *ds) {
    if (!ds) return;
    if (ds->fields) for (int f = 0; f < ds->n_fields; f++) LD_FREE(ds->fields[f]);
    LD_FREE(ds->fields); LD_FREE(ds->tokens); LD_FREE(ds->start); LD_FREE(ds->len); LD_FREE(ds->line);
    memset(ds, 0, sizeof *ds);
}

LDDEF int ld_dataset_field(const ld_dataset *ds, const char *name) {
    for (int f = 0; ds && name && f < ds->n_fields; f++) if (!strcmp(ds->fields[f], name)) return f;
    return -1;
}

/* Grows *p (elements of size es) to hold at least need; doubles. */
static int ld__grow(void **p, size_t *cap, size_t need, size_t es) {
    if (need <= *cap) return 0;
    size_t nc = *cap ? *cap : 64;
    while (nc < need) nc *= 2;
    void *q = LD_MALLOC(nc * es);
    if (!q) return -1;
    if (*p) memcpy(q, *p, *cap * es);
    LD_FREE(*p);
    *p = q;
    *cap = nc;
    return 0;
}

/* Adds a column; the (n, n_fields) tables are re-laid with the new stride. */
static int ld__ds_add_field(ld_dataset *ds, const char *name, size_t *rowcap) {
    int nf = ds->n_fields + 1;
    char **names = (char **)LD_MALLOC(sizeof(char *) * nf);
    char *copy = (char *)LD_MALLOC(strlen(name) + 1);
    size_t rows = *rowcap ? *rowcap : 64;
    size_t *st = (size_t *)LD_MALLOC(sizeof(size_t) * rows * nf);
    int *ln = (int *)LD_MALLOC(sizeof(int) * rows * nf);
    if (!names || !copy || !st || !ln) { LD_FREE(names); LD_FREE(copy); LD_FREE(st); LD_FREE(ln); return -1; }
    strcpy(copy, name);
    if (ds->n_fields) memcpy(names, ds->fields, sizeof(char *) * ds->n_fields);
    names[nf - 1] = copy;
    for (int i = 0; i < ds->n; i++) {
        for (int f = 0; f < ds->n_fields; f++) { st[(size_t)i * nf + f] = ds->start[(size_t)i * ds->n_fields + f]; ln[(size_t)i * nf + f] = ds->len[(size_t)i * ds->n_fields + f]; }
        st[(size_t)i * nf + nf - 1] = 0;
        ln[(size_t)i * nf + nf - 1] = -1;
    }
    LD_FREE(ds->fields); LD_FREE(ds->start); LD_FREE(ds->len);
    ds->fields = names; ds->start = st; ds->len = ln; ds->n_fields = nf;
    *rowcap = rows;
    return 0;
}

LDDEF ld_status ld_dataset_parse(ld_dataset *ds, const char *text, size_t len, const ld_config *cfg,
                                 ld_data_kind kind, int flags) {
    if (!ds) return ld__fail(LD_ERR_ARG, "dataset is NULL");
    memset(ds, 0, sizeof *ds);
    if (!text) return ld__fail(LD_ERR_ARG, "text is NULL");
    if ((int)kind < 0 || kind > LD_DATA_PROBES) return ld__fail(LD_ERR_ARG, "unknown dataset kind %d", (int)kind);
    ld_config c = ld_config_resolve(cfg);
    if (c.vocab_size < 256) return ld__fail(LD_ERR_CONFIG, "the byte tokenizer needs vocab_size ≥ 256 (have %d)", c.vocab_size);
    static const char *const need[3][3] = { { "prompt", "completion", NULL }, { "prompt", "chosen", "rejected" }, { "prompt", NULL, NULL } };
    ds->kind = kind;
    size_t rowcap = 0, tokcap = 0, linecap = 0;
    ld_status st = LD_OK;
    for (int f = 0; f < 3 && need[kind][f] && !st; f++)
        if (ld__ds_add_field(ds, need[kind][f], &rowcap)) st = ld__fail(LD_ERR_OOM, "dataset");
    char *sbuf = NULL;
    size_t sbufcap = 0;
    int lineno = 0;
    for (size_t pos = 0; pos < len && !st;) {
        size_t e = pos;
        while (e < len && text[e] != '\n') e++;
        lineno++;
        const char *ln = text + pos;
        size_t ll = e - pos;
        pos = e + 1;
        size_t k = 0;
        while (k < ll && (ln[k] == ' ' || ln[k] == '\t' || ln[k] == '\r')) k++;
        if (k == ll) continue; /* blank line */
        char why[200] = "";
        ld__json j;
        memset(&j, 0, sizeof j);
        if (ll > 0x7FFFFFF0u) snprintf(why, sizeof why, "line too long");
        else if (ld__json_parse(&j, ln, ll)) snprintf(why, sizeof why, "bad JSON: %s", j.err);
        else if (j.nodes[0].type != 'o') snprintf(why, sizeof why, "not a JSON object");
        if (!why[0]) {
            /* every required field present and a string; responses non-empty */
            for (int f = 0; f < 3 && need[kind][f] && !why[0]; f++) {
                int v = ld__json_get(&j, 0, need[kind][f]);
                if (v < 0) snprintf(why, sizeof why, "missing field \"%s\"", need[kind][f]);
                else if (j.nodes[v].type != 's') snprintf(why, sizeof why, "field \"%s\" is not a string", need[kind][f]);
                else if (f > 0 && j.nodes[v].end == j.nodes[v].start)
                    snprintf(why, sizeof why, "field \"%s\" is empty (a response needs at least one token)", need[kind][f]);
            }
        }
        if (!why[0] && kind == LD_DATA_PROBES) { /* every other string field is a probe */
            for (int i = 0, kk = 1; i < j.nodes[0].n / 2 && !why[0]; i++) {
                int v = j.nodes[kk].skip;
                if (j.nodes[v].type == 's') {
                    char name[128];
                    if (ld__json_str(&j, kk, name, sizeof name - 1) < 0) snprintf(why, sizeof why, "a field name is too long");
                    else if (strcmp(name, "prompt") && j.nodes[v].end == j.nodes[v].start)
                        snprintf(why, sizeof why, "probe \"%s\" is empty", name);
                    else if (ld_dataset_field(ds, name) < 0 && ld__ds_add_field(ds, name, &rowcap))
                        { st = ld__fail(LD_ERR_OOM, "dataset"); break; }
                }
                kk = j.nodes[v].skip;
            }
        }
        if (!why[0] && !st) {
            /* room for one more row */
            if (ds->n + 1 > (int)rowcap) {
                size_t nr = rowcap * 2, nf = (size_t)ds->n_fields;
                size_t *st2 = (size_t *)LD_MALLOC(sizeof(size_t) * nr * nf);
                int *ln2 = (int *)LD_MALLOC(sizeof(int) * nr * nf);
                if (!st2 || !ln2) { LD_FREE(st2); LD_FREE(ln2); st = ld__fail(LD_ERR_OOM, "dataset"); }
                else {
                    memcpy(st2, ds->start, sizeof(size_t) * ds->n * nf);
                    memcpy(ln2, ds->len, sizeof(int) * ds->n * nf);
                    LD_FREE(ds->start); LD_FREE(ds->len);
                    ds->start = st2; ds->len = ln2; rowcap = nr;
                }
            }
            if (!st && ld__grow((void **)&ds->line, &linecap, (size_t)ds->n + 1, sizeof(int))) st = ld__fail(LD_ERR_OOM, "dataset");
            size_t tok0 = ds->n_tokens;
            for (int f = 0; f < ds->n_fields && !st && !why[0]; f++) {
                size_t cell = (size_t)ds->n * ds->n_fields + f;
                ds->len[cell] = -1;
                ds->start[cell] = ds->n_tokens;
                int v = ld__json_get(&j, 0, ds->fields[f]);
                if (v < 0 || j.nodes[v].type != 's') continue;
                size_t raw = (size_t)(j.nodes[v].end - j.nodes[v].start);
                if (ld__grow((void **)&sbuf, &sbufcap, raw + 1, 1)) { st = ld__fail(LD_ERR_OOM, "dataset"); break; }
                long nb = ld__json_str(&j, v, sbuf, sbufcap - 1);
                if (nb < 0) { snprintf(why, sizeof why, "field \"%s\" has a lone UTF-16 surrogate", ds->fields[f]); break; }
                if (nb > (1L << 30)) { snprintf(why, sizeof why, "field \"%s\" is too long", ds->fields[f]); break; }
                if (ld__grow((void **)&ds->tokens, &tokcap, ds->n_tokens + (size_t)nb, sizeof(int))) { st = ld__fail(LD_ERR_OOM, "dataset"); break; }
                for (long q = 0; q < nb; q++) ds->tokens[ds->n_tokens + q] = (unsigned char)sbuf[q];
                ds->n_tokens += (size_t)nb;
                ds->len[cell] = (int)nb;
            }
            if (why[0]) ds->n_tokens = tok0; /* drop the partial row */
            else if (!st) ds->line[ds->n++] = lineno;
        }
        ld__json_free(&j);
        if (why[0] && !st) {
            if (flags & LD_DATA_SKIP_BAD) {
                if (!ds->n_skipped++) snprintf(ds->first_skip, sizeof ds->first_skip, "line %d: %s", lineno, why);
            } else st = ld__fail(LD_ERR_DATA, "line %d: %s", lineno, why);
        }
    }
    LD_FREE(sbuf);
    if (!st && ds->n == 0)
        st = ld__fail(LD_ERR_DATA, ds->n_skipped ? "no usable examples (%d malformed lines skipped; %s)" : "no examples", ds->n_skipped, ds->first_skip);
    if (st) ld_dataset_free(ds);
    return st;
}

LDDEF ld_status ld_dataset_seq(const ld_dataset *ds, int i, int field, int T, int max_prompt,
                               int eot, int *buf, ld_seq *out) {
    if (!ds || !buf || !out || i < 0 || i >= ds->n || field < 1 || field >= ds->n_fields || T < 3)
        return ld__fail(LD_ERR_ARG, "example %d, field %d, T %d: out of range", i, field, T);
    const int *len = ds->len + (size_t)i * ds->n_fields;
    const size_t *start = ds->start + (size_t)i * ds->n_fields;
    if (len[field] < 0) return ld__fail(LD_ERR_MISSING, "example %d (line %d) has no \"%s\"", i, ds->line[i], ds->fields[field]);
    if (max_prompt <= 0) max_prompt = T / 2;
    if (max_prompt > T - 1) max_prompt = T - 1;
    int longest = 0;
    for (int f = 1; f < ds->n_fields; f++) longest = LD__MAX(longest, len[f]);
    /* the prompt part is [eot; x], the response part [y; eot] */
    int x = LD__MAX(len[0], 0), p = 1 + x;
    if (p + longest + 1 > T && p > max_prompt) { x = max_prompt - 1; p = max_prompt; }
    const int *xs = ds->tokens + start[0] + (LD__MAX(len[0], 0) - x); /* keep the end of the prompt */
    buf[0] = eot;
    memcpy(buf + 1, xs, sizeof(int) * x);
    int y = len[field], r = LD__MIN(y + 1, T - p);
    memcpy(buf + p, ds->tokens + start[field], sizeof(int) * LD__MIN(y, r));
    if (r == y + 1) buf[p + y] = eot;
    out->tokens = buf;
    out->len = p + r;
    out->prompt_len = p;
    return LD_OK;
}

#ifndef LD_NO_STDIO

/* Reads a whole file (at most max bytes) into a NUL-terminated buffer. */
static ld_status ld__read_file(const char *path, size_t max, char **out, size_t *n) {
    FILE *f = fopen(path, "rb");
    if (!f) return ld__fail(LD_ERR_IO, "cannot open %s", path);
    if (fseek(f, 0, SEEK_END)) { fclose(f); return ld__fail(LD_ERR_IO, "cannot seek in %s", path); }
    long sz = ftell(f);
    if (sz < 0 || (size_t)sz > max) { fclose(f); return ld__fail(LD_ERR_FORMAT, "%s is %ld bytes (limit %zu)", path, sz, max); }
    rewind(f);
    char *buf = (char *)LD_MALLOC((size_t)sz + 1);
    if (!buf) { fclose(f); return ld__fail(LD_ERR_OOM, "reading %s", path); }
    if (fread(buf, 1, (size_t)sz, f) != (size_t)sz) { fclose(f); LD_FREE(buf); return ld__fail(LD_ERR_IO, "short read of %s", path); }
    fclose(f);
    buf[sz] = 0;
    *out = buf;
    *n = (size_t)sz;
    return LD_OK;
}

static int ld__little_endian(void) { uint16_t x = 1; unsigned char c; memcpy(&c, &x, 1); return c == 1; }

static double ld__half_to_double(uint16_t h) {
    int s = h >> 15, e = (h >> 10) & 31, f = h & 1023;
    double v;
    if (e == 0) v = ldexp((double)f, -24);
    else if (e == 31) v = f ? NAN : INFINITY;
    else v = ldexp((double)(f | 1024), e - 25);
    return s ? -v : v;
}

static double ld__bf16_to_double(uint16_t h) {
    uint32_t bits = (uint32_t)h << 16;
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

/* One tensor of a safetensors header. */
typedef struct {
    int key;             /* JSON node of its name */
    int dsize;           /* bytes per element: F64 8, F32 4, F16/BF16 2; 0: another dtype */
    char dtype[8];
    int ndim;
    uint64_t shape[8];
    uint64_t begin, end; /* byte range relative to the data section */
    int used;
} ld__st_entry;

typedef struct {
    FILE *f;
    char *header;
    ld__json j;
    ld__st_entry *e;
    int n;
    uint64_t data_start, data_size;
} ld__st_file;

static void ld__st_close(ld__st_file *s) {
    if (s->f) fclose(s->f);
    LD_FREE(s->header);
    ld__json_free(&s->j);
    LD_FREE(s->e);
    memset(s, 0, sizeof *s);
}

/* Opens a safetensors file and checks its header against the file: every
   tensor's range lies inside the data section and matches dtype × shape. */
static ld_status ld__st_open(ld__st_file *s, const char *path) {
    ld_status st = LD_OK;
    char name[256];
    uint64_t hn = 0;
    long fsz = -1;
    int npairs = 0;
    const ld__json *j = &s->j;
    unsigned char hb[8];
    memset(s, 0, sizeof *s);
    if (!ld__little_endian()) return ld__fail(LD_ERR_FORMAT, "safetensors reading needs a little-endian machine");
    s->f = fopen(path, "rb");
    if (!s->f) return ld__fail(LD_ERR_IO, "cannot open %s", path);
    if (!fseek(s->f, 0, SEEK_END)) fsz = ftell(s->f);
    rewind(s->f);
    if (fsz < 8 || fread(hb, 1, 8, s->f) != 8) { st = ld__fail(LD_ERR_FORMAT, "%s: too short for a safetensors file", path); goto done; }
    for (int i = 7; i >= 0; i--) hn = (hn << 8) | hb[i];
    if (hn < 2 || hn > (uint64_t)fsz - 8 || hn > (100u << 20)) {
        st = ld__fail(LD_ERR_FORMAT, "%s: header size %llu does not fit the file (%ld bytes)", path, (unsigned long long)hn, fsz);
        goto done;
    }
    s->header = (char *)LD_MALLOC((size_t)hn + 1);
    if (!s->header) { st = ld__fail(LD_ERR_OOM, "safetensors header"); goto done; }
    if (fread(s->header, 1, (size_t)hn, s->f) != (size_t)hn) { st = ld__fail(LD_ERR_IO, "%s: short read", path); goto done; }
    s->header[hn] = 0;
    s->data_start = 8 + hn;
    s->data_size = (uint64_t)fsz - s->data_start;
    if (ld__json_parse(&s->j, s->header, (size_t)hn) || s->j.nodes[0].type != 'o') {
        st = ld__fail(LD_ERR_FORMAT, "%s: bad header JSON: %s", path, s->j.err[0] ? s->j.err : "not an object");
        goto done;
    }
    npairs = j->nodes[0].n / 2;
    s->e = (ld__st_entry *)LD_MALLOC(sizeof(ld__st_entry) * (npairs ? npairs : 1));
    if (!s->e) { st = ld__fail(LD_ERR_OOM, "safetensors header"); goto done; }
    for (int p = 0, c = 1; p < npairs; p++) {
        int key = c, val = j->nodes[c].skip;
        c = j->nodes[val].skip;
        if (ld__json_str(j, key, name, sizeof name - 1) < 0) { st = ld__fail(LD_ERR_FORMAT, "%s: a tensor name is too long or malformed", path); goto done; }
        if (!strcmp(name, "__metadata__")) continue;
        ld__st_entry *e = &s->e[s->n];
        memset(e, 0, sizeof *e);
        e->key = key;
        int dt = ld__json_get(j, val, "dtype"), sh = ld__json_get(j, val, "shape"), of = ld__json_get(j, val, "data_offsets");
        if (dt < 0 || sh < 0 || of < 0 || j->nodes[dt].type != 's' || j->nodes[sh].type != 'a' || j->nodes[of].type != 'a' ||
            j->nodes[of].n != 2 || ld__json_str(j, dt, e->dtype, sizeof e->dtype - 1) < 0) {
            st = ld__fail(LD_ERR_FORMAT, "%s: tensor '%s' lacks a valid dtype, shape or data_offsets", path, name);
            goto done;
        }
        e->dsize = !strcmp(e->dtype, "F64") ? 8 : !strcmp(e->dtype, "F32") ? 4 :
                   (!strcmp(e->dtype, "F16") || !strcmp(e->dtype, "BF16")) ? 2 : 0;
        e->ndim = j->nodes[sh].n;
        if (e->ndim > 8) { st = ld__fail(LD_ERR_FORMAT, "%s: tensor '%s' has %d dimensions", path, name, e->ndim); goto done; }
        uint64_t numel = 1;
        for (int d = 0, k = sh + 1; d < e->ndim; d++, k = j->nodes[k].skip) {
            if (ld__json_u64(j, k, &e->shape[d]) || e->shape[d] > ((uint64_t)1 << 40)) {
                st = ld__fail(LD_ERR_FORMAT, "%s: tensor '%s' has a bad shape", path, name);
                goto done;
            }
            if (e->shape[d] && numel > ((uint64_t)1 << 50) / e->shape[d]) {
                st = ld__fail(LD_ERR_FORMAT, "%s: tensor '%s' claims an absurd size", path, name);
                goto done;
            }
            numel *= e->shape[d];
        }
        if (ld__json_u64(j, of + 1, &e->begin) || ld__json_u64(j, j->nodes[of + 1].skip, &e->end) ||
            e->begin > e->end || e->end > s->data_size) {
            st = ld__fail(LD_ERR_FORMAT, "%s: tensor '%s' has data_offsets outside the file's %llu data bytes",
                          path, name, (unsigned long long)s->data_size);
            goto done;
        }
        if (e->dsize && e->end - e->begin != numel * (uint64_t)e->dsize) {
            st = ld__fail(LD_ERR_FORMAT, "%s: tensor '%s' is %llu bytes; %s × its shape is %llu bytes", path, name,
                          (unsigned long long)(e->end - e->begin), e->dtype, (unsigned long long)(numel * e->dsize));
            goto done;
        }
        s->n++;
    }
done:
    if (st) ld__st_close(s);
    return st;
}

static int ld__st_find(ld__st_file *s, const char *name) {
    char buf[256];
    for (int i = 0; i < s->n; i++) {
        if (ld__json_str(&s->j, s->e[i].key, buf, sizeof buf - 1) < 0) continue;
        const char *b = buf;
        if (!strncmp(b, "transformer.", 12)) b += 12;
        if (!strcmp(b, name)) return i;
    }
    return -1;
}

/* Reads entry e as (rows, cols) into dst, transposing from (cols, rows)
   if tr; checks the shape and that every value is finite.                */
static ld_status ld__st_read(ld__st_file *s, int ei, const char *name, int dims, int rows, int cols,
                             int tr, ld_float *dst, void *scratch) {
    ld__st_entry *e = &s->e[ei];
    e->used = 1;
    if (!e->dsize) return ld__fail(LD_ERR_DTYPE, "tensor %s has dtype %s; F32, F16, BF16 and F64 are read", name, e->dtype);
    uint64_t r = (uint64_t)(tr ? cols : rows), c = (uint64_t)(tr ? rows : cols);
    int ok = dims == 1 ? (e->ndim == 1 && e->shape[0] == (uint64_t)cols) : (e->ndim == 2 && e->shape[0] == r && e->shape[1] == c);
    if (!ok) {
        char got[96] = "", *p = got;
        for (int d = 0; d < e->ndim && p < got + 80; d++) p += snprintf(p, 16, d ? ",%llu" : "%llu", (unsigned long long)e->shape[d]);
        if (dims == 1) return ld__fail(LD_ERR_SHAPE, "tensor %s has shape (%s); the config needs (%d)", name, got, cols);
        return ld__fail(LD_ERR_SHAPE, "tensor %s has shape (%s); the config needs (%llu,%llu)", name, got,
                        (unsigned long long)r, (unsigned long long)c);
    }
    size_t n = (size_t)rows * cols, bytes = n * e->dsize;
    if (fseek(s->f, (long)(s->data_start + e->begin), SEEK_SET) || fread(scratch, 1, bytes, s->f) != bytes)
        return ld__fail(LD_ERR_IO, "short read of tensor %s", name);
    const unsigned char *src = (const unsigned char *)scratch;
    for (size_t k = 0; k < n; k++) {
        double v;
        if (e->dsize == 8) memcpy(&v, src + 8 * k, 8);
        else if (e->dsize == 4) { float f; memcpy(&f, src + 4 * k, 4); v = f; }
        else {
            uint16_t h;
            memcpy(&h, src + 2 * k, 2);
            v = e->dtype[0] == 'B' ? ld__bf16_to_double(h) : ld__half_to_double(h);
        }
        /* finite as stored and as ld_float: an F64 beyond FLT_MAX must not become inf */
        if (!isfinite(v) || !isfinite((ld_float)v))
            return ld__fail(LD_ERR_NAN, "tensor %s holds a NaN or infinity (in this precision) at element %zu", name, k);
        /* stored element k is (k / c, k % c) of the stored shape */
        size_t to = tr ? (k % c) * cols + k / c : k;
        dst[to] = (ld_float)v;
    }
    return LD_OK;
}

/* Fills theta (P) from an open safetensors file for config cfg. */
static ld_status ld__st_load(ld__st_file *s, const ld_config *cfg, ld_float *theta) {
    size_t maxbytes = 0;
    for (int i = 0; i < s->n; i++) maxbytes = LD__MAX(maxbytes, (size_t)(s->e[i].end - s->e[i].begin));
    void *scratch = LD_MALLOC(maxbytes ? maxbytes : 1);
    if (!scratch) return ld__fail(LD_ERR_OOM, "tensor read buffer of %zu bytes", maxbytes);
    ld_status st = LD_OK;
    for (int k = 0; k < LD__NTENSORS && !st; k++) {
        ld_tensor_info ti;
        ld_tensor_info_get(cfg, k, &ti);
        if (ti.size == 0) continue; /* lm_head of a tied model */
        int nl = ti.layered ? cfg->n_layer : 1;
        for (int l = 0; l < nl && !st; l++) {
            char name[128];
            snprintf(name, sizeof name, ti.hf_name, l);
            int ei = ld__st_find(s, name);
            if (ei < 0 && !strcmp(ti.name, "wte") && !cfg->untied_head) ei = ld__st_find(s, "lm_head.weight");
            if (ei < 0) { st = ld__fail(LD_ERR_MISSING, "tensor %s is missing", name); break; }
            size_t per = (size_t)ti.rows * ti.cols;
            st = ld__st_read(s, ei, name, ti.dims, ti.rows, ti.cols, ti.hf_transposed, theta + ti.offset + per * l, scratch);
        }
    }
    LD_FREE(scratch);
    if (st) return st;
    /* every tensor in the file must be one we know */
    for (int i = 0; i < s->n; i++) {
        if (s->e[i].used) continue;
        char name[256];
        ld__json_str(&s->j, s->e[i].key, name, sizeof name - 1);
        size_t nl = strlen(name);
        int known = (nl >= 9 && !strcmp(name + nl - 9, "attn.bias")) ||
                    (nl >= 16 && !strcmp(name + nl - 16, "attn.masked_bias")) ||
                    (!cfg->untied_head && strstr(name, "lm_head.weight"));
        if (!known) return ld__fail(LD_ERR_FORMAT, "unexpected tensor '%s': not part of a GPT-2 of this config", name);
    }
    return LD_OK;
}

static void ld__path(char *out, size_t cap, const char *dir, const char *file) {
    size_t n = strlen(dir);
    snprintf(out, cap, "%s%s%s", dir, (n && dir[n - 1] == '/') ? "" : "/", file);
}

LDDEF ld_status ld_load_config(ld_config *cfg, const char *path) {
    if (!cfg || !path) return ld__fail(LD_ERR_ARG, "NULL argument");
    char *txt = NULL;
    size_t n = 0;
    ld_status st = ld__read_file(path, 1 << 20, &txt, &n);
    if (st) return st;
    ld__json j;
    if (ld__json_parse(&j, txt, n) || j.nodes[0].type != 'o') {
        st = ld__fail(LD_ERR_FORMAT, "%s: %s", path, j.err[0] ? j.err : "not a JSON object");
        ld__json_free(&j); LD_FREE(txt);
        return st;
    }
    ld_config c;
    memset(&c, 0, sizeof c);
    struct { const char *key; int *dst; int required; } ints[] = {
        { "vocab_size", &c.vocab_size, 1 }, { "n_positions", &c.context, 0 }, { "n_layer", &c.n_layer, 1 },
        { "n_head", &c.n_head, 1 }, { "n_embd", &c.n_embd, 1 }, { "eos_token_id", &c.eot_token, 0 },
    };
    for (size_t i = 0; i < sizeof ints / sizeof ints[0] && !st; i++) {
        int v = ld__json_get(&j, 0, ints[i].key);
        if ((v < 0 || j.nodes[v].type == 'z') && !strcmp(ints[i].key, "n_positions")) v = ld__json_get(&j, 0, "n_ctx");
        uint64_t u;
        if (v < 0 || j.nodes[v].type == 'z') {
            if (ints[i].required) st = ld__fail(LD_ERR_MISSING, "%s: no \"%s\"", path, ints[i].key);
            continue;
        }
        if (ld__json_u64(&j, v, &u) || u == 0 || u > (1u << 30)) st = ld__fail(LD_ERR_FORMAT, "%s: \"%s\" must be a positive integer", path, ints[i].key);
        else *ints[i].dst = (int)u;
    }
    int v;
    double d;
    const char *reals[2] = { "layer_norm_epsilon", "initializer_range" };
    double *rdst[2] = { &c.ln_eps, &c.init_std };
    for (int i = 0; i < 2 && !st; i++) {
        if ((v = ld__json_get(&j, 0, reals[i])) < 0 || j.nodes[v].type == 'z') continue;
        if (ld__json_num(&j, v, &d) || !(d > 0) || !isfinite(d)) st = ld__fail(LD_ERR_FORMAT, "%s: \"%s\" must be a positive number", path, reals[i]);
        else *rdst[i] = d;
    }
    /* a key given twice reads differently in different JSON libraries: refuse */
    for (int i = 0, k = 1; i < j.nodes[0].n / 2 && !st; i++, k = j.nodes[j.nodes[k].skip].skip)
        for (int i2 = i + 1, k2 = j.nodes[j.nodes[k].skip].skip; i2 < j.nodes[0].n / 2; i2++, k2 = j.nodes[j.nodes[k2].skip].skip)
            if (ld__json_same_key(&j, k, k2)) {
                st = ld__fail(LD_ERR_FORMAT, "%s: key \"%.*s\" appears twice", path, j.nodes[k].end - j.nodes[k].start, j.src + j.nodes[k].start);
                break;
            }
    if (!st && (v = ld__json_get(&j, 0, "tie_word_embeddings")) >= 0) c.untied_head = j.nodes[v].type == 'f';
    if (!st && (v = ld__json_get(&j, 0, "model_type")) >= 0 && !ld__json_is(&j, v, "gpt2"))
        st = ld__fail(LD_ERR_CONFIG, "%s: model_type is not \"gpt2\"", path);
    if (!st && (v = ld__json_get(&j, 0, "activation_function")) >= 0 &&
        !ld__json_is(&j, v, "gelu_new") && !ld__json_is(&j, v, "gelu_pytorch_tanh"))
        st = ld__fail(LD_ERR_CONFIG, "%s: activation_function must be gelu_new (the tanh GELU)", path);
    if (!st && (v = ld__json_get(&j, 0, "n_inner")) >= 0 && j.nodes[v].type != 'z') {
        uint64_t u;
        if (ld__json_u64(&j, v, &u) || u != 4 * (uint64_t)c.n_embd) st = ld__fail(LD_ERR_CONFIG, "%s: n_inner must be null or 4·n_embd", path);
    }
    if (!st && (v = ld__json_get(&j, 0, "scale_attn_weights")) >= 0 && j.nodes[v].type == 'f')
        st = ld__fail(LD_ERR_CONFIG, "%s: scale_attn_weights = false is not supported", path);
    if (!st && (v = ld__json_get(&j, 0, "scale_attn_by_inverse_layer_idx")) >= 0 && j.nodes[v].type == 't')
        st = ld__fail(LD_ERR_CONFIG, "%s: scale_attn_by_inverse_layer_idx = true is not supported", path);
    ld__json_free(&j);
    LD_FREE(txt);
    if (st) return st;
    if (c.context == 0) return ld__fail(LD_ERR_MISSING, "%s: no \"n_positions\" or \"n_ctx\"", path);
    c = ld_config_resolve(&c);
    if ((st = ld_config_check(&c))) return st;
    *cfg = c;
    return LD_OK;
}

LDDEF ld_status ld_dataset_load(ld_dataset *ds, const char *path, const ld_config *cfg,
                                ld_data_kind kind, int flags) {
    if (ds) memset(ds, 0, sizeof *ds);
    if (!ds || !path) return ld__fail(LD_ERR_ARG, "NULL argument");
    char *txt = NULL;
    size_t n = 0;
    ld_status st = ld__read_file(path, (size_t)1 << 34, &txt, &n);
    if (st) return st;
    st = ld_dataset_parse(ds, txt, n, cfg, kind, flags);
    LD_FREE(txt);
    if (st) {
        char why[sizeof ld__reason];
        memcpy(why, ld__reason, sizeof why);
        return ld__fail(st, "%s: %s", path, why);
    }
    return LD_OK;
}

LDDEF ld_status ld_load(ld_model *m, const char *dir, int B, int T, int flags) {
    if (!m) return ld__fail(LD_ERR_ARG, "model is NULL");
    memset(m, 0, sizeof *m);
    if (!dir) return ld__fail(LD_ERR_ARG, "directory is NULL");
    char path[4096];
    ld_config cfg;
    ld__path(path, sizeof path, dir, "config.json");
    ld_status st = ld_load_config(&cfg, path);
    if (st) return st;
    ld__path(path, sizeof path, dir, "model.safetensors");
    ld__st_file s;
    if ((st = ld__st_open(&s, path))) return st;
    if ((st = ld_model_init(m, &cfg, B, T, flags, 0))) { ld__st_close(&s); return st; }
    st = ld__st_load(&s, &m->cfg, m->theta);
    ld__st_close(&s);
    if (st) ld_model_free(m);
    return st;
}

LDDEF ld_status ld_load_params(ld_model *m, const char *path) {
    if (!m || !m->theta || !path) return ld__fail(LD_ERR_ARG, "model not initialised or path NULL");
    ld_float *tmp = (ld_float *)LD_MALLOC(sizeof(ld_float) * m->P);
    if (!tmp) return ld__fail(LD_ERR_OOM, "a copy of the parameters");
    ld__st_file s;
    ld_status st = ld__st_open(&s, path);
    if (!st) {
        st = ld__st_load(&s, &m->cfg, tmp);
        ld__st_close(&s);
    }
    if (!st) { memcpy(m->theta, tmp, sizeof(ld_float) * m->P); ld_params_changed(m); }
    LD_FREE(tmp);
    return st;
}

/* Writes a file through a temporary name, so a failed save never leaves a
   half-written file where a good one was. */
static ld_status ld__commit(FILE *f, const char *tmp, const char *path, int ok) {
    if (fclose(f)) ok = 0;
    if (!ok || rename(tmp, path)) {
        remove(tmp);
        return ld__fail(LD_ERR_IO, "could not write %s", path);
    }
    return LD_OK;
}

/* One tensor to write: rows × cols elements of esize bytes (4 = float,
   8 = double); rows == 0 means a vector of cols; transpose writes the
   (cols, rows) matrix (HF's Conv1D layout). */
typedef struct {
    char name[128];
    const void *data;
    int esize, rows, cols, transpose;
} ld__st_out;

/* Writes a safetensors file: the tensors in order, contiguous, the header
   padded so the data starts 8-aligned; meta: NULL or pairs of strings
   (key, value, ..., NULL) for __metadata__.                                */
static ld_status ld__st_write(const char *path, const ld__st_out *t, int n, const char *const *meta) {
    if (!ld__little_endian()) return ld__fail(LD_ERR_IO, "safetensors writing needs a little-endian machine");
    size_t cap = 256 + (size_t)n * 200, hn = 0, maxel = 0;
    for (const char *const *k = meta; k && *k; k++) cap += strlen(*k) + 8;
    char *hdr = (char *)LD_MALLOC(cap);
    if (!hdr) return ld__fail(LD_ERR_OOM, "safetensors header");
    hn += snprintf(hdr + hn, cap - hn, "{\"__metadata__\":{\"format\":\"pt\"");
    for (const char *const *k = meta; k && k[0] && k[1]; k += 2) hn += snprintf(hdr + hn, cap - hn, ",\"%s\":\"%s\"", k[0], k[1]);
    hn += snprintf(hdr + hn, cap - hn, "}");
    uint64_t off = 0;
    for (int i = 0; i < n; i++) {
        size_t el = (size_t)(t[i].rows ? t[i].rows : 1) * t[i].cols;
        uint64_t bytes = (uint64_t)el * t[i].esize;
        const char *dt = t[i].esize == 8 ? "F64" : "F32";
        if (t[i].rows == 0)
            hn += snprintf(hdr + hn, cap - hn, ",\"%s\":{\"dtype\":\"%s\",\"shape\":[%d],\"data_offsets\":[%llu,%llu]}",
                           t[i].name, dt, t[i].cols, (unsigned long long)off, (unsigned long long)(off + bytes));
        else
            hn += snprintf(hdr + hn, cap - hn, ",\"%s\":{\"dtype\":\"%s\",\"shape\":[%d,%d],\"data_offsets\":[%llu,%llu]}",
                           t[i].name, dt, t[i].transpose ? t[i].cols : t[i].rows, t[i].transpose ? t[i].rows : t[i].cols,
                           (unsigned long long)off, (unsigned long long)(off + bytes));
        off += bytes;
        if (t[i].transpose) maxel = LD__MAX(maxel, el * t[i].esize);
    }
    hn += snprintf(hdr + hn, cap - hn, "}");
    while ((8 + hn) % 8) hdr[hn++] = ' ';
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    if (!f) { LD_FREE(hdr); return ld__fail(LD_ERR_IO, "cannot create %s", tmp); }
    unsigned char len8[8];
    for (int i = 0; i < 8; i++) len8[i] = (unsigned char)((uint64_t)hn >> (8 * i));
    int ok = fwrite(len8, 1, 8, f) == 8 && fwrite(hdr, 1, hn, f) == hn;
    LD_FREE(hdr);
    char *buf = maxel ? (char *)LD_MALLOC(maxel) : NULL;
    if (maxel && !buf) { fclose(f); remove(tmp); return ld__fail(LD_ERR_OOM, "save buffer"); }
    for (int i = 0; i < n && ok; i++) {
        size_t el = (size_t)(t[i].rows ? t[i].rows : 1) * t[i].cols, es = (size_t)t[i].esize;
        const char *src = (const char *)t[i].data;
        if (t[i].transpose) { /* (rows, cols) → (cols, rows) */
            for (int r = 0; r < t[i].rows; r++)
                for (int c = 0; c < t[i].cols; c++)
                    memcpy(buf + ((size_t)c * t[i].rows + r) * es, src + ((size_t)r * t[i].cols + c) * es, es);
            src = buf;
        }
        ok = fwrite(src, es, el, f) == el;
    }
    LD_FREE(buf);
    return ld__commit(f, tmp, path, ok);
}

/* The HF-named tensors of a model, in checkpoint order; returns the count.
   out may be NULL to count only. */
static int ld__model_tensors(const ld_model *m, ld__st_out *out) {
    int n = 0;
    for (int k = 0; k < LD__NTENSORS; k++) {
        ld_tensor_info ti;
        ld_tensor_info_get(&m->cfg, k, &ti);
        if (!ti.size) continue;
        for (int l = 0; l < (ti.layered ? m->cfg.n_layer : 1); l++, n++) {
            if (!out) continue;
            ld__st_out *o = &out[n];
            char hf[96];
            snprintf(hf, sizeof hf, ti.hf_name, l);
            /* as save_pretrained writes GPT2LMHeadModel: the base model under
               "transformer.", the untied head as "lm_head.weight" */
            snprintf(o->name, sizeof o->name, "%s%s", strcmp(ti.name, "lmhead") ? "transformer." : "", hf);
            o->data = m->theta + ti.offset + (size_t)ti.rows * ti.cols * l;
            o->esize = (int)sizeof(ld_float);
            o->rows = ti.dims == 1 ? 0 : ti.rows;
            o->cols = ti.cols;
            o->transpose = ti.hf_transposed;
        }
    }
    return n;
}

LDDEF ld_status ld_save(const ld_model *m, const char *dir) {
    if (!m || !m->theta || !dir) return ld__fail(LD_ERR_ARG, "model not initialised or directory NULL");
    const ld_config *c = &m->cfg;
    char path[4096], tmp[4200];
    int n = ld__model_tensors(m, NULL);
    ld__st_out *t = (ld__st_out *)LD_MALLOC(sizeof(ld__st_out) * n);
    if (!t) return ld__fail(LD_ERR_OOM, "tensor list");
    ld__model_tensors(m, t);
    ld__path(path, sizeof path, dir, "model.safetensors");
    ld_status st = ld__st_write(path, t, n, NULL);
    LD_FREE(t);
    if (st) return st;

    ld__path(path, sizeof path, dir, "config.json");
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    if (!f) return ld__fail(LD_ERR_IO, "cannot create %s", tmp);
    int ok = fprintf(f,
                 "{\n"
                 "  \"architectures\": [\"GPT2LMHeadModel\"],\n"
                 "  \"model_type\": \"gpt2\",\n"
                 "  \"vocab_size\": %d,\n"
                 "  \"n_positions\": %d,\n"
                 "  \"n_ctx\": %d,\n"
                 "  \"n_embd\": %d,\n"
                 "  \"n_layer\": %d,\n"
                 "  \"n_head\": %d,\n"
                 "  \"n_inner\": null,\n"
                 "  \"activation_function\": \"gelu_new\",\n"
                 "  \"layer_norm_epsilon\": %.17g,\n"
                 "  \"initializer_range\": %.17g,\n"
                 "  \"resid_pdrop\": 0.0,\n"
                 "  \"embd_pdrop\": 0.0,\n"
                 "  \"attn_pdrop\": 0.0,\n"
                 "  \"scale_attn_weights\": true,\n"
                 "  \"tie_word_embeddings\": %s,\n"
                 "  \"bos_token_id\": %d,\n"
                 "  \"eos_token_id\": %d,\n"
                 "  \"torch_dtype\": \"%s\"\n"
                 "}\n",
                 c->vocab_size, c->context, c->context, c->n_embd, c->n_layer, c->n_head, c->ln_eps, c->init_std,
                 c->untied_head ? "false" : "true", c->eot_token, c->eot_token,
                 sizeof(ld_float) == 8 ? "float64" : "float32") > 0;
    return ld__commit(f, tmp, path, ok);
}

#endif /* LD_NO_STDIO */

/* ----------------------------------------------------------------- >>train */

static uint64_t ld__dataset_hash(const ld_dataset *ds) {
    uint64_t h = 1469598103934665603ull;
#define LD__MIX(x) do { h ^= (uint64_t)(x); h *= 1099511628211ull; } while (0)
    LD__MIX(ds->n); LD__MIX(ds->n_fields);
    for (size_t i = 0; i < (size_t)ds->n * ds->n_fields; i++) LD__MIX((uint32_t)ds->len[i]);
    for (size_t i = 0; i < ds->n_tokens; i++) LD__MIX((uint32_t)ds->tokens[i]);
#undef LD__MIX
    return h;
}

static void ld__shuffle(ld_trainer *tr) {
    int n = tr->ds->n;
    tr->epoch_rng = tr->rng.s;
    for (int i = 0; i < n; i++) tr->order[i] = i;
    if (tr->cfg.no_shuffle) return;
    for (int i = n - 1; i > 0; i--) {
        int j = (int)(ld_rng_u32(&tr->rng) % (uint32_t)(i + 1));
        int t = tr->order[i]; tr->order[i] = tr->order[j]; tr->order[j] = t;
    }
}

/* Builds the rows of examples idx[0..n): SFT: one row per (field, example);
   preference: chosen rows 0..n−1, rejected rows n..2n−1. */
static ld_status ld__build_rows(ld_trainer *tr, const int *idx, int n) {
    int T = tr->m->T, r = 0;
    for (int f = 0; f < tr->n_fields; f++)
        for (int i = 0; i < n; i++, r++) {
            ld_status st = ld_dataset_seq(tr->ds, idx[i], tr->fields[f], T, tr->cfg.max_prompt,
                                          tr->m->cfg.eot_token, tr->buf + (size_t)r * T, &tr->rows[r]);
            if (st) return st;
        }
    tr->n_rows = r;
    return LD_OK;
}

LDDEF void ld_trainer_free(ld_trainer *tr) {
    if (!tr) return;
    LD_FREE(tr->ref_logp); LD_FREE(tr->order); LD_FREE(tr->batch_idx); LD_FREE(tr->rows);
    LD_FREE(tr->buf); LD_FREE(tr->row_ref); LD_FREE(tr->row_coef);
    memset(tr, 0, sizeof *tr);
}

LDDEF double ld_trainer_lr(const ld_trainer *tr, long step) {
    const ld_train_config *c = &tr->cfg;
    if (step < c->warmup) return c->lr * (double)(step + 1) / (double)c->warmup;
    long span = tr->total_steps - c->warmup;
    double p = span > 1 ? (double)(step - c->warmup) / (double)(span - 1) : 1.0, r = c->min_lr_ratio;
    if (p > 1) p = 1;
    switch (c->sched) {
    case LD_SCHED_LINEAR: return c->lr * (1 - (1 - r) * p);
    case LD_SCHED_COSINE: return c->lr * (r + (1 - r) * 0.5 * (1 + cos(3.141592653589793 * p)));
    default: return c->lr;
    }
}

LDDEF ld_status ld_trainer_init(ld_trainer *tr, ld_model *m, ld_optim *opt, const ld_dataset *ds,
                                const ld_train_config *cfg, ld_model *ref) {
    if (!tr) return ld__fail(LD_ERR_ARG, "trainer is NULL");
    memset(tr, 0, sizeof *tr);
    if (!m || !m->grad || !opt || !opt->delta || !ds || ds->n < 1 || !cfg)
        return ld__fail(LD_ERR_ARG, "the trainer needs a model made with LD_TRAIN, an optimizer and a non-empty dataset");
    ld_train_config c = *cfg;
    tr->m = m; tr->opt = opt; tr->ds = ds; tr->ref = ref;
    if (c.pref) {
        tr->fields[0] = ld_dataset_field(ds, "chosen");
        tr->fields[1] = ld_dataset_field(ds, "rejected");
        tr->n_fields = 2;
        if (tr->fields[0] < 0 || tr->fields[1] < 0) return ld__fail(LD_ERR_DATA, "preference training needs \"chosen\" and \"rejected\" columns");
        c.loss = ld_pref_opts_resolve(&c.loss);
        ld_status os = ld__pref_opts_check(&c.loss);
        if (os) return os;
    } else {
        for (int f = 0; f < 4 && c.sft_fields[f]; f++) {
            tr->fields[f] = ld_dataset_field(ds, c.sft_fields[f]);
            if (tr->fields[f] < 1) return ld__fail(LD_ERR_DATA, "the dataset has no column \"%s\" to train on", c.sft_fields[f]);
            tr->n_fields++;
        }
        if (!tr->n_fields) {
            tr->fields[0] = ld_dataset_field(ds, "completion");
            if (tr->fields[0] < 0) tr->fields[0] = ld_dataset_field(ds, "chosen");
            if (tr->fields[0] < 1) return ld__fail(LD_ERR_DATA, "SFT needs a \"completion\" (or \"chosen\") column");
            tr->n_fields = 1;
        }
    }
    if (c.batch == 0) c.batch = LD__MIN(m->B / tr->n_fields, ds->n);
    if (c.batch < 1 || (long)c.batch * tr->n_fields > m->B)
        return ld__fail(LD_ERR_ARG, "a batch of %d examples needs %ld rows; the model holds %d", c.batch,
                        (long)c.batch * tr->n_fields, m->B);
    if (c.epochs == 0) c.epochs = 1;
    if (c.lr == 0) c.lr = opt->cfg.lr;
    if (c.epochs < 0 || c.max_steps < 0 || !(c.lr > 0) || !isfinite(c.lr) || c.warmup < 0 ||
        (c.norm != LD_NORM_SEQ_SUM && c.norm != LD_NORM_TOKEN_MEAN) || (int)c.sched < 0 || c.sched > LD_SCHED_COSINE ||
        !(c.min_lr_ratio >= 0 && c.min_lr_ratio <= 1))
        return ld__fail(LD_ERR_ARG, "training settings out of range (epochs %d, max_steps %ld, lr %g, warmup %ld, min_lr_ratio %g)",
                        c.epochs, c.max_steps, c.lr, c.warmup, c.min_lr_ratio);
    tr->cfg = c;
    tr->steps_per_epoch = (ds->n + c.batch - 1) / c.batch;
    tr->total_steps = c.max_steps ? c.max_steps : c.epochs * tr->steps_per_epoch;
    tr->data_hash = ld__dataset_hash(ds);
    int need_ref = c.pref && ld_pref_needs_ref(c.loss.kind);
    if (need_ref && ref && (ref->B < 2 * c.batch || ref->T < m->T || !ld_config_equal(&ref->cfg, &m->cfg)))
        return ld__fail(LD_ERR_ARG, "the reference model must share the policy's config and hold %d rows of %d tokens", 2 * c.batch, m->T);
    tr->order = (int *)LD_MALLOC(sizeof(int) * ds->n);
    tr->batch_idx = (int *)LD_MALLOC(sizeof(int) * c.batch);
    tr->rows = (ld_seq *)LD_MALLOC(sizeof(ld_seq) * m->B);
    tr->buf = (int *)LD_MALLOC(sizeof(int) * (size_t)m->B * m->T);
    tr->row_ref = (double *)LD_MALLOC(sizeof(double) * m->B);
    tr->row_coef = (double *)LD_MALLOC(sizeof(double) * m->B);
    if (!tr->order || !tr->batch_idx || !tr->rows || !tr->buf || !tr->row_ref || !tr->row_coef) { ld_trainer_free(tr); return ld__fail(LD_ERR_OOM, "trainer buffers"); }
    ld_rng_seed(&tr->rng, c.seed);
    ld__shuffle(tr);
    if (need_ref && (c.ref_precompute || !ref)) {
        /* log π_ref of every (chosen, rejected), once, in the file's order */
        ld_model *rm = ref ? ref : m;
        tr->ref_logp = (double *)LD_MALLOC(sizeof(double) * 2 * ds->n);
        if (!tr->ref_logp) { ld_trainer_free(tr); return ld__fail(LD_ERR_OOM, "reference log-probs"); }
        int chunk = LD__MIN(rm->B, m->B) / 2;
        int *idx = (int *)LD_MALLOC(sizeof(int) * chunk);
        if (!idx) { ld_trainer_free(tr); return ld__fail(LD_ERR_OOM, "reference log-probs"); }
        ld_status st = LD_OK;
        for (int i0 = 0; i0 < ds->n && !st; i0 += chunk) {
            int n = LD__MIN(chunk, ds->n - i0);
            for (int i = 0; i < n; i++) idx[i] = i0 + i;
            st = ld__build_rows(tr, idx, n);
            if (!st) st = ld_forward(rm, tr->rows, 2 * n);
            for (int i = 0; i < n && !st; i++) {
                tr->ref_logp[2 * (i0 + i)] = rm->seq_logp[i];
                tr->ref_logp[2 * (i0 + i) + 1] = rm->seq_logp[n + i];
            }
        }
        LD_FREE(idx);
        if (st) { ld_trainer_free(tr); return st; }
    }
    return LD_OK;
}

LDDEF int ld_trainer_done(const ld_trainer *tr) { return !tr || tr->step >= tr->total_steps; }

LDDEF ld_status ld_trainer_next_batch(ld_trainer *tr) {
    if (!tr || !tr->order) return ld__fail(LD_ERR_ARG, "trainer not initialised");
    if (tr->batch_ready) return LD_OK;
    if (tr->cursor >= tr->ds->n) { tr->epoch++; tr->cursor = 0; ld__shuffle(tr); }
    int n = LD__MIN(tr->cfg.batch, tr->ds->n - tr->cursor);
    for (int i = 0; i < n; i++) tr->batch_idx[i] = tr->order[tr->cursor + i];
    tr->batch_n = n;
    ld_status st = ld__build_rows(tr, tr->batch_idx, n);
    if (st) return st;
    tr->batch_ready = 1;
    return LD_OK;
}

LDDEF ld_status ld_trainer_step(ld_trainer *tr) {
    ld_status st = ld_trainer_next_batch(tr);
    if (st) return st;
    ld_model *m = tr->m;
    int n = tr->batch_n;
    if (tr->cfg.pref && ld_pref_needs_ref(tr->cfg.loss.kind)) {
        if (tr->ref_logp) {
            for (int i = 0; i < n; i++) {
                tr->row_ref[i] = tr->ref_logp[2 * tr->batch_idx[i]];
                tr->row_ref[n + i] = tr->ref_logp[2 * tr->batch_idx[i] + 1];
            }
        } else {
            if ((st = ld_forward(tr->ref, tr->rows, tr->n_rows))) return st;
            memcpy(tr->row_ref, tr->ref->seq_logp, sizeof(double) * tr->n_rows);
        }
    }
    if ((st = ld_forward(m, tr->rows, tr->n_rows))) return st;
    if (tr->cfg.pref) {
        st = ld_pref_loss(m, &tr->cfg.loss, tr->row_ref, &tr->metrics, tr->row_coef);
        if (st) return st;
        tr->loss = tr->metrics.loss;
    } else {
        tr->loss = ld_sft_loss(m, tr->cfg.norm);
        if (!isfinite(tr->loss)) return ld__fail(LD_ERR_NAN, "the SFT loss is %g at step %ld", tr->loss, tr->step);
        long ntok = 0;
        for (int r = 0; r < tr->n_rows; r++) ntok += tr->rows[r].len - tr->rows[r].prompt_len;
        for (int r = 0; r < tr->n_rows; r++) tr->row_coef[r] = tr->cfg.norm == LD_NORM_TOKEN_MEAN ? 1.0 / ntok : 1.0 / tr->n_rows;
    }
    ld_zero_grad(m);
    if ((st = ld_backward(m))) return st;
    double lr = ld_trainer_lr(tr, tr->step);
    if ((st = ld_optim_step(tr->opt, m, lr))) return st;
    tr->lr = lr;
    tr->grad_norm = tr->opt->grad_norm;
    for (int r = 0; r < tr->n_rows; r++) tr->tokens += tr->rows[r].len;
    tr->step++;
    tr->cursor += n;
    tr->batch_ready = 0;
    return LD_OK;
}

LDDEF ld_status ld_trainer_run(ld_trainer *tr, int every, ld_train_callback cb, void *user) {
    if (!tr || !tr->order) return ld__fail(LD_ERR_ARG, "trainer not initialised");
    if (every < 1) every = 1;
    if (cb && cb(tr, user)) return LD_OK;
    while (!ld_trainer_done(tr)) {
        ld_status st = ld_trainer_step(tr);
        if (st) return st;
        if (cb && (tr->step % every == 0 || ld_trainer_done(tr)) && cb(tr, user)) return LD_OK;
    }
    return LD_OK;
}

/* ---- the dynamics along a run ---- */

LDDEF void ld_dyn_report_free(ld_dyn_report *r) {
    if (!r) return;
    LD_FREE(r->logp); LD_FREE(r->pred); LD_FREE(r->meas); LD_FREE(r->pred_chosen); LD_FREE(r->pred_rejected);
    LD_FREE(r->drift); LD_FREE(r->pred_layer); LD_FREE(r->share); LD_FREE(r->row_coef); LD_FREE(r->row_example);
    LD_FREE(r->row_rejected); LD_FREE(r->dtheta);
    memset(r, 0, sizeof *r);
}

/* Parameter group of flat index i: 0 embeddings, 1..L blocks, L+1 final. */
static void ld__groups(const ld_config *c, int *first /* (ntensors) */, int *layered) {
    for (int k = 0; k < LD__NTENSORS; k++) {
        ld_tensor_info ti;
        ld_tensor_info_get(c, k, &ti);
        layered[k] = ti.layered;
        first[k] = ti.layered ? 1 : (!strcmp(ti.name, "wte") || !strcmp(ti.name, "wpe")) ? 0 : c->n_layer + 1;
    }
}

LDDEF ld_status ld_dyn_step(ld_trainer *tr, const ld_seq *obs, int n_obs, int apply, ld_dyn_report *r) {
    if (!r) return ld__fail(LD_ERR_ARG, "report is NULL");
    memset(r, 0, sizeof *r);
    if (!tr || !tr->m || (!obs && n_obs > 0) || n_obs < 0) return ld__fail(LD_ERR_ARG, "trainer not initialised or bad observations");
    if (ld_trainer_done(tr)) return ld__fail(LD_ERR_ARG, "the run is over (%ld steps)", tr->step);
    ld_status st = ld_trainer_next_batch(tr);
    if (st) return st;
    ld_model *m = tr->m;
    ld_optim *o = tr->opt;
    size_t P = m->P;
    int nr = tr->n_rows, L = m->cfg.n_layer, ng = L + 2;
    r->n_obs = n_obs; r->n_rows = nr; r->n_groups = ng;
    size_t no = (size_t)(n_obs ? n_obs : 1);
    r->logp = (double *)LD_MALLOC(sizeof(double) * no);
    r->pred = (double *)LD_MALLOC(sizeof(double) * no);
    r->meas = (double *)LD_MALLOC(sizeof(double) * no);
    r->pred_chosen = (double *)LD_MALLOC(sizeof(double) * no);
    r->pred_rejected = (double *)LD_MALLOC(sizeof(double) * no);
    r->drift = (double *)LD_MALLOC(sizeof(double) * no);
    r->pred_layer = (double *)LD_MALLOC(sizeof(double) * no * ng);
    r->share = (double *)LD_MALLOC(sizeof(double) * no * nr);
    r->row_coef = (double *)LD_MALLOC(sizeof(double) * nr);
    r->row_example = (int *)LD_MALLOC(sizeof(int) * nr);
    r->row_rejected = (int *)LD_MALLOC(sizeof(int) * nr);
    r->dtheta = (ld_float *)LD_MALLOC(sizeof(ld_float) * P);
    /* gradients: observed, then rows; the preconditioner; a snapshot to undo */
    ld_float *g = (ld_float *)LD_MALLOC(sizeof(ld_float) * P * ((size_t)n_obs + nr + 1 + (apply ? 0 : 4)));
    if (!r->logp || !r->pred || !r->meas || !r->pred_chosen || !r->pred_rejected || !r->drift || !r->pred_layer ||
        !r->share || !r->row_coef || !r->row_example || !r->row_rejected || !r->dtheta || !g) {
        LD_FREE(g);
        ld_dyn_report_free(r);
        return ld__fail(LD_ERR_OOM, "dynamics buffers for %d gradients of %zu parameters", n_obs + nr, P);
    }
    ld_float *gobs = g, *grow = g + P * n_obs, *pc = grow + P * nr, *snap = pc + P;
    for (int i = 0; i < n_obs && !st; i++) st = ld_dyn_seq_grad(m, &obs[i], gobs + P * i, &r->logp[i]);
    for (int i = 0; i < nr && !st; i++) st = ld_dyn_seq_grad(m, &tr->rows[i], grow + P * i, NULL);
    if (st) { LD_FREE(g); ld_dyn_report_free(r); return st; }
    ld_trainer save_tr = *tr;
    ld_optim save_opt = *o;
    if (!apply) {
        memcpy(snap, m->theta, sizeof(ld_float) * P);
        memcpy(snap + P, o->m1, sizeof(ld_float) * P);
        memcpy(snap + 2 * P, o->m2, sizeof(ld_float) * P);
        memcpy(snap + 3 * P, o->delta, sizeof(ld_float) * P);
    }
    int n_ex = tr->batch_n;
    for (int i = 0; i < nr; i++) {
        r->row_example[i] = tr->batch_idx[i % n_ex];
        r->row_rejected[i] = tr->cfg.pref && i >= n_ex;
    }
    st = ld_trainer_step(tr);
    if (!st) st = ld_optim_precond(o, pc);
    if (!st) {
        r->loss = tr->loss;
        memcpy(r->dtheta, o->delta, sizeof(ld_float) * P);
        memcpy(r->row_coef, tr->row_coef, sizeof(double) * nr);
        int first[LD__NTENSORS], layered[LD__NTENSORS];
        ld__groups(&m->cfg, first, layered);
        for (int i = 0; i < n_obs; i++) {
            const ld_float *go = gobs + P * i;
            double sum = 0, ch = 0, rj = 0;
            for (int k = 0; k < nr; k++) {
                double sh = r->row_coef[k] * ld__dot(go, grow + P * k, pc, P);
                r->share[(size_t)k * n_obs + i] = sh;
                sum += sh;
                if (r->row_rejected[k]) rj += sh; else ch += sh;
            }
            double pred = 0;
            for (int gi = 0; gi < ng; gi++) r->pred_layer[(size_t)i * ng + gi] = 0;
            for (int k = 0; k < LD__NTENSORS; k++) {
                ld_tensor_info ti;
                ld_tensor_info_get(&m->cfg, k, &ti);
                int nl = ti.layered ? L : 1;
                size_t per = ti.size / (size_t)(nl ? nl : 1);
                for (int l = 0; l < nl && ti.size; l++) {
                    size_t off = ti.offset + per * l;
                    double d = ld__dot(go + off, r->dtheta + off, NULL, per);
                    r->pred_layer[(size_t)i * ng + (layered[k] ? 1 + l : first[k])] += d;
                }
            }
            for (int gi = 0; gi < ng; gi++) pred += r->pred_layer[(size_t)i * ng + gi];
            r->pred[i] = pred;
            r->pred_chosen[i] = ch;
            r->pred_rejected[i] = rj;
            r->drift[i] = pred - sum;
        }
        /* measured: log π after the step */
        for (int i = 0; i < n_obs && !st; i += m->B) {
            int k = LD__MIN(m->B, n_obs - i);
            if (!(st = ld_forward(m, obs + i, k))) for (int b = 0; b < k; b++) r->meas[i + b] = m->seq_logp[b] - r->logp[i + b];
        }
    }
    if (!apply) {
        /* undo: θ, optimizer, trainer position; the batch stays prepared */
        memcpy(m->theta, snap, sizeof(ld_float) * P);
        ld_params_changed(m);
        memcpy(o->m1, snap + P, sizeof(ld_float) * P);
        memcpy(o->m2, snap + 2 * P, sizeof(ld_float) * P);
        memcpy(o->delta, snap + 3 * P, sizeof(ld_float) * P);
        ld_float *m1 = o->m1, *m2 = o->m2, *dl = o->delta;
        *o = save_opt;
        o->m1 = m1; o->m2 = m2; o->delta = dl;
        *tr = save_tr;
        tr->batch_ready = 1;
    }
    LD_FREE(g);
    if (st) ld_dyn_report_free(r);
    return st;
}

LDDEF ld_status ld_influence_init(ld_influence *inf, int n_examples, int n_probes) {
    if (!inf) return ld__fail(LD_ERR_ARG, "NULL influence");
    memset(inf, 0, sizeof *inf);
    if (n_examples < 1 || n_probes < 1) return ld__fail(LD_ERR_ARG, "%d examples, %d probes", n_examples, n_probes);
    inf->share = (double *)LD_MALLOC(sizeof(double) * (size_t)n_examples * n_probes);
    inf->pred = (double *)LD_MALLOC(sizeof(double) * 3 * (size_t)n_probes);
    if (!inf->share || !inf->pred) { LD_FREE(inf->share); LD_FREE(inf->pred); memset(inf, 0, sizeof *inf); return ld__fail(LD_ERR_OOM, "influence"); }
    memset(inf->share, 0, sizeof(double) * (size_t)n_examples * n_probes);
    memset(inf->pred, 0, sizeof(double) * 3 * (size_t)n_probes);
    inf->meas = inf->pred + n_probes;
    inf->drift = inf->pred + 2 * n_probes;
    inf->n_examples = n_examples;
    inf->n_probes = n_probes;
    return LD_OK;
}

LDDEF ld_status ld_influence_add(ld_influence *inf, const ld_dyn_report *r) {
    if (!inf || !inf->share || !r || !r->pred) return ld__fail(LD_ERR_ARG, "influence or report not initialised");
    if (r->n_obs != inf->n_probes) return ld__fail(LD_ERR_ARG, "report of %d probes, influence of %d", r->n_obs, inf->n_probes);
    for (int k = 0; k < r->n_rows; k++)
        if (r->row_example[k] < 0 || r->row_example[k] >= inf->n_examples)
            return ld__fail(LD_ERR_ARG, "row %d is example %d; the influence holds %d", k, r->row_example[k], inf->n_examples);
    for (int k = 0; k < r->n_rows; k++)
        for (int i = 0; i < r->n_obs; i++)
            inf->share[(size_t)r->row_example[k] * inf->n_probes + i] += r->share[(size_t)k * r->n_obs + i];
    for (int i = 0; i < r->n_obs; i++) {
        inf->pred[i] += r->pred[i];
        inf->meas[i] += r->meas[i];
        inf->drift[i] += r->drift[i];
    }
    inf->steps++;
    return LD_OK;
}

LDDEF void ld_influence_free(ld_influence *inf) {
    if (!inf) return;
    LD_FREE(inf->share);
    LD_FREE(inf->pred);
    memset(inf, 0, sizeof *inf);
}

LDDEF void ld_probe_result_free(ld_probe_result *r) {
    if (!r) return;
    LD_FREE((void *)r->types); LD_FREE(r->logp); LD_FREE(r->mean); LD_FREE(r->greedy); LD_FREE(r->greedy_len); LD_FREE(r->prompt_len);
    memset(r, 0, sizeof *r);
}

/* Scores k probe rows: log π(y|χ) of each, and for the chosen rows the
   teacher-forced argmax Σ_m log max_v π_m. who: (example, column) pairs. */
static ld_status ld__probe_flush(ld_model *m, const ld_seq *rows, int k, const int *who, ld_probe_result *out, int f_chosen) {
    int nt = out->n_types, V = m->cfg.vocab_size;
    ld_status st = ld_forward(m, rows, k);
    for (int b = 0; b < k && !st; b++) {
        out->logp[(size_t)who[2 * b] * nt + who[2 * b + 1] - 1] = m->seq_logp[b];
        if (who[2 * b + 1] != f_chosen) continue;
        double s = 0;
        for (int t = rows[b].prompt_len - 1; t < rows[b].len - 1; t++) {
            const ld_float *p = m->a.probs + ((size_t)b * m->cur_T + t) * V;
            ld_float mx = p[0];
            for (int v = 1; v < V; v++) if (p[v] > mx) mx = p[v];
            s += log((double)mx);
        }
        out->logp[(size_t)who[2 * b] * nt + nt - 2] = s;
    }
    return st;
}

LDDEF ld_status ld_probe_eval(ld_model *m, const ld_dataset *ds, int max_prompt, ld_probe_result *out) {
    if (!out) return ld__fail(LD_ERR_ARG, "NULL result");
    memset(out, 0, sizeof *out);
    if (!m || !m->theta || !ds || ds->n < 1) return ld__fail(LD_ERR_ARG, "model or probes missing");
    int n = ds->n, nf = ds->n_fields, nt = nf - 1 + 2, T = m->T, B = m->B;
    int f_chosen = ld_dataset_field(ds, "chosen");
    out->n = n; out->n_types = nt; out->T = T;
    out->types = (const char **)LD_MALLOC(sizeof(char *) * nt);
    out->logp = (double *)LD_MALLOC(sizeof(double) * (size_t)n * nt);
    out->mean = (double *)LD_MALLOC(sizeof(double) * nt);
    out->greedy = (int *)LD_MALLOC(sizeof(int) * (size_t)n * T);
    out->greedy_len = (int *)LD_MALLOC(sizeof(int) * n);
    out->prompt_len = (int *)LD_MALLOC(sizeof(int) * n);
    int *buf = (int *)LD_MALLOC(sizeof(int) * (size_t)B * T);
    ld_seq *rows = (ld_seq *)LD_MALLOC(sizeof(ld_seq) * B);
    int *who = (int *)LD_MALLOC(sizeof(int) * 2 * B);
    if (!out->types || !out->logp || !out->mean || !out->greedy || !out->greedy_len || !out->prompt_len || !buf || !rows || !who) {
        LD_FREE(buf); LD_FREE(rows); LD_FREE(who); ld_probe_result_free(out);
        return ld__fail(LD_ERR_OOM, "probe results");
    }
    for (int f = 1; f < nf; f++) out->types[f - 1] = ds->fields[f];
    out->types[nt - 2] = "argmax";
    out->types[nt - 1] = "greedy";
    for (size_t i = 0; i < (size_t)n * nt; i++) out->logp[i] = NAN;
    ld_status st = LD_OK;
    /* every (example, type) present, B rows at a time */
    int k = 0;
    for (int i = 0; i < n && !st; i++)
        for (int f = 1; f < nf && !st; f++) {
            if (ds->len[(size_t)i * nf + f] < 0) continue;
            st = ld_dataset_seq(ds, i, f, T, max_prompt, m->cfg.eot_token, buf + (size_t)k * T, &rows[k]);
            who[2 * k] = i; who[2 * k + 1] = f;
            if (++k == B && !st) { st = ld__probe_flush(m, rows, k, who, out, f_chosen); k = 0; }
        }
    if (k && !st) st = ld__probe_flush(m, rows, k, who, out, f_chosen);
    /* greedy decodes from the prompts (the prompt as cut for the first probe column) */
    for (int i0 = 0; i0 < n && !st; i0 += B) {
        int nb = LD__MIN(B, n - i0);
        for (int b = 0; b < nb && !st; b++) {
            int f = 1;
            while (f < nf && ds->len[(size_t)(i0 + b) * nf + f] < 0) f++;
            ld_seq s;
            if (f >= nf) { /* no response at all: the bare prompt, cut to half the context */
                const int *x = ds->tokens + ds->start[(size_t)(i0 + b) * nf];
                int xl = LD__MAX(0, LD__MIN(ds->len[(size_t)(i0 + b) * nf], T / 2 - 1));
                buf[(size_t)b * T] = m->cfg.eot_token;
                memcpy(buf + (size_t)b * T + 1, x, sizeof(int) * xl);
                s.len = xl + 1;
            } else {
                st = ld_dataset_seq(ds, i0 + b, f, T, max_prompt, m->cfg.eot_token, buf + (size_t)b * T, &s);
                s.len = s.prompt_len;
            }
            rows[b].tokens = buf + (size_t)b * T;
            rows[b].len = rows[b].prompt_len = s.len;
            out->prompt_len[i0 + b] = s.len;
        }
        if (!st) st = ld_generate(m, rows, nb, T, NULL, NULL, out->greedy + (size_t)i0 * T, out->greedy_len + i0);
        for (int b = 0; b < nb && !st; b++) {
            rows[b].tokens = out->greedy + (size_t)(i0 + b) * T;
            rows[b].len = out->greedy_len[i0 + b];
            rows[b].prompt_len = out->prompt_len[i0 + b];
        }
        /* its log-prob, teacher-forced (a decode of zero tokens has none) */
        int nk = 0;
        for (int b = 0; b < nb; b++) if (rows[b].len > rows[b].prompt_len) { rows[nk] = rows[b]; who[nk++] = i0 + b; }
        if (nk && !st && !(st = ld_forward(m, rows, nk)))
            for (int b = 0; b < nk; b++) out->logp[(size_t)who[b] * nt + nt - 1] = m->seq_logp[b];
    }
    for (int t = 0; t < nt; t++) {
        double s = 0;
        int c = 0;
        for (int i = 0; i < n; i++) if (!isnan(out->logp[(size_t)i * nt + t])) { s += out->logp[(size_t)i * nt + t]; c++; }
        out->mean[t] = c ? s / c : NAN;
    }
    LD_FREE(buf); LD_FREE(rows); LD_FREE(who);
    if (st) ld_probe_result_free(out);
    return st;
}

#ifndef LD_NO_STDIO

/* A flat tensor of n elements into ld_float (dst) or double (dstd). */
static ld_status ld__st_read_flat(ld__st_file *s, const char *name, size_t n, ld_float *dst, double *dstd) {
    int ei = ld__st_find(s, name);
    if (ei < 0) return ld__fail(LD_ERR_MISSING, "tensor %s is missing", name);
    ld__st_entry *e = &s->e[ei];
    if (e->dsize != 4 && e->dsize != 8) return ld__fail(LD_ERR_DTYPE, "tensor %s has dtype %s", name, e->dtype);
    if (e->end - e->begin != (uint64_t)n * e->dsize) return ld__fail(LD_ERR_SHAPE, "tensor %s has %llu bytes; expected %zu elements", name, (unsigned long long)(e->end - e->begin), n);
    unsigned char *buf = (unsigned char *)LD_MALLOC(n * e->dsize + 1);
    if (!buf) return ld__fail(LD_ERR_OOM, "reading %s", name);
    ld_status st = LD_OK;
    if (fseek(s->f, (long)(s->data_start + e->begin), SEEK_SET) || fread(buf, e->dsize, n, s->f) != n)
        st = ld__fail(LD_ERR_IO, "short read of %s", name);
    for (size_t i = 0; i < n && !st; i++) {
        double v;
        if (e->dsize == 8) memcpy(&v, buf + 8 * i, 8);
        else { float f; memcpy(&f, buf + 4 * i, 4); v = f; }
        if (!isfinite(v) || !isfinite((ld_float)v)) st = ld__fail(LD_ERR_NAN, "tensor %s holds a NaN or infinity (in this precision)", name);
        else if (dst) dst[i] = (ld_float)v;
        else dstd[i] = v;
    }
    LD_FREE(buf);
    return st;
}

/* A __metadata__ string as an unsigned integer; 0 on success. */
static int ld__st_meta_u64(ld__st_file *s, const char *key, uint64_t *out) {
    int md = ld__json_get(&s->j, 0, "__metadata__");
    int v = ld__json_get(&s->j, md, key);
    char buf[32];
    long n = v >= 0 ? ld__json_str(&s->j, v, buf, sizeof buf - 1) : -1;
    if (n <= 0) return -1;
    uint64_t x = 0;
    for (long i = 0; i < n; i++) {
        if (buf[i] < '0' || buf[i] > '9' || x > (UINT64_MAX - 9) / 10) return -1;
        x = x * 10 + (uint64_t)(buf[i] - '0');
    }
    *out = x;
    return 0;
}

LDDEF ld_status ld_trainer_save(const ld_trainer *tr, const char *dir) {
    if (!tr || !tr->m || !dir) return ld__fail(LD_ERR_ARG, "trainer not initialised or directory NULL");
    ld_status st = ld_save(tr->m, dir);
    if (st) return st;
    char v[9][24], path[4096];
    snprintf(v[0], 24, "%ld", tr->step);
    snprintf(v[1], 24, "%d", tr->epoch);
    snprintf(v[2], 24, "%d", tr->cursor);
    snprintf(v[3], 24, "%ld", tr->opt->step);
    snprintf(v[4], 24, "%llu", (unsigned long long)tr->epoch_rng);
    snprintf(v[5], 24, "%llu", (unsigned long long)tr->rng.s);
    snprintf(v[6], 24, "%llu", (unsigned long long)tr->data_hash);
    snprintf(v[7], 24, "%d", tr->ds->n);
    snprintf(v[8], 24, "%ld", tr->tokens);
    const char *meta[] = { "ld_trainer", "1", "step", v[0], "epoch", v[1], "cursor", v[2], "optim_step", v[3],
                           "epoch_rng", v[4], "rng", v[5], "data_hash", v[6], "data_n", v[7], "tokens", v[8], NULL };
    ld__st_out t[3];
    memset(t, 0, sizeof t);
    int n = 2;
    size_t P = tr->m->P;
    if (P > 0x7FFFFFFF) return ld__fail(LD_ERR_ARG, "too many parameters for one tensor");
    strcpy(t[0].name, "optim.m1"); t[0].data = tr->opt->m1; t[0].esize = (int)sizeof(ld_float); t[0].cols = (int)P;
    strcpy(t[1].name, "optim.m2"); t[1].data = tr->opt->m2; t[1].esize = (int)sizeof(ld_float); t[1].cols = (int)P;
    if (tr->ref_logp) { strcpy(t[2].name, "ref_logp"); t[2].data = tr->ref_logp; t[2].esize = 8; t[2].rows = tr->ds->n; t[2].cols = 2; n = 3; }
    ld__path(path, sizeof path, dir, "trainer.safetensors");
    return ld__st_write(path, t, n, meta);
}

LDDEF ld_status ld_trainer_resume(ld_trainer *tr, const char *dir) {
    if (!tr || !tr->m || !dir) return ld__fail(LD_ERR_ARG, "trainer not initialised or directory NULL");
    char path[4096];
    ld__path(path, sizeof path, dir, "trainer.safetensors");
    ld__st_file s;
    ld_status st = ld__st_open(&s, path);
    if (st) return st;
    uint64_t step = 0, epoch = 0, cursor = 0, ostep = 0, erng = 0, rng = 0, hash = 0, n = 0, tokens = 0;
    size_t P = tr->m->P;
    ld_float *m1 = (ld_float *)LD_MALLOC(sizeof(ld_float) * 2 * P);
    double *ref = tr->ref_logp ? (double *)LD_MALLOC(sizeof(double) * 2 * tr->ds->n) : NULL;
    if (!m1 || (tr->ref_logp && !ref)) st = ld__fail(LD_ERR_OOM, "resume buffers");
    if (!st && (ld__st_meta_u64(&s, "step", &step) || ld__st_meta_u64(&s, "epoch", &epoch) ||
                ld__st_meta_u64(&s, "cursor", &cursor) || ld__st_meta_u64(&s, "optim_step", &ostep) ||
                ld__st_meta_u64(&s, "epoch_rng", &erng) || ld__st_meta_u64(&s, "rng", &rng) ||
                ld__st_meta_u64(&s, "data_hash", &hash) || ld__st_meta_u64(&s, "data_n", &n) ||
                ld__st_meta_u64(&s, "tokens", &tokens)))
        st = ld__fail(LD_ERR_FORMAT, "%s: the training state is incomplete", path);
    if (!st && (hash != tr->data_hash || n != (uint64_t)tr->ds->n))
        st = ld__fail(LD_ERR_DATA, "%s was written for another dataset (%llu examples)", path, (unsigned long long)n);
    if (!st && (cursor > n || step > (uint64_t)1 << 40 || ostep > (uint64_t)1 << 40 || epoch > (uint64_t)1 << 30 ||
                tokens > (uint64_t)1 << 60))
        st = ld__fail(LD_ERR_FORMAT, "%s: position out of range", path);
    if (!st) {
        /* the checkpoint's model must be this model: same shape, not just as many numbers */
        ld_config cc;
        const ld_config *mc = &tr->m->cfg;
        char cpath[4096];
        ld__path(cpath, sizeof cpath, dir, "config.json");
        st = ld_load_config(&cc, cpath);
        if (!st && (cc.vocab_size != mc->vocab_size || cc.context != mc->context || cc.n_layer != mc->n_layer ||
                    cc.n_head != mc->n_head || cc.n_embd != mc->n_embd || !cc.untied_head != !mc->untied_head ||
                    cc.eot_token != mc->eot_token))
            st = ld__fail(LD_ERR_SHAPE, "%s describes another model (V %d, context %d, %d layers, %d heads, %d channels, "
                                        "%s head, eot %d)", cpath, cc.vocab_size, cc.context, cc.n_layer, cc.n_head,
                          cc.n_embd, cc.untied_head ? "untied" : "tied", cc.eot_token);
    }
    if (!st) st = ld__st_read_flat(&s, "optim.m1", P, m1, NULL);
    if (!st) st = ld__st_read_flat(&s, "optim.m2", P, m1 + P, NULL);
    if (!st && ref) st = ld__st_read_flat(&s, "ref_logp", 2 * (size_t)tr->ds->n, NULL, ref);
    ld__st_close(&s);
    if (!st) {
        ld__path(path, sizeof path, dir, "model.safetensors");
        st = ld_load_params(tr->m, path);   /* θ changes only if this succeeds */
    }
    if (!st) {
        memcpy(tr->opt->m1, m1, sizeof(ld_float) * P);
        memcpy(tr->opt->m2, m1 + P, sizeof(ld_float) * P);
        tr->opt->step = (long)ostep;
        if (ref) memcpy(tr->ref_logp, ref, sizeof(double) * 2 * tr->ds->n);
        tr->step = (long)step; tr->epoch = (int)epoch; tr->cursor = (int)cursor; tr->tokens = (long)tokens;
        tr->rng.s = erng;
        ld__shuffle(tr);              /* this epoch's order, as it was drawn */
        tr->rng.s = rng;
        tr->batch_ready = 0;
    }
    LD_FREE(m1);
    LD_FREE(ref);
    return st;
}
#endif /* LD_NO_STDIO */

/* -------------------------------------------------------------- >>selftest */
#ifdef LD_LLM_SELFTEST

/* A layer under test: its inputs (each with room for a gradient and a
   tangent), an output, and three callbacks. The scalar checked is
   L = Σ r ⊙ out for a fixed random r.                                       */
#define LD__ST_MAXIN 4
typedef struct {
    const char *name;
    int nin;
    ld_float *in[LD__ST_MAXIN], *gin[LD__ST_MAXIN], *tin[LD__ST_MAXIN];
    size_t nel[LD__ST_MAXIN];
    ld_float *out, *r, *tout;
    size_t nout;
    int B, T, C, NH, OC;
    int *tok;
    ld_float *s1, *s2, *s3;  /* layer-specific caches and scratch */
    void (*fwd)(void *);
    void (*bwd)(void *);     /* dout = r */
    void (*jvp)(void *);
} ld__st_case;

static double ld__st_loss(ld__st_case *c) {
    c->fwd(c);
    double s = 0;
    for (size_t i = 0; i < c->nout; i++) s += (double)c->r[i] * c->out[i];
    return s;
}

static int ld__st_run(ld__st_case *c, int verbose) {
#ifdef LD_LLM_DOUBLE
    const double h = 1e-5, tol = 1e-6;
#else
    const double h = 1e-2, tol = 2e-2;
#endif
    int fails = 0;
    for (int k = 0; k < c->nin; k++) if (c->gin[k]) memset(c->gin[k], 0, sizeof(ld_float) * c->nel[k]);
    c->fwd(c);
    c->bwd(c);
    for (int k = 0; k < c->nin; k++) {
        if (!c->gin[k]) continue;
        double maxerr = 0, maxref = 0;
        for (size_t i = 0; i < c->nel[k]; i++) {
            ld_float keep = c->in[k][i];
            c->in[k][i] = keep + (ld_float)h;
            double lp = ld__st_loss(c);
            c->in[k][i] = keep - (ld_float)h;
            double lm = ld__st_loss(c);
            c->in[k][i] = keep;
            double fd = (lp - lm) / (2 * h);
            maxerr = LD__MAX(maxerr, fabs(fd - c->gin[k][i]));
            maxref = LD__MAX(maxref, fabs(fd));
        }
        double rel = maxerr / (maxref > 0 ? maxref : 1);
        int ok = rel <= tol && maxref > 0;
        fails += !ok;
        if (verbose) printf("%-4s %-10s backward input %d: max|fd−grad| / max|fd| = %.2e\n", ok ? "OK" : "FAIL", c->name, k, rel);
    }
    if (c->jvp) {
        c->fwd(c);
        c->jvp(c);
        ld_float *plus = (ld_float *)LD_MALLOC(sizeof(ld_float) * c->nout);
        if (!plus) return fails + 1;
        for (int k = 0; k < c->nin; k++) for (size_t i = 0; i < c->nel[k]; i++) c->in[k][i] += (ld_float)h * c->tin[k][i];
        c->fwd(c);
        memcpy(plus, c->out, sizeof(ld_float) * c->nout);
        for (int k = 0; k < c->nin; k++) for (size_t i = 0; i < c->nel[k]; i++) c->in[k][i] -= (ld_float)(2 * h) * c->tin[k][i];
        c->fwd(c);
        for (int k = 0; k < c->nin; k++) for (size_t i = 0; i < c->nel[k]; i++) c->in[k][i] += (ld_float)h * c->tin[k][i];
        double maxerr = 0, maxref = 0;
        for (size_t i = 0; i < c->nout; i++) {
            double fd = ((double)plus[i] - c->out[i]) / (2 * h);
            maxerr = LD__MAX(maxerr, fabs(fd - c->tout[i]));
            maxref = LD__MAX(maxref, fabs(fd));
        }
        LD_FREE(plus);
        double rel = maxerr / (maxref > 0 ? maxref : 1);
        int ok = rel <= tol && maxref > 0;
        fails += !ok;
        if (verbose) printf("%-4s %-10s jvp: max|fd−jvp| / max|fd| = %.2e\n", ok ? "OK" : "FAIL", c->name, rel);
    }
    return fails;
}

static void ld__st_enc_f(void *p) { ld__st_case *c = (ld__st_case *)p; ld_encoder_forward(c->out, c->tok, c->in[0], c->in[1], c->B, c->T, c->C); }
static void ld__st_enc_b(void *p) { ld__st_case *c = (ld__st_case *)p; ld_encoder_backward(c->gin[0], c->gin[1], c->r, c->tok, c->B, c->T, c->C); }
static void ld__st_enc_j(void *p) { ld__st_case *c = (ld__st_case *)p; ld_encoder_jvp(c->tout, c->tok, c->tin[0], c->tin[1], c->B, c->T, c->C); }
static void ld__st_ln_f(void *p) { ld__st_case *c = (ld__st_case *)p; ld_layernorm_forward(c->out, c->s1, c->s2, c->in[0], c->in[1], c->in[2], c->B * c->T, c->C, 1e-5); }
static void ld__st_ln_b(void *p) { ld__st_case *c = (ld__st_case *)p; ld_layernorm_backward(c->gin[0], c->gin[1], c->gin[2], c->r, c->in[0], c->in[1], c->s1, c->s2, c->B * c->T, c->C); }
static void ld__st_ln_j(void *p) { ld__st_case *c = (ld__st_case *)p; ld_layernorm_jvp(c->tout, c->in[0], c->tin[0], c->in[1], c->tin[1], c->tin[2], c->s1, c->s2, c->B * c->T, c->C); }
static void ld__st_mm_f(void *p) { ld__st_case *c = (ld__st_case *)p; ld_matmul_forward(c->out, c->in[0], c->in[1], c->in[2], c->B * c->T, c->C, c->OC); }
static void ld__st_mm_b(void *p) { ld__st_case *c = (ld__st_case *)p; ld_matmul_backward(c->gin[0], c->gin[1], c->gin[2], c->r, c->in[0], c->in[1], c->B * c->T, c->C, c->OC); }
static void ld__st_mm_j(void *p) { ld__st_case *c = (ld__st_case *)p; ld_matmul_jvp(c->tout, c->in[0], c->tin[0], c->in[1], c->tin[1], c->tin[2], c->B * c->T, c->C, c->OC); }
static void ld__st_at_f(void *p) { ld__st_case *c = (ld__st_case *)p; ld_attention_forward(c->out, c->s1, c->in[0], c->B, c->T, c->C, c->NH); }
static void ld__st_at_b(void *p) { ld__st_case *c = (ld__st_case *)p; ld_attention_backward(c->gin[0], c->s2, c->r, c->in[0], c->s1, c->B, c->T, c->C, c->NH); }
static void ld__st_at_j(void *p) { ld__st_case *c = (ld__st_case *)p; ld_attention_jvp(c->tout, c->s2, c->in[0], c->tin[0], c->s1, c->B, c->T, c->C, c->NH); }
static void ld__st_ge_f(void *p) { ld__st_case *c = (ld__st_case *)p; ld_gelu_forward(c->out, c->in[0], c->nel[0]); }
static void ld__st_ge_b(void *p) { ld__st_case *c = (ld__st_case *)p; ld_gelu_backward(c->gin[0], c->in[0], c->r, c->nel[0]); }
static void ld__st_ge_j(void *p) { ld__st_case *c = (ld__st_case *)p; ld_gelu_jvp(c->tout, c->in[0], c->tin[0], c->nel[0]); }

/* Allocates the buffers of a case and fills inputs, r and tangents randomly. */
static int ld__st_alloc(ld__st_case *c, ld_rng *rng, double scale0) {
    for (int k = 0; k < c->nin; k++) {
        c->in[k] = (ld_float *)LD_MALLOC(sizeof(ld_float) * c->nel[k]);
        c->gin[k] = (ld_float *)LD_MALLOC(sizeof(ld_float) * c->nel[k]);
        c->tin[k] = (ld_float *)LD_MALLOC(sizeof(ld_float) * c->nel[k]);
        if (!c->in[k] || !c->gin[k] || !c->tin[k]) return -1;
        for (size_t i = 0; i < c->nel[k]; i++) {
            c->in[k][i] = (ld_float)((k == 0 ? scale0 : 0.5) * ld_rng_normal(rng));
            c->tin[k][i] = (ld_float)ld_rng_normal(rng);
        }
    }
    c->out = (ld_float *)LD_MALLOC(sizeof(ld_float) * c->nout);
    c->r = (ld_float *)LD_MALLOC(sizeof(ld_float) * c->nout);
    c->tout = (ld_float *)LD_MALLOC(sizeof(ld_float) * c->nout);
    if (!c->out || !c->r || !c->tout) return -1;
    for (size_t i = 0; i < c->nout; i++) c->r[i] = (ld_float)ld_rng_normal(rng);
    return 0;
}

static void ld__st_free(ld__st_case *c) {
    for (int k = 0; k < c->nin; k++) { LD_FREE(c->in[k]); LD_FREE(c->gin[k]); LD_FREE(c->tin[k]); }
    LD_FREE(c->out); LD_FREE(c->r); LD_FREE(c->tout); LD_FREE(c->s1); LD_FREE(c->s2); LD_FREE(c->s3); LD_FREE(c->tok);
}

LDDEF int ld_selftest(int verbose) {
    ld_rng rng;
    ld_rng_seed(&rng, 42);
    int B = 2, T = 5, C = 8, NH = 2, OC = 6, V = 7, fails = 0;
    for (int which = 0; which < 5; which++) {
        ld__st_case c;
        memset(&c, 0, sizeof c);
        c.B = B; c.T = T; c.C = C; c.NH = NH; c.OC = OC;
        double scale0 = 1.0;
        switch (which) {
        case 0:
            c.name = "encoder"; c.nin = 2; c.nel[0] = (size_t)V * C; c.nel[1] = (size_t)T * C; c.nout = (size_t)B * T * C;
            c.fwd = ld__st_enc_f; c.bwd = ld__st_enc_b; c.jvp = ld__st_enc_j;
            c.tok = (int *)LD_MALLOC(sizeof(int) * B * T);
            if (c.tok) for (int i = 0; i < B * T; i++) c.tok[i] = (int)(ld_rng_u32(&rng) % 3); /* repeats on purpose */
            break;
        case 1:
            c.name = "layernorm"; c.nin = 3; c.nel[0] = (size_t)B * T * C; c.nel[1] = c.nel[2] = C; c.nout = (size_t)B * T * C;
            c.fwd = ld__st_ln_f; c.bwd = ld__st_ln_b; c.jvp = ld__st_ln_j;
            c.s1 = (ld_float *)LD_MALLOC(sizeof(ld_float) * B * T); c.s2 = (ld_float *)LD_MALLOC(sizeof(ld_float) * B * T);
            break;
        case 2:
            c.name = "matmul"; c.nin = 3; c.nel[0] = (size_t)B * T * C; c.nel[1] = (size_t)OC * C; c.nel[2] = OC;
            c.nout = (size_t)B * T * OC;
            c.fwd = ld__st_mm_f; c.bwd = ld__st_mm_b; c.jvp = ld__st_mm_j;
            break;
        case 3:
            c.name = "attention"; c.nin = 1; c.nel[0] = (size_t)B * T * 3 * C; c.nout = (size_t)B * T * C;
            c.fwd = ld__st_at_f; c.bwd = ld__st_at_b; c.jvp = ld__st_at_j;
            c.s1 = (ld_float *)LD_MALLOC(sizeof(ld_float) * B * NH * T * T);
            c.s2 = (ld_float *)LD_MALLOC(sizeof(ld_float) * B * NH * T * T);
            scale0 = 1.5;
            break;
        case 4:
            c.name = "gelu"; c.nin = 1; c.nel[0] = (size_t)B * T * C; c.nout = c.nel[0];
            c.fwd = ld__st_ge_f; c.bwd = ld__st_ge_b; c.jvp = ld__st_ge_j;
            scale0 = 2.0;
            break;
        }
        if (ld__st_alloc(&c, &rng, scale0) || (which == 0 && !c.tok) || ((which == 1 || which == 3) && (!c.s1 || !c.s2))) {
            if (verbose) printf("FAIL %s: out of memory\n", c.name);
            fails++;
        } else {
            if (which == 1) for (int i = 0; i < C; i++) c.in[1][i] += 1; /* LN weights near 1 */
            fails += ld__st_run(&c, verbose);
        }
        ld__st_free(&c);
    }
    return fails;
}
#endif /* LD_LLM_SELFTEST */

#endif /* LD_LLM_IMPLEMENTATION_DONE */
#endif /* LD_LLM_IMPLEMENTATION */

/*
------------------------------------------------------------------------------
This software is available under 2 licenses -- choose whichever you prefer.
------------------------------------------------------------------------------
ALTERNATIVE A - MIT License
Copyright (c) 2026 the ld_llm authors
Permission is hereby granted, free of charge, to any person obtaining a copy of
this software and associated documentation files (the "Software"), to deal in
the Software without restriction, including without limitation the rights to
use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies
of the Software, and to permit persons to whom the Software is furnished to do
so, subject to the following conditions:
The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.
THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
------------------------------------------------------------------------------
ALTERNATIVE B - Public Domain (www.unlicense.org)
This is free and unencumbered software released into the public domain.
Anyone is free to copy, modify, publish, use, compile, sell, or distribute this
software, either in source code form or as a compiled binary, for any purpose,
commercial or non-commercial, and by any means.
In jurisdictions that recognize copyright laws, the author or authors of this
software dedicate any and all copyright interest in the software to the public
domain. We make this dedication in the hope that it will encourage the public
to use and benefit from the software.
------------------------------------------------------------------------------
*/
