// The scanner: per-slice image operations on float buffers, the built-in domains and render()
// (phantom.h), which turns an anatomy's tissues into one domain's image.
#include <algorithm>
#include <array>
#include <cmath>

#include "core/fingerprint.h"
#include "core/rng.h"
#include "data/synth/phantom.h"
#include "data/synth/streams.h"

namespace mis::synth {
namespace {

// Appearance: per-slice image operations on float buffers.

// A smooth zero-mean, unit-SD random pattern: Gaussian values on a coarse grid, bilinearly upsampled.
std::vector<float> smooth_pattern(Rng& rng, int nx, int ny, double cell_px) {
  const double cell = std::max(cell_px, 1.0);
  const int cx = static_cast<int>(nx / cell) + 2, cy = static_cast<int>(ny / cell) + 2;
  std::vector<double> coarse(static_cast<std::size_t>(cx) * cy);
  for (auto& v : coarse) v = rng.normal();
  std::vector<float> out(static_cast<std::size_t>(nx) * ny);
  double sum = 0, sum2 = 0;
  for (int y = 0; y < ny; ++y)
    for (int x = 0; x < nx; ++x) {
      const double gx = x / cell, gy = y / cell;
      const int x0 = static_cast<int>(gx), y0 = static_cast<int>(gy);
      const double wx = gx - x0, wy = gy - y0;
      const auto c = [&](int dx, int dy) { return coarse[(y0 + dy) * cx + x0 + dx]; };
      const double v = (c(0, 0) * (1 - wx) + c(1, 0) * wx) * (1 - wy) + (c(0, 1) * (1 - wx) + c(1, 1) * wx) * wy;
      out[y * nx + x] = static_cast<float>(v);
      sum += v;
      sum2 += v * v;
    }
  // Interpolation shrinks the variance by an amount that depends on the cell size; undo it so
  // texture_amplitude means the same thing at every scale.
  const double n = double(nx) * ny, mean = sum / n, sd = std::sqrt(std::max(sum2 / n - mean * mean, 1e-12));
  for (auto& v : out) v = static_cast<float>((v - mean) / sd);
  return out;
}

// Acquisition at 1/factor of the in-plane resolution: box-average to a coarse grid, then
// interpolate back bilinearly (as a scanner's reconstruction zero-fill/interpolation would).
void reduce_resolution(std::vector<float>& img, int nx, int ny, int factor) {
  if (factor <= 1) return;
  const int mx = (nx + factor - 1) / factor, my = (ny + factor - 1) / factor;
  std::vector<double> coarse(static_cast<std::size_t>(mx) * my, 0.0);
  std::vector<int> count(coarse.size(), 0);
  for (int y = 0; y < ny; ++y)
    for (int x = 0; x < nx; ++x) {
      const int i = (y / factor) * mx + x / factor;
      coarse[i] += img[y * nx + x];
      ++count[i];
    }
  for (std::size_t i = 0; i < coarse.size(); ++i) coarse[i] /= count[i];
  for (int y = 0; y < ny; ++y)
    for (int x = 0; x < nx; ++x) {
      const double gx = std::clamp((x + 0.5) / factor - 0.5, 0.0, mx - 1.0);
      const double gy = std::clamp((y + 0.5) / factor - 0.5, 0.0, my - 1.0);
      const int x0 = std::min(static_cast<int>(gx), std::max(mx - 2, 0)), y0 = std::min(static_cast<int>(gy), std::max(my - 2, 0));
      const int x1 = std::min(x0 + 1, mx - 1), y1 = std::min(y0 + 1, my - 1);
      const double wx = gx - x0, wy = gy - y0;
      const auto c = [&](int xx, int yy) { return coarse[yy * mx + xx]; };
      img[y * nx + x] = static_cast<float>((c(x0, y0) * (1 - wx) + c(x1, y0) * wx) * (1 - wy) +
                                           (c(x0, y1) * (1 - wx) + c(x1, y1) * wx) * wy);
    }
}

// Separable Gaussian blur with edge clamping.
void gaussian_blur(std::vector<float>& img, int nx, int ny, double sigma) {
  if (sigma <= 0) return;
  const int radius = static_cast<int>(std::ceil(3 * sigma));
  std::vector<double> kernel(2 * radius + 1);
  double total = 0;
  for (int i = -radius; i <= radius; ++i) total += kernel[i + radius] = std::exp(-0.5 * i * i / (sigma * sigma));
  for (auto& k : kernel) k /= total;
  std::vector<float> tmp(img.size());
  for (int y = 0; y < ny; ++y)
    for (int x = 0; x < nx; ++x) {
      double acc = 0;
      for (int i = -radius; i <= radius; ++i) acc += kernel[i + radius] * img[y * nx + std::clamp(x + i, 0, nx - 1)];
      tmp[y * nx + x] = static_cast<float>(acc);
    }
  for (int y = 0; y < ny; ++y)
    for (int x = 0; x < nx; ++x) {
      double acc = 0;
      for (int i = -radius; i <= radius; ++i) acc += kernel[i + radius] * tmp[std::clamp(y + i, 0, ny - 1) * nx + x];
      img[y * nx + x] = static_cast<float>(acc);
    }
}

double normalised_coordinate(int i, int n) { return n > 1 ? 2.0 * i / (n - 1) - 1.0 : 0.0; }

// A coil-sensitivity-like field: exp of a random quadratic polynomial in (x, y) plus a linear
// through-plane term, scaled so its log never exceeds +-strength. It factors into an in-plane map
// times a per-slice gain, which saves an exp per voxel.
class BiasField {
 public:
  BiasField(Rng& rng, double strength, int nx, int ny, int nz) : nz_(nz) {
    std::array<double, 6> c{};
    double total = 0;
    for (auto& v : c) {
      v = rng.uniform(-1, 1);
      total += std::abs(v);
    }
    // On [-1, 1]^3 every basis term below is bounded by 1, so |log field| <= strength.
    const double scale = strength > 0 ? strength / total : 0.0;
    plane_.resize(static_cast<std::size_t>(nx) * ny);
    for (int y = 0; y < ny; ++y)
      for (int x = 0; x < nx; ++x) {
        const double u = normalised_coordinate(x, nx), v = normalised_coordinate(y, ny);
        const double p = c[0] * u + c[1] * v + c[2] * (2 * u * u - 1) + c[3] * (2 * v * v - 1) + c[4] * u * v;
        plane_[y * nx + x] = static_cast<float>(std::exp(scale * p));
      }
    z_coeff_ = scale * c[5];
  }
  const std::vector<float>& plane() const { return plane_; }
  double slice_gain(int z) const { return std::exp(z_coeff_ * normalised_coordinate(z, nz_)); }

