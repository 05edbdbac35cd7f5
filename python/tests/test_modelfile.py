"""Load -> save -> load is the identity for each cell; files are written as charlm writes them."""

import os
import stat

import pytest
import torch
from safetensors import safe_open

import charlm_torch
from conftest import charlm, helper


def test_load_save_load_is_the_identity(cell_model, tmp_path):
    cell, path = cell_model
    model, meta = charlm_torch.load(path)
    assert model.cell == cell and meta["resume"] is not None
    copy = tmp_path / "copy.safetensors"
    charlm_torch.save(model, meta, copy)
    again, meta2 = charlm_torch.load(copy)
    first, second = model.state_dict(), again.state_dict()
    assert first.keys() == second.keys()
    for name in first:
        assert torch.equal(first[name], second[name]), name  # bit for bit
    assert (meta2["config"], meta2["tokenizer"], meta2["vocab"]) == (meta["config"], meta["tokenizer"], meta["vocab"])
    assert meta2["raw"]["charlm.symbol_counts"] == meta["raw"]["charlm.symbol_counts"]  # kept, same meaning
    assert meta2["resume"] is None and "charlm.train" not in meta2["raw"]
    assert "charlm.run" not in meta2["raw"]  # charlm's provenance does not describe PyTorch's weights
    # charlm reads the copy and describes it.
    info = charlm("info", copy).stdout
    assert f"cell" in info and cell in info


def test_saved_file_mode_follows_the_umask_and_leaves_no_temporary(cell_model, tmp_path):
    _, path = cell_model
    model, meta = charlm_torch.load(path)
    old = os.umask(0o022)
    try:
        charlm_torch.save(model, meta, tmp_path / "m.safetensors")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "m.safetensors").st_mode) == 0o644
    assert sorted(os.listdir(tmp_path)) == ["m.safetensors"]


@pytest.mark.parametrize("verb", ["perplexity", "sample", "train", "export"])
def test_every_verb_has_help(verb):
    result = helper(verb, "--help")
    assert "usage: charlm_torch " + verb in result.stdout


@pytest.mark.parametrize("args, mentions", [
    (["perplexity", "missing.safetensors", "x.txt"], "does not exist"),
    (["perplexity"], "required"),
    (["train", "{model}", "{model}"], "not a readable .npy"),
    (["sample", "{text}"], "not a readable safetensors"),
])
def test_bad_input_is_one_line_without_traceback(args, mentions, cell_model, tmp_path):
    _, model = cell_model
    text = tmp_path / "t.txt"
    text.write_text("hello", encoding="utf-8")
    result = helper(*[a.format(model=model, text=text) for a in args], check=False, cwd=tmp_path)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and mentions in lines[0] and "Traceback" not in result.stderr, result.stderr
