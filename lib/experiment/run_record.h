#pragma once
// run.json: what a run folder holds and how far it got. `run` writes it before the first step
// and after every stage, `run --dry-run` and `report` read it.
//
// {"schema": "mis-spectral/run", "schema_version": 1, "experiment": "synthetic", "id": "...",
//  "status": "pending" | "complete" | "failed", "error": "<message when failed>",
//  "labels": {"dataset", "model", "variant", "group", "setting", "seed"}, "train_config": {...},
//  "evaluations": {"eval": {"settings": {...}, "file": "eval.json", "status": "complete"}},
//  "data": {"stamps", "train", "evaluation"} (experiment/run_data.h),
//  "process": {"pid", "host"} (the process that last worked on the run),
//  "code_version": "...", "updated": "2026-11-27T10:00:00Z"}
#include <filesystem>
#include <optional>
#include <string>

#include "core/json.h"
#include "experiment/experiment.h"

namespace mis {

std::filesystem::path run_record_path(const std::filesystem::path& run_dir);

// The record of a run that has not started: status "pending", no evaluations done.
json new_run_record(const Experiment& experiment, const RunSpec& run);

// The record in `run_dir`, or nothing when there is none. A file that is not a run record is
// a UserError naming it.
std::optional<json> read_run_record(const std::filesystem::path& run_dir);

// Stamps code version and time, then writes atomically.
void write_run_record(const std::filesystem::path& run_dir, json record);

// Moves a run.json that cannot be read to a free name beside it (run.json.corrupt, .corrupt-2,
// ...) so that nothing is lost when a new record takes its place; returns the new path.
std::filesystem::path set_aside_run_record(const std::filesystem::path& run_dir);

// How far a run got, from its folder alone (checkpoint, run.json, result files and the data),
// for --dry-run and skipping. Never throws: a folder it cannot read is this run's failure.
struct RunProgress {
  int64_t steps = 0;        // training steps in the checkpoint
  int64_t total_steps = 0;  // 0 when not started
  bool results_only = false;  // complete in run.json and train_summary.json, checkpoint removed
  int evaluations_done = 0;
  int evaluations_total = 0;
  bool failed = false;
  std::string error;
  std::string stale;        // why the run's results no longer fit its data ("" when they do)
  bool complete() const {
    return !failed && stale.empty() && total_steps > 0 && steps == total_steps &&
           evaluations_done == evaluations_total;
  }
  // "complete", "pending", "trained 300/500", "trained, 1/3 evaluations", "failed: ...",
  // "data changed: ..."
  std::string describe() const;
};
RunProgress inspect_run(const Experiment& experiment, const RunSpec& run);

// Whether the evaluation `spec` of a run is recorded as done with the same settings and its file
// is still there and a whole result of that kind (a truncated or foreign file is not): changing
// an evaluation's settings in the experiment reruns only that evaluation.
bool evaluation_done(const json& record, const EvaluationSpec& spec, const std::filesystem::path& run_dir);

}  // namespace mis
