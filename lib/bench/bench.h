#pragma once
// `mis-spectral bench`: how fast one model trains and predicts on this machine, measured with
// the same step `train` runs (train/step.h), set against the machine's own matrix-product and
// convolution rates (bench/peak.h).
#include <string>

#include "core/config.h"
#include "losses/objective.h"
#include "models/model_info.h"
#include "models/registry.h"

namespace mis {

struct BenchConfig {
  ModelSpec model{"unet"};
  int64_t size = 224;       // square input, pixels
  int64_t batch_size = 4;
  int64_t warmup = 1;       // untimed steps first (allocations, oneDNN kernel creation)
  int64_t steps = 3;        // timed training steps (and inference batches)
  std::string precision = "fp32";
  bool channels_last = true;  // as train's default
  bool prefetch = true;     // assemble the next batch on another thread during the step (as train does)
  bool measure_peak = true;
  LossConfig loss;          // the objective; lambda > 0 includes the spectral term
  int threads = 0;          // 0 = all cores
  std::string device = "cpu";
  std::uint64_t seed = 0;
  bool profile = false;     // one more training step and inference batch under LibTorch's profiler
};

// Written by hand: the model spec is spread over three keys, the loss has its own JSON form.
void to_json(json& j, const BenchConfig& c);
void from_json(const json& j, BenchConfig& c);
inline json to_json(const BenchConfig& c) { return json(c); }
void validate(const BenchConfig& c, const std::string& source);

// Training FLOPs from the forward count, by the usual convention (Kaplan et al. 2020, and
// the 221 GFLOP per UNet image): backward = 2 x forward (gradients with respect to
// the activations and to the weights), so a step is 3 x forward.
int64_t training_flops(const FlopCount& forward);

// Runs the benchmark; `log` receives one line per phase (may be empty). `pace`, when given, is
// called before each training step (warm-up included) with the step's index and once more after
// the last one with index warmup + steps: a hook to run the steps in lockstep with another
// process (scripts/bench_pair.py). Returns the JSON report: {"config", "machine", "peak",
// "flops", "train", "inference", "spectral", "data", "memory"}, and "profile" {"train_step",
// "inference"} with config.profile (results/bench/README.md).
json run_bench(const BenchConfig& config, const std::function<void(const std::string&)>& log = {},
               const std::function<void(int64_t)>& pace = {});

// The readable table of a run_bench report.
std::string format_bench(const json& report);

}  // namespace mis
