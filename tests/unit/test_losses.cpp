// The spatial and spectral objectives of docs/method.md section 1, checked against hand
// computations, an explicit DFT, Parseval's identity and finite differences.
#include <doctest/doctest.h>

#include <cmath>
#include <complex>

#include "core/error.h"
#include "losses/objective.h"

using namespace mis;

namespace {

SpectralOptions with_mode(SpectralMode mode) {
  SpectralOptions o;
  o.mode = mode;
  return o;
}

const SpectralMode kModes[] = {SpectralMode::amplitude, SpectralMode::complex, SpectralMode::real_imag};

// Random labels [B,H,W] with every class present in every image (so every pair is valid).
torch::Tensor random_labels(int64_t b, int64_t k, int64_t h, int64_t w) {
  auto labels = torch::randint(0, k, {b, h, w}, torch::kLong);
  for (int64_t i = 0; i < b; ++i)
    for (int64_t c = 0; c < k; ++c) labels[i][c][c] = c;
  return labels;
}

// Pearson correlation of two flat double vectors, written out plainly.
double pearson(const std::vector<double>& x, const std::vector<double>& y) {
  double mx = 0, my = 0;
  for (std::size_t i = 0; i < x.size(); ++i) mx += x[i], my += y[i];
  mx /= static_cast<double>(x.size());
  my /= static_cast<double>(y.size());
  double sxy = 0, sxx = 0, syy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  return sxy / std::sqrt(sxx * syy);
}

std::vector<double> flat(const torch::Tensor& t) {
  const auto c = t.to(torch::kDouble).contiguous().flatten();
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

// |DFT| of an HxW map by the textbook double sum, orthonormal scaling: an FFT-free reference.
std::vector<double> dft_amplitude(const torch::Tensor& map) {
  const int64_t h = map.size(0), w = map.size(1);
  const auto a = map.to(torch::kDouble).contiguous();
  std::vector<double> out;
  for (int64_t u = 0; u < h; ++u)
    for (int64_t v = 0; v < w; ++v) {
      std::complex<double> sum = 0;
      for (int64_t y = 0; y < h; ++y)
        for (int64_t x = 0; x < w; ++x)
          sum += a[y][x].item<double>() *
                 std::exp(std::complex<double>(0, -2 * M_PI * (double(u * y) / h + double(v * x) / w)));
      out.push_back(std::abs(sum) / std::sqrt(double(h * w)));
    }
  return out;
}

}  // namespace

TEST_CASE("soft Dice equals the hand computation") {
  // One image, two classes, 2 pixels. Foreground probs (0.8, 0.3), truth (1, 0):
  // 1 - (2*0.8 + eps) / (1.1 + 1 + eps)
  const auto probs = torch::tensor({0.2, 0.7, 0.8, 0.3}, torch::kDouble).view({1, 2, 1, 2});
  const auto onehot = torch::tensor({0.0, 1.0, 1.0, 0.0}, torch::kDouble).view({1, 2, 1, 2});
  const double eps = 1e-5;
  CHECK(soft_dice_loss(probs, onehot, false, eps).item<double>() ==
        doctest::Approx(1 - (1.6 + eps) / (2.1 + eps)).epsilon(1e-12));
  // With background: mean of both classes' losses; background: probs (0.2, 0.7), truth (0, 1).
  const double bg = 1 - (2 * 0.7 + eps) / (0.9 + 1 + eps);
  CHECK(soft_dice_loss(probs, onehot, true, eps).item<double>() ==
        doctest::Approx(0.5 * (bg + 1 - (1.6 + eps) / (2.1 + eps))).epsilon(1e-12));
}

TEST_CASE("spatial loss is w_ce * CE + w_dice * Dice") {
  torch::manual_seed(1);
  const auto logits = torch::randn({2, 3, 5, 5}, torch::kDouble);
  const auto labels = random_labels(2, 3, 5, 5);
  // CE by hand: mean over pixels of -log softmax at the label.
  const auto logp = torch::log_softmax(logits, 1);
  const double ce = -logp.gather(1, labels.unsqueeze(1)).mean().item<double>();
  const double dice = soft_dice_loss(torch::softmax(logits, 1), one_hot_masks(labels, 3), false).item<double>();
  SpatialLossOptions o;
  o.w_ce = 0.3;
  o.w_dice = 0.7;
  CHECK(spatial_loss(logits, labels, o).item<double>() == doctest::Approx(0.3 * ce + 0.7 * dice).epsilon(1e-10));
}

TEST_CASE("a perfect prediction has SCC 1 in every mode, with and without a band") {
  torch::manual_seed(2);
  const auto onehot = one_hot_masks(random_labels(2, 3, 16, 16), 3);
  for (const auto mode : kModes) {
    for (const bool banded : {false, true}) {
      SpectralOptions o = with_mode(mode);
      if (banded) o.band = std::make_pair(0.1, 0.6);
      const auto corr = spectral_correlation(onehot, onehot, o);
      CAPTURE(to_string(mode));
      CAPTURE(banded);
      CHECK(corr.valid.all().item<bool>());
      CHECK((corr.scc - 1).abs().max().item<double>() < 1e-5);
      CHECK(spectral_loss(onehot, onehot, o).item<double>() == doctest::Approx(0.0).epsilon(1e-5));
    }
  }
}

TEST_CASE("complex mode equals the spatial Pearson correlation (Parseval)") {
  torch::manual_seed(3);
  const auto probs = torch::softmax(torch::randn({3, 3, 12, 10}, torch::kDouble), 1);
  const auto onehot = one_hot_masks(random_labels(3, 3, 12, 10), 3).to(torch::kDouble);
  const auto corr = spectral_correlation(probs, onehot, with_mode(SpectralMode::complex));
  for (int64_t b = 0; b < 3; ++b)
    for (int64_t c = 1; c < 3; ++c) {
      const double spatial = pearson(flat(probs[b][c]), flat(onehot[b][c]));
      CHECK(corr.scc[b][c - 1].item<double>() == doctest::Approx(spatial).epsilon(1e-5));
    }
}

TEST_CASE("amplitude mode matches an explicit DFT and ignores circular shifts") {
  torch::manual_seed(4);
  const auto probs = torch::softmax(torch::randn({1, 2, 6, 8}, torch::kDouble), 1);
  const auto onehot = one_hot_masks(random_labels(1, 2, 6, 8), 2).to(torch::kDouble);
  const auto o = with_mode(SpectralMode::amplitude);
  const double scc = spectral_correlation(probs, onehot, o).scc[0][0].item<double>();
  CHECK(scc == doctest::Approx(pearson(dft_amplitude(probs[0][1]), dft_amplitude(onehot[0][1]))).epsilon(1e-6));

  const auto shifted = torch::roll(probs, {2, 3}, {2, 3});
  CHECK(spectral_correlation(shifted, onehot, o).scc[0][0].item<double>() == doctest::Approx(scc).epsilon(1e-9));
  // The complex mode is not shift-invariant: it sees where things are.
  const auto c = with_mode(SpectralMode::complex);
  CHECK(std::abs(spectral_correlation(shifted, onehot, c).scc[0][0].item<double>() -
                 spectral_correlation(probs, onehot, c).scc[0][0].item<double>()) > 1e-3);
}

TEST_CASE("real-imag mode is Pearson over the stacked real and imaginary parts") {
  torch::manual_seed(5);
  const auto probs = torch::softmax(torch::randn({1, 2, 8, 8}, torch::kDouble), 1);
  const auto onehot = one_hot_masks(random_labels(1, 2, 8, 8), 2).to(torch::kDouble);
  const auto fp = torch::fft::fft2(probs[0][1], c10::nullopt, {-2, -1}, "ortho");
  const auto fy = torch::fft::fft2(onehot[0][1], c10::nullopt, {-2, -1}, "ortho");
  auto stacked = [](const torch::Tensor& f) {
    auto v = flat(torch::real(f));
    const auto im = flat(torch::imag(f));
    v.insert(v.end(), im.begin(), im.end());
    return v;
  };
  const double expected = pearson(stacked(fp), stacked(fy));
  CHECK(spectral_correlation(probs, onehot, with_mode(SpectralMode::real_imag)).scc[0][0].item<double>() ==
        doctest::Approx(expected).epsilon(1e-9));
}

TEST_CASE("band weights select the radial band in fractions of Nyquist") {
  SpectralOptions o;
  o.band = std::make_pair(0.0, 0.5);
  const auto w = band_weights(8, 8, o, torch::TensorOptions().dtype(torch::kDouble));
  // fftfreq(8)/0.5 = {0, .25, .5, .75, -1, -.75, -.5, -.25}; count pairs with sqrt(fy^2+fx^2) <= 0.5 by hand.
  const double f[8] = {0, .25, .5, .75, -1, -.75, -.5, -.25};
  int expected = 0;
  for (double fy : f)
    for (double fx : f) expected += std::sqrt(fy * fy + fx * fx) <= 0.5 + 1e-12;
  CHECK(w.sum().item<double>() == expected);
  CHECK(w[0][0].item<double>() == 1.0);
  SpectralOptions none;
  CHECK(band_weights(8, 8, none, torch::TensorOptions().dtype(torch::kDouble)).sum().item<double>() == 64);
}

TEST_CASE("the spectral loss is finite with finite gradients for degenerate inputs") {
  torch::manual_seed(6);
  const auto onehot = one_hot_masks(random_labels(2, 3, 8, 8), 3);
  for (const auto mode : kModes) {
    CAPTURE(to_string(mode));
    for (const double fill : {0.0, 1.0}) {
      auto probs = torch::full({2, 3, 8, 8}, fill).requires_grad_(true);
      const auto loss = spectral_loss(probs, onehot, with_mode(mode));
      loss.backward();
      CHECK(std::isfinite(loss.item<double>()));
      CHECK(torch::isfinite(probs.grad()).all().item<bool>());
    }
    // Every class absent (background everywhere): no valid pair, loss exactly 0, zero gradient.
    auto logits = torch::randn({1, 3, 8, 8}).requires_grad_(true);
    const auto empty = one_hot_masks(torch::zeros({1, 8, 8}, torch::kLong), 3);
    const auto loss = spectral_loss(torch::softmax(logits, 1), empty, with_mode(mode));
    loss.backward();
    CHECK(loss.item<double>() == 0.0);
    CHECK(logits.grad().abs().sum().item<double>() == 0.0);
  }
}

TEST_CASE("an absent class is left out of the spectral mean") {
  torch::manual_seed(7);
  auto labels = random_labels(2, 3, 8, 8);
  labels[1].masked_fill_(labels[1] == 2, 0);  // class 2 absent from image 1
  const auto onehot = one_hot_masks(labels, 3);
  const auto probs = torch::softmax(torch::randn({2, 3, 8, 8}), 1);
  const auto o = with_mode(SpectralMode::amplitude);
  const auto corr = spectral_correlation(probs, onehot, o);
  CHECK(corr.valid.sum().item<int64_t>() == 3);
  CHECK_FALSE(corr.valid[1][1].item<bool>());
  const double mean_valid = (corr.scc[0][0] + corr.scc[0][1] + corr.scc[1][0]).item<double>() / 3;
  CHECK(spectral_loss(probs, onehot, o).item<double>() == doctest::Approx(1 - mean_valid).epsilon(1e-6));
}

TEST_CASE("analytic gradients of the full objective match central differences (double)") {
  torch::manual_seed(8);
  const auto labels = random_labels(1, 3, 6, 6);
  for (const auto mode : kModes) {
    CAPTURE(to_string(mode));
    LossConfig config;
    config.lambda = 0.7;
    config.spectral.mode = mode;
    config.spectral.band = mode == SpectralMode::real_imag ? std::make_optional(std::make_pair(0.0, 0.9)) : std::nullopt;
    auto logits = torch::randn({1, 3, 6, 6}, torch::kDouble).requires_grad_(true);
    compute_objective(logits, labels, config).total.backward();
    const auto analytic = logits.grad().clone();
    const double h = 1e-6;
    double worst = 0;
    auto x = logits.detach().clone();
    auto flat_x = x.view({-1});
    for (int64_t i = 0; i < flat_x.numel(); ++i) {
      const double keep = flat_x[i].item<double>();
      flat_x[i] = keep + h;
      const double up = compute_objective(x, labels, config).total.item<double>();
      flat_x[i] = keep - h;
      const double down = compute_objective(x, labels, config).total.item<double>();
      flat_x[i] = keep;
      worst = std::max(worst, std::abs((up - down) / (2 * h) - analytic.view({-1})[i].item<double>()));
    }
    CHECK(worst < 1e-6);
  }
}

TEST_CASE("lambda 0 leaves the spectral term out of the gradient but still reports it") {
  torch::manual_seed(9);
  const auto labels = random_labels(1, 2, 8, 8);
  auto logits = torch::randn({1, 2, 8, 8}).requires_grad_(true);
  LossConfig config;
  config.lambda = 0.0;
  const LossTerms t = compute_objective(logits, labels, config);
  REQUIRE(t.terms.size() == 2);
  const auto& spatial = t.terms[0].value;
  const auto& spectral = t.terms[1].value;
  CHECK(t.total.item<double>() == doctest::Approx(spatial.item<double>()));
  CHECK(spectral.item<double>() > 0.0);
  CHECK_FALSE(spectral.requires_grad());
}

TEST_CASE("the objective is the weighted sum of its named terms, each computed by its own function") {
  torch::manual_seed(10);
  const auto labels = random_labels(2, 3, 8, 8);
  const auto logits = torch::randn({2, 3, 8, 8}, torch::kDouble);
  LossConfig config;
  config.lambda = 0.3;
  const LossTerms t = compute_objective(logits, labels, config);
  // Independently: the two pure functions called directly.
  const double spatial = spatial_loss(logits, labels, config.spatial).item<double>();
  const double spectral =
      spectral_loss(torch::softmax(logits, 1), one_hot_masks(labels, 3), config.spectral).item<double>();
  REQUIRE(t.terms.size() == 2);
  CHECK(t.terms[0].name == "spatial");
  CHECK(t.terms[1].name == "spectral");
  CHECK(t.terms[0].value.item<double>() == doctest::Approx(spatial).epsilon(1e-12));
  CHECK(t.terms[1].value.item<double>() == doctest::Approx(spectral).epsilon(1e-12));
  CHECK(t.total.item<double>() == doctest::Approx(spatial + 0.3 * spectral).epsilon(1e-12));
}

TEST_CASE("a run's variant is named from the weighted terms, the same from a config and from its JSON") {
  LossConfig config;
  config.lambda = 0.0;
  CHECK(objective_variant(config) == "spatial");
  CHECK(objective_variant(to_json(config)) == "spatial");
  config.lambda = 0.25;
  CHECK(objective_variant(config) == "spectral");
  CHECK(objective_variant(to_json(config)) == "spectral");
  // Partial or older records: a missing weight is 0, and so is a missing loss block.
  CHECK(objective_variant(json{{"w_ce", 1.0}}) == "spatial");
  CHECK(objective_variant(json()) == "spatial");
  CHECK_THROWS_AS(objective_variant(json{{"lambda", "half"}}), UserError);
}

TEST_CASE("loss settings round-trip through JSON and reject bad values") {
  LossConfig c;
  c.lambda = 0.25;
  c.spectral.mode = SpectralMode::real_imag;
  c.spectral.band = std::make_pair(0.1, 0.5);
  const LossConfig back = loss_config_from_json(to_json(c));
  CHECK(back.lambda == 0.25);
  CHECK(back.spectral.mode == SpectralMode::real_imag);
  CHECK(back.spectral.band->second == 0.5);
  json bad = to_json(c);
  bad["spectral_band"] = {0.5, 0.1};
  CHECK_THROWS(loss_config_from_json(bad));
  bad = to_json(c);
  bad["spectral_mode"] = "phase";
  CHECK_THROWS(loss_config_from_json(bad));
}
