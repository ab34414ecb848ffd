#include "models/fold_batch_norm.h"

#include <typeinfo>

namespace mis {

namespace nn = torch::nn;

namespace {

// Exactly Conv2d: subclasses such as StdConv2d (models/resnet_v2.h) transform their weight in
// forward, which a folded copy would lose.
const nn::Conv2dImpl* plain_conv(const nn::AnyModule& m) {
  const auto* conv = m.ptr()->as<nn::Conv2dImpl>();
  return conv && typeid(*conv) == typeid(nn::Conv2dImpl) ? conv : nullptr;
}

const nn::BatchNorm2dImpl* foldable_batch_norm(const nn::AnyModule& m) {
  const auto* bn = m.ptr()->as<nn::BatchNorm2dImpl>();
  return bn && !bn->is_training() && bn->options.track_running_stats() ? bn : nullptr;
}

nn::Conv2d folded(const nn::Conv2dImpl& conv, const nn::BatchNorm2dImpl& bn) {
  torch::NoGradGuard no_grad;
  const auto& w = conv.weight;
  // In float64, so the folded weights carry no more rounding than the two layers did.
  const auto var = bn.running_var.to(torch::kDouble), mean = bn.running_mean.to(torch::kDouble);
  const auto gamma = bn.options.affine() ? bn.weight.to(torch::kDouble) : torch::ones_like(var);
  const auto beta = bn.options.affine() ? bn.bias.to(torch::kDouble) : torch::zeros_like(var);
  const auto scale = gamma / torch::sqrt(var + bn.options.eps());
  const auto bias = conv.options.bias() ? conv.bias.to(torch::kDouble) : torch::zeros_like(var);
  const auto& o = conv.options;  // ConvNdOptions<2>: the same settings, with a bias
  nn::Conv2d out(nn::Conv2dOptions(o.in_channels(), o.out_channels(), o.kernel_size())
                     .stride(o.stride())
                     .padding(o.padding())
                     .dilation(o.dilation())
                     .groups(o.groups())
                     .padding_mode(o.padding_mode())
                     .bias(true));
  out->to(w.device(), w.scalar_type());
  out->weight.copy_(w.to(torch::kDouble) * scale.view({-1, 1, 1, 1}));
  out->bias.copy_((bias - mean) * scale + beta);
  out->eval();
  return out;
}

}  // namespace

nn::Sequential fold_batch_norm_into_convs(const nn::Sequential& layers) {
  nn::Sequential out;
  const auto begin = layers->begin(), end = layers->end();
  for (auto it = begin; it != end; ++it) {
    const auto next = it + 1;
    const auto* conv = plain_conv(*it);
    const auto* bn = conv && next != end ? foldable_batch_norm(*next) : nullptr;
    if (bn && conv->weight.size(0) == bn->options.num_features()) {
      out->push_back(folded(*conv, *bn));
      it = next;  // the batch norm is inside the convolution now
    } else {
      out->push_back(*it);
    }
  }
  return out;
}

}  // namespace mis
