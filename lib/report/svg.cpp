#include "report/svg.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "report/table_writers.h"

namespace mis {

namespace {

std::string header(const std::string& title) {
  return fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n"
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      "<text x=\"{2}\" y=\"22\" font-size=\"14\" font-weight=\"bold\" text-anchor=\"middle\">{3}</text>\n",
      kSvgWidth, kSvgHeight, (kPlotLeft + kPlotRight) / 2, html_escape(title));
}

// A tick step of 1, 2 or 5 times a power of ten giving about `target` intervals.
double nice_step(double span, int target) {
  const double raw = span / target;
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * p >= raw) return m * p;
  return 10 * p;
}

std::string fmt_tick(double v, double step) {
  const int decimals = step >= 1 ? 0 : static_cast<int>(std::ceil(-std::log10(step) - 1e-9));
  return fmt::format("{:.{}f}", v, decimals);
}

// Frame, ticks, grid and axis labels of a plot with the given maps.
std::string axes(const AxisMap& x, const AxisMap& y, const std::string& x_label, const std::string& y_label,
                 const std::vector<double>& x_ticks, double y_step) {
  std::string s;
  for (double v = y.lo; v <= y.hi + 1e-9 * y_step; v += y_step) {
    const double py = y(v);
    s += fmt::format("<line x1=\"{}\" y1=\"{:.2f}\" x2=\"{}\" y2=\"{:.2f}\" stroke=\"#e0e0e0\"/>\n", kPlotLeft, py,
                     kPlotRight, py);
    s += fmt::format("<text x=\"{}\" y=\"{:.2f}\" text-anchor=\"end\" dominant-baseline=\"middle\">{}</text>\n",
                     kPlotLeft - 6, py, fmt_tick(v, y_step));
  }
  double x_step = 1;
  if (x_ticks.size() > 1) x_step = std::fabs(x_ticks[1] - x_ticks[0]);
  for (double v : x_ticks) {
    const double px = x(v);
    s += fmt::format("<line x1=\"{0:.2f}\" y1=\"{1}\" x2=\"{0:.2f}\" y2=\"{2}\" stroke=\"#000\"/>\n", px, kPlotBottom,
                     kPlotBottom + 4);
    s += fmt::format("<text x=\"{:.2f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", px, kPlotBottom + 17,
                     x_step >= 1 && v == std::round(v) ? fmt::format("{}", v) : fmt::format("{:g}", v));
  }
  s += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#000\"/>\n", kPlotLeft,
                   kPlotTop, kPlotRight - kPlotLeft, kPlotBottom - kPlotTop);
  s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", (kPlotLeft + kPlotRight) / 2,
                   kSvgHeight - 12, html_escape(x_label));
  s += fmt::format("<text transform=\"translate(16 {}) rotate(-90)\" text-anchor=\"middle\">{}</text>\n",
                   (kPlotTop + kPlotBottom) / 2, html_escape(y_label));
  return s;
}

struct LegendEntry {
  std::string name, color;
  bool dashed = false;  // drawn as the series is: a dashed swatch for a dashed line
};

std::string swatch(double x, double y, const LegendEntry& e) {
  return fmt::format("<line class=\"swatch\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\" "
                     "stroke-width=\"3\"{}/>\n",
                     x, y - 2, x + 22, y - 2, e.color, e.dashed ? " stroke-dasharray=\"6,4\"" : "");
}

// above: one row between the title and the plot, so it never hides a line; else a column in the
// plot's top-left corner (empty in a reliability diagram unless a model is underconfident).
std::string legend(const std::vector<LegendEntry>& entries, bool above) {
  std::string s;
  if (!above) {
    double y = kPlotTop + 14;
    for (const auto& e : entries) {
      s += swatch(kPlotLeft + 10, y, e);
      s += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>\n", kPlotLeft + 38, y, html_escape(e.name));
      y += 16;
    }
    return s;
  }
  double x = kPlotLeft;
  const double y = kPlotTop - 10;
  for (const auto& e : entries) {
    s += swatch(x, y, e);
    s += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"11\">{}</text>\n", x + 26, y, html_escape(e.name));
    x += 26 + 6.2 * static_cast<double>(e.name.size()) + 14;  // about 6 px per character at 11 px
  }
  return s;
}

}  // namespace

