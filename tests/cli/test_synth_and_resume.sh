#!/usr/bin/env bash
# synth is byte-identical for one seed; a training run killed with SIGKILL and resumed
# evaluates exactly like one that was never interrupted (fixed seed, one thread).
source "$(dirname "$0")/lib.sh"
tiny_synth "$WORK/a" 3; tiny_synth "$WORK/b" 3; tiny_synth "$WORK/c" 4
diff -r "$WORK/a" "$WORK/b" >/dev/null && pass "same seed, identical files" || fail "same seed gave different files"
diff -r "$WORK/a" "$WORK/c" >/dev/null && fail "another seed gave identical files" || pass "another seed, other files"

D=$WORK/a/source
T=(train --data "$D" --iterations 40 --batch-size 2 --model-options '{"base_width":4,"depth":2}' --threads 1
   --checkpoint-every 5 --log-every 1 --seed 7)
"$BIN" "${T[@]}" -o "$WORK/whole" >/dev/null 2>&1 || fail "uninterrupted run failed"

"$BIN" "${T[@]}" -o "$WORK/killed" >/dev/null 2>&1 &
pid=$!
# Kill hard once a mid-run checkpoint exists.
for _ in $(seq 1 600); do
  if [ -f "$WORK/killed/train_log.jsonl" ] && [ "$(wc -l < "$WORK/killed/train_log.jsonl")" -ge 12 ]; then break; fi
  sleep 0.05
done
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
lines=$(wc -l < "$WORK/killed/train_log.jsonl")
[ "$lines" -lt 40 ] && pass "killed mid-run (after $lines steps)" || fail "run finished before the kill; test proves nothing"
out=$("$BIN" "${T[@]}" -o "$WORK/killed" --resume 2>/dev/null)
echo "$out" | grep -q "resumed at step" && pass "resumed: $out" || fail "did not resume: $out"

for r in whole killed; do
  "$BIN" eval -c "$WORK/$r/checkpoint.pt" --data "$D" --split train --threads 1 -o "$WORK/$r/eval.json" >/dev/null 2>&1
done
same_eval_results "$WORK/whole/eval.json" "$WORK/killed/eval.json" 40 \
  && pass "identical metrics after kill+resume" || fail "metrics differ after kill+resume"
# The same, stopped on request (--stop-after, for jobs with a time limit) instead of killed.
out=$("$BIN" "${T[@]}" -o "$WORK/sliced" --stop-after 12 2>/dev/null)
[ "$(wc -l < "$WORK/sliced/train_log.jsonl")" -eq 12 ] && echo "$out" | grep -q "stopped after step 12" \
  && pass "--stop-after 12 stops after step 12, exit 0" || fail "--stop-after: $out"
out=$("$BIN" "${T[@]}" -o "$WORK/sliced" --stop-after 12 --resume 2>/dev/null)
[ "$(wc -l < "$WORK/sliced/train_log.jsonl")" -eq 12 ] && echo "$out" | grep -q "stopped after step 12" \
  && pass "--stop-after 12 resumed at step 12 trains nothing" || fail "--stop-after at the resume step: $out"
"$BIN" "${T[@]}" -o "$WORK/sliced" --resume >/dev/null 2>&1 || fail "resume after --stop-after failed"
"$BIN" eval -c "$WORK/sliced/checkpoint.pt" --data "$D" --split train --threads 1 -o "$WORK/sliced/eval.json" >/dev/null 2>&1
same_eval_results "$WORK/whole/eval.json" "$WORK/sliced/eval.json" 40 \
  && pass "identical metrics after --stop-after + resume" || fail "metrics differ after --stop-after + resume"
n=$(wc -l < "$WORK/killed/train_log.jsonl")
[ "$n" -eq 40 ] && pass "log has one line per step" || fail "log has $n lines, expected 40"
finish
