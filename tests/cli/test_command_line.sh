#!/usr/bin/env bash
# The command line as a typist meets it (issue 16, items 8 and 10): --help shows each option's
# kind and what is required, numbers are read strictly, a mistyped command or flag is one error
# line with the nearest spelling, --version names what the binary was built with, --quiet hides
# the progress bars and nothing else, eval's HD95 carries its unit.
source "$(dirname "$0")/lib.sh"
commands=$("$BIN" --help | awk '/^Subcommands:/ {on = 1; next} on && NF {print $1}')
[ "$(echo "$commands" | wc -w)" -ge 10 ] && pass "--help lists the commands" || fail "--help lists: $commands"

# No option whose default is a number is shown as TEXT (CLI11's kind for every string option).
bad=""
for c in $commands; do
  bad+=$("$BIN" "$c" --help | grep -E '^ +-.* TEXT .*\[default: -?[0-9.]+\]' || true)
done
[ -z "$bad" ] && pass "numeric options show their kind" || fail "numeric options shown as TEXT: $bad"
help_has() {  # help_has COMMAND REGEX
  local help
  help=$("$BIN" "$1" --help)  # whole, not piped into grep -q: an early exit would cut the pipe
  grep -qE -- "$2" <<<"$help" && pass "$1 --help: $2" || fail "$1 --help lacks '$2'"
}
help_has eval '-c,--checkpoint PATH REQUIRED'
help_has eval '--batch-size INT '
help_has eval '--ood PATH \.\.\.'
help_has train '--lambda FLOAT '
help_has train '--brightness-range FLOAT:FLOAT'
help_has synth '--seed UINT '
help_has noise-sweep '--levels FLOAT,\.\.\.'
help_has noise-sweep '--types NAME,\.\.\.'
help_has score '--pred PATH REQUIRED'

# Strict numbers: a fraction for an integer, a tail, a sign for a seed.
expect_error "an integer given 3.5" "--cases: cannot read '3.5' as an integer" "$BIN" synth -o "$WORK/s1" --cases 3.5
expect_error "a number with a tail" "--lr: cannot read '0.01abc' as a finite number" \
  "$BIN" train --data "$WORK" -o "$WORK/t1" --lr 0.01abc
expect_error "a negative seed" "--seed: cannot read '-1' as a non-negative integer" "$BIN" synth -o "$WORK/s2" --seed -1

# Typos: one line, exit 2, the nearest spelling when there is one.
expect_error "a mistyped command" "unknown command 'evl'; did you mean eval?" "$BIN" evl -c x
expect_error "a mistyped flag" "eval: unknown option --dta; did you mean --data?" "$BIN" eval -c x --dta y
expect_error "a mistyped flag with =" "train: unknown option --lamda; did you mean --lambda?" "$BIN" train --lamda=1
expect_error "a flag far from every other" "eval: unknown option --zzzzzzzz (mis-spectral eval --help" \
  "$BIN" eval --zzzzzzzz
err=$("$BIN" eval --zzzzzzzz 2>&1)
case "$err" in *"did you mean"*) fail "a far flag got a suggestion: $err" ;; *) pass "no suggestion when none is near" ;; esac
expect_error "no command" "a command is required" "$BIN"
expect_error "a missing --config file" "--config" "$BIN" eval --config "$WORK/none.json"

# --version: the code version first, then the LibTorch that results record as torch=.
tiny_synth "$WORK/data" 1
D=$WORK/data/source
"$BIN" train --data "$D" --batch-size 2 --model-options '{"base_width":4,"depth":2}' --threads 1 --iterations 1 \
  -o "$WORK/run" >/dev/null 2>&1 || fail "train failed"
"$BIN" eval -c "$WORK/run" --data "$D" -o "$WORK/e.json" --threads 1 >"$WORK/eval.out" 2>/dev/null
torch=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["runtime"].split("torch=")[1].split()[0])' \
  "$WORK/e.json")
version=$("$BIN" --version)
[ "$(echo "$version" | head -1 | cut -d' ' -f1)" = mis-spectral ] && echo "$version" | grep -qx "LibTorch $torch (.*)" \
  && echo "$version" | grep -qE '^ITK [0-9]+\.[0-9]+' && pass "--version: code version, LibTorch $torch, ITK" \
  || fail "--version: $version"
grep -qE 'HD95 [0-9.]+ mm' "$WORK/eval.out" && pass "eval prints HD95 in mm" || fail "eval stdout: $(cat "$WORK/eval.out")"

# --quiet, before or after the command: the same files and stdout, no progress line on stderr.
"$BIN" synth -o "$WORK/loud" --cases 2 --test-cases 1 --size 32 --slices 3 --domains 2 >"$WORK/loud.out" 2>"$WORK/loud.err"
"$BIN" --quiet synth -o "$WORK/q1" --cases 2 --test-cases 1 --size 32 --slices 3 --domains 2 >"$WORK/q1.out" 2>"$WORK/q1.err"
"$BIN" synth -q -o "$WORK/q2" --cases 2 --test-cases 1 --size 32 --slices 3 --domains 2 >"$WORK/q2.out" 2>"$WORK/q2.err"
grep -q 'ETA\|took' "$WORK/loud.err" && pass "synth shows progress by default" || fail "no progress line: $(cat "$WORK/loud.err")"
if [ ! -s "$WORK/q1.err" ] && [ ! -s "$WORK/q2.err" ]; then pass "--quiet: nothing on stderr"; else
  fail "--quiet left: $(cat "$WORK/q1.err" "$WORK/q2.err")"; fi
[ "$(sed "s#$WORK/[a-z0-9]*#OUT#g" "$WORK/loud.out")" = "$(sed "s#$WORK/[a-z0-9]*#OUT#g" "$WORK/q1.out")" ] \
  && diff -r -q "$WORK/loud" "$WORK/q2" >/dev/null && pass "--quiet: same stdout and files" \
  || fail "--quiet changed the output"
finish
