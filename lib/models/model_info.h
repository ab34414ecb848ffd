#pragma once
// What `mis-spectral model-info` reports about a model: parameters (total and trainable, per
// top-level block), the output shape, and the forward FLOPs for one image.
//
// FLOPs are counted while a real forward pass runs, by observing LibTorch's operator calls
// (ATen RecordFunction callbacks, the mechanism behind torch.profiler's with_flops), from the
// operands' shapes. Counted, at 1 multiply-add = 2 FLOPs:
//   convolutions (and transposed ones): 2 x batch x output pixels x weight elements
//                                       (transposed: input pixels instead of output pixels),
//   linear layers:                      2 x input rows x in_features x out_features
//                                       (aten::linear, and products with a 2-D matrix, which
//                                       is what LibTorch's nn::Linear calls: addmm, matmul, mm),
//   batched matrix products (attention's QK^T and AV; matmul/bmm/baddbmm):
//                                       2 x output elements x inner size.
// Not counted: bias additions, normalisation, activations, softmax, pooling, interpolation,
// residual additions and weight standardisation (all linear in the activations, small beside
// the above). An operator nested in a counted one (linear -> addmm) is counted once.
#include <functional>
#include <string>
#include <vector>

#include "core/json.h"
#include "models/registry.h"

namespace mis {

struct FlopCount {
  int64_t convolution = 0;
  int64_t linear = 0;
  int64_t matmul = 0;
  int64_t total() const { return convolution + linear + matmul; }
};

// Runs `forward` on this thread and counts the FLOPs of the operators it calls.
FlopCount count_flops(const std::function<void()>& forward);

struct BlockParameters {
  std::string name;  // a top-level child module, or "(own)" for parameters held by the model itself
  int64_t total = 0;
  int64_t trainable = 0;
};

struct ModelInfo {
  ModelSpec spec;
  json options;  // resolved
  int size = 0;
  int64_t total_parameters = 0;
  int64_t trainable_parameters = 0;
  std::vector<BlockParameters> blocks;
  std::vector<int64_t> input_shape, output_shape;
  FlopCount flops;
};

// Counts parameters per block of any torch module.
std::vector<BlockParameters> parameters_by_block(const torch::nn::Module& model);

// Builds the model, counts its parameters and runs one forward pass (eval mode, no
// gradients) on a 1 x in_channels x size x size image of zeros on the CPU.
// A size the model cannot take is a UserError.
ModelInfo describe_model(const ModelSpec& spec, int size);

json to_json(const ModelInfo& info);
std::string format_model_info(const ModelInfo& info);

}  // namespace mis
