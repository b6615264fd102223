#!/usr/bin/env python3
"""Generate an independent PyTorch reference for ld_llm.h's Hugging Face families.

What it does
------------
Builds six tiny checkpoints of three Hugging Face model families -- GPT-NeoX
(Pythia), Llama (SmolLM2, TinyLlama, Llama 3) and Qwen2 (Qwen2/2.5) -- from
plain tensor ops (no transformers package), following modeling_gpt_neox.py,
modeling_llama.py, modeling_qwen2.py and modeling_rope_utils.py.  For each
it draws seeded weights, rounds them to the variant's dtype, writes what
save_pretrained would write (config.json, generation_config.json,
model.safetensors or shards + model.safetensors.index.json), and computes
in float64 from exactly the stored (rounded) values, for a right-padded
batch of 3 sequences,

  * the logits of every sequence (each run on its own, at its own length),
  * the response-token loss and its gradient w.r.t. every stored tensor,
  * 3 steps of torch.optim.AdamW: the losses and the tensors after,

into expected.safetensors.  Checks before writing: float64 autograd vs
central finite differences on a few entries of every tensor; the padded,
causally-masked batch vs the per-sequence logits; each config.json read back
with Hugging Face's defaults gives the variant computed; every safetensors
file read back bit-exactly.

Run
---
    /usr/bin/python3 tools/gen_family_reference.py tests/data/families
    /usr/bin/python3 tools/gen_family_reference.py --sensitivity

The second writes nothing: it flips one convention at a time (qkv read as
[q|k|v] blocks, rotary on interleaved pairs, rotary on all dims, inv_freq
over head_size, residual swapped, tanh GELU, rope scaling ignored, theta
read as 10000, kv head j mod NKV, the decoy sliding window applied) and
prints how far the logits move -- each far above the round-off, so the
committed logits tell each mistake apart.

Needs only torch (Debian python3-torch 1.13, CPU), numpy and the standard
library.  Output is deterministic (fixed seeds, one thread, deterministic
algorithms): a rerun writes identical bytes.  It prints, per variant, the
loss, the AdamW losses, the padded-vs-alone max |dlogit|, the worst
finite-difference relative error and the file sizes.

Variants (tests/data/families/<name>/)
--------------------------------------
V vocab, C hidden_size, L layers, NH heads, NKV kv heads, HD head width,
R rotary width, I intermediate_size.  All L = 2, V = 40, max_position 32
unless stated.

  neox_partial_parallel  gpt_neox, F32, C 32, NH 2, HD 16, I 16,
      rotary_pct 0.25 -> R = int(16 * 0.25) = 4, theta 10000,
      use_parallel_residual true, bos = eos = 0.  config.json as transformers
      4.47-4.55 re-save a Pythia config: rotary_pct + rotary_emb_base and the
      flat partial_rotary_factor + rope_theta, equal.
  neox_full_sequential   gpt_neox, F16, C 16, NH 4, HD 4, I 24, R = 4,
      theta 1000, use_parallel_residual false.  config.json as transformers 5
      writes it: "rope_parameters": {"partial_rotary_factor": 1.0,
      "rope_theta": 1000.0, "rope_type": "default"}, "dtype" (no
      rotary_pct: a reader defaulting to Pythia's 0.25 is wrong here).
  llama_gqa_tied         llama (SmolLM2-135M's keys), BF16, C 16, NH 4,
      NKV 2, HD 4 (no head_dim key), I 20, theta 100000, tie_word_embeddings
      true: no lm_head.weight in the file.
  llama_llama3_sharded   llama (Llama 3.x keys), F32, C 16, NH 4, NKV 1,
      head_dim 6 (given; C/NH = 4), I 20, attention_bias true, mlp_bias
      true, untied, bos 1, eos [2, 3], theta 10000, max_position 2048,
      rope_scaling {"rope_type": "llama3", "factor": 8.0, "low_freq_factor":
      1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 256}:
      wavelengths 6.3, 135, 2916 are high / medium / low frequency.  Two
      shards (max_shard_size 16000 bytes) and model.safetensors.index.json.
  llama_linear           llama (TinyLlama's keys), F32, C 16, NH 4, NKV 4,
      I 20, theta 10000, rope_scaling {"factor": 2.0, "rope_type": "linear"},
      untied, bos 1, eos 2.
  qwen2_gqa              qwen2 (Qwen2.5's keys), F64, C 16, NH 4, NKV 2, I 20,
      theta 1e6, rms_norm_eps 1e-6, untied, bos = eos = 37,
      use_sliding_window false with a decoy sliding_window 4 (HF sets it to
      None when use_sliding_window is false: full causal attention).

Weights: torch.Generator().manual_seed(seed), torch.randn in float64, in
state_dict order; matrices and embeddings 0.1 r, norm weights 1 + 0.1 r,
biases 0.1 r; rounded to the variant's dtype (round to nearest even); the
reference uses the float64 values of the rounded numbers.  Then the token
ids: torch.randint(0, V, (B, Tb)) from the same generator; pads set to 0.

Models (float64; every Linear is y = x W^T + b with W stored (out, in))
-------------------------------------------------------------------------
Rotary (modeling_rope_utils): inv[j] = theta^(-2j/R), j = 0..R/2-1;
  linear: inv[j] / factor;  llama3: with old = original_max_position_
  embeddings, wl = 2 pi / inv[j]: wl < old/high_freq_factor -> inv[j];
  wl > old/low_freq_factor -> inv[j]/factor; otherwise, s = (old/wl -
  low_freq_factor)/(high_freq_factor - low_freq_factor), (1-s) inv[j]/factor
  + s inv[j].  At position t, angle a[j] = t inv[j]; cos, sin of
  cat(a, a) (R values); x -> x cos + rotate_half(x) sin with
  rotate_half(x) = cat(-x[R/2:], x[:R/2]) (split halves, not interleaved
  pairs).  Positions are 0..len-1.  (HF computes inv and cos/sin in
  float32; here float64.)
Attention: causal softmax of q k^T / sqrt(HD) (HD = head_size / head_dim),
  heads concatenated in order, then the output projection.

GPT-NeoX: x = embed_in[ids]; per layer, with LN = LayerNorm(eps
  layer_norm_eps, biased variance, weight and bias):
    a = attn(LN1(x));  parallel:   x = x + a + mlp(LN2(x))
                       sequential: x = x + a;  x = x + mlp(LN2(x))
  query_key_value (3C, C) + bias: its output viewed (NH, 3 HS) -- per head
  [q_h, k_h, v_h], i.e. rows h*3HS + [0,HS) q, + [HS,2HS) k, + [2HS,3HS) v;
  rotary on the first R dims of each head's q and k, the rest passed
  through; dense (C, C) + bias.  mlp: dense_4h_to_h(gelu(dense_h_to_4h(h)))
  with biases and exact erf GELU ("gelu": x/2 (1 + erf(x/sqrt 2))).
  logits = LN_final(x) embed_out^T (untied, no bias).
Llama / Qwen2: x = embed_tokens[ids]; per layer
    x = x + attn(RMS1(x));  x = x + mlp(RMS2(x)),
  RMS(x) = x / sqrt(mean(x^2) + rms_norm_eps) * w.  q_proj (NH HD, C),
  k_proj, v_proj (NKV HD, C), o_proj (C, NH HD); rotary on all HD dims of q
  and k; query head j reads kv head j // (NH/NKV) (repeat_kv).  Biases:
  Llama q/k/v/o iff attention_bias, gate/up/down iff mlp_bias; Qwen2 q/k/v
  always, o_proj and the MLP never.  mlp: down(silu(gate(h)) * up(h)).
  logits = RMS_final(x) head^T, head = lm_head.weight, or embed_tokens
  when tie_word_embeddings (its gradient then holds both uses).

Loss: logits at position t predict token t+1.  For sequence b the target
positions are t = prompt_len[b]-1 .. len[b]-2; loss = (sum of -log
softmax(logits[b,t])[ids[b,t+1]]) / N_tok, N_tok = sum_b (len[b] -
prompt_len[b]).  len = (12, 9, 7), prompt_len = (3, 2, 4), B = 3, Tb = 12.

Training: torch.optim.AdamW, lr 1e-3, betas (0.9, 0.95), eps 1e-8, weight
decay 0.1 on the 2-D tensors (embeddings, matrices), 0 on biases and norm
weights; no gradient clipping.  Step k (k = 1..3), per tensor p with
gradient g: p -= lr wd p;  m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;
p -= (lr / (1 - b1^k)) m / (sqrt(v) / sqrt(1 - b2^k) + eps).
adamw.losses[i] is the loss at the weights after i steps (i = 0..3).

Files
-----
Safetensors as the safetensors library writes them: u64 little-endian
header length N; N bytes of compact JSON, "__metadata__" first
({"format": "pt"} for weights), then per tensor {"dtype", "shape",
"data_offsets"} in data order, padded with spaces to a multiple of 8; then
the raw little-endian data.  Tensors ordered by dtype size (descending),
then name -- here one dtype per file, so by name.  JSON files:
json.dumps(indent=2, sort_keys=True) + newline, as transformers writes them.
Shards: state_dict order, a new shard when the next tensor would pass
max_shard_size; named model-0000k-of-0000n.safetensors; the index holds
{"metadata": {"total_size": data bytes}, "weight_map": {name: file}}.

Tensor names (save_pretrained's; layer i = 0..L-1):
  gpt_neox.embed_in.weight (V,C);  gpt_neox.layers.i.input_layernorm.{weight,
  bias} (C); .post_attention_layernorm.{weight,bias} (C);
  .attention.query_key_value.weight (3C,C), .bias (3C); .attention.dense.
  weight (C,C), .bias (C); .mlp.dense_h_to_4h.weight (I,C), .bias (I);
  .mlp.dense_4h_to_h.weight (C,I), .bias (C); gpt_neox.final_layer_norm.
  {weight,bias} (C); embed_out.weight (V,C).
  model.embed_tokens.weight (V,C); model.layers.i.self_attn.q_proj.weight
  (NH HD,C) [.bias]; .k_proj / .v_proj.weight (NKV HD,C) [.bias];
  .o_proj.weight (C,NH HD) [.bias]; .mlp.gate_proj / .up_proj.weight (I,C)
  [.bias (I)]; .mlp.down_proj.weight (C,I) [.bias (C)];
  .input_layernorm.weight (C); .post_attention_layernorm.weight (C);
  model.norm.weight (C); lm_head.weight (V,C) unless tied.

expected.safetensors (all F64; metadata: the variant, the loss rule and the
optimizer's hyperparameters, as strings):
  input_ids (B,Tb)   token ids as exact floats, pads 0
  len (B), prompt_len (B)
  logits (B,Tb,V)    each sequence run alone at its own length; pads 0
  loss (1)           at the initial weights
  rope.inv_freq (R/2) the inverse frequencies above (after scaling)
  grad.<name>        d loss / d tensor, the tensor's HF shape, every tensor
  adamw.losses (4)   losses after 0, 1, 2, 3 steps
  after.<name>       every tensor after 3 steps
"""

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
    if v.get("bug") == "rotary_all":
        return v["HD"]
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
        # spellings transformers 4.47-4.55 add on save (partial_rotary_factor,
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
            "torch_dtype": tdt, "transformers_version": "4.55.0", "use_cache": True,
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
            "eos_token_id": v["eos"],
            "transformers_version": hf_config(v)["transformers_version"]}


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
    base_dim = v["HD"] if v.get("bug") == "rotary_dim_base" else R
    theta = 10000.0 if v.get("bug") == "theta_default" else v["theta"]
    inv = 1.0 / (theta ** (torch.arange(0, R, 2, dtype=torch.float64) / base_dim))
    if v.get("bug") == "no_rope_scaling":
        return inv
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


