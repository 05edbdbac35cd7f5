"""charlm model files in PyTorch: load, score, sample, train (also under torchrun) and save.

A charlm model file is a safetensors file whose model tensors already carry PyTorch's names
and gate order, so this package only builds `Embedding -> LSTM | GRU | RNN(tanh) -> Linear`
from `charlm.config` and copies the tensors in with `load_state_dict(strict=True)`.

    import charlm_torch
    model, meta = charlm_torch.load("model.safetensors")
    charlm_torch.save(model, meta, "edited.safetensors")   # charlm sample/perplexity/info read it

Command line: `python -m charlm_torch {perplexity,sample,train,export} --help`
(or the `charlm-torch` console script).
"""

from .errors import CharlmError
from .model import CharLM
from .modelfile import FORMAT_VERSION, ResumeState, load, save
from .text import encode, perplexity, prepare, read_ids

__all__ = ["CharLM", "CharlmError", "FORMAT_VERSION", "ResumeState", "encode", "load", "perplexity", "prepare",
           "read_ids", "save"]
