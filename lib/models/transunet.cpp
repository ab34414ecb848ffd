#include "models/transunet.h"

#include <cstdio>

#include "core/error.h"
#include "models/fold_batch_norm.h"
#include "models/mixed_precision.h"

namespace mis {

namespace nn = torch::nn;
namespace F = torch::nn::functional;

namespace {

constexpr int kPatch = 16;  // total downsampling before the transformer, with or without the CNN

// Bilinear resize of a [1, C, h, w] map. align_corners=true: TransUNet's decoder upsamples
// with nn.UpsamplingBilinear2d and resizes position embeddings with ndimage.zoom(order=1),
// both of which map corner pixels onto corner pixels.
torch::Tensor resize_bilinear(const torch::Tensor& x, int64_t h, int64_t w) {
  return F::interpolate(x, F::InterpolateFuncOptions()
                               .size(std::vector<int64_t>{h, w})
                               .mode(torch::kBilinear)
                               .align_corners(true));
}

// conv3x3 (no bias: BatchNorm follows) - BN - ReLU, TransUNet's Conv2dReLU.
nn::Sequential conv_bn_relu(int in, int out) {
  return nn::Sequential(nn::Conv2d(nn::Conv2dOptions(in, out, 3).padding(1).bias(false)), nn::BatchNorm2d(out),
                        nn::ReLU(true));
}

}  // namespace

PatchEmbeddingsImpl::PatchEmbeddingsImpl(int in_channels, int hidden, int patch_size, int grid_, double p)
    : grid(grid_) {
  patch = register_module("patch", nn::Conv2d(nn::Conv2dOptions(in_channels, hidden, patch_size).stride(patch_size)));
  // Zeros, as the port initialises them; pretrained files overwrite them.
  position = register_parameter("position", torch::zeros({1, grid * grid, hidden}));
  dropout = register_module("dropout", nn::Dropout(p));
}

torch::Tensor PatchEmbeddingsImpl::position_for(int64_t grid_h, int64_t grid_w) const {
  if (grid_h == grid && grid_w == grid) return position;
  const int64_t hidden = position.size(2);
  auto image = position.reshape({1, grid, grid, hidden}).permute({0, 3, 1, 2});
  return resize_bilinear(image, grid_h, grid_w).permute({0, 2, 3, 1}).reshape({1, grid_h * grid_w, hidden});
}

torch::Tensor PatchEmbeddingsImpl::forward(const torch::Tensor& x) {
  const auto maps = patch->forward(x);  // [B, hidden, gh, gw]
  const auto tokens = maps.flatten(2).transpose(1, 2);
  return dropout->forward(tokens + position_for(maps.size(2), maps.size(3)));
}

DecoderBlockImpl::DecoderBlockImpl(int in, int out, int skip) {
  conv1 = register_module("conv1", conv_bn_relu(in + skip, out));
  conv2 = register_module("conv2", conv_bn_relu(out, out));
}

torch::Tensor DecoderBlockImpl::forward(torch::Tensor x, const torch::Tensor& skip) {
  x = resize_bilinear(x, x.size(2) * 2, x.size(3) * 2);
  if (skip.defined()) x = cat_channels_in_type_of(x, skip);
  return conv2->forward(conv1->forward(x));
}

void DecoderBlockImpl::fold_batch_norm() {
  conv1 = replace_module("conv1", fold_batch_norm_into_convs(conv1));
  conv2 = replace_module("conv2", fold_batch_norm_into_convs(conv2));
}

void TransUNetImpl::fold_for_inference() {
  decoder->fold_batch_norm();
  if (resnet) resnet->fold_standardization();
}

void DecoderCupImpl::fold_batch_norm() {
  conv_more = replace_module("conv_more", fold_batch_norm_into_convs(conv_more));
  for (size_t i = 0; i < blocks->size(); ++i) blocks->ptr<DecoderBlockImpl>(i)->fold_batch_norm();
}

DecoderCupImpl::DecoderCupImpl(int hidden, int head_channels, const std::vector<int>& channels,
                               const std::vector<int>& skip_channels) {
  conv_more = register_module("conv_more", conv_bn_relu(hidden, head_channels));
  blocks = register_module("blocks", nn::ModuleList());
  int in = head_channels;
  for (size_t i = 0; i < channels.size(); ++i) {
    blocks->push_back(DecoderBlock(in, channels[i], i < skip_channels.size() ? skip_channels[i] : 0));
    in = channels[i];
  }
}

torch::Tensor DecoderCupImpl::forward(const torch::Tensor& tokens, int64_t grid_h, int64_t grid_w,
                                      const std::vector<torch::Tensor>& skips,
                                      const std::function<void(int, const torch::Tensor&)>& tap) {
  auto x = tokens.transpose(1, 2).reshape({tokens.size(0), tokens.size(2), grid_h, grid_w});
  if (tap) tap(0, x);
  x = conv_more->forward(x);
  if (tap) tap(1, x);
  for (size_t i = 0; i < blocks->size(); ++i) {
    x = blocks->ptr<DecoderBlockImpl>(i)->forward(x, i < skips.size() ? skips[i] : torch::Tensor());
    if (tap) tap(2 + static_cast<int>(i), x);
  }
  return x;
}

TransUNetImpl::TransUNetImpl(const TransUNetOptions& opts) : options(opts) {
  const int stem_channels = opts.in_channels == 1 ? 3 : opts.in_channels;
  std::vector<int> skip_channels;
  int embed_in = stem_channels, embed_patch = kPatch;
  if (opts.hybrid) {
    ResNetV2Options r = opts.resnet;
    r.in_channels = stem_channels;
    resnet = register_module("resnet", ResNetV2(r));
    embed_in = resnet->out_channels();
    embed_patch = 1;  // the ResNet already downsampled by 16 ("grid" patches in the port)
    const auto all_skips = resnet->skip_channels();
    skip_channels.assign(all_skips.begin(), all_skips.begin() + opts.n_skip);
  }
  embeddings = register_module(
      "embeddings", PatchEmbeddings(embed_in, opts.vit.hidden, embed_patch, opts.img_size / kPatch, opts.vit.dropout));
  encoder = register_module("encoder", TransformerEncoder(opts.vit));
  decoder = register_module(
      "decoder", DecoderCup(opts.vit.hidden, opts.decoder_head_channels, opts.decoder_channels, skip_channels));
  head = register_module("head", nn::Conv2d(nn::Conv2dOptions(opts.decoder_channels.back(), opts.num_classes, 3).padding(1)));
}

std::vector<std::string> TransUNetImpl::feature_layers() const {
  // Index order is the order forward passes to keep(): "resnet" first when there is a CNN.
  std::vector<std::string> names;
  if (options.hybrid) names.push_back("resnet");
  names.push_back("transformer");
  names.push_back("decoder.head");
  for (std::size_t i = 0; i < options.decoder_channels.size(); ++i) names.push_back("decoder." + std::to_string(i));
  return names;
}

torch::Tensor TransUNetImpl::forward(torch::Tensor x) {
  if (options.in_channels == 1) x = x.repeat({1, 3, 1, 1});
  std::vector<torch::Tensor> skips;
  if (resnet) {
    std::tie(x, skips) = resnet->forward(x);
    keep(0, x);
  }
  const int64_t grid_h = x.size(2) / (resnet ? 1 : kPatch), grid_w = x.size(3) / (resnet ? 1 : kPatch);
  auto tokens = encoder->forward(embeddings->forward(x));
  skips.resize(std::min<size_t>(skips.size(), options.n_skip));
  const int first = resnet ? 1 : 0;
  return head->forward(decoder->forward(tokens, grid_h, grid_w, skips,
                                        [&](int stage, const torch::Tensor& map) { keep(first + stage, map); }));
}

std::vector<NpzBinding> TransUNetImpl::npz_bindings() {
  std::vector<NpzBinding> out;
  if (resnet) resnet->add_npz_bindings(out);
  out.push_back({"embedding/kernel", embeddings->patch->weight, NpzLayout::kConv});
  out.push_back({"embedding/bias", embeddings->patch->bias, NpzLayout::kVector});
  out.push_back({"Transformer/posembed_input/pos_embedding", embeddings->position, NpzLayout::kPositionEmbedding});
  encoder->add_npz_bindings(out);
  return out;
}

namespace {

template <typename T>
T option(const json& o, const std::string& key) {
  try {
    return o.at(key).get<T>();
  } catch (const json::exception&) {
    throw UserError("model option '" + key + "': expected " +
                    (std::is_same_v<T, std::string> ? std::string("a string")
                     : std::is_same_v<T, bool>      ? std::string("true or false")
                     : std::is_integral_v<T>        ? std::string("an integer")
                     : std::is_floating_point_v<T>  ? std::string("a number")
                                                    : std::string("a list of integers")) +
                    ", got " + (o.contains(key) ? o.at(key).dump() : std::string("nothing")));
  }
}

void require(bool ok, const std::string& message) {
  if (!ok) throw UserError("transunet model options: " + message);
}

}  // namespace

TransUNetOptions transunet_options_from_json(const json& o, int in_channels, int num_classes) {
  TransUNetOptions t;
  t.in_channels = in_channels;
  t.num_classes = num_classes;
  const auto encoder = option<std::string>(o, "encoder");
  require(encoder == "r50-vit" || encoder == "vit", "encoder must be 'r50-vit' or 'vit', got '" + encoder + "'");
  t.hybrid = encoder == "r50-vit";
  t.resnet.units = option<std::vector<int>>(o, "resnet_units");
  t.resnet.width = option<int>(o, "resnet_width");
  t.resnet.groups = option<int>(o, "gn_groups");
  t.vit.hidden = option<int>(o, "hidden");
  t.vit.mlp_dim = option<int>(o, "mlp_dim");
  t.vit.heads = option<int>(o, "heads");
  t.vit.layers = option<int>(o, "layers");
  t.vit.dropout = option<double>(o, "dropout");
  t.vit.attention_dropout = option<double>(o, "attention_dropout");
  t.img_size = option<int>(o, "img_size");
  t.decoder_head_channels = option<int>(o, "decoder_head_channels");
  t.decoder_channels = option<std::vector<int>>(o, "decoder_channels");
  t.n_skip = option<int>(o, "n_skip");

  require(t.img_size >= kPatch && t.img_size % kPatch == 0, "img_size must be a positive multiple of 16");
  require(t.vit.hidden >= 1 && t.vit.heads >= 1 && t.vit.hidden % t.vit.heads == 0,
          "hidden (" + std::to_string(t.vit.hidden) + ") must be divisible by heads (" + std::to_string(t.vit.heads) + ")");
  require(t.vit.mlp_dim >= 1 && t.vit.layers >= 1, "mlp_dim and layers must be at least 1");
  require(t.vit.dropout >= 0 && t.vit.dropout < 1 && t.vit.attention_dropout >= 0 && t.vit.attention_dropout < 1,
          "dropout rates must lie in [0, 1)");
  // Four x2 upsamplings take the 1/16 token grid back to full resolution.
  require(t.decoder_channels.size() == 4, "decoder_channels must list 4 widths (one per x2 upsampling)");
  for (int c : t.decoder_channels) require(c >= 1, "decoder_channels must be positive");
  require(t.decoder_head_channels >= 1, "decoder_head_channels must be positive");
  if (t.hybrid) {
    require(t.resnet.units.size() == 3, "resnet_units must list 3 stages (ResNet-50: [3, 4, 9])");
    for (int u : t.resnet.units) require(u >= 1, "resnet_units must be at least 1 per stage");
    require(t.resnet.groups >= 1 && t.resnet.width >= 1 && t.resnet.width % t.resnet.groups == 0,
            "resnet_width (" + std::to_string(t.resnet.width) + ") must be a multiple of gn_groups (" +
                std::to_string(t.resnet.groups) + ")");
    require(t.n_skip >= 0 && t.n_skip <= 3, "n_skip must be 0-3");
  } else {
    require(t.n_skip == 0, "n_skip must be 0 with encoder 'vit' (no CNN features to skip)");
  }
  return t;
}

SegmentationModel build_transunet(const json& o, int in_channels, int num_classes) {
  const TransUNetOptions t = transunet_options_from_json(o, in_channels, num_classes);
  auto model = std::make_shared<TransUNetImpl>(t);
  const auto pretrained = option<std::string>(o, "pretrained");
  if (!pretrained.empty()) {
    const bool partial = option<bool>(o, "pretrained_partial");
    const PretrainedReport report = load_npz_weights(pretrained, model->npz_bindings(), partial);
    // Only a partial load has something worth saying; a full one either succeeds or throws.
    if (!report.complete()) std::fprintf(stderr, "%s: %s\n", pretrained.c_str(), describe_partial_load(report).c_str());
  }
  return model;
}

}  // namespace mis
