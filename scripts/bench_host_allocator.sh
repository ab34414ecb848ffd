#!/usr/bin/env bash
# The effect of core/host_memory.h (freed memory kept in the process) on the UNet training step:
# the same binary twice, taking turns step by step (scripts/bench_before_after.sh), "before" with
# glibc's default malloc thresholds (GLIBC_TUNABLES naming a malloc tunable at its default value
# makes the program leave the allocator alone), "after" as shipped. Prints each precision's median
# step times and the paired ratio "before / after", i.e. defaults / kept (above 1: keeping freed
# memory is faster).
# Usage: scripts/bench_host_allocator.sh BIN [--steps N] [--precisions "fp32 bf16"]
# JSON lands in $BENCH_OUT (default: bench/ beside BIN).
set -euo pipefail
bin=${1:?usage: bench_host_allocator.sh BIN [--steps N] [--precisions "fp32 bf16"]}
shift
BENCH_OUT=${BENCH_OUT:-$(dirname "$bin")/bench} exec "$(dirname "$0")/bench_before_after.sh" \
  --before "env GLIBC_TUNABLES=glibc.malloc.tcache_count=7 $bin" --after "$bin" --model unet "$@"
