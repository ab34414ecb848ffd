#include "experiment/shard.h"

#include <cstdlib>

#include <fmt/format.h>

#include "core/error.h"

namespace mis {

namespace {

std::optional<int> parse_int(const std::string& text) {
  if (text.empty()) return std::nullopt;
  std::size_t used = 0;
  try {
    const int v = std::stoi(text, &used);
    if (used == text.size()) return v;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

}  // namespace

Shard parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  const auto k = slash == std::string::npos ? std::nullopt : parse_int(text.substr(0, slash));
  const auto n = slash == std::string::npos ? std::nullopt : parse_int(text.substr(slash + 1));
  if (!k || !n || *n < 1 || *k < 0 || *k >= *n)
    throw UserError(fmt::format("--shard {}: expected K/N with 0 <= K < N (e.g. 0/4 .. 3/4)", text));
  return {*k, *n};
}

std::optional<Shard> shard_from_slurm_environment() {
  const char* id = std::getenv("SLURM_ARRAY_TASK_ID");
  if (!id) return std::nullopt;
  // Inside a job array every run of it must take its share: a task that cannot tell which share
  // is its own must not silently take all of them.
  const char* count = std::getenv("SLURM_ARRAY_TASK_COUNT");
  const char* min = std::getenv("SLURM_ARRAY_TASK_MIN");
  const auto task = parse_int(id), n = parse_int(count ? count : ""), first = parse_int(min ? min : "0");
  if (!task || !n || !first || *n < 1 || *task - *first < 0 || *task - *first >= *n)
    throw UserError(fmt::format("SLURM_ARRAY_TASK_ID={} SLURM_ARRAY_TASK_COUNT={} SLURM_ARRAY_TASK_MIN={}: not the "
                                "task of a contiguous job array (use sbatch --array=0-{}, or pass --shard K/N)",
                                id, count ? count : "unset", min ? min : "unset",
                                n && *n > 0 ? std::to_string(*n - 1) : std::string("<tasks - 1>")));
  return Shard{*task - *first, *n};
}

}  // namespace mis
