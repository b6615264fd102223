#!/usr/bin/env python3
"""Generate an independent PyTorch reference for the ld_llm.h GPT-2 model.

What it does
------------
Builds a tiny GPT-2 (V=257, T=16, L=2, NH=4, C=32) from plain tensor ops,
draws deterministic float32 weights (torch.manual_seed(1234)), and for a
right-padded batch of 4 variable-length sequences computes -- once in float64
and once in float32, from the same initial weights --

  * the logits of every sequence (each sequence run on its own, at its own
    length, so padding can never leak into the reference),
  * the response-token loss and its gradient w.r.t. every parameter,
  * a 10-step AdamW trajectory (losses and pre-clip gradient norms),

and writes everything to one little-endian binary file.  The float64 gradient
is checked against central finite differences, and the per-sequence logits are
checked against a padded, causally-masked batch run.

Run
---
    /usr/bin/python3 tools/gen_reference.py tests/data/ref_tiny.bin

Needs only torch (Debian python3-torch 1.13, CPU), numpy and the standard
library.  Output is deterministic (fixed seed, one thread).

Model (GPT-2)
-------------
x = wte[tok] + wpe[pos]; per layer: a = x + attn(LN1(x)); x = a + mlp(LN2(a)).
LayerNorm eps 1e-5, biased variance.  qkv = h qkvw^T + qkvb, qkvw (3C, C):
rows [0,C) q, [C,2C) k, [2C,3C) v; head j uses rows j*hs..(j+1)*hs-1 of each.
Causal softmax attention, scale 1/sqrt(hs); out = y attprojw^T + attprojb.
MLP: fcw (4C, C), GELU tanh approximation, fcprojw (C, 4C).  Final LayerNorm
(lnfw, lnfb); logits = h wte^T (tied head, no bias).

Loss: logits at position t predict token t+1.  For sequence b the target
positions are t = prompt_len[b]-1 .. len[b]-2; loss = (sum of -log p) / N_tok,
N_tok = sum_b (len[b] - prompt_len[b]).

Training: torch.optim.AdamW, lr 1e-3, betas (0.9, 0.95), eps 1e-8, weight
decay 0.1 on wte, wpe, qkvw, attprojw, fcw, fcprojw only (0 elsewhere).  Each
step: zero grads, forward, loss, backward,
torch.nn.utils.clip_grad_norm_(all params, grad_clip), step.  Note that torch's
clip_grad_norm_ scales by min(1, grad_clip / (norm + 1e-6)).  grad_clip is
0.5 x the float64 initial gradient norm, rounded to float32 (same value for
both precisions).  losses[i] / gradnorms[i] are the loss / pre-clip global
gradient norm at the weights after i steps.

File format (little-endian, no padding)
---------------------------------------
    int32   magic = 0x4C444C52
    int32   version = 1
    int32   V, T, L, NH, C, B, Tb, n_steps
    float64 lr, beta1, beta2, eps, weight_decay, grad_clip
    int32   tokens[B*Tb]          row-major, pads (t >= len[b]) = 0
    int32   len[B]
    int32   prompt_len[B]
    float64 params: wte (V,C), wpe (T,C), ln1w (L,C), ln1b (L,C),
            qkvw (L,3C,C), qkvb (L,3C), attprojw (L,C,C), attprojb (L,C),
            ln2w (L,C), ln2b (L,C), fcw (L,4C,C), fcb (L,4C),
            fcprojw (L,C,4C), fcprojb (L,C), lnfw (C), lnfb (C)
            -- initial weights, this order, row-major (all float32-exact)
    then two blocks, first the float64 run, then the float32 run
    (all values stored as float64):
      float64 logits[B*Tb*V]      initial weights; rows t >= len[b] are zero
      float64 loss                initial weights
      float64 grads               initial weights, before clipping; same
                                  order/layout as params
      float64 losses[n_steps]
      float64 gradnorms[n_steps]
    int32   end_magic = 0x444E4521
"""

import math
import os
import struct
import sys

import numpy as np
import torch

