#!/usr/bin/env bash
# report.tex compiles on its own with pdflatex (texlive-latex-recommended), with no overfull box
# wider than 2 pt (the tables are scaled to the text width), and includes every figure as PDF
# when the build renders them. The study is written by hand (report_fixture.py: TeX's special
# characters, a "--flag" and a long error message in it). Skipped (exit 77) without pdflatex.
source "$(dirname "$0")/lib.sh"
if ! command -v pdflatex >/dev/null; then
  echo "SKIP: pdflatex not found (apt-get install texlive-latex-recommended, scripts/install-deps.sh)"
  exit 77
fi
python3 "$(dirname "$0")/report_fixture.py" "$WORK/results" || fail "fixture"
"$BIN" report "$WORK/results" --out "$WORK/rep" >/dev/null 2>"$WORK/stderr.txt" || fail "report: $(cat "$WORK/stderr.txt")"
cd "$WORK/rep" || exit 1
# Twice, as a paper is built: the second pass sees the labels of the first.
for pass in 1 2; do
  pdflatex -interaction=nonstopmode -halt-on-error report.tex >/dev/null 2>&1
done
[ -s report.pdf ] && pass "report.tex compiles with pdflatex" || fail "pdflatex: $(grep -A3 '^!' report.log | head -8)"
python3 - report.log <<'PY' && pass "no overfull box wider than 2pt" || fail "overfull boxes"
import re, sys
log = open(sys.argv[1], encoding="latin-1").read()
over = [float(x) for x in re.findall(r"Overfull \\[hv]box \(([\d.]+)pt too (?:wide|high)\)", log)]
bad = [x for x in over if x > 2.0]
if bad:
    print("overfull boxes (pt):", bad)
sys.exit(1 if bad else 0)
PY
grep -q "Environment table undefined\|Undefined control sequence\|LaTeX Error" report.log \
  && fail "LaTeX errors: $(grep -m3 'Error\|Undefined' report.log)" || pass "no LaTeX errors"
# Escaping: "--" stays two hyphens, a negative difference is a minus sign in math.
grep -q -- "-{}-temperature-split" report_body.tex && pass "-- escaped as -{}-" || fail "-- not escaped"
grep -qE '\$-\$[0-9]' report_body.tex && pass "negative numbers with a math minus" || fail "no math minus"
grep -qE '(^|[ {&])-[0-9]' report_body.tex && fail "a hyphen as a minus sign: $(grep -mE1 '(^|[ {&])-[0-9]' report_body.tex)" \
  || pass "no hyphen used as a minus sign"
if grep -q "SVG only" "$WORK/stderr.txt"; then
  grep -q "^% No figures:" report_body.tex && pass "no renderer: report_body.tex says why it has no figures" \
    || fail "no renderer and no note"
else
  n=$(ls figures/*.pdf | wc -l)
  included=$(grep -o "figures/[^ >]*\.pdf" report.log | sort -u | wc -l)
  [ "$n" -gt 0 ] && [ "$included" -eq "$n" ] && pass "all $n PDF figures included" || fail "$included of $n PDF figures included"
fi
# The body alone, \input into another document from another folder, as in a paper.
mkdir -p "$WORK/paper"
printf '%s\n' '\documentclass{article}' '\usepackage{booktabs,graphicx}' '\graphicspath{{../rep/}}' \
  '\begin{document}' 'Our results.' '\input{../rep/report_body}' '\end{document}' > "$WORK/paper/paper.tex"
(cd "$WORK/paper" && pdflatex -interaction=nonstopmode -halt-on-error paper.tex >/dev/null 2>&1)
[ -s "$WORK/paper/paper.pdf" ] && pass "report_body.tex \\input into a paper elsewhere" \
  || fail "paper with the body: $(grep -A3 '^!' "$WORK/paper/paper.log" | head -6)"
finish
