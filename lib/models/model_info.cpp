#include "models/model_info.h"

#include <ATen/record_function.h>
#include <fmt/format.h>

#include <cstring>

#include "core/error.h"

namespace mis {

namespace {

enum class OpKind { kNone, kConvolution, kTransposedConvolution, kMaybeTransposedConvolution, kLinear, kLinearProduct, kMatmul };

OpKind classify(const char* name) {
  static const std::pair<const char*, OpKind> kinds[] = {
      {"aten::conv1d", OpKind::kConvolution},
      {"aten::conv2d", OpKind::kConvolution},
      {"aten::conv3d", OpKind::kConvolution},
      {"aten::conv_transpose1d", OpKind::kTransposedConvolution},
      {"aten::conv_transpose2d", OpKind::kTransposedConvolution},
      {"aten::conv_transpose3d", OpKind::kTransposedConvolution},
      // The generic entry points carry a `transposed` flag (argument 6).
      {"aten::convolution", OpKind::kMaybeTransposedConvolution},
      {"aten::_convolution", OpKind::kMaybeTransposedConvolution},
      {"aten::linear", OpKind::kLinear},
      {"aten::matmul", OpKind::kMatmul},
      {"aten::mm", OpKind::kMatmul},
      {"aten::bmm", OpKind::kMatmul},
      {"aten::addmm", OpKind::kMatmul},
      {"aten::baddbmm", OpKind::kMatmul},
  };
  for (const auto& [n, kind] : kinds)
    if (std::strcmp(name, n) == 0) return kind;
  return OpKind::kNone;
}

struct Counter {
  FlopCount flops;
  int depth = 0;  // > 0 while inside a counted operator: what it calls is part of it
};
thread_local Counter* active_counter = nullptr;

struct OpContext : at::ObserverContext {
  OpKind kind = OpKind::kNone;
  bool transposed = false;
  std::vector<int64_t> input_shape, weight_shape;  // first two operands
  int64_t inner = 0;                               // matmul: the contracted size
};

std::vector<int64_t> shape_of(const c10::IValue& v) {
  return v.isTensor() ? v.toTensor().sizes().vec() : std::vector<int64_t>{};
}

int64_t product(const std::vector<int64_t>& dims, size_t from = 0) {
  int64_t p = 1;
  for (size_t i = from; i < dims.size(); ++i) p *= dims[i];
  return p;
}

std::unique_ptr<at::ObserverContext> on_start(const at::RecordFunction& fn) {
  if (!active_counter) return nullptr;
  if (active_counter->depth > 0) {
    ++active_counter->depth;
    return std::make_unique<OpContext>();
  }
  const OpKind kind = classify(fn.name());
  if (kind == OpKind::kNone) return nullptr;
  auto ctx = std::make_unique<OpContext>();
  ctx->kind = kind;
  const auto inputs = fn.inputs();
  if (inputs.size() < 2) return nullptr;
  ctx->input_shape = shape_of(inputs[0]);
  ctx->weight_shape = shape_of(inputs[1]);
  ctx->transposed = kind == OpKind::kTransposedConvolution ||
                    (kind == OpKind::kMaybeTransposedConvolution && inputs.size() > 6 && inputs[6].isBool() &&
                     inputs[6].toBool());
  if (kind == OpKind::kMatmul) {
    // addmm/baddbmm take the added term first.
    const bool with_addend = std::strcmp(fn.name(), "aten::addmm") == 0 || std::strcmp(fn.name(), "aten::baddbmm") == 0;
    const auto first = with_addend && inputs.size() > 2 ? shape_of(inputs[1]) : ctx->input_shape;
    const auto second = with_addend && inputs.size() > 2 ? shape_of(inputs[2]) : ctx->weight_shape;
    ctx->inner = first.empty() ? 0 : first.back();
    // LibTorch's nn::Linear calls addmm or matmul with weight.t(), not aten::linear: a product
    // with a 2-D matrix is a linear layer, a batched one (attention's QK^T, AV) a matmul.
    if (second.size() <= 2) ctx->kind = OpKind::kLinearProduct;
  }
  ++active_counter->depth;
  return ctx;
}

void on_end(const at::RecordFunction& fn, at::ObserverContext* raw) {
  if (!active_counter || !raw) return;
  --active_counter->depth;
  auto* ctx = static_cast<OpContext*>(raw);
  if (ctx->kind == OpKind::kNone) return;
  const auto& outputs = fn.outputs();
  const std::vector<int64_t> out = outputs.empty() ? std::vector<int64_t>{} : shape_of(outputs[0]);
  FlopCount& f = active_counter->flops;
  switch (ctx->kind) {
    case OpKind::kConvolution:
    case OpKind::kTransposedConvolution:
    case OpKind::kMaybeTransposedConvolution: {
      // Each weight element meets each output pixel once (transposed: each input pixel once).
      const auto& pixels_of = ctx->transposed ? ctx->input_shape : out;
      if (pixels_of.size() < 2) break;
      f.convolution += 2 * pixels_of[0] * product(pixels_of, 2) * product(ctx->weight_shape);
      break;
    }
    case OpKind::kLinear:
      if (ctx->input_shape.empty() || ctx->weight_shape.size() != 2) break;
      f.linear += 2 * (product(ctx->input_shape) / ctx->input_shape.back()) * product(ctx->weight_shape);
      break;
    case OpKind::kLinearProduct:
      f.linear += 2 * product(out) * ctx->inner;
      break;
    case OpKind::kMatmul:
      f.matmul += 2 * product(out) * ctx->inner;
      break;
    case OpKind::kNone:
      break;
  }
}

}  // namespace

FlopCount count_flops(const std::function<void()>& forward) {
  Counter counter;
  TORCH_CHECK(active_counter == nullptr, "count_flops does not nest");
  active_counter = &counter;
  const auto handle = at::addThreadLocalCallback(
      at::RecordFunctionCallback(on_start, on_end).needsInputs(true).needsOutputs(true));
  try {
    forward();
  } catch (...) {
    at::removeCallback(handle);
    active_counter = nullptr;
    throw;
  }
  at::removeCallback(handle);
  active_counter = nullptr;
  return counter.flops;
}

std::vector<BlockParameters> parameters_by_block(const torch::nn::Module& model) {
  std::vector<BlockParameters> blocks;
  auto count = [](const std::vector<torch::Tensor>& params, BlockParameters& b) {
    for (const auto& p : params) {
      b.total += p.numel();
      if (p.requires_grad()) b.trainable += p.numel();
    }
  };
  BlockParameters own{"(own)"};
  count(model.parameters(/*recurse=*/false), own);
  if (own.total > 0) blocks.push_back(own);
  for (const auto& child : model.named_children()) {
    BlockParameters b{child.key()};
    count(child.value()->parameters(), b);
    blocks.push_back(b);
  }
  return blocks;
}

ModelInfo describe_model(const ModelSpec& spec, int size) {
  ModelInfo info;
  info.spec = spec;
  info.options = resolved_model_options(spec);
  info.size = size;
  SegmentationModel model = make_model(spec);
  const int divisor = model->size_divisor();
  if (size < divisor || size % divisor != 0)
    throw UserError(fmt::format("--size {}: model {} takes image sizes that are multiples of {}", size, spec.name, divisor));
  info.blocks = parameters_by_block(*model);
  for (const auto& b : info.blocks) {
    info.total_parameters += b.total;
    info.trainable_parameters += b.trainable;
  }
  model->eval();
  torch::NoGradGuard no_grad;
  const auto input = torch::zeros({1, spec.in_channels, size, size});
  info.input_shape = input.sizes().vec();
  torch::Tensor output;
  info.flops = count_flops([&] { output = model->forward(input); });
  info.output_shape = output.sizes().vec();
  return info;
}

json to_json(const ModelInfo& info) {
  json blocks = json::array();
  for (const auto& b : info.blocks) blocks.push_back({{"name", b.name}, {"total", b.total}, {"trainable", b.trainable}});
  return {{"model", to_json(info.spec)},
          {"size", info.size},
          {"parameters", {{"total", info.total_parameters}, {"trainable", info.trainable_parameters}, {"blocks", blocks}}},
          {"input_shape", info.input_shape},
          {"output_shape", info.output_shape},
          {"flops",
           {{"total", info.flops.total()},
            {"convolution", info.flops.convolution},
            {"linear", info.flops.linear},
            {"matmul", info.flops.matmul},
            {"counted", "forward pass, one image; 1 multiply-add = 2 FLOPs; convolutions, linear layers and "
                        "matrix products only"}}}};
}

namespace {
std::string shape_text(const std::vector<int64_t>& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) out += (i ? " x " : "") + std::to_string(s[i]);
  return out;
}
std::string millions(int64_t n) { return fmt::format("{:.3f}M", static_cast<double>(n) / 1e6); }
std::string giga(int64_t n) { return fmt::format("{:.3f} GFLOPs", static_cast<double>(n) / 1e9); }
}  // namespace

