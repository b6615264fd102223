#!/usr/bin/env python3
"""Expected logits of a real Hugging Face GPT-2 checkpoint (tiny-gpt2).

What it does
------------
Reads a GPT-2 checkpoint as transformers' save_pretrained writes it
(config.json + model.safetensors; here the sshleifer/tiny-gpt2 model, kept
outside the repository in ../shared/fixtures/tiny-gpt2/: tiny random
weights, GPT-2's real 50257-token vocabulary) without the transformers or
safetensors packages, builds GPT2LMHeadModel from plain tensor ops as
modeling_gpt2.py does, in float64 from exactly the stored float32 values,
and writes for two fixed token sequences

  * the ids,
  * per position t: log sum_u exp z_t[u] over all 50257 logits, the argmax
    id (and the gap between the two largest logits), and z_t at 32 fixed
    ids (0, 50256, every next-token id, every argmax, the rest spread over
    the vocabulary),

to a small JSON file.  Only these derived numbers are committed; the
checkpoint's weights are other people's and never are.

Run
---
    /usr/bin/python3 tools/gen_tiny_gpt2_reference.py \\
        ../shared/fixtures/tiny-gpt2 tests/data/tiny_gpt2_ref.json
    /usr/bin/python3 tools/gen_tiny_gpt2_reference.py --sensitivity \\
        ../shared/fixtures/tiny-gpt2

The second writes nothing: it flips one convention at a time and prints how
far the logits (and log-sum-exps) move, to show which mistakes the
committed numbers tell apart at the C tests' tolerances.

Needs only torch (Debian python3-torch 1.13, CPU), numpy and the standard
library.  Deterministic (one thread, deterministic algorithms): a rerun
writes identical bytes.  Checks before writing: the safetensors header
(every tensor F32, shapes GPT-2's for the config, data offsets contiguous
and covering the file); the config's switches are the ones this mirror
implements; the hand-written LayerNorm and gelu_new against torch's own
(F.layer_norm, F.gelu(approximate="tanh")); causality: every prefix run on
its own gives the full run's logits at its positions.

Sequences
---------
  0: 50256 (<|endoftext|>, GPT-2's bos) then the ids Hugging Face's
     tokenizers give "hello 👋 world 🌍": 31373 50169 233 995 12520 234 235
     (the C test also checks that ld_tokenizer_load_dir's tokenizer gives
     them).
  1: 10 ids spread over the vocabulary, both ends included:
     0 50256 1 25000 777 49999 12345 40000 3 50000.

Model (GPT2LMHeadModel, eval mode: dropout off; float64)
--------------------------------------------------------
C = n_embd, NH = n_head, HD = C / NH, I = n_inner or 4C, eps =
layer_norm_epsilon; Conv1D is y = x W + b with W stored (in, out).
  x = wte[ids] + wpe[0..T-1]
  per layer: x = x + c_proj(attn(ln_1(x)));  x = x + mlp(ln_2(x))
  LayerNorm: (x - mean) / sqrt(biased var + eps) * weight + bias.
  attn: c_attn (C, 3C) -> split on the last dim into q | k | v (C each);
    head h reads columns h*HD .. (h+1)*HD-1 of each; causal softmax of
    q k^T / sqrt(HD) (scale_attn_weights true, no 1/(layer+1));
    heads concatenated in order; c_proj (C, C).
  mlp: c_proj(gelu_new(c_fc(x))), c_fc (C, I), c_proj (I, C);
    gelu_new(x) = x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
  logits z = ln_f(x) wte^T: tied head (the file has no lm_head.weight), no
  bias.

Output (JSON, indent 1, keys sorted, newline at the end; floats as
Python's repr, which reads back exactly)
-------------------------------------------------------------------------
  "config": {vocab_size, n_positions, n_embd, n_layer, n_head,
             layer_norm_epsilon}
  "check_ids": [32 ids, ascending]
  "sequences": [{"name", "text" (or null), "ids": [T],
                 "logsumexp": [T], "argmax": [T], "top2_gap": [T],
                 "logits": [T][32]  (z_t at check_ids)}]
  "logit_abs_max": the largest |z| over every position and id, to size the
                   tests' absolute tolerances by
"""

