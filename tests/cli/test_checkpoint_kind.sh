#!/usr/bin/env bash
# --checkpoint-kind last|best (issue 15): every command that loads a checkpoint takes a run
# folder or a checkpoint file and loads the kind asked for; `run --checkpoint-kind` does the same
# for every evaluation of an experiment. The two kinds are told apart by the step each was saved
# at: the folder below holds a last checkpoint of step 4 and a best one of step 2.
source "$(dirname "$0")/lib.sh"
tiny_synth "$WORK/data" 3
D=$WORK/data/source
train() { "$BIN" train --data "$D" --batch-size 2 --model-options '{"base_width":4,"depth":2}' --threads 1 "$@" \
  >/dev/null 2>&1; }
train -o "$WORK/validated" --iterations 4 --val-fraction 0.5 --val-every 2 || fail "train with validation failed"
[ -f "$WORK/validated/checkpoint_best.pt" ] && pass "train --val-fraction keeps checkpoint_best.pt" \
  || fail "no checkpoint_best.pt after training with validation"
train -o "$WORK/short" --iterations 2 || fail "train (2 steps) failed"
train -o "$WORK/run" --iterations 4 || fail "train (4 steps) failed"
cp "$WORK/short/checkpoint.pt" "$WORK/run/checkpoint_best.pt"

# loaded FILE KIND STEP: the result FILE records the checkpoint file of KIND and its step STEP.
loaded() {
  python3 - "$@" <<'PY'
import json, sys
path, kind, step = sys.argv[1], sys.argv[2], int(sys.argv[3])
doc = json.load(open(path))
name = "checkpoint_best.pt" if kind == "best" else "checkpoint.pt"
sys.exit(0 if doc["checkpoint_file"].endswith("/" + name) and doc["checkpoint_step"] == step else 1)
PY
}

R=$WORK/run
for kind in last best; do
  step=$([ $kind = best ] && echo 2 || echo 4)
  "$BIN" eval -c "$R" --checkpoint-kind $kind --data "$D" -o "$WORK/eval-$kind.json" --threads 1 >/dev/null 2>&1
  loaded "$WORK/eval-$kind.json" $kind $step && pass "eval --checkpoint-kind $kind" || fail "eval --checkpoint-kind $kind"
  "$BIN" noise-sweep -c "$R" --checkpoint-kind $kind --data "$D" --types gaussian --levels 0.1 \
    -o "$WORK/noise-$kind.json" --threads 1 >/dev/null 2>&1
  loaded "$WORK/noise-$kind.json" $kind $step && pass "noise-sweep --checkpoint-kind $kind" \
    || fail "noise-sweep --checkpoint-kind $kind"
  "$BIN" calibrate -c "$R" --checkpoint-kind $kind --data "$D" -o "$WORK/cal-$kind.json" --threads 1 >/dev/null 2>&1
  loaded "$WORK/cal-$kind.json" $kind $step && pass "calibrate --checkpoint-kind $kind" \
    || fail "calibrate --checkpoint-kind $kind"
  "$BIN" explain -c "$R" --checkpoint-kind $kind --data "$D" --num-cases 1 -o "$WORK/explain-$kind.json" \
    --threads 1 >/dev/null 2>&1
  loaded "$WORK/explain-$kind.json" $kind $step && pass "explain --checkpoint-kind $kind" \
    || fail "explain --checkpoint-kind $kind"
  "$BIN" predict -c "$R" --checkpoint-kind $kind -i "$D" -o "$WORK/pred-$kind" --threads 1 >/dev/null 2>&1
  loaded "$WORK/pred-$kind/predict.json" $kind $step && pass "predict --checkpoint-kind $kind" \
    || fail "predict --checkpoint-kind $kind"
done
# The folder and the file it resolves to give the same numbers.
"$BIN" eval -c "$R/checkpoint_best.pt" --data "$D" -o "$WORK/eval-file.json" --threads 1 >/dev/null 2>&1
python3 - "$WORK/eval-best.json" "$WORK/eval-file.json" <<'PY' && pass "-c FOLDER --checkpoint-kind best = -c checkpoint_best.pt" \
  || fail "the folder's best checkpoint and the file differ"
import json, sys
a, b = (json.load(open(p))["evaluations"] for p in sys.argv[1:])
sys.exit(0 if [e["cases"] for e in a] == [e["cases"] for e in b] else 1)
PY

expect_error "best of a run without validation" "checkpoint_best.pt: does not exist" \
  "$BIN" eval -c "$WORK/short" --checkpoint-kind best --data "$D" -o "$WORK/e1.json"
expect_error "an unknown kind" "expected last or best" \
  "$BIN" eval -c "$R" --checkpoint-kind newest --data "$D" -o "$WORK/e2.json"
[ ! -e "$WORK/e1.json" ] && [ ! -e "$WORK/e2.json" ] && pass "no result after a refused kind" || fail "result written"

# run --checkpoint-kind: every evaluation of every run loads the best checkpoint.
cd "$WORK"
cat > exp.json <<JSON
{
  "name": "kinds",
  "datasets": {"synth": {"data": "$D"}},
  "models": {"tiny": {"name": "unet-small", "options": {"base_width": 4, "depth": 2}}},
  "losses": {"spatial": {"lambda": 0}},
  "train": {"iterations": 4, "batch_size": 2, "validation": {"fraction": 0.5, "every": 2}},
  "evaluations": {"eval": {}, "explain": {"num_cases": 1}},
  "grid": [{"group": "main", "datasets": ["synth"], "models": ["tiny"], "losses": ["spatial"], "seeds": [0]}]
}
JSON
"$BIN" run exp.json --results res --threads 1 --checkpoint-kind best >/dev/null 2>&1 || fail "run --checkpoint-kind best"
python3 - res <<'PY' && pass "run --checkpoint-kind best: every evaluation loaded checkpoint_best.pt" \
  || fail "run --checkpoint-kind best: an evaluation loaded another checkpoint"
import glob, json, sys
files = glob.glob(sys.argv[1] + "/runs/*/eval.json") + glob.glob(sys.argv[1] + "/runs/*/explain.json")
sys.exit(0 if len(files) == 2 and all(json.load(open(f))["checkpoint_file"].endswith("/checkpoint_best.pt")
                                      for f in files) else 1)
PY
sed 's/, "validation": {"fraction": 0.5, "every": 2}//' exp.json > plain.json
expect_error "run --checkpoint-kind best without validation" "keeps no best checkpoint" \
  "$BIN" run plain.json --results res2 --threads 1 --checkpoint-kind best
finish
