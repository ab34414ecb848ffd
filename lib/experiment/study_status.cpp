#include "experiment/study_status.h"

#include <algorithm>

#include <fmt/format.h>

#include "experiment/runner.h"
#include "experiment/run_record.h"

namespace mis {

namespace fs = std::filesystem;

json study_status(const Experiment& experiment, const Shard& shard, const std::vector<std::string>& only) {
  json runs = json::array();
  int in_shard_count = 0, complete = 0;
  for (std::size_t i = 0; i < experiment.runs.size(); ++i) {
    const RunSpec& run = experiment.runs[i];
    const RunProgress progress = inspect_run(experiment, run);
    complete += progress.complete() ? 1 : 0;
    if (!only.empty() && std::find(only.begin(), only.end(), run.id) == only.end()) continue;
    const bool mine = in_shard(i, shard);
    in_shard_count += mine ? 1 : 0;
    const fs::path folder = run_folder(experiment, run);
    const auto holder = run_lock_holder(folder);
    std::string state = progress.describe();
    if (holder && !progress.complete()) state = fmt::format("running in {}; {}", *holder, state);
    runs.push_back({{"index", i},
                    {"id", run.id},
                    {"labels", to_json(run.labels)},
                    {"in_shard", mine},
                    {"state", state},
                    {"complete", progress.complete()},
                    {"running", holder ? json(*holder) : json(nullptr)},
                    {"folder", folder.string()}});
  }
  json status = {{"experiment", experiment.name},
                 {"results", experiment.results.string()},
                 {"shard", fmt::format("{}/{}", shard.index, shard.count)},
                 {"runs", runs},
                 {"counts", {{"total", experiment.runs.size()}, {"in_shard", in_shard_count}, {"complete", complete}}}};
  if (!only.empty()) status["only"] = only;
  return status;
}

std::string format_study_status(const json& status) {
  std::size_t width = 2;
  for (const auto& r : status["runs"]) width = std::max(width, r["id"].get<std::string>().size());
  std::string out = fmt::format("experiment {} -> {} (shard {})\n", status["experiment"].get<std::string>(),
                                status["results"].get<std::string>(), status["shard"].get<std::string>());
  out += fmt::format("  {:>4}  {:<{}}  {}\n", "#", "run", width, "state");
  for (const auto& r : status["runs"]) {
    if (!r["in_shard"].get<bool>()) continue;
    out += fmt::format("  {:>4}  {:<{}}  {}\n", r["index"].get<int>(), r["id"].get<std::string>(), width,
                       r["state"].get<std::string>());
  }
  const auto& c = status["counts"];
  out += fmt::format("{} runs {}in this shard of {}; {} of all complete\n", c["in_shard"].get<int>(),
                     status.contains("only") ? "named by --only " : "",
                     c["total"].get<int>(), c["complete"].get<int>());
  return out;
}

}  // namespace mis
