#pragma once
// The report as LaTeX, for pdflatex (TeX Live's texlive-latex-recommended suffices):
//   report_body.tex  every table (booktabs) and figure (the PDF renderings of the SVGs), to
//                    \input into one's own paper: it needs \usepackage{booktabs,graphicx}, and
//                    \graphicspath{{<report folder>/}} when the paper lives elsewhere
//   report.tex       a complete article around it (\input{report_body}), which compiles as is
// Tables wider than the text are scaled down to \linewidth, never up, so none runs off the page.
#include <string>

#include "report/build_tables.h"
#include "report/table.h"

namespace mis {

// Text as LaTeX: its special characters escaped; "--" kept as two hyphens (`-{}-`, not an en
// dash: flags such as --temperature-split); the Unicode symbols the report uses as math.
std::string tex_escape(const std::string& s);

// One table environment, with a two-level header where adjacent columns share a leading phrase
// ("IID DSC spatial", "IID DSC +spectral" under one "IID DSC"), numbers with true minus signs.
std::string to_latex(const Table& t);

// pdf_figures: whether figures/<name>.pdf were written (figure_render.h); else a comment says why
// there are none.
std::string latex_body(const ReportContent& r, bool pdf_figures);
std::string latex_document(const ReportContent& r);

// The groups of a two-level header: [first, first + count) columns under `label`.
struct ColumnGroup {
  std::size_t first = 0, count = 0;
  std::string label;
};
std::vector<ColumnGroup> column_groups(const std::vector<std::string>& columns);

}  // namespace mis
