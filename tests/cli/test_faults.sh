#!/usr/bin/env bash
# Nothing lost, ever (issue 20): no command deletes what it did not write, every write that
# meets a full disk ends in one "disk full?" line with exit 2 and no partial file, damaged
# checkpoints and bad settings are refused by name, and SIGKILL at any point of training
# resumes to the result of an uninterrupted run.
source "$(dirname "$0")/lib.sh"
tiny_synth "$WORK/data"
D=$WORK/data/source
TINY='{"base_width":4,"depth":2}'
T=(train --data "$D" --iterations 4 --batch-size 2 --model-options "$TINY" --threads 1)
"$BIN" "${T[@]}" -o "$WORK/runA" >/dev/null 2>&1 || fail "a good run failed"

# expect_error, after dropping the progress lines long commands print on stderr.
expect_error_after_progress() {
  local name=$1 pattern=$2; shift 2
  expect_error "$name" "$pattern" bash -c '"$@" 2> >(grep -v " \[[#.]*\] " >&2)' progress "$@"
}
# A digest of every file under a folder: equal before and after means nothing was lost.
digest() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 md5sum | md5sum); }
# No temporary or staging leftovers anywhere below a folder.
no_leftovers() { [ -z "$(find "$1" \( -name '.tmp*' -o -name '*.partial*' -o -name '*.old*' \) 2>/dev/null)" ]; }

# ---- 1. Output folders: only a command's own earlier output, or an empty folder, is replaced.
mkdir -p "$WORK/res/runs"
cp -r "$WORK/runA" "$WORK/res/runs/a"
"$BIN" eval -c "$WORK/runA/checkpoint.pt" --data "$D" -o "$WORK/res/runs/a/eval.json" --threads 1 >/dev/null 2>&1 \
  || fail "eval of runA failed"
before=$(digest "$WORK/res")
runs_before=$(digest "$WORK/res/runs")
expect_error "report --out its own input" "res: --out is, or contains, the input .*res" "$BIN" report "$WORK/res" --out "$WORK/res"
expect_error "report --out a parent of its input" "$WORK: --out is, or contains, the input" "$BIN" report "$WORK/res" --out "$WORK"
[ "$(digest "$WORK/res")" = "$before" ] && pass "the results are untouched" || fail "report changed its input"
mkdir -p "$WORK/mine" && echo "my notes" > "$WORK/mine/notes.txt"
expect_error "report --out a folder of the user's" "mine: exists, is not empty and was not written by mis-spectral report" \
  "$BIN" report "$WORK/res" --out "$WORK/mine"
[ "$(cat "$WORK/mine/notes.txt")" = "my notes" ] && pass "the user's folder is untouched" || fail "user's folder changed"
"$BIN" report "$WORK/res" --out "$WORK/res/report" >/dev/null 2>&1 && "$BIN" report "$WORK/res" --out "$WORK/res/report" >/dev/null 2>&1 \
  && [ -f "$WORK/res/report/index.html" ] && pass "a report inside its results is written, and replaced on a rerun" \
  || fail "report into RES/report failed"
[ "$(digest "$WORK/res/runs")" = "$runs_before" ] && pass "writing RES/report left the runs alone" || fail "the runs changed"
# The report folder inside the results is output, not input: the same tables either way.
"$BIN" report "$WORK/res" --out "$WORK/rep2.md" >/dev/null 2>&1
cmp -s "$WORK/rep2.md" "$WORK/res/report/report.md" && pass "a report inside the results is not read as results" \
  || fail "the report read its own earlier output"
expect_error "report --out a synth output" "holds the output of mis-spectral synth" "$BIN" report "$WORK/res" --out "$WORK/data"

expect_error "synth -o a folder of the user's" "mine: exists, is not empty and was not written by mis-spectral synth" \
  "$BIN" synth -o "$WORK/mine" --cases 1 --test-cases 1 --size 32 --slices 3 --domains 1
