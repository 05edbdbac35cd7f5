#!/usr/bin/env python3
"""Write Tests/TestSupport/Fixtures/lstm-golden.json: a tiny PyTorch LSTM language model
(parameters, inputs, forward outputs, gradients, and a 5-step clipped-Adam trajectory) that
charlm's Swift implementation must reproduce.  CI does not need torch: the JSON is committed.

Usage (from the repository root):
    python3 scripts/golden/make_lstm_fixture.py [--out PATH] [--check-only]

The fixture is deterministic for a given torch version (seed SEED below, CPU, float32).
`--check-only` recomputes everything and compares with the committed file instead of writing.

------------------------------------------------------------------------------------------
MODEL (the PyTorch module names are the contract; they equal the checkpoint tensor names)
------------------------------------------------------------------------------------------
    embedding = nn.Embedding(V, E)
    rnn       = nn.LSTM(E, H, num_layers=L)   # seq-first: input (T, B, E), no dropout,
                                              # unidirectional, both biases, no projection
    head      = nn.Linear(H, V)
Config: V=7, E=5, H=6, L=2, T=4, B=3, dtype float32, CPU.

Forward, for t = 0..T-1 and layer k = 0..L-1 (x_t^0 = embedding.weight[ids[t, b]], row lookup;
x_t^k = h_t^{k-1} for k > 0; h_{-1}^k = h0[k], c_{-1}^k = c0[k]):
    gates = x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh          # (B, 4H); W_ih = rnn.weight_ih_l{k} (4H, in),
                                                      # W_hh = rnn.weight_hh_l{k} (4H, H)
    i, f, g, o = gates[:, 0:H], gates[:, H:2H], gates[:, 2H:3H], gates[:, 3H:4H]
    c' = σ(f) ⊙ c + σ(i) ⊙ tanh(g)
    h' = σ(o) ⊙ tanh(c')
    logits[t] = h_t^{L-1} · head.weightᵀ + head.bias  # (T, B, V)
    hT[k] = h_{T-1}^k, cT[k] = c_{T-1}^k              # (L, B, H)
Loss = F.cross_entropy(logits.view(T*B, V), targets.view(T*B)): the mean over all T·B positions
of logsumexp(logits[t,b,:]) - logits[t,b,targets[t,b]], in nats.

Gradients: d loss / d parameter for every parameter (same names), and d loss / d h0, d c0.

------------------------------------------------------------------------------------------
TRAJECTORY (truncated BPTT + global-norm clipping + Adam), K = 5 steps
------------------------------------------------------------------------------------------
Starts from the same initial parameters.  Step s (s = 0..K-1) uses chunk s: its own inputs and
targets (T, B), all recorded (chunk 0 is the same data as the single forward above, so step 0's
loss equals `loss` and its grad norm equals the L2 norm of `gradients` over the parameters).
State: chunk 0 starts from h0/c0 above; chunk s>0 starts from chunk s-1's final (hT, cT),
detached (no gradient flows across chunks; h0/c0 are constants here).
Each step:
    zero grads; loss = forward(chunk s); loss.backward()
    norm = clip_grad_norm_(params, max_norm=CLIP)       # returned value = PRE-clip norm
        norm  = sqrt(Σ over all parameter tensors of Σ g²)  (global L2 over all 14 tensors)
        coef  = CLIP / (norm + 1e-6)
        if coef < 1: every gradient *= coef            # torch multiplies by min(coef, 1) always
    Adam step (torch.optim.Adam, lr=0.05, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
    amsgrad=False, maximize=False), step count t = s + 1, per element:
        m = β1·m + (1-β1)·g              (m, v start at 0)
        v = β2·v + (1-β2)·g²
        bc1 = 1 - β1^t,  bc2 = 1 - β2^t  (torch computes these scalars in float64)
        p = p - (lr / bc1) · m / (sqrt(v) / sqrt(bc2) + eps)
Recorded per step: loss (before the update), pre-clip norm, whether it clipped, and the clip
coefficient actually applied (min(coef, 1)); after the last step: the final parameters and the
final carried state.  The parameters after the first step are recorded too, for debugging.

------------------------------------------------------------------------------------------
JSON ENCODING
------------------------------------------------------------------------------------------
A tensor is {"shape": [d0, d1, ...], "values": [...]} with values flat, row-major (C order,
last index fastest).  Float values are Python's repr of the float64 that equals the float32
value exactly (float(np.float32)).  A correctly rounded parser (Swift's JSONDecoder decoding
Float or Double, Python json) gives the exact float32 value; decode as [Float] with JSONDecoder.
(Checked with Swift 6.3 on Linux: Foundation's JSONSerialization is off by up to 1 Double ulp on
some values, but Float(thatDouble) still rounds to the exact float32 value; Float(exactly:) would
fail there.)  Integer tensors (ids) hold JSON ints.
Scalars (loss, norms) are plain JSON numbers, also float32 values.
"""
import argparse
import json
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

