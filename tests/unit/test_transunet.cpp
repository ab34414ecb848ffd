// Tests of TransUNet (models/transunet.h) and its .npz weight mapping: output shapes at sizes
// other than the position-embedding grid, weight standardisation, the official naming scheme
// and layouts (written here independently of the model's own binding list), mismatch errors,
// partial loads, and checkpoints of the wrong model.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "bench/profile.h"
#include "core/error.h"
#include "models/npz.h"
#include "models/registry.h"
#include "models/transunet.h"
#include "train/checkpoint.h"
#include "support.h"

namespace {

namespace fs = std::filesystem;

mis::ModelSpec small_spec(int classes = 4, mis::json options = mis::json::object(), int channels = 1) {
  mis::ModelSpec spec;
  spec.name = "transunet-small";
  spec.options = std::move(options);
  spec.in_channels = channels;
  spec.num_classes = classes;
  return spec;
}

std::map<std::string, torch::Tensor> named_parameters(torch::nn::Module& m) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& p : m.named_parameters()) out[p.key()] = p.value();
  return out;
}

// How an array of Google's files relates to a PyTorch parameter, written from the layouts
// (Flax conv kernels HWIO, dense kernels (in, out), attention kernels (in, heads, head_dim)
// and (heads, head_dim, out)), not from the model's binding table.
enum class Kind { kConv, kDense, kAttnIn, kAttnOut, kQkvBias, kVector, kPosition };

struct Expected {
  std::string npz;    // name in the file
  std::string param;  // name in the LibTorch module
  Kind kind;
};

// The arrays of an R50+ViT .npz for transunet-small's configuration: resnet units [1, 1, 1]
// (each a projecting unit), 2 transformer layers.
std::vector<Expected> small_preset_arrays() {
  std::vector<Expected> e = {{"conv_root/kernel", "resnet.root_conv.weight", Kind::kConv},
                             {"gn_root/scale", "resnet.root_gn.weight", Kind::kVector},
                             {"gn_root/bias", "resnet.root_gn.bias", Kind::kVector}};
  for (int b = 1; b <= 3; ++b) {
    const std::string npz = "block" + std::to_string(b) + "/unit1/", param = "resnet.block" + std::to_string(b) + ".unit1.";
    for (const std::string n : {"1", "2", "3", "_proj"}) {
      e.push_back({npz + "conv" + n + "/kernel", param + "conv" + n + ".weight", Kind::kConv});
      e.push_back({npz + "gn" + n + "/scale", param + "gn" + n + ".weight", Kind::kVector});
      e.push_back({npz + "gn" + n + "/bias", param + "gn" + n + ".bias", Kind::kVector});
    }
  }
  e.push_back({"embedding/kernel", "embeddings.patch.weight", Kind::kConv});
  e.push_back({"embedding/bias", "embeddings.patch.bias", Kind::kVector});
  e.push_back({"Transformer/posembed_input/pos_embedding", "embeddings.position", Kind::kPosition});
  for (int l = 0; l < 2; ++l) {
    const std::string npz = "Transformer/encoderblock_" + std::to_string(l) + "/",
                      param = "encoder.layer." + std::to_string(l) + ".";
    for (const std::string qkv : {"query", "key", "value"}) {
      e.push_back({npz + "MultiHeadDotProductAttention_1/" + qkv + "/kernel", param + "attn." + qkv + ".weight", Kind::kAttnIn});
      e.push_back({npz + "MultiHeadDotProductAttention_1/" + qkv + "/bias", param + "attn." + qkv + ".bias", Kind::kQkvBias});
    }
    e.push_back({npz + "MultiHeadDotProductAttention_1/out/kernel", param + "attn.out.weight", Kind::kAttnOut});
    e.push_back({npz + "MultiHeadDotProductAttention_1/out/bias", param + "attn.out.bias", Kind::kVector});
    e.push_back({npz + "MlpBlock_3/Dense_0/kernel", param + "ffn.fc1.weight", Kind::kDense});
    e.push_back({npz + "MlpBlock_3/Dense_0/bias", param + "ffn.fc1.bias", Kind::kVector});
    e.push_back({npz + "MlpBlock_3/Dense_1/kernel", param + "ffn.fc2.weight", Kind::kDense});
    e.push_back({npz + "MlpBlock_3/Dense_1/bias", param + "ffn.fc2.bias", Kind::kVector});
    e.push_back({npz + "LayerNorm_0/scale", param + "attention_norm.weight", Kind::kVector});
    e.push_back({npz + "LayerNorm_0/bias", param + "attention_norm.bias", Kind::kVector});
    e.push_back({npz + "LayerNorm_2/scale", param + "ffn_norm.weight", Kind::kVector});
    e.push_back({npz + "LayerNorm_2/bias", param + "ffn_norm.bias", Kind::kVector});
  }
  e.push_back({"Transformer/encoder_norm/scale", "encoder.encoder_norm.weight", Kind::kVector});
  e.push_back({"Transformer/encoder_norm/bias", "encoder.encoder_norm.bias", Kind::kVector});
  return e;
}

