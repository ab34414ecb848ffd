#pragma once
// Overlap metrics per class per case (docs/method.md section 3), from confusion counts.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <torch/torch.h>

namespace mis {

// How a class that is empty in the reference and/or the prediction is scored.
enum class EmptyConvention {
  nnunet,     // both empty: DSC/IoU null (left out of means); reference empty, prediction not: 0
  transunet,  // TransUNet's calculate_metric_percase: both non-empty: computed; prediction non-empty
              // and reference empty: DSC 1 (HD95 0); prediction empty: 0 (HD95 0)
};

EmptyConvention parse_convention(const std::string& name);  // "nnunet" | "transunet"
std::string to_string(EmptyConvention convention);

struct ClassCounts {
  std::int64_t tp = 0, fp = 0, fn = 0;
  std::int64_t reference() const { return tp + fn; }
  std::int64_t predicted() const { return tp + fp; }
};

// Counts for labels 0..num_classes-1 of two integer maps of the same shape.
std::vector<ClassCounts> confusion_counts(const torch::Tensor& prediction, const torch::Tensor& reference,
                                          int64_t num_classes);

struct OverlapScores {
  std::optional<double> dsc;          // 2|A∩B| / (|A| + |B|)
  std::optional<double> iou;          // |A∩B| / |A∪B|
  std::optional<double> sensitivity;  // |A∩B| / |B| (recall), null when the reference is empty
  std::optional<double> precision;    // |A∩B| / |A|, null when the prediction is empty
  bool missed = false;                // present in the reference, absent from the prediction
};

OverlapScores overlap_scores(const ClassCounts& counts, EmptyConvention convention);

}  // namespace mis
