// train/precision.h, KeptWeightCasts: bf16 copies of the weights made once and reused across
// inference batches. Three things must hold: the copies really are reused (checked through a
// weight changed in place, which a reused copy does not see, and by counting conversions: both
// checks fail when each batch converts afresh), inference gives bit for bit the logits of
// per-batch conversion, and training cannot run on stale copies.
#include <cmath>

#include <doctest/doctest.h>

#include "bench/profile.h"
#include "models/registry.h"
#include "train/step.h"

using namespace mis;

namespace {

torch::Tensor bf16_forward(torch::nn::Conv2d& conv, const torch::Tensor& x) {
  AutocastGuard autocast(Precision::bf16, torch::kCPU);
  return conv->forward(x);
}

// Calls of aten::_to_copy (dtype conversions) in `work`.
int64_t conversions_in(const std::function<void()>& work) {
  for (const auto& op : profile_operators(work).operators)
    if (op.name == "aten::_to_copy") return op.calls;
  return 0;
}

}  // namespace

TEST_CASE("kept weight casts: the bf16 copy is reused until the last KeptWeightCasts ends") {
  torch::manual_seed(1);
  torch::NoGradGuard no_grad;
  torch::nn::Conv2d conv(torch::nn::Conv2dOptions(3, 4, 3).padding(1));
  const auto x = torch::randn({1, 3, 8, 8});
  const auto original_weight = conv->weight.clone();
  const auto before = bf16_forward(conv, x);
  {
    KeptWeightCasts kept;
    CHECK(KeptWeightCasts::any_alive());
    const auto first = bf16_forward(conv, x);
    CHECK(torch::equal(first, before));
    conv->weight.add_(1.0);  // in place, as no inference does: the kept copy is now stale
    CHECK(torch::equal(bf16_forward(conv, x), first));
    {
      UncachedWeightCasts uncached;  // converted afresh: the change shows
      CHECK_FALSE(torch::equal(bf16_forward(conv, x), first));
    }
    CHECK(torch::equal(bf16_forward(conv, x), first));  // the kept copy is still there
  }
  CHECK_FALSE(KeptWeightCasts::any_alive());
  CHECK_FALSE(torch::equal(bf16_forward(conv, x), before));  // dropped with the last one
  // Without one, every region converts again, so a change shows at once.
  conv->weight.copy_(original_weight);
  CHECK(torch::equal(bf16_forward(conv, x), before));
}

TEST_CASE("kept weight casts: UNet and TransUNet give the same bf16 logits, every weight converted once") {
  for (const std::string name : {"unet-small", "transunet-small"}) {
    CAPTURE(name);
    ModelSpec spec;
    spec.name = name;
    spec.num_classes = 3;
    if (name == "unet-small") spec.options = {{"base_width", 4}, {"depth", 2}};
    torch::manual_seed(2);
    auto model = make_model(spec);
    model->eval();
    model->fold_for_inference();
    const StepSettings settings{torch::kCPU, Precision::bf16, /*channels_last=*/true};
    prepare_model(*model, settings);
    torch::NoGradGuard no_grad;
    const auto batches = torch::rand({2, 2, spec.in_channels, 32, 32});
    const auto forward = [&](int64_t b) {
      AutocastGuard autocast(settings.precision, settings.device);
      return model->forward(step_input(batches[b], settings));
    };
    const auto converted_each_batch = torch::stack({forward(0), forward(1)});
    const int64_t conversions_each_batch = conversions_in([&] { (void)forward(1); });
    KeptWeightCasts kept;
    (void)forward(1);  // the first batch converts the weights
    const int64_t conversions_kept = conversions_in([&] { (void)forward(1); });
    CHECK(torch::equal(torch::stack({forward(0), forward(1)}), converted_each_batch));
    // Each weight and bias of the convolutions and linear layers (the ViT's included: vit.cpp
    // applies them as aten::linear) is converted once per batch without kept casts, not with them.
    int64_t parameters = 0;
    for (const auto& module : model->modules(/*include_self=*/false))
      if (module->as<torch::nn::Conv2dImpl>() || module->as<torch::nn::LinearImpl>())
        parameters += static_cast<int64_t>(module->parameters(/*recurse=*/false).size());
    CHECK(parameters > 0);
    CHECK(conversions_each_batch - conversions_kept >= parameters);
  }
}

TEST_CASE("kept weight casts: a bf16 training step or forward with gradients refuses to run while casts are kept") {
  ModelSpec spec{"unet-small", {{"base_width", 4}, {"depth", 2}}, 1, 3};
  torch::manual_seed(3);
  auto model = make_model(spec);
  const StepSettings settings{torch::kCPU, Precision::bf16, false};
  torch::optim::SGD optimizer(model->parameters(), torch::optim::SGDOptions(0.01));
  const TrainBatch batch{torch::rand({2, 1, 16, 16}), torch::randint(0, 3, {2, 16, 16})};
  const KeptWeightCasts kept;
  CHECK_THROWS_AS(train_step(*model, optimizer, batch, LossConfig{}, settings), c10::Error);
  CHECK_THROWS_AS(forward_objective(*model, batch, LossConfig{}, settings), c10::Error);
  // Inference (no gradients) and fp32 training (no casts) go on.
  {
    torch::NoGradGuard no_grad;
    AutocastGuard autocast(Precision::bf16, torch::kCPU);
    CHECK(model->forward(batch.images).size(1) == 3);
  }
  const StepSettings fp32{torch::kCPU, Precision::fp32, false};
  CHECK(std::isfinite(read_loss_terms(train_step(*model, optimizer, batch, LossConfig{}, fp32)).total));
}
