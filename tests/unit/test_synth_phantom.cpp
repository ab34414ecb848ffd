// Tests of the synthetic cardiac phantom (docs/method.md section 6): determinism, fixed topology,
// anatomy independent of the scanner, class relabelling, intra-class variation and distractors.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "data/synth/phantom.h"

namespace {

using mis::synth::Anatomy;
using mis::synth::SynthOptions;
using PhantomVolume = mis::synth::Volume;  // not mis::Volume (data/volume_io.h), which unity batches may see too

constexpr std::uint8_t kRV = 1, kMYO = 2, kLV = 3;  // the 3-class convention

// Smaller than the default so that sweeping many seeds stays fast.
SynthOptions small_options(int num_classes = 3) {
  SynthOptions o;
  o.size = 64;
  o.slices = 8;
  o.num_classes = num_classes;
  return o;
}

std::size_t voxel_index(int nx, int ny, int x, int y, int z) {
  return (static_cast<std::size_t>(z) * ny + y) * nx + x;
}

// The label at (x, y) of slice z, or background outside the image.
std::uint8_t label_at(const Anatomy& a, int x, int y, int z) {
  if (x < 0 || y < 0 || x >= a.nx || y >= a.ny) return 0;
  return a.label[voxel_index(a.nx, a.ny, x, y, z)];
}

bool any_4_neighbour(const Anatomy& a, int x, int y, int z, std::uint8_t value) {
  return label_at(a, x - 1, y, z) == value || label_at(a, x + 1, y, z) == value ||
         label_at(a, x, y - 1, z) == value || label_at(a, x, y + 1, z) == value;
}

bool all_4_neighbours_in(const Anatomy& a, int x, int y, int z, std::uint8_t v1, std::uint8_t v2) {
  for (auto [dx, dy] : {std::pair{-1, 0}, {1, 0}, {0, -1}, {0, 1}}) {
    const std::uint8_t l = label_at(a, x + dx, y + dy, z);
    if (l != v1 && l != v2) return false;
  }
  return true;
}

std::size_t count_label(const std::vector<std::uint8_t>& label, std::uint8_t value) {
  return static_cast<std::size_t>(std::count(label.begin(), label.end(), value));
}

std::size_t count_in_slice(const Anatomy& a, int z, std::uint8_t value) {
  const auto first = a.label.begin() + static_cast<std::ptrdiff_t>(voxel_index(a.nx, a.ny, 0, 0, z));
  return static_cast<std::size_t>(std::count(first, first + a.nx * a.ny, value));
}

double mean_where(const PhantomVolume& v, std::uint8_t value) {
  double sum = 0;
  std::size_t n = 0;
  for (std::size_t i = 0; i < v.image.size(); ++i)
    if (v.label[i] == value) {
      sum += v.image[i];
      ++n;
    }
  return n ? sum / static_cast<double>(n) : 0.0;
}

}  // namespace

TEST_CASE("synth: the same inputs give identical bytes, another seed differs") {
  const SynthOptions o = small_options();
  for (const auto& domain : mis::synth::builtin_domains()) {
    CAPTURE(domain.name);
    const PhantomVolume a = mis::synth::generate_case(o, domain, 42);
    const PhantomVolume b = mis::synth::generate_case(o, domain, 42);
    const PhantomVolume c = mis::synth::generate_case(o, domain, 43);
    CHECK(a.image == b.image);  // float ==: bit-identical unless NaN, which the next test rules out
    CHECK(a.label == b.label);
    CHECK(a.image != c.image);
    CHECK(a.label != c.label);
  }
}

TEST_CASE("synth: volume geometry, spacing and finite non-negative intensities") {
  SynthOptions o = small_options();
  o.spacing_xy = 1.25;
  o.spacing_z = 10.0;
  for (const auto& domain : mis::synth::builtin_domains()) {
    CAPTURE(domain.name);
    const PhantomVolume v = mis::synth::generate_case(o, domain, 5);
    CHECK(v.nx == o.size);
    CHECK(v.ny == o.size);
    CHECK(v.nz == o.slices);
    CHECK(v.spacing == std::array<double, 3>{1.25, 1.25, 10.0});
    const std::size_t n = static_cast<std::size_t>(o.size) * o.size * o.slices;
    REQUIRE(v.image.size() == n);
    REQUIRE(v.label.size() == n);
    CHECK(std::all_of(v.image.begin(), v.image.end(), [](float x) { return std::isfinite(x) && x >= 0.0f; }));
  }
}

