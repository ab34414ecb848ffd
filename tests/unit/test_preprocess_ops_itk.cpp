// Tests of the image operations of `preprocess`: reorientation, grids and resampling,
// colour conversion, percentiles, intensity normalisation and mask interpretation. Expected
// values are computed by hand (index arithmetic, the linear ramp, the luminance weights).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>

#include "core/error.h"
#include "preprocess/case_processor.h"
#include "preprocess/image_ops.h"
#include "preprocess/plan.h"
#include "support.h"

namespace {

using mis::Geometry;
using mis::Volume;
namespace prep = mis::prep;

// [1, Z, Y, X] with value 100 z + 10 y + x.
torch::Tensor coded(int64_t nz, int64_t ny, int64_t nx) {
  auto t = torch::empty({1, nz, ny, nx}, torch::kFloat32);
  for (int64_t z = 0; z < nz; ++z)
    for (int64_t y = 0; y < ny; ++y)
      for (int64_t x = 0; x < nx; ++x) t[0][z][y][x] = static_cast<float>(100 * z + 10 * y + x);
  return t;
}

float at3(const torch::Tensor& t, int64_t z, int64_t y, int64_t x) { return t[0][z][y][x].item<float>(); }

}  // namespace

TEST_CASE("reorient: a volume stored right-to-left and anterior-to-posterior flipped becomes identity-oriented") {
  Volume v;
  v.voxels = coded(2, 2, 3);
  v.geometry.spacing = {1.0, 2.0, 3.0};
  v.geometry.origin = {10.0, 20.0, 30.0};
  v.geometry.direction = {-1, 0, 0, 0, -1, 0, 0, 0, 1};  // x towards Right, y towards Anterior (typical NIfTI/RAS)
  const Volume out = prep::reorient_canonical(v);
  for (int i = 0; i < 9; ++i) CHECK(out.geometry.direction[i] == doctest::Approx(i % 4 == 0 ? 1.0 : 0.0));
  // The new first voxel is the old voxel (2, 1, 0): world (10 - 2, 20 - 2, 30).
  CHECK(out.geometry.origin[0] == doctest::Approx(8.0));
  CHECK(out.geometry.origin[1] == doctest::Approx(18.0));
  CHECK(out.geometry.origin[2] == doctest::Approx(30.0));
  CHECK(out.geometry.spacing[1] == doctest::Approx(2.0));
  REQUIRE(out.voxels.sizes() == v.voxels.sizes());
  for (int64_t z = 0; z < 2; ++z)
    for (int64_t y = 0; y < 2; ++y)
      for (int64_t x = 0; x < 3; ++x) CHECK(at3(out.voxels, z, y, x) == at3(v.voxels, z, 1 - y, 2 - x));
}

TEST_CASE("reorient: permuted axes are transposed back, labels stay integers") {
  Volume v;
  v.voxels = coded(1, 3, 2).to(torch::kInt64);  // nx = 2, ny = 3
  // Index axis 0 points along world y (Posterior), axis 1 along world x (Left).
  v.geometry.direction = {0, 1, 0, 1, 0, 0, 0, 0, 1};
  v.geometry.spacing = {0.5, 2.0, 1.0};
  const Volume out = prep::reorient_canonical(v);
  CHECK((out.voxels.scalar_type() == torch::kInt64));
  REQUIRE(out.voxels.size(3) == 3);  // new x = old y
  REQUIRE(out.voxels.size(2) == 2);
  CHECK(out.geometry.spacing[0] == doctest::Approx(2.0));
  CHECK(out.geometry.spacing[1] == doctest::Approx(0.5));
  for (int64_t y = 0; y < 2; ++y)
    for (int64_t x = 0; x < 3; ++x) CHECK(out.voxels[0][0][y][x].item<int64_t>() == v.voxels[0][0][x][y].item<int64_t>());
}

