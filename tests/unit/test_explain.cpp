// Grad-CAM (eval/explain.h) against hand computations: a tiny model whose captured layer is a
// 1x1 convolution read by a 1x1 head, so dScore/dA_k is the head weight W_ck on the explained
// pixels and 0 elsewhere; the same identity on a real UNet's last decoder block; the energy
// share on a hand-made map; the slice choice; and the capturable layers of UNet and TransUNet.
#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <stdexcept>

#include "eval/explain.h"
#include "models/registry.h"
#include "models/transunet.h"
#include "models/unet.h"

using namespace mis;

namespace {

namespace nn = torch::nn;

// A = conv_a(x) (1x1, 2 -> 3 channels), logits = head(A) (1x1, 3 -> 2 classes), known weights.
struct TinyCamImpl : SegmentationModelImpl {
  TinyCamImpl() {
    conv_a = register_module("conv_a", nn::Conv2d(nn::Conv2dOptions(2, 3, 1).bias(false)));
    head = register_module("head", nn::Conv2d(nn::Conv2dOptions(3, 2, 1)));
    torch::NoGradGuard no_grad;
    conv_a->weight.copy_(torch::tensor({1.0, 0.0, 0.0, 1.0, 1.0, -1.0}).view({3, 2, 1, 1}));
    head->weight.copy_(torch::tensor({0.5, -1.0, 2.0, -0.25, 1.5, 0.75}).view({2, 3, 1, 1}));
    head->bias.copy_(torch::tensor({0.0, 0.0}));
  }
  torch::Tensor forward(torch::Tensor x) override { return head->forward(keep(0, conv_a->forward(x))); }
  int size_divisor() const override { return 1; }
  std::vector<std::string> feature_layers() const override { return {"a"}; }
  std::string default_feature_layer() const override { return "a"; }
  nn::Conv2d conv_a{nullptr}, head{nullptr};
};

const double kA[3][2] = {{1, 0}, {0, 1}, {1, -1}};
const double kW[2][3] = {{0.5, -1.0, 2.0}, {-0.25, 1.5, 0.75}};

// The expected map, computed with loops: A by hand, the explained pixels S from the logits
// by hand, alpha_k = W_ck |S| / (H W) (all pixels when S is empty), map = ReLU(sum alpha_k A_k).
torch::Tensor expected_map(const torch::Tensor& x, int cls, double bias0, double bias1, int64_t* explained = nullptr) {
  const int64_t h = x.size(2), w = x.size(3);
  auto acc = x.accessor<float, 4>();
  std::vector<std::array<double, 3>> a(static_cast<std::size_t>(h * w));
  int64_t in_s = 0;
  for (int64_t p = 0; p < h * w; ++p) {
    const double x0 = acc[0][0][p / w][p % w], x1 = acc[0][1][p / w][p % w];
    for (int k = 0; k < 3; ++k) a[p][k] = kA[k][0] * x0 + kA[k][1] * x1;
    double z[2] = {bias0, bias1};
    for (int c = 0; c < 2; ++c)
      for (int k = 0; k < 3; ++k) z[c] += kW[c][k] * a[p][k];
    const int argmax = z[1] > z[0] ? 1 : 0;
    in_s += argmax == cls ? 1 : 0;
  }
  if (explained) *explained = in_s;
  const double fraction = in_s == 0 ? 1.0 : static_cast<double>(in_s) / static_cast<double>(h * w);
  auto map = torch::zeros({h, w}, torch::kFloat64);
  for (int64_t p = 0; p < h * w; ++p) {
    double v = 0;
    for (int k = 0; k < 3; ++k) v += kW[cls][k] * fraction * a[p][k];
    map[p / w][p % w] = std::max(0.0, v);
  }
  return map;
}

}  // namespace

