"""torchrun: 2 processes take the same steps as 1 process with the same global batch, and
charlm samples, scores and resumes the file they write."""

import json
import os
import sys

import pytest
import torch

import charlm_torch
from conftest import charlm, helper, run

TOLERANCE = 1e-5  # absolute, per parameter, after 12 steps (the all-reduce sums in another order)
STEPS = 12
TRAIN = ["--steps", STEPS, "--batch-size", 8, "--seq-length", 16, "--eval-every", 6, "--learning-rate", 0.01,
         "--progress-interval", 0, "--json"]


@pytest.fixture(scope="module", params=["lstm", "gru"])
def runs(request, corpus, tmp_path_factory):
    cell = request.param
    dir = tmp_path_factory.mktemp(f"dist-{cell}")
    start, ids = dir / "start.safetensors", dir / "ids.npy"
    charlm("train", corpus, "--model", start, "--cell", cell, "--embedding-size", 8, "--hidden-size", 16,
           "--steps", 2, "--batch-size", 4, "--seq-length", 16, "--quiet", "--no-metrics")
    charlm("encode", corpus, "--model", start, "--output", ids)
    one, two = dir / "one.safetensors", dir / "two.safetensors"
    single = helper("train", start, ids, "--output", one, *TRAIN)
    env = dict(os.environ, OMP_NUM_THREADS="1")
    double = run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2", "-m",
                  "charlm_torch", "train", start, ids, "--output", two, *map(str, TRAIN)], env=env)
    return {"dir": dir, "corpus": corpus, "ids": ids, "one": one, "two": two, "single": single, "double": double}


def test_two_processes_take_the_same_steps_as_one(runs):
    summary1 = json.loads(runs["single"].stdout.splitlines()[-1])
    summary2 = json.loads(runs["double"].stdout.splitlines()[-1])
    assert (summary1["steps"], summary1["world_size"], summary2["world_size"]) == (STEPS, 1, 2)
    assert "validation" in runs["double"].stderr and "step 12/12" in runs["double"].stderr
    _, meta1 = charlm_torch.load(runs["one"])
    _, meta2 = charlm_torch.load(runs["two"])
    r1, r2 = meta1["resume"], meta2["resume"]
    worst = max((r1.parameters - r2.parameters).abs().max().item(), (r1.state_h - r2.state_h).abs().max().item())
    print(f"worst |1-process - 2-process| over parameters and carried state: {worst:.2e}")
    assert worst <= TOLERANCE
    assert r1.record["step"] == r2.record["step"] == STEPS and r2.record["adam_step"] == STEPS
    assert r2.state_h.shape[1] == 8  # all B streams' state, gathered from both ranks


def test_charlm_samples_scores_and_resumes_the_torchrun_file(runs):
    two = runs["two"]
    sample = charlm("sample", "--model", two, "--length", 40, "--prime", "The ", "--seed", 3).stdout
    assert sample.startswith("The ") and len(sample) > 30
    score = json.loads(charlm("perplexity", "--model", two, runs["corpus"], "--json").stdout.splitlines()[-1])
    assert score["chars"] > 0 and score["nats_per_char"] < 10
    assert "step" in charlm("info", two).stdout
    resumed = charlm("train", runs["corpus"], "--model", two, "--resume", "--steps", STEPS + 4, "--json",
                     "--quiet", "--no-metrics").stdout
    assert json.loads(resumed.splitlines()[-1])["steps"] == STEPS + 4
    # ... and PyTorch continues what charlm continued.
    again = helper("train", two, runs["ids"], "--resume", "--steps", STEPS + 6, "--json").stdout
    assert json.loads(again.splitlines()[-1])["steps"] == STEPS + 6


def test_resume_from_charlm_matches_charlm(runs, tmp_path):
    """One step of PyTorch from charlm's resume state equals one step of charlm (1e-5)."""
    start = runs["dir"] / "start.safetensors"
    charlm_next, torch_next = tmp_path / "charlm.safetensors", tmp_path / "torch.safetensors"
    charlm_next.write_bytes(start.read_bytes())
    charlm("train", runs["corpus"], "--model", charlm_next, "--resume", "--steps", 3, "--quiet", "--no-metrics")
    helper("train", start, runs["ids"], "--resume", "--steps", 3, "--output", torch_next)
    a, b = charlm_torch.load(charlm_next)[1]["resume"], charlm_torch.load(torch_next)[1]["resume"]
    worst = (a.parameters - b.parameters).abs().max().item()
    print(f"worst |charlm - PyTorch| after one resumed step: {worst:.2e}")
    assert worst <= TOLERANCE and a.record["step"] == b.record["step"] == 3