"$BIN" synth -o "$WORK/syn2" --cases 1 --test-cases 1 --size 32 --slices 3 --domains 1 >/dev/null 2>&1 &&
  "$BIN" synth -o "$WORK/syn2" --cases 1 --test-cases 1 --size 32 --slices 3 --domains 1 --seed 9 >/dev/null 2>&1 &&
  [ "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["seed"])' "$WORK/syn2/synth.json")" = 9 ] \
  && pass "synth replaces its own earlier output" || fail "synth could not replace its own output"
mkdir -p "$WORK/empty"
"$BIN" synth -o "$WORK/empty" --cases 1 --test-cases 1 --size 32 --slices 3 --domains 1 >/dev/null 2>&1 \
  && [ -f "$WORK/empty/synth.json" ] && pass "synth writes into an empty folder" || fail "synth refused an empty folder"
expect_error "preprocess -o a folder of the user's" "mine: exists, is not empty and was not written by mis-spectral preprocess" \
  "$BIN" preprocess -d nnunet -i "$D" -o "$WORK/mine"
expect_error "preprocess -o its own input" "source: the output folder lies inside the input folder" \
  "$BIN" preprocess -d nnunet -i "$D" -o "$D"
expect_error "eval --save-predictions into the references" "labelsTs: exists, is not empty and was not written by mis-spectral eval" \
  "$BIN" eval -c "$WORK/runA/checkpoint.pt" --data "$D" -o "$WORK/e.json" --save-predictions "$D/labelsTs"
[ "$(cat "$WORK/mine/notes.txt")" = "my notes" ] && pass "the user's folder survived every writer" || fail "user's folder changed"

# ---- 2/3. A full disk: for each writer, one line, exit 2, no partial file, nothing lost.
# A small tmpfs where we are root (CI is); elsewhere a per-file size limit (ulimit -f, with
# SIGXFSZ ignored so that the write fails with EFBIG instead of killing the process).
FULL=$WORK/full
mkdir -p "$FULL"
if mount -t tmpfs -o size=400k tmpfs "$FULL" 2>/dev/null; then
  trap 'umount "$FULL" 2>/dev/null; rm -rf "$WORK"' EXIT
  FULL_WRAP=()
  echo "# full disk: a 400 KiB tmpfs"
else
  FULL_WRAP=(bash -c 'trap "" XFSZ; ulimit -f 400; exec "$@"' full)
  echo "# full disk: ulimit -f 400 (no permission to mount a tmpfs)"
fi
# fill FOLDER: leave only a few KiB free on the tmpfs (nothing to do under ulimit).
fill() { dd if=/dev/zero of="$FULL/ballast" bs=1k count=$1 >/dev/null 2>&1; }

disk_full_error() {  # disk_full_error NAME FILE-PATTERN CMD...: one line naming the file, "disk full?", exit 2
  local name=$1 pattern=$2; shift 2
  expect_error_after_progress "$name" "$pattern.*disk full?" "${FULL_WRAP[@]}" "$@"
}
mkdir -p "$FULL/run"
disk_full_error "train: checkpoint on a full disk" "checkpoint.pt" \
  "$BIN" train --data "$D" --iterations 2 --batch-size 2 --threads 1 --model unet-small -o "$FULL/run"
[ ! -e "$FULL/run/checkpoint.pt" ] && no_leftovers "$FULL" && pass "no checkpoint and no temporary left" \
  || fail "partial checkpoint left: $(ls -a "$FULL/run")"
rm -rf "$FULL/run"

fill 360
disk_full_error "eval --save-predictions on a full disk" "nii.gz" \
  "$BIN" eval -c "$WORK/runA/checkpoint.pt" --data "$D" -o "$WORK/e_full.json" --threads 1 \
  --save-predictions "$FULL/pred" --save-probabilities
[ ! -e "$WORK/e_full.json" ] && no_leftovers "$FULL" && pass "no result and no partial prediction" \
  || fail "partial output after a full disk: $(find "$FULL" -name '.tmp*')"
[ -z "$(find "$FULL/pred" -type f -size 0 2>/dev/null)" ] && pass "no 0-byte prediction files" || fail "0-byte predictions left"
rm -rf "$FULL/pred"

