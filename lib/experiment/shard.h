#pragma once
// Sharding a study over a cluster: shard K of N takes the runs whose position in the
// experiment's fixed run order is K modulo N, so N shards cover every run exactly once and
// a run's shard never depends on what is already done.
#include <cstddef>
#include <optional>
#include <string>

namespace mis {

struct Shard {
  int index = 0;  // K, from 0
  int count = 1;  // N
};

// "K/N" with 0 <= K < N, or a UserError saying what was expected.
Shard parse_shard(const std::string& text);

// From a Slurm job array (SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT and SLURM_ARRAY_TASK_MIN,
// so --array=1-8 and --array=0-7 both work), or nothing outside one. A SLURM_ARRAY_TASK_ID that
// does not name a task of such an array (not a number, no SLURM_ARRAY_TASK_COUNT) is a UserError.
std::optional<Shard> shard_from_slurm_environment();

inline bool in_shard(std::size_t run_index, const Shard& shard) {
  return static_cast<int>(run_index % static_cast<std::size_t>(shard.count)) == shard.index;
}

}  // namespace mis
