#include "data/augment.h"

#include <cctype>
#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>  // fmt::join (in fmt/format.h before fmt 11)

#include "core/error.h"
#include "core/rng.h"

namespace mis {

namespace F = torch::nn::functional;

namespace {

json range_json(const Range& r) { return json::array({r.lo, r.hi}); }

Range range_from_json(const json& j, const char* key) {
  if (!j.is_array() || j.size() != 2 || !j[0].is_number() || !j[1].is_number())
    throw UserError(fmt::format("augment.{}: expected [low, high], got {}", key, j.dump()));
  const Range r{j[0].get<double>(), j[1].get<double>()};
  if (!(r.lo <= r.hi)) throw UserError(fmt::format("augment.{}: low must not exceed high, got {}", key, j.dump()));
  return r;
}

// The keys of each intensity transform: its probabilities, then its parameters.
struct IntensityKeys {
  std::vector<const char*> probabilities, parameters;
};
const std::vector<IntensityKeys>& intensity_keys() {
  static const std::vector<IntensityKeys> keys = {
      {{"brightness_p"}, {"brightness_range"}},
      {{"contrast_p"}, {"contrast_range"}},
      {{"gamma_p", "gamma_inverted_p"}, {"gamma_range"}},
      {{"noise_p"}, {"noise_std"}},
      {{"blur_p"}, {"blur_sigma", "blur_p_per_channel"}},
  };
  return keys;
}

}  // namespace

json to_json(const AugmentOptions& o) {
  return {{"enabled", o.enabled},
          {"rot90", o.rot90},
          {"mirror_x", o.mirror_x},
          {"mirror_y", o.mirror_y},
          {"p_affine", o.p_affine},
          {"max_rotation_deg", o.max_rotation_deg},
          {"max_scale_delta", o.max_scale_delta},
          {"brightness_p", o.brightness_p},
          {"brightness_range", range_json(o.brightness_range)},
          {"contrast_p", o.contrast_p},
          {"contrast_range", range_json(o.contrast_range)},
          {"gamma_p", o.gamma_p},
          {"gamma_inverted_p", o.gamma_inverted_p},
          {"gamma_range", range_json(o.gamma_range)},
          {"noise_p", o.noise_p},
          {"noise_std", range_json(o.noise_std)},
          {"blur_p", o.blur_p},
          {"blur_sigma", range_json(o.blur_sigma)},
          {"blur_p_per_channel", o.blur_p_per_channel}};
}

json upgrade_legacy_augment(json a) {
  if (!a.is_object() || !a.contains("rot90_flip")) return a;
  const json old = a["rot90_flip"];
  a.erase("rot90_flip");
  for (const char* key : {"rot90", "mirror_x"}) {
    if (a.contains(key) && a[key] != old)
      throw UserError(fmt::format("augment: the old key rot90_flip ({}) and {} ({}) disagree; drop rot90_flip",
                                  old.dump(), key, a[key].dump()));
    a[key] = old;
  }
  return a;
}

AugmentOptions augment_options_from_json(const json& given) {
  const json j = upgrade_legacy_augment(given);
  const AugmentOptions d;
  AugmentOptions o;
  o.enabled = j.value("enabled", d.enabled);
  o.rot90 = j.value("rot90", d.rot90);
  o.mirror_x = j.value("mirror_x", d.mirror_x);
  o.mirror_y = j.value("mirror_y", d.mirror_y);
  o.p_affine = j.value("p_affine", d.p_affine);
  o.max_rotation_deg = j.value("max_rotation_deg", d.max_rotation_deg);
  o.max_scale_delta = j.value("max_scale_delta", d.max_scale_delta);
  const auto range = [&](const char* key, const Range& fallback) {
    return j.contains(key) ? range_from_json(j.at(key), key) : fallback;
  };
  o.brightness_p = j.value("brightness_p", d.brightness_p);
  o.brightness_range = range("brightness_range", d.brightness_range);
  o.contrast_p = j.value("contrast_p", d.contrast_p);
  o.contrast_range = range("contrast_range", d.contrast_range);
  o.gamma_p = j.value("gamma_p", d.gamma_p);
  o.gamma_inverted_p = j.value("gamma_inverted_p", d.gamma_inverted_p);
  o.gamma_range = range("gamma_range", d.gamma_range);
  o.noise_p = j.value("noise_p", d.noise_p);
  o.noise_std = range("noise_std", d.noise_std);
  o.blur_p = j.value("blur_p", d.blur_p);
  o.blur_sigma = range("blur_sigma", d.blur_sigma);
  o.blur_p_per_channel = j.value("blur_p_per_channel", d.blur_p_per_channel);
  for (const double p : {o.p_affine, o.brightness_p, o.contrast_p, o.gamma_p, o.gamma_inverted_p, o.noise_p, o.blur_p,
                         o.blur_p_per_channel})
    if (!(p >= 0.0 && p <= 1.0)) throw UserError(fmt::format("augment: a probability must be in [0, 1], got {}", p));
  if (!(o.max_scale_delta >= 0.0 && o.max_scale_delta < 1.0))
    throw UserError(fmt::format("augment.max_scale_delta must be in [0, 1), got {}", o.max_scale_delta));
  if (o.brightness_range.lo < 0 || o.contrast_range.lo < 0 || o.noise_std.lo < 0)
    throw UserError("augment: brightness_range, contrast_range and noise_std cannot be negative");
  if (!(o.gamma_range.lo > 0) || !(o.blur_sigma.lo > 0))
    throw UserError("augment: gamma_range and blur_sigma must be positive");
  return o;
}

json augment_identity(json a) {
  a = upgrade_legacy_augment(std::move(a));
  if (!a.is_object()) return a;
  if (a.contains("rot90") && a.contains("mirror_x") && a["rot90"] == a["mirror_x"]) {
    a["rot90_flip"] = a["rot90"];
    a.erase("rot90");
    a.erase("mirror_x");
  }
  if (a.contains("mirror_y") && a["mirror_y"] == false) a.erase("mirror_y");
  // A transform that never runs changes nothing, whatever its parameters.
  for (const auto& t : intensity_keys()) {
    bool off = true;
    for (const char* p : t.probabilities) off = off && a.value(p, 0.0) == 0.0;
    if (!off) continue;
    for (const char* p : t.probabilities) a.erase(p);
    for (const char* p : t.parameters) a.erase(p);
  }
  return a;
}

// ---- intensity transforms (batchgeneratorsv2, transforms/intensity and transforms/noise) ----

torch::Tensor multiply_brightness(const torch::Tensor& x, double multiplier) { return x * multiplier; }

// ContrastTransform with preserve_range=True.
torch::Tensor adjust_contrast(const torch::Tensor& x, double factor) {
  const auto mean = x.mean();
  return ((x - mean) * factor + mean).clamp(x.min().item<double>(), x.max().item<double>());
}

// GammaTransform._apply_to_image with retain_stats: eps 1e-7 and torch's (unbiased) std, as there.
torch::Tensor adjust_gamma(const torch::Tensor& in, double gamma, bool inverted) {
  const double eps = 1e-7;
  const auto x = inverted ? -in : in;
  const auto mean = x.mean(), std = x.std();
  const auto lo = x.min(), range = x.max() - lo;
  auto y = ((x - lo) / range.clamp_min(eps)).pow(gamma) * range + lo;
  y = (y - y.mean()) * (std / y.std().clamp_min(eps)) + mean;
  return inverted ? -y : y;
}

// gaussian_blur.py: _compute_kernel_size(sigma, truncate=6) (blur_dimension's truncate) rounds
// 6 sigma + 0.5 with Python's round (half to even) to the nearest odd number; _build_kernel.
torch::Tensor gaussian_kernel(double sigma) {
  const double n = sigma * 6.0 + 0.5;
  auto size = static_cast<int64_t>(std::nearbyint(n));  // half to even, as Python's round
  if (size % 2 == 0) size += n - static_cast<double>(size) >= 0 ? 1 : -1;
  const double half = (static_cast<double>(size) - 1) * 0.5;
  const auto x = torch::linspace(-half, half, size, torch::kFloat32);
  const auto pdf = torch::exp(-0.5 * (x / sigma).pow(2));
  return pdf / pdf.sum();
}

// blur_dimension along y (dim 0), then x: reflect padding, then a 1-D convolution.
torch::Tensor gaussian_blur(const torch::Tensor& x, double sigma_y, double sigma_x) {
  auto t = x.unsqueeze(0).unsqueeze(0);
  const auto ky = gaussian_kernel(sigma_y).to(x.dtype()), kx = gaussian_kernel(sigma_x).to(x.dtype());
  const int64_t py = ky.size(0) / 2, px = kx.size(0) / 2;
  t = F::pad(t, F::PadFuncOptions({0, 0, py, py}).mode(torch::kReflect));
  t = F::conv2d(t, ky.view({1, 1, -1, 1}));
  t = F::pad(t, F::PadFuncOptions({px, px, 0, 0}).mode(torch::kReflect));
  t = F::conv2d(t, kx.view({1, 1, 1, -1}));
  return t[0][0];
}

namespace {

// BGContrast.sample_contrast (batchgeneratorsv2 transforms/intensity/contrast.py): half the
// draws below 1 and half above, so that (0.75, 1.25) darkens and brightens equally often.
double draw_bg_contrast(Rng& rng, const Range& r) {
  if (rng.chance(0.5) && r.lo < 1) return rng.uniform(r.lo, 1.0);
  return rng.uniform(std::max(r.lo, 1.0), r.hi);
}

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

// nnU-Net's order (get_training_transforms): noise, blur, brightness, contrast, gamma on the
// inverted image, gamma. Simulated low resolution, which nnU-Net runs between contrast and
// gamma, is not offered. Brightness, contrast and gamma draw their factor per channel
// (synchronize_channels=False there), noise one sigma for all channels (True there).
torch::Tensor augment_intensity(const torch::Tensor& image, const AugmentOptions& o, Rng& rng) {
  std::vector<torch::Tensor> ch;
  for (int64_t c = 0; c < image.size(0); ++c) ch.push_back(image[c]);
  if (o.noise_p > 0 && rng.chance(o.noise_p)) {
    const double sigma = rng.uniform(o.noise_std.lo, o.noise_std.hi);
    for (auto& x : ch) {
      std::vector<float> noise(static_cast<std::size_t>(x.numel()));
      for (auto& v : noise) v = static_cast<float>(rng.normal() * sigma);
      x = x + torch::from_blob(noise.data(), x.sizes(), torch::kFloat32).clone();
    }
  }
  if (o.blur_p > 0 && rng.chance(o.blur_p))
    for (auto& x : ch)
      if (rng.chance(o.blur_p_per_channel)) {
        const double sy = rng.uniform(o.blur_sigma.lo, o.blur_sigma.hi);
        const double sx = rng.uniform(o.blur_sigma.lo, o.blur_sigma.hi);
        x = gaussian_blur(x, sy, sx);
      }
  if (o.brightness_p > 0 && rng.chance(o.brightness_p))
    for (auto& x : ch) x = multiply_brightness(x, draw_bg_contrast(rng, o.brightness_range));
  if (o.contrast_p > 0 && rng.chance(o.contrast_p))
    for (auto& x : ch) x = adjust_contrast(x, draw_bg_contrast(rng, o.contrast_range));
  for (const bool inverted : {true, false}) {
    const double p = inverted ? o.gamma_inverted_p : o.gamma_p;
    if (p > 0 && rng.chance(p))
      for (auto& x : ch) x = adjust_gamma(x, draw_bg_contrast(rng, o.gamma_range), inverted);
  }
  return torch::stack(ch);
}

}  // namespace

Sample augment_sample(const Sample& in, const AugmentOptions& o, std::uint64_t seed) {
  if (!o.enabled) return in;
  Rng rng(seed);
  Sample s = in;
  // The draws below, in this order, are the ones the single rot90_flip switch made (its k, then
  // its coin for the flip along x): the defaults augment bit for bit as before the split.
  if (o.rot90) {
    const auto k = static_cast<int64_t>(rng.below(4));
    if (k) {
      s.image = torch::rot90(s.image, k, {1, 2});
      s.label = torch::rot90(s.label, k, {0, 1});
    }
  }
  if (o.mirror_x && rng.chance(0.5)) {
    s.image = s.image.flip({2});
    s.label = s.label.flip({1});
  }
  if (o.mirror_y && rng.chance(0.5)) {
    s.image = s.image.flip({1});
    s.label = s.label.flip({0});
  }
  if (o.p_affine > 0 && rng.chance(o.p_affine)) {
    const double angle = rng.uniform(-o.max_rotation_deg, o.max_rotation_deg) * M_PI / 180.0;
    const double scale = rng.uniform(1.0 - o.max_scale_delta, 1.0 + o.max_scale_delta);
    s = rotate_scale(s, angle, scale);
  }
  // The intensity draws have their own stream: changing a spatial setting changes none of them.
  if (o.brightness_p > 0 || o.contrast_p > 0 || o.gamma_p > 0 || o.gamma_inverted_p > 0 || o.noise_p > 0 ||
      o.blur_p > 0) {
    Rng intensity_rng(derive_seed(seed, {0x1A7E5117ull}));
    s.image = augment_intensity(s.image.to(torch::kFloat32), o, intensity_rng);
  }
  s.image = s.image.contiguous();
  s.label = s.label.contiguous();
  return s;
}

// ---- the left-right warning ----

namespace {

// "left" or "right" as a word, in any case: "left_kidney", "Left Kidney", "KidneyLeft", but not
// "bright", "cleft" or "leftover". A word starts at a non-letter or at a capital after a
// lower-case letter, and ends likewise.
bool names_a_side(const std::string& name) {
  const auto at = [&](std::size_t k) { return static_cast<unsigned char>(name[k]); };
  const auto boundary = [&](std::size_t k) {  // between name[k - 1] and name[k]
    return k == 0 || k == name.size() || !std::isalpha(at(k - 1)) || !std::isalpha(at(k)) ||
           (std::islower(at(k - 1)) && std::isupper(at(k)));
  };
  for (std::size_t i = 0; i < name.size(); ++i)
    for (const std::string side : {"left", "right"}) {
      if (i + side.size() > name.size() || !boundary(i) || !boundary(i + side.size())) continue;
      bool same = true;
      for (std::size_t k = 0; k < side.size() && same; ++k) same = std::tolower(at(i + k)) == side[k];
      if (same) return true;
    }
  return false;
}

}  // namespace

std::string mirroring_warning(const AugmentOptions& o, const std::vector<std::string>& class_names) {
  if (!o.enabled || (!o.mirror_x && !o.mirror_y)) return "";
  std::vector<std::string> sided;
  for (const auto& name : class_names)
    if (names_a_side(name)) sided.push_back("'" + name + "'");
  if (sided.empty()) return "";
  std::string off = o.mirror_x ? "--mirror-x false" : "";
  if (o.mirror_y) off += std::string(off.empty() ? "" : " ") + "--mirror-y false";
  return fmt::format(
      "warning: classes {} name a side, and augmentation mirrors images (mirror_x {}, mirror_y {}): a mirrored "
      "image shows the left organ where the right one belongs, under its own label. To keep sides apart, train "
      "with {} (\"augment\": {{\"mirror_x\": false, \"mirror_y\": false}} in a config or experiment file); rot90 "
      "rotates without mirroring",
      fmt::join(sided, ", "), o.mirror_x, o.mirror_y, off);
}

}  // namespace mis
