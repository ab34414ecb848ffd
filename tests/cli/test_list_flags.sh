#!/usr/bin/env bash
# List flags (cli/config_flags.h, parse_list): one strict parser for every flag that takes a list
# (noise-sweep --types/--levels, preprocess --spacing/--ct-window/--percentiles, train's LOW:HIGH
# ranges and --spectral-band). A list written with separators and the same list as JSON give the
# same settings; a malformed item is one error line naming the flag, before any work.
source "$(dirname "$0")/lib.sh"
tiny_synth "$WORK/data" 1
D=$WORK/data/source

# The settings a train command resolves, from the config.json of a 1-step run.
trained() {
  local out=$1; shift
  "$BIN" train --data "$D" --batch-size 2 --model-options '{"base_width":4,"depth":2}' --threads 1 \
    --iterations 1 -o "$out" "$@" >/dev/null 2>&1 || { fail "train $* failed"; return 1; }
}
trained "$WORK/sep" --brightness-range 0.8:1.25 --spectral-band 0.1:0.5 --lambda 0.5 --brightness-p 0.5
trained "$WORK/json" --brightness-range '[0.8,1.25]' --spectral-band '[0.1,0.5]' --lambda 0.5 --brightness-p 0.5
python3 - "$WORK/sep/config.json" "$WORK/json/config.json" <<'PY' \
  && pass "train: LOW:HIGH and a JSON list give the same ranges" || fail "train: ranges read wrong"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
def find(doc, key):  # the key wherever the config file nests it
    if isinstance(doc, dict):
        if key in doc: return doc[key]
        for v in doc.values():
            r = find(v, key)
            if r is not None: return r
    return None
ok = all(find(d, "brightness_range") == [0.8, 1.25] and find(d, "spectral_band") == [0.1, 0.5] for d in (a, b))
sys.exit(0 if ok else 1)
PY

C=$WORK/sep/checkpoint.pt
"$BIN" noise-sweep -c "$C" --data "$D" --types gaussian,blur --levels 0,0.25 --hd95 off --threads 1 \
  -o "$WORK/a.json" >/dev/null 2>&1
"$BIN" noise-sweep -c "$C" --data "$D" --types '["gaussian","blur"]' --levels '[0, 0.25]' --hd95 off --threads 1 \
  -o "$WORK/b.json" >/dev/null 2>&1
python3 - "$WORK/a.json" "$WORK/b.json" <<'PY' && pass "noise-sweep: comma lists and JSON lists agree" \
  || fail "noise-sweep: lists read wrong"
import json, sys
a, b = (json.load(open(p))["config"] for p in sys.argv[1:])
ok = all(c["types"] == ["gaussian", "blur"] and c["levels"] == [0, 0.25] for c in (a, b))
sys.exit(0 if ok else 1)
PY

NS=(noise-sweep -c "$C" --data "$D" -o "$WORK/x.json")
expect_error "a number with a tail" "levels: cannot read '0.1x'" "$BIN" "${NS[@]}" --levels 0,0.1x
expect_error "an empty item" "levels: empty item in '0,,0.1'" "$BIN" "${NS[@]}" --levels 0,,0.1
expect_error "nan is no level" "cannot read 'nan'" "$BIN" "${NS[@]}" --levels 0,nan
expect_error "an empty type" "types: empty item" "$BIN" "${NS[@]}" --types gaussian,
expect_error "a JSON list of the wrong kind" "types: '1' in" "$BIN" "${NS[@]}" --types '[1]'
expect_error "a range of one number" "brightness-range: expected 2 numbers" \
  "$BIN" train --data "$D" -o "$WORK/t1" --brightness-range 0.8
expect_error "a range of three numbers" "blur-sigma: expected 2 numbers" \
  "$BIN" train --data "$D" -o "$WORK/t2" --blur-sigma 0.5:1:2
expect_error "a band with a tail" "spectral-band: cannot read '0.5x'" \
  "$BIN" train --data "$D" -o "$WORK/t3" --spectral-band 0.1:0.5x
expect_error "a window of one number" "ct-window: expected 2 numbers" \
  "$BIN" preprocess -d synapse -i "$WORK" -o "$WORK/p1" --ct-window=-125
expect_error "a spacing with a word" "spacing: cannot read 'x'" \
  "$BIN" preprocess -d synapse -i "$WORK" -o "$WORK/p2" --spacing 1.5,x,3
[ ! -e "$WORK/x.json" ] && [ ! -e "$WORK/t1" ] && [ ! -e "$WORK/p1" ] && pass "nothing written after a refused list" \
  || fail "a refused list left output behind"
finish
