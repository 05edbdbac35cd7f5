#!/usr/bin/env bash
# The test command: installs the build dependencies when missing, sets up the Python
# environment .venv/ once (torch 2.13.0+cpu, safetensors, numpy, pytest, python/ installed
# editable; reused on later runs), builds the package and its tests (debug), then runs
# `swift test`, the README's library example (scripts/library-example: built against this
# checkout, then run on a small text) and pytest (python/tests). Output is not filtered:
# pytest's closing summary ("N passed in Ms") is the last thing printed. Exits non-zero when
# any fails. With arguments, only `swift test ARGS` runs (no example, no pytest).
# The Swift PyTorch round trip and pytest find the tools through CHARLM_PYTHON (the venv's
# python) and CHARLM_BIN (the debug charlm); with CHARLM_PYTHON set the round trip never skips.
# On x86-64 (where the build packages include libdnnl-dev) CHARLM_EXPECT_ONEDNN=1 makes a test
# fail when oneDNN does not load, so its comparisons against BLAS cannot silently skip.
# Usage: scripts/test.sh [swift test arguments, e.g. --filter KernelsTests]
set -euo pipefail

# shellcheck source-path=SCRIPTDIR
# shellcheck source=lib/install-deps.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/install-deps.sh"

# Builds the README's library example (a package that depends on this checkout by path) and
# runs it on a small text in a temporary directory: it trains, samples and scores.
run_library_example() {
  local repo=$1 dir status=0
  local main="$repo/scripts/library-example/Sources/LibraryExample/main.swift"
  # README.md shows main.swift without its first (comment) line.
  if ! diff <(tail -n +2 "$main") \
    <(awk '/^## As a Swift library/{s=1} s&&/^```swift/{c=1;next} c&&/^```/{exit} c' "$repo/README.md"); then
    printf 'error: README.md'"'"'s library example differs from %s\n' "$main" >&2
    return 1
  fi
  swift build --package-path "$repo/scripts/library-example" || return 1
  dir=$(mktemp -d)
  for i in $(seq 1 200); do printf 'The cat sat on the mat, line %d.\n' "$i"; done >"$dir/text.txt"
  "$repo/scripts/library-example/.build/debug/LibraryExample" "$dir/text.txt" "$dir/model.safetensors" || status=$?
  rm -rf "$dir"
  return "$status"
}

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
  local example_status=0
  if (($# == 0)); then
    note "scripts/library-example (the README's library example, built against this checkout; on a 200-line fixture, so its numbers are not the README's)"
    run_library_example "$repo" || example_status=$?
    note "pytest python/tests"
    (cd python && "$CHARLM_PYTHON" -m pytest -q -p no:cacheprovider tests) || pytest_status=$?
  fi
  if ((swift_status != 0 || pytest_status != 0 || example_status != 0)); then
    printf 'error: swift test exited %d, the library example %d, pytest %d\n' \
      "$swift_status" "$example_status" "$pytest_status" >&2
    exit 1
  fi
}

main "$@"
