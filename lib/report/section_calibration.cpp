#include "report/sections.h"

#include <set>

#include <fmt/format.h>

#include "core/strings.h"
#include "report/extract.h"
#include "report/svg.h"

namespace mis {

namespace {

// Calibration blocks in result files: "calibration" (eval's, and calibrate's before scaling) and
// "calibration_temperature_scaled" (calibrate's, when it fitted a temperature).
constexpr const char* kCalibration = "calibration";
constexpr const char* kTemperatureScaled = "calibration_temperature_scaled";

// The block `block` of (role, test set) for a run: calibrate's result when there is one, else eval's.
const json* calibration_of(const Run& r, const std::string& role, const std::string& dataset,
                           const char* block = kCalibration) {
  for (const auto* doc : {r.calibrate ? &*r.calibrate : nullptr, r.eval ? &*r.eval : nullptr}) {
    if (!doc) continue;
    for (const json* e : evaluations_of(*doc, role, dataset))
      if (e->contains(block) && (*e)[block].is_object()) return &(*e)[block];
  }
  return nullptr;
}

// The (role, test set name) pairs for which some run of `p` has the block `block`.
std::set<std::pair<std::string, std::string>> calibrated_sets(const Pair& p, const char* block) {
  std::set<std::pair<std::string, std::string>> sets;
  for (const RunSet* s : {&p.spatial, &p.spectral})
    for (const Run* r : *s)
      for (const auto* doc : {r->calibrate ? &*r->calibrate : nullptr, r->eval ? &*r->eval : nullptr})
        if (doc)
          for (const auto& role : {"iid", "ood"})
            for (const json* e : evaluations_of(*doc, role))
              if (e->contains(block)) sets.insert({role, (*e)["dataset"].value("name", "?")});
  return sets;
}

// The first three cells of a calibration row: dataset, model, "test set (IID|OOD)".
std::vector<Cell> calibration_row(const std::pair<std::string, std::string>& key, const std::string& role,
                                  const std::string& name) {
  return {Cell::str(key.first), Cell::str(key.second),
          Cell::str(fmt::format("{} ({})", name, role == "iid" ? "IID" : "OOD"))};
}

// Appends spatial, +spectral and Δ (lower is better) of one number of the block, mean ± std over seeds.
void add_calibration_cells(std::vector<Cell>& row, const Pair& p, const std::string& role, const std::string& name,
                           const char* block, const char* metric) {
  const ValueOf value = [&role, &name, block, metric](const Run& r) -> std::optional<double> {
    const json* c = calibration_of(r, role, name, block);
    return c && c->contains(metric) && (*c)[metric].is_number() ? std::optional<double>((*c)[metric].get<double>())
                                                               : std::nullopt;
  };
  const Cell a = seed_cell(p.spatial, value, 1, 4), b = seed_cell(p.spectral, value, 1, 4);
  row.push_back(a);
  row.push_back(b);
  row.push_back(delta_cell(a, b, true));
}

}  // namespace

void calibration_section(const Context& ctx, ReportContent& out) {
  Table t;
  t.id = "calibration";
  t.title = "Calibration";
  t.note = fmt::format("Pixel-wise, pooled over all pixels of each test set: top-label confidence in 15 equal-width "
                       "bins; ECE, MCE and Brier as fractions (lower is better), before temperature scaling; {}.",
                       seeds_note(ctx.main));
  t.columns = {"Dataset", "Model", "Test set", "ECE spatial", "ECE +spectral", "ECE Δ", "MCE spatial",
               "MCE +spectral", "MCE Δ", "Brier spatial", "Brier +spectral", "Brier Δ"};
  for (const auto& [key, p] : ctx.main) {
    for (const auto& [role, name] : calibrated_sets(p, kCalibration)) {
      std::vector<Cell> row = calibration_row(key, role, name);
      for (const char* metric : {"ece", "mce", "brier"}) add_calibration_cells(row, p, role, name, kCalibration, metric);
      // Reliability diagram: the bins of all seeds pooled (counts added, accuracies count-weighted).
      std::vector<ReliabilitySeries> series;
      for (const auto& [variant, runs, color, ece] :
           {std::tuple{"spatial only", &p.spatial, kSpatialColor, row[3]},
            std::tuple{"spatial + spectral", &p.spectral, kSpectralColor, row[4]}}) {
        ReliabilitySeries s;
        s.color = color;
        s.name = ece.kind == Cell::Kind::number ? fmt::format("{} (ECE {:.4f})", variant, ece.value)
                                                : std::string(variant) + " (missing)";
        std::vector<double> weighted;
        for (const Run* r : *runs) {
          const json* c = calibration_of(*r, role, name);
          if (!c || !c->contains("bins")) continue;
          const auto& bins = (*c)["bins"];
          const auto edges = bins.value("edges", std::vector<double>{});
          if (s.edges.empty()) {
            s.edges = edges;
            s.count.assign(edges.size() > 0 ? edges.size() - 1 : 0, 0);
            weighted.assign(s.count.size(), 0.0);
          }
          if (edges != s.edges) continue;  // other binning: not poolable
          for (std::size_t b = 0; b < s.count.size(); ++b) {
            const int64_t n = bins["count"].at(b).get<int64_t>();
            if (n > 0 && bins["accuracy"].at(b).is_number()) {
              s.count[b] += n;
              weighted[b] += static_cast<double>(n) * bins["accuracy"].at(b).get<double>();
            }
          }
        }
        for (std::size_t b = 0; b < s.count.size(); ++b)
          s.accuracy.push_back(s.count[b] > 0 ? std::optional<double>(weighted[b] / static_cast<double>(s.count[b]))
                                              : std::nullopt);
        series.push_back(std::move(s));
      }
      const std::string title = fmt::format("{} · {} · {}", key.first, key.second, display(row[2]));
      out.figures.push_back({fmt::format("figures/reliability_{}_{}_{}_{}.svg", sanitize_id(key.first), sanitize_id(key.second),
                                         role, sanitize_id(name)),
                             title, "calibration", reliability_svg(title, series),
                             "Bars: accuracy per confidence bin, pixels of all seeds pooled; outlined along the bottom: "
                             "pixels per bin; dashed: perfect calibration."});
      t.rows.push_back(std::move(row));
    }
  }
  out.tables.push_back(std::move(t));
}

// After temperature scaling (Guo et al. 2017; `calibrate --temperature-split`): the fitted T and
// the metrics with softmax(z / T). Empty, and so left out of the report, when no run fitted one.
Table temperature_table(const Context& ctx) {
  Table t;
  t.id = "calibration_temperature";
  t.title = "Calibration after temperature scaling";
  t.note = fmt::format("calibrate --temperature-split: one temperature T per run, fitted by NLL on a split of the "
                       "training data, then ECE, Brier and NLL of softmax(logits / T) on each test set (the "
                       "prediction, so DSC, is unchanged); {}.",
                       seeds_note(ctx.main));
  t.columns = {"Dataset",       "Model",       "Test set",      "T spatial",       "T +spectral",
               "ECE spatial",   "ECE +spectral", "ECE Δ",       "Brier spatial",   "Brier +spectral",
               "Brier Δ",       "NLL spatial",   "NLL +spectral", "NLL Δ"};
  for (const auto& [key, p] : ctx.main)
    for (const auto& [role, name] : calibrated_sets(p, kTemperatureScaled)) {
      std::vector<Cell> row = calibration_row(key, role, name);
      add_calibration_cells(row, p, role, name, kTemperatureScaled, "temperature");
      row.pop_back();  // a larger or smaller T is neither better nor worse: no Δ
      for (const char* metric : {"ece", "brier", "nll"})
        add_calibration_cells(row, p, role, name, kTemperatureScaled, metric);
      t.rows.push_back(std::move(row));
    }
  return t;
}

}  // namespace mis
