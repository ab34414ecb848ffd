// bench --profile's per-operator summary (bench/profile.h): call counts against the calls made,
// and the identities that tie self and total time together.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include <torch/torch.h>

#include "bench/profile.h"

using namespace mis;

namespace {

const OperatorTime* find(const std::vector<OperatorTime>& ops, const std::string& name) {
  const auto it = std::find_if(ops.begin(), ops.end(), [&](const OperatorTime& o) { return o.name == name; });
  return it == ops.end() ? nullptr : &*it;
}

}  // namespace

TEST_CASE("profile_operators counts each operator's calls and splits total time into self times") {
  const auto a = torch::randn({256, 256});
  const auto profile = profile_operators([&] {
    for (int i = 0; i < 3; ++i) (void)torch::mm(a, a);
    for (int i = 0; i < 2; ++i) (void)torch::relu(a);
    // A user scope around a known wait: its self time is at least the wait, its total covers
    // the mm inside it as well.
    RECORD_FUNCTION("outer_scope", std::vector<c10::IValue>{});
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    (void)torch::mm(a, a);
  });
  const auto& ops = profile.operators;
  const auto* mm = find(ops, "aten::mm");
  const auto* relu = find(ops, "aten::relu");
  const auto* outer = find(ops, "outer_scope");
  REQUIRE(mm != nullptr);
  REQUIRE(relu != nullptr);
  REQUIRE(outer != nullptr);
  CHECK(mm->calls == 4);
  CHECK(relu->calls == 2);
  CHECK(outer->calls == 1);
  CHECK(outer->self_ms >= 200.0);
  // The scope's total is its self time plus the one mm inside it, which is at most all mm time.
  // Its callee's time is taken out of its self time (the mm runs inside it, so it is not zero).
  CHECK(outer->total_ms - outer->self_ms > 0.0);
  CHECK(outer->total_ms <= outer->self_ms + mm->total_ms + 1e-6);
  for (const auto& op : ops) {
    CHECK(op.self_ms >= 0);
    CHECK(op.self_ms <= op.total_ms + 1e-6);
  }
  // Every operator ran on this thread, one at a time: their self times cannot add up to more than
  // the wall-clock time of the work (a callee counted in its caller's self time would break this).
  double self_sum = 0;
  for (const auto& op : ops) self_sum += op.self_ms;
  CHECK(self_sum <= profile.wall_ms + 1e-6);
  CHECK(profile.wall_ms >= 200.0);
  // Sorted by self time, largest first: the 200 ms scope leads (20 ms did not always, on a loaded
  // 2-core machine where four small products can take longer).
  CHECK(ops.front().name == "outer_scope");
  CHECK(std::is_sorted(ops.begin(), ops.end(), [](const OperatorTime& x, const OperatorTime& y) { return x.self_ms > y.self_ms; }));
}

TEST_CASE("profile to_json keeps the top operators and accounts for the rest") {
  const OperatorProfile profile{{{"a", 1, 5.0, 6.0}, {"b", 2, 3.0, 3.0}, {"c", 4, 2.0, 2.5}}, 12.5};
  const json j = to_json(profile, 2);
  REQUIRE(j.at("operators").size() == 2);
  CHECK(j.at("operators")[1].at("name") == "b");
  CHECK(j.at("operators")[1].at("calls") == 2);
  CHECK(j.at("self_ms_total").get<double>() == doctest::Approx(10.0));
  CHECK(j.at("other_self_ms").get<double>() == doctest::Approx(2.0));
  CHECK(j.at("wall_ms").get<double>() == doctest::Approx(12.5));
}

TEST_CASE("profile_operators leaves the profiler off after work that throws") {
  CHECK_THROWS_AS(profile_operators([] { throw std::runtime_error("stop"); }), std::runtime_error);
  // A second profile starts cleanly (enabling twice would throw inside LibTorch).
  const auto ops = profile_operators([] { (void)torch::relu(torch::ones({4})); }).operators;
  CHECK(find(ops, "aten::relu") != nullptr);
}
