#!/usr/bin/env bash
# report on real results: four tiny runs (spatial / spatial+spectral x two seeds) with eval,
# noise-sweep and calibrate, in the runs/<id>/ layout of `run` with hand-written run.json files,
# plus a pending and a failed run and an ablation. The headline numbers are recomputed here
# from the result JSON; missing runs must read "missing", never 0; every file index.html
# references must exist; the noise plot's polylines must map levels and DSCs linearly.
source "$(dirname "$0")/lib.sh"
tiny_synth "$WORK/data"
D=$WORK/data/source
R=$WORK/results

run_json() {  # run_json ID DATASET MODEL VARIANT SEED STATUS [GROUP SETTING]
  mkdir -p "$R/runs/$1"
  python3 - "$R/runs/$1/run.json" "$@" <<'PY'
import json, sys
path, rid, dataset, model, variant, seed, status = sys.argv[1:8]
group, setting = (sys.argv[8:10] + ["main", ""])[:2] if len(sys.argv) > 8 else ("main", "")
doc = {"schema": "mis-spectral/run", "schema_version": 1, "experiment": "tiny", "id": rid, "status": status,
       "labels": {"dataset": dataset, "model": model, "variant": variant, "group": group, "setting": setting,
                  "seed": int(seed)},
       "train_config": {"model": {"name": model}, "loss": {"lambda": 0 if variant == "spatial" else 0.5}, "seed": int(seed)}}
if status == "failed":
    doc["error"] = "diverged at step 3"
json.dump(doc, open(path, "w"))
PY
}

for seed in 0 1; do
  for lambda in 0 0.5; do
    variant=$([ "$lambda" = 0 ] && echo spatial || echo spectral)
    id="synth-unet-small-$variant-s$seed"
    T=$WORK/train/$id
    "$BIN" train --data "$D" --model unet-small --model-options '{"base_width":4,"depth":2}' --iterations 4 \
      --batch-size 2 --lambda "$lambda" --seed "$seed" --threads 1 -o "$T" >/dev/null 2>&1 || fail "train $id failed"
    run_json "$id" Synth unet-small "$variant" "$seed" complete
    O=$R/runs/$id
    "$BIN" eval -c "$T/checkpoint.pt" --data "$D" --ood "$WORK/data/scanner-b" --threads 1 -o "$O/eval.json" \
      >/dev/null 2>&1 || fail "eval $id failed"
    "$BIN" noise-sweep -c "$T/checkpoint.pt" --data "$D" --types gaussian,blur --levels 0,0.1,0.3 --hd95 off \
      --threads 1 -o "$O/noise.json" >/dev/null 2>&1 || fail "noise-sweep $id failed"
    "$BIN" calibrate -c "$T/checkpoint.pt" --data "$D" --ood "$WORK/data/scanner-b" --threads 1 \
      -o "$O/calibrate.json" >/dev/null 2>&1 || fail "calibrate $id failed"
  done
