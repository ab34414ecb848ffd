#include "losses/spectral.h"

#include "core/error.h"

namespace mis {

SpectralMode parse_spectral_mode(const std::string& name) {
  if (name == "amplitude") return SpectralMode::amplitude;
  if (name == "complex") return SpectralMode::complex;
  if (name == "real-imag") return SpectralMode::real_imag;
  throw UserError("unknown spectral mode '" + name + "' (expected amplitude, complex or real-imag)");
}

std::string to_string(SpectralMode mode) {
  switch (mode) {
    case SpectralMode::amplitude: return "amplitude";
    case SpectralMode::complex: return "complex";
    case SpectralMode::real_imag: return "real-imag";
  }
  return "?";
}

torch::Tensor band_weights(int64_t height, int64_t width, const SpectralOptions& options, const torch::TensorOptions& to) {
  if (!options.band) return torch::ones({height, width}, to);
  // fftfreq gives cycles per pixel in [-0.5, 0.5); dividing by 0.5 makes Nyquist 1 on each axis.
  const auto fy = torch::fft::fftfreq(height, to) / 0.5;
  const auto fx = torch::fft::fftfreq(width, to) / 0.5;
  const auto radius = torch::sqrt(fy.unsqueeze(1).pow(2) + fx.unsqueeze(0).pow(2));
  const auto [low, high] = *options.band;
  return ((radius >= low) & (radius <= high)).to(to.dtype());
}

namespace {

struct Correlation {
  torch::Tensor r;           // [..]
  torch::Tensor target_var;  // [..]
};

// Weighted correlation along the last dimension. Centred, it is Pearson's r; uncentred, the
// cosine similarity. sqrt(var_x * var_y + eps) keeps value and gradient finite when a map is
// constant (an all-zero prediction), where sqrt(var_x) * sqrt(var_y) would not be.
Correlation weighted_correlation(torch::Tensor x, torch::Tensor y, const torch::Tensor& w, bool centred, double eps) {
  const auto total = w.sum();
  if (centred) {
    x = x - (x * w).sum(-1, true) / total;
    y = y - (y * w).sum(-1, true) / total;
  }
  const auto cov = (w * x * y).sum(-1) / total;
  const auto var_x = (w * x * x).sum(-1) / total;
  const auto var_y = (w * y * y).sum(-1) / total;
  return {cov / torch::sqrt(var_x * var_y + eps), var_y};
}

// The per-frequency features each mode correlates, flattened to [B, C, N], and whether the
// correlation subtracts their mean.
struct Features {
  torch::Tensor values;
  bool centred;
};

Features spectral_features(const torch::Tensor& maps, SpectralMode mode) {
  const auto spectrum = torch::fft::fft2(maps, c10::nullopt, {-2, -1}, "ortho").flatten(2);
  const auto re = torch::real(spectrum);
  const auto im = torch::imag(spectrum);
  switch (mode) {
    case SpectralMode::amplitude:
      // |F| through sqrt(re^2 + im^2 + eps): abs() has a NaN gradient at 0.
      return {torch::sqrt(re * re + im * im + 1e-12), true};
    case SpectralMode::complex:
      // Re<a, b> over complex vectors is the real dot product of [re, im]. Centring is done by
      // zeroing the DC term (see weights below): the spatial mean lives only in F[0, 0].
      return {torch::cat({re, im}, -1), false};
    case SpectralMode::real_imag:
      return {torch::cat({re, im}, -1), true};
  }
  throw std::logic_error("unhandled spectral mode");
}

}  // namespace

SpectralCorrelation spectral_correlation(const torch::Tensor& probs, const torch::Tensor& onehot,
                                         const SpectralOptions& options) {
  TORCH_CHECK(probs.dim() == 4 && probs.sizes() == onehot.sizes(), "spectral_correlation expects matching [B,K,H,W]");
  const int64_t first = options.include_background ? 0 : 1;
  const auto p = probs.slice(1, first);
  const auto y = onehot.slice(1, first).to(p.dtype());
  const int64_t height = p.size(2), width = p.size(3);

  auto w = band_weights(height, width, options, p.options()).flatten();
  if (options.mode == SpectralMode::complex) {
    // Subtracting the spatial mean == removing the DC coefficient; the arithmetic mean of the
    // coefficients (p[0,0]/sqrt(N)) would not centre anything.
    w = w.clone();
    w.index_put_({0}, 0.0);
  }
  const auto fp = spectral_features(p, options.mode);
  const auto fy = spectral_features(y, options.mode);
  const auto weights = fp.values.size(-1) == w.size(0) ? w : torch::cat({w, w});
  const auto corr = weighted_correlation(fp.values, fy.values, weights, fp.centred, options.eps);

  // A pair counts only when its target varies in space (the class is present and not everywhere)
  // and has energy inside the band.
  const auto area = y.sum({2, 3});
  const auto varies = (area > 0) & (area < static_cast<double>(height * width));
  return {corr.r, varies & (corr.target_var > 1e-12)};
}

torch::Tensor spectral_loss(const torch::Tensor& probs, const torch::Tensor& onehot, const SpectralOptions& options) {
  const auto corr = spectral_correlation(probs, onehot, options);
  const auto count = corr.valid.sum();
  const auto mean_scc = torch::where(corr.valid, corr.scc, torch::zeros_like(corr.scc)).sum() / count.clamp_min(1);
  // No valid pair: exactly 0, still attached to the graph so callers can backpropagate (a zero
  // gradient). Selected with `where` rather than by reading `count` on the host, which would make
  // every training step wait for the device.
  return torch::where(count > 0, 1.0 - mean_scc, probs.sum() * 0.0);
}

}  // namespace mis