disk_full_error "synth on a full disk" "nii.gz" \
  "$BIN" synth -o "$FULL/syn" --cases 2 --test-cases 1 --size 64 --slices 8 --domains 2
[ ! -e "$FULL/syn" ] && no_leftovers "$FULL" && pass "no synth folder left" || fail "synth left: $(ls -a "$FULL")"
rm -f "$FULL/ballast"; fill 395
disk_full_error "report on a full disk" "report" "$BIN" report "$WORK/res" --out "$FULL/report"
[ ! -e "$FULL/report" ] && no_leftovers "$FULL" && pass "no report folder left" || fail "report left: $(ls -a "$FULL")"
disk_full_error "score on a full disk" "s.json\|s.md" \
  "$BIN" score --pred "$D/labelsTs" --ref "$D/labelsTs" -o "$FULL/s.json"
[ ! -e "$FULL/s.json" ] && [ ! -e "$FULL/s.md" ] && no_leftovers "$FULL" && pass "score left neither file" \
  || fail "score left: $(ls -a "$FULL")"

mkdir -p "$FULL/prep"
disk_full_error "preprocess on a full disk" "nii.gz\|json" "$BIN" preprocess -d nnunet -i "$D" -o "$FULL/prep/out" --threads 1
[ ! -e "$FULL/prep/out" ] && pass "no preprocess output published" || fail "preprocess published a partial output"
rm -rf "$FULL/prep"   # its staging folder stays for a resume by design: preprocess's own, removed here
disk_full_error "explain on a full disk" "png\|json" "$BIN" explain -c "$WORK/runA/checkpoint.pt" --data "$D" \
  -o "$FULL/x.json" --num-cases 1 --threads 1
[ ! -e "$FULL/x.json" ] && no_leftovers "$FULL" && pass "explain left no result and no temporary" \
  || fail "explain left: $(ls -a "$FULL")"
rm -rf "$FULL"/*
expect_error "explain --images into a folder of the user's" "mine: exists, is not empty and was not written by mis-spectral explain" \
  "$BIN" explain -c "$WORK/runA/checkpoint.pt" --data "$D" -o "$WORK/x.json" --images "$WORK/mine" --num-cases 1

# `run` on a full disk: each run is recorded as failed with the reason, and every run is tried.
cat > "$WORK/full_exp.json" <<JSON
{"name": "full", "datasets": {"d": {"data": "$D"}},
 "models": {"m": {"name": "unet-small"}}, "losses": {"spatial": {"lambda": 0}},
 "train": {"iterations": 2, "batch_size": 2}, "evaluations": {"eval": {}},
 "grid": [{"group": "main", "datasets": ["d"], "models": ["m"], "losses": ["spatial"], "seeds": [0, 1]}]}
JSON
out=$("${FULL_WRAP[@]}" "$BIN" run "$WORK/full_exp.json" --results "$FULL/study" --threads 1 2>&1); rc=$?
failed=$(python3 - "$FULL/study" <<'PY'
import glob, json, sys
records = [json.load(open(p)) for p in glob.glob(sys.argv[1] + "/runs/*/run.json")]
print(sum(r["status"] == "failed" and "disk full?" in r["error"] for r in records))
PY
)
[ $rc -eq 2 ] && [ "$failed" = 2 ] && echo "$out" | grep -q "2 failed" && no_leftovers "$FULL" \
  && pass "run on a full disk: both runs tried and recorded as failed with the reason" \
  || fail "run on a full disk: exit $rc, $failed runs recorded failed: $out"
rm -rf "$FULL/study"

# score writes its JSON and Markdown together: when the .md cannot be written, no .json either.
mkdir -p "$WORK/sc/s.md"
expect_error_after_progress "score: the .md cannot be written" "s.md: is a folder" "$BIN" score --pred "$D/labelsTs" --ref "$D/labelsTs" -o "$WORK/sc/s.json"
[ ! -e "$WORK/sc/s.json" ] && pass "score left no .json without its .md" || fail "score left its .json"

