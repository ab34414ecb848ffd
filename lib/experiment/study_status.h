#pragma once
// What `run --dry-run` shows: every run of an experiment, whether it is in this shard, and how
// far it got, as JSON for scripts and as a table for people.
#include <string>

#include "core/json.h"
#include "experiment/experiment.h"
#include "experiment/shard.h"

namespace mis {

// {"experiment", "results", "shard": "K/N", "runs": [{"index", "id", "labels", "in_shard", "state",
//  "complete", "folder"}], "counts": {"total", "in_shard", "complete"}}
json study_status(const Experiment& experiment, const Shard& shard);

std::string format_study_status(const json& status);

}  // namespace mis
