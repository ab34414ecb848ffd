#!/usr/bin/env bash
# Installs the Debian packages mis-spectral builds against. Does nothing when all are present;
# uses sudo when not run as root.
# Usage: install-deps.sh [--with-python-torch]   (the option adds python3-torch, the Python
# side of `make bench`; plain `make deps` never installs it)
set -euo pipefail
packages=(
  build-essential cmake git
  libtorch-dev            # LibTorch 1.13 (CPU)
  libopenblas0-openmp     # without it LibTorch's matrix products run on the reference BLAS (~50x slower)
  libinsighttoolkit5-dev  # NIfTI/PNG/... I/O, resampling, distance maps
  libcli11-dev nlohmann-json3-dev libfmt-dev doctest-dev
  libzip-dev              # reads the .npz pre-trained weights
)
if [ "${1:-}" = "--with-python-torch" ]; then
  packages+=(python3-torch)  # the same LibTorch 1.13, from Python: tests/perf/pytorch_reference.py
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#packages[@]} packages present"
  exit 0
fi
echo "deps: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
