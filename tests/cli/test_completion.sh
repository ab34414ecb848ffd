#!/usr/bin/env bash
# Shell completion, man page and install (issue 16, item 9): the bash completion offers exactly
# the commands of --help and, for each command, exactly the options of its --help; PATH options
# complete file names; the zsh script loads in zsh where zsh is installed; the man page renders
# without warnings and holds every command; scripts/install.sh puts all four files under PREFIX.
source "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
commands=$("$BIN" --help | awk '/^Subcommands:/ {on = 1; next} on && NF {print $1}' | sort)
"$BIN" completion bash >"$WORK/completion.bash" || fail "completion bash failed"
source "$WORK/completion.bash"
# complete WORD...: what the completion offers for the last word, sorted, one per line.
complete_words() {
  COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=()
  _mis_spectral
  printf '%s\n' "${COMPREPLY[@]}" | sort
}
offered=$(complete_words mis-spectral "" | grep -v '^-')
[ "$offered" = "$commands" ] && pass "completion offers the $(echo "$commands" | wc -l) commands of --help" \
  || fail "completion offers '$offered', --help lists '$commands'"
complete_words mis-spectral ev | grep -qx eval && pass "ev completes to eval" || fail "ev does not complete"

# Each command: the options its --help lists (every --long and -s spelling) = those completed.
mismatch=""
for c in $commands; do
  from_help=$("$BIN" "$c" --help | grep -oE '^ +(-[a-zA-Z],)?--[a-z0-9-]+' | tr ',' '\n' | tr -d ' ' | sort -u)
  completed=$(complete_words mis-spectral "$c" - | sort -u)
  [ "$from_help" = "$completed" ] || mismatch+="$c: help [$(echo $from_help)] vs completion [$(echo $completed)]; "
done
[ -z "$mismatch" ] && pass "every command completes exactly the options of its --help" || fail "$mismatch"
complete_words mis-spectral eval --check | grep -qx -- --checkpoint-kind && pass "--check completes to --checkpoint-kind" \
  || fail "--check: $(complete_words mis-spectral eval --check)"

mkdir -p "$WORK/runs/alpha"
cd "$WORK"
[ "$(complete_words mis-spectral eval --checkpoint runs/al)" = "runs/alpha" ] && pass "a PATH option completes files" \
  || fail "--checkpoint runs/al: '$(complete_words mis-spectral eval --checkpoint runs/al)'"
[ "$(complete_words mis-spectral report runs/al)" = "runs/alpha" ] && pass "report's positional folders complete" \
  || fail "report runs/al: '$(complete_words mis-spectral report runs/al)'"
[ -z "$(complete_words mis-spectral eval --batch-size ru)" ] && pass "a number option offers no files" \
  || fail "--batch-size offered files"
expect_error "an unknown shell" "unknown shell 'fish'" "$BIN" completion fish
if command -v zsh >/dev/null; then
  "$BIN" completion zsh >"$WORK/_mis-spectral"
  zsh -c "source $WORK/_mis-spectral && whence -w _mis_spectral" | grep -q function && pass "zsh loads the completion" \
    || fail "zsh could not load the completion"
fi

command -v help2man >/dev/null || { fail "help2man is missing (make deps installs it)"; finish; exit; }
bash "$ROOT/scripts/man-page.sh" "$BIN" "$WORK/mis-spectral.1" || fail "man-page.sh failed"
warnings=$(groff -man -Tutf8 -ww "$WORK/mis-spectral.1" 2>&1 >"$WORK/man.txt")
[ -z "$warnings" ] && pass "the man page renders without warnings" || fail "groff: $warnings"
missing=""
for c in $commands; do grep -q "mis-spectral $c" "$WORK/man.txt" || missing+="$c "; done
[ -z "$missing" ] && grep -q -- "--checkpoint-kind" "$WORK/man.txt" && pass "the man page holds every command's options" \
  || fail "the man page lacks: $missing"
bash "$ROOT/scripts/install.sh" "$BIN" "$WORK/prefix" >/dev/null || fail "install.sh failed"
P=$WORK/prefix
[ -x "$P/bin/mis-spectral" ] && [ -s "$P/share/man/man1/mis-spectral.1" ] \
  && [ -s "$P/share/bash-completion/completions/mis-spectral" ] && [ -s "$P/share/zsh/site-functions/_mis-spectral" ] \
  && "$P/bin/mis-spectral" --version | head -1 | grep -q '^mis-spectral ' && pass "install.sh: binary, man page, completions" \
  || fail "install.sh left: $(cd "$P" && find . -type f)"
finish
