"""Load, score, modify and save charlm model files in PyTorch.

A charlm model file is a safetensors file whose model tensors already carry PyTorch's names
(`embedding.weight`, `rnn.weight_ih_l{k}` …, `head.weight`, `head.bias`) and gate order
(i, f, g, o), so no conversion is needed: this module only builds the three modules from
`charlm.config` and copies the tensors in with `load_state_dict(strict=True)`.

    import charlm_torch
    model, meta = charlm_torch.load("model.safetensors")
    ppl = charlm_torch.perplexity(model, open("text.txt", encoding="utf-8").read(),
                                  meta["vocab"], meta["tokenizer"])
    charlm_torch.save(model, meta, "edited.safetensors")   # loads in `charlm sample/perplexity`

`meta` is a dict: `format_version` (str), `config`, `tokenizer` (dicts), `vocab` (list of
symbol strings in id order), and `raw` (the file's whole `__metadata__`, string to string).

Limitation of `perplexity`/`encode`: charlm splits text into grapheme clusters with ICU; this
module splits NFC text into code points. The two agree when every grapheme cluster is one code
point after NFC (ASCII, most Latin/Cyrillic/Greek/CJK text; not emoji sequences, skin tones,
flags, Hangul jamo, Indic conjuncts or marks NFC cannot compose). `encode` raises on a code
point that is not in the vocabulary and is not a symbol of its own (i.e. part of a longer
grapheme), rather than silently disagreeing with charlm. Models trained with `--unit scalar`
have no such limitation.

Command line (used by the tests):
    python3 charlm_torch.py perplexity MODEL TEXT            -> one JSON line
    python3 charlm_torch.py finetune MODEL TEXT OUT [--steps N] [--lr LR] [--seq-length T]
        -> trains N Adam steps on TEXT from a zero state (one stream), saves OUT, prints the
           new perplexity of OUT on TEXT as one JSON line
    python3 charlm_torch.py scale-head MODEL OUT FACTOR      -> head.weight/bias *= FACTOR
"""

import json
import math
import os
import sys
import unicodedata

import torch
from safetensors import safe_open
from safetensors.torch import save_file

FORMAT_VERSION = "1"


class CharLM(torch.nn.Module):
    """Embedding(V, E) -> LSTM(E, H, L) -> Linear(H, V), as charlm's model."""

    def __init__(self, vocab_size, embedding_size, hidden_size, layers):
        super().__init__()
        self.embedding = torch.nn.Embedding(vocab_size, embedding_size)
        self.rnn = torch.nn.LSTM(embedding_size, hidden_size, layers)  # (T, B, E) inputs
        self.head = torch.nn.Linear(hidden_size, vocab_size)

    def forward(self, ids, state=None):
        """ids: (T, B) int64 -> logits (T, B, V), (h, c) each (L, B, H)."""
        out, state = self.rnn(self.embedding(ids), state)
        return self.head(out), state


def load(path):
    """Reads a charlm model file: (CharLM module on CPU in float32, metadata dict).

    Training state (`train.*` tensors, `charlm.train` metadata) is not loaded into the module;
    it stays in meta["raw"] only as metadata and is dropped by `save`."""
    with safe_open(path, framework="pt") as f:
        raw = dict(f.metadata() or {})
        version = raw.get("charlm.format_version")
        if version != FORMAT_VERSION:
            raise ValueError(f"{path}: charlm.format_version is {version!r}, expected {FORMAT_VERSION!r}")
        config = json.loads(raw["charlm.config"])
        if config.get("cell", "lstm") != "lstm":
            raise ValueError(f"{path}: cell {config['cell']!r} is not supported here (lstm only)")
        state = {k: f.get_tensor(k) for k in f.keys() if not k.startswith("train.")}
    model = CharLM(config["vocab_size"], config["embedding_size"], config["hidden_size"], config["layers"])
    model.load_state_dict(state, strict=True)
    meta = {
        "format_version": version,
        "config": config,
        "tokenizer": json.loads(raw["charlm.tokenizer"]),
        "vocab": json.loads(raw["charlm.vocab"]),
        "raw": raw,
    }
    return model, meta


def save(model, metadata, path):
    """Writes `model` as a charlm model file (float32, charlm's names and metadata).

    Keeps metadata["raw"] keys that are not charlm's own or training state (`charlm.train*`);
    the result has no resume state, so `charlm train --resume` will refuse it (train a new run
    or continue in PyTorch)."""
    config = dict(metadata["config"])
    V, E = model.embedding.weight.shape
    config.update(cell="lstm", vocab_size=V, embedding_size=E, hidden_size=model.rnn.hidden_size,
                  layers=model.rnn.num_layers)
    if len(metadata["vocab"]) != V:
        raise ValueError(f"vocabulary has {len(metadata['vocab'])} symbols but the model has V = {V}")
    out = {k: v for k, v in metadata.get("raw", {}).items() if not k.startswith("charlm.")}
    out.update({
        "charlm.format_version": FORMAT_VERSION,
        "charlm.config": json.dumps(config, sort_keys=True, separators=(",", ":")),
        "charlm.tokenizer": json.dumps(metadata["tokenizer"], sort_keys=True, separators=(",", ":")),
        "charlm.vocab": json.dumps(metadata["vocab"], ensure_ascii=False, separators=(",", ":")),
    })
    tensors = {k: v.detach().to(torch.float32).contiguous().cpu() for k, v in model.state_dict().items()}
    # Atomic, as charlm writes: a temporary file in the same directory, renamed over the target.
    directory, name = os.path.split(os.path.abspath(path))
    temporary = os.path.join(directory, f".{name}.tmp-{os.getpid()}-py")
    try:
        save_file(tensors, temporary, metadata=out)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def prepare(text, tokenizer):
    """charlm's text preparation: drop a BOM, CRLF/CR -> LF, NFC unless normalization is none."""
    if text.startswith("\ufeff"):
        text = text[1:]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if tokenizer.get("normalization", "nfc") == "nfc":
        text = unicodedata.normalize("NFC", text)
    return text


