#!/usr/bin/env bash
# make peers: installs the pinned peers (scripts/requirements-peers.txt) into .venv beside the
# pinned PyTorch wheel, then checks BINARY against them (tests/peers/README.md). Every check
# runs; the step fails if any failed.
# Usage: tests/peers/run.sh BUILD_DIR [CHECK...]   (CHECK: metrics stats calibration spectral noise
#        transunet viz)
# BUILD_DIR holds mis-spectral and, for the spectral, noise, transunet and viz checks, tests/mis_peers_probe (configured
# with -DMIS_PEERS_PROBE=ON; make peers does both).
set -euo pipefail
cd "$(dirname "$0")/../.."
build=$(cd "$1" && pwd); shift
checks=("$@")
[ ${#checks[@]} -gt 0 ] || checks=(metrics stats calibration spectral noise transunet viz)
for f in mis-spectral tests/mis_peers_probe; do
  [ -x "$build/$f" ] || { echo "peers: $build/$f is not an executable (make peers builds both)" >&2; exit 2; }
done

# .venv with the pinned PyTorch: the same step as make deps TORCH=wheel (a no-op once done).
bash scripts/install-deps.sh --torch wheel
venv=.venv
stamp=$venv/.mis-peers.sha256
want=$(cat scripts/requirements-torch.txt scripts/requirements-peers.txt | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "peers: $venv has the pinned peers"
else
  echo "peers: installing the pinned peers into $venv (about 300 MB to download)"
  # MedPy and acvl_utils are source distributions: built against the pinned setuptools and
  # wheel, installed first, instead of whatever a build-isolation environment would fetch.
  "$venv/bin/pip" install --quiet --no-deps $(grep -E '^(setuptools|wheel)==' scripts/requirements-peers.txt)
  "$venv/bin/pip" install --quiet --no-deps --no-build-isolation -r scripts/requirements-peers.txt
  echo "$want" > "$stamp"
fi

export PYTHONDONTWRITEBYTECODE=1  # no __pycache__ in the checkout
failed=()
for check in "${checks[@]}"; do
  echo "== peers: $check"
  start=$SECONDS
  bin=$build/mis-spectral
  case $check in spectral | noise | transunet | viz) bin=$build/tests/mis_peers_probe ;; esac
  if "$venv/bin/python" "tests/peers/check_$check.py" "$bin"; then
    echo "   ($((SECONDS - start)) s)"
  else
    failed+=("$check")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "peers: FAILED: ${failed[*]}"
  exit 1
fi
echo "peers: all ${#checks[@]} checks agree"
