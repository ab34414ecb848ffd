#include "metrics/overlap.h"

#include "core/error.h"

namespace mis {

EmptyConvention parse_convention(const std::string& name) {
  if (name == "nnunet") return EmptyConvention::nnunet;
  if (name == "transunet") return EmptyConvention::transunet;
  throw UserError("unknown --compat '" + name + "' (expected nnunet or transunet)");
}

std::string to_string(EmptyConvention convention) {
  return convention == EmptyConvention::nnunet ? "nnunet" : "transunet";
}

std::vector<ClassCounts> confusion_counts(const torch::Tensor& prediction, const torch::Tensor& reference,
                                          int64_t num_classes) {
  TORCH_CHECK(prediction.sizes() == reference.sizes(), "prediction and reference shapes differ");
  // One bincount over pairs (reference * K + prediction) gives the whole confusion matrix.
  const auto pairs = (reference.to(torch::kLong) * num_classes + prediction.to(torch::kLong)).flatten().cpu();
  const auto matrix = torch::bincount(pairs, {}, num_classes * num_classes).view({num_classes, num_classes});
  const auto m = matrix.accessor<int64_t, 2>();  // m[ref][pred]
  std::vector<ClassCounts> counts(static_cast<std::size_t>(num_classes));
  for (int64_t c = 0; c < num_classes; ++c) {
    auto& k = counts[static_cast<std::size_t>(c)];
    k.tp = m[c][c];
    for (int64_t o = 0; o < num_classes; ++o) {
      if (o == c) continue;
      k.fn += m[c][o];
      k.fp += m[o][c];
    }
  }
  return counts;
}

OverlapScores overlap_scores(const ClassCounts& k, EmptyConvention convention) {
  OverlapScores s;
  const double tp = static_cast<double>(k.tp), fp = static_cast<double>(k.fp), fn = static_cast<double>(k.fn);
  const bool ref_empty = k.reference() == 0, pred_empty = k.predicted() == 0;
  s.missed = !ref_empty && pred_empty;
  if (!ref_empty) s.sensitivity = tp / (tp + fn);
  if (!pred_empty) s.precision = tp / (tp + fp);
  if (convention == EmptyConvention::transunet) {
    if (!pred_empty && !ref_empty) {
      s.dsc = 2 * tp / (2 * tp + fp + fn);
      s.iou = tp / (tp + fp + fn);
    } else {
      s.dsc = s.iou = (!pred_empty && ref_empty) ? 1.0 : 0.0;
    }
    return s;
  }
  if (ref_empty && pred_empty) return s;  // nothing to find, nothing found: undefined, not perfect
  s.dsc = 2 * tp / (2 * tp + fp + fn);
  s.iou = tp / (tp + fp + fn);
  return s;
}

}  // namespace mis
