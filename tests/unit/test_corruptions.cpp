// Noise corruptions (docs/method.md section 4): level 0 is the identity, the same seed gives the same
// corrupted input and another seed a different one, and each type does what it says.
#include <doctest/doctest.h>

#include <cmath>

#include "core/error.h"
#include "eval/corruptions.h"
#include "eval/noise_sweep.h"

using namespace mis;

namespace {

torch::Tensor test_image() {
  // [C=2, Z=3, Y=16, X=16], a ramp from 10 to 110 so the range is known (R = 100).
  auto ramp = torch::linspace(10.0, 110.0, 2 * 3 * 16 * 16, torch::kFloat32);
  return ramp.view({2, 3, 16, 16}).contiguous();
}

}  // namespace

TEST_CASE("corruptions: level 0 returns the input exactly, for every type") {
  const auto image = test_image();
  for (auto type : all_corruptions()) {
    const auto out = corrupt(image, type, 0.0, 123);
    CHECK(torch::equal(out, image));
    CHECK(out.data_ptr() != image.data_ptr());  // a copy, never the caller's tensor
  }
}

TEST_CASE("corruptions: the same seed gives the same output, another seed a different one") {
  const auto image = test_image();
  for (auto type : all_corruptions()) {
    CAPTURE(to_string(type));
    const double level = type == CorruptionType::blur ? 1.5 : 0.2;
    const auto a = corrupt(image, type, level, 5), b = corrupt(image, type, level, 5),
               c = corrupt(image, type, level, 6);
    CHECK(torch::equal(a, b));
    CHECK_FALSE(torch::equal(a, image));
    if (type == CorruptionType::blur || type == CorruptionType::gamma)
      CHECK(torch::equal(a, c));  // deterministic transforms
    else
      CHECK_FALSE(torch::equal(a, c));
  }
  // The thread count does not change the draws (one stream per channel and slice).
  const int threads = torch::get_num_threads();
  torch::set_num_threads(2);
  const auto multi = corrupt(image, CorruptionType::gaussian, 0.2, 5);
  torch::set_num_threads(threads);
  CHECK(torch::equal(multi, corrupt(image, CorruptionType::gaussian, 0.2, 5)));
}

TEST_CASE("corruption seeds depend on the case, type and level only") {
  const auto s = corruption_seed(1, "case_001", CorruptionType::gaussian, 0.1);
  CHECK(s == corruption_seed(1, "case_001", CorruptionType::gaussian, 0.1));
  CHECK(s == corruption_seed(1, "case_001", CorruptionType::gaussian, 0.05 + 0.05));
  CHECK(s != corruption_seed(2, "case_001", CorruptionType::gaussian, 0.1));
  CHECK(s != corruption_seed(1, "case_002", CorruptionType::gaussian, 0.1));
  CHECK(s != corruption_seed(1, "case_001", CorruptionType::speckle, 0.1));
  CHECK(s != corruption_seed(1, "case_001", CorruptionType::gaussian, 0.2));
}

