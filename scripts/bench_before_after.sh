#!/usr/bin/env bash
# One change's effect on the training step: two mis-spectral commands (two builds, or one build
# under two environments) taking turns step by step (scripts/bench_pair.py), so that both see the
# same machine noise. Prints each precision's median step times and the paired ratio
# "before / after" (above 1: the change made the step faster), with the range over the pairs.
# Usage: scripts/bench_before_after.sh --before CMD --after CMD [--model unet|transunet|...]
#          [--steps N] [--precisions "fp32 bf16"] [--bench-args "..."]
#   CMD: a mis-spectral binary, optionally after `env NAME=VALUE`, e.g. "old/mis-spectral" or
#        "env GLIBC_TUNABLES=glibc.malloc.tcache_count=7 build/mis-spectral".
# JSON (each side's bench report, and pair_P.json with the ratios) lands in $BENCH_OUT
# (default: bench-before-after/).
set -euo pipefail
usage='usage: bench_before_after.sh --before CMD --after CMD [--model M] [--steps N] [--precisions "fp32 bf16"] [--bench-args ARGS]'
before='' after='' model=unet steps=7 precisions="fp32 bf16" bench_args=''
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) echo "$usage"; exit 0 ;;
    --before|--after|--model|--steps|--precisions|--bench-args)
      if [ $# -lt 2 ]; then echo "bench_before_after.sh: $1 needs a value ($usage)" >&2; exit 2; fi ;;
  esac
  case "$1" in
    --before) before=$2; shift 2 ;;
    --after) after=$2; shift 2 ;;
    --model) model=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    --precisions) precisions=$2; shift 2 ;;
    --bench-args) bench_args=$2; shift 2 ;;
    *) echo "bench_before_after.sh: unknown option $1 ($usage)" >&2; exit 2 ;;
  esac
done
if [ -z "$before" ] || [ -z "$after" ]; then echo "bench_before_after.sh: --before and --after are both needed ($usage)" >&2; exit 2; fi
case "$steps" in ''|*[!0-9]*) echo "bench_before_after.sh: --steps needs a whole number, not '$steps'" >&2; exit 2 ;; esac
out=${BENCH_OUT:-bench-before-after}
mkdir -p "$out"
here=$(cd "$(dirname "$0")" && pwd)
printf '%-9s %13s %13s %13s %13s\n' precision "before step s" "after step s" "before/after" "pair range"
for p in $precisions; do
  # One warm-up step: bench_pair.py's --steps below counts it (so no --warmup in --bench-args).
  run="bench --paced --model $model --steps $steps --warmup 1 --precision $p --no-peak $bench_args"
  after_json=$(printf %q "$out/after_$p.json") before_json=$(printf %q "$out/before_$p.json")
  # bench_pair.py names its two sides after the project's C++ and Python programs; here both are
  # C++: "cpp" is the change, "py" the baseline, so its ratio python/cpp is before/after.
  python3 "$here/bench_pair.py" "$out/after_$p.json" "$out/before_$p.json" --steps $((steps + 1)) \
    --cpp "$after $run --json-out $after_json" \
    --py "$before $run --json-out $before_json" \
    >"$out/pair_$p.json"
  python3 - "$out/pair_$p.json" "$p" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"{sys.argv[2]:<9} {r['python_median_s']:13.3f} {r['cpp_median_s']:13.3f} {r['ratio_median']:13.3f} "
      f"{r['ratio_min']:6.3f}-{r['ratio_max']:.3f}")
PY
done
