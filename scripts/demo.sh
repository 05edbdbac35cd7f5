#!/usr/bin/env bash
# The main demo: installs what is missing, builds charlm (release), builds the default
# corpora, trains a small LSTM on the English fortunes for a few minutes, samples from it,
# and measures its perplexity on a held-out tail of the corpus it never trained on.
#
# Usage: scripts/demo.sh [extra `charlm train` flags, e.g. --threads 2]
# Environment overrides (defaults in brackets):
#   CHARLM_DEMO_SECONDS      training time limit in seconds, passed as --max-time [180]
#   CHARLM_DEMO_CORPUS       text file to train on [corpora/fortunes-en.txt]
#   CHARLM_DEMO_MODEL        model file to write [runs/<corpus name>.safetensors]
#   CHARLM_DEMO_PRIME        text the sample starts from ["The "]
#   CHARLM_DEMO_LENGTH       symbols to sample [400]
#   CHARLM_DEMO_TEMPERATURE  sampling temperature [0.8]
#   CHARLM_DEMO_HELDOUT      percent of the corpus' lines kept out of training [5]
# Running it again trains a new model from scratch and overwrites the model file.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR
# shellcheck source=lib/install-deps.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/install-deps.sh"

# Split text file $1 at a line boundary: the first (100 - $4)% of its lines into $2, the
# rest into $3 (so no UTF-8 character is cut in two).
split_heldout() {
  local corpus=$1 train=$2 heldout=$3 percent=$4 lines keep
  lines=$(wc -l <"$corpus")
  keep=$((lines - lines * percent / 100))
  ((keep > 0 && keep < lines)) ||
    die "$corpus has too few lines ($lines) to hold out $percent%: set CHARLM_DEMO_HELDOUT=0 or use a longer corpus"
  head -n "$keep" "$corpus" >"$train"
  tail -n "+$((keep + 1))" "$corpus" >"$heldout"
}

# Build, prepare the corpus, then train, sample and score.
main() {
  local seconds=${CHARLM_DEMO_SECONDS:-180}
  local prime=${CHARLM_DEMO_PRIME:-The }
  local length=${CHARLM_DEMO_LENGTH:-400}
  local temperature=${CHARLM_DEMO_TEMPERATURE:-0.8}
  local heldout_percent=${CHARLM_DEMO_HELDOUT:-5}
  [[ $seconds =~ ^[0-9]+$ ]] || die "CHARLM_DEMO_SECONDS must be a whole number of seconds, got '$seconds'"
  if [[ ! $heldout_percent =~ ^[0-9]+$ ]] || ((heldout_percent >= 100)); then
    die "CHARLM_DEMO_HELDOUT must be a whole percentage below 100, got '$heldout_percent'"
  fi

  ensure_build_deps
  local root
  root=$(charlm_repo_root)
  cd "$root"

  note "swift build -c release"
  swift build -c release || die "swift build -c release failed (see above)"
  local charlm
  charlm="$(swift build -c release --show-bin-path)/charlm"
  [[ -x $charlm ]] || die "$charlm was not built"

  local corpus=${CHARLM_DEMO_CORPUS:-corpora/fortunes-en.txt}
  if [[ -z ${CHARLM_DEMO_CORPUS:-} ]]; then
    scripts/build-corpora.sh
  fi
  [[ -s $corpus ]] || die "corpus $corpus is missing or empty: set CHARLM_DEMO_CORPUS to a UTF-8 text file"

  local name
  name=$(basename "$corpus" .txt)
  local model=${CHARLM_DEMO_MODEL:-runs/$name.safetensors}
  mkdir -p runs "$(dirname "$model")"

  local train_file=$corpus score_file=$corpus
  if ((heldout_percent > 0)); then
    train_file=runs/$name.train.txt
    score_file=runs/$name.heldout.txt
    split_heldout "$corpus" "$train_file" "$score_file" "$heldout_percent"
    note "training on the first $((100 - heldout_percent))% of $corpus's lines ($train_file); the last $heldout_percent% ($score_file) is held out for perplexity"
  else
    note "CHARLM_DEMO_HELDOUT=0: perplexity is measured on the training file itself, so it flatters the model"
  fi

  note "charlm train ($seconds s at most)"
  # --overwrite: the demo's model is its own, and a second run of the demo starts it afresh
  # (without it, train refuses a path that already holds a model).
  "$charlm" train "$train_file" --model "$model" --overwrite \
    --embedding-size 64 --hidden-size 256 --layers 1 --seq-length 64 --batch-size 32 \
    --steps 1000000 --max-time "$seconds" --val-fraction 0.05 "$@" ||
    die "charlm train failed (exit $?); see the message above"

  note "charlm sample"
  "$charlm" sample --model "$model" --length "$length" --temperature "$temperature" --prime "$prime" ||
    die "charlm sample failed (exit $?); see the message above"
  printf '\n'

  note "charlm perplexity on $score_file"
  "$charlm" perplexity --model "$model" "$score_file" ||
    die "charlm perplexity failed (exit $?); see the message above"
}

main "$@"
