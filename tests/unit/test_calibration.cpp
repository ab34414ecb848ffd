// Calibration metrics (docs/method.md section 3) by hand and on synthetic predictors with a known
// gap, and temperature scaling recovering a known temperature.
#include <doctest/doctest.h>

#include <cmath>

#include "core/rng.h"
#include "metrics/calibration.h"

using namespace mis;

namespace {

// Two-class probabilities [2, N] with confidence `conf` for class 0 and labels of which exactly
// `correct` are 0 (correct) and the rest 1.
std::pair<torch::Tensor, torch::Tensor> binary_block(double conf, int64_t n, int64_t correct) {
  auto p = torch::empty({2, n}, torch::kFloat32);
  p[0].fill_(conf);
  p[1].fill_(1.0 - conf);
  auto labels = torch::ones({n}, torch::kLong);
  labels.slice(0, 0, correct).fill_(0);
  return {p, labels};
}

}  // namespace

TEST_CASE("Brier and NLL by hand on three pixels") {
  // Pixels: p = (0.7, 0.2, 0.1) label 0; (0.1, 0.62, 0.28) label 2; (0.19, 0.19, 0.62) label 2.
  const auto p = torch::tensor({0.7, 0.1, 0.19, 0.2, 0.62, 0.19, 0.1, 0.28, 0.62}, torch::kFloat64).view({3, 3});
  const auto labels = torch::tensor({0, 2, 2}, torch::kLong);
  CalibrationAccumulator acc;
  acc.add(p, labels);
  const auto r = acc.result();
  CHECK(r.pixels == 3);
  const double b0 = 0.3 * 0.3 + 0.2 * 0.2 + 0.1 * 0.1;
  const double b1 = 0.1 * 0.1 + 0.62 * 0.62 + 0.72 * 0.72;
  const double b2 = 0.19 * 0.19 + 0.19 * 0.19 + 0.38 * 0.38;
  CHECK(r.brier == doctest::Approx((b0 + b1 + b2) / 3));
  CHECK(r.nll == doctest::Approx(-(std::log(0.7) + std::log(0.28) + std::log(0.62)) / 3));
  // Top-label: 0.7 correct (bin (10/15, 11/15]); 0.62 wrong (argmax 1) and 0.62 correct (bin (9/15, 10/15]).
  CHECK(r.accuracy == doctest::Approx(2.0 / 3));
  CHECK(r.bins[10].count == 1);
  CHECK(r.bins[9].count == 2);
  CHECK(r.bins[9].accuracy == doctest::Approx(0.5));
  CHECK(r.bins[9].confidence == doctest::Approx(0.62));
  CHECK(r.ece == doctest::Approx((1.0 / 3) * 0.3 + (2.0 / 3) * 0.12));
  CHECK(r.mce == doctest::Approx(0.3));
}

TEST_CASE("ECE of a perfectly calibrated predictor is 0, of an over-confident one its gap") {
  CalibrationAccumulator calibrated;
  // In each bin, confidence p and exactly p of the pixels correct.
  for (double p : {0.55, 0.65, 0.75, 0.85, 0.95}) {
    const auto [probs, labels] = binary_block(p, 200, static_cast<int64_t>(std::lround(200 * p)));
    calibrated.add(probs, labels);
  }
  const auto good = calibrated.result();
  CHECK(good.pixels == 1000);
  CHECK(good.ece == doctest::Approx(0.0).epsilon(1e-6));
  CHECK(good.mce < 1e-6);

  // Confidence 0.9 everywhere, 70% correct: ECE = MCE = 0.2.
  CalibrationAccumulator over;
  const auto [probs, labels] = binary_block(0.9, 1000, 700);
  // Added in two parts (as cases are): pooling must not depend on it.
  over.add(probs.slice(1, 0, 300), labels.slice(0, 0, 300));
  over.add(probs.slice(1, 300), labels.slice(0, 300));
  const auto bad = over.result();
  CHECK(bad.ece == doctest::Approx(0.2));
  CHECK(bad.mce == doctest::Approx(0.2));
  int64_t non_empty = 0;
  for (const auto& b : bad.bins) non_empty += b.count > 0 ? 1 : 0;
  CHECK(non_empty == 1);
  CHECK(bad.bins[13].count == 1000);  // 0.9 lies in (13/15, 14/15]
  const json j = to_json(bad);
  CHECK(j["bins"]["count"].size() == 15);
  CHECK(j["bins"]["edges"].size() == 16);
  CHECK(j["bins"]["accuracy"][0].is_null());
}

TEST_CASE("calibration accepts probabilities shaped like a volume and rejects unknown labels") {
  auto p = torch::full({3, 2, 2, 2}, 0.25);
  p[0].fill_(0.5);
  auto labels = torch::zeros({2, 2, 2}, torch::kLong);
  CalibrationAccumulator acc;
  acc.add(p, labels);
  CHECK(acc.pixels() == 8);
  CHECK(acc.result().bins[7].count == 8);  // 0.5 lies in (7/15, 8/15]
  labels[0][0][0] = 3;
  CHECK_THROWS(acc.add(p, labels));
  CalibrationAccumulator merged;
  merged.merge(acc);
  CHECK(merged.pixels() == 8);
}

TEST_CASE("temperature scaling recovers a known temperature on synthetic logits") {
  // Labels drawn from softmax(z / 2.5): the NLL-optimal temperature for z is 2.5.
  const double true_t = 2.5;
  const int64_t k = 3, n = 40000;
  Rng rng(99);
  auto z = torch::empty({k, n}, torch::kFloat32);
  auto labels = torch::empty({n}, torch::kLong);
  auto za = z.accessor<float, 2>();
  auto la = labels.accessor<int64_t, 1>();
  for (int64_t i = 0; i < n; ++i) {
    double w[3], total = 0;
    for (int64_t c = 0; c < k; ++c) {
      za[c][i] = static_cast<float>(rng.normal(0.0, 4.0));
      w[c] = std::exp(za[c][i] / true_t);
      total += w[c];
    }
    double u = rng.uniform() * total;
    int64_t label = 0;
    while (label < k - 1 && u >= w[label]) u -= w[label++];
    la[i] = label;
  }
  const auto fit = fit_temperature(z, labels);
  CHECK(fit.temperature == doctest::Approx(true_t).epsilon(0.05));
  CHECK(fit.nll_after < fit.nll_before);
  // The fit is a minimum: nudging T either way does not lower the NLL.
  CHECK(mean_nll_at_temperature(z, labels, fit.temperature * 1.05) >= fit.nll_after);
  CHECK(mean_nll_at_temperature(z, labels, fit.temperature / 1.05) >= fit.nll_after);
  // Deterministic.
  CHECK(fit_temperature(z, labels).temperature == fit.temperature);
  // NLL at T = 1 by a second route: probabilities through the accumulator.
  CalibrationAccumulator acc;
  acc.add(torch::softmax(z.to(torch::kDouble), 0), labels);
  CHECK(acc.result().nll == doctest::Approx(fit.nll_before).epsilon(1e-7));
}
