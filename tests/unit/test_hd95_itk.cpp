// HD95 (docs/method.md section 3): hand-computed values with anisotropic spacing, the empty-mask
// conventions, a rigid shift, and the distance-transform version against a brute-force
// pairwise search on random masks.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "core/rng.h"
#include "eval/evaluator.h"
#include "metrics/hd95.h"

using namespace mis;

namespace {

// Brute force, written independently of the library: surface = voxels with a face neighbour
// outside the mask (outside the array counts as outside; no Z neighbours for a single slice),
// then every pairwise distance.
std::vector<std::array<int64_t, 3>> brute_surface(const torch::Tensor& m) {
  const auto a = m.accessor<int64_t, 3>();
  const int64_t nz = m.size(0), ny = m.size(1), nx = m.size(2);
  const auto in = [&](int64_t z, int64_t y, int64_t x) {
    return z >= 0 && y >= 0 && x >= 0 && z < nz && y < ny && x < nx && a[z][y][x] != 0;
  };
  std::vector<std::array<int64_t, 3>> out;
  for (int64_t z = 0; z < nz; ++z)
    for (int64_t y = 0; y < ny; ++y)
      for (int64_t x = 0; x < nx; ++x) {
        if (!in(z, y, x)) continue;
        bool border = !in(z, y - 1, x) || !in(z, y + 1, x) || !in(z, y, x - 1) || !in(z, y, x + 1);
        if (nz > 1) border = border || !in(z - 1, y, x) || !in(z + 1, y, x);
        if (border) out.push_back({z, y, x});
      }
  return out;
}

std::vector<double> brute_directed(const std::vector<std::array<int64_t, 3>>& from,
                                   const std::vector<std::array<int64_t, 3>>& to, const std::array<double, 3>& sp) {
  std::vector<double> out;
  for (const auto& p : from) {
    double best = std::numeric_limits<double>::infinity();
    for (const auto& q : to) {
      const double dz = (p[0] - q[0]) * sp[2], dy = (p[1] - q[1]) * sp[1], dx = (p[2] - q[2]) * sp[0];
      best = std::min(best, std::sqrt(dz * dz + dy * dy + dx * dx));
    }
    out.push_back(best);
  }
  return out;
}

torch::Tensor random_mask(Rng& rng, int64_t nz, int64_t ny, int64_t nx, double p) {
  auto m = torch::zeros({nz, ny, nx}, torch::kLong);
  auto a = m.accessor<int64_t, 3>();
  for (int64_t z = 0; z < nz; ++z)
    for (int64_t y = 0; y < ny; ++y)
      for (int64_t x = 0; x < nx; ++x) a[z][y][x] = rng.chance(p) ? 1 : 0;
  return m;
}

}  // namespace

TEST_CASE("percentile_linear matches numpy.percentile by hand") {
  CHECK(percentile_linear({0, 0, 2, 4}, 95) == doctest::Approx(3.7));  // position 2.85
  CHECK(percentile_linear({3}, 95) == 3.0);
  CHECK(percentile_linear({4, 1, 2, 3}, 50) == doctest::Approx(2.5));
  CHECK(percentile_linear({1, 2}, 100) == 2.0);
}

TEST_CASE("hd95 by hand on a 2-D image with anisotropic spacing, both variants and units") {
  // A: a 1x3 bar at row 1, columns 1..3; B: one voxel at row 1, column 1. Spacing x 2 mm, y 1 mm.
  auto a = torch::zeros({1, 3, 5}, torch::kLong), b = torch::zeros({1, 3, 5}, torch::kLong);
  a.index_put_({0, 1, torch::indexing::Slice(1, 4)}, 1);
  b.index_put_({0, 1, 1}, 1);
  const std::array<double, 3> spacing{2.0, 1.0, 5.0};
  // Every voxel of a 1-thick bar is surface. a->b: 0, 2, 4 mm; b->a: 0 mm.
  const auto d = surface_distances(a, b, spacing);
  REQUIRE(d.a_to_b.size() == 3);
  REQUIRE(d.b_to_a.size() == 1);
  // medpy: 95th percentile of {0, 0, 2, 4} = 2 + 0.85 * 2.
  CHECK(*hd95(a, b, spacing, EmptyConvention::nnunet, Hd95Variant::medpy) == doctest::Approx(3.7));
  // MONAI: max(p95{0, 2, 4} = 3.8, p95{0} = 0).
  CHECK(*hd95(a, b, spacing, EmptyConvention::nnunet, Hd95Variant::monai) == doctest::Approx(3.8));
  // TransUNet: voxel units, {0, 0, 1, 2} -> 1.85.
  CHECK(*hd95(a, b, spacing, EmptyConvention::transunet, Hd95Variant::medpy) == doctest::Approx(1.85));
  // Symmetric.
  CHECK(*hd95(b, a, spacing, EmptyConvention::nnunet, Hd95Variant::medpy) == doctest::Approx(3.7));
}

