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

// The "jet" colour map (MATLAB's jet, in its usual piecewise-linear form: blue -> cyan ->
// yellow -> red; r = clamp(1.5 - |4v - 3|), g = clamp(1.5 - |4v - 2|), b = clamp(1.5 - |4v - 1|))
// of values [H, W] in [0, 1] (clipped): float [H, W, 3] in [0, 1].
torch::Tensor jet(const torch::Tensor& values);

// A heat map [H, W] in [0, 1] in jet colours blended over `base` (uint8 [H, W, 3]):
// (1 - alpha) * base + alpha * jet(map), as pytorch-grad-cam's show_cam_on_image does.
torch::Tensor heatmap_overlay(const torch::Tensor& base, const torch::Tensor& map, double alpha = 0.5);

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
