/* ld_llm.h — learning dynamics of LLM finetuning, in one C header.

   A transformer of the families people study (GPT-2, GPT-NeoX/Pythia,
   Llama/SmolLM2, Qwen2) with exact forward, backward and forward-mode (JVP)
   passes, the finetuning losses, and the one-step decomposition of Ren & Sutherland,
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
       >>families   (implementation) each family's checkpoint names and layouts
       >>layers     forward / backward / jvp triples, llm.c argument order
       >>model      one block walk for every family, per-sequence log-probs, generation
       >>losses     SFT, TRL's preference losses by name (and lists of them,
                    f-divergences, LD-DPO, WPO), KTO, cDPO, IPO on sums,
                    DPOP, SimPO, ORPO, + RPO's NLL; each writes its residual G
       >>optim      SGD, AdamW, RMSprop; each step exposes Δθ and its preconditioner
       >>dynamics   A, K, G; Δ log π predicted (JVP, one backward) and measured
                    (and ‖A‖, ‖G‖, K·G one by one); hidden states, CHES, entanglement
       >>tokenizer  bytes, or a Hugging Face tokenizer.json (byte-level BPE);
                    a model's text through its tokenizer
       >>io         safetensors in each family's Hugging Face layout, JSONL data
       >>train      the training loop: batches, schedule, checkpoints, resume
       >>selftest   finite-difference checks of every layer (LD_LLM_SELFTEST)
       >>cuda       the optional GPU unit ld_llm_cuda.cu (LD_LLM_CUDA)
       >>unicode    (implementation, last) generated Unicode tables

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
       LD_NO_PTHREAD     do not use a POSIX thread key to free a thread's
                         scratch at its exit (call ld_thread_cleanup)

   ERROR CONTRACT. Every fallible call returns an ld_status (LD_OK = 0, errors
   negative); ld_failure_reason() then says what went wrong, in words. Bad
   input (a token id outside [0,V), a sequence longer than the context, an
   empty response, a NaN, a malformed file) is an error, never a crash, and a
   call that fails leaves the caller's data as it was. The library never
   calls exit() and never prints.

   THREADS. A model (ld_model, and the trainer, optimizer and reports that
   use it) belongs to one thread at a time: every call on it, a forward
   included, writes its buffers, so two threads using one model get wrong
   numbers without any error. Use one model per thread (ld_model_copy_params
   copies θ). What several threads may share, read-only: a dataset after
   it is parsed, a config, probe results, and a model's θ while no call on
   that model runs. The library has no other shared state: the failure
   reason is per thread, and so is the packing buffer of the matrix
   products (up to about 1 MB), freed when the thread exits (POSIX threads)
   or by ld_thread_cleanup(). Within one call, OpenMP threads split the
   work; with several threads of your own, each call's OpenMP team adds to
   them (set OMP_NUM_THREADS to match).

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
       0.3  (next)      every loss_type of TRL's DPOTrainer and lists of them,
                        f-divergences, LD-DPO, WPO, KTO on unpaired rows
                        (LD_DATA_UNPAIRED); ld_pref_eval, ld_kto_eval;
                        LD_IPO is now TRL's per-token IPO (LD_IPO_SUM the
                        summed one); ld_pref_loss reports ld_row_coef;
                        ld_pref_opts starts with beta (= {0} in C++);
                        a model's tokenizer: m->tokenizer, read by ld_load
                        (LD_LOAD_NO_TOKENIZER) and written by ld_save
                        (ld_tokenizer_save), ld_model_set_tokenizer,
                        ld_model_encode / decode / token_string,
                        ld_data_opts.tokenizer, ld_dataset_from_strings_opts;
                        text as bytes only for V = 256 or 257 (ld_text_check)
                        ld_hidden_states; Razin et al.'s CHES and LN-CHES
                        (ld_dyn_ches) and gradient entanglement
                        (ld_dyn_entanglement); the three terms of Prop. 1
                        one by one (ld_dyn_terms_sft, ld_dyn_terms_pair)

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

/* Frees the scratch of the calling thread and of its OpenMP team (the
   packing buffers of the matrix products, kept between calls for speed).
   With POSIX threads this happens by itself when a thread exits; call it
   where that is not so (Windows, LD_NO_PTHREAD) before a thread that used
   the library ends, or to give the memory back early. The next product
   allocates it again.                                                      */
LDDEF void ld_thread_cleanup(void);

/* The architecture as data: a family (how its checkpoints are laid out,
   and the defaults of the switches below) and the switches. Each switch's
   0 means "the family's"; ld_config_check refuses a combination the
   family's checkpoints cannot express.                                    */
typedef enum {
    LD_FAMILY_GPT2 = 1,     /* GPT2LMHeadModel                              */
    LD_FAMILY_GPT_NEOX,     /* GPTNeoXForCausalLM (Pythia)                  */
    LD_FAMILY_LLAMA,        /* LlamaForCausalLM (SmolLM2, TinyLlama, Llama) */
    LD_FAMILY_QWEN2         /* Qwen2ForCausalLM (Qwen1.5, Qwen2, Qwen2.5)   */
} ld_family;
enum { LD_LAYERNORM = 1, LD_RMSNORM };                  /* norm         */
enum { LD_GELU_TANH = 1, LD_GELU_ERF, LD_SWIGLU };      /* act          */
enum { LD_SEQUENTIAL = 1, LD_PARALLEL };                /* residual     */
enum { LD_POS_LEARNED = 1, LD_POS_ROTARY };             /* pos          */
enum { LD_ROPE_NONE = 1, LD_ROPE_LINEAR, LD_ROPE_LLAMA3 }; /* rope_scaling */
enum { LD_BIAS_QKV = 1, LD_BIAS_O = 2, LD_BIAS_MLP = 4, LD_BIAS_NONE = 8 }; /* biases */
/* A token id meaning "none" (a model without a bos token, say). */
#define LD_NO_TOKEN (-1)

/* The model's description, one row per field, in one list that makes the
   struct, ld_config_resolve, ld_config_equal and the description in error
   messages. Zero-initialise and set what you need: a field left 0 takes the
   default of its row (ld_config_resolve fills them in, top to bottom, so a
   default may use the fields above it; LD__FAM(c) is the family's row of
   the families' table, >>families). A zeroed config is GPT-2's architecture at a toy
   size. Columns: type, name, default, whether it is part of the model's
   identity (ld_config_equal; a checkpoint must match it to resume), printf
   format.                                                                 */
#define LD__CONFIG_LIST(X)                                                        \
    X(int,   family,            LD_FAMILY_GPT2,            1, "family %d")        \
      /* [gpt2] the layout of checkpoints and the switches' defaults         */   \
    X(int,   vocab_size,        257,                       1, "vocab_size %d")    \
      /* V   [257: 256 bytes + <|endoftext|>]                                */   \
    X(int,   context,           64,                        1, "context %d")       \
      /* T   [64] positions (n_positions, max_position_embeddings)           */   \
    X(int,   n_layer,           2,                         1, "n_layer %d")       \
      /* L   [2]                                                             */   \
    X(int,   n_head,            4,                         1, "n_head %d")        \
      /* NH  [4]  query heads                                                */   \
    X(int,   n_embd,            64,                        1, "n_embd %d")        \
      /* C   [64]                                                            */   \
    X(int,   n_kv_head,         c.n_head,                  1, "n_kv_head %d")     \
      /* NKV [NH] key-value heads (GQA: NH/NKV query heads share one)        */   \
    X(int,   head_dim,          c.n_embd / c.n_head,       1, "head_dim %d")      \
      /* HS  [C/NH] channels of one head                                     */   \
    X(int,   intermediate,      4 * c.n_embd,              1, "intermediate %d")  \
      /* I   [4C] the MLP's width (SwiGLU: of gate and of up, each)          */   \
    X(int,   untied_head,       0,                         1, "untied_head %d")   \
      /* [0] 0: logits use wte (GPT-2); 1: own lm_head (V,C)                 */   \
    X(int,   norm,              LD__FAM(c).norm,           1, "norm %d")          \
      /* [fam] LD_LAYERNORM (with bias) or LD_RMSNORM                        */   \
    X(int,   act,               LD__FAM(c).act,            1, "act %d")           \
      /* [fam] LD_GELU_TANH, LD_GELU_ERF or LD_SWIGLU                        */   \
    X(int,   residual,          LD__FAM(c).residual,       1, "residual %d")      \
      /* [fam] LD_SEQUENTIAL: x+attn, then +mlp; LD_PARALLEL (GPT-NeoX):     */   \
      /*       x + attn(LN1 x) + mlp(LN2 x)                                  */   \
    X(int,   biases,            LD__FAM(c).biases,         1, "biases %d")        \
      /* [fam] which projections have a bias: LD_BIAS_QKV | LD_BIAS_O |      */   \
      /*       LD_BIAS_MLP, or LD_BIAS_NONE for none                         */   \
    X(int,   pos,               LD__FAM(c).pos,            1, "pos %d")           \
      /* [fam] LD_POS_LEARNED (wpe) or LD_POS_ROTARY                         */   \
    X(double,rotary_pct,        LD__FAM(c).rotary_pct,     1, "rotary_pct %g")    \
      /* [fam] share of each head's dims rotated (R = HS·pct, even)          */   \
    X(double,rope_theta,        10000.0,                   1, "rope_theta %g")    \
      /* [1e4] rotary base θ: inv_freq_i = θ^(−2i/R)                         */   \
    X(int,   rope_scaling,      LD_ROPE_NONE,              1, "rope_scaling %d")  \
      /* [none] LD_ROPE_NONE, LD_ROPE_LINEAR or LD_ROPE_LLAMA3               */   \
    X(double,rope_factor,       1.0,                       1, "rope_factor %g")   \
      /* [1] linear and llama3: the scaling factor                           */   \
    X(double,rope_low_freq,     1.0,                       1, "rope_low_freq %g") \
      /* [1] llama3: low_freq_factor                                         */   \
    X(double,rope_high_freq,    4.0,                       1, "rope_high_freq %g") \
      /* [4] llama3: high_freq_factor                                        */   \
    X(int,   rope_orig_context, c.context,                 1, "rope_orig_context %d") \
      /* [T] llama3: original_max_position_embeddings                        */   \
    X(int,   ids_set,           0,                         1, "ids_set %d")       \
      /* [0] 0: bos_token = eos_token = V−1, the byte-level <|endoftext|>,    */  \
      /*    whatever the two hold; 1: they are as given (0 is a real id)     */   \
    X(int,   bos_token,         0,                         1, "bos_token %d")     \
      /* the token that starts every sequence, or LD_NO_TOKEN                */   \
    X(int,   eos_token,         0,                         1, "eos_token %d")     \
      /* the token that ends a response and stops generation, or LD_NO_TOKEN */   \
    X(double,init_std,          0.02,                      0, "init_std %g")      \
      /* [0.02] std of the initial weights (GPT-2's range)                   */   \
    X(double,ln_eps,            1e-5,                      1, "ln_eps %g")        \
      /* [1e-5] the norms' epsilon (layer_norm_eps, rms_norm_eps)            */

typedef struct {
#define LD__X(type, name, def, ident, fmt) type name;
    LD__CONFIG_LIST(LD__X)
#undef LD__X
} ld_config;

/* Returns cfg with every zero field replaced by its default. */
LDDEF ld_config ld_config_resolve(const ld_config *cfg);

/* 1 if two (resolved) configs describe the same model: every field of the
   model's identity equal (init_std, how θ was first drawn, is not one).   */
LDDEF int ld_config_equal(const ld_config *a, const ld_config *b);

/* Checks a (resolved) config: positive sizes, NKV divides NH, bos and eos
   ids inside [0, V) or LD_NO_TOKEN, sizes small enough to index with int,
   known switches that the family's checkpoints can express (a GPT-2 has
   learned positions, a Llama RMSNorm, ...), an even number ≥ 2 of rotary
   dims. LD_ERR_CONFIG with a reason if not.                               */
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

/* Every parameter tensor, once, in the order of θ: the embeddings, the
   block's tensors (each stacked over the L layers: ln1w is (L,C), qkvw is
   (L,QKV,C)), then the final norm and the head. Columns: name, 1 for a
   vector or 2 for a matrix, per-layer rows and columns, whether weight
   decay applies (matrices and embeddings, not biases or norm weights), how
   it is initialised, and whether this config has it (an absent tensor has
   size 0 and a NULL view). Our matrices are (out, in) like nn.Linear and
   llm.c; how Hugging Face checkpoints store each one is in the family
   tables (>>families). Letters: V, C, T = context, NH heads of HS channels,
   NKV key-value heads, QKV = (NH + 2·NKV)·HS (q | k | v: qkvw's rows hold
   the NH query heads, then the NKV key heads, then the NKV value heads),
   AO = NH·HS (the attention's output, heads concatenated), I the MLP's
   width, FC = I, or 2I for SwiGLU (fcw's rows: gate, then up); tied = the
   head is wte; ln = LayerNorm (RMSNorm has no bias), learned = learned
   positions (wpe), bqkv / bo / bmlp = the projections' biases.            */
#define LD__EMBED_TENSORS(X)                                                      \
    /* name      dims rows  cols  decay init            present         */       \
    X(wte,       2,   V,    C,    1,    LD__INIT_STD,   1)                       \
    X(wpe,       2,   T,    C,    1,    LD__INIT_STD,   learned)
#define LD__BLOCK_TENSORS(X)                                                      \
    X(ln1w,      1,   1,    C,    0,    LD__INIT_ONE,   1)                       \
    X(ln1b,      1,   1,    C,    0,    LD__INIT_ZERO,  ln)                      \
    X(qkvw,      2,   QKV,  C,    1,    LD__INIT_STD,   1)                       \
    X(qkvb,      1,   1,    QKV,  0,    LD__INIT_ZERO,  bqkv)                    \
    X(attprojw,  2,   C,    AO,   1,    LD__INIT_RESID, 1)                       \
    X(attprojb,  1,   1,    C,    0,    LD__INIT_ZERO,  bo)                      \
    X(ln2w,      1,   1,    C,    0,    LD__INIT_ONE,   1)                       \
    X(ln2b,      1,   1,    C,    0,    LD__INIT_ZERO,  ln)                      \
    X(fcw,       2,   FC,   C,    1,    LD__INIT_STD,   1)                       \
    X(fcb,       1,   1,    FC,   0,    LD__INIT_ZERO,  bmlp)                    \
    X(fcprojw,   2,   C,    I,    1,    LD__INIT_RESID, 1)                       \
    X(fcprojb,   1,   1,    C,    0,    LD__INIT_ZERO,  bmlp)
#define LD__HEAD_TENSORS(X)                                                       \
    X(lnfw,      1,   1,    C,    0,    LD__INIT_ONE,   1)                       \
    X(lnfb,      1,   1,    C,    0,    LD__INIT_ZERO,  ln)                      \
    X(lmhead,    2,   V,    C,    1,    LD__INIT_STD,   !tied)
#define LD__PARAM_LIST(X) LD__EMBED_TENSORS(X) LD__BLOCK_TENSORS(X) LD__HEAD_TENSORS(X)

/* Pointers into one flat vector of P numbers (θ, its gradient, Δθ, ...),
   one per tensor of the list above; NULL for a tensor the config lacks.   */
typedef struct {
#define LD__X(name, dims, rows, cols, decay, init, present) ld_float *name;
    LD__PARAM_LIST(LD__X)
#undef LD__X
} ld_params;

/* One parameter tensor, for code that walks them all (checkpoints, the
   per-layer split of the dynamics, tests). */
typedef struct {
    const char *name;     /* "qkvw"                                         */
    const char *hf_name;  /* "transformer.h.%d.attn.c_attn.weight": the
                             Hugging Face name (%d = layer) of the family's
                             checkpoints                                   */
    size_t offset;        /* first element in the flat vector               */
    size_t size;          /* elements, all layers together (0: absent)      */
    int dims;             /* 1: a vector (rows == 1), 2: a matrix           */
    int rows, cols;       /* per layer                                      */
    int layered;          /* stacked over L layers                          */
    int hf_transposed;    /* HF stores (cols, rows) (GPT-2's Conv1D)        */
    int decay;            /* weight decay applies                           */
} ld_tensor_info;

/* What to allocate beside θ and the forward activations. */
enum {
    LD_TRAIN = 1,   /* gradients g (P) and the backward pass's buffers     */
    LD_JVP   = 2    /* the forward-mode tangent buffers (dynamics)          */
};

/* The forward activations, once: name, elements per (batch row, position),
   and whether every layer keeps its own (the backward needs them: stacked
   over L, each layer's slice sized by the capacity m->B·m->T rows). The
   shapes are the capacity's, B = m->B and T = m->T; a forward of cur_B rows
   padded to cur_T positions fills the front of each array (of each layer's
   slice) with row stride cur_T, not m->T: row b, position t is row
   b·cur_T + t. ld_forward_row reads one row without strides. Letters as
   above, with NH·T for the attention probabilities (B,NH,T,T); an array
   whose size is 0 (R = 0: no rotary dims) is NULL.                        */
#define LD__ACT_LIST(X)                                                          \
    /* name       per row     layered                                 */        \
    X(encoded,    C,          0)  /* (B,T,C)     token (+ position) embeddings */ \
    X(ln1,        C,          1)  /* (L,B,T,C)                             */   \
    X(ln1_mean,   1,          1)  /* (L,B,T)     LayerNorm only            */   \
    X(ln1_rstd,   1,          1)  /* (L,B,T)                               */   \
    X(qkv,        QKV,        1)  /* (L,B,T,QKV)                           */   \
    X(qkvr,       R ? QKV : 0, 1) /* (L,B,T,QKV) q and k rotated (rotary)  */   \
    X(att,        NH * T,     1)  /* (L,B,NH,T,T) attention probabilities  */   \
    X(atty,       AO,         1)  /* (L,B,T,AO)  attention output, heads concat */ \
    X(residual2,  C,          1)  /* (L,B,T,C)   x + the attention branch  */   \
    X(ln2,        C,          1)  /* (L,B,T,C)                             */   \
    X(ln2_mean,   1,          1)  /* (L,B,T)                               */   \
    X(ln2_rstd,   1,          1)  /* (L,B,T)                               */   \
    X(fch,        FC,         1)  /* (L,B,T,FC)  MLP pre-activation        */   \
    X(fch_gelu,   I,          1)  /* (L,B,T,I)   after the activation      */   \
    X(residual3,  C,          1)  /* (L,B,T,C)   block output              */   \
    X(lnf,        C,          0)  /* (B,T,C)                               */   \
    X(lnf_mean,   1,          0)  /* (B,T)                                 */   \
    X(lnf_rstd,   1,          0)  /* (B,T)                                 */   \
    X(logits,     V,          0)  /* (B,T,V)     z, filled as (cur_B, cur_T, V) */ \
    X(probs,      V,          0)  /* (B,T,V)     π = softmax(z), the same  */   \
    X(scratch,    C,          0)  /* (B,T,C)     a projection before its residual */

typedef struct {
#define LD__X(name, per, layered) ld_float *name;
    LD__ACT_LIST(LD__X)
#undef LD__X
} ld_acts;

/* Buffers of the backward pass (LD_TRAIN) and of the JVP (LD_JVP); one layer
   at a time, so no L axis. In the backward, each holds ∂L/∂(activation);
   in the JVP, the tangent J·v of the activation. Allocated as (B,T,…) for
   the capacity, filled as (cur_B, cur_T, …), row stride cur_T, like ld_acts. */
#define LD__DACT_LIST(X)                                                         \
    X(logits,     V)       /* (B,T,V)   G = ∂L/∂z written by a loss; JVP: J·v */ \
    X(residual,   C)       /* (B,T,C)   the residual stream                */   \
    X(ln,         C)       /* (B,T,C)   a norm's output                    */   \
    X(qkv,        QKV)     /* (B,T,QKV)                                    */   \
    X(qkvr,       R ? QKV : 0) /* (B,T,QKV) the rotated q and k (rotary)   */   \
    X(att,        NH * T)  /* (B,NH,T,T)                                   */   \
    X(atty,       AO)      /* (B,T,AO)                                     */   \
    X(fch,        FC)      /* (B,T,FC)                                     */   \
    X(fch_gelu,   I)       /* (B,T,I)                                      */   \
    X(scratch,    C)       /* (B,T,C)                                      */

typedef struct {
#define LD__X(name, per) ld_float *name;
    LD__DACT_LIST(LD__X)
#undef LD__X
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
   and the optimizer's overflow check). Do not copy an ld_model by value
   to get a second model: the copy shares the first one's memory, and
   freeing both frees it twice. Make a second model with ld_model_init and
   ld_model_copy_params. */
typedef struct ld_tokenizer ld_tokenizer;   /* a Hugging Face tokenizer (>>tokenizer) */
typedef struct {
    ld_config cfg;        /* resolved                                      */
    int B, T;             /* capacity: rows and positions per forward      */
    int flags;            /* LD_TRAIN | LD_JVP                             */
    size_t P;             /* number of parameters                          */
    ld_float *theta;      /* (P) θ, in the order of LD__PARAM_LIST         */
    ld_float *grad;       /* (P) g = ∂L/∂θ, same layout (LD_TRAIN)         */
    ld_params w, g;       /* per-tensor views of theta and grad            */
    ld_acts a;            /* forward activations                          */
    ld_dacts d;           /* backward buffers (LD_TRAIN)                   */
    ld_dacts t;           /* JVP tangents (LD_JVP)                         */
    ld_float *rope_cos;   /* (T, R/2) rotary positions: cos(t·inv_freq_i),  */
    ld_float *rope_sin;   /* (T, R/2) and sin; NULL without rotary dims    */
    /* the batch of the last ld_forward: cur_B rows of cur_T positions (the
       longest row, padded), packed with a row stride of cur_T — NOT m->T.
       ld_forward_row gives one row's pointers without any stride.        */
    int cur_B, cur_T;     /* rows and padded length                        */
    int *tokens;          /* (cur_B, cur_T) padded with ld_pad_token       */
    int *len;             /* (cur_B) sequence lengths                      */
    int *prompt_len;      /* (cur_B)                                       */
    double *tok_logp;     /* (cur_B, cur_T) log π_t[χ_{t+1}] for t < len−1, else 0 */
    double *seq_logp;     /* (cur_B) log π(y|x) = Σ over the response tokens */
    /* memory */
    void *mem;            /* the one allocation                           */
    size_t bytes;         /* its size                                     */
    int owns_mem;
    /* offload */
    const ld_accel *accel;         /* NULL: every product on the CPU        */
    unsigned long theta_version;   /* bumped whenever the library changes θ */
    /* text (>>tokenizer, "a model's text") */
    ld_tokenizer *tokenizer;       /* owned, freed by ld_model_free; NULL: the
                                      model reads text as bytes (V = 256 or 257)
                                      or not at all                          */
} ld_model;

/* Tells the library that θ was edited in place: an attached accelerator
   sends it again, and the optimizer re-derives the bounds of its overflow
   check. Every API call that changes θ does this itself.                  */
LDDEF void ld_params_changed(ld_model *m);

/* The id that fills a batch's rows past their length (never read as a
   target; causal attention keeps it out of every earlier position): the
   eos token, else the bos token, else 0.                                  */
LDDEF int ld_pad_token(const ld_config *cfg);

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

/* Frees what ld_model_init allocated, and the model's tokenizer, and zeroes
   *m. Safe on a zeroed model. Detach an accelerator first (ld_cuda_detach). */
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

/* out[b,t,:] = wte[tok[b,t],:] + wpe[t,:] (wpe NULL: no position term). */
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

/* Causal attention with grouped-query heads. qkv (B,T,QKV), QKV =
   (NH + 2·NKV)·HS, holds q (NH heads of HS) | k (NKV heads) | v (NKV
   heads); query head h uses key-value head h / (NH/NKV) (NKV = NH: plain
   multi-head attention; NKV divides NH). att (B,NH,T,T) keeps the softmax
   probabilities (zero above the diagonal); out (B,T,NH·HS). Scale 1/√HS.  */
LDDEF void ld_attention_forward(ld_float *out, ld_float *att, const ld_float *qkv,
                                int B, int T, int NH, int NKV, int HS);
/* datt (B,NH,T,T) is scratch, overwritten. */
LDDEF void ld_attention_backward(ld_float *dqkv, ld_float *datt, const ld_float *dout,
                                 const ld_float *qkv, const ld_float *att,
                                 int B, int T, int NH, int NKV, int HS);
/* tatt (B,NH,T,T) is scratch, overwritten. */
LDDEF void ld_attention_jvp(ld_float *tout, ld_float *tatt, const ld_float *qkv,
                            const ld_float *tqkv, const ld_float *att,
                            int B, int T, int NH, int NKV, int HS);

/* Rotary position embedding (RoPE), as Hugging Face's models apply it.
   Tables cos, sin (T, R/2) at positions 0..T−1 from inv_freq (R/2):
   cos[t][i] = cos(t · inv_freq[i]), computed in double. R, the rotary dims
   of a head, is even.                                                     */
LDDEF void ld_rope_table(ld_float *cos, ld_float *sin, const double *inv_freq, int T, int R);
/* The q and k heads of qkv (B,T,QKV), laid out as for attention, rotated
   by position; the first R dims of each head, split in halves as
   rotate_half does: for i < R/2, c = cos[t0+t][i], s = sin[t0+t][i],
       out[i] = x[i]·c − x[i+R/2]·s,   out[i+R/2] = x[i+R/2]·c + x[i]·s;
   dims R..HS of q and k and all of v are copied. Rows are positions
   t0..t0+T−1 (t0 > 0: one position of incremental decoding). out may be inp. */
LDDEF void ld_rope_forward(ld_float *out, const ld_float *inp, const ld_float *cos, const ld_float *sin,
                           int B, int T, int t0, int NH, int NKV, int HS, int R);
/* dinp += Rᵀ·dout: the inverse rotation (dout passed on where nothing
   rotates); positions 0..T−1. */
LDDEF void ld_rope_backward(ld_float *dinp, const ld_float *dout, const ld_float *cos, const ld_float *sin,
                            int B, int T, int NH, int NKV, int HS, int R);
/* The rotation is linear: tout = R·tinp (positions 0..T−1). */
LDDEF void ld_rope_jvp(ld_float *tout, const ld_float *tinp, const ld_float *cos, const ld_float *sin,
                       int B, int T, int NH, int NKV, int HS, int R);

/* RMSNorm (Llama, Qwen2): out = inp · rstd · w per row of C, rstd =
   1/√(mean(inp²) + eps), the sums in double; rstd (N) is kept.           */
LDDEF void ld_rmsnorm_forward(ld_float *out, ld_float *rstd, const ld_float *inp, const ld_float *w,
                              int N, int C, double eps);
LDDEF void ld_rmsnorm_backward(ld_float *dinp, ld_float *dw, const ld_float *dout, const ld_float *inp,
                               const ld_float *w, const ld_float *rstd, int N, int C);
LDDEF void ld_rmsnorm_jvp(ld_float *tout, const ld_float *inp, const ld_float *tinp, const ld_float *w,
                          const ld_float *tw, const ld_float *rstd, int N, int C);

/* Exact GELU, x·Φ(x) = ½x(1 + erf(x/√2)) (GPT-NeoX's "gelu"), over n. */
LDDEF void ld_gelu_erf_forward(ld_float *out, const ld_float *inp, size_t n);
LDDEF void ld_gelu_erf_backward(ld_float *dinp, const ld_float *inp, const ld_float *dout, size_t n);
LDDEF void ld_gelu_erf_jvp(ld_float *tout, const ld_float *inp, const ld_float *tinp, size_t n);

/* SwiGLU (Llama's MLP): inp (N, 2I) rows [gate (I) | up (I)], out (N, I) =
   silu(gate) · up, silu(x) = x·σ(x).                                      */
LDDEF void ld_swiglu_forward(ld_float *out, const ld_float *inp, int N, int I);
LDDEF void ld_swiglu_backward(ld_float *dinp, const ld_float *inp, const ld_float *dout, int N, int I);
LDDEF void ld_swiglu_jvp(ld_float *tout, const ld_float *inp, const ld_float *tinp, int N, int I);

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
   library pads them with ld_pad_token, to m->cur_T = the longest length).
   Afterwards, for row b, position t, with n = b·cur_T + t (cur_T, not m->T;
   or ask ld_forward_row for row b):
     m->a.logits[n·V ..] = z_t,  m->a.probs[n·V ..] = π_t,
     m->tok_logp[n]      = log π_t[χ_{t+1}]  (t < len−1),
     m->seq_logp[b]      = log π(y|x) = Σ_{t=prompt_len−1}^{len−2} tok_logp[b·cur_T + t],
   and m->d.logits (if LD_TRAIN) is zeroed, ready for a loss to write G.
   Errors: B outside [1, m->B], a length > m->T or > context, prompt_len
   outside [1, len), a token outside [0, V): nothing is computed. A log-prob
   that is not finite (θ holds a NaN or infinity): LD_ERR_NAN, after the
   pass (its outputs are there to inspect).                                 */
LDDEF ld_status ld_forward(ld_model *m, const ld_seq *seqs, int B);

/* One row of the last forward, as pointers into the model's buffers, so
   that no caller computes strides (rows are m->cur_T positions apart, the
   padded length of that forward, not m->T). Valid until the next call
   that runs a forward on m. Positions t run over [0, len); each (len, V)
   array holds row t at offset t·V.                                         */
typedef struct {
    int len, prompt_len;       /* |χ| and |x|                                   */
    const int *tokens;         /* (len) χ                                       */
    const double *tok_logp;    /* (len−1) log π_t[χ_{t+1}]                      */
    double seq_logp;           /* log π(y|x), the sum over the response tokens  */
    const ld_float *logits;    /* (len, V) z_t, the logits after position t     */
    const ld_float *probs;     /* (len, V) π_t = softmax(z_t)                   */
    const ld_float *G;         /* (len, V) ∂L/∂z_t as the last loss wrote it
                                  (zero before one; NULL without LD_TRAIN)      */
    const ld_float *jvp;       /* (len, V) J_t·v of the last ld_jvp after this
                                  forward (NULL without LD_JVP)                 */
} ld_row;

/* Fills *out with row r (0 ≤ r < m->cur_B) of the last ld_forward.
   LD_ERR_ARG for r out of range or no forward (ld_generate drops it).     */
LDDEF ld_status ld_forward_row(const ld_model *m, int r, ld_row *out);

/* Sets g = 0. */
LDDEF void ld_zero_grad(ld_model *m);

/* Backward pass from G = m->d.logits (cur_B, cur_T, V), written by a loss after
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
    int no_stop;          /* 1: do not stop at eos_token                     */
} ld_sample_opts;

/* Continues each prompt by up to max_new tokens (fewer when the context is
   full, or at eos_token, which is kept). B ≤ m->B rows generated together.
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

/* The preference losses, by TRL's names (DPOTrainer's loss_type, KTOTrainer)
   and the header's own (cDPO, IPO on sums, DPOP, SimPO, ORPO, RPO's NLL).
   Notation: s± = log π(y±|x) summed over the response tokens (LD-DPO:
   shared part + α × the part past the shorter response), s_ref± the same
   under the reference, r± = s± − s_ref±, L± the response lengths in tokens,
   x the argument of σ. Scores φ(r) carry the f-divergence (reverse KL:
   φ = r; forward KL: −e^(−r); JS: log σ(r); α-divergence:
   e^((α−1)r)/(α−1)), Δ = φ(r⁺) − φ(r⁻), Δ̄ = φ(r⁺)/L⁺ − φ(r⁻)/L⁻, and
   σ' = σ(1 − σ). Each pair's loss ℓ and the coefficients c± = −∂ℓ/∂s± of
   its residual, G = c (π − y) on every response token of the row:

     sigmoid  −log σ(βΔ)                      c± = ±k φ'(r±), k = β(1−σ(βΔ))
     hinge    max(0, 1 − βΔ)                  k = β·1[βΔ < 1]
     ipo      (Δ̄ − 1/(2β))²   (TRL: per token) c± = ±(1/β − 2Δ̄) φ'(r±)/L±
     ipo_sum  (Δ − 1/(2β))²   (official DPO code, summed)  k = 1/β − 2Δ
     exo_pair σ(x)(log σ(x) − log(1−ε)) + σ(−x)(log σ(−x) − log ε), x = βΔ
                                              k = β σ'(x)(log((1−ε)/ε) − x)
     robust   [−(1−ε) log σ(x) + ε log σ(−x)]/(1 − 2ε)
                                              k = β[(1−ε)(1−σ(x)) + εσ(x)]/(1−2ε)
     cdpo     −(1−ε) log σ(x) − ε log σ(−x)   k = β[(1−ε)(1−σ(x)) − εσ(x)]
     discopop −log σ(x)(1 − m) + e^(−x) m, m = σ(x/τ)
                                              k = β[(1−σ)(1−m) + e^(−x) m
                                                    − m(1−m)(log σ(x) + e^(−x))/τ]
     sigmoid_norm −log σ(βΔ̄)                   c± = ±β(1−σ(βΔ̄)) φ'(r±)/L±
     nca_pair −log σ(βr⁺) − ½log σ(−βr⁺) − ½log σ(−βr⁻)
                                              c⁺ = β[σ(−βr⁺) − ½σ(βr⁺)], c⁻ = −½βσ(βr⁻)
     bco_pair −log σ(βr⁺) − log σ(−βr⁻)        c⁺ = βσ(−βr⁺), c⁻ = −βσ(βr⁻)
     sppo_hard (r⁺ − 1/(2β))² + (r⁻ + 1/(2β))² c⁺ = 1/β − 2r⁺, c⁻ = −1/β − 2r⁻
     aot      cdpo of d_j = sort(s⁺−s⁻)_j − sort(s_ref⁺−s_ref⁻)_j over the
              batch; pair i takes the k of the rank of its s⁺−s⁻; c⁻ = −c⁺
     aot_unpaired  cdpo of d_j = sort(r⁺)_j − sort(r⁻)_j; the chosen of rank j
              takes c⁺ = k(d_j), the rejected of rank j c⁻ = −k(d_j)
     apo_zero 1 − σ(βr⁺) + σ(βr⁻)             c⁺ = βσ'(βr⁺), c⁻ = −βσ'(βr⁻)
     apo_down σ(βr⁺) + 1 − σ(β(r⁺ − r⁻))      c⁺ = β[σ'(β(r⁺−r⁻)) − σ'(βr⁺)],
                                              c⁻ = −βσ'(β(r⁺−r⁻))
     sft      −Σ_i s⁺_i / Σ_i L⁺_i (the batch's chosen tokens; TRL's
              cross-entropy, plain sums even under LD-DPO)   c⁺ = N/Σ L⁺, c⁻ = 0
     dpop     −log σ(β[r⁺ − r⁻ − λ max(0, −r⁺)])   (Smaug)
                                              c⁺ = β(1−σ)(1 + λ·1[r⁺ < 0]), c⁻ = −β(1−σ)
     simpo    −log σ(β s⁺/L⁺ − β s⁻/L⁻ − γ)   (no reference)
                                              c⁺ = (β/L⁺)(1−σ), c⁻ = −(β/L⁻)(1−σ)
     orpo     −s⁺/L⁺ − λ log σ(o⁺ − o⁻), o = log(p̄/(1−p̄)), p̄ = e^(s/L)  (no reference)
                                              c⁺ = 1/L⁺ + λ(1−σ)/(L⁺(1−p̄⁺)), c⁻ = −λ(1−σ)/(L⁻(1−p̄⁻))
     + RPO    any of them + α·(−s⁺/L⁺), plain sums     c⁺ += α/L⁺
     kto      (unpaired; ld_kto_loss) desirable: w_D(1 − σ(β(r − z))),
              undesirable: w_U(1 − σ(β(z − r))), z the KL estimate
                                              c = w_D βσ'(β(r−z)) or −w_U βσ'(β(z−r))

   where "c± = ±k φ'(r±)" means c⁺ = k φ'(r⁺), c⁻ = −k φ'(r⁻). A list of
   losses (TRL's loss_type list) is summed with its weights: L = Σ_k w_k ·
   mean over the pairs of ℓ_k, so every c above is multiplied by w_k/N (sft's
   is already a batch mean). WPO multiplies each pair's ℓ_k by the detached
   weight W = w⁺w⁻, w = exp(mean over the row's tokens of log π[y] −
   log Σ_v π_v²); RPO's NLL is not weighted. LD-DPO weighs the tokens past
   the shorter response of the pair by α: there G = (α c_s + c_plain)(π − y),
   c_s the part of c that acts on s, c_plain the part on plain sums (sft,
   RPO). c = −∂L/∂s: a negative c is a negative gradient that pushes its
   response down — on a low-probability y⁻, the squeezing effect. The
   f-divergence applies to the difference-based losses (sigmoid, hinge, ipo,
   ipo_sum, exo_pair, robust, cdpo, discopop, sigmoid_norm, sft); the others
   read the raw r± and refuse a non-default f-divergence, as TRL does.    */
typedef enum {
    LD_DPO = 0, LD_SIGMOID = 0,   /* "sigmoid" ("dpo" is its alias)            */
    LD_CDPO = 1,                  /* "cdpo": sigmoid with label smoothing ε   */
    LD_IPO_SUM = 2,               /* "ipo_sum": IPO on summed log-probs       */
    LD_HINGE = 3, LD_DPOP = 4, LD_SIMPO = 5, LD_ORPO = 6,
    LD_IPO = 7,                   /* "ipo": TRL's, per-token means            */
    LD_EXO_PAIR = 8, LD_NCA_PAIR = 9, LD_ROBUST = 10, LD_BCO_PAIR = 11, LD_SPPO_HARD = 12,
    LD_AOT = 13, LD_AOT_UNPAIRED = 14, LD_APO_ZERO = 15, LD_APO_DOWN = 16, LD_DISCOPOP = 17,
    LD_SIGMOID_NORM = 18,
    LD_PREF_SFT = 19,             /* "sft": NLL of the chosen, per token      */
    LD_KTO = 20,                  /* "kto": unpaired rows (ld_kto_loss)       */
    LD_PREF_NKINDS = 21
} ld_pref_kind;

/* TRL's f_divergence_type. */
typedef enum { LD_FDIV_REVERSE_KL = 0, LD_FDIV_FORWARD_KL = 1, LD_FDIV_JS = 2, LD_FDIV_ALPHA = 3 } ld_fdiv;

#define LD_PREF_MAX_TERMS 8

/* Options; zero fields take the defaults in brackets (so `ld_pref_opts o =
   {0};` is sigmoid DPO with β 0.1, in C and C++). TRL's DPOConfig names in
   quotes.                                                                  */
typedef struct {
    double beta;          /* β "beta" [0.1; 2.0 when the loss is SimPO alone] */
    ld_pref_kind kind;    /* the loss when n_terms = 0 [LD_DPO]              */
    int n_terms;          /* > 0: a list of losses ("loss_type"), summed     */
    ld_pref_kind terms[LD_PREF_MAX_TERMS];
    double weights[LD_PREF_MAX_TERMS]; /* "loss_weights" [1; 0 means 1]      */
    double eps;           /* label smoothing ε "label_smoothing": cdpo [0, 0.5],
                             robust [0, 0.5), aot/aot_unpaired [0, 1],
                             exo_pair (0, 1) [1e-3 for exo_pair, else 0]     */
    double lambda;        /* λ [DPOP 50; ORPO 0.1]                           */
    double gamma;         /* SimPO margin γ [0.5]                            */
    double nll_alpha;     /* RPO weight α of the NLL on the chosen [0]       */
    ld_fdiv fdiv;         /* "f_divergence_type" [reverse KL]                */
    double fdiv_alpha;    /* "f_alpha_divergence_coef" [0.5]                 */
    int ld_dpo;           /* 1: LD-DPO's weighting with ld_alpha             */
    double ld_alpha;      /* "ld_alpha" in [0, 1]: weight of the tokens past
                             the shorter response of the pair (when ld_dpo)  */
    int wpo;              /* 1: WPO's weights ("use_weighting")              */
    double discopop_tau;  /* "discopop_tau" [0.05]                           */
    double desirable_weight, undesirable_weight; /* KTO w_D, w_U [1, 1]      */
} ld_pref_opts;

/* Resolves the defaults of o: afterwards n_terms ≥ 1, terms[0] = kind and
   every weight is set.                                                     */
LDDEF ld_pref_opts ld_pref_opts_resolve(const ld_pref_opts *o);

/* TRL's name of a loss ("sigmoid", "ipo", "kto", ...; the header's own:
   "cdpo", "ipo_sum", "dpop", "simpo", "orpo"); NULL outside the enum.     */
LDDEF const char *ld_pref_kind_name(ld_pref_kind kind);
/* The loss of a name (also "dpo" for sigmoid), or −1.                      */
LDDEF int ld_pref_kind_from_name(const char *name);

/* True if the kind compares against a reference model (all but SimPO, ORPO
   and sft); for a list, ld_pref_opts_needs_ref.                            */
LDDEF int ld_pref_needs_ref(ld_pref_kind kind);
LDDEF int ld_pref_opts_needs_ref(const ld_pref_opts *o);

/* TRL's metric names; means over the pairs of the batch. Without a
   reference (SimPO, ORPO, sft alone) the rewards are β·s/L (ORPO: λ·s/L).
   For KTO "chosen" means desirable and "rejected" undesirable (NaN when
   the batch has none), and rewards_accuracies is NaN (TRL has none).      */
typedef struct {
    double loss;
    double rewards_chosen;      /* rewards/chosen     β(s⁺ − s⁺_ref)       */
    double rewards_rejected;    /* rewards/rejected   β(s⁻ − s⁻_ref)       */
    double rewards_margins;     /* rewards/margins                         */
    double rewards_accuracies;  /* rewards/accuracies  share with chosen > rejected */
    double logps_chosen;        /* logps/chosen       mean s⁺              */
    double logps_rejected;      /* logps/rejected     mean s⁻              */
    double logits_chosen;       /* logits/chosen   over the chosen response
                                   tokens, the mean of the vocabulary-mean logit */
    double logits_rejected;     /* logits/rejected                          */
    double entropy;             /* entropy   mean over all response tokens of H(π) */
    double mean_token_accuracy; /* mean_token_accuracy  share of the chosen
                                   response tokens where argmax z = y       */
    /* the header's own */
    double kl;                  /* kl   KTO's reference point z (0 otherwise) */
    double coef_chosen;         /* coef/chosen: the mean over the pairs of N·c⁺,
                                   the per-pair c⁺ of the table above       */
    double coef_rejected;       /* coef/rejected: the same of c⁻; < 0: a
                                   negative gradient pushes y⁻ down         */
} ld_pref_metrics;

/* What a loss wrote on one row, so that the row's part of the gradient can
   be rebuilt: G = c (π − y) on the first `head` response tokens and
   c_tail (π − y) on the rest (LD-DPO's tail; head = the row's length
   otherwise).                                                              */
enum { LD_ROW_CHOSEN = 0, LD_ROW_REJECTED = 1, LD_ROW_NONE = 2 };
typedef struct {
    double c, c_tail;
    int head;
    int role;             /* LD_ROW_CHOSEN (also SFT, KTO desirable),
                             LD_ROW_REJECTED (KTO undesirable), LD_ROW_NONE
                             (no gradient: KTO's KL rows)                   */
    double weight;        /* the row's WPO weight w (1 without WPO)         */
} ld_row_coef;

/* The preference loss on sequence statistics alone, without a model: N
   pairs, chosen at 0..N−1, rejected at N..2N−1 (row i pairs with i+N).
   logp (2N): s, LD-weighted if LD-DPO is on; logp_plain (2N): the plain
   sums (NULL: logp); ref_logp (2N, weighted as logp; NULL for losses
   without a reference); len (2N) response tokens; weight (2N) WPO's w
   (NULL: 1; read only with o->wpo). Writes the loss, c (2N) = −∂L/∂logp
   and c_plain (2N, may be NULL) = −∂L/∂logp_plain. Errors (options out of
   range, a NaN, a non-finite result): nothing is written.                 */
LDDEF ld_status ld_pref_eval(const ld_pref_opts *o, int N, const double *logp, const double *logp_plain,
                             const double *ref_logp, const int *len, const double *weight,
                             double *loss, double *c, double *c_plain);

/* A preference loss over the last ld_forward, which must hold 2N rows: the
   chosen responses in rows 0..N−1 and the rejected in rows N..2N−1 (row i
   pairs with row i+N, same prompt). ref_logp (2N): log π_ref of the same
   rows — LD-DPO-weighted when o->ld_dpo (ld_pref_ref_logps) — or NULL for
   losses without a reference. Writes G into m->d.logits, the metrics into
   *out (may be NULL) and, if rows is not NULL, what it wrote on each row
   (2N). Needs LD_TRAIN. On error m->d.logits and the outputs are as they
   were.                                                                    */
LDDEF ld_status ld_pref_loss(ld_model *m, const ld_pref_opts *o, const double *ref_logp,
                             ld_pref_metrics *out, ld_row_coef *rows);

/* The log-probs a preference loss reads from the last forward of 2N paired
   rows (on the policy or the reference): out (2N) = s, with LD-DPO's
   weights when o->ld_dpo. Use it on the reference model's forward to make
   ld_pref_loss's ref_logp.                                                 */
LDDEF ld_status ld_pref_ref_logps(const ld_model *m, const ld_pref_opts *o, double *out);

/* KTO on sequence statistics: n rows with logp, ref_logp (n) and label (n:
   1 desirable, 0 undesirable), and the KL rows' kl_logp, kl_ref_logp (n):
   z = max(0, mean(kl_logp − kl_ref_logp)), detached. L = mean over the
   rows of the weighted losses (table above). Writes loss, c (n) and z
   (may be NULL). Errors: nothing is written.                               */
LDDEF ld_status ld_kto_eval(const ld_pref_opts *o, int n, const double *logp, const double *ref_logp,
                            const double *kl_logp, const double *kl_ref_logp, const int *label,
                            double *loss, double *c, double *z);

/* KTO over the last ld_forward of 2n rows: the completions in rows 0..n−1
   (label (n): 1 desirable, 0 undesirable) and the KL rows in n..2n−1 (row
   n+i: the prompt of row i with another row's completion, as TRL pairs
   them; their log-probs are read, they get no gradient). ref_logp (2n)
   the reference's log-probs of all 2n rows. Writes G, the metrics (may be
   NULL) and the rows (2n, may be NULL). Needs LD_TRAIN.                   */
LDDEF ld_status ld_kto_loss(ld_model *m, const ld_pref_opts *o, const double *ref_logp, const int *label,
                            ld_pref_metrics *out, ld_row_coef *rows);

/* Recomputes π (m->a.probs), m->tok_logp and m->seq_logp from m->a.logits,
   as ld_forward does at its end; for callers who edit the logits (finite
   differences with respect to z, temperature).                            */
LDDEF void ld_logits_to_logprobs(ld_model *m);

/* ===========================================================================
   >>optim — SGD, AdamW, RMSprop; each step exposes Δθ
   ======================================================================== */

typedef enum { LD_OPT_ADAMW = 0, LD_OPT_SGD = 1, LD_OPT_RMSPROP = 2 } ld_opt_kind;

/* Zero fields take the defaults in brackets: `ld_optim_config oc = {0};`
   is AdamW with η = 1e-3, in C and in C++. Semantics follow torch.optim.  */
typedef struct {
    double lr;            /* [1e-3] the default η (each step may pass its own) */
    ld_opt_kind kind;     /* [LD_OPT_ADAMW]                                  */
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
   One forward and one JVP. Needs LD_JVP. Afterwards m holds that forward:
   π_t of the sequence is in m->a.probs (ld_forward_row(m, 0, ...).probs),
   which ld_dyn_top_tokens takes with dlogp to say where the mass goes.   */
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

/* ---- peers of the decomposition: hidden states, CHES, entanglement, the
   three terms one by one ----
   Razin et al., "Unintentional Unalignment" (ICLR 2025), explain DPO's
   falling chosen log-prob by how alike the last hidden states of y⁺ and y⁻
   are (CHES) and by the overlap of their gradients (gradient entanglement).
   Response tokens are those log π(y|χ) sums over: χ[prompt_len..len), i.e.
   y and the eos that ld_dataset_seq appends to it (χ = [bos; x; y; eos]);
   the hidden state that predicts response token k = χ[t+1] is h_t, at the
   positions t = prompt_len−1 .. len−2, |y| = len − prompt_len of them (the
   official code's choice: from the last prompt token to the one before the
   final token, whose own hidden state predicts nothing).                  */

/* The last hidden states h_t: the output of the final norm at every
   position of χ, the input of the LM head, z_t = W h_t (W = wte when tied,
   lm_head otherwise; the head has no bias). h (s->len, C) row-major. One
   ld_forward on the sequence (the model's own pass: m->a.lnf holds the
   same after any forward, row stride m->cur_T); a prompt alone
   (prompt_len = len) is allowed here. Errors as ld_forward (NULL model,
   sequence or h; a length outside 1..m->T; a token outside [0, V)), and h
   is left untouched.                                                     */
LDDEF ld_status ld_hidden_states(ld_model *m, const ld_seq *s, ld_float *h);

/* CHES of a preference pair (y⁺ in `chosen`, y⁻ in `rejected`, the same
   prompt x; not checked, since truncation may cut the two prompts
   differently): with S± = Σ_t h±_t over the positions that predict the
   response tokens (above),
       CHES    = ⟨S⁺, S⁻⟩ − ‖S⁺‖²
       LN-CHES = ⟨S⁺/|y⁺|, S⁻/|y⁻|⟩ − ‖S⁺‖²/|y⁺|²
   in double. Either output may be NULL. Two forwards. Errors (NULL model
   or pair, an empty response, a bad length or token) write nothing.      */
LDDEF ld_status ld_dyn_ches(ld_model *m, const ld_seq *chosen, const ld_seq *rejected, double *ches,
                            double *ln_ches);

/* Gradient entanglement of a pair: g± = ∇θ log π(y±|χ±) (ld_dyn_seq_grad). */
typedef struct {
    double dot;                         /* ⟨g⁺, g⁻⟩                             */
    double norm_chosen, norm_rejected;  /* ‖g⁺‖, ‖g⁻‖                           */
    double ratio;                       /* ⟨g⁺, g⁻⟩ / ‖g⁺‖²: to first order, the
                                           change of log π(y⁻) per unit change
                                           of log π(y⁺) along g⁺            */
    double cosine;                      /* ⟨g⁺, g⁻⟩ / (‖g⁺‖ ‖g⁻‖)               */
    double logp_chosen, logp_rejected;  /* log π(y±|χ±)                         */
} ld_dyn_entangle;

/* Fills *out for the pair. Two forwards and two backwards; memory for two
   gradients (2P). Needs LD_TRAIN. Errors write nothing.                  */
LDDEF ld_status ld_dyn_entanglement(ld_model *m, const ld_seq *chosen, const ld_seq *rejected, ld_dyn_entangle *out);

/* The three terms of Prop. 1 for one plain-SGD update θ' = θ − η ∇θL(χ_u),
   measured separately on an observed sequence χ_o. Over the observed
   response positions m (t = prompt_len−1 .. len−2 of χ_o) and the update
   positions l with a residual (every response position of every update
   row):                                                                 */
typedef struct {
    double A_frob;      /* (Σ_m ‖A_m‖_F²)^½, A_m = I − 1π_mᵀ, ‖A_m‖_F² = V − 2 + V‖π_m‖² */
    double G_norm;      /* (Σ_l ‖G_l‖²)^½, G_l = ∂L/∂z_l (SFT: c(π_l − e_{y_l}))       */
    double G_norm_chosen, G_norm_rejected; /* the same over the chosen rows and
                                              the rejected row (SFT: all rows
                                              are chosen; rejected = 0)      */
    double KG_norm;     /* (Σ_m ‖(KG)_m‖²)^½, (KG)_m = Σ_l K_{m,l} G_l = J_m(χ_o) ∇θL(χ_u),
                           one JVP of the observed logits along the gradient  */
    double gain;        /* KG_norm / G_norm (0 when G = 0): how much the eNTK amplifies G */
    double pred;        /* −η Σ_m [A_m (KG)_m][y_m]: the first-order Δ log π(y_o|χ_o),
                           the number ld_dyn_predict gives for Δθ = −η∇θL
                           and ld_dyn_step for an SGD step                   */
    double loss;        /* L(χ_u) before the step                            */
    int M;              /* observed response positions                       */
    int n_update;       /* update positions with a residual                  */
} ld_dyn_terms;

/* For SFT on the batch u (n_u ≤ m->B sequences, normalised as ld_sft_loss
   with `norm`): one forward and one backward of the batch, one forward and
   one JVP of χ_o. KG (may be NULL): (o->len − 1, V) the rows (KG)_t at
   every position t < len − 1 (the prompt's too). θ is not changed.
   Afterwards m holds the forward of χ_o and its JVP, so that
   ld_forward_row(m, 0, ...) gives π_t (.probs) and (KG)_t (.jvp) for
   per-position figures (ld_dyn_A_frob2, ld_dyn_top_tokens). Needs
   LD_TRAIN | LD_JVP. Errors (NULL, a bad sequence, n_u outside 1..m->B, η
   not finite) write nothing.                                            */
LDDEF ld_status ld_dyn_terms_sft(ld_model *m, const ld_seq *o, const ld_seq *u, int n_u, ld_norm norm,
                                 double eta, ld_dyn_terms *out, double *KG);

/* The same for a preference step on one pair (chosen, rejected) with the
   loss po (NULL: DPO, β 0.1), as ld_pref_loss computes its G: rows 0 and 1
   of one forward. ref: the reference model (its log-probs of the pair), or
   NULL to take m's weights before the step, as ld_dyn_pair_step does;
   ignored by losses without a reference. Needs room for 2 rows.          */
LDDEF ld_status ld_dyn_terms_pair(ld_model *m, ld_model *ref, const ld_seq *o, const ld_seq *chosen,
                                  const ld_seq *rejected, const ld_pref_opts *po, double eta,
                                  ld_dyn_terms *out, double *KG);

/* ===========================================================================
   >>tokenizer — text ↔ token ids: bytes, or a Hugging Face tokenizer.json
   ======================================================================== */

/* Byte-level tokenizer: each byte is its own token, eos_token ends a text.
   Writes at most cap tokens; LD_ERR_LENGTH if the text needs more.
   len < 0 means text is NUL-terminated. Needs V ≥ 256. (A call on bytes by
   choice: the library's own text paths read a model's text through its
   tokenizer, and as bytes only for V = 256 or 257; see "a model's text".) */
LDDEF ld_status ld_tokenize(const ld_config *cfg, const char *text, long len,
                            int *out, int cap, int *n_out);
/* Writes the bytes of tokens (ids ≥ 256, eos and bos among them, skipped) and a
   NUL; at most cap bytes including the NUL. Returns the length written.    */
LDDEF int ld_detokenize(const ld_config *cfg, const int *tokens, int n,
                        char *out, int cap);
/* One token as printable text, for reports: a printable ASCII byte as
   itself (a space too), \n \t \r \\ escaped, any other byte as \xNN,
   bos_token or eos_token ≥ 256 as <|endoftext|>, another id as <|id|>. Writes at most cap
   bytes including the NUL; returns the length, or −1 for an id outside
   [0, V) (then the text is <|bad id N|>).                                   */
LDDEF int ld_token_string(const ld_config *cfg, int id, char *out, int cap);

/* A real model's tokenizer: byte-level BPE as Hugging Face `tokenizers`
   runs it (GPT-2, Pythia/GPT-NeoX, SmolLM2, Llama-3, Qwen2), read from a
   tokenizer.json or from GPT-2's vocab.json + merges.txt. Encoding gives
   the ids that library gives with add_special_tokens=False, id for id
   (tests/test_tokenizer.c; the README says on how many strings).

   The pipeline, in the library's order:
     1. added tokens that are not `normalized` are cut out of the text,
        leftmost-longest (with their lstrip, rstrip and single_word);
     2. each remaining piece is normalized: none, or NFC;
     3. added tokens that are `normalized` are cut out of the pieces;
     4. the pre-tokenizer splits the pieces: ByteLevel (GPT-2's pattern,
        add_prefix_space), Split with GPT-2's, Llama-3's or Qwen2's pattern,
        Digits, or a Sequence of them ending in ByteLevel;
     5. each piece becomes bytes, one byte-level symbol per byte, and BPE
        merges them (lowest merge rank first, leftmost on ties); a byte
        whose symbol is not in the vocabulary goes to byte_fallback's
        <0xXX> tokens, else unk_token, else it is dropped, as the library does.
   Decoding is the exact inverse of the byte map (GPT-2's bytes_to_unicode):
   the ids' bytes, concatenated, with no UTF-8 repair.

   Refused, with the name of what is not supported: another model type
   (WordPiece, Unigram, ...), another normalizer, pre-tokenizer, decoder or
   post-processor type, a Split pattern other than those three, BPE
   dropout. Post-processors (ByteLevel, TemplateProcessing, ...) are read
   and not applied: they add special tokens only when asked to, and encode
   never adds any (put the model's bos/eos in yourself). truncation and
   padding are not applied either. Refused as malformed: a merge of tokens
   not in the vocabulary, a vocabulary key or id given twice, an id outside
   [0, 2^24), an added token over 4096 bytes, a file over 256 MiB, a field
   the library requires left out (ByteLevel's add_prefix_space, an added
   token's options, ...).

   The object is read-only after loading: one tokenizer may serve any number
   of threads at once. Free it with ld_tokenizer_free. (The type
   ld_tokenizer is declared with ld_model, which holds one.)                 */

enum {
    LD_TOK_SPECIAL_AS_TEXT = 1, /* encode: a special token's string in the text is
                                   plain text (the library's encode_special_tokens) */
    LD_TOK_SKIP_SPECIAL    = 2  /* decode: leave special tokens out                 */
};

/* Reads a tokenizer.json held in memory (json[0..len), need not be
   NUL-terminated). On success *out is a new tokenizer; on failure *out is
   NULL, nothing stays allocated, and the reason names what is wrong or not
   supported (LD_ERR_FORMAT), or LD_ERR_OOM.                                 */
LDDEF ld_status ld_tokenizer_parse(ld_tokenizer **out, const char *json, size_t len);

/* GPT-2's original pair, in memory: vocab.json (or encoder.json: an object
   token → id) and merges.txt (or vocab.bpe: "#version" lines, then one
   "a b" per line, rank = line order). Built as GPT-2's tokenizer.json is:
   ByteLevel pre-tokenizer with GPT-2's pattern, no normalizer, and
   "<|endoftext|>" a special token when the vocabulary has it.              */
LDDEF ld_status ld_tokenizer_parse_gpt2(ld_tokenizer **out, const char *vocab_json, size_t vocab_len,
                                        const char *merges, size_t merges_len);

/* Frees a tokenizer (NULL is fine). */
LDDEF void ld_tokenizer_free(ld_tokenizer *tok);

/* Text → ids. text[0..len) (len < 0: NUL-terminated) must be valid UTF-8;
   LD_ERR_DATA "invalid UTF-8 at byte N" if not. flags: 0, or
   LD_TOK_SPECIAL_AS_TEXT. Writes the ids to ids[0..*n_ids). If they are
   more than cap, returns LD_ERR_LENGTH, sets *n_ids to how many there are
   and leaves ids untouched: call again with that capacity. No special
   token is added (no bos, no eos).                                          */
LDDEF ld_status ld_tokenizer_encode(const ld_tokenizer *tok, const char *text, long len, int flags,
                                    int *ids, int cap, int *n_ids);

/* Ids → bytes: writes the bytes of ids[0..n) and a NUL into out (cap bytes
   with the NUL), and their count (without the NUL) to *n_out. flags: 0 or
   LD_TOK_SKIP_SPECIAL. An id outside the vocabulary (or in a hole of it) is
   LD_ERR_TOKEN, naming its position; too small a cap is LD_ERR_LENGTH with
   *n_out = the bytes needed. On failure out is untouched. The bytes may be
   invalid UTF-8 when ids cut a character in two (byte-level tokens do).    */
LDDEF ld_status ld_tokenizer_decode(const ld_tokenizer *tok, const int *ids, int n, int flags,
                                    char *out, size_t cap, size_t *n_out);

/* V: one more than the largest id (vocabulary and added tokens). A model
   using this tokenizer needs vocab_size ≥ V.                               */
LDDEF int ld_tokenizer_vocab_size(const ld_tokenizer *tok);

/* The id of a token given by its string: an added token's content
   ("<|endoftext|>", "<|im_start|>"), else a vocabulary entry as the file
   writes it (GPT-2's "Ġthe"). −1 if there is none.                          */
LDDEF int ld_tokenizer_find(const ld_tokenizer *tok, const char *content);

/* 1 if id is a special added token, 0 if not (or not an id). */
LDDEF int ld_tokenizer_is_special(const ld_tokenizer *tok, int id);

/* The bytes id decodes to (not NUL-terminated), their count in *len; NULL
   if id is not in the vocabulary. Owned by the tokenizer.                  */
LDDEF const char *ld_tokenizer_token_bytes(const ld_tokenizer *tok, int id, int *len);

/* A printable form of one token, for reports: its bytes, with a backslash
   written \\, newline \n, tab \t, carriage return \r, any other control byte
   or a byte that is not part of a whole UTF-8 character \xNN; a space stays
   a space (GPT-2's "Ġworld" shows as " world"). Writes at most cap bytes
   with the NUL (cut short if need be); returns the full length, like
   snprintf, or −1 if id is not in the vocabulary.                          */
LDDEF int ld_tokenizer_token_display(const ld_tokenizer *tok, int id, char *out, int cap);

#ifndef LD_NO_STDIO
/* Reads a tokenizer.json file; see ld_tokenizer_parse. */
LDDEF ld_status ld_tokenizer_load(ld_tokenizer **out, const char *path);
/* Reads GPT-2's pair from files; see ld_tokenizer_parse_gpt2. */
LDDEF ld_status ld_tokenizer_load_gpt2(ld_tokenizer **out, const char *vocab_path, const char *merges_path);
/* Reads a model directory's tokenizer: dir/tokenizer.json, else
   dir/vocab.json + dir/merges.txt, else dir/encoder.json + dir/vocab.bpe.
   LD_ERR_MISSING if dir holds none of them.                                */
LDDEF ld_status ld_tokenizer_load_dir(ld_tokenizer **out, const char *dir);
/* Writes the files the tokenizer was read from into dir, byte for byte, so
   that ld_tokenizer_load_dir reads it back: dir/tokenizer.json, or GPT-2's
   pair as dir/vocab.json + dir/merges.txt (an encoder.json + vocab.bpe
   too). A pair is refused (LD_ERR_IO, nothing written) where dir holds a
   tokenizer.json, which would be read instead. A tokenizer made by
   ld_tokenizer_parse from memory writes that text. dir must exist.        */
LDDEF ld_status ld_tokenizer_save(const ld_tokenizer *tok, const char *dir);
#endif

/* ---- a model's text ----

   Everywhere the library turns a model's text into ids (the dataset
   loaders, ld_dataset_from_strings_opts, ld_dyn_pair_step) and back, and
   everywhere ldllm does (data, probes, prompts, generated text, the tokens
   of the dynamics reports), the text goes through the model's tokenizer,
   m->tokenizer: ld_load reads it from the model directory (tokenizer.json,
   else GPT-2's vocab.json + merges.txt, as ld_tokenizer_load_dir), ld_save
   writes it back beside the model, ld_model_set_tokenizer attaches one.

   The rule for a model without one: text is read as bytes (each byte its
   own id, ld_tokenize) only when the vocabulary is the byte-level one,
   V = 256 (the bytes) or V = 257 (the bytes and <|endoftext|>: a zeroed
   config, ldllm init). Any other V is refused with LD_ERR_CONFIG, naming
   the file the model lacks, rather than reading bytes as the ids of a real
   vocabulary (a GPT-2 checkpoint without its tokenizer would score "Hello"
   as five arbitrary ids). A tokenizer with more ids than V is refused too;
   fewer is fine (Pythia's 50277 ids under V = 50304: the ids past the
   tokenizer's are never produced, and decode refuses them).               */

/* 1 if cfg's vocabulary is the byte-level one (V = 256 or 257). */
LDDEF int ld_vocab_is_bytes(const ld_config *cfg);

/* The rule above for a config and a tokenizer (NULL: none): LD_OK if text
   can become ids, else LD_ERR_CONFIG with the reason.                      */
LDDEF ld_status ld_text_check(const ld_config *cfg, const ld_tokenizer *tok);

/* Gives m the tokenizer tok (NULL: none), which m then owns (ld_model_free
   frees it); a tokenizer m held before is freed. LD_ERR_CONFIG if tok has
   more ids than V: then nothing changes and tok stays the caller's.       */
LDDEF ld_status ld_model_set_tokenizer(ld_model *m, ld_tokenizer *tok);

/* Text → ids for model m: its tokenizer's (ld_tokenizer_encode: valid UTF-8,
   no special token added, flags as there), or bytes under the rule above.
   Writes ids[0..*n_ids); more than cap: LD_ERR_LENGTH, *n_ids = how many
   there are, ids untouched.                                                */
LDDEF ld_status ld_model_encode(const ld_model *m, const char *text, long len, int flags,
                                int *ids, int cap, int *n_ids);

/* Ids → text for model m (ld_tokenizer_decode; bytes: ids < 256 are the
   bytes, 256 is <|endoftext|>, special, and LD_TOK_SKIP_SPECIAL leaves it
   out). An id outside [0, V), or not in the tokenizer: LD_ERR_TOKEN.      */
LDDEF ld_status ld_model_decode(const ld_model *m, const int *ids, int n, int flags,
                                char *out, size_t cap, size_t *n_out);

/* One token of model m as printable text, for reports: its tokenizer's
   ld_tokenizer_token_display, <|N|> for an id in [tokenizer's V, V), or,
   without a tokenizer, ld_token_string. Returns the length, or −1 for an
   id outside [0, V) (the text is then <|bad id N|>).                       */
LDDEF int ld_model_token_string(const ld_model *m, int id, char *out, int cap);

/* ===========================================================================
   >>io — checkpoints (safetensors + config.json), JSONL data
   ======================================================================== */

/* ---- chat templates: conversations as text ----

   A conversation is a list of {"role", "content"} messages (roles
   "system", "user", "assistant"). A template renders it as a model's chat
   template does (transformers' apply_chat_template, tokenize=False):
     plain   the contents, one message after another, separated by "\n";
             the generation prompt is the "\n" before the next message
     hh      Anthropic-HH: "\n\nHuman: " + content for the user, "\n\nAssistant: "
             + content for the assistant; generation prompt "\n\nAssistant:";
             no system messages
     chatml  "<|im_start|>" role "\n" content "<|im_end|>\n" per message;
             generation prompt "<|im_start|>assistant\n". Qwen2.5-Instruct's
             and SmolLM2-Instruct's templates are this with a default system
             message put first when a conversation has none: the names
             "qwen2.5" and "smollm2" add theirs, "chatml" adds none
     llama3  Llama-3-Instruct: "<|start_header_id|>" role "<|end_header_id|>\n\n"
             + content with surrounding white space trimmed + "<|eot_id|>";
             generation prompt "<|start_header_id|>assistant<|end_header_id|>\n\n".
             The template's leading <|begin_of_text|> is not written: the
             sequence's first token (ld_dataset_seq) stands in its place.
   Special tokens are written as their text; the tokenizer maps them.       */
typedef enum { LD_CHAT_NONE = 0, LD_CHAT_PLAIN, LD_CHAT_HH, LD_CHAT_CHATML, LD_CHAT_LLAMA3 } ld_chat_kind;
typedef struct {
    ld_chat_kind kind;
    char name[32];          /* "plain", "hh", "chatml", "qwen2.5", ...        */
    char system[512];       /* chatml: system message put first when a
                               conversation has none ("": none)             */
} ld_chat_template;
typedef struct { const char *role, *content; } ld_chat_message;

/* A built-in template by name: plain, hh, chatml, llama3, qwen2.5 (chatml
   with "You are Qwen, created by Alibaba Cloud. You are a helpful
   assistant."), smollm2 (chatml with "You are a helpful AI assistant named
   SmolLM, trained by Hugging Face"). LD_ERR_ARG naming the choices.        */
LDDEF ld_status ld_chat_template_named(ld_chat_template *t, const char *name);
/* The built-in template that renders exactly as the Jinja source jinja[0..len)
   (a tokenizer_config.json's "chat_template", JSON escapes resolved) does,
   compared byte for byte after Jinja's "\n" escape is read as the newline it
   stands for: Llama-3-Instruct's, Qwen2.5-Instruct's, the ChatML template of
   the transformers documentation, and the family of SmolLM2-Instruct,
   Qwen2-Instruct and Qwen1.5-Chat (ChatML with "{% if loop.first and
   messages[0]['role'] != 'system' %}" putting a fixed system message first;
   that message becomes t->system). Any other template: LD_ERR_FORMAT, and
   the reason says to choose one by name.                                  */
LDDEF ld_status ld_chat_template_recognise(ld_chat_template *t, const char *jinja, size_t len);
/* Renders n messages into out (at most cap bytes with a NUL); *n_out gets
   the length. add_generation_prompt: append the template's opening of an
   assistant turn. Errors (LD_ERR_DATA): an unknown role, a role the
   template cannot render (hh has no system), a NULL content; LD_ERR_LENGTH
   if cap is too small.                                                     */
LDDEF ld_status ld_chat_render(const ld_chat_template *t, const ld_chat_message *msgs, int n,
                               int add_generation_prompt, char *out, size_t cap, size_t *n_out);

/* Datasets: JSONL, one JSON object per line, in the forms users have.
     LD_DATA_SFT     "prompt", "completion"
     LD_DATA_PREF    "prompt", "chosen", "rejected"
     LD_DATA_UNPAIRED "prompt", "completion", "label" (true: desirable,
                     false: undesirable; TRL's unpaired preference rows, KTO)
     LD_DATA_PROBES  "prompt" and any other fields of the same form: the paper's
                     probe types ("chosen", "chosen_initial", "chosen_selfr",
                     "chosen_gptsemantic", "chosen_gptformat", "rejected",
                     "reject_gptsemantic", "reject_gptformat", "irr_train",
                     "irr_test", "irr_hum", "random_permute", "random_nonhum",
                     ...), each optional
   Forms of a row (TRL's dataset formats):
     standard        strings. Without "prompt", "chosen" and "rejected" hold
                     the whole text (Anthropic-HH): the prompt is chosen up to
                     and including its last "\n\nAssistant:" (the official DPO
                     code's extract_anthropic_prompt), and rejected must begin
                     with that prompt; without that marker, TRL's
                     extract_prompt: the longest common prefix (of code
                     points), one character shorter when the character before
                     the split is a space, so the space starts the responses
     conversational  lists of {"role", "content"} messages rendered with the
                     chat template of the options (none given: refused): the
                     prompt as the template writes it with the generation
                     prompt (or, ending with an assistant message, up to its
                     trimmed content, to be continued), a response as what the
                     template writes for prompt + response past the prompt;
                     the latter must begin with the former. Without "prompt"
                     (or with a text "prompt" beside conversational
                     responses, as UltraFeedback-binarized has), the prompt
                     is the messages chosen and rejected begin with alike, as
                     TRL's extract_prompt finds them. A row of "messages"
                     alone is a prompt (all but the last message) and its last
                     message, which must be the assistant's, as the response
   SFT also takes preference rows and trains on "chosen" (the DPO code's SFT
   target). The prompt's text becomes tokens, and so does the text of prompt
   + response; the latter must begin with the former's tokens (TRL's check),
   and the response is the rest. Strings are decoded as JSON (\n, \",
   \uXXXX with surrogate pairs) and must be valid UTF-8; the text becomes
   ids through the options' tokenizer, or as bytes for a byte-level V (see
   "a model's text"). Blank lines are skipped; other fields are ignored.
   Well-formed but unusable, never fatal, and counted in ds->skips by reason
   and field: an empty probe is left out of its row; an SFT or preference
   row with an empty response is skipped. Malformed — bad JSON, a missing
   field, a field of the wrong type, invalid UTF-8, an unknown role, a
   content that is not a string, a template that cannot render the roles, a
   rejected that does not begin with the HH prompt, a prompt whose tokens
   are not a prefix — stops the load with its line number, or with
   LD_DATA_SKIP_BAD is skipped and counted (n_skipped, first_skip, skips). */
typedef enum { LD_DATA_SFT = 0, LD_DATA_PREF = 1, LD_DATA_PROBES = 2, LD_DATA_UNPAIRED = 3 } ld_data_kind;
enum { LD_DATA_SKIP_BAD = 1 };

/* How ld_dataset_seq cuts an example that does not fit in T tokens.
     LD_TRUNC_KEEP_END    the official DPO code's truncation_mode "keep_end"
                          (its mode for Anthropic-HH): when the prompt and the
                          example's longest response do not fit, the prompt
                          keeps its last max_prompt tokens; a response that
                          still does not fit keeps its first tokens. Chosen,
                          rejected and all probes share one prompt cut.
                          (The DPO code then cuts every response to
                          max_length − max_prompt_length; here a response
                          keeps all that fits after the prompt as cut, which
                          is more when the prompt was already shorter than
                          max_prompt.) The default.
     LD_TRUNC_KEEP_START  the same with the prompt keeping its first tokens
                          (the DPO code's "keep_start", its mode for SHP/SE)
     LD_TRUNC_TRL         TRL's DPOTrainer and SFTTrainer (truncation_mode
                          "keep_start", their default): the sequence keeps its
                          first T tokens, so a long response loses its end and
                          a prompt that fills T leaves none (an error). With
                          max_prompt > 0 the prompt first keeps its last
                          max_prompt tokens, as TRL's DPO max_prompt_length
                          did (512 by default before TRL removed it).
     LD_TRUNC_TRL_KEEP_END  TRL's truncation_mode "keep_end" (the DPOTrainer
                          default until TRL deprecated it): the sequence keeps
                          its last T tokens, each sequence on its own; with
                          max_prompt > 0 as above.                         */
typedef enum { LD_TRUNC_KEEP_END = 0, LD_TRUNC_KEEP_START = 1, LD_TRUNC_TRL = 2, LD_TRUNC_TRL_KEEP_END = 3 } ld_truncation;

/* What a load left out, one entry per (reason, field). */
typedef enum {
    LD_SKIP_MALFORMED = 0,      /* a malformed line (LD_DATA_SKIP_BAD); field "" */
    LD_SKIP_EMPTY_RESPONSE = 1, /* an SFT or preference row whose response `field` is empty */
    LD_SKIP_EMPTY_PROBE = 2     /* an empty probe `field`, left out of its row */
} ld_skip_reason;
typedef struct {
    ld_skip_reason reason;
    char field[64];
    int n;                /* how many                                        */
    int first_line;       /* the first line it happened on                   */
} ld_data_skip;

typedef struct {
    int n;                /* examples                                       */
    ld_data_kind kind;
    int n_fields;         /* columns; column 0 is "prompt"                  */
    char **fields;        /* (n_fields) column names                         */
    int *tokens;          /* every field's tokens, one after another         */
    size_t n_tokens;
    size_t *start;        /* (n, n_fields) first token of each field         */
    int *len;             /* (n, n_fields) its length in tokens; −1: absent  */
    int *line;            /* (n) 1-based line in the source                  */
    int *label;           /* (n) LD_DATA_UNPAIRED: 1 desirable, 0 undesirable;
                             NULL for the other kinds                        */
    int n_skipped;        /* malformed lines skipped (LD_DATA_SKIP_BAD)      */
    char first_skip[256]; /* why the first of them was skipped               */
    int n_skips;          /* entries in skips                                */
    ld_data_skip *skips;  /* (n_skips) all that was left out, in the order
                             first met                                      */
    ld_truncation truncation; /* how ld_dataset_seq cuts; may be changed  */
} ld_dataset;

/* Options of ld_dataset_parse_opts; zero fields take the defaults. */
typedef struct {
    int flags;                      /* LD_DATA_SKIP_BAD                       */
    const ld_chat_template *chat;   /* renders conversational rows [none]     */
    ld_truncation truncation;       /* becomes ds->truncation [KEEP_END]      */
    const ld_tokenizer *tokenizer;  /* text → ids, the model's (m.tokenizer)
                                       [none: bytes, for V = 256 or 257 only] */
} ld_data_opts;

/* Parses JSONL text[0..len). On failure *ds is empty and the reason names
   the line. cfg gives V, bos and eos; the text becomes ids through
   opts->tokenizer, or as bytes when there is none and V is 256 or 257;
   anything else is LD_ERR_CONFIG (ld_text_check). opts may be NULL.       */
LDDEF ld_status ld_dataset_parse_opts(ld_dataset *ds, const char *text, size_t len, const ld_config *cfg,
                                      ld_data_kind kind, const ld_data_opts *opts);
/* ld_dataset_parse_opts with only flags (no chat template). */
LDDEF ld_status ld_dataset_parse(ld_dataset *ds, const char *text, size_t len, const ld_config *cfg,
                                 ld_data_kind kind, int flags);
/* What ds->skips holds, as one line of text, e.g.
     left out 21 empty "chosen_initial" (first: line 7); skipped 2 malformed lines (first: line 3: bad JSON ...)
   Writes at most cap bytes with a NUL; returns the length (0: nothing).    */
LDDEF int ld_dataset_skips_string(const ld_dataset *ds, char *out, int cap);
/* Builds a dataset from C data instead of JSONL text: n examples of n_cols
   columns named cols (column 0 is "prompt"; the kind's columns must be
   among them, as ld_dataset_parse needs them). cols = NULL takes the kind's
   own columns: {"prompt", "completion"} (SFT), {"prompt", "chosen",
   "rejected"} (PREF). cells (n, n_cols) holds the texts row by row; a NULL
   cell is absent (allowed only in the other columns of probes). Texts must
   be valid UTF-8; the responses of the kind non-empty. Each example's
   `line` is its 1-based index. On failure *ds is empty and the reason names
   the example and column.

       const char *pair[3] = { "Q: the sky? A:", " blue.", " green." };
       ld_dataset ds;
       ld_dataset_from_strings(&ds, LD_DATA_PREF, NULL, 0, pair, 1, &m.cfg);

   The texts become ids as bytes (V = 256 or 257); for a model with a
   tokenizer use ld_dataset_from_strings_opts.                             */
LDDEF ld_status ld_dataset_from_strings(ld_dataset *ds, ld_data_kind kind, const char *const *cols, int n_cols,
                                        const char *const *cells, int n, const ld_config *cfg);
/* The same with options: opts->tokenizer (the model's, m.tokenizer) turns
   the texts into ids, opts->truncation becomes ds->truncation; flags and
   chat are not used (the cells are texts). opts may be NULL.              */
LDDEF ld_status ld_dataset_from_strings_opts(ld_dataset *ds, ld_data_kind kind, const char *const *cols, int n_cols,
                                             const char *const *cells, int n, const ld_config *cfg,
                                             const ld_data_opts *opts);
/* The same from token ids: cells (n, n_cols) points at each cell's ids and
   lens (n, n_cols) gives their counts (a NULL pointer or a count of −1 is
   absent). Ids must lie in [0, V). No framing is added here: ld_dataset_seq
   adds it, as for parsed data.                                            */
LDDEF ld_status ld_dataset_from_tokens(ld_dataset *ds, ld_data_kind kind, const char *const *cols, int n_cols,
                                       const int *const *cells, const int *lens, int n, const ld_config *cfg);

/* Frees a dataset and zeroes it. */
LDDEF void ld_dataset_free(ld_dataset *ds);
/* The column of a field name, or −1. */
LDDEF int ld_dataset_field(const ld_dataset *ds, const char *name);

/* Builds χ = [bos; prompt; response; eos] for example i with its response
   (bos and eos of cfg; one that is LD_NO_TOKEN is left out)
   from column `field`, into buf (T ints), and describes it in *out. An
   example that does not fit in T is cut as ds->truncation says
   (ld_truncation; max_prompt ≤ 0 means T/2 for the DPO code's modes and no
   prompt limit for TRL's). LD_ERR_MISSING if the example lacks the field;
   LD_ERR_LENGTH if nothing of the response would be left.                  */
LDDEF ld_status ld_dataset_seq(const ld_dataset *ds, int i, int field, int T, int max_prompt,
                               const ld_config *cfg, int *buf, ld_seq *out);

#ifndef LD_NO_STDIO
/* Writes dir/model.safetensors (tensors named and laid out as the family's
   save_pretrained writes them: GPT2LMHeadModel's
   "transformer.h.0.attn.c_attn.weight" in Conv1D's (in, out), GPT-NeoX's
   fused and per-head interleaved "query_key_value", Llama's and Qwen2's
   separate q/k/v and gate/up projections, "lm_head.weight" /
   "embed_out.weight" when untied; F32, or F64 in the double build) and
   dir/config.json (the family's keys), and the model's tokenizer beside
   them (ld_tokenizer_save: tokenizer.json, or vocab.json + merges.txt). A
   model without a tokenizer writes none and leaves dir's tokenizer files
   alone. dir is created if missing.                                       */
LDDEF ld_status ld_save(const ld_model *m, const char *dir);

/* A flag of ld_load: leave the directory's tokenizer files unread (for a
   model used on token ids only, or whose tokenizer is not supported).     */
enum { LD_LOAD_NO_TOKENIZER = 0x100 };

/* Creates *m from dir/config.json and dir/model.safetensors, or the shards
   dir/model.safetensors.index.json names: ours, or a Hugging Face GPT-2,
   GPT-NeoX, Llama or Qwen2 checkpoint (the base model's prefix optional,
   F32/F16/BF16/F64, a tied head with or without its own tensor; see the
   README's "Model families" for the config keys read and the ones
   refused). B, T, flags as in ld_model_init; T = 0 means the model's
   context. The directory's tokenizer (ld_tokenizer_load_dir) becomes
   m->tokenizer; without one it is NULL (see "a model's text"). A tokenizer
   file that cannot be read, or one with more ids than V, fails the load,
   with its reason; flags | LD_LOAD_NO_TOKENIZER skips it. On failure *m is
   zeroed, nothing stays allocated.                                        */
LDDEF ld_status ld_load(ld_model *m, const char *dir, int B, int T, int flags);

/* Reads a JSONL file; see ld_dataset_parse_opts (opts may be NULL). */
LDDEF ld_status ld_dataset_load_opts(ld_dataset *ds, const char *path, const ld_config *cfg,
                                     ld_data_kind kind, const ld_data_opts *opts);
/* ld_dataset_load_opts with only flags. */
LDDEF ld_status ld_dataset_load(ld_dataset *ds, const char *path, const ld_config *cfg,
                                ld_data_kind kind, int flags);

/* The chat template of a model's tokenizer_config.json ("chat_template":
   a string, or a list of {"name", "template"} of which "default" is
   taken), recognised as ld_chat_template_recognise does. A config without
   one (GPT-2's): LD_ERR_MISSING, and the reason says to choose one by name. */
LDDEF ld_status ld_chat_template_load(ld_chat_template *t, const char *tokenizer_config_path);

/* Reads a config.json of any supported family (model_type gpt2 — also
   when absent —, gpt_neox, llama, qwen2) into *cfg, resolved and checked.
   A setting the library does not have (another rope type, a sliding
   window, experts, another activation) is LD_ERR_CONFIG naming the key. */
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
    int pref;                   /* 0: SFT; 1: the preference loss `loss`
                                   (LD_KTO: unpaired rows, LD_DATA_UNPAIRED) */
    const char *sft_fields[4];  /* SFT: response columns, one row per example
                                   and column [{"completion"}, or {"chosen"}
                                   for a preference dataset]; {"chosen",
                                   "rejected"} trains on both               */
    ld_norm norm;               /* SFT normalisation [LD_NORM_SEQ_SUM]        */
    ld_pref_opts loss;          /* preference loss [sigmoid, β 0.1]           */
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
    int fields[4], n_fields;    /* response columns: SFT's, or chosen|rejected
                                   (KTO: completion)                          */
    double *ref_logp;           /* (n, 2) precomputed reference log-probs:
                                   chosen, rejected (LD-DPO-weighted when on);
                                   KTO: the completion, its KL row            */
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
    int *row_label;             /* (m->B) KTO: the labels of the batch's rows */
    ld_row_coef *row_coef;      /* (m->B) what the last step's loss wrote on
                                   each row: G = c (π − y) (c_tail past
                                   `head`), its gradient −c ∇θ log π(y)     */
    /* the last step */
    double loss, lr, grad_norm;
    ld_pref_metrics metrics;    /* preference steps                           */
    long tokens;                /* tokens forwarded so far                    */
} ld_trainer;

/* Sets up training of model m with optimizer opt on dataset ds (SFT,
   preference data, or for KTO unpaired rows). ref: a frozen reference
   model for the preference losses that need one, or NULL: then π_ref is
   the policy's own starting weights, whose log-probs of every example are
   computed here, once, before the first step (as with ref_precompute). A
   preference batch of n examples takes 2n rows: chosen then rejected;
   KTO's takes its n completions, then n KL rows: each example's prompt
   with the completion of the example before it in its group of `batch`
   consecutive examples of the file (the last with the first), as TRL's
   KTOTrainer pairs them. Errors: a batch that does not fit in m->B rows,
   missing columns, a reference of the wrong size or whose tokenizer is not
   m's (the same ids would be other text), KTO with batch < 2. The
   trainer keeps pointers to m, opt, ds and ref: they must outlive it.    */
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
                   sequence-level −η A K G of Prop. 1; under LD-DPO
                   + (c_tail − c_r) ⟨∇θ log π_o, P ⊙ ∇θ log π_r(tail)⟩,
                   the tail's tokens weighted as the loss weighs them
     drift[o]  = pred − Σ_r share                 momentum and weight decay
     meas[o]   = log π_o after the step − before
     pred_end[o] = ⟨∇θ log π_o at θ + Δθ, Δθ⟩     the slope at the step's end
                   (a JVP along Δθ; NaN for a model without LD_JVP):
                   ½ (pred + pred_end) is the trapezoid rule along the
                   step, exact when log π_o is quadratic in θ there, so
                   meas − ½ (pred + pred_end) is third order in Δθ where
                   meas − pred is second order (the curvature of log π)
   Why share is −η Σ_m e_{y_m}ᵀ A_m Σ_l K_{m,l} G_l (the sum over o's
   response positions m and r's positions l, with η and K through P):
     row r's gradient g_r = Σ_l J_lᵀ G_l = −c_r ∇θ log π_r, as G_l = c_r (π_l − e_{y_l});
     its part of the step is Δθ_r = −P ⊙ g_r = c_r P ⊙ ∇θ log π_r;
     ∇θ log π_o = Σ_m J_mᵀ A_mᵀ e_{y_m}, so ⟨∇θ log π_o, Δθ_r⟩ = Σ_m e_{y_m}ᵀ A_m J_m Δθ_r
       = −Σ_m e_{y_m}ᵀ A_m Σ_l (J_m P J_lᵀ) G_l, and with SGD P = η, J_m J_lᵀ = K_{m,l}.
   For a preference batch, pred_chosen and pred_rejected sum the shares of
   the chosen and the rejected rows (the paper's K·G⁺ and K·G⁻ terms); for
   KTO those of the desirable and the undesirable rows (its KL rows take no
   gradient and no share).
   pred_layer splits pred by parameter group: 0 the embeddings (wte, wpe;
   wte is also the tied head), 1..L the blocks, L+1 the final LayerNorm
   and an untied head.
   Cost: one forward and one backward per observed response and per row,
   one forward and one JVP per observed response after the step (batched
   m->B at a time), and dot products.                                      */
typedef struct {
    int n_obs, n_rows, n_groups;
    double *logp;          /* (n_obs) log π(y|χ) before the step              */
    double *pred;          /* (n_obs)                                          */
    double *meas;          /* (n_obs)                                          */
    double *pred_chosen;   /* (n_obs) through the chosen (SFT: all) rows       */
    double *pred_rejected; /* (n_obs) through the rejected rows                */
    double *drift;         /* (n_obs)                                          */
    double *pred_end;      /* (n_obs) the slope at θ + Δθ (NaN without LD_JVP)  */
    double *pred_layer;    /* (n_obs, n_groups) n_groups = L + 2               */
    double *share;         /* (n_rows, n_obs)                                  */
    ld_row_coef *row_coef; /* (n_rows) c_r (and c_tail, role, weight)          */
    int *row_example;      /* (n_rows) the dataset example of each row         */
    int *row_rejected;     /* (n_rows) 1 for a rejected (undesirable) row      */
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

/* One preference step on one pair, analysed in one call from C strings:
   makes the one-pair dataset {prompt, chosen, rejected} with the model's
   text (ld_dataset_from_strings_opts, m->tokenizer), an optimizer (oc; NULL: plain SGD) and a
   trainer (tc: its loss, η = tc->lr, max_prompt...; NULL: DPO with β 0.1;
   tc->pref and the batch are set here) on model m, and reports the step as
   ld_dyn_step with apply = 0 does, on the observed sequences obs — or, with
   obs = NULL, on the pair's own responses: observation 0 is y⁺ and 1 is
   y⁻ (n_obs is then ignored). r->pred_chosen and r->pred_rejected split
   each change into the parts that come through G⁺ and through G⁻. θ is
   left as it was. ref: the reference model, or NULL to take m's weights
   (the same thing before the step).                                       */
LDDEF ld_status ld_dyn_pair_step(ld_model *m, ld_model *ref, const char *prompt, const char *chosen,
                                 const char *rejected, const ld_train_config *tc, const ld_optim_config *oc,
                                 const ld_seq *obs, int n_obs, ld_dyn_report *r);

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
    double *pred_trap;     /* (n_probes) Σ ½ (pred + pred_end): the trapezoid
                              rule along each step (NaN without LD_JVP)       */
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
/* The same without the greedy decodes (their type is NaN, greedy_len 0):
   the teacher-forced scores alone, several times cheaper to take often.  */
LDDEF ld_status ld_probe_score(ld_model *m, const ld_dataset *probes, int max_prompt, ld_probe_result *out);
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
#ifndef LD_NO_STDIO
#include <errno.h>
#include <sys/stat.h>  /* stat, mkdir: ld_save makes its directory */
#ifdef _WIN32
#include <direct.h>
#define LD__MKDIR(p) _mkdir(p)
#ifndef S_ISDIR
#define S_ISDIR(m) (((m) & _S_IFMT) == _S_IFDIR)
#endif
#else
#define LD__MKDIR(p) mkdir((p), 0777)
#endif
#endif

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
/* the same with a private copy of a struct of constants (shared, a struct
   is read through a pointer, which stops vectorisation: measured, an SGD
   step 13x slower), and OR-ing an int flag and taking three maxima */
#define LD__OMP_FOR_WITH(work, priv) \
    LD__PRAGMA(omp parallel for schedule(static) firstprivate(priv) if((work) >= LD__PAR_MIN))
#define LD__OMP_FOR_CHECK(work, priv, flag, m1, m2, m3) \
    LD__PRAGMA(omp parallel for schedule(static) firstprivate(priv) reduction(| : flag) reduction(max : m1, m2, m3) if((work) >= LD__PAR_MIN))
#define LD__OMP_PARALLEL(work) LD__PRAGMA(omp parallel if((work) >= LD__PAR_MIN))
#define LD__OMP_FOR_IN LD__PRAGMA(omp for schedule(static))
#else
#define LD__OMP_FOR(work)
#define LD__OMP_FOR_WITH(work, priv)
#define LD__OMP_FOR_CHECK(work, priv, flag, m1, m2, m3)
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

/* Puts a context before the current failure reason ("observed sequence 2:
   row 0 has ...") and returns s. */
LD__MAYBE_UNUSED static ld_status ld__fail_context(ld_status s, const char *fmt, ...) {
    char why[sizeof ld__reason], ctx[256];
    va_list ap;
    memcpy(why, ld__reason, sizeof why);
    va_start(ap, fmt);
    vsnprintf(ctx, sizeof ctx, fmt, ap);
    va_end(ap);
    size_t a = strlen(ctx), b = strlen(why), cap = sizeof ld__reason - 1;
    if (a > cap - 2) a = cap - 2;
    if (b > cap - 2 - a) b = cap - 2 - a;   /* truncated at the end, like vsnprintf */
    memcpy(ld__reason, ctx, a);
    memcpy(ld__reason + a, ": ", 2);
    memcpy(ld__reason + a + 2, why, b);
    ld__reason[a + 2 + b] = 0;
    return s;
}

/* Grows *p (elements of size es) to hold at least need; doubles. 0 ok, −1 out of memory. */
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

/* The defaults a family gives its switches (the "LD__FAM(c)" of the
   config list); the rest of a family is in >>families.                    */
typedef struct { int norm, act, residual, biases, pos; double rotary_pct; } ld__family_defaults;
static ld__family_defaults ld__family_defaults_of(int family) {
    ld__family_defaults d;
    switch (family) {
    case LD_FAMILY_GPT_NEOX:   /* GPTNeoXConfig: rotary_pct 0.25, use_parallel_residual true */
        d.norm = LD_LAYERNORM; d.act = LD_GELU_ERF; d.residual = LD_PARALLEL;
        d.biases = LD_BIAS_QKV | LD_BIAS_O | LD_BIAS_MLP; d.pos = LD_POS_ROTARY; d.rotary_pct = 0.25;
        break;
    case LD_FAMILY_LLAMA:      /* LlamaConfig: attention_bias, mlp_bias false */
        d.norm = LD_RMSNORM; d.act = LD_SWIGLU; d.residual = LD_SEQUENTIAL;
        d.biases = LD_BIAS_NONE; d.pos = LD_POS_ROTARY; d.rotary_pct = 1.0;
        break;
    case LD_FAMILY_QWEN2:      /* Qwen2: biases on q, k and v only */
        d.norm = LD_RMSNORM; d.act = LD_SWIGLU; d.residual = LD_SEQUENTIAL;
        d.biases = LD_BIAS_QKV; d.pos = LD_POS_ROTARY; d.rotary_pct = 1.0;
        break;
    default:                   /* GPT-2 */
        d.norm = LD_LAYERNORM; d.act = LD_GELU_TANH; d.residual = LD_SEQUENTIAL;
        d.biases = LD_BIAS_QKV | LD_BIAS_O | LD_BIAS_MLP; d.pos = LD_POS_LEARNED; d.rotary_pct = 1.0;
        break;
    }
    return d;
}
#define LD__FAM(c) ld__family_defaults_of((c).family)

LDDEF ld_config ld_config_resolve(const ld_config *cfg) {
    ld_config c;
    if (cfg) c = *cfg; else memset(&c, 0, sizeof c);
#define LD__X(type, name, def, ident, fmt) if (c.name == 0) c.name = (type)(def);
    LD__CONFIG_LIST(LD__X)
#undef LD__X
    c.untied_head = c.untied_head ? 1 : 0;
    if (c.biases & LD_BIAS_NONE) c.biases = LD_BIAS_NONE;   /* none: no other bit */
    /* the byte-level vocabulary's one special token starts and ends sequences */
    if (!c.ids_set) { c.bos_token = c.eos_token = c.vocab_size - 1; c.ids_set = 1; }
    return c;
}

/* "vocab_size 257, context 64, ..." of a config, into buf (cap bytes). */
LD__MAYBE_UNUSED static const char *ld__config_str(const ld_config *c, char *buf, size_t cap) {
    size_t n = 0;
    buf[0] = 0;
#define LD__X(type, name, def, ident, fmt) \
    if (n < cap) n += (size_t)snprintf(buf + n, cap - n, "%s" fmt, n ? ", " : "", c->name);
    LD__CONFIG_LIST(LD__X)
#undef LD__X
    return buf;
}

/* Rotary dims per head: HS · rotary_pct, rounded down as GPT-NeoX does. */
static int ld__rotary_dims(const ld_config *c) {
    return c->pos == LD_POS_ROTARY ? (int)(c->head_dim * c->rotary_pct) : 0;
}

static const char *ld__family_name(int family) {
    switch (family) {
    case LD_FAMILY_GPT2: return "gpt2";
    case LD_FAMILY_GPT_NEOX: return "gpt_neox";
    case LD_FAMILY_LLAMA: return "llama";
    case LD_FAMILY_QWEN2: return "qwen2";
    default: return "unknown";
    }
}

LDDEF ld_status ld_config_check(const ld_config *c) {
    if (!c) return ld__fail(LD_ERR_ARG, "config is NULL");
    if (c->family < LD_FAMILY_GPT2 || c->family > LD_FAMILY_QWEN2)
        return ld__fail(LD_ERR_CONFIG, "unknown family %d", c->family);
    if (c->vocab_size < 2 || c->context < 1 || c->n_layer < 1 || c->n_head < 1 || c->n_embd < 1 ||
        c->n_kv_head < 1 || c->head_dim < 1 || c->intermediate < 1)
        return ld__fail(LD_ERR_CONFIG, "sizes must be positive (vocab %d ≥ 2, context %d, layers %d, heads %d, "
                        "kv heads %d, head_dim %d, channels %d, intermediate %d)", c->vocab_size, c->context,
                        c->n_layer, c->n_head, c->n_kv_head, c->head_dim, c->n_embd, c->intermediate);
    if (c->vocab_size > (1 << 24) || c->context > (1 << 16) || c->n_embd > (1 << 16) || c->n_layer > 1024 ||
        c->n_head > 1024 || c->head_dim > 4096 || c->intermediate > (1 << 20))
        return ld__fail(LD_ERR_CONFIG, "sizes too large (vocab %d, context %d, channels %d, layers %d, heads %d, "
                        "head_dim %d, intermediate %d)", c->vocab_size, c->context, c->n_embd, c->n_layer,
                        c->n_head, c->head_dim, c->intermediate);
    if (c->n_head % c->n_kv_head)
        return ld__fail(LD_ERR_CONFIG, "n_kv_head %d does not divide n_head %d", c->n_kv_head, c->n_head);
    if (c->bos_token < LD_NO_TOKEN || c->bos_token >= c->vocab_size || c->eos_token < LD_NO_TOKEN ||
        c->eos_token >= c->vocab_size)
        return ld__fail(LD_ERR_CONFIG, "bos_token %d or eos_token %d is outside [0, %d) and not LD_NO_TOKEN (%d)",
                        c->bos_token, c->eos_token, c->vocab_size, LD_NO_TOKEN);
    if (!(c->init_std > 0) || !(c->ln_eps > 0) || !isfinite(c->init_std) || !isfinite(c->ln_eps))
        return ld__fail(LD_ERR_CONFIG, "init_std and ln_eps must be positive and finite");
    if (c->norm < LD_LAYERNORM || c->norm > LD_RMSNORM || c->act < LD_GELU_TANH || c->act > LD_SWIGLU ||
        c->residual < LD_SEQUENTIAL || c->residual > LD_PARALLEL || c->pos < LD_POS_LEARNED ||
        c->pos > LD_POS_ROTARY || c->rope_scaling < LD_ROPE_NONE || c->rope_scaling > LD_ROPE_LLAMA3 ||
        c->biases < 0 || c->biases > LD_BIAS_NONE)
        return ld__fail(LD_ERR_CONFIG, "unknown switch (norm %d, act %d, residual %d, pos %d, rope_scaling %d, biases %d)",
                        c->norm, c->act, c->residual, c->pos, c->rope_scaling, c->biases);
    if (c->pos == LD_POS_ROTARY) {
        int R = ld__rotary_dims(c);
        if (!(c->rotary_pct > 0 && c->rotary_pct <= 1) || R < 2 || R % 2)
            return ld__fail(LD_ERR_CONFIG, "rotary_pct %g of head_dim %d gives %d rotary dims: need an even number ≥ 2",
                            c->rotary_pct, c->head_dim, R);
        if (!(c->rope_theta > 1) || !isfinite(c->rope_theta) || !(c->rope_factor > 0) || !isfinite(c->rope_factor))
            return ld__fail(LD_ERR_CONFIG, "rope_theta %g (need > 1) or rope_factor %g (need > 0)", c->rope_theta, c->rope_factor);
        if (c->rope_scaling == LD_ROPE_LLAMA3 && (!(c->rope_high_freq > c->rope_low_freq) || !(c->rope_low_freq > 0) ||
                                                  !isfinite(c->rope_high_freq) || c->rope_orig_context < 1))
            return ld__fail(LD_ERR_CONFIG, "llama3 rope scaling needs high_freq_factor %g > low_freq_factor %g > 0 "
                            "and original_max_position_embeddings %d ≥ 1", c->rope_high_freq, c->rope_low_freq,
                            c->rope_orig_context);
    }
    /* what the family's checkpoints can express */
    const char *fam = ld__family_name(c->family), *why = NULL;
    int gpt = c->family == LD_FAMILY_GPT2 || c->family == LD_FAMILY_GPT_NEOX, b = c->biases & 7;
    if (gpt && c->n_head * c->head_dim != c->n_embd)
        return ld__fail(LD_ERR_CONFIG, "n_head %d does not divide n_embd %d into heads of head_dim %d, as a %s model's "
                        "heads must", c->n_head, c->n_embd, c->head_dim, fam);
    if (gpt && c->n_kv_head != c->n_head) why = "one key-value head per head (n_kv_head = n_head)";
    else if (gpt && c->norm != LD_LAYERNORM) why = "LayerNorm";
    else if (!gpt && (c->norm != LD_RMSNORM || c->act != LD_SWIGLU || c->residual != LD_SEQUENTIAL))
        why = "RMSNorm, SwiGLU and the sequential residual";
    else if (c->family == LD_FAMILY_GPT2 && (c->pos != LD_POS_LEARNED || c->act == LD_SWIGLU || c->residual != LD_SEQUENTIAL ||
                                             b != 7))
        why = "learned positions, a GELU, the sequential residual and every bias";
    else if (c->family != LD_FAMILY_GPT2 && c->pos != LD_POS_ROTARY) why = "rotary positions";
    else if (c->family == LD_FAMILY_GPT_NEOX && (c->act == LD_SWIGLU || !(b & LD_BIAS_MLP) ||
                                                 !(b & LD_BIAS_QKV) != !(b & LD_BIAS_O)))
        why = "a GELU, the MLP's biases, and the attention's biases all or none";
    else if (c->family == LD_FAMILY_LLAMA && !(b & LD_BIAS_QKV) != !(b & LD_BIAS_O))
        why = "the attention's biases all or none (attention_bias)";
    else if (c->family == LD_FAMILY_QWEN2 && b != LD_BIAS_QKV) why = "biases on q, k and v only";
    if (why) {
        static const char *const norms[] = { "", "LayerNorm", "RMSNorm" }, *const acts[] = { "", "tanh GELU", "erf GELU", "SwiGLU" },
                                 *const res[] = { "", "sequential", "parallel" }, *const poss[] = { "", "learned", "rotary" };
        return ld__fail(LD_ERR_CONFIG, "a %s model has %s (this config: n_head %d, n_kv_head %d, head_dim %d, n_embd %d, "
                        "%s, %s, %s residual, %s positions, biases on%s%s%s%s)", fam, why, c->n_head, c->n_kv_head,
                        c->head_dim, c->n_embd, norms[c->norm], acts[c->act], res[c->residual], poss[c->pos],
                        (b & LD_BIAS_QKV) ? " qkv" : "", (b & LD_BIAS_O) ? " o" : "", (b & LD_BIAS_MLP) ? " mlp" : "",
                        b ? "" : " nothing");
    }
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

/* -------------------------------------------------------------- >>families */

/* The roles: LD__R_wte, ..., one per tensor of LD__PARAM_LIST, in its order. */
enum {
#define LD__X(name, dims, rows, cols, decay, init, present) LD__R_##name,
    LD__PARAM_LIST(LD__X)
#undef LD__X
    LD__NTENSORS
};

/* How a checkpoint lays out one of our tensors: as we do (out, in); as
   GPT-2's Conv1D, transposed (in, out); or as GPT-NeoX's fused
   query_key_value, (out, in) with its rows in the order (head, q|k|v, i)
   where ours are (q|k|v, head, i).                                        */
enum { LD__HF_SAME, LD__HF_T, LD__HF_NEOX_QKV };

/* Which rows of our tensor a checkpoint's tensor holds (for a vector, which
   elements): all, or one part of qkv (q: NH·HS rows, k and v: NKV·HS each)
   or of a SwiGLU fc (gate: I rows, then up: I).                           */
enum { LD__PART_ALL, LD__PART_Q, LD__PART_K, LD__PART_V, LD__PART_GATE, LD__PART_UP };

/* One tensor of a family's checkpoints: our role, its layout, the part of
   our tensor it holds, and its name as save_pretrained writes it (%d =
   layer).                                                                 */
typedef struct { int role, layout, part; const char *hf; } ld__hf_tensor;

#define LD__ALL LD__HF_SAME, LD__PART_ALL
static const ld__hf_tensor ld__gpt2_tensors[] = {
    { LD__R_wte,      LD__ALL,                     "transformer.wte.weight" },
    { LD__R_wpe,      LD__ALL,                     "transformer.wpe.weight" },
    { LD__R_ln1w,     LD__ALL,                     "transformer.h.%d.ln_1.weight" },
    { LD__R_ln1b,     LD__ALL,                     "transformer.h.%d.ln_1.bias" },
    { LD__R_qkvw,     LD__HF_T, LD__PART_ALL,      "transformer.h.%d.attn.c_attn.weight" },
    { LD__R_qkvb,     LD__ALL,                     "transformer.h.%d.attn.c_attn.bias" },
    { LD__R_attprojw, LD__HF_T, LD__PART_ALL,      "transformer.h.%d.attn.c_proj.weight" },
    { LD__R_attprojb, LD__ALL,                     "transformer.h.%d.attn.c_proj.bias" },
    { LD__R_ln2w,     LD__ALL,                     "transformer.h.%d.ln_2.weight" },
    { LD__R_ln2b,     LD__ALL,                     "transformer.h.%d.ln_2.bias" },
    { LD__R_fcw,      LD__HF_T, LD__PART_ALL,      "transformer.h.%d.mlp.c_fc.weight" },
    { LD__R_fcb,      LD__ALL,                     "transformer.h.%d.mlp.c_fc.bias" },
    { LD__R_fcprojw,  LD__HF_T, LD__PART_ALL,      "transformer.h.%d.mlp.c_proj.weight" },
    { LD__R_fcprojb,  LD__ALL,                     "transformer.h.%d.mlp.c_proj.bias" },
    { LD__R_lnfw,     LD__ALL,                     "transformer.ln_f.weight" },
    { LD__R_lnfb,     LD__ALL,                     "transformer.ln_f.bias" },
    { LD__R_lmhead,   LD__ALL,                     "lm_head.weight" },
};
static const ld__hf_tensor ld__neox_tensors[] = {
    { LD__R_wte,      LD__ALL,                     "gpt_neox.embed_in.weight" },
    { LD__R_ln1w,     LD__ALL,                     "gpt_neox.layers.%d.input_layernorm.weight" },
    { LD__R_ln1b,     LD__ALL,                     "gpt_neox.layers.%d.input_layernorm.bias" },
    { LD__R_qkvw,     LD__HF_NEOX_QKV, LD__PART_ALL, "gpt_neox.layers.%d.attention.query_key_value.weight" },
    { LD__R_qkvb,     LD__HF_NEOX_QKV, LD__PART_ALL, "gpt_neox.layers.%d.attention.query_key_value.bias" },
    { LD__R_attprojw, LD__ALL,                     "gpt_neox.layers.%d.attention.dense.weight" },
    { LD__R_attprojb, LD__ALL,                     "gpt_neox.layers.%d.attention.dense.bias" },
    { LD__R_ln2w,     LD__ALL,                     "gpt_neox.layers.%d.post_attention_layernorm.weight" },
    { LD__R_ln2b,     LD__ALL,                     "gpt_neox.layers.%d.post_attention_layernorm.bias" },
    { LD__R_fcw,      LD__ALL,                     "gpt_neox.layers.%d.mlp.dense_h_to_4h.weight" },
    { LD__R_fcb,      LD__ALL,                     "gpt_neox.layers.%d.mlp.dense_h_to_4h.bias" },
    { LD__R_fcprojw,  LD__ALL,                     "gpt_neox.layers.%d.mlp.dense_4h_to_h.weight" },
    { LD__R_fcprojb,  LD__ALL,                     "gpt_neox.layers.%d.mlp.dense_4h_to_h.bias" },
    { LD__R_lnfw,     LD__ALL,                     "gpt_neox.final_layer_norm.weight" },
    { LD__R_lnfb,     LD__ALL,                     "gpt_neox.final_layer_norm.bias" },
    { LD__R_lmhead,   LD__ALL,                     "embed_out.weight" },
};
/* Llama and Qwen2 name their tensors alike; which biases exist is the config's */
static const ld__hf_tensor ld__llama_tensors[] = {
    { LD__R_wte,      LD__ALL,                     "model.embed_tokens.weight" },
    { LD__R_ln1w,     LD__ALL,                     "model.layers.%d.input_layernorm.weight" },
    { LD__R_qkvw,     LD__HF_SAME, LD__PART_Q,     "model.layers.%d.self_attn.q_proj.weight" },
    { LD__R_qkvw,     LD__HF_SAME, LD__PART_K,     "model.layers.%d.self_attn.k_proj.weight" },
    { LD__R_qkvw,     LD__HF_SAME, LD__PART_V,     "model.layers.%d.self_attn.v_proj.weight" },
    { LD__R_qkvb,     LD__HF_SAME, LD__PART_Q,     "model.layers.%d.self_attn.q_proj.bias" },
    { LD__R_qkvb,     LD__HF_SAME, LD__PART_K,     "model.layers.%d.self_attn.k_proj.bias" },
    { LD__R_qkvb,     LD__HF_SAME, LD__PART_V,     "model.layers.%d.self_attn.v_proj.bias" },
    { LD__R_attprojw, LD__ALL,                     "model.layers.%d.self_attn.o_proj.weight" },
    { LD__R_attprojb, LD__ALL,                     "model.layers.%d.self_attn.o_proj.bias" },
    { LD__R_ln2w,     LD__ALL,                     "model.layers.%d.post_attention_layernorm.weight" },
    { LD__R_fcw,      LD__HF_SAME, LD__PART_GATE,  "model.layers.%d.mlp.gate_proj.weight" },
    { LD__R_fcw,      LD__HF_SAME, LD__PART_UP,    "model.layers.%d.mlp.up_proj.weight" },
    { LD__R_fcb,      LD__HF_SAME, LD__PART_GATE,  "model.layers.%d.mlp.gate_proj.bias" },
    { LD__R_fcb,      LD__HF_SAME, LD__PART_UP,    "model.layers.%d.mlp.up_proj.bias" },
    { LD__R_fcprojw,  LD__ALL,                     "model.layers.%d.mlp.down_proj.weight" },
    { LD__R_fcprojb,  LD__ALL,                     "model.layers.%d.mlp.down_proj.bias" },
    { LD__R_lnfw,     LD__ALL,                     "model.norm.weight" },
    { LD__R_lmhead,   LD__ALL,                     "lm_head.weight" },
};
#undef LD__ALL
/* buffers old checkpoints carry, ignored (name suffixes) */
static const char *const ld__gpt2_ignore[] = { "attn.bias", "attn.masked_bias", NULL };
static const char *const ld__neox_ignore[] = { "attention.bias", "attention.masked_bias", "rotary_emb.inv_freq", NULL };
static const char *const ld__llama_ignore[] = { "rotary_emb.inv_freq", NULL };

/* A family: its Hugging Face names and its tensor table. The base model's
   prefix ("transformer.") may be missing from a checkpoint's names, as
   from_pretrained allows.                                                  */
typedef struct {
    int family;
    const char *model_type, *hf_class, *base;
    const ld__hf_tensor *tensors;
    int n_tensors;
    const char *const *ignore;
} ld__family;

#define LD__TABLE(t) t, (int)(sizeof t / sizeof t[0])
static const ld__family ld__families[] = {
    { LD_FAMILY_GPT2,     "gpt2",     "GPT2LMHeadModel",    "transformer.", LD__TABLE(ld__gpt2_tensors),  ld__gpt2_ignore },
    { LD_FAMILY_GPT_NEOX, "gpt_neox", "GPTNeoXForCausalLM", "gpt_neox.",    LD__TABLE(ld__neox_tensors),  ld__neox_ignore },
    { LD_FAMILY_LLAMA,    "llama",    "LlamaForCausalLM",   "model.",       LD__TABLE(ld__llama_tensors), ld__llama_ignore },
    { LD_FAMILY_QWEN2,    "qwen2",    "Qwen2ForCausalLM",   "model.",       LD__TABLE(ld__llama_tensors), ld__llama_ignore },
};
#undef LD__TABLE

static const ld__family *ld__family_of(const ld_config *c) {
    for (size_t i = 0; i < sizeof ld__families / sizeof ld__families[0]; i++)
        if (ld__families[i].family == c->family) return &ld__families[i];
    return &ld__families[0];
}

/* The sizes the tensor and activation lists speak of, for a resolved
   config, and which optional tensors it has.                              */
typedef struct {
    int V, T, C, L, NH, NKV, HS, QKV, AO, I, FC, R;
    int tied, learned, ln, bqkv, bo, bmlp, par;
} ld__dims;

static ld__dims ld__dims_of(const ld_config *c) {
    ld__dims d;
    d.V = c->vocab_size; d.T = c->context; d.C = c->n_embd; d.L = c->n_layer; d.NH = c->n_head;
    d.NKV = c->n_kv_head; d.HS = c->head_dim;
    d.QKV = (d.NH + 2 * d.NKV) * d.HS; d.AO = d.NH * d.HS;
    d.I = c->intermediate; d.FC = c->act == LD_SWIGLU ? 2 * d.I : d.I;
    d.R = ld__rotary_dims(c);
    d.tied = !c->untied_head;
    d.learned = c->pos == LD_POS_LEARNED;
    d.ln = c->norm == LD_LAYERNORM;
    d.bqkv = !!(c->biases & LD_BIAS_QKV); d.bo = !!(c->biases & LD_BIAS_O); d.bmlp = !!(c->biases & LD_BIAS_MLP);
    d.par = c->residual == LD_PARALLEL;
    return d;
}

/* The letters of the lists as local names (T given: the context for the
   tensors, the capacity for the activations).                             */
#define LD__LETTERS(d, T_)                                                       \
    const int V = (d).V, T = (T_), C = (d).C, NH = (d).NH, QKV = (d).QKV,        \
              AO = (d).AO, I = (d).I, FC = (d).FC, R = (d).R, tied = (d).tied,   \
              learned = (d).learned, ln = (d).ln, bqkv = (d).bqkv, bo = (d).bo,  \
              bmlp = (d).bmlp;                                                   \
    (void)V; (void)T; (void)C; (void)NH; (void)QKV; (void)AO; (void)I; (void)FC; \
    (void)R; (void)tied; (void)learned; (void)ln; (void)bqkv; (void)bo; (void)bmlp

/* Where a checkpoint's tensor lies in ours: its stored element k is our
   element ld__hf_index(&map, k) of the layer's tensor, whose units (rows
   of a matrix, elements of a vector) u0..u0+n−1 it holds, W numbers each. */
typedef struct { int layout, u0, n, W, NH, HS; } ld__hf_map;

LD__MAYBE_UNUSED static ld__hf_map ld__hf_map_of(const ld__hf_tensor *h, const ld_tensor_info *ti, const ld__dims *d) {
    ld__hf_map p;
    p.layout = h->layout; p.NH = d->NH; p.HS = d->HS;
    p.W = ti->dims == 2 ? ti->cols : 1;
    int units = ti->dims == 2 ? ti->rows : ti->cols;
    switch (h->part) {
    case LD__PART_Q:    p.u0 = 0;                        p.n = d->NH * d->HS;  break;
    case LD__PART_K:    p.u0 = d->NH * d->HS;            p.n = d->NKV * d->HS; break;
    case LD__PART_V:    p.u0 = (d->NH + d->NKV) * d->HS; p.n = d->NKV * d->HS; break;
    case LD__PART_GATE: p.u0 = 0;                        p.n = d->I;           break;
    case LD__PART_UP:   p.u0 = d->I;                     p.n = d->I;           break;
    default:            p.u0 = 0;                        p.n = units;          break;
    }
    return p;
}

LD__MAYBE_UNUSED static size_t ld__hf_index(const ld__hf_map *p, size_t k) {
    size_t u, w;
    if (p->layout == LD__HF_T) { u = k % (size_t)p->n; w = k / (size_t)p->n; }   /* stored (W, n) */
    else { u = k / (size_t)p->W; w = k % (size_t)p->W; }                        /* stored (n, W) */
    if (p->layout == LD__HF_NEOX_QKV) {   /* stored unit (h, j, i) → ours (j, h, i) */
        size_t HS = (size_t)p->HS, h = u / (3 * HS), j = u / HS % 3, i = u % HS;
        u = (j * (size_t)p->NH + h) * HS + i;
    }
    return ((size_t)p->u0 + u) * (size_t)p->W + w;
}

/* ----------------------------------------------------------------- >>arena */

/* The init column: zeros, ones, N(0, init_std²), N(0, init_std²/2L). */
enum { LD__INIT_ZERO, LD__INIT_ONE, LD__INIT_STD, LD__INIT_RESID };

/* Each tensor's name, part of the model (0 the embeddings, 1 a block, 2 the
   final norm and head), dims, decay and initialisation. */
static const struct { const char *name; int part, dims, decay, init; } ld__ptab[] = {
#define LD__X0(name, dims, rows, cols, decay, init, present) { #name, 0, dims, decay, init },
#define LD__X1(name, dims, rows, cols, decay, init, present) { #name, 1, dims, decay, init },
#define LD__X2(name, dims, rows, cols, decay, init, present) { #name, 2, dims, decay, init },
    LD__EMBED_TENSORS(LD__X0) LD__BLOCK_TENSORS(LD__X1) LD__HEAD_TENSORS(LD__X2)
#undef LD__X0
#undef LD__X1
#undef LD__X2
};

LDDEF int ld_tensor_count(void) { return LD__NTENSORS; }

/* Every tensor of config c, offsets and sizes resolved, into tab
   (LD__NTENSORS entries). Returns P.                                      */
static size_t ld__tensors(const ld_config *c, ld_tensor_info *tab) {
    ld__dims d = ld__dims_of(c);
    LD__LETTERS(d, d.T);
    const ld__family *F = ld__family_of(c);
    size_t off = 0;
    int k = 0;
#define LD__X(name_, dims_, rows_, cols_, decay_, init_, present_)                        \
    tab[k].rows = (rows_); tab[k].cols = (cols_);                                          \
    tab[k].size = (present_) ? (size_t)tab[k].rows * tab[k].cols * (ld__ptab[k].part == 1 ? d.L : 1) : 0; \
    k++;
    LD__PARAM_LIST(LD__X)
#undef LD__X
    for (k = 0; k < LD__NTENSORS; k++) {
        ld_tensor_info *t = &tab[k];
        t->name = ld__ptab[k].name;
        t->offset = off;
        off += t->size;
        t->dims = ld__ptab[k].dims;
        t->layered = ld__ptab[k].part == 1;
        t->decay = ld__ptab[k].decay;
        t->hf_name = "";
        t->hf_transposed = 0;
        for (int e = 0; e < F->n_tensors; e++)
            if (F->tensors[e].role == k) {
                t->hf_name = F->tensors[e].hf;
                t->hf_transposed = F->tensors[e].layout == LD__HF_T;
                break;
            }
    }
    return off;
}

LDDEF int ld_tensor_info_get(const ld_config *cfg, int i, ld_tensor_info *out) {
    if (i < 0 || i >= LD__NTENSORS || !out) return 0;
    ld_config c = ld_config_resolve(cfg);
    ld_tensor_info tab[LD__NTENSORS];
    ld__tensors(&c, tab);
    *out = tab[i];
    return 1;
}

LDDEF size_t ld_param_count(const ld_config *cfg) {
    ld_config c = ld_config_resolve(cfg);
    ld_tensor_info tab[LD__NTENSORS];
    return ld__tensors(&c, tab);
}

/* Points the per-tensor views at a flat vector of P numbers (NULL where a
   tensor is absent, or flat is NULL). */
static void ld__param_views(ld_params *p, ld_float *flat, const ld_config *c) {
    ld_tensor_info tab[LD__NTENSORS];
    ld__tensors(c, tab);
#define LD__X(name, dims, rows, cols, decay, init, present) \
    p->name = flat && tab[LD__R_##name].size ? flat + tab[LD__R_##name].offset : NULL;
    LD__PARAM_LIST(LD__X)
#undef LD__X
}

/* Layer l's slices of the block's tensors in a view: what one block reads. */
typedef struct {
#define LD__X(name, dims, rows, cols, decay, init, present) ld_float *name;
    LD__BLOCK_TENSORS(LD__X)
#undef LD__X
} ld__layer;

static ld__layer ld__layer_at(const ld_params *p, const ld__dims *d, int l) {
    LD__LETTERS(*d, d->T);
    ld__layer w;
#define LD__X(name, dims, rows, cols, decay, init, present) \
    w.name = p->name ? p->name + (size_t)l * (size_t)(rows) * (size_t)(cols) : NULL;
    LD__BLOCK_TENSORS(LD__X)
#undef LD__X
    return w;
}

/* The output head's matrix in a view: wte when tied, else lm_head (V,C). */
static ld_float *ld__head(const ld_config *c, const ld_params *p) { return c->untied_head ? p->lmhead : p->wte; }

/* Layer l's slice of every layered activation (the others as they are):
   the rows of the (B,T) layout at capacity, each slice m->B·m->T rows;
   an activation this model does not hold stays NULL.                      */
static ld_acts ld__acts_at(const ld_model *m, int l) {
    ld__dims d = ld__dims_of(&m->cfg);
    LD__LETTERS(d, m->T);
    size_t rows = (size_t)m->B * m->T;
    ld_acts a = m->a;
#define LD__X(name, per, layered) if (layered && a.name) a.name += (size_t)l * rows * (size_t)(per);
    LD__ACT_LIST(LD__X)
#undef LD__X
    return a;
}

/* Carves aligned pieces from one block; with base == NULL it only measures. */
typedef struct { char *base; size_t off; } ld__carver;
static void *ld__take(ld__carver *cv, size_t bytes) {
    size_t o = (cv->off + 63) & ~(size_t)63;
    cv->off = o + bytes;
    return cv->base && bytes ? (void *)(cv->base + o) : NULL;
}
#define LD__TAKE(cv, type, n) ((type *)ld__take((cv), sizeof(type) * (size_t)(n)))

/* θ | g | the activations of LD__ACT_LIST | the backward's and the JVP's
   buffers of LD__DACT_LIST | the batch.                                    */
static void ld__carve(ld_model *m, ld__carver *cv) {
    ld__dims d = ld__dims_of(&m->cfg);
    LD__LETTERS(d, m->T);
    size_t BT = (size_t)m->B * m->T, L = (size_t)d.L;
    m->theta = LD__TAKE(cv, ld_float, m->P);
    m->grad = (m->flags & LD_TRAIN) ? LD__TAKE(cv, ld_float, m->P) : NULL;
#define LD__X(name, per, layered) m->a.name = LD__TAKE(cv, ld_float, ((layered) ? L : 1) * BT * (size_t)(per));
    LD__ACT_LIST(LD__X)
#undef LD__X
    m->rope_cos = LD__TAKE(cv, ld_float, (size_t)m->T * (R / 2));
    m->rope_sin = LD__TAKE(cv, ld_float, (size_t)m->T * (R / 2));
    for (int k = 0; k < 2; k++) {
        ld_dacts *dd = k == 0 ? &m->d : &m->t;
        if (!(m->flags & (k == 0 ? LD_TRAIN : LD_JVP))) { memset(dd, 0, sizeof *dd); continue; }
#define LD__X(name, per) dd->name = LD__TAKE(cv, ld_float, BT * (size_t)(per));
        LD__DACT_LIST(LD__X)
#undef LD__X
    }
    m->tokens = LD__TAKE(cv, int, BT);
    m->len = LD__TAKE(cv, int, m->B);
    m->prompt_len = LD__TAKE(cv, int, m->B);
    m->tok_logp = LD__TAKE(cv, double, BT);
    m->seq_logp = LD__TAKE(cv, double, m->B);
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

/* GPT-2's initialisation, by the init column: N(0, std²) weights and
   embeddings, the residual projections N(0, std²/2L), biases 0, norm
   weights 1; the normal draws in θ's order.                               */
static void ld__init_weights(ld_model *m, uint64_t seed) {
    ld_rng r;
    ld_rng_seed(&r, seed);
    const ld_config *c = &m->cfg;
    ld_tensor_info tab[LD__NTENSORS];
    ld__tensors(c, tab);
    for (int i = 0; i < LD__NTENSORS; i++) {
        ld_float *p = m->theta + tab[i].offset;
        int init = ld__ptab[i].init;
        if (init == LD__INIT_ZERO || init == LD__INIT_ONE) {
            for (size_t k = 0; k < tab[i].size; k++) p[k] = init == LD__INIT_ONE ? 1 : 0;
        } else {
            double std = c->init_std;
            if (init == LD__INIT_RESID) std /= sqrt(2.0 * c->n_layer);
            for (size_t k = 0; k < tab[i].size; k++) p[k] = (ld_float)(std * ld_rng_normal(&r));
        }
    }
}

/* The rotary frequencies inv_freq (R/2) of a config, as Hugging Face's
   modeling_rope_utils computes them (in double here):
     default  inv_freq_i = θ^(−2i/R)
     linear   inv_freq_i / factor            (positions divided by factor)
     llama3   wavelengths λ_i = 2π/inv_freq_i beyond orig/low_freq_factor
              divided by factor, below orig/high_freq_factor kept, and in
              between a blend: (1 − s)·inv/factor + s·inv with
              s = (orig/λ − low) / (high − low).                            */
static void ld__rope_inv_freq(const ld_config *c, int R, double *inv) {
    for (int i = 0; i < R / 2; i++) {
        double f = 1.0 / pow(c->rope_theta, (double)(2 * i) / R);
        if (c->rope_scaling == LD_ROPE_LINEAR) f /= c->rope_factor;
        else if (c->rope_scaling == LD_ROPE_LLAMA3) {
            double orig = c->rope_orig_context, lo = c->rope_low_freq, hi = c->rope_high_freq;
            double wavelen = 2 * 3.14159265358979323846 / f;
            if (wavelen > orig / lo) f /= c->rope_factor;
            else if (!(wavelen < orig / hi)) {
                double sm = (orig / wavelen - lo) / (hi - lo);
                f = (1 - sm) * f / c->rope_factor + sm * f;
            }
        }
        inv[i] = f;
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
    int R = ld__rotary_dims(&m->cfg);
    if (R) {
        double inv[2048];   /* R ≤ head_dim ≤ 4096 */
        ld__rope_inv_freq(&m->cfg, R, inv);
        ld_rope_table(m->rope_cos, m->rope_sin, inv, m->T, R);
    }
    ld__init_weights(m, seed);
    return LD_OK;
}

LDDEF ld_status ld_model_init(ld_model *m, const ld_config *cfg, int B, int T, int flags, uint64_t seed) {
    return ld_model_init_mem(m, cfg, B, T, flags, seed, NULL, 0);
}

LDDEF void ld_model_free(ld_model *m) {
    if (!m) return;
    if (m->owns_mem && m->mem) LD_FREE(m->mem);
    ld_tokenizer_free(m->tokenizer);
    memset(m, 0, sizeof *m);
}

LDDEF int ld_config_equal(const ld_config *a, const ld_config *b) {
#define LD__X(type, name, def, ident, fmt) if ((ident) && a->name != b->name) return 0;
    LD__CONFIG_LIST(LD__X)
#undef LD__X
    return 1;
}

LDDEF ld_status ld_model_copy_params(ld_model *dst, const ld_model *src) {
    if (!dst || !src || !dst->theta || !src->theta) return ld__fail(LD_ERR_ARG, "model is NULL or not initialised");
    if (!ld_config_equal(&dst->cfg, &src->cfg))
        return ld__fail(LD_ERR_SHAPE, "the two models have different configs");
    memcpy(dst->theta, src->theta, sizeof(ld_float) * src->P);
    ld_params_changed(dst);
    return LD_OK;
}

LDDEF int ld_pad_token(const ld_config *c) {
    return c->eos_token != LD_NO_TOKEN ? c->eos_token : c->bos_token != LD_NO_TOKEN ? c->bos_token : 0;
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
            const ld_float *e = wte + (size_t)tok[b * T + t] * C;
            if (!wpe) { memcpy(o, e, sizeof(ld_float) * (size_t)C); continue; }  /* rotary: no wpe */
            const ld_float *p = wpe + (size_t)t * C;
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
   given; mean NULL: x̂ = x · rstd, RMSNorm's), summed row after row into
   doubles: contiguous reads, fixed order. */
static void ld__colsum(ld_float *out, const ld_float *d, const ld_float *x, const ld_float *mean,
                       const ld_float *rstd, int N, int C) {
    double stack[512], *acc = C <= 512 ? stack : (double *)LD_MALLOC(sizeof(double) * C);
    if (!acc) { /* no memory: the same sums, column by column */
        for (int i = 0; i < C; i++) {
            double s = 0;
            for (int n = 0; n < N; n++) s += d[(size_t)n * C + i] * (x ? (x[(size_t)n * C + i] - (mean ? mean[n] : 0)) * rstd[n] : 1);
            out[i] += (ld_float)s;
        }
        return;
    }
    for (int i = 0; i < C; i++) acc[i] = 0;
    for (int n = 0; n < N; n++) {
        const ld_float *dr = d + (size_t)n * C;
        if (x) {
            const ld_float *xr = x + (size_t)n * C;
            ld_float mu = mean ? mean[n] : 0, r = rstd[n];
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
   8% of a step). Each thread that runs a product keeps its own; it is freed
   when the thread exits (POSIX threads: a key with a destructor) or by
   ld_thread_cleanup(). */
#if !defined(LD_NO_PTHREAD) && (defined(__unix__) || defined(__APPLE__))
#include <pthread.h>
#define LD__SCRATCH_KEY 1
static pthread_key_t ld__scratch_key;
static pthread_once_t ld__scratch_once = PTHREAD_ONCE_INIT;
static int ld__scratch_key_ok;
static void ld__scratch_release(void *p) { LD_FREE(p); }   /* at thread exit */
static void ld__scratch_key_make(void) { ld__scratch_key_ok = pthread_key_create(&ld__scratch_key, ld__scratch_release) == 0; }
#endif
static LD__TLS char *ld__scratch_mem;
static LD__TLS size_t ld__scratch_cap;
static char *ld__scratch(size_t bytes) {
    if (bytes > ld__scratch_cap) {
        char *p = (char *)LD_MALLOC(bytes);
        if (!p) return NULL;
        LD_FREE(ld__scratch_mem);
        ld__scratch_mem = p;
        ld__scratch_cap = bytes;
#ifdef LD__SCRATCH_KEY
        pthread_once(&ld__scratch_once, ld__scratch_key_make);
        if (ld__scratch_key_ok) pthread_setspecific(ld__scratch_key, p);
#endif
    }
    return ld__scratch_mem;
}

static void ld__scratch_free(void) {
#ifdef LD__SCRATCH_KEY
    if (ld__scratch_mem && ld__scratch_key_ok) pthread_setspecific(ld__scratch_key, NULL);
#endif
    LD_FREE(ld__scratch_mem);
    ld__scratch_mem = NULL;
    ld__scratch_cap = 0;
}
LDDEF void ld_thread_cleanup(void) {
    ld__scratch_free();
    /* the OpenMP threads of this thread's team run products too (attention) */
    LD__OMP_PARALLEL(LD__PAR_MIN)
    ld__scratch_free();
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

/* A product on the model's accelerator if it takes it, else on the CPU.
   C (M×N) = A·B (+ C with acc), element (i,k) of A at A[i·ars + k·acs] and
   (k,j) of B at B[k·brs + j·bcs]: a transposed operand is the same memory
   with its two strides swapped, so every call site below says in a comment
   which product its strides spell (w (OC,C) read with strides (1, C) is wᵀ). */
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
    if (tinp) { ld__mm(x, N, OC, C, tinp, C, 1, w, 1, C, tout, OC, 0); acc = 1; }     /* tinp · wᵀ   */
    if (tw) { ld__mm(x, N, OC, C, inp, C, 1, tw, 1, C, tout, OC, acc); acc = 1; }     /* + inp · twᵀ */
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

/* Attention through the GEMM, one (batch row, query head) at a time: with
   Q the head's (T, HS) slice of qkv and K, V its key-value head's (row
   stride QKV = (NH + 2·NKV)·HS),
     S = Q Kᵀ · scale,  P = causal softmax(S) (zero above the diagonal),  O = P V,
   by blocks of LD__QB queries: block [r0, r1) needs only the keys and values
   0..r1, so the products skip most of the upper triangle (measured: a third
   of the attention's multiplications at T = 256). Threads split the (b, h)
   pairs; each product inside runs on its thread. Query head h reads
   key-value head h / (NH/NKV) (grouped-query attention; NKV = NH is
   ordinary multi-head attention).                                         */
#define LD__QB 64
LDDEF void ld_attention_forward(ld_float *out, ld_float *att, const ld_float *qkv,
                                int B, int T, int NH, int NKV, int HS) {
    long S = (long)(NH + 2 * NKV) * HS, AO = (long)NH * HS;
    int G = NH / NKV;
    ld_float scale = (ld_float)(1.0 / sqrt((double)HS));
    LD__OMP_FOR((long)B * NH * T * T * HS)
    for (int bh = 0; bh < B * NH; bh++) {
        int b = bh / NH, h = bh % NH, g = h / G;
        const ld_float *row = qkv + (size_t)b * T * S;
        const ld_float *q = row + h * HS, *k = row + AO + g * HS, *v = row + AO + (long)(NKV + g) * HS;
        ld_float *P = att + (size_t)bh * T * T, *o = out + (size_t)b * T * AO + h * HS;
        for (int r0 = 0; r0 < T; r0 += LD__QB) {
            int r1 = LD__MIN(T, r0 + LD__QB), R = r1 - r0;
            ld__gemm(R, r1, HS, q + r0 * S, S, 1, k, 1, S, P + (size_t)r0 * T, T, 0);         /* S = Q Kᵀ */
            for (int t = r0; t < r1; t++) ld__att_softmax_row(P + (size_t)t * T, t, T, scale);
            ld__gemm(R, HS, r1, P + (size_t)r0 * T, T, 1, v, S, 1, o + (size_t)r0 * AO, AO, 0); /* O = P V */
        }
    }
}

/* One query of ld_attention_forward: position t of batch row b, every head,
   with the same arithmetic (so incremental decoding matches a full forward
   bit for bit). Positions 0..t of qkv (B,T,S) must be filled. out (AO):
   the query's output, heads side by side; att (NH, T): its probabilities. */
static void ld__attention_query(ld_float *out, ld_float *att, const ld_float *qkv, int b, int t, int T,
                                int NH, int NKV, int HS) {
    long S = (long)(NH + 2 * NKV) * HS, AO = (long)NH * HS;
    int G = NH / NKV;
    ld_float scale = (ld_float)(1.0 / sqrt((double)HS));
    for (int h = 0; h < NH; h++) {
        const ld_float *row = qkv + (size_t)b * T * S;
        const ld_float *k = row + AO + (h / G) * HS, *v = row + AO + (long)(NKV + h / G) * HS;
        const ld_float *q = qkv + ((size_t)b * T + t) * S + h * HS;
        ld_float *P = att + (size_t)h * T;
        /* keys 0..t only: the full forward's later ones add exact zeros */
        ld__gemm(1, t + 1, HS, q, S, 1, k, 1, S, P, T, 0);             /* s = q Kᵀ */
        ld__att_softmax_row(P, t, T, scale);
        ld__gemm(1, HS, t + 1, P, T, 1, v, S, 1, out + h * HS, AO, 0); /* o = p V  */
    }
}

/*   dP = dO Vᵀ,  dS = P ⊙ (dP − rowsum(P ⊙ dP)) · scale,
     dQ += dS K,  dK += dSᵀ Q,  dV += Pᵀ dO,  by the same blocks of queries.
   The query heads of one key-value head all add into its dK and dV, so
   threads split the (b, key-value head) pairs and the group's query heads
   run in order inside: the same sums at any thread count.                 */
LDDEF void ld_attention_backward(ld_float *dqkv, ld_float *datt, const ld_float *dout,
                                 const ld_float *qkv, const ld_float *att,
                                 int B, int T, int NH, int NKV, int HS) {
    long S = (long)(NH + 2 * NKV) * HS, AO = (long)NH * HS;
    int G = NH / NKV;
    ld_float scale = (ld_float)(1.0 / sqrt((double)HS));
    LD__OMP_FOR((long)B * NH * T * T * HS)
    for (int bg = 0; bg < B * NKV; bg++) {
        int b = bg / NKV, g = bg % NKV;
        const ld_float *row = qkv + (size_t)b * T * S;
        const ld_float *k = row + AO + g * HS, *v = row + AO + (long)(NKV + g) * HS;
        ld_float *drow = dqkv + (size_t)b * T * S;
        ld_float *dk = drow + AO + g * HS, *dv = drow + AO + (long)(NKV + g) * HS;
        for (int h = g * G; h < (g + 1) * G; h++) {
            size_t bh = (size_t)b * NH + h;
            const ld_float *q = row + h * HS;
            const ld_float *P = att + bh * T * T, *dO = dout + (size_t)b * T * AO + h * HS;
            ld_float *dS = datt + bh * T * T, *dq = drow + h * HS;
            for (int r0 = 0; r0 < T; r0 += LD__QB) {
                int r1 = LD__MIN(T, r0 + LD__QB), R = r1 - r0;
                const ld_float *Pb = P + (size_t)r0 * T, *dOb = dO + (size_t)r0 * AO;
                ld_float *dSb = dS + (size_t)r0 * T;
                ld__gemm(R, r1, HS, dOb, AO, 1, v, 1, S, dSb, T, 0);                /* dP = dO Vᵀ */
                for (int t = r0; t < r1; t++) {
                    const ld_float *a = P + (size_t)t * T;
                    ld_float *d = dS + (size_t)t * T;
                    double s = 0;
                    for (int t2 = 0; t2 <= t; t2++) s += a[t2] * d[t2];
                    ld_float sf = (ld_float)s;
                    for (int t2 = 0; t2 <= t; t2++) d[t2] = a[t2] * (d[t2] - sf) * scale;
                    for (int t2 = t + 1; t2 < r1; t2++) d[t2] = 0;
                }
                ld__gemm(R, HS, r1, dSb, T, 1, k, S, 1, dq + r0 * S, S, 1);        /* dQ += dS K   */
                ld__gemm(r1, HS, R, dSb, 1, T, q + r0 * S, S, 1, dk, S, 1);        /* dK += dSᵀ Q  */
                ld__gemm(r1, HS, R, Pb, 1, T, dOb, AO, 1, dv, S, 1);               /* dV += Pᵀ dO  */
            }
        }
    }
}

/*   tS = (tQ Kᵀ + Q tKᵀ) · scale,  tP = P ⊙ (tS − rowsum(P ⊙ tS)),
     tO = tP V + P tV,  by the same blocks of queries.                       */
LDDEF void ld_attention_jvp(ld_float *tout, ld_float *tatt, const ld_float *qkv,
                            const ld_float *tqkv, const ld_float *att,
                            int B, int T, int NH, int NKV, int HS) {
    long S = (long)(NH + 2 * NKV) * HS, AO = (long)NH * HS;
    int G = NH / NKV;
    ld_float scale = (ld_float)(1.0 / sqrt((double)HS));
    LD__OMP_FOR((long)B * NH * T * T * HS)
    for (int bh = 0; bh < B * NH; bh++) {
        int b = bh / NH, h = bh % NH, g = h / G;
        size_t r = (size_t)b * T * S;
        const ld_float *q = qkv + r + h * HS, *k = qkv + r + AO + g * HS, *v = qkv + r + AO + (long)(NKV + g) * HS;
        const ld_float *tq = tqkv + r + h * HS, *tk = tqkv + r + AO + g * HS, *tv = tqkv + r + AO + (long)(NKV + g) * HS;
        const ld_float *P = att + (size_t)bh * T * T;
        ld_float *tP = tatt + (size_t)bh * T * T, *o = tout + (size_t)b * T * AO + h * HS;
        for (int r0 = 0; r0 < T; r0 += LD__QB) {
            int r1 = LD__MIN(T, r0 + LD__QB), R = r1 - r0;
            ld_float *tPb = tP + (size_t)r0 * T;
            ld__gemm(R, r1, HS, tq + r0 * S, S, 1, k, 1, S, tPb, T, 0);      /* tQ Kᵀ    */
            ld__gemm(R, r1, HS, q + r0 * S, S, 1, tk, 1, S, tPb, T, 1);      /* + Q tKᵀ  */
            for (int t = r0; t < r1; t++) {
                const ld_float *a = P + (size_t)t * T;
                ld_float *d = tP + (size_t)t * T;
                double s = 0;
                for (int t2 = 0; t2 <= t; t2++) { d[t2] *= scale; s += a[t2] * d[t2]; }
                ld_float sf = (ld_float)s;
                for (int t2 = 0; t2 <= t; t2++) d[t2] = a[t2] * (d[t2] - sf);
                for (int t2 = t + 1; t2 < r1; t2++) d[t2] = 0;
            }
            ld__gemm(R, HS, r1, tPb, T, 1, v, S, 1, o + (size_t)r0 * AO, AO, 0);            /* tP V     */
            ld__gemm(R, HS, r1, P + (size_t)r0 * T, T, 1, tv, S, 1, o + (size_t)r0 * AO, AO, 1); /* + P tV */
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

/* ---- the layers of GPT-NeoX, Llama and Qwen2 ---- */

LDDEF void ld_rmsnorm_forward(ld_float *out, ld_float *rstd, const ld_float *inp, const ld_float *w,
                              int N, int C, double eps) {
    LD__OMP_FOR((long)N * C)
    for (int n = 0; n < N; n++) {
        const ld_float *x = inp + (size_t)n * C;
        double v = 0;
        for (int i = 0; i < C; i++) v += (double)x[i] * x[i];
        ld_float r = (ld_float)(1.0 / sqrt(v / C + eps));
        ld_float *o = out + (size_t)n * C;
        for (int i = 0; i < C; i++) o[i] = (x[i] * r) * w[i];
        rstd[n] = r;
    }
}

/* x̂ = x r, r = (mean x² + eps)^−½:  ∂L/∂x = r (w⊙d − x̂ · mean(w⊙d⊙x̂)),
   ∂L/∂w = Σ_n d ⊙ x̂. */
LDDEF void ld_rmsnorm_backward(ld_float *dinp, ld_float *dw, const ld_float *dout, const ld_float *inp,
                               const ld_float *w, const ld_float *rstd, int N, int C) {
    if (dinp) {
        LD__OMP_FOR((long)N * C)
        for (int n = 0; n < N; n++) {
            const ld_float *x = inp + (size_t)n * C, *d = dout + (size_t)n * C;
            ld_float r = rstd[n];
            double dnm = 0;
            for (int i = 0; i < C; i++) dnm += (double)(w[i] * d[i]) * (x[i] * r);
            ld_float dnmf = (ld_float)(dnm / C);
            ld_float *di = dinp + (size_t)n * C;
            for (int i = 0; i < C; i++) di[i] += (w[i] * d[i] - (x[i] * r) * dnmf) * r;
        }
    }
    if (dw) ld__colsum(dw, dout, inp, NULL, rstd, N, C);
}

/* tx̂ = r (ẋ − x̂ · mean(x̂ ẋ));  tout = tx̂ ⊙ w + x̂ ⊙ tw. */
LDDEF void ld_rmsnorm_jvp(ld_float *tout, const ld_float *inp, const ld_float *tinp, const ld_float *w,
                          const ld_float *tw, const ld_float *rstd, int N, int C) {
    LD__OMP_FOR((long)N * C)
    for (int n = 0; n < N; n++) {
        const ld_float *x = inp + (size_t)n * C;
        const ld_float *tx = tinp ? tinp + (size_t)n * C : NULL;
        ld_float r = rstd[n];
        ld_float *o = tout + (size_t)n * C;
        double c = 0;
        if (tx) for (int i = 0; i < C; i++) c += (double)(x[i] * r) * tx[i];
        ld_float cf = (ld_float)(c / C);
        for (int i = 0; i < C; i++) {
            ld_float xh = x[i] * r;
            ld_float txh = tx ? r * (tx[i] - xh * cf) : 0;
            o[i] = txh * w[i] + (tw ? xh * tw[i] : 0);
        }
    }
}

/* Φ(x) = ½ erfc(−x/√2) (= ½(1 + erf(x/√2)), without its cancellation for
   x ≪ 0), φ(x) = e^(−x²/2)/√(2π): gelu = xΦ, gelu' = Φ + xφ; in double. */
#define LD__SQRT1_2 0.70710678118654752440
#define LD__INV_SQRT_2PI 0.39894228040143267794
LDDEF void ld_gelu_erf_forward(ld_float *out, const ld_float *inp, size_t n) {
    LD__OMP_FOR((long)n * 16)
    for (long k = 0; k < (long)n; k++) out[k] = (ld_float)(0.5 * inp[k] * erfc(-inp[k] * LD__SQRT1_2));
}
static ld_float ld__gelu_erf_grad(double x) {
    return (ld_float)(0.5 * erfc(-x * LD__SQRT1_2) + x * LD__INV_SQRT_2PI * exp(-0.5 * x * x));
}
LDDEF void ld_gelu_erf_backward(ld_float *dinp, const ld_float *inp, const ld_float *dout, size_t n) {
    LD__OMP_FOR((long)n * 16)
    for (long k = 0; k < (long)n; k++) dinp[k] += ld__gelu_erf_grad(inp[k]) * dout[k];
}
LDDEF void ld_gelu_erf_jvp(ld_float *tout, const ld_float *inp, const ld_float *tinp, size_t n) {
    LD__OMP_FOR((long)n * 16)
    for (long k = 0; k < (long)n; k++) tout[k] = ld__gelu_erf_grad(inp[k]) * tinp[k];
}

/* silu(g) = g σ(g), silu'(g) = σ(g)(1 + g(1 − σ(g))); out = silu(g)·u. */
LDDEF void ld_swiglu_forward(ld_float *out, const ld_float *inp, int N, int I) {
    LD__OMP_FOR((long)N * I * 8)
    for (int n = 0; n < N; n++) {
        const ld_float *g = inp + (size_t)n * 2 * I, *u = g + I;
        ld_float *o = out + (size_t)n * I;
        for (int i = 0; i < I; i++) o[i] = g[i] / (1 + (ld_float)exp(-(double)g[i])) * u[i];
    }
}
LDDEF void ld_swiglu_backward(ld_float *dinp, const ld_float *inp, const ld_float *dout, int N, int I) {
    LD__OMP_FOR((long)N * I * 8)
    for (int n = 0; n < N; n++) {
        const ld_float *g = inp + (size_t)n * 2 * I, *u = g + I, *d = dout + (size_t)n * I;
        ld_float *dg = dinp + (size_t)n * 2 * I, *du = dg + I;
        for (int i = 0; i < I; i++) {
            ld_float sg = (ld_float)(1 / (1 + exp(-(double)g[i])));
            dg[i] += d[i] * u[i] * sg * (1 + g[i] * (1 - sg));
            du[i] += d[i] * g[i] * sg;
        }
    }
}
LDDEF void ld_swiglu_jvp(ld_float *tout, const ld_float *inp, const ld_float *tinp, int N, int I) {
    LD__OMP_FOR((long)N * I * 8)
    for (int n = 0; n < N; n++) {
        const ld_float *g = inp + (size_t)n * 2 * I, *u = g + I, *tg = tinp + (size_t)n * 2 * I, *tu = tg + I;
        ld_float *o = tout + (size_t)n * I;
        for (int i = 0; i < I; i++) {
            ld_float sg = (ld_float)(1 / (1 + exp(-(double)g[i])));
            o[i] = tg[i] * u[i] * sg * (1 + g[i] * (1 - sg)) + g[i] * sg * tu[i];
        }
    }
}

LDDEF void ld_rope_table(ld_float *cos_, ld_float *sin_, const double *inv_freq, int T, int R) {
    for (int t = 0; t < T; t++)
        for (int i = 0; i < R / 2; i++) {
            double a = (double)t * inv_freq[i];
            cos_[(size_t)t * (R / 2) + i] = (ld_float)cos(a);
            sin_[(size_t)t * (R / 2) + i] = (ld_float)sin(a);
        }
}

/* One row (position p) of qkv: the NH + NKV q and k heads rotated by
   (c, s) = the tables' row p, sign = +1 (R) or −1 (Rᵀ, the inverse); add:
   out += instead of out =. v and the dims past R pass unchanged.         */
static void ld__rope_row(ld_float *o, const ld_float *x, const ld_float *c, const ld_float *s, ld_float sign,
                         int add, int NH, int NKV, int HS, int R) {
    int S = (NH + 2 * NKV) * HS, half = R / 2;
    for (int h = 0; h < NH + NKV; h++) {
        const ld_float *xh = x + h * HS;
        ld_float *oh = o + h * HS;
        for (int i = 0; i < half; i++) {
            ld_float a = xh[i], b = xh[i + half], si = sign * s[i];
            ld_float ra = a * c[i] - b * si, rb = b * c[i] + a * si;
            if (add) { oh[i] += ra; oh[i + half] += rb; } else { oh[i] = ra; oh[i + half] = rb; }
        }
        for (int i = R; i < HS; i++) oh[i] = add ? oh[i] + xh[i] : xh[i];
    }
    for (int i = (NH + NKV) * HS; i < S; i++) o[i] = add ? o[i] + x[i] : x[i];
}

LDDEF void ld_rope_forward(ld_float *out, const ld_float *inp, const ld_float *cos_, const ld_float *sin_,
                           int B, int T, int t0, int NH, int NKV, int HS, int R) {
    int S = (NH + 2 * NKV) * HS;
    LD__OMP_FOR((long)B * T * S)
    for (int n = 0; n < B * T; n++) {
        size_t p = (size_t)(t0 + n % T) * (R / 2);
        ld__rope_row(out + (size_t)n * S, inp + (size_t)n * S, cos_ + p, sin_ + p, 1, 0, NH, NKV, HS, R);
    }
}

LDDEF void ld_rope_backward(ld_float *dinp, const ld_float *dout, const ld_float *cos_, const ld_float *sin_,
                            int B, int T, int NH, int NKV, int HS, int R) {
    int S = (NH + 2 * NKV) * HS;
    LD__OMP_FOR((long)B * T * S)
    for (int n = 0; n < B * T; n++) {
        size_t p = (size_t)(n % T) * (R / 2);
        ld__rope_row(dinp + (size_t)n * S, dout + (size_t)n * S, cos_ + p, sin_ + p, -1, 1, NH, NKV, HS, R);
    }
}

LDDEF void ld_rope_jvp(ld_float *tout, const ld_float *tinp, const ld_float *cos_, const ld_float *sin_,
                       int B, int T, int NH, int NKV, int HS, int R) {
    ld_rope_forward(tout, tinp, cos_, sin_, B, T, 0, NH, NKV, HS, R);
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

/* Checks n sequences, named in a failure as `what` and their index
   ("row 2", "observed sequence 2"); with need_response = 0 an empty
   response is allowed (generation only needs the prompt). Returns the
   longest length in *Tb. */
static ld_status ld__check_seqs(const ld_model *m, const ld_seq *seqs, int n, int need_response,
                                const char *what, int *Tb) {
    if (!m || !m->theta) return ld__fail(LD_ERR_ARG, "model is NULL or not initialised");
    if (!seqs) return ld__fail(LD_ERR_ARG, "sequences are NULL");
    int T = 0, V = m->cfg.vocab_size;
    for (int b = 0; b < n; b++) {
        const ld_seq *s = &seqs[b];
        if (s->len < 1 || s->len > m->T)
            return ld__fail(LD_ERR_LENGTH, "%s %d has length %d; this model takes 1..%d tokens (context %d)",
                            what, b, s->len, m->T, m->cfg.context);
        if (!s->tokens) return ld__fail(LD_ERR_ARG, "%s %d has no tokens", what, b);
        if (s->prompt_len < 1 || s->prompt_len > s->len || (need_response && s->prompt_len == s->len))
            return ld__fail(LD_ERR_LENGTH, "%s %d: prompt length %d with length %d leaves %s", what, b,
                            s->prompt_len, s->len, s->prompt_len < 1 ? "no prompt token (need ≥ 1)" : "an empty response");
        for (int t = 0; t < s->len; t++)
            if (s->tokens[t] < 0 || s->tokens[t] >= V)
                return ld__fail(LD_ERR_TOKEN, "token %d at %s %d, position %d is outside [0, %d)", s->tokens[t], what, b, t, V);
        if (s->len > T) T = s->len;
    }
    *Tb = T;
    return LD_OK;
}

/* Checks a batch of one forward: 1..m->B rows, each as ld__check_seqs. */
static ld_status ld__check_batch(const ld_model *m, const ld_seq *seqs, int B, int need_response, int *Tb) {
    if (m && m->theta && (B < 1 || B > m->B)) return ld__fail(LD_ERR_ARG, "batch of %d rows; this model holds 1..%d", B, m->B);
    return ld__check_seqs(m, seqs, B, need_response, "row", Tb);
}

/* Which rows a block runs on: the whole batch (n = 0: B rows of T
   positions, row stride T, in the model's activation buffers), or n single
   positions, position t[i] of batch row b[i] (incremental decoding: the
   rows' activations live in the n-row buffers of *rows, one layer's worth
   reused by every layer, and only their keys and values go to the model's
   buffers, which act as the cache the earlier positions are read from).  */
typedef struct { int B, T, n; const int *b, *t; const ld_acts *rows; } ld__span;

/* The family's norm, activation: LayerNorm or RMSNorm (mean unused),
   GELU (tanh or erf) or SwiGLU (its input FC = 2I wide).                  */
static void ld__norm_forward(const ld_config *c, ld_float *out, ld_float *mean, ld_float *rstd, const ld_float *inp,
                             const ld_float *w, const ld_float *b, int N, int C) {
    if (c->norm == LD_RMSNORM) ld_rmsnorm_forward(out, rstd, inp, w, N, C, c->ln_eps);
    else ld_layernorm_forward(out, mean, rstd, inp, w, b, N, C, c->ln_eps);
}
static void ld__norm_backward(const ld_config *c, ld_float *dinp, ld_float *dw, ld_float *db, const ld_float *dout,
                              const ld_float *inp, const ld_float *w, const ld_float *mean, const ld_float *rstd,
                              int N, int C) {
    if (c->norm == LD_RMSNORM) ld_rmsnorm_backward(dinp, dw, dout, inp, w, rstd, N, C);
    else ld_layernorm_backward(dinp, dw, db, dout, inp, w, mean, rstd, N, C);
}
static void ld__norm_jvp(const ld_config *c, ld_float *tout, const ld_float *inp, const ld_float *tinp,
                         const ld_float *w, const ld_float *tw, const ld_float *tb, const ld_float *mean,
                         const ld_float *rstd, int N, int C) {
    if (c->norm == LD_RMSNORM) ld_rmsnorm_jvp(tout, inp, tinp, w, tw, rstd, N, C);
    else ld_layernorm_jvp(tout, inp, tinp, w, tw, tb, mean, rstd, N, C);
}
static void ld__act_forward(int act, ld_float *out, const ld_float *inp, int N, int I) {
    if (act == LD_SWIGLU) ld_swiglu_forward(out, inp, N, I);
    else if (act == LD_GELU_ERF) ld_gelu_erf_forward(out, inp, (size_t)N * I);
    else ld_gelu_forward(out, inp, (size_t)N * I);
}
static void ld__act_backward(int act, ld_float *dinp, const ld_float *inp, const ld_float *dout, int N, int I) {
    if (act == LD_SWIGLU) ld_swiglu_backward(dinp, inp, dout, N, I);
    else if (act == LD_GELU_ERF) ld_gelu_erf_backward(dinp, inp, dout, (size_t)N * I);
    else ld_gelu_backward(dinp, inp, dout, (size_t)N * I);
}
static void ld__act_jvp(int act, ld_float *tout, const ld_float *inp, const ld_float *tinp, int N, int I) {
    if (act == LD_SWIGLU) ld_swiglu_jvp(tout, inp, tinp, N, I);
    else if (act == LD_GELU_ERF) ld_gelu_erf_jvp(tout, inp, tinp, (size_t)N * I);
    else ld_gelu_jvp(tout, inp, tinp, (size_t)N * I);
}

/* Layer l of the forward, the pre-norm block of every family (N1, N2 its
   norms, LayerNorm or RMSNorm; RoPE rotates q and k when positions are
   rotary):

       a  = x + attn(N1(x))
       x' = a + mlp(N2(a))          sequential (GPT-2, Llama, Qwen2)
       x' = a + mlp(N2(x))          parallel (GPT-NeoX's default)
       mlp(h) = W_proj · act(W_fc · h),  act = GELU, or SwiGLU on [gate | up]

   x is the embeddings (l = 0) or the previous block's output.             */
static void ld__block_forward(ld_model *m, int l, ld__span sp) {
    const ld_config *c = &m->cfg;
    ld__dims d = ld__dims_of(c);
    int C = d.C, QKV = d.QKV, AO = d.AO, I = d.I, FC = d.FC, NH = d.NH, T = sp.T;
    int N = sp.n ? sp.n : sp.B * sp.T;
    ld_acts cache = ld__acts_at(m, l), A = sp.n ? *sp.rows : cache;   /* where this block's rows live */
    ld__layer w = ld__layer_at(&m->w, &d, l);
    /* x: the embeddings or the previous block's output (decoding: the rows'
       residual3, which this block overwrites only at its end) */
    const ld_float *x = sp.n ? (l == 0 ? A.encoded : A.residual3) : l == 0 ? m->a.encoded : ld__acts_at(m, l - 1).residual3;
    /* a = x + attn(N1(x)) */
    ld__norm_forward(c, A.ln1, A.ln1_mean, A.ln1_rstd, x, w.ln1w, w.ln1b, N, C);
    ld__matmul_forward(m->accel, A.qkv, A.ln1, w.qkvw, w.qkvb, N, C, QKV);
    const ld_float *q = d.R ? A.qkvr : A.qkv;   /* q | k | v as attention reads them */
    if (d.R) {
        if (!sp.n) ld_rope_forward(A.qkvr, A.qkv, m->rope_cos, m->rope_sin, sp.B, T, 0, NH, d.NKV, d.HS, d.R);
        else for (int i = 0; i < N; i++)
            ld_rope_forward(A.qkvr + (size_t)i * QKV, A.qkv + (size_t)i * QKV, m->rope_cos, m->rope_sin, 1, 1, sp.t[i], NH, d.NKV, d.HS, d.R);
    }
    if (!sp.n) ld_attention_forward(A.atty, A.att, q, sp.B, T, NH, d.NKV, d.HS);
    else {
        /* each row's q | k | v into the cache at its position, then its query */
        ld_float *kv = d.R ? cache.qkvr : cache.qkv;
        for (int i = 0; i < N; i++) memcpy(kv + ((size_t)sp.b[i] * T + sp.t[i]) * QKV, q + (size_t)i * QKV, sizeof(ld_float) * QKV);
        for (int i = 0; i < N; i++)
            ld__attention_query(A.atty + (size_t)i * AO, A.att + (size_t)i * NH * T, kv, sp.b[i], sp.t[i], T, NH, d.NKV, d.HS);
    }
    ld__matmul_forward(m->accel, A.scratch, A.atty, w.attprojw, w.attprojb, N, AO, C);
    ld_residual_forward(A.residual2, x, A.scratch, (size_t)N * C);
    /* x' = a + mlp(N2(a)), or a + mlp(N2(x)) */
    ld__norm_forward(c, A.ln2, A.ln2_mean, A.ln2_rstd, d.par ? x : A.residual2, w.ln2w, w.ln2b, N, C);
    ld__matmul_forward(m->accel, A.fch, A.ln2, w.fcw, w.fcb, N, C, FC);
    ld__act_forward(c->act, A.fch_gelu, A.fch, N, I);
    ld__matmul_forward(m->accel, A.scratch, A.fch_gelu, w.fcprojw, w.fcprojb, N, I, C);
    ld_residual_forward(A.residual3, A.residual2, A.scratch, (size_t)N * C);
}

/* Layer l of the backward, the block's steps in reverse: on entry
   m->d.residual holds ∂L/∂x' (the block's output), on return ∂L/∂x; the
   gradients of the layer's weights are ADDED into g. In the parallel block
   both branches take ∂L/∂x' as it came in, so the attention's output
   projection reads it before the MLP's norm adds to it.                    */
static void ld__block_backward(ld_model *m, int l, const ld__layer *g) {
    const ld_config *c = &m->cfg;
    ld__dims d = ld__dims_of(c);
    int B = m->cur_B, T = m->cur_T, C = d.C, QKV = d.QKV, AO = d.AO, I = d.I, FC = d.FC;
    int N = B * T;
    ld_acts A = ld__acts_at(m, l);
    ld__layer w = ld__layer_at(&m->w, &d, l);
    ld_dacts *dd = &m->d;
    const ld_float *x = l == 0 ? m->a.encoded : ld__acts_at(m, l - 1).residual3;
    /* the MLP; the skip passes ∂L/∂x' on to a */
    memset(dd->fch_gelu, 0, sizeof(ld_float) * (size_t)N * I);
    ld__matmul_backward(m->accel, dd->fch_gelu, g->fcprojw, g->fcprojb, dd->residual, A.fch_gelu, w.fcprojw, N, I, C);
    if (d.par) {
        memset(dd->atty, 0, sizeof(ld_float) * (size_t)N * AO);
        ld__matmul_backward(m->accel, dd->atty, g->attprojw, g->attprojb, dd->residual, A.atty, w.attprojw, N, AO, C);
    }
    memset(dd->fch, 0, sizeof(ld_float) * (size_t)N * FC);
    ld__act_backward(c->act, dd->fch, A.fch, dd->fch_gelu, N, I);
    memset(dd->ln, 0, sizeof(ld_float) * (size_t)N * C);
    ld__matmul_backward(m->accel, dd->ln, g->fcw, g->fcb, dd->fch, A.ln2, w.fcw, N, C, FC);
    ld__norm_backward(c, dd->residual, g->ln2w, g->ln2b, dd->ln, d.par ? x : A.residual2, w.ln2w, A.ln2_mean,
                      A.ln2_rstd, N, C);
    /* now ∂L/∂a; the attention, and the skip passes it on to x */
    if (!d.par) {
        memset(dd->atty, 0, sizeof(ld_float) * (size_t)N * AO);
        ld__matmul_backward(m->accel, dd->atty, g->attprojw, g->attprojb, dd->residual, A.atty, w.attprojw, N, AO, C);
    }
    ld_float *dq = d.R ? dd->qkvr : dd->qkv;   /* ∂L/∂(q | k | v as attention read them) */
    memset(dq, 0, sizeof(ld_float) * (size_t)N * QKV);
    ld_attention_backward(dq, dd->att, dd->atty, d.R ? A.qkvr : A.qkv, A.att, B, T, d.NH, d.NKV, d.HS);
    if (d.R) {
        memset(dd->qkv, 0, sizeof(ld_float) * (size_t)N * QKV);
        ld_rope_backward(dd->qkv, dd->qkvr, m->rope_cos, m->rope_sin, B, T, d.NH, d.NKV, d.HS, d.R);
    }
    memset(dd->ln, 0, sizeof(ld_float) * (size_t)N * C);
    ld__matmul_backward(m->accel, dd->ln, g->qkvw, g->qkvb, dd->qkv, A.ln1, w.qkvw, N, C, QKV);
    ld__norm_backward(c, dd->residual, g->ln1w, g->ln1b, dd->ln, x, w.ln1w, A.ln1_mean, A.ln1_rstd, N, C);
}

/* Layer l of the JVP: m->t.residual carries the tangent of the residual
   stream, x's on entry and x''s on return, for the tangents tv of the
   layer's weights; the forward's caches are read back.                     */
static void ld__block_jvp(ld_model *m, int l, const ld__layer *tv) {
    const ld_config *c = &m->cfg;
    ld__dims d = ld__dims_of(c);
    int B = m->cur_B, T = m->cur_T, C = d.C, QKV = d.QKV, AO = d.AO, I = d.I, FC = d.FC;
    int N = B * T;
    (void)QKV;
    ld_acts A = ld__acts_at(m, l);
    ld__layer w = ld__layer_at(&m->w, &d, l);
    ld_dacts *t = &m->t;
    const ld_float *x = l == 0 ? m->a.encoded : ld__acts_at(m, l - 1).residual3;
    ld__norm_jvp(c, t->ln, x, t->residual, w.ln1w, tv->ln1w, tv->ln1b, A.ln1_mean, A.ln1_rstd, N, C);
    ld__matmul_jvp(m->accel, t->qkv, A.ln1, t->ln, w.qkvw, tv->qkvw, tv->qkvb, N, C, QKV);
    if (d.R) ld_rope_jvp(t->qkvr, t->qkv, m->rope_cos, m->rope_sin, B, T, d.NH, d.NKV, d.HS, d.R);
    ld_attention_jvp(t->atty, t->att, d.R ? A.qkvr : A.qkv, d.R ? t->qkvr : t->qkv, A.att, B, T, d.NH, d.NKV, d.HS);
    ld__matmul_jvp(m->accel, t->scratch, A.atty, t->atty, w.attprojw, tv->attprojw, tv->attprojb, N, AO, C);
    if (d.par) {   /* the MLP's norm reads x: its tangent first, then a's */
        ld__norm_jvp(c, t->ln, x, t->residual, w.ln2w, tv->ln2w, tv->ln2b, A.ln2_mean, A.ln2_rstd, N, C);
        ld_residual_forward(t->residual, t->residual, t->scratch, (size_t)N * C);
    } else {
        ld_residual_forward(t->residual, t->residual, t->scratch, (size_t)N * C);
        ld__norm_jvp(c, t->ln, A.residual2, t->residual, w.ln2w, tv->ln2w, tv->ln2b, A.ln2_mean, A.ln2_rstd, N, C);
    }
    ld__matmul_jvp(m->accel, t->fch, A.ln2, t->ln, w.fcw, tv->fcw, tv->fcb, N, C, FC);
    ld__act_jvp(c->act, t->fch_gelu, A.fch, t->fch, N, I);
    ld__matmul_jvp(m->accel, t->scratch, A.fch_gelu, t->fch_gelu, w.fcprojw, tv->fcprojw, tv->fcprojb, N, I, C);
    ld_residual_forward(t->residual, t->residual, t->scratch, (size_t)N * C);
}

static void ld__forward_checked(ld_model *m, const ld_seq *seqs, int B, int T) {
    const ld_config *c = &m->cfg;
    int C = c->n_embd, L = c->n_layer, V = c->vocab_size;
    int N = B * T;
    ld_acts *a = &m->a;
    ld_params *w = &m->w;
    m->cur_B = B; m->cur_T = T;
    for (int b = 0; b < B; b++) {
        m->len[b] = seqs[b].len;
        m->prompt_len[b] = seqs[b].prompt_len;
        for (int t = 0; t < T; t++) m->tokens[b * T + t] = t < seqs[b].len ? seqs[b].tokens[t] : ld_pad_token(c);
    }
    ld_encoder_forward(a->encoded, m->tokens, w->wte, w->wpe, B, T, C);
    ld__span all = { B, T, 0, NULL, NULL, NULL };
    for (int l = 0; l < L; l++) ld__block_forward(m, l, all);
    ld__norm_forward(c, a->lnf, a->lnf_mean, a->lnf_rstd, ld__acts_at(m, L - 1).residual3, w->lnfw, w->lnfb, N, C);
    ld__matmul_forward(m->accel, a->logits, a->lnf, ld__head(c, w), NULL, N, C, V);
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

LDDEF ld_status ld_forward_row(const ld_model *m, int r, ld_row *out) {
    if (!m || !out) return ld__fail(LD_ERR_ARG, "model or output is NULL");
    if (m->cur_B == 0) return ld__fail(LD_ERR_ARG, "no forward to read: run ld_forward first (ld_generate leaves none)");
    if (r < 0 || r >= m->cur_B) return ld__fail(LD_ERR_ARG, "row %d of a forward of %d rows", r, m->cur_B);
    size_t row = (size_t)r * m->cur_T, V = (size_t)m->cfg.vocab_size;
    out->len = m->len[r];
    out->prompt_len = m->prompt_len[r];
    out->tokens = m->tokens + row;
    out->tok_logp = m->tok_logp + row;
    out->seq_logp = m->seq_logp[r];
    out->logits = m->a.logits + row * V;
    out->probs = m->a.probs + row * V;
    out->G = m->d.logits ? m->d.logits + row * V : NULL;
    out->jvp = m->t.logits ? m->t.logits + row * V : NULL;
    return LD_OK;
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
    ld__dims dims = ld__dims_of(c);
    int B = m->cur_B, T = m->cur_T, C = c->n_embd, L = c->n_layer, V = c->vocab_size;
    int N = B * T;
    size_t nC = (size_t)N * C;
    ld_acts *a = &m->a;
    ld_dacts *d = &m->d;
    ld_params *w = &m->w, g;
    ld__param_views(&g, grad_out, c);

    /* the head: z = LNf(x) · Wᵀ, W = wte (tied) or lm_head */
    memset(d->ln, 0, sizeof(ld_float) * nC);
    ld__matmul_backward(m->accel, d->ln, ld__head(c, &g), NULL, d->logits, a->lnf, ld__head(c, w), N, C, V);
    memset(d->residual, 0, sizeof(ld_float) * nC);
    ld__norm_backward(c, d->residual, g.lnfw, g.lnfb, d->ln, ld__acts_at(m, L - 1).residual3,
                      w->lnfw, a->lnf_mean, a->lnf_rstd, N, C);
    for (int l = L - 1; l >= 0; l--) {
        ld__layer gl = ld__layer_at(&g, &dims, l);
        ld__block_backward(m, l, &gl);
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
    ld__dims dims = ld__dims_of(c);
    int B = m->cur_B, T = m->cur_T, C = c->n_embd, L = c->n_layer, V = c->vocab_size;
    int N = B * T;
    ld_acts *a = &m->a;
    ld_dacts *t = &m->t;
    ld_params *w = &m->w, tv;
    ld__param_views(&tv, (ld_float *)v, c);

    /* t->residual carries the tangent of the residual stream, layer by layer */
    ld_encoder_jvp(t->residual, m->tokens, tv.wte, tv.wpe, B, T, C);
    for (int l = 0; l < L; l++) {
        ld__layer tl = ld__layer_at(&tv, &dims, l);
        ld__block_jvp(m, l, &tl);
    }
    ld__norm_jvp(c, t->ln, ld__acts_at(m, L - 1).residual3, t->residual, w->lnfw, tv.lnfw, tv.lnfb,
                 a->lnf_mean, a->lnf_rstd, N, C);
    ld__matmul_jvp(m->accel, t->logits, a->lnf, t->ln, ld__head(c, w), ld__head(c, &tv), NULL, N, C, V);
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

/* The activations of n rows, contiguous, one layer's worth (incremental
   decoding reuses them for every layer): *rows points into the block this
   returns (free it with LD_FREE), or NULL when out of memory.             */
static void *ld__rows_acts(const ld_model *m, int n, ld_acts *rows) {
    ld__dims d = ld__dims_of(&m->cfg);
    LD__LETTERS(d, m->T);
    ld__carver cv = { NULL, 0 };
    void *mem = NULL;
    for (int pass = 0; pass < 2; pass++) {   /* measure, then carve */
#define LD__X(name, per, layered) rows->name = LD__TAKE(&cv, ld_float, (size_t)n * (size_t)(per));
        LD__ACT_LIST(LD__X)
#undef LD__X
        if (pass == 0) {
            if (!(mem = LD_MALLOC(cv.off + 64))) return NULL;
            cv.base = (char *)(((uintptr_t)mem + 63) & ~(uintptr_t)63);
            cv.off = 0;
        }
    }
    return mem;
}

/* The forward pass at n positions only, position t[i] of batch row b[i]
   (distinct rows), after a forward laid out with row stride cur_T: the
   blocks run on those n rows together (earlier positions' keys and values
   are read back from the model's buffers), with the same arithmetic as the
   full forward, row by row, so the logits at (b[i], t[i]) are bit for bit
   those of a full forward on the sequence. Writes the logits at (b[i], t[i])
   in m->a.logits, not π; rows: n-row buffers from ld__rows_acts.          */
static void ld__forward_rows(ld_model *m, int n, const int *b, const int *t, const ld_acts *rows) {
    const ld_config *c = &m->cfg;
    int T = m->cur_T, C = c->n_embd, L = c->n_layer, V = c->vocab_size;
    ld_params *w = &m->w;
    for (int i = 0; i < n; i++)
        ld_encoder_forward(rows->encoded + (size_t)i * C, m->tokens + (size_t)b[i] * T + t[i], w->wte,
                           w->wpe ? w->wpe + (size_t)t[i] * C : NULL, 1, 1, C);
    ld__span sp = { m->cur_B, T, n, b, t, rows };
    for (int l = 0; l < L; l++) ld__block_forward(m, l, sp);
    ld__norm_forward(c, rows->lnf, rows->lnf_mean, rows->lnf_rstd, L ? rows->residual3 : rows->encoded, w->lnfw, w->lnfb, n, C);
    ld__matmul_forward(m->accel, rows->logits, rows->lnf, ld__head(c, w), NULL, n, C, V);
    for (int i = 0; i < n; i++)
        memcpy(m->a.logits + ((size_t)b[i] * T + t[i]) * V, rows->logits + (size_t)i * V, sizeof(ld_float) * V);
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
    int V = m->cfg.vocab_size, Tcap = m->T, eos = m->cfg.eos_token;
    double *pw = (double *)LD_MALLOC(sizeof(double) * V);
    int *idx = (int *)LD_MALLOC(sizeof(int) * V), *done = (int *)LD_MALLOC(sizeof(int) * 3 * (size_t)B);
    ld_acts rows;
    void *rows_mem = ld__rows_acts(m, B, &rows);
    if (!pw || !idx || !done || !rows_mem) {
        LD_FREE(pw); LD_FREE(idx); LD_FREE(done); LD_FREE(rows_mem);
        return ld__fail(LD_ERR_OOM, "generation scratch");
    }
    int *rb = done + B, *rt = done + 2 * B;   /* the rows that go on, and their new positions */
    /* one forward over the prompts, laid out for the full capacity, then one
       position per row at a time, the rows together: each new token costs
       one position, not a whole pass */
    ld__forward_checked(m, prompts, B, Tcap);
    for (int b = 0; b < B && max_new > 0; b++) {
        if (prompts[b].len >= Tcap) continue; /* full: it samples nothing */
        const ld_float *z = m->a.logits + ((size_t)b * Tcap + prompts[b].len - 1) * V;
        for (int v = 0; v < V; v++)
            if (!isfinite(z[v])) {
                LD_FREE(pw); LD_FREE(idx); LD_FREE(done); LD_FREE(rows_mem);
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
        for (int b = 0; b < B; b++) {   /* the draws in row order, as one row at a time would take them */
            if (done[b]) continue;
            int pos = out_len[b] - 1;
            int tok = ld__sample(m->a.logits + ((size_t)b * Tcap + pos) * V, V, opts, rng, pw, idx);
            out[(size_t)b * Tcap + out_len[b]++] = tok;
            if (out_len[b] >= Tcap || (tok == eos && !(opts && opts->no_stop))) { done[b] = 1; continue; }
            m->tokens[(size_t)b * Tcap + pos + 1] = tok;
            rb[active] = b; rt[active++] = pos + 1;
        }
        if (!active) break;
        ld__forward_rows(m, active, rb, rt, &rows);
    }
    m->cur_B = 0; /* the buffers hold no teacher-forced forward now: losses and backward refuse */
    LD_FREE(pw); LD_FREE(idx); LD_FREE(done); LD_FREE(rows_mem);
    return LD_OK;
}

/* ---------------------------------------------------------------- >>losses */

/* A loss needs a model made with LD_TRAIN that holds a teacher-forced
   forward; says which of the two is missing. */
static ld_status ld__need_forward(const ld_model *m, const char *what) {
    if (!m || !m->theta) return ld__fail(LD_ERR_ARG, "%s: the model is NULL or not initialised", what);
    if (!m->d.logits) return ld__fail(LD_ERR_ARG, "%s: the model was made without LD_TRAIN (no buffer for G)", what);
    if (m->cur_B == 0)
        return ld__fail(LD_ERR_ARG, "%s: the model holds no teacher-forced forward to score; run ld_forward first "
                                    "(ld_generate and loading a model leave none)", what);
    return LD_OK;
}

/* G = c (π − e_y) on the first `head` response tokens of row b and
   c_tail (π − e_y) on the rest. */
static void ld__write_residual2(ld_model *m, int b, double c, int head, double c_tail) {
    int T = m->cur_T, V = m->cfg.vocab_size, t0 = m->prompt_len[b] - 1;
    for (int t = t0; t < m->len[b] - 1; t++) {
        size_t row = ((size_t)b * T + t) * V;
        ld_float *g = m->d.logits + row;
        const ld_float *p = m->a.probs + row;
        double k = t - t0 < head ? c : c_tail;
        for (int v = 0; v < V; v++) g[v] = (ld_float)(k * p[v]);
        g[m->tokens[b * T + t + 1]] -= (ld_float)k;
    }
}

/* G_l = c (π_l − e_{y_l}) on every response token of row b. */
static void ld__write_residual(ld_model *m, int b, double c) { ld__write_residual2(m, b, c, m->len[b], c); }

LDDEF double ld_sft_loss(ld_model *m, ld_norm norm) {
    if (ld__need_forward(m, "the SFT loss")) return NAN;
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

/* ---- the preference family ----
   Written from TRL's DPOTrainer._compute_loss (TRL 1.1.0), with the later
   sigmoid_norm of huggingface/trl#5406 and the raw log-ratios of #6559 for
   nca_pair, bco_pair, sppo_hard and apo_down, and from KTOTrainer.kto_loss
   and _get_kl_dataset (trl/experimental/kto/kto_trainer.py at commit
   b8a6c0b5d237ed33907bf308cdd973cbfcd0c8ea). */

static const char *const ld__pref_names[LD_PREF_NKINDS] = {
    "sigmoid", "cdpo", "ipo_sum", "hinge", "dpop", "simpo", "orpo", "ipo", "exo_pair", "nca_pair", "robust",
    "bco_pair", "sppo_hard", "aot", "aot_unpaired", "apo_zero", "apo_down", "discopop", "sigmoid_norm", "sft", "kto" };

LDDEF const char *ld_pref_kind_name(ld_pref_kind kind) {
    return (int)kind >= 0 && kind < LD_PREF_NKINDS ? ld__pref_names[kind] : NULL;
}

LDDEF int ld_pref_kind_from_name(const char *name) {
    if (!name) return -1;
    if (!strcmp(name, "dpo")) return LD_DPO;
    for (int k = 0; k < LD_PREF_NKINDS; k++)
        if (!strcmp(name, ld__pref_names[k])) return k;
    return -1;
}

LDDEF int ld_pref_needs_ref(ld_pref_kind kind) { return kind != LD_SIMPO && kind != LD_ORPO && kind != LD_PREF_SFT; }

static int ld__pref_has(const ld_pref_opts *o, ld_pref_kind k) {
    for (int i = 0; i < o->n_terms && i < LD_PREF_MAX_TERMS; i++)
        if (o->terms[i] == k) return 1;
    return 0;
}

LDDEF int ld_pref_opts_needs_ref(const ld_pref_opts *opts) {
    ld_pref_opts o = ld_pref_opts_resolve(opts);
    for (int i = 0; i < o.n_terms && i < LD_PREF_MAX_TERMS; i++)
        if (ld_pref_needs_ref(o.terms[i])) return 1;
    return 0;
}

LDDEF ld_pref_opts ld_pref_opts_resolve(const ld_pref_opts *o) {
    ld_pref_opts r;
    if (o) r = *o; else memset(&r, 0, sizeof r);
    if (r.n_terms == 0) { r.n_terms = 1; r.terms[0] = r.kind; }
    if (r.n_terms < 1 || r.n_terms > LD_PREF_MAX_TERMS) return r; /* refused by the check */
    r.kind = r.terms[0];
    for (int i = 0; i < r.n_terms; i++) if (r.weights[i] == 0) r.weights[i] = 1;
    if (r.beta == 0) r.beta = r.n_terms == 1 && r.kind == LD_SIMPO ? 2.0 : 0.1;
    for (int i = 0; i < r.n_terms && r.lambda == 0; i++)
        r.lambda = r.terms[i] == LD_DPOP ? 50.0 : r.terms[i] == LD_ORPO ? 0.1 : 0.0;
    if (r.gamma == 0 && ld__pref_has(&r, LD_SIMPO)) r.gamma = 0.5;
    if (r.eps == 0 && ld__pref_has(&r, LD_EXO_PAIR)) r.eps = 1e-3;
    if (r.fdiv_alpha == 0) r.fdiv_alpha = 0.5;
    if (r.discopop_tau == 0) r.discopop_tau = 0.05;
    if (r.desirable_weight == 0) r.desirable_weight = 1;
    if (r.undesirable_weight == 0) r.undesirable_weight = 1;
    return r;
}

/* The losses that read the f-divergence scores φ(r): TRL's difference-based ones. */
static int ld__pref_fdiv_ok(ld_pref_kind k) {
    switch (k) {
    case LD_DPO: case LD_CDPO: case LD_IPO_SUM: case LD_HINGE: case LD_IPO: case LD_EXO_PAIR:
    case LD_ROBUST: case LD_DISCOPOP: case LD_SIGMOID_NORM: case LD_PREF_SFT: return 1;
    default: return 0;
    }
}

/* Resolved preference options in range, or LD_ERR_ARG and why. */
static ld_status ld__pref_opts_check(const ld_pref_opts *o) {
    if (o->n_terms < 1 || o->n_terms > LD_PREF_MAX_TERMS)
        return ld__fail(LD_ERR_ARG, "a list of %d losses; it takes 1..%d", o->n_terms, LD_PREF_MAX_TERMS);
    for (int i = 0; i < o->n_terms; i++) {
        ld_pref_kind k = o->terms[i];
        if ((int)k < 0 || k >= LD_PREF_NKINDS) return ld__fail(LD_ERR_ARG, "unknown preference loss %d", (int)k);
        if (!isfinite(o->weights[i])) return ld__fail(LD_ERR_ARG, "the weight of %s is %g", ld__pref_names[k], o->weights[i]);
        if (k == LD_KTO && o->n_terms > 1) return ld__fail(LD_ERR_ARG, "kto reads unpaired rows: it cannot share a list with other losses");
        if ((int)o->fdiv != LD_FDIV_REVERSE_KL && !ld__pref_fdiv_ok(k))
            return ld__fail(LD_ERR_ARG, "%s reads the raw log-ratios: an f-divergence other than reverse KL applies only to "
                            "sigmoid, hinge, ipo, ipo_sum, exo_pair, robust, cdpo, discopop, sigmoid_norm and sft", ld__pref_names[k]);
        if (k == LD_CDPO && o->eps > 0.5) return ld__fail(LD_ERR_ARG, "cdpo: label smoothing ε %g outside [0, 0.5]", o->eps);
        if (k == LD_ROBUST && !(o->eps < 0.5)) return ld__fail(LD_ERR_ARG, "robust: label smoothing ε %g outside [0, 0.5)", o->eps);
        if ((k == LD_AOT || k == LD_AOT_UNPAIRED) && o->eps > 1) return ld__fail(LD_ERR_ARG, "%s: label smoothing ε %g outside [0, 1]", ld__pref_names[k], o->eps);
        if (k == LD_EXO_PAIR && !(o->eps > 0 && o->eps < 1)) return ld__fail(LD_ERR_ARG, "exo_pair: label smoothing ε %g outside (0, 1)", o->eps);
    }
    if (o->kind == LD_KTO && (o->ld_dpo || o->wpo || o->nll_alpha != 0 || (int)o->fdiv != LD_FDIV_REVERSE_KL))
        return ld__fail(LD_ERR_ARG, "kto takes none of LD-DPO, WPO, RPO's NLL or an f-divergence");
    if (!(o->beta > 0) || !isfinite(o->beta) || !(o->eps >= 0) || !isfinite(o->eps) || !(o->lambda >= 0) ||
        !isfinite(o->lambda) || !isfinite(o->gamma) || !(o->nll_alpha >= 0) || !isfinite(o->nll_alpha))
        return ld__fail(LD_ERR_ARG, "preference options out of range (β %g > 0, ε %g ≥ 0, λ %g ≥ 0, γ %g, α %g ≥ 0)",
                        o->beta, o->eps, o->lambda, o->gamma, o->nll_alpha);
    if ((int)o->fdiv < 0 || o->fdiv > LD_FDIV_ALPHA || !isfinite(o->fdiv_alpha))
        return ld__fail(LD_ERR_ARG, "f-divergence %d with α %g: unknown", (int)o->fdiv, o->fdiv_alpha);
    if (o->ld_dpo && !(o->ld_alpha >= 0 && o->ld_alpha <= 1))
        return ld__fail(LD_ERR_ARG, "LD-DPO's α %g outside [0, 1]", o->ld_alpha);
    if (!(o->discopop_tau > 0) || !isfinite(o->discopop_tau) || !(o->desirable_weight > 0) || !isfinite(o->desirable_weight) ||
        !(o->undesirable_weight > 0) || !isfinite(o->undesirable_weight))
        return ld__fail(LD_ERR_ARG, "discopop τ %g, KTO weights %g, %g: each must be > 0 and finite",
                        o->discopop_tau, o->desirable_weight, o->undesirable_weight);
    return LD_OK;
}

static double ld__sigmoid(double u) { return u >= 0 ? 1 / (1 + exp(-u)) : exp(u) / (1 + exp(u)); }
static double ld__log_sigmoid(double u) { return u >= 0 ? -log1p(exp(-u)) : u - log1p(exp(u)); }
/* σ'(u) = σ(u) σ(−u) */
static double ld__dsigmoid(double u) { return ld__sigmoid(u) * ld__sigmoid(-u); }

/* The f-divergence score φ(r) and φ'(r) (TRL: chosen_scores, rejected_scores). */
static double ld__fdiv_score(const ld_pref_opts *o, double r, double *d) {
    switch (o->fdiv) {
    case LD_FDIV_FORWARD_KL: { double e = exp(-r); *d = e; return -e; }       /* f'(t) = 1 − 1/t, less its constant */
    case LD_FDIV_JS: *d = ld__sigmoid(-r); return ld__log_sigmoid(r);          /* f'(t) = log(2t/(t+1)), less log 2 */
    case LD_FDIV_ALPHA: {                                                      /* f'(t) = (t^(α−1) − 1)/(α−1)       */
        double a = o->fdiv_alpha, t = (a - 1) * r;
        if (fabs(a - 1) < 1e-6) { *d = 1; return r; }                          /* the limit: reverse KL */
        if (t > 80) { *d = 0; return exp(80.0) / (a - 1); }                    /* TRL clamps the exponent at 80 */
        *d = exp(t);
        return *d / (a - 1);
    }
    default: *d = 1; return r;
    }
}

/* One pair's loss ℓ and c± = −∂ℓ/∂s± for the losses local to a pair. s are
   the policy's log-probs, q the reference's (0 without one), L the lengths. */
static double ld__pref_pair(const ld_pref_opts *o, ld_pref_kind kind, double sc, double sr, double qc, double qr,
                            double Lc, double Lr, double *cc, double *cr) {
    const double beta = o->beta, eps = o->eps;
    double rc = sc - qc, rr = sr - qr, dc, dr;
    double pc = ld__fdiv_score(o, rc, &dc), pr = ld__fdiv_score(o, rr, &dr);
    double D = pc - pr, x = beta * D, loss, k; /* k = −∂ℓ/∂Δ */
    switch (kind) {
    case LD_DPO: loss = -ld__log_sigmoid(x); k = beta * ld__sigmoid(-x); break;
    case LD_CDPO:
        loss = -(1 - eps) * ld__log_sigmoid(x) - eps * ld__log_sigmoid(-x);
        k = beta * ((1 - eps) * ld__sigmoid(-x) - eps * ld__sigmoid(x));
        break;
    case LD_IPO_SUM: { double d = D - 1 / (2 * beta); loss = d * d; k = -2 * d; break; }
    case LD_HINGE: loss = x < 1 ? 1 - x : 0; k = x < 1 ? beta : 0; break;
    case LD_EXO_PAIR: {
        /* KL(softmax(βΔ, 0) ‖ (1−ε, ε)); dℓ/dx = σ'(x)(x − log(1−ε) + log ε) */
        double qw = ld__sigmoid(x), ql = ld__sigmoid(-x);
        loss = qw * (ld__log_sigmoid(x) - log1p(-eps)) + ql * (ld__log_sigmoid(-x) - log(eps));
        k = beta * qw * ql * (log1p(-eps) - log(eps) - x);
        break;
    }
    case LD_ROBUST:
        loss = (-(1 - eps) * ld__log_sigmoid(x) + eps * ld__log_sigmoid(-x)) / (1 - 2 * eps);
        k = beta * ((1 - eps) * ld__sigmoid(-x) + eps * ld__sigmoid(x)) / (1 - 2 * eps);
        break;
    case LD_DISCOPOP: {
        double m = ld__sigmoid(x / o->discopop_tau), e = exp(-x), ls = ld__log_sigmoid(x);
        loss = -ls * (1 - m) + e * m;
        k = -beta * (-ld__sigmoid(-x) * (1 - m) - e * m + m * (1 - m) / o->discopop_tau * (ls + e));
        break;
    }
    case LD_IPO: case LD_SIGMOID_NORM: {
        /* per-token means of the scores */
        double Dn = pc / Lc - pr / Lr;
        if (kind == LD_IPO) { double d = Dn - 1 / (2 * beta); loss = d * d; k = -2 * d; }
        else { loss = -ld__log_sigmoid(beta * Dn); k = beta * ld__sigmoid(-beta * Dn); }
        *cc = k * dc / Lc; *cr = -k * dr / Lr;
        return loss;
    }
    /* the raw log-ratios */
    case LD_NCA_PAIR:
        loss = -ld__log_sigmoid(beta * rc) - 0.5 * ld__log_sigmoid(-beta * rc) - 0.5 * ld__log_sigmoid(-beta * rr);
        *cc = beta * (ld__sigmoid(-beta * rc) - 0.5 * ld__sigmoid(beta * rc));
        *cr = -0.5 * beta * ld__sigmoid(beta * rr);
        return loss;
    case LD_BCO_PAIR:
        loss = -ld__log_sigmoid(beta * rc) - ld__log_sigmoid(-beta * rr);
        *cc = beta * ld__sigmoid(-beta * rc); *cr = -beta * ld__sigmoid(beta * rr);
        return loss;
    case LD_SPPO_HARD: {
        double a = rc - 0.5 / beta, b = rr + 0.5 / beta;
        loss = a * a + b * b;
        *cc = -2 * a; *cr = -2 * b;
        return loss;
    }
    case LD_APO_ZERO:
        loss = 1 - ld__sigmoid(beta * rc) + ld__sigmoid(beta * rr);
        *cc = beta * ld__dsigmoid(beta * rc); *cr = -beta * ld__dsigmoid(beta * rr);
        return loss;
    case LD_APO_DOWN: {
        double h = rc - rr;
        loss = ld__sigmoid(beta * rc) + 1 - ld__sigmoid(beta * h);
        *cc = beta * (ld__dsigmoid(beta * h) - ld__dsigmoid(beta * rc)); *cr = -beta * ld__dsigmoid(beta * h);
        return loss;
    }
    case LD_DPOP: {
        double below = rc < 0 ? 1 : 0, u = beta * (rc - rr - o->lambda * below * -rc);
        loss = -ld__log_sigmoid(u);
        *cc = beta * ld__sigmoid(-u) * (1 + o->lambda * below); *cr = -beta * ld__sigmoid(-u);
        return loss;
    }
    case LD_SIMPO: {
        double u = beta * sc / Lc - beta * sr / Lr - o->gamma;
        loss = -ld__log_sigmoid(u);
        *cc = beta / Lc * ld__sigmoid(-u); *cr = -beta / Lr * ld__sigmoid(-u);
        return loss;
    }
    case LD_ORPO: {
        /* o = log p̄ − log(1 − p̄) with log p̄ = s/L; log(1 − e^a) = log(−expm1(a));
           p̄ = 1 (a = 0) would make o infinite: keep a a hair below 0 */
        double ac = LD__MIN(sc / Lc, -1e-12), ar = LD__MIN(sr / Lr, -1e-12);
        double u = (ac - log(-expm1(ac))) - (ar - log(-expm1(ar))), sgm = ld__sigmoid(-u);
        loss = -ac - o->lambda * ld__log_sigmoid(u);
        *cc = 1 / Lc + o->lambda * sgm / (Lc * -expm1(ac));
        *cr = -o->lambda * sgm / (Lr * -expm1(ar));
        return loss;
    }
    default: *cc = *cr = 0; return 0; /* aot, aot_unpaired, sft, kto: not local to a pair */
    }
    *cc = k * dc; *cr = -k * dr;
    return loss;
}

/* idx[0..n) sorted by v[idx] ascending; ties keep the index order. */
static void ld__argsort(const double *v, int n, int *idx) {
    for (int i = 0; i < n; i++) {
        int j = i;
        while (j > 0 && v[idx[j - 1]] > v[i]) { idx[j] = idx[j - 1]; j--; }
        idx[j] = i;
    }
}

LDDEF ld_status ld_pref_eval(const ld_pref_opts *opts, int N, const double *logp, const double *logp_plain,
                             const double *ref_logp, const int *len, const double *weight,
                             double *loss_out, double *c_out, double *cp_out) {
    if (N < 1 || !logp || !len || !loss_out || !c_out) return ld__fail(LD_ERR_ARG, "ld_pref_eval: %d pairs, or a NULL argument", N);
    ld_pref_opts o = ld_pref_opts_resolve(opts);
    ld_status st = ld__pref_opts_check(&o);
    if (st) return st;
    if (o.kind == LD_KTO) return ld__fail(LD_ERR_ARG, "kto takes unpaired rows: use ld_kto_eval or ld_kto_loss");
    int need_ref = ld_pref_opts_needs_ref(&o);
    if (need_ref && !ref_logp) return ld__fail(LD_ERR_ARG, "this loss compares against a reference: ref_logp is NULL");
    const double *sp = logp_plain ? logp_plain : logp;
    for (int b = 0; b < 2 * N; b++) {
        if (len[b] < 1) return ld__fail(LD_ERR_LENGTH, "row %d has a response of %d tokens", b, len[b]);
        if (!isfinite(logp[b]) || !isfinite(sp[b])) return ld__fail(LD_ERR_NAN, "the log-prob of row %d is %g", b, logp[b]);
        if (need_ref && !isfinite(ref_logp[b])) return ld__fail(LD_ERR_NAN, "reference log-prob of row %d is %g", b, ref_logp[b]);
        if (o.wpo && weight && !(weight[b] >= 0 && isfinite(weight[b]))) return ld__fail(LD_ERR_NAN, "the WPO weight of row %d is %g", b, weight[b]);
    }
    /* c on s (cs), c on the plain sums (cp), the sort keys of aot (a, bb) */
    double *cs = (double *)LD_MALLOC(sizeof(double) * 6 * N);
    int *idx = (int *)LD_MALLOC(sizeof(int) * 2 * N);
    if (!cs || !idx) { LD_FREE(cs); LD_FREE(idx); return ld__fail(LD_ERR_OOM, "%d coefficients", 2 * N); }
    double *cp = cs + 2 * N, *a = cs + 4 * N, *bb = cs + 5 * N;
    for (int b = 0; b < 4 * N; b++) cs[b] = 0;
    double L = 0, meanW = 0;
#define LD__W(i) (o.wpo && weight ? weight[i] * weight[(i) + N] : 1.0)
    for (int i = 0; i < N; i++) meanW += LD__W(i) / N;
    for (int t = 0; t < o.n_terms; t++) {
        ld_pref_kind kind = o.terms[t];
        double w = o.weights[t] / N;
        if (kind == LD_AOT || kind == LD_AOT_UNPAIRED) {
            /* sort the batch's log-ratios: aot s⁺−s⁻ against s_ref⁺−s_ref⁻, aot_unpaired r⁺ against r⁻ */
            for (int i = 0; i < N; i++) {
                if (kind == LD_AOT) { a[i] = logp[i] - logp[i + N]; bb[i] = ref_logp[i] - ref_logp[i + N]; }
                else { a[i] = logp[i] - ref_logp[i]; bb[i] = logp[i + N] - ref_logp[i + N]; }
            }
            ld__argsort(a, N, idx);
            ld__argsort(bb, N, idx + N);
            for (int j = 0; j < N; j++) {
                /* position j carries pair j's WPO weight, as TRL multiplies them */
                double x = o.beta * (a[idx[j]] - bb[idx[N + j]]), Wj = LD__W(j);
                L += w * Wj * (-(1 - o.eps) * ld__log_sigmoid(x) - o.eps * ld__log_sigmoid(-x));
                double k = w * Wj * o.beta * ((1 - o.eps) * ld__sigmoid(-x) - o.eps * ld__sigmoid(x));
                /* aot: pair idx[j] takes k on s⁺ − s⁻; aot_unpaired: the chosen of rank j
                   (row idx[j]) +k, the rejected of rank j (row idx[N+j] + N) −k */
                cs[idx[j]] += k;
                cs[(kind == LD_AOT ? idx[j] : idx[N + j]) + N] -= k;
            }
            continue;
        }
        if (kind == LD_PREF_SFT) {
            /* TRL's cross-entropy over the batch's chosen tokens, times each pair's weight, averaged */
            double sum = 0, ntok = 0;
            for (int i = 0; i < N; i++) { sum += sp[i]; ntok += len[i]; }
            L += o.weights[t] * meanW * (-sum / ntok);
            for (int i = 0; i < N; i++) cp[i] += o.weights[t] * meanW / ntok;
            continue;
        }
        for (int i = 0; i < N; i++) {
            double cc, cr, Wi = LD__W(i);
            double l = ld__pref_pair(&o, kind, logp[i], logp[i + N], need_ref ? ref_logp[i] : 0, need_ref ? ref_logp[i + N] : 0,
                                     len[i], len[i + N], &cc, &cr);
            L += w * Wi * l;
            cs[i] += w * Wi * cc;
            cs[i + N] += w * Wi * cr;
        }
    }
#undef LD__W
    if (o.nll_alpha > 0)
        for (int i = 0; i < N; i++) { L += o.nll_alpha * (-sp[i] / len[i]) / N; cp[i] += o.nll_alpha / len[i] / N; }
    int bad = !isfinite(L);
    for (int b = 0; b < 4 * N; b++) bad |= !isfinite(cs[b]);
    if (bad) {
        LD_FREE(cs); LD_FREE(idx);
        return ld__fail(LD_ERR_NAN, "the preference loss is %g (or a coefficient is not finite)", L);
    }
    *loss_out = L;
    for (int b = 0; b < 2 * N; b++) {
        if (cp_out) { c_out[b] = cs[b]; cp_out[b] = cp[b]; }
        else c_out[b] = cs[b] + cp[b];
    }
    LD_FREE(cs); LD_FREE(idx);
    return LD_OK;
}

/* Response tokens of the pair partner's response: LD-DPO's shared part of
   row b is its first min(L_b, L_partner) tokens. */
static int ld__pref_head(const ld_model *m, int b, int N) {
    int p = b < N ? b + N : b - N;
    return LD__MIN(m->len[b] - m->prompt_len[b], m->len[p] - m->prompt_len[p]);
}

/* s of row b with the tokens from `head` on weighted by alpha. */
static double ld__row_logp(const ld_model *m, int b, int head, double alpha) {
    int T = m->cur_T, t0 = m->prompt_len[b] - 1;
    double s = 0, tail = 0;
    for (int t = t0; t < m->len[b] - 1; t++) {
        if (t - t0 < head) s += m->tok_logp[(size_t)b * T + t];
        else tail += m->tok_logp[(size_t)b * T + t];
    }
    return s + alpha * tail;
}

/* WPO's weight of row b: exp(mean over its tokens of log π[y] − log Σ_v π_v²),
   TRL's (per_token_logps − (logsumexp(2z) − 2 logsumexp(z))) averaged. */
static double ld__wpo_weight(const ld_model *m, int b) {
    int T = m->cur_T, V = m->cfg.vocab_size, t0 = m->prompt_len[b] - 1;
    double s = 0;
    for (int t = t0; t < m->len[b] - 1; t++) {
        const ld_float *p = m->a.probs + ((size_t)b * T + t) * V;
        double q = 0;
        for (int v = 0; v < V; v++) q += (double)p[v] * p[v];
        s += m->tok_logp[(size_t)b * T + t] - log(q);
    }
    return exp(s / (m->len[b] - 1 - t0));
}

/* TRL's token metrics of row b: Σ over its response tokens of the
   vocabulary-mean logit and of the entropy of π, and how many of them
   have argmax z = y. */
static void ld__token_stats(const ld_model *m, int b, double *zmean, double *ent, long *hits) {
    int T = m->cur_T, V = m->cfg.vocab_size;
    for (int t = m->prompt_len[b] - 1; t < m->len[b] - 1; t++) {
        size_t row = ((size_t)b * T + t) * V;
        const ld_float *z = m->a.logits + row, *p = m->a.probs + row;
        int y = m->tokens[(size_t)b * T + t + 1], am = 0;
        double sz = 0, pz = 0;
        for (int v = 0; v < V; v++) {
            sz += z[v];
            pz += (double)p[v] * z[v];
            if (z[v] > z[am]) am = v;
        }
        /* H = log Σ e^z − Σ π z, with log Σ e^z = z_y − log π_y */
        *zmean += sz / V;
        *ent += ((double)z[y] - m->tok_logp[(size_t)b * T + t]) - pz;
        *hits += am == y;
    }
}

static ld_status ld__pref_model_check(const ld_model *m, const char *what) {
    char name[64];
    snprintf(name, sizeof name, "the %s loss", what);
    if (ld__need_forward(m, name)) return LD_ERR_ARG;
    if (m->cur_B % 2)
        return ld__fail(LD_ERR_ARG, "a %s batch has 2N rows (%s); got %d", what,
                        strcmp(what, "KTO") ? "chosen, then rejected" : "completions, then their KL rows", m->cur_B);
    return LD_OK;
}

LDDEF ld_status ld_pref_ref_logps(const ld_model *m, const ld_pref_opts *opts, double *out) {
    if (!m || m->cur_B == 0 || m->cur_B % 2 || !out) return ld__fail(LD_ERR_ARG, "needs the forward of 2N paired rows and an output");
    ld_pref_opts o = ld_pref_opts_resolve(opts);
    int N = m->cur_B / 2;
    for (int b = 0; b < 2 * N; b++)
        out[b] = o.ld_dpo ? ld__row_logp(m, b, ld__pref_head(m, b, N), o.ld_alpha) : m->seq_logp[b];
    return LD_OK;
}

LDDEF ld_status ld_pref_loss(ld_model *m, const ld_pref_opts *opts, const double *ref_logp,
                             ld_pref_metrics *out, ld_row_coef *rows) {
    ld_status st = ld__pref_model_check(m, "preference");
    if (st) return st;
    ld_pref_opts o = ld_pref_opts_resolve(opts);
    if ((st = ld__pref_opts_check(&o))) return st;
    int N = m->cur_B / 2, need_ref = ld_pref_opts_needs_ref(&o);
    /* s (LD-weighted), the lengths, WPO's weights; then c on s and on the plain sums */
    double *s = (double *)LD_MALLOC(sizeof(double) * 8 * N);
    int *len = (int *)LD_MALLOC(sizeof(int) * 4 * N);
    if (!s || !len) { LD_FREE(s); LD_FREE(len); return ld__fail(LD_ERR_OOM, "%d rows of statistics", 2 * N); }
    double *w = s + 2 * N, *cs = s + 4 * N, *cp = s + 6 * N;
    int *head = len + 2 * N;
    for (int b = 0; b < 2 * N; b++) {
        len[b] = m->len[b] - m->prompt_len[b];
        head[b] = o.ld_dpo ? ld__pref_head(m, b, N) : len[b];
        s[b] = o.ld_dpo ? ld__row_logp(m, b, head[b], o.ld_alpha) : m->seq_logp[b];
        w[b] = o.wpo ? ld__wpo_weight(m, b) : 1.0;
    }
    double loss = 0;
    st = ld_pref_eval(&o, N, s, m->seq_logp, need_ref ? ref_logp : NULL, len, w, &loss, cs, cp);
    if (st) { LD_FREE(s); LD_FREE(len); return st; }
    /* metrics: TRL's rewards are β(s − s_ref) of the (LD-weighted) log-probs */
    ld_pref_metrics mt;
    memset(&mt, 0, sizeof mt);
    mt.loss = loss;
    double zsum[2] = { 0, 0 }, ent = 0;
    long hits = 0, ntok[2] = { 0, 0 }, junk = 0;
    for (int i = 0; i < N; i++) {
        double rc, rr;
        if (need_ref) { rc = o.beta * (s[i] - ref_logp[i]); rr = o.beta * (s[i + N] - ref_logp[i + N]); }
        else {
            double k = o.kind == LD_ORPO ? o.lambda : o.beta;
            rc = k * s[i] / len[i]; rr = k * s[i + N] / len[i + N];
        }
        mt.rewards_chosen += rc; mt.rewards_rejected += rr;
        mt.rewards_accuracies += rc > rr;
        mt.logps_chosen += s[i]; mt.logps_rejected += s[i + N];
        mt.coef_chosen += cs[i] + cp[i]; mt.coef_rejected += cs[i + N] + cp[i + N];
        ld__token_stats(m, i, &zsum[0], &ent, &hits);
        ld__token_stats(m, i + N, &zsum[1], &ent, &junk);
        ntok[0] += len[i]; ntok[1] += len[i + N];
    }
    mt.rewards_chosen /= N; mt.rewards_rejected /= N; mt.rewards_accuracies /= N;
    mt.logps_chosen /= N; mt.logps_rejected /= N;
    mt.rewards_margins = mt.rewards_chosen - mt.rewards_rejected;
    mt.logits_chosen = zsum[0] / ntok[0]; mt.logits_rejected = zsum[1] / ntok[1];
    mt.entropy = ent / (ntok[0] + ntok[1]);
    mt.mean_token_accuracy = (double)hits / ntok[0];
    /* G: (c_s + c_plain)(π − y) on the shared part, (α c_s + c_plain)(π − y) on LD-DPO's tail */
    for (int b = 0; b < 2 * N; b++) {
        double c = cs[b] + cp[b], ct = o.ld_dpo ? o.ld_alpha * cs[b] + cp[b] : c;
        ld__write_residual2(m, b, c, head[b], ct);
        if (rows) {
            rows[b].c = c; rows[b].c_tail = ct; rows[b].head = head[b];
            rows[b].role = b < N ? LD_ROW_CHOSEN : LD_ROW_REJECTED;
            rows[b].weight = w[b];
        }
    }
    LD_FREE(s); LD_FREE(len);
    if (out) *out = mt;
    return LD_OK;
}

LDDEF ld_status ld_kto_eval(const ld_pref_opts *opts, int n, const double *logp, const double *ref_logp,
                            const double *kl_logp, const double *kl_ref_logp, const int *label,
                            double *loss_out, double *c_out, double *z_out) {
    if (n < 1 || !logp || !ref_logp || !kl_logp || !kl_ref_logp || !label || !loss_out || !c_out)
        return ld__fail(LD_ERR_ARG, "ld_kto_eval: %d rows, or a NULL argument", n);
    ld_pref_opts o = ld_pref_opts_resolve(opts);
    ld_status st = ld__pref_opts_check(&o);
    if (st) return st;
    if (o.kind != LD_KTO) return ld__fail(LD_ERR_ARG, "ld_kto_eval computes kto, not %s", ld__pref_names[o.kind]);
    double z = 0;
    for (int i = 0; i < n; i++) {
        if (!isfinite(logp[i]) || !isfinite(ref_logp[i]) || !isfinite(kl_logp[i]) || !isfinite(kl_ref_logp[i]))
            return ld__fail(LD_ERR_NAN, "row %d: a log-prob is not finite (%g, reference %g, KL row %g, %g)", i, logp[i],
                            ref_logp[i], kl_logp[i], kl_ref_logp[i]);
        if (label[i] != 0 && label[i] != 1) return ld__fail(LD_ERR_ARG, "row %d has label %d (1 desirable, 0 undesirable)", i, label[i]);
        z += (kl_logp[i] - kl_ref_logp[i]) / n;
    }
    if (z < 0) z = 0; /* TRL: the mean, detached, clamped at 0 */
    double *c = (double *)LD_MALLOC(sizeof(double) * n), L = 0;
    if (!c) return ld__fail(LD_ERR_OOM, "%d coefficients", n);
    for (int i = 0; i < n; i++) {
        double r = logp[i] - ref_logp[i];
        if (label[i]) {
            double u = o.beta * (r - z);
            L += o.desirable_weight * ld__sigmoid(-u) / n;       /* 1 − σ(u) */
            c[i] = o.desirable_weight * o.beta * ld__dsigmoid(u) / n;
        } else {
            double v = o.beta * (z - r);
            L += o.undesirable_weight * ld__sigmoid(-v) / n;
            c[i] = -o.undesirable_weight * o.beta * ld__dsigmoid(v) / n;
        }
    }
    if (!isfinite(L)) { LD_FREE(c); return ld__fail(LD_ERR_NAN, "the KTO loss is %g", L); }
    *loss_out = L;
    memcpy(c_out, c, sizeof(double) * n);
    if (z_out) *z_out = z;
    LD_FREE(c);
    return LD_OK;
}

LDDEF ld_status ld_kto_loss(ld_model *m, const ld_pref_opts *opts, const double *ref_logp, const int *label,
                            ld_pref_metrics *out, ld_row_coef *rows) {
    ld_status st = ld__pref_model_check(m, "KTO");
    if (st) return st;
    if (!ref_logp || !label) return ld__fail(LD_ERR_ARG, "KTO needs the reference log-probs and the labels");
    int n = m->cur_B / 2;
    double *c = (double *)LD_MALLOC(sizeof(double) * n), loss = 0, z = 0;
    if (!c) return ld__fail(LD_ERR_OOM, "%d coefficients", n);
    st = ld_kto_eval(opts, n, m->seq_logp, ref_logp, m->seq_logp + n, ref_logp + n, label, &loss, c, &z);
    if (st) { LD_FREE(c); return st; }
    ld_pref_opts o = ld_pref_opts_resolve(opts);
    ld_pref_metrics mt;
    memset(&mt, 0, sizeof mt);
    mt.loss = loss;
    mt.kl = z;
    double zsum[2] = { 0, 0 }, ent = 0;
    long hits = 0, junk = 0, ntok[2] = { 0, 0 }, cnt[2] = { 0, 0 };
    for (int i = 0; i < n; i++) {
        int u = !label[i], L = m->len[i] - m->prompt_len[i];
        double r = o.beta * (m->seq_logp[i] - ref_logp[i]);
        if (u) mt.rewards_rejected += r; else mt.rewards_chosen += r;
        if (u) mt.logps_rejected += m->seq_logp[i]; else mt.logps_chosen += m->seq_logp[i];
        if (u) mt.coef_rejected += c[i]; else mt.coef_chosen += c[i];
        ld__token_stats(m, i, &zsum[u], &ent, u ? &junk : &hits);
        ntok[u] += L; cnt[u]++;
    }
    /* per row: c × n is the coefficient of the table */
    mt.coef_chosen = cnt[0] ? mt.coef_chosen * n / cnt[0] : NAN;
    mt.coef_rejected = cnt[1] ? mt.coef_rejected * n / cnt[1] : NAN;
    mt.rewards_chosen = cnt[0] ? mt.rewards_chosen / cnt[0] : NAN;
    mt.rewards_rejected = cnt[1] ? mt.rewards_rejected / cnt[1] : NAN;
    mt.logps_chosen = cnt[0] ? mt.logps_chosen / cnt[0] : NAN;
    mt.logps_rejected = cnt[1] ? mt.logps_rejected / cnt[1] : NAN;
    mt.rewards_margins = mt.rewards_chosen - mt.rewards_rejected;
    mt.rewards_accuracies = NAN;
    mt.logits_chosen = ntok[0] ? zsum[0] / ntok[0] : NAN;
    mt.logits_rejected = ntok[1] ? zsum[1] / ntok[1] : NAN;
    mt.entropy = ent / (ntok[0] + ntok[1]);
    mt.mean_token_accuracy = ntok[0] ? (double)hits / ntok[0] : NAN;
    for (int b = 0; b < 2 * n; b++) {
        double cb = b < n ? c[b] : 0.0;   /* the KL rows are read, not trained */
        ld__write_residual(m, b, cb);
        if (rows) {
            rows[b].c = rows[b].c_tail = cb;
            rows[b].head = m->len[b] - m->prompt_len[b];
            rows[b].role = b >= n ? LD_ROW_NONE : label[b] ? LD_ROW_CHOSEN : LD_ROW_REJECTED;
            rows[b].weight = 1;
        }
    }
    LD_FREE(c);
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
    if (!m->grad) return ld__fail(LD_ERR_ARG, "the model was made without LD_TRAIN: it has no gradient to step with");
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

/* The three update rules, one parameter at a time, as torch.optim writes
   them: g is the (clipped) gradient, th = θ, m1 and m2 the moments; each
   returns Δθ and writes the new moments. k holds the step's constants.     */
typedef struct {
    ld_float lr, wd;         /* η, this tensor's weight decay λ                */
    ld_float b1, b2, eps;    /* β1, β2 (RMSprop's α), ε                        */
    ld_float step_size;      /* AdamW: η / (1 − β1^t)                          */
    ld_float bc2s;           /* AdamW: √(1 − β2^t)                             */
    ld_float mom;            /* SGD momentum μ                                 */
    int first;               /* the first step (SGD's buffer starts at u)      */
} ld__upd;

/* torch.optim.AdamW: m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) g²;
   Δθ = −η λ θ − η/(1−β1^t) · m / (√v / √(1−β2^t) + ε)                       */
static inline ld_float ld__adamw(ld__upd k, ld_float g, ld_float th, ld_float m1, ld_float m2,
                                 ld_float *m1_new, ld_float *m2_new) {
    ld_float m = k.b1 * m1 + (1 - k.b1) * g;
    ld_float v = k.b2 * m2 + (1 - k.b2) * g * g;
    *m1_new = m; *m2_new = v;
    return -k.lr * k.wd * th - k.step_size * m / (LD__SQRT(v) / k.bc2s + k.eps);
}
/* torch.optim.SGD (dampening 0, not Nesterov): u = g + λ θ; with μ > 0 the
   buffer b ← u on the first step, μ b + u after (else b = u);  Δθ = −η b     */
static inline ld_float ld__sgd(ld__upd k, ld_float g, ld_float th, ld_float m1, ld_float *m1_new) {
    ld_float b = g + k.wd * th;
    if (k.mom > 0) b = k.first ? b : k.mom * m1 + b;
    *m1_new = b;
    return -k.lr * b;
}
/* torch.optim.RMSprop (not centred, no momentum): u = g + λ θ;
   v ← α v + (1−α) u²;  Δθ = −η u / (√v + ε)                               */
static inline ld_float ld__rmsprop(ld__upd k, ld_float g, ld_float th, ld_float m2, ld_float *m2_new) {
    ld_float u = g + k.wd * th;
    ld_float v = k.b2 * m2 + (1 - k.b2) * u * u;
    *m2_new = v;
    return -k.lr * u / (LD__SQRT(v) + k.eps);
}

/* The overflow check of a step. A step that would overflow θ or the
   moments is refused with everything as it was. Usually bounds settle it:
   max|g_i| ≤ ‖g‖, and bounds on max|θ|, max|m1|, max m2 carried from step to
   step bound every new value, far below overflow for any sane η. This
   works out the new bounds (*th_max, *m1_max, *m2_max) and returns 1 when
   they prove the step safe; 0 when they do not (the first step, θ changed
   outside the optimizer, an absurd η): then a checking pass of
   ld__optim_pass looks at every new value instead. g_max = ‖g‖ after
   clipping; bc1 = 1 − β1^t.                                               */
static int ld__optim_bounds(const ld_optim *o, const ld_model *m, double lr, double g_max, double bc1,
                            double *th_max, double *m1_max, double *m2_max) {
    const ld_optim_config *c = &o->cfg;
    const double big = LD__FLOAT_MAX, wd = c->weight_decay;
    double th = o->th_max, a = o->m1_max, v = o->m2_max;
    double u = g_max + wd * th;              /* max |g + λθ|                     */
    double inv_eps = 1 / fmin(c->eps, 1.0);  /* a/ε ≥ a: covers the intermediate */
    double th_new, a_new = a, v_new = v;
    switch (c->kind) {
    case LD_OPT_ADAMW:
        a_new = c->beta1 * a + (1 - c->beta1) * g_max;
        v_new = c->beta2 * v + (1 - c->beta2) * g_max * g_max;
        th_new = th + lr * wd * th + (lr / bc1) * a_new * inv_eps;
        break;
    case LD_OPT_SGD:
        if (c->momentum > 0) a_new = o->step == 0 ? u : c->momentum * a + u;
        th_new = th + lr * (c->momentum > 0 ? a_new : u);
        break;
    default: /* RMSprop */
        v_new = c->beta2 * v + (1 - c->beta2) * u * u;
        th_new = th + lr * u * inv_eps;
        break;
    }
    *th_max = th_new; *m1_max = a_new; *m2_max = v_new;
    /* the bounds must be current, and the step's constants finite in ld_float */
    return o->bounds_ok && o->bound_version == m->theta_version && th_new <= big / 4 && a_new <= big / 4 &&
           v_new <= big / 4 && u * u <= big / 4 && lr / bc1 <= big / 4 && lr * (1 + wd) <= big / 4;
}

/* One pass of a step over every tensor. check = 1: works the step out,
   writing nothing, and returns 1 if any new value overflows (|x| ≤ max
   rather than isfinite: it vectorises, and is false for NaN too); else 0,
   with the exact maxima of the new |θ|, |m1| and m2 in *th_max, *m1_max,
   *m2_max. check = 0: applies it — g ← the clipped g, the new moments,
   Δθ into o->delta, θ ← θ + Δθ.                                            */
static int ld__optim_pass(ld_optim *o, ld_model *m, ld__upd k, ld_float clip_scale, int check,
                          double *th_max, double *m1_max, double *m2_max) {
    const ld_optim_config *c = &o->cfg;
    const ld_float big = LD__FLOAT_MAX;
    const int clip = clip_scale < 1, sgd_buf = k.mom > 0;
    int bad = 0;
    ld_tensor_info tab[LD__NTENSORS];
    ld__tensors(&m->cfg, tab);
    for (int t = 0; t < LD__NTENSORS; t++) {
        ld_tensor_info ti = tab[t];
        k.wd = (ld_float)((ti.decay || c->decay_all) ? c->weight_decay : 0.0);
        ld_float *th = m->theta + ti.offset, *g = m->grad + ti.offset, *d = o->delta + ti.offset;
        ld_float *m1 = o->m1 + ti.offset, *m2 = o->m2 + ti.offset;
        long n = (long)ti.size;
        ld_float mT = 0, mA = 0, mV = 0;
#define LD__G(i) (clip ? g[i] * clip_scale : g[i])
#define LD__OK(x) (LD__FABS(x) <= big)
#define LD__MAXABS(mx, x) mx = LD__FABS(x) > mx ? LD__FABS(x) : mx
        switch (c->kind) {
        case LD_OPT_ADAMW:
            if (check) {
                LD__OMP_FOR_CHECK(n * 8, k, bad, mT, mA, mV)
                for (long i = 0; i < n; i++) {
                    ld_float a, v, th_i = th[i] + ld__adamw(k, LD__G(i), th[i], m1[i], m2[i], &a, &v);
                    bad |= !(LD__OK(a) & LD__OK(v) & LD__OK(th_i));
                    LD__MAXABS(mT, th_i); LD__MAXABS(mA, a); LD__MAXABS(mV, v);
                }
            } else {
                LD__OMP_FOR_WITH(n * 8, k)
                for (long i = 0; i < n; i++) {
                    ld_float gi = LD__G(i), a, v, di = ld__adamw(k, gi, th[i], m1[i], m2[i], &a, &v);
                    g[i] = gi; m1[i] = a; m2[i] = v; d[i] = di; th[i] += di;
                }
            }
            break;
        case LD_OPT_SGD:
            if (check) {
                LD__OMP_FOR_CHECK(n * 8, k, bad, mT, mA, mV)
                for (long i = 0; i < n; i++) {
                    ld_float a, th_i = th[i] + ld__sgd(k, LD__G(i), th[i], m1[i], &a);
                    bad |= !(LD__OK(a) & LD__OK(th_i));
                    LD__MAXABS(mT, th_i); LD__MAXABS(mA, a);
                }
            } else {
                LD__OMP_FOR_WITH(n * 8, k)
                for (long i = 0; i < n; i++) {
                    ld_float gi = LD__G(i), a, di = ld__sgd(k, gi, th[i], m1[i], &a);
                    g[i] = gi; if (sgd_buf) m1[i] = a; d[i] = di; th[i] += di;
                }
            }
            break;
        case LD_OPT_RMSPROP:
            if (check) {
                LD__OMP_FOR_CHECK(n * 8, k, bad, mT, mA, mV)
                for (long i = 0; i < n; i++) {
                    ld_float v, th_i = th[i] + ld__rmsprop(k, LD__G(i), th[i], m2[i], &v);
                    bad |= !(LD__OK(v) & LD__OK(th_i));
                    LD__MAXABS(mT, th_i); LD__MAXABS(mV, v);
                }
            } else {
                LD__OMP_FOR_WITH(n * 8, k)
                for (long i = 0; i < n; i++) {
                    ld_float gi = LD__G(i), v, di = ld__rmsprop(k, gi, th[i], m2[i], &v);
                    g[i] = gi; m2[i] = v; d[i] = di; th[i] += di;
                }
            }
            break;
        }
#undef LD__G
#undef LD__OK
#undef LD__MAXABS
        if (check) {   /* the maxima over every tensor */
            if ((double)mT > *th_max) *th_max = mT;
            if ((double)mA > *m1_max) *m1_max = mA;
            if ((double)mV > *m2_max) *m2_max = mV;
        }
    }
    return bad;
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
    ld__upd k;
    k.lr = (ld_float)lr; k.wd = 0;
    k.b1 = (ld_float)c->beta1; k.b2 = (ld_float)c->beta2; k.eps = (ld_float)c->eps;
    k.step_size = (ld_float)(lr / bc1); k.bc2s = (ld_float)sqrt(bc2);
    k.mom = (ld_float)c->momentum; k.first = step == 1;
    /* check, then apply */
    double th_max, m1_max, m2_max;
    if (!ld__optim_bounds(o, m, lr, norm * clip_scale, bc1, &th_max, &m1_max, &m2_max)) {
        th_max = m1_max = m2_max = 0;
        if (ld__optim_pass(o, m, k, (ld_float)clip_scale, 1, &th_max, &m1_max, &m2_max))
            return ld__fail(LD_ERR_NAN, "a step of learning rate %g would make θ or the optimizer's moments overflow; "
                                        "nothing was changed", lr);
        if (c->kind == LD_OPT_RMSPROP) m1_max = 0;   /* the kinds without that moment */
        if (c->kind == LD_OPT_SGD) m2_max = 0;
    }
    ld__optim_pass(o, m, k, (ld_float)clip_scale, 0, NULL, NULL, NULL);
    o->th_max = th_max; o->m1_max = m1_max; o->m2_max = m2_max;
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

/* After ld_forward and ld_jvp(Δθ): the first-order change of row b's
   log π(y|χ) along Δθ, Σ over its response positions m of
   (A_m Δz_m)[y_m] = Δz_m[y_m] − Σ_v π_m[v] Δz_m[v], Δz_m = J_m Δθ the
   tangent of the logits (m->t.logits, (cur_B, cur_T, V)). */
static double ld__response_slope(const ld_model *m, int b) {
    int V = m->cfg.vocab_size;
    double total = 0;
    for (int t = m->prompt_len[b] - 1; t < m->len[b] - 1; t++) {
        size_t row = ((size_t)b * m->cur_T + t) * V;
        const ld_float *dz = m->t.logits + row, *pi = m->a.probs + row;
        double mean = 0;
        for (int v = 0; v < V; v++) mean += (double)pi[v] * dz[v];
        total += dz[m->tokens[(size_t)b * m->cur_T + t + 1]] - mean;
    }
    return total;
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
    if (dlogp) {
        double *dz = (double *)LD_MALLOC(sizeof(double) * V);
        if (!dz) return ld__fail(LD_ERR_OOM, "prediction scratch");
        for (int t = 0; t < s->len - 1; t++) {
            const ld_float *tz = m->t.logits + (size_t)t * V;
            for (int v = 0; v < V; v++) dz[v] = tz[v];
            ld_dyn_A_apply(m->a.probs + (size_t)t * V, dz, dlogp + (size_t)t * V, V);   /* Δ log π_t = A_t Δz_t */
        }
        LD_FREE(dz);
    }
    if (dseq) *dseq = ld__response_slope(m, 0);
    return LD_OK;
}

LDDEF ld_status ld_dyn_measure(ld_model *m, const ld_seq *s, int n, const ld_float *dtheta, double *dseq) {
    if (!m || !m->theta || !s || !dtheta || !dseq || n < 1)
        return ld__fail(LD_ERR_ARG, "NULL argument, model not initialised, or n < 1");
    /* every sequence and Δθ checked before anything runs: dseq is written whole or not at all */
    int T;
    ld_status st = ld__check_seqs(m, s, n, 1, "sequence", &T);
    if (st) return st;
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

/* ---- hidden states, CHES, entanglement, the three terms ---- */

LDDEF ld_status ld_hidden_states(ld_model *m, const ld_seq *s, ld_float *h) {
    if (!h) return ld__fail(LD_ERR_ARG, "hidden-state buffer is NULL");
    int T;
    ld_status st = ld__check_seqs(m, s, 1, 0, "sequence", &T);
    if (st) return st;
    ld__forward_checked(m, s, 1, T);
    if ((st = ld__check_logp(m))) return st;
    /* one row: row stride cur_T = len, so the rows are contiguous */
    memcpy(h, m->a.lnf, sizeof(ld_float) * (size_t)s->len * m->cfg.n_embd);
    return LD_OK;
}

/* S = Σ_t h_t over the positions that predict the response tokens of the
   last forward's row 0, into S (C) in double. */
static void ld__hidden_sum(const ld_model *m, double *S) {
    int C = m->cfg.n_embd;
    for (int c = 0; c < C; c++) S[c] = 0;
    for (int t = m->prompt_len[0] - 1; t < m->len[0] - 1; t++) {
        const ld_float *h = m->a.lnf + (size_t)t * C;
        for (int c = 0; c < C; c++) S[c] += h[c];
    }
}

LDDEF ld_status ld_dyn_ches(ld_model *m, const ld_seq *chosen, const ld_seq *rejected, double *ches, double *ln_ches) {
    int T;
    ld_status st = ld__check_seqs(m, chosen, 1, 1, "chosen sequence", &T);
    if (!st) st = ld__check_seqs(m, rejected, 1, 1, "rejected sequence", &T);
    if (st) return st;
    int C = m->cfg.n_embd;
    double *S = (double *)LD_MALLOC(sizeof(double) * 2 * (size_t)C);
    if (!S) return ld__fail(LD_ERR_OOM, "two hidden-state sums of %d values", C);
    st = ld_forward(m, chosen, 1);
    if (!st) { ld__hidden_sum(m, S); st = ld_forward(m, rejected, 1); }
    if (!st) {
        ld__hidden_sum(m, S + C);
        double pm = 0, pp = 0, Lp = chosen->len - chosen->prompt_len, Lm = rejected->len - rejected->prompt_len;
        for (int c = 0; c < C; c++) { pm += S[c] * S[C + c]; pp += S[c] * S[c]; }
        if (ches) *ches = pm - pp;
        if (ln_ches) *ln_ches = pm / (Lp * Lm) - pp / (Lp * Lp);
    }
    LD_FREE(S);
    return st;
}

LDDEF ld_status ld_dyn_entanglement(ld_model *m, const ld_seq *chosen, const ld_seq *rejected, ld_dyn_entangle *out) {
    if (!out) return ld__fail(LD_ERR_ARG, "output is NULL");
    int T;
    ld_status st = ld__check_seqs(m, chosen, 1, 1, "chosen sequence", &T);
    if (!st) st = ld__check_seqs(m, rejected, 1, 1, "rejected sequence", &T);
    if (st) return st;
    if (!(m->flags & LD_TRAIN)) return ld__fail(LD_ERR_ARG, "gradient entanglement needs a model made with LD_TRAIN");
    size_t P = m->P;
    ld_float *g = (ld_float *)LD_MALLOC(sizeof(ld_float) * 2 * P);
    if (!g) return ld__fail(LD_ERR_OOM, "two gradients of %zu parameters", P);
    ld_dyn_entangle e;
    memset(&e, 0, sizeof e);
    st = ld_dyn_seq_grad(m, chosen, g, &e.logp_chosen);
    if (!st) st = ld_dyn_seq_grad(m, rejected, g + P, &e.logp_rejected);
    if (!st) {
        e.dot = ld__dot(g, g + P, NULL, P);
        e.norm_chosen = sqrt(ld__dot(g, g, NULL, P));
        e.norm_rejected = sqrt(ld__dot(g + P, g + P, NULL, P));
        e.ratio = e.dot / (e.norm_chosen * e.norm_chosen);
        e.cosine = e.dot / (e.norm_chosen * e.norm_rejected);
        *out = e;
    }
    LD_FREE(g);
    return st;
}

/* The common part of ld_dyn_terms_*: m holds the forward of the update's
   n_rows rows (rows 0..n_chosen−1 chosen, the rest rejected) with G in
   m->d.logits. ∇θL by one backward, then the forward and JVP of χ_o. */
static ld_status ld__dyn_terms_run(ld_model *m, const ld_seq *o, double eta, int n_chosen, double loss,
                                   ld_dyn_terms *out, double *KG) {
    int V = m->cfg.vocab_size, Tu = m->cur_T;
    ld_dyn_terms r;
    memset(&r, 0, sizeof r);
    r.loss = loss;
    double gg[2] = { 0, 0 };
    for (int b = 0; b < m->cur_B; b++)
        for (int t = m->prompt_len[b] - 1; t < m->len[b] - 1; t++) {
            const ld_float *G = m->d.logits + ((size_t)b * Tu + t) * V;
            double s = 0;
            for (int v = 0; v < V; v++) s += (double)G[v] * G[v];
            gg[b >= n_chosen] += s;
            r.n_update++;
        }
    r.G_norm = sqrt(gg[0] + gg[1]);
    r.G_norm_chosen = sqrt(gg[0]);
    r.G_norm_rejected = sqrt(gg[1]);
    ld_float *g = (ld_float *)LD_MALLOC(sizeof(ld_float) * m->P);
    double *dz = (double *)LD_MALLOC(sizeof(double) * 2 * (size_t)V);
    if (!g || !dz) { LD_FREE(g); LD_FREE(dz); return ld__fail(LD_ERR_OOM, "a gradient of %zu parameters", m->P); }
    memset(g, 0, sizeof(ld_float) * m->P);
    ld_status st = ld_backward_into(m, g);
    if (!st) st = ld_forward(m, o, 1);
    if (!st) st = ld_jvp(m, g);   /* m->t.logits = J(χ_o) ∇θL = K G */
    if (!st) {
        double a2 = 0, kg2 = 0, pred = 0;
        for (int t = 0; t < o->len - 1; t++) {
            const ld_float *tz = m->t.logits + (size_t)t * V, *pi = m->a.probs + (size_t)t * V;
            for (int v = 0; v < V; v++) dz[v] = tz[v];
            if (KG) memcpy(KG + (size_t)t * V, dz, sizeof(double) * V);
            if (t < o->prompt_len - 1) continue;
            double s = 0;
            for (int v = 0; v < V; v++) s += dz[v] * dz[v];
            kg2 += s;
            a2 += ld_dyn_A_frob2(pi, V);
            ld_dyn_A_apply(pi, dz, dz + V, V);   /* A_t (KG)_t */
            pred += dz[V + o->tokens[t + 1]];
            r.M++;
        }
        r.A_frob = sqrt(a2);
        r.KG_norm = sqrt(kg2);
        r.gain = r.G_norm > 0 ? r.KG_norm / r.G_norm : 0;
        r.pred = -eta * pred;
        *out = r;
    }
    LD_FREE(g); LD_FREE(dz);
    return st;
}

static ld_status ld__dyn_terms_check(ld_model *m, const ld_seq *o, double eta, ld_dyn_terms *out) {
    if (!out) return ld__fail(LD_ERR_ARG, "output is NULL");
    int T;
    ld_status st = ld__check_seqs(m, o, 1, 1, "observed sequence", &T);
    if (st) return st;
    if ((m->flags & (LD_TRAIN | LD_JVP)) != (LD_TRAIN | LD_JVP))
        return ld__fail(LD_ERR_ARG, "the three terms need a model made with LD_TRAIN | LD_JVP");
    if (!isfinite(eta)) return ld__fail(LD_ERR_NAN, "η is %g", eta);
    return LD_OK;
}

LDDEF ld_status ld_dyn_terms_sft(ld_model *m, const ld_seq *o, const ld_seq *u, int n_u, ld_norm norm,
                                 double eta, ld_dyn_terms *out, double *KG) {
    ld_status st = ld__dyn_terms_check(m, o, eta, out);
    if (st) return st;
    if (n_u < 1 || n_u > m->B) return ld__fail(LD_ERR_ARG, "update batch of %d sequences; this model holds 1..%d", n_u, m->B);
    if (norm != LD_NORM_SEQ_SUM && norm != LD_NORM_TOKEN_MEAN) return ld__fail(LD_ERR_ARG, "unknown normalisation %d", (int)norm);
    int T;
    if ((st = ld__check_seqs(m, u, n_u, 1, "update sequence", &T))) return st;
    if ((st = ld_forward(m, u, n_u))) return st;
    double loss = ld_sft_loss(m, norm);
    if (!isfinite(loss)) return ld__fail(LD_ERR_NAN, "the SFT loss of the update is %g", loss);
    return ld__dyn_terms_run(m, o, eta, n_u, loss, out, KG);
}

LDDEF ld_status ld_dyn_terms_pair(ld_model *m, ld_model *ref, const ld_seq *o, const ld_seq *chosen,
                                  const ld_seq *rejected, const ld_pref_opts *po, double eta,
                                  ld_dyn_terms *out, double *KG) {
    ld_status st = ld__dyn_terms_check(m, o, eta, out);
    if (st) return st;
    if (m->B < 2) return ld__fail(LD_ERR_ARG, "a pair step needs a model with room for 2 rows (it has %d)", m->B);
    int T;
    if ((st = ld__check_seqs(m, chosen, 1, 1, "chosen sequence", &T))) return st;
    if ((st = ld__check_seqs(m, rejected, 1, 1, "rejected sequence", &T))) return st;
    ld_pref_opts opt = ld_pref_opts_resolve(po);
    int need_ref = ld_pref_opts_needs_ref(&opt);
    ld_seq two[2] = { *chosen, *rejected };
    double ref_logp[2] = { 0, 0 };
    if (need_ref) {
        ld_model *r = ref ? ref : m;
        if (ref && (!ref->theta || ref->B < 2 || ref->cfg.vocab_size != m->cfg.vocab_size))
            return ld__fail(LD_ERR_ARG, "the reference model is not initialised, has room for fewer than 2 rows, "
                                        "or another vocabulary");
        if ((st = ld_forward(r, two, 2))) return st;
        if ((st = ld_pref_ref_logps(r, &opt, ref_logp))) return st;
    }
    if ((st = ld_forward(m, two, 2))) return st;
    ld_pref_metrics mt;
    if ((st = ld_pref_loss(m, &opt, need_ref ? ref_logp : NULL, &mt, NULL))) return st;
    return ld__dyn_terms_run(m, o, eta, 1, mt.loss, out, KG);
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

/* ------------------------------------------------------------- >>tokenizer */

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

LDDEF int ld_token_string(const ld_config *cfg, int id, char *out, int cap) {
    ld_config c = ld_config_resolve(cfg);
    char b[32];
    int bad = id < 0 || id >= c.vocab_size;
    if (bad) snprintf(b, sizeof b, "<|bad id %d|>", id);
    else if (id >= 256 && (id == c.eos_token || id == c.bos_token)) snprintf(b, sizeof b, "<|endoftext|>");
    else if (id >= 256) snprintf(b, sizeof b, "<|%d|>", id);
    else if (id == '\n') snprintf(b, sizeof b, "\\n");
    else if (id == '\t') snprintf(b, sizeof b, "\\t");
    else if (id == '\r') snprintf(b, sizeof b, "\\r");
    else if (id == '\\') snprintf(b, sizeof b, "\\\\");
    else if (id >= 32 && id < 127) { b[0] = (char)id; b[1] = 0; }
    else snprintf(b, sizeof b, "\\x%02x", id);
    int n = (int)strlen(b);
    if (out && cap > 0) {
        int k = LD__MIN(n, cap - 1);
        memcpy(out, b, (size_t)k);
        out[k] = 0;
    }
    return bad ? -1 : n;
}

/* ---- Unicode (the tables and their lookups are in >>unicode, at the end) */

enum { LD__U_L = 1, LD__U_N = 2, LD__U_S = 4, LD__U_W = 8, LD__U_Q = 16 };
static unsigned ld__uflag(uint32_t cp);                 /* LD__U_* of a code point  */
static int ld__uccc(uint32_t cp);                       /* canonical combining class */
static int ld__udecompose(uint32_t cp, uint32_t *out);  /* full canonical decomposition (≤ 4) */
static uint32_t ld__ucompose(uint32_t a, uint32_t b);   /* primary composite of a pair, or 0 */

/* One UTF-8 character of valid text: its code point, and its length. */
static int ld__u8dec(const unsigned char *s, uint32_t *cp) {
    unsigned c = s[0];
    if (c < 0x80) { *cp = c; return 1; }
    if (c < 0xE0) { *cp = ((c & 0x1Fu) << 6) | (s[1] & 0x3Fu); return 2; }
    if (c < 0xF0) { *cp = ((c & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu); return 3; }
    *cp = ((c & 0x07u) << 18) | ((s[1] & 0x3Fu) << 12) | ((s[2] & 0x3Fu) << 6) | (s[3] & 0x3Fu);
    return 4;
}

static int ld__u8enc(uint32_t cp, unsigned char *o) {
    if (cp < 0x80) { o[0] = (unsigned char)cp; return 1; }
    if (cp < 0x800) { o[0] = (unsigned char)(0xC0 | (cp >> 6)); o[1] = (unsigned char)(0x80 | (cp & 0x3F)); return 2; }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12)); o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F)); return 3;
    }
    o[0] = (unsigned char)(0xF0 | (cp >> 18)); o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F)); o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/* The flags of the character at s (valid UTF-8), and its length in *k. */
static unsigned ld__uflag_at(const unsigned char *s, int *k) {
    uint32_t cp;
    *k = ld__u8dec(s, &cp);
    return ld__uflag(cp);
}

/* GPT-2's byte ↔ character map (bytes_to_unicode). The 188 printable bytes
   ('!'..'~', '¡'..'¬', '®'..'ÿ') stand for themselves; the other 68 (the
   controls, space, DEL, no-break space, soft hyphen) become U+0100, U+0101,
   ... in byte order: space is 'Ġ' (U+0120), '\n' is 'Ċ' (U+010A). A
   byte-level vocabulary is written in these characters.                    */
static int ld__byte_printable(int b) { return (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174; }
static uint32_t ld__byte_char(int b) {
    if (ld__byte_printable(b)) return (uint32_t)b;
    int n = 0;
    for (int x = 0; x < b; x++) n += !ld__byte_printable(x);
    return 256u + (uint32_t)n;
}

/* ---- growable buffers of one call ---- */

typedef struct { unsigned char *p; size_t n, cap; } ld__buf;
static int ld__buf_put(ld__buf *b, const void *src, size_t n) {
    if (ld__grow((void **)&b->p, &b->cap, b->n + n + 1, 1)) return -1;
    memcpy(b->p + b->n, src, n);
    b->n += n;
    return 0;
}

/* ---- hash maps ---- */

/* Strings → ids, open addressing: slot = id, the key being the id's string in
   keys[]. Used for the vocabulary (each id at most once).                   */
typedef struct {
    int32_t *slot;          /* (mask + 1) ids, −1 empty */
    uint32_t mask;
} ld__smap;

static uint64_t ld__hash(const unsigned char *s, size_t n) {
    uint64_t h = 0x9E3779B97F4A7C15ull ^ n;      /* FNV-1a, then a final mix */
    for (size_t i = 0; i < n; i++) h = (h ^ s[i]) * 0x100000001B3ull;
    h ^= h >> 29; h *= 0xBF58476D1CE4E5B9ull; h ^= h >> 32;
    return h;
}

/* A merge: the pair (a, b) of ids becomes id `id`, with priority `rank`. */
typedef struct { uint64_t key; uint32_t rank; int32_t id; } ld__merge;
#define LD__NO_PAIR UINT64_MAX
static uint64_t ld__pair(int a, int b) { return ((uint64_t)(uint32_t)a << 32) | (uint32_t)b; }
static uint32_t ld__pair_slot(uint64_t key, uint32_t mask) {
    return (uint32_t)((key * 0x9E3779B97F4A7C15ull) >> 32) & mask;
}

/* ---- the tokenizer ---- */

/* Pre-tokenizer steps; ByteLevel is always the last. */
typedef enum {
    LD__PT_GPT2 = 1,    /* Split, GPT-2's pattern                 */
    LD__PT_LLAMA3,      /* Split, Llama-3's pattern (\p{N}{1,3})  */
    LD__PT_QWEN2,       /* Split, Qwen2's pattern (\p{N})         */
    LD__PT_DIGITS,      /* Digits, runs of numbers                */
    LD__PT_DIGITS_EACH, /* Digits, individual_digits              */
    LD__PT_BYTELEVEL    /* ByteLevel                              */
} ld__pt_kind;
#define LD__MAX_STEPS 8
#define LD__MAX_ADDED_BYTES 4096

/* An added token. */
typedef struct {
    int id;
    unsigned special : 1, normalized : 1, lstrip : 1, rstrip : 1, single_word : 1;
    uint32_t off, len;   /* content, in ld_tokenizer.added_text */
} ld__added;

/* A trie of added tokens' patterns (their contents, or the NFC of them).
   Node 0 is the root; every other node k is reached by one edge, labelled
   byte[k], from its parent, whose children are first[parent], sibling[...]. */
typedef struct {
    int n_nodes;
    int32_t *first;        /* (n_nodes) first child, 0: none                */
    int32_t *sibling;      /* (n_nodes) next child of the same parent, 0: none */
    unsigned char *byte;   /* (n_nodes)                                      */
    int32_t *term;         /* (n_nodes) index into ld_tokenizer.added, or −1 */
} ld__trie;

struct ld_tokenizer {
    int V;                     /* ids in [0, V)                                      */
    /* per id (V): what decode writes */
    uint32_t *tok_off;         /* (V) into tok_bytes                                  */
    int32_t *tok_len;          /* (V) −1: no token has this id                        */
    unsigned char *tok_flags;  /* (V) 1: special added token; 2: added token          */
    char *tok_bytes;
    /* the vocabulary as the file writes it (byte-level characters) */
    int n_vocab;               /* entries                                             */
    int n_keys;                /* one more than the largest vocabulary id             */
    uint32_t *key_off;         /* (n_keys) into keys; key_len −1 where no entry has the id */
    int32_t *key_len;
    char *keys;
    ld__smap vocab;
    /* BPE */
    ld__merge *merges;         /* (merge_mask + 1) slots, key LD__NO_PAIR if empty    */
    uint32_t merge_mask;
    int n_merges;
    int byte_id[256];          /* the one-byte token of each byte, or −1              */
    int fb_n[256];             /* byte_fallback: how many <0xXX> tokens stand for a
                                  byte whose symbol is missing (0: none can)          */
    int fb_id[256][2];
    int unk_id;                /* −1: none                                            */
    int fuse_unk, ignore_merges;
    uint32_t byte_char[256];   /* GPT-2's byte → character map                        */
    /* normalizer */
    int nfc;
    /* pre-tokenizer */
    int n_steps;
    ld__pt_kind step[LD__MAX_STEPS];
    int add_prefix_space, use_regex;   /* of the final ByteLevel                      */
    /* added tokens */
    int n_added;
    ld__added *added;
    char *added_text;
    ld__trie trie_raw, trie_norm;      /* not normalized / normalized ones            */
    /* the text it was read from (ld_tokenizer_save): a tokenizer.json in src[0],
       or GPT-2's pair, vocab.json in src[0] and merges.txt in src[1]         */
    char *src[2];
    size_t src_n[2];
};

static void ld__trie_free(ld__trie *t) {
    LD_FREE(t->first); LD_FREE(t->sibling); LD_FREE(t->byte); LD_FREE(t->term);
    memset(t, 0, sizeof *t);
}

LDDEF void ld_tokenizer_free(ld_tokenizer *t) {
    if (!t) return;
    LD_FREE(t->tok_off); LD_FREE(t->tok_len); LD_FREE(t->tok_flags); LD_FREE(t->tok_bytes);
    LD_FREE(t->key_off); LD_FREE(t->key_len); LD_FREE(t->keys); LD_FREE(t->vocab.slot);
    LD_FREE(t->merges); LD_FREE(t->added); LD_FREE(t->added_text);
    ld__trie_free(&t->trie_raw); ld__trie_free(&t->trie_norm);
    LD_FREE(t->src[0]); LD_FREE(t->src[1]);
    LD_FREE(t);
}

/* The id of a vocabulary key (a byte-level string), or −1. */
static int ld__vocab_get(const ld_tokenizer *t, const char *s, size_t n) {
    if (!t->vocab.slot) return -1;
    uint32_t h = (uint32_t)ld__hash((const unsigned char *)s, n) & t->vocab.mask;
    for (;; h = (h + 1) & t->vocab.mask) {
        int id = t->vocab.slot[h];
        if (id < 0) return -1;
        if ((size_t)t->key_len[id] == n && !memcmp(t->keys + t->key_off[id], s, n)) return id;
    }
}

/* The merge of the pair (a, b), or NULL. */
static const ld__merge *ld__merge_get(const ld_tokenizer *t, int a, int b) {
    uint64_t key = ld__pair(a, b);
    for (uint32_t h = ld__pair_slot(key, t->merge_mask);; h = (h + 1) & t->merge_mask) {
        const ld__merge *m = &t->merges[h];
        if (m->key == key) return m;
        if (m->key == LD__NO_PAIR) return NULL;
    }
}

/* ---- NFC (Unicode normalization form C; tables from Unicode 9.0, as the
   reference library's; see >>unicode) ------------------------------------

   NFC(s) decomposes every character canonically (é → e + ◌́, Hangul 각 →
   ᄀ + ᅡ + ᆨ), sorts each run of combining marks by combining class
   (stably), and composes again: each mark joins the last starter before it
   when the pair has a primary composite and no mark in between has a class
   ≥ its own. A character without the Q flag (see >>unicode) is left as it
   is and nothing before it can change, so only the stretches from the
   character before a Q character to the next non-Q one are worked on.   */

/* Code points and their classes, with room for a second copy of each (the
   sort of a long run of marks uses it). */
typedef struct { uint32_t *cp; int *cc; size_t n, cap; } ld__cps;
static int ld__cps_reserve(ld__cps *c, size_t need) {
    if (2 * need <= c->cap) return 0;
    size_t cap = c->cap;
    if (ld__grow((void **)&c->cp, &cap, 2 * need, sizeof(uint32_t))) return -1;
    size_t cap2 = c->cap;
    if (ld__grow((void **)&c->cc, &cap2, cap, sizeof(int))) return -1;
    c->cap = cap;
    return 0;
}

/* Normalizes c[0..n) (decomposed, with classes cc) in place: canonical
   order, then composition. Returns the new count. */
static size_t ld__nfc_compose(uint32_t *c, int *cc, size_t n) {
    /* canonical order: a stable sort of each run of non-zero classes */
    for (size_t i = 0; i < n;) {
        if (!cc[i]) { i++; continue; }
        size_t j = i;
        while (j < n && cc[j]) j++;
        if (j - i > 1 && j - i <= 32) {        /* insertion sort */
            for (size_t a = i + 1; a < j; a++)
                for (size_t b = a; b > i && cc[b - 1] > cc[b]; b--) {
                    uint32_t tc = c[b]; c[b] = c[b - 1]; c[b - 1] = tc;
                    int tk = cc[b]; cc[b] = cc[b - 1]; cc[b - 1] = tk;
                }
        } else if (j - i > 32) {               /* a long run: one stable pass per class */
            uint32_t *tc = c + n;              /* the second half of the buffers */
            int *tk = cc + n;
            size_t w = 0;
            for (int k = 1; k < 256; k++)
                for (size_t a = i; a < j; a++)
                    if (cc[a] == k) { tc[w] = c[a]; tk[w] = k; w++; }
            memcpy(c + i, tc, w * sizeof *c);
            memcpy(cc + i, tk, w * sizeof *cc);
        }
        i = j;
    }
    /* composition: a character joins the last starter when they have a
       composite and nothing between them blocks (a class 0 or ≥ its own) */
    size_t w = 0;
    long starter = -1;
    int last = 0;
    for (size_t r = 0; r < n; r++) {
        uint32_t ch = c[r];
        int k = cc[r];
        if (starter >= 0 && ((long)w - 1 == starter || last < k)) {
            uint32_t comp = ld__ucompose(c[starter], ch);
            if (comp) { c[starter] = comp; continue; }
        }
        if (!k) starter = (long)w;
        last = k;
        c[w] = ch;
        cc[w] = k;
        w++;
    }
    return w;
}

/* NFC of s[0..n) (valid UTF-8) into out (replacing its contents). */
static int ld__nfc(ld__buf *out, ld__cps *cps, const unsigned char *s, size_t n) {
    out->n = 0;
    size_t prev_in = 0, prev_out = 0;  /* where the previous character began, if left as is */
    int have_prev = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        int k = ld__u8dec(s + i, &cp);
        if (!(ld__uflag(cp) & LD__U_Q)) {
            prev_in = i; prev_out = out->n; have_prev = 1;
            if (ld__buf_put(out, s + i, (size_t)k)) return -1;
            i += (size_t)k;
            continue;
        }
        /* from the character before (it may compose with what follows) to the
           next character NFC leaves alone */
        size_t a = have_prev ? prev_in : i, e = i + (size_t)k;
        if (have_prev) out->n = prev_out;
        while (e < n) {
            uint32_t q;
            int kk = ld__u8dec(s + e, &q);
            if (!(ld__uflag(q) & LD__U_Q)) break;
            e += (size_t)kk;
        }
        cps->n = 0;
        for (size_t p = a; p < e;) {
            uint32_t q, d[4];
            p += (size_t)ld__u8dec(s + p, &q);
            int nd = ld__udecompose(q, d);
            if (ld__cps_reserve(cps, cps->n + 4)) return -1;
            for (int m = 0; m < nd; m++) { cps->cp[cps->n] = d[m]; cps->cc[cps->n++] = ld__uccc(d[m]); }
        }
        size_t m = ld__nfc_compose(cps->cp, cps->cc, cps->n);
        for (size_t q = 0; q < m; q++) {
            unsigned char u[4];
            if (ld__buf_put(out, u, (size_t)ld__u8enc(cps->cp[q], u))) return -1;
        }
        have_prev = 0;
        i = e;
    }
    return 0;
}

/* ---- the pre-tokenizer patterns, written out by hand ----------------------

   Each function returns the end of the pattern's match that starts at byte
   i of s[0..n) (valid UTF-8), or i if none does. A regex engine tries the
   alternatives in order and takes the first that matches; so do these.
   Classes: L = \p{L} letters, N = \p{N} numbers, S = \s (White_Space), and
   O = [^\s\p{L}\p{N}] everything else.                                     */

/* The end of the run of characters with flag f that starts at i, at most max
   characters (max < 0: no limit). */
static size_t ld__run(const unsigned char *s, size_t n, size_t i, unsigned f, int max) {
    int k;
    while (i < n && max != 0) {
        if (s[i] < 0x80) {               /* ASCII, without decoding */
            if (!(ld__uflag(s[i]) & f)) break;
            i++;
        } else {
            if (!(ld__uflag_at(s + i, &k) & f)) break;
            i += (size_t)k;
        }
        if (max > 0) max--;
    }
    return i;
}
static size_t ld__run_other(const unsigned char *s, size_t n, size_t i) {
    int k;
    while (i < n && !(ld__uflag_at(s + i, &k) & (LD__U_L | LD__U_N | LD__U_S))) i += (size_t)k;
    return i;
}

/* \s+(?!\S)|\s+ at a whitespace character: the whole run if it ends the text;
   else the run without its last character, which is left to begin the next
   piece (" world" keeps its space); a run of one is taken whole. */
static size_t ld__space_run(const unsigned char *s, size_t n, size_t i) {
    size_t e = i, last = i;
    int k;
    while (e < n && (ld__uflag_at(s + e, &k) & LD__U_S)) { last = e; e += (size_t)k; }
    if (e == n || last == i) return e;
    return last;
}

/* GPT-2 (and ByteLevel's use_regex):
     's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
   "'s" and kin (lower case only); else an optional space and a run of
   letters, of numbers or of other characters; else whitespace.            */
static size_t ld__pat_gpt2(const unsigned char *s, size_t n, size_t i) {
    if (s[i] == '\'' && i + 1 < n) {
        unsigned char c = s[i + 1];
        if (c == 's' || c == 't' || c == 'm' || c == 'd') return i + 2;
        if (i + 2 < n && ((c == 'r' && s[i + 2] == 'e') || (c == 'v' && s[i + 2] == 'e') || (c == 'l' && s[i + 2] == 'l')))
            return i + 3;
    }
    size_t j = s[i] == ' ' && i + 1 < n ? i + 1 : i;
    int k;
    unsigned f = ld__uflag_at(s + j, &k);
    if (f & LD__U_L) return ld__run(s, n, j, LD__U_L, -1);
    if (f & LD__U_N) return ld__run(s, n, j, LD__U_N, -1);
    if (!(f & LD__U_S)) return ld__run_other(s, n, j);
    return ld__space_run(s, n, i);   /* s[i] is whitespace (j may be past a space) */
}

/* (?i:'s|'t|'re|'ve|'m|'ll|'d), as Oniguruma folds case: 's' matches 's',
   'S' and 'ſ' (U+017F, whose case fold is s). Returns the end, or i. */
static int ld__lower(unsigned char c) { return c >= 'A' && c <= 'Z' ? c | 0x20 : c; }
static size_t ld__contraction_i(const unsigned char *s, size_t n, size_t i) {
    if (s[i] != '\'' || i + 1 >= n) return i;
    if (i + 2 < n && s[i + 1] == 0xC5 && s[i + 2] == 0xBF) return i + 3;   /* 'ſ */
    int c = ld__lower(s[i + 1]);
    if (c == 's' || c == 't' || c == 'm' || c == 'd') return i + 2;
    if (i + 2 < n) {
        int d = ld__lower(s[i + 2]);
        if ((c == 'r' && d == 'e') || (c == 'v' && d == 'e') || (c == 'l' && d == 'l')) return i + 3;
    }
    return i;
}

/* Llama-3 (max_digits 3) and Qwen2 (max_digits 1):
     (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}
     | ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
   A contraction in any case; else a run of letters, with the one character
   before it when that is neither a newline nor a letter or number (" the",
   "(the", "\tthe"); else 1 to max_digits numbers; else an optional space, a
   run of other characters and the newlines after it; else whitespace up to
   and with its last newline; else whitespace as GPT-2's pattern takes it. */
static size_t ld__pat_llama3(const unsigned char *s, size_t n, size_t i, int max_digits) {
    size_t e = ld__contraction_i(s, n, i);
    if (e > i) return e;
    int k, k2;
    unsigned f = ld__uflag_at(s + i, &k);
    if (f & LD__U_L) return ld__run(s, n, i, LD__U_L, -1);
    if (!(f & LD__U_N) && s[i] != '\r' && s[i] != '\n' && i + (size_t)k < n &&
        (ld__uflag_at(s + i + k, &k2) & LD__U_L))
        return ld__run(s, n, i + (size_t)k, LD__U_L, -1);
    if (f & LD__U_N) return ld__run(s, n, i, LD__U_N, max_digits);
    size_t j = s[i] == ' ' && i + 1 < n ? i + 1 : i;
    unsigned g = j == i ? f : ld__uflag_at(s + j, &k2);
    if (!(g & (LD__U_L | LD__U_N | LD__U_S))) {
        e = ld__run_other(s, n, j);
        while (e < n && (s[e] == '\r' || s[e] == '\n')) e++;
        return e;
    }
    /* s[i] is whitespace */
    size_t last_nl = 0, p = i;
    int any_nl = 0;
    while (p < n && (ld__uflag_at(s + p, &k2) & LD__U_S)) {
        if (s[p] == '\r' || s[p] == '\n') { last_nl = p; any_nl = 1; }
        p += (size_t)k2;
    }
    if (any_nl) return last_nl + 1;
    return ld__space_run(s, n, i);
}

static size_t ld__pat(ld__pt_kind kind, const unsigned char *s, size_t n, size_t i) {
    switch (kind) {
    case LD__PT_GPT2: return ld__pat_gpt2(s, n, i);
    case LD__PT_LLAMA3: return ld__pat_llama3(s, n, i, 3);
    case LD__PT_QWEN2: return ld__pat_llama3(s, n, i, 1);
    default: return i;
    }
}

/* ---- encoding ---- */

/* A candidate merge of the long-word BPE: the pair at pos, of rank rank, into id. */
typedef struct { uint32_t rank; int pos, id; } ld__hent;

/* A word of the encode call's cache: its hash, bytes and ids. */
typedef struct { uint64_t h; uint32_t key, len, ids, n; } ld__word;

/* The state of one encode call (the tokenizer itself is read-only). */
typedef struct {
    const ld_tokenizer *t;
    int flags;
    int *ids; size_t n, cap;    /* the output                                  */
    ld__buf norm;               /* a piece after normalization                 */
    ld__buf pre;                /* a piece with ByteLevel's prefix space       */
    ld__buf bl;                 /* a piece in byte-level characters            */
    ld__cps cps;                /* NFC's code points                           */
    int *sym; uint32_t *rank; int *nid; int *prev, *next;   /* BPE (sym_cap)   */
    size_t sym_cap;
    ld__hent *heap; size_t heap_n, heap_cap;            /* ld__bpe_long         */
    /* words seen in this call and their ids (texts of LD__CACHE_MIN bytes or
       more): slot = hash of the word, direct-mapped */
    ld__word *cache; size_t cache_mask;
    ld__buf cache_keys;
    int *cache_ids; size_t cache_n, cache_cap;
} ld__enc;

static void ld__enc_free(ld__enc *e) {
    LD_FREE(e->ids); LD_FREE(e->norm.p); LD_FREE(e->pre.p); LD_FREE(e->bl.p);
    LD_FREE(e->cps.cp); LD_FREE(e->cps.cc);
    LD_FREE(e->sym); LD_FREE(e->rank); LD_FREE(e->nid); LD_FREE(e->prev); LD_FREE(e->next);
    LD_FREE(e->heap); LD_FREE(e->cache); LD_FREE(e->cache_keys.p); LD_FREE(e->cache_ids);
}

static int ld__emit(ld__enc *e, int id) {
    if (ld__grow((void **)&e->ids, &e->cap, e->n + 1, sizeof(int))) return -1;
    e->ids[e->n++] = id;
    return 0;
}

static int ld__sym_reserve(ld__enc *e, size_t need) {
    if (need <= e->sym_cap) return 0;
    size_t c[5];
    for (int k = 0; k < 5; k++) c[k] = e->sym_cap;
    if (ld__grow((void **)&e->sym, &c[0], need, sizeof(int)) || ld__grow((void **)&e->rank, &c[1], need, sizeof(uint32_t)) ||
        ld__grow((void **)&e->nid, &c[2], need, sizeof(int)) || ld__grow((void **)&e->prev, &c[3], need, sizeof(int)) ||
        ld__grow((void **)&e->next, &c[4], need, sizeof(int)))
        return -1;
    e->sym_cap = c[0];
    return 0;
}

/* The BPE rule: while two neighbouring symbols have a merge, merge the pair
   with the lowest rank (the leftmost of equal ranks) into its token.

   Short words: the symbols form a list (next[]); rank[i] and nid[i] hold
   the merge of symbol i with the one after it. Each round scans the list
   for the lowest rank, merges, and looks up only the two pairs that
   changed. O(m²) comparisons, O(m) look-ups. Returns the symbols, in order,
   compacted into sym[0..return).                                         */
static int ld__bpe_short(const ld_tokenizer *t, int *sym, uint32_t *rank, int *nid, int *next, int m) {
    for (int i = 0; i < m; i++) {
        next[i] = i + 1 < m ? i + 1 : -1;
        const ld__merge *g = i + 1 < m ? ld__merge_get(t, sym[i], sym[i + 1]) : NULL;
        rank[i] = g ? g->rank : UINT32_MAX;
        nid[i] = g ? g->id : -1;
    }
    for (;;) {
        int best = -1, before = -1;
        uint32_t br = UINT32_MAX;
        for (int i = 0, p = -1; i >= 0; p = i, i = next[i])
            if (rank[i] < br) { br = rank[i]; best = i; before = p; }
        if (best < 0) break;
        int j = next[best];                  /* merged into best */
        sym[best] = nid[best];
        next[best] = next[j];
        int q = next[best];
        const ld__merge *g = q >= 0 ? ld__merge_get(t, sym[best], sym[q]) : NULL;
        rank[best] = g ? g->rank : UINT32_MAX;
        nid[best] = g ? g->id : -1;
        if (before >= 0) {
            g = ld__merge_get(t, sym[before], sym[best]);
            rank[before] = g ? g->rank : UINT32_MAX;
            nid[before] = g ? g->id : -1;
        }
    }
    int w = 0;
    for (int i = 0; i >= 0; i = next[i]) sym[w++] = sym[i];
    return w;
}

/* Long words: the same rule with a heap of candidate merges (rank, then
   position) over a linked list of symbols, as the reference library runs
   it; a popped candidate whose pair has changed since is skipped.           */
static int ld__heap_less(const ld__hent *a, const ld__hent *b) {
    return a->rank != b->rank ? a->rank < b->rank : a->pos < b->pos;
}
static int ld__heap_push(ld__enc *e, uint32_t rank, int pos, int id) {
    if (ld__grow((void **)&e->heap, &e->heap_cap, e->heap_n + 1, sizeof *e->heap)) return -1;
    size_t i = e->heap_n++;
    ld__hent x;
    x.rank = rank; x.pos = pos; x.id = id;
    while (i > 0 && ld__heap_less(&x, &e->heap[(i - 1) / 2])) { e->heap[i] = e->heap[(i - 1) / 2]; i = (i - 1) / 2; }
    e->heap[i] = x;
    return 0;
}
static ld__hent ld__heap_pop(ld__enc *e) {
    ld__hent top = e->heap[0], x = e->heap[--e->heap_n];
    size_t i = 0, n = e->heap_n;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && ld__heap_less(&e->heap[c + 1], &e->heap[c])) c++;
        if (!ld__heap_less(&e->heap[c], &x)) break;
        e->heap[i] = e->heap[c];
        i = c;
    }
    if (n) e->heap[i] = x;
    return top;
}
static int ld__bpe_long(ld__enc *e, int m) {
    const ld_tokenizer *t = e->t;
    int *sym = e->sym, *prev = e->prev, *next = e->next;
    e->heap_n = 0;
    for (int i = 0; i < m; i++) { prev[i] = i - 1; next[i] = i + 1 < m ? i + 1 : -1; }
    for (int i = 0; i + 1 < m; i++) {
        const ld__merge *g = ld__merge_get(t, sym[i], sym[i + 1]);
        if (g && ld__heap_push(e, g->rank, i, g->id)) return -1;
    }
    while (e->heap_n) {
        ld__hent h = ld__heap_pop(e);
        int p = h.pos, q = next[p];
        if (sym[p] < 0 || q < 0) continue;             /* merged away, or last */
        const ld__merge *g = ld__merge_get(t, sym[p], sym[q]);
        if (!g || g->id != h.id) continue;             /* the pair has changed */
        sym[p] = h.id;
        sym[q] = -1;
        next[p] = next[q];
        if (next[q] >= 0) prev[next[q]] = p;
        if (prev[p] >= 0 && (g = ld__merge_get(t, sym[prev[p]], sym[p])) && ld__heap_push(e, g->rank, prev[p], g->id)) return -1;
        if (next[p] >= 0 && (g = ld__merge_get(t, sym[p], sym[next[p]])) && ld__heap_push(e, g->rank, p, g->id)) return -1;
    }
    int w = 0;
    for (int i = 0; i < m; i++) if (sym[i] >= 0) sym[w++] = sym[i];
    return w;
}

/* Words longer than this take the heap; measured equal below (tests/test_tokenizer.c). */
#define LD__BPE_SHORT 48

/* The word cache: text repeats its words, and a word met again in the same
   call takes the ids it got the first time instead of being merged again.
   Words up to 64 bytes, in texts of 4 KiB or more; slots: one per 8 bytes
   of text, up to 8192. Measured with GPT-2's file (make bench's text): 5×
   on the text as one 4 MB string; on paragraphs of 750 bytes it neither
   gained nor lost, hence the threshold. */
#define LD__CACHE_MIN 4096
#define LD__CACHE_WORD 64

/* One pre-tokenized piece p[0..n) → ids. */
static int ld__bpe_merge(ld__enc *e, const unsigned char *p, size_t n);
static int ld__bpe(ld__enc *e, const unsigned char *p, size_t n) {
    if (!e->cache || n > LD__CACHE_WORD) return ld__bpe_merge(e, p, n);
    uint64_t h = ld__hash(p, n);
    ld__word *w = &e->cache[h & e->cache_mask];
    if (w->h == h && w->len == n && !memcmp(e->cache_keys.p + w->key, p, n)) {
        if (ld__grow((void **)&e->ids, &e->cap, e->n + w->n, sizeof(int))) return -1;
        memcpy(e->ids + e->n, e->cache_ids + w->ids, w->n * sizeof(int));
        e->n += w->n;
        return 0;
    }
    size_t before = e->n;
    if (ld__bpe_merge(e, p, n)) return -1;
    size_t k = e->n - before;
    if (ld__grow((void **)&e->cache_ids, &e->cache_cap, e->cache_n + k, sizeof(int))) return -1;
    w->h = h;
    w->key = (uint32_t)e->cache_keys.n;
    w->len = (uint32_t)n;
    w->ids = (uint32_t)e->cache_n;
    w->n = (uint32_t)k;
    if (ld__buf_put(&e->cache_keys, p, n)) return -1;
    memcpy(e->cache_ids + e->cache_n, e->ids + before, k * sizeof(int));
    e->cache_n += k;
    return 0;
}

static int ld__bpe_merge(ld__enc *e, const unsigned char *p, size_t n) {
    const ld_tokenizer *t = e->t;
    if (n == 1 && t->byte_id[p[0]] >= 0) return ld__emit(e, t->byte_id[p[0]]);   /* nothing to merge */
    if (t->ignore_merges) {             /* a piece that is a token is taken whole */
        e->bl.n = 0;
        for (size_t i = 0; i < n; i++) {
            unsigned char u[4];
            if (ld__buf_put(&e->bl, u, (size_t)ld__u8enc(t->byte_char[p[i]], u))) return -1;
        }
        int id = ld__vocab_get(t, (const char *)e->bl.p, e->bl.n);
        if (id >= 0) return ld__emit(e, id);
    }
    if (n > (size_t)(INT32_MAX / 4) || ld__sym_reserve(e, 2 * n + 2)) return -1;
    /* the symbols: one per byte, or what stands for a byte outside the
       vocabulary, in the library's order (a pending unk is written when the
       next known symbol comes, after any byte_fallback tokens before it)   */
    int m = 0, unk = 0;
    for (size_t i = 0; i < n; i++) {
        int b = p[i], id = t->byte_id[b];
        if (id >= 0) {
            if (unk) { e->sym[m++] = t->unk_id; unk = 0; }
            e->sym[m++] = id;
        } else if (t->fb_n[b]) {
            for (int k = 0; k < t->fb_n[b]; k++) e->sym[m++] = t->fb_id[b][k];
        } else if (t->unk_id >= 0) {
            if (unk && !t->fuse_unk) e->sym[m++] = t->unk_id;
            unk = 1;
        }                                /* else the byte is dropped */
    }
    if (unk) e->sym[m++] = t->unk_id;
    m = m == 0 ? 0 : m <= LD__BPE_SHORT ? ld__bpe_short(t, e->sym, e->rank, e->nid, e->next, m) : ld__bpe_long(e, m);
    if (m <= 0) return m;
    if (ld__grow((void **)&e->ids, &e->cap, e->n + (size_t)m, sizeof(int))) return -1;
    memcpy(e->ids + e->n, e->sym, (size_t)m * sizeof(int));
    e->n += (size_t)m;
    return 0;
}

/* Pre-tokenizer step `step` on a piece; the last step is ByteLevel. Empty
   pieces are dropped, as the library drops them.                          */
static int ld__pretok(ld__enc *e, int step, const unsigned char *p, size_t n) {
    if (!n) return 0;
    const ld_tokenizer *t = e->t;
    ld__pt_kind kind = t->step[step];
    if (kind == LD__PT_BYTELEVEL) {
        if (t->add_prefix_space && p[0] != ' ') {       /* every piece gets one */
            e->pre.n = 0;
            if (ld__buf_put(&e->pre, " ", 1) || ld__buf_put(&e->pre, p, n)) return -1;
            p = e->pre.p;
            n++;
        }
        if (!t->use_regex) return ld__bpe(e, p, n);
        for (size_t i = 0; i < n;) {
            size_t j = ld__pat_gpt2(p, n, i);
            if (ld__bpe(e, p + i, j - i)) return -1;
            i = j;
        }
        return 0;
    }
    if (kind == LD__PT_DIGITS || kind == LD__PT_DIGITS_EACH) {
        /* numbers (\p{N}, as Rust's char::is_numeric) apart from the rest:
           one piece per number, or per run of them */
        for (size_t i = 0; i < n;) {
            int k;
            size_t j = i;
            if (ld__uflag_at(p + i, &k) & LD__U_N)
                j = kind == LD__PT_DIGITS_EACH ? i + (size_t)k : ld__run(p, n, i, LD__U_N, -1);
            else
                while (j < n && !(ld__uflag_at(p + j, &k) & LD__U_N)) j += (size_t)k;
            if (ld__pretok(e, step + 1, p + i, j - i)) return -1;
            i = j;
        }
        return 0;
    }
    /* Split, behaviour Isolated: every match is a piece, and so is the text
       between matches (these patterns leave none) */
    size_t gap = 0;
    for (size_t i = 0; i < n;) {
        size_t j = ld__pat(kind, p, n, i);
        if (j == i) {
            uint32_t cp;
            i += (size_t)ld__u8dec(p + i, &cp);
            continue;
        }
        if (gap < i && ld__pretok(e, step + 1, p + gap, i - gap)) return -1;
        if (ld__pretok(e, step + 1, p + i, j - i)) return -1;
        i = gap = j;
    }
    if (gap < n && ld__pretok(e, step + 1, p + gap, n - gap)) return -1;
    return 0;
}

/* \w at the end of s[0..i) / at the start of s[0..n) (Rust regex's \w). */
static int ld__ends_with_word(const unsigned char *s, size_t i) {
    if (!i) return 0;
    size_t a = i - 1;
    while (a > 0 && (s[a] & 0xC0) == 0x80) a--;
    int k;
    return (ld__uflag_at(s + a, &k) & LD__U_W) != 0;
}
static int ld__starts_with_word(const unsigned char *s, size_t n) {
    int k;
    return n > 0 && (ld__uflag_at(s, &k) & LD__U_W) != 0;
}

/* Cuts the added tokens of trie tr out of s[0..n), as the library does:
   find the leftmost match, the longest of those starting there; a match a
   token's options reject is skipped, and the search goes on after it; the
   ids go out, and each stretch between goes to next().                     */
static int ld__added_split(ld__enc *e, const ld__trie *tr, const unsigned char *s, size_t n,
                           int (*next)(ld__enc *, const unsigned char *, size_t)) {
    if (tr->n_nodes <= 1) return next(e, s, n);
    const ld_tokenizer *t = e->t;
    size_t start_offset = 0, i = 0;
    while (i < n) {
        int tok = -1;
        size_t ms = i, me = 0;
        for (; ms < n && tok < 0; ms++) {
            int node = 0;
            for (size_t q = ms; q < n; q++) {
                int c = tr->first[node];
                while (c && tr->byte[c] != s[q]) c = tr->sibling[c];
                if (!c) break;
                node = c;
                if (tr->term[node] >= 0) { tok = tr->term[node]; me = q + 1; }
            }
        }
        if (tok < 0) break;
        ms--;
        i = me;
        const ld__added *a = &t->added[tok];
        if (a->special && (e->flags & LD_TOK_SPECIAL_AS_TEXT)) continue;
        size_t start = ms, stop = me;
        if (a->single_word && ((start > 0 && ld__ends_with_word(s, start)) ||
                               (stop < n && ld__starts_with_word(s + stop, n - stop))))
            continue;
        if (a->lstrip) {                 /* take the whitespace before it */
            size_t ns = start;
            while (ns > 0) {
                size_t b = ns - 1;
                while (b > 0 && (s[b] & 0xC0) == 0x80) b--;
                int k;
                if (!(ld__uflag_at(s + b, &k) & LD__U_S)) break;
                ns = b;
            }
            start = LD__MAX(ns, start_offset);
        }
        if (a->rstrip) {                 /* and after it */
            int k;
            while (stop < n && (ld__uflag_at(s + stop, &k) & LD__U_S)) stop += (size_t)k;
        }
        if (start_offset < start && next(e, s + start_offset, start - start_offset)) return -1;
        if (ld__emit(e, a->id)) return -1;
        start_offset = stop;
    }
    if (start_offset < n && next(e, s + start_offset, n - start_offset)) return -1;
    return 0;
}

static int ld__enc_pretok(ld__enc *e, const unsigned char *s, size_t n) { return ld__pretok(e, 0, s, n); }

/* A stretch the first cut left: normalize it, then cut the normalized added
   tokens out of it. */
static int ld__enc_norm(ld__enc *e, const unsigned char *s, size_t n) {
    if (!n) return 0;
    if (e->t->nfc) {
        if (ld__nfc(&e->norm, &e->cps, s, n)) return -1;
        s = e->norm.p;
        n = e->norm.n;
    }
    return ld__added_split(e, &e->t->trie_norm, s, n, ld__enc_pretok);
}

LDDEF ld_status ld_tokenizer_encode(const ld_tokenizer *tok, const char *text, long len, int flags,
                                    int *ids, int cap, int *n_ids) {
    if (!tok || !text || !n_ids || (!ids && cap > 0)) return ld__fail(LD_ERR_ARG, "NULL tokenizer, text or output");
    if (cap < 0) return ld__fail(LD_ERR_ARG, "capacity %d is negative", cap);
    size_t n = len < 0 ? strlen(text) : (size_t)len;
    const unsigned char *s = (const unsigned char *)text;
    for (size_t i = 0; i < n;) {
        if (s[i] < 0x80) { i++; continue; }
        int k = ld__utf8_len(s + i, (int)LD__MIN(n - i, (size_t)4));
        if (!k) return ld__fail(LD_ERR_DATA, "invalid UTF-8 at byte %zu of the text", i);
        i += (size_t)k;
    }
    ld__enc e;
    memset(&e, 0, sizeof e);
    e.t = tok;
    e.flags = flags;
    if (n >= LD__CACHE_MIN && n < ((size_t)1 << 31)) {   /* no cache is fine too: it only saves time */
        size_t slots = 64;
        while (slots < 8192 && slots * 8 < n) slots *= 2;
        e.cache = (ld__word *)LD_MALLOC(slots * sizeof *e.cache);
        e.cache_mask = slots - 1;
        for (size_t i = 0; e.cache && i < slots; i++) { e.cache[i].h = 0; e.cache[i].len = UINT32_MAX; }
    }
    if (ld__added_split(&e, &tok->trie_raw, s, n, ld__enc_norm)) {
        ld__enc_free(&e);
        return ld__fail(LD_ERR_OOM, "out of memory encoding %zu bytes", n);
    }
    if (e.n > (size_t)INT32_MAX) {
        ld__enc_free(&e);
        return ld__fail(LD_ERR_LENGTH, "the text has more than 2^31 tokens");
    }
    *n_ids = (int)e.n;
    if (e.n > (size_t)cap) {
        ld__enc_free(&e);
        return ld__fail(LD_ERR_LENGTH, "the text has %d tokens; room for %d", *n_ids, cap);
    }
    if (e.n) memcpy(ids, e.ids, e.n * sizeof(int));
    ld__enc_free(&e);
    return LD_OK;
}

/* ---- decoding ---- */

LDDEF ld_status ld_tokenizer_decode(const ld_tokenizer *tok, const int *ids, int n, int flags,
                                    char *out, size_t cap, size_t *n_out) {
    if (!tok || (!ids && n > 0) || !n_out || (!out && cap > 0)) return ld__fail(LD_ERR_ARG, "NULL tokenizer, ids or output");
    if (n < 0) return ld__fail(LD_ERR_ARG, "%d ids", n);
    size_t need = 0;
    for (int i = 0; i < n; i++) {
        int id = ids[i];
        if (id < 0 || id >= tok->V)
            return ld__fail(LD_ERR_TOKEN, "id %d at position %d is outside the vocabulary [0, %d)", id, i, tok->V);
        if (tok->tok_len[id] < 0)
            return ld__fail(LD_ERR_TOKEN, "id %d at position %d has no token (a hole in the vocabulary)", id, i);
        if (!((flags & LD_TOK_SKIP_SPECIAL) && (tok->tok_flags[id] & 1))) need += (size_t)tok->tok_len[id];
    }
    *n_out = need;
    if (need + 1 > cap) return ld__fail(LD_ERR_LENGTH, "the ids decode to %zu bytes; room for %zu with the NUL", need, cap);
    size_t k = 0;
    for (int i = 0; i < n; i++) {
        int id = ids[i];
        if ((flags & LD_TOK_SKIP_SPECIAL) && (tok->tok_flags[id] & 1)) continue;
        memcpy(out + k, tok->tok_bytes + tok->tok_off[id], (size_t)tok->tok_len[id]);
        k += (size_t)tok->tok_len[id];
    }
    out[k] = 0;
    return LD_OK;
}

LDDEF int ld_tokenizer_vocab_size(const ld_tokenizer *tok) { return tok ? tok->V : 0; }

LDDEF int ld_tokenizer_find(const ld_tokenizer *tok, const char *content) {
    if (!tok || !content) return -1;
    size_t n = strlen(content);
    for (int i = 0; i < tok->n_added; i++)
        if (tok->added[i].len == n && !memcmp(tok->added_text + tok->added[i].off, content, n)) return tok->added[i].id;
    return ld__vocab_get(tok, content, n);
}

LDDEF int ld_tokenizer_is_special(const ld_tokenizer *tok, int id) {
    return tok && id >= 0 && id < tok->V && (tok->tok_flags[id] & 1);
}

LDDEF const char *ld_tokenizer_token_bytes(const ld_tokenizer *tok, int id, int *len) {
    if (!tok || id < 0 || id >= tok->V || tok->tok_len[id] < 0) { if (len) *len = 0; return NULL; }
    if (len) *len = tok->tok_len[id];
    return tok->tok_bytes + tok->tok_off[id];
}

LDDEF int ld_tokenizer_token_display(const ld_tokenizer *tok, int id, char *out, int cap) {
    int n;
    const unsigned char *s = (const unsigned char *)ld_tokenizer_token_bytes(tok, id, &n);
    if (!s) { if (out && cap > 0) out[0] = 0; return -1; }
    int w = 0;
#define LD__PUT(c) do { if (out && w + 1 < cap) out[w] = (char)(c); w++; } while (0)
    for (int i = 0; i < n;) {
        unsigned c = s[i];
        int k = c >= 0x80 ? ld__utf8_len(s + i, n - i) : 1;
        const char *esc = c == '\\' ? "\\\\" : c == '\n' ? "\\n" : c == '\t' ? "\\t" : c == '\r' ? "\\r" : NULL;
        if (esc) { LD__PUT(esc[0]); LD__PUT(esc[1]); i++; }
        else if (c < 0x20 || c == 0x7F || k == 0) {
            static const char hex[] = "0123456789abcdef";
            LD__PUT('\\'); LD__PUT('x'); LD__PUT(hex[c >> 4]); LD__PUT(hex[c & 15]);
            i++;
        } else {
            for (int q = 0; q < k; q++) LD__PUT(s[i + q]);
            i += k;
        }
    }
#undef LD__PUT
    if (out && cap > 0) out[w < cap ? w : cap - 1] = 0;
    return w;
}

/* ---- loading ---- */

/* A string node's bytes, decoded into the loader's scratch (NULL: a lone
   surrogate, or out of memory). */
typedef struct { ld_tokenizer *t; const ld__json *j; char *s; size_t cap; } ld__tl;
static const char *ld__tl_str(ld__tl *L, int node, size_t *n) {
    if (node < 0 || L->j->nodes[node].type != 's') return NULL;
    size_t raw = (size_t)(L->j->nodes[node].end - L->j->nodes[node].start);
    if (ld__grow((void **)&L->s, &L->cap, raw + 1, 1)) return NULL;
    long k = ld__json_str(L->j, node, L->s, raw);
    if (k < 0) return NULL;
    *n = (size_t)k;
    return L->s;
}

/* A short, printable quote of a string for a reason. */
static const char *ld__quote(const char *s, size_t n, char *buf) {
    size_t k = 0;
    for (size_t i = 0; i < n && k < 40; i++) buf[k++] = (unsigned char)s[i] < 0x20 ? '?' : s[i];
    if (k < n) { buf[k++] = '.'; buf[k++] = '.'; buf[k++] = '.'; }
    buf[k] = 0;
    return buf;
}

/* Optional boolean member: 0 ok (*v set or left), −1 present but not a boolean. */
static int ld__json_bool(const ld__json *j, int obj, const char *key, int *v) {
    int i = ld__json_get(j, obj, key);
    if (i < 0 || j->nodes[i].type == 'z') return 0;
    if (j->nodes[i].type == 't') { *v = 1; return 0; }
    if (j->nodes[i].type == 'f') { *v = 0; return 0; }
    return -1;
}

/* A boolean member the reference library requires: 0 ok, −1 absent or not a boolean. */
static int ld__json_req_bool(const ld__json *j, int obj, const char *key, int *v) {
    int i = ld__json_get(j, obj, key);
    if (i < 0 || (j->nodes[i].type != 't' && j->nodes[i].type != 'f')) return -1;
    *v = j->nodes[i].type == 't';
    return 0;
}

/* The "type" of a component object, into buf (64 bytes); "" if none. */
static const char *ld__json_type(const ld__json *j, int obj, char *buf) {
    int i = ld__json_get(j, obj, "type");
    long n = i >= 0 ? ld__json_str(j, i, buf, 63) : -1;
    if (n < 0) buf[0] = 0;
    return buf;
}

#define LD__MAX_ID (1 << 24)

/* model.vocab (or GPT-2's vocab.json): an object of key → id. */
static ld_status ld__tl_vocab(ld__tl *L, int obj) {
    ld_tokenizer *t = L->t;
    const ld__json *j = L->j;
    if (obj < 0 || j->nodes[obj].type != 'o') return ld__fail(LD_ERR_FORMAT, "the vocabulary is not an object of token → id");
    int n = j->nodes[obj].n / 2;
    if (n > LD__MAX_ID) return ld__fail(LD_ERR_FORMAT, "%d vocabulary entries: more than %d", n, LD__MAX_ID);
    size_t bytes = 0;
    int max_id = -1;
    for (int c = obj + 1, i = 0; i < n; i++) {
        int v = j->nodes[c].skip;
        uint64_t id;
        if (ld__json_u64(j, v, &id) || id >= LD__MAX_ID) {
            char q[48];
            return ld__fail(LD_ERR_FORMAT, "vocabulary entry %d (\"%s\"): its id is not an integer in [0, %d)", i,
                            ld__quote(j->src + j->nodes[c].start, (size_t)(j->nodes[c].end - j->nodes[c].start), q), LD__MAX_ID);
        }
        if ((int)id > max_id) max_id = (int)id;
        bytes += (size_t)(j->nodes[c].end - j->nodes[c].start);
        c = j->nodes[v].skip;
    }
    if ((size_t)max_id >= 2 * (size_t)n + 256)
        return ld__fail(LD_ERR_FORMAT, "vocabulary ids reach %d with only %d entries: more holes than tokens", max_id, n);
    t->n_vocab = n;
    t->n_keys = max_id + 1;
    uint32_t slots = 16;
    while (slots < 2u * (uint32_t)n) slots *= 2;
    t->vocab.mask = slots - 1;
    t->vocab.slot = (int32_t *)LD_MALLOC(slots * sizeof(int32_t));
    t->key_off = (uint32_t *)LD_MALLOC((size_t)(t->n_keys + 1) * sizeof(uint32_t));
    t->key_len = (int32_t *)LD_MALLOC((size_t)(t->n_keys + 1) * sizeof(int32_t));
    t->keys = (char *)LD_MALLOC(bytes + 1);
    if (!t->vocab.slot || !t->key_off || !t->key_len || !t->keys) return ld__fail(LD_ERR_OOM, "out of memory for %d vocabulary entries", n);
    memset(t->vocab.slot, 0xFF, slots * sizeof(int32_t));
    for (int i = 0; i < t->n_keys; i++) t->key_len[i] = -1;
    size_t used = 0;
    for (int c = obj + 1, i = 0; i < n; i++) {
        int v = j->nodes[c].skip;
        uint64_t id64 = 0;
        ld__json_u64(j, v, &id64);       /* checked above */
        int id = (int)id64;
        size_t kn;
        const char *k = ld__tl_str(L, c, &kn);
        char q[48];
        if (!k) return ld__fail(LD_ERR_FORMAT, "vocabulary entry %d: its key is not a valid string (a lone surrogate?)", i);
        if (t->key_len[id] >= 0)
            return ld__fail(LD_ERR_FORMAT, "id %d is given to two vocabulary keys (\"%s\" and another)", id, ld__quote(k, kn, q));
        memcpy(t->keys + used, k, kn);
        t->key_off[id] = (uint32_t)used;
        t->key_len[id] = (int32_t)kn;
        used += kn;
        uint32_t h = (uint32_t)ld__hash((const unsigned char *)k, kn) & t->vocab.mask;
        for (;; h = (h + 1) & t->vocab.mask) {
            int o = t->vocab.slot[h];
            if (o < 0) { t->vocab.slot[h] = id; break; }
            if ((size_t)t->key_len[o] == kn && !memcmp(t->keys + t->key_off[o], k, kn))
                return ld__fail(LD_ERR_FORMAT, "vocabulary key \"%s\" appears twice", ld__quote(k, kn, q));
        }
        c = j->nodes[v].skip;
    }
    return LD_OK;
}

/* One merge: tokens a and b (as the vocabulary writes them) become their
   concatenation; a pair given again keeps the later rank, as the library's
   map does. */
static ld_status ld__tl_merge(ld_tokenizer *t, const char *a, size_t na, const char *b, size_t nb, uint32_t rank,
                              char **cat, size_t *cat_cap) {
    char q[48];
    int ia = ld__vocab_get(t, a, na), ib = ld__vocab_get(t, b, nb);
    if (ia < 0) return ld__fail(LD_ERR_FORMAT, "merge %u: \"%s\" is not in the vocabulary", rank, ld__quote(a, na, q));
    if (ib < 0) return ld__fail(LD_ERR_FORMAT, "merge %u: \"%s\" is not in the vocabulary", rank, ld__quote(b, nb, q));
    if (ld__grow((void **)cat, cat_cap, na + nb + 1, 1)) return ld__fail(LD_ERR_OOM, "out of memory");
    memcpy(*cat, a, na);
    memcpy(*cat + na, b, nb);
    int id = ld__vocab_get(t, *cat, na + nb);
    if (id < 0) return ld__fail(LD_ERR_FORMAT, "merge %u: \"%s\" (the two joined) is not in the vocabulary", rank, ld__quote(*cat, na + nb, q));
    uint64_t key = ld__pair(ia, ib);
    for (uint32_t h = ld__pair_slot(key, t->merge_mask);; h = (h + 1) & t->merge_mask) {
        ld__merge *m = &t->merges[h];
        if (m->key == LD__NO_PAIR) { m->key = key; t->n_merges++; }
        if (m->key == key) { m->rank = rank; m->id = id; return LD_OK; }
    }
}

static ld_status ld__tl_merge_table(ld_tokenizer *t, size_t n) {
    uint32_t slots = 16;
    while (slots < 2 * n && slots < (1u << 30)) slots *= 2;
    if (n > (1u << 28)) return ld__fail(LD_ERR_FORMAT, "%zu merges: too many", n);
    t->merge_mask = slots - 1;
    t->merges = (ld__merge *)LD_MALLOC(slots * sizeof(ld__merge));
    if (!t->merges) return ld__fail(LD_ERR_OOM, "out of memory for %zu merges", n);
    for (uint32_t i = 0; i < slots; i++) t->merges[i].key = LD__NO_PAIR;
    return LD_OK;
}

/* "a b": exactly one space between two tokens. */
static int ld__split_merge(const char *s, size_t n, size_t *sp) {
    const char *p = (const char *)memchr(s, ' ', n);
    if (!p || memchr(p + 1, ' ', n - (size_t)(p - s) - 1)) return -1;
    *sp = (size_t)(p - s);
    return 0;
}

/* model.merges: ["a b", ...] or [["a", "b"], ...] (one form throughout);
   rank = position, "#version" lines of the first form left out. */
static ld_status ld__tl_merges(ld__tl *L, int arr) {
    const ld__json *j = L->j;
    ld_tokenizer *t = L->t;
    if (arr < 0 || j->nodes[arr].type != 'a') return ld__fail(LD_ERR_FORMAT, "model.merges is not an array");
    ld_status st = ld__tl_merge_table(t, (size_t)j->nodes[arr].n);
    char *cat = NULL, *a = NULL;
    size_t cat_cap = 0, a_cap = 0;
    uint32_t rank = 0;
    char form = 0;
    for (int c = arr + 1, i = 0; st == LD_OK && i < j->nodes[arr].n; i++, c = j->nodes[c].skip) {
        char ty = j->nodes[c].type;
        if ((ty != 's' && ty != 'a') || (form && ty != form)) {
            st = ld__fail(LD_ERR_FORMAT, "merge %d is not %s", i, form == 'a' ? "a pair [\"a\", \"b\"] like the others" :
                          form == 's' ? "a string \"a b\" like the others" : "\"a b\" or [\"a\", \"b\"]");
            break;
        }
        form = ty;
        size_t n, nb, sp;
        const char *s;
        if (ty == 's') {
            s = ld__tl_str(L, c, &n);
            if (!s) { st = ld__fail(LD_ERR_FORMAT, "merge %d is not a valid string", i); break; }
            if (n >= 8 && !memcmp(s, "#version", 8)) continue;
            if (ld__split_merge(s, n, &sp)) {
                char q[48];
                st = ld__fail(LD_ERR_FORMAT, "merge %d (\"%s\") is not two tokens with one space between", i, ld__quote(s, n, q));
                break;
            }
            st = ld__tl_merge(t, s, sp, s + sp + 1, n - sp - 1, rank++, &cat, &cat_cap);
        } else {
            if (j->nodes[c].n != 2 || j->nodes[c + 1].type != 's' || j->nodes[j->nodes[c + 1].skip].type != 's') {
                st = ld__fail(LD_ERR_FORMAT, "merge %d is not a pair of strings", i);
                break;
            }
            s = ld__tl_str(L, c + 1, &n);
            if (!s || ld__grow((void **)&a, &a_cap, n + 1, 1)) { st = ld__fail(LD_ERR_FORMAT, "merge %d: a bad string", i); break; }
            memcpy(a, s, n);
            s = ld__tl_str(L, j->nodes[c + 1].skip, &nb);
            if (!s) { st = ld__fail(LD_ERR_FORMAT, "merge %d: a bad string", i); break; }
            st = ld__tl_merge(t, a, n, s, nb, rank++, &cat, &cat_cap);
        }
    }
    LD_FREE(cat);
    LD_FREE(a);
    return st;
}

/* GPT-2's merges.txt: lines "a b", rank = line order, "#version" lines left
   out (the library's reader). */
static ld_status ld__tl_merges_text(ld_tokenizer *t, const char *s, size_t n) {
    size_t lines = 0;
    for (size_t i = 0; i < n; i++) lines += s[i] == '\n';
    ld_status st = ld__tl_merge_table(t, lines + 1);
    char *cat = NULL;
    size_t cat_cap = 0, line = 0;
    uint32_t rank = 0;
    for (size_t i = 0; st == LD_OK && i < n;) {
        const char *e = (const char *)memchr(s + i, '\n', n - i);
        size_t len = e ? (size_t)(e - (s + i)) : n - i, sp;
        const char *l = s + i;
        i += len + (e != NULL);
        line++;
        if (len && l[len - 1] == '\r') len--;
        if (len >= 8 && !memcmp(l, "#version", 8)) continue;
        if (ld__split_merge(l, len, &sp)) {
            char q[48];
            st = ld__fail(LD_ERR_FORMAT, "merges line %zu (\"%s\") is not two tokens with one space between", line, ld__quote(l, len, q));
            break;
        }
        for (size_t k = 0; k < len; k++)
            if (!ld__utf8_len((const unsigned char *)l + k, (int)(len - k))) {
                st = ld__fail(LD_ERR_FORMAT, "merges line %zu: invalid UTF-8", line);
                break;
            } else k += (size_t)ld__utf8_len((const unsigned char *)l + k, (int)(len - k)) - 1;
        if (st == LD_OK) st = ld__tl_merge(t, l, sp, l + sp + 1, len - sp - 1, rank++, &cat, &cat_cap);
    }
    LD_FREE(cat);
    return st;
}

/* The exact pattern strings the files carry (JSON escapes resolved). */
static const char ld__re_gpt2[] =
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
static const char ld__re_llama3[] =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
static const char ld__re_qwen2[] =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

/* normalizer: null, NFC, or a Sequence of those. */
static ld_status ld__tl_normalizer(ld__tl *L, int o) {
    const ld__json *j = L->j;
    char ty[64];
    if (o < 0 || j->nodes[o].type == 'z') return LD_OK;
    if (j->nodes[o].type != 'o') return ld__fail(LD_ERR_FORMAT, "normalizer is not an object");
    ld__json_type(j, o, ty);
    if (!strcmp(ty, "NFC")) { L->t->nfc = 1; return LD_OK; }
    if (!strcmp(ty, "Sequence")) {
        int a = ld__json_get(j, o, "normalizers");
        if (a < 0 || j->nodes[a].type != 'a') return ld__fail(LD_ERR_FORMAT, "normalizer Sequence without a \"normalizers\" array");
        for (int c = a + 1, i = 0; i < j->nodes[a].n; i++, c = j->nodes[c].skip) {
            ld_status st = ld__tl_normalizer(L, c);
            if (st) return st;
        }
        return LD_OK;
    }
    return ld__fail(LD_ERR_FORMAT, "normalizer \"%s\" is not supported (only NFC, and Sequences of it)", ty);
}

/* pre_tokenizer: ByteLevel, Split (three patterns), Digits, Sequence. */
static ld_status ld__tl_pretok(ld__tl *L, int o) {
    const ld__json *j = L->j;
    ld_tokenizer *t = L->t;
    char ty[64];
    if (o < 0 || j->nodes[o].type != 'o') return ld__fail(LD_ERR_FORMAT, "pre_tokenizer is not an object");
    ld__json_type(j, o, ty);
    if (t->n_steps && t->step[t->n_steps - 1] == LD__PT_BYTELEVEL)
        return ld__fail(LD_ERR_FORMAT, "pre-tokenizer \"%s\" after ByteLevel is not supported (ByteLevel must come last)", ty);
    if (!strcmp(ty, "Sequence")) {
        int a = ld__json_get(j, o, "pretokenizers");
        if (a < 0 || j->nodes[a].type != 'a') return ld__fail(LD_ERR_FORMAT, "pre-tokenizer Sequence without a \"pretokenizers\" array");
        for (int c = a + 1, i = 0; i < j->nodes[a].n; i++, c = j->nodes[c].skip) {
            ld_status st = ld__tl_pretok(L, c);
            if (st) return st;
        }
        return LD_OK;
    }
    if (t->n_steps == LD__MAX_STEPS) return ld__fail(LD_ERR_FORMAT, "more than %d pre-tokenizers", LD__MAX_STEPS);
    if (!strcmp(ty, "ByteLevel")) {
        int aps = 0, trim = 0, re = 1;   /* use_regex may be left out (true); the others not */
        if (ld__json_req_bool(j, o, "add_prefix_space", &aps) || ld__json_req_bool(j, o, "trim_offsets", &trim) ||
            ld__json_bool(j, o, "use_regex", &re))
            return ld__fail(LD_ERR_FORMAT, "ByteLevel: add_prefix_space and trim_offsets must be there, true or false (and use_regex, if there)");
        t->add_prefix_space = aps;
        t->use_regex = re;
        t->step[t->n_steps++] = LD__PT_BYTELEVEL;
        return LD_OK;
    }
    if (!strcmp(ty, "Digits")) {
        int each = 0;
        if (ld__json_req_bool(j, o, "individual_digits", &each))
            return ld__fail(LD_ERR_FORMAT, "Digits: individual_digits must be there, true or false");
        t->step[t->n_steps++] = each ? LD__PT_DIGITS_EACH : LD__PT_DIGITS;
        return LD_OK;
    }
    if (!strcmp(ty, "Split")) {
        int p = ld__json_get(j, o, "pattern"), r = ld__json_get(j, p, "Regex"), inv = 0;
        char beh[64];
        size_t n;
        if (r < 0) return ld__fail(LD_ERR_FORMAT, "Split: only a {\"Regex\": ...} pattern is supported");
        if (!ld__json_is(j, ld__json_get(j, o, "behavior"), "Isolated")) {
            int b = ld__json_get(j, o, "behavior");
            if (b < 0 || ld__json_str(j, b, beh, 63) < 0) strcpy(beh, "?");
            return ld__fail(LD_ERR_FORMAT, "Split: behavior \"%s\" is not supported (only Isolated)", beh);
        }
        if (ld__json_req_bool(j, o, "invert", &inv)) return ld__fail(LD_ERR_FORMAT, "Split: invert must be there, true or false");
        if (inv) return ld__fail(LD_ERR_FORMAT, "Split: invert is not supported");
        const char *s = ld__tl_str(L, r, &n);
        if (!s) return ld__fail(LD_ERR_FORMAT, "Split: the pattern is not a valid string");
        ld__pt_kind k = (n == sizeof ld__re_gpt2 - 1 && !memcmp(s, ld__re_gpt2, n)) ? LD__PT_GPT2
                      : (n == sizeof ld__re_llama3 - 1 && !memcmp(s, ld__re_llama3, n)) ? LD__PT_LLAMA3
                      : (n == sizeof ld__re_qwen2 - 1 && !memcmp(s, ld__re_qwen2, n)) ? LD__PT_QWEN2 : (ld__pt_kind)0;
        if (!k) {
            char q[48];
            return ld__fail(LD_ERR_FORMAT, "Split: the pattern \"%s\" is not supported (only GPT-2's, Llama-3's and Qwen2's)", ld__quote(s, n, q));
        }
        t->step[t->n_steps++] = k;
        return LD_OK;
    }
    return ld__fail(LD_ERR_FORMAT, "pre-tokenizer \"%s\" is not supported (only ByteLevel, Split, Digits and Sequence)", ty);
}

/* post_processor: read, not applied (they only add special tokens). */
static ld_status ld__tl_post(const ld__json *j, int o) {
    char ty[64];
    if (o < 0 || j->nodes[o].type == 'z') return LD_OK;
    if (j->nodes[o].type != 'o') return ld__fail(LD_ERR_FORMAT, "post_processor is not an object");
    ld__json_type(j, o, ty);
    if (!strcmp(ty, "Sequence")) {
        int a = ld__json_get(j, o, "processors");
        if (a < 0 || j->nodes[a].type != 'a') return ld__fail(LD_ERR_FORMAT, "post-processor Sequence without a \"processors\" array");
        for (int c = a + 1, i = 0; i < j->nodes[a].n; i++, c = j->nodes[c].skip) {
            ld_status st = ld__tl_post(j, c);
            if (st) return st;
        }
        return LD_OK;
    }
    if (!strcmp(ty, "ByteLevel") || !strcmp(ty, "TemplateProcessing") || !strcmp(ty, "RobertaProcessing") || !strcmp(ty, "BertProcessing"))
        return LD_OK;
    return ld__fail(LD_ERR_FORMAT, "post-processor \"%s\" is not supported", ty);
}

/* added_tokens, given ids as the library gives them: a content already in
   the vocabulary takes its id there; any other takes the next free id (the
   vocabulary's size at first, then one past the largest added id). The
   file's "id" fields must be integers but are not otherwise used, as in the
   library (which warns when they differ).                                 */
static ld_status ld__tl_added(ld__tl *L, int arr) {
    const ld__json *j = L->j;
    ld_tokenizer *t = L->t;
    if (arr < 0 || j->nodes[arr].type == 'z') return LD_OK;
    if (j->nodes[arr].type != 'a') return ld__fail(LD_ERR_FORMAT, "added_tokens is not an array");
    int n = j->nodes[arr].n;
    size_t bytes = 0;
    for (int c = arr + 1, i = 0; i < n; i++, c = j->nodes[c].skip) {
        int k = ld__json_get(j, c, "content");
        uint64_t id;
        if (j->nodes[c].type != 'o' || k < 0 || j->nodes[k].type != 's')
            return ld__fail(LD_ERR_FORMAT, "added token %d has no string \"content\"", i);
        if (ld__json_u64(j, ld__json_get(j, c, "id"), &id) || id > 0xFFFFFFFFu)
            return ld__fail(LD_ERR_FORMAT, "added token %d: \"id\" is not an integer in [0, 2^32)", i);
        bytes += (size_t)(j->nodes[k].end - j->nodes[k].start);
    }
    t->added = (ld__added *)LD_MALLOC((size_t)(n + 1) * sizeof(ld__added));
    t->added_text = (char *)LD_MALLOC(bytes + 1);
    if (!t->added || !t->added_text) return ld__fail(LD_ERR_OOM, "out of memory for %d added tokens", n);
    size_t used = 0;
    int max_added = -1;
    for (int c = arr + 1, i = 0; i < n; i++, c = j->nodes[c].skip) {
        ld__added a;
        int sp = 0, sw = 0, ls = 0, rs = 0, nz = 0;
        size_t len;
        memset(&a, 0, sizeof a);
        if (ld__json_req_bool(j, c, "special", &sp) || ld__json_req_bool(j, c, "single_word", &sw) ||
            ld__json_req_bool(j, c, "lstrip", &ls) || ld__json_req_bool(j, c, "rstrip", &rs) ||
            ld__json_req_bool(j, c, "normalized", &nz))
            return ld__fail(LD_ERR_FORMAT, "added token %d: special, single_word, lstrip, rstrip and normalized must be there, true or false", i);
        const char *s = ld__tl_str(L, ld__json_get(j, c, "content"), &len);
        char q[48];
        if (!s) return ld__fail(LD_ERR_FORMAT, "added token %d: its content is not a valid string", i);
        if (!len) continue;              /* the library skips empty tokens */
        if (len > LD__MAX_ADDED_BYTES)
            return ld__fail(LD_ERR_FORMAT, "added token %d has %zu bytes: more than %d", i, len, LD__MAX_ADDED_BYTES);
        a.special = (unsigned)sp; a.single_word = (unsigned)sw; a.lstrip = (unsigned)ls; a.rstrip = (unsigned)rs;
        a.normalized = (unsigned)nz;
        int dup = -1;
        for (int q2 = 0; q2 < t->n_added; q2++)
            if (t->added[q2].len == len && !memcmp(t->added_text + t->added[q2].off, s, len)) dup = q2;
        if (dup >= 0) {
            const ld__added *d = &t->added[dup];
            if (d->special == a.special && d->single_word == a.single_word && d->lstrip == a.lstrip &&
                d->rstrip == a.rstrip && d->normalized == a.normalized)
                continue;                /* given twice, the same: the library ignores it */
            return ld__fail(LD_ERR_FORMAT, "added token \"%s\" is given twice, with different options", ld__quote(s, len, q));
        }
        int id = ld__vocab_get(t, s, len);
        if (id < 0) {
            id = max_added < 0 ? t->n_vocab : (max_added >= t->n_vocab || !t->n_vocab ? max_added + 1 : t->n_vocab);
            if (id < t->n_keys && t->key_len[id] >= 0)
                return ld__fail(LD_ERR_FORMAT, "added token \"%s\" would get id %d, which the vocabulary gives to another token",
                                ld__quote(s, len, q), id);
            if (id >= LD__MAX_ID) return ld__fail(LD_ERR_FORMAT, "added token \"%s\": id %d is too large", ld__quote(s, len, q), id);
        }
        if (id > max_added) max_added = id;
        a.id = id;
        a.off = (uint32_t)used;
        a.len = (uint32_t)len;
        memcpy(t->added_text + used, s, len);
        used += len;
        t->added[t->n_added++] = a;
    }
    return LD_OK;
}

/* A trie of the added tokens with normalized == norm: specials first, then
   the others, each in file order (an earlier one wins a tie). */
static ld_status ld__tl_trie(ld_tokenizer *t, ld__trie *tr, int norm, ld__buf *nb, ld__cps *cps) {
    size_t total = 1;
    for (int i = 0; i < t->n_added; i++) total += 3 * (size_t)t->added[i].len + 1;   /* NFC may grow a string 3× */
    tr->first = (int32_t *)LD_MALLOC(total * sizeof(int32_t));
    tr->sibling = (int32_t *)LD_MALLOC(total * sizeof(int32_t));
    tr->byte = (unsigned char *)LD_MALLOC(total);
    tr->term = (int32_t *)LD_MALLOC(total * sizeof(int32_t));
    if (!tr->first || !tr->sibling || !tr->byte || !tr->term) return ld__fail(LD_ERR_OOM, "out of memory");
    tr->n_nodes = 1;
    tr->first[0] = 0; tr->term[0] = -1;
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < t->n_added; i++) {
            const ld__added *a = &t->added[i];
            if ((int)a->normalized != norm || (int)a->special != !pass) continue;
            const unsigned char *s = (const unsigned char *)t->added_text + a->off;
            size_t n = a->len;
            if (norm && t->nfc) {
                if (ld__nfc(nb, cps, s, n)) return ld__fail(LD_ERR_OOM, "out of memory");
                s = nb->p;
                n = nb->n;
            }
            int node = 0;
            for (size_t k = 0; k < n; k++) {
                int c = tr->first[node];
                while (c && tr->byte[c] != s[k]) c = tr->sibling[c];
                if (!c) {
                    if ((size_t)tr->n_nodes >= total) return ld__fail(LD_ERR_FORMAT, "added tokens: trie overflow");
                    c = tr->n_nodes++;
                    tr->byte[c] = s[k]; tr->first[c] = 0; tr->term[c] = -1;
                    tr->sibling[c] = tr->first[node];
                    tr->first[node] = c;
                }
                node = c;
            }
            if (tr->term[node] < 0) tr->term[node] = i;
        }
    return LD_OK;
}

/* After the vocabulary, merges, added tokens and options: the byte tables,
   the ids' bytes for decode, the tries. */
static ld_status ld__tl_finish(ld__tl *L, int byte_fallback, const char *unk, size_t unk_len, int has_unk) {
    ld_tokenizer *t = L->t;
    char q[48];
    for (int b = 0; b < 256; b++) t->byte_char[b] = ld__byte_char(b);
    int fb[256];
    for (int b = 0; b < 256; b++) {
        unsigned char u[4];
        int k = ld__u8enc(t->byte_char[b], u);
        t->byte_id[b] = ld__vocab_get(t, (const char *)u, (size_t)k);
        char name[8];
        snprintf(name, sizeof name, "<0x%02X>", b);
        fb[b] = ld__vocab_get(t, name, 6);
    }
    for (int b = 0; b < 256; b++) {
        /* byte_fallback spells the UTF-8 bytes of the byte's *character* */
        unsigned char u[4];
        int k = ld__u8enc(t->byte_char[b], u), ok = byte_fallback;
        t->fb_n[b] = 0;
        if (!ok) continue;
        for (int x = 0; x < k; x++) ok &= fb[u[x]] >= 0;
        if (!ok) continue;
        t->fb_n[b] = k;
        for (int x = 0; x < k; x++) t->fb_id[b][x] = fb[u[x]];
    }
    t->unk_id = -1;
    if (has_unk) {
        t->unk_id = ld__vocab_get(t, unk, unk_len);
        if (t->unk_id < 0) return ld__fail(LD_ERR_FORMAT, "unk_token \"%s\" is not in the vocabulary", ld__quote(unk, unk_len, q));
    }
    /* V and each id's bytes: an added token's content, else the vocabulary
       key; through the byte map when every character is a byte's, else as
       written (the ByteLevel decoder's rule) */
    t->V = t->n_keys;
    for (int i = 0; i < t->n_added; i++) if (t->added[i].id >= t->V) t->V = t->added[i].id + 1;
    size_t bytes = 0;
    for (int i = 0; i < t->n_keys; i++) if (t->key_len[i] > 0) bytes += (size_t)t->key_len[i];
    for (int i = 0; i < t->n_added; i++) bytes += t->added[i].len;
    t->tok_off = (uint32_t *)LD_MALLOC((size_t)t->V * sizeof(uint32_t));
    t->tok_len = (int32_t *)LD_MALLOC((size_t)t->V * sizeof(int32_t));
    t->tok_flags = (unsigned char *)LD_MALLOC((size_t)t->V);
    t->tok_bytes = (char *)LD_MALLOC(bytes + 1);
    if (!t->tok_off || !t->tok_len || !t->tok_flags || !t->tok_bytes) return ld__fail(LD_ERR_OOM, "out of memory for %d tokens", t->V);
    memset(t->tok_flags, 0, (size_t)t->V);
    for (int i = 0; i < t->V; i++) t->tok_len[i] = -1;
    for (int i = 0; i < t->n_added; i++) t->tok_flags[t->added[i].id] = (unsigned char)(2 | t->added[i].special);
    int byte_of[256 + 68];               /* the byte map, inverted */
    for (int b = 0; b < 256; b++) byte_of[t->byte_char[b]] = b;
    for (int b = 0; b < 256; b++) if (!ld__byte_printable(b)) byte_of[b] = -1;
    size_t used = 0;
    for (int id = 0; id < t->V; id++) {
        const char *s = NULL;
        size_t n = 0;
        if (t->tok_flags[id] & 2) {
            for (int i = 0; i < t->n_added; i++)
                if (t->added[i].id == id) { s = t->added_text + t->added[i].off; n = t->added[i].len; }
        } else if (id < t->n_keys && t->key_len[id] >= 0) {
            s = t->keys + t->key_off[id];
            n = (size_t)t->key_len[id];
        }
        if (!s) continue;
        t->tok_off[id] = (uint32_t)used;
        size_t w = used, k = 0;
        int all = 1;
        while (k < n) {
            uint32_t cp;
            int kk = ld__utf8_len((const unsigned char *)s + k, (int)LD__MIN(n - k, (size_t)4));
            if (!kk) { all = 0; break; }
            ld__u8dec((const unsigned char *)s + k, &cp);
            int b = cp < 256 + 68 ? byte_of[cp] : -1;
            if (b < 0) { all = 0; break; }
            t->tok_bytes[w++] = (char)b;
            k += (size_t)kk;
        }
        if (!all) { memcpy(t->tok_bytes + used, s, n); w = used + n; }
        t->tok_len[id] = (int32_t)(w - used);
        used = w;
    }
    ld__buf nb;
    ld__cps cps;
    memset(&nb, 0, sizeof nb);
    memset(&cps, 0, sizeof cps);
    ld_status st = ld__tl_trie(t, &t->trie_raw, 0, &nb, &cps);
    if (!st) st = ld__tl_trie(t, &t->trie_norm, 1, &nb, &cps);
    LD_FREE(nb.p); LD_FREE(cps.cp); LD_FREE(cps.cc);
    return st;
}

/* tokenizer.json → *t. */
static ld_status ld__tl_json(ld__tl *L, int root) {
    const ld__json *j = L->j;
    ld_tokenizer *t = L->t;
    char ty[64], q[48];
    if (j->nodes[root].type != 'o') return ld__fail(LD_ERR_FORMAT, "tokenizer.json is not a JSON object");
    int model = ld__json_get(j, root, "model");
    if (model < 0 || j->nodes[model].type != 'o') return ld__fail(LD_ERR_FORMAT, "tokenizer.json has no \"model\" object");
    ld__json_type(j, model, ty);
    if (ty[0] && strcmp(ty, "BPE")) return ld__fail(LD_ERR_FORMAT, "model type \"%s\" is not supported (only BPE)", ty);
    int d = ld__json_get(j, model, "dropout");
    double dv = 0;
    if (d >= 0 && j->nodes[d].type != 'z' && (ld__json_num(j, d, &dv) || dv != 0))
        return ld__fail(LD_ERR_FORMAT, "BPE dropout is not supported (it makes encoding random)");
    static const char *const affix[2] = { "continuing_subword_prefix", "end_of_word_suffix" };
    for (int k = 0; k < 2; k++) {
        int a = ld__json_get(j, model, affix[k]);
        if (a >= 0 && j->nodes[a].type != 'z' && !ld__json_is(j, a, ""))
            return ld__fail(LD_ERR_FORMAT, "BPE %s is not supported (not byte-level BPE)", affix[k]);
    }
    int byte_fallback = 0;
    if (ld__json_bool(j, model, "fuse_unk", &t->fuse_unk) || ld__json_bool(j, model, "byte_fallback", &byte_fallback) ||
        ld__json_bool(j, model, "ignore_merges", &t->ignore_merges))
        return ld__fail(LD_ERR_FORMAT, "model: fuse_unk, byte_fallback and ignore_merges must be true or false");
    ld_status st = ld__tl_vocab(L, ld__json_get(j, model, "vocab"));
    if (!st) st = ld__tl_merges(L, ld__json_get(j, model, "merges"));
    if (st) return st;
    /* the pipeline around the model */
    if ((st = ld__tl_normalizer(L, ld__json_get(j, root, "normalizer")))) return st;
    int pt = ld__json_get(j, root, "pre_tokenizer");
    if (pt < 0 || j->nodes[pt].type == 'z')
        return ld__fail(LD_ERR_FORMAT, "no pre_tokenizer: only byte-level BPE (a ByteLevel pre-tokenizer) is supported");
    if ((st = ld__tl_pretok(L, pt))) return st;
    if (!t->n_steps || t->step[t->n_steps - 1] != LD__PT_BYTELEVEL)
        return ld__fail(LD_ERR_FORMAT, "the pre-tokenizer has no ByteLevel step: only byte-level BPE is supported");
    int dec = ld__json_get(j, root, "decoder"), x;
    if (dec < 0 || j->nodes[dec].type != 'o' || strcmp(ld__json_type(j, dec, ty), "ByteLevel"))
        return ld__fail(LD_ERR_FORMAT, "decoder \"%s\" is not supported (only ByteLevel)", dec >= 0 && j->nodes[dec].type == 'o' ? ty : "none");
    if (ld__json_req_bool(j, dec, "add_prefix_space", &x) || ld__json_req_bool(j, dec, "trim_offsets", &x))
        return ld__fail(LD_ERR_FORMAT, "decoder ByteLevel: add_prefix_space and trim_offsets must be there, true or false");
    if ((st = ld__tl_post(j, ld__json_get(j, root, "post_processor")))) return st;
    if ((st = ld__tl_added(L, ld__json_get(j, root, "added_tokens")))) return st;
    /* unk_token, read last (the loader's scratch holds one string at a time) */
    int u = ld__json_get(j, model, "unk_token");
    size_t un = 0;
    const char *us = NULL;
    if (u >= 0 && j->nodes[u].type != 'z') {
        us = ld__tl_str(L, u, &un);
        if (!us) return ld__fail(LD_ERR_FORMAT, "unk_token is not a string");
    }
    (void)q;
    return ld__tl_finish(L, byte_fallback, us, un, us != NULL);
}

/* Keeps a copy of source text k (ld_tokenizer_save writes it). 0, or −1. */
static int ld__tok_keep(ld_tokenizer *t, int k, const char *text, size_t n) {
    t->src[k] = (char *)LD_MALLOC(n ? n : 1);
    if (!t->src[k]) return -1;
    memcpy(t->src[k], text, n);
    t->src_n[k] = n;
    return 0;
}

LDDEF ld_status ld_tokenizer_parse(ld_tokenizer **out, const char *json, size_t len) {
    if (!out) return ld__fail(LD_ERR_ARG, "NULL output");
    *out = NULL;
    if (!json) return ld__fail(LD_ERR_ARG, "NULL text");
    if (len > ((size_t)256 << 20)) return ld__fail(LD_ERR_FORMAT, "tokenizer.json of %zu bytes: more than 256 MiB", len);
    ld__json j;
    if (ld__json_parse(&j, json, len)) {
        ld_status st = ld__fail(LD_ERR_FORMAT, "tokenizer.json: %s", j.err);
        ld__json_free(&j);
        return st;
    }
    ld_tokenizer *t = (ld_tokenizer *)LD_MALLOC(sizeof *t);
    if (!t) { ld__json_free(&j); return ld__fail(LD_ERR_OOM, "out of memory"); }
    memset(t, 0, sizeof *t);
    ld__tl L;
    memset(&L, 0, sizeof L);
    L.t = t;
    L.j = &j;
    ld_status st = ld__tl_json(&L, 0);
    LD_FREE(L.s);
    ld__json_free(&j);
    if (!st && ld__tok_keep(t, 0, json, len)) st = ld__fail(LD_ERR_OOM, "out of memory");
    if (st) { ld_tokenizer_free(t); return st; }
    *out = t;
    return LD_OK;
}

LDDEF ld_status ld_tokenizer_parse_gpt2(ld_tokenizer **out, const char *vocab_json, size_t vocab_len,
                                        const char *merges, size_t merges_len) {
    if (!out) return ld__fail(LD_ERR_ARG, "NULL output");
    *out = NULL;
    if (!vocab_json || !merges) return ld__fail(LD_ERR_ARG, "NULL text");
    if (vocab_len > ((size_t)256 << 20) || merges_len > ((size_t)256 << 20))
        return ld__fail(LD_ERR_FORMAT, "vocabulary or merges file over 256 MiB");
    ld__json j;
    if (ld__json_parse(&j, vocab_json, vocab_len)) {
        ld_status st = ld__fail(LD_ERR_FORMAT, "vocab.json: %s", j.err);
        ld__json_free(&j);
        return st;
    }
    ld_tokenizer *t = (ld_tokenizer *)LD_MALLOC(sizeof *t);
    if (!t) { ld__json_free(&j); return ld__fail(LD_ERR_OOM, "out of memory"); }
    memset(t, 0, sizeof *t);
    ld__tl L;
    memset(&L, 0, sizeof L);
    L.t = t;
    L.j = &j;
    ld_status st = ld__tl_vocab(&L, 0);
    if (!st) st = ld__tl_merges_text(t, merges, merges_len);
    if (!st) {
        /* GPT-2's tokenizer.json: ByteLevel, GPT-2's pattern, no prefix space;
           <|endoftext|> special */
        t->step[t->n_steps++] = LD__PT_BYTELEVEL;
        t->use_regex = 1;
        int eot = ld__vocab_get(t, "<|endoftext|>", 13);
        if (eot >= 0) {
            t->added = (ld__added *)LD_MALLOC(sizeof(ld__added));
            t->added_text = (char *)LD_MALLOC(14);
            if (!t->added || !t->added_text) st = ld__fail(LD_ERR_OOM, "out of memory");
            else {
                memset(t->added, 0, sizeof *t->added);
                memcpy(t->added_text, "<|endoftext|>", 14);
                t->added[0].id = eot; t->added[0].len = 13; t->added[0].special = 1; t->added[0].normalized = 1;
                t->n_added = 1;
            }
        }
    }
    if (!st) st = ld__tl_finish(&L, 0, NULL, 0, 0);
    LD_FREE(L.s);
    ld__json_free(&j);
    if (!st && (ld__tok_keep(t, 0, vocab_json, vocab_len) || ld__tok_keep(t, 1, merges, merges_len)))
        st = ld__fail(LD_ERR_OOM, "out of memory");
    if (st) { ld_tokenizer_free(t); return st; }
    *out = t;
    return LD_OK;
}

#ifndef LD_NO_STDIO
static ld_status ld__read_file(const char *path, size_t max, char **out, size_t *n);

LDDEF ld_status ld_tokenizer_load(ld_tokenizer **out, const char *path) {
    if (!out || !path) return ld__fail(LD_ERR_ARG, "NULL output or path");
    *out = NULL;
    char *buf;
    size_t n;
    ld_status st = ld__read_file(path, (size_t)256 << 20, &buf, &n);
    if (st) return st;
    st = ld_tokenizer_parse(out, buf, n);
    LD_FREE(buf);
    if (st) {
        char why[sizeof ld__reason];
        memcpy(why, ld__reason, sizeof why);
        return ld__fail(st, "%s: %s", path, why);
    }
    return LD_OK;
}

LDDEF ld_status ld_tokenizer_load_gpt2(ld_tokenizer **out, const char *vocab_path, const char *merges_path) {
    if (!out || !vocab_path || !merges_path) return ld__fail(LD_ERR_ARG, "NULL output or path");
    *out = NULL;
    char *v, *m;
    size_t nv, nm;
    ld_status st = ld__read_file(vocab_path, (size_t)256 << 20, &v, &nv);
    if (st) return st;
    st = ld__read_file(merges_path, (size_t)256 << 20, &m, &nm);
    if (st) { LD_FREE(v); return st; }
    st = ld_tokenizer_parse_gpt2(out, v, nv, m, nm);
    LD_FREE(v);
    LD_FREE(m);
    if (st) {
        char why[sizeof ld__reason];
        memcpy(why, ld__reason, sizeof why);
        return ld__fail(st, "%s + %s: %s", vocab_path, merges_path, why);
    }
    return LD_OK;
}

static int ld__file_exists(const char *path) {
    FILE *f = fopen(path, "rb");
    if (f) fclose(f);
    return f != NULL;
}

LDDEF ld_status ld_tokenizer_load_dir(ld_tokenizer **out, const char *dir) {
    if (!out || !dir) return ld__fail(LD_ERR_ARG, "NULL output or directory");
    *out = NULL;
    char a[4096], b[4096];
    snprintf(a, sizeof a, "%s/tokenizer.json", dir);
    if (ld__file_exists(a)) return ld_tokenizer_load(out, a);
    static const char *const pairs[2][2] = { { "vocab.json", "merges.txt" }, { "encoder.json", "vocab.bpe" } };
    for (int k = 0; k < 2; k++) {
        snprintf(a, sizeof a, "%s/%s", dir, pairs[k][0]);
        snprintf(b, sizeof b, "%s/%s", dir, pairs[k][1]);
        if (ld__file_exists(a) && ld__file_exists(b)) return ld_tokenizer_load_gpt2(out, a, b);
    }
    return ld__fail(LD_ERR_MISSING, "%s holds no tokenizer.json, vocab.json + merges.txt or encoder.json + vocab.bpe", dir);
}

static ld_status ld__commit(FILE *f, const char *tmp, const char *path, int ok);

/* Writes data[0..n) to path through a temporary file (ld__commit). */
static ld_status ld__write_file(const char *path, const char *data, size_t n) {
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    if (!f) return ld__fail(LD_ERR_IO, "cannot create %s", tmp);
    return ld__commit(f, tmp, path, fwrite(data, 1, n, f) == n);
}

LDDEF ld_status ld_tokenizer_save(const ld_tokenizer *tok, const char *dir) {
    if (!tok || !dir) return ld__fail(LD_ERR_ARG, "NULL tokenizer or directory");
    char a[4096], b[4096];
    snprintf(a, sizeof a, "%s/tokenizer.json", dir);
    if (!tok->src[1]) return ld__write_file(a, tok->src[0], tok->src_n[0]);
    if (ld__file_exists(a))
        return ld__fail(LD_ERR_IO, "%s would be read instead of the tokenizer's vocab.json + merges.txt "
                        "(remove it, or save elsewhere)", a);
    snprintf(a, sizeof a, "%s/vocab.json", dir);
    snprintf(b, sizeof b, "%s/merges.txt", dir);
    ld_status st = ld__write_file(a, tok->src[0], tok->src_n[0]);
    return st ? st : ld__write_file(b, tok->src[1], tok->src_n[1]);
}
#endif /* LD_NO_STDIO */

/* ---- a model's text: its tokenizer, or bytes for a byte-level V ---- */

LDDEF int ld_vocab_is_bytes(const ld_config *cfg) {
    ld_config c = ld_config_resolve(cfg);
    return c.vocab_size == 256 || c.vocab_size == 257;
}

LDDEF ld_status ld_text_check(const ld_config *cfg, const ld_tokenizer *tok) {
    ld_config c = ld_config_resolve(cfg);
    if (tok && tok->V > c.vocab_size)
        return ld__fail(LD_ERR_CONFIG, "the tokenizer has %d ids, more than the model's vocab_size %d", tok->V, c.vocab_size);
    if (!tok && !ld_vocab_is_bytes(&c))
        return ld__fail(LD_ERR_CONFIG, "no tokenizer, and vocab_size %d is not the byte-level one (256 or 257): text needs "
                        "the model's tokenizer.json (or GPT-2's vocab.json + merges.txt) in its directory", c.vocab_size);
    return LD_OK;
}

LDDEF ld_status ld_model_set_tokenizer(ld_model *m, ld_tokenizer *tok) {
    if (!m || !m->theta) return ld__fail(LD_ERR_ARG, "model is NULL or not initialised");
    if (tok && tok->V > m->cfg.vocab_size)
        return ld__fail(LD_ERR_CONFIG, "the tokenizer has %d ids, more than the model's vocab_size %d", tok->V, m->cfg.vocab_size);
    if (m->tokenizer != tok) ld_tokenizer_free(m->tokenizer);
    m->tokenizer = tok;
    return LD_OK;
}

LDDEF ld_status ld_model_encode(const ld_model *m, const char *text, long len, int flags,
                                int *ids, int cap, int *n_ids) {
    if (!m || !text || !n_ids || (!ids && cap > 0) || cap < 0)
        return ld__fail(LD_ERR_ARG, "NULL model, text or output, or a negative capacity");
    ld_status st = ld_text_check(&m->cfg, m->tokenizer);
    if (st) return st;
    if (m->tokenizer) return ld_tokenizer_encode(m->tokenizer, text, len, flags, ids, cap, n_ids);
    size_t n = len < 0 ? strlen(text) : (size_t)len;
    if (n > 0x7FFFFFFF) return ld__fail(LD_ERR_LENGTH, "a text of %zu bytes is too long", n);
    if (n > (size_t)cap) {
        *n_ids = (int)n;
        return ld__fail(LD_ERR_LENGTH, "a text of %zu bytes needs %zu tokens; room for %d", n, n, cap);
    }
    for (size_t i = 0; i < n; i++) ids[i] = (unsigned char)text[i];
    *n_ids = (int)n;
    return LD_OK;
}

LDDEF ld_status ld_model_decode(const ld_model *m, const int *ids, int n, int flags,
                                char *out, size_t cap, size_t *n_out) {
    if (!m || (!ids && n > 0) || n < 0 || !out || !n_out) return ld__fail(LD_ERR_ARG, "NULL model, ids or output");
    ld_status st = ld_text_check(&m->cfg, m->tokenizer);
    if (st) return st;
    if (m->tokenizer) return ld_tokenizer_decode(m->tokenizer, ids, n, flags, out, cap, n_out);
    static const char eot[] = "<|endoftext|>";
    size_t need = 0;
    for (int i = 0; i < n; i++) {
        if (ids[i] < 0 || ids[i] >= m->cfg.vocab_size)
            return ld__fail(LD_ERR_TOKEN, "id %d at position %d is outside [0, %d)", ids[i], i, m->cfg.vocab_size);
        need += ids[i] < 256 ? 1 : (flags & LD_TOK_SKIP_SPECIAL) ? 0 : sizeof eot - 1;
    }
    if (need + 1 > cap) {
        *n_out = need;
        return ld__fail(LD_ERR_LENGTH, "the text needs %zu bytes and a NUL; room for %zu", need, cap);
    }
    size_t w = 0;
    for (int i = 0; i < n; i++) {
        if (ids[i] < 256) out[w++] = (char)ids[i];
        else if (!(flags & LD_TOK_SKIP_SPECIAL)) { memcpy(out + w, eot, sizeof eot - 1); w += sizeof eot - 1; }
    }
    out[w] = 0;
    *n_out = w;
    return LD_OK;
}

LDDEF int ld_model_token_string(const ld_model *m, int id, char *out, int cap) {
    if (!m) { if (out && cap > 0) out[0] = 0; return -1; }
    if (id < 0 || id >= m->cfg.vocab_size || (!m->tokenizer && ld_vocab_is_bytes(&m->cfg)))
        return ld_token_string(&m->cfg, id, out, cap);
    int n = m->tokenizer ? ld_tokenizer_token_display(m->tokenizer, id, out, cap) : -1;
    if (n >= 0) return n;
    char b[24];   /* an id past the tokenizer's, or a vocabulary that is not bytes without one */
    n = snprintf(b, sizeof b, "<|%d|>", id);
    if (out && cap > 0) { int k = LD__MIN(n, cap - 1); memcpy(out, b, (size_t)k); out[k] = 0; }
    return n;
}


/* -------------------------------------------------------------------- >>io */

/* ---- text helpers: growable bytes, code points, Python's white space ---- */


/* Bytes that grow; always NUL-terminated once anything was put. */
typedef struct { char *p; size_t n, cap; } ld__str;
static int ld__str_put(ld__str *b, const void *s, size_t n) {
    if (ld__grow((void **)&b->p, &b->cap, b->n + n + 1, 1)) return -1;
    if (n) memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
    return 0;
}
static int ld__str_puts(ld__str *b, const char *s) { return ld__str_put(b, s, strlen(s)); }
static void ld__str_free(ld__str *b) { LD_FREE(b->p); memset(b, 0, sizeof *b); }

/* The code point of the valid k-byte UTF-8 sequence at s. */
static unsigned ld__utf8_cp(const unsigned char *s, int k) {
    if (k == 1) return s[0];
    unsigned cp = s[0] & (0xFFu >> (k + 1));
    for (int i = 1; i < k; i++) cp = (cp << 6) | (s[i] & 0x3F);
    return cp;
}

/* Python's str.isspace for one code point: what str.strip() and Jinja's
   trim filter remove. */
static int ld__py_space(unsigned cp) {
    return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20) || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F ||
           cp == 0x3000;
}

/* Narrows s[*a..*b) to what Python's str.strip() leaves (an invalid byte
   counts as a non-space character). */
static void ld__py_strip(const unsigned char *s, size_t *a, size_t *b) {
    while (*a < *b) {
        int k = ld__utf8_len(s + *a, (int)LD__MIN(*b - *a, 4));
        if (!k || !ld__py_space(ld__utf8_cp(s + *a, k))) break;
        *a += (size_t)k;
    }
    while (*b > *a) {
        size_t q = *b - 1;
        while (q > *a && (s[q] & 0xC0) == 0x80 && *b - q < 4) q--;
        int k = ld__utf8_len(s + q, (int)(*b - q));
        if (k != (int)(*b - q) || !ld__py_space(ld__utf8_cp(s + q, k))) break;
        *b = q;
    }
}

/* Where the last occurrence of needle[0..nn) starts in hay[0..nh), or −1
   (Python's str.rindex; an empty needle is found at nh). */
static long ld__rfind(const char *hay, size_t nh, const char *needle, size_t nn) {
    if (nn > nh) return -1;
    for (size_t p = nh - nn + 1; p-- > 0;)
        if (!memcmp(hay + p, needle, nn)) return (long)p;
    return -1;
}

/* ---- chat templates ---- */

enum { LD__ROLE_SYSTEM = 0, LD__ROLE_USER = 1, LD__ROLE_ASSISTANT = 2 };
static const char *const ld__role_names[3] = { "system", "user", "assistant" };

/* One message: its role and its content, bytes [off, off + n) of an arena. */
typedef struct { int role; size_t off, n; } ld__msg;

/* The role named s[0..n), or −1. */
static int ld__role_of(const char *s, size_t n) {
    for (int r = 0; r < 3; r++)
        if (strlen(ld__role_names[r]) == n && !memcmp(s, ld__role_names[r], n)) return r;
    return -1;
}

/* Appends the rendering of messages m[0..n) (contents in arena) to out, as
   the template t writes them. gen: then the generation prompt. cont: the
   last message is to be continued, as transformers' continue_final_message
   does it: the text is cut just after the last occurrence of that message's
   content stripped of white space. 0, or −1 with the reason in why.       */
static int ld__chat_write(const ld_chat_template *t, const char *arena, const ld__msg *m, int n, int gen, int cont,
                          ld__str *out, char *why, size_t wn) {
    size_t s0 = out->n;
    int bad = 0;
    if (t->kind == LD_CHAT_CHATML && t->system[0] && n > 0 && m[0].role != LD__ROLE_SYSTEM) {
        bad |= ld__str_puts(out, "<|im_start|>system\n") | ld__str_puts(out, t->system) | ld__str_puts(out, "<|im_end|>\n");
    }
    for (int i = 0; i < n && !bad; i++) {
        const char *c = arena + m[i].off, *role = ld__role_names[m[i].role];
        switch (t->kind) {
        case LD_CHAT_PLAIN:
            if (i > 0) bad |= ld__str_puts(out, "\n");
            bad |= ld__str_put(out, c, m[i].n);
            break;
        case LD_CHAT_HH:
            if (m[i].role == LD__ROLE_SYSTEM) {
                snprintf(why, wn, "the hh template has no place for a \"system\" message (message %d)", i + 1);
                return -1;
            }
            bad |= ld__str_puts(out, m[i].role == LD__ROLE_USER ? "\n\nHuman: " : "\n\nAssistant: ");
            bad |= ld__str_put(out, c, m[i].n);
            break;
        case LD_CHAT_CHATML:
            bad |= ld__str_puts(out, "<|im_start|>") | ld__str_puts(out, role) | ld__str_puts(out, "\n");
            bad |= ld__str_put(out, c, m[i].n) | ld__str_puts(out, "<|im_end|>\n");
            break;
        case LD_CHAT_LLAMA3: {
            size_t a = 0, b = m[i].n;
            ld__py_strip((const unsigned char *)c, &a, &b);  /* message['content'] | trim */
            bad |= ld__str_puts(out, "<|start_header_id|>") | ld__str_puts(out, role) | ld__str_puts(out, "<|end_header_id|>\n\n");
            bad |= ld__str_put(out, c + a, b - a) | ld__str_puts(out, "<|eot_id|>");
            break;
        }
        default:
            snprintf(why, wn, "no chat template");
            return -1;
        }
    }
    if (gen && !bad) {
        static const char *const open[5] = { "", "\n", "\n\nAssistant:", "<|im_start|>assistant\n",
                                             "<|start_header_id|>assistant<|end_header_id|>\n\n" };
        bad |= ld__str_puts(out, open[t->kind]);
    }
    if (bad) { snprintf(why, wn, "out of memory"); return -2; }
    if (cont && n > 0) {
        size_t a = 0, b = m[n - 1].n;
        ld__py_strip((const unsigned char *)arena + m[n - 1].off, &a, &b);
        long at = ld__rfind(out->p + s0, out->n - s0, arena + m[n - 1].off + a, b - a);
        if (at < 0) { snprintf(why, wn, "the template does not write the last message's content"); return -1; }
        out->n = s0 + (size_t)at + (b - a);
        out->p[out->n] = 0;
    }
    return 0;
}

LDDEF ld_status ld_chat_template_named(ld_chat_template *t, const char *name) {
    static const struct { const char *name; ld_chat_kind kind; const char *system; } tab[] = {
        { "plain", LD_CHAT_PLAIN, "" },
        { "hh", LD_CHAT_HH, "" },
        { "chatml", LD_CHAT_CHATML, "" },
        { "llama3", LD_CHAT_LLAMA3, "" },
        { "qwen2.5", LD_CHAT_CHATML, "You are Qwen, created by Alibaba Cloud. You are a helpful assistant." },
        { "smollm2", LD_CHAT_CHATML, "You are a helpful AI assistant named SmolLM, trained by Hugging Face" },
    };
    if (!t) return ld__fail(LD_ERR_ARG, "template is NULL");
    memset(t, 0, sizeof *t);
    for (size_t i = 0; name && i < sizeof tab / sizeof tab[0]; i++)
        if (!strcmp(name, tab[i].name)) {
            t->kind = tab[i].kind;
            snprintf(t->name, sizeof t->name, "%s", tab[i].name);
            snprintf(t->system, sizeof t->system, "%s", tab[i].system);
            return LD_OK;
        }
    return ld__fail(LD_ERR_ARG, "no chat template named \"%s\" (plain, hh, chatml, llama3, qwen2.5, smollm2)",
                    name ? name : "(null)");
}

/* The Jinja sources recognised, as a tokenizer_config.json holds them once
   its JSON escapes are resolved (a "\n" in these C strings is the newline
   that Jinja's "\n" escape or a raw newline gives).                       */
static const char ld__jinja_llama3[] =
    "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + "
    "message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}"
    "{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}"
    "{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}";
static const char ld__jinja_chatml[] =
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + "
    "'\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";
/* SmolLM2-Instruct, Qwen2-Instruct, Qwen1.5-Chat: this, a system message
   without quotes or backslashes, then ld__jinja_chatml_first_b */
static const char ld__jinja_chatml_first_a[] =
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\n";
static const char ld__jinja_chatml_first_b[] =
    "<|im_end|>\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + "
    "'\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";
static const char ld__jinja_qwen2_5[] =
    "{%- if tools %}\n    {{- '<|im_start|>system\n' }}\n    {%- if messages[0]['role'] == 'system' %}\n        "
    "{{- messages[0]['content'] }}\n    {%- else %}\n        {{- 'You are Qwen, created by Alibaba Cloud. You are a "
    "helpful assistant.' }}\n    {%- endif %}\n    {{- \"\n\n# Tools\n\nYou may call one or more functions to assist "
    "with the user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>\" }}"
    "\n    {%- for tool in tools %}\n        {{- \"\n\" }}\n        {{- tool | tojson }}\n    {%- endfor %}\n    "
    "{{- \"\n</tools>\n\nFor each function call, return a json object with function name and arguments within "
    "<tool_call></tool_call> XML tags:\n<tool_call>\n{\\\"name\\\": <function-name>, \\\"arguments\\\": "
    "<args-json-object>}\n</tool_call><|im_end|>\n\" }}\n{%- else %}\n    {%- if messages[0]['role'] == 'system' %}\n"
    "        {{- '<|im_start|>system\n' + messages[0]['content'] + '<|im_end|>\n' }}\n    {%- else %}\n        "
    "{{- '<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n' }}\n"
    "    {%- endif %}\n{%- endif %}\n{%- for message in messages %}\n    {%- if (message.role == \"user\") or "
    "(message.role == \"system\" and not loop.first) or (message.role == \"assistant\" and not message.tool_calls) %}"
    "\n        {{- '<|im_start|>' + message.role + '\n' + message.content + '<|im_end|>' + '\n' }}\n    "
    "{%- elif message.role == \"assistant\" %}\n        {{- '<|im_start|>' + message.role }}\n        "
    "{%- if message.content %}\n            {{- '\n' + message.content }}\n        {%- endif %}\n        "
    "{%- for tool_call in message.tool_calls %}\n            {%- if tool_call.function is defined %}\n                "
    "{%- set tool_call = tool_call.function %}\n            {%- endif %}\n            {{- '\n<tool_call>\n{\"name\": \"' }}"
    "\n            {{- tool_call.name }}\n            {{- '\", \"arguments\": ' }}\n            "
    "{{- tool_call.arguments | tojson }}\n            {{- '}\n</tool_call>' }}\n        {%- endfor %}\n        "
    "{{- '<|im_end|>\n' }}\n    {%- elif message.role == \"tool\" %}\n        {%- if (loop.index0 == 0) or "
    "(messages[loop.index0 - 1].role != \"tool\") %}\n            {{- '<|im_start|>user' }}\n        {%- endif %}\n"
    "        {{- '\n<tool_response>\n' }}\n        {{- message.content }}\n        {{- '\n</tool_response>' }}\n"
    "        {%- if loop.last or (messages[loop.index0 + 1].role != \"tool\") %}\n            {{- '<|im_end|>\n' }}\n"
    "        {%- endif %}\n    {%- endif %}\n{%- endfor %}\n{%- if add_generation_prompt %}\n    "
    "{{- '<|im_start|>assistant\n' }}\n{%- endif %}\n";

LDDEF ld_status ld_chat_template_recognise(ld_chat_template *t, const char *jinja, size_t len) {
    if (!t || !jinja) return ld__fail(LD_ERR_ARG, "NULL argument");
    memset(t, 0, sizeof *t);
    /* Jinja's "\n" escape is the newline it stands for */
    char *s = (char *)LD_MALLOC(len + 1);
    if (!s) return ld__fail(LD_ERR_OOM, "chat template");
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (jinja[i] == '\\' && i + 1 < len && jinja[i + 1] == 'n') { s[n++] = '\n'; i++; }
        else s[n++] = jinja[i];
    }
    s[n] = 0;
    ld_status st = LD_OK;
    size_t na = sizeof ld__jinja_chatml_first_a - 1, nb = sizeof ld__jinja_chatml_first_b - 1;
    if (n == sizeof ld__jinja_llama3 - 1 && !memcmp(s, ld__jinja_llama3, n)) st = ld_chat_template_named(t, "llama3");
    else if (n == sizeof ld__jinja_qwen2_5 - 1 && !memcmp(s, ld__jinja_qwen2_5, n)) st = ld_chat_template_named(t, "qwen2.5");
    else if (n == sizeof ld__jinja_chatml - 1 && !memcmp(s, ld__jinja_chatml, n)) st = ld_chat_template_named(t, "chatml");
    else if (n > na + nb && !memcmp(s, ld__jinja_chatml_first_a, na) && !memcmp(s + n - nb, ld__jinja_chatml_first_b, nb) &&
             n - na - nb < sizeof t->system && !memchr(s + na, '\'', n - na - nb) && !memchr(s + na, '\\', n - na - nb)) {
        ld_chat_template_named(t, "chatml");
        memcpy(t->system, s + na, n - na - nb);
        t->system[n - na - nb] = 0;
        if (!strcmp(t->system, "You are a helpful AI assistant named SmolLM, trained by Hugging Face"))
            snprintf(t->name, sizeof t->name, "smollm2");
    } else
        st = ld__fail(LD_ERR_FORMAT, "the chat template is none of the built-in ones (chatml as Qwen2.5 and "
                                     "SmolLM2-Instruct write it, llama3): choose one by name (--template plain, hh, "
                                     "chatml, llama3, qwen2.5 or smollm2)");
    LD_FREE(s);
    return st;
}

LDDEF ld_status ld_chat_render(const ld_chat_template *t, const ld_chat_message *msgs, int n,
                               int add_generation_prompt, char *out, size_t cap, size_t *n_out) {
    if (n_out) *n_out = 0;
    if (!t || (!msgs && n > 0) || n < 0 || !out || cap < 1) return ld__fail(LD_ERR_ARG, "NULL argument or n < 0");
    if (t->kind <= LD_CHAT_NONE || t->kind > LD_CHAT_LLAMA3) return ld__fail(LD_ERR_ARG, "unknown chat template kind %d", (int)t->kind);
    ld__str arena = { 0, 0, 0 }, text = { 0, 0, 0 };
    ld__msg *m = (ld__msg *)LD_MALLOC(sizeof(ld__msg) * (size_t)(n > 0 ? n : 1));
    ld_status st = m ? LD_OK : ld__fail(LD_ERR_OOM, "chat render");
    for (int i = 0; i < n && !st; i++) {
        if (!msgs[i].role || !msgs[i].content) { st = ld__fail(LD_ERR_DATA, "message %d has no role or no content", i + 1); break; }
        m[i].role = ld__role_of(msgs[i].role, strlen(msgs[i].role));
        if (m[i].role < 0) { st = ld__fail(LD_ERR_DATA, "message %d: unknown role \"%s\" (system, user, assistant)", i + 1, msgs[i].role); break; }
        m[i].off = arena.n;
        m[i].n = strlen(msgs[i].content);
        if (ld__str_put(&arena, msgs[i].content, m[i].n)) st = ld__fail(LD_ERR_OOM, "chat render");
    }
    char why[200] = "";
    if (!st) {
        int r = ld__chat_write(t, arena.p ? arena.p : "", m, n, add_generation_prompt, 0, &text, why, sizeof why);
        if (r == -2) st = ld__fail(LD_ERR_OOM, "chat render");
        else if (r) st = ld__fail(LD_ERR_DATA, "%s", why);
    }
    if (!st && text.n + 1 > cap) st = ld__fail(LD_ERR_LENGTH, "the rendering needs %zu bytes, have %zu", text.n + 1, cap);
    if (!st) {
        if (text.n) memcpy(out, text.p, text.n);
        out[text.n] = 0;
        if (n_out) *n_out = text.n;
    }
    LD_FREE(m);
    ld__str_free(&arena);
    ld__str_free(&text);
    return st;
}

/* ---- datasets ---- */

LDDEF void ld_dataset_free(ld_dataset *ds) {
    if (!ds) return;
    if (ds->fields) for (int f = 0; f < ds->n_fields; f++) LD_FREE(ds->fields[f]);
    LD_FREE(ds->fields); LD_FREE(ds->tokens); LD_FREE(ds->start); LD_FREE(ds->len); LD_FREE(ds->line);
    LD_FREE(ds->skips); LD_FREE(ds->label);
    memset(ds, 0, sizeof *ds);
}

LDDEF int ld_dataset_field(const ld_dataset *ds, const char *name) {
    for (int f = 0; ds && name && f < ds->n_fields; f++) if (!strcmp(ds->fields[f], name)) return f;
    return -1;
}

/* Counts one skip of (reason, field) on line `line`. 0, or −1 out of memory. */
static int ld__skip_add(ld_dataset *ds, ld_skip_reason reason, const char *field, int line) {
    for (int k = 0; k < ds->n_skips; k++)
        if (ds->skips[k].reason == reason && !strcmp(ds->skips[k].field, field)) { ds->skips[k].n++; return 0; }
    ld_data_skip *s = (ld_data_skip *)LD_MALLOC(sizeof(ld_data_skip) * (size_t)(ds->n_skips + 1));
    if (!s) return -1;
    if (ds->n_skips) memcpy(s, ds->skips, sizeof(ld_data_skip) * (size_t)ds->n_skips);
    LD_FREE(ds->skips);
    ds->skips = s;
    memset(&s[ds->n_skips], 0, sizeof s[0]);
    s[ds->n_skips].reason = reason;
    snprintf(s[ds->n_skips].field, sizeof s[0].field, "%s", field);
    s[ds->n_skips].n = 1;
    s[ds->n_skips].first_line = line;
    ds->n_skips++;
    return 0;
}

LDDEF int ld_dataset_skips_string(const ld_dataset *ds, char *out, int cap) {
    char buf[2048] = "";
    size_t k = 0;
    for (int i = 0; ds && i < ds->n_skips && k < sizeof buf; i++) {
        const ld_data_skip *s = &ds->skips[i];
        char where[300];
        if (s->reason == LD_SKIP_MALFORMED) snprintf(where, sizeof where, "%s", ds->first_skip);
        else snprintf(where, sizeof where, "line %d", s->first_line);
        const char *sep = k ? "; " : "", *first = s->n > 1 ? "first: " : "";
        int w;
        if (s->reason == LD_SKIP_MALFORMED)
            w = snprintf(buf + k, sizeof buf - k, "%sskipped %d malformed line%s (%s%s)", sep, s->n, s->n > 1 ? "s" : "", first, where);
        else if (s->reason == LD_SKIP_EMPTY_RESPONSE)
            w = snprintf(buf + k, sizeof buf - k, "%sskipped %d example%s with an empty \"%s\" (%s%s)", sep, s->n,
                         s->n > 1 ? "s" : "", s->field, first, where);
        else
            w = snprintf(buf + k, sizeof buf - k, "%sleft out %d empty \"%s\" (%s%s)", sep, s->n, s->field, first, where);
        if (w < 0) break;
        k += (size_t)w;
    }
    if (k >= sizeof buf) k = sizeof buf - 1;
    if (out && cap > 0) {
        size_t c = LD__MIN(k, (size_t)cap - 1);
        memcpy(out, buf, c);
        out[c] = 0;
    }
    return (int)k;
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

/* Text → token ids: the one place where a dataset's text becomes tokens,
   through the tokenizer tok, or (tok NULL, the caller having checked the
   rule with ld_text_check) one token per byte. Writes *n_ids ids into *ids
   (grown). LD_DATA_TEST_TOKENIZER(s, n, out), if a test defines it, stands
   in for either (out has room for n ids; it returns how many it wrote), so
   that the prefix check below can meet a tokenizer that merges across the
   prompt's end.                                                            */
static ld_status ld__text_ids(const ld_tokenizer *tok, const unsigned char *s, size_t n, int **ids, size_t *cap,
                              size_t *n_ids) {
    if (n > (1u << 30)) return ld__fail(LD_ERR_DATA, "a text of %zu bytes is too long", n);
    if (ld__grow((void **)ids, cap, n + 1, sizeof(int))) return ld__fail(LD_ERR_OOM, "dataset");
#ifdef LD_DATA_TEST_TOKENIZER
    (void)tok;
    *n_ids = (size_t)LD_DATA_TEST_TOKENIZER(s, n, *ids);
#else
    if (tok) {   /* room for n + 1 ids, or (byte_fallback spells a byte in two) as many as it says */
        int k = 0;
        ld_status st = ld_tokenizer_encode(tok, (const char *)s, (long)n, 0, *ids, (int)(n + 1), &k);
        if (st == LD_ERR_LENGTH) {
            if (ld__grow((void **)ids, cap, (size_t)k + 1, sizeof(int))) return ld__fail(LD_ERR_OOM, "dataset");
            st = ld_tokenizer_encode(tok, (const char *)s, (long)n, 0, *ids, k, &k);
        }
        if (st) return st;
        *n_ids = (size_t)k;
        return LD_OK;
    }
    for (size_t q = 0; q < n; q++) (*ids)[q] = s[q];
    *n_ids = n;
#endif
    return LD_OK;
}

/* How many leading ids p[0..np) and q[0..nq) share: np when p is a prefix
   of q (TRL's check that the prompt's ids begin the prompt + completion's). */
static size_t ld__ids_common(const int *p, size_t np, const int *q, size_t nq) {
    size_t k = 0;
    while (k < np && k < nq && p[k] == q[k]) k++;
    return k;
}

/* Building a dataset row by row (the JSONL parser and the C constructors):
   ld__dsb_row opens a row with every cell absent, ld__dsb_put fills one
   cell with ids (ld__dsb_put_prompt and ld__dsb_put_response with text),
   then ld__dsb_commit keeps the row or ld__dsb_drop forgets it.           */
typedef struct {
    ld_dataset *ds;
    size_t rowcap, tokcap, linecap;   /* room in start/len, tokens, line */
    size_t labelcap;                  /* room in label (LD_DATA_UNPAIRED) */
    size_t row_tok0;                  /* ds->n_tokens when the row opened */
    ld__str prompt, text;             /* the row's prompt text; prompt + a response */
    int *pids, *ids;                  /* their ids */
    size_t npids, pidcap, idcap;
    const ld_tokenizer *tok;          /* text → ids (NULL: bytes) */
} ld__dsb;

/* The columns every dataset of a kind has, in order (NULL-terminated). */
static const char *const *ld__kind_cols(ld_data_kind kind) {
    static const char *const sft[] = { "prompt", "completion", NULL };
    static const char *const pref[] = { "prompt", "chosen", "rejected", NULL };
    static const char *const probes[] = { "prompt", NULL };
    return kind == LD_DATA_SFT || kind == LD_DATA_UNPAIRED ? sft : kind == LD_DATA_PREF ? pref : probes;
}

static ld_status ld__dsb_row(ld__dsb *b) {
    ld_dataset *ds = b->ds;
    size_t nf = (size_t)ds->n_fields;
    if ((size_t)ds->n + 1 > b->rowcap) {
        size_t nr = b->rowcap * 2;
        size_t *st2 = (size_t *)LD_MALLOC(sizeof(size_t) * nr * nf);
        int *ln2 = (int *)LD_MALLOC(sizeof(int) * nr * nf);
        if (!st2 || !ln2) { LD_FREE(st2); LD_FREE(ln2); return ld__fail(LD_ERR_OOM, "dataset"); }
        memcpy(st2, ds->start, sizeof(size_t) * ds->n * nf);
        memcpy(ln2, ds->len, sizeof(int) * ds->n * nf);
        LD_FREE(ds->start); LD_FREE(ds->len);
        ds->start = st2; ds->len = ln2; b->rowcap = nr;
    }
    if (ld__grow((void **)&ds->line, &b->linecap, (size_t)ds->n + 1, sizeof(int))) return ld__fail(LD_ERR_OOM, "dataset");
    if (ds->kind == LD_DATA_UNPAIRED && ld__grow((void **)&ds->label, &b->labelcap, (size_t)ds->n + 1, sizeof(int)))
        return ld__fail(LD_ERR_OOM, "dataset");
    for (size_t f = 0; f < nf; f++) {
        ds->start[(size_t)ds->n * nf + f] = ds->n_tokens;
        ds->len[(size_t)ds->n * nf + f] = -1;
    }
    b->row_tok0 = ds->n_tokens;
    return LD_OK;
}

/* Cell f of the open row: n ids. */
static ld_status ld__dsb_put(ld__dsb *b, int f, const int *tok, size_t n) {
    ld_dataset *ds = b->ds;
    if (n > (1u << 30)) return ld__fail(LD_ERR_DATA, "a field of %zu tokens is too long", n);
    if (ld__grow((void **)&ds->tokens, &b->tokcap, ds->n_tokens + n, sizeof(int))) return ld__fail(LD_ERR_OOM, "dataset");
    if (n) memcpy(ds->tokens + ds->n_tokens, tok, sizeof(int) * n);
    size_t cell = (size_t)ds->n * ds->n_fields + f;
    ds->start[cell] = ds->n_tokens;
    ds->len[cell] = (int)n;
    ds->n_tokens += n;
    return LD_OK;
}

/* Cell 0 of the open row: the prompt's text P[0..n), as ids. */
static ld_status ld__dsb_put_prompt(ld__dsb *b, const char *P, size_t n) {
    b->prompt.n = 0;
    if (ld__str_put(&b->prompt, P, n)) return ld__fail(LD_ERR_OOM, "dataset");
    ld_status st = ld__text_ids(b->tok, (const unsigned char *)P, n, &b->pids, &b->pidcap, &b->npids);
    return st ? st : ld__dsb_put(b, 0, b->pids, b->npids);
}

/* Cell f of the open row: the response R[0..n) after the row's prompt. The
   text prompt + response becomes ids, which must begin with the prompt's
   ids; the cell holds the ids after them. If they do not begin so, why
   says where they part and nothing is put.                                */
static ld_status ld__dsb_put_response(ld__dsb *b, int f, const char *R, size_t n, char *why, size_t wn) {
    b->text.n = 0;
    if (ld__str_put(&b->text, b->prompt.p ? b->prompt.p : "", b->prompt.n) || ld__str_put(&b->text, R, n))
        return ld__fail(LD_ERR_OOM, "dataset");
    size_t nids = 0;
    ld_status st = ld__text_ids(b->tok, (const unsigned char *)b->text.p, b->text.n, &b->ids, &b->idcap, &nids);
    if (st) return st;
    size_t k = ld__ids_common(b->pids, b->npids, b->ids, nids);
    if (k < b->npids) {
        snprintf(why, wn, "the prompt's %zu tokens are not a prefix of the tokens of prompt + \"%s\" (they part at "
                 "token %zu): the tokenizer joins the prompt's end to the response's start", b->npids, b->ds->fields[f], k);
        return LD_OK;
    }
    return ld__dsb_put(b, f, b->ids + b->npids, nids - b->npids);
}

/* label: LD_DATA_UNPAIRED's (1 desirable, 0 undesirable); ignored for other kinds */
static void ld__dsb_commit(ld__dsb *b, int line, int label) {
    if (b->ds->label) b->ds->label[b->ds->n] = label;
    b->ds->line[b->ds->n++] = line;
}
static void ld__dsb_drop(ld__dsb *b) { b->ds->n_tokens = b->row_tok0; }
static void ld__dsb_close(ld__dsb *b) {
    ld__str_free(&b->prompt); ld__str_free(&b->text);
    LD_FREE(b->pids); LD_FREE(b->ids);
    b->pids = b->ids = NULL;
}

/* Opens a dataset of a kind with columns cols (NULL: the kind's own);
   checks that column 0 is "prompt" and the kind's columns are there. */
static ld_status ld__dsb_open(ld__dsb *b, ld_dataset *ds, ld_data_kind kind, const char *const *cols, int n_cols) {
    memset(b, 0, sizeof *b);
    b->ds = ds;
    memset(ds, 0, sizeof *ds);
    if ((int)kind < 0 || kind > LD_DATA_UNPAIRED) return ld__fail(LD_ERR_ARG, "unknown dataset kind %d", (int)kind);
    ds->kind = kind;
    const char *const *need = ld__kind_cols(kind);
    if (!cols) { cols = need; for (n_cols = 0; need[n_cols]; n_cols++) {} }
    if (n_cols < 1 || n_cols > 4096) return ld__fail(LD_ERR_ARG, "%d columns", n_cols);
    for (int f = 0; f < n_cols; f++) {
        if (!cols[f]) return ld__fail(LD_ERR_ARG, "column %d has no name", f);
        if (ld_dataset_field(ds, cols[f]) >= 0) return ld__fail(LD_ERR_ARG, "column \"%s\" is named twice", cols[f]);
        if (ld__ds_add_field(ds, cols[f], &b->rowcap)) return ld__fail(LD_ERR_OOM, "dataset");
    }
    if (strcmp(cols[0], "prompt")) return ld__fail(LD_ERR_ARG, "column 0 must be \"prompt\", not \"%s\"", cols[0]);
    for (int k = 1; need[k]; k++)
        if (ld_dataset_field(ds, need[k]) < 0) return ld__fail(LD_ERR_ARG, "this kind of dataset needs a \"%s\" column", need[k]);
    return LD_OK;
}

/* Is cell f a response the kind requires (non-empty)? */
static int ld__required_response(const ld_dataset *ds, int f) {
    const char *const *need = ld__kind_cols(ds->kind);
    for (int k = 1; need[k]; k++) if (!strcmp(ds->fields[f], need[k])) return 1;
    return 0;
}

/* The shared body of the two C constructors: text cells or token cells. */
static ld_status ld__dataset_from_c(ld_dataset *ds, ld_data_kind kind, const char *const *cols, int n_cols,
                                    const char *const *texts, const int *const *toks, const int *lens, int n,
                                    const ld_config *cfg, const ld_data_opts *opts) {
    if (!ds) return ld__fail(LD_ERR_ARG, "dataset is NULL");
    ld__dsb b;
    ld_status st = ld__dsb_open(&b, ds, kind, cols, n_cols);
    ld_config c = ld_config_resolve(cfg);
    b.tok = opts ? opts->tokenizer : NULL;
    int nf = ds->n_fields;
    if (!st && (n < 1 || (!texts && !toks) || (toks && !lens))) st = ld__fail(LD_ERR_ARG, "%d examples, or no cells", n);
    if (!st && kind == LD_DATA_UNPAIRED)
        st = ld__fail(LD_ERR_ARG, "unpaired (KTO) rows carry labels, which these constructors do not take; parse them from JSONL");
    if (!st && opts && ((int)opts->truncation < 0 || opts->truncation > LD_TRUNC_TRL_KEEP_END))
        st = ld__fail(LD_ERR_ARG, "unknown truncation %d", (int)opts->truncation);
    if (!st && opts) ds->truncation = opts->truncation;
    if (!st && texts) st = ld_text_check(&c, b.tok);
    for (int i = 0; i < n && !st; i++) {
        st = ld__dsb_row(&b);
        for (int f = 0; f < nf && !st; f++) {
            size_t k = (size_t)i * nf + f;
            const char *name = ds->fields[f];
            int absent = texts ? !texts[k] : (!toks[k] || lens[k] < 0);
            if (absent) {
                if (f == 0 || ld__required_response(ds, f) || kind != LD_DATA_PROBES)
                    st = ld__fail(LD_ERR_DATA, "example %d has no \"%s\"", i, name);
                continue;
            }
            size_t len = texts ? strlen(texts[k]) : (size_t)lens[k];
            if (len == 0 && f > 0)
                st = ld__fail(LD_ERR_DATA, "example %d: \"%s\" is empty (a response needs at least one token)", i, name);
            else if (texts) {
                const unsigned char *u = (const unsigned char *)texts[k];
                for (size_t q = 0; q < len && !st;) {
                    int w = ld__utf8_len(u + q, (int)LD__MIN(len - q, 4));
                    if (!w) st = ld__fail(LD_ERR_DATA, "example %d: \"%s\" is not valid UTF-8 at byte %zu", i, name, q);
                    q += w ? (size_t)w : 1;
                }
                char why[300] = "";
                if (!st) {
                    st = f == 0 ? ld__dsb_put_prompt(&b, texts[k], len) : ld__dsb_put_response(&b, f, texts[k], len, why, sizeof why);
                    if (st && st != LD_ERR_OOM) st = ld__fail_context(st, "example %d: \"%s\"", i, name);   /* the tokenizer's */
                }
                if (!st && why[0]) st = ld__fail(LD_ERR_DATA, "example %d: %s", i, why);
            } else {
                for (size_t q = 0; q < len && !st; q++)
                    if (toks[k][q] < 0 || toks[k][q] >= c.vocab_size)
                        st = ld__fail(LD_ERR_TOKEN, "example %d: \"%s\" token %zu is %d, outside [0, %d)", i, name, q,
                                      toks[k][q], c.vocab_size);
                if (!st) st = ld__dsb_put(&b, f, toks[k], len);
            }
        }
        if (!st) ld__dsb_commit(&b, i + 1, 0);
    }
    ld__dsb_close(&b);
    if (st) ld_dataset_free(ds);
    return st;
}

LDDEF ld_status ld_dataset_from_strings(ld_dataset *ds, ld_data_kind kind, const char *const *cols, int n_cols,
                                        const char *const *cells, int n, const ld_config *cfg) {
    return ld_dataset_from_strings_opts(ds, kind, cols, n_cols, cells, n, cfg, NULL);
}

LDDEF ld_status ld_dataset_from_strings_opts(ld_dataset *ds, ld_data_kind kind, const char *const *cols, int n_cols,
                                             const char *const *cells, int n, const ld_config *cfg,
                                             const ld_data_opts *opts) {
    if (!cells) { if (ds) memset(ds, 0, sizeof *ds); return ld__fail(LD_ERR_ARG, "cells are NULL"); }
    return ld__dataset_from_c(ds, kind, cols, n_cols, cells, NULL, NULL, n, cfg, opts);
}

LDDEF ld_status ld_dataset_from_tokens(ld_dataset *ds, ld_data_kind kind, const char *const *cols, int n_cols,
                                       const int *const *cells, const int *lens, int n, const ld_config *cfg) {
    if (!cells || !lens) { if (ds) memset(ds, 0, sizeof *ds); return ld__fail(LD_ERR_ARG, "cells or lens are NULL"); }
    return ld__dataset_from_c(ds, kind, cols, n_cols, NULL, cells, lens, n, cfg, NULL);
}

/* ---- rows as users have them: one prompt text and its response texts ---- */

/* One response of a row: the column it goes to, its text in the row's R. */
typedef struct { char name[128]; size_t off, n; } ld__resp;

/* A row read from JSON, reduced to text (what TRL's maybe_extract_prompt
   and maybe_apply_chat_template leave): P, and responses in R. */
typedef struct {
    const ld__json *j;
    const ld_chat_template *chat;
    char *why;                  /* the reason a row is malformed */
    size_t wn;
    ld__str P, R, arena;        /* prompt; responses; decoded message contents */
    ld__resp *r;
    int nr, rcap;
    ld__msg *m;                 /* messages read so far (of several fields) */
    int nm, mcap;
} ld__row;

static void ld__row_free(ld__row *w) {
    ld__str_free(&w->P); ld__str_free(&w->R); ld__str_free(&w->arena);
    LD_FREE(w->r); LD_FREE(w->m);
    w->r = NULL; w->m = NULL; w->rcap = w->mcap = 0;
}

#define LD__ROW_FAIL(w, ...) (snprintf((w)->why, (w)->wn, __VA_ARGS__), -1)
#define LD__ROW_OOM(w) (snprintf((w)->why, (w)->wn, "out of memory"), -2)

/* Appends string node v, decoded, to b; its length, or −1 (lone surrogate). */
static long ld__json_text(const ld__json *j, int v, ld__str *b) {
    size_t raw = (size_t)(j->nodes[v].end - j->nodes[v].start);
    if (ld__grow((void **)&b->p, &b->cap, b->n + raw + 1, 1)) return -2;
    long n = ld__json_str(j, v, b->p + b->n, raw);
    if (n < 0) return -1;
    b->n += (size_t)n;
    b->p[b->n] = 0;
    return n;
}

/* Node v's form: 's' text, 'c' a conversation (a list of objects, maybe
   empty), 0 anything else. */
static int ld__form(const ld__json *j, int v) {
    if (v < 0) return 0;
    if (j->nodes[v].type == 's') return 's';
    if (j->nodes[v].type != 'a') return 0;
    for (int k = 0, c = v + 1; k < j->nodes[v].n; k++, c = j->nodes[c].skip)
        if (j->nodes[c].type != 'o') return 0;
    return 'c';
}

/* Reads field `name` (node v, a conversation) as messages appended to w->m;
   *first gets the index of the first. 0, −1 malformed, −2 out of memory. */
static int ld__row_conv(ld__row *w, int v, const char *name, int *first) {
    const ld__json *j = w->j;
    *first = w->nm;
    for (int k = 0, c = v + 1; k < j->nodes[v].n; k++, c = j->nodes[c].skip) {
        int vr = ld__json_get(j, c, "role"), vc = ld__json_get(j, c, "content");
        if (vr < 0 || j->nodes[vr].type != 's') return LD__ROW_FAIL(w, "message %d of \"%s\" has no \"role\" string", k + 1, name);
        char role[32];
        long rn = ld__json_str(j, vr, role, sizeof role - 1);
        int r = rn < 0 ? -1 : ld__role_of(role, (size_t)rn);
        if (r < 0) {
            int q = j->nodes[vr].end - j->nodes[vr].start;
            return LD__ROW_FAIL(w, "message %d of \"%s\": unknown role \"%.*s\" (system, user, assistant)", k + 1, name,
                                q > 40 ? 40 : q, j->src + j->nodes[vr].start);
        }
        if (vc < 0) return LD__ROW_FAIL(w, "message %d of \"%s\" has no \"content\"", k + 1, name);
        if (j->nodes[vc].type != 's') return LD__ROW_FAIL(w, "message %d of \"%s\": \"content\" is not a string", k + 1, name);
        if (w->nm == w->mcap) {
            size_t cap = (size_t)w->mcap;
            if (ld__grow((void **)&w->m, &cap, (size_t)w->nm + 1, sizeof(ld__msg))) return LD__ROW_OOM(w);
            w->mcap = (int)cap;
        }
        size_t off = w->arena.n;
        long n = ld__json_text(j, vc, &w->arena);
        if (n == -2) return LD__ROW_OOM(w);
        if (n < 0) return LD__ROW_FAIL(w, "message %d of \"%s\": \"content\" has a lone UTF-16 surrogate", k + 1, name);
        w->m[w->nm].role = r; w->m[w->nm].off = off; w->m[w->nm].n = (size_t)n;
        w->nm++;
    }
    return 0;
}

/* Appends a response of column `name` with text s[0..n). */
static int ld__row_add(ld__row *w, const char *name, const char *s, size_t n) {
    if (w->nr == w->rcap) {
        size_t cap = (size_t)w->rcap;
        if (ld__grow((void **)&w->r, &cap, (size_t)w->nr + 1, sizeof(ld__resp))) return LD__ROW_OOM(w);
        w->rcap = (int)cap;
    }
    ld__resp *r = &w->r[w->nr++];
    snprintf(r->name, sizeof r->name, "%s", name);
    r->off = w->R.n;
    r->n = n;
    return ld__str_put(&w->R, s, n) ? LD__ROW_OOM(w) : 0;
}

/* Do messages a and b say the same (role and content)? */
static int ld__msg_same(const ld__row *w, const ld__msg *a, const ld__msg *b) {
    return a->role == b->role && a->n == b->n && !memcmp(w->arena.p + a->off, w->arena.p + b->off, a->n);
}

/* TRL's extract_prompt on two sequences of lengths na, nb whose element k
   compares with same(k): the index of the first difference, one less when
   the element before it is a space (space(k−1)); when none differs within
   the shorter, the last index of the shorter (its loop variable's last
   value). (At a difference at index 0 TRL's code looks at the last element
   instead; there the prompt is taken as empty.)                           */
static size_t ld__extract_split(size_t na, size_t nb, int (*same)(const void *, size_t), int (*space)(const void *, size_t),
                                const void *ctx) {
    size_t m = LD__MIN(na, nb);
    for (size_t k = 0; k < m; k++)
        if (!same(ctx, k)) return k > 0 && space(ctx, k - 1) ? k - 1 : k;
    return m ? m - 1 : 0;
}

/* Code points of two texts, for ld__extract_split. */
typedef struct { const unsigned char *a, *b; const size_t *oa, *ob; } ld__cp_pair;
static int ld__cp_pair_same(const void *c, size_t k) {
    const ld__cp_pair *p = (const ld__cp_pair *)c;
    size_t la = p->oa[k + 1] - p->oa[k], lb = p->ob[k + 1] - p->ob[k];
    return la == lb && !memcmp(p->a + p->oa[k], p->b + p->ob[k], la);
}
static int ld__cps_space(const void *c, size_t k) {
    const ld__cp_pair *p = (const ld__cp_pair *)c;
    return p->oa[k + 1] - p->oa[k] == 1 && p->a[p->oa[k]] == ' ';
}
/* Messages of two conversations, for ld__extract_split. */
typedef struct { const ld__row *w; int a, b; } ld__convs;
static int ld__convs_same(const void *c, size_t k) {
    const ld__convs *p = (const ld__convs *)c;
    return ld__msg_same(p->w, &p->w->m[p->a + (int)k], &p->w->m[p->b + (int)k]);
}
static int ld__convs_space(const void *c, size_t k) { (void)c; (void)k; return 0; }

/* Byte offsets of the code points of s[0..n) (valid UTF-8) into *o (n + 1
   entries at most); their count. */
static size_t ld__cp_offsets(const unsigned char *s, size_t n, size_t *o) {
    size_t c = 0;
    for (size_t q = 0; q < n;) {
        o[c++] = q;
        int k = ld__utf8_len(s + q, (int)LD__MIN(n - q, 4));
        q += k ? (size_t)k : 1;
    }
    o[c] = n;
    return c;
}

/* The conversational prompt m[p0 .. p0+np) and responses (first message,
   count) rendered: P as the template writes the prompt with the generation
   prompt (or continued, when it ends with the assistant), each response as
   the template writes prompt + response past P. As TRL's
   apply_chat_template, the latter must begin with P.                       */
static int ld__row_render(ld__row *w, int p0, int np, const char *const *names, const int *r0, const int *nr, int n_resp) {
    if (!w->chat || w->chat->kind == LD_CHAT_NONE)
        return LD__ROW_FAIL(w, "a conversation, and no chat template to render it (ld_data_opts.chat; ldllm --template "
                               "plain, hh, chatml, llama3, qwen2.5 or smollm2)");
    if (np < 1) return LD__ROW_FAIL(w, "the prompt is an empty conversation");
    int last = w->m[p0 + np - 1].role;
    if (last == LD__ROLE_SYSTEM) return LD__ROW_FAIL(w, "the prompt's last message is a system message (user or assistant expected)");
    int rc = ld__chat_write(w->chat, w->arena.p, w->m + p0, np, last == LD__ROLE_USER, last == LD__ROLE_ASSISTANT, &w->P, w->why, w->wn);
    if (rc) return rc;
    ld__str full = { 0, 0, 0 };
    ld__msg *both = (ld__msg *)LD_MALLOC(sizeof(ld__msg) * (size_t)(w->nm + 1));
    if (!both) return LD__ROW_OOM(w);
    for (int k = 0; k < n_resp && !rc; k++) {
        if (nr[k] == 0) { rc = ld__row_add(w, names[k], "", 0); continue; }  /* an empty response */
        memcpy(both, w->m + p0, sizeof(ld__msg) * (size_t)np);
        memcpy(both + np, w->m + r0[k], sizeof(ld__msg) * (size_t)nr[k]);
        full.n = 0;
        rc = ld__chat_write(w->chat, w->arena.p, both, np + nr[k], 0, 0, &full, w->why, w->wn);
        if (!rc && (full.n < w->P.n || memcmp(full.p, w->P.p, w->P.n)))
            rc = LD__ROW_FAIL(w, "the chat template applied to the prompt + \"%s\" does not begin with the template "
                                 "applied to the prompt alone", names[k]);
        if (!rc) rc = ld__row_add(w, names[k], full.p + w->P.n, full.n - w->P.n);
    }
    LD_FREE(both);
    ld__str_free(&full);
    return rc;
}

/* A row with an explicit prompt (node vp) and responses nodes v[k] going to
   columns names[k]: texts, or conversations rendered with the template. */
static int ld__row_explicit(ld__row *w, int vp, const char *const *names, const int *v, int n) {
    const ld__json *j = w->j;
    int form = ld__form(j, vp);
    if (form == 's') {
        long k = ld__json_text(j, vp, &w->P);
        if (k == -2) return LD__ROW_OOM(w);
        if (k < 0) return LD__ROW_FAIL(w, "field \"prompt\" has a lone UTF-16 surrogate");
        for (int i = 0; i < n; i++) {
            if (ld__form(j, v[i]) != 's')
                return LD__ROW_FAIL(w, ld__form(j, v[i]) == 'c' ? "field \"%s\" is a conversation but \"prompt\" is text"
                                                               : "field \"%s\" is not a string", names[i]);
            size_t off = w->arena.n;
            long q = ld__json_text(j, v[i], &w->arena);
            if (q == -2) return LD__ROW_OOM(w);
            if (q < 0) return LD__ROW_FAIL(w, "field \"%s\" has a lone UTF-16 surrogate", names[i]);
            int rc = ld__row_add(w, names[i], w->arena.p + off, (size_t)q);
            if (rc) return rc;
        }
        return 0;
    }
    if (form != 'c') return LD__ROW_FAIL(w, "field \"prompt\" is not a string or a list of messages");
    int p0, rc = ld__row_conv(w, vp, "prompt", &p0), np = w->nm - p0;
    int r0[64], nr[64];
    if (n > 64) return LD__ROW_FAIL(w, "more than 64 conversational responses in a row");
    for (int i = 0; i < n && !rc; i++) {
        if (ld__form(j, v[i]) != 'c')
            return LD__ROW_FAIL(w, ld__form(j, v[i]) == 's' ? "field \"%s\" is text but \"prompt\" is a conversation"
                                                           : "field \"%s\" is not a list of messages", names[i]);
        rc = ld__row_conv(w, v[i], names[i], &r0[i]);
        nr[i] = w->nm - r0[i];
    }
    return rc ? rc : ld__row_render(w, p0, np, names, r0, nr, n);
}

/* A row without a prompt: chosen (node vc) and rejected (vr; −1 for SFT on
   an HH transcript) hold it. Text: the HH rule, else TRL's extract_prompt;
   conversations: TRL's extract_prompt on the messages. keep_rejected: the
   row's responses are both (else chosen alone, as "completion"). */
static int ld__row_implicit(ld__row *w, int vc, int vr, int keep_rejected) {
    const ld__json *j = w->j;
    int fc = ld__form(j, vc), fr = vr >= 0 ? ld__form(j, vr) : fc;
    const char *nc = keep_rejected ? "chosen" : "completion";
    if (!fc) return LD__ROW_FAIL(w, "field \"chosen\" is not a string or a list of messages");
    if (fr != fc) return LD__ROW_FAIL(w, "fields \"chosen\" and \"rejected\" are not of one form (text, or messages)");
    if (fc == 'c') {
        int c0, r0 = 0, rc = ld__row_conv(w, vc, "chosen", &c0), ncm = w->nm - c0, nrm = 0;
        if (!rc && vr >= 0) { rc = ld__row_conv(w, vr, "rejected", &r0); nrm = w->nm - r0; }
        if (rc) return rc;
        size_t split;
        if (vr >= 0) {
            ld__convs cv = { w, c0, r0 };
            split = ld__extract_split((size_t)ncm, (size_t)nrm, ld__convs_same, ld__convs_space, &cv);
        } else {
            if (ncm < 2 || w->m[c0 + ncm - 1].role != LD__ROLE_ASSISTANT)
                return LD__ROW_FAIL(w, "\"chosen\" must end with the assistant's message");
            split = (size_t)ncm - 1;
        }
        if (split == 0) return LD__ROW_FAIL(w, "\"chosen\" and \"rejected\" share no first message: there is no prompt");
        const char *names[2] = { nc, "rejected" };
        int rs[2] = { c0 + (int)split, r0 + (int)split }, ns[2] = { ncm - (int)split, nrm - (int)split };
        return ld__row_render(w, c0, (int)split, names, rs, ns, keep_rejected ? 2 : 1);
    }
    /* text: decode both into R, then split */
    size_t a0 = w->arena.n;
    long lc = ld__json_text(j, vc, &w->arena), lr = 0;
    if (lc == -2) return LD__ROW_OOM(w);
    if (lc < 0) return LD__ROW_FAIL(w, "field \"chosen\" has a lone UTF-16 surrogate");
    if (vr >= 0) {
        lr = ld__json_text(j, vr, &w->arena);
        if (lr == -2) return LD__ROW_OOM(w);
        if (lr < 0) return LD__ROW_FAIL(w, "field \"rejected\" has a lone UTF-16 surrogate");
    }
    const char *C = w->arena.p + a0, *Rj = C + lc;
    size_t split;
    static const char marker[] = "\n\nAssistant:";
    long at = ld__rfind(C, (size_t)lc, marker, sizeof marker - 1);
    if (at >= 0) { /* the official DPO code's extract_anthropic_prompt */
        split = (size_t)at + sizeof marker - 1;
        if (vr >= 0 && ((size_t)lr < split || memcmp(Rj, C, split)))
            return LD__ROW_FAIL(w, "\"rejected\" does not begin with the prompt of \"chosen\" (its text up to its last "
                                   "\"\\n\\nAssistant:\")");
    } else if (vr >= 0) { /* TRL's extract_prompt, on code points */
        size_t *oa = (size_t *)LD_MALLOC(sizeof(size_t) * ((size_t)lc + 1)), *ob = (size_t *)LD_MALLOC(sizeof(size_t) * ((size_t)lr + 1));
        if (!oa || !ob) { LD_FREE(oa); LD_FREE(ob); return LD__ROW_OOM(w); }
        size_t na = ld__cp_offsets((const unsigned char *)C, (size_t)lc, oa), nb = ld__cp_offsets((const unsigned char *)Rj, (size_t)lr, ob);
        ld__cp_pair cp = { (const unsigned char *)C, (const unsigned char *)Rj, oa, ob };
        size_t k = ld__extract_split(na, nb, ld__cp_pair_same, ld__cps_space, &cp);
        split = oa[k];
        LD_FREE(oa); LD_FREE(ob);
    } else
        return LD__ROW_FAIL(w, "\"chosen\" has no \"\\n\\nAssistant:\" to take the prompt from, and there is no "
                               "\"rejected\" to compare it with");
    if (ld__str_put(&w->P, C, split)) return LD__ROW_OOM(w);
    int rc = ld__row_add(w, nc, C + split, (size_t)lc - split);
    if (!rc && keep_rejected) rc = ld__row_add(w, "rejected", Rj + split, (size_t)lr - split);
    return rc;
}

/* A row of "messages" alone (node vm): all but the last message are the
   prompt, the last (the assistant's) the response "completion". */
static int ld__row_messages(ld__row *w, int vm) {
    if (ld__form(w->j, vm) != 'c') return LD__ROW_FAIL(w, "field \"messages\" is not a list of messages");
    int m0, rc = ld__row_conv(w, vm, "messages", &m0), n = w->nm - m0;
    if (rc) return rc;
    if (n < 2 || w->m[m0 + n - 1].role != LD__ROLE_ASSISTANT)
        return LD__ROW_FAIL(w, "\"messages\" must end with the assistant's message, after at least one other");
    const char *name = "completion";
    int r0 = m0 + n - 1, one = 1;
    return ld__row_render(w, m0, n - 1, &name, &r0, &one, 1);
}

/* Reads JSON object 0 of w->j as a row of `kind` into w->P and w->r.
   0, −1 malformed (w->why), −2 out of memory. */
static int ld__row_read(ld__row *w, ld_data_kind kind) {
    const ld__json *j = w->j;
    w->P.n = w->R.n = w->arena.n = 0;
    w->nr = w->nm = 0;
    int vp = ld__json_get(j, 0, "prompt"), vc = ld__json_get(j, 0, "completion"), vch = ld__json_get(j, 0, "chosen"),
        vrj = ld__json_get(j, 0, "rejected"), vm = ld__json_get(j, 0, "messages");
    int pf = ld__form(j, vp);
    if (kind == LD_DATA_UNPAIRED) {   /* KTO's rows: a prompt and one completion (its label is read apart) */
        static const char *const name[1] = { "completion" };
        if (vp < 0) return LD__ROW_FAIL(w, "missing field \"prompt\"");
        if (vc < 0) return LD__ROW_FAIL(w, "missing field \"completion\"");
        return ld__row_explicit(w, vp, name, &vc, 1);
    }
    if (kind == LD_DATA_SFT) {
        static const char *const name[1] = { "completion" };
        if (vc >= 0) {
            if (vp < 0) return LD__ROW_FAIL(w, "missing field \"prompt\"");
            return ld__row_explicit(w, vp, name, &vc, 1);
        }
        if (vch >= 0) { /* a preference row: SFT on chosen */
            if (vp >= 0 && pf == ld__form(j, vch)) return ld__row_explicit(w, vp, name, &vch, 1);
            return ld__row_implicit(w, vch, vrj, 0);
        }
        if (vm >= 0 && vp < 0) return ld__row_messages(w, vm);
        return LD__ROW_FAIL(w, "missing field \"completion\"");
    }
    if (kind == LD_DATA_PREF) {
        static const char *const names[2] = { "chosen", "rejected" };
        if (vch < 0) return LD__ROW_FAIL(w, "missing field \"chosen\"");
        if (vrj < 0) return LD__ROW_FAIL(w, "missing field \"rejected\"");
        int v[2] = { vch, vrj };
        if (vp >= 0 && pf == ld__form(j, vch)) return ld__row_explicit(w, vp, names, v, 2);
        return ld__row_implicit(w, vch, vrj, 1);
    }
    /* probes */
    if (vch >= 0 && vrj >= 0 && (vp < 0 || pf != ld__form(j, vch))) return ld__row_implicit(w, vch, vrj, 1);
    if (vp < 0) {
        if (vm >= 0) return ld__row_messages(w, vm);
        return LD__ROW_FAIL(w, "missing field \"prompt\"");
    }
    if (!pf) return LD__ROW_FAIL(w, "field \"prompt\" is not a string or a list of messages");
    /* every other field of the prompt's form is a probe ("messages" is a whole conversation, never one) */
    const char *names[64];
    char namebuf[64][128];
    int v[64], n = 0;
    for (int i = 0, kk = 1; i < j->nodes[0].n / 2; i++) {
        int val = j->nodes[kk].skip;
        if (ld__form(j, val) == pf && val != vp && val != vm) {
            if (n == 64) return LD__ROW_FAIL(w, "more than 64 probes in a row");
            if (ld__json_str(j, kk, namebuf[n], sizeof namebuf[n] - 1) < 0) return LD__ROW_FAIL(w, "a field name is too long");
            int dup = 0;  /* a key given twice: its first value counts, as in ld__json_get */
            for (int q = 0; q < n; q++) dup |= !strcmp(names[q], namebuf[n]);
            if (!dup && strcmp(namebuf[n], "prompt")) { names[n] = namebuf[n]; v[n] = val; n++; }
        }
        kk = j->nodes[val].skip;
    }
    return ld__row_explicit(w, vp, names, v, n);
}

LDDEF ld_status ld_dataset_parse_opts(ld_dataset *ds, const char *text, size_t len, const ld_config *cfg,
                                      ld_data_kind kind, const ld_data_opts *opts) {
    if (!ds) return ld__fail(LD_ERR_ARG, "dataset is NULL");
    memset(ds, 0, sizeof *ds);
    if (!text) return ld__fail(LD_ERR_ARG, "text is NULL");
    ld_data_opts o;
    memset(&o, 0, sizeof o);
    if (opts) o = *opts;
    if ((int)o.truncation < 0 || o.truncation > LD_TRUNC_TRL_KEEP_END)
        return ld__fail(LD_ERR_ARG, "unknown truncation %d", (int)o.truncation);
    ld_config c = ld_config_resolve(cfg);
    ld_status st = ld_text_check(&c, o.tokenizer);
    if (st) return st;
    ld__dsb b;
    st = ld__dsb_open(&b, ds, kind, NULL, 0);
    b.tok = o.tokenizer;
    if (st) { ld__dsb_close(&b); ld_dataset_free(ds); return st; }
    ds->truncation = o.truncation;
    ld__row w;
    memset(&w, 0, sizeof w);
    w.chat = o.chat;
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
        char why[300] = "";
        ld__json j;
        memset(&j, 0, sizeof j);
        w.j = &j; w.why = why; w.wn = sizeof why;
        int rc = 0;
        if (ll > 0x7FFFFFF0u) snprintf(why, sizeof why, "line too long");
        else if (ld__json_parse(&j, ln, ll)) snprintf(why, sizeof why, "bad JSON: %s", j.err);
        else if (j.nodes[0].type != 'o') snprintf(why, sizeof why, "not a JSON object");
        else rc = ld__row_read(&w, kind);
        if (rc == -2) st = ld__fail(LD_ERR_OOM, "dataset");
        int label = 0;
        if (!st && !why[0] && kind == LD_DATA_UNPAIRED) { /* TRL's boolean "label" */
            int v = ld__json_get(&j, 0, "label");
            if (v < 0) snprintf(why, sizeof why, "missing field \"label\"");
            else if (j.nodes[v].type != 't' && j.nodes[v].type != 'f') snprintf(why, sizeof why, "field \"label\" is not true or false");
            else label = j.nodes[v].type == 't';
        }
        /* an empty response: a probe is left out; an SFT or preference row is skipped */
        int empty_resp = -1;
        for (int r = 0; r < w.nr && !why[0] && kind != LD_DATA_PROBES; r++)
            if (!w.r[r].n && empty_resp < 0) empty_resp = r;
        if (!st && !why[0] && empty_resp >= 0) {
            if (ld__skip_add(ds, LD_SKIP_EMPTY_RESPONSE, w.r[empty_resp].name, lineno)) st = ld__fail(LD_ERR_OOM, "dataset");
            ld__json_free(&j);
            continue;
        }
        for (int r = 0; r < w.nr && !st && !why[0]; r++) /* a probe type met for the first time */
            if (ld_dataset_field(ds, w.r[r].name) < 0 && ld__ds_add_field(ds, w.r[r].name, &b.rowcap))
                st = ld__fail(LD_ERR_OOM, "dataset");
        if (!why[0] && !st) st = ld__dsb_row(&b);
        if (!why[0] && !st) st = ld__dsb_put_prompt(&b, w.P.p ? w.P.p : "", w.P.n);
        for (int r = 0; r < w.nr && !st && !why[0]; r++)
            if (w.r[r].n) st = ld__dsb_put_response(&b, ld_dataset_field(ds, w.r[r].name), w.R.p + w.r[r].off, w.r[r].n, why, sizeof why);
        if (st && st != LD_ERR_OOM) st = ld__fail_context(st, "line %d", lineno);   /* the tokenizer's */
        if (!st && !why[0]) {
            ld__dsb_commit(&b, lineno, label);
            for (int r = 0; r < w.nr && !st; r++)
                if (!w.r[r].n && ld__skip_add(ds, LD_SKIP_EMPTY_PROBE, w.r[r].name, lineno)) st = ld__fail(LD_ERR_OOM, "dataset");
        } else if (!st) ld__dsb_drop(&b);
        ld__json_free(&j);
        if (why[0] && !st) {
            if (o.flags & LD_DATA_SKIP_BAD) {
                if (!ds->n_skipped++) snprintf(ds->first_skip, sizeof ds->first_skip, "line %d: %.230s", lineno, why);
                if (ld__skip_add(ds, LD_SKIP_MALFORMED, "", lineno)) st = ld__fail(LD_ERR_OOM, "dataset");
            } else st = ld__fail(LD_ERR_DATA, "line %d: %s", lineno, why);
        }
    }
    ld__row_free(&w);
    ld__dsb_close(&b);
    if (!st && ds->n == 0) {
        char sk[600];
        if (ld_dataset_skips_string(ds, sk, sizeof sk)) st = ld__fail(LD_ERR_DATA, "no usable examples (%s)", sk);
        else st = ld__fail(LD_ERR_DATA, "no examples");
    }
    if (st) ld_dataset_free(ds);
    return st;
}

LDDEF ld_status ld_dataset_parse(ld_dataset *ds, const char *text, size_t len, const ld_config *cfg,
                                 ld_data_kind kind, int flags) {
    ld_data_opts o;
    memset(&o, 0, sizeof o);
    o.flags = flags;
    return ld_dataset_parse_opts(ds, text, len, cfg, kind, &o);
}

/* Writes tokens [a, b) of χ = [bos; x; y; eos] (x of nx tokens, y of ny;
   nb = 1 with a bos, 0 without) to out. */
static void ld__chi_copy(int bos, int nb, int eos, const int *x, int nx, const int *y, int ny, int a, int b, int *out) {
    for (int k = a; k < b; k++) {
        int j = k - nb;   /* index into x; y; eos */
        *out++ = j < 0 ? bos : j < nx ? x[j] : j < nx + ny ? y[j - nx] : eos;
    }
}

LDDEF ld_status ld_dataset_seq(const ld_dataset *ds, int i, int field, int T, int max_prompt,
                               const ld_config *cfg, int *buf, ld_seq *out) {
    if (!ds || !buf || !out || !cfg || i < 0 || i >= ds->n || field < 1 || field >= ds->n_fields || T < 3)
        return ld__fail(LD_ERR_ARG, "example %d, field %d, T %d: out of range (or no config)", i, field, T);
    ld_config c = ld_config_resolve(cfg);
    int bos = c.bos_token, eos = c.eos_token, nb = bos != LD_NO_TOKEN, ne = eos != LD_NO_TOKEN;
    if ((int)ds->truncation < 0 || ds->truncation > LD_TRUNC_TRL_KEEP_END)
        return ld__fail(LD_ERR_ARG, "unknown truncation %d", (int)ds->truncation);
    const int *len = ds->len + (size_t)i * ds->n_fields;
    const size_t *start = ds->start + (size_t)i * ds->n_fields;
    if (len[field] < 0) return ld__fail(LD_ERR_MISSING, "example %d (line %d) has no \"%s\"", i, ds->line[i], ds->fields[field]);
    /* χ = [bos; x; y; eos]: the prompt part [bos; x] and the response part [y; eos] */
    int x_full = LD__MAX(len[0], 0), y = len[field];
    if (nb + x_full == 0 || y + ne == 0)
        return ld__fail(LD_ERR_LENGTH, "example %d (line %d): an empty %s and no %s token to stand in for it", i,
                        ds->line[i], nb + x_full == 0 ? "prompt" : "response", nb + x_full == 0 ? "bos" : "eos");
    const int *x = ds->tokens + start[0], *yt = ds->tokens + start[field];
    int trl = ds->truncation == LD_TRUNC_TRL || ds->truncation == LD_TRUNC_TRL_KEEP_END;
    if (!trl) {
        if (max_prompt <= 0) max_prompt = T / 2;
        if (max_prompt > T - 1) max_prompt = T - 1;
        int longest_response = 0;
        for (int f = 1; f < ds->n_fields; f++) longest_response = LD__MAX(longest_response, len[f]);
        int x_kept = x_full, prompt_part = nb + x_full;
        /* rule 1 (the official DPO code): if the prompt and the example's
           longest response do not fit, the prompt keeps max_prompt − 1
           tokens, its last (keep_end) or its first (keep_start) */
        int fits = prompt_part + longest_response + ne <= T;
        if (!fits && prompt_part > max_prompt) { x_kept = max_prompt - nb; prompt_part = max_prompt; }
        const int *xk = x + (ds->truncation == LD_TRUNC_KEEP_END ? x_full - x_kept : 0);
        /* rule 2: a response that still does not fit is cut at its end, losing its eos */
        int response_part = LD__MIN(y + ne, T - prompt_part);
        ld__chi_copy(bos, nb, eos, xk, x_kept, yt, y, 0, prompt_part + response_part, buf);
        out->len = prompt_part + response_part;
        out->prompt_len = prompt_part;
    } else {
        /* TRL: the prompt first keeps its last max_prompt tokens when asked
           (max_prompt_length), then the sequence keeps its first T tokens
           (keep_start) or its last (keep_end) */
        int x_kept = x_full;
        if (max_prompt > 0 && nb + x_full > max_prompt) x_kept = LD__MAX(max_prompt - nb, 0);
        const int *xk = x + (x_full - x_kept);
        int L = nb + x_kept + y + ne, prompt_part = nb + x_kept;
        if (L <= T) {
            ld__chi_copy(bos, nb, eos, xk, x_kept, yt, y, 0, L, buf);
            out->len = L;
            out->prompt_len = prompt_part;
        } else if (ds->truncation == LD_TRUNC_TRL) {
            if (prompt_part >= T)
                return ld__fail(LD_ERR_LENGTH, "example %d (line %d): its prompt fills all %d positions, so nothing of "
                                "\"%s\" is left (TRL's keep_start truncation; a prompt limit or keep_end would keep some)",
                                i, ds->line[i], T, ds->fields[field]);
            ld__chi_copy(bos, nb, eos, xk, x_kept, yt, y, 0, T, buf);
            out->len = T;
            out->prompt_len = prompt_part;
        } else {
            /* keep the last T tokens; if the cut reaches into the response,
               its first kept token is the context of the rest */
            int cut = L - T;
            ld__chi_copy(bos, nb, eos, xk, x_kept, yt, y, cut, L, buf);
            out->len = T;
            out->prompt_len = LD__MAX(prompt_part - cut, 1);
        }
    }
    out->tokens = buf;
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

/* name without a leading base prefix (base may be NULL) */
static const char *ld__strip(const char *name, const char *base) {
    size_t n = base ? strlen(base) : 0;
    return n && !strncmp(name, base, n) ? name + n : name;
}

/* The entry named `name`, or -1; with a base prefix ("transformer."), a
   name with or without it matches one with or without it.                */
static int ld__st_find(ld__st_file *s, const char *name, const char *base) {
    char buf[256];
    const char *want = ld__strip(name, base);
    for (int i = 0; i < s->n; i++) {
        if (ld__json_str(&s->j, s->e[i].key, buf, sizeof buf - 1) < 0) continue;
        if (!strcmp(ld__strip(buf, base), want)) return i;
    }
    return -1;
}

/* Reads entry ei of s into the layer's tensor dst as map p places it; the
   stored shape must be (n, W) ((W, n) transposed; (n) for a vector), and
   every value finite.                                                     */
static ld_status ld__st_read(ld__st_file *s, int ei, const char *name, int dims, const ld__hf_map *p,
                             ld_float *dst, void *scratch) {
    ld__st_entry *e = &s->e[ei];
    e->used = 1;
    if (!e->dsize) return ld__fail(LD_ERR_DTYPE, "tensor %s has dtype %s; F32, F16, BF16 and F64 are read", name, e->dtype);
    int tr = p->layout == LD__HF_T;
    uint64_t r = (uint64_t)(tr ? p->W : p->n), c = (uint64_t)(tr ? p->n : p->W);
    int ok = dims == 1 ? (e->ndim == 1 && e->shape[0] == (uint64_t)p->n) : (e->ndim == 2 && e->shape[0] == r && e->shape[1] == c);
    if (!ok) {
        char got[96] = "", *q = got;
        for (int d = 0; d < e->ndim && q < got + 80; d++) q += snprintf(q, 16, d ? ",%llu" : "%llu", (unsigned long long)e->shape[d]);
        if (dims == 1) return ld__fail(LD_ERR_SHAPE, "tensor %s has shape (%s); the config needs (%d)", name, got, p->n);
        return ld__fail(LD_ERR_SHAPE, "tensor %s has shape (%s); the config needs (%llu,%llu)", name, got,
                        (unsigned long long)r, (unsigned long long)c);
    }
    size_t n = (size_t)p->n * p->W, bytes = n * e->dsize;
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
        dst[ld__hf_index(p, k)] = (ld_float)v;
    }
    return LD_OK;
}

/* 1 if name ends with one of the NULL-terminated suffixes */
static int ld__ends_with_any(const char *name, const char *const *suffixes) {
    size_t n = strlen(name);
    for (; suffixes && *suffixes; suffixes++) {
        size_t k = strlen(*suffixes);
        if (n >= k && !strcmp(name + n - k, *suffixes)) return 1;
    }
    return 0;
}

/* Fills theta (P) from open safetensors files (the shards of one
   checkpoint: a tensor is looked for in each) for config cfg, tensor by
   tensor of the family's table. A tied model reads wte from the head's
   name when the embedding is missing. Every tensor of the files must be
   used, be the (tied) head, or be a buffer the family ignores.            */
static ld_status ld__st_load(ld__st_file *s, int nfiles, const ld_config *cfg, ld_float *theta) {
    const ld__family *F = ld__family_of(cfg);
    ld__dims d = ld__dims_of(cfg);
    ld_tensor_info tab[LD__NTENSORS];
    ld__tensors(cfg, tab);
    const char *head = tab[LD__R_lmhead].hf_name;
    size_t maxbytes = 0;
    for (int f = 0; f < nfiles; f++)
        for (int i = 0; i < s[f].n; i++) maxbytes = LD__MAX(maxbytes, (size_t)(s[f].e[i].end - s[f].e[i].begin));
    void *scratch = LD_MALLOC(maxbytes ? maxbytes : 1);
    if (!scratch) return ld__fail(LD_ERR_OOM, "tensor read buffer of %zu bytes", maxbytes);
    ld_status st = LD_OK;
    for (int e = 0; e < F->n_tensors && !st; e++) {
        const ld__hf_tensor *h = &F->tensors[e];
        const ld_tensor_info *ti = &tab[h->role];
        if (ti->size == 0) continue; /* absent in this config (the head of a tied model, a bias) */
        ld__hf_map map = ld__hf_map_of(h, ti, &d);
        int nl = ti->layered ? cfg->n_layer : 1;
        for (int l = 0; l < nl && !st; l++) {
            char name[128];
            snprintf(name, sizeof name, h->hf, l);
            int ei = -1, f = 0;
            for (; f < nfiles && ei < 0; f++) ei = ld__st_find(&s[f], name, F->base);
            if (ei < 0 && h->role == LD__R_wte && !cfg->untied_head)
                for (f = 0; f < nfiles && ei < 0; f++) ei = ld__st_find(&s[f], head, F->base);
            if (ei < 0) { st = ld__fail(LD_ERR_MISSING, "tensor %s is missing", name); break; }
            size_t per = (size_t)ti->rows * ti->cols;
            st = ld__st_read(&s[f - 1], ei, name, ti->dims, &map, theta + ti->offset + per * l, scratch);
        }
    }
    LD_FREE(scratch);
    if (st) return st;
    /* every tensor in the files must be one we know */
    for (int f = 0; f < nfiles; f++)
        for (int i = 0; i < s[f].n; i++) {
            if (s[f].e[i].used) continue;
            char name[256];
            ld__json_str(&s[f].j, s[f].e[i].key, name, sizeof name - 1);
            int known = ld__ends_with_any(name, F->ignore) || (!cfg->untied_head && !strcmp(ld__strip(name, F->base), ld__strip(head, F->base)));
            if (!known)
                return ld__fail(LD_ERR_FORMAT, "unexpected tensor '%s': not part of a %s model of this config", name, F->model_type);
        }
    return LD_OK;
}

static void ld__path(char *out, size_t cap, const char *dir, const char *file) {
    size_t n = strlen(dir);
    snprintf(out, cap, "%s%s%s", dir, (n && dir[n - 1] == '/') ? "" : "/", file);
}

/* Creates directory dir and any missing parents (as mkdir -p). */
static ld_status ld__make_dir(const char *dir) {
    char p[4096];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof p) return ld__fail(LD_ERR_ARG, "directory name of %zu bytes", n);
    memcpy(p, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (p[i] != '/' && p[i] != 0) continue;
        char keep = p[i];
        p[i] = 0;
        struct stat sb;
        if (stat(p, &sb) != 0) {
            if (LD__MKDIR(p) != 0 && stat(p, &sb) != 0)
                return ld__fail(LD_ERR_IO, "cannot create the directory %s (for %s): %s", p, dir, strerror(errno));
        } else if (!S_ISDIR(sb.st_mode))
            return ld__fail(LD_ERR_IO, "%s is not a directory (making %s)", p, dir);
        p[i] = keep;
    }
    return LD_OK;
}

/* ---- config.json: each family's keys, old and new spellings ---- */

/* The reader's state: the parsed file and the first failure. */
typedef struct { ld__json j; const char *path; ld_status st; } ld__cfgr;

/* The value of the first of keys (NULL-terminated) present and not null in
   object o, or −1. */
static int ld__cfg_find(ld__cfgr *r, int o, const char *const *keys, const char **which) {
    for (; *keys; keys++) {
        int v = ld__json_get(&r->j, o, *keys);
        if (v >= 0 && r->j.nodes[v].type != 'z') { if (which) *which = *keys; return v; }
    }
    return -1;
}

/* An integer ≥ lo under one of keys into *dst (left as it is when absent;
   absent and required: LD_ERR_MISSING). */
static void ld__cfg_int(ld__cfgr *r, int o, const char *const *keys, int lo, int required, int *dst) {
    const char *k = keys[0];
    int v = r->st ? -1 : ld__cfg_find(r, o, keys, &k);
    uint64_t u;
    if (r->st) return;
    if (v < 0) { if (required) r->st = ld__fail(LD_ERR_MISSING, "%s: no \"%s\"", r->path, keys[0]); return; }
    if (ld__json_u64(&r->j, v, &u) || u < (uint64_t)lo || u > (1u << 30))
        r->st = ld__fail(LD_ERR_FORMAT, "%s: \"%s\" must be an integer ≥ %d", r->path, k, lo);
    else *dst = (int)u;
}

/* A positive finite number under one of keys into *dst (kept when absent). */
static void ld__cfg_real(ld__cfgr *r, int o, const char *const *keys, double *dst) {
    const char *k = keys[0];
    int v = r->st ? -1 : ld__cfg_find(r, o, keys, &k);
    double d;
    if (r->st || v < 0) return;
    if (ld__json_num(&r->j, v, &d) || !(d > 0) || !isfinite(d))
        r->st = ld__fail(LD_ERR_FORMAT, "%s: \"%s\" must be a positive number", r->path, k);
    else *dst = d;
}

/* A boolean under key: 1, 0, or def when absent. */
static int ld__cfg_bool(ld__cfgr *r, int o, const char *key, int def) {
    int v = def;
    if (!r->st && ld__json_bool(&r->j, o, key, &v))
        r->st = ld__fail(LD_ERR_FORMAT, "%s: \"%s\" must be true or false", r->path, key);
    return v;
}

/* Refuses a key whose value is present and not one of the allowed (NULL:
   any value but the "off" ones: null, false, 0). */
static void ld__cfg_refuse_on(ld__cfgr *r, const char *key, const char *what) {
    int v = r->st ? -1 : ld__json_get(&r->j, 0, key);
    if (v < 0) return;
    char t = r->j.nodes[v].type;
    int off = t == 'z' || t == 'f' || (t == 'n' && r->j.nodes[v].end - r->j.nodes[v].start == 1 && r->j.src[r->j.nodes[v].start] == '0');
    if (!off) r->st = ld__fail(LD_ERR_CONFIG, "%s: \"%s\" is set: %s is not supported", r->path, key, what);
}

/* The activation named by key (hidden_act, activation_function). */
static void ld__cfg_act(ld__cfgr *r, const char *key, int *dst) {
    int v = r->st ? -1 : ld__json_get(&r->j, 0, key);
    if (r->st || v < 0 || r->j.nodes[v].type == 'z') return;
    if (ld__json_is(&r->j, v, "gelu_new") || ld__json_is(&r->j, v, "gelu_pytorch_tanh") || ld__json_is(&r->j, v, "gelu_fast"))
        *dst = LD_GELU_TANH;
    else if (ld__json_is(&r->j, v, "gelu")) *dst = LD_GELU_ERF;
    else if (ld__json_is(&r->j, v, "silu") || ld__json_is(&r->j, v, "swish")) *dst = LD_SWIGLU;
    else r->st = ld__fail(LD_ERR_CONFIG, "%s: \"%s\" names an activation not supported here (gelu, gelu_new, "
                          "gelu_pytorch_tanh, silu are)", r->path, key);
}

/* Rotary positions: base θ, the share of each head rotated, and the
   scaling, in any of the spellings transformers has used: rotary_emb_base
   / rope_theta, rotary_pct / partial_rotary_factor, rope_scaling, or one
   rope_parameters object (transformers 5) holding them.                   */
static void ld__cfg_rope(ld__cfgr *r, ld_config *c) {
    static const char *const theta[] = { "rope_theta", "rotary_emb_base", NULL };
    static const char *const pct[] = { "partial_rotary_factor", "rotary_pct", NULL };
    int rp = r->st ? -1 : ld__json_get(&r->j, 0, "rope_parameters");
    if (rp >= 0 && r->j.nodes[rp].type == 'z') rp = -1;
    if (rp >= 0 && r->j.nodes[rp].type != 'o') { r->st = ld__fail(LD_ERR_FORMAT, "%s: \"rope_parameters\" is not an object", r->path); return; }
    ld__cfg_real(r, 0, theta, &c->rope_theta);
    ld__cfg_real(r, 0, pct, &c->rotary_pct);
    int sc = rp;
    if (sc < 0) {
        static const char *const scaling[] = { "rope_scaling", NULL };
        sc = r->st ? -1 : ld__cfg_find(r, 0, scaling, NULL);
    } else {
        ld__cfg_real(r, rp, theta, &c->rope_theta);
        ld__cfg_real(r, rp, pct, &c->rotary_pct);
    }
    if (r->st || sc < 0) return;
    if (r->j.nodes[sc].type != 'o') { r->st = ld__fail(LD_ERR_FORMAT, "%s: \"rope_scaling\" is not an object", r->path); return; }
    static const char *const type[] = { "rope_type", "type", NULL };
    int t = ld__cfg_find(r, sc, type, NULL);
    if (t < 0 || ld__json_is(&r->j, t, "default")) return;
    static const char *const factor[] = { "factor", NULL }, *const lo[] = { "low_freq_factor", NULL },
                             *const hi[] = { "high_freq_factor", NULL }, *const orig[] = { "original_max_position_embeddings", NULL };
    if (ld__json_is(&r->j, t, "linear")) {
        c->rope_scaling = LD_ROPE_LINEAR;
        ld__cfg_real(r, sc, factor, &c->rope_factor);
    } else if (ld__json_is(&r->j, t, "llama3")) {
        c->rope_scaling = LD_ROPE_LLAMA3;
        ld__cfg_real(r, sc, factor, &c->rope_factor);
        ld__cfg_real(r, sc, lo, &c->rope_low_freq);
        ld__cfg_real(r, sc, hi, &c->rope_high_freq);
        ld__cfg_int(r, sc, orig, 1, 1, &c->rope_orig_context);
    } else {
        char name[64] = "";
        ld__json_str(&r->j, t, name, sizeof name - 1);
        r->st = ld__fail(LD_ERR_CONFIG, "%s: rope type \"%s\" is not supported (default, linear and llama3 are)", r->path, name);
    }
}

LDDEF ld_status ld_load_config(ld_config *cfg, const char *path) {
    if (!cfg || !path) return ld__fail(LD_ERR_ARG, "NULL argument");
    char *txt = NULL;
    size_t n = 0;
    ld_status st = ld__read_file(path, 1 << 20, &txt, &n);
    if (st) return st;
    ld__cfgr r;
    r.path = path; r.st = LD_OK;
    if (ld__json_parse(&r.j, txt, n) || r.j.nodes[0].type != 'o') {
        st = ld__fail(LD_ERR_FORMAT, "%s: %s", path, r.j.err[0] ? r.j.err : "not a JSON object");
        ld__json_free(&r.j); LD_FREE(txt);
        return st;
    }
    ld__json *j = &r.j;
    ld_config c;
    memset(&c, 0, sizeof c);
    int v;
    /* a key given twice reads differently in different JSON libraries: refuse */
    for (int i = 0, k = 1; i < j->nodes[0].n / 2 && !r.st; i++, k = j->nodes[j->nodes[k].skip].skip)
        for (int i2 = i + 1, k2 = j->nodes[j->nodes[k].skip].skip; i2 < j->nodes[0].n / 2; i2++, k2 = j->nodes[j->nodes[k2].skip].skip)
            if (ld__json_same_key(j, k, k2)) {
                r.st = ld__fail(LD_ERR_FORMAT, "%s: key \"%.*s\" appears twice", path, j->nodes[k].end - j->nodes[k].start, j->src + j->nodes[k].start);
                break;
            }
    /* the family, by model_type (none: GPT-2, as old checkpoints have it) */
    c.family = LD_FAMILY_GPT2;
    if (!r.st && (v = ld__json_get(j, 0, "model_type")) >= 0) {
        c.family = 0;
        for (size_t f = 0; f < sizeof ld__families / sizeof ld__families[0]; f++)
            if (ld__json_is(j, v, ld__families[f].model_type)) c.family = ld__families[f].family;
        if (!c.family) {
            char name[64] = "";
            ld__json_str(j, v, name, sizeof name - 1);
            r.st = ld__fail(LD_ERR_CONFIG, "%s: model_type \"%s\" is not supported (gpt2, gpt_neox, llama and qwen2 are)", path, name);
        }
    }
    c = ld_config_resolve(&c);   /* the family's switches, to be overridden below */
    c.ids_set = 0;
    static const char *const vocab[] = { "vocab_size", NULL }, *const layers[] = { "num_hidden_layers", "n_layer", NULL },
                             *const heads[] = { "num_attention_heads", "n_head", NULL },
                             *const embd[] = { "hidden_size", "n_embd", NULL },
                             *const ctx[] = { "max_position_embeddings", "n_positions", "n_ctx", NULL },
                             *const kv[] = { "num_key_value_heads", NULL }, *const hd[] = { "head_dim", NULL },
                             *const inter[] = { "intermediate_size", "n_inner", NULL },
                             *const eps[] = { "layer_norm_eps", "layer_norm_epsilon", "rms_norm_eps", NULL },
                             *const init[] = { "initializer_range", NULL };
    ld__cfg_int(&r, 0, vocab, 2, 1, &c.vocab_size);
    ld__cfg_int(&r, 0, layers, 1, 1, &c.n_layer);
    ld__cfg_int(&r, 0, heads, 1, 1, &c.n_head);
    ld__cfg_int(&r, 0, embd, 1, 1, &c.n_embd);
    c.context = 0;
    ld__cfg_int(&r, 0, ctx, 1, 1, &c.context);
    c.n_kv_head = c.n_head; c.head_dim = c.n_embd / c.n_head; c.intermediate = 4 * c.n_embd;
    ld__cfg_int(&r, 0, kv, 1, 0, &c.n_kv_head);
    ld__cfg_int(&r, 0, hd, 1, 0, &c.head_dim);
    ld__cfg_int(&r, 0, inter, 1, c.family == LD_FAMILY_LLAMA || c.family == LD_FAMILY_QWEN2, &c.intermediate);
    ld__cfg_real(&r, 0, eps, &c.ln_eps);
    ld__cfg_real(&r, 0, init, &c.init_std);
    c.rope_orig_context = c.context;
    /* bos and eos: an id (0 is one: Pythia's), null for none, or a list of
       which the first is taken (Llama-3-Instruct lists its three stops);
       a config that names neither keeps the byte-level default */
    const char *idkeys[2] = { "bos_token_id", "eos_token_id" };
    int *iddst[2] = { &c.bos_token, &c.eos_token };
    for (int i = 0; i < 2 && !r.st; i++) {
        *iddst[i] = LD_NO_TOKEN;
        if ((v = ld__json_get(j, 0, idkeys[i])) < 0) continue;
        c.ids_set = 1;
        if (j->nodes[v].type == 'z') continue;
        if (j->nodes[v].type == 'a' && j->nodes[v].n > 0) v++;
        uint64_t u;
        if (ld__json_u64(j, v, &u) || u > (1u << 30)) r.st = ld__fail(LD_ERR_FORMAT, "%s: \"%s\" must be a token id, a list of them or null", path, idkeys[i]);
        else *iddst[i] = (int)u;
    }
    if (!c.ids_set) c.bos_token = c.eos_token = 0;
    /* each family's switches */
    int gpt2 = c.family == LD_FAMILY_GPT2, neox = c.family == LD_FAMILY_GPT_NEOX;
    c.untied_head = !ld__cfg_bool(&r, 0, "tie_word_embeddings", gpt2);
    if (gpt2) {
        ld__cfg_act(&r, "activation_function", &c.act);
        if (!r.st && (v = ld__json_get(j, 0, "scale_attn_weights")) >= 0 && j->nodes[v].type == 'f')
            r.st = ld__fail(LD_ERR_CONFIG, "%s: scale_attn_weights = false is not supported", path);
        ld__cfg_refuse_on(&r, "scale_attn_by_inverse_layer_idx", "scaling attention by the layer index");
        ld__cfg_refuse_on(&r, "reorder_and_upcast_attn", "reordered attention");
    } else {
        ld__cfg_act(&r, "hidden_act", &c.act);
        ld__cfg_rope(&r, &c);
    }
    if (neox) {
        c.residual = ld__cfg_bool(&r, 0, "use_parallel_residual", 1) ? LD_PARALLEL : LD_SEQUENTIAL;
        if (!ld__cfg_bool(&r, 0, "attention_bias", 1)) c.biases = LD_BIAS_MLP;
    }
    if (c.family == LD_FAMILY_LLAMA) {
        int ab = ld__cfg_bool(&r, 0, "attention_bias", 0), mb = ld__cfg_bool(&r, 0, "mlp_bias", 0);
        c.biases = (ab ? LD_BIAS_QKV | LD_BIAS_O : 0) | (mb ? LD_BIAS_MLP : 0);
        if (!c.biases) c.biases = LD_BIAS_NONE;
        if (!r.st && (v = ld__json_get(j, 0, "pretraining_tp")) >= 0 && j->nodes[v].type != 'z') {
            uint64_t u;
            if (ld__json_u64(j, v, &u) || u != 1) r.st = ld__fail(LD_ERR_CONFIG, "%s: \"pretraining_tp\" must be 1", path);
        }
    }
    if (c.family == LD_FAMILY_QWEN2) ld__cfg_refuse_on(&r, "use_sliding_window", "sliding-window attention");
    ld__cfg_refuse_on(&r, "num_experts", "a mixture of experts");
    ld__cfg_refuse_on(&r, "num_local_experts", "a mixture of experts");
    st = r.st;
    ld__json_free(j);
    LD_FREE(txt);
    if (st) return st;
    c = ld_config_resolve(&c);
    if ((st = ld_config_check(&c))) return ld__fail_context(st, "%s", path);
    *cfg = c;
    return LD_OK;
}

LDDEF ld_status ld_dataset_load_opts(ld_dataset *ds, const char *path, const ld_config *cfg,
                                     ld_data_kind kind, const ld_data_opts *opts) {
    if (ds) memset(ds, 0, sizeof *ds);
    if (!ds || !path) return ld__fail(LD_ERR_ARG, "NULL argument");
    char *txt = NULL;
    size_t n = 0;
    ld_status st = ld__read_file(path, (size_t)1 << 34, &txt, &n);
    if (st) return st;
    st = ld_dataset_parse_opts(ds, txt, n, cfg, kind, opts);
    LD_FREE(txt);
    return st ? ld__fail_context(st, "%s", path) : LD_OK;
}

LDDEF ld_status ld_dataset_load(ld_dataset *ds, const char *path, const ld_config *cfg,
                                ld_data_kind kind, int flags) {
    ld_data_opts o;
    memset(&o, 0, sizeof o);
    o.flags = flags;
    return ld_dataset_load_opts(ds, path, cfg, kind, &o);
}

LDDEF ld_status ld_chat_template_load(ld_chat_template *t, const char *tokenizer_config_path) {
    if (t) memset(t, 0, sizeof *t);
    if (!t || !tokenizer_config_path) return ld__fail(LD_ERR_ARG, "NULL argument");
    const char *path = tokenizer_config_path;
    char *txt = NULL;
    size_t n = 0;
    ld_status st = ld__read_file(path, (size_t)1 << 28, &txt, &n);
    if (st) return st;
    ld__json j;
    int v = -1;
    if (ld__json_parse(&j, txt, n) || j.nodes[0].type != 'o') st = ld__fail(LD_ERR_FORMAT, "%s: not a JSON object (%s)", path, j.err);
    else if ((v = ld__json_get(&j, 0, "chat_template")) < 0 || j.nodes[v].type == 'z')
        st = ld__fail(LD_ERR_MISSING, "%s has no chat_template (a base model's tokenizer, as GPT-2's, has none): choose "
                      "one by name (--template plain, hh, chatml, llama3, qwen2.5 or smollm2)", path);
    else if (j.nodes[v].type == 'a') { /* [{"name", "template"}, ...]: the "default" one */
        int found = -1;
        for (int k = 0, c = v + 1; k < j.nodes[v].n; k++, c = j.nodes[c].skip) {
            int nm = ld__json_get(&j, c, "name"), tp = ld__json_get(&j, c, "template");
            if (nm >= 0 && tp >= 0 && ld__json_is(&j, nm, "default")) found = tp;
        }
        if (found < 0) st = ld__fail(LD_ERR_MISSING, "%s: chat_template lists no \"default\" template", path);
        v = found;
    }
    if (!st && j.nodes[v].type != 's') st = ld__fail(LD_ERR_FORMAT, "%s: chat_template is not a string", path);
    if (!st) {
        size_t raw = (size_t)(j.nodes[v].end - j.nodes[v].start);
        char *src = (char *)LD_MALLOC(raw + 1);
        long k = src ? ld__json_str(&j, v, src, raw) : -2;
        if (k == -2) st = ld__fail(LD_ERR_OOM, "chat template");
        else if (k < 0) st = ld__fail(LD_ERR_FORMAT, "%s: chat_template has a lone UTF-16 surrogate", path);
        else st = ld_chat_template_recognise(t, src, (size_t)k);
        if (st && st != LD_ERR_OOM && k >= 0) ld__fail_context(st, "%s", path);
        LD_FREE(src);
    }
    ld__json_free(&j);
    LD_FREE(txt);
    return st;
}

static void ld__st_close_all(ld__st_file *s, int n) {
    for (int i = 0; i < n; i++) ld__st_close(&s[i]);
    LD_FREE(s);
}

/* Opens a checkpoint's weights: dir/model.safetensors, or the shards that
   dir/model.safetensors.index.json's "weight_map" names (each file once;
   a name must be a plain file name inside dir).                           */
static ld_status ld__st_open_dir(const char *dir, ld__st_file **out, int *n_out) {
    char path[4096];
    struct stat sb;
    *out = NULL; *n_out = 0;
    ld__path(path, sizeof path, dir, "model.safetensors");
    if (stat(path, &sb) == 0 || (ld__path(path, sizeof path, dir, "model.safetensors.index.json"), stat(path, &sb) != 0)) {
        ld__path(path, sizeof path, dir, "model.safetensors");
        ld__st_file *s = (ld__st_file *)LD_MALLOC(sizeof(ld__st_file));
        if (!s) return ld__fail(LD_ERR_OOM, "safetensors file");
        ld_status st = ld__st_open(s, path);
        if (st) { LD_FREE(s); return st; }
        *out = s; *n_out = 1;
        return LD_OK;
    }
    char *txt = NULL;
    size_t len = 0;
    ld_status st = ld__read_file(path, (size_t)64 << 20, &txt, &len);
    if (st) return st;
    ld__json j;
    int wm = -1, nf = 0;
    ld__st_file *s = NULL;
    if (ld__json_parse(&j, txt, len) || j.nodes[0].type != 'o') st = ld__fail(LD_ERR_FORMAT, "%s: not a JSON object (%s)", path, j.err);
    else if ((wm = ld__json_get(&j, 0, "weight_map")) < 0 || j.nodes[wm].type != 'o')
        st = ld__fail(LD_ERR_FORMAT, "%s has no \"weight_map\" object", path);
    else if (!(s = (ld__st_file *)LD_MALLOC(sizeof(ld__st_file) * (size_t)(j.nodes[wm].n / 2 + 1))))
        st = ld__fail(LD_ERR_OOM, "shard list");
    char files[64][256];
    for (int k = 0, c = wm + 1; !st && k < j.nodes[wm].n / 2; k++) {
        int val = j.nodes[c].skip;
        c = j.nodes[val].skip;
        char name[256];
        if (j.nodes[val].type != 's' || ld__json_str(&j, val, name, sizeof name - 1) < 0 || !name[0] ||
            strchr(name, '/') || strchr(name, '\\') || name[0] == '.') {
            st = ld__fail(LD_ERR_FORMAT, "%s: a weight_map entry is not a plain file name in the directory", path);
            break;
        }
        int seen = 0;
        for (int f = 0; f < nf && !seen; f++) seen = !strcmp(files[f], name);
        if (seen) continue;
        if (nf == 64) { st = ld__fail(LD_ERR_FORMAT, "%s names more than 64 shard files", path); break; }
        memcpy(files[nf], name, sizeof name);
        char sp[4096];
        ld__path(sp, sizeof sp, dir, name);
        if ((st = ld__st_open(&s[nf], sp))) { ld__fail_context(st, "shard %s named in %s", name, path); break; }
        nf++;
    }
    if (!st && nf == 0) st = ld__fail(LD_ERR_FORMAT, "%s: weight_map names no file", path);
    ld__json_free(&j);
    LD_FREE(txt);
    if (st) { if (s) ld__st_close_all(s, nf); return st; }
    *out = s; *n_out = nf;
    return LD_OK;
}

/* ld_load's last step: dir's tokenizer, if it has one, becomes m's. On
   failure m is freed and the reason names the file or the mismatch.       */
static ld_status ld__load_tokenizer(ld_model *m, const char *dir) {
    ld_tokenizer *t = NULL;
    ld_status st = ld_tokenizer_load_dir(&t, dir);
    if (st == LD_ERR_MISSING) return LD_OK;   /* none: the model reads text as bytes, or not at all */
    if (st) ld__fail_context(st, "the model's tokenizer (LD_LOAD_NO_TOKENIZER loads the model without it)");
    else if ((st = ld_model_set_tokenizer(m, t))) {
        ld_tokenizer_free(t);
        ld__fail_context(st, "%s", dir);
    }
    if (st) ld_model_free(m);
    return st;
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
    ld__st_file *s = NULL;
    int ns = 0;
    if ((st = ld__st_open_dir(dir, &s, &ns))) return st;
    if ((st = ld_model_init(m, &cfg, B, T, flags & ~LD_LOAD_NO_TOKENIZER, 0))) { ld__st_close_all(s, ns); return st; }
    st = ld__st_load(s, ns, &m->cfg, m->theta);
    ld__st_close_all(s, ns);
    if (st) ld_model_free(m);
    else if (!(flags & LD_LOAD_NO_TOKENIZER)) st = ld__load_tokenizer(m, dir);
    return st;
}

LDDEF ld_status ld_load_params(ld_model *m, const char *path) {
    if (!m || !m->theta || !path) return ld__fail(LD_ERR_ARG, "model not initialised or path NULL");
    ld_float *tmp = (ld_float *)LD_MALLOC(sizeof(ld_float) * m->P);
    if (!tmp) return ld__fail(LD_ERR_OOM, "a copy of the parameters");
    ld__st_file s;
    ld_status st = ld__st_open(&s, path);
    if (!st) {
        st = ld__st_load(&s, 1, &m->cfg, tmp);
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
   8 = double), as stored; rows == 0 means a vector of cols. mapped: the
   stored element k is ((const ld_float *)data)[ld__hf_index(&map, k)] (a
   checkpoint's layout of one of our tensors), else data in order.         */
typedef struct {
    char name[128];
    const void *data;
    int esize, rows, cols, mapped;
    ld__hf_map map;
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
                           t[i].name, dt, t[i].rows, t[i].cols, (unsigned long long)off, (unsigned long long)(off + bytes));
        off += bytes;
        if (t[i].mapped) maxel = LD__MAX(maxel, el * t[i].esize);
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
        if (t[i].mapped) { /* gathered from our layout into the checkpoint's */
            const ld_float *from = (const ld_float *)t[i].data;
            ld_float *to = (ld_float *)(void *)buf;
            for (size_t k = 0; k < el; k++) to[k] = from[ld__hf_index(&t[i].map, k)];
            src = buf;
        }
        ok = fwrite(src, es, el, f) == el;
    }
    LD_FREE(buf);
    return ld__commit(f, tmp, path, ok);
}

/* The HF-named tensors of a model, in the order of the family's table, as
   save_pretrained writes them; returns the count. out may be NULL to count
   only. */
static int ld__model_tensors(const ld_model *m, ld__st_out *out) {
    const ld__family *F = ld__family_of(&m->cfg);
    ld__dims d = ld__dims_of(&m->cfg);
    ld_tensor_info tab[LD__NTENSORS];
    ld__tensors(&m->cfg, tab);
    int n = 0;
    for (int e = 0; e < F->n_tensors; e++) {
        const ld__hf_tensor *h = &F->tensors[e];
        const ld_tensor_info *ti = &tab[h->role];
        if (!ti->size) continue;
        for (int l = 0; l < (ti->layered ? m->cfg.n_layer : 1); l++, n++) {
            if (!out) continue;
            ld__st_out *o = &out[n];
            snprintf(o->name, sizeof o->name, h->hf, l);
            o->data = m->theta + ti->offset + (size_t)ti->rows * ti->cols * l;
            o->esize = (int)sizeof(ld_float);
            o->map = ld__hf_map_of(h, ti, &d);
            o->mapped = 1;
            int tr = h->layout == LD__HF_T;
            o->rows = ti->dims == 1 ? 0 : tr ? o->map.W : o->map.n;
            o->cols = ti->dims == 1 ? o->map.n : tr ? o->map.n : o->map.W;
        }
    }
    return n;
}

/* A token id as JSON: the number, or null for LD_NO_TOKEN. buf: 16 chars. */
static const char *ld__id_json(int id, char *buf) {
    if (id == LD_NO_TOKEN) return "null";
    snprintf(buf, 16, "%d", id);
    return buf;
}

/* Writes config.json for c, with the keys of its family's checkpoints. */
static int ld__write_config(FILE *f, const ld_config *c) {
    char bos[16], eos[16], inner[16];
    const char *dtype = sizeof(ld_float) == 8 ? "float64" : "float32";
    const char *act = c->act == LD_GELU_TANH ? "gelu_new" : c->act == LD_GELU_ERF ? "gelu" : "silu";
    const ld__family *F = ld__family_of(c);
    if (c->family == LD_FAMILY_GPT2) {
        if (c->intermediate == 4 * c->n_embd) strcpy(inner, "null"); else snprintf(inner, sizeof inner, "%d", c->intermediate);
        return fprintf(f,
                 "{\n"
                 "  \"architectures\": [\"GPT2LMHeadModel\"],\n"
                 "  \"model_type\": \"gpt2\",\n"
                 "  \"vocab_size\": %d,\n"
                 "  \"n_positions\": %d,\n"
                 "  \"n_ctx\": %d,\n"
                 "  \"n_embd\": %d,\n"
                 "  \"n_layer\": %d,\n"
                 "  \"n_head\": %d,\n"
                 "  \"n_inner\": %s,\n"
                 "  \"activation_function\": \"%s\",\n"
                 "  \"layer_norm_epsilon\": %.17g,\n"
                 "  \"initializer_range\": %.17g,\n"
                 "  \"resid_pdrop\": 0.0,\n"
                 "  \"embd_pdrop\": 0.0,\n"
                 "  \"attn_pdrop\": 0.0,\n"
                 "  \"scale_attn_weights\": true,\n"
                 "  \"tie_word_embeddings\": %s,\n"
                 "  \"bos_token_id\": %s,\n"
                 "  \"eos_token_id\": %s,\n"
                 "  \"torch_dtype\": \"%s\"\n"
                 "}\n",
                 c->vocab_size, c->context, c->context, c->n_embd, c->n_layer, c->n_head, inner, act, c->ln_eps, c->init_std,
                 c->untied_head ? "false" : "true", ld__id_json(c->bos_token, bos), ld__id_json(c->eos_token, eos), dtype) > 0;
    }
    int ok = fprintf(f,
                 "{\n"
                 "  \"architectures\": [\"%s\"],\n"
                 "  \"model_type\": \"%s\",\n"
                 "  \"vocab_size\": %d,\n"
                 "  \"max_position_embeddings\": %d,\n"
                 "  \"hidden_size\": %d,\n"
                 "  \"intermediate_size\": %d,\n"
                 "  \"num_hidden_layers\": %d,\n"
                 "  \"num_attention_heads\": %d,\n"
                 "  \"hidden_act\": \"%s\",\n"
                 "  \"%s\": %.17g,\n"
                 "  \"initializer_range\": %.17g,\n"
                 "  \"tie_word_embeddings\": %s,\n"
                 "  \"bos_token_id\": %s,\n"
                 "  \"eos_token_id\": %s,\n",
                 F->hf_class, F->model_type, c->vocab_size, c->context, c->n_embd, c->intermediate, c->n_layer,
                 c->n_head, act, c->norm == LD_RMSNORM ? "rms_norm_eps" : "layer_norm_eps", c->ln_eps, c->init_std,
                 c->untied_head ? "false" : "true", ld__id_json(c->bos_token, bos), ld__id_json(c->eos_token, eos)) > 0;
    if (c->family == LD_FAMILY_GPT_NEOX)
        ok &= fprintf(f,
                 "  \"rotary_pct\": %.17g,\n"
                 "  \"rotary_emb_base\": %.17g,\n"
                 "  \"use_parallel_residual\": %s,\n"
                 "  \"attention_bias\": %s,\n",
                 c->rotary_pct, c->rope_theta, c->residual == LD_PARALLEL ? "true" : "false",
                 (c->biases & LD_BIAS_QKV) ? "true" : "false") > 0;
    else {
        ok &= fprintf(f,
                 "  \"num_key_value_heads\": %d,\n"
                 "  \"head_dim\": %d,\n"
                 "  \"rope_theta\": %.17g,\n",
                 c->n_kv_head, c->head_dim, c->rope_theta) > 0;
        if (c->family == LD_FAMILY_LLAMA)
            ok &= fprintf(f, "  \"attention_bias\": %s,\n  \"mlp_bias\": %s,\n  \"pretraining_tp\": 1,\n",
                          (c->biases & LD_BIAS_QKV) ? "true" : "false", (c->biases & LD_BIAS_MLP) ? "true" : "false") > 0;
        else
            ok &= fprintf(f, "  \"use_sliding_window\": false,\n") > 0;
    }
    if (c->rope_scaling == LD_ROPE_LINEAR)
        ok &= fprintf(f, "  \"rope_scaling\": {\"rope_type\": \"linear\", \"factor\": %.17g},\n", c->rope_factor) > 0;
    else if (c->rope_scaling == LD_ROPE_LLAMA3)
        ok &= fprintf(f, "  \"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": %.17g, \"low_freq_factor\": %.17g, "
                         "\"high_freq_factor\": %.17g, \"original_max_position_embeddings\": %d},\n",
                      c->rope_factor, c->rope_low_freq, c->rope_high_freq, c->rope_orig_context) > 0;
    else
        ok &= fprintf(f, "  \"rope_scaling\": null,\n") > 0;
    ok &= fprintf(f, "  \"torch_dtype\": \"%s\"\n}\n", dtype) > 0;
    return ok;
}

LDDEF ld_status ld_save(const ld_model *m, const char *dir) {
    if (!m || !m->theta || !dir) return ld__fail(LD_ERR_ARG, "model not initialised or directory NULL");
    ld_status made = ld__make_dir(dir);
    if (made) return made;
    if (m->tokenizer && (made = ld_tokenizer_save(m->tokenizer, dir))) return made;   /* first: a refusal writes nothing */
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
    int ok = ld__write_config(f, c);
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
    if (ds->label) for (int i = 0; i < ds->n; i++) LD__MIX((uint32_t)ds->label[i] + 2);
    if (ds->truncation) LD__MIX(0x7472756e63ull + (uint64_t)ds->truncation);  /* the default leaves old hashes as they were */
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

/* KTO's KL partner of example i: the example before it in its group of
   `batch` consecutive examples (the first takes the last), as TRL's
   _get_kl_dataset rotates the completions of each batch. */
static int ld__kl_partner(const ld_trainer *tr, int i) {
    int B = tr->cfg.batch, start = i / B * B, size = LD__MIN(B, tr->ds->n - start);
    return start + (i - start - 1 + size) % size;
}

/* The prompt of example i (cut as ld_dataset_seq cuts it) followed by the
   completion of example j and eos, cut at the end to fit in T. */
static ld_status ld__mismatched_seq(const ld_trainer *tr, int i, int j, int *buf, ld_seq *out) {
    const ld_dataset *ds = tr->ds;
    int T = tr->m->T, f = tr->fields[0], eos = tr->m->cfg.eos_token, ne = eos != LD_NO_TOKEN;
    ld_status st = ld_dataset_seq(ds, i, f, T, tr->cfg.max_prompt, &tr->m->cfg, buf, out);
    if (st) return st;
    int p = out->prompt_len, y = ds->len[(size_t)j * ds->n_fields + f], r = LD__MIN(y + ne, T - p);
    if (r < 1) return ld__fail(LD_ERR_LENGTH, "example %d: example %d's completion is empty and there is no eos", i, j);
    memcpy(buf + p, ds->tokens + ds->start[(size_t)j * ds->n_fields + f], sizeof(int) * LD__MIN(y, r));
    if (ne && r == y + 1) buf[p + y] = eos;
    out->len = p + r;
    return LD_OK;
}

/* Builds the rows of examples idx[0..n): SFT: one row per (field, example);
   preference: chosen rows 0..n−1, rejected rows n..2n−1; KTO: the
   completions, then their KL rows. */
static ld_status ld__build_rows(ld_trainer *tr, const int *idx, int n) {
    int T = tr->m->T, r = 0;
    if (tr->cfg.pref && tr->cfg.loss.kind == LD_KTO) {
        for (int i = 0; i < n; i++) {
            ld_status st = ld_dataset_seq(tr->ds, idx[i], tr->fields[0], T, tr->cfg.max_prompt, &tr->m->cfg,
                                          tr->buf + (size_t)i * T, &tr->rows[i]);
            if (!st) st = ld__mismatched_seq(tr, idx[i], ld__kl_partner(tr, idx[i]), tr->buf + (size_t)(n + i) * T, &tr->rows[n + i]);
            if (st) return st;
            tr->row_label[i] = tr->ds->label[idx[i]];
        }
        tr->n_rows = 2 * n;
        return LD_OK;
    }
    for (int f = 0; f < tr->n_fields; f++)
        for (int i = 0; i < n; i++, r++) {
            ld_status st = ld_dataset_seq(tr->ds, idx[i], tr->fields[f], T, tr->cfg.max_prompt,
                                          &tr->m->cfg, tr->buf + (size_t)r * T, &tr->rows[r]);
            if (st) return st;
        }
    tr->n_rows = r;
    return LD_OK;
}

LDDEF void ld_trainer_free(ld_trainer *tr) {
    if (!tr) return;
    LD_FREE(tr->ref_logp); LD_FREE(tr->order); LD_FREE(tr->batch_idx); LD_FREE(tr->rows);
    LD_FREE(tr->buf); LD_FREE(tr->row_ref); LD_FREE(tr->row_coef); LD_FREE(tr->row_label);
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

/* Whether two models' tokenizers read text the same way: of the same size,
   every token the same bytes and equally special (a checkpoint saved and
   loaded again agrees with itself). A model without one (a reference made by
   ld_model_copy_params, say) cannot disagree: its ids are the data's. */
static int ld__tokenizers_agree(const ld_tokenizer *a, const ld_tokenizer *b) {
    if (!a || !b) return 1;
    int V = ld_tokenizer_vocab_size(a);
    if (V != ld_tokenizer_vocab_size(b)) return 0;
    for (int id = 0; id < V; id++) {
        int la = 0, lb = 0;
        const char *pa = ld_tokenizer_token_bytes(a, id, &la), *pb = ld_tokenizer_token_bytes(b, id, &lb);
        if (!pa != !pb || la != lb || (pa && memcmp(pa, pb, (size_t)la))) return 0;
        if (ld_tokenizer_is_special(a, id) != ld_tokenizer_is_special(b, id)) return 0;
    }
    return 1;
}

LDDEF ld_status ld_trainer_init(ld_trainer *tr, ld_model *m, ld_optim *opt, const ld_dataset *ds,
                                const ld_train_config *cfg, ld_model *ref) {
    if (!tr) return ld__fail(LD_ERR_ARG, "trainer is NULL");
    memset(tr, 0, sizeof *tr);
    if (!m || !m->grad || !opt || !opt->delta || !ds || ds->n < 1 || !cfg)
        return ld__fail(LD_ERR_ARG, "the trainer needs a model made with LD_TRAIN, an optimizer and a non-empty dataset");
    ld_train_config c = *cfg;
    tr->m = m; tr->opt = opt; tr->ds = ds; tr->ref = ref;
    int kto = 0, rows_per = 1;
    if (c.pref) {
        c.loss = ld_pref_opts_resolve(&c.loss);
        ld_status os = ld__pref_opts_check(&c.loss);
        if (os) return os;
        kto = c.loss.kind == LD_KTO;
        if (kto) {
            tr->fields[0] = ld_dataset_field(ds, "completion");
            tr->n_fields = 1;
            if (tr->fields[0] < 1 || !ds->label)
                return ld__fail(LD_ERR_DATA, "kto trains on unpaired rows: \"prompt\", \"completion\", \"label\" (LD_DATA_UNPAIRED)");
        } else {
            tr->fields[0] = ld_dataset_field(ds, "chosen");
            tr->fields[1] = ld_dataset_field(ds, "rejected");
            tr->n_fields = 2;
            if (tr->fields[0] < 0 || tr->fields[1] < 0) return ld__fail(LD_ERR_DATA, "preference training needs \"chosen\" and \"rejected\" columns");
        }
        rows_per = 2;
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
        rows_per = tr->n_fields;
    }
    if (c.batch == 0) c.batch = LD__MIN(m->B / rows_per, ds->n);
    if (c.batch < 1 || (long)c.batch * rows_per > m->B)
        return ld__fail(LD_ERR_ARG, "a batch of %d examples needs %ld rows; the model holds %d", c.batch,
                        (long)c.batch * rows_per, m->B);
    if (kto && c.batch < 2)
        return ld__fail(LD_ERR_ARG, "kto needs a batch of at least 2 examples: with 1 its KL row is its own completion");
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
    int need_ref = c.pref && ld_pref_opts_needs_ref(&c.loss);
    if (need_ref && ref && (ref->B < 2 * c.batch || ref->T < m->T || !ld_config_equal(&ref->cfg, &m->cfg)))
        return ld__fail(LD_ERR_ARG, "the reference model must share the policy's config and hold %d rows of %d tokens", 2 * c.batch, m->T);
    if (need_ref && ref && !ld__tokenizers_agree(ref->tokenizer, m->tokenizer))
        return ld__fail(LD_ERR_ARG, "the reference model's tokenizer differs from the policy's: the same ids would be different text");
    tr->order = (int *)LD_MALLOC(sizeof(int) * ds->n);
    tr->batch_idx = (int *)LD_MALLOC(sizeof(int) * c.batch);
    tr->rows = (ld_seq *)LD_MALLOC(sizeof(ld_seq) * m->B);
    tr->buf = (int *)LD_MALLOC(sizeof(int) * (size_t)m->B * m->T);
    tr->row_ref = (double *)LD_MALLOC(sizeof(double) * m->B);
    tr->row_coef = (ld_row_coef *)LD_MALLOC(sizeof(ld_row_coef) * m->B);
    tr->row_label = (int *)LD_MALLOC(sizeof(int) * m->B);
    if (!tr->order || !tr->batch_idx || !tr->rows || !tr->buf || !tr->row_ref || !tr->row_coef || !tr->row_label) { ld_trainer_free(tr); return ld__fail(LD_ERR_OOM, "trainer buffers"); }
    ld_rng_seed(&tr->rng, c.seed);
    ld__shuffle(tr);
    if (need_ref && (c.ref_precompute || !ref)) {
        /* log π_ref of every (chosen, rejected) — KTO: (completion, KL row) — once, in the file's order */
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
            if (!st) st = kto ? (memcpy(tr->row_ref, rm->seq_logp, sizeof(double) * 2 * n), LD_OK)
                              : ld_pref_ref_logps(rm, &c.loss, tr->row_ref);
            for (int i = 0; i < n && !st; i++) {
                tr->ref_logp[2 * (i0 + i)] = tr->row_ref[i];
                tr->ref_logp[2 * (i0 + i) + 1] = tr->row_ref[n + i];
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
    if (!tr->ds || tr->ds->n < 1 || !tr->ds->tokens)
        return ld__fail(LD_ERR_ARG, "the trainer's dataset is empty: was it freed (ld_dataset_free) while the trainer "
                                    "still uses it?");
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
    int kto = tr->cfg.pref && tr->cfg.loss.kind == LD_KTO;
    if (tr->cfg.pref && ld_pref_opts_needs_ref(&tr->cfg.loss)) {
        if (tr->ref_logp) {
            for (int i = 0; i < n; i++) {
                tr->row_ref[i] = tr->ref_logp[2 * tr->batch_idx[i]];
                tr->row_ref[n + i] = tr->ref_logp[2 * tr->batch_idx[i] + 1];
            }
        } else {
            if ((st = ld_forward(tr->ref, tr->rows, tr->n_rows))) return st;
            if (kto) memcpy(tr->row_ref, tr->ref->seq_logp, sizeof(double) * tr->n_rows);
            else if ((st = ld_pref_ref_logps(tr->ref, &tr->cfg.loss, tr->row_ref))) return st;
        }
    }
    if ((st = ld_forward(m, tr->rows, tr->n_rows))) return st;
    if (kto) {
        if ((st = ld_kto_loss(m, &tr->cfg.loss, tr->row_ref, tr->row_label, &tr->metrics, tr->row_coef))) return st;
        tr->loss = tr->metrics.loss;
    } else if (tr->cfg.pref) {
        if ((st = ld_pref_loss(m, &tr->cfg.loss, tr->row_ref, &tr->metrics, tr->row_coef))) return st;
        tr->loss = tr->metrics.loss;
    } else {
        tr->loss = ld_sft_loss(m, tr->cfg.norm);
        if (!isfinite(tr->loss)) return ld__fail(LD_ERR_NAN, "the SFT loss is %g at step %ld", tr->loss, tr->step);
        long ntok = 0;
        for (int r = 0; r < tr->n_rows; r++) ntok += tr->rows[r].len - tr->rows[r].prompt_len;
        for (int r = 0; r < tr->n_rows; r++) {
            ld_row_coef *rc = &tr->row_coef[r];
            rc->c = rc->c_tail = tr->cfg.norm == LD_NORM_TOKEN_MEAN ? 1.0 / ntok : 1.0 / tr->n_rows;
            rc->head = tr->rows[r].len - tr->rows[r].prompt_len;
            rc->role = LD_ROW_CHOSEN;
            rc->weight = 1;
        }
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
    LD_FREE(r->drift); LD_FREE(r->pred_end); LD_FREE(r->pred_layer); LD_FREE(r->share); LD_FREE(r->row_coef); LD_FREE(r->row_example);
    LD_FREE(r->row_rejected); LD_FREE(r->dtheta);
    memset(r, 0, sizeof *r);
}

/* The parameter group of each tensor: 0 the embeddings, 1 + l block l
   (layered), L + 1 the final norm and the head. */
static void ld__groups(const ld_config *c, int *first /* (ntensors) */, int *layered) {
    for (int k = 0; k < LD__NTENSORS; k++) {
        layered[k] = ld__ptab[k].part == 1;
        first[k] = ld__ptab[k].part == 0 ? 0 : ld__ptab[k].part == 1 ? 1 : c->n_layer + 1;
    }
}

LDDEF ld_status ld_dyn_step(ld_trainer *tr, const ld_seq *obs, int n_obs, int apply, ld_dyn_report *r) {
    if (!r) return ld__fail(LD_ERR_ARG, "report is NULL");
    memset(r, 0, sizeof *r);
    if (!tr || !tr->m || (!obs && n_obs > 0) || n_obs < 0) return ld__fail(LD_ERR_ARG, "trainer not initialised or bad observations");
    if (ld_trainer_done(tr)) return ld__fail(LD_ERR_ARG, "the run is over (%ld steps)", tr->step);
    int Tmax;
    ld_status st = n_obs ? ld__check_seqs(tr->m, obs, n_obs, 1, "observed sequence", &Tmax) : LD_OK;
    if (!st) st = ld_trainer_next_batch(tr);
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
    r->pred_end = (double *)LD_MALLOC(sizeof(double) * no);
    r->pred_layer = (double *)LD_MALLOC(sizeof(double) * no * ng);
    r->share = (double *)LD_MALLOC(sizeof(double) * no * nr);
    r->row_coef = (ld_row_coef *)LD_MALLOC(sizeof(ld_row_coef) * nr);
    r->row_example = (int *)LD_MALLOC(sizeof(int) * nr);
    r->row_rejected = (int *)LD_MALLOC(sizeof(int) * nr);
    r->dtheta = (ld_float *)LD_MALLOC(sizeof(ld_float) * P);
    /* each row's role, known before the step, and LD-DPO's split of it */
    int n_ex = tr->batch_n, kto = tr->cfg.pref && tr->cfg.loss.kind == LD_KTO, n_tail = 0;
    int *role = (int *)LD_MALLOC(sizeof(int) * 3 * (size_t)nr), *head = role + nr, *tail_at = role + 2 * nr;
    if (role)
        for (int i = 0; i < nr; i++) {
            int len = tr->rows[i].len - tr->rows[i].prompt_len, q = i < n_ex ? i + n_ex : i - n_ex;
            role[i] = kto ? (i >= n_ex ? LD_ROW_NONE : tr->row_label[i] ? LD_ROW_CHOSEN : LD_ROW_REJECTED)
                          : tr->cfg.pref && i >= n_ex ? LD_ROW_REJECTED : LD_ROW_CHOSEN;
            head[i] = tr->cfg.pref && !kto && tr->cfg.loss.ld_dpo ? LD__MIN(len, tr->rows[q].len - tr->rows[q].prompt_len) : len;
            tail_at[i] = head[i] < len ? n_tail++ : -1;
        }
    /* gradients: observed, rows, LD-DPO's tails; the preconditioner; a snapshot to undo */
    ld_float *g = role ? (ld_float *)LD_MALLOC(sizeof(ld_float) * P * ((size_t)n_obs + nr + n_tail + 1 + (apply ? 0 : 4))) : NULL;
    if (!r->logp || !r->pred || !r->meas || !r->pred_chosen || !r->pred_rejected || !r->drift || !r->pred_end || !r->pred_layer ||
        !r->share || !r->row_coef || !r->row_example || !r->row_rejected || !r->dtheta || !role || !g) {
        LD_FREE(g); LD_FREE(role);
        ld_dyn_report_free(r);
        return ld__fail(LD_ERR_OOM, "dynamics buffers for %d gradients of %zu parameters", n_obs + nr, P);
    }
    ld_float *gobs = g, *grow = g + P * n_obs, *gtail = grow + P * nr, *pc = gtail + P * n_tail, *snap = pc + P;
    for (int i = 0; i < n_obs && !st; i++) st = ld_dyn_seq_grad(m, &obs[i], gobs + P * i, &r->logp[i]);
    for (int i = 0; i < nr && !st; i++) {
        if (role[i] == LD_ROW_NONE) { memset(grow + P * i, 0, sizeof(ld_float) * P); continue; }
        /* a row that is also observed (a pair's own responses) has its gradient already */
        int same = -1;
        for (int j = 0; j < n_obs && same < 0; j++)
            if (obs[j].len == tr->rows[i].len && obs[j].prompt_len == tr->rows[i].prompt_len &&
                !memcmp(obs[j].tokens, tr->rows[i].tokens, sizeof(int) * (size_t)obs[j].len)) same = j;
        if (same >= 0) memcpy(grow + P * i, gobs + P * same, sizeof(ld_float) * P);
        else st = ld_dyn_seq_grad(m, &tr->rows[i], grow + P * i, NULL);
        if (!st && tail_at[i] >= 0) {
            /* ∇θ of the log-probs of the tokens from head[i] on */
            ld_float *gt = gtail + P * tail_at[i];
            st = ld_forward(m, &tr->rows[i], 1);
            if (!st) {
                ld__write_residual2(m, 0, 0.0, head[i], -1.0);
                memset(gt, 0, sizeof(ld_float) * P);
                st = ld_backward_into(m, gt);
            }
        }
    }
    if (st) { LD_FREE(g); LD_FREE(role); ld_dyn_report_free(r); return st; }
    ld_trainer save_tr = *tr;
    ld_optim save_opt = *o;
    if (!apply) {
        memcpy(snap, m->theta, sizeof(ld_float) * P);
        memcpy(snap + P, o->m1, sizeof(ld_float) * P);
        memcpy(snap + 2 * P, o->m2, sizeof(ld_float) * P);
        memcpy(snap + 3 * P, o->delta, sizeof(ld_float) * P);
    }
    for (int i = 0; i < nr; i++) {
        r->row_example[i] = tr->batch_idx[i % n_ex];
        r->row_rejected[i] = role[i] == LD_ROW_REJECTED;
    }
    st = ld_trainer_step(tr);
    if (!st) st = ld_optim_precond(o, pc);
    if (!st) {
        r->loss = tr->loss;
        memcpy(r->dtheta, o->delta, sizeof(ld_float) * P);
        memcpy(r->row_coef, tr->row_coef, sizeof(ld_row_coef) * nr);
        int first[LD__NTENSORS], layered[LD__NTENSORS];
        ld__groups(&m->cfg, first, layered);
        for (int i = 0; i < n_obs; i++) {
            const ld_float *go = gobs + P * i;
            double sum = 0, ch = 0, rj = 0;
            for (int k = 0; k < nr; k++) {
                const ld_row_coef *rc = &r->row_coef[k];
                double sh = role[k] == LD_ROW_NONE ? 0 : rc->c * ld__dot(go, grow + P * k, pc, P);
                if (tail_at[k] >= 0) sh += (rc->c_tail - rc->c) * ld__dot(go, gtail + P * tail_at[k], pc, P);
                r->share[(size_t)k * n_obs + i] = sh;
                sum += sh;
                if (r->row_rejected[k]) rj += sh; else ch += sh;
            }
            double pred = 0;
            for (int gi = 0; gi < ng; gi++) r->pred_layer[(size_t)i * ng + gi] = 0;
            ld_tensor_info tab[LD__NTENSORS];
            ld__tensors(&m->cfg, tab);
            for (int k = 0; k < LD__NTENSORS; k++) {
                ld_tensor_info ti = tab[k];
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
        /* measured: log π after the step; and there the slope along Δθ
           (ld__response_slope) */
        int jvp = (m->flags & LD_JVP) != 0;
        for (int i = 0; i < n_obs && !st; i += m->B) {
            int k = LD__MIN(m->B, n_obs - i);
            if (!(st = ld_forward(m, obs + i, k))) for (int b = 0; b < k; b++) r->meas[i + b] = m->seq_logp[b] - r->logp[i + b];
            if (!st && jvp) st = ld_jvp(m, r->dtheta);
            for (int b = 0; b < k && !st; b++) r->pred_end[i + b] = jvp ? ld__response_slope(m, b) : NAN;
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
    LD_FREE(g); LD_FREE(role);
    if (st) ld_dyn_report_free(r);
    return st;
}

LDDEF ld_status ld_dyn_pair_step(ld_model *m, ld_model *ref, const char *prompt, const char *chosen,
                                 const char *rejected, const ld_train_config *tc, const ld_optim_config *oc,
                                 const ld_seq *obs, int n_obs, ld_dyn_report *r) {
    if (!r) return ld__fail(LD_ERR_ARG, "report is NULL");
    memset(r, 0, sizeof *r);
    if (!m || !m->grad) return ld__fail(LD_ERR_ARG, "the model is NULL or was made without LD_TRAIN");
    if (!prompt || !chosen || !rejected) return ld__fail(LD_ERR_ARG, "prompt, chosen and rejected are needed");
    const char *cells[3] = { prompt, chosen, rejected };
    ld_dataset ds;
    ld_data_opts dopt;
    memset(&dopt, 0, sizeof dopt);
    dopt.tokenizer = m->tokenizer;   /* the model's text */
    ld_status st = ld_dataset_from_strings_opts(&ds, LD_DATA_PREF, NULL, 0, cells, 1, &m->cfg, &dopt);
    if (st) return st;
    ld_optim_config sgd;
    memset(&sgd, 0, sizeof sgd);
    sgd.kind = LD_OPT_SGD;
    ld_train_config c;
    if (tc) c = *tc; else memset(&c, 0, sizeof c);
    c.pref = 1; c.batch = 1; c.epochs = 1; c.max_steps = 1; c.no_shuffle = 1;
    ld_optim o;
    ld_trainer tr;
    memset(&tr, 0, sizeof tr);
    int *buf = NULL;
    ld_seq own[2];
    st = ld_optim_init(&o, m, oc ? oc : &sgd);
    if (!st) st = ld_trainer_init(&tr, m, &o, &ds, &c, ref);
    if (!st && !obs) {   /* the pair's own χ⁺ and χ⁻, framed as the trainer frames them */
        buf = (int *)LD_MALLOC(sizeof(int) * 2 * (size_t)m->T);
        if (!buf) st = ld__fail(LD_ERR_OOM, "two sequences");
        for (int k = 0; k < 2 && !st; k++)
            st = ld_dataset_seq(&ds, 0, 1 + k, m->T, tr.cfg.max_prompt, &m->cfg, buf + (size_t)k * m->T, &own[k]);
        obs = own;
        n_obs = 2;
    }
    if (!st) st = ld_dyn_step(&tr, obs, n_obs, 0, r);
    LD_FREE(buf);
    ld_trainer_free(&tr);
    ld_optim_free(&o);
    ld_dataset_free(&ds);
    return st;
}

LDDEF ld_status ld_influence_init(ld_influence *inf, int n_examples, int n_probes) {
    if (!inf) return ld__fail(LD_ERR_ARG, "NULL influence");
    memset(inf, 0, sizeof *inf);
    if (n_examples < 1 || n_probes < 1) return ld__fail(LD_ERR_ARG, "%d examples, %d probes", n_examples, n_probes);
    inf->share = (double *)LD_MALLOC(sizeof(double) * (size_t)n_examples * n_probes);
    inf->pred = (double *)LD_MALLOC(sizeof(double) * 4 * (size_t)n_probes);
    if (!inf->share || !inf->pred) { LD_FREE(inf->share); LD_FREE(inf->pred); memset(inf, 0, sizeof *inf); return ld__fail(LD_ERR_OOM, "influence"); }
    memset(inf->share, 0, sizeof(double) * (size_t)n_examples * n_probes);
    memset(inf->pred, 0, sizeof(double) * 4 * (size_t)n_probes);
    inf->meas = inf->pred + n_probes;
    inf->drift = inf->pred + 2 * n_probes;
    inf->pred_trap = inf->pred + 3 * n_probes;
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
        inf->pred_trap[i] += r->pred_end ? 0.5 * (r->pred[i] + r->pred_end[i]) : NAN;
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

static ld_status ld__probe_eval(ld_model *m, const ld_dataset *ds, int max_prompt, int greedy, ld_probe_result *out) {
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
            st = ld_dataset_seq(ds, i, f, T, max_prompt, &m->cfg, buf + (size_t)k * T, &rows[k]);
            who[2 * k] = i; who[2 * k + 1] = f;
            if (++k == B && !st) { st = ld__probe_flush(m, rows, k, who, out, f_chosen); k = 0; }
        }
    if (k && !st) st = ld__probe_flush(m, rows, k, who, out, f_chosen);
    /* greedy decodes from the prompts (the prompt as cut for the first probe column) */
    if (!greedy) {
        memset(out->greedy_len, 0, sizeof(int) * n);
        memset(out->prompt_len, 0, sizeof(int) * n);
    }
    for (int i0 = 0; i0 < n && !st && greedy; i0 += B) {
        int nb = LD__MIN(B, n - i0);
        for (int b = 0; b < nb && !st; b++) {
            int f = 1;
            while (f < nf && ds->len[(size_t)(i0 + b) * nf + f] < 0) f++;
            ld_seq s;
            if (f >= nf) { /* no response at all: the bare prompt, cut to half the context */
                const int *x = ds->tokens + ds->start[(size_t)(i0 + b) * nf];
                int nbos = m->cfg.bos_token != LD_NO_TOKEN;
                int xl = LD__MAX(0, LD__MIN(ds->len[(size_t)(i0 + b) * nf], T / 2 - nbos));
                if (nbos) buf[(size_t)b * T] = m->cfg.bos_token;
                memcpy(buf + (size_t)b * T + nbos, x, sizeof(int) * xl);
                s.len = xl + nbos;
                if (s.len < 1) { st = ld__fail(LD_ERR_LENGTH, "probe %d has an empty prompt and the model no bos", i0 + b); break; }
            } else {
                st = ld_dataset_seq(ds, i0 + b, f, T, max_prompt, &m->cfg, buf + (size_t)b * T, &s);
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

LDDEF ld_status ld_probe_eval(ld_model *m, const ld_dataset *ds, int max_prompt, ld_probe_result *out) {
    return ld__probe_eval(m, ds, max_prompt, 1, out);
}

LDDEF ld_status ld_probe_score(ld_model *m, const ld_dataset *ds, int max_prompt, ld_probe_result *out) {
    return ld__probe_eval(m, ds, max_prompt, 0, out);
}

#ifndef LD_NO_STDIO

/* A flat tensor of n elements into ld_float (dst) or double (dstd). */
static ld_status ld__st_read_flat(ld__st_file *s, const char *name, size_t n, ld_float *dst, double *dstd) {
    int ei = ld__st_find(s, name, NULL);
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
        if (!st && !ld_config_equal(&cc, mc)) {
            char a[400], b[400];
            st = ld__fail(LD_ERR_SHAPE, "%s describes another model (%s) than this one (%s)", cpath,
                          ld__config_str(&cc, a, sizeof a), ld__config_str(mc, b, sizeof b));
        }
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
    int B, T, C, NH, OC, NKV, HS, R;
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
static void ld__st_at_f(void *p) { ld__st_case *c = (ld__st_case *)p; ld_attention_forward(c->out, c->s1, c->in[0], c->B, c->T, c->NH, c->NKV, c->HS); }
static void ld__st_at_b(void *p) { ld__st_case *c = (ld__st_case *)p; ld_attention_backward(c->gin[0], c->s2, c->r, c->in[0], c->s1, c->B, c->T, c->NH, c->NKV, c->HS); }
static void ld__st_at_j(void *p) { ld__st_case *c = (ld__st_case *)p; ld_attention_jvp(c->tout, c->s2, c->in[0], c->tin[0], c->s1, c->B, c->T, c->NH, c->NKV, c->HS); }
static void ld__st_rms_f(void *p) { ld__st_case *c = (ld__st_case *)p; ld_rmsnorm_forward(c->out, c->s1, c->in[0], c->in[1], c->B * c->T, c->C, 1e-5); }
static void ld__st_rms_b(void *p) { ld__st_case *c = (ld__st_case *)p; ld_rmsnorm_backward(c->gin[0], c->gin[1], c->r, c->in[0], c->in[1], c->s1, c->B * c->T, c->C); }
static void ld__st_rms_j(void *p) { ld__st_case *c = (ld__st_case *)p; ld_rmsnorm_jvp(c->tout, c->in[0], c->tin[0], c->in[1], c->tin[1], c->s1, c->B * c->T, c->C); }
static void ld__st_ge2_f(void *p) { ld__st_case *c = (ld__st_case *)p; ld_gelu_erf_forward(c->out, c->in[0], c->nel[0]); }
static void ld__st_ge2_b(void *p) { ld__st_case *c = (ld__st_case *)p; ld_gelu_erf_backward(c->gin[0], c->in[0], c->r, c->nel[0]); }
static void ld__st_ge2_j(void *p) { ld__st_case *c = (ld__st_case *)p; ld_gelu_erf_jvp(c->tout, c->in[0], c->tin[0], c->nel[0]); }
static void ld__st_sw_f(void *p) { ld__st_case *c = (ld__st_case *)p; ld_swiglu_forward(c->out, c->in[0], c->B * c->T, c->C); }
static void ld__st_sw_b(void *p) { ld__st_case *c = (ld__st_case *)p; ld_swiglu_backward(c->gin[0], c->in[0], c->r, c->B * c->T, c->C); }
static void ld__st_sw_j(void *p) { ld__st_case *c = (ld__st_case *)p; ld_swiglu_jvp(c->tout, c->in[0], c->tin[0], c->B * c->T, c->C); }
static void ld__st_ro_f(void *p) { ld__st_case *c = (ld__st_case *)p; ld_rope_forward(c->out, c->in[0], c->s1, c->s2, c->B, c->T, 0, c->NH, c->NKV, c->HS, c->R); }
static void ld__st_ro_b(void *p) { ld__st_case *c = (ld__st_case *)p; ld_rope_backward(c->gin[0], c->r, c->s1, c->s2, c->B, c->T, c->NH, c->NKV, c->HS, c->R); }
static void ld__st_ro_j(void *p) { ld__st_case *c = (ld__st_case *)p; ld_rope_jvp(c->tout, c->tin[0], c->s1, c->s2, c->B, c->T, c->NH, c->NKV, c->HS, c->R); }
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
    for (int which = 0; which < 11; which++) {
        ld__st_case c;
        memset(&c, 0, sizeof c);
        c.B = B; c.T = T; c.C = C; c.NH = NH; c.OC = OC; c.NKV = NH; c.HS = C / NH;
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
        case 5: case 6:   /* grouped-query attention: 4 query heads of 3 channels, 2 or 1 key-value heads */
            c.name = which == 5 ? "attn_gqa" : "attn_mqa"; c.NH = 4; c.NKV = which == 5 ? 2 : 1; c.HS = 3; c.nin = 1;
            c.nel[0] = (size_t)B * T * (c.NH + 2 * c.NKV) * c.HS; c.nout = (size_t)B * T * c.NH * c.HS;
            c.fwd = ld__st_at_f; c.bwd = ld__st_at_b; c.jvp = ld__st_at_j;
            c.s1 = (ld_float *)LD_MALLOC(sizeof(ld_float) * B * c.NH * T * T);
            c.s2 = (ld_float *)LD_MALLOC(sizeof(ld_float) * B * c.NH * T * T);
            scale0 = 1.5;
            break;
        case 7:
            c.name = "rmsnorm"; c.nin = 2; c.nel[0] = (size_t)B * T * C; c.nel[1] = C; c.nout = (size_t)B * T * C;
            c.fwd = ld__st_rms_f; c.bwd = ld__st_rms_b; c.jvp = ld__st_rms_j;
            c.s1 = (ld_float *)LD_MALLOC(sizeof(ld_float) * B * T); c.s2 = (ld_float *)LD_MALLOC(sizeof(ld_float));
            break;
        case 8:
            c.name = "gelu_erf"; c.nin = 1; c.nel[0] = (size_t)B * T * C; c.nout = c.nel[0];
            c.fwd = ld__st_ge2_f; c.bwd = ld__st_ge2_b; c.jvp = ld__st_ge2_j;
            scale0 = 2.0;
            break;
        case 9:
            c.name = "swiglu"; c.nin = 1; c.nel[0] = (size_t)B * T * 2 * C; c.nout = (size_t)B * T * C;
            c.fwd = ld__st_sw_f; c.bwd = ld__st_sw_b; c.jvp = ld__st_sw_j;
            scale0 = 2.0;
            break;
        case 10: { /* rotary: 2 query heads and 1 key-value head of 6 dims, 4 of them rotated */
            c.name = "rope"; c.NH = 2; c.NKV = 1; c.HS = 6; c.R = 4; c.nin = 1;
            c.nel[0] = c.nout = (size_t)B * T * (c.NH + 2 * c.NKV) * c.HS;
            c.fwd = ld__st_ro_f; c.bwd = ld__st_ro_b; c.jvp = ld__st_ro_j;
            c.s1 = (ld_float *)LD_MALLOC(sizeof(ld_float) * T * c.R / 2);
            c.s2 = (ld_float *)LD_MALLOC(sizeof(ld_float) * T * c.R / 2);
            double inv[2] = { 1.0, 0.1 };
            if (c.s1 && c.s2) ld_rope_table(c.s1, c.s2, inv, T, c.R);
            break;
        }
        }
        if (ld__st_alloc(&c, &rng, scale0) || (which == 0 && !c.tok) ||
            ((which == 1 || which == 3 || which == 5 || which == 6 || which == 7 || which == 10) && (!c.s1 || !c.s2))) {
            if (verbose) printf("FAIL %s: out of memory\n", c.name);
            fails++;
        } else {
            if (which == 1 || which == 7) for (int i = 0; i < C; i++) c.in[1][i] += 1; /* norm weights near 1 */
            fails += ld__st_run(&c, verbose);
        }
        ld__st_free(&c);
    }
    return fails;
}
#endif /* LD_LLM_SELFTEST */

/* -------------------------------------------------------------- >>unicode */
/* Generated by tools/gen_unicode.py from the Unicode Character Database 16.0.0
   (classes) and its characters assigned by Unicode 9.0 (NFC). Do not edit;
   run the script. The reasons for the two versions are in the script. */
#define LD__UNICODE_VERSION "16.0.0"
#define LD__UNICODE_NFC_VERSION "9.0"

/* Flags of every code point, as ranges: entry k is (start << 8) | flags, and
   its flags hold from start up to the next entry's start - 1.
   1 L (\p{L})  2 N (\p{N})  4 S (White_Space)  8 W (\w)  16 Q (NFC may act) */
static const uint32_t ld__uflags[2469] = {
    0x0,0x904,0xe00,0x2004,0x2100,0x300a,0x3a00,0x4109,
    0x5b00,0x5f08,0x6000,0x6109,0x7b00,0x8504,0x8600,0xa004,
    0xa100,0xaa09,0xab00,0xb202,0xb400,0xb509,0xb600,0xb902,
    0xba09,0xbb00,0xbc02,0xbf00,0xc019,0xc609,0xc719,0xd009,
    0xd119,0xd700,0xd809,0xd919,0xde09,0xe019,0xe609,0xe719,
    0xf009,0xf119,0xf700,0xf809,0xf919,0xfe09,0xff19,0x11009,
    0x11219,0x12609,0x12819,0x13109,0x13419,0x13809,0x13919,0x13f09,
    0x14319,0x14909,0x14c19,0x15209,0x15419,0x16609,0x16819,0x17f09,
    0x1a019,0x1a209,0x1af19,0x1b109,0x1cd19,0x1dd09,0x1de19,0x1e409,
    0x1e619,0x1f109,0x1f419,0x1f609,0x1f819,0x21c09,0x21e19,0x22009,
    0x22619,0x23409,0x2c200,0x2c609,0x2d200,0x2e009,0x2e500,0x2ec09,
    0x2ed00,0x2ee09,0x2ef00,0x30018,0x34f08,0x35018,0x37009,0x37419,
    0x37500,0x37609,0x37800,0x37a09,0x37e10,0x37f09,0x38000,0x38510,
    0x38619,0x38710,0x38819,0x38b00,0x38c19,0x38d00,0x38e19,0x39109,
    0x3a200,0x3a309,0x3aa19,0x3b109,0x3ca19,0x3cf09,0x3d319,0x3d509,
    0x3f600,0x3f709,0x40019,0x40209,0x40319,0x40409,0x40719,0x40809,
    0x40c19,0x40f09,0x41919,0x41a09,0x43919,0x43a09,0x45019,0x45209,
    0x45319,0x45409,0x45719,0x45809,0x45c19,0x45f09,0x47619,0x47809,
    0x48200,0x48318,0x48808,0x48a09,0x4c119,0x4c309,0x4d019,0x4d409,
    0x4d619,0x4d809,0x4da19,0x4e009,0x4e219,0x4e809,0x4ea19,0x4f609,
    0x4f819,0x4fa09,0x53000,0x53109,0x55700,0x55909,0x55a00,0x56009,
    0x58900,0x59118,0x5be00,0x5bf18,0x5c000,0x5c118,0x5c300,0x5c418,
    0x5c600,0x5c718,0x5c800,0x5d009,0x5eb00,0x5ef09,0x5f300,0x61018,
    0x61b00,0x62009,0x62219,0x62709,0x64b18,0x6600a,0x66a00,0x66e09,
    0x67018,0x67109,0x6c019,0x6c109,0x6c219,0x6c309,0x6d319,0x6d400,
    0x6d509,0x6d618,0x6dd00,0x6df18,0x6e509,0x6e718,0x6e900,0x6ea18,
    0x6ee09,0x6f00a,0x6fa09,0x6fd00,0x6ff09,0x70000,0x71009,0x71118,
    0x71209,0x73018,0x74b00,0x74d09,0x7a608,0x7b109,0x7b200,0x7c00a,
    0x7ca09,0x7eb18,0x7f409,0x7f600,0x7fa09,0x7fb00,0x7fd08,0x7fe00,
    0x80009,0x81618,0x81a09,0x81b18,0x82409,0x82518,0x82809,0x82918,
    0x82e00,0x84009,0x85918,0x85c00,0x86009,0x86b00,0x87009,0x88800,
    0x88909,0x88f00,0x89708,0x8a009,0x8ca08,0x8d418,0x8e200,0x8e318,
    0x90008,0x90409,0x92919,0x92a09,0x93119,0x93209,0x93419,0x93509,
    0x93a08,0x93c18,0x93d09,0x93e08,0x94d18,0x94e08,0x95009,0x95118,
    0x95508,0x95819,0x96009,0x96208,0x96400,0x9660a,0x97000,0x97109,
    0x98108,0x98400,0x98509,0x98d00,0x98f09,0x99100,0x99309,0x9a900,
    0x9aa09,0x9b100,0x9b209,0x9b300,0x9b609,0x9ba00,0x9bc18,0x9bd09,
    0x9be18,0x9bf08,0x9c500,0x9c708,0x9c900,0x9cb18,0x9ce09,0x9cf00,
    0x9d718,0x9d800,0x9dc19,0x9de00,0x9df19,0x9e009,0x9e208,0x9e400,
    0x9e60a,0x9f009,0x9f200,0x9f402,0x9fa00,0x9fc09,0x9fd00,0x9fe08,
    0x9ff00,0xa0108,0xa0400,0xa0509,0xa0b00,0xa0f09,0xa1100,0xa1309,
    0xa2900,0xa2a09,0xa3100,0xa3209,0xa3319,0xa3400,0xa3509,0xa3619,
    0xa3700,0xa3809,0xa3a00,0xa3c18,0xa3d00,0xa3e08,0xa4300,0xa4708,
    0xa4900,0xa4b08,0xa4d18,0xa4e00,0xa5108,0xa5200,0xa5919,0xa5c09,
    0xa5d00,0xa5e19,0xa5f00,0xa660a,0xa7008,0xa7209,0xa7508,0xa7600,
    0xa8108,0xa8400,0xa8509,0xa8e00,0xa8f09,0xa9200,0xa9309,0xaa900,
    0xaaa09,0xab100,0xab209,0xab400,0xab509,0xaba00,0xabc18,0xabd09,
    0xabe08,0xac600,0xac708,0xaca00,0xacb08,0xacd18,0xace00,0xad009,
    0xad100,0xae009,0xae208,0xae400,0xae60a,0xaf000,0xaf909,0xafa08,
    0xb0000,0xb0108,0xb0400,0xb0509,0xb0d00,0xb0f09,0xb1100,0xb1309,
    0xb2900,0xb2a09,0xb3100,0xb3209,0xb3400,0xb3509,0xb3a00,0xb3c18,
    0xb3d09,0xb3e18,0xb3f08,0xb4500,0xb4708,0xb4818,0xb4900,0xb4b18,
    0xb4e00,0xb5508,0xb5618,0xb5800,0xb5c19,0xb5e00,0xb5f09,0xb6208,
    0xb6400,0xb660a,0xb7000,0xb7109,0xb7202,0xb7800,0xb8208,0xb8309,
    0xb8400,0xb8509,0xb8b00,0xb8e09,0xb9100,0xb9209,0xb9419,0xb9509,
    0xb9600,0xb9909,0xb9b00,0xb9c09,0xb9d00,0xb9e09,0xba000,0xba309,
    0xba500,0xba809,0xbab00,0xbae09,0xbba00,0xbbe18,0xbbf08,0xbc300,
    0xbc608,0xbc900,0xbca18,0xbce00,0xbd009,0xbd100,0xbd718,0xbd800,
    0xbe60a,0xbf002,0xbf300,0xc0008,0xc0509,0xc0d00,0xc0e09,0xc1100,
    0xc1209,0xc2900,0xc2a09,0xc3a00,0xc3c08,0xc3d09,0xc3e08,0xc4500,
    0xc4608,0xc4818,0xc4900,0xc4a08,0xc4d18,0xc4e00,0xc5518,0xc5700,
    0xc5809,0xc5b00,0xc5d09,0xc5e00,0xc6009,0xc6208,0xc6400,0xc660a,
    0xc7000,0xc7802,0xc7f00,0xc8009,0xc8108,0xc8400,0xc8509,0xc8d00,
    0xc8e09,0xc9100,0xc9209,0xca900,0xcaa09,0xcb400,0xcb509,0xcba00,
    0xcbc18,0xcbd09,0xcbe08,0xcc018,0xcc108,0xcc218,0xcc308,0xcc500,
    0xcc608,0xcc718,0xcc900,0xcca18,0xccc08,0xccd18,0xcce00,0xcd518,
    0xcd700,0xcdd09,0xcdf00,0xce009,0xce208,0xce400,0xce60a,0xcf000,
    0xcf109,0xcf308,0xcf400,0xd0008,0xd0409,0xd0d00,0xd0e09,0xd1100,
    0xd1209,0xd3b08,0xd3d09,0xd3e18,0xd3f08,0xd4500,0xd4608,0xd4900,
    0xd4a18,0xd4e09,0xd4f00,0xd5409,0xd5718,0xd5802,0xd5f09,0xd6208,
    0xd6400,0xd660a,0xd7002,0xd7900,0xd7a09,0xd8000,0xd8108,0xd8400,
    0xd8509,0xd9700,0xd9a09,0xdb200,0xdb309,0xdbc00,0xdbd09,0xdbe00,
    0xdc009,0xdc700,0xdca18,0xdcb00,0xdcf18,0xdd008,0xdd500,0xdd608,
    0xdd700,0xdd808,0xdda18,0xddb08,0xddc18,0xde000,0xde60a,0xdf000,
    0xdf208,0xdf400,0xe0109,0xe3108,0xe3209,0xe3408,0xe3818,0xe3b00,
    0xe4009,0xe4708,0xe4818,0xe4c08,0xe4f00,0xe500a,0xe5a00,0xe8109,
    0xe8300,0xe8409,0xe8500,0xe8609,0xe8b00,0xe8c09,0xea400,0xea509,
    0xea600,0xea709,0xeb108,0xeb209,0xeb408,0xeb818,0xeba08,0xebd09,
    0xebe00,0xec009,0xec500,0xec609,0xec700,0xec818,0xecc08,0xecf00,
    0xed00a,0xeda00,0xedc09,0xee000,0xf0009,0xf0100,0xf1818,0xf1a00,
    0xf200a,0xf2a02,0xf3400,0xf3518,0xf3600,0xf3718,0xf3800,0xf3918,
    0xf3a00,0xf3e08,0xf4009,0xf4319,0xf4409,0xf4800,0xf4909,0xf4d19,
    0xf4e09,0xf5219,0xf5309,0xf5719,0xf5809,0xf5c19,0xf5d09,0xf6919,
    0xf6a09,0xf6d00,0xf7118,0xf7708,0xf7818,0xf7908,0xf7a18,0xf7e08,
    0xf8018,0xf8500,0xf8618,0xf8809,0xf8d08,0xf9318,0xf9408,0xf9800,
    0xf9908,0xf9d18,0xf9e08,0xfa218,0xfa308,0xfa718,0xfa808,0xfac18,
    0xfad08,0xfb918,0xfba08,0xfbd00,0xfc618,0xfc700,0x100009,0x102619,
    0x102709,0x102b08,0x102e18,0x102f08,0x103718,0x103808,0x103918,0x103b08,
    0x103f09,0x10400a,0x104a00,0x105009,0x105608,0x105a09,0x105e08,0x106109,
    0x106208,0x106509,0x106708,0x106e09,0x107108,0x107509,0x108208,0x108d18,
    0x108e09,0x108f08,0x10900a,0x109a08,0x109e00,0x10a009,0x10c600,0x10c709,
    0x10c800,0x10cd09,0x10ce00,0x10d009,0x10fb00,0x10fc09,0x116119,0x117609,
    0x11a819,0x11c309,0x124900,0x124a09,0x124e00,0x125009,0x125700,0x125809,
    0x125900,0x125a09,0x125e00,0x126009,0x128900,0x128a09,0x128e00,0x129009,
    0x12b100,0x12b209,0x12b600,0x12b809,0x12bf00,0x12c009,0x12c100,0x12c209,
    0x12c600,0x12c809,0x12d700,0x12d809,0x131100,0x131209,0x131600,0x131809,
    0x135b00,0x135d18,0x136000,0x136902,0x137d00,0x138009,0x139000,0x13a009,
    0x13f600,0x13f809,0x13fe00,0x140109,0x166d00,0x166f09,0x168004,0x168109,
    0x169b00,0x16a009,0x16eb00,0x16ee0a,0x16f109,0x16f900,0x170009,0x171208,
    0x171418,0x171508,0x171600,0x171f09,0x173208,0x173418,0x173500,0x174009,
    0x175208,0x175400,0x176009,0x176d00,0x176e09,0x177100,0x177208,0x177400,
    0x178009,0x17b408,0x17d218,0x17d308,0x17d400,0x17d709,0x17d800,0x17dc09,
    0x17dd18,0x17de00,0x17e00a,0x17ea00,0x17f002,0x17fa00,0x180b08,0x180e00,
    0x180f08,0x18100a,0x181a00,0x182009,0x187900,0x188009,0x188508,0x188709,
    0x18a918,0x18aa09,0x18ab00,0x18b009,0x18f600,0x190009,0x191f00,0x192008,
    0x192c00,0x193008,0x193918,0x193c00,0x19460a,0x195009,0x196e00,0x197009,
    0x197500,0x198009,0x19ac00,0x19b009,0x19ca00,0x19d00a,0x19da02,0x19db00,
    0x1a0009,0x1a1718,0x1a1908,0x1a1c00,0x1a2009,0x1a5508,0x1a5f00,0x1a6018,
    0x1a6108,0x1a7518,0x1a7d00,0x1a7f18,0x1a800a,0x1a8a00,0x1a900a,0x1a9a00,
    0x1aa709,0x1aa800,0x1ab018,0x1abe08,0x1acf00,0x1b0008,0x1b0509,0x1b0619,
    0x1b0709,0x1b0819,0x1b0909,0x1b0a19,0x1b0b09,0x1b0c19,0x1b0d09,0x1b0e19,
    0x1b0f09,0x1b1219,0x1b1309,0x1b3418,0x1b3608,0x1b3b18,0x1b3c08,0x1b3d18,
    0x1b3e08,0x1b4018,0x1b4208,0x1b4318,0x1b4509,0x1b4d00,0x1b500a,0x1b5a00,
    0x1b6b18,0x1b7400,0x1b8008,0x1b8309,0x1ba108,0x1baa18,0x1bac08,0x1bae09,
    0x1bb00a,0x1bba09,0x1be618,0x1be708,0x1bf218,0x1bf400,0x1c0009,0x1c2408,
    0x1c3718,0x1c3800,0x1c400a,0x1c4a00,0x1c4d09,0x1c500a,0x1c5a09,0x1c7e00,
    0x1c8009,0x1c8b00,0x1c9009,0x1cbb00,0x1cbd09,0x1cc000,0x1cd018,0x1cd300,
    0x1cd418,0x1ce108,0x1ce218,0x1ce909,0x1ced18,0x1cee09,0x1cf418,0x1cf509,
    0x1cf708,0x1cf818,0x1cfa09,0x1cfb00,0x1d0009,0x1dc018,0x1df608,0x1dfb18,
    0x1e0019,0x1e9a09,0x1e9b19,0x1e9c09,0x1ea019,0x1efa09,0x1f0019,0x1f1600,
    0x1f1819,0x1f1e00,0x1f2019,0x1f4600,0x1f4819,0x1f4e00,0x1f5019,0x1f5800,
    0x1f5919,0x1f5a00,0x1f5b19,0x1f5c00,0x1f5d19,0x1f5e00,0x1f5f19,0x1f7e00,
    0x1f8019,0x1fb500,0x1fb619,0x1fbd00,0x1fbe19,0x1fbf00,0x1fc110,0x1fc219,
    0x1fc500,0x1fc619,0x1fcd10,0x1fd019,0x1fd400,0x1fd619,0x1fdc00,0x1fdd10,
    0x1fe019,0x1fed10,0x1ff000,0x1ff219,0x1ff500,0x1ff619,0x1ffd10,0x1ffe00,
    0x200014,0x200204,0x200b00,0x200c08,0x200e00,0x202804,0x202a00,0x202f04,
    0x203000,0x203f08,0x204100,0x205408,0x205500,0x205f04,0x206000,0x207002,
    0x207109,0x207200,0x207402,0x207a00,0x207f09,0x208002,0x208a00,0x209009,
    0x209d00,0x20d018,0x20dd08,0x20e118,0x20e208,0x20e518,0x20f100,0x210209,
    0x210300,0x210709,0x210800,0x210a09,0x211400,0x211509,0x211600,0x211909,
    0x211e00,0x212409,0x212500,0x212619,0x212700,0x212809,0x212900,0x212a19,
    0x212c09,0x212e00,0x212f09,0x213a00,0x213c09,0x214000,0x214509,0x214a00,
    0x214e09,0x214f00,0x215002,0x21600a,0x218309,0x21850a,0x218902,0x218a00,
    0x219a10,0x219c00,0x21ae10,0x21af00,0x21cd10,0x21d000,0x220410,0x220500,
    0x220910,0x220a00,0x220c10,0x220d00,0x222410,0x222500,0x222610,0x222700,
    0x224110,0x224200,0x224410,0x224500,0x224710,0x224800,0x224910,0x224a00,
    0x226010,0x226100,0x226210,0x226300,0x226d10,0x227200,0x227410,0x227600,
    0x227810,0x227a00,0x228010,0x228200,0x228410,0x228600,0x228810,0x228a00,
    0x22ac10,0x22b000,0x22e010,0x22e400,0x22ea10,0x22ee00,0x232910,0x232b00,
    0x246002,0x249c00,0x24b608,0x24ea02,0x250000,0x277602,0x279400,0x2adc10,
    0x2add00,0x2c0009,0x2ce500,0x2ceb09,0x2cef18,0x2cf209,0x2cf400,0x2cfd02,
    0x2cfe00,0x2d0009,0x2d2600,0x2d2709,0x2d2800,0x2d2d09,0x2d2e00,0x2d3009,
    0x2d6800,0x2d6f09,0x2d7000,0x2d7f18,0x2d8009,0x2d9700,0x2da009,0x2da700,
    0x2da809,0x2daf00,0x2db009,0x2db700,0x2db809,0x2dbf00,0x2dc009,0x2dc700,
    0x2dc809,0x2dcf00,0x2dd009,0x2dd700,0x2dd809,0x2ddf00,0x2de018,0x2e0000,
    0x2e2f09,0x2e3000,0x300004,0x300100,0x300509,0x30070a,0x300800,0x30210a,
    0x302a18,0x303000,0x303109,0x303600,0x30380a,0x303b09,0x303d00,0x304109,
    0x304c19,0x304d09,0x304e19,0x304f09,0x305019,0x305109,0x305219,0x305309,
    0x305419,0x305509,0x305619,0x305709,0x305819,0x305909,0x305a19,0x305b09,
    0x305c19,0x305d09,0x305e19,0x305f09,0x306019,0x306109,0x306219,0x306309,
    0x306519,0x306609,0x306719,0x306809,0x306919,0x306a09,0x307019,0x307209,
    0x307319,0x307509,0x307619,0x307809,0x307919,0x307b09,0x307c19,0x307e09,
    0x309419,0x309509,0x309700,0x309918,0x309b00,0x309d09,0x309e19,0x309f09,
    0x30a000,0x30a109,0x30ac19,0x30ad09,0x30ae19,0x30af09,0x30b019,0x30b109,
    0x30b219,0x30b309,0x30b419,0x30b509,0x30b619,0x30b709,0x30b819,0x30b909,
    0x30ba19,0x30bb09,0x30bc19,0x30bd09,0x30be19,0x30bf09,0x30c019,0x30c109,
    0x30c219,0x30c309,0x30c519,0x30c609,0x30c719,0x30c809,0x30c919,0x30ca09,
    0x30d019,0x30d209,0x30d319,0x30d509,0x30d619,0x30d809,0x30d919,0x30db09,
    0x30dc19,0x30de09,0x30f419,0x30f509,0x30f719,0x30fb00,0x30fc09,0x30fe19,
    0x30ff09,0x310000,0x310509,0x313000,0x313109,0x318f00,0x319202,0x319600,
    0x31a009,0x31c000,0x31f009,0x320000,0x322002,0x322a00,0x324802,0x325000,
    0x325102,0x326000,0x328002,0x328a00,0x32b102,0x32c000,0x340009,0x4dc000,
    0x4e0009,0xa48d00,0xa4d009,0xa4fe00,0xa50009,0xa60d00,0xa61009,0xa6200a,
    0xa62a09,0xa62c00,0xa64009,0xa66f18,0xa67008,0xa67300,0xa67418,0xa67e00,
    0xa67f09,0xa69e18,0xa6a009,0xa6e60a,0xa6f018,0xa6f200,0xa71709,0xa72000,
    0xa72209,0xa78900,0xa78b09,0xa7ce00,0xa7d009,0xa7d200,0xa7d309,0xa7d400,
    0xa7d509,0xa7dd00,0xa7f209,0xa80208,0xa80309,0xa80618,0xa80709,0xa80b08,
    0xa80c09,0xa82308,0xa82800,0xa82c08,0xa82d00,0xa83002,0xa83600,0xa84009,
    0xa87400,0xa88008,0xa88209,0xa8b408,0xa8c418,0xa8c508,0xa8c600,0xa8d00a,
    0xa8da00,0xa8e018,0xa8f209,0xa8f800,0xa8fb09,0xa8fc00,0xa8fd09,0xa8ff08,
    0xa9000a,0xa90a09,0xa92608,0xa92b18,0xa92e00,0xa93009,0xa94708,0xa95318,
    0xa95400,0xa96009,0xa97d00,0xa98008,0xa98409,0xa9b318,0xa9b408,0xa9c018,
    0xa9c100,0xa9cf09,0xa9d00a,0xa9da00,0xa9e009,0xa9e508,0xa9e609,0xa9f00a,
    0xa9fa09,0xa9ff00,0xaa0009,0xaa2908,0xaa3700,0xaa4009,0xaa4308,0xaa4409,
    0xaa4c08,0xaa4e00,0xaa500a,0xaa5a00,0xaa6009,0xaa7700,0xaa7a09,0xaa7b08,
    0xaa7e09,0xaab018,0xaab109,0xaab218,0xaab509,0xaab718,0xaab909,0xaabe18,
    0xaac009,0xaac118,0xaac209,0xaac300,0xaadb09,0xaade00,0xaae009,0xaaeb08,
    0xaaf000,0xaaf209,0xaaf508,0xaaf618,0xaaf700,0xab0109,0xab0700,0xab0909,
    0xab0f00,0xab1109,0xab1700,0xab2009,0xab2700,0xab2809,0xab2f00,0xab3009,
    0xab5b00,0xab5c09,0xab6a00,0xab7009,0xabe308,0xabeb00,0xabec08,0xabed18,
    0xabee00,0xabf00a,0xabfa00,0xac0009,0xd7a400,0xd7b009,0xd7c700,0xd7cb09,
    0xd7fc00,0xf90019,0xfa0e09,0xfa1019,0xfa1109,0xfa1219,0xfa1309,0xfa1519,
    0xfa1f09,0xfa2019,0xfa2109,0xfa2219,0xfa2309,0xfa2519,0xfa2709,0xfa2a19,
    0xfa6e00,0xfa7019,0xfada00,0xfb0009,0xfb0700,0xfb1309,0xfb1800,0xfb1d19,
    0xfb1e18,0xfb1f19,0xfb2009,0xfb2900,0xfb2a19,0xfb3700,0xfb3819,0xfb3d00,
    0xfb3e19,0xfb3f00,0xfb4019,0xfb4200,0xfb4319,0xfb4500,0xfb4619,0xfb4f09,
    0xfbb200,0xfbd309,0xfd3e00,0xfd5009,0xfd9000,0xfd9209,0xfdc800,0xfdf009,
    0xfdfc00,0xfe0008,0xfe1000,0xfe2018,0xfe3000,0xfe3308,0xfe3500,0xfe4d08,
    0xfe5000,0xfe7009,0xfe7500,0xfe7609,0xfefd00,0xff100a,0xff1a00,0xff2109,
    0xff3b00,0xff3f08,0xff4000,0xff4109,0xff5b00,0xff6609,0xffbf00,0xffc209,
    0xffc800,0xffca09,0xffd000,0xffd209,0xffd800,0xffda09,0xffdd00,0x1000009,
    0x1000c00,0x1000d09,0x1002700,0x1002809,0x1003b00,0x1003c09,0x1003e00,0x1003f09,
    0x1004e00,0x1005009,0x1005e00,0x1008009,0x100fb00,0x1010702,0x1013400,0x101400a,
    0x1017502,0x1017900,0x1018a02,0x1018c00,0x101fd18,0x101fe00,0x1028009,0x1029d00,
    0x102a009,0x102d100,0x102e018,0x102e102,0x102fc00,0x1030009,0x1032002,0x1032400,
    0x1032d09,0x103410a,0x1034209,0x1034a0a,0x1034b00,0x1035009,0x1037618,0x1037b00,
    0x1038009,0x1039e00,0x103a009,0x103c400,0x103c809,0x103d000,0x103d10a,0x103d600,
    0x1040009,0x1049e00,0x104a00a,0x104aa00,0x104b009,0x104d400,0x104d809,0x104fc00,
    0x1050009,0x1052800,0x1053009,0x1056400,0x1057009,0x1057b00,0x1057c09,0x1058b00,
    0x1058c09,0x1059300,0x1059409,0x1059600,0x1059709,0x105a200,0x105a309,0x105b200,
    0x105b309,0x105ba00,0x105bb09,0x105bd00,0x105c009,0x105f400,0x1060009,0x1073700,
    0x1074009,0x1075600,0x1076009,0x1076800,0x1078009,0x1078600,0x1078709,0x107b100,
    0x107b209,0x107bb00,0x1080009,0x1080600,0x1080809,0x1080900,0x1080a09,0x1083600,
    0x1083709,0x1083900,0x1083c09,0x1083d00,0x1083f09,0x1085600,0x1085802,0x1086009,
    0x1087700,0x1087902,0x1088009,0x1089f00,0x108a702,0x108b000,0x108e009,0x108f300,
    0x108f409,0x108f600,0x108fb02,0x1090009,0x1091602,0x1091c00,0x1092009,0x1093a00,
    0x1098009,0x109b800,0x109bc02,0x109be09,0x109c002,0x109d000,0x109d202,0x10a0009,
    0x10a0108,0x10a0400,0x10a0508,0x10a0700,0x10a0c08,0x10a0d18,0x10a0e08,0x10a0f18,
    0x10a1009,0x10a1400,0x10a1509,0x10a1800,0x10a1909,0x10a3600,0x10a3818,0x10a3b00,
    0x10a3f18,0x10a4002,0x10a4900,0x10a6009,0x10a7d02,0x10a7f00,0x10a8009,0x10a9d02,
    0x10aa000,0x10ac009,0x10ac800,0x10ac909,0x10ae518,0x10ae700,0x10aeb02,0x10af000,
    0x10b0009,0x10b3600,0x10b4009,0x10b5600,0x10b5802,0x10b6009,0x10b7300,0x10b7802,
    0x10b8009,0x10b9200,0x10ba902,0x10bb000,0x10c0009,0x10c4900,0x10c8009,0x10cb300,
    0x10cc009,0x10cf300,0x10cfa02,0x10d0009,0x10d2408,0x10d2800,0x10d300a,0x10d3a00,
    0x10d400a,0x10d4a09,0x10d6600,0x10d6908,0x10d6e00,0x10d6f09,0x10d8600,0x10e6002,
    0x10e7f00,0x10e8009,0x10eaa00,0x10eab08,0x10ead00,0x10eb009,0x10eb200,0x10ec209,
    0x10ec500,0x10efc08,0x10f0009,0x10f1d02,0x10f2709,0x10f2800,0x10f3009,0x10f4608,
    0x10f5102,0x10f5500,0x10f7009,0x10f8208,0x10f8600,0x10fb009,0x10fc502,0x10fcc00,
    0x10fe009,0x10ff700,0x1100008,0x1100309,0x1103808,0x1104618,0x1104700,0x1105202,
    0x110660a,0x1107008,0x1107109,0x1107308,0x1107509,0x1107600,0x1107f18,0x1108008,
    0x1108309,0x1109a19,0x1109b09,0x1109c19,0x1109d09,0x110ab19,0x110ac09,0x110b008,
    0x110b918,0x110bb00,0x110c208,0x110c300,0x110d009,0x110e900,0x110f00a,0x110fa00,
    0x1110018,0x1110309,0x1112718,0x1112808,0x1112e18,0x1113008,0x1113318,0x1113500,
    0x111360a,0x1114000,0x1114409,0x1114508,0x1114709,0x1114800,0x1115009,0x1117318,
    0x1117400,0x1117609,0x1117700,0x1118008,0x1118309,0x111b308,0x111c018,0x111c109,
    0x111c500,0x111c908,0x111ca18,0x111cb08,0x111cd00,0x111ce08,0x111d00a,0x111da09,
    0x111db00,0x111dc09,0x111dd00,0x111e102,0x111f500,0x1120009,0x1121200,0x1121309,
    0x1122c08,0x1123518,0x1123708,0x1123800,0x1123e08,0x1123f09,0x1124108,0x1124200,
    0x1128009,0x1128700,0x1128809,0x1128900,0x1128a09,0x1128e00,0x1128f09,0x1129e00,
    0x1129f09,0x112a900,0x112b009,0x112df08,0x112e918,0x112eb00,0x112f00a,0x112fa00,
    0x1130008,0x1130400,0x1130509,0x1130d00,0x1130f09,0x1131100,0x1131309,0x1132900,
    0x1132a09,0x1133100,0x1133209,0x1133400,0x1133509,0x1133a00,0x1133b08,0x1133c18,
    0x1133d09,0x1133e18,0x1133f08,0x1134500,0x1134708,0x1134900,0x1134b18,0x1134e00,
    0x1135009,0x1135100,0x1135718,0x1135800,0x1135d09,0x1136208,0x1136400,0x1136618,
    0x1136d00,0x1137018,0x1137500,0x1138009,0x1138a00,0x1138b09,0x1138c00,0x1138e09,
    0x1138f00,0x1139009,0x113b600,0x113b709,0x113b808,0x113c100,0x113c208,0x113c300,
    0x113c508,0x113c600,0x113c708,0x113cb00,0x113cc08,0x113d109,0x113d208,0x113d309,
    0x113d400,0x113e108,0x113e300,0x1140009,0x1143508,0x1144218,0x1144308,0x1144618,
    0x1144709,0x1144b00,0x114500a,0x1145a00,0x1145e08,0x1145f09,0x1146200,0x1148009,
    0x114b018,0x114b108,0x114ba18,0x114bf08,0x114c218,0x114c409,0x114c600,0x114c709,
    0x114c800,0x114d00a,0x114da00,0x1158009,0x115af18,0x115b008,0x115b600,0x115b808,
    0x115ba18,0x115bc08,0x115bf18,0x115c100,0x115d809,0x115dc08,0x115de00,0x1160009,
    0x1163008,0x1163f18,0x1164008,0x1164100,0x1164409,0x1164500,0x116500a,0x1165a00,
    0x1168009,0x116ab08,0x116b618,0x116b809,0x116b900,0x116c00a,0x116ca00,0x116d00a,
    0x116e400,0x1170009,0x1171b00,0x1171d08,0x1172b18,0x1172c00,0x117300a,0x1173a02,
    0x1173c00,0x1174009,0x1174700,0x1180009,0x1182c08,0x1183b00,0x118a009,0x118e00a,
    0x118ea02,0x118f300,0x118ff09,0x1190700,0x1190909,0x1190a00,0x1190c09,0x1191400,
    0x1191509,0x1191700,0x1191809,0x1193008,0x1193600,0x1193708,0x1193900,0x1193b08,
    0x1193f09,0x1194008,0x1194109,0x1194208,0x1194400,0x119500a,0x1195a00,0x119a009,
    0x119a800,0x119aa09,0x119d108,0x119d800,0x119da08,0x119e109,0x119e200,0x119e309,
    0x119e408,0x119e500,0x11a0009,0x11a0108,0x11a0b09,0x11a3308,0x11a3a09,0x11a3b08,
    0x11a3f00,0x11a4708,0x11a4800,0x11a5009,0x11a5108,0x11a5c09,0x11a8a08,0x11a9a00,
    0x11a9d09,0x11a9e00,0x11ab009,0x11af900,0x11bc009,0x11be100,0x11bf00a,0x11bfa00,
    0x11c0009,0x11c0900,0x11c0a09,0x11c2f08,0x11c3700,0x11c3808,0x11c3f18,0x11c4009,
    0x11c4100,0x11c500a,0x11c5a02,0x11c6d00,0x11c7209,0x11c9000,0x11c9208,0x11ca800,
    0x11ca908,0x11cb700,0x11d0009,0x11d0700,0x11d0809,0x11d0a00,0x11d0b09,0x11d3108,
    0x11d3700,0x11d3a08,0x11d3b00,0x11d3c08,0x11d3e00,0x11d3f08,0x11d4609,0x11d4708,
    0x11d4800,0x11d500a,0x11d5a00,0x11d6009,0x11d6600,0x11d6709,0x11d6900,0x11d6a09,
    0x11d8a08,0x11d8f00,0x11d9008,0x11d9200,0x11d9308,0x11d9809,0x11d9900,0x11da00a,
    0x11daa00,0x11ee009,0x11ef308,0x11ef700,0x11f0008,0x11f0209,0x11f0308,0x11f0409,
    0x11f1100,0x11f1209,0x11f3408,0x11f3b00,0x11f3e08,0x11f4300,0x11f500a,0x11f5a08,
    0x11f5b00,0x11fb009,0x11fb100,0x11fc002,0x11fd500,0x1200009,0x1239a00,0x124000a,
    0x1246f00,0x1248009,0x1254400,0x12f9009,0x12ff100,0x1300009,0x1343000,0x1344008,
    0x1344109,0x1344708,0x1345600,0x1346009,0x143fb00,0x1440009,0x1464700,0x1610009,
    0x1611e08,0x161300a,0x1613a00,0x1680009,0x16a3900,0x16a4009,0x16a5f00,0x16a600a,
    0x16a6a00,0x16a7009,0x16abf00,0x16ac00a,0x16aca00,0x16ad009,0x16aee00,0x16af018,
    0x16af500,0x16b0009,0x16b3018,0x16b3700,0x16b4009,0x16b4400,0x16b500a,0x16b5a00,
    0x16b5b02,0x16b6200,0x16b6309,0x16b7800,0x16b7d09,0x16b9000,0x16d4009,0x16d6d00,
    0x16d700a,0x16d7a00,0x16e4009,0x16e8002,0x16e9700,0x16f0009,0x16f4b00,0x16f4f08,
    0x16f5009,0x16f5108,0x16f8800,0x16f8f08,0x16f9309,0x16fa000,0x16fe009,0x16fe200,
    0x16fe309,0x16fe408,0x16fe500,0x16ff008,0x16ff200,0x1700009,0x187f800,0x1880009,
    0x18cd600,0x18cff09,0x18d0900,0x1aff009,0x1aff400,0x1aff509,0x1affc00,0x1affd09,
    0x1afff00,0x1b00009,0x1b12300,0x1b13209,0x1b13300,0x1b15009,0x1b15300,0x1b15509,
    0x1b15600,0x1b16409,0x1b16800,0x1b17009,0x1b2fc00,0x1bc0009,0x1bc6b00,0x1bc7009,
    0x1bc7d00,0x1bc8009,0x1bc8900,0x1bc9009,0x1bc9a00,0x1bc9d08,0x1bc9e18,0x1bc9f00,
    0x1ccf00a,0x1ccfa00,0x1cf0008,0x1cf2e00,0x1cf3008,0x1cf4700,0x1d15e10,0x1d16518,
    0x1d16a00,0x1d16d18,0x1d17300,0x1d17b18,0x1d18300,0x1d18518,0x1d18c00,0x1d1aa18,
    0x1d1ae00,0x1d1bb10,0x1d1c100,0x1d24218,0x1d24500,0x1d2c002,0x1d2d400,0x1d2e002,
    0x1d2f400,0x1d36002,0x1d37900,0x1d40009,0x1d45500,0x1d45609,0x1d49d00,0x1d49e09,
    0x1d4a000,0x1d4a209,0x1d4a300,0x1d4a509,0x1d4a700,0x1d4a909,0x1d4ad00,0x1d4ae09,
    0x1d4ba00,0x1d4bb09,0x1d4bc00,0x1d4bd09,0x1d4c400,0x1d4c509,0x1d50600,0x1d50709,
    0x1d50b00,0x1d50d09,0x1d51500,0x1d51609,0x1d51d00,0x1d51e09,0x1d53a00,0x1d53b09,
    0x1d53f00,0x1d54009,0x1d54500,0x1d54609,0x1d54700,0x1d54a09,0x1d55100,0x1d55209,
    0x1d6a600,0x1d6a809,0x1d6c100,0x1d6c209,0x1d6db00,0x1d6dc09,0x1d6fb00,0x1d6fc09,
    0x1d71500,0x1d71609,0x1d73500,0x1d73609,0x1d74f00,0x1d75009,0x1d76f00,0x1d77009,
    0x1d78900,0x1d78a09,0x1d7a900,0x1d7aa09,0x1d7c300,0x1d7c409,0x1d7cc00,0x1d7ce0a,
    0x1d80000,0x1da0008,0x1da3700,0x1da3b08,0x1da6d00,0x1da7508,0x1da7600,0x1da8408,
    0x1da8500,0x1da9b08,0x1daa000,0x1daa108,0x1dab000,0x1df0009,0x1df1f00,0x1df2509,
    0x1df2b00,0x1e00018,0x1e00700,0x1e00818,0x1e01900,0x1e01b18,0x1e02200,0x1e02318,
    0x1e02500,0x1e02618,0x1e02b00,0x1e03009,0x1e06e00,0x1e08f08,0x1e09000,0x1e10009,
    0x1e12d00,0x1e13008,0x1e13709,0x1e13e00,0x1e1400a,0x1e14a00,0x1e14e09,0x1e14f00,
    0x1e29009,0x1e2ae08,0x1e2af00,0x1e2c009,0x1e2ec08,0x1e2f00a,0x1e2fa00,0x1e4d009,
    0x1e4ec08,0x1e4f00a,0x1e4fa00,0x1e5d009,0x1e5ee08,0x1e5f009,0x1e5f10a,0x1e5fb00,
    0x1e7e009,0x1e7e700,0x1e7e809,0x1e7ec00,0x1e7ed09,0x1e7ef00,0x1e7f009,0x1e7ff00,
    0x1e80009,0x1e8c500,0x1e8c702,0x1e8d018,0x1e8d700,0x1e90009,0x1e94418,0x1e94b09,
    0x1e94c00,0x1e9500a,0x1e95a00,0x1ec7102,0x1ecac00,0x1ecad02,0x1ecb000,0x1ecb102,
    0x1ecb500,0x1ed0102,0x1ed2e00,0x1ed2f02,0x1ed3e00,0x1ee0009,0x1ee0400,0x1ee0509,
    0x1ee2000,0x1ee2109,0x1ee2300,0x1ee2409,0x1ee2500,0x1ee2709,0x1ee2800,0x1ee2909,
    0x1ee3300,0x1ee3409,0x1ee3800,0x1ee3909,0x1ee3a00,0x1ee3b09,0x1ee3c00,0x1ee4209,
    0x1ee4300,0x1ee4709,0x1ee4800,0x1ee4909,0x1ee4a00,0x1ee4b09,0x1ee4c00,0x1ee4d09,
    0x1ee5000,0x1ee5109,0x1ee5300,0x1ee5409,0x1ee5500,0x1ee5709,0x1ee5800,0x1ee5909,
    0x1ee5a00,0x1ee5b09,0x1ee5c00,0x1ee5d09,0x1ee5e00,0x1ee5f09,0x1ee6000,0x1ee6109,
    0x1ee6300,0x1ee6409,0x1ee6500,0x1ee6709,0x1ee6b00,0x1ee6c09,0x1ee7300,0x1ee7409,
    0x1ee7800,0x1ee7909,0x1ee7d00,0x1ee7e09,0x1ee7f00,0x1ee8009,0x1ee8a00,0x1ee8b09,
    0x1ee9c00,0x1eea109,0x1eea400,0x1eea509,0x1eeaa00,0x1eeab09,0x1eebc00,0x1f10002,
    0x1f10d00,0x1f13008,0x1f14a00,0x1f15008,0x1f16a00,0x1f17008,0x1f18a00,0x1fbf00a,
    0x1fbfa00,0x2000009,0x2a6e000,0x2a70009,0x2b73a00,0x2b74009,0x2b81e00,0x2b82009,
    0x2cea200,0x2ceb009,0x2ebe100,0x2ebf009,0x2ee5e00,0x2f80019,0x2fa1e00,0x3000009,
    0x3134b00,0x3135009,0x323b000,0xe010008,0xe01f000,
};
/* The same flags for U+0000..U+007F, directly. */
static const unsigned char ld__uflags_ascii[128] = {
    0,0,0,0,0,0,0,0,0,4,4,4,4,4,0,0,
    0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    4,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    10,10,10,10,10,10,10,10,10,10,0,0,0,0,0,0,
    0,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,
    9,9,9,9,9,9,9,9,9,9,9,0,0,0,0,8,
    0,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,
    9,9,9,9,9,9,9,9,9,9,9,0,0,0,0,0,
};

/* Canonical combining classes, as ranges: (start << 8) | ccc. */
static const uint32_t ld__uccc_table[496] = {
    0x0,0x300e6,0x315e8,0x316dc,0x31ae8,0x31bd8,0x31cdc,0x321ca,
    0x323dc,0x327ca,0x329dc,0x33401,0x339dc,0x33de6,0x345f0,0x346e6,
    0x347dc,0x34ae6,0x34ddc,0x34f00,0x350e6,0x353dc,0x357e6,0x358e8,
    0x359dc,0x35be6,0x35ce9,0x35dea,0x35fe9,0x360ea,0x362e9,0x363e6,
    0x37000,0x483e6,0x48800,0x591dc,0x592e6,0x596dc,0x597e6,0x59ade,
    0x59bdc,0x59ce6,0x5a2dc,0x5a8e6,0x5aadc,0x5abe6,0x5adde,0x5aee4,
    0x5afe6,0x5b00a,0x5b10b,0x5b20c,0x5b30d,0x5b40e,0x5b50f,0x5b610,
    0x5b711,0x5b812,0x5b913,0x5bb14,0x5bc15,0x5bd16,0x5be00,0x5bf17,
    0x5c000,0x5c118,0x5c219,0x5c300,0x5c4e6,0x5c5dc,0x5c600,0x5c712,
    0x5c800,0x610e6,0x6181e,0x6191f,0x61a20,0x61b00,0x64b1b,0x64c1c,
    0x64d1d,0x64e1e,0x64f1f,0x65020,0x65121,0x65222,0x653e6,0x655dc,
    0x657e6,0x65cdc,0x65de6,0x65fdc,0x66000,0x67023,0x67100,0x6d6e6,
    0x6dd00,0x6dfe6,0x6e3dc,0x6e4e6,0x6e500,0x6e7e6,0x6e900,0x6eadc,
    0x6ebe6,0x6eddc,0x6ee00,0x71124,0x71200,0x730e6,0x731dc,0x732e6,
    0x734dc,0x735e6,0x737dc,0x73ae6,0x73bdc,0x73de6,0x73edc,0x73fe6,
    0x742dc,0x743e6,0x744dc,0x745e6,0x746dc,0x747e6,0x748dc,0x749e6,
    0x74b00,0x7ebe6,0x7f2dc,0x7f3e6,0x7f400,0x816e6,0x81a00,0x81be6,
    0x82400,0x825e6,0x82800,0x829e6,0x82e00,0x859dc,0x85c00,0x8d4e6,
    0x8e200,0x8e3dc,0x8e4e6,0x8e6dc,0x8e7e6,0x8e9dc,0x8eae6,0x8eddc,
    0x8f01b,0x8f11c,0x8f21d,0x8f3e6,0x8f6dc,0x8f7e6,0x8f9dc,0x8fbe6,
    0x90000,0x93c07,0x93d00,0x94d09,0x94e00,0x951e6,0x952dc,0x953e6,
    0x95500,0x9bc07,0x9bd00,0x9cd09,0x9ce00,0xa3c07,0xa3d00,0xa4d09,
    0xa4e00,0xabc07,0xabd00,0xacd09,0xace00,0xb3c07,0xb3d00,0xb4d09,
    0xb4e00,0xbcd09,0xbce00,0xc4d09,0xc4e00,0xc5554,0xc565b,0xc5700,
    0xcbc07,0xcbd00,0xccd09,0xcce00,0xd4d09,0xd4e00,0xdca09,0xdcb00,
    0xe3867,0xe3a09,0xe3b00,0xe486b,0xe4c00,0xeb876,0xeba00,0xec87a,
    0xecc00,0xf18dc,0xf1a00,0xf35dc,0xf3600,0xf37dc,0xf3800,0xf39d8,
    0xf3a00,0xf7181,0xf7282,0xf7300,0xf7484,0xf7500,0xf7a82,0xf7e00,
    0xf8082,0xf8100,0xf82e6,0xf8409,0xf8500,0xf86e6,0xf8800,0xfc6dc,
    0xfc700,0x103707,0x103800,0x103909,0x103b00,0x108ddc,0x108e00,0x135de6,
    0x136000,0x171409,0x171500,0x173409,0x173500,0x17d209,0x17d300,0x17dde6,
    0x17de00,0x18a9e4,0x18aa00,0x1939de,0x193ae6,0x193bdc,0x193c00,0x1a17e6,
    0x1a18dc,0x1a1900,0x1a6009,0x1a6100,0x1a75e6,0x1a7d00,0x1a7fdc,0x1a8000,
    0x1ab0e6,0x1ab5dc,0x1abbe6,0x1abddc,0x1abe00,0x1b3407,0x1b3500,0x1b4409,
    0x1b4500,0x1b6be6,0x1b6cdc,0x1b6de6,0x1b7400,0x1baa09,0x1bac00,0x1be607,
    0x1be700,0x1bf209,0x1bf400,0x1c3707,0x1c3800,0x1cd0e6,0x1cd300,0x1cd401,
    0x1cd5dc,0x1cdae6,0x1cdcdc,0x1ce0e6,0x1ce100,0x1ce201,0x1ce900,0x1ceddc,
    0x1cee00,0x1cf4e6,0x1cf500,0x1cf8e6,0x1cfa00,0x1dc0e6,0x1dc2dc,0x1dc3e6,
    0x1dcadc,0x1dcbe6,0x1dcdea,0x1dced6,0x1dcfdc,0x1dd0ca,0x1dd1e6,0x1df600,
    0x1dfbe6,0x1dfce9,0x1dfddc,0x1dfee6,0x1dffdc,0x1e0000,0x20d0e6,0x20d201,
    0x20d4e6,0x20d801,0x20dbe6,0x20dd00,0x20e1e6,0x20e200,0x20e501,0x20e7e6,
    0x20e8dc,0x20e9e6,0x20ea01,0x20ecdc,0x20f0e6,0x20f100,0x2cefe6,0x2cf200,
    0x2d7f09,0x2d8000,0x2de0e6,0x2e0000,0x302ada,0x302be4,0x302ce8,0x302dde,
    0x302ee0,0x303000,0x309908,0x309b00,0xa66fe6,0xa67000,0xa674e6,0xa67e00,
    0xa69ee6,0xa6a000,0xa6f0e6,0xa6f200,0xa80609,0xa80700,0xa8c409,0xa8c500,
    0xa8e0e6,0xa8f200,0xa92bdc,0xa92e00,0xa95309,0xa95400,0xa9b307,0xa9b400,
    0xa9c009,0xa9c100,0xaab0e6,0xaab100,0xaab2e6,0xaab4dc,0xaab500,0xaab7e6,
    0xaab900,0xaabee6,0xaac000,0xaac1e6,0xaac200,0xaaf609,0xaaf700,0xabed09,
    0xabee00,0xfb1e1a,0xfb1f00,0xfe20e6,0xfe27dc,0xfe2ee6,0xfe3000,0x101fddc,
    0x101fe00,0x102e0dc,0x102e100,0x10376e6,0x1037b00,0x10a0ddc,0x10a0e00,0x10a0fe6,
    0x10a1000,0x10a38e6,0x10a3901,0x10a3adc,0x10a3b00,0x10a3f09,0x10a4000,0x10ae5e6,
    0x10ae6dc,0x10ae700,0x1104609,0x1104700,0x1107f09,0x1108000,0x110b909,0x110ba07,
    0x110bb00,0x11100e6,0x1110300,0x1113309,0x1113500,0x1117307,0x1117400,0x111c009,
    0x111c100,0x111ca07,0x111cb00,0x1123509,0x1123607,0x1123700,0x112e907,0x112ea09,
    0x112eb00,0x1133c07,0x1133d00,0x1134d09,0x1134e00,0x11366e6,0x1136d00,0x11370e6,
    0x1137500,0x1144209,0x1144300,0x1144607,0x1144700,0x114c209,0x114c307,0x114c400,
    0x115bf09,0x115c007,0x115c100,0x1163f09,0x1164000,0x116b609,0x116b707,0x116b800,
    0x1172b09,0x1172c00,0x11c3f09,0x11c4000,0x16af001,0x16af500,0x16b30e6,0x16b3700,
    0x1bc9e01,0x1bc9f00,0x1d165d8,0x1d16701,0x1d16a00,0x1d16de2,0x1d16ed8,0x1d17300,
    0x1d17bdc,0x1d18300,0x1d185e6,0x1d18adc,0x1d18c00,0x1d1aae6,0x1d1ae00,0x1d242e6,
    0x1d24500,0x1e000e6,0x1e00700,0x1e008e6,0x1e01900,0x1e01be6,0x1e02200,0x1e023e6,
    0x1e02500,0x1e026e6,0x1e02b00,0x1e8d0dc,0x1e8d700,0x1e944e6,0x1e94a07,0x1e94b00,
};

/* Full canonical decompositions (Hangul syllables aside: they are computed).
   ld__udecomp_key[k] = (code point << 3) | length, sorted; the decomposition
   is ld__udecomp_cp[ld__udecomp_off[k] ...], length code points. */
static const uint32_t ld__udecomp_key[2060] = {
    0x602,0x60a,0x612,0x61a,0x622,0x62a,0x63a,0x642,
    0x64a,0x652,0x65a,0x662,0x66a,0x672,0x67a,0x68a,
    0x692,0x69a,0x6a2,0x6aa,0x6b2,0x6ca,0x6d2,0x6da,
    0x6e2,0x6ea,0x702,0x70a,0x712,0x71a,0x722,0x72a,
    0x73a,0x742,0x74a,0x752,0x75a,0x762,0x76a,0x772,
    0x77a,0x78a,0x792,0x79a,0x7a2,0x7aa,0x7b2,0x7ca,
    0x7d2,0x7da,0x7e2,0x7ea,0x7fa,0x802,0x80a,0x812,
    0x81a,0x822,0x82a,0x832,0x83a,0x842,0x84a,0x852,
    0x85a,0x862,0x86a,0x872,0x87a,0x892,0x89a,0x8a2,
    0x8aa,0x8b2,0x8ba,0x8c2,0x8ca,0x8d2,0x8da,0x8e2,
    0x8ea,0x8f2,0x8fa,0x902,0x90a,0x912,0x91a,0x922,
    0x92a,0x942,0x94a,0x952,0x95a,0x962,0x96a,0x972,
    0x97a,0x982,0x9a2,0x9aa,0x9b2,0x9ba,0x9ca,0x9d2,
    0x9da,0x9e2,0x9ea,0x9f2,0xa1a,0xa22,0xa2a,0xa32,
    0xa3a,0xa42,0xa62,0xa6a,0xa72,0xa7a,0xa82,0xa8a,
    0xaa2,0xaaa,0xab2,0xaba,0xac2,0xaca,0xad2,0xada,
    0xae2,0xaea,0xaf2,0xafa,0xb02,0xb0a,0xb12,0xb1a,
    0xb22,0xb2a,0xb42,0xb4a,0xb52,0xb5a,0xb62,0xb6a,
    0xb72,0xb7a,0xb82,0xb8a,0xb92,0xb9a,0xba2,0xbaa,
    0xbb2,0xbba,0xbc2,0xbca,0xbd2,0xbda,0xbe2,0xbea,
    0xbf2,0xd02,0xd0a,0xd7a,0xd82,0xe6a,0xe72,0xe7a,
    0xe82,0xe8a,0xe92,0xe9a,0xea2,0xeab,0xeb3,0xebb,
    0xec3,0xecb,0xed3,0xedb,0xee3,0xef3,0xefb,0xf03,
    0xf0b,0xf12,0xf1a,0xf32,0xf3a,0xf42,0xf4a,0xf52,
    0xf5a,0xf63,0xf6b,0xf72,0xf7a,0xf82,0xfa2,0xfaa,
    0xfc2,0xfca,0xfd3,0xfdb,0xfe2,0xfea,0xff2,0xffa,
    0x1002,0x100a,0x1012,0x101a,0x1022,0x102a,0x1032,0x103a,
    0x1042,0x104a,0x1052,0x105a,0x1062,0x106a,0x1072,0x107a,
    0x1082,0x108a,0x1092,0x109a,0x10a2,0x10aa,0x10b2,0x10ba,
    0x10c2,0x10ca,0x10d2,0x10da,0x10f2,0x10fa,0x1132,0x113a,
    0x1142,0x114a,0x1153,0x115b,0x1163,0x116b,0x1172,0x117a,
    0x1183,0x118b,0x1192,0x119a,0x1a01,0x1a09,0x1a19,0x1a22,
    0x1ba1,0x1bf1,0x1c2a,0x1c32,0x1c39,0x1c42,0x1c4a,0x1c52,
    0x1c62,0x1c72,0x1c7a,0x1c83,0x1d52,0x1d5a,0x1d62,0x1d6a,
    0x1d72,0x1d7a,0x1d83,0x1e52,0x1e5a,0x1e62,0x1e6a,0x1e72,
    0x1e9a,0x1ea2,0x2002,0x200a,0x201a,0x203a,0x2062,0x206a,
    0x2072,0x20ca,0x21ca,0x2282,0x228a,0x229a,0x22ba,0x22e2,
    0x22ea,0x22f2,0x23b2,0x23ba,0x260a,0x2612,0x2682,0x268a,
    0x2692,0x269a,0x26b2,0x26ba,0x26d2,0x26da,0x26e2,0x26ea,
    0x26f2,0x26fa,0x2712,0x271a,0x2722,0x272a,0x2732,0x273a,
    0x2752,0x275a,0x2762,0x276a,0x2772,0x277a,0x2782,0x278a,
    0x2792,0x279a,0x27a2,0x27aa,0x27c2,0x27ca,0x3112,0x311a,
    0x3122,0x312a,0x3132,0x3602,0x3612,0x369a,0x494a,0x498a,
    0x49a2,0x4ac2,0x4aca,0x4ad2,0x4ada,0x4ae2,0x4aea,0x4af2,
    0x4afa,0x4e5a,0x4e62,0x4ee2,0x4eea,0x4efa,0x519a,0x51b2,
    0x52ca,0x52d2,0x52da,0x52f2,0x5a42,0x5a5a,0x5a62,0x5ae2,
    0x5aea,0x5ca2,0x5e52,0x5e5a,0x5e62,0x6242,0x6602,0x663a,
    0x6642,0x6652,0x665b,0x6a52,0x6a5a,0x6a62,0x6ed2,0x6ee2,
    0x6eeb,0x6ef2,0x7a1a,0x7a6a,0x7a92,0x7aba,0x7ae2,0x7b4a,
    0x7b9a,0x7baa,0x7bb2,0x7bc2,0x7c0a,0x7c9a,0x7cea,0x7d12,
    0x7d3a,0x7d62,0x7dca,0x8132,0xd832,0xd842,0xd852,0xd862,
    0xd872,0xd892,0xd9da,0xd9ea,0xda02,0xda0a,0xda1a,0xf002,
    0xf00a,0xf012,0xf01a,0xf022,0xf02a,0xf032,0xf03a,0xf043,
    0xf04b,0xf052,0xf05a,0xf062,0xf06a,0xf072,0xf07a,0xf082,
    0xf08a,0xf092,0xf09a,0xf0a3,0xf0ab,0xf0b3,0xf0bb,0xf0c2,
    0xf0ca,0xf0d2,0xf0da,0xf0e3,0xf0eb,0xf0f2,0xf0fa,0xf102,
    0xf10a,0xf112,0xf11a,0xf122,0xf12a,0xf132,0xf13a,0xf142,
    0xf14a,0xf152,0xf15a,0xf162,0xf16a,0xf173,0xf17b,0xf182,
    0xf18a,0xf192,0xf19a,0xf1a2,0xf1aa,0xf1b2,0xf1ba,0xf1c3,
    0xf1cb,0xf1d2,0xf1da,0xf1e2,0xf1ea,0xf1f2,0xf1fa,0xf202,
    0xf20a,0xf212,0xf21a,0xf222,0xf22a,0xf232,0xf23a,0xf242,
    0xf24a,0xf252,0xf25a,0xf263,0xf26b,0xf273,0xf27b,0xf283,
    0xf28b,0xf293,0xf29b,0xf2a2,0xf2aa,0xf2b2,0xf2ba,0xf2c2,
    0xf2ca,0xf2d2,0xf2da,0xf2e3,0xf2eb,0xf2f2,0xf2fa,0xf302,
    0xf30a,0xf312,0xf31a,0xf323,0xf32b,0xf333,0xf33b,0xf343,
    0xf34b,0xf352,0xf35a,0xf362,0xf36a,0xf372,0xf37a,0xf382,
    0xf38a,0xf392,0xf39a,0xf3a2,0xf3aa,0xf3b2,0xf3ba,0xf3c3,
    0xf3cb,0xf3d3,0xf3db,0xf3e2,0xf3ea,0xf3f2,0xf3fa,0xf402,
    0xf40a,0xf412,0xf41a,0xf422,0xf42a,0xf432,0xf43a,0xf442,
    0xf44a,0xf452,0xf45a,0xf462,0xf46a,0xf472,0xf47a,0xf482,
    0xf48a,0xf492,0xf49a,0xf4a2,0xf4aa,0xf4b2,0xf4ba,0xf4c2,
    0xf4ca,0xf4da,0xf502,0xf50a,0xf512,0xf51a,0xf523,0xf52b,
    0xf533,0xf53b,0xf543,0xf54b,0xf553,0xf55b,0xf563,0xf56b,
    0xf573,0xf57b,0xf583,0xf58b,0xf593,0xf59b,0xf5a3,0xf5ab,
    0xf5b3,0xf5bb,0xf5c2,0xf5ca,0xf5d2,0xf5da,0xf5e2,0xf5ea,
    0xf5f3,0xf5fb,0xf603,0xf60b,0xf613,0xf61b,0xf623,0xf62b,
    0xf633,0xf63b,0xf642,0xf64a,0xf652,0xf65a,0xf662,0xf66a,
    0xf672,0xf67a,0xf683,0xf68b,0xf693,0xf69b,0xf6a3,0xf6ab,
    0xf6b3,0xf6bb,0xf6c3,0xf6cb,0xf6d3,0xf6db,0xf6e3,0xf6eb,
    0xf6f3,0xf6fb,0xf703,0xf70b,0xf713,0xf71b,0xf722,0xf72a,
    0xf732,0xf73a,0xf743,0xf74b,0xf753,0xf75b,0xf763,0xf76b,
    0xf773,0xf77b,0xf783,0xf78b,0xf792,0xf79a,0xf7a2,0xf7aa,
    0xf7b2,0xf7ba,0xf7c2,0xf7ca,0xf802,0xf80a,0xf813,0xf81b,
    0xf823,0xf82b,0xf833,0xf83b,0xf842,0xf84a,0xf853,0xf85b,
    0xf863,0xf86b,0xf873,0xf87b,0xf882,0xf88a,0xf893,0xf89b,
    0xf8a3,0xf8ab,0xf8c2,0xf8ca,0xf8d3,0xf8db,0xf8e3,0xf8eb,
    0xf902,0xf90a,0xf913,0xf91b,0xf923,0xf92b,0xf933,0xf93b,
    0xf942,0xf94a,0xf953,0xf95b,0xf963,0xf96b,0xf973,0xf97b,
    0xf982,0xf98a,0xf993,0xf99b,0xf9a3,0xf9ab,0xf9b3,0xf9bb,
    0xf9c2,0xf9ca,0xf9d3,0xf9db,0xf9e3,0xf9eb,0xf9f3,0xf9fb,
    0xfa02,0xfa0a,0xfa13,0xfa1b,0xfa23,0xfa2b,0xfa42,0xfa4a,
    0xfa53,0xfa5b,0xfa63,0xfa6b,0xfa82,0xfa8a,0xfa93,0xfa9b,
    0xfaa3,0xfaab,0xfab3,0xfabb,0xfaca,0xfadb,0xfaeb,0xfafb,
    0xfb02,0xfb0a,0xfb13,0xfb1b,0xfb23,0xfb2b,0xfb33,0xfb3b,
    0xfb42,0xfb4a,0xfb53,0xfb5b,0xfb63,0xfb6b,0xfb73,0xfb7b,
    0xfb82,0xfb8a,0xfb92,0xfb9a,0xfba2,0xfbaa,0xfbb2,0xfbba,
    0xfbc2,0xfbca,0xfbd2,0xfbda,0xfbe2,0xfbea,0xfc03,0xfc0b,
    0xfc14,0xfc1c,0xfc24,0xfc2c,0xfc34,0xfc3c,0xfc43,0xfc4b,
    0xfc54,0xfc5c,0xfc64,0xfc6c,0xfc74,0xfc7c,0xfc83,0xfc8b,
    0xfc94,0xfc9c,0xfca4,0xfcac,0xfcb4,0xfcbc,0xfcc3,0xfccb,
    0xfcd4,0xfcdc,0xfce4,0xfcec,0xfcf4,0xfcfc,0xfd03,0xfd0b,
    0xfd14,0xfd1c,0xfd24,0xfd2c,0xfd34,0xfd3c,0xfd43,0xfd4b,
    0xfd54,0xfd5c,0xfd64,0xfd6c,0xfd74,0xfd7c,0xfd82,0xfd8a,
    0xfd93,0xfd9a,0xfda3,0xfdb2,0xfdbb,0xfdc2,0xfdca,0xfdd2,
    0xfdda,0xfde2,0xfdf1,0xfe0a,0xfe13,0xfe1a,0xfe23,0xfe32,
    0xfe3b,0xfe42,0xfe4a,0xfe52,0xfe5a,0xfe62,0xfe6a,0xfe72,
    0xfe7a,0xfe82,0xfe8a,0xfe93,0xfe9b,0xfeb2,0xfebb,0xfec2,
    0xfeca,0xfed2,0xfeda,0xfeea,0xfef2,0xfefa,0xff02,0xff0a,
    0xff13,0xff1b,0xff22,0xff2a,0xff32,0xff3b,0xff42,0xff4a,
    0xff52,0xff5a,0xff62,0xff6a,0xff72,0xff79,0xff93,0xff9a,
    0xffa3,0xffb2,0xffbb,0xffc2,0xffca,0xffd2,0xffda,0xffe2,
    0xffe9,0x10001,0x10009,0x10931,0x10951,0x1095a,0x10cd2,0x10cda,
    0x10d72,0x10e6a,0x10e72,0x10e7a,0x11022,0x1104a,0x11062,0x11122,
    0x11132,0x1120a,0x11222,0x1123a,0x1124a,0x11302,0x11312,0x1136a,
    0x11372,0x1137a,0x11382,0x1138a,0x113a2,0x113aa,0x113c2,0x113ca,
    0x11402,0x1140a,0x11422,0x1142a,0x11442,0x1144a,0x11562,0x1156a,
    0x11572,0x1157a,0x11702,0x1170a,0x11712,0x1171a,0x11752,0x1175a,
    0x11762,0x1176a,0x11949,0x11951,0x156e2,0x18262,0x18272,0x18282,
    0x18292,0x182a2,0x182b2,0x182c2,0x182d2,0x182e2,0x182f2,0x18302,
    0x18312,0x1832a,0x1833a,0x1834a,0x18382,0x1838a,0x1839a,0x183a2,
    0x183b2,0x183ba,0x183ca,0x183d2,0x183e2,0x183ea,0x184a2,0x184f2,
    0x18562,0x18572,0x18582,0x18592,0x185a2,0x185b2,0x185c2,0x185d2,
    0x185e2,0x185f2,0x18602,0x18612,0x1862a,0x1863a,0x1864a,0x18682,
    0x1868a,0x1869a,0x186a2,0x186b2,0x186ba,0x186ca,0x186d2,0x186e2,
    0x186ea,0x187a2,0x187ba,0x187c2,0x187ca,0x187d2,0x187f2,0x7c801,
    0x7c809,0x7c811,0x7c819,0x7c821,0x7c829,0x7c831,0x7c839,0x7c841,
    0x7c849,0x7c851,0x7c859,0x7c861,0x7c869,0x7c871,0x7c879,0x7c881,
    0x7c889,0x7c891,0x7c899,0x7c8a1,0x7c8a9,0x7c8b1,0x7c8b9,0x7c8c1,
    0x7c8c9,0x7c8d1,0x7c8d9,0x7c8e1,0x7c8e9,0x7c8f1,0x7c8f9,0x7c901,
    0x7c909,0x7c911,0x7c919,0x7c921,0x7c929,0x7c931,0x7c939,0x7c941,
    0x7c949,0x7c951,0x7c959,0x7c961,0x7c969,0x7c971,0x7c979,0x7c981,
    0x7c989,0x7c991,0x7c999,0x7c9a1,0x7c9a9,0x7c9b1,0x7c9b9,0x7c9c1,
    0x7c9c9,0x7c9d1,0x7c9d9,0x7c9e1,0x7c9e9,0x7c9f1,0x7c9f9,0x7ca01,
    0x7ca09,0x7ca11,0x7ca19,0x7ca21,0x7ca29,0x7ca31,0x7ca39,0x7ca41,
    0x7ca49,0x7ca51,0x7ca59,0x7ca61,0x7ca69,0x7ca71,0x7ca79,0x7ca81,
    0x7ca89,0x7ca91,0x7ca99,0x7caa1,0x7caa9,0x7cab1,0x7cab9,0x7cac1,
    0x7cac9,0x7cad1,0x7cad9,0x7cae1,0x7cae9,0x7caf1,0x7caf9,0x7cb01,
    0x7cb09,0x7cb11,0x7cb19,0x7cb21,0x7cb29,0x7cb31,0x7cb39,0x7cb41,
    0x7cb49,0x7cb51,0x7cb59,0x7cb61,0x7cb69,0x7cb71,0x7cb79,0x7cb81,
    0x7cb89,0x7cb91,0x7cb99,0x7cba1,0x7cba9,0x7cbb1,0x7cbb9,0x7cbc1,
    0x7cbc9,0x7cbd1,0x7cbd9,0x7cbe1,0x7cbe9,0x7cbf1,0x7cbf9,0x7cc01,
    0x7cc09,0x7cc11,0x7cc19,0x7cc21,0x7cc29,0x7cc31,0x7cc39,0x7cc41,
    0x7cc49,0x7cc51,0x7cc59,0x7cc61,0x7cc69,0x7cc71,0x7cc79,0x7cc81,
    0x7cc89,0x7cc91,0x7cc99,0x7cca1,0x7cca9,0x7ccb1,0x7ccb9,0x7ccc1,
    0x7ccc9,0x7ccd1,0x7ccd9,0x7cce1,0x7cce9,0x7ccf1,0x7ccf9,0x7cd01,
    0x7cd09,0x7cd11,0x7cd19,0x7cd21,0x7cd29,0x7cd31,0x7cd39,0x7cd41,
    0x7cd49,0x7cd51,0x7cd59,0x7cd61,0x7cd69,0x7cd71,0x7cd79,0x7cd81,
    0x7cd89,0x7cd91,0x7cd99,0x7cda1,0x7cda9,0x7cdb1,0x7cdb9,0x7cdc1,
    0x7cdc9,0x7cdd1,0x7cdd9,0x7cde1,0x7cde9,0x7cdf1,0x7cdf9,0x7ce01,
    0x7ce09,0x7ce11,0x7ce19,0x7ce21,0x7ce29,0x7ce31,0x7ce39,0x7ce41,
    0x7ce49,0x7ce51,0x7ce59,0x7ce61,0x7ce69,0x7ce71,0x7ce79,0x7ce81,
    0x7ce89,0x7ce91,0x7ce99,0x7cea1,0x7cea9,0x7ceb1,0x7ceb9,0x7cec1,
    0x7cec9,0x7ced1,0x7ced9,0x7cee1,0x7cee9,0x7cef1,0x7cef9,0x7cf01,
    0x7cf09,0x7cf11,0x7cf19,0x7cf21,0x7cf29,0x7cf31,0x7cf39,0x7cf41,
    0x7cf49,0x7cf51,0x7cf59,0x7cf61,0x7cf69,0x7cf71,0x7cf79,0x7cf81,
    0x7cf89,0x7cf91,0x7cf99,0x7cfa1,0x7cfa9,0x7cfb1,0x7cfb9,0x7cfc1,
    0x7cfc9,0x7cfd1,0x7cfd9,0x7cfe1,0x7cfe9,0x7cff1,0x7cff9,0x7d001,
    0x7d009,0x7d011,0x7d019,0x7d021,0x7d029,0x7d031,0x7d039,0x7d041,
    0x7d049,0x7d051,0x7d059,0x7d061,0x7d069,0x7d081,0x7d091,0x7d0a9,
    0x7d0b1,0x7d0b9,0x7d0c1,0x7d0c9,0x7d0d1,0x7d0d9,0x7d0e1,0x7d0e9,
    0x7d0f1,0x7d101,0x7d111,0x7d129,0x7d131,0x7d151,0x7d159,0x7d161,
    0x7d169,0x7d171,0x7d179,0x7d181,0x7d189,0x7d191,0x7d199,0x7d1a1,
    0x7d1a9,0x7d1b1,0x7d1b9,0x7d1c1,0x7d1c9,0x7d1d1,0x7d1d9,0x7d1e1,
    0x7d1e9,0x7d1f1,0x7d1f9,0x7d201,0x7d209,0x7d211,0x7d219,0x7d221,
    0x7d229,0x7d231,0x7d239,0x7d241,0x7d249,0x7d251,0x7d259,0x7d261,
    0x7d269,0x7d271,0x7d279,0x7d281,0x7d289,0x7d291,0x7d299,0x7d2a1,
    0x7d2a9,0x7d2b1,0x7d2b9,0x7d2c1,0x7d2c9,0x7d2d1,0x7d2d9,0x7d2e1,
    0x7d2e9,0x7d2f1,0x7d2f9,0x7d301,0x7d309,0x7d311,0x7d319,0x7d321,
    0x7d329,0x7d331,0x7d339,0x7d341,0x7d349,0x7d351,0x7d359,0x7d361,
    0x7d369,0x7d381,0x7d389,0x7d391,0x7d399,0x7d3a1,0x7d3a9,0x7d3b1,
    0x7d3b9,0x7d3c1,0x7d3c9,0x7d3d1,0x7d3d9,0x7d3e1,0x7d3e9,0x7d3f1,
    0x7d3f9,0x7d401,0x7d409,0x7d411,0x7d419,0x7d421,0x7d429,0x7d431,
    0x7d439,0x7d441,0x7d449,0x7d451,0x7d459,0x7d461,0x7d469,0x7d471,
    0x7d479,0x7d481,0x7d489,0x7d491,0x7d499,0x7d4a1,0x7d4a9,0x7d4b1,
    0x7d4b9,0x7d4c1,0x7d4c9,0x7d4d1,0x7d4d9,0x7d4e1,0x7d4e9,0x7d4f1,
    0x7d4f9,0x7d501,0x7d509,0x7d511,0x7d519,0x7d521,0x7d529,0x7d531,
    0x7d539,0x7d541,0x7d549,0x7d551,0x7d559,0x7d561,0x7d569,0x7d571,
    0x7d579,0x7d581,0x7d589,0x7d591,0x7d599,0x7d5a1,0x7d5a9,0x7d5b1,
    0x7d5b9,0x7d5c1,0x7d5c9,0x7d5d1,0x7d5d9,0x7d5e1,0x7d5e9,0x7d5f1,
    0x7d5f9,0x7d601,0x7d609,0x7d611,0x7d619,0x7d621,0x7d629,0x7d631,
    0x7d639,0x7d641,0x7d649,0x7d651,0x7d659,0x7d661,0x7d669,0x7d671,
    0x7d679,0x7d681,0x7d689,0x7d691,0x7d699,0x7d6a1,0x7d6a9,0x7d6b1,
    0x7d6b9,0x7d6c1,0x7d6c9,0x7d8ea,0x7d8fa,0x7d952,0x7d95a,0x7d963,
    0x7d96b,0x7d972,0x7d97a,0x7d982,0x7d98a,0x7d992,0x7d99a,0x7d9a2,
    0x7d9aa,0x7d9b2,0x7d9c2,0x7d9ca,0x7d9d2,0x7d9da,0x7d9e2,0x7d9f2,
    0x7da02,0x7da0a,0x7da1a,0x7da22,0x7da32,0x7da3a,0x7da42,0x7da4a,
    0x7da52,0x7da5a,0x7da62,0x7da6a,0x7da72,0x884d2,0x884e2,0x8855a,
    0x88972,0x8897a,0x89a5a,0x89a62,0x8a5da,0x8a5e2,0x8a5f2,0x8add2,
    0x8adda,0xe8af2,0xe8afa,0xe8b03,0xe8b0b,0xe8b13,0xe8b1b,0xe8b23,
    0xe8dda,0xe8de2,0xe8deb,0xe8df3,0xe8dfb,0xe8e03,0x17c001,0x17c009,
    0x17c011,0x17c019,0x17c021,0x17c029,0x17c031,0x17c039,0x17c041,0x17c049,
    0x17c051,0x17c059,0x17c061,0x17c069,0x17c071,0x17c079,0x17c081,0x17c089,
    0x17c091,0x17c099,0x17c0a1,0x17c0a9,0x17c0b1,0x17c0b9,0x17c0c1,0x17c0c9,
    0x17c0d1,0x17c0d9,0x17c0e1,0x17c0e9,0x17c0f1,0x17c0f9,0x17c101,0x17c109,
    0x17c111,0x17c119,0x17c121,0x17c129,0x17c131,0x17c139,0x17c141,0x17c149,
    0x17c151,0x17c159,0x17c161,0x17c169,0x17c171,0x17c179,0x17c181,0x17c189,
    0x17c191,0x17c199,0x17c1a1,0x17c1a9,0x17c1b1,0x17c1b9,0x17c1c1,0x17c1c9,
    0x17c1d1,0x17c1d9,0x17c1e1,0x17c1e9,0x17c1f1,0x17c1f9,0x17c201,0x17c209,
    0x17c211,0x17c219,0x17c221,0x17c229,0x17c231,0x17c239,0x17c241,0x17c249,
    0x17c251,0x17c259,0x17c261,0x17c269,0x17c271,0x17c279,0x17c281,0x17c289,
    0x17c291,0x17c299,0x17c2a1,0x17c2a9,0x17c2b1,0x17c2b9,0x17c2c1,0x17c2c9,
    0x17c2d1,0x17c2d9,0x17c2e1,0x17c2e9,0x17c2f1,0x17c2f9,0x17c301,0x17c309,
    0x17c311,0x17c319,0x17c321,0x17c329,0x17c331,0x17c339,0x17c341,0x17c349,
    0x17c351,0x17c359,0x17c361,0x17c369,0x17c371,0x17c379,0x17c381,0x17c389,
    0x17c391,0x17c399,0x17c3a1,0x17c3a9,0x17c3b1,0x17c3b9,0x17c3c1,0x17c3c9,
    0x17c3d1,0x17c3d9,0x17c3e1,0x17c3e9,0x17c3f1,0x17c3f9,0x17c401,0x17c409,
    0x17c411,0x17c419,0x17c421,0x17c429,0x17c431,0x17c439,0x17c441,0x17c449,
    0x17c451,0x17c459,0x17c461,0x17c469,0x17c471,0x17c479,0x17c481,0x17c489,
    0x17c491,0x17c499,0x17c4a1,0x17c4a9,0x17c4b1,0x17c4b9,0x17c4c1,0x17c4c9,
    0x17c4d1,0x17c4d9,0x17c4e1,0x17c4e9,0x17c4f1,0x17c4f9,0x17c501,0x17c509,
    0x17c511,0x17c519,0x17c521,0x17c529,0x17c531,0x17c539,0x17c541,0x17c549,
    0x17c551,0x17c559,0x17c561,0x17c569,0x17c571,0x17c579,0x17c581,0x17c589,
    0x17c591,0x17c599,0x17c5a1,0x17c5a9,0x17c5b1,0x17c5b9,0x17c5c1,0x17c5c9,
    0x17c5d1,0x17c5d9,0x17c5e1,0x17c5e9,0x17c5f1,0x17c5f9,0x17c601,0x17c609,
    0x17c611,0x17c619,0x17c621,0x17c629,0x17c631,0x17c639,0x17c641,0x17c649,
    0x17c651,0x17c659,0x17c661,0x17c669,0x17c671,0x17c679,0x17c681,0x17c689,
    0x17c691,0x17c699,0x17c6a1,0x17c6a9,0x17c6b1,0x17c6b9,0x17c6c1,0x17c6c9,
    0x17c6d1,0x17c6d9,0x17c6e1,0x17c6e9,0x17c6f1,0x17c6f9,0x17c701,0x17c709,
    0x17c711,0x17c719,0x17c721,0x17c729,0x17c731,0x17c739,0x17c741,0x17c749,
    0x17c751,0x17c759,0x17c761,0x17c769,0x17c771,0x17c779,0x17c781,0x17c789,
    0x17c791,0x17c799,0x17c7a1,0x17c7a9,0x17c7b1,0x17c7b9,0x17c7c1,0x17c7c9,
    0x17c7d1,0x17c7d9,0x17c7e1,0x17c7e9,0x17c7f1,0x17c7f9,0x17c801,0x17c809,
    0x17c811,0x17c819,0x17c821,0x17c829,0x17c831,0x17c839,0x17c841,0x17c849,
    0x17c851,0x17c859,0x17c861,0x17c869,0x17c871,0x17c879,0x17c881,0x17c889,
    0x17c891,0x17c899,0x17c8a1,0x17c8a9,0x17c8b1,0x17c8b9,0x17c8c1,0x17c8c9,
    0x17c8d1,0x17c8d9,0x17c8e1,0x17c8e9,0x17c8f1,0x17c8f9,0x17c901,0x17c909,
    0x17c911,0x17c919,0x17c921,0x17c929,0x17c931,0x17c939,0x17c941,0x17c949,
    0x17c951,0x17c959,0x17c961,0x17c969,0x17c971,0x17c979,0x17c981,0x17c989,
    0x17c991,0x17c999,0x17c9a1,0x17c9a9,0x17c9b1,0x17c9b9,0x17c9c1,0x17c9c9,
    0x17c9d1,0x17c9d9,0x17c9e1,0x17c9e9,0x17c9f1,0x17c9f9,0x17ca01,0x17ca09,
    0x17ca11,0x17ca19,0x17ca21,0x17ca29,0x17ca31,0x17ca39,0x17ca41,0x17ca49,
    0x17ca51,0x17ca59,0x17ca61,0x17ca69,0x17ca71,0x17ca79,0x17ca81,0x17ca89,
    0x17ca91,0x17ca99,0x17caa1,0x17caa9,0x17cab1,0x17cab9,0x17cac1,0x17cac9,
    0x17cad1,0x17cad9,0x17cae1,0x17cae9,0x17caf1,0x17caf9,0x17cb01,0x17cb09,
    0x17cb11,0x17cb19,0x17cb21,0x17cb29,0x17cb31,0x17cb39,0x17cb41,0x17cb49,
    0x17cb51,0x17cb59,0x17cb61,0x17cb69,0x17cb71,0x17cb79,0x17cb81,0x17cb89,
    0x17cb91,0x17cb99,0x17cba1,0x17cba9,0x17cbb1,0x17cbb9,0x17cbc1,0x17cbc9,
    0x17cbd1,0x17cbd9,0x17cbe1,0x17cbe9,0x17cbf1,0x17cbf9,0x17cc01,0x17cc09,
    0x17cc11,0x17cc19,0x17cc21,0x17cc29,0x17cc31,0x17cc39,0x17cc41,0x17cc49,
    0x17cc51,0x17cc59,0x17cc61,0x17cc69,0x17cc71,0x17cc79,0x17cc81,0x17cc89,
    0x17cc91,0x17cc99,0x17cca1,0x17cca9,0x17ccb1,0x17ccb9,0x17ccc1,0x17ccc9,
    0x17ccd1,0x17ccd9,0x17cce1,0x17cce9,0x17ccf1,0x17ccf9,0x17cd01,0x17cd09,
    0x17cd11,0x17cd19,0x17cd21,0x17cd29,0x17cd31,0x17cd39,0x17cd41,0x17cd49,
    0x17cd51,0x17cd59,0x17cd61,0x17cd69,0x17cd71,0x17cd79,0x17cd81,0x17cd89,
    0x17cd91,0x17cd99,0x17cda1,0x17cda9,0x17cdb1,0x17cdb9,0x17cdc1,0x17cdc9,
    0x17cdd1,0x17cdd9,0x17cde1,0x17cde9,0x17cdf1,0x17cdf9,0x17ce01,0x17ce09,
    0x17ce11,0x17ce19,0x17ce21,0x17ce29,0x17ce31,0x17ce39,0x17ce41,0x17ce49,
    0x17ce51,0x17ce59,0x17ce61,0x17ce69,0x17ce71,0x17ce79,0x17ce81,0x17ce89,
    0x17ce91,0x17ce99,0x17cea1,0x17cea9,0x17ceb1,0x17ceb9,0x17cec1,0x17cec9,
    0x17ced1,0x17ced9,0x17cee1,0x17cee9,0x17cef1,0x17cef9,0x17cf01,0x17cf09,
    0x17cf11,0x17cf19,0x17cf21,0x17cf29,0x17cf31,0x17cf39,0x17cf41,0x17cf49,
    0x17cf51,0x17cf59,0x17cf61,0x17cf69,0x17cf71,0x17cf79,0x17cf81,0x17cf89,
    0x17cf91,0x17cf99,0x17cfa1,0x17cfa9,0x17cfb1,0x17cfb9,0x17cfc1,0x17cfc9,
    0x17cfd1,0x17cfd9,0x17cfe1,0x17cfe9,0x17cff1,0x17cff9,0x17d001,0x17d009,
    0x17d011,0x17d019,0x17d021,0x17d029,0x17d031,0x17d039,0x17d041,0x17d049,
    0x17d051,0x17d059,0x17d061,0x17d069,0x17d071,0x17d079,0x17d081,0x17d089,
    0x17d091,0x17d099,0x17d0a1,0x17d0a9,0x17d0b1,0x17d0b9,0x17d0c1,0x17d0c9,
    0x17d0d1,0x17d0d9,0x17d0e1,0x17d0e9,
};
static const uint16_t ld__udecomp_off[2060] = {
    0,2,4,6,8,10,12,14,16,18,20,22,
    24,26,28,30,32,34,36,38,40,42,44,46,
    48,50,52,54,56,58,60,62,64,66,68,70,
    72,74,76,78,80,82,84,86,88,90,92,94,
    96,98,100,102,104,106,108,110,112,114,116,118,
    120,122,124,126,128,130,132,134,136,138,140,142,
    144,146,148,150,152,154,156,158,160,162,164,166,
    168,170,172,174,176,178,180,182,184,186,188,190,
    192,194,196,198,200,202,204,206,208,210,212,214,
    216,218,220,222,224,226,228,230,232,234,236,238,
    240,242,244,246,248,250,252,254,256,258,260,262,
    264,266,268,270,272,274,276,278,280,282,284,286,
    288,290,292,294,296,298,300,302,304,306,308,310,
    312,314,316,318,320,322,324,326,328,330,332,334,
    336,338,340,342,344,346,349,352,355,358,361,364,
    367,370,373,376,379,382,384,386,388,390,392,394,
    396,398,401,404,406,408,410,412,414,416,418,421,
    424,426,428,430,432,434,436,438,440,442,444,446,
    448,450,452,454,456,458,460,462,464,466,468,470,
    472,474,476,478,480,482,484,486,488,490,492,494,
    496,498,500,503,506,509,512,514,516,519,522,524,
    526,527,528,529,531,532,533,535,537,538,540,542,
    544,546,548,550,553,555,557,559,561,563,565,568,
    570,572,574,576,578,580,582,584,586,588,590,592,
    594,596,598,600,602,604,606,608,610,612,614,616,
    618,620,622,624,626,628,630,632,634,636,638,640,
    642,644,646,648,650,652,654,656,658,660,662,664,
    666,668,670,672,674,676,678,680,682,684,686,688,
    690,692,694,696,698,700,702,704,706,708,710,712,
    714,716,718,720,722,724,726,728,730,732,734,736,
    738,740,742,744,746,748,750,752,754,756,758,760,
    762,764,766,768,770,772,774,777,779,781,783,785,
    787,790,792,794,796,798,800,802,804,806,808,810,
    812,814,816,818,820,822,824,826,828,830,832,834,
    836,838,840,842,844,846,848,850,852,854,856,858,
    860,862,864,866,869,872,874,876,878,880,882,884,
    886,888,890,892,895,898,901,904,906,908,910,912,
    915,918,920,922,924,926,928,930,932,934,936,938,
    940,942,944,946,948,950,953,956,958,960,962,964,
    966,968,970,972,975,978,980,982,984,986,988,990,
    992,994,996,998,1000,1002,1004,1006,1008,1010,1012,1014,
    1017,1020,1023,1026,1029,1032,1035,1038,1040,1042,1044,1046,
    1048,1050,1052,1054,1057,1060,1062,1064,1066,1068,1070,1072,
    1075,1078,1081,1084,1087,1090,1092,1094,1096,1098,1100,1102,
    1104,1106,1108,1110,1112,1114,1116,1118,1121,1124,1127,1130,
    1132,1134,1136,1138,1140,1142,1144,1146,1148,1150,1152,1154,
    1156,1158,1160,1162,1164,1166,1168,1170,1172,1174,1176,1178,
    1180,1182,1184,1186,1188,1190,1192,1194,1196,1198,1200,1203,
    1206,1209,1212,1215,1218,1221,1224,1227,1230,1233,1236,1239,
    1242,1245,1248,1251,1254,1257,1260,1262,1264,1266,1268,1270,
    1272,1275,1278,1281,1284,1287,1290,1293,1296,1299,1302,1304,
    1306,1308,1310,1312,1314,1316,1318,1321,1324,1327,1330,1333,
    1336,1339,1342,1345,1348,1351,1354,1357,1360,1363,1366,1369,
    1372,1375,1378,1380,1382,1384,1386,1389,1392,1395,1398,1401,
    1404,1407,1410,1413,1416,1418,1420,1422,1424,1426,1428,1430,
    1432,1434,1436,1439,1442,1445,1448,1451,1454,1456,1458,1461,
    1464,1467,1470,1473,1476,1478,1480,1483,1486,1489,1492,1494,
    1496,1499,1502,1505,1508,1510,1512,1515,1518,1521,1524,1527,
    1530,1532,1534,1537,1540,1543,1546,1549,1552,1554,1556,1559,
    1562,1565,1568,1571,1574,1576,1578,1581,1584,1587,1590,1593,
    1596,1598,1600,1603,1606,1609,1612,1614,1616,1619,1622,1625,
    1628,1630,1632,1635,1638,1641,1644,1647,1650,1652,1655,1658,
    1661,1663,1665,1668,1671,1674,1677,1680,1683,1685,1687,1690,
    1693,1696,1699,1702,1705,1707,1709,1711,1713,1715,1717,1719,
    1721,1723,1725,1727,1729,1731,1733,1736,1739,1743,1747,1751,
    1755,1759,1763,1766,1769,1773,1777,1781,1785,1789,1793,1796,
    1799,1803,1807,1811,1815,1819,1823,1826,1829,1833,1837,1841,
    1845,1849,1853,1856,1859,1863,1867,1871,1875,1879,1883,1886,
    1889,1893,1897,1901,1905,1909,1913,1915,1917,1920,1922,1925,
    1927,1930,1932,1934,1936,1938,1940,1941,1943,1946,1948,1951,
    1953,1956,1958,1960,1962,1964,1966,1968,1970,1972,1974,1976,
    1979,1982,1984,1987,1989,1991,1993,1995,1997,1999,2001,2003,
    2005,2008,2011,2013,2015,2017,2020,2022,2024,2026,2028,2030,
    2032,2034,2035,2038,2040,2043,2045,2048,2050,2052,2054,2056,
    2058,2059,2060,2061,2062,2063,2065,2067,2069,2071,2073,2075,
    2077,2079,2081,2083,2085,2087,2089,2091,2093,2095,2097,2099,
    2101,2103,2105,2107,2109,2111,2113,2115,2117,2119,2121,2123,
    2125,2127,2129,2131,2133,2135,2137,2139,2141,2143,2145,2147,
    2149,2151,2153,2154,2155,2157,2159,2161,2163,2165,2167,2169,
    2171,2173,2175,2177,2179,2181,2183,2185,2187,2189,2191,2193,
    2195,2197,2199,2201,2203,2205,2207,2209,2211,2213,2215,2217,
    2219,2221,2223,2225,2227,2229,2231,2233,2235,2237,2239,2241,
    2243,2245,2247,2249,2251,2253,2255,2257,2259,2261,2263,2265,
    2267,2269,2271,2273,2274,2275,2276,2277,2278,2279,2280,2281,
    2282,2283,2284,2285,2286,2287,2288,2289,2290,2291,2292,2293,
    2294,2295,2296,2297,2298,2299,2300,2301,2302,2303,2304,2305,
    2306,2307,2308,2309,2310,2311,2312,2313,2314,2315,2316,2317,
    2318,2319,2320,2321,2322,2323,2324,2325,2326,2327,2328,2329,
    2330,2331,2332,2333,2334,2335,2336,2337,2338,2339,2340,2341,
    2342,2343,2344,2345,2346,2347,2348,2349,2350,2351,2352,2353,
    2354,2355,2356,2357,2358,2359,2360,2361,2362,2363,2364,2365,
    2366,2367,2368,2369,2370,2371,2372,2373,2374,2375,2376,2377,
    2378,2379,2380,2381,2382,2383,2384,2385,2386,2387,2388,2389,
    2390,2391,2392,2393,2394,2395,2396,2397,2398,2399,2400,2401,
    2402,2403,2404,2405,2406,2407,2408,2409,2410,2411,2412,2413,
    2414,2415,2416,2417,2418,2419,2420,2421,2422,2423,2424,2425,
    2426,2427,2428,2429,2430,2431,2432,2433,2434,2435,2436,2437,
    2438,2439,2440,2441,2442,2443,2444,2445,2446,2447,2448,2449,
    2450,2451,2452,2453,2454,2455,2456,2457,2458,2459,2460,2461,
    2462,2463,2464,2465,2466,2467,2468,2469,2470,2471,2472,2473,
    2474,2475,2476,2477,2478,2479,2480,2481,2482,2483,2484,2485,
    2486,2487,2488,2489,2490,2491,2492,2493,2494,2495,2496,2497,
    2498,2499,2500,2501,2502,2503,2504,2505,2506,2507,2508,2509,
    2510,2511,2512,2513,2514,2515,2516,2517,2518,2519,2520,2521,
    2522,2523,2524,2525,2526,2527,2528,2529,2530,2531,2532,2533,
    2534,2535,2536,2537,2538,2539,2540,2541,2542,2543,2544,2545,
    2546,2547,2548,2549,2550,2551,2552,2553,2554,2555,2556,2557,
    2558,2559,2560,2561,2562,2563,2564,2565,2566,2567,2568,2569,
    2570,2571,2572,2573,2574,2575,2576,2577,2578,2579,2580,2581,
    2582,2583,2584,2585,2586,2587,2588,2589,2590,2591,2592,2593,
    2594,2595,2596,2597,2598,2599,2600,2601,2602,2603,2604,2605,
    2606,2607,2608,2609,2610,2611,2612,2613,2614,2615,2616,2617,
    2618,2619,2620,2621,2622,2623,2624,2625,2626,2627,2628,2629,
    2630,2631,2632,2633,2634,2635,2636,2637,2638,2639,2640,2641,
    2642,2643,2644,2645,2646,2647,2648,2649,2650,2651,2652,2653,
    2654,2655,2656,2657,2658,2659,2660,2661,2662,2663,2664,2665,
    2666,2667,2668,2669,2670,2671,2672,2673,2674,2675,2676,2677,
    2678,2679,2680,2681,2682,2683,2684,2685,2686,2687,2688,2689,
    2690,2691,2692,2693,2694,2695,2696,2697,2698,2699,2700,2701,
    2702,2703,2704,2705,2706,2707,2708,2709,2710,2711,2712,2713,
    2714,2715,2716,2717,2718,2719,2720,2721,2722,2723,2724,2725,
    2726,2727,2728,2729,2730,2731,2732,2733,2735,2737,2739,2741,
    2744,2747,2749,2751,2753,2755,2757,2759,2761,2763,2765,2767,
    2769,2771,2773,2775,2777,2779,2781,2783,2785,2787,2789,2791,
    2793,2795,2797,2799,2801,2803,2805,2807,2809,2811,2813,2815,
    2817,2819,2821,2823,2825,2827,2829,2831,2834,2837,2840,2843,
    2846,2848,2850,2853,2856,2859,2862,2863,2864,2865,2866,2867,
    2868,2869,2870,2871,2872,2873,2874,2875,2876,2877,2878,2879,
    2880,2881,2882,2883,2884,2885,2886,2887,2888,2889,2890,2891,
    2892,2893,2894,2895,2896,2897,2898,2899,2900,2901,2902,2903,
    2904,2905,2906,2907,2908,2909,2910,2911,2912,2913,2914,2915,
    2916,2917,2918,2919,2920,2921,2922,2923,2924,2925,2926,2927,
    2928,2929,2930,2931,2932,2933,2934,2935,2936,2937,2938,2939,
    2940,2941,2942,2943,2944,2945,2946,2947,2948,2949,2950,2951,
    2952,2953,2954,2955,2956,2957,2958,2959,2960,2961,2962,2963,
    2964,2965,2966,2967,2968,2969,2970,2971,2972,2973,2974,2975,
    2976,2977,2978,2979,2980,2981,2982,2983,2984,2985,2986,2987,
    2988,2989,2990,2991,2992,2993,2994,2995,2996,2997,2998,2999,
    3000,3001,3002,3003,3004,3005,3006,3007,3008,3009,3010,3011,
    3012,3013,3014,3015,3016,3017,3018,3019,3020,3021,3022,3023,
    3024,3025,3026,3027,3028,3029,3030,3031,3032,3033,3034,3035,
    3036,3037,3038,3039,3040,3041,3042,3043,3044,3045,3046,3047,
    3048,3049,3050,3051,3052,3053,3054,3055,3056,3057,3058,3059,
    3060,3061,3062,3063,3064,3065,3066,3067,3068,3069,3070,3071,
    3072,3073,3074,3075,3076,3077,3078,3079,3080,3081,3082,3083,
    3084,3085,3086,3087,3088,3089,3090,3091,3092,3093,3094,3095,
    3096,3097,3098,3099,3100,3101,3102,3103,3104,3105,3106,3107,
    3108,3109,3110,3111,3112,3113,3114,3115,3116,3117,3118,3119,
    3120,3121,3122,3123,3124,3125,3126,3127,3128,3129,3130,3131,
    3132,3133,3134,3135,3136,3137,3138,3139,3140,3141,3142,3143,
    3144,3145,3146,3147,3148,3149,3150,3151,3152,3153,3154,3155,
    3156,3157,3158,3159,3160,3161,3162,3163,3164,3165,3166,3167,
    3168,3169,3170,3171,3172,3173,3174,3175,3176,3177,3178,3179,
    3180,3181,3182,3183,3184,3185,3186,3187,3188,3189,3190,3191,
    3192,3193,3194,3195,3196,3197,3198,3199,3200,3201,3202,3203,
    3204,3205,3206,3207,3208,3209,3210,3211,3212,3213,3214,3215,
    3216,3217,3218,3219,3220,3221,3222,3223,3224,3225,3226,3227,
    3228,3229,3230,3231,3232,3233,3234,3235,3236,3237,3238,3239,
    3240,3241,3242,3243,3244,3245,3246,3247,3248,3249,3250,3251,
    3252,3253,3254,3255,3256,3257,3258,3259,3260,3261,3262,3263,
    3264,3265,3266,3267,3268,3269,3270,3271,3272,3273,3274,3275,
    3276,3277,3278,3279,3280,3281,3282,3283,3284,3285,3286,3287,
    3288,3289,3290,3291,3292,3293,3294,3295,3296,3297,3298,3299,
    3300,3301,3302,3303,3304,3305,3306,3307,3308,3309,3310,3311,
    3312,3313,3314,3315,3316,3317,3318,3319,3320,3321,3322,3323,
    3324,3325,3326,3327,3328,3329,3330,3331,3332,3333,3334,3335,
    3336,3337,3338,3339,3340,3341,3342,3343,3344,3345,3346,3347,
    3348,3349,3350,3351,3352,3353,3354,3355,3356,3357,3358,3359,
    3360,3361,3362,3363,3364,3365,3366,3367,3368,3369,3370,3371,
    3372,3373,3374,3375,3376,3377,3378,3379,3380,3381,3382,3383,
    3384,3385,3386,3387,3388,3389,3390,3391,3392,3393,3394,3395,
    3396,3397,3398,3399,3400,3401,3402,3403,
};
static const uint32_t ld__udecomp_cp[3404] = {
    0x41,0x300,0x41,0x301,0x41,0x302,0x41,0x303,0x41,0x308,
    0x41,0x30a,0x43,0x327,0x45,0x300,0x45,0x301,0x45,0x302,
    0x45,0x308,0x49,0x300,0x49,0x301,0x49,0x302,0x49,0x308,
    0x4e,0x303,0x4f,0x300,0x4f,0x301,0x4f,0x302,0x4f,0x303,
    0x4f,0x308,0x55,0x300,0x55,0x301,0x55,0x302,0x55,0x308,
    0x59,0x301,0x61,0x300,0x61,0x301,0x61,0x302,0x61,0x303,
    0x61,0x308,0x61,0x30a,0x63,0x327,0x65,0x300,0x65,0x301,
    0x65,0x302,0x65,0x308,0x69,0x300,0x69,0x301,0x69,0x302,
    0x69,0x308,0x6e,0x303,0x6f,0x300,0x6f,0x301,0x6f,0x302,
    0x6f,0x303,0x6f,0x308,0x75,0x300,0x75,0x301,0x75,0x302,
    0x75,0x308,0x79,0x301,0x79,0x308,0x41,0x304,0x61,0x304,
    0x41,0x306,0x61,0x306,0x41,0x328,0x61,0x328,0x43,0x301,
    0x63,0x301,0x43,0x302,0x63,0x302,0x43,0x307,0x63,0x307,
    0x43,0x30c,0x63,0x30c,0x44,0x30c,0x64,0x30c,0x45,0x304,
    0x65,0x304,0x45,0x306,0x65,0x306,0x45,0x307,0x65,0x307,
    0x45,0x328,0x65,0x328,0x45,0x30c,0x65,0x30c,0x47,0x302,
    0x67,0x302,0x47,0x306,0x67,0x306,0x47,0x307,0x67,0x307,
    0x47,0x327,0x67,0x327,0x48,0x302,0x68,0x302,0x49,0x303,
    0x69,0x303,0x49,0x304,0x69,0x304,0x49,0x306,0x69,0x306,
    0x49,0x328,0x69,0x328,0x49,0x307,0x4a,0x302,0x6a,0x302,
    0x4b,0x327,0x6b,0x327,0x4c,0x301,0x6c,0x301,0x4c,0x327,
    0x6c,0x327,0x4c,0x30c,0x6c,0x30c,0x4e,0x301,0x6e,0x301,
    0x4e,0x327,0x6e,0x327,0x4e,0x30c,0x6e,0x30c,0x4f,0x304,
    0x6f,0x304,0x4f,0x306,0x6f,0x306,0x4f,0x30b,0x6f,0x30b,
    0x52,0x301,0x72,0x301,0x52,0x327,0x72,0x327,0x52,0x30c,
    0x72,0x30c,0x53,0x301,0x73,0x301,0x53,0x302,0x73,0x302,
    0x53,0x327,0x73,0x327,0x53,0x30c,0x73,0x30c,0x54,0x327,
    0x74,0x327,0x54,0x30c,0x74,0x30c,0x55,0x303,0x75,0x303,
    0x55,0x304,0x75,0x304,0x55,0x306,0x75,0x306,0x55,0x30a,
    0x75,0x30a,0x55,0x30b,0x75,0x30b,0x55,0x328,0x75,0x328,
    0x57,0x302,0x77,0x302,0x59,0x302,0x79,0x302,0x59,0x308,
    0x5a,0x301,0x7a,0x301,0x5a,0x307,0x7a,0x307,0x5a,0x30c,
    0x7a,0x30c,0x4f,0x31b,0x6f,0x31b,0x55,0x31b,0x75,0x31b,
    0x41,0x30c,0x61,0x30c,0x49,0x30c,0x69,0x30c,0x4f,0x30c,
    0x6f,0x30c,0x55,0x30c,0x75,0x30c,0x55,0x308,0x304,0x75,
    0x308,0x304,0x55,0x308,0x301,0x75,0x308,0x301,0x55,0x308,
    0x30c,0x75,0x308,0x30c,0x55,0x308,0x300,0x75,0x308,0x300,
    0x41,0x308,0x304,0x61,0x308,0x304,0x41,0x307,0x304,0x61,
    0x307,0x304,0xc6,0x304,0xe6,0x304,0x47,0x30c,0x67,0x30c,
    0x4b,0x30c,0x6b,0x30c,0x4f,0x328,0x6f,0x328,0x4f,0x328,
    0x304,0x6f,0x328,0x304,0x1b7,0x30c,0x292,0x30c,0x6a,0x30c,
    0x47,0x301,0x67,0x301,0x4e,0x300,0x6e,0x300,0x41,0x30a,
    0x301,0x61,0x30a,0x301,0xc6,0x301,0xe6,0x301,0xd8,0x301,
    0xf8,0x301,0x41,0x30f,0x61,0x30f,0x41,0x311,0x61,0x311,
    0x45,0x30f,0x65,0x30f,0x45,0x311,0x65,0x311,0x49,0x30f,
    0x69,0x30f,0x49,0x311,0x69,0x311,0x4f,0x30f,0x6f,0x30f,
    0x4f,0x311,0x6f,0x311,0x52,0x30f,0x72,0x30f,0x52,0x311,
    0x72,0x311,0x55,0x30f,0x75,0x30f,0x55,0x311,0x75,0x311,
    0x53,0x326,0x73,0x326,0x54,0x326,0x74,0x326,0x48,0x30c,
    0x68,0x30c,0x41,0x307,0x61,0x307,0x45,0x327,0x65,0x327,
    0x4f,0x308,0x304,0x6f,0x308,0x304,0x4f,0x303,0x304,0x6f,
    0x303,0x304,0x4f,0x307,0x6f,0x307,0x4f,0x307,0x304,0x6f,
    0x307,0x304,0x59,0x304,0x79,0x304,0x300,0x301,0x313,0x308,
    0x301,0x2b9,0x3b,0xa8,0x301,0x391,0x301,0xb7,0x395,0x301,
    0x397,0x301,0x399,0x301,0x39f,0x301,0x3a5,0x301,0x3a9,0x301,
    0x3b9,0x308,0x301,0x399,0x308,0x3a5,0x308,0x3b1,0x301,0x3b5,
    0x301,0x3b7,0x301,0x3b9,0x301,0x3c5,0x308,0x301,0x3b9,0x308,
    0x3c5,0x308,0x3bf,0x301,0x3c5,0x301,0x3c9,0x301,0x3d2,0x301,
    0x3d2,0x308,0x415,0x300,0x415,0x308,0x413,0x301,0x406,0x308,
    0x41a,0x301,0x418,0x300,0x423,0x306,0x418,0x306,0x438,0x306,
    0x435,0x300,0x435,0x308,0x433,0x301,0x456,0x308,0x43a,0x301,
    0x438,0x300,0x443,0x306,0x474,0x30f,0x475,0x30f,0x416,0x306,
    0x436,0x306,0x410,0x306,0x430,0x306,0x410,0x308,0x430,0x308,
    0x415,0x306,0x435,0x306,0x4d8,0x308,0x4d9,0x308,0x416,0x308,
    0x436,0x308,0x417,0x308,0x437,0x308,0x418,0x304,0x438,0x304,
    0x418,0x308,0x438,0x308,0x41e,0x308,0x43e,0x308,0x4e8,0x308,
    0x4e9,0x308,0x42d,0x308,0x44d,0x308,0x423,0x304,0x443,0x304,
    0x423,0x308,0x443,0x308,0x423,0x30b,0x443,0x30b,0x427,0x308,
    0x447,0x308,0x42b,0x308,0x44b,0x308,0x627,0x653,0x627,0x654,
    0x648,0x654,0x627,0x655,0x64a,0x654,0x6d5,0x654,0x6c1,0x654,
    0x6d2,0x654,0x928,0x93c,0x930,0x93c,0x933,0x93c,0x915,0x93c,
    0x916,0x93c,0x917,0x93c,0x91c,0x93c,0x921,0x93c,0x922,0x93c,
    0x92b,0x93c,0x92f,0x93c,0x9c7,0x9be,0x9c7,0x9d7,0x9a1,0x9bc,
    0x9a2,0x9bc,0x9af,0x9bc,0xa32,0xa3c,0xa38,0xa3c,0xa16,0xa3c,
    0xa17,0xa3c,0xa1c,0xa3c,0xa2b,0xa3c,0xb47,0xb56,0xb47,0xb3e,
    0xb47,0xb57,0xb21,0xb3c,0xb22,0xb3c,0xb92,0xbd7,0xbc6,0xbbe,
    0xbc7,0xbbe,0xbc6,0xbd7,0xc46,0xc56,0xcbf,0xcd5,0xcc6,0xcd5,
    0xcc6,0xcd6,0xcc6,0xcc2,0xcc6,0xcc2,0xcd5,0xd46,0xd3e,0xd47,
    0xd3e,0xd46,0xd57,0xdd9,0xdca,0xdd9,0xdcf,0xdd9,0xdcf,0xdca,
    0xdd9,0xddf,0xf42,0xfb7,0xf4c,0xfb7,0xf51,0xfb7,0xf56,0xfb7,
    0xf5b,0xfb7,0xf40,0xfb5,0xf71,0xf72,0xf71,0xf74,0xfb2,0xf80,
    0xfb3,0xf80,0xf71,0xf80,0xf92,0xfb7,0xf9c,0xfb7,0xfa1,0xfb7,
    0xfa6,0xfb7,0xfab,0xfb7,0xf90,0xfb5,0x1025,0x102e,0x1b05,0x1b35,
    0x1b07,0x1b35,0x1b09,0x1b35,0x1b0b,0x1b35,0x1b0d,0x1b35,0x1b11,0x1b35,
    0x1b3a,0x1b35,0x1b3c,0x1b35,0x1b3e,0x1b35,0x1b3f,0x1b35,0x1b42,0x1b35,
    0x41,0x325,0x61,0x325,0x42,0x307,0x62,0x307,0x42,0x323,
    0x62,0x323,0x42,0x331,0x62,0x331,0x43,0x327,0x301,0x63,
    0x327,0x301,0x44,0x307,0x64,0x307,0x44,0x323,0x64,0x323,
    0x44,0x331,0x64,0x331,0x44,0x327,0x64,0x327,0x44,0x32d,
    0x64,0x32d,0x45,0x304,0x300,0x65,0x304,0x300,0x45,0x304,
    0x301,0x65,0x304,0x301,0x45,0x32d,0x65,0x32d,0x45,0x330,
    0x65,0x330,0x45,0x327,0x306,0x65,0x327,0x306,0x46,0x307,
    0x66,0x307,0x47,0x304,0x67,0x304,0x48,0x307,0x68,0x307,
    0x48,0x323,0x68,0x323,0x48,0x308,0x68,0x308,0x48,0x327,
    0x68,0x327,0x48,0x32e,0x68,0x32e,0x49,0x330,0x69,0x330,
    0x49,0x308,0x301,0x69,0x308,0x301,0x4b,0x301,0x6b,0x301,
    0x4b,0x323,0x6b,0x323,0x4b,0x331,0x6b,0x331,0x4c,0x323,
    0x6c,0x323,0x4c,0x323,0x304,0x6c,0x323,0x304,0x4c,0x331,
    0x6c,0x331,0x4c,0x32d,0x6c,0x32d,0x4d,0x301,0x6d,0x301,
    0x4d,0x307,0x6d,0x307,0x4d,0x323,0x6d,0x323,0x4e,0x307,
    0x6e,0x307,0x4e,0x323,0x6e,0x323,0x4e,0x331,0x6e,0x331,
    0x4e,0x32d,0x6e,0x32d,0x4f,0x303,0x301,0x6f,0x303,0x301,
    0x4f,0x303,0x308,0x6f,0x303,0x308,0x4f,0x304,0x300,0x6f,
    0x304,0x300,0x4f,0x304,0x301,0x6f,0x304,0x301,0x50,0x301,
    0x70,0x301,0x50,0x307,0x70,0x307,0x52,0x307,0x72,0x307,
    0x52,0x323,0x72,0x323,0x52,0x323,0x304,0x72,0x323,0x304,
    0x52,0x331,0x72,0x331,0x53,0x307,0x73,0x307,0x53,0x323,
    0x73,0x323,0x53,0x301,0x307,0x73,0x301,0x307,0x53,0x30c,
    0x307,0x73,0x30c,0x307,0x53,0x323,0x307,0x73,0x323,0x307,
    0x54,0x307,0x74,0x307,0x54,0x323,0x74,0x323,0x54,0x331,
    0x74,0x331,0x54,0x32d,0x74,0x32d,0x55,0x324,0x75,0x324,
    0x55,0x330,0x75,0x330,0x55,0x32d,0x75,0x32d,0x55,0x303,
    0x301,0x75,0x303,0x301,0x55,0x304,0x308,0x75,0x304,0x308,
    0x56,0x303,0x76,0x303,0x56,0x323,0x76,0x323,0x57,0x300,
    0x77,0x300,0x57,0x301,0x77,0x301,0x57,0x308,0x77,0x308,
    0x57,0x307,0x77,0x307,0x57,0x323,0x77,0x323,0x58,0x307,
    0x78,0x307,0x58,0x308,0x78,0x308,0x59,0x307,0x79,0x307,
    0x5a,0x302,0x7a,0x302,0x5a,0x323,0x7a,0x323,0x5a,0x331,
    0x7a,0x331,0x68,0x331,0x74,0x308,0x77,0x30a,0x79,0x30a,
    0x17f,0x307,0x41,0x323,0x61,0x323,0x41,0x309,0x61,0x309,
    0x41,0x302,0x301,0x61,0x302,0x301,0x41,0x302,0x300,0x61,
    0x302,0x300,0x41,0x302,0x309,0x61,0x302,0x309,0x41,0x302,
    0x303,0x61,0x302,0x303,0x41,0x323,0x302,0x61,0x323,0x302,
    0x41,0x306,0x301,0x61,0x306,0x301,0x41,0x306,0x300,0x61,
    0x306,0x300,0x41,0x306,0x309,0x61,0x306,0x309,0x41,0x306,
    0x303,0x61,0x306,0x303,0x41,0x323,0x306,0x61,0x323,0x306,
    0x45,0x323,0x65,0x323,0x45,0x309,0x65,0x309,0x45,0x303,
    0x65,0x303,0x45,0x302,0x301,0x65,0x302,0x301,0x45,0x302,
    0x300,0x65,0x302,0x300,0x45,0x302,0x309,0x65,0x302,0x309,
    0x45,0x302,0x303,0x65,0x302,0x303,0x45,0x323,0x302,0x65,
    0x323,0x302,0x49,0x309,0x69,0x309,0x49,0x323,0x69,0x323,
    0x4f,0x323,0x6f,0x323,0x4f,0x309,0x6f,0x309,0x4f,0x302,
    0x301,0x6f,0x302,0x301,0x4f,0x302,0x300,0x6f,0x302,0x300,
    0x4f,0x302,0x309,0x6f,0x302,0x309,0x4f,0x302,0x303,0x6f,
    0x302,0x303,0x4f,0x323,0x302,0x6f,0x323,0x302,0x4f,0x31b,
    0x301,0x6f,0x31b,0x301,0x4f,0x31b,0x300,0x6f,0x31b,0x300,
    0x4f,0x31b,0x309,0x6f,0x31b,0x309,0x4f,0x31b,0x303,0x6f,
    0x31b,0x303,0x4f,0x31b,0x323,0x6f,0x31b,0x323,0x55,0x323,
    0x75,0x323,0x55,0x309,0x75,0x309,0x55,0x31b,0x301,0x75,
    0x31b,0x301,0x55,0x31b,0x300,0x75,0x31b,0x300,0x55,0x31b,
    0x309,0x75,0x31b,0x309,0x55,0x31b,0x303,0x75,0x31b,0x303,
    0x55,0x31b,0x323,0x75,0x31b,0x323,0x59,0x300,0x79,0x300,
    0x59,0x323,0x79,0x323,0x59,0x309,0x79,0x309,0x59,0x303,
    0x79,0x303,0x3b1,0x313,0x3b1,0x314,0x3b1,0x313,0x300,0x3b1,
    0x314,0x300,0x3b1,0x313,0x301,0x3b1,0x314,0x301,0x3b1,0x313,
    0x342,0x3b1,0x314,0x342,0x391,0x313,0x391,0x314,0x391,0x313,
    0x300,0x391,0x314,0x300,0x391,0x313,0x301,0x391,0x314,0x301,
    0x391,0x313,0x342,0x391,0x314,0x342,0x3b5,0x313,0x3b5,0x314,
    0x3b5,0x313,0x300,0x3b5,0x314,0x300,0x3b5,0x313,0x301,0x3b5,
    0x314,0x301,0x395,0x313,0x395,0x314,0x395,0x313,0x300,0x395,
    0x314,0x300,0x395,0x313,0x301,0x395,0x314,0x301,0x3b7,0x313,
    0x3b7,0x314,0x3b7,0x313,0x300,0x3b7,0x314,0x300,0x3b7,0x313,
    0x301,0x3b7,0x314,0x301,0x3b7,0x313,0x342,0x3b7,0x314,0x342,
    0x397,0x313,0x397,0x314,0x397,0x313,0x300,0x397,0x314,0x300,
    0x397,0x313,0x301,0x397,0x314,0x301,0x397,0x313,0x342,0x397,
    0x314,0x342,0x3b9,0x313,0x3b9,0x314,0x3b9,0x313,0x300,0x3b9,
    0x314,0x300,0x3b9,0x313,0x301,0x3b9,0x314,0x301,0x3b9,0x313,
    0x342,0x3b9,0x314,0x342,0x399,0x313,0x399,0x314,0x399,0x313,
    0x300,0x399,0x314,0x300,0x399,0x313,0x301,0x399,0x314,0x301,
    0x399,0x313,0x342,0x399,0x314,0x342,0x3bf,0x313,0x3bf,0x314,
    0x3bf,0x313,0x300,0x3bf,0x314,0x300,0x3bf,0x313,0x301,0x3bf,
    0x314,0x301,0x39f,0x313,0x39f,0x314,0x39f,0x313,0x300,0x39f,
    0x314,0x300,0x39f,0x313,0x301,0x39f,0x314,0x301,0x3c5,0x313,
    0x3c5,0x314,0x3c5,0x313,0x300,0x3c5,0x314,0x300,0x3c5,0x313,
    0x301,0x3c5,0x314,0x301,0x3c5,0x313,0x342,0x3c5,0x314,0x342,
    0x3a5,0x314,0x3a5,0x314,0x300,0x3a5,0x314,0x301,0x3a5,0x314,
    0x342,0x3c9,0x313,0x3c9,0x314,0x3c9,0x313,0x300,0x3c9,0x314,
    0x300,0x3c9,0x313,0x301,0x3c9,0x314,0x301,0x3c9,0x313,0x342,
    0x3c9,0x314,0x342,0x3a9,0x313,0x3a9,0x314,0x3a9,0x313,0x300,
    0x3a9,0x314,0x300,0x3a9,0x313,0x301,0x3a9,0x314,0x301,0x3a9,
    0x313,0x342,0x3a9,0x314,0x342,0x3b1,0x300,0x3b1,0x301,0x3b5,
    0x300,0x3b5,0x301,0x3b7,0x300,0x3b7,0x301,0x3b9,0x300,0x3b9,
    0x301,0x3bf,0x300,0x3bf,0x301,0x3c5,0x300,0x3c5,0x301,0x3c9,
    0x300,0x3c9,0x301,0x3b1,0x313,0x345,0x3b1,0x314,0x345,0x3b1,
    0x313,0x300,0x345,0x3b1,0x314,0x300,0x345,0x3b1,0x313,0x301,
    0x345,0x3b1,0x314,0x301,0x345,0x3b1,0x313,0x342,0x345,0x3b1,
    0x314,0x342,0x345,0x391,0x313,0x345,0x391,0x314,0x345,0x391,
    0x313,0x300,0x345,0x391,0x314,0x300,0x345,0x391,0x313,0x301,
    0x345,0x391,0x314,0x301,0x345,0x391,0x313,0x342,0x345,0x391,
    0x314,0x342,0x345,0x3b7,0x313,0x345,0x3b7,0x314,0x345,0x3b7,
    0x313,0x300,0x345,0x3b7,0x314,0x300,0x345,0x3b7,0x313,0x301,
    0x345,0x3b7,0x314,0x301,0x345,0x3b7,0x313,0x342,0x345,0x3b7,
    0x314,0x342,0x345,0x397,0x313,0x345,0x397,0x314,0x345,0x397,
    0x313,0x300,0x345,0x397,0x314,0x300,0x345,0x397,0x313,0x301,
    0x345,0x397,0x314,0x301,0x345,0x397,0x313,0x342,0x345,0x397,
    0x314,0x342,0x345,0x3c9,0x313,0x345,0x3c9,0x314,0x345,0x3c9,
    0x313,0x300,0x345,0x3c9,0x314,0x300,0x345,0x3c9,0x313,0x301,
    0x345,0x3c9,0x314,0x301,0x345,0x3c9,0x313,0x342,0x345,0x3c9,
    0x314,0x342,0x345,0x3a9,0x313,0x345,0x3a9,0x314,0x345,0x3a9,
    0x313,0x300,0x345,0x3a9,0x314,0x300,0x345,0x3a9,0x313,0x301,
    0x345,0x3a9,0x314,0x301,0x345,0x3a9,0x313,0x342,0x345,0x3a9,
    0x314,0x342,0x345,0x3b1,0x306,0x3b1,0x304,0x3b1,0x300,0x345,
    0x3b1,0x345,0x3b1,0x301,0x345,0x3b1,0x342,0x3b1,0x342,0x345,
    0x391,0x306,0x391,0x304,0x391,0x300,0x391,0x301,0x391,0x345,
    0x3b9,0xa8,0x342,0x3b7,0x300,0x345,0x3b7,0x345,0x3b7,0x301,
    0x345,0x3b7,0x342,0x3b7,0x342,0x345,0x395,0x300,0x395,0x301,
    0x397,0x300,0x397,0x301,0x397,0x345,0x1fbf,0x300,0x1fbf,0x301,
    0x1fbf,0x342,0x3b9,0x306,0x3b9,0x304,0x3b9,0x308,0x300,0x3b9,
    0x308,0x301,0x3b9,0x342,0x3b9,0x308,0x342,0x399,0x306,0x399,
    0x304,0x399,0x300,0x399,0x301,0x1ffe,0x300,0x1ffe,0x301,0x1ffe,
    0x342,0x3c5,0x306,0x3c5,0x304,0x3c5,0x308,0x300,0x3c5,0x308,
    0x301,0x3c1,0x313,0x3c1,0x314,0x3c5,0x342,0x3c5,0x308,0x342,
    0x3a5,0x306,0x3a5,0x304,0x3a5,0x300,0x3a5,0x301,0x3a1,0x314,
    0xa8,0x300,0xa8,0x301,0x60,0x3c9,0x300,0x345,0x3c9,0x345,
    0x3c9,0x301,0x345,0x3c9,0x342,0x3c9,0x342,0x345,0x39f,0x300,
    0x39f,0x301,0x3a9,0x300,0x3a9,0x301,0x3a9,0x345,0xb4,0x2002,
    0x2003,0x3a9,0x4b,0x41,0x30a,0x2190,0x338,0x2192,0x338,0x2194,
    0x338,0x21d0,0x338,0x21d4,0x338,0x21d2,0x338,0x2203,0x338,0x2208,
    0x338,0x220b,0x338,0x2223,0x338,0x2225,0x338,0x223c,0x338,0x2243,
    0x338,0x2245,0x338,0x2248,0x338,0x3d,0x338,0x2261,0x338,0x224d,
    0x338,0x3c,0x338,0x3e,0x338,0x2264,0x338,0x2265,0x338,0x2272,
    0x338,0x2273,0x338,0x2276,0x338,0x2277,0x338,0x227a,0x338,0x227b,
    0x338,0x2282,0x338,0x2283,0x338,0x2286,0x338,0x2287,0x338,0x22a2,
    0x338,0x22a8,0x338,0x22a9,0x338,0x22ab,0x338,0x227c,0x338,0x227d,
    0x338,0x2291,0x338,0x2292,0x338,0x22b2,0x338,0x22b3,0x338,0x22b4,
    0x338,0x22b5,0x338,0x3008,0x3009,0x2add,0x338,0x304b,0x3099,0x304d,
    0x3099,0x304f,0x3099,0x3051,0x3099,0x3053,0x3099,0x3055,0x3099,0x3057,
    0x3099,0x3059,0x3099,0x305b,0x3099,0x305d,0x3099,0x305f,0x3099,0x3061,
    0x3099,0x3064,0x3099,0x3066,0x3099,0x3068,0x3099,0x306f,0x3099,0x306f,
    0x309a,0x3072,0x3099,0x3072,0x309a,0x3075,0x3099,0x3075,0x309a,0x3078,
    0x3099,0x3078,0x309a,0x307b,0x3099,0x307b,0x309a,0x3046,0x3099,0x309d,
    0x3099,0x30ab,0x3099,0x30ad,0x3099,0x30af,0x3099,0x30b1,0x3099,0x30b3,
    0x3099,0x30b5,0x3099,0x30b7,0x3099,0x30b9,0x3099,0x30bb,0x3099,0x30bd,
    0x3099,0x30bf,0x3099,0x30c1,0x3099,0x30c4,0x3099,0x30c6,0x3099,0x30c8,
    0x3099,0x30cf,0x3099,0x30cf,0x309a,0x30d2,0x3099,0x30d2,0x309a,0x30d5,
    0x3099,0x30d5,0x309a,0x30d8,0x3099,0x30d8,0x309a,0x30db,0x3099,0x30db,
    0x309a,0x30a6,0x3099,0x30ef,0x3099,0x30f0,0x3099,0x30f1,0x3099,0x30f2,
    0x3099,0x30fd,0x3099,0x8c48,0x66f4,0x8eca,0x8cc8,0x6ed1,0x4e32,0x53e5,
    0x9f9c,0x9f9c,0x5951,0x91d1,0x5587,0x5948,0x61f6,0x7669,0x7f85,0x863f,
    0x87ba,0x88f8,0x908f,0x6a02,0x6d1b,0x70d9,0x73de,0x843d,0x916a,0x99f1,
    0x4e82,0x5375,0x6b04,0x721b,0x862d,0x9e1e,0x5d50,0x6feb,0x85cd,0x8964,
    0x62c9,0x81d8,0x881f,0x5eca,0x6717,0x6d6a,0x72fc,0x90ce,0x4f86,0x51b7,
    0x52de,0x64c4,0x6ad3,0x7210,0x76e7,0x8001,0x8606,0x865c,0x8def,0x9732,
    0x9b6f,0x9dfa,0x788c,0x797f,0x7da0,0x83c9,0x9304,0x9e7f,0x8ad6,0x58df,
    0x5f04,0x7c60,0x807e,0x7262,0x78ca,0x8cc2,0x96f7,0x58d8,0x5c62,0x6a13,
    0x6dda,0x6f0f,0x7d2f,0x7e37,0x964b,0x52d2,0x808b,0x51dc,0x51cc,0x7a1c,
    0x7dbe,0x83f1,0x9675,0x8b80,0x62cf,0x6a02,0x8afe,0x4e39,0x5be7,0x6012,
    0x7387,0x7570,0x5317,0x78fb,0x4fbf,0x5fa9,0x4e0d,0x6ccc,0x6578,0x7d22,
    0x53c3,0x585e,0x7701,0x8449,0x8aaa,0x6bba,0x8fb0,0x6c88,0x62fe,0x82e5,
    0x63a0,0x7565,0x4eae,0x5169,0x51c9,0x6881,0x7ce7,0x826f,0x8ad2,0x91cf,
    0x52f5,0x5442,0x5973,0x5eec,0x65c5,0x6ffe,0x792a,0x95ad,0x9a6a,0x9e97,
    0x9ece,0x529b,0x66c6,0x6b77,0x8f62,0x5e74,0x6190,0x6200,0x649a,0x6f23,
    0x7149,0x7489,0x79ca,0x7df4,0x806f,0x8f26,0x84ee,0x9023,0x934a,0x5217,
    0x52a3,0x54bd,0x70c8,0x88c2,0x8aaa,0x5ec9,0x5ff5,0x637b,0x6bae,0x7c3e,
    0x7375,0x4ee4,0x56f9,0x5be7,0x5dba,0x601c,0x73b2,0x7469,0x7f9a,0x8046,
    0x9234,0x96f6,0x9748,0x9818,0x4f8b,0x79ae,0x91b4,0x96b8,0x60e1,0x4e86,
    0x50da,0x5bee,0x5c3f,0x6599,0x6a02,0x71ce,0x7642,0x84fc,0x907c,0x9f8d,
    0x6688,0x962e,0x5289,0x677b,0x67f3,0x6d41,0x6e9c,0x7409,0x7559,0x786b,
    0x7d10,0x985e,0x516d,0x622e,0x9678,0x502b,0x5d19,0x6dea,0x8f2a,0x5f8b,
    0x6144,0x6817,0x7387,0x9686,0x5229,0x540f,0x5c65,0x6613,0x674e,0x68a8,
    0x6ce5,0x7406,0x75e2,0x7f79,0x88cf,0x88e1,0x91cc,0x96e2,0x533f,0x6eba,
    0x541d,0x71d0,0x7498,0x85fa,0x96a3,0x9c57,0x9e9f,0x6797,0x6dcb,0x81e8,
    0x7acb,0x7b20,0x7c92,0x72c0,0x7099,0x8b58,0x4ec0,0x8336,0x523a,0x5207,
    0x5ea6,0x62d3,0x7cd6,0x5b85,0x6d1e,0x66b4,0x8f3b,0x884c,0x964d,0x898b,
    0x5ed3,0x5140,0x55c0,0x585a,0x6674,0x51de,0x732a,0x76ca,0x793c,0x795e,
    0x7965,0x798f,0x9756,0x7cbe,0x7fbd,0x8612,0x8af8,0x9038,0x90fd,0x98ef,
    0x98fc,0x9928,0x9db4,0x90de,0x96b7,0x4fae,0x50e7,0x514d,0x52c9,0x52e4,
    0x5351,0x559d,0x5606,0x5668,0x5840,0x58a8,0x5c64,0x5c6e,0x6094,0x6168,
    0x618e,0x61f2,0x654f,0x65e2,0x6691,0x6885,0x6d77,0x6e1a,0x6f22,0x716e,
    0x722b,0x7422,0x7891,0x793e,0x7949,0x7948,0x7950,0x7956,0x795d,0x798d,
    0x798e,0x7a40,0x7a81,0x7bc0,0x7df4,0x7e09,0x7e41,0x7f72,0x8005,0x81ed,
    0x8279,0x8279,0x8457,0x8910,0x8996,0x8b01,0x8b39,0x8cd3,0x8d08,0x8fb6,
    0x9038,0x96e3,0x97ff,0x983b,0x6075,0x242ee,0x8218,0x4e26,0x51b5,0x5168,
    0x4f80,0x5145,0x5180,0x52c7,0x52fa,0x559d,0x5555,0x5599,0x55e2,0x585a,
    0x58b3,0x5944,0x5954,0x5a62,0x5b28,0x5ed2,0x5ed9,0x5f69,0x5fad,0x60d8,
    0x614e,0x6108,0x618e,0x6160,0x61f2,0x6234,0x63c4,0x641c,0x6452,0x6556,
    0x6674,0x6717,0x671b,0x6756,0x6b79,0x6bba,0x6d41,0x6edb,0x6ecb,0x6f22,
    0x701e,0x716e,0x77a7,0x7235,0x72af,0x732a,0x7471,0x7506,0x753b,0x761d,
    0x761f,0x76ca,0x76db,0x76f4,0x774a,0x7740,0x78cc,0x7ab1,0x7bc0,0x7c7b,
    0x7d5b,0x7df4,0x7f3e,0x8005,0x8352,0x83ef,0x8779,0x8941,0x8986,0x8996,
    0x8abf,0x8af8,0x8acb,0x8b01,0x8afe,0x8aed,0x8b39,0x8b8a,0x8d08,0x8f38,
    0x9072,0x9199,0x9276,0x967c,0x96e3,0x9756,0x97db,0x97ff,0x980b,0x983b,
    0x9b12,0x9f9c,0x2284a,0x22844,0x233d5,0x3b9d,0x4018,0x4039,0x25249,0x25cd0,
    0x27ed3,0x9f43,0x9f8e,0x5d9,0x5b4,0x5f2,0x5b7,0x5e9,0x5c1,0x5e9,
    0x5c2,0x5e9,0x5bc,0x5c1,0x5e9,0x5bc,0x5c2,0x5d0,0x5b7,0x5d0,
    0x5b8,0x5d0,0x5bc,0x5d1,0x5bc,0x5d2,0x5bc,0x5d3,0x5bc,0x5d4,
    0x5bc,0x5d5,0x5bc,0x5d6,0x5bc,0x5d8,0x5bc,0x5d9,0x5bc,0x5da,
    0x5bc,0x5db,0x5bc,0x5dc,0x5bc,0x5de,0x5bc,0x5e0,0x5bc,0x5e1,
    0x5bc,0x5e3,0x5bc,0x5e4,0x5bc,0x5e6,0x5bc,0x5e7,0x5bc,0x5e8,
    0x5bc,0x5e9,0x5bc,0x5ea,0x5bc,0x5d5,0x5b9,0x5d1,0x5bf,0x5db,
    0x5bf,0x5e4,0x5bf,0x11099,0x110ba,0x1109b,0x110ba,0x110a5,0x110ba,0x11131,
    0x11127,0x11132,0x11127,0x11347,0x1133e,0x11347,0x11357,0x114b9,0x114ba,0x114b9,
    0x114b0,0x114b9,0x114bd,0x115b8,0x115af,0x115b9,0x115af,0x1d157,0x1d165,0x1d158,
    0x1d165,0x1d158,0x1d165,0x1d16e,0x1d158,0x1d165,0x1d16f,0x1d158,0x1d165,0x1d170,
    0x1d158,0x1d165,0x1d171,0x1d158,0x1d165,0x1d172,0x1d1b9,0x1d165,0x1d1ba,0x1d165,
    0x1d1b9,0x1d165,0x1d16e,0x1d1ba,0x1d165,0x1d16e,0x1d1b9,0x1d165,0x1d16f,0x1d1ba,
    0x1d165,0x1d16f,0x4e3d,0x4e38,0x4e41,0x20122,0x4f60,0x4fae,0x4fbb,0x5002,
    0x507a,0x5099,0x50e7,0x50cf,0x349e,0x2063a,0x514d,0x5154,0x5164,0x5177,
    0x2051c,0x34b9,0x5167,0x518d,0x2054b,0x5197,0x51a4,0x4ecc,0x51ac,0x51b5,
    0x291df,0x51f5,0x5203,0x34df,0x523b,0x5246,0x5272,0x5277,0x3515,0x52c7,
    0x52c9,0x52e4,0x52fa,0x5305,0x5306,0x5317,0x5349,0x5351,0x535a,0x5373,
    0x537d,0x537f,0x537f,0x537f,0x20a2c,0x7070,0x53ca,0x53df,0x20b63,0x53eb,
    0x53f1,0x5406,0x549e,0x5438,0x5448,0x5468,0x54a2,0x54f6,0x5510,0x5553,
    0x5563,0x5584,0x5584,0x5599,0x55ab,0x55b3,0x55c2,0x5716,0x5606,0x5717,
    0x5651,0x5674,0x5207,0x58ee,0x57ce,0x57f4,0x580d,0x578b,0x5832,0x5831,
    0x58ac,0x214e4,0x58f2,0x58f7,0x5906,0x591a,0x5922,0x5962,0x216a8,0x216ea,
    0x59ec,0x5a1b,0x5a27,0x59d8,0x5a66,0x36ee,0x36fc,0x5b08,0x5b3e,0x5b3e,
    0x219c8,0x5bc3,0x5bd8,0x5be7,0x5bf3,0x21b18,0x5bff,0x5c06,0x5f53,0x5c22,
    0x3781,0x5c60,0x5c6e,0x5cc0,0x5c8d,0x21de4,0x5d43,0x21de6,0x5d6e,0x5d6b,
    0x5d7c,0x5de1,0x5de2,0x382f,0x5dfd,0x5e28,0x5e3d,0x5e69,0x3862,0x22183,
    0x387c,0x5eb0,0x5eb3,0x5eb6,0x5eca,0x2a392,0x5efe,0x22331,0x22331,0x8201,
    0x5f22,0x5f22,0x38c7,0x232b8,0x261da,0x5f62,0x5f6b,0x38e3,0x5f9a,0x5fcd,
    0x5fd7,0x5ff9,0x6081,0x393a,0x391c,0x6094,0x226d4,0x60c7,0x6148,0x614c,
    0x614e,0x614c,0x617a,0x618e,0x61b2,0x61a4,0x61af,0x61de,0x61f2,0x61f6,
    0x6210,0x621b,0x625d,0x62b1,0x62d4,0x6350,0x22b0c,0x633d,0x62fc,0x6368,
    0x6383,0x63e4,0x22bf1,0x6422,0x63c5,0x63a9,0x3a2e,0x6469,0x647e,0x649d,
    0x6477,0x3a6c,0x654f,0x656c,0x2300a,0x65e3,0x66f8,0x6649,0x3b19,0x6691,
    0x3b08,0x3ae4,0x5192,0x5195,0x6700,0x669c,0x80ad,0x43d9,0x6717,0x671b,
    0x6721,0x675e,0x6753,0x233c3,0x3b49,0x67fa,0x6785,0x6852,0x6885,0x2346d,
    0x688e,0x681f,0x6914,0x3b9d,0x6942,0x69a3,0x69ea,0x6aa8,0x236a3,0x6adb,
    0x3c18,0x6b21,0x238a7,0x6b54,0x3c4e,0x6b72,0x6b9f,0x6bba,0x6bbb,0x23a8d,
    0x21d0b,0x23afa,0x6c4e,0x23cbc,0x6cbf,0x6ccd,0x6c67,0x6d16,0x6d3e,0x6d77,
    0x6d41,0x6d69,0x6d78,0x6d85,0x23d1e,0x6d34,0x6e2f,0x6e6e,0x3d33,0x6ecb,
    0x6ec7,0x23ed1,0x6df9,0x6f6e,0x23f5e,0x23f8e,0x6fc6,0x7039,0x701e,0x701b,
    0x3d96,0x704a,0x707d,0x7077,0x70ad,0x20525,0x7145,0x24263,0x719c,0x243ab,
    0x7228,0x7235,0x7250,0x24608,0x7280,0x7295,0x24735,0x24814,0x737a,0x738b,
    0x3eac,0x73a5,0x3eb8,0x3eb8,0x7447,0x745c,0x7471,0x7485,0x74ca,0x3f1b,
    0x7524,0x24c36,0x753e,0x24c92,0x7570,0x2219f,0x7610,0x24fa1,0x24fb8,0x25044,
    0x3ffc,0x4008,0x76f4,0x250f3,0x250f2,0x25119,0x25133,0x771e,0x771f,0x771f,
    0x774a,0x4039,0x778b,0x4046,0x4096,0x2541d,0x784e,0x788c,0x78cc,0x40e3,
    0x25626,0x7956,0x2569a,0x256c5,0x798f,0x79eb,0x412f,0x7a40,0x7a4a,0x7a4f,
    0x2597c,0x25aa7,0x25aa7,0x7aee,0x4202,0x25bab,0x7bc6,0x7bc9,0x4227,0x25c80,
    0x7cd2,0x42a0,0x7ce8,0x7ce3,0x7d00,0x25f86,0x7d63,0x4301,0x7dc7,0x7e02,
    0x7e45,0x4334,0x26228,0x26247,0x4359,0x262d9,0x7f7a,0x2633e,0x7f95,0x7ffa,
    0x8005,0x264da,0x26523,0x8060,0x265a8,0x8070,0x2335f,0x43d5,0x80b2,0x8103,
    0x440b,0x813e,0x5ab5,0x267a7,0x267b5,0x23393,0x2339c,0x8201,0x8204,0x8f9e,
    0x446b,0x8291,0x828b,0x829d,0x52b3,0x82b1,0x82b3,0x82bd,0x82e6,0x26b3c,
    0x82e5,0x831d,0x8363,0x83ad,0x8323,0x83bd,0x83e7,0x8457,0x8353,0x83ca,
    0x83cc,0x83dc,0x26c36,0x26d6b,0x26cd5,0x452b,0x84f1,0x84f3,0x8516,0x273ca,
    0x8564,0x26f2c,0x455d,0x4561,0x26fb1,0x270d2,0x456b,0x8650,0x865c,0x8667,
    0x8669,0x86a9,0x8688,0x870e,0x86e2,0x8779,0x8728,0x876b,0x8786,0x45d7,
    0x87e1,0x8801,0x45f9,0x8860,0x8863,0x27667,0x88d7,0x88de,0x4635,0x88fa,
    0x34bb,0x278ae,0x27966,0x46be,0x46c7,0x8aa0,0x8aed,0x8b8a,0x8c55,0x27ca8,
    0x8cab,0x8cc1,0x8d1b,0x8d77,0x27f2f,0x20804,0x8dcb,0x8dbc,0x8df0,0x208de,
    0x8ed4,0x8f38,0x285d2,0x285ed,0x9094,0x90f1,0x9111,0x2872e,0x911b,0x9238,
    0x92d7,0x92d8,0x927c,0x93f9,0x9415,0x28bfa,0x958b,0x4995,0x95b7,0x28d77,
    0x49e6,0x96c3,0x5db2,0x9723,0x29145,0x2921a,0x4a6e,0x4a76,0x97e0,0x2940a,
    0x4ab2,0x29496,0x980b,0x980b,0x9829,0x295b6,0x98e2,0x4b33,0x9929,0x99a7,
    0x99c2,0x99fe,0x4bce,0x29b30,0x9b12,0x9c40,0x9cfd,0x4cce,0x4ced,0x9d67,
    0x2a0ce,0x4cf8,0x2a105,0x2a20e,0x2a291,0x9ebb,0x4d56,0x9ef9,0x9efe,0x9f05,
    0x9f0f,0x9f16,0x9f3b,0x2a600,
};

/* Primary composites: ld__ucomp_key[k] = (first << 21) | second, sorted,
   and ld__ucomp_val[k] the character the pair composes to. */
static const uint64_t ld__ucomp_key[940] = {
    0x7800338ull,0x7a00338ull,0x7c00338ull,0x8200300ull,0x8200301ull,0x8200302ull,
    0x8200303ull,0x8200304ull,0x8200306ull,0x8200307ull,0x8200308ull,0x8200309ull,
    0x820030aull,0x820030cull,0x820030full,0x8200311ull,0x8200323ull,0x8200325ull,
    0x8200328ull,0x8400307ull,0x8400323ull,0x8400331ull,0x8600301ull,0x8600302ull,
    0x8600307ull,0x860030cull,0x8600327ull,0x8800307ull,0x880030cull,0x8800323ull,
    0x8800327ull,0x880032dull,0x8800331ull,0x8a00300ull,0x8a00301ull,0x8a00302ull,
    0x8a00303ull,0x8a00304ull,0x8a00306ull,0x8a00307ull,0x8a00308ull,0x8a00309ull,
    0x8a0030cull,0x8a0030full,0x8a00311ull,0x8a00323ull,0x8a00327ull,0x8a00328ull,
    0x8a0032dull,0x8a00330ull,0x8c00307ull,0x8e00301ull,0x8e00302ull,0x8e00304ull,
    0x8e00306ull,0x8e00307ull,0x8e0030cull,0x8e00327ull,0x9000302ull,0x9000307ull,
    0x9000308ull,0x900030cull,0x9000323ull,0x9000327ull,0x900032eull,0x9200300ull,
    0x9200301ull,0x9200302ull,0x9200303ull,0x9200304ull,0x9200306ull,0x9200307ull,
    0x9200308ull,0x9200309ull,0x920030cull,0x920030full,0x9200311ull,0x9200323ull,
    0x9200328ull,0x9200330ull,0x9400302ull,0x9600301ull,0x960030cull,0x9600323ull,
    0x9600327ull,0x9600331ull,0x9800301ull,0x980030cull,0x9800323ull,0x9800327ull,
    0x980032dull,0x9800331ull,0x9a00301ull,0x9a00307ull,0x9a00323ull,0x9c00300ull,
    0x9c00301ull,0x9c00303ull,0x9c00307ull,0x9c0030cull,0x9c00323ull,0x9c00327ull,
    0x9c0032dull,0x9c00331ull,0x9e00300ull,0x9e00301ull,0x9e00302ull,0x9e00303ull,
    0x9e00304ull,0x9e00306ull,0x9e00307ull,0x9e00308ull,0x9e00309ull,0x9e0030bull,
    0x9e0030cull,0x9e0030full,0x9e00311ull,0x9e0031bull,0x9e00323ull,0x9e00328ull,
    0xa000301ull,0xa000307ull,0xa400301ull,0xa400307ull,0xa40030cull,0xa40030full,
    0xa400311ull,0xa400323ull,0xa400327ull,0xa400331ull,0xa600301ull,0xa600302ull,
    0xa600307ull,0xa60030cull,0xa600323ull,0xa600326ull,0xa600327ull,0xa800307ull,
    0xa80030cull,0xa800323ull,0xa800326ull,0xa800327ull,0xa80032dull,0xa800331ull,
    0xaa00300ull,0xaa00301ull,0xaa00302ull,0xaa00303ull,0xaa00304ull,0xaa00306ull,
    0xaa00308ull,0xaa00309ull,0xaa0030aull,0xaa0030bull,0xaa0030cull,0xaa0030full,
    0xaa00311ull,0xaa0031bull,0xaa00323ull,0xaa00324ull,0xaa00328ull,0xaa0032dull,
    0xaa00330ull,0xac00303ull,0xac00323ull,0xae00300ull,0xae00301ull,0xae00302ull,
    0xae00307ull,0xae00308ull,0xae00323ull,0xb000307ull,0xb000308ull,0xb200300ull,
    0xb200301ull,0xb200302ull,0xb200303ull,0xb200304ull,0xb200307ull,0xb200308ull,
    0xb200309ull,0xb200323ull,0xb400301ull,0xb400302ull,0xb400307ull,0xb40030cull,
    0xb400323ull,0xb400331ull,0xc200300ull,0xc200301ull,0xc200302ull,0xc200303ull,
    0xc200304ull,0xc200306ull,0xc200307ull,0xc200308ull,0xc200309ull,0xc20030aull,
    0xc20030cull,0xc20030full,0xc200311ull,0xc200323ull,0xc200325ull,0xc200328ull,
    0xc400307ull,0xc400323ull,0xc400331ull,0xc600301ull,0xc600302ull,0xc600307ull,
    0xc60030cull,0xc600327ull,0xc800307ull,0xc80030cull,0xc800323ull,0xc800327ull,
    0xc80032dull,0xc800331ull,0xca00300ull,0xca00301ull,0xca00302ull,0xca00303ull,
    0xca00304ull,0xca00306ull,0xca00307ull,0xca00308ull,0xca00309ull,0xca0030cull,
    0xca0030full,0xca00311ull,0xca00323ull,0xca00327ull,0xca00328ull,0xca0032dull,
    0xca00330ull,0xcc00307ull,0xce00301ull,0xce00302ull,0xce00304ull,0xce00306ull,
    0xce00307ull,0xce0030cull,0xce00327ull,0xd000302ull,0xd000307ull,0xd000308ull,
    0xd00030cull,0xd000323ull,0xd000327ull,0xd00032eull,0xd000331ull,0xd200300ull,
    0xd200301ull,0xd200302ull,0xd200303ull,0xd200304ull,0xd200306ull,0xd200308ull,
    0xd200309ull,0xd20030cull,0xd20030full,0xd200311ull,0xd200323ull,0xd200328ull,
    0xd200330ull,0xd400302ull,0xd40030cull,0xd600301ull,0xd60030cull,0xd600323ull,
    0xd600327ull,0xd600331ull,0xd800301ull,0xd80030cull,0xd800323ull,0xd800327ull,
    0xd80032dull,0xd800331ull,0xda00301ull,0xda00307ull,0xda00323ull,0xdc00300ull,
    0xdc00301ull,0xdc00303ull,0xdc00307ull,0xdc0030cull,0xdc00323ull,0xdc00327ull,
    0xdc0032dull,0xdc00331ull,0xde00300ull,0xde00301ull,0xde00302ull,0xde00303ull,
    0xde00304ull,0xde00306ull,0xde00307ull,0xde00308ull,0xde00309ull,0xde0030bull,
    0xde0030cull,0xde0030full,0xde00311ull,0xde0031bull,0xde00323ull,0xde00328ull,
    0xe000301ull,0xe000307ull,0xe400301ull,0xe400307ull,0xe40030cull,0xe40030full,
    0xe400311ull,0xe400323ull,0xe400327ull,0xe400331ull,0xe600301ull,0xe600302ull,
    0xe600307ull,0xe60030cull,0xe600323ull,0xe600326ull,0xe600327ull,0xe800307ull,
    0xe800308ull,0xe80030cull,0xe800323ull,0xe800326ull,0xe800327ull,0xe80032dull,
    0xe800331ull,0xea00300ull,0xea00301ull,0xea00302ull,0xea00303ull,0xea00304ull,
    0xea00306ull,0xea00308ull,0xea00309ull,0xea0030aull,0xea0030bull,0xea0030cull,
    0xea0030full,0xea00311ull,0xea0031bull,0xea00323ull,0xea00324ull,0xea00328ull,
    0xea0032dull,0xea00330ull,0xec00303ull,0xec00323ull,0xee00300ull,0xee00301ull,
    0xee00302ull,0xee00307ull,0xee00308ull,0xee0030aull,0xee00323ull,0xf000307ull,
    0xf000308ull,0xf200300ull,0xf200301ull,0xf200302ull,0xf200303ull,0xf200304ull,
    0xf200307ull,0xf200308ull,0xf200309ull,0xf20030aull,0xf200323ull,0xf400301ull,
    0xf400302ull,0xf400307ull,0xf40030cull,0xf400323ull,0xf400331ull,0x15000300ull,
    0x15000301ull,0x15000342ull,0x18400300ull,0x18400301ull,0x18400303ull,0x18400309ull,
    0x18800304ull,0x18a00301ull,0x18c00301ull,0x18c00304ull,0x18e00301ull,0x19400300ull,
    0x19400301ull,0x19400303ull,0x19400309ull,0x19e00301ull,0x1a800300ull,0x1a800301ull,
    0x1a800303ull,0x1a800309ull,0x1aa00301ull,0x1aa00304ull,0x1aa00308ull,0x1ac00304ull,
    0x1b000301ull,0x1b800300ull,0x1b800301ull,0x1b800304ull,0x1b80030cull,0x1c400300ull,
    0x1c400301ull,0x1c400303ull,0x1c400309ull,0x1c800304ull,0x1ca00301ull,0x1cc00301ull,
    0x1cc00304ull,0x1ce00301ull,0x1d400300ull,0x1d400301ull,0x1d400303ull,0x1d400309ull,
    0x1de00301ull,0x1e800300ull,0x1e800301ull,0x1e800303ull,0x1e800309ull,0x1ea00301ull,
    0x1ea00304ull,0x1ea00308ull,0x1ec00304ull,0x1f000301ull,0x1f800300ull,0x1f800301ull,
    0x1f800304ull,0x1f80030cull,0x20400300ull,0x20400301ull,0x20400303ull,0x20400309ull,
    0x20600300ull,0x20600301ull,0x20600303ull,0x20600309ull,0x22400300ull,0x22400301ull,
    0x22600300ull,0x22600301ull,0x29800300ull,0x29800301ull,0x29a00300ull,0x29a00301ull,
    0x2b400307ull,0x2b600307ull,0x2c000307ull,0x2c200307ull,0x2d000301ull,0x2d200301ull,
    0x2d400308ull,0x2d600308ull,0x2fe00307ull,0x34000300ull,0x34000301ull,0x34000303ull,
    0x34000309ull,0x34000323ull,0x34200300ull,0x34200301ull,0x34200303ull,0x34200309ull,
    0x34200323ull,0x35e00300ull,0x35e00301ull,0x35e00303ull,0x35e00309ull,0x35e00323ull,
    0x36000300ull,0x36000301ull,0x36000303ull,0x36000309ull,0x36000323ull,0x36e0030cull,
    0x3d400304ull,0x3d600304ull,0x44c00304ull,0x44e00304ull,0x45000306ull,0x45200306ull,
    0x45c00304ull,0x45e00304ull,0x5240030cull,0x72200300ull,0x72200301ull,0x72200304ull,
    0x72200306ull,0x72200313ull,0x72200314ull,0x72200345ull,0x72a00300ull,0x72a00301ull,
    0x72a00313ull,0x72a00314ull,0x72e00300ull,0x72e00301ull,0x72e00313ull,0x72e00314ull,
    0x72e00345ull,0x73200300ull,0x73200301ull,0x73200304ull,0x73200306ull,0x73200308ull,
    0x73200313ull,0x73200314ull,0x73e00300ull,0x73e00301ull,0x73e00313ull,0x73e00314ull,
    0x74200314ull,0x74a00300ull,0x74a00301ull,0x74a00304ull,0x74a00306ull,0x74a00308ull,
    0x74a00314ull,0x75200300ull,0x75200301ull,0x75200313ull,0x75200314ull,0x75200345ull,
    0x75800345ull,0x75c00345ull,0x76200300ull,0x76200301ull,0x76200304ull,0x76200306ull,
    0x76200313ull,0x76200314ull,0x76200342ull,0x76200345ull,0x76a00300ull,0x76a00301ull,
    0x76a00313ull,0x76a00314ull,0x76e00300ull,0x76e00301ull,0x76e00313ull,0x76e00314ull,
    0x76e00342ull,0x76e00345ull,0x77200300ull,0x77200301ull,0x77200304ull,0x77200306ull,
    0x77200308ull,0x77200313ull,0x77200314ull,0x77200342ull,0x77e00300ull,0x77e00301ull,
    0x77e00313ull,0x77e00314ull,0x78200313ull,0x78200314ull,0x78a00300ull,0x78a00301ull,
    0x78a00304ull,0x78a00306ull,0x78a00308ull,0x78a00313ull,0x78a00314ull,0x78a00342ull,
    0x79200300ull,0x79200301ull,0x79200313ull,0x79200314ull,0x79200342ull,0x79200345ull,
    0x79400300ull,0x79400301ull,0x79400342ull,0x79600300ull,0x79600301ull,0x79600342ull,
    0x79c00345ull,0x7a400301ull,0x7a400308ull,0x80c00308ull,0x82000306ull,0x82000308ull,
    0x82600301ull,0x82a00300ull,0x82a00306ull,0x82a00308ull,0x82c00306ull,0x82c00308ull,
    0x82e00308ull,0x83000300ull,0x83000304ull,0x83000306ull,0x83000308ull,0x83400301ull,
    0x83c00308ull,0x84600304ull,0x84600306ull,0x84600308ull,0x8460030bull,0x84e00308ull,
    0x85600308ull,0x85a00308ull,0x86000306ull,0x86000308ull,0x86600301ull,0x86a00300ull,
    0x86a00306ull,0x86a00308ull,0x86c00306ull,0x86c00308ull,0x86e00308ull,0x87000300ull,
    0x87000304ull,0x87000306ull,0x87000308ull,0x87400301ull,0x87c00308ull,0x88600304ull,
    0x88600306ull,0x88600308ull,0x8860030bull,0x88e00308ull,0x89600308ull,0x89a00308ull,
    0x8ac00308ull,0x8e80030full,0x8ea0030full,0x9b000308ull,0x9b200308ull,0x9d000308ull,
    0x9d200308ull,0xc4e00653ull,0xc4e00654ull,0xc4e00655ull,0xc9000654ull,0xc9400654ull,
    0xd8200654ull,0xda400654ull,0xdaa00654ull,0x12500093cull,0x12600093cull,0x12660093cull,
    0x138e009beull,0x138e009d7ull,0x168e00b3eull,0x168e00b56ull,0x168e00b57ull,0x172400bd7ull,
    0x178c00bbeull,0x178c00bd7ull,0x178e00bbeull,0x188c00c56ull,0x197e00cd5ull,0x198c00cc2ull,
    0x198c00cd5ull,0x198c00cd6ull,0x199400cd5ull,0x1a8c00d3eull,0x1a8c00d57ull,0x1a8e00d3eull,
    0x1bb200dcaull,0x1bb200dcfull,0x1bb200ddfull,0x1bb800dcaull,0x204a0102eull,0x360a01b35ull,
    0x360e01b35ull,0x361201b35ull,0x361601b35ull,0x361a01b35ull,0x362201b35ull,0x367401b35ull,
    0x367801b35ull,0x367c01b35ull,0x367e01b35ull,0x368401b35ull,0x3c6c00304ull,0x3c6e00304ull,
    0x3cb400304ull,0x3cb600304ull,0x3cc400307ull,0x3cc600307ull,0x3d4000302ull,0x3d4000306ull,
    0x3d4200302ull,0x3d4200306ull,0x3d7000302ull,0x3d7200302ull,0x3d9800302ull,0x3d9a00302ull,
    0x3e0000300ull,0x3e0000301ull,0x3e0000342ull,0x3e0000345ull,0x3e0200300ull,0x3e0200301ull,
    0x3e0200342ull,0x3e0200345ull,0x3e0400345ull,0x3e0600345ull,0x3e0800345ull,0x3e0a00345ull,
    0x3e0c00345ull,0x3e0e00345ull,0x3e1000300ull,0x3e1000301ull,0x3e1000342ull,0x3e1000345ull,
    0x3e1200300ull,0x3e1200301ull,0x3e1200342ull,0x3e1200345ull,0x3e1400345ull,0x3e1600345ull,
    0x3e1800345ull,0x3e1a00345ull,0x3e1c00345ull,0x3e1e00345ull,0x3e2000300ull,0x3e2000301ull,
    0x3e2200300ull,0x3e2200301ull,0x3e3000300ull,0x3e3000301ull,0x3e3200300ull,0x3e3200301ull,
    0x3e4000300ull,0x3e4000301ull,0x3e4000342ull,0x3e4000345ull,0x3e4200300ull,0x3e4200301ull,
    0x3e4200342ull,0x3e4200345ull,0x3e4400345ull,0x3e4600345ull,0x3e4800345ull,0x3e4a00345ull,
    0x3e4c00345ull,0x3e4e00345ull,0x3e5000300ull,0x3e5000301ull,0x3e5000342ull,0x3e5000345ull,
    0x3e5200300ull,0x3e5200301ull,0x3e5200342ull,0x3e5200345ull,0x3e5400345ull,0x3e5600345ull,
    0x3e5800345ull,0x3e5a00345ull,0x3e5c00345ull,0x3e5e00345ull,0x3e6000300ull,0x3e6000301ull,
    0x3e6000342ull,0x3e6200300ull,0x3e6200301ull,0x3e6200342ull,0x3e7000300ull,0x3e7000301ull,
    0x3e7000342ull,0x3e7200300ull,0x3e7200301ull,0x3e7200342ull,0x3e8000300ull,0x3e8000301ull,
    0x3e8200300ull,0x3e8200301ull,0x3e9000300ull,0x3e9000301ull,0x3e9200300ull,0x3e9200301ull,
    0x3ea000300ull,0x3ea000301ull,0x3ea000342ull,0x3ea200300ull,0x3ea200301ull,0x3ea200342ull,
    0x3eb200300ull,0x3eb200301ull,0x3eb200342ull,0x3ec000300ull,0x3ec000301ull,0x3ec000342ull,
    0x3ec000345ull,0x3ec200300ull,0x3ec200301ull,0x3ec200342ull,0x3ec200345ull,0x3ec400345ull,
    0x3ec600345ull,0x3ec800345ull,0x3eca00345ull,0x3ecc00345ull,0x3ece00345ull,0x3ed000300ull,
    0x3ed000301ull,0x3ed000342ull,0x3ed000345ull,0x3ed200300ull,0x3ed200301ull,0x3ed200342ull,
    0x3ed200345ull,0x3ed400345ull,0x3ed600345ull,0x3ed800345ull,0x3eda00345ull,0x3edc00345ull,
    0x3ede00345ull,0x3ee000345ull,0x3ee800345ull,0x3ef800345ull,0x3f6c00345ull,0x3f7e00300ull,
    0x3f7e00301ull,0x3f7e00342ull,0x3f8c00345ull,0x3fec00345ull,0x3ffc00300ull,0x3ffc00301ull,
    0x3ffc00342ull,0x432000338ull,0x432400338ull,0x432800338ull,0x43a000338ull,0x43a400338ull,
    0x43a800338ull,0x440600338ull,0x441000338ull,0x441600338ull,0x444600338ull,0x444a00338ull,
    0x447800338ull,0x448600338ull,0x448a00338ull,0x449000338ull,0x449a00338ull,0x44c200338ull,
    0x44c800338ull,0x44ca00338ull,0x44e400338ull,0x44e600338ull,0x44ec00338ull,0x44ee00338ull,
    0x44f400338ull,0x44f600338ull,0x44f800338ull,0x44fa00338ull,0x450400338ull,0x450600338ull,
    0x450c00338ull,0x450e00338ull,0x452200338ull,0x452400338ull,0x454400338ull,0x455000338ull,
    0x455200338ull,0x455600338ull,0x456400338ull,0x456600338ull,0x456800338ull,0x456a00338ull,
    0x608c03099ull,0x609603099ull,0x609a03099ull,0x609e03099ull,0x60a203099ull,0x60a603099ull,
    0x60aa03099ull,0x60ae03099ull,0x60b203099ull,0x60b603099ull,0x60ba03099ull,0x60be03099ull,
    0x60c203099ull,0x60c803099ull,0x60cc03099ull,0x60d003099ull,0x60de03099ull,0x60de0309aull,
    0x60e403099ull,0x60e40309aull,0x60ea03099ull,0x60ea0309aull,0x60f003099ull,0x60f00309aull,
    0x60f603099ull,0x60f60309aull,0x613a03099ull,0x614c03099ull,0x615603099ull,0x615a03099ull,
    0x615e03099ull,0x616203099ull,0x616603099ull,0x616a03099ull,0x616e03099ull,0x617203099ull,
    0x617603099ull,0x617a03099ull,0x617e03099ull,0x618203099ull,0x618803099ull,0x618c03099ull,
    0x619003099ull,0x619e03099ull,0x619e0309aull,0x61a403099ull,0x61a40309aull,0x61aa03099ull,
    0x61aa0309aull,0x61b003099ull,0x61b00309aull,0x61b603099ull,0x61b60309aull,0x61de03099ull,
    0x61e003099ull,0x61e203099ull,0x61e403099ull,0x61fa03099ull,0x22132110baull,0x22136110baull,
    0x2214a110baull,0x2226211127ull,0x2226411127ull,0x2268e1133eull,0x2268e11357ull,0x22972114b0ull,
    0x22972114baull,0x22972114bdull,0x22b70115afull,0x22b72115afull,
};
static const uint32_t ld__ucomp_val[940] = {
    0x226e,0x2260,0x226f,0xc0,0xc1,0xc2,0xc3,0x100,0x102,0x226,
    0xc4,0x1ea2,0xc5,0x1cd,0x200,0x202,0x1ea0,0x1e00,0x104,0x1e02,
    0x1e04,0x1e06,0x106,0x108,0x10a,0x10c,0xc7,0x1e0a,0x10e,0x1e0c,
    0x1e10,0x1e12,0x1e0e,0xc8,0xc9,0xca,0x1ebc,0x112,0x114,0x116,
    0xcb,0x1eba,0x11a,0x204,0x206,0x1eb8,0x228,0x118,0x1e18,0x1e1a,
    0x1e1e,0x1f4,0x11c,0x1e20,0x11e,0x120,0x1e6,0x122,0x124,0x1e22,
    0x1e26,0x21e,0x1e24,0x1e28,0x1e2a,0xcc,0xcd,0xce,0x128,0x12a,
    0x12c,0x130,0xcf,0x1ec8,0x1cf,0x208,0x20a,0x1eca,0x12e,0x1e2c,
    0x134,0x1e30,0x1e8,0x1e32,0x136,0x1e34,0x139,0x13d,0x1e36,0x13b,
    0x1e3c,0x1e3a,0x1e3e,0x1e40,0x1e42,0x1f8,0x143,0xd1,0x1e44,0x147,
    0x1e46,0x145,0x1e4a,0x1e48,0xd2,0xd3,0xd4,0xd5,0x14c,0x14e,
    0x22e,0xd6,0x1ece,0x150,0x1d1,0x20c,0x20e,0x1a0,0x1ecc,0x1ea,
    0x1e54,0x1e56,0x154,0x1e58,0x158,0x210,0x212,0x1e5a,0x156,0x1e5e,
    0x15a,0x15c,0x1e60,0x160,0x1e62,0x218,0x15e,0x1e6a,0x164,0x1e6c,
    0x21a,0x162,0x1e70,0x1e6e,0xd9,0xda,0xdb,0x168,0x16a,0x16c,
    0xdc,0x1ee6,0x16e,0x170,0x1d3,0x214,0x216,0x1af,0x1ee4,0x1e72,
    0x172,0x1e76,0x1e74,0x1e7c,0x1e7e,0x1e80,0x1e82,0x174,0x1e86,0x1e84,
    0x1e88,0x1e8a,0x1e8c,0x1ef2,0xdd,0x176,0x1ef8,0x232,0x1e8e,0x178,
    0x1ef6,0x1ef4,0x179,0x1e90,0x17b,0x17d,0x1e92,0x1e94,0xe0,0xe1,
    0xe2,0xe3,0x101,0x103,0x227,0xe4,0x1ea3,0xe5,0x1ce,0x201,
    0x203,0x1ea1,0x1e01,0x105,0x1e03,0x1e05,0x1e07,0x107,0x109,0x10b,
    0x10d,0xe7,0x1e0b,0x10f,0x1e0d,0x1e11,0x1e13,0x1e0f,0xe8,0xe9,
    0xea,0x1ebd,0x113,0x115,0x117,0xeb,0x1ebb,0x11b,0x205,0x207,
    0x1eb9,0x229,0x119,0x1e19,0x1e1b,0x1e1f,0x1f5,0x11d,0x1e21,0x11f,
    0x121,0x1e7,0x123,0x125,0x1e23,0x1e27,0x21f,0x1e25,0x1e29,0x1e2b,
    0x1e96,0xec,0xed,0xee,0x129,0x12b,0x12d,0xef,0x1ec9,0x1d0,
    0x209,0x20b,0x1ecb,0x12f,0x1e2d,0x135,0x1f0,0x1e31,0x1e9,0x1e33,
    0x137,0x1e35,0x13a,0x13e,0x1e37,0x13c,0x1e3d,0x1e3b,0x1e3f,0x1e41,
    0x1e43,0x1f9,0x144,0xf1,0x1e45,0x148,0x1e47,0x146,0x1e4b,0x1e49,
    0xf2,0xf3,0xf4,0xf5,0x14d,0x14f,0x22f,0xf6,0x1ecf,0x151,
    0x1d2,0x20d,0x20f,0x1a1,0x1ecd,0x1eb,0x1e55,0x1e57,0x155,0x1e59,
    0x159,0x211,0x213,0x1e5b,0x157,0x1e5f,0x15b,0x15d,0x1e61,0x161,
    0x1e63,0x219,0x15f,0x1e6b,0x1e97,0x165,0x1e6d,0x21b,0x163,0x1e71,
    0x1e6f,0xf9,0xfa,0xfb,0x169,0x16b,0x16d,0xfc,0x1ee7,0x16f,
    0x171,0x1d4,0x215,0x217,0x1b0,0x1ee5,0x1e73,0x173,0x1e77,0x1e75,
    0x1e7d,0x1e7f,0x1e81,0x1e83,0x175,0x1e87,0x1e85,0x1e98,0x1e89,0x1e8b,
    0x1e8d,0x1ef3,0xfd,0x177,0x1ef9,0x233,0x1e8f,0xff,0x1ef7,0x1e99,
    0x1ef5,0x17a,0x1e91,0x17c,0x17e,0x1e93,0x1e95,0x1fed,0x385,0x1fc1,
    0x1ea6,0x1ea4,0x1eaa,0x1ea8,0x1de,0x1fa,0x1fc,0x1e2,0x1e08,0x1ec0,
    0x1ebe,0x1ec4,0x1ec2,0x1e2e,0x1ed2,0x1ed0,0x1ed6,0x1ed4,0x1e4c,0x22c,
    0x1e4e,0x22a,0x1fe,0x1db,0x1d7,0x1d5,0x1d9,0x1ea7,0x1ea5,0x1eab,
    0x1ea9,0x1df,0x1fb,0x1fd,0x1e3,0x1e09,0x1ec1,0x1ebf,0x1ec5,0x1ec3,
    0x1e2f,0x1ed3,0x1ed1,0x1ed7,0x1ed5,0x1e4d,0x22d,0x1e4f,0x22b,0x1ff,
    0x1dc,0x1d8,0x1d6,0x1da,0x1eb0,0x1eae,0x1eb4,0x1eb2,0x1eb1,0x1eaf,
    0x1eb5,0x1eb3,0x1e14,0x1e16,0x1e15,0x1e17,0x1e50,0x1e52,0x1e51,0x1e53,
    0x1e64,0x1e65,0x1e66,0x1e67,0x1e78,0x1e79,0x1e7a,0x1e7b,0x1e9b,0x1edc,
    0x1eda,0x1ee0,0x1ede,0x1ee2,0x1edd,0x1edb,0x1ee1,0x1edf,0x1ee3,0x1eea,
    0x1ee8,0x1eee,0x1eec,0x1ef0,0x1eeb,0x1ee9,0x1eef,0x1eed,0x1ef1,0x1ee,
    0x1ec,0x1ed,0x1e0,0x1e1,0x1e1c,0x1e1d,0x230,0x231,0x1ef,0x1fba,
    0x386,0x1fb9,0x1fb8,0x1f08,0x1f09,0x1fbc,0x1fc8,0x388,0x1f18,0x1f19,
    0x1fca,0x389,0x1f28,0x1f29,0x1fcc,0x1fda,0x38a,0x1fd9,0x1fd8,0x3aa,
    0x1f38,0x1f39,0x1ff8,0x38c,0x1f48,0x1f49,0x1fec,0x1fea,0x38e,0x1fe9,
    0x1fe8,0x3ab,0x1f59,0x1ffa,0x38f,0x1f68,0x1f69,0x1ffc,0x1fb4,0x1fc4,
    0x1f70,0x3ac,0x1fb1,0x1fb0,0x1f00,0x1f01,0x1fb6,0x1fb3,0x1f72,0x3ad,
    0x1f10,0x1f11,0x1f74,0x3ae,0x1f20,0x1f21,0x1fc6,0x1fc3,0x1f76,0x3af,
    0x1fd1,0x1fd0,0x3ca,0x1f30,0x1f31,0x1fd6,0x1f78,0x3cc,0x1f40,0x1f41,
    0x1fe4,0x1fe5,0x1f7a,0x3cd,0x1fe1,0x1fe0,0x3cb,0x1f50,0x1f51,0x1fe6,
    0x1f7c,0x3ce,0x1f60,0x1f61,0x1ff6,0x1ff3,0x1fd2,0x390,0x1fd7,0x1fe2,
    0x3b0,0x1fe7,0x1ff4,0x3d3,0x3d4,0x407,0x4d0,0x4d2,0x403,0x400,
    0x4d6,0x401,0x4c1,0x4dc,0x4de,0x40d,0x4e2,0x419,0x4e4,0x40c,
    0x4e6,0x4ee,0x40e,0x4f0,0x4f2,0x4f4,0x4f8,0x4ec,0x4d1,0x4d3,
    0x453,0x450,0x4d7,0x451,0x4c2,0x4dd,0x4df,0x45d,0x4e3,0x439,
    0x4e5,0x45c,0x4e7,0x4ef,0x45e,0x4f1,0x4f3,0x4f5,0x4f9,0x4ed,
    0x457,0x476,0x477,0x4da,0x4db,0x4ea,0x4eb,0x622,0x623,0x625,
    0x624,0x626,0x6c2,0x6d3,0x6c0,0x929,0x931,0x934,0x9cb,0x9cc,
    0xb4b,0xb48,0xb4c,0xb94,0xbca,0xbcc,0xbcb,0xc48,0xcc0,0xcca,
    0xcc7,0xcc8,0xccb,0xd4a,0xd4c,0xd4b,0xdda,0xddc,0xdde,0xddd,
    0x1026,0x1b06,0x1b08,0x1b0a,0x1b0c,0x1b0e,0x1b12,0x1b3b,0x1b3d,0x1b40,
    0x1b41,0x1b43,0x1e38,0x1e39,0x1e5c,0x1e5d,0x1e68,0x1e69,0x1eac,0x1eb6,
    0x1ead,0x1eb7,0x1ec6,0x1ec7,0x1ed8,0x1ed9,0x1f02,0x1f04,0x1f06,0x1f80,
    0x1f03,0x1f05,0x1f07,0x1f81,0x1f82,0x1f83,0x1f84,0x1f85,0x1f86,0x1f87,
    0x1f0a,0x1f0c,0x1f0e,0x1f88,0x1f0b,0x1f0d,0x1f0f,0x1f89,0x1f8a,0x1f8b,
    0x1f8c,0x1f8d,0x1f8e,0x1f8f,0x1f12,0x1f14,0x1f13,0x1f15,0x1f1a,0x1f1c,
    0x1f1b,0x1f1d,0x1f22,0x1f24,0x1f26,0x1f90,0x1f23,0x1f25,0x1f27,0x1f91,
    0x1f92,0x1f93,0x1f94,0x1f95,0x1f96,0x1f97,0x1f2a,0x1f2c,0x1f2e,0x1f98,
    0x1f2b,0x1f2d,0x1f2f,0x1f99,0x1f9a,0x1f9b,0x1f9c,0x1f9d,0x1f9e,0x1f9f,
    0x1f32,0x1f34,0x1f36,0x1f33,0x1f35,0x1f37,0x1f3a,0x1f3c,0x1f3e,0x1f3b,
    0x1f3d,0x1f3f,0x1f42,0x1f44,0x1f43,0x1f45,0x1f4a,0x1f4c,0x1f4b,0x1f4d,
    0x1f52,0x1f54,0x1f56,0x1f53,0x1f55,0x1f57,0x1f5b,0x1f5d,0x1f5f,0x1f62,
    0x1f64,0x1f66,0x1fa0,0x1f63,0x1f65,0x1f67,0x1fa1,0x1fa2,0x1fa3,0x1fa4,
    0x1fa5,0x1fa6,0x1fa7,0x1f6a,0x1f6c,0x1f6e,0x1fa8,0x1f6b,0x1f6d,0x1f6f,
    0x1fa9,0x1faa,0x1fab,0x1fac,0x1fad,0x1fae,0x1faf,0x1fb2,0x1fc2,0x1ff2,
    0x1fb7,0x1fcd,0x1fce,0x1fcf,0x1fc7,0x1ff7,0x1fdd,0x1fde,0x1fdf,0x219a,
    0x219b,0x21ae,0x21cd,0x21cf,0x21ce,0x2204,0x2209,0x220c,0x2224,0x2226,
    0x2241,0x2244,0x2247,0x2249,0x226d,0x2262,0x2270,0x2271,0x2274,0x2275,
    0x2278,0x2279,0x2280,0x2281,0x22e0,0x22e1,0x2284,0x2285,0x2288,0x2289,
    0x22e2,0x22e3,0x22ac,0x22ad,0x22ae,0x22af,0x22ea,0x22eb,0x22ec,0x22ed,
    0x3094,0x304c,0x304e,0x3050,0x3052,0x3054,0x3056,0x3058,0x305a,0x305c,
    0x305e,0x3060,0x3062,0x3065,0x3067,0x3069,0x3070,0x3071,0x3073,0x3074,
    0x3076,0x3077,0x3079,0x307a,0x307c,0x307d,0x309e,0x30f4,0x30ac,0x30ae,
    0x30b0,0x30b2,0x30b4,0x30b6,0x30b8,0x30ba,0x30bc,0x30be,0x30c0,0x30c2,
    0x30c5,0x30c7,0x30c9,0x30d0,0x30d1,0x30d3,0x30d4,0x30d6,0x30d7,0x30d9,
    0x30da,0x30dc,0x30dd,0x30f7,0x30f8,0x30f9,0x30fa,0x30fe,0x1109a,0x1109c,
    0x110ab,0x1112e,0x1112f,0x1134b,0x1134c,0x114bc,0x114bb,0x114be,0x115ba,0x115bb,
};
/* ----------------------------------------------------------- end >>unicode */

/* Lookups in the tables above (binary searches over ranges). */
static unsigned ld__uflag(uint32_t cp) {
    if (cp < 128) return ld__uflags_ascii[cp];
    size_t lo = 0, hi = sizeof ld__uflags / sizeof ld__uflags[0];
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if ((ld__uflags[mid] >> 8) <= cp) lo = mid; else hi = mid;
    }
    return ld__uflags[lo] & 0xFF;
}

static int ld__uccc(uint32_t cp) {
    if (cp < 0x300) return 0;
    size_t lo = 0, hi = sizeof ld__uccc_table / sizeof ld__uccc_table[0];
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if ((ld__uccc_table[mid] >> 8) <= cp) lo = mid; else hi = mid;
    }
    return (int)(ld__uccc_table[lo] & 0xFF);
}

/* Hangul syllables are composed of jamo by arithmetic (Unicode §3.12):
   S = SBase + (L·VCount + V)·TCount + T. */
enum { LD__SBASE = 0xAC00, LD__LBASE = 0x1100, LD__VBASE = 0x1161, LD__TBASE = 0x11A7,
       LD__LCOUNT = 19, LD__VCOUNT = 21, LD__TCOUNT = 28, LD__NCOUNT = 588, LD__SCOUNT = 11172 };

static int ld__udecompose(uint32_t cp, uint32_t *out) {
    if (cp - LD__SBASE < LD__SCOUNT) {
        uint32_t s = cp - LD__SBASE;
        out[0] = LD__LBASE + s / LD__NCOUNT;
        out[1] = LD__VBASE + (s % LD__NCOUNT) / LD__TCOUNT;
        if (s % LD__TCOUNT) { out[2] = LD__TBASE + s % LD__TCOUNT; return 3; }
        return 2;
    }
    size_t lo = 0, hi = sizeof ld__udecomp_key / sizeof ld__udecomp_key[0];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        uint32_t k = ld__udecomp_key[mid] >> 3;
        if (k == cp) {
            int n = (int)(ld__udecomp_key[mid] & 7);
            for (int i = 0; i < n; i++) out[i] = ld__udecomp_cp[ld__udecomp_off[mid] + i];
            return n;
        }
        if (k < cp) lo = mid + 1; else hi = mid;
    }
    out[0] = cp;
    return 1;
}

static uint32_t ld__ucompose(uint32_t a, uint32_t b) {
    if (a - LD__LBASE < LD__LCOUNT && b - LD__VBASE < LD__VCOUNT)
        return LD__SBASE + ((a - LD__LBASE) * LD__VCOUNT + (b - LD__VBASE)) * LD__TCOUNT;
    if (a - LD__SBASE < LD__SCOUNT && (a - LD__SBASE) % LD__TCOUNT == 0 && b - LD__TBASE - 1 < LD__TCOUNT - 1)
        return a + (b - LD__TBASE);
    uint64_t key = ((uint64_t)a << 21) | b;
    size_t lo = 0, hi = sizeof ld__ucomp_key / sizeof ld__ucomp_key[0];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (ld__ucomp_key[mid] == key) return ld__ucomp_val[mid];
        if (ld__ucomp_key[mid] < key) lo = mid + 1; else hi = mid;
    }
    return 0;
}

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