import json
import math
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

SEQUENCES = [
    dict(name="hello_emoji", text="hello \U0001F44B world \U0001F30D",
         ids=[50256, 31373, 50169, 233, 995, 12520, 234, 235]),
    dict(name="spread", text=None,
         ids=[0, 50256, 1, 25000, 777, 49999, 12345, 40000, 3, 50000]),
]
N_CHECK = 32


# ---------------------------------------------------------------- files
def read_safetensors(path):
    """name -> float64 tensor; checks the header as the format defines it."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    assert 8 + n <= len(raw), "header longer than the file"
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    data = raw[8 + n:]
    out, spans = {}, []
    for name, e in header.items():
        if name == "__metadata__":
            continue
        assert e["dtype"] == "F32", "%s: dtype %s (this mirror reads F32)" % (name, e["dtype"])
        a, b = e["data_offsets"]
        count = 1
        for s in e["shape"]:
            count *= s
        assert b - a == 4 * count, "%s: %d bytes for shape %s" % (name, b - a, e["shape"])
        spans.append((a, b))
        arr = np.frombuffer(data[a:b], dtype="<f4").astype(np.float64)
        out[name] = torch.from_numpy(arr.reshape(e["shape"]).copy())
    spans.sort()
    pos = 0
    for a, b in spans:
        assert a == pos, "data offsets not contiguous at %d" % a
        pos = b
    assert pos == len(data), "data region %d bytes, tensors cover %d" % (len(data), pos)
    return out


def read_config(path):
    with open(path) as f:
        cfg = json.load(f)
    assert cfg["model_type"] == "gpt2"
    assert cfg["activation_function"] == "gelu_new"
    assert cfg.get("scale_attn_weights", True) is True
    assert cfg.get("scale_attn_by_inverse_layer_idx", False) is False
    assert cfg["n_embd"] % cfg["n_head"] == 0
    return cfg


def check_shapes(cfg, w):
    V, P, C, L = cfg["vocab_size"], cfg["n_positions"], cfg["n_embd"], cfg["n_layer"]
    I = cfg.get("n_inner") or 4 * C
    want = {"transformer.wte.weight": (V, C), "transformer.wpe.weight": (P, C),
            "transformer.ln_f.weight": (C,), "transformer.ln_f.bias": (C,)}
    for i in range(L):
        h = "transformer.h.%d." % i
        want.update({h + "ln_1.weight": (C,), h + "ln_1.bias": (C,),
                     h + "attn.c_attn.weight": (C, 3 * C), h + "attn.c_attn.bias": (3 * C,),
                     h + "attn.c_proj.weight": (C, C), h + "attn.c_proj.bias": (C,),
                     h + "ln_2.weight": (C,), h + "ln_2.bias": (C,),
                     h + "mlp.c_fc.weight": (C, I), h + "mlp.c_fc.bias": (I,),
                     h + "mlp.c_proj.weight": (I, C), h + "mlp.c_proj.bias": (C,)})
    assert "lm_head.weight" not in w, "an lm_head.weight: this mirror is for the tied head"
    assert set(w) == set(want), "tensors: extra %s, missing %s" % (sorted(set(w) - set(want)),
                                                                    sorted(set(want) - set(w)))
    for k, s in want.items():
        assert tuple(w[k].shape) == s, "%s: shape %s, want %s" % (k, tuple(w[k].shape), s)


# ---------------------------------------------------------------- model
def layer_norm(x, weight, bias, eps):
    mu = x.mean(-1, keepdim=True)
    var = ((x - mu) ** 2).mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + eps) * weight + bias


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def conv1d(x, w, b):
    return x @ w + b


def forward(cfg, w, ids, bug=None):
    """(T) ids -> (T, V) logits, float64."""
    C, NH, L = cfg["n_embd"], cfg["n_head"], cfg["n_layer"]
    HD, eps = C // NH, cfg["layer_norm_epsilon"]
    T = len(ids)
    idx = torch.tensor(ids, dtype=torch.long)
    x = w["transformer.wte.weight"][idx]
    if bug != "no wpe":
        x = x + w["transformer.wpe.weight"][:T]
    mask = torch.tril(torch.ones(T, T, dtype=torch.bool))
    act = gelu_new if bug != "exact erf GELU" else (lambda u: F.gelu(u))
    e = eps if bug != "eps 1e-12" else 1e-12
    for i in range(L):
        h = "transformer.h.%d." % i
        a = layer_norm(x, w[h + "ln_1.weight"], w[h + "ln_1.bias"], e)
        qkv = conv1d(a, w[h + "attn.c_attn.weight"], w[h + "attn.c_attn.bias"])  # (T, 3C)
        if bug == "qkv per head [q_h k_h v_h]":
            qkv = qkv.view(T, NH, 3, HD).permute(0, 2, 1, 3).reshape(T, 3 * C)
        q, k, v = qkv.split(C, dim=-1)
        q = q.view(T, NH, HD).transpose(0, 1)  # (NH, T, HD)
        k = k.view(T, NH, HD).transpose(0, 1)
        v = v.view(T, NH, HD).transpose(0, 1)
        s = q @ k.transpose(-1, -2) / math.sqrt(HD)
        if bug == "scale 1/HD":
            s = q @ k.transpose(-1, -2) / HD
        s = s.masked_fill(~mask, float("-inf"))
        y = torch.softmax(s, dim=-1) @ v  # (NH, T, HD)
        y = y.transpose(0, 1).reshape(T, C)
        wp = w[h + "attn.c_proj.weight"]
        if bug == "c_proj read (out, in)":
            wp = wp.t()
        x = x + conv1d(y, wp, w[h + "attn.c_proj.bias"])
        a = layer_norm(x, w[h + "ln_2.weight"], w[h + "ln_2.bias"], e)
        a = act(conv1d(a, w[h + "mlp.c_fc.weight"], w[h + "mlp.c_fc.bias"]))
        x = x + conv1d(a, w[h + "mlp.c_proj.weight"], w[h + "mlp.c_proj.bias"])
    x = layer_norm(x, w["transformer.ln_f.weight"], w["transformer.ln_f.bias"], e)
    return x @ w["transformer.wte.weight"].t()


# ---------------------------------------------------------------- checks
def check_ops(cfg):
    g = torch.Generator().manual_seed(7)
    x = torch.randn(5, cfg["n_embd"], generator=g, dtype=torch.float64)
    wt = 1 + 0.1 * torch.randn(cfg["n_embd"], generator=g, dtype=torch.float64)
    b = 0.1 * torch.randn(cfg["n_embd"], generator=g, dtype=torch.float64)
    eps = cfg["layer_norm_epsilon"]
    d_ln = (layer_norm(x, wt, b, eps) - F.layer_norm(x, (cfg["n_embd"],), wt, b, eps)).abs().max().item()
    u = torch.linspace(-6, 6, 101, dtype=torch.float64)
    d_gelu = (gelu_new(u) - F.gelu(u, approximate="tanh")).abs().max().item()
    assert d_ln < 1e-13 and d_gelu < 1e-13, (d_ln, d_gelu)
    return d_ln, d_gelu


def check_causal(cfg, w, ids, z):
    worst = 0.0
    for t in range(1, len(ids)):
        zp = forward(cfg, w, ids[:t])
        worst = max(worst, (zp - z[:t]).abs().max().item())
    assert worst < 1e-13, worst
    return worst


# ---------------------------------------------------------------- main
def load(src):
    cfg = read_config(os.path.join(src, "config.json"))
    w = read_safetensors(os.path.join(src, "model.safetensors"))
    check_shapes(cfg, w)
    return cfg, w


def choose_check_ids(V, runs):
    fixed = {0, V - 1}
    for s, z in runs:
        fixed.update(s["ids"][1:])
        fixed.update(int(a) for a in z.argmax(-1).tolist())
    assert len(fixed) <= N_CHECK, len(fixed)
    k = 1
    while len(fixed) < N_CHECK:  # the rest: a fixed stride through the vocabulary
        fixed.add((k * 7919) % V)
        k += 1
    return sorted(fixed)


def sensitivity(src):
    cfg, w = load(src)
    print("convention flipped             max|dz|     max|d lse|")
    for bug in ["c_proj read (out, in)", "qkv per head [q_h k_h v_h]", "scale 1/HD",
                "exact erf GELU", "eps 1e-12", "no wpe"]:
        dz = dl = 0.0
        for s in SEQUENCES:
            z0, z1 = forward(cfg, w, s["ids"]), forward(cfg, w, s["ids"], bug)
            dz = max(dz, (z1 - z0).abs().max().item())
            dl = max(dl, (torch.logsumexp(z1, -1) - torch.logsumexp(z0, -1)).abs().max().item())
        print("%-30s %.3e   %.3e" % (bug, dz, dl))


def main():
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    args = sys.argv[1:]
    if len(args) == 2 and args[0] == "--sensitivity":
        sensitivity(args[1])
        return
    if len(args) != 2:
        sys.exit("usage: gen_tiny_gpt2_reference.py CHECKPOINT_DIR OUT.json | --sensitivity CHECKPOINT_DIR")
    src, dst = args
    cfg, w = load(src)
    V = cfg["vocab_size"]
    d_ln, d_gelu = check_ops(cfg)
    runs, causal = [], 0.0
    for s in SEQUENCES:
        assert all(0 <= i < V for i in s["ids"])
        z = forward(cfg, w, s["ids"])
        causal = max(causal, check_causal(cfg, w, s["ids"], z))
        runs.append((s, z))
    check = choose_check_ids(V, runs)
    out_seqs, zmax = [], 0.0
    for s, z in runs:
        top2 = torch.topk(z, 2, dim=-1).values
        out_seqs.append({
            "name": s["name"], "text": s["text"], "ids": s["ids"],
            "logsumexp": torch.logsumexp(z, -1).tolist(),
            "argmax": [int(a) for a in z.argmax(-1).tolist()],
            "top2_gap": (top2[:, 0] - top2[:, 1]).tolist(),
            "logits": z[:, check].tolist(),
        })
        zmax = max(zmax, z.abs().max().item())
    doc = {
        "source": "tools/gen_tiny_gpt2_reference.py from the tiny-gpt2 checkpoint (sshleifer/tiny-gpt2)",
        "config": {k: cfg[k] for k in ["vocab_size", "n_positions", "n_embd", "n_layer", "n_head",
                                       "layer_norm_epsilon"]},
        "check_ids": check,
        "sequences": out_seqs,
        "logit_abs_max": zmax,
    }
    text = json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    with open(dst, "w", encoding="utf-8") as f:
        f.write(text)
    print("checks: layer_norm vs F.layer_norm %.1e, gelu_new vs F.gelu(tanh) %.1e, prefixes vs full run %.1e"
          % (d_ln, d_gelu, causal))
    for s in out_seqs:
        print("%-12s T %2d  logsumexp %.12f .. %.12f  argmax %s  min top2 gap %.3e"
              % (s["name"], len(s["ids"]), min(s["logsumexp"]), max(s["logsumexp"]),
                 s["argmax"], min(s["top2_gap"])))
    print("max |logit| %.3e; wrote %s (%d bytes)" % (zmax, dst, len(text.encode("utf-8"))))


if __name__ == "__main__":
    main()
