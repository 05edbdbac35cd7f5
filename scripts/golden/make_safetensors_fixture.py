#!/usr/bin/env python3
"""Writes the safetensors fixtures that ModelingTests read, with Python's own `safetensors`.

    python3 scripts/golden/make_safetensors_fixture.py

Outputs (committed; CI needs no Python):
  Tests/ModelingTests/Fixtures/python_f32.safetensors  three F32 tensors (a matrix, a vector,
      a scalar) and metadata with non-ASCII text and JSON quoting
  Tests/ModelingTests/Fixtures/python_f16.safetensors  one F16 tensor, which charlm must refuse
      with a clear error

Values are fixed (no randomness) and chosen to catch byte-order and bit-exactness mistakes:
-0.0, a subnormal, the largest float, pi. The Swift test spells out the same values.
"""
from pathlib import Path

import numpy as np
from safetensors.numpy import save_file

OUT = Path(__file__).resolve().parents[2] / "Tests" / "ModelingTests" / "Fixtures"

tensors = {
    "embedding.weight": np.array(
        [[1.0, -2.5], [0.0, -0.0], [3.1415927, 1e-45]], dtype=np.float32
    ),
    "head.bias": np.array([0.5, -1.0, 3.4028235e38], dtype=np.float32),
    "scale": np.array(7.25, dtype=np.float32),  # shape (): a scalar
}
metadata = {
    "charlm.format_version": "1",
    "note": 'héllo "quoted" ✓ \\ back\nslash',
}
save_file(tensors, str(OUT / "python_f32.safetensors"), metadata=metadata)
save_file(
    {"half": np.array([1.0, 2.0], dtype=np.float16)},
    str(OUT / "python_f16.safetensors"),
)
for name in ("python_f32.safetensors", "python_f16.safetensors"):
    print(name, (OUT / name).stat().st_size, "bytes")