# ---- 4. Non-finite training: no checkpoint of diverged weights; the message says what is kept.
expect_error_after_progress "divergence before any checkpoint" "training diverged at step .*no checkpoint was written" \
  "$BIN" train --data "$D" --iterations 30 --batch-size 2 --model-options "$TINY" --threads 1 --lr 1e30 \
  --checkpoint-every 100 -o "$WORK/diverged"
[ ! -e "$WORK/diverged/checkpoint.pt" ] && pass "no checkpoint of diverged weights" || fail "a diverged checkpoint was saved"
expect_error_after_progress "divergence after a checkpoint" "training diverged at step .*the checkpoint of step [0-9]* in .*diverged2 is kept" \
  "$BIN" train --data "$D" --iterations 30 --batch-size 2 --model-options "$TINY" --threads 1 --lr 1e30 \
  --checkpoint-every 1 -o "$WORK/diverged2"

# ---- 8. A batch larger than the data is refused at once.
expect_error_after_progress "--batch-size 1000000000" "batch-size 1000000000 is larger than the 6 training slices" \
  timeout 60 "$BIN" train --data "$D" --iterations 2 --batch-size 1000000000 --model-options "$TINY" --threads 1 -o "$WORK/huge"
# SIGTERM stops training within moments and leaves a resumable checkpoint.
"$BIN" train --data "$D" --iterations 100000 --batch-size 2 --model-options "$TINY" --threads 1 -o "$WORK/term" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 400); do [ -s "$WORK/term/train_log.jsonl" ] && break; sleep 0.05; done
kill -TERM $pid
waited=0
while kill -0 $pid 2>/dev/null && [ $waited -lt 100 ]; do sleep 0.1; waited=$((waited + 1)); done
if kill -0 $pid 2>/dev/null; then kill -9 $pid; fail "SIGTERM did not stop train within 10 s"; else pass "SIGTERM stopped train"; fi
wait $pid 2>/dev/null
[ -f "$WORK/term/checkpoint.pt" ] && pass "the stopped run kept a checkpoint" || fail "no checkpoint after SIGTERM"

# A second stop signal ends the process at once (for work with no safe point soon).
"$BIN" train --data "$D" --iterations 100000 --batch-size 2 --model-options "$TINY" --threads 1 -o "$WORK/term2" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 400); do [ -s "$WORK/term2/train_log.jsonl" ] && break; sleep 0.05; done
# Both signals wait while the process is stopped, so the second arrives before a step can end
# (same signals would merge into one).
kill -STOP $pid; kill -TERM $pid; kill -INT $pid; kill -CONT $pid
wait $pid 2>/dev/null; rc=$?
[ $rc -eq 143 ] || [ $rc -eq 130 ] && pass "a second stop signal ended train at once (exit $rc)" \
  || fail "a second stop signal: exit $rc, expected death by SIGTERM or SIGINT"

# ---- 11. Checkpoint integrity: a flipped byte in the weights or the metadata is named.
cp "$WORK/runA/checkpoint.pt" "$WORK/flip_w.pt"
python3 - "$WORK/flip_w.pt" <<'PY'
import sys
p = sys.argv[1]; b = bytearray(open(p, "rb").read())
# The state record (weights, optimiser) is most of the file: flip a byte in its middle.
i = len(b) // 2
b[i] ^= 0x5A; open(p, "wb").write(bytes(b))
PY
expect_error "a flipped byte in the weights" "flip_w.pt: not a readable checkpoint" \
  "$BIN" eval -c "$WORK/flip_w.pt" --data "$D" -o "$WORK/e.json"
cp "$WORK/runA/checkpoint.pt" "$WORK/flip_m.pt"
python3 - "$WORK/flip_m.pt" <<'PY'
import sys
p = sys.argv[1]; b = bytearray(open(p, "rb").read())
i = b.find(b'"total_steps":')
assert i > 0, "metadata not found uncompressed"
b[i + 1] ^= 0x01  # "total_steps" -> "uotal_steps": still valid JSON, but not what was written
open(p, "wb").write(bytes(b))
PY
expect_error "a flipped byte in the metadata" "flip_m.pt: not a readable checkpoint (its metadata does not match" \
  "$BIN" eval -c "$WORK/flip_m.pt" --data "$D" -o "$WORK/e.json"
