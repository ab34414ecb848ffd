#pragma once
// Checkpoints: model weights and buffers, optimiser state, step, torch's RNG state and the
// full configuration, in one LibTorch archive written atomically (a kill mid-write leaves
// the previous checkpoint intact).
#include <filesystem>
#include <optional>

#include "core/json.h"
#include "models/registry.h"

namespace mis {

struct CheckpointMeta {
  int64_t step = 0;
  int64_t total_steps = 0;
  json train_config;            // to_json(TrainConfig)
  json model;                   // to_json(ModelSpec), resolved
  std::vector<std::string> class_names;
  std::string code_version;
  // How the training images were prepared, for predict: {"recipe": <the dataset's preprocessing
  // recipe (preprocess/recipe.h), or null for data preprocess did not write>}. null in
  // checkpoints written before it was recorded.
  json preprocessing;
  // With validation during training: {"best_dsc", "best_step"} so far (null without), so that a
  // resumed run keeps the best checkpoint it had.
  json validation;
};

void save_checkpoint(const std::filesystem::path& path, const CheckpointMeta& meta, torch::nn::Module& model,
                     torch::optim::Optimizer* optimizer);

// Reads only the metadata (to build the right model before loading weights).
CheckpointMeta read_checkpoint_meta(const std::filesystem::path& path);

// Loads weights (and the optimiser state when given) into already-built objects; restores torch's
// CPU RNG state. A missing, truncated or foreign file is a UserError naming it.
void load_checkpoint_state(const std::filesystem::path& path, torch::nn::Module& model,
                           torch::optim::Optimizer* optimizer);

// Whether every parameter and floating-point buffer is finite. A step that leaves NaN or
// infinite weights must not become a run's checkpoint (its loss, computed before the update,
// can still be finite), and such weights must not be evaluated as if they were a model.
bool weights_finite(torch::nn::Module& model);

// The model a checkpoint describes, with its weights, on `device`, in eval mode.
struct LoadedModel {
  CheckpointMeta meta;
  ModelSpec spec;
  SegmentationModel model;
};
// Non-finite weights are a UserError naming the file.
LoadedModel load_model_for_inference(const std::filesystem::path& path, const torch::Device& device);

}  // namespace mis
