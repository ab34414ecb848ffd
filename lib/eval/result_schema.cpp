#include "eval/result_schema.h"

#include <chrono>
#include <cmath>
#include <ctime>
#include <map>

#include <fmt/format.h>

#include "core/error.h"
#include "core/version.h"

namespace mis {

std::string utc_now() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

namespace {

json stats_of(const std::vector<double>& v) {
  if (v.empty()) return {{"mean", nullptr}, {"std", nullptr}, {"n", 0}};
  double mean = 0;
  for (double x : v) mean += x;
  mean /= static_cast<double>(v.size());
  double var = 0;
  for (double x : v) var += (x - mean) * (x - mean);
  const double sd = v.size() > 1 ? std::sqrt(var / static_cast<double>(v.size() - 1)) : 0.0;
  return {{"mean", mean}, {"std", sd}, {"n", v.size()}};
}

}  // namespace

json result_header(const std::string& kind) {
  return {{"schema", kResultSchema},
          {"schema_version", kResultSchemaVersion},
          {"kind", kind},
          {"code_version", code_version()},
          {"created", utc_now()}};
}

void validate_result(const json& doc, const std::string& source) {
  if (!doc.is_object() || doc.value("schema", "") != kResultSchema)
    throw UserError(source + ": not a mis-spectral result file (no \"schema\": \"" + std::string(kResultSchema) + "\")");
  const int version = doc.value("schema_version", 0);
  if (version < 1 || version > kResultSchemaVersion)
    throw UserError(fmt::format("{}: result schema version {} is not readable by this build (reads 1..{})", source,
                                version, kResultSchemaVersion));
}

json summarize_cases(const json& cases, const std::vector<std::string>& class_names) {
  // values[class][metric] -> per-case numbers
  std::map<std::string, std::map<std::string, std::vector<double>>> values;
  for (const auto& c : cases)
    for (const auto& [cls, metrics] : c.at("metrics").items())
      for (const auto& [metric, value] : metrics.items()) {
        if (value.is_boolean()) continue;
        auto& list = values[cls][metric];  // registered even when null everywhere: reported with n = 0
        if (value.is_number()) list.push_back(value.get<double>());
      }

  json per_class = json::object();
  std::map<std::string, std::vector<double>> class_means;  // metric -> mean of each foreground class
  for (std::size_t k = 1; k < class_names.size(); ++k) {
    const auto& cls = class_names[k];
    json entry = json::object();
    for (const auto& [metric, v] : values[cls]) {
      entry[metric] = stats_of(v);
      if (!v.empty()) class_means[metric].push_back(entry[metric]["mean"].get<double>());
    }
    per_class[cls] = entry;
  }
  json mean = json::object();
  for (const auto& [metric, v] : class_means) mean[metric] = stats_of(v)["mean"];
  return {{"per_class", per_class}, {"mean", mean}};
}

}  // namespace mis
