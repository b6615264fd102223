#!/usr/bin/env python3
"""The same model as tools/bench.c, in PyTorch, for a side-by-side timing.

GPT-2 (tied head, pre-LayerNorm, causal attention, tanh GELU), float32, one
training step = zero_grad, forward, mean cross-entropy over the tokens,
backward, AdamW. Medians of --iters steps after 3 warm-ups. Prints one line
per figure, "name value unit", which tools/bench.c reads.

Run by tools/bench.c (make bench) when Debian's python3-torch is installed:
    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=2 /usr/bin/python3 tools/bench_torch.py \\
        --layers 4 --channels 128 --heads 4 --context 64 --vocab 257 --batch 8 --threads 2
PyTorch gets its best setting: torch.set_num_threads(threads), no
oversubscription (OPENBLAS_NUM_THREADS=1), OPENBLAS_CORETYPE unset, inference
of nothing: the whole step as a user would write it.
"""
import argparse
import math
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, C, NH, T):
        super().__init__()
        self.ln1 = nn.LayerNorm(C)
        self.qkv = nn.Linear(C, 3 * C)
        self.proj = nn.Linear(C, C)
        self.ln2 = nn.LayerNorm(C)
        self.fc = nn.Linear(C, 4 * C)
        self.fcproj = nn.Linear(4 * C, C)
        self.NH = NH
        self.register_buffer("mask", torch.tril(torch.ones(T, T, dtype=torch.bool)))

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(C, dim=2)
        hs = C // self.NH
        q = q.view(B, T, self.NH, hs).transpose(1, 2)
        k = k.view(B, T, self.NH, hs).transpose(1, 2)
        v = v.view(B, T, self.NH, hs).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(hs))
        att = att.masked_fill(~self.mask[:T, :T], float("-inf")).softmax(dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
        x = x + self.proj(y)
        return x + self.fcproj(F.gelu(self.fc(self.ln2(x)), approximate="tanh"))


class GPT(nn.Module):
    def __init__(self, L, C, NH, T, V):
        super().__init__()
        self.wte = nn.Embedding(V, C)
        self.wpe = nn.Embedding(T, C)
        self.blocks = nn.ModuleList([Block(C, NH, T) for _ in range(L)])
        self.lnf = nn.LayerNorm(C)

    def forward(self, idx):
        B, T = idx.shape
        x = self.wte(idx) + self.wpe(torch.arange(T))
        for b in self.blocks:
            x = b(x)
        return self.lnf(x) @ self.wte.weight.t()


def main():
    p = argparse.ArgumentParser()
    for a, d in [("layers", 4), ("channels", 128), ("heads", 4), ("context", 64), ("vocab", 257),
                 ("batch", 8), ("iters", 20), ("threads", 2)]:
        p.add_argument("--" + a, type=int, default=d)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = GPT(a.layers, a.channels, a.heads, a.context, a.vocab)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    x = torch.randint(0, a.vocab - 1, (a.batch, a.context))
    y = torch.randint(0, a.vocab - 1, (a.batch, a.context))
    steps, fwds, bwds = [], [], []
    for i in range(a.iters + 3):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        logits = model(x)
        loss = F.cross_entropy(logits.view(-1, a.vocab), y.view(-1))
        t1 = time.perf_counter()
        loss.backward()
        t2 = time.perf_counter()
        opt.step()
        t3 = time.perf_counter()
        if i >= 3:
            steps.append(t3 - t0)
            fwds.append(t1 - t0)
            bwds.append(t2 - t1)
    step = statistics.median(steps) * 1e3
    print(f"torch_version {torch.__version__}")
    print(f"torch_threads {torch.get_num_threads()}")
    print(f"torch_step_ms {step:.2f} ms")
    print(f"torch_forward_ms {statistics.median(fwds) * 1e3:.2f} ms")
    print(f"torch_backward_ms {statistics.median(bwds) * 1e3:.2f} ms")
    print(f"torch_train_tokens_per_s {a.batch * a.context / step * 1e3:.0f} tok/s")


if __name__ == "__main__":
    main()
