#include "models/vit.h"

#include <cmath>

namespace mis {

namespace nn = torch::nn;

namespace {
nn::LayerNorm layer_norm(int hidden) { return nn::LayerNorm(nn::LayerNormOptions({hidden}).eps(1e-6)); }

// `layer` applied as aten::linear, the operator Python's nn.Linear calls. LibTorch's C++ nn::Linear
// (torch/nn/functional/linear.h, 1.13 to 2.11) spells it out instead as addmm or matmul over
// weight.t(), a view, with the bias added after the product: under bf16 autocast that view is
// converted afresh at every call, even while the inference commands keep the weights' bf16
// copies (train/precision.h, KeptWeightCasts: autocast caches leaf tensors only), which left most
// of TransUNet's parameters (its ViT's) out. aten::linear is on CPU and CUDA autocast's bf16 list
// (aten/src/ATen/autocast_mode.cpp), so it is handed the weight itself.
torch::Tensor apply_linear(const nn::Linear& layer, const torch::Tensor& x) {
  return torch::linear(x, layer->weight, layer->bias);
}
}  // namespace

AttentionImpl::AttentionImpl(int hidden, int heads_, double dropout) : heads(heads_) {
  TORCH_CHECK(heads >= 1 && hidden % heads == 0, "attention: hidden size ", hidden, " is not divisible by ", heads,
              " heads");
  query = register_module("query", nn::Linear(hidden, hidden));
  key = register_module("key", nn::Linear(hidden, hidden));
  value = register_module("value", nn::Linear(hidden, hidden));
  out = register_module("out", nn::Linear(hidden, hidden));
  attn_dropout = register_module("attn_dropout", nn::Dropout(dropout));
  proj_dropout = register_module("proj_dropout", nn::Dropout(dropout));
}

torch::Tensor AttentionImpl::forward(const torch::Tensor& x) {
  const int64_t batch = x.size(0), tokens = x.size(1), hidden = x.size(2), head_dim = hidden / heads;
  auto split_heads = [&](const torch::Tensor& t) { return t.view({batch, tokens, heads, head_dim}).permute({0, 2, 1, 3}); };
  const auto q = split_heads(apply_linear(query, x)), k = split_heads(apply_linear(key, x)),
             v = split_heads(apply_linear(value, x));
  // Explicit matmuls rather than a fused kernel: model-info counts them, and they match the port.
  auto probs = torch::softmax(torch::matmul(q, k.transpose(-1, -2)) / std::sqrt(static_cast<double>(head_dim)), -1);
  probs = attn_dropout->forward(probs);
  const auto context = torch::matmul(probs, v).permute({0, 2, 1, 3}).reshape({batch, tokens, hidden});
  return proj_dropout->forward(apply_linear(out, context));
}

MlpImpl::MlpImpl(int hidden, int mlp_dim, double p) {
  fc1 = register_module("fc1", nn::Linear(hidden, mlp_dim));
  fc2 = register_module("fc2", nn::Linear(mlp_dim, hidden));
  dropout = register_module("dropout", nn::Dropout(p));
  // The port's initialisation (from the JAX original): Xavier-uniform kernels, near-zero biases.
  torch::NoGradGuard no_grad;
  for (auto* fc : {&fc1, &fc2}) {
    nn::init::xavier_uniform_((*fc)->weight);
    nn::init::normal_((*fc)->bias, 0.0, 1e-6);
  }
}

torch::Tensor MlpImpl::forward(const torch::Tensor& x) {
  auto y = dropout->forward(torch::gelu(apply_linear(fc1, x)));
  return dropout->forward(apply_linear(fc2, y));
}

EncoderBlockImpl::EncoderBlockImpl(const ViTOptions& o) {
  attention_norm = register_module("attention_norm", layer_norm(o.hidden));
  ffn_norm = register_module("ffn_norm", layer_norm(o.hidden));
  ffn = register_module("ffn", Mlp(o.hidden, o.mlp_dim, o.dropout));
  attn = register_module("attn", Attention(o.hidden, o.heads, o.attention_dropout));
}

torch::Tensor EncoderBlockImpl::forward(const torch::Tensor& input) {
  auto x = input + attn->forward(attention_norm->forward(input));
  return x + ffn->forward(ffn_norm->forward(x));
}

void EncoderBlockImpl::add_npz_bindings(const std::string& prefix, std::vector<NpzBinding>& out) {
  const std::string mha = prefix + "/MultiHeadDotProductAttention_1/";
  const std::pair<const char*, nn::Linear> projections[] = {
      {"query", attn->query}, {"key", attn->key}, {"value", attn->value}};
  for (const auto& [name, linear] : projections) {
    out.push_back({mha + name + "/kernel", linear->weight, NpzLayout::kAttentionIn});
    out.push_back({mha + name + "/bias", linear->bias, NpzLayout::kAttentionBias});
  }
  out.push_back({mha + "out/kernel", attn->out->weight, NpzLayout::kAttentionOut});
  out.push_back({mha + "out/bias", attn->out->bias, NpzLayout::kVector});
  out.push_back({prefix + "/MlpBlock_3/Dense_0/kernel", ffn->fc1->weight, NpzLayout::kDense});
  out.push_back({prefix + "/MlpBlock_3/Dense_0/bias", ffn->fc1->bias, NpzLayout::kVector});
  out.push_back({prefix + "/MlpBlock_3/Dense_1/kernel", ffn->fc2->weight, NpzLayout::kDense});
  out.push_back({prefix + "/MlpBlock_3/Dense_1/bias", ffn->fc2->bias, NpzLayout::kVector});
  out.push_back({prefix + "/LayerNorm_0/scale", attention_norm->weight, NpzLayout::kVector});
  out.push_back({prefix + "/LayerNorm_0/bias", attention_norm->bias, NpzLayout::kVector});
  out.push_back({prefix + "/LayerNorm_2/scale", ffn_norm->weight, NpzLayout::kVector});
  out.push_back({prefix + "/LayerNorm_2/bias", ffn_norm->bias, NpzLayout::kVector});
}

TransformerEncoderImpl::TransformerEncoderImpl(const ViTOptions& o) {
  TORCH_CHECK(o.layers >= 1, "transformer: needs at least one layer");
  layer = register_module("layer", nn::ModuleList());
  for (int i = 0; i < o.layers; ++i) layer->push_back(EncoderBlock(o));
  encoder_norm = register_module("encoder_norm", layer_norm(o.hidden));
}

torch::Tensor TransformerEncoderImpl::forward(torch::Tensor x) {
  for (const auto& block : *layer) x = block->as<EncoderBlock>()->forward(x);
  return encoder_norm->forward(x);
}

void TransformerEncoderImpl::add_npz_bindings(std::vector<NpzBinding>& out) {
  for (size_t i = 0; i < layer->size(); ++i)
    layer->ptr<EncoderBlockImpl>(i)->add_npz_bindings("Transformer/encoderblock_" + std::to_string(i), out);
  out.push_back({"Transformer/encoder_norm/scale", encoder_norm->weight, NpzLayout::kVector});
  out.push_back({"Transformer/encoder_norm/bias", encoder_norm->bias, NpzLayout::kVector});
}

}  // namespace mis
