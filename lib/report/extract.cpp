#include "report/extract.h"

namespace mis {

std::vector<const json*> evaluations_of(const json& doc, const std::string& role, const std::string& dataset) {
  std::vector<const json*> out;
  if (!doc.contains("evaluations") || !doc["evaluations"].is_array()) return out;
  for (const auto& e : doc["evaluations"]) {
    if (e.value("role", "") != role) continue;
    if (!dataset.empty() && (!e.contains("dataset") || e["dataset"].value("name", "") != dataset)) continue;
    out.push_back(&e);
  }
  return out;
}

std::optional<double> summary_mean(const json& evaluation, const std::string& metric) {
  if (!evaluation.contains("summary") || !evaluation["summary"].contains("mean")) return std::nullopt;
  const auto& m = evaluation["summary"]["mean"];
  if (!m.contains(metric) || !m[metric].is_number()) return std::nullopt;
  return m[metric].get<double>();
}

std::optional<double> pooled_ood(const json& doc, const std::string& metric) {
  double sum = 0;
  int n = 0;
  for (const json* e : evaluations_of(doc, "ood"))
    if (const auto v = summary_mean(*e, metric)) sum += *v, ++n;
  if (n == 0) return std::nullopt;
  return sum / n;
}

std::map<std::string, double> case_values(const json& evaluation, const std::string& metric) {
  std::map<std::string, double> out;
  const std::string dataset = evaluation.contains("dataset") ? evaluation["dataset"].value("name", "") : "";
  for (const auto& c : evaluation.value("cases", json::array())) {
    if (!c.contains("metrics")) continue;
    double sum = 0;
    int n = 0;
    for (const auto& [cls, m] : c["metrics"].items())
      if (m.contains(metric) && m[metric].is_number()) sum += m[metric].get<double>(), ++n;
    if (n > 0) out[dataset + "/" + c.value("id", "?")] = sum / n;
  }
  return out;
}

const json* noise_evaluation(const json& doc, const std::string& type, double level) {
  for (const json* e : evaluations_of(doc, "noise"))
    if (e->contains("noise") && (*e)["noise"].value("type", "") == type && (*e)["noise"].value("level", -1.0) == level)
      return e;
  return nullptr;
}

std::vector<const json*> strongest_noise_evaluations(const json& doc) {
  std::map<std::string, const json*> strongest;  // type -> evaluation at its highest level
  for (const json* e : evaluations_of(doc, "noise")) {
    if (!e->contains("noise")) continue;
    const std::string type = (*e)["noise"].value("type", "");
    const auto it = strongest.find(type);
    if (it == strongest.end() || (*e)["noise"].value("level", 0.0) > (*it->second)["noise"].value("level", 0.0))
      strongest[type] = e;
  }
  std::vector<const json*> out;
  for (const auto& [type, e] : strongest) out.push_back(e);
  return out;
}

}  // namespace mis
