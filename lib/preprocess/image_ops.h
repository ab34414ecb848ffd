#pragma once
// The geometric and colour operations of `preprocess`, done by ITK filters on volumes held as
// tensors (so that the rest of the pipeline stays plain LibTorch and testable):
//   * reorientation (itk::OrientImageFilter) to one canonical orientation,
//   * resampling onto a new grid (itk::ResampleImageFilter; linear or cubic B-spline for
//     images, nearest neighbour for labels; Gaussian anti-aliasing before downsampling),
//   * RGB -> grey (itk::RGBToLuminanceImageFilter).
// In a build without ITK these throw a UserError that says so (image_ops_noitk.cpp).
//
// Canonical orientation: ITK's code RAI ("from" convention: the first index axis runs from
// the patient's Right to Left, the second from Anterior to Posterior, the third from Inferior
// to Superior). In ITK's LPS world frame that is the identity direction matrix for any volume
// that is not oblique; nibabel and NIfTI tools call the same voxel order "LPS+" (axes point
// towards L, P, S). Oblique volumes are permuted/flipped to the closest such order and keep
// their residual rotation in the direction matrix.
#include <array>
#include <string>

#include "data/volume_io.h"

namespace mis::prep {

enum class Interpolation {
  linear,
  bspline,  // cubic B-spline (itk::BSplineInterpolateImageFunction, order 3)
  nearest,  // labels
};

Interpolation parse_interpolation(const std::string& name);  // "linear" | "bspline" | "nearest"
std::string to_string(Interpolation i);

// A voxel grid: size in ITK's (x, y, z) order plus where it sits in the world.
struct Grid {
  std::array<int64_t, 3> size{1, 1, 1};
  Geometry geometry;
};

Grid grid_of(const Volume& v);

// The grid over the same physical extent (outer voxel edges) as `g` with the given spacing;
// a spacing component <= 0 keeps that axis. Sizes are rounded, so the extent may change by
// less than half an output voxel per side.
Grid grid_with_spacing(const Grid& g, const std::array<double, 3>& spacing);

// The grid over the same physical extent as `g` with nx x ny voxels in-plane (x, y); z is kept.
// The in-plane spacing becomes extent / n, so a resized image keeps its physical size.
Grid grid_with_inplane_size(const Grid& g, int64_t nx, int64_t ny);

// The grid of `g` scaled so that its longer in-plane side has n voxels, aspect ratio kept (the
// shorter side rounded); z is kept. Same physical extent, as grid_with_inplane_size.
Grid grid_with_longer_side(const Grid& g, int64_t n);

// The geometry of a grid padded with before[a] voxels ahead of axis a (x, y, z) of `g`'s grid:
// the origin moves by -D * (before * spacing), so that every voxel of `g` keeps its place in the
// world and resampling from the padded grid is resampling from the original.
Geometry padded_geometry(const Geometry& g, const std::array<int64_t, 3>& before);

// `v` ([C, Z, Y, X]) padded in-plane to nx x ny voxels with `value`, the padding split evenly
// (the extra voxel of an odd split after the image); the origin moves so that every original
// voxel keeps its place in the world, so resampling from the padded grid is resampling from `v`.
Volume pad_inplane(const Volume& v, int64_t nx, int64_t ny, double value);

// Whether two grids are the same (sizes equal, spacing and origin within 1e-9).
bool same_grid(const Grid& a, const Grid& b);

// "" when two headers describe the same grid; else what differs ("spacing ... vs ..."). Headers
// written by different tools round differently: differences below 1e-3 of the spacing (origin:
// 1e-2 mm plus that) and 1e-3 in the direction cosines count as the same grid.
std::string geometry_mismatch(const Geometry& a, const Geometry& b);

// Whether two [C, Z, Y, X] tensors have the same voxel grid size (channels may differ), and that
// size as "XxYxZ" (ITK's order) for messages.
bool same_size(const torch::Tensor& a, const torch::Tensor& b);
std::string size_string(const torch::Tensor& czyx);

// Reorients every channel of v ([C, Z, Y, X], float or integer) to the canonical orientation.
Volume reorient_canonical(const Volume& v);

// Resamples every channel of v onto `grid`. Integer tensors (labels) must use nearest.
// `antialias`: before downsampling an axis by a factor f > 1, smooth it with a Gaussian of
// sigma = (f - 1) / 2 input voxels (the rule of skimage.transform.resize), so that a 1920-pixel
// endoscopy frame shrunk to 224 does not alias. Never applied to labels.
Volume resample(const Volume& v, const Grid& grid, Interpolation interpolation, bool antialias);

// [3, Z, Y, X] RGB -> [1, Z, Y, X] luminance, ITK's weights 0.30 R + 0.59 G + 0.11 B.
torch::Tensor rgb_to_luminance(const torch::Tensor& rgb);

}  // namespace mis::prep
