// Report statistics: mean and sample std by hand, the Wilcoxon signed-rank test exact on small
// hand-worked examples and against a normal approximation computed here by brute-force ranking.
#include <doctest/doctest.h>

#include <cmath>

#include "report/stats.h"

using namespace mis;

TEST_CASE("report mean and sample std by hand") {
  const std::vector<double> v{2, 4, 4, 4, 5, 5, 7, 9};
  CHECK(mean_of(v) == doctest::Approx(5.0));
  // Sum of squared deviations 32, n - 1 = 7.
  CHECK(*sample_sd(v) == doctest::Approx(std::sqrt(32.0 / 7.0)));
  CHECK(!sample_sd({3.0}).has_value());  // one seed: no spread, not 0
}

TEST_CASE("report Wilcoxon exact p on hand-worked examples") {
  // |d| ranks: 0.5->1, 1.5->2, 2->3, 3->4, 4->5; W+ = 2+3+4 = 9, W- = 1+5 = 6. Of the 32 sign
  // patterns of ranks 1..5, the subset sums >= 9 number 3+3+2+2+1+1+1 = 13, so p = 2 * 13/32.
  const auto r = wilcoxon_signed_rank({1.5, -0.5, 2, 3, -4});
  CHECK(r.method == "exact");
  CHECK(r.n == 5);
  CHECK(r.w_plus == 9);
  CHECK(r.w_minus == 6);
  CHECK(*r.p == doctest::Approx(26.0 / 32.0));
  // All six differences positive: only one of 64 patterns is as extreme on each side.
  const auto all = wilcoxon_signed_rank({0.1, 0.2, 0.3, 0.4, 0.5, 0.6});
  CHECK(*all.p == doctest::Approx(2.0 / 64.0));
  // Zeros are dropped (zero_method "wilcox"): the same test as above.
  const auto z = wilcoxon_signed_rank({0, 0.1, 0.2, 0, 0.3, 0.4, 0.5, 0.6});
  CHECK(z.zeros == 2);
  CHECK(z.n == 6);
  CHECK(*z.p == doctest::Approx(2.0 / 64.0));
  // Three cases, d = (0.03, 0.02, 0.025): p = 2/8.
  CHECK(*wilcoxon_signed_rank({0.03, 0.02, 0.025}).p == doctest::Approx(0.25));
  // Nothing to test.
  const auto none = wilcoxon_signed_rank({0, 0});
  CHECK(!none.p.has_value());
  CHECK(none.method == "none");
}

namespace {

// The normal approximation computed independently: mid-ranks by counting, tie groups by
// counting equal values, z and the two-sided p.
double normal_p(const std::vector<double>& d_all) {
  std::vector<double> d;
  for (double x : d_all)
    if (x != 0) d.push_back(x);
  const double n = static_cast<double>(d.size());
  double w_plus = 0, ties = 0;
  for (double x : d) {
    double less = 0, equal = 0;
    for (double y : d) {
      if (std::fabs(y) < std::fabs(x)) ++less;
      if (std::fabs(y) == std::fabs(x)) ++equal;
    }
    if (x > 0) w_plus += less + (equal + 1) / 2;
    ties += (equal * equal * equal - equal) / equal;  // each member contributes 1/t of its group's t^3 - t
  }
  const double var = n * (n + 1) * (2 * n + 1) / 24 - ties / 48;
  const double z = (w_plus - n * (n + 1) / 4) / std::sqrt(var);
  return std::erfc(std::fabs(z) / std::sqrt(2.0));
}

}  // namespace

TEST_CASE("report Wilcoxon normal approximation with ties and zeros, n above the exact limit") {
  std::vector<double> d;
  for (int i = 0; i < 40; ++i) d.push_back(((i * 7) % 11 - 3) * 0.01);  // values -0.03..0.07, many ties, zeros
  const auto r = wilcoxon_signed_rank(d);
  CHECK(r.method == "normal");
  CHECK(r.n + r.zeros == 40);
  CHECK(r.zeros > 0);
  CHECK(*r.p == doctest::Approx(normal_p(d)).epsilon(1e-9));
  // Ties below the exact limit also take the normal approximation.
  const std::vector<double> small{0.1, 0.1, -0.2, 0.3, 0.3, 0.4};
  const auto s = wilcoxon_signed_rank(small);
  CHECK(s.method == "normal");
  CHECK(*s.p == doctest::Approx(normal_p(small)).epsilon(1e-9));
  // At the exact limit (25 untied values) the exact p and the normal approximation agree closely.
  std::vector<double> u;
  for (int i = 1; i <= 25; ++i) u.push_back((i % 3 == 0 ? -1.0 : 1.0) * i);
  const auto exact = wilcoxon_signed_rank(u);
  CHECK(exact.method == "exact");
  CHECK(std::fabs(*exact.p - normal_p(u)) < 0.01);
  CHECK(*exact.p != normal_p(u));  // but it is the exact count, not the approximation
}

