#!/usr/bin/env python3
"""DOCSTRING (filled in below)"""

import json
import math
import os
import struct
import sys

import numpy as np
import torch

# ---------------------------------------------------------------- protocol
B, TB = 3, 12
LENS = [12, 9, 7]
PROMPT_LENS = [3, 2, 4]
N_STEPS = 3
LR, BETA1, BETA2, ADAM_EPS, WEIGHT_DECAY = 1e-3, 0.9, 0.95, 1e-8, 0.1
FD_H, FD_TOL = 1e-5, 1e-6

ST_DTYPE = {  # safetensors dtype -> (torch dtype, bytes, config.json name)
    "F64": (torch.float64, 8, "float64"),
    "F32": (torch.float32, 4, "float32"),
    "F16": (torch.float16, 2, "float16"),
    "BF16": (torch.bfloat16, 2, "bfloat16"),
}

# ---------------------------------------------------------------- variants
# Each variant is the model as Hugging Face builds it from the config.json
# written for it (see hf_config below): family, sizes, rotary, residual,
# biases, head.  HD is the per-head width (head_dim), R the rotary width.
VARIANTS = [
    dict(name="neox_partial_parallel", family="gpt_neox", dtype="F32", seed=101,
         V=40, C=32, L=2, NH=2, NKV=2, HD=16, I=16, eps=1e-5,
         rotary_pct=0.25, theta=10000.0, rope="default", parallel=True,
         attn_bias=True, mlp_bias=True, tied=False, bos=0, eos=0, shards=1),
    dict(name="neox_full_sequential", family="gpt_neox", dtype="F16", seed=102,
         V=40, C=16, L=2, NH=4, NKV=4, HD=4, I=24, eps=1e-5,
         rotary_pct=1.0, theta=1000.0, rope="default", parallel=False,
         attn_bias=True, mlp_bias=True, tied=False, bos=0, eos=0, shards=1),
    dict(name="llama_gqa_tied", family="llama", dtype="BF16", seed=103,
         V=40, C=16, L=2, NH=4, NKV=2, HD=4, I=20, eps=1e-5,
         rotary_pct=1.0, theta=100000.0, rope="default",
         attn_bias=False, mlp_bias=False, tied=True, bos=0, eos=0, shards=1),
    dict(name="llama_llama3_sharded", family="llama", dtype="F32", seed=104,
         V=40, C=16, L=2, NH=4, NKV=1, HD=6, I=20, eps=1e-5,
         rotary_pct=1.0, theta=10000.0, rope="llama3",
         rope_factor=8.0, low_freq_factor=1.0, high_freq_factor=4.0,
         original_max_position_embeddings=256, max_position_embeddings=2048,
         attn_bias=True, mlp_bias=True, tied=False, bos=1, eos=[2, 3], shards=2,
         max_shard_size=16000),
    dict(name="llama_linear", family="llama", dtype="F32", seed=105,
         V=40, C=16, L=2, NH=4, NKV=4, HD=4, I=20, eps=1e-5,
         rotary_pct=1.0, theta=10000.0, rope="linear", rope_factor=2.0,
         attn_bias=False, mlp_bias=False, tied=False, bos=1, eos=2, shards=1),
    dict(name="qwen2_gqa", family="qwen2", dtype="F64", seed=106,
         V=40, C=16, L=2, NH=4, NKV=2, HD=4, I=20, eps=1e-6,
         rotary_pct=1.0, theta=1000000.0, rope="default",
         attn_bias=True, mlp_bias=False, tied=False, bos=37, eos=37, shards=1),
]
MAX_POS = 32


def rotary_dim(v):
    """GPT-NeoX: int(head_size * rotary_pct); Llama/Qwen2: head_dim."""
    return int(v["HD"] * v["rotary_pct"])


