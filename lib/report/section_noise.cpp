#include "report/sections.h"

#include <set>

#include <fmt/format.h>

#include "core/strings.h"
#include "report/extract.h"
#include "report/stats.h"
#include "report/svg.h"

namespace mis {

namespace {

// The x axis of a noise type, with the unit of its level (lib/eval/corruptions.h).
std::string noise_axis_label(const std::string& type) {
  static const std::map<std::string, std::string> kLabels = {
      {"gaussian", "Gaussian noise sd (fraction of the intensity range)"},
      {"salt_pepper", "salt-and-pepper: fraction of voxels replaced"},
      {"speckle", "speckle: sd of the multiplicative noise"},
      {"poisson", "Poisson: relative noise at the brightest intensity"},
      {"blur", "Gaussian blur sigma (pixels)"},
      {"gamma", "gamma: exponent 1 + level (u to the power 1 + level)"}};
  const auto it = kLabels.find(type);
  return it == kLabels.end() ? type + " level" : it->second;
}

// type -> the levels any run of the pair swept it at.
std::map<std::string, std::set<double>> noise_levels(const Pair& p) {
  std::map<std::string, std::set<double>> levels;
  for (const RunSet* s : {&p.spatial, &p.spectral})
    for (const Run* r : *s)
      if (r->noise)
        for (const json* e : evaluations_of(*r->noise, "noise"))
          levels[(*e)["noise"].value("type", "?")].insert((*e)["noise"].value("level", 0.0));
  return levels;
}

// summary.mean[metric] of a run's noise evaluation at (type, level).
ValueOf noise_value(const std::string& type, double level, const std::string& metric) {
  return [type, level, metric](const Run& r) -> std::optional<double> {
    const json* e = r.noise ? noise_evaluation(*r.noise, type, level) : nullptr;
    return e ? summary_mean(*e, metric) : std::nullopt;
  };
}

// A run's per-case metric values under (type, level), keyed as case_values keys them.
CasesOf noise_cases(const std::string& type, double level, const std::string& metric) {
  return [type, level, metric](const Run& r) -> std::map<std::string, double> {
    const json* e = r.noise ? noise_evaluation(*r.noise, type, level) : nullptr;
    return e ? case_values(*e, metric) : std::map<std::string, double>{};
  };
}

// The number of (case, class) pairs whose structure is in the reference and absent from the prediction.
ValueOf noise_missed(const std::string& type, double level) {
  return [type, level](const Run& r) -> std::optional<double> {
    const json* e = r.noise ? noise_evaluation(*r.noise, type, level) : nullptr;
    if (!e || !e->contains("summary") || !(*e)["summary"].contains("missed_structures") ||
        !(*e)["summary"]["missed_structures"].is_number())
      return std::nullopt;
    return (*e)["summary"]["missed_structures"].get<double>();
  };
}

// Predicted over reference volume of the foreground (each the mean over classes of the mean over cases).
ValueOf noise_volume_ratio(const std::string& type, double level) {
  return [type, level](const Run& r) -> std::optional<double> {
    const json* e = r.noise ? noise_evaluation(*r.noise, type, level) : nullptr;
    if (!e) return std::nullopt;
    const auto predicted = summary_mean(*e, "predicted_voxels"), reference = summary_mean(*e, "reference_voxels");
    if (!predicted || !reference || !(*reference > 0)) return std::nullopt;
    return *predicted / *reference;
  };
}

// What the errors under noise are, to tell a collapse towards background (sensitivity and the
// predicted volume fall, precision holds) from spurious structures (precision falls, volume > 1).
Table noise_error_table(const Context& ctx) {
  Table t;
  t.id = "noise_errors";
  t.title = "Noise: what the errors are";
  t.note = fmt::format("On the IID test set under each corruption: sensitivity and precision in % (mean over classes "
                       "and cases; precision only over the cases where the class is predicted at all, so it can hold "
                       "while structures vanish); missed: the (case, class) pairs with the structure in the "
                       "reference and none of it predicted; volume ratio: the predicted over the reference "
                       "foreground volume over all classes (1: the right amount, which errors that trade volume "
                       "between classes also give; below 1: structures shrink or vanish into background; above 1: "
                       "spurious foreground); {}.",
                       seeds_note(ctx.main));
  t.columns = {"Dataset",           "Model",           "Noise",
               "Level",             "Sensitivity spatial", "Sensitivity +spectral",
               "Precision spatial", "Precision +spectral", "Missed spatial",
               "Missed +spectral",  "Volume ratio spatial", "Volume ratio +spectral"};
  for (const auto& [key, p] : ctx.main)
    for (const auto& [type, lv] : noise_levels(p))
      for (double level : lv) {
        std::vector<Cell> row{Cell::str(key.first), Cell::str(key.second), Cell::str(type),
                              Cell::str(fmt::format("{:g}", level))};
        for (const std::string metric : {"sensitivity", "precision"})
          for (const RunSet* s : {&p.spatial, &p.spectral}) row.push_back(seed_cell(*s, noise_value(type, level, metric), 100, 2));
        for (const RunSet* s : {&p.spatial, &p.spectral}) row.push_back(seed_cell(*s, noise_missed(type, level), 1, 1));
        for (const RunSet* s : {&p.spatial, &p.spectral}) row.push_back(seed_cell(*s, noise_volume_ratio(type, level), 1, 2));
        t.rows.push_back(std::move(row));
      }
  return t;
}

}  // namespace

void noise_section(const Context& ctx, ReportContent& out) {
  Table t;
  t.id = "noise";
  t.title = "Noise robustness";
  t.note = fmt::format("DSC in % on the IID test set with seeded corruptions (identical inputs for every model); "
                       "level 0 is the clean input; {}; {}. p Holm: the p-values of one dataset and model's noise "
                       "grid (every type and level) adjusted together by Holm's step-down method (Holm 1979), "
                       "which bounds the chance of any false finding in the grid by the threshold.",
                       seeds_note(ctx.main), kPNote);
  t.columns = {"Dataset", "Model", "Noise", "Level"};
  for (const auto& c : pair_header("DSC", "Δ pp")) t.columns.push_back(c);
  t.columns.push_back("DSC p Holm");
  for (const auto& [key, p] : ctx.main) {
    const std::size_t first_row = t.rows.size();
    std::vector<std::pair<std::string, LinePlot>> plots;  // (file, plot) per noise type
    for (const auto& [type, lv] : noise_levels(p)) {
      LinePlot plot;
      plot.title = fmt::format("{} · {} · {}", key.first, key.second, type);
      plot.x_label = noise_axis_label(type);
      plot.y_label = "DSC (%)";
      plot.y_min = 0;
      plot.y_max = 100;
      LineSeries spatial{"spatial only", kSpatialColor, {}, {}, {}}, spectral{"spatial + spectral", kSpectralColor, {}, {}, {}};
      spectral.dashed = true;  // so that a line hidden under the other still shows
      for (double level : lv) {
        const ValueOf value = noise_value(type, level, "dsc");
        const CasesOf cases = noise_cases(type, level, "dsc");
        std::vector<Cell> row{Cell::str(key.first), Cell::str(key.second), Cell::str(type),
                              Cell::str(fmt::format("{:g}", level))};
        four_cells(row, p, value, cases, 100, 2);
        for (auto [series, cell] : {std::pair{&spatial, row[4]}, {&spectral, row[5]}}) {
          series->x.push_back(level);
          series->y.push_back(cell.kind == Cell::Kind::number ? std::optional<double>(cell.value) : std::nullopt);
          series->sd.push_back(cell.kind == Cell::Kind::number ? cell.sd : std::nullopt);
        }
        t.rows.push_back(std::move(row));
      }
      plot.series = {spatial, spectral};
      plots.emplace_back(fmt::format("figures/noise_{}_{}_{}.svg", sanitize_id(key.first), sanitize_id(key.second),
                                     sanitize_id(type)),
                         std::move(plot));
    }
    // One y range for all of a model's panels, so that their drops compare at a glance.
    std::vector<LinePlot> panels;
    for (const auto& [file, plot] : plots) panels.push_back(plot);
    const auto range = shared_y_range(panels);
    for (auto& [file, plot] : plots) {
      plot.y_range = range;
      out.figures.push_back({file, plot.title, "noise", line_plot_svg(plot),
                             "Mean over seeds, bars: sample std; the panels of one model share the y axis."});
    }
    add_holm_column(t, first_row, 7);
  }
  out.tables.push_back(std::move(t));
  if (Table errors = noise_error_table(ctx); !errors.rows.empty()) out.tables.push_back(std::move(errors));  // no noise sweeps: no table
}

}  // namespace mis
