#include "preprocess/polygon_raster.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "core/error.h"

namespace mis {

FillRule parse_fill_rule(const std::string& name) {
  if (name == "even-odd" || name == "evenodd") return FillRule::even_odd;
  if (name == "nonzero") return FillRule::nonzero;
  throw UserError("unknown polygon fill rule '" + name + "' (expected even-odd or nonzero)");
}

std::string to_string(FillRule rule) { return rule == FillRule::even_odd ? "even-odd" : "nonzero"; }

namespace {

struct Crossing {
  double x;
  int winding;  // +1 for an edge going down (y increasing), -1 going up
};

// Columns i with xa <= i < xb, clipped to the image.
int64_t fill_span(double xa, double xb, int64_t row, int64_t width, std::vector<std::uint8_t>& mask,
                  std::uint8_t value) {
  const double lo = std::max(std::ceil(xa), 0.0);
  const double hi = std::min(std::ceil(xb), static_cast<double>(width));
  if (!(lo < hi)) return 0;
  const auto i0 = static_cast<int64_t>(lo), i1 = static_cast<int64_t>(hi);
  std::fill(mask.begin() + row * width + i0, mask.begin() + row * width + i1, value);
  return i1 - i0;
}

}  // namespace

int64_t rasterize_polygon(const Polygon& polygon, int64_t width, int64_t height, FillRule rule,
                          std::vector<std::uint8_t>& mask, std::uint8_t value) {
  if (width < 0 || height < 0 || mask.size() != static_cast<std::size_t>(width * height))
    throw std::invalid_argument("rasterize_polygon: mask size does not match width x height");
  const std::size_t n = polygon.size();
  if (n < 3 || width == 0 || height == 0) return 0;
  double ymin = polygon[0].y, ymax = polygon[0].y;
  for (const auto& p : polygon) {
    if (!std::isfinite(p.x) || !std::isfinite(p.y)) return 0;
    ymin = std::min(ymin, p.y);
    ymax = std::max(ymax, p.y);
  }
  // Rows whose centre y = j can lie in [ymin, ymax).
  const int64_t j0 = std::max<int64_t>(0, static_cast<int64_t>(std::ceil(ymin)));
  const int64_t j1 = std::min<int64_t>(height - 1, static_cast<int64_t>(std::ceil(ymax)) - 1);
  int64_t filled = 0;
  std::vector<Crossing> xs;
  for (int64_t j = j0; j <= j1; ++j) {
    const double y = static_cast<double>(j);
    xs.clear();
    for (std::size_t k = 0; k < n; ++k) {
      const Point2& a = polygon[k];
      const Point2& b = polygon[(k + 1) % n];
      if (a.y == b.y) continue;  // horizontal edges never cross a row
      const double lo = std::min(a.y, b.y), hi = std::max(a.y, b.y);
      if (!(lo <= y && y < hi)) continue;  // half-open: a shared vertex is counted once
      const double x = a.x + (y - a.y) * (b.x - a.x) / (b.y - a.y);
      xs.push_back({x, b.y > a.y ? 1 : -1});
    }
    std::sort(xs.begin(), xs.end(), [](const Crossing& p, const Crossing& q) { return p.x < q.x; });
    if (rule == FillRule::even_odd) {
      for (std::size_t k = 0; k + 1 < xs.size(); k += 2) filled += fill_span(xs[k].x, xs[k + 1].x, j, width, mask, value);
    } else {
      int winding = 0;
      double start = 0.0;
      for (const auto& c : xs) {
        const int before = winding;
        winding += c.winding;
        if (before == 0 && winding != 0) start = c.x;
        if (before != 0 && winding == 0) filled += fill_span(start, c.x, j, width, mask, value);
      }
    }
  }
  return filled;
}

}  // namespace mis
