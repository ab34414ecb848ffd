#include "core/runtime.h"

#include <thread>

#include <fmt/format.h>

#include "core/error.h"

namespace mis {

int machine_cores() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

int configure_threads(int requested) {
  if (requested < 0) throw UserError(fmt::format("--threads must be 0 (all cores) or positive, got {}", requested));
  const int n = requested == 0 ? machine_cores() : requested;
  torch::set_num_threads(n);
  return torch::get_num_threads();
}

torch::Device parse_device(const std::string& name) {
  if (name == "cpu") return torch::Device(torch::kCPU);
  if (name.rfind("cuda", 0) == 0) {
    if (!torch::cuda::is_available())
      throw UserError("--device " + name +
                      ": CUDA is not available (this LibTorch build has no CUDA, or no GPU is visible); use --device cpu");
    try {
      return torch::Device(name);
    } catch (const c10::Error&) {
      throw UserError("--device " + name + ": expected cpu, cuda or cuda:N");
    }
  }
  throw UserError("--device " + name + ": expected cpu, cuda or cuda:N");
}

std::string describe_runtime(const torch::Device& device) {
  return fmt::format("{} threads={} torch={}", device.str(), torch::get_num_threads(), TORCH_VERSION);
}

void seed_torch(std::uint64_t seed) {
  torch::manual_seed(seed);
  if (torch::cuda::is_available()) torch::cuda::manual_seed_all(seed);
}

}  // namespace mis
