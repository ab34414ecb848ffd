#include "report/table_writers.h"

#include <fmt/format.h>

namespace mis {

namespace {

bool is_seed_column(const Table& t, std::size_t col) {
  for (const auto& row : t.rows)
    if (col < row.size() && row[col].kind == Cell::Kind::number && (row[col].of > 0 || row[col].sd)) return true;
  return false;
}

// A column of labels (left-aligned) holds no number at all; "—" or "missing" among numbers does not count.
bool is_text_column(const Table& t, std::size_t col) {
  for (const auto& row : t.rows)
    if (col < row.size() && row[col].kind == Cell::Kind::number) return false;
  return true;
}

std::string md_escape(const std::string& s) {
  std::string out;
  for (char ch : s) {
    if (ch == '|') out += "\\|";
    else if (ch == '\n') out += ' ';
    else out += ch;
  }
  return out;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char ch : s) out += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return out + "\"";
}

// Text for LaTeX: special characters escaped, the few Unicode symbols the report uses mapped
// to math mode so the file compiles with pdflatex as well.
std::string tex_escape(const std::string& s) {
  static const std::pair<const char*, const char*> kSymbols[] = {
      {"±", "$\\pm$"}, {"Δ", "$\\Delta$"}, {"λ", "$\\lambda$"}, {"−", "$-$"}, {"→", "$\\rightarrow$"},
      {"—", "---"},     {"–", "--"},       {"σ", "$\\sigma$"},  {"×", "$\\times$"}};
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
      default: out += ch;
    }
  }
  return out;
}

json cell_json(const Cell& c) {
  switch (c.kind) {
    case Cell::Kind::text: return c.text;
    case Cell::Kind::missing: return {{"status", "missing"}};
    case Cell::Kind::failed: return {{"status", "failed"}, {"error", c.text}};
    case Cell::Kind::number: break;
  }
  json j = {{"value", c.value}, {"sd", c.sd ? json(*c.sd) : json(nullptr)}};
  if (c.of > 0) {
    j["n"] = c.n;
    j["of"] = c.of;
  }
  return j;
}

}  // namespace

std::string html_escape(const std::string& s) {
  std::string out;
  for (char ch : s) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += ch;
    }
  }
  return out;
}

std::string to_markdown(const Table& t) {
  std::string md = "### " + t.title + "\n\n";
  if (!t.note.empty()) md += t.note + "\n\n";
  if (t.rows.empty()) return md + "_No results._\n";
  md += "|";
  for (const auto& c : t.columns) md += " " + md_escape(c) + " |";
  md += "\n|";
  for (std::size_t i = 0; i < t.columns.size(); ++i) md += is_text_column(t, i) ? "---|" : "---:|";
  md += "\n";
  for (const auto& row : t.rows) {
    md += "|";
    for (const auto& c : row) md += " " + md_escape(display(c)) + " |";
    md += "\n";
  }
  return md;
}

std::string to_latex(const Table& t) {
  std::string tex = "\\begin{table}[ht]\n\\centering\n\\small\n";
  tex += "\\caption{" + tex_escape(t.title) + (t.note.empty() ? "" : ". " + tex_escape(t.note)) + "}\n";
  tex += "\\label{tab:" + t.id + "}\n";
  std::string spec;
  for (std::size_t i = 0; i < t.columns.size(); ++i) {
    spec += is_text_column(t, i) ? "l" : "r";
  }
  tex += "\\begin{tabular}{" + spec + "}\n\\toprule\n";
  for (std::size_t i = 0; i < t.columns.size(); ++i) tex += (i ? " & " : "") + tex_escape(t.columns[i]);
  tex += " \\\\\n\\midrule\n";
  if (t.rows.empty()) tex += fmt::format("\\multicolumn{{{}}}{{l}}{{No results.}} \\\\\n", t.columns.size());
  for (const auto& row : t.rows) {
    for (std::size_t i = 0; i < row.size(); ++i) tex += (i ? " & " : "") + tex_escape(display(row[i]));
    tex += " \\\\\n";
  }
  tex += "\\bottomrule\n\\end{tabular}\n\\end{table}\n";
  return tex;
}

std::string to_csv(const Table& t) {
  std::vector<bool> with_sd(t.columns.size());
  std::string csv;
  for (std::size_t i = 0; i < t.columns.size(); ++i) {
    with_sd[i] = is_seed_column(t, i);
    csv += (i ? "," : "") + csv_field(t.columns[i]);
    if (with_sd[i]) csv += "," + csv_field(t.columns[i] + " sd");
  }
  csv += "\r\n";
  for (const auto& row : t.rows) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      const Cell& c = row[i];
      if (i) csv += ",";
      if (c.kind == Cell::Kind::number) csv += fmt::format("{}", c.value);
      else if (c.kind == Cell::Kind::text) csv += csv_field(c.text);
      else csv += display(c);
      if (i < with_sd.size() && with_sd[i]) {
        if (c.kind == Cell::Kind::number) csv += c.sd ? fmt::format(",{}", *c.sd) : std::string(",");
        else csv += c.kind == Cell::Kind::text ? std::string(",") : "," + display(c);
      }
    }
    csv += "\r\n";
  }
  return csv;
}

json to_json(const Table& t) {
  json rows = json::array();
  for (const auto& row : t.rows) {
    json r = json::array();
    for (const auto& c : row) r.push_back(cell_json(c));
    rows.push_back(r);
  }
  return {{"id", t.id}, {"title", t.title}, {"note", t.note}, {"columns", t.columns}, {"rows", rows}};
}

std::string to_html(const Table& t) {
  std::string h = "<section id=\"" + html_escape(t.id) + "\">\n<h3>" + html_escape(t.title) + "</h3>\n";
  if (!t.note.empty()) h += "<p class=\"note\">" + html_escape(t.note) + "</p>\n";
  h += "<p class=\"files\"><a href=\"tables/" + html_escape(t.id) + ".csv\">CSV</a></p>\n";
  if (t.rows.empty()) return h + "<p><em>No results.</em></p>\n</section>\n";
  h += "<table>\n<thead><tr>";
  for (const auto& c : t.columns) h += "<th>" + html_escape(c) + "</th>";
  h += "</tr></thead>\n<tbody>\n";
  for (const auto& row : t.rows) {
    h += "<tr>";
    for (const auto& c : row) {
      std::string cls;
      if (c.kind == Cell::Kind::number) {
        // Green for an improvement, red for a worsening: the sign's meaning depends on the metric.
        const double better = c.lower_better ? -c.value : c.value;
        cls = c.sign ? (better > 0 ? "num pos" : better < 0 ? "num neg" : "num") : "num";
      }
      else if (c.kind == Cell::Kind::missing) cls = "missing";
      else if (c.kind == Cell::Kind::failed) cls = "failed";
      const std::string title = c.kind == Cell::Kind::failed ? " title=\"" + html_escape(c.text) + "\"" : "";
      h += "<td" + (cls.empty() ? std::string() : " class=\"" + cls + "\"") + title + ">" + html_escape(display(c)) +
           "</td>";
    }
    h += "</tr>\n";
  }
  return h + "</tbody>\n</table>\n</section>\n";
}

}  // namespace mis