# ---------------------------------------------------------------- config
V, T, L, NH, C = 257, 16, 2, 4, 32
HS = C // NH
B, TB = 4, 16
LENS = [16, 11, 7, 13]
PROMPT_LENS = [3, 5, 1, 6]
N_STEPS = 10
LR, BETA1, BETA2, ADAM_EPS, WEIGHT_DECAY = 1e-3, 0.9, 0.95, 1e-8, 0.1
LN_EPS = 1e-5
SEED = 1234
MAGIC, VERSION, END_MAGIC = 0x4C444C52, 1, 0x444E4521

# (name, shape, init kind, weight decay?) -- file order
PARAM_SPECS = [
    ("wte", (V, C), "mat", True),
    ("wpe", (T, C), "mat", True),
    ("ln1w", (L, C), "lnw", False),
    ("ln1b", (L, C), "bias", False),
    ("qkvw", (L, 3 * C, C), "mat", True),
    ("qkvb", (L, 3 * C), "bias", False),
    ("attprojw", (L, C, C), "mat", True),
    ("attprojb", (L, C), "bias", False),
    ("ln2w", (L, C), "lnw", False),
    ("ln2b", (L, C), "bias", False),
    ("fcw", (L, 4 * C, C), "mat", True),
    ("fcb", (L, 4 * C), "bias", False),
    ("fcprojw", (L, C, 4 * C), "mat", True),
    ("fcprojb", (L, C), "bias", False),
    ("lnfw", (C,), "lnw", False),
    ("lnfb", (C,), "bias", False),
]
NAMES = [s[0] for s in PARAM_SPECS]


def init_weights():
    """Float32 initial weights and tokens, drawn from the seeded global RNG."""
    torch.manual_seed(SEED)
    w = {}
    for name, shape, kind, _ in PARAM_SPECS:
        r = torch.randn(shape, dtype=torch.float32)
        if kind == "mat":
            w[name] = r * 0.1
        elif kind == "lnw":
            w[name] = 1.0 + 0.1 * r
        else:
            w[name] = 0.05 * r
    tokens = torch.randint(0, V, (B, TB), dtype=torch.int64)
    for b in range(B):
        tokens[b, LENS[b]:] = 0
    return w, tokens


# ---------------------------------------------------------------- model
def layernorm(x, w, b):
    mean = x.mean(dim=-1, keepdim=True)
    xc = x - mean
    var = (xc * xc).mean(dim=-1, keepdim=True)  # biased variance
    return xc / torch.sqrt(var + LN_EPS) * w + b


def gelu_tanh(u):
    return torch.nn.functional.gelu(u, approximate="tanh")


def attention(h, qkvw, qkvb, attprojw, attprojb):
    # h: (Bn, n, C)
    bn, n, _ = h.shape
    qkv = h @ qkvw.t() + qkvb                          # (Bn, n, 3C)
    q, k, v = qkv[..., :C], qkv[..., C:2 * C], qkv[..., 2 * C:]
    q = q.reshape(bn, n, NH, HS).transpose(1, 2)       # (Bn, NH, n, hs)
    k = k.reshape(bn, n, NH, HS).transpose(1, 2)
    v = v.reshape(bn, n, NH, HS).transpose(1, 2)
    att = (q @ k.transpose(-1, -2)) * (1.0 / math.sqrt(HS))
    mask = torch.ones(n, n, dtype=torch.bool).tril()
    att = att.masked_fill(~mask, float("-inf"))
    att = torch.softmax(att, dim=-1)
    y = att @ v                                        # (Bn, NH, n, hs)
    y = y.transpose(1, 2).reshape(bn, n, C)
    return y @ attprojw.t() + attprojb


def mlp(h, fcw, fcb, fcprojw, fcprojb):
    u = h @ fcw.t() + fcb
    return gelu_tanh(u) @ fcprojw.t() + fcprojb


