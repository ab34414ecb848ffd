#include "models/unet.h"

#include "models/fold_batch_norm.h"
#include "models/transposed_conv_2x2.h"

namespace mis {

namespace nn = torch::nn;

DoubleConvImpl::DoubleConvImpl(int in, int out) {
  // No conv bias: BatchNorm's shift makes it redundant.
  body = register_module("body", nn::Sequential(
      nn::Conv2d(nn::Conv2dOptions(in, out, 3).padding(1).bias(false)), nn::BatchNorm2d(out), nn::ReLU(true),
      nn::Conv2d(nn::Conv2dOptions(out, out, 3).padding(1).bias(false)), nn::BatchNorm2d(out), nn::ReLU(true)));
}

torch::Tensor DoubleConvImpl::forward(const torch::Tensor& x) { return body->forward(x); }

void DoubleConvImpl::fold_batch_norm() { body = replace_module("body", fold_batch_norm_into_convs(body)); }

UpBlockImpl::UpBlockImpl(int in, int skip, int out, bool bilinear_) : bilinear(bilinear_) {
  if (bilinear) {
    reduce = register_module("reduce", nn::Conv2d(nn::Conv2dOptions(in, in / 2, 1)));
  } else {
    up_conv = register_module("up_conv", nn::ConvTranspose2d(nn::ConvTranspose2dOptions(in, in / 2, 2).stride(2)));
  }
  conv = register_module("conv", DoubleConv(in / 2 + skip, out));
}

torch::Tensor UpBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& skip) {
  torch::Tensor upsampled;
  if (bilinear) {
    upsampled = reduce->forward(torch::nn::functional::interpolate(
        x, torch::nn::functional::InterpolateFuncOptions()
               .size(std::vector<int64_t>{skip.size(2), skip.size(3)})
               .mode(torch::kBilinear)
               .align_corners(false)));
  } else {
    upsampled = transposed_conv_2x2(x, up_conv);  // up_conv's own map, on a faster path
  }
  return conv->forward(torch::cat({skip, upsampled}, 1));
}

UNetImpl::UNetImpl(const UNetOptions& opts) : options(opts) {
  TORCH_CHECK(opts.depth >= 1 && opts.base_width >= 1, "UNet needs depth >= 1 and base_width >= 1");
  stem = register_module("stem", DoubleConv(opts.in_channels, opts.base_width));
  down = register_module("down", nn::ModuleList());
  up = register_module("up", nn::ModuleList());
  int width = opts.base_width;
  for (int level = 0; level < opts.depth; ++level) {
    down->push_back(DoubleConv(width, width * 2));
    width *= 2;
  }
  for (int level = 0; level < opts.depth; ++level) {
    up->push_back(UpBlock(width, width / 2, width / 2, opts.bilinear));
    width /= 2;
  }
  head = register_module("head", nn::Conv2d(nn::Conv2dOptions(opts.base_width, opts.num_classes, 1)));
}

void UNetImpl::fold_for_inference() {
  stem->fold_batch_norm();
  for (const auto& block : *down) block->as<DoubleConv>()->fold_batch_norm();
  for (const auto& block : *up) block->as<UpBlock>()->conv->fold_batch_norm();
}

std::vector<std::string> UNetImpl::feature_layers() const {
  // Index i here is the index forward passes to keep(): stem 0, down blocks 1..depth, up blocks depth+1...
  std::vector<std::string> names{"stem"};
  for (int level = 0; level + 1 < options.depth; ++level) names.push_back("encoder." + std::to_string(level));
  names.push_back("bottleneck");
  for (int level = 0; level < options.depth; ++level) names.push_back("decoder." + std::to_string(level));
  return names;
}

std::string UNetImpl::default_feature_layer() const { return "decoder." + std::to_string(options.depth - 1); }

torch::Tensor UNetImpl::forward(torch::Tensor x) {
  std::vector<torch::Tensor> skips;
  int layer = 0;
  x = keep(layer++, stem->forward(x));
  for (const auto& block : *down) {
    skips.push_back(x);
    x = keep(layer++, block->as<DoubleConv>()->forward(torch::max_pool2d(x, 2)));
  }
  for (const auto& block : *up) {
    x = keep(layer++, block->as<UpBlock>()->forward(x, skips.back()));
    skips.pop_back();
  }
  return head->forward(x);
}

}  // namespace mis