 private:
  int nz_;
  double z_coeff_ = 0;
  std::vector<float> plane_;
};

// Two independent standard normals by Marsaglia's polar method: one log per pair and no
// trigonometry, which matters when every voxel needs two (Rng::normal yields one per log and cos).
std::array<double, 2> normal_pair(Rng& rng) {
  for (;;) {
    const double u = rng.uniform(-1, 1), v = rng.uniform(-1, 1), r2 = u * u + v * v;
    if (r2 > 0.0 && r2 < 1.0) {
      const double f = std::sqrt(-2.0 * std::log(r2) / r2);
      return {u * f, v * f};
    }
  }
}

}  // namespace

std::vector<DomainStyle> builtin_domains() {
  // Tissue order: air, soft tissue, fat, lung, blood, muscle. The source resembles bSSFP cine:
  // bright blood and fat, dark myocardium, black lungs.
  DomainStyle source;
  source.name = "source";
  source.intensity = {0.0, 0.32, 0.72, 0.05, 0.82, 0.26};
  source.intensity_jitter = 0.05;
  source.texture_amplitude = 0.04;
  source.bias_strength = 0.1;
  source.blur_sigma_px = 0.6;
  source.noise_sigma = 0.02;

  // Another sequence: myocardium brighter than the surrounding soft tissue (the source has it
  // darker), lower blood-muscle contrast, grey lungs and a strong gamma.
  DomainStyle b = source;
  b.name = "scanner-b";
  b.intensity = {0.0, 0.30, 0.52, 0.14, 0.68, 0.44};
  b.contrast = 0.9;
  b.gamma = 1.6;
  b.output_scale = 600.0;

  // A poor coil and an inhomogeneous field: strong bias, visible texture, more noise.
  DomainStyle c = source;
  c.name = "scanner-c";
  c.intensity = {0.0, 0.36, 0.68, 0.06, 0.78, 0.30};
  c.texture_amplitude = 0.15;
  c.texture_cell_px = 5.0;
  c.bias_strength = 0.6;
  c.noise_sigma = 0.06;
  c.output_scale = 1500.0;

  // A low-resolution protocol: a third of the in-plane resolution, a wider PSF and more noise.
  DomainStyle d = source;
  d.name = "scanner-d";
  d.intensity = {0.0, 0.34, 0.70, 0.05, 0.80, 0.28};
  d.downsample = 3;
  d.blur_sigma_px = 1.0;
  d.noise_sigma = 0.05;
  d.bias_strength = 0.15;
  d.output_scale = 800.0;

  return {source, b, c, d};
}

std::vector<float> render(const Anatomy& anatomy, const DomainStyle& domain, std::uint64_t seed) {
  Rng rng(derive_seed(seed, {kAppearanceStream, fnv1a64(domain.name)}));
  // Per-case signal of each tissue, through the scanner's contrast/gamma response.
  std::array<double, kNumTissues> signal{};
  for (int t = 0; t < kNumTissues; ++t) {
    const double v = domain.intensity[t] * (1 + domain.intensity_jitter * rng.uniform(-1, 1));
    signal[t] = std::pow(std::clamp(0.5 + domain.contrast * (v - 0.5), 0.0, 1.0), domain.gamma);
  }
  const int nx = anatomy.nx, ny = anatomy.ny, nz = anatomy.nz;
  const BiasField bias(rng, domain.bias_strength, nx, ny, nz);

  const std::size_t plane = static_cast<std::size_t>(nx) * ny;
  std::vector<float> image(plane * nz);
  std::vector<float> slice(plane);
  for (int z = 0; z < nz; ++z) {
    const std::uint8_t* tissue = anatomy.tissue.data() + z * plane;
    for (std::size_t i = 0; i < plane; ++i) slice[i] = static_cast<float>(signal[tissue[i]]);
    if (domain.texture_amplitude > 0) {
      const std::vector<float> texture = smooth_pattern(rng, nx, ny, domain.texture_cell_px);
      for (std::size_t i = 0; i < plane; ++i)
        slice[i] *= static_cast<float>(std::max(0.0, 1 + domain.texture_amplitude * texture[i]));
    }
    reduce_resolution(slice, nx, ny, domain.downsample);
    gaussian_blur(slice, nx, ny, domain.blur_sigma_px);
    const double gain = bias.slice_gain(z);
    float* out = image.data() + z * plane;
    for (std::size_t i = 0; i < plane; ++i) {
      // Magnitude of a complex signal with Gaussian noise in both channels: Rician, and
      // Rayleigh-distributed (never zero) in the air.
      const auto [n_re, n_im] = normal_pair(rng);
      const double re = slice[i] * bias.plane()[i] * gain + domain.noise_sigma * n_re;
      const double im = domain.noise_sigma * n_im;
      out[i] = static_cast<float>(domain.output_scale * std::sqrt(re * re + im * im));
    }
  }
  return image;
}

}  // namespace mis::synth
