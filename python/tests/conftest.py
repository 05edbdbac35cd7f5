"""Fixtures for the charlm_torch tests: the charlm binary (CHARLM_BIN, set by scripts/test.sh)
and small models trained by it for each cell."""

import os
import subprocess
import sys

import pytest

TEXTS = {
    # English, Chinese (one code point per grapheme), emoji (multi-code-point graphemes).
    "english": "The quick brown fox jumps over the lazy dog. She sells sea shells by the sea shore.\n" * 12,
    "chinese": "床前明月光，疑是地上霜。举头望明月，低头思故乡。春眠不觉晓，处处闻啼鸟。\n" * 12,
    "emoji": "good 👍🏽 night 🇯🇵 love 👩‍👩‍👧 fun 😀🎉 ok 👍🏽🇫🇷\n" * 12,
}


def charlm_binary():
    path = os.environ.get("CHARLM_BIN")
    if not path or not os.access(path, os.X_OK):
        pytest.fail("CHARLM_BIN is not set to the charlm binary; run the tests through scripts/test.sh", pytrace=False)
    return path


def run(args, check=True, **kwargs):
    """Runs a command; on failure the test fails with its stderr."""
    result = subprocess.run(args, capture_output=True, text=True, timeout=300, **kwargs)
    if check and result.returncode != 0:
        pytest.fail(f"{' '.join(map(str, args))} exited {result.returncode}:\n{result.stderr}", pytrace=False)
    return result


def charlm(*args, **kwargs):
    return run([charlm_binary(), *map(str, args)], **kwargs)


def helper(*args, **kwargs):
    return run([sys.executable, "-m", "charlm_torch", *map(str, args)], **kwargs)


@pytest.fixture(scope="session")
def corpus(tmp_path_factory):
    path = tmp_path_factory.mktemp("corpus") / "corpus.txt"
    path.write_text("".join(TEXTS.values()) * 2, encoding="utf-8")
    return path


@pytest.fixture(scope="session", params=["lstm", "gru", "rnn"])
def cell_model(request, corpus, tmp_path_factory):
    """(cell, path) of a model charlm trained for 20 steps, two layers."""
    path = tmp_path_factory.mktemp(request.param) / "model.safetensors"
    charlm("train", corpus, "--model", path, "--cell", request.param, "--embedding-size", 8, "--hidden-size", 16,
           "--layers", 2, "--steps", 20, "--batch-size", 4, "--seq-length", 16, "--eval-every", 0, "--quiet",
           "--no-metrics")
    return request.param, path
