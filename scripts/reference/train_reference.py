#!/usr/bin/env python3
"""PyTorch reference trainer for charlm: the same algorithm charlm implements, for loss and
speed comparisons.  Human progress goes to stderr; with --json one JSON object is the last line
of stdout.

Algorithm (must match charlm; see docs/DESIGN.md):
  Tokenize  read bytes, strict UTF-8 decode (error names the byte offset), drop a leading BOM,
            CRLF/CR -> LF, NFC (unicodedata).  Symbols = Unicode scalars (code points); for the
            comparison corpora (ASCII/BMP text without combining sequences) these equal
            charlm's grapheme clusters.  Vocabulary = distinct symbols sorted by their UTF-8
            bytes; ids = index in that list.
  Split     n symbols, n_val = floor(n * val_fraction); train = ids[:n-n_val], val = ids[n-n_val:].
  Streams   for a split of length N: S = (N-1)//B; stream b covers positions b*S .. b*S+S;
            inputs x[j, b] = ids[b*S+j], targets y[j, b] = ids[b*S+j+1], j = 0..S-1.
  Training  K = S//T chunks per epoch; step s uses chunk k = s mod K, i.e. j in k*T .. k*T+T-1.
            (h, c) carried across chunks, detached; reset to zeros when k == 0 (new epoch).
            loss = mean cross-entropy (nats) of the chunk's T*B positions -> backward ->
            clip_grad_norm_(all params, clip) -> Adam(lr, betas (0.9, 0.999), eps 1e-8).
  Validation  val split with the same B-stream layout, all S positions in chunks of T (the last
            chunk may be shorter), state from zero carried through; val_loss = mean over all
            B*S scored positions; bits/char = nats / ln 2.
  Model     Embedding(V,E) -> nn.LSTM(E,H,L) (seq-first) -> Linear(H,V), default PyTorch init,
            torch.manual_seed(seed) before building the model.
  train_loss is the loss of the last training step.

Speed: chars_per_second = B*T*(timed steps) / (their wall time), excluding the first
WARMUP_STEPS steps and all evaluation time.  sample_chars_per_second: --sample-length symbols
generated one at a time (batch 1, torch.no_grad(), state carried, multinomial at temperature 1)
from the trained model.  peak_rss_bytes = ru_maxrss (KiB on Linux) * 1024.

LSTM back end: with torch.backends.mkldnn.enabled (the default) PyTorch CPU runs nn.LSTM through
oneDNN (aten::mkldnn_rnn_layer); with it disabled, through ATen's own cell loop (MKL GEMMs).
--lstm-backend picks one for training/evaluation, --sample-backend one for sampling;
--compare-backends times both (interleaved, on the run's config) and
prints the result without training.
"""
import argparse
import json
import math
import os
import re
import resource
import sys
import time
import unicodedata

import torch
import torch.nn as nn
import torch.nn.functional as F

WARMUP_STEPS = 5
# Measured on the 2-core reference machine (see scripts/reference/README.md): oneDNN is faster
# for training (T=64, B=32), ATen's native loop is ~3x faster for batch-1 sampling (oneDNN's
# per-call primitive overhead dominates a 1-step, 1-row LSTM).  Override with the flags.
DEFAULT_BACKEND = "mkldnn"
DEFAULT_SAMPLE_BACKEND = "native"


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def fail(msg):
    print(f"error: {msg}", file=sys.stderr)
    sys.exit(2)


# ----------------------------------------------------------------------------- tokenization
def read_symbols(path):
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as e:
        fail(f"cannot read {path}: {e.strerror}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        fail(f"{path}: invalid UTF-8 at byte offset {e.start}")
    if text.startswith("\ufeff"):
        text = text[1:]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text)
    if not text:
        fail(f"{path}: empty corpus")
    return list(text)


def build_vocab(symbols):
    vocab = sorted(set(symbols), key=lambda s: s.encode("utf-8"))
    index = {s: i for i, s in enumerate(vocab)}
    return vocab, torch.tensor([index[s] for s in symbols], dtype=torch.long)


