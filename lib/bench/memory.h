#pragma once
// Peak memory of the work done since the last reset.
//   CPU:  the process's peak resident set (VmHWM in /proc/self/status), reset through
//         /proc/self/clear_refs ("5"); it includes the program and LibTorch themselves.
//   CUDA: the caching allocator's peak of allocated bytes (only in builds with CUDA).
#include <cstdint>
#include <string>

#include <torch/torch.h>

namespace mis {

void reset_peak_memory(const torch::Device& device);
int64_t peak_memory_bytes(const torch::Device& device);  // -1 when it cannot be read
std::string peak_memory_source(const torch::Device& device);

}  // namespace mis
