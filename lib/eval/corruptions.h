#pragma once
// Input corruptions for the noise-robustness protocol (docs/method.md section 4).
//
// Every corruption takes an image [C, Z, Y, X] (float, raw intensities, before the model's
// normalisation), a level and a seed, and is a pure function of them: the same seed gives the
// same output on every run and platform (draws come from mis::Rng, one stream per channel and
// slice, so the thread count does not matter). Level 0 returns the input unchanged.
// Let lo, hi be the minimum and maximum of the clean volume and R = hi - lo its intensity range
// (all channels together); an image with R = 0 is returned unchanged by every type.
//
//   gaussian     x + N(0, (level * R)^2)                      level: sigma as a fraction of R
//   salt_pepper  a fraction `level` of the voxels (each channel independently) is set to lo or
//                hi with equal probability
//   speckle      lo + (x - lo)(1 + level * n), n ~ N(0, 1)    multiplicative noise on the
//                intensity above the floor; for images with lo = 0 this is x + x n level
//                (scikit-image's "speckle")
//   poisson      shot noise: the normalised intensity u = (x - lo)/R is a mean photon count
//                u * P with P = 1 / level^2 photons at the brightest intensity (so `level` is
//                the relative noise at hi); x' = lo + R * Poisson(u P) / P
//   blur         in-plane Gaussian blur, sigma = level pixels (truncated at 4 sigma, borders
//                reflected as scipy.ndimage's "reflect"); deterministic, the seed is unused
//   gamma        contrast shift x' = lo + R * u^(1 + level), u = (x - lo)/R: level > 0 darkens
//                mid-tones, -1 < level < 0 brightens them; deterministic
// No type clips its output to [lo, hi]: salt_pepper stays inside it by construction, poisson
// stays >= lo but exceeds hi where a count exceeds its mean at hi (about half of those voxels),
// gaussian and speckle leave it on both sides at large levels (tests/peers/check_noise.py).
#include <cstdint>
#include <string>
#include <vector>

#include <torch/torch.h>

namespace mis {

enum class CorruptionType { gaussian, salt_pepper, speckle, poisson, blur, gamma };

// "gaussian" | "salt_pepper" (or "salt-pepper") | "speckle" | "poisson" | "blur" | "gamma".
CorruptionType parse_corruption(const std::string& name);
std::string to_string(CorruptionType type);
std::vector<CorruptionType> all_corruptions();
// Their names, in the same order: the noise sweep's default grid and the lists in messages.
std::vector<std::string> corruption_names();

// Throws a UserError unless `level` is valid for `type` (finite; >= 0, gamma > -1, salt_pepper <= 1).
void check_corruption_level(CorruptionType type, double level);

// The corrupted image (a new tensor, float32, CPU); the input is not modified.
torch::Tensor corrupt(const torch::Tensor& image, CorruptionType type, double level, std::uint64_t seed);

// The seed of one (case, type, level), so that every model sees identical inputs: a function of
// the run's seed, the case id (FNV-1a), the type and the level (to 1e-9).
std::uint64_t corruption_seed(std::uint64_t seed, const std::string& case_id, CorruptionType type, double level);

}  // namespace mis
