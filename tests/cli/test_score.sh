#!/usr/bin/env bash
# score, calibrate and noise-sweep on tiny synthetic data: identities (a reference scored against
# itself), the bad-input errors of score, the result schema, and the paired seeding of noise-sweep.
source "$(dirname "$0")/lib.sh"
tiny_synth "$WORK/data"
D=$WORK/data/source
REF=$D/labelsTs

# A reference against itself: DSC 1 and HD95 0 for every class, under both conventions.
"$BIN" score --pred "$REF" --ref "$REF" --threads 1 -o "$WORK/self.json" >/dev/null 2>&1 || fail "score of identical folders failed"
"$BIN" score --pred "$REF" --ref "$REF" --compat transunet --hd95 monai --threads 1 -o "$WORK/self_t.json" >/dev/null 2>&1 \
  || fail "score --compat transunet failed"
python3 - "$WORK/self.json" "$WORK/self_t.json" <<'PY' && pass "identical folders: DSC 1, HD95 0, schema and units" || fail "identity scores wrong"
import json, sys
a, t = (json.load(open(p)) for p in sys.argv[1:])
assert a["schema"] == "mis-spectral/result" and a["kind"] == "score"
assert a["classes"] == ["background", "RV", "MYO", "LV"], a["classes"]  # named by dataset.json beside labelsTs
assert a["hd95"] == {"variant": "medpy", "unit": "mm"} and t["hd95"] == {"variant": "monai", "unit": "voxel"}
assert t["convention"] == "transunet"
for doc in (a, t):
    e, = doc["evaluations"]
    assert e["role"] == "score" and len(e["cases"]) == e["dataset"]["cases"] == 1
    for c in e["cases"]:
        for cls, m in c["metrics"].items():
            assert m["dsc"] == 1.0 and m["hd95"] == 0.0, (cls, m)
    assert e["summary"]["mean"]["dsc"] == 1.0
PY
[ -s "$WORK/self.md" ] && grep -q "| \*\*mean\*\* |" "$WORK/self.md" && pass "Markdown summary beside the JSON" || fail "no Markdown summary"

# Bad inputs: one error line, exit 2, no output.
mkdir -p "$WORK/miss" "$WORK/extra" "$WORK/size"
cp "$REF/synth_ts000.nii.gz" "$WORK/miss/other.nii.gz"
expect_error "prediction folder without the case" "no prediction for 1 reference case(s): synth_ts000" \
  "$BIN" score --pred "$WORK/miss" --ref "$REF" -o "$WORK/x.json"