TEST_CASE("hd95 of a solid 3x3 square: the centre is not surface") {
  // Z = 1 (2-D): the 3x3 square's surface is its 8-voxel ring. B is the centre voxel alone.
  auto a = torch::zeros({1, 5, 5}, torch::kLong), b = torch::zeros({1, 5, 5}, torch::kLong);
  a.index_put_({0, torch::indexing::Slice(1, 4), torch::indexing::Slice(1, 4)}, 1);
  b.index_put_({0, 2, 2}, 1);
  const auto d = surface_distances(a, b, {1.0, 1.0, 1.0});
  CHECK(d.a_to_b.size() == 8);
  // ring -> centre: 4 x 1, 4 x sqrt(2); centre -> ring: 1. Pooled sorted: 1,1,1,1,1,r,r,r,r (r = sqrt 2).
  const double r = std::sqrt(2.0);
  CHECK(*hd95(a, b, {1.0, 1.0, 1.0}, EmptyConvention::nnunet, Hd95Variant::medpy) == doctest::Approx(r));
  // The same square as one slice of a 3-slice volume: every voxel touches Z-background -> 9 surface voxels.
  auto a3 = torch::zeros({3, 5, 5}, torch::kLong);
  a3.index_put_({1, torch::indexing::Slice(1, 4), torch::indexing::Slice(1, 4)}, 1);
  CHECK(surface_distances(a3, a3, {1.0, 1.0, 1.0}).a_to_b.size() == 9);
}

TEST_CASE("hd95 empty-mask conventions") {
  auto some = torch::zeros({2, 4, 4}, torch::kLong), none = torch::zeros({2, 4, 4}, torch::kLong);
  some.index_put_({0, 1, 1}, 1);
  const std::array<double, 3> sp{0.5, 0.5, 3.0};
  for (auto v : {Hd95Variant::medpy, Hd95Variant::monai}) {
    // nnU-Net: null whenever either is empty.
    CHECK_FALSE(hd95(some, none, sp, EmptyConvention::nnunet, v).has_value());
    CHECK_FALSE(hd95(none, some, sp, EmptyConvention::nnunet, v).has_value());
    CHECK_FALSE(hd95(none, none, sp, EmptyConvention::nnunet, v).has_value());
    // TransUNet: prediction non-empty & reference empty: 0; prediction empty: 0.
    CHECK(*hd95(some, none, sp, EmptyConvention::transunet, v) == 0.0);
    CHECK(*hd95(none, some, sp, EmptyConvention::transunet, v) == 0.0);
    CHECK(*hd95(none, none, sp, EmptyConvention::transunet, v) == 0.0);
    CHECK(*hd95(some, some, sp, EmptyConvention::transunet, v) == 0.0);
  }
}

TEST_CASE("hd95 of a square plate shifted along Z equals the shift in mm") {
  // A 4x4 plate one slice thick, and the same plate 3 slices further; spacing z = 2.5 mm.
  auto a = torch::zeros({8, 6, 6}, torch::kLong), b = torch::zeros({8, 6, 6}, torch::kLong);
  a.index_put_({1, torch::indexing::Slice(1, 5), torch::indexing::Slice(1, 5)}, 1);
  b.index_put_({4, torch::indexing::Slice(1, 5), torch::indexing::Slice(1, 5)}, 1);
  const std::array<double, 3> sp{0.7, 0.9, 2.5};
  CHECK(*hd95(a, b, sp, EmptyConvention::nnunet, Hd95Variant::medpy) == doctest::Approx(7.5));
  CHECK(*hd95(a, b, sp, EmptyConvention::nnunet, Hd95Variant::monai) == doctest::Approx(7.5));
  CHECK(*hd95(a, b, sp, EmptyConvention::transunet, Hd95Variant::medpy) == doctest::Approx(3.0));
  // Identical masks: 0.
  CHECK(*hd95(a, a, sp, EmptyConvention::nnunet, Hd95Variant::medpy) == 0.0);
}