# ---------------------------------------------------------------- config.json
def hf_config(v):
    """config.json as save_pretrained writes it for this variant (keys of the
    real checkpoints of the family, at the transformers version named)."""
    V, C, L, NH, I = v["V"], v["C"], v["L"], v["NH"], v["I"]
    tdt = ST_DTYPE[v["dtype"]][2]
    name = v["name"]
    if name == "neox_partial_parallel":
        # Pythia's keys (rotary_pct, rotary_emb_base) plus the flat newer
        # spellings transformers 4.47-4.57 add on save (partial_rotary_factor,
        # rope_theta), both holding the same values.
        return {
            "architectures": ["GPTNeoXForCausalLM"],
            "attention_bias": True, "attention_dropout": 0.0,
            "bos_token_id": v["bos"], "classifier_dropout": 0.1,
            "eos_token_id": v["eos"], "hidden_act": "gelu", "hidden_dropout": 0.0,
            "hidden_size": C, "initializer_range": 0.02, "intermediate_size": I,
            "layer_norm_eps": v["eps"], "max_position_embeddings": MAX_POS,
            "model_type": "gpt_neox", "num_attention_heads": NH, "num_hidden_layers": L,
            "partial_rotary_factor": v["rotary_pct"], "rope_scaling": None,
            "rope_theta": int(v["theta"]), "rotary_emb_base": int(v["theta"]),
            "rotary_pct": v["rotary_pct"], "tie_word_embeddings": False,
            "torch_dtype": tdt, "transformers_version": "4.57.1", "use_cache": True,
            "use_parallel_residual": v["parallel"], "vocab_size": V,
        }
    if name == "neox_full_sequential":
        # transformers 5: rotary settings only inside rope_parameters (no
        # rotary_pct, whose default would be 0.25), "dtype" for torch_dtype.
        return {
            "architectures": ["GPTNeoXForCausalLM"],
            "attention_bias": True, "attention_dropout": 0.0,
            "bos_token_id": v["bos"], "classifier_dropout": 0.1, "dtype": tdt,
            "eos_token_id": v["eos"], "hidden_act": "gelu", "hidden_dropout": 0.0,
            "hidden_size": C, "initializer_range": 0.02, "intermediate_size": I,
            "layer_norm_eps": v["eps"], "max_position_embeddings": MAX_POS,
            "model_type": "gpt_neox", "num_attention_heads": NH, "num_hidden_layers": L,
            "pad_token_id": None,
            "rope_parameters": {"partial_rotary_factor": v["rotary_pct"],
                                "rope_theta": v["theta"], "rope_type": "default"},
            "tie_word_embeddings": False, "transformers_version": "5.0.0",
            "use_cache": True, "use_parallel_residual": v["parallel"], "vocab_size": V,
        }
    if name == "llama_gqa_tied":
        # HuggingFaceTB/SmolLM2-135M's keys (transformers 4.40.1): no head_dim,
        # no mlp_bias.
        return {
            "architectures": ["LlamaForCausalLM"],
            "attention_bias": False, "attention_dropout": 0.0,
            "bos_token_id": v["bos"], "eos_token_id": v["eos"], "hidden_act": "silu",
            "hidden_size": C, "initializer_range": 0.02, "intermediate_size": I,
            "is_llama_config": True, "max_position_embeddings": MAX_POS,
            "model_type": "llama", "num_attention_heads": NH, "num_hidden_layers": L,
            "num_key_value_heads": v["NKV"], "pretraining_tp": 1,
            "rms_norm_eps": v["eps"], "rope_interleaved": False, "rope_scaling": None,
            "rope_theta": int(v["theta"]), "tie_word_embeddings": True,
            "torch_dtype": tdt, "transformers_version": "4.40.1", "use_cache": True,
            "vocab_size": V,
        }
    if name == "llama_llama3_sharded":
        # Llama 3.1/3.2's keys (transformers 4.45): llama3 rope_scaling,
        # explicit head_dim, mlp_bias, a list of eos ids.
        return {
            "architectures": ["LlamaForCausalLM"],
            "attention_bias": v["attn_bias"], "attention_dropout": 0.0,
            "bos_token_id": v["bos"], "eos_token_id": v["eos"], "head_dim": v["HD"],
            "hidden_act": "silu", "hidden_size": C, "initializer_range": 0.02,
            "intermediate_size": I,
            "max_position_embeddings": v["max_position_embeddings"],
            "mlp_bias": v["mlp_bias"], "model_type": "llama",
            "num_attention_heads": NH, "num_hidden_layers": L,
            "num_key_value_heads": v["NKV"], "pretraining_tp": 1,
            "rms_norm_eps": v["eps"],
            "rope_scaling": {
                "factor": v["rope_factor"], "high_freq_factor": v["high_freq_factor"],
                "low_freq_factor": v["low_freq_factor"],
                "original_max_position_embeddings": v["original_max_position_embeddings"],
                "rope_type": "llama3"},
            "rope_theta": v["theta"], "tie_word_embeddings": False,
            "torch_dtype": tdt, "transformers_version": "4.45.0", "use_cache": True,
            "vocab_size": V,
        }
    if name == "llama_linear":
        # TinyLlama's keys (rope_scaling in the "rope_type" spelling of
        # transformers >= 4.42).
        return {
            "architectures": ["LlamaForCausalLM"],
            "attention_bias": False, "attention_dropout": 0.0,
            "bos_token_id": v["bos"], "eos_token_id": v["eos"], "hidden_act": "silu",
            "hidden_size": C, "initializer_range": 0.02, "intermediate_size": I,
            "max_position_embeddings": MAX_POS, "mlp_bias": False,
            "model_type": "llama", "num_attention_heads": NH, "num_hidden_layers": L,
            "num_key_value_heads": v["NKV"], "pretraining_tp": 1,
            "rms_norm_eps": v["eps"],
            "rope_scaling": {"factor": v["rope_factor"], "rope_type": "linear"},
            "rope_theta": v["theta"], "tie_word_embeddings": False,
            "torch_dtype": tdt, "transformers_version": "4.44.2", "use_cache": True,
            "vocab_size": V,
        }
    if name == "qwen2_gqa":
        # Qwen/Qwen2.5-0.5B's keys (transformers 4.40.1), untied.  The
        # sliding_window is a decoy: use_sliding_window is false, so HF
        # attends over the full causal window (sliding_window -> None).
        return {
            "architectures": ["Qwen2ForCausalLM"], "attention_dropout": 0.0,
            "bos_token_id": v["bos"], "eos_token_id": v["eos"], "hidden_act": "silu",
            "hidden_size": C, "initializer_range": 0.02, "intermediate_size": I,
            "max_position_embeddings": MAX_POS, "max_window_layers": 1,
            "model_type": "qwen2", "num_attention_heads": NH, "num_hidden_layers": L,
            "num_key_value_heads": v["NKV"], "rms_norm_eps": v["eps"],
            "rope_theta": v["theta"], "sliding_window": 4,
            "tie_word_embeddings": False, "torch_dtype": tdt,
            "transformers_version": "4.40.1", "use_cache": True, "use_mrope": False,
            "use_sliding_window": False, "vocab_size": V,
        }
    raise ValueError(name)


