#include "data/augment.h"

#include <cmath>

#include "core/rng.h"

namespace mis {

namespace F = torch::nn::functional;

json to_json(const AugmentOptions& o) {
  return {{"enabled", o.enabled},
          {"rot90_flip", o.rot90_flip},
          {"p_affine", o.p_affine},
          {"max_rotation_deg", o.max_rotation_deg},
          {"max_scale_delta", o.max_scale_delta}};
}

AugmentOptions augment_options_from_json(const json& j) {
  AugmentOptions o;
  o.enabled = j.at("enabled").get<bool>();
  o.rot90_flip = j.at("rot90_flip").get<bool>();
  o.p_affine = j.at("p_affine").get<double>();
  o.max_rotation_deg = j.at("max_rotation_deg").get<double>();
  o.max_scale_delta = j.at("max_scale_delta").get<double>();
  return o;
}

namespace {

// Rotation by `angle` and scaling by `scale` about the centre, by resampling through an affine grid.
Sample rotate_scale(const Sample& s, double angle, double scale) {
  const double c = std::cos(angle) / scale, sn = std::sin(angle) / scale;
  const auto theta = torch::tensor({{c, -sn, 0.0}, {sn, c, 0.0}}, torch::kFloat32).unsqueeze(0);
  const auto image = s.image.unsqueeze(0);
  const auto grid = F::affine_grid(theta, image.sizes(), /*align_corners=*/false);
  const auto warped = F::grid_sample(
      image, grid, F::GridSampleFuncOptions().mode(torch::kBilinear).padding_mode(torch::kZeros).align_corners(false));
  const auto label = F::grid_sample(
      s.label.unsqueeze(0).unsqueeze(0).to(torch::kFloat32), grid,
      F::GridSampleFuncOptions().mode(torch::kNearest).padding_mode(torch::kZeros).align_corners(false));
  return {warped[0], label[0][0].round().to(torch::kLong)};
}

}  // namespace

Sample augment_sample(const Sample& in, const AugmentOptions& o, std::uint64_t seed) {
  if (!o.enabled) return in;
  Rng rng(seed);
  Sample s = in;
  if (o.rot90_flip) {
    const auto k = static_cast<int64_t>(rng.below(4));
    if (k) {
      s.image = torch::rot90(s.image, k, {1, 2});
      s.label = torch::rot90(s.label, k, {0, 1});
    }
    if (rng.chance(0.5)) {
      s.image = s.image.flip({2});
      s.label = s.label.flip({1});
    }
  }
  if (o.p_affine > 0 && rng.chance(o.p_affine)) {
    const double angle = rng.uniform(-o.max_rotation_deg, o.max_rotation_deg) * M_PI / 180.0;
    const double scale = rng.uniform(1.0 - o.max_scale_delta, 1.0 + o.max_scale_delta);
    s = rotate_scale(s, angle, scale);
  }
  s.image = s.image.contiguous();
  s.label = s.label.contiguous();
  return s;
}

}  // namespace mis
