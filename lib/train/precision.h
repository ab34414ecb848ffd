#pragma once
// Training and inference precision: float32, or bfloat16 autocast (weights and the optimiser
// stay float32; convolutions and matrix products run in bfloat16; the loss is computed in
// float32 on the float32-cast logits, as in PyTorch's autocast recipe).
#include <string>

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
// previous state, clearing the autocast weight-cast cache, when it goes out of scope.
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

}  // namespace mis
