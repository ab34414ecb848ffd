// Per-class and per-case results (issue 16, part 1): the paper's Synapse and ACDC tables, as
// TransUNet's (Chen et al. 2021, tables 1-2), give DSC and HD95 per organ, not only their mean;
// the false negatives the paper argues about are structures a model misses entirely, counted
// here per class with the sensitivity; the per-case DSC of both variants, paired by case, and
// the DSC per test set (IID and each OOD domain) are figures.
#include "report/sections.h"

#include <set>

#include <fmt/format.h>

#include "core/strings.h"
#include "report/extract.h"
#include "report/svg.h"

namespace mis {

namespace {

// The foreground classes of a pair's results, in the order of the result's "classes" list.
std::vector<std::string> classes_of(const Pair& p) {
  std::vector<std::string> order;
  std::set<std::string> seen;
  for (const RunSet* s : {&p.spatial, &p.spectral})
    for (const Run* r : *s) {
      if (!r->eval) continue;
      for (const auto& name : r->eval->value("classes", json::array()))
        if (name.is_string() && name != "background" && seen.insert(name.get<std::string>()).second)
          order.push_back(name.get<std::string>());
      for (const json* e : evaluations_of(*r->eval, "iid"))
        for (const auto& c : e->value("cases", json::array()))
          if (c.contains("metrics") && c["metrics"].is_object())
            for (const auto& [cls, m] : c["metrics"].items())
              if (seen.insert(cls).second) order.push_back(cls);
    }
  return order;
}

// Per case, one class's metric over the evaluations of (role, test set; all OOD sets when empty).
CasesOf class_cases(const std::string& role, const std::string& dataset, const std::string& cls,
                    const std::string& metric) {
  return [=](const Run& r) -> std::map<std::string, double> {
    std::map<std::string, double> out;
    if (!r.eval) return out;
    for (const json* e : evaluations_of(*r.eval, role, dataset)) {
      const std::string name = e->contains("dataset") ? (*e)["dataset"].value("name", "") : "";
      for (const auto& c : e->value("cases", json::array())) {
        if (!c.contains("metrics") || !c["metrics"].contains(cls)) continue;
        const json& m = c["metrics"][cls];
        if (m.contains(metric) && m[metric].is_number()) out[name + "/" + c.value("id", "?")] = m[metric].get<double>();
      }
    }
    return out;
  };
}

// The mean over cases of class_cases (none when no case has the metric).
ValueOf class_value(const CasesOf& cases) {
  return [cases](const Run& r) -> std::optional<double> {
    const auto v = cases(r);
    if (v.empty()) return std::nullopt;
    double sum = 0;
    for (const auto& [id, x] : v) sum += x;
    return sum / static_cast<double>(v.size());
  };
}

// The share of cases with the class in the reference where the prediction has none of it
// ("missed", lib/metrics/overlap.h); present = missed or a sensitivity (null for an empty reference).
ValueOf missed_share(const std::string& role, const std::string& dataset, const std::string& cls) {
  return [=](const Run& r) -> std::optional<double> {
    if (!r.eval) return std::nullopt;
    int missed = 0, present = 0;
    for (const json* e : evaluations_of(*r.eval, role, dataset))
      for (const auto& c : e->value("cases", json::array())) {
        if (!c.contains("metrics") || !c["metrics"].contains(cls)) continue;
        const json& m = c["metrics"][cls];
        const bool miss = m.value("missed", false);
        if (miss || (m.contains("sensitivity") && m["sensitivity"].is_number())) ++present;
        missed += miss;
      }
    if (present == 0) return std::nullopt;
    return static_cast<double>(missed) / present;
  };
}

// (role, test set name) of every IID and OOD evaluation of a pair's runs, IID first.
std::vector<std::pair<std::string, std::string>> test_sets(const Pair& p) {
  std::vector<std::pair<std::string, std::string>> sets;
  for (const char* role : {"iid", "ood"})
    for (const RunSet* s : {&p.spatial, &p.spectral})
      for (const Run* r : *s)
        if (r->eval)
          for (const json* e : evaluations_of(*r->eval, role)) {
            std::pair<std::string, std::string> key{role, (*e)["dataset"].value("name", "?")};
            if (std::find(sets.begin(), sets.end(), key) == sets.end()) sets.push_back(key);
          }
  return sets;
}

Table per_class_table(const Context& ctx) {
  Table t;
  t.id = "per_class";
  t.title = "Per-class results on the in-distribution (IID) test sets";
  t.note = fmt::format("As the per-organ tables of TransUNet (Chen et al. 2021): DSC in %, HD95 in {} (lower is "
                       "better), each the mean over cases of that class; {}; {}.",
                       ctx.hd95_unit, seeds_note(ctx.main), kPNote);
  t.columns = {"Dataset", "Model", "Class"};
  for (const auto& [m, d] : {std::pair{"DSC", "Δ pp"}, {"HD95", "Δ"}})
    for (const auto& c : pair_header(m, d)) t.columns.push_back(c);
  for (const auto& [key, p] : ctx.main)
    for (const auto& cls : classes_of(p)) {
      std::vector<Cell> row{Cell::str(key.first), Cell::str(key.second), Cell::str(cls)};
      const CasesOf dsc = class_cases("iid", "", cls, "dsc"), hd95 = class_cases("iid", "", cls, "hd95");
      four_cells(row, p, class_value(dsc), dsc, 100, 2);
      four_cells(row, p, class_value(hd95), hd95, 1, 2, true);
      t.rows.push_back(std::move(row));
    }
  return t;
}

Table missed_table(const Context& ctx) {
  Table t;
  t.id = "missed";
  t.title = "Missed structures and sensitivity per class";
  t.note = fmt::format("False negatives: Missed = the share of cases with the class in the reference where the "
                       "prediction has none of it, in %, and Sensitivity = TP / (TP + FN) in % (mean over those "
                       "cases), on every test set; lower Missed and higher Sensitivity are better; {}; {}.",
                       seeds_note(ctx.main), kPNote);
  t.columns = {"Dataset", "Model", "Test set", "Class", "Missed spatial", "Missed +spectral", "Missed Δ pp"};
  for (const auto& c : pair_header("Sensitivity", "Δ pp")) t.columns.push_back(c);
  for (const auto& [key, p] : ctx.main)
    for (const auto& [role, name] : test_sets(p))
      for (const auto& cls : classes_of(p)) {
        std::vector<Cell> row{Cell::str(key.first), Cell::str(key.second),
                              Cell::str(fmt::format("{} ({})", name, role == "iid" ? "IID" : "OOD")), Cell::str(cls)};
        const ValueOf missed = missed_share(role, name, cls);
        const Cell a = seed_cell(p.spatial, missed, 100, 1), b = seed_cell(p.spectral, missed, 100, 1);
        row.push_back(a);
        row.push_back(b);
        row.push_back(delta_cell(a, b, true));
        const CasesOf sens = class_cases(role, name, cls, "sensitivity");
        four_cells(row, p, class_value(sens), sens, 100, 2);
        t.rows.push_back(std::move(row));
      }
  return t;
}

// Per case IID DSC (mean over classes and seeds) of both variants, joined by case.
Figure paired_case_figure(const std::pair<std::string, std::string>& key, const Pair& p) {
  const CasesOf cases = iid_cases("dsc");
  const auto a = seed_mean_cases(p.spatial, cases), b = seed_mean_cases(p.spectral, cases);
  PairedStrip strip;
  strip.title = fmt::format("{} · {} · per-case IID DSC", key.first, key.second);
  strip.y_label = "DSC (%), mean over classes and seeds";
  strip.a_name = "spatial only";
  strip.b_name = "spatial + spectral";
  strip.a_color = kSpatialColor;
  strip.b_color = kSpectralColor;
  strip.y_min = 0;
  strip.y_max = 100;
  for (const auto& [id, x] : a)
    if (const auto it = b.find(id); it != b.end()) strip.cases.push_back({id, 100 * x, 100 * it->second});
  return {fmt::format("figures/cases_{}_{}.svg", sanitize_id(key.first), sanitize_id(key.second)), strip.title,
          "per_class", paired_strip_svg(strip),
          "Each line joins one test case's DSC without and with the spectral term (each the mean over seeds)."};
}

// Mean DSC per test set (IID, each OOD domain), both variants, sample-std error bars over seeds.
Figure domain_bars_figure(const std::pair<std::string, std::string>& key, const Pair& p) {
  BarChart chart;
  chart.title = fmt::format("{} · {} · DSC per test set", key.first, key.second);
  chart.y_label = "DSC (%)";
  BarSeries spatial{"spatial only", kSpatialColor, {}, {}}, spectral{"spatial + spectral", kSpectralColor, {}, {}};
  for (const auto& [role, name] : test_sets(p)) {
    chart.categories.push_back(role == "iid" ? name + " (IID)" : name);
    const ValueOf value = role == "iid" ? iid_value("dsc") : ood_value("dsc", name);
    for (auto [series, runs] : {std::pair{&spatial, &p.spatial}, {&spectral, &p.spectral}}) {
      const Cell c = seed_cell(*runs, value, 100, 2);
      series->value.push_back(c.kind == Cell::Kind::number ? std::optional<double>(c.value) : std::nullopt);
      series->sd.push_back(c.kind == Cell::Kind::number ? c.sd : std::nullopt);
    }
  }
  chart.series = {spatial, spectral};
  return {fmt::format("figures/domains_{}_{}.svg", sanitize_id(key.first), sanitize_id(key.second)), chart.title,
          "ood", bar_chart_svg(chart), "Bars: mean over seeds; error bars: sample standard deviation over seeds."};
}

}  // namespace

void per_class_section(const Context& ctx, ReportContent& out) {
  out.tables.push_back(per_class_table(ctx));
  out.tables.push_back(missed_table(ctx));
  for (const auto& [key, p] : ctx.main) {
    bool any = false;
    for (const RunSet* s : {&p.spatial, &p.spectral})
      for (const Run* r : *s) any = any || r->eval.has_value();
    if (!any) continue;
    out.figures.push_back(paired_case_figure(key, p));
    if (test_sets(p).size() > 1) out.figures.push_back(domain_bars_figure(key, p));
  }
}

}  // namespace mis