def rope(x, inv, bug=None):
    """x (..., n, R): x cos + rotate_half(x) sin, rotate_half = cat(-x2, x1)
    on the two halves; angle of pair j at position t is t inv[j]."""
    n, R = x.shape[-2], x.shape[-1]
    ang = torch.arange(n, dtype=torch.float64)[:, None] * inv[None, :]  # (n, R/2)
    if bug == "rope_pairs":                         # wrong: pairs (2j, 2j+1)
        xe, xo = x[..., 0::2], x[..., 1::2]
        c, s = ang.cos(), ang.sin()
        return torch.stack((xe * c - xo * s, xe * s + xo * c), dim=-1).flatten(-2)
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


def causal_attention(q, k, v, hd, window=None):
    """q (bn, NH, n, hd), k/v (bn, NH, n, hd) -> (bn, n, NH*hd)."""
    n = q.shape[-2]
    att = (q @ k.transpose(-1, -2)) * (1.0 / math.sqrt(hd))
    mask = torch.ones(n, n, dtype=torch.bool).tril()
    if window is not None:                          # wrong here: a sliding window
        mask = mask & ~torch.ones(n, n, dtype=torch.bool).tril(-window)
    att = torch.softmax(att.masked_fill(~mask, float("-inf")), dim=-1)
    y = att @ v
    return y.transpose(1, 2).reshape(q.shape[0], n, -1)