std::string format_model_info(const ModelInfo& info) {
  std::string out = fmt::format("model {} ({} input channel{}, {} classes)\n", info.spec.name, info.spec.in_channels,
                                info.spec.in_channels == 1 ? "" : "s", info.spec.num_classes);
  out += fmt::format("options {}\n", info.options.dump());
  out += fmt::format("parameters: {} total ({}), {} trainable\n", info.total_parameters, millions(info.total_parameters),
                     info.trainable_parameters);
  size_t width = 5;
  for (const auto& b : info.blocks) width = std::max(width, b.name.size());
  out += fmt::format("  {:<{}}  {:>12}  {:>12}\n", "block", width, "total", "trainable");
  for (const auto& b : info.blocks) out += fmt::format("  {:<{}}  {:>12}  {:>12}\n", b.name, width, b.total, b.trainable);
  out += fmt::format("input {} -> output {}\n", shape_text(info.input_shape), shape_text(info.output_shape));
  out += fmt::format("forward FLOPs (one image, {}x{}): {} = convolutions {} + linear {} + matmul {}\n", info.size,
                     info.size, giga(info.flops.total()), giga(info.flops.convolution), giga(info.flops.linear),
                     giga(info.flops.matmul));
  out += "  (1 multiply-add = 2 FLOPs; biases, norms, activations, softmax, pooling and interpolation not counted)\n";
  return out;
}

}  // namespace mis
