// lib/models/mixed_precision.h: the tensors TransUNet's layers hand each other under bf16
// autocast. Each function must give the next layer what autocast's default handling gives it
// (checked against that handling, a second path through the same operations) in a narrower type
// (checked on the type: the default handling gives float32, so these checks fail without the
// functions).
#include <cmath>

#include <doctest/doctest.h>

#include "core/torch_compat.h"
#include "models/mixed_precision.h"
#include "train/precision.h"

using namespace mis;

namespace {

struct ConvPass {
  torch::Tensor output, decoder_grad, skip_grad, weight_grad;
};

// A convolution over [decoder, skip] under bf16 autocast, forward and backward, concatenated by
// `cat_channels_in_type_of` or by a plain torch::cat (autocast promotes that one to float32).
ConvPass conv_after_cat(bool in_decoder_type) {
  torch::manual_seed(5);
  torch::nn::Conv2d conv(torch::nn::Conv2dOptions(12, 6, 3).padding(1));
  auto decoder = torch::randn({2, 8, 10, 10}).to(torch::kBFloat16).requires_grad_();
  auto skip = torch::randn({2, 4, 10, 10}).requires_grad_();
  const auto upstream = torch::randn({2, 6, 10, 10});
  torch::Tensor output;
  {
    AutocastGuard autocast(Precision::bf16, torch::kCPU);
    const auto input = in_decoder_type ? cat_channels_in_type_of(decoder, skip) : torch::cat({decoder, skip}, 1);
    CHECK((input.scalar_type() == (in_decoder_type ? torch::kBFloat16 : torch::kFloat32)));
    output = conv->forward(input);
  }
  output.backward(upstream.to(output.scalar_type()));
  return {output.detach(), decoder.grad(), skip.grad(), conv->weight.grad()};
}

}  // namespace

TEST_CASE("mixed precision: a bf16 decoder map and a float32 skip are concatenated in bf16, same values and gradients") {
  const auto ours = conv_after_cat(true);
  const auto promoted = conv_after_cat(false);
  // Bit for bit: the convolution casts the promoted float32 concatenation to bf16, which rounds
  // the skip exactly as converting it first does, and its bf16 gradient reaches both parts unchanged.
  CHECK(torch::equal(ours.output, promoted.output));
  CHECK(torch::equal(ours.decoder_grad, promoted.decoder_grad));
  CHECK(torch::equal(ours.skip_grad, promoted.skip_grad));
  CHECK(torch::equal(ours.weight_grad, promoted.weight_grad));
  CHECK((ours.skip_grad.scalar_type() == torch::kFloat32));  // the skip's own type, for the encoder's backward
  // Parts of one type are left as they are.
  const auto a = torch::randn({1, 2, 3, 3}), b = torch::randn({1, 3, 3, 3});
  CHECK(torch::equal(cat_channels_in_type_of(a, b), torch::cat({a, b}, 1)));
}

TEST_CASE("mixed precision: the concatenation hands each part a dense gradient, in channels-last") {
  // Without the copy each part would receive a strided channel slice of the whole gradient, over
  // which bilinear upsampling's backward is 7-10 times slower (models/mixed_precision.h).
  const auto channels_last = torch::MemoryFormat::ChannelsLast;
  auto decoder_leaf = torch::randn({2, 8, 6, 6}).to(torch::kBFloat16).contiguous(channels_last).requires_grad_();
  // Both bf16: a float32 skip's conversion would hand back a dense gradient by itself.
  auto skip_leaf = torch::randn({2, 4, 6, 6}).to(torch::kBFloat16).contiguous(channels_last).requires_grad_();
  const auto decoder = decoder_leaf * 2, skip = skip_leaf * 2;  // not leaves: their gradients pass through hooks
  torch::Tensor decoder_gradient, skip_gradient;
  decoder.register_hook([&](const torch::Tensor& g) { decoder_gradient = g; });
  skip.register_hook([&](const torch::Tensor& g) { skip_gradient = g; });
  const auto joined = cat_channels_in_type_of(decoder, skip);
  // An upstream gradient in channels-last, as a channels-last convolution gives it.
  (joined.to(torch::kFloat32) * torch::randn(joined.sizes()).contiguous(channels_last)).sum().backward();
  REQUIRE(decoder_gradient.defined());
  REQUIRE(skip_gradient.defined());
  CHECK(decoder_gradient.is_contiguous(channels_last));
  CHECK(skip_gradient.is_contiguous(channels_last));
}