AxisMap line_plot_x(const LinePlot& p) {
  double lo = INFINITY, hi = -INFINITY;
  for (const auto& s : p.series)
    for (double x : s.x) lo = std::min(lo, x), hi = std::max(hi, x);
  if (!std::isfinite(lo)) lo = 0, hi = 1;
  if (hi == lo) hi = lo + 1;
  return {lo, hi, kPlotLeft, kPlotRight};
}

AxisMap line_plot_y(const LinePlot& p) {
  if (p.y_range) return {p.y_range->first, p.y_range->second, kPlotBottom, kPlotTop};
  double lo = INFINITY, hi = -INFINITY;
  for (const auto& s : p.series)
    for (std::size_t i = 0; i < s.y.size(); ++i) {
      if (!s.y[i]) continue;
      const double e = i < s.sd.size() && s.sd[i] ? *s.sd[i] : 0.0;
      lo = std::min(lo, *s.y[i] - e);
      hi = std::max(hi, *s.y[i] + e);
    }
  if (!std::isfinite(lo)) lo = 0, hi = 1;
  if (hi - lo < 1e-9) lo -= 0.5, hi += 0.5;
  const double step = nice_step(hi - lo, 5);
  lo = std::floor(lo / step) * step;
  hi = std::ceil(hi / step) * step;
  if (p.y_min) lo = std::max(lo, *p.y_min);
  if (p.y_max) hi = std::min(hi, *p.y_max);
  if (hi <= lo) hi = lo + step;
  return {lo, hi, kPlotBottom, kPlotTop};
}

std::pair<double, double> shared_y_range(const std::vector<LinePlot>& plots) {
  LinePlot all;
  for (const auto& p : plots) {
    all.series.insert(all.series.end(), p.series.begin(), p.series.end());
    if (p.y_min) all.y_min = all.y_min ? std::min(*all.y_min, *p.y_min) : *p.y_min;
    if (p.y_max) all.y_max = all.y_max ? std::max(*all.y_max, *p.y_max) : *p.y_max;
  }
  const AxisMap y = line_plot_y(all);
  return {y.lo, y.hi};
}

std::string line_plot_svg(const LinePlot& p) {
  const AxisMap x = line_plot_x(p), y = line_plot_y(p);
  std::vector<double> ticks;
  for (const auto& s : p.series)
    for (double v : s.x)
      if (std::find(ticks.begin(), ticks.end(), v) == ticks.end()) ticks.push_back(v);
  std::sort(ticks.begin(), ticks.end());
  if (ticks.size() > 12) {  // many x values (training steps): round ticks instead of one per value
    const double step = nice_step(x.hi - x.lo, 6);
    ticks.clear();
    for (double v = std::ceil(x.lo / step) * step; v <= x.hi + 1e-9 * step; v += step) ticks.push_back(v);
  }
  std::string svg = header(p.title) + axes(x, y, p.x_label, p.y_label, ticks, nice_step(y.hi - y.lo, 5));
  std::vector<LegendEntry> entries;
  for (const auto& s : p.series) {
    if (!s.name.empty()) entries.push_back({s.name, s.color, s.dashed});  // unnamed: another seed of a named line
    std::string points;
    const auto flush = [&] {
      if (!points.empty())
        svg += fmt::format("<polyline class=\"series\" data-series=\"{}\" fill=\"none\" stroke=\"{}\" "
                           "stroke-width=\"2\"{} points=\"{}\"/>\n",
                           html_escape(s.name), s.color, s.dashed ? " stroke-dasharray=\"6,4\"" : "", points);
      points.clear();
    };
    for (std::size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
      if (!s.y[i]) {
        flush();
        continue;
      }
      const double px = x(s.x[i]), py = y(*s.y[i]);
      points += fmt::format("{}{:.3f},{:.3f}", points.empty() ? "" : " ", px, py);
      if (i < s.sd.size() && s.sd[i] && *s.sd[i] > 0)
        svg += fmt::format("<line x1=\"{0:.3f}\" y1=\"{1:.3f}\" x2=\"{0:.3f}\" y2=\"{2:.3f}\" stroke=\"{3}\" "
                           "stroke-opacity=\"0.6\"/>\n",
                           px, y(std::max(y.lo, *s.y[i] - *s.sd[i])), y(std::min(y.hi, *s.y[i] + *s.sd[i])),
                           s.color);
      if (s.markers) svg += fmt::format("<circle cx=\"{:.3f}\" cy=\"{:.3f}\" r=\"3\" fill=\"{}\"/>\n", px, py, s.color);
    }
    flush();
  }
  return svg + legend(entries, true) + "</svg>\n";
}

