#pragma once
// What `preprocess` does to a case's image, as data: whether it is a volume or a 2-D image, the
// colour handling, each channel's intensity mode and the geometry and intensity settings. The
// manifest records it, train copies it into the checkpoint, and `predict` applies it to new
// scans, so an unseen image is prepared exactly as the training images were (nnU-Net keeps its
// plans.json beside the model for the same reason), not as a guess from its file.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/json.h"
#include "data/volume_io.h"
#include "preprocess/image_ops.h"
#include "preprocess/plan.h"

namespace mis::prep {

struct PreprocessRecipe {
  bool volumetric = false;
  ColorMode color = ColorMode::keep;
  std::vector<std::string> channel_names;
  std::vector<Intensity> intensity;  // one per channel
  PreprocessConfig config;           // its case_identity_of keys are the ones that matter
};

PreprocessRecipe recipe_of(const DatasetPlan& plan, const PreprocessConfig& config);
json to_json(const PreprocessRecipe& recipe);
// A UserError naming `source` for a malformed recipe.
PreprocessRecipe recipe_from_json(const json& j, const std::string& source);

// The recipe of a dataset folder written by preprocess (its dataset.json names the manifest,
// which holds "recipe"); nullopt for a folder preprocess did not write (synth's, a user's own
// nnU-Net folder), whose images training read as they are stored; a null json for a manifest
// written before preprocess recorded its recipe (running preprocess again adds it).
std::optional<json> recipe_of_dataset_folder(const std::filesystem::path& folder);

// A case's image as read: its files (one per channel, or one multi-component 2-D file) checked
// to share one grid and to be finite, colour converted (2-D), with as many channels as the
// recipe declares. `type_max` is the largest value of the files' integer component type (0
// for floating point), which unit-range scaling uses.
struct SourceImage {
  Volume image;  // [C, Z, Y, X] float32, in the files' own geometry
  double type_max = 0.0;
};
SourceImage read_source_image(const PreprocessRecipe& recipe, const std::vector<std::filesystem::path>& files);

// A grid as the manifest and predict.json record it: size, spacing, origin, direction.
json grid_json(const Grid& g);

// The grid a (reoriented, when the recipe reorients) image of grid `g` is resampled onto.
Grid target_grid(const PreprocessRecipe& recipe, const Grid& g);

// Whether images end padded to config.size x config.size (2-D, resize "pad"): after
// normalisation, with pad_inplane (0 for images, background for labels).
bool pads_to_square(const PreprocessRecipe& recipe);

// Each channel of `image` ([C, Z, Y, X]) normalised by its intensity mode; `stats` receives one
// object per channel (the clipping bounds and statistics the manifest records).
torch::Tensor normalize_image(const PreprocessRecipe& recipe, const torch::Tensor& image, double type_max,
                              json& stats);

// The whole image path of `preprocess` for an image without a label (predict): read,
// reorient, resample, normalise, pad. `original` is the grid of the files, where predictions go back.
struct PreparedImage {
  Volume image;  // normalised, on the target grid
  Grid original;
};
PreparedImage prepare_image(const PreprocessRecipe& recipe, const std::vector<std::filesystem::path>& files);

}  // namespace mis::prep
