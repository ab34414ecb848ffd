#pragma once
// The ResNet-50 "v2" hybrid stem of R50+ViT (Dosovitskiy et al. 2021, from BiT, Kolesnikov
// et al. 2020) as TransUNet uses it (Chen et al. 2021, github.com/Beckschen/TransUNet,
// networks/vit_seg_modeling_resnet_skip.py): weight-standardised convolutions, GroupNorm,
// a 7x7/2 root, a 3x3/2 max pool without padding, and three bottleneck stages of strides
// 1, 2, 2 (the fourth ResNet stage is dropped: the transformer replaces it).
#include <vector>

#include <torch/torch.h>

#include "models/pretrained_mapping.h"

namespace mis {

// Conv2d whose kernel is standardised (zero mean, unit variance over in x kh x kw, per output
// channel) at every forward, so GroupNorm trains well at small batches (Qiao et al. 2019).
struct StdConv2dImpl : torch::nn::Conv2dImpl {
  explicit StdConv2dImpl(torch::nn::Conv2dOptions options) : torch::nn::Conv2dImpl(options) {}
  torch::Tensor forward(const torch::Tensor& input);
  torch::Tensor standardized_weight() const;
  // For inference only: keeps the standardised kernel as the weight, so that forward stops
  // recomputing it from the same weight every batch (a var_mean and three elementwise passes per
  // convolution: 7% of TransUNet's inference batch). See SegmentationModelImpl::fold_for_inference.
  void fold_standardization();

 private:
  bool standardization_folded_ = false;
};
TORCH_MODULE(StdConv2d);

// conv1x1-GN-ReLU, conv3x3(stride)-GN-ReLU, conv1x1-GN, plus a projected shortcut when the
// shape changes, then ReLU. (The stride sits on the 3x3 conv, as in TransUNet's code.)
struct PreActBottleneckImpl : torch::nn::Module {
  PreActBottleneckImpl(int in, int out, int mid, int stride, int groups);
  torch::Tensor forward(const torch::Tensor& x);
  // Appends this unit's arrays, named "<prefix>/conv1/kernel" etc.
  void add_npz_bindings(const std::string& prefix, std::vector<NpzBinding>& out);

  StdConv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr}, conv_proj{nullptr};
  torch::nn::GroupNorm gn1{nullptr}, gn2{nullptr}, gn3{nullptr}, gn_proj{nullptr};
};
TORCH_MODULE(PreActBottleneck);

struct ResNetV2Options {
  int in_channels = 3;
  int width = 64;                           // root width; stage widths are 4x, 8x, 16x this
  std::vector<int> units = {3, 4, 9};       // bottlenecks per stage (ResNet-50's first three)
  int groups = 32;                          // GroupNorm groups
};

struct ResNetV2Impl : torch::nn::Module {
  explicit ResNetV2Impl(const ResNetV2Options& options);
  // Returns the 1/16-resolution map and the skip features [1/8, 1/4, 1/2] (deepest first),
  // each exactly H/2^k x W/2^k: the 1/4 map is one pixel short after the unpadded max pool
  // and is zero-padded at the bottom/right, as TransUNet does.
  std::pair<torch::Tensor, std::vector<torch::Tensor>> forward(const torch::Tensor& x);
  void add_npz_bindings(std::vector<NpzBinding>& out);
  void fold_standardization();  // every convolution's: see StdConv2dImpl::fold_standardization
  int out_channels() const { return options.width * 16; }
  std::vector<int> skip_channels() const { return {options.width * 8, options.width * 4, options.width}; }

  ResNetV2Options options;
  StdConv2d root_conv{nullptr};
  torch::nn::GroupNorm root_gn{nullptr};
  // blocks[b][u] is registered as "block<b+1>.unit<u+1>", the names of the .npz files.
  std::vector<std::vector<PreActBottleneck>> blocks;
};
TORCH_MODULE(ResNetV2);

}  // namespace mis