TEST_CASE("hd95: the distance transform agrees with a brute-force pairwise search on random masks") {
  Rng rng(2024);
  for (int trial = 0; trial < 12; ++trial) {
    const int64_t nz = trial % 3 == 0 ? 1 : 2 + static_cast<int64_t>(rng.below(5));
    const int64_t ny = 3 + static_cast<int64_t>(rng.below(8)), nx = 3 + static_cast<int64_t>(rng.below(8));
    const std::array<double, 3> sp{rng.uniform(0.3, 2.0), rng.uniform(0.3, 2.0), rng.uniform(0.5, 4.0)};
    auto a = random_mask(rng, nz, ny, nx, rng.uniform(0.1, 0.7));
    auto b = random_mask(rng, nz, ny, nx, rng.uniform(0.1, 0.7));
    a.index_put_({0, 0, 0}, 1);  // never empty
    b.index_put_({nz - 1, ny - 1, nx - 1}, 1);
    const auto sa = brute_surface(a), sb = brute_surface(b);
    SurfaceDistances brute{brute_directed(sa, sb, sp), brute_directed(sb, sa, sp)};
    const auto fast = surface_distances(a, b, sp);
    REQUIRE(fast.a_to_b.size() == brute.a_to_b.size());
    REQUIRE(fast.b_to_a.size() == brute.b_to_a.size());
    // Both lists are in the same (z, y, x) order.
    for (std::size_t i = 0; i < brute.a_to_b.size(); ++i)
      CHECK(fast.a_to_b[i] == doctest::Approx(brute.a_to_b[i]).epsilon(1e-5));
    for (std::size_t i = 0; i < brute.b_to_a.size(); ++i)
      CHECK(fast.b_to_a[i] == doctest::Approx(brute.b_to_a[i]).epsilon(1e-5));
    for (auto v : {Hd95Variant::medpy, Hd95Variant::monai})
      CHECK(*hd95(a, b, sp, EmptyConvention::nnunet, v) ==
            doctest::Approx(hd95_from_distances(brute, v)).epsilon(1e-5));
  }
}

TEST_CASE("hd95_per_class equals the per-mask computation and score_case reports it") {
  Rng rng(7);
  auto pred = torch::zeros({3, 9, 10}, torch::kLong), ref = torch::zeros({3, 9, 10}, torch::kLong);
  auto pa = pred.accessor<int64_t, 3>(), ra = ref.accessor<int64_t, 3>();
  for (int64_t z = 0; z < 3; ++z)
    for (int64_t y = 0; y < 9; ++y)
      for (int64_t x = 0; x < 10; ++x) {
        pa[z][y][x] = static_cast<int64_t>(rng.below(3));  // class 3 never predicted
        ra[z][y][x] = static_cast<int64_t>(rng.below(4));
      }
  const std::array<double, 3> sp{0.8, 1.1, 3.0};
  const auto all = hd95_per_class(pred, ref, 5, sp, EmptyConvention::nnunet, Hd95Variant::medpy);
  CHECK_FALSE(all[0].has_value());
  for (int64_t k = 1; k < 3; ++k)
    CHECK(*all[static_cast<std::size_t>(k)] ==
          doctest::Approx(*hd95(pred.eq(k), ref.eq(k), sp, EmptyConvention::nnunet, Hd95Variant::medpy)));
  CHECK_FALSE(all[3].has_value());  // missed: prediction empty
  CHECK_FALSE(all[4].has_value());  // absent from both

  const std::vector<std::string> classes{"bg", "a", "b", "c", "d"};
  const Hd95Request request{Hd95Variant::medpy, sp};
  const json scored = score_case("x", "", pred, ref, classes, EmptyConvention::nnunet, &request);
  CHECK(scored["metrics"]["a"]["hd95"].get<double>() == doctest::Approx(*all[1]));
  CHECK(scored["metrics"]["c"]["hd95"].is_null());
  CHECK(scored["metrics"]["d"]["hd95"].is_null());
  // Without a request there is no hd95 key (eval --hd95 off).
  CHECK_FALSE(score_case("x", "", pred, ref, classes, EmptyConvention::nnunet)["metrics"]["a"].contains("hd95"));
}
