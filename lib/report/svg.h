#pragma once
// The report's figures as plain SVG text (no plotting dependency): a line plot (DSC against
// corruption level, one line per loss variant) and a reliability diagram (accuracy per
// confidence bin against the diagonal of perfect calibration, Guo et al. 2017, fig. 1).
// Both map data to pixels linearly: px = px_lo + (v - lo) / (hi - lo) * (px_hi - px_lo).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mis {

struct AxisMap {
  double lo = 0, hi = 1;        // data range
  double px_lo = 0, px_hi = 1;  // where lo and hi land (px_hi < px_lo for a y axis)
  double operator()(double v) const { return px_lo + (v - lo) / (hi - lo) * (px_hi - px_lo); }
};

struct LineSeries {
  std::string name, color;
  std::vector<double> x;
  std::vector<std::optional<double>> y;   // none: no value (a gap in the line, never 0)
  std::vector<std::optional<double>> sd;  // error bar half-heights (optional, same length as y)
  bool dashed = false;
};

struct LinePlot {
  std::string title, x_label, y_label;
  std::vector<LineSeries> series;
  std::optional<double> y_min, y_max;  // limits of the y axis (DSC: 0..100): error bars never widen it past them
};

// Plot geometry, shared with the tests that read the polylines back.
constexpr double kSvgWidth = 520, kSvgHeight = 340;
constexpr double kPlotLeft = 64, kPlotRight = 500, kPlotTop = 56, kPlotBottom = 290;

// The axes a plot uses: x spans the data exactly; y is widened to round ticks.
AxisMap line_plot_x(const LinePlot& p);
AxisMap line_plot_y(const LinePlot& p);

// Each series is drawn as <polyline class="series" data-series="NAME" points="x,y ..."/>, one per
// run of consecutive values, with a circle at every point.
std::string line_plot_svg(const LinePlot& p);

struct ReliabilitySeries {
  std::string name, color;
  std::vector<double> edges;                    // bins + 1 edges on [0, 1]
  std::vector<std::optional<double>> accuracy;  // none for an empty bin
  std::vector<int64_t> count;
};

// Bars of per-bin accuracy (series side by side within each bin) over the diagonal.
std::string reliability_svg(const std::string& title, const std::vector<ReliabilitySeries>& series);

}  // namespace mis