# A run folder stands for its checkpoint.pt (--checkpoint-kind, issue 15); one without it is refused.
mkdir -p "$WORK/norun"
expect_error "eval -c a folder without a checkpoint" "norun/checkpoint.pt: does not exist" \
  "$BIN" eval -c "$WORK/norun" --data "$D" -o "$WORK/e.json"
[ ! -e "$WORK/e.json" ] && pass "no result file after refused checkpoints" || fail "e.json written"

# ---- 12. Settings are read strictly and checked.
for bad in "--lambda nan:--lambda: cannot read 'nan' as a finite number" \
           "--lambda inf:--lambda: cannot read 'inf' as a finite number" \
           "--lr 0.01abc:--lr: cannot read '0.01abc' as a finite number" \
           "--iterations 3.5:--iterations: cannot read '3.5' as an integer" \
           "--seed -1:--seed: cannot read '-1' as a non-negative integer" \
           "--patch-size -1:patch_size must be >= 0" \
           "--w-ce -1:loss weights w_ce and w_dice must be finite numbers >= 0"; do
  args=${bad%%:*}; pattern=${bad#*:}
  # shellcheck disable=SC2086
  expect_error "train $args" "$pattern" "$BIN" train --data "$D" -o "$WORK/strict" --model-options "$TINY" $args
done
echo '{"optimizer": {"lr": "fast"}}' > "$WORK/badtype.json"
expect_error "a config value of the wrong type" "badtype.json: key 'optimizer.lr' must be a number" \
  "$BIN" train --config "$WORK/badtype.json" --data "$D" -o "$WORK/strict"
[ ! -e "$WORK/strict" ] && pass "no run folder after refused settings" || fail "refused settings created a run folder"

# --resume: the same data by another spelling; a temporary left by a killed write is cleaned.
touch "$WORK/runA/.tmp999999.checkpoint.pt"
out=$(cd "$WORK/data" && "$BIN" train --data ./source/ --iterations 4 --batch-size 2 --model-options "$TINY" --threads 1 \
  -o "$WORK/runA" --resume 2>&1) && pass "./source/ resumes a run trained on \$D" || fail "resume refused another spelling: $out"
[ ! -e "$WORK/runA/.tmp999999.checkpoint.pt" ] && pass "a stale temporary of a dead process was removed" \
  || fail "stale temporary left"

# ---- SIGKILL at random points of training (checkpoint writes included), then resume: the
# same weights as an uninterrupted run.
K=(train --data "$D" --iterations 24 --batch-size 2 --model-options "$TINY" --threads 1 --checkpoint-every 1
   --log-every 1 --seed 3)
"$BIN" "${K[@]}" -o "$WORK/k_whole" >/dev/null 2>&1 || fail "uninterrupted run failed"
kills=0
for delay in 0.7 1.3 0.4 1.9 1.1; do
  "$BIN" "${K[@]}" -o "$WORK/k_killed" --resume >/dev/null 2>&1 &
  pid=$!
  sleep $delay
  kill -9 $pid 2>/dev/null && kills=$((kills + 1))
  wait $pid 2>/dev/null
done
"$BIN" "${K[@]}" -o "$WORK/k_killed" --resume >/dev/null 2>&1 || fail "resume after kills failed"
for r in k_whole k_killed; do
  "$BIN" eval -c "$WORK/$r/checkpoint.pt" --data "$D" --split train --threads 1 -o "$WORK/$r/eval.json" >/dev/null 2>&1
done
same_eval_results "$WORK/k_whole/eval.json" "$WORK/k_killed/eval.json" 24 \
  && pass "identical metrics after $kills kills and a resume" || fail "metrics differ after kills"
[ "$(wc -l < "$WORK/k_killed/train_log.jsonl")" -eq 24 ] && no_leftovers "$WORK/k_killed" \
  && pass "one log line per step and no temporaries after the kills" || fail "log or temporaries wrong after kills"
finish
