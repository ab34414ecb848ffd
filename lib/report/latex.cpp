#include "report/latex.h"

#include <algorithm>
#include <filesystem>
#include <sstream>

#include <fmt/format.h>

#include "report/figure_render.h"

namespace mis {

namespace {

std::vector<std::string> words_of(const std::string& s) {
  std::vector<std::string> w;
  std::istringstream in(s);
  for (std::string x; in >> x;) w.push_back(x);
  return w;
}

// Whether `name` is `prefix` (as words) followed by at least one more word.
bool extends(const std::vector<std::string>& name, const std::vector<std::string>& prefix) {
  return name.size() > prefix.size() && std::equal(prefix.begin(), prefix.end(), name.begin());
}

std::string join(const std::vector<std::string>& w, std::size_t from, std::size_t to) {
  std::string s;
  for (std::size_t i = from; i < to; ++i) s += (i > from ? " " : "") + w[i];
  return s;
}

// A number as LaTeX: every '-' a minus sign in math mode (a hyphen is shorter than a minus).
std::string tex_number(const std::string& shown) {
  std::string out;
  for (char ch : tex_escape(shown)) out += ch == '-' ? std::string("$-$") : std::string(1, ch);
  return out;
}

std::string tex_cell(const Cell& c) { return c.kind == Cell::Kind::number ? tex_number(display(c)) : tex_escape(display(c)); }

}  // namespace

std::string tex_escape(const std::string& s) {
  static const std::pair<const char*, const char*> kSymbols[] = {
      {"±", "$\\pm$"},    {"Δ", "$\\Delta$"},   {"λ", "$\\lambda$"}, {"−", "$-$"},      {"→", "$\\rightarrow$"},
      {"—", "---"},        {"–", "--"},          {"σ", "$\\sigma$"},  {"×", "$\\times$"}, {"·", "$\\cdot$"},
      {"≤", "$\\leq$"},   {"≥", "$\\geq$"},     {"γ", "$\\gamma$"},  {"α", "$\\alpha$"}, {"µ", "$\\mu$"},
      {"°", "$^\\circ$"}};
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    bool mapped = false;
    for (const auto& [from, to] : kSymbols) {
      const std::string f = from;
      if (s.compare(i, f.size(), f) == 0) {
        out += to;
        i += f.size();
        mapped = true;
        break;
      }
    }
    if (mapped) continue;
    const char ch = s[i++];
    switch (ch) {
      case '&': case '%': case '$': case '#': case '_': case '{': case '}': out += '\\'; out += ch; break;
      case '~': out += "\\textasciitilde{}"; break;
      case '^': out += "\\textasciicircum{}"; break;
      case '\\': out += "\\textbackslash{}"; break;
      case '<': out += "\\textless{}"; break;
      case '>': out += "\\textgreater{}"; break;
      case '|': out += "\\textbar{}"; break;
      // TeX reads -- and --- as dashes and `` '' as quotes: keep each character literal.
      case '-': out += (i < s.size() && s[i] == '-') ? "-{}" : "-"; break;
      case '`': case '\'': out += ch; if (i < s.size() && s[i] == ch) out += "{}"; break;
      default: out += ch;
    }
  }
  return out;
}

std::vector<ColumnGroup> column_groups(const std::vector<std::string>& columns) {
  std::vector<ColumnGroup> groups;
  for (std::size_t i = 0; i + 1 < columns.size();) {
    const auto a = words_of(columns[i]), b = words_of(columns[i + 1]);
    std::size_t common = 0;
    while (common < a.size() && common < b.size() && a[common] == b[common]) ++common;
    const std::vector<std::string> prefix(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(common));
    if (common == 0 || !extends(a, prefix) || !extends(b, prefix)) {
      ++i;
      continue;
    }
    std::size_t j = i + 2;
    while (j < columns.size() && extends(words_of(columns[j]), prefix)) ++j;
    groups.push_back({i, j - i, join(prefix, 0, prefix.size())});
    i = j;
  }
  return groups;
}