TEST_CASE("synth: labels stay within 0..num_classes") {
  for (int k = 1; k <= 3; ++k)
    for (std::uint64_t seed = 0; seed < 5; ++seed) {
      CAPTURE(k);
      CAPTURE(seed);
      const Anatomy a = mis::synth::generate_anatomy(small_options(k), seed);
      CHECK(*std::max_element(a.label.begin(), a.label.end()) <= k);
      CHECK(std::all_of(a.tissue.begin(), a.tissue.end(), [](std::uint8_t t) { return t < mis::synth::kNumTissues; }));
    }
}

TEST_CASE("synth: the myocardium encloses the LV cavity in every slice") {
  // Also at coarse grids, where the rasterised ring is thinnest.
  for (int size : {16, 24, 64, 96}) {
    SynthOptions o = small_options();
    o.size = size;
    for (std::uint64_t seed = 0; seed < 20; ++seed) {
      const Anatomy a = mis::synth::generate_anatomy(o, seed);
      std::size_t lv = 0, open = 0;
      for (int z = 0; z < a.nz; ++z)
        for (int y = 0; y < a.ny; ++y)
          for (int x = 0; x < a.nx; ++x)
            if (label_at(a, x, y, z) == kLV) {
              ++lv;
              if (!all_4_neighbours_in(a, x, y, z, kLV, kMYO)) ++open;
            }
      CAPTURE(size);
      CAPTURE(seed);
      CHECK(lv > 0);
      CHECK(open == 0);
    }
  }
}

TEST_CASE("synth: the RV is attached to the myocardium wherever it appears") {
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    const Anatomy a = mis::synth::generate_anatomy(small_options(), seed);
    std::size_t rv_slices = 0;
    for (int z = 0; z < a.nz; ++z) {
      if (count_in_slice(a, z, kRV) == 0) continue;
      ++rv_slices;
      bool touches = false;
      for (int y = 0; y < a.ny && !touches; ++y)
        for (int x = 0; x < a.nx && !touches; ++x)
          touches = label_at(a, x, y, z) == kRV && any_4_neighbour(a, x, y, z, kMYO);
      CAPTURE(seed);
      CAPTURE(z);
      CHECK(touches);
    }
    CHECK(rv_slices > 0);
  }
}

TEST_CASE("synth: the anatomy is the same in every domain, the images are not") {
  const SynthOptions o = small_options();
  const auto domains = mis::synth::builtin_domains();
  const PhantomVolume reference = mis::synth::generate_case(o, domains[0], 11);
  for (std::size_t d = 1; d < domains.size(); ++d) {
    CAPTURE(domains[d].name);
    const PhantomVolume v = mis::synth::generate_case(o, domains[d], 11);
    CHECK(v.label == reference.label);
    CHECK(v.image != reference.image);
  }
}

TEST_CASE("synth: fewer classes relabel the 3-class map") {
  const std::uint64_t seed = 3;
  const Anatomy three = mis::synth::generate_anatomy(small_options(3), seed);
  const Anatomy two = mis::synth::generate_anatomy(small_options(2), seed);
  const Anatomy one = mis::synth::generate_anatomy(small_options(1), seed);
  CHECK(std::set<std::uint8_t>(three.label.begin(), three.label.end()) == std::set<std::uint8_t>{0, 1, 2, 3});
  CHECK(std::set<std::uint8_t>(two.label.begin(), two.label.end()) == std::set<std::uint8_t>{0, 1, 2});
  CHECK(std::set<std::uint8_t>(one.label.begin(), one.label.end()) == std::set<std::uint8_t>{0, 1});
  CHECK(two.tissue == three.tissue);
  std::size_t mismatches = 0;
  for (std::size_t i = 0; i < three.label.size(); ++i) {
    const std::uint8_t l = three.label[i];
    const std::uint8_t expect_two = l == kMYO ? 1 : l == kLV ? 2 : 0;  // RV becomes background
    const std::uint8_t expect_one = l == kLV ? 1 : 0;
    if (two.label[i] != expect_two || one.label[i] != expect_one) ++mismatches;
  }
  CHECK(mismatches == 0);
  CHECK(mis::synth::class_names(3) == std::vector<std::string>{"background", "RV", "MYO", "LV"});
  CHECK(mis::synth::class_names(2) == std::vector<std::string>{"background", "MYO", "LV"});
  CHECK(mis::synth::class_names(1) == std::vector<std::string>{"background", "LV"});
}

TEST_CASE("synth: shape varies from case to case") {
  std::vector<double> lv_sizes;
  for (std::uint64_t seed = 0; seed < 10; ++seed)
    lv_sizes.push_back(static_cast<double>(count_label(mis::synth::generate_anatomy(small_options(), seed).label, kLV)));
  CHECK(std::set<double>(lv_sizes.begin(), lv_sizes.end()).size() == lv_sizes.size());
  const auto [lo, hi] = std::minmax_element(lv_sizes.begin(), lv_sizes.end());
  CHECK(*hi > 1.3 * *lo);
}

