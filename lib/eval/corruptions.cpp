#include "eval/corruptions.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>  // fmt::join (in fmt/format.h before fmt 11)

#include "core/error.h"
#include "core/fingerprint.h"
#include "core/rng.h"

namespace mis {

namespace {

struct Named {
  CorruptionType type;
  const char* name;
};
constexpr Named kNames[] = {{CorruptionType::gaussian, "gaussian"}, {CorruptionType::salt_pepper, "salt_pepper"},
                            {CorruptionType::speckle, "speckle"},   {CorruptionType::poisson, "poisson"},
                            {CorruptionType::blur, "blur"},         {CorruptionType::gamma, "gamma"}};

// Poisson draws, numpy's two methods: multiplication of uniforms for small means, Hormann's
// transformed rejection (PTRS, 1993) for means >= 10. Exact, and a function of the stream only.
int64_t poisson(Rng& rng, double lambda) {
  if (lambda <= 0) return 0;
  if (lambda < 10) {
    const double limit = std::exp(-lambda);
    int64_t x = 0;
    double product = 1.0;
    while (true) {
      product *= rng.uniform();
      if (product > limit)
        ++x;
      else
        return x;
    }
  }
  const double slam = std::sqrt(lambda), loglam = std::log(lambda);
  const double b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b;
  const double inv_alpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2);
  while (true) {
    const double u = rng.uniform() - 0.5, v = rng.uniform();
    const double us = 0.5 - std::abs(u);
    const auto k = static_cast<int64_t>(std::floor((2 * a / us + b) * u + lambda + 0.43));
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (std::log(v) + std::log(inv_alpha) - std::log(a / (us * us) + b) <=
        -lambda + static_cast<double>(k) * loglam - std::lgamma(static_cast<double>(k) + 1))
      return k;
  }
}

// scipy.ndimage's "reflect" border (d c b a | a b c d | d c b a), valid for any offset.
int64_t reflect(int64_t i, int64_t n) {
  const int64_t period = 2 * n;
  i %= period;
  if (i < 0) i += period;
  return i < n ? i : period - 1 - i;
}

std::vector<double> gaussian_kernel(double sigma) {
  const auto radius = static_cast<int64_t>(4.0 * sigma + 0.5);  // scipy's truncate=4
  std::vector<double> w(static_cast<std::size_t>(2 * radius + 1));
  double sum = 0;
  for (int64_t i = -radius; i <= radius; ++i) {
    const double v = std::exp(-0.5 * static_cast<double>(i * i) / (sigma * sigma));
    w[static_cast<std::size_t>(i + radius)] = v;
    sum += v;
  }
  for (double& v : w) v /= sum;
  return w;
}

// Separable in-plane blur of every [Y, X] plane of a contiguous [C, Z, Y, X] float tensor.
torch::Tensor blur(const torch::Tensor& image, double sigma) {
  const int64_t planes = image.size(0) * image.size(1), ny = image.size(2), nx = image.size(3);
  const auto kernel = gaussian_kernel(sigma);
  const auto radius = static_cast<int64_t>(kernel.size() / 2);
  auto out = torch::empty_like(image);
  const float* src = image.data_ptr<float>();
  float* dst = out.data_ptr<float>();
  at::parallel_for(0, planes, 1, [&](int64_t begin, int64_t end) {
    std::vector<double> rows(static_cast<std::size_t>(ny * nx));
    for (int64_t p = begin; p < end; ++p) {
      const float* in = src + p * ny * nx;
      float* o = dst + p * ny * nx;
      for (int64_t y = 0; y < ny; ++y)  // along X
        for (int64_t x = 0; x < nx; ++x) {
          double s = 0;
          for (int64_t k = -radius; k <= radius; ++k)
            s += kernel[static_cast<std::size_t>(k + radius)] * in[y * nx + reflect(x + k, nx)];
          rows[static_cast<std::size_t>(y * nx + x)] = s;
        }
      for (int64_t y = 0; y < ny; ++y)  // along Y
        for (int64_t x = 0; x < nx; ++x) {
          double s = 0;
          for (int64_t k = -radius; k <= radius; ++k)
            s += kernel[static_cast<std::size_t>(k + radius)] * rows[static_cast<std::size_t>(reflect(y + k, ny) * nx + x)];
          o[y * nx + x] = static_cast<float>(s);
        }
    }
  });
  return out;
}

// Applies `f(rng, x) -> x'` to every voxel; one random stream per (channel, slice).
template <typename F>
torch::Tensor per_voxel(const torch::Tensor& image, std::uint64_t seed, F f) {
  const int64_t channels = image.size(0), slices = image.size(1), plane = image.size(2) * image.size(3);
  auto out = torch::empty_like(image);
  const float* src = image.data_ptr<float>();
  float* dst = out.data_ptr<float>();
  at::parallel_for(0, channels * slices, 1, [&](int64_t begin, int64_t end) {
    for (int64_t s = begin; s < end; ++s) {
      Rng rng(derive_seed(seed, {static_cast<std::uint64_t>(s / slices), static_cast<std::uint64_t>(s % slices)}));
      for (int64_t i = s * plane; i < (s + 1) * plane; ++i) dst[i] = static_cast<float>(f(rng, static_cast<double>(src[i])));
    }
  });
  return out;
}

}  // namespace

