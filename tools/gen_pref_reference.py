#!/usr/bin/python3
"""PyTorch reference for the preference losses of ld_llm.h.

Each loss is written here from TRL's own code (trl/trainer/dpo_trainer.py,
DPOTrainer._compute_loss, TRL 1.1.0, read in a copy of that file versioned
1.1.0; `sigmoid_norm` as added by huggingface/trl#5406; `nca_pair`,
`bco_pair`, `sppo_hard` and `apo_down` on the raw log-ratios as
huggingface/trl#6559 made them; KTO from trl/experimental/kto/kto_trainer.py
at commit b8a6c0b5d237ed33907bf308cdd973cbfcd0c8ea, KTOTrainer.kto_loss),
plus the
header's own losses (cdpo, ipo_sum, dpop, simpo, orpo, RPO's NLL) from
their definitions. It works at the level TRL's losses do: per-token
log-probs of each response under the policy (which carry the gradient) and
the reference, summed (or LD-DPO-weighted) per sequence; WPO's per-token
log Σ_v π_v² is given as data (TRL computes it under no_grad).

At random inputs it writes the loss and, by autograd, its derivative in
every per-token log-prob of the policy, to tests/data/pref_reference.txt.
tests/test_pref_ref.c compares the C loss and its coefficients with them.

Run once, by hand, with Debian's python3-torch (CPU):
    /usr/bin/python3 tools/gen_pref_reference.py > tests/data/pref_reference.txt
"""
import math
import random
import sys

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)

NAMES = ["sigmoid", "cdpo", "ipo_sum", "hinge", "dpop", "simpo", "orpo", "ipo", "exo_pair", "nca_pair", "robust",
         "bco_pair", "sppo_hard", "aot", "aot_unpaired", "apo_zero", "apo_down", "discopop", "sigmoid_norm", "sft",
         "kto"]
FDIVS = ["reverse_kl", "forward_kl", "js_divergence", "alpha_divergence"]
RAW = {"nca_pair", "bco_pair", "sppo_hard", "apo_zero", "apo_down", "aot", "aot_unpaired", "dpop", "simpo", "orpo"}


def scores(r, fdiv, a):
    """TRL's chosen_scores / rejected_scores for an f-divergence."""
    if fdiv == "reverse_kl":
        return r
    if fdiv == "forward_kl":
        return -torch.exp(-r)
    if fdiv == "js_divergence":
        return F.logsigmoid(r)
    if abs(a - 1.0) < 1e-6:
        return r
    t = torch.clamp((a - 1.0) * r, max=80.0)
    return torch.exp(t) / (a - 1.0)


def seq_logps(tok, n, ld_alpha):
    """Per-sequence log-probs of 2n rows (chosen, then rejected); LD-DPO
    weighs the tokens past the shorter response of the pair by ld_alpha."""
    out = []
    for b, t in enumerate(tok):
        if ld_alpha is None:
            out.append(t.sum())
        else:
            p = b + n if b < n else b - n
            shared = min(len(t), len(tok[p]))
            out.append(t[:shared].sum() + ld_alpha * t[shared:].sum())
    return torch.stack(out)


