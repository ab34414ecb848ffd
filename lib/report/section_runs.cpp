#include "report/sections.h"

#include <fmt/format.h>

namespace mis {

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
