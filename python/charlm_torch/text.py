"""Text to ids and scoring, as charlm does.

Exact ids come from `charlm encode CORPUS --model M --output ids.npy` (ICU graphemes, the
model's normalization) and are read with `read_ids`. `encode` is a pure-Python fallback that
splits NFC text into code points: it agrees with charlm only when every grapheme is one code
point (not emoji sequences, flags, Hangul jamo, Indic conjuncts) and raises rather than disagree."""

import math
import unicodedata

import numpy as np
import torch

from .errors import CharlmError


def read_ids(path, vocab_size=None):
    """A `charlm encode` .npy file as a 1-D int64 tensor; checks every id is below vocab_size."""
    try:
        array = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as error:
        raise CharlmError(f"{path} is not a readable .npy file: {error}") from None
    if array.ndim != 1 or array.dtype not in (np.uint16, np.uint32):
        raise CharlmError(f"{path}: expected a 1-D uint16/uint32 array from charlm encode, got {array.dtype} {array.shape}")
    ids = torch.from_numpy(array.astype(np.int64))
    if vocab_size is not None and len(ids) and int(ids.max()) >= vocab_size:
        raise CharlmError(f"{path} holds id {int(ids.max())} but the model has V = {vocab_size}; "
                          "encode the corpus with this model (charlm encode --model)")
    return ids


def prepare(text, tokenizer):
    """charlm's text preparation: drop a BOM, CRLF/CR -> LF, NFC unless normalization is none."""
    if text.startswith("\ufeff"):
        text = text[1:]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if tokenizer.get("normalization", "nfc") == "nfc":
        text = unicodedata.normalize("NFC", text)
    return text


def encode(text, vocab, tokenizer):
    """(ids, skipped_targets, unknown_count) of `text` split into code points after `prepare`;
    unknown symbols map to unknown_id, or are left out with the next symbol not scored."""
    index = {s: i for i, s in enumerate(vocab)}
    unknown_id = tokenizer.get("unknown_id")
    ids, skipped, unknown = [], [], 0
    for ch in prepare(text, tokenizer):
        i = index.get(ch)
        if i is None:
            if tokenizer.get("unit") == "grapheme" and any(len(s) > 1 and ch in s for s in vocab):
                raise CharlmError(f"U+{ord(ch):04X} is part of a multi-code-point grapheme of the vocabulary; "
                                  "give ids from `charlm encode` instead of text")
            unknown += 1
            if unknown_id is not None:
                ids.append(unknown_id)
            else:
                skipped.append(len(ids))
            continue
        ids.append(i)
    return ids, skipped, unknown


@torch.no_grad()
def perplexity(model, ids, skipped=(), unknown=0):
    """charlm perplexity: every id after the first predicted from all before it, one stream
    from a zero state, float64 sums. Returns chars, nats_per_char, bits_per_char, perplexity, unknown."""
    ids = torch.as_tensor(ids, dtype=torch.long)
    if len(ids) < 2:
        raise CharlmError(f"perplexity needs at least 2 known symbols, got {len(ids)}")
    model.eval()
    logits, _ = model(ids[:-1].unsqueeze(1))
    losses = torch.nn.functional.cross_entropy(logits.squeeze(1).double(), ids[1:], reduction="none")
    mask = torch.ones_like(losses, dtype=torch.bool)
    for s in skipped:  # target position s of ids is not scored
        if 1 <= s < len(ids):
            mask[s - 1] = False
    chars = int(mask.sum())
    npc = losses[mask].sum().item() / chars
    return {"chars": chars, "nats_per_char": npc, "bits_per_char": npc / math.log(2), "perplexity": math.exp(npc),
            "unknown": unknown}
