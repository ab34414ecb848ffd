#pragma once
// Per-volume evaluation: a volume is predicted slice by slice at the training size, the
// logits are resized back to the volume's own grid, and the metrics are computed in 3-D.
#include "data/dataset.h"
#include "data/intensity.h"
#include "eval/eval_config.h"
#include "metrics/hd95.h"
#include "metrics/overlap.h"
#include "models/segmentation_model.h"

namespace mis {

struct InferenceSettings {
  Normalization normalization = Normalization::zscore;
  int64_t patch_size = 0;  // 0: the native slice size
  int64_t batch_size = 16;
  torch::Device device = torch::kCPU;
};

// Softmax probabilities [K, Z, Y, X] on the case's own grid (CPU, float32).
torch::Tensor predict_probabilities(SegmentationModelImpl& model, const Case& c, const InferenceSettings& settings);

// Scores of one case: {"id", "domain", "metrics": {class: {...}}} for the foreground classes;
// with `hd95`, each class also has "hd95" (null where the convention leaves it undefined).
json score_case(const std::string& id, const std::string& domain, const torch::Tensor& prediction,
                const torch::Tensor& reference, const std::vector<std::string>& class_names,
                EmptyConvention convention, const Hd95Request* hd95 = nullptr);

// Runs the whole `eval` command: writes config.output atomically and returns the document.
json run_eval(const EvalConfig& config);

}  // namespace mis
