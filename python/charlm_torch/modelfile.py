"""Reading and writing charlm model files (docs/ModelFormat.md): model tensors, the four
`charlm.*` keys, and optionally the resume state (`train.*` tensors, `charlm.train`)."""

import dataclasses
import json
import os

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save as safetensors_bytes

from .errors import CharlmError
from .model import CharLM

FORMAT_VERSION = "1"
RECORD_KEY = "charlm.train"
# Keys whose meaning ties them to a file's tensors; `save` writes them from the module and meta.
# charlm.run says where charlm's weights come from (step, best or current, time); it does not
# describe weights PyTorch wrote, so it is never copied.
RUN_KEY = "charlm.run"
OWN_KEYS = ("charlm.format_version", "charlm.config", "charlm.tokenizer", "charlm.vocab", RECORD_KEY, RUN_KEY)


@dataclasses.dataclass
class ResumeState:
    """What `charlm train --resume` needs besides the model tensors (flat tensors in the
    parameter order of docs/ModelFormat.md, which is `model.parameters()`'s order).

    parameters, adam_m, adam_v: (P,) float32; state_h, state_c: (L, B, H); record: the
    `charlm.train` dict (step, adam_step, current_learning_rate, generator, options, ...)."""

    parameters: torch.Tensor
    adam_m: torch.Tensor
    adam_v: torch.Tensor
    state_h: torch.Tensor
    state_c: torch.Tensor
    record: dict


def _json(raw, key, path):
    if key not in raw:
        raise CharlmError(f"{path} has no {key} metadata; is it a charlm model file?")
    try:
        return json.loads(raw[key])
    except json.JSONDecodeError as error:
        raise CharlmError(f"{path}: {key} is not valid JSON ({error})") from None


def load(path, dropout=0.0):
    """(CharLM on CPU in float32, meta). meta: format_version, config, tokenizer, vocab, raw
    (the whole `__metadata__`), resume (a ResumeState, or None when the file has none)."""
    if not os.path.isfile(path):
        raise CharlmError(f"{path} does not exist or is not a regular file; check the path")
    try:
        with safe_open(path, framework="pt") as f:
            raw = dict(f.metadata() or {})
            tensors = {k: f.get_tensor(k) for k in f.keys()}
    except (SafetensorError, OSError, ValueError) as error:
        raise CharlmError(f"{path} is not a readable safetensors file: {error}") from None
    version = raw.get("charlm.format_version")
    if version != FORMAT_VERSION:
        raise CharlmError(f"{path}: charlm.format_version is {version!r}, expected {FORMAT_VERSION!r}")
    config = _json(raw, "charlm.config", path)
    meta = {"format_version": version, "config": config, "tokenizer": _json(raw, "charlm.tokenizer", path),
            "vocab": _json(raw, "charlm.vocab", path), "raw": raw, "resume": None}
    if len(meta["vocab"]) != config.get("vocab_size"):
        raise CharlmError(f"{path}: the vocabulary has {len(meta['vocab'])} symbols but V is {config.get('vocab_size')}")
    model = CharLM.from_config(config, dropout)
    try:
        model.load_state_dict({k: v for k, v in tensors.items() if not k.startswith("train.")}, strict=True)
    except RuntimeError as error:
        first = str(error).strip().splitlines()
        raise CharlmError(f"{path}: tensors do not match charlm.config: {' '.join(s.strip() for s in first[1:3])}") from None
    names = ("train.parameters", "train.adam.m", "train.adam.v", "train.state.h", "train.state.c")
    if RECORD_KEY in raw and all(n in tensors for n in names):
        meta["resume"] = ResumeState(*(tensors[n] for n in names), record=_json(raw, RECORD_KEY, path))
    return model, meta


def _compact(value, **options):
    return json.dumps(value, separators=(",", ":"), **options)


def save(model, meta, path, resume=None):
    """Writes `model` as a charlm file, atomically (temporary file in the same directory,
    fsync, rename, fsync of the directory; mode 0666 less the umask, as charlm).

    Keeps meta["raw"]'s other keys (e.g. `charlm.symbol_counts`; not `charlm.run`); writes the resume state only
    when `resume` (a ResumeState) is given, so otherwise `charlm train --resume` refuses the file."""
    config = model.config()
    if len(meta["vocab"]) != config["vocab_size"]:
        raise CharlmError(f"vocabulary has {len(meta['vocab'])} symbols but the model has V = {config['vocab_size']}")
    out = {k: v for k, v in meta.get("raw", {}).items() if k not in OWN_KEYS}
    out.update({
        "charlm.format_version": FORMAT_VERSION,
        "charlm.config": _compact(config, sort_keys=True),
        "charlm.tokenizer": _compact(meta["tokenizer"], sort_keys=True),
        "charlm.vocab": _compact(meta["vocab"], ensure_ascii=False),
    })
    tensors = {k: v.detach().to(torch.float32).cpu().contiguous() for k, v in model.state_dict().items()}
    if resume is not None:
        out[RECORD_KEY] = _compact(resume.record, sort_keys=True)
        for name, tensor in (("train.parameters", resume.parameters), ("train.adam.m", resume.adam_m),
                             ("train.adam.v", resume.adam_v), ("train.state.h", resume.state_h),
                             ("train.state.c", resume.state_c)):
            tensors[name] = tensor.detach().to(torch.float32).cpu().contiguous()
    write_atomically(safetensors_bytes(tensors, metadata=out), path)


def write_atomically(data, path):
    """`data` (bytes) to `path`: a reader sees the old file or the new one, never a part."""
    directory, name = os.path.split(os.path.abspath(path))
    temporary = os.path.join(directory, f".{name}.tmp-{os.getpid()}-{os.urandom(8).hex()}")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
    except OSError as error:
        raise CharlmError(f"cannot write {path}: {error.strerror} (creating {temporary})") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    except OSError as error:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise CharlmError(f"cannot write {path}: {error.strerror}") from None
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
