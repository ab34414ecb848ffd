#pragma once
// What `run --dry-run` shows: every run of an experiment, whether it is in this shard, and how
// far it got, as JSON for scripts and as a table for people.
#include <string>
#include <vector>

#include "core/json.h"
#include "experiment/experiment.h"
#include "experiment/shard.h"

namespace mis {

// {"experiment", "results", "shard": "K/N", "runs": [{"index", "id", "labels", "in_shard", "state",
//  "complete", "running", "folder"}], "counts": {"total", "in_shard", "complete"}}
// `only` (run ids, as `run --only`): list just these runs; empty lists them all. "running" names
// the process holding the run's lock (null when none). counts.complete counts all runs.
json study_status(const Experiment& experiment, const Shard& shard, const std::vector<std::string>& only = {});

std::string format_study_status(const json& status);

}  // namespace mis