constexpr int kHeads = 4;  // transunet-small

// A random array in the file's layout for a parameter of shape `p`.
torch::Tensor stored_shape_like(const torch::Tensor& p, Kind kind) {
  switch (kind) {
    case Kind::kConv: return torch::randn({p.size(2), p.size(3), p.size(1), p.size(0)});
    case Kind::kDense: return torch::randn({p.size(1), p.size(0)});
    case Kind::kAttnIn: return torch::randn({p.size(1), kHeads, p.size(0) / kHeads});
    case Kind::kAttnOut: return torch::randn({kHeads, p.size(1) / kHeads, p.size(0)});
    case Kind::kQkvBias: return torch::randn({kHeads, p.size(0) / kHeads});
    case Kind::kVector: return torch::randn(p.sizes());
    case Kind::kPosition: return torch::randn({1, 1 + p.size(1), p.size(2)});  // with the class token
  }
  return {};
}

// What the parameter must hold after loading `stored`.
torch::Tensor expected_value(const torch::Tensor& stored, Kind kind) {
  switch (kind) {
    case Kind::kConv: return stored.permute({3, 2, 0, 1});                              // [h,w,i,o] -> [o,i,h,w]
    case Kind::kDense: return stored.t();                                                // (in,out) -> (out,in)
    case Kind::kAttnIn: return stored.reshape({stored.size(0), -1}).t();                 // (in,h,d) -> (h*d, in)
    case Kind::kAttnOut: return stored.reshape({-1, stored.size(2)}).t();                // (h,d,out) -> (out, h*d)
    case Kind::kQkvBias: return stored.reshape({-1});
    case Kind::kVector: return stored;
    case Kind::kPosition: return stored.slice(1, 1);                                     // drop the class token
  }
  return {};
}

std::map<std::string, torch::Tensor> official_arrays_for(torch::nn::Module& model) {
  auto params = named_parameters(model);
  std::map<std::string, torch::Tensor> arrays;
  for (const auto& e : small_preset_arrays()) {
    REQUIRE_MESSAGE(params.count(e.param), e.param);
    arrays[e.npz] = stored_shape_like(params.at(e.param), e.kind);
  }
  // The ImageNet classifier of every official file, which segmentation ignores.
  arrays["cls"] = torch::randn({1, 1, 64});
  arrays["head/kernel"] = torch::randn({64, 10});
  arrays["head/bias"] = torch::randn({10});
  arrays["pre_logits/kernel"] = torch::randn({64, 64});
  return arrays;
}

}  // namespace

TEST_CASE("transunet: logits B x K x H x W at sizes on and off the position-embedding grid") {
  torch::manual_seed(0);
  auto model = mis::make_model(small_spec(4));  // img_size 64: a 4x4 token grid
  CHECK(model->size_divisor() == 16);
  model->eval();
  torch::NoGradGuard no_grad;
  for (auto [h, w] : {std::pair{32, 32}, {48, 48}, {64, 64}, {32, 48}}) {
    const auto out = model->forward(torch::randn({2, 1, h, w}));
    CHECK((out.sizes() == torch::IntArrayRef{2, 4, h, w}));
    CHECK(torch::isfinite(out).all().item<bool>());
  }
  // Without the CNN (ViT encoder, no skips), and with 3 input channels used as they are.
  auto vit = mis::make_model(small_spec(3, {{"encoder", "vit"}, {"n_skip", 0}}, 3));
  vit->eval();
  CHECK((vit->forward(torch::randn({1, 3, 48, 32})).sizes() == torch::IntArrayRef{1, 3, 48, 32}));
}

TEST_CASE("transunet: every parameter receives a gradient") {
  torch::manual_seed(1);
  auto model = mis::make_model(small_spec(3));
  model->train();
  model->forward(torch::randn({2, 1, 32, 32})).pow(2).mean().backward();
  for (const auto& p : model->named_parameters()) {
    REQUIRE_MESSAGE(p.value().grad().defined(), p.key());
    CHECK_MESSAGE(p.value().grad().abs().sum().item<double>() > 0, p.key());
  }
}

