# shellcheck shell=bash
# Shared helpers for charlm's scripts: install what is missing, nothing more.
# Source it from a script that runs under `set -euo pipefail`:
#   source "$(dirname "${BASH_SOURCE[0]}")/lib/install-deps.sh"

# shellcheck disable=SC2034  # the two package lists are used by the scripts that source this file
# Packages the Swift build needs (ICU for Tokenization, OpenBLAS for Kernels, pkg-config
# so SwiftPM finds OpenBLAS, oneDNN for Kernels' products on x86-64 — charlm builds and runs
# on BLAS without it, so it is only added where Debian's oneDNN 2.x is what charlm loads).
CHARLM_BUILD_PACKAGES=(libicu-dev libopenblas-dev pkg-config)
# `charlm plot --output x.png` converts its SVG with rsvg-convert (and its tests check the PNG).
CHARLM_BUILD_PACKAGES+=(librsvg2-bin)
if [[ $(uname -m) == x86_64 ]]; then
  CHARLM_BUILD_PACKAGES+=(libdnnl-dev)
fi
# Packages the default corpora are built from (see corpora/README.md).
CHARLM_CORPUS_PACKAGES=(fortunes fortunes-min fortunes-zh)

# Print one error line on stderr and exit 1.
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# Print one progress line on stderr (stdout stays for results).
note() {
  printf '==> %s\n' "$*" >&2
}

# Run a command as root: directly when we are root (CI), through sudo otherwise.
as_root() {
  if [[ $(id -u) -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root to run '$*': run this script as root or install sudo"
  fi
}

# Succeed when the Debian package $1 is installed (not merely known to dpkg).
apt_package_installed() {
  dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null | grep -qx installed
}

# Install the given Debian packages that are not installed yet; run `apt-get update`
# only when something must be installed.
ensure_apt_packages() {
  command -v dpkg-query >/dev/null 2>&1 ||
    die "dpkg not found: these scripts support Debian and Ubuntu; install $* by hand"
  local missing=() pkg
  for pkg in "$@"; do
    apt_package_installed "$pkg" || missing+=("$pkg")
  done
  if ((${#missing[@]} == 0)); then
    return 0
  fi
  note "installing ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq ||
    die "apt-get update failed; check the network or the apt sources"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null ||
    die "apt-get install ${missing[*]} failed"
}

# Make sure a Swift 6 toolchain is on PATH; add /opt/swift/usr/bin (where our machines
# keep it) when it is there but not on PATH. Swift cannot be apt-installed on Debian 12.
ensure_swift() {
  if ! command -v swift >/dev/null 2>&1 && [[ -x /opt/swift/usr/bin/swift ]]; then
    export PATH="/opt/swift/usr/bin:$PATH"
  fi
  command -v swift >/dev/null 2>&1 ||
    die "swift not found: install Swift 6 from https://www.swift.org/install/linux/ and put its usr/bin on PATH"
  local version
  version=$(swift --version 2>&1 | grep -o "Swift version [0-9]*" | head -n 1 || true)
  if [[ ! $version =~ Swift\ version\ ([0-9]+) ]] || ((BASH_REMATCH[1] < 6)); then
    die "charlm needs Swift 6 or newer, found '${version:-unknown}': install it from https://www.swift.org/install/linux/"
  fi
}

# Make sure python3 is there (the corpus builder uses it); apt-install it if missing.
ensure_python3() {
  command -v python3 >/dev/null 2>&1 || ensure_apt_packages python3
}

# The Python packages the PyTorch tests need (torch's CPU wheel: plain `torch` from PyPI is the
# CUDA build; pip finds the +cpu wheel through a --find-links or an index that has it).
CHARLM_PYTHON_PACKAGES=(torch==2.13.0+cpu safetensors numpy pytest)

# Make sure the virtual environment $1 exists with CHARLM_PYTHON_PACKAGES and the charlm_torch
# package (python/, editable) installed; reuse it when it already imports them. The environment
# is created without system site packages, so a torch installed system-wide is never used.
ensure_python_env() {
  local venv=$1 repo
  repo=$(charlm_repo_root)
  if [[ -x $venv/bin/python ]] &&
    "$venv/bin/python" -c "import torch, safetensors, numpy, pytest, charlm_torch" >/dev/null 2>&1; then
    return 0
  fi
  ensure_python3
  note "setting up the Python environment $venv (${CHARLM_PYTHON_PACKAGES[*]})"
  python3 -m venv "$venv" ||
    die "python3 -m venv $venv failed; install the venv module (Debian: apt-get install python3-venv)"
  "$venv/bin/python" -m pip install --quiet "${CHARLM_PYTHON_PACKAGES[@]}" ||
    die "could not install ${CHARLM_PYTHON_PACKAGES[*]} into $venv (see pip's message above); the PyTorch tests need them — make torch 2.13.0+cpu reachable (e.g. pip --find-links with its wheel, or https://download.pytorch.org/whl/cpu)"
  "$venv/bin/python" -m pip install --quiet --no-deps -e "$repo/python" ||
    die "pip install -e python failed (see above)"
  "$venv/bin/python" -c "import torch, safetensors, numpy, pytest, charlm_torch" ||
    die "$venv was set up but cannot import torch, safetensors, numpy, pytest and charlm_torch"
}

# Everything `swift build` needs: the toolchain and the system libraries.
ensure_build_deps() {
  ensure_apt_packages "${CHARLM_BUILD_PACKAGES[@]}"
  ensure_swift
}

# The repository root (the directory above scripts/).
charlm_repo_root() {
  (cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
}
