#!/usr/bin/env bash
# `run`: an experiment expands to runs; shards are disjoint and their union gives exactly the
# results of one unsharded run; complete runs are skipped; a run killed mid-training resumes;
# a failing run is recorded and does not stop the others; --jobs runs in child processes.
source "$(dirname "$0")/lib.sh"
experiments=$(cd "$(dirname "$0")/../../experiments" && pwd)
cd "$WORK"
cat > exp.json <<'JSON'
{
  "name": "tiny",
  "prepare": {"synth": {"output": "data/synth", "train_cases": 2, "test_cases": 1, "size": 32, "slices": 3,
                        "domains": 2, "seed": 1}},
  "datasets": {"synth": {"data": "data/synth/source", "ood": ["data/synth/scanner-b"]}},
  "models": {"tiny": {"name": "unet-small", "options": {"base_width": 4, "depth": 2}}},
  "losses": {"spatial": {"lambda": 0}, "spectral": {"lambda": 0.5}},
  "train": {"iterations": 6, "batch_size": 2, "checkpoint_every": 2},
  "evaluations": {"eval": {"hd95": "medpy"}, "noise-sweep": {"types": ["gaussian"], "levels": [0, 0.1]},
                  "calibrate": {}, "explain": {"num_cases": 1}},
  "grid": [{"group": "main", "datasets": ["synth"], "models": ["tiny"], "losses": ["spatial", "spectral"],
            "seeds": [0, 1, 2]}]
}
JSON

ids() { "$BIN" run exp.json --results "$1" --dry-run --json "${@:2}" | python3 -c '
import json, sys
print(" ".join(r["id"] for r in json.load(sys.stdin)["runs"] if r["in_shard"]))'; }
all=$(ids res-all)
[ "$(echo $all | wc -w)" -eq 6 ] && pass "6 runs listed" || fail "expected 6 runs, got: $all"
union=$(for k in 0 1 2; do ids res-all --shard $k/3; done | tr ' ' '\n' | sort)
[ "$union" = "$(echo $all | tr ' ' '\n' | sort)" ] && [ "$(echo "$union" | sort -u | wc -l)" -eq 6 ] \
  && pass "shards 0..2 of 3 cover every run exactly once" || fail "shards do not partition the runs: $union"
[ ! -e res-all ] && pass "--dry-run wrote nothing" || fail "--dry-run created res-all"

"$BIN" run exp.json --results res-all --threads 1 >/dev/null 2>&1 || fail "unsharded run failed"
"$BIN" run exp.json --results res-shard --threads 1 --shard 0/2 >/dev/null 2>&1 || fail "shard 0/2 failed"
SLURM_ARRAY_TASK_ID=2 SLURM_ARRAY_TASK_COUNT=2 SLURM_ARRAY_TASK_MIN=1 \
  "$BIN" run exp.json --results res-shard --threads 1 >/dev/null 2>&1 || fail "Slurm task 2 of 2 failed"
python3 - res-all res-shard <<'PY' && pass "sharded union equals the unsharded study" || fail "sharded union differs"
import json, os, sys
def load(root):
    out = {}
    for rid in sorted(os.listdir(os.path.join(root, "runs"))):
        d = os.path.join(root, "runs", rid)
        rec = json.load(open(os.path.join(d, "run.json")))
        assert rec["status"] == "complete", (rid, rec)
        out[rid] = {f: [e["cases"] for e in json.load(open(os.path.join(d, f)))["evaluations"]]
                    for f in ("eval.json", "noise.json", "calibrate.json", "explain.json")}
    return out
a, b = load(sys.argv[1]), load(sys.argv[2])
sys.exit(0 if len(a) == 6 and a == b else 1)
PY

stamp=$(stat -c %Y res-all/runs/*/checkpoint.pt | md5sum)
out=$("$BIN" run exp.json --results res-all --threads 1 2>&1)
echo "$out" | grep -q "0 runs done now, 6 already complete, 0 failed" && [ "$(stat -c %Y res-all/runs/*/checkpoint.pt | md5sum)" = "$stamp" ] \
  && pass "a second run skips complete runs and touches nothing" || fail "rerun did not skip: $out"
state=$("$BIN" run exp.json --results res-all --dry-run | tail -1)
echo "$state" | grep -q "6 of all complete" && pass "dry-run: $state" || fail "dry-run: $state"

# Results kept without their checkpoints (a study committed to git) are complete: nothing retrains.
cp -r res-all res-kept && rm res-kept/runs/*/checkpoint*.pt
"$BIN" run exp.json --results res-kept --dry-run | grep -c "complete (results only, no checkpoint)" | grep -qx 6 \
  && pass "dry-run: results without checkpoints are complete" || fail "dry-run without checkpoints: $("$BIN" run exp.json --results res-kept --dry-run)"
out=$("$BIN" run exp.json --results res-kept --threads 1 2>&1)
echo "$out" | grep -q "0 runs done now, 6 already complete, 0 failed" && ! ls res-kept/runs/*/checkpoint.pt >/dev/null 2>&1 \
  && pass "run does not retrain runs whose checkpoints were removed" || fail "retrained without checkpoints: $out"

# Changing one evaluation's settings reruns only that evaluation.
sed 's/"levels": \[0, 0.1\]/"levels": [0, 0.2]/' exp.json > exp2.json
before=$(md5sum res-all/runs/*/eval.json | md5sum)
"$BIN" run exp2.json --results res-all --threads 1 >/dev/null 2>&1 || fail "rerun with new noise levels failed"
after=$(md5sum res-all/runs/*/eval.json | md5sum)
levels=$(python3 -c 'import json,glob; print(sorted({e["noise"]["level"] for f in glob.glob("res-all/runs/*/noise.json") for e in json.load(open(f))["evaluations"]}))')
[ "$before" = "$after" ] && [ "$levels" = "[0.0, 0.2]" ] && pass "only the changed evaluation reran" \
  || fail "changed noise levels: eval touched or levels $levels"
# Without checkpoints, a changed evaluation trains the run again and redoes every evaluation (no
# results of two trainings side by side); the old ones are set aside, not deleted.
"$BIN" run exp2.json --results res-kept --dry-run | grep -c "results only (no checkpoint), 3/4 evaluations: run trains it again" | grep -qx 6 \
  && pass "dry-run: results only with an evaluation to do" || fail "dry-run results only: $("$BIN" run exp2.json --results res-kept --dry-run)"
"$BIN" run exp2.json --results res-kept --threads 1 >/dev/null 2>&1 || fail "rerun of results only failed"
[ "$(ls res-kept/runs/*/checkpoint.pt | wc -l)" = 6 ] && [ "$(ls res-kept/runs/*/.superseded/*/eval.json | wc -l)" = 6 ] \
  && [ "$(ls res-kept/runs/*/.superseded/*/train_log.jsonl | wc -l)" = 6 ] && [ "$(ls res-kept/runs/*/eval.json | wc -l)" = 6 ] \
  && pass "results only: retrained, every evaluation redone, the old results set aside" || fail "results only rerun: $(ls -R res-kept/runs | head -30)"

# A run killed mid-training resumes from its checkpoint.
sed 's/"iterations": 6, "batch_size": 2, "checkpoint_every": 2/"iterations": 60, "batch_size": 2, "checkpoint_every": 5, "log_every": 1/;
     s/"seeds": \[0, 1, 2\]/"seeds": [5]/; s/"spatial", "spectral"\]/"spectral"]/' exp.json > long.json