TEST_CASE("transunet: position embeddings are resized bilinearly with aligned corners") {
  // A 2x2 grid of 1-channel embeddings [0, 1; 2, 3] resized to 3x3: corners stay, the middle
  // of an edge is the mean of its two ends, the centre the mean of all four.
  mis::PatchEmbeddings embed(3, 1, 16, 2, 0.0);
  {
    torch::NoGradGuard no_grad;
    embed->position.copy_(torch::tensor({0.f, 1.f, 2.f, 3.f}).reshape({1, 4, 1}));
  }
  CHECK(embed->position_for(2, 2).data_ptr() == embed->position.data_ptr());
  const auto resized = embed->position_for(3, 3).reshape({9});
  const auto expected = torch::tensor({0.f, 0.5f, 1.f, 1.f, 1.5f, 2.f, 2.f, 2.5f, 3.f});
  CHECK(torch::allclose(resized, expected, 1e-6, 1e-6));
}

TEST_CASE("transunet: convolutions of the ResNet are weight-standardised") {
  torch::manual_seed(2);
  mis::StdConv2d conv(torch::nn::Conv2dOptions(5, 6, 3).padding(1).bias(false));
  {
    torch::NoGradGuard no_grad;
    conv->weight.normal_(0.3, 2.0);  // far from standardised
  }
  const auto w = conv->standardized_weight().reshape({6, -1}).to(torch::kFloat64);
  CHECK(w.mean(1).abs().max().item<double>() < 1e-6);
  // Population variance v/(v + 1e-5) with v = 4: within 1e-5 of 1.
  CHECK((w.var(1, /*unbiased=*/false) - 1).abs().max().item<double>() < 1e-5);
  // The forward uses the standardised kernel, computed here by hand.
  const auto x = torch::randn({1, 5, 7, 7});
  const auto raw = conv->weight.detach();
  const auto mean = raw.mean({1, 2, 3}, true);
  const auto var = (raw - mean).pow(2).mean({1, 2, 3}, true);
  const auto by_hand = torch::conv2d(x, (raw - mean) / torch::sqrt(var + 1e-5), {}, 1, 1);
  CHECK(torch::allclose(conv->forward(x), by_hand, 1e-4, 1e-5));
}

TEST_CASE("transunet: folding for inference standardises each ResNet kernel once, with the same logits") {
  torch::manual_seed(4);
  auto model = mis::make_model(small_spec());
  model->eval();
  torch::NoGradGuard no_grad;
  const auto x = torch::randn({2, 1, 64, 64});
  // var_mean is the standardisation's statistic (StdConv2dImpl::standardized_weight), run by
  // nothing else in the model: once per ResNet convolution per forward before the fold, never after.
  const auto var_means = [&] {
    int64_t calls = 0;
    for (const auto& op : mis::profile_operators([&] { (void)model->forward(x); }).operators)
      if (op.name == "aten::var_mean") calls += op.calls;
    return calls;
  };
  int64_t convolutions = 0;
  for (const auto& m : model->modules()) convolutions += m->as<mis::StdConv2dImpl>() ? 1 : 0;
  REQUIRE(convolutions > 0);
  CHECK(var_means() >= convolutions);
  const auto before = model->forward(x);
  model->fold_for_inference();
  CHECK(var_means() == 0);
  for (const auto& m : model->modules())
    if (const auto* conv = m->as<mis::StdConv2dImpl>()) {
      const auto w = conv->weight.reshape({conv->weight.size(0), -1}).to(torch::kFloat64);
      CHECK(w.mean(1).abs().max().item<double>() < 1e-6);  // the kernel itself is now standardised
    }
  const auto after = model->forward(x);
  CHECK((after - before).abs().max().item<double>() <= 1e-5 * before.abs().max().item<double>());
}

#ifdef MIS_WITH_LIBZIP

