#!/usr/bin/env bash
# The effect of core/host_memory.h (freed memory kept in the process) on the UNet training step:
# the same binary twice, taking turns step by step (scripts/bench_pair.py), once with glibc's
# default malloc thresholds (GLIBC_TUNABLES naming a malloc tunable at its default value makes
# the program leave the allocator alone) and once as shipped. Prints each precision's median step
# times and the paired ratio "defaults / kept" (above 1: keeping freed memory is faster).
# Usage: scripts/bench_host_allocator.sh BIN [--steps N] [--precisions "fp32 bf16"]
# JSON lands in $BENCH_OUT (default: bench/ beside BIN).
set -euo pipefail
bin=${1:?usage: bench_host_allocator.sh BIN [--steps N] [--precisions "fp32 bf16"]}
shift
steps=7 precisions="fp32 bf16"
while [ $# -gt 0 ]; do
  case "$1" in
    --steps) steps=$2; shift 2 ;;
    --precisions) precisions=$2; shift 2 ;;
    *) echo "bench_host_allocator.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
out=${BENCH_OUT:-$(dirname "$bin")/bench}
mkdir -p "$out"
here=$(cd "$(dirname "$0")" && pwd)
printf '%-9s %15s %15s %14s %13s\n' precision "defaults step s" "kept step s" "defaults/kept" "pair range"
for p in $precisions; do
  run="$bin bench --paced --model unet --steps $steps --warmup 1 --precision $p --no-peak"
  python3 "$here/bench_pair.py" "$out/kept_$p.json" "$out/defaults_$p.json" --steps $((steps + 1)) \
    --cpp "$run --json-out $out/kept_$p.json" \
    --py "env GLIBC_TUNABLES=glibc.malloc.tcache_count=7 $run --json-out $out/defaults_$p.json" \
    >"$out/pair_allocator_$p.json"
  python3 - "$out/pair_allocator_$p.json" "$p" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"{sys.argv[2]:<9} {r['python_median_s']:15.3f} {r['cpp_median_s']:15.3f} {r['ratio_median']:14.3f} "
      f"{r['ratio_min']:6.3f}-{r['ratio_max']:.3f}")
PY
done
