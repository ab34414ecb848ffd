#pragma once
// UNet (Ronneberger et al., MICCAI 2015, arXiv 1505.04597) with BatchNorm, as in most
// modern re-implementations: two 3x3 conv-BN-ReLU blocks per level, `depth` 2x2 max-pool
// downsamplings, and a decoder of transposed convolutions or bilinear upsampling.
// Preset `unet` (width 64, depth 4, transposed) is the 31M-parameter original.
#include "models/segmentation_model.h"

namespace mis {

struct UNetOptions {
  int in_channels = 1;
  int num_classes = 2;
  int base_width = 64;
  int depth = 4;
  bool bilinear = false;  // false: 2x2 transposed convolutions
};

// conv3x3-BN-ReLU twice.
struct DoubleConvImpl : torch::nn::Module {
  DoubleConvImpl(int in, int out);
  torch::Tensor forward(const torch::Tensor& x);
  void fold_batch_norm();  // see SegmentationModelImpl::fold_for_inference
  torch::nn::Sequential body{nullptr};
};
TORCH_MODULE(DoubleConv);

// Upsample, concatenate the skip connection, DoubleConv.
struct UpBlockImpl : torch::nn::Module {
  UpBlockImpl(int in, int skip, int out, bool bilinear);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& skip);
  torch::nn::ConvTranspose2d up_conv{nullptr};
  torch::nn::Conv2d reduce{nullptr};  // bilinear path: 1x1 conv to halve channels
  DoubleConv conv{nullptr};
  bool bilinear;
};
TORCH_MODULE(UpBlock);

struct UNetImpl : SegmentationModelImpl {
  explicit UNetImpl(const UNetOptions& options);
  torch::Tensor forward(torch::Tensor images) override;
  int size_divisor() const override { return 1 << options.depth; }
  // "stem", "encoder.0".."encoder.<depth-2>" (the downsampling blocks), "bottleneck" (the
  // deepest one), "decoder.0".."decoder.<depth-1>" (coarse to fine); the default is the last
  // decoder block, the full-resolution map the 1x1 head reads.
  std::vector<std::string> feature_layers() const override;
  std::string default_feature_layer() const override;
  void fold_for_inference() override;  // batch norm into the convolutions

  UNetOptions options;
  DoubleConv stem{nullptr};
  torch::nn::ModuleList down, up;
  torch::nn::Conv2d head{nullptr};
};
TORCH_MODULE(UNet);

}  // namespace mis