CorruptionType parse_corruption(const std::string& name) {
  if (name == "salt-pepper" || name == "salt_and_pepper" || name == "s&p") return CorruptionType::salt_pepper;
  for (const auto& n : kNames)
    if (name == n.name) return n.type;
  throw UserError(fmt::format("unknown corruption '{}' (expected one of {})", name, fmt::join(corruption_names(), ", ")));
}

std::string to_string(CorruptionType type) {
  for (const auto& n : kNames)
    if (n.type == type) return n.name;
  return "?";
}

std::vector<CorruptionType> all_corruptions() {
  std::vector<CorruptionType> out;
  for (const auto& n : kNames) out.push_back(n.type);
  return out;
}

std::vector<std::string> corruption_names() {
  std::vector<std::string> out;
  for (const auto& n : kNames) out.push_back(n.name);
  return out;
}

void check_corruption_level(CorruptionType type, double level) {
  const std::string what = fmt::format("noise level {} for {}", level, to_string(type));
  if (!std::isfinite(level)) throw UserError(what + ": must be a finite number");
  if (type == CorruptionType::gamma) {
    if (level <= -1) throw UserError(what + ": gamma = 1 + level must be positive (level > -1)");
    return;
  }
  if (level < 0) throw UserError(what + ": must be 0 or positive");
  if (type == CorruptionType::salt_pepper && level > 1)
    throw UserError(what + ": is the fraction of voxels replaced, at most 1");
}

torch::Tensor corrupt(const torch::Tensor& image, CorruptionType type, double level, std::uint64_t seed) {
  check_corruption_level(type, level);
  TORCH_CHECK(image.dim() == 4, "corrupt expects an image [C, Z, Y, X], got ", image.sizes());
  const auto x = image.to(torch::kCPU, torch::kFloat32).contiguous();
  if (level == 0 || x.numel() == 0) return x.clone();
  const double lo = x.min().item<double>(), hi = x.max().item<double>(), range = hi - lo;
  if (!(range > 0)) return x.clone();
  switch (type) {
    case CorruptionType::gaussian: {
      const double sd = level * range;
      return per_voxel(x, seed, [sd](Rng& rng, double v) { return v + sd * rng.normal(); });
    }
    case CorruptionType::salt_pepper:
      return per_voxel(x, seed, [=](Rng& rng, double v) {
        if (!rng.chance(level)) return v;
        return rng.chance(0.5) ? hi : lo;
      });
    case CorruptionType::speckle:
      return per_voxel(x, seed, [=](Rng& rng, double v) { return lo + (v - lo) * (1.0 + level * rng.normal()); });
    case CorruptionType::poisson: {
      const double photons = 1.0 / (level * level);
      return per_voxel(x, seed, [=](Rng& rng, double v) {
        const double u = std::clamp((v - lo) / range, 0.0, 1.0);
        return lo + range * static_cast<double>(poisson(rng, u * photons)) / photons;
      });
    }
    case CorruptionType::blur: return blur(x, level);
    case CorruptionType::gamma: {
      const double gamma = 1.0 + level;
      return per_voxel(x, seed, [=](Rng&, double v) { return lo + range * std::pow(std::clamp((v - lo) / range, 0.0, 1.0), gamma); });
    }
  }
  return x.clone();
}

std::uint64_t corruption_seed(std::uint64_t seed, const std::string& case_id, CorruptionType type, double level) {
  const auto level_key = static_cast<std::uint64_t>(std::llround(level * 1e9));
  return derive_seed(seed, {fnv1a64(case_id), static_cast<std::uint64_t>(type) + 1, level_key});
}

}  // namespace mis
