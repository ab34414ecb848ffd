#pragma once
// Every architecture is built here, by name, from JSON options: the rest of the program
// (train, eval, checkpoints) names models and never special-cases one.
#include <string>
#include <vector>

#include "core/json.h"
#include "models/segmentation_model.h"

namespace mis {

struct ModelSpec {
  std::string name = "unet-small";  // a preset from model_presets()
  json options = json::object();    // overrides of the preset's options
  int in_channels = 1;
  int num_classes = 2;
};

struct ModelPreset {
  std::string name;
  std::string description;
  json defaults;  // the preset's full option set; `options` may override any of these keys
};

const std::vector<ModelPreset>& model_presets();

// The preset defaults overlaid with spec.options; unknown keys are a UserError.
json resolved_model_options(const ModelSpec& spec);

// `with_pretrained` false skips any "pretrained" weight file named in the options: used when
// a checkpoint's weights are about to replace them anyway (eval of a finished run).
SegmentationModel make_model(const ModelSpec& spec, bool with_pretrained = true);

json to_json(const ModelSpec& spec);
ModelSpec model_spec_from_json(const json& j);

}  // namespace mis