TEST_CASE("synth: the slices run from base to apex") {
  for (std::uint64_t seed = 0; seed < 10; ++seed) {
    const Anatomy a = mis::synth::generate_anatomy(small_options(), seed);
    CAPTURE(seed);
    // The LV and the RV shrink toward the apex (the last slice); the RV closes first.
    CHECK(count_in_slice(a, 0, kLV) > count_in_slice(a, a.nz - 1, kLV));
    CHECK(count_in_slice(a, 1, kLV) > count_in_slice(a, a.nz - 2, kLV));
    CHECK(count_in_slice(a, 0, kRV) > 0);
    CHECK(count_in_slice(a, a.nz - 1, kRV) == 0);
  }
}

TEST_CASE("synth: distractors look like a class but are background") {
  using mis::synth::kBlood;
  using mis::synth::kMuscle;
  std::size_t with_vessel = 0, with_ring = 0;
  const int seeds = 20;
  for (int seed = 0; seed < seeds; ++seed) {
    const Anatomy a = mis::synth::generate_anatomy(small_options(), seed);
    const auto tissue_at = [&](int x, int y, int z) { return a.tissue[voxel_index(a.nx, a.ny, x, y, z)]; };
    bool vessel = false, ring = false;
    for (int z = 0; z < a.nz; ++z)
      for (int y = 1; y + 1 < a.ny; ++y)
        for (int x = 1; x + 1 < a.nx; ++x) {
          // Only voxels with nothing but background around them: not part of the heart.
          if (label_at(a, x, y, z) != 0 || !all_4_neighbours_in(a, x, y, z, 0, 0)) continue;
          const std::uint8_t t = tissue_at(x, y, z);
          for (auto [dx, dy] : {std::pair{-1, 0}, {1, 0}, {0, -1}, {0, 1}}) {
            const std::uint8_t n = tissue_at(x + dx, y + dy, z);
            // Like the LV/RV: a blood pool bordering ordinary tissue.
            vessel = vessel || (t == kBlood && n != kBlood && n != kMuscle);
            // Like LV + MYO: muscle wrapped around blood.
            ring = ring || (t == kMuscle && n == kBlood);
          }
        }
    with_vessel += vessel;
    with_ring += ring;
  }
  CHECK(with_vessel >= seeds * 9 / 10);
  CHECK(with_ring >= seeds / 2);
}

TEST_CASE("synth: every domain keeps a realistic contrast: blood brighter than myocardium") {
  // At the default grid size: at coarser grids the low-resolution domain blurs the thin ring away.
  SynthOptions o;
  o.slices = 6;
  for (const auto& domain : mis::synth::builtin_domains()) {
    CAPTURE(domain.name);
    const PhantomVolume v = mis::synth::generate_case(o, domain, 8);
    CHECK(mean_where(v, kLV) > 1.25 * mean_where(v, kMYO));
    CHECK(mean_where(v, kRV) > 1.25 * mean_where(v, kMYO));
  }
}

TEST_CASE("synth: built-in domains") {
  const auto domains = mis::synth::builtin_domains();
  REQUIRE(domains.size() >= 4);
  CHECK(domains[0].name == "source");
  std::set<std::string> names;
  for (const auto& d : domains) names.insert(d.name);
  CHECK(names.size() == domains.size());
  for (const char* name : {"scanner-b", "scanner-c", "scanner-d"}) CHECK(names.count(name) == 1);
}

TEST_CASE("synth: invalid options are rejected") {
  const auto source = mis::synth::builtin_domains()[0];
  SynthOptions o = small_options();
  o.num_classes = 4;
  CHECK_THROWS_AS(mis::synth::generate_case(o, source, 1), std::invalid_argument);
  o = small_options();
  o.slices = 0;
  CHECK_THROWS_AS(mis::synth::generate_case(o, source, 1), std::invalid_argument);
  o = small_options();
  o.size = 4;
  CHECK_THROWS_AS(mis::synth::generate_case(o, source, 1), std::invalid_argument);
  CHECK_THROWS_AS(mis::synth::class_names(0), std::invalid_argument);
}

TEST_CASE("synth: a single slice is a mid-ventricular section") {
  SynthOptions o = small_options();
  o.slices = 1;
  const Anatomy a = mis::synth::generate_anatomy(o, 9);
  CHECK(count_in_slice(a, 0, kLV) > 0);
  CHECK(count_in_slice(a, 0, kMYO) > 0);
  CHECK(count_in_slice(a, 0, kRV) > 0);
}
