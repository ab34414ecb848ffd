#include "data/intensity.h"

#include "core/error.h"

namespace mis {

Normalization parse_normalization(const std::string& name) {
  if (name == "zscore") return Normalization::zscore;
  if (name == "minmax") return Normalization::minmax;
  if (name == "none") return Normalization::none;
  throw UserError("unknown normalization '" + name + "' (expected zscore, minmax or none)");
}

std::string to_string(Normalization n) {
  switch (n) {
    case Normalization::zscore: return "zscore";
    case Normalization::minmax: return "minmax";
    case Normalization::none: return "none";
  }
  return "?";
}

torch::Tensor normalize_volume(const torch::Tensor& image, Normalization n) {
  const auto flat = image.flatten(1);
  switch (n) {
    case Normalization::zscore: {
      const auto mean = flat.mean(1).view({-1, 1, 1, 1});
      const auto sd = flat.std(1).view({-1, 1, 1, 1}).clamp_min(1e-6);
      return (image - mean) / sd;
    }
    case Normalization::minmax: {
      const auto lo = std::get<0>(flat.min(1)).view({-1, 1, 1, 1});
      const auto hi = std::get<0>(flat.max(1)).view({-1, 1, 1, 1});
      return (image - lo) / (hi - lo).clamp_min(1e-6);
    }
    case Normalization::none: return image.clone();
  }
  return image;
}

}  // namespace mis
