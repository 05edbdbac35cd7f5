#!/usr/bin/env bash
# The test command: installs the build dependencies when missing, sets up the Python
# environment .venv/ once (torch 2.13.0+cpu, safetensors, numpy, pytest, python/ installed
# editable; reused on later runs), builds the package and its tests (debug), then runs
# `swift test` and pytest (python/tests). Output is not filtered: pytest's closing summary
# ("N passed in Ms") is the last thing printed, after Swift Testing's. Exits non-zero when
# either fails. With arguments, only `swift test ARGS` runs (no pytest).
# The Swift PyTorch round trip and pytest find the tools through CHARLM_PYTHON (the venv's
# python) and CHARLM_BIN (the debug charlm); with CHARLM_PYTHON set the round trip never skips.
# On x86-64 (where the build packages include libdnnl-dev) CHARLM_EXPECT_ONEDNN=1 makes a test
# fail when oneDNN does not load, so its comparisons against BLAS cannot silently skip.
# Usage: scripts/test.sh [swift test arguments, e.g. --filter KernelsTests]
set -euo pipefail

# shellcheck source-path=SCRIPTDIR
# shellcheck source=lib/install-deps.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/install-deps.sh"

main() {
  ensure_build_deps
  local repo
  repo=$(charlm_repo_root)
  cd "$repo"
  ensure_python_env "$repo/.venv"
  export CHARLM_PYTHON="$repo/.venv/bin/python"
  note "swift build --build-tests"
  swift build --build-tests || die "swift build --build-tests failed (see above)"
  export CHARLM_BIN="$repo/.build/debug/charlm"
  if [[ $(uname -m) == x86_64 ]]; then
    export CHARLM_EXPECT_ONEDNN=1
  fi
  note "swift test $*"
  local swift_status=0 pytest_status=0
  swift test "$@" || swift_status=$?
  if (($# == 0)); then
    note "pytest python/tests"
    (cd python && "$CHARLM_PYTHON" -m pytest -q -p no:cacheprovider tests) || pytest_status=$?
  fi
  if ((swift_status != 0 || pytest_status != 0)); then
    printf 'error: swift test exited %d, pytest exited %d\n' "$swift_status" "$pytest_status" >&2
    exit 1
  fi
}

main "$@"
