#include "report/sections.h"

#include <set>

#include <fmt/format.h>

#include "report/extract.h"

namespace mis {

Table headline_table(const Context& ctx) {
  Table t;
  t.id = "headline";
  t.title = "Headline: spatial-only vs spatial+spectral, mean DSC";
  t.note = fmt::format("DSC in %, mean over foreground classes and cases; {}; Δ = spectral − spatial in percentage "
                       "points; OOD = mean over the out-of-distribution test sets; {}. Paper Δ: the gains the paper "
                       "reports (cardiac, ACDC), for reference.",
                       seeds_note(ctx.main), kPNote);
  t.columns = {"Dataset", "Model"};
  for (const char* set : {"IID DSC", "OOD DSC"})
    for (const auto& c : pair_header(set, "Δ pp")) t.columns.push_back(c);
  t.columns.push_back("Paper Δ pp");
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

}  // namespace mis
