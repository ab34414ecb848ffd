#include "report/table.h"

#include <cmath>

#include <fmt/format.h>

namespace mis {

Cell Cell::str(std::string s) {
  Cell c;
  c.kind = Kind::text;
  c.text = std::move(s);
  return c;
}

Cell Cell::num(double v, int decimals) {
  Cell c;
  c.kind = Kind::number;
  c.value = v;
  c.decimals = decimals;
  return c;
}

Cell Cell::missing() { return Cell{}; }

Cell Cell::failed(std::string why) {
  Cell c;
  c.kind = Kind::failed;
  c.text = std::move(why);
  return c;
}

std::string display(const Cell& c) {
  switch (c.kind) {
    case Cell::Kind::text: return c.text;
    case Cell::Kind::missing: return "missing";
    case Cell::Kind::failed: return "failed";
    case Cell::Kind::number: break;
  }
  std::string s;
  if (c.pvalue) s = c.value < 1e-4 ? fmt::format("{:.1e}", c.value) : fmt::format("{:.3g}", c.value);
  else if (c.sign) s = fmt::format("{:+.{}f}", c.value, c.decimals);
  else s = fmt::format("{:.{}f}", c.value, c.decimals);
  if (c.sd) s += fmt::format(" ± {:.{}f}", *c.sd, c.decimals);
  if (c.ci) s += fmt::format(" [{:+.{}f}, {:+.{}f}]", c.ci->first, c.decimals, c.ci->second, c.decimals);
  if (c.of > 0 && c.n < c.of) s += fmt::format(" ({}/{} seeds)", c.n, c.of);
  return s;
}

bool is_text_column(const Table& t, std::size_t col) {
  for (const auto& row : t.rows)
    if (col < row.size() && row[col].kind == Cell::Kind::number) return false;
  return true;
}

}  // namespace mis
