#include "bench/memory.h"

#include <fstream>
#include <sstream>

#ifdef MIS_WITH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#endif

namespace mis {

void reset_peak_memory(const torch::Device& device) {
  if (device.is_cuda()) {
#ifdef MIS_WITH_CUDA
    c10::cuda::CUDACachingAllocator::resetPeakStats(device.has_index() ? device.index() : 0);
#endif
    return;
  }
  std::ofstream("/proc/self/clear_refs") << "5";  // Linux >= 4.0: resets VmHWM to the current RSS
}

int64_t peak_memory_bytes(const torch::Device& device) {
  if (device.is_cuda()) {
#ifdef MIS_WITH_CUDA
    const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(device.has_index() ? device.index() : 0);
    return stats.allocated_bytes[static_cast<size_t>(c10::cuda::CUDACachingAllocator::StatType::AGGREGATE)].peak;
#else
    return -1;
#endif
  }
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmHWM:", 0) != 0) continue;
    std::istringstream fields(line.substr(6));
    int64_t kib = -1;
    fields >> kib;
    return kib < 0 ? -1 : kib * 1024;
  }
  return -1;
}

std::string peak_memory_source(const torch::Device& device) {
  if (device.is_cuda()) return "CUDA caching allocator, peak allocated bytes";
  return "process peak resident set (VmHWM), reset before the timed steps";
}

}  // namespace mis