def neox_attention(v, p, pre, h, inv):
    bn, n, _ = h.shape
    NH, HS, R = v["NH"], v["HD"], rotary_dim(v)
    qkv = linear(h, p, pre + "attention.query_key_value", v["attn_bias"])  # (bn, n, 3C)
    if v.get("bug") == "qkv_blocks":                # wrong: [q | k | v] blocks
        q, k, vv = (qkv[..., i * v["C"]:(i + 1) * v["C"]].view(bn, n, NH, HS).transpose(1, 2)
                    for i in range(3))
    else:
        qkv = qkv.view(bn, n, NH, 3 * HS).transpose(1, 2)  # per head [q_h k_h v_h]
        q, k, vv = qkv[..., :HS], qkv[..., HS:2 * HS], qkv[..., 2 * HS:]
    bug = v.get("bug")
    q = torch.cat((rope(q[..., :R], inv, bug), q[..., R:]), dim=-1)
    k = torch.cat((rope(k[..., :R], inv, bug), k[..., R:]), dim=-1)
    y = causal_attention(q, k, vv, HS)
    return linear(y, p, pre + "attention.dense", v["attn_bias"])


def neox_mlp(v, p, pre, h):
    u = linear(h, p, pre + "mlp.dense_h_to_4h", True)
    u = torch.nn.functional.gelu(                   # "gelu": exact erf form
        u, approximate="tanh" if v.get("bug") == "gelu_tanh" else "none")
    return linear(u, p, pre + "mlp.dense_4h_to_h", True)


