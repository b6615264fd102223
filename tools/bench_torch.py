#!/usr/bin/env python3
"""The same models as tools/bench.c, in PyTorch, for a side-by-side timing.

Three families, written from plain torch ops after Hugging Face's
modeling_gpt2.py, modeling_gpt_neox.py and modeling_llama.py (eager
attention: q·kᵀ/√HS, causal mask, softmax, ·v):

  gpt2      pre-LayerNorm blocks, learned positions, tanh GELU, tied head
  gpt_neox  (Pythia) LayerNorm, fused query_key_value laid out per head as
            [q | k | v], rotary embedding on the first R = HS·rotary_pct
            dims of each head (rotate_half), exact GELU, parallel residual
            x + attn(LN1 x) + mlp(LN2 x) (or sequential), untied embed_out
  llama     (SmolLM2) RMSNorm (x·rsqrt(mean x² + eps)·w), no biases, rotary
            on all HS dims, grouped-query attention (repeat_kv), SwiGLU
            down(silu(gate x) · up x), tied or untied lm_head

float32, weights ~ N(0, 0.02²) (norm weights 1, biases 0, as ours).
One training step = zero_grad, forward, the mean cross-entropy of the
B·(T−1) next tokens (ours: ld_sft_loss with LD_NORM_TOKEN_MEAN, prompt of one
token), backward, torch.optim.AdamW with lr 1e-4, betas (0.9, 0.999), eps
1e-8 and weight_decay 0 (ours: ld_optim_config {0}). Medians of --iters steps
after --warmup warm-ups. Then, on one sequence: a forward + backward of its
summed log-likelihood, the probe's ∇θ log π (torch.autograd.grad into fresh
tensors, as ld_dyn_seq_grad), and the forward-mode JVP of every logit in the
direction of that gradient (torch.autograd.forward_ad, primal and tangent in
one pass: the counterpart of ld_dyn_predict's forward + JVP).

Memory: the peak RSS of this process (getrusage) after importing torch,
after the training steps, and at the end; the bytes of θ, g and AdamW's two
moments.

Prints one line per figure, "name value unit", which tools/bench.c reads.
Run by tools/bench.c (make bench) when Debian's python3-torch is installed:
    OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=2 /usr/bin/python3 tools/bench_torch.py \\
        --family llama --layers 30 --channels 576 --heads 9 --kv-heads 3 --head-dim 64 \\
        --intermediate 1536 --vocab 49152 --context 256 --batch 4 --rope-theta 100000 \\
        --iters 3 --warmup 1 --threads 2
PyTorch gets torch.set_num_threads(threads) and, where OpenBLAS provides
libblas.so.3, as many OpenBLAS threads (tools/bench.c sets
OPENBLAS_NUM_THREADS: the matmuls on as many cores as ours), OPENBLAS_CORETYPE
unset: the whole step as a user would write it. Debian's python3-torch does
its float matmuls through libblas.so.3; with only the reference BLAS there
(libblas3, no libopenblas0) they are ~20x slower and the comparison says
nothing: the library found is printed as "# torch_blas".
"""
import argparse
import math
import os
import resource
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

RSS_IMPORT = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def rotate_half(x):
    """[x1 | x2] -> [-x2 | x1] over the last dim (Hugging Face's rotate_half)."""
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


def rope_tables(R, T, theta):
    """cos, sin (T, R) of Hugging Face's default rotary embedding."""
    inv = 1.0 / (theta ** (torch.arange(0, R, 2, dtype=torch.int64).float() / R))
    freqs = torch.outer(torch.arange(T, dtype=torch.float32), inv)
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos(), emb.sin()


def apply_rope(x, cos, sin, R):
    """Rotates the first R dims of each head of x (B, NH, T, HS)."""
    xr, xp = x[..., :R], x[..., R:]
    xr = xr * cos + rotate_half(xr) * sin
    return torch.cat((xr, xp), dim=-1) if xp.shape[-1] else xr


def causal_attention(q, k, v, mask):
    """softmax(q·kᵀ/√HS, causal)·v for q, k, v (B, NH, T, HS)."""
    att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(q.shape[-1]))
    att = att.masked_fill(~mask, float("-inf")).softmax(dim=-1)
    return att @ v


