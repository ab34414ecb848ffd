#include "eval/calibrate.h"

#include <chrono>
#include <cmath>

#include <fmt/format.h>

#include "core/error.h"
#include "core/files.h"
#include "core/progress.h"
#include "core/rng.h"
#include "core/runtime.h"
#include "eval/checkpoint_command.h"
#include "eval/result_schema.h"
#include "metrics/calibration.h"

namespace mis {

void validate(const CalibrateConfig& c, const std::string& source) {
  if (c.batch_size < 1) throw UserError(source + ": batch_size must be at least 1");
  if (c.temperature_pixels < 1) throw UserError(source + ": temperature_pixels must be at least 1");
  if (!c.temperature_split.empty() && c.temperature_split != "train" && c.temperature_split != "test")
    throw UserError(source + ": temperature_split '" + c.temperature_split +
                    "' must be train or test (the split of --data the temperature is fitted on), or empty for none");
}

namespace {

Case load_labelled(const Dataset& dataset, std::size_t i, const InferenceSettings& settings) {
  Case c = dataset.load(i);
  require_label(dataset, c, "(labelsTr/labelsTs) to calibrate against");
  check_inference_size(dataset, c, settings);
  return c;
}

// Fits T on a seeded sample of pixels of `dataset`: every case contributes about
// max_pixels / cases pixels, each kept with the same probability (Bernoulli draws from the
// stream (seed, case index)), so the sample does not depend on the order of work.
TemperatureFit fit_on(SegmentationModelImpl& model, const Dataset& dataset, const InferenceSettings& settings,
                      int64_t max_pixels, std::uint64_t seed) {
  std::vector<torch::Tensor> logits, labels;
  const auto per_case = std::max<int64_t>(1, max_pixels / static_cast<int64_t>(dataset.size()));
  Progress progress("calibrate: fitting temperature on " + dataset.info().name, static_cast<int64_t>(dataset.size()));
  for (std::size_t i = 0; i < dataset.size(); ++i) {
    const Case c = load_labelled(dataset, i, settings);
    const auto z = predict_logits(model, c, settings);
    const int64_t k = z.size(0), n = c.label.numel();
    auto flat = z.reshape({k, n});
    auto lab = c.label.reshape({n});
    if (n > per_case) {
      const double keep = static_cast<double>(per_case) / static_cast<double>(n);
      Rng rng(derive_seed(seed, {0x7e3ull, static_cast<std::uint64_t>(i)}));
      std::vector<int64_t> chosen;
      chosen.reserve(static_cast<std::size_t>(per_case + per_case / 8 + 16));
      for (int64_t j = 0; j < n; ++j)
        if (rng.chance(keep)) chosen.push_back(j);
      const auto index = torch::tensor(chosen, torch::kLong);
      flat = flat.index_select(1, index);
      lab = lab.index_select(0, index);
    }
    logits.push_back(flat.contiguous());
    labels.push_back(lab.contiguous());
    progress.update(static_cast<int64_t>(i + 1));
  }
  progress.finish();
  return fit_temperature(torch::cat(logits, 1), torch::cat(labels, 0));
}

}  // namespace

json run_calibrate(const CalibrateConfig& config) {
  if (config.checkpoint.empty()) throw UserError("calibrate needs --checkpoint");
  if (config.data.empty() && config.ood.empty()) throw UserError("calibrate needs --data and/or --ood datasets");
  if (config.output.empty()) throw UserError("calibrate needs --output (the result JSON to write)");
  if (!config.temperature_split.empty() && config.data.empty())
    throw UserError("calibrate --temperature-split " + config.temperature_split +
                    " fits the temperature on a split of --data; give --data");
  const CheckpointCommand command =
      open_checkpoint_command(config.checkpoint, config.checkpoint_kind, config.output, config.device,
                              config.threads, config.batch_size);
  const auto& classes = command.classes();
  const InferenceSettings& settings = command.settings();

  const auto datasets = open_iid_and_ood(config.data, config.split, config.ood);
  std::unique_ptr<Dataset> temperature_set;
  if (!config.temperature_split.empty()) temperature_set = open_dataset(config.data, config.temperature_split);
  for (const auto& [role, d] : datasets) check_classes(*d, classes);
  if (temperature_set) check_classes(*temperature_set, classes);

  json doc = checkpoint_result_header("calibrate", command, to_json(config));
  doc["convention"] = to_string(EmptyConvention::nnunet);

  std::optional<double> temperature;
  if (temperature_set) {
    const TemperatureFit fit =
        fit_on(command.model(), *temperature_set, settings, config.temperature_pixels, config.seed);
    temperature = fit.temperature;
    json t = to_json(fit);
    t["dataset"] = dataset_json(*temperature_set);
    t["split"] = config.temperature_split;
    if (config.temperature_split == config.split && !datasets.empty() && datasets.front().role == "iid")
      t["warning"] = "fitted on the split it is evaluated on: the IID 'after' figures are optimistic";
    doc["temperature"] = t;
    fmt::print(stderr, "temperature T = {:.4f} (NLL {:.4f} -> {:.4f} on {} pixels)\n", fit.temperature,
               fit.nll_before, fit.nll_after, fit.pixels);
  } else {
    doc["temperature"] = nullptr;
  }

  doc["evaluations"] = json::array();
  for (const auto& [role, dataset] : datasets) {
    const auto t0 = std::chrono::steady_clock::now();
    CalibrationAccumulator before, after;
    json cases = json::array();
    Progress progress("calibrate " + role + " " + dataset->info().name, static_cast<int64_t>(dataset->size()));
    for (std::size_t i = 0; i < dataset->size(); ++i) {
      const Case c = load_labelled(*dataset, i, settings);
      const auto logits = predict_logits(command.model(), c, settings);
      const auto probabilities = torch::softmax(logits, 0);
      before.add(probabilities, c.label);
      if (temperature) after.add(torch::softmax(logits / *temperature, 0), c.label);
      // Overlap for context (temperature scaling does not change the argmax).
      cases.push_back(score_case(c.id, c.domain, probabilities.argmax(0), c.label, classes, EmptyConvention::nnunet));
      progress.update(static_cast<int64_t>(i + 1));
    }
    progress.finish();
    json entry = {{"role", role},
                  {"dataset", dataset_json(*dataset)},
                  {"cases", cases},
                  {"summary", summarize_cases(cases, classes)},
                  {"calibration", to_json(before.result())}};
    if (temperature) {
      json scaled = to_json(after.result());
      scaled["temperature"] = *temperature;
      entry["calibration_temperature_scaled"] = scaled;
    }
    entry["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    doc["evaluations"].push_back(std::move(entry));
  }
  write_json_atomic(config.output, doc);
  return doc;
}

}  // namespace mis
