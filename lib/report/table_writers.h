#pragma once
// Renders a Table as Markdown, CSV (RFC 4180), JSON and an HTML fragment (LaTeX: report/latex.h).
//
// CSV: one column per table column plus "<column> sd" beside every column that holds a mean over
// seeds and "<column> CI low", "<column> CI high" beside every difference with a bootstrap
// interval; the column names are unique (tables name each column in full: "IID DSC p"), so
// pandas and R read the header as is; numbers at full precision (shortest round-trip form),
// missing cells as "missing" or "failed", never empty or 0.
// JSON: {"id", "title", "note", "columns": [...], "rows": [[cell, ...]]}, a cell being a
// string (text), {"value", "sd", "n", "of", "ci"} (number; sd null for one seed; ci [lo, hi]
// only for a difference with an interval) or
// {"status": "missing"} / {"status": "failed", "error"}.
#include <string>

#include "core/json.h"
#include "report/table.h"

namespace mis {

std::string to_markdown(const Table& t);
std::string to_csv(const Table& t);
json to_json(const Table& t);
std::string to_html(const Table& t);

// A CSV field (RFC 4180): quoted when it holds a comma, quote or line break.
std::string csv_field(const std::string& s);

// &, <, > and " as entities: for HTML text and attributes, and for the SVG figures (XML).
std::string html_escape(const std::string& s);

}  // namespace mis
