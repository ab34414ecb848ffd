#!/usr/bin/env bash
# Every bad input is one "error: <file>: <problem>" line, exit code 2, and no partial output.
source "$(dirname "$0")/lib.sh"
tiny_synth "$WORK/data"
D=$WORK/data/source
T=(train --iterations 2 --batch-size 2 --model-options '{"base_width":4,"depth":2}' --threads 1)

expect_error "missing dataset path" "$WORK/nope: does not exist" "$BIN" "${T[@]}" --data "$WORK/nope" -o "$WORK/r0"
[ ! -e "$WORK/r0/checkpoint.pt" ] && pass "no checkpoint after a failed start" || fail "checkpoint written after failure"

cp -r "$D" "$WORK/notnifti"
echo "hello" > "$WORK/notnifti/imagesTr/synth_tr000_0000.nii.gz"
expect_error "file that is not NIfTI" "imagesTr/synth_tr000_0000.nii.gz: " "$BIN" "${T[@]}" --data "$WORK/notnifti" -o "$WORK/r1"

cp -r "$D" "$WORK/geom"
cp "$WORK/data/source/labelsTs/synth_ts000.nii.gz" "$WORK/geom/labelsTr/synth_tr000.nii.gz"
"$BIN" synth -o "$WORK/big" --cases 1 --test-cases 1 --size 48 --slices 3 --domains 1 >/dev/null 2>&1
cp "$WORK/big/source/labelsTr/synth_tr000.nii.gz" "$WORK/geom/labelsTr/synth_tr000.nii.gz"
expect_error "image/label of different geometry" "labelsTr/synth_tr000.nii.gz: label size 48x48x3 differs" "$BIN" "${T[@]}" --data "$WORK/geom" -o "$WORK/r2"

cp -r "$D" "$WORK/labels"
python3 - "$WORK/labels/dataset.json" <<'PY'
import json, sys
p = sys.argv[1]; j = json.load(open(p)); del j["labels"]["LV"]; json.dump(j, open(p, "w"))
PY
expect_error "label values outside dataset.json" "label values span 0..3 but dataset.json defines 0..2" "$BIN" "${T[@]}" --data "$WORK/labels" -o "$WORK/r3"

touch "$WORK/afile"
expect_error "unwritable output folder" "$WORK/afile" "$BIN" "${T[@]}" --data "$D" -o "$WORK/afile/run"
expect_error "synth into an unwritable place" "$WORK/afile" "$BIN" synth -o "$WORK/afile/x/synth"

"$BIN" "${T[@]}" --data "$D" -o "$WORK/good" >/dev/null 2>&1 || fail "a good run failed"
echo "garbage" > "$WORK/bad.pt"
expect_error "corrupt checkpoint" "bad.pt: not a readable checkpoint" "$BIN" eval -c "$WORK/bad.pt" --data "$D" -o "$WORK/e.json"
head -c 2000 "$WORK/good/checkpoint.pt" > "$WORK/truncated.pt"
expect_error "truncated checkpoint" "truncated.pt: not a readable checkpoint" "$BIN" eval -c "$WORK/truncated.pt" --data "$D" -o "$WORK/e.json"
[ ! -e "$WORK/e.json" ] && pass "no result file after failed evals" || fail "partial result written"
expect_error "existing run without --resume" "already holds a training run" "$BIN" "${T[@]}" --data "$D" -o "$WORK/good"
expect_error "typo in a config file" "unknown key 'lamda'" bash -c "echo '{\"lamda\": 1}' > $WORK/c.json && $BIN train --config $WORK/c.json --data $D -o $WORK/r4"
expect_error "cuda on a machine without it" "use --device cpu" "$BIN" "${T[@]}" --data "$D" -o "$WORK/r5" --device cuda
expect_error "report of a non-result file" "not a mis-spectral result" "$BIN" report "$WORK/c.json"
finish
