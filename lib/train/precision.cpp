#include "train/precision.h"


#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "core/error.h"
#include "core/torch_compat.h"

namespace mis {

Precision parse_precision(const std::string& name) {
  if (name == "fp32") return Precision::fp32;
  if (name == "bf16") return Precision::bf16;
  throw UserError("precision '" + name + "': expected fp32 or bf16");
}

std::string to_string(Precision precision) { return precision == Precision::bf16 ? "bf16" : "fp32"; }

Bf16Support cpu_bf16_support(const std::string& cpu_flags) {
  std::set<std::string> flags;
  std::istringstream in(cpu_flags);
  for (std::string f; in >> f;) flags.insert(f);
  const auto has = [&](const char* f) { return flags.count(f) > 0; };
  if (has("amx_bf16") || has("avx512_bf16")) return Bf16Support::native;
  // The same test as LibTorch's mkldnn_bf16_device_check (ATen/native/mkldnn/Utils.h).
  if (has("avx512bw") && has("avx512vl") && has("avx512dq")) return Bf16Support::emulated;
  return Bf16Support::none;
}

Bf16Support this_cpu_bf16_support() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("flags", 0) == 0) return cpu_bf16_support(line.substr(line.find(':') + 1));
  return Bf16Support::none;
}

std::string to_string(Bf16Support support) {
  switch (support) {
    case Bf16Support::native: return "native";
    case Bf16Support::emulated: return "emulated";
    case Bf16Support::none: return "none";
  }
  return "?";
}

std::string check_precision(Precision precision, const torch::Device& device) {
  if (precision == Precision::fp32 || device.is_cuda()) return "";
  switch (this_cpu_bf16_support()) {
    case Bf16Support::native: return "";
    case Bf16Support::emulated:
      return "warning: this CPU has AVX-512 but neither AMX-BF16 nor AVX512_BF16: bf16 is emulated and "
             "usually slower than fp32; use --precision fp32 unless you are measuring";
    case Bf16Support::none: break;
  }
  throw UserError("--precision bf16: this CPU has no AVX-512 (nor AMX), so LibTorch has no fast bfloat16 kernels "
                  "for it; use --precision fp32");
}

AutocastGuard::AutocastGuard(Precision precision, const torch::Device& device) {
  if (precision == Precision::fp32) return;
  // Kept copies were made without gradients: a training forward would use them, stale after
  // each update, and its weights would get no gradient (KeptWeightCasts).
  TORCH_CHECK(!(torch::GradMode::is_enabled() && KeptWeightCasts::any_alive()),
              "a bf16 forward with gradients while weight casts are kept for inference on this thread "
              "(KeptWeightCasts): training would use stale bf16 weights without gradients");
  active_ = true;
  cuda_ = device.is_cuda();
  was_enabled_ = torch_compat::autocast_enabled(cuda_);
  was_dtype_ = torch_compat::autocast_dtype(cuda_);
  torch_compat::set_autocast_dtype(cuda_, at::kBFloat16);
  torch_compat::set_autocast_enabled(cuda_, true);
  at::autocast::increment_nesting();
}

AutocastGuard::~AutocastGuard() {
  if (!active_) return;
  // Leaving the outermost region frees the bf16 copies of the weights cached for this step
  // (they are stale once the optimiser updates the weights), as torch.autocast's __exit__ does.
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  torch_compat::set_autocast_enabled(cuda_, was_enabled_);
  torch_compat::set_autocast_dtype(cuda_, was_dtype_);
}

namespace {
// Autocast's nesting count is per thread (ATen/autocast_mode.cpp), so is this count.
thread_local int kept_weight_casts_alive = 0;
}  // namespace

KeptWeightCasts::KeptWeightCasts() : thread_(std::this_thread::get_id()) {
  ++kept_weight_casts_alive;
  at::autocast::increment_nesting();
}

KeptWeightCasts::~KeptWeightCasts() {
  // Ended elsewhere, it would leave this thread's regions nested for good (never clearing the
  // cache) and push the other thread's count below zero.
  if (std::this_thread::get_id() != thread_) {
    std::fputs("internal error: a KeptWeightCasts ended on another thread than the one that made it\n", stderr);
    std::abort();
  }
  --kept_weight_casts_alive;
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
}

bool KeptWeightCasts::any_alive() { return kept_weight_casts_alive > 0; }

UncachedWeightCasts::UncachedWeightCasts() : was_enabled_(at::autocast::is_autocast_cache_enabled()) {
  at::autocast::set_autocast_cache_enabled(false);
}

UncachedWeightCasts::~UncachedWeightCasts() { at::autocast::set_autocast_cache_enabled(was_enabled_); }

}  // namespace mis
