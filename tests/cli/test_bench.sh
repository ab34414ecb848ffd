#!/usr/bin/env bash
# bench: the rates it prints follow from the times and FLOPs it measured (recomputed here), and
# bad settings are one-line errors. No time is asserted.
source "$(dirname "$0")/lib.sh"
"$BIN" bench --model unet-small --size 32 --batch-size 2 --steps 3 --warmup 1 --no-peak --threads 1 \
  --json-out "$WORK/bench.json" >/dev/null 2>&1 || fail "bench failed"
python3 - "$WORK/bench.json" <<'PY' && pass "img/s, GFLOP/s and shares recomputed from the measured times" || fail "bench numbers inconsistent"
import json, statistics, sys
d = json.load(open(sys.argv[1]))
t, f, s = d["train"], d["flops"], d["spectral"]
close = lambda a, b: abs(a - b) <= 1e-9 * max(1.0, abs(b))
ok = (len(t["step_seconds"]) == 3 and close(t["median_step_s"], statistics.median(t["step_seconds"]))
      and close(t["images_per_s"], 2 / t["median_step_s"])
      and close(f["train_step_per_image"], 3 * f["forward_per_image"])
      and close(t["gflops"], f["train_step_per_image"] * t["images_per_s"] / 1e9)
      and close(s["share_of_step"], s["median_s"] / t["median_step_s"])
      and t["of_conv3x3_peak"] is None and d["config"]["channels_last"] is True)
# Inference with the model folded (fold_for_inference), timed in pairs with an unfolded copy: its
# speed-up is the median of the paired ratios, and folding moved no logit by more than float rounding.
i = d["inference"]
b = i["folded_for_inference"]
pairs = [u / f for u, f in zip(b["unfolded_batch_seconds"], i["batch_seconds"])]
ok = ok and (len(pairs) == 3 and all(close(x, y) for x, y in zip(pairs, b["paired_speedups"]))
             and close(b["unfolded_median_batch_s"], statistics.median(b["unfolded_batch_seconds"]))
             and close(b["speedup"], statistics.median(pairs))
             and b["max_abs_logit"] > 0 and b["max_abs_logit_change"] <= 1e-5 * b["max_abs_logit"])
sys.exit(0 if ok else 1)
PY
# --paced: scripts/bench_pair.py runs two paced programs in turns (here the C++ bench twice, so
# no Python torch is needed) and its ratios are the per-step ratios of the two reports.
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
paced="$BIN bench --paced --model unet-small --size 32 --batch-size 2 --steps 3 --warmup 1 --no-peak --threads 1"
python3 "$ROOT/scripts/bench_pair.py" "$WORK/a.json" "$WORK/b.json" --steps 4 --cpp-report "$WORK/a.txt" \
  --cpp "$paced --json-out $WORK/a.json" --py "$paced --json-out $WORK/b.json" >"$WORK/pair.json" 2>"$WORK/pair.err" ||
  fail "bench_pair failed: $(cat "$WORK/pair.err")"
python3 - "$WORK/pair.json" "$WORK/a.json" "$WORK/b.json" <<'PY' && pass "paced pair: 3 timed pairs, ratios recomputed" || fail "pair ratios inconsistent"
import json, statistics, sys
pair, a, b = (json.load(open(f)) for f in sys.argv[1:])
ta, tb = a["train"]["step_seconds"], b["train"]["step_seconds"]
ratios = [y / x for x, y in zip(ta, tb)]
ok = pair["pairs"] == 3 and all(abs(r - q) < 1e-12 for r, q in zip(ratios, pair["ratios"])) \
     and abs(pair["ratio_median"] - statistics.median(ratios)) < 1e-12
sys.exit(0 if ok else 1)
PY
grep -q "train step" "$WORK/a.txt" && pass "paced pair keeps the C++ table" || fail "no C++ table in the pair report"
err=$($paced --json-out "$WORK/c.json" </dev/null 2>&1 >/dev/null); rc=$?
[ $rc -eq 2 ] && printf '%s' "$err" | grep -q "stdin closed before step 0" && pass "paced bench without a driver" ||
  fail "paced bench with stdin closed: exit $rc, $err"
# After 'ready <warmup+steps>' it waits for the driver again: its report (timed inference and all)
# must not start while the other program runs its last step. Still waiting 2 s later, it finishes
# once stdin closes.
python3 - "$paced --json-out $WORK/d.json" "$WORK/d.json" <<'PY' && pass "paced bench waits after its last step" ||
import os, shlex, subprocess, sys, time
p = subprocess.Popen(shlex.split(sys.argv[1]), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
for step in range(4):
    assert p.stdout.readline().strip() == f"ready {step}"
    p.stdin.write("go\n"); p.stdin.flush()
assert p.stdout.readline().strip() == "ready 4"
time.sleep(2)
waited = p.poll() is None and not os.path.exists(sys.argv[2])
p.stdin.close(); p.stdout.read()
sys.exit(0 if waited and p.wait() == 0 and os.path.exists(sys.argv[2]) else 1)
PY
  fail "paced bench went on after its last step without the driver"
# --profile: per-operator times from LibTorch's profiler. unet-small has 23 convolutions, counted by
# hand from lib/models/unet.cpp: stem 2, four down blocks 2 each, four up blocks a transposed
# convolution and 2 each, the 1x1 head; a training step runs each backward once.
"$BIN" bench --model unet-small --size 32 --batch-size 2 --steps 2 --warmup 1 --no-peak --threads 1 --profile \
  --json-out "$WORK/profile.json" >"$WORK/profile.txt" 2>&1 || fail "bench --profile failed: $(tail -3 "$WORK/profile.txt")"
python3 - "$WORK/profile.json" <<'PY' && pass "bench --profile counts 23 convolutions forward and backward" || fail "bench --profile counts"
import json, sys
p = json.load(open(sys.argv[1]))["profile"]
def calls(part, name):
    return sum(o["calls"] for o in p[part]["operators"] if o["name"] == name)
ok = calls("inference", "aten::convolution") == 23 and calls("train_step", "aten::convolution") == 23 \
     and calls("train_step", "aten::convolution_backward") == 23
for part in ("inference", "train_step"):
    ops = p[part]["operators"]
    shown = sum(o["self_ms"] for o in ops)
    ok = ok and all(0 <= o["self_ms"] <= o["total_ms"] + 1e-9 for o in ops) \
         and abs(p[part]["self_ms_total"] - shown - p[part]["other_self_ms"]) < 1e-6
sys.exit(0 if ok else 1)
PY
grep -q "profile of one training step" "$WORK/profile.txt" && pass "bench --profile prints its table" || fail "no profile table"
expect_error "bad precision" "expected fp32 or bf16" "$BIN" bench --precision fp16 --no-peak
expect_error "size not a multiple" "multiple of 16" "$BIN" bench --size 30 --no-peak
expect_error "unknown model" "unet-huge" "$BIN" bench --model unet-huge --no-peak
finish