TEST_CASE("grids keep the physical extent") {
  Volume v;
  v.voxels = torch::zeros({1, 5, 4, 4});
  v.geometry.spacing = {1.0, 1.0, 2.0};
  const prep::Grid g = prep::grid_of(v);
  CHECK(g.size == std::array<int64_t, 3>{4, 4, 5});
  const prep::Grid half = prep::grid_with_inplane_size(g, 2, 2);
  CHECK(half.size == std::array<int64_t, 3>{2, 2, 5});
  CHECK(half.geometry.spacing[0] == doctest::Approx(2.0));
  CHECK(half.geometry.origin[0] == doctest::Approx(0.5));  // edge at -0.5 stays: -0.5 + 2 / 2
  CHECK(half.geometry.origin[2] == doctest::Approx(0.0));
  const prep::Grid iso = prep::grid_with_spacing(g, {0.0, 0.5, 1.0});
  CHECK(iso.size == std::array<int64_t, 3>{4, 8, 10});
  CHECK(iso.geometry.origin[1] == doctest::Approx(-0.25));
  CHECK(iso.geometry.origin[2] == doctest::Approx(-0.5));
}

TEST_CASE("aspect-preserving resize: the longer side to n, padding that keeps every voxel's place in the world") {
  Volume v;
  v.voxels = torch::arange(12, torch::kFloat32).reshape({1, 1, 3, 4});  // 4 wide, 3 high
  v.geometry.spacing = {0.5, 0.5, 1.0};
  v.geometry.origin = {10.0, 20.0, 0.0};
  v.geometry.direction = {0, -1, 0, 1, 0, 0, 0, 0, 1};  // rotated in-plane: the origin shift must follow it
  const prep::Grid g = prep::grid_with_longer_side(prep::grid_of(v), 8);
  CHECK(g.size == std::array<int64_t, 3>{8, 6, 1});  // 3 * 8 / 4 = 6: aspect kept
  const Volume padded = prep::pad_inplane(v, 6, 6, -1.0);
  REQUIRE(padded.voxels.sizes() == torch::IntArrayRef({1, 1, 6, 6}));
  // Padding 1 left, 1 right; 1 top, 2 bottom (the odd voxel after the image).
  CHECK(torch::equal(padded.voxels.index({0, 0, torch::indexing::Slice(1, 4), torch::indexing::Slice(1, 5)}), v.voxels[0][0]));
  CHECK(padded.voxels[0][0][0][0].item<float>() == -1.0f);
  CHECK(padded.voxels[0][0][5][5].item<float>() == -1.0f);
  // World position of index (i, j, 0): origin + D * (i sx, j sy, 0), by hand for both grids.
  const auto world = [](const mis::Geometry& geo, double i, double j) {
    std::array<double, 3> p{};
    for (int r = 0; r < 3; ++r)
      p[r] = geo.origin[r] + geo.direction[3 * r] * i * geo.spacing[0] + geo.direction[3 * r + 1] * j * geo.spacing[1];
    return p;
  };
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 3; ++j) {
      const auto a = world(v.geometry, i, j), b = world(padded.geometry, i + 1, j + 1);
      for (int r = 0; r < 3; ++r) CHECK(a[r] == doctest::Approx(b[r]));
    }
}

TEST_CASE("resample: a linear ramp is reproduced, labels use nearest neighbour") {
  Volume v;
  v.voxels = torch::arange(8, torch::kFloat32).reshape({1, 1, 1, 8}).repeat({1, 1, 2, 1});  // value = x
  const prep::Grid fine = prep::grid_with_inplane_size(prep::grid_of(v), 16, 4);
  const Volume up = prep::resample(v, fine, prep::Interpolation::linear, /*antialias=*/true);
  REQUIRE(up.voxels.size(3) == 16);
  // Output centre k sits at x = -0.25 + 0.5 k; inside [0, 7] linear interpolation returns it.
  for (int64_t k = 1; k < 15; ++k) CHECK(at3(up.voxels, 0, 1, k) == doctest::Approx(-0.25 + 0.5 * k));
  // The cubic B-spline reproduces a ramp too, away from the mirrored borders.
  Volume long_ramp;
  long_ramp.voxels = torch::arange(32, torch::kFloat32).reshape({1, 1, 1, 32});
  const Volume spline = prep::resample(long_ramp, prep::grid_with_inplane_size(prep::grid_of(long_ramp), 64, 1),
                                       prep::Interpolation::bspline, false);
  for (int64_t k = 24; k < 40; ++k) CHECK(at3(spline.voxels, 0, 0, k) == doctest::Approx(-0.25 + 0.5 * k).epsilon(1e-4));

  Volume labels;
  labels.voxels = torch::tensor({1, 2, 3, 4}, torch::kInt64).reshape({1, 1, 2, 2});
  const Volume big = prep::resample(labels, prep::grid_with_inplane_size(prep::grid_of(labels), 4, 4),
                                    prep::Interpolation::nearest, false);
  CHECK((big.voxels.scalar_type() == torch::kInt64));
  const auto expected = torch::tensor({1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}, torch::kInt64).reshape({1, 1, 4, 4});
  CHECK(torch::equal(big.voxels, expected));
  CHECK_THROWS(prep::resample(labels, prep::grid_of(labels), prep::Interpolation::linear, false));

  // Downsampling a constant with anti-aliasing keeps the constant.
  Volume flat;
  flat.voxels = torch::full({1, 1, 12, 12}, 7.0f);
  const Volume small = prep::resample(flat, prep::grid_with_inplane_size(prep::grid_of(flat), 3, 3),
                                      prep::Interpolation::linear, true);
  CHECK(small.voxels.min().item<float>() == doctest::Approx(7.0));
  CHECK(small.voxels.max().item<float>() == doctest::Approx(7.0));
}

