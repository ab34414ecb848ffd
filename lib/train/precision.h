#pragma once
// Training and inference precision: float32, or bfloat16 autocast (weights and the optimiser
// stay float32; convolutions and matrix products run in bfloat16; the loss is computed in
// float32 on the float32-cast logits, as in PyTorch's autocast recipe).
#include <string>
#include <thread>

#include <torch/torch.h>

namespace mis {

enum class Precision { fp32, bf16 };

Precision parse_precision(const std::string& name);  // "fp32" | "bf16"; anything else is a UserError
std::string to_string(Precision precision);

// How well a CPU runs bfloat16, from its /proc/cpuinfo "flags" line:
//   native:   AMX-BF16 or AVX512_BF16 instructions (oneDNN runs bf16 at or above the fp32 rate),
//   emulated: AVX-512 BW/VL/DQ without bf16 instructions (oneDNN converts in software: correct,
//             usually slower than fp32),
//   none:     no AVX-512 (LibTorch's bf16 paths fall back to scalar code).
enum class Bf16Support { native, emulated, none };
Bf16Support cpu_bf16_support(const std::string& cpu_flags);
Bf16Support this_cpu_bf16_support();  // reads /proc/cpuinfo; `none` where it cannot be read
std::string to_string(Bf16Support support);

// Checks that `precision` can run on `device`. bf16 on a CPU without AVX-512 is a UserError;
// on a CPU that only emulates it, returns a warning to print (empty when there is nothing to say).
std::string check_precision(Precision precision, const torch::Device& device);

// Turns autocast on for `device`'s type while alive (a no-op for fp32) and restores the
// previous state when it goes out of scope, clearing autocast's weight-cast cache if it was the
// outermost region (see KeptWeightCasts).
class AutocastGuard {
 public:
  AutocastGuard(Precision precision, const torch::Device& device);
  ~AutocastGuard();
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;

 private:
  bool active_ = false;
  bool cuda_ = false;
  bool was_enabled_ = false;
  at::ScalarType was_dtype_ = at::kBFloat16;
};

// Autocast converts a float32 weight to bf16 the first time an operation inside an autocast
// region uses it and keeps the copy until the outermost region ends, when AutocastGuard (like
// torch.autocast's __exit__) drops it: a training step changes the weights before the next one.
// Inference over fixed weights need not convert them again for every batch (TransUNet's 105M
// parameters: results/bench/README.md, "Weight casts kept across inference batches"). While a
// KeptWeightCasts lives, the autocast regions on this thread count as nested inside one outer
// region, as under one `with torch.autocast(...)` around a Python evaluation loop: each weight is
// converted once and its copy reused until the last KeptWeightCasts of the thread ends.
// Autocast caches only float32 leaf tensors that require grad and are not views, i.e. the
// parameters themselves (as long as they require grad), not tensors computed from them in
// forward. The nesting count is per thread, the cache one map for the process (ATen's
// autocast_mode.cpp): an outermost region ending on another thread clears it, which costs time only.
// Weights must not change in place while one lives (a stale copy would be used), and the copies,
// made without gradients, would cut a training forward off from its weights: an AutocastGuard
// opened with gradients enabled while one lives is an error. It must end on the thread that
// made it (checked).
class KeptWeightCasts {
 public:
  KeptWeightCasts();
  ~KeptWeightCasts();
  KeptWeightCasts(const KeptWeightCasts&) = delete;
  KeptWeightCasts& operator=(const KeptWeightCasts&) = delete;
  static bool any_alive();  // on this thread

 private:
  std::thread::id thread_;
};

// While alive, autocast caches no weight copy on this thread: each use of a weight converts it
// afresh (in the models here, each weight is used once per forward, so the same work as a region
// of its own). For timing a baseline beside a KeptWeightCasts (bench).
class UncachedWeightCasts {
 public:
  UncachedWeightCasts();
  ~UncachedWeightCasts();
  UncachedWeightCasts(const UncachedWeightCasts&) = delete;
  UncachedWeightCasts& operator=(const UncachedWeightCasts&) = delete;

 private:
  bool was_enabled_ = true;
};

}  // namespace mis
