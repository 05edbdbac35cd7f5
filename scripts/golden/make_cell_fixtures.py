#!/usr/bin/env python3
"""Write Tests/TestSupport/Fixtures/gru-golden.json and rnn-golden.json: the GRU and tanh-RNN
versions of lstm-golden.json (see make_lstm_fixture.py, whose header documents the structure,
the JSON encoding, the trajectory and the Adam/clipping formulas; all of that is shared).

Usage (from the repository root):
    python3 scripts/golden/make_cell_fixtures.py [--cell gru|rnn|all] [--check-only]

Same sizes (V=7, E=5, H=6, L=2, T=4, B=3), same draw order (model, ids, targets, h0, c0, then
chunks 1..K-1), same K=5 clipped-Adam trajectory; only the recurrent module differs:
    rnn = nn.GRU(E, H, num_layers=L)                       # gates r, z, n stacked in rows (3H)
        r = σ(x·W_irᵀ + b_ir + h·W_hrᵀ + b_hr)
        z = σ(x·W_izᵀ + b_iz + h·W_hzᵀ + b_hz)
        n = tanh(x·W_inᵀ + b_in + r ⊙ (h·W_hnᵀ + b_hn))
        h' = (1 − z) ⊙ n + z ⊙ h
    rnn = nn.RNN(E, H, num_layers=L, nonlinearity="tanh")  # one block (H rows)
        h' = tanh(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh)
These cells have no cell state: the fixture's c0, cT, final_cT and the gradient "c0" are
zeros (charlm's RecurrentState keeps a c buffer that these cells leave untouched), so the
Swift decoder and tests are the LSTM ones. The top-level "cell" key names the cell.
CLIP is chosen per cell so that clipping triggers in some steps but not all (asserted).
"""
import argparse
import json
import math
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_lstm_fixture as base  # noqa: E402  (shared sizes, helpers and conventions)
from make_lstm_fixture import (  # noqa: E402
    V, E, H, L, T, B, K, LR, BETA1, BETA2, EPS, SEED, CLIP_MARGIN, PARAM_NAMES,
    tensor_json, f32, loss_of, max_abs_diff, params_json)

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                        "Tests", "TestSupport", "Fixtures")
# Per cell: the clip threshold (chosen by looking at the unclipped norms of this seed).
CLIPS = {"gru": 0.42, "rnn": 0.6}


class TinyLM(nn.Module):
    def __init__(self, cell):
        super().__init__()
        self.embedding = nn.Embedding(V, E)
        if cell == "gru":
            self.rnn = nn.GRU(E, H, num_layers=L)
        else:
            self.rnn = nn.RNN(E, H, num_layers=L, nonlinearity="tanh")
        self.head = nn.Linear(H, V)

    def forward(self, ids, h):
        out, h = self.rnn(self.embedding(ids), h)
        return self.head(out), h


def manual_forward64(cell, p, ids, targets, h0):
    x_seq = [p["embedding.weight"][ids[t]] for t in range(T)]
    hs = []
    for k in range(L):
        h = h0[k]
        w_ih, w_hh = p[f"rnn.weight_ih_l{k}"], p[f"rnn.weight_hh_l{k}"]
        b_ih, b_hh = p[f"rnn.bias_ih_l{k}"], p[f"rnn.bias_hh_l{k}"]
        out = []
        for t in range(T):
            ax = x_seq[t] @ w_ih.T + b_ih
            ah = h @ w_hh.T + b_hh
            if cell == "gru":
                r = torch.sigmoid(ax[:, :H] + ah[:, :H])
                z = torch.sigmoid(ax[:, H:2 * H] + ah[:, H:2 * H])
                n = torch.tanh(ax[:, 2 * H:] + r * ah[:, 2 * H:])
                h = (1 - z) * n + z * h
            else:
                h = torch.tanh(ax + ah)
            out.append(h)
        x_seq = out
        hs.append(h)
    logits = torch.stack([x @ p["head.weight"].T + p["head.bias"] for x in x_seq])
    lse = torch.logsumexp(logits, dim=-1)
    picked = logits.gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    return logits, (lse - picked).mean(), torch.stack(hs)


