#include "report/build_tables.h"

#include <cctype>

#include "report/case_table.h"
#include "report/sections.h"

namespace mis {

std::optional<double> paper_gain(const std::string& dataset, const std::string& model) {
  std::string d = dataset, m = model;
  for (auto& ch : d) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  for (auto& ch : m) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (d.find("acdc") == std::string::npos && d.find("cardiac") == std::string::npos) return std::nullopt;
  if (m.rfind("transunet", 0) == 0) return 1.63;
  if (m.rfind("unet", 0) == 0) return 0.81;
  return std::nullopt;
}

ReportContent build_report(const std::vector<Run>& runs, const std::string& title) {
  const Context ctx = group_runs(runs);
  ReportContent out;
  out.title = title;
  out.tables.push_back(headline_table(ctx));
  out.tables.push_back(iid_table(ctx));
  out.tables.push_back(ood_table(ctx));
  per_class_section(ctx, out);
  noise_section(ctx, out);
  calibration_section(ctx, out);
  if (Table t = temperature_table(ctx); !t.rows.empty()) out.tables.push_back(std::move(t));
  out.tables.push_back(ablation_table(ctx));
  explain_section(ctx, out);
  training_section(ctx, out);
  out.tables.push_back(paper_table(ctx));
  out.tables.push_back(runs_table(runs));
  out.case_csv = case_table_csv(runs);
  return out;
}

}  // namespace mis
