// Tests of model-info (models/model_info.h): parameter counts of the published presets and
// forward FLOPs, both against arithmetic from the layer shapes written out here (not by
// walking the modules), and the FLOP counter on single layers.
#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "core/error.h"
#include "models/model_info.h"
#include "models/registry.h"

namespace {

int64_t sq(int64_t x) { return x * x; }

mis::ModelSpec spec_of(const std::string& name, int channels, int classes, mis::json options = mis::json::object()) {
  mis::ModelSpec s;
  s.name = name;
  s.in_channels = channels;
  s.num_classes = classes;
  s.options = std::move(options);
  return s;
}

// ---- UNet (models/unet.h): conv3x3 without bias + BatchNorm (2 per channel), twice per level.
int64_t unet_double_conv_params(int64_t in, int64_t out) { return 9 * in * out + 2 * out + 9 * out * out + 2 * out; }

int64_t unet_params(int64_t channels, int64_t classes, int64_t base, int depth) {
  int64_t n = unet_double_conv_params(channels, base), w = base;
  for (int l = 0; l < depth; ++l, w *= 2) n += unet_double_conv_params(w, 2 * w);
  for (int l = 0; l < depth; ++l, w /= 2)
    n += (w * (w / 2) * 4 + w / 2) + unet_double_conv_params(w, w / 2);  // 2x2 transposed conv with bias
  return n + base * classes + classes;                                      // 1x1 head with bias
}

// Multiply-adds of UNet's forward on one size x size image.
int64_t unet_macs(int64_t channels, int64_t classes, int64_t base, int depth, int64_t size) {
  int64_t macs = sq(size) * 9 * (channels * base + base * base), w = base;
  for (int l = 1; l <= depth; ++l, w *= 2) macs += sq(size >> l) * 9 * (w * 2 * w + 4 * w * w);
  for (int l = depth; l >= 1; --l, w /= 2) {
    macs += sq(size >> l) * w * (w / 2) * 4;                                 // transposed conv: per input pixel
    macs += sq(size >> (l - 1)) * 9 * (w * (w / 2) + (w / 2) * (w / 2));    // DoubleConv(w, w/2)
  }
  return macs + sq(size) * base * classes;
}

// ---- TransUNet R50-ViT (models/transunet.h), written from the paper's layer shapes.
struct TransUNetShape {
  int64_t width = 64;                 // ResNet root width
  std::vector<int64_t> units = {3, 4, 9};
  int64_t hidden = 768, mlp = 3072, layers = 12;
  int64_t head_channels = 512;
  std::vector<int64_t> decoder = {256, 128, 64, 16};
  int64_t grid = 14;                  // position-embedding grid (img_size / 16)
};

struct Params {
  int64_t resnet = 0, embeddings = 0, encoder = 0, decoder = 0, head = 0;
  int64_t total() const { return resnet + embeddings + encoder + decoder + head; }
};

Params transunet_params(const TransUNetShape& s, int64_t classes) {
  Params p;
  const int64_t w = s.width;
  p.resnet = 3 * w * 49 + 2 * w;  // 7x7 root conv from 3 channels (1 is repeated), GroupNorm
  // (in, mid, out) of each stage; the first unit projects, later ones start from `out`.
  const int64_t stage[3][3] = {{w, w, 4 * w}, {4 * w, 2 * w, 8 * w}, {8 * w, 4 * w, 16 * w}};
  for (int b = 0; b < 3; ++b) {
    const int64_t in = stage[b][0], mid = stage[b][1], out = stage[b][2];
    const int64_t body = mid * 2 + 9 * mid * mid + mid * 2 + mid * out + out * 2;  // conv2/3 + gn1-3, minus conv1
    p.resnet += (in * mid + body) + (in * out + 2 * out);                           // first unit + projection
    p.resnet += (s.units[b] - 1) * (out * mid + body);
  }
  p.embeddings = 16 * w * s.hidden + s.hidden + sq(s.grid) * s.hidden;  // 1x1 patch conv + position
  const int64_t d = s.hidden;
  p.encoder = s.layers * (2 * 2 * d + 4 * (d * d + d) + (d * s.mlp + s.mlp) + (s.mlp * d + d)) + 2 * d;
  p.decoder = 9 * d * s.head_channels + 2 * s.head_channels;
  const int64_t skips[4] = {8 * w, 4 * w, w, 0};
  int64_t in = s.head_channels;
  for (int i = 0; i < 4; ++i) {
    const int64_t out = s.decoder[i];
    p.decoder += 9 * (in + skips[i]) * out + 2 * out + 9 * out * out + 2 * out;
    in = out;
  }
  p.head = 9 * s.decoder.back() * classes + classes;
  return p;
}

int64_t transunet_macs(const TransUNetShape& s, int64_t classes, int64_t size) {
  const int64_t w = s.width, r1 = size / 4 - 1, r2 = size / 8, r3 = size / 16;  // r1: after the unpadded max pool
  int64_t macs = sq(size / 2) * 3 * w * 49;
  // Stage 1 at r1 (stride 1), first unit with projection.
  macs += sq(r1) * (w * w + 9 * w * w + w * 4 * w + w * 4 * w);
  macs += (s.units[0] - 1) * sq(r1) * (4 * w * w + 9 * w * w + w * 4 * w);
  // Stage 2: conv1 at r1, then r2.
  macs += sq(r1) * 4 * w * 2 * w + sq(r2) * (9 * 4 * w * w + 2 * w * 8 * w + 4 * w * 8 * w);
  macs += (s.units[1] - 1) * sq(r2) * (8 * w * 2 * w + 9 * 4 * w * w + 2 * w * 8 * w);
  // Stage 3: conv1 at r2, then r3.
  macs += sq(r2) * 8 * w * 4 * w + sq(r3) * (9 * 16 * w * w + 4 * w * 16 * w + 8 * w * 16 * w);
  macs += (s.units[2] - 1) * sq(r3) * (16 * w * 4 * w + 9 * 16 * w * w + 4 * w * 16 * w);
  const int64_t tokens = sq(r3), d = s.hidden;
  macs += tokens * 16 * w * d;                                                      // patch embedding
  macs += s.layers * (4 * tokens * d * d + 2 * tokens * tokens * d + 2 * tokens * d * s.mlp);
  macs += tokens * 9 * d * s.head_channels;                                         // conv_more
  const int64_t skips[4] = {8 * w, 4 * w, w, 0};
  int64_t in = s.head_channels;
  for (int i = 0; i < 4; ++i) {
    const int64_t out = s.decoder[i], res = r3 << (i + 1);
    macs += sq(res) * 9 * ((in + skips[i]) * out + out * out);
    in = out;
  }
  return macs + sq(size) * 9 * s.decoder.back() * classes;
}

TransUNetShape small_shape() {
  TransUNetShape s;
  s.width = 16;
  s.units = {1, 1, 1};
  s.hidden = 64;
  s.mlp = 128;
  s.layers = 2;
  s.head_channels = 64;
  s.decoder = {32, 16, 8, 8};
  s.grid = 4;
  return s;
}

int64_t block_params(const mis::ModelInfo& info, const std::string& name) {
  for (const auto& b : info.blocks)
    if (b.name == name) return b.total;
  FAIL("no block " << name);
  return -1;
}

}  // namespace