def manual_trajectory64(cell, clip, p0, chunks, h0):
    p = {n: v.detach().double().clone().requires_grad_(True) for n, v in p0.items()}
    m = {n: torch.zeros_like(v) for n, v in p.items()}
    v2 = {n: torch.zeros_like(v) for n, v in p.items()}
    h = h0.double()
    losses, norms = [], []
    for s, (ids, tg) in enumerate(chunks):
        _, loss, hT = manual_forward64(cell, p, ids, tg, h)
        grads = torch.autograd.grad(loss, [p[n] for n in PARAM_NAMES])
        norm = math.sqrt(sum(float((g * g).sum()) for g in grads))
        coef = min(clip / (norm + 1e-6), 1.0)
        t = s + 1
        with torch.no_grad():
            for n, g in zip(PARAM_NAMES, grads):
                g = g * coef
                m[n] = BETA1 * m[n] + (1 - BETA1) * g
                v2[n] = BETA2 * v2[n] + (1 - BETA2) * g * g
                bc1, bc2 = 1 - BETA1 ** t, 1 - BETA2 ** t
                p[n] -= (LR / bc1) * m[n] / (v2[n].sqrt() / math.sqrt(bc2) + EPS)
        h = hT.detach()
        losses.append(float(loss.detach()))
        norms.append(norm)
    return p, losses, norms


