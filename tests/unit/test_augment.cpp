// Augmentation (lib/data/augment): the defaults augment bit for bit as before each transform got
// its own setting, old configs keep their meaning and run identity, each intensity transform
// against its formula computed by hand, mirroring per axis, determinism, and the left-right warning.
#include <doctest/doctest.h>

#include <cmath>

#include "core/rng.h"
#include "data/augment.h"
#include "experiment/experiment.h"
#include "train/train_config.h"
#include "support.h"

using namespace mis;

namespace {

namespace TF = torch::nn::functional;

// augment_sample as it was before the split (commit d98febe, lib/data/augment.cpp), copied
// verbatim but for names: one switch rot90_flip drew rot90's k and then the flip's coin.
struct LegacyAugmentOptions {
  bool enabled = true;
  bool rot90_flip = true;
  double p_affine = 0.5;
  double max_rotation_deg = 20.0;
  double max_scale_delta = 0.1;
};

Sample legacy_rotate_scale(const Sample& s, double angle, double scale) {
  const double c = std::cos(angle) / scale, sn = std::sin(angle) / scale;
  const auto theta = torch::tensor({{c, -sn, 0.0}, {sn, c, 0.0}}, torch::kFloat32).unsqueeze(0);
  const auto image = s.image.unsqueeze(0);
  const auto grid = TF::affine_grid(theta, image.sizes(), /*align_corners=*/false);
  const auto warped = TF::grid_sample(
      image, grid, TF::GridSampleFuncOptions().mode(torch::kBilinear).padding_mode(torch::kZeros).align_corners(false));
  const auto label = TF::grid_sample(
      s.label.unsqueeze(0).unsqueeze(0).to(torch::kFloat32), grid,
      TF::GridSampleFuncOptions().mode(torch::kNearest).padding_mode(torch::kZeros).align_corners(false));
  return {warped[0], label[0][0].round().to(torch::kLong)};
}

Sample legacy_augment_sample(const Sample& in, const LegacyAugmentOptions& o, std::uint64_t seed) {
  if (!o.enabled) return in;
  Rng rng(seed);
  Sample s = in;
  if (o.rot90_flip) {
    const auto k = static_cast<int64_t>(rng.below(4));
    if (k) {
      s.image = torch::rot90(s.image, k, {1, 2});
      s.label = torch::rot90(s.label, k, {0, 1});
    }
    if (rng.chance(0.5)) {
      s.image = s.image.flip({2});
      s.label = s.label.flip({1});
    }
  }
  if (o.p_affine > 0 && rng.chance(o.p_affine)) {
    const double angle = rng.uniform(-o.max_rotation_deg, o.max_rotation_deg) * M_PI / 180.0;
    const double scale = rng.uniform(1.0 - o.max_scale_delta, 1.0 + o.max_scale_delta);
    s = legacy_rotate_scale(s, angle, scale);
  }
  s.image = s.image.contiguous();
  s.label = s.label.contiguous();
  return s;
}

// A non-square two-channel sample with distinct values, so that every flip and turn shows.
Sample augment_test_sample(int64_t h = 12, int64_t w = 10) {
  const auto image = torch::arange(2 * h * w, torch::kFloat32).reshape({2, h, w}).sin() + 0.5;
  const auto label = torch::arange(h * w, torch::kLong).reshape({h, w}) % 4;
  return {image, label};
}

bool same_sample(const Sample& a, const Sample& b) {
  return a.image.sizes() == b.image.sizes() && torch::equal(a.image, b.image) && torch::equal(a.label, b.label);
}

// Every transform off but the one a test switches on.
AugmentOptions nothing_on() {
  AugmentOptions o;
  o.rot90 = o.mirror_x = o.mirror_y = false;
  o.p_affine = 0;
  return o;
}

std::vector<double> values_of(const torch::Tensor& t) {
  const auto c = t.to(torch::kDouble).contiguous();
  return {c.data_ptr<double>(), c.data_ptr<double>() + c.numel()};
}

}  // namespace

