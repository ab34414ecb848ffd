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
  t.note = "DSC in %, mean ± sample std over seeds; OOD pooled over the out-of-distribution test sets. Δ vs main "
           "spatial [a, b]: the mean paired difference, this setting minus the main experiment's spatial-only runs of "
           "the same dataset and model, over test cases (each case's value averaged over seeds first), in pp, with "
           "its 95% percentile bootstrap interval (10000 resamples, fixed seed); p: two-sided Wilcoxon signed-rank "
           "test over those cases; p Holm: the table's p-values of one column adjusted together by Holm's step-down "
           "method, the family a hypothesis over all ablations needs.";
  t.columns = {"Ablation", "Setting", "Dataset", "Model", "Variant", "IID DSC", "IID Δ vs main spatial", "IID p",
               "OOD DSC", "OOD Δ vs main spatial", "OOD p", "IID p Holm", "OOD p Holm"};
  for (const auto& [gs, groups] : ctx.by_group)
    for (const auto& [key, p] : groups)
      for (const auto& [variant, runs] : {std::pair{"spatial", &p.spatial}, {"spectral", &p.spectral}}) {
        if (runs->empty()) continue;
        std::vector<Cell> row{Cell::str(std::get<0>(gs)), Cell::str(std::get<1>(gs)), Cell::str(key.first),
                              Cell::str(key.second), Cell::str(variant)};
        const auto base = ctx.main.find(key);
        for (const auto& [value, cases] : {std::pair{iid_value("dsc"), iid_cases("dsc")},
                                           {ood_value("dsc", ""), ood_cases("dsc", "")}}) {
          const Cell cell = seed_cell(*runs, value, 100, 2);
          row.push_back(cell);
          if (base == ctx.main.end() || base->second.spatial.empty()) {
            row.push_back(Cell::missing());
            row.push_back(Cell::missing());
            continue;
          }
          const Pair against{base->second.spatial, *runs};
          const std::vector<double> d = paired_differences(against, cases, 100);
          row.push_back(paired_delta_cell(seed_cell(against.spatial, value, 100, 2), cell, d));
          row.push_back(p_cell(d));
        }
        t.rows.push_back(std::move(row));
      }
  for (const char* p_column : {"IID p", "OOD p"})
    add_holm_column(t, 0, static_cast<std::size_t>(std::find(t.columns.begin(), t.columns.end(), p_column) - t.columns.begin()));
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
