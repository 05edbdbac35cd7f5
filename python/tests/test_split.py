"""charlm_torch splits the ids as charlm does (Sources/Training/ValidationSplit.swift)."""

import torch

from charlm_torch.train import Options, held_out_blocks, split_ids


def test_held_out_blocks_are_charlms():
    # The same values are pinned in Tests/TrainingTests/ValidationSplitTests.swift.
    assert held_out_blocks(20000, 0.1, 1000, 1) == [3, 5]
    assert held_out_blocks(10000, 0.3, 100, 7)[:10] == [0, 2, 3, 7, 8, 10, 14, 15, 16, 22]
    assert held_out_blocks(100, 0.5, 64, 1) == [] and held_out_blocks(1000, 0, 10, 1) == []


def test_split_ids_sampled_and_tail():
    ids = torch.arange(20000)
    options = Options(batch_size=40, seq_length=25, val_fraction=0.1, seed=1)
    train, val = split_ids(ids, options)
    assert val.tolist() == list(range(3000, 4000)) + list(range(5000, 6000))
    assert train.tolist() == [i for i in range(20000) if not (3000 <= i < 4000 or 5000 <= i < 6000)]
    options.val_split = "tail"
    train, val = split_ids(ids, options)
    assert train.tolist() == list(range(18000)) and val.tolist() == list(range(18000, 20000))
