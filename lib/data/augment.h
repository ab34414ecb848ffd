#pragma once
// Seeded 2-D augmentation (TransUNet's recipe): a random rot90 + flip, and with probability
// p_affine a small rotation and scaling. Every draw comes from the given seed, so a sample's
// augmentation is a pure function of (seed, step, position in batch).
#include <cstdint>

#include <torch/torch.h>

#include "core/json.h"

namespace mis {

struct AugmentOptions {
  bool enabled = true;
  bool rot90_flip = true;
  double p_affine = 0.5;
  double max_rotation_deg = 20.0;
  double max_scale_delta = 0.1;  // scale drawn from [1 - d, 1 + d]
};

json to_json(const AugmentOptions& o);
AugmentOptions augment_options_from_json(const json& j);

struct Sample {
  torch::Tensor image;  // [C, H, W] float
  torch::Tensor label;  // [H, W] int64
};

Sample augment_sample(const Sample& in, const AugmentOptions& options, std::uint64_t seed);

}  // namespace mis
