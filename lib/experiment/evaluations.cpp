#include "experiment/evaluations.h"

#include <fmt/format.h>

#include "core/error.h"
#include "eval/calibrate.h"
#include "eval/evaluator.h"
#include "eval/explain.h"
#include "eval/noise_sweep.h"

namespace mis {

const std::vector<EvaluationKind>& evaluation_kinds() {
  static const std::vector<EvaluationKind> kinds = {
      {"eval", "eval.json", to_json(EvalConfig{}), true,
       [](const json& c) { return run_eval(config_from_json<EvalConfig>(c, "eval settings")); }},
      {"noise-sweep", "noise.json", to_json(NoiseSweepConfig{}), false,
       [](const json& c) { return run_noise_sweep(config_from_json<NoiseSweepConfig>(c, "noise-sweep settings")); }},
      {"calibrate", "calibrate.json", to_json(CalibrateConfig{}), true,
       [](const json& c) { return run_calibrate(config_from_json<CalibrateConfig>(c, "calibrate settings")); }},
      {"explain", "explain.json", to_json(ExplainConfig{}), false,
       [](const json& c) { return run_explain(config_from_json<ExplainConfig>(c, "explain settings")); }},
  };
  return kinds;
}

const EvaluationKind& evaluation_kind(const std::string& name, const std::string& source) {
  std::string names;
  for (const auto& k : evaluation_kinds()) {
    if (k.name == name) return k;
    names += (names.empty() ? "" : ", ") + k.name;
  }
  throw UserError(fmt::format("{}: unknown evaluation '{}'; use one of: {}", source, name, names));
}

json evaluation_config(const EvaluationKind& kind, const json& settings, const std::string& checkpoint,
                       const std::string& data, const std::vector<std::string>& ood, const std::string& output,
                       int threads, const std::string& device) {
  json config = merge_json(kind.defaults, settings);
  config["checkpoint"] = checkpoint;
  config["data"] = data;
  if (kind.takes_ood) config["ood"] = ood;
  config["output"] = output;
  config["threads"] = threads;
  config["device"] = device;
  return config;
}

}  // namespace mis
