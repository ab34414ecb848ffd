#pragma once
// The report's figures as plain SVG text (no plotting dependency): a line plot (DSC against
// corruption level, one line per loss variant) and a reliability diagram (accuracy per
// confidence bin against the diagonal of perfect calibration, Guo et al. 2017, fig. 1).
// Both map data to pixels linearly: px = px_lo + (v - lo) / (hi - lo) * (px_hi - px_lo).
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
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
  bool markers = true;  // a circle at every point (not for curves of many points)
};

struct LinePlot {
  std::string title, x_label, y_label;
  std::vector<LineSeries> series;
  std::optional<double> y_min, y_max;  // limits of the y axis (DSC: 0..100): error bars never widen it past them
  // The exact y range, when panels that are read side by side share one (noise robustness).
  std::optional<std::pair<double, double>> y_range;
};

// The y range line_plot_y would give all these plots together: one axis for a row of panels.
std::pair<double, double> shared_y_range(const std::vector<LinePlot>& plots);

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

// Bars of per-bin accuracy (series side by side within each bin) over the diagonal, and along the
// bottom each bin's pixel count as a histogram (<rect class="count" data-count="N">, height
// proportional to N, the largest kCountBand px high), outlined so it reads apart from the bars.
constexpr double kCountBand = 50;
std::string reliability_svg(const std::string& title, const std::vector<ReliabilitySeries>& series);

// Per-case values of two variants side by side (a paired strip plot, as nnU-Net's and MONAI's
// per-case boxplots but with each case's two values joined, so a reader sees how many cases
// improve): case i is <line class="pair" data-case="ID"> from (left, a_i) to (right, b_i), on a
// y axis widened to round ticks within [y_min, y_max]; a black bar marks each side's mean.
struct PairedCase {
  std::string id;
  double a = 0, b = 0;
};
struct PairedStrip {
  std::string title, y_label, a_name, b_name, a_color, b_color;
  std::vector<PairedCase> cases;
  std::optional<double> y_min, y_max;
};
constexpr double kStripLeftX = kPlotLeft + 0.25 * (kPlotRight - kPlotLeft);
constexpr double kStripRightX = kPlotLeft + 0.75 * (kPlotRight - kPlotLeft);
AxisMap paired_strip_y(const PairedStrip& p);
std::string paired_strip_svg(const PairedStrip& p);

// Grouped bars: one group per category (test set), one bar per series with a sample-std error
// bar: <rect class="bar" data-series="S" data-category="C">; a missing value draws no bar.
struct BarSeries {
  std::string name, color;
  std::vector<std::optional<double>> value, sd;  // one per category
};
struct BarChart {
  std::string title, y_label;
  std::vector<std::string> categories;
  std::vector<BarSeries> series;
  double y_min = 0, y_max = 100;
};
std::string bar_chart_svg(const BarChart& c);

}  // namespace mis
