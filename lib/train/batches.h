#pragma once
// Which slices make up the batch of step s: a pure function of (seed, step), so that a run
// resumed at step s draws exactly the batches the uninterrupted run would have drawn.
#include <cstdint>
#include <vector>

namespace mis {

class BatchSchedule {
 public:
  BatchSchedule(int64_t num_items, int64_t batch_size, std::uint64_t seed);
  // Sample k of the run is item perm_e[k mod N] with e = k / N: every epoch is a fresh permutation.
  std::vector<int64_t> indices(int64_t step);

 private:
  const std::vector<int64_t>& permutation(int64_t epoch);
  int64_t n_, batch_;
  std::uint64_t seed_;
  int64_t cached_epoch_ = -1;
  std::vector<int64_t> cached_;
};

}  // namespace mis