TEST_CASE("augment: the defaults draw bit for bit what the single rot90_flip switch drew") {
  // The old function (copied above) against the new with the same settings, over many seeds
  // and both square and non-square slices: every draw, every resampled pixel identical.
  for (const auto& [h, w] : std::vector<std::pair<int64_t, int64_t>>{{12, 10}, {16, 16}}) {
    const Sample in = augment_test_sample(h, w);
    for (std::uint64_t seed = 0; seed < 200; ++seed) {
      const std::uint64_t s = derive_seed(7, {0xA06ull, seed, 1});
      REQUIRE(same_sample(augment_sample(in, AugmentOptions{}, s), legacy_augment_sample(in, {}, s)));
      // The old switch off is rot90 and mirror_x off; the affine settings mean what they meant.
      LegacyAugmentOptions old_off;
      old_off.rot90_flip = false;
      old_off.p_affine = 0.7;
      old_off.max_rotation_deg = 15;
      old_off.max_scale_delta = 0.2;
      AugmentOptions new_off;
      new_off.rot90 = new_off.mirror_x = false;
      new_off.p_affine = 0.7;
      new_off.max_rotation_deg = 15;
      new_off.max_scale_delta = 0.2;
      REQUIRE(same_sample(augment_sample(in, new_off, s), legacy_augment_sample(in, old_off, s)));
    }
  }
  // And augmentation does something: not every seed gives the input back.
  const Sample in = augment_test_sample();
  int changed = 0;
  for (std::uint64_t seed = 0; seed < 20; ++seed) changed += !same_sample(augment_sample(in, {}, seed), in);
  CHECK(changed > 10);
}

TEST_CASE("augment: old configs read with their meaning, and keep their run identity") {
  // The augment block of every run's config, checkpoint and result until now (these values are
  // the old default's, as the old binary wrote them in config.json).
  const json old_default = json::parse(
      R"({"enabled": true, "max_rotation_deg": 20.0, "max_scale_delta": 0.1, "p_affine": 0.5, "rot90_flip": true})");
  CHECK(identity_of(TrainConfig{}).at("augment") == old_default);
  CHECK(identity_of(TrainConfig{}).at("augment").dump() == old_default.dump());  // same text, so same hash

  json old_off = old_default;
  old_off["rot90_flip"] = false;
  old_off["p_affine"] = 0.25;
  const TrainConfig c = train_config_from_json({{"augment", old_off}}, "old.json");
  CHECK(!c.augment.rot90);
  CHECK(!c.augment.mirror_x);
  CHECK(!c.augment.mirror_y);
  CHECK(c.augment.p_affine == 0.25);
  CHECK(c.augment.noise_p == 0.0);
  CHECK(identity_of(c).at("augment") == old_off);
  // A result recorded before the split groups with one recorded after it (report's grouping).
  json recorded_old = to_json(TrainConfig{});
  recorded_old["augment"] = old_default;
  CHECK(without_runtime_settings(recorded_old) == without_runtime_settings(to_json(TrainConfig{})));
  // The old key beside a new one that contradicts it is refused, naming the file.
  CHECK(error_of([] { train_config_from_json({{"augment", {{"rot90_flip", false}, {"rot90", true}}}}, "c.json"); })
            .find("c.json: augment: the old key rot90_flip") != std::string::npos);

  // New settings enter the identity only when used; a range of a transform that never runs does not.
  TrainConfig used;
  used.augment.mirror_y = true;
  CHECK(identity_of(used) != identity_of(TrainConfig{}));
  used = {};
  used.augment.mirror_x = false;  // rot90 without the flip: no old key says that
  CHECK(identity_of(used).at("augment").at("mirror_x") == false);
  used = {};
  used.augment.noise_p = 0.1;
  CHECK(identity_of(used).at("augment").at("noise_std") == json::array({0.0, 0.1}));
  TrainConfig unused;
  unused.augment.brightness_range = {0.5, 2.0};
  CHECK(identity_of(unused) == identity_of(TrainConfig{}));
  // Every setting round-trips through the config JSON.
  TrainConfig all;
  all.augment = nothing_on();
  all.augment.gamma_inverted_p = 0.1;
  all.augment.blur_sigma = {0.25, 2.0};
  const TrainConfig back = train_config_from_json(to_json(all), "x");
  CHECK(to_json(back) == to_json(all));
  CHECK_THROWS_AS(train_config_from_json({{"augment", {{"gamma_range", {1.5, 0.7}}}}}, "x"), UserError);
  CHECK_THROWS_AS(train_config_from_json({{"augment", {{"noise_p", 1.5}}}}, "x"), UserError);
}