TEST_CASE("Grad-CAM of a 1x1 layer read by a 1x1 head weighs the channels by the head's weights") {
  auto model = std::make_shared<TinyCamImpl>();
  const auto x = torch::tensor({0.5, -1.0, 2.0, 0.0, 1.0, 3.0, -2.0, 0.25,  // channel 0
                                1.0, 0.5, -1.5, 2.0, -0.5, 1.0, 0.0, -3.0}, torch::kFloat32)
                     .view({1, 2, 2, 4});
  for (int cls : {0, 1}) {
    int64_t explained = 0;
    const auto want = expected_map(x, cls, 0.0, 0.0, &explained);
    CHECK(explained > 0);
    CHECK(explained < 8);  // a partial set: alpha is scaled by |S| / (H W)
    const GradCam cam = grad_cam(*model, x, cls, "a");
    CHECK(cam.map.sizes() == torch::IntArrayRef({2, 4}));
    CHECK(torch::allclose(cam.map.to(torch::kFloat64), want, 1e-5, 1e-6));
    CHECK(cam.logits.sizes() == torch::IntArrayRef({1, 2, 2, 4}));
  }
  // Class 1 predicted everywhere (a large bias): alpha_k is exactly W_1k.
  {
    torch::NoGradGuard no_grad;
    model->head->bias.copy_(torch::tensor({0.0, 100.0}));
  }
  int64_t explained = 0;
  auto want = expected_map(x, 1, 0.0, 100.0, &explained);
  CHECK(explained == 8);
  CHECK(torch::allclose(grad_cam(*model, x, 1, "a").map.to(torch::kFloat64), want, 1e-5, 1e-6));
  // Class 0 predicted nowhere: the score is the sum over all pixels, so alpha_k is W_0k too.
  want = expected_map(x, 0, 0.0, 100.0, &explained);
  CHECK(explained == 0);
  CHECK(torch::allclose(grad_cam(*model, x, 0, "a").map.to(torch::kFloat64), want, 1e-5, 1e-6));
  // The capture ends with grad_cam; an unknown layer is refused.
  CHECK_FALSE(model->captured().defined());
  model->forward(x);
  CHECK_FALSE(model->captured().defined());
  CHECK_THROWS_AS(model->capture("b"), std::invalid_argument);
}

TEST_CASE("grad_cam_map averages the gradient over space and clips negatives") {
  // Two channels on 1x2: A0 = (1, 2), A1 = (3, -4); gradients with means 1 and -0.5.
  const auto a = torch::tensor({1.0, 2.0, 3.0, -4.0}, torch::kFloat32).view({1, 2, 1, 2});
  const auto g = torch::tensor({0.0, 2.0, -1.0, 0.0}, torch::kFloat32).view({1, 2, 1, 2});
  const auto map = grad_cam_map(a, g);
  // pixel 0: 1*1 - 0.5*3 = -0.5 -> 0; pixel 1: 1*2 - 0.5*(-4) = 4.
  CHECK(map[0][0].item<float>() == doctest::Approx(0.0));
  CHECK(map[0][1].item<float>() == doctest::Approx(4.0));
}

TEST_CASE("Grad-CAM on a UNet's last decoder block equals the head-weight identity") {
  UNetOptions o;
  o.in_channels = 1;
  o.num_classes = 3;
  o.base_width = 4;
  o.depth = 2;
  torch::manual_seed(3);
  auto model = std::make_shared<UNetImpl>(o);
  model->eval();
  const auto x = torch::randn({1, 1, 16, 16});
  const std::string layer = model->default_feature_layer();
  CHECK(layer == "decoder.1");
  const GradCam cam = grad_cam(*model, x, 2, layer);
  // Independently: A from a capture without gradients, S from the logits, W from the head.
  torch::NoGradGuard no_grad;
  model->capture(layer);
  const auto logits = model->forward(x);
  const auto a = model->captured()[0];  // [4, 16, 16]
  model->capture("");
  const auto in_s = logits[0].argmax(0).eq(2);
  const double n = static_cast<double>(in_s.sum().item<int64_t>());
  const double fraction = n > 0 ? n / 256.0 : 1.0;
  const auto w = model->head->weight[2].view({4, 1, 1});
  const auto want = torch::relu((w * fraction * a).sum(0));
  CHECK(torch::allclose(cam.map, want, 1e-4, 1e-6));
  CHECK(torch::allclose(cam.logits, logits, 1e-5, 1e-6));
}

