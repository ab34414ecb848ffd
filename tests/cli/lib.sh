# Helpers for the CLI tests: each test gets the binary as $1 and a scratch folder.
set -uo pipefail
BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")  # absolute: tests change folders
WORK=$(mktemp -d /tmp/mis_cli_XXXXXX)
trap 'rm -rf "$WORK"' EXIT
failures=0
pass() { echo "ok   - $1"; }
fail() { echo "FAIL - $1"; failures=$((failures + 1)); }

# expect_error NAME PATTERN CMD...: CMD must exit 2 with ONE line on stderr matching PATTERN.
expect_error() {
  local name=$1 pattern=$2; shift 2
  local err rc
  err=$("$@" 2>&1 >/dev/null); rc=$?
  if [ $rc -ne 2 ]; then fail "$name: exit $rc, expected 2 ($err)"; return; fi
  if [ "$(printf '%s\n' "$err" | grep -c '^error')" -ne 1 ] || [ "$(printf '%s\n' "$err" | wc -l)" -ne 1 ]; then
    fail "$name: expected one error line, got: $err"; return
  fi
  if ! printf '%s' "$err" | grep -q -- "$pattern"; then fail "$name: '$err' lacks '$pattern'"; return; fi
  pass "$name"
}

tiny_synth() {  # tiny_synth OUT [SEED]
  "$BIN" synth -o "$1" --cases 2 --test-cases 1 --size 32 --slices 3 --domains 2 --seed "${2:-1}" 2>/dev/null >/dev/null
}

# same_eval_results A.json B.json STEP: two eval results hold the same per-case numbers, both of
# a checkpoint at STEP (e.g. an interrupted-and-resumed run against an uninterrupted one).
same_eval_results() {
  python3 - "$@" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
cases = lambda d: [e["cases"] for e in d["evaluations"]]
sys.exit(0 if cases(a) == cases(b) and a["checkpoint_step"] == b["checkpoint_step"] == int(sys.argv[3]) else 1)
PY
}

finish() {
  echo "$failures failed"
  [ "$failures" -eq 0 ]
}