class GPT2Block(nn.Module):
    def __init__(self, a):
        super().__init__()
        C = a.channels
        self.ln1 = nn.LayerNorm(C, eps=a.eps)
        self.qkv = nn.Linear(C, 3 * C)
        self.proj = nn.Linear(C, C)
        self.ln2 = nn.LayerNorm(C, eps=a.eps)
        self.fc = nn.Linear(C, a.intermediate)
        self.fcproj = nn.Linear(a.intermediate, C)
        self.NH = a.heads

    def forward(self, x, mask, cos, sin):
        B, T, C = x.shape
        hs = C // self.NH
        q, k, v = self.qkv(self.ln1(x)).split(C, dim=2)
        q, k, v = (t.view(B, T, self.NH, hs).transpose(1, 2) for t in (q, k, v))
        y = causal_attention(q, k, v, mask).transpose(1, 2).reshape(B, T, C)
        x = x + self.proj(y)
        return x + self.fcproj(F.gelu(self.fc(self.ln2(x)), approximate="tanh"))


class NeoXBlock(nn.Module):
    def __init__(self, a):
        super().__init__()
        C = a.channels
        self.input_layernorm = nn.LayerNorm(C, eps=a.eps)
        self.post_attention_layernorm = nn.LayerNorm(C, eps=a.eps)
        self.query_key_value = nn.Linear(C, 3 * C)
        self.dense = nn.Linear(C, C)
        self.dense_h_to_4h = nn.Linear(C, a.intermediate)
        self.dense_4h_to_h = nn.Linear(a.intermediate, C)
        self.NH, self.HS, self.R, self.parallel = a.heads, C // a.heads, a.R, a.parallel

    def forward(self, x, mask, cos, sin):
        B, T, C = x.shape
        qkv = self.query_key_value(self.input_layernorm(x)).view(B, T, self.NH, 3 * self.HS).permute(0, 2, 1, 3)
        q, k, v = qkv.split(self.HS, dim=-1)
        q, k = apply_rope(q, cos, sin, self.R), apply_rope(k, cos, sin, self.R)
        attn = self.dense(causal_attention(q, k, v, mask).transpose(1, 2).reshape(B, T, C))
        if self.parallel:
            mlp_in = self.post_attention_layernorm(x)
        else:
            x = x + attn
            mlp_in = self.post_attention_layernorm(x)
        mlp = self.dense_4h_to_h(F.gelu(self.dense_h_to_4h(mlp_in)))
        return x + attn + mlp if self.parallel else x + mlp


class RMSNorm(nn.Module):
    def __init__(self, C, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(C))
        self.eps = eps

    def forward(self, x):
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))


def repeat_kv(x, n):
    """(B, NKV, T, HS) -> (B, NKV·n, T, HS), each kv head for n query heads."""
    if n == 1:
        return x
    B, NKV, T, HS = x.shape
    return x[:, :, None, :, :].expand(B, NKV, n, T, HS).reshape(B, NKV * n, T, HS)


