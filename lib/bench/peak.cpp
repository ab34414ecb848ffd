#include "bench/peak.h"

#include <algorithm>

#include <fmt/format.h>

#include "bench/timing.h"
#include "train/step.h"

namespace mis {

namespace {

double best_gflops(const std::function<void()>& fn, double flops, int reps, const torch::Device& device) {
  const auto seconds = time_runs(fn, 1, reps, device_sync(device), steady_clock_seconds());
  return flops / *std::min_element(seconds.begin(), seconds.end()) / 1e9;
}

}  // namespace

PeakRates measure_peak_rates(const torch::Device& device, Precision precision, bool channels_last, int reps) {
  torch::NoGradGuard no_grad;
  const auto dtype = precision == Precision::bf16 ? torch::kBFloat16 : torch::kFloat32;
  const auto opts = torch::TensorOptions().device(device).dtype(dtype);
  PeakRates p;

  // 2048^3: large enough for every BLAS to reach its plateau, ~17 GFLOP per product.
  const int64_t n = 2048;
  const auto a = torch::randn({n, n}, opts), b = torch::randn({n, n}, opts);
  p.matmul_gflops = best_gflops([&] { (void)torch::mm(a, b); }, 2.0 * n * n * n, reps, device);
  p.matmul_shape = fmt::format("{}x{} @ {}x{} {}", n, n, n, n, to_string(precision));

  // UNet's first down level (128 channels at 112x112 for a 224 input), batch 4: ~14.8 GFLOP.
  const int64_t batch = 4, channels = 128, size = 112;
  auto x = torch::randn({batch, channels, size, size}, opts);
  auto w = torch::randn({channels, channels, 3, 3}, opts) * 0.01;
  if (channels_last) {  // exactly as the step lays out its activations and weights
    x = with_channels_last_strides(x);
    w = with_channels_last_strides(w);
  }
  const double conv_flops = 2.0 * batch * size * size * channels * channels * 9;
  p.conv3x3_gflops = best_gflops([&] { (void)torch::conv2d(x, w, {}, 1, 1); }, conv_flops, reps, device);
  p.conv_shape = fmt::format("{}x{}x{}x{} conv3x3 {}->{} pad 1 {}{}", batch, channels, size, size, channels, channels,
                             to_string(precision), channels_last ? " channels-last" : "");
  return p;
}

json to_json(const PeakRates& p) {
  return {{"matmul_gflops", p.matmul_gflops},
          {"conv3x3_gflops", p.conv3x3_gflops},
          {"matmul_shape", p.matmul_shape},
          {"conv_shape", p.conv_shape}};
}

}  // namespace mis
