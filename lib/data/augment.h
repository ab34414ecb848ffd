#pragma once
// Seeded 2-D augmentation. The spatial defaults are TransUNet's recipe: a random rot90 + a flip
// along x, and with probability p_affine a small rotation and scaling. The intensity transforms
// are nnU-Net v2's (batchgeneratorsv2), off by default; their "nnU-Net" values below are those
// of nnUNetTrainer.get_training_transforms (nnunetv2 2.x). Every draw comes from the given
// seed, so a sample's augmentation is a pure function of (seed, step, position in batch).
#include <cstdint>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "core/json.h"

namespace mis {

// A value drawn from [lo, hi].
struct Range {
  double lo = 0.0, hi = 0.0;
};

struct AugmentOptions {
  bool enabled = true;
  // Spatial. Until this split, one key "rot90_flip" switched rot90 and mirror_x together; the
  // defaults draw exactly what it drew (rot90's k, then mirror_x's coin), in that order.
  bool rot90 = true;      // rotate by k * 90 degrees, k uniform in 0..3
  bool mirror_x = true;   // flip along x (width: left-right) with probability 0.5
  bool mirror_y = false;  // flip along y (height) with probability 0.5 (nnU-Net mirrors every axis)
  double p_affine = 0.5;  // probability of the rotation + scaling below
  double max_rotation_deg = 20.0;
  double max_scale_delta = 0.1;  // scale drawn from [1 - d, 1 + d]
  // Intensity (image only), each with its probability per sample; p = 0 switches it off.
  // Multiplier of each channel (MultiplicativeBrightnessTransform; nnU-Net: p 0.15, (0.75, 1.25)).
  double brightness_p = 0.0;
  Range brightness_range{0.75, 1.25};
  // (x - mean) * factor + mean, clipped to the channel's old range (ContrastTransform,
  // preserve_range; nnU-Net: p 0.15, (0.75, 1.25)).
  double contrast_p = 0.0;
  Range contrast_range{0.75, 1.25};
  // Gamma on the channel scaled to [0, 1], then its old mean and std restored (GammaTransform,
  // p_retain_stats 1). nnU-Net runs it twice: on the inverted image with p 0.1 (gamma_inverted_p)
  // and on the image with p 0.3 (gamma_p), gamma (0.7, 1.5).
  double gamma_p = 0.0;
  double gamma_inverted_p = 0.0;
  Range gamma_range{0.7, 1.5};
  // Additive N(0, sigma^2) per pixel, sigma drawn from noise_std (GaussianNoiseTransform, one
  // sigma for all channels; nnU-Net: p 0.1, "noise_variance" (0, 0.1), which its code uses as
  // the standard deviation, as here).
  double noise_p = 0.0;
  Range noise_std{0.0, 0.1};
  // Separable Gaussian, sigma drawn per channel and per axis (GaussianBlurTransform; nnU-Net:
  // p 0.2, sigma (0.5, 1.0), each channel blurred with probability 0.5).
  double blur_p = 0.0;
  Range blur_sigma{0.5, 1.0};
  double blur_p_per_channel = 0.5;
};

json to_json(const AugmentOptions& o);
// Keys missing from `j` keep their defaults; the old key "rot90_flip" is read as rot90 and
// mirror_x both (see upgrade_legacy_augment).
AugmentOptions augment_options_from_json(const json& j);
// The old {"rot90_flip": b} written as the keys that replaced it, {"rot90": b, "mirror_x": b}
// (keys given explicitly beside it win). Configs, checkpoints and results written before the
// split still read, and mean what they meant.
json upgrade_legacy_augment(json augment);
// The augment block of a run's identity: only what differs from the settings that existed
// before the intensity transforms and the per-axis split, so that a run that does not use them
// keeps the identity (and experiment id) it had. rot90 and mirror_x equal are written as the
// old "rot90_flip"; mirror_y off and every intensity transform with p 0 are left out.
json augment_identity(json augment);

struct Sample {
  torch::Tensor image;  // [C, H, W] float
  torch::Tensor label;  // [H, W] int64
};

Sample augment_sample(const Sample& in, const AugmentOptions& options, std::uint64_t seed);

// The intensity transforms alone, each applied with its parameter as given (for tests, and the
// formulas in one place). `x` is one channel [H, W]; each returns a new tensor.
torch::Tensor multiply_brightness(const torch::Tensor& x, double multiplier);
torch::Tensor adjust_contrast(const torch::Tensor& x, double factor);
torch::Tensor adjust_gamma(const torch::Tensor& x, double gamma, bool inverted);
torch::Tensor gaussian_blur(const torch::Tensor& x, double sigma_y, double sigma_x);
// batchgeneratorsv2's 1-D kernel: odd size about 6 sigma, normalised to sum 1.
torch::Tensor gaussian_kernel(double sigma);

// A warning when mirroring is on and the classes name a side ("left", "right" as a word, any
// case: Synapse's "left_kidney"): a mirrored image shows the left organ where the right one is,
// under the left label. "" when there is nothing to warn about.
std::string mirroring_warning(const AugmentOptions& o, const std::vector<std::string>& class_names);

}  // namespace mis