TEST_CASE("transunet: an official-style .npz sets every encoder parameter, transposed to PyTorch's layout") {
  torch::manual_seed(3);
  TempDir dir;
  const fs::path file = dir.path / "R50+ViT-small.npz";
  auto reference = mis::make_model(small_spec());
  const auto arrays = official_arrays_for(*reference);
  mis::write_npz(file, arrays);

  auto model = mis::make_model(small_spec(4, {{"pretrained", file.string()}}));
  const auto params = named_parameters(*model);
  std::set<std::string> checked;
  for (const auto& e : small_preset_arrays()) {
    const auto& p = params.at(e.param);
    const auto want = expected_value(arrays.at(e.npz), e.kind);
    REQUIRE_MESSAGE((p.sizes() == want.sizes()), e.param);
    CHECK_MESSAGE(torch::equal(p.detach(), want), e.npz << " -> " << e.param);
    checked.insert(e.param);
  }
  // Every encoder parameter came from the file; the decoder and head did not.
  for (const auto& [name, p] : params) {
    const bool encoder = name.rfind("resnet.", 0) == 0 || name.rfind("embeddings.", 0) == 0 || name.rfind("encoder.", 0) == 0;
    CHECK_MESSAGE(encoder == (checked.count(name) == 1), name);
  }

  // Element by element: a conv kernel at HWIO [h,w,i,o] lands at OIHW [o,i,h,w]; a dense
  // kernel at (in, out) lands at (out, in); an attention kernel at (in, head, d) at (head*D+d, in).
  const auto root = arrays.at("conv_root/kernel");  // [7, 7, 3, 16]
  const auto& root_w = params.at("resnet.root_conv.weight");
  CHECK(root_w[11][2][5][1].item<float>() == root[5][1][2][11].item<float>());
  CHECK(root_w[0][1][6][3].item<float>() == root[6][3][1][0].item<float>());
  const auto dense = arrays.at("Transformer/encoderblock_1/MlpBlock_3/Dense_0/kernel");  // (64, 128)
  CHECK(params.at("encoder.layer.1.ffn.fc1.weight")[100][7].item<float>() == dense[7][100].item<float>());
  const auto query = arrays.at("Transformer/encoderblock_0/MultiHeadDotProductAttention_1/query/kernel");  // (64, 4, 16)
  CHECK(params.at("encoder.layer.0.attn.query.weight")[2 * 16 + 5][9].item<float>() == query[9][2][5].item<float>());
}

TEST_CASE("transunet: a pretrained position grid of another size is resized as the original does") {
  TempDir dir;
  auto model = std::make_shared<mis::TransUNetImpl>(
      mis::transunet_options_from_json(mis::resolved_model_options(small_spec()), 1, 2));  // grid 4x4
  auto arrays = official_arrays_for(*model);
  const int64_t dim = 64;
  // A 2x2 grid after the class token; channel c holds values that differ per cell.
  auto grid = torch::randn({2, 2, dim});
  arrays["Transformer/posembed_input/pos_embedding"] = torch::cat({torch::randn({1, 1, dim}), grid.reshape({1, 4, dim})}, 1);
  mis::assign_npz_arrays(arrays, model->npz_bindings(), false, "test");
  // ndimage.zoom(order=1) from 2 to 4 cells samples the old grid at i/3 (corners aligned).
  const auto pos = model->embeddings->position.detach().reshape({4, 4, dim});
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) {
      const double y = i / 3.0, x = j / 3.0;
      const auto want = grid[0][0] * ((1 - y) * (1 - x)) + grid[0][1] * ((1 - y) * x) + grid[1][0] * (y * (1 - x)) +
                        grid[1][1] * (y * x);
      CHECK(torch::allclose(pos[i][j], want, 1e-5, 1e-5));
    }
}

