"""charlm's training loop in PyTorch, on one process or many (torchrun; gloo on CPU, NCCL on CUDA).

Semantics are charlm's (DESIGN.md "Training", Sources/Training): val_fraction of the ids
validates, as blocks of T·B drawn with the seed (val_split "sampled", charlm's ValidationSplit) or
the tail ("tail"); B contiguous streams over the rest (S = (N - 1) // B positions each), chunk
k = step mod K of T steps (K = S // T), state carried and detached from chunk to chunk and
zeroed when an epoch starts; mean cross-entropy over the T·B targets; clipping by the global
norm; Adam (0.9, 0.999, 1e-8). With W processes rank r takes streams r·B/W ... (r+1)·B/W and
DDP averages the gradients, so a step equals the one-process step on all B streams. Rank 0
validates over the whole split (B streams from a zero state) and writes the file atomically
after each validation, at the end, and on SIGINT/SIGTERM, with the resume state."""

import dataclasses
import math
import os
import signal
import sys
import time

import torch
import torch.distributed as dist

from .errors import CharlmError
from .modelfile import ResumeState, load, save
from .text import read_ids

MASK64 = (1 << 64) - 1


def splitmix_words(seed):
    """The four xoshiro256** words charlm's SeededGenerator(seed:) starts from."""
    s, words = seed & MASK64, []
    for _ in range(4):
        s = (s + 0x9E3779B97F4A7C15) & MASK64
        z = s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        words.append(str(z ^ (z >> 31)))
    return words


def held_out_blocks(symbols, fraction, block, seed):
    """charlm's ValidationSplit.heldOutBlocks: of the symbols // block whole blocks,
    round(blocks·fraction) (half away from zero; at least 1, at most blocks − 1) chosen by a partial
    Fisher–Yates shuffle driven by xoshiro256** seeded with seed + 0x5A4D504C; ascending."""
    blocks = symbols // block
    if fraction <= 0 or blocks < 2:
        return []
    count = min(max(math.floor(blocks * fraction + 0.5), 1), blocks - 1)
    s = [int(w) for w in splitmix_words(seed + 0x5A4D504C)]

    def rotl(x, k):
        return ((x << k) | (x >> (64 - k))) & MASK64

    def next_word():
        result = (rotl((s[1] * 5) & MASK64, 7) * 9) & MASK64
        t = (s[1] << 17) & MASK64
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return result

    order = list(range(blocks))
    for i in range(count):
        j = i + next_word() % (blocks - i)
        order[i], order[j] = order[j], order[i]
    return sorted(order[:count])


def split_ids(ids, options):
    """(train ids, validation ids or None) as charlm splits them (Sources/Training/ValidationSplit.swift)."""
    if options.val_split == "tail":
        val_count = int(len(ids) * options.val_fraction)
        return ids[:len(ids) - val_count], (ids[len(ids) - val_count:] if val_count else None)
    block = options.batch_size * options.seq_length
    held = held_out_blocks(len(ids), options.val_fraction, block, options.seed)
    if not held:
        return ids, None
    keep = torch.ones(len(ids), dtype=torch.bool)
    for b in held:
        keep[b * block:(b + 1) * block] = False
    return ids[keep], ids[~keep]


@dataclasses.dataclass
class Options:
    """charlm train's options (the `options` of the `charlm.train` record)."""

    steps: int = 1000
    batch_size: int = 32
    seq_length: int = 64
    learning_rate: float = 2e-3
    clip: float = 5.0
    val_fraction: float = 0.1
    val_split: str = "sampled"
    eval_every: int = 200
    seed: int = 1
    dropout: float = 0.0

    def record(self):
        return {"batch_size": self.batch_size, "clip": self.clip, "dropout": self.dropout,
                "eval_every": self.eval_every, "learning_rate": self.learning_rate, "max_time": None,
                "seed": self.seed, "seq_length": self.seq_length, "steps": self.steps,
                "val_fraction": self.val_fraction, "val_split": self.val_split}


class Stop:
    """Set by SIGINT/SIGTERM; the loop stops at the next step boundary (all ranks agree)."""

    requested = False

    @classmethod
    def install(cls):
        def handler(signum, frame):
            cls.requested = True
        signal.signal(signal.SIGINT, handler)
        signal.signal(signal.SIGTERM, handler)


def log(message):
    print(f"charlm_torch: {message}", file=sys.stderr, flush=True)


@torch.no_grad()
def validation_loss(model, ids, batch, steps, device):
    """charlm's Evaluation.meanLoss: B streams over the whole split from a zero state, chunks
    of up to T steps covering every position; nats per symbol (float64 sum)."""
    S = (len(ids) - 1) // batch
    starts = torch.arange(batch) * S
    state, nats, scored = model.zero_state(batch, device), 0.0, 0
    model.eval()
    for k0 in range(0, S, steps):
        n = min(steps, S - k0)
        pos = starts[None, :] + k0 + torch.arange(n)[:, None]
        logits, state = model(ids[pos].to(device), state)
        nats += torch.nn.functional.cross_entropy(logits.flatten(0, 1).double(), ids[pos + 1].flatten().to(device),
                                                  reduction="sum").item()
        scored += pos.numel()
    model.train()
    return nats / scored