def hf_read(cfg):
    """What Hugging Face builds from a config.json: the defaults of its config
    classes for absent keys (GPTNeoXConfig, LlamaConfig, Qwen2Config), the
    transformers-4 rule that GPT-NeoX's rotary_pct / rotary_emb_base win over
    the flat partial_rotary_factor / rope_theta, and transformers 5's
    rope_parameters.  Used to check that each written config.json means the
    variant the reference computes."""
    mt = cfg["model_type"]
    NH, C = cfg["num_attention_heads"], cfg["hidden_size"]
    r = dict(family=mt, V=cfg["vocab_size"], C=C, L=cfg["num_hidden_layers"], NH=NH,
             I=cfg["intermediate_size"], bos=cfg.get("bos_token_id"),
             eos=cfg.get("eos_token_id"))
    if mt == "gpt_neox":
        if "rope_parameters" in cfg:
            rp = cfg["rope_parameters"]
            assert rp.get("rope_type", "default") == "default"
            r["theta"] = float(rp.get("rope_theta", cfg.get("rotary_emb_base", 10000.0)))
            r["rotary_pct"] = rp.get("partial_rotary_factor", cfg.get("rotary_pct", 0.25))
        else:
            assert cfg.get("rope_scaling") is None
            r["theta"] = float(cfg.get("rotary_emb_base", 10000))
            r["rotary_pct"] = cfg.get("rotary_pct", 0.25)
            for flat, val in (("partial_rotary_factor", r["rotary_pct"]),
                              ("rope_theta", r["theta"])):
                assert cfg.get(flat, val) == val, (flat, "disagrees")
        r.update(NKV=NH, HD=C // NH, rope="default", eps=cfg.get("layer_norm_eps", 1e-5),
                 parallel=cfg.get("use_parallel_residual", True),
                 attn_bias=cfg.get("attention_bias", True), mlp_bias=True,
                 tied=cfg.get("tie_word_embeddings", False))
        assert cfg.get("hidden_act", "gelu") == "gelu"
        return r
    assert cfg.get("hidden_act", "silu") == "silu"
    r["NKV"] = cfg.get("num_key_value_heads") or (NH if mt == "llama" else 32)
    r["HD"] = cfg.get("head_dim") or C // NH
    r["theta"] = float(cfg.get("rope_theta", 10000.0))
    r["rotary_pct"] = 1.0
    r["eps"] = cfg.get("rms_norm_eps", 1e-6)
    r["tied"] = cfg.get("tie_word_embeddings", False)
    if mt == "llama":
        r["attn_bias"] = cfg.get("attention_bias", False)
        r["mlp_bias"] = cfg.get("mlp_bias", False)
    else:
        assert mt == "qwen2" and not cfg.get("use_sliding_window", False)
        r["attn_bias"], r["mlp_bias"] = True, False
    rs = cfg.get("rope_scaling")
    r["rope"] = "default" if rs is None else rs.get("rope_type", rs.get("type"))
    if r["rope"] == "linear":
        r["rope_factor"] = rs["factor"]
    elif r["rope"] == "llama3":
        r.update(rope_factor=rs["factor"], low_freq_factor=rs["low_freq_factor"],
                 high_freq_factor=rs["high_freq_factor"],
                 original_max_position_embeddings=rs["original_max_position_embeddings"])
    return r


def check_config_means_variant(v):
    r = hf_read(hf_config(v))
    for k, x in r.items():
        assert v[k] == x, (v["name"], k, v[k], x)


def generation_config(v):
    return {"_from_model_config": True, "bos_token_id": v["bos"],
            "eos_token_id": v["eos"], "transformers_version": "4.57.1"}


