#pragma once
// Wall-clock timing of repeated work, with the clock and the device synchronisation passed
// in: the bench uses the steady clock and torch::cuda::synchronize, the tests a fake clock.
#include <functional>
#include <vector>

#include <torch/torch.h>

namespace mis {

using Clock = std::function<double()>;  // seconds since any fixed origin, never decreasing

Clock steady_clock_seconds();

// Waits until `device` has finished the work queued so far: a no-op on the CPU, where every
// operator returns when done; on CUDA, kernels are asynchronous and a timer read without it
// measures only the launch.
std::function<void()> device_sync(const torch::Device& device);

// Runs `fn` `warmup` times untimed (first-call allocations, oneDNN kernel creation), then
// `reps` times, each followed by `sync` before the clock is read. Returns each timed run's seconds.
std::vector<double> time_runs(const std::function<void()>& fn, int warmup, int reps, const std::function<void()>& sync,
                              const Clock& clock);

double median(std::vector<double> values);  // 0 for none

// part / whole, or 0 when whole is 0.
double share(double part, double whole);

}  // namespace mis
