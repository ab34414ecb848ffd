#!/usr/bin/env bash
# The demo: the synthetic study of experiments/synthetic.json (small UNet, spatial-only and
# spatial+spectral, two seeds, IID + three unseen scanners, noise sweep, calibration), then the
# report. Everything goes under OUTDIR; rerunning skips what is complete and resumes the rest.
set -euo pipefail
bin=${1:-build/mis-spectral}
out=${2:-demo}
mkdir -p "$out"
start=$(date +%s)
"$bin" run experiments/synthetic.json --workdir "$out"
echo
"$bin" report "$out/results/synthetic" --out "$out/report"
echo
echo "demo finished in $(( ($(date +%s) - start) / 60 )) min; report: $out/report/report.md and $out/report/index.html"