class LlamaBlock(nn.Module):
    def __init__(self, a):
        super().__init__()
        C, HS = a.channels, a.head_dim
        self.input_layernorm = RMSNorm(C, a.eps)
        self.post_attention_layernorm = RMSNorm(C, a.eps)
        self.q_proj = nn.Linear(C, a.heads * HS, bias=False)
        self.k_proj = nn.Linear(C, a.kv_heads * HS, bias=False)
        self.v_proj = nn.Linear(C, a.kv_heads * HS, bias=False)
        self.o_proj = nn.Linear(a.heads * HS, C, bias=False)
        self.gate_proj = nn.Linear(C, a.intermediate, bias=False)
        self.up_proj = nn.Linear(C, a.intermediate, bias=False)
        self.down_proj = nn.Linear(a.intermediate, C, bias=False)
        self.NH, self.NKV, self.HS = a.heads, a.kv_heads, HS

    def forward(self, x, mask, cos, sin):
        B, T, C = x.shape
        h = self.input_layernorm(x)
        q = self.q_proj(h).view(B, T, self.NH, self.HS).transpose(1, 2)
        k = self.k_proj(h).view(B, T, self.NKV, self.HS).transpose(1, 2)
        v = self.v_proj(h).view(B, T, self.NKV, self.HS).transpose(1, 2)
        q, k = apply_rope(q, cos, sin, self.HS), apply_rope(k, cos, sin, self.HS)
        k, v = repeat_kv(k, self.NH // self.NKV), repeat_kv(v, self.NH // self.NKV)
        y = causal_attention(q, k, v, mask).transpose(1, 2).reshape(B, T, self.NH * self.HS)
        x = x + self.o_proj(y)
        h = self.post_attention_layernorm(x)
        return x + self.down_proj(F.silu(self.gate_proj(h)) * self.up_proj(h))


class Model(nn.Module):
    def __init__(self, a):
        super().__init__()
        C, T = a.channels, a.context
        self.wte = nn.Embedding(a.vocab, C)
        self.wpe = nn.Embedding(T, C) if a.family == "gpt2" else None
        block = {"gpt2": GPT2Block, "gpt_neox": NeoXBlock, "llama": LlamaBlock}[a.family]
        self.blocks = nn.ModuleList([block(a) for _ in range(a.layers)])
        self.lnf = RMSNorm(C, a.eps) if a.family == "llama" else nn.LayerNorm(C, eps=a.eps)
        self.head = nn.Linear(C, a.vocab, bias=False) if a.untied else None
        self.register_buffer("mask", torch.tril(torch.ones(T, T, dtype=torch.bool)), persistent=False)
        R = a.R if a.family == "gpt_neox" else a.head_dim
        cos, sin = rope_tables(R, T, a.rope_theta)
        self.register_buffer("cos", cos, persistent=False)
        self.register_buffer("sin", sin, persistent=False)
        for name, p in self.named_parameters():   # as ld_llm.h draws them (the residual scaling aside)
            if p.dim() >= 2:
                nn.init.normal_(p, 0.0, 0.02)
            elif name.endswith("bias"):
                nn.init.zeros_(p)
            else:
                nn.init.ones_(p)

    def forward(self, idx):
        B, T = idx.shape
        x = self.wte(idx)
        if self.wpe is not None:
            x = x + self.wpe(torch.arange(T))
        mask, cos, sin = self.mask[:T, :T], self.cos[:T], self.sin[:T]
        for b in self.blocks:
            x = b(x, mask, cos, sin)
        x = self.lnf(x)
        return self.head(x) if self.head is not None else x @ self.wte.weight.t()


def blas_library():
    """The BLAS this process loaded (torch's matmuls on Debian: libblas.so.3,
    the reference BLAS unless OpenBLAS provides it), from /proc/self/maps."""
    try:
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if "blas" in line.rsplit("/", 1)[-1]}
    except OSError:
        return "unknown"
    real = sorted({os.path.basename(os.path.realpath(x)) for x in libs})
    return ",".join(real) if real else "none"


