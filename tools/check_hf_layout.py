#!/usr/bin/python3
"""Independent check that a checkpoint directory is a Hugging Face GPT-2.

What it checks
--------------
`ld_save(&m, dir)` claims that dir/model.safetensors + dir/config.json load in
`transformers.GPT2LMHeadModel`.  transformers is not installable here, so this
script re-implements, from Hugging Face's conventions and nothing of
ld_llm.h, the two things `GPT2LMHeadModel.from_pretrained(dir)` does:

1. Loading.
   * model.safetensors is parsed by hand (struct + json) and validated the way
     the safetensors library validates it: an 8-byte little-endian header
     length N, a JSON header of N bytes, then the data section; every tensor's
     data_offsets are relative to the start of the data section, the tensors
     tile the data section exactly (no gap, no overlap, nothing left over) and
     each spans numel * itemsize bytes.  F64/F32/F16/BF16 are read.
   * `__metadata__` must carry {"format": "pt"}: transformers refuses other
     formats, and versions before ~4.36 call metadata.get() without a None
     check, so a file without metadata cannot be loaded by them at all.
   * config.json is read with GPT2Config's defaults for absent keys
     (vocab_size 50257, n_positions 1024, n_embd 768, n_layer 12, n_head 12,
     n_inner None -> 4*n_embd, activation_function "gelu_new",
     layer_norm_epsilon 1e-5, scale_attn_weights True,
     scale_attn_by_inverse_layer_idx False, tie_word_embeddings True);
     architecture keys that are absent are reported, since HF would silently
     use those defaults.
   * Tensor names: HF GPT-2 names with or without the "transformer." prefix
     (wte, wpe, h.{i}.ln_1, h.{i}.attn.c_attn, h.{i}.attn.c_proj, h.{i}.ln_2,
     h.{i}.mlp.c_fc, h.{i}.mlp.c_proj, ln_f, optional lm_head.weight).  Every
     expected tensor must be present with HF's exact shape (Conv1D weights are
     (in, out): c_attn (C, 3C), attn.c_proj (C, C), c_fc (C, 4C),
     mlp.c_proj (4C, C); wte (V, C); wpe (n_positions, C); lm_head (V, C)),
     nothing unexpected may be present (the old attn.bias / attn.masked_bias
     buffers are ignored, as HF does), and no value may be NaN/inf.
   * HF's base-model-prefix rule: a checkpoint none of whose keys start with
     "transformer" is loaded into model.transformer; if such a checkpoint also
     holds "lm_head.weight", transformers 4.x raises "The state dictionary of
     the model you are trying to load is corrupted" (later versions route it
     to "transformer.lm_head.weight", an unexpected key, and leave lm_head
     randomly initialised).  This is reported as a loader error.
   * Head: lm_head is tied to wte unless tie_word_embeddings is false and
     lm_head.weight is present.  tie_word_embeddings false without
     lm_head.weight (HF would initialise it randomly) is an error; a present
     lm_head.weight that differs from wte under tie_word_embeddings true (HF
     would silently ignore it) is an error.

2. The forward pass of GPT2LMHeadModel in eval mode (dropout off), written
   out in PyTorch: h = wte[ids] + wpe[0..T); per block
   h += c_proj(attn(ln_1(h))), h += mlp_c_proj(act(c_fc(ln_2(h)))), where a
   Conv1D is x @ W + b with W stored (in, out); c_attn's output splits into
   q, k, v along the last dim (in that order), each viewed as (n_head,
   head_dim) heads; scores q k^T / sqrt(head_dim) (scale_attn_weights), also
   / (layer+1) if scale_attn_by_inverse_layer_idx; causal mask with
   finfo.min; softmax; heads merged back in order; act = gelu_new (tanh
   GELU) or whatever activation_function names; LayerNorm with
   layer_norm_epsilon; ln_f; logits = h @ lm_head^T.  Each token sequence
   is run on its own (batch 1, no padding), in float64 by default.

The logits of every position of every sequence are written as little-endian
float64, sequence after sequence, each a (len, V) row-major block.  With
--compare, they are compared with a file in the same format (the C
library's, from tools/dump_logits.c) and the max abs difference is printed.
--sensitivity re-runs the forward pass with deliberate convention errors
(Conv1D weights read as (out, in), k/q swapped, no 1/sqrt(head_dim), erf
GELU, wrong epsilon, untied/tied head swapped) to show that each one would
be caught by the comparison.

How to run
----------
    gcc -std=c99 -O2 tools/dump_logits.c -o /tmp/dump_logits -lm
    /tmp/dump_logits /tmp/hfcheck
    for d in tied untied; do
      /usr/bin/python3 tools/check_hf_layout.py /tmp/hfcheck/$d \\
          --tokens /tmp/hfcheck/$d/tokens.txt --out /tmp/hfcheck/$d/logits_py.f64 \\
          --compare /tmp/hfcheck/$d/logits_c.f64 --sensitivity
    done

Token file: one sequence per line, token ids separated by white space.
Needs only Python 3, numpy and torch (Debian's /usr/bin/python3, torch 1.13).
Exit status: 0 all good; 1 logits differ by more than --tol; 2 bad input
(unreadable/malformed file); 3 the checkpoint would not load as a GPT-2 in
transformers (see the printed reasons; takes precedence over 1, the logits
are still compared and printed).
"""

