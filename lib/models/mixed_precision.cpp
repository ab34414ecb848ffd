#include "models/mixed_precision.h"

#include "core/torch_compat.h"

namespace mis {

namespace {

// The identity, whose backward hands on a dense copy of a strided gradient (in the memory format
// its strides suggest, so channels-last stays channels-last).
struct DenseGradient : public torch::autograd::Function<DenseGradient> {
  static torch::Tensor forward(torch::autograd::AutogradContext*, const torch::Tensor& x) { return x; }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext*,
                                                 torch::autograd::variable_list gradients) {
    const auto& gradient = gradients[0];
    return {gradient.contiguous(gradient.suggest_memory_format())};
  }
};

}  // namespace

bool group_norm_needs_nchw_copy(const torch::nn::GroupNorm& norm, const torch::Tensor& input) {
  // LibTorch's channels-last GroupNorm CPU kernels are slow in two cases that TransUNet's ResNet
  // meets (tests/perf/transunet_layers.py: 4 images, 2 threads, channels-last against an NCHW
  // copy with both layout copies counted): the mixed bf16/float32 kernel's backward (2.11,
  // forward + backward: 36 against 10 ms for 64 x 112^2 in 32 groups; over the ResNet's 52 norms
  // 360 against 132 ms a step, though a few shapes are faster in channels-last, so a choice per
  // shape would save more) and one channel per group, as in the projections' norms (1.13.1 and
  // 2.11, forward alone: 25-27 against 2-3 ms for 512 x 28^2, 12-13 against 1.4-1.9 ms for 1024 x
  // 14^2). Elsewhere channels-last is as fast or faster (float32 forward over the 52 norms: 57-61
  // against 73-79 ms).
  const bool mixed_types = input.scalar_type() != norm->weight.scalar_type();
  const bool one_channel_per_group = norm->options.num_groups() == norm->options.num_channels();
  return input.is_cpu() && input.suggest_memory_format() == torch::MemoryFormat::ChannelsLast &&
         (mixed_types || one_channel_per_group);
}

torch::Tensor group_norm_keeping_type(torch::nn::GroupNorm norm, const torch::Tensor& x) {
  const auto weight_type = norm->weight.scalar_type();
  const auto input = x.scalar_type() == weight_type || torch_compat::kGroupNormTakesMixedTypes ? x : x.to(weight_type);
  if (!group_norm_needs_nchw_copy(norm, input)) return norm->forward(input);
  return norm->forward(input.contiguous()).contiguous(torch::MemoryFormat::ChannelsLast);
}

torch::Tensor cat_channels_in_type_of(const torch::Tensor& decoder, const torch::Tensor& skip) {
  const auto type = decoder.scalar_type();
  const auto skip_in_type = skip.scalar_type() == type ? skip : skip.to(type);
  if (!decoder.is_cpu()) return torch::cat({decoder, skip_in_type}, 1);  // measured on CPU only
  return torch::cat({DenseGradient::apply(decoder), DenseGradient::apply(skip_in_type)}, 1);
}

}  // namespace mis