TEST_CASE("augment: experiment ids of runs with old augment keys are those the old binary gave") {
  // `mis-spectral run FILE --dry-run` of this file by the binary of commit d98febe (before the
  // split) listed these ids; their hashes cover identity_of. Dataset a turns the old switch
  // off, b all augmentation, c changes the affine settings, d says nothing, e spells out the old
  // defaults.
  TempDir dir("augment_ids");
  const json doc = json::parse(R"({
    "name": "augcompat", "results": "results",
    "datasets": {
      "a": {"data": "d", "train": {"augment": {"rot90_flip": false}}},
      "b": {"data": "d", "train": {"augment": {"enabled": false}}},
      "c": {"data": "d", "train": {"augment": {"p_affine": 0.3, "max_rotation_deg": 15.0, "max_scale_delta": 0.2}}},
      "d": {"data": "d"},
      "e": {"data": "d", "train": {"augment": {"enabled": true, "rot90_flip": true, "p_affine": 0.5,
                                                "max_rotation_deg": 20.0, "max_scale_delta": 0.1}}}},
    "models": {"unet-small": {"name": "unet-small"}},
    "losses": {"spatial": {"lambda": 0}},
    "train": {"iterations": 300, "batch_size": 8, "optimizer": {"name": "sgd", "lr": 0.01}},
    "evaluations": {"eval": {"hd95": "medpy"}},
    "grid": [{"group": "main", "datasets": ["a", "b", "c", "d", "e"], "models": ["unet-small"],
              "losses": ["spatial"], "seeds": [0]}]
  })");
  write_json_atomic(dir.path / "exp.json", doc);
  const Experiment ex = load_experiment(dir.path / "exp.json", dir.path);
  std::vector<std::string> ids;
  for (const auto& run : ex.runs) ids.push_back(run.id);
  CHECK(ids == std::vector<std::string>{"a-unet-small-spatial-s0-19f4e856", "b-unet-small-spatial-s0-a65b0884",
                                        "c-unet-small-spatial-s0-42809747", "d-unet-small-spatial-s0-87b2a03e",
                                        "e-unet-small-spatial-s0-5e99d885"});
  // The new keys in an experiment file reach the run (and change its id).
  json with_new = doc;
  with_new["datasets"]["d"]["train"] = {{"augment", {{"mirror_x", false}, {"gamma_p", 0.3}}}};
  write_json_atomic(dir.path / "exp.json", with_new);
  const Experiment ex2 = load_experiment(dir.path / "exp.json", dir.path);
  CHECK(!ex2.runs[3].train.augment.mirror_x);
  CHECK(ex2.runs[3].train.augment.gamma_p == 0.3);
  CHECK(ex2.runs[3].id != ids[3]);
}

TEST_CASE("augment: brightness, contrast and gamma against their formulas by hand") {
  const auto x = torch::tensor({{0.0, 1.0, 2.0}, {4.0, 3.0, 1.5}}, torch::kFloat32);
  const std::vector<double> v = values_of(x);
  const double mean = (0 + 1 + 2 + 4 + 3 + 1.5) / 6.0;
  auto approx = [](const std::vector<double>& got, const std::vector<double>& want) {
    REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < got.size(); ++i) CHECK(got[i] == doctest::Approx(want[i]).epsilon(1e-5));
  };
  {  // brightness: x * m
    std::vector<double> want;
    for (double a : v) want.push_back(a * 1.2);
    approx(values_of(multiply_brightness(x, 1.2)), want);
  }
  {  // contrast: (x - mean) * f + mean, clipped to [min, max] = [0, 4]
    std::vector<double> want;
    for (double a : v) want.push_back(std::min(4.0, std::max(0.0, (a - mean) * 1.5 + mean)));
    approx(values_of(adjust_contrast(x, 1.5)), want);
    CHECK(want[0] == 0.0);  // the clip is exercised: (0 - 1.917) * 1.5 + 1.917 < 0
  }
  // gamma: ((x - min) / range)^g * range + min, then the old mean and (n - 1) std restored.
  const auto gamma_by_hand = [](std::vector<double> a, double g, bool inverted) {
    if (inverted)
      for (double& e : a) e = -e;
    const auto stats = [](const std::vector<double>& e) {
      double m = 0, s = 0;
      for (double q : e) m += q;
      m /= static_cast<double>(e.size());
      for (double q : e) s += (q - m) * (q - m);
      return std::pair{m, std::sqrt(s / static_cast<double>(e.size() - 1))};
    };
    const auto [m0, s0] = stats(a);
    const double lo = *std::min_element(a.begin(), a.end()), hi = *std::max_element(a.begin(), a.end());
    std::vector<double> y;
    for (double e : a) y.push_back(std::pow((e - lo) / (hi - lo), g) * (hi - lo) + lo);
    const auto [m1, s1] = stats(y);
    for (double& e : y) e = (e - m1) * (s0 / s1) + m0;
    if (inverted)
      for (double& e : y) e = -e;
    return y;
  };
  approx(values_of(adjust_gamma(x, 2.0, false)), gamma_by_hand(v, 2.0, false));
  approx(values_of(adjust_gamma(x, 0.7, true)), gamma_by_hand(v, 0.7, true));
  // Retaining the statistics: the mean and std are the input's.
  CHECK(adjust_gamma(x, 1.4, false).mean().item<double>() == doctest::Approx(mean).epsilon(1e-5));
  CHECK(adjust_gamma(x, 1.4, false).std().item<double>() == doctest::Approx(x.std().item<double>()).epsilon(1e-5));
  // A constant channel stays itself (no division by a zero range or std).
  CHECK(torch::equal(adjust_gamma(torch::full({3, 3}, 2.0f), 1.3, false), torch::full({3, 3}, 2.0f)));
}

