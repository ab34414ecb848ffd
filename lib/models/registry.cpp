#include "models/registry.h"

#include <functional>

#include "core/error.h"
#include "models/transunet.h"
#include "models/unet.h"

namespace mis {

namespace {

struct Entry {
  ModelPreset preset;
  std::function<SegmentationModel(const json& options, int in_channels, int num_classes)> build;
};

SegmentationModel build_unet(const json& o, int in_channels, int num_classes) {
  UNetOptions u;
  u.in_channels = in_channels;
  u.num_classes = num_classes;
  u.base_width = o.at("base_width").get<int>();
  u.depth = o.at("depth").get<int>();
  const auto decoder = o.at("decoder").get<std::string>();
  if (decoder != "transposed" && decoder != "bilinear")
    throw UserError("model option decoder must be 'transposed' or 'bilinear', got '" + decoder + "'");
  u.bilinear = decoder == "bilinear";
  return std::make_shared<UNetImpl>(u);
}

// Every TransUNet preset has the same keys, so options of one apply to all.
json transunet_defaults(const std::string& encoder, int img_size, std::vector<int> resnet_units, int resnet_width,
                        int gn_groups, int hidden, int mlp_dim, int heads, int layers, int decoder_head_channels,
                        std::vector<int> decoder_channels, int n_skip) {
  return {{"encoder", encoder},
          {"img_size", img_size},
          {"resnet_units", resnet_units},
          {"resnet_width", resnet_width},
          {"gn_groups", gn_groups},
          {"hidden", hidden},
          {"mlp_dim", mlp_dim},
          {"heads", heads},
          {"layers", layers},
          {"dropout", 0.1},
          {"attention_dropout", 0.0},
          {"decoder_head_channels", decoder_head_channels},
          {"decoder_channels", decoder_channels},
          {"n_skip", n_skip},
          {"pretrained", ""},
          {"pretrained_partial", false}};
}

std::vector<Entry>& registry() {
  static std::vector<Entry> entries = {
      {{"unet", "UNet as published: width 64, depth 4, transposed-convolution decoder (31M parameters)",
        {{"base_width", 64}, {"depth", 4}, {"decoder", "transposed"}}},
       build_unet},
      {{"unet-small", "The same UNet at width 16 for CPUs (2M parameters)",
        {{"base_width", 16}, {"depth", 4}, {"decoder", "transposed"}}},
       build_unet},
      // TransUNet (models/transunet.h). "pretrained": an .npz of Google's ImageNet-21k ViT
      // weights (R50+ViT-B_16.npz for transunet, ViT-B_16.npz for transunet-vit).
      {{"transunet", "TransUNet as published: R50-ViT-B/16 hybrid encoder, CUP decoder, 3 skips (105M parameters)",
        transunet_defaults("r50-vit", 224, {3, 4, 9}, 64, 32, 768, 3072, 12, 12, 512, {256, 128, 64, 16}, 3)},
       build_transunet},
      {{"transunet-vit", "TransUNet with a plain ViT-B/16 encoder, no CNN and no skips (92M parameters)",
        transunet_defaults("vit", 224, {3, 4, 9}, 64, 32, 768, 3072, 12, 12, 512, {256, 128, 64, 16}, 0)},
       build_transunet},
      {{"transunet-small", "The same R50-ViT TransUNet, narrow and shallow for CPUs (0.33M parameters)",
        transunet_defaults("r50-vit", 64, {1, 1, 1}, 16, 8, 64, 128, 4, 2, 64, {32, 16, 8, 8}, 3)},
       build_transunet},
  };
  return entries;
}

const Entry& find_entry(const std::string& name) {
  for (const auto& e : registry())
    if (e.preset.name == name) return e;
  std::string known;
  for (const auto& e : registry()) known += (known.empty() ? "" : ", ") + e.preset.name;
  throw UserError("unknown model '" + name + "' (available: " + known + ")");
}

}  // namespace

const std::vector<ModelPreset>& model_presets() {
  static std::vector<ModelPreset> presets = [] {
    std::vector<ModelPreset> out;
    for (const auto& e : registry()) out.push_back(e.preset);
    return out;
  }();
  return presets;
}

json resolved_model_options(const ModelSpec& spec) {
  const Entry& e = find_entry(spec.name);
  reject_unknown_keys(spec.options, e.preset.defaults, "options of model " + spec.name);
  return merge_json(e.preset.defaults, spec.options);
}

SegmentationModel make_model(const ModelSpec& spec, bool with_pretrained) {
  if (spec.in_channels < 1 || spec.num_classes < 2)
    throw UserError("a model needs at least one input channel and two classes (background + one)");
  json options = resolved_model_options(spec);
  if (!with_pretrained && options.contains("pretrained")) options["pretrained"] = "";
  return find_entry(spec.name).build(options, spec.in_channels, spec.num_classes);
}

json to_json(const ModelSpec& spec) {
  return {{"name", spec.name}, {"options", resolved_model_options(spec)}, {"in_channels", spec.in_channels},
          {"num_classes", spec.num_classes}};
}

ModelSpec model_spec_from_json(const json& j) {
  ModelSpec s;
  s.name = j.at("name").get<std::string>();
  s.options = j.value("options", json::object());
  s.in_channels = j.value("in_channels", 1);
  s.num_classes = j.value("num_classes", 2);
  return s;
}

}  // namespace mis
