#pragma once
// The table model every writer (Markdown, LaTeX, CSV, JSON, HTML) renders. Numbers are stored
// in display units (DSC/IoU in %, HD95 in the result's unit, calibration as fractions), so
// every format shows the same figures. A cell with no run behind it is "missing" (or
// "failed"), never a number.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/json.h"

namespace mis {

struct Cell {
  enum class Kind { text, number, missing, failed };
  Kind kind = Kind::missing;
  std::string text;           // text cells; the failure message of failed cells
  double value = 0;           // number: a mean over seeds, a difference or a p-value
  std::optional<double> sd;   // sample std over seeds
  std::optional<std::pair<double, double>> ci;  // a difference: 95% bootstrap interval, "[lo, hi]" after it
  int n = 0, of = 0;          // seeds with a value / runs of the group (0: not a mean over seeds)
  int decimals = 2;
  bool sign = false;          // a difference: shown with its sign
  bool pvalue = false;        // shown with 3 significant digits
  bool lower_better = false;  // a difference where negative is an improvement (HD95, ECE): colours only

  static Cell str(std::string s);
  static Cell num(double v, int decimals = 2);
  static Cell missing();
  static Cell failed(std::string why);
};

struct Table {
  std::string id;     // file stem: tables/<id>.csv
  std::string title;
  std::string note;   // units and conventions, printed under the title
  std::vector<std::string> columns;
  std::vector<std::vector<Cell>> rows;
};

// The number as shown: "84.12 ± 1.03", "+0.81", "+0.81 [+0.12, +1.50]", "0.0312", "missing",
// "failed", with " (2/3 seeds)" when some runs of a seed mean are missing.
std::string display(const Cell& c);

// A column of labels (left-aligned): it holds no number at all; "—" or "missing" among numbers
// does not count.
bool is_text_column(const Table& t, std::size_t col);

}  // namespace mis