def streams(ids, B):
    """(x, y) of shape (S, B): x[j, b] = ids[b*S+j], y[j, b] = ids[b*S+j+1]."""
    S = (len(ids) - 1) // B
    if S < 1:
        return None, None, 0
    base = torch.arange(B).unsqueeze(0) * S + torch.arange(S).unsqueeze(1)  # (S, B)
    return ids[base], ids[base + 1], S


# ----------------------------------------------------------------------------- model
class CharLM(nn.Module):
    def __init__(self, V, E, H, L):
        super().__init__()
        self.embedding = nn.Embedding(V, E)
        self.rnn = nn.LSTM(E, H, num_layers=L)
        self.head = nn.Linear(H, V)

    def forward(self, x, state):
        out, state = self.rnn(self.embedding(x), state)
        return self.head(out), state


def zero_state(L, B, H):
    return (torch.zeros(L, B, H), torch.zeros(L, B, H))


def set_backend(name):
    torch.backends.mkldnn.enabled = (name == "mkldnn")


def onednn_version():
    m = re.search(r"MKL-DNN v([0-9.]+)", torch.__config__.show())
    return m.group(1) if m else "?"


def backend_label(name):
    if name == "mkldnn":
        return f"mkldnn (oneDNN v{onednn_version()} LSTM, aten::mkldnn_rnn_layer)"
    return "native (ATen LSTM cell loop, MKL GEMM; torch.backends.mkldnn.enabled=False)"


@torch.no_grad()
def evaluate(model, x, y, T, L, H):
    model.eval()
    S, B = x.shape
    V = model.head.out_features
    state = zero_state(L, B, H)
    total, count = 0.0, 0
    for j in range(0, S, T):
        xs, ys = x[j:j + T], y[j:j + T]
        logits, state = model(xs, state)
        total += float(F.cross_entropy(logits.reshape(-1, V), ys.reshape(-1), reduction="sum"))
        count += ys.numel()
    model.train()
    return total / count


def train_step(model, opt, params, xs, ys, state, clip, V):
    opt.zero_grad(set_to_none=True)
    logits, (h, c) = model(xs, state)
    loss = F.cross_entropy(logits.reshape(-1, V), ys.reshape(-1))
    loss.backward()
    norm = torch.nn.utils.clip_grad_norm_(params, max_norm=clip)
    opt.step()
    return loss.item(), norm.item(), (h.detach(), c.detach())


def make_model(args, V):
    torch.manual_seed(args.seed)
    model = CharLM(V, args.embedding_size, args.hidden_size, args.layers)
    params = list(model.parameters())
    opt = torch.optim.Adam(params, lr=args.learning_rate, betas=(0.9, 0.999), eps=1e-8)
    return model, params, opt


