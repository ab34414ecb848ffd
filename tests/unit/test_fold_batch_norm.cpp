// Batch norm folded into convolutions for inference (models/fold_batch_norm.h): a hand-worked
// 1x1 case, what is and is not folded, and whole models (UNet, TransUNet's decoder) computing
// the same logits as before folding, with batch-norm statistics far from the identity.
#include <doctest/doctest.h>

#include "models/fold_batch_norm.h"
#include "models/registry.h"

namespace {

namespace nn = torch::nn;

// Running statistics and affine parameters far from BN's initial identity, so a fold that
// dropped any of them would change the output.
void randomize_batch_norms(nn::Module& model) {
  torch::NoGradGuard no_grad;
  for (auto& m : model.modules()) {
    if (auto* bn = m->as<nn::BatchNorm2dImpl>()) {
      bn->running_mean.copy_(torch::randn_like(bn->running_mean));
      bn->running_var.copy_(torch::rand_like(bn->running_var) * 2 + 0.5);
      if (!bn->options.affine()) continue;
      bn->weight.copy_(torch::randn_like(bn->weight));
      bn->bias.copy_(torch::randn_like(bn->bias));
    }
  }
}

int count_batch_norms(nn::Module& model) {
  int n = 0;
  for (auto& m : model.modules()) n += m->as<nn::BatchNorm2dImpl>() ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE("fold_batch_norm: a 1x1 convolution worked by hand") {
  // W = 2, no bias; BN: mean 1, var 3, eps 1, gamma 4, beta 5. s = 4 / sqrt(3 + 1) = 2,
  // so W' = 2 * 2 = 4 and b' = (0 - 1) * 2 + 5 = 3: y = 4 x + 3.
  nn::Conv2d conv(nn::Conv2dOptions(1, 1, 1).bias(false));
  nn::BatchNorm2d bn(nn::BatchNorm2dOptions(1).eps(1.0));
  {
    torch::NoGradGuard no_grad;
    conv->weight.fill_(2);
    bn->running_mean.fill_(1);
    bn->running_var.fill_(3);
    bn->weight.fill_(4);
    bn->bias.fill_(5);
  }
  nn::Sequential layers(conv, bn);
  layers->eval();
  auto folded = mis::fold_batch_norm_into_convs(layers);
  REQUIRE(folded->size() == 1);
  const auto* c = folded[0]->as<nn::Conv2dImpl>();
  REQUIRE(c != nullptr);
  CHECK(c->weight.item<float>() == 4.0f);
  CHECK(c->bias.item<float>() == 3.0f);
  const auto x = torch::tensor({-1.0f, 0.0f, 2.5f}).view({1, 1, 1, 3});
  CHECK(torch::equal(folded->forward(x), 4 * x + 3));
  CHECK(layers->size() == 2);  // the original is left as it was
}

TEST_CASE("fold_batch_norm: only conv + BN in eval mode is folded, other layers are shared") {
  torch::manual_seed(3);
  nn::Sequential layers(nn::Conv2d(nn::Conv2dOptions(2, 4, 3).padding(1).bias(false)), nn::BatchNorm2d(4), nn::ReLU(),
                        nn::Conv2d(nn::Conv2dOptions(4, 3, 3).padding(1)),  // with a bias of its own
                        nn::BatchNorm2d(nn::BatchNorm2dOptions(3).affine(false)), nn::ReLU(),
                        nn::BatchNorm2d(3));  // not after a convolution: stays
  randomize_batch_norms(*layers);
  layers->eval();
  const auto x = torch::randn({2, 2, 9, 7});
  const auto expected = layers->forward(x);
  auto folded = mis::fold_batch_norm_into_convs(layers);
  CHECK(folded->size() == 5);
  CHECK(count_batch_norms(*folded) == 1);
  CHECK(folded[1].get() == layers[2].get());  // the ReLU is the same module, not a copy
  CHECK(torch::allclose(folded->forward(x), expected, 1e-5, 1e-5));

  layers->train();  // training mode normalises by the batch's own statistics: nothing to fold
  CHECK(mis::fold_batch_norm_into_convs(layers)->size() == 7);
}

TEST_CASE("fold_batch_norm: UNet and TransUNet give the same logits with batch norm folded") {
  for (const std::string name : {"unet-small", "transunet-small"}) {
    CAPTURE(name);
    torch::manual_seed(5);
    mis::ModelSpec spec;
    spec.name = name;
    spec.num_classes = 4;
    auto model = mis::make_model(spec);
    randomize_batch_norms(*model);
    model->eval();
    torch::NoGradGuard no_grad;
    const auto x = torch::randn({2, 1, 64, 64});
    const auto before = model->forward(x);
    const int batch_norms = count_batch_norms(*model);
    CHECK(batch_norms > 0);
    model->fold_for_inference();
    CHECK(count_batch_norms(*model) == 0);
    const auto after = model->forward(x);
    const double scale = before.abs().max().item<double>();
    CHECK((after - before).abs().max().item<double>() <= 1e-5 * scale);
  }
}
