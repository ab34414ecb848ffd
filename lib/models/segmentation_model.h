#pragma once
// What every architecture is to the rest of the program: a module mapping images
// [B, C_in, H, W] to logits [B, K, H, W]. Training, evaluation and the metrics only see this.
#include <string>
#include <vector>

#include <torch/torch.h>

namespace mis {

struct SegmentationModelImpl : torch::nn::Module {
  virtual torch::Tensor forward(torch::Tensor images) = 0;
  // The spatial sizes the model accepts must be multiples of this (2^depth for UNet).
  virtual int size_divisor() const = 0;

  // Intermediate activations for Grad-CAM (eval/explain.h). LibTorch's C++ modules have no
  // forward hooks, so each architecture names its capturable feature maps ([B, C, h, w]) and
  // hands them to keep() during forward. Architectures without any return an empty list.
  virtual std::vector<std::string> feature_layers() const { return {}; }
  // The layer used when none is chosen (one of feature_layers(), or "" when there are none).
  virtual std::string default_feature_layer() const { return ""; }

  // For inference only (after eval()): folds into the weights what stays constant once training
  // is over: each batch norm into the convolution before it (models/fold_batch_norm.h), and a
  // weight-standardised convolution's standardisation into its kernel (models/resnet_v2.h), where
  // the architecture has them; the same function up to float rounding, with work saved on every
  // batch. Parameters change names and values, so a folded model is not saved as a checkpoint.
  // Architectures with nothing to fold keep the default, which does nothing.
  virtual void fold_for_inference() {}

  // From the next forward on, keeps the activation of layer `name` (one of feature_layers();
  // anything else throws std::invalid_argument) in captured(); "" stops capturing. Callers
  // that want gradients with respect to it run forward with autograd enabled.
  void capture(const std::string& name) {
    captured_ = torch::Tensor();
    if (name.empty()) {
      capture_index_ = -1;
      return;
    }
    const auto layers = feature_layers();
    for (std::size_t i = 0; i < layers.size(); ++i)
      if (layers[i] == name) {
        capture_index_ = static_cast<int>(i);
        return;
      }
    throw std::invalid_argument("no capturable layer '" + name + "'");
  }
  // The activation of the captured layer in the last forward (undefined before one).
  torch::Tensor captured() const { return captured_; }

 protected:
  // Called by forward with the index (in feature_layers()) of each capturable point; returns x.
  // Without a capture this is one integer comparison, so the normal forward costs the same.
  const torch::Tensor& keep(int layer_index, const torch::Tensor& x) {
    if (layer_index == capture_index_) captured_ = x;
    return x;
  }

 private:
  int capture_index_ = -1;
  torch::Tensor captured_;
};

using SegmentationModel = std::shared_ptr<SegmentationModelImpl>;

}  // namespace mis
