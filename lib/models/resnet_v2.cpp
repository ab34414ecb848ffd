#include "models/resnet_v2.h"

#include <algorithm>

#include "models/mixed_precision.h"

namespace mis {

namespace nn = torch::nn;

torch::Tensor StdConv2dImpl::standardized_weight() const {
  // Population variance and eps 1e-5, as BiT/ViT's StdConv: the pretrained kernels were
  // trained with exactly this normalisation.
  auto [variance, mean] = torch::var_mean(weight, {1, 2, 3}, /*unbiased=*/false, /*keepdim=*/true);
  return (weight - mean) / torch::sqrt(variance + 1e-5);
}

torch::Tensor StdConv2dImpl::forward(const torch::Tensor& input) {
  return _conv_forward(input, standardization_folded_ ? weight : standardized_weight());
}

void StdConv2dImpl::fold_standardization() {
  if (standardization_folded_) return;
  torch::NoGradGuard no_grad;
  weight.copy_(standardized_weight());
  standardization_folded_ = true;
}

namespace {
nn::GroupNorm group_norm(int groups, int channels, double eps = 1e-6) {
  return nn::GroupNorm(nn::GroupNormOptions(groups, channels).eps(eps));
}

}  // namespace

PreActBottleneckImpl::PreActBottleneckImpl(int in, int out, int mid, int stride, int groups) {
  conv1 = register_module("conv1", StdConv2d(nn::Conv2dOptions(in, mid, 1).bias(false)));
  gn1 = register_module("gn1", group_norm(groups, mid));
  conv2 = register_module("conv2", StdConv2d(nn::Conv2dOptions(mid, mid, 3).stride(stride).padding(1).bias(false)));
  gn2 = register_module("gn2", group_norm(groups, mid));
  conv3 = register_module("conv3", StdConv2d(nn::Conv2dOptions(mid, out, 1).bias(false)));
  gn3 = register_module("gn3", group_norm(groups, out));
  if (stride != 1 || in != out) {
    conv_proj = register_module("conv_proj", StdConv2d(nn::Conv2dOptions(in, out, 1).stride(stride).bias(false)));
    // One group per channel and PyTorch's default eps: what TransUNet's code builds.
    gn_proj = register_module("gn_proj", group_norm(out, out, 1e-5));
  }
}

torch::Tensor PreActBottleneckImpl::forward(const torch::Tensor& x) {
  const torch::Tensor residual = conv_proj ? group_norm_keeping_type(gn_proj, conv_proj->forward(x)) : x;
  auto y = torch::relu(group_norm_keeping_type(gn1, conv1->forward(x)));
  y = torch::relu(group_norm_keeping_type(gn2, conv2->forward(y)));
  y = group_norm_keeping_type(gn3, conv3->forward(y));
  return torch::relu(residual + y);
}

void PreActBottleneckImpl::add_npz_bindings(const std::string& prefix, std::vector<NpzBinding>& out) {
  const std::pair<StdConv2d, nn::GroupNorm> pairs[] = {{conv1, gn1}, {conv2, gn2}, {conv3, gn3}};
  for (int i = 0; i < 3; ++i) {
    const std::string n = std::to_string(i + 1);
    out.push_back({prefix + "/conv" + n + "/kernel", pairs[i].first->weight, NpzLayout::kConv});
    out.push_back({prefix + "/gn" + n + "/scale", pairs[i].second->weight, NpzLayout::kVector});
    out.push_back({prefix + "/gn" + n + "/bias", pairs[i].second->bias, NpzLayout::kVector});
  }
  if (conv_proj) {
    out.push_back({prefix + "/conv_proj/kernel", conv_proj->weight, NpzLayout::kConv});
    out.push_back({prefix + "/gn_proj/scale", gn_proj->weight, NpzLayout::kVector});
    out.push_back({prefix + "/gn_proj/bias", gn_proj->bias, NpzLayout::kVector});
  }
}

ResNetV2Impl::ResNetV2Impl(const ResNetV2Options& opts) : options(opts) {
  TORCH_CHECK(opts.units.size() == 3, "ResNetV2: expected 3 stages, got ", opts.units.size());
  const int w = opts.width;
  root_conv = register_module("root_conv", StdConv2d(nn::Conv2dOptions(opts.in_channels, w, 7).stride(2).padding(3).bias(false)));
  root_gn = register_module("root_gn", group_norm(opts.groups, w));
  // (in, out, mid, stride) of each stage's first unit; later units keep out -> out.
  const int stage_in[] = {w, 4 * w, 8 * w}, stage_out[] = {4 * w, 8 * w, 16 * w}, stage_mid[] = {w, 2 * w, 4 * w};
  const int stage_stride[] = {1, 2, 2};
  for (int b = 0; b < 3; ++b) {
    TORCH_CHECK(opts.units[b] >= 1, "ResNetV2: every stage needs at least one unit");
    auto holder = register_module("block" + std::to_string(b + 1), std::make_shared<nn::Module>("ResNetStage"));
    blocks.emplace_back();
    for (int u = 0; u < opts.units[b]; ++u) {
      auto unit = PreActBottleneck(u == 0 ? stage_in[b] : stage_out[b], stage_out[b], stage_mid[b],
                                   u == 0 ? stage_stride[b] : 1, opts.groups);
      blocks.back().push_back(holder->register_module("unit" + std::to_string(u + 1), unit));
    }
  }
}

std::pair<torch::Tensor, std::vector<torch::Tensor>> ResNetV2Impl::forward(const torch::Tensor& input) {
  const int64_t height = input.size(2), width = input.size(3);
  std::vector<torch::Tensor> features;
  auto x = torch::relu(group_norm_keeping_type(root_gn, root_conv->forward(input)));
  features.push_back(x);
  x = torch::max_pool2d(x, 3, 2, 0);
  for (size_t b = 0; b < blocks.size(); ++b) {
    for (auto& unit : blocks[b]) x = unit->forward(x);
    if (b + 1 == blocks.size()) break;
    const int64_t want_h = height / (4 << b), want_w = width / (4 << b);
    const int64_t pad_h = want_h - x.size(2), pad_w = want_w - x.size(3);
    TORCH_CHECK(pad_h >= 0 && pad_w >= 0, "ResNetV2: feature map larger than expected");
    features.push_back(pad_h || pad_w ? torch::constant_pad_nd(x, {0, pad_w, 0, pad_h}, 0) : x);
  }
  std::reverse(features.begin(), features.end());
  return {x, features};
}

void ResNetV2Impl::fold_standardization() {
  for (const auto& module : modules(/*include_self=*/false))
    if (auto* conv = module->as<StdConv2dImpl>()) conv->fold_standardization();
}

void ResNetV2Impl::add_npz_bindings(std::vector<NpzBinding>& out) {
  out.push_back({"conv_root/kernel", root_conv->weight, NpzLayout::kConv});
  out.push_back({"gn_root/scale", root_gn->weight, NpzLayout::kVector});
  out.push_back({"gn_root/bias", root_gn->bias, NpzLayout::kVector});
  for (size_t b = 0; b < blocks.size(); ++b)
    for (size_t u = 0; u < blocks[b].size(); ++u)
      blocks[b][u]->add_npz_bindings("block" + std::to_string(b + 1) + "/unit" + std::to_string(u + 1), out);
}

}  // namespace mis
