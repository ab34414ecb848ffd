// The decoder's 2x2 stride-2 transposed convolution as a 1x1 convolution and a pixel shuffle
// (models/transposed_conv_2x2.h), against LibTorch's own ConvTranspose2d: a hand-worked case,
// the output and every gradient on random data in both memory formats, and a 20-step training
// trajectory (issue 14: "the faster path gives the same loss trajectory, fp32 within 1e-5").
#include <doctest/doctest.h>

#include "models/transposed_conv_2x2.h"

namespace {

namespace nn = torch::nn;

double max_rel_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return ((a - b).abs().max() / b.abs().max().clamp_min(1e-12)).item<double>();
}

}  // namespace

TEST_CASE("transposed_conv_2x2: one input pixel worked by hand") {
  // One input channel, one pixel x = 3, two output channels: output channel o at (a, b) is
  // 3 * W[0, o, a, b] + bias[o].
  nn::ConvTranspose2d conv(nn::ConvTranspose2dOptions(1, 2, 2).stride(2));
  {
    torch::NoGradGuard no_grad;
    conv->weight.copy_(torch::arange(8, torch::kFloat32).reshape({1, 2, 2, 2}));  // W[0, o, a, b] = 4o + 2a + b
    conv->bias.copy_(torch::tensor({10.0f, 20.0f}));
  }
  const auto y = transposed_conv_2x2(torch::full({1, 1, 1, 1}, 3.0f), conv);
  const auto expected = torch::tensor({10.0f, 13.0f, 16.0f, 19.0f, 32.0f, 35.0f, 38.0f, 41.0f}).reshape({1, 2, 2, 2});
  CHECK(torch::equal(y, expected));
}

TEST_CASE("transposed_conv_2x2 gives ConvTranspose2d's output and gradients") {
  torch::manual_seed(7);
  for (const bool channels_last : {false, true}) {
    for (const bool bias : {true, false}) {
      CAPTURE(channels_last);
      CAPTURE(bias);
      nn::ConvTranspose2d conv(nn::ConvTranspose2dOptions(6, 4, 2).stride(2).bias(bias));
      auto x = torch::randn({3, 6, 5, 7});  // not square: rows and columns must not be swapped
      if (channels_last) x = x.contiguous(torch::MemoryFormat::ChannelsLast);
      const auto x_ref = x.detach().clone().requires_grad_(true);
      const auto x_fast = x.detach().clone().requires_grad_(true);
      const auto upstream = torch::randn({3, 4, 10, 14});

      const auto y_ref = conv->forward(x_ref);
      (y_ref * upstream).sum().backward();
      const auto grads_ref = std::vector<torch::Tensor>{x_ref.grad().clone(), conv->weight.grad().clone()};
      const auto bias_grad_ref = bias ? conv->bias.grad().clone() : torch::Tensor();
      conv->zero_grad();

      const auto y_fast = transposed_conv_2x2(x_fast, conv);
      (y_fast * upstream).sum().backward();
      CHECK(y_fast.sizes() == y_ref.sizes());
      CHECK(max_rel_diff(y_fast, y_ref) < 1e-6);
      CHECK(max_rel_diff(x_fast.grad(), grads_ref[0]) < 1e-6);
      CHECK(max_rel_diff(conv->weight.grad(), grads_ref[1]) < 1e-6);
      if (bias) CHECK(max_rel_diff(conv->bias.grad(), bias_grad_ref) < 1e-6);
      // The fast path keeps the input's layout, so the decoder's concatenation need not copy.
      if (channels_last) CHECK(y_fast.is_contiguous(torch::MemoryFormat::ChannelsLast));
    }
  }
}

TEST_CASE("transposed_conv_2x2 trains along ConvTranspose2d's loss trajectory for 20 steps") {
  torch::manual_seed(3);
  // Two copies of the same upsampling layer, one trained through each path, on the same batches.
  nn::ConvTranspose2d slow(nn::ConvTranspose2dOptions(8, 3, 2).stride(2));
  nn::ConvTranspose2d fast(nn::ConvTranspose2dOptions(8, 3, 2).stride(2));
  {
    torch::NoGradGuard no_grad;
    fast->weight.copy_(slow->weight);
    fast->bias.copy_(slow->bias);
  }
  torch::optim::SGD slow_opt(slow->parameters(), torch::optim::SGDOptions(0.05).momentum(0.9));
  torch::optim::SGD fast_opt(fast->parameters(), torch::optim::SGDOptions(0.05).momentum(0.9));
  for (int step = 0; step < 20; ++step) {
    CAPTURE(step);
    const auto x = torch::randn({2, 8, 6, 6});
    const auto target = torch::randn({2, 3, 12, 12});
    slow_opt.zero_grad();
    fast_opt.zero_grad();
    const auto slow_loss = torch::mse_loss(slow->forward(x), target);
    const auto fast_loss = torch::mse_loss(transposed_conv_2x2(x, fast), target);
    slow_loss.backward();
    fast_loss.backward();
    slow_opt.step();
    fast_opt.step();
    CHECK(std::abs(fast_loss.item<double>() - slow_loss.item<double>()) <= 1e-5 * slow_loss.item<double>());
  }
}

TEST_CASE("transposed_conv_2x2 refuses a layer it does not compute") {
  nn::ConvTranspose2d three(nn::ConvTranspose2dOptions(2, 2, 3).stride(2));
  nn::ConvTranspose2d padded(nn::ConvTranspose2dOptions(2, 2, 2).stride(2).padding(1));
  const auto x = torch::randn({1, 2, 4, 4});
  CHECK_THROWS_WITH(transposed_conv_2x2(x, three), doctest::Contains("kernel 2, stride 2"));
  CHECK_THROWS_WITH(transposed_conv_2x2(x, padded), doctest::Contains("kernel 2, stride 2"));
}