TEST_CASE("report Holm adjustment on a hand-worked example") {
  // Sorted: 0.005, 0.01, 0.03, 0.04 (m = 4) times 4, 3, 2, 1 = 0.02, 0.03, 0.06, 0.04; the running
  // maximum makes the last 0.06. Returned in the input's order; never above 1.
  const auto a = holm_adjust({0.01, 0.04, 0.03, 0.005});
  REQUIRE(a.size() == 4);
  CHECK(a[0] == doctest::Approx(0.03));
  CHECK(a[1] == doctest::Approx(0.06));
  CHECK(a[2] == doctest::Approx(0.06));
  CHECK(a[3] == doctest::Approx(0.02));
  const auto capped = holm_adjust({0.5, 0.6});
  CHECK(capped[0] == doctest::Approx(1.0));
  CHECK(capped[1] == doctest::Approx(1.0));
  CHECK(holm_adjust({0.2})[0] == doctest::Approx(0.2));  // a family of one is unchanged
  CHECK(holm_adjust({}).empty());
}

TEST_CASE("report smallest exact Wilcoxon p equals the test's p when all differences agree in sign") {
  for (int n : {1, 3, 8, 12}) {
    std::vector<double> d;
    for (int i = 1; i <= n; ++i) d.push_back(0.1 * i);
    CHECK(wilcoxon_min_exact_p(n) == doctest::Approx(*wilcoxon_signed_rank(d).p));
  }
  CHECK(wilcoxon_min_exact_p(8) == doctest::Approx(0.0078125));
}

TEST_CASE("report bootstrap interval: exact small cases and the normal approximation of a large sample") {
  // Two values a < b: the resampled mean is a with probability 1/4, (a+b)/2 with 1/2, b with 1/4;
  // both 2.5% and 97.5% fall inside the outer quarters, so the interval is [a, b].
  const auto two = bootstrap_mean_ci({1.0, 3.0});
  REQUIRE(two);
  CHECK(two->mean == doctest::Approx(2.0));
  CHECK(two->lo == doctest::Approx(1.0));
  CHECK(two->hi == doctest::Approx(3.0));
  // A constant sample has a point interval.
  const auto flat = bootstrap_mean_ci({0.4, 0.4, 0.4});
  CHECK(flat->lo == doctest::Approx(0.4));
  CHECK(flat->hi == doctest::Approx(0.4));
  CHECK(!bootstrap_mean_ci({}).has_value());
  // 400 symmetric values (i mod 20, spread evenly): the bootstrap distribution of the mean is close
  // to normal with sd = s / sqrt(n), s the plug-in (1/n) sd, so the 95% interval is the mean
  // +- 1.96 s / sqrt(n); Monte Carlo error of each bound with 10000 resamples is about 0.03 sd.
  std::vector<double> x;
  for (int i = 0; i < 400; ++i) x.push_back(i % 20);
  double m = 0, ss = 0;
  for (double v : x) m += v / 400;
  for (double v : x) ss += (v - m) * (v - m);
  const double se = std::sqrt(ss / 400) / std::sqrt(400.0);
  const auto big = bootstrap_mean_ci(x);
  CHECK(big->mean == doctest::Approx(9.5));
  CHECK(std::fabs(big->lo - (m - 1.959964 * se)) < 0.12 * se);
  CHECK(std::fabs(big->hi - (m + 1.959964 * se)) < 0.12 * se);
  // Seeded: the same interval every time; another seed moves it only by Monte Carlo error.
  const auto again = bootstrap_mean_ci(x);
  CHECK(again->lo == big->lo);
  CHECK(again->hi == big->hi);
  const auto other = bootstrap_mean_ci(x, 0.95, kBootstrapResamples, 7);
  CHECK(other->lo != big->lo);
  CHECK(std::fabs(other->lo - big->lo) < 0.2 * se);
}

TEST_CASE("report quantile definition 7 on a hand-worked example") {
  // numpy.quantile([1, 2, 4, 8], q): h = 3q; q = 0.5 -> 2 + 0.5 * 2 = 3; q = 0.9 -> h 2.7 -> 4 + 0.7 * 4 = 6.8.
  const std::vector<double> s{1, 2, 4, 8};
  CHECK(quantile_sorted(s, 0.5) == doctest::Approx(3.0));
  CHECK(quantile_sorted(s, 0.9) == doctest::Approx(6.8));
  CHECK(quantile_sorted(s, 0.0) == doctest::Approx(1.0));
  CHECK(quantile_sorted(s, 1.0) == doctest::Approx(8.0));
}
