#pragma once
// The machine's own reference rates, measured rather than taken from a data sheet: what one
// large matrix product and one 3x3 convolution of UNet's size reach through LibTorch (oneDNN /
// OpenBLAS on CPUs, cuBLAS / cuDNN on GPUs) in the step's precision and memory format. The
// training step's GFLOP/s is reported as a share of these.
#include <string>

#include <torch/torch.h>

#include "core/json.h"
#include "train/precision.h"

namespace mis {

struct PeakRates {
  double matmul_gflops = 0;  // best of the timed runs
  double conv3x3_gflops = 0;
  std::string matmul_shape;  // what was measured, for the report
  std::string conv_shape;
};

// `reps` timed runs of each after one warm-up; the best run counts (a peak, not a typical rate).
PeakRates measure_peak_rates(const torch::Device& device, Precision precision, bool channels_last, int reps = 5);

json to_json(const PeakRates& p);

}  // namespace mis