TEST_CASE("Energy in the mask: by hand, and null for a zero map or an empty mask") {
  const auto map = torch::tensor({1.0, 2.0, 3.0, 4.0}).view({2, 2});
  const auto mask = torch::tensor({true, false, false, true}).view({2, 2});
  CHECK(energy_in_mask(map, mask).value() == doctest::Approx(0.5));  // (1 + 4) / 10
  CHECK(energy_in_mask(map, torch::ones({2, 2}, torch::kBool)).value() == doctest::Approx(1.0));
  CHECK_FALSE(energy_in_mask(torch::zeros({2, 2}), mask).has_value());
  CHECK_FALSE(energy_in_mask(map, torch::zeros({2, 2}, torch::kBool)).has_value());
  // Upsampling keeps a constant map constant and gives the slice's size.
  const auto up = upsample_map(torch::full({2, 2}, 0.25), 5, 7);
  CHECK(up.sizes() == torch::IntArrayRef({5, 7}));
  CHECK(torch::allclose(up, torch::full({5, 7}, 0.25)));
}

TEST_CASE("The explained slice: largest reference area, else largest prediction, else the middle") {
  auto reference = torch::zeros({4, 3, 3}, torch::kLong);
  auto prediction = torch::zeros({4, 3, 3}, torch::kLong);
  reference[0][0][0] = 1;
  reference[1].slice(0, 0, 2).fill_(1);  // 6 pixels
  reference[2].slice(0, 1, 3).fill_(1);  // 6 pixels: a tie, the first wins
  prediction[3].fill_(2);
  prediction[1][1][1] = 2;
  SliceChoice s = choose_slice(reference, prediction, 1);
  CHECK(s.slice == 1);
  CHECK(s.basis == "reference");
  s = choose_slice(reference, prediction, 2);
  CHECK(s.slice == 3);
  CHECK(s.basis == "prediction");
  s = choose_slice(reference, prediction, 3);
  CHECK(s.slice == 2);
  CHECK(s.basis == "middle");
}

TEST_CASE("Capturable layers of UNet and TransUNet have the documented names and shapes") {
  UNetOptions o;
  o.base_width = 4;
  o.depth = 2;
  auto unet = std::make_shared<UNetImpl>(o);
  unet->eval();
  CHECK(unet->feature_layers() == std::vector<std::string>{"stem", "encoder.0", "bottleneck", "decoder.0", "decoder.1"});
  const auto x = torch::randn({1, 1, 16, 16});
  torch::NoGradGuard no_grad;
  const auto plain = unet->forward(x);
  const std::vector<std::vector<int64_t>> shapes{{1, 4, 16, 16}, {1, 8, 8, 8}, {1, 16, 4, 4}, {1, 8, 8, 8}, {1, 4, 16, 16}};
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    unet->capture(unet->feature_layers()[i]);
    CHECK(torch::equal(unet->forward(x), plain));  // capturing does not change the output
    CHECK(unet->captured().sizes() == torch::IntArrayRef(shapes[i]));
  }
  unet->capture("");

  ModelSpec spec;
  spec.name = "transunet-small";
  spec.num_classes = 3;
  auto tu = make_model(spec);
  tu->eval();
  CHECK(tu->feature_layers() ==
        std::vector<std::string>{"resnet", "transformer", "decoder.head", "decoder.0", "decoder.1", "decoder.2", "decoder.3"});
  CHECK(tu->default_feature_layer() == "decoder.3");
  const auto y = torch::randn({1, 1, 32, 32});
  const auto tu_plain = tu->forward(y);
  const std::vector<int64_t> sides{2, 2, 2, 4, 8, 16, 32};
  for (std::size_t i = 0; i < sides.size(); ++i) {
    tu->capture(tu->feature_layers()[i]);
    CHECK(torch::equal(tu->forward(y), tu_plain));
    const auto a = tu->captured();
    REQUIRE(a.dim() == 4);
    CHECK(a.size(2) == sides[i]);
    CHECK(a.size(3) == sides[i]);
  }
  tu->capture("");
}