cp "$REF"/*.nii.gz "$WORK/extra/" && cp "$REF/synth_ts000.nii.gz" "$WORK/extra/other.nii.gz"
expect_error "prediction without a reference" "no reference for 1 predicted case(s): other" \
  "$BIN" score --pred "$WORK/extra" --ref "$REF" -o "$WORK/x.json"
"$BIN" synth -o "$WORK/big" --cases 1 --test-cases 1 --size 48 --slices 3 --domains 1 >/dev/null 2>&1
cp "$WORK/big/source/labelsTs/synth_ts000.nii.gz" "$WORK/size/synth_ts000.nii.gz"
expect_error "prediction of another size" "synth_ts000.nii.gz: prediction size 48x48x3 differs from the reference's 32x32x3" \
  "$BIN" score --pred "$WORK/size" --ref "$REF" -o "$WORK/x.json"
cp -r "$D" "$WORK/fewer"
python3 - "$WORK/fewer/dataset.json" <<'PY'
import json, sys
p = sys.argv[1]; j = json.load(open(p)); del j["labels"]["LV"]; json.dump(j, open(p, "w"))
PY
expect_error "label value outside --labels" "label value 3 is not one of the classes 0..2" \
  "$BIN" score --pred "$REF" --ref "$REF" --labels "$WORK/fewer/dataset.json" -o "$WORK/x.json"
expect_error "unknown --hd95" "hd95 'max'" "$BIN" score --pred "$REF" --ref "$REF" --hd95 max -o "$WORK/x.json"
[ ! -e "$WORK/x.json" ] && pass "no result file after failed scores" || fail "partial score result written"

# A tiny model for the model-based commands.
"$BIN" train --data "$D" --iterations 4 --batch-size 2 --model-options '{"base_width":4,"depth":2}' --threads 1 \
  -o "$WORK/run" >/dev/null 2>&1 || fail "training the tiny model failed"
C=$WORK/run/checkpoint.pt

"$BIN" eval -c "$C" --data "$D" --threads 1 -o "$WORK/eval.json" >/dev/null 2>&1 || fail "eval failed"
"$BIN" calibrate -c "$C" --data "$D" --ood "$WORK/data/scanner-b" --temperature-split train --threads 1 \
  -o "$WORK/cal.json" >/dev/null 2>&1 || fail "calibrate failed"
python3 - "$WORK/eval.json" "$WORK/cal.json" <<'PY' && pass "eval has HD95 and calibration; calibrate reports before/after" || fail "eval/calibrate results incomplete"
import json, sys
ev, cal = (json.load(open(p)) for p in sys.argv[1:])
assert ev["hd95"]["variant"] == "medpy"
e = ev["evaluations"][0]
assert all("hd95" in m for c in e["cases"] for m in c["metrics"].values())
assert len(e["calibration"]["bins"]["count"]) == 15 and sum(e["calibration"]["bins"]["count"]) == e["calibration"]["pixels"]
assert cal["kind"] == "calibrate" and cal["temperature"]["temperature"] > 0
assert [x["role"] for x in cal["evaluations"]] == ["iid", "ood"]
for x in cal["evaluations"]:
    assert x["calibration"]["ece"] is not None and x["calibration_temperature_scaled"]["temperature"] == cal["temperature"]["temperature"]
# calibrate and eval see the same probabilities: the same pooled calibration on the IID set.
assert abs(cal["evaluations"][0]["calibration"]["ece"] - e["calibration"]["ece"]) < 1e-6
PY

NS=(noise-sweep -c "$C" --data "$D" --types gaussian,salt-pepper,blur --levels 0,0.2 --threads 1)
"$BIN" "${NS[@]}" --seed 5 -o "$WORK/n1.json" >/dev/null 2>&1 || fail "noise-sweep failed"
"$BIN" "${NS[@]}" --seed 5 -o "$WORK/n2.json" >/dev/null 2>&1 || fail "noise-sweep (repeat) failed"
"$BIN" "${NS[@]}" --seed 6 -o "$WORK/n3.json" >/dev/null 2>&1 || fail "noise-sweep (other seed) failed"
python3 - "$WORK/n1.json" "$WORK/n2.json" "$WORK/n3.json" <<'PY' && pass "noise-sweep: paired seeding, level 0 shared, schema" || fail "noise-sweep results wrong"
import json, sys
a, b, c = (json.load(open(p)) for p in sys.argv[1:])
key = lambda d: [(e["noise"], e["cases"], e["calibration"]) for e in d["evaluations"]]
assert key(a) == key(b), "same seed, different results"
assert [(e["noise"]["type"], e["noise"]["level"]) for e in a["evaluations"]] == [
    ("gaussian", 0), ("gaussian", 0.2), ("salt_pepper", 0), ("salt_pepper", 0.2), ("blur", 0), ("blur", 0.2)]
assert all(e["role"] == "noise" for e in a["evaluations"])
clean = [e for e in a["evaluations"] if e["noise"]["level"] == 0]
assert all(e["cases"] == clean[0]["cases"] for e in clean)
# Another seed changes the random corruptions but not the deterministic blur.
ga, gc = a["evaluations"][1], c["evaluations"][1]
assert ga["calibration"] != gc["calibration"], "another seed gave the same gaussian noise"
assert a["evaluations"][5]["cases"] == c["evaluations"][5]["cases"]
PY
expect_error "unknown corruption" "unknown corruption 'fog'" "$BIN" noise-sweep -c "$C" --data "$D" --types fog -o "$WORK/y.json"
expect_error "negative level" "must be 0 or positive" "$BIN" noise-sweep -c "$C" --data "$D" --levels 0,-1 -o "$WORK/y.json"
finish