def pref_loss(c, tok, ref_tok, logsq):
    n = len(tok) // 2
    beta, eps = c["beta"], c["eps"]
    ld = c["ld_alpha"]
    logps, ref_logps = seq_logps(tok, n, ld), seq_logps(ref_tok, n, ld)
    lens = torch.tensor([float(len(t)) for t in tok])
    cl, rl = logps[:n], logps[n:]
    qcl, qrl = ref_logps[:n], ref_logps[n:]
    c_lr, r_lr = cl - qcl, rl - qrl                        # chosen_logratios, rejected_logratios
    c_sc, r_sc = scores(c_lr, c["fdiv"], c["fdiv_alpha"]), scores(r_lr, c["fdiv"], c["fdiv_alpha"])
    delta = c_sc - r_sc
    Lc, Lr = lens[:n], lens[n:]
    loss = torch.zeros(())
    for kind, w in zip(c["terms"], c["weights"]):
        if kind == "sigmoid":
            ps = -F.logsigmoid(beta * delta)
        elif kind == "cdpo":
            ps = -(1 - eps) * F.logsigmoid(beta * delta) - eps * F.logsigmoid(-beta * delta)
        elif kind == "hinge":
            ps = torch.relu(1 - beta * delta)
        elif kind == "ipo":
            d = c_sc / Lc - r_sc / Lr
            ps = (d - 1 / (2 * beta)) ** 2
        elif kind == "ipo_sum":
            ps = (delta - 1 / (2 * beta)) ** 2
        elif kind == "exo_pair":
            e = torch.tensor(eps)
            x = beta * delta
            ps = torch.sigmoid(x) * (F.logsigmoid(x) - torch.log1p(-e)) + torch.sigmoid(-x) * (F.logsigmoid(-x) - torch.log(e))
        elif kind == "nca_pair":
            a, b = beta * c_lr, beta * r_lr
            ps = -F.logsigmoid(a) - 0.5 * F.logsigmoid(-a) - 0.5 * F.logsigmoid(-b)
        elif kind == "robust":
            ps = (-(1 - eps) * F.logsigmoid(beta * delta) + eps * F.logsigmoid(-beta * delta)) / (1 - 2 * eps)
        elif kind == "bco_pair":
            ps = -F.logsigmoid(beta * c_lr) - F.logsigmoid(-beta * r_lr)
        elif kind == "sppo_hard":
            ps = (c_lr - 0.5 / beta) ** 2 + (r_lr + 0.5 / beta) ** 2
        elif kind in ("aot", "aot_unpaired"):
            if kind == "aot":
                d = torch.sort(cl - rl, dim=0)[0] - torch.sort(qcl - qrl, dim=0)[0]
            else:
                d = torch.sort(c_lr, dim=0)[0] - torch.sort(r_lr, dim=0)[0]
            ps = -F.logsigmoid(beta * d) * (1 - eps) - F.logsigmoid(-beta * d) * eps
        elif kind == "apo_zero":
            ps = 1 - torch.sigmoid(beta * c_lr) + torch.sigmoid(beta * r_lr)
        elif kind == "apo_down":
            ps = torch.sigmoid(beta * c_lr) + 1 - torch.sigmoid(beta * (c_lr - r_lr))
        elif kind == "discopop":
            x = beta * delta
            m = torch.sigmoid(x / c["tau"])
            ps = -F.logsigmoid(x) * (1 - m) + torch.exp(-x) * m
        elif kind == "sigmoid_norm":
            ps = -F.logsigmoid(beta * (c_sc / Lc - r_sc / Lr))
        elif kind == "sft":
            # F.cross_entropy over the chosen tokens: their mean negative log-prob (no LD weights)
            allc = torch.cat(tok[:n])
            ps = (-allc.sum() / allc.numel()).expand(n)
        elif kind == "dpop":
            pen = torch.clamp(qcl - cl, min=0)
            ps = -F.logsigmoid(beta * (c_lr - r_lr - c["lambda"] * pen))
        elif kind == "simpo":
            ps = -F.logsigmoid(beta * cl / Lc - beta * rl / Lr - c["gamma"])
        elif kind == "orpo":
            ac, ar = cl / Lc, rl / Lr
            odds = (ac - torch.log(-torch.expm1(ac))) - (ar - torch.log(-torch.expm1(ar)))
            ps = -ac - c["lambda"] * F.logsigmoid(odds)
        else:
            raise ValueError(kind)
        if c["wpo"]:
            with torch.no_grad():
                wts = torch.stack([torch.exp((t.detach() - q).sum() / len(t)) for t, q in zip(tok, logsq)])
            ps = ps * (wts[:n] * wts[n:])
        loss = loss + ps.mean() * w
    if c["nll"] > 0:  # RPO: α × the per-token NLL of each chosen, mean over the pairs (plain sums)
        plain = torch.stack([t.sum() for t in tok[:n]])
        loss = loss + c["nll"] * (-plain / Lc).mean()
    return loss


