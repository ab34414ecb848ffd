#include "losses/spatial.h"

namespace mis {

torch::Tensor one_hot_masks(const torch::Tensor& labels, int64_t num_classes) {
  return torch::one_hot(labels.to(torch::kLong), num_classes).permute({0, 3, 1, 2}).to(torch::kFloat32);
}

torch::Tensor soft_dice_loss(const torch::Tensor& probs, const torch::Tensor& onehot, bool include_background,
                             double eps) {
  const int64_t first = include_background ? 0 : 1;
  const auto p = probs.slice(1, first);
  const auto g = onehot.slice(1, first).to(p.dtype());
  const std::vector<int64_t> reduce{0, 2, 3};  // over the batch and the pixels, per class
  const auto intersection = (p * g).sum(reduce);
  const auto denominator = p.sum(reduce) + g.sum(reduce);
  return (1.0 - (2.0 * intersection + eps) / (denominator + eps)).mean();
}

torch::Tensor spatial_loss(const torch::Tensor& logits, const torch::Tensor& labels, const SpatialLossOptions& o) {
  const auto ce = torch::nn::functional::cross_entropy(logits, labels.to(torch::kLong));
  const auto probs = torch::softmax(logits, 1);
  const auto dice = soft_dice_loss(probs, one_hot_masks(labels, logits.size(1)), o.dice_include_background);
  return o.w_ce * ce + o.w_dice * dice;
}

}  // namespace mis