def build(cell, clip):
    torch.set_num_threads(1)
    torch.manual_seed(SEED)
    model = TinyLM(cell)
    init_state = {n: v.detach().clone() for n, v in model.named_parameters()}
    ids = torch.randint(0, V, (T, B))
    targets = torch.randint(0, V, (T, B))
    h0 = torch.randn(L, B, H) * 0.5
    _c0_unused = torch.randn(L, B, H) * 0.5  # drawn to keep the LSTM fixture's draw order
    zeros = torch.zeros(L, B, H)
    chunks = [(ids, targets)]
    for _ in range(1, K):
        chunks.append((torch.randint(0, V, (T, B)), torch.randint(0, V, (T, B))))

    h0g = h0.clone().requires_grad_(True)
    model.zero_grad()
    logits, hT = model(ids, h0g)
    loss = loss_of(logits, targets)
    loss.backward()
    named = dict(model.named_parameters())
    grads = {n: tensor_json(named[n].grad) for n in PARAM_NAMES}
    grads["h0"] = tensor_json(h0g.grad)
    grads["c0"] = tensor_json(zeros)
    grad_norm_single = math.sqrt(sum(float((named[n].grad.double() ** 2).sum()) for n in PARAM_NAMES))

    p64 = {n: v.double().clone().requires_grad_(True) for n, v in init_state.items()}
    h064 = h0.double().clone().requires_grad_(True)
    lg64, loss64, hT64 = manual_forward64(cell, p64, ids, targets, h064)
    g64 = torch.autograd.grad(loss64, [p64[n] for n in PARAM_NAMES] + [h064])
    fwd_diff = max(max_abs_diff(logits, lg64), abs(loss.item() - loss64.item()), max_abs_diff(hT, hT64))
    all_g32 = [named[n].grad for n in PARAM_NAMES] + [h0g.grad]
    grad_diff = max(max_abs_diff(a, b) for a, b in zip(all_g32, g64))
    assert fwd_diff < 1e-5 and grad_diff < 1e-5, (fwd_diff, grad_diff)

    # Unclipped norms of the trajectory, for choosing CLIP.
    if clip is None:
        return None, [n for n in manual_trajectory64(cell, 1e9, init_state, chunks, h0)[2]]

    with torch.no_grad():
        for n, p in model.named_parameters():
            p.copy_(init_state[n])
    params = [named[n] for n in PARAM_NAMES]
    opt = torch.optim.Adam(params, lr=LR, betas=(BETA1, BETA2), eps=EPS, weight_decay=0.0,
                           amsgrad=False, foreach=False)
    state = h0.clone()
    losses, norms, clipped, coefs = [], [], [], []
    after_first = None
    for s, (x, y) in enumerate(chunks):
        opt.zero_grad(set_to_none=True)
        lg, h = model(x, state)
        l = loss_of(lg, y)
        l.backward()
        norm = torch.nn.utils.clip_grad_norm_(params, max_norm=clip)
        opt.step()
        state = h.detach()
        losses.append(f32(l.item()))
        norms.append(f32(norm.item()))
        clipped.append(bool(float(norm) + 1e-6 > clip))
        coefs.append(f32(torch.clamp(clip / (norm + 1e-6), max=1.0).item()))
        if s == 0:
            after_first = params_json(model)
    assert 0 < sum(clipped) < K, f"CLIP={clip} must clip in some steps but not all: norms {norms}"
    for nm in norms:
        assert abs(nm - clip) > CLIP_MARGIN * clip, f"norm {nm} too close to CLIP {clip}"
    assert abs(losses[0] - loss.item()) < 1e-6
    assert abs(norms[0] - grad_norm_single) < 1e-5

    p_end64, losses64, norms64 = manual_trajectory64(cell, clip, init_state, chunks, h0)
    traj_loss_diff = max(abs(a - b) for a, b in zip(losses, losses64))
    traj_norm_diff = max(abs(a - b) for a, b in zip(norms, norms64))
    traj_param_diff = max(max_abs_diff(named[n], p_end64[n]) for n in PARAM_NAMES)
    assert traj_loss_diff < 1e-4 and traj_norm_diff < 1e-4 and traj_param_diff < 1e-3, (
        traj_loss_diff, traj_norm_diff, traj_param_diff)

    module = "nn.GRU(E,H,num_layers=L)" if cell == "gru" else "nn.RNN(E,H,num_layers=L,nonlinearity='tanh')"
    equations = (
        "rows/columns in order r,z,n (H each); r=σ(x·W_irᵀ+b_ir+h·W_hrᵀ+b_hr); z=σ(x·W_izᵀ+b_iz+h·W_hzᵀ+b_hz); "
        "n=tanh(x·W_inᵀ+b_in+r⊙(h·W_hnᵀ+b_hn)); h'=(1−z)⊙n+z⊙h; layer k>0 input is layer k-1's h"
        if cell == "gru" else
        "h' = tanh(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh) (H rows); layer k>0 input is layer k-1's h")
    return {
        "format": "charlm-cell-golden",
        "version": 1,
        "cell": cell,
        "generator": "scripts/golden/make_cell_fixtures.py",
        "torch_version": torch.__version__,
        "seed": SEED,
        "dtype": "float32",
        "conventions": {
            "shared": "as lstm-golden.json (tensor encoding, loss, clip, adam, trajectory); see make_lstm_fixture.py",
            "model": f"embedding=nn.Embedding(V,E); rnn={module} seq-first; head=nn.Linear(H,V)",
            cell: equations,
            "state": "h0, hT are (L,B,H), layer-major; c0, cT, final_cT and gradients.c0 are zeros "
                     "(no cell state; kept so the structure equals the LSTM fixture's)",
        },
        **base.fixture_body(
            init_state=init_state, ids=ids, targets=targets, h0=h0, c0=zeros, logits=logits, loss=loss.item(),
            hT=hT, cT=zeros, grads=grads, clip=clip, chunks=chunks, losses=losses, norms=norms,
            clipped=clipped, coefs=coefs, after_first=after_first, model=model,
            final_hT=state, final_cT=zeros,
            diffs=(fwd_diff, grad_diff, traj_loss_diff, traj_norm_diff, traj_param_diff)),
    }, None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cell", choices=["gru", "rnn", "all"], default="all")
    ap.add_argument("--check-only", action="store_true")
    ap.add_argument("--norms", action="store_true", help="print the unclipped trajectory norms and exit")
    args = ap.parse_args()
    ok = True
    for cell in (["gru", "rnn"] if args.cell == "all" else [args.cell]):
        if args.norms:
            print(cell, build(cell, None)[1], file=sys.stderr)
            continue
        fixture, _ = build(cell, CLIPS[cell])
        text = json.dumps(fixture, indent=1, ensure_ascii=False) + "\n"
        tr = fixture["trajectory"]
        print(f"{cell}: loss {fixture['loss']:.6f}  losses {[round(x, 4) for x in tr['losses']]}  "
              f"norms {[round(x, 4) for x in tr['grad_norms']]} clip {tr['clip']} clipped {tr['clipped']}",
              file=sys.stderr)
        print(f"{cell}: float64 check {fixture['float64_check']}", file=sys.stderr)
        out = os.path.normpath(os.path.join(FIXTURES, f"{cell}-golden.json"))
        if args.check_only:
            with open(out, encoding="utf-8") as fh:
                same = fh.read() == text
            print(f"{cell}: {'identical' if same else 'DIFFERENT'}", file=sys.stderr)
            ok = ok and same
            continue
        tmp = out + ".tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, out)
        print(f"wrote {out} ({len(text.encode())} bytes)", file=sys.stderr)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