# ---------------------------------------------------------------- tensors
def param_specs(v):
    """(HF name, shape, kind) in the model's state_dict order.  kind: 'mat'
    (a matrix or embedding, 2-D), 'norm' (a norm weight), 'bias'."""
    V, C, L, NH, NKV, HD, I = (v[k] for k in ("V", "C", "L", "NH", "NKV", "HD", "I"))
    s = []
    if v["family"] == "gpt_neox":
        s.append(("gpt_neox.embed_in.weight", (V, C), "mat"))
        for l in range(L):
            p = f"gpt_neox.layers.{l}."
            s += [(p + "input_layernorm.weight", (C,), "norm"),
                  (p + "input_layernorm.bias", (C,), "bias"),
                  (p + "post_attention_layernorm.weight", (C,), "norm"),
                  (p + "post_attention_layernorm.bias", (C,), "bias"),
                  (p + "attention.query_key_value.weight", (3 * C, C), "mat"),
                  (p + "attention.query_key_value.bias", (3 * C,), "bias"),
                  (p + "attention.dense.weight", (C, C), "mat"),
                  (p + "attention.dense.bias", (C,), "bias"),
                  (p + "mlp.dense_h_to_4h.weight", (I, C), "mat"),
                  (p + "mlp.dense_h_to_4h.bias", (I,), "bias"),
                  (p + "mlp.dense_4h_to_h.weight", (C, I), "mat"),
                  (p + "mlp.dense_4h_to_h.bias", (C,), "bias")]
        s += [("gpt_neox.final_layer_norm.weight", (C,), "norm"),
              ("gpt_neox.final_layer_norm.bias", (C,), "bias"),
              ("embed_out.weight", (V, C), "mat")]
        return s
    qkv_bias = v["attn_bias"]                       # Llama: attention_bias; Qwen2: True
    o_bias = v["attn_bias"] and v["family"] == "llama"   # Qwen2's o_proj: no bias
    s.append(("model.embed_tokens.weight", (V, C), "mat"))
    for l in range(L):
        p = f"model.layers.{l}."
        for proj, rows in (("q_proj", NH * HD), ("k_proj", NKV * HD), ("v_proj", NKV * HD)):
            s.append((p + f"self_attn.{proj}.weight", (rows, C), "mat"))
            if qkv_bias:
                s.append((p + f"self_attn.{proj}.bias", (rows,), "bias"))
        s.append((p + "self_attn.o_proj.weight", (C, NH * HD), "mat"))
        if o_bias:
            s.append((p + "self_attn.o_proj.bias", (C,), "bias"))
        for proj, shape in (("gate_proj", (I, C)), ("up_proj", (I, C)), ("down_proj", (C, I))):
            s.append((p + f"mlp.{proj}.weight", shape, "mat"))
            if v["mlp_bias"]:
                s.append((p + f"mlp.{proj}.bias", (shape[0],), "bias"))
        s += [(p + "input_layernorm.weight", (C,), "norm"),
              (p + "post_attention_layernorm.weight", (C,), "norm")]
    s.append(("model.norm.weight", (C,), "norm"))
    if not v["tied"]:
        s.append(("lm_head.weight", (V, C), "mat"))
    return s


def init_weights(v):
    """Seeded float64 draws, rounded to the variant's dtype, returned as the
    float64 values of the rounded numbers; and the token ids."""
    g = torch.Generator().manual_seed(v["seed"])
    tdt = ST_DTYPE[v["dtype"]][0]
    w = {}
    for name, shape, kind in param_specs(v):
        r = torch.randn(shape, generator=g, dtype=torch.float64)
        x = 0.1 * r if kind != "norm" else 1.0 + 0.1 * r
        w[name] = x.to(tdt).to(torch.float64)
    tokens = torch.randint(0, v["V"], (B, TB), generator=g, dtype=torch.int64)
    for b in range(B):
        tokens[b, LENS[b]:] = 0
    return w, tokens


# ---------------------------------------------------------------- rotary
def inv_freq_of(v):
    """(R/2,) float64 inverse frequencies, modeling_rope_utils' formulas."""
    R = rotary_dim(v)
    inv = 1.0 / (v["theta"] ** (torch.arange(0, R, 2, dtype=torch.float64) / R))
    if v["rope"] == "linear":
        inv = inv / v["rope_factor"]
    elif v["rope"] == "llama3":
        factor, lo, hi = v["rope_factor"], v["low_freq_factor"], v["high_freq_factor"]
        old = v["original_max_position_embeddings"]
        low_wl, high_wl = old / lo, old / hi
        wl = 2 * math.pi / inv
        out = inv.clone()
        for j in range(len(inv)):
            if wl[j] < high_wl:          # high frequency: unchanged
                pass
            elif wl[j] > low_wl:         # low frequency: divided by factor
                out[j] = inv[j] / factor
            else:                        # in between: smooth interpolation
                s = (old / wl[j] - lo) / (hi - lo)
                out[j] = (1 - s) * inv[j] / factor + s * inv[j]
        inv = out
    return inv


