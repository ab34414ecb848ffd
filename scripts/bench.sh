#!/usr/bin/env bash
# `make bench`: the UNet training step at 224x224, batch 4, in C++ (mis-spectral bench) and in
# Python PyTorch (tests/perf/pytorch_reference.py, the same LibTorch), in fp32 and bf16 and in
# both memory layouts, and the ratio of their step times (same precision, same layout), the two
# programs taking turns step by step (scripts/bench_pair.py) so that noise on a shared machine
# hits both alike. The C++ report (peak rates, GFLOP/s, spectral and data shares) follows.
# JSON for each run lands in $BENCH_OUT (default: bench/ beside BIN, in the build folder).
# Usage: scripts/bench.sh BIN [--steps N] [--warmup N] [--size S] [--batch-size B] [--precisions "fp32 bf16"]
#                           [--layouts "channels-last nchw"]   (train's default layout is channels-last)
#                           [--device cpu|cuda] [--python "eager compile"]  (Python variants: eager, and
#                           torch.compile, which needs PyTorch 2 and a compiler toolchain at run time)
# The Python is $PYTHON (default: Debian's /usr/bin/python3 with python3-torch).
set -euo pipefail
bin=${1:?usage: bench.sh BIN [options]}
shift
steps=5 warmup=1 size=224 batch=4 precisions="fp32 bf16" layouts="channels-last nchw" device=cpu variants=eager
while [ $# -gt 0 ]; do
  case "$1" in
    --device) device=$2; shift 2 ;;
    --python) variants=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    --batch-size) batch=$2; shift 2 ;;
    --precisions) precisions=$2; shift 2 ;;
    --layouts) layouts=$2; shift 2 ;;
    *) echo "bench.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
# Debian's python3-torch lives in the system interpreter, not in a pyenv/venv one.
py=${PYTHON:-/usr/bin/python3}
if ! "$py" -c 'import torch' 2>/dev/null; then
  echo "bench: $py cannot import torch; install it with: make bench-deps (TORCH=debian: python3-torch; TORCH=wheel: .venv)" >&2
  exit 2
fi
out=${BENCH_OUT:-$(dirname "$bin")/bench}
mkdir -p "$out"
printf '%-9s %-14s %-7s %11s %11s %9s %13s\n' precision layout python "C++ step s" "Python s" "Py/C++" "pair range"
for layout in $layouts; do
  case "$layout" in
    channels-last) cpp_layout="" py_layout="--channels-last" ;;
    nchw) cpp_layout="--no-channels-last" py_layout="" ;;
    *) echo "bench.sh: unknown layout $layout (channels-last | nchw)" >&2; exit 2 ;;
  esac
  for p in $precisions; do
    for variant in $variants; do
      tag=${p}_${layout}_$variant
      py_compile=""; [ "$variant" = compile ] && py_compile="--compile"
      # The two programs alternate step by step (scripts/bench_pair.py): the ratio is the median
      # over pairs of steps that ran on the same machine state.
      if ! "$py" scripts/bench_pair.py "$out/cpp_$tag.json" "$out/python_$tag.json" --steps $((warmup + steps)) \
        --cpp-report "$out/cpp_$tag.txt" \
        --cpp "$bin bench --paced --model unet --size $size --batch-size $batch --steps $steps --warmup $warmup \
               --precision $p $cpp_layout --device $device --json-out $out/cpp_$tag.json" \
        --py "$py tests/perf/pytorch_reference.py --paced --size $size --batch-size $batch --steps $steps \
              --warmup $warmup --precision $p $py_layout --device $device $py_compile \
              --json-out $out/python_$tag.json" >"$out/pair_$tag.json"; then
        # torch.compile needs a working toolchain (Triton on CUDA, a C++ compiler on CPU): say so, go on.
        [ "$variant" = compile ] || exit 1
        printf '%-9s %-14s %-7s %s\n' "$p" "$layout" "$variant" "failed (see $out/pair_$tag.json)"
        continue
      fi
      "$py" - "$out/pair_$tag.json" "$p" "$layout" "$variant" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"{sys.argv[2]:<9} {sys.argv[3]:<14} {sys.argv[4]:<7} {r['cpp_median_s']:11.3f} {r['python_median_s']:11.3f} "
      f"{r['ratio_median']:9.3f} {r['ratio_min']:6.3f}-{r['ratio_max']:.3f}")
PY
    done
  done
done
echo
for f in "$out"/cpp_*.txt; do cat "$f"; echo; done
