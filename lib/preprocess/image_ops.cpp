// Grid arithmetic and option names of image_ops.h: plain code, shared by ITK and no-ITK builds.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/error.h"
#include "preprocess/image_ops.h"

namespace mis::prep {

Interpolation parse_interpolation(const std::string& name) {
  if (name == "linear") return Interpolation::linear;
  if (name == "bspline") return Interpolation::bspline;
  if (name == "nearest") return Interpolation::nearest;
  throw UserError("unknown interpolation '" + name + "' (expected linear, bspline or nearest)");
}

std::string to_string(Interpolation i) {
  switch (i) {
    case Interpolation::linear: return "linear";
    case Interpolation::bspline: return "bspline";
    case Interpolation::nearest: return "nearest";
  }
  return "?";
}

Grid grid_with_longer_side(const Grid& g, int64_t n) {
  const double scale = static_cast<double>(n) / static_cast<double>(std::max(g.size[0], g.size[1]));
  const auto side = [&](int64_t s) { return std::max<int64_t>(1, std::llround(static_cast<double>(s) * scale)); };
  return grid_with_inplane_size(g, side(g.size[0]), side(g.size[1]));
}

Volume pad_inplane(const Volume& v, int64_t nx, int64_t ny, double value) {
  const int64_t w = v.voxels.size(3), h = v.voxels.size(2);
  const int64_t left = (nx - w) / 2, top = (ny - h) / 2;
  Volume out;
  out.voxels = torch::constant_pad_nd(v.voxels, {left, nx - w - left, top, ny - h - top}, value);
  out.geometry = padded_geometry(v.geometry, {left, top, 0});
  return out;
}

Geometry padded_geometry(const Geometry& g, const std::array<int64_t, 3>& before) {
  Geometry out = g;
  // Index `before` of the padded grid is index 0 of the original.
  for (int row = 0; row < 3; ++row) {
    double shift = 0;
    for (int axis = 0; axis < 3; ++axis)
      shift += g.direction[3 * row + axis] * static_cast<double>(before[axis]) * g.spacing[axis];
    out.origin[row] -= shift;
  }
  return out;
}

bool same_grid(const Grid& a, const Grid& b) {
  if (a.size != b.size) return false;
  for (int i = 0; i < 3; ++i)
    if (std::abs(a.geometry.spacing[i] - b.geometry.spacing[i]) > 1e-9 ||
        std::abs(a.geometry.origin[i] - b.geometry.origin[i]) > 1e-9)
      return false;
  return true;
}

std::string geometry_mismatch(const Geometry& a, const Geometry& b) {
  for (int i = 0; i < 3; ++i) {
    if (std::abs(a.spacing[i] - b.spacing[i]) > 1e-3 * std::max(1.0, std::abs(a.spacing[i])))
      return fmt::format("spacing {:.6g},{:.6g},{:.6g} vs {:.6g},{:.6g},{:.6g}", a.spacing[0], a.spacing[1], a.spacing[2],
                         b.spacing[0], b.spacing[1], b.spacing[2]);
    if (std::abs(a.origin[i] - b.origin[i]) > 1e-2 + 1e-3 * std::abs(a.spacing[i]))
      return fmt::format("origin {:.6g},{:.6g},{:.6g} vs {:.6g},{:.6g},{:.6g}", a.origin[0], a.origin[1], a.origin[2],
                         b.origin[0], b.origin[1], b.origin[2]);
  }
  for (int i = 0; i < 9; ++i)
    if (std::abs(a.direction[i] - b.direction[i]) > 1e-3) return "direction matrices differ";
  return "";
}

bool same_size(const torch::Tensor& a, const torch::Tensor& b) {
  return a.size(1) == b.size(1) && a.size(2) == b.size(2) && a.size(3) == b.size(3);
}

std::string size_string(const torch::Tensor& czyx) {
  return fmt::format("{}x{}x{}", czyx.size(3), czyx.size(2), czyx.size(1));  // ITK's x, y, z order
}

Grid grid_of(const Volume& v) {
  Grid g;
  g.size = {v.voxels.size(3), v.voxels.size(2), v.voxels.size(1)};
  g.geometry = v.geometry;
  return g;
}

namespace {

// Shifts the origin so that the outer edge of voxel 0 stays put when the spacing changes:
// origin' = origin + D * ((s' - s) / 2).
Grid regrid(const Grid& in, const std::array<int64_t, 3>& size, const std::array<double, 3>& spacing) {
  Grid out = in;
  out.size = size;
  out.geometry.spacing = spacing;
  for (int row = 0; row < 3; ++row) {
    double shift = 0.0;
    for (int axis = 0; axis < 3; ++axis)
      shift += in.geometry.direction[3 * row + axis] * (spacing[axis] - in.geometry.spacing[axis]) / 2.0;
    out.geometry.origin[row] = in.geometry.origin[row] + shift;
  }
  return out;
}

}  // namespace

Grid grid_with_spacing(const Grid& g, const std::array<double, 3>& spacing) {
  std::array<int64_t, 3> size = g.size;
  std::array<double, 3> out_spacing = g.geometry.spacing;
  for (int a = 0; a < 3; ++a) {
    if (spacing[a] <= 0.0) continue;
    const double extent = static_cast<double>(g.size[a]) * g.geometry.spacing[a];
    size[a] = std::max<int64_t>(1, static_cast<int64_t>(std::llround(extent / spacing[a])));
    out_spacing[a] = spacing[a];
  }
  return regrid(g, size, out_spacing);
}

Grid grid_with_inplane_size(const Grid& g, int64_t nx, int64_t ny) {
  std::array<int64_t, 3> size{nx, ny, g.size[2]};
  std::array<double, 3> spacing = g.geometry.spacing;
  spacing[0] = g.geometry.spacing[0] * static_cast<double>(g.size[0]) / static_cast<double>(nx);
  spacing[1] = g.geometry.spacing[1] * static_cast<double>(g.size[1]) / static_cast<double>(ny);
  return regrid(g, size, spacing);
}

}  // namespace mis::prep
