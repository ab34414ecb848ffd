#include "viz/images.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "viz/viridis_table.h"

namespace mis {

namespace {

torch::Tensor to_uint8(const torch::Tensor& unit_or_255) { return unit_or_255.round().clamp(0, 255).to(torch::kUInt8); }

void check_rgb(const torch::Tensor& image, const char* what) {
  TORCH_CHECK(image.dim() == 3 && image.size(2) == 3 && image.scalar_type() == torch::kUInt8, what,
              ": expected a uint8 [H, W, 3] image");
}

// Mask pixels with a 4-neighbour outside the mask (outside the image counts as outside).
torch::Tensor boundary(const torch::Tensor& mask) {
  const auto padded = torch::constant_pad_nd(mask.to(torch::kBool), {1, 1, 1, 1}, 0);
  const int64_t h = mask.size(0), w = mask.size(1);
  const auto inner = padded.slice(0, 1, h + 1).slice(1, 1, w + 1);
  const auto interior = inner & padded.slice(0, 0, h).slice(1, 1, w + 1) & padded.slice(0, 2, h + 2).slice(1, 1, w + 1) &
                        padded.slice(0, 1, h + 1).slice(1, 0, w) & padded.slice(0, 1, h + 1).slice(1, 2, w + 2);
  return inner & ~interior;
}

}  // namespace

torch::Tensor display_rgb(const torch::Tensor& slice) {
  TORCH_CHECK(slice.dim() == 3, "display_rgb: expected a [C, H, W] slice");
  auto x = slice.detach().to(torch::kCPU, torch::kFloat32);
  x = x.size(0) == 3 ? x : x[0].unsqueeze(0).expand({3, x.size(1), x.size(2)});
  const auto flat = x.flatten();
  double lo = torch::quantile(flat, 0.01).item<double>(), hi = torch::quantile(flat, 0.99).item<double>();
  if (!(hi > lo)) {
    lo = flat.min().item<double>();
    hi = flat.max().item<double>();
  }
  if (!(hi > lo)) return torch::zeros({x.size(1), x.size(2), 3}, torch::kUInt8);
  return to_uint8(((x - lo) / (hi - lo)).clamp(0, 1) * 255).permute({1, 2, 0}).contiguous();
}

torch::Tensor viridis(const torch::Tensor& values) {
  static const auto table = torch::from_blob(const_cast<float*>(&kViridis[0][0]), {256, 3}, torch::kFloat32).clone();
  const auto v = torch::nan_to_num(values.detach().to(torch::kCPU, torch::kFloat32), 0.0).clamp(0, 1);
  const auto index = (v * 256).floor().clamp_max(255).to(torch::kLong);
  return table.index_select(0, index.flatten()).view({v.size(0), v.size(1), 3});
}

torch::Tensor heatmap_overlay(const torch::Tensor& base, const torch::Tensor& map, double alpha) {
  check_rgb(base, "heatmap_overlay");
  TORCH_CHECK(map.dim() == 2 && map.size(0) == base.size(0) && map.size(1) == base.size(1),
              "heatmap_overlay: the map must be [H, W] like the image");
  return to_uint8((1 - alpha) * base.to(torch::kFloat32) + alpha * 255 * viridis(map));
}

torch::Tensor with_colour_bar(const torch::Tensor& image) {
  check_rgb(image, "with_colour_bar");
  const int64_t height = image.size(0), width = image.size(1);
  const int64_t gap = std::max<int64_t>(2, width / 32), bar = std::max<int64_t>(6, width / 12);
  const auto ramp = torch::linspace(1, 0, height);  // one row: [1]
  const auto colours = to_uint8(255 * viridis(ramp.view({height, 1}).expand({height, bar})));
  const auto white = torch::full({height, gap, 3}, 255, torch::kUInt8);
  return torch::cat({image, white, colours}, 1).contiguous();
}

OverlayStyle parse_overlay_style(const std::string& name) {
  if (name == "fill") return OverlayStyle::fill;
  if (name == "outline") return OverlayStyle::outline;
  throw UserError("overlay style '" + name + "' is unknown; use fill or outline");
}

std::string to_string(OverlayStyle style) { return style == OverlayStyle::fill ? "fill" : "outline"; }

torch::Tensor mask_overlay(const torch::Tensor& base, const torch::Tensor& reference, const torch::Tensor& prediction,
                           OverlayStyle style, double alpha) {
  check_rgb(base, "mask_overlay");
  TORCH_CHECK(reference.sizes() == base.sizes().slice(0, 2) && prediction.sizes() == reference.sizes(),
              "mask_overlay: masks must be [H, W] like the image");
  auto ref = reference.to(torch::kCPU).to(torch::kBool), pred = prediction.to(torch::kCPU).to(torch::kBool);
  if (style == OverlayStyle::outline) {
    ref = boundary(ref);
    pred = boundary(pred);
  }
  // Red channel from the reference, green from the prediction: both give yellow.
  const auto colour = torch::stack({ref, pred, torch::zeros_like(ref)}, -1).to(torch::kFloat32) * 255;
  const auto drawn = (ref | pred).unsqueeze(-1);
  const double a = style == OverlayStyle::fill ? alpha : 1.0;
  const auto painted = (1 - a) * base.to(torch::kFloat32) + a * colour;
  return torch::where(drawn, to_uint8(painted), base);
}

torch::Tensor enlarge_to(const torch::Tensor& image, int64_t min_side) {
  const int64_t shorter = std::min(image.size(0), image.size(1));
  if (shorter <= 0 || shorter >= min_side) return image;
  const int64_t factor = (min_side + shorter - 1) / shorter;
  return image.repeat_interleave(factor, 0).repeat_interleave(factor, 1).contiguous();
}

}  // namespace mis
