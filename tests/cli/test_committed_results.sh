#!/usr/bin/env bash
# The studies committed under results/ (results only, no checkpoints) are what their committed
# reports say, and the README's Findings cite only numbers those reports hold (issue 18: "no
# number appears in the README that the committed results do not reproduce"):
# * `report` on each results/<study>/ (a folder with runs/ and report/) writes the committed
#   report.md and tables/ again, byte for byte;
# * every effect with its interval ("+1.23 [+0.45, +2.01]") and every mean ± std the Findings
#   section of README.md states appears in one of those report.md files;
# * every results/ path the Findings link to exists.
source "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
studies=()
for dir in "$ROOT"/results/*/; do
  [ -d "$dir/runs" ] || continue
  name=$(basename "$dir")
  [ -d "$dir/report" ] || { fail "results/$name has runs but no report: write it with mis-spectral report results/$name --out results/$name/report"; continue; }
  studies+=("$name")
  "$BIN" report "$dir" --out "$WORK/$name" >/dev/null 2>"$WORK/err" || { fail "report results/$name: $(cat "$WORK/err")"; continue; }
  if diff -q "$dir/report/report.md" "$WORK/$name/report.md" >/dev/null && diff -rq "$dir/report/tables" "$WORK/$name/tables" >/dev/null; then
    pass "results/$name/report is what report writes from results/$name"
  else
    fail "results/$name/report is stale: regenerate it with mis-spectral report results/$name --out results/$name/report ($(diff "$dir/report/report.md" "$WORK/$name/report.md" | head -3 | tr '\n' ' '))"
  fi
done
[ ${#studies[@]} -gt 0 ] || pass "no committed study (nothing to check)"

python3 - "$ROOT" "${studies[@]}" <<'PY' && pass "every number and link of the README's Findings is in a committed report" || fail "README Findings"
import os, re, sys
root, studies = sys.argv[1], sys.argv[2:]
readme = open(os.path.join(root, "README.md")).read()
m = re.search(r"^## Findings\n(.*?)(?=^## |\Z)", readme, re.S | re.M)
if not m:
    sys.exit(0 if not studies else print("README.md has committed studies but no '## Findings' section") or 1)
findings = re.sub(r"\s+", " ", m.group(1))  # a number and its interval may be wrapped across lines
reports = "".join(open(os.path.join(root, "results", s, "report", "report.md")).read() for s in studies)
if "\u2212" in findings:
    sys.exit(print("README Findings: write minus signs as '-', as report does (U+2212 found)") or 1)
number = r"[+-]?\d+(?:\.\d+)?"
cited = re.findall(rf"{number} \[{number}, {number}\]", findings) + re.findall(rf"{number} ± {number}", findings)
# whole numbers only: "1.2 ± 0.3" is not found inside "81.2 ± 0.35"
missing = [c for c in cited if not re.search(r"(?<![\d.+-])" + re.escape(c) + r"(?![\d])", reports)]
links = [l for l in re.findall(r"\]\(((?:results|docs)/[^)#]+)", findings) if not os.path.exists(os.path.join(root, l))]
for c in missing:
    print(f"README Findings cites '{c}', which no committed report.md holds")
for l in links:
    print(f"README Findings links to {l}, which does not exist")
sys.exit(1 if missing or links or not cited else 0)
PY
finish
