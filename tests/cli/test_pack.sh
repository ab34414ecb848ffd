#!/usr/bin/env bash
# Dataset packs: synth writes one per domain; training and evaluating on a folder's NIfTI files
# and on its pack give identical results; `pack` rewrites packs and never a folder of the user's.
source "$(dirname "$0")/lib.sh"
tiny_synth "$WORK/d" 5
D=$WORK/d/source
for domain in source scanner-b; do
  [ -f "$WORK/d/$domain/pack/pack.json" ] && pass "synth wrote $domain/pack" || fail "no pack in $domain"
done

T=(train --iterations 6 --batch-size 2 --model-options '{"base_width":4,"depth":2}' --threads 1 --log-every 1 --seed 3)
"$BIN" "${T[@]}" --data "$D" -o "$WORK/from_nifti" >/dev/null 2>&1 || fail "train on NIfTI failed"
"$BIN" "${T[@]}" --data "$D/pack" -o "$WORK/from_pack" >/dev/null 2>&1 || fail "train on the pack failed"
losses() { python3 -c "import json,sys; print([json.loads(l)['loss'] for l in open(sys.argv[1])])" "$1"; }
[ "$(losses "$WORK/from_nifti/train_log.jsonl")" = "$(losses "$WORK/from_pack/train_log.jsonl")" ] \
  && pass "the same losses at every step from NIfTI and from the pack" || fail "losses differ between NIfTI and pack"
for run in from_nifti from_pack; do
  for src in nifti pack; do
    data=$WORK/d/scanner-b; [ $src = pack ] && data=$WORK/d/scanner-b/pack
    "$BIN" eval -c "$WORK/$run/checkpoint.pt" --data "$data" --split test --threads 1 -o "$WORK/$run.$src.json" \
      >/dev/null 2>&1 || fail "eval $run on $src failed"
  done
done
n=0
for f in from_nifti.pack from_pack.nifti from_pack.pack; do
  same_eval_results "$WORK/from_nifti.nifti.json" "$WORK/$f.json" 6 && n=$((n + 1)) || fail "eval $f differs from NIfTI/NIfTI"
done
[ $n -eq 3 ] && pass "identical per-case metrics (DSC, IoU, HD95) for both trainings on both readers"

# preprocess writes the pack of what it wrote, which evaluates like its NIfTI files.
"$BIN" preprocess --dataset nnunet --input "$D" -o "$WORK/prep" >/dev/null 2>&1 || fail "preprocess failed"
[ -f "$WORK/prep/pack/pack.json" ] && pass "preprocess wrote prep/pack" || fail "preprocess wrote no pack"
for src in "$WORK/prep" "$WORK/prep/pack"; do
  "$BIN" eval -c "$WORK/from_nifti/checkpoint.pt" --data "$src" --split test --threads 1 -o "$src.eval.json" >/dev/null 2>&1
done
same_eval_results "$WORK/prep.eval.json" "$WORK/prep/pack.eval.json" 6 \
  && pass "preprocess's pack evaluates like its NIfTI files" || fail "preprocess's pack evaluates otherwise"

# pack rewrites synth's packs with the same contents.
cp -r "$D/pack" "$WORK/synth_pack"
out=$("$BIN" pack "$WORK/d" 2>/dev/null)
[ "$(echo "$out" | grep -c '^packed ')" -eq 2 ] && pass "pack: both domains ($out)" || fail "pack printed: $out"
python3 - "$WORK/synth_pack" "$D/pack" <<'PY' && pass "pack and synth wrote the same pack.json" || fail "pack.json differs"
import json, sys
sys.exit(0 if json.load(open(sys.argv[1] + "/pack.json")) == json.load(open(sys.argv[2] + "/pack.json")) else 1)
PY
"$BIN" eval -c "$WORK/from_nifti/checkpoint.pt" --data "$D/pack" --split train --threads 1 -o "$WORK/re.json" >/dev/null 2>&1
"$BIN" eval -c "$WORK/from_nifti/checkpoint.pt" --data "$D" --split train --threads 1 -o "$WORK/re_nifti.json" >/dev/null 2>&1
same_eval_results "$WORK/re_nifti.json" "$WORK/re.json" 6 && pass "the repacked pack evaluates like the NIfTI" \
  || fail "the repacked pack evaluates otherwise"

# A pack/ folder that is the user's own is never replaced; a folder without dataset.json has nothing to pack.
mkdir -p "$WORK/user/pack" && cp "$D/dataset.json" "$WORK/user/" && echo keep > "$WORK/user/pack/notes.txt"
cp -r "$D/imagesTr" "$D/labelsTr" "$WORK/user/"
expect_error "pack over a folder of the user's" "user/pack" "$BIN" pack "$WORK/user"
[ -f "$WORK/user/pack/notes.txt" ] && pass "the user's pack/ folder is intact" || fail "the user's file is gone"
mkdir -p "$WORK/empty"
expect_error "pack of a folder without datasets" "holds no dataset.json" "$BIN" pack "$WORK/empty"

# A damaged case file is named, not read.
f=$(ls "$D/pack/train/"*.pt | head -1)
python3 - "$f" <<'PY'
import sys
p = sys.argv[1]; b = bytearray(open(p, "rb").read()); b[len(b) // 2] ^= 0x10; open(p, "wb").write(bytes(b))
PY
expect_error "a damaged pack case" "$(basename "$f"): not a readable dataset pack case" \
  "$BIN" eval -c "$WORK/from_nifti/checkpoint.pt" --data "$D/pack" --split train --threads 1 -o "$WORK/bad.json"
finish