TEST_CASE("rgb to grey uses ITK's luminance weights") {
  auto rgb = torch::zeros({3, 1, 1, 2});
  rgb[0][0][0][0] = 100;
  rgb[1][0][0][0] = 50;
  rgb[2][0][0][0] = 200;
  rgb[0][0][0][1] = 255;
  rgb[1][0][0][1] = 255;
  rgb[2][0][0][1] = 255;
  const auto grey = prep::rgb_to_luminance(rgb);
  REQUIRE(grey.sizes() == torch::IntArrayRef({1, 1, 1, 2}));
  CHECK(grey[0][0][0][0].item<float>() == doctest::Approx(0.30 * 100 + 0.59 * 50 + 0.11 * 200));
  CHECK(grey[0][0][0][1].item<float>() == doctest::Approx(255.0));
}

TEST_CASE("percentiles interpolate like numpy") {
  const auto r = torch::arange(101, torch::kFloat32);
  CHECK(prep::percentile(r, 0.5) == doctest::Approx(0.5));
  CHECK(prep::percentile(r, 99.5) == doctest::Approx(99.5));
  CHECK(prep::percentile(torch::tensor({4.0f, 1.0f, 3.0f, 2.0f}), 50) == doctest::Approx(2.5));
  CHECK(prep::percentile(torch::tensor({5.0f}), 90) == doctest::Approx(5.0));
}

TEST_CASE("intensity: CT window, percentile min-max and z-score, unit range") {
  mis::PreprocessConfig c;
  mis::json stats;
  const auto hu = torch::tensor({-1000.0f, -125.0f, 75.0f, 275.0f, 1000.0f});
  const auto w = prep::normalize_channel(hu, prep::Intensity::ct_window, c, 0, stats);
  CHECK(torch::allclose(w, torch::tensor({0.0f, 0.0f, 0.5f, 1.0f, 1.0f})));

  c.percentiles = {10.0, 90.0};
  const auto r = torch::arange(101, torch::kFloat32);
  const auto mm = prep::normalize_channel(r, prep::Intensity::percentile_minmax, c, 0, stats);
  CHECK(mm[0].item<float>() == doctest::Approx(0.0));
  CHECK(mm[50].item<float>() == doctest::Approx(0.5));
  CHECK(mm[100].item<float>() == doctest::Approx(1.0));
  CHECK(stats["clip"][0].get<double>() == doctest::Approx(10.0));
  const auto z = prep::normalize_channel(r, prep::Intensity::percentile_zscore, c, 0, stats);
  CHECK(z.mean().item<double>() == doctest::Approx(0.0).epsilon(1e-5));
  CHECK(z.std(false).item<double>() == doctest::Approx(1.0).epsilon(1e-4));

  const auto u8 = prep::normalize_channel(torch::tensor({0.0f, 51.0f, 255.0f}), prep::Intensity::unit_range, c, 255.0, stats);
  CHECK(torch::allclose(u8, torch::tensor({0.0f, 0.2f, 1.0f})));
  const auto fl = prep::normalize_channel(torch::tensor({2.0f, 4.0f, 6.0f}), prep::Intensity::unit_range, c, 0.0, stats);
  CHECK(torch::allclose(fl, torch::tensor({0.0f, 0.5f, 1.0f})));
}