std::string reliability_svg(const std::string& title, const std::vector<ReliabilitySeries>& series) {
  const AxisMap x{0, 1, kPlotLeft, kPlotRight}, y{0, 1, kPlotBottom, kPlotTop};
  std::string svg = header(title) + axes(x, y, "confidence (top-label probability)", "accuracy",
                                         {0, 0.2, 0.4, 0.6, 0.8, 1.0}, 0.2);
  std::vector<LegendEntry> entries;
  const double k = static_cast<double>(std::max<std::size_t>(1, series.size()));
  for (std::size_t s = 0; s < series.size(); ++s) {
    const auto& r = series[s];
    entries.push_back({r.name, r.color});
    for (std::size_t b = 0; b + 1 < r.edges.size() && b < r.accuracy.size(); ++b) {
      if (!r.accuracy[b]) continue;  // empty bin: no bar (not a bar of height 0)
      const double w = (r.edges[b + 1] - r.edges[b]) / k;
      const double lo = r.edges[b] + w * static_cast<double>(s);
      const double top = y(*r.accuracy[b]);
      svg += fmt::format("<rect class=\"bin\" data-series=\"{}\" x=\"{:.3f}\" y=\"{:.3f}\" width=\"{:.3f}\" "
                         "height=\"{:.3f}\" fill=\"{}\" fill-opacity=\"0.75\" stroke=\"white\" stroke-width=\"0.5\">"
                         "<title>({:.3f}, {:.3f}]: accuracy {:.3f}, {} pixels</title></rect>\n",
                         html_escape(r.name), x(lo), top, x(lo + w) - x(lo), kPlotBottom - top, r.color, r.edges[b],
                         r.edges[b + 1], *r.accuracy[b], b < r.count.size() ? r.count[b] : 0);
    }
  }
  // The number of pixels per bin as a histogram along the bottom (as scikit-learn's calibration
  // display and Guo et al. 2017, fig. 1, top row): bars of few pixels say little. Height: count /
  // the largest count of the figure, up to kCountBand px.
  int64_t most = 0;
  for (const auto& r : series)
    for (int64_t n : r.count) most = std::max(most, n);
  for (std::size_t s = 0; s < series.size() && most > 0; ++s) {
    const auto& r = series[s];
    for (std::size_t b = 0; b + 1 < r.edges.size() && b < r.count.size(); ++b) {
      if (r.count[b] <= 0) continue;
      const double w = (r.edges[b + 1] - r.edges[b]) / k;
      const double lo = r.edges[b] + w * static_cast<double>(s);
      const double h = kCountBand * static_cast<double>(r.count[b]) / static_cast<double>(most);
      svg += fmt::format("<rect class=\"count\" data-series=\"{}\" data-count=\"{}\" x=\"{:.3f}\" y=\"{:.3f}\" "
                         "width=\"{:.3f}\" height=\"{:.3f}\" fill=\"{}\" stroke=\"#000\" stroke-width=\"0.5\"/>\n",
                         html_escape(r.name), r.count[b], x(lo), kPlotBottom - h, x(lo + w) - x(lo), h, r.color);
    }
  }
  if (most > 0)
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"10\">outlined: pixels per bin "
                       "(largest {})</text>\n",
                       kPlotRight - 4, kPlotBottom - kCountBand - 4, most);
  svg += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#555\" stroke-dasharray=\"5,4\"/>\n",
                     kPlotLeft, kPlotBottom, kPlotRight, kPlotTop);
  entries.push_back({"perfect calibration", "#555", true});
  return svg + legend(entries, false) + "</svg>\n";
}

AxisMap paired_strip_y(const PairedStrip& p) {
  LinePlot as_lines;  // the same rule as a line plot's y axis, over both sides' values
  LineSeries all;
  for (const auto& c : p.cases) {
    all.y.push_back(c.a);
    all.y.push_back(c.b);
  }
  as_lines.series = {all};
  as_lines.y_min = p.y_min;
  as_lines.y_max = p.y_max;
  return line_plot_y(as_lines);
}

