#include "train/validation.h"

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "core/error.h"
#include "preprocess/plan.h"
#include "train/precision.h"

namespace mis {

namespace fs = std::filesystem;

std::set<std::string> validation_cases(const TrainConfig& config, const std::vector<std::string>& case_ids) {
  const std::set<std::string> present(case_ids.begin(), case_ids.end());
  std::set<std::string> held_out;
  if (!config.validation.split.empty()) {
    const fs::path splits = fs::path(config.data) / "splits.json";
    if (!fs::is_regular_file(splits))
      fail_file(splits, "does not exist, so --val-split val has no validation cases; preprocess writes it when its "
                        "val_fraction is above 0, or use --val-fraction");
    const json j = read_json_file(splits);
    if (!j.is_array() || j.empty() || !j[0].is_object() || !j[0].contains("val") || !j[0]["val"].is_array())
      fail_file(splits, "expected nnU-Net's splits format: a list of folds [{\"train\": [...], \"val\": [...]}]");
    for (const auto& id : j[0]["val"]) {
      if (!id.is_string() || !present.count(id.get<std::string>()))
        fail_file(splits, fmt::format("validation case {} is not among the training cases of {}", id.dump(), config.data));
      held_out.insert(id.get<std::string>());
    }
  } else if (config.validation.fraction > 0.0) {
    // The same seeded split that preprocess uses for datasets without an official one.
    const auto split = prep::seeded_split(case_ids, config.seed, config.validation.fraction, 0.0, /*stream=*/11);
    for (std::size_t i = 0; i < case_ids.size(); ++i)
      if (split[i] == "val") held_out.insert(case_ids[i]);
  }
  if (config.validation.enabled() && held_out.empty())
    throw UserError(fmt::format("{}: validation holds out no case of the {} training cases; raise --val-fraction",
                                config.data, case_ids.size()));
  if (held_out.size() >= present.size())
    throw UserError(fmt::format("{}: validation would hold out all {} training cases; leave some for training",
                                config.data, present.size()));
  return held_out;
}

SlicePool select_cases(const SlicePool& pool, const std::set<std::string>& ids, bool keep) {
  std::vector<int64_t> rows;
  SlicePool out;
  for (int64_t i = 0; i < pool.size(); ++i)
    if (static_cast<bool>(ids.count(pool.case_of_slice[static_cast<std::size_t>(i)])) == keep) {
      rows.push_back(i);
      out.case_of_slice.push_back(pool.case_of_slice[static_cast<std::size_t>(i)]);
    }
  const auto index = torch::tensor(rows, torch::kInt64);
  out.images = pool.images.index_select(0, index);
  out.labels = pool.labels.index_select(0, index);
  return out;
}

std::vector<int64_t> evenly_spaced(int64_t n, int64_t count) {
  std::vector<int64_t> out;
  if (n <= count) {
    for (int64_t i = 0; i < n; ++i) out.push_back(i);
  } else {
    for (int64_t i = 0; i < count; ++i) out.push_back(i * n / count);
  }
  return out;
}

json validation_score(SegmentationModelImpl& model, const SlicePool& pool, const std::vector<int64_t>& indices,
                      int64_t num_classes, int64_t batch_size, const StepSettings& settings) {
  torch::NoGradGuard no_grad;
  model.eval();
  std::vector<double> tp(static_cast<std::size_t>(num_classes), 0.0), fp = tp, fn = tp;
  for (std::size_t start = 0; start < indices.size(); start += static_cast<std::size_t>(batch_size)) {
    const auto end = std::min(indices.size(), start + static_cast<std::size_t>(batch_size));
    const auto rows = torch::tensor(std::vector<int64_t>(indices.begin() + static_cast<std::ptrdiff_t>(start),
                                                         indices.begin() + static_cast<std::ptrdiff_t>(end)),
                                    torch::kInt64);
    torch::Tensor logits;
    {
      AutocastGuard autocast(settings.precision, settings.device);
      logits = model.forward(step_input(pool.images.index_select(0, rows), settings));
    }
    const auto predicted = logits.argmax(1).cpu();
    const auto reference = pool.labels.index_select(0, rows).to(torch::kInt64);
    for (int64_t k = 1; k < num_classes; ++k) {
      const auto p = predicted == k, r = reference == k;
      const auto ku = static_cast<std::size_t>(k);
      tp[ku] += (p & r).sum().item<double>();
      fp[ku] += (p & ~r).sum().item<double>();
      fn[ku] += (~p & r).sum().item<double>();
    }
  }
  model.train();
  json per_class = json::array();
  double sum = 0.0;
  int present = 0;
  for (std::size_t k = 1; k < tp.size(); ++k) {
    const double denominator = 2.0 * tp[k] + fp[k] + fn[k];
    if (denominator == 0.0) {
      per_class.push_back(nullptr);  // in neither reference nor prediction: no Dice
      continue;
    }
    const double dice = 2.0 * tp[k] / denominator;
    per_class.push_back(dice);
    sum += dice;
    ++present;
  }
  return {{"val_dsc", present > 0 ? json(sum / present) : json(nullptr)}, {"val_dsc_per_class", per_class}};
}

}  // namespace mis