TEST_CASE("model-info: FLOPs of single layers (1 multiply-add = 2 FLOPs)") {
  namespace nn = torch::nn;
  torch::NoGradGuard no_grad;
  nn::Conv2d conv(nn::Conv2dOptions(3, 8, 3).stride(2).padding(1));
  auto f = mis::count_flops([&] { conv->forward(torch::zeros({2, 3, 10, 10})); });
  CHECK(f.convolution == 2 * 2 * 25 * (8 * 3 * 9));  // 2 images, 5x5 outputs
  CHECK(f.total() == f.convolution);

  nn::Conv2d grouped(nn::Conv2dOptions(8, 8, 3).padding(1).groups(4));
  CHECK(mis::count_flops([&] { grouped->forward(torch::zeros({1, 8, 6, 6})); }).convolution == 2 * 36 * (8 * 2 * 9));

  nn::ConvTranspose2d up(nn::ConvTranspose2dOptions(4, 6, 2).stride(2));
  CHECK(mis::count_flops([&] { up->forward(torch::zeros({1, 4, 5, 5})); }).convolution == 2 * 25 * (4 * 6 * 4));

  nn::Linear linear(10, 7);
  f = mis::count_flops([&] { linear->forward(torch::zeros({3, 5, 10})); });
  CHECK(f.linear == 2 * 15 * 70);
  CHECK(f.matmul == 0);  // the matmul inside linear is not counted twice
  f = mis::count_flops([&] { linear->forward(torch::zeros({4, 10})); });
  CHECK(f.linear == 2 * 4 * 70);
  CHECK(f.matmul == 0);

  f = mis::count_flops([&] { torch::matmul(torch::zeros({2, 3, 4, 5}), torch::zeros({2, 3, 5, 6})); });
  CHECK(f.matmul == 2 * (2 * 3 * 4 * 6) * 5);
  // A product with a 2-D matrix is what a linear layer is.
  CHECK(mis::count_flops([&] { torch::mm(torch::zeros({4, 5}), torch::zeros({5, 3})); }).linear == 2 * 12 * 5);
  CHECK(mis::count_flops([&] { torch::bmm(torch::zeros({2, 4, 5}), torch::zeros({2, 5, 3})); }).matmul == 2 * 24 * 5);

  // Element-wise work is not counted.
  CHECK(mis::count_flops([&] { torch::relu(torch::zeros({100})) + 1; }).total() == 0);
}