def kto_loss(c, tok, ref_tok, kl_tok, kl_ref_tok, label):
    beta = c["beta"]
    logps = torch.stack([t.sum() for t in tok])
    ref = torch.stack([t.sum() for t in ref_tok])
    with torch.no_grad():  # TRL computes the KL rows under no_grad and detaches the mean
        kl = (torch.stack([t.sum() for t in kl_tok]) - torch.stack([t.sum() for t in kl_ref_tok])).mean().clamp(min=0)
    lab = torch.tensor(label, dtype=torch.bool)
    lr = logps - ref
    chosen = 1 - torch.sigmoid(beta * (lr[lab] - kl))
    rejected = 1 - torch.sigmoid(beta * (kl - lr[~lab]))
    losses = torch.cat((c["dw"] * chosen, c["uw"] * rejected), 0)
    return losses.nanmean(), float(kl)


def rand_row(rng, L):
    return [round(rng.uniform(-3.0, -0.02), 4) for _ in range(L)]


def r4(v):
    """Inputs are rounded to 4 decimals, so the file holds them exactly (repr)."""
    return [round(x, 4) for x in v]


def short(v):
    return " ".join(repr(x) for x in v)


def case(name, terms, weights=None, beta=0.1, eps=0.0, fdiv="reverse_kl", fdiv_alpha=0.5, ld_alpha=None, wpo=0,
         tau=0.05, lam=0.0, gamma=0.0, nll=0.0, dw=1.0, uw=1.0, n=4, seed=0):
    return dict(name=name, terms=terms, weights=weights or [1.0] * len(terms), beta=beta, eps=eps, fdiv=fdiv,
                fdiv_alpha=fdiv_alpha, ld_alpha=ld_alpha, wpo=wpo, tau=tau, **{"lambda": lam}, gamma=gamma, nll=nll,
                dw=dw, uw=uw, n=n, seed=seed)


def emit_opts(c, out):
    terms = ",".join(c["terms"])
    weights = ",".join("%.17g" % w for w in c["weights"])
    ld = -1.0 if c["ld_alpha"] is None else c["ld_alpha"]
    out.write("case %s terms=%s weights=%s beta=%.17g eps=%.17g fdiv=%d fdiv_alpha=%.17g ld_alpha=%.17g wpo=%d "
              "tau=%.17g lambda=%.17g gamma=%.17g nll=%.17g dw=%.17g uw=%.17g\n" %
              (c["name"], terms, weights, c["beta"], c["eps"], FDIVS.index(c["fdiv"]), c["fdiv_alpha"], ld, c["wpo"],
               c["tau"], c["lambda"], c["gamma"], c["nll"], c["dw"], c["uw"]))


def nums(v):
    return " ".join("%.17g" % x for x in v)


def run_pref(c, out):
    rng = random.Random(1000 + c["seed"])
    n = c["n"]
    lens = [rng.randint(2, 9) for _ in range(2 * n)]
    pol = [rand_row(rng, L) for L in lens]
    # the reference near the policy, so that log-ratios are O(1) nats per sequence
    ref = [r4([min(x + rng.gauss(0.0, 0.35), -1e-4) for x in row]) for row in pol]
    sq = [r4([-rng.uniform(0.0, 2.5) for _ in row]) for row in pol]  # log Σ_v π_v² ∈ [log(1/V), 0]
    tok = [torch.tensor(r, requires_grad=True) for r in pol]
    rtok = [torch.tensor(r) for r in ref]
    logsq = [torch.tensor(r) for r in sq]
    loss = pref_loss(c, tok, rtok, logsq)
    loss.backward()
    emit_opts(c, out)
    out.write("pairs %d\n" % n)
    for b in range(2 * n):
        out.write("row %d %s | %s | %s\n" % (lens[b], short(pol[b]), short(ref[b]), short(sq[b])))
    out.write("loss %.17g\n" % loss.item())
    for b in range(2 * n):
        g = tok[b].grad  # None for a row the loss does not read (sft: the rejected)
        out.write("grad %s\n" % nums((g if g is not None else torch.zeros(lens[b])).tolist()))
    out.write("end\n")