def encode(text, vocab, tokenizer):
    """Ids of `text` (code points after `prepare`); unknown symbols map to unknown_id, or are
    left out with the next symbol's prediction not scored, as charlm does.

    Returns (ids, skipped_targets, unknown_count)."""
    index = {s: i for i, s in enumerate(vocab)}
    unknown_id = tokenizer.get("unknown_id")
    ids, skipped, unknown = [], [], 0
    for ch in prepare(text, tokenizer):
        i = index.get(ch)
        if i is None:
            if tokenizer.get("unit") == "grapheme" and any(len(s) > 1 and ch in s for s in vocab):
                raise ValueError(f"U+{ord(ch):04X} is part of a multi-code-point grapheme of the vocabulary; "
                                 "this helper splits code points only (see the module docstring)")
            unknown += 1
            if unknown_id is not None:
                ids.append(unknown_id)
            else:
                skipped.append(len(ids))  # the next symbol kept is not scored
            continue
        ids.append(i)
    return ids, skipped, unknown


@torch.no_grad()
def perplexity(model, text, vocab, settings):
    """charlm perplexity: every symbol after the first predicted from all before it, one stream
    from a zero state. Returns a dict with chars, nats_per_char, bits_per_char, perplexity, unknown."""
    ids, skipped, unknown = encode(text, vocab, settings)
    if len(ids) < 2:
        raise ValueError("perplexity needs at least 2 known symbols")
    x = torch.tensor(ids[:-1], dtype=torch.long).unsqueeze(1)
    y = torch.tensor(ids[1:], dtype=torch.long)
    logits, _ = model(x)
    losses = torch.nn.functional.cross_entropy(logits.squeeze(1).double(), y, reduction="none")
    mask = torch.ones_like(losses, dtype=torch.bool)
    for s in skipped:  # target position s (1-based into ids) is not scored
        if 1 <= s < len(ids):
            mask[s - 1] = False
    nats = losses[mask].sum().item()
    chars = int(mask.sum().item())
    npc = nats / chars
    return {"chars": chars, "nats_per_char": npc, "bits_per_char": npc / math.log(2),
            "perplexity": math.exp(npc), "unknown": unknown}


def finetune(model, text, vocab, settings, steps=3, lr=1e-2, seq_length=32, clip=5.0):
    """A few Adam steps on `text` as one stream, in chunks of `seq_length` with carried state."""
    ids, _, _ = encode(text, vocab, settings)
    data = torch.tensor(ids, dtype=torch.long)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    state = None
    pos = 0
    for _ in range(steps):
        if pos + seq_length + 1 > len(data):
            pos, state = 0, None
        x = data[pos:pos + seq_length].unsqueeze(1)
        y = data[pos + 1:pos + seq_length + 1]
        logits, state = model(x, state)
        state = tuple(s.detach() for s in state)
        loss = torch.nn.functional.cross_entropy(logits.squeeze(1), y)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        opt.step()
        pos += seq_length
    return model


def _main(argv):
    command = argv[0]
    if command == "perplexity":
        model, meta = load(argv[1])
        text = open(argv[2], encoding="utf-8").read()
        print(json.dumps(perplexity(model, text, meta["vocab"], meta["tokenizer"])))
    elif command == "finetune":
        model_path, text_path, out = argv[1:4]
        opts = dict(zip(argv[4::2], argv[5::2]))
        torch.manual_seed(0)
        model, meta = load(model_path)
        text = open(text_path, encoding="utf-8").read()
        finetune(model, text, meta["vocab"], meta["tokenizer"], steps=int(opts.get("--steps", 3)),
                 lr=float(opts.get("--lr", 1e-2)), seq_length=int(opts.get("--seq-length", 32)))
        save(model, meta, out)
        again, meta2 = load(out)
        print(json.dumps(perplexity(again, text, meta2["vocab"], meta2["tokenizer"])))
    elif command == "scale-head":
        model, meta = load(argv[1])
        with torch.no_grad():
            model.head.weight.mul_(float(argv[3]))
            model.head.bias.mul_(float(argv[3]))
        save(model, meta, argv[2])
    else:
        raise SystemExit(f"unknown command {command!r}; see the module docstring")


if __name__ == "__main__":
    _main(sys.argv[1:])
