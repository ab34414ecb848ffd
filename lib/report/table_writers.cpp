#include "report/table_writers.h"

#include <fmt/format.h>

namespace mis {

namespace {

bool is_seed_column(const Table& t, std::size_t col) {
  for (const auto& row : t.rows)
    if (col < row.size() && row[col].kind == Cell::Kind::number && (row[col].of > 0 || row[col].sd)) return true;
  return false;
}

bool is_interval_column(const Table& t, std::size_t col) {
  for (const auto& row : t.rows)
    if (col < row.size() && row[col].kind == Cell::Kind::number && row[col].ci) return true;
  return false;
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

}  // namespace

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char ch : s) out += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return out + "\"";
}

namespace {

json cell_json(const Cell& c) {
  switch (c.kind) {
    case Cell::Kind::text: return c.text;
    case Cell::Kind::missing: return {{"status", "missing"}};
    case Cell::Kind::failed: return {{"status", "failed"}, {"error", c.text}};
    case Cell::Kind::number: break;
  }
  json j = {{"value", c.value}, {"sd", c.sd ? json(*c.sd) : json(nullptr)}};
  if (c.ci) j["ci"] = {c.ci->first, c.ci->second};
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

std::string to_csv(const Table& t) {
  std::vector<bool> with_sd(t.columns.size()), with_ci(t.columns.size());
  std::string csv;
  for (std::size_t i = 0; i < t.columns.size(); ++i) {
    with_sd[i] = is_seed_column(t, i);
    with_ci[i] = is_interval_column(t, i);
    csv += (i ? "," : "") + csv_field(t.columns[i]);
    if (with_sd[i]) csv += "," + csv_field(t.columns[i] + " sd");
    if (with_ci[i]) csv += "," + csv_field(t.columns[i] + " CI low") + "," + csv_field(t.columns[i] + " CI high");
  }
  csv += "\r\n";
  for (const auto& row : t.rows) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      const Cell& c = row[i];
      if (i) csv += ",";
      if (c.kind == Cell::Kind::number) csv += fmt::format("{}", c.value);
      else if (c.kind == Cell::Kind::text) csv += csv_field(c.text);
      else csv += display(c);
      // Beside a number its sd and interval, empty where it has none; beside missing/failed the same word.
      const std::string blank = c.kind == Cell::Kind::number || c.kind == Cell::Kind::text ? "" : display(c);
      if (i < with_sd.size() && with_sd[i]) csv += "," + (c.kind == Cell::Kind::number && c.sd ? fmt::format("{}", *c.sd) : blank);
      if (i < with_ci.size() && with_ci[i]) {
        if (c.kind == Cell::Kind::number && c.ci) csv += fmt::format(",{},{}", c.ci->first, c.ci->second);
        else csv += "," + blank + "," + blank;
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