import argparse
import json
import math
import os
import re
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F


class BadInput(Exception):
    pass


# ---------------------------------------------------------------------------
# safetensors, by hand
# ---------------------------------------------------------------------------

_DTYPES = {
    # name: (numpy dtype or None for bf16, itemsize)
    "F64": (np.dtype("<f8"), 8),
    "F32": (np.dtype("<f4"), 4),
    "F16": (np.dtype("<f2"), 2),
    "BF16": (None, 2),
    "I64": (np.dtype("<i8"), 8),
    "I32": (np.dtype("<i4"), 4),
    "I16": (np.dtype("<i2"), 2),
    "I8": (np.dtype("i1"), 1),
    "U8": (np.dtype("u1"), 1),
    "BOOL": (np.dtype("?"), 1),
}
_FLOAT_DTYPES = ("F64", "F32", "F16", "BF16")


def read_safetensors(path):
    """Returns (tensors: name -> (dtype_name, float64 ndarray), metadata, header_len)."""
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise BadInput(f"{path}: {len(blob)} bytes, shorter than the 8-byte header length")
    (n,) = struct.unpack("<Q", blob[:8])
    if n > 100_000_000:
        raise BadInput(f"{path}: header length {n} exceeds safetensors' 100 MB limit")
    if 8 + n > len(blob):
        raise BadInput(f"{path}: header length {n} runs past the end of the file ({len(blob)} bytes)")
    try:
        header = json.loads(blob[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise BadInput(f"{path}: header is not UTF-8 JSON: {e}")
    if not isinstance(header, dict):
        raise BadInput(f"{path}: header is not a JSON object")
    data = memoryview(blob)[8 + n:]

    metadata = header.pop("__metadata__", None)
    if metadata is not None:
        if not isinstance(metadata, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
            raise BadInput(f"{path}: __metadata__ must map strings to strings")

    spans = []
    for name, info in header.items():
        if not isinstance(info, dict) or set(info) != {"dtype", "shape", "data_offsets"}:
            raise BadInput(f"{path}: tensor {name!r}: entry must have exactly dtype, shape, data_offsets")
        dt, shape, offs = info["dtype"], info["shape"], info["data_offsets"]
        if dt not in _DTYPES:
            raise BadInput(f"{path}: tensor {name!r}: unknown dtype {dt!r}")
        if not (isinstance(shape, list) and all(isinstance(d, int) and d >= 0 for d in shape)):
            raise BadInput(f"{path}: tensor {name!r}: bad shape {shape!r}")
        if not (isinstance(offs, list) and len(offs) == 2 and all(isinstance(o, int) for o in offs)
                and 0 <= offs[0] <= offs[1]):
            raise BadInput(f"{path}: tensor {name!r}: bad data_offsets {offs!r}")
        numel = 1
        for d in shape:
            numel *= d
        if offs[1] - offs[0] != numel * _DTYPES[dt][1]:
            raise BadInput(f"{path}: tensor {name!r}: data_offsets span {offs[1] - offs[0]} bytes, "
                           f"shape {shape} of {dt} needs {numel * _DTYPES[dt][1]}")
        spans.append((offs[0], offs[1], name))

    # the tensors must tile the data section exactly, as safetensors requires
    spans.sort()
    pos = 0
    for b, e, name in spans:
        if b != pos:
            raise BadInput(f"{path}: tensor {name!r} starts at {b}, expected {pos} "
                           f"({'gap' if b > pos else 'overlap'} in the data section)")
        pos = e
    if pos != len(data):
        raise BadInput(f"{path}: tensors cover {pos} bytes of a {len(data)}-byte data section")

    tensors = {}
    for name, info in header.items():
        dt, shape, (b, e) = info["dtype"], info["shape"], info["data_offsets"]
        raw = bytes(data[b:e])
        if dt == "BF16":
            u = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
            arr = u.view(np.float32).astype(np.float64)
        else:
            arr = np.frombuffer(raw, dtype=_DTYPES[dt][0]).astype(np.float64)
        tensors[name] = (dt, arr.reshape(shape))
    return tensors, metadata, n


# ---------------------------------------------------------------------------
# config.json with GPT2Config's defaults
# ---------------------------------------------------------------------------

_GPT2_DEFAULTS = {
    "vocab_size": 50257,
    "n_positions": 1024,
    "n_embd": 768,
    "n_layer": 12,
    "n_head": 12,
    "n_inner": None,
    "activation_function": "gelu_new",
    "layer_norm_epsilon": 1e-5,
    "scale_attn_weights": True,
    "scale_attn_by_inverse_layer_idx": False,
    "reorder_and_upcast_attn": False,
    "tie_word_embeddings": True,
}
_ARCH_KEYS = ("vocab_size", "n_positions", "n_embd", "n_layer", "n_head",
              "layer_norm_epsilon", "activation_function", "tie_word_embeddings")


def read_config(path, problems, notes):
    try:
        with open(path, "r", encoding="utf-8") as f:
            raw = json.load(f)
    except (OSError, ValueError) as e:
        raise BadInput(f"{path}: {e}")
    if not isinstance(raw, dict):
        raise BadInput(f"{path}: not a JSON object")
    cfg = dict(_GPT2_DEFAULTS)
    cfg.update({k: raw[k] for k in _GPT2_DEFAULTS if k in raw})
    for k in _ARCH_KEYS:
        if k not in raw:
            notes.append(f"config.json has no {k!r}; GPT2Config's default {cfg[k]!r} applies")
    if raw.get("model_type") != "gpt2":
        problems.append(f"config.json model_type is {raw.get('model_type')!r}, not 'gpt2' "
                        "(AutoConfig/AutoModel could not resolve it)")
    arch = raw.get("architectures")
    if arch is not None and "GPT2LMHeadModel" not in arch:
        notes.append(f"config.json architectures = {arch!r}")
    for k in ("vocab_size", "n_positions", "n_embd", "n_layer", "n_head"):
        if not isinstance(cfg[k], int) or isinstance(cfg[k], bool) or cfg[k] <= 0:
            raise BadInput(f"{path}: {k} = {cfg[k]!r} is not a positive integer")
    if "n_ctx" in raw and raw["n_ctx"] != cfg["n_positions"]:
        notes.append(f"config.json n_ctx = {raw['n_ctx']} differs from n_positions = {cfg['n_positions']}")
    if cfg["n_embd"] % cfg["n_head"] != 0:
        problems.append(f"n_embd {cfg['n_embd']} is not divisible by n_head {cfg['n_head']} "
                        "(GPT2Attention raises ValueError)")
    if cfg["n_inner"] is None:
        cfg["inner"] = 4 * cfg["n_embd"]
    else:
        cfg["inner"] = cfg["n_inner"]
    eps = cfg["layer_norm_epsilon"]
    if not isinstance(eps, (int, float)) or isinstance(eps, bool) or not eps > 0:
        raise BadInput(f"{path}: layer_norm_epsilon = {eps!r}")
    cfg["raw"] = raw
    return cfg


# ---------------------------------------------------------------------------
# names and shapes as GPT2LMHeadModel expects them
# ---------------------------------------------------------------------------

def expected_shapes(cfg):
    V, P, C, L, I = cfg["vocab_size"], cfg["n_positions"], cfg["n_embd"], cfg["n_layer"], cfg["inner"]
    shapes = {"wte.weight": (V, C), "wpe.weight": (P, C),
              "ln_f.weight": (C,), "ln_f.bias": (C,)}
    for i in range(L):
        h = f"h.{i}."
        shapes.update({
            h + "ln_1.weight": (C,), h + "ln_1.bias": (C,),
            h + "attn.c_attn.weight": (C, 3 * C), h + "attn.c_attn.bias": (3 * C,),
            h + "attn.c_proj.weight": (C, C), h + "attn.c_proj.bias": (C,),
            h + "ln_2.weight": (C,), h + "ln_2.bias": (C,),
            h + "mlp.c_fc.weight": (C, I), h + "mlp.c_fc.bias": (I,),
            h + "mlp.c_proj.weight": (I, C), h + "mlp.c_proj.bias": (C,),
        })
    return shapes


_IGNORED_BUFFERS = re.compile(r"^h\.\d+\.attn\.(bias|masked_bias)$")


def load_checkpoint(d):
    """Returns (cfg, weights: name -> float64 tensor, problems, notes)."""
    problems, notes = [], []
    cfg = read_config(os.path.join(d, "config.json"), problems, notes)
    st_path = os.path.join(d, "model.safetensors")
    tensors, metadata, hlen = read_safetensors(st_path)

    if metadata is None:
        problems.append("model.safetensors has no __metadata__ {'format': 'pt'}; transformers "
                        "before ~4.36 fail on metadata.get() of None")
    elif metadata.get("format") not in ("pt", "tf", "flax", "mlx"):
        problems.append(f"model.safetensors __metadata__ format = {metadata.get('format')!r}; "
                        "transformers raises 'does not contain the valid metadata'")
    elif metadata.get("format") != "pt":
        notes.append(f"__metadata__ format is {metadata['format']!r}, not 'pt'")

    keys = list(tensors)
    has_prefix = any(k.startswith("transformer") for k in keys)
    # HF's rule for a task model (GPT2LMHeadModel) loading a base-model state dict
    if not has_prefix and "lm_head.weight" in tensors:
        problems.append(
            "no tensor name starts with 'transformer.' but 'lm_head.weight' is present: "
            "GPT2LMHeadModel.from_pretrained loads such a file into model.transformer and "
            "transformers 4.x raises 'The state dictionary of the model you are trying to load "
            "is corrupted' (newer versions rename it to 'transformer.lm_head.weight', an "
            "unexpected key, and leave lm_head randomly initialised). Save the untied model "
            "with the 'transformer.' prefix on every base-model tensor (as save_pretrained does).")
    mixed = has_prefix and any(not k.startswith("transformer.") and k != "lm_head.weight"
                               and not _IGNORED_BUFFERS.match(k) for k in keys)
    if mixed:
        problems.append("some base-model tensors have the 'transformer.' prefix and some do not")

    exp = expected_shapes(cfg)
    got = {}
    for k, (dt, arr) in tensors.items():
        name = k[len("transformer."):] if k.startswith("transformer.") else k
        if _IGNORED_BUFFERS.match(name):
            notes.append(f"ignored buffer {k!r} (HF ignores it too)")
            continue
        if dt not in _FLOAT_DTYPES:
            problems.append(f"tensor {k!r} has dtype {dt}, not a float type")
        if name in got:
            problems.append(f"tensor {name!r} appears twice (with and without prefix)")
        got[name] = (k, dt, arr)

    weights = {}
    for name, shape in exp.items():
        if name not in got:
            problems.append(f"missing tensor {name!r} (HF would initialise it randomly)")
            continue
        k, dt, arr = got[name]
        if tuple(arr.shape) != shape:
            problems.append(f"tensor {k!r}: shape {list(arr.shape)}, GPT-2 expects {list(shape)}")
            continue
        if not np.all(np.isfinite(arr)):
            problems.append(f"tensor {k!r} holds NaN or infinity")
        weights[name] = torch.from_numpy(arr.copy())

    V, C = cfg["vocab_size"], cfg["n_embd"]
    tie = cfg["tie_word_embeddings"]
    if "lm_head.weight" in got:
        k, dt, arr = got["lm_head.weight"]
        if tuple(arr.shape) != (V, C):
            problems.append(f"tensor {k!r}: shape {list(arr.shape)}, GPT-2 expects {[V, C]}")
        elif tie:
            if "wte.weight" in weights and not np.array_equal(arr, weights["wte.weight"].numpy()):
                problems.append("tie_word_embeddings is true but lm_head.weight differs from "
                                "wte.weight: HF ties the head to wte and ignores lm_head.weight")
            else:
                notes.append("lm_head.weight present and equal to wte.weight (tied)")
        else:
            weights["lm_head.weight"] = torch.from_numpy(arr.copy())
    elif not tie:
        problems.append("tie_word_embeddings is false but there is no lm_head.weight "
                        "(HF would initialise the head randomly)")
    if tie and "wte.weight" in weights:
        weights["lm_head.weight"] = weights["wte.weight"]
    cfg["head"] = "tied to wte" if tie else "own lm_head.weight"

    unexpected = sorted(k for k in got if k not in exp and k != "lm_head.weight")
    for name in unexpected:
        problems.append(f"unexpected tensor {got[name][0]!r} (HF would drop it with a warning)")

    cfg["dtypes"] = sorted({dt for (dt, _) in tensors.values()})
    cfg["n_tensors"] = len(tensors)
    cfg["prefixed"] = has_prefix
    cfg["metadata"] = metadata
    return cfg, weights, problems, notes


# ---------------------------------------------------------------------------
# GPT2LMHeadModel.forward, eval mode
# ---------------------------------------------------------------------------

def _act(name, x):
    if name in ("gelu_new", "gelu_pytorch_tanh", "gelu_fast", "gelu_accurate"):
        # gelu_new: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
        return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))
    if name == "gelu":
        return x * 0.5 * (1.0 + torch.erf(x / math.sqrt(2.0)))
    if name == "relu":
        return torch.relu(x)
    if name == "silu" or name == "swish":
        return x * torch.sigmoid(x)
    if name == "quick_gelu":
        return x * torch.sigmoid(1.702 * x)
    if name == "tanh":
        return torch.tanh(x)
    raise BadInput(f"activation_function {name!r} is not handled")


def conv1d(x, w, b):
    """HF Conv1D: W stored (in, out); y = x @ W + b."""
    return torch.addmm(b, x.reshape(-1, x.shape[-1]), w).reshape(*x.shape[:-1], w.shape[1])


def gpt2_logits(cfg, W, ids, dtype=torch.float64, mutate=None):
    """ids: 1-D LongTensor. Returns logits (T, V) in `dtype`."""
    C, NH, L = cfg["n_embd"], cfg["n_head"], cfg["n_layer"]
    hd = C // NH
    eps = cfg["layer_norm_epsilon"]
    act = cfg["activation_function"]
    if mutate == "wrong_eps":
        eps = eps * 100.0 + 1e-3
    if mutate == "erf_gelu":
        act = "gelu"
    w = {k: v.to(dtype) for k, v in W.items()}

    def cw(name):  # a Conv1D weight, (in, out)
        t = w[name]
        if mutate == "conv_out_in" and name.endswith("c_proj.weight") and t.shape[0] == t.shape[1]:
            return t.t()  # the (out, in) reading would slip past the shape check
        return t

    T = ids.shape[0]
    if T > cfg["n_positions"]:
        raise BadInput(f"sequence of {T} tokens exceeds n_positions {cfg['n_positions']}")
    pos = torch.arange(T)
    h = F.embedding(ids, w["wte.weight"]) + F.embedding(pos, w["wpe.weight"])
    h = h.unsqueeze(0)  # (1, T, C)
    causal = torch.tril(torch.ones(T, T, dtype=torch.bool)).view(1, 1, T, T)
    for i in range(L):
        p = f"h.{i}."
        x = F.layer_norm(h, (C,), w[p + "ln_1.weight"], w[p + "ln_1.bias"], eps)
        qkv = conv1d(x, cw(p + "attn.c_attn.weight"), w[p + "attn.c_attn.bias"])
        q, k, v = qkv.split(C, dim=2)
        if mutate == "swap_qk":
            q, k = k, q
        if mutate == "swap_qv":
            q, v = v, q

        def heads(t):
            return t.view(1, T, NH, hd).permute(0, 2, 1, 3)

        q, k, v = heads(q), heads(k), heads(v)
        att = torch.matmul(q, k.transpose(-1, -2))
        if cfg["scale_attn_weights"] and mutate != "no_scale":
            att = att / torch.full([], v.size(-1) ** 0.5, dtype=att.dtype)
        if cfg["scale_attn_by_inverse_layer_idx"]:
            att = att / float(i + 1)
        att = torch.where(causal, att, torch.full([], torch.finfo(att.dtype).min, dtype=att.dtype))
        att = torch.softmax(att, dim=-1)
        y = torch.matmul(att, v).permute(0, 2, 1, 3).contiguous().view(1, T, C)
        y = conv1d(y, cw(p + "attn.c_proj.weight"), w[p + "attn.c_proj.bias"])
        h = h + y
        x = F.layer_norm(h, (C,), w[p + "ln_2.weight"], w[p + "ln_2.bias"], eps)
        x = _act(act, conv1d(x, cw(p + "mlp.c_fc.weight"), w[p + "mlp.c_fc.bias"]))
        x = conv1d(x, cw(p + "mlp.c_proj.weight"), w[p + "mlp.c_proj.bias"])
        h = h + x
    h = F.layer_norm(h, (C,), w["ln_f.weight"], w["ln_f.bias"], eps)
    head = w["lm_head.weight"]
    if mutate == "swap_head":  # tied <-> untied confusion
        head = w["wte.weight"] if not cfg["tie_word_embeddings"] else head * 0.9
    return F.linear(h, head)[0]  # nn.Linear(C, V, bias=False): h @ W^T


MUTATIONS = ("conv_out_in", "swap_qk", "swap_qv", "no_scale", "erf_gelu", "wrong_eps", "swap_head")


# ---------------------------------------------------------------------------

def read_tokens(path, V):
    seqs = []
    with open(path, "r") as f:
        for ln, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                ids = [int(t) for t in line.split()]
            except ValueError:
                raise BadInput(f"{path}:{ln}: not a list of integers")
            for t in ids:
                if not 0 <= t < V:
                    raise BadInput(f"{path}:{ln}: token {t} outside [0, {V})")
            seqs.append(torch.tensor(ids, dtype=torch.long))
    if not seqs:
        raise BadInput(f"{path}: no sequences")
    return seqs


def all_logits(cfg, W, seqs, dtype, mutate=None):
    with torch.no_grad():
        return [gpt2_logits(cfg, W, s, dtype, mutate).to(torch.float64) for s in seqs]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model_dir", help="directory with model.safetensors and config.json")
    ap.add_argument("--tokens", help="token-id file: one sequence per line")
    ap.add_argument("--out", help="write the logits here (float64 LE, (len, V) per sequence)")
    ap.add_argument("--compare", help="logits file in the same format to compare with")
    ap.add_argument("--tol", type=float, default=1e-4,
                    help="max abs difference allowed by --compare (default 1e-4)")
    ap.add_argument("--dtype", choices=("float64", "float32"), default="float64",
                    help="precision of the reference forward (HF's default is float32)")
    ap.add_argument("--sensitivity", action="store_true",
                    help="also run deliberate convention errors and show they are caught")
    args = ap.parse_args()
    dtype = torch.float64 if args.dtype == "float64" else torch.float32

    try:
        cfg, W, problems, notes = load_checkpoint(args.model_dir)
    except BadInput as e:
        print(f"BAD INPUT: {e}")
        return 2

    print(f"== {args.model_dir}")
    print(f"config: V={cfg['vocab_size']} n_positions={cfg['n_positions']} n_embd={cfg['n_embd']} "
          f"n_layer={cfg['n_layer']} n_head={cfg['n_head']} inner={cfg['inner']} "
          f"act={cfg['activation_function']} eps={cfg['layer_norm_epsilon']} "
          f"scale_attn_weights={cfg['scale_attn_weights']} "
          f"tie_word_embeddings={cfg['tie_word_embeddings']}")
    print(f"safetensors: {cfg['n_tensors']} tensors, dtypes {cfg['dtypes']}, "
          f"'transformer.' prefix: {'yes' if cfg['prefixed'] else 'no'}, "
          f"__metadata__ {cfg['metadata']}; head: {cfg['head']}")
    for n in notes:
        print(f"note: {n}")
    for p in problems:
        print(f"LOADER PROBLEM: {p}")

    rc = 3 if problems else 0
    if not args.tokens:
        print("loader checks: " + ("FAIL" if problems else "ok") + " (no --tokens: no forward pass)")
        return rc
    needed = set(expected_shapes(cfg)) | {"lm_head.weight"}
    if not needed <= set(W):
        print("cannot run the forward pass: tensors missing or misshapen")
        return 3
    try:
        seqs = read_tokens(args.tokens, cfg["vocab_size"])
        ref = all_logits(cfg, W, seqs, dtype)
    except BadInput as e:
        print(f"BAD INPUT: {e}")
        return 2
    flat = torch.cat([r.reshape(-1) for r in ref]).numpy().astype("<f8")
    print(f"forward ({args.dtype}): {len(seqs)} sequences, lengths {[len(s) for s in seqs]}, "
          f"max |logit| {np.abs(flat).max():.6g}")
    if args.out:
        flat.tofile(args.out)
        print(f"wrote {args.out} ({flat.size} float64)")

    if args.compare:
        other = np.fromfile(args.compare, dtype="<f8")
        if other.size != flat.size:
            print(f"BAD INPUT: {args.compare} holds {other.size} numbers, expected {flat.size}")
            return 2
        V = cfg["vocab_size"]
        off = 0
        worst = 0.0
        for b, s in enumerate(seqs):
            n = len(s) * V
            d = np.abs(other[off:off + n] - flat[off:off + n])
            t_worst = int(np.argmax(d)) // V
            print(f"  sequence {b} (len {len(s)}): max abs diff {d.max():.3e} (at position {t_worst}), "
                  f"mean {d.mean():.3e}")
            worst = max(worst, float(d.max()))
            off += n
        ok = worst <= args.tol and np.all(np.isfinite(other))
        print(f"compare with {args.compare}: max abs diff {worst:.3e} -> "
              f"{'ok' if ok else 'MISMATCH'} (tol {args.tol:g})")
        if not ok:
            rc = rc or 1

        if args.sensitivity:
            print("sensitivity (each deliberate convention error vs the compared logits):")
            for mname in MUTATIONS:
                mut = all_logits(cfg, W, seqs, dtype, mutate=mname)
                mflat = torch.cat([r.reshape(-1) for r in mut]).numpy()
                md = float(np.abs(other - mflat).max())
                print(f"  {mname:12s} max abs diff {md:.3e} -> "
                      f"{'caught' if md > args.tol else 'NOT CAUGHT'}")

    print("result: " + ("ok" if rc == 0 else {1: "LOGITS MISMATCH", 3: "LOADER PROBLEM"}[rc]))
    return rc


if __name__ == "__main__":
    sys.exit(main())
