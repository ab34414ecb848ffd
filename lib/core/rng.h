#pragma once
// Deterministic random numbers that give the same values on every platform.
//
// std::mt19937_64's output sequence is fixed by the C++ standard, but the standard
// distributions (std::normal_distribution, ...) are not, so the draws are written here.
// Sub-streams are derived with splitmix64 so that, e.g., the augmentation of sample i at
// step s depends only on (seed, s, i): a resumed run draws exactly what it would have.
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <random>

namespace mis {

inline std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// A seed for the sub-stream named by `keys` under `seed`.
inline std::uint64_t derive_seed(std::uint64_t seed, std::initializer_list<std::uint64_t> keys) {
  std::uint64_t h = splitmix64(seed);
  for (auto k : keys) h = splitmix64(h ^ splitmix64(k + 0x632BE59BD9B4E019ull));
  return h;
}

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : engine_(seed) {}
  std::uint64_t next() { return engine_(); }
  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Uniform integer in [0, n).
  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : engine_() % n; }
  bool chance(double p) { return uniform() < p; }
  // Standard normal by Box-Muller (one value per call; simple beats fast here).
  double normal() {
    double u1 = uniform();
    while (u1 <= 0.0) u1 = uniform();
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
  }
  double normal(double mean, double sd) { return mean + sd * normal(); }

 private:
  std::mt19937_64 engine_;
};

}  // namespace mis
