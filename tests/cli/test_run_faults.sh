#!/usr/bin/env bash
# `run` when things go wrong (issue 20): result files cut short are redone; a corrupt run.json or
# checkpoint is that run's failure while the others complete (and --dry-run shows it); two `run`s
# on one results folder share the runs, each done exactly once; the lock of a killed `run` is
# taken over; --dry-run honours --only; a bad SLURM_ARRAY_TASK_ID is an error; runs notice that
# their data changed; report refuses a run.json of the wrong types.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
tiny_synth data 1
cat > exp.json <<'JSON'
{
  "name": "faults",
  "datasets": {"synth": {"data": "data/source", "ood": ["data/scanner-b"]}},
  "models": {"tiny": {"name": "unet-small", "options": {"base_width": 4, "depth": 2}}},
  "losses": {"spatial": {"lambda": 0}, "spectral": {"lambda": 0.5}},
  "train": {"iterations": 6, "batch_size": 2, "checkpoint_every": 2, "log_every": 1},
  "evaluations": {"eval": {"hd95": "off"}, "calibrate": {}},
  "grid": [{"group": "main", "datasets": ["synth"], "models": ["tiny"], "losses": ["spatial", "spectral"],
            "seeds": [0, 1]}]
}
JSON
ids=($("$BIN" run exp.json --results res-ref --dry-run --json | python3 -c '
import json, sys; print(" ".join(r["id"] for r in json.load(sys.stdin)["runs"]))'))
[ ${#ids[@]} -eq 4 ] && pass "4 runs" || fail "expected 4 runs: ${ids[*]}"

# Every run complete, with results equal to those of res-ref (cases of eval.json and calibrate.json)
# and one train_log.jsonl line per step 1..6.
same_as_ref() {  # same_as_ref RESULTS [IDS...]
  python3 - res-ref "$@" <<'PY'
import json, os, sys
ref, res, ids = sys.argv[1], sys.argv[2], sys.argv[3:] or sorted(os.listdir(os.path.join(sys.argv[1], "runs")))
for i in ids:
    a, b = os.path.join(ref, "runs", i), os.path.join(res, "runs", i)
    rec = json.load(open(os.path.join(b, "run.json")))
    assert rec["status"] == "complete", (i, rec.get("status"), rec.get("error"))
    for f in ("eval.json", "calibrate.json"):
        x, y = (json.load(open(os.path.join(d, f)))["evaluations"] for d in (a, b))
        assert [e["cases"] for e in x] == [e["cases"] for e in y], (i, f)
    steps = [json.loads(l)["step"] for l in open(os.path.join(b, "train_log.jsonl"))]
    assert steps == list(range(1, 7)), (i, steps)
PY
}

"$BIN" run exp.json --results res-ref --threads 1 >ref.out 2>&1 || fail "reference run failed: $(tail -3 ref.out)"
same_as_ref res-ref && pass "reference study complete" || fail "reference study incomplete"

# --dry-run --only lists only the runs named; an unknown id is an error.
table=$("$BIN" run exp.json --results res-ref --dry-run --only "${ids[2]}")
listed=$(printf '%s\n' "$table" | grep -c -- "-s[0-9]-")
json_ids=$("$BIN" run exp.json --results res-ref --dry-run --json --only "${ids[2]}" --only "${ids[0]}" | python3 -c '
import json, sys; print(" ".join(r["id"] for r in json.load(sys.stdin)["runs"]))')
[ "$listed" -eq 1 ] && printf '%s' "$table" | grep -q "${ids[2]}  *complete" && [ "$json_ids" = "${ids[0]} ${ids[2]}" ] \
  && pass "--dry-run --only lists only the runs named" || fail "--dry-run --only: $table / $json_ids"
expect_error "--dry-run --only unknown id" "--only nope: no such run" "$BIN" run exp.json --results res-ref --dry-run --only nope

# A Slurm task id that is not a task of an array is an error (one line, exit 2), not every run.
expect_error "SLURM_ARRAY_TASK_ID=x" "SLURM_ARRAY_TASK_ID=x" env SLURM_ARRAY_TASK_ID=x "$BIN" run exp.json --results res-slurm --dry-run
expect_error "SLURM_ARRAY_TASK_ID=x with a count" "SLURM_ARRAY_TASK_ID=x" \
  env SLURM_ARRAY_TASK_ID=x SLURM_ARRAY_TASK_COUNT=2 "$BIN" run exp.json --results res-slurm --dry-run
expect_error "SLURM_ARRAY_TASK_ID without the array's count" "SLURM_ARRAY_TASK_COUNT=unset" \
  env SLURM_ARRAY_TASK_ID=1 "$BIN" run exp.json --results res-slurm --threads 1
[ ! -e res-slurm/runs ] && pass "the bad Slurm task ran nothing" || fail "a bad Slurm task id still ran runs"

# An eval.json cut short (a copy that stopped, a full disk) is not a done evaluation: redone,
# nothing else touched.
cp -a res-ref res-trunc
e=res-trunc/runs/${ids[1]}/eval.json
head -c $(( $(stat -c %s "$e") / 2 )) "$e" > cut && mv cut "$e"
before=$(md5sum res-trunc/runs/*/calibrate.json res-trunc/runs/*/checkpoint.pt | md5sum)
state=$("$BIN" run exp.json --results res-trunc --dry-run --only "${ids[1]}" | grep -- "${ids[1]}")
echo "$state" | grep -q "trained, 1/2 evaluations" && pass "dry-run: truncated eval.json is not done" \
  || fail "dry-run calls a truncated eval.json done: $state"
out=$("$BIN" run exp.json --results res-trunc --threads 1 2>&1)
echo "$out" | grep -q "1 runs done now, 3 already complete, 0 failed" && same_as_ref res-trunc \
  && [ "$(md5sum res-trunc/runs/*/calibrate.json res-trunc/runs/*/checkpoint.pt | md5sum)" = "$before" ] \
  && pass "truncated eval.json redone, equal to the uninterrupted run's; nothing else touched" \
  || fail "truncated eval.json: $out"

# A corrupt run.json in one run and a corrupt checkpoint in another: each is that run's recorded
# failure, the other two runs complete, --dry-run shows both, `run` exits 2 naming both.
mkdir -p res-bad/runs/${ids[0]} res-bad/runs/${ids[3]}
printf '{"schema": "mis-spectral/run", "status": "comp' > res-bad/runs/${ids[0]}/run.json
printf 'not a checkpoint' > res-bad/runs/${ids[3]}/checkpoint.pt
dry=$("$BIN" run exp.json --results res-bad --dry-run 2>&1); rc=$?
[ $rc -eq 0 ] && echo "$dry" | grep -q "${ids[0]}  *failed: .*run.json: not valid JSON" \
  && echo "$dry" | grep -q "${ids[3]}  *failed: .*checkpoint.pt: not a readable checkpoint" \
  && echo "$dry" | grep -q "${ids[1]}  *pending" && pass "dry-run shows the corrupt runs as failed, the others pending" \
  || fail "dry-run with corrupt run folders (exit $rc): $dry"
err=$("$BIN" run exp.json --results res-bad --threads 1 2>&1 >bad.out); rc=$?
err=$(printf '%s\n' "$err" | grep '^error')  # (the other runs' progress bars are on stderr too)
[ $rc -eq 2 ] && [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] && echo "$err" | grep -q "2 run(s) failed" \
  && echo "$err" | grep -q "${ids[0]}" && echo "$err" | grep -q "${ids[3]}" \
  && pass "run exits 2 naming the two failed runs" || fail "exit $rc: $err"
same_as_ref res-bad "${ids[1]}" "${ids[2]}" && pass "the other runs completed, equal to the reference" \
  || fail "the other runs did not complete: $(tail -5 bad.out)"
python3 - res-bad "${ids[0]}" "${ids[3]}" <<'PY' && pass "each failure recorded in its run.json; the corrupt run.json kept" \
  || fail "failures not recorded"
import json, os, sys
root, a, b = sys.argv[1:]
ra = json.load(open(os.path.join(root, "runs", a, "run.json")))
rb = json.load(open(os.path.join(root, "runs", b, "run.json")))
kept = open(os.path.join(root, "runs", a, "run.json.corrupt")).read()
assert ra["status"] == "failed" and "run.json: not valid JSON" in ra["error"] and "run.json.corrupt" in ra["error"], ra
assert rb["status"] == "failed" and "checkpoint.pt" in rb["error"], rb
assert kept == '{"schema": "mis-spectral/run", "status": "comp', kept
PY
rm res-bad/runs/${ids[3]}/checkpoint.pt  # the fix the error names; the other run recovers by itself
"$BIN" run exp.json --results res-bad --threads 1 >/dev/null 2>&1 && same_as_ref res-bad \
  && pass "after the fix, a rerun completes both, equal to the reference" || fail "rerun after the fix"

# Two `run`s started together on one results folder share the runs: every run done exactly once
# (one log line per step, the two processes' "done now" add up to 4), results as uninterrupted.
# two_concurrent_runs NAME RESULTS [RUN OPTIONS...]
two_concurrent_runs() {
  local name=$1 results=$2; shift 2
  "$BIN" run exp.json --results "$results" --threads 1 "$@" >"$results-a.out" 2>&1 &
  local a=$!
  "$BIN" run exp.json --results "$results" --threads 1 "$@" >"$results-b.out" 2>&1 &
  local b=$!
  wait $a; local rc_a=$?
  wait $b; local rc_b=$?
  local done_now
  done_now=$(cat "$results-a.out" "$results-b.out" | sed -n 's/^\([0-9]*\) runs done now.*/\1/p' | awk '{s += $1} END {print s}')
  [ $rc_a -eq 0 ] && [ $rc_b -eq 0 ] && [ "$done_now" = 4 ] && same_as_ref "$results" \
    && pass "$name: each run done once ($(grep 'runs done now' "$results-a.out") | $(grep 'runs done now' "$results-b.out"))" \
    || fail "$name (exit $rc_a/$rc_b, $done_now done): $(tail -2 "$results-a.out") | $(tail -2 "$results-b.out")"
}
two_concurrent_runs "two concurrent runs" res-two
# The same with --jobs 2 each: the runs done in child processes, still each once.
two_concurrent_runs "two concurrent runs with --jobs 2" res-jobs --jobs 2

# The lock of a `run` killed with SIGKILL: --dry-run names the live holder, not the dead one, and the
# next `run` takes the run over and completes it with one log line per step.
sed 's/"iterations": 6, "batch_size": 2, "checkpoint_every": 2/"iterations": 60, "batch_size": 2, "checkpoint_every": 5/;
     s/"seeds": \[0, 1\]/"seeds": [5]/; s/"spatial", "spectral"\]/"spectral"]/' exp.json > long.json
"$BIN" run long.json --results res-kill --threads 1 >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 600); do
  log=$(ls res-kill/runs/*/train_log.jsonl 2>/dev/null | head -1)
  if [ -n "$log" ] && [ "$(wc -l < "$log")" -ge 12 ]; then break; fi
  sleep 0.05
done
kill -STOP $pid  # frozen mid-training, holding the run's lock
running=$("$BIN" run long.json --results res-kill --dry-run | sed -n 3p)
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
echo "$running" | grep -q "running in process $pid on " && pass "dry-run names the live holder: $running" \
  || fail "dry-run does not show the running process $pid: $running"
after=$("$BIN" run long.json --results res-kill --dry-run | sed -n 3p)
[ -e res-kill/runs/*/run.lock ] && echo "$after" | grep -q "trained [1-9][0-9]*/60" && ! echo "$after" | grep -q running \
  && pass "after SIGKILL the lock file stays but is free: $after" || fail "after SIGKILL: $after"
"$BIN" run long.json --results res-kill --threads 1 >kill.out 2>&1 || fail "taking over the killed run failed: $(tail -3 kill.out)"
n=$(cat res-kill/runs/*/train_log.jsonl | wc -l)
"$BIN" run long.json --results res-kill --dry-run | grep -q "1 of all complete" && [ "$n" -eq 60 ] \
  && pass "the killed run's lock taken over, resumed to completion" || fail "not complete after takeover ($n log lines)"

# report refuses a run.json of the wrong types with one line naming it, never a row of "?".
mkdir -p res-types/runs/x
echo '{"schema": "mis-spectral/run", "schema_version": 1, "status": 42}' > res-types/runs/x/run.json
expect_error "report: status 42" "res-types/runs/x/run.json: \"status\" is 42" "$BIN" report res-types
echo '{"schema": "mis-spectral/run", "status": "complete", "labels": {"dataset": 3, "model": "m"}}' > res-types/runs/x/run.json
expect_error "report: labels.dataset 3" "res-types/runs/x/run.json: \"labels.dataset\" is 3" "$BIN" report res-types
echo '{"schema": "mis-spectral/run", "status": "complete"}' > res-types/runs/x/run.json
expect_error "report: no labels" "res-types/runs/x/run.json: \"labels\" is null" "$BIN" report res-types

# Data rewritten under the runs. The same data written again (new files, same contents) changes
# nothing; other data (synth with another seed) makes every run say so in --dry-run, and `run`
# redoes them (old outputs kept in .superseded/, which report does not read) with the results a
# fresh run on the new data gives.
stamp=$(md5sum res-ref/runs/*/checkpoint.pt res-ref/runs/*/eval.json | md5sum)
tiny_synth data 1
"$BIN" run exp.json --results res-ref --dry-run | tail -1 | grep -q "4 of all complete" \
  && "$BIN" run exp.json --results res-ref --threads 1 2>&1 | grep -q "0 runs done now, 4 already complete" \
  && [ "$(md5sum res-ref/runs/*/checkpoint.pt res-ref/runs/*/eval.json | md5sum)" = "$stamp" ] \
  && pass "the same data rewritten: nothing redone" || fail "the same data rewritten made runs incomplete"
cp res-ref/runs/${ids[0]}/eval.json old-eval.json
tiny_synth data 2
dry=$("$BIN" run exp.json --results res-ref --dry-run)
[ "$(echo "$dry" | grep -c "data changed: the training data is not what this run was trained on")" -eq 4 ] \
  && echo "$dry" | tail -1 | grep -q "0 of all complete" && pass "dry-run: every run's data changed" \
  || fail "dry-run does not notice the changed data: $dry"
out=$("$BIN" run exp.json --results res-ref --threads 1 2>&1)
echo "$out" | grep -q "4 runs done now, 0 already complete, 0 failed" || fail "changed data not redone: $out"
mv res-ref res-old-ref
"$BIN" run exp.json --results res-ref --threads 1 --only "${ids[0]}" >/dev/null 2>&1 || fail "fresh run on the new data"
python3 - res-old-ref res-ref "${ids[0]}" <<'PY' && pass "redone on the new data: as a fresh run; old outputs in .superseded/" \
  || fail "results after the data changed differ from a fresh run's"
import glob, json, os, sys
redone, fresh, i = sys.argv[1:]
cases = lambda d: [e["cases"] for e in json.load(open(os.path.join(d, "runs", i, "eval.json")))["evaluations"]]
assert cases(redone) == cases(fresh)
old = glob.glob(os.path.join(redone, "runs", i, ".superseded", "*", "eval.json"))
assert len(old) == 1 and open(old[0]).read() == open("old-eval.json").read(), old
assert cases(redone) != [e["cases"] for e in json.load(open("old-eval.json"))["evaluations"]]
assert len(glob.glob(os.path.join(redone, "runs", i, ".superseded", "*", "checkpoint.pt"))) == 1
PY
"$BIN" report res-old-ref --out rep >/dev/null 2>report.err || fail "report after the data changed: $(cat report.err)"
python3 - <<'PY' && pass "report reads the redone runs only (2 seeds per cell), not .superseded/" || fail "report counts superseded results"
import json
head = json.load(open("rep/report.json"))["tables"][0]
cells = [c for r in head["rows"] for c in r if isinstance(c, dict) and "n" in c]
assert len(head["rows"]) == 1 and cells and all(c["n"] == 2 for c in cells), head["rows"]
PY
finish