TEST_CASE("transunet: missing, left-over and wrong-shape arrays are listed, partial loads the rest") {
  torch::manual_seed(4);
  TempDir dir;
  auto reference = mis::make_model(small_spec());
  auto arrays = official_arrays_for(*reference);
  arrays.erase("block2/unit1/gn2/scale");
  arrays["Transformer/encoderblock_9/LayerNorm_0/scale"] = torch::randn({64});
  arrays["Transformer/encoder_norm/bias"] = torch::randn({65});
  arrays["block1/unit1/conv1/kernel"] = torch::randn({3, 3, 16, 16});  // a 1x1 conv in the model
  const fs::path file = dir.path / "mismatched.npz";
  mis::write_npz(file, arrays);

  const std::string message = error_of([&] { mis::make_model(small_spec(4, {{"pretrained", file.string()}})); });
  CHECK(message.rfind(file.string(), 0) == 0);
  for (const char* name : {"block2/unit1/gn2/scale", "Transformer/encoderblock_9/LayerNorm_0/scale",
                           "Transformer/encoder_norm/bias", "block1/unit1/conv1/kernel"})
    CHECK_MESSAGE(message.find(name) != std::string::npos, message);
  CHECK(message.find("1 missing") != std::string::npos);
  CHECK(message.find("1 left over") != std::string::npos);
  CHECK(message.find("2 of the wrong shape") != std::string::npos);
  CHECK(message.find("pretrained_partial") != std::string::npos);
  // The classifier arrays are not reported.
  CHECK(message.find("head/kernel") == std::string::npos);
  CHECK(message.find("cls") == std::string::npos);

  // A strict load that fails changes nothing.
  auto untouched = std::make_shared<mis::TransUNetImpl>(
      mis::transunet_options_from_json(mis::resolved_model_options(small_spec()), 1, 2));
  const auto before = untouched->embeddings->patch->weight.clone();
  CHECK_THROWS_AS(mis::assign_npz_arrays(arrays, untouched->npz_bindings(), false, "x"), mis::UserError);
  CHECK(torch::equal(before, untouched->embeddings->patch->weight));

  // Partial: what fits is loaded, the rest keeps its initial value.
  auto model = mis::make_model(small_spec(4, {{"pretrained", file.string()}, {"pretrained_partial", true}}));
  const auto params = named_parameters(*model);
  CHECK(torch::equal(params.at("embeddings.patch.weight"), arrays.at("embedding/kernel").permute({3, 2, 0, 1})));
  CHECK(torch::equal(params.at("resnet.block2.unit1.gn2.weight"), torch::ones({32})));     // GroupNorm init
  CHECK(torch::equal(params.at("encoder.encoder_norm.bias"), torch::zeros({64})));         // LayerNorm init
  CHECK((params.at("resnet.block1.unit1.conv1.weight").sizes() == torch::IntArrayRef{16, 16, 1, 1}));
}

TEST_CASE("transunet: pretrained weights need 1 or 3 input channels") {
  TempDir dir;
  auto reference = mis::make_model(small_spec());
  const fs::path file = dir.path / "w.npz";
  mis::write_npz(file, official_arrays_for(*reference));
  const auto message = error_of([&] { mis::make_model(small_spec(4, {{"pretrained", file.string()}}, 4)); });
  CHECK(message.find("conv_root/kernel (stored [7,7,3,16], model [16,4,7,7]") != std::string::npos);
}

#endif

TEST_CASE("transunet: bad options are UserErrors") {
  CHECK_THROWS_AS(mis::make_model(small_spec(4, {{"heads", 5}})), mis::UserError);
  CHECK_THROWS_AS(mis::make_model(small_spec(4, {{"decoder_channels", {8, 8}}})), mis::UserError);
  CHECK_THROWS_AS(mis::make_model(small_spec(4, {{"encoder", "vit"}})), mis::UserError);  // n_skip 3 without a CNN
  CHECK_THROWS_AS(mis::make_model(small_spec(4, {{"resnet_width", 12}})), mis::UserError);  // not a multiple of 8 groups
  CHECK_THROWS_AS(mis::make_model(small_spec(4, {{"layers", "two"}})), mis::UserError);
  CHECK_THROWS_AS(mis::make_model(small_spec(4, {{"no_such_option", 1}})), mis::UserError);
}

TEST_CASE("checkpoint: loading weights into another model is a clear error") {
  torch::manual_seed(5);
  TempDir dir;
  const fs::path path = dir.path / "checkpoint.pt";
  const auto spec = small_spec(3);
  auto model = mis::make_model(spec);
  mis::CheckpointMeta meta;
  meta.model = mis::to_json(spec);
  mis::save_checkpoint(path, meta, *model, nullptr);

  // Same model: loads, and the weights match.
  auto same = mis::make_model(spec);
  mis::load_checkpoint_state(path, *same, nullptr);
  CHECK(torch::equal(named_parameters(*same).at("head.weight"), named_parameters(*model).at("head.weight")));

  // Another architecture: parameters it needs are absent from the checkpoint.
  mis::ModelSpec unet = spec;
  unet.name = "unet-small";
  auto other = mis::make_model(unet);
  auto message = error_of([&] { mis::load_checkpoint_state(path, *other, nullptr); });
  CHECK(message.rfind(path.string(), 0) == 0);
  CHECK_MESSAGE(message.find("written for model 'transunet-small'") != std::string::npos, message);

  // Same names, other shapes (a wider transformer): LibTorch alone would accept this silently.
  auto wider = mis::make_model(small_spec(3, {{"hidden", 128}}));
  message = error_of([&] { mis::load_checkpoint_state(path, *wider, nullptr); });
  CHECK_MESSAGE(message.find("other shapes") != std::string::npos, message);
  CHECK_MESSAGE(message.find("embeddings.patch.weight") != std::string::npos, message);
}