def forward(p, idx):
    """idx: (Bn, n) int64 -> logits (Bn, n, V), causal."""
    n = idx.shape[1]
    x = p["wte"][idx] + p["wpe"][:n]
    for l in range(L):
        h = layernorm(x, p["ln1w"][l], p["ln1b"][l])
        a = x + attention(h, p["qkvw"][l], p["qkvb"][l],
                          p["attprojw"][l], p["attprojb"][l])
        h = layernorm(a, p["ln2w"][l], p["ln2b"][l])
        x = a + mlp(h, p["fcw"][l], p["fcb"][l], p["fcprojw"][l], p["fcprojb"][l])
    h = layernorm(x, p["lnfw"], p["lnfb"])
    return h @ p["wte"].t()


def loss_and_logits(p, tokens):
    """Runs each sequence separately at its own length (no padding)."""
    n_tok = sum(LENS[b] - PROMPT_LENS[b] for b in range(B))
    total = None
    per_seq_logits = []
    for b in range(B):
        n = LENS[b]
        logits = forward(p, tokens[b:b + 1, :n])[0]     # (n, V)
        per_seq_logits.append(logits)
        t0, t1 = PROMPT_LENS[b] - 1, n - 1              # positions t0..t1-1
        logp = torch.log_softmax(logits[t0:t1], dim=-1)
        tgt = tokens[b, t0 + 1:t1 + 1]
        nll = -logp.gather(1, tgt[:, None]).sum()
        total = nll if total is None else total + nll
    return total / n_tok, per_seq_logits


# ---------------------------------------------------------------- runs
def make_params(w32, dtype):
    return {k: torch.nn.Parameter(w32[k].to(dtype).clone()) for k in NAMES}


def flat(tensors, dtype=np.float64):
    return np.concatenate([t.detach().to(torch.float64).reshape(-1).numpy()
                           for t in tensors]).astype(dtype)


def grad_norm_of(p, tokens):
    for q in p.values():
        q.grad = None
    loss, _ = loss_and_logits(p, tokens)
    loss.backward()
    return math.sqrt(sum(float((q.grad.double() ** 2).sum()) for q in p.values()))


def run(w32, tokens, dtype, grad_clip):
    p = make_params(w32, dtype)
    # initial logits, loss, grads
    loss, per_seq = loss_and_logits(p, tokens)
    loss.backward()
    logits = torch.zeros(B, TB, V, dtype=torch.float64)
    for b in range(B):
        logits[b, :LENS[b]] = per_seq[b].detach().double()
    init_loss = float(loss)
    grads = [p[k].grad.detach().clone() for k in NAMES]

    # padded batch, causal mask only: valid positions must match
    with torch.no_grad():
        padded = forward(p, tokens).double()
    maxdiff = 0.0
    for b in range(B):
        d = (padded[b, :LENS[b]] - logits[b, :LENS[b]]).abs().max().item()
        maxdiff = max(maxdiff, d)
    tol = 1e-11 if dtype == torch.float64 else 1e-5
    assert maxdiff < tol, ("padded-batch logits mismatch", dtype, maxdiff)

    # training trajectory
    p = make_params(w32, dtype)
    decay = [p[k] for k, _, _, d in PARAM_SPECS if d]
    no_decay = [p[k] for k, _, _, d in PARAM_SPECS if not d]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": WEIGHT_DECAY},
         {"params": no_decay, "weight_decay": 0.0}],
        lr=LR, betas=(BETA1, BETA2), eps=ADAM_EPS)
    allp = [p[k] for k in NAMES]
    losses, gnorms = [], []
    for _ in range(N_STEPS):
        opt.zero_grad(set_to_none=True)
        loss, _ = loss_and_logits(p, tokens)
        loss.backward()
        gn = torch.nn.utils.clip_grad_norm_(allp, grad_clip)
        losses.append(float(loss))
        gnorms.append(float(gn))
        opt.step()
    return dict(logits=logits, loss=init_loss, grads=grads,
                losses=losses, gnorms=gnorms, pad_maxdiff=maxdiff)


