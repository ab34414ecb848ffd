#!/usr/bin/env bash
# explain on a tiny synthetic run: the result schema, PNGs at the paths the JSON names,
# energy shares in [0, 1], the same numbers from two runs trained with the same seed, the
# choice of case/class/layer/folder, and one-line errors that list the valid layers and classes.
source "$(dirname "$0")/lib.sh"
tiny_synth "$WORK/data"
D=$WORK/data/source

for run in a b; do
  "$BIN" train --data "$D" --model unet-small --iterations 4 --batch-size 2 --seed 3 --threads 1 \
    -o "$WORK/run_$run" >/dev/null 2>&1 || fail "training run $run failed"
done
"$BIN" explain -c "$WORK/run_a/checkpoint.pt" --data "$D" --threads 1 -o "$WORK/out/ex_a.json" >"$WORK/ex_a.txt" 2>/dev/null \
  || fail "explain failed"
"$BIN" explain -c "$WORK/run_b/checkpoint.pt" --data "$D" --threads 1 -o "$WORK/out/ex_b.json" >/dev/null 2>&1 \
  || fail "explain (second run) failed"
grep -q "^wrote $WORK/out/ex_a.json (images in $WORK/out/ex_a)" "$WORK/ex_a.txt" && pass "prints where it wrote" \
  || fail "no 'wrote' line: $(cat "$WORK/ex_a.txt")"
python3 - "$WORK/out/ex_a.json" "$WORK/out/ex_b.json" <<'PY' && pass "schema, PNGs, shares in [0,1], same seed same numbers" || fail "explain result wrong"
import json, os, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
folder = os.path.dirname(sys.argv[1])
assert a["schema"] == "mis-spectral/result" and a["kind"] == "explain"
assert a["layer"] == "decoder.3" and "bottleneck" in a["layers"], a["layer"]  # unet-small: depth 4
assert a["classes"] == ["background", "RV", "MYO", "LV"] and a["images_folder"] == "ex_a"
e, = a["evaluations"]
assert e["role"] == "iid" and e["dataset"]["cases"] == 1
# Default: every foreground class of the first (only) test case.
assert [(c["id"], c["class"]) for c in e["cases"]] == [("synth_ts000", k) for k in ("RV", "MYO", "LV")]
shares = []
for c in e["cases"]:
    assert 0 <= c["slice"] < 3 and c["slice_basis"] in ("reference", "prediction", "middle")
    for kind in ("gradcam", "overlay"):
        p = os.path.join(folder, c["images"][kind])
        assert c["images"][kind].startswith("ex_a/") and os.path.isfile(p), p
        head = open(p, "rb").read(24)
        # 32 px enlarged x8; the Grad-CAM has its colour bar at the right: a 256 / 32 gap, 256 / 12 of scale.
        width = 256 + (256 // 32 + 256 // 12 if kind == "gradcam" else 0)
        assert head[:8] == b"\x89PNG\r\n\x1a\n" and head[16:24] == width.to_bytes(4, "big") + (256).to_bytes(4, "big"), p
    s = c["energy_in_mask"]
    if s is None:
        assert c["note"], c
    else:
        assert 0.0 <= s <= 1.0, s
        shares.append(s)
    assert c["dsc"] is None or 0.0 <= c["dsc"] <= 1.0
assert shares, "no energy share at all"
m = e["summary"]["mean"]["energy_in_mask"]
assert abs(m - sum(shares) / len(shares)) < 1e-12, (m, shares)  # one case: mean of class means
key = lambda d: [(c["slice"], c["energy_in_mask"], c["dsc"]) for c in d["evaluations"][0]["cases"]]
assert key(a) == key(b), (key(a), key(b))
PY

# One class, one named case, another layer, outlines, an explicit image folder.
"$BIN" explain -c "$WORK/run_a/checkpoint.pt" --data "$D" --class LV --cases synth_ts000 --layer bottleneck \
  --overlay-style outline --images "$WORK/pngs" --threads 1 -o "$WORK/out/ex_c.json" >/dev/null 2>&1 \
  || fail "explain with --class/--cases/--layer failed"
python3 - "$WORK/out/ex_c.json" <<'PY' && pass "--class, --cases, --layer, --images" || fail "explain options not applied"
import json, os, sys
d = json.load(open(sys.argv[1]))
e, = d["evaluations"]
assert d["layer"] == "bottleneck" and d["method"]["overlay"]["style"] == "outline"
c, = e["cases"]
assert c["class"] == "LV" and c["images"]["overlay"] == "../pngs/synth_ts000_LV_overlay.png", c["images"]
assert os.path.isfile(os.path.join(os.path.dirname(sys.argv[1]), c["images"]["gradcam"]))
PY

C=$WORK/run_a/checkpoint.pt
expect_error "unknown layer lists the valid ones" \
  "layer 'nope' is not a capturable layer of unet-small; choose one of: stem, encoder.0, encoder.1, encoder.2, bottleneck, decoder.0" \
  "$BIN" explain -c "$C" --data "$D" --layer nope -o "$WORK/bad/x.json"
expect_error "unknown class lists the valid ones" "class 'Liver' is not a foreground class of this model; choose one of: RV, MYO, LV" \
  "$BIN" explain -c "$C" --data "$D" --class Liver -o "$WORK/bad/x.json"
expect_error "unknown case" "no case 'synth_ts009' in its test split; choose from: synth_ts000" \
  "$BIN" explain -c "$C" --data "$D" --cases synth_ts009 -o "$WORK/bad/x.json"
expect_error "unknown overlay style" "overlay style 'dots' is unknown; use fill or outline" \
  "$BIN" explain -c "$C" --data "$D" --overlay-style dots -o "$WORK/bad/x.json"
[ ! -e "$WORK/bad/x.json" ] && [ ! -e "$WORK/bad/x" ] && pass "no result or image folder after failed runs" \
  || fail "partial explain output written"
finish
