#pragma once
// Pictures for people: pure tensor functions that build 8-bit RGB images [H, W, 3] (uint8)
// from slices, maps and masks. Nothing here reads or writes files (see viz/png.h).
#include <torch/torch.h>

namespace mis {

// A slice [C, H, W] (float, any range) as an RGB image: one channel is shown as grey, three as
// colour, otherwise the first channel. Intensities are stretched between the 1st and 99th
// percentiles of the slice (a robust min-max: a few bright outliers do not wash it out) and
// clipped; a constant slice is black.
torch::Tensor display_rgb(const torch::Tensor& slice);

// The viridis colour map (viz/viridis_table.h) of values [H, W] in [0, 1] (clipped; NaN as 0),
// looked up as matplotlib's 256-entry ListedColormap does: entry floor(256 v), v = 1 taking the
// last: float [H, W, 3] in [0, 1]. Perceptually uniform and ordered for colour-blind readers and
// in grey, unlike jet, which invents edges where its hue bands change (Borland and Taylor, IEEE
// CG&A 2007; Crameri et al., Nature Communications 2020).
torch::Tensor viridis(const torch::Tensor& values);

// A heat map [H, W] in [0, 1] in viridis colours blended over `base` (uint8 [H, W, 3]):
// (1 - alpha) * base + alpha * viridis(map), the blend of pytorch-grad-cam's show_cam_on_image.
torch::Tensor heatmap_overlay(const torch::Tensor& base, const torch::Tensor& map, double alpha = 0.5);

// `image` (uint8 [H, W, 3]) with a colour bar at its right: a white gap of max(2, W / 32)
// columns, then max(6, W / 12) columns of viridis running from 1 in the top row to 0 in the
// bottom row (row r shows 1 - r / (H - 1)), so a reader can read a heat map's values off it.
torch::Tensor with_colour_bar(const torch::Tensor& image);

enum class OverlayStyle {
  fill,     // translucent fill of each mask: (1 - alpha) * base + alpha * colour
  outline,  // opaque one-pixel outlines (mask pixels with a 4-neighbour outside the mask)
};
OverlayStyle parse_overlay_style(const std::string& name);  // "fill" | "outline"; UserError otherwise
std::string to_string(OverlayStyle style);

// The reference in red, the prediction in green and their overlap in yellow over `base`
// (uint8 [H, W, 3]), as in the paper's figure 5. `reference` and `prediction` are [H, W]
// masks (bool or 0/1 of any type).
torch::Tensor mask_overlay(const torch::Tensor& base, const torch::Tensor& reference, const torch::Tensor& prediction,
                           OverlayStyle style = OverlayStyle::fill, double alpha = 0.5);

// Enlarges an image [H, W, 3] by an integer factor (nearest neighbour: every pixel becomes a
// factor x factor block) so the shorter side is at least `min_side`; larger images are kept.
torch::Tensor enlarge_to(const torch::Tensor& image, int64_t min_side);

}  // namespace mis