def finite_difference_check(w32, tokens, n_random=2, h=1e-6):
    """Central differences of the float64 loss vs autograd, per tensor: the
    entry with the largest |grad| plus n_random random entries with |grad| >
    1e-3 (smaller entries are below the FD round-off floor)."""
    p = make_params(w32, torch.float64)
    loss, _ = loss_and_logits(p, tokens)
    loss.backward()
    rng = np.random.RandomState(SEED)
    worst, count = 0.0, 0
    for k in NAMES:
        g = p[k].grad.reshape(-1)
        cand = [int(g.abs().argmax())]
        big = np.nonzero(g.abs().numpy() > 1e-3)[0]
        if len(big):
            cand += [int(i) for i in rng.choice(big, min(n_random, len(big)), replace=False)]
        for i in dict.fromkeys(cand):
            with torch.no_grad():
                flatp = p[k].data.view(-1)
                orig = float(flatp[i])
                flatp[i] = orig + h
                lp = float(loss_and_logits(p, tokens)[0])
                flatp[i] = orig - h
                lm = float(loss_and_logits(p, tokens)[0])
                flatp[i] = orig
            fd = (lp - lm) / (2 * h)
            an = float(g[i])
            rel = abs(fd - an) / max(abs(fd), abs(an))
            worst = max(worst, rel)
            count += 1
            assert rel < 1e-6, ("finite-difference mismatch", k, i, an, fd, rel)
    return count, worst


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: gen_reference.py OUT.bin")
    out = sys.argv[1]
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)

    w32, tokens = init_weights()
    P = sum(w32[k].numel() for k in NAMES)
    assert P == V * C + T * C + L * (12 * C * C + 13 * C) + 2 * C, P

    # grad_clip: half the float64 initial gradient norm, float32-rounded
    gn64 = grad_norm_of(make_params(w32, torch.float64), tokens)
    grad_clip = float(np.float32(0.5 * gn64))

    n_fd, worst_fd = finite_difference_check(w32, tokens)

    r64 = run(w32, tokens, torch.float64, grad_clip)
    r32 = run(w32, tokens, torch.float32, grad_clip)

    buf = bytearray()
    buf += struct.pack("<ii", MAGIC, VERSION)
    buf += struct.pack("<8i", V, T, L, NH, C, B, TB, N_STEPS)
    buf += struct.pack("<6d", LR, BETA1, BETA2, ADAM_EPS, WEIGHT_DECAY, grad_clip)
    buf += tokens.numpy().astype("<i4").tobytes()
    buf += np.asarray(LENS, dtype="<i4").tobytes()
    buf += np.asarray(PROMPT_LENS, dtype="<i4").tobytes()
    buf += flat([w32[k] for k in NAMES], "<f8").tobytes()
    for r in (r64, r32):
        buf += r["logits"].numpy().astype("<f8").tobytes()
        buf += struct.pack("<d", r["loss"])
        buf += flat(r["grads"], "<f8").tobytes()
        buf += np.asarray(r["losses"], dtype="<f8").tobytes()
        buf += np.asarray(r["gnorms"], dtype="<f8").tobytes()
    buf += struct.pack("<i", END_MAGIC)

    expect = (4 * 10 + 8 * 6 + 4 * (B * TB + 2 * B) + 8 * P
              + 2 * 8 * (B * TB * V + 1 + P + 2 * N_STEPS) + 4)
    assert len(buf) == expect, (len(buf), expect)
    d = os.path.dirname(out)
    if d:
        os.makedirs(d, exist_ok=True)
    with open(out, "wb") as f:
        f.write(bytes(buf))

    print(f"params P = {P}")
    print(f"grad_clip = {grad_clip!r} (0.5 x float64 initial grad norm {gn64!r})")
    for tag, r in (("float64", r64), ("float32", r32)):
        print(f"[{tag}] loss = {r['loss']!r}  grad norm = {r['gnorms'][0]!r}  "
              f"padded-batch max |dlogit| = {r['pad_maxdiff']:.3g}")
        print(f"[{tag}] losses    = " + " ".join(f"{x:.10f}" for x in r["losses"]))
        print(f"[{tag}] gradnorms = " + " ".join(f"{x:.10f}" for x in r["gnorms"]))
    print(f"finite differences: {n_fd} entries, worst rel err = {worst_fd:.3g} (< 1e-6)")
    print(f"wrote {out} ({len(buf)} bytes)")


if __name__ == "__main__":
    main()