TEST_CASE("augment: Gaussian blur is a separable Gaussian with reflected borders") {
  // batchgeneratorsv2's kernel sizes: round(6 sigma + 0.5) half to even, made odd.
  CHECK(gaussian_kernel(0.5).size(0) == 3);  // 3.5 rounds to 4, down to 3
  CHECK(gaussian_kernel(0.8).size(0) == 5);  // 5.3
  CHECK(gaussian_kernel(1.0).size(0) == 7);  // 6.5 rounds to 6, up to 7
  // The values batchgeneratorsv2 0.3.6 gives (_build_kernel(0.8, truncate=6)).
  const auto k = values_of(gaussian_kernel(0.8));
  const std::vector<double> bg = {0.021929645910859108, 0.22851215302944183, 0.4991164207458496, 0.22851215302944183,
                                  0.021929645910859108};
  for (std::size_t i = 0; i < bg.size(); ++i) CHECK(k[i] == doctest::Approx(bg[i]).epsilon(1e-6));

  // Independently: the 2-D sum over the outer product of two 1-D Gaussians, in double, with
  // reflect indexing (..., 2, 1 | 0, 1, 2, ... | n-2, n-3, ...).
  const int64_t h = 6, w = 7;
  const auto x = torch::arange(h * w, torch::kFloat32).reshape({h, w}).mul(0.37).sin();
  const double sy = 0.6, sx = 1.0;
  const auto kernel_by_hand = [](double sigma) {
    const int r = sigma == 0.6 ? 2 : 3;  // sizes 5 (4.1 -> 4 -> 5) and 7 (6.5 -> 6 -> 7)
    std::vector<double> g;
    double sum = 0;
    for (int i = -r; i <= r; ++i) sum += g.emplace_back(std::exp(-0.5 * (i / sigma) * (i / sigma)));
    for (double& e : g) e /= sum;
    return g;
  };
  const auto gy = kernel_by_hand(sy), gx = kernel_by_hand(sx);
  const auto reflect = [](int64_t i, int64_t n) { return i < 0 ? -i : (i >= n ? 2 * (n - 1) - i : i); };
  const auto xa = x.accessor<float, 2>();
  const int64_t ry = static_cast<int64_t>(gy.size()) / 2, rx = static_cast<int64_t>(gx.size()) / 2;
  const auto got = gaussian_blur(x, sy, sx);
  REQUIRE(got.sizes() == x.sizes());
  for (int64_t i = 0; i < h; ++i)
    for (int64_t j = 0; j < w; ++j) {
      double want = 0;
      for (int64_t a = -ry; a <= ry; ++a)
        for (int64_t b = -rx; b <= rx; ++b)
          want += gy[a + ry] * gx[b + rx] * xa[reflect(i + a, h)][reflect(j + b, w)];
      CHECK(got[i][j].item<double>() == doctest::Approx(want).epsilon(1e-5));
    }
}

