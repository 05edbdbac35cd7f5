#!/usr/bin/env bash
# Build charlm's default corpora from Debian packages into corpora/:
#   corpora/fortunes-en.txt    English fortunes (packages fortunes, fortunes-min)
#   corpora/tang-poems-zh.txt  Tang and Song poems and Chinese fortunes (package fortunes-zh)
# Installs the packages when missing. Safe to run again: the output is rebuilt the same way
# and, for the same package versions, has the same sha256 (see corpora/README.md).
# Usage: scripts/build-corpora.sh
set -euo pipefail

# shellcheck source-path=SCRIPTDIR
# shellcheck source=lib/install-deps.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/install-deps.sh"

FORTUNE_DIR=/usr/share/games/fortunes
# fortunes-zh files, in this order: 300 Tang poems, 100 Song ci, then the Chinese fortunes.
ZH_FILES=(tang300 song100 chinese)

# Print the English fortune data files of the given packages, sorted by name: files directly
# in $FORTUNE_DIR (so never off/), without an extension, with a .dat index beside them.
english_fortune_files() {
  local path
  dpkg-query -L "$@" |
    while IFS= read -r path; do
      [[ $(dirname "$path") == "$FORTUNE_DIR" ]] || continue
      [[ $(basename "$path") != *.* ]] || continue
      [[ -f $path && -f $path.dat ]] || continue
      printf '%s\n' "$path"
    done | LC_ALL=C sort -u
}

# Print the fortunes-zh data files in corpus order; exit 1 when one is missing.
chinese_fortune_files() {
  local name
  for name in "${ZH_FILES[@]}"; do
    [[ -f $FORTUNE_DIR/$name ]] || die "$FORTUNE_DIR/$name not found: is fortunes-zh installed?"
    printf '%s\n' "$FORTUNE_DIR/$name"
  done
}

# Clean the given fortune files into corpus $1, check it, and print one line of facts:
# name, bytes, characters (Unicode scalars), distinct characters, sha256.
build_corpus() {
  local output=$1
  shift
  local stats sha bytes chars distinct
  stats=$(python3 "$(dirname "${BASH_SOURCE[0]}")/lib/clean_fortunes.py" "$output" "$@") ||
    die "could not build $output"
  iconv -f UTF-8 -t UTF-8 "$output" >/dev/null 2>&1 || die "$output is not valid UTF-8"
  if LC_ALL=C grep -q $'[\x1b\x08]' "$output"; then
    die "$output still holds ESC or backspace bytes"
  fi
  sha=$(sha256sum "$output" | cut -d ' ' -f 1)
  read -r bytes chars distinct <<<"$stats"
  printf '%-26s bytes=%-9s chars=%-9s distinct=%-6s sha256=%s\n' \
    "$(basename "$output")" "$bytes" "$chars" "$distinct" "$sha"
}

# Install what is missing, then build both corpora and print their facts.
main() {
  (($# == 0)) || die "usage: scripts/build-corpora.sh (takes no arguments)"
  ensure_apt_packages "${CHARLM_CORPUS_PACKAGES[@]}"
  ensure_python3
  command -v iconv >/dev/null 2>&1 || die "iconv not found (it comes with libc-bin)"

  local root out
  root=$(charlm_repo_root)
  out=$root/corpora
  mkdir -p "$out"

  local -a en_files zh_files
  mapfile -t en_files < <(english_fortune_files fortunes fortunes-min)
  ((${#en_files[@]} > 0)) || die "no English fortune files found under $FORTUNE_DIR"
  mapfile -t zh_files < <(chinese_fortune_files)
  ((${#zh_files[@]} == ${#ZH_FILES[@]})) || die "fortunes-zh files missing under $FORTUNE_DIR"

  note "fortunes $(dpkg-query -W -f='${Version}' fortunes), fortunes-min $(dpkg-query -W -f='${Version}' fortunes-min): ${#en_files[@]} files"
  build_corpus "$out/fortunes-en.txt" "${en_files[@]}"
  note "fortunes-zh $(dpkg-query -W -f='${Version}' fortunes-zh): ${ZH_FILES[*]}"
  build_corpus "$out/tang-poems-zh.txt" "${zh_files[@]}"
}

main "$@"