def llama3_regimes(v):
    inv = 1.0 / (v["theta"] ** (torch.arange(0, rotary_dim(v), 2, dtype=torch.float64)
                                / rotary_dim(v)))
    old = v["original_max_position_embeddings"]
    wl = 2 * math.pi / inv
    return ["high" if w < old / v["high_freq_factor"] else
            "low" if w > old / v["low_freq_factor"] else "medium" for w in wl.tolist()]


def rope(x, inv):
    """x (..., n, R): x cos + rotate_half(x) sin, rotate_half = cat(-x2, x1)
    on the two halves; angle of pair j at position t is t inv[j]."""
    n, R = x.shape[-2], x.shape[-1]
    ang = torch.arange(n, dtype=torch.float64)[:, None] * inv[None, :]  # (n, R/2)
    emb = torch.cat((ang, ang), dim=-1)                                 # (n, R)
    x1, x2 = x[..., :R // 2], x[..., R // 2:]
    return x * emb.cos() + torch.cat((-x2, x1), dim=-1) * emb.sin()


# ---------------------------------------------------------------- model
def layernorm(x, w, b, eps):
    mu = x.mean(dim=-1, keepdim=True)
    xc = x - mu
    var = (xc * xc).mean(dim=-1, keepdim=True)     # biased
    return xc / torch.sqrt(var + eps) * w + b


def rmsnorm(x, w, eps):
    return x * torch.rsqrt((x * x).mean(dim=-1, keepdim=True) + eps) * w


def linear(x, p, name, bias):
    y = x @ p[name + ".weight"].t()                 # weight (out, in)
    return y + p[name + ".bias"] if bias else y


def causal_attention(q, k, v, hd):
    """q (bn, NH, n, hd), k/v (bn, NH, n, hd) -> (bn, n, NH*hd)."""
    n = q.shape[-2]
    att = (q @ k.transpose(-1, -2)) * (1.0 / math.sqrt(hd))
    mask = torch.ones(n, n, dtype=torch.bool).tril()
    att = torch.softmax(att.masked_fill(~mask, float("-inf")), dim=-1)
    y = att @ v
    return y.transpose(1, 2).reshape(q.shape[0], n, -1)


def neox_attention(v, p, pre, h, inv):
    bn, n, _ = h.shape
    NH, HS, R = v["NH"], v["HD"], rotary_dim(v)
    qkv = linear(h, p, pre + "attention.query_key_value", v["attn_bias"])  # (bn, n, 3C)
    qkv = qkv.view(bn, n, NH, 3 * HS).transpose(1, 2)  # per head [q_h k_h v_h]
    q, k, vv = qkv[..., :HS], qkv[..., HS:2 * HS], qkv[..., 2 * HS:]
    q = torch.cat((rope(q[..., :R], inv), q[..., R:]), dim=-1)
    k = torch.cat((rope(k[..., :R], inv), k[..., R:]), dim=-1)
    y = causal_attention(q, k, vv, HS)
    return linear(y, p, pre + "attention.dense", v["attn_bias"])


def neox_mlp(v, p, pre, h):
    u = linear(h, p, pre + "mlp.dense_h_to_4h", True)
    u = torch.nn.functional.gelu(u)                 # "gelu": exact erf form
    return linear(u, p, pre + "mlp.dense_4h_to_h", True)


def llama_attention(v, p, pre, h, inv):
    bn, n, _ = h.shape
    NH, NKV, HD = v["NH"], v["NKV"], v["HD"]
    qkv_bias = v["attn_bias"]
    o_bias = v["attn_bias"] and v["family"] == "llama"
    q = linear(h, p, pre + "self_attn.q_proj", qkv_bias).view(bn, n, NH, HD).transpose(1, 2)
    k = linear(h, p, pre + "self_attn.k_proj", qkv_bias).view(bn, n, NKV, HD).transpose(1, 2)
    vv = linear(h, p, pre + "self_attn.v_proj", qkv_bias).view(bn, n, NKV, HD).transpose(1, 2)
    q, k = rope(q, inv), rope(k, inv)
    kv_of = torch.arange(NH) // (NH // NKV)         # query head j reads kv head j/(NH/NKV)
    y = causal_attention(q, k[:, kv_of], vv[:, kv_of], HD)
    return linear(y, p, pre + "self_attn.o_proj", o_bias)


def llama_mlp(v, p, pre, h):
    b = v["mlp_bias"]
    gate = linear(h, p, pre + "mlp.gate_proj", b)
    up = linear(h, p, pre + "mlp.up_proj", b)
    return linear(torch.nn.functional.silu(gate) * up, p, pre + "mlp.down_proj", b)


def forward(v, p, idx):
    """idx (bn, n) int64 -> logits (bn, n, V), causal, positions 0..n-1."""
    inv = inv_freq_of(v)
    eps = v["eps"]
    if v["family"] == "gpt_neox":
        x = p["gpt_neox.embed_in.weight"][idx]
        for l in range(v["L"]):
            pre = f"gpt_neox.layers.{l}."
            h1 = layernorm(x, p[pre + "input_layernorm.weight"],
                           p[pre + "input_layernorm.bias"], eps)
            a = neox_attention(v, p, pre, h1, inv)
            if v["parallel"]:
                h2 = layernorm(x, p[pre + "post_attention_layernorm.weight"],
                               p[pre + "post_attention_layernorm.bias"], eps)
                x = x + a + neox_mlp(v, p, pre, h2)
            else:
                x = x + a
                h2 = layernorm(x, p[pre + "post_attention_layernorm.weight"],
                               p[pre + "post_attention_layernorm.bias"], eps)
                x = x + neox_mlp(v, p, pre, h2)
        h = layernorm(x, p["gpt_neox.final_layer_norm.weight"],
                      p["gpt_neox.final_layer_norm.bias"], eps)
        return h @ p["embed_out.weight"].t()
    x = p["model.embed_tokens.weight"][idx]
    for l in range(v["L"]):
        pre = f"model.layers.{l}."
        x = x + llama_attention(v, p, pre, rmsnorm(x, p[pre + "input_layernorm.weight"], eps), inv)
        x = x + llama_mlp(v, p, pre, rmsnorm(x, p[pre + "post_attention_layernorm.weight"], eps))
    h = rmsnorm(x, p["model.norm.weight"], eps)
    head = p["model.embed_tokens.weight"] if v["tied"] else p["lm_head.weight"]
    return h @ head.t()


def loss_and_logits(v, p, tokens):
    """Each sequence run alone at its own length (no padding)."""
    n_tok = sum(LENS[b] - PROMPT_LENS[b] for b in range(B))
    total, per_seq = None, []
    for b in range(B):
        n = LENS[b]
        logits = forward(v, p, tokens[b:b + 1, :n])[0]   # (n, V)
        per_seq.append(logits)
        t0, t1 = PROMPT_LENS[b] - 1, n - 1               # positions t0..t1-1
        logp = torch.log_softmax(logits[t0:t1], dim=-1)
        nll = -logp.gather(1, tokens[b, t0 + 1:t1 + 1][:, None]).sum()
        total = nll if total is None else total + nll
    return total / n_tok, per_seq


# ---------------------------------------------------------------- runs
def make_params(w):
    return {k: torch.nn.Parameter(t.clone()) for k, t in w.items()}


def reference(v, w, tokens):
    names = [s[0] for s in param_specs(v)]
    p = make_params(w)
    loss, per_seq = loss_and_logits(v, p, tokens)
    loss.backward()
    logits = torch.zeros(B, TB, v["V"], dtype=torch.float64)
    for b in range(B):
        logits[b, :LENS[b]] = per_seq[b].detach()
    grads = {k: p[k].grad.detach().clone() for k in names}

    with torch.no_grad():                           # padded batch, causal mask only
        padded = forward(v, p, tokens)
    pad_diff = max((padded[b, :LENS[b]] - logits[b, :LENS[b]]).abs().max().item()
                   for b in range(B))
    assert pad_diff < 1e-12, ("padded-batch logits differ", v["name"], pad_diff)

    p = make_params(w)
    decay = [p[k] for k in names if p[k].dim() == 2]
    no_decay = [p[k] for k in names if p[k].dim() != 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": WEIGHT_DECAY},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=LR, betas=(BETA1, BETA2), eps=ADAM_EPS)
    losses = []
    for _ in range(N_STEPS):
        opt.zero_grad(set_to_none=True)
        l, _ = loss_and_logits(v, p, tokens)
        l.backward()
        losses.append(float(l))
        opt.step()
    with torch.no_grad():
        losses.append(float(loss_and_logits(v, p, tokens)[0]))
    after = {k: p[k].detach().clone() for k in names}
    assert abs(losses[0] - float(loss)) == 0.0
    return dict(logits=logits, loss=float(loss), grads=grads, losses=losses,
                after=after, pad_diff=pad_diff)


def finite_difference_check(v, w, tokens, grads, n_random=2):
    """Central differences of the float64 loss vs autograd, per tensor: the
    entry with the largest |grad| plus n_random random entries with |grad| >
    1e-3 (smaller ones are below the difference quotient's round-off)."""
    p = {k: t.clone() for k, t in w.items()}
    rng = np.random.RandomState(v["seed"])
    worst, count = 0.0, 0
    for k, _, _ in param_specs(v):
        g = grads[k].reshape(-1)
        cand = [int(g.abs().argmax())]
        big = np.nonzero(g.abs().numpy() > 1e-3)[0]
        if len(big):
            cand += [int(i) for i in rng.choice(big, min(n_random, len(big)), replace=False)]
        for i in dict.fromkeys(cand):
            flat = p[k].view(-1)
            orig = float(flat[i])
            with torch.no_grad():
                flat[i] = orig + FD_H
                lp = float(loss_and_logits(v, p, tokens)[0])
                flat[i] = orig - FD_H
                lm = float(loss_and_logits(v, p, tokens)[0])
                flat[i] = orig
            fd = (lp - lm) / (2 * FD_H)
            an = float(g[i])
            rel = abs(fd - an) / max(abs(fd), abs(an))
            worst = max(worst, rel)
            count += 1
            assert rel < FD_TOL, ("finite-difference mismatch", v["name"], k, i, an, fd, rel)
    return count, worst


# ---------------------------------------------------------------- safetensors
def tensor_bytes(t, st_dtype):
    """Little-endian bytes of t (already exactly representable) in st_dtype."""
    tdt = ST_DTYPE[st_dtype][0]
    x = t.to(tdt).contiguous()
    if st_dtype in ("F16", "BF16"):
        return x.view(torch.int16).numpy().astype("<i2").tobytes()
    return x.numpy().astype("<f4" if st_dtype == "F32" else "<f8").tobytes()


def decode(raw, st_dtype, shape):
    if st_dtype == "BF16":
        u = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
        a = u.view(np.float32).astype(np.float64)
    else:
        a = np.frombuffer(raw, dtype={"F16": "<f2", "F32": "<f4", "F64": "<f8"}[st_dtype])
        a = a.astype(np.float64)
    return torch.from_numpy(a.reshape(shape).copy())


def write_safetensors(path, tensors, metadata):
    """tensors: {name: (st_dtype, shape, bytes)}.  Layout as the safetensors
    library writes it: u64 LE header length N, N bytes of compact JSON
    (__metadata__ first, then the tensors in data order, space-padded to a
    multiple of 8), then the data; tensors ordered by dtype size
    (descending), then by name."""
    order = sorted(tensors, key=lambda n: (-ST_DTYPE[tensors[n][0]][1], n))
    header = {"__metadata__": metadata}
    off = 0
    for n in order:
        dt, shape, raw = tensors[n]
        assert len(raw) == ST_DTYPE[dt][1] * int(np.prod(shape, dtype=np.int64))
        header[n] = {"dtype": dt, "shape": list(shape), "data_offsets": [off, off + len(raw)]}
        off += len(raw)
    hj = json.dumps(header, separators=(",", ":")).encode()
    hj += b" " * ((8 - len(hj) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hj)))
        f.write(hj)
        for n in order:
            f.write(tensors[n][2])
    return 8 + len(hj) + off


def read_safetensors(path):
    """Independent reader used to check what was written."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode())
    meta = header.pop("__metadata__")
    body = data[8 + n:]
    out, end = {}, 0
    for name, info in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
        b0, b1 = info["data_offsets"]
        assert b0 == end, ("gap or overlap", path, name)
        end = b1
        out[name] = decode(body[b0:b1], info["dtype"], tuple(info["shape"]))
    assert end == len(body), ("trailing bytes", path)
    return meta, out


def write_json(path, obj):
    with open(path, "w") as f:
        f.write(json.dumps(obj, indent=2, sort_keys=True) + "\n")


def shard_groups(specs, raw, max_shard):
    """save_pretrained's split: tensors in state_dict order, a new shard when
    the next tensor would take the current one past max_shard bytes."""
    groups, cur, size = [], [], 0
    for n, _, _ in specs:
        sz = len(raw[n][2])
        if cur and size + sz > max_shard:
            groups.append(cur)
            cur, size = [], 0
        cur.append(n)
        size += sz
    groups.append(cur)
    return groups


def write_checkpoint(v, w, d):
    """config.json, generation_config.json and the weights: one
    model.safetensors, or shards in state_dict order with
    model.safetensors.index.json (as save_pretrained's max_shard_size does)."""
    write_json(os.path.join(d, "config.json"), hf_config(v))
    write_json(os.path.join(d, "generation_config.json"), generation_config(v))
    dt = v["dtype"]
    specs = param_specs(v)
    raw = {n: (dt, shape, tensor_bytes(w[n], dt)) for n, shape, _ in specs}
    files = []
    if v["shards"] == 1:
        files.append(("model.safetensors", [n for n, _, _ in specs]))
    else:
        total = sum(len(raw[n][2]) for n, _, _ in specs)
        groups = shard_groups(specs, raw, v["max_shard_size"])
        assert len(groups) == v["shards"], len(groups)
        k = len(groups)
        for i, g in enumerate(groups):
            files.append((f"model-{i + 1:05d}-of-{k:05d}.safetensors", g))
        write_json(os.path.join(d, "model.safetensors.index.json"), {
            "metadata": {"total_size": total},
            "weight_map": {n: f for f, g in files for n in g}})
    for fname, group in files:
        write_safetensors(os.path.join(d, fname), {n: raw[n] for n in group}, {"format": "pt"})
    # read back: every tensor once, bit-exact
    seen = {}
    for fname, _ in files:
        meta, t = read_safetensors(os.path.join(d, fname))
        assert meta == {"format": "pt"}
        for n, x in t.items():
            assert n not in seen
            seen[n] = x
    assert sorted(seen) == sorted(w), v["name"]
    for n in w:
        assert torch.equal(seen[n], w[n]), ("read-back mismatch", n)
    return [f for f, _ in files]


def f64(t):
    return ("F64", tuple(t.shape), t.to(torch.float64).contiguous().numpy().astype("<f8").tobytes())


def write_expected(v, d, tokens, r):
    t = {
        "input_ids": f64(tokens.to(torch.float64)),
        "len": f64(torch.tensor(LENS, dtype=torch.float64)),
        "prompt_len": f64(torch.tensor(PROMPT_LENS, dtype=torch.float64)),
        "logits": f64(r["logits"]),
        "loss": f64(torch.tensor([r["loss"]], dtype=torch.float64)),
        "adamw.losses": f64(torch.tensor(r["losses"], dtype=torch.float64)),
        "rope.inv_freq": f64(inv_freq_of(v)),
    }
    for n, g in r["grads"].items():
        t["grad." + n] = f64(g)
    for n, a in r["after"].items():
        t["after." + n] = f64(a)
    n_tok = sum(LENS[b] - PROMPT_LENS[b] for b in range(B))
    meta = {
        "format": "pt", "variant": v["name"], "model_type": v["family"],
        "weights_dtype": v["dtype"], "compute_dtype": "F64",
        "B": str(B), "Tb": str(TB), "V": str(v["V"]), "n_tok": str(n_tok),
        "loss": "sum over b, t=prompt_len[b]-1..len[b]-2 of -log softmax(logits[b,t])[input_ids[b,t+1]], / n_tok",
        "optimizer": "torch.optim.AdamW", "n_steps": str(N_STEPS), "lr": repr(LR),
        "beta1": repr(BETA1), "beta2": repr(BETA2), "eps": repr(ADAM_EPS),
        "weight_decay": repr(WEIGHT_DECAY),
        "weight_decay_on": "2-D tensors (embeddings, matrices); 0 on biases and norm weights",
        "grad_clip": "none", "seed": str(v["seed"]),
        "generator": "tools/gen_family_reference.py",
    }
    path = os.path.join(d, "expected.safetensors")
    write_safetensors(path, t, meta)
    meta2, back = read_safetensors(path)
    assert meta2 == meta and torch.equal(back["logits"], r["logits"])


# ---------------------------------------------------------------- main
def main():
    if len(sys.argv) != 2:
        sys.exit("usage: gen_family_reference.py OUT_DIR   (normally tests/data/families)")
    out = sys.argv[1]
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    os.makedirs(out, exist_ok=True)
    total_bytes = 0
    for v in VARIANTS:
        assert v["NH"] % v["NKV"] == 0 and rotary_dim(v) % 2 == 0
        if v["family"] == "gpt_neox":
            assert v["NH"] * v["HD"] == v["C"]
        check_config_means_variant(v)
        w, tokens = init_weights(v)
        r = reference(v, w, tokens)
        n_fd, worst_fd = finite_difference_check(v, w, tokens, r["grads"])
        d = os.path.join(out, v["name"])
        os.makedirs(d, exist_ok=True)
        for f in os.listdir(d):
            os.remove(os.path.join(d, f))
        files = write_checkpoint(v, w, d)
        write_expected(v, d, tokens, r)
        sizes = {f: os.path.getsize(os.path.join(d, f)) for f in sorted(os.listdir(d))}
        total_bytes += sum(sizes.values())
        P = sum(x.numel() for x in w.values())
        print(f"== {v['name']}  ({v['family']}, {v['dtype']}, P = {P}, "
              f"R = {rotary_dim(v)}, inv_freq = {[round(x, 6) for x in inv_freq_of(v).tolist()]})")
        if v["rope"] == "llama3":
            reg = llama3_regimes(v)
            assert set(reg) == {"high", "medium", "low"}, reg
            print(f"   llama3 regimes per frequency: {reg}")
        print(f"   loss = {r['loss']!r}")
        print("   adamw.losses = " + " ".join(f"{x:.12f}" for x in r["losses"]))
        print(f"   padded-batch max |dlogit| = {r['pad_diff']:.3g}")
        print(f"   finite differences: {n_fd} entries, worst rel err = {worst_fd:.3g} (< {FD_TOL:g})")
        print("   files: " + ", ".join(f"{f} {s}" for f, s in sizes.items()))
    print(f"total {total_bytes} bytes")


if __name__ == "__main__":
    main()