TEST_CASE("augment: gamma, contrast and blur give what batchgeneratorsv2 gives") {
  // Printed by batchgeneratorsv2 0.3.6 (nnU-Net v2's transforms) on these inputs: GammaTransform
  // (gamma 2 / 0.7 inverted, p_retain_stats 1), ContrastTransform(1.5, preserve_range=True) and
  // blur_dimension along dim 0 (sigma 0.6) then dim 1 (sigma 1.0).
  const auto x = torch::tensor({{0.0, 1.0, 2.0}, {4.0, 3.0, 1.5}}, torch::kFloat32);
  const auto near = [](const torch::Tensor& got, const std::vector<double>& want) {
    const auto g = values_of(got);
    REQUIRE(g.size() == want.size());
    for (std::size_t i = 0; i < g.size(); ++i) CHECK(g[i] == doctest::Approx(want[i]).epsilon(1e-5));
  };
  near(adjust_gamma(x, 2.0, false), {0.6564998626708984, 0.8909494876861572, 1.5942983627319336, 4.407693862915039,
                                     2.7665464878082275, 1.1840115785598755});
  near(adjust_gamma(x, 0.7, true), {0.26072752475738525, 0.9949398636817932, 1.8081916570663452, 4.286097526550293,
                                    2.760767698287964, 1.3892754316329956});
  near(adjust_contrast(x, 1.5), {0.0, 0.5416666269302368, 2.0416667461395264, 4.0, 3.5416665077209473,
                                 1.2916667461395264});
  const auto img = torch::arange(6 * 7, torch::kFloat32).reshape({6, 7}).mul(0.37).sin();
  const auto b = gaussian_blur(img, 0.6, 1.0);
  near(b[0], {0.2560479938983917, 0.29415884613990784, 0.35970667004585266, 0.3915753662586212, 0.3728539049625397,
              0.3179950714111328, 0.28430452942848206});
  near(b[3], {0.3658303916454315, 0.3457239866256714, 0.28446662425994873, 0.18596671521663666, 0.06344059854745865,
              -0.05500020459294319, -0.10920640081167221});
}

TEST_CASE("augment: Gaussian noise has the drawn standard deviation, one per sample") {
  AugmentOptions o = nothing_on();
  o.noise_p = 1.0;
  o.noise_std = {0.05, 0.05};
  const Sample in{torch::zeros({2, 64, 64}), torch::zeros({64, 64}, torch::kLong)};
  const Sample out = augment_sample(in, o, 3);
  CHECK(torch::equal(out.label, in.label));
  for (int64_t c = 0; c < 2; ++c) {
    const auto n = out.image[c];
    // 4096 draws: the sample mean's sd is 0.05 / 64, the sample variance's relative sd 2.2%.
    CHECK(std::abs(n.mean().item<double>()) < 4 * 0.05 / 64);
    // As a ratio: near 0, Approx's margin is absolute (epsilon * (1 + |value|)) and would pass anything.
    CHECK(n.var().item<double>() / (0.05 * 0.05) == doctest::Approx(1.0).epsilon(0.1));
  }
  CHECK(!torch::equal(out.image[0], out.image[1]));  // independent noise per channel
  // sigma drawn from [0, 0.1]: the spread of one sample is below 0.1 (nnU-Net's range).
  o.noise_std = {0.0, 0.1};
  for (std::uint64_t seed = 0; seed < 10; ++seed)
    CHECK(augment_sample(in, o, seed).image.std().item<double>() < 0.1 * 1.1);
}

TEST_CASE("augment: a transform applied to the sample is its formula with a factor from its range") {
  const Sample in = augment_test_sample();
  AugmentOptions o = nothing_on();
  o.brightness_p = 1.0;
  for (std::uint64_t seed = 0; seed < 10; ++seed) {
    const Sample out = augment_sample(in, o, seed);
    CHECK(torch::equal(out.label, in.label));
    for (int64_t c = 0; c < 2; ++c) {
      // One multiplier per channel, within the range (as nnU-Net: synchronize_channels=False).
      const auto ratio = out.image[c] / in.image[c];
      const double m = ratio.mean().item<double>();
      CHECK(m >= 0.75);
      CHECK(m <= 1.25);
      CHECK(torch::allclose(out.image[c], multiply_brightness(in.image[c], m), 1e-5, 1e-6));
    }
  }
  o = nothing_on();
  o.contrast_p = 1.0;
  const Sample out = augment_sample(in, o, 1);
  CHECK(out.image.max().item<double>() <= in.image.max().item<double>());
  CHECK(out.image.min().item<double>() >= in.image.min().item<double>());
}

