#include "metrics/calibration.h"

#include <cmath>

#include <fmt/format.h>

#include "core/error.h"

namespace mis {

namespace {

// Pixels per chunk: the double-precision copy of a chunk stays small whatever the volume.
constexpr int64_t kChunk = int64_t{1} << 20;

void check_labels(const torch::Tensor& labels, int64_t num_classes) {
  if (labels.numel() == 0) return;
  const int64_t lo = labels.min().item<int64_t>(), hi = labels.max().item<int64_t>();
  if (lo < 0 || hi >= num_classes)
    throw UserError(fmt::format("calibration: label value {} is outside the model's classes 0..{}", lo < 0 ? lo : hi,
                                num_classes - 1));
}

json number_or_null(double v, bool defined) { return defined ? json(v) : json(nullptr); }

}  // namespace

CalibrationAccumulator::CalibrationAccumulator(int64_t bins)
    : bins_(bins),
      count_(static_cast<std::size_t>(bins), 0),
      correct_(static_cast<std::size_t>(bins), 0.0),
      confidence_(static_cast<std::size_t>(bins), 0.0) {
  TORCH_CHECK(bins >= 1, "calibration needs at least one bin");
}

void CalibrationAccumulator::add(const torch::Tensor& probabilities, const torch::Tensor& labels) {
  torch::NoGradGuard no_grad;
  TORCH_CHECK(probabilities.dim() >= 1 && probabilities.sizes().slice(1) == labels.sizes(),
              "calibration: probabilities [K, ...] and labels [...] disagree: ", probabilities.sizes(), " vs ",
              labels.sizes());
  const int64_t k = probabilities.size(0);
  const auto p = probabilities.reshape({k, -1});
  const auto l = labels.reshape({-1}).to(p.device(), torch::kLong);
  check_labels(l, k);
  const auto edges = torch::linspace(0.0, 1.0, bins_ + 1, torch::TensorOptions().dtype(torch::kDouble).device(p.device()));
  const int64_t n = p.size(1);
  for (int64_t start = 0; start < n; start += kChunk) {
    const int64_t end = std::min(n, start + kChunk);
    const auto pc = p.slice(1, start, end).to(torch::kDouble);
    const auto lc = l.slice(0, start, end);
    const auto [confidence, predicted] = pc.max(0);
    const auto correct = predicted.eq(lc).to(torch::kDouble);
    const auto p_label = pc.gather(0, lc.unsqueeze(0)).squeeze(0);
    // sum_c (p_c - y_c)^2 = sum_c p_c^2 - 2 p_label + 1, exactly.
    brier_sum_ += (pc.pow(2).sum(0) - 2 * p_label + 1).sum().item<double>();
    nll_sum_ += (-p_label.clamp_min(kNllFloor).log()).sum().item<double>();
    // bucketize(right=false) gives i with edge[i-1] < c <= edge[i]: bin i-1 is (edge[i-1], edge[i]].
    const auto bin = (torch::bucketize(confidence, edges) - 1).clamp(0, bins_ - 1);
    const auto counts = torch::bincount(bin, {}, bins_).cpu();
    const auto conf_sums = torch::bincount(bin, confidence, bins_).to(torch::kCPU, torch::kDouble);
    const auto correct_sums = torch::bincount(bin, correct, bins_).to(torch::kCPU, torch::kDouble);
    for (int64_t b = 0; b < bins_; ++b) {
      const auto i = static_cast<std::size_t>(b);
      count_[i] += counts[b].item<int64_t>();
      confidence_[i] += conf_sums[b].item<double>();
      correct_[i] += correct_sums[b].item<double>();
    }
  }
  pixels_ += n;
}

void CalibrationAccumulator::merge(const CalibrationAccumulator& other) {
  TORCH_CHECK(other.bins_ == bins_, "calibration: cannot merge accumulators with different bins");
  for (std::size_t i = 0; i < count_.size(); ++i) {
    count_[i] += other.count_[i];
    confidence_[i] += other.confidence_[i];
    correct_[i] += other.correct_[i];
  }
  brier_sum_ += other.brier_sum_;
  nll_sum_ += other.nll_sum_;
  pixels_ += other.pixels_;
}

CalibrationResult CalibrationAccumulator::result() const {
  CalibrationResult r;
  r.pixels = pixels_;
  const double n = static_cast<double>(pixels_);
  double correct_total = 0;
  for (int64_t b = 0; b < bins_; ++b) {
    const auto i = static_cast<std::size_t>(b);
    ReliabilityBin bin;
    bin.lower = static_cast<double>(b) / static_cast<double>(bins_);
    bin.upper = static_cast<double>(b + 1) / static_cast<double>(bins_);
    bin.count = count_[i];
    correct_total += correct_[i];
    if (bin.count > 0) {
      const double c = static_cast<double>(bin.count);
      bin.accuracy = correct_[i] / c;
      bin.confidence = confidence_[i] / c;
      const double gap = std::abs(bin.accuracy - bin.confidence);
      r.ece += c / n * gap;
      r.mce = std::max(r.mce, gap);
    }
    r.bins.push_back(bin);
  }
  if (pixels_ > 0) {
    r.brier = brier_sum_ / n;
    r.nll = nll_sum_ / n;
    r.accuracy = correct_total / n;
  }
  return r;
}

json to_json(const CalibrationResult& r) {
  const bool any = r.pixels > 0;
  json edges = json::array(), count = json::array(), accuracy = json::array(), confidence = json::array();
  if (!r.bins.empty()) edges.push_back(r.bins.front().lower);
  for (const auto& b : r.bins) {
    edges.push_back(b.upper);
    count.push_back(b.count);
    accuracy.push_back(number_or_null(b.accuracy, b.count > 0));
    confidence.push_back(number_or_null(b.confidence, b.count > 0));
  }
  return {{"pixels", r.pixels},
          {"pooled", "all pixels of all cases"},
          {"ece", number_or_null(r.ece, any)},
          {"mce", number_or_null(r.mce, any)},
          {"brier", number_or_null(r.brier, any)},
          {"nll", number_or_null(r.nll, any)},
          {"accuracy", number_or_null(r.accuracy, any)},
          {"binning", fmt::format("{} equal-width bins of top-label confidence, (lower, upper]", r.bins.size())},
          {"bins", {{"edges", edges}, {"count", count}, {"accuracy", accuracy}, {"confidence", confidence}}}};
}

double mean_nll_at_temperature(const torch::Tensor& logits, const torch::Tensor& labels, double temperature) {
  torch::NoGradGuard no_grad;
  TORCH_CHECK(logits.dim() == 2 && labels.dim() == 1 && logits.size(1) == labels.size(0),
              "temperature: logits [K, N] and labels [N] expected, got ", logits.sizes(), " and ", labels.sizes());
  TORCH_CHECK(temperature > 0, "temperature must be positive");
  const int64_t n = logits.size(1);
  if (n == 0) return 0.0;
  const auto l = labels.to(logits.device(), torch::kLong);
  double sum = 0;
  for (int64_t start = 0; start < n; start += kChunk) {
    const int64_t end = std::min(n, start + kChunk);
    const auto log_p = torch::log_softmax(logits.slice(1, start, end).to(torch::kDouble) / temperature, 0);
    sum -= log_p.gather(0, l.slice(0, start, end).unsqueeze(0)).sum().item<double>();
  }
  return sum / static_cast<double>(n);
}

TemperatureFit fit_temperature(const torch::Tensor& logits, const torch::Tensor& labels, double min_t, double max_t,
                               double tolerance) {
  TORCH_CHECK(min_t > 0 && max_t > min_t, "temperature search range must be 0 < min < max");
  check_labels(labels, logits.size(0));
  const auto nll = [&](double log_t) { return mean_nll_at_temperature(logits, labels, std::exp(log_t)); };
  // Golden-section search on log T.
  const double inv_phi = (std::sqrt(5.0) - 1.0) / 2.0;
  double a = std::log(min_t), b = std::log(max_t);
  double c = b - inv_phi * (b - a), d = a + inv_phi * (b - a);
  double fc = nll(c), fd = nll(d);
  TemperatureFit fit;
  while (b - a > tolerance) {
    ++fit.iterations;
    if (fc <= fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - inv_phi * (b - a);
      fc = nll(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + inv_phi * (b - a);
      fd = nll(d);
    }
  }
  fit.temperature = std::exp((a + b) / 2);
  fit.nll_before = mean_nll_at_temperature(logits, labels, 1.0);
  fit.nll_after = mean_nll_at_temperature(logits, labels, fit.temperature);
  fit.pixels = logits.size(1);
  return fit;
}

json to_json(const TemperatureFit& fit) {
  return {{"temperature", fit.temperature},
          {"nll_before", fit.nll_before},
          {"nll_after", fit.nll_after},
          {"iterations", fit.iterations},
          {"pixels", fit.pixels},
          {"method", "golden-section search on log T minimising the pixel NLL of softmax(logits / T)"}};
}

}  // namespace mis
