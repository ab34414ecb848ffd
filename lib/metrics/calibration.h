#pragma once
// Pixel-wise calibration pooled over every pixel of a test set (docs/method.md section 3).
//
// Top-label confidence max_c p_c, counted correct when argmax_c p_c equals the label; 15
// equal-width bins on [0, 1], bin i covering (i/15, (i+1)/15] as in Guo et al. 2017 (a
// confidence of exactly 0 goes to the first bin). torchmetrics' multiclass calibration error
// agrees except on the edges: its bins are [i/15, (i+1)/15) and a confidence of exactly 1 gets
// a 16th bin of its own (docs/peers.md; checked in tests/peers/check_calibration.py):
//   ECE   = sum_b n_b / N * |acc_b - conf_b|        (Guo et al. 2017; torchmetrics norm="l1")
//   MCE   = max over non-empty bins |acc_b - conf_b| (torchmetrics norm="max")
//   Brier = mean over pixels of sum_c (p_c - y_c)^2  (Brier 1950, multi-class form)
//   NLL   = mean over pixels of -log max(p_label, 1e-12)
// The accumulator keeps only per-bin sums, so a whole test set is pooled without holding it.
#include <cstdint>
#include <vector>

#include <torch/torch.h>

#include "core/json.h"

namespace mis {

constexpr int64_t kCalibrationBins = 15;
constexpr double kNllFloor = 1e-12;  // probabilities are clamped here before the log

struct ReliabilityBin {
  double lower = 0, upper = 0;  // (lower, upper]
  int64_t count = 0;
  double accuracy = 0;    // mean correctness in the bin (0 when empty)
  double confidence = 0;  // mean top-label confidence in the bin (0 when empty)
};

struct CalibrationResult {
  int64_t pixels = 0;
  double ece = 0, mce = 0, brier = 0, nll = 0;
  double accuracy = 0;  // pixel accuracy, for context
  std::vector<ReliabilityBin> bins;
};

// {"pixels", "ece", "mce", "brier", "nll", "accuracy", "bins": {"edges": [...], "count": [...],
//  "accuracy": [...], "confidence": [...]}, "binning": "...", "pooled": "all pixels"}
json to_json(const CalibrationResult& r);

class CalibrationAccumulator {
 public:
  explicit CalibrationAccumulator(int64_t bins = kCalibrationBins);
  // probabilities [K, ...] (each column sums to 1), labels [...] with values 0..K-1; any device.
  void add(const torch::Tensor& probabilities, const torch::Tensor& labels);
  // Adds another accumulator's pixels (same number of bins).
  void merge(const CalibrationAccumulator& other);
  int64_t pixels() const { return pixels_; }
  CalibrationResult result() const;

 private:
  int64_t bins_;
  int64_t pixels_ = 0;
  std::vector<int64_t> count_;
  std::vector<double> correct_, confidence_;
  double brier_sum_ = 0, nll_sum_ = 0;
};

// Mean NLL of softmax(logits / temperature) at the labels; logits [K, N] float, labels [N].
double mean_nll_at_temperature(const torch::Tensor& logits, const torch::Tensor& labels, double temperature);

// Temperature scaling (Guo et al. 2017): the T minimising the NLL of softmax(logits / T), by
// golden-section search on log T over [min_t, max_t] (the NLL is unimodal in log T, since it is
// convex in 1/T); deterministic.
struct TemperatureFit {
  double temperature = 1.0;
  double nll_before = 0;  // at T = 1
  double nll_after = 0;   // at the fitted T
  int iterations = 0;
  int64_t pixels = 0;
};
TemperatureFit fit_temperature(const torch::Tensor& logits, const torch::Tensor& labels, double min_t = 0.05,
                               double max_t = 20.0, double tolerance = 1e-4);

json to_json(const TemperatureFit& fit);

}  // namespace mis