TEST_CASE("augment: mirroring per axis is exactly a flip of that axis, image and label together") {
  const Sample in = augment_test_sample();
  for (const bool along_x : {true, false}) {
    AugmentOptions o = nothing_on();
    (along_x ? o.mirror_x : o.mirror_y) = true;
    const Sample flipped{in.image.flip({along_x ? 2 : 1}), in.label.flip({along_x ? 1 : 0})};
    int flips = 0, keeps = 0;
    for (std::uint64_t seed = 0; seed < 40; ++seed) {
      const Sample out = augment_sample(in, o, seed);
      flips += same_sample(out, flipped);
      keeps += same_sample(out, in);
    }
    CHECK(flips + keeps == 40);  // nothing else happens
    CHECK(flips > 10);           // and each about half the time
    CHECK(keeps > 10);
  }
}

TEST_CASE("augment: probability 0 is the identity, and a seed decides every draw") {
  const Sample in = augment_test_sample();
  // Everything off but enabled: the input back, exactly.
  for (std::uint64_t seed = 0; seed < 10; ++seed) CHECK(same_sample(augment_sample(in, nothing_on(), seed), in));
  // A transform on that changes nothing (noise of sigma 0) and the others at probability 0: the
  // input back, so a transform at p 0 does not run even when the intensity path does.
  AugmentOptions silent = nothing_on();
  silent.noise_p = 1.0;
  silent.noise_std = {0.0, 0.0};
  for (std::uint64_t seed = 0; seed < 10; ++seed) CHECK(same_sample(augment_sample(in, silent, seed), in));
  // Every transform on, with probability 1: all draws from the seed.
  AugmentOptions all;
  all.mirror_y = true;
  all.p_affine = 1.0;
  all.brightness_p = all.contrast_p = all.gamma_p = all.gamma_inverted_p = all.noise_p = all.blur_p = 1.0;
  CHECK(same_sample(augment_sample(in, all, 42), augment_sample(in, all, 42)));
  CHECK(!same_sample(augment_sample(in, all, 42), augment_sample(in, all, 43)));
  // enabled = false switches off everything.
  all.enabled = false;
  CHECK(same_sample(augment_sample(in, all, 42), in));
  // The intensity transforms draw from their own stream: switching them on changes no spatial
  // draw (the label, which they do not touch, is the default's).
  AugmentOptions intensity;
  intensity.gamma_p = 1.0;
  intensity.blur_p = 1.0;
  for (std::uint64_t seed = 0; seed < 10; ++seed)
    CHECK(torch::equal(augment_sample(in, intensity, seed).label, augment_sample(in, {}, seed).label));
}

TEST_CASE("augment: the left-right warning names the classes and the flag that turns mirroring off") {
  const std::vector<std::string> synapse = {"background", "aorta", "gallbladder", "left_kidney", "right_kidney",
                                            "liver", "pancreas", "spleen", "stomach"};
  const std::string w = mirroring_warning(AugmentOptions{}, synapse);
  CHECK(w.find("'left_kidney', 'right_kidney'") != std::string::npos);
  CHECK(w.find("--mirror-x false") != std::string::npos);
  CHECK(w.find("--mirror-y") == std::string::npos);  // off by default: not named
  for (const std::string name : {"kidney_left", "Left Kidney", "RIGHT-lung", "KidneyRight", "right"})
    CHECK_MESSAGE(!mirroring_warning({}, {"background", name}).empty(), name);
  for (const std::string name : {"RV", "bright_spot", "cleft", "copyright", "leftover", "Rightmost"})
    CHECK_MESSAGE(mirroring_warning({}, {"background", name}).empty(), name);
  AugmentOptions o;
  o.mirror_x = false;
  CHECK(mirroring_warning(o, synapse).empty());  // rot90 alone does not mirror
  o.mirror_y = true;
  CHECK(mirroring_warning(o, synapse).find("--mirror-y false") != std::string::npos);
  o.enabled = false;
  CHECK(mirroring_warning(o, synapse).empty());
}
