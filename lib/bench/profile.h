#pragma once
// Per-operator CPU times of a piece of work, from LibTorch's own profiler (the legacy CPU
// profiler: the RecordFunction events that torch.autograd.profiler aggregates into
// key_averages()). What `bench --profile` reports, so that a step's time can be split into the
// operators that spend it (issue 14: "profile it, per operator, forward and backward") and set
// beside the same profile of the Python reference (tests/perf/pytorch_reference.py --profile).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/json.h"

namespace mis {

struct OperatorTime {
  std::string name;     // "aten::convolution", "autograd::engine::evaluate_function: ...", ...
  int64_t calls = 0;
  double self_ms = 0;   // inside this operator, minus the operators it called
  double total_ms = 0;  // inside this operator, the operators it called included (nested calls once)
};

struct OperatorProfile {
  std::vector<OperatorTime> operators;  // every operator that ran, by self time, largest first
  double wall_ms = 0;                   // the work's wall-clock time, profiler overhead included
};

// Runs `work` once under the profiler. The self times add up to the time covered by the
// outermost operators of each thread: at most wall_ms for work whose operators run on the
// calling thread (LibTorch's CPU backward does; intra-op threads record no operators).
OperatorProfile profile_operators(const std::function<void()>& work);

// {"operators": [{"name", "calls", "self_ms", "total_ms"}, ...] (the `top` largest by self time),
//  "self_ms_total": the sum over all operators, "other_self_ms": the part outside the top,
//  "wall_ms"}.
json to_json(const OperatorProfile& profile, std::size_t top);

}  // namespace mis
