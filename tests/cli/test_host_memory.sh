#!/usr/bin/env bash
# The allocator setting of core/host_memory.h (freed blocks reused, not returned to the system)
# changes no number: training and eval give the same losses and metrics, bit for bit, as with
# glibc's thresholds at 128 KiB (set through GLIBC_TUNABLES, which the program then leaves alone),
# where every block above 128 KiB is a fresh, zeroed mmap. A kernel that read memory it never
# wrote would see zeros in one run and old activations in the other.
source "$(dirname "$0")/lib.sh"
"$BIN" synth -o "$WORK/data" --cases 2 --test-cases 1 --size 64 --slices 3 --domains 2 --seed 1 >/dev/null 2>&1 ||
  fail "synth failed"
fresh="glibc.malloc.mmap_threshold=131072:glibc.malloc.trim_threshold=131072"
# base_width 32 at 64x64, batch 2: the largest activations are 1 MiB, well above 128 KiB.
T=(train --data "$WORK/data/source" --iterations 20 --batch-size 2 --model-options '{"base_width":32,"depth":2}'
   --threads 1 --log-every 1 --seed 7)
for run in kept fresh; do
  tunables=""; [ $run = fresh ] && tunables=$fresh
  GLIBC_TUNABLES=$tunables "$BIN" "${T[@]}" -o "$WORK/$run" >/dev/null 2>&1 || fail "train ($run) failed"
  GLIBC_TUNABLES=$tunables "$BIN" eval -c "$WORK/$run/checkpoint.pt" --data "$WORK/data/source" --split train \
    --threads 1 -o "$WORK/$run/eval.json" >/dev/null 2>&1 || fail "eval ($run) failed"
  GLIBC_TUNABLES=$tunables "$BIN" bench --model unet-small --size 32 --batch-size 2 --steps 1 --warmup 0 --no-peak \
    --threads 1 --json-out "$WORK/$run/bench.json" >/dev/null 2>&1 || fail "bench ($run) failed"
done
python3 - "$WORK/kept/train_log.jsonl" "$WORK/fresh/train_log.jsonl" <<'PY' && pass "20 identical training losses" ||
import json, sys
runs = [[{k: v for k, v in json.loads(l).items() if k not in ("elapsed_s", "images_per_s")} for l in open(p)] for p in sys.argv[1:]]
sys.exit(0 if len(runs[0]) == 20 and runs[0] == runs[1] else 1)
PY
  fail "the training losses depend on the allocator setting"
same_eval_results "$WORK/kept/eval.json" "$WORK/fresh/eval.json" 20 && pass "identical eval metrics" ||
  fail "eval metrics depend on the allocator setting"
# bench says which setting it ran with.
python3 - "$WORK/kept/bench.json" "$WORK/fresh/bench.json" <<'PY' && pass "bench reports the allocator setting" ||
import json, sys
kept, fresh = (json.load(open(p))["machine"]["host_allocator"] for p in sys.argv[1:])
sys.exit(0 if "keeping freed memory" in kept and "GLIBC_TUNABLES" in fresh else 1)
PY
  fail "bench's machine.host_allocator is wrong"
finish