def run_kto(c, out, labels):
    rng = random.Random(2000 + c["seed"])
    n = len(labels)
    lens = [rng.randint(3, 12) for _ in range(n)]
    pol = [rand_row(rng, L) for L in lens]
    ref = [r4([min(x + rng.gauss(0.0, 0.35), -1e-4) for x in row]) for row in pol]
    kl_lens = [rng.randint(3, 12) for _ in range(n)]
    # the KL rows: shifted up so that z = mean(KL log-ratio) > 0 in most cases
    shift = c.get("kl_shift", 0.15)
    kl_pol = [rand_row(rng, L) for L in kl_lens]
    kl_ref = [r4([min(x - shift + rng.gauss(0.0, 0.3), -1e-4) for x in row]) for row in kl_pol]
    tok = [torch.tensor(r, requires_grad=True) for r in pol]
    loss, kl = kto_loss(c, tok, [torch.tensor(r) for r in ref], [torch.tensor(r) for r in kl_pol],
                        [torch.tensor(r) for r in kl_ref], labels)
    loss.backward()
    emit_opts(c, out)
    out.write("kto %d\n" % n)
    for b in range(n):
        out.write("row %d %d %s | %s\n" % (lens[b], labels[b], short(pol[b]), short(ref[b])))
    for b in range(n):
        out.write("kl %d %s | %s\n" % (kl_lens[b], short(kl_pol[b]), short(kl_ref[b])))
    out.write("loss %.17g\nz %.17g\n" % (loss.item(), kl))
    for b in range(n):
        g = tok[b].grad
        out.write("grad %s\n" % nums((g if g is not None else torch.zeros(lens[b])).tolist()))
    out.write("end\n")


