#include "report/comparison.h"

#include <set>

#include <fmt/format.h>

#include "report/extract.h"
#include "report/stats.h"

namespace mis {

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

Cell delta_cell(const Cell& spatial, const Cell& spectral, bool lower_better) {
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

// The paired differences spectral - spatial over the cases both measured (each case's value
// averaged over seeds first), times `scale`; empty when either side has none.
std::vector<double> paired_differences(const Pair& p, const CasesOf& cases, double scale) {
  const auto a = seed_mean_cases(p.spatial, cases), b = seed_mean_cases(p.spectral, cases);
  std::vector<double> d;
  for (const auto& [id, x] : a) {
    const auto it = b.find(id);
    if (it != b.end()) d.push_back(scale * (it->second - x));
  }
  return d;
}

Cell p_cell(const std::vector<double>& d) {
  if (d.empty()) return Cell::missing();
  const WilcoxonResult w = wilcoxon_signed_rank(d);
  if (!w.p) return Cell::str("n/a");
  Cell c = Cell::num(*w.p);
  c.pvalue = true;
  return c;
}

Cell paired_delta_cell(const Cell& spatial, const Cell& spectral, const std::vector<double>& d, bool lower_better) {
  Cell delta = delta_cell(spatial, spectral, lower_better);
  // Δ is then the mean paired difference over cases, the quantity its interval and p are about.
  // It equals +spectral - spatial when every case holds every class and every seed measured it;
  // where classes come and go between cases (a brain's slabs), the columns' mean over classes
  // weights each class equally and the cases' mean weights each case, and the two differ.
  if (delta.kind == Cell::Kind::number)
    if (const auto ci = bootstrap_mean_ci(d)) {
      delta.value = ci->mean;
      delta.ci = std::pair{ci->lo, ci->hi};
    }
  return delta;
}

// spatial, +spectral, Δ [95% bootstrap interval of the mean paired difference], p for one metric.
void four_cells(std::vector<Cell>& row, const Pair& p, const ValueOf& value, const CasesOf& cases, double scale,
                int decimals, bool lower_better) {
  const Cell a = seed_cell(p.spatial, value, scale, decimals), b = seed_cell(p.spectral, value, scale, decimals);
  const std::vector<double> d = paired_differences(p, cases, scale);
  row.push_back(a);
  row.push_back(b);
  row.push_back(paired_delta_cell(a, b, d, lower_better));
  row.push_back(p_cell(d));
}

void add_holm_column(Table& t, std::size_t first_row, std::size_t p_col) {
  std::vector<double> p;
  for (std::size_t r = first_row; r < t.rows.size(); ++r)
    if (t.rows[r][p_col].kind == Cell::Kind::number) p.push_back(t.rows[r][p_col].value);
  const std::vector<double> adjusted = holm_adjust(p);
  std::size_t k = 0;
  for (std::size_t r = first_row; r < t.rows.size(); ++r) {
    const Cell& raw = t.rows[r][p_col];
    if (raw.kind != Cell::Kind::number) {
      t.rows[r].push_back(raw);
      continue;
    }
    Cell c = Cell::num(adjusted[k++]);
    c.pvalue = true;
    t.rows[r].push_back(c);
  }
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
  return {metric + " spatial", metric + " +spectral", metric + " " + delta, metric + " p"};
}


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

ValueOf strongest_noise_value(const std::string& metric) {
  return [metric](const Run& r) -> std::optional<double> {
    if (!r.noise) return std::nullopt;
    std::vector<double> v;
    for (const json* e : strongest_noise_evaluations(*r.noise))
      if (const auto x = summary_mean(*e, metric)) v.push_back(*x);
    return v.empty() ? std::nullopt : std::optional<double>(mean_of(v));
  };
}

CasesOf strongest_noise_cases(const std::string& metric) {
  return [metric](const Run& r) -> std::map<std::string, double> {
    std::map<std::string, double> out;
    if (!r.noise) return out;
    for (const json* e : strongest_noise_evaluations(*r.noise)) {
      const std::string type = (*e)["noise"].value("type", "?");
      for (const auto& [id, v] : case_values(*e, metric)) out[type + "/" + id] = v;
    }
    return out;
  };
}

std::string seeds_note(const Groups& groups) {
  std::set<std::uint64_t> seeds;
  for (const auto& [key, p] : groups)
    for (const RunSet* s : {&p.spatial, &p.spectral})
      for (const Run* r : *s) seeds.insert(r->labels.seed);
  return fmt::format("mean ± sample std over seeds ({} seed(s) in these runs)", seeds.size());
}

const char* const kPNote =
    "Δ [a, b]: the mean paired difference spectral − spatial over test cases (a case's value is its mean over "
    "the classes it holds, averaged over seeds) with its 95% percentile bootstrap interval (10000 "
    "resamples, fixed seed; the effect size in the metric's unit); it equals +spectral − spatial when every case "
    "holds every class and every seed measured it; p: two-sided Wilcoxon signed-rank test over "
    "test cases paired by case id (each case's value averaged over seeds first; exact for up to 25 untied "
    "differences, else the normal approximation). With n cases the exact test cannot go below p = 2/2^n "
    "(0.0078 for 8): read p with the interval, not alone";

}  // namespace mis
