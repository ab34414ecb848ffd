#pragma once
// Maps the arrays of Google's ViT / R50+ViT .npz checkpoints onto LibTorch parameters.
// A model lists one NpzBinding per parameter it can take from such a file (array name,
// parameter, layout); this file converts each array from its JAX/Flax layout to PyTorch's
// and checks that names and shapes agree, as the official TransUNet `load_from` methods do
// (github.com/Beckschen/TransUNet, networks/vit_seg_modeling*.py), but with every mismatch
// reported instead of a KeyError on the first.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <torch/torch.h>

namespace mis {

// How a stored array relates to its PyTorch parameter.
enum class NpzLayout {
  kVector,             // norm scale/bias, dense bias: (C,) or (1, ..., 1, C) -> (C)
  kConv,               // Flax conv kernel HWIO [h,w,i,o] -> OIHW [o,i,h,w]
  kDense,              // Flax dense kernel (in, out) -> torch::nn::Linear weight (out, in)
  kAttentionIn,        // query/key/value kernel (in, heads, head_dim) or (in, out) -> (out, in)
  kAttentionOut,       // attention output kernel (heads, head_dim, out) or (in, out) -> (out, in)
  kAttentionBias,      // query/key/value bias (heads, head_dim) or (out,) -> (out)
  kPositionEmbedding,  // (1, [1 +] g*g, D): the class token is dropped and the g x g grid
                       // resized bilinearly to the model's grid when they differ
};

struct NpzBinding {
  std::string name;     // e.g. "block1/unit1/conv1/kernel"
  torch::Tensor target; // the parameter it fills, in PyTorch's layout
  NpzLayout layout;
};

// Converts `stored` to `layout`'s PyTorch form with shape `target_shape`. When the stored
// shape does not fit, returns an undefined tensor and says why in `problem`.
torch::Tensor npz_to_torch(const torch::Tensor& stored, NpzLayout layout, torch::IntArrayRef target_shape,
                           std::string& problem);

// Arrays of the ImageNet classifier (class token, pre-logits and head) that a segmentation
// model has no use for: present in every official file, so they are skipped, not errors.
bool is_classifier_array(const std::string& name);

struct PretrainedReport {
  std::vector<std::string> loaded;       // binding names that took their stored values
  std::vector<std::string> missing;      // bindings with no array in the file
  std::vector<std::string> unexpected;   // arrays no binding uses (classifier arrays excluded)
  std::vector<std::string> wrong_shape;  // "name (stored [..], expected [..])"
  std::vector<std::string> ignored;      // classifier arrays
  bool complete() const { return missing.empty() && unexpected.empty() && wrong_shape.empty(); }
};

// Copies `arrays` into the bound parameters. Unless `partial`, any missing, unexpected or
// wrong-shaped name is a UserError listing them, starting with `source`, and nothing is
// changed; with `partial`, every array that fits is loaded and the report says what was not.
PretrainedReport assign_npz_arrays(const std::map<std::string, torch::Tensor>& arrays,
                                   const std::vector<NpzBinding>& bindings, bool partial, const std::string& source);

// read_npz + assign_npz_arrays.
PretrainedReport load_npz_weights(const std::filesystem::path& file, const std::vector<NpzBinding>& bindings,
                                  bool partial);

// One line for a partial load: how many loaded, and the names skipped.
std::string describe_partial_load(const PretrainedReport& report);

}  // namespace mis
