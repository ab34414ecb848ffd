#pragma once
// Statistics of the report: mean and sample standard deviation over seeds, and the Wilcoxon
// signed-rank test over cases paired by case id (spatial+spectral against spatial-only).
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

}  // namespace mis
