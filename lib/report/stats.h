#pragma once
// Statistics of the report: mean and sample standard deviation over seeds, the Wilcoxon
// signed-rank test over cases paired by case id (spatial+spectral against spatial-only), a
// bootstrap confidence interval of the mean paired difference (the effect size, in the metric's
// unit) and Holm's correction of a family of p-values.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mis {

double mean_of(const std::vector<double>& v);                 // v must be non-empty
std::optional<double> sample_sd(const std::vector<double>& v);  // n - 1 denominator; none for n < 2

// Two-sided Wilcoxon signed-rank test of paired differences d_i (Wilcoxon 1945), with the
// conventions of scipy.stats.wilcoxon's defaults (zero_method="wilcox", correction=False):
//  * zero differences are dropped; |d| are ranked with mid-ranks for ties; W+ = sum of the
//    ranks of positive differences.
//  * exact: when at most kWilcoxonExactMax differences remain and no |d| are tied, the null
//    distribution of W+ (every sign pattern equally likely, 2^n of them) is counted exactly
//    and p = min(1, 2 min(P(W+ <= w), P(W+ >= w))).
//  * otherwise the normal approximation: E = n(n+1)/4, Var = n(n+1)(2n+1)/24 - sum(t^3 - t)/48
//    over groups of t tied |d| (Hollander & Wolfe, Nonparametric Statistical Methods, 3rd ed.,
//    section 3.1), z = (W+ - E) / sqrt(Var), p = erfc(|z| / sqrt 2).
// Ties decided with a relative tolerance of 1e-12, since metric differences are computed in
// floating point.
constexpr int kWilcoxonExactMax = 25;

struct WilcoxonResult {
  int n = 0;             // non-zero differences used
  int zeros = 0;         // zero differences dropped
  double w_plus = 0, w_minus = 0;
  std::optional<double> p;  // none when no non-zero difference is left
  std::optional<double> z;  // normal approximation only
  std::string method;       // "exact" | "normal" | "none"
};

WilcoxonResult wilcoxon_signed_rank(const std::vector<double>& differences);

// The smallest p the exact two-sided test can give with n untied non-zero differences: all of
// one sign, 2 / 2^n (0.0078 for n = 8), so with few cases "p < 0.05" says little by itself.
double wilcoxon_min_exact_p(int n);

// Percentile bootstrap confidence interval of the mean (Efron & Tibshirani, An Introduction to
// the Bootstrap, 1993, section 13.3): `resamples` means of n values drawn with replacement
// (mis::Rng seeded with `seed`, so the report is the same on every run and machine); the
// bounds are their (1 - level)/2 and (1 + level)/2 quantiles, linearly interpolated between
// order statistics (Hyndman & Fan 1996, definition 7, numpy's default).
constexpr int kBootstrapResamples = 10000;
constexpr std::uint64_t kBootstrapSeed = 20261201;

struct BootstrapCI {
  double mean = 0, lo = 0, hi = 0;
};

// None for an empty sample.
std::optional<BootstrapCI> bootstrap_mean_ci(const std::vector<double>& x, double level = 0.95,
                                             int resamples = kBootstrapResamples, std::uint64_t seed = kBootstrapSeed);

// Quantile q in [0, 1] of sorted values, definition 7 of Hyndman & Fan (see above).
double quantile_sorted(const std::vector<double>& sorted, double q);

// Holm's step-down adjustment (Holm 1979): with the m p-values in ascending order
// p(1) <= ... <= p(m), adjusted p(i) = max over j <= i of min(1, (m - j + 1) p(j)), returned in
// the input's order. Rejecting where adjusted p < alpha controls the family-wise error rate at
// alpha for any dependence between the tests.
std::vector<double> holm_adjust(const std::vector<double>& p);

}  // namespace mis