def compare_backends(args, V, tx, ty, K):
    """Interleaved timing of both back ends on this config (no result is kept)."""
    T, L, H = args.seq_length, args.layers, args.hidden_size
    B = tx.shape[1]
    reps, n = 4, 8
    results = {"mkldnn": [], "native": []}
    for rep in range(reps):
        for name in ("mkldnn", "native") if rep % 2 == 0 else ("native", "mkldnn"):
            set_backend(name)
            model, params, opt = make_model(args, V)
            state = zero_state(L, B, H)
            for s in range(2):  # warm-up
                _, _, state = train_step(model, opt, params, tx[:T], ty[:T], state, args.clip, V)
            t0 = time.perf_counter()
            for s in range(n):
                k = s % K
                _, _, state = train_step(model, opt, params, tx[k * T:(k + 1) * T],
                                         ty[k * T:(k + 1) * T], state, args.clip, V)
            train_cps = n * T * B / (time.perf_counter() - t0)
            with torch.no_grad():
                st, tok = zero_state(L, 1, H), torch.zeros(1, 1, dtype=torch.long)
                t0 = time.perf_counter()
                for _ in range(300):
                    logits, st = model(tok, st)
                    tok = torch.multinomial(F.softmax(logits[0], -1), 1).view(1, 1)
                sample_cps = 300 / (time.perf_counter() - t0)
            results[name].append((train_cps, sample_cps))
            log(f"  {name:6s} rep {rep}: train {train_cps:8.0f} chars/s  sample {sample_cps:8.0f} chars/s")
    summary = {}
    for name, rs in results.items():
        tr = sorted(r[0] for r in rs)
        sa = sorted(r[1] for r in rs)
        summary[name] = {"train_chars_per_second_median": tr[len(tr) // 2],
                         "sample_chars_per_second_median": sa[len(sa) // 2],
                         "train_all": tr, "sample_all": sa}
        log(f"{name}: median train {tr[len(tr) // 2]:.0f} chars/s, sample {sa[len(sa) // 2]:.0f} chars/s")
    return summary


def main():
    ap = argparse.ArgumentParser(description="PyTorch reference trainer for charlm")
    ap.add_argument("corpus")
    ap.add_argument("--embedding-size", type=int, default=64)
    ap.add_argument("--hidden-size", type=int, default=256)
    ap.add_argument("--layers", type=int, default=1)
    ap.add_argument("--seq-length", type=int, default=64)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--learning-rate", type=float, default=2e-3)
    ap.add_argument("--clip", type=float, default=5.0)
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--val-fraction", type=float, default=0.1)
    ap.add_argument("--eval-every", type=int, default=0,
                    help="evaluate every N steps (0: only at the end); always at the end")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--sample-length", type=int, default=1000,
                    help="symbols to sample after training for the speed measurement (0: skip)")
    ap.add_argument("--lstm-backend", choices=["mkldnn", "native"], default=DEFAULT_BACKEND,
                    help="LSTM back end for training and evaluation")
    ap.add_argument("--sample-backend", choices=["mkldnn", "native"],
                    default=DEFAULT_SAMPLE_BACKEND, help="LSTM back end for sampling")
    ap.add_argument("--compare-backends", action="store_true",
                    help="time both LSTM back ends on this config and exit")
    args = ap.parse_args()

    for flag in ("embedding_size", "hidden_size", "layers", "seq_length", "batch_size", "steps",
                 "threads"):
        if getattr(args, flag) < 1:
            fail(f"--{flag.replace('_', '-')} must be >= 1")
    if not 0.0 <= args.val_fraction < 1.0:
        fail("--val-fraction must be in [0, 1)")

    torch.set_num_threads(args.threads)
    T, B, L, H = args.seq_length, args.batch_size, args.layers, args.hidden_size

    t_tok = time.perf_counter()
    symbols = read_symbols(args.corpus)
    vocab, ids = build_vocab(symbols)
    V = len(vocab)
    n = len(ids)
    n_val = math.floor(n * args.val_fraction)
    train_ids, val_ids = ids[:n - n_val], ids[n - n_val:]
    tx, ty, S = streams(train_ids, B)
    K = S // T
    if K < 1:
        max_b = (len(train_ids) - 1) // T
        hint = (f"use --batch-size <= {max_b} or --seq-length <= {S}" if max_b >= 1 else
                f"use --seq-length <= {len(train_ids) - 1} (with --batch-size 1)")
        fail(f"training split of {len(train_ids)} symbols is shorter than one chunk of "
             f"B={B} streams x T={T} steps (needs (N-1)//B >= T); {hint}")
    vx, vy, S_val = streams(val_ids, B) if n_val > 0 else (None, None, 0)
    log(f"corpus {args.corpus}: {n} symbols, vocab {V}, train {len(train_ids)}, val {n_val} "
        f"(S={S}, K={K} chunks/epoch, val S={S_val}); tokenized in {time.perf_counter() - t_tok:.2f}s")

    if args.compare_backends:
        summary = compare_backends(args, V, tx, ty, K)
        faster = max(summary, key=lambda k: summary[k]["train_chars_per_second_median"])
        faster_s = max(summary, key=lambda k: summary[k]["sample_chars_per_second_median"])
        log(f"faster for training: {faster}; faster for sampling: {faster_s}")
        if args.json:
            print(json.dumps({"compare_backends": summary, "faster_train": faster,
                              "faster_sample": faster_s,
                              "torch_version": torch.__version__, "threads": args.threads}))
        return

    set_backend(args.lstm_backend)
    model, params, opt = make_model(args, V)
    log(f"model V={V} E={args.embedding_size} H={H} L={L}: "
        f"{sum(p.numel() for p in params)} parameters; LSTM back end {args.lstm_backend}")

    state = None
    train_loss = float("nan")
    val_loss = None
    timed_time, timed_steps = 0.0, 0
    t_start = time.perf_counter()
    for step in range(args.steps):
        k = step % K
        if k == 0:
            state = zero_state(L, B, H)
        t0 = time.perf_counter()
        train_loss, norm, state = train_step(model, opt, params, tx[k * T:(k + 1) * T],
                                             ty[k * T:(k + 1) * T], state, args.clip, V)
        dt = time.perf_counter() - t0
        if step >= WARMUP_STEPS:
            timed_time += dt
            timed_steps += 1
        done = step + 1
        if done % 10 == 0 or done == args.steps:
            cps = timed_steps * T * B / timed_time if timed_time > 0 else float("nan")
            log(f"step {done}/{args.steps}  loss {train_loss:.4f}  grad norm {norm:.3f}  "
                f"{cps:.0f} chars/s")
        if vx is not None and ((args.eval_every > 0 and done % args.eval_every == 0)
                               or done == args.steps):
            t_ev = time.perf_counter()
            val_loss = evaluate(model, vx, vy, T, L, H)
            log(f"  val loss {val_loss:.4f} nats = {val_loss / math.log(2):.4f} bits/char "
                f"({time.perf_counter() - t_ev:.1f}s)")
    train_time = time.perf_counter() - t_start
    chars_per_second = timed_steps * T * B / timed_time if timed_time > 0 else None

    sample_cps = None
    if args.sample_length > 0:
        gen = torch.Generator().manual_seed(args.seed)
        set_backend(args.sample_backend)
        model.eval()
        start = vocab.index("\n") if "\n" in vocab else 0
        with torch.no_grad():
            st = zero_state(L, 1, H)
            tok = torch.tensor([[start]], dtype=torch.long)
            out = []
            t0 = time.perf_counter()
            for _ in range(args.sample_length):
                logits, st = model(tok, st)
                probs = F.softmax(logits[0, 0] / 1.0, dim=-1)
                nxt = int(torch.multinomial(probs, 1, generator=gen))
                out.append(nxt)
                tok = torch.tensor([[nxt]], dtype=torch.long)
            sample_cps = args.sample_length / (time.perf_counter() - t0)
        log("sample: " + repr("".join(vocab[i] for i in out[:200])))
        log(f"sampling {sample_cps:.0f} chars/s")

    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    result = {
        "steps": args.steps,
        "train_loss": train_loss,
        "val_loss": val_loss,
        "val_bits_per_char": val_loss / math.log(2) if val_loss is not None else None,
        "chars_per_second": chars_per_second,
        "sample_chars_per_second": sample_cps,
        "peak_rss_bytes": peak_rss,
        "backend": (f"train: {backend_label(args.lstm_backend)}; "
                    f"sample: {backend_label(args.sample_backend)}"),
        "torch_version": torch.__version__,
        "threads": args.threads,
        "vocab_size": V,
        "train_seconds": train_time,
    }
    log(f"done: train loss {train_loss:.4f}, val {result['val_bits_per_char']} bits/char, "
        f"{chars_per_second} chars/s (first {WARMUP_STEPS} steps untimed), "
        f"peak RSS {peak_rss / 2**20:.0f} MiB")
    if args.json:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
