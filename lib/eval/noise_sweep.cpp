#include "eval/noise_sweep.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "core/error.h"
#include "core/files.h"
#include "core/progress.h"
#include "core/runtime.h"
#include "eval/calibrate.h"
#include "eval/checkpoint_command.h"
#include "eval/corruptions.h"
#include "eval/evaluator.h"
#include "eval/result_schema.h"
#include "metrics/calibration.h"
#include "metrics/hd95.h"

namespace mis {

const std::vector<double>& levels_for(const NoiseSweepConfig& c, const std::string& type) {
  const auto it = c.type_levels.find(type);
  return it == c.type_levels.end() ? c.levels : it->second;
}

void validate(const NoiseSweepConfig& c, const std::string& source) {
  if (c.batch_size < 1) throw UserError(source + ": batch_size must be at least 1");
  if (c.types.empty()) throw UserError(source + ": types must name at least one corruption");
  if (c.levels.empty()) throw UserError(source + ": levels must hold at least one level");
  std::set<std::string> seen_types;
  for (const auto& t : c.types) {
    const auto type = parse_corruption(t);
    if (!seen_types.insert(to_string(type)).second) throw UserError(source + ": corruption '" + t + "' given twice");
    const auto& levels = levels_for(c, t);
    if (levels.empty()) throw UserError(source + ": type_levels." + t + " must hold at least one level");
    std::set<double> seen_levels;
    for (double level : levels) {
      check_corruption_level(type, level);
      if (!seen_levels.insert(level).second)
        throw UserError(fmt::format("{}: level {} given twice for {}", source, level, t));
    }
  }
  for (const auto& [t, levels] : c.type_levels)
    if (std::find(c.types.begin(), c.types.end(), t) == c.types.end())
      throw UserError(source + ": type_levels names '" + t + "', which is not among types");
  parse_convention(c.convention);
  if (c.hd95 != "off") parse_hd95_variant(c.hd95, source + ": hd95");
}

namespace {

struct Condition {
  CorruptionType type;
  double level;
  json cases = json::array();
  CalibrationAccumulator calibration{kCalibrationBins};
  int64_t missed = 0;
  double seconds = 0;
};

}  // namespace

json run_noise_sweep(const NoiseSweepConfig& config) {
  if (config.checkpoint.empty()) throw UserError("noise-sweep needs --checkpoint");
  if (config.data.empty()) throw UserError("noise-sweep needs --data (the dataset whose test cases are corrupted)");
  if (config.output.empty()) throw UserError("noise-sweep needs --output (the result JSON to write)");
  const EmptyConvention convention = parse_convention(config.convention);
  const bool with_hd95 = config.hd95 != "off";
  const Hd95Variant variant = with_hd95 ? parse_hd95_variant(config.hd95) : Hd95Variant::medpy;
  if (with_hd95 && !hd95_available())
    throw UserError("noise-sweep --hd95 " + config.hd95 + ": this binary was built without ITK; pass --hd95 off");
  const CheckpointCommand command =
      open_checkpoint_command(config.checkpoint, config.checkpoint_kind, config.output, config.device,
                              config.threads, config.batch_size);
  const auto& classes = command.classes();
  const InferenceSettings& settings = command.settings();
  const auto dataset = open_dataset(config.data, config.split);
  check_classes(*dataset, classes);

  std::vector<Condition> conditions;
  for (const auto& t : config.types)
    for (double level : levels_for(config, t)) conditions.push_back({parse_corruption(t), level});
  // Level 0 is the clean input for every type: predicted once per case, shared by all types.
  bool any_clean = false;
  int64_t distinct = 0;
  for (const auto& c : conditions) {
    if (c.level != 0) ++distinct;
    any_clean = any_clean || c.level == 0;
  }
  distinct += any_clean ? 1 : 0;

  const auto t_start = std::chrono::steady_clock::now();
  Progress progress("noise-sweep " + dataset->info().name, static_cast<int64_t>(dataset->size()) * distinct);
  int64_t done = 0;
  for (std::size_t i = 0; i < dataset->size(); ++i) {
    const Case clean = dataset->load(i);
    require_label(*dataset, clean, "to score against");
    check_inference_size(*dataset, clean, settings);
    std::optional<Hd95Request> request;
    if (with_hd95) request = Hd95Request{variant, clean.geometry.spacing};
    // (scores, probabilities) of the clean input, computed on first use.
    std::optional<std::pair<json, torch::Tensor>> clean_result;
    double clean_seconds = 0;
    const auto evaluate = [&](const Case& c) {
      const auto probabilities = predict_probabilities(command.model(), c, settings);
      json scored = score_case(c.id, c.domain, probabilities.argmax(0), c.label, classes, convention,
                               request ? &*request : nullptr);
      progress.update(++done);
      return std::make_pair(std::move(scored), probabilities);
    };
    for (auto& cond : conditions) {
      const auto t0 = std::chrono::steady_clock::now();
      std::pair<json, torch::Tensor> result;
      if (cond.level == 0) {
        if (!clean_result) {
          clean_result = evaluate(clean);
          clean_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        }
        result = *clean_result;
        cond.seconds += clean_seconds;
      } else {
        Case noisy = clean;
        noisy.image = corrupt(clean.image, cond.type, cond.level,
                              corruption_seed(config.seed, clean.id, cond.type, cond.level));
        result = evaluate(noisy);
        cond.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      }
      for (const auto& [cls, m] : result.first["metrics"].items()) cond.missed += m["missed"].get<bool>() ? 1 : 0;
      cond.calibration.add(result.second, clean.label);
      cond.cases.push_back(result.first);
    }
  }
  progress.finish();

  json doc = checkpoint_result_header("noise-sweep", command, to_json(config));
  doc["convention"] = to_string(convention);
  doc["hd95"] = with_hd95 ? json{{"variant", to_string(variant)}, {"unit", hd95_unit(convention)}} : json(nullptr);
  doc["corruptions"] =
      "see lib/eval/corruptions.h: gaussian sigma = level x intensity range; salt_pepper fraction = level; speckle "
      "lo + (x - lo)(1 + level n); poisson 1/level^2 photons at the top of the range; blur sigma = level pixels "
      "in-plane; gamma exponent 1 + level on the normalised range";
  const json dataset_info = dataset_json(*dataset);
  doc["evaluations"] = json::array();
  for (auto& cond : conditions) {
    json summary = summarize_cases(cond.cases, classes);
    summary["missed_structures"] = cond.missed;
    doc["evaluations"].push_back({{"role", "noise"},
                                  {"noise", {{"type", to_string(cond.type)}, {"level", cond.level}}},
                                  {"dataset", dataset_info},
                                  {"cases", std::move(cond.cases)},
                                  {"summary", summary},
                                  {"calibration", to_json(cond.calibration.result())},
                                  {"seconds", cond.seconds}});
  }
  doc["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
  write_json_atomic(config.output, doc);
  return doc;
}

}  // namespace mis
