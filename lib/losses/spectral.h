#pragma once
// The spectral objective of docs/method.md section 1: L_spectral = 1 - SCC, the Spectral
// Correlation Coefficient between fft2 of the predicted probability map P = softmax(logits)
// and fft2 of the one-hot mask Y, per image and class (Gorade et al., ICPR 2024,
// arXiv 2401.10373). The FFT is only ever applied to masks, never to input images.
#include <optional>
#include <string>

#include <torch/torch.h>

namespace mis {

enum class SpectralMode {
  amplitude,  // Pearson correlation of |Fp| and |Fy|: translation-invariant, compares shape energy per frequency
  complex,    // Re<Fp~, Fy~> / (|Fp~| |Fy~|) with the DC term removed: equals the spatial Pearson r (Parseval)
  real_imag,  // Pearson correlation of the concatenated real and imaginary parts
};

SpectralMode parse_spectral_mode(const std::string& name);  // "amplitude" | "complex" | "real-imag"
std::string to_string(SpectralMode mode);

struct SpectralOptions {
  SpectralMode mode = SpectralMode::amplitude;
  // Radial band [low, high] as fractions of Nyquist (1 = Nyquist along an axis; corners reach sqrt(2)).
  // Empty: every frequency counts.
  std::optional<std::pair<double, double>> band;
  bool include_background = false;
  double eps = 1e-10;  // in the denominator sqrt(var_p * var_y + eps)
};

struct SpectralCorrelation {
  torch::Tensor scc;    // [B, C'] correlation per image and (selected) class
  torch::Tensor valid;  // [B, C'] bool: the target has variance (the class is present and not everywhere)
};

// probs and onehot: [B, K, H, W]. C' = K - 1 (foreground) or K with include_background.
SpectralCorrelation spectral_correlation(const torch::Tensor& probs, const torch::Tensor& onehot,
                                         const SpectralOptions& options);

// 1 - mean SCC over the valid pairs; exactly 0 (and no gradient) when no pair is valid.
torch::Tensor spectral_loss(const torch::Tensor& probs, const torch::Tensor& onehot, const SpectralOptions& options);

// The band as a [H, W] 0/1 weight over fft2's frequency grid (all ones without a band).
torch::Tensor band_weights(int64_t height, int64_t width, const SpectralOptions& options, const torch::TensorOptions& to);

}  // namespace mis
