"""charlm's model as PyTorch modules: Embedding(V, E) -> LSTM | GRU | RNN(tanh) (E, H, L) -> Linear(H, V).

Names and gate order are PyTorch's (docs/Cells.md), so a charlm file's tensors load as they are."""

import torch

from .errors import CharlmError

CELLS = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}


class CharLM(torch.nn.Module):
    """ids (T, B) int64 -> logits (T, B, V); the state is (h, c) for lstm, h for gru and rnn,
    each (L, B, H)."""

    def __init__(self, cell, vocab_size, embedding_size, hidden_size, layers, dropout=0.0):
        super().__init__()
        if cell not in CELLS:
            raise CharlmError(f"unknown cell {cell!r}; charlm has {', '.join(CELLS)}")
        self.cell = cell
        self.embedding = torch.nn.Embedding(vocab_size, embedding_size)
        extra = {"nonlinearity": "tanh"} if cell == "rnn" else {}
        self.rnn = CELLS[cell](embedding_size, hidden_size, layers, dropout=dropout if layers > 1 else 0.0, **extra)
        self.head = torch.nn.Linear(hidden_size, vocab_size)

    @classmethod
    def from_config(cls, config, dropout=0.0):
        """A module of `charlm.config`'s shape (its weights are PyTorch's random init)."""
        return cls(config.get("cell", "lstm"), config["vocab_size"], config["embedding_size"], config["hidden_size"],
                   config["layers"], dropout)

    def config(self):
        """`charlm.config` of this module's actual sizes."""
        V, E = self.embedding.weight.shape
        return {"cell": self.cell, "embedding_size": E, "hidden_size": self.rnn.hidden_size,
                "layers": self.rnn.num_layers, "vocab_size": V}

    def forward(self, ids, state=None):
        out, state = self.rnn(self.embedding(ids), state)
        return self.head(out), state

    def zero_state(self, batch, device=None):
        """The state charlm starts every stream from (zeros)."""
        h = torch.zeros(self.rnn.num_layers, batch, self.rnn.hidden_size, device=device)
        return (h, torch.zeros_like(h)) if self.cell == "lstm" else h

    def state_as_pair(self, state):
        """(h, c) as charlm stores it (`train.state.h/c`); c is zero for gru and rnn."""
        return state if self.cell == "lstm" else (state, torch.zeros_like(state))

    def state_from_pair(self, h, c):
        """The module's state from charlm's (h, c)."""
        return (h, c) if self.cell == "lstm" else h
