#!/usr/bin/env bash
# Benchmarks charlm against the project's PyTorch reference on the same machine, in one run:
# for each configuration, the two sides alternate (A B A B …) and the medians and ratios of
# training symbols/s, sampling symbols/s and peak RSS are printed. Logs the OpenBLAS core and
# thread count. Needs a release build (built here) and python3 with torch (pip install
# torch==2.13.0+cpu). Run nothing else heavy at the same time: the machine has 2 cores.
#
# Logs the CPU (model, the vector flags that matter), the OPENBLAS_* variables in force, and the
# backend and ISA charlm runs (CHARLM_BACKEND / CHARLM_ISA force them, see docs/Architecture.md).
#
# Usage: scripts/bench.sh [corpus] ; env: ROUNDS (3), STEPS (30), THREADS (2), SAMPLE (symbols
# charlm samples per run, 20000, so that start-up does not count), TORCH_SAMPLE (the
# reference's, 2000: it samples at a steady few hundred symbols/s, and 20,000 would take minutes
# per run), CONFIGS
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/install-deps.sh
source scripts/lib/install-deps.sh
ensure_build_deps

corpus=${1:-../shared/corpora/tinyshakespeare.txt}
rounds=${ROUNDS:-3}
steps=${STEPS:-30}
threads=${THREADS:-2}
sample=${SAMPLE:-20000}
torch_sample=${TORCH_SAMPLE:-2000}
# name:layers:hidden:seq:batch
configs=${CONFIGS:-"1x256:1:256:64:32 2x128:2:128:50:50 2x512:2:512:50:50"}

[[ -f $corpus ]] || die "corpus $corpus not found; pass a text file"
python3 -c "import torch" 2>/dev/null || die "python3 cannot import torch; install it with: pip install torch==2.13.0+cpu"
swift build -c release >/dev/null
charlm="$(swift build -c release --show-bin-path)/charlm"
log=$(mktemp -d)

note "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; threads $threads; corpus $corpus"
note "cpu flags: $(grep -m1 '^flags' /proc/cpuinfo | grep -o -w -E 'avx2|fma|avx512f|avx512vl|avx512bw|avx512dq|avx512_bf16|avx512_vnni|amx_tile' | sort -u | tr '\n' ' ')"
note "OPENBLAS_* in force: $(env | grep '^OPENBLAS_' | tr '\n' ' ' || true)"
note "charlm: $("$charlm" bench "$corpus" --steps 1 --warmup 0 --sample-length 1 --threads "$threads" 2>&1 | head -1 | grep -o "[0-9]* threads, .*")"
note "torch: $(python3 -c 'import torch; print(torch.__version__, "threads", torch.get_num_threads())')"

for config in $configs; do
  IFS=: read -r name layers hidden seq batch <<<"$config"
  shape=(--embedding-size 64 --hidden-size "$hidden" --layers "$layers" --seq-length "$seq" --batch-size "$batch")
  for round in $(seq "$rounds"); do
    "$charlm" bench "$corpus" "${shape[@]}" --steps "$steps" --warmup 3 --sample-length "$sample" \
      --threads "$threads" --json 2>/dev/null | tail -1 >"$log/$name.charlm.$round.json"
    python3 scripts/reference/train_reference.py "$corpus" "${shape[@]}" --steps $((steps + 5)) \
      --val-fraction 0.01 --eval-every 0 --threads "$threads" --sample-length "$torch_sample" --json 2>/dev/null |
      tail -1 >"$log/$name.torch.$round.json"
  done
done

# shellcheck disable=SC2086  # one argument per configuration
python3 - "$log" $configs <<'PY'
import json, statistics, sys, glob
log, configs = sys.argv[1], [c.split(":")[0] for c in sys.argv[2:]]
def med(name, side, key):
    return statistics.median(json.load(open(f))[key] for f in sorted(glob.glob(f"{log}/{name}.{side}.*.json")))
print(f"{'config':8} {'train charlm':>13} {'torch':>9} {'ratio':>6}  {'sample charlm':>13} {'torch':>7} {'ratio':>6}  {'RSS MiB charlm':>14} {'torch':>6} {'ratio':>6}  {'GFLOP/s':>8} {'SGEMM':>6}")
for n in configs:
    tc, tt = med(n, "charlm", "chars_per_second"), med(n, "torch", "chars_per_second")
    sc, st = med(n, "charlm", "sample_chars_per_second"), med(n, "torch", "sample_chars_per_second")
    rc, rt = med(n, "charlm", "peak_rss_bytes") / 2**20, med(n, "torch", "peak_rss_bytes") / 2**20
    g, s = med(n, "charlm", "gflops"), med(n, "charlm", "sgemm_gflops")
    print(f"{n:8} {tc:13.0f} {tt:9.0f} {tc/tt:6.2f}  {sc:13.0f} {st:7.0f} {sc/st:6.2f}  {rc:14.0f} {rt:6.0f} {rc/rt:6.2f}  {g:8.1f} {s:6.1f}")
print(f"(medians of the rounds; each side alternated per round; raw JSON in {log})")
PY