std::string paired_strip_svg(const PairedStrip& p) {
  const AxisMap y = paired_strip_y(p);
  const AxisMap x{0, 1, kPlotLeft, kPlotRight};
  std::string svg = header(p.title) + axes(x, y, "", p.y_label, {}, nice_step(y.hi - y.lo, 5));
  double sum_a = 0, sum_b = 0;
  for (const auto& c : p.cases) {
    svg += fmt::format("<line class=\"pair\" data-case=\"{}\" x1=\"{:.3f}\" y1=\"{:.3f}\" x2=\"{:.3f}\" "
                       "y2=\"{:.3f}\" stroke=\"#888\" stroke-opacity=\"0.7\"><title>{}: {:.2f} / {:.2f}</title></line>\n",
                       html_escape(c.id), kStripLeftX, y(c.a), kStripRightX, y(c.b), html_escape(c.id), c.a, c.b);
    svg += fmt::format("<circle cx=\"{:.3f}\" cy=\"{:.3f}\" r=\"3\" fill=\"{}\"/>\n", kStripLeftX, y(c.a), p.a_color);
    svg += fmt::format("<circle cx=\"{:.3f}\" cy=\"{:.3f}\" r=\"3\" fill=\"{}\"/>\n", kStripRightX, y(c.b), p.b_color);
    sum_a += c.a;
    sum_b += c.b;
  }
  if (!p.cases.empty()) {
    const double n = static_cast<double>(p.cases.size());
    for (const auto& [cx, m] : {std::pair{kStripLeftX, sum_a / n}, {kStripRightX, sum_b / n}})
      svg += fmt::format("<line class=\"mean\" x1=\"{:.3f}\" y1=\"{:.3f}\" x2=\"{:.3f}\" y2=\"{:.3f}\" "
                         "stroke=\"#000\" stroke-width=\"3\"/>\n",
                         cx - 24, y(m), cx + 24, y(m));
  }
  for (const auto& [cx, name] : {std::pair{kStripLeftX, p.a_name}, {kStripRightX, p.b_name}})
    svg += fmt::format("<text x=\"{:.2f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", cx, kPlotBottom + 17,
                       html_escape(name));
  const int improved = static_cast<int>(std::count_if(p.cases.begin(), p.cases.end(), [](const PairedCase& c) { return c.b > c.a; }));
  svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{} cases; higher on the right in {}; bars: means</text>\n",
                     (kPlotLeft + kPlotRight) / 2, kSvgHeight - 12, p.cases.size(), improved);
  return svg + "</svg>\n";
}

std::string bar_chart_svg(const BarChart& c) {
  const AxisMap x{0, 1, kPlotLeft, kPlotRight};
  const AxisMap y{c.y_min, c.y_max, kPlotBottom, kPlotTop};
  std::string svg = header(c.title) + axes(x, y, "test set", c.y_label, {}, nice_step(c.y_max - c.y_min, 5));
  const double group = (kPlotRight - kPlotLeft) / static_cast<double>(std::max<std::size_t>(1, c.categories.size()));
  const double bar = 0.8 * group / static_cast<double>(std::max<std::size_t>(1, c.series.size()));
  std::vector<LegendEntry> entries;
  for (std::size_t s = 0; s < c.series.size(); ++s) {
    const auto& se = c.series[s];
    entries.push_back({se.name, se.color});
    for (std::size_t k = 0; k < c.categories.size() && k < se.value.size(); ++k) {
      if (!se.value[k]) continue;
      const double v = std::clamp(*se.value[k], c.y_min, c.y_max);
      const double x0 = kPlotLeft + group * (static_cast<double>(k) + 0.1) + bar * static_cast<double>(s);
      svg += fmt::format("<rect class=\"bar\" data-series=\"{}\" data-category=\"{}\" x=\"{:.3f}\" y=\"{:.3f}\" "
                         "width=\"{:.3f}\" height=\"{:.3f}\" fill=\"{}\" fill-opacity=\"0.8\"><title>{:.2f}</title></rect>\n",
                         html_escape(se.name), html_escape(c.categories[k]), x0, y(v), bar, kPlotBottom - y(v), se.color,
                         *se.value[k]);
      if (k < se.sd.size() && se.sd[k] && *se.sd[k] > 0)
        svg += fmt::format("<line x1=\"{0:.3f}\" y1=\"{1:.3f}\" x2=\"{0:.3f}\" y2=\"{2:.3f}\" stroke=\"#000\"/>\n",
                           x0 + bar / 2, y(std::max(c.y_min, v - *se.sd[k])), y(std::min(c.y_max, v + *se.sd[k])));
    }
  }
  for (std::size_t k = 0; k < c.categories.size(); ++k)
    svg += fmt::format("<text x=\"{:.2f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
                       kPlotLeft + group * (static_cast<double>(k) + 0.5), kPlotBottom + 17, html_escape(c.categories[k]));
  return svg + legend(entries, true) + "</svg>\n";
}

}  // namespace mis
