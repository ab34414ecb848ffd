#pragma once
// Renders a Table as Markdown, LaTeX (booktabs), CSV (RFC 4180), JSON and an HTML fragment.
//
// CSV: one column per table column plus "<column> sd" beside every column that holds a mean over
// seeds; numbers at full precision (shortest round-trip form), missing cells as "missing" or
// "failed", never empty or 0.
// JSON: {"id", "title", "note", "columns": [...], "rows": [[cell, ...]]}, a cell being a
// string (text), {"value", "sd", "n", "of"} (number; sd null for one seed) or
// {"status": "missing"} / {"status": "failed", "error"}.
#include <string>

#include "core/json.h"
#include "report/table.h"

namespace mis {

std::string to_markdown(const Table& t);
std::string to_latex(const Table& t);
std::string to_csv(const Table& t);
json to_json(const Table& t);
std::string to_html(const Table& t);

// &, <, > and " as entities: for HTML text and attributes, and for the SVG figures (XML).
std::string html_escape(const std::string& s);

}  // namespace mis
