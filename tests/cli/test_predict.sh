#!/usr/bin/env bash
# predict on a dataset folder that training read as stored (synth writes no preprocess recipe):
# scored against the reference labels it gives eval's per-case metrics; bad inputs are one
# error line with exit 2 and leave no output. (Raw scans in other orientations, resampled
# and 2-D data: tests/unit/test_predict_itk.cpp.)
source "$(dirname "$0")/lib.sh"
tiny_synth "$WORK/data" 3
D=$WORK/data/source
"$BIN" train --data "$D" -o "$WORK/run" --iterations 4 --batch-size 2 --model-options '{"base_width":4,"depth":2}' \
  --threads 1 >/dev/null 2>&1 || fail "train failed"
C=$WORK/run/checkpoint.pt
"$BIN" eval -c "$C" --data "$D" --threads 1 -o "$WORK/eval.json" >/dev/null 2>&1 || fail "eval failed"
out=$("$BIN" predict -c "$C" -i "$D" -o "$WORK/pred" --threads 1 2>/dev/null) || fail "predict failed"
printf '%s' "$out" | grep -q "^predicted 1 case(s) in .* into $WORK/pred" && pass "summary line" || fail "summary line: $out"
"$BIN" score --pred "$WORK/pred" --ref "$D/labelsTs" --labels "$D" -o "$WORK/score.json" >/dev/null 2>&1 || fail "score failed"
python3 - "$WORK/eval.json" "$WORK/score.json" "$WORK/pred/predict.json" <<'PY' && pass "predict + score equals eval, case by case" || fail "predict + score differs from eval"
import json, sys
ev, sc, summary = (json.load(open(p)) for p in sys.argv[1:])
cases = lambda d: {c["id"]: {k: v["dsc"] for k, v in c["metrics"].items()} for c in d["evaluations"][0]["cases"]}
sys.exit(0 if cases(ev) == cases(sc) and len(cases(ev)) == 1 and summary["complete"] else 1)
PY
again=$("$BIN" predict -c "$C" -i "$D" -o "$WORK/pred" --threads 1 2>/dev/null)
printf '%s' "$again" | grep -q "(1 done before)" && pass "a finished folder is reused" || fail "rerun: $again"
"$BIN" predict --help | grep -q -- "--tta" && pass "--help lists --tta" || fail "--help lacks --tta"

expect_error "no input" "predict needs images" "$BIN" predict -c "$C" -o "$WORK/p1"
expect_error "missing input" "$WORK/nope: does not exist" "$BIN" predict -c "$C" -i "$WORK/nope" -o "$WORK/p2"
mkdir -p "$WORK/empty"
expect_error "folder without images" "empty: holds no images" "$BIN" predict -c "$C" -i "$WORK/empty" -o "$WORK/p3"
echo "garbage" > "$WORK/bad.pt"
expect_error "corrupt checkpoint" "bad.pt: not a readable checkpoint" "$BIN" predict -c "$WORK/bad.pt" -i "$D" -o "$WORK/p4"
mkdir -p "$WORK/mine" && echo "keep" > "$WORK/mine/notes.txt"
expect_error "a user's folder as output" "mine" "$BIN" predict -c "$C" -i "$D" -o "$WORK/mine"
[ "$(cat "$WORK/mine/notes.txt")" = "keep" ] && pass "the user's file is untouched" || fail "user's file changed"
expect_error "output over the input" "--output" "$BIN" predict -c "$C" -i "$D/imagesTs" -o "$D"
expect_error "other settings into a finished folder" "another checkpoint or other settings" \
  "$BIN" predict -c "$C" -i "$D" -o "$WORK/pred" --tta
expect_error "bad precision" "precision 'fp16'" "$BIN" predict -c "$C" -i "$D" -o "$WORK/p5" --precision fp16
for p in p1 p2 p3 p4 p5; do [ -e "$WORK/$p" ] && fail "$p written after a failure"; done
pass "no output folder after a failed start"
finish
