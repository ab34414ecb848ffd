#!/usr/bin/env bash
# A build without ITK (-DMIS_WITH_ITK=OFF), as on a GPU node with only PyTorch: synth writes
# packs, and train, eval, noise-sweep, calibrate, explain, bench and report run on them; what
# needs ITK fails with one line saying what to do.
source "$(dirname "$0")/../cli/lib.sh"
err=$("$BIN" synth -o "$WORK/d" --cases 2 --test-cases 1 --size 32 --slices 3 --domains 2 --seed 1 2>&1 >/dev/null)
[ -f "$WORK/d/source/pack/pack.json" ] && [ ! -d "$WORK/d/source/imagesTr" ] && pass "synth wrote packs, no NIfTI" \
  || fail "synth without ITK: $err"
D=$WORK/d/source O=$WORK/d/scanner-b
T=(train --iterations 4 --batch-size 2 --model-options '{"base_width":4,"depth":2}' --threads 1 --seed 3)
"$BIN" "${T[@]}" --data "$D" -o "$WORK/run" >/dev/null 2>&1 && pass "train on the folder's pack" || fail "train failed"
C=$WORK/run/checkpoint.pt
run_ok() {  # run_ok NAME OUTPUT CMD...: exits 0 and writes OUTPUT
  local name=$1 out=$2; shift 2
  local err; err=$("$@" 2>&1 >/dev/null) && [ -s "$out" ] && pass "$name" || fail "$name: $err"
}
run_ok "eval (HD95 off)" "$WORK/e.json" "$BIN" eval -c "$C" --data "$D" --ood "$O" --hd95 off --threads 1 -o "$WORK/e.json"
run_ok "noise-sweep" "$WORK/n.json" "$BIN" noise-sweep -c "$C" --data "$O" --types gaussian --levels 0,0.1 --hd95 off \
  --threads 1 -o "$WORK/n.json"
run_ok "calibrate" "$WORK/c.json" "$BIN" calibrate -c "$C" --data "$D" --ood "$O" --threads 1 -o "$WORK/c.json"
run_ok "explain (JSON, no PNG)" "$WORK/x.json" "$BIN" explain -c "$C" --data "$D" --num-cases 1 --threads 1 -o "$WORK/x.json"
run_ok "bench" "$WORK/b.json" "$BIN" bench --model unet-small --size 32 --batch-size 2 --steps 2 --warmup 1 --no-peak \
  --threads 1 --json-out "$WORK/b.json"
mkdir -p "$WORK/res" && cp "$WORK/e.json" "$WORK/n.json" "$WORK/c.json" "$WORK/res/"
run_ok "report" "$WORK/rep/report.md" "$BIN" report "$WORK/res" --out "$WORK/rep"
"$BIN" eval -c "$C" --data "$D/pack" --ood "$O/pack" --hd95 off --threads 1 -o "$WORK/e2.json" >/dev/null 2>&1
same_eval_results "$WORK/e.json" "$WORK/e2.json" 4 && pass "--data FOLDER and --data FOLDER/pack read the same cases" \
  || fail "FOLDER and FOLDER/pack evaluate differently"

expect_error "HD95 without ITK" "pass --hd95 off" "$BIN" eval -c "$C" --data "$D" --threads 1 -o "$WORK/h.json"
expect_error "explain --images without ITK" "drop --images" \
  "$BIN" explain -c "$C" --data "$D" --images "$WORK/img" --threads 1 -o "$WORK/x2.json"
expect_error "pack without ITK" "run pack where ITK is available" "$BIN" pack "$WORK/d"
mkdir -p "$WORK/nifti/imagesTr" && cp "$D/dataset.json" "$WORK/nifti/"
expect_error "NIfTI folder without a pack" "no pack (pack/pack.json); write one where ITK is available" \
  "$BIN" "${T[@]}" --data "$WORK/nifti" -o "$WORK/run2"
# On a machine without a GPU, one line; on the GPU machine (scripts/gpu-check.sh), a run.
err=$("$BIN" "${T[@]}" --data "$D" -o "$WORK/run3" --device cuda 2>&1 >/dev/null); rc=$?
if [ $rc -eq 0 ]; then pass "--device cuda: trained on the GPU"
elif [ $rc -eq 2 ] && [ "$(echo "$err" | wc -l)" -eq 1 ] && echo "$err" | grep -q "use --device cpu"; then
  pass "--device cuda without a GPU: $err"
else fail "--device cuda: exit $rc: $err"; fi
finish
