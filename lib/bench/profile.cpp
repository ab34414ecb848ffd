#include "bench/profile.h"

#include <algorithm>
#include <chrono>
#include <map>

#include <torch/csrc/autograd/profiler_legacy.h>

namespace mis {

namespace {

namespace legacy_profiler = torch::autograd::profiler;

// One open operator of a thread: where it started and how much of its time its callees took.
struct OpenOperator {
  const legacy_profiler::LegacyEvent* start;
  double children_us = 0;
};

}  // namespace

OperatorProfile profile_operators(const std::function<void()>& work) {
  legacy_profiler::enableProfilerLegacy(torch::profiler::impl::ProfilerConfig(torch::profiler::impl::ProfilerState::CPU));
  const auto start = std::chrono::steady_clock::now();
  try {
    work();
  } catch (...) {
    (void)legacy_profiler::disableProfilerLegacy();
    throw;
  }
  const double wall_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  const legacy_profiler::thread_event_lists lists = legacy_profiler::disableProfilerLegacy();

  // Each thread's events are in order, and an operator's push and pop happen on its thread
  // (RecordFunction is scoped), so a stack per thread pairs them; a pop's time minus its
  // callees' gives self time, as key_averages() computes it.
  std::map<std::string, OperatorTime> by_name;
  for (const auto& events : lists) {
    std::vector<OpenOperator> stack;
    for (const auto& e : events) {
      if (e.kind() == legacy_profiler::EventKind::PushRange) {
        stack.push_back({&e});
      } else if (e.kind() == legacy_profiler::EventKind::PopRange && !stack.empty()) {
        const OpenOperator open = stack.back();
        stack.pop_back();
        const double total_us = open.start->cpuElapsedUs(e);
        const bool recursive = std::any_of(stack.begin(), stack.end(), [&](const OpenOperator& o) {
          return std::string(o.start->name()) == open.start->name();
        });
        auto& op = by_name[open.start->name()];
        op.name = open.start->name();
        op.calls += 1;
        op.self_ms += (total_us - open.children_us) / 1e3;
        if (!recursive) op.total_ms += total_us / 1e3;  // an operator inside itself counts once
        if (!stack.empty()) stack.back().children_us += total_us;
      }
    }
  }
  OperatorProfile out{{}, wall_ms};
  for (auto& [name, op] : by_name) out.operators.push_back(std::move(op));
  std::stable_sort(out.operators.begin(), out.operators.end(),
                   [](const OperatorTime& a, const OperatorTime& b) { return a.self_ms > b.self_ms; });
  return out;
}

json to_json(const OperatorProfile& profile, std::size_t top) {
  const auto& operators = profile.operators;
  json list = json::array();
  double total = 0, shown = 0;
  for (std::size_t i = 0; i < operators.size(); ++i) {
    const auto& op = operators[i];
    total += op.self_ms;
    if (i >= top) continue;
    shown += op.self_ms;
    list.push_back({{"name", op.name}, {"calls", op.calls}, {"self_ms", op.self_ms}, {"total_ms", op.total_ms}});
  }
  return {{"operators", list}, {"self_ms_total", total}, {"other_self_ms", total - shown}, {"wall_ms", profile.wall_ms}};
}

}  // namespace mis
