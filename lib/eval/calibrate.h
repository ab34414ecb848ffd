#pragma once
// `calibrate`: pixel-wise calibration (ECE, MCE, Brier, NLL and reliability bins, pooled over all
// pixels of each test set; METHOD.md sections 3-4) of a checkpoint on IID and OOD data, and
// optionally temperature scaling (Guo et al. 2017) fitted on another split, reported before/after.
#include <string>
#include <vector>

#include "core/json.h"
#include "eval/evaluator.h"
#include "train/checkpoint.h"

namespace mis {

struct CalibrateConfig {
  std::string checkpoint;
  std::string data;                      // in-distribution dataset
  std::string split = "test";            // the split of `data` to measure
  std::vector<std::string> ood;          // out-of-distribution datasets (their test split)
  std::string temperature_split;         // "" (no scaling) | "train" | "test": split of `data` T is fitted on
  int64_t temperature_pixels = 4000000;  // at most this many pixels (a seeded sample) for the fit
  std::uint64_t seed = 0;                // the pixel sample of the fit
  std::string output;
  int64_t batch_size = 16;
  int threads = 0;
  std::string device = "cpu";
};

json to_json(const CalibrateConfig& c);
CalibrateConfig calibrate_config_from_json(const json& j, const std::string& source);

// The inference settings a checkpoint was trained with (normalisation, patch size).
InferenceSettings inference_settings_for(const LoadedModel& loaded, const std::string& checkpoint, int64_t batch_size,
                                         const torch::Device& device);

// Logits [K, Z, Y, X] on the case's own grid (CPU, float32): predict_probabilities before its
// softmax, so softmax(predict_logits(...), 0) equals predict_probabilities(...).
torch::Tensor predict_logits(SegmentationModelImpl& model, const Case& c, const InferenceSettings& settings);

// Runs `calibrate`: writes config.output atomically and returns the document.
json run_calibrate(const CalibrateConfig& config);

}  // namespace mis