std::string to_latex(const Table& t) {
  std::string tex = "\\begin{table}[htbp]\n\\centering\n\\small\n";
  tex += "\\caption{" + tex_escape(t.title) + (t.note.empty() ? "" : ". " + tex_escape(t.note)) + "}\n";
  tex += "\\label{tab:" + t.id + "}\n";
  std::string spec;
  for (std::size_t i = 0; i < t.columns.size(); ++i) spec += is_text_column(t, i) ? "l" : "r";
  // Scaled to the text width when wider, else left at its natural size (graphicx: \width is the
  // box's own width inside \resizebox's arguments).
  tex += "\\resizebox{\\ifdim\\width>\\linewidth\\linewidth\\else\\width\\fi}{!}{%\n";
  tex += "\\begin{tabular}{" + spec + "}\n\\toprule\n";
  const auto groups = column_groups(t.columns);
  std::vector<std::string> heads(t.columns.size());
  for (std::size_t i = 0; i < t.columns.size(); ++i) heads[i] = tex_escape(t.columns[i]);
  if (!groups.empty()) {
    std::string top, rules;
    std::size_t col = 0;
    for (const auto& g : groups) {
      for (; col < g.first; ++col) top += col ? " & " : "";
      top += fmt::format("{}\\multicolumn{{{}}}{{c}}{{{}}}", col ? " & " : "", g.count, tex_escape(g.label));
      rules += fmt::format("\\cmidrule(lr){{{}-{}}}", g.first + 1, g.first + g.count);
      for (std::size_t k = g.first; k < g.first + g.count; ++k) {
        const auto w = words_of(t.columns[k]);
        heads[k] = tex_escape(join(w, words_of(g.label).size(), w.size()));
      }
      col = g.first + g.count;
    }
    for (; col < t.columns.size(); ++col) top += " & ";
    tex += top + " \\\\\n" + rules + "\n";
  }
  for (std::size_t i = 0; i < heads.size(); ++i) tex += (i ? " & " : "") + heads[i];
  tex += " \\\\\n\\midrule\n";
  if (t.rows.empty()) tex += fmt::format("\\multicolumn{{{}}}{{l}}{{No results.}} \\\\\n", t.columns.size());
  for (const auto& row : t.rows) {
    for (std::size_t i = 0; i < row.size(); ++i) tex += (i ? " & " : "") + tex_cell(row[i]);
    tex += " \\\\\n";
  }
  tex += "\\bottomrule\n\\end{tabular}}\n\\end{table}\n";
  return tex;
}

std::string latex_body(const ReportContent& r, bool pdf_figures) {
  std::string tex = "% " + r.title +
                    ": tables and figures written by `mis-spectral report`, to \\input into a paper.\n"
                    "% Needs \\usepackage{booktabs} and \\usepackage{graphicx}; figure paths are relative to the "
                    "report folder\n% (\\graphicspath{{path/to/report/}} from elsewhere).\n";
  if (!pdf_figures && !r.figures.empty())
    tex += std::string("% No figures: ") + kNoFigureRendering + ".\n% They are in figures/*.svg.\n";
  tex += "\n";
  // LaTeX holds at most 18 floats waiting for a place; a page break now and then flushes them.
  int floats = 0;
  const auto flush_floats = [&] {
    if (floats >= 12) {
      tex += "\\clearpage\n\n";
      floats = 0;
    }
  };
  for (const auto& t : r.tables) {
    tex += to_latex(t) + "\n";
    ++floats;
    if (!pdf_figures) continue;
    for (const auto& f : r.figures) {
      if (f.section != t.id) continue;
      const std::string pdf = std::filesystem::path(f.file).replace_extension(".pdf").generic_string();
      tex += "\\begin{figure}[htbp]\n\\centering\n\\includegraphics[width=0.7\\linewidth]{" + pdf + "}\n\\caption{" +
             tex_escape(f.title) + (f.caption.empty() ? "" : ". " + tex_escape(f.caption)) + "}\n\\label{fig:" +
             std::filesystem::path(f.file).stem().string() + "}\n\\end{figure}\n\n";
      ++floats;
      flush_floats();
    }
    flush_floats();
  }
  // The Grad-CAM panels: one figure per explained item, its images side by side.
  for (const auto& g : r.gallery) {
    if (g.images.empty()) continue;
    const double width = 0.98 / static_cast<double>(std::max<std::size_t>(4, g.images.size()));
    tex += "\\begin{figure}[htbp]\n\\centering\n";
    std::string order;
    for (std::size_t i = 0; i < g.images.size(); ++i) {
      tex += fmt::format("\\includegraphics[width={:.3f}\\linewidth]{{{}}}%\n", width, g.images[i].file);
      if (i + 1 < g.images.size()) tex += "\\hfill\n";
      order += (i ? "; " : "") + g.images[i].caption;
    }
    tex += "\n\\caption{Grad-CAM, " + tex_escape(g.title) + ". Left to right: " + tex_escape(order) + ".}\n\\end{figure}\n\n";
    ++floats;
    flush_floats();
  }
  return tex;
}

std::string latex_document(const ReportContent& r) {
  return "% " + r.title +
         " (written by `mis-spectral report`): compiles as is with `pdflatex report.tex` in the report folder.\n"
         "\\documentclass[a4paper,10pt]{article}\n"
         "\\usepackage[utf8]{inputenc}\n"
         "\\usepackage[margin=2cm]{geometry}\n"
         "\\usepackage{booktabs}\n"
         "\\usepackage{graphicx}\n"
         "\\title{" +
         tex_escape(r.title) +
         "}\n\\author{}\n\\date{}\n"
         "\\begin{document}\n"
         "\\maketitle\n"
         "\\input{report_body}\n"
         "\\end{document}\n";
}

}  // namespace mis
