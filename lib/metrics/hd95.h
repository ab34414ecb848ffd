#pragma once
// The 95th-percentile Hausdorff distance between two binary masks (docs/method.md section 3).
//
// medpy.metric.binary.hd95 (the definition TransUNet reports): the surface of a mask is the
// set of its voxels removed by one binary erosion with connectivity 1 (face neighbours; voxels
// outside the image count as background, scipy's border_value=0). For every surface voxel of A
// take the Euclidean distance (in millimetres, from the voxel spacing) to the nearest surface
// voxel of B, and vice versa; concatenate both sets and report their 95th percentile
// (numpy.percentile, linear interpolation).
// MONAI's variant (compute_hausdorff_distance(percentile=95), not directed) is the maximum of
// the two directed 95th percentiles; it is offered as the named option `monai`.
//
// A volume with one slice (Z = 1, a 2-D image) is treated as 2-D: erosion uses the in-plane
// neighbours only, as medpy does for a 2-D array.
//
// The distances come from an exact Euclidean distance transform (ITK's Maurer filter) over the
// bounding box of both masks plus a one-voxel margin, never from a pairwise search, so a
// 512x512x200 CT volume scores in seconds. Needs ITK: in a build without it every call throws.
#include <algorithm>
#include <array>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "core/error.h"
#include "metrics/overlap.h"

namespace mis {

enum class Hd95Variant {
  medpy,  // 95th percentile of both directed distance sets pooled (medpy, TransUNet)
  monai,  // max of the two directed 95th percentiles (MONAI)
};

// "medpy" | "monai"; anything else is a UserError naming `flag`.
inline Hd95Variant parse_hd95_variant(const std::string& name, const std::string& flag = "--hd95") {
  if (name == "medpy") return Hd95Variant::medpy;
  if (name == "monai") return Hd95Variant::monai;
  throw UserError(flag + " '" + name + "': expected medpy (pooled 95th percentile, TransUNet's) or monai "
                  "(max of the two directed 95th percentiles)");
}
inline std::string to_string(Hd95Variant variant) { return variant == Hd95Variant::medpy ? "medpy" : "monai"; }

// True when this build has ITK, i.e. when HD95 can be computed.
bool hd95_available();

// numpy.percentile(values, q) with the default linear interpolation; q in [0, 100].
// `values` must not be empty.
inline double percentile_linear(std::vector<double> values, double q) {
  TORCH_CHECK(!values.empty(), "percentile of an empty set");
  std::sort(values.begin(), values.end());
  // numpy's "linear" method, term for term (alpha = beta = 1), so results match to the last bit.
  const double quantile = q / 100.0, n = static_cast<double>(values.size());
  const double position = std::clamp(quantile * n + (1.0 + quantile * (1.0 - 1.0 - 1.0)) - 1.0, 0.0, n - 1.0);
  const auto below = static_cast<std::size_t>(std::floor(position));
  const std::size_t above = std::min(below + 1, values.size() - 1);
  const double t = position - static_cast<double>(below), a = values[below], b = values[above];
  const double diff = b - a;
  return t >= 0.5 ? b - diff * (1.0 - t) : a + diff * t;
}

// Directed surface distances between two non-empty binary masks [Z, Y, X] (any integer or bool
// type; non-zero = inside). spacing is ITK's (x, y, z) order in millimetres.
struct SurfaceDistances {
  std::vector<double> a_to_b;  // one per surface voxel of a: distance to the nearest surface voxel of b
  std::vector<double> b_to_a;
};
SurfaceDistances surface_distances(const torch::Tensor& a, const torch::Tensor& b,
                                   const std::array<double, 3>& spacing_xyz);

// HD95 from the two directed sets, by `variant`.
inline double hd95_from_distances(const SurfaceDistances& d, Hd95Variant variant) {
  if (variant == Hd95Variant::monai) return std::max(percentile_linear(d.a_to_b, 95), percentile_linear(d.b_to_a, 95));
  std::vector<double> pooled(d.a_to_b);
  pooled.insert(pooled.end(), d.b_to_a.begin(), d.b_to_a.end());
  return percentile_linear(std::move(pooled), 95);
}

// HD95 of one class with the empty-mask rule of `convention`:
//   nnunet:    null when either mask is empty; millimetres from `spacing_xyz`;
//   transunet: TransUNet's calculate_metric_percase: both non-empty: computed; prediction
//              non-empty and reference empty: 0; prediction empty: 0; in voxel units (it calls
//              medpy without a spacing), so `spacing_xyz` is ignored.
std::optional<double> hd95(const torch::Tensor& prediction_mask, const torch::Tensor& reference_mask,
                           const std::array<double, 3>& spacing_xyz, EmptyConvention convention,
                           Hd95Variant variant);

// HD95 for every foreground label 1..num_classes-1 of two label maps [Z, Y, X] at once (index 0,
// the background, is always null): one pass finds each class's bounding box, so each class costs
// only its own region.
std::vector<std::optional<double>> hd95_per_class(const torch::Tensor& prediction, const torch::Tensor& reference,
                                                  int64_t num_classes, const std::array<double, 3>& spacing_xyz,
                                                  EmptyConvention convention, Hd95Variant variant);

// The unit the numbers are in: "mm" (nnunet) or "voxel" (transunet).
inline std::string hd95_unit(EmptyConvention convention) {
  return convention == EmptyConvention::transunet ? "voxel" : "mm";
}

// What score_case needs to add HD95 to the metrics.
struct Hd95Request {
  Hd95Variant variant = Hd95Variant::medpy;
  std::array<double, 3> spacing_xyz{1.0, 1.0, 1.0};
};

}  // namespace mis