TEST_CASE("corruptions behave as documented") {
  const auto image = test_image();
  const double range = 100.0;
  SUBCASE("gaussian: zero-mean noise with sd = level * range") {
    const auto noise = corrupt(image, CorruptionType::gaussian, 0.1, 1) - image;
    CHECK(std::abs(noise.mean().item<double>()) < 1.0);  // standard error 10 / sqrt(1536) = 0.26
    CHECK(noise.std().item<double>() == doctest::Approx(0.1 * range).epsilon(0.05));
  }
  SUBCASE("salt and pepper: about `level` of the voxels at the extremes, the rest untouched") {
    const auto out = corrupt(image, CorruptionType::salt_pepper, 0.25, 1);
    const auto changed = out.ne(image);
    const auto extreme = out.eq(10.0).logical_or(out.eq(110.0));
    CHECK(changed.logical_and(extreme.logical_not()).sum().item<int64_t>() == 0);
    CHECK(extreme.to(torch::kDouble).mean().item<double>() == doctest::Approx(0.25).epsilon(0.15));
  }
  SUBCASE("speckle: the floor stays put, noise grows with intensity") {
    const auto out = corrupt(image, CorruptionType::speckle, 0.3, 1);
    CHECK(out.flatten()[0].item<float>() == doctest::Approx(10.0));
    const auto rel = (out - image) / (image - 10.0).clamp_min(1e-3);
    CHECK(rel.flatten().slice(0, 1, 1001).std().item<double>() == doctest::Approx(0.3).epsilon(0.1));
  }
  SUBCASE("poisson: unbiased, inside the range's floor, variance R^2 u / P") {
    auto flat = torch::full({1, 1, 64, 64}, 60.0f);
    flat[0][0][0][0] = 10.0f;
    flat[0][0][0][1] = 110.0f;  // u = 0.5 elsewhere
    const double level = 0.1;   // P = 100 photons at the top
    const auto out = corrupt(flat, CorruptionType::poisson, level, 3).flatten().slice(0, 2);
    CHECK(out.mean().item<double>() == doctest::Approx(60.0).epsilon(0.01));
    CHECK(out.var().item<double>() == doctest::Approx(100.0 * 100.0 * 0.5 / 100.0).epsilon(0.1));
    CHECK(out.min().item<double>() >= 10.0);
  }
  SUBCASE("blur: preserves a constant image and the mean of a ramp, in-plane only") {
    const auto constant = torch::full({1, 2, 8, 8}, 3.0f);
    CHECK(torch::allclose(corrupt(torch::cat({constant, constant + 1}, 1), CorruptionType::blur, 1.5, 0),
                          torch::cat({constant, constant + 1}, 1)));
    // An impulse spreads in Y and X but not into the next slice.
    auto impulse = torch::zeros({1, 2, 15, 15});
    impulse[0][0][7][7] = 1.0f;
    const auto out = corrupt(impulse, CorruptionType::blur, 1.0, 0);
    CHECK(out[0][0].sum().item<double>() == doctest::Approx(1.0));
    CHECK(out[0][1].abs().sum().item<double>() == 0.0);
    CHECK(out[0][0][7][8].item<double>() == doctest::Approx(out[0][0][8][7].item<double>()));
    // Centre weight of a 1-D Gaussian with sigma 1 truncated at 4 sigma, squared.
    double sum = 0;
    for (int i = -4; i <= 4; ++i) sum += std::exp(-0.5 * i * i);
    CHECK(out[0][0][7][7].item<double>() == doctest::Approx(1.0 / (sum * sum)).epsilon(1e-5));
  }
  SUBCASE("gamma: the extremes are fixed, mid-tones follow u^(1 + level)") {
    const auto out = corrupt(image, CorruptionType::gamma, 1.0, 0);
    CHECK(out.min().item<double>() == doctest::Approx(10.0));
    CHECK(out.max().item<double>() == doctest::Approx(110.0));
    const auto u = (image - 10.0) / range;
    CHECK(torch::allclose(out, 10.0 + range * u * u, 1e-4, 1e-3));
  }
}

TEST_CASE("corruption names and levels are checked") {
  CHECK(parse_corruption("salt-pepper") == CorruptionType::salt_pepper);
  CHECK(to_string(parse_corruption("poisson")) == "poisson");
  CHECK_THROWS_AS(parse_corruption("fog"), UserError);
  CHECK_THROWS_AS(corrupt(test_image(), CorruptionType::gaussian, -0.1, 0), UserError);
  CHECK_THROWS_AS(corrupt(test_image(), CorruptionType::salt_pepper, 1.5, 0), UserError);
  CHECK_NOTHROW(corrupt(test_image(), CorruptionType::gamma, -0.5, 0));
  CHECK_THROWS_AS(corrupt(test_image(), CorruptionType::gamma, -1.0, 0), UserError);
}

TEST_CASE("noise-sweep settings: per-type levels replace the shared list for those types only") {
  const auto c = config_from_json<NoiseSweepConfig>(
      json::parse(R"({"types": ["gaussian", "blur"], "levels": [0, 0.1], "type_levels": {"blur": [0, 1, 2]}})"), "cfg");
  CHECK(levels_for(c, "gaussian") == std::vector<double>{0, 0.1});
  CHECK(levels_for(c, "blur") == std::vector<double>{0, 1, 2});
  CHECK_THROWS_WITH_AS(
      config_from_json<NoiseSweepConfig>(json::parse(R"({"types": ["gaussian"], "type_levels": {"blur": [1]}})"), "cfg"),
      doctest::Contains("type_levels names 'blur', which is not among types"), UserError);
  CHECK_THROWS_WITH_AS(
      config_from_json<NoiseSweepConfig>(json::parse(R"({"types": ["blur"], "type_levels": {"blur": [1, 1]}})"), "cfg"),
      doctest::Contains("level 1 given twice for blur"), UserError);
  CHECK_THROWS_AS(config_from_json<NoiseSweepConfig>(json::parse(R"({"types": ["blur"], "type_levels": {"blur": [-1]}})"), "cfg"),
                  UserError);
}
