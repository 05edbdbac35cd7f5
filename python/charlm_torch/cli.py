"""`python -m charlm_torch` / `charlm-torch`: perplexity, sample, train, export.

Bad input prints one line `charlm_torch: error: ...` on stderr and exits non-zero."""

import argparse
import json
import os
import sys

import torch

from .errors import CharlmError


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors (no usage block)."""

    def error(self, message):
        print(f"{self.prog}: error: {message} (see --help)", file=sys.stderr)
        sys.exit(2)


def _scored(model, meta, args):
    from .text import encode, read_ids
    if args.ids:
        return read_ids(args.file, meta["config"]["vocab_size"]), [], 0
    with open(args.file, encoding="utf-8") as f:
        return encode(f.read(), meta["vocab"], meta["tokenizer"])


def cmd_perplexity(args):
    from .modelfile import load
    from .text import perplexity
    model, meta = load(args.model)
    ids, skipped, unknown = _scored(model, meta, args)
    report = perplexity(model, ids, skipped, unknown)
    print(json.dumps(report))


@torch.no_grad()
def cmd_sample(args):
    from .modelfile import load
    from .text import encode
    model, meta = load(args.model)
    model.eval()
    vocab = meta["vocab"]
    torch.manual_seed(args.seed)
    prime, _, _ = encode(args.prime, vocab, meta["tokenizer"]) if args.prime else ([], [], 0)
    state, out = None, []
    logits = None
    for i in prime:
        logits, state = model(torch.tensor([[i]]), state)
    if logits is None:  # no prime: start from a newline when the vocabulary has one, else id 0
        logits, state = model(torch.tensor([[vocab.index("\n") if "\n" in vocab else 0]]), state)
    for _ in range(args.length):
        probabilities = torch.softmax(logits[-1, 0].double() / args.temperature, dim=0)
        i = int(torch.multinomial(probabilities, 1))
        out.append(vocab[i])
        logits, state = model(torch.tensor([[i]]), state)
    sys.stdout.write(args.prime + "".join(out) + "\n")


def cmd_train(args):
    from .train import Options, train
    options = Options()
    overrides = []
    for name in ("steps", "batch_size", "seq_length", "learning_rate", "clip", "val_fraction", "eval_every",
                 "seed", "dropout"):
        value = getattr(args, name)
        if value is not None:
            setattr(options, name, value)
            overrides.append(name)
    summary = train(args.model, args.ids, args.output or args.model, options, resume=args.resume,
                    overrides=overrides, progress_interval=args.progress_interval, device=args.device)
    if summary is not None and args.json:
        print(json.dumps(summary))


def cmd_export(args):
    from .modelfile import load, save
    model, meta = load(args.model)
    if args.format == "charlm":
        save(model, meta, args.output)  # the best weights, no resume state
    else:
        torch.save({"state_dict": model.state_dict(), "config": meta["config"], "tokenizer": meta["tokenizer"],
                    "vocab": meta["vocab"]}, args.output)
    print(f"{args.model} -> {args.output} ({args.format})")


def parser():
    p = Parser(prog="charlm_torch", description="charlm model files in PyTorch (lstm, gru and rnn cells).")
    verbs = p.add_subparsers(dest="verb", required=True, parser_class=Parser)

    s = verbs.add_parser("perplexity", help="score a text like `charlm perplexity --json`",
                         description="One JSON line: chars, nats_per_char, bits_per_char, perplexity, unknown. "
                                     "Every symbol after the first is predicted from all before it, one stream "
                                     "from a zero state.")
    s.add_argument("model", help="charlm model file")
    s.add_argument("file", help="UTF-8 text (split into code points), or with --ids a .npy from charlm encode")
    s.add_argument("--ids", action="store_true", help="FILE holds ids from `charlm encode` (exact graphemes)")
    s.set_defaults(run=cmd_perplexity)

    s = verbs.add_parser("sample", help="generate text from a model",
                         description="Samples --length symbols after --prime from a zero state.")
    s.add_argument("model", help="charlm model file")
    s.add_argument("--length", type=int, default=200, help="symbols to generate (default 200)")
    s.add_argument("--prime", default="", help="text to start from (code points; default: none)")
    s.add_argument("--temperature", type=float, default=1.0, help="softmax temperature (default 1)")
    s.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    s.set_defaults(run=cmd_sample)

    s = verbs.add_parser(
        "train", help="train a charlm model (one process, or many under torchrun)",
        description="Trains the model in MODEL on IDS (from `charlm encode CORPUS --model MODEL --output IDS`) "
                    "with charlm's semantics and writes a charlm file with the resume state (charlm train "
                    "--resume continues it). Under `torchrun --nproc-per-node W` the B streams are split over the "
                    "W processes (gloo on CPU, NCCL on CUDA). Ctrl-C or SIGTERM saves and stops.")
    s.add_argument("model", help="charlm model file to start from")
    s.add_argument("ids", help=".npy ids from charlm encode (--val-fraction of it validates: seeded blocks, as charlm's default)")
    s.add_argument("--output", help="model file to write (default: MODEL)")
    s.add_argument("--resume", action="store_true", help="continue MODEL's saved run (step, Adam, state, best)")
    s.add_argument("--steps", type=int, help="train until this many steps in total (default 1000)")
    s.add_argument("--batch-size", type=int, help="B streams over all processes (default 32)")
    s.add_argument("--seq-length", type=int, help="T steps per chunk (default 64)")
    s.add_argument("--learning-rate", type=float, help="Adam learning rate (default 0.002)")
    s.add_argument("--clip", type=float, help="clip the global gradient norm to this (default 5)")
    s.add_argument("--val-fraction", type=float, help="fraction of the ids that validates, as blocks of T·B drawn with the seed (default 0.1)")
    s.add_argument("--eval-every", type=int, help="validate and save every N steps, 0 = at the end (default 200)")
    s.add_argument("--seed", type=int, help="seed recorded for charlm (default 1)")
    s.add_argument("--dropout", type=float, help="dropout between layers (default 0)")
    s.add_argument("--progress-interval", type=float, default=10.0, help="seconds between progress lines (default 10)")
    s.add_argument("--device", choices=["cpu", "cuda"], help="default: cuda when available, else cpu")
    s.add_argument("--json", action="store_true", help="print one JSON summary line on stdout (rank 0)")
    s.set_defaults(run=cmd_train)

    s = verbs.add_parser("export", help="write a plain model file (no resume state) or a torch .pt",
                         description="charlm: the model tensors and charlm.* metadata only. pt: torch.save of "
                                     "{state_dict, config, tokenizer, vocab}.")
    s.add_argument("model", help="charlm model file")
    s.add_argument("output", help="file to write")
    s.add_argument("--format", choices=["charlm", "pt"], default="charlm", help="default charlm")
    s.set_defaults(run=cmd_export)
    return p


def main(argv=None):
    code = _run(argv)
    if int(os.environ.get("WORLD_SIZE", "1")) > 1:
        # Under torchrun, leave without the interpreter's teardown: gloo's threads could still be
        # running when it destroys their objects ("terminate called without an active exception",
        # SIGABRT after the run had finished and saved: 2-3 runs in 25 on a loaded 2-core machine).
        # The output file is written and renamed before this point; flush what is printed.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


def _run(argv):
    args = parser().parse_args(argv)
    try:
        args.run(args)
    except (CharlmError, OSError, UnicodeDecodeError) as error:
        message = f"{error.filename}: {error.strerror}" if isinstance(error, OSError) and error.strerror else error
        if os.environ.get("RANK", "0") == "0":  # under torchrun every rank fails alike; one line is enough
            print(f"charlm_torch {args.verb}: error: {message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"charlm_torch {args.verb}: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