def main():
    out = sys.stdout
    out.write("# written by tools/gen_pref_reference.py (torch %s, float64); TRL's formulas, see the script\n"
              % torch.__version__)
    cases = []
    k = 0
    # every loss alone, at TRL's defaults (and the header's own at theirs)
    for name in NAMES[:-1]:
        kw = {}
        if name == "exo_pair": kw["eps"] = 1e-3
        if name == "simpo": kw.update(beta=2.0, gamma=0.5)
        if name == "dpop": kw["lam"] = 50.0
        if name == "orpo": kw["lam"] = 0.1
        if name == "cdpo": kw["eps"] = 0.1
        cases.append(case(name, [name], seed=k, **kw)); k += 1
    # other β and label smoothing
    for name, kw in [("sigmoid", dict(beta=0.5)), ("hinge", dict(beta=0.8)), ("ipo", dict(beta=0.5)),
                     ("exo_pair", dict(eps=0.2, beta=0.5)), ("robust", dict(eps=0.1)), ("robust", dict(eps=0.3, beta=0.5)),
                     ("aot", dict(eps=0.1, beta=0.5)), ("aot_unpaired", dict(eps=0.2, beta=0.5)),
                     ("discopop", dict(beta=0.5, tau=0.05)), ("discopop", dict(beta=1.0, tau=0.5)),
                     ("sppo_hard", dict(beta=0.5)), ("nca_pair", dict(beta=1.0)), ("bco_pair", dict(beta=0.5)),
                     ("apo_zero", dict(beta=0.5)), ("apo_down", dict(beta=0.5)), ("sigmoid_norm", dict(beta=2.0)),
                     ("dpop", dict(beta=0.5, lam=5.0)), ("orpo", dict(lam=2.0))]:
        cases.append(case(name + "_b", [name], seed=k, **kw)); k += 1
    # the f-divergences, on the losses that read them
    for fd in FDIVS[1:]:
        for name in ["sigmoid", "hinge", "ipo", "exo_pair", "robust", "discopop", "sigmoid_norm", "cdpo", "ipo_sum"]:
            kw = dict(fdiv=fd, beta=0.5)
            if name in ("exo_pair",): kw["eps"] = 1e-3
            if name in ("robust", "cdpo"): kw["eps"] = 0.1
            cases.append(case("%s_%s" % (name, fd), [name], seed=k, **kw)); k += 1
    cases.append(case("sigmoid_alpha0.3", ["sigmoid"], fdiv="alpha_divergence", fdiv_alpha=0.3, seed=k)); k += 1
    cases.append(case("sigmoid_alpha1", ["sigmoid"], fdiv="alpha_divergence", fdiv_alpha=1.0, seed=k)); k += 1
    # lists of losses with weights (MPO: sigmoid + bco_pair + sft), RPO
    cases.append(case("sigmoid+sft", ["sigmoid", "sft"], [1.0, 0.5], seed=k)); k += 1
    cases.append(case("mpo", ["sigmoid", "bco_pair", "sft"], [0.8, 0.2, 1.0], seed=k)); k += 1
    cases.append(case("ipo+nca+apo_zero", ["ipo", "nca_pair", "apo_zero"], [1.0, 0.3, 2.0], beta=0.5, seed=k)); k += 1
    cases.append(case("aot+sigmoid", ["aot", "sigmoid"], [0.5, 1.0], eps=0.1, beta=0.5, seed=k)); k += 1
    cases.append(case("sigmoid_rpo", ["sigmoid"], nll=0.7, seed=k)); k += 1
    # LD-DPO
    for a in [0.5, 0.0, 1.0]:
        cases.append(case("sigmoid_ld%g" % a, ["sigmoid"], ld_alpha=a, beta=0.5, seed=k)); k += 1
    cases.append(case("sigmoid+sft_ld0.3", ["sigmoid", "sft"], [1.0, 0.5], ld_alpha=0.3, seed=k)); k += 1
    cases.append(case("ipo_ld0.5_js", ["ipo"], ld_alpha=0.5, fdiv="js_divergence", beta=0.5, seed=k)); k += 1
    cases.append(case("aot_unpaired_ld0.5", ["aot_unpaired"], ld_alpha=0.5, eps=0.1, beta=0.5, seed=k)); k += 1
    cases.append(case("sigmoid_rpo_ld0.4", ["sigmoid"], ld_alpha=0.4, nll=0.5, seed=k)); k += 1
    # WPO
    for name in ["sigmoid", "ipo", "sft", "aot", "hinge"]:
        kw = dict(wpo=1, beta=0.5)
        if name == "aot": kw["eps"] = 0.1
        cases.append(case(name + "_wpo", [name], seed=k, **kw)); k += 1
    cases.append(case("mpo_wpo_ld", ["sigmoid", "bco_pair", "sft"], [0.8, 0.2, 1.0], wpo=1, ld_alpha=0.5, seed=k)); k += 1
    cases.append(case("sigmoid_wpo_rpo", ["sigmoid"], wpo=1, nll=0.5, seed=k)); k += 1
    for c in cases:
        run_pref(c, out)
    # KTO: desirable and undesirable rows, weights, a KL estimate clamped at 0
    run_kto(case("kto", ["kto"], seed=0), out, [1, 0, 1, 1, 0, 0])
    run_kto(case("kto_w", ["kto"], beta=0.5, dw=1.0, uw=1.33, seed=1), out, [1, 0, 0, 1])
    c = case("kto_clamp", ["kto"], beta=0.3, seed=2)
    c["kl_shift"] = -0.4   # the KL rows' mean log-ratio < 0: z clamps to 0
    run_kto(c, out, [0, 1, 0, 1, 1])
    run_kto(case("kto_all_desirable", ["kto"], beta=0.2, dw=2.0, seed=3), out, [1, 1, 1])


if __name__ == "__main__":
    main()