def train(model_path, ids_path, output, options, resume=False, overrides=(), progress_interval=10.0, device=None):
    """Trains the model in `model_path` on the ids in `ids_path` (charlm encode) and writes
    `output`. `resume` continues the file's saved run (step, Adam moments, carried state, best
    weights); `overrides` names options given on the command line (only these replace the
    saved ones). Returns a summary dict (rank 0) or None."""
    distributed = int(os.environ.get("WORLD_SIZE", "1")) > 1
    if device is None:
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if distributed:
        dist.init_process_group("nccl" if device == "cuda" else "gloo")
        rank, world = dist.get_rank(), dist.get_world_size()
        if device == "cuda":
            device = f"cuda:{int(os.environ.get('LOCAL_RANK', 0))}"
            torch.cuda.set_device(device)
    else:
        rank, world = 0, 1
    try:
        return _train(model_path, ids_path, output, options, resume, set(overrides), progress_interval, device,
                      rank, world, distributed)
    finally:
        if distributed:
            dist.destroy_process_group()


def _train(model_path, ids_path, output, options, resume, overrides, progress_interval, device, rank, world,
           distributed):
    model, meta = load(model_path)
    saved = meta["resume"]
    record = dict(saved.record) if saved is not None else {}
    if resume:
        if saved is None:
            raise CharlmError(f"{model_path} holds no training state to resume; train without --resume")
        for name, value in record["options"].items():
            if hasattr(options, name) and name not in overrides:
                setattr(options, name, type(getattr(options, name))(value))
        so = record["options"]
        if "val_split" not in so:
            options.val_split = "tail"  # files written before val_split existed
        if (options.batch_size, options.seq_length, options.val_fraction, options.val_split) != (
                so["batch_size"], so["seq_length"], so["val_fraction"], so.get("val_split", "tail")):
            raise CharlmError(f"--resume: the file was trained with --batch-size {so['batch_size']} --seq-length "
                              f"{so['seq_length']} --val-fraction {so['val_fraction']}")
    B, T = options.batch_size, options.seq_length
    if B % world:
        raise CharlmError(f"--batch-size {B} does not split over {world} processes; give a multiple of {world}")
    if options.dropout and model.rnn.num_layers > 1:
        model, meta = load(model_path, dropout=options.dropout)

    ids = read_ids(ids_path, model.config()["vocab_size"])
    train_ids, val_ids = split_ids(ids, options)
    val_count = 0 if val_ids is None else len(val_ids)
    S = (len(train_ids) - 1) // B
    K = S // T
    if K < 1:
        raise CharlmError(f"{ids_path}: {len(train_ids)} training ids are too few for --batch-size {B} "
                          f"--seq-length {T}; give a longer corpus or smaller sizes")
    if val_ids is not None and (len(val_ids) - 1) // B < 1:
        raise CharlmError(f"{ids_path}: the validation split ({len(val_ids)} ids) is too short for {B} streams")

    parameters = list(model.parameters())
    best = [p.detach().clone() for p in parameters]  # the file's model tensors: best so far
    step, failures = 0, 0
    best_loss, last_loss = record.get("best_val_loss"), record.get("last_val_loss")
    local = B // world
    state_h = state_c = None
    if resume:
        flat = saved.parameters
        offset = 0
        with torch.no_grad():
            for p in parameters:
                p.copy_(flat[offset:offset + p.numel()].view_as(p))
                offset += p.numel()
        step = record["step"]
        failures = record.get("consecutive_failures", 0)
        state_h, state_c = saved.state_h[:, rank * local:(rank + 1) * local], saved.state_c[:, rank * local:(rank + 1) * local]
    else:
        best_loss = last_loss = None
    model.to(device)
    lr = record.get("current_learning_rate", options.learning_rate) if resume and "learning_rate" not in overrides \
        else options.learning_rate
    ddp = torch.nn.parallel.DistributedDataParallel(model) if distributed else model
    opt = torch.optim.Adam(parameters, lr=lr, betas=(0.9, 0.999), eps=1e-8)
    if resume and record.get("adam_step", 0) > 0:
        offset = 0
        for p in parameters:
            n = p.numel()
            opt.state[p] = {"step": torch.tensor(float(record["adam_step"])),
                            "exp_avg": saved.adam_m[offset:offset + n].view_as(p).clone().to(device),
                            "exp_avg_sq": saved.adam_v[offset:offset + n].view_as(p).clone().to(device)}
            offset += n
    carried = model.state_from_pair(state_h.to(device), state_c.to(device)) if state_h is not None else None
    generator = record.get("generator") or splitmix_words(options.seed + 0x5EED)

    starts = torch.tensor([b * S for b in range(rank * local, (rank + 1) * local)])
    if rank == 0:
        log(f"{ids_path}: {len(ids)} ids ({len(train_ids)} train, {val_count} validation); model "
            f"{model.cell} {model.config()}; T={T} B={B} over {world} process(es) on {device}, lr {lr} clip "
            f"{options.clip}" + (f"; resuming at step {step}" if resume else ""))

    def save_file():
        """Collective: gathers the carried state of every rank; rank 0 writes `output`."""
        state = carried if carried is not None else model.zero_state(local, device)
        h, c = model.state_as_pair(state)
        if distributed:
            hs, cs = [torch.zeros_like(h) for _ in range(world)], [torch.zeros_like(c) for _ in range(world)]
            dist.all_gather(hs, h.contiguous())
            dist.all_gather(cs, c.contiguous())
            h, c = torch.cat(hs, 1), torch.cat(cs, 1)
        if rank == 0:
            flat = lambda tensors: torch.cat([t.detach().flatten().cpu() for t in tensors])
            moments = [opt.state.get(p, {}) for p in parameters]
            adam_step = int(moments[0]["step"]) if "step" in moments[0] else 0
            zeros = [torch.zeros_like(p) for p in parameters]
            resume_state = ResumeState(
                parameters=flat(parameters),
                adam_m=flat([m.get("exp_avg", z) for m, z in zip(moments, zeros)]),
                adam_v=flat([m.get("exp_avg_sq", z) for m, z in zip(moments, zeros)]),
                state_h=h.cpu(), state_c=c.cpu(),
                record={"step": step, "adam_step": adam_step, "current_learning_rate": opt.param_groups[0]["lr"],
                        "consecutive_failures": failures, "generator": generator, "best_val_loss": best_loss,
                        "last_val_loss": last_loss, "options": options.record()})
            current = [p.detach().clone() for p in parameters]
            keep_best = val_ids is not None and best_loss is not None
            with torch.no_grad():
                if keep_best:
                    for p, b in zip(parameters, best):
                        p.copy_(b)
                save(model, meta, output, resume_state)
                for p, v in zip(parameters, current):
                    p.copy_(v)
        if distributed:
            dist.barrier()

    def validate():
        nonlocal best_loss, last_loss
        if rank == 0 and val_ids is not None:
            last_loss = validation_loss(model, val_ids, B, T, device)
            improved = best_loss is None or last_loss < best_loss
            if improved:
                best_loss = last_loss
                for b, p in zip(best, parameters):
                    b.copy_(p.detach())
            log(f"step {step}: validation {last_loss:.4f} nats ({last_loss / math.log(2):.3f} bits/char)"
                + (" (best)" if improved else ""))

    Stop.install()
    model.train()
    begin = last_report = time.monotonic()
    loss_value, steps_run, interrupted = None, 0, False
    validated_at = -1
    while step < options.steps:
        stop = torch.tensor([1.0 if Stop.requested else 0.0])
        if distributed:
            dist.all_reduce(stop, op=dist.ReduceOp.MAX)
        if stop.item() > 0:
            interrupted = True
            break
        k = step % K
        if k == 0:
            carried = None  # epoch start: zero state
        pos = starts[None, :] + k * T + torch.arange(T)[:, None]  # (T, B/W)
        x, y = train_ids[pos].to(device), train_ids[pos + 1].to(device)
        logits, carried = ddp(x, carried)
        carried = tuple(s.detach() for s in carried) if isinstance(carried, tuple) else carried.detach()
        loss = torch.nn.functional.cross_entropy(logits.flatten(0, 1), y.flatten())
        opt.zero_grad(set_to_none=False)
        loss.backward()  # DDP all-reduces (averages) the gradients here
        norm = torch.nn.utils.clip_grad_norm_(parameters, options.clip)  # the same global norm on every rank
        step += 1
        steps_run += 1
        if not torch.isfinite(norm):  # charlm's loss guard: skip, reset the state, halve the rate
            carried = None
            failures += 1
            for group in opt.param_groups:
                group["lr"] /= 2
            if failures >= 5:
                save_file()
                raise CharlmError(f"training diverged at step {step} (5 non-finite steps in a row); saved {output}")
        else:
            opt.step()
            failures = 0
        loss_value = loss.item()
        now = time.monotonic()
        if rank == 0 and (now - last_report >= progress_interval or step == options.steps):
            last_report = now
            log(f"step {step}/{options.steps} (epoch {(step - 1) // K + 1}, chunk {k + 1}/{K}) loss {loss_value:.4f} "
                f"norm {norm.item():.3f} | {steps_run * T * B / (now - begin):.0f} sym/s")
        if options.eval_every > 0 and step % options.eval_every == 0 and step < options.steps:
            validate()
            validated_at = step
            save_file()
    if not interrupted and validated_at != step:
        validate()
    save_file()
    if interrupted:
        raise CharlmError(f"interrupted at step {step}; saved {output} — continue with --resume")
    if rank != 0:
        return None
    summary = {"steps": step, "train_loss": loss_value, "val_loss": last_loss, "best_val_loss": best_loss,
               "val_bits_per_char": None if last_loss is None else last_loss / math.log(2),
               "world_size": world, "elapsed_seconds": time.monotonic() - begin, "model": output}
    log(f"done at step {step}" + (f", train loss {loss_value:.4f}" if loss_value is not None else "")
        + (f", validation {last_loss:.4f} nats" if last_loss is not None else "") + f"; saved {output}")
    return summary