TEST_CASE("model-info: unet-small forward FLOPs match the layer-shape arithmetic") {
  const auto info = mis::describe_model(spec_of("unet-small", 1, 3), 32);
  CHECK((info.output_shape == std::vector<int64_t>{1, 3, 32, 32}));
  CHECK(info.total_parameters == unet_params(1, 3, 16, 4));
  CHECK(info.flops.convolution == 2 * unet_macs(1, 3, 16, 4, 32));
  CHECK(info.flops.linear == 0);
}

TEST_CASE("model-info: transunet-small parameters and FLOPs match the layer-shape arithmetic") {
  for (int size : {32, 48}) {
    const auto info = mis::describe_model(spec_of("transunet-small", 1, 4), size);
    const Params p = transunet_params(small_shape(), 4);
    CHECK((info.output_shape == std::vector<int64_t>{1, 4, size, size}));
    CHECK(block_params(info, "resnet") == p.resnet);
    CHECK(block_params(info, "embeddings") == p.embeddings);
    CHECK(block_params(info, "encoder") == p.encoder);
    CHECK(block_params(info, "decoder") == p.decoder);
    CHECK(block_params(info, "head") == p.head);
    CHECK(info.total_parameters == p.total());
    CHECK(info.trainable_parameters == p.total());
    CHECK(info.flops.total() == 2 * transunet_macs(small_shape(), 4, size));
  }
}

TEST_CASE("model-info: the published presets have the published sizes") {
  // UNet, base 64, transposed convolutions: 31.0M (Ronneberger et al.; 31.04M in most re-implementations).
  const auto unet = mis::make_model(spec_of("unet", 1, 2));
  int64_t unet_total = 0;
  for (const auto& b : mis::parameters_by_block(*unet)) unet_total += b.total;
  CHECK(unet_total == unet_params(1, 2, 64, 4));
  CHECK(std::abs(unet_total - 31.0e6) / 31.0e6 < 0.01);

  // R50-ViT-B/16 TransUNet for Synapse (9 classes) at 224: 105.28M parameters as usually
  // reported for the official code; one forward pass for the FLOPs (a few seconds on a CPU).
  const auto info = mis::describe_model(spec_of("transunet", 1, 9), 224);
  const Params p = transunet_params(TransUNetShape{}, 9);
  CHECK(info.total_parameters == p.total());
  CHECK(std::abs(static_cast<double>(info.total_parameters) - 105.28e6) / 105.28e6 < 0.01);
  CHECK((info.output_shape == std::vector<int64_t>{1, 9, 224, 224}));
  CHECK(info.flops.total() == 2 * transunet_macs(TransUNetShape{}, 9, 224));
  MESSAGE("transunet at 224: " << info.total_parameters << " parameters, " << info.flops.total() / 1e9 << " GFLOPs");
}

TEST_CASE("model-info: sizes the model cannot take are UserErrors") {
  CHECK_THROWS_AS(mis::describe_model(spec_of("transunet-small", 1, 2), 40), mis::UserError);
  CHECK_THROWS_AS(mis::describe_model(spec_of("unet-small", 1, 2), 8), mis::UserError);
  CHECK_THROWS_AS(mis::describe_model(spec_of("no-such-model", 1, 2), 32), mis::UserError);
}
