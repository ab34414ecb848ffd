// The bench's measuring machinery (FLOP convention, timers, bf16 detection) and the step
// variants it times (bf16 autocast, channels-last), each against an independent value.
#include <doctest/doctest.h>

#include "bench/bench.h"
#include "bench/timing.h"
#include "core/error.h"
#include "train/precision.h"
#include "train/step.h"
#include "train/train_config.h"

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

SegmentationModel small_unet() {
  ModelSpec spec{"unet-small", {{"base_width", 4}, {"depth", 2}}, 1, 3};
  torch::manual_seed(7);
  return make_model(spec);
}

TrainBatch small_batch() {
  torch::manual_seed(11);
  const auto images = torch::randn({2, 1, 16, 16});
  auto labels = torch::zeros({2, 16, 16}, torch::kLong);
  labels.slice(1, 2, 9).slice(2, 3, 10).fill_(1);
  labels.slice(1, 10, 14).slice(2, 8, 15).fill_(2);
  return {images, labels};
}

std::vector<torch::Tensor> gradients_of(SegmentationModelImpl& model, Precision precision, bool channels_last,
                                        double* loss_out) {
  const StepSettings settings{torch::kCPU, precision, channels_last};
  prepare_model(model, settings);
  model.train();
  model.zero_grad();
  const LossTerms terms = forward_objective(model, small_batch(), LossConfig{}, settings);
  terms.total.backward();
  *loss_out = read_loss_terms(terms)[0];
  std::vector<torch::Tensor> grads;
  for (const auto& p : model.parameters()) grads.push_back(p.grad().detach().clone().flatten());
  return grads;
}

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

TEST_CASE("bench bf16 support read from CPU flags") {
  CHECK(cpu_bf16_support("fpu avx2 avx512f avx512bw avx512vl avx512dq amx_bf16 amx_tile") == Bf16Support::native);
  CHECK(cpu_bf16_support("avx512f avx512_bf16 avx512bw") == Bf16Support::native);
  CHECK(cpu_bf16_support("avx512f avx512dq avx512cd avx512bw avx512vl avx512_vnni") == Bf16Support::emulated);
  CHECK(cpu_bf16_support("fpu sse4_2 avx avx2 fma") == Bf16Support::none);
  CHECK(cpu_bf16_support("avx512f avx512bw") == Bf16Support::none);  // VL and DQ missing
  CHECK_THROWS_AS(parse_precision("fp16"), UserError);
  CHECK(to_string(parse_precision("bf16")) == "bf16");
}

TEST_CASE("bench AutocastGuard runs convolutions in bf16 and restores fp32") {
  const auto x = torch::randn({1, 2, 5, 5});
  const auto w = torch::randn({3, 2, 3, 3});
  {
    AutocastGuard guard(Precision::bf16, torch::kCPU);
    CHECK((torch::conv2d(x, w).scalar_type() == torch::kBFloat16));
  }
  CHECK((torch::conv2d(x, w).scalar_type() == torch::kFloat32));
  AutocastGuard off(Precision::fp32, torch::kCPU);
  CHECK((torch::conv2d(x, w).scalar_type() == torch::kFloat32));
}

TEST_CASE("bench bf16 autocast step gives a finite loss and gradients close to fp32") {
  double loss32 = 0, loss16 = 0;
  auto a = small_unet();
  auto b = small_unet();  // same seed: identical weights
  const auto g32 = gradients_of(*a, Precision::fp32, false, &loss32);
  const auto g16 = gradients_of(*b, Precision::bf16, false, &loss16);
  REQUIRE(std::isfinite(loss16));
  // bf16 keeps 8 significant bits (relative rounding 2^-9 ~ 0.2%) per operation.
  CHECK(loss16 == doctest::Approx(loss32).epsilon(0.02));
  const auto flat32 = torch::cat(g32), flat16 = torch::cat(g16);
  CHECK(torch::isfinite(flat16).all().item<bool>());
  const double cosine = (torch::dot(flat32, flat16) / (flat32.norm() * flat16.norm())).item<double>();
  // Measured on an AVX2 CPU (bf16 emulated): 0.9889 with LibTorch 2.11's oneDNN. A gradient
  // lost or left in another precision for one layer takes that layer's share of the norm off.
  CHECK(cosine > 0.98);
}