def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--family", default="gpt2", choices=["gpt2", "gpt_neox", "llama"])
    for a, d in [("layers", 4), ("channels", 128), ("heads", 4), ("kv-heads", 0), ("head-dim", 0),
                 ("intermediate", 0), ("context", 64), ("vocab", 257), ("batch", 8), ("untied", 0),
                 ("parallel", 1), ("iters", 20), ("warmup", 3), ("threads", 2)]:
        p.add_argument("--" + a, type=int, default=d)
    for a, d in [("rotary-pct", 0.25), ("rope-theta", 10000.0), ("eps", 1e-5)]:
        p.add_argument("--" + a, type=float, default=d)
    a = p.parse_args()
    a.kv_heads = a.kv_heads or a.heads
    a.head_dim = a.head_dim or a.channels // a.heads
    a.intermediate = a.intermediate or 4 * a.channels
    a.R = int(a.head_dim * a.rotary_pct)
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = Model(a)
    params = [q for q in model.parameters()]
    P = sum(q.numel() for q in params)
    opt = torch.optim.AdamW(params, lr=1e-4, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    B, T, V = a.batch, a.context, a.vocab
    x = torch.randint(0, V - 1, (B, T))
    steps, fwds, bwds, opts = [], [], [], []
    first_loss = None
    for i in range(a.iters + a.warmup):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        logits = model(x)
        loss = F.cross_entropy(logits[:, :-1].reshape(-1, V), x[:, 1:].reshape(-1))
        t1 = time.perf_counter()
        loss.backward()
        t2 = time.perf_counter()
        opt.step()
        t3 = time.perf_counter()
        del logits
        if first_loss is None:
            first_loss = loss.item()
        if i >= a.warmup:
            steps.append(t3 - t0)
            fwds.append(t1 - t0)
            bwds.append(t2 - t1)
            opts.append(t3 - t2)
    rss_train = rss_mb()
    step = statistics.median(steps) * 1e3
    print(f"torch_version {torch.__version__}")
    print(f"torch_threads {torch.get_num_threads()}")
    blas = blas_library()
    kind = "OpenBLAS" if "openblas" in blas.lower() else "the reference BLAS: slow matmuls" if "libblas" in blas else "?"
    print(f"# torch_blas {blas} ({kind})")
    print(f"torch_params {P}")
    print(f"torch_first_loss {first_loss:.4f}")
    print(f"torch_step_ms {step:.2f} ms")
    print(f"torch_forward_ms {statistics.median(fwds) * 1e3:.2f} ms")
    print(f"torch_backward_ms {statistics.median(bwds) * 1e3:.2f} ms")
    print(f"torch_adamw_ms {statistics.median(opts) * 1e3:.2f} ms")
    print(f"torch_train_tokens_per_s {B * T / step * 1e3:.0f} tok/s")
    print(f"torch_state_bytes {16 * P / 1e6:.1f} MB  (θ, g, AdamW's two moments)")
    print(f"torch_rss_after_import {RSS_IMPORT:.1f} MB")
    print(f"torch_peak_rss_train {rss_train:.1f} MB  (max RSS of this process after the training steps)", flush=True)

    # one probe: a sequence of T tokens, its response all but the first token
    opt.zero_grad(set_to_none=True)
    del opt
    s = x[:1]

    def seq_logp(logits):
        return logits[0, :-1].log_softmax(-1).gather(1, s[0, 1:, None]).sum()

    one, pg, pj = [], [], []
    names = [n for n, _ in model.named_parameters()]
    for i in range(a.iters + a.warmup):
        t0 = time.perf_counter()
        model.zero_grad(set_to_none=True)
        (-seq_logp(model(s))).backward()
        t1 = time.perf_counter()
        g = torch.autograd.grad(seq_logp(model(s)), params)   # ∇θ log π of the probe
        t2 = time.perf_counter()
        with torch.no_grad(), torch.autograd.forward_ad.dual_level():
            dual = {n: torch.autograd.forward_ad.make_dual(q, t) for n, q, t in zip(names, params, g)}
            out = torch.nn.utils.stateless.functional_call(model, dual, (s,))
            jv = torch.autograd.forward_ad.unpack_dual(out).tangent
        t3 = time.perf_counter()
        assert jv is not None and jv.shape == (1, T, V)
        del g, dual, out, jv
        if i >= a.warmup:
            one.append(t1 - t0)
            pg.append(t2 - t1)
            pj.append(t3 - t2)
    one, pg, pj = (statistics.median(v) * 1e3 for v in (one, pg, pj))
    print(f"torch_fwd_bwd_one_seq_ms {one:.2f} ms  (forward + loss + backward of one sequence of {T} tokens)")
    print(f"torch_probe_grad_ms {pg:.2f} ms  (torch.autograd.grad of log π of one probe)")
    print(f"torch_probe_grad_over_fwd_bwd {pg / one:.2f} x")
    print(f"torch_jvp_ms {pj:.2f} ms  (forward_ad: forward + JVP of every logit in one pass)")
    print(f"torch_jvp_over_fwd_bwd {pj / one:.2f} x")
    print(f"torch_peak_rss {rss_mb():.1f} MB  (max RSS of this process: training, then the probe)")


if __name__ == "__main__":
    main()
