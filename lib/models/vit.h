#pragma once
// The Vision Transformer encoder (Dosovitskiy et al., ICLR 2021, arXiv 2010.11929) as
// TransUNet's PyTorch port builds it (github.com/Beckschen/TransUNet,
// networks/vit_seg_modeling.py): pre-norm blocks of multi-head self-attention and a GELU
// MLP, LayerNorm eps 1e-6, and a final LayerNorm. Parameter names follow that port so the
// official .npz arrays map one to one (see add_npz_bindings).
#include <string>
#include <vector>

#include <torch/torch.h>

#include "models/pretrained_mapping.h"

namespace mis {

struct ViTOptions {
  int hidden = 768;
  int mlp_dim = 3072;
  int heads = 12;
  int layers = 12;
  double dropout = 0.1;            // embeddings and MLP, as published
  double attention_dropout = 0.0;  // attention probabilities and output projection
};

struct AttentionImpl : torch::nn::Module {
  AttentionImpl(int hidden, int heads, double dropout);
  torch::Tensor forward(const torch::Tensor& x);  // [B, N, hidden]
  int heads;
  torch::nn::Linear query{nullptr}, key{nullptr}, value{nullptr}, out{nullptr};
  torch::nn::Dropout attn_dropout{nullptr}, proj_dropout{nullptr};
};
TORCH_MODULE(Attention);

struct MlpImpl : torch::nn::Module {
  MlpImpl(int hidden, int mlp_dim, double dropout);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
  torch::nn::Dropout dropout{nullptr};
};
TORCH_MODULE(Mlp);

// x + Attention(LN(x)), then x + Mlp(LN(x)).
struct EncoderBlockImpl : torch::nn::Module {
  explicit EncoderBlockImpl(const ViTOptions& options);
  torch::Tensor forward(const torch::Tensor& x);
  void add_npz_bindings(const std::string& prefix, std::vector<NpzBinding>& out);
  torch::nn::LayerNorm attention_norm{nullptr}, ffn_norm{nullptr};
  Attention attn{nullptr};
  Mlp ffn{nullptr};
};
TORCH_MODULE(EncoderBlock);

struct TransformerEncoderImpl : torch::nn::Module {
  explicit TransformerEncoderImpl(const ViTOptions& options);
  torch::Tensor forward(torch::Tensor x);  // [B, N, hidden] -> [B, N, hidden]
  // "Transformer/encoderblock_<i>/..." and "Transformer/encoder_norm/...".
  void add_npz_bindings(std::vector<NpzBinding>& out);
  torch::nn::ModuleList layer{nullptr};
  torch::nn::LayerNorm encoder_norm{nullptr};
};
TORCH_MODULE(TransformerEncoder);

}  // namespace mis
