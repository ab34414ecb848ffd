#pragma once
// The one place where the supported LibTorch versions differ (Debian's 1.13.1 and PyTorch 2.x
// wheels): everything else in mis-spectral calls these and stays free of version checks.
#include <variant>

#include <ATen/autocast_mode.h>
#include <torch/nn/options/conv.h>
#include <torch/version.h>
#ifdef MIS_WITH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#endif

#define MIS_TORCH_AT_LEAST(major, minor) \
  (TORCH_VERSION_MAJOR > (major) || (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

namespace mis::torch_compat {

// Autocast state per device type. PyTorch 2.4 replaced the per-backend functions
// (at::autocast::is_cpu_enabled, set_autocast_gpu_dtype, ...) with ones taking the device type,
// and deprecated the old ones with a warning at every call (ATen/autocast_mode.h).
inline bool autocast_enabled(bool cuda) {
#if MIS_TORCH_AT_LEAST(2, 4)
  return at::autocast::is_autocast_enabled(cuda ? at::kCUDA : at::kCPU);
#else
  return cuda ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled();
#endif
}

inline void set_autocast_enabled(bool cuda, bool enabled) {
#if MIS_TORCH_AT_LEAST(2, 4)
  at::autocast::set_autocast_enabled(cuda ? at::kCUDA : at::kCPU, enabled);
#else
  cuda ? at::autocast::set_enabled(enabled) : at::autocast::set_cpu_enabled(enabled);
#endif
}

inline at::ScalarType autocast_dtype(bool cuda) {
#if MIS_TORCH_AT_LEAST(2, 4)
  return at::autocast::get_autocast_dtype(cuda ? at::kCUDA : at::kCPU);
#else
  return cuda ? at::autocast::get_autocast_gpu_dtype() : at::autocast::get_autocast_cpu_dtype();
#endif
}

inline void set_autocast_dtype(bool cuda, at::ScalarType dtype) {
#if MIS_TORCH_AT_LEAST(2, 4)
  at::autocast::set_autocast_dtype(cuda ? at::kCUDA : at::kCPU, dtype);
#else
  cuda ? at::autocast::set_autocast_gpu_dtype(dtype) : at::autocast::set_autocast_cpu_dtype(dtype);
#endif
}

// GroupNorm on a bfloat16 (or half) input with float32 weight and bias, statistics in float32,
// output in the input's type: on CPU since PyTorch 2.0 (forward pytorch/pytorch#81852, backward
// #88663), which is what CPU autocast runs. LibTorch 1.13.1 refuses the mix ("expected scalar
// type BFloat16 but found Float"), and its all-bfloat16 kernel loses the statistics (measured: an
// error of 2.3 on outputs of unit variance when the input's mean is 5), so there the input is
// converted to float32 first (models/mixed_precision.h).
inline constexpr bool kGroupNormTakesMixedTypes = MIS_TORCH_AT_LEAST(2, 0);

// A 2-D convolution's padding when it is given as numbers (not kValid or kSame), else null.
// ConvNdOptions' padding_t is a c10::variant in 1.13 and a std::variant in 2.x; with std::get_if
// named here, argument-dependent lookup finds whichever of the two matches.
inline const torch::ExpandingArray<2>* explicit_padding(const torch::nn::detail::ConvNdOptions<2>::padding_t& padding) {
  using std::get_if;
  return get_if<torch::ExpandingArray<2>>(&padding);
}

#ifdef MIS_WITH_CUDA
// The CUDA caching allocator's statistics. Its StatType enum moved from
// c10::cuda::CUDACachingAllocator (1.13) to c10::CachingAllocator (2.x, c10/core/Allocator.h);
// AGGREGATE is its first value, 0, in every version, so the index is used directly.
inline void reset_cuda_peak_stats(c10::DeviceIndex device) { c10::cuda::CUDACachingAllocator::resetPeakStats(device); }

inline int64_t cuda_peak_allocated_bytes(c10::DeviceIndex device) {
  constexpr std::size_t aggregate = 0;
  return c10::cuda::CUDACachingAllocator::getDeviceStats(device).allocated_bytes[aggregate].peak;
}
#endif

}  // namespace mis::torch_compat
