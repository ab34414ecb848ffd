#include "report/case_table.h"

#include <fmt/format.h>

#include "report/table_writers.h"

namespace mis {

namespace {

std::string case_value(const json& v) {
  if (v.is_boolean()) return v.get<bool>() ? "1" : "0";
  if (v.is_number()) return fmt::format("{}", v.get<double>());
  return "NA";
}

std::string text_or_na(const json& parent, const char* key) {
  if (!parent.is_object() || !parent.contains(key) || parent[key].is_null()) return "NA";
  return parent[key].is_string() ? csv_field(parent[key].get<std::string>()) : csv_field(parent[key].dump());
}

}  // namespace

std::string case_table_csv(const std::vector<Run>& runs) {
  std::string csv = std::string(kCaseTableColumns) + "\r\n";
  for (const Run& r : runs) {
    const std::string run_cells = fmt::format("{},{},{},{},{},{},{}", csv_field(r.id), csv_field(r.labels.dataset),
                                              csv_field(r.labels.model), csv_field(r.labels.variant),
                                              csv_field(r.labels.group), csv_field(r.labels.setting), r.labels.seed);
    for (const auto& [kind, doc] : {std::pair{"eval", &r.eval}, {"noise-sweep", &r.noise}}) {
      if (!*doc || !(*doc)->contains("evaluations") || !(**doc)["evaluations"].is_array()) continue;
      for (const json& e : (**doc)["evaluations"]) {
        const json& dataset = e.contains("dataset") ? e["dataset"] : json();
        const json& noise = e.contains("noise") ? e["noise"] : json();
        const std::string set_cells = fmt::format("{},{},{},{},{}", kind, text_or_na(e, "role"),
                                                  text_or_na(dataset, "name"), text_or_na(noise, "type"),
                                                  noise.is_object() && noise.contains("level") ? case_value(noise["level"]) : "NA");
        if (!e.contains("cases") || !e["cases"].is_array()) continue;
        for (const json& c : e["cases"]) {
          if (!c.contains("metrics") || !c["metrics"].is_object()) continue;
          const std::string case_cells = text_or_na(c, "id") + "," + text_or_na(c, "domain");
          for (const auto& [cls, metrics] : c["metrics"].items()) {
            if (!metrics.is_object()) continue;
            for (const auto& [metric, value] : metrics.items()) {
              if (!value.is_number() && !value.is_boolean() && !value.is_null()) continue;
              csv += fmt::format("{},{},{},{},{},{}\r\n", run_cells, set_cells, case_cells, csv_field(cls),
                                 csv_field(metric), case_value(value));
            }
          }
        }
      }
    }
  }
  return csv;
}

}  // namespace mis
