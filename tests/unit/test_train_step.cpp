// The training step (lib/train/step.h, precision.h, train_config.h) that train and bench share:
// bf16 detection and autocast, channels-last, the optimiser update, and which settings make a
// run's identity; each against an independent value.
#include <doctest/doctest.h>

#include "core/error.h"
#include "train/precision.h"
#include "train/step.h"
#include "train/train_config.h"

using namespace mis;

namespace {

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
  *loss_out = read_loss_terms(terms).total;
  std::vector<torch::Tensor> grads;
  for (const auto& p : model.parameters()) grads.push_back(p.grad().detach().clone().flatten());
  return grads;
}

}  // namespace

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
