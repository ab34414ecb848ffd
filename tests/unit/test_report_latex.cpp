// The report's LaTeX, checked on the text: escaping (TeX specials, "--" kept two hyphens, math
// minus signs), the two-level header built from shared column phrases, tables scaled to fit.
// That it compiles and fits the page is tests/cli/test_report_latex.sh (pdflatex).
#include <doctest/doctest.h>

#include "report/latex.h"

using namespace mis;

TEST_CASE("report tex_escape: specials, double hyphens, Unicode symbols") {
  CHECK(tex_escape("calibrate --temperature-split") == "calibrate -{}-temperature-split");
  CHECK(tex_escape("a---b") == "a-{}-{}-b");
  CHECK(tex_escape("50% & $x_1 #2 {y}") == "50\\% \\& \\$x\\_1 \\#2 \\{y\\}");
  CHECK(tex_escape("~^\\") == "\\textasciitilde{}\\textasciicircum{}\\textbackslash{}");
  CHECK(tex_escape("<a|b>") == "\\textless{}a\\textbar{}b\\textgreater{}");
  CHECK(tex_escape("84.1 ± 1.0, Δ pp, λ=0.5 · x") == "84.1 $\\pm$ 1.0, $\\Delta$ pp, $\\lambda$=0.5 $\\cdot$ x");
  CHECK(tex_escape("single-hyphen") == "single-hyphen");
}

TEST_CASE("report column groups: adjacent columns sharing a leading phrase") {
  const auto g = column_groups({"Dataset", "Model", "IID DSC spatial", "IID DSC +spectral", "IID DSC Δ pp", "IID DSC p",
                                "OOD DSC spatial", "OOD DSC +spectral", "Paper Δ pp"});
  REQUIRE(g.size() == 2);
  CHECK(g[0].first == 2);
  CHECK(g[0].count == 4);
  CHECK(g[0].label == "IID DSC");
  CHECK(g[1].first == 6);
  CHECK(g[1].count == 2);
  CHECK(g[1].label == "OOD DSC");
  // A column equal to the phrase itself is not under it; unrelated neighbours form no group.
  CHECK(column_groups({"IID DSC", "OOD DSC", "Δ vs main spatial pp"}).empty());
  CHECK(column_groups({"ECE", "ECE spatial"}).empty());
}

TEST_CASE("report to_latex: grouped header, math minus, scaled to the text width") {
  Table t;
  t.id = "x";
  t.title = "T";
  t.columns = {"Dataset", "DSC spatial", "DSC Δ pp"};
  Cell d = Cell::num(-1.5);
  d.sign = true;
  d.ci = std::pair{-2.25, -0.5};
  t.rows = {{Cell::str("A_1"), Cell::num(80.0), d}};
  const std::string tex = to_latex(t);
  CHECK(tex.find(" & \\multicolumn{2}{c}{DSC} \\\\\n\\cmidrule(lr){2-3}\n") != std::string::npos);
  CHECK(tex.find("Dataset & spatial & $\\Delta$ pp \\\\") != std::string::npos);
  CHECK(tex.find("A\\_1 & 80.00 & $-$1.50 [$-$2.25, $-$0.50] \\\\") != std::string::npos);
  CHECK(tex.find("\\resizebox{\\ifdim\\width>\\linewidth\\linewidth\\else\\width\\fi}{!}{%") != std::string::npos);
  CHECK(tex.find("\\begin{tabular}{lrr}") != std::string::npos);
}