TEST_CASE("mixed precision: GroupNorm over a bf16 input has float32 statistics, and a bf16 output where LibTorch allows it") {
  torch::manual_seed(6);
  torch::nn::GroupNorm norm(torch::nn::GroupNormOptions(4, 16).eps(1e-6));
  {
    torch::NoGradGuard no_grad;
    norm->weight.uniform_(0.5, 1.5);
    norm->bias.normal_();
  }
  // A mean far from zero against a spread of 3: statistics kept in bf16 lose it (LibTorch 1.13's
  // all-bf16 kernel is off by 2.3 on such data), float32 ones do not.
  auto x = (torch::randn({2, 16, 12, 12}) * 3 + 5).to(torch::kBFloat16).requires_grad_();
  const auto output = group_norm_keeping_type(norm, x);
  CHECK((output.scalar_type() == (torch_compat::kGroupNormTakesMixedTypes ? torch::kBFloat16 : torch::kFloat32)));

  // Reference: float32 GroupNorm of the same (bf16) values.
  auto x32 = x.detach().to(torch::kFloat32).requires_grad_();
  const auto reference = norm->forward(x32);
  // One bf16 rounding of each output at most: 2^-9 of its magnitude; 2^-8 leaves room for the
  // kernels' different summation orders.
  const auto error = (output.detach().to(torch::kFloat32) - reference.detach()).abs();
  CHECK((error <= reference.detach().abs() * std::ldexp(1.0, -8) + 1e-5).all().item<bool>());

  // Backward: the same upstream gradient (rounded to the output's type), input gradients within
  // bf16's rounding of the largest one.
  const auto upstream = torch::randn(output.sizes()).to(output.scalar_type());
  output.backward(upstream);
  reference.backward(upstream.to(torch::kFloat32));
  REQUIRE(x.grad().defined());
  CHECK((x.grad().scalar_type() == torch::kBFloat16));
  const double largest = x32.grad().abs().max().item<double>();
  const double grad_error = (x.grad().to(torch::kFloat32) - x32.grad()).abs().max().item<double>();
  CHECK(grad_error <= largest * std::ldexp(1.0, -7));
  // Parameters' gradients stay float32, for the float32 optimiser.
  CHECK((norm->weight.grad().scalar_type() == torch::kFloat32));
}

TEST_CASE("mixed precision: GroupNorm hands back the input's memory format, with the values of the float32 norm") {
  // Channels-last inputs that group_norm_keeping_type runs on an NCHW copy (mixed types; one
  // channel per group) and one it leaves in place (float32, 4 channels per group).
  torch::manual_seed(7);
  const auto channels_last = torch::MemoryFormat::ChannelsLast;
  for (const int groups : {16, 4}) {
    for (const auto type : {torch::kFloat32, torch::kBFloat16}) {
      CAPTURE(groups);
      CAPTURE(type);
      torch::nn::GroupNorm norm(torch::nn::GroupNormOptions(groups, 16).eps(1e-5));
      const auto x = (torch::randn({2, 16, 10, 10}) * 2 + 1).to(type).contiguous(channels_last);
      const auto output = group_norm_keeping_type(norm, x);
      CHECK(output.is_contiguous(channels_last));
      // The NCHW copy where the channels-last kernels are slow: mixed types (where LibTorch takes
      // them; 1.13 converts to float32 first) or one channel per group.
      const bool mixed = type == torch::kBFloat16 && torch_compat::kGroupNormTakesMixedTypes;
      const auto goes_in = mixed || type == torch::kFloat32 ? x : x.to(torch::kFloat32);
      CHECK(group_norm_needs_nchw_copy(norm, goes_in) == (mixed || groups == 16));
      CHECK_FALSE(group_norm_needs_nchw_copy(norm, goes_in.contiguous()));  // NCHW already
      const auto reference = norm->forward(x.to(torch::kFloat32).contiguous());
      // float32: summation order only; bf16: one rounding of the largest output, with room.
      const double largest = reference.abs().max().item<double>();
      const double tolerance = largest * (type == torch::kFloat32 ? 1e-6 : std::ldexp(1.0, -8));
      CHECK((output.to(torch::kFloat32) - reference).abs().max().item<double>() <= tolerance);
    }
  }
}
