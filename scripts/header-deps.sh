#!/usr/bin/env bash
# Prepares DEPS_DIR for a machine that has a compiler, CMake and a Python PyTorch but no apt, no
# pip and no network (scripts/gpu-check.sh): the header-only libraries mis-spectral builds with,
# copied from this machine's Debian packages (make deps installs them). About 3 MB; pass the
# folder to CMake as -DMIS_HEADER_ONLY_DEPS=DEPS_DIR.
# Usage: scripts/header-deps.sh DEPS_DIR      (e.g. .deps/header-only, which git ignores)
set -euo pipefail
out=${1:?usage: header-deps.sh DEPS_DIR}
declare -A from=(
  [CLI]=libcli11-dev [nlohmann]=nlohmann-json3-dev [fmt]=libfmt-dev [doctest]=doctest-dev
)
for dir in "${!from[@]}"; do
  if [ ! -d "/usr/include/$dir" ]; then
    echo "header-deps: /usr/include/$dir is missing; install ${from[$dir]} (make deps)" >&2
    exit 2
  fi
done
mkdir -p "$(dirname "$out")"
tmp=$(mktemp -d "$(dirname "$out")/.header-deps.XXXXXX")  # beside OUT, so that the final mv is a rename
trap 'rm -rf "$tmp"' EXIT
for dir in "${!from[@]}"; do cp -r "/usr/include/$dir" "$tmp/"; done
{
  echo "Header-only dependencies of mis-spectral, copied by scripts/header-deps.sh from:"
  for dir in "${!from[@]}"; do dpkg-query -W -f='  ${Package} ${Version}\n' "${from[$dir]}"; done
} > "$tmp/VERSIONS.txt"
rm -rf "$out"
mv "$tmp" "$out"
trap - EXIT
echo "header-deps: wrote $out ($(du -sh "$out" | cut -f1)); copy it along and pass it to scripts/gpu-check.sh"
