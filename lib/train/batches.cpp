#include "train/batches.h"

#include <numeric>

#include "core/rng.h"

namespace mis {

BatchSchedule::BatchSchedule(int64_t num_items, int64_t batch_size, std::uint64_t seed)
    : n_(num_items), batch_(batch_size), seed_(seed) {}

const std::vector<int64_t>& BatchSchedule::permutation(int64_t epoch) {
  if (epoch != cached_epoch_) {
    cached_.resize(static_cast<std::size_t>(n_));
    std::iota(cached_.begin(), cached_.end(), 0);
    Rng rng(derive_seed(seed_, {0xBA7C4ull, static_cast<std::uint64_t>(epoch)}));
    for (int64_t i = n_ - 1; i > 0; --i) {  // Fisher-Yates
      const auto j = static_cast<int64_t>(rng.below(static_cast<std::uint64_t>(i + 1)));
      std::swap(cached_[static_cast<std::size_t>(i)], cached_[static_cast<std::size_t>(j)]);
    }
    cached_epoch_ = epoch;
  }
  return cached_;
}

std::vector<int64_t> BatchSchedule::indices(int64_t step) {
  std::vector<int64_t> out;
  out.reserve(static_cast<std::size_t>(batch_));
  for (int64_t b = 0; b < batch_; ++b) {
    const int64_t k = step * batch_ + b;
    out.push_back(permutation(k / n_)[static_cast<std::size_t>(k % n_)]);
  }
  return out;
}

}  // namespace mis
