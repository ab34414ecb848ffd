#pragma once
// TransUNet (Chen et al. 2021, arXiv 2102.04306; code github.com/Beckschen/TransUNet):
// a ResNet-50 v2 hybrid stem (or none: plain ViT-B/16), patch embedding of its 1/16 map,
// a ViT encoder, and the cascaded upsampler (CUP) decoder: a 3x3 conv to 512 channels, then
// four (bilinear x2, concatenate skip, two conv3x3-BN-ReLU) blocks with skips from the
// ResNet at 1/8, 1/4 and 1/2, and a 3x3 segmentation head.
//
// Presets (models/registry.cpp): `transunet` (R50-ViT-B/16, 105M parameters with 9 classes,
// the published model), `transunet-vit` (ViT-B/16 without the CNN) and `transunet-small`
// (same structure, narrow and shallow, for CPUs). Options `pretrained` (an .npz file of
// Google's ViT/R50+ViT ImageNet-21k checkpoints) and `pretrained_partial` load weights
// into the encoder at construction; see pretrained_mapping.h.
#include <functional>
#include <vector>

#include "core/json.h"
#include "models/resnet_v2.h"
#include "models/segmentation_model.h"
#include "models/vit.h"

namespace mis {

struct TransUNetOptions {
  int in_channels = 1;  // 1 is repeated to 3 channels, as the original does for CT
  int num_classes = 2;
  bool hybrid = true;   // R50-ViT; false: ViT alone with 16x16 patches
  ResNetV2Options resnet;
  ViTOptions vit;
  // The position embeddings cover an (img_size/16)^2 grid; other input sizes resize them.
  int img_size = 224;
  int decoder_head_channels = 512;
  std::vector<int> decoder_channels = {256, 128, 64, 16};
  int n_skip = 3;       // skip connections used (0-3; 0 without the CNN)
};

// Patch embedding and learned position embeddings (resized bilinearly to the input's grid).
struct PatchEmbeddingsImpl : torch::nn::Module {
  PatchEmbeddingsImpl(int in_channels, int hidden, int patch, int grid, double dropout);
  torch::Tensor forward(const torch::Tensor& x);  // [B, C, H, W] -> [B, H/p * W/p, hidden]
  // The position embeddings for a grid_h x grid_w token grid.
  torch::Tensor position_for(int64_t grid_h, int64_t grid_w) const;
  int grid;
  torch::nn::Conv2d patch{nullptr};
  torch::Tensor position;  // [1, grid*grid, hidden]
  torch::nn::Dropout dropout{nullptr};
};
TORCH_MODULE(PatchEmbeddings);

// Upsample x2 (bilinear, align_corners as nn.UpsamplingBilinear2d), concatenate the skip,
// two conv3x3-BN-ReLU.
struct DecoderBlockImpl : torch::nn::Module {
  DecoderBlockImpl(int in, int out, int skip);
  torch::Tensor forward(torch::Tensor x, const torch::Tensor& skip);
  void fold_batch_norm();  // see SegmentationModelImpl::fold_for_inference
  torch::nn::Sequential conv1{nullptr}, conv2{nullptr};
};
TORCH_MODULE(DecoderBlock);

struct DecoderCupImpl : torch::nn::Module {
  DecoderCupImpl(int hidden, int head_channels, const std::vector<int>& channels, const std::vector<int>& skip_channels);
  // tokens [B, gh*gw, hidden]; skips deepest first, as many as are used. `tap`, when set, sees
  // each stage's feature map: 0 the tokens as a grid, 1 after conv_more, 2+i after block i.
  torch::Tensor forward(const torch::Tensor& tokens, int64_t grid_h, int64_t grid_w,
                        const std::vector<torch::Tensor>& skips,
                        const std::function<void(int stage, const torch::Tensor&)>& tap = nullptr);
  void fold_batch_norm();  // see SegmentationModelImpl::fold_for_inference
  torch::nn::Sequential conv_more{nullptr};
  torch::nn::ModuleList blocks{nullptr};
};
TORCH_MODULE(DecoderCup);

struct TransUNetImpl : SegmentationModelImpl {
  explicit TransUNetImpl(const TransUNetOptions& options);
  torch::Tensor forward(torch::Tensor images) override;
  int size_divisor() const override { return 16; }
  // "resnet" (the CNN's 1/16 map; hybrid only), "transformer" (the ViT's tokens as a 1/16
  // grid), "decoder.head" (conv_more), "decoder.0".."decoder.3" (coarse to fine); the default
  // is the last decoder block, the full-resolution map the segmentation head reads.
  std::vector<std::string> feature_layers() const override;
  std::string default_feature_layer() const override { return "decoder.3"; }
  // The decoder's conv-BN-ReLU layers, and the ResNet's weight standardisation (its GroupNorms
  // normalise per image: nothing to fold there).
  void fold_for_inference() override;
  // One binding per encoder parameter that Google's .npz checkpoints provide (the decoder
  // and head are trained from scratch, as in the paper).
  std::vector<NpzBinding> npz_bindings();

  TransUNetOptions options;
  ResNetV2 resnet{nullptr};  // hybrid only
  PatchEmbeddings embeddings{nullptr};
  TransformerEncoder encoder{nullptr};
  DecoderCup decoder{nullptr};
  torch::nn::Conv2d head{nullptr};
};
TORCH_MODULE(TransUNet);

// Reads the preset options (see registry.cpp), validates them as UserErrors, builds the
// model and loads `pretrained` when set.
TransUNetOptions transunet_options_from_json(const json& options, int in_channels, int num_classes);
SegmentationModel build_transunet(const json& options, int in_channels, int num_classes);

}  // namespace mis
