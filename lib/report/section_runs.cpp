#include "report/sections.h"

#include <algorithm>

#include <fmt/format.h>

namespace mis {

// Each ablation setting against the main experiment's spatial-only runs of the same dataset and
// model, paired by test case as in the main tables, so that every setting's effect carries its
// interval and p (H7 in docs/spectral-hypotheses.md compares settings by these effects).
Table ablation_table(const Context& ctx) {
  Table t;
  t.id = "ablations";
  t.title = "Ablations";
  t.note = "DSC in %, mean ± sample std over seeds; OOD pooled over the out-of-distribution test sets; strongest "
           "noise: the IID test set under each corruption type's highest level of the noise sweep, pooled over the "
           "types (the collapse of hypothesis H3b). Δ vs main "
           "spatial [a, b]: the mean paired difference, this setting minus the main experiment's spatial-only runs of "
           "the same dataset and model, over test cases (each case's value averaged over seeds first), in pp, with "
           "its 95% percentile bootstrap interval (10000 resamples, fixed seed); p: two-sided Wilcoxon signed-rank "
           "test over those cases; p Holm: the table's p-values of one column adjusted together by Holm's step-down "
           "method, the family a hypothesis over all ablations needs.";
  struct Measure {
    std::string name;
    ValueOf value;
    CasesOf cases;
  };
  const std::vector<Measure> measures = {{"IID", iid_value("dsc"), iid_cases("dsc")},
                                         {"OOD", ood_value("dsc", ""), ood_cases("dsc", "")},
                                         {"Strongest noise", strongest_noise_value("dsc"), strongest_noise_cases("dsc")}};
  t.columns = {"Ablation", "Setting", "Dataset", "Model", "Variant"};
  for (const auto& m : measures)
    t.columns.insert(t.columns.end(), {m.name + " DSC", m.name + " Δ vs main spatial", m.name + " p"});
  const auto add_row = [&](const std::string& group, const std::string& setting,
                           const std::pair<std::string, std::string>& key, const std::string& variant,
                           const RunSet& runs) {
    std::vector<Cell> row{Cell::str(group), Cell::str(setting), Cell::str(key.first), Cell::str(key.second),
                          Cell::str(variant)};
    const auto base = ctx.main.find(key);
    for (const auto& m : measures) {
      if (base == ctx.main.end() || base->second.spatial.empty()) {
        row.insert(row.end(), {seed_cell(runs, m.value, 100, 2), Cell::missing(), Cell::missing()});
        continue;
      }
      // The main comparison's four cells with main spatial on the left; its first (main spatial
      // itself) is the baseline every row shares, so it is left out.
      std::vector<Cell> cells;
      four_cells(cells, Pair{base->second.spatial, runs}, m.value, m.cases, 100, 2);
      row.insert(row.end(), cells.begin() + 1, cells.end());
    }
    t.rows.push_back(std::move(row));
  };
  // The main experiment's own spectral arm first, so that a sweep (lambda) reads as one column; a
  // study without ablations has no table.
  if (ctx.by_group.empty()) return t;
  for (const auto& [key, p] : ctx.main)
    if (!p.spectral.empty() && !p.spatial.empty()) add_row("main", p.spectral.front()->labels.setting, key, "spectral", p.spectral);
  for (const auto& [gs, groups] : ctx.by_group)
    for (const auto& [key, p] : groups)
      for (const auto& [variant, runs] : {std::pair{"spatial", &p.spatial}, {"spectral", &p.spectral}})
        if (!runs->empty()) add_row(std::get<0>(gs), std::get<1>(gs), key, variant, *runs);
  for (const auto& m : measures) {
    const std::string p_column = m.name + " p";
    add_holm_column(t, 0, static_cast<std::size_t>(std::find(t.columns.begin(), t.columns.end(), p_column) - t.columns.begin()));
    t.columns.push_back(p_column + " Holm");
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

}  // namespace mis
