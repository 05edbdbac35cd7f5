"""charlm perplexity and the helper agree to 1e-6 relative, on English, Chinese and emoji text."""

import json

import pytest

from conftest import TEXTS, charlm, helper

TOLERANCE = 1e-6  # relative, in nats per symbol


@pytest.mark.parametrize("kind", TEXTS)
def test_perplexity_agrees_with_charlm(kind, cell_model, tmp_path):
    _, model = cell_model
    text = tmp_path / f"{kind}.txt"
    text.write_text(TEXTS[kind][: 400], encoding="utf-8")
    swift = json.loads(charlm("perplexity", "--model", model, text, "--json").stdout.splitlines()[-1])
    ids = tmp_path / f"{kind}.npy"
    charlm("encode", text, "--model", model, "--output", ids)
    python = json.loads(helper("perplexity", model, ids, "--ids").stdout.splitlines()[-1])
    relative = abs(swift["nats_per_char"] - python["nats_per_char"]) / swift["nats_per_char"]
    print(f"{kind}: charlm {swift['nats_per_char']!r}, PyTorch {python['nats_per_char']!r}, relative {relative:.2e}")
    assert swift["chars"] == python["chars"]
    assert relative <= TOLERANCE
    if kind != "emoji":  # the code-point fallback agrees where graphemes are single code points
        plain = json.loads(helper("perplexity", model, text).stdout.splitlines()[-1])
        assert abs(plain["nats_per_char"] - swift["nats_per_char"]) / swift["nats_per_char"] <= TOLERANCE


def test_code_point_fallback_refuses_multi_code_point_graphemes(cell_model, tmp_path):
    _, model = cell_model
    text = tmp_path / "emoji.txt"
    text.write_text(TEXTS["emoji"], encoding="utf-8")
    result = helper("perplexity", model, text, check=False)
    assert result.returncode == 1 and "charlm encode" in result.stderr
