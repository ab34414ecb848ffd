#pragma once
// The spatial objective of docs/method.md section 1: w_ce * CE + w_dice * soft Dice.
#include <torch/torch.h>

namespace mis {

// [B, H, W] integer labels -> [B, K, H, W] float one-hot.
torch::Tensor one_hot_masks(const torch::Tensor& labels, int64_t num_classes);

// Soft Dice loss (Milletari et al. 2016, as in TransUNet's DiceLoss): per class over the whole
// batch, 1 - (2*sum(p*g) + eps) / (sum(p) + sum(g) + eps), averaged over the classes used
// (foreground only unless include_background).
torch::Tensor soft_dice_loss(const torch::Tensor& probs, const torch::Tensor& onehot, bool include_background,
                             double eps = 1e-5);

struct SpatialLossOptions {
  double w_ce = 0.5;
  double w_dice = 0.5;
  bool dice_include_background = false;
};

torch::Tensor spatial_loss(const torch::Tensor& logits, const torch::Tensor& labels, const SpatialLossOptions& options);

}  // namespace mis
