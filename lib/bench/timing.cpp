#include "bench/timing.h"

#include <algorithm>
#include <chrono>

namespace mis {

Clock steady_clock_seconds() {
  return [] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  };
}

std::function<void()> device_sync(const torch::Device& device) {
  if (!device.is_cuda()) return [] {};
  const auto index = device.has_index() ? device.index() : -1;
  return [index] { torch::cuda::synchronize(index); };
}

std::vector<double> time_runs(const std::function<void()>& fn, int warmup, int reps, const std::function<void()>& sync,
                              const Clock& clock) {
  for (int i = 0; i < warmup; ++i) fn();
  sync();
  std::vector<double> seconds;
  for (int i = 0; i < reps; ++i) {
    const double start = clock();
    fn();
    sync();
    seconds.push_back(clock() - start);
  }
  return seconds;
}

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto n = values.size();
  return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

double share(double part, double whole) { return whole == 0 ? 0 : part / whole; }

}  // namespace mis
