#pragma once
// `explain`: Grad-CAM maps (Selvaraju et al., ICCV 2017, arXiv 1610.02391) of a chosen layer
// and class, adapted to segmentation as in Vinogradova et al. (AAAI 2020, arXiv 2002.11434):
// the score explained is the sum of the class's logits over the pixels predicted as that class.
// Per (case, class) it writes a heat-map PNG, an overlay PNG (reference red, prediction green,
// overlap yellow; the paper's figure 5), and the share of the map's energy inside the reference
// mask, so models can be compared by a number and not only by eye.
//
// Result (result_schema.h): result_header("explain") + "config", "train_config", "model",
// "classes", "layer", "layers" (the model's capturable ones), "images_folder" (relative to the
// JSON's folder), "method", and
//   "evaluations": [{"role": "iid", "dataset": {"name","domain","location","fingerprint","cases"},
//     "cases": [{"id", "domain", "slice", "slice_basis", "class", "energy_in_mask" (null: see "note"),
//                "dsc" (that slice and class; null when both masks are empty), "reference_pixels",
//                "predicted_pixels", "images": {"gradcam": "<path relative to the JSON's folder>",
//                "overlay": "<relative path>"}}],
//     "summary": {"per_class": {...as eval's...}, "mean": {"energy_in_mask": x, "dsc": y}}, "seconds"}]
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "models/segmentation_model.h"

namespace mis {

struct ExplainConfig {
  std::string checkpoint;                // a checkpoint.pt written by train, or its run folder
  std::string checkpoint_kind = "last";  // last | best (train/trainer.h, resolve_checkpoint)
  std::string data;
  std::string split = "test";
  std::string output;               // the result JSON
  std::string images;               // folder of the PNGs; "" = the output path without ".json"
  std::string layer;                // "" = the model's default_feature_layer() (its last decoder block)
  std::string class_name;           // JSON key "class"; "" = every foreground class, one entry each
  std::vector<std::string> cases;   // case ids, in this order; empty = the first num_cases ids, sorted
  int64_t num_cases = 4;
  std::string overlay_style = "fill";  // fill | outline (viz/images.h)
  int64_t min_image_size = 256;        // PNGs smaller than this are enlarged (nearest neighbour)
  int64_t batch_size = 16;
  int threads = 0;
  std::string device = "cpu";
};

// Written by hand, not with MIS_CONFIG_KEYS (core/config.h): the key "class" is a C++ keyword.
void to_json(json& j, const ExplainConfig& c);
void from_json(const json& j, ExplainConfig& c);
inline json to_json(const ExplainConfig& c) { return json(c); }
void validate(const ExplainConfig& c, const std::string& source);

// The Grad-CAM map [h, w] (float32, >= 0) of an activation A [1, C, h, w] and the gradient
// dS/dA of the explained score S: ReLU(sum_k alpha_k A_k) with alpha_k the spatial mean of
// dS/dA_k (Selvaraju et al. 2017, equations 1-2).
torch::Tensor grad_cam_map(const torch::Tensor& activation, const torch::Tensor& gradient);

// Grad-CAM of class `cls` for one input [1, C, H, W] (on the model's device) at `layer` (one
// of model.feature_layers()). The score is the sum of the class's logits over the pixels whose
// argmax is the class, or over all pixels when none is. Returns the map at the layer's
// resolution (CPU) and the logits [1, K, H, W] (detached).
struct GradCam {
  torch::Tensor map;
  torch::Tensor logits;
};
GradCam grad_cam(SegmentationModelImpl& model, const torch::Tensor& input, int64_t cls, const std::string& layer);

// A map [h, w] resized bilinearly (align_corners false, as the logits are) to height x width.
torch::Tensor upsample_map(const torch::Tensor& map, int64_t height, int64_t width);

// sum(map inside mask) / sum(map) for a map >= 0 and a mask of the same size; null when the
// map sums to zero or the mask is empty (no share to speak of).
std::optional<double> energy_in_mask(const torch::Tensor& map, const torch::Tensor& mask);

// The slice of a case shown for class `cls`: the one with the largest reference area of the
// class, else (reference empty) the largest predicted area, else the middle slice; the first
// of equals. `basis` says which ("reference" | "prediction" | "middle").
struct SliceChoice {
  int64_t slice = 0;
  std::string basis;
};
SliceChoice choose_slice(const torch::Tensor& reference, const torch::Tensor& prediction, int64_t cls);

// Runs `explain`: writes the PNGs and then config.output atomically, and returns the document.
json run_explain(const ExplainConfig& config);

}  // namespace mis
