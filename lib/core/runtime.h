#pragma once
// Process-wide compute settings: thread count and device.
#include <string>
#include <torch/torch.h>

namespace mis {

// The cores this machine offers (at least 1, also where the count is unknown).
int machine_cores();

// Sets LibTorch's intra-op threads (0 = every core). Debian's LibTorch starts with ONE
// thread, so every command calls this before any tensor work. Returns the count in effect.
int configure_threads(int requested);

// "cpu", "cuda" or "cuda:N"; a CUDA device on a build or machine without CUDA is a UserError.
torch::Device parse_device(const std::string& name);

// A short description of the compute setup for logs and result files.
std::string describe_runtime(const torch::Device& device);

// Seeds LibTorch's global generators (weight initialisation, dropout).
void seed_torch(std::uint64_t seed);

}  // namespace mis
