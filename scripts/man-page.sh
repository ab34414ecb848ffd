#!/usr/bin/env bash
# Writes the man page of mis-spectral from its own --help and --version (help2man, Debian's
# help2man package), with one subsection per command holding that command's --help, so the page
# never disagrees with the binary.
# Usage: scripts/man-page.sh BIN OUT.1
set -euo pipefail
bin=$1 out=$2
command -v help2man >/dev/null || { echo "man-page.sh: help2man is missing; make deps installs it" >&2; exit 2; }
include=$(mktemp)
trap 'rm -f "$include"' EXIT
# roff: a line starting with . or ' is a request, and \ starts an escape; .nf keeps the layout.
escape() { sed -e 's/\\/\\e/g' -e "s/^\([.']\)/\\\\\&\1/"; }
{
  echo "[COMMANDS]"
  for command in $("$bin" --help | awk '/^Subcommands:/ {on = 1; next} on && NF {print $1}'); do
    echo ".SS mis-spectral $command"
    echo ".nf"
    "$bin" "$command" --help | escape
    echo ".fi"
  done
  echo "[SEE ALSO]"
  echo "The README.md and docs/ of the mis-spectral source tree: the method (docs/method.md), the report"
  echo "(docs/report.md) and how to extend it (docs/extending.md)."
} >"$include"
tmp="$out.tmp$$"
help2man --no-info --no-discard-stderr --section 1 \
  --name "medical image segmentation experiments with a spatial + spectral objective" \
  --include "$include" --output "$tmp" "$bin"
mv "$tmp" "$out"
