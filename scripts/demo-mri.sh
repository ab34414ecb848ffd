#!/usr/bin/env bash
# The real-MRI study (docs/mri-study.md): builds the Colin27/AAL datasets from Debian's
# mricron-data (scripts/mri-atlas-dataset.py), preprocesses each with `preprocess --dataset
# nnunet`, runs experiments/mri.json and writes the report. Everything goes under OUTDIR;
# rerunning reuses the datasets and skips complete runs.
set -euo pipefail
bin=${1:-build/mis-spectral}
out=${2:-demo-mri}
start=$(date +%s)
mkdir -p "$out/data/mri"
if [ ! -d "$out/data/mri/raw" ]; then
  /usr/bin/python3 scripts/mri-atlas-dataset.py "$out/data/mri/raw"
fi
for set in source lowres skull-stripped ch2better; do
  if [ ! -d "$out/data/mri/$set" ]; then
    # percentile-zscore, the nnunet layout's choice for MRI (datasets/nnunet/README.md), said outright.
    "$bin" preprocess --dataset nnunet --input "$out/data/mri/raw/$set" --output "$out/data/mri/$set" \
      --intensity percentile-zscore
  fi
done
"$bin" run experiments/mri.json --workdir "$out"
echo
"$bin" report "$out/results/mri" --out "$out/report"
echo
echo "demo-mri finished in $(( ($(date +%s) - start) / 60 )) min; report: $out/report/report.md and $out/report/index.html"