def llama_attention(v, p, pre, h, inv):
    bn, n, _ = h.shape
    NH, NKV, HD = v["NH"], v["NKV"], v["HD"]
    qkv_bias = v["attn_bias"]
    o_bias = v["attn_bias"] and v["family"] == "llama"
    bug = v.get("bug")
    q = linear(h, p, pre + "self_attn.q_proj", qkv_bias).view(bn, n, NH, HD).transpose(1, 2)
    k = linear(h, p, pre + "self_attn.k_proj", qkv_bias).view(bn, n, NKV, HD).transpose(1, 2)
    vv = linear(h, p, pre + "self_attn.v_proj", qkv_bias).view(bn, n, NKV, HD).transpose(1, 2)
    q, k = rope(q, inv, bug), rope(k, inv, bug)
    kv_of = torch.arange(NH) // (NH // NKV)         # query head j reads kv head j/(NH/NKV)
    if bug == "gqa_modulo":                         # wrong: j mod NKV
        kv_of = torch.arange(NH) % NKV
    window = hf_config(v).get("sliding_window") if bug == "sliding_window" else None
    y = causal_attention(q, k[:, kv_of], vv[:, kv_of], HD, window)
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
            if v["parallel"] != (v.get("bug") == "residual_swap"):
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
    adam_diff = manual_adamw_check(v, w, tokens, losses, after)
    return dict(logits=logits, loss=float(loss), grads=grads, losses=losses,
                after=after, pad_diff=pad_diff, adam_diff=adam_diff)


