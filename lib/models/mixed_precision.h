#pragma once
// The dtype of the tensors that layers hand each other under bf16 autocast. Autocast decides per
// operation: convolutions and matrix products run in bf16, a few operations in float32, and a
// concatenation of parts of different types in the widest of them (its "promote" policy). Where a
// float32 tensor meets a bf16 one, each full copy from one type to the other is a pass over memory
// that a step pays forward and again backward: in TransUNet's bf16 step such casts were a fifth of
// the time (results/bench/README.md, "TransUNet's casts"). These two functions hand over tensors
// in the type the next layer computes in, with the same values it would have computed with.
#include <torch/torch.h>

namespace mis {

// `norm` applied to `x`, whose type may be bf16 while the norm's weight and bias stay float32.
// Where LibTorch's GroupNorm takes that mix (2.x: statistics in float32, output in bf16, as
// PyTorch's CPU autocast runs it), `x` goes in as it is; otherwise (1.13) it is converted to
// float32 first and the result is float32 (lib/core/torch_compat.h, kGroupNormTakesMixedTypes).
// On CUDA, autocast converts group_norm's input to float32 itself (its fp32 policy,
// aten/src/ATen/autocast_mode.cpp). Where LibTorch's channels-last CPU kernels are slow (mixed
// types, one channel per group: measured in mixed_precision.cpp) the norm runs on an NCHW copy;
// the result has the input's memory format either way. CUDA tensors keep their layout.
torch::Tensor group_norm_keeping_type(torch::nn::GroupNorm norm, const torch::Tensor& x);
// Whether group_norm_keeping_type runs `norm` over `input` (already in the type it goes in with)
// on an NCHW copy: channels-last CPU tensors with mixed types or one channel per group.
bool group_norm_needs_nchw_copy(const torch::nn::GroupNorm& norm, const torch::Tensor& input);

// torch::cat({decoder, skip}, 1) in `decoder`'s type. Under autocast a bf16 decoder map and a
// float32 skip feature would be concatenated in float32 and cast back to bf16 by the convolution
// that reads them: two copies of the whole. Converting the skip alone gives that convolution the
// same bf16 values and the same gradients. On CPU each part's gradient is handed back dense: the
// concatenation's backward gives each part a channel slice of the whole gradient, strided in
// channels-last, and LibTorch's bilinear upsampling, which makes the decoder map, takes 7-10 times
// longer over such a strided bf16 gradient than over a dense one (4 x 256 x 28^2 -> 56^2: 36
// against 3.5 ms on 1.13.1, 12 against 1.6 ms on 2.11; the dense copy: 0.3 ms;
// tests/perf/transunet_layers.py).
torch::Tensor cat_channels_in_type_of(const torch::Tensor& decoder, const torch::Tensor& skip);

}  // namespace mis