"$BIN" run long.json --results res-long --threads 1 >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 600); do
  log=$(ls res-long/runs/*/train_log.jsonl 2>/dev/null | head -1)
  if [ -n "$log" ] && [ "$(wc -l < "$log")" -ge 12 ]; then break; fi
  sleep 0.05
done
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
state=$("$BIN" run long.json --results res-long --dry-run | sed -n 3p)
echo "$state" | grep -q "trained [1-9][0-9]*/60" && pass "killed mid-run: $state" || fail "not killed mid-run: $state"
"$BIN" run long.json --results res-long --threads 1 >/dev/null 2>&1 || fail "resumed run failed"
n=$(cat res-long/runs/*/train_log.jsonl | wc -l)
"$BIN" run long.json --results res-long --dry-run | grep -q "1 of all complete" && [ "$n" -eq 60 ] \
  && pass "resumed to completion, one log line per step" || fail "not complete after resume ($n log lines)"

# A failing run is recorded with its error; the others still run; exit status 2 names it.
python3 - <<'PY'
import json
d = json.load(open("exp.json"))
d["datasets"]["gone"] = {"data": "data/not-there"}
d["grid"] = [{"datasets": ["gone", "synth"], "models": ["tiny"], "losses": ["spatial"], "seeds": [0]}]
json.dump(d, open("fail.json", "w"))
PY
err=$("$BIN" run fail.json --results res-fail --threads 1 2>&1 >/dev/null); rc=$?
[ $rc -eq 2 ] && echo "$err" | grep -q "1 run(s) failed (gone-tiny-spatial-s0-" && pass "failure named: $err" \
  || fail "exit $rc, error: $err"
python3 - <<'PY' && pass "run.json records the failure; the other run completed" || fail "failure not recorded"
import json, glob
recs = {json.load(open(f))["labels"]["dataset"]: json.load(open(f)) for f in glob.glob("res-fail/runs/*/run.json")}
ok = recs["gone"]["status"] == "failed" and "data/not-there" in recs["gone"]["error"] and recs["synth"]["status"] == "complete"
raise SystemExit(0 if ok else 1)
PY

# --jobs: runs in child processes, each logging to its folder.
"$BIN" run exp.json --results res-jobs --jobs 2 --threads 1 >/dev/null 2>&1 || fail "--jobs 2 failed"
python3 - res-all res-jobs <<'PY' && pass "--jobs 2 gives the same results, logs in run.log" || fail "--jobs 2 differs"
import json, os, sys
a, b = sys.argv[1:]
ids = sorted(os.listdir(os.path.join(a, "runs")))
same = all(json.load(open(os.path.join(a, "runs", i, "eval.json")))["evaluations"][0]["cases"] ==
           json.load(open(os.path.join(b, "runs", i, "eval.json")))["evaluations"][0]["cases"] for i in ids)
logs = all(os.path.getsize(os.path.join(b, "runs", i, "run.log")) > 0 for i in ids)
sys.exit(0 if same and logs and len(ids) == 6 else 1)
PY

# Every shipped experiment file is valid (paths need not exist for --dry-run).
for f in "$experiments"/*.json; do
  "$BIN" run "$f" --workdir "$WORK/shipped" --dry-run >/dev/null 2>"$WORK/err" && pass "valid: $(basename "$f")" \
    || fail "$(basename "$f"): $(cat "$WORK/err")"
done

expect_error "unknown key" "exp-bad.json: gird: unknown key" bash -c "sed 's/\"grid\"/\"gird\"/' exp.json > exp-bad.json; '$BIN' run exp-bad.json --dry-run"
expect_error "bad shard" "expected K/N" "$BIN" run exp.json --dry-run --shard 3/3
expect_error "missing file" "nope.json" "$BIN" run nope.json
finish