def manual_adamw_check(v, w, tokens, losses, after):
    """The documented AdamW update written out, against torch's optimizer:
    returns the max |difference| of the weights after N_STEPS."""
    p = make_params(w)
    m = {k: torch.zeros_like(t) for k, t in w.items()}
    s = {k: torch.zeros_like(t) for k, t in w.items()}
    for step in range(1, N_STEPS + 1):
        for q in p.values():
            q.grad = None
        l, _ = loss_and_logits(v, p, tokens)
        l.backward()
        assert abs(float(l) - losses[step - 1]) < 1e-13
        with torch.no_grad():
            for k, q in p.items():
                g = q.grad
                wd = WEIGHT_DECAY if q.dim() == 2 else 0.0
                q.mul_(1 - LR * wd)
                m[k] = BETA1 * m[k] + (1 - BETA1) * g
                s[k] = BETA2 * s[k] + (1 - BETA2) * g * g
                denom = s[k].sqrt() / math.sqrt(1 - BETA2 ** step) + ADAM_EPS
                q.sub_(LR / (1 - BETA1 ** step) * m[k] / denom)
    d = max((p[k].detach() - after[k]).abs().max().item() for k in after)
    assert d < 1e-12, ("AdamW written out differs from torch's", v["name"], d)
    return d


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


# ---------------------------------------------------------------- sensitivity
BUGS = {  # convention error -> variants where it must show
    "qkv_blocks": "fused qkv read as [q | k | v] blocks instead of per head",
    "rope_pairs": "rotary on interleaved pairs (2j, 2j+1) instead of halves",
    "rotary_all": "rotary on all head dims instead of int(HS * rotary_pct)",
    "rotary_dim_base": "inv_freq exponent over head_size instead of R",
    "residual_swap": "parallel <-> sequential residual",
    "gelu_tanh": "tanh GELU instead of erf GELU",
    "no_rope_scaling": "rope_scaling ignored",
    "gqa_modulo": "query head j reads kv head j mod NKV",
    "theta_default": "rope theta read as 10000",
    "sliding_window": "the decoy sliding_window applied",
}


def applies(bug, v):
    if bug in ("qkv_blocks", "residual_swap", "gelu_tanh"):
        return v["family"] == "gpt_neox"
    if bug in ("rotary_all", "rotary_dim_base"):
        return rotary_dim(v) < v["HD"]
    if bug == "no_rope_scaling":
        return v["rope"] != "default"
    if bug == "gqa_modulo":
        return 1 < v["NKV"] < v["NH"]
    if bug == "sliding_window":
        return v["family"] == "qwen2"
    if bug == "theta_default":
        return v["theta"] != 10000.0 and rotary_dim(v) > 2
    return True


def sensitivity():
    """Max |dlogit| over valid positions when one convention is flipped:
    each must be far above the reference's round-off."""
    worst_small = math.inf
    for v in VARIANTS:
        w, tokens = init_weights(v)
        with torch.no_grad():
            ref = forward(v, w, tokens)
            for bug, what in BUGS.items():
                if not applies(bug, v):
                    continue
                got = forward(dict(v, bug=bug), w, tokens)
                d = max((got[b, :LENS[b]] - ref[b, :LENS[b]]).abs().max().item()
                        for b in range(B))
                worst_small = min(worst_small, d)
                print(f"{v['name']:24s} {bug:16s} max |dlogit| = {d:.3g}   ({what})")
                assert d > 1e-6, (v["name"], bug, d)
    print(f"smallest: {worst_small:.3g}")


# ---------------------------------------------------------------- main
def main():
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    if sys.argv[1:] == ["--sensitivity"]:
        return sensitivity()
    if len(sys.argv) != 2:
        sys.exit("usage: gen_family_reference.py OUT_DIR   (normally tests/data/families)\n"
                 "       gen_family_reference.py --sensitivity")
    out = sys.argv[1]
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
        print(f"   padded-batch max |dlogit| = {r['pad_diff']:.3g};  AdamW written out vs "
              f"torch, max |dw| = {r['adam_diff']:.3g}")
        print(f"   finite differences: {n_fd} entries, worst rel err = {worst_fd:.3g} (< {FD_TOL:g})")
        print("   files: " + ", ".join(f"{f} {s}" for f, s in sizes.items()))
    print(f"total {total_bytes} bytes")


if __name__ == "__main__":
    main()
