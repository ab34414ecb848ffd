#include "bench/memory.h"

#include <fstream>
#include <sstream>

#include "core/torch_compat.h"

namespace mis {

void reset_peak_memory(const torch::Device& device) {
  if (device.is_cuda()) {
#ifdef MIS_WITH_CUDA
    torch_compat::reset_cuda_peak_stats(device.has_index() ? device.index() : 0);
#endif
    return;
  }
  std::ofstream("/proc/self/clear_refs") << "5";  // Linux >= 4.0: resets VmHWM to the current RSS
}

int64_t peak_memory_bytes(const torch::Device& device) {
  if (device.is_cuda()) {
#ifdef MIS_WITH_CUDA
    return torch_compat::cuda_peak_allocated_bytes(device.has_index() ? device.index() : 0);
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