TEST_CASE("bench channels-last step equals the contiguous one") {
  double loss_a = 0, loss_b = 0;
  auto a = small_unet();
  auto b = small_unet();
  const auto ga = gradients_of(*a, Precision::fp32, false, &loss_a);
  const auto gb = gradients_of(*b, Precision::fp32, true, &loss_b);
  bool any_nhwc = false;
  for (const auto& p : b->parameters())
    if (p.dim() == 4 && p.size(1) > 1) any_nhwc |= p.is_contiguous(torch::MemoryFormat::ChannelsLast) && !p.is_contiguous();
  CHECK(any_nhwc);
  CHECK(loss_b == doctest::Approx(loss_a).epsilon(1e-5));
  CHECK(torch::allclose(torch::cat(ga), torch::cat(gb), 1e-3, 1e-5));
}

TEST_CASE("bench precision is part of a run's identity, channels_last is not") {
  TrainConfig a;
  TrainConfig b = a;
  b.channels_last = !a.channels_last;  // the other layout, whatever the default is
  CHECK(identity_of(a) == identity_of(b));
  b.precision = "bf16";
  CHECK(identity_of(a) != identity_of(b));
  CHECK(train_config_from_json(to_json(b), "x").precision == "bf16");
  CHECK_THROWS_AS(train_config_from_json({{"precision", "fp16"}}, "x"), UserError);
}

TEST_CASE("channels-last strides also for one-channel tensors, where contiguous(ChannelsLast) keeps NCHW") {
  const auto image = torch::randn({4, 1, 8, 8});
  // The pitfall: a one-channel NCHW tensor already counts as channels-last contiguous.
  CHECK(image.contiguous(torch::MemoryFormat::ChannelsLast).strides() == image.strides());
  const auto nhwc = with_channels_last_strides(image);
  CHECK(nhwc.strides() == torch::IntArrayRef({64, 1, 8, 1}));
  CHECK((nhwc.suggest_memory_format() == torch::MemoryFormat::ChannelsLast));
  CHECK(torch::equal(nhwc, image));
  // prepare_model: every 4-D weight, the one-channel stem's included, and so the stem's output.
  auto model = small_unet();
  prepare_model(*model, StepSettings{torch::kCPU, Precision::fp32, true});
  for (const auto& item : model->named_parameters())
    if (item.value().dim() == 4) {
      CAPTURE(item.key());
      CHECK((item.value().suggest_memory_format() == torch::MemoryFormat::ChannelsLast));
    }
  // The stem's first convolution, as its module runs it: oneDNN follows the weight's layout.
  torch::NoGradGuard no_grad;
  const auto weight = model->named_parameters()["stem.body.0.weight"];
  REQUIRE(weight.size(1) == 1);
  const auto out = torch::conv2d(step_input(image, {torch::kCPU, Precision::fp32, true}), weight, {}, 1, 1);
  CHECK((out.suggest_memory_format() == torch::MemoryFormat::ChannelsLast));
}

TEST_CASE("train_step equals zero_grad + backward + SGD step, twice (gradients do not accumulate)") {
  auto a = small_unet();
  auto b = small_unet();  // same seed: identical weights
  const StepSettings settings{torch::kCPU, Precision::fp32, false};
  const auto sgd = [](SegmentationModelImpl& m) {
    return torch::optim::SGD(m.parameters(), torch::optim::SGDOptions(0.1).momentum(0.9).weight_decay(1e-4));
  };
  auto opt_a = sgd(*a), opt_b = sgd(*b);
  a->train();
  b->train();
  for (int step = 0; step < 2; ++step) {
    (void)train_step(*a, opt_a, small_batch(), LossConfig{}, settings);
    opt_b.zero_grad();
    forward_objective(*b, small_batch(), LossConfig{}, settings).total.backward();
    opt_b.step();
  }
  const auto pa = a->parameters(), pb = b->parameters();
  for (std::size_t i = 0; i < pa.size(); ++i) CHECK(torch::equal(pa[i], pb[i]));
}