TEST_CASE("masks: label maps through a table, lossy and binary masks, instance maps") {
  mis::PreprocessConfig c;
  prep::DatasetPlan plan;
  plan.class_names = {"background", "aorta", "gallbladder", "left_kidney", "right_kidney",
                      "liver",      "pancreas", "spleen",   "stomach"};
  plan.mask_kind = prep::MaskKind::label_map;
  plan.label_lut = {0, 7, 4, 3, 2, 0, 5, 8, 1, 0, 0, 6, 0, 0};  // Synapse's BTCV -> TransUNet table
  plan.label_map_name = "the 14 BTCV labels";
  const auto raw = torch::arange(14, torch::kFloat32).reshape({1, 1, 1, 14});
  const auto mapped = prep::mask_to_labels(raw, plan, c, "label.nii.gz");
  CHECK(torch::equal(mapped.reshape({-1}), torch::tensor({0, 7, 4, 3, 2, 0, 5, 8, 1, 0, 0, 6, 0, 0}, torch::kInt64)));
  const std::string e = error_of([&] { prep::mask_to_labels(torch::full({1, 1, 1, 2}, 14.0f), plan, c, "bad.nii.gz"); });
  CHECK(e.find("bad.nii.gz") == 0);
  CHECK(e.find("outside") != std::string::npos);
  CHECK(error_of([&] { prep::mask_to_labels(torch::full({1, 1, 1, 2}, 1.5f), plan, c, "f.nii"); }).find("non-integer") !=
        std::string::npos);

  plan.mask_kind = prep::MaskKind::threshold;
  const auto jpeg = torch::tensor({0.0f, 126.0f, 127.0f, 128.0f, 250.0f}).reshape({1, 1, 1, 5});
  CHECK(torch::equal(prep::mask_to_labels(jpeg, plan, c, "m.jpg").reshape({-1}),
                     torch::tensor({0, 0, 0, 1, 1}, torch::kInt64)));

  plan.mask_kind = prep::MaskKind::binary;
  CHECK(torch::equal(prep::mask_to_labels(torch::tensor({0.0f, 255.0f}).reshape({1, 1, 1, 2}), plan, c, "m.png").reshape({-1}),
                     torch::tensor({0, 1}, torch::kInt64)));
  CHECK(error_of([&] { prep::mask_to_labels(torch::tensor({0.0f, 17.0f, 255.0f}).reshape({1, 1, 1, 3}), plan, c, "m.png"); })
            .find("other than 0 and 255") != std::string::npos);

  plan.mask_kind = prep::MaskKind::instances;
  CHECK(torch::equal(prep::mask_to_labels(torch::tensor({0.0f, 3.0f, 7.0f}).reshape({1, 1, 1, 3}), plan, c, "a.bmp").reshape({-1}),
                     torch::tensor({0, 1, 1}, torch::kInt64)));
}

TEST_CASE("seeded split: deterministic, independent of listing order, fractions by rounding") {
  std::vector<std::string> units;
  for (int i = 0; i < 100; ++i) units.push_back("patient" + std::to_string(1000 + i));
  const auto a = prep::seeded_split(units, 7, 0.1, 0.2, 1);
  std::vector<std::string> reversed(units.rbegin(), units.rend());
  const auto b = prep::seeded_split(reversed, 7, 0.1, 0.2, 1);
  int train = 0, val = 0, test = 0;
  for (std::size_t i = 0; i < units.size(); ++i) {
    CHECK(a[i] == b[units.size() - 1 - i]);
    train += a[i] == "train";
    val += a[i] == "val";
    test += a[i] == "test";
  }
  CHECK(train == 70);
  CHECK(val == 10);
  CHECK(test == 20);
  CHECK(prep::seeded_split(units, 8, 0.1, 0.2, 1) != a);
  // Tiny sets keep at least one training unit.
  const auto tiny = prep::seeded_split({"a", "b"}, 0, 0.5, 0.5, 1);
  CHECK(std::count(tiny.begin(), tiny.end(), "train") >= 1);
}
