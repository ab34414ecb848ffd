#include "report/build_tables.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "report/extract.h"
#include "report/stats.h"
#include "report/svg.h"

namespace mis {

namespace fs = std::filesystem;

std::optional<double> paper_gain(const std::string& dataset, const std::string& model) {
  std::string d = dataset, m = model;
  for (auto& ch : d) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  for (auto& ch : m) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (d.find("acdc") == std::string::npos && d.find("cardiac") == std::string::npos) return std::nullopt;
  if (m.rfind("transunet", 0) == 0) return 1.63;
  if (m.rfind("unet", 0) == 0) return 0.81;
  return std::nullopt;
}

std::string slug(const std::string& s) {
  std::string out;
  for (char ch : s) {
    const bool ok = std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '.';
    if (ok) out += ch;
    else if (!out.empty() && out.back() != '_') out += '_';
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out.empty() ? "x" : out;
}

namespace {

constexpr const char* kSpatialColor = "#1f77b4";
constexpr const char* kSpectralColor = "#d62728";

using RunSet = std::vector<const Run*>;
struct Pair {
  RunSet spatial, spectral;
};
// (dataset, model) -> runs of each variant, for one group/setting.
using Groups = std::map<std::pair<std::string, std::string>, Pair>;

using ValueOf = std::function<std::optional<double>(const Run&)>;
using CasesOf = std::function<std::map<std::string, double>(const Run&)>;

// Mean ± sample std over the runs (seeds) that have a value; "missing"/"failed" when none has.
Cell seed_cell(const RunSet& runs, const ValueOf& value, double scale, int decimals) {
  std::vector<double> v;
  std::string failure;
  for (const Run* r : runs) {
    if (const auto x = value(*r)) v.push_back(scale * *x);
    else if (r->status == "failed" && failure.empty()) failure = r->id + ": " + (r->error.empty() ? "failed" : r->error);
  }
  if (v.empty()) return failure.empty() ? Cell::missing() : Cell::failed(failure);
  Cell c = Cell::num(mean_of(v), decimals);
  c.sd = sample_sd(v);
  c.n = static_cast<int>(v.size());
  c.of = static_cast<int>(runs.size());
  return c;
}

Cell delta_cell(const Cell& spatial, const Cell& spectral, bool lower_better = false) {
  if (spatial.kind != Cell::Kind::number || spectral.kind != Cell::Kind::number) return Cell::missing();
  Cell c = Cell::num(spectral.value - spatial.value, spatial.decimals);
  c.sign = true;
  c.lower_better = lower_better;
  return c;
}

// Per case, the mean over the seeds that measured it.
std::map<std::string, double> seed_mean_cases(const RunSet& runs, const CasesOf& cases) {
  std::map<std::string, std::vector<double>> all;
  for (const Run* r : runs)
    for (const auto& [id, v] : cases(*r)) all[id].push_back(v);
  std::map<std::string, double> out;
  for (const auto& [id, v] : all) out[id] = mean_of(v);
  return out;
}

Cell p_cell(const Pair& p, const CasesOf& cases) {
  const auto a = seed_mean_cases(p.spatial, cases), b = seed_mean_cases(p.spectral, cases);
  if (a.empty() || b.empty()) return Cell::missing();
  std::vector<double> d;
  for (const auto& [id, x] : a) {
    const auto it = b.find(id);
    if (it != b.end()) d.push_back(it->second - x);
  }
  const WilcoxonResult w = wilcoxon_signed_rank(d);
  if (!w.p) return Cell::str("n/a");
  Cell c = Cell::num(*w.p);
  c.pvalue = true;
  return c;
}

// spatial, +spectral, Δ, p for one metric.
void four_cells(std::vector<Cell>& row, const Pair& p, const ValueOf& value, const CasesOf& cases, double scale,
                int decimals, bool lower_better = false) {
  const Cell a = seed_cell(p.spatial, value, scale, decimals), b = seed_cell(p.spectral, value, scale, decimals);
  row.push_back(a);
  row.push_back(b);
  row.push_back(delta_cell(a, b, lower_better));
  row.push_back(p_cell(p, cases));
}

ValueOf iid_value(const std::string& metric) {
  return [metric](const Run& r) -> std::optional<double> {
    if (!r.eval) return std::nullopt;
    const auto e = evaluations_of(*r.eval, "iid");
    return e.empty() ? std::nullopt : summary_mean(*e.front(), metric);
  };
}

CasesOf iid_cases(const std::string& metric) {
  return [metric](const Run& r) -> std::map<std::string, double> {
    if (!r.eval) return {};
    const auto e = evaluations_of(*r.eval, "iid");
    return e.empty() ? std::map<std::string, double>{} : case_values(*e.front(), metric);
  };
}

// dataset empty: all OOD test sets (the pooled "OOD" column).
ValueOf ood_value(const std::string& metric, const std::string& dataset) {
  return [metric, dataset](const Run& r) -> std::optional<double> {
    if (!r.eval) return std::nullopt;
    if (dataset.empty()) return pooled_ood(*r.eval, metric);
    const auto e = evaluations_of(*r.eval, "ood", dataset);
    return e.empty() ? std::nullopt : summary_mean(*e.front(), metric);
  };
}

CasesOf ood_cases(const std::string& metric, const std::string& dataset) {
  return [metric, dataset](const Run& r) -> std::map<std::string, double> {
    std::map<std::string, double> out;
    if (!r.eval) return out;
    for (const json* e : evaluations_of(*r.eval, "ood", dataset)) {
      const auto c = case_values(*e, metric);
      out.insert(c.begin(), c.end());
    }
    return out;
  };
}

std::vector<std::string> pair_header(const std::string& metric, const std::string& delta) {
  return {metric + " spatial", metric + " +spectral", delta, "p"};
}

struct Context {
  std::map<std::tuple<std::string, std::string>, Groups> by_group;  // (group, setting) -> groups
  Groups main;
  std::string hd95_unit = "mm";
};

Context group_runs(const std::vector<Run>& runs) {
  Context ctx;
  bool unit_found = false;
  for (const auto& r : runs) {
    auto& pair = r.labels.group == "main" ? ctx.main[{r.labels.dataset, r.labels.model}]
                                          : ctx.by_group[{r.labels.group, r.labels.setting}][{r.labels.dataset,
                                                                                               r.labels.model}];
    (r.labels.variant == "spectral" ? pair.spectral : pair.spatial).push_back(&r);
    if (!unit_found && r.eval && r.eval->contains("hd95") && (*r.eval)["hd95"].is_object()) {
      ctx.hd95_unit = (*r.eval)["hd95"].value("unit", "mm");
      unit_found = true;
    }
  }
  return ctx;
}

std::string seeds_note(const Groups& groups) {
  std::set<std::uint64_t> seeds;
  for (const auto& [key, p] : groups)
    for (const RunSet* s : {&p.spatial, &p.spectral})
      for (const Run* r : *s) seeds.insert(r->labels.seed);
  return fmt::format("mean ± sample std over seeds ({} seed(s) in these runs)", seeds.size());
}

constexpr const char* kPNote =
    "p: two-sided Wilcoxon signed-rank test over test cases paired by case id (each case's value "
    "averaged over seeds first; exact for up to 25 untied differences, else the normal approximation)";

Table headline(const Context& ctx) {
  Table t;
  t.id = "headline";
  t.title = "Headline: spatial-only vs spatial+spectral, mean DSC";
  t.note = fmt::format("DSC in %, mean over foreground classes and cases; {}; Δ = spectral − spatial in percentage "
                       "points; OOD = mean over the out-of-distribution test sets; {}. Paper Δ: the gains the paper "
                       "reports (cardiac, ACDC), for reference.",
                       seeds_note(ctx.main), kPNote);
  t.columns = {"Dataset", "Model", "IID DSC spatial", "IID DSC +spectral", "Δ pp", "p",
               "OOD DSC spatial", "OOD DSC +spectral", "Δ pp", "p", "Paper Δ pp"};
  for (const auto& [key, p] : ctx.main) {
    std::vector<Cell> row{Cell::str(key.first), Cell::str(key.second)};
    four_cells(row, p, iid_value("dsc"), iid_cases("dsc"), 100, 2);
    four_cells(row, p, ood_value("dsc", ""), ood_cases("dsc", ""), 100, 2);
    const auto paper = paper_gain(key.first, key.second);
    if (paper) {
      Cell c = Cell::num(*paper);
      c.sign = true;
      row.push_back(c);
    } else {
      row.push_back(Cell::str("—"));
    }
    t.rows.push_back(std::move(row));
  }
  return t;
}

Table iid_table(const Context& ctx) {
  Table t;
  t.id = "iid";
  t.title = "In-distribution (IID) test sets";
  t.note = fmt::format("DSC and IoU in %, HD95 in {} (mean over foreground classes, then cases); {}; Δ in pp for "
                       "DSC/IoU, in {} for HD95 (lower is better); {}.",
                       ctx.hd95_unit, seeds_note(ctx.main), ctx.hd95_unit, kPNote);
  t.columns = {"Dataset", "Model"};
  for (const auto& [m, d] : {std::pair{"DSC", "Δ pp"}, {"IoU", "Δ pp"}, {"HD95", "Δ"}})
    for (const auto& c : pair_header(m, d)) t.columns.push_back(c);
  for (const auto& [key, p] : ctx.main) {
    std::vector<Cell> row{Cell::str(key.first), Cell::str(key.second)};
    four_cells(row, p, iid_value("dsc"), iid_cases("dsc"), 100, 2);
    four_cells(row, p, iid_value("iou"), iid_cases("iou"), 100, 2);
    four_cells(row, p, iid_value("hd95"), iid_cases("hd95"), 1, 2, true);
    t.rows.push_back(std::move(row));
  }
  return t;
}

Table ood_table(const Context& ctx) {
  Table t;
  t.id = "ood";
  t.title = "Out-of-distribution and cross-domain test sets";
  t.note = fmt::format("Trained on the first column's data, tested on unseen test sets; \"all OOD\" is the mean over "
                       "them. DSC and IoU in %, HD95 in {}; {}; {}.",
                       ctx.hd95_unit, seeds_note(ctx.main), kPNote);
  t.columns = {"Trained on", "Model", "Tested on"};
  for (const auto& [m, d] : {std::pair{"DSC", "Δ pp"}, {"IoU", "Δ pp"}, {"HD95", "Δ"}})
    for (const auto& c : pair_header(m, d)) t.columns.push_back(c);
  for (const auto& [key, p] : ctx.main) {
    std::set<std::string> sets;
    for (const RunSet* s : {&p.spatial, &p.spectral})
      for (const Run* r : *s)
        if (r->eval)
          for (const json* e : evaluations_of(*r->eval, "ood")) sets.insert((*e)["dataset"].value("name", "?"));
    if (sets.empty()) continue;
    std::vector<std::string> names(sets.begin(), sets.end());
    if (names.size() > 1) names.push_back("");
    for (const auto& name : names) {
      std::vector<Cell> row{Cell::str(key.first), Cell::str(key.second), Cell::str(name.empty() ? "all OOD" : name)};
      four_cells(row, p, ood_value("dsc", name), ood_cases("dsc", name), 100, 2);
      four_cells(row, p, ood_value("iou", name), ood_cases("iou", name), 100, 2);
      four_cells(row, p, ood_value("hd95", name), ood_cases("hd95", name), 1, 2, true);
      t.rows.push_back(std::move(row));
    }
  }
  return t;
}

void noise_section(const Context& ctx, ReportContent& out) {
  Table t;
  t.id = "noise";
  t.title = "Noise robustness";
  t.note = fmt::format("DSC in % on the IID test set with seeded corruptions (identical inputs for every model); "
                       "level 0 is the clean input; {}; {}.",
                       seeds_note(ctx.main), kPNote);
  t.columns = {"Dataset", "Model", "Noise", "Level", "DSC spatial", "DSC +spectral", "Δ pp", "p"};
  for (const auto& [key, p] : ctx.main) {
    std::map<std::string, std::set<double>> levels;  // type -> levels
    for (const RunSet* s : {&p.spatial, &p.spectral})
      for (const Run* r : *s)
        if (r->noise)
          for (const json* e : evaluations_of(*r->noise, "noise"))
            levels[(*e)["noise"].value("type", "?")].insert((*e)["noise"].value("level", 0.0));
    for (const auto& [type, lv] : levels) {
      LinePlot plot;
      plot.title = fmt::format("{} · {} · {}", key.first, key.second, type);
      plot.x_label = type + " level";
      plot.y_label = "DSC (%)";
      plot.y_min = 0;
      plot.y_max = 100;
      LineSeries spatial{"spatial only", kSpatialColor, {}, {}, {}}, spectral{"spatial + spectral", kSpectralColor, {}, {}, {}};
      spectral.dashed = true;  // so that a line hidden under the other still shows
      for (double level : lv) {
        const ValueOf value = [type = type, level](const Run& r) -> std::optional<double> {
          const json* e = r.noise ? noise_evaluation(*r.noise, type, level) : nullptr;
          return e ? summary_mean(*e, "dsc") : std::nullopt;
        };
        const CasesOf cases = [type = type, level](const Run& r) -> std::map<std::string, double> {
          const json* e = r.noise ? noise_evaluation(*r.noise, type, level) : nullptr;
          return e ? case_values(*e, "dsc") : std::map<std::string, double>{};
        };
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
      out.figures.push_back({fmt::format("figures/noise_{}_{}_{}.svg", slug(key.first), slug(key.second), slug(type)),
                             plot.title, "noise", line_plot_svg(plot)});
    }
  }
  out.tables.push_back(std::move(t));
}

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

void calibration_section(const Context& ctx, ReportContent& out) {
  Table t;
  t.id = "calibration";
  t.title = "Calibration";
  t.note = fmt::format("Pixel-wise, pooled over all pixels of each test set: top-label confidence in 15 equal-width "
                       "bins; ECE, MCE and Brier as fractions (lower is better), before temperature scaling; {}.",
                       seeds_note(ctx.main));
  t.columns = {"Dataset", "Model", "Test set", "ECE spatial", "ECE +spectral", "Δ", "MCE spatial", "MCE +spectral",
               "Δ", "Brier spatial", "Brier +spectral", "Δ"};
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
      out.figures.push_back({fmt::format("figures/reliability_{}_{}_{}_{}.svg", slug(key.first), slug(key.second),
                                         role, slug(name)),
                             title, "calibration", reliability_svg(title, series)});
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
  t.columns = {"Dataset",         "Model",         "Test set",    "T spatial",     "T +spectral",
               "ECE spatial",     "ECE +spectral", "Δ",           "Brier spatial", "Brier +spectral",
               "Δ",               "NLL spatial",   "NLL +spectral", "Δ"};
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

Table ablation_table(const Context& ctx) {
  Table t;
  t.id = "ablations";
  t.title = "Ablations";
  t.note = "DSC in %, mean ± sample std over seeds; Δ vs main spatial = this setting's IID DSC minus the main "
           "experiment's spatial-only IID DSC of the same dataset and model, in pp.";
  t.columns = {"Ablation", "Setting", "Dataset", "Model", "Variant", "IID DSC", "OOD DSC", "Δ vs main spatial pp"};
  for (const auto& [gs, groups] : ctx.by_group)
    for (const auto& [key, p] : groups)
      for (const auto& [variant, runs] : {std::pair{"spatial", &p.spatial}, {"spectral", &p.spectral}}) {
        if (runs->empty()) continue;
        std::vector<Cell> row{Cell::str(std::get<0>(gs)), Cell::str(std::get<1>(gs)), Cell::str(key.first),
                              Cell::str(key.second), Cell::str(variant)};
        const Cell iid = seed_cell(*runs, iid_value("dsc"), 100, 2);
        row.push_back(iid);
        row.push_back(seed_cell(*runs, ood_value("dsc", ""), 100, 2));
        const auto base = ctx.main.find(key);
        row.push_back(base == ctx.main.end() ? Cell::missing()
                                             : delta_cell(seed_cell(base->second.spatial, iid_value("dsc"), 100, 2), iid));
        t.rows.push_back(std::move(row));
      }
  return t;
}

std::optional<double> energy_of(const json& doc) {
  for (const json* s : {doc.contains("summary") ? &doc["summary"] : nullptr,
                        doc.contains("evaluations") && !doc["evaluations"].empty() &&
                                doc["evaluations"][0].contains("summary")
                            ? &doc["evaluations"][0]["summary"]
                            : nullptr})
    if (s && s->contains("mean") && (*s)["mean"].contains("energy_in_mask") &&
        (*s)["mean"]["energy_in_mask"].is_number())
      return (*s)["mean"]["energy_in_mask"].get<double>();
  return std::nullopt;
}

void explain_section(const Context& ctx, ReportContent& out) {
  Table t;
  t.id = "interpretability";
  t.title = "Interpretability (Grad-CAM)";
  t.note = "Energy in mask: the share of Grad-CAM energy inside the reference mask of the explained class, in %, "
           "mean ± sample std over seeds; p over the explained (case, slice, class) items.";
  t.columns = {"Dataset", "Model", "Energy in mask spatial", "Energy in mask +spectral", "Δ pp", "p"};
  const CasesOf cases = [](const Run& r) -> std::map<std::string, double> {
    std::map<std::string, double> m;
    if (!r.explain || !r.explain->contains("evaluations") || (*r.explain)["evaluations"].empty()) return m;
    for (const auto& c : (*r.explain)["evaluations"][0].value("cases", json::array()))
      if (c.contains("energy_in_mask") && c["energy_in_mask"].is_number())
        m[fmt::format("{}/{}/{}", c.value("id", "?"), c.value("slice", json(0)).dump(),
                      c.value("class", json("")).dump())] = c["energy_in_mask"].get<double>();
    return m;
  };
  for (const auto& [key, p] : ctx.main) {
    bool any = false;
    for (const RunSet* s : {&p.spatial, &p.spectral})
      for (const Run* r : *s) any = any || r->explain.has_value();
    if (!any) continue;
    std::vector<Cell> row{Cell::str(key.first), Cell::str(key.second)};
    four_cells(row, p, [](const Run& r) { return r.explain ? energy_of(*r.explain) : std::nullopt; }, cases, 100, 2);
    t.rows.push_back(std::move(row));
    for (const RunSet* s : {&p.spatial, &p.spectral})
      for (const Run* r : *s) {
        if (!r->explain || !r->explain->contains("evaluations") || (*r->explain)["evaluations"].empty()) continue;
        GalleryRun g;
        g.title = fmt::format("{} · {} · {} · seed {}", key.first, key.second,
                              r->labels.variant == "spectral" ? "spatial + spectral" : "spatial only", r->labels.seed);
        std::size_t index = 0;
        for (const auto& c : (*r->explain)["evaluations"][0].value("cases", json::array())) {
          ++index;
          if (!c.contains("images") || !c["images"].is_object()) continue;
          const std::string cls = c.value("class", json("")).is_string() ? c["class"].get<std::string>()
                                                                          : c.value("class", json("")).dump();
          std::string caption = fmt::format("{} slice {} class {}", c.value("id", "?"), c.value("slice", json(0)).dump(), cls);
          if (c.contains("energy_in_mask") && c["energy_in_mask"].is_number())
            caption += fmt::format(", energy in mask {:.1f}%", 100 * c["energy_in_mask"].get<double>());
          for (const char* kind : {"overlay", "gradcam"}) {
            if (!c["images"].contains(kind) || !c["images"][kind].is_string()) continue;
            const fs::path src = r->explain_dir / c["images"][kind].get<std::string>();
            g.images.push_back({src,
                                fmt::format("images/{}/{:03d}_{}_{}_{}.png", slug(r->id), index,
                                            slug(c.value("id", "case")), slug(cls), kind),
                                fmt::format("{} ({})", caption, kind)});
          }
        }
        out.gallery.push_back(std::move(g));
      }
  }
  out.tables.push_back(std::move(t));
}

Table paper_table(const Context& ctx) {
  Table t;
  t.id = "paper";
  t.title = "The paper's reported gains beside ours";
  t.note = "The only figures the paper's abstract gives: cardiac segmentation DSC gains from the spectral objective. "
           "Ours: IID DSC Δ (pp) of the matching rows above; missing when not run.";
  t.columns = {"Task", "Model", "Paper Δ DSC pp", "Ours: dataset", "Ours Δ DSC pp"};
  for (const auto& [model, gain] : {std::pair{"UNet", 0.81}, {"TransUNet", 1.63}}) {
    Cell paper = Cell::num(gain);
    paper.sign = true;
    bool found = false;
    for (const auto& [key, p] : ctx.main) {
      const auto g = paper_gain(key.first, key.second);
      if (!g || *g != gain) continue;
      found = true;
      const Cell a = seed_cell(p.spatial, iid_value("dsc"), 100, 2), b = seed_cell(p.spectral, iid_value("dsc"), 100, 2);
      t.rows.push_back({Cell::str("cardiac (ACDC)"), Cell::str(model), paper, Cell::str(key.first + " / " + key.second),
                        delta_cell(a, b)});
    }
    if (!found)
      t.rows.push_back({Cell::str("cardiac (ACDC)"), Cell::str(model), paper, Cell::str("—"), Cell::missing()});
  }
  return t;
}

Table runs_table(const std::vector<Run>& runs) {
  Table t;
  t.id = "runs";
  t.title = "Runs";
  t.note = "Every run found, with the result files it has.";
  t.columns = {"Run", "Dataset", "Model", "Variant", "Group", "Setting", "Seed", "Status", "Results"};
  for (const auto& r : runs) {
    std::string have;
    for (const auto& [name, doc] : {std::pair{"eval", &r.eval}, {"noise", &r.noise}, {"calibrate", &r.calibrate},
                                    {"explain", &r.explain}})
      if (doc->has_value()) have += (have.empty() ? "" : ", ") + std::string(name);
    t.rows.push_back({Cell::str(r.id), Cell::str(r.labels.dataset), Cell::str(r.labels.model),
                      Cell::str(r.labels.variant), Cell::str(r.labels.group), Cell::str(r.labels.setting),
                      Cell::str(std::to_string(r.labels.seed)),
                      Cell::str(r.status + (r.error.empty() ? "" : ": " + r.error)),
                      Cell::str(have.empty() ? "none" : have)});
  }
  return t;
}

}  // namespace

ReportContent build_report(const std::vector<Run>& runs, const std::string& title) {
  const Context ctx = group_runs(runs);
  ReportContent out;
  out.title = title;
  out.tables.push_back(headline(ctx));
  out.tables.push_back(iid_table(ctx));
  out.tables.push_back(ood_table(ctx));
  noise_section(ctx, out);
  calibration_section(ctx, out);
  if (Table t = temperature_table(ctx); !t.rows.empty()) out.tables.push_back(std::move(t));
  out.tables.push_back(ablation_table(ctx));
  explain_section(ctx, out);
  out.tables.push_back(paper_table(ctx));
  out.tables.push_back(runs_table(runs));
  return out;
}

}  // namespace mis
