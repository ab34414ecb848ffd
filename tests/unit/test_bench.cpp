// The bench's measuring machinery (FLOP convention, timers), each against an independent value.
// The training step it times is tested in test_train_step.cpp.
#include <doctest/doctest.h>

#include "bench/bench.h"
#include "bench/timing.h"

using namespace mis;

namespace {

// conv3x3 (1 -> 4, no bias) then conv1x1 (4 -> 2): small enough to count by hand.
struct TinyNet : SegmentationModelImpl {
  torch::nn::Conv2d a{torch::nn::Conv2dOptions(1, 4, 3).padding(1).bias(false)};
  torch::nn::Conv2d b{torch::nn::Conv2dOptions(4, 2, 1)};
  TinyNet() {
    register_module("a", a);
    register_module("b", b);
  }
  torch::Tensor forward(torch::Tensor x) override { return b->forward(torch::relu(a->forward(x))); }
  int size_divisor() const override { return 1; }
};

}  // namespace

TEST_CASE("bench training FLOPs equal 3 x a hand count for a tiny conv net") {
  TinyNet net;
  const auto x = torch::zeros({2, 1, 8, 8});
  torch::NoGradGuard no_grad;
  const FlopCount forward = count_flops([&] { (void)net.forward(x); });
  // 2 FLOPs per multiply-add, per output pixel: batch 2 x 64 pixels x (1*4*9) + (4*2*1) weights.
  const int64_t by_hand = 2 * 2 * 64 * (1 * 4 * 9) + 2 * 2 * 64 * (4 * 2 * 1);
  CHECK(forward.total() == by_hand);
  CHECK(training_flops(forward) == 3 * 11264);
}

TEST_CASE("bench time_runs on a fake clock skips warm-ups and reads the clock after sync") {
  double now = 0;
  int calls = 0;
  const auto work = [&] { now += ++calls; };  // run k takes k seconds
  const auto sync = [&] { now += 0.5; };       // waiting for the device takes 0.5 s
  const auto seconds = time_runs(work, 2, 3, sync, [&] { return now; });
  REQUIRE(seconds.size() == 3);
  CHECK(seconds[0] == doctest::Approx(3.5));
  CHECK(seconds[1] == doctest::Approx(4.5));
  CHECK(seconds[2] == doctest::Approx(5.5));
  CHECK(median(seconds) == doctest::Approx(4.5));
  CHECK(median({4.0, 1.0, 3.0, 2.0}) == doctest::Approx(2.5));
  CHECK(share(0.3, 6.0) == doctest::Approx(0.05));
  CHECK(share(1.0, 0.0) == 0.0);
}
