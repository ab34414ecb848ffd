#!/usr/bin/env bash
# Installs what mis-spectral builds against. Does nothing when all is present; uses sudo for
# apt-get when not run as root.
# Usage: install-deps.sh [--torch debian|wheel] [--with-python-torch] [--with-mri-data]
#   --torch debian  Debian's LibTorch 1.13.1 (libtorch-dev)
#   --torch wheel   PyTorch's wheel from PyPI (pinned in scripts/requirements-torch.txt), in the
#                   project-local virtual environment .venv (never system-wide)
#   --with-python-torch  also the Python side of `make bench` for Debian's LibTorch (python3-torch);
#                   the wheel's .venv is its own Python side
#   --with-mri-data  also the real-MRI study's data (make demo-mri: Debian's mricron-data;
#                   docs/mri-study.md)
set -euo pipefail
cd "$(dirname "$0")/.."
torch=debian python_torch=0 mri_data=0
while [ $# -gt 0 ]; do
  case "$1" in
    --torch) torch=$2; shift 2 ;;
    --with-python-torch) python_torch=1; shift ;;
    --with-mri-data) mri_data=1; shift ;;
    *) echo "install-deps.sh: unknown option $1 (see the comment at the top)" >&2; exit 2 ;;
  esac
done
packages=(
  build-essential cmake git ccache
  libinsighttoolkit5-dev  # NIfTI/PNG/... I/O, resampling, distance maps
  libcli11-dev nlohmann-json3-dev libfmt-dev doctest-dev
  libzip-dev              # reads the .npz pre-trained weights
  libpng-dev              # writes explain's PNG pictures (checked writes; ITK's writer crashes on a full disk)
  librsvg2-dev libcairo2-dev  # report: figures as PDF (for report.tex) and PNG besides SVG (optional at build time)
  texlive-latex-recommended   # tests/cli/test_report_latex.sh compiles report.tex with pdflatex (skipped without)
  help2man                    # make install: the man page from --help (scripts/man-page.sh)
  python3-nibabel python3-scipy  # scripts/mri-atlas-dataset.py (make demo-mri) and its test, run by /usr/bin/python3
)
case "$torch" in
  debian)
    packages+=(libtorch-dev            # LibTorch 1.13 (CPU)
               libopenblas0-openmp)    # without it LibTorch's matrix products run on the reference BLAS (~50x slower)
    if [ "$python_torch" = 1 ]; then packages+=(python3-torch); fi  # tests/perf/pytorch_reference.py
    ;;
  wheel) packages+=(python3-venv) ;;
  *) echo "install-deps.sh: --torch $torch: expected debian or wheel" >&2; exit 2 ;;
esac
if [ "$mri_data" = 1 ]; then
  packages+=(mricron-data)  # the Colin27 T1 brain and the AAL atlas drawn on it (16 MB)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#packages[@]} Debian packages present"
else
  echo "deps: installing ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
[ "$torch" = wheel ] || exit 0

# The wheel: Debian's own Python 3 (not whichever python3 comes first on PATH), a venv beside
# the sources, the exact versions of the lock file. A stamp holding the lock file's hash makes
# the second call free and a changed lock file reinstall.
venv=.venv
stamp=$venv/.mis-requirements.sha256
want=$(sha256sum scripts/requirements-torch.txt | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && "$venv/bin/python" -c 'import torch' 2>/dev/null; then
  echo "deps: $venv has the pinned PyTorch ($("$venv/bin/python" -c 'import torch; print(torch.__version__)'))"
  exit 0
fi
echo "deps: installing the pinned PyTorch wheel into $venv (about 2.7 GB to download, 4.6 GB on disk)"
[ -x "$venv/bin/python" ] || /usr/bin/python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --no-deps -r scripts/requirements-torch.txt
"$venv/bin/python" -c 'import torch; print("deps: PyTorch", torch.__version__, "in .venv")'
echo "$want" > "$stamp"