done
# Runs not done: ACDC x unet, spatial failed and spectral pending; an ablation reusing a result.
run_json acdc-unet-spatial-s0 ACDC unet spatial 0 failed
run_json acdc-unet-spectral-s0 ACDC unet spectral 0 pending
run_json synth-ablation-complex-s0 Synth unet-small spectral 0 complete ablation-mode "λ=0.5 complex"
cp "$R/runs/synth-unet-small-spectral-s0/eval.json" "$R/runs/synth-ablation-complex-s0/eval.json"
# An explain result with two PNGs (a valid 8x8 grey PNG), as explain writes them.
python3 - "$R/runs/synth-unet-small-spectral-s0" <<'PY'
import json, struct, sys, zlib, os
d = sys.argv[1]; os.makedirs(d + "/explain", exist_ok=True)
def png(path, w=8, h=8):
    raw = b"".join(b"\x00" + bytes((x * 32 + y * 8) % 256 for x in range(w)) for y in range(h))
    chunk = lambda t, data: struct.pack(">I", len(data)) + t + data + struct.pack(">I", zlib.crc32(t + data) & 0xffffffff)
    open(path, "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
                           + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
png(d + "/explain/c0_gradcam.png"); png(d + "/explain/c0_overlay.png")
ev = json.load(open(d + "/eval.json"))
doc = {k: ev[k] for k in ("schema", "schema_version", "code_version", "created", "train_config", "model", "classes")}
doc["kind"] = "explain"
doc["evaluations"] = [{"role": "iid", "cases": [{"id": "synth_ts000", "domain": "source", "slice": 1, "class": "LV",
    "energy_in_mask": 0.4, "images": {"gradcam": "explain/c0_gradcam.png", "overlay": "explain/c0_overlay.png"}}],
    "summary": {"mean": {"energy_in_mask": 0.4}}}]
json.dump(doc, open(d + "/explain.json", "w"))
PY
echo '{"name": "tiny study"}' > "$R/experiment.json"

"$BIN" report "$R" --out "$WORK/rep" >"$WORK/stdout.txt" 2>"$WORK/stderr.txt" || fail "report failed: $(cat "$WORK/stderr.txt")"
head -1 "$WORK/stdout.txt" | grep -q "^### Headline" && pass "headline table printed first" || fail "stdout: $(head -3 "$WORK/stdout.txt")"

python3 - "$R" "$WORK/rep" <<'PY' && pass "headline recomputed from the result JSON: mean, sample std, delta pp, missing" || fail "headline numbers wrong"
import csv, glob, json, math, os, statistics, sys
R, rep = sys.argv[1:]
report = json.load(open(rep + "/report.json"))
head = report["tables"][0]
assert head["id"] == "headline" and report["title"] == "tiny study"
cols = head["columns"]
rows = {(r[0], r[1]): r for r in head["rows"]}
def iid(variant):
    return [100 * json.load(open(f))["evaluations"][0]["summary"]["mean"]["dsc"]
            for f in sorted(glob.glob(f"{R}/runs/synth-unet-small-{variant}-s*/eval.json"))]
def ood(variant):
    return [100 * json.load(open(f))["evaluations"][1]["summary"]["mean"]["dsc"]
            for f in sorted(glob.glob(f"{R}/runs/synth-unet-small-{variant}-s*/eval.json"))]
syn = rows[("Synth", "unet-small")]
a, b = iid("spatial"), iid("spectral")
assert len(a) == len(b) == 2
for cell, vals in ((syn[2], a), (syn[3], b), (syn[6], ood("spatial")), (syn[7], ood("spectral"))):
    assert abs(cell["value"] - statistics.mean(vals)) < 1e-9, (cell, vals)
    assert abs(cell["sd"] - statistics.stdev(vals)) < 1e-9, (cell, vals)
    assert cell["n"] == cell["of"] == 2
assert abs(syn[4]["value"] - (statistics.mean(b) - statistics.mean(a))) < 1e-9
acdc = rows[("ACDC", "unet")]
assert acdc[2] == {"status": "failed", "error": "acdc-unet-spatial-s0: diverged at step 3"}, acdc[2]
assert acdc[3] == {"status": "missing"} and acdc[4] == {"status": "missing"}, acdc
assert acdc[10]["value"] == 0.81  # the paper's cardiac UNet gain beside it
# The CSV holds the same numbers; missing stays "missing", never 0.
with open(rep + "/tables/headline.csv", newline="") as f:
    table = list(csv.reader(f))
hdr = table[0]
by = {r[0]: r for r in table[1:]}
assert abs(float(by["Synth"][hdr.index("IID DSC spatial")]) - statistics.mean(a)) < 1e-9
assert abs(float(by["Synth"][hdr.index("IID DSC spatial sd")]) - statistics.stdev(a)) < 1e-9
assert by["ACDC"][hdr.index("IID DSC +spectral")] == "missing"
assert by["ACDC"][hdr.index("IID DSC spatial")] == "failed"
md = open(rep + "/report.md").read()
assert md.startswith("# tiny study\n\n### Headline"), md[:80]
assert "| ACDC | unet | failed | missing | missing | missing |" in md, md
# The ablation row and the calibration table (numbers from calibrate.json).
abl = next(t for t in report["tables"] if t["id"] == "ablations")
assert any(r[0] == "main" and r[2:5] == ["Synth", "unet-small", "spectral"] for r in abl["rows"]), abl["rows"]
assert any(r[:5] == ["ablation-mode", "λ=0.5 complex", "Synth", "unet-small", "spectral"] for r in abl["rows"]), abl["rows"]
cal = next(t for t in report["tables"] if t["id"] == "calibration")
c0 = json.load(open(f"{R}/runs/synth-unet-small-spatial-s0/calibrate.json"))["evaluations"][0]["calibration"]["ece"]
c1 = json.load(open(f"{R}/runs/synth-unet-small-spatial-s1/calibrate.json"))["evaluations"][0]["calibration"]["ece"]
row = next(r for r in cal["rows"] if r[0] == "Synth" and r[2].endswith("(IID)"))
assert abs(row[3]["value"] - (c0 + c1) / 2) < 1e-12, (row, c0, c1)
PY

python3 - "$WORK/rep" <<'PY' && pass "index.html references only files that exist; PNGs copied; SVGs parse" || fail "index.html or figures broken"
import os, re, sys, xml.etree.ElementTree as ET
rep = sys.argv[1]
html = open(rep + "/index.html").read()
refs = re.findall(r'(?:src|href)="([^"#][^"]*)"', html)
assert refs and all(os.path.isfile(os.path.join(rep, r)) for r in refs), [r for r in refs if not os.path.isfile(os.path.join(rep, r))]
assert not any(r.startswith("/") or ".." in r for r in refs)
assert sum(r.endswith(".png") for r in refs) == 4 and sum(r.endswith(".svg") for r in refs) >= 2 * 4
for f in os.listdir(rep + "/figures"):
    if f.endswith(".svg"):  # beside them their PDF and PNG renderings (test_report_files.sh)
        ET.parse(os.path.join(rep, "figures", f))  # well-formed XML
PY

python3 - "$WORK/rep" <<'PY' && pass "noise plot polylines map levels and DSC linearly" || fail "noise plot wrong"
import json, re, sys
rep = sys.argv[1]
report = json.load(open(rep + "/report.json"))
noise = next(t for t in report["tables"] if t["id"] == "noise")
rows = [r for r in noise["rows"] if r[2] == "gaussian"]
levels = [float(r[3]) for r in rows]
svg = open(rep + "/figures/noise_Synth_unet-small_gaussian.svg").read()
lines = re.findall(r'<polyline class="series" data-series="([^"]+)"[^>]*points="([^"]+)"', svg)
assert [n for n, _ in lines] == ["spatial only", "spatial + spectral"], lines
px = [[tuple(map(float, p.split(","))) for p in pts.split()] for _, pts in lines]
dsc = [[r[4]["value"] for r in rows], [r[5]["value"] for r in rows]]
xs = [p[0] for p in px[0]]
assert abs((xs[1] - xs[0]) / (levels[1] - levels[0]) - (xs[2] - xs[0]) / (levels[2] - levels[0])) < 1e-2
# One affine map y = a + b * dsc for both series (same axes).
pairs = [(d, p[1]) for s in range(2) for d, p in zip(dsc[s], px[s])]
(d0, y0), (d1, y1) = min(pairs), max(pairs)
if d1 != d0:
    b = (y1 - y0) / (d1 - d0)
    assert b < 0
    assert all(abs(y0 + b * (d - d0) - y) < 1e-2 for d, y in pairs), pairs
PY

"$BIN" report "$R" -o "$WORK/only.md" >/dev/null 2>&1 && [ -s "$WORK/only.md" ] && grep -q "^### Headline" "$WORK/only.md" \
  && pass "-o FILE.md writes only the Markdown" || fail "-o FILE.md"
expect_error "report of a missing folder" "does not exist" "$BIN" report "$WORK/nope" --out "$WORK/rep2"
[ ! -e "$WORK/rep2" ] && pass "no report folder after an error" || fail "partial report folder"
finish