SEED = 20240611
V, E, H, L, T, B = 7, 5, 6, 2, 4, 3
K = 5
LR, BETA1, BETA2, EPS = 0.05, 0.9, 0.999, 1e-8
# Chosen (by looking at the unclipped norms of this seed) so that clipping triggers in some
# steps but not all, with a margin so float rounding cannot flip the decision; asserted below.
CLIP = 0.32
CLIP_MARGIN = 0.05  # every pre-clip norm must differ from CLIP by more than 5 %

PARAM_NAMES = ["embedding.weight"]
for _k in range(L):
    PARAM_NAMES += [f"rnn.weight_ih_l{_k}", f"rnn.weight_hh_l{_k}",
                    f"rnn.bias_ih_l{_k}", f"rnn.bias_hh_l{_k}"]
PARAM_NAMES += ["head.weight", "head.bias"]

DEFAULT_OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                           "Tests", "TestSupport", "Fixtures", "lstm-golden.json")


class TinyLM(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(V, E)
        self.rnn = nn.LSTM(E, H, num_layers=L)
        self.head = nn.Linear(H, V)

    def forward(self, ids, state):
        out, (h, c) = self.rnn(self.embedding(ids), state)
        return self.head(out), (h, c)


def loss_of(logits, targets):
    return F.cross_entropy(logits.reshape(T * B, V), targets.reshape(T * B))


def tensor_json(t):
    t = t.detach().cpu().contiguous()
    if t.dtype in (torch.int64, torch.int32):
        values = [int(x) for x in t.reshape(-1).tolist()]
    else:
        assert t.dtype == torch.float32, t.dtype
        # .tolist() on a float32 tensor yields Python floats equal to the float32 values.
        values = [float(x) for x in t.reshape(-1).tolist()]
    return {"shape": list(t.shape), "values": values}


def f32(x):
    """A Python float holding exactly the float32 value of x."""
    return float(torch.tensor(float(x), dtype=torch.float32).item())


def params_json(model):
    named = dict(model.named_parameters())
    assert list(named) == PARAM_NAMES, list(named)
    return {n: tensor_json(named[n]) for n in PARAM_NAMES}


def fixture_body(*, init_state, ids, targets, h0, c0, logits, loss, hT, cT, grads, clip, chunks,
                 losses, norms, clipped, coefs, after_first, model, final_hT, final_cT, diffs):
    """Everything after a fixture's header, shared by the LSTM, GRU and RNN fixtures, so they
    have one structure: config, initial parameters, the chunk and its forward/backward, the
    clipped-Adam trajectory and the float64 self-check (`diffs`: forward, gradients, trajectory
    losses, norms, final parameters)."""
    fwd_diff, grad_diff, traj_loss_diff, traj_norm_diff, traj_param_diff = diffs
    return {
        "config": {"V": V, "E": E, "H": H, "L": L, "T": T, "B": B},
        "parameter_names": PARAM_NAMES,
        "parameters": {n: tensor_json(init_state[n]) for n in PARAM_NAMES},
        "inputs": tensor_json(ids),
        "targets": tensor_json(targets),
        "h0": tensor_json(h0),
        "c0": tensor_json(c0),
        "logits": tensor_json(logits),
        "loss": f32(loss),
        "hT": tensor_json(hT),
        "cT": tensor_json(cT),
        "gradients": grads,
        "trajectory": {
            "steps": K,
            "clip": clip,
            "optimizer": {"name": "adam", "lr": LR, "beta1": BETA1, "beta2": BETA2, "eps": EPS,
                          "weight_decay": 0.0, "amsgrad": False},
            "inputs": tensor_json(torch.stack([x for x, _ in chunks])),
            "targets": tensor_json(torch.stack([y for _, y in chunks])),
            "losses": losses,
            "grad_norms": norms,
            "clipped": clipped,
            "clip_coefficients": coefs,
            "parameters_after_step_1": after_first,
            "final_parameters": params_json(model),
            "final_hT": tensor_json(final_hT),
            "final_cT": tensor_json(final_cT),
        },
        "float64_check": {
            "note": "max |float32 torch - float64 re-implementation of the formulas above|; "
                    "a hint for test tolerances",
            "forward": fwd_diff,
            "gradients": grad_diff,
            "trajectory_losses": traj_loss_diff,
            "trajectory_grad_norms": traj_norm_diff,
            "trajectory_final_parameters": traj_param_diff,
        },
    }


# ---------------------------------------------------------------------------------------
# Independent float64 re-implementation of the documented formulas (a check that the
# header describes exactly what torch computes; not written to the fixture except as
# the measured float32-vs-float64 discrepancy, a hint for test tolerances).
# ---------------------------------------------------------------------------------------
def manual_forward64(p, ids, targets, h0, c0):
    x_seq = [p["embedding.weight"][ids[t]] for t in range(T)]
    hs, cs = [], []
    for k in range(L):
        h, c = h0[k], c0[k]
        w_ih, w_hh = p[f"rnn.weight_ih_l{k}"], p[f"rnn.weight_hh_l{k}"]
        b_ih, b_hh = p[f"rnn.bias_ih_l{k}"], p[f"rnn.bias_hh_l{k}"]
        out = []
        for t in range(T):
            gates = x_seq[t] @ w_ih.T + b_ih + h @ w_hh.T + b_hh
            i, f, g, o = gates[:, :H], gates[:, H:2 * H], gates[:, 2 * H:3 * H], gates[:, 3 * H:]
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
            out.append(h)
        x_seq = out
        hs.append(h)
        cs.append(c)
    logits = torch.stack([x @ p["head.weight"].T + p["head.bias"] for x in x_seq])
    lse = torch.logsumexp(logits, dim=-1)
    picked = logits.gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    loss = (lse - picked).mean()
    return logits, loss, torch.stack(hs), torch.stack(cs)


def manual_trajectory64(p0, chunks, h0, c0):
    p = {n: v.detach().double().clone().requires_grad_(True) for n, v in p0.items()}
    m = {n: torch.zeros_like(v) for n, v in p.items()}
    v2 = {n: torch.zeros_like(v) for n, v in p.items()}
    h, c = h0.double(), c0.double()
    losses, norms = [], []
    for s, (ids, tg) in enumerate(chunks):
        _, loss, hT, cT = manual_forward64(p, ids, tg, h, c)
        grads = torch.autograd.grad(loss, [p[n] for n in PARAM_NAMES])
        norm = math.sqrt(sum(float((g * g).sum()) for g in grads))
        coef = min(CLIP / (norm + 1e-6), 1.0)
        t = s + 1
        with torch.no_grad():
            for n, g in zip(PARAM_NAMES, grads):
                g = g * coef
                m[n] = BETA1 * m[n] + (1 - BETA1) * g
                v2[n] = BETA2 * v2[n] + (1 - BETA2) * g * g
                bc1, bc2 = 1 - BETA1 ** t, 1 - BETA2 ** t
                p[n] -= (LR / bc1) * m[n] / (v2[n].sqrt() / math.sqrt(bc2) + EPS)
        h, c = hT.detach(), cT.detach()
        losses.append(float(loss))
        norms.append(norm)
    return p, losses, norms


def max_abs_diff(a, b):
    return float((a.detach().double() - b.detach().double()).abs().max())


def build():
    torch.set_num_threads(1)
    torch.manual_seed(SEED)
    model = TinyLM()  # default PyTorch init (drawn first from the seeded generator)
    init_state = {n: v.detach().clone() for n, v in model.named_parameters()}

    # Draw order after the model: ids, targets, h0, c0, then chunks 1..K-1 (ids, targets).
    ids = torch.randint(0, V, (T, B))
    targets = torch.randint(0, V, (T, B))
    h0 = (torch.randn(L, B, H) * 0.5)
    c0 = (torch.randn(L, B, H) * 0.5)
    chunks = [(ids, targets)]
    for _ in range(1, K):
        chunks.append((torch.randint(0, V, (T, B)), torch.randint(0, V, (T, B))))

    # ---- single forward/backward with gradients for h0, c0 ----
    h0g = h0.clone().requires_grad_(True)
    c0g = c0.clone().requires_grad_(True)
    model.zero_grad()
    logits, (hT, cT) = model(ids, (h0g, c0g))
    loss = loss_of(logits, targets)
    loss.backward()
    named = dict(model.named_parameters())
    grads = {n: tensor_json(named[n].grad) for n in PARAM_NAMES}
    grads["h0"] = tensor_json(h0g.grad)
    grads["c0"] = tensor_json(c0g.grad)
    grad_norm_single = math.sqrt(sum(float((named[n].grad.double() ** 2).sum()) for n in PARAM_NAMES))

    # float64 check of forward + gradients
    p64 = {n: v.double().clone().requires_grad_(True) for n, v in init_state.items()}
    h064 = h0.double().clone().requires_grad_(True)
    c064 = c0.double().clone().requires_grad_(True)
    lg64, loss64, hT64, cT64 = manual_forward64(p64, ids, targets, h064, c064)
    g64 = torch.autograd.grad(loss64, [p64[n] for n in PARAM_NAMES] + [h064, c064])
    fwd_diff = max(max_abs_diff(logits, lg64), abs(loss.item() - loss64.item()),
                   max_abs_diff(hT, hT64), max_abs_diff(cT, cT64))
    all_g32 = [named[n].grad for n in PARAM_NAMES] + [h0g.grad, c0g.grad]
    grad_diff = max(max_abs_diff(a, b) for a, b in zip(all_g32, g64))
    assert fwd_diff < 1e-5 and grad_diff < 1e-5, (fwd_diff, grad_diff)

    # ---- trajectory ----
    with torch.no_grad():
        for n, p in model.named_parameters():
            p.copy_(init_state[n])
    params = [named[n] for n in PARAM_NAMES]
    opt = torch.optim.Adam(params, lr=LR, betas=(BETA1, BETA2), eps=EPS, weight_decay=0.0,
                           amsgrad=False, foreach=False)
    state = (h0.clone(), c0.clone())
    losses, norms, clipped, coefs = [], [], [], []
    after_first = None
    for s, (x, y) in enumerate(chunks):
        opt.zero_grad(set_to_none=True)
        lg, (h, c) = model(x, state)
        l = loss_of(lg, y)
        l.backward()
        norm = torch.nn.utils.clip_grad_norm_(params, max_norm=CLIP)
        coef = min(CLIP / (float(norm) + 1e-6), 1.0)
        opt.step()
        state = (h.detach(), c.detach())
        losses.append(f32(l.item()))
        norms.append(f32(norm.item()))
        clipped.append(bool(float(norm) + 1e-6 > CLIP))
        coefs.append(f32(torch.clamp(CLIP / (norm + 1e-6), max=1.0).item()))
        if s == 0:
            after_first = params_json(model)

    n_clipped = sum(clipped)
    assert 0 < n_clipped < K, f"CLIP={CLIP} must clip in some steps but not all: norms {norms}"
    for nm in norms:
        assert abs(nm - CLIP) > CLIP_MARGIN * CLIP, f"norm {nm} too close to CLIP {CLIP}"
    assert abs(losses[0] - float(loss)) < 1e-6
    assert abs(norms[0] - grad_norm_single) < 1e-5

    # float64 check of the trajectory
    p_end64, losses64, norms64 = manual_trajectory64(init_state, chunks, h0, c0)
    traj_loss_diff = max(abs(a - b) for a, b in zip(losses, losses64))
    traj_norm_diff = max(abs(a - b) for a, b in zip(norms, norms64))
    traj_param_diff = max(max_abs_diff(named[n], p_end64[n]) for n in PARAM_NAMES)
    assert traj_loss_diff < 1e-4 and traj_norm_diff < 1e-4 and traj_param_diff < 1e-3, (
        traj_loss_diff, traj_norm_diff, traj_param_diff)

    fixture = {
        "format": "charlm-lstm-golden",
        "version": 1,
        "generator": "scripts/golden/make_lstm_fixture.py",
        "torch_version": torch.__version__,
        "seed": SEED,
        "dtype": "float32",
        "conventions": {
            "tensor": "{shape: [...], values: [...]}, values flat row-major (C order, last index fastest)",
            "floats": "repr of the float64 equal to the float32 value; JSONDecoder decoding [Float] gives the exact float32 values "
                      "(JSONSerialization's Double may be 1 ulp off: convert with Float(x), not Float(exactly:))",
            "model": "embedding=nn.Embedding(V,E); rnn=nn.LSTM(E,H,num_layers=L) seq-first; head=nn.Linear(H,V)",
            "lstm": "gates = x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh, rows/columns in order i,f,g,o (H each); "
                    "c' = σ(f)⊙c + σ(i)⊙tanh(g); h' = σ(o)⊙tanh(c'); layer k>0 input is layer k-1's h",
            "inputs": "ids (T,B): inputs[t][b] is the token of stream b at step t; targets likewise",
            "state": "h0, c0, hT, cT are (L,B,H), layer-major",
            "logits": "(T,B,V) = head(top-layer h_t)",
            "loss": "F.cross_entropy(logits.view(T*B,V), targets.view(T*B)), mean over T*B, nats",
            "gradients": "d loss / d x for each parameter name, plus h0 and c0, same shapes",
            "clip": "norm = global L2 over all parameter gradients (pre-clip, recorded); "
                    "coef = clip/(norm+1e-6); grads *= coef if coef < 1",
            "adam": "m=b1*m+(1-b1)g; v=b2*v+(1-b2)g^2; t=step+1; p -= (lr/(1-b1^t)) * m / (sqrt(v)/sqrt(1-b2^t) + eps); "
                    "bias corrections in float64; m,v start at 0",
            "trajectory": "step s uses chunk s (inputs/targets shape (K,T,B), chunk s = index s); "
                          "chunk 0 starts from h0,c0 (== top-level ones) and equals the top-level inputs/targets; "
                          "state carried to the next chunk, detached; loss recorded before the update",
        },
        **fixture_body(
            init_state=init_state, ids=ids, targets=targets, h0=h0, c0=c0, logits=logits, loss=loss.item(),
            hT=hT, cT=cT, grads=grads, clip=CLIP, chunks=chunks, losses=losses, norms=norms,
            clipped=clipped, coefs=coefs, after_first=after_first, model=model,
            final_hT=state[0], final_cT=state[1],
            diffs=(fwd_diff, grad_diff, traj_loss_diff, traj_norm_diff, traj_param_diff)),
    }
    return fixture


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--check-only", action="store_true",
                    help="compare with the existing file instead of writing")
    args = ap.parse_args()
    fixture = build()
    text = json.dumps(fixture, indent=1, ensure_ascii=False) + "\n"
    tr = fixture["trajectory"]
    print(f"loss {fixture['loss']:.6f}  trajectory losses {[round(x, 4) for x in tr['losses']]}",
          file=sys.stderr)
    print(f"grad norms {[round(x, 4) for x in tr['grad_norms']]}  clip {tr['clip']}  "
          f"clipped {tr['clipped']}", file=sys.stderr)
    print(f"float64 check {fixture['float64_check']}", file=sys.stderr)
    if args.check_only:
        with open(args.out, encoding="utf-8") as fh:
            old = fh.read()
        same = old == text
        print("identical" if same else "DIFFERENT", file=sys.stderr)
        sys.exit(0 if same else 1)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    tmp = args.out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, args.out)
    print(f"wrote {os.path.normpath(args.out)} ({len(text.encode())} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()
