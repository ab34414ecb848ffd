#include "report/stats.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/rng.h"

namespace mis {

double mean_of(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

std::optional<double> sample_sd(const std::vector<double>& v) {
  if (v.size() < 2) return std::nullopt;
  const double m = mean_of(v);
  double ss = 0;
  for (double x : v) ss += (x - m) * (x - m);
  return std::sqrt(ss / static_cast<double>(v.size() - 1));
}

namespace {

bool tied(double a, double b) { return std::fabs(a - b) <= 1e-12 * std::max(std::fabs(a), std::fabs(b)); }

}  // namespace

WilcoxonResult wilcoxon_signed_rank(const std::vector<double>& differences) {
  WilcoxonResult r;
  std::vector<double> d;
  for (double x : differences) {
    if (x == 0) ++r.zeros;
    else d.push_back(x);
  }
  r.n = static_cast<int>(d.size());
  if (d.empty()) {
    r.method = "none";
    return r;
  }
  // Mid-ranks of |d|.
  std::vector<std::size_t> order(d.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return std::fabs(d[a]) < std::fabs(d[b]); });
  std::vector<double> rank(d.size());
  double tie_term = 0;  // sum over tie groups of t^3 - t
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i + 1;
    while (j < order.size() && tied(std::fabs(d[order[j]]), std::fabs(d[order[i]]))) ++j;
    const double mid = 0.5 * static_cast<double>(i + 1 + j);  // mean of ranks i+1 .. j
    for (std::size_t k = i; k < j; ++k) rank[order[k]] = mid;
    const double t = static_cast<double>(j - i);
    tie_term += t * t * t - t;
    i = j;
  }
  for (std::size_t i = 0; i < d.size(); ++i) (d[i] > 0 ? r.w_plus : r.w_minus) += rank[i];
  const int n = r.n;
  if (n <= kWilcoxonExactMax && tie_term == 0) {
    // count[s] = number of subsets of {1..n} with sum s (each subset = the ranks with a + sign).
    const int max_sum = n * (n + 1) / 2;
    std::vector<double> count(static_cast<std::size_t>(max_sum) + 1, 0.0);
    count[0] = 1;
    for (int k = 1; k <= n; ++k)
      for (int s = max_sum; s >= k; --s) count[static_cast<std::size_t>(s)] += count[static_cast<std::size_t>(s - k)];
    const double total = std::ldexp(1.0, n);
    const int w = static_cast<int>(std::lround(r.w_plus));
    double below = 0, above = 0;
    for (int s = 0; s <= max_sum; ++s) {
      if (s <= w) below += count[static_cast<std::size_t>(s)];
      if (s >= w) above += count[static_cast<std::size_t>(s)];
    }
    r.p = std::min(1.0, 2.0 * std::min(below, above) / total);
    r.method = "exact";
    return r;
  }
  const double nn = n;
  const double expected = nn * (nn + 1) / 4;
  const double variance = nn * (nn + 1) * (2 * nn + 1) / 24 - tie_term / 48;
  if (variance <= 0) {  // every |d| tied and n = 1 cannot happen here; guard anyway
    r.method = "none";
    return r;
  }
  r.z = (r.w_plus - expected) / std::sqrt(variance);
  r.p = std::erfc(std::fabs(*r.z) / std::sqrt(2.0));
  r.method = "normal";
  return r;
}

double wilcoxon_min_exact_p(int n) { return n <= 0 ? 1.0 : std::min(1.0, std::ldexp(2.0, -n)); }

double quantile_sorted(const std::vector<double>& sorted, double q) {
  const double h = q * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

std::optional<BootstrapCI> bootstrap_mean_ci(const std::vector<double>& x, double level, int resamples,
                                             std::uint64_t seed) {
  if (x.empty() || resamples < 1) return std::nullopt;
  Rng rng(seed);
  const std::uint64_t n = x.size();
  std::vector<double> means(static_cast<std::size_t>(resamples));
  for (auto& m : means) {
    double sum = 0;
    for (std::uint64_t i = 0; i < n; ++i) sum += x[rng.below(n)];
    m = sum / static_cast<double>(n);
  }
  std::sort(means.begin(), means.end());
  return BootstrapCI{mean_of(x), quantile_sorted(means, (1 - level) / 2), quantile_sorted(means, (1 + level) / 2)};
}

std::vector<double> holm_adjust(const std::vector<double>& p) {
  const std::size_t m = p.size();
  std::vector<std::size_t> order(m);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return p[a] < p[b]; });
  std::vector<double> adjusted(m);
  double running = 0;
  for (std::size_t j = 0; j < m; ++j) {
    running = std::max(running, std::min(1.0, static_cast<double>(m - j) * p[order[j]]));
    adjusted[order[j]] = running;
  }
  return adjusted;
}

}  // namespace mis
