#pragma once
// What every architecture is to the rest of the program: a module mapping images
// [B, C_in, H, W] to logits [B, K, H, W]. Training, evaluation and the metrics only see this.
#include <torch/torch.h>

namespace mis {

struct SegmentationModelImpl : torch::nn::Module {
  virtual torch::Tensor forward(torch::Tensor images) = 0;
  // The spatial sizes the model accepts must be multiples of this (2^depth for UNet).
  virtual int size_divisor() const = 0;
};

using SegmentationModel = std::shared_ptr<SegmentationModelImpl>;

}  // namespace mis
