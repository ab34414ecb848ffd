#!/usr/bin/env bash
# eval --save-predictions writes label maps that `score` reads back to the same metrics, in the
# cases' own geometry; --save-probabilities adds one float map per class.
source "$(dirname "$0")/lib.sh"
tiny_synth "$WORK/data" 2
D=$WORK/data/source
"$BIN" train --data "$D" -o "$WORK/run" --iterations 4 --batch-size 2 --model-options '{"base_width":4,"depth":2}' \
  --threads 1 >/dev/null 2>&1 || fail "train failed"
"$BIN" eval -c "$WORK/run/checkpoint.pt" --data "$D" --ood "$WORK/data/scanner-b" --threads 1 -o "$WORK/eval.json" \
  --save-predictions "$WORK/pred" --save-probabilities >/dev/null 2>&1 || fail "eval --save-predictions failed"
iid=$(ls -d "$WORK"/pred/iid-* | grep -v probabilities)
ood=$(ls -d "$WORK"/pred/ood-* | grep -v probabilities)
[ "$(ls "$iid" | wc -l)" -eq "$(ls "$D/labelsTs" | wc -l)" ] && [ -n "$ood" ] \
  && pass "one label map per case, IID and OOD folders" || fail "prediction folders: $(ls "$WORK/pred")"
nprob=$(ls "$iid-probabilities" | wc -l); ncases=$(ls "$D/labelsTs" | wc -l)
[ "$nprob" -eq $((ncases * 4)) ] && pass "one probability map per case and class ($nprob)" \
  || fail "$nprob probability maps for $ncases cases x 4 classes"
"$BIN" score --pred "$iid" --ref "$D/labelsTs" --labels "$D" -o "$WORK/score.json" >/dev/null 2>&1 || fail "score failed"
python3 - "$WORK/eval.json" "$WORK/score.json" <<'PY' && pass "score of the saved maps equals eval's metrics" || fail "saved maps score differently"
import json, sys
ev, sc = (json.load(open(p)) for p in sys.argv[1:])
cases = lambda d: {c["id"]: c["metrics"] for c in d["evaluations"][0]["cases"]}
a, b = cases(ev), cases(sc)
keys = ("dsc", "iou", "hd95", "reference_voxels", "predicted_voxels")
ok = a.keys() == b.keys() and all(
    all(abs((a[i][k][m] or 0) - (b[i][k][m] or 0)) < 1e-9 for m in keys if m in a[i][k]) for i in a for k in a[i])
sys.exit(0 if ok and len(a) > 0 else 1)
PY
expect_error "probabilities need a folder" "save_probabilities needs save_predictions" \
  "$BIN" eval -c "$WORK/run/checkpoint.pt" --data "$D" -o "$WORK/x.json" --save-probabilities
finish
